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
#include <pthread.h>
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

struct par;

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
	/* The parallel reader (NULL: the ring's); see par_next(). */
	struct par *par;
	bool seq, seq_done;       /* seq: read again on this thread */
	int seq_final;
	struct wl_access *batch;  /* seq: WL_ACCESS_BATCH accesses */
	uint64_t replay_i, replay_end;  /* seq: jobs to read again */
};

static int next_chunk(struct wl_access_reader *r, const char **p,
		      size_t *n, struct reason *err);

/* The last newline of [p, end), or NULL. */
static const char *last_nl(const char *p, const char *end)
{
	while (end > p)
		if (*--end == '\n')
			return end;
	return NULL;
}

/*
 * The end of the whole lines of [p, end): after the last newline, or p.
 * A NUL byte among them is the parser's error, at its line (access_impl.h:
 * the text formats' lines that hold one never pass their fast paths).
 */
static const char *text_cut(const char *p, const char *end)
{
	const char *nl = last_nl(p, end);

	return nl ? nl + 1 : p;
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
	const char *cut = text_cut(r->carry, r->carry + r->clen);
	int ret = parse_region(r, r->carry, cut);

	if (ret)
		return ret;
	r->clen = 0;
	return 0;
}

/*
 * Append @n bytes to the carry.  A NUL byte in text is its line's error at
 * once, not when the line ends: a source error after it must not come
 * first (with small chunks the line arrives a piece at a time).
 */
static int carry_add(struct wl_access_reader *r, const char *p, size_t n)
{
	if (!r->fmt->binary && memchr(p, '\0', n))
		return nul_error(r);
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
 * last newline.
 */
static void set_chunk(struct wl_access_reader *r, const char *p,
		      const char *end)
{
	r->cp = p;
	r->cend = end;
	r->cpe = r->fmt->binary ? end : text_cut(p, end);
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
	/* A mapped file that shrank reads as zeros: say so, not what the
	 * parser made of them. */
	if (ret < 0 && source_check(r->src, NULL))
		ret = source_check(r->src, err);
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
			if ((ret = carry_add(r, r->cpe,
					     (size_t)(r->cend - r->cpe))))
				return ret;
			r->cp = r->cpe = r->cend;
			continue;
		}
		if (r->src_end)
			break;
		ret = next_chunk(r, &p, &n, err);
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

static long par_next(struct wl_access_reader *r, const struct wl_access **a,
		     struct reason *err);
static void par_free(struct par *P);

long wl_access_reader_next(struct wl_access_reader *r,
			   const struct wl_access **a, struct reason *err)
{
	void *buf;
	size_t len;
	int ret;

	if (r->par)
		return par_next(r, a, err);
	ret = ring_next(r->ring, &buf, &len, err);
	if (ret <= 0)
		return ret;
	*a = buf;
	return (long)(len / sizeof(struct wl_access));
}

void wl_access_reader_close(struct wl_access_reader *r)
{
	if (!r)
		return;
	par_free(r->par);
	ring_stop(r->ring);
	free(r->batch);
	free(r->carry);
	free(r);
}

/*
 * The parallel reader of a text trace.  The workers take turns to fill
 * jobs in order (one reads at a time: the turn is @reading), each then
 * parsing the job it filled; the caller only hands out the accesses.  A
 * job's text is the carried start of a line, then one chunk of the
 * source read straight after it, then SOURCE_PAD zero bytes:
 *
 *   text:  [ head (carry) | chunk ...\n | tail ] pad
 *          0              head            cut    len
 *
 * From a mapped source (source_mapped()) nothing is copied: the carry is
 * the previous chunk's tail, which lies just before the next chunk in the
 * mapping, so a job's text is the tail and the chunk where they are (the
 * SOURCE_PAD bytes after it, the file's next ones, start a line, or the
 * chunk ends in a tail that the workers do not parse); only the last line
 * without a newline is copied, into the job's own buffer, to add one.
 * The consumer gives back the mapping's pages of the jobs it handed out.
 *
 * [0, cut) is whole lines, parsed by a worker; the tail becomes the next
 * job's head.  A job whose parse starts after every job before it was
 * parsed knows the lines before it (known_lines) and numbers its lines
 * from there, as the single-thread reader would: with one worker that
 * is nearly every job.  Any other job numbers its lines from 0, and the
 * consumer adds the lines of the jobs before (line_base, which a job's
 * base equals exactly when no line needs it) as it hands the accesses
 * out.  The consumer hands out the jobs' accesses in job
 * order.  Invariants: cons_i <= fill_i <= cons_i + NJOBS;
 * jobs [cons_i, fill_i) are filled; a job's state moves FREE -> BUSY
 * (filled, being parsed) -> DONE (a job that needs no parsing is DONE
 * when filled) -> FREE (handed out), under @mu; the jobs after an END,
 * ERROR or REPLAY job are never filled (src_done).
 *
 * Whatever the workers cannot decide exactly as the single-thread reader
 * would (a bad line, a NUL byte) and a job whose edge holds a line of
 * WL_LINE_MAX bytes or more or a NUL byte (JOB_REPLAY: the single-thread
 * reader meets that before the next chunk's fault) are read again on the
 * caller's thread: the workers stop, and the single-thread reader starts
 * at that job's chunk with its head as the carry and line_base as the
 * line, and takes the chunks of the jobs filled after it before the
 * source's next: the state it would have reached by itself, since the
 * formats' lines are parsed each alone.
 */
#define NJOBS WL_READER_JOBS

enum job_kind {
	JOB_TEXT,       /* lines to parse */
	JOB_LAST,       /* the last line, its newline added: the end */
	JOB_REPLAY,     /* read again from here on this thread */
	JOB_ERROR,      /* the source's error */
	JOB_END,
};

enum job_state { JOB_FREE, JOB_BUSY, JOB_DONE };

struct par_job {
	const char *text;       /* buf, or the mapping */
	char *buf;              /* CARRY_MAX + chunk (mapped: 1) + PAD */
	size_t head, cut, len;
	enum job_kind kind;
	enum job_state state;
	bool failed;            /* the worker met an error or a NUL */
	int err;                /* JOB_ERROR */
	struct reason why;
	struct wl_access *out;  /* the accesses of [0, cut) */
	size_t nout, cap, pos;  /* pos: handed out */
	uint64_t base;          /* the line its lines are numbered after:
				 * the lines of the jobs before it, or 0
				 * (the consumer adds those) */
	uint64_t lines;         /* lines in [0, cut) */
};

struct par {
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	pthread_t th[WL_READER_WORKERS];
	unsigned nthreads;
	bool stop;
	uint64_t fill_i, cons_i, line_base;
	/* Jobs [cons_i, known_i) are DONE, and known_lines is the lines of
	 * the jobs before known_i (par_known()). */
	uint64_t known_i, known_lines;
	bool reading;           /* a worker holds the reading turn */
	bool src_done;          /* the last job is filled */
	bool mapped;            /* source_mapped(): the carry is r->clen
				 * bytes at @tail, in the mapping (r->carry
				 * only for a replay) */
	const char *tail;
	struct par_job job[NJOBS];
};

/* Parse a job's whole lines on a worker. */
static void par_parse(const struct wl_trace_format *fmt, struct par_job *j)
{
	struct reason why = { 0 };
	struct wl_parse ps = { .err = &why };

	ps.p = j->text;
	ps.end = text_cut(j->text, j->text + j->cut);
	ps.line = j->base;
	j->failed = false;
	while (ps.p < ps.end) {
		if (ps.n + 2 > j->cap) {
			struct wl_access *o = realloc(j->out, 2 * j->cap *
						      sizeof(*o));

			if (!o) {
				/* Read again on the caller's thread. */
				j->failed = true;
				break;
			}
			j->out = o;
			j->cap *= 2;
		}
		ps.out = j->out;
		ps.cap = j->cap;
		if (fmt->parse(&ps)) {
			j->failed = true;
			break;
		}
	}
	j->nout = ps.n;
	j->lines = ps.line - j->base;
}

/*
 * Fill one job (on the worker that holds the reading turn): its kind,
 * and the next carry.  Returns whether no job follows it.
 */
static bool par_fill_job(struct wl_access_reader *r, struct par_job *j)
{
	const char *nl1, *nl, *c;
	struct par *P = r->par;
	size_t n = 0;
	int ret;

	j->pos = j->nout = j->lines = 0;
	j->failed = false;
	j->head = r->clen;
	if (r->src_end) {
		j->kind = JOB_END;
		return true;
	}
	if (P->mapped) {
		ret = source_next_mapped(r->src, &c, &n, &j->why);
		/* The chunk follows the tail in the mapping. */
		if (ret == 1)
			j->text = c - r->clen;
	} else {
		memcpy(j->buf, r->carry, r->clen);
		j->text = j->buf;
		ret = source_next_into(r->src, j->buf + j->head, &n, &j->why);
	}
	if (ret < 0) {
		j->kind = JOB_ERROR;
		j->err = ret;
		return true;
	}
	if (ret == 0) {
		r->src_end = true;
		if (!r->clen) {
			j->kind = JOB_END;
			return true;
		}
		/* A last line without a newline. */
		if (P->mapped)
			memcpy(j->buf, P->tail, r->clen);
		j->buf[j->head] = '\n';
		memset(j->buf + j->head + 1, 0, SOURCE_PAD);
		j->text = j->buf;
		j->len = j->cut = j->head + 1;
		j->kind = JOB_LAST;
		r->clen = 0;
		return false;
	}
	j->len = j->head + n;
	nl1 = memchr(j->text + j->head, '\n', n);
	nl = last_nl(j->text + j->head, j->text + j->len);
	if (!nl1 || (size_t)(nl1 - j->text) >= WL_LINE_MAX ||
	    (size_t)(j->text + j->len - nl) > WL_LINE_MAX) {
		j->kind = JOB_REPLAY;
		return true;
	}
	j->cut = (size_t)(nl + 1 - j->text);
	/* A NUL in the tail is the error before the next chunk's. */
	if (memchr(j->text + j->cut, '\0', j->len - j->cut)) {
		j->kind = JOB_REPLAY;
		return true;
	}
	j->kind = JOB_TEXT;
	r->clen = j->len - j->cut;
	if (P->mapped) {
		P->tail = j->text + j->cut;
		return false;
	}
	memcpy(r->carry, j->text + j->cut, r->clen);
	memset(r->carry + r->clen, 0, SOURCE_PAD);
	return false;
}

/*
 * Move known_i past the jobs that are DONE (@mu held, after a job became
 * DONE).  A job that failed counts its lines up to its error: the jobs
 * after it are never handed out (it is read again on the caller's
 * thread), so their bases do not matter.
 */
static void par_known(struct par *P)
{
	while (P->known_i < P->fill_i) {
		const struct par_job *j = &P->job[P->known_i % NJOBS];

		if (j->state != JOB_DONE)
			break;
		P->known_lines += j->lines;
		P->known_i++;
	}
}

/* Whether a job can be filled now: the turn is free, a slot too. */
static bool par_can_fill(const struct par *P)
{
	return !P->src_done && !P->reading &&
	       P->fill_i - P->cons_i < NJOBS;
}

/*
 * Take the reading turn (par_can_fill() held, @mu held), fill the next
 * job, hand the turn on and parse the job; @mu held again on return.
 */
static void par_work(struct wl_access_reader *r)
{
	struct par *P = r->par;
	uint64_t k = P->fill_i;
	struct par_job *j = &P->job[k % NJOBS];
	bool last, text;

	P->reading = true;
	pthread_mutex_unlock(&P->mu);
	last = par_fill_job(r, j);
	text = j->kind == JOB_TEXT || j->kind == JOB_LAST;
	pthread_mutex_lock(&P->mu);
	P->reading = false;
	P->src_done = last;
	P->fill_i++;
	j->state = text ? JOB_BUSY : JOB_DONE;
	/* The turn is free: another worker may read on. */
	pthread_cond_signal(&P->cv_work);
	if (text) {
		/* Every job before it parsed: its lines follow theirs. */
		j->base = P->known_i == k ? P->known_lines : 0;
		pthread_mutex_unlock(&P->mu);
		par_parse(r->fmt, j);
		pthread_mutex_lock(&P->mu);
		j->state = JOB_DONE;
	}
	par_known(P);
	pthread_cond_broadcast(&P->cv_done);
}

/*
 * A worker: it takes the reading turn when the next job's slot is free,
 * fills that job, hands the turn on and parses the job; so reading and
 * parsing alternate between the workers, and the caller translates (and
 * takes a turn itself when the job it waits for is not done: par_next()).
 */
static void *par_worker(void *arg)
{
	struct wl_access_reader *r = arg;
	struct par *P = r->par;

	pthread_mutex_lock(&P->mu);
	while (!P->stop) {
		if (par_can_fill(P))
			par_work(r);
		else
			pthread_cond_wait(&P->cv_work, &P->mu);
	}
	pthread_mutex_unlock(&P->mu);
	return NULL;
}

static void par_stop_workers(struct par *P)
{
	pthread_mutex_lock(&P->mu);
	P->stop = true;
	pthread_cond_broadcast(&P->cv_work);
	pthread_mutex_unlock(&P->mu);
	for (unsigned i = 0; i < P->nthreads; i++)
		pthread_join(P->th[i], NULL);
	P->nthreads = 0;
}

/* Go on with the single-thread reader from job @k on. */
static void par_replay(struct wl_access_reader *r, uint64_t k)
{
	struct par *P = r->par;
	struct par_job *j = &P->job[k % NJOBS];

	par_stop_workers(P);
	r->seq = true;
	r->replay_i = k;
	r->replay_end = P->fill_i;
	r->ps.line = P->line_base;
	r->header_done = true;
	r->clen = j->head;
	memcpy(r->carry, j->text, j->head);
	memset(r->carry + r->clen, 0, SOURCE_PAD);
	r->cp = r->cpe = r->cend = NULL;
	r->src_end = false;
}

/* The single-thread reader's chunks: the jobs' again, then the source's. */
static int next_chunk(struct wl_access_reader *r, const char **p,
		      size_t *n, struct reason *err)
{
	struct par_job *j;

	if (!r->par || r->replay_i == r->replay_end)
		return source_next(r->src, p, n, err);
	j = &r->par->job[r->replay_i++ % NJOBS];
	switch (j->kind) {
	case JOB_TEXT:
	case JOB_REPLAY:
		*p = j->text + j->head;
		*n = j->len - j->head;
		return 1;
	case JOB_ERROR:
		if (err)
			*err = j->why;
		return j->err;
	default:
		return 0;
	}
}

static long par_next(struct wl_access_reader *r, const struct wl_access **a,
		     struct reason *err)
{
	struct par *P = r->par;

	for (;;) {
		struct par_job *j;
		size_t len;
		int ret;

		if (r->seq) {
			if (!r->seq_done) {
				ret = fill_batch(r, r->batch, &len, &r->why);
				if (ret == 1) {
					*a = r->batch;
					return (long)(len / sizeof(**a));
				}
				r->seq_done = true;
				r->seq_final = ret;
			}
			if (r->seq_final && err)
				*err = r->why;
			return r->seq_final;
		}
		j = &P->job[P->cons_i % NJOBS];
		pthread_mutex_lock(&P->mu);
		/* Rather than wait, fill and parse the next job to fill (the
		 * awaited one itself, or a later one) when the turn and a
		 * slot are free: the workers are behind. */
		while (j->state != JOB_DONE) {
			if (par_can_fill(P))
				par_work(r);
			else
				pthread_cond_wait(&P->cv_done, &P->mu);
		}
		pthread_mutex_unlock(&P->mu);
		switch (j->kind) {
		case JOB_END:
			return 0;
		case JOB_ERROR:
			if (err)
				*err = j->why;
			return j->err;
		case JOB_REPLAY:
			par_replay(r, P->cons_i);
			continue;
		default:
			break;
		}
		if (j->failed) {
			par_replay(r, P->cons_i);
			continue;
		}
		if (j->pos < j->nout) {
			size_t k = j->nout - j->pos;
			struct wl_access *o = j->out + j->pos;

			if (k > WL_ACCESS_BATCH)
				k = WL_ACCESS_BATCH;
			if (j->base == P->line_base) {
				/* Numbered as the single-thread reader does. */
			} else if (P->line_base + j->lines <= UINT32_MAX) {
				/* No line reaches the clamp. */
				uint32_t b = (uint32_t)P->line_base;

				for (size_t i = 0; i < k; i++)
					o[i].line += b;
			} else {
				for (size_t i = 0; i < k; i++) {
					uint64_t l = o[i].line + P->line_base;

					o[i].line = l > UINT32_MAX ?
						    UINT32_MAX : (uint32_t)l;
				}
			}
			j->pos += k;
			*a = o;
			return (long)k;
		}
		P->line_base += j->lines;
		/* The next job's text starts at the cut. */
		if (P->mapped && j->kind == JOB_TEXT)
			source_release(r->src, j->text + j->cut);
		pthread_mutex_lock(&P->mu);
		j->state = JOB_FREE;
		P->cons_i++;
		/* A slot to fill: wake a worker that waits for one. */
		pthread_cond_signal(&P->cv_work);
		pthread_mutex_unlock(&P->mu);
	}
}

static void par_free(struct par *P)
{
	if (!P)
		return;
	par_stop_workers(P);
	pthread_mutex_destroy(&P->mu);
	pthread_cond_destroy(&P->cv_work);
	pthread_cond_destroy(&P->cv_done);
	for (unsigned i = 0; i < NJOBS; i++) {
		free(P->job[i].buf);
		free(P->job[i].out);
	}
	free(P);
}

int wl_access_reader_open_parallel(struct wl_access_reader **rp,
				   const struct wl_trace_format *fmt,
				   struct source *src, unsigned workers,
				   struct reason *err)
{
	size_t chunk = source_chunk_size(src);
	struct wl_access_reader *r;
	struct par *P;
	int ret = 0;

	if (fmt->binary || fmt->header || !fmt->parse)
		return wl_access_reader_open(rp, fmt, src, true, err);
	*rp = NULL;
	if (workers > WL_READER_WORKERS)
		return reason_fail(err, -EINVAL, 0, "%u parsing threads: 0 "
				   "to %u", workers, WL_READER_WORKERS);
	r = calloc(1, sizeof(*r));
	P = calloc(1, sizeof(*P));
	if (!r || !P)
		goto nomem;
	r->par = P;
	pthread_mutex_init(&P->mu, NULL);
	pthread_cond_init(&P->cv_work, NULL);
	pthread_cond_init(&P->cv_done, NULL);
	r->fmt = fmt;
	r->src = src;
	if (!(r->carry = calloc(1, CARRY_MAX + SOURCE_PAD)) ||
	    !(r->batch = malloc(WL_ACCESS_BATCH * sizeof(*r->batch))))
		goto nomem;
	/* Mapped: a job's buffer only holds a last line, its newline added. */
	P->mapped = source_mapped(src);
	for (unsigned i = 0; i < NJOBS; i++) {
		struct par_job *j = &P->job[i];

		j->cap = chunk / 16 + 64;
		if (posix_memalign((void **)&j->buf, 64, CARRY_MAX +
				   (P->mapped ? 1 : chunk) + SOURCE_PAD) ||
		    !(j->out = malloc(j->cap * sizeof(*j->out))))
			goto nomem;
	}
	for (unsigned i = 0; i < workers; i++) {
		ret = pthread_create(&P->th[i], NULL, par_worker, r);
		if (ret) {
			ret = -ret;
			wl_access_reader_close(r);
			return reason_fail(err, ret, 0, "cannot start "
					   "parsing: %s", strerror(-ret));
		}
		P->nthreads++;
	}
	*rp = r;
	return 0;
nomem:
	if (r)
		wl_access_reader_close(r);
	else
		free(P);
	return reason_fail(err, -ENOMEM, 0, "out of memory");
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
