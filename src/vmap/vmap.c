/* SPDX-License-Identifier: MIT */
/*
 * The strategy registry and the checks every request passes before a
 * strategy sees it (see vmap_impl.h for what a strategy may assume).
 */
#include <stdlib.h>
#include <string.h>

#include "vmap_impl.h"

/* The strategies, in the order reports list them. */
static const struct vmap_strategy strategies[] = {
	{ "list", true, "address-sorted list of busy areas, first-fit scan",
	  &vmap_list_ops, VMAP_COST_LINEAR, NULL, false },
	{ "rbtree", true, "rb-tree of busy areas, descent then in-order walk",
	  &vmap_rbtree_ops, VMAP_COST_LINEAR, NULL, false },
	{ "rbtree-cached", false,
	  "rbtree plus the pre-5.2 Linux free_vmap_cache next-fit heuristic",
	  &vmap_rbtree_cached_ops, VMAP_COST_LINEAR_SOMETIMES, NULL, false },
	{ "augrb", true, "free blocks in a tree augmented with the subtree max",
	  &vmap_augrb_ops, VMAP_COST_LOG, NULL, false },
	{ "radix", true, "sparse radix tree of free-run summaries, bitmap "
	  "leaves", &vmap_radix_ops, VMAP_COST_LOG, NULL, false },
	{ "gaptree", true, "B+tree of busy areas, largest gap per child",
	  &vmap_gaptree_ops, VMAP_COST_LOG, NULL, false },
	{ "augrb-linux", false, "augrb's tree under the kernel's placement "
	  "rule (size + align - 1 search)", &vmap_augrb_linux_ops,
	  VMAP_COST_LOG, NULL, true },
#ifdef VMBENCH_HAVE_LINUX
	/* Built only when a kernel source was found (src/vmap/linux/). */
	{ "linux", false, "the kernel's own mm/vmalloc.c free-area code, "
	  "compiled from its source", &vmap_linux_ops, VMAP_COST_LOG,
	  vmap_linux_version, true },
#endif
};

#define NSTRATEGIES (sizeof(strategies) / sizeof(strategies[0]))

const struct vmap_strategy *vmap_strategies(size_t *count)
{
	*count = NSTRATEGIES;
	return strategies;
}

const struct vmap_strategy *vmap_strategy_find(const char *name)
{
	for (size_t i = 0; i < NSTRATEGIES; i++)
		if (strcmp(strategies[i].name, name) == 0)
			return &strategies[i];
	return NULL;
}

/*
 * Measured on a 2.3 GHz VM: the O(n^2) fill takes list 0.5 s and rbtree
 * 1.5 s for 20k areas (so ~12 s and ~40 s for 100k); rbtree-cached's
 * fallback walk took 23 s for 1M areas and 20k ops.
 */
int64_t vmap_cost_max_live(enum vmap_cost cost)
{
	switch (cost) {
	case VMAP_COST_LINEAR: return 20000;
	case VMAP_COST_LINEAR_SOMETIMES: return 100000;
	case VMAP_COST_LOG: break;
	}
	return INT64_MAX;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

int vmap_create(struct vmap **out, const char *name, uint64_t start,
		uint64_t end, uint64_t page_size)
{
	const struct vmap_strategy *s = vmap_strategy_find(name);
	struct vmap *v;
	int err;

	if (!s || !is_pow2(page_size) || start >= end ||
	    (start | end) & (page_size - 1))
		return -EINVAL;
	err = s->ops->create(&v, start, end, page_size);
	if (err)
		return err;
	v->ops = s->ops;
	v->strategy = s;
	v->start = start;
	v->end = end;
	v->page_size = page_size;
	v->page_shift = (unsigned)__builtin_ctzll(page_size);
	v->live = 0;
	v->visits = 0;
	*out = v;
	return 0;
}

void vmap_destroy(struct vmap *v)
{
	if (v)
		v->ops->destroy(v);
}

const struct vmap_strategy *vmap_strategy_of(const struct vmap *v)
{
	return v->strategy;
}

int vmap_alloc(struct vmap *v, uint64_t size, uint64_t align,
	       uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	uint64_t pmask = v->page_size - 1;

	if (!size || size & pmask || !is_pow2(align) || vstart >= vend ||
	    vstart < v->start || vend > v->end)
		return -EINVAL;
	if (align < v->page_size)
		align = v->page_size;
	/* Areas are whole pages: shrink the window to the pages inside it. */
	if (!vmap_align_up(vstart, v->page_size, &vstart))
		return -ENOSPC;
	vend &= ~pmask;
	if (vstart >= vend || vend - vstart < size)
		return -ENOSPC;
	return v->ops->alloc(v, size, align, vstart, vend, addr);
}

int vmap_free(struct vmap *v, uint64_t addr)
{
	if (addr < v->start || addr >= v->end || addr & (v->page_size - 1))
		return -ENOENT;
	return v->ops->free(v, addr);
}

int vmap_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	if (addr < v->start || addr >= v->end)
		return -ENOENT;
	return v->ops->find(v, addr, area);
}

void vmap_stats(const struct vmap *v, struct vmap_stats *stats)
{
	stats->live_areas = v->live;
	stats->meta_bytes = v->ops->meta_bytes(v);
	stats->node_visits = v->visits;
}

int vmap_check(const struct vmap *v, struct reason *r)
{
	struct reason why;
	int err = v->ops->check(v, &why);

	if (err)
		reason_fail(r, err, 0, "%s: %s", v->strategy->name, why.msg);
	return err;
}
