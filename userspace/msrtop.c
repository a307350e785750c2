// SPDX-License-Identifier: GPL-2.0
/*
 * msrtop: which KVM guests cause which VM exits and MSR accesses, per VM and
 * vCPU, counted in the kernel by BPF programs.
 *
 * This file: options, and the loop that takes a snapshot per interval and
 * hands it to an output: the live view on a terminal (tui.c), else plain-text
 * tables (text_out.c) or JSON lines (json_out.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cmdline.h"
#include "collector.h"
#include "exit_reasons.h"
#include "format.h"
#include "http.h"
#include "json_in.h"
#include "json_out.h"
#include "kernel_check.h"
#include "msr_names.h"
#include "msr_passthrough.h"
#include "output_file.h"
#include "snapshot.h"
#include "std_fds.h"
#include "text_out.h"
#include "tui.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 3600.0

struct options {
	double interval_s;
	bool interval_set;  /* --interval given (--replay: the pace; else as recorded) */
	double duration_s; /* 0: until interrupted */
	bool once;
	bool json;
	bool csv;
	bool verbose;
	struct msrtop_filter filter;
	bool listen; /* --listen: listen_at is set */
	struct http_listen listen_at;
	const char *output; /* --output FILE */
	const char *record; /* --record FILE */
	const char *replay; /* --replay FILE */
	uint32_t sources;   /* --sources: 1 << MSRTOP_SRC_*; 0: all */
	uint32_t max_rows;  /* --max-rows; 0: the default */
	double forget_after_s; /* --forget-after; 0: the default */
	/* --sample-msr and --watch-msr together, in order; bit i of sample_watch: msrs[i] watched */
	uint32_t sample_msrs[MSRTOP_SAMPLE_MAX_MSRS];
	uint32_t nr_sample_msrs;
	uint32_t sample_watch;
	uint32_t sample_every; /* --sample-every; 0: not given (every exit) */
};

static volatile sig_atomic_t stop_signal;
static bool live_view; /* the terminal view (tui.c) is the output */
static struct tui_state *tui; /* the live view, while it is on */
static struct http_server *http; /* --listen */
static struct output_file *output; /* --output */
static FILE *record;		   /* --record */
static volatile sig_atomic_t reopen_output; /* SIGHUP */
/* Row texts of the previous document (json_out.h): --json's, and --listen's and --output's. */
static struct json_out_cache *stdout_cache, *export_cache;

static void on_sighup(int sig)
{
	reopen_output = 1;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* text on f in lines of at most width columns, broken at spaces, then a newline. */
static void print_wrapped(FILE *f, const char *text, size_t width)
{
	size_t col = 0;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (col && col + 1 + word > width) {
			fputc('\n', f);
			col = 0;
		} else if (col) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, word, f);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	enum msrtop_cpu_vendor vendor = msr_passthrough_vendor("/proc/cpuinfo");
	char passthrough[512];

	if (msr_passthrough_vendor_name(vendor))
		snprintf(passthrough, sizeof(passthrough), "on this %s host: %s",
			 msr_passthrough_vendor_name(vendor), msr_passthrough_list(vendor));
	else
		snprintf(passthrough, sizeof(passthrough),
			 "which ones depends on the CPU vendor: docs/msrload.md");
	fprintf(f,
		"Usage: msrtop [OPTION]...\n"
		"Show which KVM guests cause which VM exits and MSR accesses, per VM and vCPU,\n"
		"with rates and totals. The counting is done in the kernel by BPF programs on\n"
		"the KVM tracepoints (needs root).\n"
		"\n"
		"  -i, --interval SEC   seconds between snapshots (default 1; %.1f to %.0f,\n"
		"                       fractions allowed)\n"
		"      --once           print one snapshot after one interval, then exit\n"
		"  -d, --duration SEC   exit after SEC seconds (default: run until interrupted)\n"
		"  -j, --json           print one JSON document per interval (JSON lines,\n"
		"                       see docs/json.md) instead of text tables\n"
		"      --csv            print the tables as CSV instead (one header line per\n"
		"                       table, every row led by its table and time; --output\n"
		"                       and --listen stay JSON)\n"
		"  -p, --pid PID        count only the VMM process PID (repeatable, up to %d)\n"
		"  -g, --guest NAME     show only VMs with this guest name (QEMU -name NAME or\n"
		"                       -name guest=NAME,...) or VMM comm (repeatable, up to\n"
		"                       %d); a VM that starts later is shown once it runs\n"
		"      --vcpu N         show only vCPU N\n"
		"  -m, --msr MSR        show only MSR MSR: a name (EFER, IA32_APICBASE) or an\n"
		"                       index (0xc0000080)\n"
		"  -r, --reason REASON  show only exits with this reason: a VMX or SVM name\n"
		"                       (MSR_WRITE, msr, npf) or a code (0x7c)\n"
		"      --listen [ADDR:]PORT  serve /metrics (Prometheus) and /stats.json over\n"
		"                       HTTP on ADDR (default 127.0.0.1; [::1] for IPv6)\n"
		"      --output FILE    rewrite FILE with the JSON document every interval,\n"
		"                       atomically; SIGHUP reopens its directory\n"
		"      --record FILE    append every snapshot's whole JSON document to FILE\n"
		"                       (JSON lines), to look at later with --replay\n"
		"      --replay FILE    show a recording instead of the kernel's counters\n"
		"                       (no root needed): the live view plays it at its pace\n"
		"                       (--interval: another pace; space pause, , and . step,\n"
		"                       < and > first/last); --json, --csv or a pipe print\n"
		"                       every snapshot of it\n"
		"      --sources LIST   attach only these KVM tracepoints (comma-separated;\n"
		"                       'all'; 'default': the default set). Default: all the\n"
		"                       kernel has but kvm_inj_virq, and where it has\n"
		"                       kvm_msr_outcome (msrtop's patches) that fills the MSR\n"
		"                       table and times MSR exits, and kvm_msr and\n"
		"                       kvm_msr_intercept stay off.\n"
		"                       Fewer sources cost less per exit, e.g. kvm_msr alone\n"
		"                       for MSR counts, or all but kvm_entry for exits\n"
		"                       without their latency; default,kvm_inj_virq adds\n"
		"                       injected interrupts (docs/performance.md).\n"
		"                       kvm_debugfs, on by default, is no tracepoint: KVM's\n"
		"                       own statistics read from debugfs each interval; it\n"
		"                       alone needs no BPF, nor BTF\n"
		"      --max-rows N     rows per table in the kernel (default %u: 200 VMs x 16\n"
		"                       vCPUs x 20 exit reasons); taken at start, -v shows\n"
		"                       the memory; a full table's events are counted as\n"
		"                       overflow\n"
		"      --forget-after SEC  keep an exited VM's rows SEC seconds after it was\n"
		"                       first found gone (default %.0f), then delete them from\n"
		"                       the kernel's tables\n"
		"      --sample-msr LIST  read these guest MSRs at every VM exit (comma-separated\n"
		"                       names or indexes, at most %d with --watch-msr's): last\n"
		"                       value, changes and, for FS_BASE/GS_BASE/KERNEL_GS_BASE,\n"
		"                       exits per value (top guest threads); needs the kfunc\n"
		"                       of msrtop's kernel patch 0006 (docs/tracepoints.md)\n"
		"      --sample-every N read them at every Nth exit of a vCPU only (default 1)\n"
		"      --watch-msr LIST sample these too, and report every change of their\n"
		"                       value (VM, vCPU, old, new), e.g. LSTAR\n"
		"  -v, --verbose        also print libbpf's messages, what was attached and\n"
		"                       the tables' memory\n"
		"  -h, --help           print this help and exit\n"
		"\n"
		"On a terminal, without --json or --once, a live view is shown (h: its keys).\n"
		"Otherwise output is plain-text tables, one block per interval, JSON or CSV.\n"
		"With --listen or --output, nothing is printed unless --json or --csv is given or\n"
		"stdout is a terminal (see docs/daemon.md).\n"
		"--pid filters in the kernel; --guest, --vcpu, --msr and --reason filter what\n"
		"is shown and leave tables without that dimension alone (--msr keeps all\n"
		"exits); filters of different kinds must all match.\n"
		"MSR rows exist only for accesses KVM intercepts: a guest's RDMSR/WRMSR of a\n"
		"pass-through MSR runs in hardware, never reaches KVM and is not seen:\n",
		INTERVAL_MIN, INTERVAL_MAX, MSRTOP_FILTER_MAX_PIDS, MSRTOP_FILTER_MAX_GUESTS,
		COLLECTOR_DEFAULT_ROWS, COLLECTOR_DEFAULT_FORGET_S, MSRTOP_SAMPLE_MAX_MSRS);
	print_wrapped(f, passthrough, 78);
	fprintf(f, "Exit status: 0 done, 1 runtime error, 2 bad command line.\n");
}

/* One line on stderr, prefixed "msrtop: ", with control characters escaped (cmdline.h). */
static void __attribute__((format(printf, 1, 2))) error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmdline_verror("msrtop", fmt, ap);
	va_end(ap);
}

/* Seconds: digits with an optional fraction (no sign, exponent, hex, inf or nan). */
static int parse_seconds(const char *opt, const char *arg, double min, double max, double *out)
{
	size_t digits = strspn(arg, "0123456789.");
	char *end;
	double v;

	errno = 0;
	v = digits == strlen(arg) ? strtod(arg, &end) : NAN;
	if (!*arg || isnan(v) || *end || errno || v < min || v > max) {
		error("invalid %s '%s': give a number of seconds from %g to %g", opt, arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A number option (--pid, --vcpu): decimal, or 0x and hex digits (format.h). */
static int parse_u32_option(const char *opt, const char *arg, uint32_t *out)
{
	char why[96];

	if (parse_u32(arg, out, why, sizeof(why))) {
		error("invalid %s '%s': %s", opt, arg, why);
		return -EINVAL;
	}
	return 0;
}

/* --sources: a comma-separated list of tracepoint names, "default" and "all". */
static int parse_sources(const char *arg, uint32_t *mask)
{
	char *copy = strdup(arg), *save = NULL, *name;
	int err = 0;

	if (!copy) {
		error("out of memory");
		return -ENOMEM;
	}
	*mask = 0;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		int id = msrtop_source_id(name);

		if (!strcmp(name, "all")) {
			*mask |= ((1u << MSRTOP_SRC_NR) - 1) & ~(1u << MSRTOP_SRC_MSR_SAMPLE);
			continue;
		}
		if (!strcmp(name, "default")) {
			*mask |= MSRTOP_SRCS_WITH_DEFAULT;
			continue;
		}
		if (id == MSRTOP_SRC_MSR_SAMPLE) {
			error("msr_sample is not a tracepoint for --sources: --sample-msr or "
			      "--watch-msr switches it on");
			err = -EINVAL;
			goto out;
		}
		if (id < 0) {
			char names[512] = "";

			for (int i = 0; i < MSRTOP_SRC_NR; i++)
				if (i != MSRTOP_SRC_MSR_SAMPLE)
					snprintf(names + strlen(names), sizeof(names) - strlen(names),
						 "%s, ", msrtop_source_name(i));
			error("unknown source '%s' for --sources: give tracepoint names from "
			      "%sdefault or all",
			      name, names);
			err = -EINVAL;
			goto out;
		}
		*mask |= 1u << id;
	}
	if (!*mask) {
		error("empty --sources: give tracepoint names (kvm_exit,kvm_msr) or all");
		err = -EINVAL;
	} else if (*mask & 1u << MSRTOP_SRC_KVM_ENTRY && !(*mask & 1u << MSRTOP_SRC_KVM_EXIT) &&
		   !(*mask & MSRTOP_SRCS_WITH_DEFAULT)) {
		error("--sources has kvm_entry without kvm_exit: kvm_entry only times the exits "
		      "kvm_exit counts; add kvm_exit");
		err = -EINVAL;
	}
out:
	free(copy);
	return err;
}

/* ---- the options: one apply function each, one table (cmdline.h) ---------------------- */

static int opt_interval(void *ctx, const char *arg)
{
	struct options *o = ctx;

	o->interval_set = true;
	return parse_seconds("--interval", arg, INTERVAL_MIN, INTERVAL_MAX, &o->interval_s);
}

static int opt_once(void *ctx, const char *arg)
{
	((struct options *)ctx)->once = true;
	return 0;
}

static int opt_duration(void *ctx, const char *arg)
{
	struct options *o = ctx;

	return parse_seconds("--duration", arg, INTERVAL_MIN, 1e9, &o->duration_s);
}

static int opt_json(void *ctx, const char *arg)
{
	((struct options *)ctx)->json = true;
	return 0;
}

static int opt_csv(void *ctx, const char *arg)
{
	((struct options *)ctx)->csv = true;
	return 0;
}

static int opt_pid(void *ctx, const char *arg)
{
	struct options *o = ctx;
	uint32_t pid;

	if (parse_u32_option("--pid", arg, &pid))
		return -EINVAL;
	if (!pid) {
		error("invalid --pid '0': give the process id of a VMM");
		return -EINVAL;
	}
	if (o->filter.nr_pids == MSRTOP_FILTER_MAX_PIDS) {
		error("too many --pid: give at most %d", MSRTOP_FILTER_MAX_PIDS);
		return -EINVAL;
	}
	o->filter.pids[o->filter.nr_pids++] = pid;
	return 0;
}

static int opt_guest(void *ctx, const char *arg)
{
	struct options *o = ctx;
	char why[128];

	if (snapshot_guest_name_check(arg, why, sizeof(why))) {
		error("invalid --guest '%s': %s", arg, why);
		return -EINVAL;
	}
	if (snapshot_filter_add_guest(&o->filter, arg)) {
		error("too many --guest: give at most %d", MSRTOP_FILTER_MAX_GUESTS);
		return -EINVAL;
	}
	return 0;
}

static int opt_vcpu(void *ctx, const char *arg)
{
	struct options *o = ctx;

	if (parse_u32_option("--vcpu", arg, &o->filter.vcpu))
		return -EINVAL;
	o->filter.has_vcpu = true;
	return 0;
}

static int opt_msr(void *ctx, const char *arg)
{
	struct options *o = ctx;

	if (msr_parse(arg, &o->filter.msr)) {
		error("unknown MSR '%s' for --msr: give a name (EFER, IA32_APICBASE) or an index "
		      "(0xc0000080)", arg);
		return -EINVAL;
	}
	o->filter.has_msr = true;
	return 0;
}

static int opt_reason(void *ctx, const char *arg)
{
	struct msrtop_filter *f = &((struct options *)ctx)->filter;

	f->reason_vmx_ok = exit_reason_parse(MSRTOP_ISA_VMX, arg, &f->reason_vmx) == 0;
	f->reason_svm_ok = exit_reason_parse(MSRTOP_ISA_SVM, arg, &f->reason_svm) == 0;
	if (!f->reason_vmx_ok && !f->reason_svm_ok) {
		error("unknown exit reason '%s' for --reason: give a VMX or SVM name (MSR_WRITE, "
		      "msr, npf) or a number (0x7c)", arg);
		return -EINVAL;
	}
	f->has_reason = true;
	return 0;
}

static int opt_listen(void *ctx, const char *arg)
{
	struct options *o = ctx;
	char msg[256];

	if (http_parse_listen(arg, &o->listen_at, msg, sizeof(msg))) {
		error("%s", msg);
		return -EINVAL;
	}
	o->listen = true;
	return 0;
}

static int opt_output(void *ctx, const char *arg)
{
	struct options *o = ctx;
	char msg[512];

	/* What the path is, now: a file that is not a regular one is a bad command line. */
	if (output_file_check(arg, msg, sizeof(msg))) {
		error("%s", msg);
		return -EINVAL;
	}
	o->output = arg;
	return 0;
}

static int opt_record(void *ctx, const char *arg)
{
	((struct options *)ctx)->record = arg;
	return 0;
}

static int opt_replay(void *ctx, const char *arg)
{
	((struct options *)ctx)->replay = arg;
	return 0;
}

static int opt_sources(void *ctx, const char *arg)
{
	return parse_sources(arg, &((struct options *)ctx)->sources);
}

static int opt_max_rows(void *ctx, const char *arg)
{
	struct options *o = ctx;

	if (parse_u32_option("--max-rows", arg, &o->max_rows))
		return -EINVAL;
	if (!o->max_rows || o->max_rows > COLLECTOR_MAX_ROWS) {
		error("invalid --max-rows '%s': give 1 to %u", arg, COLLECTOR_MAX_ROWS);
		return -EINVAL;
	}
	return 0;
}

static int opt_forget_after(void *ctx, const char *arg)
{
	return parse_seconds("--forget-after", arg, INTERVAL_MIN, 1e9,
			     &((struct options *)ctx)->forget_after_s);
}

/*
 * --sample-msr and --watch-msr: MSR names or indexes, each one the kfunc
 * reads, added to the MSRs sampled (an MSR in both lists is sampled once,
 * and watched).
 */
static int add_sample_msrs(struct options *o, const char *opt, const char *arg, bool watch)
{
	char *copy = strdup(arg), *save = NULL, *name;
	int err = 0, nr = 0;

	if (!copy) {
		error("out of memory");
		return -ENOMEM;
	}
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		uint32_t msr, i;

		nr++;
		if (msr_parse(name, &msr)) {
			error("unknown MSR '%s' for %s: give a name (FS_BASE, LSTAR) or an index "
			      "(0xc0000082)", name, opt);
			err = -EINVAL;
			break;
		}
		if (!collector_msr_sampleable(msr)) {
			error("%s cannot read MSR '%s': the kfunc reads FS_BASE, GS_BASE, "
			      "KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SYSCALL_MASK, SYSENTER_CS/ESP/EIP, "
			      "EFER, PAT, TSC_AUX and SPEC_CTRL only", opt, name);
			err = -EINVAL;
			break;
		}
		for (i = 0; i < o->nr_sample_msrs && o->sample_msrs[i] != msr; i++)
			;
		if (i == o->nr_sample_msrs) {
			if (i == MSRTOP_SAMPLE_MAX_MSRS) {
				error("too many MSRs for --sample-msr and --watch-msr: give at most %d "
				      "in all", MSRTOP_SAMPLE_MAX_MSRS);
				err = -EINVAL;
				break;
			}
			o->sample_msrs[o->nr_sample_msrs++] = msr;
		}
		if (watch)
			o->sample_watch |= 1u << i;
	}
	if (!err && !nr) {
		error("empty %s: give MSR names or indexes (FS_BASE,LSTAR)", opt);
		err = -EINVAL;
	}
	free(copy);
	return err;
}

static int opt_sample_msr(void *ctx, const char *arg)
{
	return add_sample_msrs(ctx, "--sample-msr", arg, false);
}

static int opt_watch_msr(void *ctx, const char *arg)
{
	return add_sample_msrs(ctx, "--watch-msr", arg, true);
}

static int opt_sample_every(void *ctx, const char *arg)
{
	struct options *o = ctx;

	if (parse_u32_option("--sample-every", arg, &o->sample_every))
		return -EINVAL;
	if (!o->sample_every) {
		error("invalid --sample-every '0': give N >= 1 (read the MSRs at every Nth exit)");
		return -EINVAL;
	}
	return 0;
}

static int opt_verbose(void *ctx, const char *arg)
{
	((struct options *)ctx)->verbose = true;
	return 0;
}

static int opt_help(void *ctx, const char *arg)
{
	return 1;
}

/* Every option: --help lists exactly these (tests/unit/test_msrtop_cli.sh checks). */
static const struct cmdline_opt msrtop_opts[] = {
	{ "interval", 'i', CMDLINE_ARG, opt_interval },
	{ "once", 0, 0, opt_once },
	{ "duration", 'd', CMDLINE_ARG, opt_duration },
	{ "json", 'j', 0, opt_json },
	{ "csv", 0, 0, opt_csv },
	{ "pid", 'p', CMDLINE_ARG | CMDLINE_REPEAT, opt_pid },
	{ "guest", 'g', CMDLINE_ARG | CMDLINE_REPEAT, opt_guest },
	{ "vcpu", 0, CMDLINE_ARG, opt_vcpu },
	{ "msr", 'm', CMDLINE_ARG, opt_msr },
	{ "reason", 'r', CMDLINE_ARG, opt_reason },
	{ "listen", 0, CMDLINE_ARG, opt_listen },
	{ "output", 0, CMDLINE_ARG, opt_output },
	{ "record", 0, CMDLINE_ARG, opt_record },
	{ "replay", 0, CMDLINE_ARG, opt_replay },
	{ "sources", 0, CMDLINE_ARG, opt_sources },
	{ "max-rows", 0, CMDLINE_ARG, opt_max_rows },
	{ "forget-after", 0, CMDLINE_ARG, opt_forget_after },
	{ "sample-msr", 0, CMDLINE_ARG, opt_sample_msr },
	{ "sample-every", 0, CMDLINE_ARG, opt_sample_every },
	{ "watch-msr", 0, CMDLINE_ARG, opt_watch_msr },
	{ "verbose", 'v', 0, opt_verbose },
	{ "help", 'h', 0, opt_help },
};

static const struct cmdline_conflict msrtop_conflicts[] = {
	{ "once", "duration", "--once stops after one interval; give one of them" },
	{ "json", "csv", "--json and --csv are two formats of stdout; give one of them" },
	{ "replay", "record", "--replay reads a recording; --record makes one: give one of them" },
	{ "replay", "listen", "--replay shows a recording on stdout, it serves nothing" },
	{ "replay", "output", "--replay shows a recording on stdout, it writes no --output" },
	{ "replay", "sources", "--replay loads no BPF programs: --sources has no effect" },
	{ "replay", "max-rows", "--replay loads no BPF programs: --max-rows has no effect" },
	{ "replay", "once", "--replay shows every snapshot of the recording: no --once" },
	{ "replay", "duration", "--replay ends with the recording: no --duration" },
};

/* 0 to run, 1 when --help was given, -EINVAL on a bad command line (already reported). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct cmdline cl = {
		.prog = "msrtop",
		.opts = msrtop_opts,
		.nr_opts = sizeof(msrtop_opts) / sizeof(msrtop_opts[0]),
		.conflicts = msrtop_conflicts,
		.nr_conflicts = sizeof(msrtop_conflicts) / sizeof(msrtop_conflicts[0]),
	};

	int err;

	memset(o, 0, sizeof(*o));
	o->interval_s = 1;
	err = cmdline_parse(&cl, argc, argv, o);
	if (!err && o->sample_every && !o->nr_sample_msrs) {
		error("--sample-every needs --sample-msr or --watch-msr: it says how often they "
		      "are read");
		return -EINVAL;
	}
	return err;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Sleeps until CLOCK_MONOTONIC reaches when_ns; false if a signal asked to stop. */
static bool sleep_until(uint64_t when_ns)
{
	struct timespec ts = { .tv_sec = when_ns / 1000000000ull, .tv_nsec = when_ns % 1000000000ull };

	while (!stop_signal) {
		int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

		if (!err)
			return !stop_signal;
		if (err != EINTR)
			return false;
	}
	return false;
}

/* sleep_until() for the live view: handles its keys meanwhile; false to stop. */
static bool tui_wait_until(uint64_t when_ns, uint64_t *step_ns)
{
	struct tui_action act;

	while (!stop_signal) {
		uint64_t now = mono_ns();
		int r;

		if (now >= when_ns)
			return true;
		r = tui_poll(tui, (int)((when_ns - now + 999999) / 1000000), &act);
		if (r < 0 || (r > 0 && act.kind == TUI_ACT_QUIT))
			return false;
		if (r > 0 && act.kind == TUI_ACT_INTERVAL)
			*step_ns = act.interval_ms * 1000000ull; /* from the next interval on */
	}
	return false;
}

static void report_error(const struct options *o, const char *msg)
{
	tui_fini(tui); /* the message must stay on the normal screen */
	tui = NULL;
	error("%s", msg);
	if (o->json)
		json_out_write_error(stdout, msg);
}

static void print_attached(const struct collector *c)
{
	const struct msrtop_source *src = collector_sources(c);
	enum msrtop_source_id msr_src = msrtop_table_source(src, MSRTOP_SRC_KVM_MSR);

	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		bool on = src[i].state == MSRTOP_SRC_ATTACHED;

		fprintf(stderr, "msrtop: %-20s %s%s%s%s%s\n", src[i].name,
			msrtop_source_state_name(src[i].state), on ? " as " : "",
			on ? src[i].attach : "", src[i].error ? ": " : "",
			src[i].error ? strerror(src[i].error) : "");
		if (on && !strcmp(src[i].attach, "tracepoint"))
			fprintf(stderr,
				"msrtop: %s: the kernel's BTF has no vcpu_svm or vcpu_vmx (KVM "
				"modules without BTF?): attached as a classic tracepoint, which "
				"costs more per exit; perf and kvm_stat still get every event\n",
				src[i].name);
	}
	if (collector_default_sources(c) && msr_src == MSRTOP_SRC_KVM_MSR_OUTCOME)
		fprintf(stderr,
			"msrtop: default sources of a kernel with kvm_msr_outcome: it fills the MSR "
			"table, kvm_msr and kvm_msr_intercept stay off (one program per access "
			"instead of three); --sources all attaches them\n");
	else if (collector_default_sources(c))
		fprintf(stderr, "msrtop: default sources: every KVM tracepoint of this kernel but the "
				"opt-in kvm_inj_virq (unless --sources names it)\n");
	if (collector_no_bpf(c)) {
		fprintf(stderr, "msrtop: no BPF: %s\n", collector_no_bpf(c));
		return;
	}
	fprintf(stderr, "msrtop: the MSR table comes from %s\n", msrtop_source_name(msr_src));
	if (collector_msr_exits_timed_by_outcomes(c))
		fprintf(stderr, "msrtop: MSR exits are timed by kvm_msr_outcome (the kernel's handling "
				"time of each access), other exits from kvm_exit to kvm_entry\n");
	collector_print_maps(c, stderr);
}

/*
 * The JSON document of view, as --json prints it, into out (whose buffer,
 * if any, is written over from its start). 0, or -ENOMEM (out is then freed).
 */
static int render_json(const struct msrtop_snapshot *view, const struct msrtop_filter *filter,
		       struct json_out_cache *cache, struct prom_buf *out)
{
	out->len = 0;
	out->oom = false;
	if (json_out_render(out, view, filter, cache) || !out->len) {
		prom_buf_free(out);
		return -ENOMEM;
	}
	return 0;
}

/*
 * --listen and --output: every snapshot, with the command line's filter. The
 * JSON document is rendered once for both; the output file is written before
 * the HTTP server takes the text over. 0, or -EIO when the file or the
 * document could not be written (reported).
 */
static int export_snapshot(struct msrtop_snapshot *snap, const struct options *o)
{
	static bool output_failing;
	/* Without --listen, the document's buffer is kept for the next one. */
	static struct prom_buf spare;
	struct msrtop_snapshot *view;
	struct prom_buf doc = {0};
	char msg[512];
	int err = 0;

	if (!http && !output)
		return 0;
	view = snapshot_filter_is_empty(&o->filter) ? snapshot_get(snap)
						   : snapshot_filter(snap, &o->filter);
	if (http)
		http_json_buffer(http, &doc);
	else
		doc = spare, spare = (struct prom_buf){0};
	if (!view || render_json(view, &o->filter, export_cache, &doc)) {
		prom_buf_free(&doc);
		error("out of memory while rendering a snapshot: the previous one is served and "
		      "kept in --output");
		snapshot_put(view);
		return -EIO;
	}
	if (output) {
		if (reopen_output) {
			reopen_output = 0;
			if (output_file_reopen(output, msg, sizeof(msg)))
				error("%s", msg);
		}
		/* One line when writing starts failing, one when it works again. */
		if (output_file_write(output, doc.data, doc.len, msg, sizeof(msg))) {
			if (!output_failing)
				error("%s", msg);
			output_failing = true;
			err = -EIO;
		} else if (output_failing) {
			error("writing --output %s works again", o->output);
			output_failing = false;
		}
	}
	if (http && http_publish_buffer(http, view, doc.data, doc.len, doc.cap))
		error("out of memory while rendering /metrics: the previous snapshot is served");
	else if (!http)
		spare = doc;
	snapshot_put(view);
	return err;
}

/*
 * --watch-msr without text tables on stdout (JSON, a daemon): each change as
 * a log line on stderr, and the changes the ring buffer had no room for.
 */
static void log_changes(const struct msrtop_snapshot *s)
{
	uint64_t lost = s->overflow[MSRTOP_MAP_MSR_CHANGES].delta;
	char buf[160];

	for (size_t i = 0; i < s->nr_changes; i++) {
		const struct msrtop_msr_change_ev *e = &s->changes[i];

		fprintf(stderr, "msrtop: watched MSR changed: %s\n",
			format_msr_change(e->pid, e->vcpu, e->msr, e->old_value, e->new_value, buf,
					  sizeof(buf)));
	}
	if (lost)
		fprintf(stderr, "msrtop: %llu watched MSR changes NOT reported: the ring buffer "
			"was full\n", (unsigned long long)lost);
}

/* snap on stdout (--json, --csv or text), through the command line's filter.
 * 0, 1 when stdout is gone, or a negative errno (reported). */
static int print_snapshot(struct msrtop_snapshot *snap, const struct options *o)
{
	struct msrtop_snapshot *view;
	int err;

	view = snapshot_filter_is_empty(&o->filter) ? snapshot_get(snap)
						   : snapshot_filter(snap, &o->filter);
	if (!view) {
		report_error(o, "out of memory while filtering a snapshot");
		return -ENOMEM;
	}
	if (o->json)
		err = json_out_write(stdout, view, &o->filter, stdout_cache);
	else if (o->csv)
		err = text_out_write_csv(stdout, view);
	else
		err = text_out_write(stdout, view);
	snapshot_put(view);
	if (err == -EPIPE) {
		err = 1;
	} else if (err) {
		error("writing to stdout failed: %s", strerror(-err));
	}
	return err;
}

/* --record: snap's whole document appended to the recording. 0 or -EIO (reported). */
static int record_snapshot(const struct msrtop_snapshot *snap, const struct options *o)
{
	int err = json_out_write(record, snap, NULL, NULL);

	if (err) {
		error("writing --record %s failed: %s", o->record, strerror(-err));
		return -EIO;
	}
	return 0;
}

/* Takes and prints one snapshot. 0, 1 when stdout is gone, or a negative errno. */
static int one_interval(struct collector *c, const struct options *o)
{
	struct msrtop_snapshot *snap = NULL;
	char msg[512];
	int err;

	err = collector_read(c, &snap, msg, sizeof(msg));
	if (err) {
		report_error(o, msg);
		return err;
	}
	if (!live_view && (o->json || o->listen || o->output))
		log_changes(snap);
	if (record && record_snapshot(snap, o)) {
		err = -EIO;
		goto cleanup;
	}
	/* --once: its one snapshot not written is a failed run (exit 1). */
	err = export_snapshot(snap, o);
	if (err && o->once)
		goto cleanup;
	err = 0;
	if (!live_view && !o->json && !o->csv && (o->listen || o->output))
		goto cleanup; /* a daemon: stdout only with --json */
	if (live_view) { /* it applies o->filter itself, and lets the user change it */
		err = tui_update(tui, snap);
		if (err)
			report_error(o, "out of memory while showing a snapshot");
		goto cleanup;
	}
	err = print_snapshot(snap, o);
cleanup:
	snapshot_put(snap);
	return err;
}

/* ---- --replay --------------------------------------------------------------------- */

struct recording {
	struct msrtop_snapshot **snaps;
	size_t nr, cap;
};

static void recording_free(struct recording *r)
{
	for (size_t i = 0; i < r->nr; i++)
		snapshot_put(r->snaps[i]);
	free(r->snaps);
}

/* Every snapshot of the recording at path (JSON lines). 0, or -1 (reported). */
static int recording_load(const char *path, struct recording *r)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, msg[512];
	size_t lcap = 0, lineno = 0;
	struct stat st;
	ssize_t len;
	int err = -1;

	if (!f) {
		error("cannot open --replay %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		error("--replay %s: not a regular file (give a file msrtop --record wrote)", path);
		goto out;
	}
	while ((len = getline(&line, &lcap, f)) >= 0) {
		struct msrtop_snapshot *s;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		if (json_in_parse(line, (size_t)len, &s, msg, sizeof(msg))) {
			error("--replay %s:%zu: %s", path, lineno, msg);
			goto out;
		}
		if (r->nr == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 64;
			struct msrtop_snapshot **p = realloc(r->snaps, cap * sizeof(*p));

			if (!p) {
				snapshot_put(s);
				error("--replay %s: out of memory at line %zu", path, lineno);
				goto out;
			}
			r->snaps = p;
			r->cap = cap;
		}
		r->snaps[r->nr++] = s;
	}
	if (ferror(f)) {
		error("reading --replay %s failed: %s", path, strerror(errno));
		goto out;
	}
	if (!r->nr) {
		error("--replay %s: no snapshot in it (msrtop --record FILE makes one)", path);
		goto out;
	}
	err = 0;
out:
	free(line);
	fclose(f);
	return err;
}

/* How long snapshot i is shown when playing: as recorded, or the chosen pace. */
static uint64_t replay_pace_ns(const struct recording *r, size_t i, uint64_t fixed_ns)
{
	double s = i < r->nr ? r->snaps[i]->interval_s : 1;

	if (fixed_ns)
		return fixed_ns;
	if (!(s >= INTERVAL_MIN))
		s = INTERVAL_MIN;
	if (s > INTERVAL_MAX)
		s = INTERVAL_MAX;
	return (uint64_t)(s * 1e9);
}

/* The live view over a recording: plays it at its pace; the replay keys step. */
static int replay_view(const struct options *o, const struct recording *r)
{
	struct tui_opts topts = {.interval_ms = (unsigned int)(r->snaps[0]->interval_s * 1000 + 0.5),
				 .filter = &o->filter, .replay = o->replay};
	uint64_t fixed = o->interval_set ? (uint64_t)(o->interval_s * 1e9) : 0, next;
	size_t pos = 0;
	int err;

	if (tui_init(&topts, &tui))
		return EXIT_RUNTIME;
	err = tui_show_replay(tui, r->snaps[0], 0, r->nr);
	next = mono_ns() + replay_pace_ns(r, 1, fixed);
	while (!err && !stop_signal) {
		struct tui_action act = {0};
		uint64_t now = mono_ns();
		bool playing = !tui_paused(tui) && pos + 1 < r->nr;
		int wait_ms = playing ? (int)(next > now ? (next - now + 999999) / 1000000 : 0) : 1000;
		int got = tui_poll(tui, wait_ms, &act);
		size_t to = pos;

		if (got < 0 || (got > 0 && act.kind == TUI_ACT_QUIT))
			break;
		now = mono_ns();
		if (got > 0 && act.kind == TUI_ACT_INTERVAL) {
			fixed = act.interval_ms * 1000000ull;
			continue;
		}
		if (got > 0 && act.kind == TUI_ACT_STEP) {
			if (act.step == LONG_MIN)
				to = 0;
			else if (act.step == LONG_MAX)
				to = r->nr - 1;
			else if (act.step < 0)
				to = pos ? pos - 1 : 0;
			else
				to = pos + 1 < r->nr ? pos + 1 : pos;
		} else if (got == 0 && playing && now >= next) {
			to = pos + 1;
		} else {
			continue;
		}
		if (to != pos)
			err = tui_show_replay(tui, r->snaps[to], to, r->nr);
		pos = to;
		next = now + replay_pace_ns(r, pos + 1, fixed);
	}
	tui_fini(tui);
	tui = NULL;
	return err ? EXIT_RUNTIME : 0;
}

/* msrtop --replay FILE: a recording instead of the kernel's maps. */
static int replay_main(const struct options *o)
{
	struct recording r = {0};
	int status = 0, err;

	if (recording_load(o->replay, &r)) {
		recording_free(&r);
		return EXIT_RUNTIME;
	}
	stdout_cache = json_out_cache_new();
	live_view = !o->json && !o->csv && isatty(STDOUT_FILENO);
	if (live_view) {
		status = replay_view(o, &r);
	} else {
		for (size_t i = 0; i < r.nr && !stop_signal; i++) {
			err = print_snapshot(r.snaps[i], o);
			if (err) {
				status = err == 1 ? 0 : EXIT_RUNTIME;
				break;
			}
		}
	}
	json_out_cache_free(stdout_cache);
	stdout_cache = NULL;
	recording_free(&r);
	return status;
}

/* --record FILE opened for appending: a regular file only. 0, or an exit status. */
static int record_open(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0) {
		error("cannot open --record %s: %s", path, strerror(errno));
		return errno == ELOOP ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		error("--record %s: not a regular file (give a file name)", path);
		close(fd);
		return EXIT_USAGE;
	}
	record = fdopen(fd, "a");
	if (!record) {
		error("cannot open --record %s: %s", path, strerror(errno));
		close(fd);
		return EXIT_RUNTIME;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct collector_opts copts = { 0 };
	struct collector *c = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t next, deadline = UINT64_MAX, step;
	struct options o;
	char msg[512];
	int err, closed, status = 0;
	bool first = true;

	/*
	 * Many small chunks are freed at once per refresh (rows' texts, the
	 * json-c objects of a document's head and VM table): without fastbins
	 * glibc frees them straight back instead of consolidating them later
	 * (a third of a refresh with 10,000 rows when every row was a json-c
	 * tree, docs/performance.md).
	 */
	mallopt(M_MXFAST, 0);
	closed = std_fds_fill(); /* before anything is opened */
	err = parse_options(argc, argv, &o);
	if (err < 0)
		return EXIT_USAGE;
	if (closed < 0) {
		error("a standard descriptor is closed and /dev/null cannot be opened on it (%s)",
		      strerror(-closed));
		return EXIT_RUNTIME;
	}
	/* Without --json, --listen and --output make a daemon that prints nothing. */
	if (closed & STD_FD_BIT(STDOUT_FILENO) &&
	    (err == 1 || o.json || o.csv || !(o.listen || o.output))) {
		error("stdout is closed: give msrtop somewhere to write (a file, a pipe or "
		      "/dev/null)%s",
		      err == 1 ? "" : ", or use --listen or --output without --json");
		return EXIT_RUNTIME;
	}
	if (err == 1) {
		usage(stdout);
		return 0;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
	if (o.replay) /* no BPF: no privileges needed */
		return replay_main(&o);

	/*
	 * Privileges first (collector_open() checks them again): a run that
	 * cannot load anything binds no port, creates no file and says only why.
	 */
	err = kc_check_privileges(msg, sizeof(msg));
	if (err) {
		report_error(&o, msg);
		return EXIT_RUNTIME;
	}
	if (o.record) {
		err = record_open(o.record);
		if (err)
			return err;
	}
	if (o.output) {
		err = output_file_open(o.output, &output, msg, sizeof(msg));
		if (err) {
			error("%s", msg);
			return err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		}
	}
	if (o.listen) {
		struct http_listen bound;

		if (http_start(&o.listen_at, &http, &bound, msg, sizeof(msg))) {
			error("%s", msg);
			output_file_close(output);
			return EXIT_RUNTIME;
		}
		fprintf(stderr, "msrtop: serving http://%s/metrics and /stats.json\n", bound.text);
	}

	/* Without them (out of memory) every row is made again each time: still right. */
	stdout_cache = json_out_cache_new();
	export_cache = json_out_cache_new();

	copts.pids = o.filter.pids;
	copts.nr_pids = o.filter.nr_pids;
	copts.verbose = o.verbose;
	copts.sources = o.sources;
	copts.max_rows = o.max_rows;
	copts.forget_after_s = o.forget_after_s;
	memcpy(copts.sample_msrs, o.sample_msrs, sizeof(copts.sample_msrs));
	copts.nr_sample_msrs = o.nr_sample_msrs;
	copts.sample_watch = o.sample_watch;
	copts.sample_every = o.sample_every;
	/* The live view shows the errors itself; a line on stderr would tear it. */
	copts.warn_errors = o.json || o.csv || o.once || !isatty(STDOUT_FILENO);
	err = collector_open(&copts, &c, msg, sizeof(msg));
	if (err) {
		report_error(&o, msg);
		status = EXIT_RUNTIME;
		goto cleanup;
	}
	if (o.nr_sample_msrs &&
	    collector_sources(c)[MSRTOP_SRC_MSR_SAMPLE].state == MSRTOP_SRC_FAILED)
		error("%s: attaching the MSR sampler to kvm_exit failed (%s): guest MSRs are not "
		      "sampled; everything else is counted",
		      o.sample_watch ? "--watch-msr" : "--sample-msr",
		      strerror(collector_sources(c)[MSRTOP_SRC_MSR_SAMPLE].error));
	else if (o.nr_sample_msrs &&
		 collector_sources(c)[MSRTOP_SRC_MSR_SAMPLE].state != MSRTOP_SRC_ATTACHED)
		error("%s: this kernel has no bpf_kvm_vcpu_get_msr (msrtop's kernel patch 0006, "
		      "docs/tracepoints.md): guest MSRs are not sampled; everything else is counted",
		      o.sample_watch ? "--watch-msr" : "--sample-msr");
	if (collector_no_bpf(c) && !o.sources)
		fprintf(stderr, "msrtop: no BPF (%s): showing KVM's statistics from debugfs only\n",
			collector_no_bpf(c));
	if (o.verbose)
		print_attached(c);

	step = (uint64_t)(o.interval_s * 1e9);
	live_view = !o.json && !o.csv && !o.once && isatty(STDOUT_FILENO);
	if (live_view) {
		struct tui_opts topts = { .interval_ms = (unsigned int)(o.interval_s * 1000 + 0.5),
					  .filter = &o.filter, .kernel_pids = true,
					  .sampling = o.nr_sample_msrs > 0,
					  .watching = o.sample_watch != 0 };

		if (tui_init(&topts, &tui)) {
			status = EXIT_RUNTIME;
			goto cleanup;
		}
	}
	next = mono_ns() + step;
	if (o.duration_s > 0)
		deadline = mono_ns() + (uint64_t)(o.duration_s * 1e9);
	for (;;) {
		bool last = o.once || next >= deadline;

		if (!(live_view ? tui_wait_until(last ? deadline : next, &step)
				: sleep_until(last && !o.once ? deadline : next)))
			break; /* interrupted: exit quietly */
		err = one_interval(c, &o);
		if (o.verbose && !err && first) {
			if (!collector_no_bpf(c)) {
				char changed[128];

				fprintf(stderr, "msrtop: reading maps %s\n",
					collector_uses_batch(c)
						? "in batches (BPF_MAP_LOOKUP_BATCH)"
						: "key by key (no batch lookups)");
				collector_reads_changes(c, changed, sizeof(changed));
				if (*changed)
					fprintf(stderr,
						"msrtop: read for their changed rows only (%s): %s\n",
						collector_changes_how(c), changed);
				else
					fprintf(stderr, "msrtop: read for their changed rows only: "
							"none, every map is read whole\n");
			}
			collector_print_debugfs(c, stderr);
			first = false;
		}
		if (err) {
			status = err == 1 ? 0 : EXIT_RUNTIME;
			break;
		}
		if (last)
			break;
		next += step;
	}
	tui_fini(tui);
	tui = NULL;
cleanup:
	collector_close(c);
	http_stop(http);
	output_file_close(output);
	if (record && fclose(record) && !status) {
		error("writing --record %s failed: %s", o.record, strerror(errno));
		status = EXIT_RUNTIME;
	}
	json_out_cache_free(stdout_cache);
	json_out_cache_free(export_cache);
	return status;
}
