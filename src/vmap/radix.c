/* SPDX-License-Identifier: MIT */
/*
 * radix: a sparse radix tree over the range's page numbers, each interior
 * slot summarising the free runs of the subtree below it, so lowest-fit
 * skips any subtree whose runs are too short (the idea of FreeBSD's blist,
 * with per-page area-start bits added so that free and find need no other
 * index).
 *
 * Pages are numbered 0 .. pages-1 from the start of the range.  A leaf
 * covers LEAF_PAGES = 2^VMAP_RADIX_LEAF_SHIFT pages; an interior node of
 * level l >= 1 has SLOTS = 2^VMAP_RADIX_SHIFT slots, each covering
 * 2^(LEAF_SHIFT + (l - 1) * SHIFT) pages.  The root is always an interior
 * node, of the lowest level whose coverage holds every page; pages past the
 * range's end are free and never allocated.
 *
 *   interior node (SHIFT 6: 8 + 64 * 32 = 2056 bytes)
 *   +-----------+------------------------------------------------------+
 *   | startmap  | bit i set: a start bit lies somewhere below slot i   |
 *   +-----------+----------+--------+----------+---------+------------+
 *   | slot[0]   | child    | lead   | longest  | trail   |            |
 *   | ...       | ptr      | pages  | pages    | pages   |            |
 *   | slot[63]  |          |        |          |         |            |
 *   +-----------+----------+--------+----------+---------+------------+
 *
 *   child == NULL       subtree entirely free     lead=longest=trail=span
 *   child == RADIX_FULL subtree entirely busy and 0, 0, 0
 *                       holds no area start (the middle of a big area)
 *   otherwise           a node (or a leaf at level 1) holding both kinds
 *
 *   lead     free pages from the subtree's first page upward
 *   longest  longest run of free pages inside the subtree
 *   trail    free pages from the subtree's last page downward
 *
 *   leaf (16 bytes)
 *   +-----------------+  bit b: page (leaf base + b) is busy
 *   | busy  uint64_t  |
 *   | start uint64_t  |  bit b: page (leaf base + b) is the first of an area
 *   +-----------------+  (start is a subset of busy)
 *
 * With SHIFT < 6 a leaf also narrows to 2^SHIFT pages (VMAP_RADIX_LEAF_SHIFT
 * defaults to VMAP_RADIX_SHIFT) and uses only the low bits of both words,
 * so a small range already makes a deep tree.
 *
 * Invariants (check() verifies each):
 *   - every slot's summary equals its recomputation from the child;
 *   - startmap bit i is set iff the subtree below slot i holds a start bit;
 *   - no real node is entirely free or entirely busy without a start:
 *     those are NULL and RADIX_FULL, so memory follows the busy areas'
 *     edges, not their sizes (an area of the whole range costs a path);
 *   - a busy page whose predecessor is free (or which is page 0) is a start,
 *     so an area is its start page plus the busy non-start pages after it;
 *   - no page at or past the range's end is busy;
 *   - the start bits number base.live.
 *
 * Conventions in this file: p, q, lo, hi, cs (child start) are page
 * numbers; "level" is a node's height (leaves 0); S is the span in pages of
 * one child of the node at hand.  Page numbers never wrap: a child's span
 * is at most 2^63 and spans are aligned, so cs + S - 1 always fits.
 */
#include <stdlib.h>

#include "vmap_impl.h"

#ifndef VMAP_RADIX_SHIFT
#define VMAP_RADIX_SHIFT 6
#endif
#ifndef VMAP_RADIX_LEAF_SHIFT
#define VMAP_RADIX_LEAF_SHIFT VMAP_RADIX_SHIFT
#endif
#if VMAP_RADIX_SHIFT < 1 || VMAP_RADIX_SHIFT > 6
#error "VMAP_RADIX_SHIFT must be 1..6 (startmap is one uint64_t)"
#endif
#if VMAP_RADIX_LEAF_SHIFT < 1 || VMAP_RADIX_LEAF_SHIFT > 6
#error "VMAP_RADIX_LEAF_SHIFT must be 1..6 (a leaf is one uint64_t)"
#endif

#define RADIX_SLOTS (1u << VMAP_RADIX_SHIFT)
#define LEAF_PAGES (1u << VMAP_RADIX_LEAF_SHIFT)
#define LEAF_MASK (~0ULL >> (64 - LEAF_PAGES))
/* Levels above the leaves are at most ceil((64 - LEAF_SHIFT) / SHIFT). */
#define RADIX_MAX_HEIGHT (64 / VMAP_RADIX_SHIFT + 1)

struct radix_leaf {
	uint64_t busy;
	uint64_t start;
};

struct radix_slot {
	void *child;
	uint64_t lead, longest, trail;
};

struct radix_node {
	uint64_t startmap;
	struct radix_slot slot[RADIX_SLOTS];
};

static char radix_full_sentinel;
#define RADIX_FULL ((void *)&radix_full_sentinel)

struct radix_vmap {
	struct vmap base;
	struct radix_node *root;
	unsigned height;        /* the root's level, >= 1 */
	uint64_t pages;         /* pages in the range */
	uint64_t first_page;    /* start >> page_shift: the alignment phase */
	uint64_t nodes;         /* interior nodes, root included */
	uint64_t leaves;
};

#define to_radix(v) ((struct radix_vmap *)(v))

/* The summary of a whole subtree. */
struct radix_sum {
	uint64_t lead, longest, trail;
	bool starts;
};

/* log2 of the span of one child of a node at @level (>= 1). */
static inline unsigned child_shift(unsigned level)
{
	return VMAP_RADIX_LEAF_SHIFT + (level - 1) * VMAP_RADIX_SHIFT;
}

static inline unsigned msb64(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

static inline unsigned ctz64(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

/* Bits [b, 64) set; b < 64. */
static inline uint64_t bits_from(unsigned b)
{
	return ~0ULL << b;
}

/* Bits [0, b] set; b < 64. */
static inline uint64_t bits_upto(unsigned b)
{
	return ~0ULL >> (63 - b);
}

/* Longest run of set bits in @x. */
static uint64_t longest_ones(uint64_t x)
{
	uint64_t best = 0;

	while (x) {
		unsigned len;

		x >>= ctz64(x);
		len = ~x ? ctz64(~x) : 64;
		if (len > best)
			best = len;
		if (len == 64)
			break;
		x >>= len;
	}
	return best;
}

static struct radix_sum leaf_sum(const struct radix_leaf *l)
{
	struct radix_sum s;

	if (!l->busy) {
		s.lead = s.longest = s.trail = LEAF_PAGES;
	} else {
		s.lead = ctz64(l->busy);
		s.trail = LEAF_PAGES - 1 - msb64(l->busy);
		s.longest = longest_ones(~l->busy & LEAF_MASK);
	}
	s.starts = l->start != 0;
	return s;
}

/* The summary of a non-root node from its slots; S = its child span. */
static struct radix_sum node_sum(const struct radix_node *n, uint64_t S)
{
	struct radix_sum s = { 0, 0, 0, n->startmap != 0 };
	uint64_t run = 0;
	unsigned i;

	for (i = 0; i < RADIX_SLOTS; i++) {
		s.lead += n->slot[i].lead;
		if (n->slot[i].lead != S)
			break;
	}
	for (i = RADIX_SLOTS; i-- > 0;) {
		s.trail += n->slot[i].trail;
		if (n->slot[i].trail != S)
			break;
	}
	for (i = 0; i < RADIX_SLOTS; i++) {
		const struct radix_slot *sl = &n->slot[i];

		if (sl->lead == S) {
			run += S;
			continue;
		}
		run += sl->lead;
		if (run > s.longest)
			s.longest = run;
		if (sl->longest > s.longest)
			s.longest = sl->longest;
		run = sl->trail;
	}
	if (run > s.longest)
		s.longest = run;
	return s;
}

static void node_init(struct radix_node *n, unsigned level)
{
	uint64_t S = 1ULL << child_shift(level);

	n->startmap = 0;
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		n->slot[i].child = NULL;
		n->slot[i].lead = n->slot[i].longest = n->slot[i].trail = S;
	}
}

/* Free the real nodes below (and including) @p, a child at @level. */
static void release(struct radix_vmap *r, void *p, unsigned level)
{
	if (!p || p == RADIX_FULL)
		return;
	if (level == 0) {
		r->leaves--;
		free(p);
		return;
	}
	struct radix_node *n = p;

	for (unsigned i = 0; i < RADIX_SLOTS; i++)
		release(r, n->slot[i].child, level - 1);
	r->nodes--;
	free(n);
}

static void slot_set(struct radix_node *n, unsigned i, void *child,
		     uint64_t lead, uint64_t longest, uint64_t trail,
		     bool starts)
{
	n->slot[i].child = child;
	n->slot[i].lead = lead;
	n->slot[i].longest = longest;
	n->slot[i].trail = trail;
	if (starts)
		n->startmap |= 1ULL << i;
	else
		n->startmap &= ~(1ULL << i);
}

/*
 * Recompute slot @i of @n (a node at @level) from its real child, and
 * replace the child by NULL or RADIX_FULL where it became uniform.
 */
static void slot_update(struct radix_vmap *r, struct radix_node *n,
			unsigned i, unsigned level)
{
	void *child = n->slot[i].child;
	uint64_t S = 1ULL << child_shift(level);
	struct radix_sum s;

	s = level == 1 ? leaf_sum(child) :
			 node_sum(child, S >> VMAP_RADIX_SHIFT);
	if (s.longest == S) {
		release(r, child, level - 1);
		child = NULL;
	} else if (!s.longest && !s.starts) {
		release(r, child, level - 1);
		child = RADIX_FULL;
	}
	slot_set(n, i, child, s.lead, s.longest, s.trail, s.starts);
}

/*
 * ---- Lowest-fit search ----
 *
 * The scan walks pages upward from lo keeping "run", the first page of the
 * free run that ends at the scan's position (run == position: none).  Each
 * time the run grows, fit() tries the lowest aligned start in it, so the
 * first success is the lowest fit.  A real child is entered only when it
 * may hold a fit strictly inside it: longest >= n and an aligned page at
 * most S - n pages into it.  Otherwise no fit starts and ends inside it, so
 * only its lead (extending the run) and its trail (starting the next run,
 * checked at once in case the next child is full) matter.  A fit may start
 * in the run before a child and end in the child's lead; with the window,
 * run never starts below lo, which makes the same rules hold for the child
 * holding lo.
 */
struct radix_req {
	struct radix_vmap *r;
	uint64_t n;           /* pages wanted */
	uint64_t kmask;       /* alignment in pages, minus one */
	uint64_t phase;       /* aligned pages are those = phase mod k */
	uint64_t lo, hi;      /* the window, in pages */
	uint64_t run;
	uint64_t found;
};

/* Does an aligned run of n pages fit in [q->run, end)? */
static bool fit(struct radix_req *q, uint64_t end)
{
	uint64_t delta, a;

	if (end <= q->run)
		return false;
	delta = (q->phase - q->run) & q->kmask;
	if (delta >= end - q->run)
		return false;
	a = q->run + delta;
	if (end - a < q->n)
		return false;
	q->found = a;
	return true;
}

static bool scan_leaf(struct radix_req *q, const struct radix_leaf *l,
		      uint64_t base)
{
	unsigned b = q->lo > base ? (unsigned)(q->lo - base) : 0;
	unsigned end = q->hi - base < LEAF_PAGES ? (unsigned)(q->hi - base) :
						   LEAF_PAGES;

	q->r->base.visits++;
	while (b < end) {
		uint64_t above = l->busy >> b;
		unsigned len;

		if (above & 1) {
			len = ~above ? ctz64(~above) : 64;
			b = b + len < end ? b + len : end;
			q->run = base + b;
		} else {
			len = above ? ctz64(above) : 64 - b;
			b = b + len < end ? b + len : end;
			if (fit(q, base + b))
				return true;
		}
	}
	return false;
}

static bool scan_node(struct radix_req *q, const struct radix_node *n,
		      unsigned level, uint64_t base)
{
	unsigned cshift = child_shift(level);
	uint64_t S = 1ULL << cshift;
	uint64_t first = q->lo > base ? (q->lo - base) >> cshift : 0;
	uint64_t last = (q->hi - 1 - base) >> cshift;

	q->r->base.visits++;
	if (last >= RADIX_SLOTS)
		last = RADIX_SLOTS - 1;
	for (uint64_t i = first; i <= last; i++) {
		const struct radix_slot *sl = &n->slot[i];
		uint64_t cs = base + (i << cshift);
		uint64_t ce = q->hi - cs > S ? cs + S : q->hi;
		bool found;

		if (!sl->child) {
			if (fit(q, ce))
				return true;
			continue;
		}
		if (sl->child == RADIX_FULL) {
			q->run = ce;
			continue;
		}
		if (sl->longest >= q->n &&
		    ((q->phase - cs) & q->kmask) <= S - q->n) {
			if (level == 1)
				found = scan_leaf(q, sl->child, cs);
			else
				found = scan_node(q, sl->child, level - 1, cs);
			if (found)
				return true;
			continue;
		}
		/* Skipped: q->run >= cs (>= lo) stays valid against the
		 * lead, and a trail reaching below lo starts at lo. */
		if (fit(q, sl->lead < ce - cs ? cs + sl->lead : ce))
			return true;
		if (!sl->trail) {
			q->run = ce;
			continue;
		}
		q->run = cs + (S - sl->trail);
		if (q->run < q->lo)
			q->run = q->lo;
		if (fit(q, ce))
			return true;
	}
	return false;
}

/*
 * ---- Marking ----
 *
 * Marking [lo, hi) busy may turn a NULL child into a node on the paths of
 * lo and hi - 1 only (a child wholly inside the range and without the start
 * page becomes RADIX_FULL).  count_new() counts those nodes first so that
 * alloc can get them all before changing anything: marking cannot fail.
 */
struct radix_pool {
	struct radix_node *node[2 * RADIX_MAX_HEIGHT];
	struct radix_leaf *leaf[2 * RADIX_MAX_HEIGHT];
	unsigned nnode, nleaf;
};

/* Slots [*first, *last] of a node at @base/@level meet [lo, hi). */
static void slot_range(uint64_t base, unsigned level, uint64_t lo,
		       uint64_t hi, unsigned *first, unsigned *last)
{
	unsigned cshift = child_shift(level);
	uint64_t l = (hi - 1 - base) >> cshift;

	*first = lo > base ? (unsigned)((lo - base) >> cshift) : 0;
	*last = l >= RADIX_SLOTS ? RADIX_SLOTS - 1 : (unsigned)l;
}

/* @n may be NULL: a subtree not yet made, entirely free. */
static void count_new(const struct radix_node *n, unsigned level,
		      uint64_t base, uint64_t lo, uint64_t hi, uint64_t sp,
		      struct radix_pool *want)
{
	unsigned cshift = child_shift(level), first, last;
	uint64_t S = 1ULL << cshift;

	slot_range(base, level, lo, hi, &first, &last);
	for (unsigned i = first; i <= last; i++) {
		uint64_t cs = base + ((uint64_t)i << cshift);
		bool whole = lo <= cs && hi - cs >= S;
		bool has_start = sp >= cs && sp - cs < S;
		void *child = n ? n->slot[i].child : NULL;

		if (whole && !has_start)
			continue;
		if (!child) {
			if (level == 1)
				want->nleaf++;
			else
				want->nnode++;
		}
		if (level > 1 && child != RADIX_FULL)
			count_new(child, level - 1, cs, lo, hi, sp, want);
	}
}

/* Mark [lo, hi) busy with page @sp as the area's start. */
static void mark_busy(struct radix_vmap *r, struct radix_node *n,
		      unsigned level, uint64_t base, uint64_t lo, uint64_t hi,
		      uint64_t sp, struct radix_pool *pool)
{
	unsigned cshift = child_shift(level), first, last;
	uint64_t S = 1ULL << cshift;

	r->base.visits++;
	slot_range(base, level, lo, hi, &first, &last);
	for (unsigned i = first; i <= last; i++) {
		uint64_t cs = base + ((uint64_t)i << cshift);
		bool whole = lo <= cs && hi - cs >= S;
		bool has_start = sp >= cs && sp - cs < S;
		void *child = n->slot[i].child;

		if (whole && !has_start) {
			/* The range was free: nothing to release. */
			slot_set(n, i, RADIX_FULL, 0, 0, 0, false);
			continue;
		}
		if (!child) {
			if (level == 1) {
				struct radix_leaf *l = pool->leaf[--pool->nleaf];

				l->busy = l->start = 0;
				child = l;
				r->leaves++;
			} else {
				struct radix_node *c = pool->node[--pool->nnode];

				node_init(c, level - 1);
				child = c;
				r->nodes++;
			}
			n->slot[i].child = child;
		}
		if (level == 1) {
			struct radix_leaf *l = child;
			unsigned b0 = lo > cs ? (unsigned)(lo - cs) : 0;
			unsigned b1 = hi - cs < S ? (unsigned)(hi - cs) : (unsigned)S;

			r->base.visits++;
			l->busy |= bits_from(b0) & (~0ULL >> (64 - b1));
			if (has_start)
				l->start |= 1ULL << (sp - cs);
		} else {
			mark_busy(r, child, level - 1, cs, lo, hi, sp, pool);
		}
		slot_update(r, n, i, level);
	}
}

/*
 * Mark [lo, hi) free: one whole area.  Every child it meets only in part
 * is a real node: the one holding lo holds the start bit, and the one
 * holding hi holds the start bit of the next area if page hi is busy.
 */
static void mark_free(struct radix_vmap *r, struct radix_node *n,
		      unsigned level, uint64_t base, uint64_t lo, uint64_t hi)
{
	unsigned cshift = child_shift(level), first, last;
	uint64_t S = 1ULL << cshift;

	r->base.visits++;
	slot_range(base, level, lo, hi, &first, &last);
	for (unsigned i = first; i <= last; i++) {
		uint64_t cs = base + ((uint64_t)i << cshift);
		bool whole = lo <= cs && hi - cs >= S;
		void *child = n->slot[i].child;

		if (whole) {
			release(r, child, level - 1);
			slot_set(n, i, NULL, S, S, S, false);
			continue;
		}
		if (!child || child == RADIX_FULL)
			continue;  /* impossible by the invariants */
		if (level == 1) {
			struct radix_leaf *l = child;
			unsigned b0 = lo > cs ? (unsigned)(lo - cs) : 0;
			unsigned b1 = hi - cs < S ? (unsigned)(hi - cs) : (unsigned)S;
			uint64_t m = bits_from(b0) & (~0ULL >> (64 - b1));

			r->base.visits++;
			l->busy &= ~m;
			l->start &= ~m;
		} else {
			mark_free(r, child, level - 1, cs, lo, hi);
		}
		slot_update(r, n, i, level);
	}
}

/*
 * ---- Lookup ----
 *
 * walk() descends to page p and records the path; it stops at a leaf, or
 * at a NULL or RADIX_FULL slot.  From that path, next_stop() finds the end
 * of the area holding busy page p (the first later page that is free or a
 * start) and prev_start() its start (the last start bit at or before p).
 */
struct radix_path {
	unsigned depth;
	struct {
		const struct radix_node *node;
		uint64_t base;
		unsigned slot;
	} step[RADIX_MAX_HEIGHT];
	const void *stop;         /* NULL, RADIX_FULL or the leaf */
	uint64_t leaf_base;
};

static void walk(struct radix_vmap *r, uint64_t p, struct radix_path *path)
{
	const struct radix_node *n = r->root;
	uint64_t base = 0;

	path->depth = 0;
	for (unsigned level = r->height;; level--) {
		unsigned cshift = child_shift(level);
		unsigned i = (unsigned)((p - base) >> cshift);
		const void *child = n->slot[i].child;

		r->base.visits++;
		path->step[path->depth].node = n;
		path->step[path->depth].base = base;
		path->step[path->depth].slot = i;
		path->depth++;
		base += (uint64_t)i << cshift;
		if (!child || child == RADIX_FULL || level == 1) {
			path->stop = child;
			path->leaf_base = base;
			if (child && child != RADIX_FULL)
				r->base.visits++;
			return;
		}
		n = child;
	}
}

static bool path_busy(const struct radix_path *path, uint64_t p)
{
	const struct radix_leaf *l = path->stop;

	if (!l)
		return false;
	if (l == RADIX_FULL)
		return true;
	return l->busy >> (p - path->leaf_base) & 1;
}

/* The first page in real child @c (at @level, from @base) free or a start. */
static uint64_t first_stop(struct radix_vmap *r, const void *c,
			   unsigned level, uint64_t base)
{
	for (;; level--) {
		r->base.visits++;
		if (level == 0) {
			const struct radix_leaf *l = c;
			uint64_t m = (~l->busy | l->start) & LEAF_MASK;

			return base + (m ? ctz64(m) : LEAF_PAGES);
		}
		const struct radix_node *n = c;
		unsigned cshift = child_shift(level), i;

		for (i = 0; i < RADIX_SLOTS; i++)
			if (n->slot[i].child != RADIX_FULL)
				break;
		if (i == RADIX_SLOTS)  /* impossible by the invariants */
			return base + ((uint64_t)RADIX_SLOTS << cshift);
		base += (uint64_t)i << cshift;
		c = n->slot[i].child;
		if (!c)
			return base;
	}
}

static uint64_t next_stop(struct radix_vmap *r, const struct radix_path *path,
			  uint64_t p)
{
	if (path->stop && path->stop != RADIX_FULL) {
		const struct radix_leaf *l = path->stop;
		unsigned b = (unsigned)(p - path->leaf_base);
		uint64_t m = b == 63 ? 0 : (~l->busy | l->start) & LEAF_MASK &
					   bits_from(b + 1);

		if (m)
			return path->leaf_base + ctz64(m);
	}
	for (unsigned d = path->depth; d-- > 0;) {
		const struct radix_node *n = path->step[d].node;
		unsigned level = r->height - d, cshift = child_shift(level);
		uint64_t base = path->step[d].base;

		for (unsigned j = path->step[d].slot + 1; j < RADIX_SLOTS; j++) {
			uint64_t cs;
			const void *c = n->slot[j].child;

			/* At the root, slots past the range's end do not
			 * exist as pages (and their start may not fit). */
			if (d == 0 && (uint64_t)j > (r->pages - 1) >> cshift)
				return r->pages;
			cs = base + ((uint64_t)j << cshift);
			if (!c)
				return cs;
			if (c != RADIX_FULL)
				return first_stop(r, c, level - 1, cs);
		}
	}
	return r->pages;
}

/* The last start bit in real child @c (at @level, from @base). */
static uint64_t last_start(struct radix_vmap *r, const void *c,
			   unsigned level, uint64_t base)
{
	for (;; level--) {
		r->base.visits++;
		if (level == 0) {
			const struct radix_leaf *l = c;

			return base + (l->start ? msb64(l->start) : 0);
		}
		const struct radix_node *n = c;
		unsigned i;

		if (!n->startmap)  /* impossible by the invariants */
			return base;
		i = msb64(n->startmap);

		base += (uint64_t)i << child_shift(level);
		c = n->slot[i].child;
	}
}

/* The last start at or before busy page p; false if none (corruption). */
static bool prev_start(struct radix_vmap *r, const struct radix_path *path,
		       uint64_t p, uint64_t *sp)
{
	if (path->stop && path->stop != RADIX_FULL) {
		const struct radix_leaf *l = path->stop;
		uint64_t m = l->start & bits_upto((unsigned)(p - path->leaf_base));

		if (m) {
			*sp = path->leaf_base + msb64(m);
			return true;
		}
	}
	for (unsigned d = path->depth; d-- > 0;) {
		const struct radix_node *n = path->step[d].node;
		unsigned level = r->height - d, i = path->step[d].slot;
		uint64_t m = i ? n->startmap & bits_upto(i - 1) : 0;

		if (m) {
			unsigned j = msb64(m);
			uint64_t cs = path->step[d].base +
				      ((uint64_t)j << child_shift(level));

			*sp = last_start(r, n->slot[j].child, level - 1, cs);
			return true;
		}
	}
	return false;
}

/* ---- Operations ---- */

static int radix_create(struct vmap **out, uint64_t start, uint64_t end,
			uint64_t page_size)
{
	struct radix_vmap *r = calloc(1, sizeof(*r));
	unsigned shift = (unsigned)__builtin_ctzll(page_size), bits;

	if (!r)
		return -ENOMEM;
	r->pages = (end - start) >> shift;
	r->first_page = start >> shift;
	/* bits = ceil(log2(pages)): the coverage the root needs. */
	bits = r->pages > 1 ? 64 - (unsigned)__builtin_clzll(r->pages - 1) : 0;
	r->height = 1;
	while (VMAP_RADIX_LEAF_SHIFT + r->height * VMAP_RADIX_SHIFT < bits)
		r->height++;
	r->root = malloc(sizeof(*r->root));
	if (!r->root) {
		free(r);
		return -ENOMEM;
	}
	node_init(r->root, r->height);
	r->nodes = 1;
	*out = &r->base;
	return 0;
}

static void radix_destroy(struct vmap *v)
{
	struct radix_vmap *r = to_radix(v);

	release(r, r->root, r->height);
	free(r);
}

static void pool_free(struct radix_pool *p)
{
	while (p->nnode)
		free(p->node[--p->nnode]);
	while (p->nleaf)
		free(p->leaf[--p->nleaf]);
}

/*
 * Lowest fit, then mark it busy.  -ENOSPC: no fit (nothing changed).
 * -ENOMEM: a node for the marking could not be had; they are all taken
 * before the tree changes, so the allocator is left as it was.
 */
static int radix_alloc(struct vmap *v, uint64_t size, uint64_t align,
		       uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct radix_vmap *r = to_radix(v);
	unsigned shift = v->page_shift;
	struct radix_req q = {
		.r = r,
		.n = size >> shift,
		.kmask = (align >> shift) - 1,
		.lo = (vstart - v->start) >> shift,
		.hi = (vend - v->start) >> shift,
	};
	struct radix_pool want = { .nnode = 0 }, pool = { .nnode = 0 };

	q.phase = (0 - r->first_page) & q.kmask;
	q.run = q.lo;
	if (!scan_node(&q, r->root, r->height, 0))
		return -ENOSPC;

	count_new(r->root, r->height, 0, q.found, q.found + q.n, q.found,
		  &want);
	while (pool.nnode < want.nnode)
		if (!(pool.node[pool.nnode++] = malloc(sizeof(struct radix_node)))) {
			pool.nnode--;
			pool_free(&pool);
			return -ENOMEM;
		}
	while (pool.nleaf < want.nleaf)
		if (!(pool.leaf[pool.nleaf++] = malloc(sizeof(struct radix_leaf)))) {
			pool.nleaf--;
			pool_free(&pool);
			return -ENOMEM;
		}
	mark_busy(r, r->root, r->height, 0, q.found, q.found + q.n, q.found,
		  &pool);
	pool_free(&pool);  /* empty unless count_new and mark_busy disagree */
	v->live++;
	*addr = v->start + (q.found << shift);
	return 0;
}

/* -ENOENT unless a start bit marks @addr.  Frees nodes; cannot fail. */
static int radix_free(struct vmap *v, uint64_t addr)
{
	struct radix_vmap *r = to_radix(v);
	uint64_t p = (addr - v->start) >> v->page_shift, q;
	struct radix_path path;
	const struct radix_leaf *l;

	walk(r, p, &path);
	l = path.stop;
	if (!l || l == RADIX_FULL || !(l->start >> (p - path.leaf_base) & 1))
		return -ENOENT;
	q = next_stop(r, &path, p);
	mark_free(r, r->root, r->height, 0, p, q);
	v->live--;
	return 0;
}

static int radix_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	struct radix_vmap *r = to_radix(v);
	uint64_t p = (addr - v->start) >> v->page_shift, sp;
	struct radix_path path;

	walk(r, p, &path);
	if (!path_busy(&path, p) || !prev_start(r, &path, p, &sp))
		return -ENOENT;
	area->start = v->start + (sp << v->page_shift);
	area->size = (next_stop(r, &path, p) - sp) << v->page_shift;
	return 0;
}

static uint64_t radix_meta_bytes(const struct vmap *v)
{
	const struct radix_vmap *r = to_radix(v);

	return sizeof(*r) + r->nodes * sizeof(struct radix_node) +
	       r->leaves * sizeof(struct radix_leaf);
}

/* ---- Validation ---- */

struct radix_check {
	const struct radix_vmap *r;
	uint64_t nodes, leaves, starts;
	bool prev_busy;           /* the page before the walk's position */
};

#define radix_bad(c, ...) vmap_corrupt(&(c)->r->base, __VA_ARGS__)

static int check_leaf(struct radix_check *c, const struct radix_leaf *l,
		      uint64_t base, struct radix_sum *s)
{
	uint64_t need;

	c->leaves++;
	if ((l->busy | l->start) & ~LEAF_MASK)
		return radix_bad(c, "leaf at page %#llx: bits past its width",
			   (unsigned long long)base);
	if (l->start & ~l->busy)
		return radix_bad(c, "leaf at page %#llx: start bit on a free page",
			   (unsigned long long)base);
	if (c->r->pages - base < LEAF_PAGES &&
	    l->busy >> (c->r->pages - base))
		return radix_bad(c, "leaf at page %#llx: busy past the range",
			   (unsigned long long)base);
	/* A busy page after a free page begins an area. */
	need = l->busy & ~((l->busy << 1) | (c->prev_busy ? 1 : 0));
	if (need & ~l->start)
		return radix_bad(c, "leaf at page %#llx: area without a start bit",
			   (unsigned long long)base);
	c->prev_busy = l->busy >> (LEAF_PAGES - 1) & 1;
	c->starts += (uint64_t)__builtin_popcountll(l->start);
	*s = leaf_sum(l);
	return 0;
}

static int check_node(struct radix_check *c, const struct radix_node *n,
		      unsigned level, uint64_t base)
{
	unsigned cshift = child_shift(level);
	uint64_t S = 1ULL << cshift, pages = c->r->pages;
	bool root = level == c->r->height;
	int err;

	c->nodes++;
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		const struct radix_slot *sl = &n->slot[i];
		bool starts = n->startmap >> i & 1;
		/* Only the root has slots that may begin past 2^64. */
		bool past = root ? (uint64_t)i > (pages - 1) >> cshift :
				   base + ((uint64_t)i << cshift) >= pages;
		uint64_t cs = past ? 0 : base + ((uint64_t)i << cshift);
		struct radix_sum s = { 0, 0, 0, false };

		if (!sl->child) {
			s = (struct radix_sum){ S, S, S, false };
			c->prev_busy = false;
		} else if (sl->child == RADIX_FULL) {
			if (past || pages - cs < S)
				return radix_bad(c, "full slot past the range at "
					   "page %#llx", (unsigned long long)cs);
			if (!c->prev_busy)
				return radix_bad(c, "full slot at page %#llx after a "
					   "free page", (unsigned long long)cs);
			s = (struct radix_sum){ 0, 0, 0, false };
		} else {
			if (past)
				return radix_bad(c, "node past the range");
			err = level == 1 ?
				check_leaf(c, sl->child, cs, &s) :
				check_node(c, sl->child, level - 1, cs);
			if (err)
				return err;
			if (level > 1)
				s = node_sum(sl->child, S >> VMAP_RADIX_SHIFT);
			if (s.longest == S)
				return radix_bad(c, "entirely free node kept at page "
					   "%#llx", (unsigned long long)cs);
			if (!s.longest && !s.starts)
				return radix_bad(c, "entirely busy node without a "
					   "start kept at page %#llx",
					   (unsigned long long)cs);
		}
		if (sl->lead != s.lead || sl->longest != s.longest ||
		    sl->trail != s.trail)
			return radix_bad(c, "level %u slot %u at page %#llx: summary "
				   "%llu/%llu/%llu, recomputed %llu/%llu/%llu",
				   level, i, (unsigned long long)cs,
				   (unsigned long long)sl->lead,
				   (unsigned long long)sl->longest,
				   (unsigned long long)sl->trail,
				   (unsigned long long)s.lead,
				   (unsigned long long)s.longest,
				   (unsigned long long)s.trail);
		if (starts != s.starts)
			return radix_bad(c, "level %u slot %u at page %#llx: startmap "
				   "bit %d, subtree %s starts", level, i,
				   (unsigned long long)cs, starts,
				   s.starts ? "has" : "has no");
	}
	return 0;
}

static int radix_check(const struct vmap *v)
{
	const struct radix_vmap *r = to_radix(v);
	struct radix_check c = { .r = r };
	int err;

	if (r->height < 1 || r->height > RADIX_MAX_HEIGHT ||
	    child_shift(r->height) > 63)
		return radix_bad(&c, "bad height %u", r->height);
	err = check_node(&c, r->root, r->height, 0);
	if (err)
		return err;
	if (c.nodes != r->nodes || c.leaves != r->leaves)
		return radix_bad(&c, "%llu nodes and %llu leaves reachable, %llu and "
			   "%llu counted", (unsigned long long)c.nodes,
			   (unsigned long long)c.leaves,
			   (unsigned long long)r->nodes,
			   (unsigned long long)r->leaves);
	if (c.starts != v->live)
		return radix_bad(&c, "%llu area starts, %llu live",
			   (unsigned long long)c.starts,
			   (unsigned long long)v->live);
	return 0;
}

const struct vmap_ops vmap_radix_ops = {
	.create = radix_create,
	.destroy = radix_destroy,
	.alloc = radix_alloc,
	.free = radix_free,
	.find = radix_find,
	.meta_bytes = radix_meta_bytes,
	.check = radix_check,
};
