/* SPDX-License-Identifier: MIT */
/*
 * The radix strategy: runs crossing leaf and interior-node boundaries,
 * alignment, windows, exhaustion, the range's edges (up to 2^64), nodes
 * released by frees, find and free of every kind of address; a seeded
 * random run held to "list" address for address with vmap_check() after
 * every operation; and check() shown to catch corruption.
 *
 * The file includes radix.c itself to reach the nodes.  Its definition of
 * vmap_radix_ops is then the one linked (libvmbench's radix.o, a static
 * archive member, is never pulled in), so a build with -DVMAP_RADIX_SHIFT=2
 * tests the small fan-out: leaves of 4 pages, 4 slots, deep trees.
 */
#include "radix.c"

#include <vmbench/rng.h>

#include "test.h"
#include "vmap_check.h"

#define SEED 42
#define PG 4096ULL
#ifndef RADIX_TEST_OPS
#define RADIX_TEST_OPS 200000
#endif

#define L ((uint64_t)LEAF_PAGES)
#define F ((uint64_t)RADIX_SLOTS)

/* Radix and list side by side over the same range. */
struct pair {
	struct vmap *r, *l;
	uint64_t start, end, page;
};

static void pair_init(struct pair *p, uint64_t start, uint64_t end,
		      uint64_t page)
{
	ASSERT_OK(vmap_create(&p->r, "radix", start, end, page));
	ASSERT_OK(vmap_create(&p->l, "list", start, end, page));
	p->start = start;
	p->end = end;
	p->page = page;
}

static void pair_fini(struct pair *p)
{
	vmap_destroy(p->r);
	vmap_destroy(p->l);
}

/* Allocate in both; they must agree.  Returns the error or 0. */
static int pair_alloc_in(struct pair *p, uint64_t size, uint64_t align,
			 uint64_t vs, uint64_t ve, uint64_t *addr)
{
	uint64_t ar = 0, al = 0;
	int er = vmap_alloc(p->r, size, align, vs, ve, &ar);
	int el = vmap_alloc(p->l, size, align, vs, ve, &al);

	ASSERT_EQ(er, el);
	if (!er) {
		ASSERT_EQ(ar, al);
		*addr = ar;
	}
	ASSERT_CHECK_OK(p->r);
	ASSERT_CHECK_OK(p->l);
	return er;
}

/* Allocate pages whole-range, unaligned; must succeed at @expect. */
static uint64_t pair_alloc(struct pair *p, uint64_t pages, uint64_t expect)
{
	uint64_t a = 0;

	ASSERT_OK(pair_alloc_in(p, pages * p->page, p->page, p->start, p->end,
				&a));
	ASSERT_EQ(a, expect);
	return a;
}

static int pair_free(struct pair *p, uint64_t addr)
{
	int er = vmap_free(p->r, addr), el = vmap_free(p->l, addr);

	ASSERT_EQ(er, el);
	ASSERT_CHECK_OK(p->r);
	return er;
}

static int pair_find(struct pair *p, uint64_t addr, struct vmap_area *a)
{
	struct vmap_area al = { 0, 0 };
	int er = vmap_find(p->r, addr, a), el = vmap_find(p->l, addr, &al);

	ASSERT_EQ(er, el);
	if (!er) {
		ASSERT_EQ(a->start, al.start);
		ASSERT_EQ(a->size, al.size);
	}
	return er;
}

static uint64_t meta(struct vmap *v)
{
	struct vmap_stats st;

	vmap_stats(v, &st);
	return st.meta_bytes;
}

/* Metadata less the spare blocks (at most RADIX_CACHE of them). */
static uint64_t tree_meta(struct vmap *v)
{
	struct radix_vmap *r = to_radix(v);

	ASSERT_LE(r->ncache, RADIX_CACHE);
	return meta(v) - (uint64_t)r->ncache * RADIX_MIN_BYTES;
}

static uint64_t live(struct vmap *v)
{
	struct vmap_stats st;

	vmap_stats(v, &st);
	return st.live_areas;
}

/* Holes that cross leaf and interior boundaries, at every level. */
static void test_crossing_runs(void)
{
	struct pair p;
	uint64_t s = VMAP_DEFAULT_START, empty;

	pair_init(&p, s, VMAP_DEFAULT_END, PG);
	empty = tree_meta(p.r);
	/* span = pages under one slot of a level-`lev` node. */
	for (unsigned lev = 1; lev <= to_radix(p.r)->max_height; lev++) {
		uint64_t span = 1ULL << child_shift(lev);
		uint64_t a, b, c, d;

		if (span < 4)
			continue;  /* span - 3 pages must be an area */
		if (span > (1ULL << 24))
			break;  /* keep the test small on deep trees */
		/* [0, span-3) | [span-3, span+3) | one page | free */
		a = pair_alloc(&p, span - 3, s);
		b = pair_alloc(&p, 6, s + (span - 3) * PG);
		c = pair_alloc(&p, 1, s + (span + 3) * PG);
		ASSERT_OK(pair_free(&p, b));
		/* Too big for the hole: goes after c. */
		d = pair_alloc(&p, 7, s + (span + 4) * PG);
		/* Exactly the hole, across the boundary. */
		b = pair_alloc(&p, 6, s + (span - 3) * PG);
		ASSERT_OK(pair_free(&p, a));
		ASSERT_OK(pair_free(&p, b));
		ASSERT_OK(pair_free(&p, c));
		ASSERT_OK(pair_free(&p, d));
		/* A run of two whole slots and more, crossing two
		 * boundaries. */
		a = pair_alloc(&p, 1, s);
		b = pair_alloc(&p, 2 * span + 5, s + PG);
		c = pair_alloc(&p, 1, s + (2 * span + 6) * PG);
		ASSERT_OK(pair_free(&p, b));
		pair_alloc(&p, 2 * span + 6, s + (2 * span + 7) * PG);
		b = pair_alloc(&p, 2 * span + 5, s + PG);
		ASSERT_OK(pair_free(&p, a));
		ASSERT_OK(pair_free(&p, b));
		ASSERT_OK(pair_free(&p, c));
		ASSERT_OK(pair_free(&p, s + (2 * span + 7) * PG));
		ASSERT_EQ(live(p.r), 0);
		ASSERT_EQ(tree_meta(p.r), empty);
	}
	pair_fini(&p);
}

/* Alignment larger than a hole, and a range whose start is not aligned. */
static void test_alignment(void)
{
	struct pair p;
	/* Start 3 pages past a 2^23 boundary: the phase is not 0. */
	uint64_t s = (1ULL << 40) + 3 * PG, a = 0;

	pair_init(&p, s, s + (1ULL << 36), PG);
	pair_alloc(&p, 3, s);
	uint64_t hole = pair_alloc(&p, 20, s + 3 * PG);
	pair_alloc(&p, 1, s + 23 * PG);
	ASSERT_OK(pair_free(&p, hole));   /* hole: pages [3, 23) */
	/* Page i is 16-page aligned when 3 + i is a multiple of 16. */
	ASSERT_OK(pair_alloc_in(&p, 4 * PG, 16 * PG, s, p.end, &a));
	ASSERT_EQ(a, s + 13 * PG);
	ASSERT_OK(pair_free(&p, a));
	/* The hole holds 20 pages, but from its one aligned page only 10:
	 * 17 pages go to page 29, past the area at 23. */
	ASSERT_OK(pair_alloc_in(&p, 17 * PG, 16 * PG, s, p.end, &a));
	ASSERT_EQ(a, s + 29 * PG);
	ASSERT_OK(pair_free(&p, a));
	/* 2^23 and larger alignments: the first aligned address past s. */
	for (unsigned sh = 23; sh <= 35; sh++) {
		uint64_t al = 1ULL << sh, want = ((s + al - 1) / al) * al;

		ASSERT_OK(pair_alloc_in(&p, PG, al, s, p.end, &a));
		ASSERT_EQ(a, want);
		ASSERT_OK(pair_free(&p, a));
	}
	/* An alignment with no aligned address in the range. */
	ASSERT_EQ(pair_alloc_in(&p, PG, 1ULL << 62, s, p.end, &a), -ENOSPC);
	pair_fini(&p);
}

/* Windows: vstart inside a busy area, vend cutting a hole short. */
static void test_windows(void)
{
	struct pair p;
	uint64_t s = VMAP_DEFAULT_START, a = 0;

	pair_init(&p, s, VMAP_DEFAULT_END, PG);
	pair_alloc(&p, 10, s);
	/* A hole of H pages at page 10, crossing leaf boundaries. */
	uint64_t H = 2 * L + 9;
	uint64_t b = pair_alloc(&p, H, s + 10 * PG);
	pair_alloc(&p, 1, s + (10 + H) * PG);
	ASSERT_OK(pair_free(&p, b));
	/* vstart inside the first area: starts at the hole. */
	ASSERT_OK(pair_alloc_in(&p, PG, PG, s + 5 * PG, p.end, &a));
	ASSERT_EQ(a, s + 10 * PG);
	ASSERT_OK(pair_free(&p, a));
	/* vstart inside the hole. */
	ASSERT_OK(pair_alloc_in(&p, 3 * PG, PG, s + (L + 11) * PG, p.end, &a));
	ASSERT_EQ(a, s + (L + 11) * PG);
	ASSERT_OK(pair_free(&p, a));
	/* vend exactly at the hole's end, a fit of exactly the hole. */
	ASSERT_OK(pair_alloc_in(&p, H * PG, PG, s, s + (10 + H) * PG, &a));
	ASSERT_EQ(a, s + 10 * PG);
	ASSERT_OK(pair_free(&p, a));
	/* vend one page short: no room in the window. */
	ASSERT_EQ(pair_alloc_in(&p, H * PG, PG, s, s + (9 + H) * PG, &a),
		  -ENOSPC);
	/* A window far up the range. */
	uint64_t far = s + (1ULL << 40) + 7 * PG;
	ASSERT_OK(pair_alloc_in(&p, 5 * PG, PG, far, far + 5 * PG, &a));
	ASSERT_EQ(a, far);
	ASSERT_EQ(pair_alloc_in(&p, PG, PG, far, far + 5 * PG, &a), -ENOSPC);
	ASSERT_OK(pair_free(&p, far));
	pair_fini(&p);
}

/* Fill a small range page by page, then refill it with one area. */
static void test_exhaustion(void)
{
	struct pair p;
	uint64_t s = 1ULL << 30, n = 3 * L * F + 7, a = 0, empty;

	pair_init(&p, s, s + n * PG, PG);
	empty = tree_meta(p.r);
	for (uint64_t i = 0; i < n; i++)
		pair_alloc(&p, 1, s + i * PG);
	ASSERT_EQ(pair_alloc_in(&p, PG, PG, s, p.end, &a), -ENOSPC);
	ASSERT_EQ(live(p.r), n);
	/* Free every other page: 1-page holes only. */
	for (uint64_t i = 0; i < n; i += 2)
		ASSERT_OK(pair_free(&p, s + i * PG));
	ASSERT_EQ(pair_alloc_in(&p, 2 * PG, PG, s, p.end, &a), -ENOSPC);
	for (uint64_t i = 1; i < n; i += 2)
		ASSERT_OK(pair_free(&p, s + i * PG));
	ASSERT_EQ(tree_meta(p.r), empty);
	pair_alloc(&p, n, s);
	ASSERT_EQ(pair_alloc_in(&p, PG, PG, s, p.end, &a), -ENOSPC);
	ASSERT_OK(pair_free(&p, s));
	ASSERT_EQ(tree_meta(p.r), empty);
	pair_fini(&p);
}

/* The last page, the whole range, and a range ending near 2^64. */
static void test_edges(void)
{
	struct pair p;
	struct vmap_area ar;
	uint64_t a = 0, empty;

	pair_init(&p, VMAP_DEFAULT_START, VMAP_DEFAULT_END, PG);
	empty = tree_meta(p.r);
	ASSERT_OK(pair_alloc_in(&p, PG, PG, p.end - PG, p.end, &a));
	ASSERT_EQ(a, p.end - PG);
	ASSERT_OK(pair_find(&p, p.end - 1, &ar));
	ASSERT_EQ(ar.start, p.end - PG);
	ASSERT_OK(pair_free(&p, a));
	/* The whole range costs a path of nodes, not 2^33 bits. */
	pair_alloc(&p, (p.end - p.start) / PG, p.start);
	ASSERT_LT(meta(p.r), empty + 64 * RADIX_MIN_BYTES);
	ASSERT_OK(vmap_find(p.r, p.end - 1, &ar));
	ASSERT_EQ(ar.start, p.start);
	ASSERT_EQ(ar.size, p.end - p.start);
	ASSERT_OK(vmap_find(p.r, p.start + (1ULL << 44) + 12345, &ar));
	ASSERT_EQ(ar.size, p.end - p.start);
	ASSERT_EQ(pair_alloc_in(&p, PG, PG, p.start, p.end, &a), -ENOSPC);
	ASSERT_OK(pair_free(&p, p.start));
	ASSERT_EQ(tree_meta(p.r), empty);
	pair_fini(&p);

	/* Ends at the last page below 2^64: a huge alignment is -ENOSPC. */
	uint64_t top = 0xfffffffffffff000ULL, low = 0xffff800000000000ULL;

	pair_init(&p, low, top, PG);
	ASSERT_EQ(pair_alloc_in(&p, PG, 1ULL << 63, low, top, &a), -ENOSPC);
	ASSERT_EQ(pair_alloc_in(&p, PG, 1ULL << 46, top - 16 * PG, top, &a),
		  -ENOSPC);
	ASSERT_OK(pair_alloc_in(&p, PG, PG, top - PG, top, &a));
	ASSERT_EQ(a, top - PG);
	ASSERT_OK(pair_find(&p, top - 1, &ar));
	ASSERT_OK(pair_free(&p, a));
	pair_alloc(&p, (top - low) / PG, low);
	ASSERT_OK(pair_free(&p, low));
	pair_fini(&p);

	/* Byte pages over nearly all of 2^64: 2^64 - 1 pages. */
	pair_init(&p, 0, UINT64_MAX, 1);
	ASSERT_OK(pair_alloc_in(&p, 1, 1, UINT64_MAX - 1, UINT64_MAX, &a));
	ASSERT_EQ(a, UINT64_MAX - 1);
	ASSERT_EQ(pair_alloc_in(&p, 2, 1ULL << 63, 1, UINT64_MAX, &a), 0);
	ASSERT_EQ(a, 1ULL << 63);
	ASSERT_OK(pair_free(&p, a));
	ASSERT_OK(pair_free(&p, UINT64_MAX - 1));
	ASSERT_OK(pair_alloc_in(&p, UINT64_MAX, 1, 0, UINT64_MAX, &a));
	ASSERT_EQ(a, 0);
	ASSERT_OK(vmap_find(p.r, UINT64_MAX - 1, &ar));
	ASSERT_EQ(ar.size, UINT64_MAX);
	ASSERT_OK(pair_free(&p, 0));
	pair_fini(&p);
}

/* find and free at area edges, in gaps, and at non-starts. */
static void test_find_free(void)
{
	struct pair p;
	struct vmap_area ar;
	uint64_t s = VMAP_DEFAULT_START;
	/* b spans a level-1 node's worth of pages, and at least 16. */
	uint64_t M = L * F < 16 ? 16 : L * F;

	pair_init(&p, s, VMAP_DEFAULT_END, PG);
	uint64_t a = pair_alloc(&p, 3, s);
	uint64_t b = pair_alloc(&p, M + 2, s + 3 * PG);   /* adjacent */
	uint64_t c = pair_alloc(&p, 5, s + (M + 5) * PG);
	ASSERT_OK(pair_free(&p, c));
	c = pair_alloc(&p, 1, s + (M + 5) * PG);
	uint64_t d = 0;
	ASSERT_OK(pair_alloc_in(&p, 2 * PG, PG, s + 2 * M * PG, p.end,
				&d));
	ASSERT_EQ(d, s + 2 * M * PG);

	/* First and last bytes of each area. */
	uint64_t starts[] = { a, b, c, d };
	uint64_t sizes[] = { 3, M + 2, 1, 2 };
	for (unsigned i = 0; i < 4; i++) {
		uint64_t end = starts[i] + sizes[i] * PG;

		ASSERT_OK(pair_find(&p, starts[i], &ar));
		ASSERT_EQ(ar.start, starts[i]);
		ASSERT_EQ(ar.size, sizes[i] * PG);
		ASSERT_OK(pair_find(&p, end - 1, &ar));
		ASSERT_EQ(ar.start, starts[i]);
		ASSERT_OK(pair_find(&p, starts[i] + (end - starts[i]) / 2,
				    &ar));
		ASSERT_EQ(ar.start, starts[i]);
		/* Not a start: every page inside. */
		for (uint64_t q = starts[i] + PG; q < end;
		     q += (sizes[i] > 16 ? 7 * PG : PG))
			ASSERT_EQ(pair_free(&p, q), -ENOENT);
	}
	/* Gaps: after c, before d, past d, the range's last byte. */
	ASSERT_EQ(pair_find(&p, c + PG, &ar), -ENOENT);
	ASSERT_EQ(pair_find(&p, d - 1, &ar), -ENOENT);
	ASSERT_EQ(pair_find(&p, d + 2 * PG, &ar), -ENOENT);
	ASSERT_EQ(pair_find(&p, p.end - 1, &ar), -ENOENT);
	ASSERT_EQ(pair_free(&p, c + PG), -ENOENT);
	ASSERT_EQ(pair_free(&p, p.end - PG), -ENOENT);
	/* Outside the range and unaligned: vmap.c answers, still -ENOENT. */
	ASSERT_EQ(vmap_free(p.r, s - PG), -ENOENT);
	ASSERT_EQ(vmap_free(p.r, a + 1), -ENOENT);
	/* Free twice. */
	ASSERT_OK(pair_free(&p, b));
	ASSERT_EQ(pair_free(&p, b), -ENOENT);
	ASSERT_EQ(pair_find(&p, b, &ar), -ENOENT);
	ASSERT_OK(pair_find(&p, a + 2 * PG, &ar));
	ASSERT_EQ(ar.size, 3 * PG);
	pair_fini(&p);
}

/* check() must reject each kind of damage, with its reason, silently. */
static void test_check_catches_corruption(void)
{
	struct vmap *v;
	uint64_t a, s = VMAP_DEFAULT_START;

	ASSERT_OK(vmap_create(&v, "radix", s, VMAP_DEFAULT_END, PG));
	ASSERT_OK(vmap_alloc(v, 3 * PG, PG, s, VMAP_DEFAULT_END, &a));
	ASSERT_OK(vmap_alloc(v, 2 * L * F * PG, PG, s, VMAP_DEFAULT_END, &a));
	ASSERT_CHECK_OK(v);

	struct radix_vmap *r = to_radix(v);
	struct radix_node *root = r->root;

	/* Pages [0, 3 + 2LF): level 1 covers LF, so the root is level 2
	 * with slot 0 real, slot 1 full and slot 2 real. */
	ASSERT_EQ(r->height, 2);
	ASSERT_EQ(root->realmap, 5);
	ASSERT_EQ(root->fullmap, 2);
	struct radix_slot *sl = &node_slots(root)[0];
	char msg[192];

	/* A summary one off. */
	sl->longest++;
	ASSERT_CHECK_FAILS(v,
			   "radix: level 2 slot 0 at page 0: summary 0/1/0, "
			   "recomputed 0/0/0");
	sl->longest--;
	sl->trail--;
	ASSERT_CHECK_FAILS(v,
			   "radix: level 2 slot 0 at page 0: summary "
			   "0/0/18446744073709551615, recomputed 0/0/0");
	sl->trail++;
	ASSERT_CHECK_OK(v);

	/* A startmap bit cleared; one set on a slot without an entry. */
	root->startmap ^= 1;
	ASSERT_CHECK_FAILS(v,
			   "radix: level 2 slot 0 at page 0: startmap bit 0, "
			   "subtree has starts");
	root->startmap ^= 1;
	root->startmap ^= 2;
	ASSERT_CHECK_FAILS(v,
			   "radix: level 2 node at page 0: maps 0x5/0x2/0x3 "
			   "inconsistent");
	root->startmap ^= 2;

	/* A slot both full and real; a full slot after a free page. */
	root->fullmap ^= 1;
	ASSERT_CHECK_FAILS(v,
			   "radix: level 2 node at page 0: maps 0x5/0x3/0x1 "
			   "inconsistent");
	root->fullmap ^= 1;
	root->fullmap ^= 8;
	snprintf(msg, sizeof(msg), "radix: full slot at page %#llx after a "
		 "free page", (unsigned long long)(3 * L * F));
	ASSERT_CHECK_FAILS(v, msg);
	root->fullmap ^= 8;
	ASSERT_CHECK_OK(v);

	/* The first leaf: a start bit dropped, a start on a free page. */
	struct radix_leaf *lf = &node_leaves(sl->child)[0];
	uint64_t busy = lf->busy, start = lf->start;
	ASSERT_EQ(start & 3, 1);
	lf->start &= ~1ULL;
	ASSERT_CHECK_FAILS(v,
			   "radix: leaf at page 0: area without a start bit");
	lf->start = start;
	lf->busy &= ~2ULL;
	ASSERT_CHECK_FAILS(v,
			   "radix: leaf at page 0: area without a start bit");
	lf->busy = busy;
	ASSERT_CHECK_OK(v);
	/* The kept longest free run of a leaf. */
	node_longest(sl->child)[0]++;
	ASSERT_CHECK_FAILS(v,
			   "radix: leaf at page 0: longest 1 kept, 0 "
			   "recomputed");
	node_longest(sl->child)[0]--;
	ASSERT_CHECK_OK(v);
	/* An entirely free leaf kept. */
	lf->busy = lf->start = 0;
	snprintf(msg, sizeof(msg), "radix: leaf at page 0: longest 0 kept, "
		 "%llu recomputed", (unsigned long long)L);
	ASSERT_CHECK_FAILS(v, msg);
	lf->busy = busy;
	lf->start = start;
	ASSERT_CHECK_OK(v);

	/* The live count, the node count, the byte count, the capacity. */
	v->live++;
	ASSERT_CHECK_FAILS(v, "radix: 2 area starts, 3 live");
	v->live--;
	r->nodes++;
	snprintf(msg, sizeof(msg), "radix: 3 nodes and %llu bytes reachable, "
		 "4 and %llu counted", (unsigned long long)r->bytes,
		 (unsigned long long)r->bytes);
	ASSERT_CHECK_FAILS(v, msg);
	r->nodes--;
	r->bytes += 8;
	snprintf(msg, sizeof(msg), "radix: 3 nodes and %llu bytes reachable, "
		 "3 and %llu counted", (unsigned long long)r->bytes - 8,
		 (unsigned long long)r->bytes);
	ASSERT_CHECK_FAILS(v, msg);
	r->bytes -= 8;
	unsigned cap = root->cap;
	root->cap = 1;
	ASSERT_CHECK_FAILS(v,
			   "radix: level 2 node at page 0: 2 entries, "
			   "capacity 1");
	root->cap = cap;
	ASSERT_CHECK_OK(v);

	/* A root whose only used slot is slot 0: free the far area. */
	ASSERT_OK(vmap_free(v, a));
	ASSERT_EQ(r->height, 1);
	ASSERT_CHECK_OK(v);
	vmap_destroy(v);
}

/*
 * Random allocs (1..1024 pages, alignment up to 2^23 bytes, 1 in 4 in a
 * window), frees, bad frees and finds, radix against list after every op.
 */
static void random_run(uint64_t seed, uint64_t start, uint64_t end,
		       uint64_t ops, unsigned target)
{
	struct pair p;
	struct rng rng;
	uint64_t *addrs = calloc(4 * target + 16, sizeof(*addrs)), n = 0;
	uint64_t *ends = calloc(4 * target + 16, sizeof(*ends));
	uint64_t empty, a = 0, used_top = start;
	struct vmap_area ar;

	ASSERT(addrs && ends);
	rng_seed(&rng, seed);
	pair_init(&p, start, end, PG);
	empty = tree_meta(p.r);
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t roll = rng_below(&rng, 100);
		bool want_alloc = n < target ? roll < 65 : roll < 35;

		/* The end of the highest live area: windows and finds aim
		 * near the live areas, which stay a few hundred. */
		used_top = start;
		for (uint64_t i = 0; i < n; i++)
			if (ends[i] > used_top)
				used_top = ends[i];
		if (roll >= 95) {
			uint64_t span = used_top - start + 64 * PG;
			uint64_t q = start + rng_below(&rng, span);

			if (q >= end)
				q = end - 1;
			pair_find(&p, q, &ar);
			/* Mostly not a start: both must say -ENOENT; if it
			 * is one, the area goes. */
			q &= ~(PG - 1);
			if (pair_free(&p, q) == 0) {
				uint64_t i = 0;

				while (addrs[i] != q)
					i++;
				n--;
				addrs[i] = addrs[n];
				ends[i] = ends[n];
			}
			ASSERT_EQ(live(p.r), n);
			continue;
		}
		if (want_alloc && n < 4 * target + 16) {
			uint64_t size = (1 + rng_below(&rng, 1024)) * PG;
			uint64_t align = PG << rng_below(&rng, 12);
			uint64_t vs = start, ve = end;

			if (rng_below(&rng, 4) == 0) {
				uint64_t span = (used_top - start) / PG + 4096;

				vs = start + rng_below(&rng, span) * PG;
				ve = vs + (1 + rng_below(&rng, 8192)) * PG;
				if (ve > end || ve < vs)
					ve = end;
				if (vs >= end)
					vs = end - PG;
			}
			if (!pair_alloc_in(&p, size, align, vs, ve, &a)) {
				addrs[n] = a;
				ends[n++] = a + size;
			}
		} else if (n) {
			uint64_t i = rng_below(&rng, n);

			ASSERT_OK(pair_free(&p, addrs[i]));
			n--;
			addrs[i] = addrs[n];
			ends[i] = ends[n];
		}
		ASSERT_EQ(live(p.r), n);
	}
	while (n)
		ASSERT_OK(pair_free(&p, addrs[--n]));
	ASSERT_EQ(tree_meta(p.r), empty);
	pair_fini(&p);
	free(addrs);
	free(ends);
}

/* Metadata per live area at about 1000 random live areas. */
static void report_meta(void)
{
	struct vmap *v;
	struct rng rng;
	uint64_t addrs[1200], n = 0, a, s = VMAP_DEFAULT_START;

	rng_seed(&rng, SEED + 7);
	ASSERT_OK(vmap_create(&v, "radix", s, VMAP_DEFAULT_END, PG));
	for (unsigned op = 0; op < 20000; op++) {
		bool grow = n < 1000 ? rng_below(&rng, 100) < 70 :
				       rng_below(&rng, 100) < 30;

		if (grow && n < 1200) {
			uint64_t size = (1 + rng_below(&rng, 1024)) * PG;
			uint64_t align = PG << rng_below(&rng, 12);

			ASSERT_OK(vmap_alloc(v, size, align, s,
					     VMAP_DEFAULT_END, &a));
			addrs[n++] = a;
		} else if (n) {
			uint64_t i = rng_below(&rng, n);

			ASSERT_OK(vmap_free(v, addrs[i]));
			addrs[i] = addrs[--n];
		}
	}
	ASSERT_CHECK_OK(v);
	printf("radix (shift %d): %llu live areas, %llu meta bytes, "
	       "%.1f bytes per area (%llu nodes at height %u, %u spare "
	       "blocks of %zu B)\n", VMAP_RADIX_SHIFT,
	       (unsigned long long)live(v), (unsigned long long)meta(v),
	       (double)meta(v) / (double)live(v),
	       (unsigned long long)to_radix(v)->nodes, to_radix(v)->height,
	       to_radix(v)->ncache, RADIX_MIN_BYTES);
	vmap_destroy(v);
}

int main(void)
{
	test_crossing_runs();
	test_alignment();
	test_windows();
	test_exhaustion();
	test_edges();
	test_find_free();
	test_check_catches_corruption();
	/* The default range, then an odd start (alignment phase not 0) and
	 * a range so small that allocations fail and windows clip. */
	random_run(SEED, VMAP_DEFAULT_START, VMAP_DEFAULT_END,
		   RADIX_TEST_OPS, 300);
	random_run(SEED + 1, (1ULL << 33) + 5 * PG,
		   (1ULL << 33) + 5 * PG + (1ULL << 32), RADIX_TEST_OPS / 4,
		   300);
	random_run(SEED + 2, 77 * PG, 77 * PG + 40000 * PG,
		   RADIX_TEST_OPS / 4, 200);
	report_meta();
	return 0;
}
