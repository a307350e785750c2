// SPDX-License-Identifier: GPL-2.0
/*
 * The reference program of the overhead benchmark: the least any BPF tracer
 * can do per kvm:kvm_msr event and still count exactly by (pid, MSR,
 * direction). A per-CPU hash lookup, a plain increment of this CPU's slot,
 * and an insert the first time a key is seen. Nothing else: no vCPU, no #GP,
 * no values, no overflow accounting.
 *
 * The same counter in the three ways a program can attach to the tracepoint,
 * so that the benchmark shows what the attachment flavour costs; the loader
 * (ref_counter.c) loads exactly one of them:
 *   tp_btf/kvm_msr          arguments read from the tracepoint's argument array
 *   raw_tp/kvm_msr          the same array, without the verifier's BTF typing
 *   tracepoint/kvm/kvm_msr  the classic event: the kernel builds the trace
 *                           record first, the program reads the record
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ref_counter.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, REF_MAX_KEYS);
	__type(key, struct ref_key);
	__type(value, u64);
} counts SEC(".maps");

static __always_inline int bump(u32 write, u32 msr)
{
	struct ref_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32,
		.msr = msr,
		.write = write ? 1 : 0,
	};
	static const u64 one = 1;
	u64 *val;

	val = bpf_map_lookup_elem(&counts, &key);
	if (val) {
		/* This CPU's slot; a tracepoint program is not preempted by another run. */
		(*val)++;
		return 0;
	}
	/* First event of the key. Should another CPU insert it meanwhile, the
	 * update fails with -EEXIST; look up again and count there. */
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST)) {
		val = bpf_map_lookup_elem(&counts, &key);
		if (val)
			(*val)++;
	}
	return 0;
}

/* kvm:kvm_msr TP_PROTO(unsigned write, u32 ecx, u64 data, bool exception) */
SEC("tp_btf/kvm_msr")
int BPF_PROG(ref_msr_btf, unsigned int write, u32 ecx)
{
	return bump(write, ecx);
}

SEC("raw_tp/kvm_msr")
int BPF_PROG(ref_msr_raw, unsigned int write, u32 ecx)
{
	return bump(write, ecx);
}

SEC("tracepoint/kvm/kvm_msr")
int ref_msr_tp(struct trace_event_raw_kvm_msr *ctx)
{
	return bump(ctx->write, ctx->ecx);
}

char LICENSE[] SEC("license") = "GPL";
