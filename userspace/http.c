// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP endpoint (http.h) on libmicrohttpd: one internal thread polling
 * with epoll answers every connection from bodies rendered at publish time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "prom.h"

/* What every request of one snapshot is answered from; freed by the last user. */
struct body {
	unsigned int refs;
	struct http_server *srv; /* whose spare buffer the metrics text goes back to */
	char *metrics;
	size_t metrics_len, metrics_cap;
	char *json;
	size_t json_len;
};

struct http_server {
	struct MHD_Daemon *mhd;
	int fd; /* the listening socket, until MHD owns it */
	pthread_mutex_t lock; /* protects cur */
	struct body *cur; /* NULL until the first publish */
	/*
	 * The /metrics text buffer of a body nobody sends any more, kept for the
	 * next publish to render into: a text of many MiB is then written into
	 * memory that is already mapped, instead of a fresh allocation (mmap)
	 * whose every page faults in at each refresh. Protected by lock.
	 */
	char *spare;
	size_t spare_cap;
	struct prom_state *prom; /* publisher's thread only */
	struct MHD_Response *not_found, *bad_method, *not_ready;
};

static void body_put(void *cls)
{
	struct body *b = cls;

	if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (b->metrics) {
		pthread_mutex_lock(&b->srv->lock);
		if (!b->srv->spare || b->srv->spare_cap < b->metrics_cap) {
			free(b->srv->spare);
			b->srv->spare = b->metrics;
			b->srv->spare_cap = b->metrics_cap;
			b->metrics = NULL;
		}
		pthread_mutex_unlock(&b->srv->lock);
	}
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

/* ---- serving ------------------------------------------------------------------------------ */

static enum MHD_Result queue_body(struct http_server *srv, struct MHD_Connection *conn,
				  bool metrics)
{
	struct MHD_Response *r = NULL;
	enum MHD_Result ret;
	struct body *b;

	pthread_mutex_lock(&srv->lock);
	b = srv->cur;
	if (b)
		__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&srv->lock);
	if (!b)
		return MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, srv->not_ready);

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

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, srv->bad_method);
	if (!strcmp(url, "/metrics"))
		return queue_body(srv, conn, true);
	if (!strcmp(url, "/stats.json"))
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
	if (where->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&where->addr, where->addr_len) == 0 &&
	    listen(fd, HTTP_MAX_CONNECTIONS) == 0) {
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
	int err;

	if (!srv) {
		snprintf(msg, msg_len, "out of memory while starting the HTTP server");
		return -ENOMEM;
	}
	srv->fd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	srv->prom = prom_state_new();
	srv->not_found = static_response("not found: try /metrics or /stats.json\n", NULL, NULL);
	srv->bad_method = static_response("method not allowed: use GET or HEAD\n",
					  MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	srv->not_ready = static_response("no snapshot yet: retry after the first interval\n",
					 MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (!srv->prom || !srv->not_found || !srv->bad_method || !srv->not_ready) {
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
	 * sends or reads slowly holds nothing but its own buffers (limited by
	 * MHD's per-connection memory limit, 32 KiB by default) until the
	 * timeout; past the connection limit, new connections are refused.
	 * Strict: requests that break HTTP/1.1 (no Host...) get 400.
	 */
	srv->mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, 0, NULL, NULL, on_request, srv,
				    MHD_OPTION_LISTEN_SOCKET, srv->fd,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
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

int http_publish(struct http_server *srv, const struct msrtop_snapshot *s, char *json,
		 size_t json_len)
{
	struct prom_buf pb = { 0 };
	struct body *b, *old;
	int err;

	b = calloc(1, sizeof(*b));
	if (!b) {
		free(json);
		return -ENOMEM;
	}
	b->refs = 1;
	b->srv = srv;
	b->json = json;
	b->json_len = json_len;
	pthread_mutex_lock(&srv->lock);
	pb.data = srv->spare; /* rendered into from its start (len 0) */
	pb.cap = srv->spare_cap;
	srv->spare = NULL;
	srv->spare_cap = 0;
	pthread_mutex_unlock(&srv->lock);
	err = prom_render(srv->prom, s, &pb);
	b->metrics_cap = pb.cap;
	b->metrics = prom_buf_take(&pb, &b->metrics_len);
	if (err || !b->metrics || !b->json)
		goto nomem;

	pthread_mutex_lock(&srv->lock);
	old = srv->cur;
	srv->cur = b;
	pthread_mutex_unlock(&srv->lock);
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
	body_put(srv->cur);
	free(srv->spare);
	prom_state_free(srv->prom);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
