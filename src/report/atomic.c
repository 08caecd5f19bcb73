/* SPDX-License-Identifier: MIT */
/*
 * Atomic file writes: temporary file, fsync, rename; streams in place.
 * The temporary name is "<dir>/.<base>.XXXXXX", hidden so that globs over
 * results skip it; a target kept for a rollback in report_commit_all() is
 * "<dir>/.<base>.old.XXXXXX".
 *
 * The signal registry: reg[] holds the name of every temporary file that
 * exists, so that the handler can remove them with unlink() alone.  An
 * entry is set once its file exists and cleared only after the file was
 * renamed or removed: a signal in between makes the handler unlink a name
 * that no longer exists, which is harmless.
 */
#define _XOPEN_SOURCE 700   /* realpath() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmbench/report.h>

static const char *volatile reg[REPORT_MAX_OPEN];

static const int caught[] = { SIGINT, SIGTERM, SIGHUP };
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))

static void on_signal(int sig)
{
	for (size_t i = 0; i < REPORT_MAX_OPEN; i++) {
		const char *p = reg[i];

		if (p)
			unlink(p);
	}
	_exit(128 + sig);
}

int report_catch_signals(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NCAUGHT; i++)
		sigaddset(&sa.sa_mask, caught[i]);
	for (size_t i = 0; i < NCAUGHT; i++) {
		if (sigaction(caught[i], NULL, &old))
			return -errno;
		if (old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(caught[i], &sa, NULL))
			return -errno;
	}
	return 0;
}

static void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < NCAUGHT; i++)
		sigaddset(&set, caught[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static int reg_add(const char *tmp)
{
	for (int i = 0; i < REPORT_MAX_OPEN; i++)
		if (!reg[i]) {
			reg[i] = tmp;
			return i + 1;
		}
	return 0;
}

static void reg_del(struct report_file *rf)
{
	if (rf->slot)
		reg[rf->slot - 1] = NULL;
	rf->slot = 0;
}

static void release(struct report_file *rf)
{
	free(rf->path);
	free(rf->tmp);
	memset(rf, 0, sizeof(*rf));
}

/* "<dir of path>/.<base of path><suffix>", malloc()ed; NULL on ENOMEM. */
static char *hidden_name(const char *path, const char *suffix)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(path);
	char *s = malloc(len + strlen(suffix) + 2);

	if (!s)
		return NULL;
	memcpy(s, path, dirlen);
	s[dirlen] = '.';
	strcpy(s + dirlen + 1, path + dirlen);
	strcat(s, suffix);
	return s;
}

/* Standard streams and /dev/fd/N: the open file, sharing its offset. */
static int open_fd_name(struct report_file *rf, const char *path)
{
	const char *n = NULL;
	char *end;
	long fd;
	int dup_fd;

	if (!strcmp(path, "-") || !strcmp(path, "/dev/stdout")) {
		rf->fp = stdout;
		return 1;
	}
	if (!strcmp(path, "/dev/stderr")) {
		rf->fp = stderr;
		return 1;
	}
	if (!strncmp(path, "/dev/fd/", 8))
		n = path + 8;
	else if (!strncmp(path, "/proc/self/fd/", 14))
		n = path + 14;
	if (!n || *n < '0' || *n > '9')
		return 0;
	errno = 0;
	fd = strtol(n, &end, 10);
	if (*end || errno || fd > INT_MAX)
		return 0;
	if (fd == 1) {
		rf->fp = stdout;
		return 1;
	}
	if (fd == 2) {
		rf->fp = stderr;
		return 1;
	}
	dup_fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	rf->fp = fdopen(dup_fd, "w");
	if (!rf->fp) {
		int err = -errno;

		close(dup_fd);
		return err;
	}
	return 1;
}

static int open_in_place(struct report_file *rf, const char *path)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	rf->fp = fdopen(fd, "w");
	if (!rf->fp) {
		int err = -errno;

		close(fd);
		return err;
	}
	return 0;
}

static int open_temp(struct report_file *rf, mode_t mode)
{
	sigset_t old;
	int fd, err;

	rf->tmp = hidden_name(rf->path, ".XXXXXX");
	if (!rf->tmp)
		return -ENOMEM;
	/*
	 * The file and its registry entry appear together: a signal between
	 * mkstemp() and reg_add() would leave a file the handler cannot see.
	 */
	block_signals(&old);
	fd = mkstemp(rf->tmp);
	err = fd < 0 ? -errno : 0;
	if (!err)
		rf->slot = reg_add(rf->tmp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0)
		return err;
	err = rf->slot ? 0 : -EMFILE;
	/* mkstemp() makes it private; a result file is for everyone. */
	if (!err && fchmod(fd, mode))
		err = -errno;
	if (!err && !(rf->fp = fdopen(fd, "w")))
		err = -errno;
	if (err) {
		close(fd);
		unlink(rf->tmp);
		reg_del(rf);
	}
	return err;
}

int report_open(struct report_file *rf, const char *path)
{
	size_t len = strlen(path);
	struct stat st;
	mode_t mode = 0644;
	int err;

	memset(rf, 0, sizeof(*rf));
	if (!len || path[len - 1] == '/')
		return -EISDIR;
	rf->path = strdup(path);
	if (!rf->path)
		return -ENOMEM;
	err = open_fd_name(rf, path);
	if (err) {
		if (err < 0) {
			release(rf);
			return err;
		}
		rf->in_place = true;
		return 0;
	}
	if (lstat(path, &st)) {
		if (errno != ENOENT) {
			err = -errno;
			goto fail;
		}
		err = open_temp(rf, mode);
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		char *real = realpath(path, NULL);

		if (!real || stat(real, &st)) {
			err = errno == ENOMEM ? -ENOMEM : -ENOENT;
			free(real);
			goto fail;
		}
		if (S_ISREG(st.st_mode)) {
			/* Keep the link: replace the file it names. */
			free(rf->path);
			rf->path = real;
		} else {
			free(real);
		}
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
	} else if (S_ISREG(st.st_mode)) {
		err = open_temp(rf, st.st_mode & 07777);
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		err = open_in_place(rf, path);
		rf->in_place = !err;
	} else {
		err = -ENOTSUP;
	}
out:
	if (!err)
		return 0;
fail:
	release(rf);
	return err;
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

static void close_stream(struct report_file *rf)
{
	if (rf->fp && rf->fp != stdout && rf->fp != stderr)
		fclose(rf->fp);
	rf->fp = NULL;
}

/*
 * Complete @rf without renaming: a temporary file is flushed, fsync()ed
 * and closed (and removed on failure); a stream is flushed and closed.
 */
static int prepare(struct report_file *rf)
{
	int err = 0;

	if (rf->prepared)
		return 0;
	errno = 0;
	if (fflush(rf->fp) || ferror(rf->fp))
		err = errno ? -errno : -EIO;
	if (rf->in_place) {
		close_stream(rf);
		rf->prepared = true;
		return err;
	}
	if (!err && fsync(fileno(rf->fp)))
		err = -errno;
	errno = 0;
	if (fclose(rf->fp) && !err)
		err = errno ? -errno : -EIO;
	rf->fp = NULL;
	if (err) {
		unlink(rf->tmp);
		reg_del(rf);
	}
	rf->prepared = true;
	return err;
}

int report_commit(struct report_file *rf)
{
	struct report_file *one = rf;

	return report_commit_all(&one, 1);
}

/*
 * Keep the existing target @path as a hard link beside it; *@bak is NULL
 * when there is no target or the file system cannot link.
 */
static int keep_old(const char *path, char **bak)
{
	*bak = NULL;
	for (int tries = 0; tries < 16; tries++) {
		char *name = hidden_name(path, ".old.XXXXXX");
		int fd;

		if (!name)
			return -ENOMEM;
		fd = mkstemp(name);
		if (fd < 0) {
			free(name);
			return 0;
		}
		close(fd);
		unlink(name);
		if (!link(path, name)) {
			*bak = name;
			return 0;
		}
		free(name);
		if (errno != EEXIST)
			return 0;
	}
	return 0;
}

int report_commit_all(struct report_file *const *rfs, size_t n)
{
	char **bak = calloc(n ? n : 1, sizeof(*bak));
	bool *existed = calloc(n ? n : 1, sizeof(*existed));
	size_t i, done;
	sigset_t old;
	int err = bak && existed ? 0 : -ENOMEM;

	for (i = 0; i < n; i++) {
		int e = err ? 0 : prepare(rfs[i]);

		if (e)
			err = e;
	}
	if (err) {
		for (i = 0; i < n; i++)
			report_abort(rfs[i]);
		free(bak);
		free(existed);
		return err;
	}
	block_signals(&old);
	for (i = 0; i < n && !err; i++) {
		struct stat st;

		if (!rfs[i]->tmp)
			continue;
		existed[i] = !lstat(rfs[i]->path, &st);
		if (existed[i] && n > 1)
			err = keep_old(rfs[i]->path, &bak[i]);
	}
	for (done = 0; done < n && !err; done++)
		if (rfs[done]->tmp && rename(rfs[done]->tmp, rfs[done]->path)) {
			err = -errno;
			break;
		}
	if (err) {
		/* Put back what the renames before the failed one replaced. */
		for (i = 0; i < done; i++) {
			if (!rfs[i]->tmp)
				continue;
			if (bak[i])
				rename(bak[i], rfs[i]->path);
			else if (!existed[i])
				unlink(rfs[i]->path);
		}
	}
	for (i = 0; i < n; i++) {
		if (rfs[i]->tmp) {
			if (err)
				unlink(rfs[i]->tmp);
			reg_del(rfs[i]);
		}
		if (bak[i])
			unlink(bak[i]);
		free(bak[i]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < n; i++) {
		if (!err && rfs[i]->tmp) {
			int e = sync_dir(rfs[i]->path);

			if (e && !err)
				err = e;
		}
		release(rfs[i]);
	}
	free(bak);
	free(existed);
	return err;
}

void report_abort(struct report_file *rf)
{
	if (rf->in_place) {
		close_stream(rf);
	} else {
		if (rf->fp)
			fclose(rf->fp);
		if (rf->slot)
			unlink(rf->tmp);
		reg_del(rf);
	}
	release(rf);
}
