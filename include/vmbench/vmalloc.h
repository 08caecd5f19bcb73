/* SPDX-License-Identifier: MIT */
/*
 * vmalloc — the kernel's vmalloc interfaces over any vmap strategy, a page
 * allocator (buddy.h), the kernel page table (pgtable.h) and N simulated
 * CPUs, each with its own TLB (tlb.h, through an MMU of mmu.h) over that
 * one table.
 *
 *   vmalloc_vmalloc / _vzalloc / _huge / _node_range      vmalloc(), ...
 *   vmalloc_vfree                                         vfree()
 *   vmalloc_vmap / vmalloc_vunmap                         vmap(), vunmap()
 *   vmalloc_kvmalloc / vmalloc_kvfree                     kvmalloc(), ...
 *   vmalloc_to_page                                       vmalloc_to_page()
 *   vmalloc_touch                                         a CPU writes it
 *   vmalloc_purge                                         vm_unmap_aliases()
 *
 * What is modelled (Linux 6.12, mm/vmalloc.c, unless said otherwise):
 *   - An area (the kernel's vmap_area + vm_struct) is the size rounded up
 *     to the mapping's page size, plus one guard page unless
 *     VMALLOC_NO_GUARD; its flags, a caller tag and its pages array.  Its
 *     address comes from the chosen vmap strategy over [start, end).
 *   - Pages: order-0 pages in bulk calls of at most 100 (BUDDY_BULK_MAX);
 *     a huge area takes order-(PMD_SHIFT - PAGE_SHIFT) blocks (or of the
 *     contiguous run's order), split into
 *     base pages.  The pages array of more than a page of pointers is
 *     itself vmalloc'd (an area flagged VMALLOC_VPAGES); smaller arrays
 *     are slab objects, which are not modelled.
 *   - Page tables: every leaf is written through pgtable's pt_map(), which
 *     allocates a missing table on first use (a PTE page per 2 MiB window,
 *     a PMD page per 1 GiB, ...).  Unmapping clears leaves only: tables are
 *     never freed (vunmap_range_noflush()), except the empty PTE page under
 *     a PMD slot that a huge leaf takes over (pmd_free_pte_page(), with
 *     the architecture's flush).
 *   - Huge: VMALLOC_ALLOW_HUGE on an architecture with huge vmalloc
 *     (x86-64, arm64, RISC-V) and size >= PMD size: PMD alignment, size
 *     rounded to PMD size, PMD leaves; if the PMD-order pages cannot be
 *     had, the area is vfree()d and the request retried with base pages
 *     (counted in huge_fallbacks).  Below PMD size, arm64 (6.16,
 *     arch_vmap_pte_supported_shift()) uses CONT_PTE_SHIFT when size >=
 *     CONT_PTE_SIZE (the geometry's contiguous run at level 0: 64 KiB
 *     with 4K pages, 2 MiB with 16K and 64K): that alignment, size
 *     rounded to it, pages in blocks of that order, one run of PTEs with
 *     the contiguous hint per chunk (cont_areas, cont_runs); the same
 *     retry with base pages on failure.  RISC-V's Svnapot version was
 *     reverted and is not modelled.
 *   - Lazy freeing: vfree/vunmap clear the leaves at once and free the
 *     pages, but the area stays reserved on the lazy list; vmap_lazy_nr
 *     grows by the area's pages, guard included.  When it exceeds
 *     lazy_max_pages (fls(cpus) * 32 MiB / page size unless set), a purge
 *     flushes ONE range, min start .. max end of all lazy areas, then
 *     returns them to the strategy.  A failed allocation purges and
 *     retries once.  The kernel purges from a workqueue; here the purge
 *     runs at once, inside the free that crossed the limit.
 *   - Flushes follow the architecture's rule (flush_tlb_kernel_range()):
 *     x86: up to the ceiling (33) pages one INVLPG per page on every CPU,
 *     else a full flush, sent by IPIs to the other CPUs; arm64: up to
 *     MAX_TLBI_OPS (PTRS_PER_PTE) pages a broadcast TLBI per page, else
 *     a broadcast full invalidate, no IPIs; RISC-V: up to 64 pages an
 *     sfence.vma per page, else a full one, by IPIs (not through SBI).
 *   - Eager mode (before 2.6.28): every free flushes its own area at once
 *     and returns it to the strategy.
 *   - kvmalloc: kmalloc first (sizes up to KMALLOC_MAX_SIZE, the largest
 *     buddy block; without reclaim, as __GFP_NORETRY); on failure, sizes
 *     above a page go to vmalloc with VMALLOC_ALLOW_HUGE.  A kmalloc'd
 *     object takes 2^get_order(size) pages (slab packing not modelled) and
 *     is addressed in the direct map (direct_map + physical address).
 *   - vm_map_ram: per-CPU vmap blocks (see vmalloc_vm_map_ram()); the
 *     dirty ranges are kept but not yet flushed by vm_unmap_aliases(), and
 *     fragmented blocks are not purged on an allocation failure.
 *   - 6.9's vmap_node pools with vmalloc_config.node_pools (see there);
 *     the split of busy and lazy trees per node changes locking only, so
 *     it is not modelled apart; nor is the shrinker's timing
 *     (vmalloc_pools_drain() is its effect).
 *   - Kernel generations (vmalloc_kernels()): 2.6.27 (a list, a flush on
 *     every free), 4.19 (rbtree-cached, lazy), 5.2 (augrb, lazy), 6.9
 *     (augrb, lazy, node pools).
 *   - Not modelled: KASAN, NUMA, x86 INVLPGB,
 *     RISC-V SBI remote fences.
 *
 * CPUs.  Every CPU has its own TLB (the same spec for all) and MMU over the
 * kernel page table, ASID 0; vmalloc leaves are global.  vmalloc_touch()
 * writes one byte of each base page of a range through one CPU.
 *
 * Conventions: addresses and sizes are bytes, uint64_t; @cpu is 0..cpus-1.
 * Functions that can fail return 0 or a negative errno and leave the
 * system as it was (a failed allocation may have purged the lazy list).
 * Nothing here prints.
 */
#ifndef VMBENCH_VMALLOC_H
#define VMBENCH_VMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmbench/pgtable.h>

struct buddy;
struct mmu;
struct reason;
struct vmalloc;

/* Flags of an area (the kernel's VM_* that the model knows). */
#define VMALLOC_ALLOC       0x01u  /* vmalloc'd: its pages are its own */
#define VMALLOC_MAP         0x02u  /* vmap(): the caller's pages */
#define VMALLOC_NO_GUARD    0x04u  /* no guard page after it */
#define VMALLOC_ALLOW_HUGE  0x08u  /* VM_ALLOW_HUGE_VMAP */
#define VMALLOC_VPAGES      0x10u  /* its pages array is vmalloc'd */
#define VMALLOC_ZERO        0x20u  /* __GFP_ZERO (vzalloc) */
#define VMALLOC_RAM         0x40u  /* vm_map_ram() above VMAP_MAX_ALLOC */
#define VMALLOC_BLOCK       0x80u  /* a per-CPU vmap block */

/* vm_map_ram(): counts up to this many pages go through vmap blocks. */
#define VMALLOC_VMAP_MAX_ALLOC 64

/* The most CPUs a system may have. */
#define VMALLOC_MAX_CPUS 4096

struct vmalloc_config {
	const char *strategy;    /* vmap strategy (vmap.h) */
	uint64_t start, end;     /* the vmalloc range */
	struct pt *pt;           /* the kernel page table (not owned) */
	struct buddy *buddy;     /* the page allocator (not owned) */
	unsigned cpus;           /* 1..VMALLOC_MAX_CPUS */
	const char *tlb;         /* every CPU's TLB spec; NULL: the
				  * architecture's preset */
	uint64_t lazy_max_pages; /* 0: fls(cpus) * 32 MiB / page size */
	uint64_t flush_ceiling;  /* pages; 0: the architecture's */
	bool eager;              /* flush each free at once */
	bool nohuge;             /* the nohugevmalloc boot option */
	uint64_t direct_map;     /* VA of physical 0 (kmalloc addresses) */
	uint64_t direct_map_size;  /* physical bytes the direct map covers
				    * (x86-32: lowmem); a kmalloc block above
				    * it fails, as highmem is no slab memory;
				    * 0: all of RAM */
	/* [reserved_start, reserved_end) inside the range, busy from the
	 * start and never freed (arm64's kernel image, which lies in its
	 * vmalloc range and is registered by vm_area_add_early()); equal
	 * values: none. */
	uint64_t reserved_start, reserved_end;
	/* CONFIG_NR_CPUS, which sizes the vmap blocks; 0: 8192 (Debian). */
	uint64_t nr_cpus_config;
	/*
	 * 6.9's vmap_node pools: clamp(cpus, 1, 128) nodes, each with
	 * exact-size pools of areas up to 256 pages (guard included).  An
	 * allocation from the whole range on CPU c takes the first area of
	 * node c % nodes' pool of its size if aligned (else that area moves
	 * to the pool's tail and the free space is searched); either way the
	 * area belongs to that node, and a purge puts it back in the node's
	 * pool instead of the free space.  Each purge first decays every
	 * pool by a quarter (all of a pool under 4 areas, as the kernel's
	 * count wraps); a purge on no room empties the pools and fills none.
	 * One node (a single CPU) disables the pools, as in the kernel.
	 */
	bool node_pools;
};

/* The kernel models of vmsim vmalloc --kernel: strategy and policies of
 * a kernel generation. */
struct vmalloc_kernel {
	const char *name;        /* "2.6.27", "4.19", "5.2", "6.9" */
	const char *summary;
	const char *strategy;
	bool eager, node_pools;
};

/* The models, oldest first; cannot fail. */
const struct vmalloc_kernel *vmalloc_kernels(size_t *count);

/* Per CPU; exact and deterministic. */
struct vmalloc_cpu_counters {
	uint64_t touches;        /* pages written by vmalloc_touch() */
	uint64_t tlb_misses;     /* page walks of those writes */
	uint64_t entries_dropped;  /* TLB entries the flushes invalidated */
	uint64_t ipis;           /* IPIs this CPU received */
};

struct vmalloc_counters {
	uint64_t vmallocs, vfrees, vmaps, vunmaps;
	uint64_t kmallocs, kfrees;      /* kvmalloc's kmalloc path */
	uint64_t failed;                /* allocations that returned an error */
	uint64_t huge_areas;            /* areas mapped with PMD leaves */
	uint64_t huge_fallbacks;        /* huge retried with base pages */
	uint64_t vpages_areas;          /* vmalloc'd pages arrays */
	uint64_t live_areas, live_pages;  /* mapped areas and their pages */
	uint64_t pages_allocated, pages_freed;  /* base pages, all paths */
	uint64_t bulk_calls;            /* bulk page requests */
	uint64_t zeroed_pages;          /* pages cleared for __GFP_ZERO */
	uint64_t pte_writes, pte_clears;  /* base-page leaves */
	uint64_t pmd_writes, pmd_clears;  /* PMD (huge) leaves */
	uint64_t pte_pages_freed;       /* PTE pages a huge leaf replaced */
	uint64_t lazy_areas, lazy_pages;  /* now; lazy_pages = vmap_lazy_nr */
	uint64_t lazy_max_pages;
	uint64_t purges;                /* purges that flushed */
	uint64_t purges_on_failure;     /* of them, after a failed alloc */
	uint64_t purged_areas;
	uint64_t max_areas_per_purge;
	uint64_t flushes;               /* flush_tlb_kernel_range() calls */
	uint64_t flushes_ranged;        /* done page by page */
	uint64_t flushes_full;          /* promoted to a full flush */
	uint64_t flushes_table;         /* table-entry flushes (arm64) */
	uint64_t pages_flushed;         /* pages of the ranged flushes */
	uint64_t invalidations;         /* per-page invalidations executed
					 * (x86: on every CPU; arm64: one
					 * broadcast each) */
	uint64_t ipis;                  /* IPIs sent */
	uint64_t entries_dropped;       /* TLB entries invalidated, all CPUs */
	uint64_t touches, tlb_misses;   /* summed over the CPUs */
	uint64_t vm_map_rams, vm_unmap_rams;
	uint64_t vblocks, vblocks_freed;  /* vmap blocks made, freed */
	uint64_t vblock_pages;          /* pages of one block */
	uint64_t vmap_nodes;            /* 1 without node pools */
	uint64_t pool_hits;             /* allocations a node pool served */
	uint64_t pool_rotations;        /* pool heads skipped: misaligned */
	uint64_t pool_adds;             /* purged areas kept in a pool */
	uint64_t pool_decays;           /* pooled areas given back */
	uint64_t pooled_areas;          /* in the pools now */
	uint64_t node_visits;           /* the strategy's node visits
					 * (vmap_stats()), setup included */
	uint64_t cont_areas;            /* areas mapped with contiguous-PTE
					 * runs (arm64 CONT_PTE) */
	uint64_t cont_runs;             /* such runs written */
	uint64_t pt_tables[PT_MAX_LEVELS];  /* the page table's tables now */
};

/* An area as vmalloc_area() reports it (the kernel's /proc/vmallocinfo). */
struct vmalloc_area {
	uint64_t addr;           /* start */
	uint64_t size;           /* bytes reserved, guard included */
	uint64_t nr_pages;       /* base pages mapped */
	uint64_t caller;         /* the caller tag given at allocation */
	unsigned flags;          /* VMALLOC_* */
	unsigned page_shift;     /* leaf size of its mapping */
};

/*
 * A system over cfg->pt and cfg->buddy (which must outlive it; the page
 * table's tables should come from the same buddy to count as its pages).
 * -EINVAL with @r naming the field (->what: "strategy", "cpus", "tlb",
 * "range", ...) for a bad configuration; -ENOMEM.
 */
int vmalloc_create(struct vmalloc **out, const struct vmalloc_config *cfg,
		   struct reason *r);

/*
 * Free every live area (vfree / vunmap / kfree), purge, and release the
 * system; the page table keeps its tables.  NULL is a no-op.
 */
void vmalloc_destroy(struct vmalloc *vm);

/*
 * __vmalloc_node_range(): @size bytes (rounded up to pages) aligned to
 * @align (a power of two; below a page means a page) with @flags
 * (VMALLOC_ALLOW_HUGE, VMALLOC_NO_GUARD, VMALLOC_ZERO), the request made
 * by @cpu, tagged @caller.  *addr receives the start.
 * -EINVAL: size 0, bad align or flags, cpu out of range; -ENOSPC: no room
 * in the range even after a purge; -ENOMEM: out of pages (or host memory).
 */
int vmalloc_node_range(struct vmalloc *vm, uint64_t size, uint64_t align,
		       unsigned flags, unsigned cpu, uint64_t caller,
		       uint64_t *addr);

/*
 * The area [@addr, @addr + @size) (guard included), busy from now on, with
 * no pages mapped: an area a real kernel had before a replay began (an
 * imported snapshot).  vmalloc_vfree() frees it like any other; with node
 * pools it belongs to the node of @cpu, or to none when @cpu is -1 (its
 * CPU unknown: a purge gives it back to the free space).
 * -EINVAL: not page-aligned, outside the range, bad cpu; -EBUSY: the
 * range is not free; -ENOMEM.
 */
int vmalloc_reserve(struct vmalloc *vm, uint64_t addr, uint64_t size,
		    int cpu);

/*
 * alloc_vmap_area() alone: an area of @size bytes (the guard page, if
 * any, included) aligned to @align, from @cpu's node pool or the strategy
 * (a purge and one retry on no room), with no pages mapped; for replays of
 * real kernels' traces, which record every area (a pages array that
 * vmalloc itself vmalloc'd among them) with its size as reserved.
 * vmalloc_vfree() frees it.  Errors as vmalloc_node_range().
 */
int vmalloc_alloc_area(struct vmalloc *vm, uint64_t size, uint64_t align,
		       unsigned cpu, uint64_t *addr);

/*
 * For replays that follow a recorded kernel: move the area just placed
 * by vmalloc_alloc_area() at @from (no pages) to @to, as if it had been
 * placed there.  @from's space goes back where it came from: the head of
 * its node's pool when @pooled (it was a pool hit), else the strategy's
 * free space; @to is taken from whichever node's pool holds an area of
 * that size there, else from the strategy's free space.  0; -ENOENT: no
 * such area at @from; -EBUSY: @to is neither pooled nor free; -EINVAL:
 * @pooled without pools; -ENOMEM.  On failure nothing has changed.
 */
int vmalloc_area_move(struct vmalloc *vm, uint64_t from, uint64_t to,
		      bool pooled);

/* vmalloc(), vzalloc(), vmalloc_huge(): vmalloc_node_range() with a page
 * alignment, caller 0 and no flags, VMALLOC_ZERO, VMALLOC_ALLOW_HUGE. */
int vmalloc_vmalloc(struct vmalloc *vm, uint64_t size, unsigned cpu,
		    uint64_t *addr);
int vmalloc_vzalloc(struct vmalloc *vm, uint64_t size, unsigned cpu,
		    uint64_t *addr);
int vmalloc_huge(struct vmalloc *vm, uint64_t size, unsigned cpu,
		 uint64_t *addr);

/*
 * vfree(): the area starting at @addr, allocated by vmalloc_*; clears its
 * leaves, frees its pages (and its vmalloc'd pages array), and frees the
 * area lazily (or at once when eager).  -ENOENT: no such area (or one made
 * by vmap); -EINVAL: cpu out of range.
 */
int vmalloc_vfree(struct vmalloc *vm, uint64_t addr, unsigned cpu);

/*
 * vmap(): map the @count base pages at the physical addresses @pages
 * (owned by the caller, not freed by vunmap) in a new area with a guard
 * page.  -EINVAL: count 0, a page not page-aligned or VMALLOC_NO_GUARD
 * in @flags (as the kernel refuses it); otherwise as vmalloc_node_range().
 */
int vmalloc_vmap(struct vmalloc *vm, const uint64_t *pages, uint64_t count,
		 unsigned flags, unsigned cpu, uint64_t *addr);

/* vunmap(): as vmalloc_vfree() for an area of vmalloc_vmap(); the pages
 * stay the caller's. */
int vmalloc_vunmap(struct vmalloc *vm, uint64_t addr, unsigned cpu);

/*
 * kvmalloc(): the kmalloc path or vmalloc, decided as the kernel does (see
 * above).  *addr is a direct-map or vmalloc address.  kvfree(): vfree for
 * a vmalloc address, else kfree; -ENOENT for an unknown address.
 */
int vmalloc_kvmalloc(struct vmalloc *vm, uint64_t size, unsigned cpu,
		     uint64_t *addr);
int vmalloc_kvfree(struct vmalloc *vm, uint64_t addr, unsigned cpu);

/*
 * vm_map_ram(): map the caller's @count pages.  Up to
 * VMALLOC_VMAP_MAX_ALLOC pages come from the CPU's vmap blocks (vb_alloc:
 * 2^get_order(count) pages taken in order from the first block of that
 * CPU with room, else from a new block of VMAP_BBMAP_BITS pages, aligned
 * to its size, no guard); larger counts get an area of their own without
 * a guard.  vm_unmap_ram(): clear the leaves; a block's pages are never
 * handed out again, and the block goes to the lazy list once all of them
 * are freed; an area of its own goes to the lazy list at once.  -EINVAL:
 * count 0, a page not aligned, or (unmap) no such mapping of that count.
 */
int vmalloc_vm_map_ram(struct vmalloc *vm, const uint64_t *pages,
		       uint64_t count, unsigned cpu, uint64_t *addr);
int vmalloc_vm_unmap_ram(struct vmalloc *vm, uint64_t addr, uint64_t count,
			 unsigned cpu);

/* alloc_pages_bulk() / __free_page() of base pages for vm_map_ram() and
 * vmap() callers: -ENOMEM when fewer than @n are free (none is taken). */
int vmalloc_pages_alloc(struct vmalloc *vm, uint64_t n, uint64_t *pages);
void vmalloc_pages_free(struct vmalloc *vm, uint64_t n,
			const uint64_t *pages);

/* Whether @addr lies in the vmalloc range (is_vmalloc_addr()). */
bool vmalloc_is_vmalloc_addr(const struct vmalloc *vm, uint64_t addr);

/*
 * vmalloc_to_page(): the physical address of the base page mapped at
 * @addr, found by walking the kernel page table.  -ENOENT: not mapped.
 */
int vmalloc_to_page(const struct vmalloc *vm, uint64_t addr, uint64_t *pa);

/*
 * CPU @cpu writes one byte of every base page of [addr, addr + size)
 * through its TLB.  -EINVAL: bad cpu or range; -EFAULT: a page is not
 * mapped (the pages before it were written).
 */
int vmalloc_touch(struct vmalloc *vm, uint64_t addr, uint64_t size,
		  unsigned cpu);

/* Purge the lazy list now (vm_unmap_aliases()); a no-op when empty. */
void vmalloc_purge(struct vmalloc *vm);

/* The live area starting at @addr into *a.  -ENOENT if none. */
int vmalloc_area(const struct vmalloc *vm, uint64_t addr,
		 struct vmalloc_area *a);

/* Counters and configuration; they cannot fail. */
void vmalloc_get_counters(const struct vmalloc *vm,
			  struct vmalloc_counters *c);
void vmalloc_get_cpu_counters(const struct vmalloc *vm, unsigned cpu,
			      struct vmalloc_cpu_counters *c);
unsigned vmalloc_cpus(const struct vmalloc *vm);
uint64_t vmalloc_page_size(const struct vmalloc *vm);
/* lazy_max_pages() for @cpus CPUs and pages of @page_size bytes. */
uint64_t vmalloc_lazy_max_pages(unsigned cpus, uint64_t page_size);
/* The name of the flush rule in use ("x86", "arm64", "riscv"). */
const char *vmalloc_flush_rule(const struct vmalloc *vm);
/* The flush ceiling in pages in use. */
uint64_t vmalloc_flush_ceiling(const struct vmalloc *vm);
/* The MMU of @cpu (for tests: translate through that CPU's TLB). */
struct mmu *vmalloc_cpu_mmu(const struct vmalloc *vm, unsigned cpu);

/* The free space of the vmalloc range as the strategy holds it. */
struct vmalloc_layout {
	uint64_t free_blocks;    /* maximal free runs */
	uint64_t free_bytes;
	uint64_t largest_free;   /* bytes of the largest run (the lowest
				  * of equals) */
	uint64_t low_end;        /* where that run starts: below it lies
				  * the packed part allocations fill */
	uint64_t low_free;       /* free bytes below low_end */
	uint64_t low_largest;    /* the largest run below low_end */
};

/*
 * vmalloc_layout(): the free runs of the range between every area that
 * holds strategy space (live, lazily freed, pooled, the reserved range).
 * The largest run is usually the vast middle of the range (some areas,
 * e.g. per-CPU chunks, sit near its end), so the part below it is
 * measured apart.  O(n log n) in the areas.  0, or -ENOMEM (then *l is
 * untouched).
 */
int vmalloc_layout(const struct vmalloc *vm, struct vmalloc_layout *l);

/*
 * Validator: the areas agree with the strategy (every live and lazy area
 * is busy there, vmap_check() passes), the lazy count is the sum of the
 * lazy areas' pages, every page of a live area is mapped where
 * vmalloc_to_page() says, and pt_check() passes.  0 or -EUCLEAN with @r.
 * O(live pages).  Never prints.
 */
int vmalloc_check(const struct vmalloc *vm, struct reason *r);

/* ---- workloads: op streams for the whole system ---- */

/*
 * The tests of Linux's lib/test_vmalloc.c run on the system: areas get
 * real pages and page-table entries, optionally touched by their CPU.
 * The address-only workloads of workload.h (fix_size, full_fit,
 * long_busy_list, random_size, fix_align, random_size_align, align_shift)
 * are generated there and turned into ops here (an area of N pages there
 * is N - 1 pages plus the guard here; a lookup is a touch); kvfree is
 * kvfree_rcu_1_arg_vmalloc_test (the RCU grace period not modelled: an
 * immediate kvfree); pcpu is pcpu_alloc_test as far as it reaches vmalloc
 * (chunks of 64 pages per CPU, workload.c); vm_map_ram is vm_map_ram_test
 * (pages taken once,
 * then map, write, unmap); kvmalloc is ours: kvmalloc of 1 byte ..
 * --pages pages, log-uniform, touch, kvfree.  long_busy_list is framed
 * as the kernel test runs it: its ptr[] array (vmalloc(sizeof(void *) x
 * 15000), pointers of 8 bytes when the range lies above 4 GiB, else 4)
 * allocated first, the 15000 areas freed in order after the loop and the
 * array last.
 *
 * CPUs: round-robin (each area, in the order of allocation, belongs to
 * the next CPU, which allocates, touches and frees it) or streams (every
 * CPU runs its own copy of the workload, seeded seed + cpu, and the
 * streams are interleaved op by op).
 */
enum vmalloc_op_kind {
	VMALLOC_OP_ALLOC,        /* vmalloc_node_range(size, align, flags) */
	VMALLOC_OP_FREE,         /* vfree (kvfree for a kvmalloc'd id) */
	VMALLOC_OP_TOUCH,        /* vmalloc_touch() of the whole area */
	VMALLOC_OP_KVMALLOC,     /* kvmalloc(size) */
	VMALLOC_OP_PAGES,        /* take size pages for the map ops */
	VMALLOC_OP_MAP_RAM,      /* vm_map_ram of size pages of them */
	VMALLOC_OP_UNMAP_RAM,    /* vm_unmap_ram of that id */
	VMALLOC_OP_PAGES_FREE,   /* give the pages back */
};

struct vmalloc_op {
	uint8_t kind;            /* enum vmalloc_op_kind */
	uint8_t flags;           /* ALLOC: VMALLOC_ALLOW_HUGE, ... */
	uint16_t cpu;
	uint32_t pad;
	uint64_t id;             /* dense: 0 .. ids - 1 */
	uint64_t size;           /* ALLOC, KVMALLOC: bytes */
	uint64_t align;          /* ALLOC */
};

struct vmalloc_ops {
	struct vmalloc_op *ops;
	size_t n, cap;
	uint64_t ids;            /* ids used: 0 .. ids - 1 */
	/*
	 * ops[0 .. setup) are the test's set-up before its loop (streams:
	 * every CPU's set-up lies below it): long_busy_list's ptr[] array
	 * and its 15000 areas; 0 for the other workloads.  The background
	 * of stack_every starts after it.
	 */
	size_t setup;
	/*
	 * ops[n - teardown .. n) are the test's clean-up after its loop
	 * (streams: from the first CPU's clean-up on): long_busy_list's
	 * vfree of the 15000 areas and of ptr[]; 0 for the others.  The
	 * ops between are the loop's only; no background in the clean-up.
	 */
	size_t teardown;
};

struct vmalloc_gen_params {
	uint64_t seed;
	uint64_t loops;
	uint64_t pages;          /* fix_size: pages; kvmalloc: largest size */
	unsigned cpus;           /* CPUs to spread the work over */
	bool streams;            /* every CPU its own stream */
	bool touch;              /* touch each area after allocating it */
	bool huge;               /* allocations allow huge mappings */
	uint64_t start, end;     /* the vmalloc range (placement of the
				  * address-only generators) */
	uint64_t page_size;
	/*
	 * Background load: after every stack_every-th vmalloc of the
	 * workload's loop (the set-up, ops[0 .. setup), has none: in the
	 * kernel it takes a few ms of a run of many seconds), a thread is
	 * created and exits on that CPU: its stack
	 * (VMALLOC_STACK_BYTES aligned to as much, x86-64's THREAD_SIZE and
	 * THREAD_ALIGN with CONFIG_VMAP_STACK) is vmalloc'd and vfree'd, as
	 * alloc_thread_stack_node() does when its cache of 2 stacks per CPU
	 * is empty.  0: none.
	 */
	uint64_t stack_every;
};

#define VMALLOC_STACK_BYTES (16ULL << 10)

struct vmalloc_workload {
	const char *name;
	const char *summary;
};

/* The workloads, in a fixed order; cannot fail. */
const struct vmalloc_workload *vmalloc_workloads(size_t *count);

/* Defaults: seed 1, 1000 loops, 1 page, 1 CPU, round-robin, x86-64's
 * vmalloc range, 4K pages. */
void vmalloc_gen_defaults(struct vmalloc_gen_params *p);

/*
 * Generate workload @name into @out (emptied first).  -EINVAL with @r
 * naming the parameter (->what: "name", "loops", "pages", "cpus") or
 * -ENOMEM.
 */
int vmalloc_gen(const char *name, const struct vmalloc_gen_params *p,
		struct vmalloc_ops *out, struct reason *r);

void vmalloc_ops_free(struct vmalloc_ops *o);

/*
 * A run: the table from id to address, sized once so that running
 * allocates nothing.  vmalloc_run() replays the ops on @vm (whose CPUs
 * must cover every op's cpu); an allocation that fails (-ENOSPC,
 * -ENOMEM) is a result, counted by the system, and the ops on its id are
 * skipped.  Other errors are returned with the op's index in @r's line
 * (1-based).
 */
struct vmalloc_run {
	const struct vmalloc_ops *ops;
	uint64_t *addr;          /* per id; 0: none */
	uint8_t *kv;             /* per id: from kvmalloc */
	uint64_t *pages;         /* the pages of the map ops */
	uint64_t npages, cap_pages;
};

int vmalloc_run_init(struct vmalloc_run *run, const struct vmalloc_ops *o);
int vmalloc_run(struct vmalloc_run *run, struct vmalloc *vm,
		struct reason *r);
/* The same for ops[@first .. @last) only (the set-up, the loop and the
 * clean-up in turn replay the whole); -EINVAL if @last is beyond n. */
int vmalloc_run_range(struct vmalloc_run *run, struct vmalloc *vm,
		      size_t first, size_t last, struct reason *r);
/* Release the table (the areas still live stay in the system). */
void vmalloc_run_fini(struct vmalloc_run *run);

#endif /* VMBENCH_VMALLOC_H */
