/* SPDX-License-Identifier: MIT */
/*
 * The differential test: one seeded stream of random operations, applied to
 * every lowest-fit strategy in the registry and to the model in
 * tests/vmap/vmap_ref.c; every answer must be identical, address for
 * address, -ENOSPC for -ENOSPC, area for area.
 *
 * usage: test_vmap_diff [OPS [SEED]]   (defaults 10000000 and 1)
 *
 * The stream keeps the number of live areas on a random walk between
 * LIVE_LO and LIVE_HI, now and then drains to empty, and now and then fills
 * a small window until -ENOSPC.  It runs in phases: a small range at a low
 * address where the walk's peaks exhaust the range, the default x86-64
 * vmalloc range, and a range with 64 KiB pages that ends at the top of the
 * 64-bit space.
 *
 * Each strategy that does not claim lowest-fit gets a run of its own over
 * a tenth of the operations, where its answers must be valid instead:
 * inside the window, aligned, free, -ENOSPC exactly when the model finds
 * no room (a strategy with may_refuse may also refuse where the model
 * finds room; tests/vmap/test_vmap_linux.c holds those to each other).
 *
 * vmap_check() runs on every strategy after each of the first
 * CHECK_ALL_UNTIL operations of a phase, then every CHECK_EVERY, and at
 * the end of the phase.
 */
#include <errno.h>

#include <vmbench/rng.h>
#include <vmbench/vmap.h>

#include "../test.h"
#include "vmap_ref.h"
#include "vmap_check.h"

#define CHECK_ALL_UNTIL 100000
#define CHECK_EVERY 4096
#define LIVE_LO 50
#define LIVE_HI 400
#define MAX_SIZE_SHIFT 10         /* sizes of 1 to 2^10 pages */
#define MAX_ALIGN_SHIFT 23        /* alignments up to 8 MiB */
#define DRAIN_ONE_IN 40000        /* per operation */
#define FILL_ONE_IN 3000

struct subject {
	const struct vmap_strategy *s;
	struct vmap *v;
};

struct counts {
	uint64_t ops, allocs, alloc_ok, enospc, windowed, windowed_ok;
	uint64_t exhausted;  /* -ENOSPC with the whole range as window */
	uint64_t frees, bad_frees, finds, find_hits, max_live;
	uint64_t drains, fills, checks;
};

enum op_kind { OP_ALLOC, OP_FREE, OP_FIND };

struct op {
	enum op_kind kind;
	uint64_t size, align, vstart, vend;  /* OP_ALLOC */
	uint64_t addr;                       /* OP_FREE, OP_FIND */
};

struct phase {
	const char *name;
	uint64_t start, end, page;
	unsigned share;  /* percent of the operations */
};

/* One run: subjects that must agree (or one that must be valid). */
struct run {
	const char *phase;
	struct subject *sub;
	size_t nsub;
	bool exact;
	struct vref ref;
	struct rng rng;
	uint64_t P, start, end;
	uint64_t op;        /* operations done in this phase */
	struct counts c;
};

static const char *errname(int rc)
{
	switch (rc) {
	case 0: return "ok";
	case -ENOSPC: return "ENOSPC";
	case -ENOENT: return "ENOENT";
	case -EINVAL: return "EINVAL";
	case -ENOMEM: return "ENOMEM";
	default: return "error";
	}
}

static void print_op(const struct run *r, const struct op *o)
{
	fprintf(stderr, "phase %s, %s run, operation %llu (live %zu): ",
		r->phase, r->exact ? "lowest-fit" : "validity",
		(unsigned long long)r->op, r->ref.n);
	switch (o->kind) {
	case OP_ALLOC:
		fprintf(stderr, "alloc size %#llx align %#llx window "
			"[%#llx, %#llx)\n", (unsigned long long)o->size,
			(unsigned long long)o->align,
			(unsigned long long)o->vstart,
			(unsigned long long)o->vend);
		break;
	case OP_FREE:
		fprintf(stderr, "free %#llx\n", (unsigned long long)o->addr);
		break;
	case OP_FIND:
		fprintf(stderr, "find %#llx\n", (unsigned long long)o->addr);
		break;
	}
}

/* Print each answer (rc, and the address or area) and fail. */
static void diverge(const struct run *r, const struct op *o, int ref_rc,
		    const struct vmap_area *ref_area, const int *rc,
		    const struct vmap_area *area)
{
	fprintf(stderr, "vmap differential: answers differ\n");
	print_op(r, o);
	fprintf(stderr, "  %-14s %-7s %#llx+%#llx\n", "(model)",
		errname(ref_rc), (unsigned long long)ref_area->start,
		(unsigned long long)ref_area->size);
	for (size_t i = 0; i < r->nsub; i++)
		fprintf(stderr, "  %-14s %-7s %#llx+%#llx (%d)\n",
			r->sub[i].s->name, errname(rc[i]),
			(unsigned long long)area[i].start,
			(unsigned long long)area[i].size, rc[i]);
	TEST_FAIL("%s", r->exact ? "lowest-fit strategies disagree" :
		  "an invalid answer");
}

static void check_all(struct run *r)
{
	struct vmap_stats st;

	r->c.checks++;
	for (size_t i = 0; i < r->nsub; i++) {
		struct reason why;

		if (check_quietly(r->sub[i].v, &why))
			TEST_FAIL("check failed in phase %s after operation "
				  "%llu: %s", r->phase,
				  (unsigned long long)r->op, why.msg);
		vmap_stats(r->sub[i].v, &st);
		ASSERT_EQ(st.live_areas, r->ref.n);
	}
}

/* Count the operation and run the checks that are due. */
static void op_done(struct run *r)
{
	r->op++;
	r->c.ops++;
	if (r->ref.n > r->c.max_live)
		r->c.max_live = r->ref.n;
	if (r->op <= CHECK_ALL_UNTIL || r->op % CHECK_EVERY == 0)
		check_all(r);
}

/* Returns 0 and the address, or -ENOSPC; all subjects agreeing. */
static int do_alloc(struct run *r, uint64_t size, uint64_t align,
		    uint64_t vstart, uint64_t vend, bool windowed,
		    uint64_t *out)
{
	struct op o = { OP_ALLOC, size, align, vstart, vend, 0 };
	struct vmap_area ref_area = { 0, size }, area[16];
	int ref_rc, rc[16];
	bool bad = false;

	ref_rc = vref_fit(&r->ref, size, align, vstart, vend, &ref_area.start);
	for (size_t i = 0; i < r->nsub; i++) {
		area[i].start = 0;
		area[i].size = size;
		rc[i] = vmap_alloc(r->sub[i].v, size, align, vstart, vend,
				   &area[i].start);
		if (r->exact)
			bad |= rc[i] != ref_rc ||
			       (!rc[i] && area[i].start != ref_area.start);
		else if (ref_rc)
			bad |= rc[i] != -ENOSPC;
		else if (rc[i] == -ENOSPC && r->sub[i].s->may_refuse)
			ref_rc = -ENOSPC;  /* the kernel's rule: no state change */
		else
			bad |= rc[i] != 0 ||
			       !vref_valid(&r->ref, area[i].start, size,
					   align, vstart, vend);
	}
	if (bad)
		diverge(r, &o, ref_rc, &ref_area, rc, area);
	r->c.allocs++;
	r->c.windowed += windowed;
	if (ref_rc) {
		r->c.enospc++;
		r->c.exhausted += vstart == r->start && vend == r->end;
	} else {
		/* In a validity run the subject's own choice is the state. */
		*out = r->exact ? ref_area.start : area[0].start;
		vref_insert(&r->ref, *out, size);
		r->c.alloc_ok++;
		r->c.windowed_ok += windowed;
	}
	op_done(r);
	return ref_rc;
}

static void do_free(struct run *r, uint64_t addr)
{
	struct op o = { OP_FREE, 0, 0, 0, 0, addr };
	struct vmap_area ref_area = { addr, 0 }, area[16];
	int ref_rc = vref_remove(&r->ref, addr), rc[16];
	bool bad = false;

	for (size_t i = 0; i < r->nsub; i++) {
		area[i] = ref_area;
		rc[i] = vmap_free(r->sub[i].v, addr);
		bad |= rc[i] != ref_rc;
	}
	if (bad)
		diverge(r, &o, ref_rc, &ref_area, rc, area);
	if (ref_rc)
		r->c.bad_frees++;
	else
		r->c.frees++;
	op_done(r);
}

static void do_find(struct run *r, uint64_t addr)
{
	struct op o = { OP_FIND, 0, 0, 0, 0, addr };
	struct vmap_area ref_area = { 0, 0 }, area[16];
	int ref_rc = vref_find(&r->ref, addr, &ref_area), rc[16];
	bool bad = false;

	for (size_t i = 0; i < r->nsub; i++) {
		area[i].start = area[i].size = 0;
		rc[i] = vmap_find(r->sub[i].v, addr, &area[i]);
		bad |= rc[i] != ref_rc ||
		       (!rc[i] && (area[i].start != ref_area.start ||
				   area[i].size != ref_area.size));
	}
	if (bad)
		diverge(r, &o, ref_rc, &ref_area, rc, area);
	r->c.finds++;
	r->c.find_hits += !ref_rc;
	op_done(r);
}

static uint64_t below(struct run *r, uint64_t n)
{
	return rng_below(&r->rng, n);
}

static uint64_t page_floor(struct run *r, uint64_t x)
{
	return x & ~(r->P - 1);
}

/*
 * The part of the range worth aiming at: up to twice the end of the
 * highest live area, at least 4096 pages, at most the range.
 */
static uint64_t hot_span(struct run *r)
{
	uint64_t range = r->end - r->start, top = 0, h = 4096 * r->P;

	if (r->ref.n) {
		const struct vmap_area *last = &r->ref.a[r->ref.n - 1];

		top = last->start + last->size - r->start;
	}
	if (top > range / 2)
		return range;
	if (2 * top > h)
		h = 2 * top;
	return h < range ? h : range;
}

/* 1 to 2^MAX_SIZE_SHIFT pages, small sizes the most likely. */
static uint64_t gen_size(struct run *r)
{
	return (1 + below(r, 1ULL << below(r, MAX_SIZE_SHIFT + 1))) * r->P;
}

/* Mostly the page size; else a power of two up to 2^MAX_ALIGN_SHIFT. */
static uint64_t gen_align(struct run *r)
{
	unsigned shift = (unsigned)__builtin_ctzll(r->P);
	uint64_t k = below(r, 16);

	if (k < 8)
		return r->P;
	if (k == 8)   /* below the page size: counts as the page size */
		return 1ULL << below(r, shift);
	return 1ULL << (shift + below(r, MAX_ALIGN_SHIFT - shift + 1));
}

/* A random window [*vs, *ve) inside the range, for an area of @size. */
static void gen_window(struct run *r, uint64_t size, uint64_t *vs,
		       uint64_t *ve)
{
	uint64_t range = r->end - r->start, h = hot_span(r), len;

	len = size * (1 + below(r, 4)) + r->P * below(r, 64);
	if (len > range)
		len = range;
	switch (below(r, 8)) {
	case 0:  /* an upper bound only */
		*vs = r->start;
		*ve = r->start + r->P + page_floor(r, below(r, h));
		break;
	case 1:  /* a lower bound only */
		*vs = r->start + page_floor(r, below(r, h));
		*ve = r->end;
		break;
	case 2:  /* the top of the range */
		*vs = r->end - len;
		*ve = r->end;
		break;
	default:
		*vs = r->start + page_floor(r, below(r, h));
		*ve = r->end - *vs > len ? *vs + len : r->end;
	}
	if (*ve > r->end)
		*ve = r->end;
	/* Sometimes bounds off the page grid: whole pages inside count. */
	if (below(r, 8) == 0) {
		uint64_t vs2 = *vs + below(r, r->P);
		uint64_t ve2 = *ve - below(r, r->P);

		if (vs2 < ve2) {
			*vs = vs2;
			*ve = ve2;
		}
	}
}

static void random_alloc(struct run *r)
{
	uint64_t size = gen_size(r), align = gen_align(r), vs, ve, addr;

	if (below(r, 4) == 0) {
		gen_window(r, size, &vs, &ve);
		do_alloc(r, size, align, vs, ve, true, &addr);
	} else {
		do_alloc(r, size, align, r->start, r->end, false, &addr);
	}
}

static void random_free(struct run *r)
{
	do_free(r, r->ref.a[below(r, r->ref.n)].start);
}

/* A free that should fail: near or inside live areas, or anywhere. */
static void random_bad_free(struct run *r)
{
	uint64_t addr = r->start + page_floor(r, below(r, hot_span(r)));

	if (r->ref.n && below(r, 2)) {
		const struct vmap_area *a = &r->ref.a[below(r, r->ref.n)];

		switch (below(r, 3)) {
		case 0: addr = a->start + 1 + below(r, a->size - 1); break;
		case 1: addr = a->start + a->size; break;
		default: addr = a->start - r->P;
		}
	} else if (below(r, 8) == 0) {
		addr = below(r, 2) ? r->end : r->start - r->P;
	}
	do_free(r, addr);
}

static void random_find(struct run *r)
{
	uint64_t addr;

	if (r->ref.n && below(r, 2)) {
		const struct vmap_area *a = &r->ref.a[below(r, r->ref.n)];

		switch (below(r, 4)) {
		case 0: addr = a->start; break;
		case 1: addr = a->start + a->size - 1; break;
		case 2: addr = a->start + a->size; break;  /* often a gap */
		default: addr = a->start + below(r, a->size);
		}
	} else {
		switch (below(r, 8)) {
		case 0: addr = r->start - 1; break;  /* below the range */
		case 1: addr = r->end - 1; break;
		case 2: addr = r->end; break;
		case 3: addr = r->start + below(r, r->end - r->start); break;
		default: addr = r->start + below(r, hot_span(r));
		}
	}
	do_find(r, addr);
}

/* Fill a small window with small areas until it says -ENOSPC. */
static void fill_window(struct run *r, uint64_t ops)
{
	uint64_t vs = r->start + page_floor(r, below(r, hot_span(r)));
	uint64_t ve = vs + r->P * (16 + below(r, 241)), addr;

	if (ve > r->end || ve < vs)
		ve = r->end;
	r->c.fills++;
	while (r->op < ops) {
		uint64_t size = (1 + below(r, 8)) * r->P;
		uint64_t align = r->P << below(r, 3);

		if (do_alloc(r, size, align, vs, ve, true, &addr))
			break;
	}
}

static void drain(struct run *r, uint64_t ops)
{
	r->c.drains++;
	while (r->ref.n && r->op < ops)
		random_free(r);
}

static void run_ops(struct run *r, uint64_t ops)
{
	bool grow = true;

	while (r->op < ops) {
		uint64_t k;

		/* The set events of a phase, then the random ones. */
		if (r->op == ops / 3 || below(r, FILL_ONE_IN) == 0) {
			fill_window(r, ops);
			continue;
		}
		if (r->op == 2 * ops / 3 || below(r, DRAIN_ONE_IN) == 0) {
			drain(r, ops);
			grow = true;
			continue;
		}
		if (r->ref.n >= LIVE_HI)
			grow = false;
		else if (r->ref.n <= LIVE_LO)
			grow = true;
		k = below(r, 100);
		if (k < 8)
			random_find(r);
		else if (k < 10)
			random_bad_free(r);
		else if (!r->ref.n || below(r, 100) < (grow ? 62 : 38))
			random_alloc(r);
		else
			random_free(r);
	}
}

static void print_counts(const char *what, const struct counts *c)
{
	printf("%-14s ops %llu, allocs %llu (ok %llu, ENOSPC %llu, range "
	       "full %llu), windowed %llu (ok %llu), frees %llu, bad frees "
	       "%llu, finds %llu (hits %llu), max live %llu, drains %llu, "
	       "fills %llu, checks %llu\n", what,
	       (unsigned long long)c->ops, (unsigned long long)c->allocs,
	       (unsigned long long)c->alloc_ok, (unsigned long long)c->enospc,
	       (unsigned long long)c->exhausted,
	       (unsigned long long)c->windowed,
	       (unsigned long long)c->windowed_ok,
	       (unsigned long long)c->frees, (unsigned long long)c->bad_frees,
	       (unsigned long long)c->finds, (unsigned long long)c->find_hits,
	       (unsigned long long)c->max_live, (unsigned long long)c->drains,
	       (unsigned long long)c->fills, (unsigned long long)c->checks);
}

static void add_counts(struct counts *sum, const struct counts *c)
{
	sum->ops += c->ops;
	sum->allocs += c->allocs;
	sum->alloc_ok += c->alloc_ok;
	sum->enospc += c->enospc;
	sum->exhausted += c->exhausted;
	sum->windowed += c->windowed;
	sum->windowed_ok += c->windowed_ok;
	sum->frees += c->frees;
	sum->bad_frees += c->bad_frees;
	sum->finds += c->finds;
	sum->find_hits += c->find_hits;
	if (c->max_live > sum->max_live)
		sum->max_live = c->max_live;
	sum->drains += c->drains;
	sum->fills += c->fills;
	sum->checks += c->checks;
}

/*
 * The stream must have done real work.  The bounds are about half the
 * proportions seen with seeds 1 to 7 and from 1000 to 10M operations.
 */
static void assert_work(const struct counts *c, uint64_t ops)
{
	ASSERT_EQ(c->ops, c->allocs + c->frees + c->bad_frees + c->finds);
	ASSERT_LE(c->ops / 4, c->allocs);
	ASSERT_LE(c->ops / 5, c->frees);
	ASSERT_LE(c->ops / 200, c->enospc);
	ASSERT_LE(c->ops / 20, c->windowed);
	ASSERT_LE(c->ops / 50, c->windowed_ok);
	ASSERT_LE(c->ops / 40, c->finds);
	ASSERT_LE(c->finds / 4, c->find_hits);
	ASSERT_LT(0, c->bad_frees);
	ASSERT_LT(0, c->drains);
	ASSERT_LT(0, c->fills);
	/* Long enough for the walk to reach its peaks and fill the range. */
	if (ops >= 100000) {
		ASSERT_LE(LIVE_HI, c->max_live);
		ASSERT_LE(c->ops / 1000, c->exhausted);
	}
}

/* Run @ops operations of phase @ph on @sub; add the counts to @sum. */
static void run_phase(const struct phase *ph, struct subject *sub,
		      size_t nsub, bool exact, uint64_t ops, uint64_t seed,
		      struct counts *sum)
{
	struct run r = {
		.phase = ph->name, .sub = sub, .nsub = nsub, .exact = exact,
		.P = ph->page, .start = ph->start, .end = ph->end,
	};
	char what[64];

	rng_seed(&r.rng, seed);
	vref_init(&r.ref, ph->start, ph->end, ph->page);
	for (size_t i = 0; i < nsub; i++)
		ASSERT_OK(vmap_create(&sub[i].v, sub[i].s->name, ph->start,
				      ph->end, ph->page));
	run_ops(&r, ops);
	check_all(&r);
	/* Empty them through free() too, checking the last state. */
	while (r.ref.n)
		random_free(&r);
	check_all(&r);
	for (size_t i = 0; i < nsub; i++) {
		vmap_destroy(sub[i].v);
		sub[i].v = NULL;
	}
	vref_fini(&r.ref);
	snprintf(what, sizeof(what), "  %s", ph->name);
	print_counts(what, &r.c);
	add_counts(sum, &r.c);
}

static const struct phase phases[] = {
	{ "small-4k", 1ULL << 32, (1ULL << 32) + (32768ULL << 12), 4096, 45 },
	{ "vmalloc-4k", VMAP_DEFAULT_START, VMAP_DEFAULT_END, VMAP_DEFAULT_PAGE,
	  35 },
	{ "top-64k", (0 - (1ULL << 16)) - (32768ULL << 16), 0 - (1ULL << 16),
	  1ULL << 16, 20 },
};

#define NPHASES (sizeof(phases) / sizeof(phases[0]))

static void run_all(struct subject *sub, size_t nsub, bool exact,
		    uint64_t ops, uint64_t seed, const char *label)
{
	struct counts sum = { 0 };

	printf("%s:\n", label);
	for (size_t p = 0; p < NPHASES; p++)
		run_phase(&phases[p], sub, nsub, exact,
			  ops * phases[p].share / 100, seed * 1000003 + p,
			  &sum);
	print_counts("  total", &sum);
	assert_work(&sum, ops);
}

static uint64_t parse(const char *s, const char *what)
{
	char *end;
	unsigned long long x = strtoull(s, &end, 10);

	if (!*s || *end)
		TEST_FAIL("%s: not a number: '%s'", what, s);
	return x;
}

int main(int argc, char **argv)
{
	uint64_t ops = 10000000, seed = 1;
	struct subject exact[16];
	size_t n, nexact = 0, nother = 0;
	const struct vmap_strategy *list = vmap_strategies(&n);
	char label[128];

	if (argc > 3)
		TEST_FAIL("usage: %s [OPS [SEED]]", argv[0]);
	if (argc > 1)
		ops = parse(argv[1], "OPS");
	if (argc > 2)
		seed = parse(argv[2], "SEED");
	if (ops < 1000)
		TEST_FAIL("OPS: at least 1000, not %llu",
			  (unsigned long long)ops);

	for (size_t i = 0; i < n; i++) {
		if (list[i].lowest_fit) {
			ASSERT_LT(nexact, sizeof(exact) / sizeof(exact[0]));
			exact[nexact].s = &list[i];
			exact[nexact++].v = NULL;
		}
	}
	ASSERT_LT(0, nexact);
	snprintf(label, sizeof(label), "lowest-fit run, seed %llu, %zu "
		 "strategies against the model", (unsigned long long)seed,
		 nexact);
	run_all(exact, nexact, true, ops, seed, label);

	for (size_t i = 0; i < n; i++) {
		struct subject one = { &list[i], NULL };

		if (list[i].lowest_fit)
			continue;
		snprintf(label, sizeof(label), "validity run of %s",
			 list[i].name);
		run_all(&one, 1, false, ops / 10 < 1000 ? 1000 : ops / 10,
			seed + i + 1, label);
		nother++;
	}
	printf("vmap differential: ok, %llu operations, %zu lowest-fit and "
	       "%zu other strategies\n", (unsigned long long)ops, nexact,
	       nother);
	return 0;
}
