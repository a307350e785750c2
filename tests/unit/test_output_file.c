// SPDX-License-Identifier: GPL-2.0
/*
 * output_file.c: the file holds --json's document after every write, no
 * temporary file is left behind, errors leave the previous document, only
 * regular files are written (mode 0644 whatever the umask), the
 * directory is opened again on request (SIGHUP), and a concurrent reader
 * never sees anything but a whole document.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmocka_tap.h"
#include "json_out.h"
#include "output_file.h"
#include "snapshot.h"

struct fixture {
	char dir[64];
	char path[128];
};

static struct msrtop_snapshot *make_snapshot(uint64_t seq, unsigned int rows)
{
	struct msrtop_snapshot *s = snapshot_new();

	assert_non_null(s);
	s->seq = seq;
	s->time_ns = 1700000000000000000ull + seq;
	s->start_time_ns = 1700000000000000000ull;
	for (unsigned int i = 0; i < rows; i++) {
		struct msrtop_msr_row *m = snapshot_add_row(s, MSRTOP_KIND_MSRS);

		m->pid = 100;
		m->msr = i;
		m->count.total = seq;
	}
	assert_int_equal(snapshot_finish(s, NULL), 0);
	return s;
}

static char *document(const struct msrtop_snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	assert_int_equal(json_out_write(mem, s, NULL, NULL), 0);
	fclose(mem);
	return text;
}

/* output_file_write() of s's document, as msrtop renders it. */
static int write_doc(struct output_file *o, const struct msrtop_snapshot *s, char *msg,
		     size_t msg_len)
{
	char *text = document(s);
	int err = output_file_write(o, text, strlen(text), msg, msg_len);

	free(text);
	return err;
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *mem;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	mem = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

/* Entries of dir other than . and .., as "a b c". */
static void entries(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	out[0] = '\0';
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "",
				 e->d_name);
	closedir(d);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/msrtop-outfile.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/stats.json", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.old'", f->dir, f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static void test_bad_paths(void **state)
{
	struct output_file *o = NULL;
	char msg[512];

	assert_int_equal(output_file_open("/nonexistent-dir/x.json", &o, msg, sizeof(msg)),
			 -ENOENT);
	assert_null(o);
	assert_non_null(strstr(msg, "/nonexistent-dir"));
	assert_null(strchr(msg, '\n'));
	assert_int_equal(output_file_open("", &o, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(output_file_open("/tmp/", &o, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(output_file_open("/tmp/..", &o, msg, sizeof(msg)), -EINVAL);
}

static void test_writes(void **state)
{
	struct fixture *f = *state;
	struct output_file *o = NULL;
	char msg[512], names[256];

	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), 0);
	/* Opening checked the directory and left nothing behind. */
	entries(f->dir, names, sizeof(names));
	assert_string_equal(names, "");
	for (uint64_t seq = 1; seq <= 3; seq++) {
		struct msrtop_snapshot *s = make_snapshot(seq, 5);
		char *want = document(s), *got;

		assert_int_equal(write_doc(o, s, msg, sizeof(msg)), 0);
		got = slurp(f->path);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(got);
		free(want);
		snapshot_put(s);
		entries(f->dir, names, sizeof(names));
		assert_string_equal(names, "stats.json");
	}
	output_file_close(o);
}

/* FILE's name taken by a directory after the start: the write refuses, says why, cleans up. */
static void test_write_error(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(1, 1);
	struct output_file *o = NULL;
	char msg[512], names[256];

	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), 0);
	assert_int_equal(mkdir(f->path, 0755), 0);
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), -EEXIST);
	assert_non_null(strstr(msg, "is a directory"));
	assert_non_null(strstr(msg, f->path));
	entries(f->dir, names, sizeof(names));
	assert_string_equal(names, "stats.json");
	output_file_close(o);
	snapshot_put(s);
}

/*
 * Only regular files: a symbolic link, a directory, a FIFO, a device node is
 * refused at the start (-EINVAL: a bad command line), and a link that
 * replaces FILE later is refused at the write, left as it is with its target.
 */
static void test_not_regular(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(1, 1);
	struct output_file *o = NULL;
	char msg[512], target[160], *text;
	struct stat st;

	snprintf(target, sizeof(target), "%s/target", f->dir);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "is a symbolic link"));
	assert_null(o);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "is a FIFO"));
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(output_file_open(f->dir, &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "is a directory"));
	assert_int_equal(output_file_open("/dev/null", &o, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "is a character device"));
	assert_int_equal(output_file_check("/dev/null", msg, sizeof(msg)), -EINVAL);
	assert_null(strchr(msg, '\n'));

	/* Accepted while missing; then a link takes FILE's place. */
	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), 0);
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), 0);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(symlink(target, f->path), 0);
	text = slurp(f->path); /* the target does not exist */
	assert_null(text);
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), -EEXIST);
	assert_non_null(strstr(msg, "is a symbolic link"));
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(access(target, F_OK), -1);
	output_file_close(o);
	snapshot_put(s);
}

/* The file's mode is OUTPUT_FILE_MODE whatever the umask; it is a new file each time. */
static void test_mode(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(1, 1);
	struct output_file *o = NULL;
	char msg[512];
	struct stat st;
	mode_t old = umask(077);
	int fd;

	fd = open(f->path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), 0);
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), 0);
	umask(old);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, OUTPUT_FILE_MODE);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_gid, getegid());
	output_file_close(o);
	snapshot_put(s);
}

/* The directory moved away and made anew: writes follow the new one after a reopen. */
static void test_reopen(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(1, 1);
	struct output_file *o = NULL;
	char msg[512], old[128], names[256];

	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), 0);
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), 0);
	snprintf(old, sizeof(old), "%s.old", f->dir);
	assert_int_equal(rename(f->dir, old), 0);
	assert_int_equal(mkdir(f->dir, 0755), 0);
	/* Before the reopen, writes still go to the directory that was opened. */
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), 0);
	entries(f->dir, names, sizeof(names));
	assert_string_equal(names, "");
	assert_int_equal(output_file_reopen(o, msg, sizeof(msg)), 0);
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), 0);
	entries(f->dir, names, sizeof(names));
	assert_string_equal(names, "stats.json");
	/* A directory that is gone: the reopen and the writes say so. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(rmdir(f->dir), 0);
	assert_int_equal(output_file_reopen(o, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, f->dir));
	assert_int_equal(write_doc(o, s, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, f->dir));
	output_file_close(o);
	snapshot_put(s);
}

/* A reader in another process parses the file while it is rewritten. */
static void test_atomic_for_readers(void **state)
{
	struct fixture *f = *state;
	struct output_file *o = NULL;
	struct msrtop_snapshot *s[2] = {make_snapshot(1, 300), make_snapshot(2, 600)};
	char msg[512];
	int status, pipefd[2];
	pid_t reader;

	assert_int_equal(output_file_open(f->path, &o, msg, sizeof(msg)), 0);
	assert_int_equal(write_doc(o, s[0], msg, sizeof(msg)), 0);
	assert_int_equal(pipe(pipefd), 0);
	reader = fork();
	assert_true(reader >= 0);
	if (reader == 0) {
		/* Parse until told to stop; exit status: 0, or 1 on a bad document. */
		int bad = 0, reads = 0;
		char c;

		close(pipefd[1]);
		fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
		while (read(pipefd[0], &c, 1) < 0 && errno == EAGAIN) {
			char *text = slurp(f->path);
			struct json_object *doc = text ? json_tokener_parse(text) : NULL;

			if (!doc || !json_object_is_type(doc, json_type_object))
				bad++;
			json_object_put(doc);
			free(text);
			reads++;
		}
		printf("# reader: %d reads, %d bad\n", reads, bad);
		fflush(stdout);
		_exit(bad || reads < 10 ? 1 : 0);
	}
	close(pipefd[0]);
	for (int i = 0; i < 300; i++)
		assert_int_equal(write_doc(o, s[i % 2], msg, sizeof(msg)), 0);
	close(pipefd[1]);
	assert_int_equal(waitpid(reader, &status, 0), reader);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	output_file_close(o);
	snapshot_put(s[0]);
	snapshot_put(s[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test_setup_teardown(test_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_for_readers, setup, teardown),
	};

	return tap_cmocka_run("output_file", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
