// SPDX-License-Identifier: GPL-2.0
/*
 * ref_counter: loads the benchmark's reference program (ref_counter.bpf.c) on
 * kvm:kvm_msr, in the attachment flavour asked for, and counts until SIGINT or
 * SIGTERM. Then prints the counters, summed over CPUs, and exits 0.
 *
 *   ref_counter [--attach tp_btf|raw_tp|tracepoint] [-v]
 *
 * Once attached it prints one line on stdout:
 *	attached FLAVOUR prog_id ID prog_name NAME
 * (the overhead benchmark waits for it, and finds the program's statistics in
 * `bpftool prog show` by its id). At the end, one line per key:
 *	count PID MSR(hex) read|write N
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ref_counter.h"
#include "ref_counter.skel.h"

static int verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose)
		return 0; /* the one-line errors below say what failed */
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: ref_counter [--attach tp_btf|raw_tp|tracepoint] [-v]\n"
		   "Counts kvm:kvm_msr events per (pid, MSR, direction) with the least work a\n"
		   "BPF program can do, until SIGINT or SIGTERM; then prints the counts.\n");
}

static struct bpf_program *pick(struct ref_counter_bpf *skel, const char *flavour)
{
	if (!strcmp(flavour, "tp_btf"))
		return skel->progs.ref_msr_btf;
	if (!strcmp(flavour, "raw_tp"))
		return skel->progs.ref_msr_raw;
	if (!strcmp(flavour, "tracepoint"))
		return skel->progs.ref_msr_tp;
	return NULL;
}

static int print_counts(int map_fd)
{
	int nr_cpus = libbpf_num_possible_cpus();
	struct ref_key key, next, *prev = NULL;
	uint64_t *vals;

	if (nr_cpus <= 0) {
		fprintf(stderr, "ref_counter: cannot count the possible CPUs: is /sys mounted?\n");
		return -1;
	}
	vals = calloc(nr_cpus, sizeof(*vals));
	if (!vals) {
		fprintf(stderr, "ref_counter: out of memory\n");
		return -1;
	}
	while (bpf_map_get_next_key(map_fd, prev, &next) == 0) {
		uint64_t sum = 0;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, vals))
			continue;
		for (int cpu = 0; cpu < nr_cpus; cpu++)
			sum += vals[cpu];
		printf("count %u 0x%x %s %llu\n", key.pid, key.msr, key.write ? "write" : "read",
		       (unsigned long long)sum);
	}
	free(vals);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"attach", required_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *flavour = "tp_btf";
	struct ref_counter_bpf *skel = NULL;
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	struct bpf_program *prog, *p;
	struct bpf_link *link = NULL;
	sigset_t mask, old;
	int c, err, status = 1;

	while ((c = getopt_long(argc, argv, "a:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			flavour = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ref_counter: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	libbpf_set_print(print_libbpf);

	/* Blocked from here on: sigwait() below takes them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &old);

	skel = ref_counter_bpf__open();
	if (!skel) {
		fprintf(stderr, "ref_counter: cannot open the BPF object: %s\n", strerror(errno));
		goto cleanup;
	}
	prog = pick(skel, flavour);
	if (!prog) {
		fprintf(stderr,
			"ref_counter: unknown --attach '%s': give tp_btf, raw_tp or "
			"tracepoint\n",
			flavour);
		status = 2;
		goto cleanup;
	}
	for (p = bpf_object__next_program(skel->obj, NULL); p;
	     p = bpf_object__next_program(skel->obj, p))
		bpf_program__set_autoload(p, p == prog);
	err = ref_counter_bpf__load(skel);
	if (err) {
		fprintf(stderr,
			"ref_counter: loading the BPF program failed (%s): run as root; "
			"-v shows libbpf's log\n",
			strerror(-err));
		goto cleanup;
	}
	link = bpf_program__attach(prog);
	if (!link) {
		fprintf(stderr,
			"ref_counter: attaching to kvm:kvm_msr as %s failed (%s): does "
			"this kernel have KVM? -v shows libbpf's log\n",
			flavour, strerror(errno));
		goto cleanup;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &info_len)) {
		fprintf(stderr, "ref_counter: cannot read the program's id: %s\n", strerror(errno));
		goto cleanup;
	}
	printf("attached %s prog_id %u prog_name %s\n", flavour, info.id, info.name);
	fflush(stdout);

	while (1) {
		int sig;

		if (sigwait(&mask, &sig) == 0 && (sig == SIGINT || sig == SIGTERM))
			break;
	}
	bpf_link__destroy(link);
	link = NULL;
	if (print_counts(bpf_map__fd(skel->maps.counts)) == 0)
		status = 0;

cleanup:
	bpf_link__destroy(link);
	ref_counter_bpf__destroy(skel);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
