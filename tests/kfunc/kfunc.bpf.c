// SPDX-License-Identifier: GPL-2.0
/*
 * Test programs for the bpf_kvm_vcpu_get_msr() kfunc of kernel patch 0006
 * (tests/kfunc/kfunc_probe.c loads them; tests/e2e/kfunc_truth.sh runs it in
 * the test VMs):
 *   sample_exit      tp_btf/kvm_exit: reads up to four MSRs at every exit of
 *                    the VM under test, counts samples and changes, sends each
 *                    change (old, new) to a ring buffer, and reads one MSR
 *                    that is not allowlisted, which must fail with -EINVAL;
 *   misuse_ioctl_run fentry on kvm_arch_vcpu_ioctl_run(), which runs before
 *                    vcpu_load(): the vCPU is not the one loaded on this CPU,
 *                    so the kfunc must return -EPERM (6.1), or the verifier
 *                    must refuse the program (6.12 admits tp_btf callers only).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kfunc.h"

extern int bpf_kvm_vcpu_get_msr(struct kvm_vcpu *vcpu, u32 msr, u64 *value) __ksym;

const volatile uint32_t msrs[KFUNC_MAX_MSRS] = {};
const volatile uint32_t nr_msrs = 0;
const volatile uint32_t denied_msr = 0x1b; /* IA32_APIC_BASE: not allowlisted; 0: no call */
uint32_t target_tgid = 0;		      /* set after load: msrload's pid */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KFUNC_MAX_MSRS);
	__type(key, u32);
	__type(value, struct kfunc_msr_stat);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} changes SEC(".maps");

struct kfunc_calls denied = {};
struct kfunc_calls misuse = {};
uint64_t ring_lost = 0;

static __always_inline void count_call(struct kfunc_calls *c, int ret, int expect)
{
	__sync_fetch_and_add(&c->calls, 1);
	if (ret == expect)
		__sync_fetch_and_add(&c->expected, 1);
	else if (ret == 0)
		__sync_fetch_and_add(&c->succeeded, 1);
	else
		c->other_ret = ret;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(sample_exit, struct kvm_vcpu *vcpu, u32 isa)
{
	u64 value;
	u32 i;
	int ret;

	if (!vcpu || (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	for (i = 0; i < KFUNC_MAX_MSRS && i < nr_msrs; i++) {
		struct kfunc_msr_stat *s;
		u32 key = i;

		s = bpf_map_lookup_elem(&stats, &key);
		if (!s)
			return 0;
		value = 0;
		ret = bpf_kvm_vcpu_get_msr(vcpu, msrs[i], &value);
		if (ret) {
			s->errors++;
			s->last_error = ret;
			continue;
		}
		if (s->samples && value != s->last) {
			struct kfunc_change *c;

			s->changes++;
			c = bpf_ringbuf_reserve(&changes, sizeof(*c), 0);
			if (c) {
				c->msr = msrs[i];
				c->vcpu = vcpu->vcpu_id;
				c->old = s->last;
				c->new = value;
				bpf_ringbuf_submit(c, 0);
			} else {
				__sync_fetch_and_add(&ring_lost, 1);
			}
		}
		s->samples++;
		s->last = value;
	}
	if (!denied_msr)
		return 0;
	value = 0;
	ret = bpf_kvm_vcpu_get_msr(vcpu, denied_msr, &value);
	count_call(&denied, ret, -EINVAL_);
	return 0;
}

SEC("fentry/kvm_arch_vcpu_ioctl_run")
int BPF_PROG(misuse_ioctl_run, struct kvm_vcpu *vcpu)
{
	u64 value = 0;
	int ret;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	ret = bpf_kvm_vcpu_get_msr(vcpu, nr_msrs ? msrs[0] : 0xc0000100, &value);
	count_call(&misuse, ret, -EPERM_);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
