/* SPDX-License-Identifier: MIT */
/*
 * RISC-V Sv39/Sv48 entries: 0 V  1 R  2 W  3 X  4 U  5 G  6 A  7 D
 * 9:8 RSW  53:10 PPN (56-bit PA)  63:54 reserved.  R = W = X = 0 is a
 * pointer to the next table; W without R is reserved; a superpage whose
 * PPN is not aligned to its size is reserved; U/A/D in a pointer are
 * reserved.  Tables restrict nothing: a leaf's rights are its own.
 *
 * Conventions: @raw / @e an entry, @l a level, @g the geometry.
 */
#include "pt_impl.h"

#define RV_V (1ULL << 0)
#define RV_R (1ULL << 1)
#define RV_W (1ULL << 2)
#define RV_X (1ULL << 3)
#define RV_U (1ULL << 4)
#define RV_G (1ULL << 5)
#define RV_A (1ULL << 6)
#define RV_D (1ULL << 7)
#define RV_PPN_SHIFT 10
#define RV_PPN_MASK ((1ULL << 44) - 1)

static void rv_masks(const struct pt_geometry *g, unsigned l,
		     struct pt_masks *mk)
{
	unsigned shift = pt_level_shift(g, l);
	uint64_t res = pt_bits(63, 54);

	/* A superpage's PPN bits below its size must be zero. */
	mk->leaf_rsvd = res | pt_bits(RV_PPN_SHIFT + shift - 12 - 1,
				      RV_PPN_SHIFT);
	mk->tab_rsvd = res | RV_U | RV_A | RV_D;
	mk->tab_fill = 0;
	mk->addr = RV_PPN_MASK << RV_PPN_SHIFT;
	mk->addr_hi = 0;
	if (!(g->leaf_levels & (1u << l)))
		mk->leaf_rsvd = ~0ULL;
	if (l == 0)
		mk->tab_rsvd = ~0ULL;
}

static inline int rv_classify(const struct pt_masks *mk, unsigned l,
			      uint64_t raw)
{
	(void)l;
	if (!(raw & RV_V))
		return PT_CLASS_NONE;
	if (!(raw & (RV_R | RV_W | RV_X)))
		return raw & mk->tab_rsvd ? PT_CLASS_RESERVED : PT_CLASS_TABLE;
	if (raw & mk->leaf_rsvd || (raw & (RV_R | RV_W)) == RV_W)
		return PT_CLASS_RESERVED;
	return PT_CLASS_LEAF;
}

static inline uint64_t rv_out_addr(const struct pt_masks *mk, uint64_t raw)
{
	(void)mk;
	return ((raw >> RV_PPN_SHIFT) & RV_PPN_MASK) << 12;
}

static inline uint32_t rv_table_prot(const struct pt_masks *mk, uint64_t raw)
{
	(void)mk;
	(void)raw;
	return PT_PROT_RWX | PT_PROT_USER;
}

static inline uint32_t rv_leaf_prot(uint64_t e, uint64_t and_tab,
				    uint64_t or_tab)
{
	(void)and_tab;
	(void)or_tab;
	return (e & RV_R ? PT_PROT_READ : 0) |
	       (e & RV_W ? PT_PROT_WRITE : 0) |
	       (e & RV_X ? PT_PROT_EXEC : 0) |
	       (e & RV_U ? PT_PROT_USER : 0) |
	       (e & RV_G ? PT_PROT_GLOBAL : 0) |
	       (e & RV_A ? PT_PROT_ACCESSED : 0) |
	       (e & RV_D ? PT_PROT_DIRTY : 0);
}

static int rv_encode(const struct pt_geometry *g, const struct pt_entry *e,
		     uint64_t *raw)
{
	uint32_t p = e->prot;
	uint64_t r = RV_V | (e->pa >> 12) << RV_PPN_SHIFT;

	(void)g;
	if (e->kind == PT_ENTRY_TABLE) {
		*raw = r;
		return 0;
	}
	if (!(p & PT_PROT_RWX) ||
	    (p & PT_PROT_WRITE && !(p & PT_PROT_READ)))
		return -EINVAL;
	r |= (p & PT_PROT_READ ? RV_R : 0) | (p & PT_PROT_WRITE ? RV_W : 0) |
	     (p & PT_PROT_EXEC ? RV_X : 0) | (p & PT_PROT_USER ? RV_U : 0) |
	     (p & PT_PROT_GLOBAL ? RV_G : 0) |
	     (p & PT_PROT_ACCESSED ? RV_A : 0) |
	     (p & PT_PROT_DIRTY ? RV_D : 0);
	*raw = r;
	return 0;
}

/* W without R, or no right at all, becomes readable. */
static uint32_t rv_prot_fit(uint32_t prot)
{
	if (prot & PT_PROT_WRITE || !(prot & PT_PROT_RWX))
		prot |= PT_PROT_READ;
	return prot;
}

static uint64_t rv_walk_from(const struct pt *pt, uint64_t va, unsigned l,
			     uint64_t table, struct pt_walk *w);

const struct pt_arch pt_arch_riscv = {
	.name = "riscv",
	.entry_size = 8,
	.va_mode = PT_VA_SIGN,
	.masks = rv_masks,
	.classify = rv_classify,
	.out_addr = rv_out_addr,
	.table_prot = rv_table_prot,
	.leaf_prot = rv_leaf_prot,
	.encode = rv_encode,
	.prot_fit = rv_prot_fit,
	.walk_from = rv_walk_from,
};

static uint64_t rv_walk_from(const struct pt *pt, uint64_t va, unsigned l,
			     uint64_t table, struct pt_walk *w)
{
	return pt_walk_generic(pt, &pt_arch_riscv, va, l, table, w, ~0ULL, 0,
			       0);
}
