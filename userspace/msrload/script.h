/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msrload scripts: what the guest does (parsed from the command line) and the
 * ground truth of what it did (accounted per vCPU, merged for the VM).
 */
#ifndef MSRLOAD_SCRIPT_H
#define MSRLOAD_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "guest_abi.h"

#define SCRIPT_MAX_DENY 16 /* KVM_MSR_FILTER_MAX_RANGES */
#define SCRIPT_MAX_COUNT 1000000000000ULL /* per op and repetition */
#define SCRIPT_MAX_REPS 1000000000000ULL

#define DENY_READ 0x1
#define DENY_WRITE 0x2

/* An MSR whose accesses KVM hands to msrload (MSR filter + user-space MSR exits). */
struct deny_rule {
	uint32_t msr;
	uint32_t dirs; /* DENY_READ | DENY_WRITE */
	int inject_gp; /* answer with #GP instead of accepting */
	uint64_t read_value; /* value returned for an accepted read */
};

struct script {
	struct guest_script gs;
	struct deny_rule deny[SCRIPT_MAX_DENY];
	unsigned int ndeny;
	unsigned int vcpus;
	int reps_given;
	double duration; /* seconds; 0 = none */
	double rate; /* repetitions per second per vCPU; 0 = as fast as possible */
	const char *name; /* --name: the guest's name (in argv, as QEMU's -name); NULL: none */
};

/* Ground truth for one MSR on one vCPU (or merged over vCPUs). */
struct msr_truth {
	uint32_t msr;
	uint64_t writes, reads; /* executed by the guest */
	uint64_t write_faults, read_faults; /* #GP the guest took */
	uint64_t write_fep, read_fep; /* of the executed, through the forced-emulation prefix */
	uint64_t write_user, read_user; /* handed to msrload (user-space MSR exits) */
	uint64_t write_user_gp, read_user_gp; /* of those, answered with #GP */
};

#define TRUTH_MAX_MSRS (GUEST_MAX_OPS + SCRIPT_MAX_DENY)
#define TRUTH_MAX_KSTATS 64

struct kvm_stat_value {
	char name[48]; /* KVM_STATS_NAME_SIZE */
	uint64_t value;
	int cumulative; /* summed in a merged total; peaks and levels are not */
};

struct truth {
	unsigned int vcpu; /* index; meaningless in a merged total */
	pid_t tid;
	uint64_t reps;
	unsigned int nmsrs;
	struct msr_truth msrs[TRUTH_MAX_MSRS];
	uint64_t cpuid; /* executed by the guest */
	uint64_t wbinvd; /* executed by the guest */
	uint64_t pio_out, pio_in; /* scripted port I/O exits seen by msrload */
	uint64_t hlt; /* KVM_EXIT_HLT seen by msrload (--hlt's; --irq's are in irq) */
	uint64_t hypercall; /* executed by the guest */
	uint64_t mmio_read, mmio_write; /* KVM_EXIT_MMIO seen by msrload */
	uint64_t irq; /* interrupts msrload injected (KVM_INTERRUPT) */
	uint64_t irq_taken; /* of those, taken by the guest's handler */
	uint64_t control_pio; /* msrload's own port writes (one per repetition, one at the end) */
	uint64_t user_msr_exits; /* KVM_EXIT_X86_RDMSR/WRMSR seen by msrload */
	/* KVM's own statistics of the vCPU (KVM_GET_STATS_FD), read after its last
	 * KVM_RUN: the kernel's account, e.g. "exits" (every VM exit). In a merged
	 * total, the cumulative ones summed. */
	unsigned int nkstats;
	struct kvm_stat_value kstats[TRUTH_MAX_KSTATS];
};

void script_init(struct script *s);
/* The built-in script used when no operation is given (see msrload --help). */
void script_set_default(struct script *s);

/*
 * Parse one command-line operation into the script. Each returns 0, or -1
 * with a one-line reason in err.
 *   wrmsr: MSR:VALUE[:COUNT[:fep]]    rdmsr: MSR[:COUNT[:fep]]
 *   cpuid: LEAF[:COUNT]   outb: PORT[:COUNT[:VALUE]]   inb: PORT[:COUNT]   hlt: COUNT
 *   wbinvd: COUNT   hypercall: NR[:COUNT]   mmio-read: ADDR[:COUNT]
 *   mmio-write: ADDR[:COUNT[:VALUE]]   irq: VECTOR[:COUNT]
 *   deny:  MSR[:r|w|rw[:ok|gp[:VALUE]]]
 */
int script_add_op(struct script *s, enum guest_op_kind kind, const char *spec, char *err,
		  size_t errlen);
int script_add_deny(struct script *s, const char *spec, char *err, size_t errlen);
/* An operation's name as on the command line ("wrmsr", "hlt"...); "?" if unknown. */
const char *script_op_name(enum guest_op_kind kind);
/* Cross-checks once every option is in: ports, repetitions, duration. */
int script_validate(const struct script *s, char *err, size_t errlen);

/* Strict number parsers: decimal or 0x-hex, whole string, range-checked. */
int parse_u64(const char *str, uint64_t *out);
int parse_u32(const char *str, uint32_t *out);
int parse_seconds(const char *str, double *out);

const struct deny_rule *script_find_deny(const struct script *s, uint32_t msr, int write);

/* Accounting. */
struct msr_truth *truth_msr(struct truth *t, uint32_t msr);
/* Fill the guest-executed counts from the script, the repetitions done and the guest's #GP counts. */
void truth_from_guest(struct truth *t, const struct script *s, const struct guest_area *area);
void truth_user_msr(struct truth *t, uint32_t msr, int write, int gp);
void truth_merge(struct truth *total, const struct truth *t);

#endif
