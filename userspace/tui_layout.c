// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal view's screen: the title line, the header (sources, notes,
 * totals, overflow, filters), the view tabs, the current view's table, the
 * status line (also the filter prompt) and the help page.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "exit_reasons.h"
#include "format.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "snapshot.h"
#include "tui.h"
#include "tui_state.h"

/* ---- sources and notes ------------------------------------------------------------ */

const struct msrtop_source *tui_src(struct tui_state *t, enum msrtop_source_id id)
{
	return &t->shown->sources[id];
}

static const char *src_name(struct tui_state *t, enum msrtop_source_id id)
{
	const char *n = t->shown ? t->shown->sources[id].name : NULL;

	return n ? n : msrtop_source_name(id);
}

static bool src_attached(struct tui_state *t, enum msrtop_source_id id)
{
	return tui_src(t, id)->state == MSRTOP_SRC_ATTACHED;
}

/*
 * Source id is attached, but only other KVM events arrive (kvm_msr,
 * kvm_userspace_exit): for kvm_exit, guests here do not exit through it.
 */
bool tui_source_silent(struct tui_state *t, enum msrtop_source_id id)
{
	return src_attached(t, id) && !tui_src(t, id)->events.total &&
	       ((id != MSRTOP_SRC_KVM_MSR && tui_src(t, MSRTOP_SRC_KVM_MSR)->events.total) ||
		(id != MSRTOP_SRC_KVM_USERSPACE_EXIT &&
		 tui_src(t, MSRTOP_SRC_KVM_USERSPACE_EXIT)->events.total));
}

static bool patched_all_missing(struct tui_state *t)
{
	return tui_src(t, MSRTOP_SRC_KVM_MSR_INTERCEPT)->state == MSRTOP_SRC_MISSING &&
	       tui_src(t, MSRTOP_SRC_KVM_MSR_OUTCOME)->state == MSRTOP_SRC_MISSING &&
	       tui_src(t, MSRTOP_SRC_KVM_MSR_CANONICAL)->state == MSRTOP_SRC_MISSING;
}

static int draw_sources(struct tui_state *t, int y, int max_y)
{
	struct flow f;
	char buf[128], rate[32];
	int i;

	tui_flow_start(&f, y, max_y, "sources: ");
	for (i = 0; i < MSRTOP_SRC_NR; i++) {
		const struct msrtop_source *s = tui_src(t, i);

		if (i == MSRTOP_SRC_MSR_SAMPLE && s->state == MSRTOP_SRC_OFF)
			continue; /* no --sample-msr: nothing to say */
		if (s->patched && s->state == MSRTOP_SRC_MISSING && i != MSRTOP_SRC_MSR_SAMPLE &&
		    patched_all_missing(t)) {
			if (i == MSRTOP_SRC_KVM_MSR_INTERCEPT)
				tui_flow_item(&f, "patched kvm_msr_*: not in this kernel", A_DIM);
			continue;
		}
		switch (s->state) {
		case MSRTOP_SRC_ATTACHED:
			if (i == MSRTOP_SRC_KVM_DEBUGFS) {
				snprintf(buf, sizeof(buf), "%s %zu stats%s", src_name(t, i),
					 snapshot_nr(t->raw, MSRTOP_KIND_KVM_STATS),
					 s->error ? " (some unreadable)" : "");
				tui_flow_item(&f, buf, s->error ? A_BOLD : A_NORMAL);
				break;
			}
			format_rate_short(s->events.rate, rate, sizeof(rate));
			snprintf(buf, sizeof(buf), "%s %" PRIu64 " (%s/s)", src_name(t, i),
				 s->events.total, rate);
			tui_flow_item(&f, buf, A_NORMAL);
			break;
		case MSRTOP_SRC_MISSING:
			snprintf(buf, sizeof(buf), "%s: not in this kernel", src_name(t, i));
			tui_flow_item(&f, buf, A_DIM);
			break;
		case MSRTOP_SRC_OFF:
			snprintf(buf, sizeof(buf), "%s: off", src_name(t, i));
			tui_flow_item(&f, buf, A_DIM);
			break;
		case MSRTOP_SRC_FAILED:
		default:
			snprintf(buf, sizeof(buf), "%s: FAILED (%s)", src_name(t, i),
				 strerror(s->error ? s->error : EINVAL));
			tui_flow_item(&f, buf, A_BOLD);
			break;
		}
	}
	return tui_flow_end(&f);
}

static int draw_notes(struct tui_state *t, int y, int max_y)
{
	char buf[400];

	if (tui_source_silent(t, MSRTOP_SRC_KVM_EXIT)) {
		snprintf(buf, sizeof(buf),
			 "note: kvm_exit is attached but silent while kvm_msr counted %" PRIu64
			 " events: on this host kind (e.g. KVM's PVM backend) guests do not leave "
			 "through hardware VM exits, so there are no exits to show.",
			 tui_src(t, MSRTOP_SRC_KVM_MSR)->events.total);
		y = tui_put_wrapped(y, max_y, buf, A_BOLD);
	} else if (tui_src(t, MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_MISSING) {
		y = tui_put_wrapped(
			y, max_y,
			"note: this kernel has no kvm_exit tracepoint: no exits are counted.",
			A_BOLD);
	} else if (src_attached(t, MSRTOP_SRC_KVM_EXIT) && !src_attached(t, MSRTOP_SRC_KVM_ENTRY)) {
		y = tui_put_wrapped(
			y, max_y,
			"note: kvm_entry is not attached: exit latencies are not measured.",
			A_NORMAL);
	}
	return y;
}

static void flow_counter(struct flow *f, const char *what, const struct msrtop_counter *c)
{
	char buf[96], rate[32];

	format_rate_short(c->rate, rate, sizeof(rate));
	snprintf(buf, sizeof(buf), "%s %" PRIu64 " (%s/s)", what, c->total, rate);
	tui_flow_item(f, buf, A_NORMAL);
}

/* One line of per-map lost events (overflow or errors), only when any. */
static int draw_lost(struct flow *f, int y, int max_y, const struct msrtop_counter *lost,
		     const char *title)
{
	char buf[96];
	int i;

	for (i = 0; i < MSRTOP_MAP_NR; i++)
		if (lost[i].total)
			break;
	if (i == MSRTOP_MAP_NR || y >= max_y)
		return y;
	tui_flow_start(f, y, max_y, title);
	for (i = 0; i < MSRTOP_MAP_NR; i++) {
		if (!lost[i].total)
			continue;
		snprintf(buf, sizeof(buf), "%s %" PRIu64 " (+%" PRIu64 ")", msrtop_map_name(i),
			 lost[i].total, lost[i].delta);
		tui_flow_item(f, buf, A_BOLD);
	}
	return tui_flow_end(f);
}

static int draw_totals(struct tui_state *t, int y, int max_y)
{
	const struct msrtop_totals *tot = &t->shown->totals;
	struct flow f;
	char buf[96];

	tui_flow_start(&f, y, max_y, t->shown->filtered ? "totals (filtered): " : "totals:  ");
	flow_counter(&f, "exits", &tot->exits);
	if (tot->nested_exits.total)
		flow_counter(&f, "nested", &tot->nested_exits);
	flow_counter(&f, "MSR reads", &tot->msr_reads);
	flow_counter(&f, "writes", &tot->msr_writes);
	snprintf(buf, sizeof(buf), "#GP %" PRIu64, tot->msr_gp.total);
	tui_flow_item(&f, buf, A_NORMAL);
	snprintf(buf, sizeof(buf), "value changes %" PRIu64, tot->msr_changes.total);
	tui_flow_item(&f, buf, A_NORMAL);
	flow_counter(&f, "userspace exits", &tot->uexits);
	if (!patched_all_missing(t)) {
		snprintf(buf, sizeof(buf), "outcomes %" PRIu64, tot->outcomes.total);
		tui_flow_item(&f, buf, A_NORMAL);
		snprintf(buf, sizeof(buf), "canonical %" PRIu64, tot->canonical.total);
		tui_flow_item(&f, buf, A_NORMAL);
	}
	y = tui_flow_end(&f);
	if (t->watching) {
		const struct msrtop_msr_change_ev *e = &t->last_change;
		char what[160];

		tui_flow_start(&f, y, max_y, "watched: ");
		snprintf(buf, sizeof(buf), "%" PRIu64 " MSR changes", t->changes_seen);
		tui_flow_item(&f, buf, A_NORMAL);
		if (t->changes_seen) {
			snprintf(what, sizeof(what), "last: %s",
				 format_msr_change(e->pid, e->vcpu, e->msr, e->old_value,
						   e->new_value, buf, sizeof(buf)));
			tui_flow_item(&f, what, A_BOLD);
		}
		y = tui_flow_end(&f);
	}

	y = draw_lost(&f, y, max_y, t->shown->overflow,
		      "OVERFLOW (map full, events not counted): ");
	y = draw_lost(&f, y, max_y, t->shown->errors,
		      "ERRORS (events not counted, map not full): ");
	return y;
}

static void fmt_pids(char *buf, size_t len, const char *what, const uint32_t *pids, size_t nr)
{
	size_t i;
	int n = snprintf(buf, len, "%s", what);

	for (i = 0; i < nr && n < (int)len - 12; i++)
		n += snprintf(buf + n, len - n, "%s%u", i ? "," : " ", pids[i]);
}

static void fmt_reason_filter(struct tui_state *t, char *buf, size_t len,
			      const struct msrtop_filter *flt)
{
	char vmx[64] = "", svm[64] = "";

	if (flt->reason_vmx_ok)
		exit_reason_format(MSRTOP_ISA_VMX, flt->reason_vmx, vmx, sizeof(vmx));
	if (flt->reason_svm_ok)
		exit_reason_format(MSRTOP_ISA_SVM, flt->reason_svm, svm, sizeof(svm));
	snprintf(buf, len, "reason %s%s%s%s%s%s%s", vmx[0] ? format_isa_name(MSRTOP_ISA_VMX) : "",
		 vmx[0] ? " " : "", vmx, vmx[0] && svm[0] ? " / " : "",
		 svm[0] ? format_isa_name(MSRTOP_ISA_SVM) : "", svm[0] ? " " : "", svm);
}

static int draw_filters(struct tui_state *t, int y, int max_y)
{
	const struct msrtop_filter *flt = &t->filter;
	struct flow f;
	char buf[160], m[64];

	if (!t->nr_kernel_pids && snapshot_filter_is_empty(flt))
		return y;
	tui_flow_start(&f, y, max_y, "filter:  ");
	if (t->nr_kernel_pids) {
		fmt_pids(buf, sizeof(buf), "the kernel counts only pid", t->kernel_pids,
			 t->nr_kernel_pids);
		tui_flow_item(&f, buf, A_NORMAL);
	}
	if (flt->nr_pids) {
		fmt_pids(buf, sizeof(buf), "pid", flt->pids, flt->nr_pids);
		tui_flow_item(&f, buf, A_BOLD);
	}
	if (flt->nr_guests) {
		int n = snprintf(buf, sizeof(buf), "guest");

		for (size_t i = 0; i < flt->nr_guests && n < (int)sizeof(buf); i++)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : " ",
				      flt->guests[i]);
		tui_flow_item(&f, buf, A_BOLD);
	}
	if (flt->has_vcpu) {
		snprintf(buf, sizeof(buf), "vcpu %u", flt->vcpu);
		tui_flow_item(&f, buf, A_BOLD);
	}
	if (flt->has_msr) {
		format_msr_and_index(flt->msr, m, sizeof(m));
		snprintf(buf, sizeof(buf), "msr %s", m);
		tui_flow_item(&f, buf, A_BOLD);
	}
	if (flt->has_reason) {
		fmt_reason_filter(t, buf, sizeof(buf), flt);
		tui_flow_item(&f, buf, A_BOLD);
	}
	if (!snapshot_filter_is_empty(flt))
		tui_flow_item(&f, "(F clears)", A_DIM);
	return tui_flow_end(&f);
}

/* ---- the whole screen ------------------------------------------------------------- */

static void draw_title(struct tui_state *t)
{
	char buf[256], clock[16] = "", up[32] = "", iv[16];
	int x;

	if (t->interval_ms % 1000)
		snprintf(iv, sizeof(iv), "%.1fs", t->interval_ms / 1000.0);
	else
		snprintf(iv, sizeof(iv), "%us", t->interval_ms / 1000);
	if (t->shown) {
		time_t when = (time_t)(t->shown->time_ns / 1000000000ull);
		uint64_t secs = (t->shown->mono_ns - t->shown->start_mono_ns) / 1000000000ull;
		struct tm tm;

		if (localtime_r(&when, &tm))
			strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		snprintf(up, sizeof(up), "up %" PRIu64 ":%02" PRIu64 ":%02" PRIu64, secs / 3600,
			 secs / 60 % 60, secs % 60);
	}
	if (t->replay)
		snprintf(buf, sizeof(buf), "msrtop - replay of %s - snapshot %zu of %zu - %s - %s",
			 t->replay, t->replay_pos + 1, t->replay_nr, up, clock);
	else
		snprintf(buf, sizeof(buf), "msrtop - %s - Linux %s - every %s - %s - %s",
			 t->uts.nodename, t->uts.release, iv, up, clock);
	x = tui_put(0, 0, buf, A_BOLD);
	if (t->paused)
		tui_put(0, x + 2, "PAUSED (space resumes)", A_REVERSE);
}

/* The view tabs from line *y, on as many lines as they need (*y: the last), then the sort
 * key; returns the column after it. */
static int draw_tabs(struct tui_state *t, int *y)
{
	char buf[96];
	int x = 0;

	for (unsigned int v = 0; v < t->nr_views; v++) {
		snprintf(buf, sizeof(buf), " %u:%s ", v + 1, t->views[v]->name);
		if (x && x + (int)strlen(buf) > COLS) {
			(*y)++;
			x = 0;
		}
		x = tui_put(*y, x, buf, v == t->view ? A_REVERSE | A_BOLD : A_NORMAL);
	}
	snprintf(buf, sizeof(buf), "   sort: %s%s",
		 tui_view_sort_name(tui_view(t), t->sort[t->view]),
		 t->reverse[t->view] ? " (reversed)" : "");
	if (x + (int)strlen(buf) > COLS) {
		(*y)++;
		x = 0;
	}
	x = tui_put(*y, x, buf, A_NORMAL);
	return x;
}

static void draw_status(struct tui_state *t)
{
	int y = LINES - 1;

	move(y, 0);
	clrtoeol();
	if (t->prompt != PROMPT_NONE) {
		static const char *const what[] = {
			[PROMPT_PID] = "filter by VM pid (pids separated by commas; empty: any): ",
			[PROMPT_GUEST] = "filter by guest name or VMM comm (separated by commas; "
					 "empty: any): ",
			[PROMPT_VCPU] = "filter by vCPU id (empty: any): ",
			[PROMPT_MSR] = "filter by MSR (name or number; empty: any): ",
			[PROMPT_REASON] = "filter by exit reason (name or number; empty: any): ",
		};
		int x = tui_put(y, 0, what[t->prompt], A_BOLD);

		x = tui_put(y, x, t->input, A_NORMAL);
		tui_put(y, x, "_", A_BLINK);
		return;
	}
	if (t->message[0]) {
		tui_put(y, 0, t->message, t->message_is_error ? A_BOLD | A_REVERSE : A_BOLD);
		return;
	}
	{
		char keys[MAX_VIEWS * 2 + 1];
		char buf[200];

		for (unsigned int v = 0; v < t->nr_views; v++) {
			keys[2 * v] = v ? ' ' : '/';
			keys[2 * v + 1] = t->views[v]->key;
		}
		keys[2 * t->nr_views] = '\0';
		snprintf(buf, sizeof(buf),
			 t->replay ? "q quit  1-%u%s views  s/S sort  p g c M r filter  F clear  "
				     "space pause  , . step  < > first/last  h help"
				   : "q quit  1-%u%s views  s/S sort  p g c M r filter  F clear  "
				     "+/- interval  space pause  h help",
			 t->nr_views, keys);
		tui_put(y, 0, buf, A_DIM);
	}
}

static void draw_help(struct tui_state *t)
{
	static const char *const lines[] = {
		"msrtop: what KVM guests make their hypervisor do, live.",
		"",
		NULL, /* the views (from the view list) */
		"  s S   next sort key / reverse the order",
		"  p     filter by VM pid          g   filter by guest name or VMM comm",
		"  c     filter by vCPU id",
		"  M     filter by MSR             r   filter by exit reason (VMX or SVM name)",
		"  F     clear the view's filters  (an empty answer clears one filter)",
		"  + -   longer / shorter refresh interval",
		"  space pause / resume            arrows, PgUp/PgDn, Home/End: scroll",
		"  , .   replay: previous / next snapshot (also left/right); < > first / last",
		"  ^L    redraw                    q   quit",
		"",
		"RATE/s: per second over the last interval; TOTAL: since msrtop attached.",
		"P50/P99: percentiles since attach, as the upper bound of their log2 bucket;",
		"MIN/MAX: the shortest/longest, exact; MEAN: their sum over their count",
		"(exits: exit to the next entry on the same thread; outcomes: handling time).",
		"VCPU: the kernel's vcpu_id (N~: learned for the thread from another event);",
		"tNNN: the vCPU thread's id when no vcpu_id is known.",
		"Only MSRs that KVM intercepts can be seen; (L2): a nested guest's exit.",
		"",
		"Press any key to go back.",
	};
	char buf[160];
	int y = 2;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && y < LINES; i++) {
		if (lines[i]) {
			tui_put(y++, 2, lines[i], i == 0 ? A_BOLD : A_NORMAL);
			continue;
		}
		for (unsigned int v = 0; v < t->nr_views && y < LINES; v++) {
			snprintf(buf, sizeof(buf), "  %u %c   %s: %s", v + 1, t->views[v]->key,
				 t->views[v]->name, t->views[v]->help);
			tui_put(y++, 2, buf, A_NORMAL);
		}
	}
}

void tui_draw(struct tui_state *t)
{
	int x, y, tabs_y, max_y;
	size_t total;
	char buf[64];

	if (!t->active)
		return;
	erase();
	if (LINES < 8 || COLS < 40) {
		tui_put(0, 0, "terminal too small", A_BOLD);
		refresh();
		return;
	}
	draw_title(t);
	if (t->help) {
		draw_help(t);
		draw_status(t);
		refresh();
		return;
	}
	if (!t->shown) {
		tui_put(2, 0, "waiting for the first snapshot...", A_NORMAL);
		draw_status(t);
		refresh();
		return;
	}
	/* The header may take up to half the screen; the table the rest. */
	max_y = LINES / 2;
	y = draw_sources(t, 1, max_y);
	y = draw_notes(t, y, max_y);
	y = draw_totals(t, y, max_y);
	y = draw_filters(t, y, max_y);
	y++;
	tabs_y = y;
	x = draw_tabs(t, &y);
	total = tui_view_draw(t, y + 1, LINES - 1 - (y + 1));
	if (total > (size_t)t->table_rows) {
		size_t last = t->scroll[t->view] + t->table_rows;
		int n;

		n = snprintf(buf, sizeof(buf), "   rows %zu-%zu of %zu", t->scroll[t->view] + 1,
			     last < total ? last : total, total);
		/* After the sort key, or where it does not fit there, at the right end of the
		 * empty line above the tabs. */
		if (x + n <= COLS)
			tui_put(y, x, buf, A_BOLD);
		else
			tui_put(tabs_y - 1, COLS > n - 3 ? COLS - (n - 3) : 0, buf + 3, A_BOLD);
	}
	draw_status(t);
	refresh();
}
