/* SPDX-License-Identifier: MIT */
/*
 * Internal to the memory-access part of the workload module: the helpers
 * (access_common.c) that the formats (lackey.c, din.c), their table
 * (trace_format.c) and the generators (access_gen.c) use.  Not a public
 * interface.  Dependencies run one way: formats and generators use the
 * helpers, the table uses the formats; the helpers use neither.
 */
#ifndef WL_ACCESS_IMPL_H
#define WL_ACCESS_IMPL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/workload.h>


/* Digit value + 1 of '0'-'9', 'a'-'f', 'A'-'F'; 0 for every other byte. */
extern const uint8_t wl_hexval[256];

/* Grow @t so that @more accesses fit; -ENOMEM leaves it unchanged. */
int wl_access_grow(struct wl_access_trace *t, size_t more);

/*
 * SWAR hex: the value of the hex digits at the start of the 8 bytes at
 * @q, read as one little-endian word (so char 0 is its low byte).
 *
 * A byte b is a hex digit when it is below 0x80 and L = b | 0x20 is
 * '0'-'9' or 'a'-'f'.  Per byte, with every byte below 0x80, adding
 * 0x80 - X sets bit 7 exactly when the byte is >= X, and no carry crosses
 * into the next byte; a byte >= 0x80 may carry into the bytes after it,
 * but it is itself bad, and only the first bad byte matters:
 *
 *   bad = b >= 0x80 | b < 0x30 | (L >= 0x3a & L < 0x61) | L >= 0x67
 *
 * The digits' values are (b & 0xf) + 9 * bit 6 (letters have bit 6).
 * Shifting the word left by 8 * (8 - k) drops everything after the k
 * digits and puts zero digits in front; three multiplies then pack the
 * bytes into nibbles (see wl_hex8_pack()).
 */
static inline uint64_t wl_load64(const char *q)
{
	uint64_t w;

	memcpy(&w, q, 8);
	return w;
}

#define WL_B(x) (0x0101010101010101ULL * (x))

/* Bit 7 of each byte that is not a hex digit. */
static inline uint64_t wl_hex8_bad(uint64_t w)
{
	uint64_t l = w | WL_B(0x20);
	uint64_t lo = ~(w + WL_B(0x80 - 0x30));       /* b < '0' */
	uint64_t mid = (l + WL_B(0x80 - 0x3a)) & ~(l + WL_B(0x80 - 0x61));
	uint64_t hi = l + WL_B(0x80 - 0x67);          /* L > 'f' */

	return (w | lo | mid | hi) & WL_B(0x80);
}

/*
 * Bytes of nibbles, the most significant first (lowest byte), to the
 * number: pairs, then quads, then the eight.  (v * 0x1001) >> 8 is
 * (v << 4) + (v >> 8) without a carry between them (the low 8 bits of
 * v << 12 are zero); likewise (v * 0x1000001) >> 16 is (v << 8) +
 * (v >> 16), and (v * (2^48 + 1)) >> 32 is (v << 16) + (v >> 32).
 */
static inline uint64_t wl_hex8_pack(uint64_t w)
{
	uint64_t v = (w & WL_B(0x0f)) + ((w >> 6) & WL_B(1)) * 9;

	v = ((v * 0x1001) >> 8) & 0x00ff00ff00ff00ffULL;
	v = ((v * 0x1000001) >> 16) & 0x0000ffff0000ffffULL;
	return (v * 0x1000000000001ULL) >> 32;
}

/*
 * The hex number at @q (16 bytes readable): its digits' count, 0 to 16,
 * with the value in *v.  16 means there may be more.
 *
 * With SSE2 (every x86-64) the 16 bytes are classified at once: signed
 * compares find '0'-'9' and, on b | 0x20, 'a'-'f' (bytes >= 0x80 are
 * negative, so never digits); the digits' values are (b & 0xf) + 9 for
 * letters; pairs of nibbles become bytes (16-bit lanes: low << 4 | high
 * >> 8, masked to a byte, then packed), and the byte-swapped word holds
 * the 16 nibbles with the first digit on top: shifting it right by 4 *
 * (16 - k) drops whatever followed the k digits.  Elsewhere the SWAR code
 * above does the same eight bytes at a time.
 */
#if defined(__SSE2__)
#include <emmintrin.h>

static inline unsigned wl_hex16(const char *q, uint64_t *v)
{
	const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
	const __m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
	const __m128i dig = _mm_and_si128(
		_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
		_mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
	const __m128i let = _mm_and_si128(
		_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
		_mm_cmplt_epi8(l, _mm_set1_epi8('f' + 1)));
	unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(dig, let));
	unsigned k = (unsigned)__builtin_ctz(~m);   /* bit 16 is clear */
	__m128i nib = _mm_add_epi8(_mm_and_si128(x, _mm_set1_epi8(0x0f)),
				   _mm_and_si128(let, _mm_set1_epi8(9)));
	__m128i pairs = _mm_and_si128(
		_mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8)),
		_mm_set1_epi16(0xff));
	uint64_t w = (uint64_t)_mm_cvtsi128_si64(_mm_packus_epi16(pairs,
								  pairs));

	*v = k ? __builtin_bswap64(w) >> (4 * (16 - k)) : 0;
	return k;
}
#else
static inline unsigned wl_hex16(const char *q, uint64_t *v)
{
	uint64_t w = wl_load64(q), bad = wl_hex8_bad(w), w2;
	unsigned k, k2;

	if (bad) {
		k = (unsigned)__builtin_ctzll(bad) >> 3;
		*v = k ? wl_hex8_pack(w << (8 * (8 - k))) : 0;
		return k;
	}
	*v = wl_hex8_pack(w);
	w2 = wl_load64(q + 8);
	bad = wl_hex8_bad(w2);
	k2 = bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
	if (k2)
		*v = *v << (4 * k2) | wl_hex8_pack(w2 << (8 * (8 - k2)));
	return 8 + k2;
}
#endif

/*
 * A short hex number at @q (a din size): up to four digits by table,
 * their count in *k (0 when none; 4 means there may be more).
 */
static inline uint64_t wl_hex4(const char *q, unsigned *k)
{
	uint64_t v = 0;
	unsigned d, i;

	for (i = 0; i < 4 && (d = wl_hexval[(uint8_t)q[i]]); i++)
		v = v << 4 | (d - 1);
	*k = i;
	return v;
}

static inline bool wl_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Fill the access at @a.  The parsers keep their cursor into ps->out in
 * a local (stores through it could alias *ps otherwise, and the compiler
 * would reload ps->n after each) and stop while two slots are left.
 */
static inline void wl_put(struct wl_access *a, uint64_t va, uint64_t size,
			  uint8_t kind, uint64_t line)
{
	a->va = va;
	a->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	a->size = (uint16_t)size;
	a->kind = kind;
	a->pad = 0;
}

/* Append an access to ps->out (the careful, per-line paths). */
static inline void wl_emit(struct wl_parse *ps, uint64_t va, uint64_t size,
			   uint8_t kind, uint64_t line)
{
	wl_put(&ps->out[ps->n++], va, size, kind, line);
}

/*
 * The one loop of the text formats (din.c, lackey.c), a line at a time:
 * the format's fast path @fast first (it writes the line's accesses at @o
 * and returns their number, moving *pp past the newline, or returns 0 to
 * decline the line), else its careful parser @slow on [line, newline),
 * which accepts the rest of the grammar and words every error.  Each
 * format instantiates it with its own constant functions (always inlined,
 * so the fast path is inlined into the loop and the cursor into ps->out
 * stays in a register: stores through it could alias *ps otherwise).
 * It stops while two slots are left (lackey's M line writes two).
 */
typedef unsigned wl_fast_line(const char **pp, struct wl_access *o,
			      uint64_t line);
typedef int wl_slow_line(struct wl_parse *ps, const char *q,
			 const char *eol, uint64_t line);

static inline __attribute__((always_inline)) int
wl_text_parse(struct wl_parse *ps, wl_fast_line *fast, wl_slow_line *slow)
{
	const char *p = ps->p, *end = ps->end;
	struct wl_access *o = ps->out + ps->n;
	struct wl_access *const stop = ps->out + ps->cap - 1;
	uint64_t line = ps->line;
	int ret = 0;

	while (p < end && o < stop) {
		const char *eol;
		unsigned got;

		line++;
		got = fast(&p, o, line);
		if (got) {
			o += got;
			continue;
		}
		eol = memchr(p, '\n', (size_t)(end - p));
		ps->n = (size_t)(o - ps->out);
		ret = slow(ps, p, eol, line);
		o = ps->out + ps->n;
		if (ret)
			break;
		p = eol + 1;
	}
	ps->n = (size_t)(o - ps->out);
	ps->p = p;
	ps->line = line;
	return ret;
}

/* @c printable as itself, else as \xNN, into @buf (at least 5 bytes). */
const char *wl_char_name(char c, char buf[8]);

#endif /* WL_ACCESS_IMPL_H */
