/* SPDX-License-Identifier: MIT */
/*
 * k MMUs over one TLB against a reference simulator written here.
 *
 * One seeded stream of 10^6 translations is spread over k = 1, 2 and 4
 * MMUs (ASIDs 1..k) that share one page table and one TLB; a quarter of
 * the pages are global, some are 2M leaves, some read-only (writes fault),
 * some unmapped; now and then an ASID or a page is flushed.  The reference
 * below is the TLB policy of tlb.h spelt out plainly (one loop per probe,
 * no fronts, no tricks) with pt_walk() as the walker.  Every result and
 * every counter of every MMU and of the TLB must be identical.  PSC
 * counters are not modelled (the shapes tested have no PSC).
 *
 * Conventions: "ref" is the reference, "rs" one of its structures; a
 * structure's entry i = set * ways + way, as in tlb.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/mmu.h>
#include <vmbench/rng.h>

#include "../test.h"

#define SEED 8080
#define NOPS 1000000
#define VBASE 0x40000000ULL      /* 1G aligned */
#define NPAGES 3072               /* 4K pages in [VBASE, +12M) */
#define HUGE_AT (VBASE + (16ULL << 20))  /* 8 2M pages */
#define NHUGE 8

struct ref_ent {
	bool valid, global;
	uint16_t asid;
	uint8_t si;
	uint64_t vpn;             /* in the structure's size si */
	uint64_t phys;
	uint32_t perm;
	uint64_t age;
};

struct ref_st {
	uint32_t sets, ways;
	bool lru;                 /* else FIFO */
	uint32_t size_mask;
	struct ref_ent *e;
};

struct ref {
	const struct tlb_config *cfg;
	struct ref_st l1[TLB_MAX_STRUCTS], l2[TLB_MAX_STRUCTS];
	unsigned nl1, nl2;
	uint64_t clock;
	struct tlb_counters c;
};

struct ref_mmu {
	uint64_t accesses, translations, tlb_hits, walks, walks_ok, uncached;
	uint64_t faults[MMU_NFAULT];
};

static void ref_init_level(struct ref_st *rs,
			   const struct tlb_struct_config *sc, unsigned n)
{
	for (unsigned s = 0; s < n; s++) {
		ASSERT(sc[s].policy == TLB_LRU || sc[s].policy == TLB_FIFO);
		rs[s].ways = sc[s].ways;
		rs[s].sets = sc[s].entries / sc[s].ways;
		rs[s].lru = sc[s].policy == TLB_LRU;
		rs[s].size_mask = sc[s].size_mask;
		rs[s].e = calloc(sc[s].entries, sizeof(*rs[s].e));
		ASSERT(rs[s].e);
	}
}

static void ref_init(struct ref *ref, const struct tlb_config *cfg)
{
	memset(ref, 0, sizeof(*ref));
	ref->cfg = cfg;
	ref->nl1 = cfg->nl1;
	ref->nl2 = cfg->nl2;
	ref_init_level(ref->l1, cfg->l1, cfg->nl1);
	ref_init_level(ref->l2, cfg->l2, cfg->nl2);
}

static void ref_free(struct ref *ref)
{
	for (unsigned s = 0; s < ref->nl1; s++)
		free(ref->l1[s].e);
	for (unsigned s = 0; s < ref->nl2; s++)
		free(ref->l2[s].e);
}

/* The first way of the set of @va in size @si that answers @asid, or -1. */
static int64_t ref_find(const struct ref *ref, const struct ref_st *rs,
			unsigned si, uint64_t va, uint16_t asid)
{
	uint64_t vpn = va >> ref->cfg->page_shift[si];
	uint64_t base = (vpn % rs->sets) * rs->ways;

	for (uint32_t w = 0; w < rs->ways; w++) {
		const struct ref_ent *e = &rs->e[base + w];

		if (e->valid && e->si == si && e->vpn == vpn &&
		    (e->global || e->asid == asid))
			return (int64_t)(base + w);
	}
	return -1;
}

/* Probe every structure of a level, sizes smallest first. */
static struct ref_ent *ref_probe(struct ref *ref, struct ref_st *lv,
				 unsigned n, uint64_t va, uint16_t asid)
{
	for (unsigned s = 0; s < n; s++)
		for (unsigned si = 0; si < ref->cfg->npage_sizes; si++) {
			int64_t i;

			if (!(lv[s].size_mask & 1u << si))
				continue;
			i = ref_find(ref, &lv[s], si, va, asid);
			if (i < 0)
				continue;
			if (lv[s].lru)
				lv[s].e[i].age = ++ref->clock;
			return &lv[s].e[i];
		}
	return NULL;
}

static void ref_insert(struct ref *ref, struct ref_st *lv, unsigned n,
		       struct tlb_level_counters *c, const struct ref_ent *d)
{
	struct ref_st *rs = NULL;
	uint64_t base;
	uint32_t w, inval = UINT32_MAX, victim = 0;

	for (unsigned s = 0; s < n; s++)
		if (lv[s].size_mask & 1u << d->si)
			rs = &lv[s];
	if (!rs)
		return;
	c->fills++;
	base = (d->vpn % rs->sets) * rs->ways;
	for (w = 0; w < rs->ways; w++) {
		const struct ref_ent *o = &rs->e[base + w];

		if (o->valid && o->si == d->si && o->vpn == d->vpn &&
		    (o->asid == d->asid || o->global || d->global))
			break;
	}
	if (w == rs->ways) {
		for (w = 0; w < rs->ways; w++)
			if (!rs->e[base + w].valid) {
				inval = w;
				break;
			}
		if (inval == UINT32_MAX) {
			for (w = 1; w < rs->ways; w++)
				if (rs->e[base + w].age <
				    rs->e[base + victim].age)
					victim = w;
			c->evictions++;
			w = victim;
		} else {
			w = inval;
		}
	}
	rs->e[base + w] = *d;
	rs->e[base + w].valid = true;
	rs->e[base + w].age = ++ref->clock;
}

/* tlb_lookup(): 1 L1 hit, 2 L2 hit, 0 walk. */
static int ref_lookup(struct ref *ref, uint64_t va, uint16_t asid,
		      uint64_t *phys, uint32_t *perm, unsigned *shift)
{
	struct ref_ent *e;

	ref->c.lookups++;
	if (ref->nl1) {
		ref->c.l1.accesses++;
		e = ref_probe(ref, ref->l1, ref->nl1, va, asid);
		if (e) {
			ref->c.l1.hits++;
			ref->c.l1.hits_by_size[e->si]++;
			*phys = e->phys;
			*perm = e->perm;
			*shift = ref->cfg->page_shift[e->si];
			return 1;
		}
		ref->c.l1.misses++;
	}
	if (ref->nl2) {
		ref->c.l2.accesses++;
		e = ref_probe(ref, ref->l2, ref->nl2, va, asid);
		if (e) {
			struct ref_ent d = *e;

			ref->c.l2.hits++;
			ref->c.l2.hits_by_size[e->si]++;
			*phys = e->phys;
			*perm = e->perm;
			*shift = ref->cfg->page_shift[e->si];
			if (ref->nl1) {
				ref->c.l1.misses_by_size[d.si]++;
				d.asid = asid;   /* refilled for the lookup */
				ref_insert(ref, ref->l1, ref->nl1, &ref->c.l1,
					   &d);
			}
			return 2;
		}
		ref->c.l2.misses++;
	}
	ref->c.walks++;
	return 0;
}

static void ref_fill(struct ref *ref, uint64_t va, uint16_t asid,
		     unsigned si, uint64_t pa, uint32_t perm, bool global)
{
	unsigned shift = ref->cfg->page_shift[si];
	struct ref_ent d = {
		.global = global, .asid = asid, .si = (uint8_t)si,
		.vpn = va >> shift, .phys = pa & ~((1ULL << shift) - 1),
		.perm = perm,
	};

	ref->c.fills++;
	ref->c.walks_by_size[si]++;
	if (ref->nl1)
		ref->c.l1.misses_by_size[si]++;
	if (ref->nl2)
		ref->c.l2.misses_by_size[si]++;
	ref_insert(ref, ref->l1, ref->nl1, &ref->c.l1, &d);
	ref_insert(ref, ref->l2, ref->nl2, &ref->c.l2, &d);
}

static void ref_flush_level(struct ref *ref, struct ref_st *lv, unsigned n,
			    bool page, uint64_t va, uint16_t asid)
{
	for (unsigned s = 0; s < n; s++) {
		uint64_t entries = (uint64_t)lv[s].sets * lv[s].ways;

		for (uint64_t i = 0; i < entries; i++) {
			struct ref_ent *e = &lv[s].e[i];
			bool hit;

			if (!e->valid)
				continue;
			if (page)
				hit = e->vpn == va >> ref->cfg->page_shift[e->si]
				      && (e->global || e->asid == asid);
			else
				hit = !e->global && e->asid == asid;
			if (hit) {
				e->valid = false;
				ref->c.entries_flushed++;
			}
		}
	}
}

static void ref_flush(struct ref *ref, bool page, uint64_t va, uint16_t asid)
{
	if (page)
		ref->c.flush_page++;
	else
		ref->c.flush_asid++;
	ref_flush_level(ref, ref->l1, ref->nl1, page, va, asid);
	ref_flush_level(ref, ref->l2, ref->nl2, page, va, asid);
}

/* One translation of 8 bytes at @va, as mmu_translate() defines it. */
static int ref_translate(struct ref *ref, struct ref_mmu *rm,
			 const struct pt *pt, uint64_t va, uint16_t asid,
			 uint32_t need, uint64_t *pa, uint8_t *fault)
{
	uint64_t phys;
	uint32_t perm;
	unsigned shift;
	int hit;

	rm->accesses++;
	rm->translations++;
	hit = ref_lookup(ref, va, asid, &phys, &perm, &shift);
	if (hit) {
		rm->tlb_hits++;
		*pa = phys | (va & ((1ULL << shift) - 1));
	} else {
		struct pt_walk w;
		int si = -1;

		rm->walks++;
		pt_walk(pt, va, &w);
		if (w.fault) {
			rm->faults[w.fault]++;
			*fault = w.fault;
			*pa = PT_PA_NONE;
			return -EFAULT;
		}
		rm->walks_ok++;
		for (unsigned i = 0; i < ref->cfg->npage_sizes; i++)
			if (1ULL << ref->cfg->page_shift[i] <= w.size)
				si = (int)i;
		if (si >= 0)
			ref_fill(ref, va, asid, (unsigned)si, w.pa, w.prot,
				 w.prot & PT_PROT_GLOBAL);
		else
			rm->uncached++;
		perm = w.prot;
		*pa = w.pa;
	}
	if ((perm & need) != need) {
		rm->faults[MMU_FAULT_PERM]++;
		*fault = MMU_FAULT_PERM;
		*pa = PT_PA_NONE;
		return -EFAULT;
	}
	*fault = MMU_FAULT_NONE;
	return 0;
}

static void same_level(const struct tlb_level_counters *a,
		       const struct tlb_level_counters *b)
{
	ASSERT_EQ(a->accesses, b->accesses);
	ASSERT_EQ(a->hits, b->hits);
	ASSERT_EQ(a->misses, b->misses);
	ASSERT_EQ(a->fills, b->fills);
	ASSERT_EQ(a->evictions, b->evictions);
	for (unsigned i = 0; i < TLB_MAX_PAGE_SIZES; i++) {
		ASSERT_EQ(a->hits_by_size[i], b->hits_by_size[i]);
		ASSERT_EQ(a->misses_by_size[i], b->misses_by_size[i]);
	}
}

static void same_counters(struct mmu *const *m, const struct ref_mmu *rm,
			  unsigned k, const struct ref *ref)
{
	for (unsigned i = 0; i < k; i++) {
		struct mmu_counters c;

		mmu_get_counters(m[i], &c);
		ASSERT_EQ(c.accesses, rm[i].accesses);
		ASSERT_EQ(c.translations, rm[i].translations);
		ASSERT_EQ(c.tlb_hits, rm[i].tlb_hits);
		ASSERT_EQ(c.walks, rm[i].walks);
		ASSERT_EQ(c.walks_ok, rm[i].walks_ok);
		ASSERT_EQ(c.uncached, rm[i].uncached);
		ASSERT_EQ(c.straddles, 0);
		for (unsigned f = 0; f < MMU_NFAULT; f++)
			ASSERT_EQ(c.faults[f], rm[i].faults[f]);
		if (i == 0) {
			const struct tlb_counters *a = &c.tlb, *b = &ref->c;

			ASSERT_EQ(a->lookups, b->lookups);
			same_level(&a->l1, &b->l1);
			same_level(&a->l2, &b->l2);
			ASSERT_EQ(a->walks, b->walks);
			ASSERT_EQ(a->fills, b->fills);
			for (unsigned s = 0; s < TLB_MAX_PAGE_SIZES; s++)
				ASSERT_EQ(a->walks_by_size[s],
					  b->walks_by_size[s]);
			ASSERT_EQ(a->flush_asid, b->flush_asid);
			ASSERT_EQ(a->flush_page, b->flush_page);
			ASSERT_EQ(a->entries_flushed, b->entries_flushed);
		}
	}
}

/* The address space all MMUs share; see the top of the file. */
static void map_all(struct pt *pt)
{
	for (uint64_t p = 0; p < NPAGES; p++) {
		uint32_t prot = PT_PROT_READ;

		if (p % 7 == 3)
			continue;                     /* unmapped */
		if (p % 5)
			prot |= PT_PROT_WRITE;        /* else read-only */
		if (p % 4 == 0)
			prot |= PT_PROT_GLOBAL;
		ASSERT_OK(pt_map(pt, VBASE + (p << 12),
				 0x100000000ULL + (p << 12), 4096, prot, 0));
	}
	ASSERT_OK(pt_map(pt, HUGE_AT, 0x200000000ULL, NHUGE << 21,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL,
			 PT_MAP_HUGE));
}

/* A skewed random address: mostly a hot set, sometimes anywhere. */
static uint64_t pick_va(struct rng *r)
{
	uint64_t u = rng_below(r, 100), off = rng_below(r, 4096 - 8) & ~7ULL;

	if (u < 10)
		return HUGE_AT + (rng_below(r, NHUGE << 21) & ~7ULL);
	if (u < 75)
		return VBASE + (rng_below(r, 96) << 12) + off;
	return VBASE + (rng_below(r, NPAGES) << 12) + off;
}

static void run(const char *spec, unsigned k)
{
	struct mmu *m[4];
	struct ref_mmu rm[4];
	struct tlb_config cfg;
	struct ref ref;
	struct reason why;
	struct tlb *tlb;
	struct pt *pt;
	struct rng r;

	ASSERT(k <= 4);
	if (tlb_config_parse(spec, &cfg, &why))
		TEST_FAIL("%s: %s", spec, why.msg);
	ASSERT_EQ(cfg.npsc, 0);
	ASSERT_OK(tlb_create(&tlb, &cfg));
	ASSERT_OK(pt_create(&pt, pt_geometry_find("x86-64-4l"), NULL));
	map_all(pt);
	ref_init(&ref, &cfg);
	memset(rm, 0, sizeof(rm));
	for (unsigned i = 0; i < k; i++) {
		struct mmu_config mc = { .asid = (uint16_t)(i + 1) };

		ASSERT_OK(mmu_create(&m[i], pt, tlb, &mc));
	}
	rng_seed(&r, SEED + k);
	for (long op = 0; op < NOPS; op++) {
		unsigned i = (unsigned)rng_below(&r, k);
		uint16_t asid = (uint16_t)(i + 1);
		uint64_t va = pick_va(&r), pa;
		bool write = rng_below(&r, 4) == 0;
		struct mmu_result res;
		uint8_t fault;
		int got, want;

		if (op % 49999 == 49998) {
			tlb_flush_asid(tlb, asid);
			ref_flush(&ref, false, 0, asid);
		} else if (op % 7919 == 7918) {
			tlb_flush_page(tlb, va, asid);
			ref_flush(&ref, true, va, asid);
		}
		got = mmu_translate(m[i], va, 8, write ? MMU_WRITE : MMU_READ,
				    &res);
		want = ref_translate(&ref, &rm[i], pt, va, asid,
				     write ? PT_PROT_WRITE : PT_PROT_READ,
				     &pa, &fault);
		if (got != want || res.pa != pa || res.fault != fault)
			TEST_FAIL("%s k=%u op %ld va %#llx asid %u: ret %d pa "
				  "%#llx fault %u; reference %d %#llx %u",
				  spec, k, op, (unsigned long long)va, asid,
				  got, (unsigned long long)res.pa, res.fault,
				  want, (unsigned long long)pa, fault);
		if (op % 100000 == 0) {
			same_counters(m, rm, k, &ref);
			for (unsigned j = 0; j < k; j++)
				if (tlb_port_check(&mmu_fast(m[j])->port,
						   &why))
					TEST_FAIL("port %u: %s", j, why.msg);
		}
	}
	same_counters(m, rm, k, &ref);
	/* Every MMU took the inline path at least once. */
	for (unsigned i = 0; i < k; i++)
		ASSERT_LT(0, tlb_port_hits(&mmu_fast(m[i])->port));
	/* Any order: the TLB and the page table go first. */
	tlb_destroy(tlb);
	pt_destroy(pt);
	for (unsigned i = 0; i < k; i++)
		mmu_destroy(m[i]);
	ref_free(&ref);
}

int main(void)
{
	static const char *const specs[] = {
		"zen4", "neoverse-n1",
		/* skylake's TLB without its PSC */
		"pages:4k/2m/1g,l1d.4k:64x4:lru,l1d.2m:32x4:lru,"
		"l1d.1g:4x4:lru,l2.4k+2m:1536x12:lru,l2.1g:16x4:lru",
		"pages:4k/2m,l1d.4k:32x8:fifo,l1d.2m:8x2:lru,l2.all:256x4:lru",
	};

	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++)
		for (unsigned k = 1; k <= 4; k *= 2)
			run(specs[s], k);
	return 0;
}
