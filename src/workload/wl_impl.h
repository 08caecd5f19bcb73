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

/*
 * Read all of @f into one malloc()ed buffer (*buf, *len; not
 * NUL-terminated), starting with @cap bytes and doubling.  -ENOMEM, or the
 * negative errno of a read error, with @err filled and nothing allocated.
 */
int wl_read_all(FILE *f, size_t cap, char **buf, size_t *len,
		struct reason *err);

#endif /* WL_IMPL_H */
