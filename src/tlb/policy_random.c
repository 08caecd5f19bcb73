/* SPDX-License-Identifier: MIT */
/*
 * Random: the victim is uniform over the ways, drawn from the structure's
 * generator (seeded from tlb_config.seed: same seed, same victims).
 */
#include "tlb_internal.h"

static uint32_t random_victim(struct tlb_st *st, uint64_t set,
			      uint32_t oldest)
{
	(void)set;
	(void)oldest;
	return (uint32_t)rng_below(&st->rng, st->ways);
}

const struct tlb_policy_ops tlb_policy_random = {
	.name = "random",
	.hit = TLB_HIT_NONE,
	.victim = random_victim,
};
