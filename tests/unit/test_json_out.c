// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON document (userspace/json_out.c) of a snapshot built by hand: every
 * table, raw numbers next to names, nulls where there is nothing.
 *
 *   test_json_out          the TAP suite
 *   test_json_out --dump   prints the document (and an error document) as
 *                          JSON lines, for the schema check in
 *                          tests/unit/test_json_schema.sh
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../lib/cmocka_tap.h"

#include "exit_reasons.h"
#include "json_in.h"
#include "json_out.h"
#include "prom.h"
#include "kinds.h"
#include "kvm_names.h"
#include "snapshot.h"
#include "snapshot_builder.h"

static struct msrtop_snapshot *sample(void)
{
	struct msrtop_snapshot *a = sb_new(1, 1700000000 * SEC, 100 * SEC, 101 * SEC);
	struct msrtop_snapshot *s = sb_new(2, 1700000000 * SEC, 100 * SEC, 103 * SEC);
	struct msrtop_exit_row *e;
	struct msrtop_msr_row *m;
	struct msrtop_uexit_row *u;
	struct msrtop_intercept_row *i;
	struct msrtop_outcome_row *o;
	struct msrtop_canon_row *c;

	s->time_ns += 250000000; /* CLOCK_REALTIME stepped since attach */
	sb_sources(s);
	s->sources[MSRTOP_SRC_KVM_MSR_CANONICAL].state = MSRTOP_SRC_MISSING;
	s->sources[MSRTOP_SRC_KVM_NESTED_VMEXIT].state = MSRTOP_SRC_FAILED;
	s->sources[MSRTOP_SRC_KVM_NESTED_VMEXIT].error = ENOENT;
	s->overflow[MSRTOP_MAP_MSRS].total = 7;
	s->errors[MSRTOP_MAP_EXITS].total = 2;

	m = sb_row(
		a, MSRTOP_KIND_MSRS,
		&(struct msrtop_msr_row){
			.pid = 4242, .vcpu_src = MSRTOP_VCPU_LEARNED, .msr = 0x277, .write = true});
	m->count.total = 10;
	assert_int_equal(snapshot_finish(a, NULL), 0);
	strcpy(snapshot_find_vm(a, 4242)->comm, "qemu-system-x86");
	strcpy(snapshot_find_vm(a, 4242)->name, "web \"1\"");
	snapshot_find_vm(a, 4242)->alive = true;

	e = sb_row(s, MSRTOP_KIND_EXITS,
		   &(struct msrtop_exit_row){
			   .pid = 4242, .vcpu = 1, .isa = MSRTOP_ISA_VMX, .reason = 0x80000021});
	e->count.total = 3;
	e->latency.count = 3;
	e->latency.sum_ns = 3 * 1500;
	e->latency.slots[10] = 3;
	e = sb_row(s, MSRTOP_KIND_EXITS,
		   &(struct msrtop_exit_row){.pid = 4242,
					     .vcpu = 1,
					     .isa = MSRTOP_ISA_SVM,
					     .reason = 0x7c,
					     .nested = true});
	e->count.total = 1;
	e = sb_row(s, MSRTOP_KIND_EXITS,
		   &(struct msrtop_exit_row){
			   .pid = 4242, .vcpu = 0, .isa = MSRTOP_ISA_VMX, .reason = 0xffff});
	e->count.total = 1;
	e->latency.count = 1;
	e->latency.slots[MSRTOP_HIST_SLOTS - 1] = 1;
	e->latency.sum_ns = 5ull * SEC;

	m = sb_row(s, MSRTOP_KIND_MSRS,
		   &(struct msrtop_msr_row){.pid = 4242,
					    .vcpu_src = MSRTOP_VCPU_LEARNED,
					    .msr = 0x277,
					    .write = true,
					    .has_value = true,
					    .last_value = 0xfedcba9876543210ull});
	m->count.total = 16;
	m->gp.total = 1;
	m->changes.total = 4;
	m = sb_row(
		s, MSRTOP_KIND_MSRS,
		&(struct msrtop_msr_row){
			.pid = 4242, .vcpu_src = MSRTOP_VCPU_TID, .vcpu = 4243, .msr = 0x4b564d99});
	m->count.total = 2;
	m->gp.total = 2;

	u = sb_row(s, MSRTOP_KIND_UEXITS, &(struct msrtop_uexit_row){.pid = 4242, .reason = 2});
	u->count.total = 5;
	u = sb_row(s, MSRTOP_KIND_UEXITS,
		   &(struct msrtop_uexit_row){.pid = 4242, .reason = 4, .error = true});
	u->count.total = 1;

	i = sb_row(s, MSRTOP_KIND_INTERCEPTS,
		   &(struct msrtop_intercept_row){.pid = 4242,
						  .vcpu = 1,
						  .isa = MSRTOP_ISA_SVM,
						  .exit_code = 0x7c,
						  .msr = 0x277,
						  .write = true});
	i->count.total = 16;
	o = sb_row(s, MSRTOP_KIND_OUTCOMES,
		   &(struct msrtop_outcome_row){.pid = 4242,
						.vcpu = 1,
						.msr = 0x277,
						.write = true,
						.outcome = MSRTOP_OUTCOME_GP,
						.reason = MSRTOP_GP_INVALID_VALUE});
	o->count.total = 1;
	o->duration.count = 1;
	o->duration.sum_ns = 700;
	o->duration.slots[9] = 1;
	o = sb_row(s, MSRTOP_KIND_OUTCOMES,
		   &(struct msrtop_outcome_row){.pid = 4242,
						.vcpu = 1,
						.msr = 0x277,
						.write = true,
						.outcome = 255,
						.reason = 255});
	o->count.total = 1;
	o->duration.count = 1;
	c = sb_row(s, MSRTOP_KIND_CANON,
		   &(struct msrtop_canon_row){.pid = 4242, .vcpu = 1, .msr = 0xc0000100});
	c->count.total = 3;
	c->rejected.total = 1;
	c->fixups.total = 1;

	assert_int_equal(snapshot_finish(s, a), 0);
	snapshot_put(a);
	return s;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array)) {
			o = json_object_array_get_idx(o, atoi(tok));
		} else if (!json_object_object_get_ex(o, tok, &o)) {
			fail_msg("no member '%s' in '%s'", tok, path);
		}
	}
	return o;
}

static void assert_u64(struct json_object *doc, const char *path, uint64_t v)
{
	struct json_object *o = get(doc, path);

	if (!json_object_is_type(o, json_type_int) || json_object_get_uint64(o) != v)
		fail_msg("%s: expected %llu, got %s", path, (unsigned long long)v,
			 json_object_to_json_string(o));
}

static void assert_str(struct json_object *doc, const char *path, const char *v)
{
	struct json_object *o = get(doc, path);

	if (!json_object_is_type(o, json_type_string) || strcmp(json_object_get_string(o), v))
		fail_msg("%s: expected \"%s\", got %s", path, v, json_object_to_json_string(o));
}

static void assert_null_at(struct json_object *doc, const char *path)
{
	struct json_object *o = get(doc, path);

	if (o)
		fail_msg("%s: expected null, got %s", path, json_object_to_json_string(o));
}

static void assert_bool(struct json_object *doc, const char *path, bool v)
{
	struct json_object *o = get(doc, path);

	if (!json_object_is_type(o, json_type_boolean) || json_object_get_boolean(o) != v)
		fail_msg("%s: expected %s, got %s", path, v ? "true" : "false",
			 json_object_to_json_string(o));
}

static struct json_object *doc_of(const struct msrtop_filter *f)
{
	struct msrtop_snapshot *s = sample();
	struct json_object *doc = json_out_build(s, f), *parsed;
	const char *text;

	assert_non_null(doc);
	/* What is written is one line that parses back. */
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	assert_null(strchr(text, '\n'));
	parsed = json_tokener_parse(text);
	assert_non_null(parsed);
	json_object_put(doc);
	snapshot_put(s);
	return parsed;
}

static void test_header(void **state)
{
	struct json_object *d = doc_of(NULL);

	assert_u64(d, "version", 1);
	assert_u64(d, "seq", 2);
	assert_str(d, "time", "2023-11-14T22:13:23.250Z");
	assert_u64(d, "time_ns", 1700000003250000000ull);
	assert_str(d, "start_time", "2023-11-14T22:13:20.000Z");
	assert_true(json_object_get_double(get(d, "interval_s")) == 2.0);
	assert_int_equal(json_object_array_length(get(d, "filter.pids")), 0);
	assert_null_at(d, "filter.msr");
	json_object_put(d);
}

static void test_sources_and_overflow(void **state)
{
	struct json_object *d = doc_of(NULL);

	assert_int_equal(json_object_array_length(get(d, "sources")), MSRTOP_SRC_NR);
	assert_str(d, "sources.0.name", "kvm_exit");
	assert_str(d, "sources.0.attach", "tracepoint");
	assert_str(d, "sources.0.state", "attached");
	assert_bool(d, "sources.0.patched", false);
	assert_u64(d, "sources.0.events.total", 4);
	assert_str(d, "sources.2.state", "failed");
	assert_str(d, "sources.2.error", strerror(ENOENT));
	assert_null_at(d, "sources.2.events");
	assert_str(d, "sources.7.state", "missing");
	assert_bool(d, "sources.7.patched", true);
	assert_u64(d, "overflow.msrs.total", 7);
	assert_u64(d, "overflow.msrs.delta", 7);
	assert_u64(d, "overflow.exits.total", 0);
	assert_u64(d, "errors.exits.total", 2);
	assert_u64(d, "errors.msrs.total", 0);
	assert_u64(d, "totals.msr_writes.total", 16);
	assert_u64(d, "totals.msr_writes.delta", 6);
	assert_true(json_object_get_double(get(d, "totals.msr_writes.rate")) == 3.0);
	json_object_put(d);
}

static void test_vms(void **state)
{
	struct json_object *d = doc_of(NULL);

	assert_u64(d, "vms.0.pid", 4242);
	assert_str(d, "vms.0.comm", "qemu-system-x86");
	assert_str(d, "vms.0.name", "web \"1\""); /* escaped by json-c, parsed back */
	assert_bool(d, "vms.0.alive", true);
	assert_u64(d, "vms.0.vcpus", 3); /* vcpu_ids 0 and 1 (kernel or learned), tid 4243 */
	assert_u64(d, "vms.0.exits.total", 4);
	assert_u64(d, "vms.0.msr_gp.total", 3);
	json_object_put(d);
}

static void test_exits(void **state)
{
	struct json_object *d = doc_of(NULL);

	/* Sorted by key: (vcpu 0, VMX 0xffff), (vcpu 1, VMX ...), (vcpu 1, SVM ...). */
	assert_u64(d, "exits.0.reason", 0xffff);
	assert_null_at(d, "exits.0.reason_name");
	assert_str(d, "exits.0.reason_text", "VMX_0xffff");
	assert_u64(d, "exits.0.latency.log2_slots.0.slot", MSRTOP_HIST_SLOTS - 1);
	assert_null_at(d, "exits.0.latency.log2_slots.0.high_ns");
	assert_u64(d, "exits.1.vcpu", 1);
	assert_str(d, "exits.1.vcpu_source", "kernel");
	assert_str(d, "exits.1.isa_name", "vmx");
	assert_u64(d, "exits.1.reason", 0x80000021);
	assert_str(d, "exits.1.reason_name", "INVALID_STATE");
	assert_str(d, "exits.1.reason_text", "INVALID_STATE|FAILED_VMENTRY");
	assert_u64(d, "exits.1.vmx_flags", 0x80000000);
	assert_bool(d, "exits.1.nested", false);
	assert_u64(d, "exits.1.count.total", 3);
	assert_u64(d, "exits.1.latency.count", 3);
	assert_u64(d, "exits.1.latency.mean_ns", 1500);
	assert_u64(d, "exits.1.latency.log2_slots.0.slot", 10);
	assert_u64(d, "exits.1.latency.log2_slots.0.low_ns", 1024);
	assert_u64(d, "exits.1.latency.log2_slots.0.high_ns", 2047);
	assert_u64(d, "exits.1.latency.log2_slots.0.count", 3);
	assert_str(d, "exits.2.isa_name", "svm");
	assert_str(d, "exits.2.reason_name", "MSR");
	assert_null_at(d, "exits.2.vmx_flags");
	assert_bool(d, "exits.2.nested", true);
	assert_null_at(d, "exits.2.latency");
	json_object_put(d);
}

static void test_msrs(void **state)
{
	struct json_object *d = doc_of(NULL);

	assert_u64(d, "msrs.0.msr", 0x277);
	assert_str(d, "msrs.0.msr_name", "IA32_CR_PAT");
	assert_str(d, "msrs.0.vcpu_source", "learned");
	assert_str(d, "msrs.0.access", "write");
	assert_u64(d, "msrs.0.count.total", 16);
	assert_u64(d, "msrs.0.count.delta", 6);
	assert_u64(d, "msrs.0.gp.total", 1);
	assert_u64(d, "msrs.0.last_value", 0xfedcba9876543210ull);
	assert_str(d, "msrs.0.last_value_hex", "0xfedcba9876543210");
	assert_u64(d, "msrs.0.value_changes.total", 4);
	assert_str(d, "msrs.1.vcpu_source", "tid");
	assert_u64(d, "msrs.1.vcpu", 4243);
	assert_null_at(d, "msrs.1.msr_name");
	assert_str(d, "msrs.1.access", "read");
	assert_null_at(d, "msrs.1.last_value");
	assert_null_at(d, "msrs.1.value_changes");
	json_object_put(d);
}

static void test_patched_and_userspace(void **state)
{
	struct json_object *d = doc_of(NULL);

	assert_str(d, "msr_intercepts.0.exit_code_name", "MSR");
	assert_u64(d, "msr_intercepts.0.exit_code", 0x7c);
	assert_str(d, "msr_intercepts.0.msr_name", "IA32_CR_PAT");
	assert_u64(d, "msr_outcomes.0.outcome", MSRTOP_OUTCOME_GP);
	assert_str(d, "msr_outcomes.0.outcome_name", "gp");
	assert_str(d, "msr_outcomes.0.reason_name", "invalid_value");
	assert_u64(d, "msr_outcomes.0.duration.log2_slots.0.slot", 9);
	assert_u64(d, "msr_outcomes.1.outcome", 255);
	assert_null_at(d, "msr_outcomes.1.outcome_name");
	assert_null_at(d, "msr_outcomes.1.reason_name");
	assert_u64(d, "canonical.0.rejected.total", 1);
	assert_u64(d, "canonical.0.fixups.total", 1);
	assert_str(d, "canonical.0.msr_name", "FS_BASE");
	assert_str(d, "userspace_exits.0.reason_name", "IO");
	assert_bool(d, "userspace_exits.0.error", false);
	assert_str(d, "userspace_exits.1.reason_name", "EINTR");
	assert_bool(d, "userspace_exits.1.error", true);
	json_object_put(d);
}

static void test_filter_echoed(void **state)
{
	struct msrtop_filter f = {.pids = {7, 8},
				  .nr_pids = 2,
				  .has_msr = true,
				  .msr = 0x1b,
				  .has_reason = true,
				  .reason_svm_ok = true,
				  .reason_svm = 0x7c};
	struct json_object *d = doc_of(&f);

	assert_u64(d, "filter.pids.1", 8);
	assert_u64(d, "filter.msr", 0x1b);
	assert_null_at(d, "filter.vcpu");
	assert_null_at(d, "filter.reason_vmx");
	assert_u64(d, "filter.reason_svm", 0x7c);
	json_object_put(d);
}

static void test_error_document(void **state)
{
	char buf[512] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	struct json_object *d;

	assert_non_null(f);
	assert_int_equal(json_out_write_error(f, "tracefs is not \"mounted\"\n"), 0);
	fclose(f);
	/* One line: the only newline ends it (the one in the message is escaped). */
	assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);
	d = json_tokener_parse(buf);
	assert_non_null(d);
	assert_u64(d, "version", 1);
	assert_str(d, "error.message", "tracefs is not \"mounted\"\n");
	json_object_put(d);
}

/* s's document (json_out_write(), no filter), malloc'ed, its length in *len. */
static char *document(const struct msrtop_snapshot *s, size_t *len)
{
	char *buf = NULL;
	FILE *mem = open_memstream(&buf, len);

	assert_non_null(mem);
	assert_int_equal(json_out_write(mem, s, NULL, NULL), 0);
	assert_int_equal(fclose(mem), 0);
	return buf;
}

/* s written, read back (json_in_parse()) and written again: the same document. */
static void assert_round_trip(const struct msrtop_snapshot *s)
{
	struct msrtop_snapshot *back = NULL;
	size_t len, len2;
	char *doc = document(s, &len), *doc2, msg[256] = "";

	if (json_in_parse(doc, len, &back, msg, sizeof(msg)))
		fail_msg("json_in_parse: %s", msg);
	doc2 = document(back, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(doc2, doc, len);
	free(doc);
	free(doc2);
	snapshot_put(back);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A rate json-c must print with "%.3f": ties, near-ties, integers, large and odd values. */
static double rnd_rate(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return (double)(rnd() % 100000) / 16; /* exact binary: ties at .xxx5 */
	case 2: return (double)(rnd() % 100000) / 1000 + 0.0005;
	case 3: return (double)(rnd() % 1000000);
	case 4: return (double)rnd() / 3;
	case 5: return 123456789012.0625;
	case 6: return (double)(rnd() % 100000) / 7;
	default: return (double)(rnd() % 1000) / 1024 + (double)(rnd() % 1000);
	}
}

/* Row bytes for every field of a kind, in the ranges the row's fields take. */
static void fill_row(const struct msrtop_kind *k, void *row)
{
	char *r = row;

	for (unsigned int i = 0; i < k->nr_fields; i++) {
		const struct msrtop_field *f = &k->fields[i];
		uint32_t u32 = (uint32_t)rnd();
		uint64_t u64 = rnd();

		if (f->null != MSRTOP_NULL_NEVER)
			r[f->null_off] = rnd() % 2;
		switch (f->type) {
		case MSRTOP_F_PID:
		case MSRTOP_F_MSR:
			memcpy(r + f->off, &u32, 4);
			break;
		case MSRTOP_F_VCPU:
			memcpy(r + f->off, &u32, 4);
			r[f->aux] = rnd() % 3;
			break;
		case MSRTOP_F_ISA:
			r[f->off] = rnd() % 3;
			break;
		case MSRTOP_F_EXIT_REASON:
			memcpy(r + f->off, &u64, f->size);
			r[f->aux] = 1 + rnd() % 2;
			break;
		case MSRTOP_F_VMX_FLAGS:
			memcpy(r + f->off, &u32, 4);
			break;
		case MSRTOP_F_BOOL:
		case MSRTOP_F_ACCESS:
			r[f->off] = rnd() % 2;
			break;
		case MSRTOP_F_UEXIT:
			u32 %= 40;
			memcpy(r + f->off, &u32, 4);
			r[f->aux] = rnd() % 2;
			break;
		case MSRTOP_F_OUTCOME:
			r[f->off] = rnd() % 7;
			break;
		case MSRTOP_F_OUTCOME_REASON:
			r[f->off] = rnd() % 6;
			break;
		case MSRTOP_F_COUNTER: {
			struct msrtop_counter c = {.total = rnd(), .delta = rnd() % 1000000,
						   .rate = rnd_rate()};

			memcpy(r + f->off, &c, sizeof(c));
			break;
		}
		case MSRTOP_F_HIST: {
			struct msrtop_hist h = {0};

			if (rnd() % 4) {
				h.count = 1 + rnd() % 100000;
				h.sum_ns = rnd() >> 8;
				h.min_ns = rnd() % 1000;
				h.max_ns = rnd();
				for (int b = 0; b < MSRTOP_HIST_SLOTS; b++)
					h.slots[b] = rnd() % 3 ? 0 : rnd() % 1000;
			}
			memcpy(r + f->off, &h, sizeof(h));
			break;
		}
		case MSRTOP_F_LAST_VALUE:
			memcpy(r + f->off, &u64, 8);
			r[f->aux] = rnd() % 2;
			break;
		case MSRTOP_F_KVM_STAT: {
			static const char chars[] = "abcxyzABZ019_.-";
			uint32_t vcpu = rnd() % 3 ? (uint32_t)(rnd() % 300) : MSRTOP_KVM_STAT_VM;
			size_t n = 1 + rnd() % (MSRTOP_KVM_STAT_NAME_LEN - 1);

			memcpy(r + f->off, &u32, 4);
			memcpy(r + f->off + 4, &vcpu, 4);
			for (size_t c = 0; c < n; c++)
				r[f->off + 8 + c] = chars[rnd() % (sizeof(chars) - 1)];
			r[f->off + 8 + n] = '\0';
			break;
		}
		case MSRTOP_F_U64:
		case MSRTOP_F_VALUE:
			memcpy(r + f->off, &u64, 8);
			break;
		case MSRTOP_F_CODE:
			/* Small codes have names in some tables, large ones none. */
			if (rnd() % 2)
				u64 %= 40;
			if (f->aux == KVM_CODES_BOOL)
				u64 %= 2;
			memcpy(r + f->off, &u64, f->size);
			break;
		}
	}
}

/*
 * The rows json_out_write() writes as text are json-c's bytes, for every kind
 * and every field type, with values from all over their ranges.
 */
static void test_row_text_equals_json_c(void **state)
{
	struct msrtop_snapshot *s = snapshot_new();
	struct json_object *tree;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	const char *want;

	assert_non_null(s);
	for (int i = 0; i < MSRTOP_SRC_NR; i++) /* as the collector sets them */
		s->sources[i] = (struct msrtop_source){
			.name = msrtop_source_name(i), .attach = i % 2 ? "tp_btf" : "tracepoint",
			.patched = i > 4, .state = (enum msrtop_source_state)(i % 4),
			.error = i % 4 == MSRTOP_SRC_FAILED ? EIO : 0};
	for (int k = 0; k < MSRTOP_KIND_NR; k++)
		for (int i = 0; i < 300; i++) {
			void *row = snapshot_add_row(s, (enum msrtop_kind_id)k);

			assert_non_null(row);
			fill_row(&msrtop_kinds[k], row);
		}
	for (int i = 0; i < 20; i++) { /* --watch-msr's changes */
		struct msrtop_msr_change_ev *e = snapshot_add_change(s);

		assert_non_null(e);
		*e = (struct msrtop_msr_change_ev){.time_ns = rnd(), .pid = (uint32_t)rnd(),
						   .tid = (uint32_t)rnd(), .vcpu = (uint32_t)rnd(),
						   .msr = (uint32_t)rnd(), .old_value = rnd(),
						   .new_value = rnd()};
	}
	assert_int_equal(snapshot_finish(s, NULL), 0);
	/* snapshot_finish() made the rates from the deltas: now any rate. */
	for (int k = 0; k < MSRTOP_KIND_NR; k++) {
		const struct msrtop_kind *kind = &msrtop_kinds[k];

		for (size_t i = 0; i < kind_nr(s, kind); i++)
			for (unsigned int f = 0; f < kind->nr_fields; f++)
				if (kind->fields[f].type == MSRTOP_F_COUNTER)
					((struct msrtop_counter *)((char *)kind_row(s, kind, i) +
								   kind->fields[f].off))
						->rate = rnd_rate();
	}
	tree = json_out_build(s, NULL);
	assert_non_null(tree);
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	assert_int_equal(json_out_write(mem, s, NULL, NULL), 0);
	fclose(mem);
	want = json_object_to_json_string_ext(tree, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_int_equal(len, strlen(want) + 1);
	assert_memory_equal(buf, want, len - 1);
	free(buf);
	json_object_put(tree);
	assert_round_trip(s); /* and read back as it was written */
	snapshot_put(s);
}

/* Documents json_in_parse() refuses, each with a line that says why. */
static void test_parse_refuses(void **state)
{
	static const struct {
		const char *doc, *why;
	} cases[] = {
		{"", "not a JSON document"},
		{"{\"version\": 1", "not a JSON document"},
		{"[1, 2]", "not a JSON object"},
		{"{\"version\": 1, \"error\": {\"message\": \"x\"}}", "an error document"},
		{"{\"version\": 99}", "document version 99"},
		{"{\"version\": 1}", "\"seq\" is missing"},
	};
	struct msrtop_snapshot *s = sample(), *back;
	size_t len;
	char *doc = document(s, &len), msg[256], *p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		back = (void *)1;
		assert_int_equal(json_in_parse(cases[i].doc, strlen(cases[i].doc), &back, msg,
					       sizeof(msg)),
				 -EINVAL);
		assert_null(back);
		if (!strstr(msg, cases[i].why))
			fail_msg("'%s': got '%s', want '%s'", cases[i].doc, msg, cases[i].why);
	}
	/* A row's counter made a string: the row is named. */
	p = strstr(doc, "\"msrs\":[{");
	assert_non_null(p);
	p = strstr(p, "\"total\":");
	assert_non_null(p);
	p[1] = 'X'; /* "Xotal": the member is missing */
	assert_int_equal(json_in_parse(doc, len, &back, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "msrs[0]: \"total\" is missing"));
	free(doc);
	snapshot_put(s);
}

/* json_out_write() streams exactly what serializing json_out_build() gives. */
static void test_streamed_equals_tree(void **state)
{
	struct msrtop_filter f = {.pids = {4242}, .nr_pids = 1, .has_vcpu = true, .vcpu = 1};
	struct msrtop_snapshot *s = sample(), *empty = snapshot_new();
	const struct msrtop_filter *filters[] = {NULL, &f};

	assert_non_null(empty);
	assert_int_equal(snapshot_finish(empty, NULL), 0);
	for (int k = 0; k < 4; k++) {
		const struct msrtop_snapshot *snap = k < 2 ? s : empty;
		struct json_object *tree = json_out_build(snap, filters[k % 2]);
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);
		const char *want;

		assert_non_null(tree);
		assert_non_null(mem);
		assert_int_equal(json_out_write(mem, snap, filters[k % 2], NULL), 0);
		fclose(mem);
		want = json_object_to_json_string_ext(tree, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
		assert_int_equal(len, strlen(want) + 1);
		assert_memory_equal(buf, want, len - 1);
		assert_int_equal(buf[len - 1], '\n');
		free(buf);
		json_object_put(tree);
	}
	assert_round_trip(s);
	snapshot_put(s);
	snapshot_put(empty);
}

/*
 * A document many times json_out_write()'s flush size (a few thousand MSR
 * rows): written to a stream as it is made, it is byte for byte the tree's,
 * and json_out_render()'s.
 */
static void test_large_document_streamed(void **state)
{
	struct msrtop_snapshot *s = sb_new(1, 1700000000 * SEC, 100 * SEC, 101 * SEC);
	struct prom_buf rendered = {0};
	struct json_object *tree;
	const char *want;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	sb_sources(s);
	for (uint32_t vcpu = 0; vcpu < 64; vcpu++)
		for (uint32_t msr = 0; msr < 40; msr++)
			sb_msr(s, 5000 + vcpu % 4, MSRTOP_VCPU_KERNEL, vcpu, 0x200 + msr, msr & 1,
			       vcpu * 1000 + msr, msr % 3);
	assert_int_equal(snapshot_finish(s, NULL), 0);
	tree = json_out_build(s, NULL);
	assert_non_null(tree);
	want = json_object_to_json_string_ext(tree, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_true(strlen(want) > 4 * 65536);
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	assert_int_equal(json_out_write(mem, s, NULL, NULL), 0);
	fclose(mem);
	assert_int_equal(len, strlen(want) + 1);
	assert_memory_equal(buf, want, len - 1);
	assert_int_equal(buf[len - 1], '\n');
	assert_int_equal(json_out_render(&rendered, s, NULL, NULL), 0);
	assert_int_equal(rendered.len, len);
	assert_memory_equal(rendered.data, buf, len);
	prom_buf_free(&rendered);
	free(buf);
	json_object_put(tree);
	snapshot_put(s);
}

/* Snapshot k of a series (k = 1..5), finished against prev: MSR rows by pid 77 with totals
 * A 1, 2, 2, 2, 2; B and C 1 throughout; in the fifth, C gone and D (count 5) new. */
static struct msrtop_snapshot *series(int k, struct msrtop_snapshot *prev)
{
	static const struct {
		uint32_t msr;
		uint64_t totals[5];
	} rows[] = {{0x10, {0, 0, 0, 0, 5}},	    /* D */
		    {0x1b, {1, 2, 2, 2, 2}},	    /* A */
		    {0x277, {1, 1, 1, 1, 1}},	    /* B */
		    {0xc0000080, {1, 1, 1, 1, 0}}}; /* C */
	struct msrtop_snapshot *s = snapshot_new();

	assert_non_null(s);
	s->seq = k;
	s->start_mono_ns = 100 * SEC;
	s->mono_ns = (100 + k) * SEC;
	s->time_ns = (1700000000 + k) * SEC;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct msrtop_msr_row *m;

		if (!rows[i].totals[k - 1])
			continue;
		m = snapshot_add_row(s, MSRTOP_KIND_MSRS);
		assert_non_null(m);
		m->pid = 77;
		m->vcpu_src = MSRTOP_VCPU_KERNEL;
		m->msr = rows[i].msr;
		m->count.total = rows[i].totals[k - 1];
	}
	assert_int_equal(snapshot_finish(s, prev), 0);
	return s;
}

static char *write_doc(const struct msrtop_snapshot *s, struct json_out_cache *cache)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	assert_non_null(mem);
	assert_int_equal(json_out_write(mem, s, NULL, cache), 0);
	assert_int_equal(fclose(mem), 0);
	return buf;
}

/*
 * With a cache, each document is byte for byte the one written without, and
 * exactly the rows equal to one of the previous document's are reused: the
 * VM row and the MSR rows, counted by hand from series().
 */
static void test_cache_reuses_idle_rows(void **state)
{
	/* 2: every row's total or delta changed; 3: B and C idle again, A's delta
	 * fell to 0; 4: nothing changed; 5: A and B as before, C gone, D new. */
	static const size_t want_reused[] = {0, 0, 2, 4, 2};
	struct json_out_cache *cache = json_out_cache_new();
	struct msrtop_snapshot *prev = NULL;

	assert_non_null(cache);
	for (int k = 1; k <= 5; k++) {
		struct msrtop_snapshot *s = series(k, prev);
		char *cached = write_doc(s, cache), *plain = write_doc(s, NULL);

		assert_string_equal(cached, plain);
		assert_int_equal(json_out_cache_reused(cache), want_reused[k - 1]);
		free(cached);
		free(plain);
		snapshot_put(prev);
		prev = s;
	}
	snapshot_put(prev);
	json_out_cache_free(cache);
}

static void dump(void)
{
	struct msrtop_filter f = {.pids = {4242}, .nr_pids = 1, .has_vcpu = true, .vcpu = 1};
	struct msrtop_snapshot *s = sample(), *empty = snapshot_new();

	json_out_write(stdout, s, NULL, NULL);
	json_out_write(stdout, s, &f, NULL);
	memcpy(empty->sources, s->sources, sizeof(empty->sources));
	empty->seq = 1;
	snapshot_finish(empty, NULL);
	json_out_write(stdout, empty, NULL, NULL);
	json_out_write_error(stdout, "an error");
	snapshot_put(s);
	snapshot_put(empty);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_sources_and_overflow),
		cmocka_unit_test(test_vms),
		cmocka_unit_test(test_exits),
		cmocka_unit_test(test_msrs),
		cmocka_unit_test(test_patched_and_userspace),
		cmocka_unit_test(test_filter_echoed),
		cmocka_unit_test(test_error_document),
		cmocka_unit_test(test_streamed_equals_tree),
		cmocka_unit_test(test_large_document_streamed),
		cmocka_unit_test(test_row_text_equals_json_c),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_cache_reuses_idle_rows),
	};

	if (argc > 1 && !strcmp(argv[1], "--dump")) {
		dump();
		return 0;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return tap_cmocka_run("json_out", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
