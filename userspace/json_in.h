/* SPDX-License-Identifier: GPL-2.0 */
/* A JSON document of msrtop (json_out.h) read back into a snapshot (--replay). */
#ifndef MSRTOP_JSON_IN_H
#define MSRTOP_JSON_IN_H

#include <stddef.h>

#include "snapshot.h"

/*
 * Parses one document (len bytes of text, a line of --json or --record) into
 * a new snapshot in *out: what json_out_write() wrote of it, so that writing
 * *out again gives the same document. Returns 0, or -EINVAL / -ENOMEM with
 * one line in msg saying what is wrong (*out is then NULL).
 */
int json_in_parse(const char *text, size_t len, struct msrtop_snapshot **out, char *msg,
		  size_t msg_len);

#endif /* MSRTOP_JSON_IN_H */
