/* SPDX-License-Identifier: MIT */
/*
 * The two vmalloc hooks the replay of a kernel capture uses:
 * vmalloc_area_move() (--follow) from the strategy's free space and from
 * another node's pool, its refusals leaving everything as it was, and
 * vmalloc_layout() (--layout-csv) against hand-computed runs.
 * vmalloc_check() after every step.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <vmbench/vmalloc.h>
#include <vmbench/vmap.h>

#include "test.h"
#include "vmalloc_sys.h"

#define PG 4096ULL
#define S VMAP_DEFAULT_START

static void up(struct sys *s, const char *strategy, bool pools)
{
	sys_up(s, "x86-64-4l", 1024, (struct vmalloc_config){
		.strategy = strategy, .cpus = 2, .node_pools = pools,
		.lazy_max_pages = 1 << 20 });
}

static struct vmalloc_layout layout(const struct sys *s)
{
	struct vmalloc_layout l;

	ASSERT_OK(vmalloc_layout(s->vm, &l));
	return l;
}

/* Without pools: moves through the strategy's free space. */
static void test_move_strategy(void)
{
	struct vmalloc_layout l;
	struct sys s;
	uint64_t a, b, c;

	up(&s, "augrb", false);
	l = layout(&s);
	ASSERT_EQ(l.free_blocks, 1);
	ASSERT_EQ(l.free_bytes, VMAP_DEFAULT_END - S);
	ASSERT_EQ(l.low_end, S);
	ASSERT_EQ(l.low_free, 0);
	ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, 0, &a));
	ASSERT_EQ(a, S);
	ASSERT_OK(vmalloc_area_move(s.vm, a, S + 16 * PG, false));
	check(&s);
	/* [S, S+16P) free, [S+16P, S+18P) held, the rest free. */
	l = layout(&s);
	ASSERT_EQ(l.free_blocks, 2);
	ASSERT_EQ(l.largest_free, VMAP_DEFAULT_END - S - 18 * PG);
	ASSERT_EQ(l.low_end, S + 18 * PG);
	ASSERT_EQ(l.low_free, 16 * PG);
	ASSERT_EQ(l.low_largest, 16 * PG);
	ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, 0, &b));
	ASSERT_EQ(b, S);
	/* Onto a held area: -EBUSY, nothing moved. */
	ASSERT_EQ(vmalloc_area_move(s.vm, b, S + 17 * PG, false), -EBUSY);
	ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, 0, &c));
	ASSERT_EQ(c, S + 2 * PG);
	check(&s);
	/* Overlapping its own old place; outside the range; no area. */
	ASSERT_OK(vmalloc_area_move(s.vm, c, S + 3 * PG, false));
	check(&s);
	ASSERT_EQ(vmalloc_area_move(s.vm, c, S + 3 * PG, false), -ENOENT);
	ASSERT_EQ(vmalloc_area_move(s.vm, S + 3 * PG, VMAP_DEFAULT_END - PG,
				    false), -EBUSY);
	ASSERT_EQ(vmalloc_area_move(s.vm, S + 3 * PG, S + 3 * PG, false), 0);
	ASSERT_EQ(vmalloc_area_move(s.vm, S + 3 * PG, S, true), -EINVAL);
	l = layout(&s);
	/* Held: [S,2P) [3P,5P) [16P,18P); free: [2P,3P) [5P,16P), tail. */
	ASSERT_EQ(l.free_blocks, 3);
	ASSERT_EQ(l.low_free, 12 * PG);
	ASSERT_EQ(l.low_largest, 11 * PG);
	check(&s);
	sys_down(&s);
}

/* 6.9's pools: the kernel took an area from the other node's pool. */
static void test_move_pools(void)
{
	struct vmalloc_counters v;
	struct sys s;
	uint64_t a[4], x;

	up(&s, "augrb-linux", true);
	for (int i = 0; i < 4; i++)
		ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, (unsigned)i % 2,
					     &a[i]));
	for (int i = 0; i < 4; i++)
		ASSERT_OK(vmalloc_vfree(s.vm, a[i], 0));
	vmalloc_purge(s.vm);
	v = ctr(&s);
	ASSERT_EQ(v.pooled_areas, 4);
	/* Pooled areas are not free space. */
	ASSERT_EQ(layout(&s).low_end, S + 8 * PG);
	check(&s);
	/* CPU 0 gets node 0's head a[2]; the kernel gave a[1] (node 1). */
	ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, 0, &x));
	ASSERT_EQ(x, a[2]);
	ASSERT_EQ(ctr(&s).pool_hits, v.pool_hits + 1);
	ASSERT_OK(vmalloc_area_move(s.vm, x, a[1], true));
	check(&s);
	v = ctr(&s);
	ASSERT_EQ(v.pooled_areas, 3);
	/* a[2] is node 0's head again, node 1 holds a[3] only. */
	ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, 0, &x));
	ASSERT_EQ(x, a[2]);
	ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, 1, &x));
	ASSERT_EQ(x, a[3]);
	ASSERT_OK(vmalloc_alloc_area(s.vm, 2 * PG, PG, 1, &x));
	ASSERT_EQ(x, S + 8 * PG);            /* node 1's pool is empty */
	/* From free space back into a pool's place: a[0] is pooled. */
	ASSERT_OK(vmalloc_area_move(s.vm, x, a[0], false));
	ASSERT_EQ(ctr(&s).pooled_areas, 0);
	ASSERT_EQ(layout(&s).low_end, S + 8 * PG);
	check(&s);
	sys_down(&s);
}

int main(void)
{
	test_move_strategy();
	test_move_pools();
	return 0;
}
