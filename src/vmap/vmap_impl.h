/* SPDX-License-Identifier: MIT */
/*
 * Internal to the vmap module: the base object every strategy embeds and the
 * table of operations it fills in.  vmap.c validates arguments once, so a
 * strategy's operations see only well-formed requests:
 *   - size > 0 and a multiple of page_size;
 *   - align a power of two, at least page_size;
 *   - vstart and vend page-aligned, start <= vstart < vend <= end;
 *   - vend - vstart >= size (otherwise vmap.c already answered -ENOSPC).
 * Strategies count node visits in base.visits and live areas in base.live.
 */
#ifndef VMBENCH_VMAP_IMPL_H
#define VMBENCH_VMAP_IMPL_H

#include <errno.h>
#include <vmbench/reason.h>
#include <vmbench/vmap.h>

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

struct vmap_ops;

struct vmap {
	const struct vmap_ops *ops;
	const struct vmap_strategy *strategy;
	uint64_t start, end;      /* the range, page-aligned */
	uint64_t page_size;
	unsigned page_shift;
	uint64_t live;            /* live areas */
	uint64_t visits;          /* nodes visited, cumulative */
};

struct vmap_ops {
	/* Allocate the strategy's object and fill in nothing of the base. */
	int (*create)(struct vmap **out, uint64_t start, uint64_t end,
		      uint64_t page_size);
	void (*destroy)(struct vmap *v);
	int (*alloc)(struct vmap *v, uint64_t size, uint64_t align,
		     uint64_t vstart, uint64_t vend, uint64_t *addr);
	int (*free)(struct vmap *v, uint64_t addr);
	int (*find)(struct vmap *v, uint64_t addr, struct vmap_area *area);
	uint64_t (*meta_bytes)(const struct vmap *v);
	/* 0, or -EUCLEAN through vmap_corrupt(); never prints. */
	int (*check)(const struct vmap *v, struct reason *r);
};

extern const struct vmap_ops vmap_list_ops;
extern const struct vmap_ops vmap_rbtree_ops;
extern const struct vmap_ops vmap_rbtree_cached_ops;
extern const struct vmap_ops vmap_augrb_ops;
extern const struct vmap_ops vmap_augrb_linux_ops;
extern const struct vmap_ops vmap_radix_ops;
extern const struct vmap_ops vmap_gaptree_ops;
/* src/vmap/linux/linux.c, built only with VMBENCH_HAVE_LINUX. */
extern const struct vmap_ops vmap_linux_ops;
extern const char vmap_linux_version[];  /* "6.12.117" */

/*
 * The lowest multiple of @align (a power of two) that is >= @addr, into
 * *out.  False when that would not fit in 64 bits.
 */
static inline bool vmap_align_up(uint64_t addr, uint64_t align, uint64_t *out)
{
	uint64_t mask = align - 1;

	if (addr > UINT64_MAX - mask)
		return false;
	*out = (addr + mask) & ~mask;
	return true;
}

/*
 * The aligned start for @size bytes in the hole [lo, hi), lowest first:
 * true and *addr set when one fits, false otherwise.  Never wraps.
 */
static inline bool vmap_fit(uint64_t lo, uint64_t hi, uint64_t size,
			    uint64_t align, uint64_t *addr)
{
	uint64_t a;

	if (!vmap_align_up(lo, align, &a) || a >= hi || hi - a < size)
		return false;
	*addr = a;
	return true;
}

/*
 * Report a broken invariant from a check() into @r (which may be NULL) and
 * return -EUCLEAN.  vmap_check() puts the strategy's name in front.
 */
#define vmap_corrupt(r, ...) reason_fail((r), -EUCLEAN, 0, __VA_ARGS__)

#endif /* VMBENCH_VMAP_IMPL_H */
