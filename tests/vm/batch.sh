#!/usr/bin/env bash
# Inside a test VM: run several TAP suites one after the other in this one
# boot, as one TAP stream (tests/vm/boot.sh starts it through tests/vm/run.sh).
#
#   tests/vm/batch.sh [--share DIR] NAME... [-- BPFTRACE-OPTIONS]
#   tests/vm/batch.sh --check DIR NAME... [-- BPFTRACE-OPTIONS]
#   tests/vm/batch.sh --limit NAME...    the time limits of the NAMEs added up
#
# A suite written in two phases (tests/lib/phases.sh) runs only its collect
# phase in the VM when --share names a directory the host sees (tests/vm/run.sh
# --share): into DIR/NAME. The host then runs `batch.sh --check DIR NAME...`,
# which runs their check phases there, where jq and awk run at native speed,
# with the same names and time lines.
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
# split=1: the suite has a collect and a check phase (tests/lib/phases.sh).
bt_opts=()
inner() {
	split=0
	case "$1" in
	msrload) cmd=("$top/tests/e2e/msrload_trace.sh") limit=600 split=1 ;;
	msrtop) cmd=("$top/tests/e2e/msrtop_truth.sh") limit=600 split=1 ;;
	kvmstats) cmd=("$top/tests/e2e/kvm_debugfs.sh") limit=300 split=1 ;;
	events) cmd=("$top/tests/e2e/events_truth.sh") limit=300 split=1 ;;
	coexist) cmd=("$top/tests/e2e/coexist.sh") limit=600 split=1 ;;
	churn) cmd=("$top/tests/e2e/churn.sh") limit=1200 ;;
	patched) cmd=("$top/tests/e2e/patched_truth.sh") limit=600 split=1 ;;
	kfunc) cmd=("$top/tests/e2e/kfunc_truth.sh") limit=420 ;;
	exports) cmd=("$top/tests/exports/vm.sh") limit=900 ;;
	tui) cmd=("$top/tests/tui/vm.sh") limit=900 ;;
	bpftrace) cmd=("$top/tests/bpftrace/run.sh" --where vm --copy-tools "${bt_opts[@]}") limit=1800 split=1 ;;
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

share= check=
case "${1:-}" in
--share) share=$2; shift 2 ;;
--check) check=$2; shift 2 ;;
esac
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
	local me d pid
	sid_of $$
	me=$sid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[ "$pid" != 1 ] || continue
		sid_of "$pid" || continue
		[ "$sid" != 0 ] && [ "$sid" != "$me" ] && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

# sid_of PID: sets sid to its session id (field 6 of /proc/PID/stat, after
# the command name). Builtins only: in the VM every process costs 0.1 s.
sid_of() {
	local st rest
	read -r st <"/proc/$1/stat" 2>/dev/null || return 1
	rest=${st##*) }
	# shellcheck disable=SC2086 # split the fields
	set -- $rest
	sid=$4
}

# Builtins only: a process per event's trigger file cost half a minute per suite.
reset_tracefs() {
	[ -d "$T/events" ] || return 0
	echo 0 >"$T/events/enable" 2>/dev/null
	local f t lines
	for f in "$T"/events/*/*/trigger; do
		mapfile -t lines <"$f" 2>/dev/null || continue
		for t in "${lines[@]}"; do
			[[ "$t" == hist* ]] && echo "!${t% \[active\]}" >"$f"
		done
	done
}

# Killing every process of other sessions is only right inside the test VM
# (tests/vm/guest-init.sh is PID 1 there and leaves /run/vm/cmd.sh).
if [ -z "$check" ] && [ ! -f /run/vm/cmd.sh ]; then
	echo "batch.sh: runs inside the test VM (tests/vm/run.sh), or with --check on the host" >&2
	exit 2
fi

rcdir=$(mktemp -d /tmp/batch.XXXXXX) || exit 1
trap 'rm -rf "$rcdir"' EXIT
failed=0
for name in "${names[@]}"; do
	if ! inner "$name"; then
		echo "not ok - $name: a suite tests/vm/batch.sh knows"
		failed=1
		continue
	fi
	if [ -n "$check" ]; then
		# On the host: the check phase of what the VM collected.
		[ "$split" = 1 ] || continue
		if [ ! -d "$check/$name" ]; then
			echo "not ok - $name: the VM left what it collected in $check/$name"
			failed=1
			continue
		fi
		cmd+=(--check "$check/$name")
		what=check
	elif [ "$split" = 1 ] && [ -n "$share" ]; then
		cmd+=(--collect "$share/$name")
		what=collect
	else
		what=run
	fi
	echo "# ---- $name: $what (${cmd[*]#"$top"/})"
	start=$(date +%s)
	s_ok=0 s_fail=0
	# Per run: the 6.1 and 6.12 host checks run at the same time.
	out=$rcdir/$name.rc
	# No process per line: in the VM each costs a tenth of a second.
	while IFS= read -r line; do
		if [[ "$line" =~ ^(not ok|ok)\ ([0-9]+)\ -\ (.*)$ ]]; then
			if [ "${BASH_REMATCH[1]}" = ok ]; then
				s_ok=$((s_ok + 1))
			else
				s_fail=$((s_fail + 1))
			fi
			line="${BASH_REMATCH[1]} ${BASH_REMATCH[2]} - $name: ${BASH_REMATCH[3]}"
		fi
		printf '%s\n' "$line"
	done < <(
		setsid timeout -k 10 "$limit" "${cmd[@]}" 2>&1 </dev/null
		echo $? >"$out"
	)
	rc=$(cat "$out" 2>/dev/null || echo 1)
	if [ -z "$check" ]; then
		kill_leftovers
		reset_tracefs
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "not ok - $name: finished within ${limit}s"
		s_fail=$((s_fail + 1))
	elif [ "$rc" != 0 ] && [ $s_fail = 0 ]; then
		echo "not ok - $name: exited with status $rc without reporting a failure"
		s_fail=$((s_fail + 1))
	elif [ $((s_ok + s_fail)) = 0 ] && [ "$what" != collect ]; then
		echo "not ok - $name: reported results"
		s_fail=1
	fi
	[ $s_fail = 0 ] || failed=1
	label=$name
	[ "$what" = run ] || label="$name-$what"
	echo "# suite-time: $label $(($(date +%s) - start))"
done
exit $failed
