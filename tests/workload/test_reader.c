/* SPDX-License-Identifier: MIT */
/*
 * The streaming access-trace reader: the same accesses (and the same
 * error, line and message) whatever the chunk size, so every record is
 * split between chunks at every byte somewhere; with and without the
 * reader's thread; CRLF, no final newline, NUL bytes, an overlong line;
 * the SWAR hex fast path against a reference on random addresses (upper
 * case, leading zeros, 1 to 20 digits); vmb: text -> vmb -> text is
 * byte-identical for canonical text, a cut vmb trace or a bad header is
 * an error; compressed traces read as their text.  Mapped files of sizes
 * around a page and a chunk, with a final newline or not, CRLF, a bad
 * line or a NUL at the end, lines longer than a chunk: the same as from
 * memory, every reader; one cut short while it is read is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmbench/rng.h>
#include <vmbench/source.h>
#include <vmbench/workload.h>

#ifdef VMBENCH_HAVE_ZLIB
#include "gzip_test.h"
#endif

#include "../test.h"
/* The SWAR helpers, which builds with SSE2 do not use for wl_hex16(). */
#include "../../src/workload/access_impl.h"

#define SEED 42

struct result {
	struct wl_access_trace t;
	int ret;
	struct reason err;
};

static void parse(const struct wl_trace_format *fmt, const char *buf,
		  size_t len, size_t chunk, struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->ret = wl_access_parse_chunked(fmt, buf, len, chunk, &r->t,
					 &r->err);
}

/*
 * Every access @rd hands out into r->t, batches of at most
 * WL_ACCESS_BATCH; r->ret its last answer (0 or -errno), which is final.
 */
static void drain(struct wl_access_reader *rd, struct result *r)
{
	const struct wl_access *a;
	long n;

	while ((n = wl_access_reader_next(rd, &a, &r->err)) > 0) {
		ASSERT(n <= WL_ACCESS_BATCH);
		for (long i = 0; i < n; i++)
			ASSERT_OK(wl_access_push(&r->t, &a[i]));
	}
	r->ret = (int)n;
	ASSERT_EQ(wl_access_reader_next(rd, &a, &r->err), n);
}

/* Through a threaded reader over a source with a thread of its own. */
static void parse_threaded(const struct wl_trace_format *fmt,
			   const char *buf, size_t len, size_t chunk,
			   struct result *r)
{
	struct source_opts o = { .chunk = chunk, .thread = true };
	struct wl_access_reader *rd;
	struct source *s;

	memset(r, 0, sizeof(*r));
	ASSERT_OK(source_open_mem(&s, buf, len, &o, &r->err));
	ASSERT_OK(wl_access_reader_open(&rd, fmt, s, true, &r->err));
	drain(rd, r);
	wl_access_reader_close(rd);
	source_close(s);
}

/*
 * Through the parallel reader (text formats): @workers parsing threads,
 * the source read on the caller's thread or (@thread) on its own.
 */
static void parse_parallel(const struct wl_trace_format *fmt,
			   const char *buf, size_t len, size_t chunk,
			   bool thread, unsigned workers, struct result *r)
{
	struct source_opts o = { .chunk = chunk, .thread = thread };
	struct wl_access_reader *rd;
	struct source *s;

	memset(r, 0, sizeof(*r));
	ASSERT_OK(source_open_mem(&s, buf, len, &o, &r->err));
	ASSERT_OK(wl_access_reader_open_parallel(&rd, fmt, s, workers,
						 &r->err));
	drain(rd, r);
	wl_access_reader_close(rd);
	source_close(s);
}

static void same(const struct result *a, const struct result *b,
		 const char *what, size_t chunk)
{
	if (a->ret != b->ret || a->t.n != b->t.n)
		TEST_FAIL("%s, chunk %zu: ret %d n %zu vs ret %d n %zu (%s)",
			  what, chunk, a->ret, a->t.n, b->ret, b->t.n,
			  b->err.msg);
	ASSERT(!a->t.n ||
	       !memcmp(a->t.a, b->t.a, a->t.n * sizeof(struct wl_access)));
	if (a->ret) {
		ASSERT_EQ(a->err.line, b->err.line);
		ASSERT_STREQ(a->err.msg, b->err.msg);
	}
}

/* Every chunk size from 1 to 40, some larger ones, threaded or not. */
static void chunk_invariant(const struct wl_trace_format *fmt,
			    const char *buf, size_t len)
{
	static const size_t big[] = { 63, 64, 65, 4095, 65536 };
	struct result ref, r;

	parse(fmt, buf, len, 0, &ref);
	for (size_t c = 1; c <= 40 + 5; c++) {
		size_t chunk = c <= 40 ? c : big[c - 41];

		parse(fmt, buf, len, chunk, &r);
		same(&ref, &r, fmt->name, chunk);
		wl_access_trace_free(&r.t);
		/* A thread handing over single bytes is slow: some sizes. */
		if (chunk > 8 && chunk % 4 && chunk < 4000)
			continue;
		parse_threaded(fmt, buf, len, chunk, &r);
		same(&ref, &r, fmt->name, chunk);
		wl_access_trace_free(&r.t);
		parse_parallel(fmt, buf, len, chunk, false, 2, &r);
		same(&ref, &r, fmt->name, chunk);
		wl_access_trace_free(&r.t);
		parse_parallel(fmt, buf, len, chunk, chunk % 2, 1, &r);
		same(&ref, &r, fmt->name, chunk);
		wl_access_trace_free(&r.t);
		/* No worker: the caller fills and parses every job. */
		parse_parallel(fmt, buf, len, chunk, chunk % 3 == 0, 0, &r);
		same(&ref, &r, fmt->name, chunk);
		wl_access_trace_free(&r.t);
#ifdef WL_WIDE
		{
			/* The per-line paths and the portable line count. */
			int was = wl_wide_state;

			wl_wide_state = 0;
			parse_parallel(fmt, buf, len, chunk, false, 0, &r);
			wl_wide_state = was;
			same(&ref, &r, fmt->name, chunk);
			wl_access_trace_free(&r.t);
		}
#endif
	}
	wl_access_trace_free(&ref.t);
}

static const char *const lackey_texts[] = {
	"==1== x\nI  0400d7d4,8\n L 04222cac,8\n S 7ff000398,4\n"
	" M 0421d7d0,16\nI  ffffffffffffff00,1   \n\tL\t10,65535",
	"I  0400d7d4,8\r\n L 04222cac,8\r\n",     /* CRLF */
	" L 1,1",                                  /* no final newline */
	" L 0000000000000000000000001f,2\n",       /* > 16 digits */
	"\n\n L 1000,4\n L 2000,8\n L 3000\n",     /* error, line 5 */
	" L 1000,4\n L 20\0" "00,8\n",             /* NUL, line 2 */
	" L 1000,4\n\0",                           /* NUL, line 2 */
	"I  FFFFfff0,16\n S abc,65536\n",          /* size error */
	"",
	"\n",
};

static const char *const din_texts[] = {
	"r 1000\nw 0x2000 8\ni 3000 10 junk\nc 4000\n2 5000 1\nR 6000 4",
	"r 1000 8\r\nw 2000 4\r\n",
	"r 0X1000 0x8\n\n\n   w\t2000\t4   \n",
	"r 1000\nx 2000\n",
	"r 1000\nr 20\0" "00\n",
	"r ffffffffffffffff 2\n",
	"r 12345678901234567\n",
	"r 0000000000000000000000000001 1\n",
};

static void text_formats(void)
{
	for (size_t i = 0; i < sizeof(lackey_texts) / sizeof(lackey_texts[0]);
	     i++) {
		const char *t = lackey_texts[i];
		size_t len = strlen(t);

		/* The NUL cases: through their end. */
		if (!strcmp(t, " L 1000,4\n L 20") ||
		    !strcmp(t, " L 1000,4\n"))
			len += strlen(t + len + 1) + 1;
		chunk_invariant(&wl_trace_lackey, t, len);
	}
	for (size_t i = 0; i < sizeof(din_texts) / sizeof(din_texts[0]); i++) {
		const char *t = din_texts[i];
		size_t len = strlen(t);

		if (!strcmp(t, "r 1000\nr 20"))
			len += strlen(t + len + 1) + 1;
		chunk_invariant(&wl_trace_din, t, len);
	}
}

static void specific(void)
{
	struct result r;
	char *big;

	/* A split record, CRLF and no final newline give what they say. */
	parse(&wl_trace_lackey, " L 1000,4\r\n M 20,8", 18, 3, &r);
	ASSERT_OK(r.ret);
	ASSERT_EQ(r.t.n, 3);
	ASSERT_EQ(r.t.a[0].va, 0x1000);
	ASSERT_EQ(r.t.a[0].size, 4);
	ASSERT_EQ(r.t.a[2].va, 0x20);
	ASSERT_EQ(r.t.a[2].kind, WL_ACCESS_WRITE);
	ASSERT_EQ(r.t.a[2].line, 2);
	wl_access_trace_free(&r.t);
	/* A NUL byte names its line. */
	parse(&wl_trace_din, "r 1\nr 2\nr \0" "3\n", 12, 5, &r);
	ASSERT_EQ(r.ret, -EINVAL);
	ASSERT_EQ(r.err.line, 3);
	ASSERT(strstr(r.err.msg, "NUL byte"));
	ASSERT_EQ(r.t.n, 2);
	wl_access_trace_free(&r.t);
	/* A line longer than WL_LINE_MAX is refused, in bounded memory. */
	big = malloc(WL_LINE_MAX * 4);
	ASSERT(big);
	memset(big, ' ', WL_LINE_MAX * 2);
	parse(&wl_trace_din, big, WL_LINE_MAX * 2, 4096, &r);
	ASSERT_EQ(r.ret, -E2BIG);
	ASSERT_EQ(r.err.line, 1);
	wl_access_trace_free(&r.t);
	/*
	 * The parallel reader: long lines at and inside chunks' edges, after
	 * good lines, with and without a final newline, are read again on
	 * the caller's thread: the same accesses and error.
	 */
	for (int k = 0; k < 4; k++) {
		size_t len = 0, n = WL_LINE_MAX - 2 + (size_t)k * 3;
		struct result ref;

		for (int i = 0; i < 3000; i++)
			len += (size_t)sprintf(big + len, "r %x 4\n", i);
		memset(big + len, ' ', n);
		len += n;
		if (k != 3)
			big[len++] = '\n';
		for (int i = 0; i < 500 * k; i++)
			len += (size_t)sprintf(big + len, "w %x 8\n", i);
		for (size_t c = 4096; c <= (1u << 18); c *= 4) {
			parse(&wl_trace_din, big, len, c, &ref);
			parse_parallel(&wl_trace_din, big, len, c, false, 2,
				       &r);
			same(&ref, &r, "din long line", c);
			wl_access_trace_free(&r.t);
			wl_access_trace_free(&ref.t);
		}
	}
	/* A long line that starts shortly before a chunk's end. */
	for (size_t before = 1; before < 300; before += 37) {
		size_t c = 1u << 17, len = 0;
		struct result ref;

		while (len + 12 < c - before)
			len += (size_t)sprintf(big + len, "r %x 4\n",
					       (unsigned)len);
		memset(big + len, '\n', c - before - len);
		len = c - before;
		memset(big + len, ' ', WL_LINE_MAX + 100);
		len += WL_LINE_MAX + 100;
		len += (size_t)sprintf(big + len, "\nw 1 8\n");
		parse(&wl_trace_din, big, len, c, &ref);
		ASSERT_EQ(ref.ret, -E2BIG);
		parse_parallel(&wl_trace_din, big, len, c, false, 2, &r);
		same(&ref, &r, "din long line at an edge", c);
		wl_access_trace_free(&r.t);
		wl_access_trace_free(&ref.t);
	}
	free(big);
}

/* Random addresses, 1 to 20 digits, mixed case, against a reference. */
static void swar_hex(void)
{
	struct rng g;
	char *text = malloc(1 << 20);
	size_t len = 0, n = 0;
	uint64_t *want = malloc(20000 * sizeof(*want));
	struct result r;

	ASSERT(text && want);
	rng_seed(&g, SEED);
	while (n < 20000) {
		unsigned digits = 1 + (unsigned)rng_below(&g, 20);
		uint64_t v = 0;
		bool over = false;

		len += (size_t)sprintf(text + len, "%s", rng_below(&g, 2) ?
				       " L " : "I  ");
		for (unsigned d = 0; d < digits; d++) {
			unsigned x = (unsigned)rng_below(&g, 16);

			/* Leading zeros keep long numbers in 64 bits. */
			if (digits > 16 && d < digits - 16)
				x = 0;
			text[len++] = (x < 10 ? '0' : rng_below(&g, 2) ?
				       'a' - 10 : 'A' - 10) + (char)x;
			over |= v >> 60 != 0;
			v = v << 4 | x;
		}
		ASSERT(!over);
		len += (size_t)sprintf(text + len, ",1\n");
		want[n++] = v;
	}
	parse(&wl_trace_lackey, text, len, 0, &r);
	ASSERT_OK(r.ret);
	ASSERT_EQ(r.t.n, n);
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(r.t.a[i].va, want[i]);
	wl_access_trace_free(&r.t);
	free(text);
	free(want);
}

/*
 * The per-line paths alone: the builds with a wide path (access_impl.h)
 * turn it off; the results must be the same with it on.
 */
static void parse_narrow(const struct wl_trace_format *fmt, const char *buf,
			 size_t len, size_t chunk, struct result *r)
{
#ifdef WL_WIDE
	int was = wl_wide_state;

	wl_wide_state = 0;
#endif
	parse(fmt, buf, len, chunk, r);
#ifdef WL_WIDE
	wl_wide_state = was;
#endif
}

/*
 * @n lines the wide path takes (din "w ADDR 8", lackey " S ADDR,8"), of
 * addresses @first on, at @out: the bytes written.
 */
static size_t taken_lines(char *out, bool lackey, unsigned first, int n)
{
	size_t len = 0;

	for (int j = 0; j < n; j++)
		len += (size_t)sprintf(out + len, lackey ? " S %x,8\n" :
				       "w %x 8\n", first + (unsigned)j);
	return len;
}

/* @buf parsed wide and narrow, at chunk sizes 0 and @c0 to @c1. */
static void wide_same(const struct wl_trace_format *fmt, const char *buf,
		      size_t len, size_t c0, size_t c1)
{
	struct result ref, r;

	parse_narrow(fmt, buf, len, 0, &ref);
	for (size_t c = c0 - 1; c <= c1; c++) {
		size_t chunk = c < c0 ? 0 : c;

		parse(fmt, buf, len, chunk, &r);
		same(&ref, &r, fmt->name, chunk);
		wl_access_trace_free(&r.t);
	}
	wl_access_trace_free(&ref.t);
}

static char hex_digit(struct rng *g, unsigned x)
{
	return (char)(x < 10 ? '0' + x :
		      (rng_below(g, 2) ? 'a' : 'A') + (x - 10));
}

/*
 * A text line of @fmt at @b: mostly the wide path's shape (1 to 16
 * address digits, a one-digit size), and with @odd a chance of
 * everything it leaves to the per-line paths: other labels, blanks and
 * sizes, CRLF, 17 digits, a bad byte anywhere, an empty line.
 */
static size_t gen_line(struct rng *g, bool lackey, bool odd, char *b)
{
	static const char *const din_labels[] = {
		"r ", "w ", "i ", "m ", "R ", "W ", "I ", "M ", "c ", "v ",
		"2 ", "4 ", " r ", "r\t", "r  ", "x ",
	};
	static const char *const lk_labels[] = {
		"I  ", " L ", " S ", " M ", " I ", "L  ", "S  ", "M  ",
		"  L ", "\tL ", " X ", " L", "L ", "IL ",
	};
	static const char bad[] = "gGxX:/@`, \t\r\n\x80";
	unsigned digits = 1 + (unsigned)rng_below(g, 16), r = odd ?
		(unsigned)rng_below(g, 16) : 99;
	size_t n = 0;

	if (r == 0)
		digits = 17 + (unsigned)rng_below(g, 3);
	if (lackey)
		n += (size_t)sprintf(b, "%s", lk_labels[r == 1 ?
			rng_below(g, sizeof(lk_labels) / sizeof(*lk_labels)) :
			rng_below(g, 4)]);
	else
		n += (size_t)sprintf(b, "%s", din_labels[r == 1 ?
			rng_below(g, sizeof(din_labels) / sizeof(*din_labels)) :
			rng_below(g, 8)]);
	for (unsigned d = 0; d < digits; d++)
		b[n++] = hex_digit(g, digits > 16 && d < digits - 16 ? 0 :
				   (unsigned)rng_below(g, 16));
	if (r == 2)     /* a bad byte in the address */
		b[n - 1 - rng_below(g, digits)] = bad[rng_below(g, 15)];
	if (lackey) {
		b[n++] = ',';
		if (r == 3)
			n += (size_t)sprintf(b + n, "%u",
					     (unsigned)rng_below(g, 70000));
		else
			b[n++] = (char)('1' + rng_below(g, 9));
	} else if (r != 4) {    /* din without a size */
		b[n++] = ' ';
		if (r == 3)
			n += (size_t)sprintf(b + n, "%x",
					     (unsigned)rng_below(g, 70000));
		else
			b[n++] = hex_digit(g, 1 + (unsigned)rng_below(g, 15));
	}
	if (r == 5)
		b[n++] = '\r';
	if (r == 6)
		b[n++] = ' ';
	if (r == 7)     /* a bad byte for the line's last one */
		b[n - 1] = bad[rng_below(g, 15)];
	if (r == 8)
		n = 0;
	b[n++] = '\n';
	return n;
}

/*
 * The wide path decides exactly as the per-line paths: random traces
 * (clean ones, and ones with odd lines: every kind of line it leaves to
 * them), each whole and at every chunk size up to 70 (so every line
 * length meets every chunk-boundary offset), threaded too; every
 * address length 1-16 in both cases; a bad byte at every place of an
 * address, after enough good lines that the wide path meets it, is the
 * same error on the same line; the size's limits.
 */
static void wide_path(void)
{
	static const char bad[] = "gGxX:/@`, ";
	struct rng g;
	char *text = malloc(1 << 20);
	struct result r;

	ASSERT(text);
	rng_seed(&g, SEED);
	for (int lackey = 0; lackey < 2; lackey++) {
		const struct wl_trace_format *fmt = lackey ? &wl_trace_lackey :
			&wl_trace_din;

		for (int odd = 0; odd < 2; odd++) {
			for (int t = 0; t < 6; t++) {
				size_t len = 0;

				for (int i = 0; i < 120; i++)
					len += gen_line(&g, lackey, odd,
							text + len);
				wide_same(fmt, text, len, 1, 70);
				chunk_invariant(fmt, text, len);
			}
		}
		/* A bad byte at each place of each address length. */
		for (unsigned k = 1; k <= 16; k++) {
			for (unsigned j = 0; j < k; j++) {
				char addr[20];
				size_t len = 0;

				for (int i = 0; i < 12; i++)
					len += gen_line(&g, lackey, false,
							text + len);
				for (unsigned d = 0; d < k; d++)
					addr[d] = hex_digit(&g, (unsigned)
							    rng_below(&g, 16));
				addr[j] = bad[(k + j) % (sizeof(bad) - 1)];
				addr[k] = 0;
				len += (size_t)sprintf(text + len, lackey ?
						       " L %s,4\n" :
						       "r %s 4\n", addr);
				for (int i = 0; i < 8; i++)
					len += gen_line(&g, lackey, false,
							text + len);
				wide_same(fmt, text, len, 60, 66);
				parse(fmt, text, len, 0, &r);
				/*
				 * din takes a blank as the address's end,
				 * lackey more blanks before it.
				 */
				if (addr[j] == ' ' && (!lackey || !j)) {
					wl_access_trace_free(&r.t);
					continue;
				}
				if (r.ret != -EINVAL)
					TEST_FAIL("%s: %s accepted", fmt->name,
						  addr);
				ASSERT_EQ(r.err.line, 13);
				wl_access_trace_free(&r.t);
			}
		}
		/* Every address length, upper and lower case. */
		for (unsigned k = 1; k <= 16; k++) {
			size_t len = 0, n = 0;
			uint64_t want[40];

			for (int i = 0; i < 40; i++) {
				uint64_t v = 0;

				len += (size_t)sprintf(text + len, lackey ?
						       "I  " : "i ");
				for (unsigned d = 0; d < k; d++) {
					unsigned x = (unsigned)rng_below(&g, 16);

					text[len++] = hex_digit(&g, x);
					v = v << 4 | x;
				}
				len += (size_t)sprintf(text + len, lackey ?
						       ",%d\n" : " %x\n",
						       1 + i % 9);
				want[n++] = v;
			}
			wide_same(fmt, text, len, 1, 70);
			parse(fmt, text, len, 0, &r);
			ASSERT_OK(r.ret);
			ASSERT_EQ(r.t.n, n);
			for (size_t i = 0; i < n; i++) {
				ASSERT_EQ(r.t.a[i].va, want[i]);
				ASSERT_EQ(r.t.a[i].size, 1 + i % 9);
				ASSERT_EQ(r.t.a[i].line, i + 1);
				ASSERT_EQ(r.t.a[i].kind, WL_ACCESS_IFETCH);
			}
			wl_access_trace_free(&r.t);
		}
	}
	/* Lines of nearly the shape, among lines the wide path takes. */
	{
		static const char *const odd[] = {
			"r  4\n", "r 4\n", "r 5 \n", "r  5 4\n", "rr 5 4\n",
			"r 5  4\n", " r 5 4\n", "r 5 4 \n", "r\t5 4\n", "\n",
			"r 5 4\r\n", "c 5 4\n", "3 5 4\n", "r 0x5 4\n",
			"r 12345678901234567 4\n", "w 5 0\n", "r 5 g\n",
			"I  ,4\n", "I ,4\n", "I 5,4\n", "IL 5,4\n", "   5,4\n",
			"k\x02 5,4\n", " L  5,4\n", " L 5,,4\n", " L 5,4,\n",
			" L 5, 4\n", " L 5 ,4\n", " L 5,0\n", " L 5,a\n",
			" X 5,4\n", "\tL 5,4\n", " L 5,4\r\n", " L 5,10\n",
			" L 12345678901234567,4\n", "==1== x\n", " M 5,4\n",
			/* a size byte that the empty line's mask allows */
			"r 5  \n\n", " L 5,,\n\n", "r 5 4\n\n", " L 5,4\n\n",
			"r 123456789012345 4\n", "r 1234567890123456 4\n",
			" M 123456789012345,4\n", " L 1234567890123456,4\n",
		};

		for (int lackey = 0; lackey < 2; lackey++) {
			const struct wl_trace_format *fmt = lackey ?
				&wl_trace_lackey : &wl_trace_din;

			for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++) {
				size_t len = 0;

				len += taken_lines(text + len, lackey, 0x1000, 10);
				len += (size_t)sprintf(text + len, "%s", odd[i]);
				len += taken_lines(text + len, lackey, 0x2000, 10);
				wide_same(fmt, text, len, 1, 70);
			}
		}
	}
	/* The size's limits, among lines the wide path takes. */
	{
		static const struct {
			bool lackey;
			const char *line;
			int ret;
			unsigned size;
		} lim[] = {
			{ false, "r 1000 1\n", 0, 1 },
			{ false, "r 1000 f\n", 0, 15 },
			{ false, "r 1000 F\n", 0, 15 },
			{ false, "r 1000 ffff\n", 0, 65535 },
			{ false, "r 1000 0\n", -EINVAL, 0 },
			{ false, "r 1000 10000\n", -EINVAL, 0 },
			{ false, "r ffffffffffffffff 1\n", 0, 1 },
			{ false, "r ffffffffffffffff 2\n", -EINVAL, 0 },
			{ true, " L 1000,1\n", 0, 1 },
			{ true, " L 1000,9\n", 0, 9 },
			{ true, " L 1000,65535\n", 0, 65535 },
			{ true, " L 1000,0\n", -EINVAL, 0 },
			{ true, " L 1000,a\n", -EINVAL, 0 },
			{ true, " L 1000,65536\n", -EINVAL, 0 },
			{ true, " L ffffffffffffffff,2\n", -EINVAL, 0 },
		};

		for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
			const struct wl_trace_format *fmt = lim[i].lackey ?
				&wl_trace_lackey : &wl_trace_din;
			size_t len = 0;

			for (int j = 0; j < 10; j++)
				len += (size_t)sprintf(text + len, lim[i].lackey ?
						       "I  %08x,4\n" : "i %x 4\n",
						       0x400000 + j);
			len += (size_t)sprintf(text + len, "%s", lim[i].line);
			for (int j = 0; j < 10; j++)
				len += (size_t)sprintf(text + len, lim[i].lackey ?
						       "I  %08x,4\n" : "i %x 4\n",
						       0x500000 + j);
			wide_same(fmt, text, len, 1, 70);
			parse(fmt, text, len, 0, &r);
			ASSERT_EQ(r.ret, lim[i].ret);
			if (r.ret) {
				ASSERT_EQ(r.err.line, 11);
			} else {
				ASSERT_EQ(r.t.n, 21);
				ASSERT_EQ(r.t.a[10].size, lim[i].size);
			}
			wl_access_trace_free(&r.t);
		}
	}
	free(text);
}

/*
 * Every short line over a few bytes that matter to the wide path's shape
 * checks (its label or type, lackey's M, a blank, digits, a zero size, a
 * comma, a stray byte: lines with two or three entries the tables refuse
 * among them),
 * 0 to 6 bytes long, among lines the wide path takes (at three offsets in
 * its window): decided exactly as by the per-line paths.
 */
static void wide_short_lines(void)
{
	/* lackey's M: a type whose table entry sends it to its own path. */
	static const char *const alpha[2] = { "r 5ax0", "L 5,x0M" };
	char text[512];

	for (int lackey = 0; lackey < 2; lackey++) {
		const struct wl_trace_format *fmt = lackey ? &wl_trace_lackey :
			&wl_trace_din;
		const unsigned na = (unsigned)strlen(alpha[lackey]);

		for (unsigned n = 0; n <= 6; n++) {
			unsigned count = 1;

			for (unsigned i = 0; i < n; i++)
				count *= na;
			for (unsigned c = 0; c < count; c++) {
				unsigned x = c;
				size_t len = 0;
				int before = 8 + (int)(c % 3);

				len += taken_lines(text + len, lackey, 0x1000,
						   before);
				for (unsigned i = 0; i < n; i++, x /= na)
					text[len++] = alpha[lackey][x % na];
				text[len++] = '\n';
				len += taken_lines(text + len, lackey, 0x2000, 8);
				wide_same(fmt, text, len, 1, 1);
			}
		}
	}
}

/* Write @t in @fmt into a memory buffer. */
static char *write_mem(const struct wl_trace_format *fmt,
		       const struct wl_access_trace *t, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct reason err;

	ASSERT(f);
	ASSERT_OK(wl_access_write(f, fmt, t->a, t->n, &err));
	fclose(f);
	return buf;
}

static void vmb(void)
{
	struct wl_access_gen_params p;
	struct wl_access_trace t = { 0 };
	struct reason err;
	struct result r, back;
	size_t tlen, blen, tlen2;
	char *text, *bin, *text2;

	wl_access_gen_defaults(&p);
	p.accesses = 20000;
	p.write_pct = 30;
	ASSERT_OK(wl_access_gen("uniform", &p, &t, &err));
	t.a[3].kind = WL_ACCESS_IFETCH;
	t.a[4].size = 3;
	t.a[5].size = 65535;
	t.a[6].va = 0xffffffffffff0000ULL;
	t.a[7].va = 0;
	for (size_t k = 0; k < 2; k++) {
		const struct wl_trace_format *fmt = k ? &wl_trace_din :
						   &wl_trace_lackey;

		/* Canonical text: what the writer writes. */
		text = write_mem(fmt, &t, &tlen);
		parse(fmt, text, tlen, 0, &r);
		ASSERT_OK(r.ret);
		bin = write_mem(&wl_trace_vmb, &r.t, &blen);
		ASSERT(blen < tlen);
		chunk_invariant(&wl_trace_vmb, bin, blen);
		parse(&wl_trace_vmb, bin, blen, 0, &back);
		ASSERT_OK(back.ret);
		text2 = write_mem(fmt, &back.t, &tlen2);
		ASSERT_EQ(tlen2, tlen);
		ASSERT(!memcmp(text, text2, tlen));
		/* Every cut inside the trace is an error, never a short
		 * trace read as whole. */
		for (size_t cut = 1; cut < 300; cut++) {
			struct result c;

			parse(&wl_trace_vmb, bin, cut, 7, &c);
			if (cut < WL_VMB_HEADER) {
				ASSERT_EQ(c.ret, -EPIPE);
				ASSERT(strstr(c.err.msg, "header"));
			} else if (c.ret) {
				ASSERT_EQ(c.ret, -EPIPE);
				ASSERT(strstr(c.err.msg, "inside a record"));
			}
			wl_access_trace_free(&c.t);
		}
		free(text);
		free(text2);
		free(bin);
		wl_access_trace_free(&r.t);
		wl_access_trace_free(&back.t);
	}
	/* A bad header, a bad tag. */
	parse(&wl_trace_vmb, "VMBT\2\1\10\0\0\0\0\0\0\0\0\0", 16, 0, &r);
	ASSERT_EQ(r.ret, -EINVAL);
	ASSERT(strstr(r.err.msg, "version 2"));
	parse(&wl_trace_vmb, "r 1000\n", 7, 0, &r);
	ASSERT_EQ(r.ret, -EPIPE);
	parse(&wl_trace_vmb, "r 1000 and then some text\n", 26, 0, &r);
	ASSERT_EQ(r.ret, -EINVAL);
	ASSERT(strstr(r.err.msg, "not a vmb trace"));
	parse(&wl_trace_vmb, "VMBT\1\1\10\0\0\0\0\0\0\0\0\0\xff\0", 18, 0, &r);
	ASSERT_EQ(r.ret, -EINVAL);
	ASSERT(strstr(r.err.msg, "record 1: bad tag"));
	wl_access_trace_free(&t);
}

/* Many batches: the threaded reader hands the same batches. */
static void batches(void)
{
	struct wl_access_gen_params p;
	struct wl_access_trace t = { 0 };
	struct reason err;
	struct result a, b;
	size_t len;
	char *text;

	wl_access_gen_defaults(&p);
	p.accesses = 10 * WL_ACCESS_BATCH + 17;
	ASSERT_OK(wl_access_gen("zipf", &p, &t, &err));
	text = write_mem(&wl_trace_din, &t, &len);
	parse(&wl_trace_din, text, len, 1000, &a);
	parse_threaded(&wl_trace_din, text, len, 1000, &b);
	same(&a, &b, "din", 1000);
	ASSERT_EQ(a.t.n, t.n);
	/* Many more chunks than jobs, and a bad line in the last ones. */
	wl_access_trace_free(&b.t);
	parse_parallel(&wl_trace_din, text, len, 1000, false, 2, &b);
	same(&a, &b, "din parallel", 1000);
	wl_access_trace_free(&b.t);
	text[len - 40] = 'x';
	wl_access_trace_free(&a.t);
	parse(&wl_trace_din, text, len, 1000, &a);
	ASSERT_EQ(a.ret, -EINVAL);
	for (size_t c = 777; c < 40000; c *= 3) {
		parse_parallel(&wl_trace_din, text, len, c, c & 1, 2, &b);
		same(&a, &b, "din parallel, a bad line", c);
		wl_access_trace_free(&b.t);
		parse_parallel(&wl_trace_din, text, len, c, c & 1, 0, &b);
		same(&a, &b, "din, no worker, a bad line", c);
		wl_access_trace_free(&b.t);
	}
	parse_threaded(&wl_trace_din, text, len, 1000, &b);
#ifdef VMBENCH_HAVE_ZLIB
	{
		uLongf zlen = compressBound(len) + 64;
		unsigned char *z = malloc(zlen);
		size_t zn;
		struct result c;

		ASSERT(z);
		zn = gzip_test(text, len, z, zlen);
		parse_threaded(&wl_trace_din, (char *)z, zn, 0, &c);
		same(&a, &c, "din.gz", 0);
		wl_access_trace_free(&c.t);
		/*
		 * A NUL in the last line, then the compressed data cut in its
		 * trailer: the NUL is the error, not the cut.
		 */
		{
			static const char tail[] = "r 5 4\nr 6\0x";
			char *nt = malloc(3000 * 16 + sizeof(tail));
			size_t nl = 0;
			struct result d, e;

			ASSERT(nt);
			for (int i = 0; i < 3000; i++)
				nl += (size_t)sprintf(nt + nl, "w %x 4\n", i);
			memcpy(nt + nl, tail, sizeof(tail) - 1);
			nl += sizeof(tail) - 1;
			ASSERT(nl < zlen);
			zn = gzip_test(nt, nl, z, zlen);
			/* A chunk that ends with the text: the cut is met
			 * only when the next one is decoded. */
			for (size_t ch = 7; ch <= nl; ch = ch * 3 < nl ?
			     ch * 3 : ch == nl ? nl + 1 : nl) {
				parse(&wl_trace_din, (char *)z,
				      zn - 3, ch, &d);
				ASSERT(d.ret == -EINVAL || d.ret == -EPIPE);
				if (ch == nl)
					ASSERT(strstr(d.err.msg, "NUL byte"));
				parse_parallel(&wl_trace_din, (char *)z,
					       zn - 3, ch, ch & 1,
					       2, &e);
				same(&d, &e, "din.gz, NUL then cut", ch);
				wl_access_trace_free(&d.t);
				wl_access_trace_free(&e.t);
			}
			free(nt);
		}
		free(z);
	}
#endif
	free(text);
	wl_access_trace_free(&a.t);
	wl_access_trace_free(&b.t);
	wl_access_trace_free(&t);
}

/* vmap op traces read a chunk at a time: the same ops and errors. */
static void vmap_chunks(void)
{
	static const char *const texts[] = {
		"a 1 4096\n# comment\na 2 0x2000 4096 0 0x100000\r\nf 1\n"
		"l 2 8   # after\n\n",
		"a 1 4096\nf 1",
		"a 1 4096\nq 2\n",
		"a 1 4096\na 2\n",
		"a 1 4096\na 2 8192\nf 1\nl 2 0\nzz 3\na 4 4096\n",
		"",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct wl_vmap_trace a = { 0 };
		struct reason ea = { 0 };
		size_t len = strlen(texts[i]);
		int ra = wl_vmap_parse(texts[i], len, &a, &ea);

		for (size_t chunk = 1; chunk <= 41; chunk += 4) {
			struct source_opts o = { .chunk = chunk,
						 .thread = chunk & 4 };
			struct wl_vmap_trace b = { 0 };
			struct reason eb = { 0 };
			struct source *s;
			int rb;

			ASSERT_OK(source_open_mem(&s, texts[i], len, &o, &eb));
			rb = wl_vmap_read_source(s, &b, &eb);
			source_close(s);
			ASSERT_EQ(rb, ra);
			ASSERT_EQ(b.n, a.n);
			ASSERT(!a.n || !memcmp(a.ops, b.ops,
					       a.n * sizeof(*a.ops)));
			if (ra) {
				ASSERT_EQ(eb.line, ea.line);
				ASSERT_STREQ(eb.msg, ea.msg);
			}
			wl_vmap_trace_free(&b);

			/*
			 * The reader in batches of 1 to 3 ops: the ops before
			 * a bad line first, then its error, on every call.
			 */
			struct wl_vmap_reader *rd;
			struct wl_vmap_op ops[3];
			size_t got = 0, max = 1 + chunk % 3;
			long n;

			ASSERT_OK(source_open_mem(&s, texts[i], len, &o, &eb));
			ASSERT_OK(wl_vmap_reader_open(&rd, s, &eb));
			while ((n = wl_vmap_reader_next(rd, ops, max, &eb)) > 0) {
				ASSERT((size_t)n <= max);
				ASSERT(got + (size_t)n <= a.n);
				ASSERT(!memcmp(&a.ops[got], ops,
					       (size_t)n * sizeof(*ops)));
				got += (size_t)n;
			}
			ASSERT_EQ(got, a.n);
			ASSERT_EQ(n, ra);
			if (ra) {
				ASSERT_EQ(eb.line, ea.line);
				ASSERT_STREQ(eb.msg, ea.msg);
				eb.line = 0;
				ASSERT_EQ(wl_vmap_reader_next(rd, ops, max, &eb),
					  ra);
				ASSERT_EQ(eb.line, ea.line);
			}
			wl_vmap_reader_close(rd);
			source_close(s);
		}
		wl_vmap_trace_free(&a);
	}
}

/* The portable SWAR hex code against a byte-by-byte reference. */
static void swar_words(void)
{
	static const char alphabet[] = "0123456789abcdefABCDEF/:@G`g,\n \x80"
				       "\xff\x10\x19";
	struct rng g;

	rng_seed(&g, SEED);
	for (int i = 0; i < 200000; i++) {
		char b[8];
		uint64_t w, want = 0, bad;
		unsigned k = 0, got;

		for (int j = 0; j < 8; j++)
			b[j] = alphabet[rng_below(&g, rng_below(&g, 4) ? 22 :
						  sizeof(alphabet) - 1)];
		memcpy(&w, b, 8);
		while (k < 8 && wl_hexval[(uint8_t)b[k]]) {
			want = want << 4 | (wl_hexval[(uint8_t)b[k]] - 1u);
			k++;
		}
		bad = wl_hex8_bad(w);
		got = bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
		ASSERT_EQ(got, k);
		if (k)
			ASSERT_EQ(wl_hex8_pack(w << (8 * (8 - k))), want);
	}
}

/* A generator streamed in batches of any size makes its array. */
static void gen_stream(void)
{
	static const size_t batch[] = { 1, 7, 4096, 100000 };
	size_t nw;
	const struct wl_access_workload *w = wl_access_workloads(&nw);

	for (size_t i = 0; i < nw; i++) {
		struct wl_access_gen_params p;
		struct wl_access_trace a = { 0 };
		struct reason err;

		wl_access_gen_defaults(&p);
		p.accesses = 50000;
		p.pages = 300;
		p.write_pct = 40;
		ASSERT_OK(wl_access_gen(w[i].name, &p, &a, &err));
		for (size_t b = 0; b < sizeof(batch) / sizeof(batch[0]); b++) {
			struct wl_access *buf = malloc(batch[b] * sizeof(*buf));
			struct wl_access_gen *g;
			size_t n, at = 0;

			ASSERT(buf);
			ASSERT_OK(wl_access_gen_open(&g, w[i].name, &p, &err));
			while ((n = wl_access_gen_next(g, buf, batch[b]))) {
				ASSERT(at + n <= a.n);
				ASSERT(!memcmp(buf, a.a + at, n * sizeof(*buf)));
				at += n;
			}
			ASSERT_EQ(at, a.n);
			wl_access_gen_close(g);
			free(buf);
		}
		wl_access_trace_free(&a);
	}
}

/*
 * Through a file, @how: 0 the reader on the caller's thread, 1 on its
 * thread, 2 the parallel reader with two workers, 3 with none (the
 * caller parses every job); chunks of @chunk.
 */
static void parse_file(const struct wl_trace_format *fmt, const char *path,
		       size_t chunk, int how, bool want_mapped,
		       struct result *r)
{
	struct source_opts o = { .chunk = chunk };
	struct wl_access_reader *rd;
	struct source *s;

	memset(r, 0, sizeof(*r));
	ASSERT_OK(source_open(&s, path, &o, &r->err));
	ASSERT_EQ(source_mapped(s), want_mapped);
	if (how >= 2)
		ASSERT_OK(wl_access_reader_open_parallel(&rd, fmt, s,
							 how == 2 ? 2 : 0,
							 &r->err));
	else
		ASSERT_OK(wl_access_reader_open(&rd, fmt, s, how == 1,
						&r->err));
	drain(rd, r);
	wl_access_reader_close(rd);
	source_close(s);
}

/*
 * A din text of exactly @n bytes: records (CRLF with @crlf), the last
 * line padded with blanks to the size; @end: 0 a final newline, 1 none,
 * 2 a bad label on the last line, 3 a NUL byte on it.
 */
static char *din_of_size(size_t n, bool crlf, int end)
{
	static const char *const lines[] = { "r 7ffc1234 4", "w 1a 8",
					     "i 400000", "R 0x10 1" };
	char *t = malloc(n + 1);
	size_t at = 0, k;

	ASSERT(t);
	for (unsigned i = 0;; i++) {
		const char *l = lines[i % 4];

		k = strlen(l) + 1 + crlf;
		if (at + k + 8 > n)
			break;
		memcpy(t + at, l, k - 1 - crlf);
		at += k - 1 - crlf;
		if (crlf)
			t[at++] = '\r';
		t[at++] = '\n';
	}
	/* The last line: "r 1" and blanks, or blanks (a blank line). */
	memset(t + at, ' ', n - at);
	if (n - at >= 4) {
		t[at] = end == 2 ? 'x' : 'r';
		t[at + 2] = end == 3 ? '\0' : '1';
	}
	if (n > at && end != 1)
		t[n - 1] = '\n';
	return t;
}

static void mapped_files(void)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE), ch = 2 * pg;
	const size_t sizes[] = { 0, 1, 2, 5, pg - 1, pg, pg + 1, ch - 1, ch,
				 ch + 1, 3 * ch + 7, SOURCE_CHUNK_DEFAULT - 1,
				 SOURCE_CHUNK_DEFAULT, SOURCE_CHUNK_DEFAULT + 1 };
	const size_t chunks[] = { 64, 1000, ch, 0 };
	char path[] = "/tmp/vmbench-reader-XXXXXX";

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int v = 0; v < 8; v++) {
			char *t = din_of_size(sizes[i], v & 1, v >> 1);
			struct result ref, r;
			int fd = mkstemp(path);

			ASSERT(fd >= 0);
			ASSERT_EQ(write(fd, t, sizes[i]), (ssize_t)sizes[i]);
			close(fd);
			parse(&wl_trace_din, t, sizes[i], 0, &ref);
			for (size_t c = 0; c < sizeof(chunks) /
						sizeof(chunks[0]); c++) {
				if (chunks[c] && chunks[c] < 1000 &&
				    sizes[i] > 100000)
					continue;
				for (int how = 0; how < 4; how++) {
					parse_file(&wl_trace_din, path,
						   chunks[c], how,
						   sizes[i] > 0, &r);
					same(&ref, &r, how >= 2 ?
					     "mapped, parallel" : "mapped",
					     chunks[c]);
					wl_access_trace_free(&r.t);
				}
			}
			/* What the variants are made to be. */
			if (sizes[i] >= 16 && v >> 1 == 0)
				ASSERT_OK(ref.ret);
			if (sizes[i] >= 16 && v >> 1 >= 2) {
				ASSERT_EQ(ref.ret, -EINVAL);
				ASSERT_EQ(ref.err.line, ref.t.n + 1);
			}
			wl_access_trace_free(&ref.t);
			unlink(path);
			strcpy(path, "/tmp/vmbench-reader-XXXXXX");
			free(t);
		}
	}
	/* Lines longer than a chunk (windows without a newline), one of
	 * WL_LINE_MAX bytes or more, the last line long and unended. */
	for (int v = 0; v < 3; v++) {
		size_t blanks = v == 1 ? WL_LINE_MAX + 100 : 5000, n;
		char *t = malloc(blanks + 64);
		struct result ref, r;
		int fd;

		ASSERT(t);
		n = (size_t)sprintf(t, "r 1 4\nw 2 8\n");
		memset(t + n, ' ', blanks);
		n += blanks;
		n += (size_t)sprintf(t + n, v == 2 ? "r 3 4" : "r 3 4\ni 4\n");
		fd = mkstemp(path);
		ASSERT(fd >= 0);
		ASSERT_EQ(write(fd, t, n), (ssize_t)n);
		close(fd);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]);
		     c++) {
			/* Too long a line is found where chunks split it. */
			parse(&wl_trace_din, t, n, chunks[c], &ref);
			ASSERT_EQ(ref.ret, v == 1 && chunks[c] &&
				  chunks[c] < n ? -E2BIG : 0);
			for (int how = 0; how < 4; how++) {
				parse_file(&wl_trace_din, path, chunks[c], how,
					   true, &r);
				same(&ref, &r, "mapped, long line", chunks[c]);
				wl_access_trace_free(&r.t);
			}
			wl_access_trace_free(&ref.t);
		}
		unlink(path);
		strcpy(path, "/tmp/vmbench-reader-XXXXXX");
		free(t);
	}
}

/*
 * A mapped trace cut short while it is read (after the first batch): the
 * accesses handed out are the trace's first ones, then the error is the
 * source's (-EIO, "shrank"), not the parser's view of the zeros that the
 * missing pages read as; every reader.
 */
static void mapped_shrinking(void)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = 4u << 20;
	char path[] = "/tmp/vmbench-reader-XXXXXX";
	char *t = din_of_size(n, false, 0);
	struct source_opts o = { .chunk = 64u << 10 };
	struct result ref, r;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	parse(&wl_trace_din, t, n, 0, &ref);
	ASSERT_OK(ref.ret);
	for (int how = 0; how < 3; how++) {
		struct wl_access_reader *rd;
		const struct wl_access *a;
		struct source *s;
		long k;

		ASSERT_OK(ftruncate(fd, 0));
		ASSERT_EQ(pwrite(fd, t, n, 0), (ssize_t)n);
		memset(&r, 0, sizeof(r));
		ASSERT_OK(source_open(&s, path, &o, &r.err));
		ASSERT(source_mapped(s));
		if (how == 2)
			ASSERT_OK(wl_access_reader_open_parallel(
				&rd, &wl_trace_din, s, 2, &r.err));
		else
			ASSERT_OK(wl_access_reader_open(&rd, &wl_trace_din, s,
							how == 1, &r.err));
		k = wl_access_reader_next(rd, &a, &r.err);
		ASSERT(k > 0);
		for (long i = 0; i < k; i++)
			ASSERT_OK(wl_access_push(&r.t, &a[i]));
		ASSERT_OK(ftruncate(fd, (off_t)(2 * pg)));
		drain(rd, &r);
		ASSERT_EQ(r.ret, -EIO);
		ASSERT(strstr(r.err.msg, "shrank"));
		ASSERT(r.t.n < ref.t.n);
		ASSERT(!memcmp(r.t.a, ref.t.a, r.t.n * sizeof(*r.t.a)));
		wl_access_reader_close(rd);
		source_close(s);
		wl_access_trace_free(&r.t);
	}
	close(fd);
	unlink(path);
	wl_access_trace_free(&ref.t);
	free(t);
}

/*
 * A NUL byte at every place of a line among lines the wide path takes
 * (the regions reach past it: the parsers name it), CRLF and a line the
 * per-line paths take too: the error at its line, whole and at every
 * chunk size up to 70.
 */
static void wide_nul(void)
{
	static const char *const lines[2][3] = {
		{ "w 7ffc1234 8\n", "w 7ffc1234 8\r\n", "r 0x10\n" },
		{ " S 7ffc1234,8\n", "I  7ffc1234,8\r\n", "==5== x\n" },
	};
	char text[1024];
	struct result r;

	for (int lackey = 0; lackey < 2; lackey++) {
		const struct wl_trace_format *fmt = lackey ? &wl_trace_lackey :
			&wl_trace_din;

		for (int v = 0; v < 3; v++) {
			const char *l = lines[lackey][v];

			for (size_t at = 0; at < strlen(l); at++) {
				size_t len = taken_lines(text, lackey, 0x1000,
							 10);

				memcpy(text + len, l, strlen(l));
				text[len + at] = '\0';
				len += strlen(l);
				len += taken_lines(text + len, lackey, 0x2000,
						   10);
				wide_same(fmt, text, len, 1, 70);
				parse(fmt, text, len, 0, &r);
				ASSERT_EQ(r.ret, -EINVAL);
				ASSERT_EQ(r.err.line, 11);
				ASSERT(strstr(r.err.msg, "NUL byte"));
				wl_access_trace_free(&r.t);
			}
		}
	}
}

/*
 * Mapped files of lines the wide path takes (a few it leaves among them):
 * a mapped chunk is followed by the file's next bytes, not zeros, so a
 * window past a region's end would find lines there and write them twice.
 */
static void mapped_wide(void)
{
	const size_t ch = 2 * (size_t)sysconf(_SC_PAGESIZE);
	const size_t chunks[] = { 64, 1000, ch, 0 };
	char path[] = "/tmp/vmbench-reader-XXXXXX";
	size_t cap = 3 * ch + 4096;
	char *t = malloc(cap);
	struct rng g;

	ASSERT(t);
	rng_seed(&g, SEED);
	for (int lackey = 0; lackey < 2; lackey++) {
		const struct wl_trace_format *fmt = lackey ? &wl_trace_lackey :
			&wl_trace_din;
		struct result ref, r;
		size_t len = 0;
		int fd;

		while (len < 3 * ch + 7)
			len += gen_line(&g, lackey, rng_below(&g, 50) == 0,
					t + len);
		fd = mkstemp(path);
		ASSERT(fd >= 0);
		ASSERT_EQ(write(fd, t, len), (ssize_t)len);
		close(fd);
		parse_narrow(fmt, t, len, 0, &ref);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			for (int how = 0; how < 4; how++) {
				parse_file(fmt, path, chunks[c], how, true, &r);
				same(&ref, &r, how >= 2 ? "mapped wide, parallel" :
				     "mapped wide", chunks[c]);
				wl_access_trace_free(&r.t);
			}
		}
		wl_access_trace_free(&ref.t);
		unlink(path);
		strcpy(path, "/tmp/vmbench-reader-XXXXXX");
	}
	free(t);
}

int main(void)
{
	mapped_shrinking();
	mapped_files();
	swar_words();
	gen_stream();
	vmap_chunks();
	text_formats();
	specific();
	swar_hex();
	wide_path();
	wide_short_lines();
	wide_nul();
	mapped_wide();
	vmb();
	batches();
	return 0;
}
