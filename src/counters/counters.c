/* SPDX-License-Identifier: MIT */
/*
 * counters: one perf_event group for the hardware events, software events
 * on their own, clock/rusage fallbacks.
 *
 * Conventions in this file: @s is the set, @e one of its events, @i an
 * index into s->ev[].  An event has exactly one source for the set's
 * lifetime; CTR_SRC_ABSENT events have fd == -1 and always read NaN.
 *
 * Group layout read from the hardware leader (PERF_FORMAT_GROUP | TOTAL_TIME_ENABLED
 * | TOTAL_TIME_RUNNING | ID):
 *
 *   u64 nr | u64 time_enabled | u64 time_running | { u64 value, u64 id } x nr
 *
 * The ids, not the positions, map values back to events, so members that
 * failed to open leave no holes to account for.  A software event reads
 * { u64 value | u64 time_enabled | u64 time_running }.
 */
#define _GNU_SOURCE  /* syscall(), RUSAGE_THREAD */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <vmbench/counters.h>
#include <vmbench/reason.h>

#ifdef VMBENCH_HAVE_LIBPFM
#include <perfmon/pfmlib_perf_event.h>
#endif

#define CTR_NAME_MAX 64
#define CTR_NOTE_MAX 192

struct ctr_ev {
	char name[CTR_NAME_MAX];   /* column name */
	char note[CTR_NOTE_MAX];   /* empty when all is well */
	int canon;                 /* enum ctr_canon, or -1 */
	enum ctr_source src;
	int fd;
	bool grouped;              /* member of the hardware group */
	uint64_t id;
	/* fallback sources: accumulated value and the last snapshot */
	double acc, snap;
};

struct ctr_set {
	struct ctr_ev ev[CTR_MAX_EVENTS + 3];
	size_t n;
	int leader;                /* fd of the group leader, or -1 */
};

/* The built-in events: what they encode to without libpfm, the name
 * libpfm knows them by, and the aliases accepted in a configuration. */
static const struct {
	const char *name;          /* canonical column name */
	const char *pfm;           /* libpfm name */
	const char *alias;         /* perf tool's name */
	uint32_t type;
	uint64_t config;
} canon[CTR_NCANON] = {
	[CTR_CYCLES] = { "cycles", "cycles", "cpu-cycles",
		PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	[CTR_INSTRUCTIONS] = { "instructions", "instructions", "instructions",
		PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	[CTR_CACHE_MISSES] = { "cache_misses", "cache-misses", "cache-misses",
		PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	[CTR_DTLB_LOAD_MISSES] = { "dtlb_load_misses",
		"PERF_COUNT_HW_CACHE_DTLB:READ:MISS", "dTLB-load-misses",
		PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_DTLB |
		(PERF_COUNT_HW_CACHE_OP_READ << 8) |
		(PERF_COUNT_HW_CACHE_RESULT_MISS << 16) },
	[CTR_BRANCH_MISSES] = { "branch_misses", "branch-misses",
		"branch-misses", PERF_TYPE_HARDWARE,
		PERF_COUNT_HW_BRANCH_MISSES },
	[CTR_TASK_CLOCK] = { "task_clock_ns", "task-clock", "task-clock",
		PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	[CTR_PAGE_FAULTS] = { "page_faults", "page-faults", "faults",
		PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	[CTR_CONTEXT_SWITCHES] = { "context_switches", "context-switches",
		"cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
};

const char *ctr_canon_name(enum ctr_canon c)
{
	return (unsigned)c < CTR_NCANON ? canon[c].name : NULL;
}

bool ctr_have_libpfm(void)
{
#ifdef VMBENCH_HAVE_LIBPFM
	return true;
#else
	return false;
#endif
}

struct ctr_reading ctr_scale(uint64_t raw, uint64_t enabled,
			     uint64_t running)
{
	struct ctr_reading r = { (double)raw, 0 };

	if (enabled == 0 || running >= enabled)
		return r;
	if (running == 0) {
		r.value = NAN;
		r.flags = CTR_ABSENT;
		return r;
	}
	/* long double keeps the product exact for counts below 2^64. */
	r.value = (double)((long double)raw * enabled / running);
	r.flags = CTR_SCALED;
	return r;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case ENOSYS: return "ENOSYS";
	case EMFILE: return "EMFILE";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	default: return "errno";
	}
}

static int canon_lookup(const char *name)
{
	for (int c = 0; c < CTR_NCANON; c++)
		if (strcmp(name, canon[c].name) == 0 ||
		    strcmp(name, canon[c].pfm) == 0 ||
		    strcmp(name, canon[c].alias) == 0)
			return c;
	return -1;
}

static int canon_of_attr(const struct perf_event_attr *a)
{
	for (int c = 0; c < CTR_NCANON; c++)
		if (a->type == canon[c].type && a->config == canon[c].config)
			return c;
	return -1;
}

#ifdef VMBENCH_HAVE_LIBPFM
static int pfm_ready(struct reason *r)
{
	static int state;  /* 0 untried, 1 ready, <0 failed */
	int ret;

	if (state == 0) {
		ret = pfm_initialize();
		state = ret == PFM_SUCCESS ? 1 : -1;
		if (ret != PFM_SUCCESS)
			reason_fail(r, -ENODEV, 0, "pfm_initialize: %s",
				    pfm_strerror(ret));
	}
	return state > 0 ? 0 : -ENODEV;
}
#endif

int ctr_encode(const char *name, struct perf_event_attr *attr,
	       struct reason *r)
{
	int c = canon_lookup(name);

	memset(attr, 0, sizeof(*attr));
#ifdef VMBENCH_HAVE_LIBPFM
	/* libpfm names the built-in events too; ask it by its own name. */
	const char *pfmname = c >= 0 ? canon[c].pfm : name;
	pfm_perf_encode_arg_t arg;
	int ret = pfm_ready(r);

	if (ret == 0) {
		memset(&arg, 0, sizeof(arg));
		arg.attr = attr;
		arg.size = sizeof(arg);
		/* Both privilege levels: opening falls back to user-only. */
		ret = pfm_get_os_event_encoding(pfmname, PFM_PLM0 | PFM_PLM3,
						PFM_OS_PERF_EVENT, &arg);
		if (ret == PFM_SUCCESS) {
			attr->size = sizeof(*attr);
			return 0;
		}
		reason_fail(r, -ENOENT, 0, "unknown event '%s' (libpfm: %s)",
			    name, pfm_strerror(ret));
		memset(attr, 0, sizeof(*attr));
		if (c < 0)
			return ret == PFM_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	} else if (c < 0) {
		return -ENOENT;
	}
	/* libpfm failed on a built-in event: the table still knows it. */
	reason_clear(r);
#else
	if (c < 0) {
		return reason_fail(r, -ENOTSUP, 0, "event '%s' needs libpfm, "
				   "which this build lacks", name);
	}
#endif
	attr->size = sizeof(*attr);
	attr->type = canon[c].type;
	attr->config = canon[c].config;
	return 0;
}

static long perf_open(struct perf_event_attr *a, int group)
{
	return syscall(SYS_perf_event_open, a, 0, -1, group, PERF_FLAG_FD_CLOEXEC);
}

/* Is @name in the comma-separated @list? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p; ) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static void column_name(char *out, const char *event)
{
	size_t i;

	for (i = 0; event[i] && i + 1 < CTR_NAME_MAX; i++) {
		char ch = event[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '_';
		out[i] = ch;
	}
	out[i] = '\0';
}

/*
 * Open @e with @attr into the group.  Returns 0 or the negative errno of
 * perf_event_open after the user-only retry.
 */
static int ev_open_perf(struct ctr_set *s, struct ctr_ev *e,
			struct perf_event_attr *a, const struct ctr_config *cfg)
{
	/*
	 * Software events stay out of the group: on Linux 6.x a group that
	 * mixes task-clock with the other software events counts only its
	 * leader's PMU (the members read 0, measured), and they are never
	 * multiplexed, so a group buys them nothing.
	 */
	bool grouped = a->type != PERF_TYPE_SOFTWARE;
	int group = grouped ? s->leader : -1;
	long fd;

	if (cfg->force_no_perf)
		return -EACCES;
	if (cfg->force_fail && in_list(cfg->force_fail, e->name))
		return -ENOENT;
	a->disabled = 1;
	a->exclude_hv = 1;
	a->inherit = 0;
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			 PERF_FORMAT_TOTAL_TIME_RUNNING;
	if (grouped)
		a->read_format |= PERF_FORMAT_GROUP | PERF_FORMAT_ID;
	e->src = CTR_SRC_PERF;
	fd = perf_open(a, group);
	/* perf_event_paranoid >= 2 denies kernel counting to the unprivileged;
	 * software events then use the exact fallbacks instead. */
	if (fd < 0 && (errno == EACCES || errno == EPERM) &&
	    !a->exclude_kernel && a->type != PERF_TYPE_SOFTWARE) {
		a->exclude_kernel = 1;
		e->src = CTR_SRC_PERF_USER;
		fd = perf_open(a, group);
	}
	if (fd < 0)
		return -errno;
	if (ioctl((int)fd, PERF_EVENT_IOC_ID, &e->id) != 0) {
		int ret = -errno;

		close((int)fd);
		return ret;
	}
	e->fd = (int)fd;
	e->grouped = grouped;
	if (grouped && s->leader < 0)
		s->leader = (int)fd;
	if (e->src == CTR_SRC_PERF_USER)
		snprintf(e->note, sizeof(e->note), "%s: user space only "
			 "(kernel counting denied)", e->name);
	return 0;
}

static void ev_absent(struct ctr_ev *e, int err, const struct ctr_config *cfg)
{
	bool forced = cfg->force_fail && in_list(cfg->force_fail, e->name) &&
		      !cfg->force_no_perf;

	e->src = CTR_SRC_ABSENT;
	e->fd = -1;
	snprintf(e->note, sizeof(e->note),
		 "%s: %s (%s from perf_event_open%s)", e->name,
		 err == -EACCES || err == -EPERM ? "not permitted"
						 : "not supported",
		 errno_name(-err), forced ? ", forced by force_fail" : "");
}

/* The fallback value of a software counter now. */
static double fallback_now(const struct ctr_ev *e)
{
	struct timespec ts;
	struct rusage ru;

	if (e->src == CTR_SRC_CLOCK) {
		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
			return NAN;
		return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	}
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return NAN;
	if (e->canon == CTR_PAGE_FAULTS)
		return (double)ru.ru_minflt + (double)ru.ru_majflt;
	return (double)ru.ru_nvcsw + (double)ru.ru_nivcsw;
}

static void ev_fallback(struct ctr_ev *e, int err)
{
	e->fd = -1;
	e->src = e->canon == CTR_TASK_CLOCK ? CTR_SRC_CLOCK : CTR_SRC_RUSAGE;
	snprintf(e->note, sizeof(e->note), "%s: from %s (%s from "
		 "perf_event_open)", canon[e->canon].name,
		 e->src == CTR_SRC_CLOCK ? "clock_gettime(CLOCK_THREAD_CPUTIME_ID)"
					 : "getrusage(RUSAGE_THREAD)",
		 errno_name(-err));
}

static const char *const default_events[] = {
	"cycles", "instructions", "cache-misses",
	"PERF_COUNT_HW_CACHE_DTLB:READ:MISS", "branch-misses",
};

int ctr_open(struct ctr_set **out, const struct ctr_config *cfg,
	     struct reason *r)
{
	static const struct ctr_config none;
	const char *const *names;
	size_t n_names;
	struct ctr_set *s;
	struct perf_event_attr attrs[CTR_MAX_EVENTS];
	int ret;

	if (!cfg)
		cfg = &none;
	names = cfg->events ? cfg->events : default_events;
	n_names = cfg->events ? cfg->n_events :
		  sizeof(default_events) / sizeof(default_events[0]);
	if (n_names > CTR_MAX_EVENTS)
		return reason_fail(r, -EINVAL, 0, "more than %d events",
				   CTR_MAX_EVENTS);
	s = calloc(1, sizeof(*s));
	if (!s)
		return reason_fail(r, -ENOMEM, 0, "out of memory");
	s->leader = -1;

	/* Encode everything first: a bad name fails before anything opens. */
	for (size_t k = 0; k < n_names; k++) {
		struct ctr_ev *e = &s->ev[s->n];
		struct perf_event_attr *a = &attrs[s->n];
		bool dup = false;

		ret = ctr_encode(names[k], a, r);
		if (ret) {
			free(s);
			return ret;
		}
		e->canon = canon_of_attr(a);
		if (e->canon >= 0)
			snprintf(e->name, sizeof(e->name), "%s",
				 canon[e->canon].name);
		else
			column_name(e->name, names[k]);
		/* Software events are always measured below; skip repeats. */
		if (e->canon >= CTR_NCANON_HW)
			continue;
		for (size_t j = 0; j < s->n; j++)
			dup |= strcmp(s->ev[j].name, e->name) == 0;
		if (!dup)
			s->n++;
	}
	memset(&s->ev[s->n], 0, sizeof(s->ev[s->n]));

	for (size_t i = 0; i < s->n; i++) {
		ret = ev_open_perf(s, &s->ev[i], &attrs[i], cfg);
		if (ret)
			ev_absent(&s->ev[i], ret, cfg);
	}

	/* The software events, opened directly, with exact fallbacks. */
	for (int c = CTR_NCANON_HW; c < CTR_NCANON; c++) {
		struct ctr_ev *e = &s->ev[s->n++];
		struct perf_event_attr a;

		memset(e, 0, sizeof(*e));
		e->canon = c;
		snprintf(e->name, sizeof(e->name), "%s", canon[c].name);
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = canon[c].config;
		ret = ev_open_perf(s, e, &a, cfg);
		if (ret == -ENOENT || ret == -EOPNOTSUPP) {
			/* Only fault injection gets here on Linux. */
			ev_absent(e, ret, cfg);
		} else if (ret) {
			ev_fallback(e, ret);
		}
	}
	*out = s;
	return 0;
}

void ctr_close(struct ctr_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (s->ev[i].fd >= 0 && s->ev[i].src != CTR_SRC_ABSENT)
			close(s->ev[i].fd);
	free(s);
}

size_t ctr_count(const struct ctr_set *s)
{
	return s->n;
}

const char *ctr_name(const struct ctr_set *s, size_t i)
{
	return s->ev[i].name;
}

enum ctr_source ctr_source(const struct ctr_set *s, size_t i)
{
	return s->ev[i].src;
}

const char *ctr_note(const struct ctr_set *s, size_t i)
{
	return s->ev[i].note[0] ? s->ev[i].note : NULL;
}

int ctr_find(const struct ctr_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ev[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool is_fallback(const struct ctr_ev *e)
{
	return e->src == CTR_SRC_CLOCK || e->src == CTR_SRC_RUSAGE;
}

/* Apply @req to the hardware group and to each software event. */
static void perf_ioctl(struct ctr_set *s, unsigned long req)
{
	if (s->leader >= 0)
		ioctl(s->leader, req, PERF_IOC_FLAG_GROUP);
	for (size_t i = 0; i < s->n; i++)
		if (s->ev[i].fd >= 0 && !s->ev[i].grouped)
			ioctl(s->ev[i].fd, req, 0);
}

static void fallback_snap(struct ctr_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (is_fallback(&s->ev[i]))
			s->ev[i].snap = fallback_now(&s->ev[i]);
}

static void fallback_accumulate(struct ctr_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (is_fallback(&s->ev[i]))
			s->ev[i].acc += fallback_now(&s->ev[i]) - s->ev[i].snap;
}

void ctr_start(struct ctr_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->ev[i].acc = 0;
	fallback_snap(s);
	perf_ioctl(s, PERF_EVENT_IOC_RESET);
	perf_ioctl(s, PERF_EVENT_IOC_ENABLE);
}

void ctr_pause(struct ctr_set *s)
{
	perf_ioctl(s, PERF_EVENT_IOC_DISABLE);
	fallback_accumulate(s);
}

void ctr_resume(struct ctr_set *s)
{
	fallback_snap(s);
	perf_ioctl(s, PERF_EVENT_IOC_ENABLE);
}

void ctr_stop(struct ctr_set *s, struct ctr_reading *out)
{
	uint64_t buf[3 + 2 * (CTR_MAX_EVENTS + 3)];
	ssize_t got = -1;

	perf_ioctl(s, PERF_EVENT_IOC_DISABLE);
	if (s->leader >= 0)
		got = read(s->leader, buf, sizeof(buf));
	fallback_accumulate(s);

	for (size_t i = 0; i < s->n; i++) {
		struct ctr_ev *e = &s->ev[i];

		out[i].value = NAN;
		out[i].flags = CTR_ABSENT;
		if (is_fallback(e)) {
			out[i].value = e->acc;
			out[i].flags = isnan(e->acc) ? CTR_ABSENT : 0;
			continue;
		}
		if (e->src == CTR_SRC_ABSENT)
			continue;
		if (!e->grouped) {
			uint64_t one[3];  /* value, enabled, running */

			if (read(e->fd, one, sizeof(one)) == sizeof(one))
				out[i] = ctr_scale(one[0], one[1], one[2]);
			continue;
		}
		if (got < (ssize_t)(3 * 8))
			continue;
		uint64_t nr = buf[0];

		if ((size_t)got < (3 + 2 * nr) * 8)
			continue;
		for (uint64_t k = 0; k < nr; k++)
			if (buf[4 + 2 * k] == e->id)
				out[i] = ctr_scale(buf[3 + 2 * k], buf[1],
						   buf[2]);
	}
}
