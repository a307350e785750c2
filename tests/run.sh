#!/usr/bin/env bash
# Run test suites and print one summary line.
#
#   tests/run.sh [--jobs N] SUITE... [-- SUITE... [-- SUITE...]]
#
# A suite is an executable that prints TAP on stdout:
#   ok N - name
#   not ok N - name
#   ok N - name # SKIP reason       (counted as skipped; the reason is shown)
# Anything else it prints is passed through. A suite that exits non-zero
# without reporting a failure, that prints no result at all, or that runs past
# its time limit counts as one failure of its own, so a crash never passes.
# A suite is named by its last two path components ("bpftrace/host.sh"); its
# output goes to build/test-logs/<path with / as _>.log as well. The time limit is
# SUITE_TIMEOUT seconds (default 1800), or what a script suite states in a
# "# suite-timeout: SECONDS" line of its first 20 lines (kernel builds on an
# empty cache).
#
# "--" separates lanes: the suites of one lane run one after the other, the
# lanes side by side, at most N at a time (--jobs, default 1: everything in
# order). The VM suites are lanes of their own: a test VM under QEMU's TCG
# keeps one CPU busy, so on two CPUs two of them, or one beside the host
# suites, take the time of one. Each suite's output is printed whole when it
# ends, and the summary counts every suite of every lane.
#
# Each suite's wall time is printed after it ("--- NAME: ... in N s") and all
# of them again at the end, slowest first, with the suites a VM suite ran
# inside it ("# suite-time: NAME SECONDS" lines), so every log shows where the
# time goes.
set -u

jobs=1
if [ "${1:-}" = --jobs ]; then
	jobs=$2
	shift 2
	case "$jobs" in '' | *[!0-9]* | 0) echo "run.sh: --jobs needs a positive number" >&2; exit 2 ;; esac
fi

pass=0 fail=0 skip=0
failed_names=()
skipped_names=()
times=()
run_start=$(date +%s)
logdir=${TEST_LOGDIR:-build/test-logs}
mkdir -p "$logdir"
suite_timeout=${SUITE_TIMEOUT:-1800}

# suite_name SUITE: how results name it; suite_log SUITE: its log file.
suite_name() {
	local d=${1%/*}
	[ "$d" != "$1" ] || d=.
	echo "${d##*/}/${1##*/}"
}
suite_log() {
	local p=${1#./}
	echo "$logdir/${p//\//_}.log"
}

# The lanes: lane_of[i] is the lane of suites[i].
suites=() lane_of=()
lane=0
for a in "$@"; do
	if [ "$a" = -- ]; then
		lane=$((lane + 1))
		continue
	fi
	suites+=("$a")
	lane_of+=("$lane")
done
nlanes=$((lane + 1))

# run_suite I live|quiet: run suites[I] under its time limit; its output goes
# to its log (and, live, to stdout as it comes), its exit status and wall time
# to LOG.rc and LOG.time.
run_suite() {
	local suite=${suites[$1]} log limit own start
	log=$(suite_log "$suite")
	limit=$suite_timeout
	if [ -z "${SUITE_TIMEOUT:-}" ]; then
		own=$(head -n 20 "$suite" 2>/dev/null | tr -d '\0' | sed -n 's/^# suite-timeout: \([0-9][0-9]*\)$/\1/p' | head -n 1)
		[ -n "$own" ] && limit=$own
	fi
	echo "$limit" >"$log.limit"
	start=$(date +%s)
	if [ "$2" = live ]; then
		timeout -k 10 "$limit" "$suite" 2>&1 </dev/null | tee "$log"
		echo "${PIPESTATUS[0]}" >"$log.rc.tmp"
	else
		timeout -k 10 "$limit" "$suite" >"$log" 2>&1 </dev/null
		echo $? >"$log.rc.tmp"
	fi
	echo $(($(date +%s) - start)) >"$log.time"
	mv "$log.rc.tmp" "$log.rc"
}

# report I [printed]: print suites[I]'s output (unless already printed) and
# count its results.
report() {
	local printed=${2:-} suite=${suites[$1]} name log rc limit s_pass=0 s_fail=0 s_skip=0 s_time line inner secs
	name=$(suite_name "$suite")
	log=$(suite_log "$suite")
	[ -n "$printed" ] || echo "=== $name"
	while IFS= read -r line; do
		[ -n "$printed" ] || printf '%s\n' "$line"
		case "$line" in
		"not ok "*)
			s_fail=$((s_fail + 1))
			failed_names+=("$name: ${line#not ok }")
			;;
		"ok "*"# SKIP"* | "ok "*"# skip"*)
			s_skip=$((s_skip + 1))
			skipped_names+=("$name: ${line#ok }")
			;;
		"ok "*) s_pass=$((s_pass + 1)) ;;
		"# suite-time: "*)
			# A suite run inside another (tests/vm/batch.sh): "NAME SECONDS".
			read -r _ _ inner secs <<<"$line"
			times+=("$secs   $name/$inner")
			;;
		esac
	done <"$log"
	rc=$(cat "$log.rc" 2>/dev/null)
	limit=$(cat "$log.limit" 2>/dev/null)
	s_time=$(cat "$log.time" 2>/dev/null)
	rm -f "$log.rc" "$log.limit" "$log.time"
	if [ "${rc:-1}" != 0 ] && [ $s_fail = 0 ]; then
		s_fail=1
		if [ "${rc:-1}" = 124 ] || [ "${rc:-1}" = 137 ]; then
			failed_names+=("$name: timed out after ${limit}s")
		else
			failed_names+=("$name: exited with status ${rc:-?} without reporting a failure")
		fi
	fi
	if [ $((s_pass + s_fail + s_skip)) = 0 ]; then
		s_fail=1
		failed_names+=("$name: reported no results")
	fi
	times+=("${s_time:-0} $name")
	echo "--- $name: $s_pass passed, $s_fail failed, $s_skip skipped in ${s_time:-?} s"
	pass=$((pass + s_pass))
	fail=$((fail + s_fail))
	skip=$((skip + s_skip))
}

if [ "$jobs" = 1 ]; then
	for i in "${!suites[@]}"; do
		echo "=== $(suite_name "${suites[$i]}")"
		run_suite "$i" live
		report "$i" printed
	done
else
	# Start the lanes, at most $jobs at a time, each in the background; print
	# every suite as soon as it has ended.
	for i in "${!suites[@]}"; do rm -f "$(suite_log "${suites[$i]}").rc"; done
	run_lane() {
		local i
		for i in "${!suites[@]}"; do
			[ "${lane_of[$i]}" != "$1" ] || run_suite "$i" quiet
		done
	}
	declare -A reported=()
	next_lane=0 running=0
	while [ ${#reported[@]} -lt ${#suites[@]} ]; do
		running=$(jobs -pr | wc -l)
		while [ "$running" -lt "$jobs" ] && [ $next_lane -lt $nlanes ]; do
			run_lane "$next_lane" &
			next_lane=$((next_lane + 1))
			running=$((running + 1))
		done
		for i in "${!suites[@]}"; do
			[ -z "${reported[$i]:-}" ] || continue
			[ -f "$(suite_log "${suites[$i]}").rc" ] || continue
			report "$i"
			reported[$i]=1
		done
		[ ${#reported[@]} -lt ${#suites[@]} ] && sleep 1
	done
	wait
fi

echo
echo "Wall time per suite (s), slowest first; $(($(date +%s) - run_start)) s in all:"
printf '%s\n' "${times[@]}" | sort -rn | awk '{ printf "  %6d  %s\n", $1, $2 }'
if [ ${#skipped_names[@]} -gt 0 ]; then
	echo "Skipped:"
	printf '  %s\n' "${skipped_names[@]}"
fi
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "Failed:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
