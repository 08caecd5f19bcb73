/* SPDX-License-Identifier: MIT */
/*
 * source — the bytes of an input, a chunk at a time: a file, standard
 * input or a buffer in memory, plain or compressed (gzip, xz, zstd,
 * recognised by their magic bytes, never by a file name).  Memory is
 * bounded whatever the input's length: the ring of chunks, the input
 * buffer and the decoder's window.  With @thread the reading and
 * decompression run on a thread of their own, a chunk or more ahead of
 * the consumer (ring.h).
 *
 * A plain (uncompressed) regular file opened by name is mapped instead of
 * read: its chunks point into the mapping, with no copy, no ring and no
 * thread (@thread is moot), and the pages of chunks done with are given
 * back, so memory stays bounded too (a chunk or two of the file's pages,
 * at least RELEASE_MIN, source.c).  A mapped file that shrinks while it
 * is read is an error (source_check()), not a SIGBUS: a handler of the
 * source's own is installed for SIGBUS while a file is mapped, and passes
 * on every fault that is not in a mapping of its own to the handler that
 * was there before (which is put back when the last mapped source is
 * closed).  A mapped file that grows is read to the length it
 * had when it was opened.
 *
 * Errors: 0 / 1 or a negative errno, with the reason in the caller's
 * struct reason at line 0 (a compressed input's fault names the byte
 * offset of the compressed data in the message).  Nothing here prints.
 */
#ifndef VMBENCH_SOURCE_H
#define VMBENCH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmbench/reason.h>

struct source;

enum source_codec {
	SOURCE_PLAIN,
	SOURCE_GZIP,    /* 1f 8b; every member of a multi-member file */
	SOURCE_XZ,      /* fd 37 7a 58 5a 00; concatenated streams too */
	SOURCE_ZSTD,    /* 28 b5 2f fd; every frame */
};

/* Readable zero bytes after the end of every chunk (see ring.h). */
#define SOURCE_PAD 64

/* The default chunk: 1 MiB of decompressed bytes. */
#define SOURCE_CHUNK_DEFAULT (1u << 20)

struct source_opts {
	size_t chunk;           /* bytes per chunk; 0: the default */
	bool thread;            /* read and decompress on a thread */
	bool thread_compressed; /* the same, for a compressed input only */
};

/*
 * Open @path ("-" is standard input) and look at its first bytes.
 * @o NULL: the defaults.  -errno of open() with the reason; -ENOTSUP when
 * the input is compressed with a codec this build lacks (the reason names
 * it); -ENOMEM.
 */
int source_open(struct source **s, const char *path,
		const struct source_opts *o, struct reason *err);

/*
 * The same over @len bytes at @buf, which must stay valid until
 * source_close(); a chunk of @o->chunk bytes (as small as 1) lets tests
 * and fuzz targets split records anywhere.
 */
int source_open_mem(struct source **s, const void *buf, size_t len,
		    const struct source_opts *o, struct reason *err);

/*
 * The next chunk of (decompressed) bytes: *p, *len > 0, followed by
 * SOURCE_PAD readable bytes; valid until the next call or source_close().
 * Those bytes are zero, except after a mapped file's chunk that is not
 * its last: they are then the file's next bytes, and the chunk ends just
 * after a newline whenever its window (source_chunk_size() bytes) holds
 * one, so that text after it never continues its last line.
 * Returns 1, 0 at the end, or a negative errno with @err filled: -EIO
 * (or the read's errno) for a read error or a mapped file that shrank,
 * -EBADMSG for corrupt compressed data, -EPIPE for compressed data that
 * ends before its stream does.  The bytes decoded or read before an error
 * all come out before it, and for a compressed input the bytes and the
 * error do not depend on the chunk size.
 */
int source_next(struct source *s, const char **p, size_t *len,
		struct reason *err);

/*
 * The same, into @buf of source_chunk_size() + SOURCE_PAD bytes of the
 * caller's (the next chunk, then SOURCE_PAD zero bytes), so a reader
 * that keeps chunks longer than one call needs no ring of its own: an
 * input read on the caller's thread goes straight into @buf.  Use one of
 * source_next() and this on a source, never both.
 */
int source_next_into(struct source *s, char *buf, size_t *len,
		     struct reason *err);

/*
 * Whether @s reads a mapped file.  Its chunks then lie one after the
 * other in memory (a chunk's first byte follows the previous chunk's
 * last) and, taken with source_next_mapped(), stay valid until
 * source_close(): a reader may keep several, and parse across the edge
 * of two, with no copy.
 */
bool source_mapped(const struct source *s);

/*
 * A mapped input: source_next(), but the memory of the chunks before is
 * not given back; source_release() does that (and so does a later
 * source_next(), for the bytes before its chunk).  -EINVAL for an input
 * that is not mapped.
 */
int source_next_mapped(struct source *s, const char **p, size_t *len,
		       struct reason *err);

/*
 * A mapped input: the bytes before @p (within the mapping) are not
 * needed again; their pages are given back (whole pages, at least
 * RELEASE_MIN bytes at a time), and would be read again from the file
 * if touched.  Nothing for an input that is not mapped.  May run on a
 * thread other than the one taking chunks with source_next_mapped(),
 * one call at a time (source_next() releases too: not at the same time).
 */
void source_release(struct source *s, const char *p);

/*
 * -EIO with the reason when a mapped file shrank while it was read (its
 * bytes past the new end read as zero), else 0.  For a reader whose
 * parse failed: the error is then this, not what the zeros looked like.
 */
int source_check(const struct source *s, struct reason *err);

/* The most bytes a chunk holds. */
size_t source_chunk_size(const struct source *s);

/* The codec recognised, and its name ("plain", "gzip", "xz", "zstd"). */
enum source_codec source_codec(const struct source *s);
const char *source_codec_name(enum source_codec c);

/* Whether this build decodes @c (SOURCE_PLAIN always). */
bool source_codec_built(enum source_codec c);

/* Close the input (never standard input), unmap it, free everything. */
void source_close(struct source *s);

#endif /* VMBENCH_SOURCE_H */
