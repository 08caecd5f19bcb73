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
	if (p->accesses > WL_ACCESS_GEN_MAX) {
		return reason_fail_opt(err, -EINVAL, "accesses",
				"at most %llu (16 bytes each)",
			     WL_ACCESS_GEN_MAX);
	}
	return 0;
}

/* The bounds that depend on the workload: 0 or -EINVAL. */
static int check_size(const char *name, const struct wl_access_gen_params *p,
		      struct reason *err)
{
	uint64_t ws[65], count[65], total = 0;
	size_t n;

	if ((!strcmp(name, "zipf") || !strcmp(name, "chase")) &&
	    p->pages > WL_ACCESS_GEN_MAX_TABLE) {
		return reason_fail_opt(err, -EINVAL, "pages",
				"at most %llu for %s (a table "
			     "entry per page)", WL_ACCESS_GEN_MAX_TABLE, name);
	}
	if (strcmp(name, "sweep"))
		return 0;
	/* Each phase is at least one pass over its working set. */
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

struct gen {
	const struct wl_access_gen_params *p;
	struct rng rng;
	uint64_t slots;         /* access-sized slots per page */
	struct wl_access_trace *t;
};

static inline uint8_t kind(struct gen *g)
{
	uint64_t w = g->p->write_pct;

	if (w == 0)
		return WL_ACCESS_READ;
	if (w == 100)
		return WL_ACCESS_WRITE;
	return rng_below(&g->rng, 100) < w ? WL_ACCESS_WRITE : WL_ACCESS_READ;
}

/* A fixed offset for @page: the same for every visit. */
static inline uint64_t page_offset(const struct gen *g, uint64_t page)
{
	uint64_t x = g->p->seed ^ (page * 0x9e3779b97f4a7c15ULL);

	return (rng_splitmix64(&x) % g->slots) * g->p->size;
}

static inline int emit(struct gen *g, uint64_t page, uint64_t off)
{
	return wl_access_add(g->t, g->p->base + page * g->p->page_size + off,
			     g->p->size, kind(g), 0);
}

static int gen_linear(struct gen *g, uint64_t step)
{
	uint64_t span = g->p->pages * g->p->page_size, off = 0;

	step %= span;
	for (uint64_t i = 0; i < g->p->accesses; i++) {
		uint64_t a = off & ~(g->p->size - 1);

		if (wl_access_add(g->t, g->p->base + a, g->p->size, kind(g),
				  0))
			return -ENOMEM;
		/* off + step may pass 2^64 only if span does: it cannot. */
		off = off >= span - step ? off - (span - step) : off + step;
	}
	return 0;
}

static int gen_uniform(struct gen *g)
{
	for (uint64_t i = 0; i < g->p->accesses; i++) {
		uint64_t page = rng_below(&g->rng, g->p->pages);
		uint64_t off = rng_below(&g->rng, g->slots) * g->p->size;

		if (emit(g, page, off))
			return -ENOMEM;
	}
	return 0;
}

/* Fisher-Yates; with @cyclic, Sattolo's variant (one cycle). */
static uint64_t *permutation(struct gen *g, bool cyclic)
{
	uint64_t n = g->p->pages, *a;

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

static int gen_zipf(struct gen *g)
{
	uint64_t n = g->p->pages, *perm;
	double *cdf, sum = 0;
	int ret = 0;

	if (n > SIZE_MAX / sizeof(*cdf))
		return -ENOMEM;
	cdf = malloc(n * sizeof(*cdf));
	perm = permutation(g, false);
	if (!cdf || !perm) {
		free(cdf);
		free(perm);
		return -ENOMEM;
	}
	for (uint64_t k = 0; k < n; k++) {
		sum += pow((double)(k + 1), -g->p->zipf_s);
		cdf[k] = sum;
	}
	for (uint64_t i = 0; i < g->p->accesses && !ret; i++) {
		double u = rng_double(&g->rng) * sum;
		uint64_t lo = 0, hi = n - 1;

		/* The first rank whose cumulative weight exceeds u. */
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2;

			if (cdf[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		ret = emit(g, perm[lo],
			   rng_below(&g->rng, g->slots) * g->p->size);
	}
	free(cdf);
	free(perm);
	return ret;
}

static int gen_chase(struct gen *g)
{
	uint64_t *next = permutation(g, true), cur = 0;
	int ret = 0;

	if (!next)
		return -ENOMEM;
	for (uint64_t i = 0; i < g->p->accesses && !ret; i++) {
		ret = emit(g, cur, page_offset(g, cur));
		cur = next[cur];
	}
	free(next);
	return ret;
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

static int gen_sweep(struct gen *g)
{
	uint64_t ws[65], count[65];
	size_t n = wl_access_sweep_plan(g->p, ws, count, 65);

	for (size_t k = 0; k < n; k++)
		for (uint64_t i = 0; i < count[k]; i++) {
			uint64_t page = i % ws[k];

			if (emit(g, page, page_offset(g, page)))
				return -ENOMEM;
		}
	return 0;
}

int wl_access_gen(const char *name, const struct wl_access_gen_params *p,
		  struct wl_access_trace *t, struct reason *err)
{
	struct gen g = { .p = p, .t = t };
	int ret;

	ret = check(p, err);
	if (!ret)
		ret = check_size(name, p, err);
	if (ret)
		return ret;
	rng_seed(&g.rng, p->seed);
	g.slots = p->page_size / p->size;
	if (!strcmp(name, "sequential"))
		ret = gen_linear(&g, p->size);
	else if (!strcmp(name, "strided"))
		ret = gen_linear(&g, p->stride);
	else if (!strcmp(name, "uniform"))
		ret = gen_uniform(&g);
	else if (!strcmp(name, "zipf"))
		ret = gen_zipf(&g);
	else if (!strcmp(name, "chase"))
		ret = gen_chase(&g);
	else if (!strcmp(name, "sweep"))
		ret = gen_sweep(&g);
	else {
		return reason_fail_opt(err, -EINVAL, "name",
				"unknown workload '%s'", name);
	}
	if (ret)
		reason_fail(err, -ENOMEM, 0, "out of memory");
	return ret;
}
