/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the vmap op-trace parser, its writer, and the checked
 * replay on every strategy, with vmap_check() after every op.
 *
 * For each input:
 *   1. wl_vmap_parse(): an error names a line of the input and a reason;
 *      every op parsed (before an error, too) carries its line.
 *   2. wl_vmap_write() of the ops parses back to the same ops.
 *   3. The ops (at most MAX_OPS) are replayed over two spaces, the default
 *      x86-64 vmalloc range and a small one where ENOSPC and windows at the
 *      edges are common, on every strategy, one op at a time; after each
 *      op vmap_check() must pass, and an area handed out must lie in its
 *      window, be aligned and be found by vmap_find().  The lowest-fit
 *      strategies must agree on every address and on the error that stops
 *      the replay.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/vmap.h>
#include <vmbench/workload.h>

#include "fuzz.h"

#define MAX_OPS 2000

static const struct wl_vmap_space spaces[] = {
	{ VMAP_DEFAULT_START, VMAP_DEFAULT_END, VMAP_DEFAULT_PAGE },
	{ 0x100000, 0x140000, 0x1000 },    /* 64 pages */
};

static void check_round_trip(const struct wl_vmap_trace *t)
{
	struct wl_vmap_trace back = { 0 };
	struct reason err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;       /* out of memory: nothing to check */
	FUZZ_CHECK(wl_vmap_write(f, t->ops, t->n) == 0);
	fclose(f);
	if (wl_vmap_parse(text, len, &back, &err) == -ENOMEM) {
		free(text);
		wl_vmap_trace_free(&back);
		return;
	}
	FUZZ_CHECK(back.n == t->n);
	for (size_t i = 0; i < t->n; i++) {
		const struct wl_vmap_op *a = &t->ops[i], *b = &back.ops[i];

		FUZZ_CHECK(a->kind == b->kind && a->flags == b->flags &&
			   a->id == b->id && a->arg == b->arg &&
			   a->cpu == b->cpu);
		if (a->flags & (WL_VMAP_HAS_AT | WL_VMAP_HAS_LAZY))
			FUZZ_CHECK(a->note == b->note);
		if (a->flags & WL_VMAP_HAS_ALIGN)
			FUZZ_CHECK(a->align == b->align);
		if (a->flags & WL_VMAP_HAS_WINDOW)
			FUZZ_CHECK(a->vstart == b->vstart &&
				   a->vend == b->vend);
	}
	free(text);
	wl_vmap_trace_free(&back);
}

/* The outcome of replaying the trace on one strategy. */
struct outcome {
	int ret;           /* of the op that stopped the replay, or 0 */
	size_t failed;     /* that op's index, or n */
};

/* An alloc op that succeeded: where its area must lie. */
static void check_area(struct vmap *v, const struct wl_vmap_space *sp,
		       const struct wl_vmap_op *op, uint64_t addr)
{
	uint64_t align = op->flags & WL_VMAP_HAS_ALIGN ? op->align
						       : sp->page_size;
	uint64_t vstart = sp->start, vend = sp->end;
	struct vmap_area area;

	if (align < sp->page_size)
		align = sp->page_size;
	if (op->flags & WL_VMAP_HAS_WINDOW) {
		vstart = op->vstart;
		vend = op->vend;
	}
	FUZZ_CHECK(addr >= vstart && addr <= vend && op->arg <= vend - addr);
	FUZZ_CHECK(addr % align == 0);
	FUZZ_CHECK(vmap_find(v, addr + op->arg - 1, &area) == 0);
	FUZZ_CHECK(area.start == addr && area.size == op->arg);
}

static struct outcome replay(const struct vmap_strategy *s,
			     const struct wl_vmap_space *sp,
			     const struct wl_vmap_trace *t, uint64_t *addrs,
			     uint64_t lines)
{
	struct outcome o = { 0, t->n };
	struct wl_vmap_replay r;
	struct vmap *v;
	int ret;

	ret = vmap_create(&v, s->name, sp->start, sp->end, sp->page_size);
	if (ret == -ENOMEM)
		return (struct outcome){ -ENOMEM, 0 };
	FUZZ_CHECK(ret == 0);
	if (wl_vmap_replay_init(&r, t->ops, t->n, sp)) {
		vmap_destroy(v);
		return (struct outcome){ -ENOMEM, 0 };
	}
	/*
	 * One op at a time: the replay's id table lives in @r and runs on
	 * over successive one-op windows of the trace, so the validator can
	 * run between ops.
	 */
	for (size_t i = 0; i < t->n; i++) {
		struct reason err = { 0 };

		r.ops = &t->ops[i];
		r.n = 1;
		addrs[i] = 0;
		ret = wl_vmap_replay_run(&r, v, &addrs[i], NULL, &err);
		FUZZ_CHECK(vmap_check(v, NULL) == 0);
		if (ret) {
			fuzz_check_reason(&err, lines);
			FUZZ_CHECK(err.line == t->ops[i].line);
			o = (struct outcome){ ret, i };
			break;
		}
		if (t->ops[i].kind == WL_VMAP_ALLOC &&
		    addrs[i] != WL_VMAP_NOSPC)
			check_area(v, sp, &t->ops[i], addrs[i]);
	}
	wl_vmap_replay_fini(&r);
	vmap_destroy(v);
	return o;
}

/*
 * The streaming replay (wl_vmap_replay_start / _batch, an id table that
 * grows) in batches of @batch ops agrees with the whole replay @want of
 * the same strategy: the same error at the same op, the same addresses.
 */
static void check_batches(const struct vmap_strategy *s,
			  const struct wl_vmap_space *sp,
			  const struct wl_vmap_trace *t, const uint64_t *want,
			  struct outcome o, size_t batch)
{
	uint64_t *got = malloc((t->n ? t->n : 1) * sizeof(*got));
	struct outcome b = { 0, t->n };
	struct wl_vmap_replay r;
	struct vmap *v;

	if (!got)
		return;
	if (vmap_create(&v, s->name, sp->start, sp->end, sp->page_size)) {
		free(got);
		return;
	}
	if (wl_vmap_replay_start(&r, sp, false)) {
		vmap_destroy(v);
		free(got);
		return;
	}
	for (size_t i = 0; i < t->n; i += batch) {
		struct reason err = { 0 };
		size_t k = t->n - i < batch ? t->n - i : batch, at = k;
		int ret = wl_vmap_replay_batch(&r, v, &t->ops[i], k, &got[i],
					       &at, &err);

		if (ret) {
			b = (struct outcome){ ret, i + at };
			break;
		}
	}
	if (o.ret != -ENOMEM && b.ret != -ENOMEM) {
		FUZZ_CHECK(b.ret == o.ret && b.failed == o.failed);
		for (size_t i = 0; i < o.failed; i++)
			if (t->ops[i].kind == WL_VMAP_ALLOC)
				FUZZ_CHECK(got[i] == want[i]);
	}
	wl_vmap_replay_fini(&r);
	vmap_destroy(v);
	free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wl_vmap_trace t = { 0 };
	struct reason err = { 0 };
	uint64_t lines = fuzz_lines(data, size), *addrs, *ref;
	const struct vmap_strategy *all;
	size_t nall;
	int ret;

	ret = wl_vmap_parse((const char *)data, size, &t, &err);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENOMEM);
		fuzz_check_reason(&err, lines);
		if (ret == -EINVAL)
			FUZZ_CHECK(err.line >= 1);
	}
	for (size_t i = 0; i < t.n; i++) {
		FUZZ_CHECK(t.ops[i].line >= 1 && t.ops[i].line <= lines);
		FUZZ_CHECK(!i || t.ops[i].line > t.ops[i - 1].line);
		if (ret == -EINVAL)
			FUZZ_CHECK(t.ops[i].line < err.line);
	}
	check_round_trip(&t);
	if (t.n > MAX_OPS)
		t.n = MAX_OPS;

	all = vmap_strategies(&nall);
	addrs = malloc((t.n ? t.n : 1) * sizeof(*addrs));
	ref = malloc((t.n ? t.n : 1) * sizeof(*ref));
	for (size_t sp = 0; addrs && ref && sp < 2; sp++) {
		struct outcome first = { 0 };
		bool have_ref = false;

		for (size_t k = 0; k < nall; k++) {
			uint64_t *mine = have_ref ? addrs : ref;
			struct outcome o = replay(&all[k], &spaces[sp], &t,
						  mine, lines);

			if (o.ret == -ENOMEM || !all[k].lowest_fit)
				continue;
			if (!have_ref) {
				check_batches(&all[k], &spaces[sp], &t, mine, o,
					      1 + size % 7);
				first = o;
				have_ref = true;
				continue;
			}
			/* Lowest-fit strategies agree byte for byte. */
			FUZZ_CHECK(o.ret == first.ret &&
				   o.failed == first.failed);
			for (size_t i = 0; i < o.failed; i++)
				if (t.ops[i].kind == WL_VMAP_ALLOC)
					FUZZ_CHECK(addrs[i] == ref[i]);
		}
	}
	free(addrs);
	free(ref);
	wl_vmap_trace_free(&t);
	return 0;
}
