// SPDX-License-Identifier: GPL-2.0
/*
 * kfunc_probe: run a command (msrload) while tests/kfunc/kfunc.bpf.c reads
 * MSRs of its vCPU at every kvm_exit through bpf_kvm_vcpu_get_msr(), then
 * print what the programs saw as one JSON object on stdout:
 *
 *   kfunc_probe [--sample-only] MSR[,MSR...] -- COMMAND [ARG]...
 *
 *   {"kfunc": true, "exit_status": 0,
 *    "msrs": [{"msr": N, "samples": N, "changes": N, "errors": N,
 *              "last": "0x..", "last_error": N}...],
 *    "changes": [{"msr": N, "vcpu": N, "old": "0x..", "new": "0x.."}...],
 *    "ring_lost": N,
 *    "denied": {"calls": N, "einval": N, "succeeded": N, "other": N},
 *    "misuse": {"loaded": BOOL, "verifier": "...", "calls": N, "eperm": N,
 *               "succeeded": N, "other": N}}
 *
 * --sample-only: only the MSRs' reads (no APIC_BASE call, no misuse program),
 * for measuring what sampling costs per exit.
 * "kfunc": false (and exit 3) when the running kernel has no
 * bpf_kvm_vcpu_get_msr. The command's own stdout is left alone: give msrload
 * --output. Exit 2 on a bad command line, 1 on any other failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "kfunc.h"
#include "kfunc.skel.h"

static struct json_object *changes_out;

/* A 64-bit value as "0x..." (JSON numbers above 2^53 lose precision in most readers). */
static struct json_object *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

static int on_change(void *ctx, void *data, size_t size)
{
	const struct kfunc_change *c = data;
	struct json_object *o = json_object_new_object();

	(void)ctx;
	if (size < sizeof(*c))
		return 0;
	json_object_object_add(o, "msr", json_object_new_int64(c->msr));
	json_object_object_add(o, "vcpu", json_object_new_int64(c->vcpu));
	json_object_object_add(o, "old", hex(c->old));
	json_object_object_add(o, "new", hex(c->new));
	json_object_array_add(changes_out, o);
	return 0;
}

static struct json_object *calls_json(const struct kfunc_calls *c, const char *expected)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "calls", json_object_new_uint64(c->calls));
	json_object_object_add(o, expected, json_object_new_uint64(c->expected));
	json_object_object_add(o, "succeeded", json_object_new_uint64(c->succeeded));
	json_object_object_add(o, "other", json_object_new_int64(c->other_ret));
	return o;
}

/* Whether vmlinux's BTF, or the kvm module's, has the kfunc. */
static int have_kfunc(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *kvm = NULL;
	int found = 0;

	if (!vmlinux)
		return 0;
	found = btf__find_by_name_kind(vmlinux, "bpf_kvm_vcpu_get_msr", BTF_KIND_FUNC) > 0;
	if (!found) {
		kvm = btf__load_module_btf("kvm", vmlinux);
		if (kvm)
			found = btf__find_by_name_kind(kvm, "bpf_kvm_vcpu_get_msr",
						       BTF_KIND_FUNC) > 0;
	}
	btf__free(kvm);
	btf__free(vmlinux);
	return found;
}

static int parse_msrs(const char *list, uint32_t *msrs, uint32_t *nr)
{
	char *copy = strdup(list), *tok, *save = NULL, *end;
	int ret = 0;

	*nr = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long v;

		errno = 0;
		v = strtoul(tok, &end, 0);
		if (errno || *end || end == tok || v > 0xffffffffUL || *nr == KFUNC_MAX_MSRS) {
			ret = -1;
			break;
		}
		msrs[(*nr)++] = v;
	}
	free(copy);
	return *nr ? ret : -1;
}

int main(int argc, char **argv)
{
	struct kfunc_bpf *skel = NULL, *misuse = NULL;
	struct ring_buffer *rb = NULL;
	struct json_object *out = NULL, *arr, *m = NULL;
	uint32_t msrs[KFUNC_MAX_MSRS], nr, i;
	char log[4096] = "";
	int gate[2] = {-1, -1}, status = 0, ret = 1, err;
	pid_t child = -1;
	bool sample_only = false;

	if (argc > 1 && !strcmp(argv[1], "--sample-only")) {
		sample_only = true;
		argv++;
		argc--;
	}
	if (argc < 4 || strcmp(argv[2], "--") || parse_msrs(argv[1], msrs, &nr)) {
		fprintf(stderr,
			"usage: kfunc_probe [--sample-only] MSR[,MSR...] -- COMMAND [ARG]...  (at most %d MSRs)\n",
			KFUNC_MAX_MSRS);
		return 2;
	}
	out = json_object_new_object();
	if (!have_kfunc()) {
		json_object_object_add(out, "kfunc", json_object_new_boolean(0));
		puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
		fprintf(stderr, "kfunc_probe: this kernel has no bpf_kvm_vcpu_get_msr (patch 0006)\n");
		ret = 3;
		goto cleanup;
	}
	json_object_object_add(out, "kfunc", json_object_new_boolean(1));

	/* The misuse program alone: the verifier may refuse it (6.12's filter). */
	if (sample_only)
		goto sample;
	misuse = kfunc_bpf__open();
	if (!misuse) {
		fprintf(stderr, "kfunc_probe: cannot open the BPF object\n");
		goto cleanup;
	}
	misuse->rodata->msrs[0] = msrs[0];
	misuse->rodata->nr_msrs = 1;
	bpf_program__set_autoload(misuse->progs.sample_exit, false);
	bpf_program__set_log_buf(misuse->progs.misuse_ioctl_run, log, sizeof(log));
	m = json_object_new_object();
	err = kfunc_bpf__load(misuse);
	json_object_object_add(m, "loaded", json_object_new_boolean(!err));
	if (err) {
		/* Why the verifier refused it: its last line before the statistics. */
		char *line = log, *last = log, *nl;

		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			if (nl != line && strncmp(line, "processed ", 10))
				last = line;
			line = nl + 1;
		}
		json_object_object_add(m, "verifier", json_object_new_string(last));
		kfunc_bpf__destroy(misuse);
		misuse = NULL;
	}
	json_object_object_add(out, "misuse", m);

sample:
	skel = kfunc_bpf__open();
	if (!skel) {
		fprintf(stderr, "kfunc_probe: cannot open the BPF object\n");
		goto cleanup;
	}
	for (i = 0; i < nr; i++)
		skel->rodata->msrs[i] = msrs[i];
	skel->rodata->nr_msrs = nr;
	if (sample_only)
		skel->rodata->denied_msr = 0;
	bpf_program__set_autoload(skel->progs.misuse_ioctl_run, false);
	if (kfunc_bpf__load(skel)) {
		fprintf(stderr, "kfunc_probe: the kvm_exit program does not load (see above)\n");
		goto cleanup;
	}
	changes_out = json_object_new_array();
	rb = ring_buffer__new(bpf_map__fd(skel->maps.changes), on_change, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "kfunc_probe: cannot make the ring buffer reader\n");
		goto cleanup;
	}

	/* The child waits until the programs know its pid and are attached. */
	if (pipe(gate)) {
		perror("kfunc_probe: pipe");
		goto cleanup;
	}
	child = fork();
	if (child < 0) {
		perror("kfunc_probe: fork");
		goto cleanup;
	}
	if (child == 0) {
		char c;

		close(gate[1]);
		if (read(gate[0], &c, 1) != 1)
			_exit(126);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "kfunc_probe: cannot run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	gate[0] = -1;
	skel->bss->target_tgid = child;
	if (misuse)
		misuse->bss->target_tgid = child;
	if (kfunc_bpf__attach(skel) || (misuse && kfunc_bpf__attach(misuse))) {
		fprintf(stderr, "kfunc_probe: cannot attach the programs\n");
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		goto cleanup;
	}
	if (write(gate[1], "x", 1) != 1) {
		perror("kfunc_probe: write");
		goto cleanup;
	}
	while (waitpid(child, &status, WNOHANG) == 0)
		ring_buffer__poll(rb, 100);
	ring_buffer__consume(rb);

	json_object_object_add(out, "exit_status",
			       json_object_new_int(WIFEXITED(status) ? WEXITSTATUS(status) : 128));
	arr = json_object_new_array();
	for (i = 0; i < nr; i++) {
		struct kfunc_msr_stat s;
		struct json_object *o = json_object_new_object();

		if (bpf_map__lookup_elem(skel->maps.stats, &i, sizeof(i), &s, sizeof(s), 0)) {
			fprintf(stderr, "kfunc_probe: cannot read the stats map\n");
			goto cleanup;
		}
		json_object_object_add(o, "msr", json_object_new_int64(msrs[i]));
		json_object_object_add(o, "samples", json_object_new_uint64(s.samples));
		json_object_object_add(o, "changes", json_object_new_uint64(s.changes));
		json_object_object_add(o, "errors", json_object_new_uint64(s.errors));
		json_object_object_add(o, "last", hex(s.last));
		json_object_object_add(o, "last_error", json_object_new_int(s.last_error));
		json_object_array_add(arr, o);
	}
	json_object_object_add(out, "msrs", arr);
	json_object_object_add(out, "changes", changes_out);
	changes_out = NULL;
	json_object_object_add(out, "ring_lost", json_object_new_uint64(skel->bss->ring_lost));
	json_object_object_add(out, "denied", calls_json(&skel->bss->denied, "einval"));
	if (misuse) {
		struct kfunc_calls *c = &misuse->bss->misuse;

		json_object_object_add(m, "calls", json_object_new_uint64(c->calls));
		json_object_object_add(m, "eperm", json_object_new_uint64(c->expected));
		json_object_object_add(m, "succeeded", json_object_new_uint64(c->succeeded));
		json_object_object_add(m, "other", json_object_new_int64(c->other_ret));
	}
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	ret = 0;
cleanup:
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	ring_buffer__free(rb);
	json_object_put(changes_out);
	json_object_put(out);
	kfunc_bpf__destroy(misuse);
	kfunc_bpf__destroy(skel);
	return ret;
}
