/* SPDX-License-Identifier: MIT */
/*
 * Memory-access workloads: the lackey and din readers on hand-written
 * snippets (exact accesses) and a catalogue of bad lines; writer round
 * trips; the generators' determinism and defining properties; and a TLB
 * reach curve from the working-set sweep through the MMU.
 */
#include <errno.h>
#include <math.h>

#include <vmbench/mmu.h>
#include <vmbench/workload.h>

#include "../test.h"

#define SEED 42

struct want {
	uint64_t va;
	uint16_t size;
	char kind;
	uint32_t line;
};

static void parse_ok(const struct wl_trace_format *fmt, const char *text,
		     const struct want *w, size_t n)
{
	struct wl_access_trace t = { 0 };
	struct reason err = { 0 };

	if (wl_access_parse(fmt, text, strlen(text), &t, &err))
		TEST_FAIL("line %llu: %s", (unsigned long long)err.line,
			  err.msg);
	ASSERT_EQ(t.n, n);
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(t.a[i].va, w[i].va);
		ASSERT_EQ(t.a[i].size, w[i].size);
		ASSERT_EQ(t.a[i].kind, w[i].kind);
		ASSERT_EQ(t.a[i].line, w[i].line);
	}
	wl_access_trace_free(&t);
}

static void parse_bad(const struct wl_trace_format *fmt, const char *text,
		      size_t len, uint64_t line, const char *reason)
{
	struct wl_access_trace t = { 0 };
	struct reason err = { 0 };

	ASSERT_EQ(wl_access_parse(fmt, text, len, &t, &err), -EINVAL);
	ASSERT_EQ(err.line, line);
	if (!strstr(err.msg, reason))
		TEST_FAIL("'%s': message '%s' lacks '%s'", text, err.msg,
			  reason);
	wl_access_trace_free(&t);
}

static void lackey(void)
{
	static const char text[] =
		"==123== Lackey, an example Valgrind tool\n"
		"==123== \n"
		"I  0400d7d4,8\n"
		" L 04222cac,8\n"
		" S 7ff000398,4\n"
		"\n"
		" M 0421d7d0,16\n"
		"I  ffffffffffffff00,1   \n"
		"\tL\t10,65535";   /* no final newline */
	static const struct want w[] = {
		{ 0x400d7d4, 8, 'i', 3 }, { 0x4222cac, 8, 'r', 4 },
		{ 0x7ff000398, 4, 'w', 5 }, { 0x421d7d0, 16, 'r', 7 },
		{ 0x421d7d0, 16, 'w', 7 }, { 0xffffffffffffff00, 1, 'i', 8 },
		{ 0x10, 65535, 'r', 9 },
	};

	parse_ok(&wl_trace_lackey, text, w, sizeof(w) / sizeof(w[0]));
	parse_ok(&wl_trace_lackey, "", NULL, 0);

#define BAD(s, line, why) parse_bad(&wl_trace_lackey, s, sizeof(s) - 1, \
				    line, why)
	BAD("I  1000,4\n X 1000,4\n", 2, "unknown access type 'X'");
	BAD(" l 1000,4\n", 1, "unknown access type 'l'");
	BAD(" L1000,4\n", 1, "blank after the access type");
	BAD(" L\n", 1, "blank after the access type");
	BAD(" L ,4\n", 1, "address: expected hex");
	BAD(" L 0x10,4\n", 1, "expected ','");
	BAD(" L 1000 4\n", 1, "expected ','");
	BAD(" L 1000,\n", 1, "size: expected decimal");
	BAD(" L 1000,0x4\n", 1, "after the size");
	BAD(" L 1000,4 junk\n", 1, "after the size");
	BAD(" L 1000,0\n", 1, "size: 0");
	BAD(" L 1000,65536\n", 1, "size: above");
	BAD(" L 10000000000000000,4\n", 1, "more than 64 bits");
	BAD(" L ffffffffffffffff,2\n", 1, "wraps");
	BAD("\n\n L 1000,4\0\n", 3, "NUL byte");
	BAD("=1= L 1000,4\n", 1, "unknown access type '='");
#undef BAD
}

static void din(void)
{
	static const char text[] =
		"r 1000 4\n"
		"w 0x2000 8 a comment\n"
		"  i 3000\n"
		"0 4000\n"
		"1 5000 10\n"
		"2\t6000\t0X2\n"
		"3 7000\n"
		"4 8000\n"
		"c 9000 4\n"
		"V a000 4\n"
		"M b000 2\n"
		"\n"
		"W FFFFFFFFFFFFFFF0 10\n"
		"R 10 ffff";
	static const struct want w[] = {
		{ 0x1000, 4, 'r', 1 }, { 0x2000, 8, 'w', 2 },
		{ 0x3000, 4, 'i', 3 }, { 0x4000, 4, 'r', 4 },
		{ 0x5000, 16, 'w', 5 }, { 0x6000, 2, 'i', 6 },
		{ 0x7000, 4, 'r', 7 }, { 0xb000, 2, 'r', 11 },
		{ 0xfffffffffffffff0, 16, 'w', 13 }, { 0x10, 0xffff, 'r', 14 },
	};

	parse_ok(&wl_trace_din, text, w, sizeof(w) / sizeof(w[0]));

#define BAD(s, line, why) parse_bad(&wl_trace_din, s, sizeof(s) - 1, line, \
				    why)
	BAD("r 1000\nx 1000\n", 2, "unknown label 'x'");
	BAD("5 1000\n", 1, "unknown label '5'");
	BAD("rw 1000\n", 1, "unknown label 'rw'");
	BAD("r\n", 1, "missing address");
	BAD("r   \n", 1, "missing address");
	BAD("r 0x\n", 1, "address: expected hex");
	BAD("r 10g0\n", 1, "address: expected hex");
	BAD("r 1000 zz\n", 1, "size: expected hex");
	BAD("r 1000 0\n", 1, "size: 0 is not in");
	BAD("r 1000 10000\n", 1, "size: 0x10000 is not in");
	BAD("r 10000000000000000\n", 1, "more than 64 bits");
	BAD("r fffffffffffffffe 4\n", 1, "wraps");
	BAD("r 1000\0\n", 1, "NUL byte");
#undef BAD
}

static void round_trip(void)
{
	struct wl_access_gen_params p;
	struct wl_access_trace t = { 0 }, u = { 0 };
	struct reason err;
	char *buf;
	size_t len;

	size_t nf;
	const struct wl_trace_format *const *fmts = wl_trace_formats(&nf);

	ASSERT_EQ(nf, 3);
	for (size_t k = 0; k < nf; k++) {
		const struct wl_trace_format *fmt = fmts[k];
		FILE *f = open_memstream(&buf, &len);

		wl_access_gen_defaults(&p);
		p.accesses = 1000;
		p.write_pct = 30;
		ASSERT_OK(wl_access_gen("uniform", &p, &t, &err));
		t.a[3].kind = WL_ACCESS_IFETCH;
		ASSERT(f);
		ASSERT_OK(wl_access_write(f, fmt, t.a, t.n, &err));
		fclose(f);
		ASSERT_OK(wl_access_parse(fmt, buf, len, &u, &err));
		ASSERT_EQ(u.n, t.n);
		for (size_t i = 0; i < t.n; i++) {
			ASSERT_EQ(u.a[i].va, t.a[i].va);
			ASSERT_EQ(u.a[i].size, t.a[i].size);
			ASSERT_EQ(u.a[i].kind, t.a[i].kind);
			ASSERT_EQ(u.a[i].line, i + 1);
		}
		free(buf);
		wl_access_trace_free(&t);
		wl_access_trace_free(&u);
	}
}

static void gen(const char *name, const struct wl_access_gen_params *p,
		struct wl_access_trace *t)
{
	struct reason err = { 0 };

	t->n = 0;
	if (wl_access_gen(name, p, t, &err))
		TEST_FAIL("%s: %s", name, err.msg);
}

static void generators(void)
{
	size_t nw;
	const struct wl_access_workload *w = wl_access_workloads(&nw);
	struct wl_access_gen_params p;
	struct wl_access_trace a = { 0 }, b = { 0 };
	struct reason err;
	uint64_t span;

	wl_access_gen_defaults(&p);
	p.seed = SEED;
	p.pages = 300;
	p.accesses = 20000;
	p.write_pct = 25;
	span = p.pages * p.page_size;
	for (size_t i = 0; i < nw; i++) {
		bool differ = false;

		gen(w[i].name, &p, &a);
		gen(w[i].name, &p, &b);
		ASSERT(a.n > 0);
		ASSERT_EQ(a.n, b.n);
		ASSERT(!memcmp(a.a, b.a, a.n * sizeof(*a.a)));
		for (size_t k = 0; k < a.n; k++) {
			/* In the working set, aligned, not straddling. */
			ASSERT_LE(p.base, a.a[k].va);
			ASSERT_LT(a.a[k].va - p.base, span);
			ASSERT_EQ(a.a[k].va % p.size, 0);
			ASSERT_EQ(a.a[k].size, p.size);
			ASSERT(a.a[k].kind == 'r' || a.a[k].kind == 'w');
		}
		p.seed++;
		gen(w[i].name, &p, &b);
		p.seed--;
		for (size_t k = 0; k < a.n && k < b.n; k++)
			differ |= a.a[k].va != b.a[k].va ||
				  a.a[k].kind != b.a[k].kind;
		ASSERT(differ);
	}

	/* sequential: ascending by size, wrapping to base. */
	gen("sequential", &p, &a);
	for (size_t k = 1; k < a.n; k++)
		ASSERT_EQ(a.a[k].va, a.a[k - 1].va + p.size == p.base + span ?
			  p.base : a.a[k - 1].va + p.size);
	ASSERT_EQ(a.a[0].va, p.base);

	/* strided: one page apart. */
	p.stride = 3 * p.page_size;
	gen("strided", &p, &a);
	for (size_t k = 1; k < a.n; k++)
		ASSERT_EQ((a.a[k].va - a.a[k - 1].va + span) % span,
			  p.stride);
	p.stride = p.page_size;

	/* chase: every page exactly once per cycle, same offset each time. */
	gen("chase", &p, &a);
	{
		uint8_t *seen = calloc(p.pages, 1);
		uint64_t *off = calloc(p.pages, sizeof(*off));

		ASSERT(seen && off);
		for (size_t k = 0; k < a.n; k++) {
			uint64_t pg = (a.a[k].va - p.base) / p.page_size;
			uint64_t cycle = k / p.pages;

			ASSERT_EQ(seen[pg], cycle % 256);
			seen[pg]++;
			if (cycle == 0)
				off[pg] = a.a[k].va % p.page_size;
			ASSERT_EQ(a.a[k].va % p.page_size, off[pg]);
		}
		ASSERT_EQ((a.a[0].va - p.base) / p.page_size, 0);
		free(seen);
		free(off);
	}

	/* zipf: the most popular page gets about 1 / H(N, s) of accesses. */
	p.pages = 1000;
	p.accesses = 200000;
	for (double s = 0.8; s < 1.3; s += 0.4) {
		uint64_t *cnt = calloc(p.pages, sizeof(*cnt)), top = 0;
		double h = 0, want;

		ASSERT(cnt);
		p.zipf_s = s;
		gen("zipf", &p, &a);
		for (size_t k = 0; k < a.n; k++)
			cnt[(a.a[k].va - p.base) / p.page_size]++;
		for (uint64_t k = 0; k < p.pages; k++) {
			h += pow((double)(k + 1), -s);
			if (cnt[k] > top)
				top = cnt[k];
		}
		want = (double)p.accesses / h;
		if (fabs((double)top - want) > 0.05 * want)
			TEST_FAIL("zipf s=%.1f: top page %llu accesses, "
				  "expected about %.0f", s,
				  (unsigned long long)top, want);
		free(cnt);
	}

	/* Bad parameters name their field. */
	wl_access_gen_defaults(&p);
	p.size = 3;
	ASSERT_EQ(wl_access_gen("uniform", &p, &a, &err), -EINVAL);
	ASSERT_STREQ(err.what, "size");
	wl_access_gen_defaults(&p);
	p.pages = 0;
	ASSERT_EQ(wl_access_gen("uniform", &p, &a, &err), -EINVAL);
	ASSERT_STREQ(err.what, "pages");
	wl_access_gen_defaults(&p);
	ASSERT_EQ(wl_access_gen("nope", &p, &a, &err), -EINVAL);
	ASSERT_STREQ(err.what, "name");
	wl_access_trace_free(&a);
	wl_access_trace_free(&b);
}

/*
 * The sweep through a fully associative LRU TLB of 64 entries: working
 * sets up to 64 pages hit all but their first pass; from 128 pages on,
 * cyclic access under LRU misses every time.
 */
static void reach_curve(void)
{
	struct wl_access_gen_params p;
	struct wl_access_trace t = { 0 };
	struct mmu_config cfg = { .demand = true };
	uint64_t ws[65], count[65];
	struct mmu_counters c;
	struct mmu_result r;
	struct tlb *tlb;
	struct mmu *m;
	struct pt *pt;
	size_t n, k, at = 0;
	struct reason why;

	wl_access_gen_defaults(&p);
	p.seed = SEED;
	p.pages = 1024;
	p.accesses = 11 * 8192;
	gen("sweep", &p, &t);
	n = wl_access_sweep_plan(&p, ws, count, 65);
	ASSERT_EQ(n, 11);
	for (k = 0; k < n; k++)
		at += count[k];
	ASSERT_EQ(at, t.n);

	ASSERT_OK(pt_create(&pt, pt_geometry_find("x86-64-4l"), NULL));
	if (tlb_create_spec(&tlb, "pages:4k,l1d:64x64:lru", &why))
		TEST_FAIL("%s", why.msg);
	ASSERT_OK(mmu_create(&m, pt, tlb, &cfg));
	at = 0;
	for (k = 0; k < n; k++) {
		double rate;

		ASSERT_EQ(ws[k], 1ULL << k);
		mmu_counters_reset(m);
		for (uint64_t i = 0; i < count[k]; i++, at++)
			ASSERT_OK(mmu_translate(m, t.a[at].va, t.a[at].size,
						MMU_READ, &r));
		mmu_get_counters(m, &c);
		ASSERT_EQ(c.tlb.l1.accesses, count[k]);
		rate = (double)c.tlb.l1.hits / (double)count[k];
		if (ws[k] <= 64 && rate < 0.95)
			TEST_FAIL("working set %llu: hit rate %.3f",
				  (unsigned long long)ws[k], rate);
		if (ws[k] >= 128 && rate > 0.05)
			TEST_FAIL("working set %llu: hit rate %.3f",
				  (unsigned long long)ws[k], rate);
	}
	mmu_destroy(m);
	tlb_destroy(tlb);
	pt_destroy(pt);
	wl_access_trace_free(&t);
}

/*
 * A format without a writer: writing it is -EOPNOTSUPP with a reason, and
 * not one byte reaches the stream (never another format's lines).  One
 * without a reader refuses to parse.  The table finds every format by name
 * and nothing else.
 */
static void format_table(void)
{
	static const struct wl_trace_format read_only = {
		.name = "read-only", .summary = "a reader, no writer",
		.parse = NULL, .write = NULL,
	};
	struct wl_access a = { 0x1000, 0, 8, WL_ACCESS_READ, 0 };
	struct wl_access_trace t = { 0 };
	struct reason err = { 0 };
	char *buf = NULL;
	size_t len = 0, nf;
	const struct wl_trace_format *const *fmts = wl_trace_formats(&nf);
	FILE *f = open_memstream(&buf, &len);

	ASSERT(f);
	ASSERT_EQ(wl_access_write(f, &read_only, &a, 1, &err), -EOPNOTSUPP);
	ASSERT_STREQ(err.msg, "the read-only format has no writer");
	fclose(f);
	ASSERT_EQ(len, 0);
	free(buf);
	ASSERT_EQ(wl_access_parse(&read_only, "r 1000\n", 7, &t, &err),
		  -EOPNOTSUPP);
	ASSERT_STREQ(err.msg, "the read-only format has no reader");
	ASSERT_EQ(t.n, 0);

	ASSERT(wl_trace_format_find("lackey") == &wl_trace_lackey);
	ASSERT(wl_trace_format_find("din") == &wl_trace_din);
	ASSERT(wl_trace_format_find("dinero") == NULL);
	ASSERT(wl_trace_format_find("") == NULL);
	for (size_t i = 0; i < nf; i++) {
		ASSERT(wl_trace_format_find(fmts[i]->name) == fmts[i]);
		ASSERT(fmts[i]->summary && fmts[i]->summary[0]);
	}
	/* A NULL reason is allowed everywhere. */
	ASSERT_EQ(wl_access_parse(&wl_trace_din, "x 1\n", 4, &t, NULL),
		  -EINVAL);
	wl_access_trace_free(&t);
}

int main(void)
{
	format_table();
	lackey();
	din();
	round_trip();
	generators();
	reach_curve();
	return 0;
}
