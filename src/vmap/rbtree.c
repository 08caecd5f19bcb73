/* SPDX-License-Identifier: MIT */
/*
 * rbtree: busy areas in a red-black tree keyed by start (busytree.h).
 * Allocation descends to the first area ending after vstart, then walks the
 * areas in order, trying each hole between them, until one fits: exact
 * lowest-fit, the same placements as "list", but reaching the window in
 * O(log n) instead of O(n).  The walk itself is still linear in the number
 * of areas it passes.  Free and find are one O(log n) descent each.
 *
 * Invariant: busytree.h's; nothing else is kept.
 */
#include "busytree.h"

struct rbtree_vmap {
	struct vmap base;
	struct rb_root root;
	struct pool pool;  /* the tree's nodes */
};

#define to_rbtree(v) ((struct rbtree_vmap *)(v))

static int rbtree_create(struct vmap **out, uint64_t start, uint64_t end,
			 uint64_t page_size)
{
	struct rbtree_vmap *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->root = RB_ROOT;
	busy_pool_init(&t->pool);
	*out = &t->base;
	return 0;
}

static void rbtree_destroy(struct vmap *v)
{
	busy_destroy(&to_rbtree(v)->root, &to_rbtree(v)->pool);
	free(v);
}

static int rbtree_alloc(struct vmap *v, uint64_t size, uint64_t align,
			uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct rb_root *root = &to_rbtree(v)->root;
	struct busy_area *a = busy_first_ending_after(root, vstart, &v->visits);
	uint64_t lo = vstart, at;

	/*
	 * Holes in ascending order: [lo, start of a) clipped to vend, where
	 * lo is vstart or the end of the area before a.  The first area may
	 * contain vstart, making its hole empty.
	 */
	for (bool first = true;; first = false) {
		uint64_t hi = vend;

		if (a) {
			if (!first)
				v->visits++;
			if (a->start < hi)
				hi = a->start;
		}
		if (lo < hi && vmap_fit(lo, hi, size, align, &at))
			break;
		if (!a || a->start >= vend)
			return -ENOSPC;
		lo = busy_end(a);
		a = rb_entry_safe(rb_next(&a->rb), struct busy_area, rb);
	}
	if (!busy_insert(root, &to_rbtree(v)->pool, at, size, &v->visits))
		return -ENOMEM;
	v->live++;
	*addr = at;
	return 0;
}

static int rbtree_free(struct vmap *v, uint64_t addr)
{
	struct rb_root *root = &to_rbtree(v)->root;
	struct busy_area *a = busy_find_start(root, addr, &v->visits);

	if (!a)
		return -ENOENT;
	busy_remove(root, &to_rbtree(v)->pool, a);
	v->live--;
	return 0;
}

static int rbtree_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	return busy_find(&to_rbtree(v)->root, addr, &v->visits, area);
}

static uint64_t rbtree_meta_bytes(const struct vmap *v)
{
	return sizeof(struct rbtree_vmap) + v->live * sizeof(struct busy_area);
}

static int rbtree_check(const struct vmap *v, struct reason *r)
{
	return busy_check(v, &to_rbtree(v)->root, NULL, r);
}

const struct vmap_ops vmap_rbtree_ops = {
	.create = rbtree_create,
	.destroy = rbtree_destroy,
	.alloc = rbtree_alloc,
	.free = rbtree_free,
	.find = rbtree_find,
	.meta_bytes = rbtree_meta_bytes,
	.check = rbtree_check,
};
