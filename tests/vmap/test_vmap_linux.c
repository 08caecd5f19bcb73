/* SPDX-License-Identifier: MIT */
/*
 * The kernel's rule, held two ways:
 *   1. linux (the kernel's own code) and augrb-linux (vmbench's model of
 *      it) answer every operation of a seeded random stream identically:
 *      the same address or the same -ENOSPC, the same find;
 *   2. the model reproduces vmap.h's worked example, where the kernel's
 *      rule and lowest-fit part (this part runs without kernel source).
 * augrb is kept in the same state: where the kernel's rule placed
 * elsewhere, its area is moved there; where it refused, augrb's is freed.
 * Each subject's vmap_check() runs after every operation of the first
 * CHECK_ALL_UNTIL, then every CHECK_EVERY, and at the end.  Alongside, the
 * stream runs on augrb (exact lowest-fit) and the test prints how often the
 * kernel's rule placed higher or refused: a property of the rule, reported,
 * not asserted.
 *
 * usage: test_vmap_linux [OPS [SEED]]   (defaults 1000000 and 1)
 * Without the linux strategy (no kernel source at build time) part 1 is
 * skipped (exit 77) with the line that installs the source.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <vmbench/reason.h>
#include <vmbench/rng.h>
#include <vmbench/vmap.h>

#include "../test.h"

#define CHECK_ALL_UNTIL 20000
#define CHECK_EVERY 5000
#define MAX_LIVE 3000
#define MAX_SLOTS (MAX_LIVE + 1)
#define P 4096ULL

enum { LX, MODEL, EXACT, NSUB };

static const char *const names[NSUB] = { "linux", "augrb-linux", "augrb" };

struct live {
	uint64_t addr[NSUB];
};

static void check(struct vmap *v[NSUB])
{
	struct reason r;

	for (int i = 0; i < NSUB; i++)
		if (vmap_check(v[i], &r))
			TEST_FAIL("vmap_check: %s", r.msg);
}

/* vmap.h's example: [0, 8K) the left child of [16K, 80K), 4K aligned 8K. */
static void example(void)
{
	const uint64_t S = 1ULL << 32, K = 1024;
	struct vmap *m, *e;
	uint64_t a, b, x, y;

	ASSERT_OK(vmap_create(&m, "augrb-linux", S, S + 80 * K, P));
	ASSERT_OK(vmap_create(&e, "augrb", S, S + 80 * K, P));
	/* Busy [8K, 16K) leaves free [0, 8K) and [16K, 80K); the split
	 * keeps the upper block in the root node, the lower as its left. */
	ASSERT_OK(vmap_alloc(m, 8 * K, P, S + 8 * K, S + 16 * K, &a));
	ASSERT_OK(vmap_alloc(e, 8 * K, P, S + 8 * K, S + 16 * K, &b));
	ASSERT_EQ(a, S + 8 * K);
	ASSERT_EQ(vmap_alloc(m, 4 * K, 8 * K, S, S + 8 * K, &x), -ENOSPC);
	ASSERT_OK(vmap_alloc(e, 4 * K, 8 * K, S, S + 8 * K, &y));
	ASSERT_EQ(y, S);
	ASSERT_OK(vmap_free(e, y));
	ASSERT_OK(vmap_alloc(m, 4 * K, 8 * K, S, S + 80 * K, &x));
	ASSERT_OK(vmap_alloc(e, 4 * K, 8 * K, S, S + 80 * K, &y));
	ASSERT_EQ(x, S + 16 * K);
	ASSERT_EQ(y, S);
	/* An exact window is searched for size only. */
	ASSERT_OK(vmap_alloc(m, 4 * K, 8 * K, S, S + 4 * K, &x));
	ASSERT_EQ(x, S);
	vmap_destroy(m);
	vmap_destroy(e);
	printf("vmap linux: the example of vmap.h holds\n");
}

int main(int argc, char **argv)
{
	uint64_t ops = 1000000, seed = 1;
	uint64_t start = VMAP_DEFAULT_START, end = start + (1ULL << 36);
	uint64_t n_alloc = 0, n_enospc = 0, higher = 0, refused = 0;
	uint64_t aligned = 0, windowed = 0;
	struct vmap *v[NSUB];
	struct live *live;
	size_t nlive = 0;
	struct rng rng;
	struct vmap_stats st;

	if (argc > 1)
		ops = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 10);
	example();
	if (!vmap_strategy_find("linux")) {
		printf("SKIP: strategy linux not built (no kernel source): "
		       "apt-get install linux-source-6.12, or configure with "
		       "-Dkernel_src=TREE_OR_TARBALL\n");
		return 77;
	}
	printf("vmap linux: kernel %s\n",
	       vmap_strategy_find("linux")->kernel_version);
	live = calloc(MAX_SLOTS, sizeof(*live));
	ASSERT(live);
	rng_seed(&rng, seed);
	for (int i = 0; i < NSUB; i++)
		ASSERT_OK(vmap_create(&v[i], names[i], start, end, P));

	for (uint64_t op = 0; op < ops; op++) {
		/* A random walk of the live count, drained now and then. */
		bool grow = nlive < 50 ||
			    (nlive < MAX_LIVE && rng_below(&rng, 100) < 52);
		uint64_t k = rng_below(&rng, 100);

		if (rng_below(&rng, 200000) == 0) {
			while (nlive) {
				nlive--;
				for (int i = 0; i < NSUB; i++)
					ASSERT_OK(vmap_free(v[i],
						  live[nlive].addr[i]));
			}
		} else if (grow) {
			uint64_t size = P << rng_below(&rng, 11);
			uint64_t align = P, vs = start, ve = end;
			uint64_t addr[NSUB] = { 0 };
			int rc[NSUB];

			if (rng_below(&rng, 2))
				align = 1ULL << (12 + rng_below(&rng, 12));
			if (k < 20) {
				/* A window: random, or exactly one area. */
				vs = start + (rng_below(&rng, (end - start) /
					      P / 2) * P);
				ve = k < 5 ? vs + size :
				     vs + (P << rng_below(&rng, 25));
				if (ve > end || ve <= vs)
					ve = end;
				windowed++;
			}
			aligned += align > P;
			for (int i = 0; i < NSUB; i++)
				rc[i] = vmap_alloc(v[i], size, align, vs, ve,
						   &addr[i]);
			if (rc[LX] != rc[MODEL] ||
			    (!rc[LX] && addr[LX] != addr[MODEL]))
				TEST_FAIL("op %llu: alloc(%#llx, align %#llx, "
					  "[%#llx, %#llx)): linux %d %#llx, "
					  "augrb-linux %d %#llx",
					  (unsigned long long)op,
					  (unsigned long long)size,
					  (unsigned long long)align,
					  (unsigned long long)vs,
					  (unsigned long long)ve, rc[LX],
					  (unsigned long long)addr[LX],
					  rc[MODEL],
					  (unsigned long long)addr[MODEL]);
			ASSERT(rc[LX] == 0 || rc[LX] == -ENOSPC);
			ASSERT(rc[EXACT] == 0 || rc[EXACT] == -ENOSPC);
			n_alloc++;
			/* The kernel's rule never finds room lowest-fit
			 * misses, and never places lower. */
			if (rc[EXACT])
				ASSERT_EQ(rc[LX], -ENOSPC);
			else if (rc[LX])
				refused++;
			else if (addr[EXACT] > addr[LX])
				TEST_FAIL("op %llu: alloc(%#llx, align %#llx, "
					  "[%#llx, %#llx)): linux placed at "
					  "%#llx, below lowest-fit's %#llx",
					  (unsigned long long)op,
					  (unsigned long long)size,
					  (unsigned long long)align,
					  (unsigned long long)vs,
					  (unsigned long long)ve,
					  (unsigned long long)addr[LX],
					  (unsigned long long)addr[EXACT]);
			if (!rc[LX] && !rc[EXACT] && addr[LX] != addr[EXACT]) {
				/* Keep augrb in step: the area where the
				 * kernel put it (free there, as the states
				 * are the same). */
				higher++;
				ASSERT_OK(vmap_free(v[EXACT], addr[EXACT]));
				ASSERT_OK(vmap_alloc(v[EXACT], size, align,
						     addr[LX], addr[LX] + size,
						     &addr[EXACT]));
				ASSERT_EQ(addr[EXACT], addr[LX]);
			}
			if (rc[LX] || rc[EXACT]) {
				n_enospc += rc[LX] != 0;
				if (!rc[EXACT])
					ASSERT_OK(vmap_free(v[EXACT],
							    addr[EXACT]));
			} else {
				for (int i = 0; i < NSUB; i++)
					live[nlive].addr[i] = addr[i];
				nlive++;
			}
		} else if (k < 90) {
			size_t j = rng_below(&rng, nlive);

			for (int i = 0; i < NSUB; i++)
				ASSERT_OK(vmap_free(v[i], live[j].addr[i]));
			live[j] = live[--nlive];
		} else {
			/* find inside a live area, the same on both. */
			size_t j = rng_below(&rng, nlive);
			struct vmap_area a0, a1;

			ASSERT_OK(vmap_find(v[LX], live[j].addr[LX] + 1, &a0));
			ASSERT_OK(vmap_find(v[MODEL], live[j].addr[MODEL] + 1,
					    &a1));
			ASSERT_EQ(a0.start, a1.start);
			ASSERT_EQ(a0.size, a1.size);
		}
		if (op < CHECK_ALL_UNTIL || op % CHECK_EVERY == 0)
			check(v);
	}
	check(v);
	vmap_stats(v[LX], &st);
	printf("vmap linux: ok, %llu ops, %llu allocs (%llu with align > "
	       "page, %llu windowed), linux == augrb-linux on every one; "
	       "against lowest-fit: %llu placed higher, %llu refused with "
	       "room; %llu live at the end, linux %.1f bytes per live area\n",
	       (unsigned long long)ops, (unsigned long long)n_alloc,
	       (unsigned long long)aligned, (unsigned long long)windowed,
	       (unsigned long long)higher, (unsigned long long)refused,
	       (unsigned long long)nlive,
	       nlive ? (double)st.meta_bytes / (double)nlive : 0.0);
	for (int i = 0; i < NSUB; i++)
		vmap_destroy(v[i]);
	free(live);
	return 0;
}
