/* SPDX-License-Identifier: MIT */
/*
 * Node pool: see pool.h.  Each chunk's first slot is its header, which
 * records the chunk's size and links the chunk mapped before it, so that
 * pool_destroy() can unmap them all without any other bookkeeping.
 */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include <sys/mman.h>

#include "pool.h"

void pool_init(struct pool *p, size_t slot, size_t align)
{
	if (slot < sizeof(struct pool_chunk))
		slot = sizeof(struct pool_chunk);
	slot = (slot + align - 1) & ~(align - 1);
	*p = (struct pool){ .slot = slot, .chunk_bytes = POOL_CHUNK_MIN };
}

void pool_destroy(struct pool *p)
{
	struct pool_chunk *c = p->chunks;

	while (c) {
		struct pool_chunk *h = c;

		c = h->older;
		munmap(h, h->bytes);
	}
	*p = (struct pool){ .slot = p->slot, .chunk_bytes = POOL_CHUNK_MIN };
}

/*
 * @bytes of fresh memory aligned to @bytes: map twice the size and unmap
 * the parts before and after the aligned middle.
 */
static void *map_aligned(size_t bytes)
{
	char *m = mmap(NULL, 2 * bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t lead;

	if (m == MAP_FAILED)
		return NULL;
	lead = (bytes - (uintptr_t)m % bytes) % bytes;
	if (lead)
		munmap(m, lead);
	munmap(m + lead + bytes, bytes - lead);
	return m + lead;
}

void *pool_grow(struct pool *p)
{
	size_t bytes = p->chunk_bytes;
	struct pool_chunk *h;
	void *x;

	if (bytes >= POOL_CHUNK_MAX) {
		bytes = POOL_CHUNK_MAX;
		h = map_aligned(bytes);
#ifdef MADV_HUGEPAGE
		/* Advice only: without huge pages the chunk still works. */
		if (h)
			madvise(h, bytes, MADV_HUGEPAGE);
#endif
	} else {
		h = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (h == MAP_FAILED)
			h = NULL;
	}
	if (!h)
		return NULL;
	h->older = p->chunks;
	h->bytes = bytes;
	p->chunks = h;
	p->mapped += bytes;
	if (bytes < POOL_CHUNK_MAX)
		p->chunk_bytes = 2 * bytes;
	/* The header fills the first slot; the rest is handed out in order. */
	x = (char *)h + p->slot;
	p->next = (char *)x + p->slot;
	p->limit = (char *)h + bytes;
	p->in_use++;
	return x;
}
