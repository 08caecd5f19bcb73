/* SPDX-License-Identifier: MIT */
/*
 * The CSV writer: quoting, NA for absent values, doubles that read back
 * bit-identical, and atomic replacement (an aborted or crashed writer leaves
 * the old file and no partial one).
 */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmbench/csv.h>
#include <vmbench/rng.h>

#include "../csv_read.h"
#include "test.h"

#define SEED 42

static char dir[64];
static char target[128];

static void quote_is(const char *in, const char *want)
{
	char buf[64];
	size_t n = csv_quote(buf, sizeof(buf), in);

	ASSERT_STREQ(buf, want);
	ASSERT_EQ(n, strlen(want));
}

static void test_quote(void)
{
	char small[4];

	quote_is("plain", "plain");
	quote_is("", "");
	quote_is("a,b", "\"a,b\"");
	quote_is("say \"hi\"", "\"say \"\"hi\"\"\"");
	quote_is("two\nlines", "\"two\nlines\"");
	quote_is("cr\r", "\"cr\r\"");
	quote_is(" lead", "\" lead\"");
	quote_is("trail\t", "\"trail\t\"");
	quote_is("NA", "\"NA\"");
	quote_is("NAN", "NAN");
	/* Truncation reports the needed length and stays terminated. */
	ASSERT_EQ(csv_quote(small, sizeof(small), "a,bcdef"), 9);
	ASSERT_STREQ(small, "\"a,");
}

static void read_file(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got;

	ASSERT(f);
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ASSERT(f);
	fputs(text, f);
	ASSERT_EQ(fclose(f), 0);
}

/* Anything in the test directory but the target is a temporary file. */
static bool is_temp(const char *name)
{
	return strcmp(name, ".") && strcmp(name, "..") &&
	       strcmp(name, "out.csv");
}

/* Only the target (if any) may be left in the directory. */
static void assert_no_temp(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	ASSERT(d);
	while ((e = readdir(d)))
		if (is_temp(e->d_name))
			TEST_FAIL("temporary file left: %s", e->d_name);
	closedir(d);
}

static void test_fields(void)
{
	struct csv *c;
	struct csv_table t;
	char text[512];

	ASSERT_OK(csv_open(&c, target));
	ASSERT_OK(csv_field_str(c, "name"));
	ASSERT_OK(csv_field_str(c, "value"));
	ASSERT_OK(csv_field_str(c, "note"));
	ASSERT_OK(csv_end_row(c));
	ASSERT_OK(csv_field_str(c, "a,b"));
	ASSERT_OK(csv_field_na(c));
	ASSERT_OK(csv_field_str(c, "NA"));
	ASSERT_OK(csv_end_row(c));
	ASSERT_OK(csv_field_str(c, NULL));
	ASSERT_OK(csv_field_double(c, NAN));
	ASSERT_OK(csv_field_str(c, "q\"\nx"));
	ASSERT_OK(csv_end_row(c));
	ASSERT_OK(csv_field_u64(c, UINT64_MAX));
	ASSERT_OK(csv_field_i64(c, INT64_MIN));
	ASSERT_OK(csv_field_double(c, 0.0));
	ASSERT_OK(csv_end_row(c));
	ASSERT_OK(csv_close(c));
	assert_no_temp();

	read_file(target, text, sizeof(text));
	ASSERT_STREQ(text, "name,value,note\n"
			   "\"a,b\",NA,\"NA\"\n"
			   ",NA,\"q\"\"\nx\"\n"
			   "18446744073709551615,-9223372036854775808,0\n");

	ASSERT(csvr_load(&t, target));
	ASSERT_EQ(t.n, 4);
	for (size_t r = 0; r < t.n; r++)
		ASSERT_EQ(t.rows[r].n, 3);
	ASSERT_STREQ(t.rows[1].f[0].s, "a,b");
	/* Absent is bare NA; the string "NA" is quoted. */
	ASSERT_STREQ(t.rows[1].f[1].s, "NA");
	ASSERT(!t.rows[1].f[1].quoted);
	ASSERT_STREQ(t.rows[1].f[2].s, "NA");
	ASSERT(t.rows[1].f[2].quoted);
	ASSERT_STREQ(t.rows[2].f[0].s, "");
	ASSERT(!t.rows[2].f[1].quoted);
	ASSERT_STREQ(t.rows[2].f[2].s, "q\"\nx");
	csvr_free(&t);
}

static double bits_to_double(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

/* Every double written reads back with the same bits (NaN aside). */
static void test_doubles(void)
{
	static const double fixed[] = {
		0.1, 1.0 / 3.0, -0.0, 0.0, DBL_MAX, -DBL_MAX, DBL_MIN,
		4.9406564584124654e-324, 1e-300, 123456789.123456789,
		2.5, 1e21, 9007199254740993.0, INFINITY, -INFINITY,
	};
	enum { NRAND = 5000, N = NRAND + sizeof(fixed) / sizeof(fixed[0]) };
	static double vals[N];
	struct rng r;
	struct csv *c;
	struct csv_table t;
	size_t n = 0;

	rng_seed(&r, SEED);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		vals[n++] = fixed[i];
	while (n < N) {
		double d = bits_to_double(rng_next(&r));

		if (!isnan(d))
			vals[n++] = d;
	}

	ASSERT_OK(csv_open(&c, target));
	for (size_t i = 0; i < N; i++) {
		ASSERT_OK(csv_field_double(c, vals[i]));
		ASSERT_OK(csv_end_row(c));
	}
	ASSERT_OK(csv_close(c));

	ASSERT(csvr_load(&t, target));
	ASSERT_EQ(t.n, N);
	for (size_t i = 0; i < N; i++) {
		char *end;
		double back = strtod(t.rows[i].f[0].s, &end);

		ASSERT_EQ(*end, '\0');
		if (memcmp(&back, &vals[i], sizeof(back)) != 0)
			TEST_FAIL("row %zu: %.17g read back as %.17g (\"%s\")",
				  i, vals[i], back, t.rows[i].f[0].s);
	}
	csvr_free(&t);
}

static void test_atomic(void)
{
	struct csv *c;
	char text[256];
	char missing[160];
	pid_t pid;
	int status;

	write_file(target, "old,file\n");

	/* While writing, the target still holds the old content. */
	ASSERT_OK(csv_open(&c, target));
	for (int i = 0; i < 1000; i++) {
		ASSERT_OK(csv_field_str(c, "new"));
		ASSERT_OK(csv_end_row(c));
	}
	read_file(target, text, sizeof(text));
	ASSERT_STREQ(text, "old,file\n");
	csv_abort(c);
	read_file(target, text, sizeof(text));
	ASSERT_STREQ(text, "old,file\n");
	assert_no_temp();

	/* A writer that dies before csv_close() leaves the old file whole. */
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		if (csv_open(&c, target) != 0)
			_exit(3);
		for (int i = 0; i < 100000; i++) {
			csv_field_str(c, "partial");
			csv_end_row(c);
		}
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	read_file(target, text, sizeof(text));
	ASSERT_STREQ(text, "old,file\n");

	/* Clean the crashed writer's temporary file for the next check. */
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[400];

	ASSERT(d);
	while ((e = readdir(d)))
		if (is_temp(e->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			ASSERT_OK(unlink(path));
		}
	closedir(d);

	/* A directory that does not exist: error, nothing created. */
	snprintf(missing, sizeof(missing), "%s/nodir/x.csv", dir);
	c = NULL;
	ASSERT_EQ(csv_open(&c, missing), -ENOENT);
	ASSERT(c == NULL);

	/* Success replaces the file in one step. */
	ASSERT_OK(csv_open(&c, target));
	ASSERT_OK(csv_field_str(c, "new"));
	ASSERT_OK(csv_end_row(c));
	ASSERT_OK(csv_close(c));
	read_file(target, text, sizeof(text));
	ASSERT_STREQ(text, "new\n");
	assert_no_temp();
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/vmbench-csv-XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	ASSERT(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/out.csv", dir);

	test_quote();
	test_fields();
	test_doubles();
	test_atomic();

	unlink(target);
	ASSERT_OK(rmdir(dir));
	return 0;
}
