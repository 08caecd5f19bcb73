/* SPDX-License-Identifier: MIT */
/*
 * The augrb strategy: each kind of split and merge with the exact free
 * blocks left behind, alignments and windows, exhaustion and refill, the top
 * of the address space, out-of-memory paths, the checker catching damage,
 * and a seeded random run against "list", address for address, with
 * vmap_check() after every operation.
 *
 * The strategy's source is included through vmap_whitebox.h, so the test
 * sees its nodes and can fail its allocations on demand.
 */
#define VMAP_WHITEBOX_SOURCE "../../src/vmap/augrb.c"
#define VMAP_WHITEBOX_NAME "augrb"
#include "vmap_whitebox.h"

/* Allocate in the whole range. */
static uint64_t alloc_any(struct vmap *v, uint64_t size, uint64_t align)
{
	return alloc_ok(v, size, align, v->start, v->end);
}

/*
 * The free blocks must be exactly @n pairs [lo, hi) of page offsets from S,
 * and meta_bytes must count those nodes plus one per live area, and the
 * busy hash's buckets.
 */
static void expect_free(struct vmap *v, unsigned n, const uint64_t *pairs)
{
	struct augrb_vmap *a = to_augrb(v);
	struct vmap_stats st;
	unsigned i = 0;

	for (struct rb_node *rb = rb_first(&a->free); rb; rb = rb_next(rb)) {
		ASSERT_LT(i, n);
		ASSERT_EQ(node_of(rb)->start, S + pairs[2 * i] * P);
		ASSERT_EQ(node_of(rb)->start + node_of(rb)->size,
			  S + pairs[2 * i + 1] * P);
		i++;
	}
	ASSERT_EQ(i, n);
	ASSERT_EQ(a->nfree, n);
	vmap_stats(v, &st);
	ASSERT_EQ(st.meta_bytes, sizeof(struct augrb_vmap) +
		  (st.live_areas + n) * sizeof(struct augrb_node) +
		  (a->bucket ? sizeof(*a->bucket) << a->hbits : 0));
}

#define EXPECT_FREE(v, ...)                                                  \
	do {                                                                 \
		const uint64_t p_[] = { __VA_ARGS__ };                       \
		expect_free(v, sizeof(p_) / sizeof(p_[0]) / 2, p_);          \
	} while (0)
#define EXPECT_NO_FREE(v) expect_free(v, 0, NULL)

static void test_splits(void)
{
	struct vmap *v = make(S, S + 64 * P);
	struct vmap_stats st;

	EXPECT_FREE(v, 0, 64);
	/* Left edge: the block's start moves up. */
	ASSERT_EQ(alloc_any(v, 4 * P, P), S);
	EXPECT_FREE(v, 4, 64);
	/* Middle: [4, 16) stays in place, [20, 64) is a new node. */
	ASSERT_EQ(alloc_any(v, 4 * P, 16 * P), S + 16 * P);
	EXPECT_FREE(v, 4, 16, 20, 64);
	/* Right edge: a window that ends where the block ends. */
	ASSERT_EQ(alloc_ok(v, 4 * P, P, S + 60 * P, S + 64 * P), S + 60 * P);
	EXPECT_FREE(v, 4, 16, 20, 60);
	/* Exact: [4, 16) leaves the free tree. */
	ASSERT_EQ(alloc_any(v, 12 * P, P), S + 4 * P);
	EXPECT_FREE(v, 20, 60);
	/* Exact, the last block: nothing free remains. */
	ASSERT_EQ(alloc_any(v, 40 * P, P), S + 20 * P);
	EXPECT_NO_FREE(v);
	vmap_stats(v, &st);
	ASSERT_EQ(st.live_areas, 5);
	ASSERT_EQ(st.meta_bytes, sizeof(struct augrb_vmap) +
		  5 * sizeof(struct augrb_node) +
		  (to_augrb(v)->bucket ? sizeof(struct augrb_node *) <<
		   to_augrb(v)->hbits : 0));
	ASSERT_EQ(sizeof(struct augrb_node), 64);

	struct vmap_area ar;
	ASSERT_OK(vmap_find(v, S + 25 * P + 7, &ar));
	ASSERT_EQ(ar.start, S + 20 * P);
	ASSERT_EQ(ar.size, 40 * P);
	ASSERT_OK(vmap_find(v, S + 64 * P - 1, &ar));
	ASSERT_EQ(ar.start, S + 60 * P);
	ASSERT_OK(vmap_find(v, S, &ar));
	ASSERT_EQ(ar.size, 4 * P);
	vmap_destroy(v);
}

static void test_merges(void)
{
	struct vmap *v = make(S, S + 64 * P);
	struct vmap_area ar;

	for (unsigned i = 0; i < 8; i++)
		ASSERT_EQ(alloc_any(v, 4 * P, P), S + 4 * i * P);
	EXPECT_FREE(v, 32, 64);

	/* Neither side free: the busy node becomes a free block. */
	free_ok(v, S + 4 * P);
	EXPECT_FREE(v, 4, 8, 32, 64);
	ASSERT_EQ(vmap_find(v, S + 5 * P, &ar), -ENOENT);
	ASSERT_EQ(vmap_free(v, S + 4 * P), -ENOENT);
	ASSERT_EQ(vmap_free(v, S + 5 * P), -ENOENT);
	/* Left side free: [4, 8) grows. */
	free_ok(v, S + 8 * P);
	EXPECT_FREE(v, 4, 12, 32, 64);
	/* Right side free: [32, 64) grows down. */
	free_ok(v, S + 28 * P);
	EXPECT_FREE(v, 4, 12, 28, 64);
	free_ok(v, S + 20 * P);
	EXPECT_FREE(v, 4, 12, 20, 24, 28, 64);
	/* Both sides free: three blocks become one. */
	free_ok(v, S + 24 * P);
	EXPECT_FREE(v, 4, 12, 20, 64);
	/* The first block of the range, merging right. */
	free_ok(v, S);
	EXPECT_FREE(v, 0, 12, 20, 64);
	free_ok(v, S + 12 * P);
	EXPECT_FREE(v, 0, 16, 20, 64);
	free_ok(v, S + 16 * P);
	EXPECT_FREE(v, 0, 64);
	ASSERT_EQ(v->live, 0);
	vmap_destroy(v);
}

/*
 * meta_bytes, counted from the outside: the allocator object, 64 bytes per
 * node in either tree, and the busy hash's buckets from the moment they
 * are allocated (AUGRB_HASH_FROM) for as long as they are held -- they
 * stay when the last area is freed, as the array only grows.  Nothing
 * else: an empty allocator is its object and one free block.
 */
static void test_meta_bytes(void)
{
	struct vmap *v = make(S, S + 64 * P);
	const uint64_t obj = sizeof(struct augrb_vmap), node = 64;
	uint64_t buckets = 0, at;
	struct vmap_stats st;

	vmap_stats(v, &st);
	ASSERT_EQ(st.meta_bytes, obj + node);
	ASSERT_EQ(to_augrb(v)->bucket, NULL);
	/* A middle split: two free blocks and one area. */
	ASSERT_OK(vmap_alloc(v, 4 * P, P, S + 8 * P, S + 64 * P, &at));
	ASSERT_EQ(at, S + 8 * P);
	if (AUGRB_HASH_FROM == 0) {
		ASSERT_EQ(to_augrb(v)->hbits, AUGRB_HASH_MIN_BITS);
		buckets = sizeof(struct augrb_node *) << AUGRB_HASH_MIN_BITS;
	} else {
		ASSERT_EQ(to_augrb(v)->bucket, NULL);
	}
	vmap_stats(v, &st);
	ASSERT_EQ(st.meta_bytes, obj + 3 * node + buckets);
	free_ok(v, at);
	vmap_stats(v, &st);
	ASSERT_EQ(st.live_areas, 0);
	ASSERT_EQ(st.meta_bytes, obj + node + buckets);
	vmap_destroy(v);
}

static void test_alignment(void)
{
	struct vmap *v = make(S, S + 64 * P);
	uint64_t addr;

	ASSERT_EQ(alloc_any(v, P, P), S);
	/* Free [1, 64): no multiple of 64 pages inside it. */
	ASSERT_EQ(vmap_alloc(v, 2 * P, 64 * P, v->start, v->end, &addr),
		  -ENOSPC);
	ASSERT_EQ(alloc_any(v, 14 * P, P), S + P);
	ASSERT_EQ(alloc_any(v, 17 * P, P), S + 15 * P);
	ASSERT_EQ(alloc_any(v, 4 * P, P), S + 32 * P);
	ASSERT_EQ(alloc_any(v, 28 * P, P), S + 36 * P);
	free_ok(v, S + P);
	free_ok(v, S + 32 * P);
	EXPECT_FREE(v, 1, 15, 32, 36);
	/*
	 * 4 pages aligned to 32: the 14-page block is large enough but has
	 * no aligned start; the 4-page block, shorter than size + align - 1,
	 * starts aligned and fits exactly.
	 */
	ASSERT_EQ(alloc_any(v, 4 * P, 32 * P), S + 32 * P);
	EXPECT_FREE(v, 1, 15);
	/* 8 pages aligned to 8 in [1, 15): at 8, right edge would be 16. */
	ASSERT_EQ(alloc_any(v, 7 * P, 8 * P), S + 8 * P);
	EXPECT_FREE(v, 1, 8);
	ASSERT_EQ(vmap_alloc(v, 4 * P, 8 * P, v->start, v->end, &addr),
		  -ENOSPC);
	ASSERT_EQ(alloc_any(v, 4 * P, 4 * P), S + 4 * P);
	EXPECT_FREE(v, 1, 4);
	/* An alignment below the page size counts as the page size. */
	ASSERT_EQ(alloc_any(v, P, 1), S + P);
	EXPECT_FREE(v, 2, 4);
	vmap_destroy(v);
}

static void test_windows(void)
{
	struct vmap *v = make(S, S + 64 * P);
	uint64_t addr;

	ASSERT_EQ(alloc_ok(v, P, P, S + 10 * P, S + 20 * P), S + 10 * P);
	EXPECT_FREE(v, 0, 10, 11, 64);
	ASSERT_EQ(alloc_ok(v, 8 * P, P, S + 10 * P, S + 20 * P), S + 11 * P);
	EXPECT_FREE(v, 0, 10, 19, 64);
	ASSERT_EQ(vmap_alloc(v, 2 * P, P, S + 10 * P, S + 20 * P, &addr),
		  -ENOSPC);
	/* A window cutting a block on both sides. */
	ASSERT_EQ(alloc_ok(v, 2 * P, P, S + 3 * P, S + 7 * P), S + 3 * P);
	EXPECT_FREE(v, 0, 3, 5, 10, 19, 64);
	/* Unaligned window edges shrink to the pages inside them. */
	ASSERT_EQ(alloc_ok(v, 2 * P, P, S + 5 * P + 1, S + 10 * P - 1),
		  S + 6 * P);
	EXPECT_FREE(v, 0, 3, 5, 6, 8, 10, 19, 64);
	/* A window beginning above every block but one. */
	ASSERT_EQ(alloc_ok(v, P, 16 * P, S + 20 * P, S + 64 * P), S + 32 * P);
	EXPECT_FREE(v, 0, 3, 5, 6, 8, 10, 19, 32, 33, 64);
	/* A window holding only busy pages. */
	ASSERT_EQ(vmap_alloc(v, P, P, S + 10 * P, S + 19 * P, &addr),
		  -ENOSPC);
	/* A window inside a single free page. */
	ASSERT_EQ(alloc_ok(v, P, P, S + 5 * P, S + 6 * P), S + 5 * P);
	EXPECT_FREE(v, 0, 3, 8, 10, 19, 32, 33, 64);
	vmap_destroy(v);
}

static void test_exhaustion(void)
{
	struct vmap *v = make(S, S + 64 * P);
	uint64_t addr;

	for (unsigned i = 0; i < 64; i++)
		ASSERT_EQ(alloc_any(v, P, P), S + i * P);
	EXPECT_NO_FREE(v);
	ASSERT_EQ(vmap_alloc(v, P, P, v->start, v->end, &addr), -ENOSPC);
	for (unsigned i = 0; i < 64; i += 2)
		free_ok(v, S + i * P);
	ASSERT_EQ(to_augrb(v)->nfree, 32);
	ASSERT_EQ(vmap_alloc(v, 2 * P, P, v->start, v->end, &addr), -ENOSPC);
	/* Refill: lowest hole first, each an exact fit. */
	for (unsigned i = 0; i < 64; i += 2)
		ASSERT_EQ(alloc_any(v, P, P), S + i * P);
	EXPECT_NO_FREE(v);
	for (unsigned i = 0; i < 64; i++)
		free_ok(v, S + ((i * 37) % 64) * P);
	EXPECT_FREE(v, 0, 64);
	/* One area as large as the whole range. */
	ASSERT_EQ(alloc_any(v, 64 * P, 64 * P), S);
	EXPECT_NO_FREE(v);
	free_ok(v, S);
	EXPECT_FREE(v, 0, 64);
	vmap_destroy(v);
}

static void test_last_page(void)
{
	struct vmap *v = make(S, S + 64 * P);
	struct vmap_area ar;

	ASSERT_EQ(alloc_ok(v, P, P, S + 63 * P, S + 64 * P), S + 63 * P);
	EXPECT_FREE(v, 0, 63);
	ASSERT_OK(vmap_find(v, S + 64 * P - 1, &ar));
	ASSERT_EQ(ar.start, S + 63 * P);
	ASSERT_EQ(alloc_any(v, 63 * P, P), S);
	EXPECT_NO_FREE(v);
	free_ok(v, S + 63 * P);
	EXPECT_FREE(v, 63, 64);
	vmap_destroy(v);
}

/* [2^64 - 64 pages, 2^64 - 1 page): nothing may wrap. */
static void test_top_of_space(void)
{
	uint64_t end = 0 - P, start = 0 - 64 * P, addr;
	struct vmap *v = make(start, end);
	struct vmap_area ar;

	ASSERT_EQ(vmap_alloc(v, P, 1ULL << 63, start, end, &addr), -ENOSPC);
	ASSERT_EQ(vmap_alloc(v, P, 1ULL << 20, start, end, &addr), -ENOSPC);
	ASSERT_EQ(vmap_alloc(v, 64 * P, P, start, end, &addr), -ENOSPC);
	ASSERT_EQ(alloc_ok(v, P, P, end - P, end), end - P);
	ASSERT_EQ(alloc_ok(v, 62 * P, P, start, end), start);
	ASSERT_EQ(vmap_alloc(v, P, P, start, end, &addr), -ENOSPC);
	ASSERT_OK(vmap_find(v, UINT64_MAX - P, &ar));
	ASSERT_EQ(ar.start, end - P);
	free_ok(v, end - P);
	ASSERT_EQ(vmap_alloc(v, P, 1ULL << 63, start, end, &addr), -ENOSPC);
	/* The next multiple of 32 pages after the busy ones is 2^64. */
	ASSERT_EQ(vmap_alloc(v, P, 32 * P, start, end, &addr), -ENOSPC);
	ASSERT_EQ(alloc_ok(v, P, 2 * P, start, end), end - P);
	free_ok(v, start);
	free_ok(v, end - P);
	ASSERT_EQ(to_augrb(v)->nfree, 1);
	vmap_destroy(v);
}

/*
 * With 2048 free holes, a page-aligned request walks one root-to-leaf path
 * of the free tree and one of the busy tree: at most two heights of
 * 2 log2(n + 1) nodes each, where list would scan thousands of areas.
 */
static void test_visits_logarithmic(void)
{
	const unsigned n = 4096, bound = 4 * 13 + 4;
	struct vmap *v = make(S, S + 4 * (uint64_t)n * P);
	struct vmap_stats before, after;

	for (unsigned i = 0; i < n; i++)
		ASSERT_EQ(alloc_any(v, 2 * P, P), S + 2 * (uint64_t)i * P);
	for (unsigned i = 0; i < n; i += 2)
		free_ok(v, S + 2 * (uint64_t)i * P);
	ASSERT_EQ(to_augrb(v)->nfree, n / 2 + 1);

	/* Only the tail holds 3 pages. */
	vmap_stats(v, &before);
	ASSERT_EQ(alloc_any(v, 3 * P, P), S + 2 * (uint64_t)n * P);
	vmap_stats(v, &after);
	ASSERT_LE(after.node_visits - before.node_visits, bound);
	/* The lowest hole, an exact fit. */
	before = after;
	ASSERT_EQ(alloc_any(v, 2 * P, P), S);
	vmap_stats(v, &after);
	ASSERT_LE(after.node_visits - before.node_visits, bound);
	/* A hole in the middle, cut by a window. */
	before = after;
	ASSERT_EQ(alloc_ok(v, P, P, S + ((uint64_t)n + 1) * P, v->end),
		  S + ((uint64_t)n + 1) * P);
	vmap_stats(v, &after);
	ASSERT_LE(after.node_visits - before.node_visits, bound);
	/* Freeing merges on both sides. */
	before = after;
	free_ok(v, S + 6 * P);
	ASSERT_EQ(to_augrb(v)->nfree, n / 2 - 1);
	vmap_stats(v, &after);
	ASSERT_LE(after.node_visits - before.node_visits, bound);
	vmap_destroy(v);
}

/* A failed metadata allocation leaves everything as it was. */
static void test_out_of_memory(void)
{
	struct vmap *v;
	uint64_t addr;

	malloc_fail_after = 1;  /* the object, not its first node */
	ASSERT_EQ(vmap_create(&v, "augrb", S, S + 64 * P, P), -ENOMEM);
	malloc_fail_after = 0;
	ASSERT_EQ(vmap_create(&v, "augrb", S, S + 64 * P, P), -ENOMEM);
	malloc_fail_after = -1;

	v = make(S, S + 64 * P);
	ASSERT_EQ(alloc_any(v, 8 * P, P), S);
	/* Left edge: the busy node cannot be had. */
	malloc_fail_after = 0;
	ASSERT_EQ(vmap_alloc(v, P, P, v->start, v->end, &addr), -ENOMEM);
	ASSERT_CHECK_OK(v);
	EXPECT_FREE(v, 8, 64);
	/* Middle: the busy node can, the right remainder cannot. */
	malloc_fail_after = 1;
	ASSERT_EQ(vmap_alloc(v, P, 16 * P, v->start, v->end, &addr),
		  -ENOMEM);
	ASSERT_CHECK_OK(v);
	EXPECT_FREE(v, 8, 64);
	/* Freeing never allocates, in any of the merge cases. */
	malloc_fail_after = 0;
	free_ok(v, S);
	EXPECT_FREE(v, 0, 64);
	malloc_fail_after = -1;
	ASSERT_EQ(alloc_any(v, 8 * P, P), S);
	ASSERT_EQ(alloc_any(v, 8 * P, P), S + 8 * P);
	ASSERT_EQ(alloc_any(v, 48 * P, P), S + 16 * P);
	malloc_fail_after = 0;
	free_ok(v, S + 8 * P);   /* neither side */
	EXPECT_FREE(v, 8, 16);
	/* An exact fit reuses the node it takes from the free tree. */
	ASSERT_EQ(alloc_any(v, 8 * P, P), S + 8 * P);
	EXPECT_NO_FREE(v);
	free_ok(v, S);           /* neither side */
	free_ok(v, S + 16 * P);  /* neither side */
	EXPECT_FREE(v, 0, 8, 16, 64);
	free_ok(v, S + 8 * P);   /* both sides */
	EXPECT_FREE(v, 0, 64);
	malloc_fail_after = -1;
	vmap_destroy(v);
}

/* check() must notice each kind of damage, and pass again once repaired. */
static void test_check_catches_corruption(void)
{
	struct vmap *v = make(S, S + 64 * P);
	struct augrb_vmap *a = to_augrb(v);
	struct augrb_node *n, *b;

	for (unsigned i = 0; i < 16; i++)
		alloc_any(v, 4 * P, P);
	for (unsigned i = 0; i < 16; i += 2)
		free_ok(v, S + 4 * i * P);
	ASSERT_EQ(a->nfree, 8);

	/* A subtree max one page too large, then one too small. */
	n = node_of(a->free.node);
	n->max += P;
	ASSERT_CHECK_FAILS(v,
			   "augrb: free tree: summary differs from its "
			   "recomputation");
	n->max -= 2 * P;
	ASSERT_CHECK_FAILS(v,
			   "augrb: free tree: summary differs from its "
			   "recomputation");
	n->max += P;
	ASSERT_CHECK_OK(v);

	/* A busy area one page short: a gap in the tiling. */
	b = node_of(a->busy.node);
	b->size -= P;
	ASSERT_CHECK_FAILS(v,
			   "augrb: nothing starts at 0x10001f000: gap or "
			   "overlap");
	b->size += P;
	ASSERT_CHECK_OK(v);

	/* A free block grown over the busy area above it: overlap. */
	n = node_of(rb_first(&a->free));
	n->size += P;
	augrb_max_propagate(&n->rb);
	ASSERT_CHECK_FAILS(v,
			   "augrb: nothing starts at 0x100005000: gap or "
			   "overlap");
	n->size -= P;
	augrb_max_propagate(&n->rb);
	ASSERT_CHECK_OK(v);

	/* Two free blocks touching: [0, 4) swallows the busy [4, 8). */
	b = node_of(rb_first(&a->busy));
	ASSERT_EQ(b->start, S + 4 * P);
	rb_erase(&b->rb, &a->busy);
	v->live--;
	n->size += b->size;
	augrb_max_propagate(&n->rb);
	ASSERT_CHECK_FAILS(v,
			   "augrb: free block 0x100008000 adjacent to the "
			   "previous one");
	n->size -= b->size;
	augrb_max_propagate(&n->rb);
	rb_add(&b->rb, &a->busy, augrb_less);
	v->live++;
	ASSERT_CHECK_OK(v);

	/* Links between pieces: one missing, one too many, one misdirected. */
	n = node_of(rb_first(&a->free));
	b = n->above;
	ASSERT_EQ(b->start, S + 4 * P);
	n->above = NULL;
	ASSERT_CHECK_FAILS(v,
			   "augrb: wrong links between the pieces meeting at "
			   "0x100004000");
	n->above = b;
	n->below = b;
	ASSERT_CHECK_FAILS(v,
			   "augrb: wrong links between the pieces meeting at "
			   "0x100000000");
	n->below = NULL;
	b->below = b->above;
	ASSERT_CHECK_FAILS(v,
			   "augrb: wrong links between the pieces meeting at "
			   "0x100004000");
	b->below = n;
	ASSERT_CHECK_OK(v);
	b = node_of(rb_last(&a->busy));
	ASSERT_EQ(b->start, S + 60 * P);
	b->above = n;
	ASSERT_CHECK_FAILS(v, "augrb: the last piece links to one above it");
	b->above = NULL;
	ASSERT_CHECK_OK(v);

	/* The busy hash (when built: AUGRB_HASH_FROM, see meson.build): an
	 * area missing from its chain, one chained into the wrong bucket. */
	b = node_of(a->busy.node);
	if (a->bucket) {
		struct augrb_node **link = bucket_of(a, b->start);

		while (*link != b)
			link = &(*link)->hnext;
		*link = b->hnext;
		ASSERT_CHECK_FAILS(v, "augrb: busy hash holds 7 areas, 8 live");
		b->start += P;
		hash_insert(a, b);
		b->start -= P;
		if (bucket_of(a, b->start) != bucket_of(a, b->start + P)) {
			char want[80];

			snprintf(want, sizeof(want), "augrb: busy area %#llx "
				 "not in its hash bucket",
				 (unsigned long long)b->start);
			ASSERT_CHECK_FAILS(v, want);
		}
		ASSERT_EQ(hash_remove(a, b->start + P), NULL);
		b->start += P;
		ASSERT_EQ(hash_remove(a, b->start), b);
		b->start -= P;
		hash_insert(a, b);
		ASSERT_CHECK_OK(v);
	}

	/* The live count disagreeing with the busy tree. */
	v->live++;
	ASSERT_CHECK_FAILS(v, "augrb: 8 busy areas in the tree, 9 live");
	v->live--;
	/* A free block out of order. */
	n = node_of(rb_last(&a->free));
	uint64_t saved = n->start;
	n->start = S;
	ASSERT_CHECK_FAILS(v, "augrb: free tree: nodes not in ascending order");
	n->start = saved;
	ASSERT_CHECK_OK(v);
	vmap_destroy(v);
}

struct meta_avg {
	uint64_t bytes_sum, samples;
};

/* Free blocks at most live + 1; the metadata per live area averaged. */
static void free_blocks_and_bytes(struct vmap *x, unsigned nlive, void *ctx)
{
	struct meta_avg *m = ctx;
	struct vmap_stats st;

	ASSERT_LE(to_augrb(x)->nfree, nlive + 1);
	if (nlive) {
		vmap_stats(x, &st);
		m->bytes_sum += st.meta_bytes * 1000 / nlive;
		m->samples++;
	}
}

/*
 * Seeded random operations on augrb and list side by side
 * (whitebox_vs_list(), windows off the page grid too).
 */
static void differential(uint64_t seed, uint64_t start, uint64_t pages,
			 unsigned target, unsigned ops, unsigned align_shift)
{
	struct meta_avg m = { 0, 0 };
	struct whitebox_run w = {
		.seed = seed, .start = start, .pages = pages,
		.target = target, .ops = ops, .align_shift = align_shift,
		.max_pages = 1024, .sub_page = true,
		.after = free_blocks_and_bytes, .ctx = &m,
	};
	struct vmap_stats st;
	unsigned nospc;
	struct vmap *x = whitebox_vs_list(&w, &nospc);

	vmap_stats(x, &st);
	printf("differential seed %llu: %u ops, %llu live, %u -ENOSPC, "
	       "%.1f metadata bytes per live area on average, %llu visits\n",
	       (unsigned long long)seed, ops,
	       (unsigned long long)st.live_areas, nospc,
	       m.samples ? m.bytes_sum / 1000.0 / m.samples : 0.0,
	       (unsigned long long)st.node_visits);
	vmap_destroy(x);
}

int main(void)
{
	test_splits();
	test_merges();
	test_meta_bytes();
	test_alignment();
	test_windows();
	test_exhaustion();
	test_last_page();
	test_top_of_space();
	test_visits_logarithmic();
	test_out_of_memory();
	test_check_catches_corruption();
	/* 2^18 pages, the start three pages off any large alignment. */
	differential(42, VMAP_DEFAULT_START + 3 * P, 1ULL << 18, 300, 200000,
		     11);
	/* A small range where most large requests find no room. */
	differential(7, S, 8192, 40, 100000, 11);
	printf("vmap augrb: ok\n");
	return 0;
}
