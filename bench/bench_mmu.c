/* SPDX-License-Identifier: MIT */
/*
 * The MMU benchmarks: address translation through the MMU of mmu.h (TLB +
 * paging-structure caches + walker), the page-table walk alone, page-table
 * map/unmap throughput, and the replay of a DineroIV text trace.
 *
 * Families (bench.h names: family/strategy/workload/arch/tlb/n:PAGES):
 *   mmu/translate        n base pages mapped with base pages, an access
 *                        array from a wl_ generator replayed through
 *                        mmu_translate()
 *   mmu/translate-huge   the same working set mapped with the geometry's
 *                        largest leaf (the mapping is rounded up to it)
 *   mmu/reach            mmu/translate over a dense sweep of working sets
 *                        (uniform, 16 .. 65536 base pages, factor 2) for
 *                        the TLB reach curve: its sim_* miss counts are
 *                        the point; it also reports the entries of the L1
 *                        and L2 structures holding base pages
 *                        (tlb_l1_entries, tlb_l2_entries) and the base
 *                        page size (tlb_page_bytes)
 *   walk/pt_walk         pt_walk() alone over the same accesses' pages
 *   map/unmap-map        n pages mapped; one op unmaps a page and maps it
 *                        again (random order)
 *   map/range            one op maps n pages with one pt_map() and unmaps
 *                        them with one pt_unmap(); items = pages
 *   trace/din-replay     parse a DineroIV text trace held in memory and
 *                        translate every reference (skylake TLB); one op
 *                        is the whole trace, refs_per_s its rate
 * The "pair" family (side-by-side speed pairs) lives in bench_pairs.c.
 *
 * Setup (untimed, in every run() call): the page table, TLB and MMU are
 * built, every page of the working set is mapped, and the access array is
 * generated.  The array is then replayed twice untimed: a warm pass, and
 * a counted pass whose counters become the sim_* columns.  The timed loop
 * replays the array cyclically from its start.
 *
 * Simulated counters (sim_*) are per access of one steady-state pass over
 * the array (the counted pass above), so they are exact and deterministic:
 * they do not depend on how many iterations the timer chose.  They mean
 * what BENCH_CTR_PER_ITER counters mean (per op), but are handed to the
 * shim already divided (count / accesses, flags 0): one rounding, so the
 * same benchmark gives bit-identical values in every run.  (Scaling by
 * the iteration count for the shim to divide again would round twice and
 * vary in the last digit with the iteration count.)
 *
 * Sizes: there is no per-benchmark quick flag in the harness (--quick only
 * shortens the minimum time), so the sweeps are kept modest: n of 16 (all
 * L1 TLB hits on every preset), 1024 (beyond L1, inside L2) and 16384
 * (beyond every L2: walks).  Only mmu/reach sweeps densely, on one
 * geometry and three presets (39 benchmarks, a few seconds with --quick).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/bench.h>
#include <vmbench/mmu.h>
#include <vmbench/pgtable.h>
#include <vmbench/rng.h>
#include <vmbench/tlb.h>
#include <vmbench/workload.h>

#include "list.h"

/* Accesses in the replayed array (16 bytes each: 1 MiB). */
#ifndef MMU_BENCH_ACCESSES
#define MMU_BENCH_ACCESSES (1u << 16)
#endif

/* References in the DineroIV trace of trace/din-replay. */
#ifndef MMU_BENCH_TRACE_REFS
#define MMU_BENCH_TRACE_REFS 100000u
#endif

#define MMU_BENCH_SEED 42

/*
 * TLB names beyond the presets.  No preset holds 64K pages, so the 64K
 * granule gets Neoverse N1's shape (48-entry fully associative L1, 1280
 * entries 5-way L2) over 64K and 512M pages: a what-if, not a published
 * configuration.
 */
static const struct {
	const char *name;
	const char *spec;
} extra_tlbs[] = {
	{ "n1-64k", "pages:64k/512m,l1d.all:48x48:lru,l2.all:1280x5:lru" },
};

/* An access ready for mmu_translate(). */
struct op {
	uint64_t va;
	uint32_t size;
	uint32_t access;          /* enum mmu_access */
};

struct ctx {
	struct pt *pt;
	struct tlb *tlb;
	struct mmu *mmu;
	struct op *ops;
	size_t nops;
};

static void ctx_free(struct ctx *c)
{
	mmu_destroy(c->mmu);
	tlb_destroy(c->tlb);
	pt_destroy(c->pt);
	free(c->ops);
	memset(c, 0, sizeof(*c));
}

/* The TLB called @name ("none": NULL, the MMU walks every access). */
static int make_tlb(const char *name, struct tlb **out)
{
	const char *spec = name;

	*out = NULL;
	if (!name || !strcmp(name, "none"))
		return 0;
	for (size_t i = 0; i < sizeof(extra_tlbs) / sizeof(extra_tlbs[0]); i++)
		if (!strcmp(name, extra_tlbs[i].name))
			spec = extra_tlbs[i].spec;
	return tlb_create_spec(out, spec, NULL);
}

/* Bytes of the geometry's largest leaf. */
static uint64_t largest_leaf(const struct pt_geometry *g)
{
	unsigned top = 0;

	for (unsigned l = 0; l < g->levels; l++)
		if (g->leaf_levels & 1u << l)
			top = l;
	return pt_level_size(g, top);
}

static uint32_t access_of(uint8_t kind)
{
	return kind == WL_ACCESS_WRITE ? MMU_WRITE :
	       kind == WL_ACCESS_IFETCH ? MMU_EXEC : MMU_READ;
}

/*
 * Build @c for @st's arch, tlb and workload over @pages base pages at the
 * generator's default base, identity-mapped (pa = va) with base pages, or
 * with the largest leaf if @huge.  0 or a negative errno.
 */
static int ctx_build(struct ctx *c, const struct bench_def *d, uint64_t pages,
		     bool huge)
{
	const struct pt_geometry *g = pt_geometry_find(d->arch);
	struct wl_access_gen_params p;
	struct wl_access_trace t = { 0 };
	struct reason err;
	uint64_t bytes, span;
	int ret;

	memset(c, 0, sizeof(*c));
	if (!g)
		return -EINVAL;
	wl_access_gen_defaults(&p);
	p.seed = MMU_BENCH_SEED;
	p.page_size = 1ULL << g->page_shift;
	p.pages = pages;
	p.accesses = MMU_BENCH_ACCESSES;
	bytes = pages << g->page_shift;
	span = huge ? largest_leaf(g) : p.page_size;
	bytes = (bytes + span - 1) & ~(span - 1);

	ret = pt_create(&c->pt, g, NULL);
	if (!ret)
		ret = make_tlb(d->tlb, &c->tlb);
	if (!ret)
		ret = mmu_create(&c->mmu, c->pt, c->tlb, NULL);
	if (!ret)
		ret = pt_map(c->pt, p.base, p.base, bytes, PT_PROT_RWX,
			     huge ? PT_MAP_HUGE : 0);
	if (!ret)
		ret = wl_access_gen(d->workload, &p, &t, &err);
	if (!ret) {
		c->ops = malloc(t.n * sizeof(*c->ops));
		if (!c->ops)
			ret = -ENOMEM;
	}
	if (ret) {
		wl_access_trace_free(&t);
		ctx_free(c);
		return ret;
	}
	for (size_t i = 0; i < t.n; i++) {
		c->ops[i].va = t.a[i].va;
		c->ops[i].size = t.a[i].size;
		c->ops[i].access = access_of(t.a[i].kind);
	}
	c->nops = t.n;
	wl_access_trace_free(&t);
	return 0;
}

/* One pass over the array; the number of failed translations. */
static uint64_t translate_pass(struct ctx *c)
{
	struct mmu_result r;
	uint64_t bad = 0;

	for (size_t i = 0; i < c->nops; i++)
		bad += mmu_translate(c->mmu, c->ops[i].va, c->ops[i].size,
				     (enum mmu_access)c->ops[i].access,
				     &r) != 0;
	return bad;
}

/* Report @count (over one pass of @per accesses) as a per-op counter. */
static void per_op(struct bench_state *st, const char *name, uint64_t count,
		   uint64_t per)
{
	bench_counter(st, name, (double)count / (double)per, 0);
}

static void report_mmu(struct bench_state *st, const struct mmu_counters *k,
		       uint64_t per)
{
	uint64_t psc = 0;

	for (unsigned i = 0; i < TLB_MAX_PSC; i++)
		psc += k->tlb.psc_hits[i];
	per_op(st, "sim_translations", k->translations, per);
	per_op(st, "sim_tlb_l1_hits", k->tlb.l1.hits, per);
	per_op(st, "sim_tlb_l2_hits", k->tlb.l2.hits, per);
	per_op(st, "sim_tlb_misses", k->translations - k->tlb_hits, per);
	per_op(st, "sim_walks", k->walks, per);
	per_op(st, "sim_entry_reads", k->walk_reads, per);
	per_op(st, "sim_psc_hits", psc, per);
}

static void fail(struct bench_state *st, const char *what, int err)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-err));
	bench_error(st, msg);
}

/*
 * Entries of the structures of a TLB level that hold pages of @shift:
 * the level's reach in pages of that size.  0 when no structure does.
 */
static uint64_t level_entries(const struct tlb_config *cfg,
			      const struct tlb_struct_config *sc, unsigned n,
			      unsigned shift)
{
	uint64_t entries = 0;

	for (unsigned i = 0; i < cfg->npage_sizes; i++) {
		if (cfg->page_shift[i] != shift)
			continue;
		for (unsigned s = 0; s < n; s++)
			if (sc[s].size_mask & 1u << i)
				entries += sc[s].entries;
	}
	return entries;
}

/* The TLB's shape for base pages (mmu/reach), as raw (not per-op) values. */
static void report_reach(struct bench_state *st, const struct ctx *c)
{
	const struct pt_geometry *g = pt_geometry_find(st->def->arch);
	const struct tlb_config *cfg;

	if (!c->tlb || !g)
		return;
	cfg = tlb_config_of(c->tlb);
	bench_counter(st, "tlb_l1_entries",
		      (double)level_entries(cfg, cfg->l1, cfg->nl1,
					    g->page_shift), 0);
	bench_counter(st, "tlb_l2_entries",
		      (double)level_entries(cfg, cfg->l2, cfg->nl2,
					    g->page_shift), 0);
	bench_counter(st, "tlb_page_bytes", (double)(1ULL << g->page_shift),
		      0);
}

/*
 * mmu/translate, mmu/translate-huge (data "huge") and mmu/reach (data
 * "reach").
 */
static void run_translate(struct bench_state *st)
{
	const char *mode = bench_data(st);
	bool huge = mode && !strcmp(mode, "huge");
	struct mmu_counters k;
	struct mmu_result r;
	struct ctx c;
	uint64_t sum = 0;
	size_t i = 0;
	int ret = ctx_build(&c, st->def, (uint64_t)bench_arg(st, 0), huge);

	if (ret) {
		fail(st, "setup", ret);
		return;
	}
	if (translate_pass(&c) || (mmu_counters_reset(c.mmu),
				   translate_pass(&c))) {
		ctx_free(&c);
		bench_error(st, "a translation faulted");
		return;
	}
	mmu_get_counters(c.mmu, &k);

	BENCH_LOOP(st) {
		const struct op *o = &c.ops[i];

		mmu_translate(c.mmu, o->va, o->size,
			      (enum mmu_access)o->access, &r);
		sum += r.pa;
		if (++i == c.nops)
			i = 0;
	}
	bench_do_not_optimize(sum);
	report_mmu(st, &k, c.nops);
	if (mode && !strcmp(mode, "reach"))
		report_reach(st, &c);
	ctx_free(&c);
}

/* walk/pt_walk: the walker alone, no TLB, no PSC. */
static void run_walk(struct bench_state *st)
{
	struct pt_walk w;
	struct ctx c;
	uint64_t sum = 0, reads = 0;
	size_t i = 0;
	int ret = ctx_build(&c, st->def, (uint64_t)bench_arg(st, 0), false);

	if (ret) {
		fail(st, "setup", ret);
		return;
	}
	for (size_t j = 0; j < c.nops; j++) {
		if (pt_walk(c.pt, c.ops[j].va, &w) == PT_PA_NONE) {
			ctx_free(&c);
			bench_error(st, "a walk faulted");
			return;
		}
		reads += w.reads;
	}

	BENCH_LOOP(st) {
		sum += pt_walk(c.pt, c.ops[i].va, &w);
		if (++i == c.nops)
			i = 0;
	}
	bench_do_not_optimize(sum);
	per_op(st, "sim_walks", c.nops, c.nops);
	per_op(st, "sim_entry_reads", reads, c.nops);
	ctx_free(&c);
}

/* A random order of @n items (Fisher-Yates), or NULL when out of memory. */
static uint64_t *shuffled(uint64_t n, uint64_t seed)
{
	uint64_t *p = malloc(n * sizeof(*p));
	struct rng r;

	if (!p)
		return NULL;
	rng_seed(&r, seed);
	for (uint64_t i = 0; i < n; i++)
		p[i] = i;
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rng_below(&r, i), t = p[i - 1];

		p[i - 1] = p[j];
		p[j] = t;
	}
	return p;
}

/*
 * map/unmap-map: all n pages mapped; an op unmaps one page (its last-level
 * table keeps the other pages, so no table is freed for n > 1) and maps it
 * again.  Pages are taken in a random order, cyclically.
 */
static void run_unmap_map(struct bench_state *st)
{
	const struct pt_geometry *g = pt_geometry_find(st->def->arch);
	uint64_t n = (uint64_t)bench_arg(st, 0), base = 0x40000000, psz;
	uint64_t *order = NULL;
	struct pt *pt = NULL;
	int ret = g ? pt_create(&pt, g, NULL) : -EINVAL, bad = 0;
	size_t i = 0;

	if (!ret) {
		psz = 1ULL << g->page_shift;
		ret = pt_map(pt, base, base, n * psz, PT_PROT_RWX, 0);
	}
	if (!ret) {
		order = shuffled(n, MMU_BENCH_SEED);
		for (uint64_t j = 0; order && j < n; j++)
			order[j] = base + order[j] * psz;
		ret = order ? 0 : -ENOMEM;
	}
	if (ret) {
		pt_destroy(pt);
		fail(st, "setup", ret);
		return;
	}

	BENCH_LOOP(st) {
		uint64_t va = order[i];

		bad |= pt_unmap(pt, va, psz);
		bad |= pt_map(pt, va, va, psz, PT_PROT_RWX, 0);
		if (++i == n)
			i = 0;
	}
	if (bad)
		bench_error(st, "pt_map or pt_unmap failed");
	free(order);
	pt_destroy(pt);
}

/* map/range: map n pages in one call, unmap them in one call. */
static void run_map_range(struct bench_state *st)
{
	const struct pt_geometry *g = pt_geometry_find(st->def->arch);
	uint64_t n = (uint64_t)bench_arg(st, 0), base = 0x40000000, bytes;
	struct pt *pt = NULL;
	int ret = g ? pt_create(&pt, g, NULL) : -EINVAL, bad = 0;

	if (ret) {
		fail(st, "setup", ret);
		return;
	}
	bytes = n << g->page_shift;
	/* Grow the simulated memory to its steady size, untimed. */
	bad |= pt_map(pt, base, base, bytes, PT_PROT_RWX, 0);
	bad |= pt_unmap(pt, base, bytes);

	BENCH_LOOP(st) {
		bad |= pt_map(pt, base, base, bytes, PT_PROT_RWX, 0);
		bad |= pt_unmap(pt, base, bytes);
	}
	if (bad)
		bench_error(st, "pt_map or pt_unmap failed");
	bench_items_processed(st, (int64_t)(n * bench_iterations(st)));
	pt_destroy(pt);
}

/*
 * trace/din-replay: a zipf workload over n pages written as a DineroIV
 * text trace into memory (untimed); an op parses the text into accesses
 * and translates each through an MMU with the skylake TLB.  Pages are
 * mapped beforehand, so no demand paging runs inside the loop.
 */
static void run_din_replay(struct bench_state *st)
{
	const struct pt_geometry *g = pt_geometry_find(st->def->arch);
	uint64_t n = (uint64_t)bench_arg(st, 0), refs = 0;
	struct wl_access_gen_params p;
	struct wl_access_trace t = { 0 };
	struct reason err;
	struct mmu_result r;
	struct ctx c = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int ret = g ? 0 : -EINVAL, bad = 0;

	wl_access_gen_defaults(&p);
	p.seed = MMU_BENCH_SEED;
	p.pages = n;
	p.accesses = MMU_BENCH_TRACE_REFS;
	p.write_pct = 30;
	if (!ret)
		ret = pt_create(&c.pt, g, NULL);
	if (!ret)
		ret = make_tlb(st->def->tlb, &c.tlb);
	if (!ret)
		ret = mmu_create(&c.mmu, c.pt, c.tlb, NULL);
	if (!ret)
		ret = pt_map(c.pt, p.base, p.base, n << g->page_shift,
			     PT_PROT_RWX, 0);
	if (!ret)
		ret = wl_access_gen("zipf", &p, &t, &err);
	if (!ret) {
		f = open_memstream(&text, &len);
		ret = f ? wl_access_write(f, &wl_trace_din, t.a, t.n, &err)
			: -ENOMEM;
		if (f && fclose(f) && !ret)
			ret = -EIO;
	}
	if (ret) {
		wl_access_trace_free(&t);
		free(text);
		ctx_free(&c);
		fail(st, "setup", ret);
		return;
	}

	BENCH_LOOP(st) {
		t.n = 0;  /* keep the array: parsing appends */
		bad |= wl_access_parse(&wl_trace_din, text, len, &t, &err);
		for (size_t i = 0; i < t.n; i++)
			bad |= mmu_translate(c.mmu, t.a[i].va, t.a[i].size,
					     (enum mmu_access)access_of(
						     t.a[i].kind), &r);
		refs += t.n;
	}
	if (bad)
		bench_error(st, "parse or translation failed");
	bench_counter(st, "refs_per_s", (double)refs, BENCH_CTR_RATE);
	bench_counter(st, "refs", (double)refs, BENCH_CTR_PER_ITER);
	wl_access_trace_free(&t);
	free(text);
	ctx_free(&c);
}

#define N_SWEEP BENCH_LIST("n", 16, 1024, 16384)

#define TRANSLATE(a, t, w)                                                   \
	{ .family = "mmu", .strategy = "translate", .workload = (w),         \
	  .arch = (a), .tlb = (t), .run = run_translate,                     \
	  .args = { N_SWEEP } }
#define TRANSLATE4(a, t)                                                     \
	TRANSLATE(a, t, "uniform"), TRANSLATE(a, t, "zipf"),                 \
	TRANSLATE(a, t, "sequential"), TRANSLATE(a, t, "sweep")
#define HUGE(a, t)                                                           \
	{ .family = "mmu", .strategy = "translate-huge",                     \
	  .workload = "uniform", .arch = (a), .tlb = (t),                    \
	  .run = run_translate, .data = "huge", .args = { N_SWEEP } }
#define REACH(a, t)                                                          \
	{ .family = "mmu", .strategy = "reach", .workload = "uniform",       \
	  .arch = (a), .tlb = (t), .run = run_translate, .data = "reach",    \
	  .args = { BENCH_RANGE("n", 16, 65536, 2) } }
#define WALK(a)                                                              \
	{ .family = "walk", .strategy = "pt_walk", .workload = "uniform",    \
	  .arch = (a), .run = run_walk, .args = { N_SWEEP } }
#define MAP(a)                                                               \
	{ .family = "map", .strategy = "unmap-map", .workload = "uniform",   \
	  .arch = (a), .run = run_unmap_map, .args = { N_SWEEP } },          \
	{ .family = "map", .strategy = "range", .workload = "sequential",    \
	  .arch = (a), .run = run_map_range, .args = { N_SWEEP } }

const struct bench_def bench_mmu_defs[] = {
	TRANSLATE4("x86-64-4l", "skylake"),
	TRANSLATE4("x86-64-4l", "zen4"),
	TRANSLATE4("x86-64-4l", "neoverse-n1"),
	TRANSLATE4("x86-64-4l", "none"),
	TRANSLATE4("x86-64-5l", "skylake"),
	TRANSLATE4("x86-64-5l", "none"),
	TRANSLATE4("arm64-4k-48", "neoverse-n1"),
	TRANSLATE4("arm64-4k-48", "skylake"),
	TRANSLATE4("arm64-4k-48", "none"),
	TRANSLATE4("arm64-64k-42", "n1-64k"),
	TRANSLATE4("arm64-64k-42", "none"),
	TRANSLATE4("x86-32", "skylake"),
	TRANSLATE4("x86-32", "none"),
	HUGE("x86-64-4l", "skylake"),
	HUGE("x86-64-4l", "zen4"),
	HUGE("x86-64-4l", "neoverse-n1"),
	HUGE("x86-64-4l", "none"),
	HUGE("arm64-4k-48", "neoverse-n1"),
	HUGE("arm64-64k-42", "n1-64k"),
	HUGE("x86-32", "skylake"),
	REACH("x86-64-4l", "skylake"),
	REACH("x86-64-4l", "zen4"),
	REACH("x86-64-4l", "neoverse-n1"),
	WALK("x86-64-4l"),
	WALK("x86-64-5l"),
	WALK("arm64-4k-48"),
	WALK("arm64-64k-42"),
	WALK("x86-32"),
	MAP("x86-64-4l"),
	MAP("arm64-64k-42"),
	{ .family = "trace", .strategy = "din-replay", .workload = "zipf",
	  .arch = "x86-64-4l", .tlb = "skylake", .run = run_din_replay,
	  .args = { BENCH_LIST("n", 4096) } },
	BENCH_END
};
