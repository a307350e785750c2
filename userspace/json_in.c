// SPDX-License-Identifier: GPL-2.0
/*
 * A JSON document of msrtop (json_out.c's, docs/json.md) read back into a
 * snapshot, for --replay: the head, the sources, the VMs and every event
 * kind's rows, each field by its descriptor in the kind table (kinds.h), the
 * reverse of jt_field(). Names in the document (reason_name, msr_name...)
 * are made again from the numbers when shown, so only the numbers are read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "format.h"
#include "json_in.h"
#include "json_out.h"
#include "kinds.h"
#include "kvm_debugfs.h"
#include "kvm_names.h"

struct parse {
	char *msg;
	size_t msg_len;
	bool failed;
};

static void __attribute__((format(printf, 2, 3))) fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->msg, p->msg_len, fmt, ap);
	va_end(ap);
}

/* Member key of o, which must exist (null is allowed: NULL is returned). */
static struct json_object *member(struct parse *p, struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		fail(p, "\"%s\" is missing", key);
	return v;
}

static uint64_t get_u64(struct parse *p, struct json_object *o, const char *key)
{
	struct json_object *v = member(p, o, key);

	if (p->failed)
		return 0;
	/* (json-c reads values above INT64_MAX as unsigned: get_int64 is then INT64_MAX) */
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
		fail(p, "\"%s\" is not a non-negative integer", key);
		return 0;
	}
	return json_object_get_uint64(v);
}

/* A u64 member that may be null: false when null. */
static bool get_u64_or_null(struct parse *p, struct json_object *o, const char *key,
			    uint64_t *out)
{
	struct json_object *v = member(p, o, key);

	*out = 0;
	if (p->failed || !v)
		return false;
	*out = get_u64(p, o, key);
	return !p->failed;
}

static bool get_bool(struct parse *p, struct json_object *o, const char *key)
{
	struct json_object *v = member(p, o, key);

	if (p->failed)
		return false;
	if (!json_object_is_type(v, json_type_boolean)) {
		fail(p, "\"%s\" is not true or false", key);
		return false;
	}
	return json_object_get_boolean(v);
}

static double get_number(struct parse *p, struct json_object *o, const char *key)
{
	struct json_object *v = member(p, o, key);

	if (p->failed)
		return 0;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
		fail(p, "\"%s\" is not a number", key);
		return 0;
	}
	return json_object_get_double(v);
}

/* A string member, or NULL when null. */
static const char *get_str_or_null(struct parse *p, struct json_object *o, const char *key)
{
	struct json_object *v = member(p, o, key);

	if (p->failed || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		fail(p, "\"%s\" is not a string", key);
		return NULL;
	}
	return json_object_get_string(v);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void get_counter(struct parse *p, struct json_object *o, const char *key,
			struct msrtop_counter *c)
{
	struct json_object *v = member(p, o, key);

	c->total = get_u64(p, v, "total");
	c->delta = get_u64(p, v, "delta");
	c->rate = get_number(p, v, "rate");
}

static void get_hist(struct parse *p, struct json_object *o, const char *key,
		     struct msrtop_hist *h)
{
	struct json_object *v = member(p, o, key), *slots;
	uint64_t ignored;

	memset(h, 0, sizeof(*h));
	h->count = get_u64(p, v, "count");
	h->sum_ns = get_u64(p, v, "sum_ns");
	get_u64_or_null(p, v, "mean_ns", &ignored);
	get_u64_or_null(p, v, "min_ns", &h->min_ns);
	get_u64_or_null(p, v, "max_ns", &h->max_ns);
	slots = member(p, v, "log2_slots");
	if (p->failed)
		return;
	if (!json_object_is_type(slots, json_type_array)) {
		fail(p, "\"log2_slots\" is not an array");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(slots); i++) {
		struct json_object *b = json_object_array_get_idx(slots, i);
		uint64_t slot = get_u64(p, b, "slot");

		if (!p->failed && slot >= MSRTOP_HIST_SLOTS)
			fail(p, "histogram slot %llu is out of range", (unsigned long long)slot);
		if (p->failed)
			return;
		h->slots[slot] = get_u64(p, b, "count");
	}
}

static void put_u32(void *row, uint16_t off, uint64_t v)
{
	uint32_t u = (uint32_t)v;

	memcpy((char *)row + off, &u, sizeof(u));
}

static void put_u8(void *row, uint16_t off, uint64_t v)
{
	((uint8_t *)row)[off] = (uint8_t)v;
}

static void put_uint(void *row, uint16_t off, uint8_t size, uint64_t v)
{
	switch (size) {
	case 1: put_u8(row, off, v); break;
	case 2: { uint16_t u = (uint16_t)v; memcpy((char *)row + off, &u, 2); break; }
	case 4: put_u32(row, off, v); break;
	default: memcpy((char *)row + off, &v, 8); break;
	}
}

/* The MSRTOP_VCPU_* whose name is s. */
static unsigned int vcpu_src_of(struct parse *p, const char *s)
{
	for (unsigned int i = 0; i < 8; i++)
		if (s && !strcmp(s, msrtop_vcpu_src_name(i)))
			return i;
	fail(p, "unknown vcpu_source \"%s\"", s ? s : "null");
	return 0;
}

/* The code whose name in table is name (a MSRTOP_F_CODE field written by its name). */
static uint64_t code_of(struct parse *p, enum kvm_code_table table, const char *name)
{
	for (uint64_t c = 0; c < 256; c++) {
		const char *n = kvm_code_name(table, c);

		if (n && !strcmp(n, name))
			return c;
	}
	fail(p, "unknown code name \"%s\"", name);
	return 0;
}

/* jt_field() read back: the members of field f into row. */
static void get_field(struct parse *p, struct json_object *o, const struct msrtop_field *f,
		      void *row)
{
	const char *const *key = f->json;
	uint64_t v;

	if (f->null != MSRTOP_NULL_NEVER) {
		/* A null first member: the row's bool at null_off says so. */
		if (!member(p, o, key[0])) {
			if (!p->failed)
				put_u8(row, f->null_off, f->null == MSRTOP_NULL_IF);
			return;
		}
		put_u8(row, f->null_off, f->null != MSRTOP_NULL_IF);
	}
	switch (f->type) {
	case MSRTOP_F_PID:
		put_u32(row, f->off, get_u64(p, o, key[0]));
		break;
	case MSRTOP_F_VCPU:
		put_u32(row, 0, get_u64(p, o, key[0]));
		put_u32(row, f->off, get_u64(p, o, key[1]));
		put_u8(row, f->aux, vcpu_src_of(p, get_str_or_null(p, o, key[2])));
		break;
	case MSRTOP_F_ISA:
	case MSRTOP_F_OUTCOME:
	case MSRTOP_F_OUTCOME_REASON:
		put_u8(row, f->off, get_u64(p, o, key[0]));
		break;
	case MSRTOP_F_EXIT_REASON:
		put_uint(row, f->off, f->size, get_u64(p, o, key[0]));
		break;
	case MSRTOP_F_VMX_FLAGS:
		member(p, o, key[0]); /* made from the exit reason */
		break;
	case MSRTOP_F_BOOL:
		put_u8(row, f->off, get_bool(p, o, key[0]));
		break;
	case MSRTOP_F_MSR:
		put_u32(row, f->off, get_u64(p, o, key[0]));
		break;
	case MSRTOP_F_ACCESS: {
		const char *a = get_str_or_null(p, o, key[0]);

		if (a && !strcmp(a, format_access(true)))
			put_u8(row, f->off, 1);
		else if (a && !strcmp(a, format_access(false)))
			put_u8(row, f->off, 0);
		else
			fail(p, "\"%s\" is neither \"%s\" nor \"%s\"", key[0], format_access(false),
			     format_access(true));
		break;
	}
	case MSRTOP_F_UEXIT:
		put_u8(row, f->aux, get_bool(p, o, key[0]));
		put_u32(row, f->off, get_u64(p, o, key[1]));
		break;
	case MSRTOP_F_COUNTER:
		get_counter(p, o, key[0], (struct msrtop_counter *)((char *)row + f->off));
		break;
	case MSRTOP_F_HIST:
		get_hist(p, o, key[0], (struct msrtop_hist *)((char *)row + f->off));
		break;
	case MSRTOP_F_LAST_VALUE:
		put_u8(row, f->aux, get_u64_or_null(p, o, key[0], &v));
		memcpy((char *)row + f->off, &v, sizeof(v));
		break;
	case MSRTOP_F_KVM_STAT: {
		const char *name;

		put_u32(row, f->off, get_u64(p, o, key[0]));
		if (!get_u64_or_null(p, o, key[1], &v))
			v = MSRTOP_KVM_STAT_VM;
		put_u32(row, f->off + 4, v);
		name = get_str_or_null(p, o, key[2]);
		if (!p->failed && (!name || !kvm_debugfs_name_ok(name)))
			fail(p, "\"%s\" is not a statistic's name", key[2]);
		else if (name)
			snprintf((char *)row + f->off + 8, MSRTOP_KVM_STAT_NAME_LEN, "%s", name);
		break;
	}
	case MSRTOP_F_U64:
	case MSRTOP_F_VALUE:
		v = get_u64(p, o, key[0]);
		memcpy((char *)row + f->off, &v, sizeof(v));
		break;
	case MSRTOP_F_CODE: {
		struct json_object *m = member(p, o, key[0]);

		if (p->failed)
			break;
		if (f->aux == KVM_CODES_BOOL)
			v = get_bool(p, o, key[0]);
		else if (json_object_is_type(m, json_type_string)) /* a name, without json[1] */
			v = code_of(p, f->aux, json_object_get_string(m));
		else
			v = get_u64(p, o, key[0]);
		put_uint(row, f->off, f->size, v);
		if (key[1])
			member(p, o, key[1]); /* made from the code */
		break;
	}
	}
}

/* The errno whose strerror() is text (the document has the text); EIO for
 * a text this C library does not have, 0 for none. */
static int errno_of(const char *text)
{
	if (!text)
		return 0;
	for (int e = 1; e < 256; e++)
		if (!strcmp(strerror(e), text))
			return e;
	return EIO;
}

static void get_sources(struct parse *p, struct json_object *doc, struct msrtop_snapshot *s)
{
	struct json_object *a = member(p, doc, "sources");

	if (p->failed)
		return;
	if (!json_object_is_type(a, json_type_array)) {
		fail(p, "\"sources\" is not an array");
		return;
	}
	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		s->sources[i].name = msrtop_source_name(i);
		s->sources[i].state = MSRTOP_SRC_MISSING;
	}
	for (size_t i = 0; !p->failed && i < json_object_array_length(a); i++) {
		static const char *const attach[] = {"tp_btf", "raw_tp", "tracepoint", "debugfs"};
		struct json_object *o = json_object_array_get_idx(a, i), *events;
		const char *name = get_str_or_null(p, o, "name");
		const char *how = get_str_or_null(p, o, "attach");
		const char *state = get_str_or_null(p, o, "state");
		int id = name ? msrtop_source_id(name) : -1;
		struct msrtop_source *src;

		if (p->failed)
			return;
		if (id < 0)
			continue; /* a source this msrtop does not know */
		src = &s->sources[id];
		src->attach = NULL;
		for (size_t k = 0; how && k < sizeof(attach) / sizeof(attach[0]); k++)
			if (!strcmp(how, attach[k]))
				src->attach = attach[k];
		src->patched = get_bool(p, o, "patched");
		for (int st = MSRTOP_SRC_ATTACHED; st <= MSRTOP_SRC_OFF; st++)
			if (state && !strcmp(state, msrtop_source_state_name(st)))
				src->state = st;
		src->error = errno_of(get_str_or_null(p, o, "error"));
		events = member(p, o, "events");
		if (events)
			get_counter(p, o, "events", &src->events);
	}
}

static void get_per_map(struct parse *p, struct json_object *doc, const char *key,
			struct msrtop_counter *lost)
{
	struct json_object *o = member(p, doc, key);

	for (unsigned int m = 0; !p->failed && m < MSRTOP_MAP_NR; m++)
		get_counter(p, o, msrtop_map_name(m), &lost[m]);
}

static void get_totals(struct parse *p, struct json_object *doc, struct msrtop_totals *t)
{
	struct json_object *o = member(p, doc, "totals");

	get_counter(p, o, "exits", &t->exits);
	get_counter(p, o, "nested_exits", &t->nested_exits);
	get_counter(p, o, "msr_reads", &t->msr_reads);
	get_counter(p, o, "msr_writes", &t->msr_writes);
	get_counter(p, o, "msr_gp", &t->msr_gp);
	get_counter(p, o, "msr_value_changes", &t->msr_changes);
	get_counter(p, o, "userspace_exits", &t->uexits);
	get_counter(p, o, "msr_intercepts", &t->intercepts);
	get_counter(p, o, "msr_outcomes", &t->outcomes);
	get_counter(p, o, "canonical", &t->canonical);
	get_counter(p, o, "canonical_rejected", &t->canonical_rejected);
	get_counter(p, o, "canonical_fixups", &t->canonical_fixups);
	get_counter(p, o, "msr_samples", &t->msr_samples);
	get_counter(p, o, "msr_sample_changes", &t->msr_sample_changes);
}

/* --watch-msr's changes of the snapshot (jchanges()). */
static void get_changes(struct parse *p, struct json_object *doc, struct msrtop_snapshot *s)
{
	struct json_object *a = member(p, doc, "msr_changes");

	if (p->failed)
		return;
	if (!json_object_is_type(a, json_type_array)) {
		fail(p, "\"msr_changes\" is not an array");
		return;
	}
	for (size_t i = 0; !p->failed && i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct msrtop_msr_change_ev *e = snapshot_add_change(s);

		if (!e) {
			fail(p, "out of memory");
			return;
		}
		e->time_ns = get_u64(p, o, "time_ns");
		e->pid = (uint32_t)get_u64(p, o, "pid");
		e->tid = (uint32_t)get_u64(p, o, "tid");
		e->vcpu = (uint32_t)get_u64(p, o, "vcpu");
		e->msr = (uint32_t)get_u64(p, o, "msr");
		e->old_value = get_u64(p, o, "old_value");
		e->new_value = get_u64(p, o, "new_value");
	}
}

static void get_vms(struct parse *p, struct json_object *doc, struct msrtop_snapshot *s)
{
	struct json_object *a = member(p, doc, "vms");

	if (p->failed)
		return;
	if (!json_object_is_type(a, json_type_array)) {
		fail(p, "\"vms\" is not an array");
		return;
	}
	for (size_t i = 0; !p->failed && i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		struct msrtop_vm *vm = snapshot_add_vm(s);

		if (!vm) {
			fail(p, "out of memory");
			return;
		}
		vm->pid = (uint32_t)get_u64(p, o, "pid");
		copy_str(vm->comm, sizeof(vm->comm), get_str_or_null(p, o, "comm"));
		copy_str(vm->name, sizeof(vm->name), get_str_or_null(p, o, "name"));
		vm->alive = get_bool(p, o, "alive");
		vm->nr_vcpus = (uint32_t)get_u64(p, o, "vcpus");
		get_counter(p, o, "exits", &vm->exits);
		get_counter(p, o, "msr_reads", &vm->msr_reads);
		get_counter(p, o, "msr_writes", &vm->msr_writes);
		get_counter(p, o, "msr_gp", &vm->msr_gp);
		get_counter(p, o, "userspace_exits", &vm->uexits);
	}
}

static void get_kind(struct parse *p, struct json_object *doc, struct msrtop_snapshot *s,
		     enum msrtop_kind_id kid)
{
	const struct msrtop_kind *k = &msrtop_kinds[kid];
	struct json_object *a;

	/* A recording made before msrtop read KVM's debugfs statistics has none. */
	if (kid == MSRTOP_KIND_KVM_STATS && !json_object_object_get_ex(doc, k->name, NULL))
		return;
	a = member(p, doc, k->name);
	if (p->failed)
		return;
	if (!json_object_is_type(a, json_type_array)) {
		fail(p, "\"%s\" is not an array", k->name);
		return;
	}
	for (size_t i = 0; !p->failed && i < json_object_array_length(a); i++) {
		struct json_object *o = json_object_array_get_idx(a, i);
		void *row = snapshot_add_row(s, kid);

		if (!row) {
			fail(p, "out of memory");
			return;
		}
		for (unsigned int f = 0; !p->failed && f < k->nr_fields; f++)
			get_field(p, o, &k->fields[f], row);
		if (p->failed) { /* say which row */
			char why[256];

			snprintf(why, sizeof(why), "%s", p->msg);
			snprintf(p->msg, p->msg_len, "%s[%zu]: %s", k->name, i, why);
		}
	}
}

int json_in_parse(const char *text, size_t len, struct msrtop_snapshot **out, char *msg,
		  size_t msg_len)
{
	struct parse p = {.msg = msg, .msg_len = msg_len};
	struct json_tokener *tok = json_tokener_new();
	struct json_object *doc = NULL;
	struct msrtop_snapshot *s = NULL;
	uint64_t version;

	*out = NULL;
	if (!tok) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(msg, msg_len, "not a JSON document: %s",
			 e == json_tokener_continue ? "it ends early (a line cut short?)"
						    : json_tokener_error_desc(e));
		goto cleanup;
	}
	if (json_tokener_get_parse_end(tok) < len) {
		snprintf(msg, msg_len, "not one JSON document: text follows it");
		goto cleanup;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		snprintf(msg, msg_len, "not a JSON object");
		goto cleanup;
	}
	if (json_object_object_get_ex(doc, "error", NULL)) {
		snprintf(msg, msg_len, "an error document, not a snapshot");
		goto cleanup;
	}
	version = get_u64(&p, doc, "version");
	if (!p.failed && version != MSRTOP_JSON_VERSION) {
		snprintf(msg, msg_len, "document version %llu, this msrtop reads version %d",
			 (unsigned long long)version, MSRTOP_JSON_VERSION);
		goto cleanup;
	}
	s = snapshot_new();
	if (!s) {
		snprintf(msg, msg_len, "out of memory");
		goto cleanup;
	}
	s->seq = get_u64(&p, doc, "seq");
	s->time_ns = get_u64(&p, doc, "time_ns");
	s->start_time_ns = get_u64(&p, doc, "start_time_ns");
	s->interval_s = get_number(&p, doc, "interval_s");
	/* The monotonic clock of the recording host is not in the document:
	 * the real-time clock stands in for it (only differences are used). */
	s->mono_ns = s->time_ns;
	s->start_mono_ns = s->start_time_ns;
	get_sources(&p, doc, s);
	get_per_map(&p, doc, "overflow", s->overflow);
	get_per_map(&p, doc, "errors", s->errors);
	get_totals(&p, doc, &s->totals);
	get_changes(&p, doc, s);
	get_vms(&p, doc, s);
	for (int k = 0; !p.failed && k < MSRTOP_KIND_NR; k++)
		get_kind(&p, doc, s, (enum msrtop_kind_id)k);
	if (p.failed)
		goto cleanup;
	snapshot_sort(s);
	*out = s;
	s = NULL;
cleanup:
	snapshot_put(s);
	json_object_put(doc);
	json_tokener_free(tok);
	return *out ? 0 : -EINVAL;
}
