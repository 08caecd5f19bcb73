/* SPDX-License-Identifier: MIT */
/*
 * Side-by-side speed pairs (family "pair"): a simulated operation next to
 * the native loop it models, measured in the same run.  scripts/pairs.py
 * prints their ratios against the targets.  The workload column names the
 * pair; the strategy the side:
 *
 *   pair/translate/tlb-hit/x86-64-4l/skylake/n:16   vs  pair/load/tlb-hit
 *	Translations that hit the L1 TLB, vs one dependent load per op.
 *	Target: translate at most 2x load.
 *   pair/pt_walk/walk4/x86-64-4l/n:16               vs  pair/chase4/walk4
 *	4-level walks (no TLB, no PSC) vs four dependent loads per op.
 *	Target: pt_walk at most 1.5x chase4.
 *
 * The native sides are chains: each load's address is the previous load's
 * value (a random cyclic permutation perm of the n pages).  The simulated
 * sides come in two forms over the same page order:
 *   translate, pt_walk   the addresses come from an array (page perm^k(0)
 *                        at op k): ops are independent, so the CPU may
 *                        overlap consecutive translations; this is the
 *                        form the targets are stated for.
 *   translate-chain,     each op's address is the previous op's result:
 *   pt_walk-chain        virtual page i maps to physical page perm[i] and
 *                        the translated address, moved back into the
 *                        virtual range, is the next one.  Latency against
 *                        latency: the strictest comparison.
 *
 * "The same size": the native array has as many elements (8 bytes each)
 * as the simulated working set has pages (n = 16): one element stands for
 * one page, 128 bytes in all.  The simulated side reads the TLB's tags and
 * entries of 16 sets (about 1.5 KiB): both are L1-cache resident, so the
 * pair compares instruction latency, not the memory hierarchy.
 *
 * Honesty of the native loops: the loaded value is the next index, so no
 * load can be hoisted or vectorised; bench_do_not_optimize() on the index
 * every iteration keeps the compiler from proving anything about it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/bench.h>
#include <vmbench/mmu.h>
#include <vmbench/pgtable.h>
#include <vmbench/rng.h>
#include <vmbench/tlb.h>

#include "list.h"

#define PAIR_SEED 7
#define PAIR_VA 0x40000000ULL       /* virtual base of the working set */
#define PAIR_PA 0x80000000ULL       /* physical base of its frames */
#define PAIR_OFF 0x88               /* the byte accessed in each page */
#define PAIR_MAX_PAGES 512          /* one last-level table */

/* A random cyclic permutation of @n (Sattolo): one cycle through all. */
static void cyclic_perm(uint64_t *p, uint64_t n, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, seed);
	for (uint64_t i = 0; i < n; i++)
		p[i] = i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j = rng_below(&r, i), t = p[i];

		p[i] = p[j];
		p[j] = t;
	}
}

/* A random permutation of @n (Fisher-Yates). */
static void random_perm(uint64_t *p, uint64_t n, struct rng *r)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = i;
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rng_below(r, i), t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
}

/* Page i at PAIR_VA maps to frame perm[i] at PAIR_PA. */
static int map_chain(struct pt *pt, const uint64_t *perm, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int err = pt_map(pt, PAIR_VA + (i << 12),
				 PAIR_PA + (perm[i] << 12), 4096,
				 PT_PROT_RWX, 0);

		if (err)
			return err;
	}
	return 0;
}

static int64_t pair_pages(struct bench_state *st)
{
	int64_t n = bench_arg(st, 0);

	if (n < 2 || n > PAIR_MAX_PAGES) {
		bench_error(st, "n: 2..512 pages");
		return 0;
	}
	return n;
}

/*
 * The addresses of the cycle in visiting order, from page 0, stored from
 * the end: op k reads vas[n - 1 - k], so that a loop counting its index
 * down wraps with the sign flag (no compare).
 */
static void cycle_vas(uint64_t *vas, const uint64_t *perm, uint64_t n)
{
	uint64_t page = 0;

	for (uint64_t k = 0; k < n; k++) {
		vas[n - 1 - k] = PAIR_VA + (page << 12) + PAIR_OFF;
		page = perm[page];
	}
}

/*
 * pair/translate/tlb-hit: L1 TLB hits through mmu_translate(), addresses
 * from an array; pair/translate-chain/tlb-hit (bench_data "chain"): each
 * address is the previous translation's result.  translate-zen4 and
 * translate-neoverse-n1: the same over those presets' fully associative
 * L1s.  translate-mmu2 (bench_data "mmu2"): the hits are taken through a
 * second MMU (ASID 2) sharing the TLB with the first, both warmed; the
 * second looked up last, so its port holds the TLB's clock (tlb.h), as
 * the first's does in the plain pair.
 */
static void pair_translate(struct bench_state *st)
{
	uint64_t perm[PAIR_MAX_PAGES], vas[PAIR_MAX_PAGES];
	uint64_t va = PAIR_VA + PAIR_OFF, sum = 0;
	const char *data = bench_data(st);
	bool chain = data && !strcmp(data, "chain");
	bool mmu2 = data && !strcmp(data, "mmu2");
	struct mmu_config c2 = { .asid = 2 };
	struct mmu *m2 = NULL;
	int64_t n = pair_pages(st), i = 0;
	struct pt *pt = NULL;
	struct tlb *tlb = NULL;
	struct mmu *m = NULL, *mmu;
	struct mmu_counters k;
	struct mmu_result r;
	int ret, bad = 0;

	if (!n)
		return;
	cyclic_perm(perm, (uint64_t)n, PAIR_SEED);
	ret = pt_create(&pt, pt_geometry_find(st->def->arch), NULL);
	if (!ret)
		ret = tlb_create_spec(&tlb, st->def->tlb, NULL);
	if (!ret)
		ret = mmu_create(&m, pt, tlb, NULL);
	if (!ret && mmu2)
		ret = mmu_create(&m2, pt, tlb, &c2);
	if (!ret)
		ret = map_chain(pt, perm, (uint64_t)n);
	/* The first MMU's entries go in first; the second's after them. */
	for (int64_t j = 0; !ret && m2 && j < n; j++) {
		ret = mmu_translate(m, va, 8, MMU_READ, &r);
		va = PAIR_VA + (r.pa - PAIR_PA);
	}
	if (m2) {
		struct mmu *t = m;

		m = m2;
		m2 = t;
	}
	/* Warm the TLB: two trips round the cycle (the first fills). */
	for (int64_t j = 0; !ret && j < 2 * n; j++) {
		ret = mmu_translate(m, va, 8, MMU_READ, &r);
		va = PAIR_VA + (r.pa - PAIR_PA);
	}
	if (ret) {
		bench_error(st, "setup failed");
		goto out;
	}
	mmu_counters_reset(m);
	cycle_vas(vas, perm, (uint64_t)n);

	/*
	 * As a caller would write it: the MMU pointer in a local that is
	 * not address-taken (so not reloaded after every store), the result
	 * in the loop body (its fields nobody reads are dead stores the
	 * compiler may drop), the return value checked.
	 */
	mmu = m;
	if (chain) {
		BENCH_LOOP(st) {
			struct mmu_result res;

			bad |= mmu_translate(mmu, va, 8, MMU_READ, &res);
			va = PAIR_VA + (res.pa - PAIR_PA);
		}
	} else {
		BENCH_LOOP(st) {
			struct mmu_result res;

			if (--i < 0)
				i = n - 1;
			bad |= mmu_translate(mmu, vas[i], 8, MMU_READ, &res);
			sum += res.pa;
		}
	}
	bench_do_not_optimize(va);
	bench_do_not_optimize(sum);
	if (bad) {
		bench_error(st, "a translation failed");
		goto out;
	}
	mmu_get_counters(m, &k);
	bench_counter(st, "sim_tlb_l1_hits", (double)k.tlb.l1.hits,
		      BENCH_CTR_PER_ITER);
	bench_counter(st, "sim_walks", (double)k.walks, BENCH_CTR_PER_ITER);
out:
	mmu_destroy(m);
	mmu_destroy(m2);
	tlb_destroy(tlb);
	pt_destroy(pt);
}

/* pair/load/tlb-hit: the same cycle as one dependent load per op. */
static void pair_load(struct bench_state *st)
{
	uint64_t perm[PAIR_MAX_PAGES];
	int64_t n = pair_pages(st);
	uint64_t *next, cur = 0;

	if (!n)
		return;
	next = malloc((size_t)n * sizeof(*next));
	if (!next) {
		bench_error(st, "out of memory");
		return;
	}
	cyclic_perm(perm, (uint64_t)n, PAIR_SEED);
	memcpy(next, perm, (size_t)n * sizeof(*next));

	BENCH_LOOP(st) {
		cur = next[cur];
		bench_do_not_optimize(cur);
	}
	free(next);
}

/*
 * pair/pt_walk/walk4: 4-level walks, no TLB, addresses from an array;
 * pair/pt_walk-chain/walk4 (bench_data set): each address is the previous
 * walk's result.
 */
static void pair_walk(struct bench_state *st)
{
	uint64_t perm[PAIR_MAX_PAGES], vas[PAIR_MAX_PAGES];
	uint64_t va = PAIR_VA + PAIR_OFF, sum = 0;
	bool chain = bench_data(st) != NULL;
	int64_t n = pair_pages(st), i = 0;
	struct pt *pt = NULL;
	struct pt_walk w;
	uint64_t reads = 0;
	int ret;

	if (!n)
		return;
	cyclic_perm(perm, (uint64_t)n, PAIR_SEED);
	ret = pt_create(&pt, pt_geometry_find(st->def->arch), NULL);
	if (!ret)
		ret = map_chain(pt, perm, (uint64_t)n);
	for (int64_t j = 0; !ret && j < n; j++) {
		if (pt_walk(pt, va, &w) == PT_PA_NONE)
			ret = -EFAULT;
		reads += w.reads;
		va = PAIR_VA + (w.pa - PAIR_PA);
	}
	if (ret) {
		bench_error(st, "setup failed");
		pt_destroy(pt);
		return;
	}

	cycle_vas(vas, perm, (uint64_t)n);

	if (chain) {
		BENCH_LOOP(st)
			va = PAIR_VA + (pt_walk(pt, va, &w) - PAIR_PA);
	} else {
		BENCH_LOOP(st) {
			if (--i < 0)
				i = n - 1;
			sum += pt_walk(pt, vas[i], &w);
		}
	}
	bench_do_not_optimize(va);
	bench_do_not_optimize(sum);
	bench_counter(st, "sim_entry_reads",
		      (double)reads * (double)bench_iterations(st) / (double)n,
		      BENCH_CTR_PER_ITER);
	pt_destroy(pt);
}

/*
 * pair/chase4/walk4: four dependent loads per op through four arrays of n
 * elements, in the walk's page order.  Array k holds the index into array
 * k - 1, through random permutations, so every load's address comes from
 * the previous load; the last array's value is the next page.
 */
static void pair_chase4(struct bench_state *st)
{
	uint64_t perm[PAIR_MAX_PAGES], s[3][PAIR_MAX_PAGES];
	int64_t n = pair_pages(st);
	uint64_t *a, *a3, *a2, *a1, *a0, cur = 0;
	struct rng r;

	if (!n)
		return;
	a = malloc(4 * (size_t)n * sizeof(*a));
	if (!a) {
		bench_error(st, "out of memory");
		return;
	}
	a3 = a;
	a2 = a + n;
	a1 = a + 2 * n;
	a0 = a + 3 * n;
	cyclic_perm(perm, (uint64_t)n, PAIR_SEED);
	rng_seed(&r, PAIR_SEED + 1);
	for (int k = 0; k < 3; k++)
		random_perm(s[k], (uint64_t)n, &r);
	/* page i -> s0[i] -> s1[i] -> s2[i] -> perm[i] */
	for (int64_t i = 0; i < n; i++) {
		a3[i] = s[0][i];
		a2[s[0][i]] = s[1][i];
		a1[s[1][i]] = s[2][i];
		a0[s[2][i]] = perm[i];
	}

	BENCH_LOOP(st) {
		cur = a0[a1[a2[a3[cur]]]];
		bench_do_not_optimize(cur);
	}
	free(a);
}

const struct bench_def bench_pair_defs[] = {
	{ .family = "pair", .strategy = "translate", .workload = "tlb-hit",
	  .arch = "x86-64-4l", .tlb = "skylake", .run = pair_translate,
	  .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "translate-chain",
	  .workload = "tlb-hit", .arch = "x86-64-4l", .tlb = "skylake",
	  .run = pair_translate, .data = "chain",
	  .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "translate-mmu2",
	  .workload = "tlb-hit", .arch = "x86-64-4l", .tlb = "skylake",
	  .run = pair_translate, .data = "mmu2",
	  .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "translate-zen4",
	  .workload = "tlb-hit", .arch = "x86-64-4l", .tlb = "zen4",
	  .run = pair_translate, .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "translate-neoverse-n1",
	  .workload = "tlb-hit", .arch = "x86-64-4l", .tlb = "neoverse-n1",
	  .run = pair_translate, .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "load", .workload = "tlb-hit",
	  .run = pair_load, .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "pt_walk", .workload = "walk4",
	  .arch = "x86-64-4l", .run = pair_walk,
	  .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "pt_walk-chain", .workload = "walk4",
	  .arch = "x86-64-4l", .run = pair_walk, .data = "chain",
	  .args = { BENCH_LIST("n", 16) } },
	{ .family = "pair", .strategy = "chase4", .workload = "walk4",
	  .run = pair_chase4, .args = { BENCH_LIST("n", 16) } },
	BENCH_END
};
