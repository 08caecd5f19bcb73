/* SPDX-License-Identifier: MIT */
/*
 * The TLB hierarchy and paging-structure caches (semantics in tlb.h).
 *
 * Conventions in this file: "st" is one set-associative structure; "set" is
 * a set index, "w" a way, "i" = set * ways + w an entry index.  Tags, ages
 * and payloads live in three flat arrays so that a lookup reads only the
 * set's tags (one cache line for up to 8 ways) until a tag matches.
 *
 * A tag is the page's base address (va with the bits below the page shift
 * cleared) | (size_idx << 1) | 1:
 *
 *	 63          shift  ...  4 3     1  0
 *	+----------------+--------+-------+---+
 *	|   page number  |   0    | size  | V |
 *	+----------------+--------+-------+---+
 *
 * Tag 0 is an invalid entry.  The shift is >= 10, so the low bits are free
 * and nothing overflows; two tags are equal exactly when page number and
 * size are (the size fixes the shift).  Building one needs no shift, which
 * the inline hit path (tlb.h) counts on.  PSC structures use the same
 * layout with the VA prefix (va >> shift) as the page number and size 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tlb_internal.h"

_Static_assert(TLB_MAX_PAGE_SIZES <= 8, "the size index has 3 tag bits");

/*
 * Slots of a port's front: four times the fronted structure's entries,
 * at least 256 (8 KiB), at most 8192.  The front is direct-mapped: with
 * fewer slots, pages of a fully associative L1 collide in it and its
 * hits go to lookups (l1d:16x16:lru, the first 10^6 references of a
 * trace of sort: 2.2% of them with 32 slots, 0.07% with 256).
 */
#ifndef TLB_FRONT_MIN
#define TLB_FRONT_MIN 256
#endif
#ifndef TLB_FRONT_MAX
#define TLB_FRONT_MAX 8192
#endif

/* One probe of a lookup: a structure at one of its page sizes. */
struct tlb_probe {
	struct tlb_st *st;
	uint8_t shift;
	uint8_t size_idx;
};

struct tlb_level {
	unsigned nst;
	struct tlb_st st[TLB_MAX_STRUCTS];
	/* Structure holding each size index, or -1. */
	int8_t by_size[TLB_MAX_PAGE_SIZES];
	/* The probes in lookup order: structure by structure, each's sizes
	 * smallest first (probe[0]: the first structure's smallest). */
	unsigned nprobe;
	struct tlb_probe probe[TLB_MAX_STRUCTS * TLB_MAX_PAGE_SIZES];
};

struct tlb {
	struct tlb_config cfg;
	struct tlb_level l1, l2;
	unsigned npsc;
	struct tlb_st psc[TLB_MAX_PSC];
	struct tlb_counters c;
	uint64_t clock;           /* the stamps of every structure but the
				   * fronted one */
	uint64_t front_clock;     /* the fronted structure's (its holder's
				   * clock0 + hits while one holds) */
	uint64_t port_hits;       /* inline hits of every port, counted:
				   * L1 hits of the fronted structure's
				   * first size */
	struct tlb_port *holder;  /* the port holding front_clock, or NULL */
	uint64_t front_changes;   /* changes of the fronted structure's
				   * entries (front_forget()) */
};

static inline uint64_t make_tag(uint64_t va, unsigned shift,
				unsigned size_idx)
{
	return (va & ~((1ULL << shift) - 1)) | (uint64_t)size_idx << 1 | 1;
}

/* ---- one structure ---- */

static int st_init(struct tlb_st *st, uint32_t entries, uint32_t ways,
		   enum tlb_policy policy, uint64_t seed, uint64_t *clock)
{
	uint64_t sets = entries / ways;

	memset(st, 0, sizeof(*st));
	st->clock = clock;
	st->set_mask = sets - 1;
	st->ways = ways;
#if TLB_WIDE
	st->wide = ways % 4 == 0 && ways >= TLB_WIDE_MIN_WAYS && ways <= 64 &&
		   tlb_wide_ok();
#endif
	st->pol = tlb_policies[policy];
	rng_seed(&st->rng, seed);
	st->tag = calloc(entries, sizeof(*st->tag));
	st->stamp = calloc(entries, sizeof(*st->stamp));
	st->data = calloc(entries, sizeof(*st->data));
	if (st->pol->set_word)
		st->bits = calloc(sets, sizeof(*st->bits));
	if (!st->tag || !st->stamp || !st->data ||
	    (st->pol->set_word && !st->bits))
		return -ENOMEM;
	return 0;
}

static void st_free(struct tlb_st *st)
{
	free(st->tag);
	free(st->stamp);
	free(st->data);
	free(st->bits);
}

static inline void st_touch(struct tlb_st *st, uint64_t set, uint32_t w)
{
	if (st->pol->hit == TLB_HIT_STAMP)
		st->stamp[set * st->ways + w].age = tlb_st_tick(st);
	else if (st->pol->hit == TLB_HIT_CALL)
		st->pol->touch(st, set, w);
}

/*
 * The front of a port that does not hold (or has no TLB): one empty slot,
 * which no key mask accepts, so nothing else of the port is read or
 * written by an inline hit.
 */
static struct tlb_port_slot no_front = { .key = TLB_PORT_EMPTY };

/* The slot of @va in @p's front memory, held or not. */
static struct tlb_port_slot *port_slot(struct tlb_port *p, uint64_t va)
{
	return (struct tlb_port_slot *)(void *)((char *)p->slots +
		(va >> p->slot_shift & p->slots_mask));
}

/*
 * @p's slot of the page @tag (0: none) of the fronted structure @st
 * empty, if it copies that page.
 */
static inline __attribute__((always_inline)) void
front_slot_forget(const struct tlb_st *st, struct tlb_port *p, uint64_t tag)
{
	struct tlb_port_slot *s;

	if (!tag || (tag >> 1 & 7) != st->size_idx[0])
		return;
	s = port_slot(p, tag);
	if (!((s->key ^ tag) & p->page_mask))
		*s = no_front;
}

/*
 * An entry of the fronted structure @st that held the page @old now holds
 * @tag (either 0: none; @old also 0 when it is the same page) (tlb.h,
 * ports): the holder's slots of those pages, which may copy them (or an
 * entry of another ASID that it may now answer before), answer no more,
 * and the count of changes moves on by one (it is only compared for
 * equality), so a port that does not hold forgets its front when it
 * holds again (holder_after()).  Tags of the structure's other sizes are
 * never in a slot.  Other structures: nothing.
 */
static inline __attribute__((always_inline)) void
front_changed(struct tlb_st *st, uint64_t old, uint64_t tag)
{
	struct tlb *t = st->front;
	struct tlb_port *p;

	if (!t)
		return;
	t->front_changes++;
	p = t->holder;
	if (!p)
		return;
	front_slot_forget(st, p, old);
	front_slot_forget(st, p, tag);
}

/* front_changed() out of line, for the flush loops: inline it costs
 * them registers on every way, for a change that is rare. */
static __attribute__((noinline)) void front_forget(struct tlb_st *st,
						   uint64_t tag)
{
	front_changed(st, 0, tag);
}

/* Every slot of @p empty. */
static void front_clear(struct tlb_port *p)
{
	uint64_t n = (p->slots_mask >> TLB_PORT_SLOT_SHIFT) + 1;

	for (uint64_t i = 0; i < n; i++)
		p->slots[i] = no_front;
}

/* Every entry of the fronted structure @st changed. */
static void front_forget_all(struct tlb_st *st)
{
	struct tlb *t = st->front;

	if (!t)
		return;
	t->front_changes++;
	if (t->holder)
		front_clear(t->holder);
}

/*
 * The way of @set matching @tag for @asid, or -1.  Up to TLB_MASK_WAYS
 * ways, all tags are compared into a bit mask: a fixed trip count and no
 * branch on which way hits (that is random and would mispredict); common
 * associativities get a constant trip count.  Wider structures (fully
 * associative ones) scan with early exit, which halves the work on a hit.
 */
_Static_assert(TLB_MASK_WAYS <= 64, "the match mask is one uint64_t");

/* The first way of @m whose entry answers @asid, or -1. */
static inline int64_t first_asid_match(const struct tlb_st *st, uint64_t base,
				       uint64_t m, uint16_t asid)
{
	while (m) {
		uint32_t w = (uint32_t)__builtin_ctzll(m);
		const struct tlb_entry *d = &st->data[base + w];

		if (d->global || d->asid == asid)
			return w;
		m &= m - 1;
	}
	return -1;
}

static inline __attribute__((always_inline)) int64_t
st_find(const struct tlb_st *st, uint64_t set, uint64_t tag, uint16_t asid)
{
	uint64_t base = set * st->ways;
	const uint64_t *tags;

#if TLB_WIDE
	/* A wide structure's scan is one call, whatever its ways. */
	if (st->wide)
		return first_asid_match(st, base,
					tlb_wide_match(st->tag + base, tag,
						       st->ways), asid);
#endif
	/* Constant ways also make set * ways a shift or a cheap multiply. */
	switch (st->ways) {
	case 4:
		base = set * 4;
		return first_asid_match(st, base,
					tlb_match_ways(st->tag + base, tag, 4), asid);
	case 8:
		base = set * 8;
		return first_asid_match(st, base,
					tlb_match_ways(st->tag + base, tag, 8), asid);
	case 12:
		base = set * 12;
		return first_asid_match(st, base,
					tlb_match_ways(st->tag + base, tag, 12), asid);
	case 16:
		base = set * 16;
		return first_asid_match(st, base,
					tlb_match_ways(st->tag + base, tag, 16), asid);
	default:
		break;
	}
	tags = st->tag + base;
	if (st->ways <= TLB_MASK_WAYS)
		return first_asid_match(st, base,
					tlb_match_ways(tags, tag, st->ways), asid);
	for (uint32_t w = 0; w < st->ways; w++) {
		if (tags[w] == tag) {
			const struct tlb_entry *d = &st->data[base + w];

			if (d->global || d->asid == asid)
				return w;
		}
	}
	return -1;
}

/*
 * The lowest way of the smallest age in the set at @base (every way
 * valid).  The portable loop selects without a branch: which way is older
 * is data, and a branch on it would mispredict.
 */
static inline uint32_t st_oldest(const struct tlb_st *st, uint64_t base)
{
	const struct tlb_stamp *s = st->stamp + base;
	uint64_t min = s[0].age;
	uint32_t oldest = 0;

#if TLB_WIDE
	if (st->wide)
		return tlb_wide_oldest(s, st->ways);
#endif
	for (uint32_t w = 1; w < st->ways; w++) {
		uint64_t a = s[w].age;

		oldest = a < min ? w : oldest;
		min = a < min ? a : min;
	}
	return oldest;
}

/*
 * Bit w set when way w of the set at @base holds @tag, and in *@empty
 * when it is invalid; when neither has a way, *@oldest is st_oldest().
 * The wide scan, or the portable one (constant trip counts for the common
 * ways).  Up to TLB_MASK_WAYS ways, or a wide structure.
 */
static inline uint64_t st_place(const struct tlb_st *st, uint64_t base,
				uint64_t tag, uint64_t *empty,
				uint32_t *oldest)
{
	const uint64_t *tags = st->tag + base;
	uint64_t m;

#if TLB_WIDE
	if (st->wide)
		return tlb_wide_place(tags, st->stamp + base, tag, st->ways,
				      empty, oldest);
#endif
	switch (st->ways) {
	case 4:
		*empty = tlb_match_ways(tags, 0, 4);
		m = tlb_match_ways(tags, tag, 4);
		break;
	case 8:
		*empty = tlb_match_ways(tags, 0, 8);
		m = tlb_match_ways(tags, tag, 8);
		break;
	case 16:
		*empty = tlb_match_ways(tags, 0, 16);
		m = tlb_match_ways(tags, tag, 16);
		break;
	default:
		*empty = tlb_match_ways(tags, 0, st->ways);
		m = tlb_match_ways(tags, tag, st->ways);
		break;
	}
	if (!m && !*empty)
		*oldest = st_oldest(st, base);
	return m;
}

/*
 * The way to write @d under @tag into: the first that would answer the
 * same lookups if there is one, else the lowest invalid way, else -1 with
 * *@oldest the lowest way of the smallest age.  One pass over the set,
 * for structures too wide for a match mask.
 */
static int64_t st_place_scan(const struct tlb_st *st, uint64_t base,
			     uint64_t tag, const struct tlb_entry *d,
			     uint32_t *oldest)
{
	const uint64_t *tags = st->tag + base;
	const struct tlb_stamp *stamp = st->stamp + base;
	uint32_t w, inval = UINT32_MAX;
	uint64_t min = stamp[0].age;    /* stamp[*oldest].age */

	*oldest = 0;
	for (w = 0; w < st->ways; w++) {
		uint64_t t = tags[w];

		if (t == tag) {
			const struct tlb_entry *o = &st->data[base + w];

			if (o->asid == d->asid || o->global || d->global)
				return w;
		}
		if (!t) {
			if (inval == UINT32_MAX)
				inval = w;
		} else if (stamp[w].age < min) {
			min = stamp[w].age;
			*oldest = w;
		}
	}
	return inval != UINT32_MAX ? (int64_t)inval : -1;
}

/*
 * Write @d under @tag into @set: over an entry that would answer the same
 * lookups if there is one, else into the lowest invalid way, else into the
 * policy's victim.  True when a valid entry was displaced.
 */
static inline __attribute__((always_inline)) bool
st_insert(struct tlb_st *st, uint64_t set, uint64_t tag,
	  const struct tlb_entry *d, uint32_t *way)
{
	uint64_t base = set * st->ways;
	uint32_t oldest = UINT32_MAX;
	int64_t w = -1;
	bool evicted = false;

	if (st->wide || st->ways <= TLB_MASK_WAYS) {
		/* The matches, the invalid ways, the oldest if no way of
		 * either. */
		uint64_t empty, m = st_place(st, base, tag, &empty, &oldest);

		while (m) {
			uint32_t k = (uint32_t)__builtin_ctzll(m);
			const struct tlb_entry *o = &st->data[base + k];

			if (o->asid == d->asid || o->global || d->global) {
				w = k;
				break;
			}
			m &= m - 1;
		}
		/* A match that does not answer @d's lookups: the oldest
		 * was not computed. */
		if (w < 0 && empty)
			w = __builtin_ctzll(empty);
		else if (w < 0 && oldest == UINT32_MAX)
			oldest = st_oldest(st, base);
	} else {
		w = st_place_scan(st, base, tag, d, &oldest);
	}
	if (w < 0) {
		/* LRU's and FIFO's victim without the call. */
		w = st->pol->victim == tlb_st_oldest ? oldest :
		    st->pol->victim(st, set, oldest);
		evicted = true;
	}
	base += (uint64_t)w;
	/* The page it held and the page it holds now. */
	front_changed(st, st->tag[base] != tag ? st->tag[base] : 0, tag);
	st->tag[base] = tag;
	st->data[base] = *d;
	/* The common stamp inline; any other policy's own action called. */
	if (st->pol->filled == tlb_st_stamp)
		st->stamp[base].age = tlb_st_tick(st);
	else if (st->pol->filled)
		st->pol->filled(st, set, (uint32_t)w);
	if (way)
		*way = (uint32_t)w;
	return evicted;
}

static void st_clear(struct tlb_st *st, uint64_t *flushed)
{
	uint64_t n = (st->set_mask + 1) * st->ways;

	if (flushed)
		for (uint64_t i = 0; i < n; i++)
			*flushed += st->tag[i] != 0;
	memset(st->tag, 0, n * sizeof(*st->tag));
	if (st->bits)
		memset(st->bits, 0, (st->set_mask + 1) * sizeof(*st->bits));
	front_forget_all(st);
}

/* Drop non-global entries of @asid, or every entry of @asid if @psc. */
static void st_clear_asid(struct tlb_st *st, uint16_t asid, uint64_t *flushed)
{
	uint64_t n = (st->set_mask + 1) * st->ways;

	for (uint64_t i = 0; i < n; i++) {
		if (st->tag[i] && !st->data[i].global &&
		    st->data[i].asid == asid) {
			front_forget(st, st->tag[i]);
			st->tag[i] = 0;
			if (flushed)
				(*flushed)++;
		}
	}
}

/* ---- levels ---- */

static int level_init(struct tlb_level *lv, const struct tlb_config *cfg,
		      const struct tlb_struct_config *sc, unsigned nst,
		      uint64_t seed, uint64_t *clock)
{
	memset(lv->by_size, -1, sizeof(lv->by_size));
	lv->nst = 0;
	lv->nprobe = 0;
	for (unsigned s = 0; s < nst; s++) {
		struct tlb_st *st = &lv->st[s];
		int err = st_init(st, sc[s].entries, sc[s].ways, sc[s].policy,
				  seed + s, clock);

		lv->nst++;
		if (err)
			return err;
		for (unsigned i = 0; i < cfg->npage_sizes &&
		     i < TLB_MAX_PAGE_SIZES; i++) {
			if (!(sc[s].size_mask & 1u << i))
				continue;
			st->size_idx[st->nsizes] = (uint8_t)i;
			st->shift[st->nsizes] = (uint8_t)cfg->page_shift[i];
			st->nsizes++;
			lv->by_size[i] = (int8_t)s;
			lv->probe[lv->nprobe++] = (struct tlb_probe){
				.st = st, .size_idx = (uint8_t)i,
				.shift = (uint8_t)cfg->page_shift[i],
			};
		}
	}
	return 0;
}

/*
 * Probe every structure of @lv; on a hit fill *out, return its size index.
 * When the hit is the first probe (first structure, its smallest size) and
 * @idx0 is not NULL, *@idx0 is the entry's index.
 */
static inline __attribute__((always_inline)) int
level_lookup(struct tlb_level *lv, uint64_t va, uint16_t asid,
	     struct tlb_xlate *out, bool touch, uint64_t *idx0)
{
	for (unsigned i = 0; i < lv->nprobe; i++) {
		const struct tlb_probe *pr = &lv->probe[i];
		struct tlb_st *st = pr->st;
		uint64_t set = va >> pr->shift & st->set_mask;
		int64_t w = st_find(st, set, make_tag(va, pr->shift,
						      pr->size_idx), asid);
		uint64_t idx;
		const struct tlb_entry *d;

		if (w < 0)
			continue;
		if (touch)
			st_touch(st, set, (uint32_t)w);
		idx = set * st->ways + (uint64_t)w;
		d = &st->data[idx];
		if (idx0 && i == 0)
			*idx0 = idx;
		if (out) {
			out->phys = d->phys;
			out->perm = d->perm;
			out->page_shift = pr->shift;
			out->global = d->global;
		}
		return pr->size_idx;
	}
	return -1;
}

/*
 * Fill the structure of @lv holding @size_idx.  When that is the first
 * probe's (first structure, smallest size) and @idx0 is not NULL, *@idx0 is
 * the entry written: the first way that answers @d's lookups (st_insert()
 * overwrites any earlier one that would), so what a lookup finds first.
 */
static inline __attribute__((always_inline)) void
level_fill(struct tlb_level *lv, struct tlb_level_counters *c, uint64_t va,
	   unsigned size_idx, unsigned shift, const struct tlb_entry *d,
	   uint64_t *idx0)
{
	int s = lv->by_size[size_idx];
	struct tlb_st *st;
	uint64_t vpn = va >> shift, set;
	uint32_t w;

	if (s < 0)
		return;
	st = &lv->st[s];
	set = vpn & st->set_mask;
	c->fills++;
	c->evictions += st_insert(st, set, make_tag(va, shift, size_idx), d,
				  &w);
	if (idx0 && s == 0 && size_idx == st->size_idx[0])
		*idx0 = set * st->ways + w;
}

static void level_flush_page(struct tlb_level *lv, uint64_t va,
			     uint16_t asid, uint64_t *flushed)
{
	for (unsigned s = 0; s < lv->nst; s++) {
		struct tlb_st *st = &lv->st[s];

		for (unsigned k = 0; k < st->nsizes; k++) {
			uint64_t vpn = va >> st->shift[k];
			uint64_t base = (vpn & st->set_mask) * st->ways;
			uint64_t tag = make_tag(va, st->shift[k],
						st->size_idx[k]);

			for (uint32_t w = 0; w < st->ways; w++) {
				const struct tlb_entry *d = &st->data[base + w];

				if (st->tag[base + w] == tag &&
				    (d->global || d->asid == asid)) {
					front_forget(st, tag);
					st->tag[base + w] = 0;
					(*flushed)++;
				}
			}
		}
	}
}

/* ---- the holder of the fronted structure's clock (tlb.h) ---- */

/*
 * The holder's clock into the TLB's, before anything but its inline hits
 * reads or advances it (holder_resume() after); it goes on holding.
 */
static inline void holder_sync(struct tlb *t)
{
	struct tlb_port *p = t->holder;

	if (p && p->hit == TLB_HIT_STAMP)
		t->front_clock = p->clock0 + p->hits;
}

/* After holder_sync() and a change of the clock: the holder goes on. */
static inline void holder_resume(struct tlb *t)
{
	if (t->holder)
		t->holder->clock0 = t->front_clock - t->holder->hits;
}

/* The holder's clock and hits into the TLB's words; it goes on holding. */
static void holder_count(struct tlb *t)
{
	struct tlb_port *p = t->holder;

	if (!p)
		return;
	holder_sync(t);
	t->port_hits += p->hits - p->hits0;
	p->hits0 = p->hits;
}

/* The holder counted and no longer holding: its front answers nothing. */
static __attribute__((noinline, cold)) void holder_drop(struct tlb *t)
{
	struct tlb_port *p = t->holder;

	if (!p)
		return;
	holder_count(t);
	p->front = &no_front;
	p->slot_mask = 0;
	p->changes_seen = t->front_changes;
	t->holder = NULL;
}

/*
 * Before an operation of port @p: the previous holder, if another, drops
 * the clock; if @p holds, its clock is synced.
 */
static inline void holder_before(struct tlb *t, struct tlb_port *p)
{
	if (t->holder == p)
		holder_sync(t);
	else
		holder_drop(t);
}

/* After it: @p holds (if it has a front), from the clock as it is now. */
static inline void holder_after(struct tlb *t, struct tlb_port *p)
{
	if (t->holder != p) {
		if (!p->slots)
			return;
		/* Its slots missed the changes since it held. */
		if (p->changes_seen != t->front_changes)
			front_clear(p);
		p->front = p->slots;
		p->slot_mask = p->slots_mask;
		p->hits0 = p->hits;
		t->holder = p;
	}
	p->clock0 = t->front_clock - p->hits;
}

/* ---- public ---- */

void tlb_destroy(struct tlb *t)
{
	if (!t)
		return;
	holder_drop(t);         /* the port may outlive the TLB */
	for (unsigned s = 0; s < t->l1.nst; s++)
		st_free(&t->l1.st[s]);
	for (unsigned s = 0; s < t->l2.nst; s++)
		st_free(&t->l2.st[s]);
	for (unsigned p = 0; p < t->npsc; p++)
		st_free(&t->psc[p]);
	free(t);
}

int tlb_create(struct tlb **out, const struct tlb_config *cfg)
{
	struct tlb *t;
	int err;

	err = tlb_config_check(cfg, NULL);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	/* Distinct seeds per structure so random victims are independent. */
	err = level_init(&t->l1, cfg, cfg->l1, cfg->nl1, cfg->seed,
			 &t->clock);
	if (!err)
		err = level_init(&t->l2, cfg, cfg->l2, cfg->nl2,
				 cfg->seed + 0x100, &t->clock);
	for (unsigned p = 0; !err && p < cfg->npsc; p++) {
		const struct tlb_psc_config *pc = &cfg->psc[p];

		t->npsc++;
		err = st_init(&t->psc[p], pc->entries, pc->ways, pc->policy,
			      cfg->seed + 0x200 + p, &t->clock);
		t->psc[p].nsizes = 1;
		t->psc[p].shift[0] = (uint8_t)pc->shift;
	}
	/*
	 * Ports front the first probe: the first L1 structure's entries,
	 * stamped from a clock of their own (tlb.h).
	 */
	if (!err && t->l1.nst) {
		t->l1.st[0].front = t;
		t->l1.st[0].clock = &t->front_clock;
	}
	if (err) {
		tlb_destroy(t);
		return err;
	}
	*out = t;
	return 0;
}

const struct tlb_config *tlb_config_of(const struct tlb *t)
{
	return &t->cfg;
}

/*
 * Everything after the L1 probes missed: L2, the walk count.  Out of line
 * so that the L1 hit path stays small.
 */
static __attribute__((noinline)) int
lookup_l2(struct tlb *t, uint64_t va, uint16_t asid, struct tlb_xlate *out,
	  uint64_t *idx0)
{
	struct tlb_xlate x;
	int si;

	if (t->l2.nst) {
		t->c.l2.accesses++;
		si = level_lookup(&t->l2, va, asid, &x, true, NULL);
		if (si >= 0) {
			struct tlb_entry d = {
				.phys = x.phys, .perm = x.perm, .asid = asid,
				.global = x.global, .size_idx = (uint8_t)si,
			};

			t->c.l2.hits++;
			t->c.l2.hits_by_size[si]++;
			if (t->l1.nst) {
				t->c.l1.misses_by_size[si]++;
				level_fill(&t->l1, &t->c.l1, va, (unsigned)si,
					   x.page_shift, &d, idx0);
			}
			if (out)
				*out = x;
			return 2;
		}
		t->c.l2.misses++;
	}
	t->c.walks++;
	return 0;
}

static inline __attribute__((always_inline)) int
lookup(struct tlb *t, uint64_t va, uint16_t asid, struct tlb_xlate *out,
       uint64_t *idx0)
{
	int si;

	t->c.lookups++;
	if (t->l1.nst) {
		t->c.l1.accesses++;
		si = level_lookup(&t->l1, va, asid, out, true, idx0);
		if (si >= 0) {
			t->c.l1.hits++;
			t->c.l1.hits_by_size[si]++;
			return 1;
		}
		t->c.l1.misses++;
	}
	if (!t->l2.nst) {
		t->c.walks++;
		return 0;
	}
	return lookup_l2(t, va, asid, out, idx0);
}

int tlb_lookup(struct tlb *t, uint64_t va, uint16_t asid,
	       struct tlb_xlate *out)
{
	int hit;

	holder_sync(t);
	hit = lookup(t, va, asid, out, NULL);
	holder_resume(t);
	return hit;
}

static inline __attribute__((always_inline)) int
fill(struct tlb *t, uint64_t va, uint16_t asid, unsigned page_shift,
     uint64_t phys, uint32_t perm, bool global, uint64_t *idx0)
{
	const struct tlb_config *cfg = &t->cfg;
	struct tlb_entry d;
	unsigned si;

	for (si = 0; si < cfg->npage_sizes; si++)
		if (cfg->page_shift[si] == page_shift)
			break;
	if (si == cfg->npage_sizes)
		return -EINVAL;
	d.phys = phys & ~((1ULL << page_shift) - 1);
	d.perm = perm;
	d.asid = asid;
	d.global = global;
	d.size_idx = (uint8_t)si;
	t->c.fills++;
	t->c.walks_by_size[si]++;
	if (t->l1.nst)
		t->c.l1.misses_by_size[si]++;
	if (t->l2.nst)
		t->c.l2.misses_by_size[si]++;
	level_fill(&t->l1, &t->c.l1, va, si, page_shift, &d, idx0);
	level_fill(&t->l2, &t->c.l2, va, si, page_shift, &d, NULL);
	return 0;
}

int tlb_fill(struct tlb *t, uint64_t va, uint16_t asid, unsigned page_shift,
	     uint64_t phys, uint32_t perm, bool global)
{
	int err;

	holder_sync(t);
	err = fill(t, va, asid, page_shift, phys, perm, global, NULL);
	holder_resume(t);
	return err;
}

bool tlb_probe(const struct tlb *t, int level, uint64_t va, uint16_t asid)
{
	const struct tlb_level *lv = level == 1 ? &t->l1 :
				     level == 2 ? &t->l2 : NULL;

	/* level_lookup() does not write through @lv when touch is false. */
	return lv && level_lookup((struct tlb_level *)lv, va, asid, NULL,
				  false, NULL) >= 0;
}

unsigned tlb_psc_lookup(struct tlb *t, uint64_t va, uint16_t asid,
			uint64_t *table_pa)
{
	for (unsigned p = t->npsc; p-- > 0;) {
		struct tlb_st *st = &t->psc[p];
		uint64_t prefix = va >> st->shift[0];
		uint64_t set = prefix & st->set_mask;
		int64_t w;

		t->c.psc_lookups[p]++;
		w = st_find(st, set, make_tag(va, st->shift[0], 0),
			   asid);
		if (w < 0)
			continue;
		t->c.psc_hits[p]++;
		st_touch(st, set, (uint32_t)w);
		*table_pa = st->data[set * st->ways + (uint64_t)w].phys;
		return st->shift[0];
	}
	return 0;
}

void tlb_psc_fill(struct tlb *t, uint64_t va, uint16_t asid, unsigned shift,
		  uint64_t table_pa)
{
	for (unsigned p = 0; p < t->npsc; p++) {
		struct tlb_st *st = &t->psc[p];
		uint64_t prefix;
		struct tlb_entry d = { .phys = table_pa, .asid = asid };

		if (st->shift[0] != shift)
			continue;
		prefix = va >> shift;
		t->c.psc_fills[p]++;
		st_insert(st, prefix & st->set_mask, make_tag(va, shift, 0), &d,
			  NULL);
		return;
	}
}

void tlb_flush_all(struct tlb *t)
{
	t->c.flush_all++;
	for (unsigned s = 0; s < t->l1.nst; s++)
		st_clear(&t->l1.st[s], &t->c.entries_flushed);
	for (unsigned s = 0; s < t->l2.nst; s++)
		st_clear(&t->l2.st[s], &t->c.entries_flushed);
	for (unsigned p = 0; p < t->npsc; p++)
		st_clear(&t->psc[p], NULL);
}

void tlb_flush_asid(struct tlb *t, uint16_t asid)
{
	t->c.flush_asid++;
	for (unsigned s = 0; s < t->l1.nst; s++)
		st_clear_asid(&t->l1.st[s], asid, &t->c.entries_flushed);
	for (unsigned s = 0; s < t->l2.nst; s++)
		st_clear_asid(&t->l2.st[s], asid, &t->c.entries_flushed);
	/* PSC entries are never global, so this drops all of @asid's. */
	for (unsigned p = 0; p < t->npsc; p++)
		st_clear_asid(&t->psc[p], asid, NULL);
}

void tlb_flush_page(struct tlb *t, uint64_t va, uint16_t asid)
{
	t->c.flush_page++;
	level_flush_page(&t->l1, va, asid, &t->c.entries_flushed);
	level_flush_page(&t->l2, va, asid, &t->c.entries_flushed);
	for (unsigned p = 0; p < t->npsc; p++)
		st_clear_asid(&t->psc[p], asid, NULL);
}

void tlb_flush_range(struct tlb *t, uint64_t start, uint64_t end,
		     uint16_t asid)
{
	unsigned shift = t->cfg.npage_sizes ? t->cfg.page_shift[0] : 12;
	uint64_t first, last;

	t->c.flush_range++;
	if (start >= end)
		return;
	/* Base pages touching [start, end); end - 1 cannot wrap. */
	first = start >> shift;
	last = (end - 1) >> shift;
	if (last - first >= t->cfg.flush_ceiling) {
		t->c.flush_range_full++;
		tlb_flush_all(t);
		return;
	}
	for (uint64_t p = first;; p++) {
		tlb_flush_page(t, p << shift, asid);
		if (p == last)
			break;
	}
}

void tlb_get_counters(const struct tlb *t, struct tlb_counters *c)
{
	const struct tlb_port *p = t->holder;
	uint64_t h = t->port_hits + (p ? p->hits - p->hits0 : 0);

	*c = t->c;
	/* A port's inline hit is a lookup that hit the first L1 probe. */
	if (h) {
		c->lookups += h;
		c->l1.accesses += h;
		c->l1.hits += h;
		c->l1.hits_by_size[t->l1.st[0].size_idx[0]] += h;
	}
}

void tlb_counters_reset(struct tlb *t)
{
	holder_count(t);        /* the holder's hits so far are counted */
	memset(&t->c, 0, sizeof(t->c));
	t->port_hits = 0;
}

/* ---- ports (tlb.h, Advanced API) ---- */

static void port_none(struct tlb_port *p, uint16_t asid)
{
	memset(p, 0, sizeof(*p));
	p->front = &no_front;
	p->asid = asid;
	p->page_mask = ~((1ULL << TLB_MIN_PAGE_SHIFT) - 1);
	p->slot_shift = 63;
	p->hit = TLB_HIT_NONE;
}

int tlb_port_init_limit(struct tlb_port *p, struct tlb *t, uint16_t asid,
			unsigned max_shift)
{
	const struct tlb_st *st;
	uint64_t n = TLB_FRONT_MIN;

	port_none(p, asid);
	if (!t)
		return 0;
	p->tlb = t;
	if (!t->l1.nst)
		return 0;       /* every lookup goes to L2: nothing to front */
	st = &t->l1.st[0];
	if (st->shift[0] > max_shift)
		return 0;
	while (n < TLB_FRONT_MAX && n < 4 * (st->set_mask + 1) * st->ways)
		n *= 2;
	p->slots = malloc(n * sizeof(*p->slots));
	if (!p->slots) {
		port_none(p, asid);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++)
		p->slots[i] = no_front;
	p->slots_mask = (n - 1) << TLB_PORT_SLOT_SHIFT;
	p->page_mask = ~((1ULL << st->shift[0]) - 1);
	p->slot_shift = (uint8_t)(st->shift[0] - TLB_PORT_SLOT_SHIFT);
	p->hit = (uint8_t)st->pol->hit;
	return 0;
}

int tlb_port_init(struct tlb_port *p, struct tlb *t, uint16_t asid)
{
	return tlb_port_init_limit(p, t, asid, TLB_MAX_PAGE_SHIFT);
}

void tlb_port_release(struct tlb_port *p)
{
	/* Holding is the port's own state: no other port reads the TLB. */
	if (p->slots && p->front == p->slots)
		holder_drop(p->tlb);
	free(p->slots);
	port_none(p, p->asid);
}

/* The front of @p learns entry @idx of the first L1 structure, for @va. */
static void port_learn(struct tlb_port *p, uint64_t va, uint64_t idx)
{
	struct tlb_st *st = &p->tlb->l1.st[0];
	struct tlb_port_slot *s = port_slot(p, va);
	uint64_t page = va & p->page_mask;
	uint32_t perm = st->data[idx].perm;

	if (perm >> TLB_PORT_PERM_BITS) {
		*s = no_front;  /* rights too wide for the key: not fronted */
		return;
	}
	s->key = page | (uint64_t)(~perm & ((1u << TLB_PORT_PERM_BITS) - 1))
			<< 1;
	s->delta = st->data[idx].phys - page;
	s->stamp = &st->stamp[idx];
}

int tlb_port_lookup(struct tlb_port *p, uint64_t va, struct tlb_xlate *out)
{
	uint64_t idx = UINT64_MAX;
	int hit;

	holder_before(p->tlb, p);
	hit = lookup(p->tlb, va, p->asid, out, p->slots ? &idx : NULL);
	holder_after(p->tlb, p);
	if (idx != UINT64_MAX)
		port_learn(p, va, idx);
	return hit;
}

int tlb_port_fill(struct tlb_port *p, uint64_t va, unsigned page_shift,
		  uint64_t phys, uint32_t perm, bool global)
{
	uint64_t idx = UINT64_MAX;
	int err;

	holder_before(p->tlb, p);
	err = fill(p->tlb, va, p->asid, page_shift, phys, perm, global,
		   p->slots ? &idx : NULL);
	holder_after(p->tlb, p);
	if (idx != UINT64_MAX)
		port_learn(p, va, idx);
	return err;
}

void tlb_port_touch(struct tlb_port *p, uint32_t idx)
{
	struct tlb_st *st = &p->tlb->l1.st[0];

	/* A policy's touch may tick the clock that @p holds. */
	holder_sync(p->tlb);
	st->pol->touch(st, idx / st->ways, idx % st->ways);
	holder_resume(p->tlb);
}

void tlb_port_touch_slot(struct tlb_port *p, const struct tlb_port_slot *s)
{
	tlb_port_touch(p, (uint32_t)(s->stamp - p->tlb->l1.st[0].stamp));
}

int tlb_port_check(const struct tlb_port *p, struct reason *r)
{
	const struct tlb_st *st;
	uint64_t n, entries;

	reason_clear(r);
	/* No TLB, no L1 or no front (a port of tlb_port_init_limit()). */
	if (!p->tlb || !p->tlb->l1.nst || !p->slots)
		return 0;
	/* Not holding, and the entries changed since: it forgets its slots
	 * when it holds again (holder_after()), none answers till then. */
	if (p->tlb->holder != p && p->changes_seen != p->tlb->front_changes)
		return 0;
	st = &p->tlb->l1.st[0];
	n = (p->slots_mask >> TLB_PORT_SLOT_SHIFT) + 1;
	entries = (st->set_mask + 1) * st->ways;
	for (uint64_t i = 0; i < n; i++) {
		const struct tlb_port_slot *s = &p->slots[i];
		uint64_t page = s->key & p->page_mask;
		uint64_t vpn = page >> st->shift[0], set = vpn & st->set_mask;
		uint64_t idx;
		int64_t w;

		if (s->key & TLB_PORT_EMPTY)
			continue;
		if ((vpn & (n - 1)) != i)
			return reason_fail(r, -EUCLEAN, 0, "port slot %llu "
					   "holds page %#llx of slot %llu",
					   (unsigned long long)i,
					   (unsigned long long)vpn,
					   (unsigned long long)(vpn & (n - 1)));
		if (s->stamp < st->stamp || s->stamp >= st->stamp + entries)
			return reason_fail(r, -EUCLEAN, 0, "port slot %llu: "
					   "stamp outside the structure",
					   (unsigned long long)i);
		idx = (uint64_t)(s->stamp - st->stamp);
		w = st_find(st, set, make_tag(page, st->shift[0],
					      st->size_idx[0]), p->asid);
		if (w < 0 || set * st->ways + (uint64_t)w != idx)
			return reason_fail(r, -EUCLEAN, 0, "port slot %llu: "
					   "page %#llx answered by entry %llu, "
					   "the TLB finds %lld",
					   (unsigned long long)i,
					   (unsigned long long)vpn,
					   (unsigned long long)idx,
					   w < 0 ? -1LL :
					   (long long)(set * st->ways +
						       (uint64_t)w));
		if (st->data[idx].phys != page + s->delta ||
		    st->data[idx].perm != tlb_port_slot_perm(s))
			return reason_fail(r, -EUCLEAN, 0, "port slot %llu: "
					   "page %#llx copy differs from "
					   "entry %llu", (unsigned long long)i,
					   (unsigned long long)vpn,
					   (unsigned long long)idx);
	}
	return 0;
}
