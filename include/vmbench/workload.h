/* SPDX-License-Identifier: MIT */
/*
 * workload — op streams for the subjects under test: seeded generators and
 * trace readers.  Everything is parsed or generated into memory before any
 * clock starts; the harness only replays arrays.
 *
 * Conventions in this file: functions return 0 or a negative errno; errors
 * that concern the input are described in the caller's struct reason
 * (reason.h; NULL when the caller wants none): the line at fault, 0 when
 * the input as a whole is; for a generator's parameter, ->what names the
 * field of its params struct.  Nothing here prints.
 */
#ifndef VMBENCH_WORKLOAD_H
#define VMBENCH_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vmbench/reason.h>

struct vmap;

/* ---- vmap op traces ---- */

/*
 * Text format, one op per line; '#' starts a comment, also after an op;
 * blank lines are ignored; numbers are decimal or 0x-hex, unsigned 64-bit:
 *
 *   a <id> <size> [<align> [<vstart> <vend>]] [cpu=N] [at=ADDR]   allocate
 *   f <id> [cpu=N] [lazy=N]                      free the area of <id>
 *   l <id> <offset>                              find(start(<id>) + offset)
 *                                                must return area <id>
 *   p [cpu=N]                                    purge the lazily freed areas
 *
 * <align> defaults to the page size, the window [vstart, vend) to the whole
 * range.  An id names one live area at a time and may be reused once freed.
 * The key=value fields are optional and follow the positional ones: cpu=
 * the CPU that made the request (default 0, at most WL_VMAP_CPU_MAX); at=
 * the address a real kernel chose for the area, lazy= the kernel's count
 * of lazily freed pages (nr_lazy) after the free (annotations of imported
 * kernel captures, which a replay compares against, never obeys).  A vmap
 * replay ignores them and treats 'p' as doing nothing (the allocators have
 * no lazy list); the vmalloc system model purges.  Traces without them
 * read as before.
 */

enum wl_vmap_kind {
	WL_VMAP_ALLOC = 'a',
	WL_VMAP_FREE = 'f',
	WL_VMAP_LOOKUP = 'l',
	WL_VMAP_PURGE = 'p',
};

/* Flags of struct wl_vmap_op. */
#define WL_VMAP_HAS_ALIGN  0x1u
#define WL_VMAP_HAS_WINDOW 0x2u
#define WL_VMAP_HAS_CPU    0x4u   /* cpu= given */
#define WL_VMAP_HAS_AT     0x8u   /* alloc: at= in note */
#define WL_VMAP_HAS_LAZY   0x10u  /* free: lazy= in note */

/* The largest cpu= value. */
#define WL_VMAP_CPU_MAX 65535u

/* One op; 56 bytes, so a million ops take 56 MB. */
struct wl_vmap_op {
	uint8_t kind;           /* enum wl_vmap_kind */
	uint8_t flags;          /* WL_VMAP_HAS_* */
	uint16_t cpu;           /* cpu= (0 when not given) */
	uint32_t line;          /* line in the trace; 0 for generated ops */
	uint64_t id;
	uint64_t arg;           /* alloc: size; lookup: offset */
	uint64_t align;         /* alloc with WL_VMAP_HAS_ALIGN */
	uint64_t vstart, vend;  /* alloc with WL_VMAP_HAS_WINDOW */
	uint64_t note;          /* at= (alloc) or lazy= (free) */
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
		  struct reason *err);

/*
 * Read the byte source @src (source.h: a file or a pipe, plain or
 * compressed) to its end a chunk at a time and parse it as
 * wl_vmap_parse() does, appending to @t; only the ops are kept, not the
 * text.  Errors as wl_vmap_parse(), -E2BIG for a line longer than
 * WL_LINE_MAX, and the source's errors (source_next()).
 */
struct source;
int wl_vmap_read_source(struct source *src, struct wl_vmap_trace *t,
			struct reason *err);

/*
 * The streaming reader of vmap op traces that wl_vmap_read_source() is
 * built on: it holds one chunk of the source and one line (at most
 * WL_LINE_MAX bytes), never the trace.
 *
 * wl_vmap_reader_open(): 0, or -ENOMEM (@err says so).  @src stays the
 * caller's; close it after the reader.
 * wl_vmap_reader_next(): parse up to @max ops into @ops: their number,
 * 0 at the end of the trace, or a negative errno with @err set, the
 * errors of wl_vmap_read_source().  Ops come out in trace order: the ops
 * before a bad line are handed out first, the error on the next call (and
 * on every call after it).
 */
struct wl_vmap_reader;
int wl_vmap_reader_open(struct wl_vmap_reader **r, struct source *src,
			struct reason *err);
long wl_vmap_reader_next(struct wl_vmap_reader *r, struct wl_vmap_op *ops,
			 size_t max, struct reason *err);
void wl_vmap_reader_close(struct wl_vmap_reader *r);

/*
 * Write @n ops to @f in the text format, one line each.  -EIO (or the
 * errno of the failed write) when the stream reports an error.
 */
int wl_vmap_write(FILE *f, const struct wl_vmap_op *ops, size_t n);

/*
 * A replay: the table from id to live area that checks each op.  Made by
 * wl_vmap_replay_init() for a whole trace in memory, it is sized once so
 * that running it allocates nothing; made by wl_vmap_replay_start() for a
 * trace that comes in batches, it doubles as ids become live (its size
 * follows the live areas, not the trace's length).
 */
struct wl_vmap_replay {
	const struct wl_vmap_op *ops;
	size_t n;
	struct wl_vmap_space space;
	struct wl_vmap_slot *slots;  /* open addressing, linear probing */
	uint64_t mask;               /* slots - 1, a power of two minus one */
	uint64_t used;               /* occupied slots: live ids + markers */
	uint64_t live, peak_live;
	bool skip_unplaced;          /* see wl_vmap_replay_start() */
	uint64_t nospc;              /* alloc ops that found no room */
	uint64_t skipped;            /* f / l ops skipped (skip_unplaced) */
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
		       struct reason *err);

/*
 * Prepare to replay a trace that comes in batches (wl_vmap_replay_batch())
 * over @space.  With @skip_unplaced, an id whose last alloc found no room
 * is remembered, and its f and l ops up to its next alloc are skipped
 * (counted in r->skipped) instead of failing with -ENOENT: the replay of a
 * strategy that is not lowest-fit can then go on where it found no room
 * and the trace's author did.  -ENOMEM when out of memory.
 */
int wl_vmap_replay_start(struct wl_vmap_replay *r,
			 const struct wl_vmap_space *space, bool skip_unplaced);

/*
 * Replay the next @n ops of the trace, as wl_vmap_replay_run() replays
 * all of them: addrs[i] and *failed_op index @ops.  After an error the
 * replay must not go on.
 */
int wl_vmap_replay_batch(struct wl_vmap_replay *r, struct vmap *v,
			 const struct wl_vmap_op *ops, size_t n,
			 uint64_t *addrs, size_t *failed_op,
			 struct reason *err);

/* Release what wl_vmap_replay_init() or _start() allocated. */
void wl_vmap_replay_fini(struct wl_vmap_replay *r);

/* init + run + fini in one call, with the errors of each. */
int wl_vmap_replay(struct vmap *v, const struct wl_vmap_op *ops, size_t n,
		   const struct wl_vmap_space *space, uint64_t *addrs,
		   struct reason *err);

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
	const char *params;     /* the fields of struct wl_vmap_gen_params
				 * it reads besides seed and space, each
				 * followed by a blank: "loops pages " */
	uint64_t bench_loops;   /* loops of one replay in the benchmark
				 * suite (10k-55k ops); 0: not replayed
				 * there (churn has benchmarks of its own) */
};

/*
 * The workloads, in a fixed order; *count receives their number.  This
 * is the one list: vmsim gen-vmap, the benchmark suite and scripts/bench
 * (through vmsim gen-vmap --list) all take it from here.  Cannot fail.
 */
const struct wl_vmap_workload *wl_vmap_workloads(size_t *count);

/* Defaults for every parameter (seed 1, the x86-64 vmalloc range, ...). */
void wl_vmap_gen_defaults(struct wl_vmap_gen_params *p);

/* The most ops a generated trace may hold (48 bytes each: 6 GiB). */
#define WL_VMAP_GEN_MAX_OPS (1ULL << 27)

/*
 * Generate workload @name into @t (appending).  Every workload honours
 * p->space: areas are placed as a lowest-fit allocator over that range
 * places them, an alloc that finds no room stays in the trace (its result
 * is ENOSPC) and its area is never looked up or freed.  -EINVAL with @err
 * set for an unknown workload or parameters out of bounds (zero loops, a
 * lookup percentage above 100, a misaligned space, more than
 * WL_VMAP_GEN_MAX_OPS ops); err->what is the field of struct
 * wl_vmap_gen_params at fault ("space" for the range, "name" for the
 * workload).  -ENOMEM when out of memory (@t keeps what was
 * generated).
 */
int wl_vmap_gen(const char *name, const struct wl_vmap_gen_params *p,
		struct wl_vmap_trace *t, struct reason *err);

/* ---- end of vmap op traces ---- */

/* ---- memory accesses ---- */

/*
 * Streams of memory accesses for the MMU (mmu.h): seeded generators and
 * streaming readers of three trace formats.  An access is 16 bytes; ten
 * million take 160 MB in an array (generators), a reader's batch 64 KiB.
 */
enum wl_access_kind {
	WL_ACCESS_READ = 'r',
	WL_ACCESS_WRITE = 'w',
	WL_ACCESS_IFETCH = 'i',
};

#define WL_ACCESS_MAX_SIZE 65535u

struct wl_access {
	uint64_t va;
	uint32_t line;          /* line (vmb: record) in the trace,
				 * saturating; 0 if
				 * generated */
	uint16_t size;          /* bytes, 1..WL_ACCESS_MAX_SIZE */
	uint8_t kind;           /* enum wl_access_kind */
	uint8_t pad;
};

/* A growable array of accesses. */
struct wl_access_trace {
	struct wl_access *a;
	size_t n, cap;
};

/* Release the accesses of @t and empty it.  Safe on a zeroed trace. */
void wl_access_trace_free(struct wl_access_trace *t);

/* Append @a to @t.  -ENOMEM when the array cannot grow (@t unchanged). */
int wl_access_push(struct wl_access_trace *t, const struct wl_access *a);

/*
 * Trace formats.
 *
 * lackey: the output of valgrind --tool=lackey --trace-mem=yes, one access
 * per line: "I  ADDR,SIZE" (instruction fetch), " L ADDR,SIZE" (load),
 * " S ADDR,SIZE" (store), " M ADDR,SIZE" (modify: a load then a store of
 * the same bytes, two accesses).  ADDR is hex without 0x, SIZE decimal.
 * Leading blanks are optional, trailing blanks allowed; lines starting
 * with "==" (valgrind's "==PID==" messages) and blank lines are ignored.
 *
 * din: DineroIV's text formats.  Each line is LABEL ADDR [SIZE], fields
 * separated by blanks, ADDR and SIZE hex with an optional 0x.  LABEL is
 * DineroIV's extended-din access type (-informat D): r read, w write,
 * i instruction fetch, m miscellaneous (read as a read), c copy-back and
 * v invalidate (cache maintenance: skipped, no translation), either case;
 * or a traditional din label (-informat d): 0 read, 1 write, 2 instruction
 * fetch, 3 miscellaneous (a read), 4 flush (skipped).  Any other label is
 * an error.  SIZE defaults to 4 when absent (DineroIV's traditional reader
 * uses 4 bytes too, but also aligns the address down to 4; we do not).
 * Fields after SIZE are ignored, as DineroIV does; DineroIV also ignores
 * text right after the address in its traditional format, where we
 * require a hex SIZE if anything follows.  Blank lines are ignored.
 *
 * Both: addresses are unsigned 64-bit; a size of 0 or above
 * WL_ACCESS_MAX_SIZE, or an access whose last byte would pass 2^64 - 1, is
 * an error.
 */
/*
 * vmb: vmbench's binary access trace (README, "The vmb trace format").
 * A 16-byte header: "VMBT", version (1), record kind (1: memory
 * accesses), address width in bytes (8), flags (0), 8 zero bytes.  Then
 * one record per access: a tag byte (bits 0-1 the kind: 0 read, 1
 * write, 2 instruction fetch; bits 2-4 the size: 0-4 for 1, 2, 4, 8, 16
 * bytes, 5 for a 2-byte size after the delta; bits 5-7 the delta's
 * length: 0-6 bytes, 7 for 8) and the address as a zigzag delta from the
 * previous record's (the first from 0), modulo 2^64, in that many bytes.
 * All little-endian; at most WL_VMB_MAX_RECORD bytes a record.
 */
#define WL_VMB_HEADER 16
#define WL_VMB_MAX_RECORD 11
#define WL_VMB_VERSION 1

/*
 * What a format's parser works on: [p, end) with SOURCE_PAD (source.h)
 * readable bytes after @end.  A text format gets whole lines only
 * (end[-1] is '\n'; a line that holds a NUL byte is an error, "NUL byte
 * in the trace" at that line); a binary format any bytes, and
 * stops before a record that does not fit.  The parser appends to
 * out[n], stopping when fewer than two slots are left, and advances @p
 * past what it consumed and @line by one per line (record) consumed.
 * @state is the format's own, zero at the start of a trace.
 */
struct wl_parse {
	const char *p, *end;
	struct wl_access *out;
	size_t n, cap;
	uint64_t line;
	uint64_t state;
	struct reason *err;
};

/*
 * A trace format: one table row, defined in the format's own file.  A
 * format may lack a reader or a writer (NULL): using it is then an
 * error, never another format.
 */
struct wl_trace_format {
	const char *name;       /* "lackey", as --format takes it */
	const char *summary;    /* one line for --help */
	bool binary;            /* records of bytes, not lines of text */
	size_t header;          /* bytes of header before the records */
	/*
	 * Check the @header bytes at ps->p and advance it past them: 1, or
	 * -EINVAL with ps->err set.  NULL when @header is 0.
	 */
	int (*check_header)(struct wl_parse *ps);
	/*
	 * Parse ps->p..ps->end as struct wl_parse says.  0, or -EINVAL
	 * with ps->err set to the line (record) at fault.  NULL: no reader.
	 */
	int (*parse)(struct wl_parse *ps);
	/* Write the format's header to @f; NULL: it has none. */
	void (*write_header)(FILE *f);
	/*
	 * Write @n accesses to @f; @state is the format's own, zero after
	 * the header; stream errors are checked by the caller.  NULL: no
	 * writer.
	 */
	void (*write)(FILE *f, const struct wl_access *a, size_t n,
		      uint64_t *state);
};

/* The built-in formats, for callers that name one in code. */
extern const struct wl_trace_format wl_trace_lackey, wl_trace_din,
	wl_trace_vmb;

/* Every format, in a fixed order; *count receives their number. */
const struct wl_trace_format *const *wl_trace_formats(size_t *count);

/* The format called @name, or NULL. */
const struct wl_trace_format *wl_trace_format_find(const char *name);

/*
 * The streaming reader: accesses of a trace in batches of at most
 * WL_ACCESS_BATCH, read from a byte source (source.h) a chunk at a time,
 * so memory does not grow with the trace.  A record split between chunks
 * is joined in a small buffer of the reader's (a line may be up to
 * WL_LINE_MAX bytes).  A text trace need not end in a newline; CR before
 * LF is a blank.  With @threaded the source is read and parsed on a
 * thread of the reader's, WL_READER_SLOTS batches ahead of the caller;
 * the batches are the same either way.
 */
#define WL_ACCESS_BATCH 4096
#define WL_READER_SLOTS 8
#define WL_LINE_MAX 65536

struct wl_access_reader;

/*
 * Start reading @src (which the reader uses but does not close) in
 * format @fmt.  -EOPNOTSUPP for a format without a reader, -ENOMEM, or
 * the errno of starting the thread; @err says which.
 */
int wl_access_reader_open(struct wl_access_reader **r,
			  const struct wl_trace_format *fmt,
			  struct source *src, bool threaded,
			  struct reason *err);

/*
 * The same, a text trace (lackey, din) parsed on @workers threads (0 to
 * WL_READER_WORKERS): the workers take turns to read the source a chunk
 * at a time, cut each after its last newline and parse it, and
 * wl_access_reader_next() hands their accesses out in order,
 * WL_READER_JOBS chunks at most in flight.  A caller whose next chunk is
 * not parsed yet takes a turn itself when one is free, rather than wait
 * (with 0 workers it reads and parses every chunk: the tests' way to
 * take that path every time).  A chunk with a bad line, a
 * NUL byte or a line of WL_LINE_MAX bytes or more at its edge is read
 * again from there on the caller's thread as wl_access_reader_open()
 * would, so
 * the accesses and the error (message, line) are the same either way;
 * only the batches' lengths differ.  A binary format: the threaded
 * reader above.
 */
#define WL_READER_WORKERS 2
#define WL_READER_JOBS 6

int wl_access_reader_open_parallel(struct wl_access_reader **r,
				   const struct wl_trace_format *fmt,
				   struct source *src, unsigned workers,
				   struct reason *err);

/*
 * The next batch: *a points at the accesses, valid until the next call.
 * Returns their number (> 0), 0 at the end of the trace, or a negative
 * errno with @err set: -EINVAL for a malformed line (record) or a NUL
 * byte in a text trace (the line in err->line), -E2BIG for a line longer
 * than WL_LINE_MAX, -EPIPE for a vmb trace cut inside a record or its
 * header, or the source's error (source_next()).  The end and an error
 * are final.
 */
long wl_access_reader_next(struct wl_access_reader *r,
			   const struct wl_access **a, struct reason *err);

/* Stop the reader's thread and free the reader.  NULL is allowed. */
void wl_access_reader_close(struct wl_access_reader *r);

/*
 * Parse @len bytes at @buf in format @fmt into @t (appending), through
 * the streaming reader over a source in memory (source_open_mem(), which
 * also decompresses): what tests, fuzz targets and benchmarks that hold
 * a trace in memory use.  @chunk: the source's chunk size, 0 for the
 * default (small ones split records between chunks).  Errors as
 * wl_access_reader_next(); -ENOMEM when @t cannot grow (@err says so);
 * -EOPNOTSUPP for a format without a reader.  @t keeps the accesses read
 * before an error.
 */
int wl_access_parse_chunked(const struct wl_trace_format *fmt,
			    const char *buf, size_t len, size_t chunk,
			    struct wl_access_trace *t, struct reason *err);

/* wl_access_parse_chunked() with the default chunk size. */
int wl_access_parse(const struct wl_trace_format *fmt, const char *buf,
		    size_t len, struct wl_access_trace *t,
		    struct reason *err);

/*
 * Writing a trace in pieces: begin writes the header (vmb), put appends
 * accesses.  begin: -EOPNOTSUPP, writing nothing, for a format without a
 * writer.  Both: -EIO (or the failed write's errno) when the stream
 * reports an error.  @err says which.
 */
struct wl_access_writer {
	FILE *f;
	const struct wl_trace_format *fmt;
	uint64_t state;
};

int wl_access_writer_begin(struct wl_access_writer *w, FILE *f,
			   const struct wl_trace_format *fmt,
			   struct reason *err);
int wl_access_writer_put(struct wl_access_writer *w,
			 const struct wl_access *a, size_t n,
			 struct reason *err);

/*
 * Write @n accesses to @f in format @fmt as one whole trace (begin, put,
 * flush): lackey "I  ", " L ", " S " lines; din "r|w|i ADDR SIZE" in hex;
 * vmb records.  Errors as the writer's.
 */
int wl_access_write(FILE *f, const struct wl_trace_format *fmt,
		    const struct wl_access *a, size_t n, struct reason *err);

/*
 * Generators.  The working set is @pages pages of @page_size bytes from
 * @base.  Each access is @size bytes at an offset aligned to @size (so no
 * generated access straddles a page), a write with probability
 * write_pct / 100, else a read.  Same parameters, same accesses.
 *
 *   sequential  addresses ascend by @size from @base, wrapping to @base
 *               after the last byte of the working set
 *   strided     base + (i * stride) mod (pages * page_size), aligned down
 *               to @size
 *   uniform     a page uniformly at random, a random offset in it
 *   zipf        page of rank k (1-based) with probability proportional to
 *               1 / k^zipf_s (inverse CDF over a precomputed table); ranks
 *               are given to pages by a seeded random permutation, so the
 *               popular pages are scattered over the working set
 *   chase       pointer chasing: a random cyclic permutation of the pages
 *               (Sattolo), followed from page 0; every page once per cycle,
 *               each at a fixed random offset
 *   sweep       for TLB-reach curves: working sets of 1, 2, 4, ... pages
 *               (and @pages last if not a power of two), each swept
 *               sequentially, one access per page, for
 *               max(1, ceil(accesses / steps / ws)) passes; see
 *               wl_access_sweep_plan() for the exact phase lengths
 */
struct wl_access_gen_params {
	uint64_t seed;
	uint64_t base;          /* page-aligned start of the working set */
	uint64_t page_size;     /* a power of two */
	uint64_t pages;         /* working-set size in pages, >= 1 */
	uint64_t accesses;      /* accesses to generate (sweep: see above) */
	uint64_t stride;        /* strided: bytes between accesses */
	uint64_t size;          /* bytes per access: a power of two <= page */
	uint64_t write_pct;     /* 0..100 */
	double zipf_s;          /* zipf exponent, > 0 */
};

struct wl_access_workload {
	const char *name;
	const char *summary;    /* one line for --list */
	const char *params;     /* the optional fields of struct
				 * wl_access_gen_params it reads, each
				 * followed by a blank: "stride " */
};

/* The generators, in a fixed order; *count receives their number. */
const struct wl_access_workload *wl_access_workloads(size_t *count);

/*
 * Bounds of a generated workload: for the workloads that keep a table
 * entry per page (zipf, chase), at most WL_ACCESS_GEN_MAX_TABLE pages; a
 * sweep (which touches every page, so a page table holds them all) at
 * most WL_ACCESS_GEN_MAX accesses, its phases included; and when it is
 * generated into an array (wl_access_gen()), at most WL_ACCESS_GEN_MAX
 * accesses (16 bytes each: 4 GiB).  A stream (wl_access_gen_open()) has
 * no other bound on accesses.
 */
#define WL_ACCESS_GEN_MAX (1ULL << 28)
#define WL_ACCESS_GEN_MAX_TABLE (1ULL << 26)

/*
 * Defaults: seed 1, base 0x40000000 (inside every geometry's VA range,
 * x86-32's included), 4K pages, 1024 pages, 1000000 accesses, stride 4096,
 * 8-byte accesses, no writes, zipf_s 1.0.
 */
void wl_access_gen_defaults(struct wl_access_gen_params *p);

/*
 * Generate workload @name into @t (appending).  -EINVAL with @err set
 * for an unknown workload or parameters out of bounds (the bounds above
 * included); err->what is the field at fault ("name" for the workload).
 * -ENOMEM when out of memory (@t keeps what was generated).
 */
int wl_access_gen(const char *name, const struct wl_access_gen_params *p,
		  struct wl_access_trace *t, struct reason *err);

/*
 * The same accesses as a stream, a batch at a time, in constant memory
 * (the zipf and chase tables aside).  open: the errors of wl_access_gen()
 * but for the bound on accesses.  next: fills up to @cap accesses at @a
 * and returns their number, 0 at the end; cannot fail.  close: NULL is
 * allowed.  Batches of any sizes make the same sequence.
 */
struct wl_access_gen;
int wl_access_gen_open(struct wl_access_gen **g, const char *name,
		       const struct wl_access_gen_params *p,
		       struct reason *err);
size_t wl_access_gen_next(struct wl_access_gen *g, struct wl_access *a,
			  size_t cap);
void wl_access_gen_close(struct wl_access_gen *g);

/*
 * The sweep's phases: writes up to @max working-set sizes (pages) into
 * @ws and their access counts into @count, and returns the number of
 * phases (which may exceed @max; at most 65).  Phase k's accesses follow
 * phase k - 1's in the generated array.
 */
size_t wl_access_sweep_plan(const struct wl_access_gen_params *p,
			    uint64_t *ws, uint64_t *count, size_t max);

/* ---- end of memory accesses ---- */

#endif /* VMBENCH_WORKLOAD_H */
