/* SPDX-License-Identifier: MIT */
/*
 * vmap_check() in tests: run with stderr pointed at a scratch file the test
 * created, which must stay empty (a validator never prints), and either
 * pass or fail with exactly the expected reason.
 */
#ifndef VMBENCH_TESTS_VMAP_CHECK_H
#define VMBENCH_TESTS_VMAP_CHECK_H

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmbench/reason.h>
#include <vmbench/vmap.h>

#include "../test.h"

#ifndef EUCLEAN
#define EUCLEAN 117
#endif

static inline int check_quietly(const struct vmap *v, struct reason *why)
{
	static FILE *scratch;
	struct stat st;
	int saved, err;

	if (!scratch && !(scratch = tmpfile()))
		TEST_FAIL("tmpfile: %s", strerror(errno));
	saved = dup(2);
	ASSERT(saved >= 0);
	fflush(stderr);
	ASSERT(dup2(fileno(scratch), 2) == 2);
	reason_clear(why);
	err = vmap_check(v, why);
	fflush(stderr);
	ASSERT(dup2(saved, 2) == 2);
	close(saved);
	ASSERT(fstat(fileno(scratch), &st) == 0);
	ASSERT_EQ(st.st_size, 0);
	return err;
}

/* The structures of @v are sound; otherwise fail with the reason. */
#define ASSERT_CHECK_OK(v)                                                   \
	do {                                                                 \
		struct reason why_;                                          \
		if (check_quietly((v), &why_))                               \
			TEST_FAIL("vmap_check: %s", why_.msg);               \
	} while (0)

/* vmap_check() finds the damage and gives exactly @text as its reason. */
#define ASSERT_CHECK_FAILS(v, text)                                         \
	do {                                                                 \
		struct reason why_;                                          \
		ASSERT_EQ(check_quietly((v), &why_), -EUCLEAN);              \
		ASSERT_EQ(why_.line, 0);                                     \
		ASSERT_STREQ(why_.msg, (text));                              \
	} while (0)

#endif /* VMBENCH_TESTS_VMAP_CHECK_H */
