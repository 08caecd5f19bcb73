/* SPDX-License-Identifier: MIT */
/*
 * The walker and the entry decoder against a reference over hostile
 * tables, for every built-in geometry of every architecture.  The tables
 * are filled with seeded random entries: empty ones, pointers to other
 * tables with random permission and attribute bits, leaves at every level
 * (aligned or not, where the level may hold one or not), pointers outside
 * the simulated memory or below it, reserved bits, and garbage with the
 * valid bit set.  Every walk, from the root and from each level with
 * good, bad and misaligned table addresses, must agree field for field
 * with a reference walk, and pt_entry_decode() with the reference decoder
 * on every entry read.  The reference is written here from the
 * architecture manuals' bit layouts (the model's choices as pgtable.h
 * states them); it reads memory with pt_mem_read() and shares no code
 * with the library's decoder.
 */
#include <errno.h>
#include <string.h>

#include <vmbench/pgtable.h>
#include <vmbench/rng.h>

#include "../test.h"

#define SEED 42
#define FRAMES 12       /* tables besides the root */
#define IDX 3           /* indexes 0..IDX-1 used at each level */

static uint64_t bits(int hi, int lo)
{
	return hi < lo ? 0 : (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

static uint64_t bit(const uint64_t raw, unsigned n)
{
	return raw >> n & 1;
}

enum { R_NONE, R_TABLE, R_LEAF, R_RSVD };

/*
 * One entry as the reference reads it.  Table: what it lets through to
 * the levels below (xu / xk: execution of user / kernel pages).  Leaf:
 * its own rights, xu used for both.
 */
struct ref_entry {
	int cls;
	uint64_t pa, size;   /* leaf pa: aligned to size (one entry) */
	unsigned run;        /* arm64 contiguous run, else 1 */
	bool r, w, u, xu, xk, a, d, g, user_page;
};

static unsigned shift_of(const struct pt_geometry *g, unsigned l)
{
	return pt_level_shift(g, l);
}

/* Levels that may hold a leaf, from the manuals (0 = last level). */
static bool leaf_level(const struct pt_geometry *g, unsigned l)
{
	if (g->arch == PT_ARCH_X86_64)
		return l <= 2;                    /* 4K, 2M, 1G */
	if (g->arch == PT_ARCH_X86_32 || g->arch == PT_ARCH_X86_PAE)
		return l <= 1;                    /* 4K, 4M / 2M */
	if (g->arch == PT_ARCH_ARM64)             /* 4K: 2M, 1G blocks; */
		return l <= (g->page_shift == 12 ? 2u : 1u); /* else L2 */
	if (g->arch == PT_ARCH_RISCV)             /* every level */
		return true;
	TEST_FAIL("no reference for architecture %s", pt_arch_name(g->arch));
}

/* x86: Intel SDM vol. 3, 4.3 (32-bit), 4.4 (PAE), 4.5 (4/5-level). */
static void ref_x86(const struct pt_geometry *g, unsigned l, uint64_t raw,
		    struct ref_entry *r)
{
	bool wide = g->entry_size == 8;
	unsigned maxphy = wide ? PT_X86_MAXPHYADDR : 32;
	uint64_t rsvd = wide ? bits(51, maxphy) : 0;

	if (!bit(raw, 0))
		return;
	r->r = true;
	if (g->arch == PT_ARCH_X86_PAE && l == g->levels - 1u) {
		/* PDPTE: P and the address; 1, 2, 5..8 and 63 reserved. */
		if (raw & (rsvd | 0x1e6ULL | 1ULL << 63))
			goto reserved;
		r->cls = R_TABLE;
		r->pa = raw & bits(maxphy - 1, 12);
		r->w = r->u = r->xu = r->xk = true;
		return;
	}
	r->w = bit(raw, 1);
	r->u = bit(raw, 2);
	r->a = bit(raw, 5);
	r->xu = r->xk = !(wide && bit(raw, 63));
	if (l == 0 || bit(raw, 7)) {
		unsigned sh = shift_of(g, l);

		/* PS where no page may be; 13..sh-1 of a large page. */
		if (!leaf_level(g, l) || raw & rsvd ||
		    (l && raw & bits((int)sh - 1, 13)))
			goto reserved;
		r->cls = R_LEAF;
		r->size = 1ULL << sh;
		r->pa = raw & bits(maxphy - 1, (int)sh);
		r->d = bit(raw, 6);
		r->g = bit(raw, 8);
		return;
	}
	if (raw & rsvd)
		goto reserved;
	r->cls = R_TABLE;
	r->pa = raw & bits(maxphy - 1, 12);
	return;
reserved:
	r->cls = R_RSVD;
}

/* arm64: Arm ARM D8 (VMSAv8-64 translation table descriptors). */
static void ref_arm(const struct pt_geometry *g, unsigned l, uint64_t raw,
		    struct ref_entry *r)
{
	unsigned gran = g->page_shift, sh = shift_of(g, l);
	uint64_t res0 = bits(49, 48) | (gran == 14 ? bits(13, 12) : 0);
	uint64_t oa = raw & bits(47, (int)gran);

	if (gran == 16)  /* FEAT_LPA: PA[51:48] in bits 15:12 */
		oa |= (raw >> 12 & 0xf) << 48;
	if (!bit(raw, 0))
		return;
	r->r = true;
	if (l && bit(raw, 1)) {
		if (raw & res0)
			goto reserved;
		r->cls = R_TABLE;
		r->pa = oa;
		r->w = !bit(raw, 62);   /* APTable[1] */
		r->u = !bit(raw, 61);   /* APTable[0] */
		r->xu = !bit(raw, 60);  /* UXNTable */
		r->xk = !bit(raw, 59);  /* PXNTable */
		return;
	}
	if (!l && !bit(raw, 1))         /* 0b01 at level 3 */
		goto reserved;
	if (!leaf_level(g, l) || raw & res0 || raw & bits((int)sh - 1,
							   (int)gran))
		goto reserved;
	r->run = 1;
	if (bit(raw, 52)) {
		/* Runs modelled for pages and level-1 blocks only. */
		if (l > 1)
			goto reserved;
		r->run = gran == 12 ? 16 : gran == 14 ? (l ? 32 : 128) : 32;
	}
	r->cls = R_LEAF;
	r->size = 1ULL << sh;
	r->pa = oa;
	r->user_page = bit(raw, 6);     /* AP[1] */
	r->w = !bit(raw, 7) || bit(raw, 51);   /* !AP[2] or DBM */
	r->d = !bit(raw, 7);
	r->a = bit(raw, 10);
	r->g = !bit(raw, 11);
	r->u = r->user_page;
	r->xu = r->user_page ? !bit(raw, 54) : !bit(raw, 53);
	return;
reserved:
	r->cls = R_RSVD;
}

/* RISC-V privileged spec, Sv39/Sv48 (4.3.2 walk, 4.4/4.5 PTE). */
static void ref_rv(const struct pt_geometry *g, unsigned l, uint64_t raw,
		   struct ref_entry *r)
{
	uint64_t ppn = raw >> 10 & bits(43, 0);
	bool rr = bit(raw, 1), ww = bit(raw, 2), xx = bit(raw, 3);

	if (!bit(raw, 0))
		return;
	if (raw & bits(63, 54) || (!rr && ww))
		goto reserved;
	if (!rr && !xx) {
		/* A pointer: none at level 0; D, A, U reserved. */
		if (l == 0 || raw & 0xd0)
			goto reserved;
		r->cls = R_TABLE;
		r->pa = ppn << 12;
		r->r = r->w = r->u = r->xu = r->xk = true;
		return;
	}
	if (!leaf_level(g, l) || ppn & bits((int)shift_of(g, l) - 13, 0))
		goto reserved;  /* misaligned superpage */
	r->cls = R_LEAF;
	r->size = 1ULL << shift_of(g, l);
	r->pa = ppn << 12;
	r->r = rr;
	r->w = ww;
	r->xu = xx;
	r->u = bit(raw, 4);
	r->g = bit(raw, 5);
	r->a = bit(raw, 6);
	r->d = bit(raw, 7);
	return;
reserved:
	r->cls = R_RSVD;
}

static void ref_entry(const struct pt_geometry *g, unsigned l, uint64_t raw,
		      struct ref_entry *r)
{
	memset(r, 0, sizeof(*r));
	r->run = 1;
	if (g->arch == PT_ARCH_ARM64)
		ref_arm(g, l, raw, r);
	else if (g->arch == PT_ARCH_RISCV)
		ref_rv(g, l, raw, r);
	else if (g->arch == PT_ARCH_X86_64 || g->arch == PT_ARCH_X86_32 ||
		 g->arch == PT_ARCH_X86_PAE)
		ref_x86(g, l, raw, r);
	else
		TEST_FAIL("no reference for architecture %s",
			  pt_arch_name(g->arch));
}

/* pt_entry_decode() of @raw must say what the reference says. */
static void check_decode(const struct pt_geometry *g, unsigned l, uint64_t raw,
			 const struct ref_entry *r)
{
	struct pt_entry e;
	int err = pt_entry_decode(g, l, raw, &e);
	uint32_t prot;

	ASSERT_EQ(err, r->cls == R_RSVD ? -EINVAL : 0);
	ASSERT_EQ(e.level, l);
	if (r->cls == R_RSVD || r->cls == R_NONE) {
		ASSERT_EQ(e.kind, PT_ENTRY_NONE);
		return;
	}
	ASSERT_EQ(e.kind, r->cls == R_TABLE ? PT_ENTRY_TABLE : PT_ENTRY_LEAF);
	ASSERT_EQ(e.pa, r->pa);
	prot = (r->r ? PT_PROT_READ : 0) | (r->w ? PT_PROT_WRITE : 0) |
	       (r->u ? PT_PROT_USER : 0) | (r->a ? PT_PROT_ACCESSED : 0);
	if (r->cls == R_TABLE) {
		ASSERT_EQ(e.size, 0);
		prot |= r->xu && r->xk ? PT_PROT_EXEC : 0;
		if (g->arch != PT_ARCH_X86_64 && g->arch != PT_ARCH_X86_32 &&
		    g->arch != PT_ARCH_X86_PAE)
			prot &= ~PT_PROT_ACCESSED;
	} else {
		ASSERT_EQ(e.size, r->size);
		ASSERT_EQ(e.contig, r->run > 1);
		prot |= (r->xu ? PT_PROT_EXEC : 0) |
			(r->d ? PT_PROT_DIRTY : 0) |
			(r->g ? PT_PROT_GLOBAL : 0);
	}
	ASSERT_EQ(e.prot, prot);
}

/* Does @va lie in the geometry's VA range? */
static bool ref_va_ok(const struct pt_geometry *g, uint64_t va)
{
	unsigned hi = g->va_bits - 1;

	if (g->arch == PT_ARCH_X86_32 || g->arch == PT_ARCH_X86_PAE)
		return va >> 32 == 0;
	if (g->arch == PT_ARCH_ARM64)  /* TTBR0 or TTBR1 */
		hi = g->va_bits;
	return va >> hi == 0 || va >> hi == ~0ULL >> hi;
}

/*
 * Reference: the walk as pgtable.h describes it.  False when the walk
 * stopped before reading any table (r->table[] undefined).
 */
static bool ref_walk(const struct pt *pt, uint64_t va, unsigned start,
		     uint64_t table, struct pt_walk *r)
{
	const struct pt_geometry *g = pt_geometry_of(pt);
	unsigned top = g->levels - 1, esz = g->entry_size;
	bool w = true, u = true, xu = true, xk = true;

	memset(r, 0, sizeof(*r));
	r->pa = PT_PA_NONE;
	r->start = (uint8_t)start;
	r->level = (uint8_t)start;
	if (start > top || !ref_va_ok(g, va)) {
		r->fault = PT_FAULT_RANGE;
		return false;
	}
	if (table & ((1ULL << g->page_shift) - 1) || table >> 62) {
		r->fault = PT_FAULT_BAD_PA;
		return false;
	}
	for (unsigned l = start;; l--) {
		uint64_t idx = (va >> shift_of(g, l)) &
			       ((1ULL << g->bits[l]) - 1), raw;
		struct ref_entry e;

		r->table[l] = table;
		r->level = (uint8_t)l;
		if (pt_mem_read(pt_mem_of(pt), table + idx * esz, esz, &raw)) {
			r->entry = 0;
			r->fault = PT_FAULT_BAD_PA;
			return true;
		}
		r->reads++;
		r->entry = raw;
		ref_entry(g, l, raw, &e);
		check_decode(g, l, raw, &e);
		if (e.cls == R_NONE || e.cls == R_RSVD) {
			r->fault = e.cls == R_NONE ? PT_FAULT_NOT_PRESENT :
				   PT_FAULT_RESERVED;
			return true;
		}
		if (e.cls == R_TABLE) {
			w = w && e.w;
			u = u && e.u;
			xu = xu && e.xu;
			xk = xk && e.xk;
			table = e.pa;
			continue;
		}
		r->size = e.size * e.run;
		r->pa = e.pa | (va & (e.size - 1));
		r->prot = (e.r ? PT_PROT_READ : 0) |
			  (e.w && w ? PT_PROT_WRITE : 0) |
			  (e.u && u ? PT_PROT_USER : 0) |
			  (e.xu && (e.user_page ? xu : xk) ? PT_PROT_EXEC : 0) |
			  (e.a ? PT_PROT_ACCESSED : 0) |
			  (e.d ? PT_PROT_DIRTY : 0) |
			  (e.g ? PT_PROT_GLOBAL : 0);
		return true;
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

/* An entry's address field holding @pa, as each manual lays it out. */
static uint64_t addr_field(const struct pt_geometry *g, uint64_t pa)
{
	if (g->arch == PT_ARCH_RISCV)
		return (pa >> 12) << 10;
	if (g->arch == PT_ARCH_ARM64 && g->page_shift == 16)
		return (pa & bits(47, 16)) | (pa >> 48 & 0xf) << 12;
	return pa;
}

/* Valid bit and the type bits of a table pointer / a leaf at @l. */
static uint64_t type_bits(const struct pt_geometry *g, bool leaf, unsigned l,
			  uint64_t noise)
{
	if (g->arch == PT_ARCH_RISCV)   /* leaf: some of R, W, X */
		return 1 | (leaf ? (noise & 0xe ? noise & 0xe : 0x2) : 0);
	if (g->arch == PT_ARCH_ARM64)   /* 0b11 table / page, 0b01 block */
		return leaf && l ? 1 : 3;
	return 1 | (leaf && l ? 0x80 : 0);
}

/* Attribute bits that are neither valid nor type bits. */
static uint64_t attr_bits(const struct pt_geometry *g, uint64_t noise)
{
	if (g->arch == PT_ARCH_RISCV)   /* U G A D, RSW */
		return noise & 0x3f0;
	if (g->arch == PT_ARCH_ARM64)   /* AttrIndx..nG; DBM..UXN; tables */
		return noise & (bits(11, 2) | bits(54, 51) | bits(62, 59));
	return (noise & 0x17e) | (noise & 1ULL << 40 ? 1ULL << 63 : 0);
}

/* A random entry; @frames: the table frames (root first). */
static uint64_t random_entry(struct rng *rng, const struct pt_geometry *g,
			     const uint64_t *frames, uint64_t end)
{
	uint64_t noise = rng_next(rng), raw;
	unsigned l = (unsigned)rng_below(rng, g->levels);
	unsigned sh = shift_of(g, l);

	switch (rng_below(rng, 10)) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
	case 4:  /* a table pointer (a page at level 0 on x86 and arm64) */
		raw = addr_field(g, frames[rng_below(rng, FRAMES + 1)]) |
		      type_bits(g, false, 1, noise) | attr_bits(g, noise);
		if (g->arch == PT_ARCH_RISCV && rng_below(rng, 3))
			raw &= ~0xd0ULL;  /* mostly no U/A/D in a pointer */
		if (g->arch != PT_ARCH_RISCV)
			raw &= ~0x80ULL | (g->arch == PT_ARCH_ARM64 ?
					   0x80ULL : 0);
		break;
	case 5:  /* a leaf at a random level, aligned or not */
		raw = addr_field(g, (rng_below(rng, 64) << sh) |
				 (rng_below(rng, 4) ? 0 :
				  rng_below(rng, 512) << g->page_shift)) |
		      type_bits(g, true, l, noise) | attr_bits(g, noise);
		if (g->arch == PT_ARCH_ARM64 && rng_below(rng, 4) == 0)
			raw |= 1ULL << 52;  /* contiguous hint */
		break;
	case 6:  /* outside the memory, above or below */
		raw = addr_field(g, rng_below(rng, 2) ?
				 end + (rng_below(rng, 4) << g->page_shift) :
				 1ULL << g->page_shift) |
		      type_bits(g, false, 1, noise) |
		      (attr_bits(g, noise) & ~0xd0ULL & ~0x80ULL);
		break;
	case 7:  /* a reserved or high bit in a pointer or leaf */
		raw = addr_field(g, frames[rng_below(rng, FRAMES + 1)]) |
		      type_bits(g, rng_below(rng, 2), l, noise) |
		      1ULL << (44 + rng_below(rng, 20));
		break;
	default: /* anything with the valid bit set */
		raw = noise | 1;
		break;
	}
	return g->entry_size == 4 ? (uint32_t)raw : raw;
}

static void test_hostile(const char *name, unsigned rounds)
{
	const struct pt_geometry *g = pt_geometry_find(name);
	uint64_t frames[FRAMES + 1], end, psz;
	unsigned levels, esz;
	struct rng rng;
	struct pt *pt;

	ASSERT(g != NULL);
	levels = g->levels;
	esz = g->entry_size;
	psz = 1ULL << g->page_shift;
	rng_seed(&rng, SEED);
	ASSERT_OK(pt_create(&pt, g, NULL));
	frames[0] = pt_root(pt);
	for (unsigned i = 1; i <= FRAMES; i++)
		ASSERT_OK(pt_frame_alloc(pt_mem_of(pt), &frames[i]));
	end = frames[FRAMES] + psz;
	for (unsigned round = 0; round < rounds; round++) {
		for (unsigned f = 0; f <= FRAMES; f++)
			for (unsigned i = 0; i < IDX; i++)
				ASSERT_OK(pt_mem_write(pt_mem_of(pt),
						       frames[f] + i * esz,
						       esz,
						       random_entry(&rng, g,
								    frames,
								    end)));
		for (unsigned k = 0; k < 200; k++) {
			uint64_t va = rng_below(&rng, psz);

			for (unsigned l = 0; l < levels; l++) {
				uint64_t n = 1ULL << g->bits[l];

				va |= rng_below(&rng, n < IDX ? n : IDX) <<
				      shift_of(g, l);
			}
			switch (rng_below(&rng, 8)) {
			case 0:  /* the upper half, or out of range */
				va |= rng_below(&rng, 2) ?
				      ~0ULL << g->va_bits : 1ULL << 62;
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

/*
 * Real mappings walk as the reference says: the largest leaf @big at
 * [big, 2 * big) (arm64: with contiguous runs), three base pages after
 * it, a hole; from the root and from every level.
 */
static void test_mapped_any(const struct pt_geometry *g)
{
	unsigned top = g->levels - 1, lb = 0;
	uint64_t psz = 1ULL << g->page_shift, big;
	unsigned flags = PT_MAP_HUGE;
	struct pt_walk w;
	struct pt *pt;

	for (unsigned l = 0; l <= top; l++)
		if (leaf_level(g, l))
			lb = l;
	big = pt_level_size(g, lb);
	if (g->arch == PT_ARCH_ARM64)
		flags |= PT_MAP_CONT;
	ASSERT_OK(pt_create(&pt, g, NULL));
	ASSERT_OK(pt_map(pt, big, 2 * big, big, PT_PROT_READ | PT_PROT_WRITE,
			 flags));
	ASSERT_OK(pt_map(pt, 2 * big + psz, 4 * big, 3 * psz,
			 PT_PROT_READ | PT_PROT_EXEC | PT_PROT_USER, flags));
	for (unsigned i = 0; i < 8; i++) {
		uint64_t va = (i < 4 ? big + i * (big / 4) :
			       2 * big + (i - 3) * psz) + 0x88;

		expect_same(pt, va, -1, 0);
		pt_walk(pt, va, &w);
		if (i < 7) {
			ASSERT_EQ(w.fault, PT_FAULT_NONE);
			for (unsigned l = w.level; l <= top; l++)
				expect_same(pt, va, (int)l, w.table[l]);
		} else {
			ASSERT_EQ(w.fault, PT_FAULT_NOT_PRESENT);
		}
	}
	expect_same(pt, 2 * big + 0x10, -1, 0);  /* the hole */
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
	const struct pt_geometry *geos;
	size_t n = 0;

	test_mapped("x86-64-4l");
	test_mapped("x86-64-5l");
	geos = pt_geometries(&n);
	for (size_t i = 0; i < n; i++) {
		test_mapped_any(&geos[i]);
		test_hostile(geos[i].name, 150);
	}
	printf("pt_walk: ok (%zu geometries)\n", n);
	return 0;
}
