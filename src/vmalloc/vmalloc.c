/* SPDX-License-Identifier: MIT */
/*
 * The vmalloc interfaces: areas, their pages and their page-table entries
 * (the model is described in vmalloc.h; flush.c holds the CPUs, the lazy
 * list and the purge).
 *
 * The call chain follows Linux 6.12's mm/vmalloc.c:
 *   vmalloc_node_range   __vmalloc_node_range_noprof(): the huge decision,
 *                        then get_area() (__get_vm_area_node() and
 *                        alloc_vmap_area(), with one purge and retry on no
 *                        room), then area_populate() (__vmalloc_area_node():
 *                        pages array, pages, map_pages()); a huge attempt
 *                        that fails is vfree()d and retried with base pages
 *   vmalloc_vfree        unmap_leaves() (vunmap_range_noflush()), the pages
 *                        back to the buddy allocator, the area to the lazy
 *                        list, then the vmalloc'd pages array (kvfree)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/reason.h>

#include "vmalloc_impl.h"

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

/* PAGE_KERNEL: read, write, no exec, global. */
#define KERNEL_PROT (PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL)

/* ---- trees ---- */

static bool area_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct vm_area, node)->addr <
	       rb_entry(b, struct vm_area, node)->addr;
}

static int area_cmp(const void *key, const struct rb_node *n)
{
	uint64_t k = *(const uint64_t *)key, a = rb_entry(n, struct vm_area,
							     node)->addr;

	return k < a ? -1 : k > a;
}

static struct vm_area *area_find(const struct vmalloc *vm, uint64_t addr)
{
	struct rb_node *n = rb_find(&addr, &vm->areas, area_cmp);

	return n ? rb_entry(n, struct vm_area, node) : NULL;
}

static bool kobj_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct kobj, node)->addr <
	       rb_entry(b, struct kobj, node)->addr;
}

static int kobj_cmp(const void *key, const struct rb_node *n)
{
	uint64_t k = *(const uint64_t *)key, a = rb_entry(n, struct kobj,
							     node)->addr;

	return k < a ? -1 : k > a;
}

/* ---- kernel models ---- */

static const struct vmalloc_kernel kernels[] = {
	{ "2.6.27", "vmlist: a sorted list, a flush on every free", "list",
	  true, false },
	{ "4.19", "busy rb-tree with the free_vmap_cache, lazy purge",
	  "rbtree-cached", false, false },
	{ "5.2", "augmented free tree (Rezki), lazy purge", "augrb", false,
	  false },
	/* 6.9: the search length size + align - 1 for align > page
	 * (find_vmap_lowest_match(), read in 6.12): augrb-linux. */
	{ "6.9", "vmap_node pools per CPU, the kernel's aligned search",
	  "augrb-linux", false, true },
};

const struct vmalloc_kernel *vmalloc_kernels(size_t *count)
{
	*count = sizeof(kernels) / sizeof(kernels[0]);
	return kernels;
}

/* ---- create / destroy ---- */

/*
 * VMAP_BBMAP_BITS: min(1024, max(2 * VMAP_MAX_ALLOC, VMALLOC_PAGES /
 * roundup_pow_of_two(NR_CPUS) / 16)) with VMALLOC_SPACE guessed as
 * 128 GiB (64-bit).
 */
static uint64_t vb_pages(uint64_t nr_cpus, unsigned page_shift)
{
	uint64_t pages = (128ULL << 30) >> page_shift, pow2 = 1, n;

	while (pow2 < nr_cpus)
		pow2 <<= 1;
	n = pages / pow2 / 16;
	if (n < 2 * VMALLOC_VMAP_MAX_ALLOC)
		n = 2 * VMALLOC_VMAP_MAX_ALLOC;
	return n > 1024 ? 1024 : n;
}

uint64_t vmalloc_lazy_max_pages(unsigned cpus, uint64_t page_size)
{
	unsigned fls = cpus ? 32u - (unsigned)__builtin_clz(cpus) : 0;

	return fls * ((32ULL << 20) / page_size);
}

int vmalloc_create(struct vmalloc **out, const struct vmalloc_config *cfg,
		   struct reason *r)
{
	const struct pt_geometry *g;
	struct vmalloc *vm;
	int err;

	if (!cfg->pt || !cfg->buddy)
		return reason_fail_opt(r, -EINVAL, "pt", "a page table and a "
				       "page allocator are needed");
	g = pt_geometry_of(cfg->pt);
	if (!cfg->cpus || cfg->cpus > VMALLOC_MAX_CPUS)
		return reason_fail_opt(r, -EINVAL, "cpus", "must be 1..%d",
				       VMALLOC_MAX_CPUS);
	if (buddy_frame_shift(cfg->buddy) != g->page_shift)
		return reason_fail_opt(r, -EINVAL, "buddy", "frames of %u bits "
				       "differ from the %s page of %u bits",
				       buddy_frame_shift(cfg->buddy), g->name,
				       g->page_shift);
	if (!vmalloc_rule_of(g->arch))
		return reason_fail_opt(r, -EINVAL, "arch", "no flush rule for "
				       "%s", pt_arch_name(g->arch));
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return reason_fail(r, -ENOMEM, 0, "out of memory");
	vm->cfg = *cfg;
	vm->rule = vmalloc_rule_of(g->arch);
	vm->pt = cfg->pt;
	vm->g = g;
	vm->buddy = cfg->buddy;
	vm->ncpus = cfg->cpus;
	vm->page_shift = g->page_shift;
	vm->page = 1ULL << g->page_shift;
	vm->pmd_shift = pt_level_shift(g, 1);
	vm->pmd_size = 1ULL << vm->pmd_shift;
	vm->pmd_order = vm->pmd_shift - vm->page_shift;
	if (vm->rule->cont_pte && g->contig[0] > 1)
		vm->cont_shift = vm->page_shift +
				 (unsigned)__builtin_ctz(g->contig[0]);
	vm->ceiling = cfg->flush_ceiling ? cfg->flush_ceiling :
		      vm->rule->ceiling ? vm->rule->ceiling :
		      1ULL << g->bits[0];
	vm->lazy_max = cfg->lazy_max_pages ? cfg->lazy_max_pages :
		       vmalloc_lazy_max_pages(cfg->cpus, vm->page);
	vm->c.lazy_max_pages = vm->lazy_max;
	vm->areas = RB_ROOT;
	vm->kobjs = RB_ROOT;
	vm->vblocks = RB_ROOT;
	vm->vb_pages = vb_pages(cfg->nr_cpus_config ? cfg->nr_cpus_config :
				8192, vm->page_shift);
	vm->c.vblock_pages = vm->vb_pages;
	vm->nodes = 1;
	if (cfg->node_pools && cfg->cpus > 1) {
		vm->nodes = cfg->cpus > VMALLOC_MAX_NODES ? VMALLOC_MAX_NODES :
			    cfg->cpus;
		vm->pools = calloc((size_t)vm->nodes * VMALLOC_POOL_PAGES,
				   sizeof(*vm->pools));
		if (!vm->pools) {
			free(vm);
			return reason_fail(r, -ENOMEM, 0, "out of memory");
		}
	}
	vm->c.vmap_nodes = vm->nodes;
	err = vmap_create(&vm->v, cfg->strategy ? cfg->strategy : "augrb",
			  cfg->start, cfg->end, vm->page);
	if (err) {
		free(vm->pools);
		free(vm);
		if (err == -EINVAL && !vmap_strategy_find(cfg->strategy ?
							  cfg->strategy : ""))
			return reason_fail_opt(r, err, "strategy", "unknown "
					       "strategy '%s'",
					       cfg->strategy);
		if (err == -EINVAL)
			return reason_fail_opt(r, err, "range", "[%#llx, %#llx)"
					       " is not a page-aligned range",
					       (unsigned long long)cfg->start,
					       (unsigned long long)cfg->end);
		return reason_fail(r, err, 0, "out of memory");
	}
	if (cfg->reserved_start != cfg->reserved_end) {
		uint64_t got;

		err = vmap_alloc(vm->v, cfg->reserved_end - cfg->reserved_start,
				 vm->page, cfg->reserved_start,
				 cfg->reserved_end, &got);
		if (err || cfg->reserved_end < cfg->reserved_start) {
			vmap_destroy(vm->v);
			free(vm->pools);
			free(vm);
			return reason_fail_opt(r, -EINVAL, "reserved", "[%#llx, "
					       "%#llx) is not a page-aligned "
					       "part of the range",
					       (unsigned long long)
					       cfg->reserved_start,
					       (unsigned long long)
					       cfg->reserved_end);
		}
		vm->reserved = 1;
	}
	err = vmalloc_cpus_create(vm, cfg->tlb ? cfg->tlb : vm->rule->tlb, r);
	if (err) {
		vmalloc_cpus_destroy(vm);
		vmap_destroy(vm->v);
		free(vm->pools);
		free(vm);
		if (err == -ENOMEM)
			reason_fail(r, err, 0, "out of memory");
		return err;
	}
	*out = vm;
	return 0;
}

/* ---- page tables ---- */

/*
 * Map the @n base pages @pages at @addr, one pt_map() per run of
 * physically consecutive pages.  On error the leaves written are cleared.
 */
static int map_base(struct vmalloc *vm, uint64_t addr, const uint64_t *pages,
		    uint64_t n)
{
	uint64_t i = 0;
	int err = 0;

	while (i < n && !err) {
		uint64_t run = 1;

		while (i + run < n && pages[i + run] ==
		       pages[i] + (run << vm->page_shift))
			run++;
		err = pt_map(vm->pt, addr + (i << vm->page_shift), pages[i],
			     run << vm->page_shift, KERNEL_PROT, 0);
		if (!err) {
			vm->c.pte_writes += run;
			i += run;
		}
	}
	if (err && i)
		(void)pt_unmap_keep(vm->pt, addr, i << vm->page_shift, 0);
	return err;
}

/*
 * Map @a's pages (vmap_pages_range()): base pages in runs of physically
 * consecutive pages, or one PMD leaf per chunk, first freeing an empty
 * PTE page that holds the slot (pmd_free_pte_page()).  On error the
 * leaves written are cleared again.
 */
static int map_pages(struct vmalloc *vm, struct vm_area *a)
{
	uint64_t n = a->nr_pages, i = 0;
	int err = 0;

	if (a->page_shift == vm->pmd_shift) {
		uint64_t per = 1ULL << vm->pmd_order;

		for (i = 0; i < n && !err; i += per) {
			uint64_t va = a->addr + (i << vm->page_shift);
			struct pt_walk w;

			pt_walk(vm->pt, va, &w);
			if (w.fault == PT_FAULT_NOT_PRESENT && w.level == 0) {
				err = pt_unmap_keep(vm->pt, va, vm->pmd_size,
						    1);
				if (err)
					break;
				vm->c.pte_pages_freed++;
				vmalloc_flush_table(vm, va);
			}
			err = pt_map(vm->pt, va, a->pages[i], vm->pmd_size,
				     KERNEL_PROT, PT_MAP_HUGE);
			if (!err)
				vm->c.pmd_writes++;
		}
	} else if (a->page_shift == vm->cont_shift) {
		/* vmap_pte_range(): arch_vmap_pte_range_map_size() gives a
		 * whole run per chunk, both addresses aligned to it. */
		uint64_t per = 1ULL << (vm->cont_shift - vm->page_shift);

		for (i = 0; i < n && !err; i += per) {
			err = pt_map(vm->pt, a->addr + (i << vm->page_shift),
				     a->pages[i], per << vm->page_shift,
				     KERNEL_PROT, PT_MAP_CONT);
			if (!err) {
				vm->c.pte_writes += per;
				vm->c.cont_runs++;
			}
		}
	} else {
		return map_base(vm, a->addr, a->pages, n);
	}
	if (err && i)
		(void)pt_unmap_keep(vm->pt, a->addr, i << vm->page_shift, 0);
	return err;
}

/* vunmap_range_noflush(): clear the leaves, keep every table. */
static void unmap_leaves(struct vmalloc *vm, struct vm_area *a)
{
	if (!a->nr_pages)
		return;
	/* The range was mapped by map_pages(): nothing can fail. */
	(void)pt_unmap_keep(vm->pt, a->addr, a->nr_pages << vm->page_shift, 0);
	if (a->page_shift == vm->pmd_shift)
		vm->c.pmd_clears += a->nr_pages >> vm->pmd_order;
	else
		vm->c.pte_clears += a->nr_pages;
}

/* ---- areas ---- */

static void vb_purge_blocks(struct vmalloc *vm, bool force, uint64_t *start,
			    uint64_t *end);

/*
 * __get_vm_area_node() + alloc_vmap_area(): reserve @size bytes (already
 * rounded to the mapping's page size) plus the guard.  No room: purge the
 * lazy list once and retry.
 */
static int get_area(struct vmalloc *vm, uint64_t size, uint64_t align,
		    unsigned flags, unsigned shift, uint64_t caller,
		    unsigned cpu, struct vm_area **out)
{
	struct vm_area *a;
	uint64_t addr;
	int err = 0, vn;

	if (!(flags & VMALLOC_NO_GUARD)) {
		if (size > UINT64_MAX - vm->page)
			return -ENOSPC;
		size += vm->page;
	}
	/* 6.9: the requesting CPU's node pool first. */
	a = vmalloc_node_alloc(vm, size, align, cpu, &vn);
	if (a) {
		addr = a->addr;
		memset(a, 0, sizeof(*a));
	} else {
		a = calloc(1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		err = vmap_alloc(vm->v, size, align, vm->cfg.start,
				 vm->cfg.end, &addr);
	}
	a->vn = vn;
	if (err == -ENOSPC) {
		/* reclaim_and_purge_vmap_areas(), then one retry. */
		vb_purge_blocks(vm, true, NULL, NULL);
		(void)vmalloc_purge_lazy(vm, UINT64_MAX, 0, true);
		err = vmap_alloc(vm->v, size, align, vm->cfg.start,
				 vm->cfg.end, &addr);
	}
	if (err) {
		free(a);
		return err;
	}
	a->addr = addr;
	a->size = size;
	a->flags = flags;
	a->caller = caller;
	a->page_shift = shift;
	rb_add(&a->node, &vm->areas, area_less);
	*out = a;
	return 0;
}

static void free_pages(struct vmalloc *vm, struct vm_area *a)
{
	for (uint64_t i = 0; i < a->nr_pages; i++)
		(void)buddy_free(vm->buddy, a->pages[i], 0);
	vm->c.pages_freed += a->nr_pages;
}

/*
 * remove_vm_area() and what vfree / vunmap do after it: leaves cleared,
 * the area out of the live tree and onto the lazy list, the pages freed
 * when they are the area's own, then the vmalloc'd pages array.
 */
static void release_area(struct vmalloc *vm, struct vm_area *a,
			 unsigned cpu)
{
	uint64_t pages_va = a->pages_va;

	unmap_leaves(vm, a);
	rb_erase(&a->node, &vm->areas);
	if (a->flags & VMALLOC_ALLOC)
		free_pages(vm, a);
	if (a->nr_pages) {
		vm->c.live_areas--;
		vm->c.live_pages -= a->nr_pages;
	}
	free(a->pages);
	a->pages = NULL;
	a->nr_pages = 0;
	vmalloc_free_area_lazy(vm, a);
	if (pages_va)
		(void)vmalloc_vfree(vm, pages_va, cpu);
}

/* vm_area_alloc_pages(): @n base pages into a->pages, as many as it can. */
static void alloc_pages(struct vmalloc *vm, struct vm_area *a, uint64_t n)
{
	uint64_t *p = a->pages;

	if (a->page_shift == vm->page_shift) {
		while (a->nr_pages < n) {
			uint64_t want = n - a->nr_pages;
			int got;

			if (want > BUDDY_BULK_MAX)
				want = BUDDY_BULK_MAX;
			vm->c.bulk_calls++;
			got = buddy_alloc_bulk(vm->buddy, (unsigned)want,
					       p + a->nr_pages);
			if (got <= 0)
				break;
			a->nr_pages += (uint64_t)got;
			if ((uint64_t)got != want)
				break;
		}
	}
	while (a->nr_pages < n) {
		unsigned order = a->page_shift - vm->page_shift;
		uint64_t pa;

		if (buddy_alloc(vm->buddy, order, &pa))
			break;
		if (order)
			(void)buddy_split(vm->buddy, pa, order);
		for (uint64_t i = 0; i < 1ULL << order; i++)
			p[a->nr_pages + i] = pa + (i << vm->page_shift);
		a->nr_pages += 1ULL << order;
	}
	vm->c.pages_allocated += a->nr_pages;
}

/*
 * __vmalloc_area_node(): the pages array (vmalloc'd above a page of
 * pointers), the pages, the mapping.  On failure the area is released as
 * vfree() would (lazily) and -ENOMEM returned.
 */
static int area_populate(struct vmalloc *vm, struct vm_area *a,
			 unsigned cpu)
{
	uint64_t n = (a->size - (a->flags & VMALLOC_NO_GUARD ? 0 : vm->page))
		     >> vm->page_shift;
	int err;

	a->pages = calloc(n, sizeof(*a->pages));
	if (!a->pages) {
		release_area(vm, a, cpu);
		return -ENOMEM;
	}
	if (n * sizeof(uint64_t) > vm->page) {
		err = vmalloc_node_range(vm, n * sizeof(uint64_t), 1, 0, cpu,
					 a->caller, &a->pages_va);
		if (err) {
			release_area(vm, a, cpu);
			return err;
		}
		a->flags |= VMALLOC_VPAGES;
		vm->c.vpages_areas++;
	}
	alloc_pages(vm, a, n);
	if (a->nr_pages != n) {
		free_pages(vm, a);
		a->nr_pages = 0;
		release_area(vm, a, cpu);
		return -ENOMEM;
	}
	err = map_pages(vm, a);
	if (err) {
		free_pages(vm, a);
		a->nr_pages = 0;
		release_area(vm, a, cpu);
		return err;
	}
	vm->c.live_areas++;
	vm->c.live_pages += n;
	if (a->flags & VMALLOC_ZERO)
		vm->c.zeroed_pages += n;
	return 0;
}

static bool cpu_ok(const struct vmalloc *vm, unsigned cpu)
{
	return cpu < vm->ncpus;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return x > UINT64_MAX - (a - 1) ? 0 : (x + (a - 1)) & ~(a - 1);
}

int vmalloc_node_range(struct vmalloc *vm, uint64_t size, uint64_t align,
		       unsigned flags, unsigned cpu, uint64_t caller,
		       uint64_t *addr)
{
	unsigned shift = vm->page_shift;
	uint64_t real_align = align < vm->page ? vm->page : align;
	uint64_t real_size = align_up(size, vm->page);
	struct vm_area *a;
	int err;

	if (!size || !real_size || (align & (align - 1)) || !cpu_ok(vm, cpu) ||
	    flags & ~(VMALLOC_ALLOW_HUGE | VMALLOC_NO_GUARD | VMALLOC_ZERO))
		return -EINVAL;
	if (real_size >> vm->page_shift > buddy_frames(vm->buddy)) {
		vm->c.failed++;
		return -ENOMEM;
	}
	align = real_align;
	size = real_size;
	if (flags & VMALLOC_ALLOW_HUGE && vm->rule->huge && !vm->cfg.nohuge) {
		if (vm->g->leaf_levels & 2u && size >= vm->pmd_size) {
			if (vm->pmd_order <= buddy_max_order(vm->buddy))
				shift = vm->pmd_shift;
		} else if (vm->cont_shift && size >> vm->cont_shift &&
			   vm->cont_shift - vm->page_shift <=
			   buddy_max_order(vm->buddy)) {
			shift = vm->cont_shift;
		}
		if (shift != vm->page_shift) {
			if (align < 1ULL << shift)
				align = 1ULL << shift;
			size = align_up(size, 1ULL << shift);
			if (!size)
				return -ENOSPC;
		}
	}
	for (;;) {
		err = get_area(vm, size, align, flags | VMALLOC_ALLOC, shift,
			       caller, cpu, &a);
		if (!err)
			err = area_populate(vm, a, cpu);
		if (!err || shift == vm->page_shift)
			break;
		/* The huge attempt failed: base pages, as requested. */
		vm->c.huge_fallbacks++;
		shift = vm->page_shift;
		align = real_align;
		size = real_size;
	}
	if (err) {
		vm->c.failed++;
		return err;
	}
	vm->c.vmallocs++;
	if (shift == vm->pmd_shift)
		vm->c.huge_areas++;
	else if (shift != vm->page_shift)
		vm->c.cont_areas++;
	*addr = a->addr;
	return 0;
}

int vmalloc_reserve(struct vmalloc *vm, uint64_t addr, uint64_t size,
		    int cpu)
{
	struct vm_area *a;
	uint64_t got;
	int err;

	if (!size || (addr | size) & (vm->page - 1) ||
	    (cpu >= 0 && !cpu_ok(vm, (unsigned)cpu)) ||
	    addr < vm->cfg.start || addr > vm->cfg.end ||
	    size > vm->cfg.end - addr)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	err = vmap_alloc(vm->v, size, vm->page, addr, addr + size, &got);
	if (err) {
		free(a);
		return err == -ENOSPC ? -EBUSY : err;
	}
	a->addr = addr;
	a->size = size;
	a->flags = VMALLOC_ALLOC;
	a->page_shift = vm->page_shift;
	a->vn = cpu >= 0 && vm->nodes > 1 ? (int)((unsigned)cpu % vm->nodes)
					  : -1;
	rb_add(&a->node, &vm->areas, area_less);
	return 0;
}

int vmalloc_alloc_area(struct vmalloc *vm, uint64_t size, uint64_t align,
		       unsigned cpu, uint64_t *addr)
{
	struct vm_area *a;
	int err;

	if (!size || size & (vm->page - 1) || (align & (align - 1)) ||
	    !cpu_ok(vm, cpu))
		return -EINVAL;
	if (align < vm->page)
		align = vm->page;
	/* The size holds the guard already: NO_GUARD adds none. */
	err = get_area(vm, size, align, VMALLOC_ALLOC | VMALLOC_NO_GUARD,
		       vm->page_shift, 0, cpu, &a);
	if (err) {
		vm->c.failed++;
		return err;
	}
	vm->c.vmallocs++;
	*addr = a->addr;
	return 0;
}

int vmalloc_area_move(struct vmalloc *vm, uint64_t from, uint64_t to,
		      bool pooled)
{
	struct vm_area *a = area_find(vm, from), *p, *back = NULL;
	uint64_t got;
	int err;

	if (!a || a->nr_pages || a->pages_va)
		return -ENOENT;
	if (from == to)
		return 0;
	if (to < vm->cfg.start || to > vm->cfg.end ||
	    a->size > vm->cfg.end - to)
		return -EBUSY;
	if (pooled) {
		if (a->vn < 0 || !vm->pools ||
		    a->size > (uint64_t)VMALLOC_POOL_PAGES << vm->page_shift)
			return -EINVAL;
		back = calloc(1, sizeof(*back));
		if (!back)
			return -ENOMEM;
	}
	/* Release @from first: @to may overlap it. */
	if (back) {
		back->addr = from;
		back->size = a->size;
		back->vn = a->vn;
		vmalloc_pool_put(vm, back);
	} else {
		(void)vmap_free(vm->v, from);
	}
	p = vmalloc_pool_take(vm, to, a->size);
	if (p) {
		vmalloc_area_release(p);
		err = 0;
	} else {
		err = vmap_alloc(vm->v, a->size, vm->page, to, to + a->size,
				 &got);
	}
	if (err) {
		/* Undo: @from was held a moment ago, so this cannot fail. */
		if (back) {
			(void)vmalloc_pool_take(vm, from, a->size);
			vmalloc_area_release(back);
		} else
			(void)vmap_alloc(vm->v, a->size, vm->page, from,
					 from + a->size, &got);
		return err == -ENOSPC ? -EBUSY : err;
	}
	rb_erase(&a->node, &vm->areas);
	a->addr = to;
	rb_add(&a->node, &vm->areas, area_less);
	return 0;
}

int vmalloc_vmalloc(struct vmalloc *vm, uint64_t size, unsigned cpu,
		    uint64_t *addr)
{
	return vmalloc_node_range(vm, size, 1, 0, cpu, 0, addr);
}

int vmalloc_vzalloc(struct vmalloc *vm, uint64_t size, unsigned cpu,
		    uint64_t *addr)
{
	return vmalloc_node_range(vm, size, 1, VMALLOC_ZERO, cpu, 0, addr);
}

int vmalloc_huge(struct vmalloc *vm, uint64_t size, unsigned cpu,
		 uint64_t *addr)
{
	return vmalloc_node_range(vm, size, 1, VMALLOC_ALLOW_HUGE, cpu, 0,
				  addr);
}

int vmalloc_vfree(struct vmalloc *vm, uint64_t addr, unsigned cpu)
{
	struct vm_area *a = area_find(vm, addr);

	if (!cpu_ok(vm, cpu))
		return -EINVAL;
	if (!a || !(a->flags & VMALLOC_ALLOC))
		return -ENOENT;
	vm->c.vfrees++;
	release_area(vm, a, cpu);
	return 0;
}

int vmalloc_vmap(struct vmalloc *vm, const uint64_t *pages, uint64_t count,
		 unsigned flags, unsigned cpu, uint64_t *addr)
{
	struct vm_area *a;
	int err;

	if (!count || !cpu_ok(vm, cpu) || flags & ~VMALLOC_ALLOW_HUGE ||
	    count > (UINT64_MAX >> vm->page_shift) - 1)
		return -EINVAL;
	for (uint64_t i = 0; i < count; i++)
		if (pages[i] & (vm->page - 1))
			return -EINVAL;
	err = get_area(vm, count << vm->page_shift, vm->page,
		       VMALLOC_MAP, vm->page_shift, 0, cpu, &a);
	if (err) {
		vm->c.failed++;
		return err;
	}
	a->pages = malloc(count * sizeof(*a->pages));
	if (!a->pages) {
		release_area(vm, a, cpu);
		vm->c.failed++;
		return -ENOMEM;
	}
	memcpy(a->pages, pages, count * sizeof(*a->pages));
	a->nr_pages = count;
	err = map_pages(vm, a);
	if (err) {
		a->nr_pages = 0;
		release_area(vm, a, cpu);
		vm->c.failed++;
		return err;
	}
	vm->c.live_areas++;
	vm->c.live_pages += count;
	vm->c.vmaps++;
	*addr = a->addr;
	return 0;
}

int vmalloc_vunmap(struct vmalloc *vm, uint64_t addr, unsigned cpu)
{
	struct vm_area *a = area_find(vm, addr);

	if (!cpu_ok(vm, cpu))
		return -EINVAL;
	if (!a || !(a->flags & VMALLOC_MAP))
		return -ENOENT;
	vm->c.vunmaps++;
	release_area(vm, a, cpu);
	return 0;
}

/* ---- vm_map_ram: per-CPU vmap blocks ---- */

static bool vb_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct vblock, node)->a->addr <
	       rb_entry(b, struct vblock, node)->a->addr;
}

static int vb_cmp(const void *key, const struct rb_node *n)
{
	uint64_t k = *(const uint64_t *)key;
	uint64_t a = rb_entry(n, struct vblock, node)->a->addr;

	return k < a ? -1 : k > a;
}

static void vb_unlist(struct vmalloc *vm, struct vblock *vb)
{
	struct vcpu *c = &vm->cpu[vb->cpu];

	if (!vb->listed)
		return;
	if (vb->prev)
		vb->prev->next = vb->next;
	else
		c->vb_head = vb->next;
	if (vb->next)
		vb->next->prev = vb->prev;
	else
		c->vb_tail = vb->prev;
	vb->prev = vb->next = NULL;
	vb->listed = false;
}

static void vb_bits(struct vblock *vb, uint64_t off, uint64_t n, bool set)
{
	for (uint64_t i = off; i < off + n; i++) {
		if (set)
			vb->used[i / 64] |= 1ULL << (i % 64);
		else
			vb->used[i / 64] &= ~(1ULL << (i % 64));
	}
}

/* new_vmap_block(): a block-aligned area without guard, listed last. */
static int vb_new(struct vmalloc *vm, unsigned cpu, struct vblock **out)
{
	uint64_t words = (vm->vb_pages + 63) / 64;
	struct vblock *vb = calloc(1, sizeof(*vb) + words * sizeof(uint64_t));
	struct vcpu *c = &vm->cpu[cpu];
	int err;

	if (!vb)
		return -ENOMEM;
	err = get_area(vm, vm->vb_pages << vm->page_shift,
		       vm->vb_pages << vm->page_shift,
		       VMALLOC_NO_GUARD | VMALLOC_BLOCK, vm->page_shift, 0, cpu,
		       &vb->a);
	if (err) {
		free(vb);
		return err;
	}
	vb->cpu = cpu;
	vb->free = vm->vb_pages;
	vb->dirty_min = vm->vb_pages;
	vb->prev = c->vb_tail;
	if (c->vb_tail)
		c->vb_tail->next = vb;
	else
		c->vb_head = vb;
	c->vb_tail = vb;
	vb->listed = true;
	rb_add(&vb->node, &vm->vblocks, vb_less);
	vm->c.vblocks++;
	*out = vb;
	return 0;
}

/* vb_alloc(): 2^order pages from the first block of @cpu with room. */
static int vb_alloc(struct vmalloc *vm, unsigned cpu, uint64_t pages,
		    uint64_t *addr)
{
	struct vblock *vb = vm->cpu[cpu].vb_head;
	uint64_t off;
	int err;

	while (vb && vb->free < pages)
		vb = vb->next;
	if (!vb) {
		err = vb_new(vm, cpu, &vb);
		if (err)
			return err;
	}
	off = vm->vb_pages - vb->free;
	vb->free -= pages;
	vb_bits(vb, off, pages, true);
	if (!vb->free)
		vb_unlist(vm, vb);
	*addr = vb->a->addr + (off << vm->page_shift);
	return 0;
}

/* free_vmap_block(): the whole block to the lazy list. */
static void vb_release(struct vmalloc *vm, struct vblock *vb, unsigned cpu)
{
	vb_unlist(vm, vb);
	rb_erase(&vb->node, &vm->vblocks);
	rb_erase(&vb->a->node, &vm->areas);
	vmalloc_free_area_lazy(vm, vb->a);
	vm->c.vblocks_freed++;
	free(vb);
	(void)cpu;
}

/*
 * purge_fragmented_block() over every block: one whose pages are all free
 * or dirty (not all dirty) goes to the lazy list when @force or fewer than
 * a quarter are free.  With @start and @end (_vm_unmap_aliases()): the
 * dirty range of every other block widens [*start, *end) and is reset,
 * as since 6.5, so it is not flushed again; without them
 * (purge_fragmented_blocks_allcpus()) only blocks with room are looked at.
 */
static void vb_purge_blocks(struct vmalloc *vm, bool force, uint64_t *start,
			    uint64_t *end)
{
	struct rb_node *n = rb_first(&vm->vblocks);

	while (n) {
		struct vblock *vb = rb_entry(n, struct vblock, node);
		uint64_t base = vb->a->addr;

		n = rb_next(n);
		if (!start && !vb->listed)
			continue;
		if (vb->free + vb->dirty == vm->vb_pages &&
		    vb->dirty != vm->vb_pages &&
		    (force || vb->free < vm->vb_pages / 4)) {
			/* Nothing in it is mapped any more. */
			vb_release(vm, vb, vb->cpu);
			continue;
		}
		if (start && vb->dirty_max && vb->dirty != vm->vb_pages) {
			uint64_t s = base + (vb->dirty_min << vm->page_shift);
			uint64_t e = base + (vb->dirty_max << vm->page_shift);

			if (s < *start)
				*start = s;
			if (e > *end)
				*end = e;
			vb->dirty_min = vm->vb_pages;
			vb->dirty_max = 0;
		}
	}
}

/* The block holding @addr, or NULL. */
static struct vblock *vb_find(const struct vmalloc *vm, uint64_t addr)
{
	uint64_t base = addr & ~((vm->vb_pages << vm->page_shift) - 1);
	struct rb_node *n = rb_find(&base, &vm->vblocks, vb_cmp);

	return n ? rb_entry(n, struct vblock, node) : NULL;
}

/* 2^get_order(@count pages) in pages. */
static uint64_t vb_order_pages(uint64_t count)
{
	uint64_t p = 1;

	while (p < count)
		p <<= 1;
	return p;
}

int vmalloc_vm_map_ram(struct vmalloc *vm, const uint64_t *pages,
		       uint64_t count, unsigned cpu, uint64_t *addr)
{
	struct vm_area *a = NULL;
	uint64_t va;
	int err;

	if (!count || !cpu_ok(vm, cpu) ||
	    count > (UINT64_MAX >> vm->page_shift) - 1)
		return -EINVAL;
	for (uint64_t i = 0; i < count; i++)
		if (pages[i] & (vm->page - 1))
			return -EINVAL;
	if (count <= VMALLOC_VMAP_MAX_ALLOC) {
		err = vb_alloc(vm, cpu, vb_order_pages(count), &va);
	} else {
		err = get_area(vm, count << vm->page_shift, vm->page,
			       VMALLOC_NO_GUARD | VMALLOC_RAM, vm->page_shift,
			       0, cpu, &a);
		if (!err)
			va = a->addr;
	}
	if (err) {
		vm->c.failed++;
		return err;
	}
	err = map_base(vm, va, pages, count);
	if (err) {
		(void)vmalloc_vm_unmap_ram(vm, va, count, cpu);
		vm->c.vm_unmap_rams--;
		vm->c.failed++;
		return err;
	}
	vm->c.vm_map_rams++;
	*addr = va;
	return 0;
}

int vmalloc_vm_unmap_ram(struct vmalloc *vm, uint64_t addr, uint64_t count,
			 unsigned cpu)
{
	struct vm_area *a;
	struct vblock *vb;
	uint64_t off, n, pa;

	if (!count || !cpu_ok(vm, cpu))
		return -EINVAL;
	if (count > VMALLOC_VMAP_MAX_ALLOC) {
		a = area_find(vm, addr);
		if (!a || !(a->flags & VMALLOC_RAM) ||
		    a->size != count << vm->page_shift)
			return -EINVAL;
		(void)pt_unmap_keep(vm->pt, addr, a->size, 0);
		vm->c.pte_clears += count;
		rb_erase(&a->node, &vm->areas);
		vmalloc_free_area_lazy(vm, a);
		vm->c.vm_unmap_rams++;
		return 0;
	}
	vb = vb_find(vm, addr);
	n = vb_order_pages(count);
	if (!vb || addr & (vm->page - 1))
		return -EINVAL;
	off = (addr - vb->a->addr) >> vm->page_shift;
	if (off + n > vm->vb_pages - vb->free)
		return -EINVAL;
	for (uint64_t i = off; i < off + n; i++)
		if (!(vb->used[i / 64] >> (i % 64) & 1))
			return -EINVAL;
	vb_bits(vb, off, n, false);
	/* Only what was mapped has leaves (a failed map has none). */
	for (uint64_t i = 0; i < count; i++)
		if (!vmalloc_to_page(vm, addr + (i << vm->page_shift), &pa))
			vm->c.pte_clears++;
	(void)pt_unmap_keep(vm->pt, addr, count << vm->page_shift, 0);
	if (off < vb->dirty_min)
		vb->dirty_min = off;
	if (off + n > vb->dirty_max)
		vb->dirty_max = off + n;
	vb->dirty += n;
	vm->c.vm_unmap_rams++;
	if (vb->dirty == vm->vb_pages)
		vb_release(vm, vb, cpu);
	return 0;
}

int vmalloc_pages_alloc(struct vmalloc *vm, uint64_t n, uint64_t *pages)
{
	uint64_t got = 0;

	if (n > buddy_free_frames(vm->buddy))
		return -ENOMEM;
	while (got < n) {
		uint64_t want = n - got > BUDDY_BULK_MAX ? BUDDY_BULK_MAX :
			n - got;
		int k = buddy_alloc_bulk(vm->buddy, (unsigned)want,
					 pages + got);

		vm->c.bulk_calls++;
		if (k <= 0) {
			vm->c.pages_allocated += got;
			vmalloc_pages_free(vm, got, pages);
			return -ENOMEM;
		}
		got += (uint64_t)k;
	}
	vm->c.pages_allocated += n;
	return 0;
}

void vmalloc_pages_free(struct vmalloc *vm, uint64_t n,
			const uint64_t *pages)
{
	for (uint64_t i = 0; i < n; i++)
		(void)buddy_free(vm->buddy, pages[i], 0);
	vm->c.pages_freed += n;
}

bool vmalloc_is_vmalloc_addr(const struct vmalloc *vm, uint64_t addr)
{
	return addr >= vm->cfg.start && addr < vm->cfg.end;
}

int vmalloc_kvmalloc(struct vmalloc *vm, uint64_t size, unsigned cpu,
		     uint64_t *addr)
{
	unsigned order = buddy_order_of(vm->buddy, size);
	struct kobj *k;
	uint64_t pa;
	bool got;

	if (!size || !cpu_ok(vm, cpu))
		return -EINVAL;
	/* kmalloc(): up to KMALLOC_MAX_SIZE, no reclaim (__GFP_NORETRY),
	 * only memory the direct map covers. */
	got = order <= buddy_max_order(vm->buddy) &&
		   size <= UINT64_MAX >> 1 &&
		   !buddy_alloc(vm->buddy, order, &pa);

	if (got && vm->cfg.direct_map_size &&
	    pa + (vm->page << order) > vm->cfg.direct_map_size) {
		(void)buddy_free(vm->buddy, pa, order);
		got = false;
	}
	if (got) {
		k = malloc(sizeof(*k));
		if (!k) {
			(void)buddy_free(vm->buddy, pa, order);
			return -ENOMEM;
		}
		k->pa = pa;
		k->order = order;
		k->addr = vm->cfg.direct_map + pa;
		rb_add(&k->node, &vm->kobjs, kobj_less);
		vm->c.kmallocs++;
		vm->c.pages_allocated += 1ULL << order;
		*addr = k->addr;
		return 0;
	}
	/* Sub-page requests never fall back to vmalloc. */
	if (size <= vm->page) {
		vm->c.failed++;
		return -ENOMEM;
	}
	return vmalloc_node_range(vm, size, 1, VMALLOC_ALLOW_HUGE, cpu, 0,
				  addr);
}

int vmalloc_kvfree(struct vmalloc *vm, uint64_t addr, unsigned cpu)
{
	struct rb_node *n;
	struct kobj *k;

	if (vmalloc_is_vmalloc_addr(vm, addr))
		return vmalloc_vfree(vm, addr, cpu);
	if (!cpu_ok(vm, cpu))
		return -EINVAL;
	n = rb_find(&addr, &vm->kobjs, kobj_cmp);
	if (!n)
		return -ENOENT;
	k = rb_entry(n, struct kobj, node);
	rb_erase(n, &vm->kobjs);
	(void)buddy_free(vm->buddy, k->pa, k->order);
	vm->c.pages_freed += 1ULL << k->order;
	vm->c.kfrees++;
	free(k);
	return 0;
}

int vmalloc_to_page(const struct vmalloc *vm, uint64_t addr, uint64_t *pa)
{
	struct pt_walk w;

	if (pt_walk(vm->pt, addr, &w) == PT_PA_NONE)
		return -ENOENT;
	*pa = w.pa & ~(vm->page - 1);
	return 0;
}

int vmalloc_touch(struct vmalloc *vm, uint64_t addr, uint64_t size,
		  unsigned cpu)
{
	struct vcpu *c;

	if (!cpu_ok(vm, cpu) || !size || size - 1 > UINT64_MAX - addr)
		return -EINVAL;
	c = &vm->cpu[cpu];
	for (uint64_t va = addr & ~(vm->page - 1); va <= addr + (size - 1);
	     va += vm->page) {
		struct mmu_result res;
		int err = mmu_translate(c->mmu, va, 1, MMU_WRITE, &res);

		if (err)
			return err == -EFAULT ? -EFAULT : err;
		c->c.touches++;
		vm->c.touches++;
		if (res.source == 0) {
			c->c.tlb_misses++;
			vm->c.tlb_misses++;
		}
		if (va > UINT64_MAX - vm->page)
			break;
	}
	return 0;
}

void vmalloc_purge(struct vmalloc *vm)
{
	uint64_t start = UINT64_MAX, end = 0;

	vb_purge_blocks(vm, false, &start, &end);
	if (!vmalloc_purge_lazy(vm, start, end, false) && start < end)
		vmalloc_flush_range(vm, start, end);
}

int vmalloc_area(const struct vmalloc *vm, uint64_t addr,
		 struct vmalloc_area *out)
{
	const struct vm_area *a = area_find(vm, addr);

	if (!a)
		return -ENOENT;
	out->addr = a->addr;
	out->size = a->size;
	out->nr_pages = a->nr_pages;
	out->caller = a->caller;
	out->flags = a->flags;
	out->page_shift = a->page_shift;
	return 0;
}

void vmalloc_get_counters(const struct vmalloc *vm,
			  struct vmalloc_counters *c)
{
	struct vmap_stats vs;
	struct pt_stats st;

	*c = vm->c;
	pt_get_stats(vm->pt, &st);
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++)
		c->pt_tables[l] = st.tables[l];
	vmap_stats(vm->v, &vs);
	c->node_visits = vs.node_visits;
}

void vmalloc_get_cpu_counters(const struct vmalloc *vm, unsigned cpu,
			      struct vmalloc_cpu_counters *c)
{
	if (cpu < vm->ncpus)
		*c = vm->cpu[cpu].c;
	else
		memset(c, 0, sizeof(*c));
}

unsigned vmalloc_cpus(const struct vmalloc *vm)
{
	return vm->ncpus;
}

uint64_t vmalloc_page_size(const struct vmalloc *vm)
{
	return vm->page;
}

const char *vmalloc_flush_rule(const struct vmalloc *vm)
{
	return vm->rule->name;
}

uint64_t vmalloc_flush_ceiling(const struct vmalloc *vm)
{
	return vm->ceiling;
}

struct mmu *vmalloc_cpu_mmu(const struct vmalloc *vm, unsigned cpu)
{
	return cpu < vm->ncpus ? vm->cpu[cpu].mmu : NULL;
}

/* ---- validator ---- */

static int check_area(const struct vmalloc *vm, const struct vm_area *a,
		      bool lazy, struct reason *r)
{
	struct vmap_area va;
	uint64_t pa;

	if (vmap_find(vm->v, a->addr, &va) || va.start != a->addr ||
	    va.size != a->size)
		return reason_fail(r, -EUCLEAN, 0, "vmalloc: area %#llx is not "
				   "busy in the strategy with its size",
				   (unsigned long long)a->addr);
	if (lazy) {
		if (!vmalloc_to_page(vm, a->addr, &pa))
			return reason_fail(r, -EUCLEAN, 0, "vmalloc: lazy area "
					   "%#llx is still mapped",
					   (unsigned long long)a->addr);
		return 0;
	}
	for (uint64_t i = 0; i < a->nr_pages; i++) {
		uint64_t v = a->addr + (i << vm->page_shift);

		if (vmalloc_to_page(vm, v, &pa) || pa != a->pages[i])
			return reason_fail(r, -EUCLEAN, 0, "vmalloc: page %llu "
					   "of area %#llx is not mapped to its "
					   "page", (unsigned long long)i,
					   (unsigned long long)a->addr);
	}
	if (!(a->flags & VMALLOC_NO_GUARD) &&
	    !vmalloc_to_page(vm, a->addr + a->size - vm->page, &pa))
		return reason_fail(r, -EUCLEAN, 0, "vmalloc: the guard page of "
				   "%#llx is mapped",
				   (unsigned long long)a->addr);
	return 0;
}

/* ---- layout: the free runs between held areas ---- */

struct span {
	uint64_t start, end;
};

static int span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

int vmalloc_layout(const struct vmalloc *vm, struct vmalloc_layout *l)
{
	uint64_t n = vm->c.lazy_areas + vm->c.pooled_areas + 1, i = 0;
	uint64_t at = vm->cfg.start, run;
	struct vmalloc_layout out = { 0 };
	struct span *s;

	for (struct rb_node *nd = rb_first(&vm->areas); nd; nd = rb_next(nd))
		n++;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (struct rb_node *nd = rb_first(&vm->areas); nd; nd = rb_next(nd)) {
		const struct vm_area *a = rb_entry(nd, struct vm_area, node);

		s[i++] = (struct span){ a->addr, a->addr + a->size };
	}
	for (const struct vm_area *a = vm->lazy; a; a = a->lazy_next)
		s[i++] = (struct span){ a->addr, a->addr + a->size };
	for (uint64_t p = 0; vm->pools &&
	     p < (uint64_t)vm->nodes * VMALLOC_POOL_PAGES; p++)
		for (const struct vm_area *a = vm->pools[p].head; a;
		     a = a->pool_next)
			s[i++] = (struct span){ a->addr, a->addr + a->size };
	if (vm->reserved)
		s[i++] = (struct span){ vm->cfg.reserved_start,
					vm->cfg.reserved_end };
	qsort(s, i, sizeof(*s), span_cmp);
	/* Pass 0 finds the largest run, pass 1 measures below it. */
	for (int pass = 0; pass < 2; pass++) {
		at = vm->cfg.start;
		for (uint64_t k = 0; k <= i; k++) {
			uint64_t next = k < i ? s[k].start : vm->cfg.end;

			if (next > at) {
				run = next - at;
				if (!pass) {
					out.free_blocks++;
					out.free_bytes += run;
					if (run > out.largest_free) {
						out.largest_free = run;
						out.low_end = at;
					}
				} else if (at < out.low_end) {
					out.low_free += run;
					if (run > out.low_largest)
						out.low_largest = run;
				}
			}
			if (k < i && s[k].end > at)
				at = s[k].end;
		}
	}
	if (!out.free_blocks)
		out.low_end = vm->cfg.end;
	free(s);
	*l = out;
	return 0;
}

int vmalloc_check(const struct vmalloc *vm, struct reason *r)
{
	uint64_t live = 0, pages = 0, lazy = 0, lazy_pages = 0, all = 0;
	uint64_t pooled = 0;
	struct vmap_stats st;
	int err;

	for (struct rb_node *n = rb_first(&vm->areas); n; n = rb_next(n)) {
		const struct vm_area *a = rb_entry(n, struct vm_area, node);

		err = check_area(vm, a, false, r);
		if (err)
			return err;
		all++;
		live += a->nr_pages > 0;
		pages += a->nr_pages;
	}
	for (const struct vm_area *a = vm->lazy; a; a = a->lazy_next) {
		err = check_area(vm, a, true, r);
		if (err)
			return err;
		if (a->addr < vm->lazy_start ||
		    a->addr + a->size > vm->lazy_end)
			return reason_fail(r, -EUCLEAN, 0, "vmalloc: lazy area "
					   "%#llx outside the purge span",
					   (unsigned long long)a->addr);
		lazy++;
		lazy_pages += a->size >> vm->page_shift;
	}
	if (live != vm->c.live_areas || pages != vm->c.live_pages)
		return reason_fail(r, -EUCLEAN, 0, "vmalloc: %llu live areas of "
				   "%llu pages, counted %llu of %llu",
				   (unsigned long long)live,
				   (unsigned long long)pages,
				   (unsigned long long)vm->c.live_areas,
				   (unsigned long long)vm->c.live_pages);
	if (lazy != vm->c.lazy_areas || lazy_pages != vm->c.lazy_pages)
		return reason_fail(r, -EUCLEAN, 0, "vmalloc: %llu lazy areas of "
				   "%llu pages, vmap_lazy_nr says %llu",
				   (unsigned long long)lazy,
				   (unsigned long long)lazy_pages,
				   (unsigned long long)vm->c.lazy_pages);
	vmap_stats(vm->v, &st);
	for (uint64_t i = 0; vm->pools &&
	     i < (uint64_t)vm->nodes * VMALLOC_POOL_PAGES; i++) {
		uint64_t len = 0;

		for (const struct vm_area *a = vm->pools[i].head; a;
		     a = a->pool_next) {
			err = check_area(vm, a, true, r);
			if (err)
				return err;
			if (a->size >> vm->page_shift !=
			    i % VMALLOC_POOL_PAGES + 1)
				return reason_fail(r, -EUCLEAN, 0, "vmalloc: "
						   "area %#llx in the pool of "
						   "another size",
						   (unsigned long long)a->addr);
			len++;
		}
		if (len != vm->pools[i].len)
			return reason_fail(r, -EUCLEAN, 0, "vmalloc: a pool "
					   "holds %llu areas, its length says "
					   "%llu", (unsigned long long)len,
					   (unsigned long long)
					   vm->pools[i].len);
		pooled += len;
	}
	if (pooled != vm->c.pooled_areas)
		return reason_fail(r, -EUCLEAN, 0, "vmalloc: %llu pooled areas, "
				   "counted %llu", (unsigned long long)pooled,
				   (unsigned long long)vm->c.pooled_areas);
	if (st.live_areas != all + lazy + pooled + vm->reserved)
		return reason_fail(r, -EUCLEAN, 0, "vmalloc: the strategy holds "
				   "%llu areas, the system %llu",
				   (unsigned long long)st.live_areas,
				   (unsigned long long)(all + lazy + pooled +
							vm->reserved));
	err = vmap_check(vm->v, r);
	if (err)
		return err;
	return pt_check(vm->pt, r);
}

void vmalloc_destroy(struct vmalloc *vm)
{
	struct rb_node *n;

	if (!vm)
		return;
	while ((n = rb_first(&vm->kobjs)))
		(void)vmalloc_kvfree(vm, rb_entry(n, struct kobj, node)->addr,
				     0);
	/* vm_map_ram's blocks and areas: their leaves, then the areas. */
	while ((n = rb_first(&vm->vblocks))) {
		struct vblock *vb = rb_entry(n, struct vblock, node);

		(void)pt_unmap_keep(vm->pt, vb->a->addr, vb->a->size, 0);
		vb_release(vm, vb, 0);
	}
	for (n = rb_first(&vm->areas); n; n = rb_next(n)) {
		struct vm_area *a = rb_entry(n, struct vm_area, node);

		if (a->flags & VMALLOC_RAM)
			(void)pt_unmap_keep(vm->pt, a->addr, a->size, 0);
	}
	/* Owners first: their vfree also frees their vmalloc'd arrays. */
	for (n = rb_first(&vm->areas); n;) {
		struct vm_area *a = rb_entry(n, struct vm_area, node);

		n = rb_next(n);
		if (a->flags & VMALLOC_VPAGES) {
			/* The array's area may be the next node: restart
			 * after it is gone. */
			release_area(vm, a, 0);
			n = rb_first(&vm->areas);
		}
	}
	while ((n = rb_first(&vm->areas)))
		release_area(vm, rb_entry(n, struct vm_area, node), 0);
	(void)vmalloc_purge_lazy(vm, UINT64_MAX, 0, false);
	vmalloc_pools_drain(vm);
	free(vm->pools);
	vmalloc_cpus_destroy(vm);
	vmap_destroy(vm->v);
	free(vm);
}
