// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal view's tables of exits, MSR accesses, VMs and canonical checks,
 * their sort keys, and the table of views (the outcomes view: tui_outcomes.c).
 */
#include <inttypes.h>
#include <stdio.h>

#include <curses.h>

#include "exit_reasons.h"
#include "format.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "snapshot.h"
#include "tui.h"
#include "tui_state.h"

/* ---- views ----------------------------------------------------------------------- */

/* exits */

static int ex_rate(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_exit_row *x = &t->shown->exits[a], *y = &t->shown->exits[b];
	int r = CMP_DESC(x->count.rate, y->count.rate);

	return r ? r : CMP_DESC(x->count.total, y->count.total);
}

static int ex_total(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->exits[a].count.total, t->shown->exits[b].count.total);
}

static int ex_p99(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(tui_hist_slot(t->shown->exits[a].latency.slots, 99),
			tui_hist_slot(t->shown->exits[b].latency.slots, 99));
}

static int ex_vm(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_ASC(a, b); /* the table's key order: pid, vCPU, ISA, reason */
}

static int ex_reason(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_exit_row *x = &t->shown->exits[a], *y = &t->shown->exits[b];
	int r = CMP_ASC(x->isa, y->isa);

	return r ? r : CMP_ASC(x->reason, y->reason);
}

static const struct view_sort exit_sorts[] = {
	{"rate", ex_rate}, {"total", ex_total},	  {"p99", ex_p99},
	{"vm", ex_vm},	   {"reason", ex_reason},
};

static const struct col exit_cols[] = {
	{"VM", 6, 22, true},	  {"VCPU", 4, 10, false},  {"ISA", 3, 5, true},
	{"REASON", 12, 40, true}, {"RATE/s", 8, 0, false}, {"TOTAL", 10, 0, false},
	{"P50", 7, 0, false},	  {"P99", 7, 0, false},
};

static size_t draw_exits(struct tui_state *t, int y, int h)
{
	const struct msrtop_snapshot *s = t->shown;
	struct page p = tui_page_of(t, s->nr_exits, h);
	size_t r;

	if (!s->nr_exits) {
		tui_draw_table(t, y, exit_cols, 8, &p, 2);
		if (tui_src(t, MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_MISSING)
			tui_draw_empty(y, "no exits: this kernel has no kvm_exit tracepoint");
		else if (tui_src(t, MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_FAILED)
			tui_draw_empty(y, "no exits: attaching to kvm_exit failed (see sources)");
		else if (tui_src(t, MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_OFF)
			tui_draw_empty(y, "no exits: kvm_exit is off (not in --sources)");
		else if (t->raw->nr_exits)
			tui_draw_empty(y, "no exits match the filter");
		else if (tui_exit_silent(t))
			tui_draw_empty(
				y, "no exits: kvm_exit does not fire on this host (see the note "
				   "above); the MSRs view has the accesses");
		else
			tui_draw_empty(y, "no exits yet (no guest has run since msrtop started)");
		return s->nr_exits;
	}
	if (tui_sort_rows(t, s->nr_exits, exit_sorts[t->sort[VIEW_EXITS]].cmp) ||
	    tui_grow_cells(t, p.count ? p.count : 1))
		return s->nr_exits;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_exit_row *e = &s->exits[t->order[p.first + r]];
		char reason[CELL_LEN - 8], isa[16];

		tui_fmt_vm(t, tui_cell(t, r, 0), CELL_LEN, e->pid);
		format_vcpu(e->vcpu_src, e->vcpu, tui_cell(t, r, 1), CELL_LEN);
		SET(2, "%s", format_isa(e->isa, isa, sizeof(isa)));
		exit_reason_format(e->isa, e->reason, reason, sizeof(reason));
		SET(3, "%s%s", reason, e->nested ? " (L2)" : "");
		format_rate_short(e->count.rate, tui_cell(t, r, 4), CELL_LEN);
		format_u64(e->count.total, tui_cell(t, r, 5), CELL_LEN);
		tui_fmt_percentile(tui_cell(t, r, 6), CELL_LEN, e->latency.slots, 50);
		tui_fmt_percentile(tui_cell(t, r, 7), CELL_LEN, e->latency.slots, 99);
	}
	tui_draw_table(t, y, exit_cols, 8, &p, 2);
	return s->nr_exits;
}

/* MSRs */

static int ms_rate(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_msr_row *x = &t->shown->msrs[a], *y = &t->shown->msrs[b];
	int r = CMP_DESC(x->count.rate, y->count.rate);

	return r ? r : CMP_DESC(x->count.total, y->count.total);
}

static int ms_total(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->msrs[a].count.total, t->shown->msrs[b].count.total);
}

static int ms_gp(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->msrs[a].gp.total, t->shown->msrs[b].gp.total);
}

static int ms_changes(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->msrs[a].changes.total, t->shown->msrs[b].changes.total);
}

static int ms_msr(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_msr_row *x = &t->shown->msrs[a], *y = &t->shown->msrs[b];
	int r = CMP_ASC(x->msr, y->msr);

	return r ? r : CMP_ASC(x->write, y->write);
}

static int ms_vm(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

static const struct view_sort msr_sorts[] = {
	{"rate", ms_rate},	 {"total", ms_total}, {"#GP", ms_gp},
	{"changes", ms_changes}, {"msr", ms_msr},     {"vm", ms_vm},
};

static const struct col msr_cols[] = {
	{"VM", 6, 22, true},  {"VCPU", 4, 10, false},	{"MSR", 14, 46, true},
	{"R/W", 3, 3, true},  {"RATE/s", 8, 0, false},	{"TOTAL", 10, 0, false},
	{"#GP", 6, 0, false}, {"CHANGES", 7, 0, false}, {"LAST VALUE", 18, 18, true},
};

static size_t draw_msrs(struct tui_state *t, int y, int h)
{
	const struct msrtop_snapshot *s = t->shown;
	struct page p = tui_page_of(t, s->nr_msrs, h);
	size_t r;

	if (!s->nr_msrs) {
		tui_draw_table(t, y, msr_cols, 9, &p, 2);
		if (tui_src(t, MSRTOP_SRC_KVM_MSR)->state == MSRTOP_SRC_MISSING)
			tui_draw_empty(y, "no MSR accesses: this kernel has no kvm_msr tracepoint");
		else if (tui_src(t, MSRTOP_SRC_KVM_MSR)->state == MSRTOP_SRC_FAILED)
			tui_draw_empty(
				y, "no MSR accesses: attaching to kvm_msr failed (see sources)");
		else if (tui_src(t, MSRTOP_SRC_KVM_MSR)->state == MSRTOP_SRC_OFF)
			tui_draw_empty(y, "no MSR accesses: kvm_msr is off (not in --sources)");
		else if (t->raw->nr_msrs)
			tui_draw_empty(y, "no MSR accesses match the filter");
		else
			tui_draw_empty(y, "no MSR accesses yet (only intercepted MSRs reach KVM)");
		return s->nr_msrs;
	}
	if (tui_sort_rows(t, s->nr_msrs, msr_sorts[t->sort[VIEW_MSRS]].cmp) ||
	    tui_grow_cells(t, p.count ? p.count : 1))
		return s->nr_msrs;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_msr_row *m = &s->msrs[t->order[p.first + r]];

		tui_fmt_vm(t, tui_cell(t, r, 0), CELL_LEN, m->pid);
		format_vcpu(m->vcpu_src, m->vcpu, tui_cell(t, r, 1), CELL_LEN);
		format_msr_and_index(m->msr, tui_cell(t, r, 2), CELL_LEN);
		SET(3, "%s", m->write ? "W" : "R");
		format_rate_short(m->count.rate, tui_cell(t, r, 4), CELL_LEN);
		format_u64(m->count.total, tui_cell(t, r, 5), CELL_LEN);
		format_u64(m->gp.total, tui_cell(t, r, 6), CELL_LEN);
		if (m->write)
			format_u64(m->changes.total, tui_cell(t, r, 7), CELL_LEN);
		else
			SET(7, "-");
		if (m->has_value)
			SET(8, "0x%016" PRIx64, m->last_value);
		else
			SET(8, "-");
	}
	tui_draw_table(t, y, msr_cols, 9, &p, 2);
	return s->nr_msrs;
}

/* VMs */

static double vm_msr_rate(const struct msrtop_vm *v)
{
	return v->msr_reads.rate + v->msr_writes.rate;
}

static int vm_exits(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_vm *x = &t->shown->vms[a], *y = &t->shown->vms[b];
	int r = CMP_DESC(x->exits.rate, y->exits.rate);

	return r ? r : CMP_DESC(x->exits.total, y->exits.total);
}

static int vm_msrs(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_vm *x = &t->shown->vms[a], *y = &t->shown->vms[b];
	int r = CMP_DESC(vm_msr_rate(x), vm_msr_rate(y));

	return r ? r
		 : CMP_DESC(x->msr_reads.total + x->msr_writes.total,
			    y->msr_reads.total + y->msr_writes.total);
}

static int vm_gp(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->vms[a].msr_gp.total, t->shown->vms[b].msr_gp.total);
}

static int vm_uexits(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->vms[a].uexits.total, t->shown->vms[b].uexits.total);
}

static int vm_pid(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

static const struct view_sort vm_sorts[] = {
	{"exits/s", vm_exits}, {"MSR/s", vm_msrs}, {"#GP", vm_gp},
	{"uexits", vm_uexits}, {"pid", vm_pid},
};

static const struct col vm_cols[] = {
	{"PID", 6, 0, false},	   {"COMM", 8, 16, true},    {"GUEST", 5, 32, true},
	{"VCPUS", 5, 0, false},	   {"EXITS/s", 8, 0, false}, {"EXITS", 8, 0, false},
	{"MSR/s", 8, 0, false},	   {"MSRS", 8, 0, false},    {"#GP", 6, 0, false},
	{"UEXITS/s", 8, 0, false}, {"UEXITS", 8, 0, false},
};

static size_t draw_vms(struct tui_state *t, int y, int h)
{
	const struct msrtop_snapshot *s = t->shown;
	struct page p = tui_page_of(t, s->nr_vms, h);
	size_t r;

	if (!s->nr_vms) {
		tui_draw_table(t, y, vm_cols, 11, &p, 2);
		tui_draw_empty(y, t->raw->nr_vms
					  ? "no VM matches the filter"
					  : "no VM seen yet (no KVM event since msrtop started)");
		return s->nr_vms;
	}
	if (tui_sort_rows(t, s->nr_vms, vm_sorts[t->sort[VIEW_VMS]].cmp) ||
	    tui_grow_cells(t, p.count ? p.count : 1))
		return s->nr_vms;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_vm *v = &s->vms[t->order[p.first + r]];

		SET(0, "%u", v->pid);
		SET(1, "%s%s", v->comm[0] ? v->comm : "?", v->alive ? "" : " (gone)");
		SET(2, "%.*s", CELL_LEN - 1, v->name[0] ? v->name : "-");
		SET(3, "%u", v->nr_vcpus);
		format_rate_short(v->exits.rate, tui_cell(t, r, 4), CELL_LEN);
		format_u64(v->exits.total, tui_cell(t, r, 5), CELL_LEN);
		format_rate_short(vm_msr_rate(v), tui_cell(t, r, 6), CELL_LEN);
		format_u64(v->msr_reads.total + v->msr_writes.total, tui_cell(t, r, 7), CELL_LEN);
		format_u64(v->msr_gp.total, tui_cell(t, r, 8), CELL_LEN);
		format_rate_short(v->uexits.rate, tui_cell(t, r, 9), CELL_LEN);
		format_u64(v->uexits.total, tui_cell(t, r, 10), CELL_LEN);
	}
	tui_draw_table(t, y, vm_cols, 11, &p, 2);
	return s->nr_vms;
}

/* canonical checks */

static int ca_rate(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_canon_row *x = &t->shown->canon[a], *y = &t->shown->canon[b];
	int r = CMP_DESC(x->count.rate, y->count.rate);

	return r ? r : CMP_DESC(x->count.total, y->count.total);
}

static int ca_total(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->canon[a].count.total, t->shown->canon[b].count.total);
}

static int ca_rejected(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->canon[a].rejected.total, t->shown->canon[b].rejected.total);
}

static int ca_fixups(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->shown->canon[a].fixups.total, t->shown->canon[b].fixups.total);
}

static int ca_msr(const struct tui_state *t, size_t a, size_t b)
{
	int r = CMP_ASC(t->shown->canon[a].msr, t->shown->canon[b].msr);

	return r ? r : CMP_ASC(a, b);
}

static int ca_vm(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

static const struct view_sort canon_sorts[] = {
	{"rate", ca_rate},     {"total", ca_total}, {"rejected", ca_rejected},
	{"fixups", ca_fixups}, {"msr", ca_msr},	    {"vm", ca_vm},
};

static const struct col canon_cols[] = {
	{"VM", 6, 22, true},	 {"VCPU", 4, 10, false}, {"MSR", 14, 46, true},
	{"RATE/s", 8, 0, false}, {"TOTAL", 8, 0, false}, {"REJECTED", 8, 0, false},
	{"FIXUPS", 8, 0, false},
};

static size_t draw_canon(struct tui_state *t, int y, int h)
{
	const struct msrtop_snapshot *s = t->shown;
	struct page p = tui_page_of(t, s->nr_canon, h);
	size_t r;

	if (!s->nr_canon) {
		tui_draw_table(t, y, canon_cols, 7, &p, 2);
		if (tui_src(t, MSRTOP_SRC_KVM_MSR_CANONICAL)->state == MSRTOP_SRC_MISSING)
			tui_draw_empty(y,
				       "kvm_msr_canonical is not in this kernel: this view needs "
				       "msrtop's kernel patches (kernel-patches/)");
		else if (t->raw->nr_canon)
			tui_draw_empty(y, "no canonical checks match the filter");
		else
			tui_draw_empty(y, "no canonical checks yet");
		return s->nr_canon;
	}
	if (tui_sort_rows(t, s->nr_canon, canon_sorts[t->sort[VIEW_CANON]].cmp) ||
	    tui_grow_cells(t, p.count ? p.count : 1))
		return s->nr_canon;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_canon_row *c = &s->canon[t->order[p.first + r]];

		tui_fmt_vm(t, tui_cell(t, r, 0), CELL_LEN, c->pid);
		format_vcpu(c->vcpu_src, c->vcpu, tui_cell(t, r, 1), CELL_LEN);
		format_msr_and_index(c->msr, tui_cell(t, r, 2), CELL_LEN);
		format_rate_short(c->count.rate, tui_cell(t, r, 3), CELL_LEN);
		format_u64(c->count.total, tui_cell(t, r, 4), CELL_LEN);
		format_u64(c->rejected.total, tui_cell(t, r, 5), CELL_LEN);
		format_u64(c->fixups.total, tui_cell(t, r, 6), CELL_LEN);
	}
	tui_draw_table(t, y, canon_cols, 7, &p, 2);
	return s->nr_canon;
}

#define SORTS(a) a, sizeof(a) / sizeof(a[0])

/* The views, in tab order (1-5). */
const struct tui_view tui_views[VIEW_NR] = {
	[VIEW_EXITS] = {"exits", 'e', SORTS(exit_sorts), draw_exits},
	[VIEW_MSRS] = {"MSRs", 'm', SORTS(msr_sorts), draw_msrs},
	[VIEW_VMS] = {"VMs", 'v', SORTS(vm_sorts), draw_vms},
	[VIEW_OUTCOMES] = {"outcomes", 'o', tui_outcome_sorts, NR_OUTCOME_SORTS, tui_draw_outcomes},
	[VIEW_CANON] = {"canonical", 'k', SORTS(canon_sorts), draw_canon},
};
