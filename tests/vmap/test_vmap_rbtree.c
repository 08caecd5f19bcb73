/* SPDX-License-Identifier: MIT */
/*
 * The "rbtree" and "rbtree-cached" strategies specifically:
 *   - rbtree against list, address for address, over a seeded random run
 *     with random windows, alignments and frees, both checked after every
 *     operation;
 *   - rbtree-cached over a pinned trace that shows each rule of the old
 *     kernel heuristic (next-fit above a skipped hole, the three reasons to
 *     drop the cache, the cache moving down on free), and over a random run
 *     where every area is checked against a lowest-fit mirror: never below
 *     lowest-fit, inside its window, aligned, free in the mirror, and
 *     -ENOSPC exactly when lowest-fit has no room;
 *   - find at the first and last byte of areas and in gaps, free of unknown
 *     and already freed addresses;
 *   - a range at the very top of the 64-bit space, where aligning up wraps;
 *   - the shared validator (src/vmap/busytree.h) catching each kind of
 *     corruption planted in a hand-built tree.
 */
#include <errno.h>

#include <vmbench/rng.h>
#include <vmbench/vmap.h>

#include "busytree.h"
#include "test.h"
#include "vmap_check.h"

#define SEED 42
#define P VMAP_DEFAULT_PAGE
#define S VMAP_DEFAULT_START

#define DIFF_OPS 300000
#define CACHED_OPS 200000
#define RANGE_PAGES 16384  /* full enough that -ENOSPC happens */
#define LIVE_LO 200        /* live areas kept between these two */
#define LIVE_HI 400
#define MAX_LIVE 4096

static struct vmap *create(const char *name, uint64_t start, uint64_t end)
{
	struct vmap *v = NULL;

	ASSERT_OK(vmap_create(&v, name, start, end, P));
	ASSERT(v);
	return v;
}

static void check(const struct vmap *v)
{
	ASSERT_CHECK_OK(v);
}

/* Allocate and expect exactly the address @expect. */
static void alloc_at(struct vmap *v, uint64_t size, uint64_t align,
		     uint64_t vstart, uint64_t vend, uint64_t expect)
{
	uint64_t addr = 0;

	ASSERT_OK(vmap_alloc(v, size, align, vstart, vend, &addr));
	ASSERT_EQ(addr, expect);
	check(v);
}

/* Allocate and expect the error @err, *addr untouched. */
static void alloc_err(struct vmap *v, uint64_t size, uint64_t align,
		      uint64_t vstart, uint64_t vend, int err)
{
	uint64_t addr = 12345;

	ASSERT_EQ(vmap_alloc(v, size, align, vstart, vend, &addr), err);
	ASSERT_EQ(addr, 12345);
	check(v);
}

/* A random request: size 1-64 pages, align 2^0..2^20, a random window. */
struct request {
	uint64_t size, align, vstart, vend;
};

static struct request random_request(struct rng *r, uint64_t start,
				     uint64_t pages)
{
	struct request q;

	q.size = (1 + rng_below(r, 64)) * P;
	q.align = 1ULL << rng_below(r, 21);
	if (rng_below(r, 2)) {
		q.vstart = start;
		q.vend = start + pages * P;
	} else {
		uint64_t a = rng_below(r, pages), b = rng_below(r, pages);

		if (a > b) {
			uint64_t t = a;

			a = b;
			b = t;
		}
		q.vstart = start + a * P;
		q.vend = start + (b + 1) * P;
		/*
		 * Byte offsets too, which vmap.c rounds inwards to pages;
		 * only when a < b, so the window stays non-empty.
		 */
		if (a < b && rng_below(r, 2)) {
			q.vstart += rng_below(r, P);
			q.vend -= rng_below(r, P);
		}
	}
	return q;
}

struct live {
	uint64_t addr[MAX_LIVE];
	size_t n;
};

static bool want_alloc(struct rng *r, size_t live)
{
	unsigned pct = live < LIVE_LO ? 70 : live > LIVE_HI ? 30 : 50;

	return rng_below(r, 100) < pct;
}

static uint64_t take_random(struct rng *r, struct live *l)
{
	size_t i = rng_below(r, l->n);
	uint64_t addr = l->addr[i];

	l->addr[i] = l->addr[--l->n];
	return addr;
}

/* rbtree and list agree on every result, placement included. */
static void test_rbtree_vs_list(void)
{
	uint64_t end = S + RANGE_PAGES * P;
	struct vmap *ref = create("list", S, end);
	struct vmap *v = create("rbtree", S, end);
	struct vmap_stats rs, vs;
	unsigned long nospc = 0, placed = 0;
	struct live l = { .n = 0 };
	struct rng r;

	rng_seed(&r, SEED);
	for (long op = 0; op < DIFF_OPS; op++) {
		uint64_t a1 = 0, a2 = 0;
		unsigned kind = (unsigned)rng_below(&r, 100);

		if (kind < 10) {
			struct vmap_area x1 = { 0, 0 }, x2 = { 0, 0 };
			uint64_t addr = S + rng_below(&r, RANGE_PAGES * P);
			int e1 = vmap_find(ref, addr, &x1);

			ASSERT_EQ(vmap_find(v, addr, &x2), e1);
			ASSERT_EQ(x2.start, x1.start);
			ASSERT_EQ(x2.size, x1.size);
		} else if (kind < 13) {
			/* Most likely no area starts here. */
			uint64_t addr = S + rng_below(&r, RANGE_PAGES) * P;

			ASSERT_EQ(vmap_free(v, addr), vmap_free(ref, addr));
			for (size_t i = 0; i < l.n; i++)
				if (l.addr[i] == addr)
					l.addr[i] = l.addr[--l.n];
		} else if (l.n < MAX_LIVE && (!l.n || want_alloc(&r, l.n))) {
			struct request q = random_request(&r, S, RANGE_PAGES);
			int e1 = vmap_alloc(ref, q.size, q.align, q.vstart,
					    q.vend, &a1);
			int e2 = vmap_alloc(v, q.size, q.align, q.vstart,
					    q.vend, &a2);

			ASSERT_EQ(e2, e1);
			if (!e1) {
				ASSERT_EQ(a2, a1);
				l.addr[l.n++] = a1;
				placed++;
			} else {
				ASSERT_EQ(e1, -ENOSPC);
				nospc++;
			}
		} else {
			uint64_t addr = take_random(&r, &l);

			ASSERT_OK(vmap_free(ref, addr));
			ASSERT_OK(vmap_free(v, addr));
		}
		check(ref);
		check(v);
	}
	vmap_stats(ref, &rs);
	vmap_stats(v, &vs);
	ASSERT_EQ(vs.live_areas, rs.live_areas);
	ASSERT_EQ(vs.live_areas, l.n);
	ASSERT_LT(0, vs.node_visits);
	ASSERT_LT(0, vs.meta_bytes);
	/* The run exercised both outcomes. */
	ASSERT_LT(1000, placed);
	ASSERT_LT(1000, nospc);
	vmap_destroy(ref);
	vmap_destroy(v);
}

/*
 * rbtree-cached over [S, end) with busy [0,1) [3,4) [4,7) (page numbers from
 * S), cache [4,7), and the 2-page hole at 1 recorded by the last walk.
 */
static struct vmap *cached_prefix(uint64_t end)
{
	struct vmap *v = create("rbtree-cached", S, end);

	alloc_at(v, 1 * P, P, S, end, S + 0 * P);
	alloc_at(v, 2 * P, P, S, end, S + 1 * P);
	alloc_at(v, 1 * P, P, S, end, S + 3 * P);
	ASSERT_OK(vmap_free(v, S + 1 * P));
	alloc_at(v, 3 * P, P, S, end, S + 4 * P);
	return v;
}

/*
 * A pinned trace of rbtree-cached over 64 pages, in page numbers from S.
 * `ref` (lowest-fit) shows what the first higher placement should have been.
 */
static void test_cached_heuristic(void)
{
	uint64_t end = S + 64 * P;
	struct vmap *v = create("rbtree-cached", S, end);
	struct vmap *ref = create("list", S, end);
	uint64_t lowest = 0;

	/* [0,1) [1,3) [3,4); freeing [1,3) moves the cache to [0,1). */
	alloc_at(v, 1 * P, P, S, end, S + 0 * P);
	alloc_at(v, 2 * P, P, S, end, S + 1 * P);
	alloc_at(v, 1 * P, P, S, end, S + 3 * P);
	ASSERT_OK(vmap_free(v, S + 1 * P));
	check(v);
	alloc_at(ref, 1 * P, P, S, end, S + 0 * P);
	alloc_at(ref, 1 * P, P, S + 3 * P, end, S + 3 * P);

	/* Three pages do not fit [1,3): the walk records a 2-page hole. */
	alloc_at(v, 3 * P, P, S, end, S + 4 * P);
	alloc_at(ref, 3 * P, P, S, end, S + 4 * P);

	/*
	 * Two pages: not smaller than the hole, so next-fit from the cache's
	 * end at 7, above the hole at 1 that lowest-fit picks.
	 */
	alloc_at(v, 2 * P, P, S, end, S + 7 * P);
	ASSERT_OK(vmap_alloc(ref, 2 * P, P, S, end, &lowest));
	ASSERT_EQ(lowest, S + 1 * P);
	ASSERT_LT(lowest, S + 7 * P);

	/* One page is smaller than the hole: lowest-fit scan, 1. */
	alloc_at(v, 1 * P, P, S, end, S + 1 * P);

	/*
	 * Busy now: [0,2) [3,9).  Align 8 pages goes to 16; then align 1 page
	 * is more permissive: the cache is dropped and 2 is found, where
	 * next-fit would give 17.
	 */
	alloc_at(v, 1 * P, 8 * P, S, end, S + 16 * P);
	alloc_at(v, 1 * P, P, S, end, S + 2 * P);

	/*
	 * A window from 32: the cache's end (3) is below it, so a scan from
	 * 32.  Then a window from 0 again starts lower than the last one:
	 * dropped cache, lowest-fit 9 rather than next-fit 33.
	 */
	alloc_at(v, 1 * P, P, S + 32 * P, end, S + 32 * P);
	alloc_at(v, 1 * P, P, S, end, S + 9 * P);

	/*
	 * Busy: [0,10) [16,17) [32,33); cache [9,10).  Freeing [3,4) (below
	 * the cache) moves the cache to [2,3), so the next one-page request
	 * fills 3 instead of going next-fit to 10.
	 */
	ASSERT_OK(vmap_free(v, S + 3 * P));
	check(v);
	alloc_at(v, 1 * P, P, S, end, S + 3 * P);

	/*
	 * Freeing the cached area itself moves the cache to its predecessor
	 * (check() proves the pointer live).
	 */
	ASSERT_OK(vmap_free(v, S + 3 * P));
	check(v);
	alloc_at(v, 1 * P, P, S + 32 * P, end, S + 33 * P);
	vmap_destroy(v);
	vmap_destroy(ref);

	/*
	 * The same start as above: busy [0,1) [3,4) [4,7), a 2-page hole at 1
	 * recorded, cache [4,7).  A 2-page request in [0,4) is not smaller
	 * than the hole, so next-fit starts at 7, past the window, and fails;
	 * the lowest-fit retry then finds the hole.
	 */
	v = cached_prefix(end);
	alloc_at(v, 2 * P, P, S, S + 4 * P, S + 1 * P);
	alloc_err(v, 1 * P, P, S, S + 4 * P, -ENOSPC);
	vmap_destroy(v);

	/*
	 * A failure leaves the cache state alone: after the 64-page request
	 * fails (its lowest-fit retry dropped the cache), 2 pages still go
	 * next-fit, to 9, not to the hole at 1.
	 */
	v = cached_prefix(end);
	alloc_at(v, 2 * P, P, S, end, S + 7 * P);
	alloc_err(v, 64 * P, P, S, end, -ENOSPC);
	alloc_at(v, 2 * P, P, S, end, S + 9 * P);
	vmap_destroy(v);
}

/*
 * rbtree-cached over a random run, mirrored into a list allocator: each
 * request is first answered by the mirror (lowest-fit, then undone); the
 * area rbtree-cached returns must lie no lower, inside the window, aligned,
 * and be free in the mirror, which then takes exactly that area.
 */
static void test_cached_random(void)
{
	uint64_t end = S + RANGE_PAGES * P;
	struct vmap *ref = create("list", S, end);
	struct vmap *v = create("rbtree-cached", S, end);
	unsigned long higher = 0, same = 0;
	struct live l = { .n = 0 };
	struct rng r;

	rng_seed(&r, SEED + 1);
	for (long op = 0; op < CACHED_OPS; op++) {
		if (l.n < MAX_LIVE && (!l.n || want_alloc(&r, l.n))) {
			struct request q = random_request(&r, S, RANGE_PAGES);
			uint64_t low = 0, at = 0, got = 0, vs, ve, align;
			int e1 = vmap_alloc(ref, q.size, q.align, q.vstart,
					    q.vend, &low);
			int e2;

			if (!e1)
				ASSERT_OK(vmap_free(ref, low));
			e2 = vmap_alloc(v, q.size, q.align, q.vstart, q.vend,
					&at);
			ASSERT_EQ(e2, e1);
			if (e2) {
				ASSERT_EQ(e2, -ENOSPC);
			} else {
				align = q.align < P ? P : q.align;
				vs = (q.vstart + P - 1) & ~(P - 1);
				ve = q.vend & ~(P - 1);
				ASSERT_LE(low, at);
				ASSERT_LE(vs, at);
				ASSERT_LE(at + q.size, ve);
				ASSERT_EQ(at & (align - 1), 0);
				ASSERT_OK(vmap_alloc(ref, q.size, P, at,
						     at + q.size, &got));
				ASSERT_EQ(got, at);
				l.addr[l.n++] = at;
				if (at > low)
					higher++;
				else
					same++;
			}
		} else {
			uint64_t addr = take_random(&r, &l);

			ASSERT_OK(vmap_free(ref, addr));
			ASSERT_OK(vmap_free(v, addr));
			ASSERT_EQ(vmap_free(v, addr), -ENOENT);
		}
		check(v);
	}
	/*
	 * The heuristic both matched lowest-fit and departed from it (rarely
	 * here: random windows and alignments keep dropping the cache).
	 */
	ASSERT_LT(100, higher);
	ASSERT_LT(1000, same);
	vmap_destroy(ref);
	vmap_destroy(v);
}

/* find(@addr) gives the area [start, start + size). */
static void find_at(struct vmap *v, uint64_t addr, uint64_t start,
		    uint64_t size)
{
	struct vmap_area a = { 0, 0 };

	ASSERT_OK(vmap_find(v, addr, &a));
	ASSERT_EQ(a.start, start);
	ASSERT_EQ(a.size, size);
}

/* find(@addr) gives -ENOENT. */
static void find_none(struct vmap *v, uint64_t addr)
{
	struct vmap_area a = { 0, 0 };

	ASSERT_EQ(vmap_find(v, addr, &a), -ENOENT);
}

static void test_find_free(const char *name)
{
	uint64_t end = S + 64 * P;
	struct vmap *v = create(name, S, end);
	struct vmap_stats st;

	find_none(v, S);
	ASSERT_EQ(vmap_free(v, S), -ENOENT);

	/* A = [0,2), B = [2,5) adjacent; C = [8,9) after a gap. */
	alloc_at(v, 2 * P, P, S, end, S);
	alloc_at(v, 3 * P, P, S, end, S + 2 * P);
	alloc_at(v, 1 * P, P, S + 8 * P, end, S + 8 * P);

	find_at(v, S, S, 2 * P);
	find_at(v, S + 2 * P - 1, S, 2 * P);
	find_at(v, S + 2 * P, S + 2 * P, 3 * P);
	find_at(v, S + 5 * P - 1, S + 2 * P, 3 * P);
	find_none(v, S + 5 * P);
	find_none(v, S + 8 * P - 1);
	find_at(v, S + 8 * P, S + 8 * P, P);
	find_at(v, S + 9 * P - 1, S + 8 * P, P);
	find_none(v, S + 9 * P);
	find_none(v, end - 1);

	/* Inside an area, in a gap, unaligned, outside the range. */
	ASSERT_EQ(vmap_free(v, S + P), -ENOENT);
	ASSERT_EQ(vmap_free(v, S + 6 * P), -ENOENT);
	ASSERT_EQ(vmap_free(v, S + 2 * P + 1), -ENOENT);
	ASSERT_EQ(vmap_free(v, end), -ENOENT);
	ASSERT_EQ(vmap_free(v, S - P), -ENOENT);
	check(v);

	ASSERT_OK(vmap_free(v, S + 2 * P));
	check(v);
	ASSERT_EQ(vmap_free(v, S + 2 * P), -ENOENT);
	find_none(v, S + 3 * P);
	find_at(v, S + 2 * P - 1, S, 2 * P);
	find_at(v, S + 8 * P, S + 8 * P, P);

	vmap_stats(v, &st);
	ASSERT_EQ(st.live_areas, 2);
	ASSERT_OK(vmap_free(v, S));
	ASSERT_OK(vmap_free(v, S + 8 * P));
	ASSERT_EQ(vmap_free(v, S + 8 * P), -ENOENT);
	vmap_stats(v, &st);
	ASSERT_EQ(st.live_areas, 0);
	check(v);
	vmap_destroy(v);
}

/* [2^64 - 16 pages, 2^64 - 1 page): aligning up must not wrap to 0. */
static void test_top_of_space(const char *name)
{
	uint64_t start = 0 - 16 * P, end = 0 - P;
	struct vmap *v = create(name, start, end);

	alloc_err(v, P, 1ULL << 63, start, end, -ENOSPC);
	alloc_err(v, P, 1ULL << 20, start, end, -ENOSPC);
	alloc_err(v, 16 * P, P, start, end, -ENOSPC);

	alloc_at(v, P, P, start, end, start);
	alloc_at(v, 13 * P, P, start, end, start + P);
	/* rbtree-cached's cache sits at the top: aligning its end wraps. */
	alloc_err(v, P, 1ULL << 63, start, end, -ENOSPC);
	alloc_err(v, P, 1ULL << 20, start, end, -ENOSPC);
	alloc_err(v, 2 * P, P, start, end, -ENOSPC);
	alloc_at(v, P, P, start, end, end - P);
	alloc_err(v, P, P, start, end, -ENOSPC);

	ASSERT_OK(vmap_free(v, start));
	alloc_err(v, P, 1ULL << 63, start, end, -ENOSPC);
	alloc_err(v, P, P, end - P, end, -ENOSPC);
	alloc_at(v, P, P, start, end, start);
	find_at(v, end - 1, end - P, P);
	find_none(v, UINT64_MAX);
	vmap_destroy(v);
}

/* Plant one fault at a time in a hand-built tree; busy_check() must see it. */
static void test_check_catches(void)
{
	static const struct vmap_strategy st = { .name = "busytree",
		.lowest_fit = true, .summary = "" };
	struct vmap v = { .strategy = &st, .start = S, .end = S + 64 * P,
			  .page_size = P, .page_shift = 12, .live = 3 };
	struct rb_root root = RB_ROOT;
	struct busy_area *a[3], stray;
	struct pool pool;
	uint64_t visits = 0;
	struct reason why;

#define BUSY_CHECK_FAILS(member, text)                                       \
	do {                                                                 \
		ASSERT_EQ(busy_check(&v, &root, (member), &why), -EUCLEAN); \
		ASSERT_STREQ(why.msg, (text));                               \
	} while (0)

	busy_pool_init(&pool);
	for (int i = 0; i < 3; i++) {
		a[i] = busy_insert(&root, &pool, S + (uint64_t)i * 8 * P,
				   2 * P, &visits);
		ASSERT(a[i]);
	}
	ASSERT_OK(busy_check(&v, &root, NULL, NULL));
	ASSERT_OK(busy_check(&v, &root, &a[1]->rb, NULL));

	v.live = 2;
	BUSY_CHECK_FAILS(NULL, "3 nodes, 2 live");
	v.live = 3;

	a[0]->size = 9 * P;  /* overlaps a[1] */
	BUSY_CHECK_FAILS(NULL, "area 0xffffc90000008000 overlaps or outside");
	a[0]->size = 2 * P;

	a[1]->start += 1;  /* not page-granular */
	BUSY_CHECK_FAILS(NULL,
			   "area 0xffffc90000008001+0x2000 not page-granular");
	a[1]->start -= 1;

	a[2]->size = 50 * P;  /* past the end of the range */
	BUSY_CHECK_FAILS(NULL, "area 0xffffc90000010000 overlaps or outside");
	a[2]->size = 2 * P;

	root.node->parent_color &= ~(uintptr_t)1;  /* red root */
	BUSY_CHECK_FAILS(NULL, "tree: red root");
	root.node->parent_color |= 1;

	ASSERT_EQ(busy_check(&v, &root, &stray.rb, &why), -EUCLEAN);
	ASSERT(!strncmp(why.msg, "cached node 0x", 14));  /* dangling */

	ASSERT_OK(busy_check(&v, &root, &a[2]->rb, NULL));
	ASSERT_EQ(visits, 3);  /* the inserts' descents: 0, 1, 2 nodes */
	busy_destroy(&root, &pool);
	ASSERT(!root.node);
#undef BUSY_CHECK_FAILS
}

int main(void)
{
	static const char *const names[] = { "rbtree", "rbtree-cached" };

	for (size_t i = 0; i < 2; i++) {
		const struct vmap_strategy *s = vmap_strategy_find(names[i]);

		ASSERT(s);
		ASSERT_EQ(s->lowest_fit, i == 0);
		test_find_free(names[i]);
		test_top_of_space(names[i]);
	}
	test_check_catches();
	test_cached_heuristic();
	test_rbtree_vs_list();
	test_cached_random();
	return 0;
}
