/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots for the unit tests (test_snapshot, test_json_out, test_golden,
 * test_prom...), built row by row the way the collector builds them: the
 * times, the sources, rows of any kind, the VM names. Every function fails
 * the running cmocka test when out of memory.
 */
#ifndef MSRTOP_TEST_SNAPSHOT_BUILDER_H
#define MSRTOP_TEST_SNAPSHOT_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

#include "kinds.h"
#include "snapshot.h"

#define SEC 1000000000ull

/* A new snapshot read at mono_ns, after an attach at start_mono_ns (CLOCK_REALTIME start_time_ns).
 */
struct msrtop_snapshot *sb_new(uint64_t seq, uint64_t start_time_ns, uint64_t start_mono_ns,
			       uint64_t mono_ns);

/* Every source named, attached, with the attach type and patched flag msrtop gives it. */
void sb_sources(struct msrtop_snapshot *s);

/* A row of kind appended to s, a copy of init (a row struct of that kind). */
void *sb_row(struct msrtop_snapshot *s, enum msrtop_kind_id kind, const void *init);

/* Rows with one counter (count.total); a vCPU of the kernel unless vcpu_src is given. */
struct msrtop_exit_row *sb_exit(struct msrtop_snapshot *s, uint32_t pid, uint32_t vcpu, uint8_t isa,
				uint32_t reason, bool nested, uint64_t count);
struct msrtop_msr_row *sb_msr(struct msrtop_snapshot *s, uint32_t pid, uint8_t vcpu_src,
			      uint32_t vcpu, uint32_t msr, bool write, uint64_t count, uint64_t gp);
struct msrtop_uexit_row *sb_uexit(struct msrtop_snapshot *s, uint32_t pid, uint32_t reason,
				  bool error, uint64_t count);

/* The comm, guest name and liveness of the VM of pid (s finished). */
void sb_vm(struct msrtop_snapshot *s, uint32_t pid, const char *comm, const char *name, bool alive);

/* The MSR row of that key in a finished snapshot, or NULL. */
struct msrtop_msr_row *sb_find_msr(struct msrtop_snapshot *s, uint32_t pid, uint8_t vcpu_src,
				   uint32_t vcpu, uint32_t msr, bool write);

void sb_assert_counter(const struct msrtop_counter *c, uint64_t total, uint64_t delta, double rate);

/* The rows of a kind in s, typed, and their number. */
#define SB_EXITS(s) ((struct msrtop_exit_row *)snapshot_rows(s, MSRTOP_KIND_EXITS))
#define SB_MSRS(s) ((struct msrtop_msr_row *)snapshot_rows(s, MSRTOP_KIND_MSRS))
#define SB_UEXITS(s) ((struct msrtop_uexit_row *)snapshot_rows(s, MSRTOP_KIND_UEXITS))
#define SB_INTERCEPTS(s) ((struct msrtop_intercept_row *)snapshot_rows(s, MSRTOP_KIND_INTERCEPTS))
#define SB_OUTCOMES(s) ((struct msrtop_outcome_row *)snapshot_rows(s, MSRTOP_KIND_OUTCOMES))
#define SB_CANON(s) ((struct msrtop_canon_row *)snapshot_rows(s, MSRTOP_KIND_CANON))
#define SB_NR(s, kind) snapshot_nr(s, MSRTOP_KIND_##kind)

#endif /* MSRTOP_TEST_SNAPSHOT_BUILDER_H */
