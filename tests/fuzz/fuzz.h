/* SPDX-License-Identifier: MIT */
/*
 * Shared by the fuzz targets of tests/fuzz: the entry point every target
 * defines and a check that survives NDEBUG.
 *
 * Each target is one LLVMFuzzerTestOneInput().  Built with clang and
 * -fsanitize=fuzzer (meson -Dfuzz=enabled, see scripts/fuzz) it is a
 * libFuzzer binary; otherwise replay.c supplies main() and the target
 * replays the committed corpus as an ordinary test.
 *
 * A target checks what the library promises, not only that it does not
 * crash: a broken promise prints FILE:LINE and the condition, then
 * abort()s, which libFuzzer reports as a crash and saves the input.
 */
#ifndef VMBENCH_FUZZ_H
#define VMBENCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbench/reason.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* Lines in @len bytes at @buf, counting an unterminated last one. */
static inline uint64_t fuzz_lines(const uint8_t *buf, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n + (len && buf[len - 1] != '\n');
}

/* A reader's error: a terminated, non-empty message and a line within
 * the @lines of the input (0: the input as a whole). */
static inline void fuzz_check_reason(const struct reason *err, uint64_t lines)
{
	FUZZ_CHECK(memchr(err->msg, '\0', sizeof(err->msg)));
	FUZZ_CHECK(err->msg[0] != '\0');
	FUZZ_CHECK(err->line <= lines);
}

#endif /* VMBENCH_FUZZ_H */
