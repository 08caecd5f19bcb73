/* SPDX-License-Identifier: MIT */
/*
 * The vmap catalogue: every strategy in the registry, under two page sizes,
 * through hand-built cases with the address lowest-fit must give for each
 * allocation, and vmap_check() plus a full comparison with the model
 * (tests/vmap/vmap_ref.h) after every operation.
 *
 * Strategies that do not claim lowest-fit run the same cases but are held
 * to validity instead: an answer inside the window, aligned, free, and
 * -ENOSPC exactly when no such place exists (the API's definition of
 * -ENOSPC; a strategy with may_refuse may also answer -ENOSPC where room
 * exists).  Cases build their layouts with windows exactly one area wide
 * (ut_place), which leaves any valid strategy a single choice, and free
 * only what allocations returned, so they mean the same under any policy.
 *
 * Conventions in this file: P is the page size, S the start of the range,
 * PG(n) n pages in bytes; NOSPC stands for an -ENOSPC answer (no area can
 * start at UINT64_MAX: areas are whole pages inside a page-aligned range).
 */
#include <errno.h>

#include <vmbench/vmap.h>

#include "../test.h"
#include "vmap_ref.h"
#include "vmap_check.h"

#define NOSPC UINT64_MAX
#define S (1ULL << 32)  /* aligned beyond any alignment the cases use */
#define PG(n) ((uint64_t)(n) * t->P)

struct ut {
	const struct vmap_strategy *s;
	struct vmap *v;
	struct vref ref;
	uint64_t P;
	uint64_t last_visits;   /* node_visits never goes down */
};

/* What is under test, for the message of a failing assertion. */
static const char *cur_strategy = "(none)";
static const char *cur_case = "(none)";
static uint64_t cur_page;
static int finished;

static void print_context(void)
{
	if (!finished)
		fprintf(stderr, "  while testing strategy '%s', page size "
			"%llu, case '%s'\n", cur_strategy,
			(unsigned long long)cur_page, cur_case);
}

/* Compare everything observable with the model; check() the structures. */
static void ut_verify(struct ut *t)
{
	const struct vref *r = &t->ref;
	struct vmap_stats st;
	struct vmap_area got;
	uint64_t prev_end = r->start;

	ASSERT_CHECK_OK(t->v);
	vmap_stats(t->v, &st);
	ASSERT_EQ(st.live_areas, r->n);
	if (r->n)
		ASSERT_LT(0, st.meta_bytes);
	ASSERT_LE(t->last_visits, st.node_visits);
	t->last_visits = st.node_visits;

	/* First and last byte of every area; first and last byte of gaps. */
	for (size_t i = 0; i <= r->n; i++) {
		uint64_t gap_end = i < r->n ? r->a[i].start : r->end;

		if (prev_end < gap_end) {
			ASSERT_EQ(vmap_find(t->v, prev_end, &got), -ENOENT);
			ASSERT_EQ(vmap_find(t->v, gap_end - 1, &got), -ENOENT);
		}
		if (i == r->n)
			break;
		got.start = got.size = 0;
		ASSERT_OK(vmap_find(t->v, r->a[i].start, &got));
		ASSERT_EQ(got.start, r->a[i].start);
		ASSERT_EQ(got.size, r->a[i].size);
		got.start = got.size = 0;
		ASSERT_OK(vmap_find(t->v, r->a[i].start + r->a[i].size - 1,
				    &got));
		ASSERT_EQ(got.start, r->a[i].start);
		ASSERT_EQ(got.size, r->a[i].size);
		prev_end = r->a[i].start + r->a[i].size;
	}
	/* Outside the range nothing is found. */
	if (r->start)
		ASSERT_EQ(vmap_find(t->v, r->start - 1, &got), -ENOENT);
	ASSERT_EQ(vmap_find(t->v, r->end, &got), -ENOENT);
	ASSERT_EQ(vmap_find(t->v, UINT64_MAX, &got), -ENOENT);
}

static void ut_open(struct ut *t, const struct vmap_strategy *s,
		    uint64_t start, uint64_t end, uint64_t page)
{
	t->s = s;
	t->P = page;
	t->last_visits = 0;
	t->v = NULL;
	ASSERT_OK(vmap_create(&t->v, s->name, start, end, page));
	ASSERT(t->v != NULL);
	ASSERT(vmap_strategy_of(t->v) == s);
	vref_init(&t->ref, start, end, page);
	ut_verify(t);
}

static void ut_close(struct ut *t)
{
	vmap_destroy(t->v);
	vref_fini(&t->ref);
}

/*
 * Allocate and judge the answer: for a lowest-fit strategy it must be
 * @expect (an address or NOSPC), and so must the model's; otherwise it must
 * be valid.  Returns the address, or NOSPC.
 */
static uint64_t ut_alloc_in(struct ut *t, uint64_t size, uint64_t align,
			    uint64_t vstart, uint64_t vend, uint64_t expect)
{
	uint64_t addr = NOSPC, ref_addr = NOSPC;
	int rc = vmap_alloc(t->v, size, align, vstart, vend, &addr);
	int ref_rc = vref_fit(&t->ref, size, align, vstart, vend, &ref_addr);

	if (rc != 0 && rc != -ENOSPC)
		TEST_FAIL("alloc(%#llx, align %#llx, [%#llx, %#llx)): %d",
			  (unsigned long long)size, (unsigned long long)align,
			  (unsigned long long)vstart, (unsigned long long)vend,
			  rc);
	if (rc)
		addr = NOSPC;
	if (ref_rc)
		ref_addr = NOSPC;
	if (t->s->lowest_fit) {
		/* The model agreeing shows the expectation itself is right. */
		ASSERT_EQ(ref_addr, expect);
		ASSERT_EQ(addr, expect);
	} else if (ref_rc) {
		ASSERT_EQ(rc, -ENOSPC);
	} else if (rc == -ENOSPC && t->s->may_refuse) {
		/* The kernel's rule passed over the room there is. */
	} else {
		ASSERT_EQ(rc, 0);
		ASSERT(vref_valid(&t->ref, addr, size, align, vstart, vend));
	}
	if (!rc)
		vref_insert(&t->ref, addr, size);
	ut_verify(t);
	return addr;
}

/* Allocate anywhere in the range. */
static uint64_t ut_alloc(struct ut *t, uint64_t size, uint64_t align,
			 uint64_t expect)
{
	return ut_alloc_in(t, size, align, t->ref.start, t->ref.end, expect);
}

/* Make [addr, addr + size) busy through a window that leaves no choice. */
static uint64_t ut_place(struct ut *t, uint64_t addr, uint64_t size)
{
	return ut_alloc_in(t, size, t->P, addr, addr + size, addr);
}

static void ut_free(struct ut *t, uint64_t addr)
{
	/* An allocation that failed only because its policy differs. */
	if (addr == NOSPC && !t->s->lowest_fit)
		return;
	ASSERT_OK(vref_remove(&t->ref, addr));
	ASSERT_OK(vmap_free(t->v, addr));
	ut_verify(t);
}

/* A failed operation changed nothing visible. */
static void ut_stats_same(struct ut *t, const struct vmap_stats *before)
{
	struct vmap_stats after;

	vmap_stats(t->v, &after);
	ASSERT_EQ(after.live_areas, before->live_areas);
	ASSERT_EQ(after.meta_bytes, before->meta_bytes);
	ut_verify(t);
}

static void ut_free_bad(struct ut *t, uint64_t addr)
{
	struct vmap_stats before;

	vmap_stats(t->v, &before);
	ASSERT_EQ(vmap_free(t->v, addr), -ENOENT);
	ut_stats_same(t, &before);
}

static void ut_alloc_inval(struct ut *t, uint64_t size, uint64_t align,
			   uint64_t vstart, uint64_t vend)
{
	struct vmap_stats before;
	uint64_t addr = 12345;

	vmap_stats(t->v, &before);
	ASSERT_EQ(vmap_alloc(t->v, size, align, vstart, vend, &addr), -EINVAL);
	ASSERT_EQ(addr, 12345);
	ut_stats_same(t, &before);
}

static void ut_find_is(struct ut *t, uint64_t addr, uint64_t start,
		       uint64_t size)
{
	struct vmap_area got = { 0, 0 };

	ASSERT_OK(vmap_find(t->v, addr, &got));
	ASSERT_EQ(got.start, start);
	ASSERT_EQ(got.size, size);
}

static void ut_find_none(struct ut *t, uint64_t addr)
{
	struct vmap_area got;

	ASSERT_EQ(vmap_find(t->v, addr, &got), -ENOENT);
}

/* Free every live area, in the order of the model's array reversed. */
static void ut_free_all(struct ut *t)
{
	while (t->ref.n)
		ut_free(t, t->ref.a[t->ref.n - 1].start);
}

/* A hole fitting exactly is taken even when an earlier hole is smaller. */
static void case_exact_fit(struct ut *t)
{
	uint64_t a, b, c;

	ut_place(t, S + PG(2), PG(2));   /* hole [0, 2) */
	ut_place(t, S + PG(7), PG(1));   /* hole [4, 7), then [8, 16) */
	a = ut_alloc(t, PG(3), t->P, S + PG(4));
	b = ut_alloc(t, PG(2), t->P, S);
	c = ut_alloc(t, PG(8), t->P, S + PG(8));
	ut_alloc(t, PG(1), t->P, NOSPC);
	/* The hole left by b is taken again, exactly. */
	ut_free(t, b);
	b = ut_alloc(t, PG(2), t->P, S);
	ut_free(t, a);
	ut_free(t, c);
	/* Holes [4, 7) and [8, 16): four pages skip the first. */
	c = ut_alloc(t, PG(4), t->P, S + PG(8));
	a = ut_alloc(t, PG(3), t->P, S + PG(4));
	ut_alloc(t, PG(5), t->P, NOSPC);
	ut_free_all(t);
}

/* Where in a hole an area lands: left edge, right edge, middle. */
static void case_hole_placement(struct ut *t)
{
	uint64_t a;

	ut_place(t, S, PG(1));
	ut_place(t, S + PG(16), PG(1));  /* hole [1, 16), then [17, 64) */
	a = ut_alloc(t, PG(2), t->P, S + PG(1));            /* left edge */
	ut_free(t, a);
	a = ut_alloc(t, PG(8), PG(8), S + PG(8));           /* right edge */
	ut_free(t, a);
	a = ut_alloc(t, PG(2), PG(4), S + PG(4));           /* middle */
	ut_free(t, a);
	/* Aligned, it no longer fits the first hole: next aligned hole. */
	a = ut_alloc(t, PG(8), PG(16), S + PG(32));
	ut_free(t, a);
	/* The whole first hole, exactly, with the alignment of its start. */
	a = ut_alloc(t, PG(15), PG(1), S + PG(1));
	ut_free(t, a);
	ut_free_all(t);
}

/* An alignment the hole cannot satisfy skips to the next aligned hole. */
static void case_align_skip(struct ut *t)
{
	uint64_t first, a, b;

	first = ut_place(t, S, PG(1));
	ut_place(t, S + PG(3), PG(5));
	ut_place(t, S + PG(12), PG(4));
	/* Holes [1, 3), [8, 12), [16, 32). */
	a = ut_alloc(t, PG(1), PG(4), S + PG(8));
	b = ut_alloc(t, PG(4), PG(8), S + PG(16));
	ut_alloc(t, PG(2), PG(16), NOSPC);
	/* An alignment beyond the range: only its start qualifies. */
	ut_alloc(t, PG(1), 1ULL << 23, NOSPC);
	ut_alloc(t, PG(1), 1ULL << 40, NOSPC);
	ut_free(t, first);
	first = ut_alloc(t, PG(1), 1ULL << 23, S);
	ut_free(t, a);
	ut_free(t, b);
	ut_free(t, first);
	ut_free_all(t);
}

/* Freed neighbours merge: a run across them fits only once both are free. */
static void case_merge(struct ut *t)
{
	uint64_t x[5], y;

	for (int i = 0; i < 5; i++)
		x[i] = ut_place(t, S + PG(2 * i), PG(2));
	ut_alloc(t, PG(1), t->P, NOSPC);

	/* Merge on the left: C joins the free B before it. */
	ut_free(t, x[1]);
	ut_alloc(t, PG(4), t->P, NOSPC);
	ut_free(t, x[2]);
	y = ut_alloc(t, PG(4), t->P, S + PG(2));
	ut_free(t, y);
	x[1] = ut_place(t, S + PG(2), PG(2));
	x[2] = ut_place(t, S + PG(4), PG(2));

	/* Merge on the right: C joins the free D after it. */
	ut_free(t, x[3]);
	ut_alloc(t, PG(4), t->P, NOSPC);
	ut_free(t, x[2]);
	y = ut_alloc(t, PG(4), t->P, S + PG(4));
	ut_free(t, y);
	x[2] = ut_place(t, S + PG(4), PG(2));
	x[3] = ut_place(t, S + PG(6), PG(2));

	/* Merge on both sides: B, C, D become one hole of six pages. */
	ut_free(t, x[1]);
	ut_free(t, x[3]);
	ut_alloc(t, PG(4), t->P, NOSPC);
	ut_free(t, x[2]);
	ut_alloc(t, PG(7), t->P, NOSPC);
	y = ut_alloc(t, PG(6), t->P, S + PG(2));
	ut_free(t, y);

	/* And with the ends of the range: A with the hole, E with it too. */
	ut_free(t, x[0]);
	y = ut_alloc(t, PG(8), t->P, S);
	ut_alloc(t, PG(1), t->P, NOSPC);
	ut_free(t, y);
	ut_free(t, x[4]);
	y = ut_alloc(t, PG(10), t->P, S);
	ut_free(t, y);
	ut_free_all(t);
}

/* Windows: areas land inside; a full window says no, the range has room. */
static void case_window(struct ut *t)
{
	ut_alloc_in(t, PG(4), t->P, S + PG(16), S + PG(24), S + PG(16));
	ut_alloc_in(t, PG(4), t->P, S + PG(16), S + PG(24), S + PG(20));
	ut_alloc_in(t, PG(1), t->P, S + PG(16), S + PG(24), NOSPC);
	ut_alloc(t, PG(1), t->P, S);
	/* Busy: [0, 1) [16, 24).  vstart inside a busy area. */
	ut_alloc_in(t, PG(2), t->P, S + PG(20), S + PG(40), S + PG(24));
	ut_place(t, S + PG(30), PG(2));
	/*
	 * Busy: [0, 1) [16, 26) [30, 32).  A window four pages wide whose
	 * start is busy and whose end cuts the hole [26, 30).
	 */
	ut_alloc_in(t, PG(4), t->P, S + PG(25), S + PG(29), NOSPC);
	ut_alloc_in(t, PG(3), t->P, S + PG(25), S + PG(29), S + PG(26));
	/* Busy up to 29: the one-page hole [29, 30) is skipped. */
	ut_alloc_in(t, PG(2), t->P, S + PG(25), S + PG(40), S + PG(32));
	/* Unaligned bounds shrink to the whole pages inside. */
	ut_alloc_in(t, PG(3), t->P, S + PG(40) + 1, S + PG(44),
		    S + PG(41));
	ut_alloc_in(t, PG(3), t->P, S + PG(44) + 1, S + PG(48) - 1, NOSPC);
	ut_alloc_in(t, PG(2), t->P, S + PG(44) + 1, S + PG(48) - 1,
		    S + PG(45));
	ut_alloc_in(t, PG(1), t->P, S + PG(50) + 1, S + PG(51) + 7, NOSPC);
	/* Alignment inside a window. */
	ut_alloc_in(t, PG(1), PG(8), S + PG(1), S + PG(8), NOSPC);
	ut_alloc_in(t, PG(1), PG(8), S + PG(1), S + PG(9), S + PG(8));
	/* A window reaching the end of the range. */
	ut_alloc_in(t, PG(4), t->P, S + PG(60), S + PG(64), S + PG(60));
	ut_alloc_in(t, PG(1), t->P, S + PG(60), S + PG(64), NOSPC);
	/* The range itself as the window: still the lowest hole. */
	ut_alloc(t, PG(2), t->P, S + PG(1));
	ut_free_all(t);
}

/* Exhaust the range, refill after frees, ask for more than the range. */
static void case_exhaust(struct ut *t)
{
	uint64_t x[8], big;

	for (int i = 0; i < 8; i++)
		x[i] = ut_alloc(t, PG(1), t->P, S + PG(i));
	ut_alloc(t, PG(1), t->P, NOSPC);
	ut_alloc_in(t, PG(1), t->P, S + PG(3), S + PG(5), NOSPC);
	ut_free(t, x[5]);
	ut_free(t, x[2]);
	ut_free(t, x[7]);
	x[2] = ut_alloc(t, PG(1), t->P, S + PG(2));
	x[5] = ut_alloc(t, PG(1), t->P, S + PG(5));
	x[7] = ut_alloc(t, PG(1), t->P, S + PG(7));
	ut_alloc(t, PG(1), t->P, NOSPC);
	for (int i = 7; i >= 0; i--)
		ut_free(t, x[i]);
	big = ut_alloc(t, PG(8), t->P, S);
	ut_alloc(t, PG(1), t->P, NOSPC);
	ut_free(t, big);
	ut_alloc(t, PG(9), t->P, NOSPC);
	ut_alloc(t, PG(8), PG(16), S);
	ut_free_all(t);
}

/* The last page of the range is usable and findable. */
static void case_last_page(struct ut *t)
{
	uint64_t a, b;

	a = ut_alloc(t, PG(15), t->P, S);
	b = ut_alloc(t, PG(1), t->P, S + PG(15));
	ut_alloc(t, PG(1), t->P, NOSPC);
	ut_find_is(t, S + PG(16) - 1, S + PG(15), PG(1));
	ut_find_none(t, S + PG(16));
	ut_free(t, b);
	b = ut_alloc_in(t, PG(1), t->P, S + PG(15), S + PG(16), S + PG(15));
	ut_free(t, a);
	ut_free(t, b);
}

/* The range [2^64 - 64 pages, 2^64 - 1 page): no wrap anywhere. */
static void case_top_of_space(struct ut *t)
{
	uint64_t end = 0 - t->P, start = 0 - PG(64);
	uint64_t a, b, c;

	/* Every multiple of these alignments at or above start is 2^64. */
	ut_alloc(t, PG(1), 1ULL << 63, NOSPC);
	ut_alloc(t, PG(1), PG(128), NOSPC);
	a = ut_alloc(t, PG(1), PG(64), start);
	ut_alloc(t, PG(1), PG(64), NOSPC);
	b = ut_alloc(t, PG(1), PG(32), start + PG(32));
	ut_alloc(t, PG(61), t->P, NOSPC);
	ut_free(t, b);
	b = ut_alloc(t, PG(61), t->P, start + PG(1));
	c = ut_alloc(t, PG(1), t->P, end - PG(1));   /* the last page */
	ut_alloc(t, PG(1), t->P, NOSPC);
	ut_find_is(t, end - 1, end - PG(1), PG(1));
	ut_find_none(t, end);
	ut_find_none(t, UINT64_MAX);
	ut_free_bad(t, end);
	ut_free_bad(t, UINT64_MAX);
	ut_free(t, c);
	ut_alloc_in(t, PG(2), t->P, end - PG(1), end, NOSPC);
	ut_alloc_in(t, PG(1), PG(4), end - PG(1), end, NOSPC);
	c = ut_alloc_in(t, PG(1), t->P, end - PG(1), end, end - PG(1));
	ut_alloc_in(t, PG(1), t->P, end - PG(1), end, NOSPC);
	ut_free(t, a);
	ut_free(t, b);
	ut_free(t, c);
	ut_alloc(t, PG(63), t->P, start);
	ut_free_all(t);
}

/* The whole 64-bit space as the range, address 0 included. */
static void case_whole_space(struct ut *t)
{
	ut_alloc(t, PG(1), 1ULL << 63, 0);
	ut_alloc(t, PG(1), 1ULL << 63, 1ULL << 63);
	ut_alloc(t, PG(1), 1ULL << 63, NOSPC);
	ut_alloc(t, PG(1), 1ULL << 62, 1ULL << 62);
	ut_alloc(t, PG(2), t->P, PG(1));
	ut_find_is(t, 0, 0, PG(1));
	ut_find_is(t, (1ULL << 63) + PG(1) - 1, 1ULL << 63, PG(1));
	ut_find_none(t, (1ULL << 63) + PG(1));
	ut_alloc_in(t, PG(1), t->P, 0 - PG(2), 0 - PG(1), 0 - PG(2));
	ut_free_all(t);
}

/* find at area edges, across adjacent areas and in the gaps. */
static void case_find(struct ut *t)
{
	ut_place(t, S + PG(2), PG(3));
	ut_place(t, S + PG(5), PG(1));
	ut_place(t, S + PG(10), PG(2));
	ut_find_is(t, S + PG(2), S + PG(2), PG(3));
	ut_find_is(t, S + PG(3) + 123, S + PG(2), PG(3));
	ut_find_is(t, S + PG(5) - 1, S + PG(2), PG(3));
	ut_find_is(t, S + PG(5), S + PG(5), PG(1));
	ut_find_is(t, S + PG(6) - 1, S + PG(5), PG(1));
	ut_find_none(t, S + PG(6));
	ut_find_none(t, S + PG(10) - 1);
	ut_find_is(t, S + PG(12) - 1, S + PG(10), PG(2));
	ut_find_none(t, S + PG(12));
	ut_find_none(t, S);
	ut_find_none(t, S + PG(2) - 1);
	ut_find_none(t, S - 1);
	ut_find_none(t, 0);
	ut_find_none(t, S + PG(32));
	ut_free_all(t);
}

/* Frees that must fail with -ENOENT and leave everything as it was. */
static void case_free_errors(struct ut *t)
{
	uint64_t a, b;

	ut_free_bad(t, S);                      /* empty allocator */
	a = ut_place(t, S + PG(2), PG(3));
	b = ut_place(t, S + PG(8), PG(1));
	ut_free_bad(t, S);                      /* in a gap */
	ut_free_bad(t, S + PG(5));              /* just past an area */
	ut_free_bad(t, S + PG(3));              /* inside, page-aligned */
	ut_free_bad(t, S + PG(2) + 1);          /* inside, unaligned */
	ut_free_bad(t, S + PG(4) + t->P / 2);
	ut_free_bad(t, S - t->P);               /* below the range */
	ut_free_bad(t, S + PG(32));             /* at its end */
	ut_free_bad(t, UINT64_MAX);
	ut_free_bad(t, 0);
	ut_free(t, a);
	ut_free_bad(t, a);                      /* double free */
	ut_free(t, b);
	ut_free_bad(t, b);
	ut_free_bad(t, a);
	a = ut_alloc(t, PG(3), t->P, S);
	ut_free_all(t);
}

/* Misuse of create and alloc: -EINVAL, nothing changed. */
static void case_misuse(struct ut *t)
{
	const char *name = t->s->name;
	uint64_t end = t->ref.end, P = t->P;
	struct vmap *v = NULL;

	ASSERT_EQ(vmap_create(&v, "no-such-strategy", S, end, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, "", S, end, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, end, 0), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, end, 3), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, end, P + 1), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, end, P * 3), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, S, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, end, S, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S + 1, end, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S + P / 2, end, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, end + 1, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, end - P / 2, P), -EINVAL);
	ASSERT_EQ(vmap_create(&v, name, S, UINT64_MAX, P), -EINVAL);
	ASSERT(v == NULL);

	ut_place(t, S + PG(4), PG(1));
	ut_alloc_inval(t, 0, P, S, end);
	ut_alloc_inval(t, P + 1, P, S, end);
	ut_alloc_inval(t, P / 2, P, S, end);
	ut_alloc_inval(t, P + P / 2, P, S, end);
	ut_alloc_inval(t, P, 0, S, end);
	ut_alloc_inval(t, P, 3, S, end);
	ut_alloc_inval(t, P, 3 * P, S, end);
	ut_alloc_inval(t, P, UINT64_MAX, S, end);
	ut_alloc_inval(t, P, P, S + PG(2), S + PG(2));
	ut_alloc_inval(t, P, P, S + PG(3), S + PG(2));
	ut_alloc_inval(t, P, P, S - P, S + PG(2));
	ut_alloc_inval(t, P, P, S, end + P);
	ut_alloc_inval(t, P, P, end, end + PG(4));
	ut_alloc_inval(t, P, P, 0, UINT64_MAX);

	/* An alignment below the page size is the page size. */
	ut_alloc(t, P, 1, S);
	ut_alloc(t, P, 2, S + PG(1));
	ut_alloc(t, P, P / 2, S + PG(2));
	ut_alloc(t, PG(2), 512, S + PG(5));
	ut_alloc_in(t, P, 1, S + 1, S + PG(8), S + PG(3));

	/* Fill the range: bad arguments still say -EINVAL, not -ENOSPC. */
	ut_alloc(t, PG(25), P, S + PG(7));
	ut_alloc(t, P, P, NOSPC);
	ut_alloc_inval(t, 0, P, S, end);
	ut_alloc_inval(t, P, 6, S, end);
	ut_alloc_inval(t, P, P, S, end + P);
	ut_free_all(t);
}

/* node_visits after one operation that must examine some node. */
static void ut_visits_grow(struct ut *t, struct vmap_stats *before)
{
	struct vmap_stats after;

	vmap_stats(t->v, &after);
	ASSERT_LT(before->node_visits, after.node_visits);
}

/* live_areas follows the areas; node_visits grows; metadata grows. */
static void case_stats(struct ut *t)
{
	struct vmap_stats empty, one, full, st;
	struct vmap_area area;
	uint64_t x[100], addr;

	vmap_stats(t->v, &empty);
	ASSERT_EQ(empty.live_areas, 0);
	x[0] = ut_alloc(t, t->P, t->P, S);
	vmap_stats(t->v, &one);
	ASSERT_EQ(one.live_areas, 1);
	ASSERT_LT(0, one.meta_bytes);
	for (int i = 1; i < 100; i++)
		x[i] = ut_alloc(t, t->P, t->P, S + PG(i));
	vmap_stats(t->v, &full);
	ASSERT_EQ(full.live_areas, 100);
	ASSERT_LT(empty.meta_bytes, full.meta_bytes);
	ASSERT_LT(one.node_visits, full.node_visits);

	/* With areas live, each kind of operation examines some node. */
	vmap_stats(t->v, &st);
	ASSERT_OK(vmap_find(t->v, S + PG(50), &area));
	ut_visits_grow(t, &st);
	vmap_stats(t->v, &st);
	ASSERT_OK(vmap_alloc(t->v, t->P, t->P, S, t->ref.end, &addr));
	ut_visits_grow(t, &st);
	vmap_stats(t->v, &st);
	ASSERT_OK(vmap_free(t->v, addr));
	ut_visits_grow(t, &st);
	ut_verify(t);

	for (int i = 0; i < 100; i += 2)
		ut_free(t, x[i]);
	vmap_stats(t->v, &st);
	ASSERT_EQ(st.live_areas, 50);
	ASSERT_LT(full.node_visits, st.node_visits);
	for (int i = 1; i < 100; i += 2)
		ut_free(t, x[i]);
	vmap_stats(t->v, &st);
	ASSERT_EQ(st.live_areas, 0);
}

struct ucase {
	const char *name;
	void (*run)(struct ut *t);
	uint64_t pages;  /* the range's length, unless where == 2 */
	int where;       /* 0: from S; 1: ending at 2^64 - P; 2: [0, -P) */
};

static const struct ucase cases[] = {
	{ "exact fit", case_exact_fit, 16, 0 },
	{ "hole placement", case_hole_placement, 64, 0 },
	{ "alignment skips holes", case_align_skip, 32, 0 },
	{ "merge on free", case_merge, 10, 0 },
	{ "windows", case_window, 64, 0 },
	{ "exhaustion", case_exhaust, 8, 0 },
	{ "last page", case_last_page, 16, 0 },
	{ "top of 64-bit space", case_top_of_space, 63, 1 },
	{ "whole 64-bit space", case_whole_space, 0, 2 },
	{ "find", case_find, 32, 0 },
	{ "free errors", case_free_errors, 32, 0 },
	{ "misuse", case_misuse, 32, 0 },
	{ "stats", case_stats, 1024, 0 },
};

static void run_case(const struct vmap_strategy *s, const struct ucase *c,
		     uint64_t page)
{
	struct ut t;
	uint64_t start, end;

	cur_case = c->name;
	switch (c->where) {
	case 1:
		end = 0 - page;
		start = end - c->pages * page;
		break;
	case 2:
		start = 0;
		end = 0 - page;
		break;
	default:
		start = S;
		end = S + c->pages * page;
	}
	ut_open(&t, s, start, end, page);
	c->run(&t);
	ASSERT_EQ(t.ref.n, 0);
	ut_verify(&t);
	ut_close(&t);
}

/* The registry: names unique and findable, every entry complete. */
static void test_registry(const struct vmap_strategy *list, size_t n)
{
	size_t lowest = 0;

	cur_strategy = "(registry)";
	ASSERT_LT(0, n);
	for (size_t i = 0; i < n; i++) {
		ASSERT(list[i].name && list[i].name[0]);
		ASSERT(list[i].summary && list[i].summary[0]);
		ASSERT(list[i].ops != NULL);
		ASSERT(vmap_strategy_find(list[i].name) == &list[i]);
		for (size_t j = 0; j < i; j++)
			ASSERT(strcmp(list[i].name, list[j].name) != 0);
		lowest += list[i].lowest_fit;
	}
	/* The policy the differential test holds the others to. */
	ASSERT_LT(0, lowest);
	ASSERT(vmap_strategy_find("no-such-strategy") == NULL);
	ASSERT(vmap_strategy_find("") == NULL);
	vmap_destroy(NULL);
}

int main(void)
{
	static const uint64_t pages[] = { 4096, 65536 };
	size_t n;
	const struct vmap_strategy *list = vmap_strategies(&n);

	atexit(print_context);
	test_registry(list, n);
	for (size_t i = 0; i < n; i++) {
		cur_strategy = list[i].name;
		for (size_t p = 0; p < sizeof(pages) / sizeof(pages[0]); p++) {
			cur_page = pages[p];
			for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]);
			     c++)
				run_case(&list[i], &cases[c], pages[p]);
		}
		printf("vmap unit: %-14s ok (%s)\n", list[i].name,
		       list[i].lowest_fit ? "exact lowest-fit addresses" :
					    "validity only");
	}
	finished = 1;
	return 0;
}
