// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal view's outcomes table: the rows of kvm_msr_outcome summed per
 * (VM, MSR, direction), with a column per outcome and the #GP reasons.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "exit_reasons.h"
#include "format.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "snapshot.h"
#include "tui.h"
#include "tui_state.h"

/* outcomes: the rows of kvm_msr_outcome summed per (VM, MSR, direction) */

/* The column a row counts in: OC_*, or -1 (none: a successful completion, out of range). */
static int oc_kind(const struct msrtop_outcome_row *o)
{
	switch (o->outcome) {
	case MSRTOP_OUTCOME_HANDLED:
		return OC_HANDLED;
	case MSRTOP_OUTCOME_FASTPATH:
		return OC_FAST;
	case MSRTOP_OUTCOME_GP:
		return OC_GP;
	case MSRTOP_OUTCOME_USERSPACE:
		return OC_USER;
	case MSRTOP_OUTCOME_USERSPACE_DONE:
		return o->reason == MSRTOP_USERSPACE_DONE_ERROR ? OC_USER_ERR : -1;
	}
	return -1;
}

static int cmp_outcome_key(const void *pa, const void *pb)
{
	const struct msrtop_outcome_row *a = *(const struct msrtop_outcome_row *const *)pa;
	const struct msrtop_outcome_row *b = *(const struct msrtop_outcome_row *const *)pb;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->msr != b->msr)
		return a->msr < b->msr ? -1 : 1;
	return CMP_ASC(a->write, b->write);
}

static int sum_outcomes(struct tui_state *t)
{
	const struct msrtop_outcome_row *all = snapshot_rows(t->shown, MSRTOP_KIND_OUTCOMES);
	size_t nr = snapshot_nr(t->shown, MSRTOP_KIND_OUTCOMES);
	const struct msrtop_outcome_row **rows;
	struct outcome_sum *o = NULL;
	size_t i;
	int k;

	t->nr_osums = 0;
	if (!nr)
		return 0;
	rows = malloc(nr * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		rows[i] = &all[i];
	qsort(rows, nr, sizeof(*rows), cmp_outcome_key);
	for (i = 0; i < nr; i++) {
		const struct msrtop_outcome_row *r = rows[i];

		if (!o || o->pid != r->pid || o->msr != r->msr || o->write != r->write) {
			if (t->nr_osums == t->cap_osums) {
				size_t cap = t->cap_osums ? t->cap_osums * 2 : 64;
				struct outcome_sum *n = realloc(t->osums, cap * sizeof(*n));

				if (!n) {
					free(rows);
					return -ENOMEM;
				}
				t->osums = n;
				t->cap_osums = cap;
			}
			o = &t->osums[t->nr_osums++];
			memset(o, 0, sizeof(*o));
			o->pid = r->pid;
			o->msr = r->msr;
			o->write = r->write;
		}
		k = oc_kind(r);
		if (k >= 0)
			o->n[k] += r->count.total;
		if (k == OC_GP)
			o->gp[r->reason < GP_REASONS ? r->reason : 0] += r->count.total;
		/* USERSPACE_DONE completes an access already counted by its USERSPACE event. */
		if (r->outcome != MSRTOP_OUTCOME_USERSPACE_DONE) {
			o->all.total += r->count.total;
			o->all.rate += r->count.rate;
		}
		snapshot_hist_add(&o->duration, &r->duration);
	}
	free(rows);
	return 0;
}

static int oc_total(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->osums[a].all.total, t->osums[b].all.total);
}

static int oc_rate(const struct tui_state *t, size_t a, size_t b)
{
	int r = CMP_DESC(t->osums[a].all.rate, t->osums[b].all.rate);

	return r ? r : oc_total(t, a, b);
}

static int oc_gp(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(t->osums[a].n[OC_GP], t->osums[b].n[OC_GP]);
}

static int oc_p99(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_DESC(tui_hist_slot(t->osums[a].duration.slots, 99),
			tui_hist_slot(t->osums[b].duration.slots, 99));
}

static int oc_msr(const struct tui_state *t, size_t a, size_t b)
{
	int r = CMP_ASC(t->osums[a].msr, t->osums[b].msr);

	return r ? r : CMP_ASC(a, b);
}

static int oc_vm(const struct tui_state *t, size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

const struct view_sort tui_outcome_sorts[NR_OUTCOME_SORTS] = {
	{"rate", oc_rate}, {"total", oc_total}, {"#GP", oc_gp},
	{"p99", oc_p99},   {"msr", oc_msr},	{"vm", oc_vm},
};

/* Narrow: as wide as the titles and the numbers need; all but the #GP reasons fit 120
 * columns. */
static const struct col outcome_cols[] = {
	{"VM", 6, 22, true},	 {"MSR", 14, 46, true},	 {"R/W", 3, 3, true},
	{"RATE/s", 0, 0, false}, {"TOTAL", 0, 0, false}, {"HANDLED", 0, 0, false},
	{"FAST", 0, 0, false},	 {"USER", 0, 0, false},	 {"#GP", 0, 0, false},
	{"MIN", 5, 0, false},	 {"P50", 6, 0, false},	 {"MEAN", 5, 0, false},
	{"P99", 6, 0, false},	 {"MAX", 5, 0, false},	 {"#GP REASONS", 11, 60, true},
};

#define NR_OUTCOME_COLS 15

/* "invalid_value 70, unknown_msr 5": the non-zero #GP reasons of o. */
static void fmt_gp_reasons(char *buf, size_t len, const struct outcome_sum *o)
{
	int i, n = 0;

	buf[0] = '\0';
	for (i = 1; i <= GP_REASONS && n < (int)len; i++) {
		int reason = i % GP_REASONS; /* 1..4, then the others */
		const char *name = msr_outcome_reason_name(MSRTOP_OUTCOME_GP, reason);

		if (o->gp[reason])
			n += snprintf(buf + n, len - n, "%s%s %" PRIu64, n ? ", " : "",
				      reason && name ? name : "other", o->gp[reason]);
	}
	if (!n)
		snprintf(buf, len, "-");
}

size_t tui_draw_outcomes(struct tui_state *t, int y, int h)
{
	struct page p;
	size_t r;

	if (sum_outcomes(t)) {
		tui_draw_empty(y, "out of memory");
		return t->nr_osums;
	}
	p = tui_page_of(t, t->nr_osums, h);
	if (!t->nr_osums) {
		tui_draw_table(t, y, outcome_cols, NR_OUTCOME_COLS, &p, 1); /* a wide one */
		if (tui_src(t, MSRTOP_SRC_KVM_MSR_OUTCOME)->state == MSRTOP_SRC_MISSING)
			tui_draw_empty(y, "kvm_msr_outcome is not in this kernel: this view needs "
					  "msrtop's kernel patches (kernel-patches/)");
		else if (snapshot_nr(t->raw, MSRTOP_KIND_OUTCOMES))
			tui_draw_empty(y, "no MSR outcomes match the filter");
		else
			tui_draw_empty(y, "no MSR outcomes yet");
		return t->nr_osums;
	}
	if (tui_sort_rows(t, t->nr_osums, tui_outcome_sorts[t->sort[t->view]].cmp) ||
	    tui_grow_cells(t, p.count ? p.count : 1))
		return t->nr_osums;
	for (r = 0; r < p.count; r++) {
		const struct outcome_sum *o = &t->osums[t->order[p.first + r]];

		tui_fmt_vm(t, tui_cell(t, r, 0), CELL_LEN, o->pid);
		format_msr_and_index(o->msr, tui_cell(t, r, 1), CELL_LEN);
		SET(2, "%s", o->write ? "W" : "R");
		format_rate_short(o->all.rate, tui_cell(t, r, 3), CELL_LEN);
		format_u64(o->all.total, tui_cell(t, r, 4), CELL_LEN);
		format_u64(o->n[OC_HANDLED], tui_cell(t, r, 5), CELL_LEN);
		format_u64(o->n[OC_FAST], tui_cell(t, r, 6), CELL_LEN);
		if (o->n[OC_USER_ERR])
			SET(7, "%" PRIu64 " (%" PRIu64 " err)", o->n[OC_USER], o->n[OC_USER_ERR]);
		else
			format_u64(o->n[OC_USER], tui_cell(t, r, 7), CELL_LEN);
		format_u64(o->n[OC_GP], tui_cell(t, r, 8), CELL_LEN);
		tui_fmt_hist_ns(tui_cell(t, r, 9), CELL_LEN, &o->duration, MSRTOP_V_MIN);
		tui_fmt_percentile(tui_cell(t, r, 10), CELL_LEN, o->duration.slots, 50);
		tui_fmt_hist_ns(tui_cell(t, r, 11), CELL_LEN, &o->duration, MSRTOP_V_MEAN);
		tui_fmt_percentile(tui_cell(t, r, 12), CELL_LEN, o->duration.slots, 99);
		tui_fmt_hist_ns(tui_cell(t, r, 13), CELL_LEN, &o->duration, MSRTOP_V_MAX);
		fmt_gp_reasons(tui_cell(t, r, 14), CELL_LEN, o);
	}
	tui_draw_table(t, y, outcome_cols, NR_OUTCOME_COLS, &p, 1); /* a wide one */
	return t->nr_osums;
}
