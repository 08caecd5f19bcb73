/* SPDX-License-Identifier: MIT */
/*
 * Internal to the workload module: what the vmap op-trace reader and the
 * memory-access readers share.  Not a public interface.
 */
#ifndef WL_IMPL_H
#define WL_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vmbench/workload.h>

/* Describe a failure in @err (which may be NULL): line and reason. */
void wl_error_set(struct wl_error *err, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Read all of @f into one malloc()ed buffer (*buf, *len; not
 * NUL-terminated), starting with @cap bytes and doubling.  -ENOMEM, or the
 * negative errno of a read error, with @err filled and nothing allocated.
 */
int wl_read_all(FILE *f, size_t cap, char **buf, size_t *len,
		struct wl_error *err);

#endif /* WL_IMPL_H */
