/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How msrtop writes the things every output shows, in one place: the ISA of
 * an exit, a vCPU with the source of its id, an MSR by name and index, an
 * MSR access's outcome, numbers; and the one parser of numbers a user types
 * (command line and terminal view filters).
 *
 * Names of codes come from their tables: exit_reason_format() (exit
 * reasons, exit_reasons.h), msr_format() (an MSR's name, else its index,
 * msr_names.h), kvm_uexit_format() (userspace exits, kvm_names.h).
 *
 * The format_*() functions write into buf like snprintf (truncated, always
 * NUL-terminated) and return the text: buf, or a string constant.
 */
#ifndef MSRTOP_FORMAT_H
#define MSRTOP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "vmx" or "svm" (MSRTOP_ISA_*), NULL for another ISA. */
const char *format_isa_name(uint8_t isa);
/* "vmx", "svm", or "isa3" for another ISA. */
const char *format_isa(uint8_t isa, char *buf, size_t len);

/* "3" (the event's vcpu_id), "3~" (learned for the thread), "t1234" (a thread id). */
const char *format_vcpu(uint8_t vcpu_src, uint32_t vcpu, char *buf, size_t len);

/* "IA32_CR_PAT 0x277": the name and the index; "0x4b564d99" for an MSR without a name. */
const char *format_msr_and_index(uint32_t msr, char *buf, size_t len);

/* "read" or "write". */
const char *format_access(bool write);

/* A watched MSR's change (--watch-msr), without its time:
 * "pid 812 vcpu 0 LSTAR 0xc0000082: 0xffffffff81000000 -> 0xffffffff82000000". */
const char *format_msr_change(uint32_t pid, uint32_t vcpu, uint32_t msr, uint64_t old_value,
			      uint64_t new_value, char *buf, size_t len);

/*
 * An MSR outcome with its reason: "gp/invalid_value", "handled" (reason 0
 * without a name), else the numbers that have no name: "error/4", "?/255".
 */
const char *format_outcome(uint8_t outcome, uint8_t reason, char *buf, size_t len);

/* "1234". */
const char *format_u64(uint64_t v, char *buf, size_t len);
/* A KVM statistic (kind_rows.h): "exits" (VM-wide), "vcpu0/tsc-offset". */
const char *format_kvm_stat(uint32_t vcpu, const char *name, char *buf, size_t len);
/* "0x7040600070406". */
const char *format_hex(uint64_t v, char *buf, size_t len);
/* A rate per second with one decimal: "12.8". */
const char *format_rate(double rate, char *buf, size_t len);
/* The same, without the decimal from 100000 on (narrow columns): "12.8", "123456". */
const char *format_rate_short(double rate, char *buf, size_t len);
/* A duration: "950ns", "4.1us", "2.0ms", "1.5s". */
const char *format_ns(uint64_t ns, char *buf, size_t len);

/*
 * Parses a number a user typed (a pid, a vCPU id): decimal digits, or "0x"
 * and hex digits, up to UINT32_MAX (names_parse.h's rules). 0 and *out set;
 * else -EINVAL or -ERANGE, and why says what is wrong and what to give, e.g.
 * "not a number: give decimal digits, or 0x and hex digits".
 */
int parse_u32(const char *s, uint32_t *out, char *why, size_t len);

#endif /* MSRTOP_FORMAT_H */
