/* SPDX-License-Identifier: GPL-2.0 */
/* Plain-text tables of a snapshot: msrtop's output when stdout is not a terminal. */
#ifndef MSRTOP_TEXT_OUT_H
#define MSRTOP_TEXT_OUT_H

#include <stdio.h>

#include "snapshot.h"

/* Writes one block of tables for s to f. 0, or -EIO when writing failed. */
int text_out_write(FILE *f, const struct msrtop_snapshot *s);

/*
 * Writes the same tables as CSV (RFC 4180, CRLF line ends): per table a header
 * line, then its rows in key order; every line starts with the table's name
 * ("vms", "exits", "msrs", ...) and the snapshot's time (UTC), so the blocks
 * of successive snapshots can be told apart in one file. 0, or -errno.
 */
int text_out_write_csv(FILE *f, const struct msrtop_snapshot *s);

#endif /* MSRTOP_TEXT_OUT_H */
