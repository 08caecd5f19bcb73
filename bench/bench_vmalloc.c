/* SPDX-License-Identifier: MIT */
/*
 * The vmalloc benchmarks: one op is a vmalloc + vfree pair on the whole
 * system of vmalloc.h (x86-64 4-level kernel booted by kspace over 1 GiB
 * of simulated RAM, one CPU with the skylake TLB), for every vmap
 * strategy of the registry.
 *
 * Families (bench.h names: family/strategy/workload/arch/pages:P/...):
 *   vmalloc/S/vmalloc+vfree          P = 1, 4, 64, 512 pages; eager:0 is
 *                                    lazy freeing (purges every
 *                                    lazy_max_pages), eager:1 a flush per
 *                                    free
 *   vmalloc/S/vmalloc+touch+vfree    the same, lazy, every page written
 *                                    through the TLB before the free
 *   vmalloc/S/vmalloc_huge+vfree     P = 512 (2 MiB): one PMD leaf;
 *                                    touch:0/1
 *   vmalloc/S/kernel-K               each kernel model of
 *                                    vmalloc_kernels() (S its strategy):
 *                                    vmalloc+vfree of P pages on 2 CPUs
 *                                    in turn (6.9: two vmap nodes)
 *
 * Set-up (untimed, every run() call): boot, create the system, then a
 * counted pass of ops whose counters become the sim_* columns, per op
 * (flushes, purges, pte_writes, tlb_misses, pt_pages: page-table pages
 * the pass left allocated).  They are exact and deterministic: the pass
 * has a fixed length, whatever the timer chooses.  The timed loop then
 * repeats the op on the same system.
 *
 * The table is filled from vmap_strategies() before main() (a
 * constructor), so a new strategy is benchmarked without editing this
 * file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <vmbench/bench.h>
#include <vmbench/kspace.h>
#include <vmbench/reason.h>
#include <vmbench/vmalloc.h>
#include <vmbench/vmap.h>

#include "list.h"

#define VMB_ARCH "x86-64-4l"
#define VMB_RAM (1ULL << 30)
#define VMB_MAX_STRATEGIES 16
/* Pages allocated by the counted pass (at least 64 ops). */
#define VMB_PASS_PAGES 65536

enum vmb_kind { VMB_PAIR, VMB_TOUCH, VMB_HUGE, VMB_NKINDS };

static const char *const vmb_names[VMB_NKINDS] = {
	"vmalloc+vfree", "vmalloc+touch+vfree", "vmalloc_huge+vfree",
};

/* The kernel models: vmalloc+vfree on 2 CPUs (so 6.9 has two vmap
 * nodes), the pairs alternating between them. */
#define VMB_MAX_KERNELS 8
static char vmb_kernel_names[VMB_MAX_KERNELS][32];

struct vmb_ctx {
	struct ks_kernel *k;
	struct vmalloc *vm;
};

static void vmb_free(struct vmb_ctx *c)
{
	vmalloc_destroy(c->vm);
	ks_shutdown(c->k);
	c->vm = NULL;
	c->k = NULL;
}

/*
 * Boot the x86-64 kernel model over VMB_RAM and create the vmalloc system
 * of @vc over its vmalloc range, page table and buddy allocator.  0, or
 * -1 after reporting the error to @st (nothing left allocated).
 */
static int vmb_boot(struct bench_state *st, struct vmb_ctx *c,
		    struct vmalloc_config *vc)
{
	const struct ks_layout *l;
	struct ks_config kc;

	ks_config_default(&kc);
	kc.arch = VMB_ARCH;
	kc.ram_bytes = VMB_RAM;
	if (ks_boot(&c->k, &kc, NULL)) {
		bench_error(st, "cannot boot the kernel model");
		return -1;
	}
	l = ks_layout_of(c->k);
	vc->start = l->vmalloc_start;
	vc->end = l->vmalloc_end;
	vc->pt = ks_pt(c->k);
	vc->buddy = ks_buddy(c->k);
	vc->direct_map = l->page_offset;
	if (vmalloc_create(&c->vm, vc, NULL)) {
		vmb_free(c);
		bench_error(st, "cannot create the vmalloc system");
		return -1;
	}
	return 0;
}

/* One op: vmalloc, optionally touch, vfree.  0 or a negative errno. */
static inline int vmb_op(struct vmalloc *vm, uint64_t bytes, unsigned flags,
			 bool touch)
{
	uint64_t addr;
	int err = vmalloc_node_range(vm, bytes, 1, flags, 0, 0, &addr);

	if (!err && touch)
		err = vmalloc_touch(vm, addr, bytes, 0);
	if (!err)
		err = vmalloc_vfree(vm, addr, 0);
	return err;
}

/* One op on CPU @cpu. */
static inline int vmb_op_on(struct vmalloc *vm, uint64_t bytes,
			    unsigned cpu)
{
	uint64_t addr;
	int err = vmalloc_node_range(vm, bytes, 1, 0, cpu, 0, &addr);

	if (!err)
		err = vmalloc_vfree(vm, addr, cpu);
	return err;
}

/* A kernel model: its strategy, freeing and pools, 2 CPUs. */
static void vmb_run_kernel(struct bench_state *st)
{
	const struct vmalloc_kernel *k = bench_data(st);
	uint64_t bytes = (uint64_t)bench_arg(st, 0) * VMAP_DEFAULT_PAGE;
	struct vmalloc_config vc = { .strategy = k->strategy, .cpus = 2,
				     .eager = k->eager,
				     .node_pools = k->node_pools };
	struct vmalloc_counters a, b;
	struct vmb_ctx c = { 0 };
	uint64_t pass, i = 0;
	int err = 0;

	if (vmb_boot(st, &c, &vc))
		return;
	pass = VMB_PASS_PAGES / (bytes / VMAP_DEFAULT_PAGE);
	if (pass < 64)
		pass = 64;
	vmalloc_get_counters(c.vm, &a);
	for (uint64_t j = 0; j < pass && !err; j++)
		err = vmb_op_on(c.vm, bytes, (unsigned)(j & 1));
	vmalloc_get_counters(c.vm, &b);
	BENCH_LOOP(st) {
		err |= vmb_op_on(c.vm, bytes, (unsigned)(i++ & 1));
	}
	if (err)
		bench_error(st, "vmalloc failed");
	bench_counter(st, "sim_flushes", (double)(b.flushes - a.flushes) /
		      (double)pass, 0);
	bench_counter(st, "sim_pool_hits", (double)(b.pool_hits -
		      a.pool_hits) / (double)pass, 0);
	vmb_free(&c);
}

static void vmb_run(struct bench_state *st)
{
	const struct bench_def *d = st->def;
	enum vmb_kind kind = (enum vmb_kind)(intptr_t)bench_data(st);
	uint64_t pages = (uint64_t)bench_arg(st, 0);
	bool eager = kind == VMB_PAIR && bench_arg(st, 1);
	bool touch = kind == VMB_TOUCH || (kind == VMB_HUGE &&
					   bench_arg(st, 1));
	unsigned flags = kind == VMB_HUGE ? VMALLOC_ALLOW_HUGE : 0;
	uint64_t bytes = pages * VMAP_DEFAULT_PAGE, pass;
	struct vmalloc_config vc = { .strategy = d->strategy, .cpus = 1,
				     .eager = eager };
	struct vmalloc_counters a, b;
	struct vmb_ctx c = { 0 };
	int err = 0;

	if (vmb_boot(st, &c, &vc))
		return;
	pass = VMB_PASS_PAGES / pages < 64 ? 64 : VMB_PASS_PAGES / pages;
	vmalloc_get_counters(c.vm, &a);
	for (uint64_t i = 0; i < pass && !err; i++)
		err = vmb_op(c.vm, bytes, flags, touch);
	vmalloc_get_counters(c.vm, &b);
	if (err) {
		vmb_free(&c);
		bench_error(st, "vmalloc failed in the counted pass");
		return;
	}
	BENCH_LOOP(st) {
		err |= vmb_op(c.vm, bytes, flags, touch);
	}
	if (err)
		bench_error(st, "vmalloc failed in the timed loop");
	bench_counter(st, "sim_flushes", (double)(b.flushes - a.flushes) /
		      (double)pass, 0);
	bench_counter(st, "sim_purges", (double)(b.purges - a.purges) /
		      (double)pass, 0);
	bench_counter(st, "sim_pte_writes", (double)(b.pte_writes +
		      b.pmd_writes - a.pte_writes - a.pmd_writes) /
		      (double)pass, 0);
	bench_counter(st, "sim_tlb_misses", (double)(b.tlb_misses -
		      a.tlb_misses) / (double)pass, 0);
	bench_counter(st, "sim_pt_pages", (double)(b.pt_tables[0] +
		      b.pt_tables[1] - a.pt_tables[0] - a.pt_tables[1]), 0);
	vmb_free(&c);
}

#define VMB_MAX_DEFS (VMB_MAX_STRATEGIES * VMB_NKINDS + VMB_MAX_KERNELS + 1)

/* Sweep values at file scope: the table outlives the constructor. */
static const int64_t vmb_pages[] = { 1, 4, 64, 512 };
static const int64_t vmb_huge_pages[] = { 512 };
static const int64_t vmb_bool[] = { 0, 1 };

#define VMB_SWEEP(nm, arr) { .name = (nm), .kind = BENCH_SWEEP_LIST, \
			     .values = (arr), \
			     .n_values = sizeof(arr) / sizeof((arr)[0]) }

struct bench_def bench_vmalloc_defs[VMB_MAX_DEFS];

__attribute__((constructor)) static void vmb_register(void)
{
	size_t count, d = 0;
	const struct vmap_strategy *s = vmap_strategies(&count);

	if (count > VMB_MAX_STRATEGIES) {
		fprintf(stderr, "vmbench: only the first %d vmap strategies "
			"have vmalloc benchmarks (VMB_MAX_STRATEGIES)\n",
			VMB_MAX_STRATEGIES);
		count = VMB_MAX_STRATEGIES;
	}
	for (size_t i = 0; i < count; i++) {
		bench_vmalloc_defs[d++] = (struct bench_def){
			.family = "vmalloc", .strategy = s[i].name,
			.workload = vmb_names[VMB_PAIR], .arch = VMB_ARCH,
			.run = vmb_run, .data = (const void *)VMB_PAIR,
			.args = { VMB_SWEEP("pages", vmb_pages),
				  VMB_SWEEP("eager", vmb_bool) },
		};
		bench_vmalloc_defs[d++] = (struct bench_def){
			.family = "vmalloc", .strategy = s[i].name,
			.workload = vmb_names[VMB_TOUCH], .arch = VMB_ARCH,
			.run = vmb_run, .data = (const void *)VMB_TOUCH,
			.args = { VMB_SWEEP("pages", vmb_pages) },
		};
		bench_vmalloc_defs[d++] = (struct bench_def){
			.family = "vmalloc", .strategy = s[i].name,
			.workload = vmb_names[VMB_HUGE], .arch = VMB_ARCH,
			.run = vmb_run, .data = (const void *)VMB_HUGE,
			.args = { VMB_SWEEP("pages", vmb_huge_pages),
				  VMB_SWEEP("touch", vmb_bool) },
		};
	}
	{
		size_t nk;
		const struct vmalloc_kernel *k = vmalloc_kernels(&nk);

		for (size_t i = 0; i < nk && i < VMB_MAX_KERNELS; i++) {
			snprintf(vmb_kernel_names[i],
				 sizeof(vmb_kernel_names[i]), "kernel-%s",
				 k[i].name);
			bench_vmalloc_defs[d++] = (struct bench_def){
				.family = "vmalloc", .strategy = k[i].strategy,
				.workload = vmb_kernel_names[i],
				.arch = VMB_ARCH, .run = vmb_run_kernel,
				.data = &k[i],
				.args = { VMB_SWEEP("pages", vmb_pages) },
			};
		}
	}
	bench_vmalloc_defs[d] = (struct bench_def)BENCH_END;
}
