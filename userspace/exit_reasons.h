/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM exit reason names for VMX and SVM, chosen by the ISA the event reports
 * (the isa field of kvm:kvm_exit), never by the host CPU vendor.
 *
 * VMX: the basic exit reason is bits 15:0; bits 31:16 are modifier flags
 * (FAILED_VMENTRY, ...), printed as "MSR_WRITE|FAILED_VMENTRY".
 * SVM: the whole exit code is the reason ("MSR", "NPF", "EXCP_GP").
 * Names come from Linux 6.12's uapi vmx.h/svm.h plus later codes; the table is
 * generated: see docs/names.md.
 */
#ifndef MSRTOP_EXIT_REASONS_H
#define MSRTOP_EXIT_REASONS_H

#include <stddef.h>
#include <stdint.h>

#include "msrtop.h" /* MSRTOP_ISA_*, MSRTOP_VMX_*_MASK */

/*
 * The name of an exit reason, or NULL if unknown or isa is neither VMX nor SVM.
 * VMX: looks at the basic reason (bits 15:0) only. SVM: the full code;
 * SVM_EXIT_ERR is -1, and 0xffffffff (-1 as kvm:kvm_exit's 32-bit field holds
 * it) is taken as ERR too.
 */
const char *exit_reason_name(uint32_t isa, uint64_t code);

/* VMX modifier bits 31:16 of a VMX exit reason (code & MSRTOP_VMX_FLAGS_MASK). */
uint32_t vmx_exit_flags(uint64_t code);

/*
 * Writes an exit reason like snprintf (see msr_format()): the name, then for
 * VMX each modifier bit as "|NAME" (unnamed bits, and any bits above 31, as
 * one "|0x%x"). Unknown reasons are never dropped: "VMX_0x%x" with the basic
 * reason, "SVM_0x%llx" with the code, "ISA%u_0x%llx" for another isa.
 */
int exit_reason_format(uint32_t isa, uint64_t code, char *buf, size_t len);

/*
 * Parses an exit reason given on the command line, for the given isa: a name
 * (any case; with or without "EXIT_REASON_" for VMX, "SVM_EXIT_" for SVM; the
 * kernel's trace strings such as "io" or "hypercall" too), what
 * exit_reason_format() prints for unknown codes ("VMX_0x4c"), or a number
 * ("0x7c", "124"). For VMX, modifier flags may follow: "MSR_WRITE|FAILED_VMENTRY"
 * or "33|0x80000000"; VMX numbers must fit 32 bits, SVM numbers 64 bits.
 * Returns 0 and sets *code; -EINVAL for an unknown isa, an empty string, an
 * unknown name or junk; -ERANGE for a number out of range.
 */
int exit_reason_parse(uint32_t isa, const char *s, uint64_t *code);

/* The generated tables (exit_reasons_table.c), for the functions above and tests. */
struct exit_reason_entry {
	uint64_t code;
	const char *name;
};

struct exit_reason_alias {
	uint32_t isa;
	uint64_t code;
	const char *name;
};

struct vmx_exit_flag_entry {
	uint32_t bit;
	const char *name;
};

/* Strictly ascending by code. */
extern const struct exit_reason_entry vmx_exit_reason_table[];
extern const size_t vmx_exit_reason_count;
extern const struct exit_reason_entry svm_exit_reason_table[];
extern const size_t svm_exit_reason_count;
/* Ascending by bit. */
extern const struct vmx_exit_flag_entry vmx_exit_flag_table[];
extern const size_t vmx_exit_flag_count;
/* Other spellings accepted by exit_reason_parse(). */
extern const struct exit_reason_alias exit_reason_alias_table[];
extern const size_t exit_reason_alias_count;

#endif /* MSRTOP_EXIT_REASONS_H */
