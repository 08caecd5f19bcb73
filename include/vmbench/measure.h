/* SPDX-License-Identifier: MIT */
/*
 * measure — the one measurement core: its clock, repetitions of a timed
 * region with untimed set-up around it, min/median/max, per-op figures,
 * and the sizes of the churn sweep.  vmsim's --stats times through it;
 * the benchmark suite sizes its churn sweep from it and its CSV uses the
 * same column names (ns_per_op, repetitions).
 *
 * A figure that was not measured is NaN (written NA by csv_field_double),
 * never 0 and never a division by one.
 *
 * Conventions: @ctx is the caller's; seconds are doubles; functions that
 * can fail return 0 or a negative errno (or what the caller's callback
 * returned), the others cannot fail.
 */
#ifndef VMBENCH_MEASURE_H
#define VMBENCH_MEASURE_H

#include <stddef.h>
#include <stdint.h>

/* The most repetitions a tool accepts (--repetitions). */
#define MEASURE_MAX_REPETITIONS 1000

/* Nanoseconds on the monotonic clock: the one clock of every timing. */
uint64_t measure_now_ns(void);

/*
 * One subject to time.  For each repetition: setup() (untimed; may be
 * NULL), then run() between two readings of the clock, then teardown()
 * (untimed; may be NULL; also after a failed run(), never after a failed
 * setup()).  setup() and run() return 0 or a nonzero value that ends the
 * repetitions and is returned.
 */
struct measure_subject {
	int (*setup)(void *ctx, unsigned rep);
	int (*run)(void *ctx);
	void (*teardown)(void *ctx, unsigned rep);
};

/*
 * Run @reps repetitions of @s and store each one's seconds in @seconds
 * (@reps entries).  Returns 0, -EINVAL for @reps == 0 or above
 * MEASURE_MAX_REPETITIONS (nothing runs), or the first nonzero value of
 * a callback; the entries of repetitions that did not complete are NaN.
 */
int measure_repeat(const struct measure_subject *s, void *ctx,
		   unsigned reps, double *seconds);

/* Min, median (the mean of the middle two for an even count) and max. */
struct measure_summary {
	unsigned n;
	double min, median, max;
};

/*
 * Summarize the @n values of @v (NaN entries are left out; @v is not
 * changed).  With no value every figure is NaN.  Cannot fail.
 */
void measure_summarize(const double *v, size_t n, struct measure_summary *s);

/* @seconds per op in nanoseconds; NaN when @ops is 0 or @seconds is NaN. */
double measure_ns_per_op(double seconds, uint64_t ops);

/* @ops per second; NaN when @ops is 0 or @seconds is not above 0. */
double measure_rate(uint64_t ops, double seconds);

/*
 * The live-area counts of the churn sweep, in increasing order: the
 * benchmark suite's churn benchmarks and scripts/bench's sweep (through
 * `vmsim gen-vmap --sweep-sizes`) use these.  *count receives their number.
 */
const int64_t *measure_churn_sizes(size_t *count);

#endif /* VMBENCH_MEASURE_H */
