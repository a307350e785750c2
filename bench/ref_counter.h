/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference counter of the overhead benchmark (docs/performance.md): the
 * map layout shared by ref_counter.bpf.c and its loader ref_counter.c.
 */
#ifndef REF_COUNTER_H
#define REF_COUNTER_H

#define REF_MAX_KEYS 10240

/* One counter per VMM process, MSR index and direction: no padding. */
struct ref_key {
	unsigned int pid; /* tgid of the thread that exited */
	unsigned int msr;
	unsigned int write; /* 0 RDMSR, 1 WRMSR */
};

#endif /* REF_COUNTER_H */
