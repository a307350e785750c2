#!/usr/bin/env bash
# Suite: every bpftrace script and one-liner (tests/bpftrace/run.sh) inside
# the test kernels under QEMU (nested SVM, kprobes, and the patched
# tracepoints of kernel-patches/), with KVM's forced emulation prefix enabled,
# each run against msrload's ground truth. One boot per kernel. Results are
# prefixed with the kernel version; run.sh's own labels ("vm, Linux X.Y.Z,
# svm") record where each program ran.
#
# A bpftrace start costs 5-25 s under QEMU's emulation, so the one-liners run
# in the first kernel of the list only (6.1), the scripts in every kernel; the
# one-liners are reported as one skip, with that reason, in the others.
# BPFTRACE_FULL=1 runs everything everywhere; BPFTRACE_KVERS (default: KVERS,
# else "6.1 6.12") chooses the kernels.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/vm_suite.sh"
rc=0 first=
for kver in ${BPFTRACE_KVERS:-${KVERS:-6.1 6.12}}; do
	args=(--where vm --copy-tools)
	if [ -z "$first" ]; then
		first=$kver
	elif [ "${BPFTRACE_FULL:-0}" != 1 ]; then
		args+=(--scripts-only "one-liners run in the $first test kernel only (BPFTRACE_FULL=1 runs them here too)")
	fi
	vm_boot "$kver" "the bpftrace programs" --timeout 1500 --append "kvm.force_emulation_prefix=1" \
		-- "$top/tests/bpftrace/run.sh" "${args[@]}" || rc=1
done
exit $rc
