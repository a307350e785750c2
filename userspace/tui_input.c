// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal view's input: keys, the filter prompt, and the filters it sets
 * (applied to each snapshot with snapshot_filter()).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
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

static const unsigned int interval_steps_ms[] = {100,  200,  500,   1000,  2000,
						 3000, 5000, 10000, 30000, 60000};

/* ---- filters ---------------------------------------------------------------------- */

void tui_set_message(struct tui_state *t, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	t->message_is_error = error;
}

/* Makes shown from raw through the view filter. */
int tui_refilter(struct tui_state *t)
{
	struct msrtop_snapshot *f;

	if (!t->raw)
		return 0;
	if (snapshot_filter_is_empty(&t->filter)) {
		f = snapshot_get(t->raw);
	} else {
		f = snapshot_filter(t->raw, &t->filter);
		if (!f)
			return -ENOMEM;
	}
	snapshot_put(t->shown);
	t->shown = f;
	return 0;
}

static void parse_pids(struct tui_state *t, const char *in, struct msrtop_filter *f)
{
	char buf[INPUT_LEN], *tok, *save = NULL;
	struct msrtop_filter n = *f;

	n.nr_pids = 0;
	snprintf(buf, sizeof(buf), "%s", in);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char why[96];
		uint32_t pid;

		if (parse_u32(tok, &pid, why, sizeof(why))) {
			tui_set_message(t, true, "bad pid '%s': %s (pids separated by commas)", tok,
					why);
			return;
		}
		if (!pid) {
			tui_set_message(t, true, "bad pid '0': give the process id of a VMM");
			return;
		}
		if (n.nr_pids == MSRTOP_FILTER_MAX_PIDS) {
			tui_set_message(t, true, "too many pids: at most %d",
					MSRTOP_FILTER_MAX_PIDS);
			return;
		}
		n.pids[n.nr_pids++] = pid;
	}
	*f = n;
}

/* Guest names separated by commas; an empty answer clears the guest filter. */
static void parse_guests(struct tui_state *t, const char *in, struct msrtop_filter *f)
{
	char buf[INPUT_LEN], *tok, *next;
	struct msrtop_filter n = *f;

	n.nr_guests = 0;
	if (!*in) {
		*f = n;
		return;
	}
	snprintf(buf, sizeof(buf), "%s", in);
	for (tok = buf; tok; tok = next) {
		char why[128];

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (snapshot_guest_name_check(tok, why, sizeof(why))) {
			tui_set_message(t, true, "bad guest name '%s': %s", tok, why);
			return;
		}
		if (snapshot_filter_add_guest(&n, tok)) {
			tui_set_message(t, true, "too many guest names: at most %d",
					MSRTOP_FILTER_MAX_GUESTS);
			return;
		}
	}
	*f = n;
}

static void apply_input(struct tui_state *t)
{
	struct msrtop_filter n = t->filter;
	const char *in = t->input;
	uint64_t vmx, svm;
	bool vmx_ok, svm_ok;
	char why[96];
	int r;

	t->message[0] = '\0';
	switch (t->prompt) {
	case PROMPT_PID:
		parse_pids(t, in, &n);
		break;
	case PROMPT_GUEST:
		parse_guests(t, in, &n);
		break;
	case PROMPT_VCPU:
		n.has_vcpu = false;
		if (!*in)
			break;
		if (parse_u32(in, &n.vcpu, why, sizeof(why)))
			tui_set_message(t, true, "bad vCPU '%s': %s", in, why);
		else
			n.has_vcpu = true;
		break;
	case PROMPT_MSR:
		n.has_msr = false;
		if (!*in)
			break;
		r = msr_parse(in, &n.msr);
		if (r == -ERANGE)
			tui_set_message(t, true, "bad MSR '%s': MSR numbers are 32 bits", in);
		else if (r)
			tui_set_message(t, true,
					"unknown MSR '%s': give a name (IA32_CR_PAT, EFER) "
					"or a number (0x277)",
					in);
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
			tui_set_message(t, true,
					"unknown exit reason '%s': give a VMX or SVM name "
					"(MSR_WRITE, HLT, NPF, IOIO) or a number",
					in);
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
	if (t->message[0])
		return; /* bad input: the filter stays as it was */
	t->filter = n;
	memset(t->scroll, 0, sizeof(t->scroll));
	if (tui_refilter(t))
		tui_set_message(t, true, "out of memory while filtering");
}

/* ---- keys ------------------------------------------------------------------------- */

static void step_interval(struct tui_state *t, int dir, struct tui_action *out)
{
	size_t n = sizeof(interval_steps_ms) / sizeof(interval_steps_ms[0]), i;
	unsigned int next = t->interval_ms;

	if (dir > 0) {
		for (i = 0; i < n; i++) {
			if (interval_steps_ms[i] > t->interval_ms) {
				next = interval_steps_ms[i];
				break;
			}
		}
	} else {
		for (i = n; i-- > 0;) {
			if (interval_steps_ms[i] < t->interval_ms) {
				next = interval_steps_ms[i];
				break;
			}
		}
	}
	if (next == t->interval_ms) {
		tui_set_message(t, false, "the interval is already at its %s (%u ms)",
				dir > 0 ? "longest" : "shortest", t->interval_ms);
		return;
	}
	t->interval_ms = next;
	out->kind = TUI_ACT_INTERVAL;
	out->interval_ms = next;
	tui_set_message(t, false, "refresh every %u ms from the next snapshot", next);
}

static void prompt_key(struct tui_state *t, int ch)
{
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		apply_input(t);
		t->prompt = PROMPT_NONE;
		break;
	case 27: /* Esc */
	case 7:	 /* ^G */
		t->prompt = PROMPT_NONE;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (t->input_len)
			t->input[--t->input_len] = '\0';
		break;
	case 21: /* ^U */
		t->input_len = 0;
		t->input[0] = '\0';
		break;
	default:
		if (ch >= 0x20 && ch < 0x7f && t->input_len + 1 < sizeof(t->input)) {
			t->input[t->input_len++] = (char)ch;
			t->input[t->input_len] = '\0';
		}
		break;
	}
}

static void start_prompt(struct tui_state *t, enum prompt p)
{
	t->prompt = p;
	t->input_len = 0;
	t->input[0] = '\0';
}

static void scroll_by(struct tui_state *t, long delta)
{
	size_t *s = &t->scroll[t->view];

	if (delta < 0 && (size_t)-delta > *s)
		*s = 0;
	else
		*s += delta; /* tui_draw(t) clamps it to the last page */
}

/* One key; sets oukind when the loop must act. */
void tui_key(struct tui_state *t, int ch, struct tui_action *out)
{
	if (t->prompt != PROMPT_NONE) {
		prompt_key(t, ch);
		return;
	}
	if (ch != KEY_RESIZE)
		t->message[0] = '\0';
	if (t->help && ch != 'q' && ch != KEY_RESIZE) {
		t->help = false;
		return;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		out->kind = TUI_ACT_QUIT;
		break;
	case 's':
		t->sort[t->view] = (t->sort[t->view] + 1) % tui_view_nr_sorts(tui_view(t));
		t->scroll[t->view] = 0;
		break;
	case 'S':
		t->reverse[t->view] = !t->reverse[t->view];
		t->scroll[t->view] = 0;
		break;
	case 'p':
		start_prompt(t, PROMPT_PID);
		break;
	case 'g':
		start_prompt(t, PROMPT_GUEST);
		break;
	case 'c':
		start_prompt(t, PROMPT_VCPU);
		break;
	case 'M':
		start_prompt(t, PROMPT_MSR);
		break;
	case 'r':
		start_prompt(t, PROMPT_REASON);
		break;
	case 'F':
		memset(&t->filter, 0, sizeof(t->filter));
		if (tui_refilter(t))
			tui_set_message(t, true, "out of memory while filtering");
		break;
	case '+':
	case '=':
		step_interval(t, 1, out);
		break;
	case '-':
	case '_':
		step_interval(t, -1, out);
		break;
	case ' ':
		t->paused = !t->paused;
		break;
	case '.':
	case KEY_RIGHT:
	case ',':
	case KEY_LEFT:
	case '<':
	case '>':
		if (!t->replay) {
			tui_set_message(t, true, "'%s' steps through a recording: msrtop --replay FILE",
					ch == KEY_RIGHT ? "right" : ch == KEY_LEFT ? "left" : keyname(ch));
			break;
		}
		out->kind = TUI_ACT_STEP;
		out->step = ch == '.' || ch == KEY_RIGHT   ? 1
			    : ch == ',' || ch == KEY_LEFT ? -1
			    : ch == '<'		  ? LONG_MIN
						  : LONG_MAX;
		break;
	case 'h':
	case '?':
	case KEY_F(1):
		t->help = true;
		break;
	case KEY_UP:
		scroll_by(t, -1);
		break;
	case KEY_DOWN:
		scroll_by(t, 1);
		break;
	case KEY_PPAGE:
		scroll_by(t, -(long)(t->table_rows > 1 ? t->table_rows - 1 : 1));
		break;
	case KEY_NPAGE:
		scroll_by(t, t->table_rows > 1 ? t->table_rows - 1 : 1);
		break;
	case KEY_HOME:
		t->scroll[t->view] = 0;
		break;
	case KEY_END:
		t->scroll[t->view] = SIZE_MAX / 2;
		break;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		break;
	case KEY_RESIZE:
		break;
	default:
		/* A view: by its position (1-9) or its letter. */
		for (unsigned int v = 0; v < t->nr_views; v++)
			if ((v < 9 && ch == '1' + (int)v) || ch == t->views[v]->key) {
				t->view = v;
				return;
			}
		if (ch >= 0x20 && ch < 0x7f)
			tui_set_message(t, true, "unknown key '%c': h shows the keys", ch);
		break;
	}
}
