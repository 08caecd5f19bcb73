/* SPDX-License-Identifier: MIT */
/*
 * The MMU: TLB in front of the page-table walker (semantics in mmu.h).
 *
 * Conventions in this file: @m is the MMU, @w a walk, @need the rights an
 * access requires (PT_PROT_* bits), "shift" a VA shift, @t the TLB (NULL
 * without one).  Internal translate functions return 0 or a negative errno
 * and give the fault (enum mmu_fault) through *fault: two values, never
 * one packed int.  The common hit (one page, the port's front, enough
 * rights) is mmu_translate() in mmu.h, inline: no call at all.  Everything else
 * enters mmu_translate_slow() (or mmu_translate_missed() after the
 * inline probe missed); there a hit is translate_page() up to
 * tlb_lookup(), and everything after a miss lives in translate_miss(),
 * kept out of line so the hit paths stay small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/mmu.h>

_Static_assert(!((PT_PROT_RWX | PT_PROT_USER) >> TLB_PORT_PERM_BITS),
	       "the rights an access needs fit a port key's rights field");

struct mmu {
	/* Read on every access. */
	struct mmu_fast fast;     /* first: see mmu_fast() */
	uint8_t base_shift;
	bool psc;                 /* the TLB has PSC levels */
	struct mmu_counters c;    /* all but the port's inline hits */
	struct tlb *t;
	uint16_t asid;

	/* Read on a miss. */
	struct pt *pt;
	const struct pt_geometry *g;
	struct mmu_config cfg;
	int8_t level_of_shift[64];  /* PSC shift -> level to resume at */
	uint8_t fill_shift[64];     /* leaf shift -> TLB page shift or 0 */
	uint8_t level_shift[PT_MAX_LEVELS];
	uint64_t demand_size;
	uint64_t next_frame;        /* next free data frame (unaligned) */
	uint64_t pa_limit;          /* 2^pa_bits */
};

int mmu_create(struct mmu **out, struct pt *pt, struct tlb *tlb,
	       const struct mmu_config *cfg)
{
	const struct pt_geometry *g = pt_geometry_of(pt);
	struct mmu *m;
	bool leaf_ok = false;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (cfg)
		m->cfg = *cfg;
	m->pt = pt;
	m->t = tlb;
	m->asid = m->cfg.asid;
	m->g = g;
	m->base_shift = g->page_shift;
	m->pa_limit = 1ULL << g->pa_bits;
	m->demand_size = m->cfg.demand_page_size ?
			 m->cfg.demand_page_size : 1ULL << g->page_shift;
	if (!m->cfg.demand_prot)
		m->cfg.demand_prot = PT_PROT_RWX | PT_PROT_USER;
	if (!m->cfg.data_base)
		m->cfg.data_base = 1ULL << (g->pa_bits - 1);
	m->next_frame = m->cfg.data_base;

	for (unsigned l = 0; l < g->levels; l++) {
		m->level_shift[l] = (uint8_t)pt_level_shift(g, l);
		if (g->leaf_levels & 1u << l &&
		    pt_level_size(g, l) == m->demand_size)
			leaf_ok = true;
	}
	if (!leaf_ok || m->cfg.data_base & (m->demand_size - 1) ||
	    m->cfg.data_base >= m->pa_limit) {
		free(m);
		return -EINVAL;
	}
	/* The inline hit's one-page test holds for fronted pages no larger
	 * than the base page (mmu.h): other TLBs are served by lookups. */
	if (tlb_port_init_limit(&m->fast.port, tlb, m->asid, g->page_shift)) {
		free(m);
		return -ENOMEM;
	}

	/*
	 * A PSC entry of shift S holds the table that translates the bits
	 * just below S: the level L whose index ends at S.  The root is never
	 * cached (the walk starts there anyway).
	 */
	memset(m->level_of_shift, -1, sizeof(m->level_of_shift));
	for (unsigned l = 0; l + 1 < g->levels; l++)
		m->level_of_shift[pt_level_shift(g, l + 1)] = (int8_t)l;

	if (tlb) {
		const struct tlb_config *tc = tlb_config_of(tlb);

		m->psc = tc->npsc > 0;
		for (unsigned s = 0; s < 64; s++)
			for (unsigned i = 0; i < tc->npage_sizes; i++)
				if (tc->page_shift[i] <= s)
					m->fill_shift[s] =
						(uint8_t)tc->page_shift[i];
	}
	m->fast.need[MMU_READ] = PT_PROT_READ;
	m->fast.need[MMU_WRITE] = PT_PROT_WRITE;
	m->fast.need[MMU_EXEC] = PT_PROT_EXEC;
	for (unsigned a = 0; a < MMU_NACCESS; a++) {
		if (m->cfg.user)
			m->fast.need[a] |= PT_PROT_USER;
		m->fast.key_mask[a] = tlb_port_key_mask(&m->fast.port,
							m->fast.need[a]);
	}
	*out = m;
	return 0;
}

void mmu_destroy(struct mmu *m)
{
	if (!m)
		return;
	tlb_port_release(&m->fast.port);
	free(m);
}

struct pt *mmu_pt(const struct mmu *m)
{
	return m->pt;
}

struct tlb *mmu_tlb(const struct mmu *m)
{
	return m->t;
}

/* One walk, from the deepest table the PSC holds; fills the PSC. */
static int walk(struct mmu *m, uint64_t va, struct pt_walk *w)
{
	unsigned shift = 0;
	uint64_t table = 0;

	m->c.walks++;
	if (m->psc)
		shift = tlb_psc_lookup(m->t, va, m->asid, &table);
	if (shift && m->level_of_shift[shift] >= 0)
		pt_walk_from(m->pt, va, (unsigned)m->level_of_shift[shift],
			     table, w);
	else
		pt_walk(m->pt, va, w);
	m->c.walk_start[w->start]++;
	m->c.walk_reads += w->reads;
	if (w->fault == PT_FAULT_NONE)
		m->c.walks_ok++;
	/*
	 * Every entry read above the last one pointed to a valid table,
	 * unless the walk never got going (range) or a table address was bad.
	 */
	if (m->psc && w->fault != PT_FAULT_RANGE &&
	    w->fault != PT_FAULT_BAD_PA)
		for (unsigned l = w->start; l > w->level; l--)
			tlb_psc_fill(m->t, va, m->asid, m->level_shift[l],
				     w->table[l - 1]);
	return w->fault;
}

/* Map the demand page holding @va to the next free data frame. */
static int demand_map(struct mmu *m, uint64_t va)
{
	uint64_t base = 1ULL << m->base_shift;
	uint64_t sz = m->demand_size, pa;
	int err;

	for (;;) {
		pa = (m->next_frame + (sz - 1)) & ~(sz - 1);
		if (pa < m->next_frame || pa >= m->pa_limit ||
		    m->pa_limit - pa < sz)
			return -ENOMEM;
		err = pt_map(m->pt, va & ~(sz - 1), pa, sz,
			     m->cfg.demand_prot, sz > base ? PT_MAP_HUGE : 0);
		/* Part of a large demand page is mapped: take a base page. */
		if (err == -EEXIST && sz > base) {
			sz = base;
			continue;
		}
		if (err)
			return err;
		m->next_frame = pa + sz;
		m->c.demand_maps++;
		return 0;
	}
}

/*
 * A TLB miss of @va: walk (and, with demand paging, map and walk again),
 * fill the TLB.  0 with the fault in *fault (MMU_FAULT_NONE when the rights
 * suffice), or a negative errno from demand paging (*fault NOT_PRESENT).
 */
static __attribute__((noinline)) int
translate_miss(struct mmu *m, uint64_t va, uint32_t need, uint64_t *pa,
	       uint32_t *prot, int *fault)
{
	struct pt_walk w;
	int f = walk(m, va, &w);

	if (f == PT_FAULT_NOT_PRESENT && m->cfg.demand) {
		int err = demand_map(m, va);

		if (err) {
			*pa = PT_PA_NONE;
			*prot = w.prot;
			*fault = MMU_FAULT_NOT_PRESENT;
			return err;
		}
		f = walk(m, va, &w);
	}
	*prot = w.prot;
	if (f) {
		*pa = PT_PA_NONE;
		*fault = f;
		return 0;
	}
	if (m->t) {
		unsigned s = m->fill_shift[__builtin_ctzll(w.size)];

		if (s)
			tlb_port_fill(&m->fast.port, va, s, w.pa, w.prot,
				      w.prot & PT_PROT_GLOBAL);
		else
			m->c.uncached++;
	}
	*pa = w.pa;
	*fault = (w.prot & need) == need ? MMU_FAULT_NONE : MMU_FAULT_PERM;
	return 0;
}

/* One page: the TLB through the port, else a walk.  As translate_miss(). */
static inline int translate_page(struct mmu *m, uint64_t va, uint32_t need,
				 uint64_t *pa, uint32_t *prot, uint8_t *src,
				 int *fault)
{
	if (m->t) {
		struct tlb_xlate x;
		int hit = tlb_port_lookup(&m->fast.port, va, &x);

		if (hit) {
			m->c.tlb_hits++;
			*src = (uint8_t)hit;
			*pa = x.phys | (va & ((1ULL << x.page_shift) - 1));
			*prot = x.perm;
			*fault = (x.perm & need) == need ? MMU_FAULT_NONE :
							   MMU_FAULT_PERM;
			return 0;
		}
	}
	*src = 0;
	return translate_miss(m, va, need, pa, prot, fault);
}

/* @r: an access of one page at @va that translated to @pa. */
static inline void result_one_page(struct mmu_result *r, uint64_t va,
				   uint64_t pa, uint32_t prot, uint8_t src)
{
	r->pa = pa;
	r->pa2 = PT_PA_NONE;
	r->fault_va = va;
	r->prot = prot;
	r->fault = MMU_FAULT_NONE;
	r->pages = 1;
	r->source = src;
}

/*
 * After the first page of an access translated (@err, @f, @pa, @prot,
 * @src): the further pages of a straddling access, the result and the
 * fault counters.  Out of line: the common TLB hit never comes here.
 */
static __attribute__((noinline)) int
translate_rest(struct mmu *m, uint64_t va, uint64_t last, uint32_t need,
	       struct mmu_result *r, int err, int f, uint64_t pa,
	       uint32_t prot, uint8_t src)
{
	uint64_t page;

	result_one_page(r, va, pa, prot, src);
	/* Every further base page the access touches: rarely any. */
	page = va >> m->base_shift;
	while (__builtin_expect(!err && f == MMU_FAULT_NONE &&
				page != last >> m->base_shift, 0)) {
		uint64_t va2 = ++page << m->base_shift;

		if (r->pages == 1)
			m->c.straddles++;
		m->c.translations++;
		r->pages++;
		err = translate_page(m, va2, need, &r->pa2, &prot, &src, &f);
		r->prot = prot;
		r->fault_va = va2;
	}
	if (__builtin_expect(!err && f == MMU_FAULT_NONE, 1))
		return 0;
	r->pa = r->pa2 = PT_PA_NONE;
	r->fault = (uint8_t)f;
	m->c.faults[f]++;
	return err ? err : -EFAULT;
}

static int translate(struct mmu *m, uint64_t va, uint64_t size,
		     enum mmu_access access, struct mmu_result *r)
{
	uint64_t last, pa;
	uint32_t need, prot;
	uint8_t src;
	int f, err;

	if (!size || size - 1 > UINT64_MAX - va ||
	    (unsigned)access >= MMU_NACCESS)
		return -EINVAL;
	need = m->fast.need[access];
	last = va + (size - 1);
	m->c.accesses++;
	m->c.translations++;
	/* The common case, kept short: one page, a TLB hit, enough rights. */
	if (m->t && !((va ^ last) >> m->base_shift)) {
		struct tlb_xlate x;
		int hit = tlb_port_lookup(&m->fast.port, va, &x);

		if (!hit) {
			err = translate_miss(m, va, need, &pa, &prot, &f);
			/* translate_rest() of one page that translated, as
			 * its stores: the common miss needs no second call. */
			if (__builtin_expect(!err && f == MMU_FAULT_NONE, 1)) {
				result_one_page(r, va, pa, prot, 0);
				return 0;
			}
			return translate_rest(m, va, last, need, r, err, f, pa,
					      prot, 0);
		}
		m->c.tlb_hits++;
		pa = x.phys | (va & ((1ULL << x.page_shift) - 1));
		if ((x.perm & need) != need)
			return translate_rest(m, va, last, need, r, 0,
					      MMU_FAULT_PERM, pa, x.perm,
					      (uint8_t)hit);
		result_one_page(r, va, pa, x.perm, (uint8_t)hit);
		return 0;
	}
	err = translate_page(m, va, need, &pa, &prot, &src, &f);
	return translate_rest(m, va, last, need, r, err, f, pa, prot, src);
}

int mmu_translate_slow(struct mmu *m, uint64_t va, uint64_t size,
		       enum mmu_access access, struct mmu_result *r)
{
	return translate(m, va, size, access, r);
}

int mmu_translate_missed(struct mmu *m, uint64_t va, uint64_t size,
			 enum mmu_access access, struct mmu_result *r)
{
	return translate(m, va, size, access, r);
}

int mmu_map(struct mmu *m, uint64_t va, uint64_t pa, uint64_t size,
	    uint32_t prot, unsigned flags)
{
	return pt_map(m->pt, va, pa, size, prot, flags);
}

/* Flush [va, va + size) for the MMU's ASID; the range may end at 2^64. */
static void flush(struct mmu *m, uint64_t va, uint64_t size)
{
	if (!m->t)
		return;
	if (va + size < va || va + size == 0)
		tlb_flush_all(m->t);
	else
		tlb_flush_range(m->t, va, va + size, m->asid);
}

int mmu_unmap(struct mmu *m, uint64_t va, uint64_t size)
{
	int err = pt_unmap(m->pt, va, size);

	if (!err)
		flush(m, va, size);
	return err;
}

int mmu_protect(struct mmu *m, uint64_t va, uint64_t size, uint32_t prot)
{
	int err = pt_protect(m->pt, va, size, prot);

	if (!err)
		flush(m, va, size);
	return err;
}

void mmu_flush_all(struct mmu *m)
{
	if (m->t)
		tlb_flush_all(m->t);
}

void mmu_get_counters(const struct mmu *m, struct mmu_counters *c)
{
	/* Every inline hit was one access, one translation, a TLB hit. */
	uint64_t hits = tlb_port_hits(&m->fast.port);

	*c = m->c;
	c->accesses += hits;
	c->translations += hits;
	c->tlb_hits += hits;
	if (m->t)
		tlb_get_counters(m->t, &c->tlb);
	else
		memset(&c->tlb, 0, sizeof(c->tlb));
}

void mmu_counters_reset(struct mmu *m)
{
	memset(&m->c, 0, sizeof(m->c));
	tlb_port_reset(&m->fast.port);
	if (m->t)
		tlb_counters_reset(m->t);
}
