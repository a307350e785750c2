/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both of msrtop's BPF objects have: msrtop.bpf.c (the tracepoints) and
 * msrtop_sample.bpf.c (--sample-msr, kept apart because it calls a kfunc that
 * most kernels lack). Each object gets its own copy of these maps; userspace
 * makes the sampler's share the main object's (bpf_map__reuse_fd), so that
 * the pid filter, the VM names and the lost-event counters are one.
 *
 * Include after vmlinux.h, the libbpf headers and msrtop.h.
 */
#ifndef MSRTOP_SHARED_BPF_H
#define MSRTOP_SHARED_BPF_H

/* What else to record of a VM first seen (the including object may define it). */
#ifndef MSRTOP_VM_SEEN
#define MSRTOP_VM_SEEN(task, tgid) do { } while (0)
#endif

#define EEXIST 17
#define E2BIG 7

/* Set by userspace between open and load. */
const volatile bool filter_pids = false; /* count only tgids in pid_filter */

/* Failed inserts per map because it was full (MSRTOP_MAP_*). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MSRTOP_MAP_NR);
	__type(key, u32);
	__type(value, u64);
} overflow SEC(".maps");

/* Events not counted per map for any other reason (MSRTOP_MAP_*). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MSRTOP_MAP_NR);
	__type(key, u32);
	__type(value, u64);
} errors SEC(".maps");

/* The errno of the last failed insert per map (MSRTOP_MAP_*), positive; 0
 * where none failed: what userspace names when it reports insert errors. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MSRTOP_MAP_NR);
	__type(key, u32);
	__type(value, u64);
} error_codes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_PID_FILTER);
	__type(key, u32);
	__type(value, u8);
} pid_filter SEC(".maps");

/*
 * vm_comms (LRU hash): tgid -> the VMM's comm (its thread-group leader's), set
 * when a thread is first seen running a vCPU. Userspace names VMs from /proc,
 * and falls back to this for a VMM that exited before it could be looked up.
 * LRU: it never fills; the oldest VMs' names go first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MSRTOP_MAX_VM_COMMS);
	__type(key, u32);
	__type(value, char[MSRTOP_VM_COMM_LEN]);
} vm_comms SEC(".maps");

/* Initial value for any map insert: the largest value type, all zero. */
static const struct msrtop_exit_val zero_val;
_Static_assert(sizeof(zero_val) >= sizeof(struct msrtop_outcome_val) &&
		       sizeof(zero_val) >= sizeof(struct msrtop_msr_val) &&
		       sizeof(zero_val) >= sizeof(struct msrtop_msr_write_val) &&
		       sizeof(zero_val) >= sizeof(struct msrtop_canon_val) &&
		       sizeof(zero_val) >= sizeof(struct msrtop_sample_val) &&
		       sizeof(zero_val) >= sizeof(struct msrtop_count_val),
	       "zero_val must cover every value type");

static __always_inline void count_overflow(u32 map_id)
{
	u64 *n = bpf_map_lookup_elem(&overflow, &map_id);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* An event of map_id not counted for another reason than a full map (E2BIG):
 * another insert error, or tracepoint data that could not be read. */
static __always_inline void count_error(u32 map_id)
{
	u64 *n = bpf_map_lookup_elem(&errors, &map_id);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* count_error() for a failed map insert: also remembers its errno. */
static __always_inline void count_insert_error(u32 map_id, int err)
{
	u64 *code = bpf_map_lookup_elem(&error_codes, &map_id);

	count_error(map_id);
	if (code)
		*code = -err;
}

/*
 * Record the current process's comm in vm_comms: when a thread is first seen
 * running a vCPU, and when any map gets a new entry of this process (so that
 * a VM is named whatever sources are attached).
 */
static __always_inline void vm_comm_record(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	char comm[MSRTOP_VM_COMM_LEN] = {};

	BPF_CORE_READ_STR_INTO(&comm, task, group_leader, comm);
	bpf_map_update_elem(&vm_comms, &tgid, comm, BPF_ANY);
	MSRTOP_VM_SEEN(task, tgid);
}

/* Inserts key with a zero value, or finds it there already (another thread
 * inserted it since this one's lookup); NULL, counted, when neither. */
static __always_inline void *insert_or_find(void *map, const void *key, u32 map_id)
{
	int err;

	/*
	 * Only the low 32 bits of the result: before Linux 6.4 the verifier
	 * turns this helper call into a direct call of the hash map's update,
	 * which returns int, so a program on such a kernel (Debian's 6.1) gets
	 * -EEXIST as 0x00000000ffffffef, not as -17. A vCPU thread that lost
	 * the race to insert a VM-wide key (uexits) then took the other
	 * thread's success for an error and dropped its event.
	 */
	err = (int)bpf_map_update_elem(map, key, &zero_val, BPF_NOEXIST);
	if (err == -E2BIG) {
		count_overflow(map_id);
		return NULL;
	}
	if (err && err != -EEXIST) {
		count_insert_error(map_id, err);
		return NULL;
	}
	if (!err) {
		u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (!bpf_map_lookup_elem(&vm_comms, &tgid))
			vm_comm_record();
	}
	return bpf_map_lookup_elem(map, key);
}

/* Find key's value, inserting a zero value first when absent. NULL when the
 * insert fails: counted as an overflow of map_id when the map is full, as an
 * insert error otherwise (e.g. EBUSY: the bucket is locked by a program this
 * one interrupted). */
static __always_inline void *lookup_or_init(void *map, const void *key, u32 map_id)
{
	void *val = bpf_map_lookup_elem(map, key);

	return val ? val : insert_or_find(map, key, map_id);
}

static __always_inline bool pid_wanted(u32 tgid)
{
	if (!filter_pids)
		return true;
	return bpf_map_lookup_elem(&pid_filter, &tgid) != NULL;
}

#endif /* MSRTOP_SHARED_BPF_H */
