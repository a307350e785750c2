// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c: label escaping, exact seconds, cumulative histogram buckets,
 * counters and their labels, and the vm_start label across pid reuse.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_tap.h"
#include "exit_reasons.h"
#include "prom.h"
#include "snapshot.h"

#define T0 1700000000000000000ull /* a CLOCK_REALTIME in ns */
#define SEC 1000000000ull

static char *escaped(const char *s)
{
	struct prom_buf b = {0};

	prom_buf_label_value(&b, s);
	return prom_buf_take(&b, NULL);
}

static void test_escape(void **state)
{
	char *e;

	e = escaped("plain");
	assert_string_equal(e, "\"plain\"");
	free(e);
	e = escaped("a\\b\"c\nd");
	assert_string_equal(e, "\"a\\\\b\\\"c\\nd\"");
	free(e);
	e = escaped("");
	assert_string_equal(e, "\"\"");
	free(e);
	/* Valid UTF-8 is kept; invalid bytes (lone continuation, overlong,
	 * truncated sequence, surrogate) become '?'. */
	e = escaped("gr\xc3\xbc\xc3\x9f \xe2\x82\xac");
	assert_string_equal(e, "\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac\"");
	free(e);
	e = escaped("x\x80y\xc0\xafz\xe2\x82");
	assert_string_equal(e, "\"x?y??z??\"");
	free(e);
	e = escaped("\xed\xa0\x80");
	assert_string_equal(e, "\"???\"");
	free(e);
}

static char *seconds(uint64_t ns)
{
	struct prom_buf b = {0};

	prom_buf_seconds(&b, ns);
	return prom_buf_take(&b, NULL);
}

static void test_seconds(void **state)
{
	static const struct {
		uint64_t ns;
		const char *text;
	} cases[] = {
		{0, "0"},
		{1, "0.000000001"},
		{1023, "0.000001023"},
		{1500000000, "1.5"},
		{2000000000, "2"},
		{2147483647, "2.147483647"},
		{UINT64_MAX, "18446744073.709551615"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = seconds(cases[i].ns);

		assert_string_equal(t, cases[i].text);
		free(t);
	}
	assert_int_equal(prom_hist_le_ns(0), 1);
	assert_int_equal(prom_hist_le_ns(9), 1023);
	assert_int_equal(prom_hist_le_ns(MSRTOP_HIST_SLOTS - 2), (1ull << 31) - 1);
}

/*
 * A finished snapshot at T0 + sec seconds with one VM (pid, comm, alive) whose
 * counter moved since prev when active.
 */
static struct msrtop_snapshot *snap(const struct msrtop_snapshot *prev, uint64_t sec, uint32_t pid,
				    const char *comm, bool alive, bool active)
{
	struct msrtop_snapshot *s = snapshot_new();
	struct msrtop_msr_row *m;
	struct msrtop_vm *vm;

	assert_non_null(s);
	s->seq = prev ? prev->seq + 1 : 1;
	s->start_time_ns = T0;
	s->start_mono_ns = 1000;
	s->time_ns = T0 + sec * SEC;
	s->mono_ns = 1000 + sec * SEC;
	if (pid) {
		m = snapshot_add_row(s, MSRTOP_KIND_MSRS);
		assert_non_null(m);
		m->pid = pid;
		m->msr = 0x277;
		m->write = true;
		m->count.total = prev && snapshot_nr(prev, MSRTOP_KIND_MSRS)
					 ? ((struct msrtop_msr_row *)snapshot_rows(
						   prev, MSRTOP_KIND_MSRS))[0]
						   .count.total
					 : 10;
		m->count.total += active;
	}
	assert_int_equal(snapshot_finish(s, prev), 0);
	if (pid) {
		vm = snapshot_find_vm(s, pid);
		assert_non_null(vm);
		snprintf(vm->comm, sizeof(vm->comm), "%s", comm);
		vm->alive = alive;
	}
	return s;
}

static char *render(struct prom_state *st, const struct msrtop_snapshot *s)
{
	struct prom_buf b = {0};
	char *text;

	assert_int_equal(prom_render(st, s, &b), 0);
	text = prom_buf_take(&b, NULL);
	assert_non_null(text);
	return text;
}

/* The value of the first sample line that starts with prefix, or -1. */
static int64_t value_of(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, prefix, n) && l[n] == ' ')
			return strtoll(l + n + 1, NULL, 10);
	return -1;
}

static void test_counters(void **state)
{
	struct msrtop_snapshot *s = snapshot_new();
	struct prom_state *st = prom_state_new();
	struct msrtop_msr_row *m;
	struct msrtop_uexit_row *u;
	struct msrtop_vm *vm;
	char *text;

	assert_non_null(s);
	s->seq = 7;
	s->time_ns = T0 + 5 * SEC;
	s->start_time_ns = T0;
	s->mono_ns = 5 * SEC;
	s->sources[MSRTOP_SRC_KVM_EXIT] = (struct msrtop_source){
		.name = "kvm_exit", .attach = "tp_btf", .state = MSRTOP_SRC_ATTACHED};
	s->sources[MSRTOP_SRC_KVM_MSR_OUTCOME] = (struct msrtop_source){
		.name = "kvm_msr_outcome", .patched = true, .state = MSRTOP_SRC_MISSING};
	s->sources[MSRTOP_SRC_KVM_MSR] = (struct msrtop_source){.name = "kvm_msr",
								.attach = "tracepoint",
								.state = MSRTOP_SRC_FAILED,
								.error = EPERM};
	s->overflow[MSRTOP_MAP_MSRS].total = 3;
	m = snapshot_add_row(s, MSRTOP_KIND_MSRS);
	*m = (struct msrtop_msr_row){.pid = 42, .vcpu = 1, .msr = 0x277, .write = true};
	m->count.total = 123;
	m->gp.total = 4;
	m->changes.total = 9;
	m = snapshot_add_row(s, MSRTOP_KIND_MSRS);
	*m = (struct msrtop_msr_row){
		.pid = 42, .vcpu = 1, .msr = 0xdead, .write = false, .vcpu_src = MSRTOP_VCPU_TID};
	m->count.total = 5;
	u = snapshot_add_row(s, MSRTOP_KIND_UEXITS);
	*u = (struct msrtop_uexit_row){.pid = 42, .error = true, .reason = 4};
	u->count.total = 2;
	assert_int_equal(snapshot_finish(s, NULL), 0);
	vm = snapshot_find_vm(s, 42);
	snprintf(vm->comm, sizeof(vm->comm), "my \"vm\"");
	snprintf(vm->name, sizeof(vm->name), "guest\\1");
	vm->alive = true;

	text = render(st, s);
#define VM "pid=\"42\",vm_start=\"1700000005\",comm=\"my \\\"vm\\\"\",vm_name=\"guest\\\\1\""
	assert_int_equal(value_of(text,
				  "msrtop_msr_accesses_total{" VM ",vcpu=\"1\","
				  "vcpu_src=\"kernel\",msr=\"0x277\",msr_name=\"IA32_CR_PAT\","
				  "direction=\"write\"}"),
			 123);
	assert_int_equal(value_of(text,
				  "msrtop_msr_gp_total{" VM ",vcpu=\"1\","
				  "vcpu_src=\"kernel\",msr=\"0x277\",msr_name=\"IA32_CR_PAT\","
				  "direction=\"write\"}"),
			 4);
	assert_int_equal(value_of(text,
				  "msrtop_msr_value_changes_total{" VM ",vcpu=\"1\","
				  "vcpu_src=\"kernel\",msr=\"0x277\",msr_name=\"IA32_CR_PAT\","
				  "direction=\"write\"}"),
			 9);
	/* Reads have no value changes; an MSR without a name is shown by number. */
	assert_int_equal(value_of(text, "msrtop_msr_accesses_total{" VM ",vcpu=\"1\","
					"vcpu_src=\"tid\",msr=\"0xdead\",msr_name=\"0xdead\","
					"direction=\"read\"}"),
			 5);
	assert_null(strstr(text, "msrtop_msr_value_changes_total{" VM ",vcpu=\"1\","
				 "vcpu_src=\"tid\""));
	assert_int_equal(value_of(text, "msrtop_userspace_exits_total{" VM
					",reason=\"EINTR\",kind=\"error\"}"),
			 2);
	assert_int_equal(value_of(text, "msrtop_vm_alive{" VM "}"), 1);
	assert_int_equal(value_of(text, "msrtop_vm_vcpus{" VM "}"), 2);
#undef VM
	assert_int_equal(value_of(text, "msrtop_snapshots_total"), 7);
	assert_non_null(strstr(text, "\nmsrtop_snapshot_timestamp_seconds 1700000005\n"));
	assert_non_null(strstr(text, "\nmsrtop_attach_timestamp_seconds 1700000000\n"));
	assert_int_equal(value_of(text, "msrtop_source_info{source=\"kvm_exit\","
					"state=\"attached\",attach=\"tp_btf\",patched=\"false\","
					"error=\"\"}"),
			 1);
	assert_int_equal(value_of(text,
				  "msrtop_source_info{source=\"kvm_msr_outcome\","
				  "state=\"missing\",attach=\"\",patched=\"true\",error=\"\"}"),
			 1);
	assert_int_equal(value_of(text, "msrtop_source_info{source=\"kvm_msr\","
					"state=\"failed\",attach=\"tracepoint\",patched=\"false\","
					"error=\"EPERM\"}"),
			 1);
	assert_int_equal(value_of(text, "msrtop_source_events_total{source=\"kvm_msr\"}"), 128);
	assert_int_equal(value_of(text, "msrtop_map_overflow_total{map=\"msrs\"}"), 3);
	assert_int_equal(value_of(text, "msrtop_map_overflow_total{map=\"exits\"}"), 0);
	/* Every family has its HELP and TYPE lines once. */
	assert_non_null(strstr(text, "# HELP msrtop_msr_accesses_total "));
	assert_non_null(strstr(text, "# TYPE msrtop_msr_accesses_total counter\n"));
	assert_non_null(strstr(text, "# TYPE msrtop_exit_latency_seconds histogram\n"));
	free(text);
	prom_state_free(st);
	snapshot_put(s);
}

static void test_histogram(void **state)
{
	struct msrtop_snapshot *s = snapshot_new();
	struct prom_state *st = prom_state_new();
	struct msrtop_exit_row *e;
	char *text, prefix[512], labels[256];
	uint64_t prev = 0;
	unsigned int buckets = 0;

	s->time_ns = T0;
	s->start_time_ns = T0;
	s->sources[MSRTOP_SRC_KVM_ENTRY] = (struct msrtop_source){
		.name = "kvm_entry", .attach = "tp_btf", .state = MSRTOP_SRC_ATTACHED};
	e = snapshot_add_row(s, MSRTOP_KIND_EXITS);
	*e = (struct msrtop_exit_row){.pid = 9, .vcpu = 0, .isa = MSRTOP_ISA_SVM, .reason = 0x7c};
	e->count.total = 20;
	e->latency.slots[0] = 1;		     /* 0 or 1 ns */
	e->latency.slots[3] = 2;		     /* 8..15 ns */
	e->latency.slots[10] = 5;		     /* 1024..2047 ns */
	e->latency.slots[MSRTOP_HIST_SLOTS - 1] = 4; /* >= 2^31 ns */
	e->latency.count = 12;
	e->latency.sum_ns = 3 * SEC + 250;
	e->latency.min_ns = 1;
	e->latency.max_ns = 2 * SEC + 5;
	/* The same exit seen as nested: a counter, no histogram. */
	e = snapshot_add_row(s, MSRTOP_KIND_EXITS);
	*e = (struct msrtop_exit_row){
		.pid = 9, .vcpu = 0, .isa = MSRTOP_ISA_SVM, .reason = 0x7c, .nested = true};
	e->count.total = 6;
	assert_int_equal(snapshot_finish(s, NULL), 0);

	text = render(st, s);
	snprintf(labels, sizeof(labels),
		 "pid=\"9\",vm_start=\"1700000000\",comm=\"\","
		 "vm_name=\"\",vcpu=\"0\",vcpu_src=\"kernel\",isa=\"svm\",reason=\"MSR\"");
	snprintf(prefix, sizeof(prefix), "msrtop_exits_total{%s}", labels);
	assert_int_equal(value_of(text, prefix), 20);
	snprintf(prefix, sizeof(prefix), "msrtop_nested_exits_total{%s}", labels);
	assert_int_equal(value_of(text, prefix), 6);

	/* Cumulative, never decreasing, at exactly the slot bounds. */
	for (unsigned int i = 0; i < MSRTOP_HIST_SLOTS - 1; i++) {
		struct prom_buf le = {0};
		int64_t v;
		char *les;

		prom_buf_seconds(&le, prom_hist_le_ns(i));
		les = prom_buf_take(&le, NULL);
		snprintf(prefix, sizeof(prefix), "msrtop_exit_latency_seconds_bucket{%s,le=\"%s\"}",
			 labels, les);
		free(les);
		v = value_of(text, prefix);
		assert_true(v >= 0);
		assert_true((uint64_t)v >= prev);
		prev = v;
		buckets++;
		if (i == 0)
			assert_int_equal(v, 1);
		if (i == 2)
			assert_int_equal(v, 1);
		if (i == 3)
			assert_int_equal(v, 3);
		if (i == 10)
			assert_int_equal(v, 8);
	}
	assert_int_equal(buckets, MSRTOP_HIST_SLOTS - 1);
	assert_int_equal(prev, 8);
	snprintf(prefix, sizeof(prefix), "msrtop_exit_latency_seconds_bucket{%s,le=\"+Inf\"}",
		 labels);
	assert_int_equal(value_of(text, prefix), 12);
	snprintf(prefix, sizeof(prefix), "msrtop_exit_latency_seconds_count{%s}", labels);
	assert_int_equal(value_of(text, prefix), 12);
	snprintf(prefix, sizeof(prefix), "msrtop_exit_latency_seconds_sum{%s} 3.00000025\n",
		 labels);
	assert_non_null(strstr(text, prefix));
	assert_non_null(strstr(text, "le=\"0.000000015\""));
	assert_non_null(strstr(text, "le=\"2.147483647\""));
	/* No histogram for the nested row: one +Inf bucket in all. */
	assert_null(strstr(strstr(text, "le=\"+Inf\"") + 1, "le=\"+Inf\""));
	/* Minimum and maximum: gauges in seconds, exact, for the rows with latency only. */
	assert_non_null(strstr(text, "# TYPE msrtop_exit_latency_min_seconds gauge\n"));
	assert_non_null(strstr(text, "# TYPE msrtop_exit_latency_max_seconds gauge\n"));
	snprintf(prefix, sizeof(prefix), "msrtop_exit_latency_min_seconds{%s} 0.000000001\n",
		 labels);
	assert_non_null(strstr(text, prefix));
	snprintf(prefix, sizeof(prefix), "msrtop_exit_latency_max_seconds{%s} 2.000000005\n",
		 labels);
	assert_non_null(strstr(text, prefix));
	assert_null(strstr(strstr(text, "msrtop_exit_latency_min_seconds{") + 1,
			   "msrtop_exit_latency_min_seconds{"));
	free(text);
	prom_state_free(st);
	snapshot_put(s);
}

/* Without kvm_entry there is no latency: the family is empty. */
static void test_histogram_needs_entry(void **state)
{
	struct msrtop_snapshot *s = snapshot_new();
	struct prom_state *st = prom_state_new();
	struct msrtop_exit_row *e;
	char *text;

	s->sources[MSRTOP_SRC_KVM_ENTRY] = (struct msrtop_source){
		.name = "kvm_entry", .attach = "tp_btf", .state = MSRTOP_SRC_MISSING};
	e = snapshot_add_row(s, MSRTOP_KIND_EXITS);
	*e = (struct msrtop_exit_row){.pid = 9, .isa = MSRTOP_ISA_VMX, .reason = 32};
	e->count.total = 1;
	assert_int_equal(snapshot_finish(s, NULL), 0);
	text = render(st, s);
	assert_null(strstr(text, "msrtop_exit_latency_seconds_bucket"));
	assert_null(strstr(text, "msrtop_exit_latency_min_seconds{"));
	assert_null(strstr(text, "msrtop_exit_latency_max_seconds{"));
	assert_non_null(strstr(text, "reason=\"MSR_WRITE\"} 1\n"));
	free(text);
	prom_state_free(st);
	snapshot_put(s);
}

/* The vm_start of pid 42 in text (seconds after T0), or -1. */
static int64_t vm_start(const char *text)
{
	const char *p = strstr(text, "msrtop_vm_alive{pid=\"42\",vm_start=\"");

	if (!p)
		return -1;
	return strtoll(p + strlen("msrtop_vm_alive{pid=\"42\",vm_start=\""), NULL, 10) -
	       (int64_t)(T0 / SEC);
}

static void test_pid_reuse(void **state)
{
	static const struct {
		uint32_t pid;
		const char *comm;
		bool alive, active;
		int64_t vm_start; /* seconds after T0; -1: pid 42 not shown */
	} steps[] = {
		/* 1: a VM runs; 3: it is gone (its last events counted with it) ... */
		{42, "qemu", true, true, 1},
		{42, "qemu", true, true, 1},
		{42, "qemu", false, true, 1},
		/* ... 4: events that raced with its exit are still its own ... */
		{42, "qemu", false, true, 1},
		{42, "qemu", false, false, 1},
		/* ... 6: the dead pid counts again: another VMM has it, though the
		 * collector no longer reads its /proc (alive stays false). */
		{42, "qemu", false, true, 6},
		{42, "qemu", false, true, 6},
		{42, "qemu", false, false, 6},
		/* 9: a new comm: another program. */
		{42, "msrload", true, true, 9},
		{42, "msrload", true, false, 9},
		/* 11: the pid's rows went away; 12: it is back. */
		{0, "", false, false, -1},
		{42, "msrload", true, true, 12},
		/* A comm that could not be read does not make a new VM. */
		{42, "", true, true, 12},
		/* 14: gone; 16: /proc shows a process with the pid again. */
		{42, "msrload", false, false, 12},
		{42, "msrload", false, false, 12},
		{42, "msrload", true, false, 16},
		/* 17: back after an absence, /proc never readable (no comm): nothing
		 * says it died, so it stays one VM. */
		{0, "", false, false, -1},
		{42, "", false, true, 18},
		{42, "", false, true, 18},
		{42, "", false, false, 18},
		{42, "", false, true, 18},
	};
	struct prom_state *st = prom_state_new();
	struct msrtop_snapshot *prev = NULL;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct msrtop_snapshot *s = snap(prev, i + 1, steps[i].pid, steps[i].comm,
						 steps[i].alive, steps[i].active);
		char *text = render(st, s);

		if (vm_start(text) != steps[i].vm_start)
			print_message("# step %zu (second %zu): vm_start %lld, want %lld\n", i,
				      i + 1, (long long)vm_start(text),
				      (long long)steps[i].vm_start);
		assert_int_equal(vm_start(text), steps[i].vm_start);
		free(text);
		snapshot_put(prev);
		prev = s;
	}
	snapshot_put(prev);
	prom_state_free(st);
}

/* Every sample line belongs to the family of the HELP/TYPE lines above it. */
static void test_families_grouped(void **state)
{
	struct prom_state *st = prom_state_new();
	struct msrtop_snapshot *s = snap(NULL, 1, 42, "x", true, true);
	char *text = render(st, s), *save = NULL, family[128] = "";
	int helps = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "# HELP ", 7)) {
			sscanf(l + 7, "%127s", family);
			helps++;
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			assert_int_equal(strncmp(l + 7, family, strlen(family)), 0);
			continue;
		}
		assert_int_equal(strncmp(l, family, strlen(family)), 0);
	}
	assert_true(helps >= 20);
	free(text);
	snapshot_put(s);
	prom_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_histogram_needs_entry),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_families_grouped),
	};

	return tap_cmocka_run("prom", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
