/* SPDX-License-Identifier: MIT */
/*
 * Walks over a memory whose frames come from a frame source
 * (pt_mem_create_sourced(), the seam to a physical page allocator), with
 * the x86-64 fast walk and with the generic walker of several
 * architectures.  A sourced memory is built by its own constructor, so
 * every field a walk reads (the host address of physical 0, the bytes
 * that may be read) must be set there too: each walk over it must give
 * what the same walk gives over an ordinary memory holding the same
 * mappings, and table addresses the source handed to nobody, or outside
 * the memory, must read as empty or be refused, never read out of bounds.
 *
 * The source here hands frames out from the top of the memory down and
 * takes them back last-in first-out, so tables sit at other addresses
 * than in an ordinary memory (which grows upwards): a walk that read a
 * table from the wrong place would not find the mapping.
 */
#include <errno.h>
#include <string.h>

#include <vmbench/pgtable.h>
#include <vmbench/rng.h>

#include "../../src/pgtable/pt_impl.h"
#include "../test.h"

#define SEED 42
#define FRAMES 256      /* of the sourced memory */
#define PAGES 48        /* random 4K mappings per geometry */
#define PROBES 4000     /* walks compared per geometry */

struct src {
	uint64_t frames;
	uint64_t next;                  /* frames below it never handed out */
	uint64_t stack[FRAMES], nstack; /* given back, reused LIFO */
	uint64_t in_use;
};

static int src_alloc(void *ctx, uint64_t *pa)
{
	struct src *s = ctx;
	uint64_t i;

	if (s->nstack)
		i = s->stack[--s->nstack];
	else if (s->next)
		i = --s->next;
	else
		return -ENOMEM;
	s->in_use++;
	*pa = PT_MEM_BASE + (i << 12);
	return 0;
}

static void src_free(void *ctx, uint64_t pa)
{
	struct src *s = ctx;

	ASSERT_LT(s->nstack, FRAMES);
	s->stack[s->nstack++] = (pa - PT_MEM_BASE) >> 12;
	s->in_use--;
}

static const struct pt_frame_source source = { src_alloc, src_free };

/* x86-64 entries in 3 levels: not a geometry the fast walk takes. */
static const struct pt_geometry x86_3l = {
	"x86-64-3l", "x86-64 entries, 3 levels, 39-bit VA", PT_ARCH_X86_64, 3,
	39, 52, 12, 8, { 9, 9, 9 }, 0x7, { 0 }
};

static void same_walk(const struct pt_walk *a, const struct pt_walk *b,
		      uint64_t va)
{
	if (a->pa != b->pa || a->size != b->size || a->prot != b->prot ||
	    a->fault != b->fault || a->level != b->level ||
	    a->start != b->start || a->reads != b->reads ||
	    a->entry != b->entry)
		TEST_FAIL("va %#llx: sourced pa %#llx size %#llx prot %#x "
			  "fault %u level %u reads %u entry %#llx; ordinary "
			  "pa %#llx size %#llx prot %#x fault %u level %u "
			  "reads %u entry %#llx", (unsigned long long)va,
			  (unsigned long long)a->pa,
			  (unsigned long long)a->size, a->prot, a->fault,
			  a->level, a->reads, (unsigned long long)a->entry,
			  (unsigned long long)b->pa,
			  (unsigned long long)b->size, b->prot, b->fault,
			  b->level, b->reads, (unsigned long long)b->entry);
}

static void check_geometry(const struct pt_geometry *g, bool fast)
{
	uint64_t page = 1ULL << g->page_shift, span = 1ULL << g->va_bits;
	uint64_t huge = page << g->bits[0];
	uint64_t vas[PAGES + 2];
	struct src s = { .frames = FRAMES, .next = FRAMES };
	struct pt_mem *mem;
	struct pt *ps, *po;
	struct pt_walk ws, wo;
	struct rng r;
	unsigned nva = 0;

	ASSERT_EQ(g->page_shift, 12);
	ASSERT_OK(pt_mem_create_sourced(&mem, 12, FRAMES, &source, &s));
	ASSERT_OK(pt_create(&ps, g, mem));
	ASSERT_OK(pt_create(&po, g, NULL));
	/* The walk the test means to exercise is the one that runs. */
	ASSERT_EQ(ps->fast != 0, fast);
	ASSERT_EQ(po->fast != 0, fast);
	/*
	 * What the fast walk reads instead of bytes and top (pt_impl.h)
	 * restates them, in either memory.
	 */
	ASSERT_EQ(mem->host0, (uintptr_t)mem->bytes - PT_MEM_BASE);
	ASSERT_EQ(mem->end, mem->top << mem->shift);
	ASSERT_EQ(mem->end, (uint64_t)FRAMES << 12);
	/* The root is the source's: its top frame. */
	ASSERT_EQ(pt_root(ps), PT_MEM_BASE + ((uint64_t)(FRAMES - 1) << 12));

	rng_seed(&r, SEED);
	/* Random 4K pages in the lower half, clustered so tables share. */
	while (nva < PAGES) {
		uint64_t region = rng_below(&r, 4) << (g->va_bits - 3);
		uint64_t va = region + (rng_below(&r, 256) << 12);
		uint64_t pa = (rng_below(&r, 1u << 20) + 1) << 12;
		uint32_t prot = PT_PROT_READ |
				(rng_below(&r, 2) ? PT_PROT_WRITE : 0) |
				(rng_below(&r, 2) ? PT_PROT_USER : 0);
		int e1 = pt_map(ps, va, pa, page, prot, 0);
		int e2 = pt_map(po, va, pa, page, prot, 0);

		ASSERT_EQ(e1, e2);
		if (e1 == -EEXIST)
			continue;
		ASSERT_OK(e1);
		vas[nva++] = va;
	}
	/* One leaf a level up (2M), away from the 4K pages. */
	ASSERT_OK(pt_map(ps, span / 2 - huge, 0x40000000ULL, huge,
			 PT_PROT_RWX, PT_MAP_HUGE));
	ASSERT_OK(pt_map(po, span / 2 - huge, 0x40000000ULL, huge,
			 PT_PROT_RWX, PT_MAP_HUGE));
	vas[nva++] = span / 2 - huge;
	ASSERT_OK(pt_check(ps, NULL));
	ASSERT_OK(pt_check(po, NULL));
	ASSERT_EQ(po->mem->host0, (uintptr_t)po->mem->bytes - PT_MEM_BASE);
	ASSERT_EQ(po->mem->end, po->mem->top << po->mem->shift);
	/* The tables are the source's, from the top down. */
	ASSERT_EQ(pt_mem_frames_in_use(mem), s.in_use);
	ASSERT_LT(s.next, FRAMES - 1);

	/* Mapped pages, their neighbours, unmapped and out-of-range VAs. */
	for (unsigned k = 0; k < PROBES; k++) {
		uint64_t va;

		switch (rng_below(&r, 4)) {
		case 0:
		case 1:
			va = vas[rng_below(&r, nva)] +
			     rng_below(&r, k & 1 ? huge : page);
			break;
		case 2:
			va = rng_below(&r, 4) << (g->va_bits - 3) |
			     rng_below(&r, 1u << 20) << 3;
			break;
		default:
			va = rng_next(&r);
			break;
		}
		pt_walk(ps, va, &ws);
		pt_walk(po, va, &wo);
		same_walk(&ws, &wo, va);
		/* From the last-level table each walk passed, if any. */
		if (ws.fault == PT_FAULT_NONE && ws.level == 0 &&
		    ws.start > 0) {
			struct pt_walk ls, lo;

			pt_walk_from(ps, va, 0, ws.table[0], &ls);
			pt_walk_from(po, va, 0, wo.table[0], &lo);
			same_walk(&ls, &lo, va);
			ASSERT_EQ(ls.pa, ws.pa);
			ASSERT_EQ(ls.reads, 1);
		}
	}

	/*
	 * A frame the source handed to nobody reads as zero: not present.
	 * The last frame of the memory ends it exactly; one past is outside.
	 */
	ASSERT_LT(0, s.next);
	pt_walk_from(ps, vas[0], 0, PT_MEM_BASE, &ws);
	ASSERT_EQ(ws.fault, PT_FAULT_NOT_PRESENT);
	ASSERT_EQ(ws.reads, 1);
	pt_walk_from(ps, vas[0], 1, PT_MEM_BASE + ((s.next - 1) << 12), &ws);
	ASSERT_EQ(ws.fault, PT_FAULT_NOT_PRESENT);
	pt_walk_from(ps, vas[0], 0, PT_MEM_BASE + ((uint64_t)FRAMES << 12),
		     &ws);
	ASSERT_EQ(ws.fault, PT_FAULT_BAD_PA);
	ASSERT_EQ(ws.pa, PT_PA_NONE);
	pt_walk_from(ps, vas[0], 1, PT_MEM_BASE + ((uint64_t)FRAMES << 20),
		     &ws);
	ASSERT_EQ(ws.fault, PT_FAULT_BAD_PA);
	pt_walk_from(ps, vas[0], 0, PT_MEM_BASE - 4096, &ws);
	ASSERT_EQ(ws.fault, PT_FAULT_BAD_PA);

	/* Unmapping gives the tables back to the source. */
	for (unsigned i = 0; i < nva - 1; i++)
		ASSERT_OK(pt_unmap(ps, vas[i], page));
	ASSERT_OK(pt_unmap(ps, span / 2 - huge, huge));
	ASSERT_OK(pt_check(ps, NULL));
	pt_walk(ps, vas[0], &ws);
	ASSERT_EQ(ws.fault, PT_FAULT_NOT_PRESENT);
	ASSERT_EQ(s.in_use, 1);         /* the root */
	pt_destroy(ps);
	ASSERT_EQ(s.in_use, 0);
	pt_destroy(po);
	pt_mem_destroy(mem);
}

int main(void)
{
	check_geometry(pt_geometry_find("x86-64-4l"), true);
	check_geometry(pt_geometry_find("x86-64-5l"), true);
	ASSERT_OK(pt_geometry_check(&x86_3l));
	check_geometry(&x86_3l, false);
	check_geometry(pt_geometry_find("arm64-4k-48"), false);
	check_geometry(pt_geometry_find("sv48"), false);
	return 0;
}
