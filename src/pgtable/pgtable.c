/* SPDX-License-Identifier: MIT */
/*
 * Page tables over the simulated memory: map, unmap, protect and the walk.
 *
 * Conventions in this file: @l is a level (0 = last), @table the physical
 * address of a table at level @l, [va, last] an inclusive VA range inside
 * that table's span (inclusive so that a range ending at 2^64 - 1 needs no
 * wrapping sum), @sz the bytes one entry at @l maps.  Every operation
 * first checks the whole range without changing anything, then applies
 * itself, so failures leave the table as it was.
 */
#include <stdlib.h>

#include "pt_impl.h"

struct pt {
	/* Read by every walk step: kept together, precomputed per level. */
	const uint8_t **bytes;  /* &mem->bytes: the array may move */
	const struct pt_mem *cmem;
	uint64_t addr_mask;
	uint8_t shift[PT_MAX_LEVELS];
	uint8_t top, esz_shift, hi_shift, oa_hi;
	uint8_t x86_fast;       /* levels if walk_x86_fast() applies, else 0 */
	uint64_t hi_ones;       /* va >> hi_shift of the upper half, or 0 */
	uint64_t page_mask;     /* page size - 1 */
	enum pt_arch arch;
	uint64_t imask[PT_MAX_LEVELS];
	uint64_t leaf_rsvd[PT_MAX_LEVELS];
	uint64_t tab_rsvd[PT_MAX_LEVELS];
	uint64_t tab_fill[PT_MAX_LEVELS];
	uint16_t contig[PT_MAX_LEVELS];
	uint64_t root;

	const struct pt_geometry *g;
	struct pt_mem *mem;
	bool own_mem;
	uint64_t tbytes[PT_MAX_LEVELS];  /* size of one table at level l */
	struct pt_stats st;
};

static unsigned x86_fast_levels(const struct pt *pt);

/* Tables are created without restrictions; the leaves carry the rights. */
#define TABLE_PROT (PT_PROT_RWX | PT_PROT_USER | PT_PROT_ACCESSED)

static inline bool va_ok(const struct pt *pt, uint64_t va)
{
	uint64_t t = va >> pt->hi_shift;

	return t == 0 || t == pt->hi_ones;
}

/* [va, va + size) valid for the geometry; *last gets its last byte. */
static int range_ok(const struct pt *pt, uint64_t va, uint64_t size,
		    uint64_t *last)
{
	uint64_t psz = 1ULL << pt->g->page_shift;

	if (!size || (va | size) & (psz - 1) || size - 1 > UINT64_MAX - va)
		return -EINVAL;
	*last = va + (size - 1);
	if (!va_ok(pt, va) || (va >> pt->hi_shift) != (*last >> pt->hi_shift))
		return -EINVAL;
	return 0;
}

static inline uint64_t entry_addr(const struct pt *pt, uint64_t table,
				  unsigned l, uint64_t va)
{
	return table + (((va >> pt->shift[l]) & pt->imask[l]) << pt->esz_shift);
}

static uint64_t rd(const struct pt *pt, uint64_t pa)
{
	uint64_t v = 0;

	pt_mem_read(pt->mem, pa, 1u << pt->esz_shift, &v);
	return v;
}

static void wr(struct pt *pt, uint64_t pa, uint64_t v)
{
	pt_mem_write(pt->mem, pa, 1u << pt->esz_shift, v);
}

static uint32_t *cnt(struct pt *pt, uint64_t table)
{
	return &pt->mem->count[pt_mem_frame_index(pt->mem, table)];
}

static int new_table(struct pt *pt, unsigned l, uint64_t *pa)
{
	int err = pt_frame_alloc(pt->mem, pa);

	if (err)
		return err;
	pt->st.tables[l]++;
	pt->st.bytes[l] += pt->tbytes[l];
	pt->st.frames++;
	return 0;
}

static void free_table(struct pt *pt, unsigned l, uint64_t pa)
{
	pt_frame_free(pt->mem, pa);
	pt->st.tables[l]--;
	pt->st.bytes[l] -= pt->tbytes[l];
	pt->st.frames--;
}

int pt_create(struct pt **out, const struct pt_geometry *g,
	      struct pt_mem *mem)
{
	struct pt *pt;
	int err = pt_geometry_check(g);

	if (err)
		return err;
	if (mem && mem->shift != g->page_shift)
		return -EINVAL;
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->g = g;
	if (!mem) {
		uint64_t lim = g->pa_bits >= 63 ? UINT64_MAX : 1ULL << g->pa_bits;

		err = pt_mem_create(&mem, g->page_shift, lim);
		if (err) {
			free(pt);
			return err;
		}
		pt->own_mem = true;
	}
	pt->mem = mem;
	pt->cmem = mem;
	pt->bytes = (const uint8_t **)&mem->bytes;
	pt->top = g->levels - 1;
	pt->page_mask = (1ULL << g->page_shift) - 1;
	pt->arch = g->arch;
	pt->esz_shift = g->entry_size == 4 ? 2 : 3;
	pt->addr_mask = pt_addr_mask(g);
	pt->oa_hi = g->arch == PT_ARCH_ARM64 && g->page_shift == 16;
	switch (g->arch) {
	case PT_ARCH_X86_64:
	case PT_ARCH_RISCV:  /* sign-extended from bit va_bits - 1 */
		pt->hi_shift = g->va_bits - 1;
		pt->hi_ones = ~0ULL >> pt->hi_shift;
		break;
	case PT_ARCH_ARM64:  /* TTBR0 (all 0) or TTBR1 (all 1) */
		pt->hi_shift = g->va_bits;
		pt->hi_ones = ~0ULL >> pt->hi_shift;
		break;
	default:
		pt->hi_shift = g->va_bits;
		pt->hi_ones = 0;
		break;
	}
	for (unsigned l = 0; l < g->levels; l++) {
		struct pt_masks mk;

		pt_level_masks(g, l, &mk);
		pt->shift[l] = (uint8_t)pt_level_shift(g, l);
		pt->imask[l] = (1ULL << g->bits[l]) - 1;
		pt->leaf_rsvd[l] = mk.leaf_rsvd;
		pt->tab_rsvd[l] = mk.tab_rsvd;
		pt->tab_fill[l] = mk.tab_fill;
		pt->contig[l] = g->contig[l];
		pt->tbytes[l] = (uint64_t)g->entry_size << g->bits[l];
	}
	pt->x86_fast = (uint8_t)x86_fast_levels(pt);
	err = new_table(pt, pt->top, &pt->root);
	if (err) {
		if (pt->own_mem)
			pt_mem_destroy(mem);
		free(pt);
		return err;
	}
	*out = pt;
	return 0;
}

static void destroy_level(struct pt *pt, unsigned l, uint64_t table)
{
	uint64_t n = pt->imask[l] + 1;

	for (uint64_t i = 0; l && i < n; i++) {
		struct pt_entry e;
		uint64_t raw = rd(pt, table + (i << pt->esz_shift));

		if (!pt_entry_decode(pt->g, l, raw, &e) &&
		    e.kind == PT_ENTRY_TABLE)
			destroy_level(pt, l - 1, e.pa);
	}
	free_table(pt, l, table);
}

void pt_destroy(struct pt *pt)
{
	if (!pt)
		return;
	if (pt->own_mem)
		pt_mem_destroy(pt->mem);
	else
		destroy_level(pt, pt->top, pt->root);
	free(pt);
}

const struct pt_geometry *pt_geometry_of(const struct pt *pt)
{
	return pt->g;
}

struct pt_mem *pt_mem_of(const struct pt *pt)
{
	return pt->mem;
}

uint64_t pt_root(const struct pt *pt)
{
	return pt->root;
}

void pt_get_stats(const struct pt *pt, struct pt_stats *st)
{
	*st = pt->st;
	st->table_bytes = 0;
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++)
		st->table_bytes += st->bytes[l];
}

/* ---- checks before changes ---- */

enum { CHK_EMPTY, CHK_WHOLE, CHK_MAPPED };

/*
 * CHK_EMPTY (map): -EEXIST at any leaf.  CHK_WHOLE (unmap): -EINVAL at a
 * leaf the range covers in part.  CHK_MAPPED (protect): as CHK_WHOLE, and
 * -ENOENT at a hole.
 */
static int check_level(const struct pt *pt, unsigned l, uint64_t table,
		       uint64_t va, uint64_t last, int mode)
{
	uint64_t sz = 1ULL << pt->shift[l];

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		struct pt_entry e;
		int err;

		if (pt_entry_decode(pt->g, l, rd(pt, entry_addr(pt, table, l,
								 va)), &e))
			return -EINVAL;
		if (e.kind == PT_ENTRY_NONE) {
			if (mode == CHK_MAPPED)
				return -ENOENT;
		} else if (e.kind == PT_ENTRY_LEAF) {
			if (mode == CHK_EMPTY)
				return -EEXIST;
			if (va & (sz - 1) || clast - va != sz - 1)
				return -EINVAL;
		} else {
			err = check_level(pt, l - 1, e.pa, va, clast, mode);
			if (err)
				return err;
		}
		if (clast == last)
			return 0;
		va = clast + 1;
	}
}

/* ---- map ---- */

static int map_level(struct pt *pt, unsigned l, uint64_t table, uint64_t va,
		     uint64_t last, uint64_t pa, uint32_t prot, unsigned flags)
{
	uint64_t sz = 1ULL << pt->shift[l];
	bool leaf_ok = pt->g->leaf_levels & (1u << l);

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		uint64_t a = entry_addr(pt, table, l, va), raw;
		bool whole = !(va & (sz - 1)) && clast - va == sz - 1;
		struct pt_entry e = { .level = (uint8_t)l };
		int err;

		if (l == 0 || (whole && flags & PT_MAP_HUGE && leaf_ok &&
			       !(pa & (sz - 1)))) {
			uint64_t run = 1, rs = sz * pt->contig[l];

			if (flags & PT_MAP_CONT && pt->contig[l] &&
			    !(va & (rs - 1)) && !(pa & (rs - 1)) &&
			    last - va >= rs - 1)
				run = pt->contig[l];
			e.kind = PT_ENTRY_LEAF;
			e.prot = prot;
			e.contig = run > 1;
			for (uint64_t i = 0; i < run; i++) {
				e.pa = pa + i * sz;
				err = pt_entry_encode(pt->g, &e, &raw);
				if (err)
					return err;
				wr(pt, a + (i << pt->esz_shift), raw);
			}
			*cnt(pt, table) += (uint32_t)run;
			pt->st.leaves[l] += run;
			clast = va + (run * sz - 1);
		} else {
			if (pt_entry_decode(pt->g, l, rd(pt, a), &e))
				return -EINVAL;
			if (e.kind == PT_ENTRY_NONE) {
				err = new_table(pt, l - 1, &e.pa);
				if (err)
					return err;
				e.kind = PT_ENTRY_TABLE;
				e.prot = TABLE_PROT;
				err = pt_entry_encode(pt->g, &e, &raw);
				if (err) {
					free_table(pt, l - 1, e.pa);
					return err;
				}
				wr(pt, a, raw);
				(*cnt(pt, table))++;
			}
			err = map_level(pt, l - 1, e.pa, va, clast, pa, prot,
					flags);
			if (err)
				return err;
		}
		if (clast == last)
			return 0;
		pa += clast - va + 1;
		va = clast + 1;
	}
}

static void unmap_level(struct pt *pt, unsigned l, uint64_t table,
			uint64_t va, uint64_t last);

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint32_t prot, unsigned flags)
{
	const struct pt_geometry *g = pt->g;
	struct pt_entry probe = { .kind = PT_ENTRY_LEAF };
	uint64_t last, raw;
	int err = range_ok(pt, va, size, &last);

	if (err)
		return err;
	if (flags & ~(PT_MAP_HUGE | PT_MAP_CONT) ||
	    pa & ((1ULL << g->page_shift) - 1) || pa >> g->pa_bits ||
	    size > (1ULL << g->pa_bits) - pa)
		return -EINVAL;
	prot = pt_prot_fit(g, prot);
	probe.prot = prot;
	err = pt_entry_encode(g, &probe, &raw);
	if (err)
		return err;
	err = check_level(pt, pt->top, pt->root, va, last, CHK_EMPTY);
	if (err)
		return err;
	err = map_level(pt, pt->top, pt->root, va, last, pa, prot, flags);
	if (err)  /* the range was empty: clearing it restores the table */
		unmap_level(pt, pt->top, pt->root, va, last);
	return err;
}

/* ---- unmap and protect ---- */

/* Clear the contiguous hint on the run holding @va's entry at @l. */
static void uncontig(struct pt *pt, unsigned l, uint64_t table, uint64_t va)
{
	uint64_t n = pt->contig[l];
	uint64_t first = ((va >> pt->shift[l]) & pt->imask[l]) & ~(n - 1);

	for (uint64_t i = first; i < first + n; i++) {
		uint64_t a = table + (i << pt->esz_shift), raw;
		struct pt_entry e;

		if (pt_entry_decode(pt->g, l, rd(pt, a), &e) ||
		    e.kind != PT_ENTRY_LEAF || !e.contig)
			continue;
		e.contig = false;
		if (!pt_entry_encode(pt->g, &e, &raw))
			wr(pt, a, raw);
	}
}

/* Does the contiguous run holding @va at @l stick out of [first, last]? */
static bool run_cut(const struct pt *pt, unsigned l, uint64_t va,
		    uint64_t first, uint64_t last)
{
	uint64_t rs = (1ULL << pt->shift[l]) * pt->contig[l];
	uint64_t rfirst = va & ~(rs - 1);

	return rfirst < first || rfirst + (rs - 1) > last;
}

static void unmap_level(struct pt *pt, unsigned l, uint64_t table,
			uint64_t va, uint64_t last)
{
	uint64_t sz = 1ULL << pt->shift[l], first = va;

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		uint64_t a = entry_addr(pt, table, l, va);
		struct pt_entry e;

		pt_entry_decode(pt->g, l, rd(pt, a), &e);
		if (e.kind == PT_ENTRY_LEAF) {
			if (e.contig && run_cut(pt, l, va, first, last))
				uncontig(pt, l, table, va);
			wr(pt, a, 0);
			(*cnt(pt, table))--;
			pt->st.leaves[l]--;
		} else if (e.kind == PT_ENTRY_TABLE) {
			unmap_level(pt, l - 1, e.pa, va, clast);
			if (*cnt(pt, e.pa) == 0) {
				free_table(pt, l - 1, e.pa);
				wr(pt, a, 0);
				(*cnt(pt, table))--;
			}
		}
		if (clast == last)
			return;
		va = clast + 1;
	}
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	uint64_t last;
	int err = range_ok(pt, va, size, &last);

	if (err)
		return err;
	err = check_level(pt, pt->top, pt->root, va, last, CHK_WHOLE);
	if (err)
		return err;
	unmap_level(pt, pt->top, pt->root, va, last);
	return 0;
}

#define PROT_RIGHTS (PT_PROT_RWX | PT_PROT_USER | PT_PROT_GLOBAL)
#define PROT_STATE (PT_PROT_ACCESSED | PT_PROT_DIRTY)

static void protect_level(struct pt *pt, unsigned l, uint64_t table,
			  uint64_t va, uint64_t last, uint32_t prot)
{
	uint64_t sz = 1ULL << pt->shift[l], first = va;

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		uint64_t a = entry_addr(pt, table, l, va), raw;
		struct pt_entry e;

		pt_entry_decode(pt->g, l, rd(pt, a), &e);
		if (e.kind == PT_ENTRY_LEAF) {
			if (e.contig && run_cut(pt, l, va, first, last)) {
				uncontig(pt, l, table, va);
				pt_entry_decode(pt->g, l, rd(pt, a), &e);
			}
			e.prot = pt_prot_fit(pt->g, (prot & PROT_RIGHTS) |
					     (e.prot & PROT_STATE));
			if (!pt_entry_encode(pt->g, &e, &raw))
				wr(pt, a, raw);
		} else if (e.kind == PT_ENTRY_TABLE) {
			protect_level(pt, l - 1, e.pa, va, clast, prot);
		}
		if (clast == last)
			return;
		va = clast + 1;
	}
}

int pt_protect(struct pt *pt, uint64_t va, uint64_t size, uint32_t prot)
{
	struct pt_entry probe = { .kind = PT_ENTRY_LEAF };
	uint64_t last, raw;
	int err = range_ok(pt, va, size, &last);

	if (err)
		return err;
	/* The rights alone must be expressible; state bits only narrow. */
	probe.prot = pt_prot_fit(pt->g, prot & PROT_RIGHTS);
	err = pt_entry_encode(pt->g, &probe, &raw);
	if (err)
		return err;
	err = check_level(pt, pt->top, pt->root, va, last, CHK_MAPPED);
	if (err)
		return err;
	protect_level(pt, pt->top, pt->root, va, last, prot);
	return 0;
}

/* ---- the walk ---- */

static uint64_t walk_fault(struct pt_walk *w, int fault, unsigned l,
			   unsigned reads, uint64_t e)
{
	w->pa = PT_PA_NONE;
	w->size = 0;
	w->prot = 0;
	w->entry = e;
	w->fault = (uint8_t)fault;
	w->level = (uint8_t)l;
	w->reads = (uint8_t)reads;
	return PT_PA_NONE;
}

static inline uint64_t walk_done(struct pt_walk *w, uint64_t pa, uint64_t size,
				 uint32_t prot, unsigned l, unsigned reads,
				 uint64_t e)
{
	w->pa = pa;
	w->size = size;
	w->prot = prot;
	w->entry = e;
	w->fault = PT_FAULT_NONE;
	w->level = (uint8_t)l;
	w->reads = (uint8_t)reads;
	return pa;
}

/*
 * Byte offset of the entry for @va in @table, or UINT64_MAX when it lies
 * outside the memory handed out (@limit: last valid entry offset).
 */
#define ENTRY_OFF(pt, table, l, va, esz_shift)                              \
	((table) - PT_MEM_BASE +                                            \
	 ((((va) >> (pt)->shift[l]) & (pt)->imask[l]) << (esz_shift)))

/*
 * x86: one loop for 64-bit (x86-64, PAE) and 32-bit entries; @wide is a
 * constant at each call so the compiler makes two walkers.  R/W and U/S
 * are ANDed and NX ORed over the levels, as the hardware combines them.
 * The walk goes on from level @l with @and_bits, @or_bits and @reads as
 * the levels above left them (a fresh walk: ~0, 0, 0).
 */
static inline __attribute__((always_inline)) uint64_t
walk_x86(const struct pt *pt, uint64_t va, unsigned l, uint64_t table,
	 struct pt_walk *w, const bool wide, uint64_t and_bits,
	 uint64_t or_bits, unsigned reads)
{
	const uint8_t *mem = *pt->bytes;
	uint64_t limit = (pt->cmem->top << pt->cmem->shift) - (wide ? 8 : 4);
	uint64_t e, off, sz;

	for (;;) {
		w->table[l] = table;
		off = ENTRY_OFF(pt, table, l, va, wide ? 3 : 2);
		if (off > limit)
			return walk_fault(w, PT_FAULT_BAD_PA, l, reads, 0);
		if (wide) {
			memcpy(&e, mem + off, 8);
		} else {
			uint32_t v;

			memcpy(&v, mem + off, 4);
			e = v;
		}
		reads++;
		/*
		 * The common step first: a present table pointer without
		 * reserved bits (P set, PS and tab_rsvd clear) above level 0,
		 * one test; the slow classification below gives the same
		 * answers in the order P, leaf, reserved.
		 */
		if (__builtin_expect(l == 0 ||
				     (e & (X86_P | X86_PS | pt->tab_rsvd[l])) !=
				     X86_P, 0)) {
			if (!(e & X86_P))
				return walk_fault(w, PT_FAULT_NOT_PRESENT, l,
						  reads, e);
			if (l == 0 || e & X86_PS)
				break;
			return walk_fault(w, PT_FAULT_RESERVED, l, reads, e);
		}
		and_bits &= e | pt->tab_fill[l];
		or_bits |= e;
		table = e & pt->addr_mask;
		l--;
	}
	if (e & pt->leaf_rsvd[l])
		return walk_fault(w, PT_FAULT_RESERVED, l, reads, e);
	and_bits &= e;
	or_bits |= e;
	sz = 1ULL << pt->shift[l];
	return walk_done(w, (e & pt->addr_mask & ~(sz - 1)) | (va & (sz - 1)),
			 sz,
			 PT_PROT_READ |
			 (and_bits & X86_RW ? PT_PROT_WRITE : 0) |
			 (and_bits & X86_US ? PT_PROT_USER : 0) |
			 (wide && or_bits & X86_NX ? 0 : PT_PROT_EXEC) |
			 (e & X86_A ? PT_PROT_ACCESSED : 0) |
			 (e & X86_D ? PT_PROT_DIRTY : 0) |
			 (e & X86_G ? PT_PROT_GLOBAL : 0),
			 l, reads, e);
}

/*
 * The x86-64 walk of the standard geometries (x86-64-4l, x86-64-5l: 4K
 * frames, 9 index bits a level): every shift, index mask, address mask
 * and reserved mask is a constant, and so are the start level and, once
 * the loop is laid out straight, each step's level.  One step: one
 * compare checks that the table's frame was handed out, w->table[l] is
 * stored, the entry is loaded from the host copy of the frame, and a
 * present table pointer (P set, PS and reserved bits clear) is recognised
 * by two bit tests.  A valid 4K page is finished in line, a PS leaf by
 * x86f_huge(); anything else (not present, reserved bits, a table address
 * outside the memory) goes to walk_x86() at the level where it showed,
 * which reads that entry again and answers exactly as a walk of its own
 * would have: the fast path only ever decides the cases it is sure of.
 * @check_start: the start table came from the caller and may be bad.
 *
 * The frame check: tables are frame-aligned (the address mask keeps bits
 * 12 and up; pt_walk_from() rejects an unaligned start) and memory ends
 * on a frame, so "table - PT_MEM_BASE < bytes handed out" holds exactly
 * when walk_x86()'s test of the entry's offset passes.
 */
#define X86F_SHIFT 12
#define X86F_BITS 9
#define X86F_ADDR pt_bits(PT_X86_MAXPHYADDR - 1, X86F_SHIFT)
#define X86F_RSVD pt_bits(51, PT_X86_MAXPHYADDR)

_Static_assert(PT_PROT_WRITE == X86_RW && PT_PROT_USER == X86_US << 1 &&
	       PT_PROT_ACCESSED == X86_A && PT_PROT_DIRTY == X86_D &&
	       PT_PROT_GLOBAL == X86_G >> 4,
	       "x86f_done moves x86 bits to PT_PROT_* by shifts");

/* The levels of @pt if walk_x86_fast() may walk it, else 0. */
static unsigned x86_fast_levels(const struct pt *pt)
{
	const struct pt_geometry *g = pt->g;

	if (g->arch != PT_ARCH_X86_64 || g->page_shift != X86F_SHIFT ||
	    (g->levels != 4 && g->levels != 5) ||
	    pt->addr_mask != X86F_ADDR || pt->leaf_rsvd[0] != X86F_RSVD)
		return 0;
	for (unsigned l = 0; l < g->levels; l++)
		if (g->bits[l] != X86F_BITS || pt->tab_fill[l] ||
		    (l && pt->tab_rsvd[l] != X86F_RSVD))
			return 0;
	return g->levels;
}

/* va_ok() of an x86-64 geometry of @levels levels. */
static inline bool x86_fast_va_ok(uint64_t va, const unsigned levels)
{
	uint64_t t = va >> (X86F_SHIFT + X86F_BITS * levels - 1);

	return t == 0 || t == ~0ULL >> (X86F_SHIFT + X86F_BITS * levels - 1);
}

/* General continuation of walk_x86_fast(), kept out of its line. */
static __attribute__((noinline, cold)) uint64_t
walk_x86_slow(const struct pt *pt, uint64_t va, unsigned l, uint64_t table,
	      struct pt_walk *w, uint64_t and_bits, uint64_t or_bits,
	      unsigned start)
{
	w->start = (uint8_t)start;
	return walk_x86(pt, va, l, table, w, true, and_bits, or_bits,
			start - l);
}

/* Fill *w for the valid leaf @e at level @l; and/or_bits: the tables'. */
static inline __attribute__((always_inline)) uint64_t
x86f_done(uint64_t va, struct pt_walk *w, uint64_t e, uint64_t and_bits,
	  uint64_t or_bits, unsigned l, unsigned start)
{
	uint64_t sz = 1ULL << (X86F_SHIFT + X86F_BITS * l);
	uint64_t pa = (e & X86F_ADDR & ~(sz - 1)) | (va & (sz - 1));

	and_bits &= e;
	w->pa = pa;
	w->size = sz;
	w->entry = e;
	w->prot = PT_PROT_READ | (uint32_t)(and_bits & X86_RW) |
		  (uint32_t)(and_bits & X86_US) << 1 |
		  (uint32_t)(e & (X86_A | X86_D)) |
		  (uint32_t)(e & X86_G) >> 4 |
		  ((or_bits | e) & X86_NX ? 0 : PT_PROT_EXEC);
	w->fault = PT_FAULT_NONE;
	w->level = (uint8_t)l;
	w->start = (uint8_t)start;
	w->reads = (uint8_t)(start - l + 1);
	return pa;
}

/* A PS leaf @e at level @l >= 1 (present). */
static __attribute__((noinline)) uint64_t
x86f_huge(const struct pt *pt, uint64_t va, struct pt_walk *w, uint64_t e,
	  uint64_t and_bits, uint64_t or_bits, unsigned l, unsigned start)
{
	if (e & pt->leaf_rsvd[l]) {
		w->start = (uint8_t)start;
		return walk_fault(w, PT_FAULT_RESERVED, l, start - l + 1, e);
	}
	return x86f_done(va, w, e, and_bits, or_bits, l, start);
}

static inline __attribute__((always_inline)) uint64_t
walk_x86_fast(const struct pt *pt, uint64_t va, const unsigned start,
	      uint64_t table, struct pt_walk *w, const bool check_start)
{
	/* Host address of physical 0: the entry is host0 + table + idx*8. */
	uintptr_t host0 = (uintptr_t)*pt->bytes - PT_MEM_BASE;
	uint64_t end = pt->cmem->top << X86F_SHIFT;
	uint64_t e, and_bits = ~0ULL, or_bits = 0;
	unsigned l;

	/* Every step returns at level 0: the condition only bounds it. */
#pragma GCC unroll 5
	for (l = start; l <= start; l--) {
		uint64_t idx = (va >> (X86F_SHIFT + X86F_BITS * l)) &
			       ((1u << X86F_BITS) - 1);

		if ((l != start || check_start) && table - PT_MEM_BASE >= end)
			break;
		uintptr_t slot = host0 + idx * 8;

		/*
		 * Keep host0 + idx * 8 one value, computed off the chain of
		 * loads, so that the table address is added by the load
		 * itself and not by an extra step on that chain.
		 */
		__asm__("" : "+r"(slot));
		w->table[l] = table;
		memcpy(&e, (const void *)(slot + table), 8);
		if (l == 0) {
			if ((e & (X86_P | X86F_RSVD)) != X86_P)
				break;
			return x86f_done(va, w, e, and_bits, or_bits, 0,
					 start);
		}
		if (!(e & X86_P))
			break;
		if (e & (X86_PS | X86F_RSVD)) {
			if (!(e & X86_PS))
				break;
			return x86f_huge(pt, va, w, e, and_bits, or_bits, l,
					 start);
		}
		and_bits &= e;
		or_bits |= e;
		table = e & X86F_ADDR;
	}
	/* Each break leaves with the state of its level, entry unread. */
	return walk_x86_slow(pt, va, l, table, w, and_bits, or_bits, start);
}

static inline uint64_t arm_out(const struct pt *pt, uint64_t e)
{
	uint64_t pa = e & pt->addr_mask;

	if (pt->oa_hi)
		pa |= ((e >> 12) & 0xf) << 48;
	return pa;
}

/* arm64: table restrictions (APTable, XNTable) are ORed over the levels. */
static uint64_t walk_arm(const struct pt *pt, uint64_t va, unsigned l,
			 uint64_t table, struct pt_walk *w)
{
	const uint8_t *mem = *pt->bytes;
	uint64_t limit = (pt->cmem->top << pt->cmem->shift) - 8;
	uint64_t e, off, sz, size, or_bits = 0;
	unsigned reads = 0;
	uint32_t prot;

	for (;;) {
		w->table[l] = table;
		off = ENTRY_OFF(pt, table, l, va, 3);
		if (off > limit)
			return walk_fault(w, PT_FAULT_BAD_PA, l, reads, 0);
		memcpy(&e, mem + off, 8);
		reads++;
		if (!(e & ARM_VALID))
			return walk_fault(w, PT_FAULT_NOT_PRESENT, l, reads, e);
		if (!(e & ARM_TYPE)) {
			if (l == 0)  /* bits 1:0 = 01 at level 3: reserved */
				return walk_fault(w, PT_FAULT_RESERVED, l,
						  reads, e);
			break;  /* block */
		}
		if (l == 0)
			break;  /* page */
		if (e & pt->tab_rsvd[l])
			return walk_fault(w, PT_FAULT_RESERVED, l, reads, e);
		or_bits |= e;
		table = arm_out(pt, e);
		l--;
	}
	if (e & pt->leaf_rsvd[l])
		return walk_fault(w, PT_FAULT_RESERVED, l, reads, e);
	sz = 1ULL << pt->shift[l];
	size = e & ARM_CONT ? sz * pt->contig[l] : sz;
	prot = PT_PROT_READ |
	       ((!(e & ARM_AP2) || e & ARM_DBM) && !(or_bits & ARM_APT1) ?
		PT_PROT_WRITE : 0) |
	       (e & ARM_AP2 ? 0 : PT_PROT_DIRTY) |
	       (e & ARM_AF ? PT_PROT_ACCESSED : 0) |
	       (e & ARM_NG ? 0 : PT_PROT_GLOBAL);
	if (e & ARM_AP1) {
		if (!(or_bits & ARM_APT0))
			prot |= PT_PROT_USER;
		if (!(e & ARM_UXN) && !(or_bits & ARM_UXNT))
			prot |= PT_PROT_EXEC;
	} else if (!(e & ARM_PXN) && !(or_bits & ARM_PXNT)) {
		prot |= PT_PROT_EXEC;
	}
	return walk_done(w, arm_out(pt, e) | (va & (sz - 1)), size, prot, l,
			 reads, e);
}

/* RISC-V: a pointer has R = W = X = 0; tab_rsvd[0] is all ones. */
static uint64_t walk_rv(const struct pt *pt, uint64_t va, unsigned l,
			uint64_t table, struct pt_walk *w)
{
	const uint8_t *mem = *pt->bytes;
	uint64_t limit = (pt->cmem->top << pt->cmem->shift) - 8;
	uint64_t e, off, sz;
	unsigned reads = 0;

	for (;;) {
		w->table[l] = table;
		off = ENTRY_OFF(pt, table, l, va, 3);
		if (off > limit)
			return walk_fault(w, PT_FAULT_BAD_PA, l, reads, 0);
		memcpy(&e, mem + off, 8);
		reads++;
		if (!(e & RV_V))
			return walk_fault(w, PT_FAULT_NOT_PRESENT, l, reads, e);
		if (e & (RV_R | RV_W | RV_X))
			break;
		if (e & pt->tab_rsvd[l])
			return walk_fault(w, PT_FAULT_RESERVED, l, reads, e);
		table = ((e >> RV_PPN_SHIFT) & RV_PPN_MASK) << 12;
		l--;
	}
	if (e & pt->leaf_rsvd[l] || (e & (RV_R | RV_W)) == RV_W)
		return walk_fault(w, PT_FAULT_RESERVED, l, reads, e);
	sz = 1ULL << pt->shift[l];
	return walk_done(w, (((e >> RV_PPN_SHIFT) & RV_PPN_MASK) << 12) |
			 (va & (sz - 1)), sz,
			 (e & RV_R ? PT_PROT_READ : 0) |
			 (e & RV_W ? PT_PROT_WRITE : 0) |
			 (e & RV_X ? PT_PROT_EXEC : 0) |
			 (e & RV_U ? PT_PROT_USER : 0) |
			 (e & RV_G ? PT_PROT_GLOBAL : 0) |
			 (e & RV_A ? PT_PROT_ACCESSED : 0) |
			 (e & RV_D ? PT_PROT_DIRTY : 0),
			 l, reads, e);
}

uint64_t pt_walk_from(const struct pt *pt, uint64_t va, unsigned level,
		      uint64_t table_pa, struct pt_walk *w)
{
	w->start = (uint8_t)level;
	if (level > pt->top || !va_ok(pt, va))
		return walk_fault(w, PT_FAULT_RANGE, level, 0, 0);
	/*
	 * Tables lie in whole frames; an aligned address keeps ENTRY_OFF
	 * from wrapping back into memory from below PT_MEM_BASE.
	 */
	if (table_pa >> 62 || table_pa & pt->page_mask)
		return walk_fault(w, PT_FAULT_BAD_PA, level, 0, 0);
	switch (pt->arch) {
	case PT_ARCH_X86_64:
		switch (pt->x86_fast ? level : PT_MAX_LEVELS) {
		case 0:
			return walk_x86_fast(pt, va, 0, table_pa, w, true);
		case 1:
			return walk_x86_fast(pt, va, 1, table_pa, w, true);
		case 2:
			return walk_x86_fast(pt, va, 2, table_pa, w, true);
		case 3:
			return walk_x86_fast(pt, va, 3, table_pa, w, true);
		case 4:
			return walk_x86_fast(pt, va, 4, table_pa, w, true);
		}
		/* fall through */
	case PT_ARCH_X86_PAE:
		return walk_x86(pt, va, level, table_pa, w, true, ~0ULL, 0, 0);
	case PT_ARCH_X86_32:
		return walk_x86(pt, va, level, table_pa, w, false, ~0ULL, 0,
				0);
	case PT_ARCH_ARM64:
		return walk_arm(pt, va, level, table_pa, w);
	case PT_ARCH_RISCV:
		return walk_rv(pt, va, level, table_pa, w);
	}
	return walk_fault(w, PT_FAULT_RANGE, level, 0, 0);
}

uint64_t pt_walk(const struct pt *pt, uint64_t va, struct pt_walk *w)
{
	/* The root is a frame handed out, so it needs no check. */
	if (pt->x86_fast == 4 && x86_fast_va_ok(va, 4))
		return walk_x86_fast(pt, va, 3, pt->root, w, false);
	if (pt->x86_fast == 5 && x86_fast_va_ok(va, 5))
		return walk_x86_fast(pt, va, 4, pt->root, w, false);
	return pt_walk_from(pt, va, pt->top, pt->root, w);
}
