/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP endpoint (--listen): libmicrohttpd serves, from its own thread,
 *   GET /metrics      the Prometheus text format (prom.h)
 *   GET /stats.json   the --json document (json_out.h)
 * 404 for any other path, 405 for a method other than GET and HEAD, 503 until
 * the first snapshot is published.
 *
 * Bodies are rendered once per snapshot, by http_publish() in the caller's
 * thread, and shared by every request until the next one: a request costs a
 * copy to the socket, and the aggregation loop never waits for a client.
 * Connections are limited in number and time (HTTP_MAX_CONNECTIONS,
 * HTTP_TIMEOUT_S), so slow or silent clients cannot grow memory.
 */
#ifndef MSRTOP_HTTP_H
#define MSRTOP_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "snapshot.h"

#define HTTP_MAX_CONNECTIONS 128
#define HTTP_TIMEOUT_S 10 /* a connection idle this long is closed */
#define HTTP_DEFAULT_ADDR "127.0.0.1"

struct http_listen {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char text[64]; /* "127.0.0.1:9100", "[::1]:9100" */
};

/*
 * Parses --listen's "[ADDR:]PORT": PORT alone (or ":PORT") is on loopback;
 * ADDR is a numeric IPv4 address, an IPv6 address in brackets ("[::1]:9100")
 * or "localhost"; PORT is 0 to 65535 (0: any free port). Returns 0, or
 * -EINVAL with a one-line message (what is wrong, what to give) in msg.
 */
int http_parse_listen(const char *arg, struct http_listen *out, char *msg, size_t msg_len);

struct http_server;

/*
 * Binds and starts serving (503 until the first http_publish()). Returns 0
 * and *out, or a negative errno with a one-line message in msg. *bound (may
 * be NULL) gets the address actually bound (with the port chosen for port 0).
 */
int http_start(const struct http_listen *where, struct http_server **out,
	       struct http_listen *bound, char *msg, size_t msg_len);

/*
 * Serves s from now on: /metrics rendered from it here, /stats.json the
 * document json (json_out_write()'s, json_len bytes, malloc'ed: taken over,
 * also on failure); requests being answered keep the bodies they took.
 * Snapshots must be published in the order they were taken. Returns 0, or
 * -ENOMEM (the previous snapshot is still served).
 */
int http_publish(struct http_server *srv, const struct msrtop_snapshot *s, char *json,
		 size_t json_len);

/* Stops serving (closes every connection) and frees srv. NULL is fine. */
void http_stop(struct http_server *srv);

#endif /* MSRTOP_HTTP_H */
