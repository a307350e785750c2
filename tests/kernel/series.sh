#!/usr/bin/env bash
# TAP suite: the kernel patch series of every kernel the project supports
# (KVERS, default "6.1 6.12") passes kernel-patches/check-series.sh: cover
# letter with the pinned base, `git am` onto the pristine Debian source,
# checkpatch --strict, and a build (both KVM vendors built in) after each patch.
#
# First run: one full kernel build per version (about 6 min for 6.1 and 10 for
# 6.12 on 2 cores) plus about a minute per patch; reruns with unchanged patches
# are instant (results cached under $MSRTOP_CACHE, see kernel-patches/lib.sh).
# suite-timeout: 4500
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"

for kver in ${KVERS:-6.1 6.12}; do
	failed_before=$_tap_failed
	_tap_failed=0
	# Renumber check-series.sh's TAP into this suite's single stream.
	while IFS= read -r line; do
		case "$line" in
		"not ok "*)
			tap_fail "${line#not ok * - }"
			;;
		"ok "*" # SKIP "*)
			rest=${line#ok * - }
			tap_skip "${rest%% # SKIP *}" "${rest#* # SKIP }"
			;;
		"ok "*)
			tap_ok "${line#ok * - }"
			;;
		1..*) ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < <("$top/kernel-patches/check-series.sh" "$kver")
	wait $! 2>/dev/null
	rc=$?
	if [ "$rc" != 0 ] && [ "$_tap_failed" = 0 ]; then
		tap_fail "v$kver: check-series.sh finished" "it exited with status $rc"
	fi
	[ "$failed_before" = 0 ] || _tap_failed=1
done
tap_done
