/* SPDX-License-Identifier: MIT */
/*
 * proc — processes over the shared kernel half: each process has its own
 * page table whose kernel entries are copied from the kernel's
 * (swapper_pg_dir) when it is created, an address-space ID, and runs on
 * simulated CPUs whose TLBs it shares with the kernel; vmalloc_fault and
 * the eager synchronisation that replaced it, by architecture and kernel
 * generation.
 *
 *   proc_models(&n)              the models (architecture x generation)
 *   proc_sys_create / _destroy   over a booted kernel (kspace.h)
 *   proc_fork                    pgd_alloc(): a new process
 *   proc_exit                    its table goes (pgd_free())
 *   proc_kernel_mapped           the kernel changed [start, end) of its
 *                                table: arch_sync_kernel_mappings()
 *   proc_touch                   a process writes kernel memory on a CPU
 *                                (context switch, vmalloc_fault)
 *
 * What is modelled (facts from arch/x86/mm/fault.c, pgtable.c and the
 * kernel history; no kernel code):
 *   - pgd_alloc() copies the kernel half's entries of the level where a
 *     process's tables stop being its own (the "copy level"): x86-32 and
 *     x86-64 the root (PGD) entries from KERNEL_PGD_BOUNDARY; PAE with
 *     unshared kernel PMDs (SHARED_KERNEL_PMD = 0: PTI) a PMD page per
 *     process for the kernel's PDPT slot, copied from the kernel's; PAE
 *     with the shared kernel PMD the PDPT entry (pointing at the kernel's
 *     PMD page, which exists from boot).  arm64: nothing; kernel addresses
 *     go through TTBR1, the kernel's own table.
 *   - A mapping the kernel adds at the copy level after a process was
 *     created is missing there.  Sync rules (enum proc_sync):
 *       FAULT  (x86-32, PAE/PTI, x86-64 before 5.8): the first access
 *              from such a process faults; vmalloc_fault() copies the
 *              entry from the reference table (vmalloc_sync_one()) and
 *              the access is retried.  One fault per (process, entry).
 *       EAGER  (x86-32 and PAE/PTI since 5.8, x86-64 5.8): vmalloc's
 *              arch_sync_kernel_mappings() copies a new entry into every
 *              process's table at once (x86-32 kept the fault as a race
 *              backstop, never reached here as nothing races).
 *       NEVER  (x86-64 since 5.9: the vmalloc area's PUD/P4D pages are
 *              preallocated at boot, so no root entry ever appears;
 *              PAE with the shared kernel PMD; arm64's TTBR1).
 *     Which rule a model has is data; that NEVER models really never see a
 *     missing entry is what the page tables give, not an assumption.
 *   - Context switches (enum proc_asid): x86-32 and PAE have no PCID, a
 *     switch writes CR3 and drops every non-global entry; x86-64 (4.14+)
 *     keeps TLB_NR_DYN_ASIDS = 6 PCIDs per CPU, least recently used
 *     reused with a flush of that PCID; arm64 gives every process its own
 *     ASID (16 bits; rollover not modelled: at most PROC_MAX_PROCS).
 *     Global kernel entries survive every switch.
 *
 * Conventions: @pid is 0..procs - 1 in order of proc_fork(); @cpu is
 * 0..cpus - 1.  Functions that can fail return 0 or a negative errno and
 * change nothing on failure unless said.  Nothing here prints.
 */
#ifndef VMBENCH_PROC_H
#define VMBENCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ks_kernel;
struct reason;
struct tlb;

enum proc_sync {
	PROC_SYNC_FAULT,
	PROC_SYNC_EAGER,
	PROC_SYNC_NEVER,
};

enum proc_asid {
	PROC_ASID_NONE,    /* no ASIDs: a switch flushes non-global entries */
	PROC_ASID_PCID,    /* 6 dynamic PCIDs per CPU, LRU */
	PROC_ASID_ALL,     /* one ASID per process */
};

/* x86-64's TLB_NR_DYN_ASIDS. */
#define PROC_NR_DYN_ASIDS 6
/* The most processes a system may have (arm64's ASIDs less ASID 0). */
#define PROC_MAX_PROCS 65535u

struct proc_model {
	const char *name;        /* "x86-32-4.19", ... */
	const char *summary;
	const char *geometry;    /* the kspace layout / pgtable geometry */
	const char *kernel;      /* the kernel generations it stands for */
	uint64_t kernel_half;    /* KERNEL_PGD_BOUNDARY as an address */
	uint8_t sync;            /* enum proc_sync */
	uint8_t asid;            /* enum proc_asid */
	uint8_t copy_level;      /* level whose kernel entries are copied */
	bool own_pmd;            /* PAE/PTI: a PMD page per process */
	bool ttbr1;              /* arm64: kernel through the kernel table */
	bool no_prealloc;        /* boot without x86-64's preallocation */
};

/* The models, in a fixed order; cannot fail. */
const struct proc_model *proc_models(size_t *count);
/* The model called @name, or NULL. */
const struct proc_model *proc_model_find(const char *name);

struct proc_config {
	const struct proc_model *model;
	struct ks_kernel *k;     /* booted with the model's geometry (and
				  * no_prealloc) ; not owned */
	unsigned cpus;           /* 1..64 */
	struct tlb **tlbs;       /* per CPU, not owned (share vmalloc's
				  * CPUs' TLBs so its flushes reach them);
				  * NULL: tlb_spec */
	const char *tlb_spec;    /* NULL: the "skylake" preset */
	unsigned max_procs;      /* 1..PROC_MAX_PROCS */
};

struct proc_counters {
	uint64_t forks, exits, live;
	uint64_t touches;        /* pages written by proc_touch() */
	uint64_t vmalloc_faults; /* faults vmalloc_fault() resolved */
	uint64_t synced_fault;   /* entries copied by those faults */
	uint64_t synced_eager;   /* entries copied by proc_kernel_mapped() */
	uint64_t copied_at_fork; /* kernel entries pgd_alloc() copied */
	uint64_t own_pmd_pages;  /* PAE/PTI: PMD pages made at fork */
	uint64_t switches;       /* context switches */
	uint64_t switch_flushes; /* of them, dropping non-global entries */
	uint64_t asid_flushes;   /* PCIDs reused with a flush */
	uint64_t tlb_misses;     /* walks of proc_touch()'s writes */
};

struct proc_counters_one {
	uint64_t touches, vmalloc_faults, synced;
	bool live;
};

struct proc_sys;

/*
 * A system of processes over @cfg->k.  -EINVAL with @r naming the field
 * ("model", "cpus", "procs", "tlb", "arch": a kernel of another
 * geometry); -ENOMEM.
 */
int proc_sys_create(struct proc_sys **out, const struct proc_config *cfg,
		    struct reason *r);
/* Every live process exits; NULL is a no-op. */
void proc_sys_destroy(struct proc_sys *ps);

/* pgd_alloc(): *pid gets the new process.  -ENOSPC: max_procs made;
 * -ENOMEM. */
int proc_fork(struct proc_sys *ps, unsigned *pid);
/* pgd_free() of a live process.  -ENOENT: no such live process. */
int proc_exit(struct proc_sys *ps, unsigned pid);

/*
 * The kernel has just changed its table over [start, end): with the
 * EAGER rule, every live process gets each copy-level entry it lacks and
 * the kernel has (arch_sync_kernel_mappings()); otherwise nothing.
 * Returns the entries copied (>= 0) or -EFAULT on unreadable memory.
 */
int64_t proc_kernel_mapped(struct proc_sys *ps, uint64_t start,
			   uint64_t end);

/*
 * Process @pid on @cpu (switching to it there if needed) writes one byte
 * of every base page of [va, va + size) of the kernel half.  A missing
 * copy-level entry faults into vmalloc_fault() under the FAULT rule.
 * -EINVAL: bad pid, cpu or range; -EFAULT: a page is not mapped in the
 * kernel either (the pages before it were written).
 */
int proc_touch(struct proc_sys *ps, unsigned pid, unsigned cpu, uint64_t va,
	       uint64_t size);

/* Counters; cannot fail. */
void proc_get_counters(const struct proc_sys *ps, struct proc_counters *c);
/* One process's; -ENOENT for a pid never made. */
int proc_get_counters_one(const struct proc_sys *ps, unsigned pid,
			  struct proc_counters_one *c);

#endif /* VMBENCH_PROC_H */
