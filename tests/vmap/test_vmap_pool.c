/* SPDX-License-Identifier: MIT */
/*
 * The node pool (src/vmap/pool.h): slots are aligned, distinct and
 * writable; released slots come back last-in first-out before fresh ones;
 * in_use counts what is handed out; chunks grow from POOL_CHUNK_MIN to
 * POOL_CHUNK_MAX bytes and the large ones are aligned to their size (the
 * condition for a huge page); destroy leaves an empty pool that works again.
 * Whether the kernel backs the large chunks with huge pages depends on its
 * THP settings, so it is not asserted.
 */
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#include "../test.h"

#define SLOT 64
#define N (3 * POOL_CHUNK_MAX / SLOT)  /* reaches several large chunks */

static int cmp_ptr(const void *x, const void *y)
{
	uintptr_t a = *(const uintptr_t *)x, b = *(const uintptr_t *)y;

	return a < b ? -1 : a > b;
}

static void test_slots(void)
{
	struct pool p;
	char **s = malloc(N * sizeof(*s));
	uint64_t small = 0, large = 0;

	ASSERT(s);
	pool_init(&p, 48, SLOT);
	ASSERT_EQ(p.slot, SLOT);
	ASSERT_EQ(p.in_use, 0);
	ASSERT_EQ(p.mapped, 0);
	for (size_t i = 0; i < N; i++) {
		s[i] = pool_get(&p);
		ASSERT(s[i]);
		ASSERT_EQ((uintptr_t)s[i] % SLOT, 0);
		memset(s[i], (int)(i & 0xff), SLOT);
	}
	ASSERT_EQ(p.in_use, N);
	/* Every slot still holds what was written: none overlap. */
	for (size_t i = 0; i < N; i++)
		for (size_t j = 0; j < SLOT; j++)
			ASSERT_EQ((unsigned char)s[i][j], i & 0xff);
	/* Distinct, and within the bytes mapped. */
	qsort(s, N, sizeof(*s), cmp_ptr);
	for (size_t i = 1; i < N; i++)
		ASSERT_LE(s[i - 1] + SLOT, s[i]);
	ASSERT_LT(N * (uint64_t)SLOT, p.mapped);

	/* Chunk sizes: doubling from the minimum, then the maximum. */
	for (struct pool_chunk *c = p.chunks; c; c = c->older) {
		size_t bytes = c->bytes;

		if (bytes == POOL_CHUNK_MAX) {
			ASSERT_EQ((uintptr_t)c % POOL_CHUNK_MAX, 0);
			large++;
		} else {
			ASSERT_LT(bytes, POOL_CHUNK_MAX);
			ASSERT_EQ(bytes % POOL_CHUNK_MIN, 0);
			small++;
		}
	}
	ASSERT_LE(3, large);
	ASSERT_LE(1, small);

	/* Released slots come back last first, before any fresh slot. */
	pool_put(&p, s[5]);
	pool_put(&p, s[9]);
	ASSERT_EQ(p.in_use, N - 2);
	uint64_t mapped = p.mapped;
	ASSERT_EQ(pool_get(&p), s[9]);
	ASSERT_EQ(pool_get(&p), s[5]);
	ASSERT_EQ(p.in_use, N);
	ASSERT_EQ(p.mapped, mapped);

	pool_destroy(&p);
	ASSERT_EQ(p.in_use, 0);
	ASSERT_EQ(p.mapped, 0);
	ASSERT(!p.chunks);
	ASSERT_EQ(p.slot, SLOT);
	/* Usable again after destroy. */
	s[0] = pool_get(&p);
	ASSERT(s[0]);
	ASSERT_EQ(p.in_use, 1);
	ASSERT_EQ(p.mapped, POOL_CHUNK_MIN);
	pool_destroy(&p);
	free(s);
}

/* Tiny slots are widened to hold the free-list link and chunk header. */
static void test_small_slot(void)
{
	struct pool p;
	void *a, *b;

	pool_init(&p, 1, 8);
	ASSERT_LE(2 * sizeof(void *), p.slot);
	a = pool_get(&p);
	b = pool_get(&p);
	ASSERT(a && b);
	ASSERT_LE(p.slot, (size_t)((char *)b - (char *)a));
	pool_put(&p, a);
	ASSERT_EQ(pool_get(&p), a);
	pool_destroy(&p);
}

int main(void)
{
	test_slots();
	test_small_slot();
	printf("vmap pool: ok\n");
	return 0;
}
