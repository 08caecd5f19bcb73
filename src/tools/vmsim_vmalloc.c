/* SPDX-License-Identifier: MIT */
/*
 * vmsim vmalloc: run a test_vmalloc-style workload on the whole system —
 * the kernel page table booted for --arch (kspace.h), the buddy allocator
 * under it, a vmap strategy for the addresses, N CPUs with their own TLBs
 * — and print every counter of the system as a tidy CSV.
 *
 * The ops are generated before any clock starts; with --stats each
 * repetition boots a fresh system and replays the workload's set-up
 * (untimed), times the ops of its loop, then replays its clean-up
 * (untimed).  The output is written after the run (stdout at the end, or
 * -o atomically).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/buddy.h>
#include <vmbench/csv.h>
#include <vmbench/kspace.h>
#include <vmbench/measure.h>
#include <vmbench/reason.h>
#include <vmbench/tlb.h>
#include <vmbench/vmalloc.h>
#include <vmbench/vmap.h>

#include "vmsim.h"
#include "vmsim_timing.h"

#define DEFAULT_ARCH "x86-64-4l"
#define DEFAULT_STRATEGY "augrb"

struct va_args {
	const char *arch, *strategy, *workload, *tlb, *out, *kernel;
	const char *replay;      /* --replay FILE */
	const char *layout;      /* --layout-csv FILE */
	bool follow;             /* --follow */
	struct vmalloc_gen_params gp;
	uint64_t cpus, lazy_max, ceiling, ram, nr_cpus_config;
	unsigned reps;
	bool eager, stats, list, reps_given, lazy_given, nohuge, pools;
	bool strategy_given;
};

static void usage(FILE *f)
{
	const struct vmalloc_kernel *km;
	const struct vmalloc_workload *w;
	const struct vmap_strategy *s;
	const struct ks_layout *l;
	size_t n;

	fprintf(f,
"usage: vmsim vmalloc --workload NAME [--arch NAME]\n"
"                     [--strategy NAME | --kernel MODEL]\n"
"                     [--cpus N] [--streams] [--touch] [--huge]\n"
"                     [--lazy-max-pages N | --eager] [--flush-ceiling N]\n"
"                     [--loops N] [--pages N] [--seed S] [--tlb SPEC]\n"
"                     [--ram BYTES] [--stack-every N]\n"
"                     [--stats [--repetitions N]] [-o FILE]\n"
"       vmsim vmalloc --replay FILE [--kernel MODEL | --strategy NAME]\n"
"                     [--cpus N] [--follow] [--layout-csv FILE] [-o FILE]\n"
"\n"
"--replay FILE replays an op trace of vmsim import-kernel on every kernel\n"
"model and strategy (or the one named) and adds the rows replay_* (the\n"
"kernel's placements predicted, nr_lazy matched after each free, the\n"
"hidden state counted apart).  --follow: after each allocation the model\n"
"takes the kernel's address (from its pools or free space), so that one\n"
"choice the capture cannot explain does not shift every later one:\n"
"replay_predicted then counts one-step predictions from the kernel's own\n"
"state.  --layout-csv FILE writes, per model, the free space after the\n"
"snapshot and after every op since (op 0: the snapshot): free_blocks,\n"
"free_bytes, largest_free, low_span (range start to the largest free\n"
"run), low_free and low_largest (the free runs below it), fragmentation\n"
"(1 - low_largest / low_free); scripts/plot-layout plots it.\n"
"\n"
"Run a workload on the vmalloc system: the kernel page table of --arch\n"
"built as at boot over a buddy allocator of --ram bytes, vmalloc areas\n"
"placed by a vmap strategy, pages from the buddy allocator, and --cpus\n"
"CPUs, each with its own TLB, translating through that one table.  Frees\n"
"are lazy: an area waits on the lazy list until its pages (guard\n"
"included) push vmap_lazy_nr above lazy_max_pages (fls(cpus) * 32 MiB /\n"
"page), then ONE flush covers every lazy area and they are reused.  The\n"
"flush follows the architecture: x86 INVLPG per page on every CPU up to\n"
"the ceiling (33) else a full flush, by IPIs; arm64 broadcast TLBI per\n"
"page up to PTRS_PER_PTE else a full one, no IPIs; RISC-V per page up to\n"
"64, by IPIs.  What is modelled and what is not: include/vmbench/\n"
"vmalloc.h.\n"
"\n"
"Prints CSV: arch,strategy,kernel,cpus,mode,workload,counter,cpu,value;\n"
"one row per counter of the system (cpu NA) and per counter of each CPU\n"
"(kernel NA without --kernel).\n"
"\n"
"options:\n"
"  --workload NAME    the workload (below)\n"
"  --arch NAME        kernel layout and page-table geometry (default\n"
"                     " DEFAULT_ARCH ")\n"
"  --strategy NAME    vmap strategy (default " DEFAULT_STRATEGY ")\n"
"  --kernel MODEL     a kernel generation (below): its strategy, eager or\n"
"                     lazy freeing, and 6.9's vmap_node pools (clamp(cpus,\n"
"                     1, 128) nodes, exact-size pools up to 256 pages)\n"
"  --cpus N           CPUs, 1..%d (default 1)\n"
"  --streams          every CPU runs its own copy of the workload (seed +\n"
"                     cpu), interleaved op by op; default: round-robin,\n"
"                     each area on the next CPU\n"
"  --touch            where the workload writes to an area ('touch' in\n"
"                     its line below), the CPU writes every page of it,\n"
"                     through its TLB; without it nothing is written but\n"
"                     hot_churn's hot areas\n"
"  --huge             allocations allow huge (PMD) mappings\n"
"  --lazy-max-pages N purge when more than N lazy pages wait\n"
"  --eager            flush every free at once (as before 2.6.28)\n"
"  --flush-ceiling N  pages a flush may invalidate one by one\n"
"  --loops N          iterations of the workload's loop (default %llu)\n"
"  --pages N          fix_size: pages per area; kvmalloc: largest size\n"
"                     in pages; vm_map_ram: pages mapped (default %llu)\n"
"  --seed S           generator seed (default %llu)\n"
"  --stack-every N    background: after every N-th vmalloc a thread is\n"
"                     created and exits on that CPU, its 16 KiB stack\n"
"                     (aligned to 16 KiB) vmalloc'd and vfree'd (default\n"
"                     0: none)\n"
"  --tlb SPEC         every CPU's TLB (default: skylake on x86 and\n"
"                     RISC-V, neoverse-n1 on arm64)\n"
"  --ram BYTES        simulated RAM (default 4 GiB, or what the geometry\n"
"                     can address: x86-32 4094 MiB)\n"
"  --nr-cpus-config N CONFIG_NR_CPUS, which sizes vm_map_ram's vmap blocks\n"
"                     (default 8192, Debian's: 256-page blocks)\n"
"  --stats            add rows seconds, ns_per_op, ns_per_op_min,\n"
"                     ns_per_op_max, repetitions: each repetition boots a\n"
"                     fresh system and replays the workload's set-up\n"
"                     untimed (long_busy_list: ptr[] and 15000 areas),\n"
"                     times its loop (the rows loop_ops and\n"
"                     loop_node_visits; ns_per_op is per loop op), then\n"
"                     replays its clean-up untimed\n"
"  --repetitions N    with --stats: 1 to %d (default 1)\n"
"  -o FILE            write the CSV to FILE atomically\n"
"  --list             list layouts, strategies, workloads and kernel\n"
"                     models, and exit\n"
"  --help             this text\n"
"\n"
"Errors: '--option: reason' on stderr, exit 2.\n",
		VMALLOC_MAX_CPUS, 1000ULL, 1ULL, 1ULL,
		MEASURE_MAX_REPETITIONS);
	fprintf(f, "\nlayouts:\n");
	l = ks_layouts(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s\n", l[i].name, l[i].summary);
	fprintf(f, "\nstrategies:\n");
	s = vmap_strategies(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-14s %s\n", s[i].name, s[i].summary);
	fprintf(f, "\nkernel models:\n");
	km = vmalloc_kernels(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-8s %s (%s)\n", km[i].name, km[i].summary,
			km[i].strategy);
	fprintf(f, "\nworkloads:\n");
	w = vmalloc_workloads(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-18s %s\n", w[i].name, w[i].summary);
}

static void list_all(void)
{
	const struct vmalloc_workload *w;
	const struct vmap_strategy *s;
	const struct ks_layout *l;
	size_t n;

	l = ks_layouts(&n);
	for (size_t i = 0; i < n; i++)
		printf("arch %s\n", l[i].name);
	s = vmap_strategies(&n);
	for (size_t i = 0; i < n; i++)
		printf("strategy %s\n", s[i].name);
	w = vmalloc_workloads(&n);
	for (size_t i = 0; i < n; i++)
		printf("workload %s\n", w[i].name);
	{
		const struct vmalloc_kernel *km = vmalloc_kernels(&n);

		for (size_t i = 0; i < n; i++)
			printf("kernel %s\n", km[i].name);
	}
}

static const struct vmsim_u64_opt u64_opts[] = {
	{ "--cpus", offsetof(struct va_args, cpus) },
	{ "--lazy-max-pages", offsetof(struct va_args, lazy_max) },
	{ "--flush-ceiling", offsetof(struct va_args, ceiling) },
	{ "--ram", offsetof(struct va_args, ram) },
	{ "--nr-cpus-config", offsetof(struct va_args, nr_cpus_config) },
	{ "--loops", offsetof(struct va_args, gp) +
		     offsetof(struct vmalloc_gen_params, loops) },
	{ "--pages", offsetof(struct va_args, gp) +
		     offsetof(struct vmalloc_gen_params, pages) },
	{ "--seed", offsetof(struct va_args, gp) +
		    offsetof(struct vmalloc_gen_params, seed) },
	{ "--stack-every", offsetof(struct va_args, gp) +
			   offsetof(struct vmalloc_gen_params, stack_every) },
};

/* 0, -1 after --help, or 2 after printing the error. */
static int parse(int argc, char **argv, struct va_args *va)
{
	struct vmsim_args a;
	struct vmsim_opt o;
	const char *val;

	memset(va, 0, sizeof(*va));
	va->arch = DEFAULT_ARCH;
	va->strategy = DEFAULT_STRATEGY;
	va->cpus = 1;
	va->reps = 1;
	va->nr_cpus_config = 8192;	/* the help's default */
	vmalloc_gen_defaults(&va->gp);
	vmsim_args_init(&a, argc, argv);
	while (vmsim_args_next(&a, &o)) {
		int known;

		if (!o.name)
			return vmsim_opt_error(o.value, "unexpected argument "
					       "(try vmsim vmalloc --help)");
		if (!strcmp(o.name, "--help") || !strcmp(o.name, "-h")) {
			usage(stdout);
			return -1;
		}
		known = vmsim_u64_table(&a, &o, u64_opts, sizeof(u64_opts) /
					sizeof(u64_opts[0]), va);
		if (known < 0)
			return VMSIM_BAD_INPUT;
		if (known) {
			if (!strcmp(o.name, "--lazy-max-pages"))
				va->lazy_given = true;
			continue;
		}
		if (!strcmp(o.name, "--stats")) {
			va->stats = true;
		} else if (!strcmp(o.name, "--eager")) {
			va->eager = true;
		} else if (!strcmp(o.name, "--touch")) {
			va->gp.touch = true;
		} else if (!strcmp(o.name, "--huge")) {
			va->gp.huge = true;
		} else if (!strcmp(o.name, "--streams")) {
			va->gp.streams = true;
		} else if (!strcmp(o.name, "--list")) {
			va->list = true;
		} else if (!strcmp(o.name, "--follow")) {
			va->follow = true;
		} else if (!strcmp(o.name, "--repetitions")) {
			if (!(val = vmsim_value(&a, &o)) ||
			    !vmsim_opt_repetitions(o.name, val, &va->reps))
				return VMSIM_BAD_INPUT;
			va->reps_given = true;
			continue;
		} else if (!strcmp(o.name, "--arch") ||
			   !strcmp(o.name, "--strategy") ||
			   !strcmp(o.name, "--workload") ||
			   !strcmp(o.name, "--tlb") ||
			   !strcmp(o.name, "--kernel") ||
			   !strcmp(o.name, "--replay") ||
			   !strcmp(o.name, "--layout-csv") ||
			   !strcmp(o.name, "-o") ||
			   !strcmp(o.name, "--output")) {
			const char **dst =
				!strcmp(o.name, "--arch") ? &va->arch :
				!strcmp(o.name, "--strategy") ? &va->strategy :
				!strcmp(o.name, "--workload") ? &va->workload :
				!strcmp(o.name, "--tlb") ? &va->tlb :
				!strcmp(o.name, "--kernel") ? &va->kernel :
				!strcmp(o.name, "--replay") ? &va->replay :
				!strcmp(o.name, "--layout-csv") ? &va->layout :
				&va->out;

			if (!strcmp(o.name, "--strategy"))
				va->strategy_given = true;

			if (!(*dst = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
			continue;
		} else {
			return vmsim_opt_error(o.name, "unknown option (try "
					       "vmsim vmalloc --help)");
		}
		if (o.inline_val)
			return vmsim_opt_error(o.name, "takes no value");
	}
	if (va->list)
		return 0;
	if (va->reps_given && !va->stats)
		return vmsim_opt_error("--repetitions", "only with --stats");
	if (va->eager && va->lazy_given)
		return vmsim_opt_error("--eager", "give --eager or "
				       "--lazy-max-pages, not both");
	if (va->lazy_given && !va->lazy_max)
		return vmsim_opt_error("--lazy-max-pages", "must be at least "
				       "1");
	if (va->replay && va->workload)
		return vmsim_opt_error("--replay", "give --replay or "
				       "--workload, not both");
	if (va->replay && va->stats)
		return vmsim_opt_error("--replay", "has no --stats");
	if (va->layout && !va->replay)
		return vmsim_opt_error("--layout-csv", "only with --replay");
	if (va->follow && !va->replay)
		return vmsim_opt_error("--follow", "only with --replay");
	if (va->replay)
		va->workload = "replay";
	if (!va->workload)
		return vmsim_opt_error("--workload", "required (try vmsim "
				       "vmalloc --list)");
	if (va->kernel) {
		size_t n;
		const struct vmalloc_kernel *k = vmalloc_kernels(&n);
		size_t i;

		for (i = 0; i < n && strcmp(k[i].name, va->kernel); i++)
			;
		if (i == n) {
			fprintf(stderr, "--kernel: unknown kernel model '%s' "
				"(", va->kernel);
			for (i = 0; i < n; i++)
				fprintf(stderr, "%s%s", i ? ", " : "",
					k[i].name);
			fputs(")\n", stderr);
			return VMSIM_BAD_INPUT;
		}
		if (va->strategy_given)
			return vmsim_opt_error("--kernel", "sets the strategy "
					       "(%s): give --kernel or "
					       "--strategy, not both",
					       k[i].strategy);
		if (va->eager)
			return vmsim_opt_error("--kernel", "sets the freeing "
					       "mode: give --kernel or --eager, "
					       "not both");
		if (k[i].eager && va->lazy_given)
			return vmsim_opt_error("--lazy-max-pages", "kernel %s "
					       "flushes every free", k[i].name);
		va->strategy = k[i].strategy;
		va->eager = k[i].eager;
		va->pools = k[i].node_pools;
	}
	if (!va->cpus || va->cpus > VMALLOC_MAX_CPUS)
		return vmsim_opt_error("--cpus", "must be 1..%d",
				       VMALLOC_MAX_CPUS);
	if (!va->nr_cpus_config || va->nr_cpus_config > (1ULL << 20))
		return vmsim_opt_error("--nr-cpus-config", "must be 1..%llu",
				       1ULL << 20);
	if (!vmap_strategy_find(va->strategy))
		return vmsim_opt_error("--strategy", "unknown strategy '%s' "
				       "(try vmsim vmalloc --list)",
				       va->strategy);
	va->gp.cpus = (unsigned)va->cpus;
	return 0;
}

/* One system: the booted kernel and the vmalloc system over it. */
struct va_run {
	const struct va_args *va;
	const struct vmalloc_ops *ops;
	struct ks_kernel *k;
	struct vmalloc *vm;
	struct vmalloc_run run;
	struct buddy_stats boot;    /* buddy statistics after the boot */
	size_t first, last;         /* the loop: the timed ops */
	uint64_t visits0;           /* node visits before the loop */
	uint64_t loop_visits;       /* node visits of the loop */
	struct reason r;
	int err;                    /* the failing step's errno */
	const char *what;           /* the option the failure is about */
	/* Kept from the last repetition. */
	struct vmalloc_counters c;
	struct vmalloc_cpu_counters *cpu;
	struct buddy_stats end;
};

static void release(struct va_run *x)
{
	vmalloc_run_fini(&x->run);
	vmalloc_destroy(x->vm);
	ks_shutdown(x->k);
	x->vm = NULL;
	x->k = NULL;
}

static int setup(void *ctx, unsigned rep)
{
	struct va_run *x = ctx;
	const struct va_args *va = x->va;
	struct ks_config kc;
	struct vmalloc_config vc = { 0 };
	const struct ks_layout *l;
	int err;

	(void)rep;
	ks_config_default(&kc);
	kc.arch = va->arch;
	if (va->ram) {
		kc.ram_bytes = va->ram;
	} else {
		/* The default, or all the geometry can address below it
		 * (x86-32: 4 GiB less the first MiB), in 2 MiB steps. */
		uint64_t top = 1ULL << pt_geometry_find(va->arch)->pa_bits;

		if (kc.ram_bytes > top - PT_MEM_BASE)
			kc.ram_bytes = (top - PT_MEM_BASE) & ~((2ULL << 20) - 1);
	}
	err = ks_boot(&x->k, &kc, &x->r);
	if (err) {
		/* The image and the orders follow from --arch and --ram. */
		x->what = !strcmp(x->r.what, "ram") ||
			  !strcmp(x->r.what, "image") ? "ram" : "arch";
		return x->err = err;
	}
	l = ks_layout_of(x->k);
	buddy_get_stats(ks_buddy(x->k), &x->boot);
	vc.strategy = va->strategy;
	vc.start = l->vmalloc_start;
	vc.end = l->vmalloc_end;
	vc.pt = ks_pt(x->k);
	vc.buddy = ks_buddy(x->k);
	vc.cpus = (unsigned)va->cpus;
	vc.tlb = va->tlb;
	vc.lazy_max_pages = va->lazy_max;
	vc.flush_ceiling = va->ceiling;
	vc.eager = va->eager;
	vc.node_pools = va->pools;
	vc.direct_map = l->page_offset;
	vc.direct_map_size = l->direct_max;
	vc.nr_cpus_config = va->nr_cpus_config;
	/* arm64: the kernel image lies at the start of the vmalloc range. */
	if (l->kernel_start >= l->vmalloc_start &&
	    l->kernel_start < l->vmalloc_end && !l->image_in_direct_map) {
		vc.reserved_start = l->kernel_start;
		vc.reserved_end = l->kernel_start + l->text_offset +
				  kc.image_bytes;
	}
	err = vmalloc_create(&x->vm, &vc, &x->r);
	if (!err)
		err = vmalloc_run_init(&x->run, x->ops);
	if (err) {
		x->what = x->r.what[0] ? x->r.what : "";
		release(x);
		return x->err = err;
	}
	/* The workload's set-up, untimed. */
	x->first = x->ops->setup;
	x->last = x->ops->n - x->ops->teardown;
	err = vmalloc_run_range(&x->run, x->vm, 0, x->first, &x->r);
	if (err) {
		x->what = "";
		release(x);
		return x->err = err;
	}
	{
		struct vmalloc_counters c;

		vmalloc_get_counters(x->vm, &c);
		x->visits0 = c.node_visits;
	}
	return 0;
}

static int run(void *ctx)
{
	struct va_run *x = ctx;
	int err = vmalloc_run_range(&x->run, x->vm, x->first, x->last,
				    &x->r);

	if (err) {
		x->what = "";
		x->err = err;
	}
	return err;
}

static void teardown(void *ctx, unsigned rep)
{
	struct va_run *x = ctx;

	(void)rep;
	if (x->vm && !x->err) {
		struct vmalloc_counters c;
		int err;

		vmalloc_get_counters(x->vm, &c);
		x->loop_visits = c.node_visits - x->visits0;
		/* The workload's clean-up, untimed. */
		err = vmalloc_run_range(&x->run, x->vm, x->last, x->ops->n,
					&x->r);
		if (err) {
			x->what = "";
			x->err = err;
		}
	}
	if (x->vm) {
		vmalloc_get_counters(x->vm, &x->c);
		for (unsigned i = 0; i < x->va->cpus; i++)
			vmalloc_get_cpu_counters(x->vm, i, &x->cpu[i]);
		buddy_get_stats(ks_buddy(x->k), &x->end);
	}
	release(x);
}

/* The leading columns of every row. */
static void lead(struct csv *c, const struct va_args *va, const char *name,
		 long cpu)
{
	csv_field_str(c, va->arch);
	csv_field_str(c, va->strategy);
	if (va->kernel)
		csv_field_str(c, va->kernel);
	else
		csv_field_na(c);
	csv_field_u64(c, va->cpus);
	csv_field_str(c, va->eager ? "eager" : "lazy");
	csv_field_str(c, va->workload);
	csv_field_str(c, name);
	if (cpu < 0)
		csv_field_na(c);
	else
		csv_field_u64(c, (uint64_t)cpu);
}

static void row_u64(struct csv *c, const struct va_args *va,
		    const char *name, long cpu, uint64_t v)
{
	lead(c, va, name, cpu);
	csv_field_u64(c, v);
	csv_end_row(c);
}

static void row_na(struct csv *c, const struct va_args *va,
		   const char *name)
{
	lead(c, va, name, -1);
	csv_field_na(c);
	csv_end_row(c);
}

static void row_double(struct csv *c, const struct va_args *va,
		       const char *name, double v)
{
	lead(c, va, name, -1);
	csv_field_double(c, v);
	csv_end_row(c);
}

static void print_csv(struct csv *f, const struct va_run *x,
		      const struct measure_summary *tm, size_t nops,
		      bool header)
{
	static const char *const columns[] = {
		"arch", "strategy", "kernel", "cpus", "mode", "workload",
		"counter", "cpu", "value",
	};
	const struct vmalloc_counters *c = &x->c;
	const struct va_args *va = x->va;
	const struct {
		const char *name;
		uint64_t v;
	} sys[] = {
		{ "vmallocs", c->vmallocs }, { "vfrees", c->vfrees },
		{ "kmallocs", c->kmallocs }, { "kfrees", c->kfrees },
		{ "failed", c->failed }, { "huge_areas", c->huge_areas },
		{ "huge_fallbacks", c->huge_fallbacks },
		{ "vpages_areas", c->vpages_areas },
		{ "live_areas", c->live_areas },
		{ "live_pages", c->live_pages },
		{ "pages_allocated", c->pages_allocated },
		{ "pages_freed", c->pages_freed },
		{ "bulk_calls", c->bulk_calls },
		{ "pte_writes", c->pte_writes },
		{ "pte_clears", c->pte_clears },
		{ "pmd_writes", c->pmd_writes },
		{ "pmd_clears", c->pmd_clears },
		{ "pte_pages_freed", c->pte_pages_freed },
		{ "lazy_areas", c->lazy_areas },
		{ "lazy_pages", c->lazy_pages },
		{ "lazy_max_pages", c->lazy_max_pages },
		{ "purges", c->purges },
		{ "purges_on_failure", c->purges_on_failure },
		{ "purged_areas", c->purged_areas },
		{ "max_areas_per_purge", c->max_areas_per_purge },
		{ "flushes", c->flushes },
		{ "flushes_ranged", c->flushes_ranged },
		{ "flushes_full", c->flushes_full },
		{ "flushes_table", c->flushes_table },
		{ "pages_flushed", c->pages_flushed },
		{ "invalidations", c->invalidations },
		{ "ipis", c->ipis },
		{ "tlb_entries_dropped", c->entries_dropped },
		{ "touches", c->touches },
		{ "tlb_misses", c->tlb_misses },
		{ "vm_map_rams", c->vm_map_rams },
		{ "vm_unmap_rams", c->vm_unmap_rams },
		{ "vblocks", c->vblocks },
		{ "vblocks_freed", c->vblocks_freed },
		{ "vblock_pages", c->vblock_pages },
		{ "vmap_nodes", c->vmap_nodes },
		{ "pool_hits", c->pool_hits },
		{ "pool_rotations", c->pool_rotations },
		{ "pool_adds", c->pool_adds },
		{ "pool_decays", c->pool_decays },
		{ "pooled_areas", c->pooled_areas },
	};
	char name[48];

	for (size_t i = 0; header && i < sizeof(columns) / sizeof(columns[0]);
	     i++)
		csv_field_str(f, columns[i]);
	if (header)
		csv_end_row(f);
	row_u64(f, va, "ops", -1, nops);
	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		row_u64(f, va, sys[i].name, -1, sys[i].v);
	/* Not a count: NA when no purge happened. */
	row_double(f, va, "areas_per_purge", c->purges ?
		   (double)c->purged_areas / (double)c->purges : NAN);
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++) {
		snprintf(name, sizeof(name), "pt_pages_level%u", l);
		row_u64(f, va, name, -1, c->pt_tables[l]);
	}
	/* Buddy blocks handed out by the run, per order (tables included). */
	for (unsigned o = 0; o <= x->end.max_order; o++) {
		snprintf(name, sizeof(name), "buddy_allocs_order%u", o);
		row_u64(f, va, name, -1, x->end.allocs[o] - x->boot.allocs[o]);
	}
	row_u64(f, va, "buddy_free_frames", -1, x->end.free_frames);
	for (unsigned i = 0; i < va->cpus; i++) {
		row_u64(f, va, "touches", i, x->cpu[i].touches);
		row_u64(f, va, "tlb_misses", i, x->cpu[i].tlb_misses);
		row_u64(f, va, "tlb_entries_dropped", i,
			x->cpu[i].entries_dropped);
		row_u64(f, va, "ipis_received", i, x->cpu[i].ipis);
	}
	/* Appended after the rows above, which keep their order. */
	row_u64(f, va, "node_visits", -1, c->node_visits);
	row_u64(f, va, "cont_areas", -1, c->cont_areas);
	row_u64(f, va, "cont_runs", -1, c->cont_runs);
	/* The loop's share (all ops but a set-up and clean-up): what
	 * --stats times. */
	if (va->replay) {
		row_na(f, va, "loop_ops");
		row_na(f, va, "loop_node_visits");
	} else {
		row_u64(f, va, "loop_ops", -1, x->last - x->first);
		row_u64(f, va, "loop_node_visits", -1, x->loop_visits);
	}
	row_u64(f, va, "stack_every", -1, va->gp.stack_every);
	if (tm) {
		struct vmsim_per_op per = vmsim_per_op(tm, x->last - x->first);

		row_double(f, va, "seconds", tm->median);
		row_double(f, va, "ns_per_op", per.median);
		row_double(f, va, "ns_per_op_min", per.min);
		row_double(f, va, "ns_per_op_max", per.max);
		row_u64(f, va, "repetitions", -1, tm->n);
	}
}

/* ---- --replay: an imported kernel capture on every model ---- */

/* What a replay of an imported capture found (vmsim import-kernel). */
struct replay_tally {
	uint64_t initial, initial_cpu_unknown, initial_outside;
	uint64_t allocs, predicted, annotated, alloc_failed, other_window;
	uint64_t hidden_node;    /* missed: the kernel reused an area of
				  * unknown node (a snapshot area) */
	uint64_t followed, follow_failed;   /* --follow */
	uint64_t frees, frees_skipped, lazy_checks, lazy_matched;
	uint64_t first_lazy_mismatch;   /* its line; 0: none */
	uint64_t purges;
};

/* An id whose area was not replayed (outside the range, failed). */
#define REPLAY_SKIP UINT64_MAX
/* The largest id --replay takes (ids index an array). */
#define REPLAY_MAX_ID (1ULL << 26)

/* One row of --layout-csv: the free space after op @n (0: the snapshot). */
static int layout_row(struct csv *f, const struct va_args *va,
		      const struct vmalloc *vm, uint64_t n, uint64_t line,
		      struct reason *r)
{
	uint64_t vm_start = va->gp.start;
	struct vmalloc_layout l;

	if (vmalloc_layout(vm, &l))
		return reason_fail(r, -ENOMEM, 0, "out of memory");
	csv_field_str(f, va->strategy);
	if (va->kernel)
		csv_field_str(f, va->kernel);
	else
		csv_field_na(f);
	csv_field_u64(f, n);
	if (line)
		csv_field_u64(f, line);
	else
		csv_field_na(f);
	csv_field_u64(f, l.free_blocks);
	csv_field_u64(f, l.free_bytes);
	csv_field_u64(f, l.largest_free);
	csv_field_u64(f, l.low_end - vm_start);
	csv_field_u64(f, l.low_free);
	csv_field_u64(f, l.low_largest);
	csv_field_double(f, l.low_free ? 1.0 - (double)l.low_largest /
			 (double)l.low_free : NAN);
	csv_end_row(f);
	return 0;
}

/* Whether @op sets up the snapshot's state (a fixed area or its free). */
static bool replay_initial(const struct wl_vmap_op *op)
{
	if (op->kind == WL_VMAP_ALLOC)
		return op->flags & WL_VMAP_HAS_WINDOW &&
		       !(op->flags & WL_VMAP_HAS_AT) &&
		       op->vend > op->vstart &&
		       op->vend - op->vstart == op->arg;
	return op->kind == WL_VMAP_FREE && !(op->flags & WL_VMAP_HAS_LAZY);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether @at is a snapshot area of unknown CPU not allocated since;
 * it is not one after this call. */
static bool replay_hidden(uint64_t *hidden, uint64_t nh, uint64_t at)
{
	uint64_t *h = nh ? bsearch(&at, hidden, nh, sizeof(*hidden),
				   u64_cmp) : NULL;

	if (!h)
		return false;
	*h |= 1;    /* no longer found; still in order (pages) */
	return true;
}

static int replay_loop(struct vmalloc *vm, const struct wl_vmap_trace *t,
		       const struct va_args *va, uint64_t *addr,
		       struct replay_tally *y, struct csv *lay,
		       uint64_t *hidden, uint64_t nh, struct reason *r);

static int replay_ops(struct vmalloc *vm, const struct wl_vmap_trace *t,
		      const struct va_args *va, uint64_t *addr,
		      struct replay_tally *y, struct csv *lay,
		      struct reason *r)
{
	uint64_t *hidden = NULL;  /* snapshot areas of unknown CPU, sorted */
	uint64_t nh = 0;
	int err;

	memset(y, 0, sizeof(*y));
	for (size_t i = 0; i < t->n; i++)
		nh += replay_initial(&t->ops[i]) &&
		      t->ops[i].kind == WL_VMAP_ALLOC &&
		      !(t->ops[i].flags & WL_VMAP_HAS_CPU);
	if (nh && !(hidden = malloc(nh * sizeof(*hidden))))
		return reason_fail(r, -ENOMEM, 0, "out of memory");
	nh = 0;
	for (size_t i = 0; i < t->n; i++)
		if (replay_initial(&t->ops[i]) &&
		    t->ops[i].kind == WL_VMAP_ALLOC &&
		    !(t->ops[i].flags & WL_VMAP_HAS_CPU))
			hidden[nh++] = t->ops[i].vstart;
	if (nh)
		qsort(hidden, nh, sizeof(*hidden), u64_cmp);
	err = replay_loop(vm, t, va, addr, y, lay, hidden, nh, r);
	free(hidden);
	return err;
}

/* The ops of replay_ops(); @hidden: sorted addresses of the snapshot's
 * areas of unknown CPU (an entry stops matching once the kernel
 * allocates there again). */
static int replay_loop(struct vmalloc *vm, const struct wl_vmap_trace *t,
		       const struct va_args *va, uint64_t *addr,
		       struct replay_tally *y, struct csv *lay,
		       uint64_t *hidden, uint64_t nh, struct reason *r)
{
	uint64_t page = va->gp.page_size, since = 0, prev = 0;
	struct vmalloc_counters c;
	bool started = false;
	int err;

	for (size_t i = 0; i < t->n; i++) {
		const struct wl_vmap_op *op = &t->ops[i];
		uint64_t *slot = &addr[op->id], got;
		int cpu = op->flags & WL_VMAP_HAS_CPU ? op->cpu : 0;

		/* The row of the previous op: its effect is in now. */
		if (lay && op->kind != WL_VMAP_LOOKUP) {
			if (started)
				err = layout_row(lay, va, vm, since, prev, r);
			else if (!replay_initial(op))
				err = layout_row(lay, va, vm, 0, 0, r);
			else
				err = 0;
			if (err)
				return err;
			if (started || !replay_initial(op)) {
				started = true;
				since++;
				prev = op->line;
			}
		}
		switch (op->kind) {
		case WL_VMAP_ALLOC:
			if (*slot)
				return reason_fail(r, -EINVAL, op->line, "alloc"
						   " of id %llu, which is live",
						   (unsigned long long)op->id);
			if (op->flags & WL_VMAP_HAS_WINDOW &&
			    !(op->flags & WL_VMAP_HAS_AT) &&
			    op->vend > op->vstart &&
			    op->vend - op->vstart == op->arg) {
				/* A fixed area: the state before the trace. */
				y->initial++;
				if (!(op->flags & WL_VMAP_HAS_CPU))
					y->initial_cpu_unknown++;
				err = vmalloc_reserve(vm, op->vstart, op->arg,
					op->flags & WL_VMAP_HAS_CPU ? cpu : -1);
				if (err == -EINVAL) {
					y->initial_outside++;
					*slot = REPLAY_SKIP;
					continue;
				}
				if (err)
					return reason_fail(r, err, op->line,
						"area %#llx+%#llx: %s",
						(unsigned long long)op->vstart,
						(unsigned long long)op->arg,
						err == -EBUSY ? "overlaps "
						"another" : strerror(-err));
				*slot = op->vstart;
				continue;
			}
			if (op->flags & WL_VMAP_HAS_WINDOW &&
			    (op->vstart != va->gp.start ||
			     op->vend != va->gp.end)) {
				y->other_window++;
				*slot = REPLAY_SKIP;
				continue;
			}
			if (!op->arg || op->arg % page)
				return reason_fail(r, -EINVAL, op->line, "size "
						   "%#llx: not a whole number of"
						   " pages",
						   (unsigned long long)op->arg);
			/* Every area is in the trace (a pages array too),
			 * its size with the guard: reserve, map nothing. */
			vmalloc_get_counters(vm, &c);
			err = vmalloc_alloc_area(vm, op->arg,
				op->flags & WL_VMAP_HAS_ALIGN ? op->align : page,
				(unsigned)cpu, &got);
			if (err == -ENOSPC || err == -ENOMEM) {
				y->alloc_failed++;
				*slot = REPLAY_SKIP;
				continue;
			}
			if (err)
				return reason_fail(r, err, op->line, "alloc of "
						   "id %llu: %s",
						   (unsigned long long)op->id,
						   strerror(-err));
			y->allocs++;
			*slot = got;
			if (!(op->flags & WL_VMAP_HAS_AT))
				break;
			y->annotated++;
			y->predicted += got == op->note;
			err = replay_hidden(hidden, nh, op->note);
			if (got != op->note && err)
				y->hidden_node++;
			if (got == op->note || !va->follow)
				break;
			{
				uint64_t hits = c.pool_hits;

				vmalloc_get_counters(vm, &c);
				err = vmalloc_area_move(vm, got, op->note,
							c.pool_hits > hits);
			}
			if (err == -ENOMEM)
				return reason_fail(r, err, op->line, "out of "
						   "memory");
			if (err) {
				y->follow_failed++;
				break;
			}
			y->followed++;
			*slot = op->note;
			break;
		case WL_VMAP_FREE:
			if (*slot == REPLAY_SKIP) {
				y->frees_skipped++;
				*slot = 0;
				continue;
			}
			if (!*slot)
				return reason_fail(r, -EINVAL, op->line, "free "
						   "of id %llu, which is not "
						   "live",
						   (unsigned long long)op->id);
			err = vmalloc_vfree(vm, *slot, (unsigned)cpu);
			if (err)
				return reason_fail(r, err, op->line, "free of "
						   "id %llu: %s",
						   (unsigned long long)op->id,
						   strerror(-err));
			*slot = 0;
			y->frees++;
			if (op->flags & WL_VMAP_HAS_LAZY) {
				vmalloc_get_counters(vm, &c);
				y->lazy_checks++;
				if (c.lazy_pages == op->note)
					y->lazy_matched++;
				else if (!y->first_lazy_mismatch)
					y->first_lazy_mismatch = op->line;
			}
			break;
		case WL_VMAP_PURGE:
			vmalloc_purge(vm);
			y->purges++;
			break;
		default:
			/* Lookups check a vmap replay; nothing to do here. */
			break;
		}
	}
	if (lay && started)
		return layout_row(lay, va, vm, since, prev, r);
	return 0;
}

static void replay_rows(struct csv *f, const struct va_args *va,
			const struct replay_tally *y)
{
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
		{ "replay_initial_areas", y->initial },
		{ "replay_initial_cpu_unknown", y->initial_cpu_unknown },
		{ "replay_initial_outside_range", y->initial_outside },
		{ "replay_allocs", y->allocs },
		{ "replay_allocs_annotated", y->annotated },
		{ "replay_predicted", y->predicted },
		{ "replay_missed_hidden_node", y->hidden_node },
		{ "replay_alloc_failed", y->alloc_failed },
		{ "replay_other_window", y->other_window },
		{ "replay_frees", y->frees },
		{ "replay_frees_skipped", y->frees_skipped },
		{ "replay_purges", y->purges },
		{ "replay_lazy_checks", y->lazy_checks },
		{ "replay_lazy_matched", y->lazy_matched },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		row_u64(f, va, rows[i].name, -1, rows[i].v);
	if (va->follow) {
		row_u64(f, va, "replay_followed", -1, y->followed);
		row_u64(f, va, "replay_follow_failed", -1, y->follow_failed);
	}
	row_double(f, va, "replay_predicted_pct", y->annotated ?
		   100.0 * (double)y->predicted / (double)y->annotated : NAN);
	if (y->first_lazy_mismatch) {
		row_u64(f, va, "replay_first_lazy_mismatch_line", -1,
			y->first_lazy_mismatch);
	} else {
		row_na(f, va, "replay_first_lazy_mismatch_line");
	}
}

/* Read the op trace @path whole. */
static int replay_read(const char *path, struct wl_vmap_trace *t)
{
	FILE *f = vmsim_open_input(path, path);
	struct reason err = { 0 };
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int ret;

	if (!f)
		return VMSIM_BAD_INPUT;
	do {
		if (len == cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!b) {
				free(buf);
				vmsim_close_input(f);
				fprintf(stderr, "%s: out of memory\n", path);
				return VMSIM_BAD_INPUT;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	ret = ferror(f);
	vmsim_close_input(f);
	if (ret) {
		free(buf);
		fprintf(stderr, "%s: read error\n", path);
		return VMSIM_BAD_INPUT;
	}
	ret = wl_vmap_parse(buf, len, t, &err);
	free(buf);
	if (ret)
		return vmsim_input_error(path, &err);
	for (size_t i = 0; i < t->n; i++)
		if (t->ops[i].kind != WL_VMAP_PURGE &&
		    t->ops[i].id >= REPLAY_MAX_ID) {
			err.line = t->ops[i].line;
			snprintf(err.msg, sizeof(err.msg), "id %llu: --replay "
				 "takes ids below %llu",
				 (unsigned long long)t->ops[i].id,
				 (unsigned long long)REPLAY_MAX_ID);
			return vmsim_input_error(path, &err);
		}
	return 0;
}

/*
 * --replay FILE: the op trace on every kernel model and every strategy
 * (or the one --kernel / --strategy names), purging where the trace
 * purges (the kernel purges from a workqueue, at the trace's 'p').
 */
static int replay_main(struct va_args *va)
{
	static const struct vmalloc_ops none = { 0 };
	struct wl_vmap_trace t = { 0 };
	struct replay_tally y;
	struct csv *csv = NULL, *lay = NULL;
	size_t nk, ns, nmodels = 0;
	const struct vmalloc_kernel *k = vmalloc_kernels(&nk);
	const struct vmap_strategy *s = vmap_strategies(&ns);
	uint64_t max_id = 0, *addr = NULL;
	unsigned cpus = 0;
	int ret = replay_read(va->replay, &t);

	if (ret)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		if (t.ops[i].kind != WL_VMAP_PURGE && t.ops[i].id > max_id)
			max_id = t.ops[i].id;
		if (t.ops[i].flags & WL_VMAP_HAS_CPU &&
		    t.ops[i].cpu + 1u > cpus)
			cpus = t.ops[i].cpu + 1u;
	}
	if (cpus > VMALLOC_MAX_CPUS) {
		fprintf(stderr, "%s: cpu=%u exceeds the model's %d CPUs\n",
			va->replay, cpus - 1, VMALLOC_MAX_CPUS);
		ret = VMSIM_BAD_INPUT;
		goto out;
	}
	if (va->cpus < cpus)
		va->cpus = cpus;
	if (!va->lazy_given)
		va->lazy_max = 1ULL << 40;   /* purges come from the trace */
	addr = calloc(max_id + 1, sizeof(*addr));
	if (!addr) {
		fprintf(stderr, "vmsim vmalloc: out of memory\n");
		ret = VMSIM_BAD_INPUT;
		goto out;
	}
	ret = vmsim_csv_open(&csv, va->out);
	if (ret)
		goto out;
	if (va->layout) {
		static const char *const head[] = {
			"strategy", "kernel", "op", "line", "free_blocks",
			"free_bytes", "largest_free", "low_span", "low_free",
			"low_largest", "fragmentation",
		};

		ret = vmsim_csv_open(&lay, va->layout);
		if (ret) {
			csv_abort(csv);
			csv = NULL;
			goto out;
		}
		for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
			csv_field_str(lay, head[i]);
		csv_end_row(lay);
	}
	for (size_t m = 0; m < nk + ns; m++) {
		struct va_args one = *va;
		struct va_run x = { 0 };

		if (m < nk) {
			if (va->strategy_given || (va->kernel &&
						   strcmp(va->kernel,
							  k[m].name)))
				continue;
			one.kernel = k[m].name;
			one.strategy = k[m].strategy;
			one.eager = k[m].eager;
			one.pools = k[m].node_pools;
		} else {
			if (va->kernel || (va->strategy_given &&
					   strcmp(va->strategy,
						  s[m - nk].name)))
				continue;
			one.kernel = NULL;
			one.strategy = s[m - nk].name;
		}
		x.va = &one;
		x.ops = &none;
		x.cpu = calloc(one.cpus, sizeof(*x.cpu));
		if (!x.cpu) {
			fprintf(stderr, "vmsim vmalloc: out of memory\n");
			ret = VMSIM_BAD_INPUT;
			break;
		}
		ret = setup(&x, 0);
		if (!ret) {
			memset(addr, 0, (max_id + 1) * sizeof(*addr));
			ret = replay_ops(x.vm, &t, &one, addr, &y, lay,
					 &x.r);
			teardown(&x, 0);
		}
		if (ret) {
			if (x.r.line)
				vmsim_input_error(va->replay, &x.r);
			else
				fprintf(stderr, "vmsim vmalloc: %s\n",
					x.r.msg);
			free(x.cpu);
			ret = VMSIM_BAD_INPUT;
			break;
		}
		print_csv(csv, &x, NULL, t.n, !nmodels++);
		replay_rows(csv, &one, &y);
		free(x.cpu);
	}
	if (ret) {
		csv_abort(csv);
		if (lay)
			csv_abort(lay);
	} else {
		ret = vmsim_csv_close(csv, va->out);
		if (lay) {
			int r2 = ret ? (csv_abort(lay), 0) :
				 vmsim_csv_close(lay, va->layout);

			ret = ret ? ret : r2;
		}
	}
out:
	free(addr);
	wl_vmap_trace_free(&t);
	return ret;
}

int vmsim_vmalloc_main(int argc, char **argv)
{
	static const struct measure_subject subject = { setup, run, teardown };
	struct va_args va;
	struct vmalloc_ops ops = { 0 };
	struct va_run x = { 0 };
	struct measure_summary tm;
	struct ks_layout layout;
	struct reason r = { 0 };
	struct csv *csv = NULL;
	double *sec = NULL;
	int ret = parse(argc, argv, &va);

	if (ret)
		return ret < 0 ? VMSIM_OK : ret;
	if (va.list) {
		list_all();
		return VMSIM_OK;
	}
	if (ks_layout_get(va.arch, false, 0, &layout, &r))
		return vmsim_opt_error("--arch", "%s (try vmsim vmalloc "
				       "--list)", r.msg);
	if (va.tlb) {
		struct tlb_config tc;

		if (tlb_config_parse(va.tlb, &tc, &r))
			return vmsim_opt_error("--tlb", "%s", r.msg);
	}
	va.gp.start = layout.vmalloc_start;
	va.gp.end = layout.vmalloc_end;
	va.gp.page_size = 1ULL << pt_geometry_find(va.arch)->page_shift;
	if (va.replay)
		return replay_main(&va);
	if (vmalloc_gen(va.workload, &va.gp, &ops, &r)) {
		static const struct { const char *field, *opt; } map[] = {
			{ "name", "--workload" }, { "loops", "--loops" },
			{ "pages", "--pages" }, { "cpus", "--cpus" },
		};
		const char *opt = "--workload";

		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (!strcmp(r.what, map[i].field))
				opt = map[i].opt;
		vmalloc_ops_free(&ops);
		return vmsim_opt_error(opt, "%s", r.msg);
	}
	x.va = &va;
	x.ops = &ops;
	x.cpu = calloc(va.cpus, sizeof(*x.cpu));
	sec = calloc(va.reps, sizeof(*sec));
	if (!x.cpu || !sec) {
		fprintf(stderr, "vmsim vmalloc: out of memory\n");
		ret = VMSIM_BAD_INPUT;
		goto out;
	}
	/* The output is opened before any work. */
	ret = vmsim_csv_open(&csv, va.out);
	if (ret)
		goto out;
	ret = measure_repeat(&subject, &x, va.reps, sec);
	if (!ret && x.err)
		ret = x.err;    /* a clean-up that failed */
	if (ret) {
		if (x.what && x.what[0])
			fprintf(stderr, "--%s: %s\n",
				!strcmp(x.what, "name") ? "workload" : x.what,
				x.r.msg);
		else
			fprintf(stderr, "vmsim vmalloc: %s\n", x.r.msg);
		csv_abort(csv);
		ret = VMSIM_BAD_INPUT;
		goto out;
	}
	measure_summarize(sec, va.reps, &tm);
	print_csv(csv, &x, va.stats ? &tm : NULL, ops.n, true);
	ret = vmsim_csv_close(csv, va.out);
out:
	free(sec);
	free(x.cpu);
	vmalloc_ops_free(&ops);
	return ret;
}
