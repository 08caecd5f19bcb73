/* SPDX-License-Identifier: MIT */
/*
 * The gaptree strategy: leaf and inner splits up to a new root, a free
 * that merges across a leaf boundary, leaf underflow (borrow and merge),
 * the root collapsing back to one leaf, alignments and windows on deep
 * trees, out-of-memory during a split cascade, meta_bytes, the checker
 * catching damage, and seeded random operations against "list" with
 * vmap_check() after every operation.
 *
 * The strategy's source is included through vmap_whitebox.h, so the test
 * sees its nodes and can fail its node allocations on demand.  Built
 * twice (meson.build): with the default nodes and with GT_LEAF_N=4
 * GT_FAN=4 (every structural case within a few dozen areas, trees ten
 * levels deep within a few thousand).
 */
#define VMAP_WHITEBOX_SOURCE "../../src/vmap/gaptree.c"
#define VMAP_WHITEBOX_NAME "gaptree"
#include "vmap_whitebox.h"

static uint64_t alloc_any(struct vmap *v, uint64_t size)
{
	return alloc_ok(v, size, P, v->start, v->end);
}

static struct gt_leaf *first_leaf(struct gt_vmap *a)
{
	void *n = a->root;

	for (unsigned d = 0; d < a->height; d++)
		n = ((struct gt_inner *)n)->child[0];
	return n;
}

/* The leaf after @l in address order, found by a descent (NULL: none). */
static struct gt_leaf *next_leaf(struct gt_vmap *a, const struct gt_leaf *l)
{
	if (l->end[l->n - 1] == a->base.end)
		return NULL;
	return descend(a, l->end[l->n - 1]);
}

static uint64_t nleaves(struct gt_vmap *a)
{
	return a->lpool.in_use;
}

/*
 * Single pages back to back from S, after the live ones (pages from S on),
 * until the tree is @height levels: the number of live areas.
 */
static unsigned fill_pages(struct vmap *v, unsigned height)
{
	unsigned n = (unsigned)v->live;

	while (to_gt(v)->height < height) {
		ASSERT_EQ(alloc_any(v, P), S + n * P);
		n++;
	}
	return n;
}

/*
 * Pages from S as fill_pages() leaves them, but with every other one freed
 * and allocated again, so that the refills split leaves in their middles
 * (halving them) rather than at their ends: leaves of mixed fill.
 */
static unsigned fill_pages_mixed(struct vmap *v, unsigned height)
{
	unsigned n = fill_pages(v, height);

	for (unsigned k = 0; k < n; k += 2)
		free_ok(v, S + k * P);
	for (unsigned k = 0; k < n; k += 2)
		ASSERT_EQ(alloc_any(v, P), S + k * P);
	return fill_pages(v, height);
}

/*
 * Splits: pages allocated in order fill leaves from the left; each full
 * leaf splits, then full inner nodes, then the root; addresses stay the
 * lowest fit and the validator passes after each.  An append (the new
 * area before the sentinel) leaves the left half nearly full; an insert
 * in a leaf's middle halves it.
 */
static void test_splits(void)
{
	struct vmap *v = make(S, S + (1ULL << 30));
	struct gt_vmap *a = to_gt(v);
	struct gt_leaf *l;
	unsigned n;

	ASSERT_EQ(a->height, 0);
	n = fill_pages(v, 1);
	/* The first split: a full leaf and the new area, at the end. */
	ASSERT_EQ(n, GT_LEAF_N);
	ASSERT_EQ(nleaves(a), 2);
	ASSERT_EQ(a->ipool.in_use, 1);
	l = first_leaf(a);
	ASSERT_EQ(l->n, GT_LEAF_N + 1 - GT_LEAF_MIN);
	ASSERT_EQ(next_leaf(a, l)->n, GT_LEAF_MIN);
	vmap_destroy(v);

	/* A full root leaf with a hole at page 1: filling it halves it. */
	v = make(S, S + (1ULL << 30));
	a = to_gt(v);
	for (unsigned k = 0; k + 1 < GT_LEAF_N; k++)
		ASSERT_EQ(alloc_any(v, P), S + k * P);
	free_ok(v, S + P);
	ASSERT_EQ(alloc_any(v, 2 * P), S + (GT_LEAF_N - 1) * P);
	ASSERT_EQ(a->height, 0);
	ASSERT_EQ(first_leaf(a)->n, GT_LEAF_N);
	ASSERT_EQ(alloc_any(v, P), S + P);
	ASSERT_EQ(nleaves(a), 2);
	ASSERT_EQ(first_leaf(a)->n, (GT_LEAF_N + 1) / 2);
	vmap_destroy(v);

	v = make(S, S + (1ULL << 30));
	a = to_gt(v);
	n = fill_pages(v, 3);
	ASSERT_EQ(a->height, 3);
	ASSERT_EQ(a->max, v->end - (S + n * P));
	/* Every gap is empty except the last: one exact fit in a hole. */
	free_ok(v, S + 5 * P);
	ASSERT_EQ(a->max, v->end - (S + n * P));
	ASSERT_EQ(alloc_any(v, P), S + 5 * P);
	vmap_destroy(v);
}

/*
 * A free of a leaf's last area: its gap, the area and the next leaf's
 * first gap become one, owned by the next leaf's first entry; the key
 * between the leaves drops to the area's start.
 */
static void test_merge_across_leaves(void)
{
	struct vmap *v = make(S, S + (1ULL << 30));
	struct gt_vmap *a = to_gt(v);
	struct gt_leaf *l, *m;
	uint64_t last, before, max;
	bool keeps;

	fill_pages(v, 2);
	l = first_leaf(a);
	m = next_leaf(a, l);
	ASSERT(m != NULL);
	ASSERT_LE(2, l->n);
	last = l->start[l->n - 1];
	before = l->start[l->n - 2];
	ASSERT_EQ(m->start[0], last + P);
	max = a->max;
	keeps = l->n > GT_LEAF_MIN;  /* no borrow or merge follows */
	free_ok(v, last);
	/* The next leaf now starts where the freed area did. */
	ASSERT_EQ(descend(a, last), descend(a, last + P));
	if (keeps)
		ASSERT_EQ(a->lo[a->height], last);
	ASSERT_EQ(a->max, max);
	/* The lowest fit of a page is the gap across the boundary. */
	ASSERT_EQ(alloc_any(v, P), last);
	/* Again with the area before it: a gap of two pages. */
	l = first_leaf(a);
	last = l->start[l->n - 1];
	before = l->start[l->n - 2];
	free_ok(v, before);
	free_ok(v, last);
	ASSERT_EQ(alloc_any(v, 2 * P), before);
	vmap_destroy(v);
}

/*
 * Underflow: frees in a seeded random order empty a tree of several
 * levels; leaves below GT_LEAF_MIN borrow from a neighbour or merge with
 * it, and the lowest fit is the lowest page freed so far.
 */
static void test_underflow(void)
{
	struct vmap *v = make(S, S + (1ULL << 30));
	struct gt_vmap *a = to_gt(v);
	unsigned n = fill_pages_mixed(v, 3), borrowed = 0, merged = 0;
	unsigned *order = malloc(n * sizeof(*order));
	unsigned char *freed = calloc(n, 1);
	struct rng r;

	ASSERT(order && freed);
	rng_seed(&r, 5);
	for (unsigned k = 0; k < n; k++)
		order[k] = k;
	for (unsigned k = n; k > 1; k--) {
		unsigned x = (unsigned)rng_below(&r, k), t = order[k - 1];

		order[k - 1] = order[x];
		order[x] = t;
	}
	for (unsigned k = 0; k < n; k++) {
		uint64_t leaves = nleaves(a);
		uint32_t before = descend(a, S + order[k] * P)->n;

		free_ok(v, S + order[k] * P);
		freed[order[k]] = 1;
		if (nleaves(a) < leaves)
			merged++;
		else if (a->height && before == GT_LEAF_MIN)
			borrowed++;
		if (k == n / 2) {
			/* The lowest fit: the lowest freed page. */
			unsigned low = 0, addr;

			while (!freed[low])
				low++;
			addr = (unsigned)((alloc_any(v, P) - S) / P);
			ASSERT_EQ(addr, low);
			free_ok(v, S + low * P);
		}
	}
	ASSERT_LT(0, merged);
	ASSERT_LT(0, borrowed);
	ASSERT_EQ(a->height, 0);
	ASSERT_EQ(v->live, 0);
	ASSERT_EQ(a->max, v->end - v->start);
	printf("underflow: %u frees, %u merges, %u borrows\n", n, merged,
	       borrowed);
	free(order);
	free(freed);
	vmap_destroy(v);
}

/* Freeing everything collapses the root back to the one leaf. */
static void test_root_collapse(void)
{
	struct vmap *v = make(S, S + (1ULL << 30));
	struct gt_vmap *a = to_gt(v);
	unsigned n = fill_pages(v, 3);
	struct vmap_stats st;

	/* From the right, then (a second fill) from the left. */
	for (unsigned k = n; k-- > 0;)
		free_ok(v, S + k * P);
	ASSERT_EQ(a->height, 0);
	ASSERT_EQ(nleaves(a), 1);
	ASSERT_EQ(a->ipool.in_use, 0);
	ASSERT_EQ(a->max, v->end - v->start);
	n = fill_pages(v, 3);
	for (unsigned k = 0; k < n; k++)
		free_ok(v, S + k * P);
	ASSERT_EQ(a->height, 0);
	ASSERT_EQ(nleaves(a), 1);
	ASSERT_EQ(a->ipool.in_use, 0);
	vmap_stats(v, &st);
	ASSERT_EQ(st.live_areas, 0);
	ASSERT_EQ(st.meta_bytes, sizeof(struct gt_vmap) + a->lpool.slot);
	ASSERT_EQ(alloc_any(v, v->end - v->start), S);
	ASSERT_EQ(a->max, 0);
	free_ok(v, S);
	vmap_destroy(v);
}

/* meta_bytes: the object, the leaves and the inner nodes in use. */
static void test_meta_bytes(void)
{
	struct vmap *v = make(S, S + (1ULL << 30));
	struct gt_vmap *a = to_gt(v);
	struct vmap_stats st;

	fill_pages(v, 2);
	vmap_stats(v, &st);
	ASSERT_EQ(st.meta_bytes, sizeof(struct gt_vmap) +
		  a->lpool.in_use * a->lpool.slot +
		  a->ipool.in_use * a->ipool.slot);
	/* Whole cache lines, each node as small as its fields allow. */
	ASSERT_EQ(a->lpool.slot % 64, 0);
	ASSERT_EQ(a->ipool.slot % 64, 0);
	ASSERT_LT(a->lpool.slot - 64, sizeof(struct gt_leaf));
	ASSERT_LT(a->ipool.slot - 64, sizeof(struct gt_inner));
	ASSERT_LE(sizeof(struct gt_leaf), a->lpool.slot);
	vmap_destroy(v);
}

/*
 * Alignment and windows on a deep tree: holes that fit the size but not
 * the alignment must be passed over to the next one in address order.
 */
static void test_align_and_windows(void)
{
	struct vmap *v = make(S, S + (1ULL << 30));
	unsigned n = fill_pages(v, 3);
	uint64_t top = S + n * P;

	/* Holes of 3 pages at page offsets 1, 9, 17, ...; only the one at an
	 * 8-page-aligned offset + 1 holds 2 pages aligned to 16 K. */
	for (unsigned k = 1; k + 3 < n; k += 8) {
		free_ok(v, S + k * P);
		free_ok(v, S + (k + 1) * P);
		free_ok(v, S + (k + 2) * P);
	}
	/* 3 pages aligned to 8 pages: none of the holes (they start at 1
	 * mod 8 and end at 4 mod 8): past the last area. */
	ASSERT_EQ(alloc_ok(v, 3 * P, 8 * P, v->start, v->end),
		  (top + 8 * P - 1) & ~(8 * P - 1));
	/* 2 pages aligned to 2 pages: offset 2 in the first hole. */
	ASSERT_EQ(alloc_ok(v, 2 * P, 2 * P, v->start, v->end), S + 2 * P);
	/* A window starting inside the second hole. */
	ASSERT_EQ(alloc_ok(v, P, P, S + 10 * P, v->end), S + 10 * P);
	/* A window ending before any hole fits: -ENOSPC. */
	{
		uint64_t addr;

		ASSERT_EQ(vmap_alloc(v, 3 * P, P, S, S + 16 * P, &addr),
			  -ENOSPC);
		/* ... and a window that ends inside a hole. */
		ASSERT_EQ(vmap_alloc(v, 2 * P, P, S + 12 * P, S + 19 * P,
				     &addr), 0);
		ASSERT_EQ(addr, S + 17 * P);
		ASSERT_CHECK_OK(v);
	}
	vmap_destroy(v);
}

/* A failed node allocation (a split) leaves everything as it was. */
static void test_out_of_memory(void)
{
	struct vmap *v;
	struct gt_vmap *a;
	uint64_t addr, leaves = 0, inner = 0, max;
	unsigned n, need;

	malloc_fail_after = 0;  /* the object */
	ASSERT_EQ(vmap_create(&v, "gaptree", S, S + (1ULL << 30), P),
		  -ENOMEM);
	malloc_fail_after = 1;  /* its first leaf */
	ASSERT_EQ(vmap_create(&v, "gaptree", S, S + (1ULL << 30), P),
		  -ENOMEM);
	malloc_fail_after = -1;
	v = make(S, S + (1ULL << 30));
	a = to_gt(v);
	n = fill_pages(v, 2);
	/* Fill until the next allocation splits the last leaf, its parent
	 * and maybe more. */
	for (;;) {
		struct gt_leaf *l = descend(a, v->end - P);

		if (l->n == GT_LEAF_N && a->pn[a->height - 1]->n == GT_FAN)
			break;
		ASSERT_EQ(alloc_any(v, P), S + n * P);
		n++;
		ASSERT(n < 100000);
	}
	need = 1;
	for (unsigned e = a->height; e > 0 && a->pn[e - 1]->n == GT_FAN; e--)
		need++;
	if (need == a->height + 1)
		need++;
	ASSERT_LE(2, need);
	for (long k = 0; k < need; k++) {
		leaves = a->lpool.in_use;
		inner = a->ipool.in_use;
		max = a->max;
		malloc_fail_after = k;
		ASSERT_EQ(vmap_alloc(v, P, P, v->start, v->end, &addr),
			  -ENOMEM);
		malloc_fail_after = -1;
		ASSERT_CHECK_OK(v);
		ASSERT_EQ(a->lpool.in_use, leaves);
		ASSERT_EQ(a->ipool.in_use, inner);
		ASSERT_EQ(a->max, max);
		ASSERT_EQ(v->live, n);
	}
	ASSERT_EQ(alloc_any(v, P), S + n * P);
	n++;
	ASSERT_EQ(a->lpool.in_use, leaves + 1);
	ASSERT_EQ(a->ipool.in_use, inner + need - 1);
	/* Freeing never allocates, whatever it merges. */
	malloc_fail_after = 0;
	for (unsigned k = 0; k < n; k += 3)
		free_ok(v, S + k * P);
	malloc_fail_after = -1;
	ASSERT_EQ(alloc_any(v, P), S);
	vmap_destroy(v);
}

/* check() must notice each kind of damage, and pass again once repaired. */
static void test_check_catches_corruption(void)
{
	struct vmap *v = make(S, S + (1ULL << 30));
	struct gt_vmap *a = to_gt(v);
	struct gt_leaf *l;
	struct gt_inner *root;
	uint64_t save;
	char want[160];

	fill_pages(v, 1);
	root = a->root;
	l = first_leaf(a);

	save = root->max[0];
	root->max[0] = save + P;
	snprintf(want, sizeof(want), "gaptree: leaf at %#llx: largest gap "
		 "%#llx, recorded %#llx", (unsigned long long)S, 0ULL,
		 (unsigned long long)(save + P));
	ASSERT_CHECK_FAILS(v, want);
	root->max[0] = save;
	ASSERT_CHECK_OK(v);

	save = a->max;
	a->max = save - P;
	snprintf(want, sizeof(want), "gaptree: inner node at %#llx: largest "
		 "gap %#llx, recorded %#llx", (unsigned long long)S,
		 (unsigned long long)save, (unsigned long long)(save - P));
	ASSERT_CHECK_FAILS(v, want);
	a->max = save;

	save = l->start[1];
	l->start[1] = l->start[0];
	snprintf(want, sizeof(want), "gaptree: area %#llx below the piece "
		 "before it at %#llx", (unsigned long long)S,
		 (unsigned long long)(S + P));
	ASSERT_CHECK_FAILS(v, want);
	l->start[1] = save;

	save = l->end[0];
	l->end[0] = l->start[0];
	snprintf(want, sizeof(want), "gaptree: area %#llx-%#llx is empty",
		 (unsigned long long)S, (unsigned long long)S);
	ASSERT_CHECK_FAILS(v, want);
	l->end[0] = save + 1;
	snprintf(want, sizeof(want), "gaptree: area %#llx-%#llx not "
		 "page-granular", (unsigned long long)S,
		 (unsigned long long)(save + 1));
	ASSERT_CHECK_FAILS(v, want);
	l->end[0] = save;

	save = root->key[0];
	root->key[0] = save + P;
	snprintf(want, sizeof(want), "gaptree: leaf at %#llx ends at %#llx, "
		 "its key says %#llx", (unsigned long long)S,
		 (unsigned long long)save, (unsigned long long)(save + P));
	ASSERT_CHECK_FAILS(v, want);
	root->key[0] = save;
	ASSERT_CHECK_OK(v);

	v->live++;
	snprintf(want, sizeof(want), "gaptree: %llu entries, %llu live areas "
		 "and the sentinel", (unsigned long long)v->live,
		 (unsigned long long)v->live);
	ASSERT_CHECK_FAILS(v, want);
	v->live--;

	l->n--;
	ASSERT_EQ(check_quietly(v, &(struct reason){ 0 }), -EUCLEAN);
	l->n++;
	ASSERT_CHECK_OK(v);
	vmap_destroy(v);
}

static void track_height(struct vmap *x, unsigned nlive, void *ctx)
{
	unsigned *maxh = ctx;

	(void)nlive;
	if (to_gt(x)->height > *maxh)
		*maxh = to_gt(x)->height;
}

/*
 * Seeded random operations on gaptree and list side by side
 * (whitebox_vs_list()), trees reaching at least @min_height levels.
 */
static void differential(uint64_t seed, uint64_t start, uint64_t pages,
			 unsigned target, unsigned ops, unsigned align_shift,
			 unsigned min_height)
{
	unsigned maxh = 0, nospc;
	struct whitebox_run w = {
		.seed = seed, .start = start, .pages = pages,
		.target = target, .ops = ops, .align_shift = align_shift,
		.max_pages = 256, .sub_page = false,
		.after = track_height, .ctx = &maxh,
	};
	struct vmap_stats st;
	struct vmap *x = whitebox_vs_list(&w, &nospc);

	ASSERT_LE(min_height, maxh);
	vmap_stats(x, &st);
	printf("differential seed %llu: %u ops, %llu live, %u -ENOSPC, "
	       "height up to %u\n", (unsigned long long)seed, ops,
	       (unsigned long long)st.live_areas, nospc, maxh);
	vmap_destroy(x);
}

int main(void)
{
	test_splits();
	test_merge_across_leaves();
	test_underflow();
	test_root_collapse();
	test_meta_bytes();
	test_align_and_windows();
	test_out_of_memory();
	test_check_catches_corruption();
	/* 2^15 pages, the start three pages off any large alignment. */
	differential(42, VMAP_DEFAULT_START + 3 * P, 1ULL << 15, 300, 60000,
		     9, 2);
	/* Ten times the live areas: deeper trees (7 levels with 4-way
	 * nodes), the validator still after every operation. */
	differential(3, S, 1ULL << 19, 3000, 50000, 9, 2);
	/* A small range where many requests find no room. */
	differential(7, S, 4096, 60, 40000, 9, 1);
	printf("vmap gaptree (leaf %d entries, %d children): ok\n", GT_LEAF_N,
	       GT_FAN);
	return 0;
}
