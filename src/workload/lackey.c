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

int wl_lackey_parse(const char *buf, size_t len, struct wl_access_trace *t,
		    struct wl_error *err)
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
			wl_error_set(err, line, "unknown access type %s "
					"(expected I, L, S or M)",
					wl_char_name(*q, cb));
			return -EINVAL;
		}
		q++;
		if (q == eol || !blank(*q)) {
			wl_error_set(err, line, "expected a blank after "
					"the access type '%c'", q[-1]);
			return -EINVAL;
		}
		while (q < eol && blank(*q))
			q++;
		for (; q < eol && (d = wl_hexval[(uint8_t)*q]); q++, digits++) {
			if (va >> 60) {
				wl_error_set(err, line, "address: more "
						"than 64 bits");
				return -EINVAL;
			}
			va = va << 4 | (d - 1);
		}
		if (!digits) {
			wl_error_set(err, line, "address: expected hex "
					"digits, got %s", q == eol ?
					"end of line" : wl_char_name(*q, cb));
			return -EINVAL;
		}
		if (q == eol || *q != ',') {
			wl_error_set(err, line, "expected ',' after the "
					"address, got %s", q == eol ?
					"end of line" : wl_char_name(*q, cb));
			return -EINVAL;
		}
		q++;
		for (digits = 0; q < eol && *q >= '0' && *q <= '9';
		     q++, digits++) {
			size = size * 10 + (uint64_t)(*q - '0');
			if (size > WL_ACCESS_MAX_SIZE) {
				wl_error_set(err, line, "size: above %u",
						WL_ACCESS_MAX_SIZE);
				return -EINVAL;
			}
		}
		if (!digits) {
			wl_error_set(err, line, "size: expected decimal "
					"digits, got %s", q == eol ?
					"end of line" : wl_char_name(*q, cb));
			return -EINVAL;
		}
		while (q < eol && blank(*q))
			q++;
		if (q != eol) {
			wl_error_set(err, line, "unexpected %s after the "
					"size", wl_char_name(*q, cb));
			return -EINVAL;
		}
		if (!size) {
			wl_error_set(err, line, "size: 0");
			return -EINVAL;
		}
		if (size - 1 > UINT64_MAX - va) {
			wl_error_set(err, line, "access wraps past "
					"2^64 - 1");
			return -EINVAL;
		}
		if (wl_access_add(t, va, size, kind, line) ||
		    (modify && wl_access_add(t, va, size, WL_ACCESS_WRITE,
					     line))) {
			wl_error_set(err, line, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}
