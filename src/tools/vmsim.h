/* SPDX-License-Identifier: MIT */
/*
 * vmsim — internal to the CLI: the subcommands and the small option
 * helpers they share.  Every option error is printed as
 * "--option: reason" on stderr, and the subcommand exits 2.
 *
 * Exit codes of every subcommand: 0 ok, 1 divergence, 2 bad input.
 */
#ifndef VMSIM_H
#define VMSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vmbench/report.h>
#include <vmbench/workload.h>

#define VMSIM_OK 0
#define VMSIM_DIVERGED 1
#define VMSIM_BAD_INPUT 2

/* Subcommands: argv[0] is the subcommand's name. */
int vmsim_vmap_main(int argc, char **argv);
int vmsim_gen_vmap_main(int argc, char **argv);
int vmsim_tlb_main(int argc, char **argv);
int vmsim_trace_main(int argc, char **argv);
int vmsim_layout_main(int argc, char **argv);
int vmsim_vmalloc_main(int argc, char **argv);
int vmsim_proc_main(int argc, char **argv);
int vmsim_import_main(int argc, char **argv);

/*
 * Walks argv: each call yields the next option (name, and its value if
 * the option takes one, from "--name=value" or the next argument) or the
 * next positional argument (name NULL).
 */
struct vmsim_args {
	int argc, i;
	char **argv;
	bool only_positional;   /* after "--" */
};

struct vmsim_opt {
	const char *name;       /* "--range", "-o"; NULL for a positional */
	const char *value;      /* the value, or the positional argument */
	const char *inline_val; /* "--x=v": v (for options without values) */
};

void vmsim_args_init(struct vmsim_args *a, int argc, char **argv);

/* false at the end of argv. */
bool vmsim_args_next(struct vmsim_args *a, struct vmsim_opt *o);

/*
 * The value of option @o, taking it from the next argument if needed;
 * NULL after printing "--opt: missing value".
 */
const char *vmsim_value(struct vmsim_args *a, struct vmsim_opt *o);

/* Print "--opt: reason" (printf-style) on stderr; returns 2. */
int vmsim_opt_error(const char *opt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse @s as a decimal or 0x-hex unsigned 64-bit number; false on junk,
 * emptiness or overflow.
 */
bool vmsim_parse_u64(const char *s, uint64_t *out);

/* Option helpers that print the error themselves and return false. */
bool vmsim_opt_u64(const char *opt, const char *s, uint64_t *out);
bool vmsim_opt_range(const char *opt, const char *s, uint64_t *start,
		     uint64_t *end);
bool vmsim_opt_page_size(const char *opt, const char *s, uint64_t *out);

/* An option that sets one uint64_t field of a struct, in a table. */
struct vmsim_u64_opt {
	const char *name;       /* "--seed" */
	size_t offset;          /* offsetof() the field */
};

/*
 * If @o is one of the @n options of @tab, parse its value (from @a as
 * vmsim_value() does) into the field of @base: 1 when set, 0 when @o is
 * not in the table, -1 after printing "--opt: reason".
 */
int vmsim_u64_table(struct vmsim_args *a, struct vmsim_opt *o,
		    const struct vmsim_u64_opt *tab, size_t n, void *base);

/*
 * Open the input @path for reading ("-" is stdin); NULL after printing
 * "SHOWN: cannot open: reason".  vmsim_close_input() leaves stdin open.
 */
FILE *vmsim_open_input(const char *path, const char *shown);
void vmsim_close_input(FILE *f);

/* Print @err as "SHOWN:LINE: reason" (or "SHOWN: reason"); returns 2. */
int vmsim_input_error(const char *shown, const struct reason *err);

/*
 * Where a subcommand's output goes: stdout, or -o FILE written atomically
 * (report_open / report_commit), so a failed or interrupted run leaves no
 * partial file; "-", /dev/stdout, FIFOs and devices are written in place,
 * a directory is refused.  Subcommands open it before any work.  open and
 * close print their own "-o: reason" and return 2 on failure.
 */
struct vmsim_out {
	struct report_file rf;
	FILE *fp;
	const char *path;       /* NULL: stdout */
};

int vmsim_out_open(struct vmsim_out *o, const char *path);
int vmsim_out_close(struct vmsim_out *o);
void vmsim_out_abort(struct vmsim_out *o);

/*
 * The same for CSV output, written through csv_* (NA, quoting,
 * round-trip doubles): @path NULL is stdout.  Errors as above.
 * vmsim_csv_close() releases @c also on failure; csv_abort() gives up.
 */
struct csv;
int vmsim_csv_open(struct csv **c, const char *path);
int vmsim_csv_close(struct csv *c, const char *path);

/*
 * Parse --repetitions' value @s: 1..MEASURE_MAX_REPETITIONS; false after
 * printing "--repetitions: reason".
 */
bool vmsim_opt_repetitions(const char *opt, const char *s, unsigned *out);

#endif /* VMSIM_H */
