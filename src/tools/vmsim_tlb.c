/* SPDX-License-Identifier: MIT */
/*
 * vmsim tlb: translate a memory-access trace or a generated workload
 * through an MMU (page table + TLB + paging-structure caches) and print
 * the counters as CSV.
 *
 * A trace streams: it is read (plain or compressed) and parsed a batch at
 * a time, on other threads with --threads 2 to 4, so memory does not grow
 * with its length; a workload is generated before any clock starts.  Only
 * the translation of each batch is timed (--stats: the sum over the
 * batches).  Output is written only after every access translated (to
 * stdout at the end, or atomically with -o), so a bad trace leaves no
 * partial output.
 */
#define _GNU_SOURCE  /* sched_getaffinity(), CPU_COUNT() */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/csv.h>
#include <vmbench/measure.h>
#include <vmbench/mmu.h>
#include <vmbench/pgtable.h>
#include <vmbench/report.h>
#include <vmbench/source.h>
#include <vmbench/tlb.h>
#include <vmbench/workload.h>

#include "vmsim.h"
#include "vmsim_timing.h"

#define DEFAULT_ARCH "x86-64-4l"
#define DEFAULT_TLB "skylake"

static void tlb_usage(FILE *f)
{
	const char *const *presets = tlb_presets();
	const struct pt_geometry *g;
	const struct wl_access_workload *w;
	const struct wl_trace_format *const *fmts;
	struct wl_access_gen_params p;
	size_t n;

	wl_access_gen_defaults(&p);
	fprintf(f,
"usage: vmsim tlb [--arch NAME] [--tlb PRESET|SPEC] [--page-size N]\n"
"                 (--trace FILE|- --format FORMAT [--threads N] |\n"
"                  --workload NAME [--pages N] [--accesses N] [--seed S] ...)\n"
"                 [--stats [--repetitions N]] [-o FILE]\n"
"\n"
"Translate every access of a trace or generated workload through an MMU:\n"
"a page table of geometry --arch, a TLB shaped by --tlb, and the walker.\n"
"Pages are mapped on first touch (demand paging, to consecutive simulated\n"
"frames), so every address inside the geometry's VA range translates.\n"
"Prints CSV: level,accesses,hits,misses,fills,evictions,entry_reads with\n"
"  translations  pages translated; hits = TLB hits (any level), misses =\n"
"                TLB misses; entry_reads = page-table entries loaded\n"
"  l1d, l2       each TLB level: accesses = hits + misses, fills, evictions;\n"
"  l1d.4k ...    then one row per page size the level holds (misses are\n"
"                attributed to a size when it becomes known)\n"
"  psc.NAME      each paging-structure cache: probes, hits, misses, fills\n"
"  walk          page-table walks (a demand-paging retry is a second walk):\n"
"                hits = walks that found a page, misses = faults, fills =\n"
"                pages mapped on demand, entry_reads = entries loaded\n"
"A column a row has no figure for is NA.\n"
"\n"
"TLB semantics: set = VPN mod sets; every L1 structure is probed, L2 only\n"
"on an L1 miss; an L2 hit fills L1; a walk fills L1 and L2; the L1 victim\n"
"is dropped.  A miss probes the paging-structure caches (deepest hit\n"
"first) and walks from the table found, skipping the levels above.  An\n"
"access whose bytes cross a base page is two translations.  A leaf is\n"
"cached with the largest TLB page size not above its size (a 2M page in a\n"
"4K-only TLB is cached 4K at a time).  Spec grammar and preset sources:\n"
"include/vmbench/tlb.h, e.g.\n"
"  pages:4k/2m/1g,l1d:64x4:lru,l2.4k+2m:1536x12:lru,psc.pde:32x4:lru\n"
"\n"
"options:\n"
"  --arch NAME        page-table geometry (default " DEFAULT_ARCH ")\n"
"  --tlb PRESET|SPEC  TLB shape (default " DEFAULT_TLB ")\n"
"  --page-size N      size of the pages mapped on demand: a leaf size of\n"
"                     the geometry (default: its base page)\n"
"  --trace FILE|-     a trace (- for standard input); needs --format;\n"
"                     plain, gzip, xz or zstd (known by its first bytes);\n"
"                     read a batch at a time: memory does not grow with it\n"
"  --threads N        with --trace: 1 reads, parses and translates on one\n"
"                     thread; 2 reads and parses on a second (and the\n"
"                     main one too while it would wait for it); 3 also\n"
"                     reads and decompresses on a third; 4 reads and\n"
"                     parses a text trace on two threads in turns (a\n"
"                     compressed one is decompressed on a fourth; a vmb\n"
"                     trace: as 2, or 3 when compressed).  Default: as\n"
"                     many as the CPUs it may run on, 1, 2 or 4.  The\n"
"                     counters are the same every way\n"
"  --format F         a trace format (below; grammar in workload.h)\n"
"  --workload NAME    a generated workload (below) instead of a trace;\n"
"                     its pages are the geometry's base pages\n"
"  --pages N          working set in pages (default %llu; zipf and chase:\n"
"                     at most %llu)\n"
"  --accesses N       accesses to generate (default %llu; generated a\n"
"                     batch at a time, so any number)\n"
"  --seed S           generator seed (default %llu)\n"
"  --base ADDR        first address of the working set (default %#llx)\n"
"  --size N           bytes per access (default %llu)\n"
"  --stride N         strided only: bytes between accesses (default: a\n"
"                     page)\n"
"  --zipf S           zipf only: the exponent, finite, > 0 (default %g)\n"
"  --writes P         percent of writes (default %llu)\n"
"  --stats            add columns seconds,translations_per_s,repetitions,\n"
"                     ns_per_op,ns_per_op_min,ns_per_op_max (only the\n"
"                     translation loop is timed: the sum over the batches\n"
"                     of 4096 accesses, not the reading, decompressing or\n"
"                     parsing between them; each repetition on a fresh\n"
"                     MMU; demand mapping on first touch is inside it;\n"
"                     seconds, rate and ns_per_op are the median\n"
"                     repetition; no translation: rate and per-op NA)\n"
"  --repetitions N    with --stats: translate the accesses N times (1 to\n"
"                     %d, default 1; a trace is read again each time, so\n"
"                     not from standard input)\n"
"  -o FILE            write the CSV to FILE atomically\n"
"  --list             list geometries, presets and workloads, and exit\n"
"  --help             this text\n"
"\n"
"Errors: 'FILE:LINE: reason' or '--option: reason' on stderr, exit 2.\n",
		(unsigned long long)p.pages, WL_ACCESS_GEN_MAX_TABLE,
		(unsigned long long)p.accesses,
		(unsigned long long)p.seed, (unsigned long long)p.base,
		(unsigned long long)p.size, p.zipf_s,
		(unsigned long long)p.write_pct, MEASURE_MAX_REPETITIONS);
	fprintf(f, "\ngeometries:\n");
	g = pt_geometries(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s\n", g[i].name, g[i].summary);
	fprintf(f, "\nTLB presets (tlb.h gives sizes and sources):\n");
	for (size_t i = 0; presets[i]; i++)
		fprintf(f, "  %s\n", presets[i]);
	fprintf(f, "\nworkloads:\n");
	w = wl_access_workloads(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-12s %s\n", w[i].name, w[i].summary);
	fprintf(f, "\ntrace formats:\n");
	fmts = wl_trace_formats(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-12s %s\n", fmts[i]->name, fmts[i]->summary);
}

/* The trace formats' names as "a, b or c". */
static void print_format_names(FILE *f)
{
	size_t n;
	const struct wl_trace_format *const *fmts = wl_trace_formats(&n);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
			fmts[i]->name);
}

struct tlb_args {
	const char *arch, *tlb, *trace, *format, *workload, *out;
	uint64_t page_size;     /* 0: the geometry's base page */
	struct wl_access_gen_params gp;
	unsigned reps, threads;
	bool stride_set, zipf_set, stats, list, reps_given, threads_given;
	bool gen_opt;           /* a generator option was given */
};

static const struct vmsim_u64_opt gen_u64_opts[] = {
	{ "--pages", offsetof(struct wl_access_gen_params, pages) },
	{ "--accesses", offsetof(struct wl_access_gen_params, accesses) },
	{ "--seed", offsetof(struct wl_access_gen_params, seed) },
	{ "--base", offsetof(struct wl_access_gen_params, base) },
	{ "--size", offsetof(struct wl_access_gen_params, size) },
	{ "--stride", offsetof(struct wl_access_gen_params, stride) },
	{ "--writes", offsetof(struct wl_access_gen_params, write_pct) },
};

/*
 * Refuse option @opt (of the optional field @field) where workload @name
 * would ignore it: 2 after printing "--opt: ...", else 0 (also for an
 * unknown workload, which wl_access_gen() reports).
 */
static int check_used(const char *name, const char *opt, const char *field)
{
	size_t n, len = strlen(field);
	const struct wl_access_workload *w = wl_access_workloads(&n);

	for (size_t i = 0; i < n; i++) {
		const char *p = w[i].params;

		if (strcmp(w[i].name, name))
			continue;
		for (; (p = strstr(p, field)); p += len)
			if ((p == w[i].params || p[-1] == ' ') &&
			    p[len] == ' ')
				return 0;
		return vmsim_opt_error(opt, "the workload %s does not use it",
				       name);
	}
	return 0;
}

/*
 * --threads by default: 1 on one CPU, 2 on two (a second parsing thread
 * would take the translating one's CPU from it), else 4.  The CPUs are
 * those the process may run on (taskset, cpusets), not the machine's.
 */
static unsigned default_threads(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 4;
	n = CPU_COUNT(&set);
	return n <= 1 ? 1 : n == 2 ? 2 : 4;
}

static int parse_tlb_args(int argc, char **argv, struct tlb_args *ta)
{
	struct vmsim_args a;
	struct vmsim_opt o;
	const char *val;

	memset(ta, 0, sizeof(*ta));
	ta->arch = DEFAULT_ARCH;
	ta->tlb = DEFAULT_TLB;
	ta->reps = 1;
	ta->threads = default_threads();
	wl_access_gen_defaults(&ta->gp);
	vmsim_args_init(&a, argc, argv);
	while (vmsim_args_next(&a, &o)) {
		int known;

		if (!o.name)
			return vmsim_opt_error(o.value, "unexpected argument "
					       "(try vmsim tlb --help)");
		if (!strcmp(o.name, "--help") || !strcmp(o.name, "-h")) {
			tlb_usage(stdout);
			return -1;
		}
		known = vmsim_u64_table(&a, &o, gen_u64_opts,
					sizeof(gen_u64_opts) /
					sizeof(gen_u64_opts[0]), &ta->gp);
		if (known < 0)
			return VMSIM_BAD_INPUT;
		if (known) {
			if (!strcmp(o.name, "--stride"))
				ta->stride_set = true;
			ta->gen_opt = true;
			continue;
		} else if (!strcmp(o.name, "--stats")) {
			ta->stats = true;
		} else if (!strcmp(o.name, "--repetitions")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_repetitions(o.name, val, &ta->reps))
				return VMSIM_BAD_INPUT;
			ta->reps_given = true;
		} else if (!strcmp(o.name, "--list")) {
			ta->list = true;
		} else if (!strcmp(o.name, "--threads")) {
			uint64_t v;

			if (!(val = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
			if (!vmsim_parse_u64(val, &v) || v < 1 || v > 4)
				return vmsim_opt_error(o.name, "'%s' is not 1, 2, "
						       "3 or 4", val);
			ta->threads = (unsigned)v;
			ta->threads_given = true;
		} else if (!strcmp(o.name, "--zipf")) {
			char *e;

			if (!(val = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
			ta->gp.zipf_s = strtod(val, &e);
			if (!*val || *e || !(ta->gp.zipf_s > 0) ||
			    !isfinite(ta->gp.zipf_s))
				return vmsim_opt_error(o.name, "'%s' is not a "
						       "positive finite number",
						       val);
			ta->gen_opt = true;
			ta->zipf_set = true;
		} else if (!strcmp(o.name, "--page-size")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_page_size(o.name, val, &ta->page_size))
				return VMSIM_BAD_INPUT;
		} else if (!strcmp(o.name, "--arch") ||
			   !strcmp(o.name, "--tlb") ||
			   !strcmp(o.name, "--trace") ||
			   !strcmp(o.name, "--format") ||
			   !strcmp(o.name, "--workload") ||
			   !strcmp(o.name, "-o") ||
			   !strcmp(o.name, "--output")) {
			const char **dst =
				!strcmp(o.name, "--arch") ? &ta->arch :
				!strcmp(o.name, "--tlb") ? &ta->tlb :
				!strcmp(o.name, "--trace") ? &ta->trace :
				!strcmp(o.name, "--format") ? &ta->format :
				!strcmp(o.name, "--workload") ? &ta->workload :
				&ta->out;

			if (!(*dst = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
		} else {
			return vmsim_opt_error(o.name,
				"unknown option (try vmsim tlb --help)");
		}
		if (o.inline_val)
			return vmsim_opt_error(o.name, "takes no value");
	}
	if (ta->list)
		return 0;
	if (ta->reps_given && !ta->stats)
		return vmsim_opt_error("--repetitions", "only with --stats");
	if (ta->trace && ta->workload)
		return vmsim_opt_error("--trace", "give --trace or --workload, "
				       "not both");
	if (!ta->trace && !ta->workload)
		return vmsim_opt_error("--trace", "required: a trace file "
				       "(- for standard input) or --workload");
	if (ta->trace && !ta->format) {
		fputs("--format: required with --trace: ", stderr);
		print_format_names(stderr);
		fputc('\n', stderr);
		return VMSIM_BAD_INPUT;
	}
	if (ta->workload && ta->format)
		return vmsim_opt_error("--format", "only with --trace");
	if (ta->workload && ta->threads_given)
		return vmsim_opt_error("--threads", "only with --trace");
	if (ta->trace && !strcmp(ta->trace, "-") && ta->reps > 1)
		return vmsim_opt_error("--repetitions", "standard input can be "
				       "read once: give a trace file");
	if (ta->trace && ta->gen_opt)
		return vmsim_opt_error("--trace", "generator options (--pages, "
				       "--accesses, ...) need --workload");
	if (ta->stride_set && check_used(ta->workload, "--stride", "stride"))
		return VMSIM_BAD_INPUT;
	if (ta->zipf_set && check_used(ta->workload, "--zipf", "zipf_s"))
		return VMSIM_BAD_INPUT;
	return 0;
}

static void list_all(void)
{
	const char *const *presets = tlb_presets();
	const struct pt_geometry *g;
	const struct wl_access_workload *w;
	size_t n;

	g = pt_geometries(&n);
	for (size_t i = 0; i < n; i++)
		printf("arch %s\n", g[i].name);
	for (size_t i = 0; presets[i]; i++)
		printf("tlb %s\n", presets[i]);
	w = wl_access_workloads(&n);
	for (size_t i = 0; i < n; i++)
		printf("workload %s\n", w[i].name);
}

/* "4k", "2m", "1g", "512g": the page size 1 << @shift. */
static const char *size_name(unsigned shift, char buf[24])
{
	static const char units[] = "kmgt";
	unsigned u = (shift - 10) / 10;

	if (u > 3)
		u = 3;
	snprintf(buf, 24, "%llu%c",
		 (unsigned long long)(1ULL << (shift - 10 - 10 * u)),
		 units[u]);
	return buf;
}

static const char *psc_name(unsigned shift, char buf[24])
{
	switch (shift) {
	case 48: return "pml5e";
	case 39: return "pml4e";
	case 30: return "pdpte";
	case 21: return "pde";
	}
	snprintf(buf, 24, "s%u", shift);
	return buf;
}

/* The timing columns of --stats: the same on every row. */
struct timing {
	bool on;
	struct measure_summary sec;   /* seconds per repetition */
	uint64_t translations;
};

static const char *const timing_columns[] = {
	"seconds", "translations_per_s", "repetitions", "ns_per_op",
	"ns_per_op_min", "ns_per_op_max",
};

static void row(struct csv *c, const char *name, const char *suffix,
		const uint64_t *v, unsigned nv, const struct timing *tm)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s%s", name, suffix);
	csv_field_str(c, buf);
	/* A column the row has no figure for is NA, never a made-up 0. */
	for (unsigned i = 0; i < 6; i++) {
		if (i < nv && v[i] != UINT64_MAX)
			csv_field_u64(c, v[i]);
		else
			csv_field_na(c);
	}
	if (tm->on) {
		/* The median repetition; no translation timed: NA. */
		struct vmsim_per_op per = vmsim_per_op(&tm->sec,
						       tm->translations);

		csv_field_double(c, tm->sec.median);
		csv_field_double(c, measure_rate(tm->translations,
						 tm->sec.median));
		csv_field_u64(c, tm->sec.n);
		csv_field_double(c, per.median);
		csv_field_double(c, per.min);
		csv_field_double(c, per.max);
	}
	csv_end_row(c);
}

#define NA UINT64_MAX

static void print_level(struct csv *f, const char *name,
			const struct tlb_level_counters *lc,
			const struct tlb_struct_config *sc, unsigned nst,
			const struct tlb_config *cfg, const struct timing *tm)
{
	uint64_t v[6] = { lc->accesses, lc->hits, lc->misses, lc->fills,
			  lc->evictions, NA };
	uint32_t held = 0;
	char buf[24], sfx[32];

	if (!nst)
		return;
	row(f, name, "", v, 6, tm);
	for (unsigned s = 0; s < nst; s++)
		held |= sc[s].size_mask;
	for (unsigned i = 0; i < cfg->npage_sizes; i++) {
		if (!(held & 1u << i))
			continue;
		v[0] = lc->hits_by_size[i] + lc->misses_by_size[i];
		v[1] = lc->hits_by_size[i];
		v[2] = lc->misses_by_size[i];
		snprintf(sfx, sizeof(sfx), ".%s",
			 size_name(cfg->page_shift[i], buf));
		row(f, name, sfx, v, 3, tm);
	}
}

static void print_csv(struct csv *f, const struct mmu_counters *c,
		      const struct tlb_config *cfg, const struct timing *tm)
{
	static const char *const columns[] = {
		"level", "accesses", "hits", "misses", "fills", "evictions",
		"entry_reads",
	};
	const struct tlb_counters *tc = &c->tlb;
	uint64_t v[6];
	char buf[24];

	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		csv_field_str(f, columns[i]);
	for (size_t i = 0; tm->on && i < sizeof(timing_columns) /
					 sizeof(timing_columns[0]); i++)
		csv_field_str(f, timing_columns[i]);
	csv_end_row(f);
	v[0] = c->translations;
	v[1] = c->tlb_hits;
	v[2] = c->translations - c->tlb_hits;
	v[3] = NA;
	v[4] = NA;
	v[5] = c->walk_reads;
	row(f, "translations", "", v, 6, tm);
	print_level(f, "l1d", &tc->l1, cfg->l1, cfg->nl1, cfg, tm);
	print_level(f, "l2", &tc->l2, cfg->l2, cfg->nl2, cfg, tm);
	for (unsigned p = 0; p < cfg->npsc; p++) {
		v[0] = tc->psc_lookups[p];
		v[1] = tc->psc_hits[p];
		v[2] = tc->psc_lookups[p] - tc->psc_hits[p];
		v[3] = tc->psc_fills[p];
		row(f, "psc.", psc_name(cfg->psc[p].shift, buf), v, 4, tm);
	}
	v[0] = c->walks;
	v[1] = c->walks_ok;
	v[2] = c->walks - c->walks_ok;
	v[3] = c->demand_maps;
	v[4] = NA;
	v[5] = c->walk_reads;
	row(f, "walk", "", v, 6, tm);
}

static int check_page_size(const struct pt_geometry *g, uint64_t size)
{
	for (unsigned l = 0; l < g->levels; l++)
		if (g->leaf_levels & 1u << l && pt_level_size(g, l) == size)
			return 0;
	fprintf(stderr, "--page-size: %llu is not a leaf size of %s (",
		(unsigned long long)size, g->name);
	for (unsigned l = 0, first = 1; l < g->levels; l++)
		if (g->leaf_levels & 1u << l) {
			fprintf(stderr, "%s%llu", first ? "" : ", ",
				(unsigned long long)pt_level_size(g, l));
			first = 0;
		}
	fputs(")\n", stderr);
	return VMSIM_BAD_INPUT;
}

static void fault_reason(const struct mmu_result *r, int ret,
			 const struct pt_geometry *g, char *buf, size_t len)
{
	unsigned long long va = (unsigned long long)r->fault_va;

	if (ret == -ENOMEM)
		snprintf(buf, len, "out of simulated physical memory (or host "
			 "memory) mapping %#llx on demand", va);
	else if (r->fault == MMU_FAULT_RANGE)
		snprintf(buf, len, "address %#llx is outside the VA range of "
			 "%s", va, g->name);
	else
		snprintf(buf, len, "translating %#llx: fault %u", va,
			 (unsigned)r->fault);
}

static const uint8_t access_of[256] = {
	[WL_ACCESS_READ] = MMU_READ,
	[WL_ACCESS_WRITE] = MMU_WRITE,
	[WL_ACCESS_IFETCH] = MMU_EXEC,
};

/*
 * mmu_batch_call() of @q.  Its fields are read again, through a volatile
 * pointer: the hit path then need not keep them in registers for it.
 */
static inline int translate_out(struct mmu_batch *b,
				const struct wl_access *q)
{
	const volatile struct wl_access *v = q;

	return mmu_batch_call(b, v->va, v->size,
			      (enum mmu_access)access_of[v->kind]);
}

/*
 * The batch loop for one hit action (a constant: the loop is specialised
 * for it).  An access's key mask is looked up by its kind in @key_of
 * (mmu_batch_key() of access_of[kind]), so the hit path tests no kind;
 * access_of[] is read only when an access goes out of line.
 */
static inline __attribute__((always_inline)) size_t
translate_loop(struct mmu_batch *b, const uint64_t *key_of,
	       const struct wl_access *a, size_t n, enum tlb_hit_action hit)
{
	const struct wl_access *p = a, *end = a + n;
	/* The four-at-a-time loop runs while p + 3 < end. */
	const struct wl_access *stop = n >= 4 ? end - 3 : a;

#define TRANSLATE_ONE(q)						\
	if (__builtin_expect(!mmu_batch_hit(b, (q)->va, (q)->size,	\
					    key_of[(q)->kind], hit), 0) && \
	    translate_out(b, q))					\
		return (size_t)((q) - a)
	/* Four at a time: one test of the end per four accesses. */
	for (; p < stop; p += 4) {
		TRANSLATE_ONE(p);
		TRANSLATE_ONE(p + 1);
		TRANSLATE_ONE(p + 2);
		TRANSLATE_ONE(p + 3);
	}
	for (; p < end; p++)
		TRANSLATE_ONE(p);
#undef TRANSLATE_ONE
	return n;
}

/*
 * Translate a batch: the index of the access that faulted, or @n.  The
 * loop is the whole of the simulation: through an mmu_batch (mmu.h) the
 * TLB-hit path is inline with the port's words in registers, and only a
 * miss calls out.  @key_of: key_masks() of @m.
 */
static __attribute__((noinline)) size_t
translate_batch(struct mmu *m, const uint64_t *key_of,
		const struct wl_access *a, size_t n)
{
	struct mmu_batch b;
	size_t done;

	mmu_batch_begin(&b, m);
	switch (b.hit) {
	case TLB_HIT_STAMP:
		done = translate_loop(&b, key_of, a, n, TLB_HIT_STAMP);
		break;
	case TLB_HIT_NONE:
		done = translate_loop(&b, key_of, a, n, TLB_HIT_NONE);
		break;
	default:
		done = translate_loop(&b, key_of, a, n, TLB_HIT_CALL);
		break;
	}
	mmu_batch_end(&b);
	return done;
}

/* The key mask of every kind of access, for translate_batch(). */
static void key_masks(struct mmu *m, uint64_t key_of[256])
{
	struct mmu_batch b;

	mmu_batch_begin(&b, m);
	for (unsigned k = 0; k < 256; k++)
		key_of[k] = mmu_batch_key(&b, (enum mmu_access)access_of[k]);
	mmu_batch_end(&b);
}

/*
 * One run: a fresh page table, TLB and MMU, and the accesses in batches,
 * from the trace's reader or from the generated array.  Only the
 * translation of each batch is timed (@ns); reading, decompressing and
 * parsing are not (with --threads 2 to 4 they run on other threads).
 * The run that stopped at a fault keeps that access in @fault.
 */
struct tlb_run {
	const struct pt_geometry *g;
	const struct tlb_config *tcfg;
	const struct mmu_config *mcfg;
	const char *workload;              /* generated; NULL: a trace */
	const struct wl_access_gen_params *gp;
	struct wl_access *buf;             /* a batch of generated ones */
	const char *path;                  /* the trace */
	const struct wl_trace_format *fmt;
	unsigned threads;
	struct pt *pt;
	struct tlb *tlb;
	struct mmu *m;
	uint64_t key_of[256];              /* key_masks() of @m */
	uint64_t ns;
	bool faulted;
	struct wl_access fault;
	size_t fault_index;     /* generated: the access's index */
};

static void tlb_run_release(struct tlb_run *c)
{
	mmu_destroy(c->m);
	tlb_destroy(c->tlb);
	pt_destroy(c->pt);
	c->m = NULL;
	c->tlb = NULL;
	c->pt = NULL;
}

/* 0, or VMSIM_BAD_INPUT after printing the reason. */
static int tlb_run(struct tlb_run *c, const char *shown)
{
	/* A text trace with 2 to 4 threads: the parallel reader (its
	 * chunks are jobs); a vmb trace: the ring reader. */
	bool par = c->fmt && c->threads >= 2 && !c->fmt->binary;
	struct source_opts so = { .thread = c->threads == 3,
				  .thread_compressed = c->threads == 4,
				  .chunk = par || c->threads == 4 ?
					   256u << 10 : 0 };
	struct wl_access_reader *rd = NULL;
	struct source *src = NULL;
	struct reason err = { 0 };
	const struct wl_access *a;
	long n;
	int ret;

	c->ns = 0;
	c->faulted = false;
	if ((ret = pt_create(&c->pt, c->g, NULL)) ||
	    (ret = tlb_create(&c->tlb, c->tcfg)) ||
	    (ret = mmu_create(&c->m, c->pt, c->tlb, c->mcfg))) {
		fprintf(stderr, "vmsim: cannot create the MMU: %s\n",
			strerror(-ret));
		return VMSIM_BAD_INPUT;
	}
	key_masks(c->m, c->key_of);
	if (c->workload) {
		/* Checked before the first run: only memory can fail. */
		struct wl_access_gen *gen;
		size_t k, j, done = 0;

		if (wl_access_gen_open(&gen, c->workload, c->gp, &err)) {
			fprintf(stderr, "vmsim: %s\n", err.msg);
			return VMSIM_BAD_INPUT;
		}
		while ((k = wl_access_gen_next(gen, c->buf,
					       WL_ACCESS_BATCH))) {
			uint64_t t0 = measure_now_ns();

			j = translate_batch(c->m, c->key_of, c->buf, k);
			c->ns += measure_now_ns() - t0;
			if (j < k) {
				c->faulted = true;
				c->fault = c->buf[j];
				c->fault_index = done + j;
				break;
			}
			done += k;
		}
		wl_access_gen_close(gen);
		return 0;
	}
	if (source_open(&src, c->path, &so, &err) ||
	    (par ?
	     wl_access_reader_open_parallel(&rd, c->fmt, src,
					    c->threads == 4 ?
					    WL_READER_WORKERS : 1, &err) :
	     wl_access_reader_open(&rd, c->fmt, src, c->threads >= 2,
				   &err))) {
		ret = vmsim_input_error(shown, &err);
		goto out;
	}
	while ((n = wl_access_reader_next(rd, &a, &err)) > 0) {
		uint64_t t0 = measure_now_ns();
		size_t j = translate_batch(c->m, c->key_of, a,
					   (size_t)n);

		c->ns += measure_now_ns() - t0;
		if (j < (size_t)n) {
			c->faulted = true;
			c->fault = a[j];
			break;
		}
	}
	ret = n < 0 ? vmsim_input_error(shown, &err) : 0;
out:
	wl_access_reader_close(rd);
	source_close(src);
	return ret;
}

int vmsim_tlb_main(int argc, char **argv)
{
	const struct pt_geometry *g;
	struct wl_access *gbuf = NULL;
	struct reason werr = { 0 };
	struct tlb_config tcfg;
	struct mmu_config mcfg = { 0 };
	struct mmu_counters c;
	struct mmu_result r;
	struct timing tm = { 0 };
	struct tlb_run run;
	struct csv *csv = NULL;
	double sec[MEASURE_MAX_REPETITIONS];
	struct tlb_args ta;
	struct tlb *tlb = NULL;
	struct mmu *m = NULL;
	struct pt *pt = NULL;
	const struct wl_trace_format *fmt = NULL;
	const char *shown = NULL;
	char msg[256];
	struct reason spec_why;
	size_t i;
	int ret;

	ret = parse_tlb_args(argc, argv, &ta);
	if (ret)
		return ret < 0 ? VMSIM_OK : ret;
	if (ta.list) {
		list_all();
		return VMSIM_OK;
	}
	g = pt_geometry_find(ta.arch);
	if (!g) {
		size_t n;
		const struct pt_geometry *all = pt_geometries(&n);

		fprintf(stderr, "--arch: unknown geometry '%s' (known:",
			ta.arch);
		for (i = 0; i < n; i++)
			fprintf(stderr, "%s %s", i ? "," : "", all[i].name);
		fputs(")\n", stderr);
		return VMSIM_BAD_INPUT;
	}
	if (tlb_config_parse(ta.tlb, &tcfg, &spec_why))
		return vmsim_opt_error("--tlb", "%s", spec_why.msg);
	if (!ta.page_size)
		ta.page_size = 1ULL << g->page_shift;
	if (check_page_size(g, ta.page_size))
		return VMSIM_BAD_INPUT;
	if (ta.trace && !(fmt = wl_trace_format_find(ta.format))) {
		fprintf(stderr, "--format: unknown format '%s' (", ta.format);
		print_format_names(stderr);
		fputs(")\n", stderr);
		return VMSIM_BAD_INPUT;
	}
	if (ta.workload) {
		ta.gp.page_size = 1ULL << g->page_shift;
		if (!ta.stride_set)
			ta.gp.stride = ta.gp.page_size;
	}

	ret = vmsim_csv_open(&csv, ta.out);
	if (ret)
		return ret;
	ret = VMSIM_BAD_INPUT;
	if (ta.trace) {
		shown = strcmp(ta.trace, "-") ? ta.trace : "<stdin>";
	} else {
		struct wl_access_gen *gen;
		int err = wl_access_gen_open(&gen, ta.workload, &ta.gp, &werr);

		/* Checked here, so every run below opens it cleanly. */
		wl_access_gen_close(gen);
		if (err) {
			/* The reason names the field: point at its option. */
			static const char *const field_opt[][2] = {
				{ "name", "--workload" }, { "pages", "--pages" },
				{ "base", "--base" }, { "size", "--size" },
				{ "stride", "--stride" },
				{ "write_pct", "--writes" },
				{ "accesses", "--accesses" },
				{ "zipf_s", "--zipf" },
			};
			const char *opt = NULL;

			for (i = 0; i < sizeof(field_opt) /
					sizeof(field_opt[0]); i++)
				if (!strcmp(werr.what, field_opt[i][0]))
					opt = field_opt[i][1];
			if (err != -EINVAL)
				fprintf(stderr, "vmsim: %s\n", werr.msg);
			else if (opt)
				vmsim_opt_error(opt, "%s", werr.msg);
			else
				vmsim_opt_error("--workload", "%s%s%s",
						werr.what, werr.what[0] ?
						": " : "", werr.msg);
			goto done;
		}
	}

	mcfg.demand = true;
	mcfg.demand_page_size = ta.page_size;
	run = (struct tlb_run){ .g = g, .tcfg = &tcfg, .mcfg = &mcfg,
				.workload = ta.workload, .gp = &ta.gp,
				.path = ta.trace,
				.fmt = fmt, .threads = ta.threads };
	if (ta.workload) {
		run.buf = gbuf = malloc(WL_ACCESS_BATCH * sizeof(*gbuf));
		if (!gbuf) {
			fprintf(stderr, "vmsim: out of memory\n");
			goto done;
		}
	}
	for (unsigned rep = 0; rep < ta.reps; rep++) {
		/* The last repetition's MMU is kept for its counters. */
		tlb_run_release(&run);
		if ((ret = tlb_run(&run, shown))) {
			tlb_run_release(&run);
			goto done;
		}
		sec[rep] = (double)run.ns * 1e-9;
		if (run.faulted)
			break;
	}
	pt = run.pt;
	tlb = run.tlb;
	m = run.m;
	run.pt = NULL;
	run.tlb = NULL;
	run.m = NULL;
	ret = VMSIM_BAD_INPUT;
	if (run.faulted) {
		struct wl_access *fa = &run.fault;
		int err = mmu_translate(m, fa->va, fa->size,
					access_of[fa->kind], &r);

		fault_reason(&r, err, g, msg, sizeof(msg));
		if (shown)
			fprintf(stderr, "%s:%u: %s\n", shown, fa->line, msg);
		else
			fprintf(stderr, "vmsim: --workload %s: access %zu: "
				"%s\n", ta.workload, run.fault_index, msg);
		goto done;
	}
	tm.on = ta.stats;
	measure_summarize(sec, ta.reps, &tm.sec);
	mmu_get_counters(m, &c);
	tm.translations = c.translations;
	print_csv(csv, &c, &tcfg, &tm);
	ret = vmsim_csv_close(csv, ta.out);
	csv = NULL;
done:
	if (ret == VMSIM_BAD_INPUT && csv)
		csv_abort(csv);
	mmu_destroy(m);
	tlb_destroy(tlb);
	pt_destroy(pt);
	free(gbuf);
	return ret;
}
