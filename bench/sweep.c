/* SPDX-License-Identifier: MIT */
/* Parameter sweeps of bench.h, expanded in C so the tests can check them. */
#include <errno.h>

#include <vmbench/bench.h>

static void put(int64_t *out, size_t max, long *n, int64_t v)
{
	if ((size_t)*n < max)
		out[*n] = v;
	(*n)++;
}

long bench_sweep_values(const struct bench_sweep *s, int64_t *out,
			size_t max)
{
	long n = 0;

	switch (s->kind) {
	case BENCH_SWEEP_LIST:
		if (s->n_values == 0)
			return -EINVAL;
		for (size_t i = 0; i < s->n_values; i++)
			put(out, max, &n, s->values[i]);
		return n;
	case BENCH_SWEEP_RANGE:
		if (s->lo < 0 || s->lo > s->hi || s->step < 2)
			return -EINVAL;
		put(out, max, &n, s->lo);
		/* Powers of step strictly between lo and hi; v <= hi / step
		 * keeps v * step from overflowing. */
		for (int64_t v = 1; v <= s->hi / s->step; ) {
			v *= s->step;
			if (v > s->lo && v < s->hi)
				put(out, max, &n, v);
		}
		if (s->hi != s->lo)
			put(out, max, &n, s->hi);
		return n;
	case BENCH_SWEEP_DENSE:
		if (s->lo > s->hi || s->step < 1)
			return -EINVAL;
		for (int64_t v = s->lo;; v += s->step) {
			put(out, max, &n, v);
			if (v > s->hi - s->step)
				break;
		}
		return n;
	case BENCH_SWEEP_NONE:
	default:
		return -EINVAL;
	}
}
