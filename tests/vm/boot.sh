#!/usr/bin/env bash
# One boot of a test kernel for every VM suite that runs in it:
#
#   tests/vm/boot.sh KVER
#
# boots KVER's test kernel once (tests/vm/run.sh, with KVM's forced emulation
# prefix on, which the msrtop, patched and bpftrace suites need and the others
# do not notice) and runs the suites there one after the other
# (tests/vm/batch.sh: each in a session of its own, with its own time limit,
# leftovers killed and tracefs reset between two). Their results come out as
# "[KVER] SUITE: test" and each suite's wall time as a "# suite-time:" line.
# A suite written in two phases (tests/lib/phases.sh) only collects in the VM,
# into a directory shared with the host; its checks run here afterwards.
#
# The suites, in this order:
#   msrload   msrload against the kernel's own event counts (tests/e2e/msrload_trace.sh)
#   msrtop    msrtop --json against msrload's ground truth (tests/e2e/msrtop_truth.sh)
#   kvmstats  KVM's statistics from debugfs against msrload's binary statistics
#             (tests/e2e/kvm_debugfs.sh)
#   events    msrtop's KVM event kinds (port I/O, MMIO, hypercalls, CPUID, injected
#             interrupts and exceptions) against msrload (tests/e2e/events_truth.sh)
#   coexist   perf stat and kvm_stat count exactly while msrtop runs
#             (tests/e2e/coexist.sh)
#   churn     1,000 short VMs through small tables (tests/e2e/churn.sh), in
#             CHURN_KVERS (default 6.12): there msrtop reads its big tables
#             for their changed rows (BPF map iterators), and the rows of gone
#             VMs must leave that copy too; a host with /dev/kvm runs it in
#             the host lane as well, with whatever reads the host allows
#   patched   the patched tracepoints against msrload, ftrace hist triggers and
#             msrtop (tests/e2e/patched_truth.sh)
#   kfunc     patch 0006's bpf_kvm_vcpu_get_msr() against msrload: FS_BASE and
#             LSTAR read at every exit, refusals, and msrtop --sample-msr,
#             --watch-msr, --sample-every (tests/e2e/kfunc_truth.sh)
#   exports   --listen/--output through a real Prometheus (tests/exports/vm.sh)
#   tui       the live view in tmux (tests/tui/vm.sh), in TUI_KVERS (default
#             6.1) only; its screens are kept in build/tui-screens.txt
#             (TUI_SCREENS), docs/screen.txt is one of them
#   bpftrace  every bpftrace script and one-liner (tests/bpftrace/run.sh); the
#             one-liners in ONELINER_KVERS (default 6.1) only, since each
#             bpftrace start costs 5-25 s under QEMU, reported as one skip
#             elsewhere (BPFTRACE_FULL=1 runs them everywhere)
# VM_ONLY="NAME..." runs only those (e.g. VM_ONLY=tui make vm-test).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/vm_suite.sh"

[ $# = 1 ] || { echo "boot.sh: usage: $0 KVER" >&2; exit 2; }
kver=$1
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

names=()
for n in ${VM_ONLY:-msrload msrtop kvmstats events coexist patched kfunc exports tui bpftrace churn}; do
	[ "$n" != churn ] || in_list "$kver" "${CHURN_KVERS:-6.12}" || continue
	[ "$n" != tui ] || in_list "$kver" "${TUI_KVERS:-6.1}" || continue
	names+=("$n")
done
bt_opts=()
if ! in_list "$kver" "${ONELINER_KVERS:-6.1}" && [ "${BPFTRACE_FULL:-0}" != 1 ]; then
	bt_opts=(--scripts-only "one-liners run in the ${ONELINER_KVERS:-6.1} test kernel only (BPFTRACE_FULL=1 runs them here too)")
fi
[ ${#names[@]} -gt 0 ] || { tap_skip "[$kver] VM suites" "VM_ONLY='${VM_ONLY:-}' names none for $kver"; tap_done; }
# The VM's limit: the suites' own limits added up, and two minutes to boot.
limit=$("$top/tests/vm/batch.sh" --limit "${names[@]}") ||
	{ tap_fail "[$kver] VM suites" "batch.sh --limit ${names[*]}: $limit"; tap_done; }
limit=$((limit + 120))

screens=${TUI_SCREENS:-$top/build/tui-screens.txt}
share=$(mktemp -d "${TMPDIR:-/var/tmp}/msrtop-vm-$kver.XXXXXX") ||
	{ tap_fail "[$kver] VM suites" "cannot make a directory to share with the VM"; tap_done; }
trap 'rm -rf "$share"' EXIT
vm_boot "$kver" "${names[*]}" --timeout "$limit" --append "kvm.force_emulation_prefix=1" \
	--share "$share" -- "$top/tests/vm/batch.sh" --share "$share" "${names[@]}" -- "${bt_opts[@]}" |
	if in_list tui "${names[*]}"; then
		# The screens' "#| " lines pass vm_boot's test-name prefix unchanged.
		tee >(sed -n 's/^#| \{0,1\}//p' >"$screens")
	else
		cat
	fi
rc=${PIPESTATUS[0]}
# The checks of what the two-phase suites collected, here on the host.
echo "# checking on the host what the $kver VM collected"
"$top/tests/vm/batch.sh" --check "$share" "${names[@]}" -- "${bt_opts[@]}" |
	sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&[$kver] /"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
exit "$rc"
