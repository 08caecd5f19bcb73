/* SPDX-License-Identifier: MIT */
/*
 * A tiny benchmark table run through the shim by test_shim: a product of
 * two sweeps with setup/teardown and a simulated counter, and an entry
 * without parameters.
 */
#include <errno.h>
#include <stdlib.h>

#include <vmbench/bench.h>

struct tiny {
	uint64_t *v;
	uint64_t n;
};

static int tiny_setup(struct bench_state *st)
{
	struct tiny *t = malloc(sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->n = (uint64_t)bench_arg(st, 0);
	t->v = calloc(t->n, sizeof(*t->v));
	if (!t->v) {
		free(t);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < t->n; i++)
		t->v[i] = i * (uint64_t)bench_arg(st, 1);
	st->user = t;
	return 0;
}

static void tiny_teardown(struct bench_state *st)
{
	struct tiny *t = st->user;

	free(t->v);
	free(t);
}

static void tiny_sum(struct bench_state *st)
{
	struct tiny *t = st->user;
	uint64_t sum = 0;

	while (bench_keep_running(st)) {
		for (uint64_t i = 0; i < t->n; i++)
			sum += t->v[i];
		bench_do_not_optimize(sum);
	}
	/* Exact and deterministic: n additions per iteration. */
	bench_counter(st, "sim_adds", (double)(t->n * bench_iterations(st)),
		      BENCH_CTR_PER_ITER);
	bench_items_processed(st, (int64_t)(t->n * bench_iterations(st)));
}

static void tiny_nop(struct bench_state *st)
{
	uint64_t x = 0;

	BENCH_LOOP(st) {
		x++;
		bench_do_not_optimize(x);
	}
}

static const struct bench_def tiny_defs[] = {
	{ .family = "tiny", .strategy = "sum", .workload = "seq",
	  .arch = "x86-64", .run = tiny_sum, .setup = tiny_setup,
	  .teardown = tiny_teardown,
	  .args = { BENCH_LIST("n", 8, 64), BENCH_RANGE("k", 1, 4, 2) } },
	{ .family = "tiny", .strategy = "nop", .run = tiny_nop },
	BENCH_END
};

static const struct bench_def *const tiny_tables[] = { tiny_defs, NULL };

int main(int argc, char **argv)
{
	return bench_main(argc, argv, tiny_tables);
}
