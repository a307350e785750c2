// SPDX-License-Identifier: GPL-2.0
/*
 * tui_fake: drives the live view (userspace/tui*.c) with synthetic snapshots, the way
 * msrtop's loop does, so that tests/tui/fake.sh can check it in tmux on any
 * machine (no KVM, no BPF, no root).
 *
 * Snapshot k (k = 1, 2, ... up to --snapshots, then frozen) holds:
 *   VM 1000 "fakevmm" (guest "demo"), vCPUs 0 and 1 (its MSR rows: 1 learned for
 *   the thread, 1~):
 *     IA32_CR_PAT (0x277) writes: 100 k per vCPU, #GP 10 k, value changes k
 *     IA32_APIC_BASE (0x1b) reads: 50 k per vCPU
 *     0xdead writes: 5 k per vCPU, all #GP
 *   VM 2000 "otherv" (no guest name), vCPU t2001 (a thread id):
 *     EFER (0xc0000080) reads: 7 k
 *   exits (unless --pvm): VM 1000 vCPU 0: SVM MSR 300 k, SVM NPF 20 k;
 *     VM 2000: VMX MSR_WRITE|FAILED_VMENTRY 3 k
 *   --patched: outcome rows (handled, #GP invalid value / unknown MSR,
 *     userspace, userspace answered with an error) and canonical checks for
 *     LSTAR (0xc0000082)
 *   --rows N: N extra MSR rows (0x10000 + i reads, i + 1 each) in VM 3000
 *   --sampled: --sample-msr FS_BASE --watch-msr LSTAR in VM 1000 vCPU 0:
 *     FS_BASE 30 k samples, 3 k changes, last 0x7f0000003000, exits per value
 *     0x7f0000001000 10 k, 0x7f0000002000 8 k, 0x7f0000003000 12 k; LSTAR 30 k
 *     samples, k changes, last 0xffffffff82000000, and one watched change
 *     (0xffffffff81000000 -> 0xffffffff82000000) per snapshot
 * --pvm: kvm_exit attached but silent while kvm_msr counts (a PVM host).
 * --crash-after N: a NULL write after N snapshots (the crash path).
 * --own-signals: SIGINT/SIGTERM handled by this program (a flag), not tui.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exit_reasons.h"
#include "snapshot.h"
#include "tui.h"

static struct {
	unsigned int interval_ms;
	unsigned int snapshots;
	unsigned int crash_after;
	unsigned int rows;
	bool pvm, patched, own_signals, overflow, sampled;
} o = {.interval_ms = 500, .snapshots = 3};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void add_msr(struct msrtop_snapshot *s, uint32_t pid, uint8_t src, uint32_t vcpu,
		    uint32_t msr, bool write, uint64_t count, uint64_t gp, uint64_t changes,
		    uint64_t value)
{
	struct msrtop_msr_row *m = snapshot_add_row(s, MSRTOP_KIND_MSRS);

	if (!m)
		abort();
	*m = (struct msrtop_msr_row){
		.pid = pid, .vcpu_src = src, .vcpu = vcpu, .msr = msr, .write = write};
	m->count.total = count;
	m->gp.total = gp;
	if (write && count > gp) {
		m->has_value = true;
		m->last_value = value;
		m->changes.total = changes;
	}
}

static void add_exit(struct msrtop_snapshot *s, uint32_t pid, uint8_t src, uint32_t vcpu,
		     uint8_t isa, uint32_t reason, uint64_t count)
{
	struct msrtop_exit_row *e = snapshot_add_row(s, MSRTOP_KIND_EXITS);
	int i;

	if (!e)
		abort();
	*e = (struct msrtop_exit_row){
		.pid = pid, .vcpu_src = src, .vcpu = vcpu, .isa = isa, .reason = reason};
	e->count.total = count;
	/* Latencies: 90% in [1024, 2048) ns (1600 ns each but the shortest, 1100 ns),
	 * 10% in [16384, 32768) ns (20000 ns each). */
	e->latency.slots[10] = count - count / 10;
	e->latency.slots[14] = count / 10;
	for (i = 0; i < MSRTOP_HIST_SLOTS; i++)
		e->latency.count += e->latency.slots[i];
	e->latency.sum_ns = e->latency.slots[10] * 1600 - 500 + e->latency.slots[14] * 20000;
	e->latency.min_ns = 1100;
	e->latency.max_ns = 20000;
}

static void add_outcome(struct msrtop_snapshot *s, uint32_t msr, bool write, uint8_t outcome,
			uint8_t reason, uint64_t count, int slot)
{
	struct msrtop_outcome_row *r = snapshot_add_row(s, MSRTOP_KIND_OUTCOMES);

	if (!r)
		abort();
	*r = (struct msrtop_outcome_row){
		.pid = 1000, .msr = msr, .write = write, .outcome = outcome, .reason = reason};
	r->count.total = count;
	/* Durations: one at each end of the slot, the others in its middle. */
	r->duration.slots[slot] = count;
	r->duration.count = count;
	r->duration.min_ns = (1ull << slot) + 1;
	r->duration.max_ns = (2ull << slot) - 1;
	r->duration.sum_ns = count * (3ull << slot) / 2;
}

static struct msrtop_snapshot *make(uint64_t seq, uint64_t k, const struct msrtop_snapshot *prev,
				    uint64_t start_rt, uint64_t start_mono)
{
	struct msrtop_snapshot *s = snapshot_new();
	struct msrtop_uexit_row *u;
	struct msrtop_vm *vm;
	uint32_t v, i;

	if (!s)
		abort();
	s->seq = seq;
	s->time_ns = now_ns(CLOCK_REALTIME);
	s->mono_ns = now_ns(CLOCK_MONOTONIC);
	s->start_time_ns = start_rt;
	s->start_mono_ns = start_mono;
	for (i = 0; i < MSRTOP_SRC_NR; i++) {
		s->sources[i].name = msrtop_source_name(i);
		s->sources[i].attach = "tp_btf";
		s->sources[i].patched =
			i >= MSRTOP_SRC_KVM_MSR_INTERCEPT && i <= MSRTOP_SRC_KVM_MSR_CANONICAL;
		s->sources[i].state = s->sources[i].patched && !o.patched ? MSRTOP_SRC_MISSING
									  : MSRTOP_SRC_ATTACHED;
	}
	s->sources[MSRTOP_SRC_KVM_NESTED_VMEXIT].state = MSRTOP_SRC_MISSING;
	s->sources[MSRTOP_SRC_KVM_DEBUGFS].patched = false;
	s->sources[MSRTOP_SRC_KVM_DEBUGFS].state = MSRTOP_SRC_ATTACHED;
	s->sources[MSRTOP_SRC_KVM_DEBUGFS].attach = "debugfs";
	if (o.overflow)
		s->overflow[MSRTOP_MAP_MSRS].total = 12 * k;

	for (v = 0; v < 2; v++) {
		uint8_t src = v ? MSRTOP_VCPU_LEARNED : MSRTOP_VCPU_KERNEL;

		add_msr(s, 1000, src, v, 0x277, true, 100 * k, 10 * k, k, 0x0007040600070406ull);
		add_msr(s, 1000, src, v, 0x1b, false, 50 * k, 0, 0, 0);
		add_msr(s, 1000, src, v, 0xdead, true, 5 * k, 5 * k, 0, 0);
	}
	add_msr(s, 2000, MSRTOP_VCPU_TID, 2001, 0xc0000080, false, 7 * k, 0, 0, 0);
	for (i = 0; i < o.rows; i++)
		add_msr(s, 3000, MSRTOP_VCPU_KERNEL, 0, 0x10000 + i, false, (i + 1) * k, 0, 0, 0);
	if (!o.pvm) {
		add_exit(s, 1000, MSRTOP_VCPU_KERNEL, 0, MSRTOP_ISA_SVM, 0x7c, 300 * k);
		add_exit(s, 1000, MSRTOP_VCPU_KERNEL, 0, MSRTOP_ISA_SVM, 0x400, 20 * k);
		add_exit(s, 2000, MSRTOP_VCPU_TID, 2001, MSRTOP_ISA_VMX, 32 | 0x80000000u, 3 * k);
	}
	/* KVM's statistics from debugfs: a count, a level, one vCPU's level. */
	for (i = 0; i < 3; i++) {
		struct msrtop_kvm_stat_row *r = snapshot_add_row(s, MSRTOP_KIND_KVM_STATS);
		static const char *const stat[] = {"halt_exits", "pages_4k",
						   "lapic_timer_advance_ns"};

		if (!r)
			abort();
		*r = (struct msrtop_kvm_stat_row){
			.pid = 1000, .vm_fd = 4, .vcpu = i == 2 ? 0 : MSRTOP_KVM_STAT_VM};
		snprintf(r->name, sizeof(r->name), "%s", stat[i]);
		r->cumulative = i == 0;
		r->instant = i != 0;
		r->value = i == 0 ? 25 * k : i == 1 ? 512 : 1000;
		if (r->cumulative)
			r->count.total = r->value;
	}
	u = snapshot_add_row(s, MSRTOP_KIND_UEXITS);
	*u = (struct msrtop_uexit_row){.pid = 1000, .reason = 2 /* IO */};
	u->count.total = 40 * k;
	if (o.patched) {
		add_outcome(s, 0x277, true, MSRTOP_OUTCOME_HANDLED, 0, 90 * k, 9);
		add_outcome(s, 0x277, true, MSRTOP_OUTCOME_GP, MSRTOP_GP_INVALID_VALUE, 10 * k, 9);
		add_outcome(s, 0xdead, true, MSRTOP_OUTCOME_GP, MSRTOP_GP_UNKNOWN_MSR, 5 * k, 8);
		add_outcome(s, 0x3b, true, MSRTOP_OUTCOME_USERSPACE, MSRTOP_USERSPACE_FILTER,
			    10 * k, 12);
		add_outcome(s, 0x3a, true, MSRTOP_OUTCOME_USERSPACE, MSRTOP_USERSPACE_FILTER, 4 * k,
			    12);
		add_outcome(s, 0x3a, true, MSRTOP_OUTCOME_USERSPACE_DONE,
			    MSRTOP_USERSPACE_DONE_ERROR, 4 * k, 14);
		for (i = 0; i < 1; i++) {
			struct msrtop_canon_row *c = snapshot_add_row(s, MSRTOP_KIND_CANON);

			*c = (struct msrtop_canon_row){.pid = 1000, .msr = 0xc0000082};
			c->count.total = 8 * k;
			c->rejected.total = 2 * k;
			c->fixups.total = k;
		}
	}
	if (o.sampled) {
		static const uint64_t fs[3] = {0x7f0000001000, 0x7f0000002000, 0x7f0000003000};
		struct msrtop_sample_row *r = snapshot_add_row(s, MSRTOP_KIND_MSR_SAMPLES);

		*r = (struct msrtop_sample_row){
			.pid = 1000, .msr = 0xc0000100, .has_value = true, .last_value = fs[2]};
		r->samples.total = 30 * k;
		r->changes.total = 3 * k;
		r = snapshot_add_row(s, MSRTOP_KIND_MSR_SAMPLES);
		*r = (struct msrtop_sample_row){.pid = 1000,
						.msr = 0xc0000082,
						.has_value = true,
						.last_value = 0xffffffff82000000ull};
		r->samples.total = 30 * k;
		r->changes.total = k;
		for (i = 0; i < 3; i++) {
			struct msrtop_value_row *val = snapshot_add_row(s, MSRTOP_KIND_MSR_VALUES);

			*val = (struct msrtop_value_row){
				.pid = 1000, .msr = 0xc0000100, .value = fs[i]};
			val->exits.total = (i == 0 ? 10 : i == 1 ? 8 : 12) * k;
		}
		*snapshot_add_change(s) =
			(struct msrtop_msr_change_ev){.time_ns = s->time_ns,
						      .pid = 1000,
						      .tid = 1001,
						      .vcpu = 0,
						      .msr = 0xc0000082,
						      .old_value = 0xffffffff81000000ull,
						      .new_value = 0xffffffff82000000ull};
	}
	if (!o.sampled)
		s->sources[MSRTOP_SRC_MSR_SAMPLE].state = MSRTOP_SRC_OFF;
	if (snapshot_finish(s, prev))
		abort();
	/* Names are the collector's business (from /proc): set them as it would. */
	vm = snapshot_find_vm(s, 1000);
	if (vm) {
		snprintf(vm->comm, sizeof(vm->comm), "fakevmm");
		snprintf(vm->name, sizeof(vm->name), "demo");
		vm->alive = true;
	}
	vm = snapshot_find_vm(s, 2000);
	if (vm) {
		snprintf(vm->comm, sizeof(vm->comm), "otherv");
		vm->alive = true;
	}
	return s;
}

static int usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--interval MS] [--snapshots N] [--rows N] [--pvm] [--patched] "
		"[--overflow] [--crash-after N] [--own-signals] [--sampled]\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"interval", required_argument, NULL, 'i'},
		{"snapshots", required_argument, NULL, 'n'},
		{"rows", required_argument, NULL, 'r'},
		{"crash-after", required_argument, NULL, 'c'},
		{"pvm", no_argument, NULL, 'P'},
		{"patched", no_argument, NULL, 'p'},
		{"overflow", no_argument, NULL, 'o'},
		{"own-signals", no_argument, NULL, 's'},
		{"sampled", no_argument, NULL, 'S'},
		{0},
	};
	struct tui_opts topts = {0};
	struct tui_state *tui = NULL;
	struct msrtop_snapshot *prev = NULL;
	uint64_t start_rt, start_mono, k = 0, seq = 0;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.interval_ms = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			o.snapshots = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o.rows = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o.crash_after = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'P':
			o.pvm = true;
			break;
		case 'p':
			o.patched = true;
			break;
		case 'S':
			o.sampled = true;
			break;
		case 'o':
			o.overflow = true;
			break;
		case 's':
			o.own_signals = true;
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (o.own_signals) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	start_rt = now_ns(CLOCK_REALTIME);
	start_mono = now_ns(CLOCK_MONOTONIC);
	topts.interval_ms = o.interval_ms;
	topts.sampling = topts.watching = o.sampled;
	if (tui_init(&topts, &tui))
		return 1;
	while (!stop) {
		struct msrtop_snapshot *s;
		struct tui_action act;
		uint64_t due;

		if (k < o.snapshots)
			k++;
		s = make(++seq, k, prev, start_rt, start_mono);
		snapshot_put(prev);
		prev = s;
		if (o.crash_after && seq >= o.crash_after)
			*(volatile int *)NULL = 1;
		tui_update(tui, s);
		due = now_ns(CLOCK_MONOTONIC) + o.interval_ms * 1000000ull;
		while (!stop) {
			int64_t left = (int64_t)(due - now_ns(CLOCK_MONOTONIC)) / 1000000;
			int r;

			if (left <= 0)
				break;
			r = tui_poll(tui, (int)left, &act);
			if (r < 0) {
				rc = 1;
				stop = 1;
			} else if (r > 0 && act.kind == TUI_ACT_QUIT) {
				stop = 1;
			} else if (r > 0 && act.kind == TUI_ACT_INTERVAL) {
				o.interval_ms = act.interval_ms;
				due = now_ns(CLOCK_MONOTONIC) + o.interval_ms * 1000000ull;
			}
		}
	}
	tui_fini(tui);
	snapshot_put(prev);
	printf("tui_fake: done after %" PRIu64 " snapshots\n", k);
	return rc;
}
