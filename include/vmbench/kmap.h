/* SPDX-License-Identifier: MIT */
/*
 * kmap — temporary kernel mappings of pages: kmap_local_page() /
 * kmap_atomic() and kmap() through PKMAP, over a booted kernel (kspace.h)
 * and N simulated CPUs, each with its own TLB and MMU over the kernel page
 * table (ASID 0).
 *
 *   kmap_local_map / kmap_local_unmap   kmap_local_page(), kmap_atomic(),
 *                                       kunmap_local(), kunmap_atomic()
 *   kmap_pkmap_map / kmap_pkmap_unmap   kmap(), kunmap()
 *   kmap_access                         a CPU writes a byte at an address
 *
 * What is modelled (mm/highmem.c, arch/x86/include/asm/highmem.h and
 * fixmap.h of Linux 6.12; facts, no kernel code):
 *   - A page the direct map covers (below the layout's direct_max: every
 *     page on 64-bit, lowmem on x86-32) is returned at its direct-map
 *     address, page_offset + pa: no entry written, nothing flushed.
 *   - kmap_local of a highmem page takes the CPU's next slot of a stack of
 *     KM_MAX_IDX (16) per CPU: fixmap index FIX_KMAP_BEGIN + idx +
 *     KM_MAX_IDX * cpu, address FIXADDR_TOP - index * PAGE_SIZE; set_pte
 *     (one PTE write, global, in the fixmap's boot PTE tables).  Unmapping
 *     is LIFO: pte_clear and a local single-page flush of that CPU's TLB
 *     (x86-32's arch_kmap_local_post_unmap(): flush_tlb_one_kernel()), no
 *     IPI.  FIX_KMAP_BEGIN is taken as KMAP_FIX_KMAP_BEGIN (see there).
 *   - kmap of a highmem page: if the page has a PKMAP address, its count
 *     goes up; else map_new_virtual(): the slot counter last_pkmap_nr
 *     advances by one modulo LAST_PKMAP (from 0, so the first slot used is
 *     1); when it wraps to 0, flush_all_zero_pkmaps() clears every slot of
 *     count 1 (mapped, unused) and, if it cleared any, makes ONE
 *     flush_tlb_kernel_range() over the whole PKMAP window on every CPU
 *     (IPIs to the others); the first slot of count 0 is taken (set_pte,
 *     count 1), and kmap() counts it up to 2.  kunmap() counts down; a
 *     slot at 1 keeps its entry (and its page keeps the address) until
 *     the next wrap.  LAST_PKMAP is the window's size in pages: 1024
 *     without PAE, 512 with.  All slots in use: -EBUSY (the kernel sleeps).
 *   - Closed form (tests/kmap): k kmap+kunmap pairs of distinct highmem
 *     pages make floor(k / LAST_PKMAP) global flushes.
 *
 * Conventions: @cpu is 0..cpus - 1; @pa a page-aligned physical address;
 * functions return 0 or a negative errno and change nothing on failure.
 * Nothing here prints.
 */
#ifndef VMBENCH_KMAP_H
#define VMBENCH_KMAP_H

#include <stdbool.h>
#include <stdint.h>

struct ks_kernel;
struct reason;

/* KM_MAX_IDX without CONFIG_DEBUG_KMAP_LOCAL. */
#define KMAP_KM_MAX_IDX 16
/*
 * x86-32's FIX_KMAP_BEGIN: after FIX_HOLE, FIX_DBGP_BASE,
 * FIX_EARLYCON_MEM_BASE, FIX_APIC_BASE and 64 IO-APIC slots (MAX_IO_APICS
 * on x86-32) of a configuration with local and IO APICs and no OHCI1394
 * early DMA.  Another configuration moves the slots by whole pages only.
 */
#ifndef KMAP_FIX_KMAP_BEGIN
#define KMAP_FIX_KMAP_BEGIN 68
#endif

struct kmap_config {
	struct ks_kernel *k;      /* booted; not owned */
	unsigned cpus;            /* 1 .. what the fixmap's tables hold */
	const char *tlb;          /* every CPU's TLB spec; NULL: "skylake"
				   * (x86), "neoverse-n1" (arm64) */
};

struct kmap_counters {
	uint64_t direct;          /* maps answered by the direct map */
	uint64_t local_maps, local_unmaps;
	uint64_t pkmap_maps;      /* kmap() calls */
	uint64_t pkmap_new;       /* of them, map_new_virtual() */
	uint64_t pkmap_unmaps;
	uint64_t pkmap_cleared;   /* slots flush_all_zero_pkmaps() cleared */
	uint64_t pkmap_wraps;     /* times the slot counter wrapped */
	uint64_t global_flushes;  /* flush_tlb_kernel_range() of PKMAP */
	uint64_t local_flushes;   /* single-page flushes of one CPU */
	uint64_t ipis;
	uint64_t pte_writes, pte_clears;
	uint64_t accesses;        /* kmap_access() calls */
	uint64_t tlb_misses;      /* of them, walks */
};

struct kmap;

/* -EINVAL with @r naming the field ("cpus", "tlb"); -ENOMEM. */
int kmap_create(struct kmap **out, const struct kmap_config *cfg,
		struct reason *r);
/* Unmaps nothing (the kernel's table keeps what is mapped); frees the
 * CPUs.  NULL is a no-op. */
void kmap_destroy(struct kmap *km);

/* Whether @pa lies above the direct map (needs a temporary mapping). */
bool kmap_is_highmem(const struct kmap *km, uint64_t pa);
/* LAST_PKMAP (0 without a PKMAP window) and the slots per CPU. */
unsigned kmap_last_pkmap(const struct kmap *km);

/* -EINVAL: bad cpu or pa; -ENOSPC: the CPU's KM_MAX_IDX slots in use;
 * -ENOMEM. */
int kmap_local_map(struct kmap *km, unsigned cpu, uint64_t pa, uint64_t *va);
/* -EINVAL: @va is not the CPU's last local mapping (or a direct-map
 * address, for which this is a no-op returning 0). */
int kmap_local_unmap(struct kmap *km, unsigned cpu, uint64_t va);

/* -EINVAL: bad cpu or pa, or no PKMAP window (64-bit: every page is
 * direct-mapped, so that is never reached there); -EBUSY: every slot is
 * in use. */
int kmap_pkmap_map(struct kmap *km, unsigned cpu, uint64_t pa, uint64_t *va);
/* -ENOENT: @pa is not kmapped. */
int kmap_pkmap_unmap(struct kmap *km, unsigned cpu, uint64_t pa);

/* CPU @cpu writes the byte at @va through its TLB; -EFAULT: not mapped. */
int kmap_access(struct kmap *km, unsigned cpu, uint64_t va);

void kmap_get_counters(const struct kmap *km, struct kmap_counters *c);

#endif /* VMBENCH_KMAP_H */
