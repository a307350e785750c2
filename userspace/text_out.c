// SPDX-License-Identifier: GPL-2.0
/*
 * Plain-text tables of a snapshot (text_out.h), for pipes and logs: one block
 * per snapshot, rows busiest first (by delta, then total).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exit_reasons.h"
#include "format.h"
#include "kinds.h"
#include "kvm_debugfs.h"
#include "kvm_names.h"
#include "msr_passthrough.h"
#include "msr_names.h"
#include "text_out.h"

/* Busiest first (by delta, then total), then in key order: for qsort_r, ctx the kind. */
static int by_activity(const void *pa, const void *pb, void *ctx)
{
	const struct msrtop_kind *k = ctx;
	const struct msrtop_counter *a = kind_counter(pa, k->text_sort);
	const struct msrtop_counter *b = kind_counter(pb, k->text_sort);

	if (a->delta != b->delta)
		return a->delta > b->delta ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return k->cmp(pa, pb);
}

static void print_time(FILE *f, uint64_t ns)
{
	time_t sec = ns / 1000000000ull;
	char buf[40];
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	fputs(buf, f);
}

static const struct msrtop_source *source(const struct msrtop_snapshot *s, int id)
{
	return &s->sources[id];
}

static void print_sources(FILE *f, const struct msrtop_snapshot *s)
{
	fprintf(f, "sources:\n");
	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		const struct msrtop_source *src = source(s, i);

		fprintf(f, "  %-20s ", src->name ? src->name : "?");
		switch (src->state) {
		case MSRTOP_SRC_ATTACHED:
			if (i == MSRTOP_SRC_KVM_DEBUGFS) {
				fprintf(f, "read (%s), %zu statistics", src->attach,
					snapshot_nr(s, MSRTOP_KIND_KVM_STATS));
				if (src->error)
					fprintf(f, ", some unreadable: %s", strerror(src->error));
				break;
			}
			fprintf(f, "attached (%s), %llu events", src->attach,
				(unsigned long long)src->events.total);
			if (!src->events.total)
				fprintf(f, ": has not fired yet");
			break;
		case MSRTOP_SRC_MISSING:
			fprintf(f, "not in this kernel%s",
				src->patched ? " (added by msrtop's kernel patches)" : "");
			break;
		case MSRTOP_SRC_FAILED:
			fprintf(f, "FAILED to attach: %s", strerror(src->error));
			break;
		case MSRTOP_SRC_OFF:
			fprintf(f, i == MSRTOP_SRC_MSR_SAMPLE
					   ? "off (no --sample-msr or --watch-msr)"
					   : "off (not in --sources)");
			break;
		}
		fputc('\n', f);
	}
}

/*
 * Events lost per map (overflow or errors): "title: map N (+delta)...", or
 * none_line when there are none (NULL: print nothing).
 */
static void print_lost(FILE *f, const struct msrtop_counter *lost, const char *title,
		       const char *none_line)
{
	bool any = false;

	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		any |= lost[m].total != 0;
	if (!any) {
		if (none_line)
			fprintf(f, "%s\n", none_line);
		return;
	}
	fprintf(f, "%s:", title);
	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		if (lost[m].total)
			fprintf(f, " %s %llu (+%llu)", msrtop_map_name(m),
				(unsigned long long)lost[m].total,
				(unsigned long long)lost[m].delta);
	fputc('\n', f);
}

static void print_vms(FILE *f, const struct msrtop_snapshot *s)
{
	if (!s->nr_vms) {
		fprintf(f, "\nVMs: none seen yet\n");
		return;
	}
	fprintf(f, "\nVMs\n%8s %-16s %-20s %5s %12s %10s %12s %12s %10s %8s %10s\n", "PID", "COMM",
		"NAME", "VCPUS", "EXITS", "EXITS/s", "MSR-READS", "MSR-WRITES", "MSR/s", "#GP",
		"UEXITS");
	for (size_t i = 0; i < s->nr_vms; i++) {
		const struct msrtop_vm *vm = &s->vms[i];

		fprintf(f,
			"%8u %-16s %-20s %5u %12llu %10.1f %12llu %12llu %10.1f %8llu %10llu%s\n",
			vm->pid, vm->comm[0] ? vm->comm : "?", vm->name[0] ? vm->name : "-",
			vm->nr_vcpus, (unsigned long long)vm->exits.total, vm->exits.rate,
			(unsigned long long)vm->msr_reads.total,
			(unsigned long long)vm->msr_writes.total,
			vm->msr_reads.rate + vm->msr_writes.rate,
			(unsigned long long)vm->msr_gp.total, (unsigned long long)vm->uexits.total,
			vm->alive ? "" : "  (exited)");
	}
}

/* Column col of row as text. */
static const char *col_text(const struct msrtop_text_col *col, const void *row, char *buf,
			    size_t len)
{
	switch (col->type) {
	case MSRTOP_T_PID:
		snprintf(buf, len, "%u", kind_u32(row, col->off));
		break;
	case MSRTOP_T_VCPU:
		return format_vcpu(kind_u8(row, col->aux), kind_u32(row, col->off), buf, len);
	case MSRTOP_T_ISA:
		return format_isa(kind_u8(row, col->off), buf, len);
	case MSRTOP_T_EXIT_REASON:
		exit_reason_format(kind_u8(row, col->aux), kind_uint(row, col->off, col->size), buf,
				   len);
		break;
	case MSRTOP_T_YES:
		return kind_bool(row, col->off) ? "yes" : "";
	case MSRTOP_T_MSR_INDEX:
		snprintf(buf, len, "0x%-8x", kind_u32(row, col->off));
		break;
	case MSRTOP_T_MSR_NAME: {
		const char *n = msr_name(kind_u32(row, col->off));

		return n ? n : "-";
	}
	case MSRTOP_T_MSR:
		msr_format(kind_u32(row, col->off), buf, len);
		break;
	case MSRTOP_T_ACCESS:
		return format_access(kind_bool(row, col->off));
	case MSRTOP_T_UEXIT:
		kvm_uexit_format(kind_u32(row, col->off), kind_bool(row, col->aux), buf, len);
		break;
	case MSRTOP_T_OUTCOME:
		return format_outcome(kind_u8(row, col->off), kind_u8(row, col->aux), buf, len);
	case MSRTOP_T_TOTAL:
		return format_u64(kind_counter(row, col->off)->total, buf, len);
	case MSRTOP_T_RATE:
		return format_rate(kind_counter(row, col->off)->rate, buf, len);
	case MSRTOP_T_MEAN_NS:
	case MSRTOP_T_MIN_NS:
	case MSRTOP_T_MAX_NS: {
		const struct msrtop_hist *h = kind_hist(row, col->off);

		if (!h->count)
			return "-";
		return format_u64(col->type == MSRTOP_T_MIN_NS	 ? h->min_ns
				  : col->type == MSRTOP_T_MAX_NS ? h->max_ns
								 : h->sum_ns / h->count,
				  buf, len);
	}
	case MSRTOP_T_VALUE_HEX:
		if (!kind_bool(row, col->aux))
			return "-";
		return format_hex(*(const uint64_t *)kind_at(row, col->off), buf, len);
	case MSRTOP_T_TOTAL_IF:
		if (!kind_bool(row, col->aux))
			return "-";
		return format_u64(kind_counter(row, col->off)->total, buf, len);
	case MSRTOP_T_HEX:
		return format_hex(*(const uint64_t *)kind_at(row, col->off), buf, len);
	case MSRTOP_T_KVM_STAT:
		return format_kvm_stat(kind_u32(row, col->off), kind_at(row, col->off + 4), buf,
				       len);
	case MSRTOP_T_U64:
		return format_u64(*(const uint64_t *)kind_at(row, col->off), buf, len);
	case MSRTOP_T_RATE_IF:
		if (!kind_bool(row, col->aux))
			return "-";
		return format_rate(kind_counter(row, col->off)->rate, buf, len);
	case MSRTOP_T_CODE:
		return kvm_code_format(col->aux, kind_uint(row, col->off, col->size), buf, len);
	}
	return buf;
}

/* Why the table of kind k is empty, by the state of its source. */
static void print_empty(FILE *f, const struct msrtop_snapshot *s, const struct msrtop_kind *k)
{
	enum msrtop_source_id id = msrtop_table_source(s->sources, k->source);
	const char *src = msrtop_source_name(id);
	char buf[256];
	const char *why = id == MSRTOP_SRC_KVM_DEBUGFS
				  ? kvm_debugfs_why(&s->sources[id], buf, sizeof(buf))
				  : NULL;

	if (k->source == MSRTOP_SRC_MSR_SAMPLE) { /* not a tracepoint: --sample-msr's */
		if (s->sources[k->source].state == MSRTOP_SRC_MISSING)
			fprintf(f,
				"\n%s: not available: this kernel has no bpf_kvm_vcpu_get_msr "
				"(msrtop's kernel patch 0006)\n",
				k->text_title);
		if (s->sources[k->source].state != MSRTOP_SRC_ATTACHED)
			return; /* off: no --sample-msr; failed: said at start */
	}
	fprintf(f, "\n%s: ", k->text_title);
	if (why && s->sources[id].state != MSRTOP_SRC_ATTACHED) {
		fprintf(f, "not available: %s\n", why);
		return;
	}
	switch (s->sources[id].state) {
	case MSRTOP_SRC_ATTACHED:
		fprintf(f, "none yet: %s is attached but %s\n", src, k->text_none_yet);
		if (k->passthrough_note) {
			char note[512];

			fprintf(f, "  (%s)\n",
				msr_passthrough_note(s->cpu_vendor, note, sizeof(note)));
		}
		break;
	case MSRTOP_SRC_MISSING:
		fprintf(f, "not available: %s is not in this kernel\n", src);
		break;
	case MSRTOP_SRC_OFF:
		fprintf(f, "not available: %s is off (--sources all, or a list naming it, "
			"attaches it)\n",
			src);
		break;
	default:
		fprintf(f, "not available: %s is not attached\n", src);
		break;
	}
}

/* The text table of kind k: busiest rows first (by delta, then total). */
static void print_kind(FILE *f, const struct msrtop_snapshot *s, const struct msrtop_kind *k)
{
	size_t nr = kind_nr(s, k);
	char buf[128];
	char *rows;

	if (!nr) {
		if (k->text_none_yet)
			print_empty(f, s, k);
		return;
	}
	rows = malloc(nr * k->row_size);
	if (!rows)
		return;
	memcpy(rows, kind_rows(s, k), nr * k->row_size);
	qsort_r(rows, nr, k->row_size, by_activity, (void *)k);
	fprintf(f, "\n%s\n", k->text_title);
	if (k->source == MSRTOP_SRC_KVM_DEBUGFS) {
		char reason[256];
		const char *why = kvm_debugfs_why(&s->sources[k->source], reason, sizeof(reason));

		if (why)
			fprintf(f, "  (%s)\n", why);
	}
	for (unsigned int c = 0; c < k->nr_text_cols; c++)
		fprintf(f, "%s%*s", c ? " " : "", k->text_cols[c].width, k->text_cols[c].title);
	fputc('\n', f);
	for (size_t i = 0; i < nr; i++) {
		const char *row = rows + i * k->row_size;

		for (unsigned int c = 0; c < k->nr_text_cols; c++)
			fprintf(f, "%s%*s", c ? " " : "", k->text_cols[c].width,
				col_text(&k->text_cols[c], row, buf, sizeof(buf)));
		fputc('\n', f);
	}
	free(rows);
}

/* --watch-msr: the changes since the previous snapshot, oldest first. */
static void print_changes(FILE *f, const struct msrtop_snapshot *s)
{
	const struct msrtop_counter *lost = &s->overflow[MSRTOP_MAP_MSR_CHANGES];
	char buf[160];

	if (!s->nr_changes && !lost->delta)
		return;
	fprintf(f, "\nWATCHED MSR CHANGES\n");
	for (size_t i = 0; i < s->nr_changes; i++) {
		const struct msrtop_msr_change_ev *e = &s->changes[i];

		print_time(f, e->time_ns);
		fprintf(f, ".%06u  %s\n", (unsigned int)(e->time_ns % 1000000000ull / 1000),
			format_msr_change(e->pid, e->vcpu, e->msr, e->old_value, e->new_value, buf,
					  sizeof(buf)));
	}
	if (lost->delta)
		fprintf(f, "(%llu changes NOT shown: the ring buffer was full)\n",
			(unsigned long long)lost->delta);
}

int text_out_write(FILE *f, const struct msrtop_snapshot *s)
{
	fprintf(f, "msrtop ");
	print_time(f, s->time_ns);
	fprintf(f, "  snapshot %llu, interval %.3f s, counting since ", (unsigned long long)s->seq,
		s->interval_s);
	print_time(f, s->start_time_ns);
	fprintf(f, "%s\n", s->filtered ? "  (filtered)" : "");
	print_sources(f, s);
	print_lost(f, s->overflow, "overflow: events NOT counted because a map was full",
		   "overflow: none (no event lost to a full map)");
	/* Errors only when there are any: a healthy kernel has none. */
	print_lost(f, s->errors, "errors: events NOT counted for another reason than a full map",
		   NULL);
	print_vms(f, s);
	for (int k = 0; k < MSRTOP_KIND_NR; k++)
		print_kind(f, s, &msrtop_kinds[k]);
	print_changes(f, s);
	fprintf(f,
		"(VCPU: N = vcpu_id from the event, N~ = learned for the thread, tN = thread id; "
		"/s = per second over the interval)\n\n");
	if (fflush(f) == EOF || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/* ---- CSV ------------------------------------------------------------------------------ */

/* One field, RFC 4180: quoted when it holds a comma, quote, CR, LF or an edge space. */
static void csv_field(FILE *f, bool first, const char *v)
{
	size_t n = strlen(v);

	if (!first)
		fputc(',', f);
	if (!strpbrk(v, ",\"\r\n") && (!n || (v[0] != ' ' && v[n - 1] != ' '))) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

/* A text cell without the padding of its fixed-width format. */
static const char *trimmed(const char *v, char *buf, size_t len)
{
	size_t n;

	while (*v == ' ')
		v++;
	snprintf(buf, len, "%s", v);
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return buf;
}

static void csv_end(FILE *f)
{
	fputs("\r\n", f);
}

static void csv_vms(FILE *f, const struct msrtop_snapshot *s, const char *when)
{
	static const char *const head[] = {"table", "time", "pid", "comm", "name", "alive",
					   "vcpus", "exits", "msr_reads", "msr_writes", "msr_gp",
					   "userspace_exits"};
	char num[32];

	for (size_t c = 0; c < sizeof(head) / sizeof(head[0]); c++)
		csv_field(f, !c, head[c]);
	csv_end(f);
	for (size_t i = 0; i < s->nr_vms; i++) {
		const struct msrtop_vm *vm = &s->vms[i];
		const struct msrtop_counter *cs[] = {&vm->exits, &vm->msr_reads, &vm->msr_writes,
						     &vm->msr_gp, &vm->uexits};

		csv_field(f, true, "vms");
		csv_field(f, false, when);
		snprintf(num, sizeof(num), "%u", vm->pid);
		csv_field(f, false, num);
		csv_field(f, false, vm->comm);
		csv_field(f, false, vm->name);
		csv_field(f, false, vm->alive ? "yes" : "no");
		snprintf(num, sizeof(num), "%u", vm->nr_vcpus);
		csv_field(f, false, num);
		for (size_t c = 0; c < sizeof(cs) / sizeof(cs[0]); c++)
			csv_field(f, false, format_u64(cs[c]->total, num, sizeof(num)));
		csv_end(f);
	}
}

/* The text table of kind k as CSV, in key order: its name and the time, then its columns. */
static void csv_kind(FILE *f, const struct msrtop_snapshot *s, const struct msrtop_kind *k,
		     const char *when)
{
	char buf[128], cell[128];

	csv_field(f, true, "table");
	csv_field(f, false, "time");
	for (unsigned int c = 0; c < k->nr_text_cols; c++)
		csv_field(f, false, k->text_cols[c].title);
	csv_end(f);
	for (size_t i = 0; i < kind_nr(s, k); i++) {
		const void *row = kind_row(s, k, i);

		csv_field(f, true, k->name);
		csv_field(f, false, when);
		for (unsigned int c = 0; c < k->nr_text_cols; c++)
			csv_field(f, false,
				  trimmed(col_text(&k->text_cols[c], row, buf, sizeof(buf)), cell,
					  sizeof(cell)));
		csv_end(f);
	}
}

int text_out_write_csv(FILE *f, const struct msrtop_snapshot *s)
{
	time_t sec = s->time_ns / 1000000000ull;
	char date[32], when[48];
	struct tm tm;

	/* Milliseconds, as JSON's "time": snapshots less than a second apart differ. */
	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when, sizeof(when), "%s.%03uZ", date,
		 (unsigned int)(s->time_ns % 1000000000ull / 1000000));
	csv_vms(f, s, when);
	for (int k = 0; k < MSRTOP_KIND_NR; k++)
		csv_kind(f, s, &msrtop_kinds[k], when);
	if (fflush(f) == EOF || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
