/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MSRs KVM passes through to the guest on the host's CPU vendor: the
 * guest's RDMSR/WRMSR of them never reach KVM, so no tracepoint fires and no
 * MSR row can exist for them (docs/msrload.md has the table and its sources).
 */
#ifndef MSRTOP_MSR_PASSTHROUGH_H
#define MSRTOP_MSR_PASSTHROUGH_H

#include <stddef.h>

enum msrtop_cpu_vendor {
	MSRTOP_CPU_UNKNOWN,
	MSRTOP_CPU_INTEL, /* VMX */
	MSRTOP_CPU_AMD,	  /* SVM (AMD and Hygon) */
};

/* The vendor_id of the first processor in a /proc/cpuinfo text ("/proc/cpuinfo" but in tests). */
enum msrtop_cpu_vendor msr_passthrough_vendor(const char *cpuinfo_path);

/* "Intel (VMX)", "AMD (SVM)", or NULL when unknown. */
const char *msr_passthrough_vendor_name(enum msrtop_cpu_vendor v);

/* The MSRs passed through on that vendor, as one line of text; NULL when unknown. */
const char *msr_passthrough_list(enum msrtop_cpu_vendor v);

/*
 * One sentence on why an MSR access can have no row, naming the vendor's
 * pass-through MSRs ("Accesses to pass-through MSRs never reach KVM ...").
 */
const char *msr_passthrough_note(enum msrtop_cpu_vendor v, char *buf, size_t len);

#endif /* MSRTOP_MSR_PASSTHROUGH_H */
