/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between msrload (the host side) and its guest: guest-physical
 * memory layout, the script the guest executes, and the per-vCPU area where
 * the guest keeps its own counts. Included by both sides; plain C only.
 *
 * Guest memory is identity-mapped (guest virtual == guest physical) with
 * 2 MiB pages:
 *
 *   0x001000  PML4            0x004000  GDT (null, code64, data, TSS)
 *   0x002000  PDPT            0x005000  IDT (built by the guest itself)
 *   0x003000  PD              0x006000  TSS
 *   0x010000  guest code      (entry point at the start)
 *   0x100000  the script      (struct guest_script)
 *   0x200000  per-vCPU areas  (GUEST_AREA_SIZE each: struct guest_area, stack above it)
 *
 * The page tables map the whole first GiB; only GUEST_MEM_SIZE of it is
 * memory. An access above it (GUEST_MMIO_MIN to GUEST_MMIO_MAX) is MMIO: KVM
 * emulates it and hands it to msrload (KVM_EXIT_MMIO).
 */
#ifndef MSRLOAD_GUEST_ABI_H
#define MSRLOAD_GUEST_ABI_H

#ifdef __ASSEMBLER__
#define GUEST_UL(x) x
#else
#include <stdint.h>
#define GUEST_UL(x) x##UL
#endif

#define GUEST_MEM_SIZE GUEST_UL(0x800000)
#define GUEST_PML4 GUEST_UL(0x1000)
#define GUEST_PDPT GUEST_UL(0x2000)
#define GUEST_PD GUEST_UL(0x3000)
#define GUEST_GDT GUEST_UL(0x4000)
#define GUEST_IDT GUEST_UL(0x5000)
#define GUEST_TSS GUEST_UL(0x6000)
#define GUEST_CODE GUEST_UL(0x10000)
#define GUEST_CODE_MAX GUEST_UL(0xf0000)
#define GUEST_SCRIPT GUEST_UL(0x100000)
#define GUEST_AREA_BASE GUEST_UL(0x200000)
#define GUEST_AREA_SIZE GUEST_UL(0x10000) /* must be a power of two: the #GP handler masks RSP */
#define GUEST_MAX_VCPUS 64
#define GUEST_MMIO_MIN GUEST_MEM_SIZE
#define GUEST_MMIO_MAX GUEST_UL(0x3ffffffc) /* the last 4-byte access below 1 GiB */
#define GUEST_IRQ_MIN 32 /* vectors msrload may inject (--irq): not exceptions */

#define GUEST_SEL_CODE 0x08
#define GUEST_SEL_DATA 0x10
#define GUEST_SEL_TSS 0x18

/*
 * Ports the guest uses to talk to msrload. They are not scripted I/O and are
 * counted apart ("control" exits) so a tracer's kvm_pio count can be matched.
 */
#define GUEST_PORT_REP_DONE 0xf1 /* end of one repetition of the script */
#define GUEST_PORT_FINISHED 0xf2 /* the guest has stopped */
#define GUEST_PORT_EXCEPTION 0xf3 /* unexpected exception: vector in EAX, RIP in RBX */
#define GUEST_PORT_NO_FEP 0xf4 /* #UD on the forced-emulation prefix: it is disabled */

#ifndef __ASSEMBLER__
enum guest_op_kind {
	GOP_WRMSR = 1,
	GOP_RDMSR,
	GOP_CPUID,
	GOP_OUTB,
	GOP_INB,
	GOP_HLT,
	GOP_WBINVD,
	GOP_HYPERCALL,
	GOP_MMIO_READ,
	GOP_MMIO_WRITE,
	GOP_IRQ,
};

#define GOP_FLAG_FEP 0x1 /* prefix the instruction with KVM's forced-emulation prefix */
#define GOP_FLAG_VMCALL 0x2 /* hypercall with VMCALL (Intel) instead of VMMCALL (AMD) */

struct guest_op {
	uint32_t kind;
	uint32_t flags;
	uint32_t arg; /* MSR index, CPUID leaf, port, hypercall number, MMIO address or vector */
	uint32_t pad;
	uint64_t value; /* value to write (WRMSR, OUTB, MMIO write) */
	uint64_t count; /* executions per repetition */
};

#define GUEST_MAX_OPS 128

struct guest_script {
	uint64_t nops;
	uint64_t reps; /* repetitions; 0 = until the host sets guest_area.stop */
	struct guest_op ops[GUEST_MAX_OPS];
};

/*
 * Start of each vCPU's area. The guest writes, the host reads after the vCPU
 * stopped (or at a control exit, when the guest is not running).
 */
struct guest_area {
	uint64_t faults; /* #GP taken on WRMSR/RDMSR (bumped by the #GP handler) */
	uint64_t stop; /* set by the host at a control exit: stop after this rep */
	uint64_t reps_done;
	uint64_t vcpu_index;
	uint64_t irqs;	     /* interrupts the guest's handler took (bumped by it) */
	uint64_t irq_vector; /* set by the guest before it waits for an interrupt (--irq) */
	uint64_t op_faults[GUEST_MAX_OPS]; /* #GP per script op, over all reps */
};

#endif /* !__ASSEMBLER__ */

/* Offsets used by the assembly stubs; checked with static_assert on the host. */
#define GUEST_AREA_OFF_FAULTS 0
#define GUEST_AREA_OFF_IRQS 32

#endif
