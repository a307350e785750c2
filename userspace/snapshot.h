/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshot: one reading of every msrtop counter, taken once per interval
 * by the collector (collector.h). It is the only thing outputs (text, JSON,
 * terminal view, HTTP) see: they never touch BPF maps, and nothing in here
 * knows about any output.
 *
 * Numbers are raw: pids, vCPU ids, MSR indexes, exit reason codes. Names are
 * the outputs' business (msr_names.h, exit_reasons.h, kvm_names.h).
 *
 * Counters are cumulative since the BPF programs were attached ("total"), and
 * compared with the previous snapshot ("delta", "rate"). Every table is sorted
 * by its key (the field order of its row struct, see each row); outputs sort
 * copies for display.
 *
 * Snapshots are reference counted so that a consumer in another thread (the
 * HTTP endpoint) can keep one while the collector makes the next: a snapshot
 * is never changed once snapshot_finish() has run.
 */
#ifndef MSRTOP_SNAPSHOT_H
#define MSRTOP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msrtop.h" /* MSRTOP_HIST_SLOTS, MSRTOP_VCPU_*, MSRTOP_MAP_*, MSRTOP_OUTCOME_*, MSRTOP_ISA_* */

/* A cumulative counter and its change since the previous snapshot. */
struct msrtop_counter {
	uint64_t total; /* since the programs were attached */
	uint64_t delta; /* since the previous snapshot (the first: since attach) */
	double rate;	/* delta per second of interval_s; 0 when interval_s is 0 */
};

/* A log2 histogram of durations in nanoseconds: slots[i] counts values v with
 * 2^i <= v < 2^(i+1); slot 0 also counts 0; the last slot everything above. */
struct msrtop_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t slots[MSRTOP_HIST_SLOTS];
};

/* ---- sources -------------------------------------------------------------- */

/* The tracepoints msrtop can attach to, all in the kvm group. */
enum msrtop_source_id {
	MSRTOP_SRC_KVM_EXIT,
	MSRTOP_SRC_KVM_ENTRY,
	MSRTOP_SRC_KVM_NESTED_VMEXIT,
	MSRTOP_SRC_KVM_MSR,
	MSRTOP_SRC_KVM_USERSPACE_EXIT,
	MSRTOP_SRC_KVM_MSR_INTERCEPT, /* patched kernels only */
	MSRTOP_SRC_KVM_MSR_OUTCOME,   /* patched kernels only */
	MSRTOP_SRC_KVM_MSR_CANONICAL, /* patched kernels only */
	MSRTOP_SRC_NR
};

enum msrtop_source_state {
	MSRTOP_SRC_ATTACHED, /* attached: counts whatever fires from now on */
	MSRTOP_SRC_MISSING,  /* this kernel has no such tracepoint */
	MSRTOP_SRC_FAILED,   /* the kernel has it, but loading or attaching failed: error */
	MSRTOP_SRC_OFF,	     /* left out by the command line (--sources) */
};

struct msrtop_source {
	const char *name;   /* "kvm_exit": static string */
	const char *attach; /* how it is attached: "tp_btf", "tracepoint" (static) */
	bool patched;	    /* added by msrtop's kernel patch series */
	enum msrtop_source_state state;
	int error; /* errno when MSRTOP_SRC_FAILED, else 0 */
	/*
	 * Events counted into the maps (an event whose insert failed is in
	 * overflow[] instead): kvm_exit, kvm_nested_vmexit: exits of their
	 * kind; kvm_entry: entries that closed an exit (latency samples);
	 * kvm_msr: accesses; the others: their events.
	 */
	struct msrtop_counter events;
};

const char *msrtop_source_state_name(enum msrtop_source_state state); /* "attached"... */
/* The source named name ("kvm_msr"), or -1. */
int msrtop_source_id(const char *name);
const char *msrtop_source_name(enum msrtop_source_id id); /* "kvm_exit"... */
const char *msrtop_map_name(unsigned int map_id);	 /* MSRTOP_MAP_* -> "exits"... */
const char *msrtop_vcpu_src_name(unsigned int vcpu_src); /* MSRTOP_VCPU_* -> "kernel"... */

/* ---- rows ------------------------------------------------------------------ */

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

#define MSRTOP_COMM_LEN 16 /* TASK_COMM_LEN */
#define MSRTOP_VM_NAME_LEN 128

/* One VMM process (a VM): every pid that appears in any row. Key: pid. */
struct msrtop_vm {
	uint32_t pid;
	char comm[MSRTOP_COMM_LEN];    /* /proc/PID/comm, else as BPF recorded it; "" if unknown */
	char name[MSRTOP_VM_NAME_LEN]; /* guest name (QEMU -name); "" if none */
	bool alive;		       /* /proc/PID existed at this snapshot */
	uint32_t nr_vcpus;	     /* distinct vcpu_ids, and tids of unknown vCPUs, in its rows */
	struct msrtop_counter exits; /* kvm_exit rows (not nested) */
	struct msrtop_counter msr_reads;
	struct msrtop_counter msr_writes;
	struct msrtop_counter msr_gp;
	struct msrtop_counter uexits;
};

/* Sums over all rows of the snapshot (after filtering, of the rows kept). */
struct msrtop_totals {
	struct msrtop_counter exits;	    /* kvm_exit */
	struct msrtop_counter nested_exits; /* kvm_nested_vmexit */
	struct msrtop_counter msr_reads;
	struct msrtop_counter msr_writes;
	struct msrtop_counter msr_gp;
	struct msrtop_counter msr_changes;
	struct msrtop_counter uexits;
	struct msrtop_counter intercepts;
	struct msrtop_counter outcomes;
	struct msrtop_counter canonical;
	struct msrtop_counter canonical_rejected;
	struct msrtop_counter canonical_fixups;
};

#define MSRTOP_FILTER_MAX_PIDS MSRTOP_MAX_PID_FILTER

/*
 * Which rows to keep. A filter on a dimension that a table does not have
 * leaves that table alone (--msr does not remove exit rows, --reason does not
 * remove MSR rows). vcpu matches only rows whose vcpu is a vcpu_id (kernel or
 * learned), never a tid.
 */
struct msrtop_filter {
	uint32_t pids[MSRTOP_FILTER_MAX_PIDS];
	size_t nr_pids; /* 0: any pid */
	bool has_vcpu;
	uint32_t vcpu;
	bool has_msr;
	uint32_t msr;
	/*
	 * Exit reason, per ISA (a name may exist for one ISA only). A code with
	 * VMX modifier bits (31:16) set must match exactly; one without matches
	 * the basic reason whatever the modifiers. Applies to exit rows and,
	 * through exit_code, intercept rows.
	 */
	bool has_reason;
	bool reason_vmx_ok;
	uint64_t reason_vmx;
	bool reason_svm_ok;
	uint64_t reason_svm;
};

/* ---- the snapshot ------------------------------------------------------------ */

struct msrtop_snapshot {
	unsigned int refs;	/* see snapshot_get()/snapshot_put() */
	uint64_t seq;		/* 1, 2, ... per collector */
	uint64_t time_ns;	/* CLOCK_REALTIME when the maps were read */
	uint64_t mono_ns;	/* CLOCK_MONOTONIC, same instant */
	uint64_t start_time_ns; /* CLOCK_REALTIME when the programs were attached */
	uint64_t start_mono_ns; /* CLOCK_MONOTONIC, same instant */
	double interval_s;	/* since the previous snapshot (the first: since attach) */
	bool filtered;		/* made by snapshot_filter() */

	struct msrtop_source sources[MSRTOP_SRC_NR];
	struct msrtop_counter overflow[MSRTOP_MAP_NR]; /* events lost per map: map full */
	/* events lost per map for another reason (insert error, unreadable event) */
	struct msrtop_counter errors[MSRTOP_MAP_NR];
	struct msrtop_totals totals;

	struct msrtop_vm *vms;
	size_t nr_vms;
	struct msrtop_exit_row *exits;
	size_t nr_exits;
	struct msrtop_msr_row *msrs;
	size_t nr_msrs;
	struct msrtop_uexit_row *uexits;
	size_t nr_uexits;
	struct msrtop_intercept_row *intercepts;
	size_t nr_intercepts;
	struct msrtop_outcome_row *outcomes;
	size_t nr_outcomes;
	struct msrtop_canon_row *canon;
	size_t nr_canon;

	/* Allocated lengths of the arrays above (internal). */
	size_t cap_vms, cap_exits, cap_msrs, cap_uexits, cap_intercepts, cap_outcomes, cap_canon;
};

/* A new, empty snapshot with one reference; NULL when out of memory. */
struct msrtop_snapshot *snapshot_new(void);
/* Another reference to s (returns s). */
struct msrtop_snapshot *snapshot_get(struct msrtop_snapshot *s);
/* Drops a reference; the last one frees s. NULL is fine. */
void snapshot_put(struct msrtop_snapshot *s);

/*
 * Building (the collector, and tests): each snapshot_add_*() returns a zeroed
 * row at the end of its table to fill in (totals only), or NULL when out of
 * memory. The keys of one table must be unique.
 */
struct msrtop_exit_row *snapshot_add_exit(struct msrtop_snapshot *s);
struct msrtop_msr_row *snapshot_add_msr(struct msrtop_snapshot *s);
struct msrtop_uexit_row *snapshot_add_uexit(struct msrtop_snapshot *s);
struct msrtop_intercept_row *snapshot_add_intercept(struct msrtop_snapshot *s);
struct msrtop_outcome_row *snapshot_add_outcome(struct msrtop_snapshot *s);
struct msrtop_canon_row *snapshot_add_canon(struct msrtop_snapshot *s);

/* The row of msr key (pid, vcpu_src, vcpu, msr, write) once s is sorted, or NULL. */
struct msrtop_msr_row *snapshot_find_msr(struct msrtop_snapshot *s, uint32_t pid, uint8_t vcpu_src,
					 uint32_t vcpu, uint32_t msr, bool write);

/*
 * Sorts every table by key (done by snapshot_finish(); idempotent), and
 * merges MSR rows with the same key into one (counts summed; the last value
 * of the row with more writes): two threads can turn out to run the same vCPU
 * once the collector has mapped thread ids to vCPUs.
 */
void snapshot_sort(struct msrtop_snapshot *s);

/*
 * Completes s once the collector has set its rows (totals), overflow[].total,
 * sources[] (but their events), seq and the four times: sorts the tables, sets
 * interval_s (from prev's mono_ns, or from start_mono_ns for the first
 * snapshot), every delta and rate against prev (NULL for the first; a row
 * not in prev is new: its delta is its total), the source event counts, the
 * VM table (pid and counters; comm, name and alive are kept from prev and
 * otherwise left to the caller) and the totals. Returns 0, or -ENOMEM.
 */
int snapshot_finish(struct msrtop_snapshot *s, const struct msrtop_snapshot *prev);

/* The VM of pid in a finished snapshot, or NULL. */
struct msrtop_vm *snapshot_find_vm(struct msrtop_snapshot *s, uint32_t pid);

/* Whether f keeps nothing out (no condition set). */
bool snapshot_filter_is_empty(const struct msrtop_filter *f);

/*
 * A new snapshot (one reference) with the rows of s that f keeps, and the VM
 * table and totals recomputed from them; sources, overflow and times are
 * copied. NULL when out of memory.
 */
struct msrtop_snapshot *snapshot_filter(const struct msrtop_snapshot *s,
					const struct msrtop_filter *f);

#endif /* MSRTOP_SNAPSHOT_H */
