/* SPDX-License-Identifier: MIT */
/*
 * Internal to the vmap module: a pool of fixed-size node slots, the model of
 * the kernel's slab cache for vmap_area, which lives in the direct map and
 * is therefore mapped with huge pages.
 *
 * Slots are carved from chunks obtained with mmap().  Chunk sizes double
 * from POOL_CHUNK_MIN up to POOL_CHUNK_MAX; chunks of POOL_CHUNK_MAX bytes
 * (2 MiB by default) are aligned to their size and advised
 * MADV_HUGEPAGE, so with transparent huge pages in "madvise" or "always"
 * mode a large pool costs one TLB entry per 2 MiB instead of one per 4 KiB.
 * The first 2 MiB or so come in the smaller chunks (64 KiB, 128 KiB, ...,
 * 1 MiB by default), so a small pool (up to ~32k 64-byte slots) pins no huge
 * page.  Released slots go on a LIFO free list threaded through their first
 * word and are handed out again before any fresh slot.  AddressSanitizer
 * does not see slots: a use after pool_put() goes unreported.
 *
 *   chunk:  [ header | slot | slot | ... | slot | slack ]
 *            one slot  \__ bump-allocated in order __/
 *
 * Accounting: in_use counts slots handed out and not released, which is
 * what a strategy reports as its metadata; mapped counts chunk bytes,
 * which also holds the slack: each chunk's header slot, slots never yet
 * handed out, released slots on the free list and the tail too small for
 * a slot.
 *
 * Not thread-safe: one pool per allocator instance.
 */
#ifndef VMBENCH_VMAP_POOL_H
#define VMBENCH_VMAP_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifndef POOL_CHUNK_MIN
#define POOL_CHUNK_MIN (64 * 1024)
#endif
#ifndef POOL_CHUNK_MAX
#define POOL_CHUNK_MAX (2 * 1024 * 1024)  /* a huge page on x86-64 */
#endif

/* The header in each chunk's first slot. */
struct pool_chunk {
	struct pool_chunk *older;  /* the chunk mapped before, or NULL */
	size_t bytes;              /* this chunk's size */
};

struct pool {
	void *free;                 /* released slots, linked by word 0 */
	char *next, *limit;         /* unused slots of the newest chunk */
	struct pool_chunk *chunks;  /* the newest chunk */
	size_t slot;                /* slot size, a multiple of the align */
	size_t chunk_bytes;         /* size of the next chunk */
	uint64_t in_use;            /* slots handed out */
	uint64_t mapped;            /* bytes of all chunks */
};

/*
 * Prepare an empty pool of @slot-byte slots aligned to @align (a power of
 * two no larger than 4096, the smallest page; @slot is rounded up to a
 * multiple of it and to at least two pointers).  Maps nothing yet; cannot
 * fail.
 */
void pool_init(struct pool *p, size_t slot, size_t align);

/* Unmap every chunk: all slots, handed out or not, are gone. */
void pool_destroy(struct pool *p);

/* Map the next chunk and take a slot from it; NULL on out-of-memory. */
void *pool_grow(struct pool *p);

/*
 * A slot, uninitialised; NULL on out-of-memory (the pool is then as it
 * was).  O(1); maps a new chunk only when every slot is in use.
 */
static inline void *pool_get(struct pool *p)
{
	void *x = p->free;

	if (x) {
		p->free = *(void **)x;
	} else if (p->limit - p->next >= (ptrdiff_t)p->slot) {
		x = p->next;
		p->next += p->slot;
	} else {
		return pool_grow(p);
	}
	p->in_use++;
	return x;
}

/* Give back a slot that pool_get() returned; it may be reused at once. */
static inline void pool_put(struct pool *p, void *x)
{
	*(void **)x = p->free;
	p->free = x;
	p->in_use--;
}

#endif /* VMBENCH_VMAP_POOL_H */
