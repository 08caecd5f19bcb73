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

#ifdef WL_WIDE
/*
 * The wide path's tables (access_impl.h): the record's second word for
 * the type letter (M: a read, and bad, so that an M line leaves the
 * common case; lackey_put_m() takes it), for a one-digit size (with the
 * line's + 1) and for a line's length without its newline (0 where its
 * k = length - 5 address digits are 1 to 15); WL_META_BAD for the rest.
 */
#define LK_KIND(c) (                                                       \
	(c) == 'I' ? WL_META_KIND(WL_ACCESS_IFETCH) :                         \
	(c) == 'L' ? WL_META_KIND(WL_ACCESS_READ) :                           \
	(c) == 'M' ? WL_META_KIND(WL_ACCESS_READ) + WL_META_BAD :             \
	(c) == 'S' ? WL_META_KIND(WL_ACCESS_WRITE) : WL_META_BAD)
#define LK_SIZE(c) ((c) >= '1' && (c) <= '9' ?                            \
		    WL_META_SIZE((c) - '0') + 1 : WL_META_BAD)
/* Indexed by the two bytes' sum: the type plus a space. */
#define LK_KIND_SUM(i) LK_KIND(((i) - ' ') & 0xff)
/* Indexed by 64 - length (the loop has a - b at hand; 64: no line). */
#define LK_LEN(i) (64 - (i) >= 6 && 64 - (i) <= 20 ? 0 : WL_META_BAD)
/* One object, so that one register holds the tables' address. */
static const struct {
	uint64_t kind[256], size[256], len[65];
} lk_meta = { WL_TABLE256(LK_KIND_SUM), WL_TABLE256(LK_SIZE),
	      { WL_T64(LK_LEN, 0), LK_LEN(64) } };

/*
 * The wide path for the lines valgrind writes, "T  ADDR,S\n" or
 * " T ADDR,S\n".  With lst the line starts, the first three bytes of
 * each line (pre) are exactly the spaces and the other bytes, the commas
 * are exactly two before each newline, and everything else is a hex
 * digit.  Of a line's three first bytes the third and exactly one of the
 * first two are spaces: adding lst to the spaces turns exactly these
 * patterns into ones with the second and third bits set (011 + 1 = 111,
 * 101 + 1 = 011 read from the line's start; 111 carries out, and every
 * other pattern leaves one of the two clear), and no carry comes in from
 * the line before when that line passed.  So the other byte among the
 * first two is the type, and s[0] + s[1] - ' ' is the type.  The commas
 * are checked from two places on (comma << 2 ^ nl): a comma that is not
 * two before a newline shows two places after itself, so within its line
 * unless it is the line's last byte, which the size table refuses.  A
 * line of fewer than 3 bytes breaks this at or before its newline (pre
 * holds the newline), so a line [a, b) that passes has b - a >= 3.
 * lackey_put() takes it when its length and table entries are good (its
 * size byte may be a comma that some later short line asks for), as in
 * din.c.
 */
WL_WIDE_FN uint64_t lackey_bad(const struct wl_wide_masks *m)
{
	uint64_t nl = m->nl, sp = m->sp, lst = nl << 1 | 1;
	/*
	 * lst << 1 | lst << 2 and lst | those, as multiplies (sums of the
	 * shifted copies): a sum differs from the OR only from where two
	 * copies meet, two places or more after the start of a line of 0
	 * or 1 bytes, whose newline is then already caught (pre holds it).
	 */
	uint64_t tail = wl_mul(lst, 6), pre = wl_mul(lst, 7);

	return ((m->other | sp) ^ pre) | (tail & ~(sp + lst)) |
	       (m->comma << 2 ^ nl);
}

/* An M line (its kind's entry is bad): a read, then a write. */
WL_WIDE_FN bool lackey_put_m(uint8_t type, uint64_t meta, uint64_t va,
			     struct wl_access **op)
{
	struct wl_access *o = *op;

	meta -= WL_META_BAD;
	if (type != (uint8_t)('M' + ' ') || (int64_t)meta < 0)
		return false;
	o->va = va;
	memcpy((char *)o + 8, &meta, 8);
	meta += WL_META_KIND(WL_ACCESS_WRITE) - WL_META_KIND(WL_ACCESS_READ);
	o[1].va = va;
	memcpy((char *)(o + 1) + 8, &meta, 8);
	*op = o + 2;
	return true;
}

WL_WIDE_FN bool lackey_put(const char *w, const uint8_t *nib, size_t a,
			   size_t b, uint64_t line, struct wl_access **op)
{
	struct wl_access *o = *op;
	/*
	 * The type plus a space, as the byte sum: the add on the low byte
	 * leaves the rest of the register zero, so it indexes the table
	 * as it is (in C the sum would be zero-extended once more).
	 */
	uint64_t type = (uint8_t)w[a];
	__asm__("addb %1, %b0" : "+r"(type) : "m"(w[a + 1]));
	/* 64 - length; 4 * (15 - k) for the k = length - 5 digits. */
	size_t t = a + 64 - b;
	uint64_t meta = lk_meta.kind[type] + lk_meta.size[(uint8_t)w[b - 1]] +
			lk_meta.len[t] + line;
	unsigned sh = (unsigned)(4 * t - 176);
	uint64_t va = wl_wide_hex(nib + a + 2, sh);

	/* Bit 63: a bad entry (or more), an M line among them. */
	if (__builtin_expect((int64_t)meta < 0, 0))
		return lackey_put_m((uint8_t)type, meta, va, op);
	o->va = va;
	memcpy((char *)o + 8, &meta, 8);
	*op = o + 1;
	return true;
}

WL_WIDE_FN unsigned lackey_wide(const char **pp, const char *end,
				struct wl_access **op, struct wl_access *stop,
				uint64_t *linep)
{
	return wl_wide_run(pp, end, op, stop, linep, true, lackey_bad,
			   lackey_put);
}

WL_WIDE_TARGET static int lackey_parse_wide(struct wl_parse *ps)
{
	return wl_text_parse(ps, lackey_fast, lackey_line, lackey_wide);
}
#endif

static int lackey_parse(struct wl_parse *ps)
{
#ifdef WL_WIDE
	if (wl_wide_ok())
		return lackey_parse_wide(ps);
#endif
	return wl_text_parse(ps, lackey_fast, lackey_line, NULL);
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
