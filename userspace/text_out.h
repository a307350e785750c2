/* SPDX-License-Identifier: GPL-2.0 */
/* Plain-text tables of a snapshot: msrtop's output when stdout is not a terminal. */
#ifndef MSRTOP_TEXT_OUT_H
#define MSRTOP_TEXT_OUT_H

#include <stdio.h>

#include "snapshot.h"

/* Writes one block of tables for s to f. 0, or -EIO when writing failed. */
int text_out_write(FILE *f, const struct msrtop_snapshot *s);

#endif /* MSRTOP_TEXT_OUT_H */
