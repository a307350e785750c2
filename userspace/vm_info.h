/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What /proc says about a VMM process: its comm and the guest's name, where
 * the VMM puts one on its command line (QEMU: -name NAME, -name guest=NAME,...).
 */
#ifndef MSRTOP_VM_INFO_H
#define MSRTOP_VM_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Reads PROC/PID/comm into comm and the guest name from PROC/PID/cmdline into
 * name ("" when there is none); proc is "/proc" except in tests. With
 * keep_name (comm and name hold what an earlier call read for the same, still
 * running process), cmdline is read again only if comm changed: a process's
 * command line does not change, and reading it is most of the cost. Returns
 * 0, or -errno when PROC/PID/comm cannot be read (the process is gone): comm
 * and name are then left as they were.
 */
int vm_info_read(const char *proc, uint32_t pid, char *comm, size_t comm_len, char *name,
		 size_t name_len, bool keep_name);

/*
 * The guest name in a NUL-separated argument list (a /proc/PID/cmdline of len
 * bytes): the value of QEMU's -name / --name option (also "-name=V"), where
 * the value is either the name itself or a list of key=value with a guest=
 * key; ",," stands for a comma. Writes "" when there is none.
 */
void vm_info_guest_name(const char *cmdline, size_t len, char *name, size_t name_len);


/* Replaces control characters (which would garble a terminal) with '?'. */
void vm_info_sanitize(char *s);

#endif /* MSRTOP_VM_INFO_H */
