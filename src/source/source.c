/* SPDX-License-Identifier: MIT */
/*
 * The byte source (source.h).  Two stages, both inside the ring's producer
 * callback fill(), so they run on the source's thread when it has one:
 *
 *   raw input (fd or memory) ──► in[] ──► decoder ──► chunk (ring slot)
 *
 * A plain input bypasses in[] once the bytes looked at for the magic are
 * used up: read() goes straight into the chunk.  The offset in messages
 * about compressed data is raw_off: compressed bytes the decoder consumed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmbench/ring.h>
#include <vmbench/source.h>

#ifdef VMBENCH_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef VMBENCH_HAVE_LZMA
#include <lzma.h>
#endif
#ifdef VMBENCH_HAVE_ZSTD
#include <zstd.h>
#endif

#define IN_SIZE (256u << 10)
#define NSLOTS 4

struct source {
	int fd;                 /* -1: memory */
	bool own_fd, eof;       /* eof: the raw input has no more bytes */
	const unsigned char *mem;
	size_t mem_len;
	unsigned char *in;      /* raw bytes not yet decoded: [pos, len) */
	size_t pos, len;
	uint64_t raw_off;       /* raw bytes handed to the decoder */
	enum source_codec codec;
	bool dec_init, at_end;  /* at_end: between members / frames */
	size_t chunk;
	bool thread;            /* fill() runs on the ring's thread */
	struct ring *ring;
#ifdef VMBENCH_HAVE_ZLIB
	z_stream z;
#endif
#ifdef VMBENCH_HAVE_LZMA
	lzma_stream x;
#endif
#ifdef VMBENCH_HAVE_ZSTD
	ZSTD_DStream *zs;
#endif
};

static const char *const codec_names[] = {
	[SOURCE_PLAIN] = "plain", [SOURCE_GZIP] = "gzip",
	[SOURCE_XZ] = "xz", [SOURCE_ZSTD] = "zstd",
};

const char *source_codec_name(enum source_codec c)
{
	return codec_names[c];
}

bool source_codec_built(enum source_codec c)
{
	switch (c) {
	case SOURCE_PLAIN:
		return true;
	case SOURCE_GZIP:
#ifdef VMBENCH_HAVE_ZLIB
		return true;
#else
		return false;
#endif
	case SOURCE_XZ:
#ifdef VMBENCH_HAVE_LZMA
		return true;
#else
		return false;
#endif
	case SOURCE_ZSTD:
#ifdef VMBENCH_HAVE_ZSTD
		return true;
#else
		return false;
#endif
	}
	return false;
}

enum source_codec source_codec(const struct source *s)
{
	return s->codec;
}

/*
 * Move the unread raw bytes to the front of in[] and read more after
 * them.  0 (s->eof set at the end of the input) or a negative errno.
 */
static int refill(struct source *s, struct reason *err)
{
	ssize_t got;

	if (s->fd < 0) {
		s->eof = true;
		return 0;
	}
	if (s->pos) {
		memmove(s->in, s->in + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
	}
	while (s->len < IN_SIZE) {
		got = read(s->fd, s->in + s->len, IN_SIZE - s->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return reason_fail(err, -errno, 0, "read error: %s",
					   strerror(errno));
		if (!got) {
			s->eof = true;
			break;
		}
		s->len += (size_t)got;
		break;
	}
	return 0;
}

static int plain_fill(struct source *s, char *out, size_t *outlen,
		      struct reason *err)
{
	size_t n = 0;

	while (n < s->chunk) {
		ssize_t got;

		if (s->pos < s->len) {
			size_t k = s->len - s->pos;

			if (k > s->chunk - n)
				k = s->chunk - n;
			memcpy(out + n, s->in + s->pos, k);
			s->pos += k;
			n += k;
			continue;
		}
		if (s->eof || s->fd < 0) {
			s->eof = true;
			break;
		}
		got = read(s->fd, out + n, s->chunk - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return reason_fail(err, -errno, 0, "read error: %s",
					   strerror(errno));
		if (!got)
			s->eof = true;
		n += (size_t)got;
	}
	*outlen = n;
	return n > 0;
}

__attribute__((unused))
static int truncated(struct source *s, struct reason *err)
{
	return reason_fail(err, -EPIPE, 0, "%s data truncated: the input "
			   "ends at byte %llu inside a compressed stream",
			   codec_names[s->codec],
			   (unsigned long long)s->raw_off);
}

__attribute__((unused))
static int corrupt(struct source *s, const char *why, struct reason *err)
{
	return reason_fail(err, -EBADMSG, 0, "corrupt %s data near byte "
			   "%llu: %s", codec_names[s->codec],
			   (unsigned long long)s->raw_off, why);
}

/*
 * One step of the decoder of s->codec: decode raw bytes in[pos, len) into
 * out[*n, chunk).  Advances pos, raw_off and *n; sets at_end when a
 * member / stream / frame ended with its last byte consumed.
 * 0 or a negative errno.
 */
static int decode_step(struct source *s, char *out, size_t *n,
		       struct reason *err)
{
	size_t in_avail = s->len - s->pos, used = 0, made = 0;

	(void)in_avail;   /* unused in a build without decoders */

	switch (s->codec) {
#ifdef VMBENCH_HAVE_ZLIB
	case SOURCE_GZIP: {
		int zr;

		if (s->at_end) {
			/* Another member follows. */
			if (inflateReset(&s->z) != Z_OK)
				return corrupt(s, "inflateReset failed", err);
			s->at_end = false;
		}
		s->z.next_in = s->in + s->pos;
		s->z.avail_in = (uInt)in_avail;
		s->z.next_out = (Bytef *)out + *n;
		s->z.avail_out = (uInt)(s->chunk - *n);
		zr = inflate(&s->z, Z_NO_FLUSH);
		used = in_avail - s->z.avail_in;
		made = s->chunk - *n - s->z.avail_out;
		if (zr == Z_STREAM_END)
			s->at_end = true;
		else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT ||
			 zr == Z_STREAM_ERROR)
			return s->raw_off += used,
			       corrupt(s, s->z.msg ? s->z.msg : "bad data",
				       err);
		else if (zr == Z_MEM_ERROR)
			return reason_fail(err, -ENOMEM, 0, "out of memory");
		break;
	}
#endif
#ifdef VMBENCH_HAVE_LZMA
	case SOURCE_XZ: {
		lzma_ret xr;

		s->x.next_in = s->in + s->pos;
		s->x.avail_in = in_avail;
		s->x.next_out = (uint8_t *)out + *n;
		s->x.avail_out = s->chunk - *n;
		xr = lzma_code(&s->x, s->eof ? LZMA_FINISH : LZMA_RUN);
		used = in_avail - s->x.avail_in;
		made = s->chunk - *n - s->x.avail_out;
		if (xr == LZMA_STREAM_END) {
			s->at_end = true;
		} else if (xr == LZMA_BUF_ERROR && s->eof) {
			s->raw_off += used;
			return truncated(s, err);
		} else if (xr == LZMA_MEM_ERROR) {
			return reason_fail(err, -ENOMEM, 0, "out of memory");
		} else if (xr != LZMA_OK && xr != LZMA_BUF_ERROR) {
			s->raw_off += used;
			return corrupt(s, xr == LZMA_FORMAT_ERROR ?
				       "not xz data" : xr == LZMA_DATA_ERROR ?
				       "bad data" : xr == LZMA_MEMLIMIT_ERROR ?
				       "memory limit" : "decoder error", err);
		}
		break;
	}
#endif
#ifdef VMBENCH_HAVE_ZSTD
	case SOURCE_ZSTD: {
		ZSTD_inBuffer ib = { s->in + s->pos, in_avail, 0 };
		ZSTD_outBuffer ob = { out + *n, s->chunk - *n, 0 };
		size_t zr = ZSTD_decompressStream(s->zs, &ob, &ib);

		used = ib.pos;
		made = ob.pos;
		if (ZSTD_isError(zr)) {
			s->raw_off += used;
			return corrupt(s, ZSTD_getErrorName(zr), err);
		}
		/* 0: a frame ended and is flushed. */
		s->at_end = zr == 0;
		break;
	}
#endif
	default:
		return reason_fail(err, -ENOTSUP, 0, "no %s decoder",
				   codec_names[s->codec]);
	}
	s->pos += used;
	s->raw_off += used;
	*n += made;
	if (!used && !made && s->pos == s->len && s->eof) {
		if (s->at_end)
			return 0;
		return truncated(s, err);
	}
	return 0;
}

static int decode_fill(struct source *s, char *out, size_t *outlen,
		       struct reason *err)
{
	size_t n = 0;
	int ret;

	while (n < s->chunk) {
		if (s->pos == s->len && !s->eof && (ret = refill(s, err)))
			return ret;
		/* The input is used up after a whole member / frame. */
		if (s->pos == s->len && s->eof && s->at_end)
			break;
		/* Else step, also with no input left: the decoder may hold
		 * output still, and reports a stream cut short. */
		if ((ret = decode_step(s, out, &n, err)))
			return ret;
	}
	*outlen = n;
	return n > 0;
}

static int fill(void *ctx, void *buf, size_t *len, struct reason *err)
{
	struct source *s = ctx;
	int ret = s->codec == SOURCE_PLAIN ? plain_fill(s, buf, len, err) :
		  decode_fill(s, buf, len, err);

	if (ret == 1)
		memset((char *)buf + *len, 0, SOURCE_PAD);
	return ret;
}

static int start_decoder(struct source *s, struct reason *err)
{
	switch (s->codec) {
	case SOURCE_PLAIN:
		return 0;
#ifdef VMBENCH_HAVE_ZLIB
	case SOURCE_GZIP:
		/* 15 + 16: a gzip wrapper, the largest window. */
		if (inflateInit2(&s->z, 15 + 16) != Z_OK)
			break;
		s->dec_init = true;
		return 0;
#endif
#ifdef VMBENCH_HAVE_LZMA
	case SOURCE_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;

		s->x = init;
		if (lzma_stream_decoder(&s->x, UINT64_MAX,
					LZMA_CONCATENATED) != LZMA_OK)
			break;
		s->dec_init = true;
		return 0;
	}
#endif
#ifdef VMBENCH_HAVE_ZSTD
	case SOURCE_ZSTD:
		s->zs = ZSTD_createDStream();
		if (!s->zs)
			break;
		s->dec_init = true;
		return 0;
#endif
	default:
		return reason_fail(err, -ENOTSUP, 0, "%s-compressed input, but "
				   "this build has no %s decoder (meson "
				   "option compression)",
				   codec_names[s->codec],
				   codec_names[s->codec]);
	}
	return reason_fail(err, -ENOMEM, 0, "cannot start the %s decoder",
			   codec_names[s->codec]);
}

static enum source_codec sniff(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return SOURCE_GZIP;
	if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
		return SOURCE_XZ;
	if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return SOURCE_ZSTD;
	return SOURCE_PLAIN;
}

/* The rest of opening, shared by files and memory. */
static int finish_open(struct source **sp, struct source *s,
		       const struct source_opts *o, struct reason *err)
{
	int ret;

	s->chunk = o && o->chunk ? o->chunk : SOURCE_CHUNK_DEFAULT;

	/* Look at the first bytes: at least 6 unless the input is shorter. */
	while (s->fd >= 0 && s->len < 6 && !s->eof) {
		if ((ret = refill(s, err)))
			goto fail;
	}
	s->codec = sniff(s->in + s->pos, s->len - s->pos);
	if ((ret = start_decoder(s, err)))
		goto fail;
	s->thread = o && (o->thread || (o->thread_compressed &&
					s->codec != SOURCE_PLAIN));
	ret = ring_start(&s->ring, NSLOTS, s->chunk, SOURCE_PAD,
			 s->thread, fill, s);
	if (ret) {
		reason_fail(err, ret, 0, "cannot start reading: %s",
			    strerror(-ret));
		goto fail;
	}
	*sp = s;
	return 0;
fail:
	source_close(s);
	return ret;
}

int source_open(struct source **sp, const char *path,
		const struct source_opts *o, struct reason *err)
{
	struct source *s = calloc(1, sizeof(*s));

	*sp = NULL;
	if (!s || !(s->in = malloc(IN_SIZE))) {
		free(s);
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	}
	if (!strcmp(path, "-")) {
		s->fd = 0;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			int e = errno;

			free(s->in);
			free(s);
			return reason_fail(err, -e, 0, "cannot open: %s",
					   strerror(e));
		}
		s->own_fd = true;
	}
	return finish_open(sp, s, o, err);
}

int source_open_mem(struct source **sp, const void *buf, size_t len,
		    const struct source_opts *o, struct reason *err)
{
	struct source *s = calloc(1, sizeof(*s));

	*sp = NULL;
	if (!s)
		return reason_fail(err, -ENOMEM, 0, "out of memory");
	s->fd = -1;
	/* The buffer is the raw input, all of it read already. */
	s->in = (unsigned char *)buf;
	s->len = len;
	s->eof = true;
	return finish_open(sp, s, o, err);
}

int source_next(struct source *s, const char **p, size_t *len,
		struct reason *err)
{
	void *buf;
	int ret = ring_next(s->ring, &buf, len, err);

	if (ret == 1)
		*p = buf;
	return ret;
}

int source_next_into(struct source *s, char *buf, size_t *len,
		     struct reason *err)
{
	const char *p;
	int ret;

	if (!s->thread)
		return fill(s, buf, len, err);
	ret = source_next(s, &p, len, err);
	if (ret == 1)
		memcpy(buf, p, *len + SOURCE_PAD);
	return ret;
}

size_t source_chunk_size(const struct source *s)
{
	return s->chunk;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	ring_stop(s->ring);
	if (s->dec_init) {
		switch (s->codec) {
#ifdef VMBENCH_HAVE_ZLIB
		case SOURCE_GZIP:
			inflateEnd(&s->z);
			break;
#endif
#ifdef VMBENCH_HAVE_LZMA
		case SOURCE_XZ:
			lzma_end(&s->x);
			break;
#endif
#ifdef VMBENCH_HAVE_ZSTD
		case SOURCE_ZSTD:
			ZSTD_freeDStream(s->zs);
			break;
#endif
		default:
			break;
		}
	}
	if (s->own_fd)
		close(s->fd);
	if (s->fd >= 0)
		free(s->in);
	free(s);
}
