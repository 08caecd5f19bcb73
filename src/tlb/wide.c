/* SPDX-License-Identifier: MIT */
/*
 * The wide scan of a set (tlb_internal.h): a structure of 16 to 64 ways, a
 * multiple of 4, compares four tags or ages to an instruction (x86-64 with
 * AVX2, chosen at run time by tlb_wide_ok()).  Each function returns
 * exactly what the portable loop of tlb.c returns for the same set, so the
 * simulation is the same with and without it; only the instructions
 * differ.
 */
#include "tlb_internal.h"

#if TLB_WIDE
#include <immintrin.h>

#define WIDE_FN __attribute__((target("avx2")))

int tlb_wide_state = -1;

bool tlb_wide_ok(void)
{
	int s = __atomic_load_n(&tlb_wide_state, __ATOMIC_RELAXED);

	if (s < 0) {
		__builtin_cpu_init();
		s = __builtin_cpu_supports("avx2");
		__atomic_store_n(&tlb_wide_state, s, __ATOMIC_RELAXED);
	}
	return s;
}

/* Bit i of the result: lane i of @eq (a compare) is all ones. */
static inline WIDE_FN uint64_t lanes(__m256i eq)
{
	return (uint64_t)_mm256_movemask_pd(_mm256_castsi256_pd(eq));
}

/*
 * The body of each function, always inlined: called with a constant
 * @ways (16, the common fully associative L1) its loops unroll.
 */
static inline __attribute__((always_inline)) WIDE_FN uint64_t
match_n(const uint64_t *tags, uint64_t tag, uint32_t ways, uint64_t *empty)
{
	const __m256i t = _mm256_set1_epi64x((long long)tag);
	const __m256i zero = _mm256_setzero_si256();
	uint64_t m = 0, z = 0;

	for (uint32_t w = 0; w < ways; w += 4) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(tags + w));

		m |= lanes(_mm256_cmpeq_epi64(v, t)) << w;
		if (empty)
			z |= lanes(_mm256_cmpeq_epi64(v, zero)) << w;
	}
	if (empty)
		*empty = z;
	return m;
}

WIDE_FN uint64_t tlb_wide_match(const uint64_t *tags, uint64_t tag,
				uint32_t ways)
{
	if (ways == 16)
		return match_n(tags, tag, 16, NULL);
	return match_n(tags, tag, ways, NULL);
}

/*
 * Ages are unsigned; AVX2 compares signed 64-bit lanes, so every age has
 * its top bit flipped first (x < y unsigned exactly when x ^ 2^63 <
 * y ^ 2^63 signed).
 */
static inline WIDE_FN __m256i age_lanes(const struct tlb_stamp *s)
{
	_Static_assert(sizeof(struct tlb_stamp) == 8, "one age a lane");
	return _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)s),
				_mm256_set1_epi64x((long long)(1ULL << 63)));
}

/* Lane-wise minimum (signed). */
static inline WIDE_FN __m256i min_lanes(__m256i a, __m256i b)
{
	return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b));
}

static inline __attribute__((always_inline)) WIDE_FN uint32_t
oldest_n(const struct tlb_stamp *s, uint32_t ways)
{
	__m256i mn = age_lanes(s);
	uint64_t eq = 0;

	for (uint32_t w = 4; w < ways; w += 4)
		mn = min_lanes(mn, age_lanes(s + w));
	/* Every lane the minimum: swap the halves, then the pairs. */
	mn = min_lanes(mn, _mm256_permute4x64_epi64(mn, 0x4e));
	mn = min_lanes(mn, _mm256_shuffle_epi32(mn, 0x4e));
	/* The lowest way holding it (one does). */
	for (uint32_t w = 0; w < ways; w += 4)
		eq |= lanes(_mm256_cmpeq_epi64(age_lanes(s + w), mn)) << w;
	return (uint32_t)__builtin_ctzll(eq);
}

WIDE_FN uint32_t tlb_wide_oldest(const struct tlb_stamp *s, uint32_t ways)
{
	if (ways == 16)
		return oldest_n(s, 16);
	return oldest_n(s, ways);
}

static inline __attribute__((always_inline)) WIDE_FN uint64_t
place_n(const uint64_t *tags, const struct tlb_stamp *s, uint64_t tag,
	uint32_t ways, uint64_t *empty, uint32_t *oldest)
{
	uint64_t m = match_n(tags, tag, ways, empty);

	if (!m && !*empty)
		*oldest = oldest_n(s, ways);
	return m;
}

WIDE_FN uint64_t tlb_wide_place(const uint64_t *tags,
				const struct tlb_stamp *s, uint64_t tag,
				uint32_t ways, uint64_t *empty,
				uint32_t *oldest)
{
	if (ways == 16)
		return place_n(tags, s, tag, 16, empty, oldest);
	return place_n(tags, s, tag, ways, empty, oldest);
}
#endif /* TLB_WIDE */
