/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shim for tests/names/check_headers.c: the x86 hyperv-tlfs.h includes the
 * generic one for shared structures; the HV_X64_MSR_* indexes checked here
 * are all in the x86 header.
 */

