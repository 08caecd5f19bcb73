/* SPDX-License-Identifier: MIT */
/*
 * bench — benchmarks in C over Google Benchmark (bench/shim.cc).
 *
 * A benchmark is an entry of a static table (struct bench_def), swept over
 * the product of its parameter sweeps.  Its run function does its own
 * untimed preparation, then times only the loop:
 *
 *	static void run_walk(struct bench_state *st)
 *	{
 *		uint64_t n = bench_arg(st, 0), sum = 0;
 *		... build the input, untimed ...
 *		while (bench_keep_running(st)) {
 *			sum += step(...);
 *			bench_do_not_optimize(sum);
 *		}
 *		bench_counter(st, "sim_walks", walks, BENCH_CTR_PER_ITER);
 *	}
 *
 *	const struct bench_def bench_walk_defs[] = {
 *		{ .family = "walk", .strategy = "x86-64", .run = run_walk,
 *		  .args = { BENCH_RANGE("n", 1 << 10, 1 << 20, 4) } },
 *		BENCH_END
 *	};
 *
 * Names: family/strategy/workload/arch/tlb (NULL parts are left out), then
 * one "/name:value" per parameter, e.g. "vmap/augrb/churn/n:4096".
 *
 * The loop: the shim hands out the whole iteration count as one batch;
 * bench_keep_running() counts it down inline, so an iteration costs one
 * decrement and one predicted branch.  Its first call starts the hardware
 * counters and the clock, its last stops them, so counters cover the timed
 * loop only, not setup.  Call it until it returns false, once per run.
 *
 * Setup and teardown callbacks run around each call of run(), untimed;
 * Google Benchmark calls run() several times while it picks an iteration
 * count.
 */
#ifndef VMBENCH_BENCH_H
#define VMBENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef BENCH_MAX_ARGS
#define BENCH_MAX_ARGS 4
#endif

enum bench_sweep_kind {
	BENCH_SWEEP_NONE,
	BENCH_SWEEP_LIST,    /* the values given */
	BENCH_SWEEP_RANGE,   /* lo, powers of step in between, hi (like
			      * Google Benchmark's Range with multiplier) */
	BENCH_SWEEP_DENSE,   /* lo, lo + step, ... <= hi */
};

/* One parameter and the values it takes. */
struct bench_sweep {
	const char *name;
	enum bench_sweep_kind kind;
	int64_t lo, hi, step;
	const int64_t *values;
	size_t n_values;
};

#define BENCH_LIST(nm, ...)                                                  \
	{ .name = (nm), .kind = BENCH_SWEEP_LIST,                            \
	  .values = (const int64_t[]){ __VA_ARGS__ },                        \
	  .n_values = sizeof((const int64_t[]){ __VA_ARGS__ }) /             \
		      sizeof(int64_t) }
#define BENCH_RANGE(nm, l, h, mult)                                          \
	{ .name = (nm), .kind = BENCH_SWEEP_RANGE, .lo = (l), .hi = (h),      \
	  .step = (mult) }
#define BENCH_DENSE(nm, l, h, st)                                            \
	{ .name = (nm), .kind = BENCH_SWEEP_DENSE, .lo = (l), .hi = (h),      \
	  .step = (st) }

struct bench_state;

/* A table entry; a table ends with BENCH_END (run == NULL). */
struct bench_def {
	const char *family;      /* "vmap", "walk", "tlb", "shim" */
	const char *strategy;    /* NULL where it does not apply */
	const char *workload;
	const char *arch;
	const char *tlb;
	void (*run)(struct bench_state *st);
	/* Untimed, around each run(); setup returns 0 or a negative errno,
	 * and a failure skips the benchmark with an error. */
	int (*setup)(struct bench_state *st);
	void (*teardown)(struct bench_state *st);
	/* Swept as a product: every combination of the values is one
	 * benchmark.  Unused slots have kind BENCH_SWEEP_NONE. */
	struct bench_sweep args[BENCH_MAX_ARGS];
	const void *data;        /* static data for run(), bench_data() */
};

#define BENCH_END { .run = 0 }

/*
 * The state a run sees.  Fields above the line are read by the inline
 * helpers; treat the struct as opaque otherwise.
 */
struct bench_state {
	uint64_t left;           /* iterations left in the batch */
	const int64_t *argv;     /* this benchmark's parameter values */
	const struct bench_def *def;
	void *user;              /* free for setup/run/teardown */
	/* ---- */
	void *impl;              /* the shim's */
	int phase;               /* 0 before the loop, 1 in it, 2 after */
};

/* The slow path of bench_keep_running(): starts or ends the loop. */
bool bench_loop_edge(struct bench_state *st);
/* The edges of BENCH_LOOP: begin starts the counters and the clock and
 * returns the batch (0 when the run is already failed); end stops them
 * and returns false. */
uint64_t bench_loop_begin(struct bench_state *st);
bool bench_loop_end(struct bench_state *st);

/*
 * The same loop with the count in a local variable:
 *
 *	BENCH_LOOP(st) {
 *		...
 *	}
 *
 * Prefer it for loops of a few nanoseconds whose body has a memory
 * clobber (bench_do_not_optimize() has one): bench_keep_running() keeps
 * the count in *st, which a clobber forces back to memory every
 * iteration (a store-to-load round trip); BENCH_LOOP's count is never
 * address-taken and stays in a register, as in Google Benchmark's own
 * range-for loop.  Do not jump out of the body (no break or return).
 */
#define BENCH_LOOP(st)                                                       \
	for (uint64_t bench_left_ = bench_loop_begin(st);                    \
	     bench_left_ != 0 || bench_loop_end(st); bench_left_--)

static inline bool bench_keep_running(struct bench_state *st)
{
	if (__builtin_expect(st->left != 0, 1)) {
		st->left--;
		return true;
	}
	return bench_loop_edge(st);
}

static inline int64_t bench_arg(const struct bench_state *st, size_t i)
{
	return st->argv[i];
}

static inline const void *bench_data(const struct bench_state *st)
{
	return st->def->data;
}

/* Stop and restart the clock and the hardware counters inside the loop
 * (costly: use for per-batch preparation, not per iteration). */
void bench_pause(struct bench_state *st);
void bench_resume(struct bench_state *st);

/* Flags of a user counter. */
#define BENCH_CTR_PER_ITER 0x1u  /* divided by the iteration count */
#define BENCH_CTR_RATE     0x2u  /* divided by the elapsed seconds */

/*
 * A user counter reported with this run; simulated counters are named
 * "sim_<what>" and become CSV columns.  @name is copied.
 */
void bench_counter(struct bench_state *st, const char *name, double value,
		   unsigned flags);
void bench_items_processed(struct bench_state *st, int64_t items);
/*
 * Each iteration of this run performed @ops operations (a whole trace
 * replay, say): the CSV's row is then per op (iterations times @ops,
 * ns_per_op and per-iteration counters divided by @ops).  Google
 * Benchmark's own output stays per iteration, with an ops_per_iter
 * counter.  Call it after the loop.
 */
void bench_ops_per_iter(struct bench_state *st, double ops);
/* Mark this run failed; the loop ends at once.  @msg is copied. */
void bench_error(struct bench_state *st, const char *msg);
/* Iterations run so far (the batch size once the loop has ended). */
uint64_t bench_iterations(const struct bench_state *st);

/* The C++ baseline: the empty loop written directly against Google
 * Benchmark, to compare with the same loop through bench_keep_running(). */
void bench_cxx_empty_loop(struct bench_state *st);

/*
 * Compiler barriers (GCC/Clang), cost-free at run time.
 * bench_do_not_optimize(lv): the lvalue's value is used and may change.
 * bench_escape(p): memory reachable from @p is read and written.
 * bench_clobber_memory(): all memory may have been read and written.
 */
#define bench_do_not_optimize(lv) __asm__ __volatile__("" : "+r,m"(lv) : : "memory")
static inline void bench_escape(const void *p)
{
	__asm__ __volatile__("" : : "g"(p) : "memory");
}
static inline void bench_clobber_memory(void)
{
	__asm__ __volatile__("" : : : "memory");
}

/*
 * Sweep expansion, pure and public for the tests: writes the values of @s
 * to @out (at most @max) and returns how many there are, or -EINVAL for an
 * empty or endless sweep (lo > hi, step < 1, RANGE with step < 2).
 */
long bench_sweep_values(const struct bench_sweep *s, int64_t *out,
			size_t max);

/* Run the benchmarks of the NULL-terminated list of tables; argv as main's.
 * Returns the process exit status. */
int bench_main(int argc, char **argv, const struct bench_def *const *tables);

#ifdef __cplusplus
}
#endif

#endif /* VMBENCH_BENCH_H */
