/* SPDX-License-Identifier: MIT */
/*
 * vmsim proc: a fork-heavy server on the kernel models of proc.h.
 * Processes are forked over time (the oldest exits once --live are
 * running) on --cpus CPUs while vmalloc'd areas are made; after every
 * event --touches random (process, CPU, area page) writes follow.  Each
 * model boots its kernel (kspace.h), runs a vmalloc system (vmalloc.h,
 * augrb) whose CPUs' TLBs the processes share, and reports vmalloc
 * faults, synced entries and context-switch figures as tidy CSV.
 * Seeded: the same options give the same counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/csv.h>
#include <vmbench/kspace.h>
#include <vmbench/mmu.h>
#include <vmbench/pgtable.h>
#include <vmbench/proc.h>
#include <vmbench/reason.h>
#include <vmbench/rng.h>
#include <vmbench/vmalloc.h>

#include "vmsim.h"

static const char *const sync_names[] = { "fault", "eager", "never" };
static const char *const asid_names[] = { "none", "pcid", "asid" };

static void proc_usage(FILE *f)
{
	size_t n;
	const struct proc_model *m = proc_models(&n);

	fprintf(f,
"usage: vmsim proc [--model NAME|all] [--procs N] [--live N] [--cpus N]\n"
"                  [--areas N] [--pages N] [--touches N] [--seed N]\n"
"                  [--per-process] [-o FILE]\n"
"       vmsim proc --list\n"
"\n"
"A fork-heavy server: --procs processes are forked over time (the oldest\n"
"exits while more than --live run) on --cpus CPUs, while --areas areas of\n"
"--pages pages are vmalloc'd, fork and vmalloc events in a seeded random\n"
"order; after each event --touches writes by a random running process\n"
"on a random CPU to a random page of a random area.  Per model: vmalloc\n"
"faults, entries synced by faults and at map time, context switches and\n"
"the TLB flushes they made, as CSV.\n"
"\n"
"  --model NAME     a model or all (default)\n"
"  --procs N        processes forked, default 256\n"
"  --live N         processes running at most, default 32\n"
"  --cpus N         CPUs, 1..64, default 4\n"
"  --areas N        vmalloc'd areas, default 256\n"
"  --pages N        pages per area, 1..4096, default 16\n"
"  --touches N      writes after each event, default 8\n"
"  --seed N         default 1\n"
"  --per-process    one row per process (model, pid, touches, faults,\n"
"                   entries synced) instead of one per model\n"
"  -o FILE          write the CSV there, atomically\n"
"  --list           the models\n"
"\n"
"models:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-18s %s (kernel %s)\n", m[i].name, m[i].summary,
			m[i].kernel);
}

struct proc_args {
	const char *model, *out;
	bool list, per_process;
	uint64_t procs, live, cpus, areas, pages, touches, seed;
};

static const struct vmsim_u64_opt u64_opts[] = {
	{ "--procs", offsetof(struct proc_args, procs) },
	{ "--live", offsetof(struct proc_args, live) },
	{ "--cpus", offsetof(struct proc_args, cpus) },
	{ "--areas", offsetof(struct proc_args, areas) },
	{ "--pages", offsetof(struct proc_args, pages) },
	{ "--touches", offsetof(struct proc_args, touches) },
	{ "--seed", offsetof(struct proc_args, seed) },
};

static int parse_args(int argc, char **argv, struct proc_args *pa)
{
	struct vmsim_args a;
	struct vmsim_opt o;

	memset(pa, 0, sizeof(*pa));
	pa->model = "all";
	pa->procs = 256;
	pa->live = 32;
	pa->cpus = 4;
	pa->areas = 256;
	pa->pages = 16;
	pa->touches = 8;
	pa->seed = 1;
	vmsim_args_init(&a, argc, argv);
	while (vmsim_args_next(&a, &o)) {
		int got;

		if (!o.name)
			return vmsim_opt_error(o.value, "unexpected argument "
					       "(try vmsim proc --help)");
		if (!strcmp(o.name, "--help") || !strcmp(o.name, "-h")) {
			proc_usage(stdout);
			return -1;
		}
		if (!strcmp(o.name, "--list")) {
			pa->list = true;
		} else if (!strcmp(o.name, "--per-process")) {
			pa->per_process = true;
		} else if (!strcmp(o.name, "--model")) {
			if (!(pa->model = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
			continue;
		} else if (!strcmp(o.name, "-o") ||
			   !strcmp(o.name, "--output")) {
			if (!(pa->out = vmsim_value(&a, &o)))
				return VMSIM_BAD_INPUT;
			continue;
		} else if ((got = vmsim_u64_table(&a, &o, u64_opts,
				sizeof(u64_opts) / sizeof(u64_opts[0]),
				pa)) != 0) {
			if (got < 0)
				return VMSIM_BAD_INPUT;
			continue;
		} else {
			return vmsim_opt_error(o.name, "unknown option (try "
					       "vmsim proc --help)");
		}
		if (o.inline_val)
			return vmsim_opt_error(o.name, "takes no value");
	}
	if (strcmp(pa->model, "all") && !proc_model_find(pa->model))
		return vmsim_opt_error("--model", "unknown model '%s' (try "
				       "vmsim proc --list)", pa->model);
	if (pa->procs < 1 || pa->procs > PROC_MAX_PROCS)
		return vmsim_opt_error("--procs", "1 .. %u", PROC_MAX_PROCS);
	if (pa->live < 1 || pa->live > pa->procs)
		return vmsim_opt_error("--live", "1 .. --procs");
	if (pa->cpus < 1 || pa->cpus > 64)
		return vmsim_opt_error("--cpus", "1 .. 64");
	if (pa->areas < 1 || pa->areas > 100000)
		return vmsim_opt_error("--areas", "1 .. 100000");
	if (pa->pages < 1 || pa->pages > 4096)
		return vmsim_opt_error("--pages", "1 .. 4096");
	if (pa->touches > 1000)
		return vmsim_opt_error("--touches", "0 .. 1000");
	return 0;
}

struct run {
	struct ks_kernel *k;
	struct vmalloc *vm;
	struct proc_sys *ps;
	uint64_t *area;          /* addresses */
	unsigned *running;       /* pids, oldest first */
	struct proc_counters c;
	uint64_t failed;         /* vmallocs without room */
};

static void run_free(struct run *x)
{
	proc_sys_destroy(x->ps);
	vmalloc_destroy(x->vm);
	ks_shutdown(x->k);
	free(x->area);
	free(x->running);
}

/* 0, or 2 after printing why. */
static int run_model(const struct proc_model *m, const struct proc_args *pa,
		     struct run *x)
{
	struct ks_config kc;
	struct vmalloc_config vc = { 0 };
	struct proc_config pc = { 0 };
	struct tlb *tlbs[64];
	const struct ks_layout *l;
	struct reason r;
	struct rng rng;
	uint64_t forks = 0, made = 0, nrun = 0, page;
	int err;

	memset(x, 0, sizeof(*x));
	ks_config_default(&kc);
	kc.arch = m->geometry;
	kc.ram_bytes = 1ULL << 30;
	kc.no_prealloc = m->no_prealloc;
	x->area = calloc(pa->areas, sizeof(*x->area));
	x->running = calloc(pa->live, sizeof(*x->running));
	if (!x->area || !x->running) {
		fprintf(stderr, "vmsim proc: out of memory\n");
		return VMSIM_BAD_INPUT;
	}
	err = ks_boot(&x->k, &kc, &r);
	if (err)
		goto fail;
	l = ks_layout_of(x->k);
	vc.strategy = "augrb";
	vc.start = l->vmalloc_start;
	vc.end = l->vmalloc_end;
	vc.pt = ks_pt(x->k);
	vc.buddy = ks_buddy(x->k);
	vc.cpus = (unsigned)pa->cpus;
	vc.direct_map = l->page_offset;
	vc.direct_map_size = l->direct_max;
	if (l->kernel_start >= l->vmalloc_start &&
	    l->kernel_start < l->vmalloc_end && !l->image_in_direct_map) {
		vc.reserved_start = l->kernel_start;
		vc.reserved_end = l->kernel_start + l->text_offset +
				  kc.image_bytes;
	}
	err = vmalloc_create(&x->vm, &vc, &r);
	if (err)
		goto fail;
	for (unsigned i = 0; i < pa->cpus; i++)
		tlbs[i] = mmu_tlb(vmalloc_cpu_mmu(x->vm, i));
	pc.model = m;
	pc.k = x->k;
	pc.cpus = (unsigned)pa->cpus;
	pc.tlbs = tlbs;
	pc.max_procs = (unsigned)pa->procs;
	err = proc_sys_create(&x->ps, &pc, &r);
	if (err)
		goto fail;
	page = vmalloc_page_size(x->vm);
	rng_seed(&rng, pa->seed);
	while (forks < pa->procs || made < pa->areas) {
		uint64_t left = (pa->procs - forks) + (pa->areas - made);

		if (rng_below(&rng, left) < pa->procs - forks) {
			unsigned pid;

			if (nrun == pa->live) {
				err = proc_exit(x->ps, x->running[0]);
				if (err)
					goto fail;
				memmove(x->running, x->running + 1,
					(nrun - 1) * sizeof(*x->running));
				nrun--;
			}
			err = proc_fork(x->ps, &pid);
			if (err)
				goto fail;
			x->running[nrun++] = pid;
			forks++;
		} else {
			uint64_t va, sz = pa->pages * page;

			err = vmalloc_vmalloc(x->vm, sz, (unsigned)
					      rng_below(&rng, pa->cpus), &va);
			if (err == -ENOSPC || err == -ENOMEM) {
				x->failed++;
				made++;
				continue;
			}
			if (err)
				goto fail;
			int64_t s = proc_kernel_mapped(x->ps, va, va + sz);

			if (s < 0) {
				err = (int)s;
				goto fail;
			}
			x->area[made++] = va;
		}
		for (uint64_t t = 0; t < pa->touches; t++) {
			uint64_t a, pid, cpu, pg;

			/* Drawn every time, so a model's draws do not
			 * depend on what it has. */
			pid = rng_below(&rng, pa->live);
			cpu = rng_below(&rng, pa->cpus);
			a = rng_below(&rng, pa->areas);
			pg = rng_below(&rng, pa->pages);
			if (!nrun || a >= made || !x->area[a])
				continue;
			err = proc_touch(x->ps, x->running[pid % nrun],
					 (unsigned)cpu, x->area[a] + pg * page,
					 1);
			if (err)
				goto fail;
		}
	}
	proc_get_counters(x->ps, &x->c);
	return 0;
fail:
	fprintf(stderr, "vmsim proc: %s: %s\n", m->name,
		r.msg[0] ? r.msg : strerror(-err));
	return VMSIM_BAD_INPUT;
}

static const char *const header[] = {
	"model", "geometry", "kernel", "sync", "asid", "procs", "live",
	"cpus", "areas", "pages", "touches_per_event", "seed", "forks",
	"exits", "touches", "vmalloc_faults", "synced_fault", "synced_eager",
	"copied_at_fork", "own_pmd_pages", "switches", "switch_flushes",
	"asid_flushes", "tlb_misses", "vmalloc_failed",
};

int vmsim_proc_main(int argc, char **argv)
{
	struct proc_args pa;
	const struct proc_model *models;
	struct csv *c;
	size_t n;
	int ret = parse_args(argc, argv, &pa);

	if (ret)
		return ret < 0 ? VMSIM_OK : ret;
	models = proc_models(&n);
	if (pa.list) {
		for (size_t i = 0; i < n; i++)
			printf("%s\t%s\t%s\t%s\n", models[i].name,
			       models[i].geometry, models[i].kernel,
			       models[i].summary);
		return VMSIM_OK;
	}
	ret = vmsim_csv_open(&c, pa.out);
	if (ret)
		return ret;
	if (pa.per_process) {
		static const char *const h[] = { "model", "pid", "touches",
			"vmalloc_faults", "synced" };

		for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
			csv_field_str(c, h[i]);
	} else {
		for (size_t i = 0; i < sizeof(header) / sizeof(header[0]); i++)
			csv_field_str(c, header[i]);
	}
	csv_end_row(c);
	for (size_t i = 0; i < n; i++) {
		const struct proc_model *m = &models[i];
		struct run x;

		if (strcmp(pa.model, "all") && strcmp(pa.model, m->name))
			continue;
		ret = run_model(m, &pa, &x);
		if (ret) {
			run_free(&x);
			csv_abort(c);
			return ret;
		}
		if (pa.per_process) {
			for (unsigned pid = 0; pid < x.c.forks; pid++) {
				struct proc_counters_one one;

				proc_get_counters_one(x.ps, pid, &one);
				csv_field_str(c, m->name);
				csv_field_u64(c, pid);
				csv_field_u64(c, one.touches);
				csv_field_u64(c, one.vmalloc_faults);
				csv_field_u64(c, one.synced);
				csv_end_row(c);
			}
			run_free(&x);
			continue;
		}
		csv_field_str(c, m->name);
		csv_field_str(c, m->geometry);
		csv_field_str(c, m->kernel);
		csv_field_str(c, sync_names[m->sync]);
		csv_field_str(c, asid_names[m->asid]);
		csv_field_u64(c, pa.procs);
		csv_field_u64(c, pa.live);
		csv_field_u64(c, pa.cpus);
		csv_field_u64(c, pa.areas);
		csv_field_u64(c, pa.pages);
		csv_field_u64(c, pa.touches);
		csv_field_u64(c, pa.seed);
		csv_field_u64(c, x.c.forks);
		csv_field_u64(c, x.c.exits);
		csv_field_u64(c, x.c.touches);
		csv_field_u64(c, x.c.vmalloc_faults);
		csv_field_u64(c, x.c.synced_fault);
		csv_field_u64(c, x.c.synced_eager);
		csv_field_u64(c, x.c.copied_at_fork);
		csv_field_u64(c, x.c.own_pmd_pages);
		csv_field_u64(c, x.c.switches);
		csv_field_u64(c, x.c.switch_flushes);
		csv_field_u64(c, x.c.asid_flushes);
		csv_field_u64(c, x.c.tlb_misses);
		csv_field_u64(c, x.failed);
		csv_end_row(c);
		run_free(&x);
	}
	return vmsim_csv_close(c, pa.out);
}
