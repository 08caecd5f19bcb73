/* SPDX-License-Identifier: MIT */
/*
 * Internals of the vmalloc module, shared by vmalloc.c (the interfaces,
 * pages and page tables) and flush.c (the CPUs, the flush rules of each
 * architecture, the lazy list and the purge).
 *
 * Conventions in this directory: @vm is the system, @a an area (the
 * kernel's vmap_area and vm_struct in one), "page" the base page of the
 * page table's geometry, "pmd" its level-1 leaf.
 */
#ifndef VMBENCH_VMALLOC_IMPL_H
#define VMBENCH_VMALLOC_IMPL_H

#include <vmbench/buddy.h>
#include <vmbench/mmu.h>
#include <vmbench/rbtree.h>
#include <vmbench/tlb.h>
#include <vmbench/vmalloc.h>
#include <vmbench/vmap.h>

struct vm_area {
	struct rb_node node;     /* in vm->areas while live */
	uint64_t addr, size;     /* size: guard page included */
	uint64_t nr_pages;       /* base pages in pages[] */
	uint64_t *pages;         /* physical addresses of the base pages */
	uint64_t pages_va;       /* VMALLOC_VPAGES: the array's own area */
	uint64_t caller;
	unsigned flags;
	unsigned page_shift;     /* leaf size of the mapping */
	struct vm_area *lazy_next;  /* on the lazy list */
	struct vm_area *pool_prev, *pool_next;  /* in a node pool */
	int vn;                  /* requesting vmap node, -1: none */
};

/* MAX_VA_SIZE_PAGES: areas up to this many pages are pooled. */
#define VMALLOC_POOL_PAGES 256
#define VMALLOC_MAX_NODES 128

/* One exact-size pool of a vmap node: a list, head first. */
struct vpool {
	struct vm_area *head, *tail;
	uint64_t len;
};

/* A kmalloc'd object of kvmalloc: whole pages of the buddy allocator. */
struct kobj {
	struct rb_node node;
	uint64_t addr, pa;
	unsigned order;
};

/*
 * How flush_tlb_kernel_range() and pmd_free_pte_page() reach the TLBs on
 * one architecture (6.12: arch/x86/mm/tlb.c, arch/arm64/include/asm/
 * tlbflush.h, arch/riscv/mm/tlbflush.c, and each pmd_free_pte_page()).
 */
enum pte_free_flush {
	PTE_FREE_NONE,           /* huge vmalloc not supported there */
	PTE_FREE_RANGE_PAGE,     /* flush_tlb_kernel_range(a, a + PAGE - 1) */
	PTE_FREE_RANGE_PMD,      /* flush_tlb_kernel_range(a, a + PMD_SIZE) */
	PTE_FREE_TABLE,          /* one broadcast table-walk invalidation */
};

struct flush_rule {
	const char *name;        /* "x86", "arm64", "riscv" */
	const struct pt_arch *arch;
	uint64_t ceiling;        /* pages; 0: PTRS_PER_PTE (MAX_TLBI_OPS) */
	bool ipis;               /* other CPUs are reached by IPIs */
	bool huge;               /* HAVE_ARCH_HUGE_VMALLOC */
	enum pte_free_flush pte_free;
	const char *tlb;         /* default TLB preset */
	/*
	 * arch_vmap_pte_supported_shift() above PAGE_SHIFT: huge vmalloc
	 * below PMD size maps contiguous-PTE runs (arm64 CONT_PTE, 6.16)
	 * where the geometry has them.
	 */
	bool cont_pte;
};

/*
 * A per-CPU vmap block (mm/vmalloc.c's struct vmap_block): an area of
 * vb_pages pages without guard, handed out front to back in power-of-two
 * pieces; freed pieces become dirty and are never handed out again.
 */
struct vblock {
	struct rb_node node;     /* in vm->vblocks by address */
	struct vm_area *a;
	unsigned cpu;
	uint64_t free, dirty;    /* pages */
	uint64_t dirty_min, dirty_max;  /* not yet flushed, in pages */
	struct vblock *prev, *next;     /* the CPU's list of blocks with
					 * room, oldest first */
	bool listed;
	uint64_t used[];         /* bitmap of pages in use */
};

struct vcpu {
	struct tlb *tlb;
	struct mmu *mmu;
	struct vmalloc_cpu_counters c;
	struct vblock *vb_head, *vb_tail;
};

struct vmalloc {
	struct vmalloc_config cfg;
	const struct flush_rule *rule;
	struct vmap *v;
	struct pt *pt;
	const struct pt_geometry *g;
	struct buddy *buddy;
	unsigned page_shift, pmd_shift, pmd_order;
	uint64_t page, pmd_size;
	unsigned cont_shift;     /* CONT_PTE_SHIFT; 0: no contiguous PTEs */
	uint64_t ceiling, lazy_max;
	uint64_t reserved;       /* 1 when a reserved range is held */
	struct rb_root areas;    /* live areas by address */
	struct rb_root kobjs;    /* kmalloc'd objects by address */
	struct rb_root vblocks;  /* vmap blocks by address */
	uint64_t vb_pages;       /* VMAP_BBMAP_BITS */
	unsigned nodes;          /* vmap nodes: pools when above 1 */
	struct vpool *pools;     /* nodes * VMALLOC_POOL_PAGES */
	struct vm_area *lazy;    /* lazily freed areas, newest first */
	uint64_t lazy_start, lazy_end;  /* min start, max end of the lazy */
	struct vmalloc_counters c;
	struct vcpu *cpu;
	unsigned ncpus;
};

/* flush.c */
const struct flush_rule *vmalloc_rule_of(const struct pt_arch *arch);
int vmalloc_cpus_create(struct vmalloc *vm, const char *spec,
			struct reason *r);
void vmalloc_cpus_destroy(struct vmalloc *vm);
/* flush_tlb_kernel_range(start, end) on every CPU, by the rule. */
void vmalloc_flush_range(struct vmalloc *vm, uint64_t start, uint64_t end);
/* The flush of pmd_free_pte_page() for the PMD slot at @addr. */
void vmalloc_flush_table(struct vmalloc *vm, uint64_t addr);
/* free_vmap_area_noflush(): the area's leaves are clear already. */
void vmalloc_free_area_lazy(struct vmalloc *vm, struct vm_area *a);
/*
 * __purge_vmap_area_lazy(start, end): when areas are lazy, flush once
 * over [min(start, their lowest start), max(end, their highest end)) and
 * return them to the strategy; true when it did.
 */
bool vmalloc_purge_lazy(struct vmalloc *vm, uint64_t start, uint64_t end,
			bool on_failure);
/* Release an area struct and its pages array. */
void vmalloc_area_release(struct vm_area *a);
/* node_alloc(): a pooled area of @size for @cpu, or NULL; *vn gets the
 * node the allocation belongs to (-1: none). */
struct vm_area *vmalloc_node_alloc(struct vmalloc *vm, uint64_t size,
				   uint64_t align, unsigned cpu, int *vn);
/* Give every pooled area back to the strategy (the shrinker). */
void vmalloc_pools_drain(struct vmalloc *vm);
/* For vmalloc_area_move(): unlink the pooled area at @addr of @size
 * from whichever node's pool holds it (NULL: none); put an area back at
 * the head of node @vn's pool. */
struct vm_area *vmalloc_pool_take(struct vmalloc *vm, uint64_t addr,
				  uint64_t size);
void vmalloc_pool_put(struct vmalloc *vm, struct vm_area *a);

#endif /* VMBENCH_VMALLOC_IMPL_H */
