/* SPDX-License-Identifier: MIT */
/*
 * csv — a tidy CSV writer (RFC 4180 quoting) that writes atomically.
 *
 * Rows go to a temporary file beside the target; csv_close() flushes,
 * fsyncs and renames it over the target, so a reader sees either the old
 * file or the complete new one, never a partial file.  csv_abort() (or a
 * crash) leaves the target untouched.
 *
 * Values: an absent measurement is written as NA, never 0 (csv_field_na(),
 * or a NaN passed to csv_field_double()).  Doubles are printed with 17
 * significant digits, enough to read back the identical double.  A string
 * field that is exactly "NA" is quoted so it cannot be mistaken for absence.
 *
 * Conventions: functions that can fail return 0 or a negative errno.  After a
 * failed write the writer remembers the first error; csv_close() reports it
 * and removes the temporary file.
 */
#ifndef VMBENCH_CSV_H
#define VMBENCH_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct csv;

/*
 * Start writing @path atomically (report_open(): a temporary file beside it;
 * a stream such as stdout or a FIFO is written in place).
 * On failure (-errno from mkstemp/fdopen, -ENOMEM) *out is untouched and
 * nothing is created.
 */
int csv_open(struct csv **out, const char *path);

/* One field each; the separator is added as needed.  Errors are sticky. */
int csv_field_str(struct csv *c, const char *s);   /* NULL writes "" */
int csv_field_u64(struct csv *c, uint64_t v);
int csv_field_i64(struct csv *c, int64_t v);
int csv_field_double(struct csv *c, double v);     /* NaN writes NA */
int csv_field_na(struct csv *c);
int csv_end_row(struct csv *c);

/*
 * Finish: flush, fsync, rename over the target, free @c.  On failure
 * (the first sticky error, or -errno of the flush/rename) the temporary
 * file is removed, the target is left as it was, and @c is freed anyway.
 */
int csv_close(struct csv *c);

/*
 * Finish the @n writers @cs and the report file @extra (NULL: none) as
 * one (report_commit_all()): every target is replaced or none is.  A
 * sticky error in any writer aborts them all.  Everything is released.
 */
struct report_file;
int csv_close_all(struct csv *const *cs, size_t n,
		  struct report_file *extra);

/* true when @c writes a stream in place (stdout, a FIFO, a device). */
bool csv_in_place(const struct csv *c);

/* Give up: remove the temporary file, leave the target as it was, free @c. */
void csv_abort(struct csv *c);

/*
 * Pure helpers, public for the tests and for other writers.
 * csv_quote() writes @s as one CSV field into @buf (size @n, NUL-terminated,
 * quoted when needed) and returns the length it needs without the NUL, like
 * snprintf.  csv_format_double() writes @v round-trippably ("NA" for NaN)
 * and returns the length like snprintf.
 */
size_t csv_quote(char *buf, size_t n, const char *s);
int csv_format_double(char *buf, size_t n, double v);

#endif /* VMBENCH_CSV_H */
