/* SPDX-License-Identifier: MIT */
/*
 * Kernel address-space layouts as data.  Each row copies the kernel's own
 * table of its layout (the file in ->source); only named regions are
 * listed, the holes between them are what is left.  Values that the
 * documents leave to the configuration are derived from the kernel's
 * formulas, and the comment at each says how:
 *
 *  - x86-64 fixmap: FIXADDR_TOP = round_up(VSYSCALL_ADDR + PAGE_SIZE,
 *    PMD_SIZE) - PAGE_SIZE = 0xffffffffff7ff000; the boot PTE tables are
 *    level2_fixmap_pgt's entries FIXMAP_PMD_TOP - FIXMAP_PMD_NUM + 1 ..
 *    FIXMAP_PMD_TOP (506, 507), i.e. [0xffffffffff400000, +4 MiB).  Its
 *    start (FIXADDR_START) varies with the configuration; the region
 *    listed is the span of those two tables up to FIXADDR_TOP.
 *  - x86-32 (arch/x86/include/asm/pgtable_32_areas.h): below FIXADDR_TOP
 *    = 0xfffff000 lie the fixmap and the cpu_entry_area; assuming they
 *    take between 2 and 4 MiB (any NR_CPUS up to a few dozen),
 *    CPU_ENTRY_AREA_BASE = 0xffc00000, LDT_BASE_ADDR the PMD below it,
 *    PKMAP_BASE the PMD below that, VMALLOC_END = PKMAP_BASE - 2 pages,
 *    MAXMEM = VMALLOC_END - PAGE_OFFSET - 128 MiB (__VMALLOC_RESERVE),
 *    VMALLOC_START = high_memory + VMALLOC_OFFSET (8 MiB).
 *  - arm64: Documentation/arch/arm64/memory.rst (the layout of v5.11 to
 *    v6.8: VMALLOC_END = VMEMMAP_START - SZ_256M, FIXADDR_TOP =
 *    VMEMMAP_START - SZ_32M; before 5.11 VMALLOC_END was PAGE_OFFSET -
 *    PUD_SIZE - VMEMMAP_SIZE - SZ_64K; 6.9 moved vmemmap, PCI I/O and the
 *    fixmap to the top of the space, which the document does not show).
 *    The image is mapped at KIMAGE_VADDR = MODULES_END, the start of the
 *    vmalloc area.  The fixmap's boot PTE table (bm_pte) is the one
 *    holding FIXADDR_TOP - PAGE_SIZE.
 *  - RISC-V: Documentation/arch/riscv/vm-layout.rst; the fixmap's PTE
 *    table (fixmap_pte) is the one holding FIXADDR_START.
 */
#include <errno.h>
#include <string.h>

#include <vmbench/kspace.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>

#define KB(x) ((uint64_t)(x) << 10)
#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)
#define TB(x) ((uint64_t)(x) << 40)

static const char *const kind_names[KS_KIND_COUNT] = {
	[KS_USER] = "user", [KS_GUARD] = "guard", [KS_LDT] = "ldt",
	[KS_DIRECT_MAP] = "direct-map", [KS_VMALLOC] = "vmalloc",
	[KS_VMEMMAP] = "vmemmap", [KS_KASAN] = "kasan",
	[KS_CPU_ENTRY] = "cpu-entry-area", [KS_ESPFIX] = "espfix",
	[KS_EFI] = "efi", [KS_KERNEL] = "kernel", [KS_MODULES] = "modules",
	[KS_FIXMAP] = "fixmap", [KS_VSYSCALL] = "vsyscall",
	[KS_PKMAP] = "pkmap", [KS_PCI_IO] = "pci-io",
};

const char *ks_kind_name(unsigned kind)
{
	return kind < KS_KIND_COUNT ? kind_names[kind] : "?";
}

#define R(s, l, k, w) { .start = (s), .last = (l), .kind = (k), .what = (w) }

/* The top of x86-64 from fffffc0000000000 up, identical for 4 and 5
 * levels; the kernel and modules rows are those without KASLR. */
#define X86_64_TOP \
	R(0xfffffe0000000000, 0xfffffe7fffffffff, KS_CPU_ENTRY, \
	  "cpu_entry_area mapping"), \
	R(0xffffff0000000000, 0xffffff7fffffffff, KS_ESPFIX, \
	  "%esp fixup stacks"), \
	R(0xffffffef00000000, 0xfffffffeffffffff, KS_EFI, \
	  "EFI region mapping space"), \
	R(0xffffffff80000000, 0xffffffff9fffffff, KS_KERNEL, \
	  "kernel text mapping, mapped to physical address 0"), \
	R(0xffffffffa0000000, 0xfffffffffeffffff, KS_MODULES, \
	  "module mapping space"), \
	R(0xffffffffff400000, 0xffffffffff7fefff, KS_FIXMAP, \
	  "kernel-internal fixmap range (its 2 boot PTE tables)"), \
	R(0xffffffffff600000, 0xffffffffff600fff, KS_VSYSCALL, \
	  "legacy vsyscall ABI")

#define X86_64_COMMON \
	.kernel_start = 0xffffffff80000000, .kernel_size = MB(512), \
	.text_offset = MB(16), \
	.modules_start = 0xffffffffa0000000, \
	.modules_end = 0xffffffffff000000, \
	.fixmap_top = 0xffffffffff7ff000, \
	.fixmap_pt_start = 0xffffffffff400000, \
	.fixmap_pt_end = 0xffffffffff800000, \
	.prealloc_vmalloc = true

#define X86_32_DOC "arch/x86/include/asm/pgtable_32_areas.h (6.12), " \
	"fixmap + cpu_entry_area of 2-4 MiB"

/* x86-32 rows hold 0 where RAM decides (ks_layout_get fills them). */
#define X86_32_COMMON(pkmap, vend) \
	.page_offset = 0xc0000000, \
	.direct_max = (vend) - 0xc0000000 - MB(128), \
	.vmalloc_end = (vend), \
	.kernel_start = 0xc0000000, .kernel_size = MB(512), \
	.text_offset = MB(16), .image_in_direct_map = true, \
	.fixmap_top = 0xfffff000, \
	.fixmap_pt_start = 0xffc00000, .fixmap_pt_end = 0x100000000, \
	.pkmap_start = (pkmap), \
	.pkmap_end = (pkmap) + ((vend) == 0xff3fe000 ? MB(4) : MB(2))

#define ARM64_COMMON \
	.modules_start = 0xffff800000000000, \
	.modules_end = 0xffff800080000000, \
	.vmalloc_start = 0xffff800080000000, \
	.vmalloc_end = 0xfffffbfff0000000, \
	.kernel_start = 0xffff800080000000, .kernel_size = GB(2), \
	.fixmap_top = 0xfffffbfffe000000, \
	.fixmap_pt_start = 0xfffffbfffe000000 - KB(64), \
	.fixmap_pt_end = 0xfffffbfffe000000

#define ARM64_ROWS \
	R(0xffff800000000000, 0xffff80007fffffff, KS_MODULES, "modules"), \
	R(0xffff800080000000, 0xfffffbffefffffff, KS_VMALLOC, "vmalloc"), \
	R(0xfffffbfff0000000, 0xfffffbfffdffffff, KS_FIXMAP, \
	  "fixed mappings (top down)"), \
	R(0xfffffbfffe800000, 0xfffffbffff7fffff, KS_PCI_IO, \
	  "PCI I/O space")

#define RISCV_TOP \
	R(0xffffffff00000000, 0xffffffff7fffffff, KS_MODULES, \
	  "modules, BPF"), \
	R(0xffffffff80000000, 0xffffffffffffffff, KS_KERNEL, "kernel")

#define RISCV_COMMON \
	.modules_start = 0xffffffff00000000, \
	.modules_end = 0xffffffff80000000, \
	.kernel_start = 0xffffffff80000000, .kernel_size = GB(2)

#define NREG(...) \
	.nregions = sizeof((struct ks_region[]){ __VA_ARGS__ }) / \
		    sizeof(struct ks_region), \
	.regions = { __VA_ARGS__ }

static const struct ks_layout layouts[] = {
	{
		.name = "x86-64-4l",
		.summary = "x86-64, 4-level paging (48-bit)",
		.source = "Documentation/arch/x86/x86_64/mm.rst",
		.page_offset = 0xffff888000000000, .direct_max = TB(64),
		.vmalloc_start = 0xffffc90000000000,
		.vmalloc_end = 0xffffe90000000000,
		X86_64_COMMON,
		NREG(R(0, 0x00007fffffffffff, KS_USER,
		       "user-space virtual memory, different per mm"),
		     R(0xffff800000000000, 0xffff87ffffffffff, KS_GUARD,
		       "guard hole, also reserved for hypervisor"),
		     R(0xffff880000000000, 0xffff887fffffffff, KS_LDT,
		       "LDT remap for PTI"),
		     R(0xffff888000000000, 0xffffc87fffffffff, KS_DIRECT_MAP,
		       "direct mapping of all physical memory (page_offset_base)"),
		     R(0xffffc90000000000, 0xffffe8ffffffffff, KS_VMALLOC,
		       "vmalloc/ioremap space (vmalloc_base)"),
		     R(0xffffea0000000000, 0xffffeaffffffffff, KS_VMEMMAP,
		       "virtual memory map (vmemmap_base)"),
		     R(0xffffec0000000000, 0xfffffbffffffffff, KS_KASAN,
		       "KASAN shadow memory"),
		     X86_64_TOP),
	},
	{
		.name = "x86-64-5l",
		.summary = "x86-64, 5-level paging (57-bit, LA57)",
		.source = "Documentation/arch/x86/x86_64/mm.rst",
		.page_offset = 0xff11000000000000, .direct_max = TB(32 * 1024),
		.vmalloc_start = 0xffa0000000000000,
		.vmalloc_end = 0xffd2000000000000,
		X86_64_COMMON,
		NREG(R(0, 0x00ffffffffffffff, KS_USER,
		       "user-space virtual memory, different per mm"),
		     R(0xff00000000000000, 0xff0fffffffffffff, KS_GUARD,
		       "guard hole, also reserved for hypervisor"),
		     R(0xff10000000000000, 0xff10ffffffffffff, KS_LDT,
		       "LDT remap for PTI"),
		     R(0xff11000000000000, 0xff90ffffffffffff, KS_DIRECT_MAP,
		       "direct mapping of all physical memory (page_offset_base)"),
		     R(0xffa0000000000000, 0xffd1ffffffffffff, KS_VMALLOC,
		       "vmalloc/ioremap space (vmalloc_base)"),
		     R(0xffd4000000000000, 0xffd5ffffffffffff, KS_VMEMMAP,
		       "virtual memory map (vmemmap_base)"),
		     R(0xffdf000000000000, 0xfffffbffffffffff, KS_KASAN,
		       "KASAN shadow memory"),
		     X86_64_TOP),
	},
	{
		.name = "x86-32",
		.summary = "x86-32 without PAE, 3G/1G split, HIGHMEM",
		.source = X86_32_DOC,
		X86_32_COMMON(0xff400000, 0xff3fe000),
		NREG(R(0, 0xbfffffff, KS_USER, "user space (VMSPLIT_3G)"),
		     R(0xc0000000, 0, KS_DIRECT_MAP,
		       "lowmem: direct mapping up to high_memory"),
		     R(0, 0xff3fdfff, KS_VMALLOC,
		       "vmalloc/ioremap and modules, from high_memory + VMALLOC_OFFSET (8 MiB)"),
		     R(0xff400000, 0xff7fffff, KS_PKMAP,
		       "persistent kmap (LAST_PKMAP 1024)"),
		     R(0xff800000, 0xffbfffff, KS_LDT, "LDT remap for PTI"),
		     R(0xffc00000, 0xffffefff, KS_FIXMAP,
		       "cpu_entry_area and fixmap, up to FIXADDR_TOP")),
	},
	{
		.name = "x86-pae",
		.summary = "x86-32 with PAE, 3G/1G split, HIGHMEM",
		.source = X86_32_DOC,
		X86_32_COMMON(0xff800000, 0xff7fe000),
		NREG(R(0, 0xbfffffff, KS_USER, "user space (VMSPLIT_3G)"),
		     R(0xc0000000, 0, KS_DIRECT_MAP,
		       "lowmem: direct mapping up to high_memory"),
		     R(0, 0xff7fdfff, KS_VMALLOC,
		       "vmalloc/ioremap and modules, from high_memory + VMALLOC_OFFSET (8 MiB)"),
		     R(0xff800000, 0xff9fffff, KS_PKMAP,
		       "persistent kmap (LAST_PKMAP 512)"),
		     R(0xffa00000, 0xffbfffff, KS_LDT, "LDT remap for PTI"),
		     R(0xffc00000, 0xffffefff, KS_FIXMAP,
		       "cpu_entry_area and fixmap, up to FIXADDR_TOP")),
	},
	{
		.name = "arm64-4k-48",
		.summary = "arm64, 4K pages, 4 levels (48-bit)",
		.source = "Documentation/arch/arm64/memory.rst",
		.page_offset = 0xffff000000000000, .direct_max = TB(128),
		ARM64_COMMON,
		NREG(R(0, 0x0000ffffffffffff, KS_USER, "user"),
		     R(0xffff000000000000, 0xffff7fffffffffff, KS_DIRECT_MAP,
		       "kernel logical memory map"),
		     ARM64_ROWS,
		     R(0xfffffc0000000000, 0xfffffdffffffffff, KS_VMEMMAP,
		       "vmemmap")),
	},
	{
		.name = "arm64-64k-52",
		.summary = "arm64, 64K pages, 3 levels (52-bit)",
		.source = "Documentation/arch/arm64/memory.rst",
		.page_offset = 0xfff0000000000000,
		.direct_max = 0xffff800000000000 - 0xfff0000000000000,
		ARM64_COMMON,
		NREG(R(0, 0x000fffffffffffff, KS_USER, "user"),
		     R(0xfff0000000000000, 0xffff7fffffffffff, KS_DIRECT_MAP,
		       "kernel logical memory map"),
		     ARM64_ROWS,
		     R(0xfffffc0000000000, 0xffffffdfffffffff, KS_VMEMMAP,
		       "vmemmap")),
	},
	{
		.name = "sv39",
		.summary = "RISC-V Sv39 (3 levels)",
		.source = "Documentation/arch/riscv/vm-layout.rst",
		.page_offset = 0xffffffd600000000, .direct_max = GB(128),
		.vmalloc_start = 0xffffffc600000000,
		.vmalloc_end = 0xffffffd600000000,
		.fixmap_top = 0xffffffc4ff000000,
		.fixmap_pt_start = 0xffffffc4fea00000,
		.fixmap_pt_end = 0xffffffc4fec00000,
		RISCV_COMMON,
		NREG(R(0, 0x0000003fffffffff, KS_USER,
		       "user-space virtual memory, different per mm"),
		     R(0xffffffc4fea00000, 0xffffffc4feffffff, KS_FIXMAP,
		       "fixmap"),
		     R(0xffffffc4ff000000, 0xffffffc4ffffffff, KS_PCI_IO,
		       "PCI io"),
		     R(0xffffffc500000000, 0xffffffc5ffffffff, KS_VMEMMAP,
		       "vmemmap"),
		     R(0xffffffc600000000, 0xffffffd5ffffffff, KS_VMALLOC,
		       "vmalloc/ioremap space"),
		     R(0xffffffd600000000, 0xfffffff5ffffffff, KS_DIRECT_MAP,
		       "direct mapping of all physical memory"),
		     R(0xfffffff700000000, 0xfffffffeffffffff, KS_KASAN,
		       "kasan"),
		     RISCV_TOP),
	},
	{
		.name = "sv48",
		.summary = "RISC-V Sv48 (4 levels)",
		.source = "Documentation/arch/riscv/vm-layout.rst",
		.page_offset = 0xffffaf8000000000, .direct_max = TB(64),
		.vmalloc_start = 0xffff8f8000000000,
		.vmalloc_end = 0xffffaf8000000000,
		.fixmap_top = 0xffff8d7fff000000,
		.fixmap_pt_start = 0xffff8d7ffea00000,
		.fixmap_pt_end = 0xffff8d7ffec00000,
		RISCV_COMMON,
		NREG(R(0, 0x00007fffffffffff, KS_USER,
		       "user-space virtual memory, different per mm"),
		     R(0xffff8d7ffea00000, 0xffff8d7ffeffffff, KS_FIXMAP,
		       "fixmap"),
		     R(0xffff8d7fff000000, 0xffff8d7fffffffff, KS_PCI_IO,
		       "PCI io"),
		     R(0xffff8d8000000000, 0xffff8f7fffffffff, KS_VMEMMAP,
		       "vmemmap"),
		     R(0xffff8f8000000000, 0xffffaf7fffffffff, KS_VMALLOC,
		       "vmalloc/ioremap space"),
		     R(0xffffaf8000000000, 0xffffef7fffffffff, KS_DIRECT_MAP,
		       "direct mapping of all physical memory"),
		     R(0xffffef8000000000, 0xfffffffeffffffff, KS_KASAN,
		       "kasan"),
		     RISCV_TOP),
	},
};

const struct ks_layout *ks_layouts(size_t *count)
{
	*count = sizeof(layouts) / sizeof(layouts[0]);
	return layouts;
}

static struct ks_region *region_of(struct ks_layout *l, unsigned kind)
{
	for (size_t i = 0; i < l->nregions; i++)
		if (l->regions[i].kind == kind)
			return &l->regions[i];
	return NULL;
}

int ks_layout_get(const char *name, bool kaslr, uint64_t ram_top,
		  struct ks_layout *out, struct reason *r)
{
	size_t n;
	const struct ks_layout *all = ks_layouts(&n);
	const struct ks_layout *row = NULL;

	for (size_t i = 0; i < n && !row; i++)
		if (!strcmp(all[i].name, name))
			row = &all[i];
	if (!row)
		return reason_fail_opt(r, -ENOENT, "arch",
				       "no kernel layout '%s'", name);
	*out = *row;
	if (row->prealloc_vmalloc) {
		/* x86-64: KERNEL_IMAGE_SIZE is 1 GiB with
		 * CONFIG_RANDOMIZE_BASE; MODULES_VADDR follows it. */
		if (kaslr) {
			struct ks_region *k = region_of(out, KS_KERNEL);
			struct ks_region *m = region_of(out, KS_MODULES);

			out->kernel_size = GB(1);
			out->modules_start = out->kernel_start + GB(1);
			k->last = out->modules_start - 1;
			m->start = out->modules_start;
		}
		out->kaslr = kaslr;
	} else if (kaslr) {
		return reason_fail_opt(r, -EINVAL, "kaslr",
				       "layout '%s' does not change with KASLR "
				       "(only x86-64's image size does)", name);
	}
	if (row->image_in_direct_map) {
		/* x86-32: high_memory = __va(min(RAM, MAXMEM)); no RAM
		 * given: as much as lowmem holds. */
		uint64_t low = ram_top && ram_top < out->direct_max ?
			       ram_top : out->direct_max;
		uint64_t high = out->page_offset + low;

		region_of(out, KS_DIRECT_MAP)->last = high - 1;
		out->vmalloc_start = high + MB(8);
		out->modules_start = out->vmalloc_start;
		out->modules_end = out->vmalloc_end;
		region_of(out, KS_VMALLOC)->start = out->vmalloc_start;
	}
	return 0;
}

unsigned ks_root_index(const struct ks_layout *l, uint64_t va)
{
	const struct pt_geometry *g = pt_geometry_find(l->name);
	unsigned top;

	if (!g)
		return 0;
	top = g->levels - 1u;
	return (unsigned)((va >> pt_level_shift(g, top)) &
			  ((1ULL << g->bits[top]) - 1));
}
