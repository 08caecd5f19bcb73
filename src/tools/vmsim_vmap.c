/* SPDX-License-Identifier: MIT */
/*
 * vmsim vmap: replay a vmap op trace on one strategy or all of them.
 * vmsim gen-vmap: write a generated trace.
 *
 * The trace streams: a batch of ops is parsed, replayed on every strategy
 * in lock step (so --strategy all compares them as it goes), judged, and
 * its results appended to the output; memory does not grow with the
 * trace.  Results are held back up to VMAP_OUT_HOLD bytes and -o is
 * atomic, so a bad line leaves no partial output there.
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
#include "vmsim_timing.h"

static void vmap_usage(FILE *f)
{
	size_t n;
	const struct vmap_strategy *s = vmap_strategies(&n);

	fprintf(f,
"usage: vmsim vmap --strategy NAME|all [OPTIONS] FILE|-\n"
"\n"
"Replay the vmap op trace FILE (- for standard input) and print, for each\n"
"'a' op in order, '<id> 0x<address>' or '<id> ENOSPC'.  The trace streams\n"
"(a batch of ops at a time, in constant memory); the first bad line in\n"
"trace order stops the replay.  With -o the output appears only if the\n"
"replay succeeds; on standard output too, unless the results pass 4 MiB\n"
"(they are then written as they come).\n"
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
"                       ns_per_op_max (only the replays are timed, batch\n"
"                       by batch, each on a fresh allocator; parsing is\n"
"                       outside the clock; seconds and ns_per_op are the\n"
"                       median replay; per-op figures of a trace without\n"
"                       ops and per-area figures without live areas are NA)\n"
"  --repetitions N      with --stats: replay N times per strategy (1 to\n"
"                       %d, default 1), reading the trace N times (a\n"
"                       file, not standard input)\n"
"  -o FILE              write the output to FILE atomically\n"
"  --list               list the strategies and exit\n"
"  --help               this text\n"
"\n"
"Errors: 'FILE:LINE: reason' or '--option: reason' on stderr, exit 2.\n"
"A divergence between lowest-fit strategies: 'FILE:LINE: divergence: ...',\n"
"exit 1.  With 'all', each strategy that is not lowest-fit is compared\n"
"too and a line on stderr says how many allocations it placed elsewhere\n"
"than the lowest-fit reference (a property, not a failure).\n"
"\nstrategies:\n",
		VMAP_DEFAULT_START, VMAP_DEFAULT_END, VMAP_DEFAULT_PAGE,
		MEASURE_MAX_REPETITIONS);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s%s%s%s%s\n", s[i].name, s[i].summary,
			s[i].lowest_fit ? "" : " (not lowest-fit)",
			s[i].kernel_version ? " [Linux " : "",
			s[i].kernel_version ? s[i].kernel_version : "",
			s[i].kernel_version ? "]" : "");
}

/* Ops parsed and replayed at a time: the whole trace is never held. */
#define VMAP_BATCH 4096

/*
 * Results wait here before they are written, so a bad line in the first
 * VMAP_OUT_HOLD bytes of results leaves standard output empty; a longer
 * output goes out in pieces of that size (a -o file is atomic anyway).
 */
#define VMAP_OUT_HOLD (4u << 20)

/* One strategy's replay, run in lock step with the others batch by batch. */
struct strat_run {
	const struct vmap_strategy *s;
	struct vmap *v;
	struct wl_vmap_replay r;
	uint64_t *addrs;        /* the batch's results */
	bool created;           /* v and r exist */
	bool active;            /* not stopped by an error yet */
	bool failed;            /* its replay ended with err */
	size_t failed_at;       /* ... at this op of the batch */
	struct reason err;
	uint64_t ns;            /* replay time of this pass */
	double sec[MEASURE_MAX_REPETITIONS];
	/* Against the reference (every strategy replayed with it). */
	bool differs;           /* an alloc placed elsewhere */
	uint64_t first_diff;    /* ... the first one's op index */
	unsigned first_diff_line;
	uint64_t diff_addr;     /* ... and its address here */
	uint64_t ndiff, ncompared;
	bool stopped;           /* not lowest-fit, stopped after differing */
	/* Figures of the last pass. */
	struct vmap_stats vs;
	uint64_t peak_live;
};

struct vmap_pass {
	const char *path, *shown;
	const struct wl_vmap_space *space;
	struct strat_run *runs;   /* the strategies replayed, registry order */
	size_t nruns;
	struct strat_run *ref;    /* whose results are printed */
	bool every, skip, print;
	struct wl_vmap_op *ops;   /* VMAP_BATCH */
	FILE *out;                /* results (print) */
	char *obuf;               /* VMAP_OUT_HOLD */
	size_t olen;
	/* Outcome. */
	uint64_t nops;
	struct strat_run *div_s;  /* the first lowest-fit divergence */
	uint64_t div_at;
	unsigned div_line;
	uint64_t div_ref_addr;
};

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

static void release_run(struct strat_run *sr)
{
	if (sr->created) {
		vmap_destroy(sr->v);
		wl_vmap_replay_fini(&sr->r);
	}
	sr->created = false;
}

/* 0, or 2 after printing why the pass could not start. */
static int start_runs(struct vmap_pass *ps)
{
	for (size_t i = 0; i < ps->nruns; i++) {
		struct strat_run *sr = &ps->runs[i];
		int ret;

		sr->active = true;
		sr->failed = false;
		sr->ns = 0;
		sr->differs = false;
		sr->ndiff = sr->ncompared = 0;
		sr->stopped = false;
		ret = vmap_create(&sr->v, sr->s->name, ps->space->start,
				  ps->space->end, ps->space->page_size);
		if (ret) {
			fprintf(stderr, "vmsim: cannot create %s allocator: "
				"%s\n", sr->s->name, strerror(-ret));
			return VMSIM_BAD_INPUT;
		}
		ret = wl_vmap_replay_start(&sr->r, ps->space, ps->skip);
		if (ret) {
			vmap_destroy(sr->v);
			fprintf(stderr, "vmsim: %s\n", strerror(-ret));
			return VMSIM_BAD_INPUT;
		}
		sr->created = true;
	}
	return 0;
}

/* 0, or 2 after printing why the results cannot be written. */
static int out_flush(struct vmap_pass *ps)
{
	if (ps->olen && fwrite(ps->obuf, 1, ps->olen, ps->out) != ps->olen) {
		fprintf(stderr, "vmsim: writing output: %s\n",
			strerror(errno));
		return VMSIM_BAD_INPUT;
	}
	ps->olen = 0;
	return 0;
}

/* The reference's results for the @k ops of the batch. */
static int out_batch(struct vmap_pass *ps, size_t k)
{
	const uint64_t *addrs = ps->ref->addrs;

	for (size_t i = 0; i < k; i++) {
		uint64_t a = addrs[i];
		int len;

		if (ps->ops[i].kind != WL_VMAP_ALLOC)
			continue;
		if (VMAP_OUT_HOLD - ps->olen < 48 && out_flush(ps))
			return VMSIM_BAD_INPUT;
		if (a == WL_VMAP_NOSPC)
			len = snprintf(ps->obuf + ps->olen, 48,
				       "%llu ENOSPC\n",
				       (unsigned long long)ps->ops[i].id);
		else    /* "0x0" too: %#llx would print a bare "0" */
			len = snprintf(ps->obuf + ps->olen, 48,
				       "%llu 0x%llx\n",
				       (unsigned long long)ps->ops[i].id,
				       (unsigned long long)a);
		ps->olen += (size_t)len;
	}
	return 0;
}

/*
 * Compare @sr's results in the batch's first @end ops with the
 * reference's; @base is the batch's first op's index in the trace.
 */
static void compare_batch(struct vmap_pass *ps, struct strat_run *sr,
			  size_t end, uint64_t base)
{
	const uint64_t *ra = ps->ref->addrs, *a = sr->addrs;

	for (size_t i = 0; i < end; i++) {
		if (ps->ops[i].kind != WL_VMAP_ALLOC)
			continue;
		sr->ncompared++;
		if (a[i] == ra[i])
			continue;
		sr->ndiff++;
		if (!sr->differs) {
			sr->differs = true;
			sr->first_diff = base + i;
			sr->first_diff_line = ps->ops[i].line;
			sr->diff_addr = a[i];
			if (sr->s->lowest_fit && ps->ref->s->lowest_fit &&
			    (!ps->div_s || base + i < ps->div_at)) {
				ps->div_s = sr;
				ps->div_at = base + i;
				ps->div_line = ps->ops[i].line;
				ps->div_ref_addr = ra[i];
			}
		}
	}
}

/*
 * Judge the batch's outcome for each strategy, in registry order: 0, or 2
 * after printing the first error that is the trace's (not a consequence
 * of a strategy's own placement).
 *
 * The reference (the first lowest-fit strategy) decides what an error is:
 * an error of the reference, of a strategy placing as the reference did so
 * far, or of a lowest-fit strategy before any divergence is the trace's.
 * A strategy that is not lowest-fit and placed differently before its
 * error is stopped (a note says so); an error of a lowest-fit strategy
 * after its divergence is the divergence's consequence.
 */
static int judge_batch(struct vmap_pass *ps, size_t k, uint64_t base)
{
	struct strat_run *ref = ps->ref;

	/* Compare first: a divergence found here may excuse an error. */
	for (size_t i = 0; i < ps->nruns; i++) {
		struct strat_run *sr = &ps->runs[i];
		size_t end;

		if (sr == ref || !ps->every)
			continue;
		if (!sr->active)
			continue;       /* ended in an earlier batch */
		end = sr->failed ? sr->failed_at : k;
		if (ref->failed && ref->failed_at < end)
			end = ref->failed_at;
		compare_batch(ps, sr, end, base);
	}
	for (size_t i = 0; i < ps->nruns; i++) {
		struct strat_run *sr = &ps->runs[i];

		if (!sr->active || !sr->failed)
			continue;
		sr->active = false;
		if (sr != ref && !sr->s->lowest_fit && sr->differs) {
			sr->stopped = true;
			continue;
		}
		if (sr != ref && sr->s->lowest_fit && ref->s->lowest_fit &&
		    sr->differs)
			continue;
		print_replay_error(ps->shown, sr->s, sr != ref, &sr->err);
		return VMSIM_BAD_INPUT;
	}
	return 0;
}

/* One replay of the whole trace on every strategy of @ps: 0 or 2. */
static int run_pass(struct vmap_pass *ps)
{
	struct reason err = { 0 };
	struct wl_vmap_reader *rd = NULL;
	struct source *src = NULL;
	long k;
	int ret;

	ps->nops = 0;
	ps->div_s = NULL;
	ps->olen = 0;
	if (source_open(&src, ps->path, NULL, &err) ||
	    wl_vmap_reader_open(&rd, src, &err)) {
		ret = vmsim_input_error(ps->shown, &err);
		goto out;
	}
	if ((ret = start_runs(ps)))
		goto out;
	while ((k = wl_vmap_reader_next(rd, ps->ops, VMAP_BATCH, &err)) > 0) {
		for (size_t i = 0; i < ps->nruns; i++) {
			struct strat_run *sr = &ps->runs[i];
			uint64_t t0;

			if (!sr->active)
				continue;
			t0 = measure_now_ns();
			sr->failed = wl_vmap_replay_batch(&sr->r, sr->v,
					ps->ops, (size_t)k, sr->addrs,
					&sr->failed_at, &sr->err) != 0;
			sr->ns += measure_now_ns() - t0;
		}
		if ((ret = judge_batch(ps, (size_t)k, ps->nops)))
			goto out;
		if (ps->print && (ret = out_batch(ps, (size_t)k)))
			goto out;
		ps->nops += (uint64_t)k;
	}
	if (k < 0) {
		ret = vmsim_input_error(ps->shown, &err);
		goto out;
	}
	if (ps->print)
		ret = out_flush(ps);
	for (size_t i = 0; i < ps->nruns; i++) {
		struct strat_run *sr = &ps->runs[i];

		sr->peak_live = sr->r.peak_live;
		vmap_stats(sr->v, &sr->vs);
	}
out:
	for (size_t i = 0; i < ps->nruns; i++)
		release_run(&ps->runs[i]);
	wl_vmap_reader_close(rd);
	source_close(src);
	return ret;
}

struct run_stats {
	struct measure_summary time;   /* seconds per replay */
	struct vmap_stats vs;
	uint64_t peak_live;
};

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
	struct vmsim_per_op per = vmsim_per_op(&rs->time, nops);

	csv_field_str(c, s->name);
	csv_field_u64(c, s->lowest_fit);
	csv_field_u64(c, nops);
	csv_field_double(c, rs->time.median);
	csv_field_double(c, per.median);
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
	csv_field_double(c, per.min);
	csv_field_double(c, per.max);
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

/*
 * The property of a strategy that is not lowest-fit, with --strategy all:
 * how many of the allocations compared (those both replays made) it
 * placed elsewhere than the lowest-fit reference.  Not a failure.
 */
static void print_property(const struct vmap_pass *ps,
			   const struct strat_run *sr)
{
	fprintf(stderr, "vmsim: %s (not lowest-fit): %llu of %llu "
		"allocations placed elsewhere than %s", sr->s->name,
		(unsigned long long)sr->ndiff,
		(unsigned long long)sr->ncompared, ps->ref->s->name);
	if (sr->differs)
		fprintf(stderr, ", the first at %s:%u", ps->shown,
			sr->first_diff_line);
	if (sr->stopped)
		fprintf(stderr, "; stopped at line %llu",
			(unsigned long long)sr->err.line);
	fputc('\n', stderr);
}

int vmsim_vmap_main(int argc, char **argv)
{
	const struct vmap_strategy *all, *ref = NULL;
	struct strat_run *runs = NULL;
	struct vmap_pass ps = { 0 };
	struct vmap_args va;
	struct vmsim_out out = { 0 };
	struct csv *csv = NULL;
	size_t nall;
	bool every;
	int ret;

	ret = parse_vmap_args(argc, argv, &va);
	if (ret)
		return ret < 0 ? VMSIM_OK : ret;
	all = vmap_strategies(&nall);
	if (va.list) {
		for (size_t i = 0; i < nall; i++)
			printf("%s%s%s%s%s\n", all[i].name,
			       all[i].lowest_fit ? "" : " (not lowest-fit)",
			       all[i].kernel_version ? " [Linux " : "",
			       all[i].kernel_version ? all[i].kernel_version :
						       "",
			       all[i].kernel_version ? "]" : "");
		return VMSIM_OK;
	}
	if (!strcmp(va.file, "-") && va.reps > 1)
		return vmsim_opt_error("--repetitions", "standard input can be "
				       "read once: give a trace file");
	every = !strcmp(va.strategy, "all");

	/* The reference: the first lowest-fit strategy replayed. */
	for (size_t i = 0; i < nall && every; i++)
		if (all[i].lowest_fit) {
			ref = &all[i];
			break;
		}
	if (!every)
		ref = vmap_strategy_find(va.strategy);
	if (!ref)   /* no lowest-fit strategy: print the first one's results */
		ref = &all[0];
	ret = va.stats ? vmsim_csv_open(&csv, va.out) :
			 vmsim_out_open(&out, va.out);
	if (ret)
		return ret;
	ret = VMSIM_BAD_INPUT;
	ps = (struct vmap_pass){
		.path = va.file,
		.shown = strcmp(va.file, "-") ? va.file : "<stdin>",
		.space = &va.space, .every = every,
		/* One strategy: go on past the ids it found no room for. */
		.skip = !every, .print = !va.stats,
		.out = out.fp,
	};
	runs = calloc(nall, sizeof(*runs));
	ps.ops = malloc(VMAP_BATCH * sizeof(*ps.ops));
	if (!va.stats)
		ps.obuf = malloc(VMAP_OUT_HOLD);
	if (!runs || !ps.ops || (!va.stats && !ps.obuf))
		goto oom;
	for (size_t i = 0; i < nall; i++) {
		struct strat_run *sr;

		if (!every && &all[i] != ref)
			continue;
		sr = &runs[ps.nruns++];
		sr->s = &all[i];
		if (sr->s == ref)
			ps.ref = sr;
		sr->addrs = malloc(VMAP_BATCH * sizeof(*sr->addrs));
		if (!sr->addrs)
			goto oom;
	}
	ps.runs = runs;
	/* Every pass replays the same; the last one's figures stand. */
	for (unsigned rep = 0; rep < va.reps; rep++) {
		if ((ret = run_pass(&ps)))
			goto done;
		for (size_t i = 0; i < ps.nruns; i++)
			runs[i].sec[rep] = (double)runs[i].ns * 1e-9;
	}

	if (va.stats) {
		print_stats_header(csv);
		for (size_t i = 0; i < ps.nruns; i++) {
			struct run_stats rs = {
				.vs = runs[i].vs,
				.peak_live = runs[i].peak_live,
			};

			if (runs[i].stopped)
				continue;
			measure_summarize(runs[i].sec, va.reps, &rs.time);
			print_stats_row(csv, runs[i].s, ps.nops, &rs);
		}
		ret = vmsim_csv_close(csv, va.out);
		csv = NULL;
	} else {
		ret = vmsim_out_close(&out);
	}
	if (ret)
		goto done;
	for (size_t i = 0; i < ps.nruns; i++)
		if (runs[i].stopped)
			fprintf(stderr, "vmsim: note: %s (not lowest-fit) "
				"stopped at %s:%llu: %s; its placement differs "
				"from lowest-fit before that line\n",
				runs[i].s->name, ps.shown,
				(unsigned long long)runs[i].err.line,
				runs[i].err.msg);
	if (ps.ref->r.skipped)
		fprintf(stderr, "vmsim: note: %s found no room for %llu "
			"allocations; %llu later f/l lines of their ids "
			"skipped\n", ref->name,
			(unsigned long long)ps.ref->r.nospc,
			(unsigned long long)ps.ref->r.skipped);
	if (ps.div_s) {
		fprintf(stderr, "%s:%u: divergence: %s ", ps.shown,
			ps.div_line, ref->name);
		print_addr(stderr, ps.div_ref_addr);
		fprintf(stderr, " vs %s ", ps.div_s->s->name);
		print_addr(stderr, ps.div_s->diff_addr);
		fputc('\n', stderr);
		ret = VMSIM_DIVERGED;
	} else if (every) {
		fprintf(stderr, "vmsim: %llu ops, no divergence among the "
			"lowest-fit strategies:", (unsigned long long)ps.nops);
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
	if (every && ref->lowest_fit)
		for (size_t i = 0; i < ps.nruns; i++)
			if (!runs[i].s->lowest_fit)
				print_property(&ps, &runs[i]);
	goto done;
oom:
	fprintf(stderr, "vmsim: out of memory\n");
	ret = VMSIM_BAD_INPUT;
done:
	if (ret == VMSIM_BAD_INPUT) {
		if (csv)
			csv_abort(csv);
		else
			vmsim_out_abort(&out);
	}
	for (size_t i = 0; runs && i < nall; i++)
		free(runs[i].addrs);
	free(runs);
	free(ps.ops);
	free(ps.obuf);
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
