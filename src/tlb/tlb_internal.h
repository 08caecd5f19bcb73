/* SPDX-License-Identifier: MIT */
/*
 * Inside the tlb module: one set-associative structure, and the table of
 * operations every replacement policy fills.  Not installed; tlb.c and the
 * policy files (policy_*.c) include it.
 *
 * A structure's entry i = set * ways + w has tag[i] (0: invalid; layout in
 * tlb.c), stamp[i] (age: a stamp of the TLB's clock, for the policies that
 * keep one) and data[i] (the payload).  bits[set] is one word of per-set
 * state for the policies that ask for it (tlb_policy_ops.set_word).
 */
#ifndef VMBENCH_TLB_INTERNAL_H
#define VMBENCH_TLB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmbench/rng.h>
#include <vmbench/tlb.h>

struct tlb_policy_ops;

#ifndef TLB_MASK_WAYS
#define TLB_MASK_WAYS 16          /* tag compares into a bit mask */
#endif

/* The payload of a TLB entry. */
struct tlb_entry {
	uint64_t phys;            /* page base */
	uint32_t perm;
	uint16_t asid;
	uint8_t global;
	uint8_t size_idx;
};

/* Bit w set when tags[w] == tag; a constant @n lets the loop unroll. */
static inline uint64_t tlb_match_ways(const uint64_t *tags, uint64_t tag,
				      uint32_t n)
{
	uint64_t m = 0;

	for (uint32_t w = 0; w < n; w++)
		m |= (uint64_t)(tags[w] == tag) << w;
	return m;
}

/*
 * The wide scan (wide.c): on x86-64, a structure of TLB_WIDE_MIN_WAYS to
 * 64 ways, a multiple of 4, scans its sets four ways to an instruction
 * when the CPU has AVX2 (tlb_wide_ok(), asked once).  It returns what the
 * portable loops return: the choice changes no result.
 *   tlb_wide_match   tlb_match_ways() of @ways
 *   tlb_wide_oldest  the lowest way of the smallest age in s[0 .. ways)
 *   tlb_wide_place   tlb_wide_match(), *@empty the ways whose tag is 0,
 *                    and when neither mask has a way, *@oldest =
 *                    tlb_wide_oldest() (else unchanged)
 * A build can turn it off with -DTLB_WIDE=0.
 */
#ifndef TLB_WIDE
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TLB_WIDE 1
#else
#define TLB_WIDE 0
#endif
#endif
#define TLB_WIDE_MIN_WAYS 16

#if TLB_WIDE
/* -1 until tlb_wide_ok() asks the CPU, then 1 or 0 (tests set 0 to take
 * the portable loops).  Read when a structure is created. */
extern int tlb_wide_state;
bool tlb_wide_ok(void);
uint64_t tlb_wide_match(const uint64_t *tags, uint64_t tag, uint32_t ways);
uint32_t tlb_wide_oldest(const struct tlb_stamp *s, uint32_t ways);
uint64_t tlb_wide_place(const uint64_t *tags, const struct tlb_stamp *s,
			uint64_t tag, uint32_t ways, uint64_t *empty,
			uint32_t *oldest);
#endif

struct tlb_st {
	uint64_t *tag;            /* sets * ways */
	struct tlb_stamp *stamp;
	struct tlb_entry *data;
	uint64_t *bits;           /* one word per set, set_word policies */
	uint64_t set_mask;
	uint32_t ways;
	bool wide;                /* its scans are tlb_wide_*() */
	const struct tlb_policy_ops *pol;
	unsigned nsizes;
	uint8_t size_idx[TLB_MAX_PAGE_SIZES];
	uint8_t shift[TLB_MAX_PAGE_SIZES];
	uint64_t *clock;          /* the TLB's one stamp source */
	struct tlb *front;        /* the TLB whose ports front it (its
				   * changes are theirs to forget), or NULL */
	struct rng rng;           /* seeded per structure */
};

/* The next stamp of the TLB's clock: only the order within a set counts. */
static inline uint64_t tlb_st_tick(struct tlb_st *st)
{
	return ++*st->clock;
}

/*
 * A replacement policy.  A new one is a file policy_NAME.c defining one
 * struct of this type and one row in tlb_policies[] (policy.c).
 *
 *   name      the word of the text spec; lower case, unique
 *   hit       what a hit does (tlb.h): TLB_HIT_STAMP writes stamp[i].age
 *             from the clock, TLB_HIT_NONE nothing, TLB_HIT_CALL calls
 *             touch
 *   set_word  the policy keeps bits[set]; zero on create and flush_all
 *   check     NULL, or the limits of @ways this policy has: 0, or -EINVAL
 *             with the reason written into @why (@n bytes)
 *   touch     a hit on way @w of @set (TLB_HIT_CALL only)
 *   filled    way @w of @set was just written by a fill (may be NULL)
 *   victim    the way to evict from @set, every way valid; @oldest is
 *             the lowest way of the smallest age (the fill's scan of the
 *             set finds it on the way: LRU and FIFO need no other)
 */
struct tlb_policy_ops {
	const char *name;
	enum tlb_hit_action hit;
	bool set_word;
	int (*check)(uint32_t ways, char *why, size_t n);
	void (*touch)(struct tlb_st *st, uint64_t set, uint32_t w);
	void (*filled)(struct tlb_st *st, uint64_t set, uint32_t w);
	uint32_t (*victim)(struct tlb_st *st, uint64_t set, uint32_t oldest);
};

/* The table, NULL-terminated; index = enum tlb_policy for built-ins. */
extern const struct tlb_policy_ops *const tlb_policies[];

/* @oldest: the victim of LRU and FIFO. */
uint32_t tlb_st_oldest(struct tlb_st *st, uint64_t set, uint32_t oldest);

/* stamp[i].age = the next stamp (LRU touch, LRU and FIFO fill). */
void tlb_st_stamp(struct tlb_st *st, uint64_t set, uint32_t w);

#endif /* VMBENCH_TLB_INTERNAL_H */
