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

#include <vmbench/rng.h>
#include <vmbench/tlb.h>

_Static_assert(TLB_MAX_PAGE_SIZES <= 8, "the size index has 3 tag bits");
_Static_assert(TLB_PLRU_MAX_WAYS <= 64, "PLRU bits live in one uint64_t");

struct tlb_st {
	uint64_t *tag;            /* sets * ways */
	uint64_t *age;            /* LRU: last touch; FIFO: fill time */
	struct tlb_entry *data;
	uint64_t *plru;           /* one word per set, PLRU only */
	uint32_t *hint;           /* fast structure of <= 4 ways: tlb.h */
	uint64_t set_mask;
	uint32_t ways;
	enum tlb_policy policy;
	unsigned nsizes;
	uint8_t size_idx[TLB_MAX_PAGE_SIZES];
	uint8_t shift[TLB_MAX_PAGE_SIZES];
	struct tlb_fast *clock;   /* the TLB's one stamp source */
	struct rng rng;
};

struct tlb_level {
	unsigned nst;
	struct tlb_st st[TLB_MAX_STRUCTS];
	/* Structure holding each size index, or -1. */
	int8_t by_size[TLB_MAX_PAGE_SIZES];
};

struct tlb {
	struct tlb_fast fast;     /* first: see tlb_fast() */
	struct tlb_config cfg;
	struct tlb_level l1, l2;
	unsigned npsc;
	struct tlb_st psc[TLB_MAX_PSC];
	struct tlb_counters c;
};

static inline uint64_t make_tag(uint64_t va, unsigned shift,
				unsigned size_idx)
{
	return (va & ~((1ULL << shift) - 1)) | (uint64_t)size_idx << 1 | 1;
}

/* ---- one structure ---- */

static int st_init(struct tlb_st *st, uint32_t entries, uint32_t ways,
		   enum tlb_policy policy, uint64_t seed, struct tlb_fast *clock)
{
	uint64_t sets = entries / ways;

	memset(st, 0, sizeof(*st));
	st->clock = clock;
	st->set_mask = sets - 1;
	st->ways = ways;
	st->policy = policy;
	rng_seed(&st->rng, seed);
	st->tag = calloc(entries, sizeof(*st->tag));
	st->age = calloc(entries, sizeof(*st->age));
	st->data = calloc(entries, sizeof(*st->data));
	if (policy == TLB_PLRU)
		st->plru = calloc(sets, sizeof(*st->plru));
	if (!st->tag || !st->age || !st->data ||
	    (policy == TLB_PLRU && !st->plru))
		return -ENOMEM;
	return 0;
}

static void st_free(struct tlb_st *st)
{
	free(st->tag);
	free(st->age);
	free(st->data);
	free(st->plru);
	free(st->hint);
}

/*
 * Tree-PLRU over a power-of-two number of ways: node n (1-based heap order,
 * n < ways) has children 2n and 2n+1; the leaves n >= ways are ways
 * n - ways.  Bit n set means "the victim is in the right subtree".  A touch
 * points every node on the way's path away from it.
 */
static void plru_touch(struct tlb_st *st, uint64_t set, uint32_t w)
{
	uint64_t bits = st->plru[set];
	uint32_t n = st->ways + w;

	while (n > 1) {
		uint32_t parent = n >> 1;

		if (n & 1)        /* came from the right: victim goes left */
			bits &= ~(1ULL << parent);
		else
			bits |= 1ULL << parent;
		n = parent;
	}
	st->plru[set] = bits;
}

static uint32_t plru_victim(const struct tlb_st *st, uint64_t set)
{
	uint64_t bits = st->plru[set];
	uint32_t n = 1;

	while (n < st->ways)
		n = 2 * n + (uint32_t)(bits >> n & 1);
	return n - st->ways;
}

/* A tick of the TLB's clock other than a fast hit's. */
static inline uint64_t st_tick(struct tlb_st *st)
{
	st->clock->slow_ticks++;
	return ++st->clock->clock;
}

static inline void st_touch(struct tlb_st *st, uint64_t set, uint32_t w)
{
	if (st->policy == TLB_LRU)
		st->age[set * st->ways + w] = st_tick(st);
	else if (st->policy == TLB_PLRU)
		plru_touch(st, set, w);
	/* FIFO and random: hits do not reorder. */
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

static inline int64_t st_find(const struct tlb_st *st, uint64_t set,
			      uint64_t tag, uint16_t asid)
{
	uint64_t base = set * st->ways;
	const uint64_t *tags;

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
 * Write @d under @tag into @set: over an entry that would answer the same
 * lookups if there is one, else into the lowest invalid way, else into the
 * policy's victim (LRU and FIFO: the lowest way of the smallest age).  One
 * pass over the set finds all three candidates.  True when a valid entry
 * was displaced.
 */
static bool st_insert(struct tlb_st *st, uint64_t set, uint64_t tag,
		      const struct tlb_entry *d)
{
	uint64_t base = set * st->ways;
	const uint64_t *tags = st->tag + base;
	const uint64_t *age = st->age + base;
	uint32_t w, inval = UINT32_MAX, oldest = 0;
	bool evicted = false;

	for (w = 0; w < st->ways; w++) {
		if (tags[w] == tag) {
			const struct tlb_entry *o = &st->data[base + w];

			if (o->asid == d->asid || o->global || d->global)
				break;
		}
		if (!tags[w]) {
			if (inval == UINT32_MAX)
				inval = w;
		} else if (age[w] < age[oldest]) {
			oldest = w;
		}
	}
	if (w == st->ways) {
		if (inval != UINT32_MAX) {
			w = inval;
		} else {
			switch (st->policy) {
			case TLB_PLRU:
				w = plru_victim(st, set);
				break;
			case TLB_RANDOM:
				w = (uint32_t)rng_below(&st->rng, st->ways);
				break;
			case TLB_LRU:
			case TLB_FIFO:
			default:
				w = oldest;
				break;
			}
			evicted = true;
		}
	}
	st->tag[base + w] = tag;
	if (st->hint)
		st->hint[set * 4 + w] = (uint32_t)tag;
	st->data[base + w] = *d;
	if (st->policy == TLB_PLRU)
		plru_touch(st, set, w);
	else
		st->age[base + w] = st_tick(st);
	return evicted;
}

static void st_clear(struct tlb_st *st, uint64_t *flushed)
{
	uint64_t n = (st->set_mask + 1) * st->ways;

	if (flushed)
		for (uint64_t i = 0; i < n; i++)
			*flushed += st->tag[i] != 0;
	memset(st->tag, 0, n * sizeof(*st->tag));
	if (st->plru)
		memset(st->plru, 0, (st->set_mask + 1) * sizeof(*st->plru));
}

/* Drop non-global entries of @asid, or every entry of @asid if @psc. */
static void st_clear_asid(struct tlb_st *st, uint16_t asid, uint64_t *flushed)
{
	uint64_t n = (st->set_mask + 1) * st->ways;

	for (uint64_t i = 0; i < n; i++) {
		if (st->tag[i] && !st->data[i].global &&
		    st->data[i].asid == asid) {
			st->tag[i] = 0;
			if (flushed)
				(*flushed)++;
		}
	}
}

/* ---- levels ---- */

static int level_init(struct tlb_level *lv, const struct tlb_config *cfg,
		      const struct tlb_struct_config *sc, unsigned nst,
		      uint64_t seed, struct tlb_fast *clock)
{
	memset(lv->by_size, -1, sizeof(lv->by_size));
	lv->nst = 0;
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
		}
	}
	return 0;
}

/*
 * Probe every structure of @lv; on a hit fill *out, return its size index.
 * @skip_first: the first structure's first size was probed already.
 */
static inline int level_lookup(struct tlb_level *lv, uint64_t va,
			       uint16_t asid, struct tlb_xlate *out,
			       bool touch, bool skip_first)
{
	for (unsigned s = 0; s < lv->nst; s++) {
		struct tlb_st *st = &lv->st[s];

		for (unsigned k = s == 0 && skip_first; k < st->nsizes; k++) {
			uint64_t vpn = va >> st->shift[k];
			uint64_t set = vpn & st->set_mask;
			int64_t w = st_find(st, set,
					    make_tag(va, st->shift[k],
						     st->size_idx[k]),
					    asid);
			const struct tlb_entry *d;

			if (w < 0)
				continue;
			if (touch)
				st_touch(st, set, (uint32_t)w);
			d = &st->data[set * st->ways + (uint64_t)w];
			if (out) {
				out->phys = d->phys;
				out->perm = d->perm;
				out->page_shift = st->shift[k];
				out->global = d->global;
			}
			return st->size_idx[k];
		}
	}
	return -1;
}

static void level_fill(struct tlb_level *lv, struct tlb_level_counters *c,
		       uint64_t va, unsigned size_idx, unsigned shift,
		       const struct tlb_entry *d)
{
	int s = lv->by_size[size_idx];
	struct tlb_st *st;
	uint64_t vpn = va >> shift;

	if (s < 0)
		return;
	st = &lv->st[s];
	c->fills++;
	c->evictions += st_insert(st, vpn & st->set_mask,
				  make_tag(va, shift, size_idx), d);
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
					st->tag[base + w] = 0;
					(*flushed)++;
				}
			}
		}
	}
}

/* ---- public ---- */

/*
 * The inline path (tlb.h, Advanced API) serves the first probe of
 * tlb_lookup() when its structure is LRU with 4 ways: its hints are
 * compared at once.  Any other shape leaves it off (every inline probe
 * misses) and level_lookup() makes that probe, as for a TLB without it.
 */
static const uint32_t no_hints[4];
static const uint64_t no_tag;

static int fast_init(struct tlb *t)
{
	struct tlb_fast *f = &t->fast;
	struct tlb_st *st = &t->l1.st[0];

	/*
	 * Off: hints that match no tag (tags have bit 0 set), and set4_mask
	 * 0, so that every probe reads these four.
	 */
	f->hint = no_hints;
	f->tag = &no_tag;
	f->tag_low = 1;
	if (!t->l1.nst || !st->nsizes || st->policy != TLB_LRU ||
	    st->ways != 4)
		return 0;
	/* Called on an empty TLB: all hints 0, as all tags. */
	st->hint = calloc((st->set_mask + 1) * 4, sizeof(*st->hint));
	if (!st->hint)
		return -ENOMEM;
	f->hint = st->hint;
	f->tag = st->tag;
	f->age = st->age;
	f->ent = st->data;
	f->page_mask = ~((1ULL << st->shift[0]) - 1);
	f->off_mask = (1ULL << st->shift[0]) - 1;
	f->tag_low = make_tag(0, st->shift[0], st->size_idx[0]);
	f->set4_mask = st->set_mask << 2;
	f->set4_shift = st->shift[0] - 2u;
	f->ways = st->ways;
	f->shift = st->shift[0];
	f->on = true;
	return 0;
}

struct tlb *tlb_fast_none(void)
{
	/* Only its fast part exists; the inline probe reads nothing else. */
	static struct tlb_fast none = {
		.hint = no_hints, .tag = &no_tag, .page_mask = ~0ULL,
		.tag_low = 1,
	};

	return (struct tlb *)(void *)&none;
}

static uint64_t st_set_mask(const struct tlb *t)
{
	return t->l1.st[0].set_mask;
}

int64_t tlb_fast_probe_slow(struct tlb *t, uint64_t va, uint16_t asid)
{
	const struct tlb_fast *f = &t->fast;
	uint64_t tag = (va & f->page_mask) | f->tag_low;
	uint64_t base = (va >> f->shift & st_set_mask(t)) * f->ways;
	uint64_t m = tlb_match_ways(f->tag + base, tag, f->ways);

	while (m) {
		uint64_t k = base + (uint64_t)__builtin_ctzll(m);

		if (f->ent[k].global || f->ent[k].asid == asid)
			return (int64_t)k;
		m &= m - 1;
	}
	return -1;
}

void tlb_destroy(struct tlb *t)
{
	if (!t)
		return;
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

	err = tlb_config_check(cfg, NULL, 0);
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	/* Distinct seeds per structure so random victims are independent. */
	err = level_init(&t->l1, cfg, cfg->l1, cfg->nl1, cfg->seed,
			 &t->fast);
	if (!err)
		err = level_init(&t->l2, cfg, cfg->l2, cfg->nl2,
				 cfg->seed + 0x100, &t->fast);
	for (unsigned p = 0; !err && p < cfg->npsc; p++) {
		const struct tlb_psc_config *pc = &cfg->psc[p];

		t->npsc++;
		err = st_init(&t->psc[p], pc->entries, pc->ways, pc->policy,
			      cfg->seed + 0x200 + p, &t->fast);
		t->psc[p].nsizes = 1;
		t->psc[p].shift[0] = (uint8_t)pc->shift;
	}
	if (!err)
		err = fast_init(t);
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
 * Everything after tlb_lookup()'s first L1 probe missed: the other L1
 * probes, L2, the walk count.  Out of line so that the hit path of
 * tlb_lookup() stays small (few registers, no spills).
 */
static __attribute__((noinline)) int
lookup_miss(struct tlb *t, uint64_t va, uint16_t asid, struct tlb_xlate *out,
	    bool skip_first)
{
	struct tlb_xlate x;
	int si;

	if (t->l1.nst) {
		si = level_lookup(&t->l1, va, asid, out, true, skip_first);
		if (si >= 0) {
			t->c.l1.hits++;
			t->c.l1.hits_by_size[si]++;
			return 1;
		}
		t->c.l1.misses++;
	}
	if (t->l2.nst) {
		t->c.l2.accesses++;
		si = level_lookup(&t->l2, va, asid, &x, true, false);
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
					   x.page_shift, &d);
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

int tlb_lookup(struct tlb *t, uint64_t va, uint16_t asid,
	       struct tlb_xlate *out)
{
	uint64_t i;

	if (tlb_fast_probe(t, va, asid, &i)) {
		const struct tlb_entry *d = &t->fast.ent[i];

		/* tlb_fast_hit(), counted straight into t->c. */
		t->fast.slow_ticks++;
		t->fast.age[i] = ++t->fast.clock;
		if (out) {
			out->phys = d->phys;
			out->perm = d->perm;
			out->page_shift = t->fast.shift;
			out->global = d->global;
		}
		t->c.lookups++;
		t->c.l1.accesses++;
		t->c.l1.hits++;
		t->c.l1.hits_by_size[d->size_idx]++;
		return 1;
	}
	return tlb_lookup_rest(t, va, asid, out);
}

int tlb_lookup_rest(struct tlb *t, uint64_t va, uint16_t asid,
		    struct tlb_xlate *out)
{
	t->c.lookups++;
	if (t->l1.nst)
		t->c.l1.accesses++;
	/* With the fast structure off, its probe was not made. */
	return lookup_miss(t, va, asid, out, t->fast.on);
}

int tlb_fill(struct tlb *t, uint64_t va, uint16_t asid, unsigned page_shift,
	     uint64_t phys, uint32_t perm, bool global)
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
	level_fill(&t->l1, &t->c.l1, va, si, page_shift, &d);
	level_fill(&t->l2, &t->c.l2, va, si, page_shift, &d);
	return 0;
}

bool tlb_probe(const struct tlb *t, int level, uint64_t va, uint16_t asid)
{
	const struct tlb_level *lv = level == 1 ? &t->l1 :
				     level == 2 ? &t->l2 : NULL;

	/* level_lookup() does not write through @lv when touch is false. */
	return lv && level_lookup((struct tlb_level *)lv, va, asid, NULL,
				  false, false) >= 0;
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
		st_insert(st, prefix & st->set_mask, make_tag(va, shift, 0), &d);
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

const struct tlb_counters *tlb_counters(struct tlb *t)
{
	uint64_t h = t->fast.clock - t->fast.slow_ticks - t->fast.fast_counted;

	/* Fast hits are L1 hits of the fast structure's size. */
	if (h) {
		t->c.lookups += h;
		t->c.l1.accesses += h;
		t->c.l1.hits += h;
		t->c.l1.hits_by_size[t->l1.st[0].size_idx[0]] += h;
		t->fast.fast_counted += h;
	}
	return &t->c;
}

void tlb_counters_reset(struct tlb *t)
{
	memset(&t->c, 0, sizeof(t->c));
	t->fast.fast_counted = t->fast.clock - t->fast.slow_ticks;
}
