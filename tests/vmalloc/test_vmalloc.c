/* SPDX-License-Identifier: MIT */
/*
 * The vmalloc system: closed forms of page-table pages, purges, flushes and
 * IPIs; huge mappings exactly when the rules allow; memory fully returned;
 * vmap / kvmalloc; and stale-TLB safety on 4 CPUs under a random workload
 * (with the detector first shown to catch a hand-made stale entry).
 * vmalloc_check() runs after every op of the random workloads.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <vmbench/buddy.h>
#include <vmbench/kspace.h>
#include <vmbench/mmu.h>
#include <vmbench/reason.h>
#include <vmbench/rng.h>
#include <vmbench/tlb.h>
#include <vmbench/vmalloc.h>
#include <vmbench/vmap.h>

#include "test.h"
#include "vmalloc_sys.h"

#define PG 4096ULL

static const uint64_t ARM64_START = 0xffff800080000000ULL;
static const uint64_t ARM64_END = 0xfffffbfff0000000ULL;

/* Frames the page table holds: every frame not free and not a page. */
static uint64_t table_frames(const struct sys *s)
{
	struct pt_stats st;

	pt_get_stats(s->pt, &st);
	return st.frames;
}

/*
 * N areas of k pages from an empty range: one PTE page per 2 MiB window
 * and one PMD page per 1 GiB window holding a mapped page.  The areas lie
 * back to back (k + 1 pages with the guard) from the range's start, which
 * is 1 GiB-aligned, so the last mapped page is N(k+1) - 2 and no window
 * holds guard pages only.  vfree + purge keep every table.
 */
static void test_table_closed_form(void)
{
	static const uint64_t cases[][2] = {
		{ 1, 1 }, { 255, 1 }, { 256, 1 }, { 257, 1 }, { 100, 3 },
		{ 1000, 7 }, { 300, 511 }, { 1025, 255 }, { 3, 512 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t n = cases[c][0], k = cases[c][1], last, *addr;
		struct vmalloc_config cfg = { .strategy = "augrb" };
		struct vmalloc_counters v;
		struct sys s;

		sys_up(&s, "x86-64-4l", n * k + 4096, cfg);
		addr = malloc(n * sizeof(*addr));
		ASSERT(addr);
		for (uint64_t i = 0; i < n; i++) {
			ASSERT_OK(vmalloc_vmalloc(s.vm, k * PG, 0, &addr[i]));
			ASSERT_EQ(addr[i], VMAP_DEFAULT_START + i * (k + 1) * PG);
		}
		last = n * (k + 1) - 2;
		v = ctr(&s);
		ASSERT_EQ(v.pt_tables[0], last / 512 + 1);
		ASSERT_EQ(v.pt_tables[1], last / (512 * 512) + 1);
		ASSERT_EQ(v.pte_writes, n * k);
		ASSERT_EQ(v.live_pages, n * k);
		check(&s);
		for (uint64_t i = 0; i < n; i++)
			ASSERT_OK(vmalloc_vfree(s.vm, addr[i], 0));
		vmalloc_purge(s.vm);
		check(&s);
		v = ctr(&s);
		ASSERT_EQ(v.pt_tables[0], last / 512 + 1);
		ASSERT_EQ(v.pt_tables[1], last / (512 * 512) + 1);
		ASSERT_EQ(v.pte_clears, n * k);
		ASSERT_EQ(v.pages_freed, v.pages_allocated);
		/* Only the retained tables hold memory. */
		ASSERT_EQ(buddy_free_frames(s.b), s.frames - table_frames(&s));
		free(addr);
		sys_down(&s);
	}
}

/*
 * F alloc/free pairs of s pages (s + 1 with the guard) with lazy_max_pages
 * L: the lazy count passes L at every m-th free, m = floor(L / (s+1)) + 1,
 * and the purge returns all m areas, so purges = floor(F / m), each over
 * m (s + 1) pages (the areas lie back to back: none is reused before its
 * purge).  x86 sends cpus - 1 IPIs per flush; arm64 none.
 */
static void purge_case(const char *geom, unsigned cpus, uint64_t lazy_max,
		       uint64_t sp, uint64_t f)
{
	bool x86 = geom[0] == 'x';
	struct vmalloc_config cfg = {
		.strategy = "rbtree", .cpus = cpus, .lazy_max_pages = lazy_max,
		.start = x86 ? 0 : ARM64_START, .end = x86 ? 0 : ARM64_END,
	};
	uint64_t l, m, purges, span, ceiling, addr;
	struct vmalloc_counters v;
	struct sys s;

	sys_up(&s, geom, 1 << 16, cfg);
	l = lazy_max ? lazy_max : vmalloc_lazy_max_pages(cpus, PG);
	m = l / (sp + 1) + 1;
	purges = f / m;
	span = m * (sp + 1);
	ceiling = vmalloc_flush_ceiling(s.vm);
	for (uint64_t i = 0; i < f; i++) {
		ASSERT_OK(vmalloc_vmalloc(s.vm, sp * PG, i % cpus, &addr));
		ASSERT_OK(vmalloc_touch(s.vm, addr, sp * PG, i % cpus));
		ASSERT_OK(vmalloc_vfree(s.vm, addr, i % cpus));
	}
	check(&s);
	v = ctr(&s);
	ASSERT_EQ(v.purges, purges);
	ASSERT_EQ(v.purged_areas, purges * m);
	ASSERT_EQ(v.lazy_areas, f - purges * m);
	ASSERT_EQ(v.lazy_pages, (f - purges * m) * (sp + 1));
	ASSERT_EQ(v.flushes, purges);
	if (purges)
		ASSERT_EQ(v.max_areas_per_purge, m);
	ASSERT_EQ(v.flushes_full, span > ceiling ? purges : 0);
	ASSERT_EQ(v.flushes_ranged, span > ceiling ? 0 : purges);
	ASSERT_EQ(v.pages_flushed, span > ceiling ? 0 : purges * span);
	ASSERT_EQ(v.invalidations,
		  span > ceiling ? 0 : purges * span * (x86 ? cpus : 1));
	ASSERT_EQ(v.ipis, x86 ? v.flushes * (cpus - 1) : 0);
	ASSERT_EQ(v.touches, f * sp);
	sys_down(&s);
}

static void test_purge_closed_form(void)
{
	purge_case("x86-64-4l", 1, 0, 1, 20000);      /* L = 8192 */
	purge_case("x86-64-4l", 4, 0, 3, 20000);      /* L = 24576 */
	purge_case("x86-64-4l", 4, 20, 1, 1000);      /* span 22: ranged */
	purge_case("x86-64-4l", 3, 31, 1, 997);       /* span 32 */
	purge_case("x86-64-4l", 2, 33, 2, 500);       /* span 36: full */
	purge_case("x86-64-4l", 16, 100, 9, 777);
	purge_case("arm64-4k-48", 4, 0, 1, 20000);
	purge_case("arm64-4k-48", 8, 400, 1, 3000);   /* span 402: ranged */
	purge_case("arm64-4k-48", 8, 600, 1, 3000);   /* span 602: full */
}

/* Eager: a flush per free, of the area itself (pages + guard). */
static void test_eager(void)
{
	struct vmalloc_config cfg = { .strategy = "list", .cpus = 4,
				      .eager = true };
	struct vmalloc_counters v;
	uint64_t addr;
	struct sys s;

	sys_up(&s, "x86-64-4l", 4096, cfg);
	for (int i = 0; i < 100; i++) {
		ASSERT_OK(vmalloc_vmalloc(s.vm, 4 * PG, 0, &addr));
		ASSERT_EQ(addr, VMAP_DEFAULT_START);  /* reused at once */
		ASSERT_OK(vmalloc_vfree(s.vm, addr, 0));
	}
	v = ctr(&s);
	ASSERT_EQ(v.flushes, 100);
	ASSERT_EQ(v.flushes_ranged, 100);
	ASSERT_EQ(v.pages_flushed, 500);
	ASSERT_EQ(v.ipis, 300);
	ASSERT_EQ(v.purges, 0);
	ASSERT_EQ(v.lazy_areas, 0);
	check(&s);
	sys_down(&s);
}

/* Huge: exactly when size >= PMD, the architecture has huge vmalloc, the
 * option is on and an order-9 block is free. */
static void test_huge(void)
{
	struct vmalloc_config cfg = { .strategy = "augrb", .cpus = 2 };
	struct vmalloc_counters v;
	struct vmalloc_area a;
	uint64_t addr, addr2, pa, blocks[8];
	struct sys s;

	sys_up(&s, "x86-64-4l", 8192, cfg);
	/* A 1-page area makes the PTE page of the first 2 MiB window. */
	ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &addr));
	ASSERT_OK(vmalloc_vfree(s.vm, addr, 0));
	vmalloc_purge(s.vm);
	ASSERT_EQ(ctr(&s).pt_tables[0], 1);
	ASSERT_OK(vmalloc_huge(s.vm, 2ULL << 20, 1, &addr));
	ASSERT_OK(vmalloc_area(s.vm, addr, &a));
	ASSERT_EQ(addr, VMAP_DEFAULT_START);
	ASSERT_EQ(a.page_shift, 21);
	ASSERT_EQ(a.size, (2ULL << 20) + PG);
	v = ctr(&s);
	ASSERT_EQ(v.huge_areas, 1);
	ASSERT_EQ(v.pmd_writes, 1);
	/* The empty PTE page gave way: pmd_free_pte_page(), one INVLPG
	 * flush on both CPUs, one IPI. */
	ASSERT_EQ(v.pte_pages_freed, 1);
	ASSERT_EQ(v.pt_tables[0], 0);
	ASSERT_EQ(v.flushes, 2);  /* the purge's and the table's */
	ASSERT_EQ(v.ipis, 2);
	ASSERT_OK(vmalloc_to_page(s.vm, addr + 5 * PG + 7, &pa));
	ASSERT_OK(vmalloc_area(s.vm, addr, &a));
	ASSERT_EQ(pa & ((2ULL << 20) - 1), 5 * PG);
	check(&s);
	/* Below PMD size, or not allowed: base pages. */
	ASSERT_OK(vmalloc_huge(s.vm, (2ULL << 20) - PG, 0, &addr2));
	ASSERT_OK(vmalloc_area(s.vm, addr2, &a));
	ASSERT_EQ(a.page_shift, 12);
	ASSERT_OK(vmalloc_vfree(s.vm, addr2, 0));
	ASSERT_OK(vmalloc_vmalloc(s.vm, 4ULL << 20, 0, &addr2));
	ASSERT_OK(vmalloc_area(s.vm, addr2, &a));
	ASSERT_EQ(a.page_shift, 12);
	ASSERT_OK(vmalloc_vfree(s.vm, addr2, 0));
	ASSERT_EQ(ctr(&s).huge_areas, 1);
	/* 3 MiB + huge: rounded up to 4 MiB, two PMD leaves. */
	ASSERT_OK(vmalloc_huge(s.vm, 3ULL << 20, 0, &addr2));
	ASSERT_OK(vmalloc_area(s.vm, addr2, &a));
	ASSERT_EQ(a.page_shift, 21);
	ASSERT_EQ(a.nr_pages, 1024);
	ASSERT_EQ(addr2 & ((2ULL << 20) - 1), 0);
	ASSERT_OK(vmalloc_vfree(s.vm, addr2, 0));
	ASSERT_OK(vmalloc_vfree(s.vm, addr, 0));
	vmalloc_purge(s.vm);
	check(&s);
	/* No free order-9 block: the retry with base pages. */
	for (int i = 0; i < 8; i++)
		ASSERT_OK(buddy_alloc(s.b, 9, &blocks[i]));
	while (!buddy_alloc(s.b, 9, &pa)) {
		ASSERT_OK(buddy_split(s.b, pa, 9));
		for (int j = 1; j < 512; j += 2)
			ASSERT_OK(buddy_free(s.b, pa + (uint64_t)j * PG, 0));
	}
	v = ctr(&s);
	ASSERT_OK(vmalloc_huge(s.vm, 2ULL << 20, 0, &addr));
	ASSERT_OK(vmalloc_area(s.vm, addr, &a));
	ASSERT_EQ(a.page_shift, 12);
	ASSERT_EQ(ctr(&s).huge_fallbacks, v.huge_fallbacks + 1);
	ASSERT_EQ(ctr(&s).huge_areas, v.huge_areas);
	check(&s);
	sys_down(&s);

	/* x86-pae has no huge vmalloc; nohugevmalloc turns it off. */
	sys_up(&s, "x86-pae", 8192, (struct vmalloc_config){
		.start = 0xf8000000ULL, .end = 0xff800000ULL });
	ASSERT_OK(vmalloc_huge(s.vm, 2ULL << 20, 0, &addr));
	ASSERT_OK(vmalloc_area(s.vm, addr, &a));
	ASSERT_EQ(a.page_shift, 12);
	sys_down(&s);
	sys_up(&s, "x86-64-4l", 8192, (struct vmalloc_config){
		.nohuge = true });
	ASSERT_OK(vmalloc_huge(s.vm, 2ULL << 20, 0, &addr));
	ASSERT_OK(vmalloc_area(s.vm, addr, &a));
	ASSERT_EQ(a.page_shift, 12);
	sys_down(&s);
	/* arm64: PMD leaves too, the table flush is one broadcast TLBI. */
	sys_up(&s, "arm64-4k-48", 8192, (struct vmalloc_config){
		.start = ARM64_START, .end = ARM64_END, .cpus = 4 });
	ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &addr));
	ASSERT_OK(vmalloc_vfree(s.vm, addr, 0));
	vmalloc_purge(s.vm);
	ASSERT_OK(vmalloc_huge(s.vm, 2ULL << 20, 0, &addr));
	ASSERT_OK(vmalloc_area(s.vm, addr, &a));
	ASSERT_EQ(a.page_shift, 21);
	v = ctr(&s);
	ASSERT_EQ(v.flushes_table, 1);
	ASSERT_EQ(v.ipis, 0);
	check(&s);
	sys_down(&s);
}

/*
 * Every frame comes back.  pt_map(PT_MAP_HUGE) over an empty PTE page
 * frees it (pmd_free_pte_page()), and on arm64 4K a 1 GiB leaf over an
 * empty PMD page frees it and the empty PTE pages below; then the system:
 * vmalloc_huge over windows that small areas used before (their PTE
 * pages kept by vfree), vfree and purge: the buddy allocator holds every
 * frame but the page table's, and the table holds exactly the frames the
 * kernel keeps by design (no PTE page where PMD leaves are).
 */
static void test_huge_frames_returned(void)
{
	const uint64_t win = 2ULL << 20, npg = 4 * 512;
	struct vmalloc_config cfg = { .strategy = "augrb", .cpus = 2 };
	uint64_t addr[8], pa, free0, pt0, base;
	struct pt_stats st;
	struct sys s;

	sys_up(&s, "x86-64-4l", 8192, cfg);
	free0 = buddy_free_frames(s.b);
	pt_get_stats(s.pt, &st);
	pt0 = st.frames;
	base = VMAP_DEFAULT_START;
	/* pt directly: a base page makes the PTE page, unmap keeps it. */
	ASSERT_OK(buddy_alloc(s.b, 9, &pa));
	ASSERT_OK(pt_map(s.pt, base + 5 * PG, pa, PG, PT_PROT_READ | PT_PROT_WRITE, 0));
	ASSERT_OK(pt_unmap_keep(s.pt, base + 5 * PG, PG, 0));
	pt_get_stats(s.pt, &st);
	ASSERT_EQ(st.tables[0], 1);
	ASSERT_OK(pt_map(s.pt, base, pa, win, PT_PROT_READ | PT_PROT_WRITE,
			 PT_MAP_HUGE));
	pt_get_stats(s.pt, &st);
	ASSERT_EQ(st.tables[0], 0);
	ASSERT_EQ(st.leaves[1], 1);
	ASSERT_OK(pt_unmap(s.pt, base, win));
	ASSERT_OK(buddy_free(s.b, pa, 9));
	pt_get_stats(s.pt, &st);
	ASSERT_EQ(st.frames, pt0);
	ASSERT_EQ(buddy_free_frames(s.b), free0);
	check(&s);

	/* The system: 1-page areas over 4 windows, then huge areas. */
	for (uint64_t i = 0; i < npg / 2; i++) {
		uint64_t a;

		ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &a));
	}
	vmalloc_destroy(s.vm);   /* vfree of all, purge; tables kept */
	ASSERT_OK(vmalloc_create(&s.vm, &(struct vmalloc_config){
		.strategy = "augrb", .cpus = 2, .pt = s.pt, .buddy = s.b,
		.start = VMAP_DEFAULT_START, .end = VMAP_DEFAULT_END },
		NULL));
	pt_get_stats(s.pt, &st);
	ASSERT_EQ(st.tables[0], 4);
	for (int i = 0; i < 3; i++) {
		struct vmalloc_area a;

		ASSERT_OK(vmalloc_huge(s.vm, win, 0, &addr[i]));
		ASSERT_OK(vmalloc_area(s.vm, addr[i], &a));
		ASSERT_EQ(a.page_shift, 21);
	}
	/* Areas of 2 MiB + guard: PMD-aligned at 0, 4 and 8 MiB; the PTE
	 * pages of windows 0 and 2 gave way; 1 and 3 hold only
	 * guard pages now and keep theirs. */
	ASSERT_EQ(addr[0], base);
	ASSERT_EQ(addr[1], base + 2 * win);
	ASSERT_EQ(addr[2], base + 4 * win);
	ASSERT_EQ(ctr(&s).pte_pages_freed, 2);
	for (int i = 0; i < 3; i++)
		ASSERT_OK(vmalloc_vfree(s.vm, addr[i], i & 1));
	vmalloc_purge(s.vm);
	check(&s);
	pt_get_stats(s.pt, &st);
	ASSERT_EQ(st.tables[0], 2);
	ASSERT_EQ(buddy_free_frames(s.b) + st.frames, free0 + pt0);
	sys_down(&s);
}

/*
 * stack_every: after every k-th vmalloc of the workload, one 16 KiB
 * stack aligned to 16 KiB on that op's CPU, freed by the next op; the
 * workload's own ops keep their order and ids.
 */
static void test_stack_every(void)
{
	struct vmalloc_gen_params p;
	struct vmalloc_ops base = { 0 }, o = { 0 };
	uint64_t allocs = 0, stacks = 0;
	size_t j = 0;
	struct reason r;

	vmalloc_gen_defaults(&p);
	p.loops = 30;
	p.cpus = 3;
	ASSERT_OK(vmalloc_gen("random_size", &p, &base, &r));
	p.stack_every = 4;
	ASSERT_OK(vmalloc_gen("random_size", &p, &o, &r));
	for (size_t i = 0; i < o.n; i++) {
		const struct vmalloc_op *op = &o.ops[i];

		if (op->id >= base.ids) {
			/* A stack: right after the workload's k-th vmalloc. */
			ASSERT_EQ(op->kind, VMALLOC_OP_ALLOC);
			ASSERT_EQ(op->size, VMALLOC_STACK_BYTES);
			ASSERT_EQ(op->align, VMALLOC_STACK_BYTES);
			ASSERT_EQ(allocs % 4, 0);
			ASSERT_EQ(op->cpu, o.ops[i - 1].cpu);
			ASSERT_LT(i + 1, o.n);
			ASSERT_EQ(o.ops[i + 1].kind, VMALLOC_OP_FREE);
			ASSERT_EQ(o.ops[i + 1].id, op->id);
			stacks++;
			i++;
			continue;
		}
		ASSERT_LT(j, base.n);
		ASSERT_EQ(op->kind, base.ops[j].kind);
		ASSERT_EQ(op->id, base.ops[j].id);
		ASSERT_EQ(op->size, base.ops[j].size);
		allocs += op->kind == VMALLOC_OP_ALLOC;
		j++;
	}
	ASSERT_EQ(j, base.n);
	ASSERT_EQ(allocs, 30);
	ASSERT_EQ(stacks, allocs / 4);
	vmalloc_ops_free(&base);
	vmalloc_ops_free(&o);
}

/*
 * long_busy_list as the kernel test runs it: ptr[] (8 bytes x 15000)
 * first, the 15000 one-page areas, the loop, then vfree of the 15000 in
 * allocation order (each on its CPU) and of ptr[] last; setup and
 * teardown cover exactly those, and --stack-every puts its stacks in the
 * loop only.  Streams: every CPU's set-up and clean-up outside the loop.
 */
static void test_long_busy_list_frame(void)
{
	struct vmalloc_gen_params p;
	struct vmalloc_ops o = { 0 };
	uint64_t ptr, stacks = 0, loop_allocs = 0;
	struct reason r;

	vmalloc_gen_defaults(&p);
	p.loops = 50;
	p.cpus = 3;
	p.stack_every = 3;
	ASSERT_OK(vmalloc_gen("long_busy_list", &p, &o, &r));
	ASSERT_EQ(o.setup, 15001);
	ASSERT_EQ(o.teardown, 15001);
	ASSERT_EQ(o.ops[0].kind, VMALLOC_OP_ALLOC);
	ASSERT_EQ(o.ops[0].size, 8 * 15000);
	ASSERT_EQ(o.ops[0].cpu, 0);
	ptr = o.ops[0].id;
	ASSERT(ptr >= 15000);
	for (uint64_t i = 1; i < o.setup; i++) {
		ASSERT_EQ(o.ops[i].kind, VMALLOC_OP_ALLOC);
		ASSERT_EQ(o.ops[i].size, PG);
		ASSERT_EQ(o.ops[i].id, i - 1);
		ASSERT_EQ(o.ops[i].cpu, (i - 1) % 3);
	}
	for (size_t i = o.setup; i < o.n - o.teardown; i++) {
		const struct vmalloc_op *op = &o.ops[i];

		ASSERT(op->id >= 15000 && op->id != ptr);
		if (op->kind != VMALLOC_OP_ALLOC)
			continue;
		if (op->size == VMALLOC_STACK_BYTES) {
			ASSERT_EQ(loop_allocs % 3, 0);
			stacks++;
		} else {
			ASSERT(op->size == 100 * PG || op->size == PG);
			loop_allocs++;
		}
	}
	ASSERT_EQ(loop_allocs, 100);
	ASSERT_EQ(stacks, 33);
	for (uint64_t k = 0; k < 15000; k++) {
		const struct vmalloc_op *op = &o.ops[o.n - o.teardown + k];

		ASSERT_EQ(op->kind, VMALLOC_OP_FREE);
		ASSERT_EQ(op->id, k);
		ASSERT_EQ(op->cpu, k % 3);
	}
	ASSERT_EQ(o.ops[o.n - 1].kind, VMALLOC_OP_FREE);
	ASSERT_EQ(o.ops[o.n - 1].id, ptr);

	/* Streams: two copies interleaved, 4 loop ops per iteration each. */
	p.streams = true;
	p.cpus = 2;
	p.stack_every = 0;
	ASSERT_OK(vmalloc_gen("long_busy_list", &p, &o, &r));
	ASSERT_EQ(o.setup, 2 * 15001);
	ASSERT_EQ(o.teardown, 2 * 15001);
	ASSERT_EQ(o.n - o.setup - o.teardown, 2 * 50 * 4);
	loop_allocs = 0;
	for (size_t i = o.setup; i < o.n - o.teardown; i++) {
		if (o.ops[i].kind != VMALLOC_OP_ALLOC)
			continue;
		ASSERT(o.ops[i].size == 100 * PG || o.ops[i].size == PG);
		loop_allocs++;
	}
	ASSERT_EQ(loop_allocs, 2 * 2 * 50);
	vmalloc_ops_free(&o);

	/* Other workloads: no set-up or clean-up marked. */
	p.streams = false;
	ASSERT_OK(vmalloc_gen("random_size", &p, &o, &r));
	ASSERT_EQ(o.setup, 0);
	ASSERT_EQ(o.teardown, 0);
	vmalloc_ops_free(&o);
}

/*
 * long_busy_list on the 4.19 model (the free_vmap_cache busy tree) and
 * the 5.2 model, replayed as set-up, loop and clean-up: the loop never
 * walks the 15000-area list without a background, and walks all of it
 * once per iteration with a 16 KiB-aligned stack every 2nd vmalloc (the
 * stack's coarser alignment resets the cache); 5.2's search stays short
 * either way.  Everything is returned after the clean-up and a purge.
 */
static uint64_t lbl_loop_visits(const char *strategy, uint64_t every,
				uint64_t loops)
{
	struct vmalloc_config cfg = { .strategy = strategy, .cpus = 4 };
	struct vmalloc_gen_params p;
	struct vmalloc_ops o = { 0 };
	struct vmalloc_run run;
	uint64_t free0, t0, v0, v1;
	struct reason r;
	struct sys s;

	vmalloc_gen_defaults(&p);
	p.loops = loops;
	p.cpus = 4;
	p.stack_every = every;
	ASSERT_OK(vmalloc_gen("long_busy_list", &p, &o, &r));
	sys_up(&s, "x86-64-4l", 1 << 16, cfg);
	free0 = buddy_free_frames(s.b);
	t0 = table_frames(&s);
	ASSERT_OK(vmalloc_run_init(&run, &o));
	ASSERT_OK(vmalloc_run_range(&run, s.vm, 0, o.setup, &r));
	ASSERT_EQ(ctr(&s).live_areas, 15001);
	v0 = ctr(&s).node_visits;
	ASSERT_OK(vmalloc_run_range(&run, s.vm, o.setup, o.n - o.teardown,
				    &r));
	v1 = ctr(&s).node_visits;
	ASSERT_EQ(ctr(&s).live_areas, 15001);
	ASSERT_OK(vmalloc_run_range(&run, s.vm, o.n - o.teardown, o.n, &r));
	ASSERT_EQ(vmalloc_run_range(&run, s.vm, 0, o.n + 1, &r), -EINVAL);
	ASSERT_EQ(ctr(&s).live_areas, 0);
	vmalloc_purge(s.vm);
	check(&s);
	/* Every page back; the page tables stay (vfree never frees one). */
	ASSERT_EQ(buddy_free_frames(s.b) + (table_frames(&s) - t0), free0);
	vmalloc_run_fini(&run);
	vmalloc_ops_free(&o);
	sys_down(&s);
	return v1 - v0;
}

static void test_long_busy_list_models(void)
{
	uint64_t loops = 40;
	uint64_t old0 = lbl_loop_visits("rbtree-cached", 0, loops);
	uint64_t old2 = lbl_loop_visits("rbtree-cached", 2, loops);
	uint64_t new0 = lbl_loop_visits("augrb", 0, loops);
	uint64_t new2 = lbl_loop_visits("augrb", 2, loops);

	printf("long_busy_list loop visits per iteration: 4.19 %llu / %llu,"
	       " 5.2 %llu / %llu (no background / a stack every 2nd)\n",
	       (unsigned long long)(old0 / loops),
	       (unsigned long long)(old2 / loops),
	       (unsigned long long)(new0 / loops),
	       (unsigned long long)(new2 / loops));
	ASSERT(old0 < 200 * loops);
	/* Every iteration but the first follows a stack. */
	ASSERT(old2 >= 15001 * (loops - 1));
	ASSERT(new0 < 100 * loops);
	ASSERT(new2 < 100 * loops);
}

/* Chunks of @run bytes in [addr, addr + bytes) that translate as one
 * contiguous run at level 0 (pt_walk() reports the run's size). */
static uint64_t cont_runs_mapped(const struct sys *s, uint64_t addr,
				 uint64_t bytes, uint64_t run)
{
	uint64_t n = 0;

	for (uint64_t v = addr; v < addr + bytes; v += run) {
		struct pt_walk w;

		if (pt_walk(s->pt, v, &w) != PT_PA_NONE && w.level == 0 &&
		    w.size == run)
			n++;
	}
	return n;
}

/*
 * arm64 contiguous PTEs for vmalloc_huge below PMD size: with 4K pages a
 * request of s bytes, 64 KiB <= s < 2 MiB, is 64 KiB-aligned, rounded up
 * to ceil(s / 64 KiB) chunks and mapped as exactly that many runs of 16
 * PTEs; below 64 KiB base pages; 2 MiB a PMD leaf; x86-64 never.  With
 * 64K pages the run is 32 PTEs (2 MiB).  vfree + purge give every page
 * back.
 */
static void test_cont_pte(void)
{
	static const uint64_t sizes[] = {
		60 << 10, 64 << 10, (64 << 10) + PG, (1 << 20) + PG,
		(2 << 20) - PG, 2 << 20, 100 << 10,
	};
	const uint64_t run = 64 << 10;
	uint64_t runs = 0, areas = 0, addr[7], plain, free0, pt0;
	struct vmalloc_area a;
	struct vmalloc_counters v;
	struct sys s;

	sys_up(&s, "arm64-4k-48", 8192, (struct vmalloc_config){
		.start = ARM64_START, .end = ARM64_END, .cpus = 2 });
	free0 = buddy_free_frames(s.b);
	pt0 = table_frames(&s);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t sz = sizes[i], want;

		ASSERT_OK(vmalloc_huge(s.vm, sz, (unsigned)i & 1, &addr[i]));
		ASSERT_OK(vmalloc_area(s.vm, addr[i], &a));
		if (sz < run || sz >= 2 << 20) {
			ASSERT_EQ(cont_runs_mapped(&s, addr[i], a.nr_pages * PG,
						   run), 0);
			ASSERT_EQ(a.page_shift, sz < run ? 12 : 21);
			continue;
		}
		want = (sz + run - 1) / run;
		ASSERT_EQ(a.page_shift, 16);
		ASSERT_EQ(addr[i] & (run - 1), 0);
		ASSERT_EQ(a.nr_pages, want * 16);
		ASSERT_EQ(a.size, want * run + PG);
		ASSERT_EQ(cont_runs_mapped(&s, addr[i], a.nr_pages * PG, run),
			  want);
		runs += want;
		areas++;
		check(&s);
	}
	v = ctr(&s);
	ASSERT_EQ(v.cont_areas, areas);
	ASSERT_EQ(v.cont_runs, runs);
	ASSERT_EQ(runs, 1 + 2 + 17 + 32 + 2);
	ASSERT_EQ(v.huge_areas, 1);
	/* Without VMALLOC_ALLOW_HUGE: base pages, no run. */
	ASSERT_OK(vmalloc_vmalloc(s.vm, 1 << 20, 0, &plain));
	ASSERT_EQ(cont_runs_mapped(&s, plain, 1 << 20, run), 0);
	ASSERT_OK(vmalloc_vfree(s.vm, plain, 0));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ASSERT_OK(vmalloc_vfree(s.vm, addr[i], 0));
	vmalloc_purge(s.vm);
	check(&s);
	ASSERT_EQ(buddy_free_frames(s.b) + table_frames(&s), free0 + pt0);
	sys_down(&s);

	/* No free order-4 block: the retry with base pages. */
	sys_up(&s, "arm64-4k-48", 4096, (struct vmalloc_config){
		.start = ARM64_START, .end = ARM64_END });
	{
		uint64_t pa;

		while (!buddy_alloc(s.b, 4, &pa)) {
			ASSERT_OK(buddy_split(s.b, pa, 4));
			for (int j = 1; j < 16; j += 2)
				ASSERT_OK(buddy_free(s.b, pa + (uint64_t)j * PG,
						     0));
		}
	}
	ASSERT_OK(vmalloc_huge(s.vm, 128 << 10, 0, &addr[0]));
	ASSERT_OK(vmalloc_area(s.vm, addr[0], &a));
	ASSERT_EQ(a.page_shift, 12);
	ASSERT_EQ(a.nr_pages, 32);
	v = ctr(&s);
	ASSERT_EQ(v.huge_fallbacks, 1);
	ASSERT_EQ(v.cont_areas, 0);
	ASSERT_EQ(v.cont_runs, 0);
	check(&s);
	sys_down(&s);

	/* 64K pages: runs of 32 PTEs, 2 MiB; 3 MiB takes two. */
	sys_up(&s, "arm64-64k-42", 8192, (struct vmalloc_config){
		.start = 0xfffffc0080000000ULL, .end = 0xfffffd0000000000ULL });
	ASSERT_OK(vmalloc_huge(s.vm, 3 << 20, 0, &addr[0]));
	ASSERT_OK(vmalloc_area(s.vm, addr[0], &a));
	ASSERT_EQ(a.page_shift, 21);
	ASSERT_EQ(addr[0] & ((2 << 20) - 1), 0);
	ASSERT_EQ(a.nr_pages, 64);
	ASSERT_EQ(cont_runs_mapped(&s, addr[0], 4 << 20, 2 << 20), 2);
	ASSERT_EQ(ctr(&s).cont_runs, 2);
	check(&s);
	sys_down(&s);

	/* x86-64 has no contiguous PTEs. */
	sys_up(&s, "x86-64-4l", 8192, (struct vmalloc_config){ .cpus = 1 });
	ASSERT_OK(vmalloc_huge(s.vm, 1 << 20, 0, &addr[0]));
	ASSERT_OK(vmalloc_area(s.vm, addr[0], &a));
	ASSERT_EQ(a.page_shift, 12);
	ASSERT_EQ(ctr(&s).cont_areas, 0);
	sys_down(&s);
}

/*
 * --workload sequential: the tests of test_vmalloc.sh's performance mode
 * in turn, 3 repeats: its allocations are exactly those of the seven
 * workloads generated alone, and each id is allocated once and freed
 * once after that, so a run ends with no live area.
 */
static void test_sequential(void)
{
	static const char *const tests[] = {
		"fix_size", "full_fit", "long_busy_list", "random_size",
		"fix_align", "random_size_align", "align_shift",
	};
	struct vmalloc_gen_params p;
	struct vmalloc_ops o = { 0 }, one = { 0 };
	uint64_t allocs = 0, want = 0, frees = 0, live = 0;
	unsigned char *state;
	struct reason r;

	vmalloc_gen_defaults(&p);
	p.loops = 20;
	p.cpus = 2;
	for (size_t t = 0; t < sizeof(tests) / sizeof(tests[0]); t++) {
		ASSERT_OK(vmalloc_gen(tests[t], &p, &one, &r));
		for (size_t i = 0; i < one.n; i++)
			want += one.ops[i].kind == VMALLOC_OP_ALLOC;
	}
	vmalloc_ops_free(&one);
	ASSERT_OK(vmalloc_gen("sequential", &p, &o, &r));
	state = calloc(o.ids, 1);
	ASSERT(state);
	for (size_t i = 0; i < o.n; i++) {
		const struct vmalloc_op *op = &o.ops[i];

		ASSERT_LT(op->id, o.ids);
		ASSERT_LT(op->cpu, p.cpus);
		if (op->kind == VMALLOC_OP_ALLOC) {
			ASSERT_EQ(state[op->id], 0);
			state[op->id] = 1;
			allocs++;
			live++;
		} else if (op->kind == VMALLOC_OP_FREE) {
			ASSERT_EQ(state[op->id], 1);
			state[op->id] = 2;
			frees++;
			live--;
		}
	}
	ASSERT_EQ(allocs, 3 * want);
	ASSERT_EQ(frees, allocs);
	ASSERT_EQ(live, 0);
	free(state);
	vmalloc_ops_free(&o);
}

/*
 * vm_struct semantics: a guard page after each area unless VM_NO_GUARD,
 * the caller tag and flags kept, vzalloc's pages counted as cleared.
 */
static void test_area_flags(void)
{
	struct vmalloc_config cfg = { .strategy = "list", .cpus = 1 };
	uint64_t a1, a2, a3;
	struct vmalloc_area a;
	struct sys s;

	sys_up(&s, "x86-64-4l", 4096, cfg);
	ASSERT_OK(vmalloc_node_range(s.vm, 2 * PG, 1, VMALLOC_NO_GUARD, 0,
				     0x1234, &a1));
	ASSERT_EQ(a1, VMAP_DEFAULT_START);
	ASSERT_OK(vmalloc_area(s.vm, a1, &a));
	ASSERT_EQ(a.size, 2 * PG);
	ASSERT_EQ(a.nr_pages, 2);
	ASSERT_EQ(a.caller, 0x1234);
	ASSERT_EQ(a.flags & (VMALLOC_ALLOC | VMALLOC_NO_GUARD),
		  VMALLOC_ALLOC | VMALLOC_NO_GUARD);
	ASSERT_EQ(ctr(&s).zeroed_pages, 0);
	/* No guard: the next area starts right after the last page. */
	ASSERT_OK(vmalloc_vzalloc(s.vm, 3 * PG - 1, 0, &a2));
	ASSERT_EQ(a2, a1 + 2 * PG);
	ASSERT_OK(vmalloc_area(s.vm, a2, &a));
	ASSERT_EQ(a.size, 4 * PG);        /* 3 pages + the guard */
	ASSERT_EQ(a.caller, 0);
	ASSERT(a.flags & VMALLOC_ZERO);
	ASSERT(!(a.flags & VMALLOC_NO_GUARD));
	ASSERT_EQ(ctr(&s).zeroed_pages, 3);
	ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &a3));
	ASSERT_EQ(a3, a2 + 4 * PG);       /* past a2's guard */
	ASSERT_EQ(ctr(&s).zeroed_pages, 3);
	check(&s);
	ASSERT_OK(vmalloc_vfree(s.vm, a1, 0));
	ASSERT_OK(vmalloc_vfree(s.vm, a2, 0));
	ASSERT_OK(vmalloc_vfree(s.vm, a3, 0));
	vmalloc_purge(s.vm);
	check(&s);
	ASSERT_EQ(ctr(&s).live_areas, 0);
	sys_down(&s);
}

/* vmap: the caller's pages, never freed by vunmap; no VM_NO_GUARD. */
static void test_vmap_kvmalloc(void)
{
	struct vmalloc_config cfg = { .strategy = "radix", .cpus = 2,
				      .direct_map = 0xffff888000000000ULL };
	uint64_t pages[5], addr, pa, free0, t0, a1, a2, a3, a4;
	struct vmalloc_area a;
	struct sys s;

	sys_up(&s, "x86-64-4l", 8192, cfg);
	for (int i = 0; i < 5; i++)
		ASSERT_OK(buddy_alloc(s.b, 0, &pages[i]));
	free0 = buddy_free_frames(s.b);
	t0 = table_frames(&s);
	ASSERT_EQ(vmalloc_vmap(s.vm, pages, 5, VMALLOC_NO_GUARD, 0, &addr),
		  -EINVAL);
	ASSERT_OK(vmalloc_vmap(s.vm, pages, 5, 0, 1, &addr));
	ASSERT_OK(vmalloc_area(s.vm, addr, &a));
	ASSERT_EQ(a.flags & VMALLOC_MAP, VMALLOC_MAP);
	ASSERT_EQ(a.size, 6 * PG);
	for (int i = 0; i < 5; i++) {
		ASSERT_OK(vmalloc_to_page(s.vm, addr + i * PG + 9, &pa));
		ASSERT_EQ(pa, pages[i]);
	}
	ASSERT_EQ(vmalloc_to_page(s.vm, addr + 5 * PG, &pa), -ENOENT);
	ASSERT_EQ(vmalloc_vfree(s.vm, addr, 0), -ENOENT);
	ASSERT_OK(vmalloc_vunmap(s.vm, addr, 0));
	ASSERT_EQ(vmalloc_to_page(s.vm, addr, &pa), -ENOENT);
	/* The caller's pages stay allocated; only tables were added. */
	ASSERT_EQ(buddy_free_frames(s.b) + table_frames(&s), free0 + t0);
	check(&s);

	/* kvmalloc: kmalloc up to KMALLOC_MAX_SIZE (4 MiB), else vmalloc. */
	ASSERT_OK(vmalloc_kvmalloc(s.vm, 100, 0, &a1));
	ASSERT(!vmalloc_is_vmalloc_addr(s.vm, a1));
	ASSERT(a1 >= cfg.direct_map);
	ASSERT_OK(vmalloc_kvmalloc(s.vm, 64 << 10, 0, &a2));
	ASSERT(!vmalloc_is_vmalloc_addr(s.vm, a2));
	ASSERT_EQ((a2 - cfg.direct_map) & ((64 << 10) - 1), 0);
	ASSERT_OK(vmalloc_kvmalloc(s.vm, (4 << 20) + 1, 0, &a3));
	ASSERT(vmalloc_is_vmalloc_addr(s.vm, a3));
	ASSERT_OK(vmalloc_area(s.vm, a3, &a));
	ASSERT_EQ(a.page_shift, 21);  /* kvmalloc allows huge */
	ASSERT_EQ(a.flags & VMALLOC_VPAGES, VMALLOC_VPAGES);
	ASSERT_EQ(ctr(&s).vpages_areas, 1);
	ASSERT_EQ(ctr(&s).live_areas, 2);  /* and its pages array */
	ASSERT_EQ(ctr(&s).kmallocs, 2);
	check(&s);
	ASSERT_OK(vmalloc_kvfree(s.vm, a1, 0));
	ASSERT_OK(vmalloc_kvfree(s.vm, a2, 0));
	ASSERT_OK(vmalloc_kvfree(s.vm, a3, 1));
	ASSERT_EQ(vmalloc_kvfree(s.vm, a2, 0), -ENOENT);
	ASSERT_EQ(ctr(&s).live_areas, 0);
	ASSERT_EQ(ctr(&s).lazy_areas, 3);  /* and the vunmapped one */
	vmalloc_purge(s.vm);
	check(&s);
	ASSERT_EQ(buddy_free_frames(s.b) + table_frames(&s), free0 + t0);
	/* A kmalloc that finds no block: kvmalloc of a page cannot fall
	 * back, above a page it does. */
	while (!buddy_alloc(s.b, 0, &pa))
		;
	ASSERT_EQ(vmalloc_kvmalloc(s.vm, 100, 0, &a4), -ENOMEM);
	ASSERT_EQ(vmalloc_kvmalloc(s.vm, 3 * PG, 0, &a4), -ENOMEM);
	ASSERT_EQ(ctr(&s).failed, 2);
	sys_down(&s);

	/* Memory above the direct map (highmem) is no kmalloc memory. */
	cfg.direct_map_size = PT_MEM_BASE;
	sys_up(&s, "x86-64-4l", 8192, cfg);
	ASSERT_EQ(vmalloc_kvmalloc(s.vm, 100, 0, &a4), -ENOMEM);
	ASSERT_OK(vmalloc_kvmalloc(s.vm, 3 * PG, 0, &a4));
	ASSERT(vmalloc_is_vmalloc_addr(s.vm, a4));
	ASSERT_EQ(ctr(&s).kmallocs, 0);
	check(&s);
	sys_down(&s);
}

/*
 * vm_map_ram: vmap blocks of VMAP_BBMAP_BITS pages (256 with NR_CPUS 8192,
 * 1024 with 64), handed out front to back in 2^order pieces per CPU, a
 * block to the lazy list once every piece was unmapped; above 64 pages an
 * area of its own without guard.
 */
static void test_vm_map_ram(void)
{
	struct vmalloc_config cfg = { .cpus = 2 };
	uint64_t pages[70], addr[300], first, a65, pa;
	struct vmalloc_area a;
	struct vmalloc_counters v;
	struct sys s;

	sys_up(&s, "x86-64-4l", 8192, cfg);
	ASSERT_EQ(ctr(&s).vblock_pages, 256);
	ASSERT_OK(vmalloc_pages_alloc(s.vm, 70, pages));
	for (int i = 0; i < 256; i++) {
		ASSERT_OK(vmalloc_vm_map_ram(s.vm, &pages[i % 70], 1, 0,
					     &addr[i]));
		ASSERT_EQ(addr[i], addr[0] + (uint64_t)i * PG);
		ASSERT_OK(vmalloc_to_page(s.vm, addr[i], &pa));
		ASSERT_EQ(pa, pages[i % 70]);
	}
	ASSERT_EQ(addr[0] & (256 * PG - 1), 0);  /* block-aligned */
	ASSERT_EQ(ctr(&s).vblocks, 1);
	/* Full: the next piece opens a second block; 3 pages take 4. */
	ASSERT_OK(vmalloc_vm_map_ram(s.vm, pages, 3, 0, &first));
	ASSERT_OK(vmalloc_vm_map_ram(s.vm, pages, 1, 0, &addr[256]));
	ASSERT_EQ(addr[256], first + 4 * PG);
	ASSERT_EQ(ctr(&s).vblocks, 2);
	/* Another CPU, another block. */
	ASSERT_OK(vmalloc_vm_map_ram(s.vm, pages, 2, 1, &addr[257]));
	ASSERT_EQ(ctr(&s).vblocks, 3);
	check(&s);
	/* Beyond what the block handed out; in no block. */
	ASSERT_EQ(vmalloc_vm_unmap_ram(s.vm, addr[257] + 2 * PG, 1, 1),
		  -EINVAL);
	ASSERT_EQ(vmalloc_vm_unmap_ram(s.vm, VMAP_DEFAULT_END - 256 * PG, 1,
				       1), -EINVAL);
	/* Unmapping the first block's pieces: no flush, then the block goes
	 * lazy as a whole. */
	for (int i = 0; i < 255; i++)
		ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, addr[i], 1, 1));
	v = ctr(&s);
	ASSERT_EQ(v.vblocks_freed, 0);
	ASSERT_EQ(v.flushes, 0);
	ASSERT_EQ(vmalloc_vm_unmap_ram(s.vm, addr[0], 1, 0), -EINVAL);
	ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, addr[255], 1, 0));
	v = ctr(&s);
	ASSERT_EQ(v.vblocks_freed, 1);
	ASSERT_EQ(v.lazy_areas, 1);
	ASSERT_EQ(v.lazy_pages, 256);
	check(&s);
	/* vm_unmap_aliases(): the dirty range of the second block (4 pages
	 * of the 3-page piece) flushed once, then reset; no lazy area. */
	vmalloc_purge(s.vm);
	v = ctr(&s);
	ASSERT_EQ(v.flushes, 1);  /* the lazy block's span, with it */
	ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, first, 3, 0));
	vmalloc_purge(s.vm);
	v = ctr(&s);
	ASSERT_EQ(v.flushes, 2);
	ASSERT_EQ(v.flushes_ranged, 1);
	ASSERT_EQ(v.pages_flushed, 4);
	vmalloc_purge(s.vm);
	ASSERT_EQ(ctr(&s).flushes, 2);
	check(&s);
	/* Above 64 pages: an area of its own, no guard. */
	ASSERT_OK(vmalloc_vm_map_ram(s.vm, pages, 65, 0, &a65));
	ASSERT_OK(vmalloc_area(s.vm, a65, &a));
	ASSERT_EQ(a.size, 65 * PG);
	ASSERT_EQ(a.flags & VMALLOC_RAM, VMALLOC_RAM);
	ASSERT_EQ(vmalloc_vfree(s.vm, a65, 0), -ENOENT);
	ASSERT_EQ(vmalloc_vm_unmap_ram(s.vm, a65, 64, 0), -EINVAL);
	ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, a65, 65, 0));
	ASSERT_EQ(vmalloc_to_page(s.vm, a65, &pa), -ENOENT);
	check(&s);
	v = ctr(&s);
	ASSERT_EQ(v.vm_map_rams, 260);
	ASSERT_EQ(v.vm_unmap_rams, 258);
	/* A fragmented block (all pieces free or dirty, under a quarter
	 * free) goes on vm_unmap_aliases(): CPU 1's block after 200 pieces
	 * of one page mapped and unmapped. */
	for (int i = 0; i < 200; i++) {
		ASSERT_OK(vmalloc_vm_map_ram(s.vm, pages, 1, 1, &addr[i]));
		ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, addr[i], 1, 1));
	}
	ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, addr[257], 2, 1));
	v = ctr(&s);
	vmalloc_purge(s.vm);
	ASSERT_EQ(ctr(&s).vblocks_freed, v.vblocks_freed + 1);
	check(&s);
	/* The rest goes with the system; the pages are the caller's. */
	vmalloc_pages_free(s.vm, 70, pages);
	sys_down(&s);

	sys_up(&s, "x86-64-4l", 4096, (struct vmalloc_config){
		.nr_cpus_config = 64 });
	ASSERT_EQ(ctr(&s).vblock_pages, 1024);
	sys_down(&s);
	sys_up(&s, "x86-64-4l", 4096, (struct vmalloc_config){
		.nr_cpus_config = 2048 });
	ASSERT_EQ(ctr(&s).vblock_pages, 1024);
	sys_down(&s);
	sys_up(&s, "x86-64-4l", 4096, (struct vmalloc_config){
		.nr_cpus_config = 4096 });
	ASSERT_EQ(ctr(&s).vblock_pages, 512);
	sys_down(&s);
}

/*
 * 6.9's vmap_node pools: purged areas go to the pool of the node that
 * asked for them (head first, in address order), the next allocation of
 * that size on a CPU of that node takes the head if aligned, else the head
 * moves to the tail; a purge first decays each pool (all of it under 4).
 */
static void test_node_pools(void)
{
	struct vmalloc_config cfg = { .cpus = 2, .node_pools = true,
				      .lazy_max_pages = 4 };
	uint64_t a[3], b8[8], x, y, z;
	struct vmalloc_counters v;
	struct sys s;

	sys_up(&s, "x86-64-4l", 4096, cfg);
	ASSERT_EQ(ctr(&s).vmap_nodes, 2);
	for (int i = 0; i < 3; i++) {
		ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &a[i]));
		ASSERT_EQ(a[i], VMAP_DEFAULT_START + 2 * PG * (uint64_t)i);
	}
	for (int i = 0; i < 3; i++)
		ASSERT_OK(vmalloc_vfree(s.vm, a[i], 1));
	v = ctr(&s);
	ASSERT_EQ(v.purges, 1);
	ASSERT_EQ(v.pool_adds, 3);
	ASSERT_EQ(v.pooled_areas, 3);
	check(&s);
	ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &x));   /* node 0: the head */
	ASSERT_EQ(x, a[2]);
	ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 1, &y));   /* node 1: empty */
	ASSERT_EQ(y, VMAP_DEFAULT_START + 6 * PG);
	/* The head a[1] is not 16K-aligned: to the tail, free space. */
	ASSERT_OK(vmalloc_node_range(s.vm, PG, 4 * PG, 0, 0, 0, &z));
	v = ctr(&s);
	ASSERT_EQ(v.pool_hits, 1);
	ASSERT_EQ(v.pool_rotations, 1);
	ASSERT_EQ(z, VMAP_DEFAULT_START + 8 * PG);
	ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &x));   /* now a[0] heads */
	ASSERT_EQ(x, a[0]);
	check(&s);
	ASSERT_OK(vmalloc_vmalloc(s.vm, 2 * PG, 0, &y));
	ASSERT_OK(vmalloc_vfree(s.vm, y, 0));
	ASSERT_EQ(ctr(&s).pooled_areas, 1);
	/* A purge decays the pool of one area whole, then pools y. */
	vmalloc_purge(s.vm);
	v = ctr(&s);
	ASSERT_EQ(v.pool_decays, 1);
	ASSERT_EQ(v.pooled_areas, 1);
	check(&s);
	sys_down(&s);

	/* decay_va_pool_node(): a purge returns len >> 2 of a pool of 8 (from
	 * the head) to the free space before it pools what it purges. */
	cfg.lazy_max_pages = 1 << 20;
	sys_up(&s, "x86-64-4l", 4096, cfg);
	for (int i = 0; i < 8; i++)
		ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &b8[i]));
	for (int i = 0; i < 8; i++)
		ASSERT_OK(vmalloc_vfree(s.vm, b8[i], 0));
	vmalloc_purge(s.vm);
	v = ctr(&s);
	ASSERT_EQ(v.pooled_areas, 8);
	ASSERT_EQ(v.pool_decays, 0);
	ASSERT_OK(vmalloc_vmalloc(s.vm, 2 * PG, 1, &y));
	ASSERT_OK(vmalloc_vfree(s.vm, y, 1));
	vmalloc_purge(s.vm);
	v = ctr(&s);
	ASSERT_EQ(v.pool_decays, 2);
	ASSERT_EQ(v.pooled_areas, 6 + 1);
	/* The pool held b8[7] .. b8[0] from its head: b8[7], b8[6] went. */
	ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &x));
	ASSERT_EQ(x, b8[5]);
	check(&s);
	sys_down(&s);

	/* An allocation that finds no room purges with a full decay (the
	 * kernel's reclaim_and_purge_vmap_areas()): every pooled area goes
	 * back to the free space, the lazy one too (not pooled), and the
	 * retry succeeds.  The range holds 8 one-page areas and guards. */
	cfg.start = VMAP_DEFAULT_START;
	cfg.end = VMAP_DEFAULT_START + 16 * PG;
	sys_up(&s, "x86-64-4l", 4096, cfg);
	for (int i = 0; i < 8; i++)
		ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &b8[i]));
	for (int i = 0; i < 7; i++)
		ASSERT_OK(vmalloc_vfree(s.vm, b8[i], 0));
	vmalloc_purge(s.vm);
	ASSERT_OK(vmalloc_vfree(s.vm, b8[7], 0));
	v = ctr(&s);
	ASSERT_EQ(v.pooled_areas, 7);
	ASSERT_EQ(v.lazy_areas, 1);
	ASSERT_EQ(v.purges_on_failure, 0);
	ASSERT_OK(vmalloc_vmalloc(s.vm, 3 * PG, 1, &x));
	ASSERT_EQ(x, VMAP_DEFAULT_START);
	v = ctr(&s);
	ASSERT_EQ(v.purges_on_failure, 1);
	ASSERT_EQ(v.pool_decays, 7);
	ASSERT_EQ(v.pooled_areas, 0);
	ASSERT_EQ(v.lazy_areas, 0);
	check(&s);
	sys_down(&s);

	/* One CPU: one node, no pools (as the kernel with nr_vmap_nodes 1). */
	sys_up(&s, "x86-64-4l", 4096, (struct vmalloc_config){
		.node_pools = true, .lazy_max_pages = 4 });
	ASSERT_EQ(ctr(&s).vmap_nodes, 1);
	for (int i = 0; i < 3; i++)
		ASSERT_OK(vmalloc_vmalloc(s.vm, PG, 0, &a[i]));
	for (int i = 0; i < 3; i++)
		ASSERT_OK(vmalloc_vfree(s.vm, a[i], 0));
	ASSERT_EQ(ctr(&s).pool_adds, 0);
	sys_down(&s);
}

/*
 * Stale-TLB detector: every CPU's translation of every page of every live
 * area reaches that area's own page.  Returns the number of translations
 * that do not.
 */
static uint64_t stale_translations(struct vmalloc *vm, const uint64_t *addr,
				   const uint64_t *npages, size_t n)
{
	uint64_t bad = 0;

	for (size_t i = 0; i < n; i++)
		for (uint64_t p = 0; p < npages[i]; p++) {
			uint64_t va = addr[i] + p * PG, pa;

			ASSERT_OK(vmalloc_to_page(vm, va, &pa));
			for (unsigned c = 0; c < vmalloc_cpus(vm); c++) {
				struct mmu_result res;

				if (mmu_translate(vmalloc_cpu_mmu(vm, c), va, 1,
						  MMU_READ, &res) ||
				    res.pa != pa)
					bad++;
			}
		}
	return bad;
}

/*
 * The detector catches the hazard: reuse a freed area's addresses before
 * the flush (done here by hand with pgtable calls, which the system never
 * does) and a CPU that touched the old mapping still reaches the old page.
 */
static void test_stale_detector(void)
{
	struct vmalloc_config cfg = { .cpus = 4, .lazy_max_pages = 1 << 20 };
	uint64_t addr, np = 2, pa_old, pa_old2, fresh;
	struct sys s;

	sys_up(&s, "x86-64-4l", 4096, cfg);
	ASSERT_OK(vmalloc_vmalloc(s.vm, 2 * PG, 0, &addr));
	for (unsigned c = 0; c < 4; c++)
		ASSERT_OK(vmalloc_touch(s.vm, addr, 2 * PG, c));
	ASSERT_EQ(stale_translations(s.vm, &addr, &np, 1), 0);
	ASSERT_OK(vmalloc_to_page(s.vm, addr, &pa_old));
	ASSERT_OK(vmalloc_to_page(s.vm, addr + PG, &pa_old2));
	/* Unmap without a flush and map the address to a new page. */
	ASSERT_OK(pt_unmap_keep(s.pt, addr, 2 * PG, 0));
	ASSERT_OK(buddy_alloc(s.b, 1, &fresh));
	ASSERT_OK(pt_map(s.pt, addr, fresh, 2 * PG,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0));
	ASSERT_EQ(stale_translations(s.vm, &addr, &np, 1), 8);
	/* Put things back so that teardown frees what it owns. */
	ASSERT_OK(pt_unmap_keep(s.pt, addr, 2 * PG, 0));
	ASSERT_OK(buddy_free(s.b, fresh, 1));
	ASSERT_OK(pt_map(s.pt, addr, pa_old, PG,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0));
	ASSERT_OK(pt_map(s.pt, addr + PG, pa_old2, PG,
			 PT_PROT_READ | PT_PROT_WRITE | PT_PROT_GLOBAL, 0));
	check(&s);
	sys_down(&s);
}

/*
 * A random workload on 4 CPUs: allocations and frees of 1..8 pages (some
 * vmap, some huge), every CPU touching areas; small lazy_max_pages so
 * purges are frequent and areas are reused right after them.  After every
 * op: vmalloc_check, and no CPU translates a live address anywhere but to
 * its own page.  At the end everything is freed and purged: the memory is
 * back except the page tables.
 */
static void random_workload(const char *strategy, bool eager, uint64_t seed,
			    bool pools)
{
	struct vmalloc_config cfg = { .strategy = strategy, .cpus = 4,
				      .lazy_max_pages = 40, .eager = eager,
				      .node_pools = pools };
	enum { SLOTS = 12 };
	uint64_t addr[SLOTS], npages[SLOTS], vpages[SLOTS][70];
	unsigned kind[SLOTS];   /* 0 vmalloc, 1 vmap, 2 vm_map_ram */
	bool live[SLOTS] = { false };
	uint64_t live_addr[SLOTS], live_np[SLOTS];
	struct rng rng;
	struct sys s;

	rng_seed(&rng, seed);
	sys_up(&s, "x86-64-4l", 8192, cfg);
	for (int op = 0; op < 3000; op++) {
		unsigned k = (unsigned)rng_below(&rng, SLOTS);
		unsigned cpu = (unsigned)rng_below(&rng, 4);
		size_t n = 0;

		if (!live[k]) {
			npages[k] = 1 + rng_below(&rng, 8);
			kind[k] = (unsigned)rng_below(&rng, 6) % 3;
			if (kind[k] == 2 && rng_below(&rng, 8) == 0)
				npages[k] = 65 + rng_below(&rng, 5);
			if (kind[k]) {
				for (uint64_t p = 0; p < npages[k]; p++)
					ASSERT_OK(buddy_alloc(s.b, 0,
							      &vpages[k][p]));
			}
			if (kind[k] == 1) {
				ASSERT_OK(vmalloc_vmap(s.vm, vpages[k],
						       npages[k], 0, cpu,
						       &addr[k]));
			} else if (kind[k] == 2) {
				ASSERT_OK(vmalloc_vm_map_ram(s.vm, vpages[k],
							     npages[k], cpu,
							     &addr[k]));
			} else {
				ASSERT_OK(vmalloc_vmalloc(s.vm, npages[k] * PG,
							  cpu, &addr[k]));
			}
			live[k] = true;
		} else if (rng_below(&rng, 3)) {
			ASSERT_OK(vmalloc_touch(s.vm, addr[k],
						npages[k] * PG, cpu));
		} else {
			if (kind[k] == 1)
				ASSERT_OK(vmalloc_vunmap(s.vm, addr[k], cpu));
			else if (kind[k] == 2)
				ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, addr[k],
							       npages[k],
							       cpu));
			else
				ASSERT_OK(vmalloc_vfree(s.vm, addr[k], cpu));
			for (uint64_t p = 0; kind[k] && p < npages[k]; p++)
				ASSERT_OK(buddy_free(s.b, vpages[k][p], 0));
			live[k] = false;
		}
		check(&s);
		for (unsigned i = 0; i < SLOTS; i++)
			if (live[i]) {
				live_addr[n] = addr[i];
				live_np[n++] = npages[i];
			}
		ASSERT_EQ(stale_translations(s.vm, live_addr, live_np, n), 0);
	}
	for (unsigned i = 0; i < SLOTS; i++) {
		if (!live[i])
			continue;
		if (kind[i] == 1)
			ASSERT_OK(vmalloc_vunmap(s.vm, addr[i], 0));
		else if (kind[i] == 2)
			ASSERT_OK(vmalloc_vm_unmap_ram(s.vm, addr[i], npages[i],
						       0));
		else
			ASSERT_OK(vmalloc_vfree(s.vm, addr[i], 0));
		for (uint64_t p = 0; kind[i] && p < npages[i]; p++)
			ASSERT_OK(buddy_free(s.b, vpages[i][p], 0));
	}
	vmalloc_purge(s.vm);
	check(&s);
	ASSERT(ctr(&s).purges > 10 || eager);
	ASSERT(ctr(&s).vm_map_rams > 100);
	ASSERT_EQ(ctr(&s).live_areas, 0);
	/* Pages back but those of the tables and of the vmap blocks still
	 * open (their freed pieces are not reused): only block areas. */
	ASSERT_EQ(buddy_free_frames(s.b), s.frames - table_frames(&s));
	sys_down(&s);
}

/*
 * On a booted kernel (kspace): x86-64's vmalloc upper levels exist from
 * boot, so N areas of k pages add exactly the PTE and PMD pages of the
 * closed form and no PUD page; arm64's image at the start of its vmalloc
 * range stays reserved.  vfree + purge return every page but the tables.
 */
static void booted(const char *arch, uint64_t n, uint64_t k)
{
	struct ks_config kc;
	struct ks_kernel *kk;
	const struct ks_layout *l;
	struct vmalloc_config cfg = { .cpus = 2 };
	struct vmalloc *vm;
	struct vmalloc_counters v0, v;
	struct reason r;
	uint64_t *addr = malloc(n * sizeof(*addr)), free0, last, tables0;
	struct pt_stats st;

	ASSERT(addr);
	ks_config_default(&kc);
	kc.arch = arch;
	kc.ram_bytes = 1ULL << 30;
	if (ks_boot(&kk, &kc, &r))
		TEST_FAIL("ks_boot %s: %s", arch, r.msg);
	l = ks_layout_of(kk);
	cfg.pt = ks_pt(kk);
	cfg.buddy = ks_buddy(kk);
	cfg.start = l->vmalloc_start;
	cfg.end = l->vmalloc_end;
	cfg.direct_map = l->page_offset;
	if (l->kernel_start >= l->vmalloc_start &&
	    l->kernel_start < l->vmalloc_end) {
		cfg.reserved_start = l->kernel_start;
		cfg.reserved_end = l->kernel_start + l->text_offset +
				   kc.image_bytes;
	}
	if (vmalloc_create(&vm, &cfg, &r))
		TEST_FAIL("vmalloc_create: %s", r.msg);
	free0 = buddy_free_frames(ks_buddy(kk));
	pt_get_stats(ks_pt(kk), &st);
	tables0 = st.frames;
	vmalloc_get_counters(vm, &v0);
	for (uint64_t i = 0; i < n; i++) {
		ASSERT_OK(vmalloc_vmalloc(vm, k * PG, (unsigned)(i & 1),
					  &addr[i]));
		ASSERT(addr[i] >= cfg.reserved_end);
	}
	vmalloc_get_counters(vm, &v);
	if (!cfg.reserved_end) {
		ASSERT_EQ(addr[0], l->vmalloc_start);
		last = n * (k + 1) - 2;
		ASSERT_EQ(v.pt_tables[0] - v0.pt_tables[0], last / 512 + 1);
		ASSERT_EQ(v.pt_tables[1] - v0.pt_tables[1],
			  last / (512 * 512) + 1);
		/* x86-64: the level below the root was preallocated at
		 * boot; elsewhere its one table comes with the first area. */
		ASSERT_EQ(v.pt_tables[pt_geometry_of(cfg.pt)->levels - 2],
			  v0.pt_tables[pt_geometry_of(cfg.pt)->levels - 2] +
			  !l->prealloc_vmalloc);
	}
	for (uint64_t i = 0; i < n; i++)
		ASSERT_OK(vmalloc_vfree(vm, addr[i], (unsigned)(i & 1)));
	vmalloc_purge(vm);
	if (vmalloc_check(vm, &r))
		TEST_FAIL("vmalloc_check: %s", r.msg);
	pt_get_stats(ks_pt(kk), &st);
	ASSERT_EQ(buddy_free_frames(ks_buddy(kk)) + (st.frames - tables0),
		  free0);
	vmalloc_destroy(vm);
	ks_shutdown(kk);
	free(addr);
}

static void test_booted(void)
{
	booted("x86-64-4l", 700, 3);
	booted("x86-64-5l", 100, 511);
	booted("arm64-4k-48", 300, 2);
	booted("sv48", 50, 9);
}

static void test_bad_config(void)
{
	struct vmalloc_config cfg = { .strategy = "nope", .cpus = 1 };
	struct vmalloc *vm;
	struct reason r;
	struct sys s;
	uint64_t addr;

	sys_up(&s, "x86-64-4l", 256, (struct vmalloc_config){ .cpus = 1 });
	cfg.pt = s.pt;
	cfg.buddy = s.b;
	cfg.start = VMAP_DEFAULT_START;
	cfg.end = VMAP_DEFAULT_END;
	ASSERT_EQ(vmalloc_create(&vm, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "strategy");
	cfg.strategy = "augrb";
	cfg.cpus = 0;
	ASSERT_EQ(vmalloc_create(&vm, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "cpus");
	cfg.cpus = 2;
	cfg.tlb = "l1d:3x1:lru";
	ASSERT_EQ(vmalloc_create(&vm, &cfg, &r), -EINVAL);
	ASSERT_STREQ(r.what, "tlb");
	ASSERT_EQ(vmalloc_vmalloc(s.vm, 0, 0, &addr), -EINVAL);
	ASSERT_EQ(vmalloc_vmalloc(s.vm, PG, 1, &addr), -EINVAL);
	ASSERT_EQ(vmalloc_node_range(s.vm, PG, 3, 0, 0, 0, &addr), -EINVAL);
	ASSERT_EQ(vmalloc_vmalloc(s.vm, 1000 * PG, 0, &addr), -ENOMEM);
	ASSERT_EQ(vmalloc_vfree(s.vm, VMAP_DEFAULT_START, 0), -ENOENT);
	check(&s);
	sys_down(&s);
}

int main(void)
{
	size_t n;
	const struct vmap_strategy *st = vmap_strategies(&n);

	ASSERT_EQ(vmalloc_lazy_max_pages(1, PG), 8192);
	ASSERT_EQ(vmalloc_lazy_max_pages(8, PG), 4 * 8192);
	ASSERT_EQ(vmalloc_lazy_max_pages(64, PG), 7 * 8192);
	ASSERT_EQ(vmalloc_lazy_max_pages(256, PG), 9 * 8192);
	test_bad_config();
	test_table_closed_form();
	test_booted();
	test_purge_closed_form();
	test_eager();
	test_huge();
	test_huge_frames_returned();
	test_sequential();
	test_cont_pte();
	test_stack_every();
	test_long_busy_list_frame();
	test_long_busy_list_models();
	test_vmap_kvmalloc();
	test_vm_map_ram();
	test_area_flags();
	test_node_pools();
	test_stale_detector();
	for (size_t i = 0; i < n; i++)
		random_workload(st[i].name, false, 42 + i, false);
	random_workload("augrb", true, 7, false);
	random_workload("augrb", false, 9, true);
	random_workload("rbtree-cached", false, 11, true);
	printf("vmalloc: ok\n");
	return 0;
}
