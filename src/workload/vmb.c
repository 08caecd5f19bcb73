/* SPDX-License-Identifier: MIT */
/*
 * vmb: vmbench's binary access trace (layout in workload.h and the
 * README).  A record is a tag byte and a zigzag LEB128 address delta,
 * plus a LEB128 size when the size is not 1, 2, 4, 8 or 16:
 *
 *   tag:  7 6 5 | 4 3 2 | 1 0
 *         0 0 0 | size  | kind      size 0-4: 1 << size; 7: LEB128 follows
 *   then  delta = zigzag(va - previous va), 1 to 10 bytes, low 7 bits first
 *   then  [size, 1 to 3 bytes]
 *
 * A sequential trace of 8-byte loads takes two bytes a record.  The
 * parser's state word is the previous address; the header is checked
 * while ps->line is 0, and counts as no record.
 */
#include <errno.h>
#include <string.h>

#include "access_impl.h"

static const uint8_t kind_code[256] = {
	[WL_ACCESS_READ] = 0, [WL_ACCESS_WRITE] = 1, [WL_ACCESS_IFETCH] = 2,
};
static const uint8_t code_kind[4] = {
	WL_ACCESS_READ, WL_ACCESS_WRITE, WL_ACCESS_IFETCH, 0,
};

static const unsigned char header[WL_VMB_HEADER] = {
	'V', 'M', 'B', 'T', WL_VMB_VERSION, 1 /* accesses */, 8, 0,
};

/*
 * A LEB128 number at *qp, before @end: 1 and *qp advanced, 0 when it does
 * not end before @end, -1 when it runs past @max_bytes.
 */
static inline int leb128(const unsigned char **qp, const unsigned char *end,
			 unsigned max_bytes, uint64_t *out)
{
	const unsigned char *q = *qp;
	uint64_t v = 0;

	for (unsigned i = 0, shift = 0; i < max_bytes; i++, shift += 7) {
		if (q + i >= end)
			return 0;
		v |= (uint64_t)(q[i] & 0x7f) << shift;
		if (!(q[i] & 0x80)) {
			if (i == 9 && q[i] > 1)
				return -1;  /* more than 64 bits */
			*qp = q + i + 1;
			*out = v;
			return 1;
		}
	}
	return -1;
}

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

static int vmb_parse(struct wl_parse *ps)
{
	const unsigned char *q = (const unsigned char *)ps->p;
	const unsigned char *end = (const unsigned char *)ps->end;
	uint64_t prev = ps->state, line = ps->line;
	int ret = 0;

	while (ps->n + 2 <= ps->cap && q < end) {
		const unsigned char *r = q + 1;
		uint64_t zz, va, size;
		unsigned tag = q[0], sc = (tag >> 2) & 7;
		int got;

		if (tag & 0xe0 || (tag & 3) == 3 || (sc > 4 && sc != 7)) {
			ret = reason_fail(ps->err, -EINVAL, 0, "record "
					  "%llu: bad tag byte %#x",
					  (unsigned long long)line + 1, tag);
			break;
		}
		/* Fast: a one- or two-byte delta and a coded size. */
		if (r + 2 < end && sc != 7 && !(r[0] & 0x80)) {
			zz = r[0];
			r += 1;
		} else if ((got = leb128(&r, end, 10, &zz)) <= 0) {
			if (got < 0)
				ret = reason_fail(ps->err, -EINVAL, 0,
						  "record %llu: address delta "
						  "above 64 bits",
						  (unsigned long long)line + 1);
			break;
		}
		va = prev + ((zz >> 1) ^ (0 - (zz & 1)));
		if (sc == 7) {
			got = leb128(&r, end, 3, &size);
			if (!got)
				break;
			if (got < 0 || !size || size > WL_ACCESS_MAX_SIZE) {
				ret = reason_fail(ps->err, -EINVAL, 0,
						  "record %llu: size not in "
						  "1..%u",
						  (unsigned long long)line + 1,
						  WL_ACCESS_MAX_SIZE);
				break;
			}
		} else {
			size = 1u << sc;
		}
		if (size - 1 > UINT64_MAX - va) {
			ret = reason_fail(ps->err, -EINVAL, 0, "record "
					  "%llu: access wraps past 2^64 - 1",
					  (unsigned long long)line + 1);
			break;
		}
		line++;
		wl_emit(ps, va, size, code_kind[tag & 3], line);
		prev = va;
		q = r;
	}
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
		unsigned size = a[i].size, sc = 7, len = 1;

		for (unsigned c = 0; c <= 4; c++)
			if (size == 1u << c)
				sc = c;
		buf[0] = (unsigned char)(kind_code[a[i].kind] | sc << 2);
		do {
			buf[len++] = (unsigned char)((zz & 0x7f) |
						     (zz > 0x7f ? 0x80 : 0));
			zz >>= 7;
		} while (zz);
		if (sc == 7) {
			do {
				buf[len++] = (unsigned char)((size & 0x7f) |
							     (size > 0x7f ?
							      0x80 : 0));
				size >>= 7;
			} while (size);
		}
		fwrite(buf, 1, len, f);
		prev = a[i].va;
	}
	*state = prev;
}

const struct wl_trace_format wl_trace_vmb = {
	.name = "vmb",
	.summary = "vmbench binary: 16-byte header, tag + delta LEB128 "
		   "records (README)",
	.binary = true,
	.header = WL_VMB_HEADER,
	.check_header = vmb_header,
	.parse = vmb_parse,
	.write_header = vmb_write_header,
	.write = vmb_write,
};
