/* SPDX-License-Identifier: MIT */
/*
 * report — writers of result files.  A regular file (or a path that does
 * not exist yet) is written atomically: the data goes to a temporary file
 * in the same directory, which is flushed, fsync()ed and renamed over the
 * target only when complete, so a reader sees the old file or the whole
 * new one, never a part.  A stream is written in place and never renamed
 * over: "-" and /dev/stdout (standard output), /dev/stderr, /dev/fd/N,
 * FIFOs and character devices.  A symbolic link to a regular file keeps
 * the link: its target is replaced.
 *
 * Opening a file is the check that it can be written, so a tool opens its
 * outputs before any work starts and commits them at the end.
 *
 * Signals: report_catch_signals() makes SIGINT, SIGTERM and SIGHUP remove
 * every temporary file still open and exit 128 + the signal (130, 143,
 * 129).  The handler only unlink()s and _exit()s (async-signal-safe).
 *
 * Conventions: functions return 0 or a negative errno; nothing prints.
 */
#ifndef VMBENCH_REPORT_H
#define VMBENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A file being written; fp is the stream to write to. */
struct report_file {
	FILE *fp;
	char *path;     /* the target (for a link to a file: the file) */
	char *tmp;      /* the temporary file beside it; NULL in place */
	bool in_place;  /* a stream: written directly, nothing renamed */
	bool prepared;  /* temporary file complete and closed */
	int slot;       /* its entry in the signal registry */
};

/*
 * Open @path for writing.  A regular file or a new path: a temporary file
 * beside it ("<dir>/.<base>.XXXXXX", same file system, hidden from globs
 * over results), registered for removal on a signal.  A stream: opened in
 * place (a FIFO blocks until it has a reader, as a shell redirection
 * does).  Fails, leaving nothing behind, with -EISDIR for a directory (or
 * a path ending in '/'), -ENOENT for a missing directory or a dangling
 * link, -ENOTSUP for a block device or socket, the errno of mkstemp() or
 * open() (-EACCES, ...), -EMFILE when more than REPORT_MAX_OPEN temporary
 * files are open, or -ENOMEM.
 */
int report_open(struct report_file *rf, const char *path);

#define REPORT_MAX_OPEN 32

/*
 * Flush, fsync and close the temporary file, then rename it to the target
 * and fsync the directory; a stream is flushed (and closed unless it is
 * stdout or stderr).  On any failure the temporary file is removed, the
 * target is untouched, and the negative errno is returned.  Either way
 * @rf is released.
 */
int report_commit(struct report_file *rf);

/*
 * Commit @n files as one: all targets are replaced or none is.  Every
 * temporary file is completed first; an existing target is kept as a
 * hard link beside it until every rename has succeeded, and a failed
 * rename puts back the targets already replaced (and removes the ones
 * that did not exist).  SIGINT, SIGTERM and SIGHUP wait until the renames
 * are done.  Where the file system has no hard links, a target that
 * existed cannot be put back: the guarantee then holds for new files
 * only.  Streams among @rfs are flushed; what was written to them stays.
 * Every @rfs[i] is released.
 */
int report_commit_all(struct report_file *const *rfs, size_t n);

/* Close and remove the temporary file; the target is untouched. */
void report_abort(struct report_file *rf);

/*
 * Install the SIGINT/SIGTERM/SIGHUP handler described above (a signal
 * the process ignores, as under nohup, stays ignored).  0 or -errno.
 */
int report_catch_signals(void);

#endif /* VMBENCH_REPORT_H */
