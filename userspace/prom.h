/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot in the Prometheus text exposition format, version 0.0.4
 * (Content-Type "text/plain; version=0.0.4"). docs/daemon.md lists the
 * metrics and their labels.
 *
 * Every series of a VM carries the labels pid and vm_start. vm_start is the
 * time (Unix seconds) at which msrtop first saw this incarnation of the pid:
 * when a VMM exits and its pid is later reused by another one (seen in /proc,
 * or by the dead pid's counters moving again), the new VMM's series get
 * another vm_start, so Prometheus sees new series rather than the old ones
 * going on. Telling incarnations apart needs the snapshots in order, hence
 * the state kept between calls (struct prom_state). docs/daemon.md.
 *
 * The text is built in memory (struct prom_buf); writing it anywhere is the
 * caller's business.
 */
#ifndef MSRTOP_PROM_H
#define MSRTOP_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A growing text buffer; oom is set (and stays set) when an append failed. */
struct prom_buf {
	char *data; /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	bool oom;
};

/* Appends like printf. */
void prom_buf_printf(struct prom_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a label value: backslash, double quote and newline escaped. */
void prom_buf_label_value(struct prom_buf *b, const char *s);
/* Appends ns nanoseconds as seconds, exactly ("0.000001023", "2", "1.5"). */
void prom_buf_seconds(struct prom_buf *b, uint64_t ns);
/* Appends n bytes of s. */
void prom_buf_append(struct prom_buf *b, const char *s, size_t n);
/* Hands the text over: returns data (caller frees) and resets b; NULL if oom or empty. */
char *prom_buf_take(struct prom_buf *b, size_t *len);
void prom_buf_free(struct prom_buf *b);

/* Which VM incarnation each pid is, across snapshots (see vm_start above). */
struct prom_state;

struct prom_state *prom_state_new(void);
void prom_state_free(struct prom_state *st);

/*
 * Moves st on to s, which must be the snapshot after the one st last saw (the
 * first one for a new st): every snapshot goes through here, in order, whether
 * or not it is rendered. Returns 0, or -ENOMEM (st is then unchanged).
 */
int prom_advance(struct prom_state *st, const struct msrtop_snapshot *s);

/*
 * Renders s, the snapshot st was last advanced to, into out (appended).
 * Returns 0, or -ENOMEM (out is then unusable: free it).
 */
int prom_write(const struct prom_state *st, const struct msrtop_snapshot *s,
	       struct prom_buf *out);

/* prom_advance(st, s), then prom_write(st, s, out). */
int prom_render(struct prom_state *st, const struct msrtop_snapshot *s, struct prom_buf *out);

/*
 * The upper bound, in nanoseconds, of the cumulative bucket that ends with
 * log2 histogram slot i (i < MSRTOP_HIST_SLOTS - 1): slots 0..i hold exactly
 * the integer values v <= 2^(i+1) - 1. The last slot is unbounded (+Inf).
 */
uint64_t prom_hist_le_ns(unsigned int slot);

#endif /* MSRTOP_PROM_H */
