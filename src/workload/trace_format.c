/* SPDX-License-Identifier: MIT */
/*
 * The table of memory-access trace formats, and the streaming reader and
 * the writer that go through it.  Each format lives in a file of its own
 * (lackey.c, din.c, vmb.c) that defines its struct wl_trace_format; this
 * file only lists them.  Adding a format: its file, a row below (and its
 * extern declaration if workload.h does not declare it), and the file in
 * meson.build.
 *
 * The reader hands a format's parser regions of a chunk, so a record
 * split between two chunks is joined in the carry buffer first:
 *
 *   chunk k:    [ ...whole lines... | tail ]          tail -> carry
 *   chunk k+1:  [ head\n | ...whole lines... | tail ]
 *   carry:      [ tail head\n | pad ]   parsed alone, then chunk k+1
 *
 * For a binary format the head is as many bytes as the record needs:
 * the carry grows by up to WL_VMB_MAX_RECORD bytes at a time until the
 * parser takes a record out of it.  At the end of the input a text tail
 * gets a newline; a binary tail is a truncated record.
 */
#include <errno.h>
#include <string.h>

#include <vmbench/ring.h>
#include <vmbench/source.h>

#include "access_impl.h"

static const struct wl_trace_format *const formats[] = {
	&wl_trace_lackey,
	&wl_trace_din,
	&wl_trace_vmb,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct wl_trace_format *const *wl_trace_formats(size_t *count)
{
	*count = NFORMATS;
	return formats;
}

const struct wl_trace_format *wl_trace_format_find(const char *name)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(formats[i]->name, name))
			return formats[i];
	return NULL;
}

/* The carry holds at most a line and a header's worth more. */
#define CARRY_MAX (WL_LINE_MAX + 64)

struct wl_access_reader {
	const struct wl_trace_format *fmt;
	struct source *src;
	struct ring *ring;
	struct wl_parse ps;
	struct reason why;        /* the producer's own reason */
	/* The current chunk: [cp, cpe) to parse, [cpe, cend) its tail. */
	const char *cp, *cpe, *cend;
	char *carry;              /* CARRY_MAX + SOURCE_PAD bytes */
	size_t clen;
	bool header_done, src_end;
	int pending;              /* an error after a part batch */
	struct reason pending_why;
};

/*
 * The end of the whole lines of [p, end): after the last newline, or p.
 * A NUL byte cuts the region before the line that holds it: *nul is set.
 */
static const char *text_cut(const char *p, const char *end, bool *nul)
{
	const char *z = memchr(p, '\0', (size_t)(end - p)), *nl;

	*nul = z != NULL;
	if (z)
		end = z;
	for (nl = end; nl > p; nl--)
		if (nl[-1] == '\n')
			return nl;
	return p;
}

/* Parse [p, end) with the format's parser: 0 (ps.p tells how far it
 * came) or its error. */
static int parse_region(struct wl_access_reader *r, const char *p,
			const char *end)
{
	struct wl_parse *ps = &r->ps;
	int ret;

	ps->p = p;
	ps->end = end;
	if (!r->header_done) {
		if ((size_t)(end - p) < r->fmt->header)
			return 0;
		if (r->fmt->header && (ret = r->fmt->check_header(ps)) < 0)
			return ret;
		r->header_done = true;
	}
	return r->fmt->parse(ps);
}

static int nul_error(struct wl_access_reader *r)
{
	return reason_fail(r->ps.err, -EINVAL, r->ps.line + 1,
			   "NUL byte in the trace");
}

/* Parse the text carry, which ends in a newline: its one line. */
static int parse_carry_line(struct wl_access_reader *r)
{
	bool nul;
	const char *cut = text_cut(r->carry, r->carry + r->clen, &nul);
	int ret = parse_region(r, r->carry, cut);

	if (ret)
		return ret;
	if (nul)
		return nul_error(r);
	r->clen = 0;
	return 0;
}

static int carry_add(struct wl_access_reader *r, const char *p, size_t n)
{
	if (n > CARRY_MAX - r->clen)
		return reason_fail(r->ps.err, -E2BIG, r->ps.line + 1,
				   "line longer than %u bytes", WL_LINE_MAX);
	memcpy(r->carry + r->clen, p, n);
	r->clen += n;
	memset(r->carry + r->clen, 0, SOURCE_PAD);
	return 0;
}

/* Drop the first @n bytes of the carry. */
static void carry_drop(struct wl_access_reader *r, size_t n)
{
	memmove(r->carry, r->carry + n, r->clen - n);
	r->clen -= n;
	memset(r->carry + r->clen, 0, SOURCE_PAD);
}

/*
 * Set the current chunk to [p, end): a text chunk's region ends after its
 * last newline before any NUL byte, so a NUL is always in the tail.
 */
static void set_chunk(struct wl_access_reader *r, const char *p,
		      const char *end)
{
	bool nul;

	r->cp = p;
	r->cend = end;
	r->cpe = r->fmt->binary ? end : text_cut(p, end, &nul);
}

/*
 * Join the carry with the head of a new chunk [p, end) and parse it;
 * the current chunk becomes what follows the head.  The batch has room
 * for the carried record.
 */
static int join(struct wl_access_reader *r, const char *p, const char *end)
{
	size_t old = r->clen, take, used;
	int ret;

	if (!r->fmt->binary) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		take = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		if ((ret = carry_add(r, p, take)))
			return ret;
		if (nl && (ret = parse_carry_line(r)))
			return ret;
		set_chunk(r, p + take, end);
		return 0;
	}
	take = (size_t)(end - p);
	if (take > WL_VMB_MAX_RECORD + WL_VMB_HEADER)
		take = WL_VMB_MAX_RECORD + WL_VMB_HEADER;
	if ((ret = carry_add(r, p, take)))
		return ret;
	if ((ret = parse_region(r, r->carry, r->carry + r->clen)))
		return ret;
	used = (size_t)(r->ps.p - r->carry);
	if (used >= old) {
		/* The joined record is done: go on in the chunk. */
		r->clen = 0;
		set_chunk(r, p + (used - old), end);
	} else {
		/* Still short of a record: the chunk was all taken. */
		carry_drop(r, used);
		set_chunk(r, p + take, end);
	}
	return 0;
}

/* The end of the input: what the carry holds. */
static int finish(struct wl_access_reader *r)
{
	int ret;

	if (!r->clen)
		return 0;
	if (!r->fmt->binary) {
		/* A last line without a newline. */
		if ((ret = carry_add(r, "\n", 1)))
			return ret;
		return parse_carry_line(r);
	}
	/* The parser took every whole record; what is left is cut. */
	if ((ret = parse_region(r, r->carry, r->carry + r->clen)))
		return ret;
	if (r->ps.p != r->carry + r->clen)
		return reason_fail(r->ps.err, -EPIPE, 0, "the %s trace ends "
				   "inside %s (%zu bytes left)", r->fmt->name,
				   r->header_done ? "a record" : "its header",
				   (size_t)(r->carry + r->clen - r->ps.p));
	r->clen = 0;
	return 0;
}

static int fill(struct wl_access_reader *r, void *buf, struct reason *err);

/*
 * The ring's producer: fill @buf with a batch.  The accesses before an
 * error are handed out first, the error on the next call.
 */
static int fill_batch(void *ctx, void *buf, size_t *len, struct reason *err)
{
	struct wl_access_reader *r = ctx;
	int ret;

	if (r->pending) {
		if (err)
			*err = r->pending_why;
		return r->pending;
	}
	ret = fill(r, buf, err);
	*len = r->ps.n * sizeof(struct wl_access);
	if (ret < 0 && r->ps.n) {
		r->pending = ret;
		if (err)
			r->pending_why = *err;
		return 1;
	}
	return ret;
}

static int fill(struct wl_access_reader *r, void *buf, struct reason *err)
{
	struct wl_parse *ps = &r->ps;
	const char *p;
	size_t n;
	int ret;

	ps->out = buf;
	ps->n = 0;
	ps->cap = WL_ACCESS_BATCH;
	ps->err = err;
	while (ps->n + 2 <= ps->cap) {
		if (r->cp < r->cpe) {
			/* Whole records of the chunk. */
			ret = parse_region(r, r->cp, r->cpe);
			r->cp = ps->p;
			if (ret)
				return ret;
			/* A binary record cut by the chunk's end. */
			if (ps->n + 2 <= ps->cap)
				r->cpe = r->cp;
			continue;
		}
		if (r->cpe < r->cend) {
			/* The tail waits for the next chunk. */
			if (!r->fmt->binary &&
			    memchr(r->cpe, '\0', (size_t)(r->cend - r->cpe)))
				return nul_error(r);
			if ((ret = carry_add(r, r->cpe,
					     (size_t)(r->cend - r->cpe))))
				return ret;
			r->cp = r->cpe = r->cend;
			continue;
		}
		if (r->src_end)
			break;
		ret = source_next(r->src, &p, &n, err);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			r->src_end = true;
			if ((ret = finish(r)))
				return ret;
			continue;
		}
		if (r->clen) {
			if ((ret = join(r, p, p + n)))
				return ret;
		} else {
			set_chunk(r, p, p + n);
		}
	}
	return ps->n > 0;
}

int wl_access_reader_open(struct wl_access_reader **rp,
			  const struct wl_trace_format *fmt,
			  struct source *src, bool threaded,
			  struct reason *err)
{
	struct wl_access_reader *r;
	int ret;

	*rp = NULL;
	if (!fmt->parse)
		return reason_fail(err, -EOPNOTSUPP, 0,
				   "the %s format has no reader", fmt->name);
	r = calloc(1, sizeof(*r));
	if (!r || !(r->carry = calloc(1, CARRY_MAX + SOURCE_PAD))) {
		free(r);
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	}
	r->fmt = fmt;
	r->src = src;
	ret = ring_start(&r->ring, WL_READER_SLOTS,
			 WL_ACCESS_BATCH * sizeof(struct wl_access), 0,
			 threaded, fill_batch, r);
	if (ret) {
		free(r->carry);
		free(r);
		return reason_fail(err, ret, 0, "cannot start reading: %s",
				   strerror(-ret));
	}
	*rp = r;
	return 0;
}

long wl_access_reader_next(struct wl_access_reader *r,
			   const struct wl_access **a, struct reason *err)
{
	void *buf;
	size_t len;
	int ret = ring_next(r->ring, &buf, &len, err);

	if (ret <= 0)
		return ret;
	*a = buf;
	return (long)(len / sizeof(struct wl_access));
}

void wl_access_reader_close(struct wl_access_reader *r)
{
	if (!r)
		return;
	ring_stop(r->ring);
	free(r->carry);
	free(r);
}

int wl_access_parse_chunked(const struct wl_trace_format *fmt,
			    const char *buf, size_t len, size_t chunk,
			    struct wl_access_trace *t, struct reason *err)
{
	struct source_opts o = { .chunk = chunk };
	struct wl_access_reader *r = NULL;
	struct source *src;
	const struct wl_access *a;
	long n;
	int ret;

	if (!fmt->parse)
		return reason_fail(err, -EOPNOTSUPP, 0,
				   "the %s format has no reader", fmt->name);
	if ((ret = source_open_mem(&src, buf, len, &o, err)))
		return ret;
	if ((ret = wl_access_reader_open(&r, fmt, src, false, err)))
		goto out;
	while ((n = wl_access_reader_next(r, &a, err)) > 0) {
		if (wl_access_grow(t, (size_t)n)) {
			ret = reason_fail(err, -ENOMEM, a[0].line,
					  "out of memory");
			goto out;
		}
		memcpy(t->a + t->n, a, (size_t)n * sizeof(*a));
		t->n += (size_t)n;
	}
	ret = (int)n;
out:
	wl_access_reader_close(r);
	source_close(src);
	return ret;
}

int wl_access_parse(const struct wl_trace_format *fmt, const char *buf,
		    size_t len, struct wl_access_trace *t, struct reason *err)
{
	return wl_access_parse_chunked(fmt, buf, len, 0, t, err);
}

static int stream_error(FILE *f, struct reason *r)
{
	int ret;

	if (!ferror(f))
		return 0;
	ret = errno ? -errno : -EIO;
	return reason_fail(r, ret, 0, "write error: %s", strerror(-ret));
}

int wl_access_writer_begin(struct wl_access_writer *w, FILE *f,
			   const struct wl_trace_format *fmt,
			   struct reason *r)
{
	w->f = f;
	w->fmt = fmt;
	w->state = 0;
	if (!fmt->write)
		return reason_fail(r, -EOPNOTSUPP, 0,
				   "the %s format has no writer", fmt->name);
	if (fmt->write_header)
		fmt->write_header(f);
	return stream_error(f, r);
}

int wl_access_writer_put(struct wl_access_writer *w,
			 const struct wl_access *a, size_t n,
			 struct reason *r)
{
	w->fmt->write(w->f, a, n, &w->state);
	return stream_error(w->f, r);
}

int wl_access_write(FILE *f, const struct wl_trace_format *fmt,
		    const struct wl_access *a, size_t n, struct reason *r)
{
	struct wl_access_writer w;
	int ret;

	if ((ret = wl_access_writer_begin(&w, f, fmt, r)) ||
	    (ret = wl_access_writer_put(&w, a, n, r)))
		return ret;
	if (fflush(f) || ferror(f)) {
		ret = errno ? -errno : -EIO;
		return reason_fail(r, ret, 0, "write error: %s",
				   strerror(-ret));
	}
	return 0;
}
