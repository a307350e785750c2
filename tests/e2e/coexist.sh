#!/usr/bin/env bash
# End-to-end: the tools an operator runs beside msrtop still count exactly
# while msrtop runs with its default sources.
#
# For each way msrtop can attach kvm_exit (tp_btf with CO-RE, the default
# where the kernel's BTF has the vendor types, and the classic tracepoint it
# falls back to elsewhere, forced here with MSRTOP_EXIT_ATTACH=tracepoint):
# msrtop runs, kvm_stat (the kernel's tools/kvm/kvm_stat, tracepoint log
# mode) runs, and one msrload VM runs under `perf stat -e
# kvm:kvm_exit,kvm:kvm_entry,kvm:kvm_msr`. Then every count must equal the
# ground truth: KVM's own statistics of each vCPU ("exits", read by msrload
# after its last KVM_RUN) for exits and entries, msrload's account of the MSR
# accesses KVM handled for kvm_msr. msrtop's own exit total for the VM is held
# to the same truth. Prints TAP; needs root and /dev/kvm with VMX/SVM exits
# (runs inside the test VM, tests/vm/boot.sh, suite coexist; its checks on
# the host: tests/lib/phases.sh).
#
#   coexist.sh [--collect DIR | --check DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"
. "$top/tests/lib/phases.sh"

ML=$top/build/msrload
MT=$top/build/msrtop
KS=$top/build/kvm_stat
phase_init coexist "$@"

# run_one MODE: msrtop (kvm_exit attached as MODE), kvm_stat and perf stat
# around one msrload VM, into $work/MODE.*.
run_one() {
	local m=$1 mt ks rc n
	MSRTOP_EXIT_ATTACH=$m "$MT" -v --json --interval 0.5 >"$work/$m.msrtop.jsonl" \
		2>"$work/$m.msrtop.err" &
	mt=$!
	phase_pids+=($mt)
	wait_lines "$work/$m.msrtop.jsonl" 1 60 ||
		{ tap_fail "[$m] msrtop started" "$(cat "$work/$m.msrtop.err")"; return 1; }
	# Log mode, CSV: a banner once the counters are open, then one line of
	# deltas per interval. Only the parent events (no per-reason children).
	python3 -u "$KS" -t -l -c -s 0.5 -f '^kvm_(exit|entry|msr)$' >"$work/$m.kvm_stat.csv" \
		2>"$work/$m.kvm_stat.err" &
	ks=$!
	phase_pids+=($ks)
	wait_lines "$work/$m.kvm_stat.csv" 1 60 ||
		{ tap_fail "[$m] kvm_stat started" "$(cat "$work/$m.kvm_stat.err")"; return 1; }
	perf stat -x, -o "$work/$m.perf.csv" -e kvm:kvm_exit,kvm:kvm_entry,kvm:kvm_msr -- \
		"$ML" --vcpus 2 --reps 4 >"$work/$m.truth.json" 2>"$work/$m.msrload.err"
	rc=$?
	tap_eq "[$m] msrload ran under perf stat" 0 "$rc"
	# Two more intervals of each, so that their last lines cover the end.
	n=$(wc -l <"$work/$m.kvm_stat.csv")
	wait_lines "$work/$m.kvm_stat.csv" $((n + 2)) 30
	n=$(wc -l <"$work/$m.msrtop.jsonl")
	wait_lines "$work/$m.msrtop.jsonl" $((n + 2)) 30
	# SIGTERM: a background job of a script ignores SIGINT, and so does
	# Python then. Every interval's line is already written (python3 -u).
	kill -TERM $ks
	wait $ks
	kill -INT $mt
	wait $mt
	tap_eq "[$m] msrtop exits 0 on SIGINT" 0 $?
	phase_pids=()
	tail -n 1 "$work/$m.msrtop.jsonl" >"$work/$m.msrtop.json"
}

if phase_collects; then
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	for m in tp_btf tracepoint; do
		run_one $m || tap_done
	done
fi
phase_checks || tap_done
phase_load

# perf_count MODE EVENT: perf stat's count of EVENT (CSV: value,unit,event,...).
perf_count() {
	awk -F, -v e="$2" '$3 == e { print $1 }' "$work/$1.perf.csv"
}

# kvm_stat_sum MODE EVENT: the sum of kvm_stat's deltas of EVENT.
kvm_stat_sum() {
	awk -F, -v e="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == e) c = i; next }
		c { s += $c } END { print c ? s + 0 : "no column " e }' "$work/$1.kvm_stat.csv"
}

for m in tp_btf tracepoint; do
	truth=$work/$m.truth.json
	snap=$work/$m.msrtop.json
	missing=
	for f in "$truth" "$snap" "$work/$m.perf.csv" "$work/$m.kvm_stat.csv"; do
		[ -s "$f" ] || missing+=" ${f##*/}"
	done
	if [ -n "$missing" ]; then
		tap_fail "[$m] everything was collected" "missing or empty:$missing"
		continue
	fi
	tap_eq "[$m] msrtop attached kvm_exit as $m" "$m" \
		"$(jq -r '.sources[] | select(.name == "kvm_exit") | .attach' "$snap")"
	exits=$(jq '.total.kvm_stats.exits // "none"' "$truth")
	if [ "$exits" = none ] || [ "$exits" = 0 ]; then
		tap_skip "[$m] counts beside msrtop" "no KVM exit statistics or no exits on this kernel's KVM"
		continue
	fi
	msrs=$(jq '[.total.msrs[] | .writes - .write_userspace + .reads - .read_userspace] | add' "$truth")
	pid=$(jq .pid "$truth")
	tap_eq "[$m] perf stat kvm:kvm_exit = KVM's exit count" "$exits" "$(perf_count $m kvm:kvm_exit)"
	tap_eq "[$m] perf stat kvm:kvm_entry = KVM's exit count" "$exits" "$(perf_count $m kvm:kvm_entry)"
	tap_eq "[$m] perf stat kvm:kvm_msr = MSR accesses KVM handled" "$msrs" "$(perf_count $m kvm:kvm_msr)"
	tap_eq "[$m] kvm_stat kvm_exit = KVM's exit count" "$exits" "$(kvm_stat_sum $m kvm_exit)"
	tap_eq "[$m] kvm_stat kvm_entry = KVM's exit count" "$exits" "$(kvm_stat_sum $m kvm_entry)"
	tap_eq "[$m] kvm_stat kvm_msr = MSR accesses KVM handled" "$msrs" "$(kvm_stat_sum $m kvm_msr)"
	tap_eq "[$m] msrtop's exits of the VM = KVM's exit count" "$exits" \
		"$(jq --argjson p "$pid" '[.exits[] | select(.pid == $p and .nested == false) | .count.total] | add // 0' "$snap")"
	tap_eq "[$m] msrtop: no exit lost (overflow, errors)" "0 0" \
		"$(jq -r '"\(.overflow.exits.total) \(.errors.exits.total)"' "$snap")"
done
tap_done
