/* SPDX-License-Identifier: GPL-2.0 */
/* Shim for tests/names/check_headers.c: hyperv-tlfs.h sizes arrays by PAGE_SIZE. */
#ifndef CHECK_SHIM_ASM_PAGE_H
#define CHECK_SHIM_ASM_PAGE_H

#define PAGE_SIZE 4096UL

#endif
