/* SPDX-License-Identifier: MIT */
/*
 * linux: the kernel's own free-area allocator of mm/vmalloc.c, compiled
 * from a kernel source tree at build time (extract.py) against the shim in
 * kshim.h, behind the ordinary vmap interface.
 *
 * What is the kernel's: every line that searches, splits, merges, links and
 * rebalances -- __alloc_vmap_area() (find_vmap_lowest_match(),
 * is_within_this_va(), classify_va_fit_type(), va_clip() or
 * adjust_va_to_fit_type(), va_alloc() where it exists), insert_vmap_area(),
 * unlink_va(), merge_or_add_vmap_area_augment(), __find_vmap_area(), the
 * augment callbacks of RB_DECLARE_CALLBACKS_MAX and lib/rbtree.c, all
 * unchanged.  What is ours: this file, which calls them as alloc_vmap_area()
 * and free_vmap_area() do, one free tree and one busy tree per instance
 * (the kernel's globals, or since 6.9 its per-node busy trees, collapsed to
 * one), with no locks, no lazy purge (a free goes straight back to the free
 * tree, as free_vmap_area() does) and no per-CPU preload beyond the one
 * spare node each instance keeps for the NE_FIT split.
 *
 * Errors: -ENOMEM before anything changes when the busy node or the spare
 * cannot be had; -ENOSPC when __alloc_vmap_area() returns vend.  A WARN
 * in the kernel code (an overlap found by find_va_links(), a fit type it
 * did not expect) is counted and makes check() fail.
 *
 * node_visits counts each vmap_area the kernel code reaches through
 * rb_entry() (descents, augment updates, subtree-max reads), so it is the
 * kernel's own work but not the same measure as the other strategies'.
 *
 * Memory: sizeof(struct vmap_area) (72 bytes in 6.12, 64 in 6.1) per busy
 * area and per free block, from the same node pool as the other strategies.
 */
#include <stdlib.h>

#include "../pool.h"
#include "../vmap_impl.h"
#include "kshim.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
/* vmap.h has a struct vmap_area of its own: the kernel's is renamed. */
#define vmap_area linux_vmap_area
#include <kernel/lib/rbtree.c>

struct linux_vmap {
	struct vmap base;
	struct rb_root free_root;     /* free_vmap_area_root */
	struct list_head free_list;   /* free_vmap_area_list */
	struct rb_root busy_root;     /* vmap_area_root */
	struct list_head busy_list;   /* vmap_area_list */
	struct vmap_area *preload;    /* ne_fit_preload_node */
	struct pool pool;             /* vmap_area_cachep */
	uint64_t warnings;            /* WARN*() that fired */
};

struct linux_vmap *linux_current;

/* rb_entry() counting the nodes the kernel code reaches. */
#undef rb_entry
#define rb_entry(ptr, type, member) \
	(linux_current->base.visits++, container_of(ptr, type, member))
#define ne_fit_preload_node (linux_current->preload)

#include "linux_extract.h"
#pragma GCC diagnostic pop
#undef vmap_area

#define to_linux(v) ((struct linux_vmap *)(v))

void linux_warn(void)
{
	linux_current->warnings++;
}

void *linux_cache_alloc(void)
{
	return pool_get(&linux_current->pool);
}

void linux_cache_free(void *p)
{
	pool_put(&linux_current->pool, p);
}

unsigned long linux_page_size(void)
{
	return linux_current->base.page_size;
}

static int linux_create(struct vmap **out, uint64_t start, uint64_t end,
			uint64_t page_size)
{
	struct linux_vmap *l = malloc(sizeof(*l));
	struct linux_vmap_area *va;

	if (!l)
		return -ENOMEM;
	pool_init(&l->pool, sizeof(struct linux_vmap_area),
		  _Alignof(struct linux_vmap_area));
	va = pool_get(&l->pool);
	if (!va) {
		free(l);
		return -ENOMEM;
	}
	l->free_root = RB_ROOT;
	l->busy_root = RB_ROOT;
	INIT_LIST_HEAD(&l->free_list);
	INIT_LIST_HEAD(&l->busy_list);
	l->preload = NULL;
	l->warnings = 0;
	l->base.visits = 0;
	linux_current = l;
	/* As vmap_init_free_space() does for each hole. */
	va->va_start = start;
	va->va_end = end;
	insert_vmap_area_augment(va, NULL, &l->free_root, &l->free_list);
	*out = &l->base;
	return 0;
}

static void linux_destroy(struct vmap *v)
{
	pool_destroy(&to_linux(v)->pool);
	free(v);
}

/* As alloc_vmap_area(): the node and the spare first, then the search. */
static int linux_alloc(struct vmap *v, uint64_t size, uint64_t align,
		       uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct linux_vmap *l = to_linux(v);
	struct linux_vmap_area *va;
	unsigned long at;

	linux_current = l;
	va = pool_get(&l->pool);
	if (!va)
		return -ENOMEM;
	if (!l->preload) {
		l->preload = pool_get(&l->pool);
		if (!l->preload) {
			pool_put(&l->pool, va);
			return -ENOMEM;
		}
	}
	at = __alloc_vmap_area(&l->free_root, &l->free_list, size, align,
			       vstart, vend);
	if (at == vend) {
		pool_put(&l->pool, va);
		return -ENOSPC;
	}
	va->va_start = at;
	va->va_end = at + size;
	va->vm = NULL;
	insert_vmap_area(va, &l->busy_root, &l->busy_list);
	v->live++;
	*addr = at;
	return 0;
}

/* As free_vmap_area(). */
static int linux_free(struct vmap *v, uint64_t addr)
{
	struct linux_vmap *l = to_linux(v);
	struct linux_vmap_area *va;

	linux_current = l;
	va = __find_vmap_area(addr, &l->busy_root);
	if (!va || va->va_start != addr)
		return -ENOENT;
	unlink_va(va, &l->busy_root);
	merge_or_add_vmap_area_augment(va, &l->free_root, &l->free_list);
	v->live--;
	return 0;
}

static int linux_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	struct linux_vmap *l = to_linux(v);
	struct linux_vmap_area *va;

	linux_current = l;
	va = __find_vmap_area(addr, &l->busy_root);
	if (!va)
		return -ENOENT;
	area->start = va->va_start;
	area->size = va->va_end - va->va_start;
	return 0;
}

/* Nodes in both trees; the spare for the next split is not counted. */
static uint64_t linux_meta_bytes(const struct vmap *v)
{
	const struct linux_vmap *l = to_linux(v);

	return sizeof(*l) + (l->pool.in_use - (l->preload != NULL)) *
		l->pool.slot;
}

#define va_of(rb) container_of(rb, struct linux_vmap_area, rb_node)

/*
 * Check the subtree at @rb (parent @parent): parents, colours, order
 * inside (lo, hi), and for the free tree the subtree maximum.  The black
 * height into *bh; the node count is added to *count.
 */
static int check_subtree(const struct rb_node *rb, const struct rb_node *p,
			 bool augmented, unsigned long lo, unsigned long hi,
			 int *bh, long *count, unsigned long *max,
			 struct reason *r)
{
	const struct linux_vmap_area *va;
	unsigned long lmax = 0, rmax = 0, m;
	int lb, rbh, err;

	if (!rb) {
		*bh = 1;
		*max = 0;
		return 0;
	}
	va = va_of(rb);
	if (rb_parent(rb) != p)
		return vmap_corrupt(r, "node %#lx: wrong parent", va->va_start);
	if (va->va_start >= va->va_end || va->va_start < lo ||
	    va->va_end > hi)
		return vmap_corrupt(r, "node %#lx-%#lx out of order",
				    va->va_start, va->va_end);
	if (rb_is_red(rb) && p && rb_is_red(p))
		return vmap_corrupt(r, "node %#lx: red under red",
				    va->va_start);
	err = check_subtree(rb->rb_left, rb, augmented, lo, va->va_start, &lb,
			    count, &lmax, r);
	if (err)
		return err;
	err = check_subtree(rb->rb_right, rb, augmented, va->va_end, hi, &rbh,
			    count, &rmax, r);
	if (err)
		return err;
	if (lb != rbh)
		return vmap_corrupt(r, "node %#lx: black heights %d and %d",
				    va->va_start, lb, rbh);
	m = va->va_end - va->va_start;
	m = lmax > m ? lmax : m;
	m = rmax > m ? rmax : m;
	if (augmented && va->subtree_max_size != m)
		return vmap_corrupt(r, "node %#lx: subtree max %#lx, computed "
				    "%#lx", va->va_start,
				    va->subtree_max_size, m);
	*max = m;
	*bh = lb + rb_is_black(rb);
	(*count)++;
	return 0;
}

/* The list of a tree must hold its nodes in the tree's order. */
static int check_list(const struct rb_root *root, const struct list_head *h,
		      const char *what, struct reason *r)
{
	const struct list_head *e = h->next;

	for (const struct rb_node *rb = rb_first(root); rb; rb = rb_next(rb)) {
		if (e == h || e != &va_of(rb)->list || e->next->prev != e)
			return vmap_corrupt(r, "%s list differs from the tree "
					    "at %#lx", what,
					    va_of(rb)->va_start);
		e = e->next;
	}
	if (e != h)
		return vmap_corrupt(r, "%s list longer than the tree", what);
	return 0;
}

static int linux_check(const struct vmap *v, struct reason *r)
{
	const struct linux_vmap *l = to_linux(v);
	const struct rb_node *b, *f;
	unsigned long pos = v->start, max;
	long nbusy = 0, nfree = 0;
	bool last_free = false;
	int bh, err;

	if (l->warnings)
		return vmap_corrupt(r, "the kernel code warned %llu times",
				    (unsigned long long)l->warnings);
	if (l->busy_root.rb_node && !rb_is_black(l->busy_root.rb_node))
		return vmap_corrupt(r, "busy tree: red root");
	if (l->free_root.rb_node && !rb_is_black(l->free_root.rb_node))
		return vmap_corrupt(r, "free tree: red root");
	err = check_subtree(l->busy_root.rb_node, NULL, false, v->start,
			    v->end, &bh, &nbusy, &max, r);
	if (!err)
		err = check_subtree(l->free_root.rb_node, NULL, true,
				    v->start, v->end, &bh, &nfree, &max, r);
	if (!err)
		err = check_list(&l->busy_root, &l->busy_list, "busy", r);
	if (!err)
		err = check_list(&l->free_root, &l->free_list, "free", r);
	if (err)
		return err;
	if ((uint64_t)nbusy != v->live)
		return vmap_corrupt(r, "%ld busy areas in the tree, %llu live",
				    nbusy, (unsigned long long)v->live);
	b = rb_first(&l->busy_root);
	f = rb_first(&l->free_root);
	while (b || f) {
		const struct linux_vmap_area *va;

		if (b && va_of(b)->va_start == pos) {
			va = va_of(b);
			b = rb_next(b);
			last_free = false;
		} else if (f && va_of(f)->va_start == pos && !last_free) {
			va = va_of(f);
			f = rb_next(f);
			last_free = true;
		} else {
			return vmap_corrupt(r, "at %#lx: gap, overlap or two "
					    "free blocks unmerged", pos);
		}
		if ((va->va_start | va->va_end) & (v->page_size - 1))
			return vmap_corrupt(r, "%#lx-%#lx not page-granular",
					    va->va_start, va->va_end);
		pos = va->va_end;
	}
	if (pos != v->end)
		return vmap_corrupt(r, "pieces end at %#lx, range at %#llx",
				    pos, (unsigned long long)v->end);
	return 0;
}

const struct vmap_ops vmap_linux_ops = {
	.create = linux_create,
	.destroy = linux_destroy,
	.alloc = linux_alloc,
	.free = linux_free,
	.find = linux_find,
	.meta_bytes = linux_meta_bytes,
	.check = linux_check,
};

const char vmap_linux_version[] = LINUX_VERSION_STRING;
