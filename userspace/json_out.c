// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer (json_out.h). The document's head and the VMs are made and
 * serialized by json-c; the event kinds' rows, most of a large document, are
 * written as text by the jt_*() functions below, which give json-c's bytes.
 * json_out_render() builds a document row by row (see there);
 * json_out_build() makes the same document as one object tree. The layout is
 * documented in docs/json.md and docs/msrtop.schema.json; change the three
 * together and bump MSRTOP_JSON_VERSION on incompatible changes.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "exit_reasons.h"
#include "format.h"
#include "json_out.h"
#include "kinds.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "prom.h"
#include "row_index.h"

static struct json_object *ju64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* Rates with three decimals, instead of json-c's 17 significant digits. */
static struct json_object *jrate(double v)
{
	struct json_object *o = json_object_new_double(v);

	/* json-c's own double serializer, with its format taken from the userdata. */
	if (o)
		json_object_set_serializer(o, json_object_double_to_json_string, (void *)"%.3f",
					   NULL);
	return o;
}

static struct json_object *jstr_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/*
 * Every key is a string constant, added once per object: json-c neither
 * copies it nor looks it up (a document has some 20 objects per row, and this
 * is most of the time of building one).
 */
static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add_ex(o, key, v,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
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
	add(o, "min_ns", h->count ? ju64(h->min_ns) : NULL);
	add(o, "max_ns", h->count ? ju64(h->max_ns) : NULL);
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

/* An exit reason as its code (json[0]), name (json[1]) and text with flags (json[2]). */
static void add_exit_reason(struct json_object *o, const char *const *json, uint8_t isa,
			    uint64_t code)
{
	char text[128];

	add(o, json[0], ju64(code));
	add(o, json[1], jstr_or_null(exit_reason_name(isa, code)));
	exit_reason_format(isa, code, text, sizeof(text));
	add(o, json[2], json_object_new_string(text));
}

/* The members of one field of a row (kinds.h). */
static void add_field(struct json_object *o, const struct msrtop_field *f, const void *row)
{
	const char *const *key = f->json;
	char text[64];

	if ((f->null == MSRTOP_NULL_IF && kind_bool(row, f->null_off)) ||
	    (f->null == MSRTOP_NULL_UNLESS && !kind_bool(row, f->null_off))) {
		add(o, key[0], NULL);
		return;
	}
	switch (f->type) {
	case MSRTOP_F_PID:
		add(o, key[0], ju64(kind_u32(row, f->off)));
		break;
	case MSRTOP_F_VCPU:
		add(o, key[0], ju64(kind_u32(row, 0)));
		add(o, key[1], ju64(kind_u32(row, f->off)));
		add(o, key[2], json_object_new_string(msrtop_vcpu_src_name(kind_u8(row, f->aux))));
		break;
	case MSRTOP_F_ISA:
		add(o, key[0], ju64(kind_u8(row, f->off)));
		add(o, key[1], jstr_or_null(format_isa_name(kind_u8(row, f->off))));
		break;
	case MSRTOP_F_EXIT_REASON:
		add_exit_reason(o, key, kind_u8(row, f->aux), kind_uint(row, f->off, f->size));
		break;
	case MSRTOP_F_VMX_FLAGS:
		add(o, key[0],
		    kind_u8(row, f->aux) == MSRTOP_ISA_VMX
			    ? ju64(vmx_exit_flags(kind_u32(row, f->off)))
			    : NULL);
		break;
	case MSRTOP_F_BOOL:
		add(o, key[0], json_object_new_boolean(kind_bool(row, f->off)));
		break;
	case MSRTOP_F_MSR:
		add(o, key[0], ju64(kind_u32(row, f->off)));
		add(o, key[1], jstr_or_null(msr_name(kind_u32(row, f->off))));
		break;
	case MSRTOP_F_ACCESS:
		add(o, key[0], json_object_new_string(format_access(kind_bool(row, f->off))));
		break;
	case MSRTOP_F_UEXIT:
		add(o, key[0], json_object_new_boolean(kind_bool(row, f->aux)));
		add(o, key[1], ju64(kind_u32(row, f->off)));
		kvm_uexit_format(kind_u32(row, f->off), kind_bool(row, f->aux), text, sizeof(text));
		add(o, key[2], json_object_new_string(text));
		break;
	case MSRTOP_F_OUTCOME:
		add(o, key[0], ju64(kind_u8(row, f->off)));
		add(o, key[1], jstr_or_null(msr_outcome_name(kind_u8(row, f->off))));
		break;
	case MSRTOP_F_OUTCOME_REASON:
		add(o, key[0], ju64(kind_u8(row, f->off)));
		add(o, key[1],
		    jstr_or_null(
			    msr_outcome_reason_name(kind_u8(row, f->aux), kind_u8(row, f->off))));
		break;
	case MSRTOP_F_COUNTER:
		add(o, key[0], jcounter(kind_counter(row, f->off)));
		break;
	case MSRTOP_F_HIST:
		add(o, key[0], jhist(kind_hist(row, f->off)));
		break;
	case MSRTOP_F_LAST_VALUE: {
		uint64_t v = *(const uint64_t *)kind_at(row, f->off);
		bool has = kind_bool(row, f->aux);

		add(o, key[0], has ? ju64(v) : NULL);
		add(o, key[1], has ? json_object_new_string(format_hex(v, text, sizeof(text))) : NULL);
		break;
	}
	case MSRTOP_F_VALUE: {
		uint64_t v = *(const uint64_t *)kind_at(row, f->off);

		add(o, key[0], ju64(v));
		add(o, key[1], json_object_new_string(format_hex(v, text, sizeof(text))));
		break;
	}
	case MSRTOP_F_KVM_STAT: {
		uint32_t vcpu = kind_u32(row, f->off + 4);

		add(o, key[0], ju64(kind_u32(row, f->off)));
		add(o, key[1], vcpu == MSRTOP_KVM_STAT_VM ? NULL : ju64(vcpu));
		add(o, key[2], json_object_new_string(kind_at(row, f->off + 8)));
		break;
	}
	case MSRTOP_F_U64:
		add(o, key[0], ju64(*(const uint64_t *)kind_at(row, f->off)));
		break;
	case MSRTOP_F_CODE: {
		uint64_t v = kind_uint(row, f->off, f->size);
		const char *name = kvm_code_name(f->aux, v);

		if (f->aux == KVM_CODES_BOOL)
			add(o, key[0], json_object_new_boolean(v != 0));
		else if (!key[1] && name)
			add(o, key[0], json_object_new_string(name));
		else
			add(o, key[0], ju64(v));
		if (!key[1])
			break;
		if (f->aux == KVM_CODES_HEX)
			add(o, key[1], json_object_new_string(format_hex(v, text, sizeof(text))));
		else
			add(o, key[1], jstr_or_null(name));
		break;
	}
	}
}

/* Row i of the table of kind k: its fields in order. */
static struct json_object *jrow(const struct msrtop_snapshot *s, const struct msrtop_kind *k,
				size_t i)
{
	const void *row = kind_row(s, k, i);
	struct json_object *o = json_object_new_object();

	for (unsigned int f = 0; o && f < k->nr_fields; f++)
		add_field(o, &k->fields[f], row);
	return o;
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

/* overflow or errors: a counter per map. */
static struct json_object *jper_map(const struct msrtop_counter *lost)
{
	struct json_object *o = json_object_new_object();

	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		add(o, msrtop_map_name(m), jcounter(&lost[m]));
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
	add(o, "msr_samples", jcounter(&t->msr_samples));
	add(o, "msr_sample_changes", jcounter(&t->msr_sample_changes));
	return o;
}

/* --watch-msr: the changes seen since the previous snapshot, oldest first. */
static struct json_object *jchanges(const struct msrtop_snapshot *s)
{
	struct json_object *a = json_object_new_array();
	char text[32];

	for (size_t i = 0; a && i < s->nr_changes; i++) {
		const struct msrtop_msr_change_ev *e = &s->changes[i];
		struct json_object *o = json_object_new_object();

		add(o, "time", jtime(e->time_ns));
		add(o, "time_ns", ju64(e->time_ns));
		add(o, "pid", ju64(e->pid));
		add(o, "tid", ju64(e->tid));
		add(o, "vcpu", ju64(e->vcpu));
		add(o, "msr", ju64(e->msr));
		add(o, "msr_name", jstr_or_null(msr_name(e->msr)));
		add(o, "old_value", ju64(e->old_value));
		add(o, "old_value_hex",
		    json_object_new_string(format_hex(e->old_value, text, sizeof(text))));
		add(o, "new_value", ju64(e->new_value));
		add(o, "new_value_hex",
		    json_object_new_string(format_hex(e->new_value, text, sizeof(text))));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *jvm(const struct msrtop_snapshot *s, size_t i)
{
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
	return o;
}

static struct json_object *jfilter(const struct msrtop_filter *f)
{
	struct json_object *o = json_object_new_object();
	struct json_object *pids = json_object_new_array();
	struct json_object *guests = json_object_new_array();
	bool reason = f && f->has_reason;

	for (size_t i = 0; f && i < f->nr_pids; i++)
		json_object_array_add(pids, ju64(f->pids[i]));
	for (size_t i = 0; f && i < f->nr_guests; i++)
		json_object_array_add(guests, json_object_new_string(f->guests[i]));
	add(o, "pids", pids);
	add(o, "guests", guests);
	add(o, "vcpu", f && f->has_vcpu ? ju64(f->vcpu) : NULL);
	add(o, "msr", f && f->has_msr ? ju64(f->msr) : NULL);
	add(o, "reason_vmx", reason && f->reason_vmx_ok ? ju64(f->reason_vmx) : NULL);
	add(o, "reason_svm", reason && f->reason_svm_ok ? ju64(f->reason_svm) : NULL);
	return o;
}

/*
 * The tables, in document order: the VMs, then one per event kind (kinds.h).
 * Table t > 0 is msrtop_kinds[t - 1]; each row is one json-c object.
 */
#define NR_TABLES (1 + MSRTOP_KIND_NR)

static const char *table_key(size_t t)
{
	return t ? msrtop_kinds[t - 1].name : "vms";
}

static size_t table_rows(const struct msrtop_snapshot *s, size_t t)
{
	return t ? kind_nr(s, &msrtop_kinds[t - 1]) : s->nr_vms;
}

static size_t table_row_size(size_t t)
{
	return t ? msrtop_kinds[t - 1].row_size : sizeof(struct msrtop_vm);
}

static const void *table_row(const struct msrtop_snapshot *s, size_t t, size_t i)
{
	return t ? kind_row(s, &msrtop_kinds[t - 1], i) : &s->vms[i];
}

static struct json_object *table_json(const struct msrtop_snapshot *s, size_t t, size_t i)
{
	return t ? jrow(s, &msrtop_kinds[t - 1], i) : jvm(s, i);
}

/* Everything but the tables. */
static struct json_object *jhead(const struct msrtop_snapshot *s,
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
	add(o, "overflow", jper_map(s->overflow));
	add(o, "errors", jper_map(s->errors));
	add(o, "totals", jtotals(&s->totals));
	add(o, "msr_changes", jchanges(s));
	return o;
}

struct json_object *json_out_build(const struct msrtop_snapshot *s,
				   const struct msrtop_filter *filter)
{
	struct json_object *o = jhead(s, filter);

	if (!o)
		return NULL;
	for (size_t t = 0; t < NR_TABLES; t++) {
		struct json_object *a = json_object_new_array();
		size_t n = table_rows(s, t);

		for (size_t i = 0; a && i < n; i++)
			json_object_array_add(a, table_json(s, t, i));
		add(o, table_key(t), a);
	}
	return o;
}

static const char *serialize(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- rows written as text ---------------------------------------------------- */

/*
 * A row of an event kind written straight as JSON text: the same bytes
 * serializing jrow()'s json-c object gives (PLAIN, NOSLASHESCAPE: no spaces,
 * '/' not escaped, control characters as \u00xx), without making the object.
 * json_out_build() keeps the json-c tree; tests/unit/test_json_out.c checks
 * that json_out_render()'s document is byte for byte the tree's.
 */
struct jtext {
	char *p;
	size_t len, cap;
	bool first; /* no member/element written yet in the innermost object/array */
	bool oom;
};

static void jt_reserve(struct jtext *t, size_t n)
{
	char *p;
	size_t cap;

	if (t->oom || t->len + n + 1 <= t->cap)
		return;
	cap = t->cap ? t->cap : 1024;
	while (cap < t->len + n + 1)
		cap *= 2;
	p = realloc(t->p, cap);
	if (!p) {
		t->oom = true;
		return;
	}
	t->p = p;
	t->cap = cap;
}

static void jt_raw(struct jtext *t, const char *s, size_t n)
{
	jt_reserve(t, n);
	if (t->oom)
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void jt_char(struct jtext *t, char c)
{
	jt_raw(t, &c, 1);
}

static void jt_open(struct jtext *t, char c)
{
	jt_char(t, c);
	t->first = true;
}

static void jt_close(struct jtext *t, char c)
{
	jt_char(t, c);
	t->first = false;
}

/* Before an array element. */
static void jt_elem(struct jtext *t)
{
	if (!t->first)
		jt_char(t, ',');
	t->first = false;
}

/* A string value, escaped as json-c escapes it with JSON_C_TO_STRING_NOSLASHESCAPE. */
static void jt_str(struct jtext *t, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	jt_char(t, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char esc[7] = "\\u00";

		switch (*c) {
		case '"': jt_raw(t, "\\\"", 2); break;
		case '\\': jt_raw(t, "\\\\", 2); break;
		case '\b': jt_raw(t, "\\b", 2); break;
		case '\f': jt_raw(t, "\\f", 2); break;
		case '\n': jt_raw(t, "\\n", 2); break;
		case '\r': jt_raw(t, "\\r", 2); break;
		case '\t': jt_raw(t, "\\t", 2); break;
		default:
			if (*c < ' ') {
				esc[4] = hex[*c >> 4];
				esc[5] = hex[*c & 0xf];
				jt_raw(t, esc, 6);
			} else {
				jt_char(t, (char)*c);
			}
		}
	}
	jt_char(t, '"');
}

/* The member name: `"key":`, after a comma unless it is the first. */
static void jt_key(struct jtext *t, const char *key)
{
	if (!t->first)
		jt_char(t, ',');
	t->first = false;
	jt_char(t, '"');
	jt_raw(t, key, strlen(key)); /* keys are constants that need no escaping */
	jt_raw(t, "\":", 2);
}

static void jt_u64(struct jtext *t, uint64_t v)
{
	char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jt_raw(t, buf + i, sizeof(buf) - i);
}

static void jt_null(struct jtext *t)
{
	jt_raw(t, "null", 4);
}

static void jt_bool(struct jtext *t, bool v)
{
	if (v)
		jt_raw(t, "true", 4);
	else
		jt_raw(t, "false", 5);
}

/* key: a string, or null when s is NULL or empty (jstr_or_null()). */
static void jt_key_str_or_null(struct jtext *t, const char *key, const char *s)
{
	jt_key(t, key);
	if (s && *s)
		jt_str(t, s);
	else
		jt_null(t);
}

static void jt_key_u64(struct jtext *t, const char *key, uint64_t v)
{
	jt_key(t, key);
	jt_u64(t, v);
}

/*
 * A rate as jrate() has json-c print it ("%.3f"). Digits by hand where the
 * rounding is beyond doubt, printf where v * 1000 lies near a tie or the
 * value is not a plain non-negative number.
 */
static void jt_rate(struct jtext *t, double v)
{
	char buf[64];
	double scaled = v * 1000.0, whole;

	/* Below 1e11 the product's error (under 2^-16) cannot move a value
	 * more than 0.0001 from a tie across it. */
	if (v >= 0 && scaled < 1e11) {
		double frac;
		uint64_t m;

		whole = (double)(uint64_t)scaled;
		frac = scaled - whole;
		if (frac < 0.4999 || frac > 0.5001) {
			char dec[4];

			m = (uint64_t)whole + (frac > 0.5);
			jt_u64(t, m / 1000);
			dec[0] = '.';
			dec[1] = (char)('0' + m % 1000 / 100);
			dec[2] = (char)('0' + m % 100 / 10);
			dec[3] = (char)('0' + m % 10);
			jt_raw(t, dec, 4);
			return;
		}
	}
	if (isnan(v))
		snprintf(buf, sizeof(buf), "NaN"); /* json-c's words, though not JSON */
	else if (isinf(v))
		snprintf(buf, sizeof(buf), v > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(buf, sizeof(buf), "%.3f", v);
	jt_raw(t, buf, strlen(buf));
}

static void jt_counter(struct jtext *t, const struct msrtop_counter *c)
{
	jt_open(t, '{');
	jt_key_u64(t, "total", c->total);
	jt_key_u64(t, "delta", c->delta);
	jt_key(t, "rate");
	jt_rate(t, c->rate);
	jt_close(t, '}');
}

static void jt_key_u64_or_null(struct jtext *t, const char *key, bool has, uint64_t v)
{
	jt_key(t, key);
	if (has)
		jt_u64(t, v);
	else
		jt_null(t);
}

static void jt_hist(struct jtext *t, const struct msrtop_hist *h)
{
	jt_open(t, '{');
	jt_key_u64(t, "count", h->count);
	jt_key_u64(t, "sum_ns", h->sum_ns);
	jt_key_u64_or_null(t, "mean_ns", h->count, h->count ? h->sum_ns / h->count : 0);
	jt_key_u64_or_null(t, "min_ns", h->count, h->min_ns);
	jt_key_u64_or_null(t, "max_ns", h->count, h->max_ns);
	jt_key(t, "log2_slots");
	jt_open(t, '[');
	for (int i = 0; i < MSRTOP_HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		jt_elem(t);
		jt_open(t, '{');
		jt_key_u64(t, "slot", (uint64_t)i);
		jt_key_u64(t, "low_ns", i ? 1ull << i : 0);
		jt_key_u64_or_null(t, "high_ns", i < MSRTOP_HIST_SLOTS - 1, (2ull << i) - 1);
		jt_key_u64(t, "count", h->slots[i]);
		jt_close(t, '}');
	}
	jt_close(t, ']');
	jt_close(t, '}');
}

/* add_field(), as text. */
static void jt_field(struct jtext *t, const struct msrtop_field *f, const void *row)
{
	const char *const *key = f->json;
	char text[128];

	if ((f->null == MSRTOP_NULL_IF && kind_bool(row, f->null_off)) ||
	    (f->null == MSRTOP_NULL_UNLESS && !kind_bool(row, f->null_off))) {
		jt_key(t, key[0]);
		jt_null(t);
		return;
	}
	switch (f->type) {
	case MSRTOP_F_PID:
		jt_key_u64(t, key[0], kind_u32(row, f->off));
		break;
	case MSRTOP_F_VCPU:
		jt_key_u64(t, key[0], kind_u32(row, 0));
		jt_key_u64(t, key[1], kind_u32(row, f->off));
		jt_key(t, key[2]);
		jt_str(t, msrtop_vcpu_src_name(kind_u8(row, f->aux)));
		break;
	case MSRTOP_F_ISA:
		jt_key_u64(t, key[0], kind_u8(row, f->off));
		jt_key_str_or_null(t, key[1], format_isa_name(kind_u8(row, f->off)));
		break;
	case MSRTOP_F_EXIT_REASON: {
		uint8_t isa = kind_u8(row, f->aux);
		uint64_t code = kind_uint(row, f->off, f->size);

		jt_key_u64(t, key[0], code);
		jt_key_str_or_null(t, key[1], exit_reason_name(isa, code));
		exit_reason_format(isa, code, text, sizeof(text));
		jt_key(t, key[2]);
		jt_str(t, text);
		break;
	}
	case MSRTOP_F_VMX_FLAGS:
		jt_key_u64_or_null(t, key[0], kind_u8(row, f->aux) == MSRTOP_ISA_VMX,
				   vmx_exit_flags(kind_u32(row, f->off)));
		break;
	case MSRTOP_F_BOOL:
		jt_key(t, key[0]);
		jt_bool(t, kind_bool(row, f->off));
		break;
	case MSRTOP_F_MSR:
		jt_key_u64(t, key[0], kind_u32(row, f->off));
		jt_key_str_or_null(t, key[1], msr_name(kind_u32(row, f->off)));
		break;
	case MSRTOP_F_ACCESS:
		jt_key(t, key[0]);
		jt_str(t, format_access(kind_bool(row, f->off)));
		break;
	case MSRTOP_F_UEXIT:
		jt_key(t, key[0]);
		jt_bool(t, kind_bool(row, f->aux));
		jt_key_u64(t, key[1], kind_u32(row, f->off));
		kvm_uexit_format(kind_u32(row, f->off), kind_bool(row, f->aux), text, sizeof(text));
		jt_key(t, key[2]);
		jt_str(t, text);
		break;
	case MSRTOP_F_OUTCOME:
		jt_key_u64(t, key[0], kind_u8(row, f->off));
		jt_key_str_or_null(t, key[1], msr_outcome_name(kind_u8(row, f->off)));
		break;
	case MSRTOP_F_OUTCOME_REASON:
		jt_key_u64(t, key[0], kind_u8(row, f->off));
		jt_key_str_or_null(t, key[1],
				   msr_outcome_reason_name(kind_u8(row, f->aux),
							   kind_u8(row, f->off)));
		break;
	case MSRTOP_F_COUNTER:
		jt_key(t, key[0]);
		jt_counter(t, kind_counter(row, f->off));
		break;
	case MSRTOP_F_HIST:
		jt_key(t, key[0]);
		jt_hist(t, kind_hist(row, f->off));
		break;
	case MSRTOP_F_LAST_VALUE: {
		uint64_t v = *(const uint64_t *)kind_at(row, f->off);
		bool has = kind_bool(row, f->aux);

		jt_key_u64_or_null(t, key[0], has, v);
		jt_key(t, key[1]);
		if (has)
			jt_str(t, format_hex(v, text, sizeof(text)));
		else
			jt_null(t);
		break;
	}
	case MSRTOP_F_VALUE: {
		uint64_t v = *(const uint64_t *)kind_at(row, f->off);

		jt_key_u64(t, key[0], v);
		jt_key(t, key[1]);
		jt_str(t, format_hex(v, text, sizeof(text)));
		break;
	}
	case MSRTOP_F_KVM_STAT: {
		uint32_t vcpu = kind_u32(row, f->off + 4);

		jt_key_u64(t, key[0], kind_u32(row, f->off));
		jt_key_u64_or_null(t, key[1], vcpu != MSRTOP_KVM_STAT_VM, vcpu);
		jt_key(t, key[2]);
		jt_str(t, kind_at(row, f->off + 8));
		break;
	}
	case MSRTOP_F_U64:
		jt_key_u64(t, key[0], *(const uint64_t *)kind_at(row, f->off));
		break;
	case MSRTOP_F_CODE: {
		uint64_t v = kind_uint(row, f->off, f->size);
		const char *name = kvm_code_name(f->aux, v);

		if (f->aux == KVM_CODES_BOOL) {
			jt_key(t, key[0]);
			jt_bool(t, v != 0);
		} else if (!key[1] && name) {
			jt_key(t, key[0]);
			jt_str(t, name);
		} else {
			jt_key_u64(t, key[0], v);
		}
		if (!key[1])
			break;
		if (f->aux == KVM_CODES_HEX) {
			jt_key(t, key[1]);
			jt_str(t, format_hex(v, text, sizeof(text)));
		} else {
			jt_key_str_or_null(t, key[1], name);
		}
		break;
	}
	}
}

/* jrow() as text into t (emptied first). 0, or -ENOMEM. */
static int jt_row(struct jtext *t, const struct msrtop_snapshot *s, const struct msrtop_kind *k,
		  size_t i)
{
	const void *row = kind_row(s, k, i);

	t->len = 0;
	jt_open(t, '{');
	for (unsigned int f = 0; f < k->nr_fields; f++)
		jt_field(t, &k->fields[f], row);
	jt_close(t, '}');
	return t->oom ? -ENOMEM : 0;
}

/* ---- the row text cache ------------------------------------------------------ */

/* One row's serialized text, and the hash of the row it was made from. */
struct row_text {
	char *text;
	size_t len;
	uint64_t hash;
};

/*
 * A row's text is a function of the row struct alone (its key, counters and
 * histograms; names come from static tables). So a row whose bytes equal a
 * row of the previous document has the previous row's text: idle rows (no
 * change since the previous interval but the delta and rate that went to 0)
 * are written without json-c. Equal bytes imply equal fields; rows are
 * zeroed when made, so equal fields give equal bytes in practice, and when
 * they do not (padding), the row is only serialized again.
 */
struct json_out_cache {
	struct msrtop_snapshot *prev;	   /* the snapshot of the texts below (a reference) */
	struct row_text *texts[NR_TABLES]; /* per row of prev's table */
	size_t nr[NR_TABLES];		   /* rows in texts[] */
	uint32_t *index[NR_TABLES];	   /* open addressing: row index + 1 by hash, 0 empty */
	size_t index_mask[NR_TABLES];
	size_t reused; /* rows written from the cache by the last json_out_render() */
};

struct json_out_cache *json_out_cache_new(void)
{
	return calloc(1, sizeof(struct json_out_cache));
}

static void cache_drop_table(struct json_out_cache *c, size_t t)
{
	for (size_t i = 0; c->texts[t] && i < c->nr[t]; i++)
		free(c->texts[t][i].text);
	free(c->texts[t]);
	free(c->index[t]);
	c->texts[t] = NULL;
	c->nr[t] = 0;
	c->index[t] = NULL;
	c->index_mask[t] = 0;
}

static void cache_reset(struct json_out_cache *c)
{
	for (size_t t = 0; t < NR_TABLES; t++)
		cache_drop_table(c, t);
	snapshot_put(c->prev);
	c->prev = NULL;
}

size_t json_out_cache_reused(const struct json_out_cache *c)
{
	return c ? c->reused : 0;
}

void json_out_cache_free(struct json_out_cache *c)
{
	if (!c)
		return;
	cache_reset(c);
	free(c);
}

/* The previous document's text for a row with these bytes, taken out of the
 * cache (the caller owns it), or NULL. */
static char *cache_take(struct json_out_cache *c, size_t t, const void *row, uint64_t hash,
			size_t *len)
{
	size_t size = table_row_size(t);
	size_t mask = c->index_mask[t];

	if (!c->index[t])
		return NULL;
	for (size_t k = hash & mask;; k = (k + 1) & mask) {
		uint32_t j = c->index[t][k];
		struct row_text *rt;

		if (!j)
			return NULL;
		rt = &c->texts[t][j - 1];
		if (rt->hash == hash && rt->text &&
		    !memcmp(table_row(c->prev, t, j - 1), row, size)) {
			char *text = rt->text;

			*len = rt->len;
			rt->text = NULL;
			return text;
		}
	}
}

/* Makes texts (n rows of s's table t) the cache's, indexed by hash. */
static int cache_keep(struct json_out_cache *c, size_t t, struct row_text *texts, size_t n)
{
	size_t size = row_index_slots(n, 16), mask = size - 1;
	uint32_t *index = calloc(size, sizeof(*index));

	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		row_index_put(index, mask, texts[i].hash, i);
	cache_drop_table(c, t);
	c->texts[t] = texts;
	c->nr[t] = n;
	c->index[t] = index;
	c->index_mask[t] = mask;
	return 0;
}

/* Row i of table t as text: from the cache when an equal row was written
 * last time, else written (an event kind's row, jt_row()) or made by json-c
 * (a VM). *text is malloc'ed; 0 or -ENOMEM. */
static int row_text(struct json_out_cache *c, const struct msrtop_snapshot *s, size_t t, size_t i,
		    struct jtext *scratch, struct row_text *out)
{
	const void *row = table_row(s, t, i);
	size_t size = table_row_size(t);
	struct row_text *same = NULL;
	struct json_object *o;
	const char *text;

	/* Rows keep their order from one snapshot to the next unless rows were
	 * added before them: try the same position first, without hashing. */
	if (c && c->prev && i < c->nr[t] && c->texts[t][i].text &&
	    !memcmp(table_row(c->prev, t, i), row, size))
		same = &c->texts[t][i];
	if (same) {
		*out = *same;
		same->text = NULL;
	} else {
		out->hash = row_index_hash(row, size);
		out->text = c ? cache_take(c, t, row, out->hash, &out->len) : NULL;
	}
	if (out->text) {
		c->reused++;
		return 0;
	}
	if (t) { /* an event kind's row: written directly, then copied to its size */
		if (jt_row(scratch, s, &msrtop_kinds[t - 1], i))
			return -ENOMEM;
		out->text = malloc(scratch->len + 1);
		if (!out->text)
			return -ENOMEM;
		memcpy(out->text, scratch->p, scratch->len + 1);
		out->len = scratch->len;
		return 0;
	}
	o = table_json(s, t, i);
	text = o ? serialize(o) : NULL;
	if (text) {
		out->len = strlen(text);
		out->text = malloc(out->len + 1);
		if (out->text)
			memcpy(out->text, text, out->len + 1);
	}
	json_object_put(o);
	return out->text ? 0 : -ENOMEM;
}

/* With f: out's text so far written to f and out emptied once it holds
 * this much, so that a large document never sits whole in memory. */
#define JSON_OUT_FLUSH_AT 65536

/* out's text to f, out emptied. 0, or a negative errno. */
static int flush_to(struct prom_buf *out, FILE *f)
{
	if (out->oom)
		return -ENOMEM;
	if (out->len && fwrite_unlocked(out->data, 1, out->len, f) != out->len)
		return errno ? -errno : -EIO;
	out->len = 0;
	return 0;
}

/*
 * The same document as json_out_build(), one row at a time: the head and
 * the VMs serialized by json-c, the event kinds' rows written as text
 * (jt_row()), so a large snapshot costs no more memory than its text. With a
 * cache, rows equal to one of the previous document's reuse its text. The
 * text goes straight into out: a stdio stream in between copied every byte
 * once more (about 7 % of an idle daemon's profile at 100,000 rows).
 * With f (not NULL), out is written to f as it goes.
 */
static int render(struct prom_buf *out, FILE *f, const struct msrtop_snapshot *s,
		  const struct msrtop_filter *filter, struct json_out_cache *cache)
{
	struct json_object *head = jhead(s, filter);
	struct jtext scratch = {0}; /* one row's text, before it is copied to its size */
	const char *text;
	size_t len;
	int err = 0;

	if (!head)
		return -ENOMEM;
	text = serialize(head);
	len = text ? strlen(text) : 0;
	if (len < 2 || text[len - 1] != '}') {
		json_object_put(head);
		return -ENOMEM;
	}
	prom_buf_append(out, text, len - 1); /* without its closing brace */
	json_object_put(head);

	if (cache)
		cache->reused = 0;
	for (size_t t = 0; !err && t < NR_TABLES; t++) {
		size_t n = table_rows(s, t);
		struct row_text *texts = calloc(n ? n : 1, sizeof(*texts));

		if (!texts) {
			err = -ENOMEM;
			break;
		}
		prom_buf_printf(out, ",\"%s\":[", table_key(t));
		for (size_t i = 0; !err && i < n; i++) {
			err = row_text(cache, s, t, i, &scratch, &texts[i]);
			if (err)
				break;
			if (i)
				prom_buf_append(out, ",", 1);
			prom_buf_append(out, texts[i].text, texts[i].len);
			if (f && out->len >= JSON_OUT_FLUSH_AT)
				err = flush_to(out, f);
		}
		prom_buf_append(out, "]", 1);
		if (!err && cache)
			err = cache_keep(cache, t, texts, n);
		if (err || !cache) {
			for (size_t i = 0; i < n; i++)
				free(texts[i].text);
			free(texts);
		}
	}
	free(scratch.p);
	if (cache) {
		if (err) {
			cache_reset(cache);
		} else {
			/* Immutable once finished: the reference only keeps its rows. */
			snapshot_put(cache->prev);
			cache->prev = snapshot_get((struct msrtop_snapshot *)s);
		}
	}
	if (err)
		return err;
	prom_buf_append(out, "}\n", 2);
	if (f)
		return flush_to(out, f);
	return out->oom ? -ENOMEM : 0;
}

int json_out_render(struct prom_buf *out, const struct msrtop_snapshot *s,
		    const struct msrtop_filter *filter, struct json_out_cache *cache)
{
	return render(out, NULL, s, filter, cache);
}

int json_out_write(FILE *f, const struct msrtop_snapshot *s, const struct msrtop_filter *filter,
		   struct json_out_cache *cache)
{
	struct prom_buf text = {0};
	int err = render(&text, f, s, filter, cache);

	if (!err && fflush(f) == EOF)
		err = errno ? -errno : -EIO;
	prom_buf_free(&text);
	return err;
}

static int write_line(FILE *f, struct json_object *o)
{
	const char *text = serialize(o);
	int err = 0;

	if (!text)
		err = -ENOMEM;
	else if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) == EOF)
		err = errno ? -errno : -EIO;
	json_object_put(o);
	return err;
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
