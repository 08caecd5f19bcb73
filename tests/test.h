/* SPDX-License-Identifier: MIT */
/*
 * Assertions for vmbench's tests.  They hold under NDEBUG, print both sides
 * with file:line, and end the test with a failure status.
 */
#ifndef VMBENCH_TEST_H
#define VMBENCH_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_FAIL(...)                                                       \
	do {                                                                 \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);              \
		fprintf(stderr, __VA_ARGS__);                                \
		fputc('\n', stderr);                                         \
		exit(1);                                                     \
	} while (0)

#define ASSERT(cond)                                                         \
	do {                                                                 \
		if (!(cond))                                                 \
			TEST_FAIL("assertion failed: %s", #cond);            \
	} while (0)

/* Compare as 64-bit integers, print both in decimal and hex. */
#define ASSERT_CMP(a, op, b)                                                 \
	do {                                                                 \
		int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                \
		if (!((uint64_t)a_ op (uint64_t)b_))                         \
			TEST_FAIL("%s %s %s: %" PRId64 " (%#" PRIx64 ") vs "  \
				  "%" PRId64 " (%#" PRIx64 ")", #a, #op, #b, \
				  a_, (uint64_t)a_, b_, (uint64_t)b_);       \
	} while (0)

#define ASSERT_EQ(a, b) ASSERT_CMP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_CMP(a, <, b)
#define ASSERT_LE(a, b) ASSERT_CMP(a, <=, b)

#define ASSERT_STREQ(a, b)                                                   \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (strcmp(a_, b_) != 0)                                     \
			TEST_FAIL("%s == %s: \"%s\" vs \"%s\"", #a, #b, a_,  \
				  b_);                                       \
	} while (0)

/* A library call that must succeed (return 0). */
#define ASSERT_OK(expr) ASSERT_EQ(expr, 0)

#endif /* VMBENCH_TEST_H */
