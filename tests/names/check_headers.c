// SPDX-License-Identifier: GPL-2.0
/*
 * Checks msrtop's name tables against the Linux 6.12 headers themselves,
 * without scripts/gen-names.py: every value here comes from the C compiler
 * expanding the kernel's own macros (and the kernel's own VMX_EXIT_REASONS /
 * SVM_EXIT_REASONS lists), every expected name from the macro's name.
 *
 *   check_headers GROUP       prints "N checked" and exits 0, or prints each
 *                             mismatch and exits 1
 *
 * Built by tests/names/drift.sh against headers extracted from Debian's
 * linux-source-6.12, with the macro name lists it writes (*.list) on the
 * include path.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Kernel-internal names the non-uapi headers use. */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#define __packed __attribute__((packed))

#include <asm/vmx.h>
#include <asm/svm.h>
#include <asm/kvm.h>
#include <asm/kvm_para.h>
#include <asm/msr-index.h>
#include <asm/apicdef.h>
#include <asm/hyperv-tlfs.h>

#include "exit_reasons.h"
#include "msr_names.h"

struct item {
	uint64_t value;
	const char *name;
	const char *macro;
};

#define ITEM(macro, name) { (uint64_t)(macro), name, #macro },

/* Lists of macro names written by drift.sh from the extracted headers. */
static const struct item vmx_codes[] = {
#include "vmx_codes.list"
};
static const struct item vmx_flags[] = {
#include "vmx_flags.list"
};
static const struct item svm_codes[] = {
#include "svm_codes.list"
};
static const struct item svm_vmgexit[] = {
#include "svm_vmgexit.list"
};
static const struct item vectors[] = {
#include "vectors.list"
};
static const struct item msr_hex[] = {
#include "msr_hex.list"
};
static const struct item kvm_msrs[] = {
#include "kvm_msrs.list"
};
static const struct item hv_msrs[] = {
#include "hv_msrs.list"
};

/* The kernel's own code -> string lists. */
struct kernel_string {
	uint64_t code;
	const char *s;
};
static const struct kernel_string vmx_strings[] = { VMX_EXIT_REASONS };
static const struct kernel_string vmx_flag_strings[] = { VMX_EXIT_REASON_FLAGS };
static const struct kernel_string svm_strings[] = { SVM_EXIT_REASONS };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int checked, failed;

__attribute__((format(printf, 1, 2))) static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed++;
}

static void expect_exit(uint32_t isa, uint64_t code, const char *want, const char *macro)
{
	const char *got = exit_reason_name(isa, code);

	checked++;
	if (!got || strcmp(got, want))
		bad("%s: expected %s, table has %s (code 0x%llx)", macro, want,
		    got ? got : "nothing", (unsigned long long)code);
}

static void expect_exit_parse(uint32_t isa, const char *s, uint64_t code)
{
	uint64_t got;

	checked++;
	if (exit_reason_parse(isa, s, &got) || got != code)
		bad("\"%s\" (kernel string for 0x%llx) does not parse back", s,
		    (unsigned long long)code);
}

static void expect_msr_name(uint64_t index, const char *want, const char *macro)
{
	const char *got = msr_name((uint32_t)index);

	checked++;
	if (!got || strcmp(got, want))
		bad("%s: expected %s, table has %s (index 0x%llx)", macro, want,
		    got ? got : "nothing", (unsigned long long)index);
}

/* want is a canonical name or an alias of the index: it must parse to it. */
static void expect_msr_known(uint64_t index, const char *want, const char *macro)
{
	uint32_t got;

	checked++;
	if (!msr_name((uint32_t)index))
		bad("%s (%s): index 0x%llx has no name", macro, want, (unsigned long long)index);
	else if (msr_parse(want, &got) || got != index)
		bad("%s: name %s does not parse to 0x%llx", macro, want, (unsigned long long)index);
}

static void expect_not_msr(const char *name)
{
	uint32_t got;

	checked++;
	if (!msr_parse(name, &got))
		bad("%s is a bit/field definition but parses as MSR 0x%x", name, got);
}

static void check_vmx(void)
{
	for (size_t i = 0; i < N(vmx_codes); i++)
		expect_exit(MSRTOP_ISA_VMX, vmx_codes[i].value, vmx_codes[i].name,
			    vmx_codes[i].macro);
}

static void check_vmx_strings(void)
{
	for (size_t i = 0; i < N(vmx_strings); i++) {
		expect_exit(MSRTOP_ISA_VMX, vmx_strings[i].code, vmx_strings[i].s,
			    "VMX_EXIT_REASONS");
		expect_exit_parse(MSRTOP_ISA_VMX, vmx_strings[i].s, vmx_strings[i].code);
	}
}

static void expect_vmx_flag(uint64_t bit, const char *name, const char *macro)
{
	char want[128], got[128];

	snprintf(want, sizeof(want), "MSR_WRITE|%s", name);
	exit_reason_format(MSRTOP_ISA_VMX, EXIT_REASON_MSR_WRITE | bit, got, sizeof(got));
	checked++;
	if (strcmp(got, want))
		bad("%s: expected %s, got %s", macro, want, got);
}

static void check_vmx_flags(void)
{
	for (size_t i = 0; i < N(vmx_flags); i++)
		expect_vmx_flag(vmx_flags[i].value, vmx_flags[i].name, vmx_flags[i].macro);
	for (size_t i = 0; i < N(vmx_flag_strings); i++)
		expect_vmx_flag(vmx_flag_strings[i].code, vmx_flag_strings[i].s,
				"VMX_EXIT_REASON_FLAGS");
}

static void check_svm(void)
{
	char want[64];

	for (size_t i = 0; i < N(svm_codes); i++) {
		const struct item *it = &svm_codes[i];

		if (!strcmp(it->macro, "SVM_EXIT_EXCP_BASE") ||
		    !strcmp(it->macro, "SVM_EXIT_LAST_EXCP")) {
			/* Range bounds: the codes are named per vector, below. */
			const char *got = exit_reason_name(MSRTOP_ISA_SVM, it->value);

			checked++;
			if (!got || strncmp(got, "EXCP_", 5))
				bad("%s: expected an EXCP_ name, table has %s (0x%llx)", it->macro,
				    got ? got : "nothing", (unsigned long long)it->value);
			continue;
		}
		expect_exit(MSRTOP_ISA_SVM, it->value, it->name, it->macro);
	}
	/* SEV-ES exit codes are 0x8000xxxx; smaller values are sub-functions. */
	for (size_t i = 0; i < N(svm_vmgexit); i++) {
		if (svm_vmgexit[i].value >= 0x80000000)
			expect_exit(MSRTOP_ISA_SVM, svm_vmgexit[i].value, svm_vmgexit[i].name,
				    svm_vmgexit[i].macro);
	}
	/* The APM's ranges: 16 CR reads, CR writes, DR reads, DR writes; 32 vectors. */
	for (int n = 0; n < 16; n++) {
		snprintf(want, sizeof(want), "READ_CR%d", n);
		expect_exit(MSRTOP_ISA_SVM, SVM_EXIT_READ_CR0 + n, want, "SVM_EXIT_READ_CR0 + n");
		snprintf(want, sizeof(want), "WRITE_CR%d", n);
		expect_exit(MSRTOP_ISA_SVM, SVM_EXIT_WRITE_CR0 + n, want, "SVM_EXIT_WRITE_CR0 + n");
		snprintf(want, sizeof(want), "READ_DR%d", n);
		expect_exit(MSRTOP_ISA_SVM, SVM_EXIT_READ_DR0 + n, want, "SVM_EXIT_READ_DR0 + n");
		snprintf(want, sizeof(want), "WRITE_DR%d", n);
		expect_exit(MSRTOP_ISA_SVM, SVM_EXIT_WRITE_DR0 + n, want, "SVM_EXIT_WRITE_DR0 + n");
	}
	for (uint64_t c = SVM_EXIT_EXCP_BASE; c <= SVM_EXIT_LAST_EXCP; c++) {
		const char *got = exit_reason_name(MSRTOP_ISA_SVM, c);

		checked++;
		if (!got || strncmp(got, "EXCP_", 5))
			bad("exception code 0x%llx: expected an EXCP_ name, table has %s",
			    (unsigned long long)c, got ? got : "nothing");
	}
	for (size_t i = 0; i < N(vectors); i++) {
		/* uapi kvm.h says XM_VECTOR (Intel's #XM); AMD and trapnr.h say #XF. */
		const char *v = strcmp(vectors[i].name, "XM") ? vectors[i].name : "XF";

		snprintf(want, sizeof(want), "EXCP_%s", v);
		expect_exit(MSRTOP_ISA_SVM, SVM_EXIT_EXCP_BASE + vectors[i].value, want,
			    vectors[i].macro);
	}
}

static void check_svm_strings(void)
{
	for (size_t i = 0; i < N(svm_strings); i++) {
		checked++;
		if (!exit_reason_name(MSRTOP_ISA_SVM, svm_strings[i].code))
			bad("SVM_EXIT_REASONS: %s (0x%llx) has no name", svm_strings[i].s,
			    (unsigned long long)svm_strings[i].code);
		expect_exit_parse(MSRTOP_ISA_SVM, svm_strings[i].s, svm_strings[i].code);
	}
}

static void check_msr_index(void)
{
	for (size_t i = 0; i < N(msr_hex); i++)
		expect_msr_known(msr_hex[i].value, msr_hex[i].name, msr_hex[i].macro);
}

/* A hand-picked sample, including macros that are not plain hex literals. */
static void check_msr_sample(void)
{
	static const struct item canonical[] = {
		ITEM(MSR_EFER, "EFER")
		ITEM(MSR_STAR, "STAR")
		ITEM(MSR_LSTAR, "LSTAR")
		ITEM(MSR_FS_BASE, "FS_BASE")
		ITEM(MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE")
		ITEM(MSR_TSC_AUX, "TSC_AUX")
		ITEM(MSR_IA32_SPEC_CTRL, "IA32_SPEC_CTRL")
		ITEM(MSR_IA32_PRED_CMD, "IA32_PRED_CMD")
		ITEM(MSR_IA32_ARCH_CAPABILITIES, "IA32_ARCH_CAPABILITIES")
		ITEM(MSR_IA32_TSC, "IA32_TSC")
		ITEM(MSR_IA32_APICBASE, "IA32_APICBASE")
		ITEM(MSR_IA32_FEAT_CTL, "IA32_FEAT_CTL")
		ITEM(MSR_IA32_TSC_ADJUST, "IA32_TSC_ADJUST")
		ITEM(MSR_IA32_TSC_DEADLINE, "IA32_TSC_DEADLINE")
		ITEM(MSR_IA32_MISC_ENABLE, "IA32_MISC_ENABLE")
		ITEM(MSR_IA32_CR_PAT, "IA32_CR_PAT")
		ITEM(MSR_IA32_XSS, "IA32_XSS")
		ITEM(MSR_IA32_UCODE_REV, "IA32_UCODE_REV")
		ITEM(MSR_IA32_SYSENTER_CS, "IA32_SYSENTER_CS")
		ITEM(MSR_IA32_DEBUGCTLMSR, "IA32_DEBUGCTLMSR")
		ITEM(MSR_IA32_PERF_CAPABILITIES, "IA32_PERF_CAPABILITIES")
		ITEM(MSR_P6_EVNTSEL0, "P6_EVNTSEL0")
		ITEM(MSR_IA32_PERFCTR0, "IA32_PERFCTR0")
		ITEM(MSR_CORE_PERF_GLOBAL_CTRL, "CORE_PERF_GLOBAL_CTRL")
		ITEM(MSR_CORE_PERF_FIXED_CTR0, "CORE_PERF_FIXED_CTR0")
		ITEM(MSR_IA32_VMX_BASIC, "IA32_VMX_BASIC")
		ITEM(MSR_IA32_PL0_SSP, "IA32_PL0_SSP")
		ITEM(MSR_MTRRcap, "MTRRcap")
		ITEM(MSR_MTRRdefType, "MTRRdefType")
		ITEM(MSR_K7_HWCR, "K7_HWCR")
		ITEM(MSR_AMD64_SEV, "AMD64_SEV")
		ITEM(MSR_AMD64_VIRT_SPEC_CTRL, "AMD64_VIRT_SPEC_CTRL")
		ITEM(MSR_VM_HSAVE_PA, "VM_HSAVE_PA")
		ITEM(MSR_F15H_PERF_CTL3, "F15H_PERF_CTL3") /* MSR_F15H_PERF_CTL + 6 */
		ITEM(MSR_F15H_PERF_CTR5, "F15H_PERF_CTR5") /* MSR_F15H_PERF_CTR + 10 */
	};
	static const struct item aliases[] = {
		ITEM(MSR_IA32_FRED_SSP0, "IA32_FRED_SSP0") /* defined as MSR_IA32_PL0_SSP */
		ITEM(MSR_F15H_PERF_CTL0, "F15H_PERF_CTL0")
		ITEM(MSR_P6_PERFCTR0, "P6_PERFCTR0")
		ITEM(MSR_AMD64_PATCH_LEVEL, "AMD64_PATCH_LEVEL")
		ITEM(MSR_IA32_MCG_EBP, "IA32_MCG_EBP")
		ITEM(MSR_IA32_MCG_EFLAGS, "IA32_MCG_EFLAGS")
	};
	/* Bit numbers, bits and masks that must not be taken for MSRs. */
	static const char *const not_msrs[] = {
		"IA32_BNDCFGS_RSVD",
		"IA32_MISC_ENABLE_TURBO_DISABLE_BIT",
		"IA32_MISC_ENABLE_TURBO_DISABLE",
		"TEST_CTRL_SPLIT_LOCK_DETECT",
		"IA32_APICBASE_ENABLE",
		"AMD64_SEV_ENABLED",
		"AMD64_IBSOP_REG_COUNT",
		"IA32_PMC_V6_STEP",
		"IA32_POWER_CTL_BIT_EE",
		"HV_X64_MSR_HYPERCALL_ENABLE",
		"HV_X64_MSR_CRASH_PARAMS",
		"IA32_MCx_CTL",
	};

	char want[64];

	for (size_t i = 0; i < N(canonical); i++)
		expect_msr_name(canonical[i].value, canonical[i].name, canonical[i].macro);
	/* Arrays: the kernel's bank macros, and the SDM's eight counters per array. */
	for (int n = 0; n < 32; n++) {
		snprintf(want, sizeof(want), "IA32_MC%d_CTL", n);
		expect_msr_name(MSR_IA32_MCx_CTL(n), want, "MSR_IA32_MCx_CTL(n)");
		snprintf(want, sizeof(want), "IA32_MC%d_STATUS", n);
		expect_msr_name(MSR_IA32_MCx_STATUS(n), want, "MSR_IA32_MCx_STATUS(n)");
		snprintf(want, sizeof(want), "IA32_MC%d_ADDR", n);
		expect_msr_name(MSR_IA32_MCx_ADDR(n), want, "MSR_IA32_MCx_ADDR(n)");
		snprintf(want, sizeof(want), "IA32_MC%d_MISC", n);
		expect_msr_name(MSR_IA32_MCx_MISC(n), want, "MSR_IA32_MCx_MISC(n)");
		snprintf(want, sizeof(want), "IA32_MC%d_CTL2", n);
		expect_msr_name(MSR_IA32_MCx_CTL2(n), want, "MSR_IA32_MCx_CTL2(n)");
	}
	for (int n = 0; n < 8; n++) {
		snprintf(want, sizeof(want), "IA32_PERFCTR%d", n);
		expect_msr_name(MSR_IA32_PERFCTR0 + n, want, "MSR_IA32_PERFCTR0 + n");
		snprintf(want, sizeof(want), "P6_EVNTSEL%d", n);
		expect_msr_name(MSR_P6_EVNTSEL0 + n, want, "MSR_P6_EVNTSEL0 + n");
		snprintf(want, sizeof(want), "IA32_PMC%d", n);
		expect_msr_name(MSR_IA32_PMC0 + n, want, "MSR_IA32_PMC0 + n");
	}
	for (size_t i = 0; i < N(aliases); i++)
		expect_msr_known(aliases[i].value, aliases[i].name, aliases[i].macro);
	for (size_t i = 0; i < N(not_msrs); i++)
		expect_not_msr(not_msrs[i]);
}

static void check_kvm(void)
{
	for (size_t i = 0; i < N(kvm_msrs); i++)
		expect_msr_name(kvm_msrs[i].value, kvm_msrs[i].name, kvm_msrs[i].macro);
}

static void check_hyperv(void)
{
	/* Values below the hypervisor range are bits (HV_X64_MSR_*_ENABLE). */
	for (size_t i = 0; i < N(hv_msrs); i++) {
		if (hv_msrs[i].value >= 0x40000000)
			expect_msr_name(hv_msrs[i].value, hv_msrs[i].name, hv_msrs[i].macro);
	}
}

static void check_x2apic(void)
{
	static const struct item regs[] = {
		ITEM(APIC_ID, "X2APIC_ID")
		ITEM(APIC_LVR, "X2APIC_LVR")
		ITEM(APIC_TASKPRI, "X2APIC_TPR")
		ITEM(APIC_PROCPRI, "X2APIC_PPR")
		ITEM(APIC_EOI, "X2APIC_EOI")
		ITEM(APIC_LDR, "X2APIC_LDR")
		ITEM(APIC_SPIV, "X2APIC_SPIV")
		ITEM(APIC_ISR, "X2APIC_ISR0")
		ITEM(APIC_ISR + 0x70, "X2APIC_ISR7")
		ITEM(APIC_TMR, "X2APIC_TMR0")
		ITEM(APIC_IRR, "X2APIC_IRR0")
		ITEM(APIC_IRR + 0x70, "X2APIC_IRR7")
		ITEM(APIC_ESR, "X2APIC_ESR")
		ITEM(APIC_LVTCMCI, "X2APIC_LVTCMCI")
		ITEM(APIC_ICR, "X2APIC_ICR")
		ITEM(APIC_LVTT, "X2APIC_LVTT")
		ITEM(APIC_LVTTHMR, "X2APIC_LVTTHMR")
		ITEM(APIC_LVTPC, "X2APIC_LVTPC")
		ITEM(APIC_LVT0, "X2APIC_LVT0")
		ITEM(APIC_LVT1, "X2APIC_LVT1")
		ITEM(APIC_LVTERR, "X2APIC_LVTERR")
		ITEM(APIC_TMICT, "X2APIC_TMICT")
		ITEM(APIC_TMCCT, "X2APIC_TMCCT")
		ITEM(APIC_TDCR, "X2APIC_TDCR")
		ITEM(APIC_SELF_IPI, "X2APIC_SELF_IPI")
	};

	for (size_t i = 0; i < N(regs); i++)
		expect_msr_name(APIC_BASE_MSR + (regs[i].value >> 4), regs[i].name, regs[i].macro);
	expect_msr_name(APIC_X2APIC_ID_MSR, "X2APIC_ID", "APIC_X2APIC_ID_MSR");
}

static const struct {
	const char *name;
	void (*fn)(void);
	size_t min; /* fewer checks means the header or a list lost its entries */
} groups[] = {
	{ "vmx", check_vmx, 60 },
	{ "vmx-strings", check_vmx_strings, 120 },
	{ "vmx-flags", check_vmx_flags, 3 },
	{ "svm", check_svm, 200 },
	{ "svm-strings", check_svm_strings, 200 },
	{ "msr-index", check_msr_index, 450 },
	{ "msr-sample", check_msr_sample, 230 },
	{ "kvm", check_kvm, 11 },
	{ "hyperv", check_hyperv, 50 },
	{ "x2apic", check_x2apic, 26 },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc == 2 && i < N(groups); i++) {
		if (strcmp(argv[1], groups[i].name))
			continue;
		groups[i].fn();
		if (!failed && (size_t)checked < groups[i].min) {
			printf("only %d checks, expected %zu or more: has the header changed?\n",
			       checked, groups[i].min);
			failed++;
		}
		if (failed)
			return 1;
		printf("%d checked\n", checked);
		return 0;
	}
	fprintf(stderr, "usage: %s GROUP (", argv[0]);
	for (size_t i = 0; i < N(groups); i++)
		fprintf(stderr, "%s%s", i ? " " : "", groups[i].name);
	fprintf(stderr, ")\n");
	return 2;
}
