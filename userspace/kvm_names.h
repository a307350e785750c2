/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of KVM's own codes that msrtop shows besides MSRs and exit reasons:
 * userspace exit reasons (KVM_EXIT_* of linux/kvm.h, as kvm:kvm_userspace_exit
 * reports them) and the outcome/reason codes of the patched kvm_msr_outcome
 * tracepoint (msrtop.h).
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

#endif /* MSRTOP_KVM_NAMES_H */
