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
 *
 * A plain regular file opened by name is mapped instead, and its chunks
 * point into the mapping (no ring, no thread, no copy):
 *
 *   base                                   map_len
 *   [ released | chunk | chunk | ... | tail ]000...0[ zero page ]
 *   <- MADV_DONTNEED ->                      ^ the kernel zero-fills the
 *                        last file page past the end; the anonymous page
 *                        after it guarantees SOURCE_PAD zero bytes even
 *                        when the length is a multiple of the page size.
 *
 * The file is mapped MAP_FIXED over an anonymous reservation one page
 * longer than the file's pages.  A chunk that is not the file's last ends
 * just after the last newline of its window (when the window holds one),
 * so the SOURCE_PAD bytes after it, the file's next ones, start a line
 * and never continue the chunk's last line.  Memory stays bounded: the
 * pages of chunks handed out earlier are dropped (MADV_DONTNEED, at least
 * RELEASE_MIN at a time); reading them again would fault them back in
 * from the page cache, so a release is never a correctness matter.
 *
 * A file that shrinks while mapped would raise SIGBUS on the pages past
 * its new end.  While a source is mapped, a SIGBUS handler maps a zero
 * page over the faulting page of a mapping of ours (anything else goes
 * to the handler that was there before, or the default action): the
 * reader then sees NUL bytes, and source_check() and the next
 * source_next() report the shrinking as an error.  A file that grows is
 * read to the length it had when it was opened.
 */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, madvise() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
/*
 * Every decoder call gets an output window of DEC_WIN bytes, whatever the
 * chunk size: at the end of a chunk the window is dec[] and the rest of it
 * is copied out after.  The decoder then makes the same calls on the same
 * input for every chunk size, so how much it decodes before it notices
 * corrupt data, and so the bytes and the error that come out, do not
 * depend on the chunk size (nor on vmsim's --threads, which sets it).
 */
#define DEC_WIN (128u << 10)
#define NSLOTS 4
/* The least a mapped input gives back at a time. */
#define RELEASE_MIN (1u << 20)

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
	/* An error met while filling a chunk after some bytes of it: those
	 * bytes go out first, the error with the next fill(), so that what
	 * comes before a bad spot reads the same whatever the chunk size. */
	int late_ret;
	struct reason late_err;
	/* A decoder's window when a chunk has less than DEC_WIN left: its
	 * bytes [dec_pos, dec_len) are still to be handed out. */
	char *dec;
	size_t dec_pos, dec_len;
	struct ring *ring;      /* NULL when mapped */
	/* A mapped file (map != NULL): the file's map_len bytes, zero bytes
	 * after them to map_size; chunks handed out up to map_pos, pages
	 * released below map_rel; the SIGBUS slot watching it. */
	const char *map;
	size_t map_len, map_size, map_pos, map_rel;
	int map_slot;
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

/*
 * Copy what fits of the bytes [*pos, len) of @from into out[*n, chunk),
 * advancing both.
 */
static void copy_out(const struct source *s, char *out, size_t *n,
		     const void *from, size_t *pos, size_t len)
{
	size_t k = len - *pos;

	if (k > s->chunk - *n)
		k = s->chunk - *n;
	memcpy(out + *n, (const char *)from + *pos, k);
	*pos += k;
	*n += k;
}

static int plain_fill(struct source *s, char *out, size_t *outlen,
		      struct reason *err)
{
	size_t n = 0;

	while (n < s->chunk) {
		ssize_t got;

		if (s->pos < s->len) {
			copy_out(s, out, &n, s->in, &s->pos, s->len);
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
			return *outlen = n,
			       reason_fail(err, -errno, 0, "read error: %s",
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
 * out[*n, cap).  Advances pos, raw_off and *n; sets at_end when a
 * member / stream / frame ended with its last byte consumed.
 * 0 or a negative errno (the bytes of a failed step are not counted).
 */
static int decode_step(struct source *s, char *out, size_t *n, size_t cap,
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
		s->z.avail_out = (uInt)(cap - *n);
		zr = inflate(&s->z, Z_NO_FLUSH);
		used = in_avail - s->z.avail_in;
		made = cap - *n - s->z.avail_out;
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
		s->x.avail_out = cap - *n;
		xr = lzma_code(&s->x, s->eof ? LZMA_FINISH : LZMA_RUN);
		used = in_avail - s->x.avail_in;
		made = cap - *n - s->x.avail_out;
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
		ZSTD_outBuffer ob = { out + *n, cap - *n, 0 };
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

/* Both fills: 1 with *outlen > 0 bytes, 0 at the end, or a negative
 * errno with *outlen the bytes filled before it. */
static int decode_fill(struct source *s, char *out, size_t *outlen,
		       struct reason *err)
{
	size_t n = 0;
	int ret = 0;

	while (n < s->chunk) {
		size_t made = 0;
		bool direct;

		if (s->dec_pos < s->dec_len) {
			copy_out(s, out, &n, s->dec, &s->dec_pos, s->dec_len);
			continue;
		}
		if (s->pos == s->len && !s->eof && (ret = refill(s, err)))
			break;
		/* The input is used up after a whole member / frame. */
		if (s->pos == s->len && s->eof && s->at_end)
			break;
		/* Else step, also with no input left: the decoder may hold
		 * output still, and reports a stream cut short.  The window
		 * is DEC_WIN bytes: in the chunk when it has room, else dec[]. */
		direct = s->chunk - n >= DEC_WIN;
		ret = decode_step(s, direct ? out + n : s->dec, &made, DEC_WIN,
				  err);
		if (direct) {
			n += made;
		} else {
			s->dec_pos = 0;
			s->dec_len = made;
		}
		if (ret)
			break;
	}
	*outlen = n;
	return ret ? ret : n > 0;
}

static int fill(void *ctx, void *buf, size_t *len, struct reason *err)
{
	struct source *s = ctx;
	struct reason e;
	int ret;

	if (s->late_ret) {
		if (err)
			*err = s->late_err;
		return s->late_ret;
	}
	reason_clear(&e);
	*len = 0;
	ret = s->codec == SOURCE_PLAIN ? plain_fill(s, buf, len, &e) :
	      decode_fill(s, buf, len, &e);
	if (ret < 0 && *len) {
		s->late_ret = ret;
		s->late_err = e;
		ret = 1;
	} else if (ret < 0 && err) {
		*err = e;
	}
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

/*
 * The SIGBUS guard: the address ranges of the mappings being read, for a
 * handler that may run on any thread at any time, so a slot is read and
 * written with atomics only ([lo, hi), lo 0: free; hit: a page of it was
 * replaced by zeros).  The handler is installed while a slot is in use,
 * and the one before it put back after the last, under guard_mu.
 */
#define GUARD_SLOTS 16

static struct {
	uintptr_t lo, hi;
	int hit;
} guard[GUARD_SLOTS];
static pthread_mutex_t guard_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned guard_users;
static struct sigaction guard_old;
static uintptr_t guard_page;

static void guard_handler(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	struct sigaction dfl;

	for (unsigned i = 0; i < GUARD_SLOTS; i++) {
		uintptr_t lo = __atomic_load_n(&guard[i].lo, __ATOMIC_ACQUIRE);
		uintptr_t hi = __atomic_load_n(&guard[i].hi, __ATOMIC_ACQUIRE);

		if (!lo || a < lo || a >= hi)
			continue;
		/* Zeros where the file's bytes are gone; the access resumes. */
		if (mmap((void *)(a & ~(guard_page - 1)), guard_page,
			 PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
			break;
		__atomic_store_n(&guard[i].hit, 1, __ATOMIC_RELEASE);
		return;
	}
	/* Not ours: whatever was there before. */
	if (guard_old.sa_handler != SIG_DFL &&
	    guard_old.sa_handler != SIG_IGN) {
		if (guard_old.sa_flags & SA_SIGINFO)
			guard_old.sa_sigaction(sig, si, uc);
		else
			guard_old.sa_handler(sig);
		return;
	}
	/* The default action (a fault's SIGBUS cannot be ignored): pending
	 * until this handler returns, so it ends the process either way. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGBUS, &dfl, NULL);
	raise(SIGBUS);
}

/* Watch [lo, lo + len): its slot, or -1 (all are taken, or sigaction()
 * failed). */
static int guard_add(const void *lo, size_t len)
{
	int slot = -1;

	pthread_mutex_lock(&guard_mu);
	for (int i = 0; i < GUARD_SLOTS; i++) {
		if (__atomic_load_n(&guard[i].lo, __ATOMIC_RELAXED))
			continue;
		if (!guard_users) {
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = guard_handler;
			sa.sa_flags = SA_SIGINFO | SA_RESTART;
			sigemptyset(&sa.sa_mask);
			guard_page = (uintptr_t)sysconf(_SC_PAGESIZE);
			if (sigaction(SIGBUS, &sa, &guard_old))
				break;
		}
		guard_users++;
		__atomic_store_n(&guard[i].hit, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&guard[i].hi, (uintptr_t)lo + len,
				 __ATOMIC_RELEASE);
		__atomic_store_n(&guard[i].lo, (uintptr_t)lo, __ATOMIC_RELEASE);
		slot = i;
		break;
	}
	pthread_mutex_unlock(&guard_mu);
	return slot;
}

static void guard_del(int slot)
{
	pthread_mutex_lock(&guard_mu);
	__atomic_store_n(&guard[slot].lo, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&guard[slot].hi, 0, __ATOMIC_RELEASE);
	if (!--guard_users)
		sigaction(SIGBUS, &guard_old, NULL);
	pthread_mutex_unlock(&guard_mu);
}

static void map_close(struct source *s)
{
	if (!s->map)
		return;
	guard_del(s->map_slot);
	munmap((void *)s->map, s->map_size);
	s->map = NULL;
}

/*
 * Map a regular file of at least one byte, when it can be (else leave
 * s->map NULL: it is read).  The reservation holds the file's pages and
 * one more, all zero until the file is mapped over its start.
 */
static void map_open(struct source *s)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len, size;
	struct stat st;
	char *base;

	if (fstat(s->fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX / 2)
		return;
	len = (size_t)st.st_size;
	size = (len + pg - 1) / pg * pg + pg;
	base = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED)
		return;
	if (mmap(base, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, s->fd, 0) ==
	    MAP_FAILED || (s->map_slot = guard_add(base, size)) < 0) {
		munmap(base, size);
		return;
	}
	/* Read-ahead for the faults; the pages behind are dropped anyway. */
	madvise(base, len, MADV_SEQUENTIAL);
	s->map = base;
	s->map_len = len;
	s->map_size = size;
}

int source_check(const struct source *s, struct reason *err)
{
	if (!s->map || !__atomic_load_n(&guard[s->map_slot].hit,
					__ATOMIC_ACQUIRE))
		return 0;
	return reason_fail(err, -EIO, 0, "read error: the file shrank while "
			   "it was read (it had %zu bytes)", s->map_len);
}

void source_release(struct source *s, const char *p)
{
	size_t pg = (size_t)guard_page, upto;

	if (!s->map)
		return;
	upto = (size_t)(p - s->map) / pg * pg;
	if (upto < s->map_rel + RELEASE_MIN)
		return;
	madvise((char *)s->map + s->map_rel, upto - s->map_rel,
		MADV_DONTNEED);
	s->map_rel = upto;
}

/*
 * The next chunk of a mapped file: up to s->chunk bytes, ending after the
 * window's last newline unless it is the file's last.
 */
static int map_next(struct source *s, const char **p, size_t *len,
		    struct reason *err)
{
	const char *c = s->map + s->map_pos, *e;
	size_t n = s->map_len - s->map_pos;
	int ret;

	if (n > s->chunk) {
		for (e = c + s->chunk; e > c && e[-1] != '\n'; e--)
			;
		n = e > c ? (size_t)(e - c) : s->chunk;
	}
	/* After the look at the window, which may have faulted. */
	if ((ret = source_check(s, err)))
		return ret;
	if (!n)
		return 0;
	*p = c;
	*len = n;
	s->map_pos += n;
	return 1;
}

/* The rest of opening, shared by files and memory. */
static int finish_open(struct source **sp, struct source *s,
		       const struct source_opts *o, struct reason *err)
{
	int ret;

	s->chunk = o && o->chunk ? o->chunk : SOURCE_CHUNK_DEFAULT;
	if (s->map) {
		s->codec = sniff((const unsigned char *)s->map, s->map_len);
		if (s->codec == SOURCE_PLAIN) {
			*sp = s;
			return 0;
		}
		/* Decoders read: nothing was read yet. */
		map_close(s);
	}

	/* Look at the first bytes: at least 6 unless the input is shorter. */
	while (s->fd >= 0 && s->len < 6 && !s->eof) {
		if ((ret = refill(s, err)))
			goto fail;
	}
	s->codec = sniff(s->in + s->pos, s->len - s->pos);
	if ((ret = start_decoder(s, err)))
		goto fail;
	if (s->codec != SOURCE_PLAIN && !(s->dec = malloc(DEC_WIN))) {
		ret = reason_fail(err, -ENOMEM, 0, "out of memory");
		goto fail;
	}
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
		map_open(s);
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
	int ret;

	if (s->map) {
		ret = map_next(s, p, len, err);
		/* The chunks before this one are done with. */
		if (ret == 1)
			source_release(s, *p);
		return ret;
	}
	ret = ring_next(s->ring, &buf, len, err);
	if (ret == 1)
		*p = buf;
	return ret;
}

int source_next_mapped(struct source *s, const char **p, size_t *len,
		       struct reason *err)
{
	if (!s->map)
		return reason_fail(err, -EINVAL, 0, "not a mapped input");
	return map_next(s, p, len, err);
}

bool source_mapped(const struct source *s)
{
	return s->map != NULL;
}

int source_next_into(struct source *s, char *buf, size_t *len,
		     struct reason *err)
{
	const char *p;
	int ret;

	if (!s->thread && !s->map)
		return fill(s, buf, len, err);
	ret = source_next(s, &p, len, err);
	if (ret == 1) {
		memcpy(buf, p, *len);
		memset(buf + *len, 0, SOURCE_PAD);
	}
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
	map_close(s);
	if (s->own_fd)
		close(s->fd);
	if (s->fd >= 0)
		free(s->in);
	free(s->dec);
	free(s);
}
