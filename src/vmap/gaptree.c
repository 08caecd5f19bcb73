/* SPDX-License-Identifier: MIT */
/*
 * gaptree: the busy areas in a B+tree keyed by address, the free gaps
 * between them implicit, every child slot of an inner node holding the
 * largest gap in that child.  Exact lowest-fit.
 *
 * Conventions in this file: `a` is the allocator, `l` a leaf, `in` an inner
 * node, `d` a depth (0: the root; a->height: the leaves), `i` a child slot,
 * `j` an entry of a leaf, [lo, hi) the part of the range a node covers.
 *
 * Pieces.  A leaf holds up to GT_LEAF_N busy areas [start[j], end[j]) in
 * address order.  Each area owns the gap just below it: entry j's gap is
 * [end[j - 1], start[j]), and entry 0's is [lo, start[0]), where lo is the
 * leaf's lower bound (below).  The gap above the last area is owned by a
 * sentinel: an empty area [end, end) at the range's end, always the last
 * entry of the last leaf and never freed.  So every byte of the range is
 * either in an area or in exactly one entry's gap, and freeing an area
 * merges its gap, itself and the next entry's gap into that next entry's
 * gap, with no free piece stored anywhere.
 *
 *   range   [start ........................................... end)
 *   leaf    |gap0| A0 |gap1| A1 |gap2| A2 |...|gapk| sentinel []
 *            owned by A0   by A1   by A2        by the sentinel
 *
 * Bounds.  Every node covers [lo, hi): the root [start, end); an inner
 * node's key[i] is the hi of child i, and child i's lo is key[i - 1] (its
 * parent's lo for i = 0).  A leaf's hi is the end of its last area, so the
 * key between two neighbouring leaves is the end of the left one's last
 * area and the lo of the right one -- where the right one's first gap
 * begins.  A leaf's lo is therefore known on the way down and not stored.
 *
 *   inner   n | max[0..F) | key[0..F) | child[0..F)
 *             largest gap  hi of each   F = GT_FAN
 *             in child i   child
 *   leaf    n | start[0..N) | end[0..N)   N = GT_LEAF_N
 *
 * Invariants (checked by gt_check()):
 *   1. areas are page-granular, non-empty (the sentinel aside), ascend and
 *      do not overlap: end[j - 1] <= start[j]; an entry's gap may be empty,
 *      and two gaps are never adjacent (an area lies between any two);
 *   2. every leaf lies at depth a->height; a leaf covers [lo, hi) with
 *      lo <= start[0] and end[n - 1] == hi; an inner node's keys ascend
 *      (not strictly: a leaf holding only the sentinel may cover
 *      [end, end)) and its last key is its own hi;
 *   3. the root covers [start, end), and its last leaf's last entry is the
 *      sentinel [end, end): areas and gaps tile the range exactly;
 *   4. max[i] is the largest gap owned by an entry under child i, and
 *      a->max the largest of all;
 *   5. fill: a non-root leaf holds GT_LEAF_MIN..GT_LEAF_N entries, a
 *      non-root inner node GT_FAN_MIN..GT_FAN children, an inner root at
 *      least 2 (a root with one child is collapsed);
 *   6. entries = live areas + 1 (the sentinel), and the leaves and inner
 *      nodes reached from the root are as many as their pools have in use
 *      (none leaked).
 *
 * Alloc: one descent picks, at each inner node, the leftmost child whose
 * max holds the size and whose [lo, hi) meets the window, then scans that
 * leaf's gaps with vmap_fit().  With align at most a page and the whole
 * range as window the first such child always holds a fit; otherwise the
 * search goes on to the next candidate in address order (an aligned fit
 * or the window can fail in a gap big enough), which keeps it the exact
 * lowest fit.  The new area is inserted before the entry whose gap it
 * splits, so no key changes; a full leaf is split (and then its parent,
 * when full), halved, or by an append (the new entry one of the last two,
 * as while lowest-fit allocation fills the range) into a nearly full left
 * node and a right one at the least fill (split_at()); the maxima on the
 * path are recomputed up to the first that does not change.  The nodes a
 * split cascade needs are all taken before anything changes, so -ENOMEM
 * leaves the tree as it was; a free never allocates.
 *
 *   before   [... end[j-1])      gap j      [start[j] ...
 *   after    [... end[j-1]) gap [at, at+size) gap [start[j] ...
 *                            new entry j    entry j + 1
 *
 * Free: a descent by key to the leaf; the entry is removed and its gap,
 * itself and the next entry's gap become the next entry's gap, whose max
 * only grows.  When the area was its leaf's last, the next entry is the
 * next leaf's first: the key between the leaves drops to the new end of
 * this leaf (set on the path up to the lowest common ancestor), the next
 * leaf's first gap grows (maxima raised down that side's leftmost path,
 * without touching the leaf's entries again), and this leaf's max is
 * recomputed.  A leaf or inner node below its minimum fill borrows from a
 * neighbour or merges with it, and a root left with one child is replaced
 * by that child.
 *
 * Nodes: leaves of GT_LEAF_BYTES and inner nodes of GT_INNER_BYTES (256
 * each by default: 15 areas, 10 children; four cache lines, 64-byte
 * aligned), each kind from a node pool of its own (pool.h).  A descent
 * prefetches every line of the child it goes to, so the node's misses
 * overlap rather than follow the scan; a descent by key prefetches its
 * leaf non-temporally (GT_PREFETCH_ONCE), which keeps the second-level
 * cache for the inner nodes (at 1M live areas the leaves are tens of MB).
 * meta_bytes counts the nodes in use and the allocator object (whose path
 * arrays are some 1.3 KB); the pools' slack is not counted.  At 1k to 1M
 * live areas under the benchmarks' random churn this comes to 27-31 bytes
 * per live area (about 40 when every split halved a node, which left the
 * leaves about half full).
 */
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "vmap_impl.h"

/* Node sizes, multiples of a cache line. */
#ifndef GT_LEAF_BYTES
#define GT_LEAF_BYTES 256
#endif
#ifndef GT_INNER_BYTES
#define GT_INNER_BYTES 256
#endif
/* Entries per leaf and children per inner node that fit in a node. */
#ifndef GT_LEAF_N
#define GT_LEAF_N ((GT_LEAF_BYTES - 8) / 16)
#endif
#ifndef GT_FAN
#define GT_FAN ((GT_INNER_BYTES - 8) / 24)
#endif
/* The least fill of a non-root node: at most (capacity + 1) / 2. */
#ifndef GT_LEAF_MIN
#define GT_LEAF_MIN (GT_LEAF_N / 3 > 1 ? GT_LEAF_N / 3 : 1)
#endif
#ifndef GT_FAN_MIN
#define GT_FAN_MIN (GT_FAN / 3 > 2 ? GT_FAN / 3 : 2)
#endif
/* Deepest tree: GT_FAN_MIN >= 2 children per level below the root. */
#define GT_MAXH 64

#ifndef GT_PREFETCH
#define GT_PREFETCH(p) __builtin_prefetch(p)
#endif
/*
 * A prefetch for a line read once and not again soon: a non-temporal
 * prefetch, which on recent Intel x86 fills the first-level cache and not
 * the second, so a free's leaf does not push inner nodes out of the latter.
 */
#ifndef GT_PREFETCH_ONCE
#define GT_PREFETCH_ONCE(p) __builtin_prefetch(p, 0, 0)
#endif

_Static_assert(GT_LEAF_N >= 2 && GT_FAN >= 3, "gaptree nodes too small");
_Static_assert(GT_LEAF_MIN >= 1 && GT_LEAF_MIN <= (GT_LEAF_N + 1) / 2,
	       "gaptree: bad leaf minimum");
_Static_assert(GT_FAN_MIN >= 2 && GT_FAN_MIN <= (GT_FAN + 1) / 2,
	       "gaptree: bad inner minimum");

struct gt_leaf {
	uint32_t n;
	uint64_t start[GT_LEAF_N];
	uint64_t end[GT_LEAF_N];
};

struct gt_inner {
	uint32_t n;
	uint64_t max[GT_FAN];   /* largest gap under child i */
	uint64_t key[GT_FAN];   /* hi of child i */
	void *child[GT_FAN];
};


struct gt_vmap {
	struct vmap base;
	void *root;
	uint64_t max;          /* largest gap in the tree */
	unsigned height;       /* inner levels; 0: the root is a leaf */
	struct pool lpool;     /* leaves */
	struct pool ipool;     /* inner nodes */
	/*
	 * The path of the last descent: the inner node at depth d, the slot
	 * taken in it and its lo; the leaf's lo in lo[height].
	 */
	struct gt_inner *pn[GT_MAXH];
	unsigned pi[GT_MAXH];
	uint64_t lo[GT_MAXH + 1];
};

#define to_gt(v) ((struct gt_vmap *)(v))

enum { GT_NONE, GT_FOUND, GT_STOP };

/* Ask for every line of the @bytes at @p. */
static inline void prefetch_lines(const void *p, size_t bytes)
{
	for (size_t k = 0; k < bytes; k += 64)
		GT_PREFETCH((const char *)p + k);
}

/*
 * Ask for every line of the node at depth @d below the one a descent
 * stands on: its misses then overlap instead of following the scan.
 */
static inline void prefetch_node(const struct gt_vmap *a, const void *p,
				 unsigned d)
{
	prefetch_lines(p, d == a->height ? sizeof(struct gt_leaf) :
					   sizeof(struct gt_inner));
}

/*
 * The same for a leaf reached by key (a free or a find): a random one of
 * all the leaves, which the next ops are unlikely to touch, unlike the
 * inner nodes above it and the low leaves that allocations go to.
 */
static inline void prefetch_leaf_once(const struct gt_leaf *l)
{
	for (size_t k = 0; k < sizeof(*l); k += 64)
		GT_PREFETCH_ONCE((const char *)l + k);
}

static inline uint64_t max2(uint64_t x, uint64_t y)
{
	return x > y ? x : y;
}

/* The largest gap of leaf @l whose lo is @lo. */
static inline uint64_t leaf_max(const struct gt_leaf *l, uint64_t lo)
{
	uint64_t m;

	if (!l->n)  /* only while a free empties it, before the rebalance */
		return 0;
	m = l->start[0] - lo;
	for (uint32_t j = 1; j < l->n; j++)
		m = max2(m, l->start[j] - l->end[j - 1]);
	return m;
}

static inline uint64_t inner_max(const struct gt_inner *in)
{
	uint64_t m = in->max[0];

	for (uint32_t i = 1; i < in->n; i++)
		m = max2(m, in->max[i]);
	return m;
}

/* The slot holding the max of the node at depth @d on the path. */
static inline uint64_t *max_slot(struct gt_vmap *a, unsigned d)
{
	return d ? &a->pn[d - 1]->max[a->pi[d - 1]] : &a->max;
}

/* The node at depth @d of the path. */
static inline void *path_node(const struct gt_vmap *a, unsigned d)
{
	return d ? a->pn[d - 1]->child[a->pi[d - 1]] : a->root;
}

/*
 * The node at depth @d on the path changed: recompute its max and the
 * maxima above it, up to the first that does not change.
 */
static void fix_max(struct gt_vmap *a, unsigned d)
{
	uint64_t m = d == a->height ? leaf_max(path_node(a, d), a->lo[d]) :
				      inner_max(path_node(a, d));

	for (; d > 0; d--) {
		uint64_t *slot = max_slot(a, d);

		if (*slot == m)
			return;
		*slot = m;
		m = inner_max(a->pn[d - 1]);
	}
	a->max = m;
}

/*
 * The node at depth @d on the path had the largest gap @old and now has
 * @m <= @old: lower the maxima above it, recomputing a parent only when
 * its max was that child's.
 */
static void lower_max(struct gt_vmap *a, unsigned d, uint64_t old,
		      uint64_t m)
{
	for (; d > 0 && m != old; d--) {
		uint64_t pold = *max_slot(a, d - 1);

		*max_slot(a, d) = m;
		if (old < pold)
			return;  /* another child holds the parent's max */
		m = inner_max(a->pn[d - 1]);
		old = pold;
	}
	if (d == 0)
		a->max = m;
}

/* A gap of @g appeared under the node at depth @d: raise the maxima. */
static inline void raise_max(struct gt_vmap *a, unsigned d, uint64_t g)
{
	for (; d > 0; d--) {
		uint64_t *slot = max_slot(a, d);

		if (*slot >= g)
			return;
		*slot = g;
	}
	if (a->max < g)
		a->max = g;
}

static int gt_create(struct vmap **out, uint64_t start, uint64_t end,
		     uint64_t page_size)
{
	struct gt_vmap *a = malloc(sizeof(*a));
	struct gt_leaf *l;

	(void)page_size;
	if (!a)
		return -ENOMEM;
	pool_init(&a->lpool, sizeof(struct gt_leaf), 64);
	pool_init(&a->ipool, sizeof(struct gt_inner), 64);
	l = pool_get(&a->lpool);
	if (!l) {
		pool_destroy(&a->lpool);
		free(a);
		return -ENOMEM;
	}
	/* The sentinel owns the whole range as its gap. */
	l->n = 1;
	l->start[0] = l->end[0] = end;
	a->root = l;
	a->height = 0;
	a->max = end - start;
	*out = &a->base;
	return 0;
}

static void gt_destroy(struct vmap *v)
{
	pool_destroy(&to_gt(v)->lpool);
	pool_destroy(&to_gt(v)->ipool);
	free(v);
}

/* Where the part of the gap [gs, ge) inside [vstart, vend) holds it. */
static inline bool gap_fit(uint64_t gs, uint64_t ge, uint64_t size,
			   uint64_t align, uint64_t vstart, uint64_t vend,
			   uint64_t *addr)
{
	uint64_t lo = max2(gs, vstart), hi = ge < vend ? ge : vend;

	return lo < hi && vmap_fit(lo, hi, size, align, addr);
}

/*
 * The lowest fit under the node at depth @d (lo @lo), in address order:
 * GT_FOUND with the path, *at and the entry *jj whose gap it splits;
 * GT_STOP once past the window's end; GT_NONE when the node holds none.
 */
static int search(struct gt_vmap *a, void *node, unsigned d, uint64_t lo,
		  uint64_t size, uint64_t align, uint64_t vstart,
		  uint64_t vend, uint64_t *at, uint32_t *jj)
{
	a->base.visits++;
	if (d == a->height) {
		const struct gt_leaf *l = node;
		uint64_t gs = lo;

		for (uint32_t j = 0; j < l->n; j++) {
			uint64_t ge = l->start[j];

			if (gs >= vend)
				return GT_STOP;
			if (ge - gs >= size && ge > vstart &&
			    gap_fit(gs, ge, size, align, vstart, vend, at)) {
				*jj = j;
				a->lo[d] = lo;
				return GT_FOUND;
			}
			gs = l->end[j];
		}
		return GT_NONE;
	}
	struct gt_inner *in = node;

	for (uint32_t i = 0; i < in->n; i++) {
		uint64_t clo = i ? in->key[i - 1] : lo;
		int r;

		if (clo >= vend)
			return GT_STOP;
		if (in->max[i] < size || in->key[i] <= vstart)
			continue;
		prefetch_node(a, in->child[i], d + 1);
		r = search(a, in->child[i], d + 1, clo, size, align, vstart,
			   vend, at, jj);
		if (r != GT_NONE) {
			if (r == GT_FOUND) {
				a->pn[d] = in;
				a->pi[d] = i;
				a->lo[d] = lo;
			}
			return r;
		}
	}
	return GT_NONE;
}

/*
 * How many of the @n (capacity + 1) entries of a node being split stay in
 * the left half, when the new one is entry @k and the least fill is @min.
 * Halves, unless the new entry is one of the last two: then an append --
 * what lowest-fit allocation does while it fills the range, each new area
 * going before the sentinel, each new leaf after the last -- so the right
 * half takes only @min, and the left one, which appends will not touch
 * again, stays nearly full instead of half empty.  Either way both halves
 * hold at least @min and at most the capacity (n - 1), since the static
 * assertions above keep @min between 1 and n / 2.
 */
static inline uint32_t split_at(uint32_t n, uint32_t k, uint32_t min)
{
	return k + 2 >= n ? n - min : n / 2;
}

/*
 * Split the full node at depth @d of the path, whose new right half is
 * @right; the parent gets @right after it, taking a node from @spare for
 * each further full ancestor and for a new root.  Returns the depth of the
 * lowest node whose max must be recomputed (everything below is set).
 */
static unsigned split_up(struct gt_vmap *a, unsigned d, void *left,
			 void *right, uint64_t lmax, uint64_t rmax,
			 uint64_t lhi, uint64_t rhi, void **spare)
{
	for (;;) {
		struct gt_inner *p, *q;
		unsigned i, n, h;
		uint64_t max[GT_FAN + 1], key[GT_FAN + 1];
		void *child[GT_FAN + 1];

		if (d == 0) {
			p = *spare++;
			p->n = 2;
			p->max[0] = lmax;
			p->max[1] = rmax;
			p->key[0] = lhi;
			p->key[1] = rhi;
			p->child[0] = left;
			p->child[1] = right;
			a->root = p;
			a->height++;
			a->max = max2(lmax, rmax);
			return GT_MAXH;  /* nothing left to fix */
		}
		p = a->pn[d - 1];
		i = a->pi[d - 1];
		a->base.visits++;
		if (p->n < GT_FAN) {
			memmove(&p->max[i + 2], &p->max[i + 1],
				(p->n - i - 1) * sizeof(p->max[0]));
			memmove(&p->key[i + 2], &p->key[i + 1],
				(p->n - i - 1) * sizeof(p->key[0]));
			memmove(&p->child[i + 2], &p->child[i + 1],
				(p->n - i - 1) * sizeof(p->child[0]));
			p->max[i] = lmax;
			p->key[i] = lhi;
			p->max[i + 1] = rmax;
			p->key[i + 1] = rhi;
			p->child[i + 1] = right;
			p->n++;
			return d - 1;
		}
		/* The parent is full too: lay out its F + 1 children, halve. */
		n = 0;
		for (unsigned k = 0; k < p->n; k++) {
			if (k == i) {
				max[n] = lmax;
				key[n] = lhi;
				child[n++] = left;
				max[n] = rmax;
				key[n] = rhi;
				child[n++] = right;
			} else {
				max[n] = p->max[k];
				key[n] = p->key[k];
				child[n++] = p->child[k];
			}
		}
		q = *spare++;
		h = split_at(n, i + 1, GT_FAN_MIN);
		p->n = h;
		q->n = n - h;
		memcpy(p->max, max, h * sizeof(max[0]));
		memcpy(p->key, key, h * sizeof(key[0]));
		memcpy(p->child, child, h * sizeof(child[0]));
		memcpy(q->max, max + h, (n - h) * sizeof(max[0]));
		memcpy(q->key, key + h, (n - h) * sizeof(key[0]));
		memcpy(q->child, child + h, (n - h) * sizeof(child[0]));
		left = p;
		right = q;
		lmax = inner_max(p);
		rmax = inner_max(q);
		lhi = p->key[h - 1];
		rhi = q->key[n - h - 1];
		d--;
	}
}

/*
 * Insert [at, at + size) as entry @j of the leaf on the path, splitting
 * the leaf and its full ancestors first.  -ENOMEM (nothing changed) when
 * the nodes for the splits cannot be had.
 */
static int leaf_insert(struct gt_vmap *a, struct gt_leaf *l, uint32_t j,
		       uint64_t at, uint64_t size)
{
	unsigned d = a->height, need, fix;
	void *spare[GT_MAXH + 2];

	if (l->n < GT_LEAF_N) {
		/* The gap split was entry j's: the leaf's max only if equal. */
		uint64_t old = *max_slot(a, d);
		uint64_t g = l->start[j] - (j ? l->end[j - 1] : a->lo[d]);

		memmove(&l->start[j + 1], &l->start[j],
			(l->n - j) * sizeof(l->start[0]));
		memmove(&l->end[j + 1], &l->end[j],
			(l->n - j) * sizeof(l->end[0]));
		l->start[j] = at;
		l->end[j] = at + size;
		l->n++;
		if (g == old)
			lower_max(a, d, old, leaf_max(l, a->lo[d]));
		return 0;
	}
	/* Nodes for the leaf, each full ancestor and maybe a new root. */
	need = 1;
	for (unsigned e = d; e > 0 && a->pn[e - 1]->n == GT_FAN; e--)
		need++;
	if (need == d + 1)
		need++;
	for (unsigned k = 0; k < need; k++) {
		spare[k] = pool_get(k ? &a->ipool : &a->lpool);
		if (!spare[k]) {
			while (k--)
				pool_put(k ? &a->ipool : &a->lpool, spare[k]);
			return -ENOMEM;
		}
	}

	uint64_t start[GT_LEAF_N + 1], end[GT_LEAF_N + 1];
	struct gt_leaf *r = spare[0];
	uint32_t n = GT_LEAF_N + 1, h = split_at(n, j, GT_LEAF_MIN);
	uint64_t lo = a->lo[d];

	memcpy(start, l->start, j * sizeof(start[0]));
	memcpy(end, l->end, j * sizeof(end[0]));
	start[j] = at;
	end[j] = at + size;
	memcpy(start + j + 1, l->start + j, (l->n - j) * sizeof(start[0]));
	memcpy(end + j + 1, l->end + j, (l->n - j) * sizeof(end[0]));
	l->n = h;
	r->n = n - h;
	memcpy(l->start, start, h * sizeof(start[0]));
	memcpy(l->end, end, h * sizeof(end[0]));
	memcpy(r->start, start + h, (n - h) * sizeof(start[0]));
	memcpy(r->end, end + h, (n - h) * sizeof(end[0]));
	fix = split_up(a, d, l, r, leaf_max(l, lo),
		       leaf_max(r, l->end[h - 1]), l->end[h - 1],
		       r->end[n - h - 1], spare + 1);
	if (fix != GT_MAXH)
		fix_max(a, fix);
	return 0;
}

static int gt_alloc(struct vmap *v, uint64_t size, uint64_t align,
		    uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct gt_vmap *a = to_gt(v);
	struct gt_leaf *l;
	uint64_t at;
	uint32_t j;
	int err;

	if (a->max < size)
		return -ENOSPC;
	if (align == v->page_size && vstart == v->start && vend == v->end) {
		/*
		 * Every gap of at least size fits at its start: one descent
		 * to the leftmost, reading the keys only for the leaf's lo.
		 */
		const uint64_t *lop = &v->start;
		void *node = a->root;
		uint64_t gs;

		for (unsigned d = 0; d < a->height; d++) {
			struct gt_inner *in = node;
			uint32_t i = 0;

			v->visits++;
			while (in->max[i] < size)
				i++;
			a->pn[d] = in;
			a->pi[d] = i;
			if (i)
				lop = &in->key[i - 1];
			node = in->child[i];
			prefetch_node(a, node, d + 1);
		}
		v->visits++;
		l = node;
		gs = a->lo[a->height] = *lop;
		for (j = 0; l->start[j] - gs < size; j++)
			gs = l->end[j];
		at = gs;
	} else if (search(a, a->root, 0, v->start, size, align, vstart, vend,
			  &at, &j) == GT_FOUND) {
		l = path_node(a, a->height);
	} else {
		return -ENOSPC;
	}
	err = leaf_insert(a, l, j, at, size);
	if (err)
		return err;
	v->live++;
	*addr = at;
	return 0;
}

/*
 * One level of a descent by key: the child of @in (at depth @d, lo *@lo)
 * covering @addr, recorded in the path; *@lo becomes the child's lo.
 */
static inline void *descend_step(struct gt_vmap *a, struct gt_inner *in,
				 unsigned d, uint64_t addr, uint64_t *lo)
{
	uint32_t i = 0;

	a->base.visits++;
	while (in->key[i] <= addr)
		i++;
	a->pn[d] = in;
	a->pi[d] = i;
	a->lo[d] = *lo;
	if (i)
		*lo = in->key[i - 1];
	return in->child[i];
}

/*
 * Descend to the leaf covering @addr (< end), recording the path; the
 * leaf.  The last step is apart so that no level asks which prefetch.
 */
static inline struct gt_leaf *descend(struct gt_vmap *a, uint64_t addr)
{
	void *node = a->root;
	uint64_t lo = a->base.start;

	if (a->height) {
		unsigned d;

		for (d = 0; d + 1 < a->height; d++) {
			node = descend_step(a, node, d, addr, &lo);
			prefetch_lines(node, sizeof(struct gt_inner));
		}
		node = descend_step(a, node, d, addr, &lo);
		prefetch_leaf_once(node);
	}
	a->base.visits++;
	a->lo[a->height] = lo;
	return node;
}

/*
 * The node at depth @d >= 1 of the path is below its minimum fill: borrow
 * from a neighbour or merge with it, then see to the parent.
 */
static void rebalance(struct gt_vmap *a, unsigned d)
{
	struct gt_inner *p = a->pn[d - 1];
	unsigned i = a->pi[d - 1], li = i + 1 < p->n ? i : i - 1;
	uint64_t llo = li ? p->key[li - 1] : a->lo[d - 1];
	void *ln = p->child[li], *rn = p->child[li + 1];

	a->base.visits += 2;
	if (d == a->height) {
		struct gt_leaf *l = ln, *r = rn;
		uint32_t t = l->n + r->n;

		if (t <= GT_LEAF_N) {
			memcpy(&l->start[l->n], r->start,
			       r->n * sizeof(r->start[0]));
			memcpy(&l->end[l->n], r->end, r->n * sizeof(r->end[0]));
			l->n = t;
			goto merged;
		}
		uint32_t h = t / 2;

		if (l->n < h) {  /* move r's first h - l->n to l's end */
			uint32_t k = h - l->n;

			memcpy(&l->start[l->n], r->start, k * sizeof(uint64_t));
			memcpy(&l->end[l->n], r->end, k * sizeof(uint64_t));
			memmove(r->start, r->start + k,
				(r->n - k) * sizeof(uint64_t));
			memmove(r->end, r->end + k, (r->n - k) * sizeof(uint64_t));
		} else {         /* move l's last l->n - h to r's front */
			uint32_t k = l->n - h;

			memmove(r->start + k, r->start, r->n * sizeof(uint64_t));
			memmove(r->end + k, r->end, r->n * sizeof(uint64_t));
			memcpy(r->start, &l->start[h], k * sizeof(uint64_t));
			memcpy(r->end, &l->end[h], k * sizeof(uint64_t));
		}
		l->n = h;
		r->n = t - h;
		p->key[li] = l->end[h - 1];
		p->max[li] = leaf_max(l, llo);
		p->max[li + 1] = leaf_max(r, p->key[li]);
		fix_max(a, d - 1);
		return;
	} else {
		struct gt_inner *l = ln, *r = rn;
		uint32_t t = l->n + r->n;

		if (t <= GT_FAN) {
			memcpy(&l->max[l->n], r->max, r->n * sizeof(r->max[0]));
			memcpy(&l->key[l->n], r->key, r->n * sizeof(r->key[0]));
			memcpy(&l->child[l->n], r->child,
			       r->n * sizeof(r->child[0]));
			l->n = t;
			goto merged;
		}
		uint32_t h = t / 2;

		if (l->n < h) {
			uint32_t k = h - l->n;

			memcpy(&l->max[l->n], r->max, k * sizeof(uint64_t));
			memcpy(&l->key[l->n], r->key, k * sizeof(uint64_t));
			memcpy(&l->child[l->n], r->child, k * sizeof(void *));
			memmove(r->max, r->max + k, (r->n - k) * sizeof(uint64_t));
			memmove(r->key, r->key + k, (r->n - k) * sizeof(uint64_t));
			memmove(r->child, r->child + k,
				(r->n - k) * sizeof(void *));
		} else {
			uint32_t k = l->n - h;

			memmove(r->max + k, r->max, r->n * sizeof(uint64_t));
			memmove(r->key + k, r->key, r->n * sizeof(uint64_t));
			memmove(r->child + k, r->child, r->n * sizeof(void *));
			memcpy(r->max, &l->max[h], k * sizeof(uint64_t));
			memcpy(r->key, &l->key[h], k * sizeof(uint64_t));
			memcpy(r->child, &l->child[h], k * sizeof(void *));
		}
		l->n = h;
		r->n = t - h;
		p->key[li] = l->key[h - 1];
		p->max[li] = inner_max(l);
		p->max[li + 1] = inner_max(r);
		fix_max(a, d - 1);
		return;
	}
merged:
	/* ln now holds rn's entries: rn leaves the parent and the pool. */
	p->key[li] = p->key[li + 1];
	p->max[li] = max2(p->max[li], p->max[li + 1]);
	memmove(&p->max[li + 1], &p->max[li + 2],
		(p->n - li - 2) * sizeof(p->max[0]));
	memmove(&p->key[li + 1], &p->key[li + 2],
		(p->n - li - 2) * sizeof(p->key[0]));
	memmove(&p->child[li + 1], &p->child[li + 2],
		(p->n - li - 2) * sizeof(p->child[0]));
	p->n--;
	pool_put(d == a->height ? &a->lpool : &a->ipool, rn);
	if (d == 1) {
		if (p->n == 1) {  /* the root has one child: it is the root */
			a->root = p->child[0];
			a->height--;
			pool_put(&a->ipool, p);
		}
		return;
	}
	if (p->n < GT_FAN_MIN)
		rebalance(a, d - 1);
}

static int gt_free(struct vmap *v, uint64_t addr)
{
	struct gt_vmap *a = to_gt(v);
	struct gt_leaf *l = descend(a, addr);
	unsigned d = a->height;
	uint64_t gs;
	uint32_t j = 0;

	while (j < l->n && l->start[j] < addr)
		j++;
	if (j == l->n || l->start[j] != addr)
		return -ENOENT;
	gs = j ? l->end[j - 1] : a->lo[d];
	if (j + 1 < l->n) {
		/* The next entry's gap takes this one's and the area. */
		uint64_t g = l->start[j + 1] - gs;

		memmove(&l->start[j], &l->start[j + 1],
			(l->n - j - 1) * sizeof(l->start[0]));
		memmove(&l->end[j], &l->end[j + 1],
			(l->n - j - 1) * sizeof(l->end[0]));
		l->n--;
		raise_max(a, d, g);
	} else {
		/*
		 * The leaf's last area (never the last leaf's, which is the
		 * sentinel): the leaf now ends at gs, and so does the key
		 * to the next leaf, whose first gap grows down to gs.
		 */
		unsigned c = d;
		struct gt_inner *in;
		void *node;
		uint64_t g;

		l->n--;
		do {
			c--;
			a->pn[c]->key[a->pi[c]] = gs;
		} while (a->pi[c] + 1 == a->pn[c]->n);
		/* c: the lowest common ancestor; down the next leaf's side. */
		in = a->pn[c];
		node = in->child[a->pi[c] + 1];
		for (unsigned e = c + 1; e < d; e++) {
			a->base.visits++;
			node = ((struct gt_inner *)node)->child[0];
		}
		a->base.visits++;
		g = ((struct gt_leaf *)node)->start[0] - gs;
		/* Raise the maxima on that side up to the ancestor's slot. */
		in->max[a->pi[c] + 1] = max2(in->max[a->pi[c] + 1], g);
		node = in->child[a->pi[c] + 1];
		for (unsigned e = c + 1; e < d; e++) {
			struct gt_inner *x = node;

			x->max[0] = max2(x->max[0], g);
			node = x->child[0];
		}
		fix_max(a, d);
		raise_max(a, c, g);
	}
	v->live--;
	if (d && l->n < GT_LEAF_MIN)
		rebalance(a, d);
	return 0;
}

static int gt_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	struct gt_leaf *l = descend(to_gt(v), addr);
	uint32_t j = 0;

	while (j < l->n && l->start[j] <= addr)
		j++;
	if (!j || addr >= l->end[j - 1])
		return -ENOENT;
	area->start = l->start[j - 1];
	area->size = l->end[j - 1] - area->start;
	return 0;
}

static uint64_t gt_meta_bytes(const struct vmap *v)
{
	const struct gt_vmap *a = to_gt(v);

	return sizeof(*a) + a->lpool.in_use * a->lpool.slot +
	       a->ipool.in_use * a->ipool.slot;
}

struct gt_walk {
	uint64_t entries, leaves, inner;
	bool last;  /* the node is the last at its depth */
};

/*
 * Check the subtree of @node at depth @d covering [lo, hi), whose max its
 * parent holds as @max (invariants 1-5); counts into @w.
 */
static int check_node(const struct gt_vmap *a, const void *node, unsigned d,
		      uint64_t lo, uint64_t hi, uint64_t max,
		      struct gt_walk *w, struct reason *r)
{
	const struct vmap *v = &a->base;
	uint64_t pmask = v->page_size - 1;
	bool root = d == 0;

	if (d == a->height) {
		w->leaves++;
		const struct gt_leaf *l = node;
		uint64_t prev = lo;

		if (l->n < (root ? 1 : GT_LEAF_MIN) || l->n > GT_LEAF_N)
			return vmap_corrupt(r, "leaf at %#llx holds %u entries",
					    (unsigned long long)lo, l->n);
		for (uint32_t j = 0; j < l->n; j++) {
			uint64_t s = l->start[j], e = l->end[j];
			bool sentinel = w->last && j + 1 == l->n;

			if ((s | e) & pmask)
				return vmap_corrupt(r, "area %#llx-%#llx not "
						    "page-granular",
						    (unsigned long long)s,
						    (unsigned long long)e);
			if (s < prev)
				return vmap_corrupt(r, "area %#llx below the "
						    "piece before it at %#llx",
						    (unsigned long long)s,
						    (unsigned long long)prev);
			if (sentinel ? s != v->end || e != v->end : s >= e)
				return vmap_corrupt(r, "area %#llx-%#llx %s",
						    (unsigned long long)s,
						    (unsigned long long)e,
						    sentinel ? "is not the "
						    "sentinel" : "is empty");
			prev = e;
		}
		if (prev != hi)
			return vmap_corrupt(r, "leaf at %#llx ends at %#llx, "
					    "its key says %#llx",
					    (unsigned long long)lo,
					    (unsigned long long)prev,
					    (unsigned long long)hi);
		if (leaf_max(l, lo) != max)
			return vmap_corrupt(r, "leaf at %#llx: largest gap "
					    "%#llx, recorded %#llx",
					    (unsigned long long)lo,
					    (unsigned long long)
					    leaf_max(l, lo),
					    (unsigned long long)max);
		w->entries += l->n;
		return 0;
	}
	const struct gt_inner *in = node;
	bool last = w->last;

	w->inner++;
	if (in->n < (root ? 2 : GT_FAN_MIN) || in->n > GT_FAN)
		return vmap_corrupt(r, "inner node at %#llx has %u children",
				    (unsigned long long)lo, in->n);
	if (in->key[in->n - 1] != hi)
		return vmap_corrupt(r, "inner node at %#llx ends at %#llx, "
				    "its key says %#llx",
				    (unsigned long long)lo,
				    (unsigned long long)in->key[in->n - 1],
				    (unsigned long long)hi);
	if (inner_max(in) != max)
		return vmap_corrupt(r, "inner node at %#llx: largest gap "
				    "%#llx, recorded %#llx",
				    (unsigned long long)lo,
				    (unsigned long long)inner_max(in),
				    (unsigned long long)max);
	for (uint32_t i = 0; i < in->n; i++) {
		uint64_t clo = i ? in->key[i - 1] : lo;
		int err;

		if (in->key[i] < clo)
			return vmap_corrupt(r, "keys of the node at %#llx "
					    "descend", (unsigned long long)lo);
		w->last = last && i + 1 == in->n;
		err = check_node(a, in->child[i], d + 1, clo, in->key[i],
				 in->max[i], w, r);
		if (err)
			return err;
	}
	return 0;
}

static int gt_check(const struct vmap *v, struct reason *r)
{
	const struct gt_vmap *a = to_gt(v);
	struct gt_walk w = { 0, 0, 0, true };
	int err;

	if (a->height >= GT_MAXH)
		return vmap_corrupt(r, "height %u", a->height);
	err = check_node(a, a->root, 0, v->start, v->end, a->max, &w, r);
	if (err)
		return err;
	if (w.entries != v->live + 1)
		return vmap_corrupt(r, "%llu entries, %llu live areas and the "
				    "sentinel",
				    (unsigned long long)w.entries,
				    (unsigned long long)v->live);
	if (w.leaves != a->lpool.in_use || w.inner != a->ipool.in_use)
		return vmap_corrupt(r, "%llu leaves and %llu inner nodes in "
				    "the tree, %llu and %llu in use",
				    (unsigned long long)w.leaves,
				    (unsigned long long)w.inner,
				    (unsigned long long)a->lpool.in_use,
				    (unsigned long long)a->ipool.in_use);
	return 0;
}

const struct vmap_ops vmap_gaptree_ops = {
	.create = gt_create,
	.destroy = gt_destroy,
	.alloc = gt_alloc,
	.free = gt_free,
	.find = gt_find,
	.meta_bytes = gt_meta_bytes,
	.check = gt_check,
};
