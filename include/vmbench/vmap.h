/* SPDX-License-Identifier: MIT */
/*
 * vmap — allocators of virtual address ranges, after Linux's vmap areas.
 *
 * An allocator hands out page-granular areas of a range [start, end).  Every
 * strategy sits behind the same interface and is selected by name:
 *
 *   list           address-sorted list of busy areas, linear first-fit scan
 *   rbtree         busy areas in a red-black tree, in-order walk to a hole
 *   rbtree-cached  rbtree plus the pre-5.2 Linux free_vmap_cache heuristic
 *   augrb          free blocks in a tree augmented with subtree-max size
 *   radix          sparse 64-way radix tree over page indices
 *   gaptree        busy areas in a B+tree, the largest gap per child
 *   augrb-linux    augrb's trees under the kernel's rule (below)
 *   linux          the kernel's own code, compiled from a kernel source
 *                  tree at build time (absent without one)
 *
 * Placement policy (lowest-fit): vmap_alloc() returns the lowest address A
 * with vstart <= A, A + size <= vend, A % align == 0 and [A, A + size) free.
 * Every strategy whose vmap_strategy.lowest_fit is true implements exactly
 * that; the differential test holds them to it byte for byte.
 * rbtree-cached follows the old kernel heuristic and may place higher.
 *
 * The kernel's rule (Linux 5.2+, __alloc_vmap_area(); strategies linux and
 * augrb-linux, which agree byte for byte): when align > page size and the
 * window is wider than size, the free tree is searched for a block of at
 * least size + align - 1 bytes, the length that holds an aligned area
 * wherever the block starts.  The descent goes left only while the left
 * subtree's largest block reaches that length, so a smaller block that
 * would hold the aligned area is passed over -- and whether it is depends
 * on where it sits in the tree, not only on which blocks are free.  The
 * window's end is checked only on the block found: past it, -ENOSPC even
 * when a lower block would have fitted.  Example, pages of 4 KiB: free
 * blocks [0, 8K) and [16K, 80K), the first the left child of the second
 * in the tree; request 4K aligned to 8K.  Lowest-fit gives 0; the kernel
 * searches for 4K + 8K - 1 bytes, does not descend to [0, 8K) and gives
 * 16K (with [0, 8K) at the root it would have given 0).  In the window
 * [0, 8K) lowest-fit gives 0 and the kernel -ENOSPC.  With align at most
 * the page size both rules agree.
 *
 * Conventions in this file: addresses and sizes are bytes, uint64_t; no
 * computation may wrap near 2^64.  Functions that can fail return 0 or a
 * negative errno and leave the allocator unchanged on failure.
 */
#ifndef VMBENCH_VMAP_H
#define VMBENCH_VMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The x86-64 vmalloc range with 4-level paging: the default range. */
#define VMAP_DEFAULT_START 0xffffc90000000000ULL
#define VMAP_DEFAULT_END   0xffffe90000000000ULL
#define VMAP_DEFAULT_PAGE  4096ULL

struct vmap;
struct vmap_ops;
struct reason;

/* A live (busy) area. */
struct vmap_area {
	uint64_t start;
	uint64_t size;
};

struct vmap_stats {
	uint64_t live_areas;   /* areas allocated and not yet freed */
	uint64_t meta_bytes;   /* bytes of metadata held now (nodes, tables) */
	uint64_t node_visits;  /* nodes examined by alloc/free/find so far */
};

/*
 * The cost of one op as the number of live areas n grows, for harnesses
 * that must bound their runs (the benchmark suite sizes its churn sweep by
 * it).  VMAP_COST_LINEAR_SOMETIMES: O(log n) usually, O(n) in cases a
 * workload can hit (a heuristic's fallback walk).
 */
enum vmap_cost {
	VMAP_COST_LOG,               /* O(log n) or better per op */
	VMAP_COST_LINEAR_SOMETIMES,  /* O(n) on a fallback path */
	VMAP_COST_LINEAR,            /* O(n) per op */
};

/* One strategy: its name, its policy and its constructor. */
struct vmap_strategy {
	const char *name;
	bool lowest_fit;       /* implements the lowest-fit policy exactly */
	const char *summary;   /* one line for --help */
	const struct vmap_ops *ops;  /* implementation detail */
	enum vmap_cost cost;   /* per-op cost class */
	/* The kernel version its code was compiled from ("6.12.117"), for
	 * a strategy built from kernel source; NULL for vmbench's own. */
	const char *kernel_version;
	/* May answer -ENOSPC although room exists: the kernel's rule
	 * (below); false for every strategy that finds room whenever
	 * there is some. */
	bool may_refuse;
};

/*
 * The most live areas at which a harness should run a strategy of cost
 * class @cost within seconds (its fill alone is O(n^2) for the linear
 * classes): INT64_MAX for VMAP_COST_LOG.
 */
int64_t vmap_cost_max_live(enum vmap_cost cost);

/* The strategies, in a fixed order; *count receives their number. */
const struct vmap_strategy *vmap_strategies(size_t *count);

/* The strategy called @name, or NULL. */
const struct vmap_strategy *vmap_strategy_find(const char *name);

/*
 * Create an allocator of strategy @name over [start, end) with pages of
 * @page_size bytes.  -EINVAL: unknown name, page_size not a power of two,
 * start >= end, or start/end not page-aligned.  -ENOMEM: out of memory.
 */
int vmap_create(struct vmap **out, const char *name, uint64_t start,
		uint64_t end, uint64_t page_size);

/* Destroy the allocator and everything it holds.  NULL is a no-op. */
void vmap_destroy(struct vmap *v);

/* The strategy behind @v. */
const struct vmap_strategy *vmap_strategy_of(const struct vmap *v);

/*
 * Allocate @size bytes aligned to @align inside [vstart, vend); on success
 * store the start in *addr.
 * -EINVAL: size 0 or not a multiple of the page size, align not a power of
 *          two, vstart >= vend, or the window not inside the range.
 * -ENOSPC: no free, suitably aligned run fits in the window (an alignment
 *          that would overflow 64 bits is simply no room); for a strategy
 *          with may_refuse, also when the kernel's rule finds none.
 * -ENOMEM: the strategy could not allocate its own metadata.
 * An alignment below the page size is treated as the page size.
 */
int vmap_alloc(struct vmap *v, uint64_t size, uint64_t align,
	       uint64_t vstart, uint64_t vend, uint64_t *addr);

/* Free the live area starting at @addr.  -ENOENT if there is none. */
int vmap_free(struct vmap *v, uint64_t addr);

/* The live area containing @addr into *area.  -ENOENT if none does. */
int vmap_find(struct vmap *v, uint64_t addr, struct vmap_area *area);

void vmap_stats(const struct vmap *v, struct vmap_stats *stats);

/*
 * Validate every invariant of the strategy's structures in O(n): ordering,
 * no overlap, tree balance, summaries equal to their recomputation, and that
 * busy and free space tile the range where the strategy keeps both.
 * 0, or -EUCLEAN with the broken invariant in @r (which may be NULL) as
 * "STRATEGY: what is wrong".  Never prints.
 */
int vmap_check(const struct vmap *v, struct reason *r);

#endif /* VMBENCH_VMAP_H */
