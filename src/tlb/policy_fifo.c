/* SPDX-License-Identifier: MIT */
/* FIFO: a fill stamps the way, hits do not reorder; the oldest fill goes. */
#include "tlb_internal.h"

const struct tlb_policy_ops tlb_policy_fifo = {
	.name = "fifo",
	.hit = TLB_HIT_NONE,
	.filled = tlb_st_stamp,
	.victim = tlb_st_oldest,
};
