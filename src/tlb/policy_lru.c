/* SPDX-License-Identifier: MIT */
/* True LRU: every hit and fill stamps the way; the oldest stamp goes. */
#include "tlb_internal.h"

const struct tlb_policy_ops tlb_policy_lru = {
	.name = "lru",
	.hit = TLB_HIT_STAMP,
	.touch = tlb_st_stamp,
	.filled = tlb_st_stamp,
	.victim = tlb_st_oldest,
};
