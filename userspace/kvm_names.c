// SPDX-License-Identifier: GPL-2.0
/* KVM_EXIT_* and kvm_msr_outcome code names (kvm_names.h). */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "kvm_names.h"
#include "msrtop.h"

/* Codes newer than the uapi header this is built against (Linux 6.12 values). */
#ifndef KVM_EXIT_LOONGARCH_IOCSR
#define KVM_EXIT_LOONGARCH_IOCSR 38
#endif
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif

_Static_assert(MSRTOP_USERSPACE_INVAL == KVM_MSR_EXIT_REASON_INVAL &&
		       MSRTOP_USERSPACE_UNKNOWN == KVM_MSR_EXIT_REASON_UNKNOWN &&
		       MSRTOP_USERSPACE_FILTER == KVM_MSR_EXIT_REASON_FILTER,
	       "kvm_msr_outcome's USERSPACE reasons are KVM_MSR_EXIT_REASON_*");

#define UEXIT(n) [KVM_EXIT_##n] = #n

static const char *const uexit_names[] = {
	UEXIT(UNKNOWN),
	UEXIT(EXCEPTION),
	UEXIT(IO),
	UEXIT(HYPERCALL),
	UEXIT(DEBUG),
	UEXIT(HLT),
	UEXIT(MMIO),
	UEXIT(IRQ_WINDOW_OPEN),
	UEXIT(SHUTDOWN),
	UEXIT(FAIL_ENTRY),
	UEXIT(INTR),
	UEXIT(SET_TPR),
	UEXIT(TPR_ACCESS),
	UEXIT(S390_SIEIC),
	UEXIT(S390_RESET),
	UEXIT(DCR),
	UEXIT(NMI),
	UEXIT(INTERNAL_ERROR),
	UEXIT(OSI),
	UEXIT(PAPR_HCALL),
	UEXIT(S390_UCONTROL),
	UEXIT(WATCHDOG),
	UEXIT(S390_TSCH),
	UEXIT(EPR),
	UEXIT(SYSTEM_EVENT),
	UEXIT(S390_STSI),
	UEXIT(IOAPIC_EOI),
	UEXIT(HYPERV),
	UEXIT(ARM_NISV),
	UEXIT(X86_RDMSR),
	UEXIT(X86_WRMSR),
	UEXIT(DIRTY_RING_FULL),
	UEXIT(AP_RESET_HOLD),
	UEXIT(X86_BUS_LOCK),
	UEXIT(XEN),
	UEXIT(RISCV_SBI),
	UEXIT(RISCV_CSR),
	UEXIT(NOTIFY),
	UEXIT(LOONGARCH_IOCSR),
	UEXIT(MEMORY_FAULT),
};

const char *kvm_uexit_name(uint32_t reason)
{
	if (reason >= sizeof(uexit_names) / sizeof(uexit_names[0]))
		return NULL;
	return uexit_names[reason];
}

const char *kvm_uexit_format(uint32_t reason, bool error, char *buf, size_t len)
{
	const char *name = error ? strerrorname_np((int)reason) : kvm_uexit_name(reason);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, error ? "ERRNO_%u" : "EXIT_%u", reason);
	return buf;
}

const char *msr_outcome_name(uint32_t outcome)
{
	switch (outcome) {
	case MSRTOP_OUTCOME_HANDLED:
		return "handled";
	case MSRTOP_OUTCOME_GP:
		return "gp";
	case MSRTOP_OUTCOME_USERSPACE:
		return "userspace";
	case MSRTOP_OUTCOME_USERSPACE_DONE:
		return "userspace_done";
	case MSRTOP_OUTCOME_ERROR:
		return "error";
	case MSRTOP_OUTCOME_FASTPATH:
		return "fastpath";
	}
	return NULL;
}

const char *msr_outcome_reason_name(uint32_t outcome, uint32_t reason)
{
	switch (outcome) {
	case MSRTOP_OUTCOME_GP:
		switch (reason) {
		case MSRTOP_GP_UNKNOWN_MSR:
			return "unknown_msr";
		case MSRTOP_GP_INVALID_VALUE:
			return "invalid_value";
		case MSRTOP_GP_NON_CANONICAL:
			return "non_canonical";
		case MSRTOP_GP_FILTERED:
			return "filtered";
		}
		break;
	case MSRTOP_OUTCOME_USERSPACE:
		switch (reason) {
		case MSRTOP_USERSPACE_INVAL:
			return "inval";
		case MSRTOP_USERSPACE_UNKNOWN:
			return "unknown";
		case MSRTOP_USERSPACE_FILTER:
			return "filter";
		}
		break;
	case MSRTOP_OUTCOME_USERSPACE_DONE:
		switch (reason) {
		case MSRTOP_USERSPACE_DONE_OK:
			return "ok";
		case MSRTOP_USERSPACE_DONE_ERROR:
			return "error";
		}
		break;
	}
	return NULL;
}
