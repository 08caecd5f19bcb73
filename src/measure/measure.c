/* SPDX-License-Identifier: MIT */
/* The measurement core: see include/vmbench/measure.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmbench/measure.h>

uint64_t measure_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int measure_repeat(const struct measure_subject *s, void *ctx,
		   unsigned reps, double *seconds)
{
	unsigned r;
	int ret = 0;

	if (!reps || reps > MEASURE_MAX_REPETITIONS)
		return -EINVAL;
	for (r = 0; r < reps; r++)
		seconds[r] = NAN;
	for (r = 0; r < reps && !ret; r++) {
		uint64_t t0, t1;

		if (s->setup && (ret = s->setup(ctx, r)))
			break;
		t0 = measure_now_ns();
		ret = s->run(ctx);
		t1 = measure_now_ns();
		if (!ret)
			seconds[r] = (double)(t1 - t0) * 1e-9;
		if (s->teardown)
			s->teardown(ctx, r);
	}
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void measure_summarize(const double *v, size_t n, struct measure_summary *s)
{
	double small[64], *w = n <= 64 ? small : malloc(n * sizeof(*w));
	size_t k = 0;

	s->n = 0;
	s->min = s->median = s->max = NAN;
	if (!w) {
		/* Out of memory for the copy: min and max still hold. */
		for (size_t i = 0; i < n; i++)
			if (!isnan(v[i])) {
				if (!k++ || v[i] < s->min)
					s->min = v[i];
				if (k == 1 || v[i] > s->max)
					s->max = v[i];
			}
		s->n = (unsigned)k;
		if (k == 1)
			s->median = s->min;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			w[k++] = v[i];
	if (k) {
		qsort(w, k, sizeof(*w), cmp_double);
		s->n = (unsigned)k;
		s->min = w[0];
		s->max = w[k - 1];
		s->median = k % 2 ? w[k / 2] : (w[k / 2 - 1] + w[k / 2]) / 2;
	}
	if (w != small)
		free(w);
}

double measure_ns_per_op(double seconds, uint64_t ops)
{
	return ops ? seconds * 1e9 / (double)ops : NAN;
}

double measure_rate(uint64_t ops, double seconds)
{
	return ops && seconds > 0 ? (double)ops / seconds : NAN;
}

/* Log-spaced, with 20k (the README's headline). */
static const int64_t churn_sizes[] = {
	1000, 3000, 10000, 20000, 100000, 300000, 1000000,
};

const int64_t *measure_churn_sizes(size_t *count)
{
	*count = sizeof(churn_sizes) / sizeof(churn_sizes[0]);
	return churn_sizes;
}
