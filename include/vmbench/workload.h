/* SPDX-License-Identifier: MIT */
/*
 * workload — op streams for the subjects under test: seeded generators and
 * trace readers.  Everything is parsed or generated into memory before any
 * clock starts; the harness only replays arrays.
 *
 * Conventions in this file: functions return 0 or a negative errno; errors
 * that concern the input are described in a struct wl_error (the line they
 * occur on, 0 when the input as a whole is at fault, and a one-line reason
 * without a trailing newline).  Nothing here prints.
 */
#ifndef VMBENCH_WORKLOAD_H
#define VMBENCH_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vmap;

/* ---- vmap op traces ---- */

#ifndef WL_ERROR_DEFINED
#define WL_ERROR_DEFINED
/* What went wrong where; filled on failure by the functions that take one. */
struct wl_error {
	uint64_t line;          /* 1-based; 0 when no line is at fault */
	char msg[192];
};
#endif
/*
 * Text format, one op per line; '#' starts a comment, also after an op;
 * blank lines are ignored; numbers are decimal or 0x-hex, unsigned 64-bit:
 *
 *   a <id> <size> [<align> [<vstart> <vend>]]   allocate
 *   f <id>                                       free the area of <id>
 *   l <id> <offset>                              find(start(<id>) + offset)
 *                                                must return area <id>
 *
 * <align> defaults to the page size, the window [vstart, vend) to the whole
 * range.  An id names one live area at a time and may be reused once freed.
 */

enum wl_vmap_kind {
	WL_VMAP_ALLOC = 'a',
	WL_VMAP_FREE = 'f',
	WL_VMAP_LOOKUP = 'l',
};

/* Flags of struct wl_vmap_op. */
#define WL_VMAP_HAS_ALIGN  0x1u
#define WL_VMAP_HAS_WINDOW 0x2u

/* One op; 48 bytes, so a million ops take 48 MB. */
struct wl_vmap_op {
	uint8_t kind;           /* enum wl_vmap_kind */
	uint8_t flags;          /* WL_VMAP_HAS_* */
	uint32_t line;          /* line in the trace; 0 for generated ops */
	uint64_t id;
	uint64_t arg;           /* alloc: size; lookup: offset */
	uint64_t align;         /* alloc with WL_VMAP_HAS_ALIGN */
	uint64_t vstart, vend;  /* alloc with WL_VMAP_HAS_WINDOW */
};

/* A growable array of ops. */
struct wl_vmap_trace {
	struct wl_vmap_op *ops;
	size_t n, cap;
};

/* The allocator's range and page size, which a replay needs for defaults. */
struct wl_vmap_space {
	uint64_t start, end;
	uint64_t page_size;
};

/* Result of an alloc op in wl_vmap_replay_run()'s @addrs: no room. */
#define WL_VMAP_NOSPC UINT64_MAX

/* Release the ops of @t and empty it.  Safe on a zeroed trace. */
void wl_vmap_trace_free(struct wl_vmap_trace *t);

/*
 * Append @op to @t.  -ENOMEM when the array cannot grow (@t unchanged).
 */
int wl_vmap_trace_push(struct wl_vmap_trace *t, const struct wl_vmap_op *op);

/*
 * Parse @len bytes of trace text at @buf, appending to @t (which may hold
 * ops already).  The text need not end in a newline and may hold NUL bytes
 * (which are errors).  -EINVAL with @err set on the first malformed line
 * (@t keeps the ops before it); -ENOMEM when out of memory (@err says so).
 */
int wl_vmap_parse(const char *buf, size_t len, struct wl_vmap_trace *t,
		  struct wl_error *err);

/*
 * Read @f to its end and parse it as wl_vmap_parse() does.  Read errors
 * give their negative errno with @err at line 0.
 */
int wl_vmap_read(FILE *f, struct wl_vmap_trace *t, struct wl_error *err);

/*
 * Write @n ops to @f in the text format, one line each.  -EIO (or the
 * errno of the failed write) when the stream reports an error.
 */
int wl_vmap_write(FILE *f, const struct wl_vmap_op *ops, size_t n);

/*
 * A replay: the table from id to live area that checks each op, sized once
 * for the trace so that running it allocates nothing.
 */
struct wl_vmap_replay {
	const struct wl_vmap_op *ops;
	size_t n;
	struct wl_vmap_space space;
	struct wl_vmap_slot *slots;  /* open addressing, linear probing */
	uint64_t mask;               /* slots - 1, a power of two minus one */
	uint64_t live, peak_live;
};

/*
 * Prepare to replay @n ops over @space.  The table holds at most as many
 * ids as are ever live at once (counted from the ops).  -ENOMEM when out of
 * memory.
 */
int wl_vmap_replay_init(struct wl_vmap_replay *r, const struct wl_vmap_op *ops,
			size_t n, const struct wl_vmap_space *space);

/*
 * Replay the ops on @v, an empty allocator over r->space.  When @addrs is
 * not NULL, addrs[i] receives the start of op i's area for each alloc op,
 * or WL_VMAP_NOSPC when the allocator had no room (no room is a result,
 * not an error).  Entries of other ops are left alone.
 * Errors, with @err set to the op's line: -EEXIST an alloc of a live id;
 * -ENOENT a free or lookup of an id that is not live; -ESRCH a lookup whose
 * offset lies outside the area or whose find() returns another area (or
 * none); -EINVAL an alloc the allocator rejects as malformed for its range
 * (the reason says which field); -ENOMEM the allocator ran out of memory;
 * any other error of the allocator as returned.  On error, the op's index
 * is in *failed_op when @failed_op is not NULL.
 * A replay may be run once; afterwards @v holds the areas still live.
 */
int wl_vmap_replay_run(struct wl_vmap_replay *r, struct vmap *v,
		       uint64_t *addrs, size_t *failed_op,
		       struct wl_error *err);

/* Release what wl_vmap_replay_init() allocated. */
void wl_vmap_replay_fini(struct wl_vmap_replay *r);

/* init + run + fini in one call, with the errors of each. */
int wl_vmap_replay(struct vmap *v, const struct wl_vmap_op *ops, size_t n,
		   const struct wl_vmap_space *space, uint64_t *addrs,
		   struct wl_error *err);

/*
 * Generators after Linux's lib/test_vmalloc.c, and "churn".  Every area's
 * size includes vmalloc's guard page (one page more than requested), as the
 * kernel's vmap areas did.  Where the kernel test touches the memory it got,
 * the trace looks the area up ("l <id> 0").  Same parameters, same ops.
 */
struct wl_vmap_gen_params {
	uint64_t seed;
	uint64_t loops;         /* iterations of the test's loop */
	uint64_t pages;         /* fix_size: pages per area (without guard) */
	uint64_t cpus;          /* full_fit: CPUs the junk length scales with */
	uint64_t live;          /* churn: areas kept live */
	uint64_t ops;           /* churn: ops after the fill */
	uint64_t max_pages;     /* churn: sizes 1..max_pages pages (+guard) */
	uint64_t lookup_pct;    /* churn: percent of ops that are lookups */
	struct wl_vmap_space space;  /* the range the trace is meant for */
};

struct wl_vmap_workload {
	const char *name;
	const char *summary;    /* one line for --list */
};

/* The workloads, in a fixed order; *count receives their number. */
const struct wl_vmap_workload *wl_vmap_workloads(size_t *count);

/* Defaults for every parameter (seed 1, the x86-64 vmalloc range, ...). */
void wl_vmap_gen_defaults(struct wl_vmap_gen_params *p);

/*
 * Generate workload @name into @t (appending).  -EINVAL with @err set
 * (line 0) for an unknown workload or parameters out of bounds (zero
 * loops, a lookup percentage above 100, a misaligned space); the message
 * starts with the field of struct wl_vmap_gen_params at fault ("space" for
 * the range, "name" for the workload).  -ENOMEM when out of memory (@t
 * keeps what was generated).
 */
int wl_vmap_gen(const char *name, const struct wl_vmap_gen_params *p,
		struct wl_vmap_trace *t, struct wl_error *err);

/* ---- end of vmap op traces ---- */

#endif /* VMBENCH_WORKLOAD_H */
