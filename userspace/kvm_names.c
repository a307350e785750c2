// SPDX-License-Identifier: GPL-2.0
/* KVM_EXIT_*, kvm_msr_outcome and KVM event code names (kvm_names.h). */
#include <inttypes.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>
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

_Static_assert(MSRTOP_MMIO_READ_UNSATISFIED == 0 && MSRTOP_MMIO_READ == 1 && MSRTOP_MMIO_WRITE == 2,
	       "kvm_mmio's types are KVM_TRACE_MMIO_* of include/trace/events/kvm.h");

/* Numbers newer than the uapi header this is built against (Linux 6.12 values). */
#ifndef KVM_HC_MAP_GPA_RANGE
#define KVM_HC_MAP_GPA_RANGE 12
#endif

#define HC(n) [KVM_HC_##n] = #n

/* KVM's hypercalls (include/uapi/linux/kvm_para.h; the same numbers in 6.1 and 6.12). */
static const char *const hypercall_names[] = {
	HC(VAPIC_POLL_IRQ), HC(MMU_OP),
	HC(FEATURES),	    HC(PPC_MAP_MAGIC_PAGE),
	HC(KICK_CPU),	    HC(MIPS_GET_CLOCK_FREQ),
	HC(MIPS_EXIT_VM),   HC(MIPS_CONSOLE_OUTPUT),
	HC(CLOCK_PAIRING),  HC(SEND_IPI),
	HC(SCHED_YIELD),    HC(MAP_GPA_RANGE),
};

/* The architectural exception vectors 0-31 (Intel SDM vol. 3, 6.3.1; AMD APM vol. 2, 8.2). */
static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", NULL,  "#TS",
	"#NP", "#SS", "#GP", "#PF", NULL,  "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	NULL,  NULL,  NULL,  NULL,  NULL,  NULL,  "#HV", "#VC", "#SX", NULL,
};

static const char *const mmio_names[] = {
	[MSRTOP_MMIO_READ_UNSATISFIED] = "read_unsatisfied",
	[MSRTOP_MMIO_READ] = "read",
	[MSRTOP_MMIO_WRITE] = "write",
};

static const char *const pio_dir_names[] = {"in", "out"};

#define NAME_IN(table, code) ((code) < sizeof(table) / sizeof((table)[0]) ? (table)[code] : NULL)

const char *kvm_code_name(enum kvm_code_table table, uint64_t code)
{
	switch (table) {
	case KVM_CODES_DEC:
	case KVM_CODES_HEX:
	case KVM_CODES_BOOL:
		break;
	case KVM_CODES_PIO_DIR:
		return NAME_IN(pio_dir_names, code);
	case KVM_CODES_MMIO:
		return NAME_IN(mmio_names, code);
	case KVM_CODES_HYPERCALL:
		return NAME_IN(hypercall_names, code);
	case KVM_CODES_EXCEPTION:
		return NAME_IN(exception_names, code);
	}
	return NULL;
}

bool kvm_code_name_table(enum kvm_code_table table)
{
	return table != KVM_CODES_DEC && table != KVM_CODES_HEX && table != KVM_CODES_BOOL;
}

const char *kvm_code_format(enum kvm_code_table table, uint64_t code, char *buf, size_t len)
{
	const char *name = kvm_code_name(table, code);

	if (name)
		snprintf(buf, len, "%s", name);
	else if (table == KVM_CODES_BOOL)
		snprintf(buf, len, "%s", code ? "yes" : "");
	else if (table == KVM_CODES_HEX)
		snprintf(buf, len, "0x%" PRIx64, code);
	else
		snprintf(buf, len, "%" PRIu64, code);
	return buf;
}
