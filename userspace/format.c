// SPDX-License-Identifier: GPL-2.0
/*
 * The formatting shared by every output, and the number parser (format.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "format.h"
#include "kind_rows.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "msrtop.h"
#include "names_parse.h"

const char *format_isa_name(uint8_t isa)
{
	switch (isa) {
	case MSRTOP_ISA_VMX:
		return "vmx";
	case MSRTOP_ISA_SVM:
		return "svm";
	}
	return NULL;
}

const char *format_isa(uint8_t isa, char *buf, size_t len)
{
	const char *name = format_isa_name(isa);

	if (name)
		return name;
	snprintf(buf, len, "isa%u", isa);
	return buf;
}

const char *format_vcpu(uint8_t vcpu_src, uint32_t vcpu, char *buf, size_t len)
{
	switch (vcpu_src) {
	case MSRTOP_VCPU_KERNEL:
		snprintf(buf, len, "%" PRIu32, vcpu);
		break;
	case MSRTOP_VCPU_LEARNED:
		snprintf(buf, len, "%" PRIu32 "~", vcpu);
		break;
	default:
		snprintf(buf, len, "t%" PRIu32, vcpu);
		break;
	}
	return buf;
}

const char *format_msr_and_index(uint32_t msr, char *buf, size_t len)
{
	const char *name = msr_name(msr);

	if (name)
		snprintf(buf, len, "%s 0x%" PRIx32, name, msr);
	else
		snprintf(buf, len, "0x%" PRIx32, msr);
	return buf;
}

const char *format_msr_change(uint32_t pid, uint32_t vcpu, uint32_t msr, uint64_t old_value,
			      uint64_t new_value, char *buf, size_t len)
{
	char name[64];

	snprintf(buf, len, "pid %" PRIu32 " vcpu %" PRIu32 " %s: 0x%" PRIx64 " -> 0x%" PRIx64, pid,
		 vcpu, format_msr_and_index(msr, name, sizeof(name)), old_value, new_value);
	return buf;
}

const char *format_access(bool write)
{
	return write ? "write" : "read";
}

const char *format_outcome(uint8_t outcome, uint8_t reason, char *buf, size_t len)
{
	const char *on = msr_outcome_name(outcome);
	const char *rn = msr_outcome_reason_name(outcome, reason);

	if (on && rn)
		snprintf(buf, len, "%s/%s", on, rn);
	else if (on && !reason)
		snprintf(buf, len, "%s", on);
	else
		snprintf(buf, len, "%s/%u", on ? on : "?", reason);
	return buf;
}

const char *format_u64(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

const char *format_kvm_stat(uint32_t vcpu, const char *name, char *buf, size_t len)
{
	if (vcpu == MSRTOP_KVM_STAT_VM)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "vcpu%u/%s", vcpu, name);
	return buf;
}

const char *format_hex(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

const char *format_rate(double rate, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f", rate);
	return buf;
}

const char *format_rate_short(double rate, char *buf, size_t len)
{
	snprintf(buf, len, rate < 100000 ? "%.1f" : "%.0f", rate);
	return buf;
}

const char *format_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
	return buf;
}

int parse_u32(const char *s, uint32_t *out, char *why, size_t len)
{
	uint64_t v;
	int err = names_parse_number(s, UINT32_MAX, &v);

	if (err == -ERANGE)
		snprintf(why, len, "above %" PRIu32 " (0xffffffff)", UINT32_MAX);
	else if (err)
		snprintf(why, len, "not a number: give decimal digits, or 0x and hex digits");
	else
		*out = (uint32_t)v;
	return err;
}
