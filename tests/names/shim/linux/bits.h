/* SPDX-License-Identifier: GPL-2.0 */
/* Shim for tests/names/check_headers.c: what msr-index.h and friends use of <linux/bits.h>. */
#ifndef CHECK_SHIM_LINUX_BITS_H
#define CHECK_SHIM_LINUX_BITS_H

#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l) (((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define __GENMASK(h, l) GENMASK(h, l)
#define __GENMASK_ULL(h, l) GENMASK_ULL(h, l)

#endif
