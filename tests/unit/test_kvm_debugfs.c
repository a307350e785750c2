// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_debugfs.c: the parsers of KVM's debugfs files and names, finding
 * debugfs in a mountinfo file, and whole reads of a debugfs tree made here
 * (odd names, histogram files, huge and signed numbers, text, empty and
 * overlong files, a FIFO, more VM directories than the reader takes).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cmocka_tap.h"

#include "kinds.h"
#include "kvm_debugfs.h"
#include "snapshot.h"

static int parse(const char *s, uint64_t *v, unsigned int *nr)
{
	return kvm_debugfs_parse_value(s, strlen(s), v, nr);
}

static void test_parse_value(void **state)
{
	uint64_t v = 0;
	unsigned int nr = 0;

	assert_int_equal(parse("123\n", &v, &nr), 0);
	assert_int_equal(v, 123);
	assert_int_equal(nr, 1);
	assert_int_equal(parse("0", &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse("18446744073709551615\n", &v, NULL), 0);
	assert_true(v == UINT64_MAX);
	/* A histogram file: its buckets summed (the number of samples). */
	assert_int_equal(parse("1 2\t3\n4\n", &v, &nr), 0);
	assert_int_equal(v, 10);
	assert_int_equal(nr, 4);
	assert_int_equal(parse("18446744073709551616\n", &v, NULL), -ERANGE);
	assert_int_equal(parse("99999999999999999999999", &v, NULL), -ERANGE);
	assert_int_equal(parse("18446744073709551615 1\n", &v, NULL), -ERANGE);
	assert_int_equal(parse("", &v, NULL), -EINVAL);
	assert_int_equal(parse("\n", &v, NULL), -EINVAL);
	assert_int_equal(parse("-5\n", &v, NULL), -EINVAL); /* a signed tsc-offset */
	assert_int_equal(parse("+5", &v, NULL), -EINVAL);
	assert_int_equal(parse("12abc", &v, NULL), -EINVAL);
	assert_int_equal(parse("0x10", &v, NULL), -EINVAL);
	assert_int_equal(parse("Rmap_Count:\t0\t1\n", &v, NULL), -EINVAL);
	assert_int_equal(parse("1\0"
			       "2",
			       &v, NULL),
			 0); /* strlen stops at the NUL */
	assert_int_equal(kvm_debugfs_parse_value("1\0002", 3, &v, NULL), -EINVAL);
	/* len bytes only: the buffer is not NUL-terminated. */
	assert_int_equal(kvm_debugfs_parse_value("123456", 3, &v, NULL), 0);
	assert_int_equal(v, 123);
}

static void test_names(void **state)
{
	char n47[48], n48[49];

	assert_true(kvm_debugfs_name_ok("exits"));
	assert_true(kvm_debugfs_name_ok("tsc-offset"));
	assert_true(kvm_debugfs_name_ok("a.b_c-9"));
	assert_true(kvm_debugfs_name_ok("X"));
	assert_false(kvm_debugfs_name_ok(""));
	assert_false(kvm_debugfs_name_ok("."));
	assert_false(kvm_debugfs_name_ok(".."));
	assert_false(kvm_debugfs_name_ok("a b"));
	assert_false(kvm_debugfs_name_ok("a\"b"));
	assert_false(kvm_debugfs_name_ok("a\\b"));
	assert_false(kvm_debugfs_name_ok("a\nb"));
	assert_false(kvm_debugfs_name_ok("a{b}"));
	assert_false(kvm_debugfs_name_ok("\xc3\xa9t\xc3\xa9"));
	memset(n47, 'a', 47);
	n47[47] = '\0';
	memset(n48, 'a', 48);
	n48[48] = '\0';
	assert_true(kvm_debugfs_name_ok(n47));
	assert_false(kvm_debugfs_name_ok(n48));
}

static void test_dir_names(void **state)
{
	uint32_t pid = 0, fd = 0, vcpu = 0;

	assert_int_equal(kvm_debugfs_parse_vm_dir("123-4", &pid, &fd), 0);
	assert_int_equal(pid, 123);
	assert_int_equal(fd, 4);
	assert_int_equal(kvm_debugfs_parse_vm_dir("0-0", &pid, &fd), 0);
	assert_int_equal(kvm_debugfs_parse_vm_dir("4294967295-1", &pid, &fd), 0);
	assert_true(pid == UINT32_MAX);
	assert_int_equal(kvm_debugfs_parse_vm_dir("4294967296-1", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("123", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("123-", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("-4", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("12-4x", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("012-4", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("+1-2", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("1-2-3", &pid, &fd), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vm_dir("exits", &pid, &fd), -EINVAL);

	assert_int_equal(kvm_debugfs_parse_vcpu_dir("vcpu0", &vcpu), 0);
	assert_int_equal(vcpu, 0);
	assert_int_equal(kvm_debugfs_parse_vcpu_dir("vcpu287", &vcpu), 0);
	assert_int_equal(vcpu, 287);
	assert_int_equal(kvm_debugfs_parse_vcpu_dir("vcpu", &vcpu), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vcpu_dir("vcpu-1", &vcpu), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vcpu_dir("vcpu01", &vcpu), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vcpu_dir("vcpux", &vcpu), -EINVAL);
	assert_int_equal(kvm_debugfs_parse_vcpu_dir("cpu0", &vcpu), -EINVAL);
}

static char tmpdir[] = "/tmp/test_kvm_debugfs.XXXXXX";

static void put(const char *rel, const char *content, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void test_find_mount(void **state)
{
	char out[256];

	put("mountinfo",
	    "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
	    "30 22 0:7 / /sys/kernel/debug\\040x rw,relatime shared:9 - debugfs debugfs rw\n"
	    "31 22 0:7 / /other rw - debugfs debugfs rw\n",
	    0644);
	put("mountinfo2", "22 1 0:21 / /proc rw,nosuid - proc proc rw\n", 0644);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/mountinfo", tmpdir);
		assert_int_equal(kvm_debugfs_find_mount(path, out, sizeof(out)), 0);
		assert_string_equal(out, "/sys/kernel/debug x"); /* the first, \040 undone */
		snprintf(path, sizeof(path), "%s/mountinfo2", tmpdir);
		assert_int_equal(kvm_debugfs_find_mount(path, out, sizeof(out)), -ENOENT);
		snprintf(path, sizeof(path), "%s/nosuchfile", tmpdir);
		assert_int_equal(kvm_debugfs_find_mount(path, out, sizeof(out)), -ENOENT);
	}
}

/* The row of pid, vcpu, name in s (sorted), or NULL. */
static const struct msrtop_kvm_stat_row *row(struct msrtop_snapshot *s, uint32_t pid, uint32_t vcpu,
					     const char *name)
{
	struct msrtop_kvm_stat_row key = {.pid = pid, .vm_fd = 7, .vcpu = vcpu};

	snprintf(key.name, sizeof(key.name), "%s", name);
	if (pid == 200)
		key.vm_fd = 3;
	return snapshot_find_row(s, MSRTOP_KIND_KVM_STATS, &key);
}

static void test_read_tree(void **state)
{
	struct msrtop_source src = {0};
	struct kvm_debugfs *d = NULL;
	const struct kvm_debugfs_skipped *sk;
	struct msrtop_snapshot *s;
	const struct msrtop_kvm_stat_row *r;
	char path[512], big[400], buf[256];
	uint32_t only = 200;

	dir("kvm");
	dir("kvm/100-7");
	dir("kvm/100-7/vcpu0");
	dir("kvm/100-7/vcpu1");
	dir("kvm/100-7/notvcpu");
	dir("kvm/200-3");
	dir("kvm/junk");
	put("kvm/exits", "99\n", 0644); /* host-wide: not a VM's */
	put("kvm/100-7/exits", "42\n", 0644);
	put("kvm/100-7/pages_4k", "3\n", 0444);
	put("kvm/100-7/max_mmu_rmap_size", "9\n", 0644); /* a peak: not cumulative */
	put("kvm/100-7/halt_wait_hist", "1 2 3\n", 0644);
	put("kvm/100-7/huge", "18446744073709551615\n", 0644);
	put("kvm/100-7/too_huge", "18446744073709551616\n", 0644);
	put("kvm/100-7/bad name", "1\n", 0644);
	put("kvm/100-7/mmu_rmaps_stat", "Rmap_Count:\t0\t1\n", 0644);
	put("kvm/100-7/empty", "", 0644);
	memset(big, '1', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	put("kvm/100-7/overlong", big, 0644);
	put("kvm/100-7/vcpu0/pid", "1234\n", 0444); /* a thread id, not a statistic */
	put("kvm/100-7/vcpu0/tsc-offset", "-5\n", 0444);
	put("kvm/100-7/vcpu0/lapic_timer_advance_ns", "1000\n", 0444);
	put("kvm/100-7/vcpu1/guest_mode", "0\n", 0444);
	put("kvm/100-7/notvcpu/exits", "7\n", 0644);
	put("kvm/200-3/exits", "5\n", 0644);
	snprintf(path, sizeof(path), "%s/kvm/100-7/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0644), 0); /* never opened: it would block */

	assert_int_equal(kvm_debugfs_open(tmpdir, NULL, &src, &d), 0);
	assert_int_equal(src.state, MSRTOP_SRC_ATTACHED);
	assert_string_equal(src.attach, "debugfs");
	assert_null(kvm_debugfs_why(&src, buf, sizeof(buf)));

	s = snapshot_new();
	assert_non_null(s);
	assert_int_equal(kvm_debugfs_read(d, s, NULL, 0), 0);
	snapshot_sort(s);
	assert_int_equal(snapshot_nr(s, MSRTOP_KIND_KVM_STATS), 8);
	r = row(s, 100, MSRTOP_KVM_STAT_VM, "exits");
	assert_non_null(r);
	assert_true(r->cumulative && !r->instant);
	assert_int_equal(r->value, 42);
	assert_int_equal(r->count.total, 42);
	r = row(s, 100, MSRTOP_KVM_STAT_VM, "pages_4k");
	assert_non_null(r);
	assert_true(!r->cumulative && r->instant);
	assert_int_equal(r->value, 3);
	assert_int_equal(r->count.total, 0);
	r = row(s, 100, MSRTOP_KVM_STAT_VM, "max_mmu_rmap_size");
	assert_non_null(r);
	assert_true(r->instant);
	r = row(s, 100, MSRTOP_KVM_STAT_VM, "halt_wait_hist");
	assert_non_null(r);
	assert_int_equal(r->value, 6);
	r = row(s, 100, MSRTOP_KVM_STAT_VM, "huge");
	assert_non_null(r);
	assert_true(r->value == UINT64_MAX);
	assert_non_null(row(s, 100, 0, "lapic_timer_advance_ns"));
	assert_int_equal(row(s, 100, 0, "lapic_timer_advance_ns")->value, 1000);
	assert_non_null(row(s, 100, 1, "guest_mode"));
	assert_null(row(s, 100, 0, "pid"));
	assert_null(row(s, 100, 0, "tsc-offset"));
	assert_non_null(row(s, 200, MSRTOP_KVM_STAT_VM, "exits"));
	assert_int_equal(row(s, 200, MSRTOP_KVM_STAT_VM, "exits")->value, 5);
	sk = kvm_debugfs_skipped(d);
	assert_int_equal(sk->bad_name, 1);
	/* too_huge, mmu_rmaps_stat, empty, overlong, tsc-offset */
	assert_int_equal(sk->not_count, 5);
	assert_int_equal(sk->denied, 0);
	assert_int_equal(sk->over_limit, 0);
	snapshot_put(s);

	/* --pid: the other VM's directory is not read. */
	s = snapshot_new();
	assert_non_null(s);
	assert_int_equal(kvm_debugfs_read(d, s, &only, 1), 0);
	assert_int_equal(snapshot_nr(s, MSRTOP_KIND_KVM_STATS), 1);
	snapshot_put(s);
	kvm_debugfs_close(d);
}

/* More VM directories than the reader takes: the rest are counted, not read. */
static void test_bounds(void **state)
{
	struct msrtop_source src = {0};
	struct kvm_debugfs *d = NULL;
	struct msrtop_snapshot *s;
	char rel[64];

	dir("many");
	dir("many/kvm");
	for (int i = 0; i < KVM_DEBUGFS_MAX_VMS + 5; i++) {
		snprintf(rel, sizeof(rel), "many/kvm/%d-4", 1000 + i);
		dir(rel);
		snprintf(rel, sizeof(rel), "many/kvm/%d-4/exits", 1000 + i);
		put(rel, "1\n", 0644);
	}
	snprintf(rel, sizeof(rel), "%s/many", tmpdir);
	assert_int_equal(kvm_debugfs_open(rel, NULL, &src, &d), 0);
	s = snapshot_new();
	assert_non_null(s);
	assert_int_equal(kvm_debugfs_read(d, s, NULL, 0), 0);
	assert_int_equal(snapshot_nr(s, MSRTOP_KIND_KVM_STATS), KVM_DEBUGFS_MAX_VMS);
	assert_int_equal(kvm_debugfs_skipped(d)->over_limit, 5);
	snapshot_put(s);
	kvm_debugfs_close(d);
}

/* The states of a debugfs that is not there, and what each says. */
static void test_states(void **state)
{
	struct msrtop_source src = {0};
	struct kvm_debugfs *d = NULL;
	char path[512], buf[256];
	const char *why;

	snprintf(path, sizeof(path), "%s/nokvm", tmpdir);
	dir("nokvm");
	assert_int_equal(kvm_debugfs_open(path, NULL, &src, &d), 0);
	assert_int_equal(src.state, MSRTOP_SRC_MISSING);
	why = kvm_debugfs_why(&src, buf, sizeof(buf));
	assert_non_null(why);
	assert_non_null(strstr(why, "KVM is not loaded"));
	kvm_debugfs_close(d);

	src = (struct msrtop_source){.state = MSRTOP_SRC_FAILED, .error = ENOENT};
	assert_non_null(strstr(kvm_debugfs_why(&src, buf, sizeof(buf)), "mount -t debugfs"));
	src.error = EACCES;
	assert_non_null(strstr(kvm_debugfs_why(&src, buf, sizeof(buf)), "as root"));
	src = (struct msrtop_source){.state = MSRTOP_SRC_ATTACHED, .error = EPERM};
	assert_non_null(strstr(kvm_debugfs_why(&src, buf, sizeof(buf)), "lockdown"));
	src.state = MSRTOP_SRC_OFF;
	assert_non_null(strstr(kvm_debugfs_why(&src, buf, sizeof(buf)), "--sources"));
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_value), cmocka_unit_test(test_names),
		cmocka_unit_test(test_dir_names),   cmocka_unit_test(test_find_mount),
		cmocka_unit_test(test_read_tree),   cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_states),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	if (setup(NULL))
		return 1;
	int rc = tap_cmocka_run("kvm_debugfs", tests, sizeof(tests) / sizeof(tests[0]), NULL);

	teardown(NULL);
	return rc;
}
