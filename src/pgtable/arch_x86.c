/* SPDX-License-Identifier: MIT */
/*
 * x86 entries: x86-64 (4 and 5 levels), PAE and 32-bit paging share one
 * set of rules, told apart by two constants: whether NX exists and the
 * entry width.  Layout (pgtable.h): 0 P  1 R/W  2 U/S  5 A  6 D  7 PS
 * (levels >= 1)  8 G  12.. address  63 NX.  R/W and U/S are ANDed and NX
 * ORed over every level of a walk.  Also here: the straight-line walk of
 * the standard x86-64 geometries, the fast walk of this architecture.
 *
 * Conventions: @raw / @e an entry, @l a level, @nx "NX exists".
 */
#include "pt_impl.h"

#define X86_P   (1ULL << 0)
#define X86_RW  (1ULL << 1)
#define X86_US  (1ULL << 2)
#define X86_A   (1ULL << 5)
#define X86_D   (1ULL << 6)
#define X86_PS  (1ULL << 7)
#define X86_G   (1ULL << 8)
#define X86_NX  (1ULL << 63)

static inline void x86_masks(const struct pt_geometry *g, unsigned l,
			     struct pt_masks *mk, bool wide, bool pae)
{
	unsigned shift = pt_level_shift(g, l);
	/* 32-bit paging: MAXPHYADDR 32 without PSE-36, so 21:13 of a 4M PDE
	 * are reserved like those of a wide large page. */
	uint64_t res = wide ? pt_bits(51, PT_X86_MAXPHYADDR) : pt_bits(63, 32);

	/* Bit 12 of a large leaf is PAT; 13..shift-1 are reserved. */
	mk->leaf_rsvd = res | (l ? pt_bits(shift - 1, 13) : 0);
	mk->tab_rsvd = res;
	mk->tab_fill = 0;
	mk->addr = wide ? pt_bits(PT_X86_MAXPHYADDR - 1, 12) : pt_bits(31, 12);
	mk->addr_hi = 0;
	if (pae && l == g->levels - 1u) {
		mk->tab_rsvd |= X86_RW | X86_US | pt_bits(8, 5) | X86_NX;
		mk->tab_fill = X86_RW | X86_US;
	}
	if (!(g->leaf_levels & (1u << l)))
		mk->leaf_rsvd = ~0ULL;
	if (l == 0)
		mk->tab_rsvd = ~0ULL;
}

static void x86_64_masks(const struct pt_geometry *g, unsigned l,
			 struct pt_masks *mk)
{
	x86_masks(g, l, mk, true, false);
}

static void x86_pae_masks(const struct pt_geometry *g, unsigned l,
			  struct pt_masks *mk)
{
	x86_masks(g, l, mk, true, true);
}

static void x86_32_masks(const struct pt_geometry *g, unsigned l,
			 struct pt_masks *mk)
{
	x86_masks(g, l, mk, false, false);
}

/* P first, then leaf (level 0 or PS) or table, then the reserved bits. */
static inline int x86_classify(const struct pt_masks *mk, unsigned l,
			       uint64_t raw)
{
	if (!(raw & X86_P))
		return PT_CLASS_NONE;
	if (l == 0 || raw & X86_PS)
		return raw & mk->leaf_rsvd ? PT_CLASS_RESERVED : PT_CLASS_LEAF;
	return raw & mk->tab_rsvd ? PT_CLASS_RESERVED : PT_CLASS_TABLE;
}

static inline uint64_t x86_addr(const struct pt_masks *mk, uint64_t raw)
{
	return raw & mk->addr;
}

_Static_assert(PT_PROT_WRITE == X86_RW && PT_PROT_USER == X86_US << 1 &&
	       PT_PROT_ACCESSED == X86_A && PT_PROT_DIRTY == X86_D &&
	       PT_PROT_GLOBAL == X86_G >> 4 && PT_PROT_EXEC == 1u << 2 &&
	       X86_NX == 1ULL << 63,
	       "x86_prot moves x86 bits to PT_PROT_* by shifts");

/*
 * The one x86 permission rule: R/W and U/S of the leaf ANDed with the
 * tables', NX ORed (no NX: everything executes); A, D, G the leaf's own.
 * The bits are moved, not tested (the fast walk computes it on every
 * walk): RW stays at bit 1, US moves from bit 2 to bit 3 by adding it to
 * itself, A and D keep their places, G moves down four, and NX (bit 63)
 * clear becomes EXEC (bit 2).  No two moved bits land on one place, so
 * the sum is the OR.
 */
static inline __attribute__((always_inline)) uint32_t
x86_prot(uint64_t e, uint64_t and_tab, uint64_t or_tab, const bool nx)
{
	uint64_t rw_us = and_tab & e & (X86_RW | X86_US);
	uint64_t exec = nx ? ~(or_tab | e) >> 63 << 2 : PT_PROT_EXEC;

	return (uint32_t)(PT_PROT_READ + rw_us + (rw_us & X86_US) +
			  (e & (X86_A | X86_D)) + (e >> 4 & PT_PROT_GLOBAL) +
			  exec);
}

static inline uint32_t x86_nx_prot(uint64_t e, uint64_t and_tab,
				   uint64_t or_tab)
{
	return x86_prot(e, and_tab, or_tab, true);
}

static inline uint32_t x86_32_prot(uint64_t e, uint64_t and_tab,
				   uint64_t or_tab)
{
	return x86_prot(e, and_tab, or_tab, false);
}

/* A table entry's own rights (D and G mean nothing there). */
static inline uint32_t x86_table_prot(const struct pt_masks *mk, uint64_t raw,
				      bool nx)
{
	return x86_prot((raw | mk->tab_fill) & ~(X86_D | X86_G), ~0ULL, 0, nx);
}

static uint32_t x86_nx_table_prot(const struct pt_masks *mk, uint64_t raw)
{
	return x86_table_prot(mk, raw, true);
}

static uint32_t x86_32_table_prot(const struct pt_masks *mk, uint64_t raw)
{
	return x86_table_prot(mk, raw, false);
}

static inline int x86_encode(const struct pt_geometry *g,
			     const struct pt_entry *e, uint64_t *raw,
			     bool nx, bool pae)
{
	uint32_t p = e->prot;
	uint64_t r = X86_P | e->pa;

	if (e->kind == PT_ENTRY_TABLE) {
		if (pae && e->level == g->levels - 1u) {
			*raw = r;  /* a PDPTE has no permission bits */
			return 0;
		}
		r |= (p & PT_PROT_WRITE ? X86_RW : 0) |
		     (p & PT_PROT_USER ? X86_US : 0) |
		     (p & PT_PROT_ACCESSED ? X86_A : 0) |
		     (nx && !(p & PT_PROT_EXEC) ? X86_NX : 0);
		*raw = r;
		return 0;
	}
	if (!(p & PT_PROT_READ) || (!nx && !(p & PT_PROT_EXEC)))
		return -EINVAL;
	r |= (p & PT_PROT_WRITE ? X86_RW : 0) |
	     (p & PT_PROT_USER ? X86_US : 0) |
	     (p & PT_PROT_ACCESSED ? X86_A : 0) |
	     (p & PT_PROT_DIRTY ? X86_D : 0) |
	     (p & PT_PROT_GLOBAL ? X86_G : 0) |
	     (e->level ? X86_PS : 0) |
	     (nx && !(p & PT_PROT_EXEC) ? X86_NX : 0);
	*raw = r;
	return 0;
}

static int x86_64_encode(const struct pt_geometry *g, const struct pt_entry *e,
			 uint64_t *raw)
{
	return x86_encode(g, e, raw, true, false);
}

static int x86_pae_encode(const struct pt_geometry *g,
			  const struct pt_entry *e, uint64_t *raw)
{
	return x86_encode(g, e, raw, true, true);
}

static int x86_32_encode(const struct pt_geometry *g, const struct pt_entry *e,
			 uint64_t *raw)
{
	return x86_encode(g, e, raw, false, false);
}

/* Every present x86 page is readable; without NX every page executes. */
static uint32_t x86_nx_prot_fit(uint32_t prot)
{
	return prot | PT_PROT_READ;
}

static uint32_t x86_32_prot_fit(uint32_t prot)
{
	return prot | PT_PROT_READ | PT_PROT_EXEC;
}

/* ---- the generic walk, instantiated ---- */

static uint64_t x86_pae_walk_from(const struct pt *pt, uint64_t va,
				  unsigned l, uint64_t table,
				  struct pt_walk *w);
static uint64_t x86_32_walk_from(const struct pt *pt, uint64_t va,
				 unsigned l, uint64_t table, struct pt_walk *w);
static uint64_t x86_64_walk_from(const struct pt *pt, uint64_t va,
				 unsigned l, uint64_t table, struct pt_walk *w);
static void x86_64_setup(struct pt *pt);

const struct pt_arch pt_arch_x86_64 = {
	.name = "x86-64",
	.entry_size = 8,
	.va_mode = PT_VA_SIGN,
	.masks = x86_64_masks,
	.classify = x86_classify,
	.out_addr = x86_addr,
	.table_prot = x86_nx_table_prot,
	.leaf_prot = x86_nx_prot,
	.encode = x86_64_encode,
	.prot_fit = x86_nx_prot_fit,
	.walk_from = x86_64_walk_from,
	.setup = x86_64_setup,
};

const struct pt_arch pt_arch_x86_pae = {
	.name = "x86-pae",
	.entry_size = 8,
	.va_mode = PT_VA_LOW,
	.masks = x86_pae_masks,
	.classify = x86_classify,
	.out_addr = x86_addr,
	.table_prot = x86_nx_table_prot,
	.leaf_prot = x86_nx_prot,
	.encode = x86_pae_encode,
	.prot_fit = x86_nx_prot_fit,
	.walk_from = x86_pae_walk_from,
};

const struct pt_arch pt_arch_x86_32 = {
	.name = "x86-32",
	.entry_size = 4,
	.va_mode = PT_VA_LOW,
	.masks = x86_32_masks,
	.classify = x86_classify,
	.out_addr = x86_addr,
	.table_prot = x86_32_table_prot,
	.leaf_prot = x86_32_prot,
	.encode = x86_32_encode,
	.prot_fit = x86_32_prot_fit,
	.walk_from = x86_32_walk_from,
};

static uint64_t x86_pae_walk_from(const struct pt *pt, uint64_t va,
				  unsigned l, uint64_t table,
				  struct pt_walk *w)
{
	return pt_walk_generic(pt, &pt_arch_x86_pae, va, l, table, w,
			       ~0ULL, 0, 0);
}

static uint64_t x86_32_walk_from(const struct pt *pt, uint64_t va,
				 unsigned l, uint64_t table, struct pt_walk *w)
{
	return pt_walk_generic(pt, &pt_arch_x86_32, va, l, table, w,
			       ~0ULL, 0, 0);
}

/*
 * The fast walk of the standard x86-64 geometries (x86-64-4l, x86-64-5l:
 * 4K frames, 9 index bits a level): every shift, index mask, address mask
 * and reserved mask is a constant, and so are the start level and, once
 * the loop is laid out straight, each step's level.  One step: one
 * compare checks that the table's frame was handed out, w->table[l] is
 * stored, the entry is loaded from the host copy of the frame, and a
 * present table pointer (P set, PS and reserved bits clear) is recognised
 * by two bit tests.  A valid 4K page is finished in line, a PS leaf by
 * x86f_huge(); anything else (not present, reserved bits, a table address
 * outside the memory) goes to the generic walk at the level where it
 * showed, which reads that entry again and answers exactly as a walk of
 * its own would have: the fast path only ever decides the cases it is
 * sure of.  @check_start: the start table came from the caller and may be
 * bad.  Permissions come from x86_prot(), as everywhere.
 *
 * The frame check: tables are frame-aligned (the address mask keeps bits
 * 12 and up; pt_walk_from() rejects an unaligned start) and memory ends
 * on a frame, so "table - PT_MEM_BASE < bytes handed out" holds exactly
 * when the generic walk's test of the entry's offset passes.
 */
#define X86F_SHIFT 12
#define X86F_BITS 9
#define X86F_ADDR pt_bits(PT_X86_MAXPHYADDR - 1, X86F_SHIFT)
#define X86F_RSVD pt_bits(51, PT_X86_MAXPHYADDR)

static uint64_t x86f_root4(const struct pt *pt, uint64_t va,
			   struct pt_walk *w);
static uint64_t x86f_root5(const struct pt *pt, uint64_t va,
			   struct pt_walk *w);

/*
 * pt->fast: the levels of @pt if the fast walk may walk it, else 0; the
 * walk from the root then starts straight in the fast walk.
 */
static void x86_64_setup(struct pt *pt)
{
	const struct pt_geometry *g = pt->g;

	pt->fast = 0;
	if (g->page_shift != X86F_SHIFT || (g->levels != 4 && g->levels != 5) ||
	    pt->mk[0].leaf_rsvd != X86F_RSVD)
		return;
	for (unsigned l = 0; l < g->levels; l++)
		if (g->bits[l] != X86F_BITS || pt->mk[l].tab_fill ||
		    (l && pt->mk[l].tab_rsvd != X86F_RSVD))
			return;
	pt->fast = g->levels;
	pt->walk_root = g->levels == 4 ? x86f_root4 : x86f_root5;
}

/* pt_va_ok() of an x86-64 geometry of @levels levels. */
static inline bool x86f_va_ok(uint64_t va, const unsigned levels)
{
	uint64_t t = va >> (X86F_SHIFT + X86F_BITS * levels - 1);

	return t == 0 || t == ~0ULL >> (X86F_SHIFT + X86F_BITS * levels - 1);
}

/*
 * Anything the fast walk is not sure of: the generic walk of the same
 * request from its start, which reads the entries again and answers as a
 * walk of its own.  Five arguments and out of line, so that the fast walk
 * reaches it by a jump and keeps no frame of its own.
 */
static __attribute__((noinline, cold)) uint64_t
x86f_slow(const struct pt *pt, uint64_t va, unsigned start, uint64_t table,
	  struct pt_walk *w)
{
	w->start = (uint8_t)start;
	return pt_walk_generic(pt, &pt_arch_x86_64, va, start, table, w, ~0ULL,
			       0, 0);
}

/*
 * What x86_prot() reads of the tables' AND and OR, in one word: R/W and
 * U/S of the AND, NX of the OR; x86_prot(e, tabs, tabs, true) is then the
 * same.
 */
static inline uint64_t x86f_tabs(uint64_t and_tab, uint64_t or_tab)
{
	return (and_tab & (X86_RW | X86_US)) | (or_tab & X86_NX);
}

/* Fill *w for the valid leaf @e at level @l; and/or_tab: the tables'. */
static inline __attribute__((always_inline)) uint64_t
x86f_done(uint64_t va, struct pt_walk *w, uint64_t e, uint64_t and_tab,
	  uint64_t or_tab, unsigned l, unsigned start)
{
	uint64_t sz = 1ULL << (X86F_SHIFT + X86F_BITS * l);
	uint64_t pa = (e & X86F_ADDR & ~(sz - 1)) | (va & (sz - 1));

	w->pa = pa;
	w->size = sz;
	w->entry = e;
	w->prot = x86_prot(e, and_tab, or_tab, true);
	w->fault = PT_FAULT_NONE;
	w->level = (uint8_t)l;
	w->start = (uint8_t)start;
	w->reads = (uint8_t)(start - l + 1);
	return pa;
}

/*
 * A present entry @e with PS or reserved bits at level @l >= 1 (@ls: l |
 * start << 8): a PS leaf without reserved bits is done here, anything
 * else walks again from the start.  Six arguments: a jump from the walk.
 */
static __attribute__((noinline)) uint64_t
x86f_huge(const struct pt *pt, uint64_t va, struct pt_walk *w, uint64_t e,
	  uint64_t tabs, unsigned ls)
{
	unsigned l = ls & 0xff, start = ls >> 8;

	if (!(e & X86_PS) || e & pt->mk[l].leaf_rsvd)
		return x86f_slow(pt, va, start, w->table[start], w);
	return x86f_done(va, w, e, tabs, tabs, l, start);
}

/*
 * The walk from level @start with the table at @table0 (@check_start: it
 * came from the caller and may be bad).  One unsigned compare of the
 * table's offset in the memory with the bytes handed out checks it, and
 * the load adds the table to the host address of the entry's offset, so
 * the chain of loads has one AND per level.  w->table[] is written before
 * the check (a failed check walks again from the start, which rewrites
 * it).
 */
static inline __attribute__((always_inline)) uint64_t
x86f_walk(const struct pt *pt, uint64_t va, const unsigned start,
	  const uint64_t table0, struct pt_walk *w, const bool check_start)
{
	/* Host address of physical 0: the entry is host0 + table + idx*8. */
	uintptr_t host0 = pt->cmem->host0;
	uint64_t end = pt->cmem->end;
	uint64_t e, table = table0, and_tab = ~0ULL, or_tab = 0;
	unsigned l;

	w->table[start] = table0;
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
		memcpy(&e, (const void *)(slot + table), 8);
		if (l == 0) {
			if ((e & (X86_P | X86F_RSVD)) != X86_P)
				break;
			return x86f_done(va, w, e, and_tab, or_tab, 0, start);
		}
		if (__builtin_expect((e & (X86_P | X86_PS | X86F_RSVD)) !=
				     X86_P, 0)) {
			if (!(e & X86_P))
				break;
			return x86f_huge(pt, va, w, e,
					 x86f_tabs(and_tab, or_tab),
					 l | start << 8);
		}
		and_tab &= e;
		or_tab |= e;
		/*
		 * The next table: bits 51..12.  Bits 63..52 (NX, protection
		 * keys, ignored) are kept: set in a table pointer they make
		 * the table fail the check, and the generic walk, which
		 * masks them, takes it from the start.
		 */
		table = e & ~(uint64_t)((1u << X86F_SHIFT) - 1);
		w->table[l - 1] = table;
	}
	return x86f_slow(pt, va, start, w->table[start], w);
}

static uint64_t x86_64_walk_from(const struct pt *pt, uint64_t va,
				 unsigned l, uint64_t table, struct pt_walk *w)
{
	switch (pt->fast ? l : PT_MAX_LEVELS) {
	case 0:
		return x86f_walk(pt, va, 0, table, w, true);
	case 1:
		return x86f_walk(pt, va, 1, table, w, true);
	case 2:
		return x86f_walk(pt, va, 2, table, w, true);
	case 3:
		return x86f_walk(pt, va, 3, table, w, true);
	case 4:
		return x86f_walk(pt, va, 4, table, w, true);
	}
	return pt_walk_generic(pt, &pt_arch_x86_64, va, l, table, w,
			       ~0ULL, 0, 0);
}

/* The root is a frame handed out, so it needs no check. */
static uint64_t x86f_root4(const struct pt *pt, uint64_t va,
			   struct pt_walk *w)
{
	if (__builtin_expect(x86f_va_ok(va, 4), 1))
		return x86f_walk(pt, va, 3, pt->root, w, false);
	return pt_walk_from(pt, va, pt->top, pt->root, w);
}

static uint64_t x86f_root5(const struct pt *pt, uint64_t va,
			   struct pt_walk *w)
{
	if (__builtin_expect(x86f_va_ok(va, 5), 1))
		return x86f_walk(pt, va, 4, pt->root, w, false);
	return pt_walk_from(pt, va, pt->top, pt->root, w);
}
