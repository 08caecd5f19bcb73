/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the pgtable sources: the simulated memory's layout,
 * raw entry bits of each architecture, and the per-level masks that the
 * decoder and the walker both use (computed once per table for the walker).
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

/* x86 */
#define X86_P   (1ULL << 0)
#define X86_RW  (1ULL << 1)
#define X86_US  (1ULL << 2)
#define X86_A   (1ULL << 5)
#define X86_D   (1ULL << 6)
#define X86_PS  (1ULL << 7)
#define X86_G   (1ULL << 8)
#define X86_NX  (1ULL << 63)

/* arm64 VMSAv8-64 stage 1 */
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

/* RISC-V Sv39/Sv48 */
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

/*
 * Masks of one level.  leaf_rsvd: bits that must be clear in a leaf there
 * (all ones where no leaf may be); tab_rsvd: the same for a table pointer
 * (all ones at level 0); tab_fill: bits ORed into a table entry before its
 * restrictions are accumulated (PAE's PDPTE has no R/W, U/S).
 */
struct pt_masks {
	uint64_t leaf_rsvd;
	uint64_t tab_rsvd;
	uint64_t tab_fill;
};

void pt_level_masks(const struct pt_geometry *g, unsigned level,
		    struct pt_masks *mk);

/* Address field of an x86 / arm64 entry (low part for 64K granule). */
uint64_t pt_addr_mask(const struct pt_geometry *g);

/*
 * The simulated physical memory: frame i lies at PT_MEM_BASE + (i << shift)
 * in bytes[i << shift].  Frames [0, top) have been handed out at least
 * once; freed ones wait on the free stack.  count[i] is scratch for the
 * table occupying frame i (its number of non-empty entries).
 */
struct pt_mem {
	uint8_t *bytes;
	uint32_t *count;
	uint64_t *free_stack;
	uint64_t nfree, free_cap;
	uint64_t cap;        /* frames bytes[] can hold */
	uint64_t top;        /* frames handed out so far */
	uint64_t max;        /* frames allowed below pa_limit */
	uint64_t in_use;
	unsigned shift;
};

static inline uint64_t pt_mem_frame_index(const struct pt_mem *m, uint64_t pa)
{
	return (pa - PT_MEM_BASE) >> m->shift;
}

#endif /* VMBENCH_PT_IMPL_H */
