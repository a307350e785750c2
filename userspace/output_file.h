/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --output FILE: the --json document of every snapshot, replacing FILE
 * atomically. Each write goes to a temporary file in FILE's directory
 * (".FILE.PID.tmp"), is fsync()ed, renamed over FILE, and the directory is
 * fsync()ed: a reader opening FILE sees the previous document or the new
 * one, whole, never a mix or a truncated file, even after a crash.
 *
 * The directory is kept open. output_file_reopen() (SIGHUP) opens it again
 * by name, for when it was moved or replaced (log rotation); the next write
 * creates FILE if it is gone.
 */
#ifndef MSRTOP_OUTPUT_FILE_H
#define MSRTOP_OUTPUT_FILE_H

#include <stddef.h>

#include "snapshot.h"

/*
 * FILE is only ever a regular file: a path that is a symbolic link, a
 * directory, a device, a FIFO or a socket is refused (at start, and again
 * before each rename, which would replace it). Each write makes a new file,
 * mode OUTPUT_FILE_MODE whatever the umask, owned by msrtop's user and group:
 * an existing FILE's mode, owner, ACLs and other hard links are not kept.
 */
#define OUTPUT_FILE_MODE 0644

struct output_file;

/*
 * The command line's check of path: a file name (not empty, not ending in
 * "/", ".", ".."), missing or a regular file. 0, or -EINVAL with a message.
 */
int output_file_check(const char *path, char *msg, size_t msg_len);

/*
 * Checks that FILE's directory exists and that a file can be created in it
 * (a temporary file is created and removed). Returns 0 and *out, or a
 * negative errno with a one-line message in msg (what failed, what to do):
 * -EINVAL when output_file_check() refuses path.
 */
int output_file_open(const char *path, struct output_file **out, char *msg, size_t msg_len);

/*
 * Replaces FILE with text (len bytes: a document json_out_render() made).
 * Returns 0, or a negative errno with a message in msg; FILE is then left as
 * it was and no temporary file remains (-EEXIST: FILE is no longer a regular
 * file).
 */
int output_file_write(struct output_file *f, const char *text, size_t len, char *msg,
		      size_t msg_len);

/* Opens FILE's directory again by name. 0, or a negative errno with a message in msg. */
int output_file_reopen(struct output_file *f, char *msg, size_t msg_len);

/* Closes the directory; FILE keeps the last document. NULL is fine. */
void output_file_close(struct output_file *f);

#endif /* MSRTOP_OUTPUT_FILE_H */
