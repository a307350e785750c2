/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON form of a snapshot (docs/json.md, docs/msrtop.schema.json): one
 * document per snapshot, written as one line (JSON lines). json-c builds the
 * reference tree (json_out_build()); json_out_render() and json_out_write()
 * give its bytes, with the event kinds' rows written as text without json-c.
 */
#ifndef MSRTOP_JSON_OUT_H
#define MSRTOP_JSON_OUT_H

#include <stdio.h>

#include "snapshot.h"

#define MSRTOP_JSON_VERSION 1

struct json_object;

/* The document for s (a new json-c object, json_object_put() it), or NULL
 * when out of memory. filter, if not NULL, is echoed in "filter". */
struct json_object *json_out_build(const struct msrtop_snapshot *s,
				   const struct msrtop_filter *filter);

/*
 * Remembers the rows of the documents one stream writes, and their text:
 * a row equal to one of the previous document's (an idle row) is written
 * again from that text. One per stream (stdout, the --output file, the HTTP
 * server); NULL when out of memory.
 */
struct json_out_cache;
struct json_out_cache *json_out_cache_new(void);
void json_out_cache_free(struct json_out_cache *cache); /* NULL is fine */
/* Rows the last document written with cache took from it (0 for NULL). */
size_t json_out_cache_reused(const struct json_out_cache *cache);

/*
 * Appends the document for s as one line to out, byte for byte what
 * serializing json_out_build()'s tree gives, but one row at a time (memory
 * and time do not grow with a row's neighbours). cache, if not NULL, is used
 * and updated (it keeps a reference to s: s must not change once written).
 * 0, or -ENOMEM (out may then hold part of the document).
 */
struct prom_buf;
int json_out_render(struct prom_buf *out, const struct msrtop_snapshot *s,
		    const struct msrtop_filter *filter, struct json_out_cache *cache);
/* The same document, written to f as it is made (never whole in memory) and
 * flushed. 0, or a negative errno. */
int json_out_write(FILE *f, const struct msrtop_snapshot *s, const struct msrtop_filter *filter,
		   struct json_out_cache *cache);

/* Writes {"version": 1, "error": {"message": message}} as one line to f. */
int json_out_write_error(FILE *f, const char *message);

#endif /* MSRTOP_JSON_OUT_H */
