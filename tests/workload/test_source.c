/* SPDX-License-Identifier: MIT */
/*
 * The byte source: plain and compressed inputs (every codec this build
 * has, compressed here with the same libraries) read back byte for byte
 * with chunks of 1 byte to the default, with and without the reading
 * thread; several gzip members and zstd frames in a row; every
 * truncation of a compressed input and corruption of a checksummed one
 * is an error with a reason, never a silent short read; a file and a
 * missing file.  Mapped files: every size around a page and a chunk,
 * text and bytes without newlines, the chunks' ends and what follows
 * them, chunks that stay valid, a compressed file (read, not mapped), a
 * file that shrinks under the mapping (an error, not a SIGBUS), and the
 * SIGBUS handler that was there before.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmbench/rng.h>
#include <vmbench/source.h>

#ifdef VMBENCH_HAVE_ZLIB
#include "gzip_test.h"
#endif
#ifdef VMBENCH_HAVE_LZMA
#include <lzma.h>
#endif
#ifdef VMBENCH_HAVE_ZSTD
#include <zstd.h>
#endif

#include "../test.h"

#define SEED 42

/* Read all of @s; its return code, the bytes in *out (*len). */
static int drain(struct source *s, char **out, size_t *len,
		 struct reason *err)
{
	const char *p;
	size_t n, cap = 1024;
	int ret;

	*out = malloc(cap);
	*len = 0;
	ASSERT(*out);
	while ((ret = source_next(s, &p, &n, err)) == 1) {
		ASSERT(n > 0);
		/* The padding is there and zero (a mapped file: below). */
		for (size_t i = 0; i < SOURCE_PAD && !source_mapped(s); i++)
			ASSERT_EQ(p[n + i], 0);
		while (*len + n > cap) {
			cap *= 2;
			*out = realloc(*out, cap);
			ASSERT(*out);
		}
		memcpy(*out + *len, p, n);
		*len += n;
	}
	/* The end and an error are final. */
	ASSERT_EQ(source_next(s, &p, &n, NULL), ret);
	return ret;
}

/* @z decodes to exactly @want, at several chunk sizes, both ways. */
static void check_decodes(const void *z, size_t zlen, const char *want,
			  size_t wlen, enum source_codec codec)
{
	static const size_t chunks[] = { 1, 3, 64, 4093, 0 };

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		for (int th = 0; th < 2; th++) {
			struct source_opts o = { .chunk = chunks[c],
						 .thread = th };
			struct reason err = { 0 };
			struct source *s;
			char *got;
			size_t len;

			if (chunks[c] == 1 && wlen > 200000)
				continue;
			if (source_open_mem(&s, z, zlen, &o, &err))
				TEST_FAIL("open: %s", err.msg);
			ASSERT_EQ(source_codec(s), codec);
			if (drain(s, &got, &len, &err))
				TEST_FAIL("%s, chunk %zu: %s",
					  source_codec_name(codec), chunks[c],
					  err.msg);
			ASSERT_EQ(len, wlen);
			ASSERT(!memcmp(got, want, wlen));
			free(got);
			source_close(s);
		}
	}
}

/*
 * @z (@zlen bytes) read again with 61-byte chunks on the caller's thread
 * gives what a read with @chunk-byte chunks gave: @ret after the @len
 * bytes @got, with the message @msg for an error.  What comes before a
 * bad spot, and the error, must not depend on the chunk size.
 */
static void same_in_small_chunks(const void *z, size_t zlen, size_t chunk,
				 int ret, const char *got, size_t len,
				 const char *msg, enum source_codec codec,
				 const char *how, size_t at)
{
	struct source_opts o = { .chunk = 61 };
	struct reason err = { 0 };
	struct source *s;
	char *got2;
	size_t len2;
	int ret2;

	ASSERT_OK(source_open_mem(&s, z, zlen, &o, &err));
	ret2 = drain(s, &got2, &len2, &err);
	if (ret2 != ret || len2 != len || memcmp(got2, got, len) ||
	    (ret && strcmp(err.msg, msg)))
		TEST_FAIL("%s %s %zu: %d after %zu bytes (%s) with "
			  "%zu-byte chunks, %d after %zu (%s) with 61",
			  source_codec_name(codec), how, at, ret, len,
			  ret ? msg : "", chunk, ret2, len2,
			  ret2 ? err.msg : "");
	free(got2);
	source_close(s);
}

/*
 * Every cut of @z after its magic fails (-EPIPE or -EBADMSG) with a
 * reason that names the codec; the bytes before the failure are a prefix
 * of @want, and the same with 61-byte chunks (same_in_small_chunks()): a
 * chunk the error cuts short still comes out before the error.
 */
__attribute__((unused))
static void check_truncations(const unsigned char *z, size_t zlen,
			      const char *want, size_t wlen,
			      enum source_codec codec, size_t step)
{
	for (size_t cut = 6; cut < zlen; cut += step) {
		struct source_opts o = { .chunk = 512, .thread = cut & 1 };
		struct reason err = { 0 };
		struct source *s;
		char *got;
		size_t len;
		int ret;

		ASSERT_OK(source_open_mem(&s, z, cut, &o, &err));
		ret = drain(s, &got, &len, &err);
		if (ret != -EPIPE && ret != -EBADMSG)
			TEST_FAIL("%s cut at %zu of %zu: %d",
				  source_codec_name(codec), cut, zlen, ret);
		ASSERT(strstr(err.msg, source_codec_name(codec)));
		ASSERT_EQ(err.line, 0);
		ASSERT(len <= wlen);
		ASSERT(!memcmp(got, want, len));
		source_close(s);
		same_in_small_chunks(z, cut, o.chunk, ret, got, len, err.msg,
				     codec, "cut at", cut);
		free(got);
	}
}

/*
 * Flip each of some bytes of @z: an error, never a clean wrong read, and
 * the same read with 61-byte chunks (same_in_small_chunks()).
 */
__attribute__((unused))
static void check_corruptions(unsigned char *z, size_t zlen,
			      const char *want, size_t wlen,
			      enum source_codec codec)
{
	struct rng r;

	rng_seed(&r, SEED);
	for (int i = 0; i < 200; i++) {
		size_t at = 6 + rng_below(&r, zlen - 6);
		unsigned char was = z[at];
		struct source_opts o = { .chunk = 4096, .thread = i & 1 };
		struct reason err = { 0 };
		struct source *s;
		char *got;
		size_t len;
		int ret;

		z[at] ^= (unsigned char)(1 + rng_below(&r, 255));
		ASSERT_OK(source_open_mem(&s, z, zlen, &o, &err));
		ret = drain(s, &got, &len, &err);
		if (!ret && (len != wlen || memcmp(got, want, wlen)))
			TEST_FAIL("%s: byte %zu flipped read back wrong data "
				  "without an error", source_codec_name(codec),
				  at);
		if (ret)
			ASSERT(ret == -EBADMSG || ret == -EPIPE);
		source_close(s);
		same_in_small_chunks(z, zlen, o.chunk, ret, got, len, err.msg,
				     codec, "byte flipped:", at);
		free(got);
		z[at] = was;
	}
}

/* A text trace-like input of @n bytes. */
static char *make_text(size_t n)
{
	char *t = malloc(n);
	struct rng r;

	ASSERT(t);
	rng_seed(&r, SEED);
	for (size_t i = 0; i < n; i++)
		t[i] = rng_below(&r, 16) == 0 ? '\n' :
		       "0123456789abcdef L,"[rng_below(&r, 19)];
	return t;
}

static void plain(void)
{
	char *t = make_text(300000);

	check_decodes(t, 300000, t, 300000, SOURCE_PLAIN);
	check_decodes(t, 1000, t, 1000, SOURCE_PLAIN);
	check_decodes(t, 0, t, 0, SOURCE_PLAIN);
	/* A prefix of a magic number is plain data. */
	check_decodes("\x1f", 1, "\x1f", 1, SOURCE_PLAIN);
	check_decodes("\x28\xb5\x2f", 3, "\x28\xb5\x2f", 3, SOURCE_PLAIN);
	free(t);
}

static void gzip_input(void)
{
#ifdef VMBENCH_HAVE_ZLIB
	size_t n = 300000, cap = n + 4096, a, b;
	char *t = make_text(n);
	unsigned char *z = malloc(2 * cap);

	ASSERT(z);
	a = gzip_test(t, n, z, cap);
	check_decodes(z, a, t, n, SOURCE_GZIP);
	/* Two members: the two halves. */
	a = gzip_test(t, n / 2, z, cap);
	b = gzip_test(t + n / 2, n - n / 2, z + a, cap);
	check_decodes(z, a + b, t, n, SOURCE_GZIP);
	a = gzip_test(t, 3000, z, cap);
	check_truncations(z, a, t, 3000, SOURCE_GZIP, 1);
	check_corruptions(z, a, t, 3000, SOURCE_GZIP);
	free(z);
	free(t);
#else
	ASSERT(!source_codec_built(SOURCE_GZIP));
#endif
}

static void xz_input(void)
{
#ifdef VMBENCH_HAVE_LZMA
	size_t n = 300000, cap = n + 4096, a = 0, b = 0;
	char *t = make_text(n);
	unsigned char *z = malloc(2 * cap);

	ASSERT(z);
	ASSERT_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
					  (const uint8_t *)t, n, z, &a, cap),
		  LZMA_OK);
	check_decodes(z, a, t, n, SOURCE_XZ);
	a = 0;
	ASSERT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL,
					  (const uint8_t *)t, n / 2, z, &a,
					  cap), LZMA_OK);
	b = a;
	ASSERT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL,
					  (const uint8_t *)t + n / 2,
					  n - n / 2, z, &b, 2 * cap), LZMA_OK);
	check_decodes(z, b, t, n, SOURCE_XZ);
	a = 0;
	ASSERT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL,
					  (const uint8_t *)t, 3000, z, &a,
					  cap), LZMA_OK);
	check_truncations(z, a, t, 3000, SOURCE_XZ, 1);
	check_corruptions(z, a, t, 3000, SOURCE_XZ);
	free(z);
	free(t);
#else
	ASSERT(!source_codec_built(SOURCE_XZ));
#endif
}

static void zstd_input(void)
{
#ifdef VMBENCH_HAVE_ZSTD
	size_t n = 300000, cap = ZSTD_compressBound(n), a, b;
	char *t = make_text(n);
	unsigned char *z = malloc(2 * cap);

	ASSERT(z);
	a = ZSTD_compress(z, cap, t, n, 3);
	ASSERT(!ZSTD_isError(a));
	check_decodes(z, a, t, n, SOURCE_ZSTD);
	a = ZSTD_compress(z, cap, t, n / 2, 3);
	b = ZSTD_compress(z + a, cap, t + n / 2, n - n / 2, 3);
	ASSERT(!ZSTD_isError(a) && !ZSTD_isError(b));
	check_decodes(z, a + b, t, n, SOURCE_ZSTD);
	a = ZSTD_compress(z, cap, t, 3000, 3);
	check_truncations(z, a, t, 3000, SOURCE_ZSTD, 1);
	free(z);
	free(t);
#else
	ASSERT(!source_codec_built(SOURCE_ZSTD));
#endif
}

static void files(void)
{
	char path[] = "/tmp/vmbench-source-XXXXXX";
	int fd = mkstemp(path);
	char *t = make_text(3000000), *got;
	struct reason err = { 0 };
	struct source *s;
	size_t len;

	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, t, 3000000), 3000000);
	close(fd);
	for (int th = 0; th < 2; th++) {
		struct source_opts o = { .chunk = 0, .thread = th };

		ASSERT_OK(source_open(&s, path, &o, &err));
		ASSERT_OK(drain(s, &got, &len, &err));
		ASSERT_EQ(len, 3000000);
		ASSERT(!memcmp(got, t, len));
		free(got);
		source_close(s);
	}
	unlink(path);
	ASSERT_EQ(source_open(&s, path, NULL, &err), -ENOENT);
	ASSERT(strstr(err.msg, "cannot open"));
	ASSERT(s == NULL);
	free(t);
}

/* A file of @n bytes of @t; its name in @path (for unlink()). */
static void write_file(char path[32], const void *t, size_t n)
{
	int fd;

	strcpy(path, "/tmp/vmbench-source-XXXXXX");
	fd = mkstemp(path);
	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, t, n), (ssize_t)n);
	close(fd);
}

/*
 * Read the mapped file @path of @t, @n bytes (n > 0), with chunks of
 * @chunk, through source_next() or (@keep) source_next_mapped(): the
 * chunks follow each other, each as long as allowed, ending after the
 * last newline of its window unless it is the last; the SOURCE_PAD bytes
 * after a chunk are the file's next ones, zero past its end; with @keep
 * every chunk is still there at the end, after source_release().
 */
static void check_mapped(const char *path, const char *t, size_t n,
			 size_t chunk, bool keep)
{
	struct source_opts o = { .chunk = chunk, .thread = true };
	struct reason err = { 0 };
	const char *first = NULL, *p, *next = NULL;
	size_t len, at = 0, win;
	struct source *s;
	int ret;

	ASSERT_OK(source_open(&s, path, &o, &err));
	ASSERT(source_mapped(s));
	ASSERT_EQ(source_codec(s), SOURCE_PLAIN);
	while ((ret = keep ? source_next_mapped(s, &p, &len, &err) :
		      source_next(s, &p, &len, &err)) == 1) {
		ASSERT(len > 0);
		if (!first)
			first = p;
		else
			ASSERT(p == next);
		next = p + len;
		win = n - at < chunk ? n - at : chunk;
		ASSERT_LE(len, win);
		if (at + len < n && memchr(t + at, '\n', win)) {
			/* The window's last newline ends the chunk. */
			ASSERT_EQ(p[len - 1], '\n');
			ASSERT(!memchr(p + len, '\n', win - len));
		} else {
			ASSERT_EQ(len, win);
		}
		ASSERT(!memcmp(p, t + at, len));
		for (size_t i = 0; i < SOURCE_PAD; i++)
			ASSERT_EQ(p[len + i], at + len + i < n ?
				  t[at + len + i] : 0);
		at += len;
		if (keep)
			source_release(s, p);
	}
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(at, n);
	ASSERT_EQ(source_next(s, &p, &len, &err), 0);
	ASSERT_OK(source_check(s, &err));
	if (keep)
		ASSERT(!memcmp(first, t, n));
	source_close(s);
}

static void mapped(void)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	const size_t sizes[] = { 1, 2, 63, 64, 65, pg - 1, pg, pg + 1,
				 2 * pg, 3 * pg + 17, 1000000 };
	const size_t chunks[] = { 1, 64, 1000, pg - 1, pg, pg + 1, 0 };
	char *t = make_text(1000000), *b = malloc(1000000), path[32];
	struct reason err = { 0 };
	struct rng g;
	struct source *s;
	const char *p;
	size_t len;

	ASSERT(b);
	rng_seed(&g, SEED);
	/* Bytes with newlines only now and then: windows without one. */
	for (size_t i = 0; i < 1000000; i++)
		b[i] = rng_below(&g, 5000) ? (char)(' ' + rng_below(&g, 90)) :
		       '\n';
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int bin = 0; bin < 2; bin++) {
			const char *d = bin ? b : t;

			write_file(path, d, sizes[i]);
			for (size_t c = 0; c < sizeof(chunks) /
						sizeof(chunks[0]); c++) {
				size_t ch = chunks[c] ? chunks[c] :
					    SOURCE_CHUNK_DEFAULT;

				if (ch < 64 && sizes[i] > 100000)
					continue;
				check_mapped(path, d, sizes[i], ch, false);
				check_mapped(path, d, sizes[i], ch, true);
			}
			unlink(path);
		}
	}
	/* Empty: read (there is nothing to map), at its end at once. */
	write_file(path, "", 0);
	ASSERT_OK(source_open(&s, path, NULL, &err));
	ASSERT(!source_mapped(s));
	ASSERT_EQ(source_next(s, &p, &len, &err), 0);
	ASSERT_EQ(source_next_mapped(s, &p, &len, &err), -EINVAL);
	source_close(s);
	unlink(path);
#ifdef VMBENCH_HAVE_ZLIB
	{
		/* A compressed file is recognised in the mapping, then read. */
		unsigned char *z = malloc(1100000);
		size_t zl;
		char *got;

		ASSERT(z);
		zl = gzip_test(t, 1000000, z, 1100000);
		write_file(path, z, zl);
		ASSERT_OK(source_open(&s, path, NULL, &err));
		ASSERT(!source_mapped(s));
		ASSERT_EQ(source_codec(s), SOURCE_GZIP);
		ASSERT_OK(drain(s, &got, &len, &err));
		ASSERT_EQ(len, 1000000);
		ASSERT(!memcmp(got, t, len));
		free(got);
		source_close(s);
		unlink(path);
		free(z);
	}
#endif
	free(b);
	free(t);
}

static volatile sig_atomic_t old_handler_ran;

static void old_handler(int sig)
{
	(void)sig;
	old_handler_ran = 1;
}

/*
 * A file cut to two pages under the mapping: the chunks after them are
 * zeros and an error (-EIO, "shrank"), not a SIGBUS; a SIGBUS that is
 * not about a mapping goes to the handler installed before, which is
 * back in place after source_close().
 */
static void shrinking(void)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = 64 * pg;
	struct source_opts o = { .chunk = 4 * pg };
	char *t = make_text(n), path[32];
	struct reason err = { 0 };
	struct sigaction sa, now;
	struct source *s;
	const char *p;
	size_t len, at = 0;
	int ret, status;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = old_handler;
	sigemptyset(&sa.sa_mask);
	ASSERT_OK(sigaction(SIGBUS, &sa, NULL));
	write_file(path, t, n);
	ASSERT_OK(source_open(&s, path, &o, &err));
	ASSERT(source_mapped(s));
	ASSERT_EQ(source_next(s, &p, &len, &err), 1);
	at = len;
	ASSERT_OK(truncate(path, (off_t)(2 * pg)));
	while ((ret = source_next(s, &p, &len, &err)) == 1) {
		/* Bytes past the new end read as zero, never as others. */
		for (size_t i = 0; i < len; i++)
			ASSERT(p[i] == t[at + i] || !p[i]);
		at += len;
	}
	ASSERT_EQ(ret, -EIO);
	ASSERT(strstr(err.msg, "shrank"));
	ASSERT_EQ(source_check(s, &err), -EIO);
	ASSERT_EQ(source_next(s, &p, &len, &err), -EIO);
	/* Not a fault in a mapping: the handler before. */
	raise(SIGBUS);
	ASSERT(old_handler_ran);
	source_close(s);
	ASSERT_OK(sigaction(SIGBUS, NULL, &now));
	ASSERT(now.sa_handler == old_handler);
	signal(SIGBUS, SIG_DFL);
	/* With no handler before, a SIGBUS not about a mapping still ends
	 * the process by SIGBUS. */
	pid = fork();
	ASSERT(pid >= 0);
	if (!pid) {
		if (source_open(&s, path, &o, &err) || !source_mapped(s))
			_exit(3);
		raise(SIGBUS);
		_exit(4);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGBUS);
	unlink(path);
	free(t);
}

int main(void)
{
	mapped();
	shrinking();
	plain();
	gzip_input();
	xz_input();
	zstd_input();
	files();
	return 0;
}
