// SPDX-License-Identifier: GPL-2.0
/*
 * VM names (userspace/vm_info.c): QEMU -name parsing, and reading a fake /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cmocka_tap.h"

#include "vm_info.h"

/* The name from an argument list given as one string with '\0' separators. */
static const char *guest_name(const char *cmdline, size_t len)
{
	static char name[128];

	vm_info_guest_name(cmdline, len, name, sizeof(name));
	return name;
}

#define NAME_OF(lit) guest_name(lit, sizeof(lit))

static void test_qemu_name_forms(void **state)
{
	assert_string_equal(NAME_OF("qemu-system-x86_64\0-m\0512\0-name\0web1\0-smp\0002"), "web1");
	assert_string_equal(NAME_OF("qemu\0-name\0guest=db,debug-threads=on"), "db");
	assert_string_equal(NAME_OF("qemu\0-name\0db2,process=qemu-db2,debug-threads=on"), "db2");
	assert_string_equal(NAME_OF("qemu\0-name\0process=p,guest=g"), "g");
	assert_string_equal(NAME_OF("qemu\0--name\0two-dashes"), "two-dashes");
	assert_string_equal(NAME_OF("qemu\0-name=joined"), "joined");
	assert_string_equal(NAME_OF("qemu\0-name\0a,,b,debug-threads=on"), "a,b");
	assert_string_equal(NAME_OF("qemu\0-name\0guest=x,,y"), "x,y");
}

static void test_no_name(void **state)
{
	assert_string_equal(NAME_OF("msrload\0--vcpus\0002"), "");
	assert_string_equal(NAME_OF("qemu\0-name"), ""); /* no value */
	assert_string_equal(NAME_OF("qemu\0-name\0process=p,debug-threads=on"), "");
	assert_string_equal(NAME_OF("qemu\0-namefoo\0bar"), "");
	assert_string_equal(guest_name("", 0), "");
}

static void test_control_characters_sanitized(void **state)
{
	assert_string_equal(NAME_OF("qemu\0-name\0bad\033[2Jname"), "bad?[2Jname");
}

static void test_long_name_truncated(void **state)
{
	char cmdline[600], name[8];
	size_t n;

	n = snprintf(cmdline, sizeof(cmdline), "qemu%c-name%c", 0, 0);
	memset(cmdline + n, 'x', 500);
	cmdline[n + 500] = '\0';
	vm_info_guest_name(cmdline, n + 501, name, sizeof(name));
	assert_string_equal(name, "xxxxxxx");
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_read_fake_proc(void **state)
{
	char dir[] = "/tmp/msrtop-proc-XXXXXX", path[256], comm[16], name[64];
	static const char cmdline[] = "qemu-system-x86_64\0-name\0guest=vm7,debug-threads=on";

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/4242", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/4242/comm", dir);
	write_file(path, "qemu-system-x86\n", 16);
	snprintf(path, sizeof(path), "%s/4242/cmdline", dir);
	write_file(path, cmdline, sizeof(cmdline));

	assert_int_equal(vm_info_read(dir, 4242, comm, sizeof(comm), name, sizeof(name), false), 0);
	assert_string_equal(comm, "qemu-system-x86");
	assert_string_equal(name, "vm7");

	/* A process that is gone: an error, and the names are left alone. */
	assert_int_equal(vm_info_read(dir, 4243, comm, sizeof(comm), name, sizeof(name), false), -ENOENT);
	assert_string_equal(comm, "qemu-system-x86");
	assert_string_equal(name, "vm7");

	/* keep_name: the command line is not read again while comm is the same... */
	snprintf(path, sizeof(path), "%s/4242/cmdline", dir);
	write_file(path, "qemu\0-name\0vm8", 15);
	assert_int_equal(vm_info_read(dir, 4242, comm, sizeof(comm), name, sizeof(name), true), 0);
	assert_string_equal(name, "vm7");
	/* ... and is when comm changed. */
	snprintf(path, sizeof(path), "%s/4242/comm", dir);
	write_file(path, "qemu-vm8\n", 9);
	assert_int_equal(vm_info_read(dir, 4242, comm, sizeof(comm), name, sizeof(name), true), 0);
	assert_string_equal(comm, "qemu-vm8");
	assert_string_equal(name, "vm8");

	/* No cmdline (a kernel thread): no name. */
	snprintf(path, sizeof(path), "%s/4242/cmdline", dir);
	unlink(path);
	assert_int_equal(vm_info_read(dir, 4242, comm, sizeof(comm), name, sizeof(name), false), 0);
	assert_string_equal(name, "");

	snprintf(path, sizeof(path), "%s/4242/comm", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/4242", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_read_own_process(void **state)
{
	char comm[16], name[64], want[16];

	snprintf(want, sizeof(want), "%s", program_invocation_short_name); /* TASK_COMM_LEN */
	assert_int_equal(vm_info_read("/proc", getpid(), comm, sizeof(comm), name, sizeof(name), false),
			 0);
	assert_string_equal(comm, want);
	assert_string_equal(name, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_name_forms),
		cmocka_unit_test(test_no_name),
		cmocka_unit_test(test_control_characters_sanitized),
		cmocka_unit_test(test_long_name_truncated),
		cmocka_unit_test(test_read_fake_proc),
		cmocka_unit_test(test_read_own_process),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return tap_cmocka_run("vm_info", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
