/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of KVM's own codes that msrtop shows besides MSRs and exit reasons:
 * userspace exit reasons (KVM_EXIT_* of linux/kvm.h, as kvm:kvm_userspace_exit
 * reports them), the outcome/reason codes of the patched kvm_msr_outcome
 * tracepoint (msrtop.h), and the codes of the KVM event kinds (port I/O
 * direction, MMIO type, hypercall numbers, exception vectors).
 */
#ifndef MSRTOP_KVM_NAMES_H
#define MSRTOP_KVM_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* "IO" for KVM_EXIT_IO (the KVM_EXIT_ prefix dropped), or NULL if unknown. */
const char *kvm_uexit_name(uint32_t reason);

/*
 * A userspace exit as text: the KVM_EXIT_* name ("IO"), or when error is set
 * the errno's name ("EINTR"); unknown codes as "EXIT_%u" / "ERRNO_%u".
 * Returns buf.
 */
const char *kvm_uexit_format(uint32_t reason, bool error, char *buf, size_t len);

/* kvm_msr_outcome: "handled", "gp", "userspace", "userspace_done", "fastpath", "error"; NULL if unknown. */
const char *msr_outcome_name(uint32_t outcome);

/*
 * The reason of an outcome: GP "unknown_msr", "invalid_value", "non_canonical",
 * "filtered"; USERSPACE "inval", "unknown", "filter"; USERSPACE_DONE "ok",
 * "error". NULL when reason has no name for that outcome (reason 0 of an
 * outcome other than USERSPACE_DONE: none).
 */
const char *msr_outcome_reason_name(uint32_t outcome, uint32_t reason);

/*
 * How a code of a KVM event row is shown (the code table of a MSRTOP_F_CODE
 * field, kinds.h): as a number, in hex, as yes/no, or by the name its table
 * gives it.
 */
enum kvm_code_table {
	KVM_CODES_DEC,	     /* 4 */
	KVM_CODES_HEX,	     /* 0x80 */
	KVM_CODES_BOOL,	     /* 0 or 1: JSON false/true, "yes"/"" in tables */
	KVM_CODES_PIO_DIR,   /* kvm_pio's rw: "in", "out" */
	KVM_CODES_MMIO,	     /* kvm_mmio's type: "read_unsatisfied", "read", "write" */
	KVM_CODES_HYPERCALL, /* KVM_HC_* of linux/kvm_para.h, prefix dropped: "SCHED_YIELD" */
	KVM_CODES_EXCEPTION, /* x86 exception vectors: "#GP" */
};

/* The name table gives code, or NULL (and always NULL for DEC, HEX and BOOL). */
const char *kvm_code_name(enum kvm_code_table table, uint64_t code);

/* Whether the table names codes (PIO_DIR, MMIO, HYPERCALL, EXCEPTION). */
bool kvm_code_name_table(enum kvm_code_table table);

/* code as text: its name, else the number (HEX: "0x80"; BOOL: "yes" or ""). Returns buf. */
const char *kvm_code_format(enum kvm_code_table table, uint64_t code, char *buf, size_t len);

#endif /* MSRTOP_KVM_NAMES_H */
