/* SPDX-License-Identifier: MIT */
/*
 * vmsim vmap: replay a vmap op trace on one strategy or all of them.
 * vmsim gen-vmap: write a generated trace.
 *
 * Output is written only after the whole replay succeeded: results are kept
 * per op and printed at the end (or written atomically with -o), so a bad
 * trace leaves no partial output.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/csv.h>
#include <vmbench/measure.h>
#include <vmbench/report.h>
#include <vmbench/source.h>
#include <vmbench/vmap.h>
#include <vmbench/workload.h>

#include "vmsim.h"

static void vmap_usage(FILE *f)
{
	size_t n;
	const struct vmap_strategy *s = vmap_strategies(&n);

	fprintf(f,
"usage: vmsim vmap --strategy NAME|all [OPTIONS] FILE|-\n"
"\n"
"Replay the vmap op trace FILE (- for standard input) and print, for each\n"
"'a' op in order, '<id> 0x<address>' or '<id> ENOSPC'.  The whole trace is\n"
"parsed before anything runs; output appears only if the replay succeeds.\n"
"\n"
"Trace format, one op per line ('#' starts a comment; numbers decimal or\n"
"0x-hex):\n"
"  a <id> <size> [<align> [<vstart> <vend>]]  allocate\n"
"  f <id>                                      free\n"
"  l <id> <offset>     find(start(<id>) + offset) must return area <id>\n"
"\n"
"options:\n"
"  --strategy NAME|all  strategy to replay on; 'all' replays on every one,\n"
"                       prints the results once and compares the lowest-fit\n"
"                       strategies address by address\n"
"  --range START:END    the allocator's range (default %#llx:%#llx)\n"
"  --page-size N        a power of two (default %llu)\n"
"  --stats              print CSV timings per strategy instead of results:\n"
"                       strategy,lowest_fit,ops,seconds,ns_per_op,\n"
"                       live_areas,peak_live,meta_bytes,meta_bytes_per_area,\n"
"                       node_visits_per_op,repetitions,ns_per_op_min,\n"
"                       ns_per_op_max (only the replays are timed, each on\n"
"                       a fresh allocator; seconds and ns_per_op are the\n"
"                       median replay; per-op figures of a trace without\n"
"                       ops and per-area figures without live areas are NA)\n"
"  --repetitions N      with --stats: replay N times per strategy (1 to\n"
"                       %d, default 1)\n"
"  -o FILE              write the output to FILE atomically\n"
"  --list               list the strategies and exit\n"
"  --help               this text\n"
"\n"
"Errors: 'FILE:LINE: reason' or '--option: reason' on stderr, exit 2.\n"
"A divergence between lowest-fit strategies: 'FILE:LINE: divergence: ...',\n"
"exit 1.\n"
"\nstrategies:\n",
		VMAP_DEFAULT_START, VMAP_DEFAULT_END, VMAP_DEFAULT_PAGE,
		MEASURE_MAX_REPETITIONS);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s%s\n", s[i].name, s[i].summary,
			s[i].lowest_fit ? "" : " (not lowest-fit)");
}

/* Parse the trace @path ("-" is stdin), shown in messages as @shown. */
static int load_trace(const char *path, const char *shown,
		      struct wl_vmap_trace *t)
{
	struct reason err = { 0 };
	struct source *src;
	int ret;

	/* A chunk at a time, plain or compressed; only the ops are kept. */
	if (source_open(&src, path, NULL, &err))
		return vmsim_input_error(shown, &err);
	ret = wl_vmap_read_source(src, t, &err);
	source_close(src);
	return ret ? vmsim_input_error(shown, &err) : 0;
}

struct run_stats {
	bool stopped;     /* a non-lowest-fit strategy could not finish */
	struct measure_summary time;   /* seconds per replay */
	struct vmap_stats vs;
	uint64_t peak_live;
};

/* One replay as a subject of the measurement core. */
struct replay_ctx {
	const struct vmap_strategy *s;
	const struct wl_vmap_trace *t;
	const struct wl_vmap_space *space;
	uint64_t *addrs;
	size_t *failed_op;
	struct reason *err;
	struct run_stats *rs;
	struct vmap *v;
	struct wl_vmap_replay r;
	bool setup_failed;
};

static int replay_setup(void *ctx, unsigned rep)
{
	struct replay_ctx *c = ctx;
	int ret;

	(void)rep;
	ret = vmap_create(&c->v, c->s->name, c->space->start, c->space->end,
			  c->space->page_size);
	if (ret) {
		fprintf(stderr, "vmsim: cannot create %s allocator: %s\n",
			c->s->name, strerror(-ret));
		c->setup_failed = true;
		return ret;
	}
	ret = wl_vmap_replay_init(&c->r, c->t->ops, c->t->n, c->space);
	if (ret) {
		vmap_destroy(c->v);
		fprintf(stderr, "vmsim: %s\n", strerror(-ret));
		c->setup_failed = true;
	}
	return ret;
}

static int replay_run(void *ctx)
{
	struct replay_ctx *c = ctx;

	return wl_vmap_replay_run(&c->r, c->v, c->addrs, c->failed_op, c->err)
	       ? -1 : 0;
}

/* Every replay of the trace is the same: the last one's figures stand. */
static void replay_teardown(void *ctx, unsigned rep)
{
	struct replay_ctx *c = ctx;

	(void)rep;
	c->rs->peak_live = c->r.peak_live;
	vmap_stats(c->v, &c->rs->vs);
	wl_vmap_replay_fini(&c->r);
	vmap_destroy(c->v);
}

/*
 * Replay @t on strategy @s @reps times, each on a fresh allocator, timing
 * only the replays: 0; -1 with the trace's error in @err and the op's
 * index in *failed_op; 2 after printing a failure of set-up.
 */
static int replay_one(const struct vmap_strategy *s,
		      const struct wl_vmap_trace *t,
		      const struct wl_vmap_space *space, unsigned reps,
		      uint64_t *addrs, size_t *failed_op,
		      struct reason *err, struct run_stats *rs)
{
	static const struct measure_subject subject = {
		replay_setup, replay_run, replay_teardown,
	};
	struct replay_ctx c = {
		.s = s, .t = t, .space = space, .addrs = addrs,
		.failed_op = failed_op, .err = err, .rs = rs,
	};
	double sec[MEASURE_MAX_REPETITIONS];
	int ret = measure_repeat(&subject, &c, reps, sec);

	measure_summarize(sec, reps, &rs->time);
	if (c.setup_failed)
		return VMSIM_BAD_INPUT;
	return ret ? -1 : 0;
}

static void print_replay_error(const char *shown,
			       const struct vmap_strategy *s, bool name_it,
			       const struct reason *err)
{
	fprintf(stderr, "%s:%llu: %s", shown, (unsigned long long)err->line,
		err->msg);
	if (name_it)
		fprintf(stderr, " (strategy %s)", s->name);
	fputc('\n', stderr);
}

static void print_addr(FILE *f, uint64_t a)
{
	if (a == WL_VMAP_NOSPC)
		fputs("ENOSPC", f);
	else    /* "0x0" too: %#llx would print a bare "0" */
		fprintf(f, "0x%llx", (unsigned long long)a);
}

/* The first alloc op in [0, end) where @a and @b differ, or @end. */
static size_t first_diff(const struct wl_vmap_trace *t, const uint64_t *a,
			 const uint64_t *b, size_t end)
{
	for (size_t i = 0; i < end; i++)
		if (t->ops[i].kind == WL_VMAP_ALLOC && a[i] != b[i])
			return i;
	return end;
}

static void print_results(FILE *f, const struct wl_vmap_trace *t,
			  const uint64_t *addrs)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->ops[i].kind != WL_VMAP_ALLOC)
			continue;
		fprintf(f, "%llu ", (unsigned long long)t->ops[i].id);
		print_addr(f, addrs[i]);
		fputc('\n', f);
	}
}

static const char *const stats_columns[] = {
	"strategy", "lowest_fit", "ops", "seconds", "ns_per_op", "live_areas",
	"peak_live", "meta_bytes", "meta_bytes_per_area",
	"node_visits_per_op", "repetitions", "ns_per_op_min",
	"ns_per_op_max",
};

static void print_stats_header(struct csv *c)
{
	for (size_t i = 0; i < sizeof(stats_columns) /
			       sizeof(stats_columns[0]); i++)
		csv_field_str(c, stats_columns[i]);
	csv_end_row(c);
}

/*
 * A figure that was not measured is NA: per-op figures of a replay that
 * timed no op, per-area figures with no live area.  seconds and ns_per_op
 * are the median of the repetitions.
 */
static void print_stats_row(struct csv *c, const struct vmap_strategy *s,
			    size_t nops, const struct run_stats *rs)
{
	csv_field_str(c, s->name);
	csv_field_u64(c, s->lowest_fit);
	csv_field_u64(c, nops);
	csv_field_double(c, rs->time.median);
	csv_field_double(c, measure_ns_per_op(rs->time.median, nops));
	csv_field_u64(c, rs->vs.live_areas);
	csv_field_u64(c, rs->peak_live);
	csv_field_u64(c, rs->vs.meta_bytes);
	if (rs->vs.live_areas)
		csv_field_double(c, (double)rs->vs.meta_bytes /
				    (double)rs->vs.live_areas);
	else
		csv_field_na(c);
	if (nops)
		csv_field_double(c, (double)rs->vs.node_visits /
				    (double)nops);
	else
		csv_field_na(c);
	csv_field_u64(c, rs->time.n);
	csv_field_double(c, measure_ns_per_op(rs->time.min, nops));
	csv_field_double(c, measure_ns_per_op(rs->time.max, nops));
	csv_end_row(c);
}

struct vmap_args {
	const char *strategy, *file, *out;
	struct wl_vmap_space space;
	unsigned reps;
	bool stats, list, range_given, reps_given;
};

static int parse_vmap_args(int argc, char **argv, struct vmap_args *va)
{
	struct vmsim_args a;
	struct vmsim_opt o;
	const char *val;

	memset(va, 0, sizeof(*va));
	va->space = (struct wl_vmap_space){ VMAP_DEFAULT_START,
					    VMAP_DEFAULT_END,
					    VMAP_DEFAULT_PAGE };
	va->reps = 1;
	vmsim_args_init(&a, argc, argv);
	while (vmsim_args_next(&a, &o)) {
		if (!o.name) {
			if (va->file)
				return vmsim_opt_error(o.value,
					"only one trace file may be given");
			va->file = o.value;
			continue;
		}
		if (!strcmp(o.name, "--help") || !strcmp(o.name, "-h")) {
			vmap_usage(stdout);
			return -1;
		}
		if (!strcmp(o.name, "--stats")) {
			va->stats = true;
		} else if (!strcmp(o.name, "--repetitions")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_repetitions(o.name, val, &va->reps))
				return VMSIM_BAD_INPUT;
			va->reps_given = true;
		} else if (!strcmp(o.name, "--list")) {
			va->list = true;
		} else if (!strcmp(o.name, "--strategy")) {
			if (!(val = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
			if (strcmp(val, "all") && !vmap_strategy_find(val)) {
				size_t n;
				const struct vmap_strategy *s =
					vmap_strategies(&n);

				fprintf(stderr, "--strategy: unknown strategy "
					"'%s' (known: all", val);
				for (size_t i = 0; i < n; i++)
					fprintf(stderr, ", %s", s[i].name);
				fputs(")\n", stderr);
				return VMSIM_BAD_INPUT;
			}
			va->strategy = val;
		} else if (!strcmp(o.name, "--range")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_range(o.name, val, &va->space.start,
					     &va->space.end))
				return VMSIM_BAD_INPUT;
			va->range_given = true;
		} else if (!strcmp(o.name, "--page-size")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_page_size(o.name, val,
						 &va->space.page_size))
				return VMSIM_BAD_INPUT;
		} else if (!strcmp(o.name, "-o") || !strcmp(o.name, "--output")) {
			if (!(val = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
			va->out = val;
		} else {
			return vmsim_opt_error(o.name,
				"unknown option (try vmsim vmap --help)");
		}
		if (o.inline_val)
			return vmsim_opt_error(o.name, "takes no value");
	}
	if (va->list)
		return 0;
	if (va->reps_given && !va->stats)
		return vmsim_opt_error("--repetitions", "only with --stats");
	/* Blame the option the user typed. */
	if ((va->space.start | va->space.end) & (va->space.page_size - 1) &&
	    !va->range_given)
		return vmsim_opt_error("--page-size",
			"0x%llx does not align the default range "
			"0x%llx:0x%llx",
			(unsigned long long)va->space.page_size,
			(unsigned long long)va->space.start,
			(unsigned long long)va->space.end);
	if ((va->space.start | va->space.end) & (va->space.page_size - 1))
		return vmsim_opt_error("--range",
			"%#llx:%#llx is not aligned to the page size %#llx",
			(unsigned long long)va->space.start,
			(unsigned long long)va->space.end,
			(unsigned long long)va->space.page_size);
	if (!va->strategy)
		return vmsim_opt_error("--strategy",
			"required: a strategy name or 'all' (see --list)");
	if (!va->file)
		return vmsim_opt_error("FILE",
			"missing trace file (- for standard input)");
	return 0;
}

int vmsim_vmap_main(int argc, char **argv)
{
	const struct vmap_strategy *all, *ref = NULL, *div_s = NULL;
	uint64_t *ref_addrs = NULL, *addrs = NULL;
	struct wl_vmap_trace t = { 0 };
	struct run_stats *rs = NULL;
	struct vmap_args va;
	struct vmsim_out out = { 0 };
	struct csv *csv = NULL;
	uint64_t div_addr = 0;
	size_t nall, div_at;
	const char *shown;
	bool every;
	int ret;

	ret = parse_vmap_args(argc, argv, &va);
	if (ret)
		return ret < 0 ? VMSIM_OK : ret;
	all = vmap_strategies(&nall);
	if (va.list) {
		for (size_t i = 0; i < nall; i++)
			printf("%s%s\n", all[i].name,
			       all[i].lowest_fit ? "" : " (not lowest-fit)");
		return VMSIM_OK;
	}
	shown = strcmp(va.file, "-") ? va.file : "<stdin>";
	every = !strcmp(va.strategy, "all");
	ret = va.stats ? vmsim_csv_open(&csv, va.out) :
			 vmsim_out_open(&out, va.out);
	if (ret)
		return ret;
	ret = load_trace(va.file, shown, &t);
	if (ret)
		goto done;

	/* The reference: the first lowest-fit strategy replayed. */
	for (size_t i = 0; i < nall && every; i++)
		if (all[i].lowest_fit) {
			ref = &all[i];
			break;
		}
	if (!every)
		ref = vmap_strategy_find(va.strategy);
	ret = VMSIM_BAD_INPUT;
	ref_addrs = malloc((t.n ? t.n : 1) * sizeof(*ref_addrs));
	addrs = malloc((t.n ? t.n : 1) * sizeof(*addrs));
	rs = calloc(nall, sizeof(*rs));
	if (!ref_addrs || !addrs || !rs) {
		fprintf(stderr, "vmsim: out of memory\n");
		goto done;
	}
	if (!ref)   /* no lowest-fit strategy: print the first one's results */
		ref = &all[0];
	div_at = t.n;
	for (size_t i = 0; i < nall; i++) {
		const struct vmap_strategy *s = &all[i];
		size_t failed = t.n, end;
		uint64_t *mine = s == ref ? ref_addrs : addrs;
		struct reason err = { 0 };
		int rr;

		if (!every && s != ref)
			continue;
		rr = replay_one(s, &t, &va.space, va.reps, mine, &failed,
				&err, &rs[i]);
		if (rr > 0)
			goto done;
		if (rr && s != ref && !s->lowest_fit &&
		    first_diff(&t, ref_addrs, addrs, failed) < failed) {
			/*
			 * A heuristic placed differently before it stopped
			 * (an id it could not place is then not live): the
			 * trace is fine, the strategy just cannot finish it.
			 */
			fprintf(stderr, "vmsim: note: %s (not lowest-fit) "
				"stopped at %s:%llu: %s; its placement differs "
				"from lowest-fit before that line\n", s->name,
				shown, (unsigned long long)err.line, err.msg);
			rs[i].stopped = true;
			continue;
		}
		if (s == ref || !s->lowest_fit || !ref->lowest_fit) {
			if (rr) {
				print_replay_error(shown, s, s != ref, &err);
				goto done;
			}
			continue;
		}
		/* An error after a divergence is its consequence. */
		end = first_diff(&t, ref_addrs, addrs, rr ? failed : t.n);
		if (end < div_at) {
			div_at = end;
			div_s = s;
			div_addr = addrs[end];
		}
		if (rr && end == failed) {
			print_replay_error(shown, s, true, &err);
			goto done;
		}
	}

	if (va.stats) {
		print_stats_header(csv);
		for (size_t i = 0; i < nall; i++)
			if ((every || &all[i] == ref) && !rs[i].stopped)
				print_stats_row(csv, &all[i], t.n, &rs[i]);
		ret = vmsim_csv_close(csv, va.out);
		csv = NULL;
	} else {
		print_results(out.fp, &t, ref_addrs);
		ret = vmsim_out_close(&out);
	}
	if (ret)
		goto done;
	if (div_s) {
		fprintf(stderr, "%s:%u: divergence: %s ", shown,
			t.ops[div_at].line, ref->name);
		print_addr(stderr, ref_addrs[div_at]);
		fprintf(stderr, " vs %s ", div_s->name);
		print_addr(stderr, div_addr);
		fputc('\n', stderr);
		ret = VMSIM_DIVERGED;
	} else if (every) {
		fprintf(stderr, "vmsim: %zu ops, no divergence among the "
			"lowest-fit strategies:", t.n);
		for (size_t i = 0; i < nall; i++)
			if (all[i].lowest_fit && ref->lowest_fit)
				fprintf(stderr, " %s", all[i].name);
		for (size_t i = 0, first = 1; i < nall; i++)
			if (!all[i].lowest_fit) {
				fprintf(stderr, "%s %s", first ?
					"; replayed, not compared:" : ",",
					all[i].name);
				first = 0;
			}
		fputc('\n', stderr);
	}
done:
	if (ret == VMSIM_BAD_INPUT) {
		if (csv)
			csv_abort(csv);
		else
			vmsim_out_abort(&out);
	}
	free(ref_addrs);
	free(addrs);
	free(rs);
	wl_vmap_trace_free(&t);
	return ret;
}

/* ---- gen-vmap ---- */

static void gen_usage(FILE *f)
{
	const struct wl_vmap_workload *w;
	struct wl_vmap_gen_params p;
	size_t n;

	wl_vmap_gen_defaults(&p);
	w = wl_vmap_workloads(&n);
	fprintf(f,
"usage: vmsim gen-vmap --workload NAME [OPTIONS]\n"
"\n"
"Write a vmap op trace (see vmsim vmap --help) to standard output or,\n"
"atomically, to -o FILE.  Same options, same seed: same bytes.\n"
"Every area includes vmalloc's guard page (one page more than requested).\n"
"\n"
"options (each used by the workloads that name it; given to another\n"
"workload, an option is refused):\n"
"  --workload NAME     one of the workloads below\n"
"  --seed S            seed of the generator (default %llu)\n"
"  --loops N           all but churn: iterations of the test loop\n"
"                      (default %llu)\n"
"  --pages N           fix_size: pages per area (default %llu)\n"
"  --cpus N            full_fit: CPUs the junk scales with (default %llu)\n"
"  --live N            churn: areas kept live (default %llu)\n"
"  --ops N             churn: ops after filling to --live (default %llu)\n"
"  --max-pages N       churn: sizes 1..N pages (default %llu)\n"
"  --lookups P         churn: percent of ops that are lookups (default %llu)\n"
"  --range START:END   the range to replay in (default\n"
"                      %#llx:%#llx): areas are\n"
"                      placed as every lowest-fit strategy places them\n"
"                      there; an alloc that finds no room stays in the\n"
"                      trace (its result is ENOSPC) and is never used or\n"
"                      freed.  The header line names a non-default range.\n"
"  --page-size N       page size (default %llu)\n"
"  -o FILE             write to FILE atomically\n"
"  --list              list the workloads and exit\n"
"  --sweep-sizes       print the live-area counts of the churn sweep, one\n"
"                      a line, and exit (the benchmark suite's churn\n"
"                      sizes; scripts/bench sweeps the same)\n"
"\nA trace holds at most %llu ops; --loops, --live and --ops are\n"
"bounded so.\n"
"\nworkloads:\n",
		(unsigned long long)p.seed, (unsigned long long)p.loops,
		(unsigned long long)p.pages, (unsigned long long)p.cpus,
		(unsigned long long)p.live, (unsigned long long)p.ops,
		(unsigned long long)p.max_pages,
		(unsigned long long)p.lookup_pct,
		(unsigned long long)p.space.start,
		(unsigned long long)p.space.end,
		(unsigned long long)p.space.page_size, WL_VMAP_GEN_MAX_OPS);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-18s %s\n", w[i].name, w[i].summary);
}

/* Does a workload's parameter list @params name @field? */
static bool uses(const char *params, const char *field)
{
	size_t len = strlen(field);

	for (const char *p = params; (p = strstr(p, field)); p += len)
		if ((p == params || p[-1] == ' ') && p[len] == ' ')
			return true;
	return false;
}

/*
 * Refuse an option the workload @name would ignore: 2 after printing
 * "--opt: ...", else 0 (also for an unknown workload, which wl_vmap_gen()
 * reports).
 */
static int check_used(const char *name, const char *opt, const char *field)
{
	size_t n;
	const struct wl_vmap_workload *w = wl_vmap_workloads(&n), *mine = NULL;

	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i].name, name))
			mine = &w[i];
	if (!mine || uses(mine->params, field))
		return 0;
	fprintf(stderr, "%s: the workload %s does not use it (used by:", opt,
		name);
	for (size_t i = 0, first = 1; i < n; i++)
		if (uses(w[i].params, field)) {
			fprintf(stderr, "%s %s", first ? "" : ",", w[i].name);
			first = 0;
		}
	fputs(")\n", stderr);
	return VMSIM_BAD_INPUT;
}

/* The field of struct wl_vmap_gen_params behind each option below. */
static const char *const gen_u64_fields[] = {
	"seed", "loops", "pages", "cpus", "live", "ops", "max_pages",
	"lookup_pct",
};

static const struct vmsim_u64_opt gen_u64_opts[] = {
	{ "--seed", offsetof(struct wl_vmap_gen_params, seed) },
	{ "--loops", offsetof(struct wl_vmap_gen_params, loops) },
	{ "--pages", offsetof(struct wl_vmap_gen_params, pages) },
	{ "--cpus", offsetof(struct wl_vmap_gen_params, cpus) },
	{ "--live", offsetof(struct wl_vmap_gen_params, live) },
	{ "--ops", offsetof(struct wl_vmap_gen_params, ops) },
	{ "--max-pages", offsetof(struct wl_vmap_gen_params, max_pages) },
	{ "--lookups", offsetof(struct wl_vmap_gen_params, lookup_pct) },
};

int vmsim_gen_vmap_main(int argc, char **argv)
{
	const char *workload = NULL, *path = NULL, *val;
	struct wl_vmap_gen_params p;
	struct wl_vmap_trace t = { 0 };
	struct reason err = { 0 };
	struct vmsim_args a;
	struct vmsim_opt o;
	struct vmsim_out out = { 0 };
	bool list = false, given[sizeof(gen_u64_opts) /
				 sizeof(gen_u64_opts[0])] = { false };
	bool space_given = false, sweep_sizes = false;
	int ret;

	wl_vmap_gen_defaults(&p);
	vmsim_args_init(&a, argc, argv);
	while (vmsim_args_next(&a, &o)) {
		int known;

		if (!o.name)
			return vmsim_opt_error(o.value, "unexpected argument "
					       "(try vmsim gen-vmap --help)");
		if (!strcmp(o.name, "--help") || !strcmp(o.name, "-h")) {
			gen_usage(stdout);
			return VMSIM_OK;
		}
		known = vmsim_u64_table(&a, &o, gen_u64_opts,
					sizeof(gen_u64_opts) /
					sizeof(gen_u64_opts[0]), &p);
		if (known < 0)
			return VMSIM_BAD_INPUT;
		if (known) {
			for (size_t i = 0; i < sizeof(given) /
					       sizeof(given[0]); i++)
				if (!strcmp(o.name, gen_u64_opts[i].name))
					given[i] = true;
			continue;
		} else if (!strcmp(o.name, "--list")) {
			list = true;
		} else if (!strcmp(o.name, "--sweep-sizes")) {
			sweep_sizes = true;
		} else if (!strcmp(o.name, "--workload")) {
			if (!(workload = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
		} else if (!strcmp(o.name, "--range")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_range(o.name, val, &p.space.start,
					     &p.space.end))
				return VMSIM_BAD_INPUT;
			space_given = true;
		} else if (!strcmp(o.name, "--page-size")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_page_size(o.name, val,
						 &p.space.page_size))
				return VMSIM_BAD_INPUT;
			space_given = true;
		} else if (!strcmp(o.name, "-o") || !strcmp(o.name, "--output")) {
			if (!(path = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
		} else {
			return vmsim_opt_error(o.name,
				"unknown option (try vmsim gen-vmap --help)");
		}
		if (o.inline_val)
			return vmsim_opt_error(o.name, "takes no value");
	}
	if (sweep_sizes) {
		size_t n;
		const int64_t *sz = measure_churn_sizes(&n);

		for (size_t i = 0; i < n; i++)
			printf("%lld\n", (long long)sz[i]);
		return VMSIM_OK;
	}
	if (list) {
		size_t n;
		const struct wl_vmap_workload *w = wl_vmap_workloads(&n);

		for (size_t i = 0; i < n; i++)
			printf("%s\n", w[i].name);
		return VMSIM_OK;
	}
	if (!workload)
		return vmsim_opt_error("--workload",
			"required (see vmsim gen-vmap --list)");
	/* --seed is harmless where nothing is random; the rest is refused. */
	for (size_t i = 1; i < sizeof(given) / sizeof(given[0]); i++)
		if (given[i] && check_used(workload, gen_u64_opts[i].name,
					   gen_u64_fields[i]))
			return VMSIM_BAD_INPUT;
	ret = wl_vmap_gen(workload, &p, &t, &err);
	if (ret == -EINVAL) {
		/* The reason names the parameter: point at its option. */
		static const char *const field_opt[][2] = {
			{ "name", "--workload" }, { "loops", "--loops" },
			{ "pages", "--pages" }, { "max_pages", "--max-pages" },
			{ "cpus", "--cpus" }, { "live", "--live" },
			{ "ops", "--ops" }, { "lookup_pct", "--lookups" },
			{ "page_size", "--page-size" }, { "space", "--range" },
		};
		const char *opt = NULL;

		for (size_t i = 0; i < sizeof(field_opt) /
				       sizeof(field_opt[0]); i++)
			if (!strcmp(err.what, field_opt[i][0]))
				opt = field_opt[i][1];
		if (opt)
			vmsim_opt_error(opt, "%s", err.msg);
		else
			vmsim_opt_error("--workload", "%s%s%s", err.what,
					err.what[0] ? ": " : "", err.msg);
		wl_vmap_trace_free(&t);
		return VMSIM_BAD_INPUT;
	}
	if (ret) {
		fprintf(stderr, "vmsim: %s\n", err.msg);
		wl_vmap_trace_free(&t);
		return VMSIM_BAD_INPUT;
	}
	ret = vmsim_out_open(&out, path);
	if (ret) {
		wl_vmap_trace_free(&t);
		return ret;
	}
	fprintf(out.fp, "# vmsim gen-vmap --workload %s --seed %llu", workload,
		(unsigned long long)p.seed);
	/* The range and page size to replay with, where not the defaults. */
	if (space_given)
		fprintf(out.fp, " --range 0x%llx:0x%llx --page-size %llu",
			(unsigned long long)p.space.start,
			(unsigned long long)p.space.end,
			(unsigned long long)p.space.page_size);
	fprintf(out.fp, ": %zu ops\n", t.n);
	if (wl_vmap_write(out.fp, t.ops, t.n)) {
		fprintf(stderr, "vmsim: writing the trace: %s\n",
			strerror(errno));
		vmsim_out_abort(&out);
		wl_vmap_trace_free(&t);
		return VMSIM_BAD_INPUT;
	}
	wl_vmap_trace_free(&t);
	return vmsim_out_close(&out);
}
