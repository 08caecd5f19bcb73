/* SPDX-License-Identifier: MIT */
/*
 * arm64 entries: VMSAv8-64 stage 1, 4K/16K/64K granules, 48-bit output
 * addresses (64K granule: 52-bit, PA[51:48] in bits 15:12, FEAT_LPA).
 * Layout and the neutral mapping of AP/XN/DBM: pgtable.h.  Table
 * descriptors restrict what lies below them (APTable, UXN/PXNTable);
 * these are ORed over a walk.
 *
 * Conventions: @raw / @e an entry, @l a level, @g the geometry.
 */
#include "pt_impl.h"

#define ARM_VALID (1ULL << 0)
#define ARM_TYPE  (1ULL << 1)   /* table (L >= 1) or page (L == 0) */
#define ARM_AP1   (1ULL << 6)   /* EL0 access */
#define ARM_AP2   (1ULL << 7)   /* read-only */
#define ARM_AF    (1ULL << 10)
#define ARM_NG    (1ULL << 11)
#define ARM_DBM   (1ULL << 51)
#define ARM_CONT  (1ULL << 52)
#define ARM_PXN   (1ULL << 53)
#define ARM_UXN   (1ULL << 54)
#define ARM_PXNT  (1ULL << 59)
#define ARM_UXNT  (1ULL << 60)
#define ARM_APT0  (1ULL << 61)  /* no EL0 access below */
#define ARM_APT1  (1ULL << 62)  /* no write below */

static void arm_masks(const struct pt_geometry *g, unsigned l,
		      struct pt_masks *mk)
{
	unsigned shift = pt_level_shift(g, l);
	uint64_t res = pt_bits(49, 48);

	/* Address bits below the granule that the OA field does not use. */
	if (g->page_shift == 14)
		res |= pt_bits(13, 12);
	else if (g->page_shift < 16 && g->page_shift > 12)
		res |= pt_bits(g->page_shift - 1, 12);
	mk->leaf_rsvd = res | pt_bits(shift - 1, g->page_shift);
	if (!g->contig[l])
		mk->leaf_rsvd |= ARM_CONT;
	mk->tab_rsvd = res;
	mk->tab_fill = 0;
	mk->addr = pt_bits(47, g->page_shift);
	mk->addr_hi = g->page_shift == 16 ? pt_bits(15, 12) : 0;
	if (!(g->leaf_levels & (1u << l)))
		mk->leaf_rsvd = ~0ULL;
	if (l == 0)
		mk->tab_rsvd = ~0ULL;
}

/* Bit 1 set above level 0: a table; clear at level 0: reserved. */
static inline int arm_classify(const struct pt_masks *mk, unsigned l,
			       uint64_t raw)
{
	if (!(raw & ARM_VALID))
		return PT_CLASS_NONE;
	if (l && raw & ARM_TYPE)
		return raw & mk->tab_rsvd ? PT_CLASS_RESERVED : PT_CLASS_TABLE;
	if (!l && !(raw & ARM_TYPE))
		return PT_CLASS_RESERVED;
	return raw & mk->leaf_rsvd ? PT_CLASS_RESERVED : PT_CLASS_LEAF;
}

/*
 * The output address field, the one place that knows its layout: bits
 * 47:granule, and with the 64K granule PA[51:48] in bits 15:12 (arm_masks
 * sets addr_hi to those bits there).
 */
static inline uint64_t arm_out_addr(const struct pt_masks *mk, uint64_t raw)
{
	return (raw & mk->addr) | (raw & mk->addr_hi) << 36;
}

static inline uint64_t arm_addr_field(const struct pt_geometry *g,
				      uint64_t pa)
{
	uint64_t r = pa & pt_bits(47, g->page_shift);

	if (g->page_shift == 16)
		r |= ((pa >> 48) & 0xf) << 12;
	return r;
}

static inline uint32_t arm_table_prot(const struct pt_masks *mk, uint64_t raw)
{
	(void)mk;
	return PT_PROT_READ | (raw & ARM_APT1 ? 0 : PT_PROT_WRITE) |
	       (raw & ARM_APT0 ? 0 : PT_PROT_USER) |
	       (raw & (ARM_UXNT | ARM_PXNT) ? 0 : PT_PROT_EXEC);
}

/*
 * The one arm64 permission rule.  WRITE = (!AP[2] || DBM) and no
 * APTable[1] above; DIRTY = !AP[2]; a user page (AP[1]) is USER unless
 * APTable[0] above and EXEC unless UXN or UXNTable; a kernel page is EXEC
 * unless PXN or PXNTable.
 */
static inline uint32_t arm_leaf_prot(uint64_t e, uint64_t and_tab,
				     uint64_t or_tab)
{
	uint32_t prot = PT_PROT_READ |
		((!(e & ARM_AP2) || e & ARM_DBM) && !(or_tab & ARM_APT1) ?
		 PT_PROT_WRITE : 0) |
		(e & ARM_AP2 ? 0 : PT_PROT_DIRTY) |
		(e & ARM_AF ? PT_PROT_ACCESSED : 0) |
		(e & ARM_NG ? 0 : PT_PROT_GLOBAL);

	(void)and_tab;
	if (e & ARM_AP1) {
		if (!(or_tab & ARM_APT0))
			prot |= PT_PROT_USER;
		if (!(e & ARM_UXN) && !(or_tab & ARM_UXNT))
			prot |= PT_PROT_EXEC;
	} else if (!(e & ARM_PXN) && !(or_tab & ARM_PXNT)) {
		prot |= PT_PROT_EXEC;
	}
	return prot;
}

static int arm_encode(const struct pt_geometry *g, const struct pt_entry *e,
		      uint64_t *raw)
{
	uint32_t p = e->prot;
	uint64_t r = ARM_VALID | arm_addr_field(g, e->pa);

	if (e->kind == PT_ENTRY_TABLE) {
		r |= ARM_TYPE | (p & PT_PROT_WRITE ? 0 : ARM_APT1) |
		     (p & PT_PROT_USER ? 0 : ARM_APT0) |
		     (p & PT_PROT_EXEC ? 0 : ARM_UXNT | ARM_PXNT);
		*raw = r;
		return 0;
	}
	if (!(p & PT_PROT_READ) ||
	    (p & PT_PROT_DIRTY && !(p & PT_PROT_WRITE)))
		return -EINVAL;
	r |= (e->level ? 0 : ARM_TYPE) | PT_ARM64_LEAF_ATTR |
	     (p & PT_PROT_ACCESSED ? ARM_AF : 0) |
	     (p & PT_PROT_GLOBAL ? 0 : ARM_NG) |
	     (p & PT_PROT_WRITE ? ARM_DBM : 0) |
	     (p & PT_PROT_WRITE && p & PT_PROT_DIRTY ? 0 : ARM_AP2) |
	     (e->contig ? ARM_CONT : 0);
	if (p & PT_PROT_USER)
		r |= ARM_AP1 | ARM_PXN | (p & PT_PROT_EXEC ? 0 : ARM_UXN);
	else
		r |= ARM_UXN | (p & PT_PROT_EXEC ? 0 : ARM_PXN);
	*raw = r;
	return 0;
}

/* Every page is readable; a read-only page cannot be dirty. */
static uint32_t arm_prot_fit(uint32_t prot)
{
	prot |= PT_PROT_READ;
	if (!(prot & PT_PROT_WRITE))
		prot &= ~PT_PROT_DIRTY;
	return prot;
}

static uint64_t arm_walk_from(const struct pt *pt, uint64_t va, unsigned l,
			      uint64_t table, struct pt_walk *w);

const struct pt_arch pt_arch_arm64 = {
	.name = "arm64",
	.entry_size = 8,
	.va_mode = PT_VA_HALVES,
	.contig_bit = ARM_CONT,
	.masks = arm_masks,
	.classify = arm_classify,
	.out_addr = arm_out_addr,
	.table_prot = arm_table_prot,
	.leaf_prot = arm_leaf_prot,
	.encode = arm_encode,
	.prot_fit = arm_prot_fit,
	.walk_from = arm_walk_from,
};

static uint64_t arm_walk_from(const struct pt *pt, uint64_t va, unsigned l,
			      uint64_t table, struct pt_walk *w)
{
	return pt_walk_generic(pt, &pt_arch_arm64, va, l, table, w, ~0ULL, 0,
			       0);
}
