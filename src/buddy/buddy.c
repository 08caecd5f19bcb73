/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator (see include/vmbench/buddy.h for the rule and the
 * invariants).
 *
 * Conventions in this file: @pfn is an absolute frame number (pa >>
 * shift); @i = pfn - b->pfn0 indexes the per-frame state; @k is an order.
 * The free set of order k is a bitmap over the order-k blocks that can
 * lie in RAM, bit n standing for pfn ((b->pfn0 >> k) + n) << k, with a
 * summary word per 64 words so the lowest free block is found in a few
 * word scans:
 *
 *	hi:  [1 0 0 1 ...]          bit w: lo word w is not zero
 *	lo:  [w0][w1][w2][w3] ...   bit n: block n is free
 *
 * Per frame one byte: a block's first frame holds HEAD | (FREE) | order,
 * every other frame of the block holds 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/buddy.h>
#include <vmbench/pgtable.h>
#include <vmbench/reason.h>

#define ST_HEAD 0x80u
#define ST_FREE 0x40u
#define ST_ORDER 0x3fu

struct bset {
	uint64_t *lo, *hi;
	uint64_t nbits, nlo, nhi;
	uint64_t hint;      /* no hi word below it is non-zero */
	uint64_t count;     /* bits set */
};

struct buddy {
	uint64_t base, frames, pfn0, pfn_end;
	unsigned shift, max_order;
	uint8_t *state;
	uint64_t free_frames;
	struct bset set[BUDDY_ORDER_LIMIT + 1];
	struct buddy_stats st;   /* the event counters; the rest is computed */
};

static int bset_init(struct bset *s, uint64_t nbits)
{
	s->nbits = nbits;
	s->nlo = (nbits + 63) / 64;
	s->nhi = (s->nlo + 63) / 64;
	s->lo = calloc(s->nlo, sizeof(*s->lo));
	s->hi = calloc(s->nhi, sizeof(*s->hi));
	s->hint = 0;
	s->count = 0;
	return s->lo && s->hi ? 0 : -ENOMEM;
}

static void bset_set(struct bset *s, uint64_t n)
{
	uint64_t w = n / 64;

	s->lo[w] |= 1ULL << (n % 64);
	s->hi[w / 64] |= 1ULL << (w % 64);
	if (w / 64 < s->hint)
		s->hint = w / 64;
	s->count++;
}

static void bset_clear(struct bset *s, uint64_t n)
{
	uint64_t w = n / 64;

	s->lo[w] &= ~(1ULL << (n % 64));
	if (!s->lo[w])
		s->hi[w / 64] &= ~(1ULL << (w % 64));
	s->count--;
}

static int bset_test(const struct bset *s, uint64_t n)
{
	return (int)(s->lo[n / 64] >> (n % 64)) & 1;
}

/* The lowest bit set; the set must not be empty. */
static uint64_t bset_first(struct bset *s)
{
	uint64_t h = s->hint;

	while (!s->hi[h])
		h++;
	s->hint = h;
	uint64_t w = h * 64 + (uint64_t)__builtin_ctzll(s->hi[h]);

	return w * 64 + (uint64_t)__builtin_ctzll(s->lo[w]);
}

static uint64_t blk_index(const struct buddy *b, uint64_t pfn, unsigned k)
{
	return (pfn >> k) - (b->pfn0 >> k);
}

static void put_free(struct buddy *b, uint64_t pfn, unsigned k)
{
	b->state[pfn - b->pfn0] = (uint8_t)(ST_HEAD | ST_FREE | k);
	bset_set(&b->set[k], blk_index(b, pfn, k));
}

static void take_free(struct buddy *b, uint64_t pfn, unsigned k)
{
	bset_clear(&b->set[k], blk_index(b, pfn, k));
}

int buddy_create(struct buddy **out, uint64_t base, uint64_t frames,
		 unsigned frame_shift, unsigned max_order)
{
	struct buddy *b;
	uint64_t pfn;

	if (!frames || frame_shift < 10 || frame_shift > 30 ||
	    max_order > BUDDY_ORDER_LIMIT ||
	    base & ((1ULL << frame_shift) - 1) ||
	    frames > (UINT64_MAX >> frame_shift) - (base >> frame_shift) ||
	    frames > SIZE_MAX / 2)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->base = base;
	b->frames = frames;
	b->shift = frame_shift;
	b->max_order = max_order;
	b->pfn0 = base >> frame_shift;
	b->pfn_end = b->pfn0 + frames;
	b->state = calloc((size_t)frames, 1);
	if (!b->state)
		goto nomem;
	for (unsigned k = 0; k <= max_order; k++)
		if (bset_init(&b->set[k], ((b->pfn_end - 1) >> k) -
					  (b->pfn0 >> k) + 1))
			goto nomem;
	/* The largest aligned block that fits at each step: the same
	 * blocks freeing every frame one by one would coalesce into. */
	for (pfn = b->pfn0; pfn < b->pfn_end; ) {
		unsigned k = max_order;

		while (k && ((pfn & ((1ULL << k) - 1)) ||
			     pfn + (1ULL << k) > b->pfn_end))
			k--;
		put_free(b, pfn, k);
		pfn += 1ULL << k;
	}
	b->free_frames = frames;
	*out = b;
	return 0;
nomem:
	buddy_destroy(b);
	return -ENOMEM;
}

void buddy_destroy(struct buddy *b)
{
	if (!b)
		return;
	for (unsigned k = 0; k <= BUDDY_ORDER_LIMIT; k++) {
		free(b->set[k].lo);
		free(b->set[k].hi);
	}
	free(b->state);
	free(b);
}

int buddy_alloc(struct buddy *b, unsigned order, uint64_t *pa)
{
	unsigned k = order;
	uint64_t pfn;

	if (order > b->max_order)
		return -EINVAL;
	while (k <= b->max_order && !b->set[k].count)
		k++;
	if (k > b->max_order) {
		b->st.failed[order]++;
		return -ENOMEM;
	}
	pfn = ((b->pfn0 >> k) + bset_first(&b->set[k])) << k;
	take_free(b, pfn, k);
	/* expand(): keep the low half, free the high half, down to order. */
	while (k > order) {
		k--;
		put_free(b, pfn + (1ULL << k), k);
		b->st.splits++;
	}
	b->state[pfn - b->pfn0] = (uint8_t)(ST_HEAD | order);
	b->free_frames -= 1ULL << order;
	b->st.allocs[order]++;
	*pa = pfn << b->shift;
	return 0;
}

/* 0 and the frame number of @pa in *pfn if @pa is an allocated block of
 * exactly @order, else -EINVAL. */
static int allocated_block(const struct buddy *b, uint64_t pa, unsigned order,
			   uint64_t *pfn)
{
	uint64_t p = pa >> b->shift;

	if (order > b->max_order || pa & ((1ULL << b->shift) - 1) ||
	    p < b->pfn0 || p >= b->pfn_end ||
	    b->state[p - b->pfn0] != (ST_HEAD | order))
		return -EINVAL;
	*pfn = p;
	return 0;
}

int buddy_free(struct buddy *b, uint64_t pa, unsigned order)
{
	uint64_t pfn;
	unsigned k = order;

	if (allocated_block(b, pa, order, &pfn))
		return -EINVAL;
	b->state[pfn - b->pfn0] = 0;
	while (k < b->max_order) {
		uint64_t bud = pfn ^ (1ULL << k);

		if (bud < b->pfn0 || bud >= b->pfn_end ||
		    b->state[bud - b->pfn0] != (ST_HEAD | ST_FREE | k))
			break;
		take_free(b, bud, k);
		b->state[bud - b->pfn0] = 0;
		pfn &= ~(1ULL << k);
		b->st.merges++;
		k++;
	}
	put_free(b, pfn, k);
	b->free_frames += 1ULL << order;
	b->st.frees[order]++;
	return 0;
}

int buddy_alloc_bulk(struct buddy *b, unsigned n, uint64_t *pas)
{
	unsigned got = 0;

	if (n > BUDDY_BULK_MAX)
		n = BUDDY_BULK_MAX;
	if (!n)
		return 0;
	b->st.bulk_calls++;
	while (got < n && buddy_alloc(b, 0, &pas[got]) == 0)
		got++;
	return got ? (int)got : -ENOMEM;
}

int buddy_split(struct buddy *b, uint64_t pa, unsigned order)
{
	uint64_t pfn;

	if (allocated_block(b, pa, order, &pfn))
		return -EINVAL;
	for (uint64_t i = 0; i < 1ULL << order; i++)
		b->state[pfn - b->pfn0 + i] = ST_HEAD;
	/* The pieces count as order-0 allocations, freed one by one. */
	b->st.allocs[order]--;
	b->st.allocs[0] += 1ULL << order;
	return 0;
}

void buddy_get_stats(const struct buddy *b, struct buddy_stats *st)
{
	*st = b->st;
	for (unsigned k = 0; k <= BUDDY_ORDER_LIMIT; k++)
		st->free_blocks[k] = k <= b->max_order ? b->set[k].count : 0;
	st->frames = b->frames;
	st->free_frames = b->free_frames;
	st->max_order = b->max_order;
	st->frame_shift = b->shift;
	st->base = b->base;
}

uint64_t buddy_base(const struct buddy *b) { return b->base; }
uint64_t buddy_frames(const struct buddy *b) { return b->frames; }
uint64_t buddy_free_frames(const struct buddy *b) { return b->free_frames; }
unsigned buddy_max_order(const struct buddy *b) { return b->max_order; }
unsigned buddy_frame_shift(const struct buddy *b) { return b->shift; }

unsigned buddy_order_of(const struct buddy *b, uint64_t bytes)
{
	unsigned k = 0;

	while (k < 63 - b->shift && (1ULL << (k + b->shift)) < bytes)
		k++;
	return k;
}

int buddy_check(const struct buddy *b, struct reason *r)
{
	uint64_t nfree[BUDDY_ORDER_LIMIT + 1] = { 0 };
	uint64_t free_frames = 0, pfn;

	for (pfn = b->pfn0; pfn < b->pfn_end; ) {
		unsigned s = b->state[pfn - b->pfn0], k = s & ST_ORDER;
		uint64_t n;

		if (!(s & ST_HEAD) || (s & ~(ST_HEAD | ST_FREE | ST_ORDER)))
			return reason_fail(r, -EUCLEAN, 0,
					   "frame %#llx: not the head of a block",
					   (unsigned long long)pfn);
		if (k > b->max_order || pfn & ((1ULL << k) - 1) ||
		    pfn + (1ULL << k) > b->pfn_end)
			return reason_fail(r, -EUCLEAN, 0,
					   "block at frame %#llx: order %u misaligned or outside RAM",
					   (unsigned long long)pfn, k);
		for (n = 1; n < 1ULL << k; n++)
			if (b->state[pfn - b->pfn0 + n])
				return reason_fail(r, -EUCLEAN, 0,
						   "block at frame %#llx order %u: frame %#llx inside it is marked",
						   (unsigned long long)pfn, k,
						   (unsigned long long)(pfn + n));
		if (bset_test(&b->set[k], blk_index(b, pfn, k)) !=
		    !!(s & ST_FREE))
			return reason_fail(r, -EUCLEAN, 0,
					   "block at frame %#llx order %u: %s but %s the free set",
					   (unsigned long long)pfn, k,
					   s & ST_FREE ? "free" : "allocated",
					   s & ST_FREE ? "not in" : "in");
		if (s & ST_FREE) {
			uint64_t bud = pfn ^ (1ULL << k);

			if (k < b->max_order && bud >= b->pfn0 &&
			    bud < b->pfn_end &&
			    b->state[bud - b->pfn0] == (ST_HEAD | ST_FREE | k))
				return reason_fail(r, -EUCLEAN, 0,
						   "free blocks at frames %#llx and %#llx of order %u not coalesced",
						   (unsigned long long)pfn,
						   (unsigned long long)bud, k);
			nfree[k]++;
			free_frames += 1ULL << k;
		}
		pfn += 1ULL << k;
	}
	for (unsigned k = 0; k <= b->max_order; k++) {
		const struct bset *s = &b->set[k];
		uint64_t bits = 0;

		for (uint64_t w = 0; w < s->nlo; w++) {
			bits += (uint64_t)__builtin_popcountll(s->lo[w]);
			if (!!s->lo[w] != (int)((s->hi[w / 64] >> (w % 64)) & 1))
				return reason_fail(r, -EUCLEAN, 0,
						   "order %u: summary bit of word %llu wrong",
						   k, (unsigned long long)w);
			if (s->lo[w] && w / 64 < s->hint)
				return reason_fail(r, -EUCLEAN, 0,
						   "order %u: search hint %llu above a free block",
						   k, (unsigned long long)s->hint);
		}
		if (bits != nfree[k] || s->count != nfree[k])
			return reason_fail(r, -EUCLEAN, 0,
					   "order %u: %llu free blocks, %llu bits set, count %llu",
					   k, (unsigned long long)nfree[k],
					   (unsigned long long)bits,
					   (unsigned long long)s->count);
	}
	if (free_frames != b->free_frames)
		return reason_fail(r, -EUCLEAN, 0,
				   "%llu frames free in blocks, counter says %llu",
				   (unsigned long long)free_frames,
				   (unsigned long long)b->free_frames);
	return 0;
}

static int src_alloc(void *ctx, uint64_t *pa)
{
	return buddy_alloc(ctx, 0, pa);
}

static void src_free(void *ctx, uint64_t pa)
{
	/* Only frames src_alloc handed out come back: cannot fail. */
	(void)buddy_free(ctx, pa, 0);
}

static const struct pt_frame_source buddy_source = {
	.alloc = src_alloc,
	.free = src_free,
};

int buddy_pt_mem_create(struct buddy *b, struct pt_mem **out)
{
	if (b->base != PT_MEM_BASE)
		return -EINVAL;
	return pt_mem_create_sourced(out, b->shift, b->frames, &buddy_source,
				     b);
}
