// SPDX-License-Identifier: GPL-2.0
/*
 * Plain-text tables of a snapshot (text_out.h), for pipes and logs: one block
 * per snapshot, rows busiest first (by delta, then total).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exit_reasons.h"
#include "kvm_names.h"
#include "msr_names.h"
#include "text_out.h"

/* "3" (vcpu_id from the event), "3~" (learned for the thread), "t1234" (thread id). */
static const char *vcpu_text(uint8_t src, uint32_t vcpu, char *buf, size_t len)
{
	switch (src) {
	case MSRTOP_VCPU_KERNEL:
		snprintf(buf, len, "%u", vcpu);
		break;
	case MSRTOP_VCPU_LEARNED:
		snprintf(buf, len, "%u~", vcpu);
		break;
	default:
		snprintf(buf, len, "t%u", vcpu);
		break;
	}
	return buf;
}

static const char *isa_text(uint8_t isa)
{
	switch (isa) {
	case MSRTOP_ISA_VMX:
		return "vmx";
	case MSRTOP_ISA_SVM:
		return "svm";
	}
	return "?";
}

static int by_activity(const struct msrtop_counter *a, const struct msrtop_counter *b)
{
	if (a->delta != b->delta)
		return a->delta > b->delta ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return 0;
}

static int cmp_exit_rows(const void *a, const void *b)
{
	return by_activity(&((const struct msrtop_exit_row *)a)->count,
			   &((const struct msrtop_exit_row *)b)->count);
}

static int cmp_msr_rows(const void *a, const void *b)
{
	return by_activity(&((const struct msrtop_msr_row *)a)->count,
			   &((const struct msrtop_msr_row *)b)->count);
}

static int cmp_uexit_rows(const void *a, const void *b)
{
	return by_activity(&((const struct msrtop_uexit_row *)a)->count,
			   &((const struct msrtop_uexit_row *)b)->count);
}

static int cmp_outcome_rows(const void *a, const void *b)
{
	return by_activity(&((const struct msrtop_outcome_row *)a)->count,
			   &((const struct msrtop_outcome_row *)b)->count);
}

static int cmp_intercept_rows(const void *a, const void *b)
{
	return by_activity(&((const struct msrtop_intercept_row *)a)->count,
			   &((const struct msrtop_intercept_row *)b)->count);
}

static int cmp_canon_rows(const void *a, const void *b)
{
	return by_activity(&((const struct msrtop_canon_row *)a)->count,
			   &((const struct msrtop_canon_row *)b)->count);
}

/* A sorted copy of a table (stable for equal activity: qsort of an already key-sorted copy). */
static void *sorted_copy(const void *rows, size_t nr, size_t size,
			 int (*cmp)(const void *, const void *))
{
	void *copy = malloc(nr ? nr * size : 1);

	if (!copy)
		return NULL;
	memcpy(copy, rows, nr * size);
	if (nr)
		qsort(copy, nr, size, cmp);
	return copy;
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
			fprintf(f, "off (not in --sources)");
			break;
		}
		fputc('\n', f);
	}
}

static void print_overflow(FILE *f, const struct msrtop_snapshot *s)
{
	bool any = false;

	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		any |= s->overflow[m].total != 0;
	if (!any) {
		fprintf(f, "overflow: none (no event lost to a full map)\n");
		return;
	}
	fprintf(f, "overflow: events NOT counted because a map was full:");
	for (unsigned int m = 0; m < MSRTOP_MAP_NR; m++)
		if (s->overflow[m].total)
			fprintf(f, " %s %llu (+%llu)", msrtop_map_name(m),
				(unsigned long long)s->overflow[m].total,
				(unsigned long long)s->overflow[m].delta);
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

static void print_exits(FILE *f, const struct msrtop_snapshot *s)
{
	const struct msrtop_source *src = source(s, MSRTOP_SRC_KVM_EXIT);
	struct msrtop_exit_row *rows;
	char vcpu[16], reason[128];

	if (!s->nr_exits) {
		if (src->state == MSRTOP_SRC_ATTACHED)
			fprintf(f, "\nEXITS: none yet: kvm_exit is attached but has not fired "
				   "(no VM has exited to this kernel's KVM)\n");
		else
			fprintf(f, "\nEXITS: not available: kvm_exit is %s\n",
				src->state == MSRTOP_SRC_MISSING ? "not in this kernel"
				: src->state == MSRTOP_SRC_OFF	 ? "off (not in --sources)"
								 : "not attached");
		return;
	}
	rows = sorted_copy(s->exits, s->nr_exits, sizeof(*rows), cmp_exit_rows);
	if (!rows)
		return;
	fprintf(f, "\nEXITS\n%8s %-7s %-3s %-34s %-6s %12s %10s %12s\n", "PID", "VCPU", "ISA",
		"REASON", "NESTED", "COUNT", "/s", "MEAN-LAT-NS");
	for (size_t i = 0; i < s->nr_exits; i++) {
		const struct msrtop_exit_row *r = &rows[i];
		char lat[32] = "-";

		exit_reason_format(r->isa, r->reason, reason, sizeof(reason));
		if (r->latency.count)
			snprintf(lat, sizeof(lat), "%llu",
				 (unsigned long long)(r->latency.sum_ns / r->latency.count));
		fprintf(f, "%8u %-7s %-3s %-34s %-6s %12llu %10.1f %12s\n", r->pid,
			vcpu_text(r->vcpu_src, r->vcpu, vcpu, sizeof(vcpu)), isa_text(r->isa),
			reason, r->nested ? "yes" : "", (unsigned long long)r->count.total,
			r->count.rate, lat);
	}
	free(rows);
}

static void print_msrs(FILE *f, const struct msrtop_snapshot *s)
{
	const struct msrtop_source *src = source(s, MSRTOP_SRC_KVM_MSR);
	struct msrtop_msr_row *rows;
	char vcpu[16], name[64];

	if (!s->nr_msrs) {
		fprintf(f, "\nMSRS: %s\n",
			src->state == MSRTOP_SRC_ATTACHED
				? "none yet: kvm_msr is attached but no guest has accessed an MSR"
			: src->state == MSRTOP_SRC_OFF
				? "not available: kvm_msr is off (not in --sources)"
				: "not available: kvm_msr is not attached");
		return;
	}
	rows = sorted_copy(s->msrs, s->nr_msrs, sizeof(*rows), cmp_msr_rows);
	if (!rows)
		return;
	fprintf(f, "\nMSRS\n%8s %-7s %-10s %-28s %-5s %12s %10s %8s %18s %8s\n", "PID", "VCPU",
		"MSR", "NAME", "R/W", "COUNT", "/s", "#GP", "LAST-WRITTEN", "CHANGES");
	for (size_t i = 0; i < s->nr_msrs; i++) {
		const struct msrtop_msr_row *r = &rows[i];
		char last[24] = "-", changes[24] = "-";
		const char *n = msr_name(r->msr);

		snprintf(name, sizeof(name), "%s", n ? n : "-");
		if (r->has_value) {
			snprintf(last, sizeof(last), "0x%llx", (unsigned long long)r->last_value);
			snprintf(changes, sizeof(changes), "%llu",
				 (unsigned long long)r->changes.total);
		}
		fprintf(f, "%8u %-7s 0x%-8x %-28s %-5s %12llu %10.1f %8llu %18s %8s\n", r->pid,
			vcpu_text(r->vcpu_src, r->vcpu, vcpu, sizeof(vcpu)), r->msr, name,
			r->write ? "write" : "read", (unsigned long long)r->count.total,
			r->count.rate, (unsigned long long)r->gp.total, last, changes);
	}
	free(rows);
}

static void print_uexits(FILE *f, const struct msrtop_snapshot *s)
{
	struct msrtop_uexit_row *rows;
	char reason[64];

	if (!s->nr_uexits)
		return;
	rows = sorted_copy(s->uexits, s->nr_uexits, sizeof(*rows), cmp_uexit_rows);
	if (!rows)
		return;
	fprintf(f, "\nUSERSPACE EXITS\n%8s %-24s %12s %10s\n", "PID", "REASON", "COUNT", "/s");
	for (size_t i = 0; i < s->nr_uexits; i++) {
		const struct msrtop_uexit_row *r = &rows[i];

		kvm_uexit_format(r->reason, r->error, reason, sizeof(reason));
		fprintf(f, "%8u %-24s %12llu %10.1f\n", r->pid, reason,
			(unsigned long long)r->count.total, r->count.rate);
	}
	free(rows);
}

static void print_intercepts(FILE *f, const struct msrtop_snapshot *s)
{
	struct msrtop_intercept_row *rows;
	char vcpu[16], msr[64], code[128];

	if (!s->nr_intercepts)
		return;
	rows = sorted_copy(s->intercepts, s->nr_intercepts, sizeof(*rows), cmp_intercept_rows);
	if (!rows)
		return;
	fprintf(f, "\nMSR INTERCEPTS\n%8s %-7s %-3s %-24s %-28s %-5s %12s %10s\n", "PID", "VCPU",
		"ISA", "EXIT", "MSR", "R/W", "COUNT", "/s");
	for (size_t i = 0; i < s->nr_intercepts; i++) {
		const struct msrtop_intercept_row *r = &rows[i];

		exit_reason_format(r->isa, r->exit_code, code, sizeof(code));
		msr_format(r->msr, msr, sizeof(msr));
		fprintf(f, "%8u %-7s %-3s %-24s %-28s %-5s %12llu %10.1f\n", r->pid,
			vcpu_text(r->vcpu_src, r->vcpu, vcpu, sizeof(vcpu)), isa_text(r->isa), code,
			msr, r->write ? "write" : "read", (unsigned long long)r->count.total,
			r->count.rate);
	}
	free(rows);
}

static void print_outcomes(FILE *f, const struct msrtop_snapshot *s)
{
	struct msrtop_outcome_row *rows;
	char vcpu[16], msr[64], outcome[48];

	if (!s->nr_outcomes)
		return;
	rows = sorted_copy(s->outcomes, s->nr_outcomes, sizeof(*rows), cmp_outcome_rows);
	if (!rows)
		return;
	fprintf(f, "\nMSR OUTCOMES\n%8s %-7s %-28s %-5s %-30s %12s %10s %12s\n", "PID", "VCPU",
		"MSR", "R/W", "OUTCOME", "COUNT", "/s", "MEAN-NS");
	for (size_t i = 0; i < s->nr_outcomes; i++) {
		const struct msrtop_outcome_row *r = &rows[i];
		const char *on = msr_outcome_name(r->outcome);
		const char *rn = msr_outcome_reason_name(r->outcome, r->reason);
		char mean[24] = "-";

		msr_format(r->msr, msr, sizeof(msr));
		if (on && rn)
			snprintf(outcome, sizeof(outcome), "%s/%s", on, rn);
		else if (on && !r->reason)
			snprintf(outcome, sizeof(outcome), "%s", on);
		else
			snprintf(outcome, sizeof(outcome), "%s/%u", on ? on : "?", r->reason);
		if (r->duration.count)
			snprintf(mean, sizeof(mean), "%llu",
				 (unsigned long long)(r->duration.sum_ns / r->duration.count));
		fprintf(f, "%8u %-7s %-28s %-5s %-30s %12llu %10.1f %12s\n", r->pid,
			vcpu_text(r->vcpu_src, r->vcpu, vcpu, sizeof(vcpu)), msr,
			r->write ? "write" : "read", outcome, (unsigned long long)r->count.total,
			r->count.rate, mean);
	}
	free(rows);
}

static void print_canon(FILE *f, const struct msrtop_snapshot *s)
{
	struct msrtop_canon_row *rows;
	char vcpu[16], msr[64];

	if (!s->nr_canon)
		return;
	rows = sorted_copy(s->canon, s->nr_canon, sizeof(*rows), cmp_canon_rows);
	if (!rows)
		return;
	fprintf(f, "\nCANONICAL CHECKS\n%8s %-7s %-28s %12s %12s %12s\n", "PID", "VCPU", "MSR",
		"COUNT", "REJECTED", "FIXED-UP");
	for (size_t i = 0; i < s->nr_canon; i++) {
		const struct msrtop_canon_row *r = &rows[i];

		msr_format(r->msr, msr, sizeof(msr));
		fprintf(f, "%8u %-7s %-28s %12llu %12llu %12llu\n", r->pid,
			vcpu_text(r->vcpu_src, r->vcpu, vcpu, sizeof(vcpu)), msr,
			(unsigned long long)r->count.total, (unsigned long long)r->rejected.total,
			(unsigned long long)r->fixups.total);
	}
	free(rows);
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
	print_overflow(f, s);
	print_vms(f, s);
	print_exits(f, s);
	print_msrs(f, s);
	print_uexits(f, s);
	print_intercepts(f, s);
	print_outcomes(f, s);
	print_canon(f, s);
	fprintf(f,
		"(VCPU: N = vcpu_id from the event, N~ = learned for the thread, tN = thread id; "
		"/s = per second over the interval)\n\n");
	if (fflush(f) == EOF || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
