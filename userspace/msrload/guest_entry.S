/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msrload guest: entry point and exception stubs (64-bit, CPL 0).
 *
 * The host starts each vCPU at _start with RDI = its struct guest_area and
 * RSP at the top of that area. #GP on WRMSR/RDMSR is the expected fault of a
 * scripted access: the handler counts it in the area (found by masking RSP,
 * since the stack lives inside the area) and resumes after the instruction.
 * Every other exception is reported to the host through a port write.
 */
#include "guest_abi.h"

#define FEP_WORD 0x0b0f	/* ud2: first two bytes of KVM's forced-emulation prefix */
#define WRMSR_WORD 0x300f
#define RDMSR_WORD 0x320f

	.section .text.entry, "ax"
	.globl _start
_start:
	call	guest_main
1:	hlt
	jmp	1b

	.text
/* Frame after the two pushes: rbx, rax, error code, RIP, CS, RFLAGS, RSP, SS. */
	.globl	guest_gp_handler
guest_gp_handler:
	push	%rax
	push	%rbx
	mov	24(%rsp), %rbx
	movzwl	(%rbx), %eax
	cmp	$FEP_WORD, %eax
	jne	1f
	add	$5, %rbx		/* skip "ud2; .ascii \"kvm\"" */
	movzwl	(%rbx), %eax
1:	cmp	$WRMSR_WORD, %eax
	je	2f
	cmp	$RDMSR_WORD, %eax
	jne	3f
2:	add	$2, %rbx
	mov	%rbx, 24(%rsp)
	mov	%rsp, %rax
	and	$~(GUEST_AREA_SIZE - 1), %rax
	lock incq GUEST_AREA_OFF_FAULTS(%rax)
	pop	%rbx
	pop	%rax
	add	$8, %rsp		/* the error code */
	iretq
3:	mov	24(%rsp), %rbx
	mov	$13, %eax
	out	%eax, $GUEST_PORT_EXCEPTION
4:	hlt
	jmp	4b

/* Vectors 32-255: an interrupt msrload injected (--irq). Counted in the area, then back. */
	.globl	guest_irq_handler
guest_irq_handler:
	push	%rax
	mov	%rsp, %rax
	and	$~(GUEST_AREA_SIZE - 1), %rax
	lock incq GUEST_AREA_OFF_IRQS(%rax)
	pop	%rax
	iretq

/* #UD: on the forced-emulation prefix it means KVM was not booted with it. */
	.globl	guest_ud_handler
guest_ud_handler:
	mov	(%rsp), %rbx
	movzwl	(%rbx), %eax
	cmp	$FEP_WORD, %eax
	jne	1f
	cmpb	$'k', 2(%rbx)
	jne	1f
	out	%eax, $GUEST_PORT_NO_FEP
	jmp	2f
1:	mov	$6, %eax
	out	%eax, $GUEST_PORT_EXCEPTION
2:	hlt
	jmp	2b

/* Any other vector: report vector and RIP, then stop. */
.macro exc_stub vec, has_error
exc_\vec:
	.if \has_error
	mov	8(%rsp), %rbx
	.else
	mov	(%rsp), %rbx
	.endif
	mov	$\vec, %eax
	out	%eax, $GUEST_PORT_EXCEPTION
1:	hlt
	jmp	1b
.endm

	.irp v, 0,1,2,3,4,5,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	exc_stub \v, 0
	.endr
	.irp v, 8,10,11,12,14,17,21,29,30
	exc_stub \v, 1
	.endr

	.section .rodata
	.balign 8
	.globl	guest_exc_table
guest_exc_table:
	.quad	exc_0, exc_1, exc_2, exc_3, exc_4, exc_5, guest_ud_handler, exc_7
	.quad	exc_8, exc_9, exc_10, exc_11, exc_12, guest_gp_handler, exc_14, exc_15
	.quad	exc_16, exc_17, exc_18, exc_19, exc_20, exc_21, exc_22, exc_23
	.quad	exc_24, exc_25, exc_26, exc_27, exc_28, exc_29, exc_30, exc_31

	.section .note.GNU-stack, "", @progbits
