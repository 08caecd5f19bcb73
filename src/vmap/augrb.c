/* SPDX-License-Identifier: MIT */
/*
 * augrb: free space as blocks in a red-black tree keyed by address, every
 * node augmented with the largest free block in its subtree; busy areas in a
 * second tree keyed by start.  The shape of the free-space tree Linux's
 * vmalloc has used since 5.2, held to the exact lowest-fit policy.
 *
 * Conventions in this file: `a` is the allocator, `n` a node, `rb` its
 * struct rb_node, [s, e) a free block, [at, at + size) the area being
 * allocated or freed, `prev` / `next` the free blocks on either side of it.
 *
 * Invariants (checked by augrb_check()):
 *   1. free blocks are non-empty, page-granular, ascend by start and are
 *      never adjacent: two touching free blocks are always merged;
 *   2. every free node's max is the largest size in its subtree;
 *   3. busy areas ascend by start and do not overlap;
 *   4. busy areas and free blocks tile [start, end) exactly;
 *   5. each piece's below / above point at the pieces next to it exactly
 *      when those are of the other kind (see "Links" below).
 *   6. once built, the busy hash holds every busy area once, in the bucket
 *      of its start.
 *
 * Split: alloc takes [at, at + size) from the lowest free block it fits.
 *
 *   free block        [s ....................... e)
 *   exact             [at ..................... )    node moves to busy tree
 *   left edge         [at ....)[s' ............ e)   start, size shrink
 *   right edge        [s ............ )[at .... )    size shrinks
 *   middle            [s ...)[at ....)[new .... e)   size shrinks + new node
 *
 * Merge: free gives [at, at + size) back and joins the blocks it touches.
 *
 *   before            [prev ...)[busy ....)[next ...)
 *   both sides        [prev ........................)   next node released
 *   left only         [prev ............)  gap          prev grows
 *   right only        gap  [next' ..............)       next grows down
 *   neither           gap  [busy node as free)  gap     node changes trees
 *
 * Links across the trees: every node also points at the pieces just below
 * and just above it when they are of the other kind (NULL otherwise): a
 * free block at the busy areas around it, a busy area at the free blocks it
 * touches.  These two words play the part of the kernel's list_head in
 * vmap_area (the kernel threads each tree's nodes on a list in address
 * order instead), and they save descents where the kernel makes them:
 *   - alloc: the busy areas around the chosen block are neighbours in the
 *     busy tree, so the new area is linked between them with no descent
 *     (the kernel descends the busy tree to insert);
 *   - free: the blocks to merge with are the area's own links, so the free
 *     tree is descended only to insert a block that merged with nothing
 *     (the kernel descends it on every free).
 *   - free: the area itself is found by its start in a hash of the busy
 *     areas (chained through the word that holds max in the free tree, so
 *     the node stays 64 bytes), not by a descent of the busy tree: one
 *     bucket and a chain of AUGRB_HASH_LOAD areas at most on average, where
 *     a descent takes some 10 nodes at a thousand areas and 20 at a
 *     million, most of them cache misses once the tree outgrows the L1.
 *     Measured at 1k live areas too, the hash pays: 80 instructions fewer
 *     per free + alloc, 0.8 more D1 misses (its bucket), 8-10% less time
 *     (see AUGRB_HASH_FROM).  The busy tree
 *     is still kept for find() (the area containing an address) and for
 *     the busy neighbours of a freed area.
 * The trees, their keys and the policy are the kernel's; each op still
 * searches the tree it must (lowest fit in the free tree, the address in
 * the busy tree).
 *
 * Nodes: 64 bytes, one cache line, the same in both trees (max and the
 * links' meaning aside), so an exact fit and a merge-less free move a node
 * between trees instead of allocating one.  They come from a pool of
 * 2 MiB-aligned chunks advised for transparent huge pages (pool.h), as the
 * kernel's vmap_area slab lives in the huge-page direct map.  meta_bytes
 * counts 64 bytes per busy area and per free block (free blocks number at
 * most live + 1), the hash's buckets once built (8 bytes per 1 to 2 busy
 * areas; the array only grows) plus the allocator object, whose 16 bytes
 * for the hash (bucket pointer and bit count) are held, and counted,
 * before the buckets exist too; the pool's slack (chunk headers, the newest chunk's
 * slots not yet handed out, released slots waiting for reuse) is not
 * counted, as the bytes of malloc()ed nodes
 * never counted malloc's own overhead.
 *
 * A merge only makes a free block larger, so free raises the maxima above
 * it with augrb_max_grow() and inserts with augrb_max_insert(), which read
 * the path up and no sibling (rbtree_augmented.h); only a split, which
 * shrinks a block, recomputes from both children.  At 20k live areas this
 * took the D1 misses per free + alloc from 24.0 to 22.2 (callgrind).
 *
 * Free prefetches its merge partners and the busy tree's nodes around the
 * area as soon as it has the area; alloc prefetches the busy areas around
 * the chosen block and the new area's hash bucket.
 *
 * Every descent prefetches both children of the node it stands on: the
 * child it takes next is then on its way even when the branch to it was
 * mispredicted; at a million areas (nodes far beyond the caches) this took
 * 15-30% off a free + alloc pair on the 2-core test VM.
 *
 * Search: an in-order walk from the lowest block that prunes subtrees whose
 * max is below the size and subtrees lying wholly below vstart or at/after
 * vend, and tests each remaining block with vmap_fit() on its part of the
 * window.  With align at most the page size every block of sufficient size
 * fully inside the window fits, so the walk follows one root-to-leaf path:
 * O(log n), plus one failed candidate per window edge.  A large alignment
 * can fail on blocks whose size suffices; the walk then moves on to the
 * next candidate in order, O(log n) each.  The kernel instead searches for
 * size + align - 1, which is cheaper but may skip a block that would fit.
 */
#include <stdlib.h>

#include <vmbench/rbtree_augmented.h>

#include "pool.h"
#include "vmap_impl.h"

struct augrb_node {
	struct rb_node rb;
	uint64_t start, size;
	union {
		uint64_t max;  /* free tree: largest size in the subtree */
		struct augrb_node *hnext;  /* busy: next in its hash chain */
	};
	/* The pieces just below and just above, when of the other kind. */
	struct augrb_node *below, *above;
};

struct augrb_vmap {
	struct vmap base;
	struct rb_root free;  /* free blocks by start, augmented with max */
	struct rb_root busy;  /* busy areas by start */
	uint64_t nfree;       /* nodes in the free tree */
	struct pool pool;     /* every node of both trees */
	/* Busy areas by start, chained through hnext: 2^hbits buckets. */
	struct augrb_node **bucket;
	unsigned hbits;
};

#ifndef AUGRB_NODE_ALIGN
#define AUGRB_NODE_ALIGN 64  /* one node, one cache line */
#endif

/*
 * The busy hash: built once more than AUGRB_HASH_FROM areas are live (by
 * default with the first; the tests also build it midway and never, where
 * free descends the busy tree instead), its buckets at first, and the most
 * areas per bucket.
 */
#ifndef AUGRB_HASH_FROM
#define AUGRB_HASH_FROM 0
#endif
#ifndef AUGRB_HASH_MIN_BITS
#define AUGRB_HASH_MIN_BITS 6
#endif
#ifndef AUGRB_HASH_LOAD
#define AUGRB_HASH_LOAD 2
#endif

#ifndef AUGRB_PREFETCH
#define AUGRB_PREFETCH(p) __builtin_prefetch(p)
#endif

#define to_augrb(v) ((struct augrb_vmap *)(v))
#define node_of(ptr) rb_entry(ptr, struct augrb_node, rb)
#define node_size(n) ((n)->size)

RB_DECLARE_MAX(augrb_max, struct augrb_node, rb, uint64_t, max, node_size);

static bool augrb_less(const struct rb_node *x, const struct rb_node *y)
{
	return node_of(x)->start < node_of(y)->start;
}

static inline uint64_t max_of(const struct rb_node *rb)
{
	return rb ? node_of(rb)->max : 0;
}

/* The chain of busy areas starting at @start could be in. */
static inline struct augrb_node **bucket_of(const struct augrb_vmap *a,
					   uint64_t start)
{
	uint64_t page = start >> a->base.page_shift;

	return &a->bucket[(page * 0x9e3779b97f4a7c15ULL) >> (64 - a->hbits)];
}

/*
 * Twice the buckets once the chains average AUGRB_HASH_LOAD areas; when
 * the larger array cannot be had, the chains just grow longer (nothing
 * fails).
 */
static void hash_grow(struct augrb_vmap *a)
{
	struct augrb_node **old = a->bucket, *n, *next;
	size_t nold = (size_t)1 << a->hbits;

	a->bucket = calloc(nold * 2, sizeof(*a->bucket));
	if (!a->bucket) {
		a->bucket = old;
		return;
	}
	a->hbits++;
	for (size_t i = 0; i < nold; i++)
		for (n = old[i]; n; n = next) {
			struct augrb_node **b = bucket_of(a, n->start);

			next = n->hnext;
			n->hnext = *b;
			*b = n;
		}
	free(old);
}

/*
 * Build the hash of every busy area; without memory for it, stay without
 * (the next insertion tries again).
 */
static void hash_build(struct augrb_vmap *a)
{
	unsigned bits = AUGRB_HASH_MIN_BITS;

	while (a->base.live > (uint64_t)AUGRB_HASH_LOAD << bits)
		bits++;
	a->bucket = calloc((size_t)1 << bits, sizeof(*a->bucket));
	if (!a->bucket)
		return;
	a->hbits = bits;
	for (struct rb_node *rb = rb_first(&a->busy); rb; rb = rb_next(rb)) {
		struct augrb_node **b = bucket_of(a, node_of(rb)->start);

		node_of(rb)->hnext = *b;
		*b = node_of(rb);
	}
}

/* Add busy area @n (already in the busy tree and counted live). */
static inline void hash_insert(struct augrb_vmap *a, struct augrb_node *n)
{
	struct augrb_node **b;

	if (!a->bucket) {
		if (a->base.live > AUGRB_HASH_FROM)
			hash_build(a);
		return;
	}
	b = bucket_of(a, n->start);
	n->hnext = *b;
	*b = n;
	if (a->base.live > (uint64_t)AUGRB_HASH_LOAD << a->hbits)
		hash_grow(a);
}

/* The busy area starting at @addr by a descent of the busy tree, or NULL. */
static struct augrb_node *busy_find_start(struct augrb_vmap *a, uint64_t addr)
{
	struct rb_node *rb = a->busy.node;

	while (rb) {
		struct augrb_node *n = node_of(rb);

		a->base.visits++;
		AUGRB_PREFETCH(rb->left);
		AUGRB_PREFETCH(rb->right);
		if (addr < n->start)
			rb = rb->left;
		else if (addr > n->start)
			rb = rb->right;
		else
			return n;
	}
	return NULL;
}

/* Unlink and return the busy area starting at @addr, or NULL. */
static inline struct augrb_node *hash_remove(struct augrb_vmap *a,
					     uint64_t addr)
{
	struct augrb_node **link = bucket_of(a, addr), *n;

	for (; (n = *link); link = &n->hnext) {
		a->base.visits++;
		if (n->start == addr) {
			*link = n->hnext;
			return n;
		}
	}
	return NULL;
}

static int augrb_create(struct vmap **out, uint64_t start, uint64_t end,
			uint64_t page_size)
{
	struct augrb_vmap *a = malloc(sizeof(*a));
	struct augrb_node *n;

	if (!a)
		return -ENOMEM;
	a->bucket = NULL;
	a->hbits = 0;
	pool_init(&a->pool, sizeof(*n), AUGRB_NODE_ALIGN);
	n = pool_get(&a->pool);
	if (!n) {
		free(a);
		return -ENOMEM;
	}
	a->free = RB_ROOT;
	a->busy = RB_ROOT;
	n->start = start;
	n->size = end - start;
	n->max = n->size;
	n->below = n->above = NULL;
	rb_link_node(&n->rb, NULL, &a->free.node);
	augrb_max_insert(&n->rb, &a->free);
	a->nfree = 1;
	*out = &a->base;
	return 0;
}

static void augrb_destroy(struct vmap *v)
{
	pool_destroy(&to_augrb(v)->pool);
	free(to_augrb(v)->bucket);
	free(v);
}

/* Where the part of block @n inside [vstart, vend) holds the request. */
static inline bool block_fit(const struct augrb_node *n, uint64_t size,
			     uint64_t align, uint64_t vstart, uint64_t vend,
			     uint64_t *addr)
{
	uint64_t lo = n->start > vstart ? n->start : vstart;
	uint64_t e = n->start + n->size, hi = e < vend ? e : vend;

	return lo < hi && vmap_fit(lo, hi, size, align, addr);
}

/*
 * The lowest free block holding the request, with the address in *addr, or
 * NULL.  Blocks in a node's left subtree end below its start and those in
 * its right subtree begin above its end (blocks never touch), which is what
 * lets whole subtrees be skipped for the window.
 */
static struct augrb_node *lowest_match(struct augrb_vmap *a, uint64_t size,
				       uint64_t align, uint64_t vstart,
				       uint64_t vend, uint64_t *addr)
{
	struct rb_node *rb = a->free.node, *p;
	uint64_t *visits = &a->base.visits;

	if (max_of(rb) < size)
		return NULL;
	for (;;) {
		/* Down: the leftmost subtree that may hold a fit. */
		(*visits)++;
		AUGRB_PREFETCH(rb->left);
		AUGRB_PREFETCH(rb->right);
		if (rb->left && max_of(rb->left) >= size &&
		    node_of(rb)->start > vstart) {
			rb = rb->left;
			continue;
		}
		/* Everything left of rb is done: rb itself, then its right. */
		for (;;) {
			struct augrb_node *n = node_of(rb);

			if (n->start >= vend)
				return NULL;  /* so is every later block */
			if (n->size >= size &&
			    block_fit(n, size, align, vstart, vend, addr))
				return n;
			if (rb->right && max_of(rb->right) >= size &&
			    n->start + n->size < vend) {
				rb = rb->right;
				break;
			}
			/* Up to the first ancestor whose left side is done. */
			while ((p = rb_parent(rb)) && rb == p->right)
				rb = p;
			if (!p)
				return NULL;
			rb = p;
			(*visits)++;
		}
	}
}

/*
 * Link @n into the busy tree between @below and @above, busy areas next to
 * each other in address order (NULL past either end).  Of two neighbours in
 * order, either the later lies in the earlier's right subtree, as its
 * leftmost node, or the earlier in the later's left subtree, as its
 * rightmost: @below's right link or @above's left link is empty, and @n
 * goes there without a descent.
 */
static void busy_link(struct augrb_vmap *a, struct augrb_node *n,
		      struct augrb_node *below, struct augrb_node *above)
{
	struct rb_node *parent = NULL, **link = &a->busy.node;

	if (below) {
		a->base.visits++;
		parent = &below->rb;
		link = &parent->right;
	}
	if (above && (!below || *link)) {
		a->base.visits++;
		parent = &above->rb;
		link = &parent->left;
	}
	rb_link_node(&n->rb, parent, link);
	rb_insert_color(&n->rb, &a->busy);
}

/* The busy area just below @n in address order (rb_prev()), or NULL. */
static struct augrb_node *busy_prev(struct augrb_vmap *a, struct augrb_node *n)
{
	struct rb_node *rb = &n->rb, *p;

	if (rb->left) {
		for (rb = rb->left; rb->right; rb = rb->right)
			a->base.visits++;
		a->base.visits++;
		return node_of(rb);
	}
	while ((p = rb_parent(rb)) && rb == p->left)
		rb = p;
	return p ? node_of(p) : NULL;
}

/* The busy area just above @n in address order (rb_next()), or NULL. */
static struct augrb_node *busy_next(struct augrb_vmap *a, struct augrb_node *n)
{
	struct rb_node *rb = &n->rb, *p;

	if (rb->right) {
		for (rb = rb->right; rb->left; rb = rb->left)
			a->base.visits++;
		a->base.visits++;
		return node_of(rb);
	}
	while ((p = rb_parent(rb)) && rb == p->right)
		rb = p;
	return p ? node_of(p) : NULL;
}

/*
 * Link @n, a block not yet in the free tree, at the empty @link of @parent
 * (found by the caller's descent) and rebalance; its max starts as its own
 * size, augrb_max_insert() fixes the maxima above it.
 */
static inline void free_link(struct augrb_vmap *a, struct augrb_node *n,
			     struct rb_node *parent, struct rb_node **link)
{
	n->max = n->size;
	rb_link_node(&n->rb, parent, link);
	augrb_max_insert(&n->rb, &a->free);
	a->nfree++;
}

/* Link @n into the free tree as the in-order successor of @prev. */
static void free_insert_after(struct augrb_vmap *a, struct augrb_node *prev,
			      struct augrb_node *n)
{
	struct rb_node *parent = &prev->rb, **link = &parent->right;

	while (*link) {
		a->base.visits++;
		parent = *link;
		link = &parent->left;
	}
	free_link(a, n, parent, link);
}

/* Link @n into the free tree by start. */
static void free_insert(struct augrb_vmap *a, struct augrb_node *n)
{
	struct rb_node **link = &a->free.node, *parent = NULL;

	while (*link) {
		a->base.visits++;
		parent = *link;
		AUGRB_PREFETCH(parent->left);
		AUGRB_PREFETCH(parent->right);
		link = n->start < node_of(parent)->start ? &parent->left :
							   &parent->right;
	}
	free_link(a, n, parent, link);
}

/* Link @n into the free tree as the in-order predecessor of @next. */
static void free_insert_before(struct augrb_vmap *a, struct augrb_node *next,
			       struct augrb_node *n)
{
	struct rb_node *parent = &next->rb, **link = &parent->left;

	while (*link) {
		a->base.visits++;
		parent = *link;
		link = &parent->right;
	}
	free_link(a, n, parent, link);
}

/*
 * Take [at, at + size) out of free block @n.  The busy areas around @n, x
 * below and y above, stay the busy neighbours of the new area, which is
 * linked between them; the links between pieces of different kinds follow
 * the split.  A middle split keeps the left part in @n and inserts the
 * right part as its successor; with @kernel_split (augrb-linux) @n keeps
 * the right part and the left part is inserted as its predecessor, as the
 * kernel's NE_FIT_TYPE split does, so the free tree keeps the kernel's
 * shape.
 */
static int augrb_take(struct augrb_vmap *a, struct augrb_node *n,
		      uint64_t at, uint64_t size, bool kernel_split)
{
	struct augrb_node *busy, *rest = NULL, *x, *y;
	uint64_t s, e;

	s = n->start;
	e = s + n->size;
	x = n->below;
	y = n->above;
	/* Both are written below, and so is the new area's hash bucket. */
	AUGRB_PREFETCH(x);
	AUGRB_PREFETCH(y);
	if (a->bucket)
		AUGRB_PREFETCH(bucket_of(a, at));

	if (at == s && at + size == e) {
		augrb_max_erase(&n->rb, &a->free);
		a->nfree--;
		busy = n;
		busy->below = busy->above = NULL;
		if (x)
			x->above = NULL;
		if (y)
			y->below = NULL;
	} else {
		/* Every allocation first, so -ENOMEM leaves all unchanged. */
		busy = pool_get(&a->pool);
		if (!busy)
			return -ENOMEM;
		if (at != s && at + size != e) {
			rest = pool_get(&a->pool);
			if (!rest) {
				pool_put(&a->pool, busy);
				return -ENOMEM;
			}
		}
		/* In place: the block keeps its position among its peers. */
		if (at == s) {
			n->start = at + size;
			n->size = e - n->start;
			n->below = busy;
			busy->below = NULL;
			busy->above = n;
			if (x)
				x->above = NULL;
		} else if (rest && kernel_split) {
			n->start = at + size;
			n->size = e - n->start;
			n->below = busy;
			busy->below = rest;
			busy->above = n;
		} else {
			n->size = at - s;
			n->above = busy;
			busy->below = n;
			busy->above = rest;
			if (!rest && y)
				y->below = NULL;
		}
		augrb_max_propagate(&n->rb);
		if (rest && kernel_split) {
			rest->start = s;
			rest->size = at - s;
			rest->below = x;
			rest->above = busy;
			if (x)
				x->above = rest;
			free_insert_before(a, n, rest);
		} else if (rest) {
			rest->start = at + size;
			rest->size = e - rest->start;
			rest->below = busy;
			rest->above = y;
			if (y)
				y->below = rest;
			free_insert_after(a, n, rest);
		}
	}
	busy->start = at;
	busy->size = size;
	busy_link(a, busy, x, y);
	a->base.live++;
	hash_insert(a, busy);
	return 0;
}

static int augrb_alloc(struct vmap *v, uint64_t size, uint64_t align,
		       uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct augrb_vmap *a = to_augrb(v);
	struct augrb_node *n;
	uint64_t at;
	int err;

	n = lowest_match(a, size, align, vstart, vend, &at);
	if (!n)
		return -ENOSPC;
	err = augrb_take(a, n, at, size, false);
	if (!err)
		*addr = at;
	return err;
}

/*
 * augrb-linux: the kernel's placement rule (vmap.h, "The kernel's rule"),
 * in this file's tree.  All arithmetic wraps as the kernel's unsigned long
 * does, so the answers are the kernel's also where it would overflow.
 */

/* ALIGN(), as the kernel computes it. */
static inline uint64_t kalign(uint64_t x, uint64_t align)
{
	return (x + align - 1) & ~(align - 1);
}

/* The aligned start the kernel takes in block @n for window start @vstart. */
static inline uint64_t kstart(const struct augrb_node *n, uint64_t align,
			      uint64_t vstart)
{
	return kalign(n->start > vstart ? n->start : vstart, align);
}

/* Whether the kernel sees room for @size in block @n (is_within_this_va). */
static inline bool kwithin(const struct augrb_node *n, uint64_t size,
			   uint64_t align, uint64_t vstart)
{
	uint64_t at = kstart(n, align, vstart);

	if (at + size < at || at < vstart)
		return false;
	return at + size <= n->start + n->size;
}

/*
 * The block the kernel's search returns (find_vmap_lowest_match): descend
 * left while the left subtree's max reaches @length and the window starts
 * below the node; else take the node if the request is within it; else go
 * right if the right subtree's max reaches @length; else climb, taking the
 * first ancestor the request is within, or entering the first right
 * subtree that reaches @length of an ancestor at or above the window's
 * start -- which then moves the window's start past that ancestor.
 */
static struct augrb_node *kernel_match(struct augrb_vmap *a, uint64_t size,
				       uint64_t align, uint64_t vstart,
				       uint64_t length)
{
	struct rb_node *rb = a->free.node;
	uint64_t *visits = &a->base.visits;

	while (rb) {
		struct augrb_node *n = node_of(rb);

		(*visits)++;
		AUGRB_PREFETCH(rb->left);
		AUGRB_PREFETCH(rb->right);
		if (max_of(rb->left) >= length && vstart < n->start) {
			rb = rb->left;
			continue;
		}
		if (kwithin(n, size, align, vstart))
			return n;
		if (max_of(rb->right) >= length) {
			rb = rb->right;
			continue;
		}
		while ((rb = rb_parent(rb))) {
			n = node_of(rb);
			(*visits)++;
			if (kwithin(n, size, align, vstart))
				return n;
			if (max_of(rb->right) >= length &&
			    vstart <= n->start) {
				vstart = n->start + 1;
				rb = rb->right;
				break;
			}
		}
	}
	return NULL;
}

static int augrb_linux_alloc(struct vmap *v, uint64_t size, uint64_t align,
			     uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct augrb_vmap *a = to_augrb(v);
	struct augrb_node *n;
	uint64_t length = size, at;
	int err;

	/* The search length: size + align - 1 unless the window is exact. */
	if (align > v->page_size && vend - vstart != size)
		length = size + align - 1;
	n = kernel_match(a, size, align, vstart, length);
	if (!n)
		return -ENOSPC;
	at = kstart(n, align, vstart);
	/* The window's end is checked only now, on the block found. */
	if (at + size > vend)
		return -ENOSPC;
	/* What classify_va_fit_type() calls NOTHING_FIT (only on wrap). */
	if (at < n->start || at + size > n->start + n->size)
		return -ENOSPC;
	err = augrb_take(a, n, at, size, true);
	if (!err)
		*addr = at;
	return err;
}

/*
 * Give [addr, end) back.  The free blocks touching it, if any, are the
 * area's own below / above links, so only the busy tree is searched; the
 * busy neighbours in order are needed only where a side has no free block,
 * to link to the block that now borders them, and the free tree is
 * descended only to insert a block that merged with nothing.
 */
static int augrb_free(struct vmap *v, uint64_t addr)
{
	struct augrb_vmap *a = to_augrb(v);
	struct augrb_node *busy, *prev, *next, *c, *d;

	busy = a->bucket ? hash_remove(a, addr) : busy_find_start(a, addr);
	if (!busy)
		return -ENOENT;
	prev = busy->below;
	next = busy->above;
	/* The merge partners, and the nodes the busy tree's erase reads. */
	AUGRB_PREFETCH(prev);
	AUGRB_PREFETCH(next);
	AUGRB_PREFETCH(rb_parent(&busy->rb));
	AUGRB_PREFETCH(busy->rb.left);
	AUGRB_PREFETCH(busy->rb.right);
	c = prev ? NULL : busy_prev(a, busy);
	d = next ? NULL : busy_next(a, busy);
	rb_erase(&busy->rb, &a->busy);
	v->live--;

	if (prev && next) {
		augrb_max_erase(&next->rb, &a->free);
		a->nfree--;
		prev->size = next->start + next->size - prev->start;
		prev->above = next->above;
		if (prev->above)
			prev->above->below = prev;
		augrb_max_grow(&prev->rb);
		pool_put(&a->pool, next);
		pool_put(&a->pool, busy);
	} else if (prev) {
		prev->size += busy->size;
		prev->above = d;
		if (d)
			d->below = prev;
		augrb_max_grow(&prev->rb);
		pool_put(&a->pool, busy);
	} else if (next) {
		next->start = addr;
		next->size += busy->size;
		next->below = c;
		if (c)
			c->above = next;
		augrb_max_grow(&next->rb);
		pool_put(&a->pool, busy);
	} else {
		busy->below = c;
		busy->above = d;
		if (c)
			c->above = busy;
		if (d)
			d->below = busy;
		free_insert(a, busy);
	}
	return 0;
}

static int augrb_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	struct rb_node *rb = to_augrb(v)->busy.node;
	const struct augrb_node *best = NULL;

	while (rb) {
		const struct augrb_node *n = node_of(rb);

		v->visits++;
		AUGRB_PREFETCH(rb->left);
		AUGRB_PREFETCH(rb->right);
		if (addr < n->start) {
			rb = rb->left;
		} else {
			best = n;
			rb = rb->right;
		}
	}
	if (!best || addr - best->start >= best->size)
		return -ENOENT;
	area->start = best->start;
	area->size = best->size;
	return 0;
}

/*
 * Nodes in use, live + nfree of them, and the hash's buckets; the pool's
 * slack is not counted.
 */
static uint64_t augrb_meta_bytes(const struct vmap *v)
{
	const struct augrb_vmap *a = to_augrb(v);

	return sizeof(*a) + a->pool.in_use * a->pool.slot +
	       (a->bucket ? sizeof(*a->bucket) << a->hbits : 0);
}

/*
 * Walk busy areas and free blocks together in address order: each piece
 * must start where the previous one ended, no two free blocks may follow
 * each other, and two neighbours are linked (below / above) exactly when
 * they are of different kinds.
 */
static int augrb_check(const struct vmap *v, struct reason *r)
{
	const struct augrb_vmap *a = to_augrb(v);
	const struct rb_node *b, *f;
	struct reason why;
	uint64_t pos = v->start, pmask = v->page_size - 1;
	const struct augrb_node *last = NULL;
	bool last_free = false;
	uint64_t nh;
	long nb, nf;

	nb = rb_validate(&a->busy, augrb_less, NULL, &why);
	if (nb < 0)
		return vmap_corrupt(r, "busy tree: %s", why.msg);
	if ((uint64_t)nb != v->live)
		return vmap_corrupt(r, "%ld busy areas in the tree, %llu live",
				    nb, (unsigned long long)v->live);
	nf = rb_validate(&a->free, augrb_less, augrb_max_summary_ok, &why);
	if (nf < 0)
		return vmap_corrupt(r, "free tree: %s", why.msg);
	if ((uint64_t)nf != a->nfree)
		return vmap_corrupt(r, "%ld free blocks in the tree, %llu "
				    "counted", nf,
				    (unsigned long long)a->nfree);

	b = rb_first(&a->busy);
	f = rb_first(&a->free);
	while (b || f) {
		const struct augrb_node *n;
		bool is_free;

		if (b && node_of(b)->start == pos) {
			n = node_of(b);
			b = rb_next(b);
			is_free = false;
		} else if (f && node_of(f)->start == pos) {
			n = node_of(f);
			f = rb_next(f);
			is_free = true;
			if (last_free)
				return vmap_corrupt(r, "free block %#llx "
						    "adjacent to the previous "
						    "one",
						    (unsigned long long)pos);
		} else {
			return vmap_corrupt(r, "nothing starts at %#llx: gap "
					    "or overlap",
					    (unsigned long long)pos);
		}
		if (!n->size || n->size & pmask)
			return vmap_corrupt(r, "%s %#llx+%#llx not "
					    "page-granular",
					    is_free ? "free block" : "area",
					    (unsigned long long)n->start,
					    (unsigned long long)n->size);
		if (n->size > v->end - pos)
			return vmap_corrupt(r, "%s %#llx+%#llx past the end",
					    is_free ? "free block" : "area",
					    (unsigned long long)n->start,
					    (unsigned long long)n->size);
		if (n->below != (last && last_free != is_free ? last : NULL) ||
		    (last && last->above != (last_free != is_free ? n : NULL)))
			return vmap_corrupt(r, "wrong links between the pieces "
					    "meeting at %#llx",
					    (unsigned long long)pos);
		pos += n->size;
		last = n;
		last_free = is_free;
	}
	if (last && last->above)
		return vmap_corrupt(r, "the last piece links to one above it");
	if (pos != v->end)
		return vmap_corrupt(r, "pieces end at %#llx, range at %#llx",
				    (unsigned long long)pos,
				    (unsigned long long)v->end);
	/* The hash holds every busy area, each in its own bucket. */
	if (!a->bucket)
		return 0;
	nh = 0;
	for (size_t i = 0; i < (size_t)1 << a->hbits; i++)
		for (const struct augrb_node *n = a->bucket[i]; n; n = n->hnext)
			if (++nh > v->live)
				return vmap_corrupt(r, "busy hash holds more "
						    "than %llu areas",
						    (unsigned long long)v->live);
	if (nh != v->live)
		return vmap_corrupt(r, "busy hash holds %llu areas, %llu live",
				    (unsigned long long)nh,
				    (unsigned long long)v->live);
	for (b = rb_first(&a->busy); b; b = rb_next(b)) {
		const struct augrb_node *n = *bucket_of(a, node_of(b)->start);

		while (n && n != node_of(b))
			n = n->hnext;
		if (!n)
			return vmap_corrupt(r, "busy area %#llx not in its "
					    "hash bucket", (unsigned long long)
					    node_of(b)->start);
	}
	return 0;
}

const struct vmap_ops vmap_augrb_ops = {
	.create = augrb_create,
	.destroy = augrb_destroy,
	.alloc = augrb_alloc,
	.free = augrb_free,
	.find = augrb_find,
	.meta_bytes = augrb_meta_bytes,
	.check = augrb_check,
};

/* The same tree under the kernel's placement rule. */
const struct vmap_ops vmap_augrb_linux_ops = {
	.create = augrb_create,
	.destroy = augrb_destroy,
	.alloc = augrb_linux_alloc,
	.free = augrb_free,
	.find = augrb_find,
	.meta_bytes = augrb_meta_bytes,
	.check = augrb_check,
};
