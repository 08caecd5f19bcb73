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
 * Conventions: @pg is the page size, ids are handed out by struct ids so
 * freed ids are reused (the trace format allows it; the replay must cope).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/rng.h>
#include <vmbench/vmap.h>
#include <vmbench/workload.h>

#include "wl_impl.h"

#define GUARD 1  /* pages of guard after each area */

/* test_vmalloc's x86-64 constants. */
#ifndef WL_LONG_BUSY_AREAS
#define WL_LONG_BUSY_AREAS 15000   /* long_busy_list: 1-page areas set up */
#endif
#define WL_THREAD_ALIGN (16 * 1024)  /* x86-64 kernel stack size (no KASAN) */

struct gen {
	struct wl_vmap_trace *t;
	const struct wl_vmap_gen_params *p;
	struct rng rng;
	uint64_t pg;
	uint64_t next_id;        /* ids above those in free_ids never used */
	uint64_t *free_ids;      /* stack of freed ids, reused first */
	size_t nfree, cap_free;
	int err;                 /* first -ENOMEM, sticky */
};

static uint64_t new_id(struct gen *g)
{
	return g->nfree ? g->free_ids[--g->nfree] : g->next_id++;
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

/* Allocate @pages pages plus the guard; align 0 means the default. */
static uint64_t alloc(struct gen *g, uint64_t pages, uint64_t align)
{
	uint64_t id = new_id(g);

	put(g, WL_VMAP_ALLOC, id, (pages + GUARD) * g->pg, align);
	return id;
}

/* The kernel test writes to the area's first byte. */
static void touch(struct gen *g, uint64_t id)
{
	put(g, WL_VMAP_LOOKUP, id, 0, 0);
}

static void release(struct gen *g, uint64_t id)
{
	put(g, WL_VMAP_FREE, id, 0, 0);
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

/* fix_size_alloc_test: vmalloc(nr_pages pages), write, vfree; loop. */
static void gen_fix_size(struct gen *g)
{
	for (uint64_t i = 0; i < g->p->loops && !g->err; i++) {
		uint64_t id = alloc(g, g->p->pages, 0);

		touch(g, id);
		release(g, id);
	}
}

/*
 * full_fit_alloc_test: fls(cpus) * 32 MiB / PAGE_SIZE pairs of 1-page
 * areas, then the second of each pair freed, leaving that many 1-page
 * holes; then the loop allocates one page (which fits a hole exactly),
 * writes and frees it.
 */
static void gen_full_fit(struct gen *g)
{
	uint64_t fls = 64 - (uint64_t)__builtin_clzll(g->p->cpus);
	uint64_t junk = fls * (32ULL << 20) / g->pg;
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
 * here every alignment is tried, and an area is freed only when it could
 * be placed: the range is empty then, so that is exactly when a multiple
 * of the alignment lies in the range with room for the area.
 */
static void gen_align_shift(struct gen *g)
{
	const struct wl_vmap_space *s = &g->p->space;
	uint64_t size = (1 + GUARD) * g->pg;

	for (uint64_t i = 0; i < g->p->loops && !g->err; i++) {
		for (unsigned sh = 0; sh < 64; sh++) {
			uint64_t align = 1ULL << sh, a, mask;
			uint64_t id = alloc(g, 1, align);

			if (align < g->pg)
				align = g->pg;
			mask = align - 1;
			a = (s->start + mask) & ~mask;
			if (s->start <= UINT64_MAX - mask && a < s->end &&
			    s->end - a >= size)
				release(g, id);
			else
				g->free_ids[g->nfree++] = id;
		}
	}
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
	for (; n < p->live && !g->err; n++)
		live[n] = alloc(g, 1 + rng_below(&g->rng, p->max_pages), 0);
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
			live[n++] = alloc(g, 1 + rng_below(&g->rng,
							   p->max_pages), 0);
		}
	}
	free(live);
}

struct workload {
	struct wl_vmap_workload w;
	void (*gen)(struct gen *g);
};

static const struct workload workloads[] = {
	{ { "fix_size", "alloc --pages pages, touch, free; --loops times" },
	  gen_fix_size },
	{ { "full_fit", "fls(--cpus)*32MiB/page 1-page holes, then 1-page "
	    "alloc/touch/free; --loops" }, gen_full_fit },
	{ { "long_busy_list", "15000 1-page areas live, then 100+1 pages "
	    "alloc/touch/free; --loops" }, gen_long_busy_list },
	{ { "random_size", "1..100 pages alloc/touch/free; --loops" },
	  gen_random_size },
	{ { "fix_align", "5 pages aligned to 32 KiB alloc/free; --loops" },
	  gen_fix_align },
	{ { "random_size_align", "1..10 pages aligned to 2^(0..22) alloc/free; "
	    "--loops" }, gen_random_size_align },
	{ { "align_shift", "1 page at alignments 2^0..2^63 (large ones get "
	    "ENOSPC); --loops" }, gen_align_shift },
	{ { "churn", "random alloc/free around --live areas of 1..--max-pages "
	    "pages, --lookups %, --ops ops" }, gen_churn },
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
#define gen_error(err, ...) (wl_error_set(err, 0, __VA_ARGS__), -EINVAL)

/* Bounds that keep every size and count far from overflow. */
#define MAX_COUNT (1ULL << 32)
#define MAX_PAGES (1ULL << 20)

int wl_vmap_gen(const char *name, const struct wl_vmap_gen_params *p,
		struct wl_vmap_trace *t, struct wl_error *err)
{
	const struct wl_vmap_space *s = &p->space;
	const struct workload *w = NULL;
	struct gen g = { .t = t, .p = p, .pg = s->page_size };

	for (size_t i = 0; i < NWORKLOADS; i++)
		if (strcmp(workloads[i].w.name, name) == 0)
			w = &workloads[i];
	if (!w)
		return gen_error(err, "name: unknown workload '%s'", name);
	/* Each message starts with the parameter's field name. */
	if (!p->loops || p->loops > MAX_COUNT)
		return gen_error(err, "loops must be 1..%llu", MAX_COUNT);
	if (!p->pages || p->pages > MAX_PAGES)
		return gen_error(err, "pages must be 1..%llu", MAX_PAGES);
	if (!p->max_pages || p->max_pages > MAX_PAGES)
		return gen_error(err, "max_pages must be 1..%llu", MAX_PAGES);
	if (!p->cpus || p->cpus > 65535)
		return gen_error(err, "cpus must be 1..65535");
	if (!p->live || p->live > MAX_COUNT)
		return gen_error(err, "live must be 1..%llu", MAX_COUNT);
	if (p->ops > MAX_COUNT)
		return gen_error(err, "ops must be at most %llu", MAX_COUNT);
	if (p->lookup_pct > 100)
		return gen_error(err, "lookup_pct must be a percentage 0..100");
	if (!s->page_size || s->page_size & (s->page_size - 1) ||
	    s->page_size > (1ULL << 30))
		return gen_error(err, "page_size must be a power of two up to "
				 "1 GiB");
	if (s->start >= s->end || (s->start | s->end) & (s->page_size - 1))
		return gen_error(err, "space must be page-aligned and "
				 "non-empty");
	rng_seed(&g.rng, p->seed);
	/* align_shift parks ids it cannot free: room for 64 of them. */
	g.free_ids = malloc(64 * sizeof(*g.free_ids));
	g.cap_free = 64;
	if (!g.free_ids)
		return -ENOMEM;
	w->gen(&g);
	free(g.free_ids);
	if (g.err)
		wl_error_set(err, 0, "out of memory");
	return g.err;
}
