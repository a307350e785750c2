// SPDX-License-Identifier: GPL-2.0
/* msrload: script parsing and ground-truth accounting (no KVM here, unit-tested). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int parse_u64(const char *str, uint64_t *out)
{
	const char *p = str;
	char *end;
	unsigned long long v;
	int base = 10;

	if (!str || !*str)
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	/* strtoull accepts signs and spaces; a number here is digits only. */
	for (const char *c = p; *c; c++) {
		if (base == 16 ? !strchr("0123456789abcdefABCDEF", *c) : (*c < '0' || *c > '9'))
			return -1;
	}
	if (!*p)
		return -1;
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_u32(const char *str, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(str, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int parse_seconds(const char *str, double *out)
{
	char *end;
	double v;

	if (!str || !*str || *str == '-' || *str == '+' || *str == ' ')
		return -1;
	errno = 0;
	v = strtod(str, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 1e7)
		return -1;
	*out = v;
	return 0;
}

void script_init(struct script *s)
{
	memset(s, 0, sizeof(*s));
	s->vcpus = 1;
	s->gs.reps = 1;
}

/* Split "a:b:c" in place into at most max fields; returns the count, or -1 if more. */
static int split(char *buf, char **f, int max)
{
	int n = 0;
	char *p = buf;

	for (;;) {
		if (n == max)
			return -1;
		f[n++] = p;
		p = strchr(p, ':');
		if (!p)
			return n;
		*p++ = '\0';
	}
}

const char *script_op_name(enum guest_op_kind kind)
{
	switch (kind) {
	case GOP_WRMSR:
		return "wrmsr";
	case GOP_RDMSR:
		return "rdmsr";
	case GOP_CPUID:
		return "cpuid";
	case GOP_OUTB:
		return "outb";
	case GOP_INB:
		return "inb";
	case GOP_HLT:
		return "hlt";
	case GOP_WBINVD:
		return "wbinvd";
	case GOP_HYPERCALL:
		return "hypercall";
	case GOP_MMIO_READ:
		return "mmio-read";
	case GOP_MMIO_WRITE:
		return "mmio-write";
	case GOP_IRQ:
		return "irq";
	}
	return "?";
}

static int parse_count(const char *str, uint64_t *count, const char *what, char *err, size_t errlen)
{
	if (parse_u64(str, count) || *count == 0 || *count > SCRIPT_MAX_COUNT)
		return fail(err, errlen, "%s: bad count '%s' (want 1..%llu)", what, str,
			    (unsigned long long)SCRIPT_MAX_COUNT);
	return 0;
}

static int parse_port(const char *str, uint32_t *port, const char *what, char *err, size_t errlen)
{
	if (parse_u32(str, port) || *port > 0xffff)
		return fail(err, errlen, "%s: bad port '%s' (want 0..0xffff)", what, str);
	if (*port >= GUEST_PORT_REP_DONE && *port <= GUEST_PORT_NO_FEP)
		return fail(err, errlen, "%s: port 0x%x is reserved for msrload's own control (0x%x-0x%x)",
			    what, *port, GUEST_PORT_REP_DONE, GUEST_PORT_NO_FEP);
	return 0;
}

int script_add_op(struct script *s, enum guest_op_kind kind, const char *spec, char *err,
		  size_t errlen)
{
	const char *what = script_op_name(kind);
	struct guest_op op = { .kind = kind, .count = 1 };
	char buf[256], *f[4];
	int n;

	if (!spec || !*spec)
		return fail(err, errlen, "%s: empty argument", what);
	if (strlen(spec) >= sizeof(buf))
		return fail(err, errlen, "%s: argument too long", what);
	if (s->gs.nops >= GUEST_MAX_OPS)
		return fail(err, errlen, "%s: too many operations (at most %d)", what, GUEST_MAX_OPS);
	strcpy(buf, spec);
	n = split(buf, f, 4);
	if (n < 0)
		return fail(err, errlen, "%s: too many ':' fields in '%s'", what, spec);

	switch (kind) {
	case GOP_WRMSR:
		if (n < 2)
			return fail(err, errlen, "wrmsr: '%s' is not MSR:VALUE[:COUNT[:fep]]", spec);
		if (parse_u32(f[0], &op.arg))
			return fail(err, errlen, "wrmsr: bad MSR index '%s' (want 0..0xffffffff)", f[0]);
		if (parse_u64(f[1], &op.value))
			return fail(err, errlen, "wrmsr: bad value '%s' (want a 64-bit number)", f[1]);
		if (n >= 3 && parse_count(f[2], &op.count, what, err, errlen))
			return -1;
		if (n == 4) {
			if (strcmp(f[3], "fep"))
				return fail(err, errlen, "wrmsr: unknown flag '%s' (only 'fep')", f[3]);
			op.flags |= GOP_FLAG_FEP;
		}
		break;
	case GOP_RDMSR:
		if (n > 3)
			return fail(err, errlen, "rdmsr: '%s' is not MSR[:COUNT[:fep]]", spec);
		if (parse_u32(f[0], &op.arg))
			return fail(err, errlen, "rdmsr: bad MSR index '%s' (want 0..0xffffffff)", f[0]);
		if (n >= 2 && parse_count(f[1], &op.count, what, err, errlen))
			return -1;
		if (n == 3) {
			if (strcmp(f[2], "fep"))
				return fail(err, errlen, "rdmsr: unknown flag '%s' (only 'fep')", f[2]);
			op.flags |= GOP_FLAG_FEP;
		}
		break;
	case GOP_CPUID:
		if (n > 2)
			return fail(err, errlen, "cpuid: '%s' is not LEAF[:COUNT]", spec);
		if (parse_u32(f[0], &op.arg))
			return fail(err, errlen, "cpuid: bad leaf '%s'", f[0]);
		if (n == 2 && parse_count(f[1], &op.count, what, err, errlen))
			return -1;
		break;
	case GOP_OUTB:
	case GOP_INB:
		if (n > (kind == GOP_OUTB ? 3 : 2))
			return fail(err, errlen, "%s: '%s' is not PORT[:COUNT%s]", what, spec,
				    kind == GOP_OUTB ? "[:VALUE]" : "");
		if (parse_port(f[0], &op.arg, what, err, errlen))
			return -1;
		if (n >= 2 && parse_count(f[1], &op.count, what, err, errlen))
			return -1;
		if (n == 3 && (parse_u64(f[2], &op.value) || op.value > 0xff))
			return fail(err, errlen, "outb: bad byte value '%s'", f[2]);
		break;
	case GOP_HLT:
	case GOP_WBINVD:
		if (n != 1)
			return fail(err, errlen, "%s: '%s' is not COUNT", what, spec);
		if (parse_count(f[0], &op.count, what, err, errlen))
			return -1;
		break;
	case GOP_HYPERCALL:
		if (n > 2)
			return fail(err, errlen, "hypercall: '%s' is not NR[:COUNT]", spec);
		if (parse_u32(f[0], &op.arg))
			return fail(err, errlen, "hypercall: bad number '%s' (want 0..0xffffffff)",
				    f[0]);
		if (n == 2 && parse_count(f[1], &op.count, what, err, errlen))
			return -1;
		break;
	case GOP_MMIO_READ:
	case GOP_MMIO_WRITE:
		if (n > (kind == GOP_MMIO_WRITE ? 3 : 2))
			return fail(err, errlen, "%s: '%s' is not ADDR[:COUNT%s]", what, spec,
				    kind == GOP_MMIO_WRITE ? "[:VALUE]" : "");
		if (parse_u32(f[0], &op.arg) || op.arg < GUEST_MMIO_MIN || op.arg > GUEST_MMIO_MAX ||
		    op.arg % 4)
			return fail(err, errlen,
				    "%s: bad address '%s' (want a multiple of 4 from 0x%lx to 0x%lx: "
				    "above guest memory, below 1 GiB)",
				    what, f[0], GUEST_MMIO_MIN, GUEST_MMIO_MAX);
		if (n >= 2 && parse_count(f[1], &op.count, what, err, errlen))
			return -1;
		if (n == 3 && (parse_u64(f[2], &op.value) || op.value > 0xffffffff))
			return fail(err, errlen, "mmio-write: bad 32-bit value '%s'", f[2]);
		break;
	case GOP_IRQ:
		if (n > 2)
			return fail(err, errlen, "irq: '%s' is not VECTOR[:COUNT]", spec);
		if (parse_u32(f[0], &op.arg) || op.arg < GUEST_IRQ_MIN || op.arg > 255)
			return fail(err, errlen, "irq: bad vector '%s' (want %d..255)", f[0],
				    GUEST_IRQ_MIN);
		if (n == 2 && parse_count(f[1], &op.count, what, err, errlen))
			return -1;
		break;
	default:
		return fail(err, errlen, "unknown operation");
	}
	s->gs.ops[s->gs.nops++] = op;
	return 0;
}

int script_add_deny(struct script *s, const char *spec, char *err, size_t errlen)
{
	struct deny_rule r = { .dirs = DENY_READ | DENY_WRITE };
	char buf[256], *f[4];
	int n;

	if (!spec || !*spec)
		return fail(err, errlen, "deny: empty argument");
	if (strlen(spec) >= sizeof(buf))
		return fail(err, errlen, "deny: argument too long");
	if (s->ndeny >= SCRIPT_MAX_DENY)
		return fail(err, errlen, "deny: too many rules (KVM's MSR filter takes at most %d)",
			    SCRIPT_MAX_DENY);
	strcpy(buf, spec);
	n = split(buf, f, 4);
	if (n < 0)
		return fail(err, errlen, "deny: '%s' is not MSR[:r|w|rw[:ok|gp[:VALUE]]]", spec);
	if (parse_u32(f[0], &r.msr))
		return fail(err, errlen, "deny: bad MSR index '%s'", f[0]);
	if (n >= 2) {
		if (!strcmp(f[1], "r"))
			r.dirs = DENY_READ;
		else if (!strcmp(f[1], "w"))
			r.dirs = DENY_WRITE;
		else if (strcmp(f[1], "rw"))
			return fail(err, errlen, "deny: direction '%s' is not r, w or rw", f[1]);
	}
	if (n >= 3) {
		if (!strcmp(f[2], "gp"))
			r.inject_gp = 1;
		else if (strcmp(f[2], "ok"))
			return fail(err, errlen, "deny: answer '%s' is not ok or gp", f[2]);
	}
	if (n == 4 && (r.inject_gp || parse_u64(f[3], &r.read_value)))
		return fail(err, errlen, "deny: '%s' is not a value to return for an accepted read",
			    f[3]);
	for (unsigned int i = 0; i < s->ndeny; i++) {
		if (s->deny[i].msr == r.msr)
			return fail(err, errlen, "deny: MSR 0x%x given twice", r.msr);
	}
	s->deny[s->ndeny++] = r;
	return 0;
}

int script_validate(const struct script *s, char *err, size_t errlen)
{
	if (s->vcpus < 1 || s->vcpus > GUEST_MAX_VCPUS)
		return fail(err, errlen, "--vcpus must be 1..%d", GUEST_MAX_VCPUS);
	if (s->gs.nops == 0)
		return fail(err, errlen, "the script has no operation");
	if (!s->reps_given && s->duration == 0 && s->gs.reps == 0)
		return fail(err, errlen, "give --reps or --duration");
	return 0;
}

/*
 * The default script: chosen from MSRs that KVM intercepts on both VMX and
 * SVM (docs/msrload.md), so a tracer sees every one of these accesses, plus
 * one access of each faulting and user-space kind.
 */
void script_set_default(struct script *s)
{
	static const char *const ops[][2] = {
		{ "w", "0x277:0x0007040600070406:100" }, /* IA32_PAT, power-on value */
		{ "r", "0x1b:100" }, /* IA32_APIC_BASE */
		{ "r", "0x277:10" }, /* IA32_PAT */
		{ "w", "0x277:0x0202020202020202:10" }, /* PAT type 2 is reserved: #GP */
		{ "w", "0xdead:1:10" }, /* no such MSR: #GP */
		{ "w", "0x3b:0:10" }, /* IA32_TSC_ADJUST, denied: user-space exit, accepted */
		{ "w", "0x3a:1:10" }, /* IA32_FEATURE_CONTROL, denied: user-space exit, #GP */
		{ "c", "0:10" },
		{ "o", "0x80:10" },
		{ "h", "10" },
	};
	char err[128];

	s->gs.nops = 0;
	s->ndeny = 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		enum guest_op_kind k = ops[i][0][0] == 'w'   ? GOP_WRMSR :
				       ops[i][0][0] == 'r'   ? GOP_RDMSR :
				       ops[i][0][0] == 'c'   ? GOP_CPUID :
				       ops[i][0][0] == 'o'   ? GOP_OUTB :
							       GOP_HLT;

		script_add_op(s, k, ops[i][1], err, sizeof(err));
	}
	script_add_deny(s, "0x3b:w:ok", err, sizeof(err));
	script_add_deny(s, "0x3a:w:gp", err, sizeof(err));
}

const struct deny_rule *script_find_deny(const struct script *s, uint32_t msr, int write)
{
	for (unsigned int i = 0; i < s->ndeny; i++) {
		if (s->deny[i].msr == msr && (s->deny[i].dirs & (write ? DENY_WRITE : DENY_READ)))
			return &s->deny[i];
	}
	return NULL;
}

struct msr_truth *truth_msr(struct truth *t, uint32_t msr)
{
	for (unsigned int i = 0; i < t->nmsrs; i++) {
		if (t->msrs[i].msr == msr)
			return &t->msrs[i];
	}
	if (t->nmsrs >= TRUTH_MAX_MSRS)
		return NULL; /* cannot happen: at most one entry per op and per deny rule */
	t->msrs[t->nmsrs].msr = msr;
	return &t->msrs[t->nmsrs++];
}

void truth_from_guest(struct truth *t, const struct script *s, const struct guest_area *area)
{
	t->reps = area->reps_done;
	t->irq_taken = area->irqs;
	for (uint64_t i = 0; i < s->gs.nops; i++) {
		const struct guest_op *op = &s->gs.ops[i];
		uint64_t n = op->count * area->reps_done;
		int fep = op->flags & GOP_FLAG_FEP;
		struct msr_truth *m;

		switch (op->kind) {
		case GOP_WRMSR:
			m = truth_msr(t, op->arg);
			m->writes += n;
			m->write_faults += area->op_faults[i];
			m->write_fep += fep ? n : 0;
			break;
		case GOP_RDMSR:
			m = truth_msr(t, op->arg);
			m->reads += n;
			m->read_faults += area->op_faults[i];
			m->read_fep += fep ? n : 0;
			break;
		case GOP_CPUID:
			t->cpuid += n;
			break;
		case GOP_WBINVD:
			t->wbinvd += n;
			break;
		case GOP_HYPERCALL:
			t->hypercall += n;
			break;
		default:
			break; /* port I/O, MMIO, HLT and interrupts: counted where msrload sees them */
		}
	}
}

void truth_user_msr(struct truth *t, uint32_t msr, int write, int gp)
{
	struct msr_truth *m = truth_msr(t, msr);

	t->user_msr_exits++;
	if (!m)
		return;
	if (write) {
		m->write_user++;
		m->write_user_gp += gp ? 1 : 0;
	} else {
		m->read_user++;
		m->read_user_gp += gp ? 1 : 0;
	}
}

void truth_merge(struct truth *total, const struct truth *t)
{
	total->reps += t->reps;
	total->cpuid += t->cpuid;
	total->wbinvd += t->wbinvd;
	total->hypercall += t->hypercall;
	total->mmio_read += t->mmio_read;
	total->mmio_write += t->mmio_write;
	total->irq += t->irq;
	total->irq_taken += t->irq_taken;
	total->pio_out += t->pio_out;
	total->pio_in += t->pio_in;
	total->hlt += t->hlt;
	total->control_pio += t->control_pio;
	total->user_msr_exits += t->user_msr_exits;
	for (unsigned int i = 0; i < t->nmsrs; i++) {
		const struct msr_truth *src = &t->msrs[i];
		struct msr_truth *dst = truth_msr(total, src->msr);

		if (!dst)
			continue;
		dst->writes += src->writes;
		dst->reads += src->reads;
		dst->write_faults += src->write_faults;
		dst->read_faults += src->read_faults;
		dst->write_fep += src->write_fep;
		dst->read_fep += src->read_fep;
		dst->write_user += src->write_user;
		dst->read_user += src->read_user;
		dst->write_user_gp += src->write_user_gp;
		dst->read_user_gp += src->read_user_gp;
	}
	for (unsigned int i = 0; i < t->nkstats; i++) {
		const struct kvm_stat_value *src = &t->kstats[i];
		unsigned int j;

		if (!src->cumulative)
			continue;
		for (j = 0; j < total->nkstats; j++)
			if (!strcmp(total->kstats[j].name, src->name))
				break;
		if (j == total->nkstats) {
			if (j == TRUTH_MAX_KSTATS)
				continue;
			total->kstats[j] = *src;
			total->kstats[j].value = 0;
			total->nkstats++;
		}
		total->kstats[j].value += src->value;
	}
}
