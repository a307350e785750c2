#!/usr/bin/env bash
# Inside a test VM: run several TAP suites one after the other in this one
# boot, as one TAP stream (tests/vm/boot.sh starts it through tests/vm/run.sh).
#
#   tests/vm/batch.sh NAME... [-- BPFTRACE-OPTIONS]
#   tests/vm/batch.sh --limit NAME...    the time limits of the NAMEs added up
#
# NAME is one of the suites listed in inner() below. Each runs in a session of
# its own with a time limit of its own; its results keep their names, prefixed
# with "NAME: ". Between two suites every process the first left behind is
# killed and tracefs is reset (all events off, no hist triggers), so they do
# not see each other. A suite that crashes, hangs or reports nothing is a
# failure of its own, as in tests/run.sh. After each suite one line
#   # suite-time: NAME SECONDS
# is printed, which tests/run.sh adds to its table of where the time went.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
T=/sys/kernel/tracing

# inner NAME: the command line and the time limit (seconds) of suite NAME.
# Options after "--" on the command line are passed to the bpftrace suite.
bt_opts=()
inner() {
	case "$1" in
	msrload) cmd=("$top/tests/e2e/msrload_trace.sh") limit=600 ;;
	msrtop) cmd=("$top/tests/e2e/msrtop_truth.sh") limit=600 ;;
	patched) cmd=("$top/tests/e2e/patched_truth.sh") limit=600 ;;
	exports) cmd=("$top/tests/exports/vm.sh") limit=900 ;;
	tui) cmd=("$top/tests/tui/vm.sh") limit=900 ;;
	bpftrace) cmd=("$top/tests/bpftrace/run.sh" --where vm --copy-tools "${bt_opts[@]}") limit=1800 ;;
	*) return 1 ;;
	esac
}

if [ "${1:-}" = --limit ]; then
	shift
	total=0
	for name in "$@"; do
		inner "$name" || { echo "no suite '$name'" >&2; exit 2; }
		total=$((total + limit))
	done
	echo "$total"
	exit 0
fi

names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--) shift; bt_opts=("$@"); break ;;
	*) names+=("$1"); shift ;;
	esac
done

# kill_leftovers: every process the last suite left running (a suite runs in
# a session of its own; everything outside this script's session but PID 1
# and kernel threads is the suite's).
kill_leftovers() {
	local me d st rest sid pid
	me=$(sid_of $$)
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$pid" != 1 ] || continue
		sid=$(sid_of "$pid") || continue
		[ "$sid" != 0 ] && [ "$sid" != "$me" ] && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

# sid_of PID: its session id (field 6 of /proc/PID/stat, after the command name).
sid_of() {
	local st rest
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${st##*) }
	# shellcheck disable=SC2086 # split the fields
	set -- $rest
	echo "$4"
}

reset_tracefs() {
	[ -d "$T/events" ] || return 0
	echo 0 >"$T/events/enable" 2>/dev/null
	local f t
	for f in "$T"/events/*/*/trigger; do
		grep -q '^hist' "$f" 2>/dev/null || continue
		sed -n 's/ \[active\]$//p' "$f" | while read -r t; do echo "!$t" >"$f"; done
	done
}

failed=0
for name in "${names[@]}"; do
	if ! inner "$name"; then
		echo "not ok - $name: a suite tests/vm/batch.sh knows"
		failed=1
		continue
	fi
	echo "# ---- $name (${cmd[*]#"$top"/})"
	start=$(date +%s)
	s_ok=0 s_fail=0
	out=/tmp/batch-$name.rc
	while IFS= read -r line; do
		case "$line" in
		"not ok "*)
			s_fail=$((s_fail + 1))
			line=$(sed "s/^\(not ok [0-9]* - \)/\1$name: /" <<<"$line")
			;;
		"ok "*)
			s_ok=$((s_ok + 1))
			line=$(sed "s/^\(ok [0-9]* - \)/\1$name: /" <<<"$line")
			;;
		esac
		printf '%s\n' "$line"
	done < <(
		setsid timeout -k 10 "$limit" "${cmd[@]}" 2>&1 </dev/null
		echo $? >"$out"
	)
	rc=$(cat "$out" 2>/dev/null || echo 1)
	kill_leftovers
	reset_tracefs
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "not ok - $name: finished within ${limit}s"
		s_fail=$((s_fail + 1))
	elif [ "$rc" != 0 ] && [ $s_fail = 0 ]; then
		echo "not ok - $name: exited with status $rc without reporting a failure"
		s_fail=$((s_fail + 1))
	elif [ $((s_ok + s_fail)) = 0 ]; then
		echo "not ok - $name: reported results"
		s_fail=1
	fi
	[ $s_fail = 0 ] || failed=1
	echo "# suite-time: $name $(($(date +%s) - start))"
done
exit $failed
