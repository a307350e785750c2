/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP endpoint (--listen): libmicrohttpd serves, from its own thread,
 *   GET /metrics      the Prometheus text format (prom.h)
 *   GET /stats.json   the --json document (json_out.h)
 * 404 for any other path, 405 for a method other than GET and HEAD, 503 until
 * the first snapshot is published.
 *
 * 400 for a request target that is not one (RFC 9112: origin-form or
 * absolute-form, percent-encoding valid and no encoded NUL).
 *
 * Bodies are rendered once per snapshot, by http_publish() in the caller's
 * thread, and shared by every request until the next one: a request costs a
 * copy to the socket, and the aggregation loop never waits for a client.
 *
 * Hostile clients (docs/daemon.md, "Limits"): at most HTTP_MAX_CONNECTIONS
 * at once; a new one past that takes the place of the oldest whose request
 * is still incomplete, or is refused at once (503) when all are being
 * answered; requests other than /metrics may hold all slots but
 * HTTP_SCRAPE_RESERVE (503 beyond); a request must be complete within
 * HTTP_REQUEST_DEADLINE_S (408), a connection over within
 * HTTP_CONNECTION_DEADLINE_S, and idle for less than HTTP_TIMEOUT_S.
 */
#ifndef MSRTOP_HTTP_H
#define MSRTOP_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "prom.h"
#include "snapshot.h"

#define HTTP_MAX_CONNECTIONS 128
#define HTTP_SCRAPE_RESERVE 16	   /* of those, only for GET /metrics */
#define HTTP_TIMEOUT_S 10	   /* a connection idle this long is closed */
#define HTTP_REQUEST_DEADLINE_S 5  /* the request complete this long after connecting */
#define HTTP_CONNECTION_DEADLINE_S 30 /* the whole connection, answer included */
#define HTTP_WATCHDOG_MS 250	   /* how often the deadlines are checked */
#define HTTP_SNDBUF (256 * 1024)   /* each connection's socket send buffer */
#define HTTP_DEFER_ACCEPT_S 2	   /* a silent connection waits this long in the kernel */
#define HTTP_BACKLOG 1024	   /* connections the kernel queues for accepting */
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

/* What a request target asks for (http_route()). */
enum http_route {
	HTTP_ROUTE_METRICS,
	HTTP_ROUTE_STATS,
	HTTP_ROUTE_NOT_FOUND,
	HTTP_ROUTE_BAD, /* not a request target: 400 */
};

/*
 * The route of a request target as received (len bytes, which may hold any
 * byte): origin-form "/metrics?query" or absolute-form
 * "http://host:port/metrics" (the authority is ignored); the query is
 * ignored; percent-encoded unreserved characters are the characters
 * themselves ("/%6detrics"), other encoded ones ("%2F") are not. Bad: an
 * empty target, one starting otherwise, an invalid or NUL (%00) escape, a
 * control, space, non-ASCII byte or '#'.
 */
enum http_route http_route(const char *target, size_t len);

struct http_server;

/* What the connection accounting did since the start, and connections open now. */
struct http_stats {
	unsigned long accepted, express, refused, evicted, timed_out, busy, scrapes;
	unsigned int open;
};

void http_get_stats(struct http_server *srv, struct http_stats *out);

/*
 * Binds and starts serving (503 until the first http_publish()). Returns 0
 * and *out, or a negative errno with a one-line message in msg. *bound (may
 * be NULL) gets the address actually bound (with the port chosen for port 0).
 */
int http_start(const struct http_listen *where, struct http_server **out,
	       struct http_listen *bound, char *msg, size_t msg_len);

/*
 * Serves s from now on (a reference is taken): /metrics rendered from it by
 * the first scrape that asks, /stats.json the document json
 * (json_out_render()'s, json_len bytes, malloc'ed: taken over, also on
 * failure); requests being answered keep the bodies they took. Every snapshot
 * must be published, in the order they were taken (/metrics follows each VM's
 * incarnations through them). Returns 0, or -ENOMEM (the previous snapshot is
 * still served).
 */
int http_publish(struct http_server *srv, struct msrtop_snapshot *s, char *json,
		 size_t json_len);

/*
 * http_publish() of a document written in a buffer of json_cap bytes: when no
 * request sends it any more, the buffer is kept for the next document
 * (http_json_buffer()), so that a document of many MiB is written into memory
 * already mapped, not into a fresh allocation whose every page faults in.
 */
int http_publish_buffer(struct http_server *srv, struct msrtop_snapshot *s, char *json,
			size_t json_len, size_t json_cap);

/* A buffer for the next document (len 0; data NULL when none is spare): the
 * caller owns it, and hands it back with http_publish_buffer(). */
void http_json_buffer(struct http_server *srv, struct prom_buf *out);

/* Stops serving (closes every connection) and frees srv. NULL is fine. */
void http_stop(struct http_server *srv);

#endif /* MSRTOP_HTTP_H */
