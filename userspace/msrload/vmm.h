/* SPDX-License-Identifier: GPL-2.0 */
/* msrload: the VMM (a VM with one thread per vCPU, talking to /dev/kvm directly). */
#ifndef MSRLOAD_VMM_H
#define MSRLOAD_VMM_H

#include <signal.h>

#include "script.h"

struct vmm_result {
	struct truth total;
	struct truth vcpu[GUEST_MAX_VCPUS];
	unsigned int nvcpus;
	double seconds;
};

/* Set from a signal handler: every vCPU stops at the end of its current repetition. */
extern volatile sig_atomic_t vmm_stop_requested;

/*
 * Called once every vCPU has stopped and result is complete, while the VM and
 * its vCPUs still exist (KVM's statistics of them still readable): its return
 * value is vmm_run()'s.
 */
typedef int (*vmm_stopped_fn)(const struct vmm_result *result, void *ctx);

/*
 * Build the VM, run the script on every vCPU until done, fill result, then
 * call stopped (if not NULL) before the VM is closed.
 * Returns 0, or -1 after printing one line that says what failed and what to do.
 */
int vmm_run(const struct script *s, struct vmm_result *result, vmm_stopped_fn stopped, void *ctx);

#endif
