/* SPDX-License-Identifier: MIT */
/*
 * csv: RFC 4180 fields, written atomically through the report_ writer
 * (src/report/atomic.c): a reader sees the old file or the whole new one.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/csv.h>
#include <vmbench/report.h>

struct csv {
	struct report_file rf;  /* the atomic file: rf.fp is written */
	int err;                /* first error, sticky */
	bool row_open;          /* a field was written on the current row */
};

int csv_open(struct csv **out, const char *path)
{
	struct csv *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	ret = report_open(&c->rf, path);
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

static bool csv_needs_quotes(const char *s)
{
	size_t len = strlen(s);

	if (len == 0)
		return false;
	/* A literal NA string must not read back as an absent value. */
	if (strcmp(s, "NA") == 0)
		return true;
	/* Readers differ on surrounding blanks; quoting keeps them. */
	if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t')
		return true;
	return strpbrk(s, ",\"\r\n") != NULL;
}

size_t csv_quote(char *buf, size_t n, const char *s)
{
	size_t need = 0;
	bool q = csv_needs_quotes(s);

#define PUT(ch) do { if (need + 1 < n) buf[need] = (ch); need++; } while (0)
	if (q)
		PUT('"');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			PUT('"');
		PUT(*p);
	}
	if (q)
		PUT('"');
#undef PUT
	if (n)
		buf[need < n ? need : n - 1] = '\0';
	return need;
}

int csv_format_double(char *buf, size_t n, double v)
{
	if (isnan(v))
		return snprintf(buf, n, "NA");
	if (isinf(v))
		return snprintf(buf, n, v > 0 ? "Inf" : "-Inf");
	/*
	 * The fewest significant digits that read back as @v: 17 identify
	 * every binary64 value, but most measured figures need fewer
	 * (0.1 rather than 0.10000000000000001).
	 */
	for (int prec = 15; prec < 17; prec++) {
		char tmp[32];

		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			return snprintf(buf, n, "%s", tmp);
	}
	return snprintf(buf, n, "%.17g", v);
}

static int csv_sep(struct csv *c)
{
	if (c->err)
		return c->err;
	if (c->row_open && fputc(',', c->rf.fp) == EOF)
		c->err = -EIO;
	c->row_open = true;
	return c->err;
}

static int csv_raw(struct csv *c, const char *s)
{
	if (csv_sep(c))
		return c->err;
	if (fputs(s, c->rf.fp) == EOF)
		c->err = -EIO;
	return c->err;
}

int csv_field_str(struct csv *c, const char *s)
{
	if (!s)
		s = "";
	if (!csv_needs_quotes(s))
		return csv_raw(c, s);
	if (csv_sep(c))
		return c->err;
	if (fputc('"', c->rf.fp) == EOF)
		c->err = -EIO;
	for (const char *p = s; *p && !c->err; p++) {
		if ((*p == '"' && fputc('"', c->rf.fp) == EOF) ||
		    fputc(*p, c->rf.fp) == EOF)
			c->err = -EIO;
	}
	if (!c->err && fputc('"', c->rf.fp) == EOF)
		c->err = -EIO;
	return c->err;
}

int csv_field_u64(struct csv *c, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return csv_raw(c, buf);
}

int csv_field_i64(struct csv *c, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return csv_raw(c, buf);
}

int csv_field_double(struct csv *c, double v)
{
	char buf[32];

	csv_format_double(buf, sizeof(buf), v);
	return csv_raw(c, buf);
}

int csv_field_na(struct csv *c)
{
	return csv_raw(c, "NA");
}

int csv_end_row(struct csv *c)
{
	if (!c->err && fputc('\n', c->rf.fp) == EOF)
		c->err = -EIO;
	c->row_open = false;
	return c->err;
}

int csv_close(struct csv *c)
{
	int ret = c->err;

	if (ret)
		report_abort(&c->rf);
	else
		ret = report_commit(&c->rf);
	free(c);
	return ret;
}

int csv_close_all(struct csv *const *cs, size_t n,
		  struct report_file *extra)
{
	struct report_file *rfs[8] = { 0 };
	size_t k = 0;
	int ret = n + 1 > sizeof(rfs) / sizeof(rfs[0]) ? -EINVAL : 0;

	for (size_t i = 0; i < n && !ret; i++)
		ret = cs[i]->err;
	if (ret) {
		for (size_t i = 0; i < n; i++)
			report_abort(&cs[i]->rf);
		if (extra)
			report_abort(extra);
	} else {
		for (size_t i = 0; i < n; i++)
			rfs[k++] = &cs[i]->rf;
		if (extra)
			rfs[k++] = extra;
		ret = report_commit_all(rfs, k);
	}
	for (size_t i = 0; i < n; i++)
		free(cs[i]);
	return ret;
}

bool csv_in_place(const struct csv *c)
{
	return c->rf.in_place;
}

void csv_abort(struct csv *c)
{
	report_abort(&c->rf);
	free(c);
}
