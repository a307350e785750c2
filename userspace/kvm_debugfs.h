/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's statistics as debugfs shows them, without BPF: one directory per VM,
 * <debugfs>/kvm/<pid>-<vm fd>/, one file per statistic of the VM and per
 * statistic of its vCPUs (summed over them), and vcpuN/ directories with a
 * few values of one vCPU (tsc-offset, lapic_timer_advance_ns, ...). Names
 * differ from kernel to kernel: whatever files are there are read, never a
 * fixed list.
 *
 * A file's mode says what KVM keeps in it: a cumulative count (and peaks,
 * which KVM lets one clear) is 0644, an instant value 0444. Peaks ("max_*")
 * are shown as instant values: they go up and down with KVM's resets.
 *
 * The reader adds one row of kind MSRTOP_KIND_KVM_STATS (kind_rows.h) per
 * file to a snapshot. It is bounded: at most KVM_DEBUGFS_MAX_VMS VM
 * directories, KVM_DEBUGFS_MAX_FILES files per VM directory and
 * KVM_DEBUGFS_MAX_VCPUS vCPU directories per VM, each file read through a
 * buffer of KVM_DEBUGFS_BUF bytes; names that are not [A-Za-z0-9_.-]{1,47}
 * are left out (they become Prometheus label values and JSON strings).
 */
#ifndef MSRTOP_KVM_DEBUGFS_H
#define MSRTOP_KVM_DEBUGFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

#define KVM_DEBUGFS_MAX_VMS 1024
#define KVM_DEBUGFS_MAX_FILES 512 /* per VM directory, and per vCPU directory */
#define KVM_DEBUGFS_MAX_VCPUS 1024
#define KVM_DEBUGFS_BUF 256
#define KVM_DEBUGFS_DEFAULT "/sys/kernel/debug"

struct kvm_debugfs;

/* What the last read left out, for -v. */
struct kvm_debugfs_skipped {
	uint64_t denied;     /* files debugfs refused to open (EPERM: kernel lockdown; EACCES) */
	uint64_t unreadable; /* other read errors (a VM going away is not one) */
	uint64_t not_count;  /* content not unsigned decimal numbers (a signed tsc-offset) */
	uint64_t bad_name;   /* names left out (not [A-Za-z0-9_.-]{1,47}) */
	uint64_t over_limit; /* VMs, vCPUs or files beyond the bounds above */
	int denied_errno;    /* the errno of the first denied file */
};

/*
 * Finds debugfs (mountinfo: the first debugfs mount; else KVM_DEBUGFS_DEFAULT
 * if it has a kvm directory) and decides src's state: ATTACHED when
 * <debugfs>/kvm can be read, MISSING when debugfs is not mounted or has no
 * kvm directory (KVM not loaded), FAILED with src->error otherwise (EACCES:
 * not root). root, when not NULL, is used as the debugfs mount point instead
 * (tests); mountinfo NULL: /proc/self/mountinfo. Never fails but for
 * -ENOMEM: the rest of msrtop works whatever debugfs's state.
 */
int kvm_debugfs_open(const char *root, const char *mountinfo, struct msrtop_source *src,
		     struct kvm_debugfs **out);
void kvm_debugfs_close(struct kvm_debugfs *d);

/* The debugfs mount point found ("" if none). */
const char *kvm_debugfs_root(const struct kvm_debugfs *d);

/*
 * Adds a row per statistic of every VM directory (of the pids given; nr_pids
 * 0: all) to s. Files that cannot be read are counted in the skipped account,
 * not fatal. Returns 0, or -ENOMEM.
 */
int kvm_debugfs_read(struct kvm_debugfs *d, struct msrtop_snapshot *s, const uint32_t *pids,
		     size_t nr_pids);

/* What the last read left out. */
const struct kvm_debugfs_skipped *kvm_debugfs_skipped(const struct kvm_debugfs *d);

/*
 * One line (no newline) saying why the statistics are missing or partial, by
 * the source's state and error (the collector sets error to the errno of
 * files debugfs refused while the source is attached), for the text table
 * and the live view; NULL when there is nothing to say. buf: room for it.
 */
const char *kvm_debugfs_why(const struct msrtop_source *src, char *buf, size_t len);

/* ---- the parsers (unit tests) ---- */

/*
 * A statistics file's content (len bytes, not NUL-terminated): one or more
 * unsigned decimal numbers separated by white space, summed (a histogram file
 * of several buckets: its number of samples). 0, -EINVAL (empty, not such
 * numbers), or -ERANGE (a number or the sum above 2^64 - 1).
 */
int kvm_debugfs_parse_value(const char *buf, size_t len, uint64_t *value, unsigned int *nr);

/* Whether name can be a statistic's name: [A-Za-z0-9_.-], 1 to 47 bytes. */
bool kvm_debugfs_name_ok(const char *name);

/* A VM directory's name "<pid>-<fd>" (both decimal u32, no sign, no leading junk): 0 or -EINVAL. */
int kvm_debugfs_parse_vm_dir(const char *name, uint32_t *pid, uint32_t *fd);

/* A vCPU directory's name "vcpu<N>": 0 or -EINVAL. */
int kvm_debugfs_parse_vcpu_dir(const char *name, uint32_t *vcpu);

/*
 * The mount point of the first debugfs in a mountinfo file (octal escapes
 * such as \040 undone) into out: 0, -ENOENT (none), or an errno of reading it.
 */
int kvm_debugfs_find_mount(const char *mountinfo, char *out, size_t len);

#endif /* MSRTOP_KVM_DEBUGFS_H */
