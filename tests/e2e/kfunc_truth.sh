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
# msrtop --sample-msr FS_BASE,LSTAR --watch-msr LSTAR runs beside it, and a
# second msrtop with --sample-every 4: their samples, changes, last values,
# exits per FS_BASE value and every watched LSTAR change (old, new) against
# the same truth.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"

PROBE=$top/build/tests/kfunc/kfunc_probe
ML=$top/build/msrload
MT=$top/build/msrtop
FS=0xc0000100 LSTAR=0xc0000082 REPS=20
T1=0x7f0000001000 T2=0x7f0000002000 T3=0x7f0000003000
A=0xffffffff81000000 B=0xffffffff82000000

[ "$(id -u)" = 0 ] || { tap_skip "kfunc" "needs root (BPF)"; tap_done; }
[ -c /dev/kvm ] || { tap_skip "kfunc" "no /dev/kvm: runs in the test VMs (tests/vm/boot.sh)"; tap_done; }
[ -x "$PROBE" ] || { tap_fail "kfunc_probe is built" "missing $PROBE: make $PROBE"; tap_done; }

work=$(mktemp -d /tmp/msrtop-kfunc.XXXXXX)
mts=()
trap 'for p in "${mts[@]}"; do kill -INT "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

# msrtop sampling at every exit (FS_BASE, LSTAR watched), and at every 4th (FS_BASE).
"$MT" --json --interval 0.5 --sample-msr FS_BASE,LSTAR --watch-msr LSTAR \
	>"$work/mt.jsonl" 2>"$work/mt.err" &
mts+=($!)
"$MT" --json --interval 0.5 --sample-msr FS_BASE --sample-every 4 \
	>"$work/mt4.jsonl" 2>"$work/mt4.err" &
mts+=($!)
wait_lines "$work/mt.jsonl" 1 60 && wait_lines "$work/mt4.jsonl" 1 60 ||
	tap_fail "msrtop --sample-msr started" "$(cat "$work/mt.err" "$work/mt4.err")"

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

# msrtop: after msrload has ended, two more snapshots, then stop it.
mt_check() {
	local out=$1 n
	n=$(wc -l <"$out")
	wait_lines "$out" $((n + 2)) 30 || tap_fail "msrtop ($out) kept writing" "stopped at $n lines"
}
mt_check "$work/mt.jsonl"
mt_check "$work/mt4.jsonl"
for p in "${mts[@]}"; do kill -INT "$p" 2>/dev/null; wait "$p"; done
mts=()
pid=$(jq .pid "$work/truth.json")
tap_eq "msrtop --sample-msr: the sampler was attached (the kernel has the kfunc)" attached \
	"$(tail -n 1 "$work/mt.jsonl" | jq -r '.sources[] | select(.name == "msr_sample") | .state')"
read -r fs_s fs_c fs_e fs_l ls_s ls_c ls_e ls_l lost <<<"$(tail -n 1 "$work/mt.jsonl" | jq -r --argjson p "$pid" '
	def row($m): [.msr_samples[] | select(.pid == $p and .vcpu == 0 and .msr == $m)][0];
	[row(3221225728), row(3221225602)] as [$f, $l] |
	"\($f.samples.total) \($f.changes.total) \($f.errors.total) \($f.last_value_hex) \($l.samples.total) \($l.changes.total) \($l.errors.total) \($l.last_value_hex) \(.overflow.msr_changes.total)"' 2>/dev/null)"
tap_eq "msrtop FS_BASE: samples = KVM's exits" "$exits" "$fs_s"
tap_eq "msrtop LSTAR: samples = KVM's exits" "$exits" "$ls_s"
tap_eq "msrtop FS_BASE: changes = 3 per repetition" $((3 * REPS)) "$fs_c"
tap_eq "msrtop LSTAR: changes = 2 per repetition" $((2 * REPS)) "$ls_c"
tap_eq "msrtop: no refused read" "0 0" "$fs_e $ls_e"
tap_eq "msrtop FS_BASE: last value = the last written" $T3 "$fs_l"
tap_eq "msrtop LSTAR: last value = the last written" $B "$ls_l"
tap_eq "msrtop: no watched change lost to a full ring buffer" 0 "$lost"

# Every watched change, in order, from the documents' msr_changes and the log lines.
got=$(jq -r --argjson p "$pid" '.msr_changes[] | select(.pid == $p) | "\(.msr) \(.old_value_hex) \(.new_value_hex)"' "$work/mt.jsonl")
tap_eq "msrtop --watch-msr LSTAR: every change, in order, old and new (JSON)" \
	"$(expect $LSTAR $A $B | md5sum)" "$(md5sum <<<"$got")"
tap_eq "msrtop --watch-msr LSTAR: one log line per change on stderr" $((2 * REPS)) \
	"$(grep -c "watched MSR changed: pid $pid vcpu 0 LSTAR" "$work/mt.err")"

# Exits per FS_BASE value. Each window between two FS_BASE writes holds known
# port writes (msrload's script; 0x80:N is N writes): T1 2 and T2 2 per
# repetition; T3 5 (its 3, the end of the repetition, and the next one's first
# or the end of the run); the value before the first write (0) one, the first
# repetition's first.
# Exits not caused by the script (interrupts, page faults) fall in whichever
# window they hit: each value has at least its port writes, and the values
# add up to every exit.
read -r vals sum <<<"$(tail -n 1 "$work/mt.jsonl" | jq -r --argjson p "$pid" '
	[.msr_values[] | select(.pid == $p and .msr == 3221225728)] |
	"\(map("\(.value_hex)=\(.exits.total)") | join(",")) \(map(.exits.total) | add)"')"
tap_eq "msrload's port writes are the windows' (9 per repetition and the end of the run)" \
	$((9 * REPS + 1)) "$user_exits"
tap_eq "msrtop top values: FS_BASE's values are 0 and the three written" \
	"0x0 $T1 $T2 $T3" "$(tr , '\n' <<<"$vals" | cut -d= -f1 | sort | xargs)"
tap_eq "msrtop top values: exits per value add up to KVM's exits" "$exits" "$sum"
short=
for w in 0x0:1 $T1:$((2 * REPS)) $T2:$((2 * REPS)) $T3:$((5 * REPS)); do
	v=${w%%:*} min=${w##*:}
	n=$(tr , '\n' <<<"$vals" | sed -n "s/^$v=//p")
	[ "${n:-0}" -ge "$min" ] || short+=" $v: $n < $min"
done
tap_eq "msrtop top values: each value has at least the port writes of its window" "" "$short"

read -r s4 l4 <<<"$(tail -n 1 "$work/mt4.jsonl" | jq -r --argjson p "$pid" '
	[.msr_samples[] | select(.pid == $p and .msr == 3221225728)][0] | "\(.samples.total) \(.last_value_hex)"')"
tap_eq "msrtop --sample-every 4: samples = KVM's exits / 4" $((exits / 4)) "$s4"

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
