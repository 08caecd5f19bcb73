/* SPDX-License-Identifier: MIT */
/*
 * The reader and writer of valgrind lackey --trace-mem=yes output (format
 * in workload.h).  The parser walks each line once with one cursor: a
 * fast path for the lines valgrind writes (blanks, the type, blanks, at
 * most 16 hex digits converted eight at a time by wl_hex16(), ',', a
 * decimal size, blanks, newline), and for anything else the careful
 * per-line parser lackey_line(), which accepts the rest of the grammar
 * and words every error.  Both read only up to the line's newline, plus
 * the 16-byte loads the padding after the buffer allows.
 */
#include <errno.h>
#include <string.h>

#include "access_impl.h"

/* Type letter -> access kind; 'M' is a read here, then a write. */
static const uint8_t type_kind[256] = {
	['I'] = WL_ACCESS_IFETCH, ['L'] = WL_ACCESS_READ,
	['S'] = WL_ACCESS_WRITE, ['M'] = WL_ACCESS_READ,
};

/* One line [q, eol): the whole grammar, every error worded. */
static int lackey_line(struct wl_parse *ps, const char *q, const char *eol,
		       uint64_t line)
{
	struct reason *err = ps->err;
	uint64_t va = 0, size = 0;
	unsigned digits = 0, d;
	uint8_t kind;
	char cb[8], type;

	while (q < eol && wl_blank(*q))
		q++;
	if (q == eol)
		return 0;
	if (*q == '=' && q + 1 < eol && q[1] == '=')
		return 0;  /* ==PID== messages of valgrind */
	type = *q;
	kind = type_kind[(uint8_t)type];
	if (!kind)
		return reason_fail(err, -EINVAL, line, "unknown access type %s "
				   "(expected I, L, S or M)",
				   wl_char_name(*q, cb));
	q++;
	if (q == eol || !wl_blank(*q))
		return reason_fail(err, -EINVAL, line, "expected a blank after "
				   "the access type '%c'", q[-1]);
	while (q < eol && wl_blank(*q))
		q++;
	for (; q < eol && (d = wl_hexval[(uint8_t)*q]); q++, digits++) {
		if (va >> 60)
			return reason_fail(err, -EINVAL, line,
					   "address: more than 64 bits");
		va = va << 4 | (d - 1);
	}
	if (!digits)
		return reason_fail(err, -EINVAL, line, "address: expected hex "
				   "digits, got %s", q == eol ? "end of line" :
				   wl_char_name(*q, cb));
	if (q == eol || *q != ',')
		return reason_fail(err, -EINVAL, line, "expected ',' after the "
				   "address, got %s", q == eol ? "end of line" :
				   wl_char_name(*q, cb));
	q++;
	for (digits = 0; q < eol && *q >= '0' && *q <= '9'; q++, digits++) {
		size = size * 10 + (uint64_t)(*q - '0');
		if (size > WL_ACCESS_MAX_SIZE)
			return reason_fail(err, -EINVAL, line, "size: above %u",
					   WL_ACCESS_MAX_SIZE);
	}
	if (!digits)
		return reason_fail(err, -EINVAL, line, "size: expected decimal "
				   "digits, got %s", q == eol ? "end of line" :
				   wl_char_name(*q, cb));
	while (q < eol && wl_blank(*q))
		q++;
	if (q != eol)
		return reason_fail(err, -EINVAL, line, "unexpected %s after the "
				   "size", wl_char_name(*q, cb));
	if (!size)
		return reason_fail(err, -EINVAL, line, "size: 0");
	if (size - 1 > UINT64_MAX - va)
		return reason_fail(err, -EINVAL, line,
				   "access wraps past 2^64 - 1");
	wl_emit(ps, va, size, kind, line);
	if (type == 'M')
		wl_emit(ps, va, size, WL_ACCESS_WRITE, line);
	return 0;
}

/*
 * The fast path: the lines valgrind writes, a field at a time
 * (blanks, the type, blanks, up to 15 hex digits, ',', a decimal size,
 * CR LF).  0 declines the line.
 */
static inline __attribute__((always_inline)) unsigned
lackey_fast(const char **pp, struct wl_access *o, uint64_t line)
{
	const char *q = *pp;
	uint64_t va, size;
	unsigned k, d;
	uint8_t kind;
	char type;

	while (*q == ' ')
		q++;
	type = *q;
	kind = type_kind[(uint8_t)type];
	if (!kind || q[1] != ' ')
		return 0;
	q += 2;
	while (*q == ' ')
		q++;
	k = wl_hex16(q, &va);
	if (!k || k == 16 || q[k] != ',')
		return 0;
	q += k + 1;
	d = (unsigned)(uint8_t)*q - '0';
	if (d > 9)
		return 0;
	size = d;
	while ((d = (unsigned)(uint8_t)*++q - '0') <= 9 &&
	       size <= WL_ACCESS_MAX_SIZE)
		size = size * 10 + d;
	q += *q == '\r';
	if (*q != '\n' || !size || size > WL_ACCESS_MAX_SIZE ||
	    size - 1 > UINT64_MAX - va)
		return 0;
	wl_put(o, va, size, kind, line);
	*pp = q + 1;
	if (type != 'M')
		return 1;
	wl_put(o + 1, va, size, WL_ACCESS_WRITE, line);
	return 2;
}

static int lackey_parse(struct wl_parse *ps)
{
	return wl_text_parse(ps, lackey_fast, lackey_line);
}

static void lackey_write(FILE *f, const struct wl_access *a, size_t n,
			 uint64_t *state)
{
	(void)state;
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
