// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer (json_out.h). Every document is built as a json-c object
 * tree and serialized by json-c: no text is escaped here. The layout is
 * documented in docs/json.md and docs/msrtop.schema.json; change the three
 * together and bump MSRTOP_JSON_VERSION on incompatible changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "exit_reasons.h"
#include "json_out.h"
#include "kvm_names.h"
#include "msr_names.h"

static struct json_object *ju64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* Rates with three decimals, instead of json-c's 17 significant digits. */
static struct json_object *jrate(double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.3f", v);
	return json_object_new_double_s(v, buf);
}

static struct json_object *jstr_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *jcounter(const struct msrtop_counter *c)
{
	struct json_object *o = json_object_new_object();

	add(o, "total", ju64(c->total));
	add(o, "delta", ju64(c->delta));
	add(o, "rate", jrate(c->rate));
	return o;
}

/* RFC 3339, UTC, milliseconds. */
static struct json_object *jtime(uint64_t ns)
{
	time_t sec = ns / 1000000000ull;
	char buf[64], date[40];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, sizeof(buf), "%s.%03uZ", date, (unsigned int)(ns % 1000000000ull / 1000000));
	return json_object_new_string(buf);
}

static struct json_object *jhist(const struct msrtop_hist *h)
{
	struct json_object *o = json_object_new_object();
	struct json_object *slots = json_object_new_array();

	add(o, "count", ju64(h->count));
	add(o, "sum_ns", ju64(h->sum_ns));
	add(o, "mean_ns", h->count ? ju64(h->sum_ns / h->count) : NULL);
	for (int i = 0; i < MSRTOP_HIST_SLOTS; i++) {
		struct json_object *b;

		if (!h->slots[i])
			continue;
		b = json_object_new_object();
		add(b, "slot", json_object_new_int(i));
		add(b, "low_ns", ju64(i ? 1ull << i : 0));
		add(b, "high_ns", i < MSRTOP_HIST_SLOTS - 1 ? ju64((2ull << i) - 1) : NULL);
		add(b, "count", ju64(h->slots[i]));
		json_object_array_add(slots, b);
	}
	add(o, "log2_slots", slots);
	return o;
}

static const char *isa_name(uint32_t isa)
{
	switch (isa) {
	case MSRTOP_ISA_VMX:
		return "vmx";
	case MSRTOP_ISA_SVM:
		return "svm";
	}
	return NULL;
}

static void add_vcpu(struct json_object *o, uint32_t pid, uint8_t vcpu_src, uint32_t vcpu)
{
	add(o, "pid", ju64(pid));
	add(o, "vcpu", ju64(vcpu));
	add(o, "vcpu_source", json_object_new_string(msrtop_vcpu_src_name(vcpu_src)));
}

static void add_msr(struct json_object *o, uint32_t msr)
{
	add(o, "msr", ju64(msr));
	add(o, "msr_name", jstr_or_null(msr_name(msr)));
}

static void add_exit_reason(struct json_object *o, const char *prefix, uint8_t isa, uint64_t code)
{
	char key[64], text[128];

	snprintf(key, sizeof(key), "%s", prefix);
	add(o, key, ju64(code));
	snprintf(key, sizeof(key), "%s_name", prefix);
	add(o, key, jstr_or_null(exit_reason_name(isa, code)));
	exit_reason_format(isa, code, text, sizeof(text));
	snprintf(key, sizeof(key), "%s_text", prefix);
	add(o, key, json_object_new_string(text));
}

static struct json_object *jsources(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		const struct msrtop_source *src = &s->sources[i];
		struct json_object *o = json_object_new_object();

		add(o, "name", json_object_new_string(src->name ? src->name : ""));
		add(o, "attach", json_object_new_string(src->attach ? src->attach : ""));
		add(o, "patched", json_object_new_boolean(src->patched));
		add(o, "state", json_object_new_string(msrtop_source_state_name(src->state)));
		add(o, "error", src->error ? json_object_new_string(strerror(src->error)) : NULL);
		add(o, "events", src->state == MSRTOP_SRC_ATTACHED ? jcounter(&src->events) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *joverflow(const struct msrtop_snapshot *s)
{
	struct json_object *o = json_object_new_object();

	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		add(o, msrtop_map_name(m), jcounter(&s->overflow[m]));
	return o;
}

static struct json_object *jtotals(const struct msrtop_totals *t)
{
	struct json_object *o = json_object_new_object();

	add(o, "exits", jcounter(&t->exits));
	add(o, "nested_exits", jcounter(&t->nested_exits));
	add(o, "msr_reads", jcounter(&t->msr_reads));
	add(o, "msr_writes", jcounter(&t->msr_writes));
	add(o, "msr_gp", jcounter(&t->msr_gp));
	add(o, "msr_value_changes", jcounter(&t->msr_changes));
	add(o, "userspace_exits", jcounter(&t->uexits));
	add(o, "msr_intercepts", jcounter(&t->intercepts));
	add(o, "msr_outcomes", jcounter(&t->outcomes));
	add(o, "canonical", jcounter(&t->canonical));
	add(o, "canonical_rejected", jcounter(&t->canonical_rejected));
	add(o, "canonical_fixups", jcounter(&t->canonical_fixups));
	return o;
}

static struct json_object *jvms(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_vms; i++) {
		const struct msrtop_vm *vm = &s->vms[i];
		struct json_object *o = json_object_new_object();

		add(o, "pid", ju64(vm->pid));
		add(o, "comm", jstr_or_null(vm->comm));
		add(o, "name", jstr_or_null(vm->name));
		add(o, "alive", json_object_new_boolean(vm->alive));
		add(o, "vcpus", ju64(vm->nr_vcpus));
		add(o, "exits", jcounter(&vm->exits));
		add(o, "msr_reads", jcounter(&vm->msr_reads));
		add(o, "msr_writes", jcounter(&vm->msr_writes));
		add(o, "msr_gp", jcounter(&vm->msr_gp));
		add(o, "userspace_exits", jcounter(&vm->uexits));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *jexits(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_exits; i++) {
		const struct msrtop_exit_row *r = &s->exits[i];
		struct json_object *o = json_object_new_object();

		add_vcpu(o, r->pid, r->vcpu_src, r->vcpu);
		add(o, "isa", ju64(r->isa));
		add(o, "isa_name", jstr_or_null(isa_name(r->isa)));
		add_exit_reason(o, "reason", r->isa, r->reason);
		add(o, "vmx_flags", r->isa == MSRTOP_ISA_VMX ? ju64(vmx_exit_flags(r->reason)) : NULL);
		add(o, "nested", json_object_new_boolean(r->nested));
		add(o, "count", jcounter(&r->count));
		add(o, "latency", r->nested ? NULL : jhist(&r->latency));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *jmsrs(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_msrs; i++) {
		const struct msrtop_msr_row *r = &s->msrs[i];
		struct json_object *o = json_object_new_object();
		char hex[24];

		add_vcpu(o, r->pid, r->vcpu_src, r->vcpu);
		add_msr(o, r->msr);
		add(o, "access", json_object_new_string(r->write ? "write" : "read"));
		add(o, "count", jcounter(&r->count));
		add(o, "gp", jcounter(&r->gp));
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->last_value);
		add(o, "last_value", r->has_value ? ju64(r->last_value) : NULL);
		add(o, "last_value_hex", r->has_value ? json_object_new_string(hex) : NULL);
		add(o, "value_changes", r->write ? jcounter(&r->changes) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *juexits(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_uexits; i++) {
		const struct msrtop_uexit_row *r = &s->uexits[i];
		struct json_object *o = json_object_new_object();
		char text[64];

		add(o, "pid", ju64(r->pid));
		add(o, "error", json_object_new_boolean(r->error));
		add(o, "reason", ju64(r->reason));
		add(o, "reason_name", json_object_new_string(kvm_uexit_format(r->reason, r->error,
									   text, sizeof(text))));
		add(o, "count", jcounter(&r->count));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *jintercepts(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_intercepts; i++) {
		const struct msrtop_intercept_row *r = &s->intercepts[i];
		struct json_object *o = json_object_new_object();

		add_vcpu(o, r->pid, r->vcpu_src, r->vcpu);
		add(o, "isa", ju64(r->isa));
		add(o, "isa_name", jstr_or_null(isa_name(r->isa)));
		add_exit_reason(o, "exit_code", r->isa, r->exit_code);
		add_msr(o, r->msr);
		add(o, "access", json_object_new_string(r->write ? "write" : "read"));
		add(o, "count", jcounter(&r->count));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *joutcomes(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_outcomes; i++) {
		const struct msrtop_outcome_row *r = &s->outcomes[i];
		struct json_object *o = json_object_new_object();

		add_vcpu(o, r->pid, r->vcpu_src, r->vcpu);
		add_msr(o, r->msr);
		add(o, "access", json_object_new_string(r->write ? "write" : "read"));
		add(o, "outcome", ju64(r->outcome));
		add(o, "outcome_name", jstr_or_null(msr_outcome_name(r->outcome)));
		add(o, "reason", ju64(r->reason));
		add(o, "reason_name", jstr_or_null(msr_outcome_reason_name(r->outcome, r->reason)));
		add(o, "count", jcounter(&r->count));
		add(o, "duration", jhist(&r->duration));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *jcanon(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->nr_canon; i++) {
		const struct msrtop_canon_row *r = &s->canon[i];
		struct json_object *o = json_object_new_object();

		add_vcpu(o, r->pid, r->vcpu_src, r->vcpu);
		add_msr(o, r->msr);
		add(o, "count", jcounter(&r->count));
		add(o, "rejected", jcounter(&r->rejected));
		add(o, "fixups", jcounter(&r->fixups));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *jfilter(const struct msrtop_filter *f)
{
	struct json_object *o = json_object_new_object();
	struct json_object *pids = json_object_new_array();
	bool reason = f && f->has_reason;

	for (size_t i = 0; f && i < f->nr_pids; i++)
		json_object_array_add(pids, ju64(f->pids[i]));
	add(o, "pids", pids);
	add(o, "vcpu", f && f->has_vcpu ? ju64(f->vcpu) : NULL);
	add(o, "msr", f && f->has_msr ? ju64(f->msr) : NULL);
	add(o, "reason_vmx", reason && f->reason_vmx_ok ? ju64(f->reason_vmx) : NULL);
	add(o, "reason_svm", reason && f->reason_svm_ok ? ju64(f->reason_svm) : NULL);
	return o;
}

struct json_object *json_out_build(const struct msrtop_snapshot *s,
				   const struct msrtop_filter *filter)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "version", json_object_new_int(MSRTOP_JSON_VERSION));
	add(o, "seq", ju64(s->seq));
	add(o, "time", jtime(s->time_ns));
	add(o, "time_ns", ju64(s->time_ns));
	add(o, "start_time", jtime(s->start_time_ns));
	add(o, "start_time_ns", ju64(s->start_time_ns));
	add(o, "interval_s", jrate(s->interval_s));
	add(o, "filter", jfilter(filter));
	add(o, "sources", jsources(s));
	add(o, "overflow", joverflow(s));
	add(o, "totals", jtotals(&s->totals));
	add(o, "vms", jvms(s));
	add(o, "exits", jexits(s));
	add(o, "msrs", jmsrs(s));
	add(o, "msr_intercepts", jintercepts(s));
	add(o, "msr_outcomes", joutcomes(s));
	add(o, "canonical", jcanon(s));
	add(o, "userspace_exits", juexits(s));
	return o;
}

static int write_line(FILE *f, struct json_object *o)
{
	const char *text;
	int err = 0;

	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text)
		err = -ENOMEM;
	else if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) == EOF)
		err = -errno;
	json_object_put(o);
	return err;
}

int json_out_write(FILE *f, const struct msrtop_snapshot *s, const struct msrtop_filter *filter)
{
	struct json_object *o = json_out_build(s, filter);

	if (!o)
		return -ENOMEM;
	return write_line(f, o);
}

int json_out_write_error(FILE *f, const char *message)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		return -ENOMEM;
	}
	add(e, "message", json_object_new_string(message));
	add(o, "version", json_object_new_int(MSRTOP_JSON_VERSION));
	add(o, "error", e);
	return write_line(f, o);
}
