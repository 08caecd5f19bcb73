/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator: unit tests, then a differential test against a
 * reference written here from the rule in buddy.h alone — a byte per
 * frame (free or not) and the order of each allocated block.  Its free
 * blocks are found by scanning RAM for the largest aligned, wholly free
 * block at each free frame (what full coalescing leaves); an allocation
 * of order k takes the lowest-addressed block of the smallest order >= k.
 * buddy_check() runs after every operation.
 *
 * usage: test_buddy [OPS [SEED]]   (defaults 100000 and 42)
 */
#include <errno.h>
#include <stdbool.h>

#include <vmbench/buddy.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>
#include <vmbench/rng.h>

#include "../test.h"

#define SZ_2M (2ULL << 20)

static void check(const struct buddy *b)
{
	struct reason r;

	if (buddy_check(b, &r))
		TEST_FAIL("buddy_check: %s", r.msg);
}

/* ---- unit tests ---- */

static void test_create_errors(void)
{
	struct buddy *b;

	ASSERT_EQ(buddy_create(&b, 0, 0, 12, 10), -EINVAL);
	ASSERT_EQ(buddy_create(&b, 0, 16, 9, 10), -EINVAL);
	ASSERT_EQ(buddy_create(&b, 0, 16, 12, BUDDY_ORDER_LIMIT + 1), -EINVAL);
	ASSERT_EQ(buddy_create(&b, 0x800, 16, 12, 10), -EINVAL);
	ASSERT_EQ(buddy_create(&b, UINT64_MAX - 0xfff, 2, 12, 10), -EINVAL);
}

/* One order-10 block; an order-0 allocation splits it ten times, the free
 * merges ten times. */
static void test_split_coalesce(void)
{
	struct buddy *b;
	struct buddy_stats st;
	uint64_t pa;

	ASSERT_OK(buddy_create(&b, 0, 1024, 12, 10));
	buddy_get_stats(b, &st);
	ASSERT_EQ(st.free_blocks[10], 1);
	ASSERT_EQ(st.free_frames, 1024);
	ASSERT_OK(buddy_alloc(b, 0, &pa));
	ASSERT_EQ(pa, 0);
	check(b);
	buddy_get_stats(b, &st);
	ASSERT_EQ(st.splits, 10);
	for (unsigned k = 0; k < 10; k++)
		ASSERT_EQ(st.free_blocks[k], 1);
	ASSERT_EQ(st.free_blocks[10], 0);
	ASSERT_EQ(st.free_frames, 1023);
	/* The next order-0 frame is the buddy of the first. */
	ASSERT_OK(buddy_alloc(b, 0, &pa));
	ASSERT_EQ(pa, 4096);
	ASSERT_OK(buddy_free(b, 0, 0));
	ASSERT_EQ(buddy_free(b, 0, 0), -EINVAL);       /* double free */
	ASSERT_EQ(buddy_free(b, 4096, 1), -EINVAL);    /* wrong order */
	ASSERT_EQ(buddy_free(b, 4097, 0), -EINVAL);    /* not a frame */
	ASSERT_EQ(buddy_free(b, 1ULL << 30, 0), -EINVAL);  /* outside */
	check(b);
	ASSERT_OK(buddy_free(b, 4096, 0));
	check(b);
	buddy_get_stats(b, &st);
	ASSERT_EQ(st.merges, 10);
	ASSERT_EQ(st.free_blocks[10], 1);
	ASSERT_EQ(st.allocs[0], 2);
	ASSERT_EQ(st.frees[0], 2);
	ASSERT_EQ(buddy_alloc(b, 11, &pa), -EINVAL);
	buddy_destroy(b);
}

/* Huge-page blocks are aligned in physical addresses, not relative to
 * the start of RAM; RAM that starts or ends off a boundary has smaller
 * blocks there. */
static void test_alignment_and_exhaustion(void)
{
	struct buddy *b;
	struct buddy_stats st;
	uint64_t pa, base = 0x100000, frames = 3 * 512 + 17;
	uint64_t got[8];
	int n = 0;

	ASSERT_OK(buddy_create(&b, base, frames, 12, 10));
	check(b);
	while (buddy_alloc(b, 9, &pa) == 0) {
		ASSERT_EQ(pa % SZ_2M, 0);
		ASSERT_LE(base, pa);
		ASSERT_LE(pa + SZ_2M, base + (frames << 12));
		ASSERT_LT(n, 8);
		got[n++] = pa;
		check(b);
	}
	/* [1M, 2M) and the tail cannot hold a 2 MiB-aligned block. */
	ASSERT_EQ(n, 2);
	buddy_get_stats(b, &st);
	ASSERT_EQ(st.failed[9], 1);
	ASSERT_EQ(st.free_frames, frames - 2 * 512);
	for (int i = 0; i < n; i++)
		ASSERT_OK(buddy_free(b, got[i], 9));
	check(b);
	ASSERT_EQ(buddy_free_frames(b), frames);
	ASSERT_EQ(buddy_order_of(b, 0), 0);
	ASSERT_EQ(buddy_order_of(b, 4096), 0);
	ASSERT_EQ(buddy_order_of(b, 4097), 1);
	ASSERT_EQ(buddy_order_of(b, SZ_2M), 9);
	buddy_destroy(b);
}

static void test_bulk_and_split(void)
{
	struct buddy *b;
	struct buddy_stats st;
	uint64_t pas[BUDDY_BULK_MAX + 10], pa;

	ASSERT_OK(buddy_create(&b, 0, 150, 12, 10));
	ASSERT_EQ(buddy_alloc_bulk(b, 0, pas), 0);
	ASSERT_EQ(buddy_alloc_bulk(b, BUDDY_BULK_MAX + 10, pas),
		  BUDDY_BULK_MAX);
	/* 150 = 128 + 16 + 4 + 2 frames: the smallest blocks go first. */
	ASSERT_EQ(pas[0], 148 << 12);
	ASSERT_EQ(pas[1], 149 << 12);
	ASSERT_EQ(pas[2], 144 << 12);
	ASSERT_EQ(pas[6], 128 << 12);
	ASSERT_EQ(pas[22], 0);
	ASSERT_EQ(buddy_alloc_bulk(b, BUDDY_BULK_MAX, pas), 50);
	ASSERT_EQ(buddy_alloc_bulk(b, 1, pas), -ENOMEM);
	check(b);
	buddy_get_stats(b, &st);
	ASSERT_EQ(st.bulk_calls, 3);
	ASSERT_EQ(st.free_frames, 0);
	for (uint64_t i = 0; i < 150; i++)
		ASSERT_OK(buddy_free(b, i << 12, 0));
	check(b);
	/* split_page(): an order-3 block freed page by page. */
	ASSERT_OK(buddy_alloc(b, 3, &pa));
	ASSERT_EQ(buddy_split(b, pa, 2), -EINVAL);
	ASSERT_OK(buddy_split(b, pa, 3));
	ASSERT_EQ(buddy_free(b, pa, 3), -EINVAL);
	check(b);
	for (uint64_t i = 0; i < 8; i++) {
		ASSERT_OK(buddy_free(b, pa + (i << 12), 0));
		check(b);
	}
	ASSERT_EQ(buddy_free_frames(b), 150);
	buddy_destroy(b);
}

/* Page tables over a buddy: every table frame is an order-0 block, and
 * all of them come back when the table goes. */
static void test_pt_mem(void)
{
	const struct pt_geometry *g = pt_geometry_find("x86-64-4l");
	struct buddy *b, *off;
	struct pt_mem *mem;
	struct pt *pt;
	struct pt_walk w;
	struct pt_stats st;
	uint64_t data;

	ASSERT_OK(buddy_create(&off, PT_MEM_BASE + 4096, 64, 12, 10));
	ASSERT_EQ(buddy_pt_mem_create(off, &mem), -EINVAL);
	buddy_destroy(off);

	ASSERT_OK(buddy_create(&b, PT_MEM_BASE, 4096, 12, 10));
	ASSERT_OK(buddy_pt_mem_create(b, &mem));
	ASSERT_OK(pt_create(&pt, g, mem));
	ASSERT_EQ(buddy_free_frames(b), 4095);        /* the root */
	ASSERT_OK(buddy_alloc(b, 9, &data));          /* a huge page */
	ASSERT_EQ(data % SZ_2M, 0);
	ASSERT_OK(pt_map(pt, 0xffffc90000000000ULL, data, SZ_2M,
			 PT_PROT_READ | PT_PROT_WRITE, PT_MAP_HUGE));
	ASSERT_OK(pt_map(pt, 0xffffc90000400000ULL, data, 4096,
			 PT_PROT_READ, 0));
	ASSERT_EQ(pt_walk(pt, 0xffffc90000001000ULL, &w), data + 4096);
	ASSERT_EQ(w.level, 1);
	ASSERT_EQ(pt_walk(pt, 0xffffc90000400000ULL, &w), data);
	ASSERT_OK(pt_check(pt, NULL));
	pt_get_stats(pt, &st);
	/* root, PUD, PMD, PTE: all four from the buddy, plus 512 data. */
	ASSERT_EQ(st.frames, 4);
	ASSERT_EQ(pt_mem_frames_in_use(mem), 4);
	ASSERT_EQ(buddy_free_frames(b), 4096 - 4 - 512);
	check(b);
	/* The data page reads as zeros: RAM, not a table. */
	uint64_t v = 1;
	ASSERT_OK(pt_mem_read(mem, data, 8, &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(pt_unmap(pt, 0xffffc90000400000ULL, 4096));
	ASSERT_EQ(buddy_free_frames(b), 4096 - 3 - 512);  /* PTE page freed */
	pt_destroy(pt);
	ASSERT_EQ(pt_mem_frames_in_use(mem), 0);
	ASSERT_OK(buddy_free(b, data, 9));
	ASSERT_EQ(buddy_free_frames(b), 4096);
	check(b);
	pt_mem_destroy(mem);
	buddy_destroy(b);
}

/* A frame source that breaks its contract: the memory refuses its frame
 * (and gives it back) instead of writing outside itself. */
static int bad_given, bad_taken;

static int bad_alloc(void *ctx, uint64_t *pa)
{
	(void)ctx;
	bad_given++;
	*pa = PT_MEM_BASE + (64ULL << 12);   /* one past the last frame */
	return 0;
}

static void bad_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	ASSERT_EQ(pa, PT_MEM_BASE + (64ULL << 12));
	bad_taken++;
}

static void test_bad_source(void)
{
	static const struct pt_frame_source bad = { bad_alloc, bad_free };
	struct pt_mem *mem;
	struct pt *pt;
	uint64_t pa;

	ASSERT_OK(pt_mem_create_sourced(&mem, 12, 64, &bad, NULL));
	ASSERT_EQ(pt_frame_alloc(mem, &pa), -EFAULT);
	ASSERT_EQ(pt_create(&pt, pt_geometry_find("sv39"), mem), -EFAULT);
	ASSERT_EQ(bad_given, 2);
	ASSERT_EQ(bad_taken, 2);
	ASSERT_EQ(pt_mem_frames_in_use(mem), 0);
	pt_mem_destroy(mem);
	ASSERT_EQ(pt_mem_create_sourced(&mem, 12, 0, &bad, NULL), -EINVAL);
	ASSERT_EQ(pt_mem_create_sourced(&mem, 9, 64, &bad, NULL), -EINVAL);
}

/* ---- the reference ---- */

struct ref {
	uint64_t pfn0, frames;
	unsigned max_order, shift;
	bool *is_free;
	int8_t *head;      /* order of the allocated block starting here, -1 */
};

static void ref_init(struct ref *f, uint64_t base, uint64_t frames,
		     unsigned shift, unsigned max_order)
{
	f->pfn0 = base >> shift;
	f->frames = frames;
	f->shift = shift;
	f->max_order = max_order;
	f->is_free = malloc(frames * sizeof(*f->is_free));
	f->head = malloc(frames);
	ASSERT(f->is_free && f->head);
	for (uint64_t i = 0; i < frames; i++) {
		f->is_free[i] = true;
		f->head[i] = -1;
	}
}

/* The order of the free block starting at frame index @i, or -1. */
static int ref_block_at(const struct ref *f, uint64_t i)
{
	int best = -1;

	for (unsigned k = 0; k <= f->max_order; k++) {
		uint64_t pfn = f->pfn0 + i, n = 1ULL << k;

		if (pfn % n || i + n > f->frames)
			break;
		for (uint64_t j = 0; j < n; j++)
			if (!f->is_free[i + j])
				return best;
		best = (int)k;
	}
	return best;
}

/* The free blocks per order, scanning RAM from the bottom. */
static void ref_free_blocks(const struct ref *f, uint64_t *nfree,
			    uint64_t *first)
{
	for (unsigned k = 0; k <= f->max_order; k++) {
		nfree[k] = 0;
		first[k] = UINT64_MAX;
	}
	for (uint64_t i = 0; i < f->frames; ) {
		int k = f->is_free[i] ? ref_block_at(f, i) : -1;

		if (k < 0) {
			i++;
			continue;
		}
		if (!nfree[k]++)
			first[k] = i;
		i += 1ULL << k;
	}
}

static int ref_alloc(struct ref *f, unsigned order, uint64_t *pa)
{
	uint64_t nfree[BUDDY_ORDER_LIMIT + 1], first[BUDDY_ORDER_LIMIT + 1];

	if (order > f->max_order)
		return -EINVAL;
	ref_free_blocks(f, nfree, first);
	for (unsigned k = order; k <= f->max_order; k++) {
		if (!nfree[k])
			continue;
		for (uint64_t j = 0; j < 1ULL << order; j++)
			f->is_free[first[k] + j] = false;
		f->head[first[k]] = (int8_t)order;
		*pa = (f->pfn0 + first[k]) << f->shift;
		return 0;
	}
	return -ENOMEM;
}

static int ref_free(struct ref *f, uint64_t pa, unsigned order)
{
	uint64_t pfn = pa >> f->shift, i = pfn - f->pfn0;

	if (pa % (1ULL << f->shift) || pfn < f->pfn0 || i >= f->frames ||
	    f->head[i] != (int)order)
		return -EINVAL;
	f->head[i] = -1;
	for (uint64_t j = 0; j < 1ULL << order; j++)
		f->is_free[i + j] = true;
	return 0;
}

static int ref_split(struct ref *f, uint64_t pa, unsigned order)
{
	uint64_t pfn = pa >> f->shift, i = pfn - f->pfn0;

	if (pa % (1ULL << f->shift) || pfn < f->pfn0 || i >= f->frames ||
	    f->head[i] != (int)order)
		return -EINVAL;
	for (uint64_t j = 0; j < 1ULL << order; j++)
		f->head[i + j] = 0;
	return 0;
}

static void compare(const struct buddy *b, const struct ref *f)
{
	uint64_t nfree[BUDDY_ORDER_LIMIT + 1], first[BUDDY_ORDER_LIMIT + 1];
	uint64_t free_frames = 0;
	struct buddy_stats st;

	ref_free_blocks(f, nfree, first);
	buddy_get_stats(b, &st);
	for (unsigned k = 0; k <= f->max_order; k++)
		ASSERT_EQ(st.free_blocks[k], nfree[k]);
	for (uint64_t i = 0; i < f->frames; i++)
		free_frames += f->is_free[i];
	ASSERT_EQ(st.free_frames, free_frames);
}

/* Live blocks of both: address and order. */
struct live {
	uint64_t pa;
	unsigned order;
};

static void diff_run(uint64_t base, uint64_t frames, unsigned shift,
		     unsigned max_order, uint64_t ops, uint64_t seed)
{
	struct buddy *b;
	struct ref f;
	struct rng rng;
	struct live *live = malloc(frames * sizeof(*live));
	uint64_t nlive = 0, pas[BUDDY_BULK_MAX], rpa, pa;
	uint64_t nomem = 0, drains = 0;

	ASSERT(live);
	rng_seed(&rng, seed);
	ASSERT_OK(buddy_create(&b, base, frames, shift, max_order));
	ref_init(&f, base, frames, shift, max_order);
	check(b);
	compare(b, &f);
	for (uint64_t op = 0; op < ops; op++) {
		uint64_t what = rng_below(&rng, 100);

		if (rng_below(&rng, 20000) == 0) {
			/* Drain: every frame back (compare() then sees the
			 * blocks of a fresh allocator). */
			while (nlive) {
				nlive--;
				ASSERT_OK(buddy_free(b, live[nlive].pa,
						     live[nlive].order));
				ASSERT_OK(ref_free(&f, live[nlive].pa,
						   live[nlive].order));
			}
			ASSERT_EQ(buddy_free_frames(b), frames);
			drains++;
		} else if (what < 5 && nlive) {
			unsigned n = (unsigned)rng_below(&rng, 130);
			int got = buddy_alloc_bulk(b, n, pas);
			int want = 0;

			while ((unsigned)want < n && want < BUDDY_BULK_MAX &&
			       ref_alloc(&f, 0, &rpa) == 0) {
				ASSERT(got > want);
				ASSERT_EQ(pas[want], rpa);
				live[nlive++] = (struct live){ rpa, 0 };
				want++;
			}
			ASSERT_EQ(got, n && !want ? -ENOMEM : want);
		} else if (what < 10 && nlive) {
			uint64_t i = rng_below(&rng, nlive);
			struct live l = live[i];

			ASSERT_OK(buddy_split(b, l.pa, l.order));
			ASSERT_OK(ref_split(&f, l.pa, l.order));
			live[i].order = 0;
			for (uint64_t j = 1; j < 1ULL << l.order; j++)
				live[nlive++] = (struct live){
					l.pa + (j << shift), 0 };
		} else if (what < 13 && nlive) {
			/* A wrong order or a double free changes nothing. */
			uint64_t i = rng_below(&rng, nlive);
			unsigned order = live[i].order + 1 +
				(unsigned)rng_below(&rng, 2);

			ASSERT_EQ(buddy_free(b, live[i].pa, order), -EINVAL);
			ASSERT_EQ(ref_free(&f, live[i].pa, order), -EINVAL);
		} else if (what < 30 + 50 * buddy_free_frames(b) / frames ||
			   nlive == 0) {
			/*
			 * Allocations more likely the more is free, so RAM
			 * fills to a level and runs out now and then.
			 * Orders skewed small, now and then above max.
			 */
			unsigned order = (unsigned)rng_below(&rng, 4) ?
				(unsigned)rng_below(&rng, 3) :
				(unsigned)rng_below(&rng, max_order + 2);
			int e1 = buddy_alloc(b, order, &pa);
			int e2 = ref_alloc(&f, order, &rpa);

			ASSERT_EQ(e1, e2);
			if (!e1) {
				ASSERT_EQ(pa, rpa);
				live[nlive++] = (struct live){ pa, order };
			} else {
				nomem += e1 == -ENOMEM;
			}
		} else {
			uint64_t i = rng_below(&rng, nlive);
			struct live l = live[i];

			live[i] = live[--nlive];
			ASSERT_OK(buddy_free(b, l.pa, l.order));
			ASSERT_OK(ref_free(&f, l.pa, l.order));
			if (rng_below(&rng, 4) == 0)
				ASSERT_EQ(buddy_free(b, l.pa, l.order),
					  -EINVAL);
		}
		check(b);
		compare(b, &f);
	}
	while (nlive) {
		nlive--;
		ASSERT_OK(buddy_free(b, live[nlive].pa, live[nlive].order));
	}
	check(b);
	ASSERT_EQ(buddy_free_frames(b), frames);
	/* Something was exhausted at least once in a long enough run. */
	if (ops >= 10000)
		ASSERT_LT(0, nomem);
	printf("buddy diff: base %#llx frames %llu shift %u max_order %u: "
	       "%llu ops, %llu -ENOMEM, %llu drains\n",
	       (unsigned long long)base, (unsigned long long)frames, shift,
	       max_order, (unsigned long long)ops,
	       (unsigned long long)nomem, (unsigned long long)drains);
	buddy_destroy(b);
	free(f.is_free);
	free(f.head);
	free(live);
}

int main(int argc, char **argv)
{
	uint64_t ops = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 42;

	test_create_errors();
	test_split_coalesce();
	test_alignment_and_exhaustion();
	test_bulk_and_split();
	test_pt_mem();
	test_bad_source();
	/* RAM aligned, off alignment at both ends, tiny, one frame, 64K. */
	diff_run(PT_MEM_BASE, 2048, 12, 10, ops, seed);
	diff_run(0x123000, 1500, 12, 4, ops, seed + 1);
	diff_run(0x7000, 300, 12, 10, ops / 2, seed + 2);
	diff_run(0x1000, 1, 12, 0, ops / 20, seed + 3);
	diff_run(0x30000, 700, 16, 6, ops / 2, seed + 4);
	return 0;
}
