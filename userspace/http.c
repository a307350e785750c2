// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP endpoint (http.h) on libmicrohttpd: one internal thread polling
 * with epoll answers every connection. /stats.json is the document msrtop
 * rendered anyway; /metrics is rendered from the published snapshot by the
 * first scrape that wants it and kept for the scrapes after it, so a daemon
 * nobody scrapes renders nothing and one scraped less often than it refreshes
 * renders once per scrape, never more than once per snapshot.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "prom.h"
#include "snapshot.h"

/* What every request of one snapshot is answered from; freed by the last user. */
struct body {
	unsigned int refs;
	struct http_server *srv; /* whose spare buffer the metrics text goes back to */
	/* The snapshot, until /metrics has been rendered from it (under render_lock). */
	struct msrtop_snapshot *snap;
	char *metrics; /* NULL until rendered; then never changed */
	size_t metrics_len, metrics_cap;
	char *json;
	size_t json_len, json_cap;
};

/* One connection MHD holds, as the accounting below sees it. */
enum conn_state {
	CONN_FREE,    /* the slot is unused */
	CONN_NEW,     /* accepted, its request not complete yet */
	CONN_SCRAPE,  /* answering GET/HEAD /metrics */
	CONN_OTHER,   /* answering anything else */
};

struct conn {
	enum conn_state state;
	int fd;
	uint64_t since_ns; /* accepted at (CLOCK_MONOTONIC) */
	bool killed;	   /* shut down by the accounting: answer nothing more */
	/* The current request's target as on_uri() saw it, in MHD's buffer. */
	const char *raw_uri;
	size_t raw_len;
};

/* MHD accepts a few more than HTTP_MAX_CONNECTIONS, for this code to refuse at once. */
#define HTTP_MHD_LIMIT (HTTP_MAX_CONNECTIONS + 16)

struct http_server {
	struct MHD_Daemon *mhd;
	int fd; /* the listening socket, until MHD owns it */
	pthread_mutex_t lock; /* protects cur */
	struct body *cur; /* NULL until the first publish */
	/*
	 * Held while prom is advanced and cur replaced (http_publish), and while
	 * /metrics is rendered from cur: prom then always describes cur's snapshot.
	 */
	pthread_mutex_t render_lock;
	/*
	 * The /metrics text buffer of a body nobody sends any more, kept for the
	 * next publish to render into: a text of many MiB is then written into
	 * memory that is already mapped, instead of a fresh allocation (mmap)
	 * whose every page faults in at each refresh. Protected by lock.
	 */
	char *spare;
	size_t spare_cap;
	/* The same for the JSON document: the buffer of a body nobody sends any
	 * more, for the caller's next document (http_json_buffer()). */
	char *json_spare;
	size_t json_spare_cap;
	struct prom_state *prom; /* under render_lock */
	struct MHD_Response *not_found, *bad_method, *not_ready, *bad_request, *busy, *no_memory;

	/* Connection accounting (MHD's thread and the watchdog): under conn_lock. */
	pthread_mutex_t conn_lock;
	pthread_cond_t watchdog_cv;
	pthread_t watchdog;
	bool watchdog_running, stopping;
	struct conn conns[HTTP_MHD_LIMIT];
	struct http_stats stats;
};

/* Keeps *buf (cap bytes) as the spare buffer when there is none or it is
 * bigger than the spare; *buf is then NULL. Under srv->lock. */
static void keep_spare(char **spare, size_t *spare_cap, char **buf, size_t cap)
{
	if (!*buf || !cap || (*spare && *spare_cap >= cap))
		return;
	free(*spare);
	*spare = *buf;
	*spare_cap = cap;
	*buf = NULL;
}

static void body_put(void *cls)
{
	struct body *b = cls;

	if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (b->metrics || (b->json && b->json_cap)) {
		pthread_mutex_lock(&b->srv->lock);
		keep_spare(&b->srv->spare, &b->srv->spare_cap, &b->metrics, b->metrics_cap);
		keep_spare(&b->srv->json_spare, &b->srv->json_spare_cap, &b->json, b->json_cap);
		pthread_mutex_unlock(&b->srv->lock);
	}
	snapshot_put(b->snap);
	free(b->metrics);
	free(b->json);
	free(b);
}

/* ---- --listen ------------------------------------------------------------------------- */

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int http_parse_listen(const char *arg, struct http_listen *out, char *msg, size_t msg_len)
{
	char host[INET6_ADDRSTRLEN + 8] = HTTP_DEFAULT_ADDR;
	const char *port_s = arg, *colon;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;
	uint16_t port;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':') {
			snprintf(msg, msg_len, "invalid --listen '%s': write an IPv6 address as "
				 "[ADDR]:PORT, e.g. [::1]:9100", arg);
			return -EINVAL;
		}
		n = close - arg - 1;
		if (n >= sizeof(host))
			n = sizeof(host) - 1;
		memcpy(host, arg + 1, n);
		host[n] = '\0';
		port_s = close + 2;
	} else if ((colon = strchr(arg, ':'))) {
		if (strchr(colon + 1, ':')) {
			snprintf(msg, msg_len, "invalid --listen '%s': write an IPv6 address in "
				 "brackets, e.g. [::1]:9100", arg);
			return -EINVAL;
		}
		n = colon - arg;
		if (n) {
			if (n >= sizeof(host))
				n = sizeof(host) - 1;
			memcpy(host, arg, n);
			host[n] = '\0';
		}
		port_s = colon + 1;
	}
	if (parse_port(port_s, &port)) {
		snprintf(msg, msg_len, "invalid --listen '%s': the port must be a number from 0 to "
			 "65535 (0: any free port), as in 9100 or 127.0.0.1:9100", arg);
		return -EINVAL;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "%s", HTTP_DEFAULT_ADDR);
	if (arg[0] != '[' && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		out->addr_len = sizeof(*in4);
		snprintf(out->text, sizeof(out->text), "%s:%u", host, port);
	} else if (arg[0] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		out->addr_len = sizeof(*in6);
		snprintf(out->text, sizeof(out->text), "[%s]:%u", host, port);
	} else {
		snprintf(msg, msg_len, "invalid --listen '%s': '%s' is not an IP address; give a "
			 "numeric IPv4 address, [IPv6] or localhost (no host names)", arg, host);
		return -EINVAL;
	}
	return 0;
}

/* ---- the request target (RFC 9112 section 3.2) -------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986 unreserved: a percent-encoded one is the same as the character itself. */
static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* A byte no request target may hold (RFC 9112 3.2, and '#': fragments are not sent). */
static bool bad_target_byte(unsigned char c)
{
	return c <= ' ' || c >= 0x7f || c == '#';
}

enum http_route http_route(const char *target, size_t len)
{
	char path[32];
	size_t i = 0, n = 0;

	/* absolute-form: "http://authority/path?query" is the path's request. */
	if (len >= 7 && !strncasecmp(target, "http://", 7))
		i = 7;
	else if (len >= 8 && !strncasecmp(target, "https://", 8))
		i = 8;
	if (i) {
		while (i < len && target[i] != '/' && target[i] != '?')
			if (bad_target_byte(target[i++]))
				return HTTP_ROUTE_BAD;
		/* No path ("http://host", "http://host?q"): "/", which no route is. */
	} else if (!len || target[0] != '/') {
		return HTTP_ROUTE_BAD; /* neither origin-form nor absolute-form */
	}
	for (; i < len && target[i] != '?'; i++) {
		unsigned char c = target[i];

		if (bad_target_byte(c))
			return HTTP_ROUTE_BAD;
		if (c == '%') {
			int hi = i + 2 < len ? hex_digit(target[i + 1]) : -1;
			int lo = hi >= 0 ? hex_digit(target[i + 2]) : -1;

			if (lo < 0 || (hi == 0 && lo == 0))
				return HTTP_ROUTE_BAD; /* not %XX, or an encoded NUL */
			i += 2;
			/* Only unreserved characters decode; "%2F" stays unlike "/". */
			c = unreserved(hi << 4 | lo) ? (unsigned char)(hi << 4 | lo) : 0;
		}
		if (!c || n == sizeof(path) - 1)
			n = sizeof(path); /* matches no route; the rest is still checked */
		else if (n < sizeof(path))
			path[n++] = c;
	}
	for (; i < len; i++) /* the query: ignored, but only bytes a request line may hold */
		if (bad_target_byte(target[i]))
			return HTTP_ROUTE_BAD;
	if (n == 8 && !memcmp(path, "/metrics", 8))
		return HTTP_ROUTE_METRICS;
	if (n == 11 && !memcmp(path, "/stats.json", 11))
		return HTTP_ROUTE_STATS;
	return HTTP_ROUTE_NOT_FOUND;
}

/* The route of a request, kept as MHD's per-request pointer: one static object per route. */
static const enum http_route route_objs[] = {
	HTTP_ROUTE_METRICS, HTTP_ROUTE_STATS, HTTP_ROUTE_NOT_FOUND, HTTP_ROUTE_BAD,
};

/*
 * MHD calls this with the request target as received (before its own
 * percent-decoding, which would turn "/metrics%00" into "/metrics").
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = info ? info->socket_context : NULL;
	size_t len = strlen(uri);

	if (c) { /* only MHD's thread touches these */
		c->raw_uri = uri;
		c->raw_len = len;
	}
	return (void *)&route_objs[http_route(uri, len)];
}

/*
 * Whether the target held a NUL byte, which ends the C string MHD hands
 * over: MHD 0.9 parses the request line in place, replacing the spaces
 * around the target by NULs, so the version follows the target's end
 * directly unless a NUL came earlier.
 */
static bool target_has_nul(struct MHD_Connection *mc, const char *version)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct conn *c = info ? info->socket_context : NULL;

	return c && c->raw_uri && version > c->raw_uri &&
	       version != c->raw_uri + c->raw_len + 1;
}

/* ---- connection accounting -------------------------------------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Ends a connection now, from whichever thread: a short answer when nothing
 * was answered yet (a fresh socket's buffer takes it whole), then shutdown(),
 * which makes MHD's thread see the end and close it. Under conn_lock: MHD
 * closes the descriptor only after on_connection(CLOSED), so it is still
 * this connection's.
 */
static void conn_kill(struct conn *c, const char *answer)
{
	if (c->killed)
		return;
	if (answer)
		send(c->fd, answer, strlen(answer), MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(c->fd, SHUT_RDWR);
	c->killed = true;
}

#define ANSWER_BUSY                                                                                \
	"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"              \
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 31\r\n\r\n"                    \
	"too many connections: retry\r\n\r\n"
#define ANSWER_TIMEOUT                                                                             \
	"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"                                    \
	"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\n\r\n"                    \
	"request not complete in time\r\n"

/*
 * Whether a new connection's request line for /metrics is already in the
 * socket (peeked, left for MHD): the fast accept path. A scraper sends its
 * request as soon as it is connected, so under a flood, with the
 * connections waiting in the backlog, it is there when MHD accepts.
 */
static bool scrape_waiting(int fd)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_PEEK | MSG_DONTWAIT);
	const char *sp;

	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (strncmp(buf, "GET ", 4) && strncmp(buf, "HEAD ", 5))
		return false;
	sp = strchr(buf, ' ') + 1;
	return strchr(sp, '\n') && strchr(sp, ' ') &&
	       http_route(sp, strchr(sp, ' ') - sp) == HTTP_ROUTE_METRICS;
}

/*
 * A new connection: counted, its send buffer bounded (a client that reads
 * nothing then holds its slot, not megabytes of the kernel's memory). Past
 * HTTP_MAX_CONNECTIONS, the oldest connection whose request is incomplete
 * (slow and silent clients) makes room for it, unless it is one itself and
 * not a scrape already waiting (scrape_waiting()): then, as when every other
 * connection is being answered, the new one is refused at once with a 503.
 */
static void conn_started(struct http_server *srv, struct MHD_Connection *mc, void **ctx)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn *slot = NULL, *oldest_new = NULL;
	unsigned int open = 0;
	int sndbuf = HTTP_SNDBUF;
	bool express;

	if (!info)
		return;
	setsockopt(info->connect_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	express = scrape_waiting(info->connect_fd);
	pthread_mutex_lock(&srv->conn_lock);
	for (size_t i = 0; i < HTTP_MHD_LIMIT; i++) {
		struct conn *c = &srv->conns[i];

		if (c->state == CONN_FREE) {
			if (!slot)
				slot = c;
			continue;
		}
		if (c->killed)
			continue; /* closing: no longer counted */
		open++;
		if (c->state == CONN_NEW && (!oldest_new || c->since_ns < oldest_new->since_ns))
			oldest_new = c;
	}
	if (!slot) { /* MHD never accepts more than the table holds */
		pthread_mutex_unlock(&srv->conn_lock);
		return;
	}
	*slot = (struct conn){ .state = express ? CONN_SCRAPE : CONN_NEW,
			       .fd = info->connect_fd,
			       .since_ns = mono_ns() };
	*ctx = slot;
	srv->stats.accepted++;
	srv->stats.express += express;
	if (open >= HTTP_MAX_CONNECTIONS) {
		if (oldest_new) {
			conn_kill(oldest_new, ANSWER_BUSY);
			srv->stats.evicted++;
		} else {
			conn_kill(slot, ANSWER_BUSY);
			srv->stats.refused++;
		}
	}
	pthread_mutex_unlock(&srv->conn_lock);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	struct conn *c = *ctx;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		conn_started(srv, mc, ctx);
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&srv->conn_lock);
	c->state = CONN_FREE;
	c->fd = -1;
	pthread_mutex_unlock(&srv->conn_lock);
	*ctx = NULL;
}

/*
 * Its request is complete: a scrape, or anything else. 0 to answer it; -1
 * when the accounting has ended it; 1 when it is not a scrape and the others
 * already hold every slot but the scrapes' reserve (answer 503).
 */
static int conn_classify(struct http_server *srv, struct MHD_Connection *mc, bool scrape)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = info ? info->socket_context : NULL;
	unsigned int others = 0;
	int ret = 0;

	if (!c)
		return 0;
	pthread_mutex_lock(&srv->conn_lock);
	if (c->killed) {
		ret = -1;
		goto out;
	}
	if (scrape) {
		c->state = CONN_SCRAPE;
		srv->stats.scrapes++;
		goto out;
	}
	for (size_t i = 0; i < HTTP_MHD_LIMIT; i++)
		if (srv->conns[i].state == CONN_OTHER && !srv->conns[i].killed)
			others++;
	c->state = CONN_OTHER;
	if (others >= HTTP_MAX_CONNECTIONS - HTTP_SCRAPE_RESERVE) {
		srv->stats.busy++;
		ret = 1;
	}
out:
	pthread_mutex_unlock(&srv->conn_lock);
	return ret;
}

/*
 * The deadlines, which MHD's idle timeout does not give: a request complete
 * within HTTP_REQUEST_DEADLINE_S of the connection (however steadily it
 * dribbles in), the whole connection over within HTTP_CONNECTION_DEADLINE_S.
 */
static void *watchdog_main(void *arg)
{
	struct http_server *srv = arg;
	struct timespec ts;

	pthread_mutex_lock(&srv->conn_lock);
	while (!srv->stopping) {
		uint64_t now = mono_ns();

		for (size_t i = 0; i < HTTP_MHD_LIMIT; i++) {
			struct conn *c = &srv->conns[i];
			uint64_t age = now - c->since_ns;

			if (c->state == CONN_FREE || c->killed)
				continue;
			if (c->state == CONN_NEW && age >= HTTP_REQUEST_DEADLINE_S * 1000000000ull) {
				conn_kill(c, ANSWER_TIMEOUT);
				srv->stats.timed_out++;
			} else if (age >= HTTP_CONNECTION_DEADLINE_S * 1000000000ull) {
				conn_kill(c, NULL);
				srv->stats.timed_out++;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += HTTP_WATCHDOG_MS * 1000000l;
		if (ts.tv_nsec >= 1000000000l) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000l;
		}
		pthread_cond_timedwait(&srv->watchdog_cv, &srv->conn_lock, &ts);
	}
	pthread_mutex_unlock(&srv->conn_lock);
	return NULL;
}

void http_get_stats(struct http_server *srv, struct http_stats *out)
{
	pthread_mutex_lock(&srv->conn_lock);
	*out = srv->stats;
	out->open = 0;
	for (size_t i = 0; i < HTTP_MHD_LIMIT; i++)
		if (srv->conns[i].state != CONN_FREE)
			out->open++;
	pthread_mutex_unlock(&srv->conn_lock);
}

/* ---- serving ------------------------------------------------------------------------------ */

/*
 * b's /metrics text, from its snapshot, into the spare buffer. Under
 * render_lock with b == srv->cur, so that srv->prom describes b's snapshot.
 * 0, or -ENOMEM.
 */
static int body_render(struct http_server *srv, struct body *b)
{
	struct prom_buf pb = {0};
	int err;

	pthread_mutex_lock(&srv->lock);
	pb.data = srv->spare; /* rendered into from its start (len 0) */
	pb.cap = srv->spare_cap;
	srv->spare = NULL;
	srv->spare_cap = 0;
	pthread_mutex_unlock(&srv->lock);
	err = prom_write(srv->prom, b->snap, &pb);
	if (err) {
		prom_buf_free(&pb);
		return err;
	}
	b->metrics_cap = pb.cap;
	b->metrics = prom_buf_take(&pb, &b->metrics_len);
	if (!b->metrics)
		return -ENOMEM;
	snapshot_put(b->snap);
	b->snap = NULL;
	return 0;
}

static enum MHD_Result queue_body(struct http_server *srv, struct MHD_Connection *conn,
				  bool metrics)
{
	struct MHD_Response *r = NULL;
	enum MHD_Result ret;
	struct body *b;
	int err = 0;

	if (metrics)
		pthread_mutex_lock(&srv->render_lock);
	pthread_mutex_lock(&srv->lock);
	b = srv->cur;
	if (b)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&srv->lock);
	if (b && metrics && !b->metrics)
		err = body_render(srv, b);
	if (metrics)
		pthread_mutex_unlock(&srv->render_lock);
	if (!b)
		return MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, srv->not_ready);
	if (err) {
		body_put(b);
		return MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, srv->no_memory);
	}

	/* The response lends the body's text and drops our reference when done. */
	r = MHD_create_response_from_buffer_with_free_callback_cls(
		metrics ? b->metrics_len : b->json_len, metrics ? b->metrics : b->json, body_put,
		b);
	if (!r) {
		body_put(b);
		return MHD_NO; /* out of memory: MHD closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				metrics ? PROM_CONTENT_TYPE : "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	/* on_uri()'s route of the target as received; MHD's url is decoded. */
	enum http_route route = *con_cls ? *(const enum http_route *)*con_cls : HTTP_ROUTE_BAD;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);

	if (target_has_nul(conn, version))
		route = HTTP_ROUTE_BAD;
	switch (conn_classify(srv, conn, get && route == HTTP_ROUTE_METRICS)) {
	case -1:
		return MHD_NO; /* ended by the accounting: close */
	case 1:
		return MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, srv->busy);
	}
	if (route == HTTP_ROUTE_BAD)
		return MHD_queue_response(conn, MHD_HTTP_BAD_REQUEST, srv->bad_request);
	if (!get)
		return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, srv->bad_method);
	if (route == HTTP_ROUTE_METRICS)
		return queue_body(srv, conn, true);
	if (route == HTTP_ROUTE_STATS)
		return queue_body(srv, conn, false);
	return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, srv->not_found);
}

static struct MHD_Response *static_response(const char *text, const char *header,
					    const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								   MHD_RESPMEM_PERSISTENT);

	if (!r)
		return NULL;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8") !=
		    MHD_YES ||
	    (header && MHD_add_response_header(r, header, value) != MHD_YES)) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

static int bind_socket(const struct http_listen *where, int *out, char *msg, size_t msg_len)
{
	int fd, one = 1, err;
	const char *hint;

	fd = socket(where->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msg_len, "cannot create a socket for --listen %s: %s", where->text,
			 strerror(-err));
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/*
	 * The fast accept path: the kernel hands a connection over only once
	 * its first bytes are in (or after HTTP_DEFER_ACCEPT_S), so a scrape's
	 * request line is already there to be seen by scrape_waiting(), and
	 * connections that stay silent wait in the kernel instead of a slot.
	 */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &(int){ HTTP_DEFER_ACCEPT_S }, sizeof(int));
	if (where->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&where->addr, where->addr_len) == 0 &&
	    listen(fd, HTTP_BACKLOG) == 0) {
		*out = fd;
		return 0;
	}
	err = -errno;
	switch (-err) {
	case EADDRINUSE:
		hint = "another program uses that port: choose another one with --listen";
		break;
	case EACCES:
		hint = "ports below 1024 need CAP_NET_BIND_SERVICE: choose a port above 1023";
		break;
	case EADDRNOTAVAIL:
		hint = "that address is not one of this host's: give a local address";
		break;
	default:
		hint = "check the address given to --listen";
	}
	snprintf(msg, msg_len, "cannot listen on %s: %s; %s", where->text, strerror(-err), hint);
	close(fd);
	return err;
}

/* The address fd is bound to, as text (the port chosen for port 0). */
static void describe_bound(int fd, struct http_listen *bound)
{
	char host[INET6_ADDRSTRLEN];
	const void *a;
	uint16_t port;

	bound->addr_len = sizeof(bound->addr);
	if (getsockname(fd, (struct sockaddr *)&bound->addr, &bound->addr_len))
		return;
	if (bound->addr.ss_family == AF_INET6) {
		a = &((struct sockaddr_in6 *)&bound->addr)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&bound->addr)->sin6_port);
	} else {
		a = &((struct sockaddr_in *)&bound->addr)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&bound->addr)->sin_port);
	}
	inet_ntop(bound->addr.ss_family, a, host, sizeof(host));
	snprintf(bound->text, sizeof(bound->text),
		 bound->addr.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

int http_start(const struct http_listen *where, struct http_server **out,
	       struct http_listen *bound, char *msg, size_t msg_len)
{
	struct http_server *srv = calloc(1, sizeof(*srv));
	pthread_condattr_t cattr;
	int err;

	if (!srv) {
		snprintf(msg, msg_len, "out of memory while starting the HTTP server");
		return -ENOMEM;
	}
	srv->fd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->render_lock, NULL);
	pthread_mutex_init(&srv->conn_lock, NULL);
	/*
	 * The watchdog's deadlines are CLOCK_MONOTONIC times: its condition
	 * variable must wait on that clock (the default, CLOCK_REALTIME, takes
	 * them as long past and returns at once: a thread spinning on a CPU).
	 */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->watchdog_cv, &cattr);
	pthread_condattr_destroy(&cattr);
	for (size_t i = 0; i < HTTP_MHD_LIMIT; i++)
		srv->conns[i].fd = -1;
	srv->prom = prom_state_new();
	srv->not_found = static_response("not found: try /metrics or /stats.json\n", NULL, NULL);
	srv->bad_method = static_response("method not allowed: use GET or HEAD\n",
					  MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	srv->not_ready = static_response("no snapshot yet: retry after the first interval\n",
					 MHD_HTTP_HEADER_RETRY_AFTER, "1");
	srv->bad_request = static_response("bad request target\n", NULL, NULL);
	srv->busy = static_response("too many connections: retry\n", MHD_HTTP_HEADER_RETRY_AFTER,
				    "1");
	srv->no_memory = static_response("out of memory while rendering /metrics: retry\n",
					 MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (!srv->prom || !srv->not_found || !srv->bad_method || !srv->not_ready ||
	    !srv->bad_request || !srv->busy || !srv->no_memory) {
		snprintf(msg, msg_len, "out of memory while starting the HTTP server");
		err = -ENOMEM;
		goto cleanup;
	}
	err = bind_socket(where, &srv->fd, msg, msg_len);
	if (err)
		goto cleanup;
	if (bound)
		describe_bound(srv->fd, bound);

	/*
	 * One thread, epoll: every connection is non-blocking, so a client that
	 * sends or reads slowly holds nothing but its own buffers (MHD's
	 * per-connection memory limit, 32 KiB by default). What MHD does not
	 * do is done by the accounting above (on_connection, conn_classify,
	 * the watchdog): the limit with the excess refused at once, the
	 * scrapes' reserve, the deadlines. MHD's own limit is a little higher,
	 * so that it keeps accepting (and this code refusing) instead of leaving
	 * connections waiting in the backlog. Strict: requests that break
	 * HTTP/1.1 (no Host...) get 400.
	 */
	if (pthread_create(&srv->watchdog, NULL, watchdog_main, srv)) {
		err = -EAGAIN;
		snprintf(msg, msg_len, "cannot start the HTTP server's watchdog thread on %s (is "
			 "the system out of threads?)", where->text);
		goto cleanup;
	}
	srv->watchdog_running = true;
	srv->mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, on_request, srv,
				    MHD_OPTION_LISTEN_SOCKET, srv->fd,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MHD_LIMIT,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
				    MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
				    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
				    MHD_OPTION_STRICT_FOR_CLIENT, 1,
				    MHD_OPTION_END);
	if (!srv->mhd) {
		err = -EIO;
		snprintf(msg, msg_len, "cannot start the HTTP server on %s (libmicrohttpd refused; "
			 "is the system out of threads or file descriptors?)", where->text);
		goto cleanup;
	}
	srv->fd = -1; /* MHD closes it */
	*out = srv;
	return 0;
cleanup:
	http_stop(srv);
	return err;
}

void http_json_buffer(struct http_server *srv, struct prom_buf *out)
{
	pthread_mutex_lock(&srv->lock);
	*out = (struct prom_buf){.data = srv->json_spare, .cap = srv->json_spare_cap};
	srv->json_spare = NULL;
	srv->json_spare_cap = 0;
	pthread_mutex_unlock(&srv->lock);
}

int http_publish(struct http_server *srv, struct msrtop_snapshot *s, char *json,
		 size_t json_len)
{
	return http_publish_buffer(srv, s, json, json_len, 0);
}

int http_publish_buffer(struct http_server *srv, struct msrtop_snapshot *s, char *json,
			size_t json_len, size_t json_cap)
{
	struct body *b, *old;

	b = calloc(1, sizeof(*b));
	if (!b) {
		free(json);
		return -ENOMEM;
	}
	b->refs = 1;
	b->srv = srv;
	b->json = json;
	b->json_len = json_len;
	b->json_cap = json_cap;
	b->snap = snapshot_get(s);
	if (!b->json)
		goto nomem;

	pthread_mutex_lock(&srv->render_lock);
	if (prom_advance(srv->prom, s)) {
		pthread_mutex_unlock(&srv->render_lock);
		goto nomem;
	}
	pthread_mutex_lock(&srv->lock);
	old = srv->cur;
	srv->cur = b;
	pthread_mutex_unlock(&srv->lock);
	pthread_mutex_unlock(&srv->render_lock);
	body_put(old);
	return 0;
nomem:
	body_put(b);
	return -ENOMEM;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	if (srv->watchdog_running) {
		pthread_mutex_lock(&srv->conn_lock);
		srv->stopping = true;
		pthread_cond_signal(&srv->watchdog_cv);
		pthread_mutex_unlock(&srv->conn_lock);
		pthread_join(srv->watchdog, NULL);
	}
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);
	if (srv->fd >= 0)
		close(srv->fd);
	if (srv->not_found)
		MHD_destroy_response(srv->not_found);
	if (srv->bad_method)
		MHD_destroy_response(srv->bad_method);
	if (srv->not_ready)
		MHD_destroy_response(srv->not_ready);
	if (srv->bad_request)
		MHD_destroy_response(srv->bad_request);
	if (srv->busy)
		MHD_destroy_response(srv->busy);
	if (srv->no_memory)
		MHD_destroy_response(srv->no_memory);
	body_put(srv->cur);
	free(srv->spare);
	free(srv->json_spare);
	prom_state_free(srv->prom);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->render_lock);
	pthread_mutex_destroy(&srv->conn_lock);
	pthread_cond_destroy(&srv->watchdog_cv);
	free(srv);
}
