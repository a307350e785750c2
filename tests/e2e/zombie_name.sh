#!/usr/bin/env bash
# End-to-end: a VM first seen while it is a zombie keeps its guest name.
#
# A VMM that has exited but is not reaped yet still has a /proc entry whose
# comm reads, but whose cmdline is empty. msrtop must then take the guest
# name (-name / --name) from the command line its BPF programs copied when
# they first saw the process. (Debian's 6.12 lane once showed "name": null
# for such a VM.) Here msrload's parent is a `sleep` that never reaps it, and
# msrtop's interval is long enough that its first look at the VM comes after
# msrload exited; if msrtop happens to look earlier, the test says so and
# skips.
#
#   zombie_name.sh    (needs root and /dev/kvm)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/wait.sh"

ML=$top/build/msrload
MT=${MSRTOP:-$top/build/msrtop} # MSRTOP: another build, to show this test can fail

[ "$(id -u)" = 0 ] || { tap_skip "zombie VM name" "needs root (BPF)"; tap_done; }
[ -c /dev/kvm ] || { tap_skip "zombie VM name" "no /dev/kvm here"; tap_done; }

work=$(mktemp -d /tmp/msrtop-zombie.XXXXXX)
mt= holder=
cleanup() {
	[ -n "$mt" ] && kill -INT "$mt" 2>/dev/null
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

"$MT" --json --interval 4 >"$work/mt.jsonl" 2>"$work/mt.err" &
mt=$!
wait_lines "$work/mt.jsonl" 1 60 || { tap_fail "msrtop started" "$(cat "$work/mt.err")"; tap_done; }
# Right after a snapshot: msrload under a parent that never waits for it.
sh -c '"$0" --name zombievm --vcpus 1 --reps 1 --wrmsr 0x277:0x0007040600070406:3 \
	>"$1/ml.json" 2>"$1/ml.err" & echo $! >"$1/ml.pid"; exec sleep 30' "$ML" "$work" &
holder=$!
for ((i = 0; i < 100; i++)); do [ -s "$work/ml.pid" ] && break; sleep 0.05; done
pid=$(cat "$work/ml.pid" 2>/dev/null)
# When msrload became a zombie (state Z), in CLOCK_REALTIME ns.
zombie_ns=
for ((i = 0; i < 300; i++)); do
	if [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ]; then
		zombie_ns=$(date +%s%N)
		break
	fi
	sleep 0.01
done
[ -n "$zombie_ns" ] || { tap_fail "msrload ran and exited" "$(cat "$work/ml.err")"; tap_done; }
tap_eq "msrload ran (its JSON names its pid)" "$pid" "$(jq .pid "$work/ml.json")"
# The first document with the VM in it, two snapshots later at the most.
n=$(wc -l <"$work/mt.jsonl")
wait_lines "$work/mt.jsonl" $((n + 2)) 20
first=$(jq -c --argjson p "$pid" 'select(any(.vms[]; .pid == $p)) |
	{time_ns, vm: (.vms[] | select(.pid == $p))}' "$work/mt.jsonl" | head -n 1)
if [ -z "$first" ]; then
	tap_fail "msrtop saw the VM" "no document has pid $pid: $(cat "$work/mt.err")"
elif [ "$(jq .time_ns <<<"$first")" -lt "$zombie_ns" ]; then
	tap_skip "a VM first seen as a zombie is named from the BPF copy of its command line" \
		"msrtop looked at the VM before it exited (host too slow)"
else
	tap_eq "a VM first seen as a zombie is named from the BPF copy of its command line" \
		zombievm "$(jq -r .vm.name <<<"$first")"
fi
tap_done
