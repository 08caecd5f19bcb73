/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: a memory-access trace reader (FUZZ_FORMAT: &wl_trace_lackey,
 * &wl_trace_din or &wl_trace_vmb), its writer, and the translation of what
 * it read on every page-table geometry and every leaf size of it.
 *
 * For each input:
 *   1. wl_access_parse(): an error names a line of the input (text; a
 *      binary format's names its record in the message) and a reason;
 *      every access read has a size in 1..WL_ACCESS_MAX_SIZE, a known
 *      kind, a last byte that does not wrap, and its line.  The streaming
 *      reader gives the same accesses and the same error with chunks of
 *      1, 13 and 37 bytes (every record split somewhere), and so do
 *      the per-line paths alone (a text format's wide path turned off).
 *      An input that starts like a compressed stream is decompressed
 *      first; its lines are not the input's, so only the reason's shape
 *      is checked.
 *   2. wl_access_write() of the accesses parses back to the same accesses.
 *   3. The accesses (at most MAX_ACCESSES, which bounds the memory the
 *      page tables take) are translated with demand paging, as vmsim tlb
 *      does, by two MMUs over two page tables of the same geometry: one
 *      with a TLB (the presets in turn), one without.  mmu.h promises the
 *      same result for every access either way; the counters must add up.
 *      Unlike vmsim, a fault does not stop the run: later accesses are
 *      translated too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/mmu.h>
#include <vmbench/pgtable.h>
#include <vmbench/source.h>
#include <vmbench/tlb.h>
#include <vmbench/workload.h>

#include "fuzz.h"
/* wl_wide_state: the text formats' wide path on or off. */
#include "../../src/workload/access_impl.h"

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=(&wl_trace_lackey) or (&wl_trace_din)"
#endif

#define MAX_ACCESSES 64

static void check_round_trip(const struct wl_access_trace *t)
{
	struct wl_access_trace back = { 0 };
	struct reason err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;       /* out of memory: nothing to check */
	FUZZ_CHECK(wl_access_write(f, FUZZ_FORMAT, t->a, t->n, NULL) == 0);
	fclose(f);
	if (wl_access_parse(FUZZ_FORMAT, text, len, &back, &err) != -ENOMEM) {
		FUZZ_CHECK(back.n == t->n);
		for (size_t i = 0; i < t->n; i++)
			FUZZ_CHECK(back.a[i].va == t->a[i].va &&
				   back.a[i].size == t->a[i].size &&
				   back.a[i].kind == t->a[i].kind);
	}
	free(text);
	wl_access_trace_free(&back);
}

static const enum mmu_access access_of[256] = {
	[WL_ACCESS_READ] = MMU_READ,
	[WL_ACCESS_WRITE] = MMU_WRITE,
	[WL_ACCESS_IFETCH] = MMU_EXEC,
};

/* One page table, optionally a TLB, and the MMU over them. */
struct side {
	struct pt *pt;
	struct tlb *tlb;
	struct mmu *m;
};

static void side_destroy(struct side *s)
{
	mmu_destroy(s->m);
	tlb_destroy(s->tlb);
	pt_destroy(s->pt);
}

/* 0, or -ENOMEM (nothing held); any other failure is a bug. */
static int side_create(struct side *s, const struct pt_geometry *g,
		       const char *preset, uint64_t page_size)
{
	struct mmu_config cfg = { .demand = true,
				  .demand_page_size = page_size };
	struct tlb_config tc;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = pt_create(&s->pt, g, NULL);
	if (!ret && preset) {
		FUZZ_CHECK(tlb_config_parse(preset, &tc, NULL) == 0);
		ret = tlb_create(&s->tlb, &tc);
	}
	if (!ret)
		ret = mmu_create(&s->m, s->pt, s->tlb, &cfg);
	if (ret) {
		FUZZ_CHECK(ret == -ENOMEM);
		side_destroy(s);
	}
	return ret;
}

static void translate_all(const struct wl_access_trace *t,
			  const struct pt_geometry *g, uint64_t page_size,
			  const char *preset)
{
	struct side a, b;
	struct mmu_counters ca, cb;
	const struct tlb_level_counters *l1 = &ca.tlb.l1, *l2 = &ca.tlb.l2;

	if (side_create(&a, g, preset, page_size))
		return;
	if (side_create(&b, g, NULL, page_size)) {
		side_destroy(&a);
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct wl_access *x = &t->a[i];
		struct mmu_result ra, rb;
		int reta, retb;

		memset(&ra, 0, sizeof(ra));
		memset(&rb, 0, sizeof(rb));
		reta = mmu_translate(a.m, x->va, x->size, access_of[x->kind],
				     &ra);
		retb = mmu_translate(b.m, x->va, x->size, access_of[x->kind],
				     &rb);
		FUZZ_CHECK(reta == retb);
		FUZZ_CHECK(reta == 0 || reta == -EFAULT || reta == -ENOMEM);
		FUZZ_CHECK(ra.pa == rb.pa && ra.pa2 == rb.pa2 &&
			   ra.fault == rb.fault && ra.pages == rb.pages);
		if (reta)
			FUZZ_CHECK(ra.fault_va == rb.fault_va);
		else
			FUZZ_CHECK(ra.prot == rb.prot &&
				   ra.fault == MMU_FAULT_NONE);
		if (reta == -ENOMEM)
			break;   /* simulated physical memory used up */
	}
	mmu_get_counters(a.m, &ca);
	mmu_get_counters(b.m, &cb);
	FUZZ_CHECK(ca.accesses == cb.accesses);
	FUZZ_CHECK(ca.translations == cb.translations);
	FUZZ_CHECK(ca.straddles == cb.straddles);
	FUZZ_CHECK(ca.demand_maps == cb.demand_maps);
	FUZZ_CHECK(ca.translations >= ca.accesses + ca.straddles);
	FUZZ_CHECK(ca.tlb_hits <= ca.translations);
	FUZZ_CHECK(cb.tlb_hits == 0);
	FUZZ_CHECK(l1->accesses == l1->hits + l1->misses);
	FUZZ_CHECK(l2->accesses == l2->hits + l2->misses);
	FUZZ_CHECK(ca.walks_ok <= ca.walks && cb.walks_ok <= cb.walks);
	side_destroy(&a);
	side_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const *presets = tlb_presets();
	const struct pt_geometry *geoms;
	struct wl_access_trace t = { 0 };
	struct reason err = { 0 };
	uint64_t lines = fuzz_lines(data, size);
	size_t ngeoms, npresets = 0, k = 0;
	int ret;

	struct source *src;
	bool packed = false;

	if (!source_open_mem(&src, data, size, NULL, NULL)) {
		packed = source_codec(src) != SOURCE_PLAIN;
		source_close(src);
	}
	if (packed)
		lines = UINT64_MAX;
	ret = wl_access_parse(FUZZ_FORMAT, (const char *)data, size, &t, &err);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENOMEM || ret == -E2BIG ||
			   ret == -EPIPE || (packed && (ret == -EBADMSG ||
							ret == -ENOTSUP)));
		fuzz_check_reason(&err, lines);
		if (ret == -EINVAL && !FUZZ_FORMAT->binary && !packed)
			FUZZ_CHECK(err.line >= 1);
	}
	for (size_t chunk = 1; chunk < 40; chunk += 12) {
		struct wl_access_trace u = { 0 };
		struct reason uerr = { 0 };
		int uret;

#ifdef WL_WIDE
		int was = wl_wide_state;

		if (chunk == 25)
			wl_wide_state = 0;
#endif
		uret = wl_access_parse_chunked(FUZZ_FORMAT, (const char *)data,
					       size, chunk == 25 ? 0 : chunk,
					       &u, &uerr);
#ifdef WL_WIDE
		wl_wide_state = was;
#endif

		if (uret != -ENOMEM && ret != -ENOMEM) {
			FUZZ_CHECK(uret == ret);
			FUZZ_CHECK(u.n == t.n);
			FUZZ_CHECK(!u.n || !memcmp(u.a, t.a, t.n * sizeof(*u.a)));
			/*
			 * The same error; for a compressed input only the
			 * same kind, as a decoder's own words depend on the
			 * size of the buffer it decodes into (zstd: "Data
			 * corruption detected" or "Destination buffer is too
			 * small" for one corrupt frame).
			 */
			FUZZ_CHECK(!ret || (packed ? uerr.msg[0] != 0 :
					    (uerr.line == err.line &&
					     !strcmp(uerr.msg, err.msg))));
		}
		wl_access_trace_free(&u);
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct wl_access *x = &t.a[i];

		FUZZ_CHECK(x->size >= 1 && x->size <= WL_ACCESS_MAX_SIZE);
		FUZZ_CHECK(x->va + (x->size - 1) >= x->va);
		FUZZ_CHECK(x->kind == WL_ACCESS_READ ||
			   x->kind == WL_ACCESS_WRITE ||
			   x->kind == WL_ACCESS_IFETCH);
		FUZZ_CHECK(x->line >= 1 && (packed || FUZZ_FORMAT->binary ||
					    x->line <= lines));
		FUZZ_CHECK(!i || x->line >= t.a[i - 1].line);
		if (ret == -EINVAL && !FUZZ_FORMAT->binary)
			FUZZ_CHECK(x->line < err.line);
	}
	check_round_trip(&t);
	if (t.n > MAX_ACCESSES)
		t.n = MAX_ACCESSES;

	while (presets[npresets])
		npresets++;
	geoms = pt_geometries(&ngeoms);
	for (size_t gi = 0; t.n && gi < ngeoms; gi++) {
		const struct pt_geometry *g = &geoms[gi];

		for (unsigned l = 0; l < g->levels; l++)
			if (g->leaf_levels & 1u << l)
				translate_all(&t, g, pt_level_size(g, l),
					      presets[k++ % npresets]);
	}
	wl_access_trace_free(&t);
	return 0;
}
