/* SPDX-License-Identifier: MIT */
/*
 * The geometry table.  bits[] lists levels from the last (index 0) up to
 * the root; a narrower root is what is left of va_bits after the full
 * levels (arm64-16k-48: 48 - 14 - 3 * 11 = 1 bit; arm64-64k-52:
 * 52 - 16 - 2 * 13 = 10 bits; PAE: 32 - 12 - 2 * 9 = 2 bits).  Each
 * row points at its architecture's table of operations (arch_*.c).
 */
#include <string.h>

#include "pt_impl.h"

#define L(n) (1u << (n))

static const struct pt_geometry geometries[] = {
	{ "x86-64-4l", "x86-64 4-level, 48-bit VA, 4K/2M/1G",
	  PT_ARCH_X86_64, 4, 48, PT_X86_MAXPHYADDR, 12, 8,
	  { 9, 9, 9, 9 }, L(0) | L(1) | L(2), { 0 } },
	{ "x86-64-5l", "x86-64 5-level (LA57), 57-bit VA, 4K/2M/1G",
	  PT_ARCH_X86_64, 5, 57, PT_X86_MAXPHYADDR, 12, 8,
	  { 9, 9, 9, 9, 9 }, L(0) | L(1) | L(2), { 0 } },
	{ "x86-32", "x86 32-bit 2-level, 32-bit entries, 4K/4M (PSE)",
	  PT_ARCH_X86_32, 2, 32, 32, 12, 4,
	  { 10, 10 }, L(0) | L(1), { 0 } },
	{ "x86-pae", "x86 PAE 3-level, 4-entry PDPT, 4K/2M",
	  PT_ARCH_X86_PAE, 3, 32, PT_X86_MAXPHYADDR, 12, 8,
	  { 9, 9, 2 }, L(0) | L(1), { 0 } },
	{ "arm64-4k-39", "arm64 4K granule, 39-bit VA, 3 levels, 4K/2M/1G",
	  PT_ARCH_ARM64, 3, 39, 48, 12, 8,
	  { 9, 9, 9 }, L(0) | L(1) | L(2), { 16, 16 } },
	{ "arm64-4k-48", "arm64 4K granule, 48-bit VA, 4 levels, 4K/2M/1G",
	  PT_ARCH_ARM64, 4, 48, 48, 12, 8,
	  { 9, 9, 9, 9 }, L(0) | L(1) | L(2), { 16, 16 } },
	{ "arm64-16k-47", "arm64 16K granule, 47-bit VA, 3 levels, 16K/32M",
	  PT_ARCH_ARM64, 3, 47, 48, 14, 8,
	  { 11, 11, 11 }, L(0) | L(1), { 128, 32 } },
	{ "arm64-16k-48", "arm64 16K granule, 48-bit VA, 4 levels, 16K/32M",
	  PT_ARCH_ARM64, 4, 48, 48, 14, 8,
	  { 11, 11, 11, 1 }, L(0) | L(1), { 128, 32 } },
	{ "arm64-64k-42", "arm64 64K granule, 42-bit VA, 2 levels, 64K/512M",
	  PT_ARCH_ARM64, 2, 42, 52, 16, 8,
	  { 13, 13 }, L(0) | L(1), { 32, 32 } },
	{ "arm64-64k-52", "arm64 64K granule, 52-bit VA and PA, 3 levels",
	  PT_ARCH_ARM64, 3, 52, 52, 16, 8,
	  { 13, 13, 10 }, L(0) | L(1), { 32, 32 } },
	{ "sv39", "RISC-V Sv39, 3 levels, 4K/2M/1G",
	  PT_ARCH_RISCV, 3, 39, 56, 12, 8,
	  { 9, 9, 9 }, L(0) | L(1) | L(2), { 0 } },
	{ "sv48", "RISC-V Sv48, 4 levels, 4K/2M/1G/512G",
	  PT_ARCH_RISCV, 4, 48, 56, 12, 8,
	  { 9, 9, 9, 9 }, L(0) | L(1) | L(2) | L(3), { 0 } },
};

const struct pt_geometry *pt_geometries(size_t *count)
{
	*count = sizeof(geometries) / sizeof(geometries[0]);
	return geometries;
}

const struct pt_geometry *pt_geometry_find(const char *name)
{
	for (size_t i = 0; i < sizeof(geometries) / sizeof(geometries[0]); i++)
		if (strcmp(geometries[i].name, name) == 0)
			return &geometries[i];
	return NULL;
}

int pt_geometry_check(const struct pt_geometry *g)
{
	unsigned sum, esz_shift;

	if (!g || !g->arch || g->levels < 1 || g->levels > PT_MAX_LEVELS)
		return -EINVAL;
	sum = g->page_shift;
	if (g->page_shift < 10 || g->page_shift > 24)
		return -EINVAL;
	if (g->entry_size != g->arch->entry_size)
		return -EINVAL;
	esz_shift = g->entry_size == 4 ? 2 : 3;
	for (unsigned l = 0; l < g->levels; l++) {
		if (g->bits[l] < 1 || g->bits[l] + esz_shift > g->page_shift)
			return -EINVAL;
		sum += g->bits[l];
		if (g->contig[l] & (g->contig[l] - 1))
			return -EINVAL;
		if (g->contig[l] && (!g->arch->contig_bit ||
				     g->contig[l] > (1u << g->bits[l]) ||
				     !(g->leaf_levels & (1u << l))))
			return -EINVAL;
	}
	if (sum != g->va_bits || g->va_bits > 57 || !(g->leaf_levels & 1) ||
	    (g->leaf_levels >> g->levels))
		return -EINVAL;
	if (g->pa_bits < g->page_shift + 1 || g->pa_bits > 56)
		return -EINVAL;
	return 0;
}
