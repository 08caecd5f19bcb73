/* SPDX-License-Identifier: MIT */
/*
 * vref — the tests' plain model of a vmap allocator: the busy areas in an
 * array sorted by start, and lowest-fit computed by its definition.  It is
 * slow (O(n) per operation) and meant to be obviously correct, so that a
 * strategy disagreeing with it is the one in the wrong.
 *
 * The model takes requests already validated by the caller (size a page
 * multiple, align a power of two, window inside the range) and aborts the
 * test on out-of-memory or on an overlapping insert.
 */
#ifndef VMBENCH_TESTS_VMAP_REF_H
#define VMBENCH_TESTS_VMAP_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmbench/vmap.h>

struct vref {
	uint64_t start, end, page_size;
	struct vmap_area *a;  /* busy areas, ascending by start, disjoint */
	size_t n, cap;
};

void vref_init(struct vref *r, uint64_t start, uint64_t end,
	       uint64_t page_size);
void vref_fini(struct vref *r);

/*
 * The lowest A with vstart <= A, A + size <= vend, A % align == 0 and
 * [A, A + size) disjoint from every busy area, into *addr: 0, or -ENOSPC
 * when there is none.  An align below the page size counts as the page
 * size.  Changes nothing.
 */
int vref_fit(const struct vref *r, uint64_t size, uint64_t align,
	     uint64_t vstart, uint64_t vend, uint64_t *addr);

/*
 * Whether [addr, addr + size) is a valid answer to that request: inside the
 * window, aligned, page-granular, and free.
 */
bool vref_valid(const struct vref *r, uint64_t addr, uint64_t size,
		uint64_t align, uint64_t vstart, uint64_t vend);

/* Record a busy area; fails the test if it overlaps one. */
void vref_insert(struct vref *r, uint64_t addr, uint64_t size);

/* Forget the busy area starting at @addr: 0, or -ENOENT. */
int vref_remove(struct vref *r, uint64_t addr);

/* The busy area containing @addr into *area: 0, or -ENOENT. */
int vref_find(const struct vref *r, uint64_t addr, struct vmap_area *area);

#endif /* VMBENCH_TESTS_VMAP_REF_H */
