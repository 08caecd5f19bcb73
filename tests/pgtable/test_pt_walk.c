/* SPDX-License-Identifier: MIT */
/*
 * The walker against a reference walk over hostile tables.  The tables of
 * an x86-64 (4- and 5-level) page table are filled with seeded random
 * entries: empty ones, pointers to other tables with random R/W, U/S, NX
 * and A, 4K / 2M / 1G leaves (aligned or not), pointers outside the
 * simulated memory or below it, and garbage with P set.  Every walk,
 * from the root and from each level with good, bad and misaligned table
 * addresses, must agree field for field with a reference written here
 * from the documented rules (pgtable.h) on top of pt_mem_read() and
 * pt_entry_decode(), which share no code with the walker's fast path.
 */
#include <string.h>

#include <vmbench/pgtable.h>
#include <vmbench/rng.h>

#include "../test.h"

#define SEED 42
#define FRAMES 12       /* tables besides the root */
#define IDX 3           /* indexes 0..IDX-1 used at each level */

/*
 * Reference: the walk as pgtable.h describes it.  False when the walk
 * stopped before reading any table (r->table[] undefined).
 */
static bool ref_walk(const struct pt *pt, uint64_t va, unsigned start,
		     uint64_t table, struct pt_walk *r)
{
	const struct pt_geometry *g = pt_geometry_of(pt);
	unsigned top = g->levels - 1, hi = g->va_bits - 1;
	bool write = true, user = true, exec = true;
	uint64_t t = va >> hi;

	if (g->arch == PT_ARCH_X86_PAE)  /* below 4G, no upper half */
		t = va >> 32 ? 1 : 0;

	memset(r, 0, sizeof(*r));
	r->pa = PT_PA_NONE;
	r->start = (uint8_t)start;
	r->level = (uint8_t)start;
	if (start > top || (t != 0 && t != ~0ULL >> hi)) {
		r->fault = PT_FAULT_RANGE;
		return false;
	}
	if (table & ((1ULL << g->page_shift) - 1) || table >> 62) {
		r->fault = PT_FAULT_BAD_PA;
		return false;
	}
	for (unsigned l = start;; l--) {
		uint64_t idx = (va >> pt_level_shift(g, l)) &
			       ((1ULL << g->bits[l]) - 1), raw;
		struct pt_entry e;

		r->table[l] = table;
		r->level = (uint8_t)l;
		if (pt_mem_read(pt_mem_of(pt), table + idx * 8, 8, &raw)) {
			r->entry = 0;
			r->fault = PT_FAULT_BAD_PA;
			return true;
		}
		r->reads++;
		r->entry = raw;
		memset(&e, 0, sizeof(e));
		if (pt_entry_decode(g, l, raw, &e)) {
			r->fault = PT_FAULT_RESERVED;
			return true;
		}
		if (e.kind == PT_ENTRY_NONE) {
			r->fault = PT_FAULT_NOT_PRESENT;
			return true;
		}
		write = write && e.prot & PT_PROT_WRITE;
		user = user && e.prot & PT_PROT_USER;
		exec = exec && e.prot & PT_PROT_EXEC;
		if (e.kind == PT_ENTRY_LEAF) {
			r->size = e.size;
			r->pa = e.pa | (va & (e.size - 1));
			r->prot = e.prot & ~(PT_PROT_WRITE | PT_PROT_USER |
					     PT_PROT_EXEC);
			r->prot |= (write ? PT_PROT_WRITE : 0) |
				   (user ? PT_PROT_USER : 0) |
				   (exec ? PT_PROT_EXEC : 0);
			return true;
		}
		table = e.pa;
	}
}

static void expect_same(const struct pt *pt, uint64_t va, int start,
			uint64_t table)
{
	struct pt_walk w, r;
	uint64_t got;
	bool tables;

	memset(&w, 0xa5, sizeof(w));
	if (start < 0) {
		start = pt_geometry_of(pt)->levels - 1;
		table = pt_root(pt);
		got = pt_walk(pt, va, &w);
	} else {
		got = pt_walk_from(pt, va, (unsigned)start, table, &w);
	}
	tables = ref_walk(pt, va, (unsigned)start, table, &r);
	ASSERT_EQ(got, r.pa);
	ASSERT_EQ(w.pa, r.pa);
	ASSERT_EQ(w.fault, r.fault);
	ASSERT_EQ(w.start, r.start);
	ASSERT_EQ(w.level, r.level);
	ASSERT_EQ(w.reads, r.reads);
	ASSERT_EQ(w.entry, r.entry);
	ASSERT_EQ(w.size, r.size);
	ASSERT_EQ(w.prot, r.prot);
	for (unsigned l = r.level; tables && l <= r.start; l++)
		ASSERT_EQ(w.table[l], r.table[l]);
}

/* A random entry; @frames: the table frames (root first). */
static uint64_t random_entry(struct rng *rng, const uint64_t *frames,
			     uint64_t end)
{
	uint64_t flags = rng_next(rng) & 0x17e;  /* RW US PWT PCD A D G */

	if (rng_below(rng, 2))
		flags |= 1ULL << 63;                 /* NX */
	switch (rng_below(rng, 10)) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
	case 4:  /* a table pointer (a 4K page at level 0) */
		return frames[rng_below(rng, FRAMES + 1)] | 1 |
		       (flags & ~0x80ULL);
	case 5:  /* a 2M or 1G leaf, aligned or not */
		return (rng_below(rng, 64) << (rng_below(rng, 2) ? 21 : 30)) |
		       (rng_below(rng, 4) ? 0 : rng_below(rng, 512) << 12) |
		       0x81 | flags;
	case 6:  /* outside the memory, above or below */
		return (rng_below(rng, 2) ? end + (rng_below(rng, 4) << 12) :
			0x1000) | 1 | (flags & ~0x80ULL);
	case 7:  /* reserved bits in a pointer or leaf */
		return frames[rng_below(rng, FRAMES + 1)] | 1 | flags |
		       1ULL << (52 + rng_below(rng, 11));
	default: /* anything with P set */
		return rng_next(rng) | 1;
	}
}

static void test_hostile(const char *name, unsigned rounds)
{
	const struct pt_geometry *g = pt_geometry_find(name);
	uint64_t frames[FRAMES + 1], end;
	unsigned levels = g->levels;
	struct rng rng;
	struct pt *pt;

	rng_seed(&rng, SEED);
	ASSERT_OK(pt_create(&pt, g, NULL));
	frames[0] = pt_root(pt);
	for (unsigned i = 1; i <= FRAMES; i++)
		ASSERT_OK(pt_frame_alloc(pt_mem_of(pt), &frames[i]));
	end = frames[FRAMES] + (1ULL << g->page_shift);
	for (unsigned round = 0; round < rounds; round++) {
		for (unsigned f = 0; f <= FRAMES; f++)
			for (unsigned i = 0; i < IDX; i++)
				ASSERT_OK(pt_mem_write(pt_mem_of(pt),
						       frames[f] + i * 8, 8,
						       random_entry(&rng,
								    frames,
								    end)));
		for (unsigned k = 0; k < 200; k++) {
			uint64_t va = rng_next(&rng) & 0xfff;

			for (unsigned l = 0; l < levels; l++)
				va |= rng_below(&rng, IDX) <<
				      pt_level_shift(g, l);
			if (va >> (g->va_bits - 1))  /* top index < IDX */
				va = 0;
			switch (rng_below(&rng, 8)) {
			case 0:  /* the upper half, or not canonical */
				va |= rng_below(&rng, 2) ?
				      ~0ULL << (g->va_bits - 1) :
				      1ULL << 62;
				break;
			case 1:
				expect_same(pt, va, (int)rng_below(&rng,
								   levels + 1),
					    frames[rng_below(&rng,
							     FRAMES + 1)]);
				break;
			case 2:  /* bad start tables */
				expect_same(pt, va, (int)rng_below(&rng,
								   levels),
					    rng_below(&rng, 2) ? end :
					    frames[1] + 8);
				break;
			}
			expect_same(pt, va, -1, 0);
		}
	}
	pt_destroy(pt);
}

/* A real mapping of every leaf size walks the same as the reference. */
static void test_mapped(const char *name)
{
	const struct pt_geometry *g = pt_geometry_find(name);
	struct pt_walk w;
	struct pt *pt;

	ASSERT_OK(pt_create(&pt, g, NULL));
	ASSERT_OK(pt_map(pt, 0x40000000, 0x80000000, 0x40000000,
			 PT_PROT_READ | PT_PROT_WRITE, PT_MAP_HUGE));
	ASSERT_OK(pt_map(pt, 0x200000, 0x400000, 0x200000, PT_PROT_READ,
			 PT_MAP_HUGE));
	ASSERT_OK(pt_map(pt, 0x1000, 0x5000, 0x3000,
			 PT_PROT_READ | PT_PROT_EXEC | PT_PROT_USER, 0));
	for (uint64_t va = 0x1088; va < 0x4000; va += 0x1000) {
		expect_same(pt, va, -1, 0);
		ASSERT_EQ(pt_walk(pt, va, &w), va + 0x4000);
		ASSERT_EQ(w.size, 0x1000);
		for (unsigned l = 0; l < g->levels; l++)
			expect_same(pt, va, (int)l, w.table[l]);
	}
	expect_same(pt, 0x2345a8, -1, 0);
	ASSERT_EQ(pt_walk(pt, 0x2345a8, &w), 0x4345a8);
	ASSERT_EQ(w.size, 0x200000);
	expect_same(pt, 0x7654321f, -1, 0);
	ASSERT_EQ(pt_walk(pt, 0x7654321f, &w), 0xb654321f);
	ASSERT_EQ(w.size, 0x40000000);
	expect_same(pt, 0x9000, -1, 0);
	pt_destroy(pt);
}

int main(void)
{
	test_mapped("x86-64-4l");
	test_mapped("x86-64-5l");
	test_hostile("x86-64-4l", 300);
	test_hostile("x86-64-5l", 300);
	test_hostile("x86-pae", 100);
	printf("pt_walk: ok\n");
	return 0;
}
