/* SPDX-License-Identifier: MIT */
/*
 * Entry encoding and decoding for every architecture: the checks that do
 * not depend on the bits, then the geometry's table of operations (the
 * arch_*.c files, which alone know the layouts of pgtable.h).  The walker
 * decodes through the same operations.  Conventions: @l is a level, @sz
 * the bytes a leaf there maps, @raw an entry's bits.
 */
#include "pt_impl.h"

const char *pt_arch_name(const struct pt_arch *a)
{
	return a->name;
}

uint32_t pt_prot_fit(const struct pt_geometry *g, uint32_t prot)
{
	return g->arch->prot_fit(prot);
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
	return g->arch->encode(g, e, raw);
}

int pt_entry_decode(const struct pt_geometry *g, unsigned level, uint64_t raw,
		    struct pt_entry *e)
{
	const struct pt_arch *a = g->arch;
	struct pt_masks mk;

	memset(e, 0, sizeof(*e));
	e->level = (uint8_t)level;
	if (level >= g->levels)
		return -EINVAL;
	a->masks(g, level, &mk);
	switch (a->classify(&mk, level, raw)) {
	case PT_CLASS_NONE:
		return 0;
	case PT_CLASS_TABLE:
		e->kind = PT_ENTRY_TABLE;
		e->pa = a->out_addr(&mk, raw);
		e->prot = a->table_prot(&mk, raw);
		return 0;
	case PT_CLASS_LEAF:
		e->kind = PT_ENTRY_LEAF;
		e->size = pt_level_size(g, level);
		e->pa = a->out_addr(&mk, raw) & ~(e->size - 1);
		e->contig = raw & a->contig_bit;
		e->prot = a->leaf_prot(raw, ~0ULL, 0);
		return 0;
	}
	return -EINVAL;  /* reserved */
}
