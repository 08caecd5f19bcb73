/* SPDX-License-Identifier: MIT */
/*
 * Processes over the shared kernel half (proc.h).
 *
 * Conventions in this file: "ps" is the system, "p" a process, "c" a
 * CPU; "L" is the model's copy level; a "slot" is one of a CPU's ASIDs
 * with the MMU of the process that holds it there.
 *
 * Entries are copied as raw values through the simulated memory, as the
 * kernel copies them (clone_pgd_range(), set_pmd()): a process's table and
 * the kernel's live in the same pt_mem, so a copied entry points at the
 * kernel's own lower tables.  pgtable does not know these entries (they
 * are not its bookkeeping); proc_exit() clears them before pt_destroy(),
 * so the kernel's tables are never freed with a process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/kspace.h>
#include <vmbench/mmu.h>
#include <vmbench/pgtable.h>
#include <vmbench/proc.h>
#include <vmbench/reason.h>
#include <vmbench/tlb.h>

#define GiB(x) ((uint64_t)(x) << 30)

/*
 * The models.  kernel_half is KERNEL_PGD_BOUNDARY's address (PAGE_OFFSET
 * on x86-32, the start of the upper half on x86-64).  Sources: fault.c's
 * vmalloc_fault() / vmalloc_sync_one() and arch_sync_kernel_mappings();
 * pgtable.c's pgd_ctor() / pgd_prepopulate_pmd(); the 5.8 removal of
 * x86-64's vmalloc faulting and the 5.9 preallocation (see proc.h).
 */
static const struct proc_model models[] = {
	{ "x86-32-4.19", "x86-32: a fault copies the missing PGD entry",
	  "x86-32", "< 5.8", 0xc0000000, PROC_SYNC_FAULT, PROC_ASID_NONE,
	  1, false, false, false },
	{ "x86-32-6.12", "x86-32: new PGD entries copied into every process "
	  "at map time", "x86-32", ">= 5.8", 0xc0000000, PROC_SYNC_EAGER,
	  PROC_ASID_NONE, 1, false, false, false },
	{ "x86-pae-pti-4.19", "PAE, per-process kernel PMDs (PTI): a fault "
	  "copies the missing PMD entry", "x86-pae", "< 5.8", 0xc0000000,
	  PROC_SYNC_FAULT, PROC_ASID_NONE, 1, true, false, false },
	{ "x86-pae-pti-6.12", "PAE, per-process kernel PMDs (PTI): new PMD "
	  "entries copied at map time", "x86-pae", ">= 5.8", 0xc0000000,
	  PROC_SYNC_EAGER, PROC_ASID_NONE, 1, true, false, false },
	{ "x86-pae", "PAE, the shared kernel PMD (no PTI): never missing",
	  "x86-pae", "all", 0xc0000000, PROC_SYNC_NEVER, PROC_ASID_NONE,
	  2, false, false, false },
	{ "x86-64-4.19", "x86-64: a fault copies the missing PGD entry; "
	  "PCIDs", "x86-64-4l", "4.14 .. 5.7", 0xffff800000000000ULL,
	  PROC_SYNC_FAULT, PROC_ASID_PCID, 3, false, false, true },
	{ "x86-64-5.8", "x86-64: new PGD entries copied at map time; PCIDs",
	  "x86-64-4l", "5.8", 0xffff800000000000ULL, PROC_SYNC_EAGER,
	  PROC_ASID_PCID, 3, false, false, true },
	{ "x86-64-6.12", "x86-64: vmalloc's PUD pages preallocated, never "
	  "missing; PCIDs", "x86-64-4l", ">= 5.9", 0xffff800000000000ULL,
	  PROC_SYNC_NEVER, PROC_ASID_PCID, 3, false, false, false },
	{ "arm64-6.12", "arm64: the kernel's own table through TTBR1; an "
	  "ASID per process", "arm64-4k-48", "all", 0xffff000000000000ULL,
	  PROC_SYNC_NEVER, PROC_ASID_ALL, 3, false, true, false },
};

const struct proc_model *proc_models(size_t *count)
{
	*count = sizeof(models) / sizeof(models[0]);
	return models;
}

const struct proc_model *proc_model_find(const char *name)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	return NULL;
}

struct proc {
	struct pt *pt;
	uint64_t pmd;            /* own_pmd: its PMD page, else 0 */
	struct proc_counters_one c;
};

struct slot {
	struct mmu *mmu;         /* NULL: free */
	unsigned pid;
	uint64_t stamp;
};

struct cpu {
	struct tlb *tlb;
	bool own_tlb;
	int cur;                 /* running pid, -1: none */
	uint64_t clock;
	struct slot *slots;
	unsigned nslots;
};

struct proc_sys {
	const struct proc_model *m;
	struct ks_kernel *k;
	struct pt *kpt;
	struct pt_mem *mem;
	const struct pt_geometry *g;
	uint64_t vstart, vend;   /* vmalloc_fault's range */
	unsigned cpus, max_procs, nprocs;
	struct proc *procs;
	struct cpu *cpu;
	struct proc_counters c;
};

/* Index of @va's entry at @level. */
static uint64_t idx_at(const struct pt_geometry *g, unsigned level,
		       uint64_t va)
{
	return (va >> pt_level_shift(g, level)) &
	       ((1ULL << g->bits[level]) - 1);
}

/* Address bits of an x86 table entry (PAE PDPTE, PGD, PMD). */
static uint64_t entry_addr(const struct pt_geometry *g, uint64_t raw)
{
	if (g->entry_size == 4)
		return raw & 0xfffff000ULL;
	return raw & 0x000ffffffffff000ULL;
}

int proc_sys_create(struct proc_sys **out, const struct proc_config *cfg,
		    struct reason *r)
{
	const struct proc_model *m = cfg->model;
	const struct ks_layout *l;
	struct proc_sys *ps;

	*out = NULL;
	if (!m)
		return reason_fail_opt(r, -EINVAL, "model", "no model");
	if (cfg->cpus < 1 || cfg->cpus > 64)
		return reason_fail_opt(r, -EINVAL, "cpus",
				       "%u CPUs: 1 .. 64", cfg->cpus);
	if (cfg->max_procs < 1 || cfg->max_procs > PROC_MAX_PROCS)
		return reason_fail_opt(r, -EINVAL, "procs",
				       "%u processes: 1 .. %u", cfg->max_procs,
				       PROC_MAX_PROCS);
	l = ks_layout_of(cfg->k);
	if (strcmp(l->name, m->geometry))
		return reason_fail_opt(r, -EINVAL, "arch",
				       "model %s needs a %s kernel, not %s",
				       m->name, m->geometry, l->name);
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->m = m;
	ps->k = cfg->k;
	ps->kpt = ks_pt(cfg->k);
	ps->mem = ks_mem(cfg->k);
	ps->g = pt_geometry_of(ps->kpt);
	ps->vstart = l->vmalloc_start;
	ps->vend = l->vmalloc_end;
	ps->cpus = cfg->cpus;
	ps->max_procs = cfg->max_procs;
	ps->procs = calloc(cfg->max_procs, sizeof(*ps->procs));
	ps->cpu = calloc(cfg->cpus, sizeof(*ps->cpu));
	if (!ps->procs || !ps->cpu)
		goto nomem;
	for (unsigned i = 0; i < cfg->cpus; i++) {
		struct cpu *c = &ps->cpu[i];

		c->cur = -1;
		c->nslots = m->asid == PROC_ASID_ALL ? cfg->max_procs :
			    m->asid == PROC_ASID_PCID ? PROC_NR_DYN_ASIDS : 1;
		c->slots = calloc(c->nslots, sizeof(*c->slots));
		if (!c->slots)
			goto nomem;
		if (cfg->tlbs) {
			c->tlb = cfg->tlbs[i];
		} else {
			const char *spec = cfg->tlb_spec ? cfg->tlb_spec :
					   m->ttbr1 ? "neoverse-n1" : "skylake";
			int err = tlb_create_spec(&c->tlb, spec, r);

			if (err) {
				if (r)
					snprintf(r->what, sizeof(r->what),
						 "tlb");
				proc_sys_destroy(ps);
				return err;
			}
			c->own_tlb = true;
		}
	}
	*out = ps;
	return 0;
nomem:
	proc_sys_destroy(ps);
	return -ENOMEM;
}

static void drop_slots_of(struct proc_sys *ps, unsigned pid)
{
	for (unsigned i = 0; i < ps->cpus; i++) {
		struct cpu *c = &ps->cpu[i];

		for (unsigned s = 0; s < c->nslots; s++)
			if (c->slots[s].mmu && c->slots[s].pid == pid) {
				mmu_destroy(c->slots[s].mmu);
				c->slots[s].mmu = NULL;
			}
		if (c->cur == (int)pid)
			c->cur = -1;
	}
}

/* pgd_free(): clear what was copied raw, then free the table. */
static void free_proc(struct proc_sys *ps, struct proc *p)
{
	const struct pt_geometry *g = ps->g;
	unsigned root = g->levels - 1;
	uint64_t rpa = pt_root(p->pt);

	if (!ps->m->ttbr1) {
		uint64_t n = 1ULL << g->bits[root];

		for (uint64_t i = idx_at(g, root, ps->m->kernel_half); i < n;
		     i++)
			pt_mem_write(ps->mem, rpa + i * g->entry_size,
				     g->entry_size, 0);
	}
	if (p->pmd)
		pt_frame_free(ps->mem, p->pmd);
	pt_destroy(p->pt);
	p->pt = NULL;
	p->pmd = 0;
	p->c.live = false;
}

void proc_sys_destroy(struct proc_sys *ps)
{
	if (!ps)
		return;
	for (unsigned i = 0; ps->cpu && i < ps->cpus; i++) {
		struct cpu *c = &ps->cpu[i];

		for (unsigned s = 0; c->slots && s < c->nslots; s++)
			mmu_destroy(c->slots[s].mmu);
		free(c->slots);
		if (c->own_tlb)
			tlb_destroy(c->tlb);
	}
	for (unsigned i = 0; ps->procs && i < ps->nprocs; i++)
		if (ps->procs[i].c.live)
			free_proc(ps, &ps->procs[i]);
	free(ps->cpu);
	free(ps->procs);
	free(ps);
}

/* Copy @n entries of the table at @from to the table at @to; the count
 * of present ones is added to *copied.  -EFAULT on unreadable memory. */
static int copy_entries(struct proc_sys *ps, uint64_t from, uint64_t to,
			uint64_t first, uint64_t n, uint64_t *copied)
{
	unsigned es = ps->g->entry_size;

	for (uint64_t i = first; i < first + n; i++) {
		uint64_t raw;
		int err = pt_mem_read(ps->mem, from + i * es, es, &raw);

		if (!err)
			err = pt_mem_write(ps->mem, to + i * es, es, raw);
		if (err)
			return err;
		*copied += raw != 0;
	}
	return 0;
}

int proc_fork(struct proc_sys *ps, unsigned *pid)
{
	const struct pt_geometry *g = ps->g;
	unsigned root = g->levels - 1;
	uint64_t first, n, copied = 0, krpa = pt_root(ps->kpt);
	struct proc *p;
	int err;

	if (ps->nprocs == ps->max_procs)
		return -ENOSPC;
	p = &ps->procs[ps->nprocs];
	memset(p, 0, sizeof(*p));
	err = pt_create(&p->pt, g, ps->mem);
	if (err)
		return err;
	if (!ps->m->ttbr1) {
		uint64_t rpa = pt_root(p->pt);

		first = idx_at(g, root, ps->m->kernel_half);
		n = (1ULL << g->bits[root]) - first;
		err = copy_entries(ps, krpa, rpa, first, n, &copied);
		if (!err && ps->m->own_pmd) {
			/* pgd_prepopulate_pmd(): a PMD page of our own for
			 * each kernel PDPT slot, the kernel's copied in. */
			for (uint64_t i = first; !err && i < first + n; i++) {
				uint64_t kraw, pmd;

				err = pt_mem_read(ps->mem, rpa +
						  i * g->entry_size,
						  g->entry_size, &kraw);
				if (err || !kraw)
					continue;
				err = pt_frame_alloc(ps->mem, &pmd);
				if (err)
					break;
				p->pmd = pmd;  /* one kernel PDPT slot (3) */
				ps->c.own_pmd_pages++;
				err = copy_entries(ps, entry_addr(g, kraw), pmd,
						   0, 1ULL << g->bits[root - 1],
						   &copied);
				if (!err)
					err = pt_mem_write(ps->mem, rpa +
						i * g->entry_size,
						g->entry_size,
						(kraw - entry_addr(g, kraw)) |
						pmd);
			}
		}
	}
	if (err) {
		p->c.live = true;
		free_proc(ps, p);
		return err;
	}
	p->c.live = true;
	ps->c.copied_at_fork += copied;
	ps->c.forks++;
	ps->c.live++;
	*pid = ps->nprocs++;
	return 0;
}

int proc_exit(struct proc_sys *ps, unsigned pid)
{
	if (pid >= ps->nprocs || !ps->procs[pid].c.live)
		return -ENOENT;
	drop_slots_of(ps, pid);
	free_proc(ps, &ps->procs[pid]);
	ps->c.exits++;
	ps->c.live--;
	return 0;
}

/* The table of @p at the copy level (0 when it has none there). */
static uint64_t proc_table(struct proc_sys *ps, const struct proc *p)
{
	if (ps->m->own_pmd)
		return p->pmd;
	return pt_root(p->pt);
}

/*
 * vmalloc_sync_one(): copy the kernel's copy-level entry for @va into
 * @p's table if @p lacks it and the kernel has it.  1 when copied, 0 when
 * not, -EFAULT on unreadable memory.
 */
static int sync_one(struct proc_sys *ps, struct proc *p, uint64_t va)
{
	const struct pt_geometry *g = ps->g;
	unsigned L = ps->m->copy_level, es = g->entry_size;
	uint64_t kraw, raw, slot = idx_at(g, L, va) * es, ptab;
	struct pt_walk kw;
	int err;

	pt_walk(ps->kpt, va, &kw);
	if (kw.level > L || kw.fault == PT_FAULT_RANGE)
		return 0;          /* the kernel has no table at L */
	ptab = proc_table(ps, p);
	if (!ptab)
		return 0;
	err = pt_mem_read(ps->mem, kw.table[L] + slot, es, &kraw);
	if (!err)
		err = pt_mem_read(ps->mem, ptab + slot, es, &raw);
	if (err)
		return err;
	if (raw || !kraw)
		return 0;
	err = pt_mem_write(ps->mem, ptab + slot, es, kraw);
	return err ? err : 1;
}

int64_t proc_kernel_mapped(struct proc_sys *ps, uint64_t start, uint64_t end)
{
	uint64_t step = pt_level_size(ps->g, ps->m->copy_level), n = 0;

	if (ps->m->sync != PROC_SYNC_EAGER || start >= end)
		return 0;
	for (uint64_t va = start & ~(step - 1); va < end; va += step) {
		for (unsigned i = 0; i < ps->nprocs; i++) {
			int got;

			if (!ps->procs[i].c.live)
				continue;
			got = sync_one(ps, &ps->procs[i], va);
			if (got < 0)
				return got;
			ps->procs[i].c.synced += (uint64_t)got;
			n += (uint64_t)got;
		}
		if (va + step < va)
			break;
	}
	ps->c.synced_eager += n;
	return (int64_t)n;
}

/* switch_mm() on @cpu to @pid; returns the MMU to translate with. */
static int switch_to(struct proc_sys *ps, unsigned cpu, unsigned pid,
		     struct mmu **mmu)
{
	struct cpu *c = &ps->cpu[cpu];
	struct slot *s = NULL;
	struct mmu_config mc = { 0 };
	unsigned i;

	c->clock++;
	for (i = 0; i < c->nslots && ps->m->asid != PROC_ASID_ALL; i++)
		if (c->slots[i].mmu && c->slots[i].pid == pid) {
			s = &c->slots[i];
			break;
		}
	if (ps->m->asid == PROC_ASID_ALL && c->slots[pid].mmu) {
		i = pid;
		s = &c->slots[pid];
	}
	if (c->cur != (int)pid) {
		ps->c.switches++;
		c->cur = (int)pid;
		if (ps->m->asid == PROC_ASID_NONE) {
			/* CR3 write without PCID: non-global entries go. */
			tlb_flush_asid(c->tlb, 0);
			ps->c.switch_flushes++;
		}
	}
	if (!s) {
		if (ps->m->asid == PROC_ASID_ALL) {
			i = pid;
		} else {
			/* A free slot, else the least recently used. */
			unsigned v = 0;

			for (i = 0; i < c->nslots; i++) {
				if (!c->slots[i].mmu) {
					v = i;
					break;
				}
				if (c->slots[i].stamp < c->slots[v].stamp)
					v = i;
			}
			i = v;
		}
		s = &c->slots[i];
		mmu_destroy(s->mmu);
		s->mmu = NULL;
		mc.asid = ps->m->asid == PROC_ASID_NONE ? 0 : (uint16_t)(i + 1);
		if (ps->m->asid == PROC_ASID_PCID) {
			/* A PCID handed to another mm is flushed first. */
			tlb_flush_asid(c->tlb, mc.asid);
			ps->c.asid_flushes++;
		}
		int err = mmu_create(&s->mmu, ps->m->ttbr1 ? ps->kpt :
				     ps->procs[pid].pt, c->tlb, &mc);
		if (err)
			return err;
		s->pid = pid;
	}
	s->stamp = c->clock;
	*mmu = s->mmu;
	return 0;
}

int proc_touch(struct proc_sys *ps, unsigned pid, unsigned cpu, uint64_t va,
	       uint64_t size)
{
	uint64_t page = pt_level_size(ps->g, 0), end;
	struct proc *p;
	struct mmu *m;
	int err;

	if (pid >= ps->nprocs || !ps->procs[pid].c.live || cpu >= ps->cpus ||
	    !size || va < ps->m->kernel_half || va + size - 1 < va)
		return -EINVAL;
	p = &ps->procs[pid];
	err = switch_to(ps, cpu, pid, &m);
	if (err)
		return err;
	end = va + size - 1;
	for (uint64_t a = va & ~(page - 1);; a += page) {
		struct mmu_result res;
		bool retried = false;

		for (;;) {
			err = mmu_translate(m, a, 1, MMU_WRITE, &res);
			if (err != -EINVAL && res.source == 0)
				ps->c.tlb_misses++;
			if (!err)
				break;
			if (err != -EFAULT || retried ||
			    res.fault != MMU_FAULT_NOT_PRESENT ||
			    ps->m->sync != PROC_SYNC_FAULT ||
			    a < ps->vstart || a >= ps->vend)
				return err;
			/* vmalloc_fault() */
			int got = sync_one(ps, p, a);

			if (got <= 0)
				return got < 0 ? got : -EFAULT;
			ps->c.vmalloc_faults++;
			ps->c.synced_fault += (uint64_t)got;
			p->c.vmalloc_faults++;
			p->c.synced += (uint64_t)got;
			retried = true;
		}
		ps->c.touches++;
		p->c.touches++;
		if (end - a < page)
			break;
	}
	return 0;
}

void proc_get_counters(const struct proc_sys *ps, struct proc_counters *c)
{
	*c = ps->c;
}

int proc_get_counters_one(const struct proc_sys *ps, unsigned pid,
			  struct proc_counters_one *c)
{
	if (pid >= ps->nprocs)
		return -ENOENT;
	*c = ps->procs[pid].c;
	return 0;
}
