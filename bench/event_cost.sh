#!/usr/bin/env bash
# The cost of each KVM event kind's source (docs/performance.md): kvm_pio,
# kvm_mmio, kvm_hypercall, kvm_cpuid, kvm_inj_virq, kvm_inj_exception. Runs
# where KVM runs guests with SVM or VMX, as root: inside the test VM, e.g.
#
#   tests/vm/run.sh --kver 6.1 --timeout 3600 -- bench/event_cost.sh --icount
#
# with QEMU's -icount shift=0 (bench/run.sh's wrapper: put a qemu-system-x86_64
# that adds "-icount shift=0,sleep=off" first in PATH), where every "ns" is a
# guest instruction.
#
#   bench/event_cost.sh [--icount] [--rounds N] [--events N]
#
# For each kind, msrload's guest produces --events N (default 4000) of its
# events per run (OUT 0x80; 4-byte MMIO writes above guest memory; hypercall
# 1, VAPIC_POLL_IRQ; CPUID 0; interrupts injected with KVM_INTERRUPT; #GP
# from WRMSR to MSR 0xdead), under three configurations:
#   base   msrtop --sources kvm_exit,kvm_entry,kvm_msr,kvm_userspace_exit
#          (what msrtop attached before the event kinds)
#   kind   the same plus the kind's source
# and msrload's "seconds" (its vCPU thread's run time) per event, base and
# kind, median of --rounds rounds (default 3), give the added cost per event.
# Then one run with every source and kernel.bpf_stats_enabled: each event
# program's own run time per run (bpftool), the part of that cost spent in
# the program itself. Every kind run also checks that msrtop counted exactly
# N events for the VM (the kinds' rows summed; for injected interrupts, as
# many as KVM's own irq_injections statistic, which also counts the
# injections KVM repeats after cancelling an entry).
# msrtop keeps the exited VM's rows (--forget-after 100000000): under -icount with
# sleep=off the guest's clock leaps while it idles, and the default 300 s
# could pass before the last snapshot.
# Prints a table between "==== event cost" and "==== end"; exit status 1 if a
# run failed or a count was wrong.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
ML=$top/build/msrload
MT=$top/build/msrtop
rounds=3 events=4000 unit=ns
while [ $# -gt 0 ]; do
	case "$1" in
	--icount) unit=instr; shift ;;
	--rounds) rounds=$2; shift 2 ;;
	--events) events=$2; shift 2 ;;
	*) echo "event_cost.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
	esac
done
bench_positive event_cost.sh --rounds "$rounds" --events "$events"
fail() {
	echo "event_cost.sh: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || fail "run as root (BPF programs, /dev/kvm)"
[ -e /dev/kvm ] || fail "no /dev/kvm: run this inside the test VM"
for b in "$ML" "$MT"; do [ -x "$b" ] || fail "$b is missing: run 'make'"; done
for c in jq bpftool; do command -v $c >/dev/null || fail "$c is missing: run 'make deps'"; done
work=$(mktemp -d /tmp/event_cost.XXXXXX)
trap 'rm -rf "$work"' EXIT
base=kvm_exit,kvm_entry,kvm_msr,kvm_userspace_exit
kinds="pio mmio hypercall cpuid inj_virq inj_exception"

# ops KIND: msrload's operation producing $events of KIND's events (one repetition).
ops() {
	case "$1" in
	pio) echo "--outb 0x80:$events" ;;
	mmio) echo "--mmio-write 0x10000000:$events" ;;
	hypercall) echo "--hypercall 1:$events" ;;
	cpuid) echo "--cpuid 0:$events" ;;
	inj_virq) echo "--irq 0x40:$events" ;;
	inj_exception) echo "--wrmsr 0xdead:1:$events" ;;
	esac
}
# table KIND: msrtop's JSON array of KIND.
table() {
	case "$1" in
	pio) echo pios ;; mmio) echo mmios ;; hypercall) echo hypercalls ;; cpuid) echo cpuids ;;
	inj_virq) echo injected_interrupts ;; inj_exception) echo injected_exceptions ;;
	esac
}

# run KIND SOURCES: msrload's seconds per event with msrtop on SOURCES; checks msrtop's
# count when SOURCES has the kind's source.
run() {
	local kind=$1 sources=$2 mt n got want sec
	# A fresh file: the previous run's lines must not pass for this msrtop's.
	rm -f "$work/mt.jsonl"
	"$MT" --json --interval 0.5 --forget-after 100000000 --sources "$sources" >"$work/mt.jsonl" 2>"$work/mt.err" &
	mt=$!
	for ((n = 0; n < 600; n++)); do
		[ -s "$work/mt.jsonl" ] && break
		sleep 0.1
	done
	[ -s "$work/mt.jsonl" ] || fail "msrtop did not start: $(cat "$work/mt.err")"
	# shellcheck disable=SC2046 # ops are words
	"$ML" --reps 1 $(ops "$kind") >"$work/ml.json" 2>"$work/ml.err" ||
		fail "msrload ($kind) failed: $(cat "$work/ml.err")"
	n=$(wc -l <"$work/mt.jsonl")
	while [ "$(wc -l <"$work/mt.jsonl")" -lt $((n + 2)) ]; do sleep 0.1; done
	kill -INT $mt
	wait $mt
	sec=$(jq .seconds "$work/ml.json")
	case ",$sources," in
	*",kvm_$kind,"*)
		# Port I/O: the scripted port only (msrload's own control ports add two);
		# exceptions: first deliveries (a retried one is reinjected). Interrupts: every
		# injection, as KVM's irq_injections counts them (a cancelled entry injects again).
		want=$events
		[ "$kind" != inj_virq ] || want=$(jq '[.per_vcpu[].kvm_stats.irq_injections] | add' "$work/ml.json")
		got=$(tail -n 1 "$work/mt.jsonl" | jq --argjson p "$(jq .pid "$work/ml.json")" --arg k "$kind" \
			"[.$(table "$kind")[] | select(.pid == \$p and (.port // 128) == 128 and
				(\$k == \"inj_virq\" or (.reinjected // false) == false)) | .count.total] | add // 0")
		[ "$got" = "$want" ] || fail "$kind: msrtop counted $got events, KVM made $want; \
msrtop's sources: $(tail -n 1 "$work/mt.jsonl" | jq -c '[.sources[] | [.name, .state, .error, .events.total]]'); \
stderr: $(cat "$work/mt.err")"
		;;
	esac
	echo "run $kind $sources $sec" >&2
	awk -v s="$sec" -v n="$events" 'BEGIN { printf "%.1f\n", s * 1e9 / n }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$ML" --reps 1 --outb 0x80:100 >/dev/null || fail "msrload does not run"
declare -A t_base t_kind
for kind in $kinds; do
	: >"$work/$kind.base"
	: >"$work/$kind.kind"
done
for ((r = 0; r < rounds; r++)); do
	for kind in $kinds; do
		run "$kind" "$base" >>"$work/$kind.base"
		run "$kind" "$base,kvm_$kind" >>"$work/$kind.kind"
	done
done
for kind in $kinds; do
	t_base[$kind]=$(median <"$work/$kind.base")
	t_kind[$kind]=$(median <"$work/$kind.kind")
done

# The programs' own cost: every source, BPF statistics on.
echo 1 >/proc/sys/kernel/bpf_stats_enabled
rm -f "$work/mt.jsonl"
"$MT" --json --interval 0.5 --forget-after 100000000 --sources all >"$work/mt.jsonl" 2>"$work/mt.err" &
mt=$!
for ((n = 0; n < 600; n++)); do
	[ -s "$work/mt.jsonl" ] && break
	sleep 0.1
done
all_ops=()
for kind in $kinds; do
	# shellcheck disable=SC2207 # ops are words
	all_ops+=($(ops "$kind"))
done
"$ML" --reps 1 "${all_ops[@]}" >/dev/null 2>"$work/ml.err" || fail "msrload (all) failed: $(cat "$work/ml.err")"
bpftool -j prog show >"$work/progs.json"
kill -INT $mt
wait $mt
echo 0 >/proc/sys/kernel/bpf_stats_enabled

echo "==== event cost"
echo "| source | $unit per event: base | with the source | added | program's own ($unit per run) |"
echo "|---|---|---|---|---|"
for kind in $kinds; do
	# The kernel keeps 15 bytes of a program's name: match a prefix.
	own=$(jq -r --arg n "kvm_${kind}_btf" '[.[] | .name as $x | select(($x | length) >= 11 and ($n | startswith($x)))][0] |
		if . == null or (.run_cnt // 0) == 0 then "-" else (.run_time_ns / .run_cnt | floor | tostring) end' \
		"$work/progs.json")
	awk -v k="kvm_$kind" -v b="${t_base[$kind]}" -v s="${t_kind[$kind]}" -v o="$own" \
		'BEGIN { printf "| %s | %.0f | %.0f | %.0f | %s |\n", k, b, s, s - b, o }'
done
echo "==== end"
