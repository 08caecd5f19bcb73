/* SPDX-License-Identifier: MIT */
/*
 * reason — the one carrier of why an operation failed.
 *
 * Library functions return 0 (or a count) or a negative errno.  Where a
 * failure has a reason a user should read — a trace line that does not
 * parse, a TLB spec field out of range, an invariant a validator found
 * broken — the function also fills a struct reason that its caller passed
 * (or NULL when the caller does not want one).  The library never prints:
 * the tool that called it formats the reason with reason_format() as
 *
 *	FILE:LINE: message       (a line of an input)
 *	FILE: message            (the input as a whole)
 *	--option: message        (an option the user typed; ->what)
 *	message                  (anything else)
 *
 * Conventions: @r may be NULL in every function; a message is one line
 * without a trailing newline, truncated to fit.
 */
#ifndef VMBENCH_REASON_H
#define VMBENCH_REASON_H

#include <stddef.h>
#include <stdint.h>

struct reason {
	uint64_t line;       /* 1-based line of the input; 0: none */
	char what[48];       /* the option or field at fault; "" when none */
	char msg[192];       /* the reason, one line */
};

/* Empty @r: no line, no option, no message. */
void reason_clear(struct reason *r);

/*
 * Set @r to @line and the printf-style message; @r->what is cleared.
 * Returns @err so that a caller can write
 *	return reason_fail(r, -EINVAL, line, "bad number '%s'", s);
 */
int reason_fail(struct reason *r, int err, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* As reason_fail(), naming the option or field @what instead of a line. */
int reason_fail_opt(struct reason *r, int err, const char *what,
		    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Write @r as one line (no newline) into @buf of @n bytes, with @source
 * (the input's name, or NULL) in front as described above.  Returns what
 * snprintf() returns.
 */
int reason_format(const struct reason *r, const char *source, char *buf,
		  size_t n);

#endif /* VMBENCH_REASON_H */
