// SPDX-License-Identifier: GPL-2.0
/*
 * http.c over loopback sockets: --listen parsing, 503 before the first
 * snapshot, /metrics and /stats.json (the same bytes as --json), HEAD, 404,
 * 405, malformed requests, silent and slow clients, 100 concurrent requests,
 * and a body that stays whole while newer snapshots are published.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmocka_tap.h"
#include "http.h"
#include "json_out.h"
#include "prom.h"
#include "snapshot.h"

#define NR_CONCURRENT 100

struct fixture {
	struct http_server *srv;
	struct http_listen bound;
	uint16_t port;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* A snapshot with n MSR rows (for a body of some size) and a VM. */
static struct msrtop_snapshot *make_snapshot(uint64_t seq, unsigned int n)
{
	struct msrtop_snapshot *s = snapshot_new();
	struct msrtop_vm *vm;

	assert_non_null(s);
	s->seq = seq;
	s->time_ns = 1700000000000000000ull + seq * 1000000000ull;
	s->start_time_ns = 1700000000000000000ull;
	s->mono_ns = seq * 1000000000ull;
	s->sources[MSRTOP_SRC_KVM_MSR] = (struct msrtop_source){
		.name = "kvm_msr", .attach = "tracepoint", .state = MSRTOP_SRC_ATTACHED};
	for (unsigned int i = 0; i < n; i++) {
		struct msrtop_msr_row *m = snapshot_add_row(s, MSRTOP_KIND_MSRS);

		assert_non_null(m);
		m->pid = 4242;
		m->vcpu = i / 64;
		m->msr = 0x200 + i % 64;
		m->write = true;
		m->count.total = seq * 1000 + i;
	}
	assert_int_equal(snapshot_finish(s, NULL), 0);
	vm = snapshot_find_vm(s, 4242);
	if (vm) {
		snprintf(vm->comm, sizeof(vm->comm), "msrload");
		vm->alive = true;
	}
	return s;
}

static int connect_port(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n <= 0)
			return; /* the server may close on a bad request */
		data += n;
		len -= n;
	}
}

/* Reads until the server closes (or 5 s pass); returns a malloc'ed NUL-terminated buffer. */
static char *read_all(int fd, size_t *len_out)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

/* Sends a raw request on a new connection and returns the whole answer. */
static char *exchange(uint16_t port, const char *req, size_t *len)
{
	int fd = connect_port(port);
	char *resp;

	send_all(fd, req, strlen(req));
	resp = read_all(fd, len);
	close(fd);
	return resp;
}

static int status_of(const char *resp)
{
	int code = 0;

	sscanf(resp, "HTTP/1.%*d %d", &code);
	return code;
}

/* The value of header name in resp (case-insensitive), copied to out; false if absent. */
static bool header(const char *resp, const char *name, char *out, size_t len)
{
	const char *end = strstr(resp, "\r\n\r\n");
	size_t n = strlen(name);

	for (const char *l = strstr(resp, "\r\n"); l && (!end || l < end);
	     l = strstr(l + 2, "\r\n")) {
		if (!strncasecmp(l + 2, name, n) && l[2 + n] == ':') {
			const char *v = l + 3 + n, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(out, len, "%.*s", (int)(e - v), v);
			return true;
		}
	}
	return false;
}

static const char *body_of(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");

	return p ? p + 4 : "";
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct http_listen where;
	char msg[256];

	assert_int_equal(http_parse_listen("127.0.0.1:0", &where, msg, sizeof(msg)), 0);
	assert_int_equal(http_start(&where, &f->srv, &f->bound, msg, sizeof(msg)), 0);
	f->port = ntohs(((struct sockaddr_in *)&f->bound.addr)->sin_port);
	assert_true(f->port > 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	http_stop(f->srv);
	free(f);
	return 0;
}

/*
 * http_publish_buffer() with s's document rendered as msrtop renders it, into
 * the buffer the server has spare (as msrtop does): every test then checks
 * that a recycled buffer never changes a body still being sent.
 */
static int publish_doc(struct http_server *srv, struct msrtop_snapshot *s)
{
	struct prom_buf doc;

	http_json_buffer(srv, &doc);
	doc.len = 0;
	assert_int_equal(json_out_render(&doc, s, NULL, NULL), 0);
	assert_false(doc.oom);
	return http_publish_buffer(srv, s, doc.data, doc.len, doc.cap);
}

static void publish(struct fixture *f, uint64_t seq, unsigned int rows)
{
	struct msrtop_snapshot *s = make_snapshot(seq, rows);

	assert_int_equal(publish_doc(f->srv, s), 0);
	snapshot_put(s);
}

static void test_parse_listen(void **state)
{
	static const struct {
		const char *arg;
		const char *text; /* NULL: refused */
	} cases[] = {
		{"9100", "127.0.0.1:9100"},
		{":9100", "127.0.0.1:9100"},
		{"0.0.0.0:80", "0.0.0.0:80"},
		{"localhost:9100", "127.0.0.1:9100"},
		{"[::1]:9100", "[::1]:9100"},
		{"[::]:0", "[::]:0"},
		{"", NULL},
		{"65536", NULL},
		{"-1", NULL},
		{"+80", NULL},
		{"9100x", NULL},
		{"127.0.0.1", NULL},
		{"127.0.0.1:", NULL},
		{"example.com:9100", NULL},
		{"::1:9100", NULL},
		{"[::1]9100", NULL},
		{"[127.0.0.1]:9100", NULL},
		{"[::1:9100", NULL},
		{"256.0.0.1:9100", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_listen l;
		char msg[256] = "";
		int err = http_parse_listen(cases[i].arg, &l, msg, sizeof(msg));

		if (cases[i].text) {
			assert_int_equal(err, 0);
			assert_string_equal(l.text, cases[i].text);
		} else {
			assert_int_equal(err, -EINVAL);
			/* One line that names the argument. */
			assert_non_null(strstr(msg, cases[i].arg));
			assert_null(strchr(msg, '\n'));
		}
	}
}

/* Request targets per RFC 9112 section 3.2, with the bytes hostile clients send. */
static void test_route(void **state)
{
	static const struct {
		const char *target;
		size_t len; /* 0: strlen */
		enum http_route want;
	} cases[] = {
		{ "/metrics", 0, HTTP_ROUTE_METRICS },
		{ "/metrics?x=1&y", 0, HTTP_ROUTE_METRICS },
		{ "/stats.json", 0, HTTP_ROUTE_STATS },
		{ "http://127.0.0.1:9100/metrics", 0, HTTP_ROUTE_METRICS },
		{ "HTTP://h/stats.json?q", 0, HTTP_ROUTE_STATS },
		{ "https://h/metrics", 0, HTTP_ROUTE_METRICS },
		{ "http://h", 0, HTTP_ROUTE_NOT_FOUND },
		{ "http://h?x", 0, HTTP_ROUTE_NOT_FOUND },
		{ "/%6detrics", 0, HTTP_ROUTE_METRICS },
		{ "/%2Fmetrics", 0, HTTP_ROUTE_NOT_FOUND },
		{ "/metrics/", 0, HTTP_ROUTE_NOT_FOUND },
		{ "/Metrics", 0, HTTP_ROUTE_NOT_FOUND },
		{ "/", 0, HTTP_ROUTE_NOT_FOUND },
		{ "/metrics%00", 0, HTTP_ROUTE_BAD },
		{ "/metrics\0", 9, HTTP_ROUTE_BAD },
		{ "/metrics\0x", 10, HTTP_ROUTE_BAD },
		{ "/metrics?\0", 10, HTTP_ROUTE_BAD },
		{ "/metrics%", 0, HTTP_ROUTE_BAD },
		{ "/metrics%4", 0, HTTP_ROUTE_BAD },
		{ "/metrics%zz", 0, HTTP_ROUTE_BAD },
		{ "/metrics#frag", 0, HTTP_ROUTE_BAD },
		{ "/met rics", 0, HTTP_ROUTE_BAD },
		{ "/metrics\x1b[2J", 0, HTTP_ROUTE_BAD },
		{ "/m\xc3\xa9trics", 0, HTTP_ROUTE_BAD },
		{ "metrics", 0, HTTP_ROUTE_BAD },
		{ "*", 0, HTTP_ROUTE_BAD },
		{ "", 0, HTTP_ROUTE_BAD },
		{ "http://h x/metrics", 0, HTTP_ROUTE_BAD },
		/* Found by tests/fuzz/fuzz_http_route.c: the authority is checked too. */
		{ "http://h\xff", 0, HTTP_ROUTE_BAD },
		{ "http://h#x/metrics", 0, HTTP_ROUTE_BAD },
		{ "http://h\x7f/metrics", 0, HTTP_ROUTE_BAD },
		{ "http://h?x#y", 0, HTTP_ROUTE_BAD },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].target);

		if (http_route(cases[i].target, len) != cases[i].want)
			fail_msg("target %zu (%s): route %d, want %d", i, cases[i].target,
				 http_route(cases[i].target, len), cases[i].want);
	}
}

/* Over the socket: the raw target decides, not MHD's decoded URL. */
static void test_targets_over_http(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(1, 3);
	static const struct {
		const char *req;
		size_t len;
		int want;
	} cases[] = {
		{ "GET /metrics%00 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400 },
		{ "GET /metrics\0x HTTP/1.1\r\nHost: x\r\n\r\n", 36, 400 },
		{ "GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n", 0, 200 },
		{ "GET /%6detrics HTTP/1.1\r\nHost: x\r\n\r\n", 0, 200 },
		{ "POST /metrics%00 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400 },
	};

	assert_int_equal(publish_doc(f->srv, s), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].req);
		int fd = connect_port(f->port);
		char *resp;

		send_all(fd, cases[i].req, len);
		resp = read_all(fd, NULL);
		close(fd);
		if (status_of(resp) != cases[i].want)
			fail_msg("request %zu: status %d, want %d", i, status_of(resp),
				 cases[i].want);
		free(resp);
	}
	snapshot_put(s);
}

static void test_bind_error(void **state)
{
	struct fixture *f = *state;
	struct http_server *srv = NULL;
	struct http_listen where;
	char msg[256], arg[32];

	snprintf(arg, sizeof(arg), "127.0.0.1:%u", f->port);
	assert_int_equal(http_parse_listen(arg, &where, msg, sizeof(msg)), 0);
	assert_int_equal(http_start(&where, &srv, NULL, msg, sizeof(msg)), -EADDRINUSE);
	assert_null(srv);
	assert_non_null(strstr(msg, "choose another"));
}

static void test_not_ready(void **state)
{
	struct fixture *f = *state;
	char *r = exchange(f->port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			   NULL);
	char v[64];

	assert_int_equal(status_of(r), 503);
	assert_true(header(r, "Retry-After", v, sizeof(v)));
	free(r);
}

static void test_metrics_and_json(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(3, 10);
	char v[128], *r, *json = NULL;
	size_t json_len = 0;
	struct json_object *doc;
	FILE *mem;

	assert_int_equal(publish_doc(f->srv, s), 0);

	r = exchange(f->port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		     NULL);
	assert_int_equal(status_of(r), 200);
	assert_true(header(r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(body_of(r), "# TYPE msrtop_msr_accesses_total counter\n"));
	assert_non_null(strstr(body_of(r), "comm=\"msrload\""));
	assert_non_null(strstr(body_of(r), "\nmsrtop_snapshots_total 3\n"));
	free(r);

	/* A query string does not matter; the body is --json's document, byte for byte. */
	r = exchange(f->port, "GET /stats.json?x=1 HTTP/1.0\r\n\r\n", NULL);
	assert_int_equal(status_of(r), 200);
	assert_true(header(r, "Content-Type", v, sizeof(v)));
	assert_string_equal(v, "application/json");
	mem = open_memstream(&json, &json_len);
	assert_int_equal(json_out_write(mem, s, NULL, NULL), 0);
	fclose(mem);
	assert_string_equal(body_of(r), json);
	doc = json_tokener_parse(body_of(r));
	assert_non_null(doc);
	json_object_put(doc);
	free(json);
	free(r);
	snapshot_put(s);
}

/*
 * docs/daemon.md: every response ends its connection. An HTTP/1.1 client
 * that asks for nothing (keep-alive by default) is told so.
 */
static void test_connection_close(void **state)
{
	struct fixture *f = *state;
	static const char *const reqs[] = {
		"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /stats.json HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
		"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n",
	};
	char v[64], *r;

	publish(f, 1, 1);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		r = exchange(f->port, reqs[i], NULL);
		assert_true(status_of(r) == 200 || status_of(r) == 404);
		assert_true(header(r, "Connection", v, sizeof(v)));
		assert_string_equal(v, "close");
		free(r);
	}
}

static void test_head_404_405(void **state)
{
	struct fixture *f = *state;
	static const char *const bad_methods[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
	char v[128], req[256], *r;

	publish(f, 1, 1);
	r = exchange(f->port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		     NULL);
	assert_int_equal(status_of(r), 200);
	assert_true(header(r, "Content-Length", v, sizeof(v)));
	assert_true(atoi(v) > 1000);
	assert_string_equal(body_of(r), "");
	free(r);

	for (size_t i = 0; i < sizeof(bad_methods) / sizeof(bad_methods[0]); i++) {
		snprintf(req, sizeof(req),
			 "%s /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			 "Content-Length: 3\r\n\r\nabc",
			 bad_methods[i]);
		r = exchange(f->port, req, NULL);
		assert_int_equal(status_of(r), 405);
		assert_true(header(r, "Allow", v, sizeof(v)));
		assert_string_equal(v, "GET, HEAD");
		free(r);
	}
	static const char *const paths[] = {"/",      "/metrics/",   "/metric",
					    "/stats", "/../metrics", "/stats.json/x"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", paths[i]);
		r = exchange(f->port, req, NULL);
		assert_int_equal(status_of(r), 404);
		free(r);
	}
}

static void expect_served(struct fixture *f)
{
	char *r = exchange(f->port, "GET /metrics HTTP/1.0\r\n\r\n", NULL);

	assert_int_equal(status_of(r), 200);
	free(r);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	static const char *const reqs[] = {
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET /metrics HTTP/9.9\r\n\r\n",
		"GET /metrics HTTP/1.1\r\n\r\n", /* 1.1 without Host */
		"GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
		"\x01\x02\x03\xff\xfe\r\n\r\n",
		"\r\n\r\n\r\nGET\r\n\r\n", /* empty lines first, then junk */
		/* From here on: a valid GET with a broken body, which may be answered. */
		"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nab",
	};
	const size_t nr_refused = 9;
	const char *head = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ";
	char *big, *r;
	size_t n = 65536;

	publish(f, 1, 1);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		uint64_t t0 = now_ms();

		r = exchange(f->port, reqs[i], NULL);
		/* An error status or a closed connection, at once; never a hang. */
		assert_true(now_ms() - t0 < 2000);
		if (i < nr_refused)
			assert_true(status_of(r) == 0 || status_of(r) >= 400);
		free(r);
		expect_served(f);
	}
	/* A header far above the per-connection memory limit. */
	big = malloc(n + 64);
	assert_non_null(big);
	strcpy(big, head);
	memset(big + strlen(head), 'a', n);
	strcpy(big + strlen(head) + n, "\r\n\r\n");
	r = exchange(f->port, big, NULL);
	assert_int_equal(status_of(r), 431);
	free(r);
	free(big);
	expect_served(f);
}

/* Silent clients, and one that asks for a large body and reads nothing, do not delay others. */
static void test_silent_and_slow_clients(void **state)
{
	struct fixture *f = *state;
	int silent[20], slow, half;
	uint64_t t0;
	const char *req = "GET /stats.json HTTP/1.1\r\nHost: x\r\n\r\n";

	publish(f, 1, 20000); /* a body of a few MiB */
	for (int i = 0; i < 20; i++)
		silent[i] = connect_port(f->port);
	half = connect_port(f->port);
	send_all(half, "GET /metr", 9);
	slow = connect_port(f->port);
	for (int i = 0; i < 50; i++)
		send_all(slow, req, strlen(req)); /* pipelined; never read */
	t0 = now_ms();
	for (int i = 0; i < 20; i++)
		expect_served(f);
	assert_true(now_ms() - t0 < 3000);
	/* Publishing does not wait for anyone either. */
	t0 = now_ms();
	publish(f, 2, 20000);
	assert_true(now_ms() - t0 < 3000);
	expect_served(f);
	for (int i = 0; i < 20; i++)
		close(silent[i]);
	close(half);
	close(slow);
}

static void test_concurrent(void **state)
{
	struct fixture *f = *state;
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	int fds[NR_CONCURRENT];
	char *first = NULL;

	publish(f, 5, 200);
	for (int i = 0; i < NR_CONCURRENT; i++)
		fds[i] = connect_port(f->port);
	for (int i = 0; i < NR_CONCURRENT; i++)
		send_all(fds[i], req, strlen(req));
	for (int i = 0; i < NR_CONCURRENT; i++) {
		char *r = read_all(fds[i], NULL);

		close(fds[i]);
		assert_int_equal(status_of(r), 200);
		if (!first) {
			first = r;
			continue;
		}
		assert_string_equal(body_of(r), body_of(first));
		free(r);
	}
	free(first);
}

/* A response in flight keeps the body it started with, whole. */
/* make_snapshot(seq, n) with the VM alive or gone (its comm known either way). */
static struct msrtop_snapshot *vm_snapshot(uint64_t seq, bool alive)
{
	struct msrtop_snapshot *s = make_snapshot(seq, 3);

	snapshot_find_vm(s, 4242)->alive = alive;
	return s;
}

/*
 * /metrics is rendered by the first scrape, from the last snapshot, but every
 * published snapshot moves the VMs' incarnations on: a VM scraped alive
 * (snapshot 1) that died (2) and came back (3) before the next scrape is a new
 * incarnation, labelled with the time of snapshot 3, exactly as if every
 * snapshot had been rendered.
 */
static void test_metrics_follow_unscraped_snapshots(void **state)
{
	struct fixture *f = *state;
	struct prom_state *st = prom_state_new();
	struct prom_buf ref = {0};
	char *r;
	size_t len;

	assert_non_null(st);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		struct msrtop_snapshot *s = vm_snapshot(seq, seq != 2);

		assert_int_equal(publish_doc(f->srv, s), 0);
		prom_buf_free(&ref);
		assert_int_equal(prom_render(st, s, &ref), 0);
		snapshot_put(s);
		if (seq == 1) { /* scraped once: the VM's first incarnation */
			r = exchange(f->port, "GET /metrics HTTP/1.0\r\n\r\n", &len);
			assert_non_null(strstr(body_of(r), "vm_start=\"1700000001\""));
			free(r);
		}
	}
	r = exchange(f->port, "GET /metrics HTTP/1.0\r\n\r\n", &len);
	assert_int_equal(status_of(r), 200);
	assert_non_null(strstr(body_of(r), "vm_start=\"1700000003\""));
	assert_null(strstr(body_of(r), "vm_start=\"1700000001\""));
	assert_string_equal(body_of(r), ref.data);
	free(r);
	/* A second scrape of the same snapshot gets the same text. */
	r = exchange(f->port, "GET /metrics HTTP/1.0\r\n\r\n", &len);
	assert_string_equal(body_of(r), ref.data);
	free(r);
	prom_buf_free(&ref);
	prom_state_free(st);
}

static void test_body_survives_publish(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(7, 20000);
	const char *req = "GET /stats.json HTTP/1.0\r\n\r\n";
	char *json = NULL, *r, part[4096];
	size_t json_len = 0, len;
	ssize_t n;
	FILE *mem;
	int fd;

	assert_int_equal(publish_doc(f->srv, s), 0);
	mem = open_memstream(&json, &json_len);
	assert_int_equal(json_out_write(mem, s, NULL, NULL), 0);
	fclose(mem);
	snapshot_put(s);

	fd = connect_port(f->port);
	send_all(fd, req, strlen(req));
	n = recv(fd, part, sizeof(part) - 1, MSG_WAITALL);
	assert_true(n > 0);
	part[n] = '\0';
	for (uint64_t seq = 8; seq < 12; seq++)
		publish(f, seq, 10);
	r = read_all(fd, &len);
	close(fd);
	/* The head we read, then the rest: the document of snapshot 7. */
	{
		size_t total = n + len;
		char *all = malloc(total + 1);

		memcpy(all, part, n);
		memcpy(all + n, r, len + 1);
		assert_int_equal(status_of(all), 200);
		assert_string_equal(body_of(all), json);
		free(all);
	}
	free(r);
	free(json);
}

/* The buffer of a body nobody sends any more is handed out for the next document. */
static void test_json_buffer_reused(void **state)
{
	struct fixture *f = *state;
	struct msrtop_snapshot *s = make_snapshot(20, 50);
	struct prom_buf doc;
	char *first, *json = NULL, *r;
	size_t json_len = 0;
	FILE *mem;

	http_json_buffer(f->srv, &doc);
	assert_null(doc.data); /* nothing published yet */
	assert_int_equal(publish_doc(f->srv, s), 0);
	publish(f, 21, 50); /* 20's body is released: its buffer becomes the spare */
	http_json_buffer(f->srv, &doc);
	assert_non_null(doc.data);
	assert_true(doc.cap > 0);
	first = doc.data;
	/* Snapshot 22's document written over it, published, served whole. */
	snapshot_put(s);
	s = make_snapshot(22, 50);
	doc.len = 0;
	assert_int_equal(json_out_render(&doc, s, NULL, NULL), 0);
	assert_ptr_equal(doc.data, first); /* the same memory: no new allocation */
	assert_int_equal(http_publish_buffer(f->srv, s, doc.data, doc.len, doc.cap), 0);
	r = exchange(f->port, "GET /stats.json HTTP/1.0\r\n\r\n", NULL);
	mem = open_memstream(&json, &json_len);
	assert_int_equal(json_out_write(mem, s, NULL, NULL), 0);
	fclose(mem);
	assert_string_equal(body_of(r), json);
	free(json);
	free(r);
	snapshot_put(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_route),
		cmocka_unit_test_setup_teardown(test_targets_over_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_and_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_404_405, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_and_slow_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_survives_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_buffer_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_follow_unscraped_snapshots, setup,
						teardown),
	};

	return tap_cmocka_run("http", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
