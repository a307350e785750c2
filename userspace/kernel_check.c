// SPDX-License-Identifier: GPL-2.0
/* Up-front checks of privileges, BTF and tracefs (kernel_check.h). */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <mntent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "kernel_check.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool cap_effective(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Whether this kernel knows CAP_BPF (5.8 and later): /proc/sys/kernel/cap_last_cap. */
static bool kernel_has_cap_bpf(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int last = -1;

	if (!f)
		return true; /* no /proc: assume a current kernel */
	if (fscanf(f, "%d", &last) != 1)
		last = -1;
	fclose(f);
	return last < 0 || last >= CAP_BPF;
}

static const char *const tracefs_paths[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

/* 0 if dir/events is a directory this process can reach, else the errno of the lookup. */
static int events_errno(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", dir);
	if (stat(path, &st))
		return errno;
	return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

/*
 * Looks for a usable tracefs: the usual places, then every tracefs mount the
 * kernel lists in /proc/self/mounts (readable by anyone). 0 and its root in
 * dir; -EACCES when tracefs is mounted but this process may not enter it
 * (its mount point in dir); -ENOENT when no tracefs is mounted.
 */
static int find_tracefs(char *dir, size_t dir_len)
{
	bool denied = false;
	struct mntent *m;
	FILE *f;

	for (size_t i = 0; i < sizeof(tracefs_paths) / sizeof(tracefs_paths[0]); i++) {
		if (!events_errno(tracefs_paths[i])) {
			snprintf(dir, dir_len, "%s", tracefs_paths[i]);
			return 0;
		}
	}
	/*
	 * Only a listed mount point proves tracefs is there: EACCES on the
	 * usual paths may as well come from a root-only debugfs above them.
	 */
	f = setmntent("/proc/self/mounts", "r");
	while (f && (m = getmntent(f))) {
		int err;

		if (strcmp(m->mnt_type, "tracefs"))
			continue;
		err = events_errno(m->mnt_dir);
		if (!err) {
			snprintf(dir, dir_len, "%s", m->mnt_dir);
			endmntent(f);
			return 0;
		}
		if (err == EACCES && !denied) {
			snprintf(dir, dir_len, "%s", m->mnt_dir); /* the first one, for the message */
			denied = true;
		}
	}
	if (f)
		endmntent(f);
	return denied ? -EACCES : -ENOENT;
}

int kc_check_privileges(char *msg, size_t len)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {0};
	bool admin, bpf, perfmon;
	char tracefs[PATH_MAX];
	const char *missing;

	if (syscall(SYS_capget, &hdr, data)) {
		int err = errno;

		snprintf(msg, len, "cannot read this process's capabilities (%s)", strerror(err));
		return -err;
	}
	/* The kernel's own rule: CAP_SYS_ADMIN stands in for both. */
	admin = cap_effective(data, CAP_SYS_ADMIN);
	bpf = admin || cap_effective(data, CAP_BPF);
	perfmon = admin || cap_effective(data, CAP_PERFMON);
	if (bpf && perfmon)
		return 0;
	if (!kernel_has_cap_bpf()) {
		snprintf(msg, len,
			 "loading BPF programs on this kernel (before 5.8: no CAP_BPF) needs "
			 "CAP_SYS_ADMIN: run msrtop as root (sudo)");
		return -EPERM;
	}
	missing = !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON" : !bpf ? "CAP_BPF" : "CAP_PERFMON";
	if (geteuid() == 0) {
		/* Root, but the capabilities are not in its bounding set. */
		snprintf(msg, len,
			 "running as root but without %s (dropped from this process's capability "
			 "bounding set, by a container or a service's CapabilityBoundingSet?): "
			 "allow CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN",
			 missing);
		return -EPERM;
	}
	snprintf(msg, len,
		 "missing %s to load and attach BPF programs: run msrtop as root (sudo), or give "
		 "it CAP_BPF and CAP_PERFMON%s",
		 missing,
		 find_tracefs(tracefs, sizeof(tracefs)) == -EACCES
			 ? ", and CAP_DAC_READ_SEARCH to enter tracefs"
			 : "");
	return -EPERM;
}

int kc_check_btf(char *msg, size_t len)
{
	if (access(KC_VMLINUX_BTF, R_OK) == 0)
		return 0;
	if (errno == ENOENT)
		snprintf(msg, len,
			 "this kernel has no BTF (%s is missing): msrtop needs a kernel built "
			 "with CONFIG_DEBUG_INFO_BTF=y",
			 KC_VMLINUX_BTF);
	else
		snprintf(msg, len, "cannot read %s (%s): run msrtop as root", KC_VMLINUX_BTF,
			 strerror(errno));
	return -ENOENT;
}

int kc_tracefs(char *dir, size_t dir_len, char *msg, size_t len)
{
	int err;

	err = find_tracefs(dir, dir_len);
	if (err == -EACCES) {
		snprintf(msg, len,
			 "permission denied on tracefs at %s (usually mode 0700, root's): run "
			 "msrtop as root, or give it CAP_DAC_READ_SEARCH as well",
			 dir);
		return err;
	}
	if (!err)
		return 0;
	/* Not mounted anywhere: mount it where it belongs. */
	if (mount("nodev", tracefs_paths[0], "tracefs", 0, NULL))
		err = errno;
	else
		err = events_errno(tracefs_paths[0]);
	if (!err) {
		snprintf(dir, dir_len, "%s", tracefs_paths[0]);
		return 0;
	}
	if (err == ENODEV)
		snprintf(msg, len,
			 "this kernel has no tracefs: msrtop needs a kernel built with "
			 "CONFIG_FTRACE (tracepoints)");
	else if (err == EPERM)
		snprintf(msg, len,
			 "tracefs is not mounted, and mounting it needs CAP_SYS_ADMIN: run "
			 "'mount -t tracefs nodev %s' as root, or msrtop as root",
			 tracefs_paths[0]);
	else
		snprintf(msg, len,
			 "tracefs is not mounted and mounting it on %s failed (%s): run "
			 "'mount -t tracefs nodev %s' as root",
			 tracefs_paths[0], strerror(err), tracefs_paths[0]);
	return -err;
}

bool kc_tracefs_has_event(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events/kvm/%s/id", dir, name);
	return stat(path, &st) == 0;
}

bool kc_btf_has_tracepoint(const struct btf *vmlinux, const struct btf *kvm, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	if (vmlinux && btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) > 0)
		return true;
	return kvm && btf__find_by_name_kind(kvm, type, BTF_KIND_TYPEDEF) > 0;
}

bool kc_btf_has_struct(const struct btf *vmlinux, const struct btf *module, const char *name)
{
	if (vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_STRUCT) > 0)
		return true;
	return module && btf__find_by_name_kind(module, name, BTF_KIND_STRUCT) > 0;
}
