/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSR names: index -> name for printing, name or number -> index for filters.
 *
 * The names come from Linux 6.12's msr-index.h (MSR_ prefix dropped:
 * "IA32_SPEC_CTRL", "EFER"), the KVM paravirtual MSRs ("KVM_STEAL_TIME"), the
 * Hyper-V synthetic MSRs ("HV_X64_MSR_SINT0") and the x2APIC registers
 * ("X2APIC_ICR"). The table is generated: see docs/names.md.
 */
#ifndef MSRTOP_MSR_NAMES_H
#define MSRTOP_MSR_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* The canonical name of an MSR, or NULL if it has none. */
const char *msr_name(uint32_t index);

/*
 * Writes the name of the MSR, or "0x%x" if it has none, like snprintf: the
 * result is truncated to len - 1 characters and always NUL-terminated when
 * len > 0 (buf may be NULL when len is 0). Returns the length of the full
 * text, so a return value >= len means it did not fit.
 */
int msr_format(uint32_t index, char *buf, size_t len);

/*
 * Parses an MSR given on the command line: a name (canonical or alias, any
 * case, with or without a leading "MSR_") or a number ("0x1b" or "27").
 * Returns 0 and sets *index; -EINVAL for an empty string, an unknown name or
 * junk; -ERANGE for a number above 0xffffffff. *index is untouched on error.
 */
int msr_parse(const char *s, uint32_t *index);

/* The generated tables (msr_names_table.c), for the functions above and tests. */
struct msr_name_entry {
	uint32_t index;
	const char *name;
};

/* One entry per index, strictly ascending by index. */
extern const struct msr_name_entry msr_name_table[];
extern const size_t msr_name_count;
/* Other names of indexes in msr_name_table, ascending by index. */
extern const struct msr_name_entry msr_alias_table[];
extern const size_t msr_alias_count;

#endif /* MSRTOP_MSR_NAMES_H */
