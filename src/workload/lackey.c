/* SPDX-License-Identifier: MIT */
/*
 * The reader of valgrind lackey --trace-mem=yes output (format in
 * workload.h).  One pass over the buffer: memchr finds each line's end,
 * then a cursor @q walks the line once; fields are converted as they are
 * scanned, with table lookups instead of ctype calls.  Never reads past
 * @len bytes.
 */
#include <errno.h>
#include <string.h>

#include "access_impl.h"

static inline bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int lackey_parse(const char *buf, size_t len, struct wl_access_trace *t,
		    struct reason *err)
{
	const char *p = buf, *end = buf + len;
	uint64_t line = 0;
	char cb[8];

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;
		uint64_t va = 0, size = 0;
		unsigned digits = 0, d;
		bool modify = false;
		uint8_t kind;

		if (!eol)
			eol = end;
		p = eol < end ? eol + 1 : end;
		line++;
		while (q < eol && blank(*q))
			q++;
		if (q == eol)
			continue;
		if (*q == '=' && q + 1 < eol && q[1] == '=')
			continue;  /* ==PID== messages of valgrind */
		switch (*q) {
		case 'I':
			kind = WL_ACCESS_IFETCH;
			break;
		case 'L':
			kind = WL_ACCESS_READ;
			break;
		case 'S':
			kind = WL_ACCESS_WRITE;
			break;
		case 'M':
			kind = WL_ACCESS_READ;
			modify = true;
			break;
		default:
			return reason_fail(err, -EINVAL, line,
					"unknown access type %s "
					"(expected I, L, S or M)",
					wl_char_name(*q, cb));
		}
		q++;
		if (q == eol || !blank(*q)) {
			return reason_fail(err, -EINVAL, line,
					"expected a blank after "
					"the access type '%c'", q[-1]);
		}
		while (q < eol && blank(*q))
			q++;
		for (; q < eol && (d = wl_hexval[(uint8_t)*q]); q++, digits++) {
			if (va >> 60) {
				return reason_fail(err, -EINVAL, line,
						"address: more "
						"than 64 bits");
			}
			va = va << 4 | (d - 1);
		}
		if (!digits) {
			return reason_fail(err, -EINVAL, line,
					"address: expected hex "
					"digits, got %s", q == eol ?
					"end of line" : wl_char_name(*q, cb));
		}
		if (q == eol || *q != ',') {
			return reason_fail(err, -EINVAL, line,
					"expected ',' after the "
					"address, got %s", q == eol ?
					"end of line" : wl_char_name(*q, cb));
		}
		q++;
		for (digits = 0; q < eol && *q >= '0' && *q <= '9';
		     q++, digits++) {
			size = size * 10 + (uint64_t)(*q - '0');
			if (size > WL_ACCESS_MAX_SIZE) {
				return reason_fail(err, -EINVAL, line,
						"size: above %u",
						WL_ACCESS_MAX_SIZE);
			}
		}
		if (!digits) {
			return reason_fail(err, -EINVAL, line,
					"size: expected decimal "
					"digits, got %s", q == eol ?
					"end of line" : wl_char_name(*q, cb));
		}
		while (q < eol && blank(*q))
			q++;
		if (q != eol) {
			return reason_fail(err, -EINVAL, line,
					"unexpected %s after the "
					"size", wl_char_name(*q, cb));
		}
		if (!size) {
			return reason_fail(err, -EINVAL, line, "size: 0");
		}
		if (size - 1 > UINT64_MAX - va) {
			return reason_fail(err, -EINVAL, line,
					"access wraps past "
					"2^64 - 1");
		}
		if (wl_access_add(t, va, size, kind, line) ||
		    (modify && wl_access_add(t, va, size, WL_ACCESS_WRITE,
					     line))) {
			reason_fail(err, -ENOMEM, line, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static void lackey_write(FILE *f, const struct wl_access *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%08llx,%u\n",
			a[i].kind == WL_ACCESS_IFETCH ? "I  " :
			a[i].kind == WL_ACCESS_WRITE ? " S " : " L ",
			(unsigned long long)a[i].va, (unsigned)a[i].size);
}

const struct wl_trace_format wl_trace_lackey = {
	.name = "lackey",
	.summary = "valgrind --tool=lackey --trace-mem=yes: I/L/S/M ADDR,SIZE",
	.parse = lackey_parse,
	.write = lackey_write,
};
