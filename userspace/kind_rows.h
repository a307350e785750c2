/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rows of the snapshot (snapshot.h): the counters and histograms they
 * are made of, and for each kind of event its id and its row struct. The
 * descriptor of each kind, which says how its rows are sorted, merged,
 * collected and shown, is in kinds.h / kinds.c; the snapshot holds one table
 * of rows per kind (struct msrtop_table), whatever the kinds are.
 *
 * Numbers are raw: pids, vCPU ids, MSR indexes, exit reason codes. Names are
 * the outputs' business (msr_names.h, exit_reasons.h, kvm_names.h).
 */
#ifndef MSRTOP_KIND_ROWS_H
#define MSRTOP_KIND_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "msrtop.h" /* MSRTOP_HIST_SLOTS, MSRTOP_VCPU_*, MSRTOP_OUTCOME_*, MSRTOP_ISA_* */

/* A cumulative counter and its change since the previous snapshot. */
struct msrtop_counter {
	uint64_t total; /* since the programs were attached */
	uint64_t delta; /* since the previous snapshot (the first: since attach) */
	double rate;	/* delta per second of interval_s; 0 when interval_s is 0 */
};

/* A log2 histogram of durations in nanoseconds: slots[i] counts values v with
 * 2^i <= v < 2^(i+1); slot 0 also counts 0; the last slot everything above.
 * min_ns and max_ns are the shortest and longest value, exactly (0 while count
 * is 0); in the part of a histogram added in one interval (hist_delta) they are
 * those of the cumulative histogram, as the kernel keeps no others. */
struct msrtop_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t slots[MSRTOP_HIST_SLOTS];
};

/* The kinds of rows, in the order every output lists them (msrtop_kinds[], kinds.c). */
enum msrtop_kind_id {
	MSRTOP_KIND_EXITS,
	MSRTOP_KIND_MSRS,
	MSRTOP_KIND_UEXITS,
	MSRTOP_KIND_INTERCEPTS,
	MSRTOP_KIND_OUTCOMES,
	MSRTOP_KIND_CANON,
	MSRTOP_KIND_MSR_SAMPLES,
	MSRTOP_KIND_MSR_VALUES,
	MSRTOP_KIND_KVM_STATS,
	MSRTOP_KIND_PIOS,
	MSRTOP_KIND_MMIOS,
	MSRTOP_KIND_HYPERCALLS,
	MSRTOP_KIND_CPUIDS,
	MSRTOP_KIND_INJ_VIRQS,
	MSRTOP_KIND_INJ_EXCEPTIONS,
	MSRTOP_KIND_NR
};

/*
 * vCPU identity in every row that has one: vcpu is the kernel's vcpu_id when
 * vcpu_src is MSRTOP_VCPU_KERNEL (the event carried it) or MSRTOP_VCPU_LEARNED
 * (learned for the thread from another event), and the thread id when
 * MSRTOP_VCPU_TID.
 */

/* kvm_exit / kvm_nested_vmexit. Key: pid, vcpu_src, vcpu, isa, reason, nested. */
struct msrtop_exit_row {
	uint32_t pid;
	uint8_t vcpu_src;
	uint32_t vcpu;
	uint8_t isa;	 /* the event's ISA: MSRTOP_ISA_VMX 1, MSRTOP_ISA_SVM 2 */
	uint32_t reason; /* as recorded: VMX with modifier bits 31:16 */
	bool nested;	 /* kvm_nested_vmexit (these exits are in kvm_exit's rows too) */
	struct msrtop_counter count;
	struct msrtop_hist latency;	  /* exit-to-entry, cumulative; kvm_exit rows only */
	struct msrtop_hist latency_delta; /* the part of latency added this interval */
};

/* kvm_msr. Key: pid, vcpu_src, vcpu, msr, write. */
struct msrtop_msr_row {
	uint32_t pid;
	uint8_t vcpu_src;
	uint32_t vcpu;
	uint32_t msr;
	bool write;
	struct msrtop_counter count; /* accesses, including faulting ones */
	struct msrtop_counter gp;    /* accesses that raised #GP */
	/* Writes only: successful writes and their values. */
	bool has_value; /* false for reads, and writes that all faulted */
	uint64_t last_value;
	struct msrtop_counter changes; /* writes with a value other than the one before */
};

/* kvm_userspace_exit. Key: pid, error, reason. */
struct msrtop_uexit_row {
	uint32_t pid;
	bool error;	 /* KVM_RUN failed: reason is the (positive) errno */
	uint32_t reason; /* KVM_EXIT_* when !error */
	struct msrtop_counter count;
};

/* kvm_msr_intercept. Key: pid, vcpu_src, vcpu, isa, exit_code, msr, write. */
struct msrtop_intercept_row {
	uint32_t pid;
	uint8_t vcpu_src;
	uint32_t vcpu;
	uint8_t isa;
	uint64_t exit_code;
	uint32_t msr;
	bool write;
	struct msrtop_counter count;
};

/* kvm_msr_outcome. Key: pid, vcpu_src, vcpu, msr, write, outcome, reason. */
struct msrtop_outcome_row {
	uint32_t pid;
	uint8_t vcpu_src;
	uint32_t vcpu;
	uint32_t msr;
	bool write;
	uint8_t outcome; /* MSRTOP_OUTCOME_*; 255: out of range */
	uint8_t reason;	 /* meaning depends on outcome (msrtop.h); 255: out of range */
	bool emulated;	 /* KVM's instruction emulator ran the access: no MSR exit */
	struct msrtop_counter count;
	struct msrtop_hist duration; /* duration_ns, cumulative */
};

/* kvm_msr_canonical. Key: pid, vcpu_src, vcpu, msr. */
struct msrtop_canon_row {
	uint32_t pid;
	uint8_t vcpu_src;
	uint32_t vcpu;
	uint32_t msr;
	struct msrtop_counter count;
	struct msrtop_counter rejected;
	struct msrtop_counter fixups; /* accepted with a changed value */
};

/* --sample-msr: guest MSRs read at kvm_exit (patch 0006's kfunc). Key: pid, vcpu_src, vcpu, msr. */
struct msrtop_sample_row {
	uint32_t pid;
	uint8_t vcpu_src;
	uint32_t vcpu;
	uint32_t msr;
	struct msrtop_counter samples; /* successful reads */
	struct msrtop_counter changes; /* reads whose value differs from the previous read's */
	struct msrtop_counter errors;  /* reads the kfunc refused */
	bool has_value;		       /* samples > 0 */
	uint64_t last_value;
};

/* Sampled exits per VM, MSR and value (FS_BASE, GS_BASE, KERNEL_GS_BASE). Key: pid, msr, value. */
struct msrtop_value_row {
	uint32_t pid;
	uint32_t msr;
	uint64_t value;
	struct msrtop_counter exits;
};

#define MSRTOP_KVM_STAT_NAME_LEN 48
#define MSRTOP_KVM_STAT_VM UINT32_MAX /* vcpu of a VM-wide statistic */

/*
 * KVM's own statistics, read from debugfs (kvm_debugfs.h), not from BPF.
 * Key: pid, vm_fd, vcpu (the VM-wide files first), name. A VM-wide file (vcpu
 * MSRTOP_KVM_STAT_VM) holds a VM statistic or a vCPU statistic summed over
 * the VM's vCPUs; vcpuN/ files one vCPU's.
 */
struct msrtop_kvm_stat_row {
	uint32_t pid;
	uint32_t vm_fd; /* the VMM's file descriptor of the VM (one VMM can hold several) */
	uint32_t vcpu;
	char name[MSRTOP_KVM_STAT_NAME_LEN]; /* the file's name: [A-Za-z0-9_.-] */
	bool cumulative;		     /* a count KVM only adds to: count is set */
	bool instant;			     /* !cumulative: a level (or a peak), in value */
	uint64_t value;			     /* as read (a histogram file: its samples) */
	struct msrtop_counter count;	     /* cumulative ones: value, delta and rate */
};

/*
 * The KVM event kinds, one row struct for all: kvm_pio, kvm_mmio,
 * kvm_hypercall, kvm_cpuid, kvm_inj_virq, kvm_inj_exception (msrtop.h's
 * struct msrtop_event_key says what code, arg and flag are for each).
 * Key: pid, vcpu_src, vcpu, code, arg, flag.
 */
struct msrtop_event_row {
	uint32_t pid;
	uint8_t vcpu_src;
	uint32_t vcpu;
	uint64_t code;
	uint32_t arg;
	uint8_t flag;
	struct msrtop_counter count;
};

#endif /* MSRTOP_KIND_ROWS_H */
