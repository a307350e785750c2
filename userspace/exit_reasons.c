// SPDX-License-Identifier: GPL-2.0
/* VM exit reason names: lookups over the generated tables in exit_reasons_table.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exit_reasons.h"
#include "names_parse.h"

/* SVM_EXIT_ERR (-1) as the 32-bit exit_reason field of kvm:kvm_exit holds it. */
#define SVM_EXIT_ERR_U32 0xffffffffull

static const char *find_code(const struct exit_reason_entry *table, size_t n, uint64_t code)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (table[mid].code == code)
			return table[mid].name;
		if (table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *exit_reason_name(uint32_t isa, uint64_t code)
{
	switch (isa) {
	case MSRTOP_ISA_VMX:
		return find_code(vmx_exit_reason_table, vmx_exit_reason_count,
				 code & MSRTOP_VMX_BASIC_MASK);
	case MSRTOP_ISA_SVM:
		if (code == SVM_EXIT_ERR_U32)
			code = UINT64_MAX;
		return find_code(svm_exit_reason_table, svm_exit_reason_count, code);
	default:
		return NULL;
	}
}

uint32_t vmx_exit_flags(uint64_t code)
{
	return (uint32_t)code & MSRTOP_VMX_FLAGS_MASK;
}

/* snprintf into a buffer piece by piece, counting what would have been written. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (o->pos < o->len)
		n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += n;
}

int exit_reason_format(uint32_t isa, uint64_t code, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };
	const char *name = exit_reason_name(isa, code);

	if (len)
		buf[0] = '\0';
	if (isa == MSRTOP_ISA_VMX) {
		uint64_t rest = code & ~(uint64_t)MSRTOP_VMX_BASIC_MASK;

		if (name)
			put(&o, "%s", name);
		else
			put(&o, "VMX_0x%x", (unsigned int)(code & MSRTOP_VMX_BASIC_MASK));
		for (size_t i = 0; i < vmx_exit_flag_count; i++) {
			if (rest & vmx_exit_flag_table[i].bit) {
				put(&o, "|%s", vmx_exit_flag_table[i].name);
				rest &= ~(uint64_t)vmx_exit_flag_table[i].bit;
			}
		}
		if (rest)
			put(&o, "|0x%llx", (unsigned long long)rest);
	} else if (isa == MSRTOP_ISA_SVM) {
		if (name)
			put(&o, "%s", name);
		else
			put(&o, "SVM_0x%llx", (unsigned long long)code);
	} else {
		put(&o, "ISA%u_0x%llx", isa, (unsigned long long)code);
	}
	return (int)o.pos;
}

/* Looks s up among the names and aliases of one isa; 0 and *code set if found. */
static int find_name(uint32_t isa, const char *s, size_t n, uint64_t *code)
{
	const struct exit_reason_entry *table;
	size_t count;

	if (isa == MSRTOP_ISA_VMX) {
		table = vmx_exit_reason_table;
		count = vmx_exit_reason_count;
	} else {
		table = svm_exit_reason_table;
		count = svm_exit_reason_count;
	}
	for (size_t i = 0; i < count; i++) {
		if (strlen(table[i].name) == n && !strncasecmp(table[i].name, s, n)) {
			*code = table[i].code;
			return 0;
		}
	}
	for (size_t i = 0; i < exit_reason_alias_count; i++) {
		const struct exit_reason_alias *a = &exit_reason_alias_table[i];

		if (a->isa == isa && strlen(a->name) == n && !strncasecmp(a->name, s, n)) {
			*code = a->code;
			return 0;
		}
	}
	return -ENOENT;
}

/* Parses one token of length n (not NUL-terminated): a number, a name or "VMX_0x..". */
static int parse_reason(uint32_t isa, const char *s, size_t n, uint64_t *code)
{
	const char *prefix = isa == MSRTOP_ISA_VMX ? "EXIT_REASON_" : "SVM_EXIT_";
	const char *unknown = isa == MSRTOP_ISA_VMX ? "VMX_" : "SVM_"; /* 4 characters */
	uint64_t max = isa == MSRTOP_ISA_VMX ? UINT32_MAX : UINT64_MAX;
	char tmp[64];

	if (!n || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (tmp[0] >= '0' && tmp[0] <= '9')
		return names_parse_number(tmp, max, code);
	if (!find_name(isa, tmp, n, code))
		return 0;
	if (n > strlen(prefix) && !strncasecmp(tmp, prefix, strlen(prefix)) &&
	    !find_name(isa, tmp + strlen(prefix), n - strlen(prefix), code))
		return 0;
	/* What exit_reason_format() prints for a code without a name. */
	if (!strncasecmp(tmp, unknown, 4) && !strncasecmp(tmp + 4, "0x", 2)) {
		if (isa == MSRTOP_ISA_VMX)
			max = MSRTOP_VMX_BASIC_MASK;
		return names_parse_number(tmp + 4, max, code);
	}
	return -EINVAL;
}

static int parse_vmx_flag(const char *s, size_t n, uint64_t *bits)
{
	char tmp[32];
	int err;

	if (!n || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (tmp[0] >= '0' && tmp[0] <= '9') {
		err = names_parse_number(tmp, UINT32_MAX, bits);
		if (err)
			return err;
		return *bits & MSRTOP_VMX_BASIC_MASK ? -EINVAL : 0;
	}
	for (size_t i = 0; i < vmx_exit_flag_count; i++) {
		if (!strcasecmp(vmx_exit_flag_table[i].name, tmp)) {
			*bits = vmx_exit_flag_table[i].bit;
			return 0;
		}
	}
	return -EINVAL;
}

int exit_reason_parse(uint32_t isa, const char *s, uint64_t *code)
{
	const char *bar;
	uint64_t v, bits;
	int err;

	if ((isa != MSRTOP_ISA_VMX && isa != MSRTOP_ISA_SVM) || !s || !*s)
		return -EINVAL;
	bar = strchr(s, '|');
	if (isa == MSRTOP_ISA_SVM && bar)
		return -EINVAL;
	err = parse_reason(isa, s, bar ? (size_t)(bar - s) : strlen(s), &v);
	if (err)
		return err;
	while (bar) {
		const char *tok = bar + 1;

		bar = strchr(tok, '|');
		err = parse_vmx_flag(tok, bar ? (size_t)(bar - tok) : strlen(tok), &bits);
		if (err)
			return err;
		v |= bits;
	}
	*code = v;
	return 0;
}
