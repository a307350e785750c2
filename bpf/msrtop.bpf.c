// SPDX-License-Identifier: GPL-2.0
/*
 * msrtop's BPF programs: count KVM exits, MSR accesses and userspace exits in
 * the kernel, exactly (every event, no sampling), into the maps described in
 * msrtop.h. Userspace reads the maps once per interval.
 *
 * One CO-RE object for every kernel msrtop supports (6.1, 6.12 and newer).
 * Every tracepoint is attached as tp_btf: arguments are read straight from
 * the tracepoint's argument array (the verifier checks them against the
 * kernel's prototype), no trace record is built, and no other tracer of the
 * event (perf, kvm_stat, ftrace) is affected. Each has a raw_tp twin running
 * the same handler; userspace switches one of the pair off
 * (bpf_program__set_autoload) before load. The twins are what the tests run
 * with BPF_PROG_TEST_RUN.
 *
 * kvm_exit and kvm_nested_vmexit read the exit reason from vendor-private
 * state with CO-RE (read_exit_reason()). On a kernel whose BTF lacks those
 * types, userspace attaches the classic-tracepoint fallback instead, which
 * reads the trace record and returns 1 so that perf keeps the event.
 *
 * Patched-kernel tracepoints take scalar arguments only, so nothing here needs
 * their types: BPF_PROG reads the u64 argument array with the declared types.
 *
 * The maps and helpers this object shares with the --sample-msr sampler
 * (msrtop_sample.bpf.c) are in msrtop_shared.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "msrtop.h"
/*
 * vm_cmdlines (LRU hash, see struct msrtop_vm_cmdline): the start of each VMM's
 * command line, recorded with its comm (vm_comm_record() of msrtop_shared.bpf.h
 * calls MSRTOP_VM_SEEN). Only this object has it. LRU: it never fills.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MSRTOP_MAX_VM_CMDLINES);
	__type(key, u32);
	__type(value, struct msrtop_vm_cmdline);
} vm_cmdlines SEC(".maps");

static const struct msrtop_vm_cmdline zero_cmdline;

/*
 * Copy the start of the current process's command line into vm_cmdlines,
 * once: its argv, in its own memory (mm->arg_start..arg_end). The copy cannot
 * fault pages in here (interrupts may be off): if the page is not resident,
 * len stays 0 and the next call tries again.
 */
static __always_inline void vm_cmdline_record(struct task_struct *task, u32 tgid)
{
	struct msrtop_vm_cmdline *v;
	u64 start, end, n;

	v = bpf_map_lookup_elem(&vm_cmdlines, &tgid);
	if (v && v->len)
		return;
	if (!v) {
		bpf_map_update_elem(&vm_cmdlines, &tgid, &zero_cmdline, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&vm_cmdlines, &tgid);
		if (!v)
			return;
	}
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	if (!start || end <= start)
		return;
	n = end - start;
	if (n > MSRTOP_VM_CMDLINE_LEN)
		n = MSRTOP_VM_CMDLINE_LEN;
	if (bpf_probe_read_user(v->args, n, (const void *)start))
		return;
	v->len = n;
}

#define MSRTOP_VM_SEEN(task, tgid) vm_cmdline_record(task, tgid)

#include "msrtop_shared.bpf.h"

/* Set by userspace between open and load. */
const volatile bool latency = true; /* kvm_entry attached: time exits until it */
/* Tests only (tests/bpf): the programs read the clock from test_now_ns instead of
 * bpf_ktime_get_ns(), so that latencies are known exactly. Off, the verifier
 * removes the branch: no cost. */
const volatile bool test_clock = false;
volatile __u64 test_now_ns;
/* kvm_msr is not attached and kvm_msr_outcome is: the MSR table (msrs, msr_writes) is filled from
 * kvm_msr_outcome, which fires for every access kvm_msr would (patched kernels). */
const volatile bool outcome_msrs = false;
/* kvm_msr_outcome is attached beside kvm_entry: its events carry the time KVM took to
 * handle each access of an MSR exit, so kvm_exit does not time those exits to
 * kvm_entry as well (userspace takes their exit latency from the outcome table:
 * msr_exit_latency_from_outcomes in snapshot.h). */
const volatile bool outcome_times_msr_exits = false;

/* Per-thread state: the vcpu_id learned for the thread and the exit in flight. */
struct thread_state {
	u64 exit_ts; /* kvm_exit time, 0 when no exit is in flight */
	struct msrtop_exit_key exit_key;
	u32 vcpu_id;
	u32 vcpu_known;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_EXITS);
	__type(key, struct msrtop_exit_key);
	__type(value, struct msrtop_exit_val);
} exits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_MSRS);
	__type(key, struct msrtop_msr_key);
	__type(value, struct msrtop_msr_val);
} msrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_MSR_WRITES);
	__type(key, struct msrtop_msr_key);
	__type(value, struct msrtop_msr_write_val);
} msr_writes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_UEXITS);
	__type(key, struct msrtop_uexit_key);
	__type(value, struct msrtop_count_val);
} uexits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_OUTCOMES);
	__type(key, struct msrtop_outcome_key);
	__type(value, struct msrtop_outcome_val);
} outcomes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_CANONICAL);
	__type(key, struct msrtop_canon_key);
	__type(value, struct msrtop_canon_val);
} canonical SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_INTERCEPTS);
	__type(key, struct msrtop_intercept_key);
	__type(value, struct msrtop_count_val);
} intercepts SEC(".maps");

/* The KVM event tables: struct msrtop_event_key (msrtop.h) -> struct msrtop_count_val. */
#define EVENT_MAP(name)                                                                            \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, MSRTOP_MAX_EVENTS);                                            \
		__type(key, struct msrtop_event_key);                                              \
		__type(value, struct msrtop_count_val);                                            \
	} name SEC(".maps")

EVENT_MAP(pios);
EVENT_MAP(mmios);
EVENT_MAP(hypercalls);
EVENT_MAP(cpuids);
EVENT_MAP(inj_virqs);
EVENT_MAP(inj_exceptions);

/*
 * tid_vcpus (LRU hash): thread id -> the vcpu_id it runs, learned from the
 * events that carry one (kvm_exit, kvm_entry, kvm_msr_intercept), written
 * only when it changes. kvm_msr keys its counts by thread id; userspace maps
 * them to vCPUs with this. (A lookup per kvm_msr event in the thread's task
 * storage cost a third of that program.)
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MSRTOP_MAX_TID_VCPUS);
	__type(key, u32);
	__type(value, u64); /* the vcpu_id; u64 so that userspace reads it as a counter */
} tid_vcpus SEC(".maps");

/*
 * Who updates a row. Every map of counters is a shared (not per-CPU) hash,
 * preallocated at load: no program allocates memory per event, and an insert
 * fails only when the map is really full (a per-CPU map without preallocation
 * failed inserts under bursts far below max_entries, and copies every value
 * once per possible CPU at each refresh).
 *
 * Rows whose key holds a vCPU (exits, msrs, msr_writes, outcomes, canonical,
 * intercepts, and the KVM event tables keyed by vCPU thread) are updated only by the thread running
 * that vCPU: KVM runs a vCPU under vcpu->mutex, one thread at a time, and the mutex orders one
 * holder's updates before the next's, wherever they ran. Their counters take
 * plain adds. Rows keyed by VM only (uexits), which several vCPU threads of
 * one VM update at once, take atomic adds.
 *
 * Per-CPU maps remain where they are the right tool: overflow and
 * errors (a few counters bumped by any thread: per-CPU slots do not
 * bounce one cache line between CPUs) and threads (task
 * storage: state that lives and dies with its thread; the kernel allocates it
 * once per thread, at the thread's first event, never per event, and frees it
 * with the task).
 */


/* Index of v's highest set bit, capped at the last histogram slot. */
static __always_inline u32 hist_slot(u64 v)
{
	u32 slot = 0;

	if (v >> 32) {
		v >>= 32;
		slot += 32;
	}
	if (v >> 16) {
		v >>= 16;
		slot += 16;
	}
	if (v >> 8) {
		v >>= 8;
		slot += 8;
	}
	if (v >> 4) {
		v >>= 4;
		slot += 4;
	}
	if (v >> 2) {
		v >>= 2;
		slot += 2;
	}
	if (v >> 1)
		slot += 1;
	return slot < MSRTOP_HIST_SLOTS ? slot : MSRTOP_HIST_SLOTS - 1;
}

/*
 * Changes-only reads. The exits, msrs and msr_writes maps hold most rows on a
 * big host, and most of them are idle: userspace reads them through the
 * "iter" programs at the end of this file, which pass on only the rows whose
 * gen moved since the last read (which sets seen). An update bumps gen after
 * its other stores (the barrier), and these rows have one writer at a time
 * (the vCPU's thread, "Who updates a row"); a read that copies a row while it
 * is being updated copies gen's old value with it, so the row is read again
 * next time. x86 keeps stores in order, and loads in order, so the compiler
 * barriers are all it takes there.
 */
static __always_inline void row_changed(u64 *gen)
{
	barrier();
	*(volatile u64 *)gen += 1;
}

/*
 * Changes-only reads where the kernel loads no iterator programs
 * (dirty_ring, set by userspace; off, the verifier drops this code): the
 * first update of a row in each refresh interval (dirty_epoch, which
 * userspace bumps at every refresh, through the mmapped .bss) also puts the
 * row's key in the dirty_keys ring buffer, and userspace looks up those
 * rows alone (map_mirror_update_keys()). The row's seen field holds the
 * epoch of its last push (the iterators, which use seen otherwise, are not
 * attached then). A push that finds the ring full is counted in dirty_lost,
 * and userspace then reads the whole maps once; seen is left alone, so the
 * next update tries again.
 */
const volatile bool dirty_ring = false;
volatile __u64 dirty_epoch; /* 0 until the first refresh, which reads every row */
volatile __u64 dirty_lost;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MSRTOP_DIRTY_RING_BYTES);
} dirty_keys SEC(".maps");

static __always_inline void row_dirty(u64 *seen, u32 map_id, const void *key)
{
	struct msrtop_dirty_key *d;
	u64 epoch;

	if (!dirty_ring)
		return;
	epoch = dirty_epoch;
	if (*seen == epoch)
		return;
	d = bpf_ringbuf_reserve(&dirty_keys, sizeof(*d), 0);
	if (!d) {
		__sync_fetch_and_add(&dirty_lost, 1);
		return;
	}
	*seen = epoch;
	d->map_id = map_id;
	d->pad = 0;
	__builtin_memcpy(d->key, key, sizeof(d->key));
	bpf_ringbuf_submit(d, BPF_RB_NO_WAKEUP);
}

static __always_inline u64 now_ns(void)
{
	return test_clock ? test_now_ns : bpf_ktime_get_ns();
}

static __always_inline struct thread_state *thread_get(bool create)
{
	struct thread_state *ts;

	ts = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), NULL,
				  create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!ts && create)
		count_overflow(MSRTOP_MAP_THREADS);
	return ts;
}

/* Remember that the current thread runs vCPU vcpu_id. */
static __always_inline struct thread_state *thread_learn(u32 vcpu_id)
{
	struct thread_state *ts = thread_get(true);

	if (ts && (!ts->vcpu_known || ts->vcpu_id != vcpu_id)) {
		u32 tid = (u32)bpf_get_current_pid_tgid();
		u64 vcpu = vcpu_id;

		if (!ts->vcpu_known)
			vm_comm_record();
		bpf_map_update_elem(&tid_vcpus, &tid, &vcpu, BPF_ANY);
		ts->vcpu_id = vcpu_id;
		ts->vcpu_known = 1;
	}
	return ts;
}

static __always_inline int handle_exit(u32 vcpu_id, u32 isa, u32 reason, bool nested)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct msrtop_exit_key key = {
		.tgid = tgid,
		.vcpu = vcpu_id,
		.reason = reason,
		.isa = isa,
		.vcpu_src = MSRTOP_VCPU_KERNEL,
		.nested = nested,
	};
	struct msrtop_exit_val *val;
	struct thread_state *ts;

	if (!pid_wanted(tgid))
		return 0;
	val = lookup_or_init(&exits, &key, MSRTOP_MAP_EXITS);
	if (val) {
		val->count++;
		row_changed(&val->gen);
		row_dirty(&val->seen, MSRTOP_MAP_EXITS, &key);
	}
	if (nested)
		return 0;
	if (outcome_times_msr_exits && msrtop_is_msr_exit(isa, reason)) {
		/* kvm_msr_outcome times it. kvm_msr, if attached, keys its rows by
		 * thread: teach the thread its vCPU as other exits do. */
		if (!outcome_msrs)
			thread_learn(vcpu_id);
		return 0;
	}
	ts = thread_learn(vcpu_id);
	if (ts && latency) {
		ts->exit_key = key;
		ts->exit_ts = now_ns();
	}
	return 0;
}

static __always_inline int handle_entry(bool have_id, u32 vcpu_id)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct msrtop_exit_val *val;
	struct thread_state *ts;
	u64 delta;
	u32 slot;

	if (!pid_wanted(tgid))
		return 0;
	ts = have_id ? thread_learn(vcpu_id) : thread_get(false);
	if (!ts || !ts->exit_ts)
		return 0;
	delta = now_ns() - ts->exit_ts;
	ts->exit_ts = 0;
	val = bpf_map_lookup_elem(&exits, &ts->exit_key);
	if (!val)
		return 0; /* the exit itself was not counted: an overflow was */
	slot = hist_slot(delta);
	if (!val->lat_count || delta < val->lat_min_ns)
		val->lat_min_ns = delta;
	if (delta > val->lat_max_ns)
		val->lat_max_ns = delta;
	val->lat_count++;
	val->lat_sum_ns += delta;
	val->lat_hist[slot & (MSRTOP_HIST_SLOTS - 1)]++;
	row_changed(&val->gen);
	row_dirty(&val->seen, MSRTOP_MAP_EXITS, &ts->exit_key);
	return 0;
}

/* One MSR access as kvm_msr reports it, into the MSR table (msrs or msr_writes). */
static __always_inline void count_msr(const struct msrtop_msr_key *key, u64 data, bool exception)
{
	struct msrtop_msr_write_val *wval;
	struct msrtop_msr_val *val;
	bool had_value;

	if (!key->write) {
		val = lookup_or_init(&msrs, key, MSRTOP_MAP_MSRS);
		if (val) {
			val->count++;
			if (exception)
				val->gp++;
			row_changed(&val->gen);
			row_dirty(&val->seen, MSRTOP_MAP_MSRS, key);
		}
		return;
	}

	wval = lookup_or_init(&msr_writes, key, MSRTOP_MAP_MSR_WRITES);
	if (!wval)
		return;
	had_value = wval->count > wval->gp;
	wval->count++;
	if (exception) {
		wval->gp++;
		row_changed(&wval->gen);
		row_dirty(&wval->seen, MSRTOP_MAP_MSR_WRITES, key);
		return;
	}
	if (had_value && wval->last_value != data)
		wval->changes++;
	wval->last_value = data;
	row_changed(&wval->gen);
	row_dirty(&wval->seen, MSRTOP_MAP_MSR_WRITES, key);
}

/* kvm_msr carries no vCPU: its rows are keyed by thread id, mapped to vCPUs by userspace. */
static __always_inline int handle_msr(u32 write, u32 msr, u64 data, bool exception)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tgid = id >> 32;
	struct msrtop_msr_key key = {
		.tgid = tgid,
		.vcpu = (u32)id,
		.msr = msr,
		.write = write ? 1 : 0,
		.vcpu_src = MSRTOP_VCPU_TID,
	};

	if (!pid_wanted(tgid))
		return 0;
	count_msr(&key, data, exception);
	return 0;
}

static __always_inline int handle_uexit(u32 reason, int err)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct msrtop_uexit_key key = {.tgid = tgid, .reason = reason};
	struct msrtop_count_val *val;

	if (!pid_wanted(tgid))
		return 0;
	if (err < 0) {
		key.reason = -err;
		key.error = 1;
	}
	val = lookup_or_init(&uexits, &key, MSRTOP_MAP_UEXITS);
	if (val)
		__sync_fetch_and_add(&val->count, 1);
	return 0;
}

static __always_inline u8 clamp_u8(u32 v)
{
	return v > 255 ? 255 : v;
}

static __always_inline int handle_intercept(u32 vcpu_id, u32 isa, u64 exit_code, u32 msr,
					    bool write)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct msrtop_intercept_key key = {
		.exit_code = exit_code,
		.tgid = tgid,
		.vcpu = vcpu_id,
		.msr = msr,
		.isa = clamp_u8(isa),
		.write = write ? 1 : 0,
		.vcpu_src = MSRTOP_VCPU_KERNEL,
	};
	struct msrtop_count_val *val;

	if (!pid_wanted(tgid))
		return 0;
	val = lookup_or_init(&intercepts, &key, MSRTOP_MAP_INTERCEPTS);
	if (val)
		val->count++;
	/* Fires on the vCPU thread before kvm_msr: teach it the vCPU. */
	thread_learn(vcpu_id);
	return 0;
}

/*
 * kvm_msr_outcome fires once per access KVM finished, on an MSR exit or in
 * its instruction emulator; kvm_msr fires exactly for those finished as
 * HANDLED, FASTPATH (success) or GP (exception), and for no USERSPACE,
 * USERSPACE_DONE or ERROR event. With outcome_msrs this program counts
 * those into the MSR table itself, keyed by the vcpu_id the event carries,
 * so that kvm_msr need not be attached: one program per access, not two.
 */
static __always_inline int handle_outcome(u32 vcpu_id, u32 msr, u64 data, bool write, u32 outcome,
					  u32 reason, u64 duration_ns, bool emulated)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct msrtop_outcome_key key = {
		.tgid = tgid,
		.vcpu = vcpu_id,
		.msr = msr,
		.flags = (write ? MSRTOP_OUTCOME_WRITE : 0) | (emulated ? MSRTOP_OUTCOME_EMULATED : 0),
		.vcpu_src = MSRTOP_VCPU_KERNEL,
		.outcome = clamp_u8(outcome),
		.reason = clamp_u8(reason),
	};
	struct msrtop_outcome_val *val;
	u32 slot;

	if (!pid_wanted(tgid))
		return 0;
	if (outcome_msrs && (outcome == MSRTOP_OUTCOME_HANDLED || outcome == MSRTOP_OUTCOME_GP ||
			     outcome == MSRTOP_OUTCOME_FASTPATH)) {
		struct msrtop_msr_key mkey = {
			.tgid = tgid,
			.vcpu = vcpu_id,
			.msr = msr,
			.write = write ? 1 : 0,
			.vcpu_src = MSRTOP_VCPU_KERNEL,
		};

		count_msr(&mkey, data, outcome == MSRTOP_OUTCOME_GP);
	}
	val = lookup_or_init(&outcomes, &key, MSRTOP_MAP_OUTCOMES);
	if (!val)
		return 0;
	slot = hist_slot(duration_ns);
	if (!val->count || duration_ns < val->min_ns)
		val->min_ns = duration_ns;
	if (duration_ns > val->max_ns)
		val->max_ns = duration_ns;
	val->count++;
	val->sum_ns += duration_ns;
	val->hist[slot & (MSRTOP_HIST_SLOTS - 1)]++;
	return 0;
}

static __always_inline int handle_canonical(u32 vcpu_id, u32 msr, u64 value, u64 result,
					    bool rejected)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct msrtop_canon_key key = {
		.tgid = tgid,
		.vcpu = vcpu_id,
		.msr = msr,
		.vcpu_src = MSRTOP_VCPU_KERNEL,
	};
	struct msrtop_canon_val *val;

	if (!pid_wanted(tgid))
		return 0;
	val = lookup_or_init(&canonical, &key, MSRTOP_MAP_CANONICAL);
	if (!val)
		return 0;
	val->count++;
	if (rejected)
		val->rejected++;
	else if (result != value)
		val->fixups++;
	return 0;
}

/* kvm:kvm_msr TP_PROTO(unsigned write, u32 ecx, u64 data, bool exception) */
SEC("tp_btf/kvm_msr")
int BPF_PROG(kvm_msr_btf, unsigned int write, u32 ecx, u64 data, bool exception)
{
	return handle_msr(write, ecx, data, exception);
}

SEC("raw_tp/kvm_msr")
int BPF_PROG(kvm_msr_raw, unsigned int write, u32 ecx, u64 data, bool exception)
{
	return handle_msr(write, ecx, data, exception);
}

/* kvm:kvm_entry TP_PROTO(struct kvm_vcpu *vcpu[, bool force_immediate_exit]) */
/*
 * Pointer arguments of tp_btf programs may be NULL as far as newer verifiers
 * know (Linux 6.12.y marks tracepoint arguments PTR_MAYBE_NULL): test before
 * a load, or the program does not load there.
 */
SEC("tp_btf/kvm_entry")
int BPF_PROG(kvm_entry_btf, struct kvm_vcpu *vcpu)
{
	if (!vcpu)
		return 0;
	return handle_entry(true, vcpu->vcpu_id);
}

SEC("raw_tp/kvm_entry")
int BPF_PROG(kvm_entry_raw, struct kvm_vcpu *vcpu)
{
	int vcpu_id;

	if (bpf_core_read(&vcpu_id, sizeof(vcpu_id), &vcpu->vcpu_id))
		return handle_entry(false, 0);
	return handle_entry(true, vcpu_id);
}

/*
 * kvm_exit and kvm_nested_vmexit, TP_PROTO(struct kvm_vcpu *vcpu, u32 isa):
 * the exit reason is not an argument. The event's own assignment asks the
 * vendor code (get_exit_info), which reads it from vendor-private state; these
 * programs read the same field themselves, with CO-RE, from the types of the
 * running kernel (vmlinux BTF, or kvm_amd's / kvm_intel's module BTF):
 *   SVM: to_svm(vcpu)->vmcb->control.exit_code
 *   VMX: to_vmx(vcpu)->exit_reason.full
 * Only the members used are declared; CO-RE finds them by name.
 */
struct vmcb_control_area___msrtop {
	u32 exit_code;
} __attribute__((preserve_access_index));

struct vmcb___msrtop {
	struct vmcb_control_area___msrtop control;
} __attribute__((preserve_access_index));

struct vcpu_svm___msrtop {
	struct kvm_vcpu vcpu;
	struct vmcb___msrtop *vmcb;
} __attribute__((preserve_access_index));

union vmx_exit_reason___msrtop {
	u32 full;
} __attribute__((preserve_access_index));

struct vcpu_vmx___msrtop {
	struct kvm_vcpu vcpu;
	union vmx_exit_reason___msrtop exit_reason;
} __attribute__((preserve_access_index));

/* The exit reason of vcpu's current exit into *reason; non-zero if unreadable. */
static __always_inline int read_exit_reason(struct kvm_vcpu *vcpu, u32 isa, u32 *reason)
{
	u64 base = (u64)vcpu;

	if (isa == MSRTOP_ISA_SVM) {
		if (bpf_core_type_exists(struct vcpu_svm___msrtop)) {
			struct vcpu_svm___msrtop *svm = (void *)(base -
				bpf_core_field_offset(struct vcpu_svm___msrtop, vcpu));
			struct vmcb___msrtop *vmcb;

			if (bpf_core_read(&vmcb, sizeof(vmcb), &svm->vmcb) || !vmcb)
				return -1;
			return bpf_core_read(reason, sizeof(*reason), &vmcb->control.exit_code);
		}
	} else if (isa == MSRTOP_ISA_VMX) {
		if (bpf_core_type_exists(struct vcpu_vmx___msrtop)) {
			struct vcpu_vmx___msrtop *vmx = (void *)(base -
				bpf_core_field_offset(struct vcpu_vmx___msrtop, vcpu));

			return bpf_core_read(reason, sizeof(*reason), &vmx->exit_reason.full);
		}
	}
	return -1;
}

/* vcpu_id: read by the caller (tp_btf: a plain load; raw_tp: with CO-RE). */
static __always_inline int handle_exit_vcpu(struct kvm_vcpu *vcpu, int vcpu_id, u32 isa,
					    bool nested)
{
	u32 reason;

	if (read_exit_reason(vcpu, isa, &reason)) {
		count_error(MSRTOP_MAP_EXITS);
		return 0;
	}
	return handle_exit(vcpu_id, isa, reason, nested);
}

/* The raw_tp twins: vcpu is an untyped pointer, every read goes through CO-RE. */
static __always_inline int handle_exit_raw(struct kvm_vcpu *vcpu, u32 isa, bool nested)
{
	int vcpu_id;

	if (bpf_core_read(&vcpu_id, sizeof(vcpu_id), &vcpu->vcpu_id)) {
		count_error(MSRTOP_MAP_EXITS);
		return 0;
	}
	return handle_exit_vcpu(vcpu, vcpu_id, isa, nested);
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(kvm_exit_btf, struct kvm_vcpu *vcpu, u32 isa)
{
	if (!vcpu) {
		count_error(MSRTOP_MAP_EXITS);
		return 0;
	}
	return handle_exit_vcpu(vcpu, vcpu->vcpu_id, isa, false);
}

SEC("raw_tp/kvm_exit")
int BPF_PROG(kvm_exit_raw, struct kvm_vcpu *vcpu, u32 isa)
{
	return handle_exit_raw(vcpu, isa, false);
}

SEC("tp_btf/kvm_nested_vmexit")
int BPF_PROG(kvm_nested_vmexit_btf, struct kvm_vcpu *vcpu, u32 isa)
{
	if (!vcpu) {
		count_error(MSRTOP_MAP_EXITS);
		return 0;
	}
	return handle_exit_vcpu(vcpu, vcpu->vcpu_id, isa, true);
}

SEC("raw_tp/kvm_nested_vmexit")
int BPF_PROG(kvm_nested_vmexit_raw, struct kvm_vcpu *vcpu, u32 isa)
{
	return handle_exit_raw(vcpu, isa, true);
}

/*
 * The fallback where the kernel's BTF lacks the vendor types (userspace
 * checks): the classic tracepoint, whose record has the reason. A classic
 * tracepoint program's return value decides whether perf still gets the event
 * on this CPU: 1, always, so that perf, perf kvm stat and kvm_stat beside
 * msrtop keep counting.
 */
SEC("tracepoint/kvm/kvm_exit")
int kvm_exit_tp(struct trace_event_raw_kvm_exit *ctx)
{
	handle_exit(ctx->vcpu_id, ctx->isa, ctx->exit_reason, false);
	return 1;
}

SEC("tracepoint/kvm/kvm_nested_vmexit")
int kvm_nested_vmexit_tp(struct trace_event_raw_kvm_nested_vmexit *ctx)
{
	handle_exit(ctx->vcpu_id, ctx->isa, ctx->exit_reason, true);
	return 1;
}

/* Test entry into handle_exit() with the values a kvm_exit (nested = 0) or
 * kvm_nested_vmexit (nested = 1) record carries. Never attached. */
SEC("raw_tp")
int BPF_PROG(kvm_exit_test, u32 vcpu_id, u32 isa, u32 exit_reason, u32 nested)
{
	return handle_exit(vcpu_id, isa, exit_reason, nested != 0);
}

/*
 * Test only (BPF_PROG_TEST_RUN): what a vCPU thread does when it loses the
 * race to insert a VM-wide key (uexits): its lookup missed, and by its insert
 * the other thread's entry is there. Returns 0 when it finds that entry (as
 * it must: -EEXIST is no error), 1 otherwise.
 */
SEC("raw_tp")
int BPF_PROG(uexit_insert_race_test, u32 reason)
{
	struct msrtop_uexit_key key = {.tgid = bpf_get_current_pid_tgid() >> 32,
				       .reason = reason};

	if (!lookup_or_init(&uexits, &key, MSRTOP_MAP_UEXITS))
		return 1;
	return insert_or_find(&uexits, &key, MSRTOP_MAP_UEXITS) ? 0 : 1;
}

/* kvm:kvm_userspace_exit TP_PROTO(__u32 reason, int errno) */
SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(kvm_userspace_exit_btf, u32 reason, int err)
{
	return handle_uexit(reason, err);
}

SEC("raw_tp/kvm_userspace_exit")
int BPF_PROG(kvm_userspace_exit_raw, u32 reason, int err)
{
	return handle_uexit(reason, err);
}

/*
 * Patched kernels only (detected by userspace through btf_trace_<name>):
 * kvm_msr_intercept(unsigned int vcpu_id, unsigned int isa, u64 exit_code,
 *		     unsigned int msr, u64 data, bool write, unsigned long rip)
 * kvm_msr_outcome(unsigned int vcpu_id, unsigned int msr, u64 data, bool write,
 *		   unsigned int outcome, unsigned int reason, u64 duration_ns,
 *		   bool emulated)
 * kvm_msr_canonical(unsigned int vcpu_id, unsigned int msr, u64 value,
 *		     u64 result, bool rejected)
 */
SEC("tp_btf/kvm_msr_intercept")
int BPF_PROG(kvm_msr_intercept_btf, unsigned int vcpu_id, unsigned int isa, u64 exit_code,
	     unsigned int msr, u64 data, bool write, unsigned long rip)
{
	return handle_intercept(vcpu_id, isa, exit_code, msr, write);
}

SEC("raw_tp/kvm_msr_intercept")
int BPF_PROG(kvm_msr_intercept_raw, unsigned int vcpu_id, unsigned int isa, u64 exit_code,
	     unsigned int msr, u64 data, bool write, unsigned long rip)
{
	return handle_intercept(vcpu_id, isa, exit_code, msr, write);
}

SEC("tp_btf/kvm_msr_outcome")
int BPF_PROG(kvm_msr_outcome_btf, unsigned int vcpu_id, unsigned int msr, u64 data, bool write,
	     unsigned int outcome, unsigned int reason, u64 duration_ns, bool emulated)
{
	return handle_outcome(vcpu_id, msr, data, write, outcome, reason, duration_ns, emulated);
}

SEC("raw_tp/kvm_msr_outcome")
int BPF_PROG(kvm_msr_outcome_raw, unsigned int vcpu_id, unsigned int msr, u64 data, bool write,
	     unsigned int outcome, unsigned int reason, u64 duration_ns, bool emulated)
{
	return handle_outcome(vcpu_id, msr, data, write, outcome, reason, duration_ns, emulated);
}

SEC("tp_btf/kvm_msr_canonical")
int BPF_PROG(kvm_msr_canonical_btf, unsigned int vcpu_id, unsigned int msr, u64 value, u64 result,
	     bool rejected)
{
	return handle_canonical(vcpu_id, msr, value, result, rejected);
}

SEC("raw_tp/kvm_msr_canonical")
int BPF_PROG(kvm_msr_canonical_raw, unsigned int vcpu_id, unsigned int msr, u64 value, u64 result,
	     bool rejected)
{
	return handle_canonical(vcpu_id, msr, value, result, rejected);
}

/*
 * The KVM event tables (pios, mmios, hypercalls, cpuids, inj_virqs,
 * inj_exceptions): a count per VM, vCPU thread and the event's code, arg and
 * flag (struct msrtop_event_key). Every one of these events fires on the vCPU
 * thread, inside KVM_RUN: plain adds (see "Who updates a row" above).
 */
static __always_inline int handle_event(void *map, u32 map_id, u64 code, u32 arg, bool flag)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tgid = id >> 32;
	struct msrtop_event_key key = {
		.tgid = tgid,
		.vcpu = (u32)id,
		.code = code,
		.arg = arg,
		.flag = flag ? 1 : 0,
		.vcpu_src = MSRTOP_VCPU_TID,
	};
	struct msrtop_count_val *val;

	if (!pid_wanted(tgid))
		return 0;
	val = lookup_or_init(map, &key, map_id);
	if (val)
		val->count++;
	return 0;
}

/* kvm:kvm_pio TP_PROTO(unsigned int rw, unsigned int port, unsigned int size,
 *			 unsigned int count, const void *data); rw 1 is OUT. */
SEC("tp_btf/kvm_pio")
int BPF_PROG(kvm_pio_btf, unsigned int rw, unsigned int port, unsigned int size)
{
	return handle_event(&pios, MSRTOP_MAP_PIOS, port, size, rw);
}

SEC("raw_tp/kvm_pio")
int BPF_PROG(kvm_pio_raw, unsigned int rw, unsigned int port, unsigned int size)
{
	return handle_event(&pios, MSRTOP_MAP_PIOS, port, size, rw);
}

/* kvm:kvm_mmio TP_PROTO(int type, int len, u64 gpa, void *val) */
SEC("tp_btf/kvm_mmio")
int BPF_PROG(kvm_mmio_btf, int type, int len, u64 gpa)
{
	return handle_event(&mmios, MSRTOP_MAP_MMIOS, gpa >> 12, type, false);
}

SEC("raw_tp/kvm_mmio")
int BPF_PROG(kvm_mmio_raw, int type, int len, u64 gpa)
{
	return handle_event(&mmios, MSRTOP_MAP_MMIOS, gpa >> 12, type, false);
}

/* kvm:kvm_hypercall TP_PROTO(unsigned long nr, unsigned long a0, a1, a2, a3) */
SEC("tp_btf/kvm_hypercall")
int BPF_PROG(kvm_hypercall_btf, unsigned long nr)
{
	return handle_event(&hypercalls, MSRTOP_MAP_HYPERCALLS, nr, 0, false);
}

SEC("raw_tp/kvm_hypercall")
int BPF_PROG(kvm_hypercall_raw, unsigned long nr)
{
	return handle_event(&hypercalls, MSRTOP_MAP_HYPERCALLS, nr, 0, false);
}

/* kvm:kvm_cpuid TP_PROTO(unsigned int function, unsigned int index, unsigned long rax,
 *			   rbx, rcx, rdx, bool found, bool used_max_basic) */
SEC("tp_btf/kvm_cpuid")
int BPF_PROG(kvm_cpuid_btf, unsigned int function, unsigned int index)
{
	return handle_event(&cpuids, MSRTOP_MAP_CPUIDS, function, index, false);
}

SEC("raw_tp/kvm_cpuid")
int BPF_PROG(kvm_cpuid_raw, unsigned int function, unsigned int index)
{
	return handle_event(&cpuids, MSRTOP_MAP_CPUIDS, function, index, false);
}

/* kvm:kvm_inj_virq TP_PROTO(unsigned int vector, bool soft, bool reinjected) */
SEC("tp_btf/kvm_inj_virq")
int BPF_PROG(kvm_inj_virq_btf, unsigned int vector, bool soft, bool reinjected)
{
	return handle_event(&inj_virqs, MSRTOP_MAP_INJ_VIRQS, vector, 0, reinjected);
}

SEC("raw_tp/kvm_inj_virq")
int BPF_PROG(kvm_inj_virq_raw, unsigned int vector, bool soft, bool reinjected)
{
	return handle_event(&inj_virqs, MSRTOP_MAP_INJ_VIRQS, vector, 0, reinjected);
}

/* kvm:kvm_inj_exception TP_PROTO(unsigned exception, bool has_error, unsigned error_code,
 *				   bool reinjected) */
SEC("tp_btf/kvm_inj_exception")
int BPF_PROG(kvm_inj_exception_btf, unsigned int exception, bool has_error, unsigned int error_code,
	     bool reinjected)
{
	return handle_event(&inj_exceptions, MSRTOP_MAP_INJ_EXCEPTIONS, exception, 0, reinjected);
}

SEC("raw_tp/kvm_inj_exception")
int BPF_PROG(kvm_inj_exception_raw, unsigned int exception, bool has_error, unsigned int error_code,
	     bool reinjected)
{
	return handle_event(&inj_exceptions, MSRTOP_MAP_INJ_EXCEPTIONS, exception, 0, reinjected);
}

/*
 * The changes-only reads (see row_changed()): one "iter" program per map,
 * attached to it by userspace (bpf_program__attach_iter), which reads the
 * iterator's file at every refresh. Each row whose gen moved since the last
 * read is written out as its key then its value, and marked seen only once
 * both are written: when the output buffer is full, the kernel shows the
 * same row again at the next read(), and it must still be unseen then.
 */
#define CHANGED_ROWS(name, key_type, val_type)                                                    \
	SEC("iter/bpf_map_elem")                                                                   \
	int name(struct bpf_iter__bpf_map_elem *ctx)                                               \
	{                                                                                          \
		struct seq_file *seq = ctx->meta->seq;                                             \
		key_type *key = ctx->key;                                                          \
		val_type *val = ctx->value;                                                        \
		u64 gen;                                                                           \
                                                                                                   \
		if (!key || !val)                                                                  \
			return 0;                                                                  \
		gen = *(volatile u64 *)&val->gen;                                                  \
		if (gen == val->seen)                                                              \
			return 0;                                                                  \
		barrier();                                                                         \
		if (bpf_seq_write(seq, key, sizeof(*key)) || bpf_seq_write(seq, val, sizeof(*val))) \
			return 0;                                                                  \
		val->seen = gen;                                                                   \
		return 0;                                                                          \
	}

CHANGED_ROWS(changed_exits, struct msrtop_exit_key, struct msrtop_exit_val)
CHANGED_ROWS(changed_msrs, struct msrtop_msr_key, struct msrtop_msr_val)
CHANGED_ROWS(changed_msr_writes, struct msrtop_msr_key, struct msrtop_msr_write_val)

char LICENSE[] SEC("license") = "GPL";
