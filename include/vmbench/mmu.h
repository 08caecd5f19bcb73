/* SPDX-License-Identifier: MIT */
/*
 * mmu — address translation as a CPU does it: a TLB hierarchy in front of a
 * page-table walker, with paging-structure caches (PSC) that let a walk
 * skip the upper levels.
 *
 * An MMU joins one page table (pgtable.h) and, optionally, one TLB (tlb.h);
 * without a TLB every translation is a full walk from the root.  A
 * translation of one page follows the order documented in tlb.h:
 *
 *	tlb_lookup(va)                    hit: permission check, done
 *	miss: tlb_psc_lookup(va)          deepest cached table, if any
 *	      pt_walk / pt_walk_from      one entry load per level
 *	      tlb_psc_fill per table passed (also on a not-present fault:
 *	                                  the pointers above it were valid)
 *	      tlb_fill(leaf)              only for a walk that found a leaf
 *	      permission check
 *
 * Semantics (tests hold the code to them):
 *   - The result (physical address, permissions, fault) of every access is
 *     the same with and without a TLB, provided the page table is changed
 *     only through mmu_map / mmu_unmap / mmu_protect (which invalidate) or
 *     by adding mappings (pt_map), and its table entries carry no
 *     restrictions (tables made by pgtable carry none; a PSC caches only
 *     the next table's address, so a restriction in a skipped upper entry
 *     would be lost, as the PSC of tlb.h stores no permissions).
 *   - An access of @size bytes whose first and last bytes lie in different
 *     base pages (the geometry's page size, whatever the leaf size) is two
 *     translations: the page of its first byte, then the page of its last
 *     byte.  A fault on the first stops there.  Base pages, not leaves,
 *     decide, so the count of translations does not depend on the TLB.
 *   - Not-present, reserved and range faults are never cached.  A
 *     translation found with too few rights is cached (as x86 does) and
 *     faults on every access that needs more.
 *   - A TLB fill uses the largest page size the TLB is configured for that
 *     does not exceed the translation's size (a 2M leaf in a TLB of 4K
 *     entries is cached as its 4K pieces: "splintering"); a translation
 *     smaller than every TLB page size is not cached (counted as uncached).
 *     The size of an arm64 contiguous run counts as the translation's size.
 *   - Permissions: a read needs PT_PROT_READ, a write PT_PROT_WRITE, an
 *     instruction fetch PT_PROT_EXEC; with mmu_config.user also
 *     PT_PROT_USER.  Accessed/dirty bits are neither needed nor set.
 *   - Demand paging (mmu_config.demand): a not-present fault maps the
 *     demand page (default: the base page) that contains the address, to
 *     the next free simulated data frame, with mmu_config.demand_prot, and
 *     walks again (a second walk, counted; the TLB is not probed again).
 *     Data frames are handed out upwards from mmu_config.data_base
 *     (default 2^(pa_bits - 1), far above the tables' memory), each aligned
 *     to the demand page size, so the same accesses give the same frames.
 *   - Deterministic: the same calls give the same results and counters.
 *
 * Conventions: addresses and sizes are bytes in uint64_t; functions that
 * can fail return 0 or a negative errno; a fault is a separate value (enum
 * mmu_fault in struct mmu_result), never packed into the return.  The MMU
 * does not own the page table or the TLB; it may be destroyed before or
 * after them (it must not translate once they are gone).
 */
#ifndef VMBENCH_MMU_H
#define VMBENCH_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include <vmbench/pgtable.h>
#include <vmbench/tlb.h>

/* Kinds of access. */
enum mmu_access {
	MMU_READ,
	MMU_WRITE,
	MMU_EXEC,          /* instruction fetch */
};
#define MMU_NACCESS 3

/* Faults: the page-table walker's (enum pt_fault), then permission. */
enum mmu_fault {
	MMU_FAULT_NONE = PT_FAULT_NONE,
	MMU_FAULT_NOT_PRESENT = PT_FAULT_NOT_PRESENT,
	MMU_FAULT_RESERVED = PT_FAULT_RESERVED,
	MMU_FAULT_RANGE = PT_FAULT_RANGE,
	MMU_FAULT_BAD_PA = PT_FAULT_BAD_PA,
	MMU_FAULT_PERM,    /* translated, but the rights do not allow it */
};
#define MMU_NFAULT (MMU_FAULT_PERM + 1)

struct mmu_config {
	uint16_t asid;             /* ASID of every lookup and fill */
	bool user;                 /* accesses need PT_PROT_USER */
	bool demand;               /* map pages on not-present faults */
	uint64_t demand_page_size; /* 0: the base page; else a leaf size */
	uint32_t demand_prot;      /* 0: READ | WRITE | EXEC | USER */
	uint64_t data_base;        /* 0: 2^(pa_bits - 1) */
};

/* What one access gave. */
struct mmu_result {
	uint64_t pa;        /* PA of the first byte; PT_PA_NONE on a fault */
	uint64_t pa2;       /* straddling: PA of the first byte of the
			     * second page; else PT_PA_NONE */
	uint64_t fault_va;  /* the address whose translation faulted */
	uint32_t prot;      /* rights of the last page translated */
	uint8_t fault;      /* enum mmu_fault */
	uint8_t pages;      /* translations done: 1, or 2 when straddling */
	uint8_t source;     /* first page: 1 L1 hit, 2 L2 hit, 0 walk */
};

/*
 * Counters; the TLB's own counters are copied into .tlb by
 * mmu_get_counters() (all zero without a TLB).
 */
struct mmu_counters {
	uint64_t accesses;        /* mmu_translate() calls that ran */
	uint64_t translations;    /* pages translated (accesses + straddles) */
	uint64_t straddles;       /* accesses that crossed a base page */
	uint64_t tlb_hits;        /* translations a TLB level answered */
	uint64_t walks;           /* page-table walks, retries included */
	uint64_t walks_ok;        /* walks that reached a leaf */
	uint64_t walk_reads;      /* entries loaded by all walks */
	uint64_t walk_start[PT_MAX_LEVELS];  /* walks starting at level L */
	uint64_t faults[MMU_NFAULT];  /* accesses ending in each fault */
	uint64_t demand_maps;     /* pages mapped on demand */
	uint64_t uncached;        /* leaves no TLB page size could hold */
	struct tlb_counters tlb;
};

struct mmu;

/*
 * An MMU over @pt and, when @tlb is not NULL, @tlb (which other MMUs may
 * share, with their own ASIDs); @cfg NULL means all defaults (ASID 0,
 * kernel mode, no demand paging).  -EINVAL: a demand_page_size that is not
 * a leaf size of the geometry, or a data_base not aligned to it or beyond
 * pa_bits; -ENOMEM: out of memory.  Writes nothing in @pt or @tlb.
 */
int mmu_create(struct mmu **out, struct pt *pt, struct tlb *tlb,
	       const struct mmu_config *cfg);

/* Free @m (not its page table or TLB; if its port holds the TLB's clock,
 * tlb.h, the port hands it back, so the order of destruction is free).
 * NULL is a no-op. */
void mmu_destroy(struct mmu *m);

struct pt *mmu_pt(const struct mmu *m);
struct tlb *mmu_tlb(const struct mmu *m);

/*
 * Translate an access of @size bytes at @va (see the semantics above) into
 * *r.  Returns 0 when every page translated with enough rights; -EFAULT on
 * a fault (r->fault says which, r->fault_va where); -EINVAL when @size is
 * 0 or the access wraps past 2^64 - 1 (nothing is counted, *r is
 * untouched); -ENOMEM when demand paging ran out of host memory or of
 * simulated physical addresses (r->fault is then NOT_PRESENT).
 * A TLB hit allocates nothing and calls no function pointer.
 */
static inline int mmu_translate(struct mmu *m, uint64_t va, uint64_t size,
				enum mmu_access access, struct mmu_result *r);

/*
 * Page-table changes with the TLB invalidation they need: pt_map (adding
 * a mapping needs none), pt_unmap and pt_protect followed by
 * tlb_flush_range over the range for the MMU's ASID (which also drops the
 * ASID's PSC entries, so a freed table is never reached).  Errors are
 * pgtable's; nothing is flushed when the change failed.
 */
int mmu_map(struct mmu *m, uint64_t va, uint64_t pa, uint64_t size,
	    uint32_t prot, unsigned flags);
int mmu_unmap(struct mmu *m, uint64_t va, uint64_t size);
int mmu_protect(struct mmu *m, uint64_t va, uint64_t size, uint32_t prot);

/* Drop every TLB and PSC entry (a no-op without a TLB). */
void mmu_flush_all(struct mmu *m);

/*
 * mmu_get_counters(): this MMU's counters and its TLB's (which count the
 * lookups of every MMU sharing it) into *c; reads only, cannot fail.
 * mmu_counters_reset(): zero this MMU's counters and its TLB's; cannot
 * fail.
 */
void mmu_get_counters(const struct mmu *m, struct mmu_counters *c);
void mmu_counters_reset(struct mmu *m);

/* ======================== Advanced API ============================ */
/*
 * mmu_translate() is inline so that its common case, a one-page access
 * that the MMU's TLB port answers (tlb.h, Advanced API: tlb_port_slot(),
 * tlb_port_answers() with the access's rights, tlb_port_count()), needs no
 * call; every other case calls
 * mmu_translate_slow() or mmu_translate_missed(), which are the whole of
 * mmu_translate().  Results and counters are the same either way: the
 * port counts its own inline hits, and mmu_get_counters() adds them as
 * accesses, translations and TLB hits.  Every MMU has its own port, so any
 * number of MMUs (with any ASIDs) may share one TLB, each with the inline
 * path while its port holds the TLB's clock (tlb.h: the MMU that looked
 * up last; MMUs that take turns pay one lookup per turn, counted as the
 * same hit); an MMU never writes its TLB on create or reading counters.
 */

/* The first member of struct mmu: what the inline path reads. */
struct mmu_fast {
	struct tlb_port port;      /* the MMU's client state of its TLB */
	uint64_t key_mask[MMU_NACCESS];  /* tlb_port_key_mask() of need[] */
	uint32_t need[MMU_NACCESS];  /* rights each access kind needs */
};

static inline struct mmu_fast *mmu_fast(struct mmu *m)
{
	return (struct mmu_fast *)(void *)m;
}

/* mmu_translate() of any access. */
int mmu_translate_slow(struct mmu *m, uint64_t va, uint64_t size,
		       enum mmu_access access, struct mmu_result *r);

/*
 * mmu_translate() of an access of at most 1K, of a valid kind, whose
 * port slot did not answer (not current, another page, a straddle, or
 * too few rights).  A
 * function apart from mmu_translate_slow() so that the two calls are not
 * merged into one with a flag set on every access.
 */
int mmu_translate_missed(struct mmu *m, uint64_t va, uint64_t size,
			 enum mmu_access access, struct mmu_result *r);

static inline int mmu_translate(struct mmu *m, uint64_t va, uint64_t size,
				enum mmu_access access, struct mmu_result *r)
{
	struct mmu_fast *f = mmu_fast(m);
	const struct tlb_port_slot *s;

	/*
	 * 1 <= size <= 1K (constants only: for a constant size, nothing),
	 * then va's slot, whose key must hold the page of the LAST byte:
	 * a slot holds only pages of its own number modulo the slots
	 * (tlb.h), and the last byte's page is va's or the next (or wraps
	 * past 2^64 - 1 to page 0: the next, modulo), so a match says the
	 * access lies in one fronted page, which the port has only when
	 * it is no larger than a base page (mmu_create()): one page, no
	 * straddle, no wrap.  Everything else takes the out-of-line path,
	 * which answers the same.
	 */
	if (__builtin_expect((unsigned)access >= MMU_NACCESS ||
			     size - 1 >= 1024, 0))
		return mmu_translate_slow(m, va, size, access, r);
	s = tlb_port_slot(&f->port, va);
	if (__builtin_expect(!tlb_port_answers(&f->port, s, va + (size - 1),
					       f->key_mask[access]), 0))
		return mmu_translate_missed(m, va, size, access, r);
	tlb_port_count(&f->port, s);
	r->pa = tlb_port_slot_pa(s, va);
	r->pa2 = PT_PA_NONE;
	r->fault_va = va;
	r->prot = tlb_port_slot_perm(s);
	r->fault = MMU_FAULT_NONE;
	r->pages = 1;
	r->source = 1;
	return 0;
}

/*
 * Batches: mmu_translate() of many accesses in a row, with the inline
 * hit's state in registers.  Through struct mmu the compiler must reload
 * the port's words after every hit, since the hit's store of an LRU stamp
 * might alias them; a batch works on a copy of the port in a local
 * variable whose address is never given away, so it stays in registers:
 *
 *	struct mmu_batch b;
 *
 *	mmu_batch_begin(&b, m);
 *	for (...)
 *		if (mmu_batch_translate(&b, va, size, access))
 *			break;          (a fault: mmu_translate() tells which)
 *	mmu_batch_end(&b);
 *
 * Each mmu_batch_translate() is mmu_translate() of the same access, with
 * the same return value, replacement decisions and counters; only the
 * result is not kept.  Its inline hit is mmu_translate()'s; the touch
 * of a policy whose hit calls (tlb.h: TLB_HIT_CALL, tree-PLRU) and
 * everything that is not an inline hit go out of line on the MMU itself
 * (tlb_port_touch_slot(), mmu_translate_slow()), with the copy's hits
 * written back before and the copy read again after.  The hit action is
 * read once (b.hit); a loop that needs every instruction splits
 * mmu_batch_translate() into its two halves, specialised by hand:
 *
 *	switch (b.hit) {                  (one loop per action, each with
 *	case TLB_HIT_STAMP:                a constant: no test of it)
 *		for (...)
 *			if (!mmu_batch_hit(&b, va, size, key_of[kind],
 *					   TLB_HIT_STAMP) &&
 *			    mmu_batch_call(&b, va, size, access_of[kind]))
 *				break;
 *	...
 *
 * with key_of[] its own table of mmu_batch_key() by kind of access, so
 * that the hit tests no kind.  Between mmu_batch_begin() and
 * mmu_batch_end() nothing but the mmu_batch_* calls on @b
 * may use @m, its TLB or any other port of that TLB (the port in memory
 * lacks the copy's hits, and the copy would not see a change of the
 * port).
 */
struct mmu_batch {
	struct tlb_port port;      /* a copy of the MMU's port */
	uint64_t clock;            /* port.clock0 + the hits (tlb.h: the
				    * holder's clock), one register */
	uint64_t key_mask[MMU_NACCESS];
	struct mmu *m;
	uint8_t hit;               /* port.hit, read once: loop-invariant */
};

/* The copy's words from the MMU's port: at the start and after a call. */
static inline void mmu_batch_load(struct mmu_batch *b)
{
	b->port = mmu_fast(b->m)->port;
	b->clock = b->port.clock0 + b->port.hits;
}

static inline void mmu_batch_begin(struct mmu_batch *b, struct mmu *m)
{
	b->m = m;
	b->hit = mmu_fast(m)->port.hit;
	for (unsigned a = 0; a < MMU_NACCESS; a++)
		b->key_mask[a] = mmu_fast(m)->key_mask[a];
	mmu_batch_load(b);
}

/* The copy's hits back into the MMU's port: the only word of it a hit
 * writes (the LRU stamp it writes is the TLB's own). */
static inline void mmu_batch_end(struct mmu_batch *b)
{
	mmu_fast(b->m)->port.hits = b->clock - b->port.clock0;
}

/* mmu_translate() on the MMU itself, out of line, the copy synced. */
static inline int mmu_batch_call(struct mmu_batch *b, uint64_t va,
				 uint64_t size, enum mmu_access access)
{
	struct mmu_result r;
	int ret;

	mmu_batch_end(b);
	ret = mmu_translate_slow(b->m, va, size, access, &r);
	mmu_batch_load(b);
	return ret;
}

/* The policy's touch of slot @s's entry, on the MMU's port, synced. */
static inline void mmu_batch_touch(struct mmu_batch *b,
				   const struct tlb_port_slot *s)
{
	mmu_batch_end(b);
	tlb_port_touch_slot(&mmu_fast(b->m)->port, s);
	mmu_batch_load(b);
}

/*
 * The key mask of @access (< MMU_NACCESS) for mmu_batch_hit():
 * fixed for the MMU's life, so a client may map its own kinds of access
 * to key masks once, in a table.
 */
static inline uint64_t mmu_batch_key(const struct mmu_batch *b,
				     enum mmu_access access)
{
	return b->key_mask[access];
}

/*
 * The inline hit of mmu_batch_translate(): true when the batch's port
 * answers an access of @size bytes at @va whose key mask is @key
 * (mmu_batch_key() of its access), after counting it as
 * mmu_batch_translate() does; false, with nothing changed, when the
 * access must go out of line: mmu_batch_call() then is its
 * mmu_batch_translate().  @hit is b->hit: a caller that passes a
 * constant (a switch on b->hit around its loop) gets a loop without the
 * hit action's test; one that maps its own kinds of access to key masks
 * in a table (mmu_batch_key() is fixed for the MMU's life) tests no kind
 * on the hit path.
 */
static inline __attribute__((always_inline)) bool
mmu_batch_hit(struct mmu_batch *b, uint64_t va, uint64_t size, uint64_t key,
	      enum tlb_hit_action hit)
{
	const struct tlb_port_slot *s;

	/* The tests of mmu_translate(), on the copy. */
	if (__builtin_expect(size - 1 >= 1024, 0))
		return false;
	s = tlb_port_slot(&b->port, va);
	if (__builtin_expect(!tlb_port_answers(&b->port, s, va + (size - 1),
					       key), 0))
		return false;
	/* tlb_port_count() on the copy. */
	++b->clock;
	if (__builtin_expect(hit == TLB_HIT_STAMP, 1))
		s->stamp->age = b->clock;
	else if (__builtin_expect(hit == TLB_HIT_CALL, 0))
		mmu_batch_touch(b, s);
	return true;
}

/* mmu_translate(m, va, size, access, r) with its result not kept. */
static inline int mmu_batch_translate(struct mmu_batch *b, uint64_t va,
				      uint64_t size, enum mmu_access access)
{
	if (__builtin_expect((unsigned)access < MMU_NACCESS, 1) &&
	    mmu_batch_hit(b, va, size, mmu_batch_key(b, access),
			  (enum tlb_hit_action)b->hit))
		return 0;
	return mmu_batch_call(b, va, size, access);
}

#endif /* VMBENCH_MMU_H */
