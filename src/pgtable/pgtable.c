/* SPDX-License-Identifier: MIT */
/*
 * Page tables over the simulated memory: map, unmap, protect and the walk.
 *
 * Conventions in this file: @l is a level (0 = last), @table the physical
 * address of a table at level @l, [va, last] an inclusive VA range inside
 * that table's span (inclusive so that a range ending at 2^64 - 1 needs no
 * wrapping sum), @sz the bytes one entry at @l maps.  Every operation
 * first checks the whole range without changing anything, then applies
 * itself, so failures leave the table as it was.  Every read and write of
 * the simulated memory is checked: an entry that points outside it is an
 * error (-EFAULT) of the operation, never taken as empty.  What an entry
 * means is asked of the geometry's architecture (pt_impl.h: struct
 * pt_arch); nothing here knows an entry's bits.
 */
#include <stdlib.h>

#include <vmbench/reason.h>

#include "pt_impl.h"

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

static uint64_t walk_root(const struct pt *pt, uint64_t va, struct pt_walk *w);

/* Tables are created without restrictions; the leaves carry the rights. */
#define TABLE_PROT (PT_PROT_RWX | PT_PROT_USER | PT_PROT_ACCESSED)

/* [va, va + size) valid for the geometry; *last gets its last byte. */
static int range_ok(const struct pt *pt, uint64_t va, uint64_t size,
		    uint64_t *last)
{
	uint64_t psz = 1ULL << pt->g->page_shift;

	if (!size || (va | size) & (psz - 1) || size - 1 > UINT64_MAX - va)
		return -EINVAL;
	*last = va + (size - 1);
	if (!pt_va_ok(pt, va) || (va >> pt->hi_shift) != (*last >> pt->hi_shift))
		return -EINVAL;
	return 0;
}

static inline uint64_t entry_addr(const struct pt *pt, uint64_t table,
				  unsigned l, uint64_t va)
{
	return table + (((va >> pt->shift[l]) & pt->imask[l]) << pt->esz_shift);
}

/* The entry at @pa; -EFAULT outside the memory (a corrupted pointer). */
static int rd(const struct pt *pt, uint64_t pa, uint64_t *v)
{
	return pt_mem_read(pt->mem, pa, 1u << pt->esz_shift, v);
}

static int wr(struct pt *pt, uint64_t pa, uint64_t v)
{
	return pt_mem_write(pt->mem, pa, 1u << pt->esz_shift, v);
}

/* rd() and pt_entry_decode(): -EFAULT or -EINVAL (reserved bits). */
static int rd_entry(const struct pt *pt, unsigned l, uint64_t pa,
		    struct pt_entry *e)
{
	uint64_t raw;
	int err = rd(pt, pa, &raw);

	if (err) {
		memset(e, 0, sizeof(*e));
		return err;
	}
	return pt_entry_decode(pt->g, l, raw, e);
}

static uint32_t *cnt(struct pt *pt, uint64_t table)
{
	return &pt->mem->count[pt_mem_frame_index(pt->mem, table)];
}

static int new_table(struct pt *pt, unsigned l, uint64_t *pa)
{
	int err = pt_frame_alloc(pt->mem, pa);

	if (err)
		return err;
	pt->st.tables[l]++;
	pt->st.bytes[l] += pt->tbytes[l];
	pt->st.frames++;
	return 0;
}

static void free_table(struct pt *pt, unsigned l, uint64_t pa)
{
	pt_frame_free(pt->mem, pa);
	pt->st.tables[l]--;
	pt->st.bytes[l] -= pt->tbytes[l];
	pt->st.frames--;
}

int pt_create(struct pt **out, const struct pt_geometry *g,
	      struct pt_mem *mem)
{
	struct pt *pt;
	int err = pt_geometry_check(g);

	if (err)
		return err;
	if (mem && mem->shift != g->page_shift)
		return -EINVAL;
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->g = g;
	if (!mem) {
		uint64_t lim = g->pa_bits >= 63 ? UINT64_MAX : 1ULL << g->pa_bits;

		err = pt_mem_create(&mem, g->page_shift, lim);
		if (err) {
			free(pt);
			return err;
		}
		pt->own_mem = true;
	}
	pt->mem = mem;
	pt->cmem = mem;
	pt->bytes = (const uint8_t **)&mem->bytes;
	pt->top = g->levels - 1;
	pt->page_mask = (1ULL << g->page_shift) - 1;
	pt->arch = g->arch;
	pt->esz_shift = g->entry_size == 4 ? 2 : 3;
	switch (g->arch->va_mode) {
	case PT_VA_SIGN:    /* sign-extended from bit va_bits - 1 */
		pt->hi_shift = g->va_bits - 1;
		pt->hi_ones = ~0ULL >> pt->hi_shift;
		break;
	case PT_VA_HALVES:  /* TTBR0 (all 0) or TTBR1 (all 1) */
		pt->hi_shift = g->va_bits;
		pt->hi_ones = ~0ULL >> pt->hi_shift;
		break;
	default:
		pt->hi_shift = g->va_bits;
		pt->hi_ones = 0;
		break;
	}
	for (unsigned l = 0; l < g->levels; l++) {
		g->arch->masks(g, l, &pt->mk[l]);
		pt->shift[l] = (uint8_t)pt_level_shift(g, l);
		pt->imask[l] = (1ULL << g->bits[l]) - 1;
		pt->contig[l] = g->contig[l];
		pt->tbytes[l] = (uint64_t)g->entry_size << g->bits[l];
	}
	pt->walk_root = walk_root;
	if (g->arch->setup)
		g->arch->setup(pt);
	err = new_table(pt, pt->top, &pt->root);
	if (err) {
		if (pt->own_mem)
			pt_mem_destroy(mem);
		free(pt);
		return err;
	}
	*out = pt;
	return 0;
}

/* Tables below an entry that cannot be read or decoded are left alone. */
static void destroy_level(struct pt *pt, unsigned l, uint64_t table)
{
	uint64_t n = pt->imask[l] + 1;

	for (uint64_t i = 0; l && i < n; i++) {
		struct pt_entry e;

		if (!rd_entry(pt, l, table + (i << pt->esz_shift), &e) &&
		    e.kind == PT_ENTRY_TABLE)
			destroy_level(pt, l - 1, e.pa);
	}
	free_table(pt, l, table);
}

void pt_destroy(struct pt *pt)
{
	if (!pt)
		return;
	if (pt->own_mem)
		pt_mem_destroy(pt->mem);
	else
		destroy_level(pt, pt->top, pt->root);
	free(pt);
}

const struct pt_geometry *pt_geometry_of(const struct pt *pt)
{
	return pt->g;
}

struct pt_mem *pt_mem_of(const struct pt *pt)
{
	return pt->mem;
}

uint64_t pt_root(const struct pt *pt)
{
	return pt->root;
}

void pt_get_stats(const struct pt *pt, struct pt_stats *st)
{
	*st = pt->st;
	st->table_bytes = 0;
	for (unsigned l = 0; l < PT_MAX_LEVELS; l++)
		st->table_bytes += st->bytes[l];
}

/* ---- the validator ---- */

struct chk {
	const struct pt *pt;
	struct reason *r;
	uint64_t tables[PT_MAX_LEVELS], leaves[PT_MAX_LEVELS];
};

/* A contiguous run starting at entry @i of @table at @l is whole. */
static int check_run(struct chk *c, unsigned l, uint64_t table, uint64_t i,
		     const struct pt_entry *first)
{
	const struct pt *pt = c->pt;
	uint64_t n = pt->contig[l], sz = 1ULL << pt->shift[l];

	for (uint64_t k = 1; k < n; k++) {
		struct pt_entry e;
		uint64_t a = table + ((i + k) << pt->esz_shift);

		if (rd_entry(pt, l, a, &e) || e.kind != PT_ENTRY_LEAF ||
		    !e.contig || e.pa != first->pa + k * sz ||
		    e.prot != first->prot)
			return reason_fail(c->r, -EUCLEAN, 0,
					   "level %u table %#llx: contiguous "
					   "run at entry %llu broken at entry "
					   "%llu", l, (unsigned long long)table,
					   (unsigned long long)i,
					   (unsigned long long)(i + k));
	}
	return 0;
}

static int check_table(struct chk *c, unsigned l, uint64_t table)
{
	const struct pt *pt = c->pt;
	uint64_t n = pt->imask[l] + 1, used = 0;

	c->tables[l]++;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = table + (i << pt->esz_shift);
		struct pt_entry e;
		int err = rd_entry(pt, l, a, &e);

		if (err)
			return reason_fail(c->r, -EUCLEAN, 0,
					   "level %u table %#llx entry %llu: %s",
					   l, (unsigned long long)table,
					   (unsigned long long)i,
					   err == -EFAULT ? "outside memory" :
					   "reserved bits set");
		if (e.kind == PT_ENTRY_NONE)
			continue;
		used++;
		if (e.kind == PT_ENTRY_LEAF) {
			c->leaves[l]++;
			if (e.contig && !(i & (pt->contig[l] - 1))) {
				err = check_run(c, l, table, i, &e);
				if (err)
					return err;
			}
			continue;
		}
		if (e.pa < PT_MEM_BASE ||
		    e.pa - PT_MEM_BASE >= pt->cmem->top << pt->cmem->shift)
			return reason_fail(c->r, -EUCLEAN, 0,
					   "level %u table %#llx entry %llu: "
					   "next table %#llx outside memory",
					   l, (unsigned long long)table,
					   (unsigned long long)i,
					   (unsigned long long)e.pa);
		err = check_table(c, l - 1, e.pa);
		if (err)
			return err;
	}
	if (used != pt->cmem->count[pt_mem_frame_index(pt->cmem, table)])
		return reason_fail(c->r, -EUCLEAN, 0,
				   "level %u table %#llx: %llu entries in use, "
				   "%llu counted", l,
				   (unsigned long long)table,
				   (unsigned long long)used,
				   (unsigned long long)pt->cmem->count[
					   pt_mem_frame_index(pt->cmem,
							      table)]);
	return 0;
}

int pt_check(const struct pt *pt, struct reason *r)
{
	struct chk c = { .pt = pt, .r = r };
	int err = check_table(&c, pt->top, pt->root);

	if (err)
		return err;
	for (unsigned l = 0; l <= pt->top; l++) {
		if (c.tables[l] != pt->st.tables[l])
			return reason_fail(r, -EUCLEAN, 0,
					   "level %u: %llu tables reachable, "
					   "%llu counted", l,
					   (unsigned long long)c.tables[l],
					   (unsigned long long)pt->st.tables[l]);
		if (c.leaves[l] != pt->st.leaves[l])
			return reason_fail(r, -EUCLEAN, 0,
					   "level %u: %llu leaves reachable, "
					   "%llu counted", l,
					   (unsigned long long)c.leaves[l],
					   (unsigned long long)pt->st.leaves[l]);
	}
	return 0;
}

/* ---- checks before changes ---- */

enum { CHK_EMPTY, CHK_WHOLE, CHK_MAPPED };

/*
 * CHK_EMPTY (map): -EEXIST at any leaf.  CHK_WHOLE (unmap): -EINVAL at a
 * leaf the range covers in part.  CHK_MAPPED (protect): as CHK_WHOLE, and
 * -ENOENT at a hole.
 */
static int check_level(const struct pt *pt, unsigned l, uint64_t table,
		       uint64_t va, uint64_t last, int mode)
{
	uint64_t sz = 1ULL << pt->shift[l];

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		struct pt_entry e;
		int err;

		err = rd_entry(pt, l, entry_addr(pt, table, l, va), &e);
		if (err)
			return err;
		if (e.kind == PT_ENTRY_NONE) {
			if (mode == CHK_MAPPED)
				return -ENOENT;
		} else if (e.kind == PT_ENTRY_LEAF) {
			if (mode == CHK_EMPTY)
				return -EEXIST;
			if (va & (sz - 1) || clast - va != sz - 1)
				return -EINVAL;
		} else {
			err = check_level(pt, l - 1, e.pa, va, clast, mode);
			if (err)
				return err;
		}
		if (clast == last)
			return 0;
		va = clast + 1;
	}
}

/* ---- map ---- */

static int unmap_level(struct pt *pt, unsigned l, uint64_t table,
		       uint64_t va, uint64_t last, unsigned keep);

/*
 * A leaf of level @l goes where the entry at @a (of @table, for @va) may
 * point to a table: check_level() found no leaf below it, so that table
 * and any below it are empty.  Free them and clear the entry, as the
 * kernel's pmd_free_pte_page() / pud_free_pmd_page() do before
 * installing a huge leaf; otherwise the tables' frames would be lost.
 * Errors: only those of the simulated memory.
 */
static int drop_empty_table(struct pt *pt, unsigned l, uint64_t table,
			    uint64_t a, uint64_t va)
{
	uint64_t sz = 1ULL << pt->shift[l];
	struct pt_entry e;
	int err = rd_entry(pt, l, a, &e);

	if (err || e.kind != PT_ENTRY_TABLE)
		return err;
	err = unmap_level(pt, l - 1, e.pa, va & ~(sz - 1),
			  (va & ~(sz - 1)) + (sz - 1), PT_MAX_LEVELS);
	if (!err)
		err = wr(pt, a, 0);
	if (err)
		return err;
	free_table(pt, l - 1, e.pa);
	(*cnt(pt, table))--;
	return 0;
}

static int map_level(struct pt *pt, unsigned l, uint64_t table, uint64_t va,
		     uint64_t last, uint64_t pa, uint32_t prot, unsigned flags)
{
	uint64_t sz = 1ULL << pt->shift[l];
	bool leaf_ok = pt->g->leaf_levels & (1u << l);

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		uint64_t a = entry_addr(pt, table, l, va), raw;
		bool whole = !(va & (sz - 1)) && clast - va == sz - 1;
		struct pt_entry e = { .level = (uint8_t)l };
		int err;

		if (l == 0 || (whole && flags & PT_MAP_HUGE && leaf_ok &&
			       !(pa & (sz - 1)))) {
			uint64_t run = 1, rs = sz * pt->contig[l];

			if (flags & PT_MAP_CONT && pt->contig[l] &&
			    !(va & (rs - 1)) && !(pa & (rs - 1)) &&
			    last - va >= rs - 1)
				run = pt->contig[l];
			e.kind = PT_ENTRY_LEAF;
			e.prot = prot;
			e.contig = run > 1;
			for (uint64_t i = 0; i < run; i++) {
				err = l ? drop_empty_table(pt, l, table,
						a + (i << pt->esz_shift),
						va + i * sz) : 0;
				if (err)
					return err;
				e.pa = pa + i * sz;
				err = pt_entry_encode(pt->g, &e, &raw);
				if (!err)
					err = wr(pt, a + (i << pt->esz_shift),
						 raw);
				if (err)
					return err;
			}
			*cnt(pt, table) += (uint32_t)run;
			pt->st.leaves[l] += run;
			clast = va + (run * sz - 1);
		} else {
			err = rd_entry(pt, l, a, &e);
			if (err)
				return err;
			if (e.kind == PT_ENTRY_NONE) {
				err = new_table(pt, l - 1, &e.pa);
				if (err)
					return err;
				e.kind = PT_ENTRY_TABLE;
				e.prot = TABLE_PROT;
				err = pt_entry_encode(pt->g, &e, &raw);
				if (!err)
					err = wr(pt, a, raw);
				if (err) {
					free_table(pt, l - 1, e.pa);
					return err;
				}
				(*cnt(pt, table))++;
			}
			err = map_level(pt, l - 1, e.pa, va, clast, pa, prot,
					flags);
			if (err)
				return err;
		}
		if (clast == last)
			return 0;
		pa += clast - va + 1;
		va = clast + 1;
	}
}


int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint32_t prot, unsigned flags)
{
	const struct pt_geometry *g = pt->g;
	struct pt_entry probe = { .kind = PT_ENTRY_LEAF };
	uint64_t last, raw;
	int err = range_ok(pt, va, size, &last);

	if (err)
		return err;
	if (flags & ~(PT_MAP_HUGE | PT_MAP_CONT) ||
	    pa & ((1ULL << g->page_shift) - 1) || pa >> g->pa_bits ||
	    size > (1ULL << g->pa_bits) - pa)
		return -EINVAL;
	prot = pt_prot_fit(g, prot);
	probe.prot = prot;
	err = pt_entry_encode(g, &probe, &raw);
	if (err)
		return err;
	err = check_level(pt, pt->top, pt->root, va, last, CHK_EMPTY);
	if (err)
		return err;
	err = map_level(pt, pt->top, pt->root, va, last, pa, prot, flags);
	/*
	 * The range was empty: clearing it restores the table.  The undo
	 * reads only what map_level() just wrote, so it cannot fail where
	 * the map did not; the map's own error is the one reported.
	 */
	if (err)
		(void)unmap_level(pt, pt->top, pt->root, va, last,
				  PT_MAX_LEVELS);
	return err;
}

/*
 * The tables down to @level on the way to @va, created where missing, as
 * a kernel preallocates page-table pages at boot.  A failure leaves the
 * tables created before it in place (reachable and valid, each holding
 * only the next one).
 */
int pt_populate(struct pt *pt, uint64_t va, unsigned level, uint64_t *table)
{
	uint64_t t = pt->root, raw, last;
	unsigned l;

	if (level > pt->top || range_ok(pt, va & ~pt->page_mask,
					1ULL << pt->g->page_shift, &last))
		return -EINVAL;
	for (l = pt->top; l > level; l--) {
		uint64_t a = entry_addr(pt, t, l, va);
		struct pt_entry e;
		int err = rd_entry(pt, l, a, &e);

		if (err)
			return err;
		if (e.kind == PT_ENTRY_LEAF)
			return -EEXIST;
		if (e.kind == PT_ENTRY_NONE) {
			err = new_table(pt, l - 1, &e.pa);
			if (err)
				return err;
			e = (struct pt_entry){ .pa = e.pa, .level = (uint8_t)l,
					       .kind = PT_ENTRY_TABLE,
					       .prot = TABLE_PROT };
			err = pt_entry_encode(pt->g, &e, &raw);
			if (!err)
				err = wr(pt, a, raw);
			if (err) {
				free_table(pt, l - 1, e.pa);
				return err;
			}
			(*cnt(pt, t))++;
		}
		t = e.pa;
	}
	if (table)
		*table = t;
	return 0;
}

/* ---- unmap and protect ---- */

/*
 * Clear the contiguous hint on the run holding @va's entry at @l.  Entries
 * of the run that are no contiguous leaf (reserved bits included) are left
 * as they are; a memory error is returned.
 */
static int uncontig(struct pt *pt, unsigned l, uint64_t table, uint64_t va)
{
	uint64_t n = pt->contig[l];
	uint64_t first = ((va >> pt->shift[l]) & pt->imask[l]) & ~(n - 1);

	for (uint64_t i = first; i < first + n; i++) {
		uint64_t a = table + (i << pt->esz_shift), raw;
		struct pt_entry e;
		int err = rd(pt, a, &raw);

		if (err)
			return err;
		if (pt_entry_decode(pt->g, l, raw, &e) ||
		    e.kind != PT_ENTRY_LEAF || !e.contig)
			continue;
		e.contig = false;
		err = pt_entry_encode(pt->g, &e, &raw);
		if (!err)
			err = wr(pt, a, raw);
		if (err)
			return err;
	}
	return 0;
}

/* Does the contiguous run holding @va at @l stick out of [first, last]? */
static bool run_cut(const struct pt *pt, unsigned l, uint64_t va,
		    uint64_t first, uint64_t last)
{
	uint64_t rs = (1ULL << pt->shift[l]) * pt->contig[l];
	uint64_t rfirst = va & ~(rs - 1);

	return rfirst < first || rfirst + (rs - 1) > last;
}

/*
 * Errors: only those of the simulated memory (check_level() ran first).
 * A table below @table left empty is freed when its level is below @keep.
 */
static int unmap_level(struct pt *pt, unsigned l, uint64_t table,
		       uint64_t va, uint64_t last, unsigned keep)
{
	uint64_t sz = 1ULL << pt->shift[l], first = va;

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		uint64_t a = entry_addr(pt, table, l, va);
		struct pt_entry e;
		int err = rd_entry(pt, l, a, &e);

		if (err == -EINVAL)  /* reserved: the caller's check passed */
			err = 0;
		if (!err && e.kind == PT_ENTRY_LEAF) {
			if (e.contig && run_cut(pt, l, va, first, last))
				err = uncontig(pt, l, table, va);
			if (!err)
				err = wr(pt, a, 0);
			if (!err) {
				(*cnt(pt, table))--;
				pt->st.leaves[l]--;
			}
		} else if (!err && e.kind == PT_ENTRY_TABLE) {
			err = unmap_level(pt, l - 1, e.pa, va, clast, keep);
			if (!err && l - 1 < keep && *cnt(pt, e.pa) == 0) {
				err = wr(pt, a, 0);
				if (!err) {
					free_table(pt, l - 1, e.pa);
					(*cnt(pt, table))--;
				}
			}
		}
		if (err)
			return err;
		if (clast == last)
			return 0;
		va = clast + 1;
	}
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	return pt_unmap_keep(pt, va, size, PT_MAX_LEVELS);
}

int pt_unmap_keep(struct pt *pt, uint64_t va, uint64_t size, unsigned keep)
{
	uint64_t last;
	int err = range_ok(pt, va, size, &last);

	if (err)
		return err;
	err = check_level(pt, pt->top, pt->root, va, last, CHK_WHOLE);
	if (err)
		return err;
	return unmap_level(pt, pt->top, pt->root, va, last, keep);
}

#define PROT_RIGHTS (PT_PROT_RWX | PT_PROT_USER | PT_PROT_GLOBAL)
#define PROT_STATE (PT_PROT_ACCESSED | PT_PROT_DIRTY)

/* Errors: only those of the simulated memory (check_level() ran first). */
static int protect_level(struct pt *pt, unsigned l, uint64_t table,
			 uint64_t va, uint64_t last, uint32_t prot)
{
	uint64_t sz = 1ULL << pt->shift[l], first = va;

	for (;;) {
		uint64_t clast = (va | (sz - 1)) < last ? va | (sz - 1) : last;
		uint64_t a = entry_addr(pt, table, l, va), raw;
		struct pt_entry e;
		int err = rd_entry(pt, l, a, &e);

		if (!err && e.kind == PT_ENTRY_LEAF) {
			if (e.contig && run_cut(pt, l, va, first, last)) {
				err = uncontig(pt, l, table, va);
				if (!err)
					err = rd_entry(pt, l, a, &e);
			}
			e.prot = pt_prot_fit(pt->g, (prot & PROT_RIGHTS) |
					     (e.prot & PROT_STATE));
			/* The rights were probed by pt_protect(). */
			if (!err && !pt_entry_encode(pt->g, &e, &raw))
				err = wr(pt, a, raw);
		} else if (!err && e.kind == PT_ENTRY_TABLE) {
			err = protect_level(pt, l - 1, e.pa, va, clast, prot);
		}
		if (err)
			return err;
		if (clast == last)
			return 0;
		va = clast + 1;
	}
}

int pt_protect(struct pt *pt, uint64_t va, uint64_t size, uint32_t prot)
{
	struct pt_entry probe = { .kind = PT_ENTRY_LEAF };
	uint64_t last, raw;
	int err = range_ok(pt, va, size, &last);

	if (err)
		return err;
	/* The rights alone must be expressible; state bits only narrow. */
	probe.prot = pt_prot_fit(pt->g, prot & PROT_RIGHTS);
	err = pt_entry_encode(pt->g, &probe, &raw);
	if (err)
		return err;
	err = check_level(pt, pt->top, pt->root, va, last, CHK_MAPPED);
	if (err)
		return err;
	return protect_level(pt, pt->top, pt->root, va, last, prot);
}

/* ---- the walk: the architecture's (pt_walk_generic() or its fast walk) ---- */

uint64_t pt_walk_from(const struct pt *pt, uint64_t va, unsigned level,
		      uint64_t table_pa, struct pt_walk *w)
{
	w->start = (uint8_t)level;
	if (level > pt->top || !pt_va_ok(pt, va))
		return pt_walk_fault(w, PT_FAULT_RANGE, level, 0, 0);
	/*
	 * Tables lie in whole frames; an aligned address keeps the entry
	 * offset from wrapping back into memory from below PT_MEM_BASE.
	 */
	if (table_pa >> 62 || table_pa & pt->page_mask)
		return pt_walk_fault(w, PT_FAULT_BAD_PA, level, 0, 0);
	return pt->arch->walk_from(pt, va, level, table_pa, w);
}

static uint64_t walk_root(const struct pt *pt, uint64_t va, struct pt_walk *w)
{
	return pt_walk_from(pt, va, pt->top, pt->root, w);
}

uint64_t pt_walk(const struct pt *pt, uint64_t va, struct pt_walk *w)
{
	return pt->walk_root(pt, va, w);
}
