// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text exposition format (prom.h): one metric family after the
 * other, each with its HELP and TYPE lines and then all its samples.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_reasons.h"
#include "format.h"
#include "kinds.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "prom.h"

/* ---- the text buffer --------------------------------------------------------------- */

static bool buf_reserve(struct prom_buf *b, size_t more)
{
	size_t need, cap;
	char *data;

	if (b->oom)
		return false;
	need = b->len + more + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	data = realloc(b->data, cap);
	if (!data) {
		b->oom = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

void prom_buf_printf(struct prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf_reserve(b, 256))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (!buf_reserve(b, n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += n;
}

static void buf_putc(struct prom_buf *b, char c)
{
	if (!buf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

static void buf_putn(struct prom_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_puts(struct prom_buf *b, const char *s)
{
	buf_putn(b, s, strlen(s));
}

/* A sample line's value and newline: " 42\n" (the hot path: no printf). */
static void buf_value(struct prom_buf *b, uint64_t v)
{
	char text[24];
	int i = sizeof(text);

	text[--i] = '\n';
	do {
		text[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	text[--i] = ' ';
	buf_putn(b, text + i, sizeof(text) - i);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Label values must be UTF-8 (Prometheus refuses the whole scrape otherwise),
 * and a process name can hold any byte: a byte that does not start a valid
 * sequence is written as '?'.
 */
void prom_buf_label_value(struct prom_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_putc(b, '"');
	while (*p) {
		size_t n = utf8_len(p);

		switch (n ? *p : 0) {
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case 0:
			buf_putc(b, '?');
			n = 1;
			break;
		default:
			if (buf_reserve(b, n)) {
				memcpy(b->data + b->len, p, n);
				b->len += n;
				b->data[b->len] = '\0';
			}
		}
		p += n;
	}
	buf_putc(b, '"');
}

/* ns nanoseconds as decimal seconds, exactly, without trailing zeros. */
static void format_seconds(char buf[32], uint64_t ns)
{
	int n = snprintf(buf, 32, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);

	while (buf[n - 1] == '0')
		n--;
	if (buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
}

void prom_buf_seconds(struct prom_buf *b, uint64_t ns)
{
	char text[32];

	format_seconds(text, ns);
	buf_puts(b, text);
}

void prom_buf_append(struct prom_buf *b, const char *s, size_t n)
{
	buf_putn(b, s, n);
}

char *prom_buf_take(struct prom_buf *b, size_t *len)
{
	char *data = b->oom || !b->len ? NULL : b->data;

	if (!data)
		free(b->data);
	if (len)
		*len = data ? b->len : 0;
	memset(b, 0, sizeof(*b));
	return data;
}

void prom_buf_free(struct prom_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

uint64_t prom_hist_le_ns(unsigned int slot)
{
	return (UINT64_C(2) << slot) - 1;
}

/* ---- VM incarnations ------------------------------------------------------------------ */

/*
 * Where a pid's current incarnation is. The collector stops looking a VM up
 * in /proc once it is gone (its alive flag then stays false), so besides
 * /proc, a dead pid's own counters tell that it lives again.
 */
enum vm_phase {
	VM_LIVE,  /* running, as far as anything says */
	VM_DYING, /* seen gone in this snapshot: what the next one adds is still its own */
	VM_DEAD,  /* gone and quiet: any sign of life is another process */
};

struct prom_vm {
	uint32_t pid;
	enum vm_phase phase;
	bool alive; /* as the snapshot said */
	char comm[MSRTOP_COMM_LEN];
	uint64_t start_s; /* the vm_start label */
	char *labels;	  /* pid="..",vm_start="..",comm="..",vm_name=".." */
};

struct prom_state {
	struct prom_vm *vms; /* one per VM of the last snapshot, ascending by pid */
	size_t nr_vms;
};

struct prom_state *prom_state_new(void)
{
	return calloc(1, sizeof(struct prom_state));
}

static void free_vms(struct prom_vm *vms, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(vms[i].labels);
	free(vms);
}

void prom_state_free(struct prom_state *st)
{
	if (!st)
		return;
	free_vms(st->vms, st->nr_vms);
	free(st);
}

static int cmp_prom_vm(const void *pa, const void *pb)
{
	const struct prom_vm *a = pa, *b = pb;

	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static struct prom_vm *state_find(const struct prom_state *st, uint32_t pid)
{
	struct prom_vm key = {.pid = pid};

	if (!st->nr_vms)
		return NULL;
	return bsearch(&key, st->vms, st->nr_vms, sizeof(key), cmp_prom_vm);
}

/* Whether the VM's counters moved since the previous snapshot. */
static bool vm_active(const struct msrtop_vm *vm)
{
	return vm->exits.delta || vm->msr_reads.delta || vm->msr_writes.delta || vm->uexits.delta;
}

/*
 * Moves v (the pid's state in the previous snapshot, or zeroed for a pid that
 * was not in it) on to vm; true when vm is another incarnation: the pid was
 * not in the previous snapshot (its rows went away, counters with them), or
 * it was gone and now exists or counts again, or its comm changed.
 * Events that raced with the exit (counted after the maps were read, before
 * /proc said the process was gone) show up one snapshot after the death:
 * they still belong to the old incarnation (VM_DYING).
 */
static bool next_phase(struct prom_vm *v, bool known, const struct msrtop_vm *vm)
{
	/* Not alive, but with a comm: /proc was read once and the process is gone
	 * (without one, /proc was never readable and nothing is known). */
	bool gone = !vm->alive && vm->comm[0];
	bool renamed =
		known && v->comm[0] && vm->comm[0] && strncmp(v->comm, vm->comm, sizeof(v->comm));
	bool reborn = known && ((v->phase == VM_DYING && vm->alive) ||
				(v->phase == VM_DEAD && (vm->alive || vm_active(vm))));

	/* Reborn by its counters alone, it is live though not "alive". */
	if (!known || renamed || reborn)
		v->phase = gone && !reborn ? VM_DYING : VM_LIVE;
	else if (v->phase == VM_LIVE && v->alive && gone)
		v->phase = VM_DYING;
	else if (v->phase == VM_DYING)
		v->phase = VM_DEAD;
	v->alive = vm->alive;
	return !known || renamed || reborn;
}

/* Moves st on to s's VMs, with their label sets. */
static int state_update(struct prom_state *st, const struct msrtop_snapshot *s)
{
	struct prom_vm *vms = calloc(s->nr_vms ? s->nr_vms : 1, sizeof(*vms));
	struct prom_buf b = {0};

	if (!vms)
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_vms; i++) {
		const struct msrtop_vm *vm = &s->vms[i];
		const struct prom_vm *old = state_find(st, vm->pid);
		struct prom_vm *v = &vms[i];

		if (old)
			*v = *old;
		v->labels = NULL;
		v->pid = vm->pid;
		if (next_phase(v, old, vm))
			v->start_s = s->time_ns / 1000000000u;
		if (vm->comm[0])
			memcpy(v->comm, vm->comm, sizeof(v->comm));
		v->comm[sizeof(v->comm) - 1] = '\0';

		prom_buf_printf(&b, "pid=\"%" PRIu32 "\",vm_start=\"%" PRIu64 "\",comm=", v->pid,
				v->start_s);
		prom_buf_label_value(&b, v->comm);
		buf_puts(&b, ",vm_name=");
		prom_buf_label_value(&b, vm->name);
		v->labels = prom_buf_take(&b, NULL);
		if (!v->labels) {
			free_vms(vms, s->nr_vms);
			return -ENOMEM;
		}
	}
	free_vms(st->vms, st->nr_vms);
	st->vms = vms;
	st->nr_vms = s->nr_vms;
	return 0;
}

/* ---- rendering ---------------------------------------------------------------------------- */

struct ctx {
	struct prom_buf *b;
	/* Labels, written once for all the lines that carry them: the current
	 * row's are lb's bytes lb_start to lb_end (render_kinds() keeps a whole
	 * table's rows there, one after the other, for all its families). */
	struct prom_buf lb;
	size_t lb_start, lb_end;
	const struct prom_state *st;
	char le[MSRTOP_HIST_SLOTS - 1][48]; /* ,le="<bucket bound in seconds>" */
};

static void family(struct ctx *c, const char *name, const char *type, const char *help)
{
	prom_buf_printf(c->b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The VM labels of pid (every row's pid is in the VM table of its snapshot). */
static void vm_labels(struct ctx *c, uint32_t pid)
{
	const struct prom_vm *v = state_find(c->st, pid);

	if (v)
		buf_puts(&c->lb, v->labels);
	else
		prom_buf_printf(&c->lb, "pid=\"%" PRIu32 "\"", pid);
}

static void vcpu_labels(struct ctx *c, uint32_t vcpu, uint8_t vcpu_src)
{
	prom_buf_printf(&c->lb, ",vcpu=\"%" PRIu32 "\",vcpu_src=\"%s\"", vcpu,
			msrtop_vcpu_src_name(vcpu_src));
}

/* The labels of one field of a row (kinds.h); fields that are not part of the key have none. */
static void field_labels(struct ctx *c, const struct msrtop_field *f, const void *row)
{
	char name[128];

	switch (f->type) {
	case MSRTOP_F_PID:
		vm_labels(c, kind_u32(row, f->off));
		break;
	case MSRTOP_F_VCPU:
		vm_labels(c, kind_u32(row, 0));
		vcpu_labels(c, kind_u32(row, f->off), kind_u8(row, f->aux));
		break;
	case MSRTOP_F_ISA:
		prom_buf_printf(&c->lb, ",isa=\"%s\"",
				format_isa(kind_u8(row, f->off), name, sizeof(name)));
		break;
	case MSRTOP_F_EXIT_REASON:
		exit_reason_format(kind_u8(row, f->aux), kind_uint(row, f->off, f->size), name,
				   sizeof(name));
		buf_puts(&c->lb, ",reason=");
		prom_buf_label_value(&c->lb, name);
		break;
	case MSRTOP_F_MSR:
		msr_format(kind_u32(row, f->off), name, sizeof(name));
		prom_buf_printf(&c->lb, ",msr=\"0x%" PRIx32 "\",msr_name=", kind_u32(row, f->off));
		prom_buf_label_value(&c->lb, name);
		break;
	case MSRTOP_F_ACCESS:
		prom_buf_printf(&c->lb, ",direction=\"%s\"", format_access(kind_bool(row, f->off)));
		break;
	case MSRTOP_F_UEXIT:
		kvm_uexit_format(kind_u32(row, f->off), kind_bool(row, f->aux), name, sizeof(name));
		buf_puts(&c->lb, ",reason=");
		prom_buf_label_value(&c->lb, name);
		prom_buf_printf(&c->lb, ",kind=\"%s\"", kind_bool(row, f->aux) ? "error" : "exit");
		break;
	case MSRTOP_F_OUTCOME: {
		uint8_t outcome = kind_u8(row, f->off);
		const char *n = msr_outcome_name(outcome);

		if (n)
			prom_buf_printf(&c->lb, ",outcome=\"%s\"", n);
		else
			prom_buf_printf(&c->lb, ",outcome=\"%u\"", outcome);
		break;
	}
	case MSRTOP_F_OUTCOME_REASON: {
		uint8_t reason = kind_u8(row, f->off);
		const char *n = msr_outcome_reason_name(kind_u8(row, f->aux), reason);

		if (n)
			prom_buf_printf(&c->lb, ",outcome_reason=\"%s\"", n);
		else if (reason)
			prom_buf_printf(&c->lb, ",outcome_reason=\"%u\"", reason);
		else
			buf_puts(&c->lb, ",outcome_reason=\"none\"");
		break;
	}
	case MSRTOP_F_VALUE:
		prom_buf_printf(&c->lb, ",value=\"0x%" PRIx64 "\"",
				*(const uint64_t *)kind_at(row, f->off));
		break;
	case MSRTOP_F_KVM_STAT: {
		uint32_t vcpu = kind_u32(row, f->off + 4);

		prom_buf_printf(&c->lb, ",vm_fd=\"%" PRIu32 "\"", kind_u32(row, f->off));
		if (vcpu != MSRTOP_KVM_STAT_VM)
			prom_buf_printf(&c->lb, ",vcpu=\"%" PRIu32 "\"", vcpu);
		buf_puts(&c->lb, ",stat=");
		prom_buf_label_value(&c->lb, kind_at(row, f->off + 8));
		break;
	}
	case MSRTOP_F_CODE: {
		uint64_t v = kind_uint(row, f->off, f->size);

		/* A named code with a name member: its number, then its name (or number). */
		if (f->json[1] && kvm_code_name_table(f->aux)) {
			prom_buf_printf(&c->lb, ",%s=\"%" PRIu64 "\",%s=", f->json[0], v,
					f->json[1]);
			prom_buf_label_value(&c->lb,
					     kvm_code_format(f->aux, v, name, sizeof(name)));
		} else if (f->aux == KVM_CODES_BOOL) {
			prom_buf_printf(&c->lb, ",%s=\"%s\"", f->json[0], v ? "true" : "false");
		} else {
			prom_buf_printf(&c->lb, ",%s=", f->json[0]);
			prom_buf_label_value(&c->lb,
					     kvm_code_format(f->aux, v, name, sizeof(name)));
		}
		break;
	}
	case MSRTOP_F_VMX_FLAGS:
	case MSRTOP_F_BOOL:
	case MSRTOP_F_COUNTER:
	case MSRTOP_F_HIST:
	case MSRTOP_F_LAST_VALUE:
	case MSRTOP_F_U64:
		break;
	}
}

/* The labels of a row of kind k: its key fields, in order. */
static void row_labels(struct ctx *c, const struct msrtop_kind *k, const void *row)
{
	for (unsigned int f = 0; f < k->nr_fields; f++)
		field_labels(c, &k->fields[f], row);
}

/* Puts in c->lb (NUL-terminated) what labels_call writes there. */
#define LABELS(c, labels_call)                                                                     \
	do {                                                                                       \
		(c)->lb.len = 0;                                                                   \
		buf_puts(&(c)->lb, "");                                                            \
		labels_call;                                                                       \
		(c)->lb_start = 0;                                                                 \
		(c)->lb_end = (c)->lb.len;                                                         \
	} while (0)

/* NAME SUFFIX{LABELS EXTRA}: a sample line up to its value. */
static void series(struct ctx *c, const char *name, const char *suffix, const char *extra)
{
	buf_puts(c->b, name);
	buf_puts(c->b, suffix);
	buf_putn(c->b, "{", 1);
	buf_putn(c->b, c->lb.data + c->lb_start, c->lb_end - c->lb_start);
	buf_puts(c->b, extra);
	buf_putn(c->b, "}", 1);
}

/*
 * A histogram from a log2 one: cumulative buckets up to each slot's bound, the
 * last slot only in +Inf. _count is the +Inf bucket (the sum of the slots), so
 * the two always agree even when a concurrent reader caught the count field
 * and the slots at slightly different moments.
 */
static void histogram(struct ctx *c, const char *name, const struct msrtop_hist *h)
{
	uint64_t cum = 0;

	for (unsigned int i = 0; i < MSRTOP_HIST_SLOTS - 1; i++) {
		cum += h->slots[i];
		series(c, name, "_bucket", c->le[i]);
		buf_value(c->b, cum);
	}
	cum += h->slots[MSRTOP_HIST_SLOTS - 1];
	series(c, name, "_bucket", ",le=\"+Inf\"");
	buf_value(c->b, cum);
	series(c, name, "_sum", "");
	buf_putc(c->b, ' ');
	prom_buf_seconds(c->b, h->sum_ns);
	buf_putc(c->b, '\n');
	series(c, name, "_count", "");
	buf_value(c->b, cum);
}

/* One sample per row of a table: NAME{labels_call} value. */
#define ROWS(c, name, arr, nr, cond, labels_call, value)                                           \
	do {                                                                                       \
		for (size_t i_ = 0; i_ < (nr); i_++) {                                             \
			const typeof(*(arr)) *r = &(arr)[i_];                                      \
			if (!(cond))                                                               \
				continue;                                                          \
			LABELS(c, labels_call);                                                    \
			series(c, name, "", "");                                                   \
			buf_value((c)->b, (value));                                                \
		}                                                                                  \
	} while (0)

static void gauge_seconds(struct ctx *c, const char *name, uint64_t ns, const char *help)
{
	family(c, name, "gauge", help);
	prom_buf_printf(c->b, "%s ", name);
	prom_buf_seconds(c->b, ns);
	buf_putc(c->b, '\n');
}

static void render_meta(struct ctx *c, const struct msrtop_snapshot *s)
{
	family(c, "msrtop_snapshots_total", "counter",
	       "Snapshots msrtop has taken; the values below are from the last one.");
	prom_buf_printf(c->b, "msrtop_snapshots_total %" PRIu64 "\n", s->seq);
	gauge_seconds(c, "msrtop_snapshot_timestamp_seconds", s->time_ns,
		      "When the BPF maps were read for the last snapshot (Unix time).");
	gauge_seconds(c, "msrtop_attach_timestamp_seconds", s->start_time_ns,
		      "When the BPF programs were attached (Unix time); every counter starts "
		      "there.");
	family(c, "msrtop_snapshot_interval_seconds", "gauge",
	       "Time between the last two snapshots (the first: since attach).");
	prom_buf_printf(c->b, "msrtop_snapshot_interval_seconds %.9g\n", s->interval_s);
}

static void render_sources(struct ctx *c, const struct msrtop_snapshot *s)
{
	family(c, "msrtop_source_info", "gauge",
	       "Tracepoint sources: state attached, missing (not in this kernel) or failed.");
	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		const struct msrtop_source *src = &s->sources[i];
		const char *err = src->error ? strerrorname_np(src->error) : NULL;

		if (!src->name)
			continue;
		buf_puts(c->b, "msrtop_source_info{source=");
		prom_buf_label_value(c->b, src->name);
		prom_buf_printf(c->b,
				",state=\"%s\",attach=", msrtop_source_state_name(src->state));
		prom_buf_label_value(c->b, src->attach ? src->attach : "");
		prom_buf_printf(c->b, ",patched=\"%s\",error=", src->patched ? "true" : "false");
		prom_buf_label_value(c->b, err ? err : "");
		buf_puts(c->b, "} 1\n");
	}
	family(c, "msrtop_source_events_total", "counter",
	       "Events each tracepoint source counted into the maps.");
	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		const struct msrtop_source *src = &s->sources[i];

		if (!src->name)
			continue;
		buf_puts(c->b, "msrtop_source_events_total{source=");
		prom_buf_label_value(c->b, src->name);
		prom_buf_printf(c->b, "} %" PRIu64 "\n", src->events.total);
	}
	family(c, "msrtop_map_overflow_total", "counter",
	       "Events lost because a BPF map was full (raise its size if this grows).");
	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		prom_buf_printf(c->b, "msrtop_map_overflow_total{map=\"%s\"} %" PRIu64 "\n",
				msrtop_map_name(m), s->overflow[m].total);
	family(c, "msrtop_map_errors_total", "counter",
	       "Events lost for another reason than a full map (insert error, unreadable event).");
	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		prom_buf_printf(c->b, "msrtop_map_errors_total{map=\"%s\"} %" PRIu64 "\n",
				msrtop_map_name(m), s->errors[m].total);
}

static void render_vms(struct ctx *c, const struct msrtop_snapshot *s)
{
	family(c, "msrtop_vm_alive", "gauge",
	       "1 while the VMM process exists, 0 once it is gone (its counters stay until "
	       "its map entries are removed).");
	ROWS(c, "msrtop_vm_alive", s->vms, s->nr_vms, true, vm_labels(c, r->pid), r->alive);
	family(c, "msrtop_vm_vcpus", "gauge", "vCPUs seen in the VM's exit and MSR events.");
	ROWS(c, "msrtop_vm_vcpus", s->vms, s->nr_vms, true, vm_labels(c, r->pid), r->nr_vcpus);
}

/* Whether a family has a series for row. */
static bool family_row(const struct msrtop_family *fam, const void *row)
{
	switch (fam->rows) {
	case MSRTOP_ROWS_IF:
		return kind_bool(row, fam->rows_off);
	case MSRTOP_ROWS_UNLESS:
		return !kind_bool(row, fam->rows_off);
	case MSRTOP_ROWS_ALL:
		break;
	}
	return true;
}

/* The TYPE of each enum msrtop_family_type. */
static const char *const family_types[] = {
	[MSRTOP_FAM_COUNTER] = "counter",
	[MSRTOP_FAM_HISTOGRAM] = "histogram",
	[MSRTOP_FAM_MIN] = "gauge",
	[MSRTOP_FAM_MAX] = "gauge",
	[MSRTOP_FAM_GAUGE] = "gauge",
};

/*
 * Every metric family of every event kind (kinds.h), one series per row. A
 * kind's rows are in several families (exits in up to four): each row's
 * labels are written once, for all of them (ends[i]: where row i's labels end in
 * c->lb). 0, or -ENOMEM.
 */
static int render_kinds(struct ctx *c, const struct msrtop_snapshot *s)
{
	bool latency = s->sources[MSRTOP_SRC_KVM_ENTRY].state == MSRTOP_SRC_ATTACHED &&
		       s->sources[MSRTOP_SRC_KVM_ENTRY].name;
	size_t *ends = NULL, cap = 0;

	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++) {
		const struct msrtop_kind *k = &msrtop_kinds[kid];
		size_t nr = kind_nr(s, k);

		if (nr > cap) {
			free(ends);
			ends = malloc(nr * sizeof(*ends));
			if (!ends)
				return -ENOMEM;
			cap = nr;
		}
		c->lb.len = 0;
		buf_puts(&c->lb, "");
		for (size_t i = 0; i < nr; i++) {
			row_labels(c, k, kind_row(s, k, i));
			ends[i] = c->lb.len;
		}
		if (c->lb.oom) {
			free(ends);
			return -ENOMEM;
		}
		for (unsigned int f = 0; f < k->nr_families; f++) {
			const struct msrtop_family *fam = &k->families[f];

			family(c, fam->name, family_types[fam->type], fam->help);
			if (fam->needs_latency && !latency)
				continue;
			for (size_t i = 0; i < nr; i++) {
				const void *r = kind_row(s, k, i);

				if (!family_row(fam, r))
					continue;
				if ((fam->type == MSRTOP_FAM_MIN || fam->type == MSRTOP_FAM_MAX) &&
				    !kind_hist(r, fam->off)->count)
					continue; /* no value yet: no sample */
				c->lb_start = i ? ends[i - 1] : 0;
				c->lb_end = ends[i];
				switch (fam->type) {
				case MSRTOP_FAM_HISTOGRAM:
					histogram(c, fam->name, kind_hist(r, fam->off));
					break;
				case MSRTOP_FAM_MIN:
				case MSRTOP_FAM_MAX:
					series(c, fam->name, "", "");
					buf_putc(c->b, ' ');
					prom_buf_seconds(c->b, fam->type == MSRTOP_FAM_MIN
								       ? kind_hist(r, fam->off)->min_ns
								       : kind_hist(r, fam->off)->max_ns);
					buf_putc(c->b, '\n');
					break;
				case MSRTOP_FAM_COUNTER:
					series(c, fam->name, "", "");
					buf_value(c->b, kind_counter(r, fam->off)->total);
					break;
				case MSRTOP_FAM_GAUGE:
					series(c, fam->name, "", "");
					buf_value(c->b, *(const uint64_t *)kind_at(r, fam->off));
					break;
				}
			}
		}
	}
	free(ends);
	return 0;
}

int prom_advance(struct prom_state *st, const struct msrtop_snapshot *s)
{
	return state_update(st, s);
}

int prom_write(const struct prom_state *st, const struct msrtop_snapshot *s,
	       struct prom_buf *out)
{
	struct ctx c = {.b = out, .st = st};
	int err;

	for (unsigned int i = 0; i < MSRTOP_HIST_SLOTS - 1; i++) {
		char bound[32];

		format_seconds(bound, prom_hist_le_ns(i));
		snprintf(c.le[i], sizeof(c.le[i]), ",le=\"%s\"", bound);
	}

	render_meta(&c, s);
	render_sources(&c, s);
	render_vms(&c, s);
	err = render_kinds(&c, s);
	if (!err && (out->oom || c.lb.oom))
		err = -ENOMEM;
	prom_buf_free(&c.lb);
	return err;
}

int prom_render(struct prom_state *st, const struct msrtop_snapshot *s, struct prom_buf *out)
{
	int err = prom_advance(st, s);

	return err ? err : prom_write(st, s, out);
}
