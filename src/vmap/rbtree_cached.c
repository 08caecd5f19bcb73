/* SPDX-License-Identifier: MIT */
/*
 * rbtree-cached: the busy-area tree of "rbtree" (busytree.h) with the
 * allocation heuristic Linux's alloc_vmap_area() used before 5.2 (the
 * free_vmap_cache scheme, mm/vmalloc.c in 4.x-5.1).  Placement is
 * APPROXIMATELY LOWEST-FIT: it is a next-fit that falls back to a lowest-fit
 * scan when it believes a lower hole may serve the request.
 *
 * State, beside the tree:
 *   cache       the node of the last area allocated, or after a free below
 *               it the freed area's predecessor; NULL when reset.
 *   hole_size   the largest hole the walks skipped since the last reset,
 *               measured from the aligned candidate address to the next
 *               area's start: all holes below the cache are believed
 *               no larger than this.
 *   vstart, align   the window start and alignment of the last request.
 *
 * Allocation: the cache is dropped (a "nocache" lowest-fit scan from vstart)
 * when there is none, or size < hole_size, or vstart < the last vstart, or
 * align < the last align, or aligning the cached area's end leaves the
 * window's start behind.  Otherwise the search starts next-fit at the cached
 * area's end.  Either way it walks the areas in order from there and
 * takes the first hole the request fits in, recording the largest hole
 * skipped.  The new area becomes the cache.
 *
 * Free: if the freed area ends below the last vstart, the cache is reset;
 * else if it starts at or below the cached area, the cache moves to the
 * freed area's predecessor (which may be none), so the hole it leaves is the
 * first the next walk sees.  hole_size and align are left as they are, as in
 * the kernel.
 *
 * When it places higher than lowest-fit: next-fit never looks below the
 * cache, trusting that no hole there is longer than hole_size, measured
 * from where a request would start in it.  Since the last reset the walks
 * have passed every hole below the cache that lies in the window: vstart
 * can only have risen (a lower one drops the cache), alignment only
 * coarsened (a finer one drops it), and a free below the cache moves the
 * cache beneath the hole it leaves.  So a lower hole can only fit a request
 * of exactly hole_size bytes, which the strict test size < hole_size sends
 * next-fit: e.g. with a one-page hole walked below the cache, a one-page
 * request goes above the cache.  (Seeded random runs with random windows,
 * alignments and frees showed no other case.)  A window that ends below
 * the cache fails next-fit and gets the lowest-fit retry described next.
 * It never places outside the window, misaligned or overlapping.
 *
 * Deviations from the kernel, each to keep our interface's contract:
 *   - On failure the kernel purged lazily freed areas and retried once,
 *     with the cache as the purge's frees left it.  Nothing is freed lazily
 *     here, so the retry drops the cache instead: a failed next-fit search
 *     is followed by one lowest-fit scan, and -ENOSPC means no hole in the
 *     window fits.
 *   - A failed allocation leaves the cache state as it found it (vmap.h:
 *     failure changes nothing); the kernel kept what the failed call set.
 *   - The kernel detects overflow by comparing addr + size - 1 with addr
 *     and an ALIGN() that wrapped to 0 by comparing with vstart.  Here
 *     vmap_align_up() reports a wrapping alignment and sums are tested
 *     before they are formed; a wrapping alignment of the cached area's end
 *     is the kernel's "addr < vstart" case (drop the cache), any other wrap
 *     is -ENOSPC.
 *   - The kernel's va_end is exclusive, like our start + size, so its
 *     comparisons of va_end carry over unchanged.  Its size includes a guard
 *     page; ours is what the caller asks for.
 *   - The kernel's descent picks an area ending exactly at the candidate
 *     address as the first to walk; busy_first_ending_after() skips it.  It
 *     leaves no hole, so the walk, hole_size and result are the same.
 */
#include "busytree.h"

struct cached_state {
	struct rb_node *cache;     /* free_vmap_cache */
	uint64_t hole_size;        /* cached_hole_size */
	uint64_t vstart;           /* cached_vstart */
	uint64_t align;            /* cached_align */
};

struct cached_vmap {
	struct vmap base;
	struct rb_root root;
	struct pool pool;  /* the tree's nodes */
	struct cached_state st;
};

#define to_cached(v) ((struct cached_vmap *)(v))

static int cached_create(struct vmap **out, uint64_t start, uint64_t end,
			 uint64_t page_size)
{
	struct cached_vmap *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->root = RB_ROOT;
	busy_pool_init(&c->pool);
	*out = &c->base;
	return 0;
}

static void cached_destroy(struct vmap *v)
{
	busy_destroy(&to_cached(v)->root, &to_cached(v)->pool);
	free(v);
}

/* @addr + @size <= @vend, without forming a sum that could wrap. */
static bool ends_by(uint64_t addr, uint64_t size, uint64_t vend)
{
	return addr <= vend && vend - addr >= size;
}

/*
 * One search, next-fit from the cache when @use_cache allows and the
 * conditions hold, else lowest-fit from vstart.  The candidate into *addr;
 * -ENOSPC if none.  *from_cache tells which kind of search ran.
 */
static int cached_search(struct vmap *v, uint64_t size, uint64_t align,
			 uint64_t vstart, uint64_t vend, bool use_cache,
			 uint64_t *addr, bool *from_cache)
{
	struct cached_state *st = &to_cached(v)->st;
	struct busy_area *first;
	uint64_t at;

	if (!use_cache || !st->cache || size < st->hole_size ||
	    vstart < st->vstart || align < st->align) {
nocache:
		st->hole_size = 0;
		st->cache = NULL;
	}
	/* Remember the request; a more permissive one will drop the cache. */
	st->vstart = vstart;
	st->align = align;

	*from_cache = st->cache != NULL;
	if (st->cache) {
		first = busy_of(st->cache);
		v->visits++;
		if (!vmap_align_up(busy_end(first), align, &at) || at < vstart)
			goto nocache;
	} else {
		if (!vmap_align_up(vstart, align, &at))
			return -ENOSPC;
		first = busy_first_ending_after(&to_cached(v)->root, at,
						&v->visits);
	}

	/*
	 * [at, at + size) overlaps `first` or the areas up to it are passed:
	 * move on past `first`.  The walk ends at a hole before `first` that
	 * fits, past the last area, or once the candidate leaves the window.
	 */
	while (first && ends_by(at, size, vend) && at + size > first->start) {
		struct rb_node *next;

		if (at < first->start && first->start - at > st->hole_size)
			st->hole_size = first->start - at;
		if (!vmap_align_up(busy_end(first), align, &at))
			return -ENOSPC;
		next = rb_next(&first->rb);
		first = next ? busy_of(next) : NULL;
		if (first)
			v->visits++;
	}
	if (!ends_by(at, size, vend))
		return -ENOSPC;
	*addr = at;
	return 0;
}

static int cached_alloc(struct vmap *v, uint64_t size, uint64_t align,
			uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	struct cached_vmap *c = to_cached(v);
	struct cached_state saved = c->st;
	struct busy_area *a = NULL;
	bool from_cache;
	uint64_t at;
	int err;

	err = cached_search(v, size, align, vstart, vend, true, &at,
			    &from_cache);
	if (err == -ENOSPC && from_cache)
		err = cached_search(v, size, align, vstart, vend, false, &at,
				    &from_cache);
	if (!err) {
		a = busy_insert(&c->root, &c->pool, at, size, &v->visits);
		if (!a)
			err = -ENOMEM;
	}
	if (err) {
		c->st = saved;
		return err;
	}
	c->st.cache = &a->rb;
	v->live++;
	*addr = at;
	return 0;
}

static int cached_free(struct vmap *v, uint64_t addr)
{
	struct cached_vmap *c = to_cached(v);
	struct busy_area *a = busy_find_start(&c->root, addr, &v->visits);

	if (!a)
		return -ENOENT;
	if (c->st.cache) {
		if (busy_end(a) < c->st.vstart)
			c->st.cache = NULL;
		else if (a->start <= busy_of(c->st.cache)->start)
			c->st.cache = rb_prev(&a->rb);
	}
	busy_remove(&c->root, &c->pool, a);
	v->live--;
	return 0;
}

static int cached_find(struct vmap *v, uint64_t addr, struct vmap_area *area)
{
	return busy_find(&to_cached(v)->root, addr, &v->visits, area);
}

static uint64_t cached_meta_bytes(const struct vmap *v)
{
	return sizeof(struct cached_vmap) + v->live * sizeof(struct busy_area);
}

static int cached_check(const struct vmap *v, struct reason *r)
{
	return busy_check(v, &to_cached(v)->root, to_cached(v)->st.cache, r);
}

const struct vmap_ops vmap_rbtree_cached_ops = {
	.create = cached_create,
	.destroy = cached_destroy,
	.alloc = cached_alloc,
	.free = cached_free,
	.find = cached_find,
	.meta_bytes = cached_meta_bytes,
	.check = cached_check,
};
