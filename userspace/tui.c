// SPDX-License-Identifier: GPL-2.0
/*
 * The live terminal view: a header (host, kernel, interval, sources and their
 * event counts, totals, overflow, filters), one table per view (exits, MSRs,
 * VMs, MSR outcomes, canonical checks) and a status line that is also the
 * filter prompt. Everything drawn comes from the snapshot the loop passed to
 * tui_update(); only the rows that fit are formatted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "exit_reasons.h"
#include "format.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "snapshot.h"
#include "tui.h"

enum view {
	VIEW_EXITS,
	VIEW_MSRS,
	VIEW_VMS,
	VIEW_OUTCOMES,
	VIEW_CANON,
	VIEW_NR
};

static const char *const view_names[VIEW_NR] = { "exits", "MSRs", "VMs", "outcomes", "canonical" };
static const char view_keys[] = "emvok"; /* the letter of each view, in view order */

enum prompt {
	PROMPT_NONE,
	PROMPT_PID,
	PROMPT_VCPU,
	PROMPT_MSR,
	PROMPT_REASON,
};

#define INPUT_LEN 64
#define MESSAGE_LEN 200
#define CELL_LEN 64
#define MAX_COLS 16

static const unsigned int interval_steps_ms[] = { 100,	200,   500,   1000,  2000,
						  3000, 5000, 10000, 30000, 60000 };

static struct {
	bool active; /* curses mode entered and not left */
	SCREEN *screen;
	bool stdin_tty;
	unsigned int interval_ms;
	uint32_t kernel_pids[MSRTOP_FILTER_MAX_PIDS]; /* what the kernel counts; none: all */
	size_t nr_kernel_pids;
	struct utsname uts;

	struct msrtop_snapshot *raw; /* the loop's last snapshot */
	struct msrtop_snapshot *shown; /* raw, or raw through the view filter */
	struct msrtop_filter filter;

	enum view view;
	unsigned int sort[VIEW_NR];
	bool reverse[VIEW_NR];
	size_t scroll[VIEW_NR];
	int table_rows; /* data rows that fit at the last draw (for paging) */
	bool paused;
	bool help;

	enum prompt prompt;
	char input[INPUT_LEN];
	size_t input_len;
	char message[MESSAGE_LEN];
	bool message_is_error;

	int sig_pipe[2];
	bool own_stop; /* SIGINT/SIGTERM are ours */
	struct sigaction old_int, old_term, old_winch;
	bool have_old_winch;
} T = { .sig_pipe = { -1, -1 } };

static volatile sig_atomic_t stop_pending, winch_pending;

/* Crash signals: leave curses mode, then die of the signal as before. */
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction old_crash[sizeof(crash_signals) / sizeof(crash_signals[0])];
static volatile sig_atomic_t curses_on; /* read by the crash handler */

/* ---- signals ---------------------------------------------------------------------- */

static void wake(void)
{
	int saved = errno;
	ssize_t r = write(T.sig_pipe[1], "x", 1);

	(void)r;
	errno = saved;
}

static void on_stop(int sig)
{
	stop_pending = 1;
	wake();
}

static void on_winch(int sig)
{
	winch_pending = 1;
	wake();
}

static void on_crash(int sig)
{
	/* SA_RESETHAND put the default action back; SA_NODEFER lets raise() deliver it now. */
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
	raise(sig);
}

static void set_handler(int sig, void (*fn)(int), int flags, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, old);
}

static bool handler_is_default(int sig)
{
	struct sigaction cur;

	return sigaction(sig, NULL, &cur) == 0 && !(cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_handler == SIG_DFL;
}

static void install_signals(void)
{
	size_t i;

	/* No SA_RESTART: the signals must interrupt poll() in tui_poll(). */
	T.own_stop = handler_is_default(SIGINT) && handler_is_default(SIGTERM);
	if (T.own_stop) {
		set_handler(SIGINT, on_stop, 0, &T.old_int);
		set_handler(SIGTERM, on_stop, 0, &T.old_term);
	}
	T.have_old_winch = true;
	set_handler(SIGWINCH, on_winch, 0, &T.old_winch);
	for (i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		set_handler(crash_signals[i], on_crash, SA_RESETHAND | SA_NODEFER, &old_crash[i]);
}

static void restore_signals(void)
{
	size_t i;

	for (i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &old_crash[i], NULL);
	if (T.have_old_winch)
		sigaction(SIGWINCH, &T.old_winch, NULL);
	T.have_old_winch = false;
	if (T.own_stop) {
		sigaction(SIGINT, &T.old_int, NULL);
		sigaction(SIGTERM, &T.old_term, NULL);
	}
	T.own_stop = false;
}

/* ---- formatting ------------------------------------------------------------------- */

static void fmt_vm(char *buf, size_t len, uint32_t pid)
{
	const struct msrtop_vm *vm = snapshot_find_vm(T.shown, pid);

	if (vm && vm->comm[0])
		snprintf(buf, len, "%u %s", pid, vm->comm);
	else
		snprintf(buf, len, "%u", pid);
}

/* The slot of a log2 histogram that holds its pct-th percentile; -1 when it is empty. */
static int hist_slot(const uint64_t *slots, unsigned int pct)
{
	uint64_t n = 0, cum = 0, target;
	int i;

	for (i = 0; i < MSRTOP_HIST_SLOTS; i++)
		n += slots[i];
	if (!n)
		return -1;
	target = (n * pct + 99) / 100;
	if (!target)
		target = 1;
	for (i = 0; i < MSRTOP_HIST_SLOTS - 1; i++) {
		cum += slots[i];
		if (cum >= target)
			break;
	}
	return i;
}

/* The pct-th percentile as the upper bound of its slot ("<4.1us"); "-" when empty. */
static void fmt_percentile(char *buf, size_t len, const uint64_t *slots, unsigned int pct)
{
	int i = hist_slot(slots, pct);
	char v[32];

	if (i < 0) {
		snprintf(buf, len, "-");
	} else if (i == MSRTOP_HIST_SLOTS - 1) {
		format_ns(1ull << i, v, sizeof(v));
		snprintf(buf, len, ">=%s", v);
	} else {
		format_ns(1ull << (i + 1), v, sizeof(v));
		snprintf(buf, len, "<%s", v);
	}
}

/* ---- drawing helpers ---------------------------------------------------------------- */

/* Writes text at (y, x) clipped to the screen width; returns the new x. */
static int put(int y, int x, const char *text, attr_t attr)
{
	int room = COLS - x;
	int n = (int)strlen(text);

	if (room <= 0 || y >= LINES)
		return x;
	if (n > room)
		n = room;
	attron(attr);
	mvaddnstr(y, x, text, n);
	attroff(attr);
	return x + n;
}

/*
 * Header items that wrap: a label at the start of the first line, then items
 * separated by two spaces, each kept whole on a line (continuation lines are
 * indented by the label's width). Stops at max_y.
 */
struct flow {
	int y, x, indent, max_y;
	bool first;
};

static void flow_start(struct flow *f, int y, int max_y, const char *label)
{
	f->y = y;
	f->max_y = max_y;
	f->indent = (int)strlen(label);
	f->x = put(y, 0, label, A_BOLD);
	f->first = true;
}

static void flow_item(struct flow *f, const char *text, attr_t attr)
{
	if (!f->first && f->x + 2 + (int)strlen(text) > COLS && f->y + 1 < f->max_y) {
		f->y++;
		f->x = f->indent;
	} else if (!f->first) {
		f->x = put(f->y, f->x, "  ", A_NORMAL);
	}
	f->x = put(f->y, f->x, text, attr);
	f->first = false;
}

/* The next free line after a flow. */
static int flow_end(const struct flow *f)
{
	return f->y + 1;
}

/* Wraps a long sentence over lines at spaces; returns the next free line. */
static int put_wrapped(int y, int max_y, const char *text, attr_t attr)
{
	const char *p = text;

	while (*p && y < max_y) {
		int n = (int)strlen(p);

		if (n > COLS) {
			int cut = COLS;

			while (cut > COLS / 2 && p[cut] != ' ')
				cut--;
			if (p[cut] != ' ')
				cut = COLS;
			n = cut;
		}
		attron(attr);
		mvaddnstr(y, 0, p, n);
		attroff(attr);
		p += n;
		while (*p == ' ')
			p++;
		y++;
	}
	return y;
}

/* ---- tables --------------------------------------------------------------------------- */

struct col {
	const char *title;
	int min, max; /* width bounds; text longer than max is cut */
	bool left;
};

static char *cells; /* rows x MAX_COLS x CELL_LEN */
static size_t cells_rows;
static size_t *order; /* row indexes in display order */
static size_t order_cap;

static char *cell(size_t row, int col)
{
	return cells + (row * MAX_COLS + col) * CELL_LEN;
}

static int grow_cells(size_t rows)
{
	char *n;

	if (rows <= cells_rows)
		return 0;
	n = realloc(cells, rows * MAX_COLS * CELL_LEN);
	if (!n)
		return -ENOMEM;
	cells = n;
	cells_rows = rows;
	return 0;
}

static int grow_order(size_t n)
{
	size_t *o;

	if (n <= order_cap)
		return 0;
	o = realloc(order, n * sizeof(*o));
	if (!o)
		return -ENOMEM;
	order = o;
	order_cap = n;
	return 0;
}

/* The comparison of the current view's sort key, for qsort over order[]. */
static int (*cmp_key)(size_t a, size_t b);
static bool cmp_reverse;

static int cmp_order(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int r = cmp_key(a, b);

	if (cmp_reverse)
		r = -r;
	if (r)
		return r;
	return a < b ? -1 : a > b; /* then table (key) order: stable display */
}

#define CMP_DESC(x, y) ((x) > (y) ? -1 : (x) < (y) ? 1 : 0)
#define CMP_ASC(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

/* Fills order[] with 0..n-1 sorted by cmp (already in the key's natural direction). */
static int sort_rows(size_t n, int (*cmp)(size_t, size_t))
{
	size_t i;

	if (grow_order(n ? n : 1))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		order[i] = i;
	cmp_key = cmp;
	cmp_reverse = T.reverse[T.view];
	if (n > 1)
		qsort(order, n, sizeof(*order), cmp_order);
	return 0;
}

/* Rows [first, first + count) of the table, where count is what fits in h lines. */
struct page {
	size_t first, count, total;
};

static struct page page_of(size_t total, int h)
{
	struct page p = { .total = total };
	size_t fit = h > 1 ? (size_t)(h - 1) : 0; /* one line for the column titles */

	T.table_rows = (int)fit;
	if (T.scroll[T.view] + fit > total)
		T.scroll[T.view] = total > fit ? total - fit : 0;
	p.first = T.scroll[T.view];
	p.count = total - p.first < fit ? total - p.first : fit;
	return p;
}

/* Draws column titles at y and the p.count formatted rows below, gap spaces apart. */
static void draw_table(int y, const struct col *cols, int nr_cols, const struct page *p, int gap)
{
	int width[MAX_COLS], c, x;
	size_t r;
	char line[1024];

	for (c = 0; c < nr_cols; c++) {
		int w = (int)strlen(cols[c].title);

		if (w < cols[c].min)
			w = cols[c].min;
		for (r = 0; r < p->count; r++) {
			int l = (int)strlen(cell(r, c));

			if (l > w)
				w = l;
		}
		if (cols[c].max && w > cols[c].max)
			w = cols[c].max;
		width[c] = w;
	}

	x = 0;
	for (c = 0; c < nr_cols && x < (int)sizeof(line) - CELL_LEN - 4; c++)
		x += snprintf(line + x, sizeof(line) - x, cols[c].left ? "%*s%-*.*s" : "%*s%*.*s",
			      c ? gap : 0, "", width[c], width[c], cols[c].title);
	attron(A_REVERSE);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, line, COLS);
	attroff(A_REVERSE);

	for (r = 0; r < p->count; r++) {
		x = 0;
		for (c = 0; c < nr_cols && x < (int)sizeof(line) - CELL_LEN - 4; c++) {
			/* Numbers are never cut: a wide one shifts the columns after it. */
			if (cols[c].left)
				x += snprintf(line + x, sizeof(line) - x, "%*s%-*.*s", c ? gap : 0,
					      "", width[c], width[c], cell(r, c));
			else
				x += snprintf(line + x, sizeof(line) - x, "%*s%*s", c ? gap : 0, "",
					      width[c], cell(r, c));
		}
		mvaddnstr(y + 1 + (int)r, 0, line, COLS);
	}
}

/* A one-line explanation in place of an empty table. */
static void draw_empty(int y, const char *why)
{
	put(y + 1, 2, why, A_BOLD);
}

#define SET(col, ...) snprintf(cell(r, col), CELL_LEN, __VA_ARGS__)

/* ---- sources and notes ------------------------------------------------------------ */

static const struct msrtop_source *src(enum msrtop_source_id id)
{
	return &T.shown->sources[id];
}

static const char *src_name(enum msrtop_source_id id)
{
	const char *n = T.shown ? T.shown->sources[id].name : NULL;

	return n ? n : msrtop_source_name(id);
}

static bool src_attached(enum msrtop_source_id id)
{
	return src(id)->state == MSRTOP_SRC_ATTACHED;
}

/* kvm_exit is attached, but only other KVM events arrive: guests here do not exit through it. */
static bool exit_silent(void)
{
	return src_attached(MSRTOP_SRC_KVM_EXIT) && !src(MSRTOP_SRC_KVM_EXIT)->events.total &&
	       (src(MSRTOP_SRC_KVM_MSR)->events.total ||
		src(MSRTOP_SRC_KVM_USERSPACE_EXIT)->events.total);
}

static bool patched_all_missing(void)
{
	return src(MSRTOP_SRC_KVM_MSR_INTERCEPT)->state == MSRTOP_SRC_MISSING &&
	       src(MSRTOP_SRC_KVM_MSR_OUTCOME)->state == MSRTOP_SRC_MISSING &&
	       src(MSRTOP_SRC_KVM_MSR_CANONICAL)->state == MSRTOP_SRC_MISSING;
}

static int draw_sources(int y, int max_y)
{
	struct flow f;
	char buf[128], rate[32];
	int i;

	flow_start(&f, y, max_y, "sources: ");
	for (i = 0; i < MSRTOP_SRC_NR; i++) {
		const struct msrtop_source *s = src(i);

		if (s->patched && s->state == MSRTOP_SRC_MISSING && patched_all_missing()) {
			if (i == MSRTOP_SRC_KVM_MSR_INTERCEPT)
				flow_item(&f, "patched kvm_msr_*: not in this kernel", A_DIM);
			continue;
		}
		switch (s->state) {
		case MSRTOP_SRC_ATTACHED:
			format_rate_short(s->events.rate, rate, sizeof(rate));
			snprintf(buf, sizeof(buf), "%s %" PRIu64 " (%s/s)", src_name(i),
				 s->events.total, rate);
			flow_item(&f, buf, A_NORMAL);
			break;
		case MSRTOP_SRC_MISSING:
			snprintf(buf, sizeof(buf), "%s: not in this kernel", src_name(i));
			flow_item(&f, buf, A_DIM);
			break;
		case MSRTOP_SRC_OFF:
			snprintf(buf, sizeof(buf), "%s: off", src_name(i));
			flow_item(&f, buf, A_DIM);
			break;
		case MSRTOP_SRC_FAILED:
		default:
			snprintf(buf, sizeof(buf), "%s: FAILED (%s)", src_name(i),
				 strerror(s->error ? s->error : EINVAL));
			flow_item(&f, buf, A_BOLD);
			break;
		}
	}
	return flow_end(&f);
}

static int draw_notes(int y, int max_y)
{
	char buf[400];

	if (exit_silent()) {
		snprintf(buf, sizeof(buf),
			 "note: kvm_exit is attached but silent while kvm_msr counted %" PRIu64
			 " events: on this host kind (e.g. KVM's PVM backend) guests do not leave "
			 "through hardware VM exits, so there are no exits to show.",
			 src(MSRTOP_SRC_KVM_MSR)->events.total);
		y = put_wrapped(y, max_y, buf, A_BOLD);
	} else if (src(MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_MISSING) {
		y = put_wrapped(y, max_y,
				"note: this kernel has no kvm_exit tracepoint: no exits are counted.",
				A_BOLD);
	} else if (src_attached(MSRTOP_SRC_KVM_EXIT) && !src_attached(MSRTOP_SRC_KVM_ENTRY)) {
		y = put_wrapped(y, max_y,
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
	flow_item(f, buf, A_NORMAL);
}

static int draw_totals(int y, int max_y)
{
	const struct msrtop_totals *t = &T.shown->totals;
	struct flow f;
	char buf[96];
	int i;

	flow_start(&f, y, max_y, T.shown->filtered ? "totals (filtered): " : "totals:  ");
	flow_counter(&f, "exits", &t->exits);
	if (t->nested_exits.total)
		flow_counter(&f, "nested", &t->nested_exits);
	flow_counter(&f, "MSR reads", &t->msr_reads);
	flow_counter(&f, "writes", &t->msr_writes);
	snprintf(buf, sizeof(buf), "#GP %" PRIu64, t->msr_gp.total);
	flow_item(&f, buf, A_NORMAL);
	snprintf(buf, sizeof(buf), "value changes %" PRIu64, t->msr_changes.total);
	flow_item(&f, buf, A_NORMAL);
	flow_counter(&f, "userspace exits", &t->uexits);
	if (!patched_all_missing()) {
		snprintf(buf, sizeof(buf), "outcomes %" PRIu64, t->outcomes.total);
		flow_item(&f, buf, A_NORMAL);
		snprintf(buf, sizeof(buf), "canonical %" PRIu64, t->canonical.total);
		flow_item(&f, buf, A_NORMAL);
	}
	y = flow_end(&f);

	for (i = 0; i < MSRTOP_MAP_NR; i++)
		if (T.shown->overflow[i].total)
			break;
	if (i < MSRTOP_MAP_NR && y < max_y) {
		flow_start(&f, y, max_y, "OVERFLOW (map full, events not counted): ");
		for (i = 0; i < MSRTOP_MAP_NR; i++) {
			const struct msrtop_counter *o = &T.shown->overflow[i];

			if (!o->total)
				continue;
			snprintf(buf, sizeof(buf), "%s %" PRIu64 " (+%" PRIu64 ")",
				 msrtop_map_name(i), o->total, o->delta);
			flow_item(&f, buf, A_BOLD);
		}
		y = flow_end(&f);
	}
	return y;
}

static void fmt_pids(char *buf, size_t len, const char *what, const uint32_t *pids, size_t nr)
{
	size_t i;
	int n = snprintf(buf, len, "%s", what);

	for (i = 0; i < nr && n < (int)len - 12; i++)
		n += snprintf(buf + n, len - n, "%s%u", i ? "," : " ", pids[i]);
}

static void fmt_reason_filter(char *buf, size_t len, const struct msrtop_filter *flt)
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

static int draw_filters(int y, int max_y)
{
	const struct msrtop_filter *flt = &T.filter;
	struct flow f;
	char buf[160], m[64];

	if (!T.nr_kernel_pids && snapshot_filter_is_empty(flt))
		return y;
	flow_start(&f, y, max_y, "filter:  ");
	if (T.nr_kernel_pids) {
		fmt_pids(buf, sizeof(buf), "the kernel counts only pid", T.kernel_pids,
			 T.nr_kernel_pids);
		flow_item(&f, buf, A_NORMAL);
	}
	if (flt->nr_pids) {
		fmt_pids(buf, sizeof(buf), "pid", flt->pids, flt->nr_pids);
		flow_item(&f, buf, A_BOLD);
	}
	if (flt->has_vcpu) {
		snprintf(buf, sizeof(buf), "vcpu %u", flt->vcpu);
		flow_item(&f, buf, A_BOLD);
	}
	if (flt->has_msr) {
		format_msr_and_index(flt->msr, m, sizeof(m));
		snprintf(buf, sizeof(buf), "msr %s", m);
		flow_item(&f, buf, A_BOLD);
	}
	if (flt->has_reason) {
		fmt_reason_filter(buf, sizeof(buf), flt);
		flow_item(&f, buf, A_BOLD);
	}
	if (!snapshot_filter_is_empty(flt))
		flow_item(&f, "(F clears)", A_DIM);
	return flow_end(&f);
}

/* ---- views ----------------------------------------------------------------------- */

struct view_sort {
	const char *name;
	int (*cmp)(size_t a, size_t b);
};

/* exits */

static int ex_rate(size_t a, size_t b)
{
	const struct msrtop_exit_row *x = &T.shown->exits[a], *y = &T.shown->exits[b];
	int r = CMP_DESC(x->count.rate, y->count.rate);

	return r ? r : CMP_DESC(x->count.total, y->count.total);
}

static int ex_total(size_t a, size_t b)
{
	return CMP_DESC(T.shown->exits[a].count.total, T.shown->exits[b].count.total);
}

static int ex_p99(size_t a, size_t b)
{
	return CMP_DESC(hist_slot(T.shown->exits[a].latency.slots, 99),
			hist_slot(T.shown->exits[b].latency.slots, 99));
}

static int ex_vm(size_t a, size_t b)
{
	return CMP_ASC(a, b); /* the table's key order: pid, vCPU, ISA, reason */
}

static int ex_reason(size_t a, size_t b)
{
	const struct msrtop_exit_row *x = &T.shown->exits[a], *y = &T.shown->exits[b];
	int r = CMP_ASC(x->isa, y->isa);

	return r ? r : CMP_ASC(x->reason, y->reason);
}

static const struct view_sort exit_sorts[] = {
	{ "rate", ex_rate }, { "total", ex_total }, { "p99", ex_p99 },
	{ "vm", ex_vm },     { "reason", ex_reason },
};

static const struct col exit_cols[] = {
	{ "VM", 6, 22, true },	  { "VCPU", 4, 10, false }, { "ISA", 3, 5, true },
	{ "REASON", 12, 40, true }, { "RATE/s", 8, 0, false }, { "TOTAL", 10, 0, false },
	{ "P50", 7, 0, false },	  { "P99", 7, 0, false },
};

static size_t draw_exits(int y, int h)
{
	const struct msrtop_snapshot *s = T.shown;
	struct page p = page_of(s->nr_exits, h);
	size_t r;

	if (!s->nr_exits) {
		draw_table(y, exit_cols, 8, &p, 2);
		if (src(MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_MISSING)
			draw_empty(y, "no exits: this kernel has no kvm_exit tracepoint");
		else if (src(MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_FAILED)
			draw_empty(y, "no exits: attaching to kvm_exit failed (see sources)");
		else if (src(MSRTOP_SRC_KVM_EXIT)->state == MSRTOP_SRC_OFF)
			draw_empty(y, "no exits: kvm_exit is off (not in --sources)");
		else if (T.raw->nr_exits)
			draw_empty(y, "no exits match the filter");
		else if (exit_silent())
			draw_empty(y, "no exits: kvm_exit does not fire on this host (see the note "
				      "above); the MSRs view has the accesses");
		else
			draw_empty(y, "no exits yet (no guest has run since msrtop started)");
		return s->nr_exits;
	}
	if (sort_rows(s->nr_exits, exit_sorts[T.sort[VIEW_EXITS]].cmp) ||
	    grow_cells(p.count ? p.count : 1))
		return s->nr_exits;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_exit_row *e = &s->exits[order[p.first + r]];
		char reason[CELL_LEN - 8], isa[16];

		fmt_vm(cell(r, 0), CELL_LEN, e->pid);
		format_vcpu(e->vcpu_src, e->vcpu, cell(r, 1), CELL_LEN);
		SET(2, "%s", format_isa(e->isa, isa, sizeof(isa)));
		exit_reason_format(e->isa, e->reason, reason, sizeof(reason));
		SET(3, "%s%s", reason, e->nested ? " (L2)" : "");
		format_rate_short(e->count.rate, cell(r, 4), CELL_LEN);
		format_u64(e->count.total, cell(r, 5), CELL_LEN);
		fmt_percentile(cell(r, 6), CELL_LEN, e->latency.slots, 50);
		fmt_percentile(cell(r, 7), CELL_LEN, e->latency.slots, 99);
	}
	draw_table(y, exit_cols, 8, &p, 2);
	return s->nr_exits;
}

/* MSRs */

static int ms_rate(size_t a, size_t b)
{
	const struct msrtop_msr_row *x = &T.shown->msrs[a], *y = &T.shown->msrs[b];
	int r = CMP_DESC(x->count.rate, y->count.rate);

	return r ? r : CMP_DESC(x->count.total, y->count.total);
}

static int ms_total(size_t a, size_t b)
{
	return CMP_DESC(T.shown->msrs[a].count.total, T.shown->msrs[b].count.total);
}

static int ms_gp(size_t a, size_t b)
{
	return CMP_DESC(T.shown->msrs[a].gp.total, T.shown->msrs[b].gp.total);
}

static int ms_changes(size_t a, size_t b)
{
	return CMP_DESC(T.shown->msrs[a].changes.total, T.shown->msrs[b].changes.total);
}

static int ms_msr(size_t a, size_t b)
{
	const struct msrtop_msr_row *x = &T.shown->msrs[a], *y = &T.shown->msrs[b];
	int r = CMP_ASC(x->msr, y->msr);

	return r ? r : CMP_ASC(x->write, y->write);
}

static int ms_vm(size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

static const struct view_sort msr_sorts[] = {
	{ "rate", ms_rate }, { "total", ms_total }, { "#GP", ms_gp },
	{ "changes", ms_changes }, { "msr", ms_msr }, { "vm", ms_vm },
};

static const struct col msr_cols[] = {
	{ "VM", 6, 22, true },	   { "VCPU", 4, 10, false },  { "MSR", 14, 46, true },
	{ "R/W", 3, 3, true },	   { "RATE/s", 8, 0, false }, { "TOTAL", 10, 0, false },
	{ "#GP", 6, 0, false },	   { "CHANGES", 7, 0, false }, { "LAST VALUE", 18, 18, true },
};

static size_t draw_msrs(int y, int h)
{
	const struct msrtop_snapshot *s = T.shown;
	struct page p = page_of(s->nr_msrs, h);
	size_t r;

	if (!s->nr_msrs) {
		draw_table(y, msr_cols, 9, &p, 2);
		if (src(MSRTOP_SRC_KVM_MSR)->state == MSRTOP_SRC_MISSING)
			draw_empty(y, "no MSR accesses: this kernel has no kvm_msr tracepoint");
		else if (src(MSRTOP_SRC_KVM_MSR)->state == MSRTOP_SRC_FAILED)
			draw_empty(y, "no MSR accesses: attaching to kvm_msr failed (see sources)");
		else if (src(MSRTOP_SRC_KVM_MSR)->state == MSRTOP_SRC_OFF)
			draw_empty(y, "no MSR accesses: kvm_msr is off (not in --sources)");
		else if (T.raw->nr_msrs)
			draw_empty(y, "no MSR accesses match the filter");
		else
			draw_empty(y, "no MSR accesses yet (only intercepted MSRs reach KVM)");
		return s->nr_msrs;
	}
	if (sort_rows(s->nr_msrs, msr_sorts[T.sort[VIEW_MSRS]].cmp) ||
	    grow_cells(p.count ? p.count : 1))
		return s->nr_msrs;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_msr_row *m = &s->msrs[order[p.first + r]];

		fmt_vm(cell(r, 0), CELL_LEN, m->pid);
		format_vcpu(m->vcpu_src, m->vcpu, cell(r, 1), CELL_LEN);
		format_msr_and_index(m->msr, cell(r, 2), CELL_LEN);
		SET(3, "%s", m->write ? "W" : "R");
		format_rate_short(m->count.rate, cell(r, 4), CELL_LEN);
		format_u64(m->count.total, cell(r, 5), CELL_LEN);
		format_u64(m->gp.total, cell(r, 6), CELL_LEN);
		if (m->write)
			format_u64(m->changes.total, cell(r, 7), CELL_LEN);
		else
			SET(7, "-");
		if (m->has_value)
			SET(8, "0x%016" PRIx64, m->last_value);
		else
			SET(8, "-");
	}
	draw_table(y, msr_cols, 9, &p, 2);
	return s->nr_msrs;
}

/* VMs */

static double vm_msr_rate(const struct msrtop_vm *v)
{
	return v->msr_reads.rate + v->msr_writes.rate;
}

static int vm_exits(size_t a, size_t b)
{
	const struct msrtop_vm *x = &T.shown->vms[a], *y = &T.shown->vms[b];
	int r = CMP_DESC(x->exits.rate, y->exits.rate);

	return r ? r : CMP_DESC(x->exits.total, y->exits.total);
}

static int vm_msrs(size_t a, size_t b)
{
	const struct msrtop_vm *x = &T.shown->vms[a], *y = &T.shown->vms[b];
	int r = CMP_DESC(vm_msr_rate(x), vm_msr_rate(y));

	return r ? r : CMP_DESC(x->msr_reads.total + x->msr_writes.total,
				y->msr_reads.total + y->msr_writes.total);
}

static int vm_gp(size_t a, size_t b)
{
	return CMP_DESC(T.shown->vms[a].msr_gp.total, T.shown->vms[b].msr_gp.total);
}

static int vm_uexits(size_t a, size_t b)
{
	return CMP_DESC(T.shown->vms[a].uexits.total, T.shown->vms[b].uexits.total);
}

static int vm_pid(size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

static const struct view_sort vm_sorts[] = {
	{ "exits/s", vm_exits }, { "MSR/s", vm_msrs }, { "#GP", vm_gp },
	{ "uexits", vm_uexits }, { "pid", vm_pid },
};

static const struct col vm_cols[] = {
	{ "PID", 6, 0, false },	    { "COMM", 8, 16, true },	{ "GUEST", 5, 32, true },
	{ "VCPUS", 5, 0, false },   { "EXITS/s", 8, 0, false }, { "EXITS", 8, 0, false },
	{ "MSR/s", 8, 0, false },   { "MSRS", 8, 0, false },	{ "#GP", 6, 0, false },
	{ "UEXITS/s", 8, 0, false }, { "UEXITS", 8, 0, false },
};

static size_t draw_vms(int y, int h)
{
	const struct msrtop_snapshot *s = T.shown;
	struct page p = page_of(s->nr_vms, h);
	size_t r;

	if (!s->nr_vms) {
		draw_table(y, vm_cols, 11, &p, 2);
		draw_empty(y, T.raw->nr_vms ? "no VM matches the filter"
					    : "no VM seen yet (no KVM event since msrtop started)");
		return s->nr_vms;
	}
	if (sort_rows(s->nr_vms, vm_sorts[T.sort[VIEW_VMS]].cmp) ||
	    grow_cells(p.count ? p.count : 1))
		return s->nr_vms;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_vm *v = &s->vms[order[p.first + r]];

		SET(0, "%u", v->pid);
		SET(1, "%s%s", v->comm[0] ? v->comm : "?", v->alive ? "" : " (gone)");
		SET(2, "%.*s", CELL_LEN - 1, v->name[0] ? v->name : "-");
		SET(3, "%u", v->nr_vcpus);
		format_rate_short(v->exits.rate, cell(r, 4), CELL_LEN);
		format_u64(v->exits.total, cell(r, 5), CELL_LEN);
		format_rate_short(vm_msr_rate(v), cell(r, 6), CELL_LEN);
		format_u64(v->msr_reads.total + v->msr_writes.total, cell(r, 7), CELL_LEN);
		format_u64(v->msr_gp.total, cell(r, 8), CELL_LEN);
		format_rate_short(v->uexits.rate, cell(r, 9), CELL_LEN);
		format_u64(v->uexits.total, cell(r, 10), CELL_LEN);
	}
	draw_table(y, vm_cols, 11, &p, 2);
	return s->nr_vms;
}

/* outcomes: the rows of kvm_msr_outcome summed per (VM, MSR, direction) */

enum {
	OC_HANDLED,
	OC_FAST,
	OC_USER, /* handed to the VMM */
	OC_USER_ERR, /* of those, completed with an error */
	OC_GP,
	OC_NR
};

#define GP_REASONS 5 /* MSRTOP_GP_* 1..4; 0 for any other */

struct outcome_sum {
	uint32_t pid, msr;
	bool write;
	struct msrtop_counter all; /* accesses: every outcome but USERSPACE_DONE */
	uint64_t n[OC_NR];
	uint64_t gp[GP_REASONS];
	uint64_t slots[MSRTOP_HIST_SLOTS];
};

static struct outcome_sum *osums;
static size_t nr_osums, cap_osums;

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

static int sum_outcomes(void)
{
	const struct msrtop_snapshot *s = T.shown;
	const struct msrtop_outcome_row **rows;
	struct outcome_sum *o = NULL;
	size_t i;
	int k;

	nr_osums = 0;
	if (!s->nr_outcomes)
		return 0;
	rows = malloc(s->nr_outcomes * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < s->nr_outcomes; i++)
		rows[i] = &s->outcomes[i];
	qsort(rows, s->nr_outcomes, sizeof(*rows), cmp_outcome_key);
	for (i = 0; i < s->nr_outcomes; i++) {
		const struct msrtop_outcome_row *r = rows[i];

		if (!o || o->pid != r->pid || o->msr != r->msr || o->write != r->write) {
			if (nr_osums == cap_osums) {
				size_t cap = cap_osums ? cap_osums * 2 : 64;
				struct outcome_sum *n = realloc(osums, cap * sizeof(*n));

				if (!n) {
					free(rows);
					return -ENOMEM;
				}
				osums = n;
				cap_osums = cap;
			}
			o = &osums[nr_osums++];
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
		for (k = 0; k < MSRTOP_HIST_SLOTS; k++)
			o->slots[k] += r->duration.slots[k];
	}
	free(rows);
	return 0;
}

static int oc_total(size_t a, size_t b)
{
	return CMP_DESC(osums[a].all.total, osums[b].all.total);
}

static int oc_rate(size_t a, size_t b)
{
	int r = CMP_DESC(osums[a].all.rate, osums[b].all.rate);

	return r ? r : oc_total(a, b);
}

static int oc_gp(size_t a, size_t b)
{
	return CMP_DESC(osums[a].n[OC_GP], osums[b].n[OC_GP]);
}

static int oc_p99(size_t a, size_t b)
{
	return CMP_DESC(hist_slot(osums[a].slots, 99), hist_slot(osums[b].slots, 99));
}

static int oc_msr(size_t a, size_t b)
{
	int r = CMP_ASC(osums[a].msr, osums[b].msr);

	return r ? r : CMP_ASC(a, b);
}

static int oc_vm(size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

static const struct view_sort outcome_sorts[] = {
	{ "rate", oc_rate }, { "total", oc_total }, { "#GP", oc_gp },
	{ "p99", oc_p99 },   { "msr", oc_msr },	    { "vm", oc_vm },
};

/* Narrow: as wide as the titles and the numbers need, to fit 120 columns. */
static const struct col outcome_cols[] = {
	{ "VM", 6, 22, true },	{ "MSR", 14, 46, true }, { "R/W", 3, 3, true },
	{ "RATE/s", 0, 0, false }, { "TOTAL", 0, 0, false }, { "HANDLED", 0, 0, false },
	{ "FAST", 0, 0, false },	{ "USER", 0, 0, false }, { "#GP", 0, 0, false },
	{ "P50", 6, 0, false },	{ "P99", 6, 0, false },	 { "#GP REASONS", 11, 60, true },
};

#define NR_OUTCOME_COLS 12

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


static size_t draw_outcomes(int y, int h)
{
	struct page p;
	size_t r;

	if (sum_outcomes()) {
		draw_empty(y, "out of memory");
		return nr_osums;
	}
	p = page_of(nr_osums, h);
	if (!nr_osums) {
		draw_table(y, outcome_cols, NR_OUTCOME_COLS, &p, 1); /* a wide one */
		if (src(MSRTOP_SRC_KVM_MSR_OUTCOME)->state == MSRTOP_SRC_MISSING)
			draw_empty(y, "kvm_msr_outcome is not in this kernel: this view needs "
				      "msrtop's kernel patches (kernel-patches/)");
		else if (T.raw->nr_outcomes)
			draw_empty(y, "no MSR outcomes match the filter");
		else
			draw_empty(y, "no MSR outcomes yet");
		return nr_osums;
	}
	if (sort_rows(nr_osums, outcome_sorts[T.sort[VIEW_OUTCOMES]].cmp) ||
	    grow_cells(p.count ? p.count : 1))
		return nr_osums;
	for (r = 0; r < p.count; r++) {
		const struct outcome_sum *o = &osums[order[p.first + r]];

		fmt_vm(cell(r, 0), CELL_LEN, o->pid);
		format_msr_and_index(o->msr, cell(r, 1), CELL_LEN);
		SET(2, "%s", o->write ? "W" : "R");
		format_rate_short(o->all.rate, cell(r, 3), CELL_LEN);
		format_u64(o->all.total, cell(r, 4), CELL_LEN);
		format_u64(o->n[OC_HANDLED], cell(r, 5), CELL_LEN);
		format_u64(o->n[OC_FAST], cell(r, 6), CELL_LEN);
		if (o->n[OC_USER_ERR])
			SET(7, "%" PRIu64 " (%" PRIu64 " err)", o->n[OC_USER], o->n[OC_USER_ERR]);
		else
			format_u64(o->n[OC_USER], cell(r, 7), CELL_LEN);
		format_u64(o->n[OC_GP], cell(r, 8), CELL_LEN);
		fmt_percentile(cell(r, 9), CELL_LEN, o->slots, 50);
		fmt_percentile(cell(r, 10), CELL_LEN, o->slots, 99);
		fmt_gp_reasons(cell(r, 11), CELL_LEN, o);
	}
	draw_table(y, outcome_cols, NR_OUTCOME_COLS, &p, 1); /* a wide one */
	return nr_osums;
}

/* canonical checks */

static int ca_rate(size_t a, size_t b)
{
	const struct msrtop_canon_row *x = &T.shown->canon[a], *y = &T.shown->canon[b];
	int r = CMP_DESC(x->count.rate, y->count.rate);

	return r ? r : CMP_DESC(x->count.total, y->count.total);
}

static int ca_total(size_t a, size_t b)
{
	return CMP_DESC(T.shown->canon[a].count.total, T.shown->canon[b].count.total);
}

static int ca_rejected(size_t a, size_t b)
{
	return CMP_DESC(T.shown->canon[a].rejected.total, T.shown->canon[b].rejected.total);
}

static int ca_fixups(size_t a, size_t b)
{
	return CMP_DESC(T.shown->canon[a].fixups.total, T.shown->canon[b].fixups.total);
}

static int ca_msr(size_t a, size_t b)
{
	int r = CMP_ASC(T.shown->canon[a].msr, T.shown->canon[b].msr);

	return r ? r : CMP_ASC(a, b);
}

static int ca_vm(size_t a, size_t b)
{
	return CMP_ASC(a, b);
}

static const struct view_sort canon_sorts[] = {
	{ "rate", ca_rate }, { "total", ca_total }, { "rejected", ca_rejected },
	{ "fixups", ca_fixups }, { "msr", ca_msr }, { "vm", ca_vm },
};

static const struct col canon_cols[] = {
	{ "VM", 6, 22, true },	  { "VCPU", 4, 10, false },  { "MSR", 14, 46, true },
	{ "RATE/s", 8, 0, false }, { "TOTAL", 8, 0, false }, { "REJECTED", 8, 0, false },
	{ "FIXUPS", 8, 0, false },
};

static size_t draw_canon(int y, int h)
{
	const struct msrtop_snapshot *s = T.shown;
	struct page p = page_of(s->nr_canon, h);
	size_t r;

	if (!s->nr_canon) {
		draw_table(y, canon_cols, 7, &p, 2);
		if (src(MSRTOP_SRC_KVM_MSR_CANONICAL)->state == MSRTOP_SRC_MISSING)
			draw_empty(y, "kvm_msr_canonical is not in this kernel: this view needs "
				      "msrtop's kernel patches (kernel-patches/)");
		else if (T.raw->nr_canon)
			draw_empty(y, "no canonical checks match the filter");
		else
			draw_empty(y, "no canonical checks yet");
		return s->nr_canon;
	}
	if (sort_rows(s->nr_canon, canon_sorts[T.sort[VIEW_CANON]].cmp) ||
	    grow_cells(p.count ? p.count : 1))
		return s->nr_canon;
	for (r = 0; r < p.count; r++) {
		const struct msrtop_canon_row *c = &s->canon[order[p.first + r]];

		fmt_vm(cell(r, 0), CELL_LEN, c->pid);
		format_vcpu(c->vcpu_src, c->vcpu, cell(r, 1), CELL_LEN);
		format_msr_and_index(c->msr, cell(r, 2), CELL_LEN);
		format_rate_short(c->count.rate, cell(r, 3), CELL_LEN);
		format_u64(c->count.total, cell(r, 4), CELL_LEN);
		format_u64(c->rejected.total, cell(r, 5), CELL_LEN);
		format_u64(c->fixups.total, cell(r, 6), CELL_LEN);
	}
	draw_table(y, canon_cols, 7, &p, 2);
	return s->nr_canon;
}

static const struct {
	const struct view_sort *sorts;
	unsigned int nr_sorts;
	size_t (*draw)(int y, int h); /* returns the number of rows of the table */
} views[VIEW_NR] = {
	[VIEW_EXITS] = { exit_sorts, sizeof(exit_sorts) / sizeof(exit_sorts[0]), draw_exits },
	[VIEW_MSRS] = { msr_sorts, sizeof(msr_sorts) / sizeof(msr_sorts[0]), draw_msrs },
	[VIEW_VMS] = { vm_sorts, sizeof(vm_sorts) / sizeof(vm_sorts[0]), draw_vms },
	[VIEW_OUTCOMES] = { outcome_sorts, sizeof(outcome_sorts) / sizeof(outcome_sorts[0]),
			    draw_outcomes },
	[VIEW_CANON] = { canon_sorts, sizeof(canon_sorts) / sizeof(canon_sorts[0]), draw_canon },
};

/* ---- the whole screen ------------------------------------------------------------- */

static void draw_title(void)
{
	char buf[256], clock[16] = "", up[32] = "", iv[16];
	int x;

	if (T.interval_ms % 1000)
		snprintf(iv, sizeof(iv), "%.1fs", T.interval_ms / 1000.0);
	else
		snprintf(iv, sizeof(iv), "%us", T.interval_ms / 1000);
	if (T.shown) {
		time_t t = (time_t)(T.shown->time_ns / 1000000000ull);
		uint64_t secs = (T.shown->mono_ns - T.shown->start_mono_ns) / 1000000000ull;
		struct tm tm;

		if (localtime_r(&t, &tm))
			strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
		snprintf(up, sizeof(up), "up %" PRIu64 ":%02" PRIu64 ":%02" PRIu64, secs / 3600,
			 secs / 60 % 60, secs % 60);
	}
	snprintf(buf, sizeof(buf), "msrtop - %s - Linux %s - every %s - %s - %s", T.uts.nodename,
		 T.uts.release, iv, up, clock);
	x = put(0, 0, buf, A_BOLD);
	if (T.paused)
		put(0, x + 2, "PAUSED (space resumes)", A_REVERSE);
}

static int draw_tabs(int y)
{
	char buf[96];
	int x = 0, v;

	for (v = 0; v < VIEW_NR; v++) {
		snprintf(buf, sizeof(buf), " %d:%s ", v + 1, view_names[v]);
		x = put(y, x, buf, v == (int)T.view ? A_REVERSE | A_BOLD : A_NORMAL);
	}
	snprintf(buf, sizeof(buf), "   sort: %s%s", views[T.view].sorts[T.sort[T.view]].name,
		 T.reverse[T.view] ? " (reversed)" : "");
	x = put(y, x, buf, A_NORMAL);
	return x;
}

static void draw_status(void)
{
	int y = LINES - 1;

	move(y, 0);
	clrtoeol();
	if (T.prompt != PROMPT_NONE) {
		static const char *const what[] = {
			[PROMPT_PID] = "filter by VM pid (pids separated by commas; empty: any): ",
			[PROMPT_VCPU] = "filter by vCPU id (empty: any): ",
			[PROMPT_MSR] = "filter by MSR (name or number; empty: any): ",
			[PROMPT_REASON] = "filter by exit reason (name or number; empty: any): ",
		};
		int x = put(y, 0, what[T.prompt], A_BOLD);

		x = put(y, x, T.input, A_NORMAL);
		put(y, x, "_", A_BLINK);
		return;
	}
	if (T.message[0]) {
		put(y, 0, T.message, T.message_is_error ? A_BOLD | A_REVERSE : A_BOLD);
		return;
	}
	put(y, 0,
	    "q quit  1-5/e m v o k views  s/S sort  p c M r filter  F clear  +/- interval  "
	    "space pause  h help",
	    A_DIM);
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"msrtop: what KVM guests make their hypervisor do, live.",
		"",
		"  1 e   exits: per VM, vCPU, ISA and exit reason (VMX modifier flags as |FLAG)",
		"  2 m   MSRs: per VM, vCPU, MSR and direction; #GP, value changes, last value",
		"  3 v   VMs: per VMM process (pid, comm, guest name)",
		"  4 o   outcomes: what KVM did with each MSR access (patched kernels)",
		"  5 k   canonical: canonical-address checks on MSR writes (patched kernels)",
		"  s S   next sort key / reverse the order",
		"  p     filter by VM pid          c   filter by vCPU id",
		"  M     filter by MSR             r   filter by exit reason (VMX or SVM name)",
		"  F     clear the view's filters  (an empty answer clears one filter)",
		"  + -   longer / shorter refresh interval",
		"  space pause / resume            arrows, PgUp/PgDn, Home/End: scroll",
		"  ^L    redraw                    q   quit",
		"",
		"RATE/s: per second over the last interval; TOTAL: since msrtop attached.",
		"P50/P99: percentiles since attach, as the upper bound of their log2 bucket",
		"(exits: exit to the next entry on the same thread; outcomes: handling time).",
		"VCPU: the kernel's vcpu_id (N~: learned for the thread from another event);",
		"tNNN: the vCPU thread's id when no vcpu_id is known.",
		"Only MSRs that KVM intercepts can be seen; (L2): a nested guest's exit.",
		"",
		"Press any key to go back.",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]) && (int)i + 2 < LINES; i++)
		put((int)i + 2, 2, lines[i], i == 0 ? A_BOLD : A_NORMAL);
}

static void draw(void)
{
	int x, y, max_y;
	size_t total;
	char buf[64];

	if (!T.active)
		return;
	erase();
	if (LINES < 8 || COLS < 40) {
		put(0, 0, "terminal too small", A_BOLD);
		refresh();
		return;
	}
	draw_title();
	if (T.help) {
		draw_help();
		draw_status();
		refresh();
		return;
	}
	if (!T.shown) {
		put(2, 0, "waiting for the first snapshot...", A_NORMAL);
		draw_status();
		refresh();
		return;
	}
	/* The header may take up to half the screen; the table the rest. */
	max_y = LINES / 2;
	y = draw_sources(1, max_y);
	y = draw_notes(y, max_y);
	y = draw_totals(y, max_y);
	y = draw_filters(y, max_y);
	y++;
	x = draw_tabs(y);
	total = views[T.view].draw(y + 1, LINES - 1 - (y + 1));
	if (total > (size_t)T.table_rows) {
		size_t last = T.scroll[T.view] + T.table_rows;

		snprintf(buf, sizeof(buf), "   rows %zu-%zu of %zu", T.scroll[T.view] + 1,
			 last < total ? last : total, total);
		put(y, x, buf, A_BOLD);
	}
	draw_status();
	refresh();
}

/* ---- filters ---------------------------------------------------------------------- */

static void set_message(bool error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_message(bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(T.message, sizeof(T.message), fmt, ap);
	va_end(ap);
	T.message_is_error = error;
}

/* Makes T.shown from T.raw through the view filter. */
static int refilter(void)
{
	struct msrtop_snapshot *f;

	if (!T.raw)
		return 0;
	if (snapshot_filter_is_empty(&T.filter)) {
		f = snapshot_get(T.raw);
	} else {
		f = snapshot_filter(T.raw, &T.filter);
		if (!f)
			return -ENOMEM;
	}
	snapshot_put(T.shown);
	T.shown = f;
	return 0;
}

static void parse_pids(const char *in, struct msrtop_filter *f)
{
	char buf[INPUT_LEN], *tok, *save = NULL;
	struct msrtop_filter n = *f;

	n.nr_pids = 0;
	snprintf(buf, sizeof(buf), "%s", in);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char why[96];
		uint32_t pid;

		if (parse_u32(tok, &pid, why, sizeof(why))) {
			set_message(true, "bad pid '%s': %s (pids separated by commas)", tok, why);
			return;
		}
		if (!pid) {
			set_message(true, "bad pid '0': give the process id of a VMM");
			return;
		}
		if (n.nr_pids == MSRTOP_FILTER_MAX_PIDS) {
			set_message(true, "too many pids: at most %d", MSRTOP_FILTER_MAX_PIDS);
			return;
		}
		n.pids[n.nr_pids++] = pid;
	}
	*f = n;
}

static void apply_input(void)
{
	struct msrtop_filter n = T.filter;
	const char *in = T.input;
	uint64_t vmx, svm;
	bool vmx_ok, svm_ok;
	char why[96];
	int r;

	T.message[0] = '\0';
	switch (T.prompt) {
	case PROMPT_PID:
		parse_pids(in, &n);
		break;
	case PROMPT_VCPU:
		n.has_vcpu = false;
		if (!*in)
			break;
		if (parse_u32(in, &n.vcpu, why, sizeof(why)))
			set_message(true, "bad vCPU '%s': %s", in, why);
		else
			n.has_vcpu = true;
		break;
	case PROMPT_MSR:
		n.has_msr = false;
		if (!*in)
			break;
		r = msr_parse(in, &n.msr);
		if (r == -ERANGE)
			set_message(true, "bad MSR '%s': MSR numbers are 32 bits", in);
		else if (r)
			set_message(true, "unknown MSR '%s': give a name (IA32_CR_PAT, EFER) "
					  "or a number (0x277)", in);
		else
			n.has_msr = true;
		break;
	case PROMPT_REASON:
		n.has_reason = n.reason_vmx_ok = n.reason_svm_ok = false;
		if (!*in)
			break;
		vmx_ok = !exit_reason_parse(MSRTOP_ISA_VMX, in, &vmx);
		svm_ok = !exit_reason_parse(MSRTOP_ISA_SVM, in, &svm);
		if (!vmx_ok && !svm_ok) {
			set_message(true, "unknown exit reason '%s': give a VMX or SVM name "
					  "(MSR_WRITE, HLT, NPF, IOIO) or a number", in);
			break;
		}
		n.has_reason = true;
		n.reason_vmx_ok = vmx_ok;
		n.reason_vmx = vmx;
		n.reason_svm_ok = svm_ok;
		n.reason_svm = svm;
		break;
	case PROMPT_NONE:
		break;
	}
	if (T.message[0])
		return; /* bad input: the filter stays as it was */
	T.filter = n;
	memset(T.scroll, 0, sizeof(T.scroll));
	if (refilter())
		set_message(true, "out of memory while filtering");
}

/* ---- keys ------------------------------------------------------------------------- */

static void step_interval(int dir, struct tui_action *out)
{
	size_t n = sizeof(interval_steps_ms) / sizeof(interval_steps_ms[0]), i;
	unsigned int next = T.interval_ms;

	if (dir > 0) {
		for (i = 0; i < n; i++) {
			if (interval_steps_ms[i] > T.interval_ms) {
				next = interval_steps_ms[i];
				break;
			}
		}
	} else {
		for (i = n; i-- > 0;) {
			if (interval_steps_ms[i] < T.interval_ms) {
				next = interval_steps_ms[i];
				break;
			}
		}
	}
	if (next == T.interval_ms) {
		set_message(false, "the interval is already at its %s (%u ms)",
			    dir > 0 ? "longest" : "shortest", T.interval_ms);
		return;
	}
	T.interval_ms = next;
	out->kind = TUI_ACT_INTERVAL;
	out->interval_ms = next;
	set_message(false, "refresh every %u ms from the next snapshot", next);
}

static void prompt_key(int ch)
{
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		apply_input();
		T.prompt = PROMPT_NONE;
		break;
	case 27: /* Esc */
	case 7: /* ^G */
		T.prompt = PROMPT_NONE;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (T.input_len)
			T.input[--T.input_len] = '\0';
		break;
	case 21: /* ^U */
		T.input_len = 0;
		T.input[0] = '\0';
		break;
	default:
		if (ch >= 0x20 && ch < 0x7f && T.input_len + 1 < sizeof(T.input)) {
			T.input[T.input_len++] = (char)ch;
			T.input[T.input_len] = '\0';
		}
		break;
	}
}

static void start_prompt(enum prompt p)
{
	T.prompt = p;
	T.input_len = 0;
	T.input[0] = '\0';
}

static void scroll_by(long delta)
{
	size_t *s = &T.scroll[T.view];

	if (delta < 0 && (size_t)-delta > *s)
		*s = 0;
	else
		*s += delta; /* draw() clamps it to the last page */
}

/* One key; sets out->kind when the loop must act. */
static void key(int ch, struct tui_action *out)
{
	if (T.prompt != PROMPT_NONE) {
		prompt_key(ch);
		return;
	}
	if (ch != KEY_RESIZE)
		T.message[0] = '\0';
	if (T.help && ch != 'q' && ch != KEY_RESIZE) {
		T.help = false;
		return;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		out->kind = TUI_ACT_QUIT;
		break;
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
		T.view = ch - '1';
		break;
	case 'e':
	case 'm':
	case 'v':
	case 'o':
	case 'k':
		T.view = strchr(view_keys, ch) - view_keys;
		break;
	case 's':
		T.sort[T.view] = (T.sort[T.view] + 1) % views[T.view].nr_sorts;
		T.scroll[T.view] = 0;
		break;
	case 'S':
		T.reverse[T.view] = !T.reverse[T.view];
		T.scroll[T.view] = 0;
		break;
	case 'p':
		start_prompt(PROMPT_PID);
		break;
	case 'c':
		start_prompt(PROMPT_VCPU);
		break;
	case 'M':
		start_prompt(PROMPT_MSR);
		break;
	case 'r':
		start_prompt(PROMPT_REASON);
		break;
	case 'F':
		memset(&T.filter, 0, sizeof(T.filter));
		if (refilter())
			set_message(true, "out of memory while filtering");
		break;
	case '+':
	case '=':
		step_interval(1, out);
		break;
	case '-':
	case '_':
		step_interval(-1, out);
		break;
	case ' ':
		T.paused = !T.paused;
		break;
	case 'h':
	case '?':
	case KEY_F(1):
		T.help = true;
		break;
	case KEY_UP:
		scroll_by(-1);
		break;
	case KEY_DOWN:
		scroll_by(1);
		break;
	case KEY_PPAGE:
		scroll_by(-(long)(T.table_rows > 1 ? T.table_rows - 1 : 1));
		break;
	case KEY_NPAGE:
		scroll_by(T.table_rows > 1 ? T.table_rows - 1 : 1);
		break;
	case KEY_HOME:
		T.scroll[T.view] = 0;
		break;
	case KEY_END:
		T.scroll[T.view] = SIZE_MAX / 2;
		break;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		break;
	case KEY_RESIZE:
		break;
	default:
		if (ch >= 0x20 && ch < 0x7f)
			set_message(true, "unknown key '%c': h shows the keys", ch);
		break;
	}
}

static void resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/* ---- the API ---------------------------------------------------------------------- */

static void at_exit(void)
{
	if (T.active) {
		T.active = false;
		curses_on = 0;
		endwin();
	}
}

int tui_init(const struct tui_opts *opts)
{
	static bool at_exit_set;
	const char *term = getenv("TERM");
	char *cup;
	int err;

	if (T.active)
		return -EBUSY;
	if (!isatty(STDOUT_FILENO)) {
		fprintf(stderr, "msrtop: the live view needs a terminal on stdout; use --json\n");
		return -ENOTTY;
	}
	T.interval_ms = opts->interval_ms ? opts->interval_ms : 1000;
	memset(&T.filter, 0, sizeof(T.filter));
	T.nr_kernel_pids = 0;
	if (opts->filter) {
		T.filter = *opts->filter;
		if (opts->kernel_pids) {
			T.nr_kernel_pids = T.filter.nr_pids;
			memcpy(T.kernel_pids, T.filter.pids, sizeof(T.kernel_pids));
		}
	}
	if (uname(&T.uts)) {
		snprintf(T.uts.nodename, sizeof(T.uts.nodename), "?");
		snprintf(T.uts.release, sizeof(T.uts.release), "?");
	}
	T.stdin_tty = isatty(STDIN_FILENO);
	if (pipe2(T.sig_pipe, O_NONBLOCK | O_CLOEXEC)) {
		err = -errno;
		fprintf(stderr, "msrtop: cannot create a pipe for the live view: %s\n",
			strerror(errno));
		return err;
	}
	stop_pending = winch_pending = 0;
	/* Before newterm(): ncurses then leaves SIGINT, SIGTERM and SIGWINCH to us. */
	install_signals();
	if (!at_exit_set) {
		atexit(at_exit);
		at_exit_set = true;
	}

	T.screen = newterm(NULL, stdout, stdin);
	if (!T.screen) {
		fprintf(stderr,
			"msrtop: cannot use the terminal type '%s' for the live view: set TERM to "
			"your terminal's type, or use --json\n",
			term ? term : "(TERM not set)");
		err = -ENOTTY;
		goto fail;
	}
	set_term(T.screen);
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(T.screen);
		T.screen = NULL;
		fprintf(stderr,
			"msrtop: the terminal type '%s' cannot move the cursor, which the live view "
			"needs: set TERM to your terminal's type, or use --json\n",
			term ? term : "(TERM not set)");
		err = -ENOTTY;
		goto fail;
	}
	T.active = true;
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	draw();
	return 0;

fail:
	restore_signals();
	close(T.sig_pipe[0]);
	close(T.sig_pipe[1]);
	T.sig_pipe[0] = T.sig_pipe[1] = -1;
	return err;
}

int tui_update(struct msrtop_snapshot *s)
{
	struct msrtop_snapshot *old_raw = T.raw;

	if (!T.active)
		return -EINVAL;
	if (T.paused)
		return 0; /* the screen stays as it was; the loop keeps counting */
	T.raw = snapshot_get(s);
	if (refilter()) {
		snapshot_put(T.raw);
		T.raw = old_raw;
		set_message(true, "out of memory: showing the previous snapshot");
		draw();
		return -ENOMEM;
	}
	snapshot_put(old_raw);
	draw();
	return 0;
}

static void drain_pipe(void)
{
	char buf[64];

	while (read(T.sig_pipe[0], buf, sizeof(buf)) > 0)
		;
}

static struct timespec now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

static long ms_between(struct timespec a, struct timespec b)
{
	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

int tui_poll(int timeout_ms, struct tui_action *out)
{
	struct timespec start = now();
	struct pollfd fds[2];
	int nfds = 0;

	out->kind = TUI_ACT_NONE;
	out->interval_ms = T.interval_ms;
	if (!T.active)
		return -EINVAL;
	fds[nfds++] = (struct pollfd){ .fd = T.sig_pipe[0], .events = POLLIN };
	if (T.stdin_tty)
		fds[nfds++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };

	for (;;) {
		bool changed = false;
		long left;
		int ch, r;

		if (stop_pending) {
			out->kind = TUI_ACT_QUIT;
			return 1;
		}
		if (winch_pending) {
			winch_pending = 0;
			resize();
			changed = true;
		}
		/* Every key ncurses has read (it may hold more than one), before waiting again. */
		while (T.stdin_tty && (ch = getch()) != ERR) {
			key(ch, out);
			changed = true;
			if (out->kind == TUI_ACT_QUIT)
				return 1;
		}
		if (changed)
			draw();
		if (out->kind != TUI_ACT_NONE)
			return 1;

		left = timeout_ms - ms_between(start, now());
		if (left <= 0)
			return 0;
		r = poll(fds, nfds, (int)left);
		if (r < 0) {
			if (errno != EINTR)
				return -errno;
			/* A signal of the program's own: let the loop look at it. */
			if (!stop_pending && !winch_pending)
				return 0;
		}
		if (r > 0 && (fds[0].revents & POLLIN))
			drain_pipe();
		if (r > 0 && nfds > 1 && (fds[1].revents & (POLLHUP | POLLERR)) &&
		    !(fds[1].revents & POLLIN))
			nfds = 1; /* the terminal went away: wait on signals and time only */
	}
}

void tui_fini(void)
{
	if (T.active) {
		T.active = false;
		curses_on = 0;
		endwin();
		delscreen(T.screen);
		T.screen = NULL;
	}
	restore_signals();
	if (T.sig_pipe[0] >= 0) {
		close(T.sig_pipe[0]);
		close(T.sig_pipe[1]);
		T.sig_pipe[0] = T.sig_pipe[1] = -1;
	}
	snapshot_put(T.shown);
	snapshot_put(T.raw);
	T.shown = T.raw = NULL;
	free(cells);
	cells = NULL;
	cells_rows = 0;
	free(order);
	order = NULL;
	order_cap = 0;
	free(osums);
	osums = NULL;
	nr_osums = cap_osums = 0;
}
