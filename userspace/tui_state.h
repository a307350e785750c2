/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal view's state and the functions its files share (tui.h is its
 * API). One struct tui_state per view, made by tui_init() and passed to every
 * function: the files keep no state of their own, but what signal handlers
 * need (tui.c).
 *
 *   tui.c           API, terminal: curses mode, signals, waiting for input
 *   tui_input.c     keys, the filter prompt, filters
 *   tui_layout.c    the screen: title, header, tabs, status line, help
 *   tui_draw.c      drawing primitives: clipped text, wrapped items, tables
 *   tui_views.c     the list of views: one per kind of kinds.c that has one
 *                   (drawn from its descriptor), and the VMs view
 *   tui_outcomes.c  the outcomes view
 */
#ifndef MSRTOP_TUI_STATE_H
#define MSRTOP_TUI_STATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/utsname.h>

#include <curses.h>

#include "kinds.h"
#include "snapshot.h"
#include "tui.h"

/* The most views there can be: one per kind, the VMs view and the outcomes view. */
#define MAX_VIEWS (MSRTOP_KIND_NR + 2)

enum prompt {
	PROMPT_NONE,
	PROMPT_PID,
	PROMPT_GUEST,
	PROMPT_VCPU,
	PROMPT_MSR,
	PROMPT_REASON,
};

#define INPUT_LEN 160 /* a guest name (up to 127 bytes) and then some */
#define MESSAGE_LEN 200
#define CELL_LEN 64
#define MAX_COLS 16

#define NR_CRASH_SIGNALS 5 /* crash_signals[] */

struct tui_state;

struct view_sort {
	const char *name;
	int (*cmp)(const struct tui_state *t, size_t a, size_t b);
};

/*
 * A view: either the table of one kind (kind, drawn from its descriptor's
 * view part by tui_views.c), or a view of its own (sorts and draw).
 */
struct tui_view {
	const char *name; /* on its tab */
	char key;	  /* the letter that shows it (the digits are its position) */
	const char *help; /* its line on the help page, after its name */
	const struct msrtop_kind *kind;
	const struct view_sort *sorts;
	unsigned int nr_sorts;
	size_t (*draw)(struct tui_state *t, int y, int h); /* returns the number of table rows */
};

/* Everything the view knows; one per tui_init(), passed to every function. */
struct tui_state {
	bool active; /* curses mode entered and not left */
	SCREEN *screen;
	bool stdin_tty;
	unsigned int interval_ms;
	uint32_t kernel_pids[MSRTOP_FILTER_MAX_PIDS]; /* what the kernel counts; none: all */
	size_t nr_kernel_pids;
	struct utsname uts;

	struct msrtop_snapshot *raw;   /* the loop's last snapshot */
	struct msrtop_snapshot *shown; /* raw, or raw through the view filter */
	struct msrtop_filter filter;

	/* The views in tab order (tui_views_init()), and the one shown. */
	struct tui_view kind_views[MSRTOP_KIND_NR]; /* made from the kinds' descriptors */
	const struct tui_view *views[MAX_VIEWS];
	unsigned int nr_views;
	unsigned int view;
	unsigned int sort[MAX_VIEWS];
	bool reverse[MAX_VIEWS];
	size_t scroll[MAX_VIEWS];
	int table_rows; /* data rows that fit at the last draw (for paging) */
	bool paused;
	bool help;
	const char *replay;	  /* --replay's file, or NULL when live */
	size_t replay_pos, replay_nr; /* the snapshot shown, of how many */

	enum prompt prompt;
	char input[INPUT_LEN];
	size_t input_len;
	char message[MESSAGE_LEN];
	bool message_is_error;

	int sig_pipe[2];
	bool own_stop; /* SIGINT/SIGTERM are ours */
	struct sigaction old_int, old_term, old_winch;
	bool have_old_winch;
	struct sigaction old_crash[NR_CRASH_SIGNALS];

	/* Tables: the formatted cells of the rows on screen, and the display order. */
	char *cells; /* rows x MAX_COLS x CELL_LEN */
	size_t cells_rows;
	size_t *order; /* row indexes in display order */
	size_t order_cap;
	/* The outcomes view's rows: kvm_msr_outcome rows summed per (VM, MSR, direction). */
	struct outcome_sum *osums;
	size_t nr_osums, cap_osums;
};

/* ---- tables (tui_draw.c) ---- */

struct col {
	const char *title;
	int min, max; /* width bounds; text longer than max is cut */
	bool left;
};

/* Rows [first, first + count) of the table, where count is what fits in h lines. */
struct page {
	size_t first, count, total;
};

/* Orders of sort keys: descending and ascending. */
#define CMP_DESC(x, y) ((x) > (y) ? -1 : (x) < (y) ? 1 : 0)
#define CMP_ASC(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

/* In a view's row loop (row r of the page): sets column col of the row's cells. */
#define SET(col, ...) snprintf(tui_cell(t, r, col), CELL_LEN, __VA_ARGS__)

/*
 * Header items that wrap: a label at the start of the first line, then items
 * separated by two spaces, each kept whole on a line (continuation lines are
 * indented by the label's width). Stops at max_y.
 */
struct flow {
	int y, x, indent, max_y;
	bool first;
};

/* ---- views (tui_views.c, tui_outcomes.c) ---- */

/* Fills t->views in tab order. */
void tui_views_init(struct tui_state *t);
/* The current view, its number of sort keys and the name of the current one. */
const struct tui_view *tui_view(const struct tui_state *t);
unsigned int tui_view_nr_sorts(const struct tui_view *v);
const char *tui_view_sort_name(const struct tui_view *v, unsigned int sort);
size_t tui_view_draw(struct tui_state *t, int y, int h);

enum {
	OC_HANDLED,
	OC_FAST,
	OC_USER,     /* handed to the VMM */
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
	struct msrtop_hist duration; /* of every outcome summed */
};

#define NR_OUTCOME_SORTS 6
extern const struct view_sort tui_outcome_sorts[NR_OUTCOME_SORTS];

/* ---- tui_input.c ---- */

void tui_set_message(struct tui_state *t, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tui_refilter(struct tui_state *t);
void tui_key(struct tui_state *t, int ch, struct tui_action *out);

/* ---- tui_layout.c ---- */

bool tui_source_silent(struct tui_state *t, enum msrtop_source_id id);
void tui_draw(struct tui_state *t);
const struct msrtop_source *tui_src(struct tui_state *t, enum msrtop_source_id id);

/* ---- tui_draw.c ---- */

void tui_flow_item(struct flow *f, const char *text, attr_t attr);
int tui_hist_slot(const uint64_t *slots, unsigned int pct);
char *tui_cell(struct tui_state *t, size_t row, int col);
int tui_flow_end(const struct flow *f);
void tui_draw_table(struct tui_state *t, int y, const struct col *cols, int nr_cols,
		    const struct page *p, int gap);
int tui_put(int y, int x, const char *text, attr_t attr);
void tui_fmt_percentile(char *buf, size_t len, const uint64_t *slots, unsigned int pct);
void tui_fmt_hist_ns(char *buf, size_t len, const struct msrtop_hist *h,
		     enum msrtop_view_col_type which);
struct page tui_page_of(struct tui_state *t, size_t total, int h);
void tui_draw_empty(int y, const char *why);
void tui_draw_note(int y, const char *text);
int tui_grow_cells(struct tui_state *t, size_t rows);
void tui_flow_start(struct flow *f, int y, int max_y, const char *label);
int tui_put_wrapped(int y, int max_y, const char *text, attr_t attr);
void tui_fmt_vm(struct tui_state *t, char *buf, size_t len, uint32_t pid);
int tui_sort_rows(struct tui_state *t, size_t n,
		  int (*cmp)(const struct tui_state *t, size_t a, size_t b));

/* ---- tui_outcomes.c ---- */

size_t tui_draw_outcomes(struct tui_state *t, int y, int h);

#endif /* MSRTOP_TUI_STATE_H */
