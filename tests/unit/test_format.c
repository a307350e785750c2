// SPDX-License-Identifier: GPL-2.0
/*
 * format.c: the texts every output shares (ISA, vCPU with its source, MSR
 * name and index, outcome, numbers) and the number parser of the command
 * line and the terminal view's filters.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cmocka_tap.h"

#include "format.h"
#include "msr_passthrough.h"
#include "msrtop.h"

static void test_isa(void **state)
{
	char buf[16];

	assert_string_equal(format_isa_name(MSRTOP_ISA_VMX), "vmx");
	assert_string_equal(format_isa_name(MSRTOP_ISA_SVM), "svm");
	assert_null(format_isa_name(3));
	assert_string_equal(format_isa(MSRTOP_ISA_SVM, buf, sizeof(buf)), "svm");
	assert_string_equal(format_isa(3, buf, sizeof(buf)), "isa3");
	assert_string_equal(format_isa(0, buf, sizeof(buf)), "isa0");
}

static void test_vcpu(void **state)
{
	char buf[16];

	assert_string_equal(format_vcpu(MSRTOP_VCPU_KERNEL, 3, buf, sizeof(buf)), "3");
	assert_string_equal(format_vcpu(MSRTOP_VCPU_LEARNED, 3, buf, sizeof(buf)), "3~");
	assert_string_equal(format_vcpu(MSRTOP_VCPU_TID, 1234, buf, sizeof(buf)), "t1234");
	assert_string_equal(format_vcpu(MSRTOP_VCPU_KERNEL, UINT32_MAX, buf, sizeof(buf)),
			    "4294967295");
	/* Truncated, still terminated. */
	assert_string_equal(format_vcpu(MSRTOP_VCPU_TID, 1234, buf, 3), "t1");
}

static void test_msr_and_outcome(void **state)
{
	char buf[64];

	assert_string_equal(format_msr_and_index(0x277, buf, sizeof(buf)), "IA32_CR_PAT 0x277");
	assert_string_equal(format_msr_and_index(0x4b564d99, buf, sizeof(buf)), "0x4b564d99");
	assert_string_equal(format_access(true), "write");
	assert_string_equal(format_access(false), "read");
	assert_string_equal(
		format_outcome(MSRTOP_OUTCOME_GP, MSRTOP_GP_INVALID_VALUE, buf, sizeof(buf)),
		"gp/invalid_value");
	assert_string_equal(format_outcome(MSRTOP_OUTCOME_HANDLED, 0, buf, sizeof(buf)), "handled");
	assert_string_equal(format_outcome(MSRTOP_OUTCOME_HANDLED, 7, buf, sizeof(buf)),
			    "handled/7");
	assert_string_equal(format_outcome(MSRTOP_OUTCOME_ERROR, 4, buf, sizeof(buf)), "error/4");
	assert_string_equal(format_outcome(255, 255, buf, sizeof(buf)), "?/255");
}

static void test_numbers(void **state)
{
	char buf[32];

	assert_string_equal(format_u64(UINT64_MAX, buf, sizeof(buf)), "18446744073709551615");
	assert_string_equal(format_hex(0x7040600070406ull, buf, sizeof(buf)), "0x7040600070406");
	assert_string_equal(format_rate(12.75, buf, sizeof(buf)), "12.8");
	assert_string_equal(format_rate(123456.7, buf, sizeof(buf)), "123456.7");
	assert_string_equal(format_rate_short(12.75, buf, sizeof(buf)), "12.8");
	assert_string_equal(format_rate_short(123456.7, buf, sizeof(buf)), "123457");
	assert_string_equal(format_ns(999, buf, sizeof(buf)), "999ns");
	assert_string_equal(format_ns(4096, buf, sizeof(buf)), "4.1us");
	assert_string_equal(format_ns(2000000, buf, sizeof(buf)), "2.0ms");
	assert_string_equal(format_ns(1500000000, buf, sizeof(buf)), "1.5s");
}

static void test_parse_u32(void **state)
{
	static const struct {
		const char *in;
		int err;
		uint32_t v;
	} cases[] = {
		{"0", 0, 0},
		{"4242", 0, 4242},
		{"0x10", 0, 16},
		{"0XfF", 0, 255},
		{"010", 0, 10}, /* not octal */
		{"4294967295", 0, UINT32_MAX},
		{"0xffffffff", 0, UINT32_MAX},
		{"4294967296", -ERANGE, 0},
		{"0x100000000", -ERANGE, 0},
		{"", -EINVAL, 0},
		{"0x", -EINVAL, 0},
		{"-1", -EINVAL, 0},
		{"+1", -EINVAL, 0},
		{" 1", -EINVAL, 0},
		{"12ab", -EINVAL, 0},
		{"qemu", -EINVAL, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[96] = "";
		uint32_t v = 12345;
		int err = parse_u32(cases[i].in, &v, why, sizeof(why));

		if (err != cases[i].err)
			fail_msg("'%s': %d, expected %d", cases[i].in, err, cases[i].err);
		if (!err && v != cases[i].v)
			fail_msg("'%s': %u, expected %u", cases[i].in, v, cases[i].v);
		if (err && (v != 12345 || !why[0]))
			fail_msg("'%s': a failed parse must say why and leave *out alone",
				 cases[i].in);
		if (err == -EINVAL && !strstr(why, "0x and hex digits"))
			fail_msg("'%s': '%s' does not say what to give", cases[i].in, why);
		if (err == -ERANGE && !strstr(why, "above 4294967295"))
			fail_msg("'%s': '%s' does not give the limit", cases[i].in, why);
	}
}

/* The vendor of a /proc/cpuinfo text, and the pass-through MSRs named for it. */
static enum msrtop_cpu_vendor vendor_of(const char *text)
{
	char path[] = "/tmp/test_format_cpuinfo.XXXXXX";
	int fd = mkstemp(path);
	enum msrtop_cpu_vendor v;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	v = msr_passthrough_vendor(path);
	unlink(path);
	return v;
}

static void test_passthrough(void **state)
{
	char note[512];

	assert_int_equal(vendor_of("processor\t: 0\nvendor_id\t: GenuineIntel\n"),
			 MSRTOP_CPU_INTEL);
	assert_int_equal(vendor_of("processor\t: 0\nvendor_id\t: AuthenticAMD\n"),
			 MSRTOP_CPU_AMD);
	assert_int_equal(vendor_of("vendor_id\t: HygonGenuine\n"), MSRTOP_CPU_AMD);
	assert_int_equal(vendor_of("vendor_id\t: CentaurHauls\n"), MSRTOP_CPU_UNKNOWN);
	assert_int_equal(vendor_of(""), MSRTOP_CPU_UNKNOWN);
	assert_int_equal(msr_passthrough_vendor("/nonexistent/cpuinfo"), MSRTOP_CPU_UNKNOWN);

	/* docs/msrload.md's table: SVM passes STAR/LSTAR/CSTAR/SFMASK through, VMX does not. */
	msr_passthrough_note(MSRTOP_CPU_AMD, note, sizeof(note));
	assert_non_null(strstr(note, "AMD (SVM) host: FS_BASE, GS_BASE, KERNEL_GS_BASE"));
	assert_non_null(strstr(note, "LSTAR"));
	msr_passthrough_note(MSRTOP_CPU_INTEL, note, sizeof(note));
	assert_non_null(strstr(note, "Intel (VMX) host: FS_BASE, GS_BASE, KERNEL_GS_BASE"));
	assert_null(strstr(note, "STAR"));
	assert_true(strlen(note) < sizeof(note) - 1); /* not cut */
	msr_passthrough_note(MSRTOP_CPU_UNKNOWN, note, sizeof(note));
	assert_non_null(strstr(note, "depends on the CPU vendor"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isa),
		cmocka_unit_test(test_vcpu),
		cmocka_unit_test(test_msr_and_outcome),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_passthrough),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return tap_cmocka_run("format", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
