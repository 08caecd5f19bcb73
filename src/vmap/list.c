/* SPDX-License-Identifier: MIT */
/*
 * list: busy areas on a singly linked list sorted by address.  Allocation
 * scans from the lowest area for the first hole that fits (lowest-fit);
 * free and find scan for the area.  O(n) per operation: the baseline.
 *
 * Invariant: areas ascend by start, do not overlap, lie inside the range.
 */
#include <stdlib.h>

#include "pool.h"
#include "vmap_impl.h"

struct list_area {
	struct list_area *next;
	uint64_t start, size;
};

struct list_vmap {
	struct vmap base;
	struct list_area *head;
	struct pool pool;  /* the areas' nodes */
};

#define to_list(v) ((struct list_vmap *)(v))

static int list_create(struct vmap **out, uint64_t start, uint64_t end,
		       uint64_t page_size)
{
	struct list_vmap *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	pool_init(&l->pool, sizeof(struct list_area),
		  _Alignof(struct list_area));
	*out = &l->base;
	return 0;
}

static void list_destroy(struct vmap *v)
{
	pool_destroy(&to_list(v)->pool);
	free(v);
}

static int list_alloc(struct vmap *v, uint64_t size, uint64_t align,
		      uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct list_area **link = &to_list(v)->head, *a, *n;
	uint64_t lo = vstart, at;

	/* Skip the areas that end at or below vstart. */
	for (; (a = *link) && a->start + a->size <= vstart; link = &a->next)
		v->visits++;
	for (;; link = &a->next) {
		uint64_t hi = vend;

		a = *link;
		if (a) {
			v->visits++;
			if (a->start < hi)
				hi = a->start;
		}
		if (lo < hi && vmap_fit(lo, hi, size, align, &at))
			break;
		if (!a || a->start >= vend)
			return -ENOSPC;
		if (a->start + a->size > lo)
			lo = a->start + a->size;
	}
	n = pool_get(&to_list(v)->pool);
	if (!n)
		return -ENOMEM;
	n->start = at;
	n->size = size;
	n->next = a;
	*link = n;
	v->live++;
	*addr = at;
	return 0;
}

static int list_free(struct vmap *v, uint64_t addr)
{
	struct list_area **link, *a;

	for (link = &to_list(v)->head; (a = *link); link = &a->next) {
		v->visits++;
		if (a->start >= addr)
			break;
	}
	if (!a || a->start != addr)
		return -ENOENT;
	*link = a->next;
	pool_put(&to_list(v)->pool, a);
	v->live--;
	return 0;
}

static int list_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	for (struct list_area *a = to_list(v)->head; a; a = a->next) {
		v->visits++;
		if (a->start > addr)
			break;
		if (addr - a->start < a->size) {
			area->start = a->start;
			area->size = a->size;
			return 0;
		}
	}
	return -ENOENT;
}

static uint64_t list_meta_bytes(const struct vmap *v)
{
	return sizeof(struct list_vmap) + v->live * sizeof(struct list_area);
}

static int list_check(const struct vmap *v, struct reason *r)
{
	uint64_t n = 0, prev_end = v->start;

	for (const struct list_area *a = to_list(v)->head; a; a = a->next, n++) {
		if (!a->size || (a->start | a->size) & (v->page_size - 1))
			return vmap_corrupt(r, "area %#llx+%#llx not page-granular",
					    (unsigned long long)a->start,
					    (unsigned long long)a->size);
		if (a->start < prev_end || a->start > v->end ||
		    v->end - a->start < a->size)
			return vmap_corrupt(r, "area %#llx out of order or range",
					    (unsigned long long)a->start);
		prev_end = a->start + a->size;
	}
	if (n != v->live)
		return vmap_corrupt(r, "%llu areas listed, %llu live",
				    (unsigned long long)n,
				    (unsigned long long)v->live);
	return 0;
}

const struct vmap_ops vmap_list_ops = {
	.create = list_create,
	.destroy = list_destroy,
	.alloc = list_alloc,
	.free = list_free,
	.find = list_find,
	.meta_bytes = list_meta_bytes,
	.check = list_check,
};
