// SPDX-License-Identifier: GPL-2.0
/*
 * msrload: a tiny VMM whose guest performs a scripted stream of MSR accesses
 * and other exits, then prints the ground truth of what it did as JSON.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "std_fds.h"
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
		"      --hypercall NR[:COUNT]           KVM hypercall NR with VMMCALL (AMD) or\n"
		"                                       VMCALL (Intel), no arguments (handled in\n"
		"                                       KVM; unknown numbers return -KVM_ENOSYS)\n"
		"      --mmio-read ADDR[:COUNT]         4-byte read of guest-physical ADDR, above\n"
		"                                       guest memory (0x%lx..0x%lx): KVM\n"
		"                                       emulates it and exits to msrload (MMIO)\n"
		"      --mmio-write ADDR[:COUNT[:VALUE]]  4-byte write, the same way\n"
		"      --irq VECTOR[:COUNT]             wait for an interrupt (STI; HLT) that\n"
		"                                       msrload injects (KVM_INTERRUPT), vector\n"
		"                                       %d..255; the guest's handler counts it\n"
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
		"      --linger SEC     once the vCPUs have stopped, write the JSON, then keep\n"
		"                       the (idle) VM open SEC seconds, or until a signal, so\n"
		"                       that KVM's statistics of it can be read (debugfs)\n"
		"      --name NAME      the guest's name, as QEMU's -name NAME: it stays in\n"
		"                       msrload's command line, where msrtop reads guest\n"
		"                       names (letters, digits, '.', '_', '-'; up to 64)\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"SIGINT/SIGTERM stop the guest at the end of the current repetition and the\n"
		"ground truth is still printed; a second signal kills msrload.\n"
		"Exit status: 0 on success, 1 if the VM failed or its JSON could not be written,\n"
		"2 on a usage error.\n",
		GUEST_MMIO_MIN, GUEST_MMIO_MAX, GUEST_IRQ_MIN, GUEST_MAX_VCPUS);
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
			cmdline_error("msrload", "cannot write the JSON to stdout: %s",
				strerror(errno));
			return -1;
		}
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		cmdline_error("msrload", "output path too long");
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", text) < 0 || fflush(f) || fsync(fileno(f)) ||
	    fclose(f)) {
		cmdline_error("msrload", "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		cmdline_error("msrload", "cannot rename %s to %s: %s", tmp, path,
			strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* What the command line sets (cmdline.h's ctx). */
struct ml_args {
	struct script s;
	const char *output;
	double linger; /* seconds the VM stays open after the JSON is written */
};

static int add_op(struct ml_args *a, enum guest_op_kind op, const char *arg)
{
	char err[256];

	if (script_add_op(&a->s, op, arg, err, sizeof(err))) {
		cmdline_error("msrload", "%s", err);
		return -EINVAL;
	}
	return 0;
}

static int opt_wrmsr(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_WRMSR, arg);
}

static int opt_rdmsr(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_RDMSR, arg);
}

static int opt_cpuid(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_CPUID, arg);
}

static int opt_outb(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_OUTB, arg);
}

static int opt_inb(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_INB, arg);
}

static int opt_hlt(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_HLT, arg);
}

static int opt_wbinvd(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_WBINVD, arg);
}

static int opt_hypercall(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_HYPERCALL, arg);
}

static int opt_mmio_read(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_MMIO_READ, arg);
}

static int opt_mmio_write(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_MMIO_WRITE, arg);
}

static int opt_irq(void *ctx, const char *arg)
{
	return add_op(ctx, GOP_IRQ, arg);
}

static int opt_deny(void *ctx, const char *arg)
{
	struct ml_args *a = ctx;
	char err[256];

	if (script_add_deny(&a->s, arg, err, sizeof(err))) {
		cmdline_error("msrload", "%s", err);
		return -EINVAL;
	}
	return 0;
}

static int opt_vcpus(void *ctx, const char *arg)
{
	struct ml_args *a = ctx;
	uint64_t v;

	if (parse_u64(arg, &v) || v < 1 || v > GUEST_MAX_VCPUS) {
		cmdline_error("msrload", "--vcpus '%s': want 1..%d", arg, GUEST_MAX_VCPUS);
		return -EINVAL;
	}
	a->s.vcpus = (unsigned int)v;
	return 0;
}

static int opt_reps(void *ctx, const char *arg)
{
	struct ml_args *a = ctx;
	uint64_t v;

	if (parse_u64(arg, &v) || v < 1 || v > SCRIPT_MAX_REPS) {
		cmdline_error("msrload", "--reps '%s': want 1..%llu", arg,
			      (unsigned long long)SCRIPT_MAX_REPS);
		return -EINVAL;
	}
	a->s.gs.reps = v;
	a->s.reps_given = 1;
	return 0;
}

static int opt_duration(void *ctx, const char *arg)
{
	struct ml_args *a = ctx;

	if (parse_seconds(arg, &a->s.duration)) {
		cmdline_error("msrload", "--duration '%s': want seconds > 0", arg);
		return -EINVAL;
	}
	return 0;
}

static int opt_rate(void *ctx, const char *arg)
{
	struct ml_args *a = ctx;

	if (parse_seconds(arg, &a->s.rate)) {
		cmdline_error("msrload", "--rate '%s': want repetitions per second > 0", arg);
		return -EINVAL;
	}
	return 0;
}

static int opt_output(void *ctx, const char *arg)
{
	if (!*arg) {
		cmdline_error("msrload", "--output needs a file name");
		return -EINVAL;
	}
	((struct ml_args *)ctx)->output = arg;
	return 0;
}

static int opt_linger(void *ctx, const char *arg)
{
	struct ml_args *a = ctx;

	if (parse_seconds(arg, &a->linger)) {
		cmdline_error("msrload", "--linger '%s': want seconds > 0", arg);
		return -EINVAL;
	}
	return 0;
}

/* A plain name: what QEMU's -name takes without its key=value syntax. */
static int opt_name(void *ctx, const char *arg)
{
	size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	if (!*arg || arg[n] || n > 64) {
		cmdline_error("msrload", "--name '%s': want 1 to 64 letters, digits, '.', '_' or '-'",
			      arg);
		return -EINVAL;
	}
	((struct ml_args *)ctx)->s.name = arg;
	return 0;
}

#define ML_HELP 1
#define ML_VERSION 2

static int opt_help(void *ctx, const char *arg)
{
	return ML_HELP;
}

static int opt_version(void *ctx, const char *arg)
{
	return ML_VERSION;
}

/* Every option (cmdline.h): the operations may be repeated, the run control may not. */
static const struct cmdline_opt ml_opts[] = {
	{ "wrmsr", 'w', CMDLINE_ARG | CMDLINE_REPEAT, opt_wrmsr },
	{ "rdmsr", 'r', CMDLINE_ARG | CMDLINE_REPEAT, opt_rdmsr },
	{ "cpuid", 'c', CMDLINE_ARG | CMDLINE_REPEAT, opt_cpuid },
	{ "outb", 'o', CMDLINE_ARG | CMDLINE_REPEAT, opt_outb },
	{ "inb", 'i', CMDLINE_ARG | CMDLINE_REPEAT, opt_inb },
	{ "hlt", 'H', CMDLINE_ARG | CMDLINE_REPEAT, opt_hlt },
	{ "wbinvd", 'W', CMDLINE_ARG | CMDLINE_REPEAT, opt_wbinvd },
	{ "hypercall", 0, CMDLINE_ARG | CMDLINE_REPEAT, opt_hypercall },
	{ "mmio-read", 0, CMDLINE_ARG | CMDLINE_REPEAT, opt_mmio_read },
	{ "mmio-write", 0, CMDLINE_ARG | CMDLINE_REPEAT, opt_mmio_write },
	{ "irq", 0, CMDLINE_ARG | CMDLINE_REPEAT, opt_irq },
	{ "deny", 'd', CMDLINE_ARG | CMDLINE_REPEAT, opt_deny },
	{ "vcpus", 'n', CMDLINE_ARG, opt_vcpus },
	{ "reps", 'R', CMDLINE_ARG, opt_reps },
	{ "duration", 't', CMDLINE_ARG, opt_duration },
	{ "rate", 0, CMDLINE_ARG, opt_rate },
	{ "output", 'O', CMDLINE_ARG, opt_output },
	{ "linger", 0, CMDLINE_ARG, opt_linger },
	{ "name", 0, CMDLINE_ARG, opt_name },
	{ "help", 'h', 0, opt_help },
	{ "version", 'V', 0, opt_version },
};

/*
 * --linger: the JSON written as soon as every vCPU has stopped, then the VM
 * kept open (idle: no vCPU runs) for the seconds given or until a signal, so
 * that a reader of KVM's statistics (debugfs) sees the VM's final counts.
 */
static int write_and_linger(const struct vmm_result *result, void *ctx)
{
	struct ml_args *a = ctx;
	json_object *doc = result_json(&a->s, result);
	struct timespec now, end;
	int rc;

	rc = write_output(doc, a->output);
	json_object_put(doc);
	if (rc)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)a->linger;
	end.tv_nsec += (long)((a->linger - (double)(time_t)a->linger) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	/* A signal ends the wait (its handler sets vmm_stop_requested). */
	while (!vmm_stop_requested) {
		struct timespec step = {0, 50 * 1000000L};

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		nanosleep(&step, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct cmdline cl = {
		.prog = "msrload",
		.opts = ml_opts,
		.nr_opts = sizeof(ml_opts) / sizeof(ml_opts[0]),
	};
	static struct ml_args args;
	static struct vmm_result result;
	struct script *sp = &args.s;
	struct sigaction sa;
	json_object *doc;
	char err[256];
	int rc, closed;

	closed = std_fds_fill(); /* before /dev/kvm could take a closed stdout's number */
	script_init(sp);
	rc = cmdline_parse(&cl, argc, argv, &args);
	if (rc < 0)
		return 2;
	if (closed < 0) {
		cmdline_error("msrload", "a standard descriptor is closed and /dev/null cannot be "
			      "opened on it (%s)", strerror(-closed));
		return 1;
	}
	if (closed & STD_FD_BIT(STDOUT_FILENO) && (rc || !args.output)) {
		cmdline_error("msrload", "stdout is closed: give msrload somewhere to write (a "
			      "file, a pipe or /dev/null)%s", rc ? "" : ", or use --output");
		return 1;
	}
	if (rc == ML_HELP) {
		usage(stdout);
		return 0;
	}
	if (rc == ML_VERSION) {
		printf("msrload %s\n", MSRLOAD_VERSION);
		return 0;
	}
	if (rc)
		return 2;
	if (sp->gs.nops == 0) {
		if (sp->ndeny) {
			cmdline_error("msrload", "--deny without operations: add --wrmsr/--rdmsr");
			return 2;
		}
		script_set_default(sp);
	}
	if (sp->duration > 0 && !sp->reps_given)
		sp->gs.reps = 0;
	if (script_validate(sp, err, sizeof(err))) {
		cmdline_error("msrload", "%s", err);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (args.linger > 0)
		return vmm_run(sp, &result, write_and_linger, &args) ? 1 : 0;
	if (vmm_run(sp, &result, NULL, NULL))
		return 1;
	doc = result_json(sp, &result);
	rc = write_output(doc, args.output);
	json_object_put(doc);
	return rc ? 1 : 0;
}
