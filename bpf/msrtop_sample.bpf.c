// SPDX-License-Identifier: GPL-2.0
/*
 * --sample-msr and --watch-msr: guest MSRs read at kvm_exit through
 * bpf_kvm_vcpu_get_msr(), the kfunc of msrtop's kernel patch 0006, into the
 * maps msr_samples and msr_values and the ring buffer msr_changes (msrtop.h).
 *
 * An object of its own: libbpf resolves every kfunc an object declares when
 * it loads the object, whichever programs are on, and without CAP_SYS_ADMIN
 * it cannot search module BTF for one it does not find in vmlinux. msrtop
 * opens this object only when asked to sample and the kernel's BTF has the
 * kfunc, so that on every other kernel the main object (msrtop.bpf.c) loads
 * as before, with the least privileges.
 *
 * Sampling at kvm_exit is where the kfunc is safe: the exiting vCPU is the
 * one loaded on this CPU (the kfunc refuses any other), and the values are
 * the guest's at the exit.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "msrtop.h"
#include "msrtop_shared.bpf.h"

/* The MSRs read at kvm_exit, by slot. */
const volatile uint32_t sample_msrs[MSRTOP_SAMPLE_MAX_MSRS] = {};
const volatile uint32_t nr_sample_msrs = 0;
const volatile uint32_t sample_watch = 0;  /* slots whose every change goes to msr_changes */
const volatile uint32_t sample_values = 0; /* slots counted per value in msr_values */
const volatile uint32_t sample_every = 1;  /* read at every Nth exit of a vCPU thread */

/*
 * Kernel patch 0006's kfunc. Weak, so that the test entry below loads on a
 * kernel without it (as root: tests/bpf/test_bpf.c); msrtop itself loads
 * msr_sample_btf only where the kernel's BTF has the kfunc.
 */
extern int bpf_kvm_vcpu_get_msr(struct kvm_vcpu *vcpu, u32 msr, u64 *value) __ksym __weak;

/* Exits of each vCPU thread since its last sample (--sample-every). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, u32);
} sample_ticks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_MSR_SAMPLES);
	__type(key, struct msrtop_sample_key);
	__type(value, struct msrtop_sample_val);
} msr_samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MSRTOP_MAX_MSR_VALUES);
	__type(key, struct msrtop_value_key);
	__type(value, struct msrtop_count_val);
} msr_values SEC(".maps");

/* Changes of watched MSRs (struct msrtop_msr_change); sized by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} msr_changes SEC(".maps");

/*
 * One read of the MSR in sample slot slot (0..MSRTOP_SAMPLE_MAX_MSRS - 1) at
 * an exit of vCPU vcpu_id: ret is what bpf_kvm_vcpu_get_msr() returned,
 * value what it read. Counts the sample and a change against the vCPU's
 * previous read; a watched slot sends the change (old, new) to msr_changes; a
 * slot counted per value adds the exit to the value's row.
 */
static __always_inline void handle_sample(u32 tgid, u32 vcpu_id, u32 slot, u32 msr, int ret,
					  u64 value)
{
	struct msrtop_sample_key key = {
		.tgid = tgid,
		.vcpu = vcpu_id,
		.msr = msr,
		.vcpu_src = MSRTOP_VCPU_KERNEL,
	};
	struct msrtop_sample_val *val;

	val = lookup_or_init(&msr_samples, &key, MSRTOP_MAP_MSR_SAMPLES);
	if (!val)
		return;
	if (ret) {
		val->errors++;
		return;
	}
	if (val->samples && val->last_value != value) {
		val->changes++;
		if (sample_watch & 1u << slot) {
			struct msrtop_msr_change *c;

			c = bpf_ringbuf_reserve(&msr_changes, sizeof(*c), 0);
			if (c) {
				c->time_ns = bpf_ktime_get_ns();
				c->old_value = val->last_value;
				c->new_value = value;
				c->tgid = tgid;
				c->tid = (u32)bpf_get_current_pid_tgid();
				c->vcpu = vcpu_id;
				c->msr = key.msr;
				bpf_ringbuf_submit(c, 0);
			} else {
				count_overflow(MSRTOP_MAP_MSR_CHANGES);
			}
		}
	}
	val->samples++;
	val->last_value = value;
	if (sample_values & 1u << slot) {
		struct msrtop_value_key vkey = {.value = value, .tgid = tgid, .msr = key.msr};
		struct msrtop_count_val *n;

		n = lookup_or_init(&msr_values, &vkey, MSRTOP_MAP_MSR_VALUES);
		if (n)
			__sync_fetch_and_add(&n->count, 1);
	}
}

/* Whether this exit of the current thread is one to sample (every sample_every-th). */
static __always_inline bool sample_due(void)
{
	u32 *tick;

	if (sample_every <= 1)
		return true;
	tick = bpf_task_storage_get(&sample_ticks, bpf_get_current_task_btf(), NULL,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!tick) {
		count_overflow(MSRTOP_MAP_THREADS);
		return false;
	}
	if (++*tick < sample_every)
		return false;
	*tick = 0;
	return true;
}

/*
 * --sample-msr / --watch-msr: read the guest's MSRs at kvm_exit, where the
 * exiting vCPU is the one loaded on this CPU (the kfunc refuses any other).
 * Attached beside kvm_exit_btf; loaded only when the kernel has the kfunc.
 */
SEC("tp_btf/kvm_exit")
int BPF_PROG(msr_sample_btf, struct kvm_vcpu *vcpu, u32 isa)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u32 vcpu_id, i;

	if (!vcpu || !pid_wanted(tgid) || !sample_due())
		return 0;
	vcpu_id = vcpu->vcpu_id;
	for (i = 0; i < MSRTOP_SAMPLE_MAX_MSRS; i++) {
		u64 value = 0;
		int ret;

		if (i >= nr_sample_msrs)
			break;
		ret = bpf_kvm_vcpu_get_msr(vcpu, sample_msrs[i], &value);
		handle_sample(tgid, vcpu_id, i, sample_msrs[i], ret, value);
	}
	return 0;
}

/* Test entry into handle_sample() (the kfunc's result given): never attached. */
SEC("raw_tp")
int BPF_PROG(msr_sample_test, u32 vcpu_id, u32 slot, int ret, u64 value)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;

	slot &= MSRTOP_SAMPLE_MAX_MSRS - 1;
	if (!pid_wanted(tgid) || !sample_due())
		return 0;
	handle_sample(tgid, vcpu_id, slot, sample_msrs[slot], ret, value);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
