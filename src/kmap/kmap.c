/* SPDX-License-Identifier: MIT */
/*
 * Temporary kernel mappings (kmap.h).
 *
 * Conventions in this file: "km" is the system, "nr" a PKMAP slot,
 * "idx" a CPU's kmap_local stack index.  PKMAP state is the kernel's:
 * count[nr] 0 = free and unmapped, 1 = mapped but unused (its entry may
 * still be cached in TLBs, so it is cleared only with a flush), >= 2 =
 * in use by count - 1 kmap()s.  A page's PKMAP address is found through
 * a hash of 128 buckets (page_address_htable's size).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/kmap.h>
#include <vmbench/kspace.h>
#include <vmbench/mmu.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>
#include <vmbench/tlb.h>

#define HASH_BUCKETS 128
#define NONE UINT32_MAX

struct kcpu {
	struct tlb *tlb;
	struct mmu *mmu;
	unsigned depth;           /* kmap_local slots in use */
};

struct kmap {
	struct pt *kpt;
	const struct ks_layout *l;
	uint64_t page, highmem;   /* page size; first highmem address */
	unsigned cpus, last_pkmap, last_nr;
	uint32_t *count, *next;   /* per slot */
	uint64_t *pa;             /* per slot: its page (count > 0) */
	uint32_t head[HASH_BUCKETS];
	struct kcpu *cpu;
	struct kmap_counters c;
};

static unsigned hash_of(const struct kmap *km, uint64_t pa)
{
	uint64_t h = (pa / km->page) * 0x9e3779b97f4a7c15ULL;

	return (unsigned)(h >> 57);  /* 7 bits */
}

static uint32_t lookup(const struct kmap *km, uint64_t pa)
{
	for (uint32_t nr = km->head[hash_of(km, pa)]; nr != NONE;
	     nr = km->next[nr])
		if (km->pa[nr] == pa)
			return nr;
	return NONE;
}

static void hash_del(struct kmap *km, uint32_t nr)
{
	uint32_t *link = &km->head[hash_of(km, km->pa[nr])];

	while (*link != nr)
		link = &km->next[*link];
	*link = km->next[nr];
}

int kmap_create(struct kmap **out, const struct kmap_config *cfg,
		struct reason *r)
{
	const struct ks_layout *l = ks_layout_of(cfg->k);
	struct kmap *km;
	uint64_t page, slots;
	const char *spec;

	*out = NULL;
	page = pt_level_size(pt_geometry_of(ks_pt(cfg->k)), 0);
	/* Fixmap pages the boot PTE tables hold below FIXADDR_TOP. */
	slots = (l->fixmap_top - l->fixmap_pt_start) / page;
	if (cfg->cpus < 1 ||
	    (l->pkmap_start && KMAP_FIX_KMAP_BEGIN +
	     (uint64_t)KMAP_KM_MAX_IDX * cfg->cpus > slots))
		return reason_fail_opt(r, -EINVAL, "cpus",
				       "%u CPUs: 1 .. %llu (KM_MAX_IDX slots "
				       "each in the fixmap)", cfg->cpus,
				       (unsigned long long)((slots -
				       KMAP_FIX_KMAP_BEGIN) / KMAP_KM_MAX_IDX));
	km = calloc(1, sizeof(*km));
	if (!km)
		return -ENOMEM;
	km->kpt = ks_pt(cfg->k);
	km->l = l;
	km->page = page;
	km->highmem = l->direct_max;
	km->cpus = cfg->cpus;
	km->last_pkmap = (unsigned)((l->pkmap_end - l->pkmap_start) / page);
	memset(km->head, 0xff, sizeof(km->head));
	km->cpu = calloc(cfg->cpus, sizeof(*km->cpu));
	km->count = calloc(km->last_pkmap + 1, sizeof(*km->count));
	km->next = calloc(km->last_pkmap + 1, sizeof(*km->next));
	km->pa = calloc(km->last_pkmap + 1, sizeof(*km->pa));
	if (!km->cpu || !km->count || !km->next || !km->pa) {
		kmap_destroy(km);
		return -ENOMEM;
	}
	spec = cfg->tlb ? cfg->tlb :
	       strncmp(l->name, "arm64", 5) ? "skylake" : "neoverse-n1";
	for (unsigned i = 0; i < cfg->cpus; i++) {
		int err = tlb_create_spec(&km->cpu[i].tlb, spec, r);

		if (err) {
			if (r)
				snprintf(r->what, sizeof(r->what), "tlb");
			kmap_destroy(km);
			return err;
		}
		err = mmu_create(&km->cpu[i].mmu, km->kpt, km->cpu[i].tlb,
				 NULL);
		if (err) {
			kmap_destroy(km);
			return err;
		}
	}
	*out = km;
	return 0;
}

void kmap_destroy(struct kmap *km)
{
	if (!km)
		return;
	for (unsigned i = 0; km->cpu && i < km->cpus; i++) {
		mmu_destroy(km->cpu[i].mmu);
		tlb_destroy(km->cpu[i].tlb);
	}
	free(km->cpu);
	free(km->count);
	free(km->next);
	free(km->pa);
	free(km);
}

bool kmap_is_highmem(const struct kmap *km, uint64_t pa)
{
	return pa >= km->highmem;
}

unsigned kmap_last_pkmap(const struct kmap *km)
{
	return km->last_pkmap;
}

static bool bad_pa(const struct kmap *km, uint64_t pa)
{
	const struct pt_geometry *g = pt_geometry_of(km->kpt);

	return (pa & (km->page - 1)) ||
	       (g->pa_bits < 64 && pa >> g->pa_bits);
}

/* set_pte of a kernel page: present, writable, global. */
static int set_pte(struct kmap *km, uint64_t va, uint64_t pa)
{
	int err = pt_map(km->kpt, va, pa, km->page,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0);

	if (!err)
		km->c.pte_writes++;
	return err;
}

static int pte_clear(struct kmap *km, uint64_t va)
{
	int err = pt_unmap_keep(km->kpt, va, km->page, 0);

	if (!err)
		km->c.pte_clears++;
	return err;
}

/*
 * The start both map calls share: -EINVAL for a CPU or page out of range;
 * for a lowmem page, its direct-map address in *@va (counted in direct,
 * as the kernel returns page_address()) and 1: nothing left to map; 0 for
 * a highmem page, which the caller maps.
 */
static int map_lowmem(struct kmap *km, unsigned cpu, uint64_t pa,
		      uint64_t *va)
{
	if (cpu >= km->cpus || bad_pa(km, pa))
		return -EINVAL;
	if (kmap_is_highmem(km, pa))
		return 0;
	km->c.direct++;
	*va = km->l->page_offset + pa;
	return 1;
}

static uint64_t local_va(const struct kmap *km, unsigned cpu, unsigned idx)
{
	uint64_t fix = KMAP_FIX_KMAP_BEGIN + idx +
		       (uint64_t)KMAP_KM_MAX_IDX * cpu;

	return km->l->fixmap_top - fix * km->page;
}

int kmap_local_map(struct kmap *km, unsigned cpu, uint64_t pa, uint64_t *va)
{
	struct kcpu *c;
	uint64_t v;
	int err;

	err = map_lowmem(km, cpu, pa, va);
	if (err)
		return err < 0 ? err : 0;
	c = &km->cpu[cpu];
	if (c->depth == KMAP_KM_MAX_IDX)
		return -ENOSPC;
	v = local_va(km, cpu, c->depth);
	err = set_pte(km, v, pa);
	if (err)
		return err;
	c->depth++;
	km->c.local_maps++;
	*va = v;
	return 0;
}

int kmap_local_unmap(struct kmap *km, unsigned cpu, uint64_t va)
{
	struct kcpu *c;
	uint64_t v;
	int err;

	if (cpu >= km->cpus)
		return -EINVAL;
	if (va >= km->l->page_offset &&
	    va - km->l->page_offset < km->highmem)
		return 0;     /* a direct-map address: nothing to undo */
	c = &km->cpu[cpu];
	if (!c->depth)
		return -EINVAL;
	v = local_va(km, cpu, c->depth - 1);
	if ((va & ~(km->page - 1)) != v)
		return -EINVAL;
	err = pte_clear(km, v);
	if (err)
		return err;
	/* flush_tlb_one_kernel(): this CPU only. */
	tlb_flush_page(km->cpu[cpu].tlb, v, 0);
	km->c.local_flushes++;
	c->depth--;
	km->c.local_unmaps++;
	return 0;
}

static uint64_t pkmap_addr(const struct kmap *km, unsigned nr)
{
	return km->l->pkmap_start + (uint64_t)nr * km->page;
}

/* flush_all_zero_pkmaps() */
static int flush_all_zero(struct kmap *km)
{
	bool need_flush = false;

	for (unsigned nr = 0; nr < km->last_pkmap; nr++) {
		int err;

		if (km->count[nr] != 1)
			continue;
		err = pte_clear(km, pkmap_addr(km, nr));
		if (err)
			return err;
		km->count[nr] = 0;
		hash_del(km, nr);
		km->c.pkmap_cleared++;
		need_flush = true;
	}
	if (need_flush) {
		/* flush_tlb_kernel_range() of the window on every CPU. */
		for (unsigned i = 0; i < km->cpus; i++)
			tlb_flush_range(km->cpu[i].tlb, pkmap_addr(km, 0),
					pkmap_addr(km, km->last_pkmap), 0);
		km->c.global_flushes++;
		km->c.ipis += km->cpus - 1;
	}
	return 0;
}

int kmap_pkmap_map(struct kmap *km, unsigned cpu, uint64_t pa, uint64_t *va)
{
	uint32_t nr;
	unsigned left;
	int err;

	err = map_lowmem(km, cpu, pa, va);
	if (err)
		return err < 0 ? err : 0;
	if (!km->last_pkmap)
		return -EINVAL;
	nr = lookup(km, pa);
	if (nr == NONE) {
		/* map_new_virtual() */
		for (left = km->last_pkmap;;) {
			km->last_nr = (km->last_nr + 1) % km->last_pkmap;
			if (km->last_nr == 0) {
				km->c.pkmap_wraps++;
				err = flush_all_zero(km);
				if (err)
					return err;
				left = km->last_pkmap;
			}
			if (!km->count[km->last_nr])
				break;
			if (!--left)
				return -EBUSY;
		}
		nr = km->last_nr;
		err = set_pte(km, pkmap_addr(km, nr), pa);
		if (err)
			return err;
		km->count[nr] = 1;
		km->pa[nr] = pa;
		km->next[nr] = km->head[hash_of(km, pa)];
		km->head[hash_of(km, pa)] = nr;
		km->c.pkmap_new++;
	}
	km->count[nr]++;
	km->c.pkmap_maps++;
	*va = pkmap_addr(km, nr);
	return 0;
}

int kmap_pkmap_unmap(struct kmap *km, unsigned cpu, uint64_t pa)
{
	uint32_t nr;

	if (cpu >= km->cpus || bad_pa(km, pa))
		return -EINVAL;
	if (!kmap_is_highmem(km, pa))
		return 0;
	nr = km->last_pkmap ? lookup(km, pa) : NONE;
	if (nr == NONE || km->count[nr] < 2)
		return -ENOENT;
	km->count[nr]--;
	km->c.pkmap_unmaps++;
	return 0;
}

int kmap_access(struct kmap *km, unsigned cpu, uint64_t va)
{
	struct mmu_result res;
	int err;

	if (cpu >= km->cpus)
		return -EINVAL;
	err = mmu_translate(km->cpu[cpu].mmu, va, 1, MMU_WRITE, &res);
	if (err == -EINVAL)
		return err;
	km->c.accesses++;
	if (res.source == 0)
		km->c.tlb_misses++;
	return err;
}

void kmap_get_counters(const struct kmap *km, struct kmap_counters *c)
{
	*c = km->c;
}
