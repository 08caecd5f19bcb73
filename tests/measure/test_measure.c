/* SPDX-License-Identifier: MIT */
/*
 * The measurement core: repetitions call set-up, run and teardown in
 * order and time only run; summaries of odd, even, empty and NaN-holed
 * samples; per-op figures of nothing are NaN; the churn sizes ascend.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <vmbench/measure.h>

#include "../test.h"

struct trace {
	char log[64];
	size_t len;
	unsigned fail_setup_at, fail_run_at;   /* ~0u: never */
	unsigned runs;
};

static void note(struct trace *t, char c)
{
	if (t->len + 1 < sizeof(t->log))
		t->log[t->len++] = c;
}

static int setup(void *ctx, unsigned rep)
{
	struct trace *t = ctx;

	note(t, 's');
	return rep == t->fail_setup_at ? -ENOMEM : 0;
}

static int run(void *ctx)
{
	struct trace *t = ctx;
	uint64_t t0 = measure_now_ns();

	note(t, 'r');
	/* Spin at least 1 us so the timed region is not empty. */
	while (measure_now_ns() - t0 < 1000) {
	}
	return t->runs++ == t->fail_run_at ? 7 : 0;
}

static void teardown(void *ctx, unsigned rep)
{
	(void)rep;
	note(ctx, 't');
}

static const struct measure_subject subject = { setup, run, teardown };

static void test_repeat(void)
{
	struct trace t = { .fail_setup_at = ~0u, .fail_run_at = ~0u };
	double sec[4];

	ASSERT_OK(measure_repeat(&subject, &t, 3, sec));
	ASSERT_STREQ(t.log, "srtsrtsrt");
	for (int i = 0; i < 3; i++)
		ASSERT(sec[i] >= 1e-6 && sec[i] < 10);

	/* A failed run ends the repetitions after its teardown. */
	memset(&t, 0, sizeof(t));
	t.fail_setup_at = ~0u;
	t.fail_run_at = 1;
	ASSERT_EQ(measure_repeat(&subject, &t, 4, sec), 7);
	ASSERT_STREQ(t.log, "srtsrt");
	ASSERT(!isnan(sec[0]));
	ASSERT(isnan(sec[1]) && isnan(sec[2]) && isnan(sec[3]));

	/* A failed set-up: no run, no teardown, its error returned. */
	memset(&t, 0, sizeof(t));
	t.fail_setup_at = 0;
	t.fail_run_at = ~0u;
	ASSERT_EQ(measure_repeat(&subject, &t, 2, sec), -ENOMEM);
	ASSERT_STREQ(t.log, "s");
	ASSERT(isnan(sec[0]) && isnan(sec[1]));

	/* Counts out of range run nothing. */
	memset(&t, 0, sizeof(t));
	ASSERT_EQ(measure_repeat(&subject, &t, 0, sec), -EINVAL);
	ASSERT_EQ(measure_repeat(&subject, &t, MEASURE_MAX_REPETITIONS + 1,
				 sec), -EINVAL);
	ASSERT_EQ(t.len, 0);
}

static void test_summarize(void)
{
	static const double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 };
	const double holed[] = { NAN, 2, NAN, 8 };
	double big[100];
	struct measure_summary s;

	measure_summarize(odd, 3, &s);
	ASSERT_EQ(s.n, 3);
	ASSERT(s.min == 1 && s.median == 3 && s.max == 5);
	measure_summarize(even, 4, &s);
	ASSERT(s.min == 1 && s.median == 2.5 && s.max == 4);
	/* The input is not reordered. */
	ASSERT(even[0] == 4 && even[1] == 1);
	measure_summarize(holed, 4, &s);
	ASSERT_EQ(s.n, 2);
	ASSERT(s.min == 2 && s.median == 5 && s.max == 8);
	/* Nothing measured: NaN, never 0. */
	measure_summarize(holed, 1, &s);
	ASSERT_EQ(s.n, 0);
	ASSERT(isnan(s.min) && isnan(s.median) && isnan(s.max));
	measure_summarize(NULL, 0, &s);
	ASSERT(isnan(s.median));
	/* More values than the on-stack copy holds. */
	for (int i = 0; i < 100; i++)
		big[i] = 99 - i;
	measure_summarize(big, 100, &s);
	ASSERT(s.min == 0 && s.median == 49.5 && s.max == 99);
}

static void test_per_op(void)
{
	ASSERT(measure_ns_per_op(2.0, 4) == 5e8);
	ASSERT(isnan(measure_ns_per_op(2.0, 0)));
	ASSERT(isnan(measure_ns_per_op(NAN, 4)));
	ASSERT(measure_rate(10, 2.0) == 5);
	ASSERT(isnan(measure_rate(0, 2.0)));
	ASSERT(isnan(measure_rate(10, 0)));
	ASSERT(isnan(measure_rate(10, NAN)));
}

static void test_sizes(void)
{
	size_t n;
	const int64_t *z = measure_churn_sizes(&n);

	ASSERT(n >= 2);
	for (size_t i = 0; i < n; i++) {
		ASSERT(z[i] > 0);
		if (i)
			ASSERT_LT(z[i - 1], z[i]);
	}
}

int main(void)
{
	test_repeat();
	test_summarize();
	test_per_op();
	test_sizes();
	return 0;
}
