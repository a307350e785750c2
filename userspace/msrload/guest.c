// SPDX-License-Identifier: GPL-2.0
/*
 * msrload guest: runs the script at GUEST_SCRIPT on every vCPU.
 *
 * Freestanding 64-bit code built with -mgeneral-regs-only -mno-red-zone:
 * KVM's instruction emulator (which runs every CPL-0 guest instruction on
 * PVM hosts) has no SSE/AVX, so nothing here may use vector registers (the
 * build checks the disassembly). Loops are unrolled eight times so that, in a
 * tight WRMSR benchmark, the exits and not the loop dominate.
 */
#include "guest_abi.h"

extern const uint64_t guest_exc_table[32];
extern const char guest_irq_handler[];

/* KVM's forced emulation prefix ("ud2; .ascii \"kvm\""), honoured when the host
 * kernel runs with kvm.force_emulation_prefix=1: the next instruction goes
 * through KVM's emulator even where hardware would not exit. */
#define FEP ".byte 0x0f, 0x0b, 0x6b, 0x76, 0x6d\n\t"

#define REP8(x) do { x x x x x x x x } while (0)

#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void idt_install(void)
{
	struct idt_entry *idt = (struct idt_entry *)GUEST_IDT;
	struct table_ptr ptr = { .limit = 256 * sizeof(*idt) - 1, .base = GUEST_IDT };

	/* Every vCPU writes the same entries; concurrent identical writes are harmless.
	 * Vectors 32-255: the interrupts msrload injects (--irq). */
	for (int v = 0; v < 256; v++) {
		uint64_t h = v < 32 ? guest_exc_table[v] : (uint64_t)guest_irq_handler;

		idt[v].off_lo = (uint16_t)h;
		idt[v].sel = GUEST_SEL_CODE;
		idt[v].ist = 0;
		idt[v].type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
		idt[v].off_mid = (uint16_t)(h >> 16);
		idt[v].off_hi = (uint32_t)(h >> 32);
		idt[v].zero = 0;
	}
	asm volatile("lidt %0" : : "m"(ptr) : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %b0, %w1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static void run_wrmsr(uint32_t msr, uint64_t val, uint64_t n, int fep)
{
	uint32_t lo = (uint32_t)val, hi = (uint32_t)(val >> 32);

	if (fep) {
		for (; n >= 8; n -= 8)
			REP8(asm volatile(FEP "wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory"););
		for (; n; n--)
			asm volatile(FEP "wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory");
	} else {
		for (; n >= 8; n -= 8)
			REP8(asm volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory"););
		for (; n; n--)
			asm volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory");
	}
}

static void run_rdmsr(uint32_t msr, uint64_t n, int fep)
{
	uint32_t lo, hi;

	if (fep) {
		for (; n >= 8; n -= 8)
			REP8(asm volatile(FEP "rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory"););
		for (; n; n--)
			asm volatile(FEP "rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	} else {
		for (; n >= 8; n -= 8)
			REP8(asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory"););
		for (; n; n--)
			asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	}
	(void)lo;
	(void)hi;
}

static void run_cpuid(uint32_t leaf, uint64_t n)
{
	for (; n; n--) {
		uint32_t a = leaf, b, c = 0, d;

		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
	}
}

/* A KVM hypercall: number in RAX, no arguments; KVM answers in RAX (-KVM_ENOSYS for a number
 * it does not know). */
static void run_hypercall(uint32_t nr, uint64_t n, int vmcall)
{
	for (; n; n--) {
		uint64_t ret = nr;

		if (vmcall)
			asm volatile("vmcall" : "+a"(ret) : "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
		else
			asm volatile("vmmcall" : "+a"(ret) : "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
	}
}

static void run_mmio(uint64_t addr, int write, uint32_t value, uint64_t n)
{
	volatile uint32_t *p = (volatile uint32_t *)addr;

	for (; n; n--) {
		if (write)
			*p = value;
		else
			(void)*p;
	}
}

/* Wait for an interrupt n times: msrload injects vector at each HLT with IF set. */
static void run_irq(struct guest_area *area, uint32_t vector, uint64_t n)
{
	area->irq_vector = vector;
	for (; n; n--)
		asm volatile("sti; hlt; cli" : : : "memory");
}

static void run_op(struct guest_area *area, const struct guest_op *op)
{
	int fep = op->flags & GOP_FLAG_FEP;
	uint64_t n;

	switch (op->kind) {
	case GOP_WRMSR:
		run_wrmsr(op->arg, op->value, op->count, fep);
		break;
	case GOP_RDMSR:
		run_rdmsr(op->arg, op->count, fep);
		break;
	case GOP_CPUID:
		run_cpuid(op->arg, op->count);
		break;
	case GOP_OUTB:
		for (n = op->count; n; n--)
			outb((uint16_t)op->arg, (uint8_t)op->value);
		break;
	case GOP_INB:
		for (n = op->count; n; n--)
			(void)inb((uint16_t)op->arg);
		break;
	case GOP_HLT:
		for (n = op->count; n; n--)
			asm volatile("hlt" : : : "memory");
		break;
	case GOP_WBINVD:
		for (n = op->count; n; n--)
			asm volatile("wbinvd" : : : "memory");
		break;
	case GOP_HYPERCALL:
		run_hypercall(op->arg, op->count, op->flags & GOP_FLAG_VMCALL);
		break;
	case GOP_MMIO_READ:
	case GOP_MMIO_WRITE:
		run_mmio(op->arg, op->kind == GOP_MMIO_WRITE, (uint32_t)op->value, op->count);
		break;
	case GOP_IRQ:
		run_irq(area, op->arg, op->count);
		break;
	}
}

void guest_main(struct guest_area *area);

void guest_main(struct guest_area *area)
{
	const struct guest_script *s = (const struct guest_script *)GUEST_SCRIPT;
	uint64_t nops = s->nops, reps = s->reps;

	idt_install();
	for (;;) {
		for (uint64_t i = 0; i < nops; i++) {
			uint64_t before = READ_ONCE(area->faults);

			run_op(area, &s->ops[i]);
			area->op_faults[i] += READ_ONCE(area->faults) - before;
		}
		area->reps_done++;
		outb(GUEST_PORT_REP_DONE, 0);
		if (READ_ONCE(area->stop) || (reps && area->reps_done >= reps))
			break;
	}
	outb(GUEST_PORT_FINISHED, 0);
	for (;;)
		asm volatile("hlt");
}
