/* SPDX-License-Identifier: MIT */
/*
 * kcapture: a /proc/vmallocinfo snapshot and a tracefs trace of the vmalloc
 * events into a vmap op trace (kcapture.h).
 *
 * The trace is read whole into an array of events, sorted by timestamp
 * (stable: the text order breaks ties), split at the markers and turned
 * into ops.  Live areas are found by address in an open-addressing table
 * (linear probing, backward-shift deletion).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/kcapture.h>
#include <vmbench/reason.h>
#include <vmbench/workload.h>

/* ---- address -> value table ---- */

struct amap {
	uint64_t *key, *val;     /* key 0: empty (no area starts at 0) */
	uint64_t mask, n;
};

static uint64_t amap_home(const struct amap *m, uint64_t k)
{
	return (k * 0x9e3779b97f4a7c15ULL) >> 29 & m->mask;
}

static uint64_t amap_slot(const struct amap *m, uint64_t k)
{
	uint64_t i = amap_home(m, k);

	while (m->key[i] && m->key[i] != k)
		i = (i + 1) & m->mask;
	return i;
}

static int amap_grow(struct amap *m)
{
	struct amap g = { 0 };
	uint64_t slots = m->key ? (m->mask + 1) * 2 : 1024;

	g.key = calloc(slots, sizeof(*g.key));
	g.val = calloc(slots, sizeof(*g.val));
	if (!g.key || !g.val) {
		free(g.key);
		free(g.val);
		return -ENOMEM;
	}
	g.mask = slots - 1;
	for (uint64_t i = 0; m->key && i <= m->mask; i++) {
		if (m->key[i]) {
			uint64_t j = amap_slot(&g, m->key[i]);

			g.key[j] = m->key[i];
			g.val[j] = m->val[i];
			g.n++;
		}
	}
	free(m->key);
	free(m->val);
	*m = g;
	return 0;
}

static bool amap_get(const struct amap *m, uint64_t k, uint64_t *v)
{
	uint64_t i;

	if (!m->key)
		return false;
	i = amap_slot(m, k);
	if (!m->key[i])
		return false;
	*v = m->val[i];
	return true;
}

static int amap_put(struct amap *m, uint64_t k, uint64_t v)
{
	uint64_t i;

	if ((!m->key || (m->n + 1) * 2 > m->mask + 1) && amap_grow(m))
		return -ENOMEM;
	i = amap_slot(m, k);
	if (!m->key[i])
		m->n++;
	m->key[i] = k;
	m->val[i] = v;
	return 0;
}

static void amap_del(struct amap *m, uint64_t k)
{
	uint64_t hole, i;

	if (!m->key)
		return;
	hole = i = amap_slot(m, k);
	if (!m->key[hole])
		return;
	for (;;) {
		uint64_t home;

		i = (i + 1) & m->mask;
		if (!m->key[i])
			break;
		home = amap_home(m, m->key[i]);
		if (((i - home) & m->mask) >= ((i - hole) & m->mask)) {
			m->key[hole] = m->key[i];
			m->val[hole] = m->val[i];
			hole = i;
		}
	}
	m->key[hole] = 0;
	m->n--;
}

static void amap_free(struct amap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* ---- text helpers ---- */

/* Parse a number (0x hex or decimal) at *p; advance past it. */
static bool get_num(const char **p, const char *end, uint64_t *out)
{
	const char *q = *p;
	bool hex = false;
	uint64_t v = 0;
	int n = 0;

	if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		hex = true;
		q += 2;
	}
	for (; q < end; q++, n++) {
		int d;
		unsigned base = hex ? 16 : 10;

		if (*q >= '0' && *q <= '9')
			d = *q - '0';
		else if (hex && *q >= 'a' && *q <= 'f')
			d = *q - 'a' + 10;
		else if (hex && *q >= 'A' && *q <= 'F')
			d = *q - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false;
		v = v * base + (uint64_t)d;
	}
	if (!n)
		return false;
	*p = q;
	*out = v;
	return true;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * The number after "KEY=" or "KEY: " in [p, end), where KEY starts the
 * text or follows a blank.
 */
static bool get_field(const char *p, const char *end, const char *key,
		      uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *q = p; q + klen < end; q++) {
		if ((q > p && q[-1] != ' ') || memcmp(q, key, klen) ||
		    (q[klen] != '=' && q[klen] != ':'))
			continue;
		q = skip_blanks(q + klen + 1, end);
		return get_num(&q, end, out) &&
		       (q == end || *q == ' ' || *q == '\t');
	}
	return false;
}

/* Read the next line of @f into *buf; its length, 0 at the end, <0 error.
 * *nl says whether it ended in a newline (which is removed). */
static long read_line(FILE *f, char **buf, size_t *cap, bool *nl)
{
	ssize_t n = getline(buf, cap, f);

	if (n < 0)
		return ferror(f) ? -EIO : 0;
	*nl = n > 0 && (*buf)[n - 1] == '\n';
	if (*nl)
		(*buf)[--n] = '\0';
	if (n > 0 && (*buf)[n - 1] == '\r')
		(*buf)[--n] = '\0';
	return n + 1;     /* an empty line is 1 */
}

/* ---- the trace ---- */

enum ev_kind { EV_ALLOC, EV_FREE, EV_PURGE, EV_BEGIN, EV_END, EV_OTHER };

struct event {
	uint64_t ts;             /* ns */
	uint64_t seq;            /* text order */
	uint64_t addr;           /* va_start (purge: start) */
	uint64_t size, align, vstart, vend;  /* alloc */
	uint64_t nr_lazy;        /* free */
	uint32_t line;
	uint16_t cpu;
	uint8_t kind;
	uint8_t failed;
};

struct events {
	struct event *e;
	size_t n, cap;
};

static int ev_push(struct events *v, const struct event *e)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct event *p = realloc(v->e, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->e = p;
		v->cap = cap;
	}
	v->e[v->n++] = *e;
	return 0;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "SEC.FRAC:" into ns. */
static bool get_ts(const char **p, const char *end, uint64_t *ns)
{
	uint64_t sec, frac = 0;
	const char *q = *p;
	int digits = 0;

	if (!get_num(&q, end, &sec) || q >= end || *q != '.' ||
	    sec > UINT64_MAX / 1000000000u)
		return false;
	for (q++; q < end && *q >= '0' && *q <= '9'; q++) {
		if (digits < 9) {
			frac = frac * 10 + (uint64_t)(*q - '0');
			digits++;
		}
	}
	if (!digits || q >= end || *q != ':')
		return false;
	for (; digits < 9; digits++)
		frac *= 10;
	*p = q + 1;
	*ns = sec * 1000000000u + frac;
	return true;
}

/* Parse one event line (not a comment); -EINVAL with @err. */
static int parse_event(const char *s, size_t len, uint64_t line,
		       struct event *e, struct reason *err)
{
	const char *end = s + len, *p = s, *name;
	uint64_t v;
	size_t nlen;

	/* The CPU: the first "[digits]" (task names may hold blanks). */
	for (;;) {
		p = memchr(p, '[', (size_t)(end - p));
		if (!p) {
			return reason_fail(err, -EINVAL, line,
					   "no [CPU] field: not a trace line");
		}
		p++;
		if (get_num(&p, end, &v) && p < end && *p == ']')
			break;
	}
	if (v > WL_VMAP_CPU_MAX)
		return reason_fail(err, -EINVAL, line, "CPU %llu too large",
				   (unsigned long long)v);
	e->cpu = (uint16_t)v;
	p = skip_blanks(p + 1, end);
	/* The irq-info flags column, when the trace has it. */
	if (!get_ts(&p, end, &e->ts)) {
		while (p < end && *p != ' ')
			p++;
		p = skip_blanks(p, end);
		if (!get_ts(&p, end, &e->ts))
			return reason_fail(err, -EINVAL, line,
					   "no timestamp after the CPU");
	}
	p = skip_blanks(p, end);
	name = p;
	while (p < end && *p != ':' && *p != ' ')
		p++;
	if (p >= end || *p != ':')
		return reason_fail(err, -EINVAL, line,
				   "no event name after the timestamp");
	nlen = (size_t)(p - name);
	p = skip_blanks(p + 1, end);
#define IS(n) (nlen == sizeof(n) - 1 && !memcmp(name, n, nlen))
	if (IS("alloc_vmap_area")) {
		e->kind = EV_ALLOC;
		if (!get_field(p, end, "va_start", &e->addr) ||
		    !get_field(p, end, "size", &e->size) ||
		    !get_field(p, end, "align", &e->align) ||
		    !get_field(p, end, "vstart", &e->vstart) ||
		    !get_field(p, end, "vend", &e->vend) ||
		    !get_field(p, end, "failed", &v) || v > 1)
			return reason_fail(err, -EINVAL, line, "alloc_vmap_area"
					   " without va_start, size, align, "
					   "vstart, vend and failed");
		e->failed = (uint8_t)v;
	} else if (IS("free_vmap_area_noflush")) {
		e->kind = EV_FREE;
		if (!get_field(p, end, "va_start", &e->addr) ||
		    !get_field(p, end, "nr_lazy", &e->nr_lazy))
			return reason_fail(err, -EINVAL, line,
					   "free_vmap_area_noflush without "
					   "va_start and nr_lazy");
	} else if (IS("purge_vmap_area_lazy")) {
		e->kind = EV_PURGE;
		if (!get_field(p, end, "start", &e->addr) ||
		    !get_field(p, end, "end", &v) ||
		    !get_field(p, end, "num_purged", &v))
			return reason_fail(err, -EINVAL, line,
					   "purge_vmap_area_lazy without start,"
					   " end and num_purged");
	} else if (IS("tracing_mark_write")) {
		size_t rest = (size_t)(end - p);

		while (rest && (p[rest - 1] == ' ' || p[rest - 1] == '\t'))
			rest--;
		if (rest == 10 && !memcmp(p, "SNAP_BEGIN", 10))
			e->kind = EV_BEGIN;
		else if (rest == 8 && !memcmp(p, "SNAP_END", 8))
			e->kind = EV_END;
		else
			e->kind = EV_OTHER;
	} else {
		e->kind = EV_OTHER;
	}
#undef IS
	e->line = (uint32_t)line;
	return 0;
}

static int read_trace(FILE *f, struct events *v, struct reason *err)
{
	char *buf = NULL;
	size_t cap = 0;
	uint64_t line = 0;
	bool nl = true;
	long n;
	int ret = 0;

	while ((n = read_line(f, &buf, &cap, &nl)) > 0) {
		struct event e = { 0 };
		const char *s = skip_blanks(buf, buf + n - 1);

		line++;
		if (line > UINT32_MAX) {
			ret = reason_fail(err, -EINVAL, line, "too many lines");
			break;
		}
		if (!nl) {
			ret = reason_fail(err, -EINVAL, line, "line cut short "
					  "(no newline): a truncated capture?");
			break;
		}
		if (s == buf + n - 1 || *s == '#')
			continue;
		ret = parse_event(s, (size_t)(buf + n - 1 - s), line, &e, err);
		if (ret)
			break;
		e.seq = v->n;
		if (ev_push(v, &e)) {
			ret = reason_fail(err, -ENOMEM, line, "out of memory");
			break;
		}
	}
	if (!ret && n < 0)
		ret = reason_fail(err, -EIO, 0, "read error");
	free(buf);
	return ret;
}

/* ---- the snapshot ---- */

struct importer {
	struct wl_vmap_trace *out;
	struct kcap_counts *c;
	struct amap live;        /* area start -> op id */
	struct amap pre_cpu;     /* area start -> CPU + 1, before the snapshot */
	struct amap snap_lazy;   /* the snapshot's unpurged areas */
	bool quiet;              /* no purge between the markers */
	uint64_t next_id;
	uint64_t page;
};

static int emit(struct importer *im, const struct wl_vmap_op *op)
{
	return wl_vmap_trace_push(im->out, op);
}

static int read_snapshot(struct importer *im, FILE *f, struct reason *err)
{
	char *buf = NULL;
	size_t cap = 0;
	uint64_t line = 0;
	bool nl = true;
	long n;
	int ret = 0;

	while ((n = read_line(f, &buf, &cap, &nl)) > 0) {
		const char *p = buf, *end = buf + n - 1;
		uint64_t start, stop, size, cpu1;
		struct wl_vmap_op op = { 0 };
		bool lazy;

		line++;
		if (!nl) {
			ret = reason_fail(err, -EINVAL, line, "line cut short "
					  "(no newline): a truncated capture?");
			break;
		}
		p = skip_blanks(p, end);
		if (p == end)
			continue;
		if (!get_num(&p, end, &start) || p >= end || *p != '-' ||
		    (p++, !get_num(&p, end, &stop)) ||
		    (p = skip_blanks(p, end), !get_num(&p, end, &size))) {
			ret = reason_fail(err, -EINVAL, line, "expected "
					  "'0xSTART-0xEND SIZE ...'");
			break;
		}
		if (stop <= start || stop - start != size ||
		    (start | size) & (im->page - 1)) {
			ret = reason_fail(err, -EINVAL, line, "area %#llx-%#llx"
					  " with size %llu: not page-aligned "
					  "or not its end minus its start",
					  (unsigned long long)start,
					  (unsigned long long)stop,
					  (unsigned long long)size);
			break;
		}
		if (amap_get(&im->live, start, &cpu1) ||
		    amap_get(&im->snap_lazy, start, &cpu1)) {
			ret = reason_fail(err, -EINVAL, line, "area %#llx "
					  "listed twice",
					  (unsigned long long)start);
			break;
		}
		p = skip_blanks(p, end);
		lazy = (size_t)(end - p) >= 16 &&
		       !memcmp(p, "unpurged vm_area", 16);
		op.kind = WL_VMAP_ALLOC;
		op.flags = WL_VMAP_HAS_ALIGN | WL_VMAP_HAS_WINDOW;
		op.id = im->next_id++;
		op.arg = size;
		op.align = im->page;
		op.vstart = start;
		op.vend = stop;
		if (amap_get(&im->pre_cpu, start, &cpu1)) {
			op.flags |= WL_VMAP_HAS_CPU;
			op.cpu = (uint16_t)(cpu1 - 1);
			im->c->cpu_known++;
		}
		if (emit(im, &op))
			goto nomem;
		if (lazy) {
			op.kind = WL_VMAP_FREE;
			op.flags &= WL_VMAP_HAS_CPU;
			if (emit(im, &op))
				goto nomem;
			im->c->lazy++;
			if (amap_put(&im->snap_lazy, start, 1))
				goto nomem;
		} else {
			if (amap_put(&im->live, start, op.id))
				goto nomem;
			im->c->busy++;
		}
	}
	if (!ret && n < 0)
		ret = reason_fail(err, -EIO, 0, "read error");
	free(buf);
	return ret;
nomem:
	free(buf);
	return reason_fail(err, -ENOMEM, line, "out of memory");
}

/* ---- events into ops ---- */

static int import_event(struct importer *im, const struct event *e,
			bool during)
{
	struct wl_vmap_op op = { 0 };
	uint64_t id;

	op.cpu = e->cpu;
	op.flags = WL_VMAP_HAS_CPU;
	switch (e->kind) {
	case EV_ALLOC:
		if (e->failed) {
			im->c->failed_allocs++;
			return 0;
		}
		if (amap_get(&im->live, e->addr, &id)) {
			/* Only an allocation during the snapshot may be in
			 * it already. */
			if (!during)
				return -EEXIST;
			im->c->during_skipped++;
			return 0;
		}
		if (during && im->quiet &&
		    amap_get(&im->snap_lazy, e->addr, &id)) {
			/* The snapshot lists it as freed: it shows this
			 * allocation and its free (an area on the lazy list
			 * is not handed out again before a purge). */
			im->c->during_skipped++;
			return 0;
		}
		op.kind = WL_VMAP_ALLOC;
		op.flags |= WL_VMAP_HAS_ALIGN | WL_VMAP_HAS_WINDOW |
			    WL_VMAP_HAS_AT;
		op.id = im->next_id++;
		op.arg = e->size;
		op.align = e->align;
		op.vstart = e->vstart;
		op.vend = e->vend & (im->page - 1) && e->vend < UINT64_MAX -
			  im->page ? (e->vend | (im->page - 1)) + 1 : e->vend;
		op.note = e->addr;
		if (amap_put(&im->live, e->addr, op.id))
			return -ENOMEM;
		im->c->allocs++;
		break;
	case EV_FREE:
		if (!amap_get(&im->live, e->addr, &id)) {
			if (during)
				im->c->during_skipped++;
			else
				im->c->unknown_frees++;
			return 0;
		}
		amap_del(&im->live, e->addr);
		op.kind = WL_VMAP_FREE;
		op.flags |= WL_VMAP_HAS_LAZY;
		op.id = id;
		op.note = e->nr_lazy;
		im->c->frees++;
		break;
	case EV_PURGE:
		op.kind = WL_VMAP_PURGE;
		im->c->purges++;
		break;
	default:
		im->c->other_events++;
		return 0;
	}
	return emit(im, &op);
}

int kcap_import(FILE *snap, FILE *trace, uint64_t page_size,
		struct wl_vmap_trace *out, struct kcap_counts *c,
		enum kcap_input *bad, struct reason *err)
{
	struct importer im = { .out = out, .c = c, .page = page_size };
	struct events ev = { 0 };
	size_t begin = SIZE_MAX, end = SIZE_MAX, i;
	int ret;

	memset(c, 0, sizeof(*c));
	*bad = KCAP_TRACE;
	if (!page_size || page_size & (page_size - 1))
		return reason_fail(err, -EINVAL, 0, "bad page size");
	ret = read_trace(trace, &ev, err);
	if (ret)
		goto out;
	qsort(ev.e, ev.n, sizeof(*ev.e), ev_cmp);
	for (i = 0; i < ev.n; i++) {
		size_t *m = ev.e[i].kind == EV_BEGIN ? &begin :
			    ev.e[i].kind == EV_END ? &end : NULL;

		if (!m)
			continue;
		if (*m != SIZE_MAX) {
			ret = reason_fail(err, -EINVAL, ev.e[i].line,
					  "a second %s marker",
					  m == &begin ? "SNAP_BEGIN" :
					  "SNAP_END");
			goto out;
		}
		*m = i;
	}
	if (begin == SIZE_MAX || end == SIZE_MAX || end < begin) {
		ret = reason_fail(err, -EINVAL, 0, "%s",
				  begin == SIZE_MAX ? "no SNAP_BEGIN marker" :
				  end == SIZE_MAX ? "no SNAP_END marker" :
				  "SNAP_END before SNAP_BEGIN");
		goto out;
	}
	/*
	 * Before the snapshot: learn the CPU of the areas it may list.  An
	 * allocation between the markers counts too when no purge is
	 * there: an area it returns was neither live nor lazy at
	 * SNAP_BEGIN, so the snapshot's area at that address, if any, is
	 * this allocation.
	 */
	im.quiet = true;
	for (i = begin + 1; i < end; i++)
		if (ev.e[i].kind == EV_PURGE)
			im.quiet = false;
	for (i = 0; i < (im.quiet ? end : begin); i++) {
		const struct event *e = &ev.e[i];

		if (i == begin)
			continue;
		if (i < begin)
			c->pre_events++;
		/* A free keeps it: the area may be an unpurged one. */
		if (e->kind == EV_ALLOC && !e->failed)
			ret = amap_put(&im.pre_cpu, e->addr,
				       (uint64_t)e->cpu + 1);
		if (ret) {
			ret = reason_fail(err, -ENOMEM, e->line,
					  "out of memory");
			goto out;
		}
	}
	*bad = KCAP_SNAPSHOT;
	ret = read_snapshot(&im, snap, err);
	if (ret)
		goto out;
	*bad = KCAP_TRACE;
	for (i = begin + 1; i < ev.n; i++) {
		bool during = i < end;

		if (i == end)
			continue;
		if (during)
			c->during_events++;
		ret = import_event(&im, &ev.e[i], during);
		if (ret == -EEXIST) {
			ret = reason_fail(err, -EINVAL, ev.e[i].line,
					  "allocation at %#llx, which is live",
					  (unsigned long long)ev.e[i].addr);
			goto out;
		}
		if (ret) {
			ret = reason_fail(err, -ENOMEM, ev.e[i].line,
					  "out of memory");
			goto out;
		}
	}
out:
	free(ev.e);
	amap_free(&im.live);
	amap_free(&im.pre_cpu);
	amap_free(&im.snap_lazy);
	return ret;
}
