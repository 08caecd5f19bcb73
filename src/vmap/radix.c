/* SPDX-License-Identifier: MIT */
/*
 * radix: a sparse radix tree over the range's page numbers, each interior
 * slot summarising the free runs of the subtree below it, so lowest-fit
 * skips any subtree whose runs are too short (the idea of FreeBSD's blist,
 * with per-page area-start bits added so that free and find need no other
 * index).
 *
 * Pages are numbered 0 .. pages-1 from the start of the range.  A leaf
 * covers LEAF_PAGES = 2^VMAP_RADIX_LEAF_SHIFT pages; a node of level l >= 1
 * has SLOTS = 2^VMAP_RADIX_SHIFT slots, each covering
 * 2^(LEAF_SHIFT + (l - 1) * SHIFT) pages.  The root covers pages
 * [0, cover) and everything above it is free: its level (the height) is the
 * lowest that holds every busy page, not the one the whole range needs, so
 * lowest-fit's usual low addresses make a shallow tree (an allocator with
 * one small area at the bottom is one level-1 node).  The tree grows a
 * level on top when an area reaches past cover and drops its root while
 * the root's only used slot is slot 0; an empty tree has no root.
 *
 * Every slot is in one of three states, kept in two bitmaps:
 *
 *   free   neither bit   subtree entirely free: no entry, lead = longest =
 *                        trail = span (implied, never stored)
 *   full   fullmap bit   subtree entirely busy and without an area start
 *                        (the middle of a big area): no entry, 0, 0, 0
 *   real   realmap bit   an entry: a child holding both kinds of page
 *
 * Only real slots have an entry, stored in slot order after the header, so
 * a new node costs a header and a node's size follows its real children
 * (the entry of slot i is entry popcount(realmap below i)):
 *
 *   node (32-byte header, then cap entries)
 *   +----------+----------+----------+------+------+
 *   | realmap  | fullmap  | startmap | cap  | size |  startmap bit i: the
 *   +----------+----------+----------+------+------+  subtree of slot i
 *   | level 1 only: longest[SLOTS], one byte a slot |  holds an area start
 *   +-----------------------------------------------+
 *   | entry 0 | entry 1 | ... | entry cap-1         |  size: the block's
 *   +-----------------------------------------------+  bytes
 *
 *   entry at level >= 2 (32 bytes)      entry at level 1: a leaf (16 bytes)
 *   +-------+------+---------+-------+   +-----------------+ bit b: page
 *   | child | lead | longest | trail |   | busy  uint64_t  | base + b busy
 *   +-------+------+---------+-------+   | start uint64_t  | ... the first
 *   lead     free pages from the         +-----------------+ of an area
 *            subtree's first page up     (start is a subset of busy)
 *   longest  longest free run inside
 *   trail    free pages from its last page down
 *
 * Leaves live inside their level-1 node, so a leaf costs 16 bytes and no
 * allocation.  A leaf's lead and trail are one bit scan each; its longest
 * free run is kept in the level-1 node's longest[] byte of its slot
 * (stale for slots without a leaf), so summing a level-1 node or skipping
 * a leaf reads no loop over its bits.
 * Capacity doubles when an entry does not fit (at most SLOTS) and halves
 * when a quarter or less is used (never below the minimum block), so a
 * node's size stays within 4x of its entries.
 *
 * Spare blocks: nodes of the minimum block size (RADIX_MIN_BYTES) that go
 * are kept, up to RADIX_CACHE of them, and reused before malloc, so an
 * area that comes and goes on an idle tree does not call malloc at all.
 * They are counted in meta_bytes; the bound is RADIX_CACHE *
 * RADIX_MIN_BYTES (22 * 128 = 2816 bytes with SHIFT 6).  Summaries stop
 * being recomputed up the path at the first node whose summary did not
 * change.
 *
 * With SHIFT < 6 a leaf also narrows to 2^SHIFT pages (VMAP_RADIX_LEAF_SHIFT
 * defaults to VMAP_RADIX_SHIFT) and uses only the low bits of both words,
 * so a small range already makes a deep tree.
 *
 * Invariants (check() verifies each):
 *   - every entry's summary, and every kept longest[] byte, equals its
 *     recomputation from the child;
 *   - realmap and fullmap are disjoint, startmap is a subset of realmap,
 *     no bits at or past SLOTS, cap >= the entries, and the block holds
 *     cap entries and is at least RADIX_MIN_BYTES;
 *   - startmap bit i is set iff the subtree below slot i holds a start bit;
 *   - no real child is entirely free or entirely busy without a start:
 *     those are free and full slots, so memory follows the busy areas'
 *     edges, not their sizes (an area of the whole range costs a path);
 *   - the root is absent iff nothing is busy, is not entirely free, and
 *     above level 1 does not use slot 0 alone;
 *   - a busy page whose predecessor is free (or which is page 0) is a start,
 *     so an area is its start page plus the busy non-start pages after it;
 *   - no page at or past the range's end is busy;
 *   - the start bits number base.live; the counted nodes and bytes match.
 *
 * Conventions in this file: p, q, lo, hi, cs (child start) are page
 * numbers; "level" is a node's height (leaves 0); S is the span in pages of
 * one child of the node at hand; k is an entry index.  Page numbers never
 * wrap: a child's span is at most 2^63 and spans are aligned, so
 * cs + S - 1 always fits.
 */
#include <stdlib.h>
#include <string.h>

#include "vmap_impl.h"

#ifndef VMAP_RADIX_SHIFT
#define VMAP_RADIX_SHIFT 6
#endif
#ifndef VMAP_RADIX_LEAF_SHIFT
#define VMAP_RADIX_LEAF_SHIFT VMAP_RADIX_SHIFT
#endif
#if VMAP_RADIX_SHIFT < 1 || VMAP_RADIX_SHIFT > 6
#error "VMAP_RADIX_SHIFT must be 1..6 (the slot maps are one uint64_t)"
#endif
#if VMAP_RADIX_LEAF_SHIFT < 1 || VMAP_RADIX_LEAF_SHIFT > 6
#error "VMAP_RADIX_LEAF_SHIFT must be 1..6 (a leaf is one uint64_t)"
#endif

#define RADIX_SLOTS (1u << VMAP_RADIX_SHIFT)
#define SLOT_MASK (~0ULL >> (64 - RADIX_SLOTS))
#define LEAF_PAGES (1u << VMAP_RADIX_LEAF_SHIFT)
#define LEAF_MASK (~0ULL >> (64 - LEAF_PAGES))
/* Levels above the leaves are at most ceil((64 - LEAF_SHIFT) / SHIFT). */
#define RADIX_MAX_HEIGHT (64 / VMAP_RADIX_SHIFT + 1)

struct radix_leaf {
	uint64_t busy;
	uint64_t start;
};

struct radix_slot {
	struct radix_node *child;
	uint64_t lead, longest, trail;
};

struct radix_node {
	uint64_t realmap;
	uint64_t fullmap;
	uint64_t startmap;
	uint32_t cap;          /* entries the block has room for */
	uint32_t size;         /* bytes of the block */
	/* followed by cap entries: struct radix_leaf at level 1,
	 * struct radix_slot above */
};

/* A level-1 node keeps each leaf's longest free run, by slot, in a byte. */
#define LONG_BYTES ((RADIX_SLOTS + 7) & ~7u)
/* The smallest block: room for two leaves (and three level >= 2 entries
 * with SHIFT 6). */
#define RADIX_MIN_BYTES (sizeof(struct radix_node) + LONG_BYTES + \
			 2 * sizeof(struct radix_leaf) > \
			 sizeof(struct radix_node) + \
			 2 * sizeof(struct radix_slot) ? \
			 sizeof(struct radix_node) + LONG_BYTES + \
			 2 * sizeof(struct radix_leaf) : \
			 sizeof(struct radix_node) + \
			 2 * sizeof(struct radix_slot))
/* Spare blocks kept: what one alloc may take (a path for lo and one for
 * hi - 1, and the levels grown on top). */
#define RADIX_CACHE (2 * RADIX_MAX_HEIGHT)

struct radix_vmap {
	struct vmap base;
	struct radix_node *root;  /* NULL: nothing busy */
	unsigned height;          /* the root's level; 0 without a root */
	unsigned max_height;      /* the level whose coverage holds the range */
	uint64_t pages;           /* pages in the range */
	uint64_t first_page;      /* start >> page_shift: the alignment phase */
	uint64_t nodes;           /* nodes in the tree */
	uint64_t bytes;           /* bytes of the nodes and spare blocks */
	unsigned ncache;
	struct radix_node *cache[RADIX_CACHE];
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

static inline unsigned popc64(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

/* Bits [b, 64) set; b < 64. */
static inline uint64_t bits_from(unsigned b)
{
	return ~0ULL << b;
}

/* Bits [0, b) set; b <= 64. */
static inline uint64_t bits_below(unsigned b)
{
	return b >= 64 ? ~0ULL : (1ULL << b) - 1;
}

/* Bits [0, b] set; b < 64. */
static inline uint64_t bits_upto(unsigned b)
{
	return ~0ULL >> (63 - b);
}

static inline struct radix_slot *node_slots(const struct radix_node *n)
{
	return (struct radix_slot *)(n + 1);
}

static inline uint8_t *node_longest(const struct radix_node *n)
{
	return (uint8_t *)(n + 1);
}

static inline struct radix_leaf *node_leaves(const struct radix_node *n)
{
	return (struct radix_leaf *)((char *)(n + 1) + LONG_BYTES);
}

/* Bytes before the entries. */
static inline size_t head_size(unsigned level)
{
	return sizeof(struct radix_node) + (level == 1 ? LONG_BYTES : 0);
}

static inline size_t entry_size(unsigned level)
{
	return level == 1 ? sizeof(struct radix_leaf) :
			    sizeof(struct radix_slot);
}

static inline size_t node_bytes(unsigned level, unsigned cap)
{
	return head_size(level) + cap * entry_size(level);
}

static inline unsigned min_cap(unsigned level)
{
	return (unsigned)((RADIX_MIN_BYTES - head_size(level)) /
			  entry_size(level));
}

/* Pages [0, cover) are those under a root of level @h (the rest: free). */
static uint64_t cover_of(const struct radix_vmap *r, unsigned h)
{
	unsigned bits = VMAP_RADIX_LEAF_SHIFT + h * VMAP_RADIX_SHIFT;

	if (!h)
		return 0;
	return bits >= 64 || 1ULL << bits >= r->pages ? r->pages :
							 1ULL << bits;
}

/*
 * Longest run of set bits in @x, in O(log 64) steps whatever the runs: y[j]
 * marks the bits that begin 2^j set bits; the longest power of two found,
 * the run is extended by the lower powers, greatest first.
 */
static uint64_t longest_ones(uint64_t x)
{
	uint64_t y[6], cur;
	unsigned j = 0, len;

	if (!x)
		return 0;
	y[0] = x;
	while (j < 5 && (y[j] & y[j] >> (1u << j))) {
		y[j + 1] = y[j] & y[j] >> (1u << j);
		j++;
	}
	if (j == 5 && (y[5] & y[5] >> 32))
		return 64;
	cur = y[j];
	len = 1u << j;
	while (j-- > 0) {
		uint64_t t = cur & y[j] >> len;

		if (t) {
			cur = t;
			len += 1u << j;
		}
	}
	return len;
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

/* The summary of leaf @k (slot @i) of level-1 node @n: longest is kept. */
static inline struct radix_sum leaf_sum_at(const struct radix_node *n,
					   unsigned i, unsigned k)
{
	const struct radix_leaf *l = &node_leaves(n)[k];
	struct radix_sum s;

	s.lead = ctz64(l->busy);
	s.trail = LEAF_PAGES - 1 - msb64(l->busy);
	s.longest = node_longest(n)[i];
	s.starts = l->start != 0;
	return s;
}

/*
 * The summary of a non-root node at @level from its maps and entries:
 * one step per used slot, free slots in between taken as whole spans.
 */
static struct radix_sum node_sum(const struct radix_node *n, unsigned level)
{
	uint64_t S = 1ULL << child_shift(level);
	uint64_t used = n->realmap | n->fullmap, run = 0;
	struct radix_sum s = { 0, 0, 0, n->startmap != 0 };
	unsigned prev = 0, k = 0;
	bool first = true;

	for (; used; used &= used - 1) {
		unsigned i = ctz64(used);
		struct radix_sum c = { 0, 0, 0, false };

		if (n->realmap >> i & 1) {
			if (level == 1) {
				c = leaf_sum_at(n, i, k++);
			} else {
				const struct radix_slot *sl;

				sl = &node_slots(n)[k++];
				c.lead = sl->lead;
				c.longest = sl->longest;
				c.trail = sl->trail;
			}
		}
		run += (uint64_t)(i - prev) * S + c.lead;
		if (first) {
			s.lead = run;
			first = false;
		}
		if (run > s.longest)
			s.longest = run;
		if (c.longest > s.longest)
			s.longest = c.longest;
		run = c.trail;
		prev = i + 1;
	}
	run += (uint64_t)(RADIX_SLOTS - prev) * S;
	if (first)
		s.lead = run;
	s.trail = run;
	if (run > s.longest)
		s.longest = run;
	return s;
}

/* ---- Blocks ---- */

/* A block of RADIX_MIN_BYTES, spare or new; NULL when out of memory. */
static struct radix_node *block_get(struct radix_vmap *r)
{
	struct radix_node *n;

	if (r->ncache)
		return r->cache[--r->ncache];
	n = malloc(RADIX_MIN_BYTES);
	if (n)
		r->bytes += RADIX_MIN_BYTES;
	return n;
}

/* An empty node at @level in a block from block_get(). */
static struct radix_node *node_init(struct radix_vmap *r,
				    struct radix_node *n, unsigned level)
{
	n->realmap = n->fullmap = n->startmap = 0;
	n->cap = min_cap(level);
	n->size = RADIX_MIN_BYTES;
	r->nodes++;
	return n;
}

/* Give back the block of a node that left the tree. */
static void node_put(struct radix_vmap *r, struct radix_node *n)
{
	size_t bytes = n->size;

	r->nodes--;
	if (bytes == RADIX_MIN_BYTES && r->ncache < RADIX_CACHE) {
		r->cache[r->ncache++] = n;
		return;
	}
	r->bytes -= bytes;
	free(n);
}

/* Free the nodes below (and including) @n, at @level. */
static void release(struct radix_vmap *r, struct radix_node *n,
		    unsigned level)
{
	if (level > 1) {
		unsigned k = popc64(n->realmap);

		while (k--)
			release(r, node_slots(n)[k].child, level - 1);
	}
	node_put(r, n);
}

/* Make room for @cap entries in *link, at @level.  -ENOMEM: unchanged. */
static int node_resize(struct radix_vmap *r, struct radix_node **link,
		       unsigned level, unsigned cap)
{
	struct radix_node *n = *link;
	size_t old = n->size, new = node_bytes(level, cap);

	if (new < RADIX_MIN_BYTES)
		new = RADIX_MIN_BYTES;
	n = realloc(n, new);
	if (!n)
		return -ENOMEM;
	r->bytes += new - old;
	n->cap = (unsigned)((new - head_size(level)) / entry_size(level));
	n->size = (uint32_t)new;
	*link = n;
	return 0;
}

/* Halve *link while a quarter or less of it is used; failure is harmless. */
static void node_shrink(struct radix_vmap *r, struct radix_node **link,
			unsigned level)
{
	struct radix_node *n = *link;
	unsigned used = popc64(n->realmap);

	if (n->cap <= min_cap(level) || used > n->cap / 4)
		return;
	node_resize(r, link, level, n->cap / 2 > used ? n->cap / 2 : used);
}

/* Open entry @k of @n (capacity reserved) for the real slot @i. */
static void entry_insert(struct radix_node *n, unsigned level, unsigned i,
			 unsigned k)
{
	size_t es = entry_size(level);
	char *e = (char *)n + head_size(level) + k * es;

	memmove(e + es, e, (popc64(n->realmap) - k) * es);
	n->realmap |= 1ULL << i;
}

/* Drop entry @k of @n, slot @i, which becomes free or (@full) full. */
static void entry_remove(struct radix_node *n, unsigned level, unsigned i,
			 unsigned k, bool full)
{
	size_t es = entry_size(level);
	char *e = (char *)n + head_size(level) + k * es;

	n->realmap &= ~(1ULL << i);
	n->startmap &= ~(1ULL << i);
	if (full)
		n->fullmap |= 1ULL << i;
	memmove(e, e + es, (popc64(n->realmap) - k) * es);
}

/*
 * Leaf @k (slot @i) of level-1 node @n changed: a free or busy leaf
 * without a start goes, otherwise the start bit follows it.
 */
static void leaf_update(struct radix_node *n, unsigned i, unsigned k)
{
	const struct radix_leaf *l = &node_leaves(n)[k];

	if (!l->busy) {
		entry_remove(n, 1, i, k, false);
		return;
	}
	if (l->busy == LEAF_MASK && !l->start) {
		entry_remove(n, 1, i, k, true);
		return;
	}
	if (l->start)
		n->startmap |= 1ULL << i;
	else
		n->startmap &= ~(1ULL << i);
	node_longest(n)[i] = (uint8_t)longest_ones(~l->busy & LEAF_MASK);
}

/*
 * Recompute entry @k (slot @i) of @n, at @level >= 2, from its child; a
 * child that became uniform goes.  True if the summary changed.
 */
static bool slot_update(struct radix_vmap *r, struct radix_node *n,
			unsigned level, unsigned i, unsigned k)
{
	struct radix_slot *sl = &node_slots(n)[k];
	uint64_t S = 1ULL << child_shift(level);
	struct radix_sum s = node_sum(sl->child, level - 1);

	if (s.longest == S || (!s.longest && !s.starts)) {
		release(r, sl->child, level - 1);
		entry_remove(n, level, i, k, s.longest != S);
		return true;
	}
	if (sl->lead == s.lead && sl->longest == s.longest &&
	    sl->trail == s.trail && (n->startmap >> i & 1) == s.starts)
		return false;
	sl->lead = s.lead;
	sl->longest = s.longest;
	sl->trail = s.trail;
	if (s.starts)
		n->startmap |= 1ULL << i;
	else
		n->startmap &= ~(1ULL << i);
	return true;
}

/* ---- Lowest-fit search ----
 *
 * The scan walks pages upward from lo keeping "run", the first page of the
 * free run that ends at the scan's position (run == position: none).  Each
 * time the run grows, fit() tries the lowest aligned start in it, so the
 * first success is the lowest fit.  A block of free slots is one step (a
 * fit found at a lower end would have the same start).  A real child is
 * entered only when it may hold a fit strictly inside it: longest >= n and
 * an aligned page at most S - n pages into it.  Otherwise no fit starts
 * and ends inside it, so only its lead (extending the run) and its trail
 * (starting the next run, checked at once in case the next child is full)
 * matter.  A fit may start in the run before a child and end in the
 * child's lead; with the window,
 * run never starts below lo, which makes the same rules hold for the child
 * holding lo.  Pages past the root's cover are one free block.
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
	unsigned cshift = child_shift(level), i, last, k;
	uint64_t S = 1ULL << cshift, used = n->realmap | n->fullmap;
	uint64_t l = (q->hi - 1 - base) >> cshift;

	q->r->base.visits++;
	i = q->lo > base ? (unsigned)((q->lo - base) >> cshift) : 0;
	last = l >= RADIX_SLOTS ? RADIX_SLOTS - 1 : (unsigned)l;
	k = popc64(n->realmap & bits_below(i));
	while (i <= last) {
		uint64_t m = used & bits_from(i);
		unsigned j = m ? ctz64(m) : RADIX_SLOTS;
		struct radix_sum c;
		uint64_t cs, ce;

		if (j > i) {
			/* Free slots [i, j): one block, to the end of j - 1. */
			j = j - 1 < last ? j - 1 : last;
			cs = base + ((uint64_t)j << cshift);
			ce = q->hi - cs > S ? cs + S : q->hi;
			if (fit(q, ce))
				return true;
			i = j + 1;
			continue;
		}
		cs = base + ((uint64_t)i << cshift);
		ce = q->hi - cs > S ? cs + S : q->hi;
		if (n->fullmap >> i & 1) {
			q->run = ce;
			i++;
			continue;
		}
		if (level == 1) {
			const struct radix_leaf *lf = &node_leaves(n)[k];

			c = leaf_sum_at(n, i, k);
			i++;
			k++;
			if (c.longest >= q->n &&
			    ((q->phase - cs) & q->kmask) <= S - q->n) {
				if (scan_leaf(q, lf, cs))
					return true;
				continue;
			}
		} else {
			const struct radix_slot *sl = &node_slots(n)[k];

			c.lead = sl->lead;
			c.longest = sl->longest;
			c.trail = sl->trail;
			i++;
			k++;
			if (c.longest >= q->n &&
			    ((q->phase - cs) & q->kmask) <= S - q->n) {
				if (scan_node(q, sl->child, level - 1, cs))
					return true;
				continue;
			}
		}
		/* Skipped: q->run >= cs (>= lo) stays valid against the
		 * lead, and a trail reaching below lo starts at lo. */
		if (fit(q, c.lead < ce - cs ? cs + c.lead : ce))
			return true;
		if (!c.trail) {
			q->run = ce;
			continue;
		}
		q->run = cs + (S - c.trail);
		if (q->run < q->lo)
			q->run = q->lo;
		if (fit(q, ce))
			return true;
	}
	return false;
}

/* The lowest fit for q into q->found; false if none. */
static bool scan(struct radix_req *q)
{
	struct radix_vmap *r = q->r;
	uint64_t cover = cover_of(r, r->height);

	q->run = q->lo;
	if (r->root && q->lo < cover &&
	    scan_node(q, r->root, r->height, 0))
		return true;
	return q->hi > cover && fit(q, q->hi);
}

/*
 * ---- Marking ----
 *
 * Marking [lo, hi) busy turns a free slot into a real one on the paths of
 * lo and hi - 1 only (a slot wholly inside the range and without the start
 * page becomes full), so a node gains at most two entries and only nodes
 * on those paths are made.  reserve() grows those nodes and fills the
 * spare blocks first, so that marking itself cannot fail.
 */

/* Slots [*first, *last] of a node at @base/@level meet [lo, hi). */
static void slot_range(uint64_t base, unsigned level, uint64_t lo,
		       uint64_t hi, unsigned *first, unsigned *last)
{
	unsigned cshift = child_shift(level);
	uint64_t l = (hi - 1 - base) >> cshift;

	*first = lo > base ? (unsigned)((lo - base) >> cshift) : 0;
	*last = l >= RADIX_SLOTS ? RADIX_SLOTS - 1 : (unsigned)l;
}

/*
 * Room for marking [lo, hi) (start sp) below *link (NULL: a node still to
 * be made, whose own needs are counted into *nnew).  -ENOMEM: nodes may
 * have grown, nothing else changed.
 */
static int reserve(struct radix_vmap *r, struct radix_node **link,
		   unsigned level, uint64_t base, uint64_t lo, uint64_t hi,
		   uint64_t sp, unsigned *nnew)
{
	struct radix_node *n = link ? *link : NULL;
	unsigned cshift = child_shift(level), first, last, add = 0;
	uint64_t S = 1ULL << cshift;
	int err;

	slot_range(base, level, lo, hi, &first, &last);
	for (unsigned i = first; i <= last; i++) {
		uint64_t cs = base + ((uint64_t)i << cshift);

		if (lo <= cs && hi - cs >= S && !(sp >= cs && sp - cs < S))
			continue;
		if (!n || !(n->realmap >> i & 1))
			add++;
	}
	if (n && popc64(n->realmap) + add > n->cap) {
		unsigned cap = 2 * n->cap;

		if (cap > RADIX_SLOTS)
			cap = RADIX_SLOTS;
		err = node_resize(r, link, level, cap);
		if (err)
			return err;
		n = *link;
	}
	if (level == 1)
		return 0;
	for (unsigned i = first; i <= last; i++) {
		uint64_t cs = base + ((uint64_t)i << cshift);

		if (lo <= cs && hi - cs >= S && !(sp >= cs && sp - cs < S))
			continue;
		if (n && n->realmap >> i & 1) {
			struct radix_slot *sl = &node_slots(n)[
				popc64(n->realmap & bits_below(i))];

			err = reserve(r, &sl->child, level - 1, cs, lo, hi,
				      sp, nnew);
		} else {
			(*nnew)++;
			err = reserve(r, NULL, level - 1, cs, lo, hi, sp,
				      nnew);
		}
		if (err)
			return err;
	}
	return 0;
}

/*
 * Mark [lo, hi) busy with page @sp as the area's start, below @n at @level.
 * True if @n's summary may have changed.
 */
static bool mark_busy(struct radix_vmap *r, struct radix_node *n,
		      unsigned level, uint64_t base, uint64_t lo, uint64_t hi,
		      uint64_t sp)
{
	unsigned cshift = child_shift(level), first, last, k;
	uint64_t S = 1ULL << cshift;
	bool changed = false;

	r->base.visits++;
	slot_range(base, level, lo, hi, &first, &last);
	k = popc64(n->realmap & bits_below(first));
	for (unsigned i = first; i <= last; i++) {
		uint64_t cs = base + ((uint64_t)i << cshift);
		bool whole = lo <= cs && hi - cs >= S;
		bool has_start = sp >= cs && sp - cs < S;

		if (whole && !has_start) {
			/* The range was free: nothing to release. */
			n->fullmap |= 1ULL << i;
			changed = true;
			continue;
		}
		if (!(n->realmap >> i & 1)) {
			entry_insert(n, level, i, k);
			if (level == 1) {
				node_leaves(n)[k].busy = 0;
				node_leaves(n)[k].start = 0;
			} else {
				struct radix_slot *sl = &node_slots(n)[k];

				sl->child = node_init(r, block_get(r),
						      level - 1);
				/* Summaries of a free child: all differ
				 * from any real child's, so they are set. */
				sl->lead = sl->longest = sl->trail = S;
			}
		}
		if (level == 1) {
			struct radix_leaf *l = &node_leaves(n)[k];
			unsigned b0 = lo > cs ? (unsigned)(lo - cs) : 0;
			unsigned b1 = hi - cs < S ? (unsigned)(hi - cs) :
						    (unsigned)S;

			r->base.visits++;
			l->busy |= bits_from(b0) & (~0ULL >> (64 - b1));
			if (has_start)
				l->start |= 1ULL << (sp - cs);
			leaf_update(n, i, k);
			changed = true;
		} else if (mark_busy(r, node_slots(n)[k].child, level - 1, cs,
				     lo, hi, sp)) {
			changed |= slot_update(r, n, level, i, k);
		}
		k += n->realmap >> i & 1;
	}
	return changed;
}

/*
 * Mark [lo, hi) free: one whole area.  Every child it meets only in part
 * is real: the one holding lo holds the start bit, and the one holding hi
 * holds the start bit of the next area if page hi is busy.  Nodes only go
 * or shrink, so this cannot fail.  True if *link's summary may have
 * changed.
 */
static bool mark_free(struct radix_vmap *r, struct radix_node **link,
		      unsigned level, uint64_t base, uint64_t lo, uint64_t hi)
{
	struct radix_node *n = *link;
	unsigned cshift = child_shift(level), first, last, k;
	uint64_t S = 1ULL << cshift;
	bool changed = false;

	r->base.visits++;
	slot_range(base, level, lo, hi, &first, &last);
	k = popc64(n->realmap & bits_below(first));
	for (unsigned i = first; i <= last; i++) {
		uint64_t cs = base + ((uint64_t)i << cshift);
		bool whole = lo <= cs && hi - cs >= S;

		if (whole) {
			if (n->realmap >> i & 1) {
				if (level > 1)
					release(r, node_slots(n)[k].child,
						level - 1);
				entry_remove(n, level, i, k, false);
			}
			n->fullmap &= ~(1ULL << i);
			changed = true;
			continue;
		}
		if (!(n->realmap >> i & 1))
			continue;  /* impossible by the invariants */
		if (level == 1) {
			struct radix_leaf *l = &node_leaves(n)[k];
			unsigned b0 = lo > cs ? (unsigned)(lo - cs) : 0;
			unsigned b1 = hi - cs < S ? (unsigned)(hi - cs) :
						    (unsigned)S;
			uint64_t m = bits_from(b0) & (~0ULL >> (64 - b1));

			r->base.visits++;
			l->busy &= ~m;
			l->start &= ~m;
			leaf_update(n, i, k);
			changed = true;
		} else if (mark_free(r, &node_slots(n)[k].child, level - 1,
				     cs, lo, hi)) {
			changed |= slot_update(r, n, level, i, k);
		}
		k += n->realmap >> i & 1;
	}
	node_shrink(r, link, level);
	return changed;
}

/*
 * ---- The root ----
 *
 * grow_root() puts levels on top until the root covers page hi - 1 (an
 * empty root first if there is none); shrink_root() undoes what is not
 * needed: an entirely free root, and a root above level 1 whose only used
 * slot is slot 0 (its child becomes the root).
 */
static void shrink_root(struct radix_vmap *r)
{
	struct radix_node *n = r->root;

	if (n && !(n->realmap | n->fullmap)) {
		node_put(r, n);
		r->root = NULL;
		r->height = 0;
		return;
	}
	while (n && r->height > 1 && n->realmap == 1 && !n->fullmap) {
		r->root = node_slots(n)[0].child;
		node_put(r, n);
		r->height--;
		n = r->root;
	}
}

/* -ENOMEM: a block could not be had; the tree is as before (shrink it). */
static int grow_root(struct radix_vmap *r, uint64_t hi)
{
	unsigned h = r->height ? r->height : 1;
	struct radix_node *n;

	while (cover_of(r, h) < hi)
		h++;
	if (!r->root) {
		n = block_get(r);
		if (!n)
			return -ENOMEM;
		r->root = node_init(r, n, h);
		r->height = h;
		return 0;
	}
	while (r->height < h) {
		struct radix_sum s = node_sum(r->root, r->height);
		struct radix_slot *sl;

		n = block_get(r);
		if (!n)
			return -ENOMEM;
		node_init(r, n, r->height + 1);
		n->realmap = 1;
		n->startmap = s.starts;
		sl = &node_slots(n)[0];
		sl->child = r->root;
		sl->lead = s.lead;
		sl->longest = s.longest;
		sl->trail = s.trail;
		r->root = n;
		r->height++;
	}
	return 0;
}

/*
 * ---- Lookup ----
 *
 * walk() descends to page p and records the path; it stops at a leaf, at
 * a free or full slot, or above the root's cover.  From that path,
 * next_stop() finds the end of the area holding busy page p (the first
 * later page that is free or a start) and prev_start() its start (the last
 * start bit at or before p).
 */
struct radix_path {
	unsigned depth;
	struct {
		const struct radix_node *node;
		uint64_t base;
		unsigned slot;
	} step[RADIX_MAX_HEIGHT];
	const struct radix_leaf *leaf;  /* the leaf, or NULL */
	bool full;                      /* stopped at a full slot */
	uint64_t leaf_base;
};

/* Entry index of real slot @i of @n. */
static inline unsigned entry_of(const struct radix_node *n, unsigned i)
{
	return popc64(n->realmap & bits_below(i));
}

static void walk(struct radix_vmap *r, uint64_t p, struct radix_path *path)
{
	const struct radix_node *n = r->root;
	uint64_t base = 0;

	path->depth = 0;
	path->leaf = NULL;
	path->full = false;
	if (!n || p >= cover_of(r, r->height))
		return;
	for (unsigned level = r->height;; level--) {
		unsigned cshift = child_shift(level);
		unsigned i = (unsigned)((p - base) >> cshift);

		r->base.visits++;
		path->step[path->depth].node = n;
		path->step[path->depth].base = base;
		path->step[path->depth].slot = i;
		path->depth++;
		base += (uint64_t)i << cshift;
		if (!(n->realmap >> i & 1)) {
			path->full = n->fullmap >> i & 1;
			return;
		}
		if (level == 1) {
			r->base.visits++;
			path->leaf = &node_leaves(n)[entry_of(n, i)];
			path->leaf_base = base;
			return;
		}
		n = node_slots(n)[entry_of(n, i)].child;
	}
}

static bool path_busy(const struct radix_path *path, uint64_t p)
{
	if (path->full)
		return true;
	return path->leaf && path->leaf->busy >> (p - path->leaf_base) & 1;
}

/* The first page in real child @c (at @level, from @base) free or a start. */
static uint64_t first_stop(struct radix_vmap *r, const struct radix_node *c,
			   unsigned level, uint64_t base)
{
	for (;; level--) {
		unsigned cshift = child_shift(level), i;
		uint64_t m = ~c->fullmap & SLOT_MASK;

		r->base.visits++;
		if (!m)  /* impossible by the invariants */
			return base + ((uint64_t)RADIX_SLOTS << cshift);
		i = ctz64(m);
		base += (uint64_t)i << cshift;
		if (!(c->realmap >> i & 1))
			return base;
		if (level == 1) {
			const struct radix_leaf *l = &node_leaves(c)[
				entry_of(c, i)];

			m = (~l->busy | l->start) & LEAF_MASK;
			return base + (m ? ctz64(m) : LEAF_PAGES);
		}
		c = node_slots(c)[entry_of(c, i)].child;
	}
}

static uint64_t next_stop(struct radix_vmap *r, const struct radix_path *path,
			  uint64_t p)
{
	if (path->leaf) {
		const struct radix_leaf *l = path->leaf;
		unsigned b = (unsigned)(p - path->leaf_base);
		uint64_t m = b == 63 ? 0 : (~l->busy | l->start) & LEAF_MASK &
					   bits_from(b + 1);

		if (m)
			return path->leaf_base + ctz64(m);
	}
	for (unsigned d = path->depth; d-- > 0;) {
		const struct radix_node *n = path->step[d].node;
		unsigned level = r->height - d, cshift = child_shift(level);
		unsigned s = path->step[d].slot, j;
		uint64_t m, cs;

		if (s + 1 >= RADIX_SLOTS)
			continue;
		m = ~n->fullmap & SLOT_MASK & bits_from(s + 1);
		if (!m)
			continue;
		j = ctz64(m);
		/* At the root, slots past the range's end do not exist as
		 * pages (and their start may not fit). */
		if (d == 0 && (uint64_t)j > (r->pages - 1) >> cshift)
			return r->pages;
		cs = path->step[d].base + ((uint64_t)j << cshift);
		if (!(n->realmap >> j & 1))
			return cs;
		if (level == 1) {
			const struct radix_leaf *l = &node_leaves(n)[
				entry_of(n, j)];

			m = (~l->busy | l->start) & LEAF_MASK;
			return cs + (m ? ctz64(m) : LEAF_PAGES);
		}
		return first_stop(r, node_slots(n)[entry_of(n, j)].child,
				  level - 1, cs);
	}
	return cover_of(r, r->height);
}

/* The last start bit in real child @c (at @level, from @base). */
static uint64_t last_start(struct radix_vmap *r, const struct radix_node *c,
			   unsigned level, uint64_t base)
{
	for (;; level--) {
		unsigned i;

		r->base.visits++;
		if (!c->startmap)  /* impossible by the invariants */
			return base;
		i = msb64(c->startmap);
		base += (uint64_t)i << child_shift(level);
		if (level == 1) {
			const struct radix_leaf *l = &node_leaves(c)[
				entry_of(c, i)];

			return base + (l->start ? msb64(l->start) : 0);
		}
		c = node_slots(c)[entry_of(c, i)].child;
	}
}

/* The last start at or before busy page p; false if none (corruption). */
static bool prev_start(struct radix_vmap *r, const struct radix_path *path,
		       uint64_t p, uint64_t *sp)
{
	if (path->leaf) {
		const struct radix_leaf *l = path->leaf;
		unsigned b = (unsigned)(p - path->leaf_base);
		uint64_t m = l->start & bits_upto(b);

		if (m) {
			*sp = path->leaf_base + msb64(m);
			return true;
		}
	}
	for (unsigned d = path->depth; d-- > 0;) {
		const struct radix_node *n = path->step[d].node;
		unsigned level = r->height - d, i = path->step[d].slot;
		uint64_t m = n->startmap & bits_below(i);

		if (m) {
			unsigned j = msb64(m);
			uint64_t cs = path->step[d].base +
				      ((uint64_t)j << child_shift(level));

			if (level == 1) {
				const struct radix_leaf *l = &node_leaves(n)[
					entry_of(n, j)];

				*sp = cs + msb64(l->start);
			} else {
				*sp = last_start(r, node_slots(n)[
					entry_of(n, j)].child, level - 1, cs);
			}
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
	unsigned shift = (unsigned)__builtin_ctzll(page_size);

	if (!r)
		return -ENOMEM;
	r->pages = (end - start) >> shift;
	r->first_page = start >> shift;
	r->max_height = 1;
	while (cover_of(r, r->max_height) < r->pages)
		r->max_height++;
	*out = &r->base;
	return 0;
}

static void radix_destroy(struct vmap *v)
{
	struct radix_vmap *r = to_radix(v);

	if (r->root)
		release(r, r->root, r->height);
	while (r->ncache)
		free(r->cache[--r->ncache]);
	free(r);
}

/*
 * Lowest fit, then mark it busy.  -ENOSPC: no fit (nothing changed).
 * -ENOMEM: a node for the marking could not be had; they are all had
 * before the tree changes, so the allocator is left as it was (nodes may
 * have grown, spare blocks may be kept).
 */
static int radix_alloc(struct vmap *v, uint64_t size, uint64_t align,
		       uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct radix_vmap *r = to_radix(v);
	unsigned shift = v->page_shift, nnew = 0;
	struct radix_req q = {
		.r = r,
		.n = size >> shift,
		.kmask = (align >> shift) - 1,
		.lo = (vstart - v->start) >> shift,
		.hi = (vend - v->start) >> shift,
	};
	uint64_t lo, hi;
	int err;

	q.phase = (0 - r->first_page) & q.kmask;
	if (!scan(&q))
		return -ENOSPC;
	lo = q.found;
	hi = q.found + q.n;
	err = grow_root(r, hi);
	if (!err)
		err = reserve(r, &r->root, r->height, 0, lo, hi, lo, &nnew);
	while (!err && r->ncache < nnew) {
		struct radix_node *n = malloc(RADIX_MIN_BYTES);

		if (!n) {
			err = -ENOMEM;
			break;
		}
		r->bytes += RADIX_MIN_BYTES;
		r->cache[r->ncache++] = n;
	}
	if (err) {
		shrink_root(r);
		return err;
	}
	mark_busy(r, r->root, r->height, 0, lo, hi, lo);
	v->live++;
	*addr = v->start + (lo << shift);
	return 0;
}

/* -ENOENT unless a start bit marks @addr.  Frees nodes; cannot fail. */
static int radix_free(struct vmap *v, uint64_t addr)
{
	struct radix_vmap *r = to_radix(v);
	uint64_t p = (addr - v->start) >> v->page_shift, q;
	struct radix_path path;

	walk(r, p, &path);
	if (!path.leaf || !(path.leaf->start >> (p - path.leaf_base) & 1))
		return -ENOENT;
	q = next_stop(r, &path, p);
	mark_free(r, &r->root, r->height, 0, p, q);
	shrink_root(r);
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

	return sizeof(*r) + r->bytes;
}

/* ---- Validation ---- */

struct radix_check {
	const struct radix_vmap *r;
	struct reason *why;       /* where a broken invariant is reported */
	uint64_t nodes, bytes, starts;
	bool prev_busy;           /* the page before the walk's position */
};

#define radix_bad(c, ...) vmap_corrupt((c)->why, __VA_ARGS__)

static int check_leaf(struct radix_check *c, const struct radix_leaf *l,
		      uint64_t base)
{
	uint64_t need;

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
	c->starts += popc64(l->start);
	return 0;
}

static int check_node(struct radix_check *c, const struct radix_node *n,
		      unsigned level, uint64_t base)
{
	unsigned cshift = child_shift(level), k = 0;
	uint64_t S = 1ULL << cshift, pages = c->r->pages;
	int err;

	c->nodes++;
	c->bytes += n->size;
	if ((n->realmap | n->fullmap) & ~SLOT_MASK ||
	    n->realmap & n->fullmap || n->startmap & ~n->realmap)
		return radix_bad(c, "level %u node at page %#llx: maps "
			   "%#llx/%#llx/%#llx inconsistent", level,
			   (unsigned long long)base,
			   (unsigned long long)n->realmap,
			   (unsigned long long)n->fullmap,
			   (unsigned long long)n->startmap);
	if (popc64(n->realmap) > n->cap ||
	    node_bytes(level, n->cap) > n->size ||
	    n->size < RADIX_MIN_BYTES)
		return radix_bad(c, "level %u node at page %#llx: %u entries, "
			   "capacity %u", level, (unsigned long long)base,
			   popc64(n->realmap), n->cap);
	for (unsigned i = 0; i < RADIX_SLOTS; i++) {
		/* base < pages: a node starts inside the range. */
		bool past = (uint64_t)i > (pages - 1 - base) >> cshift;
		uint64_t cs = past ? 0 : base + ((uint64_t)i << cshift);
		struct radix_sum s;

		if (n->fullmap >> i & 1) {
			if (past || pages - cs < S)
				return radix_bad(c, "full slot past the range at "
					   "page %#llx", (unsigned long long)cs);
			if (!c->prev_busy)
				return radix_bad(c, "full slot at page %#llx after a "
					   "free page", (unsigned long long)cs);
			continue;
		}
		if (!(n->realmap >> i & 1)) {
			c->prev_busy = false;
			continue;
		}
		if (past)
			return radix_bad(c, "real slot past the range");
		if (level == 1) {
			const struct radix_leaf *l = &node_leaves(n)[k++];

			err = check_leaf(c, l, cs);
			if (err)
				return err;
			s = leaf_sum(l);
			if (node_longest(n)[i] != s.longest)
				return radix_bad(c, "leaf at page %#llx: longest "
					   "%u kept, %llu recomputed",
					   (unsigned long long)cs,
					   node_longest(n)[i],
					   (unsigned long long)s.longest);
		} else {
			const struct radix_slot *sl = &node_slots(n)[k++];

			err = check_node(c, sl->child, level - 1, cs);
			if (err)
				return err;
			s = node_sum(sl->child, level - 1);
			if (sl->lead != s.lead || sl->longest != s.longest ||
			    sl->trail != s.trail)
				return radix_bad(c, "level %u slot %u at page "
					   "%#llx: summary %llu/%llu/%llu, "
					   "recomputed %llu/%llu/%llu",
					   level, i, (unsigned long long)cs,
					   (unsigned long long)sl->lead,
					   (unsigned long long)sl->longest,
					   (unsigned long long)sl->trail,
					   (unsigned long long)s.lead,
					   (unsigned long long)s.longest,
					   (unsigned long long)s.trail);
		}
		if (s.longest == S)
			return radix_bad(c, "entirely free child kept at page "
				   "%#llx", (unsigned long long)cs);
		if (!s.longest && !s.starts)
			return radix_bad(c, "entirely busy child without a "
				   "start kept at page %#llx",
				   (unsigned long long)cs);
		if ((n->startmap >> i & 1) != s.starts)
			return radix_bad(c, "level %u slot %u at page %#llx: "
				   "startmap bit %d, subtree %s starts", level,
				   i, (unsigned long long)cs,
				   (int)(n->startmap >> i & 1),
				   s.starts ? "has" : "has no");
	}
	return 0;
}

static int radix_check(const struct vmap *v, struct reason *why)
{
	const struct radix_vmap *r = to_radix(v);
	struct radix_check c = { .r = r, .why = why };
	const struct radix_node *n = r->root;
	int err;

	if (r->ncache > RADIX_CACHE)
		return radix_bad(&c, "%u spare blocks", r->ncache);
	c.bytes = (uint64_t)r->ncache * RADIX_MIN_BYTES;
	if (!n != !r->height || r->height > r->max_height)
		return radix_bad(&c, "root %p at height %u of %u", (void *)n,
			   r->height, r->max_height);
	if (n) {
		if (!(n->realmap | n->fullmap))
			return radix_bad(&c, "entirely free root kept");
		if (r->height > 1 && n->realmap == 1 && !n->fullmap)
			return radix_bad(&c, "root at level %u uses slot 0 "
				   "only", r->height);
		err = check_node(&c, n, r->height, 0);
		if (err)
			return err;
	}
	if (c.nodes != r->nodes || c.bytes != r->bytes)
		return radix_bad(&c, "%llu nodes and %llu bytes reachable, %llu "
			   "and %llu counted", (unsigned long long)c.nodes,
			   (unsigned long long)c.bytes,
			   (unsigned long long)r->nodes,
			   (unsigned long long)r->bytes);
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
