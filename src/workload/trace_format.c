/* SPDX-License-Identifier: MIT */
/*
 * The table of memory-access trace formats and the calls that go through
 * it.  Each format lives in a file of its own (lackey.c, din.c) that
 * defines its struct wl_trace_format; this file only lists them.  Adding a
 * format: its file, a row below (and its extern declaration if workload.h
 * does not declare it), and the file in meson.build.
 */
#include <errno.h>
#include <string.h>

#include "access_impl.h"

static const struct wl_trace_format *const formats[] = {
	&wl_trace_lackey,
	&wl_trace_din,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct wl_trace_format *const *wl_trace_formats(size_t *count)
{
	*count = NFORMATS;
	return formats;
}

const struct wl_trace_format *wl_trace_format_find(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(formats[i]->name, name))
			return formats[i];
	return NULL;
}

int wl_access_parse(const struct wl_trace_format *fmt, const char *buf,
		    size_t len, struct wl_access_trace *t, struct reason *r)
{
	const char *nul = memchr(buf, '\0', len);

	/* One vectorised pass here spares the scanners a check per byte. */
	if (nul) {
		uint64_t line = 1;

		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		return reason_fail(r, -EINVAL, line, "NUL byte in the trace");
	}
	if (!fmt->parse)
		return reason_fail(r, -EOPNOTSUPP, 0,
				   "the %s format has no reader", fmt->name);
	return fmt->parse(buf, len, t, r);
}

int wl_access_read(FILE *f, const struct wl_trace_format *fmt,
		   struct wl_access_trace *t, struct reason *r)
{
	size_t len;
	char *buf;
	int ret;

	if (!fmt->parse)
		return reason_fail(r, -EOPNOTSUPP, 0,
				   "the %s format has no reader", fmt->name);
	ret = wl_read_all(f, 1 << 20, &buf, &len, r);
	if (ret)
		return ret;
	ret = wl_access_parse(fmt, buf, len, t, r);
	free(buf);
	return ret;
}

int wl_access_write(FILE *f, const struct wl_trace_format *fmt,
		    const struct wl_access *a, size_t n, struct reason *r)
{
	int ret;

	if (!fmt->write)
		return reason_fail(r, -EOPNOTSUPP, 0,
				   "the %s format has no writer", fmt->name);
	fmt->write(f, a, n);
	if (fflush(f) || ferror(f)) {
		ret = errno ? -errno : -EIO;
		return reason_fail(r, ret, 0, "write error: %s",
				   strerror(-ret));
	}
	return 0;
}
