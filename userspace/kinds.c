// SPDX-License-Identifier: GPL-2.0
/*
 * The event kind table (kinds.h): for each kind, its key order, merge,
 * totals, BPF map decoding, and how the outputs show it. The code here is
 * what is particular to a kind; everything generic is in the files that
 * iterate over msrtop_kinds[].
 */
#include <stddef.h>
#include <string.h>

#include "kinds.h"
#include "kvm_names.h"
#include "msrtop.h"

/* Offsets of a row struct's fields, for the descriptors. */
#define OFF(type, field) ((uint16_t)offsetof(struct type, field))

static void acc(struct msrtop_counter *sum, const struct msrtop_counter *c)
{
	sum->total += c->total;
	sum->delta += c->delta;
}

/* ---- exits: kvm_exit, kvm_nested_vmexit ---------------------------------------------- */

static int cmp_exit(const void *pa, const void *pb)
{
	const struct msrtop_exit_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, isa);
	CMP_FIELD(a, b, reason);
	CMP_FIELD(a, b, nested);
	return 0;
}

/* In cmp_exit's order: pid, vcpu_src, vcpu, isa, reason, nested. */
static void exit_sort_key(const void *row, uint64_t k[3])
{
	const struct msrtop_exit_row *r = row;

	k[0] = (uint64_t)r->pid << 32 | r->vcpu_src;
	k[1] = (uint64_t)r->vcpu << 32 | r->isa;
	k[2] = (uint64_t)r->reason << 1 | r->nested;
}

static void exit_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	const struct msrtop_exit_row *r = row;

	if (r->nested) {
		acc(&t->nested_exits, &r->count);
		return;
	}
	acc(&t->exits, &r->count);
	acc(&vm->exits, &r->count);
}

static void exit_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_exit_key *k = key;
	const struct msrtop_exit_val *v = (const void *)val;
	struct msrtop_exit_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->isa = k->isa;
	r->reason = k->reason;
	r->nested = k->nested;
	r->count.total = v->count;
	r->latency.count = v->lat_count;
	r->latency.sum_ns = v->lat_sum_ns;
	r->latency.min_ns = v->lat_min_ns;
	r->latency.max_ns = v->lat_max_ns;
	memcpy(r->latency.slots, v->lat_hist, sizeof(r->latency.slots));
}

/* ---- MSR accesses: kvm_msr ---------------------------------------------------------- */

static int cmp_msr(const void *pa, const void *pb)
{
	const struct msrtop_msr_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, msr);
	CMP_FIELD(a, b, write);
	return 0;
}

/* In cmp_msr's order: pid, vcpu_src, vcpu, msr, write. */
static void msr_sort_key(const void *row, uint64_t k[3])
{
	const struct msrtop_msr_row *r = row;

	k[0] = (uint64_t)r->pid << 32 | r->vcpu_src;
	k[1] = (uint64_t)r->vcpu << 32 | r->msr;
	k[2] = r->write;
}

/* Two threads can turn out to run the same vCPU once thread ids are mapped to vCPUs. */
static void msr_merge(void *pdst, const void *psrc)
{
	struct msrtop_msr_row *dst = pdst;
	const struct msrtop_msr_row *src = psrc;

	if (src->has_value && (!dst->has_value || src->count.total > dst->count.total))
		dst->last_value = src->last_value;
	dst->has_value |= src->has_value;
	dst->count.total += src->count.total;
	dst->gp.total += src->gp.total;
	dst->changes.total += src->changes.total;
}

static void msr_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	const struct msrtop_msr_row *r = row;

	acc(r->write ? &t->msr_writes : &t->msr_reads, &r->count);
	acc(r->write ? &vm->msr_writes : &vm->msr_reads, &r->count);
	acc(&t->msr_gp, &r->gp);
	acc(&vm->msr_gp, &r->gp);
	acc(&t->msr_changes, &r->changes);
}

static void msr_read_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_msr_key *k = key;
	const struct msrtop_msr_val *v = (const void *)val;
	struct msrtop_msr_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->msr = k->msr;
	r->write = k->write;
	r->count.total = v->count;
	r->gp.total = v->gp;
}

static void msr_write_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_msr_key *k = key;
	const struct msrtop_msr_write_val *v = (const void *)val;
	struct msrtop_msr_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->msr = k->msr;
	r->write = true;
	r->count.total = v->count;
	r->gp.total = v->gp;
	r->has_value = v->count > v->gp;
	r->last_value = v->last_value;
	r->changes.total = v->changes;
}

/* ---- userspace exits: kvm_userspace_exit ------------------------------------------- */

static int cmp_uexit(const void *pa, const void *pb)
{
	const struct msrtop_uexit_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, error);
	CMP_FIELD(a, b, reason);
	return 0;
}

static void uexit_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	const struct msrtop_uexit_row *r = row;

	acc(&t->uexits, &r->count);
	acc(&vm->uexits, &r->count);
}

static void uexit_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_uexit_key *k = key;
	struct msrtop_uexit_row *r = row;

	r->pid = k->tgid;
	r->error = k->error;
	r->reason = k->reason;
	r->count.total = val[0];
}

/* ---- MSR intercepts: kvm_msr_intercept ------------------------------------------------ */

static int cmp_intercept(const void *pa, const void *pb)
{
	const struct msrtop_intercept_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, isa);
	CMP_FIELD(a, b, exit_code);
	CMP_FIELD(a, b, msr);
	CMP_FIELD(a, b, write);
	return 0;
}

static void intercept_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	acc(&t->intercepts, &((const struct msrtop_intercept_row *)row)->count);
}

static void intercept_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_intercept_key *k = key;
	struct msrtop_intercept_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->isa = k->isa;
	r->exit_code = k->exit_code;
	r->msr = k->msr;
	r->write = k->write;
	r->count.total = val[0];
}

/* ---- MSR outcomes: kvm_msr_outcome ----------------------------------------------------- */

static int cmp_outcome(const void *pa, const void *pb)
{
	const struct msrtop_outcome_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, msr);
	CMP_FIELD(a, b, write);
	CMP_FIELD(a, b, outcome);
	CMP_FIELD(a, b, reason);
	CMP_FIELD(a, b, emulated);
	return 0;
}

static void outcome_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	acc(&t->outcomes, &((const struct msrtop_outcome_row *)row)->count);
}

static void outcome_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_outcome_key *k = key;
	const struct msrtop_outcome_val *v = (const void *)val;
	struct msrtop_outcome_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->msr = k->msr;
	r->write = k->flags & MSRTOP_OUTCOME_WRITE;
	r->outcome = k->outcome;
	r->reason = k->reason;
	r->emulated = k->flags & MSRTOP_OUTCOME_EMULATED;
	r->count.total = v->count;
	r->duration.count = v->count;
	r->duration.sum_ns = v->sum_ns;
	r->duration.min_ns = v->min_ns;
	r->duration.max_ns = v->max_ns;
	memcpy(r->duration.slots, v->hist, sizeof(r->duration.slots));
}

/* ---- canonical checks: kvm_msr_canonical --------------------------------------------- */

static int cmp_canon(const void *pa, const void *pb)
{
	const struct msrtop_canon_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, msr);
	return 0;
}

static void canon_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	const struct msrtop_canon_row *r = row;

	acc(&t->canonical, &r->count);
	acc(&t->canonical_rejected, &r->rejected);
	acc(&t->canonical_fixups, &r->fixups);
}

static void canon_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_canon_key *k = key;
	const struct msrtop_canon_val *v = (const void *)val;
	struct msrtop_canon_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->msr = k->msr;
	r->count.total = v->count;
	r->rejected.total = v->rejected;
	r->fixups.total = v->fixups;
}

/* ---- sampled guest MSRs: --sample-msr (kvm_exit and patch 0006's kfunc) --------------- */

static int cmp_sample(const void *pa, const void *pb)
{
	const struct msrtop_sample_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, msr);
	return 0;
}

static void sample_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	const struct msrtop_sample_row *r = row;

	acc(&t->msr_samples, &r->samples);
	acc(&t->msr_sample_changes, &r->changes);
}

static void sample_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_sample_key *k = key;
	const struct msrtop_sample_val *v = (const void *)val;
	struct msrtop_sample_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->msr = k->msr;
	r->samples.total = v->samples;
	r->changes.total = v->changes;
	r->errors.total = v->errors;
	r->has_value = v->samples > 0;
	r->last_value = v->last_value;
}

static int cmp_value(const void *pa, const void *pb)
{
	const struct msrtop_value_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, msr);
	CMP_FIELD(a, b, value);
	return 0;
}

static void value_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
	/* The same exits as the sample rows': nothing more to add. */
}

static void value_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_value_key *k = key;
	struct msrtop_value_row *r = row;

	r->pid = k->tgid;
	r->msr = k->msr;
	r->value = k->value;
	r->exits.total = val[0];
}

/* ---- the KVM event kinds: kvm_pio, kvm_mmio, kvm_hypercall, kvm_cpuid, kvm_inj_* ------ */

static int cmp_event(const void *pa, const void *pb)
{
	const struct msrtop_event_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, code);
	CMP_FIELD(a, b, arg);
	CMP_FIELD(a, b, flag);
	return 0;
}

/* Two threads can turn out to run the same vCPU once thread ids are mapped to vCPUs. */
static void event_merge(void *pdst, const void *psrc)
{
	((struct msrtop_event_row *)pdst)->count.total +=
		((const struct msrtop_event_row *)psrc)->count.total;
}

/* Events of these kinds are not in the totals: each source's event count is its rows' sum. */
static void event_account(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row)
{
}

static void event_decode(void *row, const void *key, const uint64_t *val)
{
	const struct msrtop_event_key *k = key;
	struct msrtop_event_row *r = row;

	r->pid = k->tgid;
	r->vcpu_src = k->vcpu_src;
	r->vcpu = k->vcpu;
	r->code = k->code;
	r->arg = k->arg;
	r->flag = k->flag;
	r->count.total = val[0];
}

/* ---- the table -------------------------------------------------------------------------- */

/* The kind's row struct. */
/* ---- KVM's statistics: debugfs (kvm_debugfs.c), no BPF map ------------------------ */

static int cmp_kvm_stat(const void *pa, const void *pb)
{
	const struct msrtop_kvm_stat_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vm_fd);
	/* The VM's own files (MSRTOP_KVM_STAT_VM, all ones) before its vCPUs'. */
	if (a->vcpu + 1 != b->vcpu + 1)
		return a->vcpu + 1 < b->vcpu + 1 ? -1 : 1;
	return strcmp(a->name, b->name);
}

#define ROWS(type) .row_size = sizeof(struct type)

#define VCPU(type)                                                                                 \
	.has_vcpu = true, .vcpu_src_off = OFF(type, vcpu_src), .vcpu_off = OFF(type, vcpu)

/* Fields (kinds.h) of a row of struct type. */
#define F_VCPU(type)                                                                               \
	{                                                                                          \
		MSRTOP_F_VCPU, {"pid", "vcpu", "vcpu_source"}, OFF(type, vcpu),                    \
			OFF(type, vcpu_src)                                                        \
	}
#define F_ISA(type)                                                                                \
	{                                                                                          \
		MSRTOP_F_ISA, {"isa", "isa_name"}, OFF(type, isa)                                  \
	}
#define F_MSR(type)                                                                                \
	{                                                                                          \
		MSRTOP_F_MSR, {"msr", "msr_name"}, OFF(type, msr)                                  \
	}
#define F_ACCESS(type)                                                                             \
	{                                                                                          \
		MSRTOP_F_ACCESS, {"access"}, OFF(type, write)                                      \
	}
#define F_COUNTER(type, field, name)                                                               \
	{                                                                                          \
		MSRTOP_F_COUNTER, {name}, OFF(type, field)                                         \
	}

/* Text columns. */
#define T_PID                                                                                      \
	{                                                                                          \
		"PID", 8, MSRTOP_T_PID, 0                                                          \
	}
#define T_VCPU(type)                                                                               \
	{                                                                                          \
		"VCPU", -7, MSRTOP_T_VCPU, OFF(type, vcpu), OFF(type, vcpu_src)                    \
	}
#define T_ISA(type)                                                                                \
	{                                                                                          \
		"ISA", -3, MSRTOP_T_ISA, OFF(type, isa)                                            \
	}
#define T_MSR(type)                                                                                \
	{                                                                                          \
		"MSR", -28, MSRTOP_T_MSR, OFF(type, msr)                                           \
	}
#define T_ACCESS(type, w)                                                                          \
	{                                                                                          \
		"R/W", w, MSRTOP_T_ACCESS, OFF(type, write)                                        \
	}
#define T_COUNT(type)                                                                              \
	{                                                                                          \
		"COUNT", 12, MSRTOP_T_TOTAL, OFF(type, count)                                      \
	}
#define T_RATE(type)                                                                               \
	{                                                                                          \
		"/s", 10, MSRTOP_T_RATE, OFF(type, count)                                          \
	}

/* Columns and sort keys of the terminal view. */
#define V_VM                                                                                       \
	{                                                                                          \
		"VM", 6, 22, true, MSRTOP_V_VM                                                     \
	}
#define V_VCPU(type)                                                                               \
	{                                                                                          \
		"VCPU", 4, 10, false, MSRTOP_V_VCPU, OFF(type, vcpu), OFF(type, vcpu_src)          \
	}
#define V_MSR(type)                                                                                \
	{                                                                                          \
		"MSR", 14, 46, true, MSRTOP_V_MSR, OFF(type, msr)                                  \
	}
#define V_RATE(type)                                                                               \
	{                                                                                          \
		"RATE/s", 8, 0, false, MSRTOP_V_RATE, OFF(type, count)                             \
	}
#define V_TOTAL(title, min, type, field)                                                           \
	{                                                                                          \
		title, min, 0, false, MSRTOP_V_TOTAL, OFF(type, field)                             \
	}
#define S_RATE(type)                                                                               \
	{                                                                                          \
		"rate", MSRTOP_S_RATE, OFF(type, count)                                            \
	}
#define S_TOTAL(name, type, field)                                                                 \
	{                                                                                          \
		name, MSRTOP_S_TOTAL, OFF(type, field)                                             \
	}
#define S_VM                                                                                       \
	{                                                                                          \
		"vm", MSRTOP_S_KEY                                                                 \
	}

/* The KVM event kinds' rows (struct msrtop_event_row): everything but their fields,
 * families, text columns and view. */
#define EVENT_KIND(kname, map, src)                                                                \
	.name = kname, ROWS(msrtop_event_row), .cmp = cmp_event, .merge = event_merge,             \
	.counters = {OFF(msrtop_event_row, count)}, .nr_counters = 1, VCPU(msrtop_event_row),      \
	.account = event_account, .maps = {map},                                                   \
	.key_pid_off = offsetof(struct msrtop_event_key, tgid), .decode = {event_decode},          \
	.learn_vcpu = true, .source = src, .text_sort = OFF(msrtop_event_row, count)
/* A field of an event row shown through a code table (kvm_names.h): JSON members j0 and j1
 * (NULL: none), a column of text tables and of the terminal view. */
#define F_CODE(j0, j1, field, table, size)                                                         \
	{                                                                                          \
		MSRTOP_F_CODE, {j0, j1}, OFF(msrtop_event_row, field), table, size                 \
	}
#define T_CODE(title, width, field, table, size)                                                   \
	{                                                                                          \
		title, width, MSRTOP_T_CODE, OFF(msrtop_event_row, field), table, size             \
	}
#define V_CODE(title, min, max, field, table, size)                                                \
	{                                                                                          \
		title, min, max, true, MSRTOP_V_CODE, OFF(msrtop_event_row, field), table, 0, size \
	}
/* The first text columns and view columns, and the view's sort keys, of every event kind. */
#define T_EVENT_VCPU T_PID, T_VCPU(msrtop_event_row)
#define T_EVENT_COUNT T_COUNT(msrtop_event_row), T_RATE(msrtop_event_row)
#define V_EVENT_VCPU V_VM, V_VCPU(msrtop_event_row)
#define V_EVENT_COUNT V_RATE(msrtop_event_row), V_TOTAL("TOTAL", 10, msrtop_event_row, count)
#define S_EVENT(name, size)                                                                        \
	S_RATE(msrtop_event_row), S_TOTAL("total", msrtop_event_row, count),                       \
		{name,                                                                             \
		 MSRTOP_S_FIELD,                                                                   \
		 OFF(msrtop_event_row, code),                                                      \
		 OFF(msrtop_event_row, arg),                                                       \
		 size,                                                                             \
		 4},                                                                               \
		S_VM
#define F_EVENT_COUNT F_COUNTER(msrtop_event_row, count, "count")

const struct msrtop_kind msrtop_kinds[MSRTOP_KIND_NR] = {
	[MSRTOP_KIND_EXITS] =
		{
			.name = "exits",
			ROWS(msrtop_exit_row),
			.cmp = cmp_exit,
			.sort_key = exit_sort_key,
			.counters = {OFF(msrtop_exit_row, count)},
			.nr_counters = 1,
			.has_hist_delta = true,
			.hist = OFF(msrtop_exit_row, latency),
			.hist_delta = OFF(msrtop_exit_row, latency_delta),
			VCPU(msrtop_exit_row),
			.has_reason = true,
			.isa_off = OFF(msrtop_exit_row, isa),
			.code_off = OFF(msrtop_exit_row, reason),
			.code_size = 4,
			.account = exit_account,
			.maps = {"exits"},
			.key_pid_off = offsetof(struct msrtop_exit_key, tgid),
			.decode = {exit_decode},
			.fields =
				{
					F_VCPU(msrtop_exit_row),
					F_ISA(msrtop_exit_row),
					{MSRTOP_F_EXIT_REASON,
					 {"reason", "reason_name", "reason_text"},
					 OFF(msrtop_exit_row, reason),
					 OFF(msrtop_exit_row, isa),
					 4},
					{MSRTOP_F_VMX_FLAGS,
					 {"vmx_flags"},
					 OFF(msrtop_exit_row, reason),
					 OFF(msrtop_exit_row, isa)},
					{MSRTOP_F_BOOL, {"nested"}, OFF(msrtop_exit_row, nested)},
					F_COUNTER(msrtop_exit_row, count, "count"),
					{MSRTOP_F_HIST,
					 {"latency"},
					 OFF(msrtop_exit_row, latency),
					 0,
					 0,
					 MSRTOP_NULL_IF,
					 OFF(msrtop_exit_row, nested)},
				},
			.nr_fields = 7,
			.families =
				{
					{"msrtop_exits_total", "VM exits (kvm:kvm_exit).", MSRTOP_FAM_COUNTER,
					 MSRTOP_ROWS_UNLESS, OFF(msrtop_exit_row, nested),
					 OFF(msrtop_exit_row, count)},
					{"msrtop_nested_exits_total",
					 "Exits from a nested (L2) guest (kvm:kvm_nested_vmexit); "
					 "also in "
					 "msrtop_exits_total.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_IF, OFF(msrtop_exit_row, nested),
					 OFF(msrtop_exit_row, count)},
					{"msrtop_exit_latency_seconds",
					 "Time from a VM exit to the next entry of the same vCPU "
					 "thread.",
					 MSRTOP_FAM_HISTOGRAM, MSRTOP_ROWS_UNLESS,
					 OFF(msrtop_exit_row, nested), OFF(msrtop_exit_row, latency),
					 true},
					{"msrtop_exit_latency_min_seconds",
					 "Shortest time from a VM exit to the next entry of the same "
					 "vCPU thread, since attach.",
					 MSRTOP_FAM_MIN, MSRTOP_ROWS_UNLESS, OFF(msrtop_exit_row, nested),
					 OFF(msrtop_exit_row, latency), true},
					{"msrtop_exit_latency_max_seconds",
					 "Longest time from a VM exit to the next entry of the same "
					 "vCPU thread, since attach.",
					 MSRTOP_FAM_MAX, MSRTOP_ROWS_UNLESS, OFF(msrtop_exit_row, nested),
					 OFF(msrtop_exit_row, latency), true},
				},
			.nr_families = 5,
			.source = MSRTOP_SRC_KVM_EXIT,
			.text_title = "EXITS",
			.text_none_yet = "has not fired (no VM has exited to this kernel's KVM)",
			.text_cols =
				{
					T_PID,
					T_VCPU(msrtop_exit_row),
					T_ISA(msrtop_exit_row),
					{"REASON", -34, MSRTOP_T_EXIT_REASON,
					 OFF(msrtop_exit_row, reason), OFF(msrtop_exit_row, isa),
					 4},
					{"NESTED", -6, MSRTOP_T_YES, OFF(msrtop_exit_row, nested)},
					T_COUNT(msrtop_exit_row),
					T_RATE(msrtop_exit_row),
					{"MIN-LAT-NS", 11, MSRTOP_T_MIN_NS,
					 OFF(msrtop_exit_row, latency)},
					{"MEAN-LAT-NS", 12, MSRTOP_T_MEAN_NS,
					 OFF(msrtop_exit_row, latency)},
					{"MAX-LAT-NS", 11, MSRTOP_T_MAX_NS,
					 OFF(msrtop_exit_row, latency)},
				},
			.nr_text_cols = 10,
			.text_sort = OFF(msrtop_exit_row, count),
			.view =
				{
					.tab = "exits",
					.key = 'e',
					.help = "per VM, vCPU, ISA and exit reason (VMX modifier flags "
						"as |FLAG)",
					.what = "exits",
					.yet = " (no guest has run since msrtop started)",
					.silent = "no exits: kvm_exit does not fire on this host (see "
						  "the note above); the MSRs view has the accesses",
					.cols =
						{
							V_VM,
							V_VCPU(msrtop_exit_row),
							{"ISA", 3, 5, true, MSRTOP_V_ISA,
							 OFF(msrtop_exit_row, isa)},
							{"REASON", 12, 40, true, MSRTOP_V_EXIT_REASON,
							 OFF(msrtop_exit_row, reason),
							 OFF(msrtop_exit_row, isa),
							 OFF(msrtop_exit_row, nested), 4},
							V_RATE(msrtop_exit_row),
							V_TOTAL("TOTAL", 10, msrtop_exit_row, count),
							{"MIN", 6, 0, false, MSRTOP_V_MIN,
							 OFF(msrtop_exit_row, latency)},
							{"P50", 7, 0, false, MSRTOP_V_P50,
							 OFF(msrtop_exit_row, latency)},
							{"MEAN", 6, 0, false, MSRTOP_V_MEAN,
							 OFF(msrtop_exit_row, latency)},
							{"P99", 7, 0, false, MSRTOP_V_P99,
							 OFF(msrtop_exit_row, latency)},
							{"MAX", 6, 0, false, MSRTOP_V_MAX,
							 OFF(msrtop_exit_row, latency)},
						},
					.nr_cols = 11,
					.sorts =
						{
							S_RATE(msrtop_exit_row),
							S_TOTAL("total", msrtop_exit_row, count),
							{"p99", MSRTOP_S_P99,
							 OFF(msrtop_exit_row, latency)},
							S_VM,
							{"reason", MSRTOP_S_FIELD,
							 OFF(msrtop_exit_row, isa),
							 OFF(msrtop_exit_row, reason), 1, 4},
						},
					.nr_sorts = 5,
				},
		},
	[MSRTOP_KIND_MSRS] =
		{
			.name = "msrs",
			ROWS(msrtop_msr_row),
			.cmp = cmp_msr,
			.sort_key = msr_sort_key,
			.merge = msr_merge,
			.counters = {OFF(msrtop_msr_row, count), OFF(msrtop_msr_row, gp),
				     OFF(msrtop_msr_row, changes)},
			.nr_counters = 3,
			VCPU(msrtop_msr_row),
			.has_msr = true,
			.msr_off = OFF(msrtop_msr_row, msr),
			.account = msr_account,
			.maps = {"msrs", "msr_writes"},
			.key_pid_off = offsetof(struct msrtop_msr_key, tgid),
			.decode = {msr_read_decode, msr_write_decode},
			.learn_vcpu = true,
			.fields =
				{
					F_VCPU(msrtop_msr_row),
					F_MSR(msrtop_msr_row),
					F_ACCESS(msrtop_msr_row),
					F_COUNTER(msrtop_msr_row, count, "count"),
					F_COUNTER(msrtop_msr_row, gp, "gp"),
					{MSRTOP_F_LAST_VALUE,
					 {"last_value", "last_value_hex"},
					 OFF(msrtop_msr_row, last_value),
					 OFF(msrtop_msr_row, has_value)},
					{MSRTOP_F_COUNTER,
					 {"value_changes"},
					 OFF(msrtop_msr_row, changes),
					 0,
					 0,
					 MSRTOP_NULL_UNLESS,
					 OFF(msrtop_msr_row, write)},
				},
			.nr_fields = 7,
			.families =
				{
					{"msrtop_msr_accesses_total",
					 "Guest RDMSR/WRMSR handled by KVM (kvm:kvm_msr), "
					 "including those that "
					 "raised #GP.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0, OFF(msrtop_msr_row, count)},
					{"msrtop_msr_gp_total",
					 "MSR accesses on which KVM raised #GP.", MSRTOP_FAM_COUNTER,
					 MSRTOP_ROWS_ALL, 0, OFF(msrtop_msr_row, gp)},
					{"msrtop_msr_value_changes_total",
					 "Successful WRMSR whose value differs from the previous "
					 "write's.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_IF, OFF(msrtop_msr_row, write),
					 OFF(msrtop_msr_row, changes)},
				},
			.nr_families = 3,
			.source = MSRTOP_SRC_KVM_MSR,
			.text_title = "MSRS",
			.text_none_yet = "has not fired: no guest has accessed an MSR that KVM "
					 "intercepts",
			.passthrough_note = true,
			.text_cols =
				{
					T_PID,
					T_VCPU(msrtop_msr_row),
					{"MSR", -10, MSRTOP_T_MSR_INDEX, OFF(msrtop_msr_row, msr)},
					{"NAME", -28, MSRTOP_T_MSR_NAME, OFF(msrtop_msr_row, msr)},
					T_ACCESS(msrtop_msr_row, -5),
					T_COUNT(msrtop_msr_row),
					T_RATE(msrtop_msr_row),
					{"#GP", 8, MSRTOP_T_TOTAL, OFF(msrtop_msr_row, gp)},
					{"LAST-WRITTEN", 18, MSRTOP_T_VALUE_HEX,
					 OFF(msrtop_msr_row, last_value),
					 OFF(msrtop_msr_row, has_value)},
					{"CHANGES", 8, MSRTOP_T_TOTAL_IF,
					 OFF(msrtop_msr_row, changes),
					 OFF(msrtop_msr_row, has_value)},
				},
			.nr_text_cols = 10,
			.text_sort = OFF(msrtop_msr_row, count),
			.view =
				{
					.tab = "MSRs",
					.key = 'm',
					.help = "per VM, vCPU, MSR and direction; #GP, value changes, "
						"last value",
					.what = "MSR accesses",
					.yet = " (only intercepted MSRs reach KVM)",
					.cols =
						{
							V_VM,
							V_VCPU(msrtop_msr_row),
							V_MSR(msrtop_msr_row),
							{"R/W", 3, 3, true, MSRTOP_V_RW,
							 OFF(msrtop_msr_row, write)},
							V_RATE(msrtop_msr_row),
							V_TOTAL("TOTAL", 10, msrtop_msr_row, count),
							V_TOTAL("#GP", 6, msrtop_msr_row, gp),
							{"CHANGES", 7, 0, false, MSRTOP_V_TOTAL_IF,
							 OFF(msrtop_msr_row, changes),
							 OFF(msrtop_msr_row, write)},
							{"LAST VALUE", 18, 18, true, MSRTOP_V_HEX_IF,
							 OFF(msrtop_msr_row, last_value),
							 OFF(msrtop_msr_row, has_value)},
						},
					.nr_cols = 9,
					.sorts =
						{
							S_RATE(msrtop_msr_row),
							S_TOTAL("total", msrtop_msr_row, count),
							S_TOTAL("#GP", msrtop_msr_row, gp),
							S_TOTAL("changes", msrtop_msr_row, changes),
							{"msr", MSRTOP_S_FIELD, OFF(msrtop_msr_row, msr),
							 OFF(msrtop_msr_row, write), 4, 1},
							S_VM,
						},
					.nr_sorts = 6,
				},
		},
	[MSRTOP_KIND_UEXITS] =
		{
			.name = "userspace_exits",
			ROWS(msrtop_uexit_row),
			.cmp = cmp_uexit,
			.counters = {OFF(msrtop_uexit_row, count)},
			.nr_counters = 1,
			.account = uexit_account,
			.maps = {"uexits"},
			.key_pid_off = offsetof(struct msrtop_uexit_key, tgid),
			.decode = {uexit_decode},
			.fields =
				{
					{MSRTOP_F_PID, {"pid"}, OFF(msrtop_uexit_row, pid)},
					{MSRTOP_F_UEXIT,
					 {"error", "reason", "reason_name"},
					 OFF(msrtop_uexit_row, reason),
					 OFF(msrtop_uexit_row, error)},
					F_COUNTER(msrtop_uexit_row, count, "count"),
				},
			.nr_fields = 3,
			.families =
				{
					{"msrtop_userspace_exits_total",
					 "Returns of KVM_RUN to the VMM (kvm:kvm_userspace_exit): "
					 "kind exit with the "
					 "KVM_EXIT reason, or kind error with the errno.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0, OFF(msrtop_uexit_row, count)},
				},
			.nr_families = 1,
			.source = MSRTOP_SRC_KVM_USERSPACE_EXIT,
			.text_title = "USERSPACE EXITS",
			.text_cols =
				{
					T_PID,
					{"REASON", -24, MSRTOP_T_UEXIT,
					 OFF(msrtop_uexit_row, reason),
					 OFF(msrtop_uexit_row, error)},
					T_COUNT(msrtop_uexit_row),
					T_RATE(msrtop_uexit_row),
				},
			.nr_text_cols = 4,
			.text_sort = OFF(msrtop_uexit_row, count),
		},
	[MSRTOP_KIND_INTERCEPTS] =
		{
			.name = "msr_intercepts",
			ROWS(msrtop_intercept_row),
			.cmp = cmp_intercept,
			.counters = {OFF(msrtop_intercept_row, count)},
			.nr_counters = 1,
			VCPU(msrtop_intercept_row),
			.has_msr = true,
			.msr_off = OFF(msrtop_intercept_row, msr),
			.has_reason = true,
			.isa_off = OFF(msrtop_intercept_row, isa),
			.code_off = OFF(msrtop_intercept_row, exit_code),
			.code_size = 8,
			.account = intercept_account,
			.maps = {"intercepts"},
			.key_pid_off = offsetof(struct msrtop_intercept_key, tgid),
			.decode = {intercept_decode},
			.fields =
				{
					F_VCPU(msrtop_intercept_row),
					F_ISA(msrtop_intercept_row),
					{MSRTOP_F_EXIT_REASON,
					 {"exit_code", "exit_code_name", "exit_code_text"},
					 OFF(msrtop_intercept_row, exit_code),
					 OFF(msrtop_intercept_row, isa),
					 8},
					F_MSR(msrtop_intercept_row),
					F_ACCESS(msrtop_intercept_row),
					F_COUNTER(msrtop_intercept_row, count, "count"),
				},
			.nr_fields = 6,
			.families =
				{
					{"msrtop_msr_intercepts_total",
					 "MSR exits by exit reason (kvm:kvm_msr_intercept, patched "
					 "kernels).",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_intercept_row, count)},
				},
			.nr_families = 1,
			.source = MSRTOP_SRC_KVM_MSR_INTERCEPT,
			.text_title = "MSR INTERCEPTS",
			.text_cols =
				{
					T_PID,
					T_VCPU(msrtop_intercept_row),
					T_ISA(msrtop_intercept_row),
					{"EXIT", -24, MSRTOP_T_EXIT_REASON,
					 OFF(msrtop_intercept_row, exit_code),
					 OFF(msrtop_intercept_row, isa), 8},
					T_MSR(msrtop_intercept_row),
					T_ACCESS(msrtop_intercept_row, -5),
					T_COUNT(msrtop_intercept_row),
					T_RATE(msrtop_intercept_row),
				},
			.nr_text_cols = 8,
			.text_sort = OFF(msrtop_intercept_row, count),
		},
	[MSRTOP_KIND_OUTCOMES] =
		{
			.name = "msr_outcomes",
			ROWS(msrtop_outcome_row),
			.cmp = cmp_outcome,
			.counters = {OFF(msrtop_outcome_row, count)},
			.nr_counters = 1,
			VCPU(msrtop_outcome_row),
			.has_msr = true,
			.msr_off = OFF(msrtop_outcome_row, msr),
			.account = outcome_account,
			.maps = {"outcomes"},
			.key_pid_off = offsetof(struct msrtop_outcome_key, tgid),
			.decode = {outcome_decode},
			.fields =
				{
					F_VCPU(msrtop_outcome_row),
					F_MSR(msrtop_outcome_row),
					F_ACCESS(msrtop_outcome_row),
					{MSRTOP_F_OUTCOME,
					 {"outcome", "outcome_name"},
					 OFF(msrtop_outcome_row, outcome)},
					{MSRTOP_F_OUTCOME_REASON,
					 {"reason", "reason_name"},
					 OFF(msrtop_outcome_row, reason),
					 OFF(msrtop_outcome_row, outcome)},
					{MSRTOP_F_CODE,
					 {"emulated"},
					 OFF(msrtop_outcome_row, emulated),
					 KVM_CODES_BOOL,
					 1},
					F_COUNTER(msrtop_outcome_row, count, "count"),
					{MSRTOP_F_HIST,
					 {"duration"},
					 OFF(msrtop_outcome_row, duration)},
				},
			.nr_fields = 8,
			.families =
				{
					{"msrtop_msr_outcomes_total",
					 "How KVM completed MSR accesses (kvm:kvm_msr_outcome, "
					 "patched kernels).",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_outcome_row, count)},
					{"msrtop_msr_outcome_duration_seconds",
					 "Time KVM took to handle an MSR access "
					 "(kvm:kvm_msr_outcome, patched "
					 "kernels).",
					 MSRTOP_FAM_HISTOGRAM, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_outcome_row, duration)},
					{"msrtop_msr_outcome_duration_min_seconds",
					 "Shortest time KVM took to handle an MSR access, since attach "
					 "(kvm:kvm_msr_outcome, patched kernels).",
					 MSRTOP_FAM_MIN, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_outcome_row, duration)},
					{"msrtop_msr_outcome_duration_max_seconds",
					 "Longest time KVM took to handle an MSR access, since attach "
					 "(kvm:kvm_msr_outcome, patched kernels).",
					 MSRTOP_FAM_MAX, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_outcome_row, duration)},
				},
			.nr_families = 4,
			.source = MSRTOP_SRC_KVM_MSR_OUTCOME,
			.text_title = "MSR OUTCOMES",
			.text_cols =
				{
					T_PID,
					T_VCPU(msrtop_outcome_row),
					T_MSR(msrtop_outcome_row),
					T_ACCESS(msrtop_outcome_row, -5),
					{"OUTCOME", -30, MSRTOP_T_OUTCOME,
					 OFF(msrtop_outcome_row, outcome),
					 OFF(msrtop_outcome_row, reason)},
					{"EMULATED", -8, MSRTOP_T_YES, OFF(msrtop_outcome_row, emulated)},
					T_COUNT(msrtop_outcome_row),
					T_RATE(msrtop_outcome_row),
					{"MIN-NS", 10, MSRTOP_T_MIN_NS,
					 OFF(msrtop_outcome_row, duration)},
					{"MEAN-NS", 12, MSRTOP_T_MEAN_NS,
					 OFF(msrtop_outcome_row, duration)},
					{"MAX-NS", 10, MSRTOP_T_MAX_NS,
					 OFF(msrtop_outcome_row, duration)},
				},
			.nr_text_cols = 11,
			.text_sort = OFF(msrtop_outcome_row, count),
		},
	[MSRTOP_KIND_CANON] =
		{
			.name = "canonical",
			ROWS(msrtop_canon_row),
			.cmp = cmp_canon,
			.counters = {OFF(msrtop_canon_row, count), OFF(msrtop_canon_row, rejected),
				     OFF(msrtop_canon_row, fixups)},
			.nr_counters = 3,
			VCPU(msrtop_canon_row),
			.has_msr = true,
			.msr_off = OFF(msrtop_canon_row, msr),
			.account = canon_account,
			.maps = {"canonical"},
			.key_pid_off = offsetof(struct msrtop_canon_key, tgid),
			.decode = {canon_decode},
			.fields =
				{
					F_VCPU(msrtop_canon_row),
					F_MSR(msrtop_canon_row),
					F_COUNTER(msrtop_canon_row, count, "count"),
					F_COUNTER(msrtop_canon_row, rejected, "rejected"),
					F_COUNTER(msrtop_canon_row, fixups, "fixups"),
				},
			.nr_fields = 5,
			.families =
				{
					{"msrtop_msr_canonical_checks_total",
					 "Canonical-address checks of written MSR values "
					 "(kvm:kvm_msr_canonical, "
					 "patched kernels).",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_canon_row, count)},
					{"msrtop_msr_canonical_rejected_total",
					 "Written MSR values refused as non-canonical.", MSRTOP_FAM_COUNTER,
					 MSRTOP_ROWS_ALL, 0, OFF(msrtop_canon_row, rejected)},
					{"msrtop_msr_canonical_fixups_total",
					 "Written MSR values accepted after being made canonical.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0, OFF(msrtop_canon_row, fixups)},
				},
			.nr_families = 3,
			.source = MSRTOP_SRC_KVM_MSR_CANONICAL,
			.text_title = "CANONICAL CHECKS",
			.text_cols =
				{
					T_PID,
					T_VCPU(msrtop_canon_row),
					T_MSR(msrtop_canon_row),
					T_COUNT(msrtop_canon_row),
					{"REJECTED", 12, MSRTOP_T_TOTAL,
					 OFF(msrtop_canon_row, rejected)},
					{"FIXED-UP", 12, MSRTOP_T_TOTAL,
					 OFF(msrtop_canon_row, fixups)},
				},
			.nr_text_cols = 6,
			.text_sort = OFF(msrtop_canon_row, count),
			.view =
				{
					.tab = "canonical",
					.key = 'k',
					.help = "canonical-address checks on MSR writes (patched "
						"kernels)",
					.what = "canonical checks",
					.yet = "",
					.cols =
						{
							V_VM,
							V_VCPU(msrtop_canon_row),
							V_MSR(msrtop_canon_row),
							V_RATE(msrtop_canon_row),
							V_TOTAL("TOTAL", 8, msrtop_canon_row, count),
							V_TOTAL("REJECTED", 8, msrtop_canon_row, rejected),
							V_TOTAL("FIXUPS", 8, msrtop_canon_row, fixups),
						},
					.nr_cols = 7,
					.sorts =
						{
							S_RATE(msrtop_canon_row),
							S_TOTAL("total", msrtop_canon_row, count),
							S_TOTAL("rejected", msrtop_canon_row, rejected),
							S_TOTAL("fixups", msrtop_canon_row, fixups),
							{"msr", MSRTOP_S_FIELD, OFF(msrtop_canon_row, msr), 0,
							 4},
							S_VM,
						},
					.nr_sorts = 6,
				},
		},
	[MSRTOP_KIND_MSR_SAMPLES] =
		{
			.name = "msr_samples",
			ROWS(msrtop_sample_row),
			.cmp = cmp_sample,
			.counters = {OFF(msrtop_sample_row, samples), OFF(msrtop_sample_row, changes),
				     OFF(msrtop_sample_row, errors)},
			.nr_counters = 3,
			VCPU(msrtop_sample_row),
			.has_msr = true,
			.msr_off = OFF(msrtop_sample_row, msr),
			.account = sample_account,
			.maps = {"msr_samples"},
			.key_pid_off = offsetof(struct msrtop_sample_key, tgid),
			.decode = {sample_decode},
			.fields =
				{
					F_VCPU(msrtop_sample_row),
					F_MSR(msrtop_sample_row),
					F_COUNTER(msrtop_sample_row, samples, "samples"),
					F_COUNTER(msrtop_sample_row, changes, "changes"),
					F_COUNTER(msrtop_sample_row, errors, "errors"),
					{MSRTOP_F_LAST_VALUE,
					 {"last_value", "last_value_hex"},
					 OFF(msrtop_sample_row, last_value),
					 OFF(msrtop_sample_row, has_value)},
				},
			.nr_fields = 6,
			.families =
				{
					{"msrtop_msr_samples_total",
					 "Guest MSR reads at kvm_exit (--sample-msr, the "
					 "bpf_kvm_vcpu_get_msr kfunc of patched kernels).",
					 false, MSRTOP_ROWS_ALL, 0, OFF(msrtop_sample_row, samples)},
					{"msrtop_msr_sample_changes_total",
					 "Sampled guest MSR reads whose value differs from the vCPU's "
					 "previous read.",
					 false, MSRTOP_ROWS_ALL, 0, OFF(msrtop_sample_row, changes)},
					{"msrtop_msr_sample_errors_total",
					 "Guest MSR reads at kvm_exit that the kfunc refused.", false,
					 MSRTOP_ROWS_ALL, 0, OFF(msrtop_sample_row, errors)},
				},
			.nr_families = 3,
			.source = MSRTOP_SRC_MSR_SAMPLE,
			.text_title = "SAMPLED MSRS",
			.text_none_yet = "no vCPU has exited yet",
			.text_cols =
				{
					T_PID,
					T_VCPU(msrtop_sample_row),
					T_MSR(msrtop_sample_row),
					{"SAMPLES", 12, MSRTOP_T_TOTAL, OFF(msrtop_sample_row, samples)},
					{"CHANGES", 10, MSRTOP_T_TOTAL, OFF(msrtop_sample_row, changes)},
					{"ERRORS", 8, MSRTOP_T_TOTAL, OFF(msrtop_sample_row, errors)},
					{"LAST-VALUE", 18, MSRTOP_T_VALUE_HEX,
					 OFF(msrtop_sample_row, last_value),
					 OFF(msrtop_sample_row, has_value)},
				},
			.nr_text_cols = 7,
			.text_sort = OFF(msrtop_sample_row, samples),
			.view =
				{
					.tab = "guest MSRs",
					.key = 'G',
					.help = "guest MSRs read at exits (--sample-msr, patched "
						"kernels): last value, changes",
					.what = "MSR samples",
					.yet = "",
					.cols =
						{
							V_VM,
							V_VCPU(msrtop_sample_row),
							V_MSR(msrtop_sample_row),
							{"RATE/s", 8, 0, false, MSRTOP_V_RATE,
							 OFF(msrtop_sample_row, samples)},
							V_TOTAL("SAMPLES", 10, msrtop_sample_row, samples),
							V_TOTAL("CHANGES", 7, msrtop_sample_row, changes),
							V_TOTAL("ERRORS", 6, msrtop_sample_row, errors),
							{"LAST VALUE", 18, 18, true, MSRTOP_V_HEX_IF,
							 OFF(msrtop_sample_row, last_value),
							 OFF(msrtop_sample_row, has_value)},
						},
					.nr_cols = 8,
					.sorts =
						{
							S_TOTAL("changes", msrtop_sample_row, changes),
							S_TOTAL("samples", msrtop_sample_row, samples),
							{"msr", MSRTOP_S_FIELD, OFF(msrtop_sample_row, msr), 0,
							 4},
							S_VM,
						},
					.nr_sorts = 4,
				},
		},
	[MSRTOP_KIND_MSR_VALUES] =
		{
			.name = "msr_values",
			ROWS(msrtop_value_row),
			.cmp = cmp_value,
			.counters = {OFF(msrtop_value_row, exits)},
			.nr_counters = 1,
			.has_msr = true,
			.msr_off = OFF(msrtop_value_row, msr),
			.account = value_account,
			.maps = {"msr_values"},
			.key_pid_off = offsetof(struct msrtop_value_key, tgid),
			.decode = {value_decode},
			.fields =
				{
					{MSRTOP_F_PID, {"pid"}, OFF(msrtop_value_row, pid)},
					F_MSR(msrtop_value_row),
					{MSRTOP_F_VALUE, {"value", "value_hex"}, OFF(msrtop_value_row, value)},
					F_COUNTER(msrtop_value_row, exits, "exits"),
				},
			.nr_fields = 4,
			.families =
				{
					{"msrtop_msr_value_exits_total",
					 "Sampled exits by the value a guest MSR held (FS_BASE: the "
					 "guest thread; GS_BASE, KERNEL_GS_BASE: the guest CPU).",
					 false, MSRTOP_ROWS_ALL, 0, OFF(msrtop_value_row, exits)},
				},
			.nr_families = 1,
			.source = MSRTOP_SRC_MSR_SAMPLE,
			.text_title = "TOP GUEST THREADS BY EXITS",
			.text_none_yet = "no vCPU has exited yet (values of FS_BASE, GS_BASE, "
					 "KERNEL_GS_BASE only)",
			.text_cols =
				{
					T_PID,
					T_MSR(msrtop_value_row),
					{"VALUE", -18, MSRTOP_T_HEX, OFF(msrtop_value_row, value)},
					{"EXITS", 12, MSRTOP_T_TOTAL, OFF(msrtop_value_row, exits)},
					{"/s", 10, MSRTOP_T_RATE, OFF(msrtop_value_row, exits)},
				},
			.nr_text_cols = 5,
			.text_sort = OFF(msrtop_value_row, exits),
			.view =
				{
					.tab = "threads",
					.key = 't',
					.help = "sampled exits per FS_BASE/GS_BASE value: top guest "
						"threads by exits (--sample-msr)",
					.what = "sampled values",
					.yet = " (FS_BASE, GS_BASE, KERNEL_GS_BASE only)",
					.cols =
						{
							V_VM,
							V_MSR(msrtop_value_row),
							{"VALUE", 18, 18, true, MSRTOP_V_HEX,
							 OFF(msrtop_value_row, value)},
							{"RATE/s", 8, 0, false, MSRTOP_V_RATE,
							 OFF(msrtop_value_row, exits)},
							V_TOTAL("EXITS", 10, msrtop_value_row, exits),
						},
					.nr_cols = 5,
					.sorts =
						{
							{"rate", MSRTOP_S_RATE, OFF(msrtop_value_row, exits)},
							S_TOTAL("exits", msrtop_value_row, exits),
							S_VM,
						},
					.nr_sorts = 3,
				},
		},
	[MSRTOP_KIND_KVM_STATS] =
		{
			.name = "kvm_stats",
			ROWS(msrtop_kvm_stat_row),
			.cmp = cmp_kvm_stat,
			.counters = {OFF(msrtop_kvm_stat_row, count)},
			.nr_counters = 1,
			/* no maps: kvm_debugfs.c adds the rows (collector.c) */
			.fields =
				{
					{MSRTOP_F_PID, {"pid"}, OFF(msrtop_kvm_stat_row, pid)},
					{MSRTOP_F_KVM_STAT,
					 {"vm_fd", "vcpu", "stat"},
					 OFF(msrtop_kvm_stat_row, vm_fd)},
					{MSRTOP_F_BOOL, {"cumulative"}, OFF(msrtop_kvm_stat_row, cumulative)},
					{MSRTOP_F_U64, {"value"}, OFF(msrtop_kvm_stat_row, value)},
					{MSRTOP_F_COUNTER,
					 {"count"},
					 OFF(msrtop_kvm_stat_row, count),
					 0,
					 0,
					 MSRTOP_NULL_UNLESS,
					 OFF(msrtop_kvm_stat_row, cumulative)},
				},
			.nr_fields = 5,
			.families =
				{
					{"msrtop_kvm_stat_total",
					 "KVM's cumulative statistics, by name, from debugfs "
					 "(/sys/kernel/debug/kvm/PID-FD/STAT; VM-wide ones sum the "
					 "vCPUs').",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_IF,
					 OFF(msrtop_kvm_stat_row, cumulative),
					 OFF(msrtop_kvm_stat_row, count)},
					{"msrtop_kvm_stat",
					 "KVM's instant and peak statistics, by name, from debugfs.",
					 MSRTOP_FAM_GAUGE, MSRTOP_ROWS_IF, OFF(msrtop_kvm_stat_row, instant),
					 OFF(msrtop_kvm_stat_row, value)},
				},
			.nr_families = 2,
			.source = MSRTOP_SRC_KVM_DEBUGFS,
			.text_title = "KVM STATISTICS (debugfs)",
			.text_none_yet = "no VM has a directory in it",
			.text_cols =
				{
					T_PID,
					{"VMFD", 5, MSRTOP_T_PID, OFF(msrtop_kvm_stat_row, vm_fd)},
					{"STAT", -32, MSRTOP_T_KVM_STAT, OFF(msrtop_kvm_stat_row, vcpu)},
					{"VALUE", 20, MSRTOP_T_U64, OFF(msrtop_kvm_stat_row, value)},
					{"/s", 10, MSRTOP_T_RATE_IF, OFF(msrtop_kvm_stat_row, count),
					 OFF(msrtop_kvm_stat_row, cumulative)},
				},
			.nr_text_cols = 5,
			.text_sort = OFF(msrtop_kvm_stat_row, count),
			.view =
				{
					.tab = "stats",
					.key = 'd',
					.help = "KVM's own statistics per VM (and vCPU), from debugfs",
					.what = "KVM statistics",
					.yet = " (no VM has a directory in debugfs's kvm/)",
					.cols =
						{
							V_VM,
							{"STAT", 12, 44, true, MSRTOP_V_KVM_STAT,
							 OFF(msrtop_kvm_stat_row, vcpu)},
							{"RATE/s", 8, 0, false, MSRTOP_V_RATE_IF,
							 OFF(msrtop_kvm_stat_row, count),
							 OFF(msrtop_kvm_stat_row, cumulative)},
							{"VALUE", 8, 0, false, MSRTOP_V_U64,
							 OFF(msrtop_kvm_stat_row, value)},
						},
					.nr_cols = 4,
					.sorts =
						{
							S_RATE(msrtop_kvm_stat_row),
							{"value", MSRTOP_S_FIELD,
							 OFF(msrtop_kvm_stat_row, value), 0, 8},
							S_VM,
						},
					.nr_sorts = 3,
				},
		},
	[MSRTOP_KIND_PIOS] =
		{
			EVENT_KIND("pios", "pios", MSRTOP_SRC_KVM_PIO),
			.fields =
				{
					F_VCPU(msrtop_event_row),
					F_CODE("port", "port_hex", code, KVM_CODES_HEX, 8),
					F_CODE("direction", NULL, flag, KVM_CODES_PIO_DIR, 1),
					F_CODE("size", NULL, arg, KVM_CODES_DEC, 4),
					F_EVENT_COUNT,
				},
			.nr_fields = 5,
			.families =
				{
					{"msrtop_pio_total",
					 "Guest port I/O that KVM handled or passed to the VMM "
					 "(kvm:kvm_pio), per port, direction and size in bytes.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_event_row, count)},
				},
			.nr_families = 1,
			.text_title = "PORT I/O",
			.text_none_yet = "no guest has used an I/O port",
			.text_cols =
				{
					T_EVENT_VCPU,
					T_CODE("PORT", -6, code, KVM_CODES_HEX, 8),
					T_CODE("DIR", -3, flag, KVM_CODES_PIO_DIR, 1),
					T_CODE("SIZE", 4, arg, KVM_CODES_DEC, 4),
					T_EVENT_COUNT,
				},
			.nr_text_cols = 7,
			.view =
				{
					.tab = "io",
					.key = 'i',
					.help = "port I/O per VM, vCPU, port, direction and size",
					.what = "port I/O",
					.yet = "",
					.cols =
						{
							V_EVENT_VCPU,
							V_CODE("PORT", 6, 8, code, KVM_CODES_HEX, 8),
							V_CODE("DIR", 3, 3, flag, KVM_CODES_PIO_DIR, 1),
							V_CODE("SIZE", 4, 4, arg, KVM_CODES_DEC, 4),
							V_EVENT_COUNT,
						},
					.nr_cols = 7,
					.sorts = {S_EVENT("port", 8)},
					.nr_sorts = 4,
				},
		},
	[MSRTOP_KIND_MMIOS] =
		{
			EVENT_KIND("mmios", "mmios", MSRTOP_SRC_KVM_MMIO),
			.fields =
				{
					F_VCPU(msrtop_event_row),
					F_CODE("gpa_page", "gpa_page_hex", code, KVM_CODES_HEX, 8),
					F_CODE("type", "type_name", arg, KVM_CODES_MMIO, 4),
					F_EVENT_COUNT,
				},
			.nr_fields = 4,
			.families =
				{
					{"msrtop_mmio_total",
					 "Guest MMIO that KVM emulated (kvm:kvm_mmio), per 4 KiB "
					 "guest-physical page (gpa_page: the address >> 12) and type; "
					 "a read KVM cannot complete counts as read_unsatisfied, then "
					 "as read once the VMM answered.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_event_row, count)},
				},
			.nr_families = 1,
			.text_title = "MMIO",
			.text_none_yet = "no guest access has been emulated as MMIO",
			.text_cols =
				{
					T_EVENT_VCPU,
					T_CODE("GPA-PAGE", -12, code, KVM_CODES_HEX, 8),
					T_CODE("TYPE", -16, arg, KVM_CODES_MMIO, 4),
					T_EVENT_COUNT,
				},
			.nr_text_cols = 6,
			.view =
				{
					.tab = "mmio",
					.key = 'a',
					.help = "MMIO per VM, vCPU, guest-physical page (address >> 12) "
						"and type",
					.what = "MMIO accesses",
					.yet = "",
					.cols =
						{
							V_EVENT_VCPU,
							V_CODE("GPA PAGE", 8, 14, code, KVM_CODES_HEX, 8),
							V_CODE("TYPE", 4, 16, arg, KVM_CODES_MMIO, 4),
							V_EVENT_COUNT,
						},
					.nr_cols = 6,
					.sorts = {S_EVENT("page", 8)},
					.nr_sorts = 4,
				},
		},
	[MSRTOP_KIND_HYPERCALLS] =
		{
			EVENT_KIND("hypercalls", "hypercalls", MSRTOP_SRC_KVM_HYPERCALL),
			.fields =
				{
					F_VCPU(msrtop_event_row),
					F_CODE("nr", "nr_name", code, KVM_CODES_HYPERCALL, 8),
					F_EVENT_COUNT,
				},
			.nr_fields = 3,
			.families =
				{
					{"msrtop_hypercalls_total",
					 "KVM hypercalls (kvm:kvm_hypercall), per number; nr_name is "
					 "the KVM_HC_* name without its prefix, or the number.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_event_row, count)},
				},
			.nr_families = 1,
			.text_title = "HYPERCALLS",
			.text_none_yet = "no guest has made a KVM hypercall",
			.text_cols =
				{
					T_EVENT_VCPU,
					T_CODE("NR", 6, code, KVM_CODES_DEC, 8),
					T_CODE("NAME", -20, code, KVM_CODES_HYPERCALL, 8),
					T_EVENT_COUNT,
				},
			.nr_text_cols = 6,
			.view =
				{
					.tab = "hcalls",
					.key = 'y',
					.help = "KVM hypercalls per VM, vCPU and number",
					.what = "hypercalls",
					.yet = "",
					.cols =
						{
							V_EVENT_VCPU,
							V_CODE("HYPERCALL", 9, 24, code,
							       KVM_CODES_HYPERCALL, 8),
							V_EVENT_COUNT,
						},
					.nr_cols = 5,
					.sorts = {S_EVENT("nr", 8)},
					.nr_sorts = 4,
				},
		},
	[MSRTOP_KIND_CPUIDS] =
		{
			EVENT_KIND("cpuids", "cpuids", MSRTOP_SRC_KVM_CPUID),
			.fields =
				{
					F_VCPU(msrtop_event_row),
					F_CODE("leaf", "leaf_hex", code, KVM_CODES_HEX, 8),
					F_CODE("subleaf", "subleaf_hex", arg, KVM_CODES_HEX, 4),
					F_EVENT_COUNT,
				},
			.nr_fields = 4,
			.families =
				{
					{"msrtop_cpuid_total",
					 "Guest CPUID (kvm:kvm_cpuid), per leaf (EAX) and subleaf "
					 "(ECX, as the guest set it).",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_event_row, count)},
				},
			.nr_families = 1,
			.text_title = "CPUID",
			.text_none_yet = "no guest has executed CPUID",
			.text_cols =
				{
					T_EVENT_VCPU,
					T_CODE("LEAF", -10, code, KVM_CODES_HEX, 8),
					T_CODE("SUBLEAF", -10, arg, KVM_CODES_HEX, 4),
					T_EVENT_COUNT,
				},
			.nr_text_cols = 6,
			.view =
				{
					.tab = "cpuid",
					.key = 'u',
					.help = "CPUID per VM, vCPU, leaf and subleaf",
					.what = "CPUID",
					.yet = "",
					.cols =
						{
							V_EVENT_VCPU,
							V_CODE("LEAF", 4, 10, code, KVM_CODES_HEX, 8),
							V_CODE("SUBLEAF", 7, 10, arg, KVM_CODES_HEX, 4),
							V_EVENT_COUNT,
						},
					.nr_cols = 6,
					.sorts = {S_EVENT("leaf", 8)},
					.nr_sorts = 4,
				},
		},
	[MSRTOP_KIND_INJ_VIRQS] =
		{
			EVENT_KIND("injected_interrupts", "inj_virqs", MSRTOP_SRC_KVM_INJ_VIRQ),
			.fields =
				{
					F_VCPU(msrtop_event_row),
					F_CODE("vector", NULL, code, KVM_CODES_DEC, 8),
					F_CODE("reinjected", NULL, flag, KVM_CODES_BOOL, 1),
					F_EVENT_COUNT,
				},
			.nr_fields = 4,
			.families =
				{
					{"msrtop_injected_interrupts_total",
					 "Interrupts KVM injected into guests (kvm:kvm_inj_virq), per "
					 "vector; reinjected: one already queued (by the VMM with "
					 "KVM_INTERRUPT, or a delivery KVM retried).",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_event_row, count)},
				},
			.nr_families = 1,
			.text_title = "INJECTED INTERRUPTS",
			.text_none_yet = "KVM has injected no interrupt",
			.text_cols =
				{
					T_EVENT_VCPU,
					T_CODE("VECTOR", 6, code, KVM_CODES_DEC, 8),
					T_CODE("REINJECTED", -10, flag, KVM_CODES_BOOL, 1),
					T_EVENT_COUNT,
				},
			.nr_text_cols = 6,
			.view =
				{
					.tab = "irq",
					.key = 'n',
					.help = "interrupts injected per VM, vCPU and vector "
						"(--sources kvm_inj_virq)",
					.what = "injected interrupts",
					.yet = "",
					.cols =
						{
							V_EVENT_VCPU,
							V_CODE("VECTOR", 6, 6, code, KVM_CODES_DEC, 8),
							V_CODE("REINJ", 5, 5, flag, KVM_CODES_BOOL, 1),
							V_EVENT_COUNT,
						},
					.nr_cols = 6,
					.sorts = {S_EVENT("vector", 8)},
					.nr_sorts = 4,
				},
		},
	[MSRTOP_KIND_INJ_EXCEPTIONS] =
		{
			EVENT_KIND("injected_exceptions", "inj_exceptions",
				   MSRTOP_SRC_KVM_INJ_EXCEPTION),
			.fields =
				{
					F_VCPU(msrtop_event_row),
					F_CODE("vector", "vector_name", code, KVM_CODES_EXCEPTION, 8),
					F_CODE("reinjected", NULL, flag, KVM_CODES_BOOL, 1),
					F_EVENT_COUNT,
				},
			.nr_fields = 4,
			.families =
				{
					{"msrtop_injected_exceptions_total",
					 "Exceptions KVM injected into guests (kvm:kvm_inj_exception), "
					 "per vector (#GP, #UD, #PF...); reinjected: a delivery KVM "
					 "retried.",
					 MSRTOP_FAM_COUNTER, MSRTOP_ROWS_ALL, 0,
					 OFF(msrtop_event_row, count)},
				},
			.nr_families = 1,
			.text_title = "INJECTED EXCEPTIONS",
			.text_none_yet = "KVM has injected no exception",
			.text_cols =
				{
					T_EVENT_VCPU,
					T_CODE("VECTOR", 6, code, KVM_CODES_DEC, 8),
					T_CODE("NAME", -4, code, KVM_CODES_EXCEPTION, 8),
					T_CODE("REINJECTED", -10, flag, KVM_CODES_BOOL, 1),
					T_EVENT_COUNT,
				},
			.nr_text_cols = 7,
			.view =
				{
					.tab = "exc",
					.key = 'X',
					.help = "exceptions injected per VM, vCPU and vector",
					.what = "injected exceptions",
					.yet = "",
					.cols =
						{
							V_EVENT_VCPU,
							V_CODE("VECTOR", 6, 8, code, KVM_CODES_EXCEPTION, 8),
							V_CODE("REINJ", 5, 5, flag, KVM_CODES_BOOL, 1),
							V_EVENT_COUNT,
						},
					.nr_cols = 6,
					.sorts = {S_EVENT("vector", 8)},
					.nr_sorts = 4,
				},
		},
};
