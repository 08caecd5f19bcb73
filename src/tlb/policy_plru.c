/* SPDX-License-Identifier: MIT */
/*
 * Tree-PLRU over a power-of-two number of ways, its ways - 1 bits in the
 * set's word: node n (1-based heap order, n < ways) has children 2n and
 * 2n + 1; the leaves n >= ways are the ways n - ways.  Bit n set means "the
 * victim is in the right subtree".  A touch (hit or fill) points every node
 * on the way's path away from it.
 *
 *	          1            ways = 4: bits 1..3
 *	        /   \
 *	       2     3
 *	      / \   / \
 *	     w0 w1 w2 w3
 */
#include <errno.h>
#include <stdio.h>

#include "tlb_internal.h"

_Static_assert(TLB_PLRU_MAX_WAYS <= 64, "PLRU bits live in one uint64_t");

static void plru_touch(struct tlb_st *st, uint64_t set, uint32_t w)
{
	uint64_t bits = st->bits[set];
	uint32_t n = st->ways + w;

	while (n > 1) {
		uint32_t parent = n >> 1;

		if (n & 1)        /* came from the right: victim goes left */
			bits &= ~(1ULL << parent);
		else
			bits |= 1ULL << parent;
		n = parent;
	}
	st->bits[set] = bits;
}

static uint32_t plru_victim(struct tlb_st *st, uint64_t set,
			    uint32_t oldest)
{
	uint64_t bits = st->bits[set];
	uint32_t n = 1;

	while (n < st->ways)
		n = 2 * n + (uint32_t)(bits >> n & 1);
	return n - st->ways;
}

static int plru_check(uint32_t ways, char *why, size_t n)
{
	if (ways && !(ways & (ways - 1)) && ways <= TLB_PLRU_MAX_WAYS)
		return 0;
	snprintf(why, n, "plru needs ways a power of two <= %u, not %u",
		 (unsigned)TLB_PLRU_MAX_WAYS, ways);
	return -EINVAL;
}

const struct tlb_policy_ops tlb_policy_plru = {
	.name = "plru",
	.hit = TLB_HIT_CALL,
	.set_word = true,
	.check = plru_check,
	.touch = plru_touch,
	.filled = plru_touch,
	.victim = plru_victim,
};
