/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the pgtable sources: the table of operations each
 * architecture fills (arch_*.c), the per-level masks that the decoder and
 * the walker both use (computed once per table for the walker), the
 * simulated memory's layout, struct pt, and the generic walk.
 */
#ifndef VMBENCH_PT_IMPL_H
#define VMBENCH_PT_IMPL_H

#include <errno.h>
#include <string.h>

#include <vmbench/pgtable.h>

/* Bits hi..lo inclusive; 0 when hi < lo. */
static inline uint64_t pt_bits(int hi, int lo)
{
	if (hi < lo)
		return 0;
	return (~0ULL >> (63 - hi)) & (~0ULL << lo);
}

/*
 * Masks of one level.  leaf_rsvd: bits that must be clear in a leaf there
 * (all ones where no leaf may be); tab_rsvd: the same for a table pointer
 * (all ones at level 0); tab_fill: bits ORed into a table entry before its
 * restrictions are accumulated (PAE's PDPTE has no R/W, U/S); addr: the
 * bits of an entry that hold the output address, for the architecture's
 * out_addr (arm64 64K granule: bits 47:16, and PA[51:48] in bits 15:12
 * as addr_hi).  Filled by the architecture's masks operation.
 */
struct pt_masks {
	uint64_t leaf_rsvd;
	uint64_t tab_rsvd;
	uint64_t tab_fill;
	uint64_t addr;
	uint64_t addr_hi;
};

/* What one raw entry is, as the hardware would take it at its level. */
enum pt_class {
	PT_CLASS_NONE,      /* not present */
	PT_CLASS_TABLE,     /* pointer to the next level's table */
	PT_CLASS_LEAF,      /* page or block */
	PT_CLASS_RESERVED,  /* present but malformed at this level */
};

/* Which upper VA bits a geometry accepts (bits above the index bits). */
enum pt_va_mode {
	PT_VA_SIGN,    /* bits 63..va_bits-1 equal (x86-64, RISC-V) */
	PT_VA_HALVES,  /* bits 63..va_bits all 0 or all 1 (arm64 TTBR0/1) */
	PT_VA_LOW,     /* va < 2^va_bits (x86-32, PAE) */
};

struct pt;

/*
 * One architecture's knowledge of its entries: the only place that reads
 * or writes entry bits.  A geometry row points at one of these; the
 * entry code (entry.c) and the generic walker (pt_walk_generic() below)
 * both decode through classify, out_addr and leaf_prot, so each layout
 * and each permission rule is written once, in the architecture's file.
 *
 *  masks      the reserved and fill masks of level @l of @g
 *  classify   none / table / leaf / reserved of @raw at level @l, with
 *             @mk the masks of that level
 *  out_addr   the output address of a present entry at a level with
 *             masks @mk (for a leaf, before the bits below its size are
 *             cleared)
 *  table_prot what a table entry permits below it (PT_PROT_*)
 *  leaf_prot  the effective PT_PROT_* of leaf @raw under tables whose
 *             entries ANDed to @and_tab (tab_fill included) and ORed to
 *             @or_tab; ~0 and 0 for the leaf alone
 *  encode     @e into raw bits (pt_entry_encode() has checked level,
 *             kind, alignment and pa_bits)
 *  prot_fit   pt_prot_fit()
 *  walk_from  the walk from level @l with table @table, after
 *             pt_walk_from()'s checks: pt_walk_generic() instantiated
 *             for this table, or a faster walk that answers the same
 *  setup      optional: called by pt_create() once the masks are set,
 *             to choose a fast walk: it may set pt->walk_root (the walk
 *             from the root, no checks done; by default pt_walk_from()
 *             from the root) and pt->fast
 */
struct pt_arch {
	const char *name;
	uint8_t entry_size;        /* 4 or 8 */
	uint8_t va_mode;           /* enum pt_va_mode */
	uint64_t contig_bit;       /* contiguous hint, 0 if none */
	void (*masks)(const struct pt_geometry *g, unsigned l,
		      struct pt_masks *mk);
	int (*classify)(const struct pt_masks *mk, unsigned l, uint64_t raw);
	uint64_t (*out_addr)(const struct pt_masks *mk, uint64_t raw);
	uint32_t (*table_prot)(const struct pt_masks *mk, uint64_t raw);
	uint32_t (*leaf_prot)(uint64_t raw, uint64_t and_tab, uint64_t or_tab);
	int (*encode)(const struct pt_geometry *g, const struct pt_entry *e,
		      uint64_t *raw);
	uint32_t (*prot_fit)(uint32_t prot);
	uint64_t (*walk_from)(const struct pt *pt, uint64_t va, unsigned l,
			      uint64_t table, struct pt_walk *w);
	void (*setup)(struct pt *pt);
};

/*
 * The simulated physical memory: frame i lies at PT_MEM_BASE + (i << shift)
 * in bytes[i << shift].  Frames [0, top) have been handed out at least
 * once; freed ones wait on the free stack.  count[i] is scratch for the
 * table occupying frame i (its number of non-empty entries).  host0 and
 * end restate bytes and top for a walk (two loads, no arithmetic): the
 * host address of physical address 0, and the bytes handed out.
 */
struct pt_mem {
	uintptr_t host0;     /* (uintptr_t)bytes - PT_MEM_BASE */
	uint64_t end;        /* top << shift */
	uint8_t *bytes;
	uint32_t *count;
	uint64_t *free_stack;
	uint64_t nfree, free_cap;
	uint64_t cap;        /* frames bytes[] can hold */
	uint64_t top;        /* frames handed out so far */
	uint64_t max;        /* frames allowed below pa_limit */
	uint64_t in_use;
	unsigned shift;
	/* pt_mem_create_sourced(): frames from src, bytes[] mmap()ed. */
	const struct pt_frame_source *src;
	void *src_ctx;
};

static inline uint64_t pt_mem_frame_index(const struct pt_mem *m, uint64_t pa)
{
	return (pa - PT_MEM_BASE) >> m->shift;
}

struct pt {
	/* Read by every walk step: kept together, precomputed per level. */
	const uint8_t **bytes;  /* &mem->bytes: the array may move */
	const struct pt_mem *cmem;
	uint64_t (*walk_root)(const struct pt *pt, uint64_t va,
			      struct pt_walk *w);
	const struct pt_arch *arch;
	uint8_t shift[PT_MAX_LEVELS];
	uint8_t top, esz_shift, hi_shift;
	uint8_t fast;           /* the architecture's fast walk applies */
	uint64_t hi_ones;       /* va >> hi_shift of the upper half, or 0 */
	uint64_t page_mask;     /* page size - 1 */
	uint64_t imask[PT_MAX_LEVELS];
	struct pt_masks mk[PT_MAX_LEVELS];
	uint16_t contig[PT_MAX_LEVELS];
	uint64_t root;

	const struct pt_geometry *g;
	struct pt_mem *mem;
	bool own_mem;
	uint64_t tbytes[PT_MAX_LEVELS];  /* size of one table at level l */
	struct pt_stats st;
};

static inline bool pt_va_ok(const struct pt *pt, uint64_t va)
{
	uint64_t t = va >> pt->hi_shift;

	return t == 0 || t == pt->hi_ones;
}

/* ---- the walk: shared by every architecture's walk_from ---- */

static inline uint64_t pt_walk_fault(struct pt_walk *w, int fault, unsigned l,
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

static inline uint64_t pt_walk_done(struct pt_walk *w, uint64_t pa,
				    uint64_t size, uint32_t prot, unsigned l,
				    unsigned reads, uint64_t e)
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
 * The walk of any architecture: from level @l with the table at @table,
 * with @and_tab, @or_tab and @reads as the levels above left them (a
 * fresh walk: ~0, 0, 0).  @a must be the constant table of the caller's
 * architecture so that its operations inline: each arch file instantiates
 * this once as its walk_from.  At each level: one entry loaded (a table
 * outside the memory handed out: PT_FAULT_BAD_PA), classified; a table
 * pointer adds its restrictions and leads on; anything else ends the walk.
 */
static inline __attribute__((always_inline)) uint64_t
pt_walk_generic(const struct pt *pt, const struct pt_arch *a, uint64_t va,
		unsigned l, uint64_t table, struct pt_walk *w,
		uint64_t and_tab, uint64_t or_tab, unsigned reads)
{
	const bool wide = a->entry_size == 8;
	const uint8_t *mem = *pt->bytes;
	uint64_t limit = (pt->cmem->top << pt->cmem->shift) - a->entry_size;
	uint64_t e, off, sz, size;
	int cls;

	for (;;) {
		w->table[l] = table;
		off = table - PT_MEM_BASE +
		      (((va >> pt->shift[l]) & pt->imask[l]) << (wide ? 3 : 2));
		if (off > limit)
			return pt_walk_fault(w, PT_FAULT_BAD_PA, l, reads, 0);
		if (wide) {
			memcpy(&e, mem + off, 8);
		} else {
			uint32_t v;

			memcpy(&v, mem + off, 4);
			e = v;
		}
		reads++;
		cls = a->classify(&pt->mk[l], l, e);
		if (__builtin_expect(cls != PT_CLASS_TABLE, 0))
			break;
		and_tab &= e | pt->mk[l].tab_fill;
		or_tab |= e;
		table = a->out_addr(&pt->mk[l], e);
		l--;
	}
	if (cls == PT_CLASS_NONE)
		return pt_walk_fault(w, PT_FAULT_NOT_PRESENT, l, reads, e);
	if (cls == PT_CLASS_RESERVED)
		return pt_walk_fault(w, PT_FAULT_RESERVED, l, reads, e);
	sz = 1ULL << pt->shift[l];
	size = e & a->contig_bit ? sz * pt->contig[l] : sz;
	return pt_walk_done(w, (a->out_addr(&pt->mk[l], e) & ~(sz - 1)) |
			    (va & (sz - 1)), size,
			    a->leaf_prot(e, and_tab, or_tab), l, reads, e);
}

#endif /* VMBENCH_PT_IMPL_H */
