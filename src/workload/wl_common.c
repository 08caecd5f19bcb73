/* SPDX-License-Identifier: MIT */
/* What every reader of the workload module shares: errors and slurping. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wl_impl.h"

void wl_error_set(struct wl_error *err, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int wl_read_all(FILE *f, size_t cap, char **out, size_t *outlen,
		struct wl_error *err)
{
	size_t len = 0;
	char *buf = malloc(cap), *nbuf;
	int ret;

	if (!buf) {
		wl_error_set(err, 0, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (len < cap) {
			if (ferror(f)) {
				ret = errno ? -errno : -EIO;
				wl_error_set(err, 0, "read error: %s",
					     strerror(-ret));
				free(buf);
				return ret;
			}
			if (feof(f))
				break;
			continue;
		}
		if (cap > SIZE_MAX / 2 || !(nbuf = realloc(buf, cap * 2))) {
			free(buf);
			wl_error_set(err, 0, "out of memory");
			return -ENOMEM;
		}
		buf = nbuf;
		cap *= 2;
	}
	*out = buf;
	*outlen = len;
	return 0;
}
