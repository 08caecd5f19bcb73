/* SPDX-License-Identifier: MIT */
/*
 * tlb — a simulated TLB hierarchy with paging-structure caches.
 *
 * The TLB stores translations it is given (virtual page, page size, physical
 * frame, permission bits, ASID, global bit); it knows nothing of page-table
 * formats.  An MMU combines it with a walker:
 *
 *	tlb_lookup(va)          hit: done
 *	  miss -> tlb_psc_lookup(va)     deepest cached table, if any
 *	       -> walk from there, tlb_psc_fill() each table passed
 *	       -> tlb_fill(va, size, frame, ...)
 *
 * Shape.  Two levels, L1 and L2.  Each level is made of one or more
 * "structures": a set-associative array (sets x ways) holding one or more
 * page sizes, with its own replacement policy.  A page size is held by at
 * most one structure per level.  Skylake's L1 is three structures (4K, 2M,
 * 1G); Zen 4's L1 is one structure holding every size.
 *
 * Semantics (the project's TLB policy; tests hold the code to it):
 *   - Set index = virtual page number mod sets, with the VPN taken in the
 *     structure's page size (va >> page_shift).  Sets are a power of two, so
 *     the modulo is a mask.  ways == entries means fully associative.
 *   - An entry matches a lookup when its VPN and page size match and either
 *     it is global or its ASID equals the lookup's ASID.
 *   - A lookup probes every L1 structure (as hardware does, in parallel);
 *     L2 is probed only on an L1 miss.  A lookup that misses both is a walk.
 *   - An L2 hit fills L1 (the L1 structure holding that size, if any).
 *   - tlb_fill() after a walk fills both levels: the L1 structure and the L2
 *     structure that hold the page size (either may be absent).  A fill of a
 *     translation already present updates it in place: no duplicates.
 *   - A fill into a set uses an invalid way first (lowest index), otherwise
 *     the policy's victim.  The L1 victim is dropped, not moved to L2
 *     (L2 is not exclusive of L1 and not a victim cache).
 *   - Policies: LRU (true LRU by access stamp), tree-PLRU (ways - 1 bits
 *     per set; ways a power of two, at most 64), FIFO (oldest fill evicted,
 *     hits do not reorder), random (uniform over the ways, from a generator
 *     seeded by tlb_config.seed; same seed, same victims).
 *
 * Invalidation (modelled on x86 INVLPG / INVPCID and Linux's flush paths):
 *   - tlb_flush_all(): every TLB and PSC entry, global ones included.
 *   - tlb_flush_asid(): non-global entries of that ASID, and that ASID's
 *     PSC entries; global entries survive.
 *   - tlb_flush_page(va, asid): the entries translating va for asid in every
 *     level and page size, global ones included (as INVLPG), and all PSC
 *     entries of that ASID (the Intel SDM lets INVLPG drop every
 *     paging-structure-cache entry of the current PCID; we always do, so a
 *     freed page table is never reached through a stale PSC entry).
 *   - tlb_flush_range(start, end, asid): a page flush per base page (the
 *     smallest configured size) of [start, end), unless that is more than
 *     tlb_config.flush_ceiling pages, in which case it becomes
 *     tlb_flush_all().  The default ceiling is 33, as Linux's
 *     tlb_single_page_flush_ceiling on x86.
 *
 * Paging-structure caches (PSC, after Intel's PML4E / PDPTE / PDE caches).
 * Each PSC level caches, for a VA prefix (va >> shift) and an ASID, the
 * physical address of the next table the walk would read.  Levels are kept
 * shallow to deep (decreasing shift); tlb_psc_lookup() returns the deepest
 * level that hits, so the walk skips every level above it.  PSC entries have
 * no global bit (Intel SDM: the G flag does not apply to them).
 *
 * Text spec (tlb_config_parse): comma-separated items, no spaces.
 *   pages:SIZE/SIZE/...      page sizes, smallest first (default 4k/2m/1g);
 *                            SIZE = digits + k|m|g|t, a power of two,
 *                            2^10 .. 2^48 bytes; at most TLB_MAX_PAGE_SIZES
 *   l1d[.SIZES]:ExW:POLICY   an L1 structure; SIZES = SIZE[+SIZE...] or
 *                            "all"; without a suffix, the smallest size
 *   l2[.SIZES]:ExW:POLICY    an L2 structure; without a suffix, all sizes
 *   psc.NAME:ExW:POLICY      a PSC level; NAME = pml5e (shift 48), pml4e
 *                            (39), pdpte (30), pde (21), or sN for shift N
 *   ceiling:N                range-flush ceiling in pages
 *   seed:N                   seed of the random policy
 * E entries, W ways: W divides E, E / W (the sets) is a power of two,
 * 1 <= W <= TLB_MAX_WAYS, E <= TLB_MAX_ENTRIES.  POLICY = lru | plru | fifo |
 * random.  A whole spec may instead be a preset name.  Example:
 *   l1d:64x4:lru,l1d.2m:32x4:lru,l2.4k+2m:1536x12:lru,psc.pde:32x4:lru
 *
 * Presets (sizes; sources named, numbers not copied text):
 *   skylake      L1 4K 64 entries 4-way, L1 2M 32 entries 4-way, L1 1G 4
 *                entries fully associative; L2 (STLB) 1536 entries 12-way
 *                for 4K and 2M, and 16 entries 4-way for 1G (Intel 64 and
 *                IA-32 Architectures Optimization Reference Manual, Skylake
 *                TLB table).  PSC: PML4E 2 fully associative, PDPTE 4 fully
 *                associative, PDE 32 4-way: Intel publishes no PSC sizes (the
 *                SDM, vol. 3 "Paging-Structure Caches", leaves them
 *                implementation-specific); these are the sizes simulation
 *                studies commonly assume, NOT measured facts.
 *   zen4         L1 72 entries fully associative, all of 4K, 2M, 1G; L2 3072
 *                entries for 4K and 2M (AMD Software Optimization Guide for
 *                Family 19h / Zen 4, as summarised publicly).  The L2
 *                associativity is modelled as 12-way (256 sets) as in Zen 1
 *                and Zen 2 (WikiChip); not confirmed for Zen 4.  Zen 2
 *                "smashes" 1G pages into 2M L2 entries (WikiChip); that is
 *                not modelled: 1G translations live in L1 only.  No PSC:
 *                AMD's page-walk cache sizes are not published.
 *   neoverse-n1  L1 48 entries fully associative for 4K and 2M; L2 1280
 *                entries 5-way for 4K, 2M and 1G (Arm Neoverse N1 /
 *                Cortex-A76 Technical Reference Manual; the L1 data TLB does
 *                not hold 1G entries, so 1G pages hit in L2 at best).  No PSC
 *                (walk-cache sizes not given).
 *   none         no TLB and no PSC: every lookup is a walk.
 * Presets use true LRU everywhere; real parts use undisclosed policies.
 *
 * Conventions in this file: va and physical addresses are bytes, uint64_t;
 * page sizes are given as shifts; "size index" is the position of a page
 * size in tlb_config.page_shift[].  Functions that can fail return 0 or a
 * negative errno and change nothing on failure.
 */
#ifndef VMBENCH_TLB_H
#define VMBENCH_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Structural limits; override with -D to build a smaller or larger model. */
#ifndef TLB_MAX_PAGE_SIZES
#define TLB_MAX_PAGE_SIZES 4      /* at most 8: the size index has 3 bits */
#endif
#ifndef TLB_MAX_STRUCTS
#define TLB_MAX_STRUCTS 4         /* structures per level */
#endif
#ifndef TLB_MAX_PSC
#define TLB_MAX_PSC 4             /* paging-structure-cache levels */
#endif
#ifndef TLB_MAX_WAYS
#define TLB_MAX_WAYS 4096
#endif
#ifndef TLB_MAX_ENTRIES
#define TLB_MAX_ENTRIES (1u << 22)
#endif
#ifndef TLB_DEFAULT_FLUSH_CEILING
#define TLB_DEFAULT_FLUSH_CEILING 33
#endif
#ifndef TLB_PLRU_MAX_WAYS
#define TLB_PLRU_MAX_WAYS 64      /* the tree's bits fit one uint64_t */
#endif

#define TLB_MIN_PAGE_SHIFT 10
#define TLB_MAX_PAGE_SHIFT 48

enum tlb_policy {
	TLB_LRU,
	TLB_PLRU,
	TLB_FIFO,
	TLB_RANDOM,
};

/* One set-associative structure of a level. */
struct tlb_struct_config {
	uint32_t entries;
	uint32_t ways;
	enum tlb_policy policy;
	uint32_t size_mask;       /* bit i: holds page_shift[i] */
};

/* One paging-structure-cache level. */
struct tlb_psc_config {
	uint32_t entries;
	uint32_t ways;
	enum tlb_policy policy;
	unsigned shift;           /* caches va >> shift */
};

struct tlb_config {
	unsigned npage_sizes;
	unsigned page_shift[TLB_MAX_PAGE_SIZES];  /* strictly increasing */
	unsigned nl1, nl2;
	struct tlb_struct_config l1[TLB_MAX_STRUCTS];
	struct tlb_struct_config l2[TLB_MAX_STRUCTS];
	unsigned npsc;
	struct tlb_psc_config psc[TLB_MAX_PSC];   /* decreasing shift */
	uint64_t flush_ceiling;   /* pages; above it a range flush is full */
	uint64_t seed;            /* random policy */
};

/*
 * Per-level counters.  accesses = hits + misses.  The page size of a miss
 * is known only later, so misses_by_size is attributed when it becomes known:
 * at an L2 hit (for L1) or at the tlb_fill() after a walk (both levels).
 * When every walk is followed by a fill, misses_by_size sums to misses.
 */
struct tlb_level_counters {
	uint64_t accesses;
	uint64_t hits;
	uint64_t misses;
	uint64_t hits_by_size[TLB_MAX_PAGE_SIZES];
	uint64_t misses_by_size[TLB_MAX_PAGE_SIZES];
	uint64_t fills;           /* entries written (new or updated) */
	uint64_t evictions;       /* valid entries displaced by a fill */
};

/* Exact and deterministic: the same calls give the same counts. */
struct tlb_counters {
	uint64_t lookups;         /* tlb_lookup() calls */
	struct tlb_level_counters l1, l2;
	uint64_t walks;           /* lookups that missed every level */
	uint64_t walks_by_size[TLB_MAX_PAGE_SIZES];  /* attributed at fill */
	uint64_t fills;           /* tlb_fill() calls that succeeded */
	uint64_t psc_lookups[TLB_MAX_PSC];  /* per PSC level, probed */
	uint64_t psc_hits[TLB_MAX_PSC];
	uint64_t psc_fills[TLB_MAX_PSC];
	uint64_t flush_all;       /* tlb_flush_all(), promoted ranges too */
	uint64_t flush_asid;
	uint64_t flush_page;      /* tlb_flush_page(), including from ranges */
	uint64_t flush_range;
	uint64_t flush_range_full;  /* ranges promoted to a full flush */
	uint64_t entries_flushed; /* valid TLB entries invalidated */
};

/* What a hit returns. */
struct tlb_xlate {
	uint64_t phys;            /* physical base of the page, bytes */
	uint32_t perm;            /* permission bits as filled */
	unsigned page_shift;
	bool global;
};

struct tlb;

/*
 * Parse @spec (a preset name or a spec, see above) into *cfg.  On error
 * returns -EINVAL, writes "which item, which field, why" into @msg (when
 * @msg is not NULL and @msglen > 0, always NUL-terminated) and leaves *cfg
 * unspecified.  Never reads past the terminating NUL.
 */
int tlb_config_parse(const char *spec, struct tlb_config *cfg, char *msg,
		     size_t msglen);

/* "lru", "plru", "fifo", "random"; "?" for a value out of range. */
const char *tlb_policy_name(enum tlb_policy p);

/* The preset names, NULL-terminated. */
const char *const *tlb_presets(void);

/*
 * Check @cfg as the parser would.  0 or -EINVAL with a reason in @msg.
 */
int tlb_config_check(const struct tlb_config *cfg, char *msg, size_t msglen);

/*
 * Create a TLB of shape @cfg, empty, counters zero.  -EINVAL: @cfg fails
 * tlb_config_check().  -ENOMEM: out of memory (nothing allocated remains).
 */
int tlb_create(struct tlb **out, const struct tlb_config *cfg);

/* tlb_config_parse() then tlb_create(); errors as theirs. */
int tlb_create_spec(struct tlb **out, const char *spec, char *msg,
		    size_t msglen);

/* Free @t and everything it holds.  NULL is a no-op. */
void tlb_destroy(struct tlb *t);

/* The shape @t was created with. */
const struct tlb_config *tlb_config_of(const struct tlb *t);

/*
 * Translate @va for @asid.  Returns 1 on an L1 hit, 2 on an L2 hit (L1 is
 * then filled), 0 on a miss (a walk is counted).  *out is set on a hit.
 * Updates replacement state and counters; never allocates, cannot fail.
 */
int tlb_lookup(struct tlb *t, uint64_t va, uint16_t asid,
	       struct tlb_xlate *out);

/*
 * Install a translation after a walk: the page of size 1 << @page_shift
 * containing @va maps to @phys (aligned down to the page), with @perm,
 * for @asid, global if @global.  Fills L1 and L2 where they hold that size.
 * -EINVAL: @page_shift is not a configured page size (nothing changes).
 */
int tlb_fill(struct tlb *t, uint64_t va, uint16_t asid, unsigned page_shift,
	     uint64_t phys, uint32_t perm, bool global);

/*
 * Whether level @level (1 or 2) holds a translation of @va for @asid.  No
 * replacement state or counter changes: for tests and diagnostics.
 */
bool tlb_probe(const struct tlb *t, int level, uint64_t va, uint16_t asid);

/*
 * The deepest PSC level holding @va's prefix for @asid: returns that level's
 * shift (the walk resumes at the table that translates the bits below it)
 * and sets *table_pa to the table's physical address; returns 0 on a miss
 * or when no PSC is configured.  Levels are probed deepest first, stopping
 * at the first hit; each probe is counted.
 */
unsigned tlb_psc_lookup(struct tlb *t, uint64_t va, uint16_t asid,
			uint64_t *table_pa);

/*
 * Record that the walk of @va for @asid, after consuming the bits at and
 * above @shift, reads the table at @table_pa.  A no-op when no PSC level
 * has that shift.  Call only for entries that point to a table, not a page.
 */
void tlb_psc_fill(struct tlb *t, uint64_t va, uint16_t asid, unsigned shift,
		  uint64_t table_pa);

/*
 * Invalidation, as described at the top of this file.  None can fail.
 * tlb_flush_range() takes [start, end) in bytes; start >= end flushes
 * nothing but is still counted.
 */
void tlb_flush_all(struct tlb *t);
void tlb_flush_asid(struct tlb *t, uint16_t asid);
void tlb_flush_page(struct tlb *t, uint64_t va, uint16_t asid);
void tlb_flush_range(struct tlb *t, uint64_t start, uint64_t end,
		     uint16_t asid);

/*
 * Counters since creation or the last reset; neither can fail.  The
 * returned pointer stays valid until tlb_destroy(); what it points to is
 * kept current by every function above, but hits taken through the inline
 * path below (tlb_fast_hit()) are tallied apart and added only when
 * tlb_counters() is called again.
 */
const struct tlb_counters *tlb_counters(struct tlb *t);
void tlb_counters_reset(struct tlb *t);

/* ======================== Advanced API ============================ */
/*
 * The inline L1 hit path, for callers that translate in a tight loop (the
 * MMU's mmu_translate()).  Everything above is the interface; what follows
 * exposes a few fields of struct tlb so that the common hit needs no call.
 *
 * It covers the first probe tlb_lookup() makes: the first L1 structure at
 * its smallest page size ("the fast structure"), when that structure is
 * true LRU with exactly 4 ways (otherwise the probe always misses,
 * without a call, and tlb_lookup_rest() makes that first probe as any
 * other).  A caller does exactly one of:
 *
 *	tlb_fast_probe(t, va, asid, &i)       no side effect
 *	true:  tlb_fast_hit(t, i)             the L1 hit: LRU stamp
 *	       tlb_fast_entry(t, i)           what it translates to
 *	false: tlb_lookup_rest(t, va, asid, &x)
 *	                                      the rest of tlb_lookup(): other
 *	                                      L1 probes, L2, the walk count
 *
 * and gets the same results, replacement decisions and counters as one
 * tlb_lookup() (fast hits are counted as ticks of the LRU clock; see
 * tlb_counters()).
 *
 * Layout of the fast structure: entry i = set * 4 + w; tag[i] as in
 * tlb.c (0 invalid, else the page's base address | size_idx << 1 | 1),
 * age[i] the LRU stamp, ent[i] the payload: the structure's own arrays;
 * and hint[i], the low 32 bits of the tag last written to entry i: the
 * four hints of a set are compared at once, and a matching hint is only
 * a candidate, confirmed on the full tag and the ASID.  A flush clears tags, not hints: a stale hint is just a
 * candidate that fails.  Every tag written is written to its hint too.
 * The first candidate is confirmed inline; a second one is rare and
 * decided by tlb_fast_probe_slow().
 */
#ifndef TLB_MASK_WAYS
#define TLB_MASK_WAYS 16          /* tag compares into a bit mask */
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The payload of a TLB entry. */
struct tlb_entry {
	uint64_t phys;            /* page base */
	uint32_t perm;
	uint16_t asid;
	uint8_t global;
	uint8_t size_idx;
};

/* The first member of struct tlb. */
struct tlb_fast {
	const uint32_t *hint;     /* never NULL: zeros match no tag */
	const uint64_t *tag;
	uint64_t *age;
	const struct tlb_entry *ent;
	uint64_t page_mask;       /* ~(page size - 1) */
	uint64_t off_mask;        /* page size - 1 */
	uint64_t tag_low;         /* size_idx << 1 | 1 */
	uint64_t set4_mask;       /* (sets - 1) << 2 */
	uint32_t set4_shift;      /* page shift - 2: va >> it is set * 4 */
	uint32_t ways;            /* 0 when off */
	uint8_t shift;            /* page shift */
	bool on;
	/*
	 * The stamp source of every LRU and FIFO structure of the TLB: only
	 * the order of stamps within one set matters, so one clock serves all.
	 * Every tick but a tlb_fast_hit() also counts in slow_ticks, so the
	 * fast hits are clock - slow_ticks - fast_counted.
	 */
	uint64_t clock;
	uint64_t slow_ticks;
	uint64_t fast_counted;    /* fast hits already in tlb_counters */
	/*
	 * NULL, or the one caller that may call tlb_fast_hit() (it sets
	 * this to itself, when NULL, and back to NULL when done), so that
	 * it can count its own fast hits as tlb_fast_hits() deltas.
	 */
	const void *hit_owner;
};

static inline struct tlb_fast *tlb_fast(struct tlb *t)
{
	return (struct tlb_fast *)(void *)t;
}

/* Bit w set when tags[w] == tag; a constant @n lets the loop unroll. */
static inline uint64_t tlb_match_ways(const uint64_t *tags, uint64_t tag,
				      uint32_t n)
{
	uint64_t m = 0;

	for (uint32_t w = 0; w < n; w++)
		m |= (uint64_t)(tags[w] == tag) << w;
	return m;
}

/* Bit w set when h[w] == x, for w < 4: one vector compare where there is
 * SSE2. */
static inline uint32_t tlb_match_hints(const uint32_t *h, uint32_t x)
{
#if defined(__SSE2__)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)h);

	v = _mm_cmpeq_epi32(v, _mm_set1_epi32((int)x));
	return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(v));
#else
	return (uint32_t)(h[0] == x) | (uint32_t)(h[1] == x) << 1 |
	       (uint32_t)(h[2] == x) << 2 | (uint32_t)(h[3] == x) << 3;
#endif
}

/*
 * tlb_fast_probe() past its inline part (the first candidate failed):
 * the entry, or -1.  Out of line: rare.
 */
int64_t tlb_fast_probe_slow(struct tlb *t, uint64_t va, uint16_t asid);

/*
 * Whether the fast structure translates @va for @asid; if so *@i is the
 * entry.  Reads only.  The ways are compared all at once into a mask
 * (which way hits is random: a branch on it would mispredict); the first
 * way whose tag matches and that answers @asid wins, as in tlb_lookup().
 * No candidate is a miss; the first candidate, when it answers, is the
 * hit (it is the first way that could); everything else is decided out
 * of line.
 */
static inline bool tlb_fast_probe(struct tlb *t, uint64_t va, uint16_t asid,
				  uint64_t *i)
{
	const struct tlb_fast *f = tlb_fast(t);
	uint64_t tag = (va & f->page_mask) | f->tag_low;
	uint64_t b = va >> f->set4_shift & f->set4_mask, k;
	uint32_t m;
	int64_t s;

	m = tlb_match_hints(f->hint + b, (uint32_t)tag);
	if (!m)
		return false;
	/*
	 * m < 16: the mask changes nothing but tells the compiler that the
	 * way needs no sign extension.
	 */
	k = b + ((unsigned)__builtin_ctz(m) & 3);
	if (__builtin_expect(f->tag[k] == tag &&
			     (f->ent[k].asid == asid || f->ent[k].global), 1)) {
		*i = k;
		return true;
	}
	s = tlb_fast_probe_slow(t, va, asid);
	*i = (uint64_t)s;
	return s >= 0;
}

/* Record the hit on entry @i (from tlb_fast_probe()): the LRU stamp, which
 * also counts it. */
static inline void tlb_fast_hit(struct tlb *t, uint64_t i)
{
	struct tlb_fast *f = tlb_fast(t);

	f->age[i] = ++f->clock;
}

/* tlb_fast_hit() calls on @t since its creation. */
static inline uint64_t tlb_fast_hits(struct tlb *t)
{
	return tlb_fast(t)->clock - tlb_fast(t)->slow_ticks;
}

static inline const struct tlb_entry *tlb_fast_entry(struct tlb *t,
						     uint64_t i)
{
	return &tlb_fast(t)->ent[i];
}

/*
 * A fast structure that holds nothing, for a caller that has no TLB but
 * wants to probe unconditionally: every probe misses, inline.
 */
struct tlb *tlb_fast_none(void);

/*
 * After tlb_fast_probe() missed: what tlb_lookup() would do and return,
 * without repeating that probe.
 */
int tlb_lookup_rest(struct tlb *t, uint64_t va, uint16_t asid,
		    struct tlb_xlate *out);

#endif /* VMBENCH_TLB_H */
