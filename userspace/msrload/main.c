// SPDX-License-Identifier: GPL-2.0
/*
 * msrload: a tiny VMM whose guest performs a scripted stream of MSR accesses
 * and other exits, then prints the ground truth of what it did as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "truth_json.h"
#include "vmm.h"

#define MSRLOAD_VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: msrload [OPTION]... [OPERATION]...\n"
		"Run a tiny VM whose guest performs a scripted mix of VM exits, then print\n"
		"the ground truth (what the guest did, per vCPU and per MSR) as JSON.\n"
		"\n"
		"Operations run in the order given, COUNT times each (default 1), in every\n"
		"repetition of the script, on every vCPU. Numbers are decimal or 0x-hex.\n"
		"  -w, --wrmsr MSR:VALUE[:COUNT[:fep]]  WRMSR; 'fep' sends it through KVM's\n"
		"                                       forced-emulation prefix (needs the\n"
		"                                       host kernel's kvm.force_emulation_prefix=1)\n"
		"  -r, --rdmsr MSR[:COUNT[:fep]]        RDMSR\n"
		"  -c, --cpuid LEAF[:COUNT]             CPUID\n"
		"  -o, --outb PORT[:COUNT[:VALUE]]      OUT to an I/O port (exits to msrload)\n"
		"  -i, --inb PORT[:COUNT]               IN from an I/O port (exits to msrload)\n"
		"  -H, --hlt COUNT                      HLT (exits to msrload)\n"
		"  -W, --wbinvd COUNT                   WBINVD (handled in KVM)\n"
		"  -d, --deny MSR[:r|w|rw[:ok|gp[:VALUE]]]\n"
		"                                       deny MSR with KVM's MSR filter so that its\n"
		"                                       reads/writes (default rw) exit to msrload,\n"
		"                                       which accepts them (ok, default; reads\n"
		"                                       return VALUE, default 0) or injects #GP (gp)\n"
		"A #GP the guest takes (unknown MSR, reserved bits, non-canonical address,\n"
		"an msrload 'gp' answer) is caught by the guest and counted.\n"
		"\n"
		"Without operations the default script runs (per repetition):\n"
		"  --wrmsr 0x277:0x0007040600070406:100   IA32_PAT, valid\n"
		"  --rdmsr 0x1b:100 --rdmsr 0x277:10       IA32_APIC_BASE, IA32_PAT\n"
		"  --wrmsr 0x277:0x0202020202020202:10    IA32_PAT, reserved type: #GP\n"
		"  --wrmsr 0xdead:1:10                    no such MSR: #GP\n"
		"  --wrmsr 0x3b:0:10 --deny 0x3b:w:ok     IA32_TSC_ADJUST, user-space exit\n"
		"  --wrmsr 0x3a:1:10 --deny 0x3a:w:gp     IA32_FEATURE_CONTROL, user-space exit, #GP\n"
		"  --cpuid 0:10 --outb 0x80:10 --hlt 10\n"
		"\n"
		"Run control:\n"
		"  -n, --vcpus N        vCPUs, one thread each (default 1, at most %d)\n"
		"  -R, --reps N         repetitions of the script per vCPU (default 1;\n"
		"                       unbounded when --duration is given without --reps)\n"
		"  -t, --duration SEC   stop each vCPU at the first repetition end after SEC\n"
		"      --rate N         at most N repetitions per second per vCPU\n"
		"  -O, --output FILE    write the JSON to FILE (atomically) instead of stdout\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"SIGINT/SIGTERM stop the guest at the end of the current repetition and the\n"
		"ground truth is still printed; a second signal kills msrload.\n"
		"Exit status: 0 on success, 1 if the VM failed, 2 on a usage error.\n",
		GUEST_MAX_VCPUS);
}

static void on_signal(int sig)
{
	(void)sig;
	vmm_stop_requested = 1;
}

static int write_output(json_object *doc, const char *path)
{
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE);
	char tmp[4096];
	FILE *f;

	if (!path) {
		if (printf("%s\n", text) < 0 || fflush(stdout)) {
			fprintf(stderr, "msrload: cannot write the JSON to stdout: %s\n",
				strerror(errno));
			return -1;
		}
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		fprintf(stderr, "msrload: output path too long\n");
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", text) < 0 || fflush(f) || fsync(fileno(f)) ||
	    fclose(f)) {
		fprintf(stderr, "msrload: cannot write %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		fprintf(stderr, "msrload: cannot rename %s to %s: %s\n", tmp, path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wrmsr", required_argument, NULL, 'w' },
		{ "rdmsr", required_argument, NULL, 'r' },
		{ "cpuid", required_argument, NULL, 'c' },
		{ "outb", required_argument, NULL, 'o' },
		{ "inb", required_argument, NULL, 'i' },
		{ "hlt", required_argument, NULL, 'H' },
		{ "wbinvd", required_argument, NULL, 'W' },
		{ "deny", required_argument, NULL, 'd' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'R' },
		{ "duration", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static struct script s;
	static struct vmm_result result;
	const char *output = NULL;
	struct sigaction sa;
	json_object *doc;
	char err[256];
	uint64_t v;
	int c, rc;

	script_init(&s);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":w:r:c:o:i:H:W:d:n:R:t:O:hV", opts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case 'w':
			rc = script_add_op(&s, GOP_WRMSR, optarg, err, sizeof(err));
			break;
		case 'r':
			rc = script_add_op(&s, GOP_RDMSR, optarg, err, sizeof(err));
			break;
		case 'c':
			rc = script_add_op(&s, GOP_CPUID, optarg, err, sizeof(err));
			break;
		case 'o':
			rc = script_add_op(&s, GOP_OUTB, optarg, err, sizeof(err));
			break;
		case 'i':
			rc = script_add_op(&s, GOP_INB, optarg, err, sizeof(err));
			break;
		case 'H':
			rc = script_add_op(&s, GOP_HLT, optarg, err, sizeof(err));
			break;
		case 'W':
			rc = script_add_op(&s, GOP_WBINVD, optarg, err, sizeof(err));
			break;
		case 'd':
			rc = script_add_deny(&s, optarg, err, sizeof(err));
			break;
		case 'n':
			if (parse_u64(optarg, &v) || v < 1 || v > GUEST_MAX_VCPUS) {
				fprintf(stderr, "msrload: --vcpus '%s': want 1..%d\n", optarg,
					GUEST_MAX_VCPUS);
				return 2;
			}
			s.vcpus = (unsigned int)v;
			break;
		case 'R':
			if (parse_u64(optarg, &v) || v < 1 || v > SCRIPT_MAX_REPS) {
				fprintf(stderr, "msrload: --reps '%s': want 1..%llu\n", optarg,
					(unsigned long long)SCRIPT_MAX_REPS);
				return 2;
			}
			s.gs.reps = v;
			s.reps_given = 1;
			break;
		case 't':
			if (parse_seconds(optarg, &s.duration)) {
				fprintf(stderr, "msrload: --duration '%s': want seconds > 0\n", optarg);
				return 2;
			}
			break;
		case 'a':
			if (parse_seconds(optarg, &s.rate)) {
				fprintf(stderr, "msrload: --rate '%s': want repetitions per second > 0\n",
					optarg);
				return 2;
			}
			break;
		case 'O':
			if (!*optarg) {
				fprintf(stderr, "msrload: --output needs a file name\n");
				return 2;
			}
			output = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("msrload %s\n", MSRLOAD_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "msrload: option '%s' needs an argument (see --help)\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "msrload: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
		if (rc) {
			fprintf(stderr, "msrload: %s\n", err);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "msrload: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (s.gs.nops == 0) {
		if (s.ndeny) {
			fprintf(stderr, "msrload: --deny without operations: add --wrmsr/--rdmsr\n");
			return 2;
		}
		script_set_default(&s);
	}
	if (s.duration > 0 && !s.reps_given)
		s.gs.reps = 0;
	if (script_validate(&s, err, sizeof(err))) {
		fprintf(stderr, "msrload: %s\n", err);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (vmm_run(&s, &result))
		return 1;
	doc = result_json(&s, &result);
	rc = write_output(doc, output);
	json_object_put(doc);
	return rc ? 1 : 0;
}
