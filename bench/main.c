/* SPDX-License-Identifier: MIT */
/* build/vmbench: the benchmark driver (flags: vmbench --help). */
#include <vmbench/bench.h>

#include "list.h"

int main(int argc, char **argv)
{
	return bench_main(argc, argv, bench_tables);
}
