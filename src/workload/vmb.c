/* SPDX-License-Identifier: MIT */
/*
 * vmb: vmbench's binary access trace (layout in workload.h and the
 * README).  A record is a tag byte, then the address as a zigzag delta
 * from the previous record's in as few little-endian bytes as it needs,
 * then a 2-byte size when the size is not 1, 2, 4, 8 or 16:
 *
 *   tag:  7 6 5 | 4 3 2 | 1 0
 *         len   | size  | kind    kind: 0 read, 1 write, 2 fetch
 *                                 size 0-4: 1 << size; 5: 2 bytes follow
 *                                 len 0-6: bytes of delta; 7: 8 bytes
 *
 * No continuation bits: the decoder loads 8 bytes, masks them by the
 * length in the tag, and moves on, so a record costs a few instructions.
 * A sequential trace of 8-byte loads takes two bytes a record.
 */
#include <errno.h>
#include <string.h>

#include "access_impl.h"

static const uint8_t kind_code[256] = {
	[WL_ACCESS_READ] = 0, [WL_ACCESS_WRITE] = 1, [WL_ACCESS_IFETCH] = 2,
};

/* Delta bytes of each length code, and the mask of those bytes. */
static const uint8_t len_bytes[8] = { 0, 1, 2, 3, 4, 5, 6, 8 };
static const uint64_t len_mask[8] = {
	0, 0xff, 0xffff, 0xffffff, 0xffffffffULL, 0xffffffffffULL,
	0xffffffffffffULL, ~0ULL,
};

/*
 * Everything a tag says, in one load: the delta's mask and length, the
 * size (0: two bytes follow), the kind (0: a bad tag).
 */
struct tag {
	uint64_t mask;
	uint16_t size;
	uint8_t len, kind;
};

#define T_SC(t) (((t) >> 2) & 7)
#define T_LC(t) ((t) >> 5)
#define T_OK(t) (((t) & 3) != 3 && T_SC(t) <= 5)
#define T(t) { \
	.mask = T_LC(t) == 7 ? ~0ULL : (1ULL << (8 * T_LC(t))) - 1, \
	.size = T_SC(t) <= 4 ? 1u << T_SC(t) : 0, \
	.len = T_LC(t) == 7 ? 8 : T_LC(t), \
	.kind = !T_OK(t) ? 0 : ((t) & 3) == 0 ? WL_ACCESS_READ : \
		((t) & 3) == 1 ? WL_ACCESS_WRITE : WL_ACCESS_IFETCH }
#define T4(t) T(t), T((t) + 1), T((t) + 2), T((t) + 3)
#define T16(t) T4(t), T4((t) + 4), T4((t) + 8), T4((t) + 12)
#define T64(t) T16(t), T16((t) + 16), T16((t) + 32), T16((t) + 48)
static const struct tag tags[256] = {
	T64(0), T64(64), T64(128), T64(192),
};

static const unsigned char header[WL_VMB_HEADER] = {
	'V', 'M', 'B', 'T', WL_VMB_VERSION, 1 /* accesses */, 8, 0,
};

/* 1 when the header at ps->p is good (and skipped), else -EINVAL. */
static int vmb_header(struct wl_parse *ps)
{
	const unsigned char *q = (const unsigned char *)ps->p;

	if (memcmp(q, header, 4))
		return reason_fail(ps->err, -EINVAL, 0, "not a vmb trace "
				   "(no VMBT magic)");
	if (q[4] != WL_VMB_VERSION)
		return reason_fail(ps->err, -EINVAL, 0, "vmb version %u; this "
				   "build reads version %u", q[4],
				   WL_VMB_VERSION);
	if (q[5] != 1)
		return reason_fail(ps->err, -EINVAL, 0, "vmb record kind %u; "
				   "vmsim tlb reads kind 1 (accesses)", q[5]);
	if (memcmp(q + 6, header + 6, WL_VMB_HEADER - 6))
		return reason_fail(ps->err, -EINVAL, 0, "vmb header: address "
				   "width %u, flags %#x, or reserved bytes "
				   "not zero", q[6], q[7]);
	ps->p += WL_VMB_HEADER;
	ps->state = 0;
	return 1;
}

static int bad_record(struct wl_parse *ps, const char *why, unsigned v)
{
	return reason_fail(ps->err, -EINVAL, 0, "record %llu: %s %#x",
			   (unsigned long long)ps->line + 1, why, v);
}

static int vmb_parse(struct wl_parse *ps)
{
	const unsigned char *q = (const unsigned char *)ps->p;
	const unsigned char *end = (const unsigned char *)ps->end;
	struct wl_access *o = ps->out + ps->n;
	struct wl_access *const stop = ps->out + ps->cap - 1;
	uint64_t prev = ps->state, line = ps->line;
	int ret = 0;

	while (o < stop && q < end) {
		const struct tag t = tags[q[0]];
		const unsigned char *r = q + 1 + t.len;
		uint64_t zz, va, size = t.size;

		if (__builtin_expect(!t.kind, 0)) {
			ps->line = line;
			ret = bad_record(ps, "bad tag byte", q[0]);
			break;
		}
		if (__builtin_expect(!size, 0)) {
			if (r + 2 > end)
				break;
			size = (uint64_t)r[0] | (uint64_t)r[1] << 8;
			r += 2;
			if (!size) {
				ps->line = line;
				ret = bad_record(ps, "size", 0);
				break;
			}
		} else if (r > end) {
			break;
		}
		/* The padding after @end makes the 8-byte load safe. */
		zz = wl_load64((const char *)q + 1) & t.mask;
		va = prev + ((zz >> 1) ^ (0 - (zz & 1)));
		if (__builtin_expect(size - 1 > UINT64_MAX - va, 0)) {
			ps->line = line;
			ret = reason_fail(ps->err, -EINVAL, 0, "record %llu: "
					  "access wraps past 2^64 - 1",
					  (unsigned long long)line + 1);
			break;
		}
		line++;
		wl_put(o++, va, size, t.kind, line);
		prev = va;
		q = r;
	}
	ps->n = (size_t)(o - ps->out);
	ps->p = (const char *)q;
	ps->line = line;
	ps->state = prev;
	return ret;
}

static void vmb_write_header(FILE *f)
{
	fwrite(header, 1, sizeof(header), f);
}

static void vmb_write(FILE *f, const struct wl_access *a, size_t n,
		      uint64_t *state)
{
	unsigned char buf[WL_VMB_MAX_RECORD];
	uint64_t prev = *state;

	for (size_t i = 0; i < n; i++) {
		uint64_t d = a[i].va - prev, zz = d << 1 ^ (0 - (d >> 63));
		unsigned size = a[i].size, sc = 5, lc = 0, len = 1;

		for (unsigned c = 0; c <= 4; c++)
			if (size == 1u << c)
				sc = c;
		while (lc < 7 && zz > len_mask[lc])
			lc++;
		buf[0] = (unsigned char)(kind_code[a[i].kind] | sc << 2 |
					 lc << 5);
		for (unsigned b = 0; b < len_bytes[lc]; b++)
			buf[len++] = (unsigned char)(zz >> (8 * b));
		if (sc == 5) {
			buf[len++] = (unsigned char)size;
			buf[len++] = (unsigned char)(size >> 8);
		}
		fwrite(buf, 1, len, f);
		prev = a[i].va;
	}
	*state = prev;
}

const struct wl_trace_format wl_trace_vmb = {
	.name = "vmb",
	.summary = "vmbench binary: 16-byte header, records of a tag byte "
		   "and an address delta (README)",
	.binary = true,
	.header = WL_VMB_HEADER,
	.check_header = vmb_header,
	.parse = vmb_parse,
	.write_header = vmb_write_header,
	.write = vmb_write,
};
