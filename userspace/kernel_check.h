/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What msrtop needs from the running kernel and from its caller, checked up
 * front so that each missing piece gets one clear line instead of a failure
 * deep inside libbpf. Each check returns 0, or a negative errno and a message
 * in msg: what is wrong, then what to do about it.
 */
#ifndef MSRTOP_KERNEL_CHECK_H
#define MSRTOP_KERNEL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

#define KC_VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/*
 * The effective capabilities: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN (which
 * the kernel takes for both; the only one before 5.8). Root is checked the
 * same way: a container or a bounding set may have taken them from it. The
 * message names what is missing.
 */
int kc_check_privileges(char *msg, size_t len);

/* The kernel exposes its BTF (CONFIG_DEBUG_INFO_BTF): CO-RE and tp_btf need it. */
int kc_check_btf(char *msg, size_t len);

/*
 * Finds tracefs (classic tracepoints are attached through it), mounting it on
 * /sys/kernel/tracing when it is not mounted anywhere. Writes the tracefs
 * root to dir ("/sys/kernel/tracing"). Tells apart, in its message, a
 * tracefs this process may not enter (-EACCES: CAP_DAC_READ_SEARCH) from
 * one that is not mounted and cannot be (-EPERM: CAP_SYS_ADMIN).
 */
int kc_tracefs(char *dir, size_t dir_len, char *msg, size_t len);

/* Whether tracefs root dir has the event kvm/name. */
bool kc_tracefs_has_event(const char *dir, const char *name);

/*
 * Whether the kernel has tracepoint name: its btf_trace_<name> typedef is in
 * vmlinux or in the kvm module's BTF (kvm may be NULL).
 */
bool kc_btf_has_tracepoint(const struct btf *vmlinux, const struct btf *kvm, const char *name);

/* Whether struct name is in vmlinux or in module's BTF (either may be NULL). */
bool kc_btf_has_struct(const struct btf *vmlinux, const struct btf *module, const char *name);

#endif /* MSRTOP_KERNEL_CHECK_H */
