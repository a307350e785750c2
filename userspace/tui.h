/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live, top-like terminal view (ncurses). It sees only snapshots
 * (snapshot.h) and never touches BPF maps.
 *
 * The main loop drives it:
 *
 *	tui_init(&opts, &tui);
 *	while (!stop) {
 *		take a snapshot; tui_update(tui, snap);
 *		until the next snapshot is due:
 *			tui_poll(tui, ms left, &act): TUI_ACT_QUIT -> stop,
 *			TUI_ACT_INTERVAL -> interval = act.interval_ms
 *	}
 *	tui_fini(tui);
 *
 * Views, sorting, paging, pausing, help and the interactive filters (pid,
 * vCPU, MSR, exit reason: applied with snapshot_filter() on top of whatever
 * the loop passes in) are handled inside; tui_poll() reports to the loop only
 * what the loop must act on.
 *
 * The terminal is always restored: by tui_fini(), at exit(), and on a crash
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT: the handler leaves curses mode
 * and re-raises the signal). SIGINT and SIGTERM, when the program has not
 * installed handlers of its own before tui_init(), make tui_poll() return
 * TUI_ACT_QUIT; when it has, they interrupt tui_poll() (which returns 0) so
 * that the loop can look at its own flag.
 */
#ifndef MSRTOP_TUI_H
#define MSRTOP_TUI_H

#include <stdbool.h>

struct msrtop_filter;
struct msrtop_snapshot;
/* The view: everything it shows and remembers (tui_state.h; one terminal, one view). */
struct tui_state;

struct tui_opts {
	unsigned int interval_ms; /* the loop's refresh interval (shown; +/- change it) */
	/*
	 * The view filter to start with (the command line's), applied to every
	 * snapshot and changed by the filter keys; NULL: none. When kernel_pids
	 * is set, its pids are also what the kernel counts (msrtop --pid): the
	 * header says so, since clearing them in the view brings no other VM.
	 */
	const struct msrtop_filter *filter;
	bool kernel_pids;
	/* --replay: the recording's name; its snapshots are stepped through with
	 * the replay keys (TUI_ACT_STEP) instead of coming every interval. */
	const char *replay;
};

enum tui_action_kind {
	TUI_ACT_NONE,
	TUI_ACT_QUIT,	  /* q, or SIGINT/SIGTERM caught by the view */
	TUI_ACT_INTERVAL, /* + or -: take the next snapshot after interval_ms */
	TUI_ACT_STEP,	  /* replay only: move by step snapshots (clamped to the recording) */
};

struct tui_action {
	enum tui_action_kind kind;
	unsigned int interval_ms; /* TUI_ACT_INTERVAL: the new interval */
	long step;		  /* TUI_ACT_STEP: +1 next, -1 previous, LONG_MIN first, LONG_MAX last */
};

/*
 * Enters curses mode on stdout/stdin. Returns 0 and the view in *out, or a
 * negative errno with one line on stderr saying what failed (e.g. a terminal
 * type without cursor addressing): the terminal is then left as it was.
 * -EBUSY while another view is in curses mode.
 */
int tui_init(const struct tui_opts *opts, struct tui_state **out);

/*
 * Shows s (unless paused): the view keeps its own reference to it until the
 * next update or tui_fini(). Returns 0 or -ENOMEM (the previous one is kept).
 */
int tui_update(struct tui_state *t, struct msrtop_snapshot *s);

/*
 * Replay: shows s, snapshot pos (0-based) of nr, even while paused (a step
 * while paused is how a recording is browsed). 0 or -ENOMEM.
 */
int tui_show_replay(struct tui_state *t, struct msrtop_snapshot *s, size_t pos, size_t nr);

/*
 * Handles keys, resizes and signals for at most timeout_ms (0: only what is
 * pending). Returns 1 with *out set when the loop must act (quit, interval),
 * 0 when the time is up or a signal interrupted the wait, or a negative errno.
 */
int tui_poll(struct tui_state *t, int timeout_ms, struct tui_action *out);

/* Whether the user paused the view (space). */
bool tui_paused(const struct tui_state *t);

/* Leaves curses mode, drops the snapshot and frees t; NULL is fine. */
void tui_fini(struct tui_state *t);

#endif /* MSRTOP_TUI_H */
