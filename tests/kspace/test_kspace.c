/* SPDX-License-Identifier: MIT */
/*
 * Kernel address spaces.  Layouts: every region of every layout against
 * the addresses written here from the kernel's documents
 * (Documentation/arch/x86/x86_64/mm.rst, arch/arm64/memory.rst,
 * arch/riscv/vm-layout.rst) and, where they leave values to the
 * configuration, from the kernel's formulas worked out by hand below;
 * then invariants every layout must keep.  Boot: the page-table pages of
 * each step for each architecture against counts derived here from the
 * geometry, translations through the built table, and that every table
 * page and image frame came out of the buddy.
 */
#include <errno.h>

#include <vmbench/buddy.h>
#include <vmbench/kspace.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>

#include "../test.h"

#define MB(x) ((uint64_t)(x) << 20)
#define GB(x) ((uint64_t)(x) << 30)

struct want_region {
	unsigned kind;
	uint64_t start, last;
};

struct want {
	const char *name;
	bool kaslr;
	uint64_t ram_top;
	uint64_t page_offset, vmalloc_start, vmalloc_end;
	uint64_t modules_start, modules_end, kernel_start, fixmap_top;
	struct want_region r[KS_MAX_REGIONS];
};

/* mm.rst: identical from fffffc0000000000 up for 4 and 5 levels. */
#define X86_TOP(kernel_last, modules_start)                                  \
	{ KS_CPU_ENTRY, 0xfffffe0000000000, 0xfffffe7fffffffff },            \
	{ KS_ESPFIX, 0xffffff0000000000, 0xffffff7fffffffff },               \
	{ KS_EFI, 0xffffffef00000000, 0xfffffffeffffffff },                  \
	{ KS_KERNEL, 0xffffffff80000000, kernel_last },                      \
	{ KS_MODULES, modules_start, 0xfffffffffeffffff },                   \
	/* FIXADDR_TOP = round_up(0xffffffffff600000 + 4K, 2M) - 4K; PMD    \
	 * slots 506, 507 of the last GiB hold its two PTE tables. */        \
	{ KS_FIXMAP, 0xffffffffff400000, 0xffffffffff7fefff },               \
	{ KS_VSYSCALL, 0xffffffffff600000, 0xffffffffff600fff }

#define X86_4L                                                               \
	{ KS_USER, 0, 0x00007fffffffffff },                                  \
	{ KS_GUARD, 0xffff800000000000, 0xffff87ffffffffff },                \
	{ KS_LDT, 0xffff880000000000, 0xffff887fffffffff },                  \
	{ KS_DIRECT_MAP, 0xffff888000000000, 0xffffc87fffffffff },           \
	{ KS_VMALLOC, 0xffffc90000000000, 0xffffe8ffffffffff },              \
	{ KS_VMEMMAP, 0xffffea0000000000, 0xffffeaffffffffff },              \
	{ KS_KASAN, 0xffffec0000000000, 0xfffffbffffffffff }

#define X86_5L                                                               \
	{ KS_USER, 0, 0x00ffffffffffffff },                                  \
	{ KS_GUARD, 0xff00000000000000, 0xff0fffffffffffff },                \
	{ KS_LDT, 0xff10000000000000, 0xff10ffffffffffff },                  \
	{ KS_DIRECT_MAP, 0xff11000000000000, 0xff90ffffffffffff },           \
	{ KS_VMALLOC, 0xffa0000000000000, 0xffd1ffffffffffff },              \
	{ KS_VMEMMAP, 0xffd4000000000000, 0xffd5ffffffffffff },              \
	{ KS_KASAN, 0xffdf000000000000, 0xfffffbffffffffff }

/* memory.rst: modules, vmalloc, fixmap and PCI I/O of both arm64 maps. */
#define ARM64_MID                                                            \
	{ KS_MODULES, 0xffff800000000000, 0xffff80007fffffff },              \
	{ KS_VMALLOC, 0xffff800080000000, 0xfffffbffefffffff },              \
	{ KS_FIXMAP, 0xfffffbfff0000000, 0xfffffbfffdffffff },               \
	{ KS_PCI_IO, 0xfffffbfffe800000, 0xfffffbffff7fffff }

#define RISCV_TOP                                                            \
	{ KS_MODULES, 0xffffffff00000000, 0xffffffff7fffffff },              \
	{ KS_KERNEL, 0xffffffff80000000, 0xffffffffffffffff }

/*
 * x86-32 (pgtable_32_areas.h) with fixmap + cpu_entry_area in 2..4 MiB
 * below FIXADDR_TOP 0xfffff000: CPU_ENTRY_AREA_BASE = 0xffc00000.
 *  non-PAE (PMD = 4 MiB): LDT_BASE 0xff800000, PKMAP_BASE 0xff400000,
 *    VMALLOC_END 0xff3fe000, MAXMEM = 0xff3fe000 - 0xc0000000 - 128 MiB
 *    = 0x373fe000 (~884 MiB).
 *  PAE (PMD = 2 MiB): LDT 0xffa00000, PKMAP 0xff800000, VMALLOC_END
 *    0xff7fe000, MAXMEM 0x377fe000.
 * With RAM above MAXMEM, high_memory = 0xc0000000 + MAXMEM and vmalloc
 * starts 8 MiB above it: 120 MiB of vmalloc either way.
 */
static const struct want wants[] = {
	{ "x86-64-4l", false, 0, 0xffff888000000000, 0xffffc90000000000,
	  0xffffe90000000000, 0xffffffffa0000000, 0xffffffffff000000,
	  0xffffffff80000000, 0xffffffffff7ff000,
	  { X86_4L, X86_TOP(0xffffffff9fffffff, 0xffffffffa0000000) } },
	{ "x86-64-4l", true, 0, 0xffff888000000000, 0xffffc90000000000,
	  0xffffe90000000000, 0xffffffffc0000000, 0xffffffffff000000,
	  0xffffffff80000000, 0xffffffffff7ff000,
	  { X86_4L, X86_TOP(0xffffffffbfffffff, 0xffffffffc0000000) } },
	{ "x86-64-5l", false, 0, 0xff11000000000000, 0xffa0000000000000,
	  0xffd2000000000000, 0xffffffffa0000000, 0xffffffffff000000,
	  0xffffffff80000000, 0xffffffffff7ff000,
	  { X86_5L, X86_TOP(0xffffffff9fffffff, 0xffffffffa0000000) } },
	{ "x86-64-5l", true, 0, 0xff11000000000000, 0xffa0000000000000,
	  0xffd2000000000000, 0xffffffffc0000000, 0xffffffffff000000,
	  0xffffffff80000000, 0xffffffffff7ff000,
	  { X86_5L, X86_TOP(0xffffffffbfffffff, 0xffffffffc0000000) } },
	{ "x86-32", false, GB(4), 0xc0000000, 0xf7bfe000, 0xff3fe000,
	  0xf7bfe000, 0xff3fe000, 0xc0000000, 0xfffff000,
	  { { KS_USER, 0, 0xbfffffff },
	    { KS_DIRECT_MAP, 0xc0000000, 0xf73fdfff },
	    { KS_VMALLOC, 0xf7bfe000, 0xff3fdfff },
	    { KS_PKMAP, 0xff400000, 0xff7fffff },
	    { KS_LDT, 0xff800000, 0xffbfffff },
	    { KS_FIXMAP, 0xffc00000, 0xffffefff } } },
	/* 512 MiB of RAM: all lowmem, vmalloc from 0xe0000000 + 8 MiB. */
	{ "x86-32", false, MB(512), 0xc0000000, 0xe0800000, 0xff3fe000,
	  0xe0800000, 0xff3fe000, 0xc0000000, 0xfffff000,
	  { { KS_USER, 0, 0xbfffffff },
	    { KS_DIRECT_MAP, 0xc0000000, 0xdfffffff },
	    { KS_VMALLOC, 0xe0800000, 0xff3fdfff },
	    { KS_PKMAP, 0xff400000, 0xff7fffff },
	    { KS_LDT, 0xff800000, 0xffbfffff },
	    { KS_FIXMAP, 0xffc00000, 0xffffefff } } },
	{ "x86-pae", false, GB(4), 0xc0000000, 0xf7ffe000, 0xff7fe000,
	  0xf7ffe000, 0xff7fe000, 0xc0000000, 0xfffff000,
	  { { KS_USER, 0, 0xbfffffff },
	    { KS_DIRECT_MAP, 0xc0000000, 0xf77fdfff },
	    { KS_VMALLOC, 0xf7ffe000, 0xff7fdfff },
	    { KS_PKMAP, 0xff800000, 0xff9fffff },
	    { KS_LDT, 0xffa00000, 0xffbfffff },
	    { KS_FIXMAP, 0xffc00000, 0xffffefff } } },
	{ "arm64-4k-48", false, 0, 0xffff000000000000, 0xffff800080000000,
	  0xfffffbfff0000000, 0xffff800000000000, 0xffff800080000000,
	  0xffff800080000000, 0xfffffbfffe000000,
	  { { KS_USER, 0, 0x0000ffffffffffff },
	    { KS_DIRECT_MAP, 0xffff000000000000, 0xffff7fffffffffff },
	    ARM64_MID,
	    { KS_VMEMMAP, 0xfffffc0000000000, 0xfffffdffffffffff } } },
	{ "arm64-64k-52", false, 0, 0xfff0000000000000, 0xffff800080000000,
	  0xfffffbfff0000000, 0xffff800000000000, 0xffff800080000000,
	  0xffff800080000000, 0xfffffbfffe000000,
	  { { KS_USER, 0, 0x000fffffffffffff },
	    { KS_DIRECT_MAP, 0xfff0000000000000, 0xffff7fffffffffff },
	    ARM64_MID,
	    { KS_VMEMMAP, 0xfffffc0000000000, 0xffffffdfffffffff } } },
	{ "sv39", false, 0, 0xffffffd600000000, 0xffffffc600000000,
	  0xffffffd600000000, 0xffffffff00000000, 0xffffffff80000000,
	  0xffffffff80000000, 0xffffffc4ff000000,
	  { { KS_USER, 0, 0x0000003fffffffff },
	    { KS_FIXMAP, 0xffffffc4fea00000, 0xffffffc4feffffff },
	    { KS_PCI_IO, 0xffffffc4ff000000, 0xffffffc4ffffffff },
	    { KS_VMEMMAP, 0xffffffc500000000, 0xffffffc5ffffffff },
	    { KS_VMALLOC, 0xffffffc600000000, 0xffffffd5ffffffff },
	    { KS_DIRECT_MAP, 0xffffffd600000000, 0xfffffff5ffffffff },
	    { KS_KASAN, 0xfffffff700000000, 0xfffffffeffffffff },
	    RISCV_TOP } },
	{ "sv48", false, 0, 0xffffaf8000000000, 0xffff8f8000000000,
	  0xffffaf8000000000, 0xffffffff00000000, 0xffffffff80000000,
	  0xffffffff80000000, 0xffff8d7fff000000,
	  { { KS_USER, 0, 0x00007fffffffffff },
	    { KS_FIXMAP, 0xffff8d7ffea00000, 0xffff8d7ffeffffff },
	    { KS_PCI_IO, 0xffff8d7fff000000, 0xffff8d7fffffffff },
	    { KS_VMEMMAP, 0xffff8d8000000000, 0xffff8f7fffffffff },
	    { KS_VMALLOC, 0xffff8f8000000000, 0xffffaf7fffffffff },
	    { KS_DIRECT_MAP, 0xffffaf8000000000, 0xffffef7fffffffff },
	    { KS_KASAN, 0xffffef8000000000, 0xfffffffeffffffff },
	    RISCV_TOP } },
};

static void test_documented(void)
{
	size_t seen = 0, n;

	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct want *w = &wants[i];
		struct ks_layout l;
		struct reason r;
		size_t nr = 0;

		if (ks_layout_get(w->name, w->kaslr, w->ram_top, &l, &r))
			TEST_FAIL("%s: %s", w->name, r.msg);
		ASSERT_EQ(l.page_offset, w->page_offset);
		ASSERT_EQ(l.vmalloc_start, w->vmalloc_start);
		ASSERT_EQ(l.vmalloc_end, w->vmalloc_end);
		ASSERT_EQ(l.modules_start, w->modules_start);
		ASSERT_EQ(l.modules_end, w->modules_end);
		ASSERT_EQ(l.kernel_start, w->kernel_start);
		ASSERT_EQ(l.fixmap_top, w->fixmap_top);
		while (nr < KS_MAX_REGIONS && (w->r[nr].start || w->r[nr].last))
			nr++;
		if (l.nregions != nr)
			TEST_FAIL("%s: %zu regions, %zu documented", w->name,
				  l.nregions, nr);
		for (size_t j = 0; j < nr; j++) {
			const struct ks_region *g = &l.regions[j];

			if (g->kind != w->r[j].kind ||
			    g->start != w->r[j].start ||
			    g->last != w->r[j].last)
				TEST_FAIL("%s region %zu: %s %#llx-%#llx, "
					  "documented %s %#llx-%#llx", w->name,
					  j, ks_kind_name(g->kind),
					  (unsigned long long)g->start,
					  (unsigned long long)g->last,
					  ks_kind_name(w->r[j].kind),
					  (unsigned long long)w->r[j].start,
					  (unsigned long long)w->r[j].last);
		}
		seen++;
	}
	/* Every layout has a documented row (both KASLR rows for x86-64). */
	ks_layouts(&n);
	ASSERT_EQ(n, 8);
	ASSERT_EQ(seen, n + 3);
}

/* What must hold in every layout, whatever its numbers. */
static void test_invariants(void)
{
	size_t n;
	const struct ks_layout *all = ks_layouts(&n);
	struct reason r;
	struct ks_layout l;

	for (size_t i = 0; i < n; i++) {
		const struct pt_geometry *g = pt_geometry_find(all[i].name);
		uint64_t prev_last = 0, outer_last = 0;
		bool kinds[KS_KIND_COUNT] = { false };
		struct pt *pt;

		ASSERT(g);
		ASSERT_OK(ks_layout_get(all[i].name, false, GB(2), &l, &r));
		ASSERT_OK(pt_create(&pt, g, NULL));
		for (size_t j = 0; j < l.nregions; j++) {
			const struct ks_region *x = &l.regions[j];
			ASSERT_LE(x->start, x->last);
			if (j && x->start <= outer_last) {
				/* nested (vsyscall in the fixmap) */
				ASSERT_LE(x->last, outer_last);
			} else {
				ASSERT(!j || x->start > prev_last);
				outer_last = x->last;
			}
			prev_last = x->last;
			kinds[x->kind] = true;
			/* Addresses the geometry can translate. */
			if (x->kind != KS_USER) {
				uint64_t pg = 1ULL << g->page_shift;

				ASSERT_OK(pt_map(pt, x->start & ~(pg - 1), 0,
						 pg, PT_PROT_READ, 0));
				ASSERT_OK(pt_unmap(pt, x->start & ~(pg - 1),
						   pg));
			}
		}
		ASSERT(kinds[KS_DIRECT_MAP] && kinds[KS_VMALLOC] &&
		       kinds[KS_FIXMAP] && kinds[KS_USER]);
		for (size_t j = 0; j < l.nregions; j++) {
			const struct ks_region *x = &l.regions[j];

			if (x->kind == KS_VMALLOC) {
				ASSERT_EQ(x->start, l.vmalloc_start);
				ASSERT_EQ(x->last, l.vmalloc_end - 1);
			}
			if (x->kind == KS_DIRECT_MAP)
				ASSERT_EQ(x->start, l.page_offset);
		}
		/* The fixmap's boot tables lie in the fixmap. */
		ASSERT_LT(l.fixmap_pt_start, l.fixmap_pt_end);
		for (size_t j = 0; j < l.nregions; j++)
			if (l.regions[j].kind == KS_FIXMAP) {
				ASSERT_LE(l.fixmap_pt_start,
					  l.regions[j].last);
				ASSERT_LE(l.regions[j].start,
					  l.fixmap_pt_end - 1);
			}
		pt_destroy(pt);
	}
	ASSERT_EQ(ks_layout_get("x86-64-3l", false, 0, &l, &r), -ENOENT);
	ASSERT_STREQ(r.what, "arch");
	ASSERT_EQ(ks_layout_get("sv39", true, 0, &l, &r), -EINVAL);
	ASSERT_STREQ(r.what, "kaslr");
	/* Root slots: x86-64's direct map starts in PGD slot 273 (one LDT
	 * slot and 16 hypervisor slots above 256). */
	ASSERT_OK(ks_layout_get("x86-64-4l", false, 0, &l, &r));
	ASSERT_EQ(ks_root_index(&l, l.page_offset), 273);
	ASSERT_EQ(ks_root_index(&l, l.vmalloc_start), 402);
	ASSERT_OK(ks_layout_get("x86-64-5l", false, 0, &l, &r));
	ASSERT_EQ(ks_root_index(&l, l.page_offset), 273);
}

/* ---- boot ---- */

struct boot_want {
	const char *arch;
	uint64_t ram;
	bool no_prealloc;
	uint64_t pages[KS_STEP_COUNT];
	uint64_t direct_leaf;   /* the direct map's leaf in mid-RAM */
};

/*
 * RAM is [1 MiB, 1 MiB + ram); the image 32 MiB (16 blocks of 2 MiB).
 * x86-64-4l, 4 GiB: direct map from physical 0: [0, 2M) 4K pages need a
 *   PUD, a PMD and a PTE table; 2M leaves to 1G, 1G leaves to 4G; the
 *   last MiB [4G, 4G + 1M) a PMD and a PTE table: 5.  Image: PGD 511's
 *   PUD and the PMD of PUD slot 510: 2.  Fixmap: PUD slot 511's PMD and
 *   2 PTE tables: 3.  vmalloc: 32 TB / 512 GB = 64 PUD tables.
 * x86-64-5l: one more level on the way to each: direct map 6, image 3,
 *   fixmap 3; vmalloc 12800 TB / 256 TB = 50 P4D tables.
 * x86-32, 1 GiB: lowmem ends at MAXMEM 0x373fe000: PTE tables for
 *   [0, 4M) and [0x37000000, 0x373fe000), 4M leaves between: 2; the
 *   image lies in lowmem: 0; fixmap 1 (0xffc00000), PKMAP 1.
 * x86-pae, 1 GiB: the PMD of PDPT slot 3, PTE tables for [0, 2M) and
 *   [0x37600000, 0x377fe000): 3; fixmap 0xffc00000 and 0xffe00000: 2;
 *   PKMAP 1.
 * arm64-4k-48, 4 GiB, from 1 MiB: L1, L2, L3 for [1M, 2M), L2 and L3 for
 *   the last MiB: 5; image at 0xffff800080000000: L1, L2: 2; fixmap L1,
 *   L2, L3: 3.
 * arm64-64k-52 (L1 root of 1024, L2 of 512M blocks, L3 of 64K pages):
 *   an L2 and L3 tables for [1M, 512M) and [4G, 4G + 1M): 3; image L2
 *   and L3 (64K pages in contiguous 2M runs): 2; fixmap L2, L3: 2.
 * sv39: L1 + L0 at each end: 4; image an L1: 1; fixmap L1 + L0: 2.
 * sv48: L2 and two L1 + L0: 5; image L2 + L1: 2; fixmap 3.
 */
static const struct boot_want boots[] = {
	{ "x86-64-4l", GB(4), false, { 1, 5, 2, 3, 0, 64 }, GB(1) },
	{ "x86-64-4l", GB(4), true, { 1, 5, 2, 3, 0, 0 }, GB(1) },
	{ "x86-64-5l", GB(4), false, { 1, 6, 3, 3, 0, 50 }, GB(1) },
	{ "x86-32", GB(1), false, { 1, 2, 0, 1, 1, 0 }, MB(4) },
	{ "x86-pae", GB(1), false, { 1, 3, 0, 2, 1, 0 }, MB(2) },
	{ "arm64-4k-48", GB(4), false, { 1, 5, 2, 3, 0, 0 }, GB(1) },
	{ "arm64-64k-52", GB(4), false, { 1, 3, 2, 2, 0, 0 }, MB(512) },
	{ "sv39", GB(4), false, { 1, 4, 1, 2, 0, 0 }, GB(1) },
	{ "sv48", GB(4), false, { 1, 5, 2, 3, 0, 0 }, GB(1) },
};

static void test_boot(const struct boot_want *bw)
{
	struct ks_config c;
	struct ks_kernel *k;
	struct ks_boot_tables t;
	struct reason r;
	struct pt_walk w;
	struct pt_stats st;
	uint64_t total = 0, frames;

	ks_config_default(&c);
	c.arch = bw->arch;
	c.ram_bytes = bw->ram;
	c.no_prealloc = bw->no_prealloc;
	if (ks_boot(&k, &c, &r))
		TEST_FAIL("%s: boot: %s", bw->arch, r.msg);
	const struct ks_layout *l = ks_layout_of(k);
	const struct pt_geometry *g = pt_geometry_find(bw->arch);
	struct pt *pt = ks_pt(k);

	ks_boot_tables(k, &t);
	for (unsigned s = 0; s < KS_STEP_COUNT; s++) {
		if (t.pages[s] != bw->pages[s])
			TEST_FAIL("%s%s: step %s: %llu table pages, want %llu",
				  bw->arch, bw->no_prealloc ? " no-prealloc" : "",
				  ks_step_name(s),
				  (unsigned long long)t.pages[s],
				  (unsigned long long)bw->pages[s]);
		total += bw->pages[s];
	}
	ASSERT_EQ(t.total, total);
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.frames, total);
	ASSERT_OK(pt_check(pt, NULL));
	if (buddy_check(ks_buddy(k), &r))
		TEST_FAIL("%s: %s", bw->arch, r.msg);
	/* Every table page and the image came from the buddy. */
	frames = bw->ram >> g->page_shift;
	ASSERT_EQ(t.image_frames, (32ULL << 20) >> g->page_shift);
	ASSERT_EQ(buddy_free_frames(ks_buddy(k)),
		  frames - total - t.image_frames);
	ASSERT_EQ(pt_mem_frames_in_use(ks_mem(k)), total);

	/* The direct map translates RAM at page_offset + pa. */
	uint64_t pa = PT_MEM_BASE + (bw->ram / 2 & ~0xfffULL) + 0x123;
	ASSERT_EQ(pt_walk(pt, l->page_offset + pa, &w), pa);
	ASSERT(w.prot & PT_PROT_WRITE);
	ASSERT(w.prot & PT_PROT_GLOBAL);
	/* The largest leaf the geometry has (1 GiB, else 4 MiB / 2 MiB /
	 * 512 MiB blocks); RAM's first MiB, not aligned to one, in pages. */
	ASSERT_EQ(w.size, bw->direct_leaf);
	ASSERT_EQ(pt_walk(pt, l->page_offset + PT_MEM_BASE, &w), PT_MEM_BASE);
	ASSERT_EQ(w.size, 1ULL << g->page_shift);
	/* The kernel's _text, where the image has its own mapping. */
	if (!l->image_in_direct_map) {
		uint64_t text = l->kernel_start + l->text_offset;

		ASSERT_NE(pt_walk(pt, text + 0x1000, &w), PT_PA_NONE);
		ASSERT(w.prot & PT_PROT_EXEC);
		ASSERT(!(w.prot & PT_PROT_WRITE));
		ASSERT_EQ(w.size, 2ULL << 20);
	}
	/* The fixmap's PTE tables exist, with nothing in them. */
	pt_walk(pt, l->fixmap_pt_start, &w);
	ASSERT_EQ(w.fault, PT_FAULT_NOT_PRESENT);
	ASSERT_EQ(w.level, 0);
	pt_walk(pt, l->fixmap_pt_end - (1ULL << g->page_shift), &w);
	ASSERT_EQ(w.fault, PT_FAULT_NOT_PRESENT);
	ASSERT_EQ(w.level, 0);
	/*
	 * vmalloc (past arm64's image): x86-64's preallocated tables stop
	 * the walk one level below the root; without them, at the root.
	 */
	pt_walk(pt, l->vmalloc_start + (l->vmalloc_end - l->vmalloc_start) / 2,
		&w);
	ASSERT_EQ(w.fault, PT_FAULT_NOT_PRESENT);
	if (t.pages[KS_STEP_VMALLOC])
		ASSERT_EQ(w.level, g->levels - 2);
	else if (!strncmp(bw->arch, "x86-64", 6))
		ASSERT_EQ(w.level, g->levels - 1);
	ks_shutdown(k);
}

static void test_boot_errors(void)
{
	struct ks_config c;
	struct ks_kernel *k;
	struct reason r;

	ks_config_default(&c);
	c.arch = "pdp-11";
	ASSERT_EQ(ks_boot(&k, &c, &r), -ENOENT);
	ASSERT_STREQ(r.what, "arch");
	ks_config_default(&c);
	c.ram_bytes = MB(3);
	ASSERT_EQ(ks_boot(&k, &c, &r), -EINVAL);
	ASSERT_STREQ(r.what, "ram");
	ks_config_default(&c);
	c.arch = "x86-32";
	c.ram_bytes = GB(8);
	ASSERT_EQ(ks_boot(&k, &c, &r), -EINVAL);
	ASSERT_STREQ(r.what, "ram");
	ks_config_default(&c);
	c.image_bytes = MB(3);
	ASSERT_EQ(ks_boot(&k, &c, &r), -EINVAL);
	ASSERT_STREQ(r.what, "image");
	ks_config_default(&c);
	c.max_order = 8;
	ASSERT_EQ(ks_boot(&k, &c, &r), -EINVAL);
	ASSERT_STREQ(r.what, "max-order");
	ks_config_default(&c);
	c.arch = "arm64-4k-48";
	c.kaslr = true;
	ASSERT_EQ(ks_boot(&k, &c, &r), -EINVAL);
	ASSERT_STREQ(r.what, "kaslr");
	/* RAM too small for the image. */
	ks_config_default(&c);
	c.ram_bytes = MB(32);
	ASSERT_EQ(ks_boot(&k, &c, &r), -EINVAL);
}

/* pt_populate(), the boot-time preallocation the kernel table uses. */
static void test_populate(void)
{
	const struct pt_geometry *g = pt_geometry_find("x86-64-4l");
	struct pt *pt;
	struct pt_stats st;
	struct pt_walk w;
	uint64_t t, t2, root;

	ASSERT_OK(pt_create(&pt, g, NULL));
	root = pt_root(pt);
	ASSERT_OK(pt_populate(pt, 0xffffc90000000000, 3, &t));
	ASSERT_EQ(t, root);
	ASSERT_OK(pt_populate(pt, 0xffffc90000000000, 0, &t));
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.frames, 4);
	ASSERT_EQ(st.tables[0], 1);
	ASSERT_OK(pt_populate(pt, 0xffffc90000001000, 0, &t2));
	ASSERT_EQ(t, t2);              /* the same PTE table, nothing new */
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.frames, 4);
	pt_walk(pt, 0xffffc90000000000, &w);
	ASSERT_EQ(w.fault, PT_FAULT_NOT_PRESENT);
	ASSERT_EQ(w.level, 0);
	ASSERT_EQ(w.table[0], t);
	ASSERT_OK(pt_check(pt, NULL));
	/* A leaf above the level, a bad address, a level above the root. */
	ASSERT_OK(pt_map(pt, 0xffff888000000000, 0, 1ULL << 30, PT_PROT_READ,
			 PT_MAP_HUGE));
	ASSERT_EQ(pt_populate(pt, 0xffff888000001000, 0, &t), -EEXIST);
	ASSERT_EQ(pt_populate(pt, 0x0000900000000000, 0, &t), -EINVAL);
	ASSERT_EQ(pt_populate(pt, 0xffffc90000000000, 4, &t), -EINVAL);
	ASSERT_OK(pt_check(pt, NULL));
	pt_destroy(pt);
}

int main(void)
{
	test_populate();
	test_documented();
	test_invariants();
	for (size_t i = 0; i < sizeof(boots) / sizeof(boots[0]); i++)
		test_boot(&boots[i]);
	test_boot_errors();
	return 0;
}
