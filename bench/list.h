/* SPDX-License-Identifier: MIT */
/*
 * The benchmark tables of build/vmbench, one per bench_*.c file, and
 * bench_tables[], the NULL-terminated list main() runs (list.c).
 * To add benchmarks: define a table in a new bench/bench_<what>.c, declare
 * it here, and append it to bench_tables[] in list.c.
 */
#ifndef VMBENCH_BENCH_LIST_H
#define VMBENCH_BENCH_LIST_H

#include <vmbench/bench.h>

extern const struct bench_def bench_shim_defs[];
/* Filled from vmap_strategies() before main() (bench_vmap.c). */
extern struct bench_def bench_vmap_defs[];
extern const struct bench_def bench_mmu_defs[], bench_pair_defs[];
/* Filled from vmap_strategies() before main() (bench_vmalloc.c). */
extern struct bench_def bench_vmalloc_defs[];
/* Temporary mappings (bench_kmap.c). */
extern const struct bench_def bench_kmap_defs[];

extern const struct bench_def *const bench_tables[];

#endif /* VMBENCH_BENCH_LIST_H */
