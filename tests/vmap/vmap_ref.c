/* SPDX-License-Identifier: MIT */
/*
 * The tests' reference model of lowest-fit placement (see vmap_ref.h).
 * Conventions: a[] is sorted by start and disjoint; "end" of an area is
 * start + size, which never wraps because areas lie inside the range.
 */
#include <errno.h>

#include "../test.h"
#include "vmap_ref.h"

void vref_init(struct vref *r, uint64_t start, uint64_t end,
	       uint64_t page_size)
{
	r->start = start;
	r->end = end;
	r->page_size = page_size;
	r->a = NULL;
	r->n = 0;
	r->cap = 0;
}

void vref_fini(struct vref *r)
{
	free(r->a);
	r->a = NULL;
	r->n = r->cap = 0;
}

/* The lowest multiple of @align at or above @x; false if past 2^64 - 1. */
static bool align_up(uint64_t x, uint64_t align, uint64_t *out)
{
	uint64_t rem = x % align;

	if (!rem) {
		*out = x;
		return true;
	}
	if (x > UINT64_MAX - (align - rem))
		return false;
	*out = x + (align - rem);
	return true;
}

/* The index of the first area whose start is >= @addr. */
static size_t lower_bound(const struct vref *r, uint64_t addr)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->a[mid].start < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vref_fit(const struct vref *r, uint64_t size, uint64_t align,
	     uint64_t vstart, uint64_t vend, uint64_t *addr)
{
	uint64_t at;
	size_t i = 0;

	if (align < r->page_size)
		align = r->page_size;
	/*
	 * Try the lowest aligned candidate; if an area overlaps it, no start
	 * below that area's end can work either, so jump past it.  Aligned
	 * to at least a page, a candidate whose end is <= vend also lies
	 * inside the window's whole pages.
	 */
	if (!align_up(vstart, align, &at))
		return -ENOSPC;
	for (;;) {
		if (at >= vend || vend - at < size)
			return -ENOSPC;
		while (i < r->n && r->a[i].start + r->a[i].size <= at)
			i++;
		if (i == r->n || r->a[i].start >= at + size) {
			*addr = at;
			return 0;
		}
		if (!align_up(r->a[i].start + r->a[i].size, align, &at))
			return -ENOSPC;
	}
}

bool vref_valid(const struct vref *r, uint64_t addr, uint64_t size,
		uint64_t align, uint64_t vstart, uint64_t vend)
{
	size_t i;

	if (align < r->page_size)
		align = r->page_size;
	if (addr < vstart || addr >= vend || vend - addr < size ||
	    addr % align || size % r->page_size)
		return false;
	/* The area before and the area at or after addr must not reach in. */
	i = lower_bound(r, addr);
	if (i > 0 && r->a[i - 1].start + r->a[i - 1].size > addr)
		return false;
	if (i < r->n && r->a[i].start < addr + size)
		return false;
	return true;
}

void vref_insert(struct vref *r, uint64_t addr, uint64_t size)
{
	size_t i = lower_bound(r, addr);

	if ((i > 0 && r->a[i - 1].start + r->a[i - 1].size > addr) ||
	    (i < r->n && r->a[i].start < addr + size))
		TEST_FAIL("vref: area %#" PRIx64 "+%#" PRIx64
			  " overlaps a busy one", addr, size);
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct vmap_area *a = realloc(r->a, cap * sizeof(*a));

		if (!a)
			TEST_FAIL("vref: out of memory");
		r->a = a;
		r->cap = cap;
	}
	memmove(&r->a[i + 1], &r->a[i], (r->n - i) * sizeof(*r->a));
	r->a[i].start = addr;
	r->a[i].size = size;
	r->n++;
}

int vref_remove(struct vref *r, uint64_t addr)
{
	size_t i = lower_bound(r, addr);

	if (i == r->n || r->a[i].start != addr)
		return -ENOENT;
	memmove(&r->a[i], &r->a[i + 1], (r->n - i - 1) * sizeof(*r->a));
	r->n--;
	return 0;
}

int vref_find(const struct vref *r, uint64_t addr, struct vmap_area *area)
{
	/* The candidate is the last area starting at or below addr. */
	size_t i = lower_bound(r, addr);

	if (i < r->n && r->a[i].start == addr)
		i++;
	if (i == 0 || addr - r->a[i - 1].start >= r->a[i - 1].size)
		return -ENOENT;
	*area = r->a[i - 1];
	return 0;
}
