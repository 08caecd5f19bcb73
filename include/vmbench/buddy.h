/* SPDX-License-Identifier: MIT */
/*
 * buddy — a binary buddy allocator of physical frames, the model of the
 * kernel's page allocator (mm/page_alloc.c) over a simulated RAM.
 *
 * API
 * ---
 *   buddy_create(&b, base, frames, frame_shift, max_order)
 *	RAM = [base, base + frames << frame_shift), all free.  Blocks of
 *	order k are 2^k frames aligned to 2^k frames in ABSOLUTE frame
 *	numbers (pa >> frame_shift), as pfns are in Linux, so an order-9
 *	block of 4K frames is a 2 MiB-aligned physical range (a PMD leaf).
 *	max_order is inclusive: 10 (BUDDY_DEFAULT_MAX_ORDER) gives orders
 *	0..10 (4 MiB blocks), Linux's MAX_PAGE_ORDER.
 *   buddy_alloc(b, order, &pa)       alloc_pages(): one block, zeroing not
 *					modelled (no bytes here)
 *   buddy_free(b, pa, order)         __free_pages(): coalesces with free
 *					buddies up to max_order
 *   buddy_alloc_bulk(b, n, pas)      alloc_pages_bulk(): up to
 *					BUDDY_BULK_MAX order-0 frames per call
 *   buddy_split(b, pa, order)        split_page(): an allocated block
 *					becomes 2^order order-0 blocks
 *   buddy_get_stats(b, &st)          free blocks per order (buddyinfo),
 *					allocations, frees, splits, merges
 *   buddy_check(b, &reason)          validator: -EUCLEAN with a reason
 *   buddy_pt_mem_create(b, &mem)     a pgtable simulated memory whose
 *					page-table frames come from @b
 *
 * Placement rule (where this departs from Linux).  An allocation of order
 * k takes, among the free blocks of the smallest order j >= k that has
 * one, the one at the LOWEST address, and splits it in halves down to k,
 * keeping the low half and putting each high half on the free list of
 * its order (Linux's expand() does the same halving).  Linux takes the
 * head of a LIFO list instead; the lowest address makes a run depend on
 * nothing but the sequence of calls, and lets the test's reference (a
 * bitmap of free frames) pick the same block by the same rule.  The
 * per-order free lists are therefore address-ordered sets (a two-level
 * bitmap per order) rather than linked lists.  Not modelled: zones,
 * migrate types, per-CPU page lists, watermarks, the shuffle.
 *
 * Invariants (buddy_check): the blocks tile RAM; every block of order k
 * is aligned to 2^k frames and lies inside RAM; a free block is in the
 * free set of its order and nothing else is; no free block below
 * max_order has a free buddy of the same order (always coalesced); the
 * counts of free blocks and frames match.
 *
 * Errors: 0 or a negative errno (bulk: a count).  Nothing prints.  On
 * failure nothing is changed.
 */
#ifndef VMBENCH_BUDDY_H
#define VMBENCH_BUDDY_H

#include <stdint.h>

/* Highest max_order buddy_create() accepts. */
#define BUDDY_ORDER_LIMIT 20

/* Linux's MAX_PAGE_ORDER (inclusive) on 4K pages: 4 MiB blocks. */
#define BUDDY_DEFAULT_MAX_ORDER 10

/* Most frames one buddy_alloc_bulk() call hands out (vmalloc's request
 * size to alloc_pages_bulk in mm/vmalloc.c). */
#ifndef BUDDY_BULK_MAX
#define BUDDY_BULK_MAX 100
#endif

struct buddy;
struct reason;
struct pt_mem;

/*
 * -EINVAL: frames 0, frame_shift outside 10..30, max_order above
 * BUDDY_ORDER_LIMIT, base not frame-aligned, or the range wraps;
 * -ENOMEM: host out of memory.
 */
int buddy_create(struct buddy **out, uint64_t base, uint64_t frames,
		 unsigned frame_shift, unsigned max_order);
/* NULL is a no-op. */
void buddy_destroy(struct buddy *b);

/*
 * One block of 2^order frames at *pa.  -EINVAL: order > max_order;
 * -ENOMEM: no free block of order >= @order.
 */
int buddy_alloc(struct buddy *b, unsigned order, uint64_t *pa);

/*
 * Free the block of @order at @pa (from buddy_alloc, or an order-0 piece
 * of buddy_split / buddy_alloc_bulk).  -EINVAL when @pa is not an
 * allocated block of exactly that order (a double free, a wrong order,
 * an address outside RAM); nothing is changed then.
 */
int buddy_free(struct buddy *b, uint64_t pa, unsigned order);

/*
 * Up to min(@n, BUDDY_BULK_MAX) order-0 frames into @pas, each chosen as
 * buddy_alloc(b, 0) would.  Returns how many (fewer when RAM runs out),
 * or -ENOMEM when @n > 0 and none is free.  @n == 0 returns 0.
 */
int buddy_alloc_bulk(struct buddy *b, unsigned n, uint64_t *pas);

/*
 * Turn the allocated block of @order at @pa into 2^order allocated
 * order-0 blocks, each freed on its own later.  -EINVAL as buddy_free.
 */
int buddy_split(struct buddy *b, uint64_t pa, unsigned order);

struct buddy_stats {
	uint64_t free_blocks[BUDDY_ORDER_LIMIT + 1]; /* /proc/buddyinfo */
	uint64_t allocs[BUDDY_ORDER_LIMIT + 1];      /* successful, by order */
	uint64_t frees[BUDDY_ORDER_LIMIT + 1];       /* by order freed */
	uint64_t failed[BUDDY_ORDER_LIMIT + 1];      /* -ENOMEM, by order */
	uint64_t splits;       /* halvings of a block on allocation */
	uint64_t merges;       /* buddies coalesced on free */
	uint64_t bulk_calls;
	uint64_t frames;       /* RAM */
	uint64_t free_frames;
	unsigned max_order;
	unsigned frame_shift;
	uint64_t base;
};

/* Fills *st; cannot fail. */
void buddy_get_stats(const struct buddy *b, struct buddy_stats *st);

/* Getters; they cannot fail. */
uint64_t buddy_base(const struct buddy *b);
uint64_t buddy_frames(const struct buddy *b);
uint64_t buddy_free_frames(const struct buddy *b);
unsigned buddy_max_order(const struct buddy *b);
unsigned buddy_frame_shift(const struct buddy *b);

/* The order of the smallest block holding @bytes (get_order()); @bytes 0
 * gives 0. */
unsigned buddy_order_of(const struct buddy *b, uint64_t bytes);

/*
 * Validator (see Invariants above).  0, or -EUCLEAN with the first broken
 * invariant in *@r (may be NULL).  Never prints; changes nothing.
 */
int buddy_check(const struct buddy *b, struct reason *r);

/*
 * A simulated physical memory (pgtable.h) spanning @b's RAM whose frames
 * — the page-table pages of every table created over it — are order-0
 * blocks of @b, freed back to @b.  @b must start at PT_MEM_BASE with
 * frames of the pgtable page size; it must outlive the memory.
 * -EINVAL: base or frame size unsuitable; -ENOMEM.
 */
int buddy_pt_mem_create(struct buddy *b, struct pt_mem **out);

#endif /* VMBENCH_BUDDY_H */
