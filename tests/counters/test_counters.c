/* SPDX-License-Identifier: MIT */
/*
 * counters: libpfm encoding, the scaling arithmetic, absent hardware events
 * (NaN, never 0, with a note), live software counters, pause/resume, and
 * forced failures that leave the other counters working.
 *
 * Nothing here depends on the machine having a PMU: where a hardware event
 * opens, its value must be a finite count; where it does not, it must be
 * absent.  Software counters must work everywhere (perf or fallback).
 */
#define _GNU_SOURCE  /* MAP_ANONYMOUS, madvise() */
#include <errno.h>
#include <math.h>
#include <sys/mman.h>
#include <time.h>

#include <vmbench/counters.h>
#include <vmbench/reason.h>

#ifdef VMBENCH_HAVE_LIBPFM
#include <perfmon/pfmlib_perf_event.h>
#endif

#include "test.h"

#define PAGES 256

static void test_encode(void)
{
	struct perf_event_attr a;
	struct reason err;

	ASSERT_OK(ctr_encode("cycles", &a, &err));
	ASSERT_EQ(a.type, PERF_TYPE_HARDWARE);
	ASSERT_EQ(a.config, PERF_COUNT_HW_CPU_CYCLES);
	ASSERT_OK(ctr_encode("instructions", &a, &err));
	ASSERT_EQ(a.type, PERF_TYPE_HARDWARE);
	ASSERT_EQ(a.config, PERF_COUNT_HW_INSTRUCTIONS);
	/* Canonical column names are aliases. */
	ASSERT_OK(ctr_encode("dtlb_load_misses", &a, &err));
	ASSERT_EQ(a.type, PERF_TYPE_HW_CACHE);
	ASSERT_EQ(a.config, 0x10003);  /* DTLB | READ << 8 | MISS << 16 */

	if (!ctr_have_libpfm()) {
		ASSERT_EQ(ctr_encode("PERF_COUNT_SW_CPU_CLOCK", &a, &err), -ENOTSUP);
		ASSERT(strstr(err.msg, "libpfm"));
		printf("libpfm not built in: encoding through libpfm "
		       "not tested\n");
		return;
	}
#ifdef VMBENCH_HAVE_LIBPFM
	/* libpfm initializes without a CPU PMU (the generic perf PMU). */
	ASSERT_EQ(pfm_initialize(), PFM_SUCCESS);
#endif
	/* Names only libpfm knows, hardware-cache and software. */
	ASSERT_OK(ctr_encode("PERF_COUNT_HW_CACHE_L1D:READ:MISS", &a, &err));
	ASSERT_EQ(a.type, PERF_TYPE_HW_CACHE);
	ASSERT_EQ(a.config, PERF_COUNT_HW_CACHE_L1D |
			    (PERF_COUNT_HW_CACHE_OP_READ << 8) |
			    (PERF_COUNT_HW_CACHE_RESULT_MISS << 16));
	ASSERT_OK(ctr_encode("PERF_COUNT_SW_CPU_CLOCK", &a, &err));
	ASSERT_EQ(a.type, PERF_TYPE_SOFTWARE);
	ASSERT_EQ(a.config, PERF_COUNT_SW_CPU_CLOCK);
	ASSERT_OK(ctr_encode("page-faults", &a, &err));
	ASSERT_EQ(a.type, PERF_TYPE_SOFTWARE);
	ASSERT_EQ(a.config, PERF_COUNT_SW_PAGE_FAULTS);
	/* Both privilege levels requested: kernel work is counted. */
	ASSERT_EQ(a.exclude_kernel, 0);

	reason_clear(&err);
	ASSERT_EQ(ctr_encode("no_such_event_xyz", &a, &err),
		  -ENOENT);
	ASSERT(strstr(err.msg, "no_such_event_xyz"));
	ASSERT(strstr(err.msg, "not found"));
}

static void test_scale(void)
{
	struct ctr_reading r;

	r = ctr_scale(1000, 100, 100);
	ASSERT(r.value == 1000.0 && r.flags == 0);
	r = ctr_scale(1000, 200, 100);
	ASSERT(r.value == 2000.0 && r.flags == CTR_SCALED);
	r = ctr_scale(7, 3, 2);
	ASSERT(r.value == 10.5 && r.flags == CTR_SCALED);
	/* Large counts keep their precision through the product. */
	r = ctr_scale(1ULL << 62, 3, 2);
	ASSERT(r.value == 3.0 * (double)(1ULL << 61));
	r = ctr_scale(123456789, 1000000007, 999999999);
	ASSERT(fabs(r.value - 123456789.0 * 1000000007.0 / 999999999.0) <
	       1e-6);
	/* Never scheduled: absent, never 0. */
	r = ctr_scale(0, 100, 0);
	ASSERT(isnan(r.value) && r.flags == CTR_ABSENT);
	/* An empty region is an honest 0. */
	r = ctr_scale(0, 0, 0);
	ASSERT(r.value == 0.0 && r.flags == 0);
	/* running > enabled cannot happen; treat as unscaled. */
	r = ctr_scale(5, 10, 11);
	ASSERT(r.value == 5.0 && r.flags == 0);
}

static volatile uint64_t sink;

static void busy(uint64_t n)
{
	uint64_t x = 1;

	for (uint64_t i = 0; i < n; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
}

/* Touch @pages fresh small pages (transparent huge pages off). */
static void touch_fresh(size_t pages)
{
	size_t len = pages * 4096;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT(p != MAP_FAILED);
	(void)madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += 4096)
		((volatile char *)p)[i] = 1;
	ASSERT_OK(munmap(p, len));
}

static double value_of(const struct ctr_set *s, const struct ctr_reading *r,
		       const char *name)
{
	int i = ctr_find(s, name);

	if (i < 0)
		TEST_FAIL("no counter %s", name);
	return r[i].value;
}

/* Absent counters read NaN with a note; present ones read finite counts. */
static void check_readings(const struct ctr_set *s,
			   const struct ctr_reading *r)
{
	for (size_t i = 0; i < ctr_count(s); i++) {
		if (ctr_source(s, i) == CTR_SRC_ABSENT) {
			ASSERT(isnan(r[i].value));
			ASSERT(r[i].flags & CTR_ABSENT);
			ASSERT(ctr_note(s, i) != NULL);
			ASSERT(strstr(ctr_note(s, i), "not supported") ||
			       strstr(ctr_note(s, i), "not permitted"));
			ASSERT(strstr(ctr_note(s, i), ctr_name(s, i)));
		} else {
			ASSERT(isfinite(r[i].value));
			ASSERT(r[i].value >= 0);
		}
	}
}

static void print_notes(const char *what, const struct ctr_set *s)
{
	for (size_t i = 0; i < ctr_count(s); i++)
		if (ctr_note(s, i))
			printf("%s: %s\n", what, ctr_note(s, i));
}

/* The software counters count; called on any set. */
static void check_software(struct ctr_set *s, bool task_clock)
{
	struct ctr_reading small[CTR_MAX_EVENTS + 3], big[CTR_MAX_EVENTS + 3];
	struct timespec t0, t1;
	double wall_ns;

	ctr_start(s);
	busy(200000);
	ctr_stop(s, small);
	check_readings(s, small);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ctr_start(s);
	busy(2000000);
	touch_fresh(PAGES);
	struct timespec nap = { 0, 2000000 };
	nanosleep(&nap, NULL);
	ctr_stop(s, big);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	check_readings(s, big);
	wall_ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		  (double)(t1.tv_nsec - t0.tv_nsec);

	if (task_clock) {
		double a = value_of(s, small, "task_clock_ns");
		double b = value_of(s, big, "task_clock_ns");

		ASSERT(a > 0);
		ASSERT(b > a);  /* ten times the work, more CPU time */
		ASSERT(b <= wall_ns * 1.01 + 1e6);  /* one thread's CPU time */
	}
	ASSERT(value_of(s, big, "page_faults") >= PAGES);
	/* A sleep gives the CPU away at least once. */
	ASSERT(value_of(s, big, "context_switches") >= 1);
}

static void test_live(void)
{
	struct ctr_set *s;
	struct ctr_reading r[CTR_MAX_EVENTS + 3];
	struct reason err;

	ASSERT_OK(ctr_open(&s, NULL, &err));
	print_notes("default", s);
	ASSERT_EQ(ctr_count(s), CTR_NCANON);
	for (int c = 0; c < CTR_NCANON; c++)
		ASSERT_STREQ(ctr_name(s, (size_t)c), ctr_canon_name(c));
	/* Software counters are never absent unless forced. */
	for (int c = CTR_NCANON_HW; c < CTR_NCANON; c++)
		ASSERT_NE(ctr_source(s, (size_t)c), CTR_SRC_ABSENT);
	check_software(s, true);

	/* Pages touched while paused are not counted. */
	ctr_start(s);
	ctr_pause(s);
	touch_fresh(PAGES);
	ctr_resume(s);
	ctr_stop(s, r);
	ASSERT(value_of(s, r, "page_faults") < PAGES / 2);
	ctr_close(s);
}

static void test_config(void)
{
	static const char *const two[] = { "instructions", "cycles",
					   "instructions", "task-clock" };
	static const char *const bad[] = { "cycles", "no_such_event_xyz" };
	struct ctr_config cfg = { 0 };
	struct ctr_set *s, *untouched = (struct ctr_set *)&cfg;
	struct reason err;

	/* Repeats and software names collapse; order is kept. */
	cfg.events = two;
	cfg.n_events = 4;
	ASSERT_OK(ctr_open(&s, &cfg, &err));
	ASSERT_EQ(ctr_count(s), 2 + 3);
	ASSERT_STREQ(ctr_name(s, 0), "instructions");
	ASSERT_STREQ(ctr_name(s, 1), "cycles");
	ASSERT_STREQ(ctr_name(s, 2), "task_clock_ns");
	ctr_close(s);

	/* No hardware events at all. */
	cfg.n_events = 0;
	ASSERT_OK(ctr_open(&s, &cfg, &err));
	ASSERT_EQ(ctr_count(s), 3);
	ctr_close(s);

	/* A bad name fails the whole open with a message. */
	cfg.events = bad;
	cfg.n_events = 2;
	int ret = ctr_open(&untouched, &cfg, &err);
	ASSERT(ret == -ENOENT || ret == -ENOTSUP);
	ASSERT(untouched == (struct ctr_set *)&cfg);
	ASSERT(strstr(err.msg, "no_such_event_xyz"));
	/* The reason names no line and no option: the caller adds it. */
	ASSERT_EQ(err.line, 0);
	ASSERT_STREQ(err.what, "");

	/* Too many events: -EINVAL with its reason, nothing opened. */
	{
		const char *many[CTR_MAX_EVENTS + 1];

		for (size_t k = 0; k < CTR_MAX_EVENTS + 1; k++)
			many[k] = "cycles";
		cfg.events = many;
		cfg.n_events = CTR_MAX_EVENTS + 1;
		reason_clear(&err);
		ASSERT_EQ(ctr_open(&untouched, &cfg, &err), -EINVAL);
		ASSERT(untouched == (struct ctr_set *)&cfg);
		ASSERT(strstr(err.msg, "more than"));
		/* A NULL carrier is allowed. */
		ASSERT_EQ(ctr_open(&untouched, &cfg, NULL), -EINVAL);
	}
}

static void test_forced(void)
{
	struct ctr_config cfg = { 0 };
	struct ctr_set *s;
	struct ctr_reading r[CTR_MAX_EVENTS + 3];
	int i;

	/* One hardware and one software event fail; the others count. */
	cfg.force_fail = "cycles,task_clock_ns";
	ASSERT_OK(ctr_open(&s, &cfg, NULL));
	print_notes("forced", s);
	i = ctr_find(s, "task_clock_ns");
	ASSERT_EQ(ctr_source(s, (size_t)i), CTR_SRC_ABSENT);
	ASSERT(strstr(ctr_note(s, (size_t)i), "ENOENT"));
	ASSERT(strstr(ctr_note(s, (size_t)i), "forced"));
	i = ctr_find(s, "cycles");
	ASSERT_EQ(ctr_source(s, (size_t)i), CTR_SRC_ABSENT);
	check_software(s, false);
	ctr_start(s);
	ctr_stop(s, r);
	ASSERT(isnan(value_of(s, r, "task_clock_ns")));
	ASSERT(isnan(value_of(s, r, "cycles")));
	ctr_close(s);

	/* perf_event_open denied outright: exact fallbacks, said so. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.force_no_perf = true;
	ASSERT_OK(ctr_open(&s, &cfg, NULL));
	print_notes("no perf", s);
	for (int c = 0; c < CTR_NCANON_HW; c++)
		ASSERT_EQ(ctr_source(s, (size_t)c), CTR_SRC_ABSENT);
	ASSERT_EQ(ctr_source(s, CTR_TASK_CLOCK), CTR_SRC_CLOCK);
	ASSERT_EQ(ctr_source(s, CTR_PAGE_FAULTS), CTR_SRC_RUSAGE);
	ASSERT_EQ(ctr_source(s, CTR_CONTEXT_SWITCHES), CTR_SRC_RUSAGE);
	ASSERT(strstr(ctr_note(s, CTR_TASK_CLOCK), "clock_gettime"));
	ASSERT(strstr(ctr_note(s, CTR_PAGE_FAULTS), "getrusage"));
	check_software(s, true);
	ctr_start(s);
	ctr_pause(s);
	touch_fresh(PAGES);
	ctr_resume(s);
	ctr_stop(s, r);
	ASSERT(value_of(s, r, "page_faults") < PAGES / 2);
	ctr_close(s);
}

int main(void)
{
	test_encode();
	test_scale();
	test_live();
	test_config();
	test_forced();
	return 0;
}
