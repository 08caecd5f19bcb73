/* SPDX-License-Identifier: MIT */
/*
 * The MMU: a differential test of translation with and without a TLB over
 * random mappings, permission changes and unmaps on several geometries;
 * straddling accesses; paging-structure caches skipping levels; demand
 * paging; TLB invalidation through mmu_unmap / mmu_protect; batches
 * (mmu_batch) against single translations.
 */
#include <errno.h>
#include <string.h>

#include <vmbench/mmu.h>
#include <vmbench/rng.h>

#include "../test.h"

#define SEED 42
#define RW (PT_PROT_READ | PT_PROT_WRITE)

struct geo_case {
	const char *geo;
	const char *tlb[2];   /* a preset-like shape and a small one */
};

static const struct geo_case cases[] = {
	{ "x86-64-4l", { "skylake",
	  "pages:4k/2m/1g,l1d.all:8x2:lru,l2.all:32x4:plru,"
	  "psc.pml4e:2x2:fifo,psc.pdpte:2x2:lru,psc.pde:4x2:lru" } },
	{ "x86-64-5l", { "skylake",
	  "pages:4k/2m,l1d:4x4:fifo,l2.all:16x2:random,psc.pml5e:2x2:lru,"
	  "psc.pde:4x4:lru" } },
	{ "arm64-4k-48", { "neoverse-n1",
	  "pages:4k/64k/2m/1g,l1d.4k+64k:8x8:lru,l2.all:32x4:lru,"
	  "psc.pdpte:2x2:lru,psc.pde:4x2:plru" } },
	{ "arm64-64k-42", { "pages:64k/2m/512m,l1d.all:16x4:lru,"
	  "l2.all:64x4:lru,psc.s29:4x4:lru",
	  "pages:64k/512m,l1d:4x2:lru,psc.s29:2x2:lru" } },
	{ "x86-32", { "pages:4k/4m,l1d.4k:16x4:lru,l1d.4m:4x4:lru,"
	  "l2.all:64x4:lru,psc.s22:4x4:lru",
	  "pages:4k,l1d:4x2:lru,psc.s22:2x2:lru" } },
	{ "sv39", { "zen4",
	  "pages:4k/2m/1g,l1d.all:4x4:lru,l2.4k:16x4:fifo,psc.pdpte:2x2:lru,"
	  "psc.pde:2x2:lru" } },
};

struct region {
	uint64_t va, size;
};

static const uint32_t prots[] = {
	PT_PROT_READ, RW, PT_PROT_READ | PT_PROT_EXEC,
	RW | PT_PROT_USER, PT_PROT_READ | PT_PROT_USER,
	PT_PROT_RWX | PT_PROT_USER | PT_PROT_GLOBAL,
};
#define NPROTS (sizeof(prots) / sizeof(prots[0]))

static uint32_t any_prot(struct rng *r)
{
	return prots[rng_below(r, NPROTS)];
}

static void same_result(int ra, const struct mmu_result *a, int rb,
			const struct mmu_result *b, uint64_t va)
{
	if (ra != rb || a->pa != b->pa || a->pa2 != b->pa2 ||
	    a->fault != b->fault || a->prot != b->prot ||
	    a->pages != b->pages || a->fault_va != b->fault_va)
		TEST_FAIL("va %#llx: with TLB ret %d pa %#llx pa2 %#llx "
			  "fault %u prot %#x pages %u; walker ret %d pa "
			  "%#llx pa2 %#llx fault %u prot %#x pages %u",
			  (unsigned long long)va, ra,
			  (unsigned long long)a->pa,
			  (unsigned long long)a->pa2, a->fault, a->prot,
			  a->pages, rb, (unsigned long long)b->pa,
			  (unsigned long long)b->pa2, b->fault, b->prot,
			  b->pages);
}

static void check_counters(const struct mmu *m, bool has_tlb)
{
	struct mmu_counters c;

	mmu_get_counters(m, &c);
	ASSERT_EQ(c.tlb.l1.accesses, c.tlb.l1.hits + c.tlb.l1.misses);
	ASSERT_EQ(c.tlb.l2.accesses, c.tlb.l2.hits + c.tlb.l2.misses);
	if (!has_tlb) {
		ASSERT_EQ(c.walks, c.translations);
		ASSERT_EQ(c.tlb_hits, 0);
		return;
	}
	ASSERT_EQ(c.tlb.lookups, c.translations);
	ASSERT_EQ(c.tlb_hits + c.tlb.walks, c.translations);
	ASSERT_EQ(c.walks, c.tlb.walks);   /* no demand paging here */
	if (c.tlb.l1.accesses && c.tlb.l2.accesses)
		ASSERT_EQ(c.tlb.l2.accesses, c.tlb.l1.misses);
}

/* Random maps, protects, unmaps and accesses; both MMUs agree. */
static void differential(const struct geo_case *gc, const char *spec,
			 bool user)
{
	const struct pt_geometry *g = pt_geometry_find(gc->geo);
	struct mmu_config cfg = { .user = user };
	struct region *reg;
	size_t nreg = 0, cap = 4096;
	struct mmu *mt, *mw;
	struct tlb *tlb;
	struct pt *pt;
	struct rng r;
	struct reason why;
	uint64_t base_pg, big, window, wbase, pa_span, upper = 0;
	unsigned faults[MMU_NFAULT] = { 0 };
	bool has_upper;

	ASSERT(g);
	rng_seed(&r, SEED);
	ASSERT_OK(pt_create(&pt, g, NULL));
	if (tlb_create_spec(&tlb, spec, &why))
		TEST_FAIL("%s: %s", spec, why.msg);
	ASSERT_OK(mmu_create(&mt, pt, tlb, &cfg));
	ASSERT_OK(mmu_create(&mw, pt, NULL, &cfg));
	reg = malloc(cap * sizeof(*reg));
	ASSERT(reg);

	base_pg = 1ULL << g->page_shift;
	big = pt_level_size(g, 1);           /* a level-1 block */
	window = 64 * big;
	wbase = window;
	pa_span = 1ULL << (g->pa_bits < 40 ? g->pa_bits : 40);
	has_upper = g->arch == PT_ARCH_X86_64 || g->arch == PT_ARCH_ARM64 ||
		    g->arch == PT_ARCH_RISCV;
	if (has_upper)
		upper = g->arch == PT_ARCH_ARM64 ? ~0ULL << g->va_bits :
			~0ULL << (g->va_bits - 1);

	for (unsigned step = 0; step < 30000; step++) {
		unsigned op = (unsigned)rng_below(&r, 100);

		if (op < 6 || nreg == 0) {
			/* Map a few base pages, or a level-1 block. */
			bool huge = rng_below(&r, 4) == 0;
			uint64_t align = huge ? big : base_pg;
			uint64_t size = huge ? big :
					(1 + rng_below(&r, 32)) * base_pg;
			uint64_t va = wbase + rng_below(&r, window / align - 64)
				      * align;
			uint64_t pa = rng_below(&r, pa_span / big) * big +
				      (huge ? 0 : rng_below(&r, 64) * base_pg);
			unsigned flags = huge ? PT_MAP_HUGE : 0;
			int err;

			if (pa + size > pa_span)
				pa = 0;
			if (has_upper && rng_below(&r, 4) == 0)
				va += upper;
			if (g->arch == PT_ARCH_ARM64 && rng_below(&r, 2))
				flags |= PT_MAP_CONT | PT_MAP_HUGE;
			err = mmu_map(mt, va, pa, size, any_prot(&r), flags);
			if (err == -EEXIST)
				continue;
			ASSERT_OK(err);
			if (nreg < cap)
				reg[nreg++] = (struct region){ va, size };
		} else if (op < 9) {
			size_t k = rng_below(&r, nreg);

			ASSERT_OK(mmu_unmap(mt, reg[k].va, reg[k].size));
			reg[k] = reg[--nreg];
		} else if (op < 12) {
			size_t k = rng_below(&r, nreg);

			ASSERT_OK(mmu_protect(mt, reg[k].va, reg[k].size,
					      any_prot(&r)));
		} else {
			/* Mostly inside a region, sometimes anywhere. */
			struct mmu_result a, b;
			uint64_t va, size = 1 + rng_below(&r, 16);
			enum mmu_access acc = (enum mmu_access)
					      rng_below(&r, MMU_NACCESS);
			unsigned where = (unsigned)rng_below(&r, 20);
			int ra, rb;

			if (where < 16) {
				size_t k = rng_below(&r, nreg);

				va = reg[k].va + rng_below(&r, reg[k].size);
			} else if (where < 19) {
				va = wbase + rng_below(&r, window);
			} else {
				va = rng_next(&r);   /* often out of range */
			}
			if (size - 1 > UINT64_MAX - va)
				size = 1;
			ra = mmu_translate(mt, va, size, acc, &a);
			rb = mmu_translate(mw, va, size, acc, &b);
			same_result(ra, &a, rb, &b, va);
			faults[a.fault]++;
		}
	}
	/* The run reached every kind of outcome it is meant to compare. */
	ASSERT_LT(0, faults[MMU_FAULT_NONE]);
	ASSERT_LT(0, faults[MMU_FAULT_NOT_PRESENT]);
	ASSERT_LT(0, faults[MMU_FAULT_RANGE] +
		     (g->va_bits == 32 ? 1 : 0));
	ASSERT_LT(0, faults[MMU_FAULT_PERM]);
	check_counters(mt, true);
	check_counters(mw, false);
	{
		struct mmu_counters c;

		mmu_get_counters(mt, &c);
		uint64_t psc_hits = 0;

		ASSERT_LT(0, c.tlb_hits);
		ASSERT_LT(0, c.straddles);
		for (unsigned p = 0; p < TLB_MAX_PSC; p++)
			psc_hits += c.tlb.psc_hits[p];
		if (tlb_config_of(tlb)->npsc)
			ASSERT_LT(0, psc_hits);
	}
	free(reg);
	mmu_destroy(mt);
	mmu_destroy(mw);
	tlb_destroy(tlb);
	pt_destroy(pt);
}

static struct mmu *make(const char *geo, const char *spec, struct pt **pt,
			struct tlb **tlb, const struct mmu_config *cfg)
{
	struct mmu *m;
	struct reason why;

	ASSERT_OK(pt_create(pt, pt_geometry_find(geo), NULL));
	*tlb = NULL;
	if (spec && tlb_create_spec(tlb, spec, &why))
		TEST_FAIL("%s: %s", spec, why.msg);
	ASSERT_OK(mmu_create(&m, *pt, *tlb, cfg));
	return m;
}

static void unmake(struct mmu *m, struct pt *pt, struct tlb *tlb)
{
	mmu_destroy(m);
	tlb_destroy(tlb);
	pt_destroy(pt);
}

/*
 * The inline hit tells a one-page access by the slot of its first byte
 * holding the page of its last: with every page learned, each access
 * near a base-page boundary (inside a 2M leaf too, and wrapping past
 * 2^64 - 1) must still give two translations, or -EINVAL, exactly when
 * it crosses, whatever the TLB (a fronted page larger than the base page
 * included: that port has no front).
 */
static void straddle_inline(void)
{
	static const char *const specs[] = {
		"skylake", "zen4", "neoverse-n1",
		"pages:4k/2m,l1d.2m:32x4:lru,l1d.4k:64x4:lru",
		"pages:2m,l1d:32x4:lru",
	};
	const uint64_t top = ~0ULL - 0xfff, big = 0x40200000;

	for (unsigned i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct pt *pt;
		struct tlb *tlb;
		struct mmu *m = make("x86-64-4l", specs[i], &pt, &tlb, NULL);
		uint64_t crossings = 0, accesses = 0, va;
		struct mmu_counters c;
		struct mmu_result r;

		/* Pages 0..3 at 1G, a 2M leaf above them, the top page and
		 * page 0. */
		ASSERT_OK(mmu_map(m, 0x40000000, 0x100000, 0x4000, RW, 0));
		ASSERT_OK(mmu_map(m, big, 0x800000, 0x200000, RW,
				  PT_MAP_HUGE));
		ASSERT_OK(mmu_map(m, top, 0x7000, 0x1000, RW, 0));
		ASSERT_OK(mmu_map(m, 0, 0x8000, 0x1000, RW, 0));
		for (int k = 0; k < 2; k++) {
			for (va = 0x40000000; va < 0x40004000; va += 0x1000)
				ASSERT_OK(mmu_translate(m, va, 1, MMU_READ,
							&r));
			for (va = big; va < big + 0x4000; va += 0x1000)
				ASSERT_OK(mmu_translate(m, va, 1, MMU_READ,
							&r));
			ASSERT_OK(mmu_translate(m, top, 1, MMU_READ, &r));
			ASSERT_OK(mmu_translate(m, 0, 1, MMU_READ, &r));
		}
		mmu_counters_reset(m);
		for (uint64_t b = 1; b < 4; b++) {
			for (uint64_t back = 1; back <= 9; back++) {
				for (uint64_t size = 1; size <= 16; size++) {
					uint64_t base[2] = { 0x40000000, big };

					for (int h = 0; h < 2; h++) {
						uint64_t pg = base[h] + b * 0x1000;
						bool cross = back < size;

						va = pg - back;
						ASSERT_OK(mmu_translate(m, va, size,
									MMU_READ,
									&r));
						ASSERT_EQ(r.pages, cross ? 2 : 1);
						ASSERT_EQ(r.pa, (h ? 0x800000 :
							  0x100000) +
							  (va - base[h]));
						ASSERT_EQ(r.pa2, cross ?
							  r.pa + back :
							  PT_PA_NONE);
						crossings += cross;
						accesses++;
					}
				}
			}
		}
		/* Past 2^64 - 1 into page 0: refused, nothing counted. */
		ASSERT_EQ(mmu_translate(m, ~0ULL - 3, 8, MMU_READ, &r),
			  -EINVAL);
		ASSERT_OK(mmu_translate(m, ~0ULL - 7, 8, MMU_READ, &r));
		ASSERT_EQ(r.pa, 0x7ff8);
		accesses++;
		mmu_get_counters(m, &c);
		ASSERT_EQ(c.accesses, accesses);
		ASSERT_EQ(c.straddles, crossings);
		ASSERT_EQ(c.translations, accesses + crossings);
		ASSERT_EQ(c.tlb_hits + c.walks, accesses + crossings);
		/* With 2M TLB pages only, the 4K pages are never cached. */
		ASSERT_EQ(c.walks, i == 4 ? c.uncached : 0);
		ASSERT_EQ(c.uncached > 0, i == 4);
		unmake(m, pt, tlb);
	}
}

static void straddle(void)
{
	struct pt *pt;
	struct tlb *tlb;
	struct mmu *m = make("x86-64-4l", "skylake", &pt, &tlb, NULL);
	struct mmu_counters c;
	struct mmu_result r;
	uint64_t va = 0x40000000;

	ASSERT_OK(mmu_map(m, va, 0x5000, 0x1000, RW, 0));
	ASSERT_OK(mmu_map(m, va + 0x1000, 0x9000, 0x1000, RW, 0));
	/* 8 bytes across the boundary: both pages. */
	ASSERT_OK(mmu_translate(m, va + 0xffc, 8, MMU_WRITE, &r));
	ASSERT_EQ(r.pages, 2);
	ASSERT_EQ(r.pa, 0x5ffc);
	ASSERT_EQ(r.pa2, 0x9000);
	mmu_get_counters(m, &c);
	ASSERT_EQ(c.accesses, 1);
	ASSERT_EQ(c.translations, 2);
	ASSERT_EQ(c.straddles, 1);
	ASSERT_EQ(c.tlb.lookups, 2);
	/* The last byte alone in the page: one translation. */
	ASSERT_OK(mmu_translate(m, va + 0xff8, 8, MMU_READ, &r));
	ASSERT_EQ(r.pages, 1);
	ASSERT_EQ(r.pa2, PT_PA_NONE);
	/* Into an unmapped page: faults on the second. */
	ASSERT_EQ(mmu_translate(m, va + 0x1ffe, 4, MMU_READ, &r), -EFAULT);
	ASSERT_EQ(r.pages, 2);
	ASSERT_EQ(r.fault, MMU_FAULT_NOT_PRESENT);
	ASSERT_EQ(r.fault_va, va + 0x2000);
	ASSERT_EQ(r.pa, PT_PA_NONE);
	/* Across 4K inside a 2M page: two translations, the second hits. */
	ASSERT_OK(mmu_map(m, 0x80000000, 0x40000000, 0x200000, RW,
			  PT_MAP_HUGE));
	mmu_counters_reset(m);
	ASSERT_OK(mmu_translate(m, 0x80000ffe, 4, MMU_READ, &r));
	ASSERT_EQ(r.pages, 2);
	ASSERT_EQ(r.pa, 0x40000ffe);
	ASSERT_EQ(r.pa2, 0x40001000);
	mmu_get_counters(m, &c);
	ASSERT_EQ(c.translations, 2);
	ASSERT_EQ(c.walks, 1);
	ASSERT_EQ(c.tlb.l1.hits_by_size[1], 1);
	/* Zero size and wrapping accesses are rejected, not counted. */
	ASSERT_EQ(mmu_translate(m, va, 0, MMU_READ, &r), -EINVAL);
	ASSERT_EQ(mmu_translate(m, UINT64_MAX - 2, 4, MMU_READ, &r), -EINVAL);
	/*
	 * Sizes near 2^64 wrap back into the page of va, which hits the
	 * TLB: still rejected (the inline path must not take them).
	 */
	ASSERT_OK(mmu_translate(m, 0x80000010, 1, MMU_READ, &r));
	ASSERT_EQ(mmu_translate(m, 0x80000010, UINT64_MAX, MMU_READ, &r),
		  -EINVAL);
	ASSERT_EQ(mmu_translate(m, 0x80000010, UINT64_MAX - 8, MMU_READ,
				&r), -EINVAL);
	mmu_get_counters(m, &c);
	ASSERT_EQ(c.accesses, 2);
	unmake(m, pt, tlb);
}

/* Reads and PSC hits since the last call. */
static void expect_walk(struct mmu *m, uint64_t va, uint64_t reads,
			int psc_level)
{
	struct mmu_counters c0, c1;
	struct mmu_result r;

	mmu_get_counters(m, &c0);
	ASSERT_OK(mmu_translate(m, va, 1, MMU_READ, &r));
	mmu_get_counters(m, &c1);
	ASSERT_EQ(r.source, 0);
	ASSERT_EQ(c1.walk_reads - c0.walk_reads, reads);
	for (int p = 0; p < TLB_MAX_PSC; p++)
		ASSERT_EQ(c1.tlb.psc_hits[p] - c0.tlb.psc_hits[p],
			  p == psc_level);
}

static void psc_skips_levels(void)
{
	struct pt *pt;
	struct tlb *tlb;
	/* skylake PSC levels: 0 pml4e (39), 1 pdpte (30), 2 pde (21). */
	struct mmu *m = make("x86-64-4l", "skylake", &pt, &tlb, NULL);
	uint64_t a = 0x40000000;

	ASSERT_OK(mmu_map(m, a, 0x1000, 0x2000, RW, 0));
	ASSERT_OK(mmu_map(m, a + 0x200000, 0x3000, 0x1000, RW, 0));
	ASSERT_OK(mmu_map(m, a + 0x40000000, 0x4000, 0x1000, RW, 0));
	ASSERT_OK(mmu_map(m, a + 0x8000000000, 0x5000, 0x1000, RW, 0));
	expect_walk(m, a, 4, -1);                 /* cold: the full walk */
	expect_walk(m, a + 0x1000, 1, 2);         /* PDE cached: PT only */
	expect_walk(m, a + 0x200000, 2, 1);       /* PDPTE: PD and PT */
	expect_walk(m, a + 0x40000000, 3, 0);     /* PML4E: PDPT, PD, PT */
	expect_walk(m, a + 0x8000000000, 4, -1);  /* another PML4 entry */
	unmake(m, pt, tlb);

	/* Same walks without PSC: four reads each. */
	m = make("x86-64-4l", "pages:4k/2m/1g,l1d:64x4:lru", &pt, &tlb, NULL);
	ASSERT_OK(mmu_map(m, a, 0x1000, 0x2000, RW, 0));
	expect_walk(m, a, 4, -1);
	expect_walk(m, a + 0x1000, 4, -1);
	unmake(m, pt, tlb);

	/* 5-level: a PML5E hit skips only the root. */
	m = make("x86-64-5l", "pages:4k,l1d:4x4:lru,psc.pml5e:2x2:lru", &pt,
		 &tlb, NULL);
	ASSERT_OK(mmu_map(m, a, 0x1000, 0x2000, RW, 0));
	expect_walk(m, a, 5, -1);
	expect_walk(m, a + 0x1000, 4, 0);
	unmake(m, pt, tlb);
}

static void demand(void)
{
	struct mmu_config cfg = { .demand = true };
	struct pt *pt;
	struct tlb *tlb;
	struct mmu *m = make("x86-64-4l", "skylake", &pt, &tlb, &cfg);
	uint64_t data = 1ULL << 51;   /* x86-64: pa_bits 52 */
	struct mmu_counters c;
	struct mmu_result r;

	ASSERT_OK(mmu_translate(m, 0x7000123, 4, MMU_WRITE, &r));
	ASSERT_EQ(r.pa, data + 0x123);
	ASSERT_OK(mmu_translate(m, 0x1000008, 4, MMU_EXEC, &r));
	ASSERT_EQ(r.pa, data + 0x1000 + 8);
	ASSERT_OK(mmu_translate(m, 0x7000ff0, 4, MMU_READ, &r));
	ASSERT_EQ(r.pa, data + 0xff0);
	mmu_get_counters(m, &c);
	ASSERT_EQ(c.demand_maps, 2);
	ASSERT_EQ(c.walks, 4);        /* two faulting walks, two retries */
	ASSERT_EQ(c.walks_ok, 2);
	ASSERT_EQ(c.faults[MMU_FAULT_NONE], 0);
	ASSERT_EQ(c.faults[MMU_FAULT_NOT_PRESENT], 0);
	/* Out of the VA range: demand paging cannot help. */
	ASSERT_EQ(mmu_translate(m, 0x0000800000000000, 1, MMU_READ, &r),
		  -EFAULT);
	ASSERT_EQ(r.fault, MMU_FAULT_RANGE);
	unmake(m, pt, tlb);

	/* 2M demand pages: one map per 2M, filled as 2M in the TLB. */
	cfg.demand_page_size = 0x200000;
	m = make("x86-64-4l", "skylake", &pt, &tlb, &cfg);
	ASSERT_OK(mmu_translate(m, 0x40012345, 4, MMU_READ, &r));
	ASSERT_EQ(r.pa, data + 0x12345);
	ASSERT_OK(mmu_translate(m, 0x401ff000, 4, MMU_READ, &r));
	ASSERT_EQ(r.pa, data + 0x1ff000);
	ASSERT_EQ(r.source, 1);
	ASSERT_OK(mmu_translate(m, 0x40212345, 4, MMU_READ, &r));
	ASSERT_EQ(r.pa, data + 0x200000 + 0x12345);
	mmu_get_counters(m, &c);
	ASSERT_EQ(c.demand_maps, 2);
	ASSERT_EQ(c.tlb.walks_by_size[1], 2);
	unmake(m, pt, tlb);

	/* Not a leaf size: rejected. */
	cfg.demand_page_size = 0x2000;
	ASSERT_OK(pt_create(&pt, pt_geometry_find("x86-64-4l"), NULL));
	ASSERT_EQ(mmu_create(&m, pt, NULL, &cfg), -EINVAL);
	pt_destroy(pt);
}

static void invalidation(void)
{
	struct pt *pt;
	struct tlb *tlb;
	struct mmu *m = make("x86-64-4l", "skylake", &pt, &tlb, NULL);
	struct mmu_result r;
	uint64_t va = 0x40000000;

	ASSERT_OK(mmu_map(m, va, 0x10000, 0x1000, RW, 0));
	ASSERT_OK(mmu_translate(m, va, 4, MMU_WRITE, &r));
	ASSERT_EQ(r.source, 0);
	/* Behind the MMU's back: the TLB still answers (stale). */
	ASSERT_OK(pt_unmap(pt, va, 0x1000));
	ASSERT_OK(mmu_translate(m, va, 4, MMU_WRITE, &r));
	ASSERT_EQ(r.source, 1);
	ASSERT_EQ(r.pa, 0x10000);
	mmu_flush_all(m);
	ASSERT_EQ(mmu_translate(m, va, 4, MMU_WRITE, &r), -EFAULT);
	ASSERT_EQ(r.fault, MMU_FAULT_NOT_PRESENT);

	/* Through the MMU: protect and unmap take effect at once. */
	ASSERT_OK(mmu_map(m, va, 0x20000, 0x1000, RW, 0));
	ASSERT_OK(mmu_translate(m, va, 4, MMU_WRITE, &r));
	ASSERT_EQ(r.pa, 0x20000);
	ASSERT_OK(mmu_protect(m, va, 0x1000, PT_PROT_READ));
	ASSERT_EQ(mmu_translate(m, va, 4, MMU_WRITE, &r), -EFAULT);
	ASSERT_EQ(r.fault, MMU_FAULT_PERM);
	ASSERT_OK(mmu_translate(m, va, 4, MMU_READ, &r));
	ASSERT_OK(mmu_unmap(m, va, 0x1000));
	ASSERT_EQ(mmu_translate(m, va, 4, MMU_READ, &r), -EFAULT);
	ASSERT_EQ(r.fault, MMU_FAULT_NOT_PRESENT);
	/* The freed tables are not reached through a stale PSC entry. */
	ASSERT_OK(mmu_map(m, va + 0x40000000, 0x30000, 0x1000, RW, 0));
	ASSERT_OK(mmu_map(m, va + 0x1000, 0x40000, 0x1000, RW, 0));
	ASSERT_OK(mmu_translate(m, va + 0x1000, 4, MMU_READ, &r));
	ASSERT_EQ(r.pa, 0x40000);
	ASSERT_OK(mmu_translate(m, va + 0x40000000, 4, MMU_READ, &r));
	ASSERT_EQ(r.pa, 0x30000);
	/* User mode needs USER. */
	unmake(m, pt, tlb);
	{
		struct mmu_config cfg = { .user = true };

		m = make("x86-64-4l", "skylake", &pt, &tlb, &cfg);
		ASSERT_OK(mmu_map(m, va, 0x10000, 0x1000, RW, 0));
		ASSERT_EQ(mmu_translate(m, va, 4, MMU_READ, &r), -EFAULT);
		ASSERT_EQ(r.fault, MMU_FAULT_PERM);
		unmake(m, pt, tlb);
	}
}

/*
 * Two MMUs over one TLB (ASIDs 1 and 2), each with its own port: both take
 * the inline path, each counts its own hits, the TLB counts everyone's.
 * Destroying one leaves the others and the TLB as they were; a third made
 * later over the same TLB hits inline too.
 */
static void shared_tlb(void)
{
	struct mmu_config c1 = { .asid = 1 }, c2 = { .asid = 2 };
	struct mmu *a, *b, *d;
	struct mmu_counters ca, cb;
	struct mmu_result r;
	struct pt *pt;
	struct tlb *tlb;
	uint64_t va = 0x40000000;

	a = make("x86-64-4l", "skylake", &pt, &tlb, &c1);
	ASSERT_OK(mmu_create(&b, pt, tlb, &c2));
	ASSERT_OK(mmu_map(a, va, 0x5000, 0x1000, RW, 0));
	for (int k = 0; k < 3; k++) {
		ASSERT_OK(mmu_translate(a, va + 8, 8, MMU_READ, &r));
		ASSERT_EQ(r.pa, 0x5008);
		ASSERT_EQ(r.source, k ? 1 : 0);
	}
	for (int k = 0; k < 2; k++) {
		ASSERT_OK(mmu_translate(b, va + 16, 8, MMU_WRITE, &r));
		ASSERT_EQ(r.pa, 0x5010);
		ASSERT_EQ(r.source, k ? 1 : 0);
	}
	mmu_get_counters(a, &ca);
	mmu_get_counters(b, &cb);
	ASSERT_EQ(ca.accesses, 3);
	ASSERT_EQ(ca.tlb_hits, 2);
	ASSERT_EQ(ca.walks, 1);
	ASSERT_EQ(cb.accesses, 2);
	ASSERT_EQ(cb.tlb_hits, 1);
	ASSERT_EQ(cb.walks, 1);
	ASSERT_EQ(cb.tlb.lookups, 5);
	ASSERT_EQ(cb.tlb.l1.hits, 3);
	/* Each MMU's hits after its fill were inline, the second's too. */
	ASSERT_EQ(tlb_port_hits(&mmu_fast(a)->port), 2);
	ASSERT_EQ(tlb_port_hits(&mmu_fast(b)->port), 1);
	ASSERT_OK(mmu_translate(b, va + 16, 8, MMU_WRITE, &r));
	ASSERT_EQ(r.source, 1);
	ASSERT_EQ(tlb_port_hits(&mmu_fast(b)->port), 2);
	mmu_counters_reset(a);
	mmu_get_counters(a, &ca);
	ASSERT_EQ(ca.tlb_hits, 0);
	mmu_destroy(a);
	/* ASID 1's entry hits for a newcomer of that ASID. */
	ASSERT_OK(mmu_create(&d, pt, tlb, &c1));
	ASSERT_OK(mmu_translate(d, va, 8, MMU_READ, &r));
	ASSERT_EQ(r.source, 1);
	ASSERT_OK(mmu_translate(b, va, 8, MMU_READ, &r));
	mmu_get_counters(d, &ca);
	mmu_get_counters(b, &cb);
	ASSERT_EQ(ca.accesses, 1);
	ASSERT_EQ(ca.tlb_hits, 1);
	ASSERT_EQ(cb.accesses, 4);
	ASSERT_EQ(cb.tlb_hits, 3);
	mmu_destroy(b);
	unmake(d, pt, tlb);
}

/*
 * mmu_batch: the same accesses through mmu_translate() on one MMU and
 * through batches on another (each with its own page table and TLB, both
 * demand paging; every other batch through mmu_batch_hit(), and
 * mmu_batch_call() where it declines, instead of mmu_batch_translate())
 * give the same returns and the same counters, whatever
 * the policy (hits inline in the batch, tree-PLRU's touch a call); the
 * port stays valid.  Accesses: mostly a small working set (hits), some
 * straddling, some larger than 1K, some of an invalid kind (-EINVAL) and
 * some out of the VA range (a fault ends the batch, the next starts after
 * it).
 */
static void batch(void)
{
	static const char *const specs[] = {
		"skylake", "zen4", "l1d:64x4:lru", "l1d:16x16:lru,l2:256x8:lru",
		"l1d:64x4:fifo", "l1d:64x4:plru", "l1d:64x4:random,seed:7",
		"pages:4k/2m,l1d.2m:32x4:lru,l1d.4k:64x4:lru", "none",
	};
	struct mmu_config cfg = { .demand = true };
	enum { N = 20000 };
	static uint64_t va[N], size[N];
	static unsigned acc[N];

	for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		struct pt *pt1, *pt2;
		struct tlb *t1, *t2;
		struct mmu *m1 = make("x86-64-4l", specs[k], &pt1, &t1, &cfg);
		struct mmu *m2 = make("x86-64-4l", specs[k], &pt2, &t2, &cfg);
		struct mmu_counters c1, c2;
		struct mmu_result r;
		struct reason why;
		struct rng rg;
		size_t i = 0, calls = 0;
		int ret1[N];

		rng_seed(&rg, SEED + k);
		for (size_t j = 0; j < N; j++) {
			unsigned w = (unsigned)rng_below(&rg, 100);

			va[j] = 0x10000000 + rng_below(&rg, 48) * 4096 +
				rng_below(&rg, 4096);
			size[j] = 1 + rng_below(&rg, 8);
			acc[j] = (unsigned)rng_below(&rg, MMU_NACCESS);
			if (w < 3)
				size[j] = 1025 + rng_below(&rg, 3000);
			else if (w < 5)
				acc[j] = MMU_NACCESS;
			else if (w < 6)
				va[j] = 0x0000800000000000 + va[j];
			else if (w < 9)
				va[j] |= 4095;
			ret1[j] = mmu_translate(m1, va[j], size[j],
						(enum mmu_access)acc[j], &r);
		}
		while (i < N) {
			struct mmu_batch b;
			size_t n = 1 + rng_below(&rg, 700);

			if (n > N - i)
				n = N - i;
			mmu_batch_begin(&b, m2);
			for (; n; n--, i++) {
				enum mmu_access a = (enum mmu_access)acc[i];
				int ret;

				/* Every other batch as a table-driven client
				 * does it: the inline hit, else the call. */
				if (!(calls & 1))
					ret = mmu_batch_translate(&b, va[i],
								  size[i], a);
				else if (a < MMU_NACCESS &&
					 mmu_batch_hit(&b, va[i], size[i],
						mmu_batch_key(&b, a),
						(enum tlb_hit_action)b.hit))
					ret = 0;
				else
					ret = mmu_batch_call(&b, va[i],
							     size[i], a);

				ASSERT_EQ(ret, ret1[i]);
				if (ret) {
					i++;
					break;
				}
			}
			mmu_batch_end(&b);
			calls++;
			if (tlb_port_check(&mmu_fast(m2)->port, &why))
				TEST_FAIL("%s: %s", specs[k], why.msg);
		}
		ASSERT_LT(100, calls);
		mmu_get_counters(m1, &c1);
		mmu_get_counters(m2, &c2);
		if (memcmp(&c1, &c2, sizeof(c1)))
			TEST_FAIL("%s: the batch's counters differ "
				  "(translations %llu/%llu, tlb hits %llu/%llu, "
				  "walks %llu/%llu)", specs[k],
				  (unsigned long long)c1.translations,
				  (unsigned long long)c2.translations,
				  (unsigned long long)c1.tlb_hits,
				  (unsigned long long)c2.tlb_hits,
				  (unsigned long long)c1.walks,
				  (unsigned long long)c2.walks);
		/* Every kind of access the batch must answer occurred. */
		ASSERT_LT(0, c1.straddles);
		ASSERT_LT(0, c1.faults[MMU_FAULT_RANGE]);
		if (strcmp(specs[k], "none") && c1.tlb_hits < N / 2)
			TEST_FAIL("%s: %llu TLB hits", specs[k],
				  (unsigned long long)c1.tlb_hits);
		unmake(m1, pt1, t1);
		unmake(m2, pt2, t2);
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (int k = 0; k < 2; k++)
			differential(&cases[i], cases[i].tlb[k], k == 1);
	straddle();
	straddle_inline();
	psc_skips_levels();
	demand();
	invalidation();
	shared_tlb();
	batch();
	return 0;
}
