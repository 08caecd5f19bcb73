/* SPDX-License-Identifier: MIT */
/*
 * vmap op traces: the text scanner, the writer and the checked replay.
 *
 * The scanner walks the buffer once, line by line, with a cursor @p and the
 * end of the current line @eol; a token ends at whitespace, '#' or @eol.
 * It never reads past @len bytes, so the text needs no terminating NUL.
 *
 * The replay keeps id -> live area in an open-addressing table with linear
 * probing and backward-shift deletion (no tombstones), so ids can be freed
 * and reused any number of times without the table degrading.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/source.h>
#include <vmbench/vmap.h>
#include <vmbench/workload.h>


void wl_vmap_trace_free(struct wl_vmap_trace *t)
{
	free(t->ops);
	t->ops = NULL;
	t->n = 0;
	t->cap = 0;
}

int wl_vmap_trace_push(struct wl_vmap_trace *t, const struct wl_vmap_op *op)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct wl_vmap_op *ops;

		if (cap > SIZE_MAX / sizeof(*ops))
			return -ENOMEM;
		ops = realloc(t->ops, cap * sizeof(*ops));
		if (!ops)
			return -ENOMEM;
		t->ops = ops;
		t->cap = cap;
	}
	t->ops[t->n++] = *op;
	return 0;
}

/* ---- scanner ---- */

struct scan {
	const char *p, *eol;
	uint64_t line;
	struct reason *err;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Skip blanks; true when a token starts at s->p. */
static bool next_token(struct scan *s)
{
	while (s->p < s->eol && is_blank(*s->p))
		s->p++;
	return s->p < s->eol && *s->p != '#';
}

static const char *token_end(const struct scan *s)
{
	const char *q = s->p;

	while (q < s->eol && !is_blank(*q) && *q != '#')
		q++;
	return q;
}

/* The token at s->p, for messages: at most 24 bytes, non-printing as '?'. */
static const char *quote(const struct scan *s, char buf[32])
{
	const char *q = s->p, *end = token_end(s);
	size_t i = 0;

	for (; q < end && i < 24; q++)
		buf[i++] = (*q >= 0x20 && *q < 0x7f) ? *q : '?';
	if (q < end) {
		buf[i++] = '.';
		buf[i++] = '.';
		buf[i++] = '.';
	}
	buf[i] = '\0';
	return buf;
}

static int digit_value(char c, bool hex)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (hex && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (hex && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Scan the number that is field @what of the op; 0 and s->p past it, or
 * -EINVAL with the reason in s->err.
 */
static int scan_u64(struct scan *s, const char *what, uint64_t *out)
{
	const char *q = s->p, *end;
	bool hex = false;
	uint64_t v = 0;
	char buf[32];
	int d;

	if (!next_token(s)) {
		return reason_fail(s->err, -EINVAL, s->line, "missing %s",
				what);
	}
	q = s->p;
	end = token_end(s);
	if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		hex = true;
		q += 2;
	}
	if (q == end || digit_value(*q, hex) < 0) {
		return reason_fail(s->err, -EINVAL, s->line,
				"bad number '%s' for %s",
			  quote(s, buf), what);
	}
	for (; q < end && (d = digit_value(*q, hex)) >= 0; q++) {
		unsigned base = hex ? 16 : 10;

		if (v > (UINT64_MAX - (uint64_t)d) / base) {
			return reason_fail(s->err, -EINVAL, s->line,
				  "%s '%s' overflows 64 bits", what,
				  quote(s, buf));
		}
		v = v * base + (uint64_t)d;
	}
	if (q < end) {
		return reason_fail(s->err, -EINVAL, s->line,
				"junk after %s in '%s'", what,
			  quote(s, buf));
	}
	s->p = end;
	*out = v;
	return 0;
}

static int extra_field(struct scan *s, char op)
{
	char buf[32];

	return reason_fail(s->err, -EINVAL, s->line,
			"extra field '%s' after '%c' op",
		  quote(s, buf), op);
}

/* True when a positional field follows, not a key=value one. */
static bool positional_next(struct scan *s)
{
	return next_token(s) && !memchr(s->p, '=', (size_t)(token_end(s) -
							     s->p));
}

/*
 * The key=value annotations after the positional fields: cpu= on every op
 * but 'l', at= on 'a', lazy= on 'f'; each at most once.
 */
static int parse_keys(struct scan *s, struct wl_vmap_op *op)
{
	char buf[32];

	while (next_token(s)) {
		const char *end = token_end(s), *eq = s->p;
		const char *key;
		uint8_t flag;
		size_t klen;
		uint64_t v;
		int err;

		while (eq < end && *eq != '=')
			eq++;
		klen = (size_t)(eq - s->p);
		if (eq == end || op->kind == WL_VMAP_LOOKUP)
			return extra_field(s, (char)op->kind);
		if (klen == 3 && !memcmp(s->p, "cpu", 3)) {
			key = "cpu";
			flag = WL_VMAP_HAS_CPU;
		} else if (klen == 2 && !memcmp(s->p, "at", 2) &&
			   op->kind == WL_VMAP_ALLOC) {
			key = "at";
			flag = WL_VMAP_HAS_AT;
		} else if (klen == 4 && !memcmp(s->p, "lazy", 4) &&
			   op->kind == WL_VMAP_FREE) {
			key = "lazy";
			flag = WL_VMAP_HAS_LAZY;
		} else {
			return reason_fail(s->err, -EINVAL, s->line,
					   "unknown field '%s' for '%c' op",
					   quote(s, buf), (char)op->kind);
		}
		if (op->flags & flag) {
			return reason_fail(s->err, -EINVAL, s->line,
					   "%s= given twice", key);
		}
		/* The number after '=': scan it as a token of its own. */
		s->p = eq + 1;
		if (s->p == end || is_blank(*s->p) || *s->p == '#') {
			return reason_fail(s->err, -EINVAL, s->line,
					   "missing value after %s=", key);
		}
		err = scan_u64(s, key, &v);
		if (err)
			return err;
		if (flag == WL_VMAP_HAS_CPU) {
			if (v > WL_VMAP_CPU_MAX) {
				return reason_fail(s->err, -EINVAL, s->line,
						   "cpu=%llu exceeds %u",
						   (unsigned long long)v,
						   WL_VMAP_CPU_MAX);
			}
			op->cpu = (uint16_t)v;
		} else {
			op->note = v;
		}
		op->flags |= flag;
	}
	return 0;
}

static int parse_line(struct scan *s, struct wl_vmap_op *op)
{
	char buf[32];
	const char *end;
	int err;

	memset(op, 0, sizeof(*op));
	end = token_end(s);
	if (end - s->p != 1 || (*s->p != 'a' && *s->p != 'f' &&
				*s->p != 'l' && *s->p != 'p')) {
		return reason_fail(s->err, -EINVAL, s->line,
				"unknown op '%s' (expected a, f, l or p)",
			  quote(s, buf));
	}
	op->kind = (uint8_t)*s->p;
	op->line = (uint32_t)s->line;
	s->p = end;
	if (op->kind == WL_VMAP_PURGE)
		return parse_keys(s, op);
	err = scan_u64(s, "id", &op->id);
	if (err)
		return err;
	switch (op->kind) {
	case WL_VMAP_FREE:
		break;
	case WL_VMAP_LOOKUP:
		err = scan_u64(s, "offset", &op->arg);
		break;
	case WL_VMAP_ALLOC:
		err = scan_u64(s, "size", &op->arg);
		if (err || !positional_next(s))
			break;
		op->flags |= WL_VMAP_HAS_ALIGN;
		err = scan_u64(s, "align", &op->align);
		if (err || !positional_next(s))
			break;
		op->flags |= WL_VMAP_HAS_WINDOW;
		err = scan_u64(s, "vstart", &op->vstart);
		if (err)
			break;
		if (!positional_next(s)) {
			return reason_fail(s->err, -EINVAL, s->line,
					"vstart without vend");
		}
		err = scan_u64(s, "vend", &op->vend);
		break;
	}
	if (err)
		return err;
	return parse_keys(s, op);
}

/*
 * Parse lines of [*pos, end) (the last may lack its newline) into at most
 * @max ops at @ops, numbering them from *line + 1: the number of ops, with
 * *pos after the last line parsed and *line its number; -EINVAL (@err set)
 * at a malformed line, with *n the ops parsed before it.
 */
static int parse_lines(const char **pos, const char *end,
		       struct wl_vmap_op *ops, size_t max, size_t *n,
		       uint64_t *line, struct reason *err)
{
	struct scan s = { .p = *pos, .line = *line, .err = err };
	int ret = 0;

	*n = 0;
	while (s.p < end && *n < max) {
		s.eol = memchr(s.p, '\n', (size_t)(end - s.p));
		if (!s.eol)
			s.eol = end;
		if (++s.line > UINT32_MAX) {
			ret = reason_fail(err, -EINVAL, s.line,
					  "more than %u lines", UINT32_MAX);
			break;
		}
		if (next_token(&s)) {
			ret = parse_line(&s, &ops[*n]);
			if (ret)
				break;
			(*n)++;
		}
		s.p = s.eol + (s.eol < end);
	}
	*pos = s.p;
	*line = s.line;
	return ret;
}

int wl_vmap_parse(const char *buf, size_t len, struct wl_vmap_trace *t,
		  struct reason *err)
{
	const char *p = buf;
	struct wl_vmap_op op;
	uint64_t line = 0;
	size_t n;
	int ret;

	do {
		ret = parse_lines(&p, buf + len, &op, 1, &n, &line, err);
		if (n && wl_vmap_trace_push(t, &op))
			return reason_fail(err, -ENOMEM, line, "out of memory");
	} while (!ret && n);
	return ret;
}

/*
 * The streaming reader.  Complete lines are parsed where they lie, in the
 * source's chunk ([p, lim)); a line a chunk cuts is joined in @carry
 * (then [p, lim) lies there), and the rest of that chunk waits in
 * [cp, ce).  An error found after some ops of a batch waits in @pending
 * until those ops are handed out, so ops reach the caller in trace order.
 */
struct wl_vmap_reader {
	struct source *src;
	char *carry;
	size_t clen;
	const char *p, *lim;    /* complete lines not parsed yet */
	const char *cp, *ce;    /* the chunk's rest, not yet split in lines */
	bool in_carry, eof;
	uint64_t line;
	int pending;
	struct reason pending_err;
};

int wl_vmap_reader_open(struct wl_vmap_reader **rp, struct source *src,
			struct reason *err)
{
	struct wl_vmap_reader *r = calloc(1, sizeof(*r));

	*rp = NULL;
	if (!r || !(r->carry = malloc(WL_LINE_MAX))) {
		free(r);
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	}
	r->src = src;
	*rp = r;
	return 0;
}

void wl_vmap_reader_close(struct wl_vmap_reader *r)
{
	if (!r)
		return;
	free(r->carry);
	free(r);
}

static long line_too_long(struct wl_vmap_reader *r, struct reason *err)
{
	return reason_fail(err, -E2BIG, r->line + 1,
			   "line longer than %u bytes", WL_LINE_MAX);
}

long wl_vmap_reader_next(struct wl_vmap_reader *r, struct wl_vmap_op *ops,
			 size_t max, struct reason *err)
{
	size_t n = 0;

	if (r->pending) {
		*err = r->pending_err;
		return r->pending;
	}
	while (n < max) {
		const char *c, *last;
		size_t len, got;
		int ret;

		if (r->p < r->lim) {
			ret = parse_lines(&r->p, r->lim, ops + n, max - n,
					  &got, &r->line, &r->pending_err);
			n += got;
			if (ret) {
				r->pending = ret;
				break;
			}
			continue;
		}
		if (r->in_carry) {
			r->in_carry = false;
			r->clen = 0;
		}
		if (r->cp < r->ce) {
			/* Complete lines first, then the cut one to carry. */
			for (last = r->ce; last > r->cp && last[-1] != '\n';)
				last--;
			if (last > r->cp) {
				r->p = r->cp;
				r->lim = last;
				r->cp = last;
				continue;
			}
			len = (size_t)(r->ce - r->cp);
			if (len > WL_LINE_MAX) {
				r->pending = (int)line_too_long(r,
							&r->pending_err);
				break;
			}
			memcpy(r->carry, r->cp, len);
			r->clen = len;
			r->cp = r->ce;
			continue;
		}
		if (r->eof)
			break;
		ret = source_next(r->src, &c, &len, &r->pending_err);
		if (ret < 0) {
			r->pending = ret;
			break;
		}
		if (ret == 0) {
			r->eof = true;
			if (r->clen) {
				r->p = r->carry;
				r->lim = r->carry + r->clen;
				r->in_carry = true;
			}
			continue;
		}
		if (r->clen) {
			const char *nl = memchr(c, '\n', len);
			size_t take = nl ? (size_t)(nl + 1 - c) : len;

			if (take > WL_LINE_MAX - r->clen) {
				r->pending = (int)line_too_long(r,
							&r->pending_err);
				break;
			}
			memcpy(r->carry + r->clen, c, take);
			r->clen += take;
			if (!nl)
				continue;
			r->p = r->carry;
			r->lim = r->carry + r->clen;
			r->in_carry = true;
			c += take;
			len -= take;
		}
		r->cp = c;
		r->ce = c + len;
	}
	if (n)
		return (long)n;
	if (r->pending)
		*err = r->pending_err;
	return r->pending;
}

int wl_vmap_read_source(struct source *src, struct wl_vmap_trace *t,
			struct reason *err)
{
	struct wl_vmap_reader *r;
	struct wl_vmap_op ops[256];
	long n;

	if (wl_vmap_reader_open(&r, src, err))
		return -ENOMEM;
	while ((n = wl_vmap_reader_next(r, ops, 256, err)) > 0) {
		long i = 0;

		while (i < n && !wl_vmap_trace_push(t, &ops[i]))
			i++;
		if (i < n) {
			n = reason_fail(err, -ENOMEM, ops[i].line,
					"out of memory");
			break;
		}
	}
	wl_vmap_reader_close(r);
	return (int)n;
}

/* The key=value annotations of @op, with a leading blank each. */
static void write_keys(FILE *f, const struct wl_vmap_op *op)
{
	if (op->flags & WL_VMAP_HAS_CPU)
		fprintf(f, " cpu=%u", (unsigned)op->cpu);
	if (op->kind == WL_VMAP_ALLOC && op->flags & WL_VMAP_HAS_AT)
		fprintf(f, " at=%#llx", (unsigned long long)op->note);
	if (op->kind == WL_VMAP_FREE && op->flags & WL_VMAP_HAS_LAZY)
		fprintf(f, " lazy=%llu", (unsigned long long)op->note);
	fputc('\n', f);
}

int wl_vmap_write(FILE *f, const struct wl_vmap_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct wl_vmap_op *op = &ops[i];
		unsigned long long id = op->id, arg = op->arg;

		switch (op->kind) {
		case WL_VMAP_ALLOC:
			if (op->flags & WL_VMAP_HAS_WINDOW)
				fprintf(f, "a %llu %#llx %#llx %#llx %#llx",
					id, arg, (unsigned long long)op->align,
					(unsigned long long)op->vstart,
					(unsigned long long)op->vend);
			else if (op->flags & WL_VMAP_HAS_ALIGN)
				fprintf(f, "a %llu %#llx %#llx", id, arg,
					(unsigned long long)op->align);
			else
				fprintf(f, "a %llu %#llx", id, arg);
			break;
		case WL_VMAP_FREE:
			fprintf(f, "f %llu", id);
			break;
		case WL_VMAP_LOOKUP:
			fprintf(f, "l %llu %#llx", id, arg);
			break;
		case WL_VMAP_PURGE:
			fputc('p', f);
			break;
		default:
			return -EINVAL;
		}
		write_keys(f, op);
	}
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/* ---- replay ---- */

/* A slot of the id table; size 0 marks it empty (live areas are never 0). */
struct wl_vmap_slot {
	uint64_t id;
	uint64_t start, size;
};

static uint64_t slot_hash(const struct wl_vmap_replay *r, uint64_t id)
{
	/* Fibonacci hashing: the high bits of id * 2^64/phi are well mixed. */
	return (id * 0x9e3779b97f4a7c15ULL) >> 32 & r->mask;
}

/* The slot holding @id, or the empty slot where it would go. */
static struct wl_vmap_slot *slot_find(const struct wl_vmap_replay *r,
				      uint64_t id)
{
	uint64_t i = slot_hash(r, id);

	while (r->slots[i].size && r->slots[i].id != id)
		i = (i + 1) & r->mask;
	return &r->slots[i];
}

/*
 * Empty @slot and shift later members of its probe run back, so that every
 * id stays reachable from its home slot without passing an empty slot.
 */
static void slot_delete(struct wl_vmap_replay *r, struct wl_vmap_slot *slot)
{
	uint64_t hole = (uint64_t)(slot - r->slots), i = hole;

	for (;;) {
		uint64_t home;

		i = (i + 1) & r->mask;
		if (!r->slots[i].size)
			break;
		home = slot_hash(r, r->slots[i].id);
		/* Move it unless its home lies cyclically in (hole, i]. */
		if (((i - home) & r->mask) >= ((i - hole) & r->mask)) {
			r->slots[hole] = r->slots[i];
			hole = i;
		}
	}
	r->slots[hole].size = 0;
}

/* An empty table of @slots slots (a power of two). */
static int table_alloc(struct wl_vmap_replay *r, uint64_t slots)
{
	r->slots = calloc(slots, sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->mask = slots - 1;
	return 0;
}

int wl_vmap_replay_init(struct wl_vmap_replay *r, const struct wl_vmap_op *ops,
			size_t n, const struct wl_vmap_space *space)
{
	uint64_t live = 0, most = 0, slots = 16;

	memset(r, 0, sizeof(*r));
	/* Frees of ids that are not live stop the replay, so this bounds it. */
	for (size_t i = 0; i < n; i++) {
		if (ops[i].kind == WL_VMAP_ALLOC && ++live > most)
			most = live;
		else if (ops[i].kind == WL_VMAP_FREE && live)
			live--;
	}
	/* At most half full keeps probe runs short. */
	while (slots / 2 < most)
		slots *= 2;
	if (table_alloc(r, slots))
		return -ENOMEM;
	r->ops = ops;
	r->n = n;
	r->space = *space;
	return 0;
}

int wl_vmap_replay_start(struct wl_vmap_replay *r,
			 const struct wl_vmap_space *space, bool skip_unplaced)
{
	memset(r, 0, sizeof(*r));
	/* Small, so that the doubling is exercised by every test. */
	if (table_alloc(r, 16))
		return -ENOMEM;
	r->space = *space;
	r->skip_unplaced = skip_unplaced;
	return 0;
}

/*
 * Make room for one more id: double the table when it would be more than
 * half full.  -ENOMEM when it cannot (the table unchanged).
 */
static int table_reserve(struct wl_vmap_replay *r)
{
	struct wl_vmap_slot *old = r->slots;
	uint64_t n = r->mask + 1;

	if (r->used + 1 <= n / 2)
		return 0;
	if (table_alloc(r, n * 2)) {
		r->slots = old;
		r->mask = n - 1;
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++)
		if (old[i].size)
			*slot_find(r, old[i].id) = old[i];
	free(old);
	return 0;
}

void wl_vmap_replay_fini(struct wl_vmap_replay *r)
{
	free(r->slots);
	r->slots = NULL;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* Say which field made the allocator answer -EINVAL. */
static void explain_einval(const struct wl_vmap_replay *r,
			   const struct wl_vmap_op *op, uint64_t align,
			   uint64_t vstart, uint64_t vend, struct reason *err)
{
	unsigned long long size = op->arg, ps = r->space.page_size;

	if (!size)
		reason_fail(err, -EINVAL, op->line, "size 0");
	else if (size & (ps - 1))
		reason_fail(err, -EINVAL, op->line,
			  "size %#llx is not a multiple of the page size %#llx",
			  size, ps);
	else if (!is_pow2(align))
		reason_fail(err, -EINVAL, op->line,
				"align %#llx is not a power of two",
			  (unsigned long long)align);
	else if (vstart >= vend)
		reason_fail(err, -EINVAL, op->line,
			  "window start %#llx is not below its end %#llx",
			  (unsigned long long)vstart, (unsigned long long)vend);
	else if (vstart < r->space.start || vend > r->space.end)
		reason_fail(err, -EINVAL, op->line,
			  "window [%#llx, %#llx) is not inside the range "
			  "[%#llx, %#llx)",
			  (unsigned long long)vstart, (unsigned long long)vend,
			  (unsigned long long)r->space.start,
			  (unsigned long long)r->space.end);
	else
		reason_fail(err, -EINVAL, op->line,
				"allocator rejected the request");
}

static int replay_alloc(struct wl_vmap_replay *r, struct vmap *v,
			const struct wl_vmap_op *op, uint64_t *addr,
			struct reason *err)
{
	struct wl_vmap_slot *slot = slot_find(r, op->id);
	uint64_t align = r->space.page_size;
	uint64_t vstart = r->space.start, vend = r->space.end;
	bool unplaced = slot->size && slot->start == WL_VMAP_NOSPC;
	int ret;

	if (slot->size && !unplaced) {
		return reason_fail(err, -EEXIST, op->line,
				"alloc of id %llu, which is live",
			  (unsigned long long)op->id);
	}
	/* Room in the table before the area exists: nothing to undo. */
	if (!unplaced) {
		if (table_reserve(r))
			return reason_fail(err, -ENOMEM, op->line,
					   "out of memory");
		slot = slot_find(r, op->id);
	}
	if (op->flags & WL_VMAP_HAS_ALIGN)
		align = op->align;
	if (op->flags & WL_VMAP_HAS_WINDOW) {
		vstart = op->vstart;
		vend = op->vend;
	}
	ret = vmap_alloc(v, op->arg, align, vstart, vend, addr);
	if (ret == -ENOSPC) {
		*addr = WL_VMAP_NOSPC;
		r->nospc++;
		if (r->skip_unplaced && !unplaced) {
			/* A marker: this id's f / l lines are skipped. */
			slot->id = op->id;
			slot->start = WL_VMAP_NOSPC;
			slot->size = 1;
			r->used++;
		}
		return 0;
	}
	if (ret == -EINVAL) {
		explain_einval(r, op, align, vstart, vend, err);
		return ret;
	}
	if (ret) {
		return reason_fail(err, ret, op->line,
				"alloc of id %llu failed: %s",
			  (unsigned long long)op->id, strerror(-ret));
	}
	slot->id = op->id;
	slot->start = *addr;
	slot->size = op->arg;
	r->used += !unplaced;
	if (++r->live > r->peak_live)
		r->peak_live = r->live;
	return 0;
}

static int replay_free(struct wl_vmap_replay *r, struct vmap *v,
		       const struct wl_vmap_op *op, struct reason *err)
{
	struct wl_vmap_slot *slot = slot_find(r, op->id);
	int ret;

	if (!slot->size) {
		return reason_fail(err, -ENOENT, op->line,
				"free of id %llu, which is not live",
			  (unsigned long long)op->id);
	}
	if (slot->start == WL_VMAP_NOSPC) {
		r->skipped++;
		return 0;
	}
	ret = vmap_free(v, slot->start);
	if (ret) {
		return reason_fail(err, ret, op->line,
			  "free of id %llu at %#llx failed: %s",
			  (unsigned long long)op->id,
			  (unsigned long long)slot->start, strerror(-ret));
	}
	slot_delete(r, slot);
	r->used--;
	r->live--;
	return 0;
}

static int replay_lookup(struct wl_vmap_replay *r, struct vmap *v,
			 const struct wl_vmap_op *op, struct reason *err)
{
	struct wl_vmap_slot *slot = slot_find(r, op->id);
	struct vmap_area area;
	unsigned long long id = op->id;
	uint64_t addr;

	if (!slot->size) {
		return reason_fail(err, -ENOENT, op->line,
				"lookup of id %llu, which is not live",
			  id);
	}
	if (slot->start == WL_VMAP_NOSPC) {
		r->skipped++;
		return 0;
	}
	if (op->arg >= slot->size) {
		return reason_fail(err, -ESRCH, op->line,
			  "lookup offset %#llx is outside area %llu "
			  "(size %#llx)", (unsigned long long)op->arg, id,
			  (unsigned long long)slot->size);
	}
	addr = slot->start + op->arg;
	if (vmap_find(v, addr, &area)) {
		return reason_fail(err, -ESRCH, op->line,
			  "find(%#llx) found no area, expected id %llu at %#llx",
			  (unsigned long long)addr, id,
			  (unsigned long long)slot->start);
	}
	if (area.start != slot->start || area.size != slot->size) {
		return reason_fail(err, -ESRCH, op->line,
			  "find(%#llx) returned %#llx+%#llx, expected id %llu "
			  "at %#llx+%#llx", (unsigned long long)addr,
			  (unsigned long long)area.start,
			  (unsigned long long)area.size, id,
			  (unsigned long long)slot->start,
			  (unsigned long long)slot->size);
	}
	return 0;
}

int wl_vmap_replay_run(struct wl_vmap_replay *r, struct vmap *v,
		       uint64_t *addrs, size_t *failed_op,
		       struct reason *err)
{
	return wl_vmap_replay_batch(r, v, r->ops, r->n, addrs, failed_op,
				    err);
}

int wl_vmap_replay_batch(struct wl_vmap_replay *r, struct vmap *v,
			 const struct wl_vmap_op *ops, size_t n,
			 uint64_t *addrs, size_t *failed_op,
			 struct reason *err)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t addr;
		int ret;

		switch (ops[i].kind) {
		case WL_VMAP_ALLOC:
			ret = replay_alloc(r, v, &ops[i], &addr, err);
			if (!ret && addrs)
				addrs[i] = addr;
			break;
		case WL_VMAP_FREE:
			ret = replay_free(r, v, &ops[i], err);
			break;
		case WL_VMAP_LOOKUP:
			ret = replay_lookup(r, v, &ops[i], err);
			break;
		case WL_VMAP_PURGE:
			/* The allocators have no lazy list. */
			ret = 0;
			break;
		default:
			reason_fail(err, -EINVAL, ops[i].line,
					"op kind %d unknown",
				  ops[i].kind);
			ret = -EINVAL;
		}
		if (ret) {
			if (failed_op)
				*failed_op = i;
			return ret;
		}
	}
	return 0;
}

int wl_vmap_replay(struct vmap *v, const struct wl_vmap_op *ops, size_t n,
		   const struct wl_vmap_space *space, uint64_t *addrs,
		   struct reason *err)
{
	struct wl_vmap_replay r;
	int ret = wl_vmap_replay_init(&r, ops, n, space);

	if (ret) {
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	}
	ret = wl_vmap_replay_run(&r, v, addrs, NULL, err);
	wl_vmap_replay_fini(&r);
	return ret;
}
