/* SPDX-License-Identifier: MIT */
/*
 * The start of a white-box test of one vmap strategy: define
 * VMAP_WHITEBOX_SOURCE (the strategy's .c file, as a string) and
 * VMAP_WHITEBOX_NAME (its name in the registry), then include this.
 *
 * The strategy's source is included here, so the test sees its nodes and
 * can fail its malloc() and pool_get() on demand (malloc_fail_after: < 0
 * never, n: after n more calls) without the library carrying test hooks.
 * The copy of the strategy's ops compiled here is the one vmap.c links
 * against; the library's object is then never pulled from the archive.
 *
 * Helpers: make() creates the allocator, alloc_ok() and free_ok() assert
 * success; each checks the allocator's invariants after the call.
 * P is the page size and S a range start aligned far beyond any request.
 */
#ifndef VMBENCH_TESTS_VMAP_WHITEBOX_H
#define VMBENCH_TESTS_VMAP_WHITEBOX_H

#include <stdlib.h>

static long malloc_fail_after = -1;

static void *test_malloc(size_t n)
{
	if (malloc_fail_after == 0)
		return NULL;
	if (malloc_fail_after > 0)
		malloc_fail_after--;
	return malloc(n);
}

/* Nodes come from the pool: fail them with the same counter. */
#include "../../src/vmap/pool.h"

static void *test_pool_get(struct pool *p)
{
	if (malloc_fail_after == 0)
		return NULL;
	if (malloc_fail_after > 0)
		malloc_fail_after--;
	return pool_get(p);
}

#define malloc(n) test_malloc(n)
#define pool_get(p) test_pool_get(p)
#include VMAP_WHITEBOX_SOURCE
#undef pool_get
#undef malloc

#include <vmbench/rng.h>

#include "../test.h"
#include "vmap_check.h"

#define P VMAP_DEFAULT_PAGE
#define S 0x100000000ULL

static struct vmap *make(uint64_t start, uint64_t end)
{
	struct vmap *v;

	ASSERT_OK(vmap_create(&v, VMAP_WHITEBOX_NAME, start, end, P));
	ASSERT_CHECK_OK(v);
	return v;
}

static uint64_t alloc_ok(struct vmap *v, uint64_t size, uint64_t align,
			 uint64_t vstart, uint64_t vend)
{
	uint64_t addr = 0;

	ASSERT_OK(vmap_alloc(v, size, align, vstart, vend, &addr));
	ASSERT_CHECK_OK(v);
	return addr;
}

static void free_ok(struct vmap *v, uint64_t addr)
{
	ASSERT_OK(vmap_free(v, addr));
	ASSERT_CHECK_OK(v);
}

#endif
