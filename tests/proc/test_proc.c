/* SPDX-License-Identifier: MIT */
/*
 * Processes over the kernel half: vmalloc faults and synced entries of
 * every model against closed forms.
 *
 * The scene: P processes are forked, then the kernel maps one page in a
 * copy-level slot of the vmalloc range that had no entry (a new PGD slot
 * on x86-32 / x86-64 before 5.9, a new PMD slot on PAE/PTI).  Process i
 * touches it on CPU i (its own TLB, so no CPU has the translation cached):
 *   FAULT  P faults, P entries synced; touched again: no more;
 *   EAGER  proc_kernel_mapped() syncs P entries, 0 faults;
 *   NEVER  no slot ever lacks an entry: 0 and 0.
 * A process forked after the mapping copies the entry at fork: 0 faults.
 * A process that runs on a CPU whose TLB holds the global translation
 * takes no fault for that page, but does for another page of the slot.
 */
#include <errno.h>

#include <vmbench/kspace.h>
#include <vmbench/pgtable.h>
#include <vmbench/proc.h>
#include <vmbench/reason.h>

#include "../test.h"

#define P 5u

static struct ks_kernel *boot(const struct proc_model *m)
{
	struct ks_config kc;
	struct ks_kernel *k;
	struct reason r;

	ks_config_default(&kc);
	kc.arch = m->geometry;
	kc.ram_bytes = 1ULL << 30;
	kc.no_prealloc = m->no_prealloc;
	if (ks_boot(&k, &kc, &r))
		TEST_FAIL("%s: boot: %s", m->name, r.msg);
	return k;
}

/*
 * A page-aligned vmalloc address whose copy-level entry the kernel lacks,
 * or (NEVER models, where there is none) just an unmapped page.
 */
static uint64_t pick(struct ks_kernel *k, const struct proc_model *m)
{
	const struct ks_layout *l = ks_layout_of(k);
	const struct pt_geometry *g = pt_geometry_of(ks_pt(k));
	uint64_t step = pt_level_size(g, m->copy_level);
	struct pt_walk w;

	for (uint64_t va = (l->vmalloc_start + step - 1) & ~(step - 1);
	     va + step <= l->vmalloc_end; va += step) {
		pt_walk(ks_pt(k), va, &w);
		if (w.fault == PT_FAULT_NOT_PRESENT && w.level >= m->copy_level)
			return va + 3 * pt_level_size(g, 0);
	}
	ASSERT_EQ(m->sync, PROC_SYNC_NEVER);
	for (uint64_t va = (l->vmalloc_start + (1ULL << 21)) & ~((1ULL << 21) - 1);
	     va < l->vmalloc_end; va += 1ULL << 21) {
		pt_walk(ks_pt(k), va, &w);
		if (w.fault == PT_FAULT_NOT_PRESENT)
			return va;
	}
	TEST_FAIL("%s: no unmapped page in the vmalloc range", m->name);
}

static void scene(const struct proc_model *m)
{
	struct ks_kernel *k = boot(m);
	struct proc_config cfg = { .model = m, .k = k, .cpus = P + 1,
				   .max_procs = 2 * P + 2 };
	struct proc_sys *ps;
	struct proc_counters c;
	struct proc_counters_one one;
	struct reason r;
	unsigned pid, late;
	uint64_t page = 4096, va;
	bool fault = m->sync == PROC_SYNC_FAULT;

	ASSERT_OK(proc_sys_create(&ps, &cfg, &r));
	for (unsigned i = 0; i < P; i++) {
		ASSERT_OK(proc_fork(ps, &pid));
		ASSERT_EQ(pid, i);
	}
	va = pick(k, m);
	/* Before the mapping a touch is a plain fault, never "synced". */
	ASSERT_EQ(proc_touch(ps, 0, 0, va, 1), -EFAULT);
	ASSERT_OK(pt_map(ks_pt(k), va, PT_MEM_BASE, page,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0));
	ASSERT_OK(pt_map(ks_pt(k), va + page, PT_MEM_BASE, page,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0));
	ASSERT_EQ(proc_kernel_mapped(ps, va, va + 2 * page),
		  m->sync == PROC_SYNC_EAGER ? P : 0);
	for (unsigned i = 0; i < P; i++)
		ASSERT_OK(proc_touch(ps, i, i, va, 1));
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.vmalloc_faults, fault ? P : 0);
	ASSERT_EQ(c.synced_fault, fault ? P : 0);
	ASSERT_EQ(c.synced_eager, m->sync == PROC_SYNC_EAGER ? P : 0);
	for (unsigned i = 0; i < P; i++) {
		ASSERT_OK(proc_get_counters_one(ps, i, &one));
		ASSERT_EQ(one.vmalloc_faults, fault ? 1 : 0);
		ASSERT_EQ(one.synced, m->sync == PROC_SYNC_NEVER ? 0 : 1);
	}
	/* Again, from other CPUs: the entry is there now. */
	for (unsigned i = 0; i < P; i++)
		ASSERT_OK(proc_touch(ps, i, (i + 1) % P, va, 2 * page));
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.vmalloc_faults, fault ? P : 0);
	/* Forked after the mapping: copied at fork. */
	ASSERT_OK(proc_fork(ps, &late));
	ASSERT_OK(proc_touch(ps, late, P, va, 2 * page));
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.vmalloc_faults, fault ? P : 0);
	ASSERT_EQ(c.forks, P + 1);

	/* The TLB answers before the table: a process whose table lacks the
	 * entry does not fault on a page the CPU has cached (global), but
	 * does on another page of the slot. */
	{
		uint64_t va2 = va + 8 * page;
		unsigned a, b;

		ASSERT_OK(proc_fork(ps, &a));
		ASSERT_OK(pt_map(ks_pt(k), va2, PT_MEM_BASE, page,
				 PT_PROT_READ | PT_PROT_WRITE |
				 PT_PROT_GLOBAL, 0));
		/* No new slot: nothing to sync, on any model. */
		ASSERT_EQ(proc_kernel_mapped(ps, va2, va2 + page), 0);
		ASSERT_OK(proc_touch(ps, a, 0, va2, 1));
		ASSERT_OK(proc_fork(ps, &b));
		(void)b;
	}
	/* Exits: counters and errors. */
	ASSERT_OK(proc_exit(ps, 0));
	ASSERT_EQ(proc_exit(ps, 0), -ENOENT);
	ASSERT_EQ(proc_touch(ps, 0, 1, va, 1), -EINVAL);
	ASSERT_EQ(proc_touch(ps, 1, P + 1, va, 1), -EINVAL);
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.exits, 1);
	ASSERT_EQ(c.live, P + 2);
	proc_sys_destroy(ps);
	/* The kernel's tables are intact after every process went. */
	ASSERT_OK(pt_check(ks_pt(k), &r));
	ks_shutdown(k);
}

/* Cached global entry: no fault; another page of the slot: a fault. */
static void cached(void)
{
	const struct proc_model *m = proc_model_find("x86-32-4.19");
	struct ks_kernel *k = boot(m);
	struct proc_config cfg = { .model = m, .k = k, .cpus = 1,
				   .max_procs = 4 };
	struct proc_sys *ps;
	struct proc_counters c;
	unsigned a, b;
	uint64_t va = pick(k, m), page = 4096;

	ASSERT_OK(proc_sys_create(&ps, &cfg, NULL));
	ASSERT_OK(proc_fork(ps, &a));
	ASSERT_OK(proc_fork(ps, &b));
	ASSERT_OK(pt_map(ks_pt(k), va, PT_MEM_BASE, 2 * page,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0));
	ASSERT_OK(proc_touch(ps, a, 0, va, 1));
	ASSERT_OK(proc_touch(ps, b, 0, va, 1));     /* global TLB hit */
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.vmalloc_faults, 1);
	ASSERT_EQ(c.switches, 2);
	ASSERT_EQ(c.switch_flushes, 2);
	ASSERT_EQ(c.tlb_misses, 2);   /* a's faulting walk and its retry */
	ASSERT_OK(proc_touch(ps, b, 0, va + page, 1));
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.vmalloc_faults, 2);
	proc_sys_destroy(ps);
	ks_shutdown(k);
}

/* PCIDs: 6 per CPU; a 7th process on the CPU reuses the LRU one. */
static void pcids(void)
{
	const struct proc_model *m = proc_model_find("x86-64-6.12");
	struct ks_kernel *k = boot(m);
	struct proc_config cfg = { .model = m, .k = k, .cpus = 1,
				   .max_procs = 8 };
	struct proc_sys *ps;
	struct proc_counters c;
	uint64_t va = pick(k, m);
	unsigned pid;

	ASSERT_OK(pt_map(ks_pt(k), va, PT_MEM_BASE, 4096,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0));
	ASSERT_OK(proc_sys_create(&ps, &cfg, NULL));
	for (unsigned i = 0; i < 7; i++)
		ASSERT_OK(proc_fork(ps, &pid));
	for (unsigned round = 0; round < 2; round++)
		for (unsigned i = 0; i < 6; i++)
			ASSERT_OK(proc_touch(ps, i, 0, va, 1));
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.switches, 12);
	ASSERT_EQ(c.asid_flushes, 6);
	ASSERT_EQ(c.switch_flushes, 0);
	ASSERT_EQ(c.tlb_misses, 1);   /* the global entry serves all */
	ASSERT_OK(proc_touch(ps, 6, 0, va, 1));
	proc_get_counters(ps, &c);
	ASSERT_EQ(c.asid_flushes, 7);
	ASSERT_EQ(c.vmalloc_faults, 0);
	proc_sys_destroy(ps);
	ks_shutdown(k);
}

static void errors(void)
{
	const struct proc_model *m = proc_model_find("x86-64-6.12");
	struct ks_kernel *k = boot(proc_model_find("x86-32-4.19"));
	struct proc_config cfg = { .model = m, .k = k, .cpus = 1,
				   .max_procs = 1 };
	struct proc_sys *ps;
	struct reason r;
	unsigned pid;

	ASSERT_EQ(proc_sys_create(&ps, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "arch");
	cfg.model = proc_model_find("x86-32-6.12");
	cfg.cpus = 0;
	ASSERT_EQ(proc_sys_create(&ps, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "cpus");
	cfg.cpus = 1;
	cfg.max_procs = 0;
	ASSERT_EQ(proc_sys_create(&ps, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "procs");
	cfg.max_procs = 1;
	cfg.tlb_spec = "l1d:3x7:lru";
	ASSERT_EQ(proc_sys_create(&ps, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "tlb");
	cfg.tlb_spec = NULL;
	ASSERT_OK(proc_sys_create(&ps, &cfg, &r));
	ASSERT_OK(proc_fork(ps, &pid));
	ASSERT_EQ(proc_fork(ps, &pid), -ENOSPC);
	ASSERT_EQ(proc_touch(ps, 0, 0, 0x1000, 1), -EINVAL);   /* user half */
	proc_sys_destroy(ps);
	ASSERT(proc_model_find("nope") == NULL);
	ks_shutdown(k);
}

int main(void)
{
	size_t n;
	const struct proc_model *m = proc_models(&n);

	for (size_t i = 0; i < n; i++)
		scene(&m[i]);
	cached();
	pcids();
	errors();
	return 0;
}
