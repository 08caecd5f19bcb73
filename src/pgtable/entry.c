/* SPDX-License-Identifier: MIT */
/*
 * Entry encoding and decoding, one pair per architecture family, and the
 * per-level reserved-bit masks the walker shares (see pgtable.h for the
 * layouts).  Conventions: @l is a level, @sz the bytes a leaf there maps,
 * @raw an entry's bits.
 */
#include "pt_impl.h"

uint64_t pt_addr_mask(const struct pt_geometry *g)
{
	switch (g->arch) {
	case PT_ARCH_X86_32:
		return pt_bits(31, 12);
	case PT_ARCH_X86_64:
	case PT_ARCH_X86_PAE:
		return pt_bits(PT_X86_MAXPHYADDR - 1, 12);
	case PT_ARCH_ARM64:
		return pt_bits(47, g->page_shift);
	case PT_ARCH_RISCV:
		return RV_PPN_MASK << RV_PPN_SHIFT;
	}
	return 0;
}

void pt_level_masks(const struct pt_geometry *g, unsigned l,
		    struct pt_masks *mk)
{
	unsigned shift = pt_level_shift(g, l), top = g->levels - 1;
	bool leaf_ok = g->leaf_levels & (1u << l);
	uint64_t res = 0;

	mk->tab_fill = 0;
	switch (g->arch) {
	case PT_ARCH_X86_64:
	case PT_ARCH_X86_PAE:
		res = pt_bits(51, PT_X86_MAXPHYADDR);
		/* Bit 12 of a large leaf is PAT; 13..shift-1 are reserved. */
		mk->leaf_rsvd = res | (l ? pt_bits(shift - 1, 13) : 0);
		mk->tab_rsvd = res;
		if (g->arch == PT_ARCH_X86_PAE && l == top) {
			mk->tab_rsvd |= X86_RW | X86_US | pt_bits(8, 5) | X86_NX;
			mk->tab_fill = X86_RW | X86_US;
		}
		break;
	case PT_ARCH_X86_32:
		/* MAXPHYADDR 32: no PSE-36, so 21:13 of a 4M PDE are reserved. */
		res = pt_bits(63, 32);
		mk->leaf_rsvd = res | (l ? pt_bits(shift - 1, 13) : 0);
		mk->tab_rsvd = res;
		break;
	case PT_ARCH_ARM64:
		res = pt_bits(49, 48);
		if (g->page_shift == 14)
			res |= pt_bits(13, 12);
		else if (g->page_shift < 16 && g->page_shift > 12)
			res |= pt_bits(g->page_shift - 1, 12);
		mk->leaf_rsvd = res | pt_bits(shift - 1, g->page_shift);
		if (!g->contig[l])
			mk->leaf_rsvd |= ARM_CONT;
		mk->tab_rsvd = res;
		break;
	case PT_ARCH_RISCV:
		res = pt_bits(63, 54);
		mk->leaf_rsvd = res | pt_bits(RV_PPN_SHIFT + shift - 12 - 1,
					      RV_PPN_SHIFT);
		mk->tab_rsvd = res | RV_U | RV_A | RV_D;
		break;
	}
	if (!leaf_ok)
		mk->leaf_rsvd = ~0ULL;
	if (l == 0)
		mk->tab_rsvd = ~0ULL;
}

uint32_t pt_prot_fit(const struct pt_geometry *g, uint32_t prot)
{
	switch (g->arch) {
	case PT_ARCH_X86_32:
		prot |= PT_PROT_EXEC;
		/* fall through */
	case PT_ARCH_X86_64:
	case PT_ARCH_X86_PAE:
		prot |= PT_PROT_READ;
		break;
	case PT_ARCH_ARM64:
		prot |= PT_PROT_READ;
		if (!(prot & PT_PROT_WRITE))
			prot &= ~PT_PROT_DIRTY;
		break;
	case PT_ARCH_RISCV:
		if (prot & PT_PROT_WRITE || !(prot & PT_PROT_RWX))
			prot |= PT_PROT_READ;
		break;
	}
	return prot;
}

/* Shared argument checks; *sz gets the leaf size (leaf) or frame size. */
static int check_entry(const struct pt_geometry *g, const struct pt_entry *e,
		       uint64_t *sz)
{
	unsigned l = e->level;

	if (l >= g->levels)
		return -EINVAL;
	if (e->kind == PT_ENTRY_LEAF) {
		if (!(g->leaf_levels & (1u << l)))
			return -EINVAL;
		if (e->contig && !g->contig[l])
			return -EINVAL;
		*sz = pt_level_size(g, l);
	} else {
		if (l == 0 || e->contig)
			return -EINVAL;
		*sz = 1ULL << g->page_shift;
	}
	if (e->pa & (*sz - 1) || e->pa >> g->pa_bits)
		return -EINVAL;
	return 0;
}

static int x86_encode(const struct pt_geometry *g, const struct pt_entry *e,
		      uint64_t *raw)
{
	bool nx_ok = g->arch != PT_ARCH_X86_32;
	uint32_t p = e->prot;
	uint64_t r = X86_P | e->pa;

	if (e->kind == PT_ENTRY_TABLE) {
		if (g->arch == PT_ARCH_X86_PAE && e->level == g->levels - 1) {
			*raw = r;  /* a PDPTE has no permission bits */
			return 0;
		}
		r |= (p & PT_PROT_WRITE ? X86_RW : 0) |
		     (p & PT_PROT_USER ? X86_US : 0) |
		     (p & PT_PROT_ACCESSED ? X86_A : 0) |
		     (nx_ok && !(p & PT_PROT_EXEC) ? X86_NX : 0);
		*raw = r;
		return 0;
	}
	if (!(p & PT_PROT_READ) || (!nx_ok && !(p & PT_PROT_EXEC)))
		return -EINVAL;
	r |= (p & PT_PROT_WRITE ? X86_RW : 0) |
	     (p & PT_PROT_USER ? X86_US : 0) |
	     (p & PT_PROT_ACCESSED ? X86_A : 0) |
	     (p & PT_PROT_DIRTY ? X86_D : 0) |
	     (p & PT_PROT_GLOBAL ? X86_G : 0) |
	     (e->level ? X86_PS : 0) |
	     (nx_ok && !(p & PT_PROT_EXEC) ? X86_NX : 0);
	*raw = r;
	return 0;
}

static int x86_decode(const struct pt_geometry *g, unsigned l, uint64_t raw,
		      struct pt_entry *e)
{
	bool nx_ok = g->arch != PT_ARCH_X86_32;
	struct pt_masks mk;
	uint32_t p = PT_PROT_READ;

	if (!(raw & X86_P))
		return 0;
	pt_level_masks(g, l, &mk);
	p |= (raw & X86_RW ? PT_PROT_WRITE : 0) |
	     (raw & X86_US ? PT_PROT_USER : 0) |
	     (raw & X86_A ? PT_PROT_ACCESSED : 0) |
	     (!nx_ok || !(raw & X86_NX) ? PT_PROT_EXEC : 0);
	if (l == 0 || raw & X86_PS) {
		if (raw & mk.leaf_rsvd)
			return -EINVAL;
		e->kind = PT_ENTRY_LEAF;
		e->size = pt_level_size(g, l);
		e->pa = raw & pt_addr_mask(g) & ~(e->size - 1);
		p |= (raw & X86_D ? PT_PROT_DIRTY : 0) |
		     (raw & X86_G ? PT_PROT_GLOBAL : 0);
	} else {
		if (raw & mk.tab_rsvd)
			return -EINVAL;
		e->kind = PT_ENTRY_TABLE;
		e->pa = raw & pt_addr_mask(g);
		if (mk.tab_fill)
			p = PT_PROT_RWX | PT_PROT_USER;
	}
	e->prot = p;
	return 0;
}

/* Output address field: 64K granule keeps PA[51:48] in bits 15:12. */
static uint64_t arm_addr_bits(const struct pt_geometry *g, uint64_t pa)
{
	uint64_t r = pa & pt_bits(47, g->page_shift);

	if (g->page_shift == 16)
		r |= ((pa >> 48) & 0xf) << 12;
	return r;
}

static uint64_t arm_addr(const struct pt_geometry *g, uint64_t raw)
{
	uint64_t pa = raw & pt_bits(47, g->page_shift);

	if (g->page_shift == 16)
		pa |= ((raw >> 12) & 0xf) << 48;
	return pa;
}

static int arm_encode(const struct pt_geometry *g, const struct pt_entry *e,
		      uint64_t *raw)
{
	uint32_t p = e->prot;
	uint64_t r = ARM_VALID | arm_addr_bits(g, e->pa);

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

static int arm_decode(const struct pt_geometry *g, unsigned l, uint64_t raw,
		      struct pt_entry *e)
{
	struct pt_masks mk;
	uint32_t p = PT_PROT_READ;

	if (!(raw & ARM_VALID))
		return 0;
	pt_level_masks(g, l, &mk);
	if (l && raw & ARM_TYPE) {
		if (raw & mk.tab_rsvd)
			return -EINVAL;
		e->kind = PT_ENTRY_TABLE;
		e->pa = arm_addr(g, raw);
		p |= (raw & ARM_APT1 ? 0 : PT_PROT_WRITE) |
		     (raw & ARM_APT0 ? 0 : PT_PROT_USER) |
		     (raw & (ARM_UXNT | ARM_PXNT) ? 0 : PT_PROT_EXEC);
		e->prot = p;
		return 0;
	}
	/* A level-0 descriptor with bit 1 clear is reserved (invalid). */
	if ((!l && !(raw & ARM_TYPE)) || raw & mk.leaf_rsvd)
		return -EINVAL;
	e->kind = PT_ENTRY_LEAF;
	e->size = pt_level_size(g, l);
	e->pa = arm_addr(g, raw);
	e->contig = raw & ARM_CONT;
	p |= (!(raw & ARM_AP2) || raw & ARM_DBM ? PT_PROT_WRITE : 0) |
	     (raw & ARM_AP2 ? 0 : PT_PROT_DIRTY) |
	     (raw & ARM_AF ? PT_PROT_ACCESSED : 0) |
	     (raw & ARM_NG ? 0 : PT_PROT_GLOBAL);
	if (raw & ARM_AP1)
		p |= PT_PROT_USER | (raw & ARM_UXN ? 0 : PT_PROT_EXEC);
	else
		p |= raw & ARM_PXN ? 0 : PT_PROT_EXEC;
	e->prot = p;
	return 0;
}

static int rv_encode(const struct pt_geometry *g, const struct pt_entry *e,
		     uint64_t *raw)
{
	uint32_t p = e->prot;
	uint64_t r = RV_V | (e->pa >> 12) << RV_PPN_SHIFT;

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

static int rv_decode(const struct pt_geometry *g, unsigned l, uint64_t raw,
		     struct pt_entry *e)
{
	struct pt_masks mk;
	uint64_t pa = ((raw >> RV_PPN_SHIFT) & RV_PPN_MASK) << 12;

	if (!(raw & RV_V))
		return 0;
	pt_level_masks(g, l, &mk);
	if (!(raw & (RV_R | RV_W | RV_X))) {
		if (raw & mk.tab_rsvd)
			return -EINVAL;
		e->kind = PT_ENTRY_TABLE;
		e->pa = pa;
		e->prot = PT_PROT_RWX | PT_PROT_USER;
		return 0;
	}
	if (raw & mk.leaf_rsvd || (raw & (RV_R | RV_W)) == RV_W)
		return -EINVAL;
	e->kind = PT_ENTRY_LEAF;
	e->size = pt_level_size(g, l);
	e->pa = pa;
	e->prot = (raw & RV_R ? PT_PROT_READ : 0) |
		  (raw & RV_W ? PT_PROT_WRITE : 0) |
		  (raw & RV_X ? PT_PROT_EXEC : 0) |
		  (raw & RV_U ? PT_PROT_USER : 0) |
		  (raw & RV_G ? PT_PROT_GLOBAL : 0) |
		  (raw & RV_A ? PT_PROT_ACCESSED : 0) |
		  (raw & RV_D ? PT_PROT_DIRTY : 0);
	return 0;
}

int pt_entry_encode(const struct pt_geometry *g, const struct pt_entry *e,
		    uint64_t *raw)
{
	uint64_t sz;
	int err;

	if (e->kind == PT_ENTRY_NONE) {
		*raw = 0;
		return 0;
	}
	if (e->kind != PT_ENTRY_LEAF && e->kind != PT_ENTRY_TABLE)
		return -EINVAL;
	err = check_entry(g, e, &sz);
	if (err)
		return err;
	switch (g->arch) {
	case PT_ARCH_X86_64:
	case PT_ARCH_X86_32:
	case PT_ARCH_X86_PAE:
		return x86_encode(g, e, raw);
	case PT_ARCH_ARM64:
		return arm_encode(g, e, raw);
	case PT_ARCH_RISCV:
		return rv_encode(g, e, raw);
	}
	return -EINVAL;
}

int pt_entry_decode(const struct pt_geometry *g, unsigned level, uint64_t raw,
		    struct pt_entry *e)
{
	int err = -EINVAL;

	memset(e, 0, sizeof(*e));
	e->level = level;
	if (level >= g->levels)
		return -EINVAL;
	switch (g->arch) {
	case PT_ARCH_X86_64:
	case PT_ARCH_X86_32:
	case PT_ARCH_X86_PAE:
		err = x86_decode(g, level, raw, e);
		break;
	case PT_ARCH_ARM64:
		err = arm_decode(g, level, raw, e);
		break;
	case PT_ARCH_RISCV:
		err = rv_decode(g, level, raw, e);
		break;
	}
	if (err) {
		memset(e, 0, sizeof(*e));
		e->level = level;
	}
	return err;
}
