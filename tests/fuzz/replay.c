/* SPDX-License-Identifier: MIT */
/*
 * main() for a fuzz target built without libFuzzer: run the target once on
 * each file named, or on each file of each directory named (sorted by
 * name, dot files skipped).  Exit 0 when every input ran, 2 when one could
 * not be read; a broken check abort()s as it would under libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	do {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(f);
				return 2;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		fclose(f);
		return 2;
	}
	fclose(f);
	/* An exact-size copy, so that a read past the input is caught. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			fprintf(stderr, "%s: out of memory\n", path);
			return 2;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	int inputs = 0, ret = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent **names;
		struct stat st;
		int n;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			ret |= run_file(argv[i]);
			inputs++;
			continue;
		}
		n = scandir(argv[i], &names, skip_dot, by_name);
		if (n < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		for (int k = 0; k < n; k++) {
			size_t len = strlen(argv[i]) + strlen(names[k]->d_name) + 2;
			char *path = malloc(len);

			if (!path) {
				fprintf(stderr, "out of memory\n");
				return 2;
			}
			snprintf(path, len, "%s/%s", argv[i], names[k]->d_name);
			ret |= run_file(path);
			inputs++;
			free(path);
			free(names[k]);
		}
		free(names);
	}
	if (!inputs) {
		fprintf(stderr, "no inputs given\n");
		return 2;
	}
	printf("%d inputs replayed\n", inputs);
	return ret;
}
