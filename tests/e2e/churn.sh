#!/usr/bin/env bash
# End-to-end: VM churn. Many short msrload VMs, one after the other, under one
# msrtop whose tables are far too small for all of them together
# (--max-rows), but not for the few alive or recently gone at any moment:
# the rows of exited VMs are deleted once --forget-after has passed, which
# frees their space. Every VM must still be seen, with exactly the MSR
# accesses msrload says KVM handled, and no event may be lost to a full
# table.
#
#   churn.sh [--vms N]    (default 1000; needs root and /dev/kvm)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"

ML=$top/build/msrload
MT=$top/build/msrtop
vms=1000
[ "${1:-}" = --vms ] && vms=$2

[ "$(id -u)" = 0 ] || { tap_skip "VM churn" "needs root (BPF)"; tap_done; }
[ -c /dev/kvm ] || { tap_skip "VM churn" "no /dev/kvm here: the 6.12 VM lane runs it (tests/vm/boot.sh)"; tap_done; }

work=$(mktemp -d /tmp/msrtop-churn.XXXXXX)
mt=
cleanup() {
	[ -n "$mt" ] && kill -INT "$mt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# Each VM: one vCPU, 3 PAT writes and 2 APIC_BASE reads, all intercepted:
# a handful of rows (its MSRs, exit reasons, userspace exits).
rows=512
"$MT" --json --interval 0.2 --forget-after 0.5 --max-rows $rows >"$work/mt.jsonl" 2>"$work/mt.err" &
mt=$!
wait_lines "$work/mt.jsonl" 1 60 || { tap_fail "msrtop started" "$(cat "$work/mt.err")"; tap_done; }
failed=0
for ((i = 0; i < vms; i++)); do
	"$ML" --vcpus 1 --reps 1 --wrmsr 0x277:0x0007040600070406:3 --rdmsr 0x1b:2 \
		>>"$work/truth.jsonl" 2>>"$work/ml.err" || failed=$((failed + 1))
done
tap_eq "$vms short msrload VMs ran" 0 "$failed"
# Six snapshots (1.2 s) after the last VM: every VM has been seen gone, and
# the last ones forgotten.
n=$(wc -l <"$work/mt.jsonl")
wait_lines "$work/mt.jsonl" $((n + 6)) 30
kill -INT $mt
wait $mt
tap_eq "msrtop exits 0 on SIGINT" 0 $?
mt=

# Each VM's MSR accesses, as msrload counted those KVM handled, and as the last
# msrtop document that still had the VM's rows showed them (its final counts:
# the VM was gone by then).
jq -r '"\(.pid) \([.total.msrs[] | .writes - .write_userspace + .reads - .read_userspace] | add)"' \
	"$work/truth.jsonl" | sort -n >"$work/expected"
jq -n -r 'reduce inputs as $d ({};
		reduce ($d.msrs | group_by(.pid)[]) as $g (.;
			.[$g[0].pid | tostring] = ($g | map(.count.total) | add)))
	| to_entries[] | "\(.key) \(.value)"' "$work/mt.jsonl" | sort -n >"$work/got"
tap_eq "every VM is seen" "$vms" "$(wc -l <"$work/got")"
tap_eq "each VM's MSR accesses equal msrload's account" "" \
	"$(diff "$work/expected" "$work/got" | head -n 5 | tr '\n' ' ')"
tap_eq "the accesses of all VMs add up" \
	"$(awk '{ s += $2 } END { print s }' "$work/expected")" \
	"$(awk '{ s += $2 } END { print s }' "$work/got")"
# Writes and reads are tables of their own (msr_writes, msrs): each must have
# had more rows over the run than it holds.
rows_ever=$(jq -s -r '[.[].msrs[] | "\(.pid) \(.vcpu) \(.msr) \(.access)"] | unique |
	map(split(" ")[3]) | group_by(.) | map(length) | min' "$work/mt.jsonl")
tap_cmd "each MSR table had more rows over the run ($rows_ever) than it holds ($rows)" \
	test "$rows_ever" -gt "$rows"
tap_eq "no event lost to a full table, no other error" "0 0" \
	"$(tail -n 1 "$work/mt.jsonl" | jq -r '"\([.overflow[].total] | add) \([.errors[].total] | add)"')"
tap_eq "the rows of the gone VMs were deleted: the last document has none of them" "" \
	"$(tail -n 1 "$work/mt.jsonl" | jq -r '[.vms[] | select(.alive | not) | .pid] | join(" ")' | head -c 200)"
tap_done
