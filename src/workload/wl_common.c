/* SPDX-License-Identifier: MIT */
/* What every reader of the workload module shares: reading a whole stream. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wl_impl.h"

int wl_read_all(FILE *f, size_t cap, char **out, size_t *outlen,
		struct reason *err)
{
	size_t len = 0;
	char *buf = malloc(cap), *nbuf;
	int ret;

	if (!buf) {
		reason_fail(err, -ENOMEM, 0, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		size_t got = fread(buf + len, 1, cap - len, f);

		len += got;
		if (len < cap) {
			if (ferror(f)) {
				ret = errno ? -errno : -EIO;
				reason_fail(err, ret, 0, "read error: %s",
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
			reason_fail(err, -ENOMEM, 0, "out of memory");
			return -ENOMEM;
		}
		buf = nbuf;
		cap *= 2;
	}
	*out = buf;
	*outlen = len;
	return 0;
}
