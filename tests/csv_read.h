/* SPDX-License-Identifier: MIT */
/*
 * A small RFC 4180 reader for tests: the whole file in memory, rows of
 * fields.  Each field records whether it was quoted, so a test can tell the
 * absent marker NA from the string "NA".  Aborts the test on malformed
 * input (an unterminated quote, text after a closing quote).
 */
#ifndef VMBENCH_TEST_CSV_READ_H
#define VMBENCH_TEST_CSV_READ_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

struct csv_field {
	char *s;
	bool quoted;
};

struct csv_row {
	struct csv_field *f;
	size_t n;
};

struct csv_table {
	struct csv_row *rows;
	size_t n;
};

static inline void csvr_push(struct csv_row *r, char *s, bool quoted)
{
	r->f = realloc(r->f, (r->n + 1) * sizeof(*r->f));
	ASSERT(r->f);
	r->f[r->n].s = s;
	r->f[r->n].quoted = quoted;
	r->n++;
}

/* Read @path; returns false if it cannot be opened. */
static inline bool csvr_load(struct csv_table *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int ch;

	memset(t, 0, sizeof(*t));
	if (!f)
		return false;
	while ((ch = fgetc(f)) != EOF) {
		if (len + 1 >= cap) {
			cap = cap ? 2 * cap : 256;
			buf = realloc(buf, cap);
			ASSERT(buf);
		}
		buf[len++] = (char)ch;
	}
	fclose(f);
	if (!buf)
		return true;
	buf[len] = '\0';

	size_t i = 0;
	while (i < len) {
		struct csv_row row = { 0 };

		for (;;) {
			char *out = malloc(len - i + 1);
			size_t o = 0;
			bool quoted = false;

			ASSERT(out);
			if (buf[i] == '"') {
				quoted = true;
				for (i++;; i++) {
					if (i >= len)
						TEST_FAIL("%s: unterminated quote",
							  path);
					if (buf[i] == '"') {
						if (buf[i + 1] != '"')
							break;
						i++;
					}
					out[o++] = buf[i];
				}
				i++;
				if (i < len && buf[i] != ',' && buf[i] != '\n')
					TEST_FAIL("%s: text after quote", path);
			} else {
				while (i < len && buf[i] != ',' &&
				       buf[i] != '\n')
					out[o++] = buf[i++];
			}
			out[o] = '\0';
			csvr_push(&row, out, quoted);
			if (i >= len || buf[i] == '\n') {
				i++;
				break;
			}
			i++;  /* the comma */
		}
		t->rows = realloc(t->rows, (t->n + 1) * sizeof(*t->rows));
		ASSERT(t->rows);
		t->rows[t->n++] = row;
	}
	free(buf);
	return true;
}

/* Index of column @name in the header row, or -1. */
static inline int csvr_col(const struct csv_table *t, const char *name)
{
	ASSERT(t->n > 0);
	for (size_t i = 0; i < t->rows[0].n; i++)
		if (strcmp(t->rows[0].f[i].s, name) == 0)
			return (int)i;
	return -1;
}

static inline void csvr_free(struct csv_table *t)
{
	for (size_t r = 0; r < t->n; r++) {
		for (size_t i = 0; i < t->rows[r].n; i++)
			free(t->rows[r].f[i].s);
		free(t->rows[r].f);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

#endif /* VMBENCH_TEST_CSV_READ_H */
