/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for build/bench/vmbench that honours VMBENCH_ITERATIONS=N,
 * which the real shim does not (yet): scripts/icount's per-op mode is
 * tested against it.  It knows one benchmark, standin/sum/loop, whose
 * run function standin_run() is what icount --toggle collects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long sink;

static __attribute__((noinline)) void standin_run(unsigned long long n)
{
	unsigned long long sum = 0;

	for (unsigned long long i = 0; i < n; i++) {
		sum += i;
		__asm__ volatile("" : "+r"(sum));
	}
	sink = sum;
}

int main(int argc, char **argv)
{
	const char *csv = NULL, *env = getenv("VMBENCH_ITERATIONS");
	unsigned long long n = env ? strtoull(env, NULL, 10) : 1;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--benchmark_list_tests", 22) == 0) {
			puts("standin/sum/loop");
			return 0;
		}
		if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			csv = argv[++i];
	}
	standin_run(n);
	if (!csv)
		return 0;
	f = fopen(csv, "w");
	if (!f)
		return 2;
	fprintf(f, "family,strategy,workload,arch,tlb,n,iterations,ns_per_op,"
		"repetition\nstandin,sum,loop,,,,%llu,1,0\n", n);
	return fclose(f) ? 2 : 0;
}
