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
 * Parse the lines of [buf, buf + len) (the last may lack its newline),
 * numbering them from *line + 1; *line is the last line parsed.
 */
static int parse_lines(const char *buf, size_t len, struct wl_vmap_trace *t,
		       uint64_t *line, struct reason *err)
{
	const char *end = buf + len;
	struct scan s = { .p = buf, .line = *line, .err = err };

	while (s.p < end) {
		struct wl_vmap_op op;
		int ret;

		s.eol = memchr(s.p, '\n', (size_t)(end - s.p));
		if (!s.eol)
			s.eol = end;
		if (++s.line > UINT32_MAX) {
			return reason_fail(err, -EINVAL, s.line,
					   "more than %u lines", UINT32_MAX);
		}
		if (next_token(&s)) {
			ret = parse_line(&s, &op);
			if (ret)
				return ret;
			ret = wl_vmap_trace_push(t, &op);
			if (ret) {
				return reason_fail(err, -ENOMEM, s.line,
						"out of memory");
			}
		}
		s.p = s.eol + (s.eol < end);
	}
	*line = s.line;
	return 0;
}

int wl_vmap_parse(const char *buf, size_t len, struct wl_vmap_trace *t,
		  struct reason *err)
{
	uint64_t line = 0;

	return parse_lines(buf, len, t, &line, err);
}

int wl_vmap_read_source(struct source *src, struct wl_vmap_trace *t,
			struct reason *err)
{
	/* The line a chunk cuts waits here for the rest of it. */
	char *carry = malloc(WL_LINE_MAX);
	size_t clen = 0, n;
	uint64_t line = 0;
	const char *p;
	int ret;

	if (!carry)
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	while ((ret = source_next(src, &p, &n, err)) == 1) {
		const char *end = p + n, *nl, *last = NULL;

		if (clen) {
			nl = memchr(p, '\n', n);
			if ((size_t)((nl ? nl + 1 : end) - p) > WL_LINE_MAX - clen) {
				ret = reason_fail(err, -E2BIG, line + 1, "line "
						  "longer than %u bytes",
						  WL_LINE_MAX);
				break;
			}
			memcpy(carry + clen, p, (size_t)((nl ? nl + 1 : end) -
							 p));
			clen += (size_t)((nl ? nl + 1 : end) - p);
			if (!nl)
				continue;
			if ((ret = parse_lines(carry, clen, t, &line, err)))
				break;
			clen = 0;
			p = nl + 1;
		}
		for (const char *q = end; q > p; q--)
			if (q[-1] == '\n') {
				last = q;
				break;
			}
		if (last && (ret = parse_lines(p, (size_t)(last - p), t,
					       &line, err)))
			break;
		if (!last)
			last = p;
		if ((size_t)(end - last) > WL_LINE_MAX) {
			ret = reason_fail(err, -E2BIG, line + 1, "line longer "
					  "than %u bytes", WL_LINE_MAX);
			break;
		}
		memcpy(carry, last, (size_t)(end - last));
		clen = (size_t)(end - last);
	}
	if (!ret && clen)
		ret = parse_lines(carry, clen, t, &line, err);
	free(carry);
	return ret;
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
	r->slots = calloc(slots, sizeof(*r->slots));
	if (!r->slots)
		return -ENOMEM;
	r->mask = slots - 1;
	r->ops = ops;
	r->n = n;
	r->space = *space;
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
	int ret;

	if (slot->size) {
		return reason_fail(err, -EEXIST, op->line,
				"alloc of id %llu, which is live",
			  (unsigned long long)op->id);
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
	ret = vmap_free(v, slot->start);
	if (ret) {
		return reason_fail(err, ret, op->line,
			  "free of id %llu at %#llx failed: %s",
			  (unsigned long long)op->id,
			  (unsigned long long)slot->start, strerror(-ret));
	}
	slot_delete(r, slot);
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
	const struct wl_vmap_op *ops = r->ops;

	for (size_t i = 0; i < r->n; i++) {
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
