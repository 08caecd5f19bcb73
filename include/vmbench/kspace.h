/* SPDX-License-Identifier: MIT */
/*
 * kspace — kernel address spaces: the virtual-memory layout of each
 * architecture as data, and the kernel page table (swapper_pg_dir) built
 * over a buddy allocator the way the kernel builds it at boot.
 *
 * API
 * ---
 *   ks_layouts(&n)                 every layout (one per geometry name)
 *   ks_layout_get(name, kaslr, ram_top, &layout, &reason)
 *				    a layout, with what depends on RAM filled
 *				    (x86-32's lowmem end and vmalloc start)
 *   ks_boot(&k, &config, &reason)  RAM (a buddy), its pgtable memory, and
 *				    the kernel page table with the direct
 *				    map, the kernel image, the fixmap (and
 *				    PKMAP) tables, and on x86-64 the vmalloc
 *				    area's preallocated upper levels
 *   ks_layout_of / ks_pt / ks_buddy / ks_mem (k)   what a kernel-level
 *				    module (vmalloc) works with
 *   ks_boot_tables(k, &t)          page-table pages per boot step
 *   ks_shutdown(k)                 frees the tables, the image, RAM
 *
 * Addresses are those of the kernel's documentation with nothing
 * randomised: CONFIG_RANDOMIZE_MEMORY (x86-64's randomised direct map,
 * vmalloc and vmemmap bases) and the image's random offset are not
 * modelled.  "kaslr" selects x86-64's KERNEL_IMAGE_SIZE of 1 GiB
 * (CONFIG_RANDOMIZE_BASE) instead of 512 MiB, which moves the modules
 * area to 0xffffffffc0000000.
 *
 * Physical memory: RAM is [PT_MEM_BASE, ram_top) (pgtable.h; the first
 * MiB below it is absent, as x86 reserves it), all of it in the buddy.
 */
#ifndef VMBENCH_KSPACE_H
#define VMBENCH_KSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reason;
struct pt;
struct pt_mem;
struct buddy;

enum ks_kind {
	KS_USER,         /* user space, per mm */
	KS_GUARD,        /* guard hole (x86-64: reserved for hypervisors) */
	KS_LDT,          /* LDT remap for PTI */
	KS_DIRECT_MAP,   /* direct / linear map of RAM (x86-32: lowmem) */
	KS_VMALLOC,      /* vmalloc / ioremap space */
	KS_VMEMMAP,      /* struct page array */
	KS_KASAN,        /* KASAN shadow */
	KS_CPU_ENTRY,    /* cpu_entry_area */
	KS_ESPFIX,       /* %esp fixup stacks */
	KS_EFI,          /* EFI runtime mappings */
	KS_KERNEL,       /* kernel image */
	KS_MODULES,      /* modules (riscv: and BPF) */
	KS_FIXMAP,       /* fixed mappings */
	KS_VSYSCALL,     /* legacy vsyscall page (inside x86-64's fixmap) */
	KS_PKMAP,        /* x86-32 persistent kmap */
	KS_PCI_IO,       /* arm64 / riscv PCI I/O space */
	KS_KIND_COUNT
};

/* Short name of @kind ("vmalloc", "direct-map", ...); cannot fail. */
const char *ks_kind_name(unsigned kind);

/* [start, last], last inclusive as the kernel's tables write it. */
struct ks_region {
	uint64_t start, last;
	uint8_t kind;          /* enum ks_kind */
	const char *what;      /* the kernel documentation's description */
};

#define KS_MAX_REGIONS 24

struct ks_layout {
	const char *name;       /* also the pgtable geometry's name */
	const char *summary;    /* one line for --help */
	const char *source;     /* where the addresses come from */
	bool kaslr;
	uint64_t page_offset;   /* VA of physical address 0 */
	uint64_t direct_max;    /* bytes of physical memory the direct map
				 * can hold (x86-32: MAXMEM, the rest is
				 * highmem) */
	uint64_t vmalloc_start, vmalloc_end;    /* [start, end) */
	uint64_t modules_start, modules_end;    /* [start, end) */
	uint64_t kernel_start;  /* the image's mapping (__START_KERNEL_map,
				 * KIMAGE_VADDR, KERNEL_LINK_ADDR) */
	uint64_t kernel_size;   /* the VA reserved for it */
	uint64_t text_offset;   /* where _text lies in that mapping */
	bool image_in_direct_map;  /* x86-32: no mapping of its own */
	uint64_t fixmap_top;    /* FIXADDR_TOP */
	/* The PTE tables built at boot for the fixmap: [start, end). */
	uint64_t fixmap_pt_start, fixmap_pt_end;
	uint64_t pkmap_start, pkmap_end;        /* x86-32 PKMAP, else 0 */
	bool prealloc_vmalloc;  /* x86-64 (5.9+): upper levels at boot */
	size_t nregions;        /* sorted by start; a region inside the one
				 * before it (vsyscall) is listed after it */
	struct ks_region regions[KS_MAX_REGIONS];
};

/* The built-in layouts, without RAM-dependent values; cannot fail. */
const struct ks_layout *ks_layouts(size_t *count);

/*
 * The layout called @name (a geometry name: x86-64-4l, x86-64-5l, x86-32,
 * x86-pae, arm64-4k-48, arm64-64k-52, sv39, sv48) into *@out, with @kaslr
 * and the values that depend on the top of RAM @ram_top (x86-32:
 * high_memory = PAGE_OFFSET + min(ram_top, MAXMEM), VMALLOC_START 8 MiB
 * above it; @ram_top 0: RAM beyond lowmem).  -ENOENT: no layout of that name; -EINVAL: @kaslr where the
 * layout does not change with it (only x86-64's does).  The reason names
 * the field ("arch", "kaslr").
 */
int ks_layout_get(const char *name, bool kaslr, uint64_t ram_top,
		  struct ks_layout *out, struct reason *r);

/* The index of the root-level entry that translates @va (for printing
 * "page-table slots" of a region); cannot fail. */
unsigned ks_root_index(const struct ks_layout *l, uint64_t va);

/* ---- the kernel page table ---- */

struct ks_config {
	const char *arch;        /* a layout name */
	bool kaslr;
	uint64_t ram_bytes;      /* RAM in the buddy, from PT_MEM_BASE */
	unsigned max_order;      /* buddy orders 0..max_order; 0: Linux's
				  * default for the page size (4K: 10,
				  * 16K: 11, 64K: 13) */
	uint64_t image_bytes;    /* kernel image, in 2 MiB chunks */
	bool no_prealloc;        /* x86-64: vmalloc upper levels on demand,
				  * as before 5.9 */
};

/* Defaults: x86-64-4l, no kaslr, 4 GiB of RAM, default max order, a
 * 32 MiB image, preallocation as the layout says. */
void ks_config_default(struct ks_config *c);

/* The steps of ks_boot(), in order: page-table pages each created. */
enum ks_step {
	KS_STEP_ROOT,          /* swapper_pg_dir itself */
	KS_STEP_DIRECT_MAP,
	KS_STEP_KERNEL_IMAGE,
	KS_STEP_FIXMAP,
	KS_STEP_PKMAP,         /* x86-32 */
	KS_STEP_VMALLOC,       /* x86-64 preallocation */
	KS_STEP_COUNT
};

/* "root", "direct-map", ...; cannot fail. */
const char *ks_step_name(unsigned step);

struct ks_boot_tables {
	uint64_t pages[KS_STEP_COUNT];               /* table pages */
	uint64_t by_level[KS_STEP_COUNT][5];         /* per level (0 = PTE) */
	uint64_t total;
	uint64_t image_frames;   /* frames of the kernel image */
	uint64_t direct_mapped;  /* bytes of RAM in the direct map */
	uint64_t direct_leaves[5];  /* direct-map leaves per level */
};

struct ks_kernel;

/*
 * Boot: the layout, a buddy over RAM, a pgtable memory whose frames come
 * from it, and swapper_pg_dir built in the order of enum ks_step:
 *  - direct map of [0, min(ram_top, direct_max)) with the largest leaves
 *    alignment allows (PT_MAP_HUGE), read/write, global; on x86 the first
 *    large page's worth with base pages (the ISA range and the head that
 *    init_memory_mapping() maps with 4K pages); elsewhere from PT_MEM_BASE;
 *  - the kernel image: image_bytes in 2 MiB blocks from the buddy, mapped
 *    at kernel_start + text_offset with 2 MiB leaves where the geometry
 *    has them, else contiguous runs (arm64 64K) or base pages; on x86-32
 *    the blocks lie in lowmem and are not mapped again;
 *  - the fixmap's PTE tables (and x86-32's PKMAP table), no entries;
 *  - x86-64 unless no_prealloc: the table below the root for every root
 *    entry of [vmalloc_start, vmalloc_end) (preallocate_vmalloc_pages()).
 * -EINVAL / -ENOENT with a reason naming the field (arch, kaslr, ram,
 * image, max-order); -ENOMEM: host or RAM out of memory.  Nothing is left
 * allocated on failure.
 */
int ks_boot(struct ks_kernel **out, const struct ks_config *c,
	    struct reason *r);
/* Free everything; NULL is a no-op. */
void ks_shutdown(struct ks_kernel *k);

/* Getters; they cannot fail.  The pt, buddy and memory belong to @k. */
const struct ks_layout *ks_layout_of(const struct ks_kernel *k);
struct pt *ks_pt(struct ks_kernel *k);
struct buddy *ks_buddy(struct ks_kernel *k);
struct pt_mem *ks_mem(struct ks_kernel *k);
void ks_boot_tables(const struct ks_kernel *k, struct ks_boot_tables *t);

#endif /* VMBENCH_KSPACE_H */
