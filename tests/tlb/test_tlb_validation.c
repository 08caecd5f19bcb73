/* SPDX-License-Identifier: MIT */
/*
 * Validation of the TLB against results known from theory.  Only the TLB
 * is used: every miss is followed by the identity fill a walker would make.
 *
 *   1. Uniform random references over N pages into an LRU of E entries hit
 *      with probability E/N (each resident page is equally likely).  The
 *      same holds per set for a set-associative TLB when the sets divide N.
 *   2. A cyclic sweep over N > E pages never hits a fully associative LRU.
 *   3. The set-associative trap: 128 sets x 12 ways, sweep over 1537 pages.
 *   4. Mattson's stack algorithm: a fully associative LRU of E entries hits
 *      exactly on the references whose stack distance is <= E.  One pass
 *      gives the hit count of every E; the simulator must agree exactly.
 */
#include <math.h>

#include <vmbench/rng.h>
#include <vmbench/tlb.h>

#include "../test.h"

/* A copy of @t's counters, in one of a few buffers. */
static const struct tlb_counters *cnt(const struct tlb *t)
{
	static struct tlb_counters buf[4];
	static unsigned k;
	struct tlb_counters *c = &buf[k++ % 4];

	tlb_get_counters(t, c);
	return c;
}

#define PG 4096ULL

/* One L1 structure of @entries x @ways holding 4K pages, nothing else. */
static struct tlb *mk(uint32_t entries, uint32_t ways, enum tlb_policy pol)
{
	struct tlb_config cfg = {
		.npage_sizes = 1,
		.page_shift = { 12 },
		.nl1 = 1,
		.l1 = { { entries, ways, pol, 1 } },
		.flush_ceiling = 33,
		.seed = 1,
	};
	struct tlb *t = NULL;

	ASSERT_OK(tlb_create(&t, &cfg));
	return t;
}

static inline bool access_page(struct tlb *t, uint64_t vpn)
{
	if (tlb_lookup(t, vpn * PG, 0, NULL))
		return true;
	tlb_fill(t, vpn * PG, 0, 12, vpn * PG, 0, false);
	return false;
}

static void uniform(uint32_t entries, uint32_t ways, uint64_t npages,
		    uint64_t n, uint64_t seed)
{
	struct tlb *t = mk(entries, ways, TLB_LRU);
	struct rng r;
	uint64_t hits = 0;
	double rate, want = (double)entries / (double)npages;

	rng_seed(&r, seed);
	for (uint64_t i = 0; i < n; i++)
		hits += access_page(t, rng_below(&r, npages));
	ASSERT_EQ(cnt(t)->l1.hits, hits);
	ASSERT_EQ(cnt(t)->walks, n - hits);
	rate = (double)hits / (double)n;
	if (fabs(rate - want) > 0.005)
		TEST_FAIL("%ux%u over %llu pages: hit rate %.5f, want %.5f",
			  entries, ways, (unsigned long long)npages, rate,
			  want);
	tlb_destroy(t);
}

static void test_uniform(void)
{
	/* Fully associative, 64 entries, 256 pages: 0.25. */
	uniform(64, 64, 256, 10000000, 1);
	/* Fully associative, 48 entries, 200 pages: 0.24. */
	uniform(48, 48, 200, 2000000, 2);
	/* 128 sets x 12 ways over 128 * 48 pages: each set 12 of 48. */
	uniform(1536, 12, 128 * 48, 10000000, 3);
	/* 16 sets x 4 ways over 16 * 10 pages: each set 4 of 10. */
	uniform(64, 4, 160, 2000000, 4);
}

static void test_cyclic(void)
{
	for (uint32_t e = 1; e <= 64; e *= 4) {
		struct tlb *t = mk(e, e, TLB_LRU);
		uint64_t n = e + 1 + e / 2;

		for (int sweep = 0; sweep < 200; sweep++)
			for (uint64_t p = 0; p < n; p++)
				access_page(t, p);
		ASSERT_EQ(cnt(t)->l1.hits, 0);
		ASSERT_EQ(cnt(t)->walks, 200 * n);
		tlb_destroy(t);
	}
}

/*
 * 128 sets x 12 ways = 1536 entries, sweeping pages 0..1536 (1537 pages, one
 * more than the capacity).  Page p lives in set p mod 128.  Sets 1..127 get
 * 12 pages each: they fit, and after the first sweep always hit.  Set 0 gets
 * the 13 pages 0, 128, ..., 1536: a cyclic sweep of 13 over an LRU of 12
 * misses every time (each page was touched 13 accesses-of-that-set ago, and
 * is always the one just evicted).  So every sweep after the first has
 * exactly 1537 - 13 = 1524 hits and 13 misses; the first has 1537 cold
 * misses.  A fully associative LRU of 1536 would hit never (test_cyclic).
 */
static void test_set_trap(void)
{
	struct tlb *t = mk(1536, 12, TLB_LRU);
	const int sweeps = 30;

	for (uint64_t p = 0; p < 1537; p++)
		access_page(t, p);
	ASSERT_EQ(cnt(t)->l1.hits, 0);
	ASSERT_EQ(cnt(t)->l1.misses, 1537);
	for (int s = 1; s < sweeps; s++) {
		uint64_t before = cnt(t)->l1.hits;

		for (uint64_t p = 0; p < 1537; p++) {
			bool hit = access_page(t, p);

			ASSERT_EQ(hit, p % 128 != 0);
		}
		ASSERT_EQ(cnt(t)->l1.hits - before, 1524);
	}
	ASSERT_EQ(cnt(t)->l1.hits, (uint64_t)(sweeps - 1) * 1524);
	ASSERT_EQ(cnt(t)->l1.misses, 1537 + (uint64_t)(sweeps - 1) * 13);
	tlb_destroy(t);
}

/* ---- Mattson's stack algorithm, written plainly ---- */

#define TRACE_LEN 100000
#define MAX_DIST 4096

static uint64_t trace[TRACE_LEN];

/*
 * hist[d] = references at stack distance d (1-based); hist[0] counts first
 * references (infinite distance).  The stack holds pages most recent first.
 */
static void mattson(const uint64_t *tr, size_t n, uint64_t *hist)
{
	static uint64_t stack[MAX_DIST];
	size_t depth = 0;

	memset(hist, 0, (MAX_DIST + 1) * sizeof(*hist));
	for (size_t i = 0; i < n; i++) {
		size_t d = 0;

		while (d < depth && stack[d] != tr[i])
			d++;
		if (d == depth) {
			ASSERT_LT(depth, MAX_DIST);
			hist[0]++;
			depth++;
		} else {
			hist[d + 1]++;
		}
		memmove(&stack[1], &stack[0], d * sizeof(stack[0]));
		stack[0] = tr[i];
	}
}

static void compare_sizes(const uint64_t *tr, size_t n, const char *name)
{
	static uint64_t hist[MAX_DIST + 1];
	static const uint32_t sizes[] = { 96, 128, 200, 256, 511, 512 };
	uint64_t want = 0;

	mattson(tr, n, hist);
	for (uint32_t e = 1; e <= 512; e++) {
		bool check = e <= 64;
		struct tlb *t;
		uint64_t hits = 0;

		want += hist[e];    /* hits of an LRU of e = sum_{d<=e} */
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			check |= e == sizes[k];
		if (!check)
			continue;
		t = mk(e, e, TLB_LRU);
		for (size_t i = 0; i < n; i++)
			hits += access_page(t, tr[i]);
		if (hits != want || cnt(t)->l1.hits != want)
			TEST_FAIL("%s, LRU of %u: simulator %llu hits, stack "
				  "distances %llu", name, e,
				  (unsigned long long)hits,
				  (unsigned long long)want);
		tlb_destroy(t);
	}
}

static void test_mattson(void)
{
	struct rng r;
	static double cdf[2048];
	double sum = 0;

	/* Uniform over 300 pages. */
	rng_seed(&r, 11);
	for (size_t i = 0; i < TRACE_LEN; i++)
		trace[i] = rng_below(&r, 300);
	compare_sizes(trace, TRACE_LEN, "uniform/300");

	/* Zipf-like: page k with weight 1 / (k + 1)^0.9 over 2048 pages. */
	for (size_t k = 0; k < 2048; k++) {
		sum += 1.0 / pow((double)(k + 1), 0.9);
		cdf[k] = sum;
	}
	rng_seed(&r, 12);
	for (size_t i = 0; i < TRACE_LEN; i++) {
		double u = rng_double(&r) * sum;
		size_t lo = 0, hi = 2047;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* Scatter the ranks over the address space. */
		trace[i] = lo * 7919 + 3;
	}
	compare_sizes(trace, TRACE_LEN, "zipf/2048");

	/* Looping with noise: sweeps of 80 pages with random interjections. */
	rng_seed(&r, 13);
	for (size_t i = 0; i < TRACE_LEN; i++)
		trace[i] = rng_below(&r, 8) ? i % 80 : 1000 + rng_below(&r, 50);
	compare_sizes(trace, TRACE_LEN, "loop/80+noise");
}

int main(void)
{
	test_set_trap();
	test_cyclic();
	test_mattson();
	test_uniform();
	return 0;
}
