/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshot: one reading of every msrtop counter, taken once per interval
 * by the collector (collector.h). It is the only thing outputs (text, JSON,
 * terminal view, HTTP) see: they never touch BPF maps, and nothing in here
 * knows about any output.
 *
 * It holds one table of rows per kind of event (kind_rows.h; described by
 * kinds.h), whatever the kinds are: adding a kind changes nothing here.
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

#include "kind_rows.h" /* the rows of each kind; msrtop.h */
#include "msrtop.h"    /* MSRTOP_MAP_*, MSRTOP_MAX_PID_FILTER */

/* ---- sources -------------------------------------------------------------- */

/* The tracepoints msrtop can attach to, all in the kvm group, and debugfs (kvm_debugfs.h). */
enum msrtop_source_id {
	MSRTOP_SRC_KVM_EXIT,
	MSRTOP_SRC_KVM_ENTRY,
	MSRTOP_SRC_KVM_NESTED_VMEXIT,
	MSRTOP_SRC_KVM_MSR,
	MSRTOP_SRC_KVM_USERSPACE_EXIT,
	MSRTOP_SRC_KVM_MSR_INTERCEPT, /* patched kernels only */
	MSRTOP_SRC_KVM_MSR_OUTCOME,   /* patched kernels only */
	MSRTOP_SRC_KVM_MSR_CANONICAL, /* patched kernels only */
	/* Not a tracepoint of its own: kvm_exit with patch 0006's kfunc (--sample-msr). */
	MSRTOP_SRC_MSR_SAMPLE,
	MSRTOP_SRC_KVM_DEBUGFS,	      /* not a tracepoint: KVM's statistics in debugfs */
	MSRTOP_SRC_KVM_PIO,
	MSRTOP_SRC_KVM_MMIO,
	MSRTOP_SRC_KVM_HYPERCALL,
	MSRTOP_SRC_KVM_CPUID,
	MSRTOP_SRC_KVM_INJ_VIRQ,
	MSRTOP_SRC_KVM_INJ_EXCEPTION,
	MSRTOP_SRC_NR
};

/* Sources left out of the default set (collector.c): attached only when --sources names them
 * (or all). */
#define MSRTOP_SRCS_OPT_IN (1u << MSRTOP_SRC_KVM_INJ_VIRQ)
/* In a --sources mask (1 << MSRTOP_SRC_*): the kernel's default set as well ("default"). */
#define MSRTOP_SRCS_WITH_DEFAULT (1u << 31)
_Static_assert(MSRTOP_SRC_NR < 31, "a source's bit is MSRTOP_SRCS_WITH_DEFAULT");

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
/*
 * The source that fills a table whose rows come from source id (a kind's
 * source): id itself, except for the MSR table (id kvm_msr), which
 * kvm_msr_outcome fills when kvm_msr is not attached and it is (it fires for
 * every access kvm_msr would).
 */
enum msrtop_source_id msrtop_table_source(const struct msrtop_source *sources,
					  enum msrtop_source_id id);
const char *msrtop_map_name(unsigned int map_id);	  /* MSRTOP_MAP_* -> "exits"... */
const char *msrtop_vcpu_src_name(unsigned int vcpu_src);  /* MSRTOP_VCPU_* -> "kernel"... */

/* ---- rows ------------------------------------------------------------------ */

#define MSRTOP_COMM_LEN 16 /* TASK_COMM_LEN */
#define MSRTOP_VM_NAME_LEN 128

/*
 * One VMM process (a VM): every pid that appears in any row. Key: pid. Its
 * counters run from exits to uexits, nothing else in between (snapshot.c).
 */
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

/* Sums over all rows of the snapshot (after filtering, of the rows kept); counters only. */
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
	struct msrtop_counter msr_samples;	  /* --sample-msr: successful reads */
	struct msrtop_counter msr_sample_changes; /* and those that saw a new value */
};

#define MSRTOP_FILTER_MAX_PIDS MSRTOP_MAX_PID_FILTER
#define MSRTOP_FILTER_MAX_GUESTS 16

/*
 * Which rows to keep. A filter on a dimension that a table does not have
 * leaves that table alone (--msr does not remove exit rows, --reason does not
 * remove MSR rows). vcpu matches only rows whose vcpu is a vcpu_id (kernel or
 * learned), never a tid.
 */
struct msrtop_filter {
	uint32_t pids[MSRTOP_FILTER_MAX_PIDS];
	size_t nr_pids; /* 0: any pid */
	/* VMs by guest name (QEMU -name) or VMM comm, exactly; 0: any. With pids
	 * too, a VM must match both. */
	char guests[MSRTOP_FILTER_MAX_GUESTS][MSRTOP_VM_NAME_LEN];
	size_t nr_guests;
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

/* One change of a watched guest MSR (--watch-msr), as the sampler saw it at an exit. */
struct msrtop_msr_change_ev {
	uint64_t time_ns; /* CLOCK_REALTIME of the exit that saw the new value */
	uint32_t pid;
	uint32_t tid; /* the vCPU thread */
	uint32_t vcpu;
	uint32_t msr;
	uint64_t old_value;
	uint64_t new_value;
};

/* ---- the snapshot ------------------------------------------------------------ */

/* The rows of one kind: nr used of cap allocated (row_size each, kinds.h). */
struct msrtop_table {
	void *rows;
	size_t nr, cap;
	/*
	 * A kind with a sort_key (the big tables), once sorted: each row's key
	 * in the order the rows were read (nr_read of them), and where sorting
	 * took each sorted row from (order[sorted] = read index). The next
	 * snapshot, read in the same order with the same keys (a hash map's
	 * order holds while its keys do), is sorted by this permutation
	 * without sorting again (snapshot_finish()).
	 */
	uint64_t (*read_keys)[3];
	uint32_t *order;
	size_t nr_read;
};

struct msrtop_snapshot {
	unsigned int refs;	/* see snapshot_get()/snapshot_put() */
	uint64_t seq;		/* 1, 2, ... per collector */
	uint64_t time_ns;	/* CLOCK_REALTIME when the maps were read */
	uint64_t mono_ns;	/* CLOCK_MONOTONIC, same instant */
	uint64_t start_time_ns; /* CLOCK_REALTIME when the programs were attached */
	uint64_t start_mono_ns; /* CLOCK_MONOTONIC, same instant */
	double interval_s;	/* since the previous snapshot (the first: since attach) */
	bool filtered;		/* made by snapshot_filter() */
	uint8_t cpu_vendor;	/* the host's, enum msrtop_cpu_vendor (msr_passthrough.h) */
	/*
	 * The exit latency of MSR exits (msrtop_is_msr_exit()) is the time KVM
	 * took to handle their accesses, as kvm_msr_outcome reports it: the BPF
	 * programs do not time those exits to kvm_entry when kvm_msr_outcome is
	 * attached (one measurement per access). snapshot_finish() fills it from
	 * the outcome rows. Set by the collector.
	 */
	bool msr_exit_latency_from_outcomes;

	struct msrtop_source sources[MSRTOP_SRC_NR];
	struct msrtop_counter overflow[MSRTOP_MAP_NR]; /* events lost per map: map full */
	/* events lost per map for another reason (insert error, unreadable event) */
	struct msrtop_counter errors[MSRTOP_MAP_NR];
	struct msrtop_totals totals;

	struct msrtop_vm *vms;
	size_t nr_vms;
	size_t cap_vms; /* allocated length of vms (internal) */
	/* The rows of each kind (index: enum msrtop_kind_id). */
	struct msrtop_table tables[MSRTOP_KIND_NR];
	/* --watch-msr: the changes seen since the previous snapshot, oldest first; those the
	 * ring buffer had no room for are counted in overflow[MSRTOP_MAP_MSR_CHANGES]. */
	struct msrtop_msr_change_ev *changes;
	size_t nr_changes, cap_changes;
};

/* A new, empty snapshot with one reference; NULL when out of memory. */
struct msrtop_snapshot *snapshot_new(void);
/* Another reference to s (returns s). */
struct msrtop_snapshot *snapshot_get(struct msrtop_snapshot *s);
/* Drops a reference; the last one frees s. NULL is fine. */
void snapshot_put(struct msrtop_snapshot *s);

/* The rows of kind in s (an array of its row struct, kind_rows.h), and their number. */
static inline void *snapshot_rows(const struct msrtop_snapshot *s, enum msrtop_kind_id kind)
{
	return s->tables[kind].rows;
}

static inline size_t snapshot_nr(const struct msrtop_snapshot *s, enum msrtop_kind_id kind)
{
	return s->tables[kind].nr;
}

/* Room in s's tables for as many rows as like has (a little more): the
 * rows of the next read are then appended without moving. like may be NULL. */
void snapshot_reserve_like(struct msrtop_snapshot *s, const struct msrtop_snapshot *like);
/*
 * Building (the collector, and tests): a zeroed row appended to the table of
 * kind, to fill in (totals only), or NULL when out of memory. The keys of one
 * table must be unique.
 */
void *snapshot_add_row(struct msrtop_snapshot *s, enum msrtop_kind_id kind);
/* A zeroed VM appended to s's VM table (snapshot_finish() makes that table
 * from the rows; a snapshot read back from JSON has it from the document). */
struct msrtop_vm *snapshot_add_vm(struct msrtop_snapshot *s);

/* A zeroed change event appended to s->changes, or NULL when out of memory. */
struct msrtop_msr_change_ev *snapshot_add_change(struct msrtop_snapshot *s);

/* Adds histogram src's samples to dst's (counts, sums, slots; the extremes of both). */
void snapshot_hist_add(struct msrtop_hist *dst, const struct msrtop_hist *src);

/* The row of kind whose key is that of key (a row of that kind) once s is sorted, or NULL. */
void *snapshot_find_row(const struct msrtop_snapshot *s, enum msrtop_kind_id kind, const void *key);

/*
 * Sorts every table by key (done by snapshot_finish(); idempotent), and
 * merges rows with the same key into one by their kind's merge() (MSR rows:
 * two threads can turn out to run the same vCPU once the collector has
 * mapped thread ids to vCPUs).
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
 * Checks name as a --guest / live-view guest filter: 0, or -EINVAL with why
 * set (empty, a control character, longer than a guest name can be).
 */
int snapshot_guest_name_check(const char *name, char *why, size_t why_len);

/* Adds name (checked) to f's guests: 0, or -E2BIG when f has the most it can hold. */
int snapshot_filter_add_guest(struct msrtop_filter *f, const char *name);

/*
 * A new snapshot (one reference) with the rows of s that f keeps, and the VM
 * table and totals recomputed from them; sources, overflow and times are
 * copied. NULL when out of memory.
 */
struct msrtop_snapshot *snapshot_filter(const struct msrtop_snapshot *s,
					const struct msrtop_filter *f);

#endif /* MSRTOP_SNAPSHOT_H */
