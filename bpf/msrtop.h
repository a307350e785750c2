/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msrtop: the one header shared by the BPF programs (msrtop.bpf.c) and
 * userspace. Plain structs for map keys and values, and #defines; no code.
 *
 * Every key is laid out without implicit padding (explicit pad fields, kept
 * zero) so that the bytes the kernel hashes are exactly the bytes set.
 *
 * Counters are cumulative since the programs were attached; userspace computes
 * deltas. Values marked per-CPU are summed over all possible CPUs by userspace.
 */
#ifndef MSRTOP_H
#define MSRTOP_H

#ifdef __bpf__
/* BPF side: vmlinux.h is included first and provides the kernel typedefs. */
typedef u8 uint8_t;
typedef u16 uint16_t;
typedef u32 uint32_t;
typedef u64 uint64_t;
#else
#include <stdbool.h>
#include <stdint.h>
#endif

/* Log2 histogram: slot i counts values v with 2^i <= v < 2^(i+1); slot 0 also
 * counts 0; the last slot counts everything >= 2^(MSRTOP_HIST_SLOTS - 1). */
#define MSRTOP_HIST_SLOTS 32

/* Default capacities (bpf_map__set_max_entries may change them before load). */
#define MSRTOP_MAX_EXITS 4096
#define MSRTOP_MAX_MSRS 8192
#define MSRTOP_MAX_MSR_WRITES 8192
#define MSRTOP_MAX_UEXITS 1024
#define MSRTOP_MAX_OUTCOMES 8192
#define MSRTOP_MAX_CANONICAL 2048
#define MSRTOP_MAX_INTERCEPTS 8192
#define MSRTOP_MAX_EVENTS 4096 /* each of the KVM event tables (struct msrtop_event_key) */
#define MSRTOP_MAX_PID_FILTER 64
#define MSRTOP_MAX_VM_COMMS 4096
#define MSRTOP_MAX_TID_VCPUS 16384
#define MSRTOP_MAX_MSR_SAMPLES 1024
#define MSRTOP_MAX_MSR_VALUES 4096
#define MSRTOP_VM_COMM_LEN 16 /* TASK_COMM_LEN */
#define MSRTOP_MAX_VM_CMDLINES 512
#define MSRTOP_VM_CMDLINE_LEN 2048 /* bytes of a VMM's command line kept */

/* The ISA of an exit (kvm_exit's isa field): KVM_ISA_VMX / KVM_ISA_SVM of the
 * kernel's arch/x86/kvm/trace.h. */
#define MSRTOP_ISA_VMX 1
#define MSRTOP_ISA_SVM 2
/* The MSR exits: SVM's SVM_EXIT_MSR (reads and writes), VMX's basic exit reasons 31 and 32. */
#define MSRTOP_SVM_EXIT_MSR 0x7c
#define MSRTOP_VMX_EXIT_MSR_READ 31
#define MSRTOP_VMX_EXIT_MSR_WRITE 32

/* Whether an exit (its isa and reason as kvm_exit reports them) is one on which KVM
 * runs kvm_emulate_rdmsr() or kvm_emulate_wrmsr(). */
static inline bool msrtop_is_msr_exit(uint32_t isa, uint32_t reason)
{
	if (isa == MSRTOP_ISA_SVM)
		return reason == MSRTOP_SVM_EXIT_MSR;
	return isa == MSRTOP_ISA_VMX &&
	       (reason == MSRTOP_VMX_EXIT_MSR_READ || reason == MSRTOP_VMX_EXIT_MSR_WRITE);
}

/* VMX: the basic exit reason (bits 15:0) and the modifier bits (31:16) of an exit reason. */
#define MSRTOP_VMX_BASIC_MASK 0xffffu
#define MSRTOP_VMX_FLAGS_MASK 0xffff0000u

/* Where a key's vcpu field came from. */
#define MSRTOP_VCPU_KERNEL 0  /* the tracepoint itself carries vcpu_id */
#define MSRTOP_VCPU_LEARNED 1 /* the thread's vcpu_id, learned from another tracepoint */
#define MSRTOP_VCPU_TID 2     /* no vcpu_id known for the thread: vcpu holds its tid */

/* Index of each map's failed-insert counter in the overflow array. */
#define MSRTOP_MAP_EXITS 0
#define MSRTOP_MAP_MSRS 1
#define MSRTOP_MAP_MSR_WRITES 2
#define MSRTOP_MAP_UEXITS 3
#define MSRTOP_MAP_OUTCOMES 4
#define MSRTOP_MAP_CANONICAL 5
#define MSRTOP_MAP_INTERCEPTS 6
#define MSRTOP_MAP_THREADS 7 /* per-thread state (task storage) could not be created */
#define MSRTOP_MAP_MSR_SAMPLES 8
#define MSRTOP_MAP_MSR_VALUES 9
#define MSRTOP_MAP_MSR_CHANGES 10 /* a watched change not sent: the ring buffer was full */
#define MSRTOP_MAP_PIOS 11
#define MSRTOP_MAP_MMIOS 12
#define MSRTOP_MAP_HYPERCALLS 13
#define MSRTOP_MAP_CPUIDS 14
#define MSRTOP_MAP_INJ_VIRQS 15
#define MSRTOP_MAP_INJ_EXCEPTIONS 16
#define MSRTOP_MAP_NR 17

/* kvm_msr_outcome's outcome argument (patched kernels). */
#define MSRTOP_OUTCOME_HANDLED 0
#define MSRTOP_OUTCOME_GP 1
#define MSRTOP_OUTCOME_USERSPACE 2
#define MSRTOP_OUTCOME_USERSPACE_DONE 3
#define MSRTOP_OUTCOME_ERROR 4 /* KVM_RUN failed; reason is the errno */
#define MSRTOP_OUTCOME_FASTPATH 5

/* kvm_msr_outcome's reason argument, by outcome. */
#define MSRTOP_GP_UNKNOWN_MSR 1
#define MSRTOP_GP_INVALID_VALUE 2
#define MSRTOP_GP_NON_CANONICAL 3
#define MSRTOP_GP_FILTERED 4
#define MSRTOP_USERSPACE_INVAL 1   /* KVM_MSR_EXIT_REASON_INVAL */
#define MSRTOP_USERSPACE_UNKNOWN 2 /* KVM_MSR_EXIT_REASON_UNKNOWN */
#define MSRTOP_USERSPACE_FILTER 4  /* KVM_MSR_EXIT_REASON_FILTER */
#define MSRTOP_USERSPACE_DONE_OK 0
#define MSRTOP_USERSPACE_DONE_ERROR 1

/*
 * exits (hash): kvm:kvm_exit and kvm:kvm_nested_vmexit.
 * isa is the event's own ISA field (KVM_ISA_VMX 1, KVM_ISA_SVM 2); reason is
 * the exit reason exactly as the tracepoint records it (VMX: basic reason in
 * bits 15:0, modifier bits such as FAILED_VMENTRY in 31:16; SVM: exit code).
 */
struct msrtop_exit_key {
	uint32_t tgid; /* the VMM process */
	uint32_t vcpu;
	uint32_t reason;
	uint8_t isa;	  /* MSRTOP_ISA_* */
	uint8_t vcpu_src; /* MSRTOP_VCPU_* */
	uint8_t nested;	  /* 1: kvm_nested_vmexit (an L2 exit, counted by kvm_exit too) */
	uint8_t pad;
};

/*
 * dirty_keys (ring buffer): the key of a row of exits, msrs or msr_writes
 * (map_id MSRTOP_MAP_*) at its first update in a refresh interval, where
 * those maps are read for their changed rows without iterators
 * (msrtop.bpf.c's row_dirty()). 256 KiB: 8,192 records of 24 bytes and
 * their 8-byte headers; more changed rows than that in one interval, and
 * userspace reads the maps whole, which is then the cheaper read anyway.
 */
#define MSRTOP_DIRTY_RING_BYTES (256u << 10)

struct msrtop_dirty_key {
	uint32_t map_id;
	uint32_t pad;
	uint8_t key[16]; /* struct msrtop_exit_key or struct msrtop_msr_key */
};

struct msrtop_exit_val {
	uint64_t count;
	/* Exit-to-entry time (kvm_exit to the next kvm_entry on the same thread),
	 * for kvm_exit keys only; lat_count <= count (an exit whose entry is not
	 * seen yet, or never, is not in the histogram). */
	uint64_t lat_count;
	uint64_t lat_sum_ns;
	uint64_t lat_min_ns; /* the shortest and longest of them; 0 while lat_count is 0 */
	uint64_t lat_max_ns;
	uint64_t lat_hist[MSRTOP_HIST_SLOTS];
	/* Changes-only reads (msrtop.bpf.c's "iter" programs, userspace's
	 * map_mirror.h): every update bumps gen after its other stores; seen is
	 * the gen the last read copied. Not counters. */
	uint64_t gen;
	uint64_t seen;
};

/*
 * kvm:kvm_msr, in two maps with the same key: msrs (hash) for reads
 * (write = 0) and msr_writes (shared hash) for writes (write = 1). kvm_msr
 * carries no vCPU: the key always holds the thread id (vcpu_src
 * MSRTOP_VCPU_TID), and userspace turns it into the vcpu_id learned for that
 * thread (tid_vcpus) when it reads the maps.
 */
struct msrtop_msr_key {
	uint32_t tgid;
	uint32_t vcpu;
	uint32_t msr;
	uint8_t write; /* 0 read (RDMSR), 1 write (WRMSR) */
	uint8_t vcpu_src;
	uint16_t pad;
};

_Static_assert(sizeof(struct msrtop_exit_key) == sizeof(((struct msrtop_dirty_key *)0)->key) &&
		       sizeof(struct msrtop_msr_key) == sizeof(((struct msrtop_dirty_key *)0)->key),
	       "dirty_keys records hold exits' and msrs' keys whole");

/* msrs: reads. */
struct msrtop_msr_val {
	uint64_t count; /* accesses, including those that raised #GP */
	uint64_t gp;	/* accesses that raised #GP */
	uint64_t gen, seen; /* as in struct msrtop_exit_val */
};

/*
 * msr_writes: writes, and the value of the last successful one. Not per-CPU
 * on purpose: "changed" compares each write with the previous write of the
 * key wherever the vCPU thread ran before (it migrates between CPUs), which
 * takes one copy of the last value; keeping the counters in the same value
 * makes a write cost one map lookup. The key holds a vCPU, which KVM runs on
 * one thread at a time: updates of one key never race.
 */
struct msrtop_msr_write_val {
	uint64_t count;	     /* writes, including those that raised #GP */
	uint64_t gp;	     /* writes that raised #GP (they change nothing) */
	uint64_t last_value; /* of the last successful write; valid when count > gp */
	uint64_t changes;    /* successful writes of a value other than the one before */
	uint64_t gen, seen; /* as in struct msrtop_exit_val */
};

/*
 * uexits (hash): kvm:kvm_userspace_exit. When KVM_RUN failed
 * (errno < 0), error is 1 and reason holds the positive errno (EINTR...);
 * otherwise error is 0 and reason is the KVM_EXIT_* code.
 */
struct msrtop_uexit_key {
	uint32_t tgid;
	uint32_t reason;
	uint32_t error;
};

struct msrtop_count_val {
	uint64_t count;
};

/* outcomes (hash): kvm:kvm_msr_outcome (patched kernels). */
struct msrtop_outcome_key {
	uint32_t tgid;
	uint32_t vcpu;
	uint32_t msr;
	/* MSRTOP_OUTCOME_WRITE: a write; MSRTOP_OUTCOME_EMULATED: KVM's instruction
	 * emulator ran the access (no MSR exit). In one byte: a 16-byte key hashes
	 * in fewer instructions than a 20-byte one, on every access. */
	uint8_t flags;
	uint8_t vcpu_src;
	uint8_t outcome; /* MSRTOP_OUTCOME_* */
	uint8_t reason;	 /* see MSRTOP_GP_* / MSRTOP_USERSPACE_* */
};

#define MSRTOP_OUTCOME_WRITE 1
#define MSRTOP_OUTCOME_EMULATED 2

struct msrtop_outcome_val {
	uint64_t count;
	uint64_t sum_ns;		  /* sum of duration_ns */
	uint64_t min_ns;		  /* the shortest and longest duration_ns; 0 while */
	uint64_t max_ns;		  /* count is 0 */
	uint64_t hist[MSRTOP_HIST_SLOTS]; /* log2 of duration_ns */
};

/* canonical (hash): kvm:kvm_msr_canonical (patched kernels). */
struct msrtop_canon_key {
	uint32_t tgid;
	uint32_t vcpu;
	uint32_t msr;
	uint8_t vcpu_src;
	uint8_t pad[3];
};

struct msrtop_canon_val {
	uint64_t count;	   /* events */
	uint64_t rejected; /* value refused (rejected = true) */
	uint64_t fixups;   /* accepted with result != value */
};

/* intercepts (hash): kvm:kvm_msr_intercept (patched kernels). */
struct msrtop_intercept_key {
	uint64_t exit_code;
	uint32_t tgid;
	uint32_t vcpu;
	uint32_t msr;
	uint8_t isa;
	uint8_t write;
	uint8_t vcpu_src;
	uint8_t pad;
};

/*
 * The KVM event tables, one map each, all with this key and a struct
 * msrtop_count_val: pios (kvm_pio), mmios (kvm_mmio), hypercalls
 * (kvm_hypercall), cpuids (kvm_cpuid), inj_virqs (kvm_inj_virq) and
 * inj_exceptions (kvm_inj_exception). None of these tracepoints carries a
 * vCPU: vcpu holds the thread id (vcpu_src MSRTOP_VCPU_TID), which userspace
 * maps to the vcpu_id learned for the thread, as for kvm_msr. What code, arg
 * and flag hold, by table:
 *   pios:           port, size in bytes, 1 for OUT (0 IN)
 *   mmios:          GPA >> 12 (the 4 KiB page), KVM_TRACE_MMIO_* type, 0
 *   hypercalls:     the hypercall number (RAX), 0, 0
 *   cpuids:         the leaf (EAX), the subleaf (ECX), 0
 *   inj_virqs:      the vector, 0, 1 when reinjected (already queued: by the VMM with
 *                   KVM_INTERRUPT, without an in-kernel irqchip, or a delivery KVM retried)
 *   inj_exceptions: the vector, 0, 1 when reinjected (a delivery KVM retried)
 */
struct msrtop_event_key {
	uint32_t tgid;
	uint32_t vcpu;
	uint64_t code;
	uint32_t arg;
	uint8_t flag;
	uint8_t vcpu_src;
	uint16_t pad;
};

/* kvm_mmio's type argument (KVM_TRACE_MMIO_* of include/trace/events/kvm.h). */
#define MSRTOP_MMIO_READ_UNSATISFIED 0 /* a read KVM could not complete: to userspace */
#define MSRTOP_MMIO_READ 1
#define MSRTOP_MMIO_WRITE 2

/*
 * vm_cmdlines (LRU hash): tgid -> the start of the VMM's command line (its
 * argv, NUL-separated, as /proc/PID/cmdline), copied when the programs first
 * see the process, so that a VM that is gone before userspace looks keeps its
 * guest name (QEMU -name). len 0: not read yet (the page was not resident).
 */
struct msrtop_vm_cmdline {
	uint32_t len; /* bytes of args set, at most MSRTOP_VM_CMDLINE_LEN */
	uint32_t pad;
	char args[MSRTOP_VM_CMDLINE_LEN];
};

/*
 * Guest MSRs sampled at kvm_exit through bpf_kvm_vcpu_get_msr() (kernel
 * patch 0006): --sample-msr and --watch-msr. At most MSRTOP_SAMPLE_MAX_MSRS
 * MSRs, in slots 0..n-1 of the program's sample_msrs[]; the watched ones and
 * the ones counted per value are bit masks of those slots.
 */
#define MSRTOP_SAMPLE_MAX_MSRS 4

/*
 * msr_samples (shared hash): per VM, vCPU and MSR. Written only by the thread
 * running the vCPU (plain adds, like msr_writes).
 */
struct msrtop_sample_key {
	uint32_t tgid;
	uint32_t vcpu; /* vcpu_id, from kvm_exit's vcpu (MSRTOP_VCPU_KERNEL) */
	uint32_t msr;
	uint8_t vcpu_src;
	uint8_t pad[3];
};

struct msrtop_sample_val {
	uint64_t samples;    /* successful reads */
	uint64_t changes;    /* reads whose value differs from the previous read's */
	uint64_t errors;     /* reads the kfunc refused */
	uint64_t last_value; /* of the last successful read; valid when samples > 0 */
};

/*
 * msr_values (shared hash): per VM, MSR and value, the sampled exits that saw
 * that value (FS_BASE: a guest user thread; GS_BASE / KERNEL_GS_BASE: a guest
 * CPU's kernel area). Keyed by VM, not vCPU (a guest thread moves between
 * vCPUs): all vCPU threads of the VM add to a row, atomically.
 * Value: struct msrtop_count_val.
 */
struct msrtop_value_key {
	uint64_t value;
	uint32_t tgid;
	uint32_t msr;
};

/* msr_changes (ring buffer): one record per change of a watched MSR. */
struct msrtop_msr_change {
	uint64_t time_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) at the exit that saw it */
	uint64_t old_value;
	uint64_t new_value;
	uint32_t tgid;
	uint32_t tid;
	uint32_t vcpu;
	uint32_t msr;
};

#endif /* MSRTOP_H */
