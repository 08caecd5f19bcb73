/* SPDX-License-Identifier: MIT */
/*
 * counters — hardware and software event counts around a timed region, for
 * the calling thread only.
 *
 * Hardware events are named through libpfm4 (any name libpfm knows, e.g.
 * "cycles", "PERF_COUNT_HW_CACHE_DTLB:READ:MISS", or a core PMU event) and
 * opened with perf_event_open(2); without libpfm only the built-in events
 * below can be named.  The software events task-clock, page-faults and
 * context-switches are always measured: through perf_event_open when it is
 * allowed, else from clock_gettime(CLOCK_THREAD_CPUTIME_ID) and
 * getrusage(RUSAGE_THREAD) (ctr_source() says which).
 *
 * All hardware events form ONE group whose leader is the first one that
 * opened, so they are scheduled together and read with a single read(2).
 * Software events are opened one by one (see counters.c for why).  When the
 * kernel multiplexed an event, its count is scaled by time_enabled /
 * time_running and flagged CTR_SCALED.
 *
 * An event the machine cannot count is ABSENT (value NaN, flag CTR_ABSENT),
 * never 0, with one line in ctr_note() saying why; the others keep working.
 *
 * Column names: a built-in event is reported under its canonical name
 * (ctr_canon_name()); any other event under its libpfm name lowered, with
 * every character outside [a-z0-9] replaced by '_'.
 */
#ifndef VMBENCH_COUNTERS_H
#define VMBENCH_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/perf_event.h>

struct reason;

/* The canonical counters, in report column order. */
enum ctr_canon {
	CTR_CYCLES,
	CTR_INSTRUCTIONS,
	CTR_CACHE_MISSES,
	CTR_DTLB_LOAD_MISSES,
	CTR_BRANCH_MISSES,
	CTR_TASK_CLOCK,        /* nanoseconds */
	CTR_PAGE_FAULTS,
	CTR_CONTEXT_SWITCHES,
	CTR_NCANON,
	CTR_NCANON_HW = CTR_TASK_CLOCK,  /* the first CTR_NCANON_HW are hardware */
};

#ifndef CTR_MAX_EVENTS
#define CTR_MAX_EVENTS 32
#endif

/* Where a counter's value comes from. */
enum ctr_source {
	CTR_SRC_ABSENT,        /* not counted on this machine */
	CTR_SRC_PERF,          /* perf_event_open, user and kernel */
	CTR_SRC_PERF_USER,     /* perf_event_open, user space only (EACCES) */
	CTR_SRC_CLOCK,         /* clock_gettime(CLOCK_THREAD_CPUTIME_ID) */
	CTR_SRC_RUSAGE,        /* getrusage(RUSAGE_THREAD) */
};

/* Flags of one reading. */
#define CTR_ABSENT 0x1u  /* no value: the machine cannot count it */
#define CTR_SCALED 0x2u  /* multiplexed: scaled by enabled / running */

struct ctr_reading {
	double value;      /* NaN when CTR_ABSENT */
	unsigned flags;
};

struct ctr_config {
	/*
	 * Hardware (libpfm) event names; NULL means the default set
	 * (cycles, instructions, cache misses, dTLB load misses, branch
	 * misses); n_events == 0 with a non-NULL @events means none.
	 * Canonical column names ("cache_misses") are accepted as aliases.
	 */
	const char *const *events;
	size_t n_events;
	/*
	 * Fault injection for tests: a comma-separated list of counter
	 * (column) names whose perf_event_open fails with ENOENT.
	 */
	const char *force_fail;
	/* Act as if perf_event_open were denied (EACCES) for every event. */
	bool force_no_perf;
};

struct ctr_set;

/*
 * Open the counters of @cfg (NULL: defaults) for the calling thread.
 * Events that cannot be opened are absent, not errors.  Fails with -EINVAL
 * for more than CTR_MAX_EVENTS events, -ENOENT or -ENOTSUP for a name
 * that cannot be encoded (as ctr_encode()), -ENOMEM on out-of-memory, each
 * with its reason in @r (may be NULL; the message names no option: the
 * caller knows which one it came from); nothing is left open then.
 */
int ctr_open(struct ctr_set **out, const struct ctr_config *cfg,
	     struct reason *r);
void ctr_close(struct ctr_set *s);

/*
 * The getters below cannot fail (@i < ctr_count()).
 * The counters: hardware events first, then the three software ones.
 */
size_t ctr_count(const struct ctr_set *s);
const char *ctr_name(const struct ctr_set *s, size_t i);
enum ctr_source ctr_source(const struct ctr_set *s, size_t i);
/* One line on an absent or degraded counter, NULL when all is well. */
const char *ctr_note(const struct ctr_set *s, size_t i);
/* Index of the counter named @name (column name), or -1. */
int ctr_find(const struct ctr_set *s, const char *name);

/*
 * The timed region: start resets and enables, pause/resume bracket
 * untimed work inside it, stop disables and reads one value per counter
 * into @out[ctr_count()].  These cannot fail: a read that fails makes
 * that counter absent for this region.
 */
void ctr_start(struct ctr_set *s);
void ctr_pause(struct ctr_set *s);
void ctr_resume(struct ctr_set *s);
void ctr_stop(struct ctr_set *s, struct ctr_reading *out);

/* Pure helpers, public for the tests. */

/* Canonical column name ("cycles", ..., "task_clock_ns"). */
const char *ctr_canon_name(enum ctr_canon c);
/*
 * Scale a raw count by enabled / running.  running == enabled: the raw
 * count.  0 < running < enabled: raw * enabled / running, CTR_SCALED.
 * running == 0 < enabled: never scheduled, NaN and CTR_ABSENT.
 * enabled == 0: an empty region, the raw count.
 */
struct ctr_reading ctr_scale(uint64_t raw, uint64_t enabled,
			     uint64_t running);
/*
 * Encode event @name into @attr (libpfm when built with it, else the
 * built-in table).  -ENOENT (or -EINVAL for a name libpfm cannot encode
 * otherwise) for an unknown name, -ENOTSUP for a name that needs libpfm
 * when it is not built in; the reason goes to @r (may be NULL).
 */
int ctr_encode(const char *name, struct perf_event_attr *attr,
	       struct reason *r);
/* True when vmbench was built with libpfm4. */
bool ctr_have_libpfm(void);

#endif /* VMBENCH_COUNTERS_H */
