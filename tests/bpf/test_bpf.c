// SPDX-License-Identifier: GPL-2.0
/*
 * msrtop's BPF programs, run in this kernel with BPF_PROG_TEST_RUN.
 *
 * Each test loads a fresh skeleton with only the raw_tp entries (the twins of
 * the tp_btf programs, and kvm_exit_test for the classic-tracepoint handlers),
 * feeds them synthetic tracepoint arguments (the u64 argument array a raw
 * tracepoint receives) and checks the maps, summed over CPUs. A test run
 * executes on the calling thread, so the "current task" the programs see is
 * this process: tgid = getpid(), tid = gettid().
 *
 * Needs root (CAP_BPF + CAP_PERFMON); every test is skipped otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cmocka_tap.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "map_mirror.h"
#include "msrtop.h"
#include "msrtop.skel.h"
#include "msrtop_sample.skel.h"

static int nr_cpus;

struct fixture {
	struct msrtop *skel;
};

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (getenv("TEST_BPF_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* Switch off every program, then on only those named in want (NULL-ended). */
static void select_programs(struct msrtop *skel, struct bpf_program **want)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);
	for (; *want; want++)
		bpf_program__set_autoload(*want, true);
}

static void raw_programs(struct msrtop *skel)
{
	struct bpf_program *want[] = {
		skel->progs.kvm_msr_raw,
		skel->progs.kvm_entry_raw,
		skel->progs.kvm_exit_test,
		skel->progs.kvm_userspace_exit_raw,
		skel->progs.kvm_msr_intercept_raw,
		skel->progs.kvm_msr_outcome_raw,
		skel->progs.kvm_msr_canonical_raw,
		skel->progs.kvm_exit_raw,
		skel->progs.kvm_pio_raw,
		skel->progs.kvm_mmio_raw,
		skel->progs.kvm_hypercall_raw,
		skel->progs.kvm_cpuid_raw,
		skel->progs.kvm_inj_virq_raw,
		skel->progs.kvm_inj_exception_raw,
		skel->progs.uexit_insert_race_test,
		NULL,
	};

	select_programs(skel, want);
}

static struct msrtop *open_raw(void)
{
	struct msrtop *skel = msrtop__open();

	assert_non_null(skel);
	raw_programs(skel);
	return skel;
}

static void load(struct fixture *f)
{
	int err = msrtop__load(f->skel);

	if (err)
		fail_msg(
			"loading the BPF object failed: %s (TEST_BPF_VERBOSE=1 shows libbpf's log)",
			strerror(-err));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->skel = open_raw();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	msrtop__destroy(f->skel);
	free(f);
	return 0;
}

/* Load the skeleton as opened (and as adjusted by the test). */
static struct fixture *start(void **state, bool do_load)
{
	struct fixture *f = *state;

	if (do_load)
		load(f);
	return f;
}

static void run_args(struct bpf_program *prog, const uint64_t *args, size_t nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		fail_msg("BPF_PROG_TEST_RUN of %s failed: %s", bpf_program__name(prog),
			 strerror(errno));
	assert_int_equal(opts.retval, 0);
}

#define RUN(prog, ...)                                                                             \
	do {                                                                                       \
		const uint64_t args_[] = {__VA_ARGS__};                                            \
		run_args(prog, args_, sizeof(args_) / sizeof(args_[0]));                           \
	} while (0)

/* The kernel widens each tracepoint argument to u64 from its own width. */
#define I32(v) ((uint64_t)(uint32_t)(int32_t)(v))

static void run_msr(struct fixture *f, int write, uint32_t msr, uint64_t data, int gp)
{
	RUN(f->skel->progs.kvm_msr_raw, write, msr, data, gp);
}

static void run_exit(struct fixture *f, uint32_t vcpu, uint32_t isa, uint32_t reason, int nested)
{
	RUN(f->skel->progs.kvm_exit_test, vcpu, isa, reason, nested);
}

/*
 * A value of u64 counters into out (nr_u64 counters), summed over CPUs for a
 * per-CPU map. False if absent.
 */
static bool lookup_value(struct bpf_map *map, const void *key, uint64_t *out, size_t nr_u64)
{
	enum bpf_map_type type = bpf_map__type(map);
	bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY;
	size_t vsz = bpf_map__value_size(map);
	size_t stride = (vsz + 7) / 8 * 8;
	int copies = percpu ? nr_cpus : 1;
	uint8_t *buf = calloc(copies, stride);
	bool found;

	assert_non_null(buf);
	assert_int_equal(vsz, nr_u64 * sizeof(uint64_t));
	found = bpf_map_lookup_elem(bpf_map__fd(map), key, buf) == 0;
	memset(out, 0, nr_u64 * sizeof(uint64_t));
	for (int cpu = 0; found && cpu < copies; cpu++) {
		const uint64_t *v = (const uint64_t *)(buf + (size_t)cpu * stride);

		for (size_t i = 0; i < nr_u64; i++)
			out[i] += v[i];
	}
	free(buf);
	return found;
}

static uint32_t map_entries(struct bpf_map *map)
{
	uint8_t key[64], next[64];
	uint32_t n = 0;
	void *prev = NULL;

	assert_true(bpf_map__key_size(map) <= sizeof(key));
	while (bpf_map_get_next_key(bpf_map__fd(map), prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

static uint64_t overflow(struct fixture *f, uint32_t map_id)
{
	uint64_t n;

	assert_true(lookup_value(f->skel->maps.overflow, &map_id, &n, 1));
	return n;
}

static uint64_t errors(struct fixture *f, uint32_t map_id)
{
	uint64_t n;

	assert_true(lookup_value(f->skel->maps.errors, &map_id, &n, 1));
	return n;
}

static struct msrtop_msr_key msr_key(uint32_t vcpu, uint8_t src, uint32_t msr, int write)
{
	struct msrtop_msr_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = getpid();
	k.vcpu = vcpu;
	k.vcpu_src = src;
	k.msr = msr;
	k.write = write;
	return k;
}

static bool msr_write_state(struct fixture *f, struct msrtop_msr_key k,
			    struct msrtop_msr_write_val *v)
{
	return bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.msr_writes), &k, v) == 0;
}

/* Count and #GP count of a key: reads from msrs (per-CPU), writes from msr_writes. */
static bool msr_counts(struct fixture *f, struct msrtop_msr_key k, struct msrtop_msr_val *v)
{
	struct msrtop_msr_write_val w;

	if (!k.write)
		return lookup_value(f->skel->maps.msrs, &k, (uint64_t *)v,
				    sizeof(*v) / sizeof(uint64_t));
	if (!msr_write_state(f, k, &w))
		return false;
	v->count = w.count;
	v->gp = w.gp;
	return true;
}

static struct msrtop_exit_key exit_key(uint32_t vcpu, uint8_t isa, uint32_t reason, int nested)
{
	struct msrtop_exit_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = getpid();
	k.vcpu = vcpu;
	k.isa = isa;
	k.reason = reason;
	k.nested = nested;
	k.vcpu_src = MSRTOP_VCPU_KERNEL;
	return k;
}

static bool exit_val(struct fixture *f, struct msrtop_exit_key k, struct msrtop_exit_val *v)
{
	return lookup_value(f->skel->maps.exits, &k, (uint64_t *)v, sizeof(*v) / sizeof(uint64_t));
}

static uint64_t exit_count(struct fixture *f, struct msrtop_exit_key k)
{
	struct msrtop_exit_val v;

	return exit_val(f, k, &v) ? v.count : 0;
}

/* ---- kvm_msr ------------------------------------------------------------ */

static void test_msr_read(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_msr_write_val w;
	struct msrtop_msr_val v;
	struct msrtop_msr_key k = msr_key(gettid(), MSRTOP_VCPU_TID, 0x1b, 0);

	run_msr(f, 0, 0x1b, 0xfee00900, 0);
	run_msr(f, 0, 0x1b, 0xfee00900, 0);
	assert_true(msr_counts(f, k, &v));
	assert_int_equal(v.count, 2);
	assert_int_equal(v.gp, 0);
	assert_false(msr_write_state(f, k, &w)); /* reads are not in msr_writes */
	k.write = 1;
	assert_false(msr_counts(f, k, &v));
	assert_false(msr_write_state(f, k, &w));
	assert_int_equal(map_entries(f->skel->maps.msrs), 1);
	assert_int_equal(map_entries(f->skel->maps.msr_writes), 0);
}

static void test_msr_read_vs_write(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_msr_key kr = msr_key(gettid(), MSRTOP_VCPU_TID, 0x277, 0);
	struct msrtop_msr_key kw = msr_key(gettid(), MSRTOP_VCPU_TID, 0x277, 1);
	struct msrtop_msr_val v;

	for (int i = 0; i < 5; i++)
		run_msr(f, 1, 0x277, 0x0007040600070406ull, 0);
	for (int i = 0; i < 3; i++)
		run_msr(f, 0, 0x277, 0x0007040600070406ull, 0);
	assert_true(msr_counts(f, kw, &v));
	assert_int_equal(v.count, 5);
	assert_true(msr_counts(f, kr, &v));
	assert_int_equal(v.count, 3);
	assert_int_equal(map_entries(f->skel->maps.msrs), 1);
	assert_int_equal(map_entries(f->skel->maps.msr_writes), 1);
}

static void test_msr_gp(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_msr_key kr = msr_key(gettid(), MSRTOP_VCPU_TID, 0xdeadbeef, 0);
	struct msrtop_msr_key kw = msr_key(gettid(), MSRTOP_VCPU_TID, 0xdeadbeef, 1);
	struct msrtop_msr_write_val w;
	struct msrtop_msr_val v;

	run_msr(f, 0, 0xdeadbeef, 0, 1);
	run_msr(f, 0, 0xdeadbeef, 0, 1);
	run_msr(f, 1, 0xdeadbeef, 42, 1);
	assert_true(msr_counts(f, kr, &v));
	assert_int_equal(v.count, 2);
	assert_int_equal(v.gp, 2);
	assert_true(msr_counts(f, kw, &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(v.gp, 1);
	/* A faulting write changes nothing: no value known (count == gp), no change. */
	assert_true(msr_write_state(f, kw, &w));
	assert_int_equal(w.changes, 0);
	assert_true(w.count == w.gp);
}

static void test_msr_value_changes(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_msr_key k = msr_key(gettid(), MSRTOP_VCPU_TID, 0x6e0, 1);
	const uint64_t values[] = {5, 5, 7, 7, 7, 5, 9}; /* changes: 5->7, 7->5, 5->9 */
	struct msrtop_msr_write_val w;
	struct msrtop_msr_val v;

	run_msr(f, 1, 0x6e0, 77, 1); /* #GP before any value: the first value is still 5 */
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		run_msr(f, 1, 0x6e0, values[i], 0);
	run_msr(f, 1, 0x6e0, 1234, 1); /* #GP: neither a value nor a change */
	assert_true(msr_write_state(f, k, &w));
	assert_int_equal(w.count, 9);
	assert_int_equal(w.gp, 2);
	assert_int_equal(w.changes, 3);
	assert_int_equal(w.last_value, 9);
	assert_true(msr_counts(f, k, &v));
	assert_int_equal(v.count, 9);
	assert_int_equal(v.gp, 2);
	assert_int_equal(map_entries(f->skel->maps.msrs), 0);
}

static void test_msr_first_write_not_a_change(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_msr_key k = msr_key(gettid(), MSRTOP_VCPU_TID, 0x10, 1);
	struct msrtop_msr_write_val w;

	run_msr(f, 1, 0x10, 0xffffffffffffffffull, 0);
	assert_true(msr_write_state(f, k, &w));
	assert_int_equal(w.count, 1);
	assert_int_equal(w.changes, 0);
	assert_true(w.last_value == 0xffffffffffffffffull);
}

/* ---- vCPU identity --------------------------------------------------------- */

static void *other_thread(void *arg)
{
	struct fixture *f = arg;
	static pid_t tid;

	tid = gettid();
	run_msr(f, 0, 0x1b, 0, 0);
	return &tid;
}

/* The vcpu_id tid_vcpus holds for thread tid; -1 if none. */
static long learned_vcpu(struct fixture *f, uint32_t tid)
{
	uint64_t vcpu;

	if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.tid_vcpus), &tid, &vcpu))
		return -1;
	return (long)vcpu;
}

/* vm_cmdlines has the start of this process's command line, as /proc has it. */
static void assert_vm_cmdline(struct fixture *f)
{
	static struct msrtop_vm_cmdline got;
	static char want[MSRTOP_VM_CMDLINE_LEN];
	uint32_t pid = getpid();
	FILE *fp = fopen("/proc/self/cmdline", "r");
	size_t n;

	assert_non_null(fp);
	n = fread(want, 1, sizeof(want), fp);
	fclose(fp);
	assert_true(n > 0);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vm_cmdlines), &pid, &got),
			 0);
	assert_int_equal(got.len, n);
	assert_memory_equal(got.args, want, n);
}

/* vm_comms has this process's comm (that of its thread-group leader). */
static void assert_vm_comm(struct fixture *f)
{
	char comm[MSRTOP_VM_COMM_LEN] = "", want[MSRTOP_VM_COMM_LEN] = "";
	uint32_t pid = getpid();
	FILE *fp = fopen("/proc/self/comm", "r");

	assert_non_null(fp);
	assert_non_null(fgets(want, sizeof(want), fp));
	fclose(fp);
	want[strcspn(want, "\n")] = '\0';
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vm_comms), &pid, comm), 0);
	assert_string_equal(comm, want);
	assert_vm_cmdline(f);
}

/* Only kvm_msr attached (--sources kvm_msr): no thread learns a vCPU, and the
 * VM is named all the same, from its first MSR row. */
static void test_msr_only_names_vm(void **state)
{
	struct fixture *f = start(state, true);
	uint32_t pid = getpid();
	char comm[MSRTOP_VM_COMM_LEN];

	assert_int_not_equal(
		bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.vm_comms), &pid, comm), 0);
	run_msr(f, 1, 0x277, 0x0606060606060606ull, 0);
	assert_vm_comm(f);
	assert_int_equal(learned_vcpu(f, gettid()), -1);
}

static void test_vcpu_identity(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_msr_val v;
	pthread_t thr;
	void *ret;

	/* kvm_msr counts by thread: its key holds the tid, whatever is known. */
	run_msr(f, 0, 0x1b, 0, 0);
	assert_true(msr_counts(f, msr_key(gettid(), MSRTOP_VCPU_TID, 0x1b, 0), &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(learned_vcpu(f, gettid()), -1);

	/* A kvm_exit on this thread carries vcpu_id 5: tid_vcpus learns it. */
	run_exit(f, 5, MSRTOP_ISA_SVM, 0x7c, 0);
	assert_int_equal(learned_vcpu(f, gettid()), 5);
	/* ... and vm_comms the comm of this process (its thread-group leader). */
	assert_vm_comm(f);
	run_msr(f, 0, 0x1b, 0, 0);
	run_msr(f, 0, 0x1b, 0, 0);
	assert_true(msr_counts(f, msr_key(gettid(), MSRTOP_VCPU_TID, 0x1b, 0), &v));
	assert_int_equal(v.count, 3);
	assert_false(msr_counts(f, msr_key(5, MSRTOP_VCPU_LEARNED, 0x1b, 0), &v));

	/* A kvm_entry whose vcpu cannot be read (NULL) changes nothing learned. */
	RUN(f->skel->progs.kvm_entry_raw, 0);
	assert_int_equal(learned_vcpu(f, gettid()), 5);

	/* Another thread learned nothing: its own tid, no tid_vcpus entry. */
	assert_int_equal(pthread_create(&thr, NULL, other_thread, f), 0);
	assert_int_equal(pthread_join(thr, &ret), 0);
	assert_true(msr_counts(f, msr_key(*(pid_t *)ret, MSRTOP_VCPU_TID, 0x1b, 0), &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(learned_vcpu(f, *(pid_t *)ret), -1);

	/* The patched kvm_msr_intercept carries vcpu_id too, and re-teaches it. */
	RUN(f->skel->progs.kvm_msr_intercept_raw, 9, MSRTOP_ISA_SVM, 0x7c, 0x1b, 0, 0, 0xffff0000);
	assert_int_equal(learned_vcpu(f, gettid()), 9);
}

/* ---- exits ------------------------------------------------------------------ */

static void test_exit_reasons(void **state)
{
	struct fixture *f = start(state, true);
	const struct {
		uint8_t isa;
		uint32_t reason;
		int n;
	} cases[] = {
		{MSRTOP_ISA_VMX, 31, 3},	      /* MSR_READ */
		{MSRTOP_ISA_VMX, 32, 4},	      /* MSR_WRITE */
		{MSRTOP_ISA_VMX, 0x80000021, 2},      /* INVALID_STATE | FAILED_VMENTRY */
		{MSRTOP_ISA_VMX, 0x08000000 | 10, 1}, /* CPUID from enclave mode (bit 27) */
		{MSRTOP_ISA_VMX, 85, 1},	      /* MSR_WRITE_IMM */
		{MSRTOP_ISA_VMX, 0xffff, 1},	      /* unknown basic reason: kept as is */
		{MSRTOP_ISA_SVM, 0x7c, 5},	      /* msr */
		{MSRTOP_ISA_SVM, 31, 1},    /* same number as VMX MSR_READ, other ISA: own key */
		{MSRTOP_ISA_SVM, 0x400, 2}, /* npf */
		{MSRTOP_ISA_SVM, 0xffffffff, 1}, /* VMEXIT_INVALID (-1) */
		{MSRTOP_ISA_SVM, 0x80000010, 1}, /* vmgexit_page_state_change */
		{0, 12, 1},			 /* an ISA this msrtop does not know: kept */
	};
	const size_t nr = sizeof(cases) / sizeof(cases[0]);

	for (size_t i = 0; i < nr; i++)
		for (int j = 0; j < cases[i].n; j++)
			run_exit(f, 0, cases[i].isa, cases[i].reason, 0);
	for (size_t i = 0; i < nr; i++) {
		struct msrtop_exit_key k = exit_key(0, cases[i].isa, cases[i].reason, 0);

		if (exit_count(f, k) != (uint64_t)cases[i].n)
			fail_msg("isa %u reason %#x: expected %d exits, counted %llu", cases[i].isa,
				 cases[i].reason, cases[i].n, (unsigned long long)exit_count(f, k));
	}
	assert_int_equal(map_entries(f->skel->maps.exits), nr);
	assert_int_equal(overflow(f, MSRTOP_MAP_EXITS), 0);
}

static void test_exit_vcpus_and_nested(void **state)
{
	struct fixture *f = start(state, true);

	run_exit(f, 0, MSRTOP_ISA_SVM, 0x7c, 0);
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0);
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0);
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 1); /* the same L2 exit seen by kvm_nested_vmexit */
	assert_int_equal(exit_count(f, exit_key(0, MSRTOP_ISA_SVM, 0x7c, 0)), 1);
	assert_int_equal(exit_count(f, exit_key(1, MSRTOP_ISA_SVM, 0x7c, 0)), 2);
	assert_int_equal(exit_count(f, exit_key(1, MSRTOP_ISA_SVM, 0x7c, 1)), 1);
}

static void test_exit_latency(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_exit_key k = exit_key(2, MSRTOP_ISA_VMX, 32, 0);
	struct msrtop_exit_val v;
	uint64_t sum = 0;

	/* An entry with no exit in flight records nothing. */
	RUN(f->skel->progs.kvm_entry_raw, 0);
	for (int i = 0; i < 3; i++) {
		run_exit(f, 2, MSRTOP_ISA_VMX, 32, 0);
		usleep(1000);
		RUN(f->skel->progs.kvm_entry_raw, 0);
	}
	RUN(f->skel->progs.kvm_entry_raw, 0);  /* a second entry: nothing more */
	run_exit(f, 2, MSRTOP_ISA_VMX, 32, 0); /* in flight: counted, no latency yet */
	run_exit(f, 2, MSRTOP_ISA_VMX, 32, 1); /* nested: no latency of its own */
	assert_true(exit_val(f, k, &v));
	assert_int_equal(v.count, 4);
	assert_int_equal(v.lat_count, 3);
	for (int i = 0; i < MSRTOP_HIST_SLOTS; i++)
		sum += v.lat_hist[i];
	assert_int_equal(sum, 3);
	/* Each took at least the 1 ms sleep: >= 2^19 ns, so in slots 19 and up. */
	assert_true(v.lat_sum_ns >= 3 * 1000000ull);
	for (int i = 0; i < 19; i++)
		assert_int_equal(v.lat_hist[i], 0);

	RUN(f->skel->progs.kvm_entry_raw, 0);
	assert_true(exit_val(f, k, &v));
	assert_int_equal(v.lat_count, 4);
	assert_true(exit_val(f, exit_key(2, MSRTOP_ISA_VMX, 32, 1), &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(v.lat_count, 0);
}

/*
 * Exit latency from a clock the test sets (test_clock): exit at t, entry at
 * t + d, for known d. Count, sum, minimum, maximum and slots must be exactly
 * those of the d's, the minimum and maximum wherever they come in the order.
 */
static void test_exit_latency_exact(void **state)
{
	static const uint64_t d[] = {700, 300, 5000, 300, 1024};
	struct fixture *f = *state;
	struct msrtop_exit_val v;
	uint64_t t = 1000000, sum = 0;

	f->skel->rodata->test_clock = true;
	f = start(state, true);
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		f->skel->bss->test_now_ns = t;
		run_exit(f, 4, MSRTOP_ISA_SVM, 0x7c, 0);
		f->skel->bss->test_now_ns = t + d[i];
		RUN(f->skel->progs.kvm_entry_raw, 0);
		sum += d[i];
		t += 100000;
	}
	assert_true(exit_val(f, exit_key(4, MSRTOP_ISA_SVM, 0x7c, 0), &v));
	assert_int_equal(v.count, 5);
	assert_int_equal(v.lat_count, 5);
	assert_int_equal(v.lat_sum_ns, sum);
	assert_int_equal(v.lat_min_ns, 300);
	assert_int_equal(v.lat_max_ns, 5000);
	assert_int_equal(v.lat_hist[8], 2);  /* 300, 300: 256..511 */
	assert_int_equal(v.lat_hist[9], 1);  /* 700 */
	assert_int_equal(v.lat_hist[10], 1); /* 1024 */
	assert_int_equal(v.lat_hist[12], 1); /* 5000: 4096..8191 */

	/* A row with no latency yet (an exit in flight) keeps 0 for both. */
	f->skel->bss->test_now_ns = t;
	run_exit(f, 4, MSRTOP_ISA_SVM, 0x78, 0);
	assert_true(exit_val(f, exit_key(4, MSRTOP_ISA_SVM, 0x78, 0), &v));
	assert_int_equal(v.lat_count, 0);
	assert_int_equal(v.lat_min_ns, 0);
	assert_int_equal(v.lat_max_ns, 0);
}

/* kvm_entry off (--sources without it): exits are counted, the thread still
 * learns its vCPU, and no latency is kept even if entries did run. */
static void test_exit_without_latency(void **state)
{
	struct fixture *f = *state;
	struct msrtop_exit_val v;

	f->skel->rodata->latency = false;
	f = start(state, true);
	for (int i = 0; i < 3; i++) {
		run_exit(f, 5, MSRTOP_ISA_SVM, 0x7c, 0);
		RUN(f->skel->progs.kvm_entry_raw, 0);
	}
	assert_true(exit_val(f, exit_key(5, MSRTOP_ISA_SVM, 0x7c, 0), &v));
	assert_int_equal(v.count, 3);
	assert_int_equal(v.lat_count, 0);
	assert_int_equal(v.lat_sum_ns, 0);
	assert_int_equal(learned_vcpu(f, gettid()), 5);
}

/*
 * outcome_times_msr_exits (kvm_msr_outcome attached beside kvm_entry): MSR
 * exits, SVM's and VMX's, are counted but not timed to kvm_entry (userspace
 * takes their latency from the outcome rows); other exits still are. With
 * outcome_msrs an MSR exit does not even fetch the thread's state: a thread
 * that made only MSR exits has learned no vCPU.
 */
static void test_msr_exits_timed_by_outcomes(void **state)
{
	struct fixture *f = *state;
	struct msrtop_exit_val v;

	f->skel->rodata->outcome_times_msr_exits = true;
	f->skel->rodata->outcome_msrs = true;
	f = start(state, true);
	run_exit(f, 6, MSRTOP_ISA_SVM, 0x7c, 0);
	RUN(f->skel->progs.kvm_entry_raw, 0);
	assert_int_equal(learned_vcpu(f, gettid()), -1);
	run_exit(f, 6, MSRTOP_ISA_VMX, 31, 0);
	RUN(f->skel->progs.kvm_entry_raw, 0);
	run_exit(f, 6, MSRTOP_ISA_VMX, 32, 0);
	RUN(f->skel->progs.kvm_entry_raw, 0);
	run_exit(f, 6, MSRTOP_ISA_SVM, 0x78, 0); /* HLT */
	RUN(f->skel->progs.kvm_entry_raw, 0);
	run_exit(f, 6, MSRTOP_ISA_VMX, 30, 0); /* IO_INSTRUCTION */
	RUN(f->skel->progs.kvm_entry_raw, 0);
	assert_true(exit_val(f, exit_key(6, MSRTOP_ISA_SVM, 0x7c, 0), &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(v.lat_count, 0);
	assert_true(exit_val(f, exit_key(6, MSRTOP_ISA_VMX, 31, 0), &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(v.lat_count, 0);
	assert_true(exit_val(f, exit_key(6, MSRTOP_ISA_VMX, 32, 0), &v));
	assert_int_equal(v.lat_count, 0);
	assert_true(exit_val(f, exit_key(6, MSRTOP_ISA_SVM, 0x78, 0), &v));
	assert_int_equal(v.lat_count, 1);
	assert_true(exit_val(f, exit_key(6, MSRTOP_ISA_VMX, 30, 0), &v));
	assert_int_equal(v.lat_count, 1);
	assert_int_equal(learned_vcpu(f, gettid()), 6);
}

/* ---- kvm_userspace_exit ------------------------------------------------------- */

static uint64_t uexit_count(struct fixture *f, uint32_t reason, uint32_t error)
{
	struct msrtop_uexit_key k = {.tgid = getpid(), .reason = reason, .error = error};
	uint64_t n;

	return lookup_value(f->skel->maps.uexits, &k, &n, 1) ? n : 0;
}

static void test_userspace_exits(void **state)
{
	struct fixture *f = start(state, true);

	RUN(f->skel->progs.kvm_userspace_exit_raw, 2, 0); /* KVM_EXIT_IO */
	RUN(f->skel->progs.kvm_userspace_exit_raw, 2, 0);
	RUN(f->skel->progs.kvm_userspace_exit_raw, 30, 0);	 /* KVM_EXIT_X86_WRMSR */
	RUN(f->skel->progs.kvm_userspace_exit_raw, 2, I32(-4));	 /* KVM_RUN failed: EINTR */
	RUN(f->skel->progs.kvm_userspace_exit_raw, 0, I32(-14)); /* EFAULT */
	assert_int_equal(uexit_count(f, 2, 0), 2);
	assert_int_equal(uexit_count(f, 30, 0), 1);
	assert_int_equal(uexit_count(f, 4, 1), 1);
	assert_int_equal(uexit_count(f, 14, 1), 1);
	assert_int_equal(map_entries(f->skel->maps.uexits), 4);
}

/*
 * The vCPU thread that loses the race to insert a VM-wide key finds the other
 * one's entry and counts its event. Before Linux 6.4 the kernel hands the
 * insert's -EEXIST back to the program as 0x00000000ffffffef (the hash map's
 * update returns int); a program that compared all 64 bits took it for an
 * error and dropped the event: Debian 6.1's 2-CPU guest lost one userspace
 * exit now and then. This fails there without the fix; the VM suites run it.
 */
static void test_uexit_insert_race(void **state)
{
	struct fixture *f = start(state, true);

	RUN(f->skel->progs.uexit_insert_race_test, 2); /* returns 1 if the event would be lost */
	assert_int_equal(errors(f, MSRTOP_MAP_UEXITS), 0);
	assert_int_equal(overflow(f, MSRTOP_MAP_UEXITS), 0);
}

/* ---- patched-kernel tracepoints ------------------------------------------------- */

static void test_msr_intercept(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop_intercept_key k;
	uint64_t n;

	RUN(f->skel->progs.kvm_msr_intercept_raw, 1, MSRTOP_ISA_SVM, 0x7c, 0x277, 0x0606, 1,
	    0x1000);
	RUN(f->skel->progs.kvm_msr_intercept_raw, 1, MSRTOP_ISA_SVM, 0x7c, 0x277, 0x0707, 1,
	    0x1004);
	RUN(f->skel->progs.kvm_msr_intercept_raw, 1, MSRTOP_ISA_SVM, 0x7c, 0x277, 0, 0, 0x1008);
	RUN(f->skel->progs.kvm_msr_intercept_raw, 1, MSRTOP_ISA_VMX, 32, 0x277, 0, 1, 0x1008);
	memset(&k, 0, sizeof(k));
	k.tgid = getpid();
	k.vcpu = 1;
	k.isa = MSRTOP_ISA_SVM;
	k.exit_code = 0x7c;
	k.msr = 0x277;
	k.write = 1;
	k.vcpu_src = MSRTOP_VCPU_KERNEL;
	assert_true(lookup_value(f->skel->maps.intercepts, &k, &n, 1));
	assert_int_equal(n, 2);
	k.write = 0;
	assert_true(lookup_value(f->skel->maps.intercepts, &k, &n, 1));
	assert_int_equal(n, 1);
	k.write = 1;
	k.isa = MSRTOP_ISA_VMX;
	k.exit_code = 32;
	assert_true(lookup_value(f->skel->maps.intercepts, &k, &n, 1));
	assert_int_equal(n, 1);
	assert_int_equal(map_entries(f->skel->maps.intercepts), 3);
}

static struct msrtop_outcome_key outcome_key(uint32_t vcpu, uint32_t msr, int write,
					     uint8_t outcome, uint8_t reason)
{
	struct msrtop_outcome_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = getpid();
	k.vcpu = vcpu;
	k.msr = msr;
	k.flags = write ? MSRTOP_OUTCOME_WRITE : 0;
	k.vcpu_src = MSRTOP_VCPU_KERNEL;
	k.outcome = outcome;
	k.reason = reason;
	return k;
}

static bool outcome_val(struct fixture *f, struct msrtop_outcome_key k,
			struct msrtop_outcome_val *v)
{
	return lookup_value(f->skel->maps.outcomes, &k, (uint64_t *)v,
			     sizeof(*v) / sizeof(uint64_t));
}

static void test_msr_outcome(void **state)
{
	struct fixture *f = start(state, true);
	struct bpf_program *p = f->skel->progs.kvm_msr_outcome_raw;
	struct msrtop_outcome_key k;
	struct msrtop_outcome_val v;

	/* vcpu, msr, data, write, outcome, reason, duration_ns, emulated */
	RUN(p, 0, 0x277, 6, 1, MSRTOP_OUTCOME_HANDLED, 0, 1000, 0); /* slot 9: 512..1023 */
	RUN(p, 0, 0x277, 6, 1, MSRTOP_OUTCOME_HANDLED, 0, 1023, 0);
	RUN(p, 0, 0x277, 6, 1, MSRTOP_OUTCOME_HANDLED, 0, 1024, 0); /* slot 10 */
	RUN(p, 0, 0x277, 6, 1, MSRTOP_OUTCOME_FASTPATH, 0, 1, 0);	 /* slot 0 */
	RUN(p, 0, 0x277, 6, 1, MSRTOP_OUTCOME_FASTPATH, 0, 0, 0);	 /* slot 0; the minimum, second */
	RUN(p, 0, 0x277, 6, 1, MSRTOP_OUTCOME_FASTPATH, 0, 2, 0);	 /* slot 1 */
	RUN(p, 0, 0xc0000080, 1ull << 63, 1, MSRTOP_OUTCOME_GP, MSRTOP_GP_INVALID_VALUE, 300, 0);
	RUN(p, 0, 0x12345678, 0, 0, MSRTOP_OUTCOME_USERSPACE, MSRTOP_USERSPACE_UNKNOWN, 50, 0);
	RUN(p, 0, 0x12345678, 0, 0, MSRTOP_OUTCOME_USERSPACE_DONE, MSRTOP_USERSPACE_DONE_ERROR,
	    1ull << 40, 0);		      /* beyond the histogram: the last slot */
	RUN(p, 3, 0x277, 6, 1, 300, 999, 10, 0); /* out of u8 range: saturates to 255 */
	RUN(p, 0, 0x277, 6, 1, MSRTOP_OUTCOME_HANDLED, 0, 70000, 1); /* the emulator's: a row apart */

	assert_true(outcome_val(f, outcome_key(0, 0x277, 1, MSRTOP_OUTCOME_HANDLED, 0), &v));
	assert_int_equal(v.count, 3);
	assert_int_equal(v.sum_ns, 1000 + 1023 + 1024);
	assert_int_equal(v.hist[9], 2);
	assert_int_equal(v.hist[10], 1);
	assert_int_equal(v.min_ns, 1000);
	assert_int_equal(v.max_ns, 1024);
	assert_true(outcome_val(f, outcome_key(0, 0x277, 1, MSRTOP_OUTCOME_FASTPATH, 0), &v));
	assert_int_equal(v.count, 3);
	assert_int_equal(v.hist[0], 2);
	assert_int_equal(v.hist[1], 1);
	assert_int_equal(v.min_ns, 0);
	assert_int_equal(v.max_ns, 2);
	assert_true(outcome_val(
		f, outcome_key(0, 0xc0000080, 1, MSRTOP_OUTCOME_GP, MSRTOP_GP_INVALID_VALUE), &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(v.hist[8], 1);
	assert_true(outcome_val(
		f,
		outcome_key(0, 0x12345678, 0, MSRTOP_OUTCOME_USERSPACE, MSRTOP_USERSPACE_UNKNOWN),
		&v));
	assert_int_equal(v.count, 1);
	assert_true(outcome_val(f,
				outcome_key(0, 0x12345678, 0, MSRTOP_OUTCOME_USERSPACE_DONE,
					    MSRTOP_USERSPACE_DONE_ERROR),
				&v));
	assert_int_equal(v.hist[MSRTOP_HIST_SLOTS - 1], 1);
	assert_true(outcome_val(f, outcome_key(3, 0x277, 1, 255, 255), &v));
	assert_int_equal(v.count, 1);
	k = outcome_key(0, 0x277, 1, MSRTOP_OUTCOME_HANDLED, 0);
	k.flags |= MSRTOP_OUTCOME_EMULATED;
	assert_true(outcome_val(f, k, &v));
	assert_int_equal(v.count, 1);
	assert_int_equal(v.sum_ns, 70000);
	assert_int_equal(map_entries(f->skel->maps.outcomes), 7);
}

/*
 * outcome_msrs (kvm_msr not attached, kvm_msr_outcome attached): the outcome
 * program fills the MSR table as kvm_msr would have: HANDLED, FASTPATH and GP
 * events are accesses (GP ones faulting), USERSPACE, USERSPACE_DONE and ERROR
 * events are not; rows are keyed by the event's vcpu_id.
 */
static void test_msr_table_from_outcomes(void **state)
{
	struct fixture *f = *state;
	struct bpf_program *p;
	struct msrtop_msr_key kw = msr_key(2, MSRTOP_VCPU_KERNEL, 0x6e0, 1);
	struct msrtop_msr_key kr = msr_key(2, MSRTOP_VCPU_KERNEL, 0x6e0, 0);
	struct msrtop_msr_write_val w;
	struct msrtop_msr_val v;

	f->skel->rodata->outcome_msrs = true;
	f = start(state, true);
	p = f->skel->progs.kvm_msr_outcome_raw;
	/* vcpu, msr, data, write, outcome, reason, duration_ns, emulated */
	RUN(p, 2, 0x6e0, 5, 1, MSRTOP_OUTCOME_HANDLED, 0, 10, 0);
	RUN(p, 2, 0x6e0, 5, 1, MSRTOP_OUTCOME_HANDLED, 0, 10, 0);
	RUN(p, 2, 0x6e0, 1234, 1, MSRTOP_OUTCOME_GP, MSRTOP_GP_INVALID_VALUE, 10, 0);
	RUN(p, 2, 0x6e0, 7, 1, MSRTOP_OUTCOME_HANDLED, 0, 10, 0);
	RUN(p, 2, 0x6e0, 8, 1, MSRTOP_OUTCOME_USERSPACE, MSRTOP_USERSPACE_FILTER, 10, 0);
	RUN(p, 2, 0x6e0, 8, 1, MSRTOP_OUTCOME_USERSPACE_DONE, MSRTOP_USERSPACE_DONE_OK, 10, 0);
	RUN(p, 2, 0x6e0, 8, 1, MSRTOP_OUTCOME_ERROR, 5, 10, 0);
	RUN(p, 2, 0x6e0, 9, 1, MSRTOP_OUTCOME_FASTPATH, 0, 10, 0);
	RUN(p, 2, 0x6e0, 3, 0, MSRTOP_OUTCOME_HANDLED, 0, 10, 0);
	RUN(p, 2, 0x6e0, 3, 0, MSRTOP_OUTCOME_HANDLED, 0, 10, 0);
	RUN(p, 2, 0x6e0, 0, 0, MSRTOP_OUTCOME_GP, MSRTOP_GP_UNKNOWN_MSR, 10, 0);
	RUN(p, 2, 0x6e0, 0, 0, MSRTOP_OUTCOME_USERSPACE, MSRTOP_USERSPACE_FILTER, 10, 0);

	assert_true(msr_write_state(f, kw, &w));
	assert_int_equal(w.count, 5); /* 3 handled, 1 #GP, 1 fastpath */
	assert_int_equal(w.gp, 1);
	assert_int_equal(w.changes, 2); /* 5 -> 7 -> 9 */
	assert_int_equal(w.last_value, 9);
	assert_true(msr_counts(f, kr, &v));
	assert_int_equal(v.count, 3);
	assert_int_equal(v.gp, 1);
	assert_int_equal(map_entries(f->skel->maps.msrs), 1);
	assert_int_equal(map_entries(f->skel->maps.msr_writes), 1);
	assert_int_equal(map_entries(f->skel->maps.outcomes), 9);
}

/* Without outcome_msrs (kvm_msr attached as well) the outcome program leaves the MSR table alone. */
static void test_msr_table_not_from_outcomes(void **state)
{
	struct fixture *f = start(state, true);
	struct bpf_program *p = f->skel->progs.kvm_msr_outcome_raw;

	RUN(p, 2, 0x6e0, 5, 1, MSRTOP_OUTCOME_HANDLED, 0, 10, 0);
	RUN(p, 2, 0x6e0, 3, 0, MSRTOP_OUTCOME_GP, MSRTOP_GP_UNKNOWN_MSR, 10, 0);
	assert_int_equal(map_entries(f->skel->maps.outcomes), 2);
	assert_int_equal(map_entries(f->skel->maps.msrs), 0);
	assert_int_equal(map_entries(f->skel->maps.msr_writes), 0);
}

static void test_msr_canonical(void **state)
{
	struct fixture *f = start(state, true);
	struct bpf_program *p = f->skel->progs.kvm_msr_canonical_raw;
	struct msrtop_canon_key k;
	struct msrtop_canon_val v;

	/* vcpu, msr, value, result, rejected */
	RUN(p, 1, 0xc0000100, 0x0000800000000000ull, 0x0000800000000000ull, 1); /* FS_BASE */
	RUN(p, 1, 0xc0000100, 0x0000800000000000ull, 0xffff800000000000ull, 0); /* fixed up */
	RUN(p, 1, 0xc0000100, 0x00007fffffffffffull, 0x00007fffffffffffull, 0); /* fine */
	RUN(p, 1, 0xc0000100, 0x0001000000000000ull, 0, 1);
	memset(&k, 0, sizeof(k));
	k.tgid = getpid();
	k.vcpu = 1;
	k.msr = 0xc0000100;
	k.vcpu_src = MSRTOP_VCPU_KERNEL;
	assert_true(lookup_value(f->skel->maps.canonical, &k, (uint64_t *)&v, 3));
	assert_int_equal(v.count, 4);
	assert_int_equal(v.rejected, 2);
	assert_int_equal(v.fixups, 1);
}

/* ---- the KVM event tables ---------------------------------------------------------- */

/* The count of the event row (code, arg, flag) of this thread in map, 0 if none. */
static uint64_t event_count(struct bpf_map *map, uint64_t code, uint32_t arg, uint8_t flag)
{
	struct msrtop_event_key k;
	struct msrtop_count_val v;

	memset(&k, 0, sizeof(k));
	k.tgid = getpid();
	k.vcpu = (uint32_t)gettid();
	k.code = code;
	k.arg = arg;
	k.flag = flag;
	k.vcpu_src = MSRTOP_VCPU_TID;
	if (!lookup_value(map, &k, (uint64_t *)&v, 1))
		return 0;
	return v.count;
}

/* Each tracepoint's arguments in the TP_PROTO order of Linux 6.1 and 6.12 become the
 * key its table documents (msrtop.h), per thread, exactly. */
static void test_event_tables(void **state)
{
	struct fixture *f = start(state, true);
	struct msrtop *sk = f->skel;

	/* kvm_pio(rw, port, size, count, data) */
	for (int i = 0; i < 3; i++)
		RUN(sk->progs.kvm_pio_raw, 1, 0x80, 1, 1, 0);
	RUN(sk->progs.kvm_pio_raw, 0, 0x80, 1, 1, 0);
	RUN(sk->progs.kvm_pio_raw, 0, 0xcfc, 4, 1, 0);
	assert_int_equal(event_count(sk->maps.pios, 0x80, 1, 1), 3);
	assert_int_equal(event_count(sk->maps.pios, 0x80, 1, 0), 1);
	assert_int_equal(event_count(sk->maps.pios, 0xcfc, 4, 0), 1);
	/* kvm_mmio(type, len, gpa, val): per 4 KiB page and type */
	RUN(sk->progs.kvm_mmio_raw, MSRTOP_MMIO_WRITE, 4, 0xfee00300, 0);
	RUN(sk->progs.kvm_mmio_raw, MSRTOP_MMIO_WRITE, 4, 0xfee00fff, 0);
	RUN(sk->progs.kvm_mmio_raw, MSRTOP_MMIO_READ_UNSATISFIED, 8, 0xfee01000, 0);
	RUN(sk->progs.kvm_mmio_raw, MSRTOP_MMIO_READ, 8, 0xfee01000, 0);
	assert_int_equal(event_count(sk->maps.mmios, 0xfee00, MSRTOP_MMIO_WRITE, 0), 2);
	assert_int_equal(event_count(sk->maps.mmios, 0xfee01, MSRTOP_MMIO_READ_UNSATISFIED, 0), 1);
	assert_int_equal(event_count(sk->maps.mmios, 0xfee01, MSRTOP_MMIO_READ, 0), 1);
	/* kvm_hypercall(nr, a0, a1, a2, a3): a 64-bit number is kept whole */
	RUN(sk->progs.kvm_hypercall_raw, 11, 1, 2, 3, 4);
	RUN(sk->progs.kvm_hypercall_raw, 0x1234567890ull, 0, 0, 0, 0);
	assert_int_equal(event_count(sk->maps.hypercalls, 11, 0, 0), 1);
	assert_int_equal(event_count(sk->maps.hypercalls, 0x1234567890ull, 0, 0), 1);
	/* kvm_cpuid(function, index, rax, rbx, rcx, rdx, found, used_max_basic) */
	RUN(sk->progs.kvm_cpuid_raw, 0xd, 1, 0, 0, 0, 0, 1, 0);
	RUN(sk->progs.kvm_cpuid_raw, 0xd, 1, 0, 0, 0, 0, 1, 0);
	RUN(sk->progs.kvm_cpuid_raw, 0x80000008, 0, 0, 0, 0, 0, 1, 0);
	assert_int_equal(event_count(sk->maps.cpuids, 0xd, 1, 0), 2);
	assert_int_equal(event_count(sk->maps.cpuids, 0x80000008, 0, 0), 1);
	/* kvm_inj_virq(vector, soft, reinjected) */
	RUN(sk->progs.kvm_inj_virq_raw, 0xec, 0, 0);
	RUN(sk->progs.kvm_inj_virq_raw, 0xec, 0, 1);
	RUN(sk->progs.kvm_inj_virq_raw, 0xec, 1, 0); /* soft: not a key */
	assert_int_equal(event_count(sk->maps.inj_virqs, 0xec, 0, 0), 2);
	assert_int_equal(event_count(sk->maps.inj_virqs, 0xec, 0, 1), 1);
	/* kvm_inj_exception(exception, has_error, error_code, reinjected) */
	RUN(sk->progs.kvm_inj_exception_raw, 13, 1, 0, 0);
	RUN(sk->progs.kvm_inj_exception_raw, 13, 1, 0x18, 0);
	RUN(sk->progs.kvm_inj_exception_raw, 14, 1, 2, 1);
	assert_int_equal(event_count(sk->maps.inj_exceptions, 13, 0, 0), 2);
	assert_int_equal(event_count(sk->maps.inj_exceptions, 14, 0, 1), 1);
	assert_int_equal(event_count(sk->maps.inj_exceptions, 6, 0, 0), 0);
}

/* ---- changes-only reads (map_mirror.h) ------------------------------------------ */

struct mirror_seen {
	struct fixture *f;
	size_t nr;
	bool wrong; /* an entry differed from the map's own */
};

/* Each mirrored entry against the map itself (the kernel's account). */
static int check_entry(void *ctx, const void *key, const uint64_t *val)
{
	struct mirror_seen *ms = ctx;
	struct msrtop_exit_val v;

	ms->nr++;
	if (!lookup_value(ms->f->skel->maps.exits, key, (uint64_t *)&v,
			  sizeof(v) / sizeof(uint64_t)) ||
	    memcmp(&v, val, offsetof(struct msrtop_exit_val, gen)))
		ms->wrong = true;
	return 0;
}

/* How many entries the mirror has; each must equal the map's. */
static size_t mirror_check(struct fixture *f, struct map_mirror *m)
{
	struct mirror_seen ms = {.f = f};

	assert_int_equal(map_mirror_each(m, check_entry, &ms), 0);
	assert_false(ms.wrong);
	return ms.nr;
}

/*
 * The collector's reads of exits through the changed_exits iterator: the
 * first read takes every row, a read with no event since takes none, and one
 * after events takes exactly the rows they changed; the mirror always equals
 * the map, a forgotten row goes, and more rows than the kernel's output
 * buffer holds (about a hundred) come through once each.
 */
static void test_changed_rows_only(void **state)
{
	struct fixture *f = *state;
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info info;
	struct msrtop_exit_key a = exit_key(1, MSRTOP_ISA_SVM, 0x7c, 0);
	struct map_mirror m;
	struct bpf_link *link;

	bpf_program__set_autoload(f->skel->progs.changed_exits, true);
	load(f);
	memset(&info, 0, sizeof(info));
	info.map.map_fd = bpf_map__fd(f->skel->maps.exits);
	opts.link_info = &info;
	opts.link_info_len = sizeof(info);
	link = bpf_program__attach_iter(f->skel->progs.changed_exits, &opts);
	assert_non_null(link);
	assert_int_equal(map_mirror_init(&m, bpf_link__fd(link), sizeof(struct msrtop_exit_key),
					 sizeof(struct msrtop_exit_val)),
			 0);

	for (int i = 0; i < 3; i++)
		run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0); /* a: MSR, 3 times */
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x78, 0);	 /* b: HLT */
	assert_int_equal(map_mirror_update(&m), 0);
	assert_int_equal(m.last_changed, 2);
	assert_int_equal(mirror_check(f, &m), 2);

	assert_int_equal(map_mirror_update(&m), 0); /* nothing happened */
	assert_int_equal(m.last_changed, 0);
	assert_int_equal(mirror_check(f, &m), 2);

	run_exit(f, 1, MSRTOP_ISA_SVM, 0x78, 0);
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x78, 0);
	assert_int_equal(map_mirror_update(&m), 0);
	assert_int_equal(m.last_changed, 1);
	assert_int_equal(mirror_check(f, &m), 2);

	/* a forgotten (deleted by userspace), then counted anew. */
	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(f->skel->maps.exits), &a), 0);
	map_mirror_forget(&m, &a);
	assert_int_equal(map_mirror_update(&m), 0);
	assert_int_equal(m.last_changed, 0);
	assert_int_equal(mirror_check(f, &m), 1);
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0);
	assert_int_equal(map_mirror_update(&m), 0);
	assert_int_equal(m.last_changed, 1);
	assert_int_equal(mirror_check(f, &m), 2);
	assert_int_equal(exit_count(f, a), 1);

	/* 3,000 rows at once: many reads of the iterator's file, each row once. */
	for (uint32_t v = 0; v < 3000; v++)
		run_exit(f, 100 + v, MSRTOP_ISA_SVM, 0x7c, 0);
	assert_int_equal(map_mirror_update(&m), 0);
	assert_int_equal(m.last_changed, 3000);
	assert_int_equal(mirror_check(f, &m), 3002);
	assert_int_equal(map_entries(f->skel->maps.exits), 3002);
	assert_int_equal(map_mirror_update(&m), 0);
	assert_int_equal(m.last_changed, 0);

	map_mirror_fini(&m);
	bpf_link__destroy(link);
}

/* The dirty_keys records consumed, by map. */
struct dirty_seen {
	size_t nr[MSRTOP_MAP_NR];
	uint8_t exit_keys[16][sizeof(struct msrtop_exit_key)]; /* the first 16 exits' keys */
};

static int on_dirty(void *ctx, void *data, size_t size)
{
	struct dirty_seen *d = ctx;
	const struct msrtop_dirty_key *k = data;

	assert_int_equal(size, sizeof(*k));
	assert_true(k->map_id < MSRTOP_MAP_NR);
	if (k->map_id == MSRTOP_MAP_EXITS && d->nr[k->map_id] < 16)
		memcpy(d->exit_keys[d->nr[k->map_id]], k->key, sizeof(d->exit_keys[0]));
	d->nr[k->map_id]++;
	return 0;
}

static struct dirty_seen dirty_buf; /* on_dirty's ctx */

/* The records the programs pushed since the last call. */
static struct dirty_seen dirty_take(struct ring_buffer *rb)
{
	memset(&dirty_buf, 0, sizeof(dirty_buf));
	assert_true(ring_buffer__consume(rb) >= 0);
	return dirty_buf;
}

/*
 * dirty_ring (no iterators): a row's key is pushed at its first update in
 * each refresh epoch, exits (also kvm_entry's latency update), msrs and
 * msr_writes alike; a full ring counts the lost pushes and pushes again at
 * the next update. map_mirror_update_keys() with the pushed keys makes the
 * mirror equal the map.
 */
static void test_changed_keys_ring(void **state)
{
	struct fixture *f = *state;
	struct msrtop_exit_key a = exit_key(1, MSRTOP_ISA_SVM, 0x7c, 0);
	struct map_reader r;
	struct ring_buffer *rb;
	struct dirty_seen d;
	struct map_mirror m;

	f->skel->rodata->dirty_ring = true;
	bpf_map__set_max_entries(f->skel->maps.exits, 16384); /* more rows than the ring holds */
	f = start(state, true);
	f->skel->bss->dirty_epoch = 1;

	for (int i = 0; i < 3; i++)
		run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0); /* a */
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x78, 0);	 /* b */
	run_msr(f, 1, 0x277, 6, 0);
	run_msr(f, 1, 0x277, 7, 0);
	run_msr(f, 0, 0x10, 0, 0);
	rb = ring_buffer__new(bpf_map__fd(f->skel->maps.dirty_keys), on_dirty, &dirty_buf, NULL);
	assert_non_null(rb);
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS], 2);
	assert_int_equal(d.nr[MSRTOP_MAP_MSR_WRITES], 1);
	assert_int_equal(d.nr[MSRTOP_MAP_MSRS], 1);
	assert_memory_equal(d.exit_keys[0], &a, sizeof(a));

	/* The same epoch: rows already pushed are not pushed again. */
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0);
	run_msr(f, 1, 0x277, 8, 0);
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS] + d.nr[MSRTOP_MAP_MSR_WRITES], 0);

	/* A new epoch: once per changed row again; an idle epoch: nothing. */
	f->skel->bss->dirty_epoch++;
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0);
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0);
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS], 1);
	assert_int_equal(d.nr[MSRTOP_MAP_MSR_WRITES], 0);
	f->skel->bss->dirty_epoch++;
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS], 0);

	/* kvm_entry's latency sample changes the exit's row: pushed in a new epoch. */
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x78, 0);
	(void)dirty_take(rb);
	f->skel->bss->dirty_epoch++;
	RUN(f->skel->progs.kvm_entry_raw, 0);
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS], 1);

	/* The mirror from the pushed keys equals the map. */
	assert_int_equal(map_mirror_init(&m, -1, sizeof(struct msrtop_exit_key),
					 sizeof(struct msrtop_exit_val)),
			 0);
	map_reader_init(&r, 1, true);
	assert_int_equal(map_mirror_fill(&m, &r, bpf_map__fd(f->skel->maps.exits)), 0);
	map_reader_fini(&r);
	assert_int_equal(mirror_check(f, &m), 2);
	f->skel->bss->dirty_epoch++;
	run_exit(f, 1, MSRTOP_ISA_SVM, 0x7c, 0);
	run_exit(f, 7, MSRTOP_ISA_SVM, 0x7c, 0); /* a new row */
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS], 2);
	assert_int_equal(map_mirror_update_keys(&m, bpf_map__fd(f->skel->maps.exits),
						d.exit_keys[0], 2),
			 0);
	assert_int_equal(m.last_changed, 2);
	assert_int_equal(mirror_check(f, &m), 3);
	map_mirror_fini(&m);

	/* More changed rows than the ring holds: the rest are counted lost. */
	f->skel->bss->dirty_epoch++;
	for (uint32_t v = 0; v < 9000; v++)
		run_exit(f, 100 + v, MSRTOP_ISA_SVM, 0x7c, 0);
	assert_true(f->skel->bss->dirty_lost > 0);
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS] + f->skel->bss->dirty_lost, 9000);
	/* A lost row is pushed at its next update, even in the same epoch. */
	run_exit(f, 100 + 8999, MSRTOP_ISA_SVM, 0x7c, 0);
	d = dirty_take(rb);
	assert_int_equal(d.nr[MSRTOP_MAP_EXITS], 1);
	ring_buffer__free(rb);
}

/* ---- map full ------------------------------------------------------------------ */

static void test_overflow_counted(void **state)
{
	struct fixture *f = *state;
	struct msrtop_msr_val v;

	bpf_map__set_max_entries(f->skel->maps.msrs, 2);
	bpf_map__set_max_entries(f->skel->maps.msr_writes, 1);
	bpf_map__set_max_entries(f->skel->maps.exits, 1);
	bpf_map__set_max_entries(f->skel->maps.uexits, 1);
	bpf_map__set_max_entries(f->skel->maps.outcomes, 1);
	bpf_map__set_max_entries(f->skel->maps.canonical, 1);
	bpf_map__set_max_entries(f->skel->maps.intercepts, 1);
	f = start(state, true);

	run_msr(f, 0, 0x10, 1, 0);
	run_msr(f, 0, 0x11, 1, 0); /* msrs: 2 of 2 */
	run_msr(f, 0, 0x12, 1, 0); /* full: an overflow */
	run_msr(f, 0, 0x12, 2, 0); /* again */
	run_msr(f, 0, 0x10, 2, 1); /* existing keys keep counting */
	assert_int_equal(map_entries(f->skel->maps.msrs), 2);
	assert_int_equal(overflow(f, MSRTOP_MAP_MSRS), 2);
	assert_true(msr_counts(f, msr_key(gettid(), MSRTOP_VCPU_TID, 0x10, 0), &v));
	assert_int_equal(v.count, 2);
	assert_int_equal(v.gp, 1);

	run_msr(f, 1, 0x10, 1, 0); /* msr_writes: 1 of 1 */
	run_msr(f, 1, 0x11, 1, 0); /* full */
	run_msr(f, 1, 0x10, 2, 0);
	assert_int_equal(map_entries(f->skel->maps.msr_writes), 1);
	assert_int_equal(overflow(f, MSRTOP_MAP_MSR_WRITES), 1);
	assert_true(msr_counts(f, msr_key(gettid(), MSRTOP_VCPU_TID, 0x10, 1), &v));
	assert_int_equal(v.count, 2);

	run_exit(f, 0, MSRTOP_ISA_SVM, 0x7c, 0);
	run_exit(f, 0, MSRTOP_ISA_SVM, 0x72, 0);
	run_exit(f, 0, MSRTOP_ISA_SVM, 0x7c, 0);
	assert_int_equal(overflow(f, MSRTOP_MAP_EXITS), 1);
	assert_int_equal(exit_count(f, exit_key(0, MSRTOP_ISA_SVM, 0x7c, 0)), 2);
	/* The uncounted exit's entry finds no key: nothing recorded, nothing breaks. */
	RUN(f->skel->progs.kvm_entry_raw, 0);

	RUN(f->skel->progs.kvm_userspace_exit_raw, 2, 0);
	RUN(f->skel->progs.kvm_userspace_exit_raw, 6, 0);
	assert_int_equal(overflow(f, MSRTOP_MAP_UEXITS), 1);

	RUN(f->skel->progs.kvm_msr_outcome_raw, 0, 0x10, 0, 1, 0, 0, 5, 0);
	RUN(f->skel->progs.kvm_msr_outcome_raw, 0, 0x11, 0, 1, 0, 0, 5, 0);
	assert_int_equal(overflow(f, MSRTOP_MAP_OUTCOMES), 1);

	RUN(f->skel->progs.kvm_msr_canonical_raw, 0, 0x10, 0, 0, 1);
	RUN(f->skel->progs.kvm_msr_canonical_raw, 0, 0x11, 0, 0, 1);
	assert_int_equal(overflow(f, MSRTOP_MAP_CANONICAL), 1);

	RUN(f->skel->progs.kvm_msr_intercept_raw, 0, MSRTOP_ISA_SVM, 0x7c, 0x10, 0, 1, 0);
	RUN(f->skel->progs.kvm_msr_intercept_raw, 0, MSRTOP_ISA_SVM, 0x7c, 0x11, 0, 1, 0);
	assert_int_equal(overflow(f, MSRTOP_MAP_INTERCEPTS), 1);

	assert_int_equal(overflow(f, MSRTOP_MAP_THREADS), 0);
}

/*
 * A burst of new rows (many VMs starting at once): every insert below
 * max_entries succeeds, all from one CPU (the preallocated elements are spread
 * over the CPUs' free lists: one CPU must be able to take them all), and the
 * first one past it is an overflow.
 */
static void test_burst_fills_to_max_entries(void **state)
{
	const uint32_t rows = 65536; /* msrtop's default --max-rows */
	struct fixture *f = *state;

	bpf_map__set_max_entries(f->skel->maps.exits, rows);
	f = start(state, true);
	for (uint32_t i = 0; i < rows; i++)
		run_exit(f, i / 16, MSRTOP_ISA_SVM, i % 16, 0);
	assert_int_equal(map_entries(f->skel->maps.exits), rows);
	assert_int_equal(overflow(f, MSRTOP_MAP_EXITS), 0);
	assert_int_equal(errors(f, MSRTOP_MAP_EXITS), 0);
	run_exit(f, rows, MSRTOP_ISA_SVM, 0, 0);
	assert_int_equal(overflow(f, MSRTOP_MAP_EXITS), 1);
	assert_int_equal(errors(f, MSRTOP_MAP_EXITS), 0);
}

/* Two vCPU threads of one VM, each running N exits and userspace exits. */
struct hammer {
	struct fixture *f;
	uint32_t vcpu;
	int cpu;
	int runs;
	int failures; /* test runs that failed or returned non-zero */
};

static int test_run_quiet(struct bpf_program *prog, const uint64_t *args, size_t nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) || opts.retval;
}

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	const uint64_t exit_args[] = {h->vcpu, MSRTOP_ISA_SVM, 0x7c, 0};
	const uint64_t uexit_args[] = {2, 0}; /* KVM_EXIT_IO */
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set); /* best effort */
	for (int i = 0; i < h->runs; i++) {
		h->failures += test_run_quiet(h->f->skel->progs.kvm_exit_test, exit_args, 4);
		h->failures += test_run_quiet(h->f->skel->progs.kvm_userspace_exit_raw, uexit_args,
					      2);
	}
	return NULL;
}

/*
 * The ownership argument of the shared maps (msrtop.bpf.c): rows keyed by a
 * vCPU take plain adds because one thread at a time updates them; rows keyed
 * by VM take atomic adds. Two threads on two CPUs at once: every count exact.
 */
static void test_two_vcpus_concurrently_exact(void **state)
{
	const int runs = 20000;
	struct fixture *f = start(state, true);
	struct hammer h[2] = {{f, 0, 0, runs, 0}, {f, 1, 1, runs, 0}};
	pthread_t t[2];
	uint64_t n = 0;
	struct msrtop_uexit_key uk = {.tgid = getpid(), .reason = 2};

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer_thread, &h[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(h[0].failures + h[1].failures, 0);
	assert_int_equal(exit_count(f, exit_key(0, MSRTOP_ISA_SVM, 0x7c, 0)), runs);
	assert_int_equal(exit_count(f, exit_key(1, MSRTOP_ISA_SVM, 0x7c, 0)), runs);
	assert_true(lookup_value(f->skel->maps.uexits, &uk, &n, 1));
	assert_int_equal(n, 2 * runs);
}

/* kvm_exit's reason is read from the vCPU; an unreadable one is an error, not a row. */
static void test_exit_reason_unreadable(void **state)
{
	struct fixture *f = start(state, true);

	RUN(f->skel->progs.kvm_exit_raw, 0 /* no vCPU */, MSRTOP_ISA_SVM);
	RUN(f->skel->progs.kvm_exit_raw, 0, MSRTOP_ISA_VMX);
	assert_int_equal(map_entries(f->skel->maps.exits), 0);
	assert_int_equal(errors(f, MSRTOP_MAP_EXITS), 2);
	assert_int_equal(overflow(f, MSRTOP_MAP_EXITS), 0);
}

/* ---- filters --------------------------------------------------------------------- */

static void test_pid_filter(void **state)
{
	struct fixture *f = *state;
	uint32_t other = 1, self = getpid();
	uint8_t one = 1;
	struct msrtop_msr_val v;

	f->skel->rodata->filter_pids = true;
	f = start(state, true);

	assert_int_equal(
		bpf_map_update_elem(bpf_map__fd(f->skel->maps.pid_filter), &other, &one, BPF_ANY),
		0);
	run_msr(f, 0, 0x1b, 0, 0);
	run_exit(f, 0, MSRTOP_ISA_SVM, 0x7c, 0);
	RUN(f->skel->progs.kvm_userspace_exit_raw, 2, 0);
	RUN(f->skel->progs.kvm_msr_outcome_raw, 0, 0x10, 0, 1, 0, 0, 5, 0);
	RUN(f->skel->progs.kvm_msr_canonical_raw, 0, 0x10, 0, 0, 1);
	RUN(f->skel->progs.kvm_msr_intercept_raw, 0, MSRTOP_ISA_SVM, 0x7c, 0x10, 0, 1, 0);
	assert_int_equal(map_entries(f->skel->maps.msrs), 0);
	assert_int_equal(map_entries(f->skel->maps.exits), 0);
	assert_int_equal(map_entries(f->skel->maps.uexits), 0);
	assert_int_equal(map_entries(f->skel->maps.outcomes), 0);
	assert_int_equal(map_entries(f->skel->maps.canonical), 0);
	assert_int_equal(map_entries(f->skel->maps.intercepts), 0);

	assert_int_equal(
		bpf_map_update_elem(bpf_map__fd(f->skel->maps.pid_filter), &self, &one, BPF_ANY),
		0);
	run_msr(f, 0, 0x1b, 0, 0);
	assert_true(msr_counts(f, msr_key(gettid(), MSRTOP_VCPU_TID, 0x1b, 0), &v));
	assert_int_equal(v.count, 1);
}

/* ---- the production flavour -------------------------------------------------------- */

/* Whether the kernel has tracepoint tp: in vmlinux's BTF, or in kvm's module
 * BTF where KVM is a module (Debian's kernels). */
static bool kernel_has(const char *tp)
{
	struct btf *btf = btf__load_vmlinux_btf(), *kvm;
	char name[128];
	bool found;

	if (!btf)
		return false;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	found = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
	if (!found) {
		kvm = btf__parse_split("/sys/kernel/btf/kvm", btf);
		if (kvm)
			found = btf__find_by_name_kind(kvm, name, BTF_KIND_TYPEDEF) > 0;
		btf__free(kvm);
	}
	btf__free(btf);
	return found;
}

/* The programs msrtop attaches on a stock kernel (either flavour of the exit
 * programs) load and attach here. */
static void test_production_programs_attach(void **state)
{
	struct fixture *f = *state;
	struct bpf_program *want[14] = {0};
	struct bpf_link *links[13] = {0};
	int err;

	want[0] = f->skel->progs.kvm_msr_btf;
	want[1] = f->skel->progs.kvm_entry_btf;
	want[2] = f->skel->progs.kvm_userspace_exit_btf;
	want[3] = f->skel->progs.kvm_exit_btf;
	want[4] = f->skel->progs.kvm_nested_vmexit_btf;
	want[5] = f->skel->progs.kvm_exit_tp;
	want[6] = f->skel->progs.kvm_nested_vmexit_tp;
	want[7] = f->skel->progs.kvm_pio_btf;
	want[8] = f->skel->progs.kvm_mmio_btf;
	want[9] = f->skel->progs.kvm_hypercall_btf;
	want[10] = f->skel->progs.kvm_cpuid_btf;
	want[11] = f->skel->progs.kvm_inj_virq_btf;
	want[12] = f->skel->progs.kvm_inj_exception_btf;
	select_programs(f->skel, want);
	err = msrtop__load(f->skel);
	if (err)
		fail_msg("loading the tp_btf/tracepoint programs failed: %s", strerror(-err));
	for (int i = 0; i < 13; i++) {
		links[i] = bpf_program__attach(want[i]);
		if (!links[i])
			fail_msg("attaching %s failed: %s (is tracefs mounted?)",
				 bpf_program__name(want[i]), strerror(errno));
	}
	for (int i = 0; i < 13; i++)
		bpf_link__destroy(links[i]);
}

/* The patched-kernel tp_btf programs load exactly where the tracepoints exist. */
static void test_patched_programs_need_patched_kernel(void **state)
{
	struct fixture *f = *state;
	struct bpf_program *want[2] = {0};
	int err;

	want[0] = f->skel->progs.kvm_msr_outcome_btf;
	select_programs(f->skel, want);
	err = msrtop__load(f->skel);
	if (kernel_has("kvm_msr_outcome"))
		assert_int_equal(err, 0);
	else
		assert_int_not_equal(err, 0);
}


/* ---- the --sample-msr sampler (msrtop_sample.bpf.c), through its test entry ---------- */

#define FS_BASE 0xc0000100u
#define LSTAR 0xc0000082u

/*
 * The sampler object with only its test entry, which takes the kfunc's
 * result as arguments: slot 0 FS_BASE (counted per value), slot 1 LSTAR
 * (watched). every: --sample-every.
 */
static struct msrtop_sample *open_sampler(uint32_t every)
{
	struct msrtop_sample *sk = msrtop_sample__open();
	int err;

	assert_non_null(sk);
	bpf_program__set_autoload(sk->progs.msr_sample_btf, false);
	sk->rodata->sample_msrs[0] = FS_BASE;
	sk->rodata->sample_msrs[1] = LSTAR;
	sk->rodata->nr_sample_msrs = 2;
	sk->rodata->sample_values = 1u << 0;
	sk->rodata->sample_watch = 1u << 1;
	sk->rodata->sample_every = every;
	err = msrtop_sample__load(sk);
	if (err) {
		msrtop_sample__destroy(sk);
		fail_msg("loading the sampler object failed: %s (TEST_BPF_VERBOSE=1 shows why)",
			 strerror(-err));
	}
	return sk;
}

static void sample(struct msrtop_sample *sk, uint32_t vcpu, uint32_t slot, int ret, uint64_t v)
{
	RUN(sk->progs.msr_sample_test, vcpu, slot, I32(ret), v);
}

static struct msrtop_sample_val sample_val(struct msrtop_sample *sk, uint32_t vcpu, uint32_t msr)
{
	struct msrtop_sample_key key = {.tgid = getpid(), .vcpu = vcpu, .msr = msr};
	struct msrtop_sample_val v;

	assert_true(lookup_value(sk->maps.msr_samples, &key, (uint64_t *)&v, 4));
	return v;
}

static uint64_t value_exits(struct msrtop_sample *sk, uint32_t msr, uint64_t value)
{
	struct msrtop_value_key key = {.value = value, .tgid = getpid(), .msr = msr};
	uint64_t n = 0;

	lookup_value(sk->maps.msr_values, &key, &n, 1);
	return n;
}

static int on_sampled_change(void *ctx, void *data, size_t size)
{
	struct msrtop_msr_change *out = ctx;
	int i = 0;

	while (out[i].msr)
		i++;
	if (i < 3 && size == sizeof(*out))
		memcpy(&out[i], data, size);
	return 0;
}

/*
 * Samples, changes, last values, exits per value, refused reads, and a
 * watched MSR's changes in the ring buffer, against the reads fed in.
 */
static void test_msr_sample(void **state)
{
	struct msrtop_sample *sk = open_sampler(1);
	const uint64_t t1 = 0x7f0000001000, t2 = 0x7f0000002000, t3 = 0x7f0000003000;
	const uint64_t a = 0xffffffff81000000ull, b = 0xffffffff82000000ull;
	struct msrtop_msr_change got[4] = {0};
	struct msrtop_sample_val v;
	struct ring_buffer *rb;

	/* FS_BASE of vCPU 0: t1 t1 t2 t3 t1 (3 changes); of vCPU 1: t2 once. */
	sample(sk, 0, 0, 0, t1);
	sample(sk, 0, 0, 0, t1);
	sample(sk, 0, 0, 0, t2);
	sample(sk, 0, 0, 0, t3);
	sample(sk, 0, 0, 0, t1);
	sample(sk, 1, 0, 0, t2);
	/* LSTAR of vCPU 0: a, a refused read (-EINVAL), b. */
	sample(sk, 0, 1, 0, a);
	sample(sk, 0, 1, -22, 0);
	sample(sk, 0, 1, 0, b);

	v = sample_val(sk, 0, FS_BASE);
	assert_int_equal(v.samples, 5);
	assert_int_equal(v.changes, 3);
	assert_int_equal(v.errors, 0);
	assert_int_equal(v.last_value, t1);
	v = sample_val(sk, 1, FS_BASE);
	assert_int_equal(v.samples, 1);
	assert_int_equal(v.changes, 0); /* a first read is not a change */
	v = sample_val(sk, 0, LSTAR);
	assert_int_equal(v.samples, 2);
	assert_int_equal(v.changes, 1);
	assert_int_equal(v.errors, 1);
	assert_int_equal(v.last_value, b);

	/* Per VM and value, whatever the vCPU; LSTAR is not counted per value. */
	assert_int_equal(value_exits(sk, FS_BASE, t1), 3);
	assert_int_equal(value_exits(sk, FS_BASE, t2), 2);
	assert_int_equal(value_exits(sk, FS_BASE, t3), 1);
	assert_int_equal(map_entries(sk->maps.msr_values), 3);

	/* The watched MSR's one change; FS_BASE's are not watched. */
	rb = ring_buffer__new(bpf_map__fd(sk->maps.msr_changes), on_sampled_change, got, NULL);
	assert_non_null(rb);
	assert_int_equal(ring_buffer__consume(rb), 1);
	ring_buffer__free(rb);
	assert_int_equal(got[0].msr, LSTAR);
	assert_int_equal(got[0].vcpu, 0);
	assert_int_equal(got[0].tgid, getpid());
	assert_int_equal(got[0].old_value, a);
	assert_int_equal(got[0].new_value, b);
	assert_int_equal(got[1].msr, 0);
	msrtop_sample__destroy(sk);
}

/* --sample-every 4: the 4th, 8th... exit of the thread is read, no other. */
static void test_msr_sample_every(void **state)
{
	struct msrtop_sample *sk = open_sampler(4);

	for (uint64_t i = 1; i <= 10; i++)
		sample(sk, 0, 0, 0, i);
	assert_int_equal(sample_val(sk, 0, FS_BASE).samples, 2);
	assert_int_equal(sample_val(sk, 0, FS_BASE).last_value, 8);
	assert_int_equal(sample_val(sk, 0, FS_BASE).changes, 1);
	msrtop_sample__destroy(sk);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(int argc, char **argv)
{
	struct CMUnitTest tests[] = {
		T(test_msr_read),
		T(test_msr_read_vs_write),
		T(test_msr_gp),
		T(test_msr_value_changes),
		T(test_msr_first_write_not_a_change),
		T(test_vcpu_identity),
		T(test_msr_only_names_vm),
		T(test_exit_reasons),
		T(test_exit_vcpus_and_nested),
		T(test_exit_latency),
		T(test_exit_latency_exact),
		T(test_exit_without_latency),
		T(test_msr_exits_timed_by_outcomes),
		T(test_userspace_exits),
		T(test_uexit_insert_race),
		T(test_msr_intercept),
		T(test_msr_outcome),
		T(test_msr_table_from_outcomes),
		T(test_msr_table_not_from_outcomes),
		T(test_msr_canonical),
		T(test_event_tables),
		T(test_overflow_counted),
		T(test_burst_fills_to_max_entries),
		T(test_two_vcpus_concurrently_exact),
		T(test_exit_reason_unreadable),
		T(test_pid_filter),
		T(test_changed_rows_only),
		T(test_changed_keys_ring),
		T(test_msr_sample),
		T(test_msr_sample_every),
		T(test_production_programs_attach),
		T(test_patched_programs_need_patched_kernel),
	};
	size_t nr = sizeof(tests) / sizeof(tests[0]);
	const char *skip_all = NULL;

	cmocka_set_message_output(CM_OUTPUT_TAP);
	libbpf_set_print(silent);
	nr_cpus = libbpf_num_possible_cpus();
	if (geteuid() != 0)
		skip_all = "needs root (CAP_BPF and CAP_PERFMON) to load BPF programs";
	else if (nr_cpus <= 0)
		skip_all = "cannot count the possible CPUs";
	{
		struct btf *vmlinux = btf__load_vmlinux_btf();

		if (!map_mirror_probe(vmlinux))
			for (size_t i = 0; i < nr; i++)
				if (!strcmp(tests[i].name, "test_changed_rows_only"))
					tests[i] = (struct CMUnitTest)TAP_SKIP(
						"test_changed_rows_only",
						"this kernel does not load BPF map iterator programs");
		btf__free(vmlinux);
	}
	if (!kernel_has("kvm_msr"))
		tests[nr - 2] = (struct CMUnitTest)TAP_SKIP("test_production_programs_attach",
							    "this kernel has no KVM tracepoints");
	/* test_bpf NAME...: only those tests (the VM suites run one on their kernel). */
	if (argc > 1) {
		size_t keep = 0;

		for (size_t i = 0; i < nr; i++)
			for (int a = 1; a < argc; a++)
				if (!strcmp(tests[i].name, argv[a])) {
					tests[keep++] = tests[i];
					break;
				}
		if (keep != (size_t)argc - 1) {
			fprintf(stderr, "test_bpf: no test by one of the names given\n");
			return 2;
		}
		nr = keep;
	}
	return tap_cmocka_run("bpf", tests, nr, skip_all);
}
