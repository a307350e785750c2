// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot arithmetic (userspace/snapshot.c): deltas and rates against the
 * previous snapshot, the VM table, totals, source event counts and filters,
 * on snapshots built by hand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cmocka_tap.h"

#include "exit_reasons.h"
#include "kinds.h"
#include "snapshot.h"
#include "snapshot_builder.h"

/* A snapshot taken at t seconds after an attach at t = 10 s, every source attached. */
static struct msrtop_snapshot *snap_at(double t, uint64_t seq)
{
	struct msrtop_snapshot *s = sb_new(seq, 1700000000 * SEC, 10 * SEC, (uint64_t)(t * SEC));

	for (int i = 0; i < MSRTOP_SRC_NR; i++)
		s->sources[i].state = MSRTOP_SRC_ATTACHED;
	return s;
}

static void test_first_snapshot_counts_since_attach(void **state)
{
	struct msrtop_snapshot *s = snap_at(12, 1);

	sb_msr(s, 100, MSRTOP_VCPU_LEARNED, 0, 0x1b, false, 50, 0);
	s->overflow[MSRTOP_MAP_MSRS].total = 4;
	assert_int_equal(snapshot_finish(s, NULL), 0);
	assert_true(s->interval_s > 1.999 && s->interval_s < 2.001);
	sb_assert_counter(&SB_MSRS(s)[0].count, 50, 50, 25);
	sb_assert_counter(&s->overflow[MSRTOP_MAP_MSRS], 4, 4, 2);
	sb_assert_counter(&s->totals.msr_reads, 50, 50, 25);
	snapshot_put(s);
}

static void test_deltas_and_rates(void **state)
{
	struct msrtop_snapshot *a = snap_at(11, 1), *b = snap_at(11.5, 2);
	struct msrtop_msr_row *r;

	sb_msr(a, 100, MSRTOP_VCPU_LEARNED, 0, 0x1b, false, 10, 1);
	sb_msr(a, 100, MSRTOP_VCPU_LEARNED, 0, 0x277, true, 5, 0)->changes.total = 2;
	sb_msr(a, 100, MSRTOP_VCPU_LEARNED, 1, 0x10, false, 7, 0); /* gone from b: reset below */
	a->overflow[MSRTOP_MAP_EXITS].total = 3;
	assert_int_equal(snapshot_finish(a, NULL), 0);

	sb_msr(b, 100, MSRTOP_VCPU_LEARNED, 0, 0x277, true, 9, 0)->changes.total = 5;
	sb_msr(b, 100, MSRTOP_VCPU_LEARNED, 0, 0x1b, false, 30, 1);
	sb_msr(b, 200, MSRTOP_VCPU_TID, 4242, 0x1b, false, 6, 6);  /* new */
	sb_msr(b, 100, MSRTOP_VCPU_LEARNED, 1, 0x10, false, 2, 0); /* went backwards: new entry */
	b->overflow[MSRTOP_MAP_EXITS].total = 3;
	assert_int_equal(snapshot_finish(b, a), 0);
	assert_true(b->interval_s > 0.499 && b->interval_s < 0.501);

	r = sb_find_msr(b, 100, MSRTOP_VCPU_LEARNED, 0, 0x1b, false);
	assert_non_null(r);
	sb_assert_counter(&r->count, 30, 20, 40);
	sb_assert_counter(&r->gp, 1, 0, 0);
	r = sb_find_msr(b, 100, MSRTOP_VCPU_LEARNED, 0, 0x277, true);
	assert_non_null(r);
	sb_assert_counter(&r->count, 9, 4, 8);
	sb_assert_counter(&r->changes, 5, 3, 6);
	r = sb_find_msr(b, 200, MSRTOP_VCPU_TID, 4242, 0x1b, false);
	assert_non_null(r);
	sb_assert_counter(&r->count, 6, 6, 12);
	sb_assert_counter(&r->gp, 6, 6, 12);
	r = sb_find_msr(b, 100, MSRTOP_VCPU_LEARNED, 1, 0x10, false);
	sb_assert_counter(&r->count, 2, 2, 4);
	assert_null(sb_find_msr(b, 100, MSRTOP_VCPU_LEARNED, 0, 0x1b, true));

	sb_assert_counter(&b->overflow[MSRTOP_MAP_EXITS], 3, 0, 0);
	sb_assert_counter(&b->totals.msr_reads, 38, 28, 56);
	sb_assert_counter(&b->totals.msr_writes, 9, 4, 8);
	sb_assert_counter(&b->totals.msr_gp, 7, 6, 12);
	sb_assert_counter(&b->totals.msr_changes, 5, 3, 6);
	snapshot_put(a);
	snapshot_put(b);
}

static void test_tables_sorted_by_key(void **state)
{
	struct msrtop_snapshot *s = snap_at(11, 1);

	sb_exit(s, 300, 0, MSRTOP_ISA_SVM, 0x7c, false, 1);
	sb_exit(s, 100, 1, MSRTOP_ISA_SVM, 0x7c, false, 1);
	sb_exit(s, 100, 0, MSRTOP_ISA_VMX, 32, false, 1);
	sb_exit(s, 100, 0, MSRTOP_ISA_SVM, 0x400, true, 1);
	sb_exit(s, 100, 0, MSRTOP_ISA_SVM, 0x400, false, 1);
	assert_int_equal(snapshot_finish(s, NULL), 0);
	assert_int_equal(SB_EXITS(s)[0].pid, 100);
	assert_int_equal(SB_EXITS(s)[0].isa, MSRTOP_ISA_VMX);
	assert_int_equal(SB_EXITS(s)[1].reason, 0x400);
	assert_false(SB_EXITS(s)[1].nested);
	assert_true(SB_EXITS(s)[2].nested);
	assert_int_equal(SB_EXITS(s)[3].vcpu, 1);
	assert_int_equal(SB_EXITS(s)[4].pid, 300);
	snapshot_put(s);
}

/* The order the tables document (snapshot.h), written out here field by field. */
static int ref_cmp_exit(const struct msrtop_exit_row *a, const struct msrtop_exit_row *b)
{
	uint64_t ka[] = {a->pid, a->vcpu_src, a->vcpu, a->isa, a->reason, a->nested};
	uint64_t kb[] = {b->pid, b->vcpu_src, b->vcpu, b->isa, b->reason, b->nested};

	for (int i = 0; i < 6; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

static int ref_cmp_msr(const struct msrtop_msr_row *a, const struct msrtop_msr_row *b)
{
	uint64_t ka[] = {a->pid, a->vcpu_src, a->vcpu, a->msr, a->write};
	uint64_t kb[] = {b->pid, b->vcpu_src, b->vcpu, b->msr, b->write};

	for (int i = 0; i < 5; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

/* A random value with few or all bits in use (the radix sort skips bytes that never vary). */
static uint32_t rnd(unsigned int *seed, int bits)
{
	uint32_t v = (uint32_t)rand_r(seed) << 16 ^ (uint32_t)rand_r(seed);

	return bits >= 32 ? v : v & ((1u << bits) - 1);
}

/* Thousands of random keys, some bytes constant and some not: sorted in key
 * order, no row lost or changed (each row's count is its original index). */
static void test_sort_random_rows(void **state)
{
	unsigned int seed = 12345;

	for (int round = 0; round < 6; round++) {
		struct msrtop_snapshot *s = snap_at(11, 1);
		int bits = round < 3 ? 4 + 6 * round : 32;
		size_t n = 3000 + 500 * round;
		char *seen = calloc(2 * n, 1);

		assert_non_null(seen);
		for (size_t i = 0; i < n; i++) {
			struct msrtop_exit_row *e = snapshot_add_row(s, MSRTOP_KIND_EXITS);
			struct msrtop_msr_row *m = snapshot_add_row(s, MSRTOP_KIND_MSRS);

			assert_non_null(e);
			assert_non_null(m);
			e->pid = rnd(&seed, bits);
			e->vcpu_src = rnd(&seed, 2);
			e->vcpu = rnd(&seed, bits);
			e->isa = 1 + rnd(&seed, 1);
			e->reason = rnd(&seed, bits);
			e->nested = rnd(&seed, 1);
			e->count.total = i;
			m->pid = rnd(&seed, bits);
			m->vcpu_src = MSRTOP_VCPU_KERNEL; /* not TID: merging is tested apart */
			m->vcpu = i;			  /* unique keys: no rows merged */
			m->msr = rnd(&seed, bits);
			m->write = rnd(&seed, 1);
			m->count.total = i;
		}
		snapshot_sort(s);
		assert_int_equal(SB_NR(s, EXITS), n);
		assert_int_equal(SB_NR(s, MSRS), n);
		for (size_t i = 0; i < n; i++) {
			if (i) {
				assert_true(ref_cmp_exit(&SB_EXITS(s)[i - 1], &SB_EXITS(s)[i]) <=
					    0);
				assert_true(ref_cmp_msr(&SB_MSRS(s)[i - 1], &SB_MSRS(s)[i]) < 0);
			}
			assert_true(SB_EXITS(s)[i].count.total < n &&
				    SB_MSRS(s)[i].count.total < n);
			seen[SB_EXITS(s)[i].count.total]++;
			seen[n + SB_MSRS(s)[i].count.total]++;
		}
		for (size_t i = 0; i < 2 * n; i++)
			assert_int_equal(seen[i], 1);
		free(seen);
		snapshot_put(s);
	}
}

/* One round of test_sort_reuses_order(): snapshot b gets the keys of a's
 * rows (keys[], n of them) in read order perm[], each with count 1000 + its
 * key's index. */
static struct msrtop_snapshot *fill_exits(double t, uint64_t seq, const uint32_t (*keys)[3],
					  const size_t *perm, size_t n)
{
	struct msrtop_snapshot *s = snap_at(t, seq);

	for (size_t i = 0; i < n; i++) {
		struct msrtop_exit_row *e = snapshot_add_row(s, MSRTOP_KIND_EXITS);

		assert_non_null(e);
		e->pid = keys[perm[i]][0];
		e->vcpu_src = MSRTOP_VCPU_KERNEL;
		e->vcpu = keys[perm[i]][1];
		e->isa = MSRTOP_ISA_SVM;
		e->reason = keys[perm[i]][2];
		e->count.total = 1000 + perm[i] + (uint64_t)seq * 10;
	}
	return s;
}

/* b's exit rows are sorted, each key's once, with the count it was read with
 * and its delta from the previous round. */
static void check_exits(const struct msrtop_snapshot *b, const uint32_t (*keys)[3], size_t n,
			uint64_t seq)
{
	char *seen = calloc(n, 1);

	assert_non_null(seen);
	assert_int_equal(SB_NR(b, EXITS), n);
	for (size_t i = 0; i < n; i++) {
		const struct msrtop_exit_row *r = &SB_EXITS(b)[i];
		uint64_t k = r->count.total - 1000 - seq * 10;

		if (i)
			assert_true(ref_cmp_exit(&SB_EXITS(b)[i - 1], r) < 0);
		assert_true(k < n);
		assert_int_equal(r->pid, keys[k][0]);
		assert_int_equal(r->vcpu, keys[k][1]);
		assert_int_equal(r->reason, keys[k][2]);
		/* A new key's delta is its total (the one changed in the last round). */
		assert_int_equal(r->count.delta, r->reason == 1000 ? r->count.total : 10);
		seen[k]++;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	free(seen);
}

/*
 * snapshot_finish() sorts a table read with the same keys in the same order
 * as the previous snapshot's by the previous permutation: the result must be
 * what sorting gives, and a table read in another order, or with one key
 * changed, must be sorted anew (reusing the permutation there would misplace
 * rows: check_exits() fails).
 */
static void test_sort_reuses_order(void **state)
{
	enum { N = 2000 };
	uint32_t(*keys)[3] = calloc(N, sizeof(*keys));
	size_t *perm = calloc(N, sizeof(*perm));
	unsigned int seed = 777;
	struct msrtop_snapshot *a, *b;

	(void)state;
	assert_non_null(keys);
	assert_non_null(perm);
	for (size_t i = 0; i < N; i++) { /* unique keys, in no order */
		keys[i][0] = 100 + rnd(&seed, 6);
		keys[i][1] = (uint32_t)i;
		keys[i][2] = rnd(&seed, 7);
		perm[i] = i;
	}
	for (size_t i = N - 1; i > 0; i--) { /* a random read order */
		size_t j = rnd(&seed, 32) % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	a = fill_exits(11, 1, keys, perm, N);
	assert_int_equal(snapshot_finish(a, NULL), 0);

	/* The same keys in the same read order: the old permutation. */
	b = fill_exits(12, 2, keys, perm, N);
	assert_int_equal(snapshot_finish(b, a), 0);
	check_exits(b, keys, N, 2);
	snapshot_put(a);
	a = b;

	/* The same keys, two of them read in swapped places. */
	{
		size_t t = perm[5];

		perm[5] = perm[N - 7];
		perm[N - 7] = t;
	}
	b = fill_exits(13, 3, keys, perm, N);
	assert_int_equal(snapshot_finish(b, a), 0);
	check_exits(b, keys, N, 3);
	snapshot_put(a);
	a = b;

	/* One key changed, the read order kept. */
	keys[perm[0]][2] = 1000; /* no other key has a reason this high */
	b = fill_exits(14, 4, keys, perm, N);
	assert_int_equal(snapshot_finish(b, a), 0);
	check_exits(b, keys, N, 4);
	snapshot_put(a);
	snapshot_put(b);
	free(keys);
	free(perm);
}

/* Two threads that both ran vCPU 1: their rows become one, counts summed. */
static void test_merge_msrs(void **state)
{
	struct msrtop_snapshot *s = snap_at(11, 1);
	struct msrtop_msr_row *r;

	(void)state;
	r = sb_msr(s, 100, MSRTOP_VCPU_LEARNED, 1, 0x277, true, 10, 2);
	r->has_value = true;
	r->last_value = 0x11;
	r->changes.total = 3;
	sb_msr(s, 100, MSRTOP_VCPU_LEARNED, 0, 0x277, true, 7, 0);
	r = sb_msr(s, 100, MSRTOP_VCPU_LEARNED, 1, 0x277, true, 20, 0);
	r->has_value = true;
	r->last_value = 0x22;
	r->changes.total = 4;
	sb_msr(s, 100, MSRTOP_VCPU_LEARNED, 1, 0x277, false, 5, 1);
	sb_msr(s, 100, MSRTOP_VCPU_TID, 1, 0x277, true, 1, 0);
	snapshot_sort(s);
	assert_int_equal(SB_NR(s, MSRS), 4);
	r = sb_find_msr(s, 100, MSRTOP_VCPU_LEARNED, 1, 0x277, true);
	assert_non_null(r);
	assert_int_equal(r->count.total, 30);
	assert_int_equal(r->gp.total, 2);
	assert_int_equal(r->changes.total, 7);
	assert_int_equal(r->last_value, 0x22); /* of the row with more writes */
	assert_int_equal(sb_find_msr(s, 100, MSRTOP_VCPU_LEARNED, 1, 0x277, false)->count.total, 5);
	assert_int_equal(sb_find_msr(s, 100, MSRTOP_VCPU_TID, 1, 0x277, true)->count.total, 1);
	snapshot_put(s);
}

static void test_latency_delta(void **state)
{
	struct msrtop_snapshot *a = snap_at(11, 1), *b = snap_at(12, 2);
	struct msrtop_exit_row *r;

	r = sb_exit(a, 100, 0, MSRTOP_ISA_SVM, 0x7c, false, 3);
	r->latency.count = 3;
	r->latency.sum_ns = 3000;
	r->latency.slots[9] = 3;
	assert_int_equal(snapshot_finish(a, NULL), 0);
	assert_int_equal(SB_EXITS(a)[0].latency_delta.count, 3);
	assert_int_equal(SB_EXITS(a)[0].latency_delta.slots[9], 3);

	r = sb_exit(b, 100, 0, MSRTOP_ISA_SVM, 0x7c, false, 5);
	r->latency.count = 5;
	r->latency.sum_ns = 5000;
	r->latency.slots[9] = 4;
	r->latency.slots[12] = 1;
	assert_int_equal(snapshot_finish(b, a), 0);
	r = &SB_EXITS(b)[0];
	assert_int_equal(r->latency_delta.count, 2);
	assert_int_equal(r->latency_delta.sum_ns, 2000);
	assert_int_equal(r->latency_delta.slots[9], 1);
	assert_int_equal(r->latency_delta.slots[12], 1);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_ENTRY].events.total, 5);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_ENTRY].events.delta, 2);
	snapshot_put(a);
	snapshot_put(b);
}

/* An outcome row of pid 100's vCPU vcpu with n accesses, each of d ns. */
static void outcome(struct msrtop_snapshot *s, uint32_t vcpu, bool write, uint8_t outcome,
		    bool emulated, uint64_t n, uint64_t d)
{
	struct msrtop_outcome_row *o = snapshot_add_row(s, MSRTOP_KIND_OUTCOMES);

	assert_non_null(o);
	o->pid = 100;
	o->vcpu = vcpu;
	o->msr = write ? 0x277 : 0x10;
	o->write = write;
	o->outcome = outcome;
	o->emulated = emulated;
	o->count.total = n;
	o->duration.count = n;
	o->duration.sum_ns = n * d;
	o->duration.min_ns = d;
	o->duration.max_ns = d;
	o->duration.slots[63 - __builtin_clzll(d)] = n;
}

/*
 * kvm_msr_outcome times MSR exits (msr_exit_latency_from_outcomes): an MSR
 * exit row's latency is the durations of its vCPU's accesses that made an
 * MSR exit, by direction for VMX, both for SVM, without the emulator's and
 * without USERSPACE (its USERSPACE_DONE holds the round trip). Other exit rows
 * keep kvm_entry's latency, and only those are kvm_entry's events.
 */
static void test_msr_exit_latency_from_outcomes(void **state)
{
	struct msrtop_snapshot *a = snap_at(11, 1), *b = snap_at(12, 2), *off = snap_at(11, 1);
	struct msrtop_exit_row *r;

	for (int i = 0; i < 2; i++) {
		struct msrtop_snapshot *s = i ? b : a;
		uint64_t m = i + 1; /* b has twice a's accesses */

		s->msr_exit_latency_from_outcomes = true;
		r = sb_exit(s, 100, 0, MSRTOP_ISA_SVM, 0x7c, false, 10 * m);
		r->latency.count = 99; /* replaced */
		sb_exit(s, 100, 0, MSRTOP_ISA_SVM, 0x7c, true, 1);   /* nested: none */
		r = sb_exit(s, 100, 0, MSRTOP_ISA_SVM, 0x78, false, 4); /* HLT: kvm_entry's */
		r->latency.count = 4;
		r->latency.sum_ns = 4000;
		r->latency.slots[9] = 4;
		sb_exit(s, 100, 1, MSRTOP_ISA_VMX, 31, false, 4 * m);
		sb_exit(s, 100, 1, MSRTOP_ISA_VMX, 32, false, 3 * m);
		outcome(s, 0, true, MSRTOP_OUTCOME_HANDLED, false, 3 * m, 600);
		outcome(s, 0, true, MSRTOP_OUTCOME_HANDLED, true, 5, 70000); /* emulated */
		outcome(s, 0, false, MSRTOP_OUTCOME_USERSPACE, false, 2 * m, 300);
		outcome(s, 0, false, MSRTOP_OUTCOME_USERSPACE_DONE, false, 2 * m, 9000);
		outcome(s, 0, true, MSRTOP_OUTCOME_GP, false, 5 * m, 1500);
		outcome(s, 1, false, MSRTOP_OUTCOME_HANDLED, false, 4 * m, 200);
		outcome(s, 1, true, MSRTOP_OUTCOME_FASTPATH, false, 2 * m, 100);
		outcome(s, 1, true, MSRTOP_OUTCOME_ERROR, false, m, 5000);
		outcome(s, 2, true, MSRTOP_OUTCOME_HANDLED, false, 8, 400); /* no exit row */
	}
	assert_int_equal(snapshot_finish(a, NULL), 0);
	assert_int_equal(snapshot_finish(b, a), 0);
	/* Sorted: vCPU 0 HLT, MSR, MSR (nested); vCPU 1 MSR_READ, MSR_WRITE. */
	assert_int_equal(SB_NR(b, EXITS), 5);
	r = &SB_EXITS(b)[1];
	assert_int_equal(r->reason, 0x7c);
	assert_false(r->nested);
	assert_int_equal(r->latency.count, 6 + 4 + 10);
	assert_int_equal(r->latency.sum_ns, 6 * 600 + 4 * 9000 + 10 * 1500);
	assert_int_equal(r->latency.min_ns, 600);
	assert_int_equal(r->latency.max_ns, 9000);
	assert_int_equal(r->latency.slots[9], 6);
	assert_int_equal(r->latency.slots[13], 4);
	assert_int_equal(r->latency.slots[10], 10);
	assert_int_equal(r->latency.slots[16], 0); /* the emulator's 70 us */
	assert_int_equal(r->latency_delta.count, 10);
	assert_int_equal(SB_EXITS(b)[2].latency.count, 0);
	assert_int_equal(SB_EXITS(b)[0].latency.count, 4);
	r = &SB_EXITS(b)[3];
	assert_int_equal(r->reason, 31);
	assert_int_equal(r->latency.count, 8);
	assert_int_equal(r->latency.sum_ns, 8 * 200);
	r = &SB_EXITS(b)[4];
	assert_int_equal(r->reason, 32);
	assert_int_equal(r->latency.count, 6);
	assert_int_equal(r->latency.sum_ns, 4 * 100 + 2 * 5000);
	assert_int_equal(r->latency.min_ns, 100);
	assert_int_equal(r->latency.max_ns, 5000);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_ENTRY].events.total, 4);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_ENTRY].events.delta, 0);

	/* Without it, an MSR exit's latency is kvm_entry's, as read. */
	r = sb_exit(off, 100, 0, MSRTOP_ISA_SVM, 0x7c, false, 10);
	r->latency.count = 7;
	outcome(off, 0, true, MSRTOP_OUTCOME_HANDLED, false, 3, 600);
	assert_int_equal(snapshot_finish(off, NULL), 0);
	assert_int_equal(SB_EXITS(off)[0].latency.count, 7);
	assert_int_equal(off->sources[MSRTOP_SRC_KVM_ENTRY].events.total, 7);
	snapshot_put(a);
	snapshot_put(b);
	snapshot_put(off);
}

static void test_vm_table(void **state)
{
	struct msrtop_snapshot *a = snap_at(11, 1), *b = snap_at(12, 2);
	struct msrtop_vm *vm;

	sb_exit(a, 100, 0, MSRTOP_ISA_SVM, 0x7c, false, 10);
	assert_int_equal(snapshot_finish(a, NULL), 0);
	vm = snapshot_find_vm(a, 100);
	assert_non_null(vm);
	strcpy(vm->comm, "qemu-system-x86");
	strcpy(vm->name, "web1");
	vm->alive = true;

	sb_exit(b, 100, 0, MSRTOP_ISA_SVM, 0x7c, false, 20);
	sb_exit(b, 100, 1, MSRTOP_ISA_SVM, 0x7c, false, 5);
	sb_exit(b, 100, 1, MSRTOP_ISA_SVM, 0x7c, true, 4); /* nested: not in VM exits */
	sb_msr(b, 100, MSRTOP_VCPU_LEARNED, 1, 0x1b, false, 3, 0);
	sb_msr(b, 100, MSRTOP_VCPU_TID, 777, 0x1b, true, 2, 1);
	sb_uexit(b, 100, 2, false, 8);
	sb_uexit(b, 200, 4, true, 1); /* a pid seen only in userspace exits */
	assert_int_equal(snapshot_finish(b, a), 0);

	assert_int_equal(b->nr_vms, 2);
	vm = snapshot_find_vm(b, 100);
	assert_non_null(vm);
	assert_string_equal(vm->comm, "qemu-system-x86");
	assert_string_equal(vm->name, "web1");
	assert_true(vm->alive);
	/* vcpu_id 0 (kernel), vcpu_id 1 (kernel and learned: one vCPU), tid 777 */
	assert_int_equal(vm->nr_vcpus, 3);
	sb_assert_counter(&vm->exits, 25, 15, 15);
	sb_assert_counter(&vm->msr_reads, 3, 3, 3);
	sb_assert_counter(&vm->msr_writes, 2, 2, 2);
	sb_assert_counter(&vm->msr_gp, 1, 1, 1);
	sb_assert_counter(&vm->uexits, 8, 8, 8);
	vm = snapshot_find_vm(b, 200);
	assert_non_null(vm);
	assert_string_equal(vm->comm, "");
	assert_int_equal(vm->nr_vcpus, 0);
	sb_assert_counter(&vm->uexits, 1, 1, 1);

	sb_assert_counter(&b->totals.exits, 25, 15, 15);
	sb_assert_counter(&b->totals.nested_exits, 4, 4, 4);
	sb_assert_counter(&b->totals.uexits, 9, 9, 9);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_EXIT].events.total, 25);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_NESTED_VMEXIT].events.total, 4);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_MSR].events.total, 5);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_USERSPACE_EXIT].events.total, 9);
	snapshot_put(a);
	snapshot_put(b);
}

static void test_patched_tables(void **state)
{
	struct msrtop_snapshot *a = snap_at(11, 1), *b = snap_at(13, 2);
	struct msrtop_outcome_row *o;
	struct msrtop_canon_row *c;
	struct msrtop_intercept_row *i;

	c = snapshot_add_row(a, MSRTOP_KIND_CANON);
	c->pid = 1;
	c->msr = 0xc0000100;
	c->count.total = 4;
	c->rejected.total = 2;
	c->fixups.total = 1;
	assert_int_equal(snapshot_finish(a, NULL), 0);

	c = snapshot_add_row(b, MSRTOP_KIND_CANON);
	c->pid = 1;
	c->msr = 0xc0000100;
	c->count.total = 10;
	c->rejected.total = 2;
	c->fixups.total = 5;
	o = snapshot_add_row(b, MSRTOP_KIND_OUTCOMES);
	o->pid = 1;
	o->msr = 0x277;
	o->write = true;
	o->outcome = MSRTOP_OUTCOME_HANDLED;
	o->count.total = 6;
	i = snapshot_add_row(b, MSRTOP_KIND_INTERCEPTS);
	i->pid = 1;
	i->isa = MSRTOP_ISA_SVM;
	i->exit_code = 0x7c;
	i->msr = 0x277;
	i->count.total = 8;
	assert_int_equal(snapshot_finish(b, a), 0);
	sb_assert_counter(&SB_CANON(b)[0].count, 10, 6, 3);
	sb_assert_counter(&SB_CANON(b)[0].rejected, 2, 0, 0);
	sb_assert_counter(&SB_CANON(b)[0].fixups, 5, 4, 2);
	sb_assert_counter(&b->totals.canonical_fixups, 5, 4, 2);
	sb_assert_counter(&b->totals.outcomes, 6, 6, 3);
	sb_assert_counter(&b->totals.intercepts, 8, 8, 4);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_MSR_CANONICAL].events.total, 10);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_MSR_OUTCOME].events.delta, 6);
	assert_int_equal(b->sources[MSRTOP_SRC_KVM_MSR_INTERCEPT].events.total, 8);
	snapshot_put(a);
	snapshot_put(b);
}

static void test_zero_interval_has_zero_rates(void **state)
{
	struct msrtop_snapshot *s = snap_at(10, 1); /* read at the attach instant */

	sb_msr(s, 1, MSRTOP_VCPU_TID, 1, 0x10, false, 5, 0);
	assert_int_equal(snapshot_finish(s, NULL), 0);
	assert_true(s->interval_s == 0);
	sb_assert_counter(&SB_MSRS(s)[0].count, 5, 5, 0);
	snapshot_put(s);
}

static void test_references(void **state)
{
	struct msrtop_snapshot *s = snap_at(11, 1);

	assert_ptr_equal(snapshot_get(s), s);
	assert_int_equal(s->refs, 2);
	snapshot_put(s);
	assert_int_equal(s->refs, 1);
	snapshot_put(s); /* frees; the sanitizers or valgrind would see a double free */
	snapshot_put(NULL);
}

/* ---- filters ----------------------------------------------------------------- */

/* Two VMs; exits VMX and SVM; MSRs on learned and tid vCPUs; one userspace exit each. */
static struct msrtop_snapshot *filter_input(void)
{
	struct msrtop_snapshot *s = snap_at(11, 1);
	struct msrtop_intercept_row *i;
	struct msrtop_outcome_row *o;
	struct msrtop_canon_row *c;

	sb_exit(s, 100, 0, MSRTOP_ISA_VMX, 32, false, 10); /* MSR_WRITE */
	/* INVALID_STATE|FAILED_VMENTRY */
	sb_exit(s, 100, 0, MSRTOP_ISA_VMX, 0x80000021, false, 1);
	sb_exit(s, 100, 1, MSRTOP_ISA_VMX, 0x80000020, false, 2); /* MSR_WRITE|FAILED_VMENTRY */
	sb_exit(s, 200, 0, MSRTOP_ISA_SVM, 0x7c, false, 20);	  /* msr */
	sb_exit(s, 200, 1, MSRTOP_ISA_SVM, 32, false, 3);	  /* write_dr0: 32 on SVM */
	sb_msr(s, 100, MSRTOP_VCPU_LEARNED, 0, 0x1b, false, 4, 0);
	sb_msr(s, 100, MSRTOP_VCPU_LEARNED, 1, 0x277, true, 6, 0);
	sb_msr(s, 200, MSRTOP_VCPU_TID, 1, 0x1b, false, 8, 0); /* a tid that happens to be 1 */
	sb_uexit(s, 100, 2, false, 5);
	sb_uexit(s, 200, 2, false, 7);
	i = snapshot_add_row(s, MSRTOP_KIND_INTERCEPTS);
	*i = (struct msrtop_intercept_row){.pid = 200,
					   .vcpu = 1,
					   .isa = MSRTOP_ISA_SVM,
					   .exit_code = 0x7c,
					   .msr = 0x277,
					   .write = true};
	i->count.total = 9;
	o = snapshot_add_row(s, MSRTOP_KIND_OUTCOMES);
	*o = (struct msrtop_outcome_row){.pid = 200, .vcpu = 1, .msr = 0x1b};
	o->count.total = 2;
	c = snapshot_add_row(s, MSRTOP_KIND_CANON);
	*c = (struct msrtop_canon_row){.pid = 100, .vcpu = 0, .msr = 0xc0000100};
	c->count.total = 1;
	assert_int_equal(snapshot_finish(s, NULL), 0);
	snapshot_find_vm(s, 100)->alive = true;
	strcpy(snapshot_find_vm(s, 100)->comm, "qemu");
	return s;
}

static void test_filter_empty(void **state)
{
	struct msrtop_snapshot *s = filter_input(), *f;
	struct msrtop_filter none = {0};

	assert_true(snapshot_filter_is_empty(NULL));
	assert_true(snapshot_filter_is_empty(&none));
	f = snapshot_filter(s, &none);
	assert_non_null(f);
	assert_false(f->filtered);
	assert_int_equal(SB_NR(f, EXITS), SB_NR(s, EXITS));
	assert_int_equal(SB_NR(f, MSRS), SB_NR(s, MSRS));
	assert_int_equal(SB_NR(f, UEXITS), SB_NR(s, UEXITS));
	assert_int_equal(f->nr_vms, 2);
	assert_memory_equal(&f->totals, &s->totals, sizeof(f->totals));
	snapshot_put(f);
	snapshot_put(s);
}

static void test_filter_pid(void **state)
{
	struct msrtop_snapshot *s = filter_input(), *f;
	struct msrtop_filter flt = {.pids = {100}, .nr_pids = 1};

	f = snapshot_filter(s, &flt);
	assert_non_null(f);
	assert_true(f->filtered);
	assert_int_equal(f->nr_vms, 1);
	assert_int_equal(f->vms[0].pid, 100);
	assert_string_equal(f->vms[0].comm, "qemu");
	assert_true(f->vms[0].alive);
	assert_int_equal(SB_NR(f, EXITS), 3);
	assert_int_equal(SB_NR(f, MSRS), 2);
	assert_int_equal(SB_NR(f, UEXITS), 1);
	assert_int_equal(SB_NR(f, INTERCEPTS), 0);
	assert_int_equal(SB_NR(f, OUTCOMES), 0);
	assert_int_equal(SB_NR(f, CANON), 1);
	assert_int_equal(f->totals.exits.total, 13);
	assert_int_equal(f->totals.uexits.total, 5);
	/* Sources and overflow are the whole kernel's, not filtered. */
	assert_memory_equal(f->sources, s->sources, sizeof(f->sources));
	snapshot_put(f);

	flt.pids[1] = 200;
	flt.nr_pids = 2;
	f = snapshot_filter(s, &flt);
	assert_int_equal(SB_NR(f, EXITS), 5);
	assert_int_equal(f->nr_vms, 2);
	snapshot_put(f);
	snapshot_put(s);
}

/* --guest: a VM by guest name or comm, exactly; one that matches nothing keeps nothing. */
static void test_filter_guest(void **state)
{
	struct msrtop_snapshot *s = filter_input(), *f;
	struct msrtop_filter flt = {0};
	char why[128];

	strcpy(snapshot_find_vm(s, 200)->name, "web1");
	strcpy(snapshot_find_vm(s, 200)->comm, "qemu-system-x86");
	assert_int_equal(snapshot_filter_add_guest(&flt, "web1"), 0);
	assert_false(snapshot_filter_is_empty(&flt));
	f = snapshot_filter(s, &flt);
	assert_non_null(f);
	assert_int_equal(f->nr_vms, 1);
	assert_int_equal(f->vms[0].pid, 200);
	assert_string_equal(f->vms[0].name, "web1");
	assert_int_equal(SB_NR(f, EXITS), 2);
	assert_int_equal(SB_NR(f, INTERCEPTS), 1);
	assert_int_equal(f->totals.exits.total, 23);
	snapshot_put(f);

	/* By comm (VM 100 has no guest name), beside the name: both VMs. */
	assert_int_equal(snapshot_filter_add_guest(&flt, "qemu"), 0);
	f = snapshot_filter(s, &flt);
	assert_int_equal(f->nr_vms, 2);
	snapshot_put(f);

	/* A prefix is not a match, nor is another VM's name; with --pid both must match. */
	memset(&flt, 0, sizeof(flt));
	snapshot_filter_add_guest(&flt, "web");
	snapshot_filter_add_guest(&flt, "qemu-system");
	f = snapshot_filter(s, &flt);
	assert_int_equal(f->nr_vms, 0);
	assert_int_equal(SB_NR(f, EXITS), 0);
	snapshot_put(f);
	memset(&flt, 0, sizeof(flt));
	snapshot_filter_add_guest(&flt, "web1");
	flt.pids[0] = 100;
	flt.nr_pids = 1;
	f = snapshot_filter(s, &flt);
	assert_int_equal(f->nr_vms, 0);
	snapshot_put(f);

	/* At most MSRTOP_FILTER_MAX_GUESTS names; bad names refused. */
	memset(&flt, 0, sizeof(flt));
	for (int i = 0; i < MSRTOP_FILTER_MAX_GUESTS; i++)
		assert_int_equal(snapshot_filter_add_guest(&flt, "g"), 0);
	assert_int_equal(snapshot_filter_add_guest(&flt, "g"), -E2BIG);
	assert_int_equal(snapshot_guest_name_check("web1", why, sizeof(why)), 0);
	assert_int_equal(snapshot_guest_name_check("", why, sizeof(why)), -EINVAL);
	assert_int_equal(snapshot_guest_name_check("a\x1b[2Jb", why, sizeof(why)), -EINVAL);
	char lng[MSRTOP_VM_NAME_LEN + 1];

	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	assert_int_equal(snapshot_guest_name_check(lng, why, sizeof(why)), -EINVAL);
	lng[MSRTOP_VM_NAME_LEN - 1] = '\0';
	assert_int_equal(snapshot_guest_name_check(lng, why, sizeof(why)), 0);
	snapshot_put(s);
}

static void test_filter_vcpu(void **state)
{
	struct msrtop_snapshot *s = filter_input(), *f;
	struct msrtop_filter flt = {.has_vcpu = true, .vcpu = 1};

	f = snapshot_filter(s, &flt);
	assert_non_null(f);
	assert_int_equal(SB_NR(f, EXITS), 2); /* pid 100 vcpu 1, pid 200 vcpu 1 */
	assert_int_equal(SB_NR(f, MSRS), 1);  /* not the tid 1 row */
	assert_int_equal(SB_MSRS(f)[0].msr, 0x277);
	assert_int_equal(SB_NR(f, UEXITS), 2); /* no vCPU dimension: untouched */
	assert_int_equal(SB_NR(f, INTERCEPTS), 1);
	assert_int_equal(SB_NR(f, OUTCOMES), 1);
	assert_int_equal(SB_NR(f, CANON), 0);
	snapshot_put(f);
	snapshot_put(s);
}

static void test_filter_msr(void **state)
{
	struct msrtop_snapshot *s = filter_input(), *f;
	struct msrtop_filter flt = {.has_msr = true, .msr = 0x1b};

	f = snapshot_filter(s, &flt);
	assert_non_null(f);
	assert_int_equal(SB_NR(f, EXITS), 5); /* no MSR dimension: untouched */
	assert_int_equal(SB_NR(f, MSRS), 2);
	assert_int_equal(f->totals.msr_reads.total, 12);
	assert_int_equal(f->totals.msr_writes.total, 0);
	assert_int_equal(SB_NR(f, INTERCEPTS), 0);
	assert_int_equal(SB_NR(f, OUTCOMES), 1);
	assert_int_equal(SB_NR(f, CANON), 0);
	snapshot_put(f);
	snapshot_put(s);
}

static void test_filter_reason(void **state)
{
	struct msrtop_snapshot *s = filter_input(), *f;
	struct msrtop_filter flt = {.has_reason = true};

	/* "MSR_WRITE" exists for VMX only: the basic reason, whatever the modifier bits. */
	flt.reason_vmx_ok = true;
	flt.reason_vmx = 32;
	f = snapshot_filter(s, &flt);
	assert_int_equal(SB_NR(f, EXITS), 2);
	assert_int_equal(SB_EXITS(f)[0].reason, 32);
	assert_int_equal(SB_EXITS(f)[1].reason, 0x80000020);
	assert_int_equal(SB_NR(f, MSRS), 3); /* no reason dimension: untouched */
	assert_int_equal(SB_NR(f, INTERCEPTS), 0);
	snapshot_put(f);

	/* With modifier bits given: exactly that. */
	flt.reason_vmx = 0x80000020;
	f = snapshot_filter(s, &flt);
	assert_int_equal(SB_NR(f, EXITS), 1);
	assert_int_equal(SB_EXITS(f)[0].vcpu, 1);
	snapshot_put(f);

	/* "msr" exists for SVM only. */
	flt.reason_vmx_ok = false;
	flt.reason_svm_ok = true;
	flt.reason_svm = 0x7c;
	f = snapshot_filter(s, &flt);
	assert_int_equal(SB_NR(f, EXITS), 1);
	assert_int_equal(SB_EXITS(f)[0].pid, 200);
	assert_int_equal(SB_NR(f, INTERCEPTS), 1); /* exit_code 0x7c */
	assert_int_equal(f->totals.exits.total, 20);
	snapshot_put(f);

	/* A number means that code on both ISAs. */
	flt.reason_vmx_ok = true;
	flt.reason_vmx = 32;
	flt.reason_svm = 32;
	f = snapshot_filter(s, &flt);
	assert_int_equal(SB_NR(f, EXITS), 3);
	snapshot_put(f);
	snapshot_put(s);
}

/*
 * The event kind table is written by hand: every kind has its rows, key,
 * account and map, its counts of fields, families and text columns match the
 * entries written (one past the last is empty, the last is not), and the
 * rows of a kind start with their pid (the VM table and filters rely on it).
 */
static void test_kind_table(void **state)
{
	struct msrtop_snapshot *s = snapshot_new();

	assert_non_null(s);
	for (int i = 0; i < MSRTOP_KIND_NR; i++) {
		const struct msrtop_kind *k = &msrtop_kinds[i];
		void *row;

		assert_non_null(k->name);
		assert_non_null(k->cmp);
		if (k->source == MSRTOP_SRC_KVM_DEBUGFS) {
			/* Rows from the debugfs reader, not from a BPF map. */
			assert_null(k->maps[0]);
			assert_null(k->decode[0]);
		} else {
			assert_non_null(k->account);
			assert_non_null(k->maps[0]);
			assert_non_null(k->decode[0]);
		}
		assert_true(!k->maps[1] == !k->decode[1]);
		assert_true(k->nr_counters > 0 && k->nr_counters <= MSRTOP_KIND_MAX_COUNTERS);
		assert_true(k->nr_fields > 0 && k->nr_fields <= MSRTOP_KIND_MAX_FIELDS);
		assert_non_null(k->fields[k->nr_fields - 1].json[0]);
		if (k->nr_fields < MSRTOP_KIND_MAX_FIELDS)
			assert_null(k->fields[k->nr_fields].json[0]);
		assert_true(k->nr_families > 0 && k->nr_families <= MSRTOP_KIND_MAX_FAMILIES);
		assert_non_null(k->families[k->nr_families - 1].name);
		if (k->nr_families < MSRTOP_KIND_MAX_FAMILIES)
			assert_null(k->families[k->nr_families].name);
		assert_true(k->nr_text_cols > 0 && k->nr_text_cols <= MSRTOP_KIND_MAX_TEXT_COLS);
		assert_non_null(k->text_cols[k->nr_text_cols - 1].title);
		if (k->nr_text_cols < MSRTOP_KIND_MAX_TEXT_COLS)
			assert_null(k->text_cols[k->nr_text_cols].title);
		assert_non_null(k->text_title);
		assert_true(k->source < MSRTOP_SRC_NR);
		if (k->view.tab) {
			/* The terminal view's table: counts in range, keys of its own. */
			assert_true(k->view.nr_cols > 0 &&
				    k->view.nr_cols <= MSRTOP_KIND_MAX_VIEW_COLS);
			assert_non_null(k->view.cols[k->view.nr_cols - 1].title);
			assert_true(k->view.nr_sorts > 0 &&
				    k->view.nr_sorts <= MSRTOP_KIND_MAX_VIEW_SORTS);
			assert_non_null(k->view.sorts[k->view.nr_sorts - 1].name);
			assert_non_null(k->view.help);
			assert_non_null(k->view.what);
			assert_non_null(k->view.yet);
			/* Not a command key of the view (docs/tui.md), nor another view's. */
			assert_null(strchr("qQsSpcMrFh?+=-_ vo", k->view.key));
			for (int j = 0; j < i; j++)
				assert_true(msrtop_kinds[j].view.key != k->view.key);
		}

		row = snapshot_add_row(s, i);
		assert_non_null(row);
		assert_ptr_equal(row, kind_rows(s, k));
		assert_int_equal(kind_nr(s, k), 1);
		*(uint32_t *)row = 4242; /* pid */
	}
	assert_int_equal(snapshot_finish(s, NULL), 0);
	assert_int_equal(s->nr_vms, 1);
	assert_int_equal(s->vms[0].pid, 4242);
	assert_int_equal(SB_EXITS(s)[0].pid, 4242);
	assert_int_equal(SB_CANON(s)[0].pid, 4242);
	snapshot_put(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_snapshot_counts_since_attach),
		cmocka_unit_test(test_deltas_and_rates),
		cmocka_unit_test(test_tables_sorted_by_key),
		cmocka_unit_test(test_sort_random_rows),
		cmocka_unit_test(test_sort_reuses_order),
		cmocka_unit_test(test_merge_msrs),
		cmocka_unit_test(test_latency_delta),
		cmocka_unit_test(test_msr_exit_latency_from_outcomes),
		cmocka_unit_test(test_vm_table),
		cmocka_unit_test(test_patched_tables),
		cmocka_unit_test(test_zero_interval_has_zero_rates),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_filter_empty),
		cmocka_unit_test(test_filter_pid),
		cmocka_unit_test(test_filter_guest),
		cmocka_unit_test(test_filter_vcpu),
		cmocka_unit_test(test_filter_msr),
		cmocka_unit_test(test_filter_reason),
		cmocka_unit_test(test_kind_table),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return tap_cmocka_run("snapshot", tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
