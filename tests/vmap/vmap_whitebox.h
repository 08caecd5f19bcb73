/* SPDX-License-Identifier: MIT */
/*
 * The start of a white-box test of one vmap strategy: define
 * VMAP_WHITEBOX_SOURCE (the strategy's .c file, as a string) and
 * VMAP_WHITEBOX_NAME (its name in the registry), then include this.
 *
 * The strategy's source is included here, so the test sees its nodes and
 * can fail its malloc() and pool_get() on demand (malloc_fail_after: < 0
 * never, n: after n more calls) without the library carrying test hooks.
 * The copy of the strategy's ops compiled here is the one vmap.c links
 * against; the library's object is then never pulled from the archive.
 *
 * Helpers: make() creates the allocator, alloc_ok() and free_ok() assert
 * success; each checks the allocator's invariants after the call;
 * whitebox_vs_list() runs seeded random operations against "list".
 * P is the page size and S a range start aligned far beyond any request.
 */
#ifndef VMBENCH_TESTS_VMAP_WHITEBOX_H
#define VMBENCH_TESTS_VMAP_WHITEBOX_H

#include <stdbool.h>
#include <stdlib.h>

static long malloc_fail_after = -1;

static void *test_malloc(size_t n)
{
	if (malloc_fail_after == 0)
		return NULL;
	if (malloc_fail_after > 0)
		malloc_fail_after--;
	return malloc(n);
}

/* Nodes come from the pool: fail them with the same counter. */
#include "../../src/vmap/pool.h"

static void *test_pool_get(struct pool *p)
{
	if (malloc_fail_after == 0)
		return NULL;
	if (malloc_fail_after > 0)
		malloc_fail_after--;
	return pool_get(p);
}

#define malloc(n) test_malloc(n)
#define pool_get(p) test_pool_get(p)
#include VMAP_WHITEBOX_SOURCE
#undef pool_get
#undef malloc

#include <vmbench/rng.h>

#include "../test.h"
#include "vmap_check.h"

#define P VMAP_DEFAULT_PAGE
#define S 0x100000000ULL

static struct vmap *make(uint64_t start, uint64_t end)
{
	struct vmap *v;

	ASSERT_OK(vmap_create(&v, VMAP_WHITEBOX_NAME, start, end, P));
	ASSERT_CHECK_OK(v);
	return v;
}

static uint64_t alloc_ok(struct vmap *v, uint64_t size, uint64_t align,
			 uint64_t vstart, uint64_t vend)
{
	uint64_t addr = 0;

	ASSERT_OK(vmap_alloc(v, size, align, vstart, vend, &addr));
	ASSERT_CHECK_OK(v);
	return addr;
}

static void free_ok(struct vmap *v, uint64_t addr)
{
	ASSERT_OK(vmap_free(v, addr));
	ASSERT_CHECK_OK(v);
}

/*
 * What whitebox_vs_list() draws: areas of 1 to max_pages pages, half of
 * them aligned up to P << align_shift, a quarter in a random window (with
 * sub_page, a quarter of those with ends off the page grid).
 */
struct whitebox_run {
	uint64_t seed, start, pages;
	unsigned target, ops, align_shift, max_pages;
	bool sub_page;
	/* Called after every op with the live areas (may be NULL). */
	void (*after)(struct vmap *x, unsigned nlive, void *ctx);
	void *ctx;
};

/*
 * Seeded random operations on the strategy under test and on "list" side
 * by side: every alloc the same status and address, every free and find
 * the same answer, both allocators' invariants and the live count after
 * every op.  Live areas hover around target; the run must reach -ENOSPC
 * and an aligned allocation at least once per 100 ops each.  Returns the
 * allocator under test (the caller destroys it) and its -ENOSPC count in
 * *nospc.
 */
static struct vmap *whitebox_vs_list(const struct whitebox_run *w,
				     unsigned *nospc_out)
{
	uint64_t start = w->start, pages = w->pages, end = start + pages * P;
	struct vmap *x = make(start, end), *y;
	uint64_t *live = malloc(4 * w->target * sizeof(*live));
	unsigned nlive = 0, nospc = 0, aligned = 0;
	struct vmap_stats st;
	struct rng r;

	ASSERT(live);
	ASSERT_OK(vmap_create(&y, "list", start, end, P));
	rng_seed(&r, w->seed);
	for (unsigned op = 0; op < w->ops; op++) {
		uint64_t pick = rng_below(&r, 2 * w->target);

		if (nlive < 4 * w->target && pick >= nlive) {
			uint64_t size = (1 + rng_below(&r, w->max_pages)) * P;
			uint64_t align = 1, vs = start, ve = end, ax, ay;
			int ex, ey;

			if (rng_below(&r, 2))
				align = P << rng_below(&r, w->align_shift + 1);
			if (rng_below(&r, 4) == 0) {
				vs = start + rng_below(&r, pages) * P;
				ve = end - rng_below(&r, (end - vs) / P) * P;
				if (w->sub_page && rng_below(&r, 4) == 0 &&
				    ve - vs > P) {
					vs += rng_below(&r, P);
					ve -= rng_below(&r, P);
				}
			}
			ex = vmap_alloc(x, size, align, vs, ve, &ax);
			ey = vmap_alloc(y, size, align, vs, ve, &ay);
			ASSERT_EQ(ex, ey);
			if (!ex) {
				ASSERT_EQ(ax, ay);
				live[nlive++] = ax;
				aligned += align > P;
			} else {
				ASSERT_EQ(ex, -ENOSPC);
				nospc++;
			}
		} else if (nlive && rng_below(&r, 8)) {
			unsigned i = (unsigned)rng_below(&r, nlive);

			ASSERT_OK(vmap_free(x, live[i]));
			ASSERT_OK(vmap_free(y, live[i]));
			live[i] = live[--nlive];
		} else {
			uint64_t at = start + rng_below(&r, pages * P);
			struct vmap_area ax = { 0, 0 }, ay = { 0, 0 };
			int ex = vmap_find(x, at, &ax);
			int ey = vmap_find(y, at, &ay);

			ASSERT_EQ(ex, ey);
			ASSERT_EQ(ax.start, ay.start);
			ASSERT_EQ(ax.size, ay.size);
			/* Freeing an address that starts no area. */
			at &= ~(P - 1);
			if (ex || ax.start != at) {
				ASSERT_EQ(vmap_free(x, at), -ENOENT);
				ASSERT_EQ(vmap_free(y, at), -ENOENT);
			}
		}
		ASSERT_CHECK_OK(x);
		ASSERT_CHECK_OK(y);
		vmap_stats(x, &st);
		ASSERT_EQ(st.live_areas, nlive);
		if (w->after)
			w->after(x, nlive, w->ctx);
	}
	ASSERT_LT(w->ops / 100, nospc);
	ASSERT_LT(w->ops / 100, aligned);
	vmap_destroy(y);
	free(live);
	*nospc_out = nospc;
	return x;
}

#endif
