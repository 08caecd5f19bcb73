/* SPDX-License-Identifier: MIT */
/*
 * The "shim" family: the empty loop through the C shim (both loop forms)
 * and the same loop written directly against Google Benchmark.  Their
 * difference per iteration is what the C shim adds.
 */
#include <vmbench/bench.h>

#include "list.h"

/*
 * "Empty" means a body of one compiler barrier that clobbers memory, as
 * bench_do_not_optimize() does: without it the compiler deletes the loop
 * in C++ and C alike, and with it we see what a real benchmark pays.
 */
static void shim_c_empty(struct bench_state *st)
{
	while (bench_keep_running(st))
		bench_clobber_memory();
}

static void shim_c_loop_empty(struct bench_state *st)
{
	BENCH_LOOP(st)
		bench_clobber_memory();
}

const struct bench_def bench_shim_defs[] = {
	{ .family = "shim", .strategy = "c", .workload = "empty",
	  .run = shim_c_empty },
	{ .family = "shim", .strategy = "c-loop", .workload = "empty",
	  .run = shim_c_loop_empty },
	{ .family = "shim", .strategy = "cxx", .workload = "empty",
	  .run = bench_cxx_empty_loop },
	BENCH_END
};
