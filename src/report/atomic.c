/* SPDX-License-Identifier: MIT */
/*
 * Atomic file writes: temporary file, fsync, rename.  The temporary name
 * is "<dir>/.<base>.XXXXXX", hidden so that globs over results skip it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmbench/report.h>

static void release(struct report_file *rf)
{
	free(rf->path);
	free(rf->tmp);
	rf->path = NULL;
	rf->tmp = NULL;
	rf->fp = NULL;
}

int report_open(struct report_file *rf, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(path);
	int fd, err;

	memset(rf, 0, sizeof(*rf));
	if (!len || path[len - 1] == '/')
		return -EISDIR;
	rf->path = strdup(path);
	rf->tmp = malloc(len + 9);
	if (!rf->path || !rf->tmp) {
		release(rf);
		return -ENOMEM;
	}
	memcpy(rf->tmp, path, dirlen);
	rf->tmp[dirlen] = '.';
	strcpy(rf->tmp + dirlen + 1, path + dirlen);
	strcat(rf->tmp, ".XXXXXX");
	fd = mkstemp(rf->tmp);
	if (fd < 0) {
		err = -errno;
		release(rf);
		return err;
	}
	/* mkstemp() makes it private; a result file is for everyone. */
	if (fchmod(fd, 0644)) {
		err = -errno;
		close(fd);
		unlink(rf->tmp);
		release(rf);
		return err;
	}
	rf->fp = fdopen(fd, "w");
	if (!rf->fp) {
		err = -errno;
		close(fd);
		unlink(rf->tmp);
		release(rf);
		return err;
	}
	return 0;
}

/* fsync the directory holding @path, so the rename itself is durable. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, err = 0;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	free(dir);
	if (fd < 0)
		return -errno;
	/* Some file systems cannot sync a directory; that is no failure. */
	if (fsync(fd) && errno != EINVAL && errno != EROFS)
		err = -errno;
	close(fd);
	return err;
}

int report_commit(struct report_file *rf)
{
	int err = 0;

	if (fflush(rf->fp) || ferror(rf->fp))
		err = errno ? -errno : -EIO;
	if (!err && fsync(fileno(rf->fp)))
		err = -errno;
	if (fclose(rf->fp) && !err)
		err = errno ? -errno : -EIO;
	rf->fp = NULL;
	if (!err && rename(rf->tmp, rf->path))
		err = -errno;
	if (err)
		unlink(rf->tmp);
	else
		err = sync_dir(rf->path);
	release(rf);
	return err;
}

void report_abort(struct report_file *rf)
{
	if (rf->fp)
		fclose(rf->fp);
	if (rf->tmp)
		unlink(rf->tmp);
	release(rf);
}
