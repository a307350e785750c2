// SPDX-License-Identifier: GPL-2.0
/* Snapshots for the unit tests, built row by row (snapshot_builder.h). */
#include <stdio.h>
#include <string.h>

#include "../lib/cmocka_tap.h"

#include "snapshot_builder.h"

struct msrtop_snapshot *sb_new(uint64_t seq, uint64_t start_time_ns, uint64_t start_mono_ns,
			       uint64_t mono_ns)
{
	struct msrtop_snapshot *s = snapshot_new();

	assert_non_null(s);
	s->seq = seq;
	s->start_time_ns = start_time_ns;
	s->start_mono_ns = start_mono_ns;
	s->mono_ns = mono_ns;
	s->time_ns = start_time_ns + mono_ns - start_mono_ns;
	return s;
}

void sb_sources(struct msrtop_snapshot *s)
{
	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		s->sources[i].name = msrtop_source_name(i);
		s->sources[i].attach = i == MSRTOP_SRC_KVM_EXIT || i == MSRTOP_SRC_KVM_NESTED_VMEXIT
					       ? "tracepoint"
					       : "tp_btf";
		s->sources[i].patched =
			i >= MSRTOP_SRC_KVM_MSR_INTERCEPT && i <= MSRTOP_SRC_KVM_MSR_CANONICAL;
		s->sources[i].state = MSRTOP_SRC_ATTACHED;
	}
}

void *sb_row(struct msrtop_snapshot *s, enum msrtop_kind_id kind, const void *init)
{
	void *r = snapshot_add_row(s, kind);

	assert_non_null(r);
	memcpy(r, init, msrtop_kinds[kind].row_size);
	return r;
}

struct msrtop_exit_row *sb_exit(struct msrtop_snapshot *s, uint32_t pid, uint32_t vcpu, uint8_t isa,
				uint32_t reason, bool nested, uint64_t count)
{
	struct msrtop_exit_row r = {.pid = pid,
				    .vcpu_src = MSRTOP_VCPU_KERNEL,
				    .vcpu = vcpu,
				    .isa = isa,
				    .reason = reason,
				    .nested = nested,
				    .count.total = count};

	return sb_row(s, MSRTOP_KIND_EXITS, &r);
}

struct msrtop_msr_row *sb_msr(struct msrtop_snapshot *s, uint32_t pid, uint8_t vcpu_src,
			      uint32_t vcpu, uint32_t msr, bool write, uint64_t count, uint64_t gp)
{
	struct msrtop_msr_row r = {.pid = pid,
				   .vcpu_src = vcpu_src,
				   .vcpu = vcpu,
				   .msr = msr,
				   .write = write,
				   .count.total = count,
				   .gp.total = gp};

	return sb_row(s, MSRTOP_KIND_MSRS, &r);
}

struct msrtop_uexit_row *sb_uexit(struct msrtop_snapshot *s, uint32_t pid, uint32_t reason,
				  bool error, uint64_t count)
{
	struct msrtop_uexit_row r = {
		.pid = pid, .reason = reason, .error = error, .count.total = count};

	return sb_row(s, MSRTOP_KIND_UEXITS, &r);
}

void sb_vm(struct msrtop_snapshot *s, uint32_t pid, const char *comm, const char *name, bool alive)
{
	struct msrtop_vm *vm = snapshot_find_vm(s, pid);

	assert_non_null(vm);
	snprintf(vm->comm, sizeof(vm->comm), "%s", comm);
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->alive = alive;
}

struct msrtop_msr_row *sb_find_msr(struct msrtop_snapshot *s, uint32_t pid, uint8_t vcpu_src,
				   uint32_t vcpu, uint32_t msr, bool write)
{
	struct msrtop_msr_row key = {
		.pid = pid, .vcpu_src = vcpu_src, .vcpu = vcpu, .msr = msr, .write = write};

	return snapshot_find_row(s, MSRTOP_KIND_MSRS, &key);
}

void sb_assert_counter(const struct msrtop_counter *c, uint64_t total, uint64_t delta, double rate)
{
	assert_int_equal(c->total, total);
	assert_int_equal(c->delta, delta);
	if (c->rate < rate - 1e-9 || c->rate > rate + 1e-9)
		fail_msg("rate %f, expected %f", c->rate, rate);
}
