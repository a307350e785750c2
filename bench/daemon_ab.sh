#!/usr/bin/env bash
# The daemon's CPU use, two or more msrtop binaries side by side (alternating,
# so that a noisy host weighs on each alike): bench/run.sh part 3c's steps.
#
#   bench/daemon_ab.sh [--vms N] [--seconds S] [--rounds R] MSRTOP...
#
# Each round runs each MSRTOP in turn as `--listen 127.0.0.1:0 --output FILE
# --interval 5` (FILE on a tmpfs), fills its maps with N x 625 idle rows
# (snapshot_bench --fill-pid PID --hold --vms N; default 160: 100,000 rows),
# skips its first two refreshes after the fill (every row new, then every
# delta dropping to 0) and takes its threads' run time (schedstat) over S
# seconds (default 40). Prints one line per run and the mean per binary.
# Environment (MSRTOP_READS=whole...) goes to every binary alike. Needs root.
# This tree's snapshot_bench fills the maps, so each binary must have this
# tree's BPF map layout (bpf/msrtop.h); a run whose fill fails says so.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
SB=$top/build/bench/snapshot_bench
vms=160 secs=40 rounds=4
bins=()
while [ $# -gt 0 ]; do
	case "$1" in
	--vms) vms=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "daemon_ab.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) bins+=("$1"); shift ;;
	esac
done
[ ${#bins[@]} -gt 0 ] || { echo "daemon_ab.sh: give at least one msrtop binary (see --help)" >&2; exit 2; }
bench_positive daemon_ab.sh --vms "$vms" --seconds "$secs" --rounds "$rounds"
[ "$(id -u)" = 0 ] || { echo "daemon_ab.sh: run as root (BPF programs)" >&2; exit 1; }
[ -x "$SB" ] || { echo "daemon_ab.sh: $SB is missing: run 'make bench'" >&2; exit 1; }

work=$(mktemp -d /dev/shm/msrtop-ab.XXXXXX 2>/dev/null || mktemp -d)
mt= fill_pid=
cleanup() {
	[ -n "$fill_pid" ] && kill "$fill_pid" 2>/dev/null
	[ -n "$mt" ] && kill "$mt" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

declare -A sum runs
status=0
for ((r = 1; r <= rounds; r++)); do
	for b in "${bins[@]}"; do
		rm -f "$work"/*
		"$b" --listen 127.0.0.1:0 --output "$work/out.json" --interval 5 >/dev/null 2>"$work/err" &
		mt=$!
		sleep 1.5
		if ! bench_fill "$SB" "$mt" "$vms" "$work/fill.out"; then
			echo "round $r $b: filling its maps FAILED: $(cat "$work/fill.out" "$work/err")"
			status=1
		else
			bench_settle
			t0=$(date +%s%N) n0=$(bench_runns "$mt")
			sleep "$secs"
			t1=$(date +%s%N) n1=$(bench_runns "$mt")
			pct=$(awk -v a="$n0" -v b="$n1" -v t0="$t0" -v t1="$t1" \
				'BEGIN { printf "%.3f", (b - a) * 100 / (t1 - t0) }')
			echo "round $r $b: $pct % of one core"
			sum[$b]=$(awk -v s="${sum[$b]:-0}" -v p="$pct" 'BEGIN { print s + p }')
			runs[$b]=$((${runs[$b]:-0} + 1))
		fi
		kill "$fill_pid" "$mt" 2>/dev/null
		wait "$mt" "$fill_pid" 2>/dev/null
		mt= fill_pid=
	done
done
for b in "${bins[@]}"; do
	if [ "${runs[$b]:-0}" = 0 ]; then
		echo "mean $b: no run measured"
		continue
	fi
	awk -v s="${sum[$b]}" -v r="${runs[$b]}" -v b="$b" \
		'BEGIN { printf "mean %s: %.2f %% of one core (%d runs)\n", b, s / r, r }'
done
exit $status
