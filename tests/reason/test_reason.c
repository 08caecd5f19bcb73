/* SPDX-License-Identifier: MIT */
/* The reason carrier: every form reason_format() writes, NULL carriers. */
#include <errno.h>
#include <string.h>

#include <vmbench/reason.h>

#include "../test.h"

int main(void)
{
	struct reason r;
	char buf[256];

	reason_clear(&r);
	reason_format(&r, "t.tr", buf, sizeof(buf));
	ASSERT_STREQ(buf, "t.tr: unknown error");

	ASSERT_EQ(reason_fail(&r, -EINVAL, 12, "bad number '%s'", "0xg"),
		  -EINVAL);
	reason_format(&r, "t.tr", buf, sizeof(buf));
	ASSERT_STREQ(buf, "t.tr:12: bad number '0xg'");
	reason_format(&r, NULL, buf, sizeof(buf));
	ASSERT_STREQ(buf, "bad number '0xg'");

	ASSERT_EQ(reason_fail(&r, -EINVAL, 0, "empty trace"), -EINVAL);
	reason_format(&r, "t.tr", buf, sizeof(buf));
	ASSERT_STREQ(buf, "t.tr: empty trace");

	ASSERT_EQ(reason_fail_opt(&r, -ERANGE, "--accesses", "at most %d", 7),
		  -ERANGE);
	reason_format(&r, "t.tr", buf, sizeof(buf));
	ASSERT_STREQ(buf, "--accesses: at most 7");
	ASSERT_EQ(r.line, 0);

	/* A later reason_fail() forgets the option. */
	reason_fail(&r, -EUCLEAN, 3, "two\nlines");
	reason_format(&r, "f", buf, sizeof(buf));
	ASSERT_STREQ(buf, "f:3: two");

	/* NULL carriers are allowed everywhere. */
	ASSERT_EQ(reason_fail(NULL, -ENOMEM, 1, "x"), -ENOMEM);
	ASSERT_EQ(reason_fail_opt(NULL, -ENOMEM, "--x", "x"), -ENOMEM);
	reason_clear(NULL);
	reason_format(NULL, "f", buf, sizeof(buf));
	ASSERT_STREQ(buf, "f: unknown error");

	/* Truncation keeps a terminated string. */
	memset(buf, 'x', sizeof(buf));
	reason_fail(&r, -EINVAL, 5, "%s", "a long message");
	reason_format(&r, "file", buf, 8);
	ASSERT_STREQ(buf, "file:5:");
	return 0;
}
