/* SPDX-License-Identifier: MIT */
/*
 * report — writers of result files.  A file is written atomically: the
 * data goes to a temporary file in the same directory, which is flushed,
 * fsync()ed and renamed over the target only when complete, so a reader
 * sees the old file or the whole new one, never a part.
 *
 * Conventions: functions return 0 or a negative errno; nothing prints.
 */
#ifndef VMBENCH_REPORT_H
#define VMBENCH_REPORT_H

#include <stdio.h>

/* A file being written; fp is the stream to write to. */
struct report_file {
	FILE *fp;
	char *path;   /* the target */
	char *tmp;    /* the temporary file beside it */
};

/*
 * Create a temporary file beside @path (same directory, so the rename
 * cannot cross file systems) and open it for writing in rf->fp.
 * Fails with the errno of mkstemp() (e.g. -ENOENT when the directory does
 * not exist, -EACCES) or -ENOMEM; nothing is left behind on failure.
 */
int report_open(struct report_file *rf, const char *path);

/*
 * Flush, fsync and close the temporary file, then rename it to the target
 * and fsync the directory.  On any failure the temporary file is removed,
 * the target is untouched, and the negative errno is returned.  Either way
 * @rf is released.
 */
int report_commit(struct report_file *rf);

/* Close and remove the temporary file; the target is untouched. */
void report_abort(struct report_file *rf);

#endif /* VMBENCH_REPORT_H */
