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

#include <errno.h>
#include <stddef.h>
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
 * The wide path of the text formats (x86-64 with AVX2 and BMI2, chosen at
 * run time by wl_wide_ok()): 64 bytes from the start of a line are
 * classified at once into bit masks (one bit a byte: newline, space,
 * comma, "other": neither a hex digit nor one of those) and into each
 * byte's digit value, a format checks with a few mask operations that
 * every line ending in the window has its exact common shape (din:
 * "L ADDR S\n", lackey: a three-byte prefix, "ADDR,S\n"; one digit of
 * size), and the lines up to the first byte that breaks the shape are
 * converted without a branch on their bytes: the label and the size
 * through tables straight into the record's second word (a bad entry sets
 * bit 63), the address from the digit values by one 16-byte pmaddubsw,
 * its length (1 to 15 digits) checked by one compare.  Any other line
 * goes to the per-line paths below, which decide it exactly as before.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WL_WIDE 1
#include <immintrin.h>

#define WL_WIDE_TARGET __attribute__((target("avx2,bmi,bmi2")))
#define WL_WIDE_FN static inline __attribute__((always_inline)) WL_WIDE_TARGET

/*
 * tzcnt without the dependency-breaking xor that the compiler puts before
 * it for some CPUs (an instruction per line of the wide path's loop).
 */
WL_WIDE_FN uint64_t wl_tzcnt(uint64_t x)
{
	uint64_t r;

	__asm__("tzcnt %1, %0" : "=r"(r) : "r"(x) : "cc");
	return r;
}

/*
 * x * k as one imul: the compiler would make it two or three shifts and
 * adds (shorter latency, more instructions) for a small constant.
 */
#define wl_mul(x, k) __extension__({                                      \
	uint64_t r_;                                                          \
	__asm__("imulq %2, %1, %0" : "=r"(r_) : "rm"((uint64_t)(x)),          \
		"i"(k) : "cc");                                               \
	r_; })

/* -1 until wl_wide_ok() asks the CPU, then 1 or 0 (the tests set 0). */
extern int wl_wide_state;

static inline bool wl_wide_ok(void)
{
	int s = __atomic_load_n(&wl_wide_state, __ATOMIC_RELAXED);

	if (s < 0) {
		__builtin_cpu_init();
		s = __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("bmi") &&
		    __builtin_cpu_supports("bmi2");
		__atomic_store_n(&wl_wide_state, s, __ATOMIC_RELAXED);
	}
	return s;
}
#endif

/*
 * A table entry the wide path refuses: bits 61 to 63 of the record's 2nd
 * word.  A line's word is the sum of up to three entries and its line
 * number (below 2^57 when every entry is good), and bit 63 of the sum is
 * set when any of the entries are bad: one gives 7 << 61, two 6 << 61,
 * three 5 << 61 after the carries out (with fewer bits, two or three bad
 * entries could sum to a good-looking word).
 */
#define WL_META_BAD (7ULL << 61)
/* The second word of a record (line, size, kind, pad 0), little-endian. */
_Static_assert(offsetof(struct wl_access, line) == 8 &&
	       offsetof(struct wl_access, size) == 12 &&
	       offsetof(struct wl_access, kind) == 14 &&
	       offsetof(struct wl_access, pad) == 15, "the meta word's layout");
#define WL_META_SIZE(s) ((uint64_t)(s) << 32)
#define WL_META_KIND(k) ((uint64_t)(k) << 48)

/* A 256-entry table whose entry c is F(c), a constant expression. */
#define WL_T4(F, c) F(c), F((c) + 1), F((c) + 2), F((c) + 3)
#define WL_T16(F, c) WL_T4(F, c), WL_T4(F, (c) + 4), WL_T4(F, (c) + 8), \
	WL_T4(F, (c) + 12)
#define WL_T64(F, c) WL_T16(F, c), WL_T16(F, (c) + 16), \
	WL_T16(F, (c) + 32), WL_T16(F, (c) + 48)
#define WL_TABLE256(F) { WL_T64(F, 0), WL_T64(F, 64), WL_T64(F, 128), \
	WL_T64(F, 192) }

/*
 * Records a window may write: a line the wide path converts has 6 bytes
 * or more with its newline (din; lackey 7, with two records for M).  The
 * wide path works only where a whole window lies before the region's end
 * (the region's last 63 bytes go line by line).
 */
#define WL_WIDE_ROOM 24

#ifdef WL_WIDE
struct wl_wide_masks {
	uint64_t nl, sp, comma, other;
};

/*
 * Classify the 64 bytes at @q: bit i of each mask tells about q[i].  A
 * byte's class is the AND of a row picked by its high nibble and one
 * picked by its low nibble (two shuffles): digits have DIG, 'a'-'f' and
 * 'A'-'F' LET, and newline, space and (with @comma) ',' a bit each that
 * the movemask reads as bit 7 after a shift; "other" is class 0.  The
 * low nibble's shuffle takes the byte as it is (a byte of 0x80 or more
 * has bit 7 set, which makes the row 0: "other", as its high nibble's row
 * is).  The high nibble gives each byte's digit value into @nib[0..64):
 * the byte plus a row of -16 * high nibble, + 9 where that is 4 or 6, so
 * its low nibble + 9 for those (a hex digit's value; any other byte gets
 * some value up to 24, a newline 10, a space 0, a comma 12).
 */
#define WL_CL_DIG 0x01
#define WL_CL_LET 0x02
#define WL_CL_COMMA 0x20
#define WL_CL_SP 0x40
#define WL_CL_NL 0x80
struct wl_wide_tables {
	__m256i hi_t, lo_t, val_t, low4;
};

WL_WIDE_FN void wl_wide_tables_init(bool comma, struct wl_wide_tables *k)
{
	const char cm = comma ? WL_CL_COMMA : 0;

	k->hi_t = _mm256_setr_epi8(
		(char)WL_CL_NL, 0, (char)(WL_CL_SP | cm), WL_CL_DIG, WL_CL_LET,
		0, WL_CL_LET, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		(char)WL_CL_NL, 0, (char)(WL_CL_SP | cm), WL_CL_DIG, WL_CL_LET,
		0, WL_CL_LET, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	k->lo_t = _mm256_setr_epi8(
		WL_CL_DIG | WL_CL_SP, WL_CL_DIG | WL_CL_LET,
		WL_CL_DIG | WL_CL_LET, WL_CL_DIG | WL_CL_LET,
		WL_CL_DIG | WL_CL_LET, WL_CL_DIG | WL_CL_LET,
		WL_CL_DIG | WL_CL_LET, WL_CL_DIG, WL_CL_DIG, WL_CL_DIG,
		(char)WL_CL_NL, 0, cm, 0, 0, 0,
		WL_CL_DIG | WL_CL_SP, WL_CL_DIG | WL_CL_LET,
		WL_CL_DIG | WL_CL_LET, WL_CL_DIG | WL_CL_LET,
		WL_CL_DIG | WL_CL_LET, WL_CL_DIG | WL_CL_LET,
		WL_CL_DIG | WL_CL_LET, WL_CL_DIG, WL_CL_DIG, WL_CL_DIG,
		(char)WL_CL_NL, 0, cm, 0, 0, 0);
#define WL_VAL(h) ((char)(((h) == 4 || (h) == 6 ? 9 : 0) - 16 * (h)))
#define WL_VAL16 WL_VAL(0), WL_VAL(1), WL_VAL(2), WL_VAL(3), WL_VAL(4),   \
	WL_VAL(5), WL_VAL(6), WL_VAL(7), WL_VAL(8), WL_VAL(9), WL_VAL(10),    \
	WL_VAL(11), WL_VAL(12), WL_VAL(13), WL_VAL(14), WL_VAL(15)
	k->val_t = _mm256_setr_epi8(WL_VAL16, WL_VAL16);
#undef WL_VAL16
#undef WL_VAL
	k->low4 = _mm256_set1_epi8(0x0f);
	/*
	 * Opaque from here on, so that the compiler keeps them in registers
	 * across the windows instead of loading them again in each.
	 */
	__asm__("" : "+x"(k->hi_t), "+x"(k->lo_t), "+x"(k->val_t),
		"+x"(k->low4));
}

WL_WIDE_FN void wl_wide_classify(const char *q, bool comma,
				 const struct wl_wide_tables *k,
				 struct wl_wide_masks *m, uint8_t *nib)
{
	uint64_t nl = 0, sp = 0, co = 0, ot = 0;

	for (int i = 0; i < 2; i++) {
		__m256i x = _mm256_loadu_si256((const void *)(q + 32 * i));
		__m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4),
					      k->low4);
		__m256i c = _mm256_and_si256(_mm256_shuffle_epi8(k->lo_t, x),
					     _mm256_shuffle_epi8(k->hi_t, hi));

		_mm256_store_si256((void *)(nib + 32 * i), _mm256_add_epi8(
			x, _mm256_shuffle_epi8(k->val_t, hi)));
		nl |= (uint64_t)(uint32_t)_mm256_movemask_epi8(c) << (32 * i);
		sp |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
			_mm256_add_epi8(c, c)) << (32 * i);
		ot |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(c, _mm256_setzero_si256()))
			<< (32 * i);
		if (comma)
			co |= (uint64_t)(uint32_t)_mm256_movemask_epi8(
				_mm256_slli_epi16(c, 2)) << (32 * i);
	}
	m->nl = nl;
	m->sp = sp;
	m->comma = co;
	m->other = ot;
}

/*
 * The value of the k (1 to 15) hex digits whose values (wl_wide_classify)
 * start at @nib + 1, given @nib[0] = 0 (the space before them; 16 bytes
 * readable) and @sh = 4 * (15 - k).  Pairs: 16 * first + second
 * (pmaddubsw), so (0, first digit), then the next two, ...; the pairs'
 * low bytes in reverse order make a word with the first digit in bits 56
 * to 59, shifted right by @sh.  The byte after the digits (a space or a
 * comma: value 0 or 12) adds at most 15 to the last pair, so no carry
 * reaches a digit; the pairs after it are shifted out, whatever they hold.
 */
WL_WIDE_FN uint64_t wl_wide_hex(const uint8_t *nib, unsigned sh)
{
	__m128i pairs = _mm_maddubs_epi16(
		_mm_loadu_si128((const void *)nib), _mm_set1_epi16(0x0110));
	__m128i rev = _mm_shuffle_epi8(pairs, _mm_setr_epi8(
		14, 12, 10, 8, 6, 4, 2, 0, -1, -1, -1, -1, -1, -1, -1, -1));

	uint64_t w = (uint64_t)_mm_cvtsi128_si64(rev), r;

	/*
	 * shrx, which takes the count mod 64: lackey computes the value
	 * before it checks the length, so @sh may be out of range there (the
	 * value is then discarded), where a C shift would be undefined.
	 */
	__asm__("shrx %2, %1, %0" : "=r"(r) : "r"(w), "r"((uint64_t)sh));
	return r;
}

/*
 * A format's part of the wide path: @bad the lines of a window that break
 * the format's common shape (a set bit at or before a line's newline ends
 * the run there), from the masks; @put the records of one line of that
 * shape, bytes [a, b) of the window @w (b its newline; @nib the window's
 * digit values; @line its number), written at *op and *op moved past
 * them, or false when its table entries or its length refuse it (then it
 * and what follows go to the per-line paths).  @line is the number of the
 * line before: the formats' size tables add the 1.
 */
typedef uint64_t wl_wide_bad(const struct wl_wide_masks *m);
typedef bool wl_wide_put(const char *w, const uint8_t *nib, size_t a,
			 size_t b, uint64_t line, struct wl_access **op);

/*
 * The lines of one window at *sp whose newlines are the bits of @nl
 * through @put, with *sp, *op and *linep moved past them; false when @put
 * refuses one (*sp is then its start).  @nl may be 0 (the window's first
 * line is bad): its "line" then ends at b = 64 (tzcnt of 0), and @put
 * refuses a line of 64 bytes or more (its length entry), for one put
 * instead of a test and a branch in every window.
 */
WL_WIDE_FN bool wl_wide_window(const char **sp, uint64_t nl,
			       const uint8_t *nib, struct wl_access **op,
			       uint64_t *linep, wl_wide_put *put)
{
	const char *w = *sp;
	struct wl_access *o = *op;
	uint64_t line = *linep;
	size_t a = 0;
	bool ok = true;

	/*
	 * The same window, opaque: else the compiler forms *sp + a for each
	 * line (the exit's) where w[a] needs no instruction.
	 */
	__asm__("" : "+r"(w));
	do {
		size_t b = (size_t)wl_tzcnt(nl);

		if (!put(w, nib, a, b, line, &o)) {
			ok = false;
			break;
		}
		line++;
		a = b + 1;
		nl = _blsr_u64(nl);
	} while (nl);
	*sp += a;
	*op = o;
	*linep = line;
	return ok;
}

/*
 * The wide path's loop (a wl_wide_lines), instantiated by each format with
 * its constant @bad and @put (always inlined, as wl_text_parse()): window
 * after window while a whole one lies before @end, the lines before the
 * first bad bit through @put; at the batch's end, while two records fit,
 * windows whose lines are cut to those that fit.  A window starts at a
 * line's start; its digit values live in @nib, whose 16 bytes after the
 * window are zero (the last line's address load may reach them).
 */
WL_WIDE_FN unsigned wl_wide_run(const char **pp, const char *end,
				struct wl_access **op, struct wl_access *stop,
				uint64_t *linep, bool comma, wl_wide_bad *bad,
				wl_wide_put *put)
{
	_Alignas(32) uint8_t nib[64 + 16];
	struct wl_wide_tables k;
	struct wl_wide_masks m;
	const char *s = *pp;
	struct wl_access *o = *op;
	struct wl_access *const o_end = stop - WL_WIDE_ROOM;
	uint64_t line = *linep, nl;

	/* A record a line at least: no line number past 2^32 - 1 here. */
	if (line + (size_t)(stop - o) >= UINT32_MAX || end - s < 64)
		return 1;
	memset(nib + 64, 0, 16);
	wl_wide_tables_init(comma, &k);
	/*
	 * The last window start: [last, last + 64) ends at @end.  A window
	 * also needs room for WL_WIDE_ROOM records; a line that @put takes
	 * has 3 bytes or more for each record it writes, so the windows that
	 * start up to s + 3 * (o_end - o) have it: one compare a window, and
	 * a new limit when that one is reached first.
	 */
	const char *const last = end - 64;
	for (;;) {
		const char *lim = last;

		if (s > last || o > o_end)
			break;
		if ((size_t)(o_end - o) < (size_t)(last - s) / 3)
			lim = s + 3 * (size_t)(o_end - o);
		do {
			wl_wide_classify(s, comma, &k, &m, nib);
			nl = _bzhi_u64(m.nl, (unsigned)_tzcnt_u64(bad(&m)));
			if (!wl_wide_window(&s, nl, nib, &o, &line, put))
				goto out;
		} while (s <= lim);
	}
	/*
	 * The batch's end (the per-line paths stop where fewer than two
	 * records fit, stop + 1 - o): the first (stop + 1 - o) / 2 lines of a
	 * window, which fit even if each writes two.  So the batch ends
	 * where the per-line paths would end it.
	 */
	while (s <= last && o < stop) {
		unsigned fit = (unsigned)(stop + 1 - o) / 2;

		wl_wide_classify(s, comma, &k, &m, nib);
		nl = _bzhi_u64(m.nl, (unsigned)_tzcnt_u64(bad(&m)));
		nl = _pdep_u64(_bzhi_u64(~0ULL, fit), nl);
		if (!nl || !wl_wide_window(&s, nl, nib, &o, &line, put))
			break;
	}
out:
	*pp = s;
	*op = o;
	*linep = line;
	return 1;
}

#endif

/*
 * The wide path of a format: from *pp, as many windows as it can (it
 * moves *pp, *op and *line past the lines it wrote); returns how many
 * lines the per-line paths should take next (at least 1).
 */
typedef unsigned wl_wide_lines(const char **pp, const char *end,
			       struct wl_access **op, struct wl_access *stop,
			       uint64_t *line);

/*
 * The one loop of the text formats (din.c, lackey.c), a line at a time:
 * the format's fast path @fast first (it writes the line's accesses at @o
 * and returns their number, moving *pp past the newline, or returns 0 to
 * decline the line), else its careful parser @slow on [line, newline),
 * which accepts the rest of the grammar and words every error.  With
 * @wide (may be NULL) the format's wide path takes whole windows of lines
 * first and hands the lines it declines to these.  Each format
 * instantiates it with its own constant functions (always inlined, so the
 * fast path is inlined into the loop and the cursor into ps->out stays in
 * a register: stores through it could alias *ps otherwise).  It stops
 * while two slots are left (lackey's M line writes two).
 */
typedef unsigned wl_fast_line(const char **pp, struct wl_access *o,
			      uint64_t line);
typedef int wl_slow_line(struct wl_parse *ps, const char *q,
			 const char *eol, uint64_t line);

static inline __attribute__((always_inline)) int
wl_text_parse(struct wl_parse *ps, wl_fast_line *fast, wl_slow_line *slow,
	      wl_wide_lines *wide)
{
	const char *p = ps->p, *end = ps->end;
	struct wl_access *o = ps->out + ps->n;
	struct wl_access *const stop = ps->out + ps->cap - 1;
	uint64_t line = ps->line;
	unsigned careful = 0;
	int ret = 0;

	while (p < end && o < stop) {
		const char *eol;
		unsigned got;

		if (wide) {
			if (!careful) {
				careful = wide(&p, end, &o, stop, &line);
				continue;
			}
			careful--;
		}
		line++;
		got = fast(&p, o, line);
		if (got) {
			o += got;
			continue;
		}
		eol = memchr(p, '\n', (size_t)(end - p));
		ps->n = (size_t)(o - ps->out);
		/* No fast path takes a line that holds a NUL byte. */
		if (memchr(p, '\0', (size_t)(eol - p))) {
			ret = reason_fail(ps->err, -EINVAL, line,
					  "NUL byte in the trace");
			break;
		}
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
