// SPDX-License-Identifier: GPL-2.0
/* Up-front checks of privileges, BTF and tracefs (kernel_check.h). */
#include <errno.h>
#include <linux/capability.h>
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

int kc_check_privileges(char *msg, size_t len)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {0};

	if (geteuid() == 0)
		return 0;
	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    ((cap_effective(data, CAP_BPF) && cap_effective(data, CAP_PERFMON)) ||
	     cap_effective(data, CAP_SYS_ADMIN)))
		return 0;
	snprintf(msg, len,
		 "loading BPF programs needs root or the capabilities CAP_BPF and CAP_PERFMON: "
		 "run msrtop with sudo");
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

static bool has_events(const char *dir)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", dir);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int kc_tracefs(char *dir, size_t dir_len, char *msg, size_t len)
{
	static const char *const candidates[] = {
		"/sys/kernel/tracing",
		"/sys/kernel/debug/tracing",
	};
	int err;

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (has_events(candidates[i])) {
			snprintf(dir, dir_len, "%s", candidates[i]);
			return 0;
		}
	}
	if (mount("nodev", candidates[0], "tracefs", 0, NULL) == 0 && has_events(candidates[0])) {
		snprintf(dir, dir_len, "%s", candidates[0]);
		return 0;
	}
	err = errno;
	if (err == ENODEV)
		snprintf(msg, len,
			 "this kernel has no tracefs: msrtop needs a kernel built with "
			 "CONFIG_FTRACE (tracepoints)");
	else
		snprintf(msg, len,
			 "tracefs is not mounted and mounting it failed (%s): run "
			 "'mount -t tracefs nodev /sys/kernel/tracing' as root",
			 strerror(err));
	return -(err ? err : ENOENT);
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
