/* SPDX-License-Identifier: MIT */
/*
 * The reader and writer of DineroIV's text formats, extended (-informat
 * D) and traditional (-informat d) din (what is accepted: workload.h).
 * Same structure as lackey.c: a fast path for "LABEL ADDR [SIZE]" with
 * single blanks and at most 16 hex digits a field, and the careful
 * per-line parser din_line() for everything else and every error.
 */
#include <errno.h>
#include <string.h>

#include "access_impl.h"

/* Label -> access kind; SKIP for cache maintenance, 0 for no label. */
#define SKIP 1
static const uint8_t label_kind[256] = {
	['r'] = WL_ACCESS_READ, ['R'] = WL_ACCESS_READ,
	['w'] = WL_ACCESS_WRITE, ['W'] = WL_ACCESS_WRITE,
	['i'] = WL_ACCESS_IFETCH, ['I'] = WL_ACCESS_IFETCH,
	['m'] = WL_ACCESS_READ, ['M'] = WL_ACCESS_READ,
	['c'] = SKIP, ['C'] = SKIP, ['v'] = SKIP, ['V'] = SKIP,
	['0'] = WL_ACCESS_READ, ['1'] = WL_ACCESS_WRITE,
	['2'] = WL_ACCESS_IFETCH, ['3'] = WL_ACCESS_READ, ['4'] = SKIP,
};

/*
 * A hex number with an optional 0x at *q, ending at a blank or @eol.
 * 0, or -EINVAL with the error set (naming @what).
 */
static int hex_field(const char **qp, const char *eol, const char *what,
		     uint64_t *out, uint64_t line, struct reason *err)
{
	const char *q = *qp;
	uint64_t v = 0;
	unsigned digits = 0, d;
	char cb[8];

	if (q + 1 < eol && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
		q += 2;
	for (; q < eol && (d = wl_hexval[(uint8_t)*q]); q++, digits++) {
		if (v >> 60)
			return reason_fail(err, -EINVAL, line,
					   "%s: more than 64 bits", what);
		v = v << 4 | (d - 1);
	}
	if (!digits || (q < eol && !wl_blank(*q)))
		return reason_fail(err, -EINVAL, line,
				   "%s: expected hex digits, got %s", what,
				   q == eol ? "end of line" :
				   wl_char_name(*q, cb));
	*qp = q;
	*out = v;
	return 0;
}

/* One line [q, eol): the whole grammar, every error worded. */
static int din_line(struct wl_parse *ps, const char *q, const char *eol,
		    uint64_t line)
{
	struct reason *err = ps->err;
	uint64_t va, size = 4;
	uint8_t kind;

	while (q < eol && wl_blank(*q))
		q++;
	if (q == eol)
		return 0;
	kind = label_kind[(uint8_t)*q];
	if (!kind || (q + 1 < eol && !wl_blank(q[1]))) {
		const char *e = q;

		while (e < eol && !wl_blank(*e))
			e++;
		return reason_fail(err, -EINVAL, line, "unknown label '%.*s' "
				   "(expected r, w, i, m, c, v or 0-4)",
				   (int)(e - q > 16 ? 16 : e - q), q);
	}
	q++;
	while (q < eol && wl_blank(*q))
		q++;
	if (q == eol)
		return reason_fail(err, -EINVAL, line, "missing address");
	if (hex_field(&q, eol, "address", &va, line, err))
		return -EINVAL;
	while (q < eol && wl_blank(*q))
		q++;
	if (q < eol) {
		if (hex_field(&q, eol, "size", &size, line, err))
			return -EINVAL;
		if (!size || size > WL_ACCESS_MAX_SIZE)
			return reason_fail(err, -EINVAL, line, "size: %#llx is "
					   "not in 1..%#x",
					   (unsigned long long)size,
					   WL_ACCESS_MAX_SIZE);
	}
	if (size - 1 > UINT64_MAX - va)
		return reason_fail(err, -EINVAL, line,
				   "access wraps past 2^64 - 1");
	if (kind != SKIP)
		wl_emit(ps, va, size, kind, line);
	return 0;
}

/*
 * The fast path: "LABEL ADDR [SIZE]" with single blanks, an optional 0x,
 * up to 15 hex digits of address and 3 of size, CR LF, a field at a time.
 * 0 declines the line.
 */
static inline __attribute__((always_inline)) unsigned
din_fields(const char **pp, struct wl_access *o, uint64_t line, uint8_t kind)
{
	const char *q = *pp + 2;
	uint64_t va, size = 4;
	unsigned k;

	q += (q[0] == '0' && (q[1] | 0x20) == 'x') * 2;
	k = wl_hex16(q, &va);
	if (!k || k == 16)
		return 0;
	q += k;
	if (*q == ' ') {
		q++;
		q += (q[0] == '0' && (q[1] | 0x20) == 'x') * 2;
		size = wl_hex4(q, &k);
		if (!k || k == 4)
			return 0;
		q += k;
	}
	q += *q == '\r';
	if (*q != '\n' || !size || size > WL_ACCESS_MAX_SIZE ||
	    size - 1 > UINT64_MAX - va)
		return 0;
	wl_put(o, va, size, kind, line);
	*pp = q + 1;
	return 1;
}

static inline __attribute__((always_inline)) unsigned
din_fast(const char **pp, struct wl_access *o, uint64_t line)
{
	uint8_t kind = label_kind[(uint8_t)(*pp)[0]];

	if (kind <= SKIP || (*pp)[1] != ' ')
		return 0;
	return din_fields(pp, o, line, kind);
}

#ifdef WL_WIDE
/*
 * The wide path's tables: the record's second word for the label (its
 * kind) and for a one-digit size, WL_META_BAD for what it leaves to the
 * per-line paths (skipped labels, the digit labels, which are hex digits
 * and so never pass its shape check anyway, and a size of 0).
 */
#define DIN_KIND(c) (WL_META_KIND(                                         \
	(c) == 'r' || (c) == 'R' || (c) == 'm' || (c) == 'M' ? WL_ACCESS_READ : \
	(c) == 'w' || (c) == 'W' ? WL_ACCESS_WRITE :                          \
	(c) == 'i' || (c) == 'I' ? WL_ACCESS_IFETCH : 0) |                    \
	((c) == 'r' || (c) == 'R' || (c) == 'm' || (c) == 'M' ||               \
	 (c) == 'w' || (c) == 'W' || (c) == 'i' || (c) == 'I' ? 0 : WL_META_BAD))
#define DIN_SIZE(c) (                                                      \
	(c) >= '1' && (c) <= '9' ? WL_META_SIZE((c) - '0') + 1 :              \
	(c) >= 'a' && (c) <= 'f' ? WL_META_SIZE((c) - 'a' + 10) + 1 :         \
	(c) >= 'A' && (c) <= 'F' ? WL_META_SIZE((c) - 'A' + 10) + 1 :         \
	WL_META_BAD)
/*
 * Indexed by 64 - length (the loop has a - b at hand; 64: no line): 0
 * where the line's k = length - 4 address digits are 1 to 15.
 */
#define DIN_LEN(i) (64 - (i) >= 5 && 64 - (i) <= 19 ? 0 : WL_META_BAD)
/* One object, so that one register holds the tables' address. */
static const struct {
	uint64_t kind[256], size[256], len[65];
} din_meta = { WL_TABLE256(DIN_KIND), WL_TABLE256(DIN_SIZE),
	       { WL_T64(DIN_LEN, 0), DIN_LEN(64) } };

/*
 * The wide path (access_impl.h) for the lines "L ADDR S\n": in a window
 * from a line's start, the newlines fix where everything else must be.
 * With lst the line starts (bit 0 and after each newline), e1 = lst << 1
 * and e2 = nl >> 2 the places of the two spaces: the other bytes are
 * exactly the labels (lst) and the spaces exactly e1 | e2; every other
 * byte is a hex digit.  A line of fewer than 3 bytes breaks this at or
 * before its newline ("\n" has no label, "L\n" no space at e1, its
 * newline), so a line [a, b) that passes has b - a >= 2: its label, size
 * byte and digit values lie in the window.  din_put() then takes it when
 * k = b - a - 4 is 1 to 15 (fewer: "L S\n", "L  S\n"; more: an access
 * could wrap) and the label's and size byte's table entries are good (the
 * size byte may be a space that some later short line's e2 allows);
 * otherwise it and what follows go to the per-line paths.  (The length
 * is a table entry too: one add instead of a compare and a branch.)
 */
WL_WIDE_FN uint64_t din_bad(const struct wl_wide_masks *m)
{
	uint64_t lst = m->nl << 1 | 1, e1 = lst << 1, e2 = m->nl >> 2;

	return (m->other ^ lst) | (m->sp ^ (e1 | e2));
}

WL_WIDE_FN bool din_put(const char *w, const uint8_t *nib, size_t a,
			size_t b, uint64_t line, struct wl_access **op)
{
	/* 64 - length; 4 * (15 - k) for the k = length - 4 digits. */
	size_t t = a + 64 - b;
	uint64_t meta = din_meta.kind[(uint8_t)w[a]] +
			din_meta.size[(uint8_t)w[b - 1]] + din_meta.len[t] +
			line;

	/* Bit 63: a bad entry (or more): the length's among them. */
	if ((int64_t)meta < 0)
		return false;
	(*op)->va = wl_wide_hex(nib + a + 1, (unsigned)(4 * t - 180));
	memcpy((char *)*op + 8, &meta, 8);
	(*op)++;
	return true;
}

WL_WIDE_FN unsigned din_wide(const char **pp, const char *end,
			     struct wl_access **op, struct wl_access *stop,
			     uint64_t *linep)
{
	return wl_wide_run(pp, end, op, stop, linep, false, din_bad,
			   din_put);
}

WL_WIDE_TARGET static int din_parse_wide(struct wl_parse *ps)
{
	return wl_text_parse(ps, din_fast, din_line, din_wide);
}
#endif

static int din_parse(struct wl_parse *ps)
{
#ifdef WL_WIDE
	if (wl_wide_ok())
		return din_parse_wide(ps);
#endif
	return wl_text_parse(ps, din_fast, din_line, NULL);
}

static void din_write(FILE *f, const struct wl_access *a, size_t n,
		      uint64_t *state)
{
	(void)state;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%c %llx %x\n", a[i].kind,
			(unsigned long long)a[i].va, (unsigned)a[i].size);
}

const struct wl_trace_format wl_trace_din = {
	.name = "din",
	.summary = "DineroIV: LABEL ADDR [SIZE], labels r w i m c v or 0-4 "
		   "(c, v, 4 skipped)",
	.parse = din_parse,
	.write = din_write,
};
