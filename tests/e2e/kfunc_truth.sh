#!/usr/bin/env bash
# End-to-end, in the test VMs: the kfunc of kernel patch 0006,
# bpf_kvm_vcpu_get_msr(), against msrload's ground truth and KVM's own
# counters. tests/kfunc/kfunc_probe reads FS_BASE and LSTAR, which the guest
# writes without a VM exit on SVM, at every kvm_exit of one msrload vCPU:
#   - every exit gives one successful read of each (KVM's "exits" statistic);
#   - the values change exactly as the guest wrote them: FS_BASE cycles
#     through three "thread" values, LSTAR between two entry points, each
#     write followed by an I/O exit before the next, so every change is seen,
#     in order, with its old and new value;
#   - a read of an MSR outside the allowlist (APIC_BASE) fails with -EINVAL,
#     at every exit;
#   - a call from a program that is not at a KVM tracepoint (fentry on
#     kvm_arch_vcpu_ioctl_run, before vcpu_load) is refused: 6.12's verifier
#     rejects the program (the kfunc admits tp_btf callers only); on 6.1 the
#     kfunc returns -EPERM, once per KVM_RUN.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"

PROBE=$top/build/tests/kfunc/kfunc_probe
ML=$top/build/msrload
FS=0xc0000100 LSTAR=0xc0000082 REPS=20
T1=0x7f0000001000 T2=0x7f0000002000 T3=0x7f0000003000
A=0xffffffff81000000 B=0xffffffff82000000

[ "$(id -u)" = 0 ] || { tap_skip "kfunc" "needs root (BPF)"; tap_done; }
[ -c /dev/kvm ] || { tap_skip "kfunc" "no /dev/kvm: runs in the test VMs (tests/vm/boot.sh)"; tap_done; }
[ -x "$PROBE" ] || { tap_fail "kfunc_probe is built" "missing $PROBE: make $PROBE"; tap_done; }

work=$(mktemp -d /tmp/msrtop-kfunc.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$PROBE" "$FS,$LSTAR" -- "$ML" --vcpus 1 --reps $REPS --output "$work/truth.json" \
	--outb 0x80 --wrmsr $FS:$T1 --outb 0x80:1 --wrmsr $LSTAR:$A --outb 0x80 \
	--wrmsr $FS:$T2 --outb 0x80:2 --wrmsr $LSTAR:$B --wrmsr $FS:$T3 --outb 0x80:3 \
	>"$work/probe.json" 2>"$work/probe.err"
rc=$?
if [ $rc != 0 ] || [ "$(jq -r .kfunc "$work/probe.json" 2>/dev/null)" != true ]; then
	tap_fail "kfunc_probe ran with the kfunc present" "exit $rc: $(tail -n 3 "$work/probe.err")"
	tap_done
fi
tap_ok "kfunc_probe ran with the kfunc present"
tap_eq "msrload exited 0" 0 "$(jq .exit_status "$work/probe.json")"

# Everything compared, one jq run each (jq is slow under TCG).
read -r exits user_exits <<<"$(jq -r '.per_vcpu[0] |
	"\(.kvm_stats.exits) \(.exits.pio_out + .exits.pio_in + .exits.control_pio + .exits.hlt + .exits.userspace_msr)"' \
	"$work/truth.json")"
msr() { jq -r --argjson m $(($1)) ".msrs[] | select(.msr == \$m) | .$2" "$work/probe.json"; }
for m in FS LSTAR; do # FS is FS_BASE
	tap_eq "$m: one successful read per exit (KVM's exits statistic)" "$exits" "$(msr ${!m} samples)"
	tap_eq "$m: no failed read" 0 "$(msr ${!m} errors)"
done
tap_eq "FS_BASE: changes = 3 per repetition (three thread values)" $((3 * REPS)) "$(msr $FS changes)"
tap_eq "LSTAR: changes = 2 per repetition" $((2 * REPS)) "$(msr $LSTAR changes)"
tap_eq "FS_BASE: the last value read is the last written" $T3 "$(msr $FS last)"
tap_eq "LSTAR: the last value read is the last written" $B "$(msr $LSTAR last)"

# The changes, in order, with their old and new values.
expect() {
	local msr=$1 prev=0 i v
	shift
	for ((i = 0; i < REPS; i++)); do
		for v in "$@"; do
			printf '%u 0x%x 0x%x\n' $((msr)) $((prev)) $((v))
			prev=$v
		done
	done
}
got=$(jq -r '.changes[] | "\(.msr) \(.old) \(.new)"' "$work/probe.json")
tap_eq "FS_BASE: every change, in order, with old and new value" \
	"$(expect $FS $T1 $T2 $T3 | md5sum)" "$(grep "^$((FS)) " <<<"$got" | md5sum)"
tap_eq "LSTAR: every change, in order, with old and new value" \
	"$(expect $LSTAR $A $B | md5sum)" "$(grep "^$((LSTAR)) " <<<"$got" | md5sum)"
tap_eq "no change lost to a full ring buffer" 0 "$(jq .ring_lost "$work/probe.json")"

tap_eq "APIC_BASE (not allowlisted): one call per exit" "$exits" "$(jq .denied.calls "$work/probe.json")"
tap_eq "APIC_BASE (not allowlisted): every call -EINVAL" "$exits" "$(jq .denied.einval "$work/probe.json")"

case "$(uname -r)" in
6.1.*)
	tap_eq "fentry on kvm_arch_vcpu_ioctl_run: the verifier accepts it (6.1: no kfunc filter)" \
		true "$(jq .misuse.loaded "$work/probe.json")"
	tap_eq "fentry on kvm_arch_vcpu_ioctl_run: one call per KVM_RUN (user-space exits)" \
		"$user_exits" "$(jq .misuse.calls "$work/probe.json")"
	tap_eq "fentry on kvm_arch_vcpu_ioctl_run: every call -EPERM (vCPU not loaded)" \
		"$user_exits" "$(jq .misuse.eperm "$work/probe.json")"
	;;
*)
	tap_eq "fentry on kvm_arch_vcpu_ioctl_run: the verifier refuses it (tp_btf only)" \
		"false calling kernel function bpf_kvm_vcpu_get_msr is not allowed" \
		"$(jq -r '"\(.misuse.loaded) \(.misuse.verifier)"' "$work/probe.json")"
	;;
esac
tap_done
