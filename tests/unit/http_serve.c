// SPDX-License-Identifier: GPL-2.0
/*
 * http.c alone, for the client-side tests (tests/exports/http_hostile.py,
 * tests/fuzz/http_requests.py): serves a fixed snapshot of ROWS MSR rows on
 * 127.0.0.1 at a free port, prints "port N", then answers each "stats" line
 * on stdin with the connection accounting's counters; exits at EOF.
 *
 *   http_serve ROWS
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json_out.h"
#include "snapshot.h"

static struct msrtop_snapshot *make_snapshot(unsigned int n)
{
	struct msrtop_snapshot *s = snapshot_new();

	if (!s)
		return NULL;
	s->seq = 1;
	s->time_ns = 1700000000000000000ull;
	s->start_time_ns = s->time_ns;
	for (unsigned int i = 0; i < n; i++) {
		struct msrtop_msr_row *m = snapshot_add_row(s, MSRTOP_KIND_MSRS);

		if (!m)
			return NULL;
		m->pid = 4242;
		m->vcpu = i / 64;
		m->msr = 0x200 + i % 64;
		m->write = true;
		m->count.total = 1000 + i;
	}
	return snapshot_finish(s, NULL) ? NULL : s;
}

int main(int argc, char **argv)
{
	struct http_listen where, bound;
	struct http_server *srv;
	struct msrtop_snapshot *s;
	char msg[256], line[64], *json = NULL;
	size_t json_len = 0;
	FILE *mem;

	if (argc != 2) {
		fprintf(stderr, "usage: http_serve ROWS\n");
		return 2;
	}
	s = make_snapshot((unsigned int)strtoul(argv[1], NULL, 10));
	mem = open_memstream(&json, &json_len);
	if (!s || !mem || json_out_write(mem, s, NULL, NULL) || fclose(mem)) {
		fprintf(stderr, "http_serve: cannot make the snapshot\n");
		return 1;
	}
	if (http_parse_listen("127.0.0.1:0", &where, msg, sizeof(msg)) ||
	    http_start(&where, &srv, &bound, msg, sizeof(msg))) {
		fprintf(stderr, "http_serve: %s\n", msg);
		return 1;
	}
	if (http_publish(srv, s, json, json_len)) {
		fprintf(stderr, "http_serve: out of memory\n");
		return 1;
	}
	printf("port %u\n", ntohs(((struct sockaddr_in *)&bound.addr)->sin_port));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		struct http_stats st;

		if (strcmp(line, "stats\n"))
			continue;
		http_get_stats(srv, &st);
		printf("accepted=%lu express=%lu refused=%lu evicted=%lu timed_out=%lu busy=%lu scrapes=%lu "
		       "open=%u\n", st.accepted, st.express, st.refused, st.evicted, st.timed_out, st.busy,
		       st.scrapes, st.open);
		fflush(stdout);
	}
	http_stop(srv);
	snapshot_put(s);
	return 0;
}
