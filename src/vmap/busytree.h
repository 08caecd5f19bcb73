/* SPDX-License-Identifier: MIT */
/*
 * Internal to the vmap module: the busy-area tree shared by the "rbtree" and
 * "rbtree-cached" strategies.  Live areas are nodes of one plain red-black
 * tree keyed by start address; the space between them is free.
 *
 * Invariant: areas are page-granular, ascend by start, do not overlap and
 * lie inside the allocator's range, so end = start + size never wraps.
 *
 * Conventions in this file: `root` is the tree, `visits` the caller's node
 * visit counter (vmap.visits), bumped once per node whose key is examined.
 * Each lookup is one O(log n) descent.
 */
#ifndef VMBENCH_VMAP_BUSYTREE_H
#define VMBENCH_VMAP_BUSYTREE_H

#include <stdlib.h>

#include <vmbench/rbtree.h>

#include "pool.h"
#include "vmap_impl.h"

struct busy_area {
	struct rb_node rb;
	uint64_t start, size;
};

#define busy_of(n) rb_entry(n, struct busy_area, rb)

static inline uint64_t busy_end(const struct busy_area *a)
{
	return a->start + a->size;
}

static inline bool busy_less(const struct rb_node *a, const struct rb_node *b)
{
	return busy_of(a)->start < busy_of(b)->start;
}

/*
 * The lowest area that ends after @addr, or NULL.  An area that contains
 * @addr is that area (every earlier one ends at or below its start), so the
 * descent stops there.
 */
static inline struct busy_area *
busy_first_ending_after(const struct rb_root *root, uint64_t addr,
			uint64_t *visits)
{
	struct rb_node *n = root->node;
	struct busy_area *first = NULL;

	while (n) {
		struct busy_area *a = busy_of(n);

		++*visits;
		if (busy_end(a) > addr) {
			first = a;
			if (a->start <= addr)
				break;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return first;
}

/* The area starting exactly at @addr, or NULL. */
static inline struct busy_area *
busy_find_start(const struct rb_root *root, uint64_t addr, uint64_t *visits)
{
	struct rb_node *n = root->node;

	while (n) {
		struct busy_area *a = busy_of(n);

		++*visits;
		if (addr < a->start)
			n = n->left;
		else if (addr > a->start)
			n = n->right;
		else
			return a;
	}
	return NULL;
}

/* The area containing @addr, or NULL. */
static inline struct busy_area *
busy_find_containing(const struct rb_root *root, uint64_t addr,
		     uint64_t *visits)
{
	struct rb_node *n = root->node;

	while (n) {
		struct busy_area *a = busy_of(n);

		++*visits;
		if (addr < a->start)
			n = n->left;
		else if (addr - a->start >= a->size)
			n = n->right;
		else
			return a;
	}
	return NULL;
}

/* The area containing @addr into *area, or -ENOENT: a strategy's find(). */
static inline int busy_find(const struct rb_root *root, uint64_t addr,
			    uint64_t *visits, struct vmap_area *area)
{
	const struct busy_area *a = busy_find_containing(root, addr, visits);

	if (!a)
		return -ENOENT;
	area->start = a->start;
	area->size = a->size;
	return 0;
}

/* Prepare @pool for this tree's nodes. */
static inline void busy_pool_init(struct pool *pool)
{
	pool_init(pool, sizeof(struct busy_area), _Alignof(struct busy_area));
}

/*
 * Insert a new area [start, start + size), which the caller has found free,
 * in a node from @pool.  NULL on out-of-memory, with the tree unchanged.
 */
static inline struct busy_area *
busy_insert(struct rb_root *root, struct pool *pool, uint64_t start,
	    uint64_t size, uint64_t *visits)
{
	struct busy_area *a = pool_get(pool);
	struct rb_node **link = &root->node, *parent = NULL;

	if (!a)
		return NULL;
	a->start = start;
	a->size = size;
	while (*link) {
		parent = *link;
		++*visits;
		link = start < busy_of(parent)->start ? &parent->left
						      : &parent->right;
	}
	rb_link_node(&a->rb, parent, link);
	rb_insert_color(&a->rb, root);
	return a;
}

/* Unlink @a and give its node back to @pool. */
static inline void busy_remove(struct rb_root *root, struct pool *pool,
			       struct busy_area *a)
{
	rb_erase(&a->rb, root);
	pool_put(pool, a);
}

/* Free every node at once (they all live in @pool); the tree is empty. */
static inline void busy_destroy(struct rb_root *root, struct pool *pool)
{
	pool_destroy(pool);
	root->node = NULL;
}

/*
 * Validate the tree of @v: red-black shape and strict ascending order, every
 * area page-granular, non-overlapping and inside the range, as many nodes as
 * v->live, and, when @member is not NULL, that @member is one of the nodes
 * (compared by address only: a dangling pointer is never dereferenced).
 * 0, or -EUCLEAN with the reason in @r (through vmap_corrupt()).
 */
static inline int busy_check(const struct vmap *v, const struct rb_root *root,
			     const struct rb_node *member, struct reason *r)
{
	struct reason why;
	long count = rb_validate(root, busy_less, NULL, &why);
	uint64_t prev_end = v->start, n = 0;
	bool found = false;

	if (count < 0)
		return vmap_corrupt(r, "tree: %s", why.msg);
	for (const struct rb_node *rb = rb_first(root); rb;
	     rb = rb_next(rb), n++) {
		const struct busy_area *a = busy_of(rb);

		if (!a->size || (a->start | a->size) & (v->page_size - 1))
			return vmap_corrupt(r,
				"area %#llx+%#llx not page-granular",
				(unsigned long long)a->start,
				(unsigned long long)a->size);
		if (a->start < prev_end || a->start > v->end ||
		    v->end - a->start < a->size)
			return vmap_corrupt(r, "area %#llx overlaps or outside",
					    (unsigned long long)a->start);
		prev_end = busy_end(a);
		if (rb == member)
			found = true;
	}
	if (n != v->live || (uint64_t)count != n)
		return vmap_corrupt(r, "%llu nodes, %llu live",
				    (unsigned long long)n,
				    (unsigned long long)v->live);
	if (member && !found)
		return vmap_corrupt(r, "cached node %p is not in the tree",
				    (const void *)member);
	return 0;
}

#endif /* VMBENCH_VMAP_BUSYTREE_H */
