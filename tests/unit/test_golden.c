// SPDX-License-Identifier: GPL-2.0
/*
 * Golden outputs: the JSON writer (json_out.c), the text tables (text_out.c)
 * and the Prometheus /metrics text (prom.c) of one fixed snapshot built here
 * by hand (no BPF), compared byte for byte with tests/unit/golden/:
 *
 *   snapshot.json    json_out_write() of the snapshot, then of it filtered
 *   snapshot.txt     text_out_write() of the same two
 *   metrics.prom     prom_render() of the snapshot
 *
 * The snapshot has a row of every kind with every vCPU source, known and
 * unknown names (MSR, exit reason, ISA, outcome, userspace exit, errno), a
 * previous snapshot for deltas and rates, and sources in every state.
 *
 *   test_golden            the TAP suite; on a mismatch, the output is
 *                          written next to the golden file as NAME.actual
 *   test_golden --update   rewrites the golden files (review the diff: any
 *                          change in them is a change of msrtop's output)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "../lib/cmocka_tap.h"

#include "exit_reasons.h" /* MSRTOP_ISA_* */
#include "json_out.h"
#include "msrtop.h"
#include "prom.h"
#include "snapshot.h"
#include "snapshot_builder.h"
#include "text_out.h"

#ifndef GOLDEN_DIR
#define GOLDEN_DIR "tests/unit/golden"
#endif

#define T0 (1700000000 * SEC) /* CLOCK_REALTIME at attach */

static bool update;

static void counter(struct msrtop_counter *c, uint64_t total)
{
	c->total = total;
}

/* The rows; scale 1 for the previous snapshot, more for the current one. */
static void add_rows(struct msrtop_snapshot *s, uint64_t k)
{
	struct msrtop_exit_row *e;
	struct msrtop_msr_row *m;
	struct msrtop_uexit_row *u;
	struct msrtop_intercept_row *i;
	struct msrtop_outcome_row *o;
	struct msrtop_canon_row *c;
	struct msrtop_sample_row *sm;
	struct msrtop_value_row *v;

	/* Exits: VMX with a modifier flag, VMX with latency, SVM nested, another ISA. */
	e = sb_row(s, MSRTOP_KIND_EXITS,
		   &(struct msrtop_exit_row){
			   .pid = 4242, .vcpu = 1, .isa = MSRTOP_ISA_VMX, .reason = 0x80000021});
	counter(&e->count, 3 * k);
	e = sb_row(s, MSRTOP_KIND_EXITS,
		   &(struct msrtop_exit_row){
			   .pid = 4242, .vcpu = 0, .isa = MSRTOP_ISA_VMX, .reason = 32});
	counter(&e->count, 100 * k);
	e->latency.count = 100 * k;
	e->latency.sum_ns = 150000 * k;
	e->latency.slots[10] = 90 * k;
	e->latency.slots[12] = 9 * k;
	e->latency.slots[MSRTOP_HIST_SLOTS - 1] = k;
	e->latency.min_ns = 1030;
	e->latency.max_ns = (1ull << 31) + 4 * k;
	e = sb_row(s, MSRTOP_KIND_EXITS,
		   &(struct msrtop_exit_row){.pid = 4242,
					     .vcpu_src = MSRTOP_VCPU_LEARNED,
					     .vcpu = 2,
					     .isa = MSRTOP_ISA_SVM,
					     .reason = 0x7c,
					     .nested = true});
	counter(&e->count, 7 * k);
	e = sb_row(s, MSRTOP_KIND_EXITS,
		   &(struct msrtop_exit_row){.pid = 5150,
					     .vcpu_src = MSRTOP_VCPU_TID,
					     .vcpu = 5151,
					     .isa = 3,
					     .reason = 0x1234});
	counter(&e->count, 11);
	if (k > 1) { /* new in the current snapshot */
		e = sb_row(s, MSRTOP_KIND_EXITS,
			   &(struct msrtop_exit_row){.pid = 777,
						     .vcpu = 0,
						     .isa = MSRTOP_ISA_SVM,
						     .reason = 0xffffffff});
		counter(&e->count, 1);
	}

	/* MSRs: a read, a write with its value, a write that always faulted, no name. */
	m = sb_row(s, MSRTOP_KIND_MSRS,
		   &(struct msrtop_msr_row){.pid = 4242, .vcpu = 0, .msr = 0x10});
	counter(&m->count, 50 * k);
	m = sb_row(s, MSRTOP_KIND_MSRS,
		   &(struct msrtop_msr_row){.pid = 4242,
					    .vcpu_src = MSRTOP_VCPU_LEARNED,
					    .vcpu = 1,
					    .msr = 0x277,
					    .write = true,
					    .has_value = true,
					    .last_value = 0x0007040600070406ull});
	counter(&m->count, 16 * k);
	counter(&m->gp, k);
	counter(&m->changes, 4 * k);
	m = sb_row(s, MSRTOP_KIND_MSRS,
		   &(struct msrtop_msr_row){.pid = 4242,
					    .vcpu_src = MSRTOP_VCPU_TID,
					    .vcpu = 4243,
					    .msr = 0x4b564d99,
					    .write = true});
	counter(&m->count, 2 * k);
	counter(&m->gp, 2 * k);
	m = sb_row(s, MSRTOP_KIND_MSRS,
		   &(struct msrtop_msr_row){.pid = 5150, .vcpu = 3, .msr = 0x12345678});
	counter(&m->count, 5);
	counter(&m->gp, 5);

	/* Userspace exits: a known reason, an errno, unknown ones of both. */
	u = sb_row(s, MSRTOP_KIND_UEXITS, &(struct msrtop_uexit_row){.pid = 4242, .reason = 2});
	counter(&u->count, 20 * k);
	u = sb_row(s, MSRTOP_KIND_UEXITS,
		   &(struct msrtop_uexit_row){.pid = 4242, .reason = 4, .error = true});
	counter(&u->count, k);
	u = sb_row(s, MSRTOP_KIND_UEXITS, &(struct msrtop_uexit_row){.pid = 5150, .reason = 999});
	counter(&u->count, 1);
	u = sb_row(s, MSRTOP_KIND_UEXITS,
		   &(struct msrtop_uexit_row){.pid = 5150, .reason = 9999, .error = true});
	counter(&u->count, 1);

	/* Intercepts: SVM, VMX with flags, another ISA. */
	i = sb_row(s, MSRTOP_KIND_INTERCEPTS,
		   &(struct msrtop_intercept_row){.pid = 4242,
						  .vcpu = 1,
						  .isa = MSRTOP_ISA_SVM,
						  .exit_code = 0x7c,
						  .msr = 0x277,
						  .write = true});
	counter(&i->count, 16 * k);
	i = sb_row(s, MSRTOP_KIND_INTERCEPTS,
		   &(struct msrtop_intercept_row){.pid = 4242,
						  .vcpu_src = MSRTOP_VCPU_LEARNED,
						  .vcpu = 0,
						  .isa = MSRTOP_ISA_VMX,
						  .exit_code = 31,
						  .msr = 0xc0000080});
	counter(&i->count, 3 * k);
	i = sb_row(s, MSRTOP_KIND_INTERCEPTS,
		   &(struct msrtop_intercept_row){.pid = 5150,
						  .vcpu_src = MSRTOP_VCPU_TID,
						  .vcpu = 5151,
						  .isa = 9,
						  .exit_code = 0x100000000ull,
						  .msr = 0x12345678});
	counter(&i->count, 1);

	/* Outcomes: every outcome, named and unnamed reasons, out of range, the emulator's. */
	static const struct {
		uint32_t msr;
		bool write;
		uint8_t outcome, reason;
		uint64_t n;
		bool emulated;
	} oc[] = {
		{0x277, true, MSRTOP_OUTCOME_HANDLED, 0, 10, false},
		{0x277, true, MSRTOP_OUTCOME_GP, MSRTOP_GP_INVALID_VALUE, 1, false},
		{0x277, true, MSRTOP_OUTCOME_FASTPATH, 0, 5, false},
		{0x4b564d99, true, MSRTOP_OUTCOME_GP, MSRTOP_GP_UNKNOWN_MSR, 2, false},
		{0x4b564d99, true, MSRTOP_OUTCOME_GP, 9, 1, false},
		{0x10, false, MSRTOP_OUTCOME_USERSPACE, MSRTOP_USERSPACE_FILTER, 4, false},
		{0x10, false, MSRTOP_OUTCOME_USERSPACE_DONE, MSRTOP_USERSPACE_DONE_ERROR, 1, false},
		{0x10, false, MSRTOP_OUTCOME_USERSPACE_DONE, MSRTOP_USERSPACE_DONE_OK, 3, false},
		{0x10, false, MSRTOP_OUTCOME_ERROR, 4, 1, false},
		{0x10, false, MSRTOP_OUTCOME_HANDLED, 7, 1, false},
		{0x10, false, 255, 255, 1, false},
		{0x277, true, MSRTOP_OUTCOME_HANDLED, 0, 2, true},
	};
	for (size_t j = 0; j < sizeof(oc) / sizeof(oc[0]); j++) {
		o = sb_row(s, MSRTOP_KIND_OUTCOMES,
			   &(struct msrtop_outcome_row){.pid = 4242,
							.vcpu = 1,
							.msr = oc[j].msr,
							.write = oc[j].write,
							.outcome = oc[j].outcome,
							.reason = oc[j].reason,
							.emulated = oc[j].emulated});
		counter(&o->count, oc[j].n * k);
		o->duration.count = oc[j].n * k;
		o->duration.sum_ns = oc[j].n * k * (600 + 100 * j);
		o->duration.slots[9 + j % 3] = oc[j].n * k;
		o->duration.min_ns = (1u << (9 + j % 3)) + j;
		o->duration.max_ns = (2u << (9 + j % 3)) - 1 - j;
	}

	/* Canonical checks. */
	c = sb_row(s, MSRTOP_KIND_CANON,
		   &(struct msrtop_canon_row){.pid = 4242, .vcpu = 1, .msr = 0xc0000100});
	counter(&c->count, 3 * k);
	counter(&c->rejected, k);
	counter(&c->fixups, k);
	c = sb_row(s, MSRTOP_KIND_CANON,
		   &(struct msrtop_canon_row){.pid = 5150,
					      .vcpu_src = MSRTOP_VCPU_LEARNED,
					      .vcpu = 2,
					      .msr = 0x12345678});
	counter(&c->count, 2);

	/* Sampled MSRs: FS_BASE changing, LSTAR changed, EFER refused; FS_BASE per value. */
	sm = sb_row(s, MSRTOP_KIND_MSR_SAMPLES,
		    &(struct msrtop_sample_row){.pid = 4242,
						.vcpu = 0,
						.msr = 0xc0000100,
						.has_value = true,
						.last_value = 0x7f0000003000});
	counter(&sm->samples, 40 * k);
	counter(&sm->changes, 3 * k);
	sm = sb_row(s, MSRTOP_KIND_MSR_SAMPLES,
		    &(struct msrtop_sample_row){.pid = 4242,
						.vcpu = 1,
						.msr = 0xc0000082,
						.has_value = true,
						.last_value = 0xffffffff82000000ull});
	counter(&sm->samples, 10 * k);
	counter(&sm->changes, k);
	sm = sb_row(s, MSRTOP_KIND_MSR_SAMPLES,
		    &(struct msrtop_sample_row){.pid = 5150, .vcpu = 0, .msr = 0xc0000080});
	counter(&sm->errors, 2);
	for (uint64_t t = 1; t <= 3; t++) {
		v = sb_row(s, MSRTOP_KIND_MSR_VALUES,
			   &(struct msrtop_value_row){.pid = 4242,
						      .msr = 0xc0000100,
						      .value = 0x7f0000000000 + t * 0x1000});
		counter(&v->exits, (25 - 5 * t) * k);
	}
	/* KVM's statistics from debugfs: VM-wide counts and levels, one vCPU's level. */
	static const struct {
		uint32_t vcpu;
		const char *name;
		bool cumulative;
		uint64_t per_k;
	} ks[] = {
		{MSRTOP_KVM_STAT_VM, "exits", true, 1000},
		{MSRTOP_KVM_STAT_VM, "halt_wait_hist", true, 7},
		{MSRTOP_KVM_STAT_VM, "pages_4k", false, 512},
		{MSRTOP_KVM_STAT_VM, "max_mmu_rmap_size", false, 0},
		{0, "lapic_timer_advance_ns", false, 333},
		{1, "tsc-offset", false, 0},
	};
	for (size_t j = 0; j < sizeof(ks) / sizeof(ks[0]); j++) {
		struct msrtop_kvm_stat_row *r =
			sb_row(s, MSRTOP_KIND_KVM_STATS,
			       &(struct msrtop_kvm_stat_row){
				       .pid = 4242, .vm_fd = 11, .vcpu = ks[j].vcpu});

		snprintf(r->name, sizeof(r->name), "%s", ks[j].name);
		r->cumulative = ks[j].cumulative;
		r->instant = !ks[j].cumulative;
		r->value = ks[j].per_k * k + (ks[j].cumulative ? 0 : j);
		if (r->cumulative)
			counter(&r->count, r->value);
	}
	/* The KVM event kinds: named and unnamed codes, each vCPU source. */
	{
		static const struct {
			enum msrtop_kind_id kind;
			uint8_t vcpu_src;
			uint32_t vcpu;
			uint64_t code;
			uint32_t arg;
			uint8_t flag;
			uint64_t n;
		} ev[] = {
			{MSRTOP_KIND_PIOS, MSRTOP_VCPU_LEARNED, 0, 0x80, 1, 1, 10},
			{MSRTOP_KIND_PIOS, MSRTOP_VCPU_LEARNED, 0, 0xcf8, 4, 0, 3},
			{MSRTOP_KIND_PIOS, MSRTOP_VCPU_TID, 4243, 0x3f8, 2, 1, 1},
			{MSRTOP_KIND_MMIOS, MSRTOP_VCPU_LEARNED, 1, 0xfee00, 0, 0, 7},
			{MSRTOP_KIND_MMIOS, MSRTOP_VCPU_LEARNED, 1, 0xfee00, 1, 0, 7},
			{MSRTOP_KIND_MMIOS, MSRTOP_VCPU_LEARNED, 1, 0x100000, 2, 0, 5},
			{MSRTOP_KIND_MMIOS, MSRTOP_VCPU_LEARNED, 1, 0x2, 9, 0, 1},
			{MSRTOP_KIND_HYPERCALLS, MSRTOP_VCPU_LEARNED, 0, 11, 0, 0, 4},
			{MSRTOP_KIND_HYPERCALLS, MSRTOP_VCPU_LEARNED, 0, 0x4d5352, 0, 0, 2},
			{MSRTOP_KIND_CPUIDS, MSRTOP_VCPU_LEARNED, 0, 0x80000008, 0, 0, 6},
			{MSRTOP_KIND_CPUIDS, MSRTOP_VCPU_LEARNED, 0, 0xd, 1, 0, 2},
			{MSRTOP_KIND_INJ_VIRQS, MSRTOP_VCPU_LEARNED, 0, 236, 0, 0, 9},
			{MSRTOP_KIND_INJ_VIRQS, MSRTOP_VCPU_LEARNED, 0, 236, 0, 1, 1},
			{MSRTOP_KIND_INJ_EXCEPTIONS, MSRTOP_VCPU_LEARNED, 0, 13, 0, 0, 8},
			{MSRTOP_KIND_INJ_EXCEPTIONS, MSRTOP_VCPU_LEARNED, 0, 14, 0, 1, 1},
			{MSRTOP_KIND_INJ_EXCEPTIONS, MSRTOP_VCPU_LEARNED, 0, 9, 0, 0, 1},
		};

		for (size_t j = 0; j < sizeof(ev) / sizeof(ev[0]); j++) {
			struct msrtop_event_row *r;

			r = sb_row(s, ev[j].kind,
				   &(struct msrtop_event_row){.pid = j % 3 ? 4242 : 5150,
							      .vcpu_src = ev[j].vcpu_src,
							      .vcpu = ev[j].vcpu,
							      .code = ev[j].code,
							      .arg = ev[j].arg,
							      .flag = ev[j].flag});
			counter(&r->count, ev[j].n * k);
		}
	}
}

static void set_sources(struct msrtop_snapshot *s)
{
	sb_sources(s);
	s->sources[MSRTOP_SRC_KVM_NESTED_VMEXIT].state = MSRTOP_SRC_FAILED;
	s->sources[MSRTOP_SRC_KVM_NESTED_VMEXIT].error = ENOENT;
	s->sources[MSRTOP_SRC_KVM_MSR_CANONICAL].state = MSRTOP_SRC_MISSING;
	s->sources[MSRTOP_SRC_KVM_USERSPACE_EXIT].state = MSRTOP_SRC_OFF;
	s->sources[MSRTOP_SRC_KVM_DEBUGFS].attach = "debugfs";
	s->sources[MSRTOP_SRC_KVM_DEBUGFS].patched = false;
	s->sources[MSRTOP_SRC_KVM_DEBUGFS].error = EPERM; /* some files refused */
}

/* The fixed snapshot: the second of two, 2.5 s apart. */
static struct msrtop_snapshot *golden_snapshot(void)
{
	struct msrtop_snapshot *prev = sb_new(1, T0, 100 * SEC, 101 * SEC);
	struct msrtop_snapshot *s = sb_new(2, T0, 100 * SEC, 103 * SEC + SEC / 2);

	s->time_ns += 250000000; /* CLOCK_REALTIME stepped since attach */
	set_sources(prev);
	set_sources(s);
	prev->overflow[MSRTOP_MAP_MSRS].total = 3;
	s->overflow[MSRTOP_MAP_MSRS].total = 7;
	s->overflow[MSRTOP_MAP_THREADS].total = 1;
	prev->errors[MSRTOP_MAP_EXITS].total = 1;
	s->errors[MSRTOP_MAP_EXITS].total = 2;

	add_rows(prev, 1);
	assert_int_equal(snapshot_finish(prev, NULL), 0);
	sb_vm(prev, 4242, "qemu-system-x86", "web \"1\"", true);
	sb_vm(prev, 5150, "crosvm", "", true);

	add_rows(s, 3);
	s->overflow[MSRTOP_MAP_MSR_CHANGES].total = 2;
	*snapshot_add_change(s) = (struct msrtop_msr_change_ev){
		.time_ns = s->time_ns - SEC / 4,
		.pid = 4242,
		.tid = 4250,
		.vcpu = 1,
		.msr = 0xc0000082,
		.old_value = 0xffffffff81000000ull,
		.new_value = 0xffffffff82000000ull,
	};
	assert_int_equal(snapshot_finish(s, prev), 0);
	sb_vm(s, 5150, "crosvm", "", false); /* gone since */
	snapshot_put(prev);
	return s;
}

/* The filter of the second document: every condition set. */
static const struct msrtop_filter golden_filter = {
	.pids = {4242},
	.nr_pids = 1,
	.guests = {"nosuchguest", "web \"1\""},
	.nr_guests = 2,
	.has_vcpu = true,
	.vcpu = 1,
	.has_msr = true,
	.msr = 0x277,
	.has_reason = true,
	.reason_vmx_ok = true,
	.reason_vmx = 33,
	.reason_svm_ok = true,
	.reason_svm = 0x7c,
};

/* Compares text with GOLDEN_DIR/name (or rewrites it with --update). */
static void check_golden(const char *name, const char *text, size_t len)
{
	char path[512], *want = NULL;
	size_t want_len = 0, line = 1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (update) {
		f = fopen(path, "w");
		if (!f || fwrite(text, 1, len, f) != len || fclose(f))
			fail_msg("cannot write %s: %s", path, strerror(errno));
		return;
	}
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (%s): run test_golden --update to make it", path,
			 strerror(errno));
	want = malloc(1 << 20);
	assert_non_null(want);
	want_len = fread(want, 1, 1 << 20, f);
	fclose(f);
	if (want_len == len && !memcmp(want, text, len)) {
		free(want);
		return;
	}
	for (size_t i = 0; i < len && i < want_len && text[i] == want[i]; i++)
		line += text[i] == '\n';
	snprintf(path, sizeof(path), "%s/%s.actual", GOLDEN_DIR, name);
	f = fopen(path, "w");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	free(want);
	fail_msg("%s differs from the golden file from line %zu on (%zu bytes, expected %zu): "
		 "diff it with %s; if the change is meant, run test_golden --update",
		 name, line, len, want_len, path);
}

typedef void (*render_fn)(FILE *f, struct msrtop_snapshot *s, const struct msrtop_filter *flt);

/* The output of render for the snapshot, then for it through golden_filter. */
static void check_render(const char *name, render_fn render)
{
	struct msrtop_snapshot *s = golden_snapshot(), *filtered;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	filtered = snapshot_filter(s, &golden_filter);
	assert_non_null(filtered);
	render(f, s, NULL);
	render(f, filtered, &golden_filter);
	assert_int_equal(fclose(f), 0);
	check_golden(name, text, len);
	free(text);
	snapshot_put(filtered);
	snapshot_put(s);
}

static void render_json(FILE *f, struct msrtop_snapshot *s, const struct msrtop_filter *flt)
{
	struct json_object *tree = json_out_build(s, flt);
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);

	/* The streamed document is the tree's serialization, byte for byte. */
	assert_non_null(tree);
	assert_non_null(mf);
	assert_int_equal(json_out_write(mf, s, flt, NULL), 0);
	fclose(mf);
	assert_int_equal(len,
			 strlen(json_object_to_json_string_ext(
				 tree, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) +
				 1);
	json_object_put(tree);
	fwrite(text, 1, len, f);
	free(text);
}

static void render_text(FILE *f, struct msrtop_snapshot *s, const struct msrtop_filter *flt)
{
	assert_int_equal(text_out_write(f, s), 0);
}

static void test_json(void **state)
{
	check_render("snapshot.json", render_json);
}

static void test_text(void **state)
{
	check_render("snapshot.txt", render_text);
}

static void test_metrics(void **state)
{
	struct msrtop_snapshot *s = golden_snapshot();
	struct prom_state *st = prom_state_new();
	struct prom_buf b = {0};
	size_t len;
	char *text;

	assert_non_null(st);
	assert_int_equal(prom_render(st, s, &b), 0);
	text = prom_buf_take(&b, &len);
	assert_non_null(text);
	check_golden("metrics.prom", text, len);
	free(text);
	prom_state_free(st);
	snapshot_put(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_metrics),
	};

	/* The text tables print local times. */
	setenv("TZ", "UTC", 1);
	tzset();
	update = argc > 1 && !strcmp(argv[1], "--update");
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return tap_cmocka_run("golden", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
