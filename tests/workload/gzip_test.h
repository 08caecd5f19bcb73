/* SPDX-License-Identifier: MIT */
/*
 * gzip_test(): @n bytes of @in compressed as one gzip member into @out
 * (@cap bytes, enough or the test fails); returns the member's length.
 * For the tests of the readers of compressed input (zlib built only).
 */
#ifndef VMBENCH_TESTS_GZIP_TEST_H
#define VMBENCH_TESTS_GZIP_TEST_H

#include <zlib.h>

#include "../test.h"

static inline size_t gzip_test(const char *in, size_t n, unsigned char *out,
			       size_t cap)
{
	z_stream z = { 0 };

	ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
			       Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

#endif
