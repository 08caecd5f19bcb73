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
 * random: the names of the policy table (src/tlb/policy.c).  A whole spec
 * may instead be a preset name.  Example:
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

#include <vmbench/reason.h>

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

/* Indices of the built-in policies in the policy table (see below). */
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
 * returns -EINVAL, sets @r (may be NULL) to "which item, which field,
 * why" (no line, no option: the caller knows where the spec came from) and
 * leaves *cfg unspecified.  Never reads past the terminating NUL.
 */
int tlb_config_parse(const char *spec, struct tlb_config *cfg,
		     struct reason *r);

/*
 * Replacement policies are rows of one table (src/tlb/policy.c); a
 * policy is known by its index there.  The built-in ones keep the indices
 * of enum tlb_policy.  tlb_policy_name(): the row's name, "?" for an index
 * out of range.  tlb_policy_find(): the index of the policy named by the
 * @n bytes at @name, or -1.  tlb_policy_list(): the names joined by
 * @sep into @buf of @len bytes (for messages and --help).  None can fail.
 */
const char *tlb_policy_name(enum tlb_policy p);
int tlb_policy_find(const char *name, size_t n);
const char *tlb_policy_list(char *buf, size_t len, const char *sep);

/* The preset names, NULL-terminated. */
const char *const *tlb_presets(void);

/*
 * Check @cfg as the parser would.  0, or -EINVAL with the reason in @r
 * (may be NULL).
 */
int tlb_config_check(const struct tlb_config *cfg, struct reason *r);

/*
 * Create a TLB of shape @cfg, empty, counters zero.  -EINVAL: @cfg fails
 * tlb_config_check().  -ENOMEM: out of memory (nothing allocated remains).
 */
int tlb_create(struct tlb **out, const struct tlb_config *cfg);

/* tlb_config_parse() then tlb_create(); errors as theirs. */
int tlb_create_spec(struct tlb **out, const char *spec, struct reason *r);

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
 * Counters since creation or the last reset, hits through every port
 * (below) included.  tlb_get_counters() copies them into *c: it reads
 * only, cannot fail, and what it filled does not change afterwards.
 * tlb_counters_reset() zeroes them; it cannot fail.
 */
void tlb_get_counters(const struct tlb *t, struct tlb_counters *c);
void tlb_counters_reset(struct tlb *t);

/* ======================== Advanced API ============================ */
/*
 * Ports: the inline L1 hit path, for clients that translate in a tight
 * loop (an MMU; later a CPU or a process).  Everything above is the
 * interface; what follows is the state a client keeps so that its common
 * hit needs no call.
 *
 * A client holds one struct tlb_port per TLB it uses, in its own memory,
 * with its ASID, its own count of hits taken inline, and a small front: a
 * direct-mapped table, indexed by virtual page number, of copies of the
 * entries it found in the first probe tlb_lookup() makes (the first L1
 * structure at its smallest page size).  Any number of ports may serve one
 * TLB, with any ASIDs; every structure shape and policy has a front.
 *
 *	s = tlb_port_slot(p, va)        inline: the one slot va may use
 *	tlb_port_answers(p, s, va, key_mask)
 *	                                inline: s is current and holds va's
 *	                                page with the rights in key_mask
 *	tlb_port_count(p, s)            inline: the hit recorded as
 *	                                tlb_lookup() records it
 *	tlb_port_hit(p, va)             the three above, no rights asked
 *	otherwise: tlb_port_lookup(p, va, &x)
 *	                                exactly tlb_lookup(t, va, asid, &x),
 *	                                then the front learns the entry found
 *
 * A slot is a copy of one entry.  Whenever an entry of the fronted
 * structure changes (fill, eviction, flush), the TLB empties the
 * holder's slot of the page the entry held and of the page it holds now
 * (an entry of another ASID written with the same page may now answer
 * that slot's lookups first), and counts a change; a port that does not
 * hold keeps its slots, and empties them all when it holds again if any
 * change was counted since it held.  So a slot that is not empty is
 * still the entry that tlb_lookup() would find first for that page and
 * ASID: the inline hit is exact, never a guess, and needs no test beyond
 * the key's.  An empty slot is a miss of the front, answered by
 * tlb_port_lookup().
 *
 * The clock.  The fronted structure has a clock of its own (only the
 * order of stamps within a set counts, so it needs none of the other
 * structures' ticks).  One port at a time, the holder, keeps that clock
 * and its not yet counted hits in its own words, so that an inline hit
 * increments one word of the port and stores one stamp: while a port
 * holds, the clock is clock0 + hits and the TLB's count of inline hits
 * lacks hits - hits0.  Only a holding port's front answers: the others
 * point at an empty slot.  tlb_port_lookup() and tlb_port_fill() make
 * their port the holder (taking the clock back from the previous one,
 * whose next hit is then a lookup); tlb_lookup() and tlb_fill() read
 * the holder's clock and give it back advanced; tlb_get_counters() adds
 * the holder's hits; tlb_counters_reset() counts them first.  So every
 * stamp, victim and counter is what one shared clock and counter would
 * give, whoever holds.  A port writes only the stamp of the entry it hit
 * and its own words (the TLB's, when it is released while holding); the
 * TLB writes a port only to give or take back the clock (on destroy, it
 * takes it back) and to empty the holder's slots.  Ports and TLBs may be
 * released in any order (a port must not be used after its TLB is
 * destroyed).
 */

/* What a hit does to the replacement state (struct tlb_policy_ops). */
enum tlb_hit_action {
	TLB_HIT_NONE,             /* nothing (FIFO, random) */
	TLB_HIT_STAMP,            /* stamp->age = ++clock (LRU) */
	TLB_HIT_CALL,             /* tlb_port_touch(): the policy's touch */
};

/*
 * Per entry of every structure, beside its tag and payload: the stamp the
 * policies order by, which an inline hit writes through its slot.
 */
struct tlb_stamp {
	uint64_t age;             /* a value of its structure's clock */
};

/*
 * One slot of a port's front, 32 bytes:
 *
 *	 63                     shift  ...  10  9           1   0
 *	+--------------------------------+-----+-------------+---+
 *	| page base (va, fronted size)   |  0  | ~perm (9b)  | E |   key
 *	+--------------------------------+-----+-------------+---+
 *	| phys base - page base (mod 2^64): pa = va + delta      |   delta
 *	| &the entry's struct tlb_stamp                          |   stamp
 *	| 0 (pads the slot to a power of two)                    |   pad
 *
 * Slot i holds only a page whose number (va >> fronted shift) is i
 * modulo the number of slots (tlb_port_check() holds it), so a slot
 * found from one address whose key matches another address's page says
 * both lie in that page.  E = 1: empty.  Page sizes are at least 1K, so
 * the rights the entry
 * lacks fit below the page base: one XOR and one AND test page, empty
 * and rights together (tlb_port_key_mask()).  Entries whose perm has bits
 * at or above TLB_PORT_PERM_BITS are never learned (always the lookup).
 */
struct tlb_port_slot {
	uint64_t key;
	uint64_t delta;
	struct tlb_stamp *stamp;  /* read only when the key matched */
	uint64_t pad;
};

#define TLB_PORT_SLOT_SHIFT 5
#define TLB_PORT_PERM_BITS 9
#define TLB_PORT_EMPTY 1ULL
_Static_assert(sizeof(struct tlb_port_slot) == 1u << TLB_PORT_SLOT_SHIFT,
	       "a slot's offset is the VPN shifted, no multiply");
_Static_assert(TLB_PORT_PERM_BITS + 1 <= TLB_MIN_PAGE_SHIFT,
	       "the key's low field fits below the smallest page");

struct tlb_port {
	/* Read by the inline hit. */
	struct tlb_port_slot *front;  /* slots while holding, else empty */
	uint64_t slot_mask;       /* (slots - 1) << TLB_PORT_SLOT_SHIFT, or
				   * 0 while not holding */
	uint64_t page_mask;       /* ~(fronted page size - 1) */
	uint64_t hits;            /* inline hits through this port */
	uint64_t clock0;          /* holding: the clock is clock0 + hits */
	uint8_t slot_shift;       /* fronted shift - TLB_PORT_SLOT_SHIFT */
	uint8_t hit;              /* enum tlb_hit_action */
	uint16_t asid;
	/* Read on a miss. */
	struct tlb *tlb;
	struct tlb_port_slot *slots;  /* the front, NULL if none */
	uint64_t slots_mask;      /* slot_mask while holding */
	uint64_t hits0;           /* hits when the TLB last counted them */
	uint64_t changes_seen;    /* the TLB's count of changes when this
				   * port last stopped holding */
};

/*
 * Make @p a port of @t (NULL: no TLB; every tlb_port_hit() misses) for
 * @asid, with an empty front and no hits, not holding.  -ENOMEM: out of
 * memory (@p is then a port of no TLB).  Writes nothing in @t.
 */
int tlb_port_init(struct tlb_port *p, struct tlb *t, uint16_t asid);

/*
 * tlb_port_init(), for a client that must not take inline an access that
 * crosses a boundary of 2^@max_shift bytes (an MMU: its base page): when
 * the fronted pages are larger, @p gets no front, so every tlb_port_hit()
 * misses (lookups and fills are as through any port).  Errors as
 * tlb_port_init()'s.
 */
int tlb_port_init_limit(struct tlb_port *p, struct tlb *t, uint16_t asid,
			unsigned max_shift);

/*
 * Free @p's front; @p becomes a port of no TLB.  A holding port first
 * gives the clock and its hits back to its TLB (which, holding, is alive:
 * tlb_destroy() takes the clock back); any other port never reads it.
 */
void tlb_port_release(struct tlb_port *p);

/*
 * tlb_lookup(p->tlb, va, p->asid, out), and tlb_fill(p->tlb, va, p->asid,
 * ...): the same results, replacement decisions and counters; besides,
 * @p becomes the holder (if it has a front), and when the entry that the
 * first L1 probe finds for @va was hit, refilled from L2 or filled, the
 * front learns it.  @p must have a TLB.
 */
int tlb_port_lookup(struct tlb_port *p, uint64_t va, struct tlb_xlate *out);
int tlb_port_fill(struct tlb_port *p, uint64_t va, unsigned page_shift,
		  uint64_t phys, uint32_t perm, bool global);

/*
 * Validator: every slot of @p that is not empty is the entry that
 * tlb_lookup() finds first for its page and @p's ASID, with the same
 * payload (of a port that does not hold, only while no change was
 * counted since it held: it empties its slots before they answer
 * again).  0, or -EUCLEAN with the first broken slot in @r (may be
 * NULL).  Reads only; never prints.
 */
int tlb_port_check(const struct tlb_port *p, struct reason *r);

/* A hit on entry @idx of the fronted structure, for TLB_HIT_CALL. */
void tlb_port_touch(struct tlb_port *p, uint32_t idx);

/* A hit on the entry of slot @s, for TLB_HIT_CALL. */
void tlb_port_touch_slot(struct tlb_port *p, const struct tlb_port_slot *s);

/* Hits taken inline through @p since its init or tlb_port_reset(). */
static inline uint64_t tlb_port_hits(const struct tlb_port *p)
{
	return p->hits;
}

/* Zero the port's own count; what the TLB counts is not changed. */
static inline void tlb_port_reset(struct tlb_port *p)
{
	p->clock0 += p->hits;
	p->hits0 -= p->hits;
	p->hits = 0;
}

/*
 * The mask tlb_port_answers() tests the key with: the page bits, the
 * empty bit, and the rights @need (PT_PROT_* style bits, below
 * 1 << TLB_PORT_PERM_BITS).  Depends on @p only through its page size: a
 * client may compute it once.
 */
static inline uint64_t tlb_port_key_mask(const struct tlb_port *p,
					 uint32_t need)
{
	return p->page_mask | TLB_PORT_EMPTY | (uint64_t)need << 1;
}

/* The one slot of @p's front that may answer @va. */
static inline const struct tlb_port_slot *
tlb_port_slot(const struct tlb_port *p, uint64_t va)
{
	/* &front[(va >> shift) & (slots - 1)], one shift on the path */
	return (const struct tlb_port_slot *)(const void *)
		((const char *)p->front + (va >> p->slot_shift & p->slot_mask));
}

/*
 * Whether slot @s answers @va with every right in @key_mask
 * (tlb_port_key_mask()): the key holds va's page, is not empty (so the
 * entry has not changed since) and lacks none of the rights.
 */
static inline bool tlb_port_answers(const struct tlb_port *p,
				    const struct tlb_port_slot *s,
				    uint64_t va, uint64_t key_mask)
{
	return !(((va & p->page_mask) ^ s->key) & key_mask);
}

/*
 * Record the hit of slot @s (of a holding port: only its slots answer)
 * as tlb_lookup() records one: one word of the port incremented, and the
 * entry's stamp the clock's next value.
 */
static inline void tlb_port_count(struct tlb_port *p,
				  const struct tlb_port_slot *s)
{
	uint64_t h = ++p->hits;

	if (__builtin_expect(p->hit == TLB_HIT_STAMP, 1))
		s->stamp->age = p->clock0 + h;
	else if (__builtin_expect(p->hit == TLB_HIT_CALL, 0))
		tlb_port_touch_slot(p, s);
}

/* The physical address of @va through slot @s (which answers @va). */
static inline uint64_t tlb_port_slot_pa(const struct tlb_port_slot *s,
					uint64_t va)
{
	return va + s->delta;
}

/* The rights of slot @s's entry, as filled. */
static inline uint32_t tlb_port_slot_perm(const struct tlb_port_slot *s)
{
	return (uint32_t)(~s->key >> 1) & ((1u << TLB_PORT_PERM_BITS) - 1);
}

/*
 * The inline hit: the slot of @va when it is current, after recording the
 * hit as tlb_lookup() does (replacement state, the TLB's counters, the
 * port's hits); NULL, with nothing changed, otherwise.
 */
static inline const struct tlb_port_slot *tlb_port_hit(struct tlb_port *p,
							uint64_t va)
{
	const struct tlb_port_slot *s = tlb_port_slot(p, va);

	if (__builtin_expect(!tlb_port_answers(p, s, va,
					       tlb_port_key_mask(p, 0)), 0))
		return NULL;
	tlb_port_count(p, s);
	return s;
}

#endif /* VMBENCH_TLB_H */
