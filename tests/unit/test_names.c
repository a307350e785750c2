// SPDX-License-Identifier: GPL-2.0
/* Unit tests: MSR and VM exit reason names (lookup, formatting, parsing). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "exit_reasons.h"
#include "msr_names.h"

#define VMX MSRTOP_ISA_VMX
#define SVM MSRTOP_ISA_SVM

static void assert_msr_name(uint32_t index, const char *name)
{
	const char *got = msr_name(index);

	if (!name) {
		if (got)
			fail_msg("msr 0x%x: expected no name, got %s", index, got);
		return;
	}
	if (!got)
		fail_msg("msr 0x%x: expected %s, got no name", index, name);
	assert_string_equal(got, name);
}

static void assert_msr_parse(const char *s, uint32_t expected)
{
	uint32_t index = 0xdeadbeef;
	int err = msr_parse(s, &index);

	if (err)
		fail_msg("msr_parse(\"%s\") failed: %d", s, err);
	if (index != expected)
		fail_msg("msr_parse(\"%s\") = 0x%x, expected 0x%x", s, index, expected);
}

static void assert_msr_parse_fails(const char *s, int expected)
{
	uint32_t index = 0xdeadbeef;
	int err = msr_parse(s, &index);

	if (err != expected)
		fail_msg("msr_parse(\"%s\") = %d, expected %d", s ? s : "(null)", err, expected);
	assert_int_equal(index, 0xdeadbeef);
}

static void assert_exit_name(uint32_t isa, uint64_t code, const char *name)
{
	const char *got = exit_reason_name(isa, code);

	if (!name) {
		if (got)
			fail_msg("isa %u code 0x%llx: expected no name, got %s", isa,
				 (unsigned long long)code, got);
		return;
	}
	if (!got)
		fail_msg("isa %u code 0x%llx: expected %s, got no name", isa,
			 (unsigned long long)code, name);
	assert_string_equal(got, name);
}

static void assert_exit_format(uint32_t isa, uint64_t code, const char *text)
{
	char buf[128];
	int n = exit_reason_format(isa, code, buf, sizeof(buf));

	assert_string_equal(buf, text);
	assert_int_equal(n, strlen(text));
}

static void assert_exit_parse(uint32_t isa, const char *s, uint64_t expected)
{
	uint64_t code = 0xdeadbeef;
	int err = exit_reason_parse(isa, s, &code);

	if (err)
		fail_msg("exit_reason_parse(%u, \"%s\") failed: %d", isa, s, err);
	if (code != expected)
		fail_msg("exit_reason_parse(%u, \"%s\") = 0x%llx, expected 0x%llx", isa, s,
			 (unsigned long long)code, (unsigned long long)expected);
}

static void assert_exit_parse_fails(uint32_t isa, const char *s, int expected)
{
	uint64_t code = 0xdeadbeef;
	int err = exit_reason_parse(isa, s, &code);

	if (err != expected)
		fail_msg("exit_reason_parse(%u, \"%s\") = %d, expected %d", isa, s ? s : "(null)",
			 err, expected);
	assert_int_equal(code, 0xdeadbeef);
}

/* The generated MSR tables keep the promises msr_name() relies on. */
static void test_msr_tables(void **state)
{
	(void)state;
	assert_true(msr_name_count > 750);
	for (size_t i = 0; i < msr_name_count; i++) {
		const char *name = msr_name_table[i].name;

		assert_true(name && *name);
		assert_true(strncasecmp(name, "MSR_", 4) != 0);
		if (i)
			assert_true(msr_name_table[i - 1].index < msr_name_table[i].index);
	}
	for (size_t i = 0; i < msr_alias_count; i++) {
		uint32_t index = msr_alias_table[i].index;
		const char *canonical = msr_name(index);

		assert_non_null(canonical);
		assert_true(strcasecmp(canonical, msr_alias_table[i].name) != 0);
		if (i)
			assert_true(msr_alias_table[i - 1].index <= index);
	}
	/* No name means two indexes. */
	for (size_t i = 0; i < msr_name_count + msr_alias_count; i++) {
		const struct msr_name_entry *a = i < msr_name_count ?
			&msr_name_table[i] : &msr_alias_table[i - msr_name_count];

		for (size_t j = i + 1; j < msr_name_count + msr_alias_count; j++) {
			const struct msr_name_entry *b = j < msr_name_count ?
				&msr_name_table[j] : &msr_alias_table[j - msr_name_count];

			if (!strcasecmp(a->name, b->name))
				fail_msg("%s names 0x%x and 0x%x", a->name, a->index, b->index);
		}
	}
}

static void test_msr_lookup(void **state)
{
	(void)state;
	/* msr-index.h */
	assert_msr_name(0xc0000080, "EFER");
	assert_msr_name(0x48, "IA32_SPEC_CTRL");
	assert_msr_name(0x10, "IA32_TSC");
	assert_msr_name(0x1b, "IA32_APICBASE");
	assert_msr_name(0x277, "IA32_CR_PAT");
	assert_msr_name(0x6e0, "IA32_TSC_DEADLINE");
	assert_msr_name(0xfe, "MTRRcap");
	assert_msr_name(0x0, "IA32_P5_MC_ADDR"); /* index 0, first entry */
	assert_msr_name(msr_name_table[msr_name_count - 1].index,
			msr_name_table[msr_name_count - 1].name);
	/* Shared indexes: the canonical name wins (docs/names.md). */
	assert_msr_name(0x186, "P6_EVNTSEL0");
	assert_msr_name(0xc1, "IA32_PERFCTR0");
	assert_msr_name(0x8b, "IA32_UCODE_REV");
	assert_msr_name(0x10a, "IA32_ARCH_CAPABILITIES");
	assert_msr_name(0xc0000082, "LSTAR");
	assert_msr_name(0x309, "CORE_PERF_FIXED_CTR0");
	assert_msr_name(0x6a4, "IA32_PL0_SSP");
	/* Arrays: machine-check banks and architectural performance counters. */
	assert_msr_name(0x400, "IA32_MC0_CTL");
	assert_msr_name(0x405, "IA32_MC1_STATUS");
	assert_msr_name(0x47f, "IA32_MC31_MISC");
	assert_msr_name(0x29f, "IA32_MC31_CTL2");
	assert_msr_name(0xc8, "IA32_PERFCTR7");
	assert_msr_name(0x188, "P6_EVNTSEL2"); /* not the Pentium 4 IA32_MCG_EFLAGS */
	assert_msr_name(0x18a, "P6_EVNTSEL4");
	assert_msr_name(0x18d, "P6_EVNTSEL7");
	assert_msr_name(0x18e, NULL);
	assert_msr_name(0x4c8, "IA32_PMC7");
	/* Indexes written as "another MSR + n". */
	assert_msr_name(0xc0010202, "F15H_PERF_CTL1");
	assert_msr_name(0xc001020b, "F15H_PERF_CTR5");
	/* Bit definitions are not MSRs. */
	assert_msr_name(0xffc, NULL); /* MSR_IA32_BNDCFGS_RSVD */
	/* KVM paravirtual */
	assert_msr_name(0x11, "KVM_WALL_CLOCK");
	assert_msr_name(0x4b564d01, "KVM_SYSTEM_TIME_NEW");
	assert_msr_name(0x4b564d03, "KVM_STEAL_TIME");
	assert_msr_name(0x4b564d08, "KVM_MIGRATION_CONTROL");
	/* Hyper-V */
	assert_msr_name(0x40000000, "HV_X64_MSR_GUEST_OS_ID");
	assert_msr_name(0x40000073, "HV_X64_MSR_VP_ASSIST_PAGE");
	assert_msr_name(0x400000b7, "HV_X64_MSR_STIMER3_COUNT");
	assert_msr_name(0x40001090, "HV_X64_MSR_NESTED_SINT0");
	/* Unknown */
	assert_msr_name(0x5, NULL);
	assert_msr_name(0x12345678, NULL);
	assert_msr_name(0x4b564dff, NULL);
	assert_msr_name(0xffffffff, NULL);
}

static void test_x2apic(void **state)
{
	(void)state;
	assert_msr_name(0x802, "X2APIC_ID");
	assert_msr_name(0x803, "X2APIC_LVR");
	assert_msr_name(0x808, "X2APIC_TPR");
	assert_msr_name(0x80a, "X2APIC_PPR");
	assert_msr_name(0x80b, "X2APIC_EOI");
	assert_msr_name(0x80f, "X2APIC_SPIV");
	assert_msr_name(0x810, "X2APIC_ISR0");
	assert_msr_name(0x817, "X2APIC_ISR7");
	assert_msr_name(0x818, "X2APIC_TMR0");
	assert_msr_name(0x827, "X2APIC_IRR7");
	assert_msr_name(0x828, "X2APIC_ESR");
	assert_msr_name(0x82f, "X2APIC_LVTCMCI");
	assert_msr_name(0x830, "X2APIC_ICR");
	assert_msr_name(0x832, "X2APIC_LVTT");
	assert_msr_name(0x838, "X2APIC_TMICT");
	assert_msr_name(0x83e, "X2APIC_TDCR");
	assert_msr_name(0x83f, "X2APIC_SELF_IPI");
	/* Holes in the register page. */
	assert_msr_name(0x800, NULL);
	assert_msr_name(0x801, NULL);
	assert_msr_name(0x804, NULL);
	assert_msr_name(0x829, NULL);
	assert_msr_name(0x83a, NULL);
	assert_msr_name(0x8ff, NULL);
	for (uint32_t i = 0x800; i <= 0x8ff; i++) {
		const char *name = msr_name(i);

		if (name && strncmp(name, "X2APIC_", 7))
			fail_msg("0x%x in the x2APIC range is named %s", i, name);
	}
	assert_msr_parse("X2APIC_TASKPRI", 0x808);
	assert_msr_parse("x2apic_icr", 0x830);
}

static void test_msr_format(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(msr_format(0xc0000080, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "EFER");
	assert_int_equal(msr_format(0x5, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "0x5");
	assert_int_equal(msr_format(0xffffffff, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "0xffffffff");
	assert_int_equal(msr_format(0x830, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "X2APIC_ICR");

	/* Too small: truncated, NUL-terminated, full length returned. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(msr_format(0x48, buf, 5), 14);
	assert_string_equal(buf, "IA32");
	assert_int_equal(buf[5], 'x');
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(msr_format(0x12345, buf, 4), 7);
	assert_string_equal(buf, "0x1");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(msr_format(0x48, buf, 1), 14);
	assert_string_equal(buf, "");
	assert_int_equal(msr_format(0x48, NULL, 0), 14);
	/* Exactly fitting. */
	assert_int_equal(msr_format(0xc0000080, buf, 5), 4);
	assert_string_equal(buf, "EFER");
}

static void test_msr_parse(void **state)
{
	(void)state;
	assert_msr_parse("EFER", 0xc0000080);
	assert_msr_parse("efer", 0xc0000080);
	assert_msr_parse("MSR_EFER", 0xc0000080);
	assert_msr_parse("msr_Efer", 0xc0000080);
	assert_msr_parse("IA32_SPEC_CTRL", 0x48);
	assert_msr_parse("MSR_IA32_SPEC_CTRL", 0x48);
	assert_msr_parse("mtrrcap", 0xfe);
	assert_msr_parse("KVM_STEAL_TIME", 0x4b564d03);
	assert_msr_parse("MSR_KVM_STEAL_TIME", 0x4b564d03);
	assert_msr_parse("HV_X64_MSR_SINT0", 0x40000090);
	assert_msr_parse("hv_x64_msr_sint0", 0x40000090);
	/* Aliases */
	assert_msr_parse("P6_PERFCTR0", 0xc1);
	assert_msr_parse("MSR_IA32_MCG_EBP", 0x186);
	assert_msr_parse("IA32_MCG_EFLAGS", 0x188);
	assert_msr_parse("MSR_IA32_FRED_SSP0", 0x6a4);
	assert_msr_parse("K6_WHCR", 0xc0000082);
	/* Numbers */
	assert_msr_parse("0xc0000080", 0xc0000080);
	assert_msr_parse("0XC0000080", 0xc0000080);
	assert_msr_parse("0x1B", 0x1b);
	assert_msr_parse("27", 27);
	assert_msr_parse("027", 27); /* decimal, not octal */
	assert_msr_parse("0", 0);
	assert_msr_parse("0x0", 0);
	assert_msr_parse("0x00000000000000001b", 0x1b);
	assert_msr_parse("4294967295", 0xffffffff);
	assert_msr_parse("0xffffffff", 0xffffffff);
	assert_msr_parse("0x12345", 0x12345); /* unnamed indexes are fine */

	assert_msr_parse_fails(NULL, -EINVAL);
	assert_msr_parse_fails("", -EINVAL);
	assert_msr_parse_fails("MSR_", -EINVAL);
	assert_msr_parse_fails("msr_", -EINVAL);
	assert_msr_parse_fails("MSR_MSR_EFER", -EINVAL);
	assert_msr_parse_fails("nosuchmsr", -EINVAL);
	assert_msr_parse_fails("EFER ", -EINVAL);
	assert_msr_parse_fails(" EFER", -EINVAL);
	assert_msr_parse_fails("0x", -EINVAL);
	assert_msr_parse_fails("0x1g", -EINVAL);
	assert_msr_parse_fails("12abc", -EINVAL);
	assert_msr_parse_fails("-1", -EINVAL);
	assert_msr_parse_fails("+1", -EINVAL);
	assert_msr_parse_fails(" 0x10", -EINVAL);
	assert_msr_parse_fails("0x10 ", -EINVAL);
	assert_msr_parse_fails("1.5", -EINVAL);
	assert_msr_parse_fails("0x100000000", -ERANGE);
	assert_msr_parse_fails("4294967296", -ERANGE);
	assert_msr_parse_fails("99999999999999999999999", -ERANGE);
	assert_msr_parse_fails("0x100000000zz", -EINVAL);
}

/* Every name, alias and formatted number parses back to its index. */
static void test_msr_round_trip(void **state)
{
	char buf[64];

	(void)state;
	for (size_t i = 0; i < msr_name_count; i++)
		assert_msr_parse(msr_name_table[i].name, msr_name_table[i].index);
	for (size_t i = 0; i < msr_alias_count; i++)
		assert_msr_parse(msr_alias_table[i].name, msr_alias_table[i].index);
	for (uint64_t i = 0; i <= 0xffffffff; i += 0x10001) {
		assert_true(msr_format((uint32_t)i, buf, sizeof(buf)) < (int)sizeof(buf));
		assert_msr_parse(buf, (uint32_t)i);
	}
}

static void test_exit_tables(void **state)
{
	(void)state;
	assert_true(vmx_exit_reason_count >= 66);
	assert_true(svm_exit_reason_count >= 150);
	for (size_t i = 1; i < vmx_exit_reason_count; i++)
		assert_true(vmx_exit_reason_table[i - 1].code < vmx_exit_reason_table[i].code);
	for (size_t i = 0; i < vmx_exit_reason_count; i++)
		assert_true(vmx_exit_reason_table[i].code <= MSRTOP_VMX_BASIC_MASK);
	for (size_t i = 1; i < svm_exit_reason_count; i++)
		assert_true(svm_exit_reason_table[i - 1].code < svm_exit_reason_table[i].code);
	for (size_t i = 0; i < vmx_exit_flag_count; i++) {
		uint32_t bit = vmx_exit_flag_table[i].bit;

		assert_true(bit && !(bit & (bit - 1)));
		assert_true(bit & MSRTOP_VMX_FLAGS_MASK);
		if (i)
			assert_true(vmx_exit_flag_table[i - 1].bit < bit);
	}
	for (size_t i = 0; i < exit_reason_alias_count; i++) {
		const struct exit_reason_alias *a = &exit_reason_alias_table[i];

		assert_non_null(exit_reason_name(a->isa, a->code));
	}
}

static void test_exit_vmx_names(void **state)
{
	(void)state;
	assert_exit_name(VMX, 0, "EXCEPTION_NMI");
	assert_exit_name(VMX, 10, "CPUID");
	assert_exit_name(VMX, 30, "IO_INSTRUCTION");
	assert_exit_name(VMX, 31, "MSR_READ");
	assert_exit_name(VMX, 32, "MSR_WRITE");
	assert_exit_name(VMX, 48, "EPT_VIOLATION");
	assert_exit_name(VMX, 74, "BUS_LOCK");
	assert_exit_name(VMX, 75, "NOTIFY");
	/* After Linux 6.12 */
	assert_exit_name(VMX, 76, "SEAMCALL");
	assert_exit_name(VMX, 77, "TDCALL");
	assert_exit_name(VMX, 84, "MSR_READ_IMM");
	assert_exit_name(VMX, 85, "MSR_WRITE_IMM");
	/* The name is the basic reason's, whatever the modifier bits. */
	assert_exit_name(VMX, 0x80000021, "INVALID_STATE");
	assert_exit_name(VMX, 0xffff0020, "MSR_WRITE");
	/* Unknown */
	assert_exit_name(VMX, 5, NULL);
	assert_exit_name(VMX, 35, NULL);
	assert_exit_name(VMX, 78, NULL);
	assert_exit_name(VMX, 0xffff, NULL);
	/* Unknown isa */
	assert_exit_name(0, 32, NULL);
	assert_exit_name(3, 32, NULL);
}

static void test_exit_svm_names(void **state)
{
	(void)state;
	assert_exit_name(SVM, 0x7c, "MSR");
	assert_exit_name(SVM, 0x7b, "IOIO");
	assert_exit_name(SVM, 0x72, "CPUID");
	assert_exit_name(SVM, 0x78, "HLT");
	assert_exit_name(SVM, 0x81, "VMMCALL");
	assert_exit_name(SVM, 0x400, "NPF");
	assert_exit_name(SVM, 0x403, "VMGEXIT");
	/* Ranges named beyond the header's macros */
	assert_exit_name(SVM, 0x00, "READ_CR0");
	assert_exit_name(SVM, 0x01, "READ_CR1");
	assert_exit_name(SVM, 0x1f, "WRITE_CR15");
	assert_exit_name(SVM, 0x27, "READ_DR7");
	assert_exit_name(SVM, 0x40, "EXCP_DE");
	assert_exit_name(SVM, 0x42, "EXCP_NMI");
	assert_exit_name(SVM, 0x4d, "EXCP_GP");
	assert_exit_name(SVM, 0x4e, "EXCP_PF");
	assert_exit_name(SVM, 0x53, "EXCP_XF");
	assert_exit_name(SVM, 0x5d, "EXCP_VC");
	assert_exit_name(SVM, 0x5f, "EXCP_31");
	assert_exit_name(SVM, 0x9f, "CR15_WRITE_TRAP");
	/* After Linux 6.12 */
	assert_exit_name(SVM, 0xa5, "BUS_LOCK");
	assert_exit_name(SVM, 0xa6, "IDLE_HLT");
	/* SEV-ES software exit codes */
	assert_exit_name(SVM, 0x80000001, "VMGEXIT_MMIO_READ");
	assert_exit_name(SVM, 0x8000ffff, "VMGEXIT_UNSUPPORTED_EVENT");
	/* SVM_EXIT_ERR, as u64 and as kvm_exit's u32 field */
	assert_exit_name(SVM, UINT64_MAX, "ERR");
	assert_exit_name(SVM, 0xffffffff, "ERR");
	/* The isa decides: 32 is MSR_WRITE on VMX, READ_DR0 on SVM. */
	assert_exit_name(SVM, 32, "READ_DR0");
	/* Unknown */
	assert_exit_name(SVM, 0xa0, NULL);
	assert_exit_name(SVM, 0x404, NULL);
	assert_exit_name(SVM, 0x100000000, NULL);
	assert_exit_name(SVM, 0x1000007c, NULL); /* no masking for SVM */
}

static void test_vmx_flags(void **state)
{
	(void)state;
	assert_int_equal(vmx_exit_flags(32), 0);
	assert_int_equal(vmx_exit_flags(0x80000021), 0x80000000);
	assert_int_equal(vmx_exit_flags(0x88000020), 0x88000000);
	assert_int_equal(vmx_exit_flags(0xffffffff), 0xffff0000);
	assert_int_equal(vmx_exit_flags(0x100000020ull), 0);
}

static void test_exit_format(void **state)
{
	char buf[64];

	(void)state;
	assert_exit_format(VMX, 32, "MSR_WRITE");
	assert_exit_format(VMX, 0x80000021, "INVALID_STATE|FAILED_VMENTRY");
	assert_exit_format(VMX, 0x88000020, "MSR_WRITE|SGX_ENCLAVE_MODE|FAILED_VMENTRY");
	assert_exit_format(VMX, 0x04000000 | 74, "BUS_LOCK|BUS_LOCK_DETECTED");
	assert_exit_format(VMX, 0x40000020, "MSR_WRITE|0x40000000"); /* bit 30: no name */
	assert_exit_format(VMX, 0xc0010020, "MSR_WRITE|FAILED_VMENTRY|0x40010000");
	assert_exit_format(VMX, 0x100000020ull, "MSR_WRITE|0x100000000");
	assert_exit_format(VMX, 0x4e, "VMX_0x4e");
	assert_exit_format(VMX, 0x8000004e, "VMX_0x4e|FAILED_VMENTRY");
	assert_exit_format(VMX, 0xffff, "VMX_0xffff");
	assert_exit_format(SVM, 0x7c, "MSR");
	assert_exit_format(SVM, 0x4d, "EXCP_GP");
	assert_exit_format(SVM, 0xa0, "SVM_0xa0");
	assert_exit_format(SVM, 0x123456789ull, "SVM_0x123456789");
	assert_exit_format(SVM, UINT64_MAX, "ERR");
	assert_exit_format(SVM, 0x80000020, "SVM_0x80000020"); /* no VMX flags on SVM */
	assert_exit_format(0, 32, "ISA0_0x20");
	assert_exit_format(7, 0x7c, "ISA7_0x7c");

	/* Too small: truncated anywhere, NUL-terminated, full length returned. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(exit_reason_format(VMX, 0x80000020, buf, 5), 24);
	assert_string_equal(buf, "MSR_");
	assert_int_equal(buf[5], 'x');
	assert_int_equal(exit_reason_format(VMX, 0x80000020, buf, 12), 24);
	assert_string_equal(buf, "MSR_WRITE|F");
	assert_int_equal(exit_reason_format(VMX, 0x80000020, buf, 10), 24);
	assert_string_equal(buf, "MSR_WRITE");
	assert_int_equal(exit_reason_format(VMX, 0x80000020, buf, 25), 24);
	assert_string_equal(buf, "MSR_WRITE|FAILED_VMENTRY");
	assert_int_equal(exit_reason_format(SVM, 0xa0, buf, 3), 8);
	assert_string_equal(buf, "SV");
	assert_int_equal(exit_reason_format(VMX, 0x80000020, buf, 1), 24);
	assert_string_equal(buf, "");
	assert_int_equal(exit_reason_format(VMX, 0x80000020, NULL, 0), 24);
	assert_int_equal(exit_reason_format(SVM, 0x7c, NULL, 0), 3);
}

static void test_exit_parse(void **state)
{
	char longname[200];

	(void)state;
	assert_exit_parse(VMX, "MSR_WRITE", 32);
	assert_exit_parse(VMX, "msr_write", 32);
	assert_exit_parse(VMX, "EXIT_REASON_MSR_WRITE", 32);
	assert_exit_parse(VMX, "exit_reason_msr_write", 32);
	assert_exit_parse(VMX, "SEAMCALL", 76);
	assert_exit_parse(VMX, "32", 32);
	assert_exit_parse(VMX, "0x20", 32);
	assert_exit_parse(VMX, "0x80000021", 0x80000021);
	assert_exit_parse(VMX, "MSR_WRITE|FAILED_VMENTRY", 0x80000020);
	assert_exit_parse(VMX, "invalid_state|failed_vmentry|SGX_ENCLAVE_MODE", 0x88000021);
	assert_exit_parse(VMX, "33|0x80000000", 0x80000021);
	assert_exit_parse(VMX, "MSR_WRITE|0x40010000", 0x40010020);
	assert_exit_parse(VMX, "VMX_0x4c", 0x4c);
	assert_exit_parse(VMX, "vmx_0x4c|FAILED_VMENTRY", 0x8000004c);

	assert_exit_parse_fails(VMX, NULL, -EINVAL);
	assert_exit_parse_fails(VMX, "", -EINVAL);
	assert_exit_parse_fails(VMX, "MSR", -EINVAL); /* SVM's name */
	assert_exit_parse_fails(VMX, "EXIT_REASON_", -EINVAL);
	assert_exit_parse_fails(VMX, "MSR_WRITE|", -EINVAL);
	assert_exit_parse_fails(VMX, "|FAILED_VMENTRY", -EINVAL);
	assert_exit_parse_fails(VMX, "MSR_WRITE||FAILED_VMENTRY", -EINVAL);
	assert_exit_parse_fails(VMX, "MSR_WRITE|NOPE", -EINVAL);
	assert_exit_parse_fails(VMX, "MSR_WRITE|0x1", -EINVAL); /* not a modifier bit */
	assert_exit_parse_fails(VMX, "MSR_WRITE|0x100000000", -ERANGE);
	assert_exit_parse_fails(VMX, "MSR_WRITE ", -EINVAL);
	assert_exit_parse_fails(VMX, "0x100000000", -ERANGE);
	assert_exit_parse_fails(VMX, "VMX_0x10000", -ERANGE);
	assert_exit_parse_fails(VMX, "VMX_", -EINVAL);
	assert_exit_parse_fails(VMX, "VMX_0x", -EINVAL);
	assert_exit_parse_fails(VMX, "-1", -EINVAL);
	assert_exit_parse_fails(VMX, "0x20zz", -EINVAL);
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_exit_parse_fails(VMX, longname, -EINVAL);

	assert_exit_parse(SVM, "MSR", 0x7c);
	assert_exit_parse(SVM, "msr", 0x7c);
	assert_exit_parse(SVM, "SVM_EXIT_NPF", 0x400);
	assert_exit_parse(SVM, "EXCP_GP", 0x4d);
	assert_exit_parse(SVM, "IDLE_HLT", 0xa6);
	/* The kernel's trace strings */
	assert_exit_parse(SVM, "io", 0x7b);
	assert_exit_parse(SVM, "hypercall", 0x81);
	assert_exit_parse(SVM, "GP excp", 0x4d);
	assert_exit_parse(SVM, "read_rt", 0x69);
	assert_exit_parse(SVM, "invalid_guest_state", UINT64_MAX);
	assert_exit_parse(SVM, "ERR", UINT64_MAX);
	assert_exit_parse(SVM, "0x7c", 0x7c);
	assert_exit_parse(SVM, "124", 0x7c);
	assert_exit_parse(SVM, "0xffffffffffffffff", UINT64_MAX);
	assert_exit_parse(SVM, "18446744073709551615", UINT64_MAX);
	assert_exit_parse(SVM, "SVM_0xa0", 0xa0);

	assert_exit_parse_fails(SVM, "", -EINVAL);
	assert_exit_parse_fails(SVM, "MSR_WRITE", -EINVAL); /* VMX's name */
	assert_exit_parse_fails(SVM, "MSR|FAILED_VMENTRY", -EINVAL);
	assert_exit_parse_fails(SVM, "SVM_EXIT_", -EINVAL);
	assert_exit_parse_fails(SVM, "18446744073709551616", -ERANGE);
	assert_exit_parse_fails(SVM, "0x10000000000000000", -ERANGE);
	assert_exit_parse_fails(SVM, "-1", -EINVAL);

	assert_exit_parse_fails(0, "MSR_WRITE", -EINVAL);
	assert_exit_parse_fails(3, "0x7c", -EINVAL);
}

/* What exit_reason_format() prints, exit_reason_parse() reads back. */
static void test_exit_round_trip(void **state)
{
	static const uint32_t flags[] = { 0, 0x80000000, 0x88000000, 0x40000000, 0x00010000 };
	char buf[128];

	(void)state;
	for (size_t i = 0; i < vmx_exit_reason_count; i++)
		assert_exit_parse(VMX, vmx_exit_reason_table[i].name,
				  vmx_exit_reason_table[i].code);
	for (size_t i = 0; i < svm_exit_reason_count; i++)
		assert_exit_parse(SVM, svm_exit_reason_table[i].name,
				  svm_exit_reason_table[i].code);
	for (size_t i = 0; i < exit_reason_alias_count; i++) {
		const struct exit_reason_alias *a = &exit_reason_alias_table[i];

		assert_exit_parse(a->isa, a->name, a->code);
	}
	for (uint32_t basic = 0; basic < 0x100; basic++) {
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			exit_reason_format(VMX, basic | flags[f], buf, sizeof(buf));
			assert_exit_parse(VMX, buf, basic | flags[f]);
		}
	}
	for (uint64_t code = 0; code < 0x500; code++) {
		exit_reason_format(SVM, code, buf, sizeof(buf));
		assert_exit_parse(SVM, buf, code);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr_tables),	cmocka_unit_test(test_msr_lookup),
		cmocka_unit_test(test_x2apic),		cmocka_unit_test(test_msr_format),
		cmocka_unit_test(test_msr_parse),	cmocka_unit_test(test_msr_round_trip),
		cmocka_unit_test(test_exit_tables),	cmocka_unit_test(test_exit_vmx_names),
		cmocka_unit_test(test_exit_svm_names),	cmocka_unit_test(test_vmx_flags),
		cmocka_unit_test(test_exit_format),	cmocka_unit_test(test_exit_parse),
		cmocka_unit_test(test_exit_round_trip),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
