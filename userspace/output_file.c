// SPDX-License-Identifier: GPL-2.0
/* --output FILE, rewritten atomically (output_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_file.h"

struct output_file {
	char *path; /* as given */
	char *dir; /* its directory */
	char *base; /* its name in dir */
	char *tmp; /* the temporary file's name in dir */
	int dirfd;
};

static int open_dir(struct output_file *f, char *msg, size_t msg_len)
{
	int fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		snprintf(msg, msg_len, "cannot open directory '%s' for --output %s: %s; create it "
			 "or give a file in an existing directory", f->dir, f->path, strerror(-err));
		return err;
	}
	if (f->dirfd >= 0)
		close(f->dirfd);
	f->dirfd = fd;
	return 0;
}

/* What a file that is not a regular one is, for messages. */
static const char *file_kind(mode_t mode)
{
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* 0 when dirfd/name is missing or a regular file, else -EEXIST with a message. */
static int check_kind(int dirfd, const char *name, const char *path, char *msg, size_t msg_len)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) || S_ISREG(st.st_mode))
		return 0;
	snprintf(msg, msg_len, "--output %s is %s: msrtop replaces the file it is given, so it "
		 "writes only regular files; give the path of a regular file or of a new one",
		 path, file_kind(st.st_mode));
	return -EEXIST;
}

int output_file_check(const char *path, char *msg, size_t msg_len)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(msg, msg_len, "invalid --output '%s': give a file name", path);
		return -EINVAL;
	}
	return check_kind(AT_FDCWD, path, path, msg, msg_len) ? -EINVAL : 0;
}

/* Creates (truncates) the temporary file; fd or negative errno with a message. */
static int create_tmp(struct output_file *f, char *msg, size_t msg_len)
{
	int fd = openat(f->dirfd, f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			0644);

	if (fd < 0) {
		fd = -errno;
		snprintf(msg, msg_len, "cannot create '%s/%s' for --output: %s; check that msrtop "
			 "may write to '%s'", f->dir, f->tmp, strerror(-fd), f->dir);
	} else if (fchmod(fd, OUTPUT_FILE_MODE)) { /* whatever the umask: readers need it */
		int err = -errno;

		snprintf(msg, msg_len, "cannot set the mode of '%s/%s' for --output: %s", f->dir,
			 f->tmp, strerror(-err));
		close(fd);
		unlinkat(f->dirfd, f->tmp, 0);
		fd = err;
	}
	return fd;
}

int output_file_open(const char *path, struct output_file **out, char *msg, size_t msg_len)
{
	struct output_file *f = calloc(1, sizeof(*f));
	char *copy1 = NULL, *copy2 = NULL;
	int err, fd;

	if (!f)
		goto nomem;
	f->dirfd = -1;
	err = output_file_check(path, msg, msg_len);
	if (err)
		goto cleanup;
	copy1 = strdup(path);
	copy2 = strdup(path);
	if (!copy1 || !copy2)
		goto nomem;
	f->path = strdup(path);
	f->dir = strdup(dirname(copy1));
	f->base = strdup(basename(copy2));
	if (!f->path || !f->dir || !f->base ||
	    asprintf(&f->tmp, ".%s.%d.tmp", f->base, (int)getpid()) < 0) {
		f->tmp = NULL;
		goto nomem;
	}
	err = open_dir(f, msg, msg_len);
	if (err)
		goto cleanup;
	fd = create_tmp(f, msg, msg_len);
	if (fd < 0) {
		err = fd;
		goto cleanup;
	}
	close(fd);
	unlinkat(f->dirfd, f->tmp, 0);
	free(copy1);
	free(copy2);
	*out = f;
	return 0;
nomem:
	snprintf(msg, msg_len, "out of memory while setting up --output");
	err = -ENOMEM;
cleanup:
	free(copy1);
	free(copy2);
	output_file_close(f);
	return err;
}

int output_file_write(struct output_file *f, const char *text, size_t len, char *msg,
		      size_t msg_len)
{
	const char *what = "write";
	size_t done = 0;
	int fd, err = 0;

	fd = create_tmp(f, msg, msg_len);
	if (fd < 0)
		return fd;
	/* Straight from the caller's buffer: the document is already whole. */
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto fail;
		}
		done += (size_t)n;
	}
	what = "fsync";
	if (fsync(fd)) {
		err = -errno;
		goto fail;
	}
	what = "close";
	err = close(fd) ? -errno : 0;
	fd = -1;
	if (err)
		goto fail;
	/* Never over what became a device, a directory or a link since the start. */
	err = check_kind(f->dirfd, f->base, f->path, msg, msg_len);
	if (err) {
		unlinkat(f->dirfd, f->tmp, 0);
		return err;
	}
	what = "rename";
	if (renameat(f->dirfd, f->tmp, f->dirfd, f->base)) {
		err = -errno;
		goto fail;
	}
	/* The rename itself survives a crash once the directory is synced. */
	fsync(f->dirfd);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(f->dirfd, f->tmp, 0);
	snprintf(msg, msg_len, "cannot %s the snapshot to --output %s (%s/%s): %s; the file "
		 "keeps the previous snapshot (is the file system full or read-only?)", what,
		 f->path, f->dir, f->tmp, strerror(-err));
	return err;
}

int output_file_reopen(struct output_file *f, char *msg, size_t msg_len)
{
	return open_dir(f, msg, msg_len);
}

void output_file_close(struct output_file *f)
{
	if (!f)
		return;
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->path);
	free(f->dir);
	free(f->base);
	free(f->tmp);
	free(f);
}
