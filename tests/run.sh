#!/usr/bin/env bash
# Run test suites and print one summary line.
#
#   tests/run.sh SUITE...
#
# A suite is an executable that prints TAP on stdout:
#   ok N - name
#   not ok N - name
#   ok N - name # SKIP reason       (counted as skipped; the reason is shown)
# Anything else it prints is passed through. A suite that exits non-zero
# without reporting a failure, that prints no result at all, or that runs past
# its time limit counts as one failure of its own, so a crash never passes.
# Suite output goes to build/test-logs/<suite>.log as well. The time limit is
# SUITE_TIMEOUT seconds (default 1800), or what a script suite states in a
# "# suite-timeout: SECONDS" line of its first 20 lines (kernel builds on an
# empty cache).
# Each suite's wall time is printed after it ("--- NAME: ... in N s") and all
# of them again at the end, slowest first, so every log shows where time goes.
set -u

pass=0 fail=0 skip=0
failed_names=()
skipped_names=()
times=()
run_start=$(date +%s)
logdir=${TEST_LOGDIR:-build/test-logs}
mkdir -p "$logdir"
suite_timeout=${SUITE_TIMEOUT:-1800}

for suite in "$@"; do
	name=$(basename "$suite")
	log=$logdir/$name.log
	echo "=== $name"
	s_pass=0 s_fail=0 s_skip=0
	s_start=$(date +%s)
	limit=$suite_timeout
	if [ -z "${SUITE_TIMEOUT:-}" ]; then
		own=$(head -n 20 "$suite" 2>/dev/null | tr -d '\0' | sed -n 's/^# suite-timeout: \([0-9][0-9]*\)$/\1/p' | head -n 1)
		[ -n "$own" ] && limit=$own
	fi
	while IFS= read -r line; do
		printf '%s\n' "$line"
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
	done < <(timeout -k 10 "$limit" "$suite" 2>&1 | tee "$log"; echo "__rc=${PIPESTATUS[0]}" >"$log.rc")
	rc=$(sed -n 's/^__rc=//p' "$log.rc" 2>/dev/null)
	rm -f "$log.rc"
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
	s_time=$(($(date +%s) - s_start))
	times+=("$s_time $name")
	echo "--- $name: $s_pass passed, $s_fail failed, $s_skip skipped in $s_time s"
	pass=$((pass + s_pass))
	fail=$((fail + s_fail))
	skip=$((skip + s_skip))
done

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
