// SPDX-License-Identifier: GPL-2.0
/*
 * Pass-through MSRs by CPU vendor (msr_passthrough.h), from Linux 6.1's
 * vmx_possible_passthrough_msrs / vmx_vcpu_create and SVM's
 * direct_access_msrs / svm_vcpu_init_msrpm, as tabled in docs/msrload.md.
 */
#include <stdio.h>
#include <string.h>

#include "msr_passthrough.h"

enum msrtop_cpu_vendor msr_passthrough_vendor(const char *cpuinfo_path)
{
	enum msrtop_cpu_vendor v = MSRTOP_CPU_UNKNOWN;
	FILE *f = fopen(cpuinfo_path, "re");
	char line[256];

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "vendor_id", 9))
			continue;
		if (strstr(line, "GenuineIntel"))
			v = MSRTOP_CPU_INTEL;
		else if (strstr(line, "AuthenticAMD") || strstr(line, "HygonGenuine"))
			v = MSRTOP_CPU_AMD;
		break;
	}
	fclose(f);
	return v;
}

const char *msr_passthrough_vendor_name(enum msrtop_cpu_vendor v)
{
	switch (v) {
	case MSRTOP_CPU_INTEL:
		return "Intel (VMX)";
	case MSRTOP_CPU_AMD:
		return "AMD (SVM)";
	case MSRTOP_CPU_UNKNOWN:
		break;
	}
	return NULL;
}

const char *msr_passthrough_list(enum msrtop_cpu_vendor v)
{
	switch (v) {
	case MSRTOP_CPU_INTEL:
		return "FS_BASE, GS_BASE, KERNEL_GS_BASE, SYSENTER_CS/ESP/EIP, TSC reads, "
		       "SPEC_CTRL after the guest's first non-zero write, PRED_CMD writes, "
		       "some x2APIC registers with APICv";
	case MSRTOP_CPU_AMD:
		return "FS_BASE, GS_BASE, KERNEL_GS_BASE, SYSENTER_CS/ESP/EIP, STAR, LSTAR, "
		       "CSTAR, SFMASK, TSC reads unless RDTSC is intercepted, SPEC_CTRL after the "
		       "guest's first non-zero write, PRED_CMD writes, TSC_AUX with RDTSCP, some "
		       "x2APIC registers with AVIC";
	case MSRTOP_CPU_UNKNOWN:
		break;
	}
	return NULL;
}

const char *msr_passthrough_note(enum msrtop_cpu_vendor v, char *buf, size_t len)
{
	const char *name = msr_passthrough_vendor_name(v);

	if (!name)
		snprintf(buf, len,
			 "accesses to pass-through MSRs never reach KVM and have no row (which "
			 "MSRs depends on the CPU vendor: docs/msrload.md)");
	else
		snprintf(buf, len,
			 "accesses to pass-through MSRs never reach KVM and have no row; on this "
			 "%s host: %s",
			 name, msr_passthrough_list(v));
	return buf;
}
