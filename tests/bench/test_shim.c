/* SPDX-License-Identifier: MIT */
/*
 * The shim end to end: runs the tiny benchmark executable (argv[1]) with
 * --benchmark_list_tests, with --csv, with a forced counter failure and
 * with bad flags, and checks the names, the CSV's columns and rows (NA for
 * absent counters, never 0), the metadata sidecar and the exit statuses.
 * Also the sweep expansion (bench_sweep_values).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmbench/bench.h>
#include <vmbench/counters.h>

#include "../csv_read.h"
#include "test.h"

extern char **environ;

static const char *exe;
static char dir[64];
static char out_path[128], err_path[128], csv_path[128], meta_path[160];

/* Run exe with @args (NULL-terminated after argv[0]); stdout and stderr
 * to files.  Returns the exit status. */
static int run(const char *const *args)
{
	posix_spawn_file_actions_t fa;
	char *argv[16];
	pid_t pid;
	int status, n = 0;

	argv[n++] = (char *)exe;
	for (; *args; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	ASSERT_OK(posix_spawn_file_actions_init(&fa));
	ASSERT_OK(posix_spawn_file_actions_addopen(&fa, 1, out_path,
		O_WRONLY | O_CREAT | O_TRUNC, 0644));
	ASSERT_OK(posix_spawn_file_actions_addopen(&fa, 2, err_path,
		O_WRONLY | O_CREAT | O_TRUNC, 0644));
	ASSERT_OK(posix_spawn(&pid, exe, &fa, NULL, argv, environ));
	posix_spawn_file_actions_destroy(&fa);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	ASSERT(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_sweeps(void)
{
	const struct bench_sweep r = BENCH_RANGE("n", 8, 8 << 10, 8);
	const struct bench_sweep r2 = BENCH_RANGE("n", 1, 1000, 10);
	const struct bench_sweep d = BENCH_DENSE("n", 1, 10, 4);
	const struct bench_sweep l = BENCH_LIST("n", 5, -3, 7);
	const struct bench_sweep bad = BENCH_RANGE("n", 10, 1, 2);
	const struct bench_sweep big = BENCH_RANGE("n", 1, INT64_MAX, 2);
	int64_t v[80];

	/* Google Benchmark's Range(8, 8 << 10) with multiplier 8. */
	ASSERT_EQ(bench_sweep_values(&r, v, 80), 5);
	ASSERT(v[0] == 8 && v[1] == 64 && v[2] == 512 && v[3] == 4096 &&
	       v[4] == 8192);
	ASSERT_EQ(bench_sweep_values(&r2, v, 80), 4);
	ASSERT(v[0] == 1 && v[1] == 10 && v[2] == 100 && v[3] == 1000);
	ASSERT_EQ(bench_sweep_values(&d, v, 80), 3);
	ASSERT(v[0] == 1 && v[1] == 5 && v[2] == 9);
	ASSERT_EQ(bench_sweep_values(&l, v, 80), 3);
	ASSERT(v[0] == 5 && v[1] == -3 && v[2] == 7);
	ASSERT_EQ(bench_sweep_values(&bad, v, 80), -EINVAL);
	/* No overflow near 2^63; the count is returned even past @max. */
	ASSERT_EQ(bench_sweep_values(&big, v, 80), 64);
	ASSERT_EQ(v[62], 1LL << 62);
	ASSERT_EQ(v[63], INT64_MAX);
	ASSERT_EQ(bench_sweep_values(&big, NULL, 0), 64);
}

static const char *const names[] = {
	"tiny/sum/seq/x86-64/n:8/k:1", "tiny/sum/seq/x86-64/n:8/k:2",
	"tiny/sum/seq/x86-64/n:8/k:4", "tiny/sum/seq/x86-64/n:64/k:1",
	"tiny/sum/seq/x86-64/n:64/k:2", "tiny/sum/seq/x86-64/n:64/k:4",
	"tiny/nop",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static void test_list(void)
{
	static const char *const args[] = { "--benchmark_list_tests", NULL };
	char want[1024] = "";

	ASSERT_EQ(run(args), 0);
	for (size_t i = 0; i < NNAMES; i++) {
		strcat(want, names[i]);
		strcat(want, "\n");
	}
	ASSERT_STREQ(slurp(out_path), want);
}

static const char *const header[] = {
	"family", "strategy", "workload", "arch", "tlb", "n", "iterations",
	"ns_per_op", "cycles", "instructions", "cache_misses",
	"dtlb_load_misses", "branch_misses", "task_clock_ns", "page_faults",
	"context_switches", "sim_adds", "items_per_second", "k", "repetition",
	"scaled",
};
#define NHEADER (sizeof(header) / sizeof(header[0]))

/* The meta sidecar's value for @key, or NULL. */
static const char *meta(const struct csv_table *m, const char *key)
{
	for (size_t r = 1; r < m->n; r++)
		if (strcmp(m->rows[r].f[0].s, key) == 0)
			return m->rows[r].f[1].s;
	return NULL;
}

static double num(const struct csv_field *f)
{
	char *end;
	double d = strtod(f->s, &end);

	if (f->quoted || *end || end == f->s)
		TEST_FAIL("not a number: \"%s\"", f->s);
	return d;
}

static void check_csv(bool forced_cycles)
{
	struct csv_table t, m;
	char key[96];

	ASSERT(csvr_load(&t, csv_path));
	ASSERT(csvr_load(&m, meta_path));
	ASSERT_EQ(t.rows[0].n, NHEADER);
	for (size_t i = 0; i < NHEADER; i++)
		ASSERT_STREQ(t.rows[0].f[i].s, header[i]);
	ASSERT_EQ(t.n, 1 + NNAMES);
	ASSERT_STREQ(meta(&m, "libpfm"), ctr_have_libpfm() ? "yes" : "no");

	for (size_t r = 1; r < t.n; r++) {
		struct csv_field *f = t.rows[r].f;
		bool sum = r <= 6;
		double n = sum ? (r <= 3 ? 8 : 64) : 0;

		ASSERT_EQ(t.rows[r].n, NHEADER);
		ASSERT_STREQ(f[0].s, "tiny");
		ASSERT_STREQ(f[1].s, sum ? "sum" : "nop");
		ASSERT_STREQ(f[2].s, sum ? "seq" : "");
		ASSERT_STREQ(f[3].s, sum ? "x86-64" : "");
		ASSERT_STREQ(f[4].s, "");
		if (sum)
			ASSERT(num(&f[5]) == n);
		else
			ASSERT_STREQ(f[5].s, "");
		ASSERT(num(&f[6]) >= 1);
		ASSERT(num(&f[7]) > 0);
		/* Hardware counters: NA exactly where the sidecar says the
		 * counter is absent; never 0 for an absent one. */
		for (int c = 0; c < CTR_NCANON; c++) {
			const char *src;

			snprintf(key, sizeof(key), "counter.%s.source",
				 header[8 + c]);
			src = meta(&m, key);
			ASSERT(src);
			if (strcmp(src, "absent") == 0) {
				ASSERT_STREQ(f[8 + c].s, "NA");
				ASSERT(!f[8 + c].quoted);
			} else {
				ASSERT(num(&f[8 + c]) >= 0);
			}
		}
		if (forced_cycles)
			ASSERT_STREQ(f[8].s, "NA");
		/* Software counters are present: perf or fallback. */
		ASSERT(num(&f[13]) > 0);
		ASSERT(num(&f[14]) >= 0);
		ASSERT(num(&f[15]) >= 0);
		if (sum) {
			ASSERT(num(&f[16]) == n);   /* sim_adds per op */
			ASSERT(num(&f[17]) > 0);
			ASSERT(num(&f[18]) == 1 << ((r - 1) % 3));
		} else {
			ASSERT_STREQ(f[16].s, "NA");
			ASSERT_STREQ(f[18].s, "");
		}
		ASSERT(num(&f[19]) == 0);
		ASSERT_STREQ(f[20].s, "");
	}
	csvr_free(&t);
	csvr_free(&m);
}

static void test_csv(void)
{
	static const char *args[] = { "--benchmark_min_time=0.001", "--csv",
				      csv_path, NULL };

	ASSERT_EQ(run(args), 0);
	check_csv(false);

	/* A counter that cannot open is NA and the rest keep working. */
	ASSERT_OK(setenv("VMBENCH_CTR_FAIL", "cycles", 1));
	ASSERT_EQ(run(args), 0);
	ASSERT_OK(unsetenv("VMBENCH_CTR_FAIL"));
	ASSERT(strstr(slurp(err_path), "cycles: not supported (ENOENT"));
	check_csv(true);
}

static void test_bad_flags(void)
{
	static const char *const unknown[] = { "--no-such-flag", NULL };
	static const char *const badctr[] = { "--counters", "nonsense_xyz",
					      "--csv", "x.csv", NULL };
	static const char *const novalue[] = { "--csv", NULL };

	ASSERT_EQ(run(unknown), 2);
	ASSERT_EQ(run(badctr), 2);
	ASSERT(strstr(slurp(err_path), "--counters: "));
	ASSERT(strstr(slurp(err_path), "nonsense_xyz"));
	ASSERT(access("x.csv", F_OK) != 0);
	ASSERT_EQ(run(novalue), 2);
	ASSERT(strstr(slurp(err_path), "--csv"));
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	ASSERT_EQ(argc, 2);
	exe = argv[1];
	snprintf(dir, sizeof(dir), "%s/vmbench-shim-XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	ASSERT(mkdtemp(dir));
	snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	snprintf(csv_path, sizeof(csv_path), "%s/out.csv", dir);
	snprintf(meta_path, sizeof(meta_path), "%s/out.csv.meta.csv", dir);

	test_sweeps();
	test_list();
	test_csv();
	test_bad_flags();

	unlink(out_path);
	unlink(err_path);
	unlink(csv_path);
	unlink(meta_path);
	ASSERT_OK(rmdir(dir));
	return 0;
}
