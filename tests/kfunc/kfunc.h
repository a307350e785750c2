/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by tests/kfunc/kfunc.bpf.c and tests/kfunc/kfunc_probe.c. */
#ifndef MSRTOP_TEST_KFUNC_H
#define MSRTOP_TEST_KFUNC_H

#ifdef __bpf__
typedef u32 uint32_t;
typedef u64 uint64_t;
typedef s32 int32_t;
#else
#include <stdint.h>
#endif

#define KFUNC_MAX_MSRS 4
#define EINVAL_ 22
#define EPERM_ 1

/* One MSR read at every exit of the VM under test (kvm_exit). */
struct kfunc_msr_stat {
	uint64_t samples; /* successful reads */
	uint64_t changes; /* reads whose value differs from the read before */
	uint64_t errors;  /* failed reads */
	uint64_t last;	  /* the last value read */
	int32_t last_error;
	uint32_t pad;
};

/* A change seen between two exits of one vCPU. */
struct kfunc_change {
	uint32_t msr;
	uint32_t vcpu;
	uint64_t old;
	uint64_t new;
};

/* Calls that must fail: how many, how many with the expected error. */
struct kfunc_calls {
	uint64_t calls;
	uint64_t expected;
	uint64_t succeeded;
	int64_t other_ret;
};

#endif
