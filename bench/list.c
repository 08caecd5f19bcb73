/* SPDX-License-Identifier: MIT */
/* The registry: every benchmark table of build/vmbench, in run order. */
#include "list.h"

const struct bench_def *const bench_tables[] = {
	bench_shim_defs,
	bench_vmap_defs,
	bench_mmu_defs, bench_pair_defs,
	bench_vmalloc_defs,
	bench_kmap_defs,
	NULL,
};
