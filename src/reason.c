/* SPDX-License-Identifier: MIT */
/* The reason carrier: see include/vmbench/reason.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vmbench/reason.h>

void reason_clear(struct reason *r)
{
	if (r)
		memset(r, 0, sizeof(*r));
}

static void set_msg(struct reason *r, const char *fmt, va_list ap)
{
	char *nl;

	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	/* One line: a message that carries a newline is cut there. */
	nl = strchr(r->msg, '\n');
	if (nl)
		*nl = '\0';
}

int reason_fail(struct reason *r, int err, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return err;
	r->line = line;
	r->what[0] = '\0';
	va_start(ap, fmt);
	set_msg(r, fmt, ap);
	va_end(ap);
	return err;
}

int reason_fail_opt(struct reason *r, int err, const char *what,
		    const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return err;
	r->line = 0;
	snprintf(r->what, sizeof(r->what), "%s", what ? what : "");
	va_start(ap, fmt);
	set_msg(r, fmt, ap);
	va_end(ap);
	return err;
}

int reason_format(const struct reason *r, const char *source, char *buf,
		  size_t n)
{
	const char *msg = r && r->msg[0] ? r->msg : "unknown error";

	if (r && r->what[0])
		return snprintf(buf, n, "%s: %s", r->what, msg);
	if (source && r && r->line)
		return snprintf(buf, n, "%s:%" PRIu64 ": %s", source, r->line,
				msg);
	if (source)
		return snprintf(buf, n, "%s: %s", source, msg);
	return snprintf(buf, n, "%s", msg);
}
