/* SPDX-License-Identifier: MIT */
/*
 * Internal to the memory-access part of the workload module: the helpers
 * (access_common.c) that the formats (lackey.c, din.c), their table
 * (trace_format.c) and the generators (access_gen.c) use.  Not a public
 * interface.  Dependencies run one way: formats and generators use the
 * helpers, the table uses the formats; the helpers use neither.
 */
#ifndef WL_ACCESS_IMPL_H
#define WL_ACCESS_IMPL_H

#include <stdint.h>
#include <stdlib.h>

#include <vmbench/workload.h>

#include "wl_impl.h"

/* Digit value + 1 of '0'-'9', 'a'-'f', 'A'-'F'; 0 for every other byte. */
extern const uint8_t wl_hexval[256];

/* Grow @t so that @more accesses fit; -ENOMEM leaves it unchanged. */
int wl_access_grow(struct wl_access_trace *t, size_t more);

/* Append without a function call in the common case. */
static inline int wl_access_add(struct wl_access_trace *t, uint64_t va,
				uint64_t size, uint8_t kind, uint64_t line)
{
	struct wl_access *a;

	if (t->n == t->cap && wl_access_grow(t, 1))
		return -ENOMEM;
	a = &t->a[t->n++];
	a->va = va;
	a->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	a->size = (uint16_t)size;
	a->kind = kind;
	a->pad = 0;
	return 0;
}

/* @c printable as itself, else as \xNN, into @buf (at least 5 bytes). */
const char *wl_char_name(char c, char buf[8]);

#endif /* WL_ACCESS_IMPL_H */
