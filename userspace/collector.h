/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector: loads and attaches msrtop's BPF programs (on every source the
 * running kernel has), and turns the BPF maps into snapshots (snapshot.h).
 * It is the only part of msrtop that touches BPF maps.
 */
#ifndef MSRTOP_COLLECTOR_H
#define MSRTOP_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

struct collector_opts {
	const uint32_t *pids; /* count only these VMM processes (in the kernel) */
	size_t nr_pids;	      /* 0: all; at most MSRTOP_FILTER_MAX_PIDS */
	bool verbose;	      /* let libbpf print its messages on stderr */
	bool warn_errors;     /* a line on stderr when a map's inserts first fail (not EEXIST/E2BIG) */
	const char *proc;     /* where /proc is (tests); NULL: "/proc" */
	/* bit 1 << MSRTOP_SRC_*: attach only these (with MSRTOP_SRCS_WITH_DEFAULT: and the
	 * default set); 0: the default set */
	uint32_t sources;
	uint32_t max_rows;    /* rows per table (--max-rows); 0: COLLECTOR_DEFAULT_ROWS */
	double forget_after_s; /* rows of an exited VM kept this long (--forget-after); 0: default */
	/* --sample-msr / --watch-msr: guest MSRs read at kvm_exit (patch 0006's kfunc). */
	uint32_t sample_msrs[MSRTOP_SAMPLE_MAX_MSRS];
	uint32_t nr_sample_msrs; /* 0: no sampling (the msr_sample source is off) */
	uint32_t sample_watch;	 /* bit i: every change of sample_msrs[i] is reported */
	uint32_t sample_every;	 /* read at every Nth exit of a vCPU; 0 or 1: every exit */
};

/* Whether bpf_kvm_vcpu_get_msr() (patch 0006) reads the MSR: its allowlist. */
bool collector_msr_sampleable(uint32_t msr);

/* Whether the MSR's values are counted per value ("top guest threads"): FS/GS/KERNEL_GS_BASE. */
bool collector_msr_per_value(uint32_t msr);

/*
 * How long the rows of a VM whose process is gone stay in the maps (and so in
 * every output) after the first snapshot that found it gone, by default;
 * then they are deleted from the maps, which frees their rows for new VMs.
 * Five minutes: several scrapes of any Prometheus, and the live view's
 * reader, see the VM's final counts.
 */
#define COLLECTOR_DEFAULT_FORGET_S 300.0

/*
 * Rows per table by default: a host of 200 VMs x 16 vCPUs with 20 exit
 * reasons (or MSRs) each in use. The maps are preallocated: their memory is
 * taken at start (collector_print_maps() shows it).
 */
#define COLLECTOR_DEFAULT_ROWS 65536
#define COLLECTOR_MAX_ROWS (1u << 24)

struct collector;

/*
 * Checks privileges, BTF, tracefs and which KVM tracepoints the kernel has,
 * then loads the programs for those and attaches them. A source that exists
 * but fails to attach is reported in its state (MSRTOP_SRC_FAILED) and is not
 * fatal, unless no source at all could be attached. KVM's statistics in
 * debugfs (kvm_debugfs.h) are a source too, never fatal: with the default
 * sources, when BPF cannot be used at all but debugfs can, msrtop goes on with
 * those alone (collector_no_bpf() says why).
 * Returns 0 and *out, or a negative errno and a one-line message in msg
 * (what failed and what to do).
 */
int collector_open(const struct collector_opts *opts, struct collector **out, char *msg,
		   size_t msg_len);

/*
 * Reads every map once (in batches where the kernel supports it), sums the
 * per-CPU values and returns a finished snapshot, compared with the one the
 * previous call returned. The caller owns the reference (snapshot_put()).
 * Returns 0, or a negative errno and a message in msg.
 */
int collector_read(struct collector *c, struct msrtop_snapshot **out, char *msg, size_t msg_len);

/* The sources and their states, as decided by collector_open(). */
const struct msrtop_source *collector_sources(const struct collector *c);

/* Whether the sources are this kernel's default set (no --sources given). */
bool collector_default_sources(const struct collector *c);

/* Whether MSR exits are timed by kvm_msr_outcome, not kvm_entry (snapshot.h's
 * msr_exit_latency_from_outcomes). */
bool collector_msr_exits_timed_by_outcomes(const struct collector *c);

/* How the maps of collector_reads_changes() find their changed rows ("BPF map iterators"...). */
const char *collector_changes_how(const struct collector *c);

/* Whether maps are read with BPF_MAP_LOOKUP_BATCH (false: key by key). */
bool collector_uses_batch(const struct collector *c);
/* The names of the maps read for their changed rows only (BPF iterators,
 * map_mirror.h), space-separated, into buf (len bytes): "" when none. buf. */
const char *collector_reads_changes(const struct collector *c, char *buf, size_t len);

/* One line per map on f: its name, capacity and the kernel memory it takes. */
void collector_print_maps(const struct collector *c, FILE *f);

/*
 * Why msrtop runs without BPF, KVM's debugfs statistics only (what made
 * loading fail with the default sources: no BTF, no KVM tracepoint...; or
 * --sources naming kvm_debugfs alone), or NULL when BPF programs are attached.
 */
const char *collector_no_bpf(const struct collector *c);

/* Where KVM's debugfs statistics are read, their state and what the last read left out. */
void collector_print_debugfs(const struct collector *c, FILE *f);

/* Detaches and unloads everything. NULL is fine. */
void collector_close(struct collector *c);

#endif /* MSRTOP_COLLECTOR_H */
