/* SPDX-License-Identifier: MIT */
/*
 * build/bench/vmbench end to end on a tiny filter (a workload replay and
 * two churn benchmarks at 1000 live areas, --quick --csv): the CSV's
 * columns are the documented ones in order; every row has its sim_
 * counters filled with numbers, each hardware or software counter is NA
 * or a number and never empty; iterations count ops (a replay reports
 * its trace length times the replays); and the simulated counters are
 * the same in a second run (exact and deterministic).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../csv_read.h"
#include "test.h"

extern char **environ;

static const char *exe;
static char dir[64], log_path[128], csv_path[2][128], meta_path[2][160];

static const char filter[] =
	"--benchmark_filter=^vmap/augrb/(fix_size|churn-find/n:1000)$|"
	"^vmap/list/churn-alloc\\+free/n:1000$";

static void run(int k)
{
	const char *argv[] = { exe, "--quick", filter, "--csv", csv_path[k],
			       NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status;

	ASSERT_OK(posix_spawn_file_actions_init(&fa));
	ASSERT_OK(posix_spawn_file_actions_addopen(&fa, 1, log_path,
		O_WRONLY | O_CREAT | O_TRUNC, 0644));
	ASSERT_OK(posix_spawn_file_actions_adddup2(&fa, 1, 2));
	ASSERT_OK(posix_spawn(&pid, exe, &fa, NULL, (char **)argv, environ));
	posix_spawn_file_actions_destroy(&fa);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
}

static const char *const fixed[] = {
	"family", "strategy", "workload", "arch", "tlb", "n", "iterations",
	"ns_per_op", "cycles", "instructions", "cache_misses",
	"dtlb_load_misses", "branch_misses", "task_clock_ns", "page_faults",
	"context_switches",
};
#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

static const char *const sim[] = {
	"sim_free_fragments", "sim_hole_ratio", "sim_meta_bytes_per_area",
	"sim_node_visits", "sim_nospc",
};
#define NSIM (sizeof(sim) / sizeof(sim[0]))

static bool is_num(const struct csv_field *f, double *out)
{
	char *end;
	double d;

	if (f->quoted || !f->s[0])
		return false;
	d = strtod(f->s, &end);
	if (*end || !isfinite(d))
		return false;
	if (out)
		*out = d;
	return true;
}

static double num(const struct csv_field *f)
{
	double d;

	if (!is_num(f, &d))
		TEST_FAIL("not a number: \"%s\"", f->s);
	return d;
}

static bool is_na(const struct csv_field *f)
{
	return !f->quoted && strcmp(f->s, "NA") == 0;
}

/* The row of benchmark @strategy/@workload, or NULL. */
static const struct csv_row *row_of(const struct csv_table *t,
				    const char *strategy, const char *workload)
{
	for (size_t r = 1; r < t->n; r++)
		if (strcmp(t->rows[r].f[1].s, strategy) == 0 &&
		    strcmp(t->rows[r].f[2].s, workload) == 0)
			return &t->rows[r];
	return NULL;
}

static void check(const struct csv_table *t)
{
	const struct csv_row *h = &t->rows[0];

	/* Fixed columns, canonical counters, sim_*, then the extras. */
	ASSERT_EQ(h->n, NFIXED + NSIM + 2);
	for (size_t i = 0; i < NFIXED; i++)
		ASSERT_STREQ(h->f[i].s, fixed[i]);
	for (size_t i = 0; i < NSIM; i++)
		ASSERT_STREQ(h->f[NFIXED + i].s, sim[i]);
	ASSERT_STREQ(h->f[NFIXED + NSIM].s, "repetition");
	ASSERT_STREQ(h->f[NFIXED + NSIM + 1].s, "scaled");
	ASSERT_EQ(t->n, 4);

	for (size_t r = 1; r < t->n; r++) {
		const struct csv_field *f = t->rows[r].f;
		bool replay = strcmp(f[2].s, "fix_size") == 0;

		ASSERT_EQ(t->rows[r].n, h->n);
		ASSERT_STREQ(f[0].s, "vmap");
		ASSERT_STREQ(f[3].s, "");
		ASSERT_STREQ(f[4].s, "");
		if (replay)
			ASSERT_STREQ(f[5].s, "");
		else
			ASSERT(num(&f[5]) == 1000);
		ASSERT(num(&f[6]) >= 1);
		ASSERT(num(&f[7]) > 0);
		for (size_t c = 8; c < NFIXED; c++)
			if (!is_na(&f[c]) && !is_num(&f[c], NULL))
				TEST_FAIL("row %zu, %s: \"%s\" is neither NA "
					  "nor a number", r, h->f[c].s,
					  f[c].s);
		ASSERT(num(&f[NFIXED + 3]) > 0);        /* node visits */
		if (replay) {
			/* fix_size ends with nothing live: no per-area
			 * figure; it never runs out of room. */
			ASSERT(is_na(&f[NFIXED + 2]));
			ASSERT(num(&f[NFIXED + 4]) == 0);
			ASSERT(is_na(&f[NFIXED]));
			/* Whole replays of 30000 ops each (10000 loops of 3). */
			ASSERT((uint64_t)num(&f[6]) % 30000 == 0);
		} else {
			ASSERT(num(&f[NFIXED]) > 0);     /* fragments */
			ASSERT(num(&f[NFIXED + 1]) > 0); /* hole ratio */
			ASSERT(num(&f[NFIXED + 1]) < 1);
			ASSERT(num(&f[NFIXED + 2]) > 0); /* meta per area */
			ASSERT(is_na(&f[NFIXED + 4]));
		}
	}
	ASSERT(row_of(t, "augrb", "fix_size"));
	ASSERT(row_of(t, "augrb", "churn-find"));
	ASSERT(row_of(t, "list", "churn-alloc+free"));
	/* A list find/alloc walks the list: far more visits than augrb. */
	ASSERT_LT(num(&row_of(t, "augrb", "churn-find")->f[NFIXED + 3]) * 10,
		  num(&row_of(t, "list", "churn-alloc+free")->f[NFIXED + 3]));
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	struct csv_table t[2];

	ASSERT_EQ(argc, 2);
	exe = argv[1];
	snprintf(dir, sizeof(dir), "%s/vmbench-csv-XXXXXX",
		 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	ASSERT(mkdtemp(dir));
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	for (int k = 0; k < 2; k++) {
		snprintf(csv_path[k], sizeof(csv_path[k]), "%s/r%d.csv", dir,
			 k);
		snprintf(meta_path[k], sizeof(meta_path[k]), "%s.meta.csv",
			 csv_path[k]);
		run(k);
		ASSERT(csvr_load(&t[k], csv_path[k]));
		check(&t[k]);
	}
	/* Same simulated counters in both runs, row by row. */
	for (size_t r = 1; r < t[0].n; r++)
		for (size_t i = 0; i < NSIM; i++)
			ASSERT_STREQ(t[0].rows[r].f[NFIXED + i].s,
				     t[1].rows[r].f[NFIXED + i].s);
	for (int k = 0; k < 2; k++) {
		csvr_free(&t[k]);
		unlink(csv_path[k]);
		unlink(meta_path[k]);
	}
	unlink(log_path);
	ASSERT_OK(rmdir(dir));
	return 0;
}
