// SPDX-License-Identifier: GPL-2.0
/*
 * Drawing primitives of the terminal view: text clipped to the screen, header
 * items that wrap, and tables (formatted cells, sorting with qsort_r, paging).
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

/* ---- formatting ------------------------------------------------------------------- */

void tui_fmt_vm(struct tui_state *t, char *buf, size_t len, uint32_t pid)
{
	const struct msrtop_vm *vm = snapshot_find_vm(t->shown, pid);

	if (vm && vm->comm[0])
		snprintf(buf, len, "%u %s", pid, vm->comm);
	else
		snprintf(buf, len, "%u", pid);
}

/* The slot of a log2 histogram that holds its pct-th percentile; -1 when it is empty. */
int tui_hist_slot(const uint64_t *slots, unsigned int pct)
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
void tui_fmt_percentile(char *buf, size_t len, const uint64_t *slots, unsigned int pct)
{
	int i = tui_hist_slot(slots, pct);
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

/*
 * A histogram's smallest value (which MSRTOP_V_MIN), mean (MSRTOP_V_MEAN) or
 * largest value (MSRTOP_V_MAX), "4.1us"; "-" when it is empty.
 */
void tui_fmt_hist_ns(char *buf, size_t len, const struct msrtop_hist *h,
		     enum msrtop_view_col_type which)
{
	if (!h->count)
		snprintf(buf, len, "-");
	else
		format_ns(which == MSRTOP_V_MIN	  ? h->min_ns
			  : which == MSRTOP_V_MAX ? h->max_ns
						  : h->sum_ns / h->count,
			  buf, len);
}

/* ---- drawing helpers ---------------------------------------------------------------- */

/* Writes text at (y, x) clipped to the screen width; returns the new x. */
int tui_put(int y, int x, const char *text, attr_t attr)
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

void tui_flow_start(struct flow *f, int y, int max_y, const char *label)
{
	f->y = y;
	f->max_y = max_y;
	f->indent = (int)strlen(label);
	f->x = tui_put(y, 0, label, A_BOLD);
	f->first = true;
}

void tui_flow_item(struct flow *f, const char *text, attr_t attr)
{
	if (!f->first && f->x + 2 + (int)strlen(text) > COLS && f->y + 1 < f->max_y) {
		f->y++;
		f->x = f->indent;
	} else if (!f->first) {
		f->x = tui_put(f->y, f->x, "  ", A_NORMAL);
	}
	f->x = tui_put(f->y, f->x, text, attr);
	f->first = false;
}

/* The next free line after a flow. */
int tui_flow_end(const struct flow *f)
{
	return f->y + 1;
}

/* Wraps a long sentence over lines at spaces; returns the next free line. */
int tui_put_wrapped(int y, int max_y, const char *text, attr_t attr)
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

char *tui_cell(struct tui_state *t, size_t row, int col)
{
	return t->cells + (row * MAX_COLS + col) * CELL_LEN;
}

int tui_grow_cells(struct tui_state *t, size_t rows)
{
	char *n;

	if (rows <= t->cells_rows)
		return 0;
	n = realloc(t->cells, rows * MAX_COLS * CELL_LEN);
	if (!n)
		return -ENOMEM;
	t->cells = n;
	t->cells_rows = rows;
	return 0;
}

static int grow_order(struct tui_state *t, size_t n)
{
	size_t *o;

	if (n <= t->order_cap)
		return 0;
	o = realloc(t->order, n * sizeof(*o));
	if (!o)
		return -ENOMEM;
	t->order = o;
	t->order_cap = n;
	return 0;
}

/* What cmp_order() compares with: the current view's sort key and direction. */
struct sort_ctx {
	const struct tui_state *t;
	int (*cmp)(const struct tui_state *t, size_t a, size_t b);
	bool reverse;
};

/* For qsort_r over order[] (ctx a struct sort_ctx). */
static int cmp_order(const void *pa, const void *pb, void *ctx)
{
	const struct sort_ctx *c = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int r = c->cmp(c->t, a, b);

	if (c->reverse)
		r = -r;
	if (r)
		return r;
	return a < b ? -1 : a > b; /* then table (key) order: stable display */
}

/* Fills order[] with 0..n-1 sorted by cmp (already in the key's natural direction). */
int tui_sort_rows(struct tui_state *t, size_t n,
		  int (*cmp)(const struct tui_state *t, size_t a, size_t b))
{
	struct sort_ctx ctx;
	size_t i;

	if (grow_order(t, n ? n : 1))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		t->order[i] = i;
	ctx = (struct sort_ctx){t, cmp, t->reverse[t->view]};
	if (n > 1)
		qsort_r(t->order, n, sizeof(*t->order), cmp_order, &ctx);
	return 0;
}

struct page tui_page_of(struct tui_state *t, size_t total, int h)
{
	struct page p = {.total = total};
	size_t fit = h > 1 ? (size_t)(h - 1) : 0; /* one line for the column titles */

	t->table_rows = (int)fit;
	if (t->scroll[t->view] + fit > total)
		t->scroll[t->view] = total > fit ? total - fit : 0;
	p.first = t->scroll[t->view];
	p.count = total - p.first < fit ? total - p.first : fit;
	return p;
}

/* Draws column titles at y and the p.count formatted rows below, gap spaces apart. */
void tui_draw_table(struct tui_state *t, int y, const struct col *cols, int nr_cols,
		    const struct page *p, int gap)
{
	int width[MAX_COLS], c, x;
	size_t r;
	char line[1024];

	for (c = 0; c < nr_cols; c++) {
		int w = (int)strlen(cols[c].title);

		if (w < cols[c].min)
			w = cols[c].min;
		for (r = 0; r < p->count; r++) {
			int l = (int)strlen(tui_cell(t, r, c));

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
					      "", width[c], width[c], tui_cell(t, r, c));
			else
				x += snprintf(line + x, sizeof(line) - x, "%*s%*s", c ? gap : 0, "",
					      width[c], tui_cell(t, r, c));
		}
		mvaddnstr(y + 1 + (int)r, 0, line, COLS);
	}
}

/* A one-line explanation in place of an empty table. */
void tui_draw_empty(int y, const char *why)
{
	tui_put(y + 1, 2, why, A_BOLD);
}

/* text from line y + 1 on, at column 2, broken at spaces to the screen's width. */
void tui_draw_note(int y, const char *text)
{
	int width = COLS - 4;
	char line[512];

	while (*text && width > 10 && ++y < LINES - 1) {
		size_t n = strlen(text);

		if ((int)n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (!n)
				n = width;
		}
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		tui_put(y, 2, line, A_NORMAL);
		text += n;
		while (*text == ' ')
			text++;
	}
}
