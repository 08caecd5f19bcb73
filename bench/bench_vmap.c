/* SPDX-License-Identifier: MIT */
/*
 * The "vmap" family: every strategy of vmap_strategies() over
 *
 *   <workload>            a replay of a lib/test_vmalloc.c workload
 *                         (wl_vmap_gen, seed 1); one iteration is one
 *                         replay on a fresh allocator, reported per op
 *   churn-alloc           at n live areas after random churn: one alloc
 *   churn-free            one free of a random live area
 *   churn-alloc+free      free a random live area, allocate one of a random
 *                         size: n stays constant (the steady state)
 *   churn-find            find() of an address inside a random live area
 *
 * Sizes are 1..VB_MAX_PAGES pages plus vmalloc's guard page, as in the
 * generator's churn.  churn-alloc (churn-free) lets the live count drift
 * up (down) by at most a batch of n / 8 ops (1024 at most), then restores
 * it with the clock paused.  The ops that pick a random live area
 * (churn-free, churn-alloc+free, churn-find) prefetch the next op's entry
 * of the harness's array of live areas, so that its miss (at 1M areas, a
 * cache and a TLB miss in 16 MB) overlaps the op before and is not timed
 * as part of any strategy's op.
 *
 * Simulated counters, per op, exact and deterministic:
 *   sim_node_visits          nodes examined (vmap_stats()); for churn over
 *                            a fixed probe of VB_PROBE ops before the timed
 *                            loop, for replays over the whole replay
 *   sim_meta_bytes_per_area  metadata bytes / live areas (after the fill
 *                            and churn; after a replay, NA when none live)
 *   sim_free_fragments       churn: free runs below the highest live area
 *   sim_hole_ratio           churn: free bytes below the highest live area
 *                            over the bytes up to it (0: packed)
 *   sim_nospc                replays: allocs per op that found no room
 *
 * The churn state for one (strategy, n) is built once (fill, then
 * VB_CHURN pairs of free+alloc) and shared by the four churn benchmarks of
 * that size, which are registered consecutively; Google Benchmark calls
 * each run() several times and every call reuses it.
 *
 * The table is filled from vmap_strategies() before main() (a constructor),
 * so a new strategy is benchmarked without editing this file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/bench.h>
#include <vmbench/measure.h>
#include <vmbench/rng.h>
#include <vmbench/vmap.h>
#include <vmbench/workload.h>

#include "list.h"

#ifndef VB_MAX_PAGES
#define VB_MAX_PAGES 16       /* churn sizes: 1..16 pages + guard */
#endif
#define VB_GUARD 1
#define VB_SEED 1
#define VB_RING 65536         /* pre-drawn random values, a power of two */
#define VB_MAX_STRATEGIES 16

/*
 * The live-area sweep is the measurement core's (measure_churn_sizes()),
 * shared with scripts/bench.  A strategy runs only up to the size its cost
 * class allows (vmap_cost_max_live(): an O(n) strategy's fill alone is
 * O(n^2)); a strategy of class VMAP_COST_LOG gets the whole sweep.
 */
#define VB_MAX_SIZES 16

/*
 * The replays: every workload of wl_vmap_workloads() with bench_loops set,
 * at that many loops (each replay is 10k-55k ops; full_fit and
 * long_busy_list set up 16k and 15k areas by definition).
 */
#define VB_MAX_WORKLOADS 32

enum vb_op { VB_ALLOC, VB_FREE, VB_ALLOC_FREE, VB_FIND, VB_NOPS };

static const char *const vb_op_names[VB_NOPS] = {
	"churn-alloc", "churn-free", "churn-alloc+free", "churn-find",
};

static const struct wl_vmap_space vb_space = {
	VMAP_DEFAULT_START, VMAP_DEFAULT_END, VMAP_DEFAULT_PAGE,
};

/* ---- replays of the test_vmalloc workloads ---- */

/* Traces are generated once per process and kept (reachable) to the end. */
static struct wl_vmap_trace vb_traces[VB_MAX_WORKLOADS];

static int vb_trace(const struct wl_vmap_workload *w,
		    struct wl_vmap_trace **out)
{
	size_t n;
	struct wl_vmap_trace *t = &vb_traces[w - wl_vmap_workloads(&n)];
	struct wl_vmap_gen_params p;
	struct reason err;
	int ret;

	if (!t->n) {
		wl_vmap_gen_defaults(&p);
		p.seed = VB_SEED;
		p.loops = w->bench_loops;
		p.space = vb_space;
		ret = wl_vmap_gen(w->name, &p, t, &err);
		if (ret) {
			wl_vmap_trace_free(t);
			return ret;
		}
	}
	*out = t;
	return 0;
}

/* A fresh allocator and replay for one iteration. */
static int vb_replay_prepare(const char *strategy,
			     const struct wl_vmap_trace *t, struct vmap **v,
			     struct wl_vmap_replay *r)
{
	int ret = vmap_create(v, strategy, vb_space.start, vb_space.end,
			      vb_space.page_size);

	if (ret)
		return ret;
	ret = wl_vmap_replay_init(r, t->ops, t->n, &vb_space);
	if (ret) {
		vmap_destroy(*v);
		*v = NULL;
	}
	return ret;
}

static void vb_replay_release(struct vmap *v, struct wl_vmap_replay *r)
{
	wl_vmap_replay_fini(r);
	vmap_destroy(v);
}

static void vb_run_replay(struct bench_state *st)
{
	const struct wl_vmap_workload *w = bench_data(st);
	const char *strategy = st->def->strategy;
	struct wl_vmap_trace *t;
	struct wl_vmap_replay r;
	struct reason err = { 0, "", "" };
	struct vmap_stats s = { 0, 0, 0 };
	struct vmap *v;
	uint64_t visits = 0, nospc = 0, replays = 0;
	uint64_t *addrs;
	char msg[256];
	int ret;

	ret = vb_trace(w, &t);
	addrs = ret ? NULL : malloc(t->n * sizeof(*addrs));
	if (!ret && !addrs)
		ret = -ENOMEM;
	if (!ret)
		ret = vb_replay_prepare(strategy, t, &v, &r);
	if (ret) {
		free(addrs);
		snprintf(msg, sizeof(msg), "%s: %s", w->name, strerror(-ret));
		bench_error(st, msg);
		while (bench_keep_running(st)) {
		}
		return;
	}
	/* Each replay is identical (fresh allocator, same trace), so the
	 * counts of any one of them are exact; the last one's are kept. */
	while (bench_keep_running(st)) {
		ret = wl_vmap_replay_run(&r, v, addrs, NULL, &err);
		bench_pause(st);
		if (ret) {
			snprintf(msg, sizeof(msg), "%s: line %llu: %s",
				 w->name, (unsigned long long)err.line,
				 err.msg);
			bench_error(st, msg);
		}
		vmap_stats(v, &s);
		visits = s.node_visits;
		nospc = 0;
		for (size_t i = 0; i < t->n; i++)
			nospc += t->ops[i].kind == WL_VMAP_ALLOC &&
				 addrs[i] == WL_VMAP_NOSPC;
		replays++;
		vb_replay_release(v, &r);
		ret = vb_replay_prepare(strategy, t, &v, &r);
		if (ret) {
			v = NULL;
			bench_error(st, "out of memory preparing a replay");
		}
		bench_resume(st);
	}
	if (v)
		vb_replay_release(v, &r);
	free(addrs);
	if (!replays)
		return;
	bench_ops_per_iter(st, (double)t->n);
	bench_counter(st, "sim_node_visits", (double)visits / (double)t->n, 0);
	bench_counter(st, "sim_nospc", (double)nospc / (double)t->n, 0);
	if (s.live_areas)
		bench_counter(st, "sim_meta_bytes_per_area",
			      (double)s.meta_bytes / (double)s.live_areas, 0);
}

/* ---- churn at n live areas ---- */

#ifndef VB_PROBE
#define VB_PROBE 1024         /* ops per kind counted for sim_node_visits */
#endif
#ifndef VB_CHURN
#define VB_CHURN 32768        /* free+alloc pairs after the fill, at most */
#endif

struct vb_churn {
	const char *strategy;
	int64_t n;
	struct vmap *v;
	struct vmap_area *live;   /* the live areas, unordered */
	size_t nlive, cap;
	uint64_t batch;           /* churn-alloc/-free drift before refill */
	uint64_t *ring;           /* VB_RING random values */
	size_t pos;
	struct rng rng;
	int err;                  /* first failure of the fill, sticky */
	/* Exact counters from the build and the probes. */
	double visits[VB_NOPS];
	double meta_per_area, fragments, hole_ratio;
};

/* The one cached state; replaced when another (strategy, n) comes. */
static struct vb_churn *vb_cached;

static inline uint64_t vb_rand(struct vb_churn *c)
{
	return c->ring[c->pos++ & (VB_RING - 1)];
}

/* A live index from the high bits (multiply-shift, bias < n / 2^64). */
static inline size_t vb_pick(const struct vb_churn *c, uint64_t r)
{
	return (size_t)(((unsigned __int128)r * c->nlive) >> 64);
}

/* A size from the low bits: 1..VB_MAX_PAGES pages plus the guard. */
static inline uint64_t vb_size(uint64_t r)
{
	return ((r & 0xffff) % VB_MAX_PAGES + 1 + VB_GUARD) *
	       VMAP_DEFAULT_PAGE;
}

/* Prefetch the live entry the next op will pick (its value is drawn). */
static inline void vb_prefetch_next(const struct vb_churn *c)
{
	__builtin_prefetch(&c->live[vb_pick(c, c->ring[c->pos &
							(VB_RING - 1)])]);
}

static inline int vb_alloc(struct vb_churn *c)
{
	uint64_t size = vb_size(vb_rand(c)), a;
	int ret = vmap_alloc(c->v, size, VMAP_DEFAULT_PAGE, vb_space.start,
			     vb_space.end, &a);

	if (!ret)
		c->live[c->nlive++] = (struct vmap_area){ a, size };
	return ret;
}

static inline int vb_free(struct vb_churn *c)
{
	size_t i = vb_pick(c, vb_rand(c));
	uint64_t start = c->live[i].start;

	c->live[i] = c->live[--c->nlive];
	vb_prefetch_next(c);
	return vmap_free(c->v, start);
}

static inline int vb_alloc_free(struct vb_churn *c)
{
	uint64_t r = vb_rand(c), a, size = vb_size(r);
	size_t i = vb_pick(c, r);
	int ret;

	vb_prefetch_next(c);
	ret = vmap_free(c->v, c->live[i].start);
	ret |= vmap_alloc(c->v, size, VMAP_DEFAULT_PAGE, vb_space.start,
			  vb_space.end, &a);
	c->live[i] = (struct vmap_area){ a, size };
	return ret;
}

static inline uint64_t vb_find(struct vb_churn *c)
{
	uint64_t r = vb_rand(c);
	const struct vmap_area *a = &c->live[vb_pick(c, r)];
	struct vmap_area got = { 0, 0 };

	vb_prefetch_next(c);
	/* Areas are at least two pages (one plus the guard). */
	vmap_find(c->v, a->start + ((r >> 8) & (2 * VMAP_DEFAULT_PAGE - 1)),
		  &got);
	return got.start;
}

/* Bring the live count back to n, untimed. */
static void vb_restore(struct vb_churn *c)
{
	while (c->nlive > (size_t)c->n && !c->err)
		c->err = vb_free(c);
	while (c->nlive < (size_t)c->n && !c->err)
		c->err = vb_alloc(c);
}

static uint64_t vb_visits(const struct vb_churn *c)
{
	struct vmap_stats s;

	vmap_stats(c->v, &s);
	return s.node_visits;
}

/* Count nodes visited by VB_PROBE ops of kind @op, refills excluded. */
static double vb_probe(struct vb_churn *c, enum vb_op op)
{
	uint64_t visits = 0, done = 0, v0;
	int ret = 0;

	while (done < VB_PROBE && !ret) {
		uint64_t k = op == VB_ALLOC || op == VB_FREE ? c->batch :
			     VB_PROBE;

		if (k > VB_PROBE - done)
			k = VB_PROBE - done;
		v0 = vb_visits(c);
		for (uint64_t i = 0; i < k && !ret; i++) {
			switch (op) {
			case VB_ALLOC: ret = vb_alloc(c); break;
			case VB_FREE: ret = vb_free(c); break;
			case VB_ALLOC_FREE: ret = vb_alloc_free(c); break;
			case VB_FIND: vb_find(c); break;
			default: break;
			}
		}
		visits += vb_visits(c) - v0;
		done += k;
		vb_restore(c);
	}
	if (ret && !c->err)
		c->err = ret;
	return (double)visits / VB_PROBE;
}

static int vb_cmp_start(const void *a, const void *b)
{
	const struct vmap_area *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Free runs and free bytes below the highest live area. */
static void vb_fragmentation(struct vb_churn *c)
{
	struct vmap_area *s = malloc(c->nlive * sizeof(*s));
	uint64_t prev = vb_space.start, free_bytes = 0, runs = 0;

	if (!s) {
		c->err = -ENOMEM;
		return;
	}
	memcpy(s, c->live, c->nlive * sizeof(*s));
	qsort(s, c->nlive, sizeof(*s), vb_cmp_start);
	for (size_t i = 0; i < c->nlive; i++) {
		if (s[i].start > prev) {
			runs++;
			free_bytes += s[i].start - prev;
		}
		prev = s[i].start + s[i].size;
	}
	c->fragments = (double)runs;
	c->hole_ratio = prev > vb_space.start ?
		(double)free_bytes / (double)(prev - vb_space.start) : 0;
	free(s);
}

static void vb_churn_free(struct vb_churn *c)
{
	if (!c)
		return;
	vmap_destroy(c->v);
	free(c->live);
	free(c->ring);
	free(c);
}

static int vb_churn_build(const char *strategy, int64_t n,
			  struct vb_churn **out)
{
	struct vb_churn *c = calloc(1, sizeof(*c));
	uint64_t pairs = (uint64_t)n / 2 < VB_CHURN ? (uint64_t)n / 2 :
			 VB_CHURN;
	struct vmap_stats s;
	int ret;

	if (!c)
		return -ENOMEM;
	c->strategy = strategy;
	c->n = n;
	c->batch = (uint64_t)n / 8 < 1024 ? (uint64_t)n / 8 : 1024;
	if (!c->batch)
		c->batch = 1;
	c->cap = (size_t)n + c->batch + 1;
	c->live = malloc(c->cap * sizeof(*c->live));
	c->ring = malloc(VB_RING * sizeof(*c->ring));
	ret = c->live && c->ring ? 0 : -ENOMEM;
	if (!ret)
		ret = vmap_create(&c->v, strategy, vb_space.start,
				  vb_space.end, vb_space.page_size);
	if (ret) {
		vb_churn_free(c);
		return ret;
	}
	rng_seed(&c->rng, VB_SEED);
	for (size_t i = 0; i < VB_RING; i++)
		c->ring[i] = rng_next(&c->rng);
	vb_restore(c);
	for (uint64_t i = 0; i < pairs && !c->err; i++)
		c->err = vb_alloc_free(c);
	if (!c->err) {
		vmap_stats(c->v, &s);
		c->meta_per_area = (double)s.meta_bytes / (double)s.live_areas;
		vb_fragmentation(c);
	}
	for (int op = 0; op < VB_NOPS && !c->err; op++)
		c->visits[op] = vb_probe(c, op);
	ret = c->err;
	if (ret) {
		vb_churn_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

static void vb_run_churn(struct bench_state *st)
{
	enum vb_op op = (enum vb_op)(intptr_t)bench_data(st);
	const char *strategy = st->def->strategy;
	int64_t n = bench_arg(st, 0);
	struct vb_churn *c = vb_cached;
	uint64_t sum = 0, k = 0;
	char msg[128];
	int ret = 0;

	if (!c || c->n != n || strcmp(c->strategy, strategy) != 0) {
		vb_churn_free(vb_cached);
		vb_cached = NULL;
		ret = vb_churn_build(strategy, n, &c);
		if (ret) {
			snprintf(msg, sizeof(msg), "building %lld live areas: "
				 "%s", (long long)n, strerror(-ret));
			bench_error(st, msg);
			while (bench_keep_running(st)) {
			}
			return;
		}
		vb_cached = c;
	}
	/* Errors in the loop are recorded and reported after it: the
	 * probes ran the same ops, so they are not expected. */
	switch (op) {
	case VB_ALLOC:
		BENCH_LOOP(st) {
			ret |= vb_alloc(c);
			if (++k == c->batch) {
				k = 0;
				bench_pause(st);
				vb_restore(c);
				bench_resume(st);
			}
		}
		break;
	case VB_FREE:
		BENCH_LOOP(st) {
			ret |= vb_free(c);
			if (++k == c->batch) {
				k = 0;
				bench_pause(st);
				vb_restore(c);
				bench_resume(st);
			}
		}
		break;
	case VB_ALLOC_FREE:
		BENCH_LOOP(st)
			ret |= vb_alloc_free(c);
		break;
	case VB_FIND:
		BENCH_LOOP(st) {
			sum += vb_find(c);
			bench_do_not_optimize(sum);
		}
		break;
	default:
		break;
	}
	vb_restore(c);
	if (ret || c->err) {
		bench_error(st, "a vmap op failed in the timed loop");
		vb_churn_free(c);
		vb_cached = NULL;
		return;
	}
	bench_counter(st, "sim_node_visits", c->visits[op], 0);
	bench_counter(st, "sim_meta_bytes_per_area", c->meta_per_area, 0);
	bench_counter(st, "sim_free_fragments", c->fragments, 0);
	bench_counter(st, "sim_hole_ratio", c->hole_ratio, 0);
}

/* ---- the table ---- */

#define VB_MAX_DEFS (VB_MAX_STRATEGIES * (VB_MAX_WORKLOADS + VB_MAX_SIZES * \
					  VB_NOPS) + 1)

struct bench_def bench_vmap_defs[VB_MAX_DEFS];

/*
 * Per strategy: the replays, then for each size the four churn ops (so
 * they share one built state).  Strategies past VB_MAX_STRATEGIES are
 * left out with a note.
 */
__attribute__((constructor)) static void vb_register(void)
{
	size_t count, nw, nsizes, d = 0;
	const struct vmap_strategy *s = vmap_strategies(&count);
	const struct wl_vmap_workload *wl = wl_vmap_workloads(&nw);
	const int64_t *sizes = measure_churn_sizes(&nsizes);

	if (nw > VB_MAX_WORKLOADS)
		fprintf(stderr, "vmbench: only the first %d vmap workloads "
			"are replayed (VB_MAX_WORKLOADS)\n", VB_MAX_WORKLOADS);
	if (count > VB_MAX_STRATEGIES) {
		fprintf(stderr, "vmbench: only the first %d vmap strategies "
			"are benchmarked (VB_MAX_STRATEGIES)\n",
			VB_MAX_STRATEGIES);
		count = VB_MAX_STRATEGIES;
	}
	if (nsizes > VB_MAX_SIZES) {
		fprintf(stderr, "vmbench: only the first %d churn sizes are "
			"benchmarked (VB_MAX_SIZES)\n", VB_MAX_SIZES);
		nsizes = VB_MAX_SIZES;
	}
	for (size_t i = 0; i < count; i++) {
		int64_t max_n = vmap_cost_max_live(s[i].cost);

		for (size_t w = 0; w < nw && w < VB_MAX_WORKLOADS; w++)
			if (wl[w].bench_loops)
				bench_vmap_defs[d++] = (struct bench_def){
					.family = "vmap",
					.strategy = s[i].name,
					.workload = wl[w].name,
					.run = vb_run_replay,
					.data = &wl[w],
				};
		for (size_t z = 0; z < nsizes; z++) {
			if (sizes[z] > max_n)
				break;
			for (int op = 0; op < VB_NOPS; op++)
				bench_vmap_defs[d++] = (struct bench_def){
					.family = "vmap",
					.strategy = s[i].name,
					.workload = vb_op_names[op],
					.run = vb_run_churn,
					.args = { { .name = "n",
						.kind = BENCH_SWEEP_LIST,
						.values = &sizes[z],
						.n_values = 1 } },
					.data = (const void *)(intptr_t)op,
				};
		}
	}
	bench_vmap_defs[d] = (struct bench_def)BENCH_END;
}
