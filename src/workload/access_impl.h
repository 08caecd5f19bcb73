/* SPDX-License-Identifier: MIT */
/*
 * Internal to the memory-access part of the workload module: what the
 * trace readers (lackey.c, din.c), the common code (access_trace.c) and
 * the generators (access_gen.c) share.  Not a public interface.
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

/* The two readers; contracts as wl_access_parse(). */
int wl_lackey_parse(const char *buf, size_t len, struct wl_access_trace *t,
		    struct wl_error *err);
int wl_din_parse(const char *buf, size_t len, struct wl_access_trace *t,
		 struct wl_error *err);

#endif /* WL_ACCESS_IMPL_H */
