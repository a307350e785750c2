// SPDX-License-Identifier: GPL-2.0
/*
 * The live terminal view (tui.h): the API, and the terminal itself: curses
 * mode entered and left, signals (stop, resize, crash), and the wait for keys,
 * resizes and signals between snapshots.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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
#include "tui_state.h"

/*
 * The only state outside struct tui_state: what the signal handlers (which
 * get no argument) and the atexit() handler read and write.
 */
static volatile sig_atomic_t stop_pending, winch_pending;

/* Crash signals: leave curses mode, then die of the signal as before. */
static const int crash_signals[NR_CRASH_SIGNALS] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
static volatile sig_atomic_t curses_on; /* read by the crash handler */
/* The write end of the view's self-pipe: how a handler wakes tui_poll() up. */
static volatile sig_atomic_t wake_fd = -1;

/* ---- signals ---------------------------------------------------------------------- */

static void wake(void)
{
	int saved = errno;
	ssize_t r = write(wake_fd, "x", 1);

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

static void install_signals(struct tui_state *t)
{
	size_t i;

	wake_fd = t->sig_pipe[1];
	/* No SA_RESTART: the signals must interrupt poll() in tui_poll(). */
	t->own_stop = handler_is_default(SIGINT) && handler_is_default(SIGTERM);
	if (t->own_stop) {
		set_handler(SIGINT, on_stop, 0, &t->old_int);
		set_handler(SIGTERM, on_stop, 0, &t->old_term);
	}
	t->have_old_winch = true;
	set_handler(SIGWINCH, on_winch, 0, &t->old_winch);
	for (i = 0; i < NR_CRASH_SIGNALS; i++)
		set_handler(crash_signals[i], on_crash, SA_RESETHAND | SA_NODEFER,
			    &t->old_crash[i]);
}

static void restore_signals(struct tui_state *t)
{
	size_t i;

	for (i = 0; i < NR_CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &t->old_crash[i], NULL);
	if (t->have_old_winch)
		sigaction(SIGWINCH, &t->old_winch, NULL);
	t->have_old_winch = false;
	if (t->own_stop) {
		sigaction(SIGINT, &t->old_int, NULL);
		sigaction(SIGTERM, &t->old_term, NULL);
	}
	t->own_stop = false;
	wake_fd = -1;
}

static void resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/* ---- the API ---------------------------------------------------------------------- */

/* At exit(): curses mode left, whatever state the view is in. */
static void at_exit(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

int tui_init(const struct tui_opts *opts, struct tui_state **out)
{
	static bool at_exit_set;
	const char *term = getenv("TERM");
	struct tui_state *t;
	char *cup;
	int err;

	if (curses_on)
		return -EBUSY; /* one terminal, one view */
	if (!isatty(STDOUT_FILENO)) {
		fprintf(stderr, "msrtop: the live view needs a terminal on stdout; use --json\n");
		return -ENOTTY;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		fprintf(stderr, "msrtop: out of memory for the live view\n");
		return -ENOMEM;
	}
	t->sig_pipe[0] = t->sig_pipe[1] = -1;
	tui_views_init(t);
	t->interval_ms = opts->interval_ms ? opts->interval_ms : 1000;
	t->replay = opts->replay;
	memset(&t->filter, 0, sizeof(t->filter));
	t->nr_kernel_pids = 0;
	if (opts->filter) {
		t->filter = *opts->filter;
		if (opts->kernel_pids) {
			t->nr_kernel_pids = t->filter.nr_pids;
			memcpy(t->kernel_pids, t->filter.pids, sizeof(t->kernel_pids));
		}
	}
	if (uname(&t->uts)) {
		snprintf(t->uts.nodename, sizeof(t->uts.nodename), "?");
		snprintf(t->uts.release, sizeof(t->uts.release), "?");
	}
	t->stdin_tty = isatty(STDIN_FILENO);
	if (pipe2(t->sig_pipe, O_NONBLOCK | O_CLOEXEC)) {
		err = -errno;
		fprintf(stderr, "msrtop: cannot create a pipe for the live view: %s\n",
			strerror(errno));
		free(t);
		return err;
	}
	stop_pending = winch_pending = 0;
	/* Before newterm(): ncurses then leaves SIGINT, SIGTERM and SIGWINCH to us. */
	install_signals(t);
	if (!at_exit_set) {
		atexit(at_exit);
		at_exit_set = true;
	}

	t->screen = newterm(NULL, stdout, stdin);
	if (!t->screen) {
		fprintf(stderr,
			"msrtop: cannot use the terminal type '%s' for the live view: set TERM to "
			"your terminal's type, or use --json\n",
			term ? term : "(TERM not set)");
		err = -ENOTTY;
		goto fail;
	}
	set_term(t->screen);
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(t->screen);
		t->screen = NULL;
		fprintf(stderr,
			"msrtop: the terminal type '%s' cannot move the cursor, which the live "
			"view "
			"needs: set TERM to your terminal's type, or use --json\n",
			term ? term : "(TERM not set)");
		err = -ENOTTY;
		goto fail;
	}
	t->active = true;
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	tui_draw(t);
	*out = t;
	return 0;

fail:
	restore_signals(t);
	close(t->sig_pipe[0]);
	close(t->sig_pipe[1]);
	free(t);
	return err;
}

/* Shows s whether paused or not. */
static int show(struct tui_state *t, struct msrtop_snapshot *s)
{
	struct msrtop_snapshot *old_raw = t->raw;

	t->raw = snapshot_get(s);
	if (tui_refilter(t)) {
		snapshot_put(t->raw);
		t->raw = old_raw;
		tui_set_message(t, true, "out of memory: showing the previous snapshot");
		tui_draw(t);
		return -ENOMEM;
	}
	snapshot_put(old_raw);
	tui_draw(t);
	return 0;
}

int tui_update(struct tui_state *t, struct msrtop_snapshot *s)
{
	if (!t || !t->active)
		return -EINVAL;
	if (t->paused)
		return 0; /* the screen stays as it was; the loop keeps counting */
	return show(t, s);
}

bool tui_paused(const struct tui_state *t)
{
	return t && t->paused;
}

int tui_show_replay(struct tui_state *t, struct msrtop_snapshot *s, size_t pos, size_t nr)
{
	if (!t || !t->active)
		return -EINVAL;
	t->replay_pos = pos;
	t->replay_nr = nr;
	return show(t, s);
}

static void drain_pipe(struct tui_state *t)
{
	char buf[64];

	while (read(t->sig_pipe[0], buf, sizeof(buf)) > 0)
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

int tui_poll(struct tui_state *t, int timeout_ms, struct tui_action *out)
{
	struct timespec start = now();
	struct pollfd fds[2];
	int nfds = 0;

	out->kind = TUI_ACT_NONE;
	if (!t || !t->active)
		return -EINVAL;
	out->interval_ms = t->interval_ms;
	fds[nfds++] = (struct pollfd){.fd = t->sig_pipe[0], .events = POLLIN};
	if (t->stdin_tty)
		fds[nfds++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};

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
		while (t->stdin_tty && (ch = getch()) != ERR) {
			tui_key(t, ch, out);
			changed = true;
			if (out->kind == TUI_ACT_QUIT)
				return 1;
		}
		if (changed)
			tui_draw(t);
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
			drain_pipe(t);
		if (r > 0 && nfds > 1 && (fds[1].revents & (POLLHUP | POLLERR)) &&
		    !(fds[1].revents & POLLIN))
			nfds = 1; /* the terminal went away: wait on signals and time only */
	}
}

void tui_fini(struct tui_state *t)
{
	if (!t)
		return;
	if (t->active) {
		t->active = false;
		curses_on = 0;
		endwin();
		delscreen(t->screen);
		t->screen = NULL;
	}
	restore_signals(t);
	close(t->sig_pipe[0]);
	close(t->sig_pipe[1]);
	snapshot_put(t->shown);
	snapshot_put(t->raw);
	free(t->cells);
	free(t->order);
	free(t->osums);
	free(t);
}
