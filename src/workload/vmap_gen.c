/* SPDX-License-Identifier: MIT */
/*
 * Seeded generators of vmap op traces.
 *
 * The first seven follow the tests of Linux's lib/test_vmalloc.c (one
 * thread; the facts taken from it are stated at each generator).  vmalloc
 * puts a guard page after every area, and the kernel's vmap areas included
 * it, so each size here is the requested pages plus one (GUARD).  Where the
 * kernel test writes to the memory it got, the trace looks up the area at
 * offset 0.  The long-lived areas a test sets up are left live at the end
 * of the trace (the kernel frees them as cleanup), so --stats sees the
 * allocator's metadata under that load.
 *
 * "churn" is ours: random allocs and frees around a target number of live
 * areas, with random lookups.
 *
 * Every workload honours the range: the generator places each area in a
 * lowest-fit allocator of its own over p->space (all lowest-fit strategies
 * place alike), so it knows which allocs get ENOSPC in that range.  Such an
 * alloc stays in the trace (no room is a result), but its area is never
 * touched or freed, and its id is never used again: a strategy that is not
 * lowest-fit may have placed that area, and a later alloc of the same id
 * would then be one of a live id.
 *
 * Conventions: @pg is the page size, ids are handed out by struct ids so
 * freed ids are reused (the trace format allows it; the replay must cope);
 * NO_AREA is what alloc() returns for an area that found no room.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/rng.h>
#include <vmbench/vmap.h>
#include <vmbench/workload.h>


#define GUARD 1  /* pages of guard after each area */

/* test_vmalloc's x86-64 constants. */
#ifndef WL_LONG_BUSY_AREAS
#define WL_LONG_BUSY_AREAS 15000   /* long_busy_list: 1-page areas set up */
#endif
#define WL_THREAD_ALIGN (16 * 1024)  /* x86-64 kernel stack size (no KASAN) */

/* The lowest-fit strategy the generator places areas with. */
#define SIM_STRATEGY "augrb"

#define NO_AREA UINT64_MAX

struct gen {
	struct wl_vmap_trace *t;
	const struct wl_vmap_gen_params *p;
	struct rng rng;
	uint64_t pg;
	uint64_t next_id;        /* ids above those in free_ids never used */
	uint64_t *free_ids;      /* stack of freed ids, reused first */
	size_t nfree, cap_free;
	struct vmap *sim;        /* where the areas are placed */
	uint64_t *start;         /* start[id]: the live area of id in sim */
	size_t cap_start;
	int err;                 /* first -ENOMEM, sticky */
};

static uint64_t new_id(struct gen *g)
{
	return g->nfree ? g->free_ids[--g->nfree] : g->next_id++;
}

static void put_free_id(struct gen *g, uint64_t id)
{
	if (g->nfree == g->cap_free) {
		size_t cap = g->cap_free ? 2 * g->cap_free : 256;
		uint64_t *ids = realloc(g->free_ids, cap * sizeof(*ids));

		if (!ids) {
			g->err = -ENOMEM;
			return;
		}
		g->free_ids = ids;
		g->cap_free = cap;
	}
	g->free_ids[g->nfree++] = id;
}

static void put(struct gen *g, uint8_t kind, uint64_t id, uint64_t arg,
		uint64_t align)
{
	struct wl_vmap_op op = {
		.kind = kind, .id = id, .arg = arg, .align = align,
		.flags = align ? WL_VMAP_HAS_ALIGN : 0,
	};

	if (!g->err)
		g->err = wl_vmap_trace_push(g->t, &op);
}

/*
 * Allocate @pages pages plus the guard; align 0 means the default.  The
 * area's id, or NO_AREA when the range has no room for it (or after an
 * error, which is in g->err).
 */
static uint64_t alloc(struct gen *g, uint64_t pages, uint64_t align)
{
	const struct wl_vmap_space *s = &g->p->space;
	uint64_t id = new_id(g), size = (pages + GUARD) * g->pg, a;
	int ret;

	put(g, WL_VMAP_ALLOC, id, size, align);
	if (g->err)
		return NO_AREA;
	ret = vmap_alloc(g->sim, size, align ? align : g->pg, s->start,
			 s->end, &a);
	if (ret) {
		if (ret != -ENOSPC)
			g->err = ret;
		return NO_AREA;     /* the id is retired, not reused */
	}
	if (id >= g->cap_start) {
		size_t cap = g->cap_start ? 2 * g->cap_start : 1024;
		uint64_t *st;

		while (cap <= id)
			cap *= 2;
		st = realloc(g->start, cap * sizeof(*st));
		if (!st) {
			g->err = -ENOMEM;
			return NO_AREA;
		}
		g->start = st;
		g->cap_start = cap;
	}
	g->start[id] = a;
	return id;
}

/* The kernel test writes to the area's first byte. */
static void touch(struct gen *g, uint64_t id)
{
	if (id != NO_AREA)
		put(g, WL_VMAP_LOOKUP, id, 0, 0);
}

static void release(struct gen *g, uint64_t id)
{
	if (id == NO_AREA || g->err)
		return;
	put(g, WL_VMAP_FREE, id, 0, 0);
	vmap_free(g->sim, g->start[id]);
	put_free_id(g, id);
}

/* fix_size_alloc_test: vmalloc(nr_pages pages), write, vfree; loop. */
static void gen_fix_size(struct gen *g)
{
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++) {
		uint64_t id = alloc(g, g->p->pages, 0);

		touch(g, id);
		release(g, id);
	}
}

/* full_fit's 1-page holes: fls(cpus) * 32 MiB of pages. */
static uint64_t full_fit_junk(const struct wl_vmap_gen_params *p)
{
	uint64_t fls = 64 - (uint64_t)__builtin_clzll(p->cpus);

	return fls * (32ULL << 20) / p->space.page_size;
}

/*
 * full_fit_alloc_test: fls(cpus) * 32 MiB / PAGE_SIZE pairs of 1-page
 * areas, then the second of each pair freed, leaving that many 1-page
 * holes; then the loop allocates one page (which fits a hole exactly),
 * writes and frees it.
 */
static void gen_full_fit(struct gen *g)
{
	uint64_t junk = full_fit_junk(g->p);
	uint64_t *ids = malloc(junk * sizeof(*ids));

	if (!ids) {
		g->err = -ENOMEM;
		return;
	}
	for (uint64_t i = 0; i < junk; i++) {
		alloc(g, 1, 0);         /* kept to the end */
		ids[i] = alloc(g, 1, 0);
	}
	for (uint64_t i = 0; i < junk; i++)
		release(g, ids[i]);
	free(ids);
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++) {
		uint64_t id = alloc(g, 1, 0);

		touch(g, id);
		release(g, id);
	}
}

/*
 * long_busy_list_alloc_test: 15000 areas of one page set up; then the loop
 * allocates 100 pages and 1 page, writes both, frees both.
 */
static void gen_long_busy_list(struct gen *g)
{
	for (uint64_t i = 0; i < WL_LONG_BUSY_AREAS; i++)
		alloc(g, 1, 0);
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++) {
		uint64_t a = alloc(g, 100, 0), b = alloc(g, 1, 0);

		touch(g, a);
		touch(g, b);
		release(g, a);
		release(g, b);
	}
}

/* random_size_alloc_test: 1..100 pages uniformly, write, free; loop. */
static void gen_random_size(struct gen *g)
{
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++) {
		uint64_t id = alloc(g, 1 + rng_below(&g->rng, 100), 0);

		touch(g, id);
		release(g, id);
	}
}

/* fix_align_alloc_test: 5 pages aligned to THREAD_ALIGN << 1; loop. */
static void gen_fix_align(struct gen *g)
{
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++)
		release(g, alloc(g, 5, WL_THREAD_ALIGN << 1));
}

/*
 * random_size_align_alloc_test: one random byte r gives align 1 << (r % 23)
 * (below a page means a page) and size (r % 10) + 1 pages; loop.
 */
static void gen_random_size_align(struct gen *g)
{
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++) {
		unsigned r = (unsigned)rng_below(&g->rng, 256);

		release(g, alloc(g, r % 10 + 1, 1ULL << (r % 23)));
	}
}

/*
 * align_shift_alloc_test: one page at alignments 1 << 0 .. 1 << 63, the
 * large ones meant to fail.  The kernel test stops at the first failure;
 * here every alignment is tried, and an area is freed when it was placed.
 */
static void gen_align_shift(struct gen *g)
{
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++)
		for (unsigned sh = 0; sh < 64; sh++)
			release(g, alloc(g, 1, 1ULL << sh));
}

/*
 * churn: fill to @live areas, then @ops ops: a lookup with probability
 * lookup_pct %, otherwise a free with probability live_now / (2 * live)
 * (so the count drifts back to @live) or else an alloc of 1..max_pages
 * pages plus the guard.  Frees and lookups pick a live area uniformly.
 */
static void gen_churn(struct gen *g)
{
	const struct wl_vmap_gen_params *p = g->p;
	uint64_t *live = malloc((2 * p->live + 2) * sizeof(*live));
	uint64_t n = 0, cap = 2 * p->live + 2;

	if (!live) {
		g->err = -ENOMEM;
		return;
	}
	for (uint64_t i = 0; i < p->live && !g->err; i++) {
		uint64_t id = alloc(g, 1 + rng_below(&g->rng, p->max_pages),
				    0);

		if (id != NO_AREA)
			live[n++] = id;
	}
	for (uint64_t i = 0; i < p->ops && !g->err; i++) {
		if (n && rng_below(&g->rng, 100) < p->lookup_pct) {
			uint64_t k = rng_below(&g->rng, n);

			put(g, WL_VMAP_LOOKUP, live[k],
			    rng_below(&g->rng, 2 * g->pg), 0);
		} else if (n && (n == cap ||
				 rng_below(&g->rng, 2 * p->live) < n)) {
			uint64_t k = rng_below(&g->rng, n);

			release(g, live[k]);
			live[k] = live[--n];
		} else {
			uint64_t id = alloc(g, 1 + rng_below(&g->rng,
							     p->max_pages), 0);

			if (id != NO_AREA)
				live[n++] = id;
		}
	}
	free(live);
}

struct workload {
	struct wl_vmap_workload w;
	void (*gen)(struct gen *g);
	unsigned per_loop;      /* ops of one loop at most (0: churn) */
};

static const struct workload workloads[] = {
	{ { "fix_size", "alloc --pages pages, touch, free; --loops times",
	    "loops pages ", 10000 },
	  gen_fix_size, 3 },
	{ { "full_fit", "fls(--cpus)*32MiB/page 1-page holes, then 1-page "
	    "alloc/touch/free; --loops", "loops cpus ", 10000 }, gen_full_fit,
			3 },
	{ { "long_busy_list", "15000 1-page areas live, then 100+1 pages "
	    "alloc/touch/free; --loops", "loops ", 1000 }, gen_long_busy_list,
			6 },
	{ { "random_size", "1..100 pages alloc/touch/free; --loops",
	    "loops ", 10000 },
	  gen_random_size, 3 },
	{ { "fix_align", "5 pages aligned to 32 KiB alloc/free; --loops",
	    "loops ", 10000 },
	  gen_fix_align, 2 },
	{ { "random_size_align", "1..10 pages aligned to 2^(0..22) alloc/free; "
	    "--loops", "loops ", 10000 }, gen_random_size_align, 2 },
	{ { "align_shift", "1 page at alignments 2^0..2^63 (large ones get "
	    "ENOSPC); --loops", "loops ", 100 }, gen_align_shift, 128 },
	{ { "churn", "random alloc/free around --live areas of 1..--max-pages "
	    "pages, --lookups %, --ops ops", "live ops max_pages lookup_pct ",
			0 },
	  gen_churn, 0 },
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

const struct wl_vmap_workload *wl_vmap_workloads(size_t *count)
{
	static struct wl_vmap_workload list[NWORKLOADS];

	for (size_t i = 0; i < NWORKLOADS; i++)
		list[i] = workloads[i].w;
	*count = NWORKLOADS;
	return list;
}

void wl_vmap_gen_defaults(struct wl_vmap_gen_params *p)
{
	*p = (struct wl_vmap_gen_params){
		.seed = 1,
		.loops = 10000,
		.pages = 1,
		.cpus = 1,
		.live = 10000,
		.ops = 100000,
		.max_pages = 16,
		.lookup_pct = 10,
		.space = { VMAP_DEFAULT_START, VMAP_DEFAULT_END,
			   VMAP_DEFAULT_PAGE },
	};
}

/* A bad parameter: describe it in @err, evaluate to -EINVAL. */
#define gen_error(err, field, ...) \
	reason_fail_opt(err, -EINVAL, field, __VA_ARGS__)

/* Bounds that keep every size far from overflow. */
#define MAX_PAGES (1ULL << 20)
#define MAX_OPS WL_VMAP_GEN_MAX_OPS

/* Check the size of the trace workload @w would make: 0 or -EINVAL. */
static int check_ops(const struct workload *w,
		     const struct wl_vmap_gen_params *p, struct reason *err)
{
	uint64_t fixed = 0;

	if (w->gen == gen_churn) {
		if (!p->live || p->live > MAX_OPS)
			return gen_error(err, "live", "must be 1..%llu",
					 MAX_OPS);
		if (p->ops > MAX_OPS - p->live)
			return gen_error(err, "ops", "at most %llu with live "
					 "%llu (a trace holds at most %llu "
					 "ops)", MAX_OPS - p->live,
					 (unsigned long long)p->live,
					 MAX_OPS);
		return 0;
	}
	if (w->gen == gen_full_fit) {
		fixed = 3 * full_fit_junk(p);
		if (fixed >= MAX_OPS)
			return gen_error(err, "page_size", "%llu-byte pages "
					 "make %llu holes for full_fit, above "
					 "the %llu ops a trace holds",
					 (unsigned long long)p->space.page_size,
					 (unsigned long long)fixed / 3,
					 MAX_OPS);
	} else if (w->gen == gen_long_busy_list) {
		fixed = WL_LONG_BUSY_AREAS;
	}
	if (p->loops > (MAX_OPS - fixed) / w->per_loop)
		return gen_error(err, "loops", "at most %llu for %s (%u ops a "
				 "loop; a trace holds at most %llu ops)",
				 (unsigned long long)(MAX_OPS - fixed) /
				 w->per_loop, w->w.name, w->per_loop,
				 MAX_OPS);
	return 0;
}

int wl_vmap_gen(const char *name, const struct wl_vmap_gen_params *p,
		struct wl_vmap_trace *t, struct reason *err)
{
	const struct wl_vmap_space *s = &p->space;
	const struct workload *w = NULL;
	struct gen g = { .t = t, .p = p, .pg = s->page_size };
	int ret;

	for (size_t i = 0; i < NWORKLOADS; i++)
		if (strcmp(workloads[i].w.name, name) == 0)
			w = &workloads[i];
	if (!w)
		return gen_error(err, "name", "unknown workload '%s'", name);
	/* Each message starts with the parameter's field name and ": ". */
	if (!p->loops)
		return gen_error(err, "loops", "must be at least 1");
	if (!p->pages || p->pages > MAX_PAGES)
		return gen_error(err, "pages", "must be 1..%llu", MAX_PAGES);
	if (!p->max_pages || p->max_pages > MAX_PAGES)
		return gen_error(err, "max_pages", "must be 1..%llu", MAX_PAGES);
	if (!p->cpus || p->cpus > 65535)
		return gen_error(err, "cpus", "must be 1..65535");
	if (!p->live)
		return gen_error(err, "live", "must be at least 1");
	if (p->lookup_pct > 100)
		return gen_error(err, "lookup_pct", "must be a percentage "
				 "0..100");
	if (!s->page_size || s->page_size & (s->page_size - 1) ||
	    s->page_size > (1ULL << 30))
		return gen_error(err, "page_size", "must be a power of two up "
				 "to 1 GiB");
	if (s->start >= s->end || (s->start | s->end) & (s->page_size - 1))
		return gen_error(err, "space", "must be page-aligned and "
				 "non-empty");
	ret = check_ops(w, p, err);
	if (ret)
		return ret;
	rng_seed(&g.rng, p->seed);
	ret = vmap_create(&g.sim, SIM_STRATEGY, s->start, s->end, s->page_size);
	if (ret) {
		reason_fail(err, ret, 0, "cannot create the %s allocator: %s",
			     SIM_STRATEGY, strerror(-ret));
		return ret;
	}
	w->gen(&g);
	vmap_destroy(g.sim);
	free(g.free_ids);
	free(g.start);
	if (g.err)
		reason_fail(err, -ENOMEM, 0, "out of memory");
	return g.err;
}
