// SPDX-License-Identifier: GPL-2.0
/*
 * msrload's VMM: one VM, GUEST_MEM_SIZE of identity-mapped memory, the guest
 * image at GUEST_CODE, one thread per vCPU, all vCPUs started directly in
 * 64-bit mode (no firmware, no real-mode start-up code).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

extern const unsigned char guest_blob_start[], guest_blob_end[];

volatile sig_atomic_t vmm_stop_requested;

_Static_assert(GUEST_AREA_OFF_FAULTS == __builtin_offsetof(struct guest_area, faults),
	       "guest_entry.S uses GUEST_AREA_OFF_FAULTS");
_Static_assert(GUEST_AREA_OFF_IRQS == __builtin_offsetof(struct guest_area, irqs),
	       "guest_entry.S uses GUEST_AREA_OFF_IRQS");
_Static_assert(sizeof(struct guest_area) < GUEST_AREA_SIZE / 2, "guest area leaves no stack");
_Static_assert(sizeof(struct guest_script) < GUEST_AREA_BASE - GUEST_SCRIPT, "script too big");
_Static_assert(GUEST_AREA_BASE + GUEST_MAX_VCPUS * GUEST_AREA_SIZE <= GUEST_MEM_SIZE,
	       "vCPU areas exceed guest memory");

struct vcpu {
	int fd;
	unsigned int index;
	struct kvm_run *run;
	pthread_t thread;
	const struct script *script;
	struct guest_area *area;
	struct truth truth;
	struct timespec start;
	int failed;
	int irq_pending; /* an --irq HLT: inject area->irq_vector before the next KVM_RUN */
};

/* vCPU threads report failures here; the first one wins and is printed once. */
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int any_failed;

static void vcpu_fail(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	v->failed = 1;
	pthread_mutex_lock(&err_lock);
	if (!atomic_exchange(&any_failed, 1)) {
		fprintf(stderr, "msrload: vCPU %u: ", v->index);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&err_lock);
}

static int open_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "msrload: /dev/kvm does not exist: this kernel offers no KVM "
					"(enable virtualisation and load kvm_intel or kvm_amd)\n");
		else if (errno == EACCES || errno == EPERM)
			fprintf(stderr, "msrload: cannot open /dev/kvm: %s (run as root or as a "
					"member of the kvm group)\n",
				strerror(errno));
		else
			fprintf(stderr, "msrload: cannot open /dev/kvm: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		fprintf(stderr, "msrload: /dev/kvm speaks an unexpected KVM API version\n");
		close(fd);
		return -1;
	}
	return fd;
}

static void write_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + GUEST_PML4);
	uint64_t *pdpt = (uint64_t *)(mem + GUEST_PDPT);
	uint64_t *pd = (uint64_t *)(mem + GUEST_PD);
	uint64_t *gdt = (uint64_t *)(mem + GUEST_GDT);
	uint64_t tss = GUEST_TSS, tss_limit = 0x67;

	pml4[0] = GUEST_PDPT | 0x3; /* present, writable */
	pdpt[0] = GUEST_PD | 0x3;
	/* The whole first GiB: above GUEST_MEM_SIZE, no memory backs it (MMIO, --mmio-*). */
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i * 0x200000) | 0x83; /* present, writable, 2 MiB page */

	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf93000000ffffULL; /* data, DPL 0 */
	/* 64-bit busy TSS, 16-byte descriptor in slots 3 and 4. */
	gdt[3] = (tss_limit & 0xffff) | ((tss & 0xffffff) << 16) | (0xbULL << 40) | (1ULL << 47) |
		 (((tss >> 24) & 0xff) << 56);
	gdt[4] = tss >> 32;
}

static void set_seg(struct kvm_segment *seg, uint16_t sel, uint8_t type, int code)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->limit = 0xffffffff;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->g = 1;
	seg->l = code;
	seg->db = !code;
}

static int setup_vcpu(int vm, int kvm, struct vcpu *v, struct kvm_cpuid2 *cpuid, size_t run_size)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	v->fd = ioctl(vm, KVM_CREATE_VCPU, (unsigned long)v->index);
	if (v->fd < 0) {
		fprintf(stderr, "msrload: KVM_CREATE_VCPU %u failed: %s\n", v->index, strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		fprintf(stderr, "msrload: cannot map the kvm_run area: %s\n", strerror(errno));
		return -1;
	}
	/* Guest CPUID = what KVM supports (EFER.LME is only valid when it says "long mode"). */
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | (v->index << 24); /* initial APIC ID */
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->index; /* x2APIC ID */
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0) {
		fprintf(stderr, "msrload: KVM_SET_CPUID2 failed: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		fprintf(stderr, "msrload: KVM_GET_SREGS failed: %s\n", strerror(errno));
		return -1;
	}
	set_seg(&sregs.cs, GUEST_SEL_CODE, 0xb, 1);
	set_seg(&sregs.ds, GUEST_SEL_DATA, 0x3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = GUEST_SEL_TSS;
	sregs.tr.base = GUEST_TSS;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	sregs.gdt.base = GUEST_GDT;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = GUEST_IDT;
	sregs.idt.limit = 0; /* the guest installs its IDT first thing */
	sregs.cr3 = GUEST_PML4;
	sregs.cr4 = 0x20; /* PAE */
	sregs.cr0 = 0x80050033; /* PG AM WP NE ET MP PE */
	sregs.efer = 0x500; /* LME LMA */
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0) {
		fprintf(stderr, "msrload: KVM_SET_SREGS (64-bit mode) failed: %s\n", strerror(errno));
		return -1;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_CODE;
	regs.rsp = GUEST_AREA_BASE + (uint64_t)(v->index + 1) * GUEST_AREA_SIZE;
	regs.rdi = GUEST_AREA_BASE + (uint64_t)v->index * GUEST_AREA_SIZE;
	regs.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
		fprintf(stderr, "msrload: KVM_SET_REGS failed: %s\n", strerror(errno));
		return -1;
	}
	(void)kvm;
	return 0;
}

static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
	for (int nent = 128; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = nent;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG) {
			fprintf(stderr, "msrload: KVM_GET_SUPPORTED_CPUID failed: %s\n",
				strerror(errno));
			return NULL;
		}
	}
	return NULL;
}

static int check_cap(int kvm, int cap, const char *name, const char *why)
{
	if (ioctl(kvm, KVM_CHECK_EXTENSION, cap) > 0)
		return 0;
	fprintf(stderr, "msrload: this kernel's KVM lacks %s, needed for %s (Linux 5.10 or newer)\n",
		name, why);
	return -1;
}

/* Deny each scripted MSR (in the scripted directions) so KVM exits to us for it. */
static int setup_msr_filter(int kvm, int vm, const struct script *s)
{
	static uint8_t deny_bitmap[1]; /* one MSR per range, bit clear = deny */
	struct kvm_msr_filter filter;
	struct kvm_enable_cap cap;

	if (s->ndeny == 0)
		return 0;
	if (check_cap(kvm, KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR", "--deny") ||
	    check_cap(kvm, KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER", "--deny"))
		return -1;
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_X86_USER_SPACE_MSR;
	cap.args[0] = KVM_MSR_EXIT_REASON_FILTER;
	if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0) {
		fprintf(stderr, "msrload: enabling user-space MSR exits failed: %s\n",
			strerror(errno));
		return -1;
	}
	memset(&filter, 0, sizeof(filter));
	filter.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	for (unsigned int i = 0; i < s->ndeny; i++) {
		struct kvm_msr_filter_range *r = &filter.ranges[i];

		r->flags = ((s->deny[i].dirs & DENY_READ) ? KVM_MSR_FILTER_READ : 0) |
			   ((s->deny[i].dirs & DENY_WRITE) ? KVM_MSR_FILTER_WRITE : 0);
		r->nmsrs = 1;
		r->base = s->deny[i].msr;
		r->bitmap = deny_bitmap;
	}
	if (ioctl(vm, KVM_X86_SET_MSR_FILTER, &filter) < 0) {
		fprintf(stderr, "msrload: KVM_X86_SET_MSR_FILTER failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static double elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* At the end of a repetition: pace to --rate, and decide whether to stop. */
static void end_of_rep(struct vcpu *v)
{
	const struct script *s = v->script;
	double t = elapsed(&v->start);

	if (s->rate > 0) {
		double due = (double)v->area->reps_done / s->rate;

		if (due > t) {
			double wait = due - t;
			struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };

			nanosleep(&ts, NULL);
			t = due;
		}
	}
	if (vmm_stop_requested || (s->duration > 0 && t >= s->duration) || any_failed)
		v->area->stop = 1;
}

static const char *const exc_names[32] = {
	[0] = "#DE", [1] = "#DB", [3] = "#BP", [4] = "#OF", [5] = "#BR", [6] = "#UD",
	[7] = "#NM", [8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS", [13] = "#GP",
	[14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
};

static int handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_regs regs;

	if (run->io.direction == KVM_EXIT_IO_OUT) {
		switch (run->io.port) {
		case GUEST_PORT_REP_DONE:
			v->truth.control_pio++;
			end_of_rep(v);
			return 0;
		case GUEST_PORT_FINISHED:
			v->truth.control_pio++;
			return 1;
		case GUEST_PORT_EXCEPTION: {
			uint32_t vec = *(uint32_t *)((uint8_t *)run + run->io.data_offset);

			memset(&regs, 0, sizeof(regs));
			ioctl(v->fd, KVM_GET_REGS, &regs);
			vcpu_fail(v, "guest took an unexpected exception %s (vector %u) at rip 0x%llx",
				  vec < 32 && exc_names[vec] ? exc_names[vec] : "", vec,
				  (unsigned long long)regs.rbx);
			return -1;
		}
		case GUEST_PORT_NO_FEP:
			vcpu_fail(v, "the script uses the forced-emulation prefix ('fep'), but this "
				     "kernel does not honour it: boot with kvm.force_emulation_prefix=1");
			return -1;
		}
		v->truth.pio_out += run->io.count;
	} else {
		memset((uint8_t *)run + run->io.data_offset, 0xff, run->io.size * run->io.count);
		v->truth.pio_in += run->io.count;
	}
	return 0;
}

/* --mmio-read/--mmio-write: KVM emulated an access to memory no slot backs. Reads get 0. */
static int handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->mmio.phys_addr < GUEST_MMIO_MIN || run->mmio.phys_addr > GUEST_MMIO_MAX) {
		vcpu_fail(v, "unexpected MMIO %s at 0x%llx", run->mmio.is_write ? "write" : "read",
			  (unsigned long long)run->mmio.phys_addr);
		return -1;
	}
	if (run->mmio.is_write) {
		v->truth.mmio_write++;
	} else {
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		v->truth.mmio_read++;
	}
	return 0;
}

/* Before KVM_RUN: inject the interrupt an --irq HLT waits for once KVM can take it. */
static int inject_irq(struct vcpu *v)
{
	struct kvm_interrupt irq = { .irq = (uint32_t)v->area->irq_vector };

	if (!v->irq_pending)
		return 0;
	if (!v->run->ready_for_interrupt_injection) {
		v->run->request_interrupt_window = 1;
		return 0;
	}
	v->run->request_interrupt_window = 0;
	if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0) {
		vcpu_fail(v, "KVM_INTERRUPT (vector %u) failed: %s", irq.irq, strerror(errno));
		return -1;
	}
	v->irq_pending = 0;
	v->truth.irq++;
	return 0;
}

static void handle_user_msr(struct vcpu *v, int write)
{
	struct kvm_run *run = v->run;
	const struct deny_rule *r = script_find_deny(v->script, run->msr.index, write);
	/* KVM only exits for MSRs our filter denies; anything else is a KVM we don't know. */
	int gp = r ? r->inject_gp : 1;

	run->msr.error = gp ? 1 : 0;
	if (!write)
		run->msr.data = (r && !gp) ? r->read_value : 0;
	truth_user_msr(&v->truth, run->msr.index, write, gp);
}

/*
 * The vCPU's statistics as KVM keeps them (binary stats, KVM_GET_STATS_FD,
 * Linux 5.14+), single u64 values only, into the vCPU's truth. Nothing when the
 * kernel has no binary stats: the tests that need them say so.
 */
static void read_kvm_stats(struct vcpu *v)
{
	struct kvm_stats_header h;
	size_t desc_size;
	uint8_t *descs = NULL;
	int fd = ioctl(v->fd, KVM_GET_STATS_FD, NULL);

	if (fd < 0)
		return;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.name_size > 4096 ||
	    h.num_desc > 4096)
		goto out;
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = calloc(h.num_desc, desc_size);
	if (!descs || pread(fd, descs, h.num_desc * desc_size, h.desc_offset) !=
			      (ssize_t)(h.num_desc * desc_size))
		goto out;
	for (uint32_t i = 0; i < h.num_desc && v->truth.nkstats < TRUTH_MAX_KSTATS; i++) {
		const struct kvm_stats_desc *d = (const void *)(descs + i * desc_size);
		struct kvm_stat_value *sv = &v->truth.kstats[v->truth.nkstats];
		uint64_t value;

		if (d->size != 1 || (d->flags & KVM_STATS_UNIT_MASK) == KVM_STATS_UNIT_BOOLEAN)
			continue;
		if (pread(fd, &value, sizeof(value), h.data_offset + d->offset) != sizeof(value))
			continue;
		snprintf(sv->name, sizeof(sv->name), "%.*s", (int)h.name_size, d->name);
		sv->value = value;
		sv->cumulative = (d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
		v->truth.nkstats++;
	}
out:
	free(descs);
	close(fd);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct kvm_run *run = v->run;

	v->truth.vcpu = v->index;
	v->truth.tid = gettid();
	clock_gettime(CLOCK_MONOTONIC, &v->start);
	for (;;) {
		int r = 0;

		if (inject_irq(v))
			break;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vcpu_fail(v, "KVM_RUN failed: %s", strerror(errno));
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			r = handle_io(v);
			break;
		case KVM_EXIT_HLT:
			/* IF set: an --irq wait (--hlt's HLT runs with interrupts off). */
			if (run->if_flag)
				v->irq_pending = 1;
			else
				v->truth.hlt++;
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			break;
		case KVM_EXIT_MMIO:
			r = handle_mmio(v);
			break;
		case KVM_EXIT_X86_WRMSR:
			handle_user_msr(v, 1);
			break;
		case KVM_EXIT_X86_RDMSR:
			handle_user_msr(v, 0);
			break;
		case KVM_EXIT_SHUTDOWN:
			vcpu_fail(v, "the guest shut down (triple fault)");
			r = -1;
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vcpu_fail(v, "KVM could not enter the guest (hardware reason 0x%llx)",
				  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			r = -1;
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			vcpu_fail(v, "KVM internal error, suberror %u%s", run->internal.suberror,
				  run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
					  " (instruction emulation failed)" :
					  "");
			r = -1;
			break;
		default:
			vcpu_fail(v, "unexpected KVM exit reason %u", run->exit_reason);
			r = -1;
			break;
		}
		if (r)
			break;
	}
	truth_from_guest(&v->truth, v->script, v->area);
	read_kvm_stats(v);
	return NULL;
}

/* The hypercall instruction KVM expects is the host CPU's: VMCALL on Intel, VMMCALL on AMD
 * (KVM's guest CPUID has the host's vendor). */
static int host_is_intel(void)
{
	uint32_t a = 0, b, c, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* "GenuineIntel" */
}

int vmm_run(const struct script *s, struct vmm_result *result, vmm_stopped_fn stopped, void *ctx)
{
	size_t code_size = (size_t)(guest_blob_end - guest_blob_start);
	struct vcpu *vcpus = NULL;
	struct kvm_cpuid2 *cpuid = NULL;
	struct kvm_userspace_memory_region region;
	struct timespec start;
	uint8_t *mem = MAP_FAILED;
	int kvm = -1, vm = -1, ret = -1, run_size;
	unsigned int started = 0;

	memset(result, 0, sizeof(*result));
	if (code_size > GUEST_CODE_MAX) {
		fprintf(stderr, "msrload: guest image too large (%zu bytes)\n", code_size);
		return -1;
	}
	kvm = open_kvm();
	if (kvm < 0)
		goto cleanup;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		fprintf(stderr, "msrload: KVM_CREATE_VM failed: %s\n", strerror(errno));
		goto cleanup;
	}
	if (setup_msr_filter(kvm, vm, s))
		goto cleanup;
	/* Needed by VMX before the first KVM_RUN; harmless elsewhere. */
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);

	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "msrload: cannot allocate guest memory: %s\n", strerror(errno));
		goto cleanup;
	}
	write_tables(mem);
	memcpy(mem + GUEST_CODE, guest_blob_start, code_size);
	memcpy(mem + GUEST_SCRIPT, &s->gs, sizeof(s->gs));
	if (host_is_intel()) {
		struct guest_script *gs = (struct guest_script *)(mem + GUEST_SCRIPT);

		for (uint64_t i = 0; i < gs->nops; i++)
			if (gs->ops[i].kind == GOP_HYPERCALL)
				gs->ops[i].flags |= GOP_FLAG_VMCALL;
	}
	memset(&region, 0, sizeof(region));
	region.memory_size = GUEST_MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		fprintf(stderr, "msrload: KVM_SET_USER_MEMORY_REGION failed: %s\n", strerror(errno));
		goto cleanup;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0) {
		fprintf(stderr, "msrload: KVM_GET_VCPU_MMAP_SIZE failed: %s\n", strerror(errno));
		goto cleanup;
	}
	cpuid = supported_cpuid(kvm);
	if (!cpuid)
		goto cleanup;

	vcpus = calloc(s->vcpus, sizeof(*vcpus));
	if (!vcpus) {
		fprintf(stderr, "msrload: out of memory\n");
		goto cleanup;
	}
	for (unsigned int i = 0; i < s->vcpus; i++) {
		vcpus[i].fd = -1;
		vcpus[i].index = i;
		vcpus[i].script = s;
		vcpus[i].area = (struct guest_area *)(mem + GUEST_AREA_BASE + i * GUEST_AREA_SIZE);
		vcpus[i].area->vcpu_index = i;
		if (setup_vcpu(vm, kvm, &vcpus[i], cpuid, (size_t)run_size))
			goto cleanup;
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (; started < s->vcpus; started++) {
		int err = pthread_create(&vcpus[started].thread, NULL, vcpu_thread, &vcpus[started]);

		if (err) {
			fprintf(stderr, "msrload: cannot start a vCPU thread: %s\n", strerror(err));
			vmm_stop_requested = 1;
			break;
		}
	}
	for (unsigned int i = 0; i < started; i++)
		pthread_join(vcpus[i].thread, NULL);
	if (started < s->vcpus || any_failed)
		goto cleanup;

	result->seconds = elapsed(&start);
	result->nvcpus = s->vcpus;
	for (unsigned int i = 0; i < s->vcpus; i++) {
		result->vcpu[i] = vcpus[i].truth;
		truth_merge(&result->total, &vcpus[i].truth);
	}
	ret = stopped ? stopped(result, ctx) : 0;
cleanup:
	if (vcpus) {
		for (unsigned int i = 0; i < s->vcpus; i++) {
			if (vcpus[i].run && vcpus[i].run != MAP_FAILED)
				munmap(vcpus[i].run, (size_t)run_size);
			if (vcpus[i].fd >= 0)
				close(vcpus[i].fd);
		}
		free(vcpus);
	}
	free(cpuid);
	if (mem != MAP_FAILED)
		munmap(mem, GUEST_MEM_SIZE);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
	return ret;
}
