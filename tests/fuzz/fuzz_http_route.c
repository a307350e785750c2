// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: http_route() (userspace/http.c) on any bytes, against a
 * model written apart from it, from what http.h and docs/daemon.md promise
 * of a request target (RFC 9112 origin-form and absolute-form, RFC 3986
 * percent-encoding). A difference, or a sanitizer report, is a crash with
 * the target printed escaped. Run by tests/fuzz/libfuzzer.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static const char *const route_names[] = {
	[HTTP_ROUTE_METRICS] = "metrics",
	[HTTP_ROUTE_STATS] = "stats",
	[HTTP_ROUTE_NOT_FOUND] = "not found",
	[HTTP_ROUTE_BAD] = "bad",
};

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986, 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
static bool is_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * The model, in three passes: every byte of the target must be visible
 * ASCII other than '#'; the path is cut out (after an http(s):// authority,
 * up to '?'); the path is percent-decoded, unreserved characters only, and
 * compared with the two routes.
 */
static enum http_route model(const unsigned char *t, size_t n)
{
	size_t path, end, skip = 0;
	char decoded[4 * 64];
	size_t dn = 0;

	if (!n)
		return HTTP_ROUTE_BAD;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] >= 0x7f || t[i] == '#')
			return HTTP_ROUTE_BAD;
	if (n >= 7 && !strncasecmp((const char *)t, "http://", 7))
		skip = 7;
	else if (n >= 8 && !strncasecmp((const char *)t, "https://", 8))
		skip = 8;
	if (skip) {
		for (path = skip; path < n && t[path] != '/' && t[path] != '?'; path++)
			;
		if (path >= n || t[path] == '?')
			return HTTP_ROUTE_NOT_FOUND; /* an empty path is "/" */
	} else if (t[0] == '/') {
		path = 0;
	} else {
		return HTTP_ROUTE_BAD;
	}
	for (end = path; end < n && t[end] != '?'; end++)
		;
	for (size_t i = path; i < end; i++) {
		int hi, lo;

		if (t[i] != '%') {
			if (dn < sizeof(decoded))
				decoded[dn++] = t[i];
			continue;
		}
		hi = i + 1 < end ? hex(t[i + 1]) : -1;
		lo = i + 2 < end ? hex(t[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi | lo) == 0)
			return HTTP_ROUTE_BAD;
		if (is_unreserved(hi * 16 + lo)) {
			if (dn < sizeof(decoded))
				decoded[dn++] = (char)(hi * 16 + lo);
		} else if (dn < sizeof(decoded)) {
			decoded[dn++] = '%'; /* stays encoded: matches no route */
		}
		i += 2;
	}
	if (dn == 8 && !memcmp(decoded, "/metrics", 8))
		return HTTP_ROUTE_METRICS;
	if (dn == 11 && !memcmp(decoded, "/stats.json", 11))
		return HTTP_ROUTE_STATS;
	return HTTP_ROUTE_NOT_FOUND;
}

/* How often each route came out: printed at exit, so that a run shows it reached them all. */
static unsigned long seen[HTTP_ROUTE_BAD + 1];

static void print_seen(void)
{
	fprintf(stderr, "routes seen: metrics=%lu stats=%lu not_found=%lu bad=%lu\n",
		seen[HTTP_ROUTE_METRICS], seen[HTTP_ROUTE_STATS], seen[HTTP_ROUTE_NOT_FOUND],
		seen[HTTP_ROUTE_BAD]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	atexit(print_seen);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: AddressSanitizer catches a read past the end. */
	char *t = malloc(size ? size : 1);
	enum http_route got, want;

	if (!t)
		return 0;
	memcpy(t, data, size);
	got = http_route(t, size);
	want = model(data, size);
	if (got != want) {
		fprintf(stderr, "http_route() says '%s', the model '%s', for the %zu bytes:",
			route_names[got], route_names[want], size);
		for (size_t i = 0; i < size; i++)
			fprintf(stderr, data[i] > ' ' && data[i] < 0x7f ? "%c" : "\\x%02x", data[i]);
		fputc('\n', stderr);
		abort();
	}
	seen[got]++;
	free(t);
	return 0;
}
