// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal view's views: the table of each kind of event that has a view
 * in its descriptor (kinds.h: columns, sort keys, why it is empty), drawn
 * from that descriptor alone, and the views that are not one kind's rows:
 * VMs (here) and outcomes (tui_outcomes.c). tui_views_init() puts them in
 * tab order.
 */
#include <inttypes.h>
#include <stdio.h>

#include <curses.h>

#include "exit_reasons.h"
#include "format.h"
#include "msr_passthrough.h"
#include "kinds.h"
#include "kvm_debugfs.h"
#include "kvm_names.h"
#include "snapshot.h"
#include "tui.h"
#include "tui_state.h"

/* ---- the table of a kind ------------------------------------------------------------ */

static const struct msrtop_kind *cur_kind(const struct tui_state *t)
{
	return tui_view(t)->kind;
}

static const void *row_of(const struct tui_state *t, size_t i)
{
	return kind_row(t->shown, cur_kind(t), i);
}

/* For tui_sort_rows(): the current view's current sort key of its kind. */
static int cmp_kind_rows(const struct tui_state *t, size_t a, size_t b)
{
	const struct msrtop_view_sort *k = &cur_kind(t)->view.sorts[t->sort[t->view]];
	const void *x = row_of(t, a), *y = row_of(t, b);
	int r = 0;

	switch (k->type) {
	case MSRTOP_S_RATE: /* then by total */
	case MSRTOP_S_TOTAL:
		if (k->type == MSRTOP_S_RATE)
			r = CMP_DESC(kind_counter(x, k->off)->rate, kind_counter(y, k->off)->rate);
		return r ? r
			 : CMP_DESC(kind_counter(x, k->off)->total, kind_counter(y, k->off)->total);
	case MSRTOP_S_P99:
		return CMP_DESC(tui_hist_slot(kind_hist(x, k->off)->slots, 99),
				tui_hist_slot(kind_hist(y, k->off)->slots, 99));
	case MSRTOP_S_FIELD:
		r = CMP_ASC(kind_uint(x, k->off, k->size), kind_uint(y, k->off, k->size));
		if (!r && k->size2)
			r = CMP_ASC(kind_uint(x, k->off2, k->size2),
				    kind_uint(y, k->off2, k->size2));
		return r;
	case MSRTOP_S_KEY:
		break;
	}
	return CMP_ASC(a, b); /* the table's key order */
}

/* Cell c of the table of kind k, for row. */
static void kind_cell(struct tui_state *t, char *cell, const struct msrtop_view_col *c,
		      const void *row)
{
	char reason[CELL_LEN - 8], isa[16];

	switch (c->type) {
	case MSRTOP_V_VM:
		tui_fmt_vm(t, cell, CELL_LEN, kind_u32(row, 0));
		break;
	case MSRTOP_V_VCPU:
		format_vcpu(kind_u8(row, c->aux), kind_u32(row, c->off), cell, CELL_LEN);
		break;
	case MSRTOP_V_ISA:
		snprintf(cell, CELL_LEN, "%s", format_isa(kind_u8(row, c->off), isa, sizeof(isa)));
		break;
	case MSRTOP_V_EXIT_REASON:
		exit_reason_format(kind_u8(row, c->aux), kind_uint(row, c->off, c->size), reason,
				   sizeof(reason));
		snprintf(cell, CELL_LEN, "%s%s", reason,
			 c->flag && kind_bool(row, c->flag) ? " (L2)" : "");
		break;
	case MSRTOP_V_MSR:
		format_msr_and_index(kind_u32(row, c->off), cell, CELL_LEN);
		break;
	case MSRTOP_V_RW:
		snprintf(cell, CELL_LEN, "%s", kind_bool(row, c->off) ? "W" : "R");
		break;
	case MSRTOP_V_RATE:
		format_rate_short(kind_counter(row, c->off)->rate, cell, CELL_LEN);
		break;
	case MSRTOP_V_TOTAL_IF:
	case MSRTOP_V_TOTAL:
		if (c->type == MSRTOP_V_TOTAL_IF && !kind_bool(row, c->aux))
			snprintf(cell, CELL_LEN, "-");
		else
			format_u64(kind_counter(row, c->off)->total, cell, CELL_LEN);
		break;
	case MSRTOP_V_P50:
	case MSRTOP_V_P99:
		tui_fmt_percentile(cell, CELL_LEN, kind_hist(row, c->off)->slots,
				   c->type == MSRTOP_V_P50 ? 50 : 99);
		break;
	case MSRTOP_V_MIN:
	case MSRTOP_V_MEAN:
	case MSRTOP_V_MAX:
		tui_fmt_hist_ns(cell, CELL_LEN, kind_hist(row, c->off), c->type);
		break;
	case MSRTOP_V_HEX:
	case MSRTOP_V_HEX_IF:
		if (c->type == MSRTOP_V_HEX || kind_bool(row, c->aux))
			snprintf(cell, CELL_LEN, "0x%016" PRIx64,
				 *(const uint64_t *)kind_at(row, c->off));
		else
			snprintf(cell, CELL_LEN, "-");
		break;
	case MSRTOP_V_KVM_STAT:
		format_kvm_stat(kind_u32(row, c->off), kind_at(row, c->off + 4), cell, CELL_LEN);
		break;
	case MSRTOP_V_U64:
		format_u64(*(const uint64_t *)kind_at(row, c->off), cell, CELL_LEN);
		break;
	case MSRTOP_V_RATE_IF:
		if (kind_bool(row, c->aux))
			format_rate_short(kind_counter(row, c->off)->rate, cell, CELL_LEN);
		else
			snprintf(cell, CELL_LEN, "-");
		break;
	case MSRTOP_V_CODE:
		kvm_code_format(c->aux, kind_uint(row, c->off, c->size), cell, CELL_LEN);
		break;
	}
}

/* Why the table of kind k is empty. */
static void draw_kind_empty(struct tui_state *t, int y, const struct msrtop_kind *k)
{
	const struct msrtop_view *v = &k->view;
	enum msrtop_source_id id = msrtop_table_source(t->shown->sources, k->source);
	const struct msrtop_source *src = tui_src(t, id);
	const char *name = msrtop_source_name(id);
	char why[256], dbg[200];
	const char *debugfs = id == MSRTOP_SRC_KVM_DEBUGFS && !kind_nr(t->raw, k)
				      ? kvm_debugfs_why(src, dbg, sizeof(dbg))
				      : NULL;

	if (debugfs)
		snprintf(why, sizeof(why), "no %s: %s", v->what, debugfs);
	else if (k->source == MSRTOP_SRC_MSR_SAMPLE && src->state == MSRTOP_SRC_OFF)
		snprintf(why, sizeof(why), "no %s: give --sample-msr or --watch-msr", v->what);
	else if (k->source == MSRTOP_SRC_MSR_SAMPLE && src->state == MSRTOP_SRC_MISSING)
		snprintf(why, sizeof(why),
			 "no %s: this kernel has no bpf_kvm_vcpu_get_msr (msrtop's kernel patch "
			 "0006)",
			 v->what);
	else if (src->state == MSRTOP_SRC_MISSING && src->patched)
		snprintf(why, sizeof(why),
			 "%s is not in this kernel: this view needs msrtop's kernel patches "
			 "(kernel-patches/)",
			 name);
	else if (src->state == MSRTOP_SRC_MISSING)
		snprintf(why, sizeof(why), "no %s: this kernel has no %s tracepoint", v->what,
			 name);
	else if (src->state == MSRTOP_SRC_FAILED)
		snprintf(why, sizeof(why), "no %s: attaching to %s failed (see sources)", v->what,
			 name);
	else if (src->state == MSRTOP_SRC_OFF)
		snprintf(why, sizeof(why), "no %s: %s is off (start msrtop with --sources all)",
			 v->what, name);
	else if (kind_nr(t->raw, k))
		snprintf(why, sizeof(why), "no %s match the filter", v->what);
	else if (v->silent && tui_source_silent(t, id))
		snprintf(why, sizeof(why), "%s", v->silent);
	else
		snprintf(why, sizeof(why), "no %s yet%s", v->what, v->yet);
	tui_draw_empty(y, why);
	if (k->passthrough_note && src->state == MSRTOP_SRC_ATTACHED && !kind_nr(t->raw, k)) {
		char note[512];

		tui_draw_note(y + 2, msr_passthrough_note(t->raw->cpu_vendor, note, sizeof(note)));
	}
}

static size_t draw_kind(struct tui_state *t, int y, int h)
{
	const struct msrtop_kind *k = cur_kind(t);
	const struct msrtop_view *v = &k->view;
	struct col cols[MSRTOP_KIND_MAX_VIEW_COLS];
	size_t n = kind_nr(t->shown, k), r;
	struct page p = tui_page_of(t, n, h);
	unsigned int c;

	for (c = 0; c < v->nr_cols; c++)
		cols[c] = (struct col){v->cols[c].title, v->cols[c].min, v->cols[c].max,
				       v->cols[c].left};
	if (!n) {
		tui_draw_table(t, y, cols, (int)v->nr_cols, &p, 2);
		draw_kind_empty(t, y, k);
		return n;
	}
	if (tui_sort_rows(t, n, cmp_kind_rows) || tui_grow_cells(t, p.count ? p.count : 1))
		return n;
	for (r = 0; r < p.count; r++)
		for (c = 0; c < v->nr_cols; c++)
			kind_cell(t, tui_cell(t, r, (int)c), &v->cols[c],
				  row_of(t, t->order[p.first + r]));
	tui_draw_table(t, y, cols, (int)v->nr_cols, &p, 2);
	return n;
}

/* ---- VMs ---------------------------------------------------------------------------- */

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
	if (tui_sort_rows(t, s->nr_vms, vm_sorts[t->sort[t->view]].cmp) ||
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

/* ---- the list of views ------------------------------------------------------------ */

#define SORTS(a) a, sizeof(a) / sizeof(a[0])

/*
 * The views that are not one kind's table, each placed after the view of
 * the kind "after" (or where that kind would have its own).
 */
static const struct {
	enum msrtop_kind_id after;
	struct tui_view view;
} own_views[] = {
	{MSRTOP_KIND_MSRS,
	 {"VMs", 'v', "per VMM process (pid, comm, guest name)", NULL, SORTS(vm_sorts), draw_vms}},
	{MSRTOP_KIND_OUTCOMES,
	 {"outcomes", 'o', "what KVM did with each MSR access (patched kernels)", NULL,
	  tui_outcome_sorts, NR_OUTCOME_SORTS, tui_draw_outcomes}},
};

void tui_views_init(struct tui_state *t)
{
	t->nr_views = 0;
	for (int k = 0; k < MSRTOP_KIND_NR; k++) {
		const struct msrtop_view *v = &msrtop_kinds[k].view;

		/* The sampler's tabs only when it was asked for. */
		if (v->tab && (t->sampling || msrtop_kinds[k].source != MSRTOP_SRC_MSR_SAMPLE)) {
			t->kind_views[k] =
				(struct tui_view){v->tab, v->key,      v->help,	 &msrtop_kinds[k],
						  NULL,	  v->nr_sorts, draw_kind};
			t->views[t->nr_views++] = &t->kind_views[k];
		}
		for (size_t i = 0; i < sizeof(own_views) / sizeof(own_views[0]); i++)
			if (own_views[i].after == (enum msrtop_kind_id)k)
				t->views[t->nr_views++] = &own_views[i].view;
	}
}

const struct tui_view *tui_view(const struct tui_state *t)
{
	return t->views[t->view];
}

unsigned int tui_view_nr_sorts(const struct tui_view *v)
{
	return v->nr_sorts;
}

const char *tui_view_sort_name(const struct tui_view *v, unsigned int sort)
{
	return v->kind ? v->kind->view.sorts[sort].name : v->sorts[sort].name;
}

size_t tui_view_draw(struct tui_state *t, int y, int h)
{
	return tui_view(t)->draw(t, y, h);
}
