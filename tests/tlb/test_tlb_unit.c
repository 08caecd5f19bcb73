/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the TLB: each policy's victim on a tiny set, the level
 * semantics (L2 hit fills L1, L1 victims dropped), ASIDs and global
 * entries, page / range flushes and the ceiling, paging-structure caches,
 * the spec parser on good and bad input, and the presets.
 */
#include <errno.h>

#include <vmbench/rng.h>
#include <vmbench/tlb.h>

#include "../test.h"

#define PG 4096ULL

static struct reason why;

/* A copy of @t's counters, in one of a few buffers (two may be compared). */
static const struct tlb_counters *cnt(const struct tlb *t)
{
	static struct tlb_counters buf[4];
	static unsigned k;
	struct tlb_counters *c = &buf[k++ % 4];

	tlb_get_counters(t, c);
	return c;
}

static struct tlb *mk(const char *spec)
{
	struct tlb *t = NULL;
	int err = tlb_create_spec(&t, spec, &why);

	if (err)
		TEST_FAIL("spec \"%s\": %d: %s", spec, err, why.msg);
	return t;
}

/* Look @vpn up; on a miss fill the identity translation, as a walker. */
static int touch(struct tlb *t, uint64_t vpn, uint16_t asid)
{
	struct tlb_xlate x;
	int r = tlb_lookup(t, vpn * PG, asid, &x);

	if (r)
		ASSERT_EQ(x.phys, vpn * PG);
	else
		ASSERT_OK(tlb_fill(t, vpn * PG, asid, 12, vpn * PG, 3, false));
	return r;
}

static bool in_l1(struct tlb *t, uint64_t vpn)
{
	return tlb_probe(t, 1, vpn * PG, 0);
}

/* Fill 0..3, hit 0, then bring in 4, 5, 6: which page does each evict? */
static void victims(const char *spec, const uint64_t expect[3])
{
	struct tlb *t = mk(spec);

	for (uint64_t p = 0; p < 4; p++)
		ASSERT_EQ(touch(t, p, 0), 0);
	ASSERT_EQ(touch(t, 0, 0), 1);
	for (int k = 0; k < 3; k++) {
		uint64_t n = 4 + (uint64_t)k, gone = UINT64_MAX, absent = 0;

		ASSERT_EQ(touch(t, n, 0), 0);
		ASSERT(in_l1(t, n));
		for (uint64_t p = 0; p < n; p++) {
			bool earlier = false;

			if (in_l1(t, p))
				continue;
			absent++;
			for (int j = 0; j < k; j++)
				earlier |= p == expect[j];
			if (!earlier)
				gone = p;
		}
		ASSERT_EQ(absent, (uint64_t)k + 1);
		ASSERT_EQ(gone, expect[k]);
	}
	tlb_destroy(t);
}

static void test_policies(void)
{
	/* LRU: least recently used first: 1, 2, 3. */
	static const uint64_t lru[3] = { 1, 2, 3 };
	/* FIFO: the hit on 0 does not matter: 0, 1, 2. */
	static const uint64_t fifo[3] = { 0, 1, 2 };
	/*
	 * Tree-PLRU, 4 ways: root bit b1, b2 over ways 0-1, b3 over 2-3; a
	 * bit set means "victim on the right".  Fills into w0..w3 leave
	 * b1=0 b2=0 b3=0 (w3 touched last points everything left).  The hit
	 * on w0 sets b1=1, b2=1: the victim is w2 (page 2), where LRU would
	 * pick page 1.  Page 4 into w2: b1=0, b3=1 -> victim w1 (page 1).
	 * Page 5 into w1: b1=1, b2=0 -> victim w3 (page 3).
	 */
	static const uint64_t plru[3] = { 2, 1, 3 };

	victims("pages:4k,l1d:4x4:lru", lru);
	victims("pages:4k,l1d:4x4:fifo", fifo);
	victims("pages:4k,l1d:4x4:plru", plru);
}

static void test_random_policy(void)
{
	const char *a = "pages:4k,l1d:8x8:random,seed:7";
	const char *b = "pages:4k,l1d:8x8:random,seed:8";
	struct tlb *t1 = mk(a), *t2 = mk(a), *t3 = mk(b);
	struct rng r;
	bool differ = false;

	rng_seed(&r, 99);
	for (int i = 0; i < 20000; i++) {
		uint64_t p = rng_below(&r, 32);

		ASSERT_EQ(touch(t1, p, 0), touch(t2, p, 0));
		touch(t3, p, 0);
	}
	for (uint64_t p = 0; p < 32; p++) {
		ASSERT_EQ(in_l1(t1, p), in_l1(t2, p));
		differ |= in_l1(t1, p) != in_l1(t3, p);
	}
	ASSERT_EQ(cnt(t1)->l1.hits, cnt(t2)->l1.hits);
	ASSERT(differ);
	/* Random over 8 of 32 pages hits about 8/32 of the time. */
	ASSERT_LT(cnt(t1)->l1.hits, 20000 * 30 / 100);
	ASSERT_LT(20000 * 20 / 100, cnt(t1)->l1.hits);
	tlb_destroy(t1);
	tlb_destroy(t2);
	tlb_destroy(t3);
}

static void test_l2_fills_l1(void)
{
	struct tlb *t = mk("pages:4k,l1d:2x2:lru,l2:16x4:lru");

	for (uint64_t p = 0; p < 3; p++)
		ASSERT_EQ(touch(t, p, 0), 0);
	ASSERT(!in_l1(t, 0));
	ASSERT(tlb_probe(t, 2, 0, 0));
	ASSERT_EQ(cnt(t)->l1.fills, 3);
	ASSERT_EQ(cnt(t)->l2.fills, 3);
	ASSERT_EQ(cnt(t)->l1.evictions, 1);
	ASSERT_EQ(touch(t, 0, 0), 2);           /* L2 hit ... */
	ASSERT(in_l1(t, 0));                    /* ... fills L1 */
	ASSERT(!in_l1(t, 1));                   /* LRU victim of L1 */
	ASSERT_EQ(cnt(t)->l1.fills, 4);
	ASSERT_EQ(cnt(t)->l2.fills, 3);
	ASSERT_EQ(touch(t, 0, 0), 1);
	ASSERT_EQ(cnt(t)->lookups, 5);
	ASSERT_EQ(cnt(t)->l1.accesses, 5);
	ASSERT_EQ(cnt(t)->l1.hits, 1);
	ASSERT_EQ(cnt(t)->l1.misses, 4);
	ASSERT_EQ(cnt(t)->l2.accesses, 4);
	ASSERT_EQ(cnt(t)->l2.hits, 1);
	ASSERT_EQ(cnt(t)->l2.misses, 3);
	ASSERT_EQ(cnt(t)->walks, 3);
	ASSERT_EQ(cnt(t)->l1.misses_by_size[0], 4);
	ASSERT_EQ(cnt(t)->l2.misses_by_size[0], 3);
	tlb_destroy(t);
}

static void test_victim_dropped(void)
{
	/* L2 smaller than L1, so it loses page 0 before L1 does. */
	struct tlb *t = mk("pages:4k,l1d:4x4:lru,l2:2x2:lru");

	for (uint64_t p = 0; p < 4; p++)
		touch(t, p, 0);
	ASSERT(in_l1(t, 0));
	ASSERT(!tlb_probe(t, 2, 0, 0));
	ASSERT_EQ(touch(t, 4, 0), 0);           /* evicts page 0 from L1 */
	ASSERT(!in_l1(t, 0));
	ASSERT(!tlb_probe(t, 2, 0, 0));         /* not moved to L2 */
	ASSERT_EQ(touch(t, 0, 0), 0);           /* so it is a walk */
	ASSERT_EQ(cnt(t)->walks, 6);
	tlb_destroy(t);
}

static void test_update_in_place(void)
{
	struct tlb *t = mk("pages:4k,l1d:4x4:lru,l2:16x4:lru");
	struct tlb_xlate x;

	ASSERT_OK(tlb_fill(t, 5 * PG, 0, 12, 0x1000, 1, false));
	ASSERT_OK(tlb_fill(t, 5 * PG + 17, 0, 12, 0x2fff, 2, false));
	for (uint64_t p = 10; p < 13; p++)
		touch(t, p, 0);
	ASSERT(in_l1(t, 5));                    /* 4 entries, no duplicate */
	ASSERT_EQ(tlb_lookup(t, 5 * PG + 8, 0, &x), 1);
	ASSERT_EQ(x.phys, 0x2000);
	ASSERT_EQ(x.perm, 2);
	ASSERT_EQ(x.page_shift, 12);
	ASSERT_EQ(cnt(t)->l1.evictions, 0);
	ASSERT_EQ(tlb_fill(t, 0, 0, 13, 0, 0, false), -EINVAL);
	tlb_destroy(t);
}

static void test_asid_global(void)
{
	struct tlb *t = mk("pages:4k,l1d:16x4:lru,l2:64x4:lru");
	struct tlb_xlate x;

	ASSERT_OK(tlb_fill(t, 1 * PG, 1, 12, 0xa000, 0, false));
	ASSERT_OK(tlb_fill(t, 2 * PG, 1, 12, 0xb000, 0, true));
	ASSERT_OK(tlb_fill(t, 1 * PG, 2, 12, 0xc000, 0, false));
	ASSERT_EQ(tlb_lookup(t, 1 * PG, 1, &x), 1);
	ASSERT_EQ(x.phys, 0xa000);
	ASSERT_EQ(tlb_lookup(t, 1 * PG, 2, &x), 1);
	ASSERT_EQ(x.phys, 0xc000);
	ASSERT_EQ(tlb_lookup(t, 1 * PG, 3, &x), 0);
	ASSERT_EQ(tlb_lookup(t, 2 * PG, 3, &x), 1);  /* global: any ASID */
	ASSERT(x.global);

	tlb_flush_asid(t, 1);
	ASSERT(!tlb_probe(t, 1, 1 * PG, 1));
	ASSERT(!tlb_probe(t, 2, 1 * PG, 1));
	ASSERT(tlb_probe(t, 1, 1 * PG, 2));     /* other ASID kept */
	ASSERT(tlb_probe(t, 1, 2 * PG, 1));     /* global survives */
	ASSERT(tlb_probe(t, 2, 2 * PG, 1));
	ASSERT_EQ(cnt(t)->flush_asid, 1);
	ASSERT_EQ(cnt(t)->entries_flushed, 2);  /* L1 and L2 */

	tlb_flush_all(t);
	ASSERT(!tlb_probe(t, 1, 2 * PG, 1));
	ASSERT(!tlb_probe(t, 2, 1 * PG, 2));
	tlb_destroy(t);
}

static void test_flush_page_range(void)
{
	struct tlb *t = mk("pages:4k/2m,l1d.4k:256x4:lru,l1d.2m:8x8:lru,"
			   "l2.all:1024x8:lru");

	for (uint64_t p = 0; p < 100; p++)
		touch(t, p, 1);
	ASSERT_OK(tlb_fill(t, 200 * PG, 1, 12, 200 * PG, 0, true));

	tlb_flush_page(t, 5 * PG + 123, 1);
	ASSERT(!in_l1(t, 5) && !tlb_probe(t, 2, 5 * PG, 1));
	ASSERT(tlb_probe(t, 1, 4 * PG, 1) && tlb_probe(t, 1, 6 * PG, 1));
	tlb_flush_page(t, 6 * PG, 2);           /* other ASID: kept */
	ASSERT(tlb_probe(t, 1, 6 * PG, 1));
	tlb_flush_page(t, 200 * PG, 2);         /* global: flushed anyway */
	ASSERT(!tlb_probe(t, 1, 200 * PG, 2));

	/* 33 pages: page by page; pages 10..42 go, 43 stays. */
	tlb_flush_range(t, 10 * PG, 43 * PG, 1);
	ASSERT_EQ(cnt(t)->flush_range_full, 0);
	ASSERT_EQ(cnt(t)->flush_all, 0);
	ASSERT_EQ(cnt(t)->flush_page, 3 + 33);
	for (uint64_t p = 10; p < 43; p++)
		ASSERT(!tlb_probe(t, 1, p * PG, 1));
	ASSERT(tlb_probe(t, 1, 43 * PG, 1));
	ASSERT(tlb_probe(t, 1, 9 * PG, 1));
	/* An unaligned range counts every page it touches: 34 -> full. */
	tlb_flush_range(t, 50 * PG + 1, 83 * PG + 1, 1);
	ASSERT_EQ(cnt(t)->flush_range_full, 1);
	ASSERT_EQ(cnt(t)->flush_all, 1);
	ASSERT_EQ(cnt(t)->flush_range, 2);
	for (uint64_t p = 0; p < 100; p++)
		ASSERT(!tlb_probe(t, 1, p * PG, 1));

	/* A 4K flush inside a 2M page drops the 2M entry. */
	ASSERT_OK(tlb_fill(t, 1ULL << 21, 1, 21, 7ULL << 21, 0, false));
	ASSERT(tlb_probe(t, 1, (1ULL << 21) + 5 * PG, 1));
	tlb_flush_range(t, (1ULL << 21) + 5 * PG, (1ULL << 21) + 6 * PG, 1);
	ASSERT(!tlb_probe(t, 1, (1ULL << 21), 1));
	ASSERT(!tlb_probe(t, 2, (1ULL << 21), 1));
	tlb_destroy(t);

	/* A custom ceiling. */
	t = mk("pages:4k,l1d:64x4:lru,ceiling:4");
	for (uint64_t p = 0; p < 10; p++)
		touch(t, p, 0);
	tlb_flush_range(t, 0, 4 * PG, 0);
	ASSERT_EQ(cnt(t)->flush_range_full, 0);
	ASSERT(in_l1(t, 4));
	tlb_flush_range(t, 0, 5 * PG, 0);
	ASSERT_EQ(cnt(t)->flush_range_full, 1);
	ASSERT(!in_l1(t, 9));
	tlb_flush_range(t, 5, 5, 0);            /* empty range */
	ASSERT_EQ(cnt(t)->flush_range, 3);
	tlb_destroy(t);
}

static void test_large_pages(void)
{
	struct tlb *t = mk("zen4");
	struct tlb_xlate x;
	uint64_t va = (3ULL << 30) + (5ULL << 21) + 0x1234;

	ASSERT_OK(tlb_fill(t, va, 0, 21, 9ULL << 21, 7, false));
	ASSERT_EQ(tlb_lookup(t, va + 4096, 0, &x), 1);
	ASSERT_EQ(x.page_shift, 21);
	ASSERT_EQ(x.phys, 9ULL << 21);
	ASSERT_EQ(cnt(t)->l1.hits_by_size[1], 1);
	ASSERT_OK(tlb_fill(t, va, 0, 30, 2ULL << 30, 7, false));
	/* L2 of zen4 holds no 1G: only the L1 took it. */
	ASSERT_EQ(cnt(t)->l2.fills, 1);
	ASSERT(tlb_probe(t, 1, 3ULL << 30, 0));
	ASSERT(!tlb_probe(t, 2, 3ULL << 30, 0));
	tlb_destroy(t);

	t = mk("none");
	ASSERT_EQ(tlb_lookup(t, 0, 0, &x), 0);
	ASSERT_OK(tlb_fill(t, 0, 0, 12, 0, 0, false));
	ASSERT_EQ(tlb_lookup(t, 0, 0, &x), 0);
	ASSERT_EQ(cnt(t)->walks, 2);
	ASSERT_EQ(cnt(t)->l1.accesses, 0);
	tlb_destroy(t);
}

static void test_psc(void)
{
	struct tlb *t = mk("skylake");
	uint64_t va = (5ULL << 39) | (7ULL << 30) | (9ULL << 21) | 0x3000;
	uint64_t pa = 0;

	ASSERT_EQ(tlb_psc_lookup(t, va, 1, &pa), 0);
	ASSERT_EQ(cnt(t)->psc_lookups[0] + cnt(t)->psc_lookups[1] + cnt(t)->psc_lookups[2],
		  3);
	/* The walk of va: PML4E -> PDPT A, PDPTE -> PD B, PDE -> PT C. */
	tlb_psc_fill(t, va, 1, 39, 0xa000);
	tlb_psc_fill(t, va, 1, 30, 0xb000);
	tlb_psc_fill(t, va, 1, 21, 0xc000);
	tlb_psc_fill(t, va, 1, 12, 0xd000);     /* no such level: no-op */
	ASSERT_EQ(cnt(t)->psc_fills[0] + cnt(t)->psc_fills[1] + cnt(t)->psc_fills[2], 3);

	ASSERT_EQ(tlb_psc_lookup(t, va ^ 0x1000, 1, &pa), 21);
	ASSERT_EQ(pa, 0xc000);
	ASSERT_EQ(tlb_psc_lookup(t, va ^ (1ULL << 21), 1, &pa), 30);
	ASSERT_EQ(pa, 0xb000);
	ASSERT_EQ(tlb_psc_lookup(t, va ^ (1ULL << 30), 1, &pa), 39);
	ASSERT_EQ(pa, 0xa000);
	ASSERT_EQ(tlb_psc_lookup(t, va ^ (1ULL << 39), 1, &pa), 0);
	ASSERT_EQ(tlb_psc_lookup(t, va, 2, &pa), 0);  /* other ASID */
	/* psc[] is shallow to deep: 0 = PML4E, 2 = PDE. */
	ASSERT_EQ(cnt(t)->psc_hits[2], 1);
	ASSERT_EQ(cnt(t)->psc_hits[1], 1);
	ASSERT_EQ(cnt(t)->psc_hits[0], 1);
	ASSERT_EQ(cnt(t)->psc_lookups[2], 6);
	ASSERT_EQ(cnt(t)->psc_lookups[1], 5);
	ASSERT_EQ(cnt(t)->psc_lookups[0], 4);

	tlb_flush_page(t, 0, 2);                /* other ASID: kept */
	ASSERT_EQ(tlb_psc_lookup(t, va, 1, &pa), 21);
	tlb_flush_page(t, 0, 1);                /* drops ASID 1's PSC */
	ASSERT_EQ(tlb_psc_lookup(t, va, 1, &pa), 0);
	tlb_psc_fill(t, va, 1, 30, 0xb000);
	tlb_flush_asid(t, 1);
	ASSERT_EQ(tlb_psc_lookup(t, va, 1, &pa), 0);
	tlb_psc_fill(t, va, 1, 30, 0xb000);
	tlb_flush_all(t);
	ASSERT_EQ(tlb_psc_lookup(t, va, 1, &pa), 0);
	tlb_destroy(t);
}

static void test_parse_good(void)
{
	struct tlb_config cfg;
	const char *const *names = tlb_presets();
	int n = 0;

	for (; *names; names++, n++) {
		struct tlb *t = mk(*names);

		tlb_destroy(t);
	}
	ASSERT_EQ(n, 4);

	ASSERT_OK(tlb_config_parse("skylake", &cfg, &why));
	ASSERT_EQ(cfg.npage_sizes, 3);
	ASSERT_EQ(cfg.nl1, 3);
	ASSERT_EQ(cfg.l1[0].entries, 64);
	ASSERT_EQ(cfg.l1[0].ways, 4);
	ASSERT_EQ(cfg.l1[1].entries, 32);
	ASSERT_EQ(cfg.l1[1].size_mask, 2);
	ASSERT_EQ(cfg.l1[2].entries, 4);
	ASSERT_EQ(cfg.l1[2].ways, 4);
	ASSERT_EQ(cfg.nl2, 2);
	ASSERT_EQ(cfg.l2[0].entries, 1536);
	ASSERT_EQ(cfg.l2[0].ways, 12);
	ASSERT_EQ(cfg.l2[0].size_mask, 3);
	ASSERT_EQ(cfg.npsc, 3);
	ASSERT_EQ(cfg.psc[0].shift, 39);
	ASSERT_EQ(cfg.psc[2].shift, 21);
	ASSERT_EQ(cfg.psc[2].entries, 32);
	ASSERT_EQ(cfg.flush_ceiling, 33);

	ASSERT_OK(tlb_config_parse("neoverse-n1", &cfg, &why));
	ASSERT_EQ(cfg.l1[0].entries, 48);
	ASSERT_EQ(cfg.l1[0].ways, 48);
	ASSERT_EQ(cfg.l2[0].entries, 1280);
	ASSERT_EQ(cfg.l2[0].ways, 5);
	ASSERT_EQ(cfg.l2[0].size_mask, 7);

	ASSERT_OK(tlb_config_parse("l1d:64x4:lru,l2:1536x12:lru", &cfg,
				   &why));
	ASSERT_EQ(cfg.nl1, 1);
	ASSERT_EQ(cfg.l1[0].size_mask, 1);      /* the smallest size */
	ASSERT_EQ(cfg.l2[0].size_mask, 7);      /* every size */
	ASSERT_EQ(cfg.page_shift[1], 21);

	/* arm64 granules; pages: may come anywhere; PSC sorted by shift. */
	ASSERT_OK(tlb_config_parse("l1d.32m:32x4:plru,pages:16k/32m/64g,"
				   "l1d:64x64:fifo,psc.s25:16x4:random,"
				   "psc.s36:4x4:lru,ceiling:100,seed:3",
				   &cfg, &why));
	ASSERT_EQ(cfg.page_shift[0], 14);
	ASSERT_EQ(cfg.page_shift[1], 25);
	ASSERT_EQ(cfg.page_shift[2], 36);
	ASSERT_EQ(cfg.l1[0].size_mask, 2);
	ASSERT_EQ(cfg.l1[0].policy, TLB_PLRU);
	ASSERT_EQ(cfg.l1[1].size_mask, 1);
	ASSERT_EQ(cfg.psc[0].shift, 36);
	ASSERT_EQ(cfg.psc[1].shift, 25);
	ASSERT_EQ(cfg.flush_ceiling, 100);
	ASSERT_EQ(cfg.seed, 3);
	ASSERT_OK(tlb_config_parse("pages:64k/512m,l1d.all:32x32:lru",
				   &cfg, &why));
	ASSERT_EQ(cfg.l1[0].size_mask, 3);
	ASSERT_STREQ(tlb_policy_name(TLB_PLRU), "plru");
}

static const struct {
	const char *spec;
	const char *why;          /* a substring of the message */
} bad[] = {
	{ "", "empty spec" },
	{ "l1d", "no ':'" },
	{ "l1d:64x4", "missing ':POLICY'" },
	{ "l1d:64y4:lru", "not ENTRIESxWAYS" },
	{ "l1d:x4:lru", "entries '' not a number" },
	{ "l1d:0x4:lru", "entries '0'" },
	{ "l1d:64x0:lru", "ways '0'" },
	{ "l1d:64x-4:lru", "ways '-4'" },
	{ "l1d:99999999999999999999999x4:lru", "entries '9999" },
	{ "l1d:64x99999:lru", "ways '99999' not a number in 1..4096" },
	{ "l1d:65x4:lru", "entries 65 not a multiple of ways 4" },
	{ "l1d:48x4:lru", "sets 12 (entries / ways) not a power of two" },
	{ "l1d:48x3:plru", "plru needs ways a power of two" },
	{ "l1d:64x4:LRU", "policy 'LRU'" },
	{ "l1d:64x4:lru:x", "policy 'lru:x'" },
	{ "l3:64x4:lru", "unknown level 'l3'" },
	{ "l1d.:64x4:lru", "empty page-size suffix" },
	{ "l1d.3m:32x4:lru", "suffix '3m'" },
	{ "l1d.16k:32x4:lru", "'16k' is not one of the configured sizes" },
	{ "l1d.4k+4k:32x4:lru", "listed twice" },
	{ "l1d:64x4:lru,l1d.4k:32x4:lru", "item 2" },
	{ "l2:64x4:lru,l2.1g:32x4:lru", "already held by another l2" },
	{ "psc:32x4:lru", "psc needs a level" },
	{ "psc.foo:32x4:lru", "psc level 'foo'" },
	{ "psc.s5:4x4:lru", "psc shift '5'" },
	{ "psc.pde:32x4:lru,psc.s21:8x8:lru", "given twice" },
	{ "pages:", "page size ''" },
	{ "pages:4k/2k", "increase strictly" },
	{ "pages:4k/3m", "page size '3m'" },
	{ "pages:1k/2k/4k/8k/16k", "more than 4 page sizes" },
	{ "pages:512", "page size '512'" },
	{ "pages:1t/512t", "not in 2^10..2^48" },
	{ "pages:4k,pages:8k", "pages: given twice" },
	{ "l1d:64x4:lru,", "item 2 '': empty item" },
	{ ",l1d:64x4:lru", "item 1 '': empty item" },
	{ "l1d:64x4:lru,,l2:64x4:lru", "item 2" },
	{ "ceiling:0", "ceiling '0'" },
	{ "ceiling:", "ceiling ''" },
	{ "seed:x", "seed 'x'" },
	{ "l1d.4k:1x1:lru,l1d.2m:1x1:lru,l1d.1g:1x1:lru,pages:4k/2m/1g/4g,"
	  "l1d.4g:1x1:lru,l1d.4g:1x1:lru", "more than 4 l1d" },
	{ "skylake,l1d:64x4:lru", "item 1 'skylake': no ':'" },
};

static void test_parse_bad(void)
{
	struct tlb_config cfg;
	struct tlb *t = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&why, 'z', sizeof(why));
		ASSERT_EQ(tlb_config_parse(bad[i].spec, &cfg, &why),
			  -EINVAL);
		if (!strstr(why.msg, bad[i].why))
			TEST_FAIL("spec \"%s\": message \"%s\" lacks \"%s\"",
				  bad[i].spec, why.msg, bad[i].why);
		/* A spec has no line and names no option: the tool does. */
		ASSERT_EQ(why.line, 0);
		ASSERT_STREQ(why.what, "");
		ASSERT_EQ(tlb_create_spec(&t, bad[i].spec, NULL), -EINVAL);
	}
	/* No carrier: the error alone. */
	ASSERT_EQ(tlb_config_parse("l9:1x1:lru", &cfg, NULL), -EINVAL);
	ASSERT_EQ(tlb_config_parse(NULL, &cfg, &why), -EINVAL);

	/* A config built by hand is checked too. */
	ASSERT_OK(tlb_config_parse("skylake", &cfg, &why));
	cfg.l2[0].ways = 7;
	ASSERT_EQ(tlb_create(&t, &cfg), -EINVAL);
	ASSERT_EQ(tlb_config_check(&cfg, &why), -EINVAL);
	ASSERT(strstr(why.msg, "l2 structure 0: entries 1536 not a multiple"));
	cfg.l2[0].ways = 12;
	cfg.psc[1].shift = 45;
	ASSERT_EQ(tlb_config_check(&cfg, &why), -EINVAL);
	ASSERT(strstr(why.msg, "psc level 1"));
}

/* Random strings over the spec's alphabet: 0 or -EINVAL, never a crash. */
static void test_parse_fuzz(void)
{
	static const char alpha[] = "l1d2psc.:x,+/kmgt0123456789lrufiopaegs-";
	struct tlb_config cfg;
	struct rng r;
	char s[48];

	rng_seed(&r, 4242);
	for (int i = 0; i < 200000; i++) {
		size_t n = rng_below(&r, sizeof(s));
		int err;

		for (size_t k = 0; k < n; k++)
			s[k] = alpha[rng_below(&r, sizeof(alpha) - 1)];
		s[n] = '\0';
		/* Seed half the strings with a valid prefix. */
		if (i & 1 && n > 14)
			memcpy(s, "l1d:64x4:lru,", 13);
		why.msg[0] = 'z';
		err = tlb_config_parse(s, &cfg, &why);
		if (err) {
			ASSERT_EQ(err, -EINVAL);
			ASSERT(why.msg[0] != '\0' && why.msg[0] != 'z');
		}
	}
}

/*
 * Ports (tlb.h, Advanced API).  Each shape and policy gets inline hits once
 * tlb_port_lookup() has seen the entry; a global entry behind one that does
 * not answer the port's ASID is found as tlb_lookup() finds it; a flush, a
 * fill or an eviction in the set makes the slot stale; counters read the
 * same through tlb_get_counters() however the hit was taken.
 */
static void test_port_shapes(void)
{
	static const char *const specs[] = {
		"pages:4k,l1d:8x4:lru", "pages:4k,l1d:8x2:lru",
		"pages:4k,l1d:8x4:fifo", "pages:4k,l1d:8x8:plru",
		"pages:4k,l1d:16x16:random", "zen4", "neoverse-n1", "skylake",
	};
	uint64_t far = 1ULL << 20;
	struct tlb_xlate x;

	for (unsigned s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		struct tlb *t = mk(specs[s]);
		struct tlb_port p, q;
		const struct tlb_port_slot *sl;

		ASSERT_OK(tlb_port_init(&p, t, 3));
		ASSERT_OK(tlb_port_init(&q, t, 1));
		/* One page: ASID 1's entry in way 0, ASID 3's in way 1. */
		ASSERT_OK(tlb_fill(t, far * PG, 1, 12, 0x1000, 3, false));
		ASSERT_OK(tlb_fill(t, far * PG, 3, 12, 0x2000, 5, false));
		/* Not yet learned: the front misses, the lookup hits. */
		ASSERT(!tlb_port_hit(&p, far * PG));
		ASSERT_EQ(tlb_port_lookup(&p, far * PG, &x), 1);
		ASSERT_EQ(x.phys, 0x2000);
		sl = tlb_port_hit(&p, far * PG + 5);
		ASSERT(sl != NULL);
		ASSERT_EQ(tlb_port_slot_pa(sl, far * PG + 5), 0x2005);
		ASSERT_EQ(tlb_port_slot_perm(sl), 5);
		/* Rights the entry lacks: the slot does not answer them. */
		ASSERT(tlb_port_answers(&p, sl, far * PG + 5,
					tlb_port_key_mask(&p, 5)));
		ASSERT(!tlb_port_answers(&p, sl, far * PG + 5,
					 tlb_port_key_mask(&p, 2)));
		ASSERT(!tlb_port_answers(&p, sl, (far + 1) * PG,
					 tlb_port_key_mask(&p, 0)));
		ASSERT_EQ(tlb_port_lookup(&q, far * PG, &x), 1);
		ASSERT_EQ(x.phys, 0x1000);
		sl = tlb_port_hit(&q, far * PG);
		ASSERT(sl != NULL);
		ASSERT_EQ(tlb_port_slot_pa(sl, far * PG), 0x1000);
		ASSERT_EQ(tlb_port_hits(&p), 1);
		ASSERT_EQ(tlb_port_hits(&q), 1);
		ASSERT_EQ(cnt(t)->l1.hits, 4);
		ASSERT_EQ(cnt(t)->lookups, 4);
		ASSERT_EQ(cnt(t)->l1.hits_by_size[0], 4);
		/*
		 * A global fill replaces way 0 and now answers ASID 3 before
		 * its own entry in way 1: the slot of p is stale, and the
		 * lookup finds the global entry.
		 */
		ASSERT_OK(tlb_fill(t, far * PG, 2, 12, 0x4000, 7, true));
		ASSERT(!tlb_port_hit(&p, far * PG));
		ASSERT(!tlb_port_hit(&q, far * PG));
		ASSERT_EQ(tlb_port_lookup(&p, far * PG, &x), 1);
		ASSERT_EQ(x.phys, 0x4000);
		sl = tlb_port_hit(&p, far * PG);
		ASSERT(sl != NULL);
		ASSERT_EQ(tlb_port_slot_pa(sl, far * PG), 0x4000);
		ASSERT_EQ(tlb_port_lookup(&q, far * PG, &x), 1);
		ASSERT_EQ(x.phys, 0x4000);
		/* A flush for ASID 3 takes the global entry and ASID 3's. */
		tlb_flush_page(t, far * PG, 3);
		ASSERT(!tlb_port_hit(&p, far * PG));
		ASSERT(!tlb_port_hit(&q, far * PG));
		ASSERT_EQ(tlb_port_lookup(&p, far * PG, &x), 0);
		ASSERT_EQ(tlb_port_lookup(&q, far * PG, &x), 0);
		ASSERT(!tlb_port_hit(&p, far * PG));
		ASSERT_OK(tlb_fill(t, far * PG, 1, 12, 0x1000, 3, false));
		ASSERT_EQ(tlb_port_lookup(&q, far * PG, &x), 1);
		tlb_counters_reset(t);
		ASSERT_EQ(cnt(t)->l1.hits, 0);
		ASSERT(tlb_port_hit(&q, far * PG) != NULL);
		ASSERT_EQ(cnt(t)->l1.hits, 1);
		ASSERT_EQ(cnt(t)->l1.accesses, 1);
		/* Released in any order: the TLB first, then its ports. */
		tlb_destroy(t);
		tlb_port_release(&p);
		tlb_port_release(&q);
		ASSERT(!tlb_port_hit(&p, far * PG));
	}
}

/*
 * The holder (tlb.h): one port at a time keeps the fronted structure's
 * clock.  Hits taken inline while it holds, then lookups without a port,
 * must stamp in the order they happened: in a 4-way LRU set filled with
 * a, b, c, d, three inline hits of a followed by lookups of b, c and d
 * leave a the oldest, so the next fill evicts a (with the holder's clock
 * left behind, b would go).  Another port's lookup takes the clock: the
 * first port's slot, though current, no longer answers until its own
 * lookup.  The counters count every hit once, holder or not, and a
 * holding port released first hands its hits back.
 */
static void test_port_holder(void)
{
	struct tlb *t = mk("pages:4k,l1d:8x4:lru,l2:64x4:lru");
	uint64_t a = 8 * PG, b = 16 * PG, c = 24 * PG, d = 32 * PG;
	uint64_t e = 40 * PG;
	struct tlb_port p, q;
	struct tlb_xlate x;

	ASSERT_OK(tlb_port_init(&p, t, 1));
	ASSERT_OK(tlb_port_init(&q, t, 1));
	ASSERT_OK(tlb_fill(t, a, 1, 12, 0x1000, 3, false));
	ASSERT_OK(tlb_fill(t, b, 1, 12, 0x2000, 3, false));
	ASSERT_OK(tlb_fill(t, c, 1, 12, 0x3000, 3, false));
	ASSERT_OK(tlb_fill(t, d, 1, 12, 0x4000, 3, false));
	ASSERT_EQ(tlb_port_lookup(&p, a, &x), 1);
	for (int k = 0; k < 3; k++)
		ASSERT(tlb_port_hit(&p, a) != NULL);
	ASSERT_EQ(tlb_lookup(t, b, 1, &x), 1);
	ASSERT_EQ(tlb_lookup(t, c, 1, &x), 1);
	ASSERT_EQ(tlb_lookup(t, d, 1, &x), 1);
	ASSERT_EQ(cnt(t)->l1.hits, 7);
	ASSERT_OK(tlb_fill(t, e, 1, 12, 0x5000, 3, false));
	ASSERT(!tlb_probe(t, 1, a, 1));
	ASSERT(tlb_probe(t, 1, b, 1));
	ASSERT_EQ(cnt(t)->l1.evictions, 1);

	/* The holder goes on after lookups without a port. */
	ASSERT_EQ(tlb_port_lookup(&p, b, &x), 1);
	ASSERT(tlb_port_hit(&p, b) != NULL);
	/* q takes the clock: p's current slot does not answer. */
	ASSERT_EQ(tlb_port_lookup(&q, c, &x), 1);
	ASSERT(tlb_port_hit(&q, c) != NULL);
	ASSERT(tlb_port_hit(&p, b) == NULL);
	ASSERT_OK(tlb_port_check(&p, &why));
	ASSERT_EQ(tlb_port_lookup(&p, b, &x), 1);
	ASSERT(tlb_port_hit(&p, b) != NULL);
	ASSERT(tlb_port_hit(&q, c) == NULL);
	ASSERT_EQ(tlb_port_hits(&p), 5);
	ASSERT_EQ(tlb_port_hits(&q), 1);
	/* 7 before; then lookups 3, inline hits 3. */
	ASSERT_EQ(cnt(t)->l1.hits, 13);
	ASSERT_EQ(cnt(t)->lookups, 13);
	/* Reset while holding: the hits so far are gone, later ones count. */
	tlb_port_reset(&p);
	ASSERT_EQ(tlb_port_hits(&p), 0);
	ASSERT_EQ(cnt(t)->l1.hits, 13);
	tlb_counters_reset(t);
	ASSERT_EQ(cnt(t)->l1.hits, 0);
	ASSERT(tlb_port_hit(&p, b) != NULL);
	ASSERT_EQ(cnt(t)->l1.hits, 1);
	/* The holder released first: its hit stays counted. */
	tlb_port_release(&p);
	ASSERT_EQ(cnt(t)->l1.hits, 1);
	ASSERT_EQ(tlb_port_lookup(&q, c, &x), 1);
	ASSERT(tlb_port_hit(&q, c) != NULL);
	ASSERT_EQ(cnt(t)->l1.hits, 3);
	/* Then the TLB while q holds, then q. */
	tlb_destroy(t);
	ASSERT(tlb_port_hit(&q, c) == NULL);
	tlb_port_release(&q);
}

/* The port validator finds a slot that no longer tells the truth. */
static void test_port_check(void)
{
	struct tlb *t = mk("pages:4k,l1d:8x4:lru");
	struct tlb_port p;
	struct tlb_xlate x;
	struct tlb_port_slot *s, saved;

	ASSERT_OK(tlb_port_init(&p, t, 1));
	ASSERT_OK(tlb_port_check(&p, &why));
	ASSERT_OK(tlb_port_fill(&p, 5 * PG, 12, 0x7000, 3, false));
	/* Page 7 in the same set, next way. */
	ASSERT_OK(tlb_fill(t, 7 * PG, 1, 12, 0x9000, 3, false));
	ASSERT_EQ(tlb_port_lookup(&p, 5 * PG, &x), 1);
	ASSERT_OK(tlb_port_check(&p, &why));
	s = (struct tlb_port_slot *)tlb_port_slot(&p, 5 * PG);
	s->delta ^= PG;
	ASSERT_EQ(tlb_port_check(&p, &why), -EUCLEAN);
	ASSERT(strstr(why.msg, "copy differs from entry"));
	s->delta ^= PG;
	s->key ^= 2;            /* one right more or less */
	ASSERT_EQ(tlb_port_check(&p, &why), -EUCLEAN);
	ASSERT(strstr(why.msg, "copy differs from entry"));
	s->key ^= 2;
	s->stamp++;             /* the next entry of the set */
	ASSERT_EQ(tlb_port_check(&p, NULL), -EUCLEAN);
	ASSERT_EQ(tlb_port_check(&p, &why), -EUCLEAN);
	ASSERT(strstr(why.msg, "answered by entry"));
	s->stamp--;
	/* A slot that outlived its entry (the TLB empties it: put back). */
	saved = *s;
	tlb_flush_page(t, 5 * PG, 1);
	ASSERT(s->key & TLB_PORT_EMPTY);
	ASSERT_OK(tlb_port_check(&p, &why));
	*s = saved;
	ASSERT_EQ(tlb_port_check(&p, &why), -EUCLEAN);
	ASSERT(strstr(why.msg, "the TLB finds -1"));
	ASSERT_OK(tlb_port_fill(&p, 5 * PG, 12, 0x7000, 3, false));
	ASSERT_OK(tlb_port_check(&p, &why));
	s->key += 8 * PG;       /* another page, in the same slot */
	ASSERT_EQ(tlb_port_check(&p, &why), -EUCLEAN);
	ASSERT(strstr(why.msg, "of slot"));
	s->key -= 8 * PG;
	/* A flush empties every slot. */
	tlb_flush_all(t);
	ASSERT_OK(tlb_port_check(&p, &why));
	ASSERT(!tlb_port_hit(&p, 5 * PG));
	tlb_port_release(&p);
	tlb_destroy(t);
}

/*
 * A port that does not hold keeps its slots while the fronted structure
 * does not change (holding again, they answer at once) and forgets them
 * all when it changed; the holder's slot of a changed entry is emptied,
 * its others stay.
 */
static void test_port_forget(void)
{
	struct tlb *t = mk("pages:4k,l1d:8x4:lru");
	uint64_t a = 8 * PG, b = 16 * PG, c = 9 * PG;
	struct tlb_port p, q;
	struct tlb_xlate x;

	ASSERT_OK(tlb_port_init(&p, t, 1));
	ASSERT_OK(tlb_port_init(&q, t, 1));
	ASSERT_OK(tlb_fill(t, a, 1, 12, 0x1000, 3, false));
	ASSERT_OK(tlb_fill(t, b, 1, 12, 0x2000, 3, false));
	ASSERT_OK(tlb_fill(t, c, 1, 12, 0x3000, 3, false));
	ASSERT_EQ(tlb_port_lookup(&p, a, &x), 1);
	ASSERT_EQ(tlb_port_lookup(&p, c, &x), 1);
	/* q holds, nothing changes, p holds again: a and c answer. */
	ASSERT_EQ(tlb_port_lookup(&q, b, &x), 1);
	ASSERT(tlb_port_hit(&p, a) == NULL);
	ASSERT_OK(tlb_port_check(&p, &why));
	ASSERT_EQ(tlb_port_lookup(&p, b, &x), 1);
	ASSERT(tlb_port_hit(&p, a) != NULL);
	ASSERT(tlb_port_hit(&p, c) != NULL);
	/* A flush of a empties the holder's slot of a only. */
	tlb_flush_page(t, a, 1);
	ASSERT(tlb_port_slot(&p, a)->key & TLB_PORT_EMPTY);
	ASSERT(tlb_port_hit(&p, a) == NULL);
	ASSERT(tlb_port_hit(&p, c) != NULL);
	ASSERT_OK(tlb_port_check(&p, &why));
	/* q holds, a fill changes the structure: p forgets c as well. */
	ASSERT_EQ(tlb_port_lookup(&q, b, &x), 1);
	ASSERT_OK(tlb_fill(t, a, 1, 12, 0x1000, 3, false));
	ASSERT_OK(tlb_port_check(&p, &why));
	ASSERT_EQ(tlb_port_lookup(&p, b, &x), 1);
	ASSERT(tlb_port_hit(&p, c) == NULL);
	ASSERT_EQ(tlb_port_lookup(&p, c, &x), 1);
	ASSERT(tlb_port_hit(&p, c) != NULL);
	ASSERT_OK(tlb_port_check(&p, &why));
	/* Every hit counted once: 7 lookups, 4 inline. */
	ASSERT_EQ(cnt(t)->l1.hits, 11);
	tlb_port_release(&p);
	tlb_port_release(&q);
	tlb_destroy(t);
}

/* A port of no TLB, or of a TLB without L1, never hits inline. */
static void test_port_none(void)
{
	struct tlb *t = mk("pages:4k,l2:16x4:lru");
	struct tlb_port p;
	struct tlb_xlate x;

	ASSERT_OK(tlb_port_init(&p, NULL, 0));
	ASSERT(!tlb_port_hit(&p, 0));
	ASSERT(!tlb_port_hit(&p, ~0ULL));
	tlb_port_release(&p);
	ASSERT_OK(tlb_port_init(&p, t, 0));
	ASSERT_OK(tlb_fill(t, 0, 0, 12, 0x1000, 3, false));
	ASSERT_EQ(tlb_port_lookup(&p, 0, &x), 2);
	ASSERT(!tlb_port_hit(&p, 0));
	tlb_port_release(&p);
	tlb_destroy(t);
}

/* The policy table: names once, found by name, listed in order. */
static void test_policy_table(void)
{
	char buf[64];

	ASSERT_EQ(tlb_policy_find("plru", 4), TLB_PLRU);
	ASSERT_EQ(tlb_policy_find("random", 6), TLB_RANDOM);
	ASSERT_EQ(tlb_policy_find("lr", 2), -1);
	ASSERT_STREQ(tlb_policy_name(TLB_FIFO), "fifo");
	ASSERT_STREQ(tlb_policy_name((enum tlb_policy)99), "?");
	ASSERT_STREQ(tlb_policy_list(buf, sizeof(buf), "|"),
		     "lru|plru|fifo|random");
}

int main(void)
{
	test_port_shapes();
	test_port_none();
	test_port_holder();
	test_port_check();
	test_port_forget();
	test_policy_table();
	test_policies();
	test_random_policy();
	test_l2_fills_l1();
	test_victim_dropped();
	test_update_in_place();
	test_asid_global();
	test_flush_page_range();
	test_large_pages();
	test_psc();
	test_parse_good();
	test_parse_bad();
	test_parse_fuzz();
	return 0;
}
