/* SPDX-License-Identifier: MIT */
/*
 * Generators of memory accesses (the workloads are described in
 * workload.h).  Every random choice comes from one rng seeded with
 * p->seed, drawn in a fixed order, so the same parameters give the same
 * accesses on every machine.  Per-page offsets that must stay fixed (chase,
 * sweep) are a hash of the seed and the page, which needs no table.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <vmbench/rng.h>

#include "access_impl.h"

static const struct wl_access_workload workloads[] = {
	{ "sequential", "ascending addresses, SIZE bytes apart, wrapping", "" },
	{ "strided", "every STRIDE bytes through the working set", "stride " },
	{ "uniform", "uniformly random pages and offsets", "" },
	{ "zipf", "pages by Zipf popularity (exponent ZIPF_S), scattered",
	  "zipf_s " },
	{ "chase", "pointer chase: a random cycle through every page", "" },
	{ "sweep", "working sets of 1, 2, 4 .. PAGES pages, swept in turn", "" },
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

const struct wl_access_workload *wl_access_workloads(size_t *count)
{
	*count = NWORKLOADS;
	return workloads;
}

void wl_access_gen_defaults(struct wl_access_gen_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->base = 0x40000000;
	p->page_size = 4096;
	p->pages = 1024;
	p->accesses = 1000000;
	p->stride = 4096;
	p->size = 8;
	p->write_pct = 0;
	p->zipf_s = 1.0;
}

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int check(const struct wl_access_gen_params *p, struct reason *err)
{
	if (!pow2(p->page_size)) {
		return reason_fail_opt(err, -EINVAL, "page_size",
				"%#llx is not a power of "
				"two", (unsigned long long)p->page_size);
	}
	if (!pow2(p->size) || p->size > p->page_size ||
	    p->size > WL_ACCESS_MAX_SIZE) {
		return reason_fail_opt(err, -EINVAL, "size",
				"%llu is not a power of two "
				"up to the page size and %u",
				(unsigned long long)p->size,
				WL_ACCESS_MAX_SIZE);
	}
	if (!p->pages || p->pages > UINT64_MAX / p->page_size ||
	    p->pages * p->page_size - 1 > UINT64_MAX - p->base) {
		return reason_fail_opt(err, -EINVAL, "pages",
				"%llu pages from %#llx do not "
				"fit below 2^64", (unsigned long long)p->pages,
				(unsigned long long)p->base);
	}
	if (p->base & (p->page_size - 1)) {
		return reason_fail_opt(err, -EINVAL, "base",
				"%#llx is not page-aligned",
				(unsigned long long)p->base);
	}
	if (p->write_pct > 100) {
		return reason_fail_opt(err, -EINVAL, "write_pct",
				"%llu is above 100",
				(unsigned long long)p->write_pct);
	}
	if (!(p->zipf_s > 0) || !isfinite(p->zipf_s)) {
		return reason_fail_opt(err, -EINVAL, "zipf_s",
				"%g is not a positive number",
				p->zipf_s);
	}
	if (!p->stride) {
		return reason_fail_opt(err, -EINVAL, "stride", "must not be 0");
	}
	return 0;
}

/*
 * The bounds that depend on the workload: 0 or -EINVAL.  @array: the
 * accesses are to be held in memory (wl_access_gen()), so their number is
 * bounded too; a stream (wl_access_gen_open()) is not.
 */
static int check_size(const char *name, const struct wl_access_gen_params *p,
		      bool array, struct reason *err)
{
	uint64_t ws[65], count[65], total = 0;
	size_t n;

	if ((!strcmp(name, "zipf") || !strcmp(name, "chase")) &&
	    p->pages > WL_ACCESS_GEN_MAX_TABLE) {
		return reason_fail_opt(err, -EINVAL, "pages",
				"at most %llu for %s (a table "
			     "entry per page)", WL_ACCESS_GEN_MAX_TABLE, name);
	}
	if (array && p->accesses > WL_ACCESS_GEN_MAX) {
		return reason_fail_opt(err, -EINVAL, "accesses",
				"at most %llu (16 bytes each)",
			     WL_ACCESS_GEN_MAX);
	}
	if (strcmp(name, "sweep"))
		return 0;
	/*
	 * Each phase is at least one pass over its working set, so the
	 * sweep touches every page: this bound also keeps a streamed
	 * sweep's page table (one entry per page) in bounds.
	 */
	n = wl_access_sweep_plan(p, ws, count, 65);
	for (size_t k = 0; k < n; k++)
		total += count[k];
	if (total > WL_ACCESS_GEN_MAX) {
		return reason_fail_opt(err, -EINVAL, "pages",
				"a sweep up to %llu pages makes "
			     "%llu accesses, above the %llu allowed",
			     (unsigned long long)p->pages,
			     (unsigned long long)total, WL_ACCESS_GEN_MAX);
	}
	return 0;
}

enum gen_kind { SEQUENTIAL, STRIDED, UNIFORM, ZIPF, CHASE, SWEEP };

static const char *const gen_names[] = {
	[SEQUENTIAL] = "sequential", [STRIDED] = "strided",
	[UNIFORM] = "uniform", [ZIPF] = "zipf", [CHASE] = "chase",
	[SWEEP] = "sweep",
};

/*
 * A generator's whole state, so that it can stop after any access and go
 * on later: the rng, the next access's index, and each workload's own
 * (the linear offset, the chase's current page, the sweep's phase).
 */
struct wl_access_gen {
	struct wl_access_gen_params p;
	enum gen_kind which;
	struct rng rng;
	uint64_t slots;         /* access-sized slots per page */
	uint64_t i;             /* accesses made (of this phase: sweep) */
	uint64_t off, step, span;       /* sequential, strided */
	uint64_t cur, *next;            /* chase */
	uint64_t *perm;                 /* zipf */
	double *cdf, sum;               /* zipf */
	size_t phase, nphases;          /* sweep */
	uint64_t ws[65], count[65];     /* sweep */
};

static inline uint8_t kind(struct wl_access_gen *g)
{
	uint64_t w = g->p.write_pct;

	if (w == 0)
		return WL_ACCESS_READ;
	if (w == 100)
		return WL_ACCESS_WRITE;
	return rng_below(&g->rng, 100) < w ? WL_ACCESS_WRITE : WL_ACCESS_READ;
}

/* A fixed offset for @page: the same for every visit. */
static inline uint64_t page_offset(const struct wl_access_gen *g,
				   uint64_t page)
{
	uint64_t x = g->p.seed ^ (page * 0x9e3779b97f4a7c15ULL);

	return (rng_splitmix64(&x) % g->slots) * g->p.size;
}

static inline void put(struct wl_access_gen *g, struct wl_access *a,
		       uint64_t va)
{
	a->va = va;
	a->line = 0;
	a->size = (uint16_t)g->p.size;
	a->kind = kind(g);
	a->pad = 0;
}

static inline void put_page(struct wl_access_gen *g, struct wl_access *a,
			    uint64_t page, uint64_t off)
{
	put(g, a, g->p.base + page * g->p.page_size + off);
}

/* Fisher-Yates; with @cyclic, Sattolo's variant (one cycle). */
static uint64_t *permutation(struct wl_access_gen *g, bool cyclic)
{
	uint64_t n = g->p.pages, *a;

	if (n > SIZE_MAX / sizeof(*a))
		return NULL;
	a = malloc(n * sizeof(*a));
	if (!a)
		return NULL;
	for (uint64_t i = 0; i < n; i++)
		a[i] = i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = rng_below(&g->rng, cyclic ? i : i + 1);
		uint64_t x = a[i];

		a[i] = a[j];
		a[j] = x;
	}
	return a;
}

size_t wl_access_sweep_plan(const struct wl_access_gen_params *p,
			    uint64_t *ws, uint64_t *count, size_t max)
{
	uint64_t sizes[65];
	size_t n = 0;

	for (uint64_t w = 1; w < p->pages; w *= 2) {
		sizes[n++] = w;
		if (w > UINT64_MAX / 2)
			break;
	}
	sizes[n++] = p->pages;
	for (size_t k = 0; k < n && k < max; k++) {
		uint64_t per = p->accesses / n;
		uint64_t passes = per / sizes[k] + (per % sizes[k] != 0);

		ws[k] = sizes[k];
		count[k] = (passes ? passes : 1) * sizes[k];
	}
	return n;
}

/* Set up @g (tables included): 0 or -ENOMEM. */
static int gen_start(struct wl_access_gen *g)
{
	uint64_t n = g->p.pages;

	rng_seed(&g->rng, g->p.seed);
	g->slots = g->p.page_size / g->p.size;
	switch (g->which) {
	case SEQUENTIAL:
	case STRIDED:
		g->span = g->p.pages * g->p.page_size;
		g->step = (g->which == SEQUENTIAL ? g->p.size : g->p.stride) %
			  g->span;
		break;
	case ZIPF:
		if (n > SIZE_MAX / sizeof(*g->cdf))
			return -ENOMEM;
		g->cdf = malloc(n * sizeof(*g->cdf));
		g->perm = permutation(g, false);
		if (!g->cdf || !g->perm)
			return -ENOMEM;
		for (uint64_t k = 0; k < n; k++) {
			g->sum += pow((double)(k + 1), -g->p.zipf_s);
			g->cdf[k] = g->sum;
		}
		break;
	case CHASE:
		g->next = permutation(g, true);
		if (!g->next)
			return -ENOMEM;
		break;
	case SWEEP:
		g->nphases = wl_access_sweep_plan(&g->p, g->ws, g->count, 65);
		break;
	case UNIFORM:
		break;
	}
	return 0;
}

size_t wl_access_gen_next(struct wl_access_gen *g, struct wl_access *a,
			  size_t cap)
{
	size_t k = 0;

	if (g->which == SWEEP) {
		for (; k < cap && g->phase < g->nphases; k++) {
			uint64_t page = g->i % g->ws[g->phase];

			put_page(g, &a[k], page, page_offset(g, page));
			if (++g->i == g->count[g->phase]) {
				g->i = 0;
				g->phase++;
			}
		}
		return k;
	}
	if (cap > g->p.accesses - g->i)
		cap = (size_t)(g->p.accesses - g->i);
	for (; k < cap; k++) {
		switch (g->which) {
		case SEQUENTIAL:
		case STRIDED:
			put(g, &a[k], g->p.base + (g->off & ~(g->p.size - 1)));
			/* off + step passes 2^64 only if span does: never. */
			g->off = g->off >= g->span - g->step ?
				 g->off - (g->span - g->step) :
				 g->off + g->step;
			break;
		case UNIFORM: {
			uint64_t page = rng_below(&g->rng, g->p.pages);
			uint64_t off = rng_below(&g->rng, g->slots) * g->p.size;

			put_page(g, &a[k], page, off);
			break;
		}
		case ZIPF: {
			double u = rng_double(&g->rng) * g->sum;
			uint64_t lo = 0, hi = g->p.pages - 1, off;

			/* The first rank whose cumulative weight exceeds u. */
			while (lo < hi) {
				uint64_t mid = lo + (hi - lo) / 2;

				if (g->cdf[mid] > u)
					hi = mid;
				else
					lo = mid + 1;
			}
			off = rng_below(&g->rng, g->slots) * g->p.size;
			put_page(g, &a[k], g->perm[lo], off);
			break;
		}
		case CHASE:
			put_page(g, &a[k], g->cur, page_offset(g, g->cur));
			g->cur = g->next[g->cur];
			break;
		case SWEEP:
			break;
		}
	}
	g->i += k;
	return k;
}

void wl_access_gen_close(struct wl_access_gen *g)
{
	if (!g)
		return;
	free(g->cdf);
	free(g->perm);
	free(g->next);
	free(g);
}

static int gen_open(struct wl_access_gen **gp, const char *name,
		    const struct wl_access_gen_params *p, bool array,
		    struct reason *err)
{
	struct wl_access_gen *g;
	size_t w;
	int ret;

	*gp = NULL;
	ret = check(p, err);
	if (!ret)
		ret = check_size(name, p, array, err);
	if (ret)
		return ret;
	for (w = 0; w < sizeof(gen_names) / sizeof(gen_names[0]); w++)
		if (!strcmp(name, gen_names[w]))
			break;
	if (w == sizeof(gen_names) / sizeof(gen_names[0]))
		return reason_fail_opt(err, -EINVAL, "name",
				       "unknown workload '%s'", name);
	g = calloc(1, sizeof(*g));
	if (!g)
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	g->p = *p;
	g->which = (enum gen_kind)w;
	if (gen_start(g)) {
		wl_access_gen_close(g);
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	}
	*gp = g;
	return 0;
}

int wl_access_gen_open(struct wl_access_gen **g, const char *name,
		       const struct wl_access_gen_params *p,
		       struct reason *err)
{
	return gen_open(g, name, p, false, err);
}

int wl_access_gen(const char *name, const struct wl_access_gen_params *p,
		  struct wl_access_trace *t, struct reason *err)
{
	struct wl_access_gen *g;
	size_t n;
	int ret = gen_open(&g, name, p, true, err);

	if (ret)
		return ret;
	do {
		if (wl_access_grow(t, WL_ACCESS_BATCH)) {
			wl_access_gen_close(g);
			return reason_fail(err, -ENOMEM, 0, "out of memory");
		}
		n = wl_access_gen_next(g, t->a + t->n, WL_ACCESS_BATCH);
		t->n += n;
	} while (n);
	wl_access_gen_close(g);
	return 0;
}
