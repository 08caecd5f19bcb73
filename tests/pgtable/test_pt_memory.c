/* SPDX-License-Identifier: MIT */
/*
 * Validation: page-table memory equals its closed form on every geometry.
 *
 * Mapping [va, last] leaves a table at level L for every distinct value
 * of va' >> span(L), va' in the range, where span(L) = page_shift +
 * bits[0] + ... + bits[L] is the VA width one level-L table covers; so
 * tables(L) = (last >> span(L)) - (va >> span(L)) + 1 below the root,
 * and 1 at the root.  Mapped with leaves of level H (huge pages, blocks),
 * levels below H need no tables.  The spans are worked out here from the
 * geometry's bits, independently of the library's own shift helpers.
 */
#include <vmbench/pgtable.h>

#include "../test.h"

static const struct pt_geometry tiny = {
	"x86-tiny", "x86-64 entries, 2-bit levels", PT_ARCH_X86_64, 4, 20,
	52, 12, 8, { 2, 2, 2, 2 }, 0x7, { 0 }
};

/* Bits of VA below level @l's index, summed by hand. */
static unsigned below(const struct pt_geometry *g, unsigned l)
{
	unsigned s = g->page_shift;

	for (unsigned i = 0; i < l; i++)
		s += g->bits[i];
	return s;
}

/*
 * Map @n leaves of level @h from @va and compare every level's tables and
 * bytes with the closed form; unmap and check everything went back.
 */
static void check(const struct pt_geometry *g, uint64_t va, uint64_t n,
		  unsigned h)
{
	uint64_t leaf = 1ULL << below(g, h), last = va + (n * leaf - 1);
	uint64_t frames = 0;
	struct pt_stats st;
	struct pt *pt;

	ASSERT_OK(pt_create(&pt, g, NULL));
	ASSERT_OK(pt_map(pt, va, 0, n * leaf, PT_PROT_READ | PT_PROT_EXEC,
			 h ? PT_MAP_HUGE : 0));
	pt_get_stats(pt, &st);
	for (unsigned l = 0; l < g->levels; l++) {
		uint64_t want, span = below(g, l) + g->bits[l];

		if (l + 1 == g->levels)
			want = 1;
		else if (l < h)
			want = 0;
		else
			want = (last >> span) - (va >> span) + 1;
		if (st.tables[l] != want)
			TEST_FAIL("%s: %llu leaves of level %u at %#llx: "
				  "level %u has %llu tables, want %llu",
				  g->name, (unsigned long long)n, h,
				  (unsigned long long)va, l,
				  (unsigned long long)st.tables[l],
				  (unsigned long long)want);
		ASSERT_EQ(st.bytes[l], want * g->entry_size *
				       (1ULL << g->bits[l]));
		ASSERT_EQ(st.leaves[l], l == h ? n : 0);
		frames += want;
	}
	ASSERT_EQ(st.frames, frames);
	ASSERT_EQ(pt_mem_frames_in_use(pt_mem_of(pt)), frames);
	ASSERT_OK(pt_unmap(pt, va, n * leaf));
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.frames, 1);
	pt_destroy(pt);
}

static void check_geometry(const struct pt_geometry *g)
{
	uint64_t page = 1ULL << g->page_shift;
	uint64_t per0 = 1ULL << g->bits[0];  /* pages per level-0 table */
	uint64_t l1 = page << g->bits[0];

	/* One page; a page each side of a level-1 boundary. */
	check(g, 0, 1, 0);
	check(g, 7 * l1 - page, 2, 0);
	/* Several level-0 tables, starting mid-table. */
	check(g, 3 * l1 + 5 * page, 3 * per0 + 7, 0);
	/* Across a level-2 boundary where there is one, so that every
	 * level below the root holds two tables or more. */
	if (g->levels > 2) {
		uint64_t l2 = l1 << g->bits[1];
		uint64_t k = (1ULL << (g->va_bits - 1)) / l2 - 1;

		check(g, l2 - 2 * page, per0 + 4, 0);
		check(g, (k < 5 ? k : 5) * l2 - 3 * l1 - 9 * page, 5 * per0,
		      0);
	}
	/* Huge leaves: n of them straddling a boundary of the next level. */
	for (unsigned h = 1; h < g->levels; h++) {
		uint64_t sz = 1ULL << below(g, h), n = 3, va;

		if (!(g->leaf_levels & (1u << h)))
			continue;
		if (h + 1 < g->levels) {
			uint64_t up = sz << g->bits[h];

			va = up - sz;  /* one below the boundary, two above */
		} else {
			va = 0;
			n = 2;
		}
		check(g, va, n, h);
	}
}

int main(void)
{
	size_t n;
	const struct pt_geometry *gs = pt_geometries(&n);

	for (size_t i = 0; i < n; i++)
		check_geometry(&gs[i]);
	check_geometry(&tiny);

	/* The example of the issue: 1 GiB of 2M pages on x86-64 uses one
	 * page directory and no page tables. */
	const struct pt_geometry *g = pt_geometry_find("x86-64-4l");
	struct pt_stats st;
	struct pt *pt;

	ASSERT_OK(pt_create(&pt, g, NULL));
	/* pa only 2M-aligned, or PT_MAP_HUGE would take one 1G page. */
	ASSERT_OK(pt_map(pt, 1ULL << 30, 1ULL << 21, 1ULL << 30,
			 PT_PROT_READ, PT_MAP_HUGE));
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.tables[0], 0);
	ASSERT_EQ(st.tables[1], 1);
	ASSERT_EQ(st.leaves[1], 512);
	ASSERT_EQ(st.table_bytes, 3 * 4096);
	pt_destroy(pt);
	/* The same GiB in 4K pages: 512 page tables more. */
	ASSERT_OK(pt_create(&pt, g, NULL));
	ASSERT_OK(pt_map(pt, 1ULL << 30, 0, 1ULL << 30, PT_PROT_READ, 0));
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.tables[0], 512);
	ASSERT_EQ(st.table_bytes, (3 + 512) * 4096);
	pt_destroy(pt);

	/* PAE's PDPT is 32 bytes of table in one 4K frame. */
	ASSERT_OK(pt_create(&pt, pt_geometry_find("x86-pae"), NULL));
	pt_get_stats(pt, &st);
	ASSERT_EQ(st.bytes[2], 32);
	ASSERT_EQ(st.frames, 1);
	pt_destroy(pt);
	printf("pt_memory: ok\n");
	return 0;
}
