/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The standard descriptors a program was started with. When one of 0, 1, 2
 * is closed (`msrtop >&-`), the next open() takes its number: a BPF map, a
 * socket or /dev/kvm would then receive what is printed to stdout, and the
 * write would fail with a misleading error ("Invalid argument") or, worse,
 * succeed. std_fds_fill() closes that door before anything is opened.
 */
#ifndef MSRTOP_STD_FDS_H
#define MSRTOP_STD_FDS_H

#define STD_FD_BIT(fd) (1u << (fd))

/*
 * Opens /dev/null on each of descriptors 0, 1 and 2 that is closed. Returns
 * which were closed (STD_FD_BIT(1) for stdout), or a negative errno when
 * /dev/null could not be opened. Call it first thing in main().
 */
int std_fds_fill(void);

#endif /* MSRTOP_STD_FDS_H */
