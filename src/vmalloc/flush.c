/* SPDX-License-Identifier: MIT */
/*
 * The CPUs, the flush rule of each architecture, the lazy list and the
 * purge.
 *
 * Every CPU has its own TLB and MMU over the one kernel page table.  A
 * flush of a kernel range reaches each CPU's TLB as the architecture's
 * flush_tlb_kernel_range() does (Linux 6.12):
 *
 *   x86    (end - start) > ceiling pages (tlb_single_page_flush_ceiling,
 *          33): on_each_cpu(do_flush_tlb_all), else on_each_cpu(
 *          do_kernel_range_flush), one INVLPG per page on every CPU; both
 *          through IPIs to the other CPUs.
 *   arm64  (end - start) > MAX_DVM_OPS (= PTRS_PER_PTE) pages:
 *          flush_tlb_all() (TLBI VMALLE1IS), else one broadcast TLBI
 *          VAALE1IS per page; the hardware broadcasts, no IPIs.
 *   riscv  more than tlb_flush_all_threshold (64) pages: a full flush,
 *          else an sfence.vma per page, on each CPU through IPIs
 *          (on_each_cpu_mask; the SBI remote-fence path is not modelled).
 *
 * A purge (free_vmap_area_noflush() crossing lazy_max_pages, or an
 * allocation that found no room) flushes ONE range, from the lowest start
 * to the highest end of all lazy areas, and only then returns the areas
 * to the strategy: an area is never handed out again while a CPU may hold
 * a translation of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/reason.h>

#include "vmalloc_impl.h"

static const struct flush_rule rules[] = {
	{ "x86", &pt_arch_x86_64, 33, true, true, PTE_FREE_RANGE_PAGE,
	  "skylake", false },
	/* HAVE_ARCH_HUGE_VMALLOC is x86-64 only. */
	{ "x86", &pt_arch_x86_pae, 33, true, false, PTE_FREE_NONE, "skylake",
	  false },
	{ "x86", &pt_arch_x86_32, 33, true, false, PTE_FREE_NONE, "skylake",
	  false },
	{ "arm64", &pt_arch_arm64, 0, false, true, PTE_FREE_TABLE,
	  "neoverse-n1", true },
	/* No published RISC-V TLB sizes: the x86 preset's shape. */
	/* Svnapot vmap mappings were reverted: no contiguous runs. */
	{ "riscv", &pt_arch_riscv, 64, true, true, PTE_FREE_RANGE_PMD,
	  "skylake", false },
};

const struct flush_rule *vmalloc_rule_of(const struct pt_arch *arch)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].arch == arch)
			return &rules[i];
	return NULL;
}

int vmalloc_cpus_create(struct vmalloc *vm, const char *spec,
			struct reason *r)
{
	vm->cpu = calloc(vm->ncpus, sizeof(*vm->cpu));
	if (!vm->cpu)
		return -ENOMEM;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *c = &vm->cpu[i];
		int err = tlb_create_spec(&c->tlb, spec, r);

		if (err) {
			if (err == -EINVAL && r)
				snprintf(r->what, sizeof(r->what), "tlb");
			return err;
		}
		err = mmu_create(&c->mmu, vm->pt, c->tlb, NULL);
		if (err)
			return err;
	}
	return 0;
}

void vmalloc_cpus_destroy(struct vmalloc *vm)
{
	if (!vm->cpu)
		return;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		mmu_destroy(vm->cpu[i].mmu);
		tlb_destroy(vm->cpu[i].tlb);
	}
	free(vm->cpu);
	vm->cpu = NULL;
}

static uint64_t tlb_dropped(const struct tlb *t)
{
	struct tlb_counters tc;

	tlb_get_counters(t, &tc);
	return tc.entries_flushed;
}

/* IPIs of one flush started by one CPU: to every other CPU. */
static void send_ipis(struct vmalloc *vm)
{
	if (!vm->rule->ipis || vm->ncpus < 2)
		return;
	vm->c.ipis += vm->ncpus - 1;
	/* The purge runs on one CPU; who receives is symmetric: count all
	 * but CPU 0, the one the drain work is modelled on. */
	for (unsigned i = 1; i < vm->ncpus; i++)
		vm->cpu[i].c.ipis++;
}

void vmalloc_flush_range(struct vmalloc *vm, uint64_t start, uint64_t end)
{
	uint64_t pages = (end - start + vm->page - 1) >> vm->page_shift;

	vm->c.flushes++;
	send_ipis(vm);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *c = &vm->cpu[i];
		uint64_t before = tlb_dropped(c->tlb);

		if (pages > vm->ceiling) {
			tlb_flush_all(c->tlb);
		} else {
			for (uint64_t p = 0; p < pages; p++)
				tlb_flush_page(c->tlb, start + (p << vm->page_shift),
					       0);
		}
		c->c.entries_dropped += tlb_dropped(c->tlb) - before;
		vm->c.entries_dropped += tlb_dropped(c->tlb) - before;
	}
	if (pages > vm->ceiling) {
		vm->c.flushes_full++;
		return;
	}
	vm->c.flushes_ranged++;
	vm->c.pages_flushed += pages;
	vm->c.invalidations += vm->rule->ipis ? pages * vm->ncpus : pages;
}

void vmalloc_flush_table(struct vmalloc *vm, uint64_t addr)
{
	switch (vm->rule->pte_free) {
	case PTE_FREE_RANGE_PAGE:
		vmalloc_flush_range(vm, addr, addr + vm->page - 1);
		return;
	case PTE_FREE_RANGE_PMD:
		vmalloc_flush_range(vm, addr, addr + vm->pmd_size);
		return;
	case PTE_FREE_TABLE:
		/* __flush_tlb_kernel_pgtable(): TLBI VAAE1IS, broadcast. */
		vm->c.flushes_table++;
		vm->c.invalidations++;
		for (unsigned i = 0; i < vm->ncpus; i++) {
			struct vcpu *c = &vm->cpu[i];
			uint64_t before = tlb_dropped(c->tlb);

			tlb_flush_page(c->tlb, addr, 0);
			c->c.entries_dropped += tlb_dropped(c->tlb) - before;
			vm->c.entries_dropped += tlb_dropped(c->tlb) - before;
		}
		return;
	case PTE_FREE_NONE:
		return;
	}
}

void vmalloc_area_release(struct vm_area *a)
{
	free(a->pages);
	free(a);
}

/* ---- 6.9's vmap_node pools ---- */

static struct vpool *pool_of(struct vmalloc *vm, unsigned node, uint64_t size)
{
	uint64_t idx = (size - 1) >> vm->page_shift;

	return idx < VMALLOC_POOL_PAGES ?
	       &vm->pools[(uint64_t)node * VMALLOC_POOL_PAGES + idx] : NULL;
}

static void pool_unlink(struct vpool *p, struct vm_area *a)
{
	if (a->pool_prev)
		a->pool_prev->pool_next = a->pool_next;
	else
		p->head = a->pool_next;
	if (a->pool_next)
		a->pool_next->pool_prev = a->pool_prev;
	else
		p->tail = a->pool_prev;
	a->pool_prev = a->pool_next = NULL;
}

static void pool_add_tail(struct vpool *p, struct vm_area *a)
{
	a->pool_next = NULL;
	a->pool_prev = p->tail;
	if (p->tail)
		p->tail->pool_next = a;
	else
		p->head = a;
	p->tail = a;
}

/* list_add(): at the head. */
static void pool_add_head(struct vpool *p, struct vm_area *a)
{
	a->pool_prev = NULL;
	a->pool_next = p->head;
	if (p->head)
		p->head->pool_prev = a;
	else
		p->tail = a;
	p->head = a;
}

struct vm_area *vmalloc_node_alloc(struct vmalloc *vm, uint64_t size,
				   uint64_t align, unsigned cpu, int *vn)
{
	struct vpool *p;
	struct vm_area *a;

	*vn = -1;
	if (vm->nodes < 2)
		return NULL;
	*vn = (int)(cpu % vm->nodes);
	p = pool_of(vm, (unsigned)*vn, size);
	if (!p || !p->head)
		return NULL;
	a = p->head;
	pool_unlink(p, a);
	if (a->addr & (align - 1)) {
		/* node_pool_del_va(): a misaligned head goes to the tail. */
		pool_add_tail(p, a);
		vm->c.pool_rotations++;
		return NULL;
	}
	p->len--;
	vm->c.pooled_areas--;
	vm->c.pool_hits++;
	return a;
}

/*
 * decay_va_pool_node() on every node: a quarter of each pool (len >> 2
 * areas, taken from the head; a count of 0 wraps, so a pool of fewer
 * than 4 goes whole), or all of it when @full, back to the strategy.
 */
static void pools_decay(struct vmalloc *vm, bool full)
{
	for (uint64_t i = 0; vm->pools &&
	     i < (uint64_t)vm->nodes * VMALLOC_POOL_PAGES; i++) {
		struct vpool *p = &vm->pools[i];
		uint64_t n = p->len >> 2;

		while (p->head) {
			struct vm_area *a = p->head;

			pool_unlink(p, a);
			p->len--;
			vm->c.pooled_areas--;
			vm->c.pool_decays++;
			(void)vmap_free(vm->v, a->addr);
			vmalloc_area_release(a);
			if (!full && !--n)
				break;
		}
	}
}

void vmalloc_pools_drain(struct vmalloc *vm)
{
	pools_decay(vm, true);
}

struct vm_area *vmalloc_pool_take(struct vmalloc *vm, uint64_t addr,
				  uint64_t size)
{
	for (unsigned n = 0; vm->pools && n < vm->nodes; n++) {
		struct vpool *p = pool_of(vm, n, size);

		for (struct vm_area *a = p ? p->head : NULL; a;
		     a = a->pool_next) {
			if (a->addr != addr)
				continue;
			pool_unlink(p, a);
			p->len--;
			vm->c.pooled_areas--;
			return a;
		}
	}
	return NULL;
}

void vmalloc_pool_put(struct vmalloc *vm, struct vm_area *a)
{
	struct vpool *p = pool_of(vm, (unsigned)a->vn, a->size);

	pool_add_head(p, a);
	p->len++;
	vm->c.pooled_areas++;
}

/* The node whose lazy list holds @a: its requester's, else by address. */
static unsigned lazy_node(const struct vmalloc *vm, const struct vm_area *a)
{
	if (a->vn >= 0)
		return (unsigned)a->vn;
	return (unsigned)((a->addr / (16 * vm->page)) % vm->nodes);
}

static const struct vmalloc *sort_vm;

static int purge_order(const void *x, const void *y)
{
	const struct vm_area *a = *(struct vm_area *const *)x;
	const struct vm_area *b = *(struct vm_area *const *)y;
	unsigned na = lazy_node(sort_vm, a), nb = lazy_node(sort_vm, b);

	if (na != nb)
		return na < nb ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* Where a purged area goes: its node's pool, or back to the strategy. */
static void purged(struct vmalloc *vm, struct vm_area *a, bool populate)
{
	struct vpool *p = populate && a->vn >= 0 ?
			  pool_of(vm, (unsigned)a->vn, a->size) : NULL;

	if (p) {
		pool_add_head(p, a);
		p->len++;
		vm->c.pool_adds++;
		vm->c.pooled_areas++;
		return;
	}
	/* Busy in the strategy since its allocation: cannot fail. */
	(void)vmap_free(vm->v, a->addr);
	vmalloc_area_release(a);
}

bool vmalloc_purge_lazy(struct vmalloc *vm, uint64_t start, uint64_t end,
			bool on_failure)
{
	struct vm_area *a = vm->lazy, *next, **order = NULL;
	uint64_t n = vm->c.lazy_areas;

	if (vm->nodes > 1)
		pools_decay(vm, on_failure);
	if (!a)
		return false;
	vmalloc_flush_range(vm, start < vm->lazy_start ? start : vm->lazy_start,
			    end > vm->lazy_end ? end : vm->lazy_end);
	/* Pools: each node's areas in address order, as its lazy tree. */
	if (vm->nodes > 1 && !on_failure)
		order = malloc(n * sizeof(*order));
	if (order) {
		uint64_t i = 0;

		for (; a; a = a->lazy_next)
			order[i++] = a;
		sort_vm = vm;
		qsort(order, n, sizeof(*order), purge_order);
		for (i = 0; i < n; i++)
			purged(vm, order[i], true);
		free(order);
	} else {
		/* Without pools (or, out of host memory, without filling
		 * them): back to the strategy. */
		for (; a; a = next) {
			next = a->lazy_next;
			purged(vm, a, false);
		}
	}
	vm->lazy = NULL;
	vm->c.lazy_areas = 0;
	vm->c.lazy_pages = 0;
	vm->c.purges++;
	if (on_failure)
		vm->c.purges_on_failure++;
	vm->c.purged_areas += n;
	if (n > vm->c.max_areas_per_purge)
		vm->c.max_areas_per_purge = n;
	return true;
}

void vmalloc_free_area_lazy(struct vmalloc *vm, struct vm_area *a)
{
	uint64_t end = a->addr + a->size;

	if (vm->cfg.eager) {
		vmalloc_flush_range(vm, a->addr, end);
		(void)vmap_free(vm->v, a->addr);
		vmalloc_area_release(a);
		return;
	}
	if (!vm->lazy || a->addr < vm->lazy_start)
		vm->lazy_start = a->addr;
	if (!vm->lazy || end > vm->lazy_end)
		vm->lazy_end = end;
	a->lazy_next = vm->lazy;
	vm->lazy = a;
	vm->c.lazy_areas++;
	vm->c.lazy_pages += a->size >> vm->page_shift;
	if (vm->c.lazy_pages > vm->lazy_max)
		(void)vmalloc_purge_lazy(vm, UINT64_MAX, 0, false);
}
