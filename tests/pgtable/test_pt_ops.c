/* SPDX-License-Identifier: MIT */
/*
 * map / walk / unmap / protect on every geometry and on small fan-out
 * variants (deep trees from small inputs), and a seeded random sequence
 * checked against a plain list of leaves.
 */
#include <errno.h>
#include <stdlib.h>

#include <vmbench/pgtable.h>
#include <vmbench/reason.h>
#include <vmbench/rng.h>

#include "../test.h"

#define SEED 42
#define RW (PT_PROT_READ | PT_PROT_WRITE)

/* Small fan-out variants: 4 levels of 2-3 bits over 4K pages. */
static const struct pt_geometry tiny[] = {
	{ "x86-tiny", "x86-64 entries, 2-bit levels", PT_ARCH_X86_64, 4, 20,
	  52, 12, 8, { 2, 2, 2, 2 }, 0x7, { 0 } },
	{ "arm64-tiny", "arm64 entries, 3-bit levels", PT_ARCH_ARM64, 3, 21,
	  48, 12, 8, { 3, 3, 3 }, 0x3, { 4, 2 } },
	{ "sv-tiny", "RISC-V entries, 2-bit levels", PT_ARCH_RISCV, 4, 20,
	  56, 12, 8, { 2, 2, 2, 2 }, 0xf, { 0 } },
};

static uint64_t psz(const struct pt_geometry *g)
{
	return 1ULL << g->page_shift;
}

/* A VA in the upper half, where the geometry has one. */
static bool upper_half(const struct pt_geometry *g, uint64_t *va)
{
	if (g->arch == PT_ARCH_X86_32 || g->arch == PT_ARCH_X86_PAE)
		return false;
	if (g->arch == PT_ARCH_ARM64)
		*va = ~0ULL << g->va_bits;
	else
		*va = ~0ULL << (g->va_bits - 1);
	return true;
}

static void expect_walk(const struct pt *pt, uint64_t va, uint64_t pa,
			uint64_t size, uint32_t prot)
{
	const struct pt_geometry *g = pt_geometry_of(pt);
	struct pt_walk w;
	uint64_t got = pt_walk(pt, va, &w);

	if (w.fault != PT_FAULT_NONE)
		TEST_FAIL("%s: walk %#llx faults %u at level %u", g->name,
			  (unsigned long long)va, w.fault, w.level);
	ASSERT_EQ(got, pa);
	ASSERT_EQ(w.pa, pa);
	ASSERT_EQ(w.size, size);
	if ((w.prot & ~(uint32_t)(PT_PROT_ACCESSED | PT_PROT_DIRTY)) !=
	    (prot & ~(uint32_t)(PT_PROT_ACCESSED | PT_PROT_DIRTY)))
		TEST_FAIL("%s: walk %#llx prot %#x want %#x", g->name,
			  (unsigned long long)va, w.prot, prot);
	ASSERT_EQ(w.start, g->levels - 1);
	ASSERT_EQ(w.reads, g->levels - w.level);
	ASSERT_EQ(w.table[g->levels - 1], pt_root(pt));
	/* Restarting at any level from the recorded table gives the same. */
	for (unsigned l = w.level; l < g->levels; l++) {
		struct pt_walk w2;

		ASSERT_EQ(pt_walk_from(pt, va, l, w.table[l], &w2), pa);
		ASSERT_EQ(w2.reads, l - w.level + 1);
		ASSERT_EQ(w2.size, w.size);
		ASSERT_EQ(w2.prot, w.prot);
	}
}

static void expect_fault(const struct pt *pt, uint64_t va, int fault)
{
	struct pt_walk w;

	ASSERT_EQ(pt_walk(pt, va, &w), PT_PA_NONE);
	ASSERT_EQ(w.fault, fault);
}

static void only_root(const struct pt *pt)
{
	const struct pt_geometry *g = pt_geometry_of(pt);
	struct pt_stats st;

	pt_get_stats(pt, &st);
	for (unsigned l = 0; l < g->levels; l++) {
		ASSERT_EQ(st.tables[l], l == g->levels - 1u);
		ASSERT_EQ(st.leaves[l], 0);
	}
	ASSERT_EQ(st.frames, 1);
	ASSERT_EQ(pt_mem_frames_in_use(pt_mem_of(pt)), 1);
}

static void test_basic(const struct pt_geometry *g)
{
	uint64_t p = psz(g), l1 = pt_level_size(g, 1);
	/* 40 pages across a level-1 boundary, so two level-0 tables. */
	uint64_t va = 20 * l1 - 20 * p, pa = 0x40000000ULL, hi;
	bool wide = l1 / p >= 20;  /* 40 pages span two level-0 tables */
	uint32_t prot = pt_prot_fit(g, RW | PT_PROT_USER);
	struct pt *pt;
	struct pt_stats st;

	ASSERT_OK(pt_create(&pt, g, NULL));
	only_root(pt);
	expect_fault(pt, va, PT_FAULT_NOT_PRESENT);
	ASSERT_OK(pt_map(pt, va, pa, 40 * p, prot, 0));
	for (uint64_t i = 0; i < 40; i++)
		expect_walk(pt, va + i * p + 5, pa + i * p + 5, p, prot);
	expect_fault(pt, va - p, PT_FAULT_NOT_PRESENT);
	expect_fault(pt, va + 40 * p, PT_FAULT_NOT_PRESENT);
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.leaves[0], 40);
	if (wide)
		ASSERT_EQ(st.tables[0], 2);

	/* Bad arguments and overlap change nothing. */
	ASSERT_EQ(pt_map(pt, va + 39 * p, 0, 2 * p, prot, 0), -EEXIST);
	ASSERT_EQ(pt_map(pt, va - p, 0, 2 * p, prot, 0), -EEXIST);
	ASSERT_EQ(pt_map(pt, va + 1, 0, p, prot, 0), -EINVAL);
	ASSERT_EQ(pt_map(pt, va - 8 * p, 1, p, prot, 0), -EINVAL);
	ASSERT_EQ(pt_map(pt, va - 8 * p, 0, 0, prot, 0), -EINVAL);
	ASSERT_EQ(pt_map(pt, 1ULL << 62, 0, p, prot, 0), -EINVAL);
	ASSERT_EQ(pt_map(pt, va - 8 * p, 1ULL << g->pa_bits, p, prot, 0),
		  -EINVAL);
	ASSERT_EQ(pt_map(pt, va - 8 * p, 0, p, prot, 0x80), -EINVAL);
	expect_fault(pt, va - p, PT_FAULT_NOT_PRESENT);
	expect_fault(pt, 1ULL << 62, PT_FAULT_RANGE);
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.leaves[0], 40);

	/* Protect: read-only on the middle, then a hole is refused. */
	uint32_t ro = pt_prot_fit(g, PT_PROT_READ);
	ASSERT_OK(pt_protect(pt, va + 10 * p, 10 * p, ro));
	expect_walk(pt, va + 9 * p, pa + 9 * p, p, prot);
	expect_walk(pt, va + 10 * p, pa + 10 * p, p, ro);
	expect_walk(pt, va + 19 * p, pa + 19 * p, p, ro);
	expect_walk(pt, va + 20 * p, pa + 20 * p, p, prot);
	ASSERT_EQ(pt_protect(pt, va + 39 * p, 2 * p, ro), -ENOENT);
	expect_walk(pt, va + 39 * p, pa + 39 * p, p, prot);

	/* Unmap in two pieces; holes inside an unmap are fine. */
	ASSERT_OK(pt_unmap(pt, va + 30 * p, 10 * p));
	expect_fault(pt, va + 30 * p, PT_FAULT_NOT_PRESENT);
	pt_get_stats(pt, &st);
	if (wide)
		ASSERT_EQ(st.tables[0], 2);
	ASSERT_OK(pt_unmap(pt, va + 20 * p, 10 * p));
	pt_get_stats(pt, &st);
	if (wide)
		ASSERT_EQ(st.tables[0], 1);  /* the second level-0 table went */
	ASSERT_OK(pt_unmap(pt, va - 20 * p, 80 * p));
	only_root(pt);

	/* The upper half of the address space. */
	if (upper_half(g, &hi)) {
		ASSERT_OK(pt_map(pt, hi, pa, 3 * p, prot, 0));
		expect_walk(pt, hi + 2 * p, pa + 2 * p, p, prot);
		ASSERT_EQ(pt_map(pt, hi - p, pa, 2 * p, prot, 0), -EINVAL);
		ASSERT_OK(pt_unmap(pt, hi, 3 * p));
		/* The very top page: a range ending at 2^64 - 1. */
		ASSERT_OK(pt_map(pt, -p, pa, p, prot, 0));
		expect_walk(pt, ~0ULL, pa + p - 1, p, prot);
		ASSERT_OK(pt_unmap(pt, -p, p));
		only_root(pt);
	}
	pt_destroy(pt);
}

static void test_huge(const struct pt_geometry *g)
{
	uint32_t prot = pt_prot_fit(g, RW);
	struct pt *pt;
	struct pt_stats st;

	ASSERT_OK(pt_create(&pt, g, NULL));
	for (unsigned l = 1; l < g->levels; l++) {
		uint64_t sz = pt_level_size(g, l), va = sz, pa = sz;

		if (!(g->leaf_levels & (1u << l)) || sz > (1ULL << 40))
			continue;
		if (l + 1 == g->levels)
			va = 0;
		ASSERT_OK(pt_map(pt, va, pa, sz, prot, PT_MAP_HUGE));
		expect_walk(pt, va + sz - 1, pa + sz - 1, sz, prot);
		pt_get_stats(pt, &st);
		ASSERT_EQ(st.leaves[l], 1);
		for (unsigned k = 0; k < l; k++)
			ASSERT_EQ(st.tables[k], 0);
		/* No splitting of a huge leaf. */
		ASSERT_EQ(pt_unmap(pt, va, sz / 2), -EINVAL);
		ASSERT_EQ(pt_protect(pt, va + sz / 2, sz / 2, prot), -EINVAL);
		ASSERT_OK(pt_protect(pt, va, sz, pt_prot_fit(g, 0)));
		expect_walk(pt, va, pa, sz, pt_prot_fit(g, 0));
		ASSERT_OK(pt_unmap(pt, va, sz));
		only_root(pt);

		/* Misaligned pa: base pages even with PT_MAP_HUGE. */
		if (sz <= (1ULL << 31)) {
			ASSERT_OK(pt_map(pt, va, pa + psz(g), sz, prot,
					 PT_MAP_HUGE));
			expect_walk(pt, va, pa + psz(g), psz(g), prot);
			pt_get_stats(pt, &st);
			ASSERT_EQ(st.leaves[l], 0);
			ASSERT_OK(pt_unmap(pt, va, sz));
			only_root(pt);
		}
	}
	pt_destroy(pt);
}

static void test_contig(const struct pt_geometry *g)
{
	uint64_t p = psz(g), n = g->contig[0], run = n * p;
	uint32_t prot = pt_prot_fit(g, RW);
	struct pt *pt;
	struct pt_walk w;

	if (!n)
		return;
	ASSERT_OK(pt_create(&pt, g, NULL));
	/* One aligned run and a page more: the extra page has no hint. */
	ASSERT_OK(pt_map(pt, run, run, run + p, prot, PT_MAP_CONT));
	expect_walk(pt, run + 3 * p, run + 3 * p, run, prot);
	expect_walk(pt, 2 * run, 2 * run, p, prot);
	pt_walk(pt, run, &w);
	ASSERT(w.entry & (1ULL << 52));
	/* Cutting the run drops the hint on what stays. */
	ASSERT_OK(pt_unmap(pt, run, p));
	expect_walk(pt, run + p, run + p, p, prot);
	expect_walk(pt, run + run - p, run + run - p, p, prot);
	ASSERT_OK(pt_unmap(pt, 0, 4 * run));
	only_root(pt);
	/* Same for protect. */
	ASSERT_OK(pt_map(pt, run, run, run, prot, PT_MAP_CONT));
	ASSERT_OK(pt_protect(pt, run, run, pt_prot_fit(g, 0)));
	expect_walk(pt, run, run, run, pt_prot_fit(g, 0));
	ASSERT_OK(pt_protect(pt, run, p, prot));
	expect_walk(pt, run, run, p, prot);
	expect_walk(pt, run + p, run + p, p, pt_prot_fit(g, 0));
	pt_destroy(pt);
}

/* Reserved bits written behind the table's back fault the walk. */
static void test_corrupt(void)
{
	const struct pt_geometry *g = pt_geometry_find("x86-64-4l");
	struct pt *pt;
	struct pt_walk w;
	uint64_t raw;

	ASSERT_OK(pt_create(&pt, g, NULL));
	ASSERT_OK(pt_map(pt, 0x1000, 0x5000, 0x1000, RW, 0));
	pt_walk(pt, 0x1000, &w);
	ASSERT_OK(pt_mem_read(pt_mem_of(pt), w.table[3], 8, &raw));
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[3], 8, raw | 0x80));
	expect_fault(pt, 0x1000, PT_FAULT_RESERVED);
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[3], 8, raw));
	expect_walk(pt, 0x1000, 0x5000, 0x1000, RW);
	/* A table address outside memory. */
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[3], 8,
			       0x7000000000ULL | 0x27));
	expect_fault(pt, 0x1000, PT_FAULT_BAD_PA);
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[3], 8, raw));
	ASSERT_EQ(pt_walk_from(pt, 0x1000, 4, pt_root(pt), &w), PT_PA_NONE);
	ASSERT_EQ(w.fault, PT_FAULT_RANGE);
	ASSERT_EQ(pt_walk_from(pt, 0x1000, 1, 0x1000, &w), PT_PA_NONE);
	ASSERT_EQ(w.fault, PT_FAULT_BAD_PA);
	ASSERT_EQ(pt_mem_read(pt_mem_of(pt), 0, 8, &raw), -EFAULT);
	ASSERT_EQ(pt_mem_read(pt_mem_of(pt), PT_MEM_BASE + 4, 8, &raw),
		  -EINVAL);
	pt_destroy(pt);
}

/*
 * A table pointer leading outside the simulated memory is an error of
 * every operation that meets it (-EFAULT), never an empty entry to fill:
 * map, unmap and protect fail and change nothing; a map elsewhere works;
 * destroying a table over shared memory skips what it cannot read.
 */
static void test_efault(const struct pt_geometry *g)
{
	uint64_t psz = 1ULL << g->page_shift, raw, bad, before;
	unsigned top = g->levels - 1;
	struct pt_stats st0, st1;
	struct pt_entry e;
	struct pt_mem *mem;
	struct pt_walk w;
	struct pt *pt;

	ASSERT_OK(pt_mem_create(&mem, g->page_shift, 1ULL << g->pa_bits));
	ASSERT_OK(pt_create(&pt, g, mem));
	ASSERT_OK(pt_map(pt, psz, 2 * psz, psz, RW, 0));
	pt_walk(pt, psz, &w);
	ASSERT_EQ(w.fault, PT_FAULT_NONE);
	ASSERT(top >= 1);
	/* The root's entry for psz, pointed past the memory. */
	ASSERT_OK(pt_mem_read(mem, w.table[top], g->entry_size, &before));
	ASSERT_OK(pt_entry_decode(g, top, before, &e));
	ASSERT_EQ(e.kind, PT_ENTRY_TABLE);
	e.pa = 1ULL << (g->pa_bits - 1);
	ASSERT_OK(pt_entry_encode(g, &e, &bad));
	ASSERT_OK(pt_mem_write(mem, w.table[top], g->entry_size, bad));
	pt_get_stats(pt, &st0);
	ASSERT_EQ(pt_map(pt, 3 * psz, 4 * psz, psz, RW, 0), -EFAULT);
	ASSERT_EQ(pt_unmap(pt, psz, psz), -EFAULT);
	ASSERT_EQ(pt_protect(pt, psz, psz, PT_PROT_READ), -EFAULT);
	pt_get_stats(pt, &st1);
	ASSERT(memcmp(&st0, &st1, sizeof(st0)) == 0);
	ASSERT_OK(pt_mem_read(mem, w.table[top], g->entry_size, &raw));
	ASSERT_EQ(raw, bad);
	expect_fault(pt, psz, PT_FAULT_BAD_PA);
	/* Another top-level entry is unaffected. */
	ASSERT_OK(pt_map(pt, pt_level_size(g, top), 4 * psz, psz, RW, 0));
	pt_destroy(pt);
	pt_mem_destroy(mem);
}

/* The validator finds what was broken behind the table's back. */
static void expect_unclean(const struct pt *pt, const char *want)
{
	struct reason why;

	ASSERT_EQ(pt_check(pt, &why), -EUCLEAN);
	if (!strstr(why.msg, want))
		TEST_FAIL("reason \"%s\" lacks \"%s\"", why.msg, want);
	ASSERT_EQ(pt_check(pt, NULL), -EUCLEAN);
}

static void test_check(void)
{
	const struct pt_geometry *g = pt_geometry_find("arm64-4k-48");
	uint64_t raw, pte;
	struct pt_walk w;
	struct pt *pt;

	ASSERT_OK(pt_create(&pt, g, NULL));
	ASSERT_OK(pt_check(pt, NULL));
	ASSERT_OK(pt_map(pt, 0x100000, 0x200000, 0x10000, RW, PT_MAP_CONT));
	ASSERT_OK(pt_check(pt, NULL));
	pt_walk(pt, 0x100000, &w);
	ASSERT_EQ(w.size, 0x10000);
	/* Reserved bits (49:48) in the level-1 table pointer. */
	ASSERT_OK(pt_mem_read(pt_mem_of(pt), w.table[1], 8, &raw));
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[1], 8, raw | 1ULL << 48));
	expect_unclean(pt, "reserved bits");
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[1], 8, raw));
	ASSERT_OK(pt_check(pt, NULL));
	/* A page of the run loses its hint. */
	ASSERT_OK(pt_mem_read(pt_mem_of(pt), w.table[0] + 8 * 0x103, 8, &pte));
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[0] + 8 * 0x103, 8,
			       pte & ~(1ULL << 52)));
	expect_unclean(pt, "contiguous run at entry 256 broken at entry 259");
	/* An entry cleared without the table's count knowing. */
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[0] + 8 * 0x103, 8, 0));
	expect_unclean(pt, "contiguous run");
	pt_destroy(pt);
	ASSERT_OK(pt_create(&pt, g, NULL));
	ASSERT_OK(pt_map(pt, 0x100000, 0x200000, 0x1000, RW, 0));
	pt_walk(pt, 0x100000, &w);
	ASSERT_OK(pt_mem_write(pt_mem_of(pt), w.table[0] + 8 * 0x101, 8,
			       pte & ~(1ULL << 52)));
	expect_unclean(pt, "2 entries in use, 1 counted");
	pt_destroy(pt);
}

/* Out of frames: the map fails whole and leaves nothing behind. */
static void test_enomem(void)
{
	const struct pt_geometry *g = pt_geometry_find("x86-64-4l");
	struct pt_mem *mem;
	struct pt *a, *b;

	ASSERT_OK(pt_mem_create(&mem, 12, PT_MEM_BASE + 5 * 4096));
	ASSERT_OK(pt_create(&a, g, mem));
	ASSERT_OK(pt_create(&b, g, mem));  /* two tables share the memory */
	ASSERT_EQ(pt_mem_frames_in_use(mem), 2);
	ASSERT_OK(pt_map(a, 0, 0, 4096, RW, 0));  /* 3 tables: 5 frames */
	ASSERT_EQ(pt_map(b, 0, 0, 4096, RW, 0), -ENOMEM);
	ASSERT_EQ(pt_mem_frames_in_use(mem), 5);
	ASSERT_OK(pt_unmap(a, 0, 4096));
	ASSERT_EQ(pt_mem_frames_in_use(mem), 2);
	ASSERT_OK(pt_map(b, 0, 0x1000, 4096, RW, 0));
	expect_walk(b, 0, 0x1000, 4096, RW);
	expect_fault(a, 0, PT_FAULT_NOT_PRESENT);
	/* A map needing more frames than exist fails and rolls back. */
	ASSERT_OK(pt_unmap(b, 0, 4096));
	ASSERT_EQ(pt_map(a, 0, 0, 1ULL << 22, RW, 0), -ENOMEM);
	ASSERT_EQ(pt_mem_frames_in_use(mem), 2);
	expect_fault(a, 0, PT_FAULT_NOT_PRESENT);
	pt_destroy(a);
	pt_destroy(b);
	ASSERT_EQ(pt_mem_frames_in_use(mem), 0);
	pt_mem_destroy(mem);
	/* Frame size must match the page size. */
	ASSERT_OK(pt_mem_create(&mem, 12, 1ULL << 40));
	ASSERT_EQ(pt_create(&a, pt_geometry_find("arm64-64k-42"), mem),
		  -EINVAL);
	pt_mem_destroy(mem);
}

/* ---- random sequence against a list of leaves ---- */

struct leaf {
	uint64_t va, size, pa;
	uint32_t prot;
};

struct ref {
	struct leaf *v;
	size_t n, cap;
};

static struct leaf *ref_find(struct ref *r, uint64_t va)
{
	for (size_t i = 0; i < r->n; i++)
		if (va - r->v[i].va < r->v[i].size)
			return &r->v[i];
	return NULL;
}

static bool ref_overlaps(struct ref *r, uint64_t va, uint64_t last)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].va <= last && va <= r->v[i].va + r->v[i].size - 1)
			return true;
	return false;
}

static void ref_add(struct ref *r, uint64_t va, uint64_t size, uint64_t pa,
		    uint32_t prot)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		ASSERT(r->v);
	}
	r->v[r->n++] = (struct leaf){ va, size, pa, prot };
}

/* First problem in address order, as pt_unmap/pt_protect see it. */
static int ref_check(struct ref *r, uint64_t va, uint64_t last, bool mapped,
		     uint64_t p)
{
	for (uint64_t a = va;;) {
		struct leaf *f = ref_find(r, a);

		if (!f) {
			if (mapped)
				return -ENOENT;
			f = NULL;
		} else if (f->va < va || f->va + f->size - 1 > last) {
			return -EINVAL;
		}
		uint64_t next = f ? f->va + f->size - 1 : a + p - 1;
		if (next >= last)
			return 0;
		a = next + 1;
	}
}

static void test_random(const struct pt_geometry *g, unsigned ops)
{
	uint64_t p = psz(g), l1 = pt_level_size(g, 1);
	uint64_t base = 5 * l1, window = 4 * l1, hi;
	struct ref ref = { 0 };
	struct rng r;
	struct pt *pt;

	if (upper_half(g, &hi) && g->levels > 2)
		base = hi + 3 * l1;  /* exercise the sign-extended half */
	rng_seed(&r, SEED);
	ASSERT_OK(pt_create(&pt, g, NULL));
	for (unsigned op = 0; op < ops; op++) {
		uint64_t k = rng_below(&r, 100), va, size, last, pa;
		struct reason why;

		/* The validator after every operation (big tables: often). */
		if (g->bits[0] < 10 || op % 32 == 0) {
			why.msg[0] = 0;
			ASSERT_OK(pt_check(pt, &why));
		}
		uint32_t prot = pt_prot_fit(g, (uint32_t)rng_below(&r, 32) |
					    PT_PROT_ACCESSED);

		if (k < 10) {  /* one aligned huge leaf at level 1 */
			va = base + rng_below(&r, window / l1) * l1;
			size = l1;
			pa = rng_below(&r, 64) * l1;
		} else {
			size = (1 + rng_below(&r, 2 * (l1 / p) < 96 ?
					      2 * (l1 / p) : 96)) * p;
			va = base + rng_below(&r, (window - size) / p + 1) * p;
			pa = rng_below(&r, 1ULL << 20) * p;
		}
		last = va + size - 1;
		if (k < 50) {
			bool huge = k < 10 && (g->leaf_levels & 2);
			int want = ref_overlaps(&ref, va, last) ? -EEXIST : 0;

			ASSERT_EQ(pt_map(pt, va, pa, size, prot,
					 huge ? PT_MAP_HUGE : 0), want);
			if (want)
				continue;
			if (huge) {
				ref_add(&ref, va, size, pa, prot);
			} else {
				for (uint64_t i = 0; i < size; i += p)
					ref_add(&ref, va + i, p, pa + i, prot);
			}
		} else if (k < 80) {
			int want = ref_check(&ref, va, last, false, p);

			ASSERT_EQ(pt_unmap(pt, va, size), want);
			for (size_t i = 0; !want && i < ref.n;) {
				if (ref.v[i].va >= va && ref.v[i].va <= last)
					ref.v[i] = ref.v[--ref.n];
				else
					i++;
			}
		} else {
			int want = ref_check(&ref, va, last, true, p);

			ASSERT_EQ(pt_protect(pt, va, size, prot), want);
			for (size_t i = 0; !want && i < ref.n; i++)
				if (ref.v[i].va >= va && ref.v[i].va <= last)
					ref.v[i].prot = prot;
		}
		/* Random addresses in the window, and a known leaf. */
		for (int t = 0; t < 8; t++) {
			uint64_t a = base + rng_below(&r, window);
			struct leaf *f;

			if (t == 0 && ref.n)
				a = ref.v[rng_below(&r, ref.n)].va +
				    rng_below(&r, p);
			f = ref_find(&ref, a);
			if (f)
				expect_walk(pt, a, f->pa + (a - f->va),
					    f->size, f->prot);
			else
				expect_fault(pt, a, PT_FAULT_NOT_PRESENT);
		}
	}
	struct pt_stats st;
	uint64_t leaves = 0;

	pt_get_stats(pt, &st);
	for (unsigned l = 0; l < g->levels; l++)
		leaves += st.leaves[l];
	ASSERT_EQ(leaves, ref.n);
	ASSERT_OK(pt_unmap(pt, base, window));
	only_root(pt);
	pt_destroy(pt);
	free(ref.v);
}

static void run_all(const struct pt_geometry *g, unsigned ops)
{
	ASSERT_OK(pt_geometry_check(g));
	test_basic(g);
	test_huge(g);
	test_contig(g);
	test_random(g, ops);
}

int main(void)
{
	size_t n;
	const struct pt_geometry *gs = pt_geometries(&n);

	for (size_t i = 0; i < n; i++)
		run_all(&gs[i], 3000);
	for (size_t i = 0; i < sizeof(tiny) / sizeof(tiny[0]); i++)
		run_all(&tiny[i], 8000);
	test_corrupt();
	test_enomem();
	test_check();
	for (size_t i = 0; i < n; i++)
		test_efault(&gs[i]);
	printf("pt_ops: ok\n");
	return 0;
}
