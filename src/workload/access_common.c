/* SPDX-License-Identifier: MIT */
/*
 * Memory-access traces: the array and what the format readers share (the
 * hex table, naming a byte).  Nothing here knows a format: the formats are
 * in lackey.c and din.c, their table and dispatch in trace_format.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "access_impl.h"

_Static_assert(sizeof(struct wl_access) == 16, "workload.h promises 16 bytes");

/* Stored as value + 1 so that the zero-initialised rest means "no digit". */
#define H(c, v) [c] = (v) + 1
const uint8_t wl_hexval[256] = {
	H('0', 0), H('1', 1), H('2', 2), H('3', 3), H('4', 4), H('5', 5),
	H('6', 6), H('7', 7), H('8', 8), H('9', 9),
	H('a', 10), H('b', 11), H('c', 12), H('d', 13), H('e', 14), H('f', 15),
	H('A', 10), H('B', 11), H('C', 12), H('D', 13), H('E', 14), H('F', 15),
};
#undef H

#ifdef WL_WIDE
int wl_wide_state = -1;
#endif

const char *wl_char_name(char c, char buf[8])
{
	if (c > ' ' && c < 127)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "\\x%02x", (unsigned char)c);
	return buf;
}

void wl_access_trace_free(struct wl_access_trace *t)
{
	free(t->a);
	t->a = NULL;
	t->n = 0;
	t->cap = 0;
}

int wl_access_grow(struct wl_access_trace *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	struct wl_access *a;

	if (more > SIZE_MAX - t->n)
		return -ENOMEM;
	while (cap < t->n + more) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap == t->cap)
		return 0;
	if (cap > SIZE_MAX / sizeof(*a))
		return -ENOMEM;
	a = realloc(t->a, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	t->a = a;
	t->cap = cap;
	return 0;
}

int wl_access_push(struct wl_access_trace *t, const struct wl_access *a)
{
	if (t->n == t->cap && wl_access_grow(t, 1))
		return -ENOMEM;
	t->a[t->n++] = *a;
	return 0;
}
