/* SPDX-License-Identifier: GPL-2.0 */
/* The flat guest image (built from guest.c and guest_entry.S), embedded in msrload. */
	.section .rodata
	.balign 16
	.globl	guest_blob_start, guest_blob_end
guest_blob_start:
	.incbin	GUEST_BIN
guest_blob_end:

	.section .note.GNU-stack, "", @progbits
