# shellcheck shell=bash
# Sourced by the VM suites (tests/vm/boot.sh).
_vm_suite_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$_vm_suite_top/tests/lib/tap.sh"

# vm_boot KVER WHAT RUN-OPTION... -- COMMAND...: boots the KVER test kernel
# with tests/vm/run.sh, which runs COMMAND (a TAP script) there; prefixes its
# test names with [KVER], and reports a VM that did not run WHAT to completion
# (timed out, or run.sh could not start it) as a failure of its own. Returns
# 0 if COMMAND ran and passed.
vm_boot() {
	local kver=$1 what=$2 r
	shift 2
	echo "# booting the $kver test kernel for $what"
	"$_vm_suite_top/tests/vm/run.sh" --kver "$kver" "$@" |
		sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&[$kver] /"
	r=${PIPESTATUS[0]}
	if [ "$r" = 124 ] || [ "$r" = 125 ] || [ "$r" = 2 ]; then
		tap_fail "[$kver] the test VM ran $what to completion" "run.sh exit $r"
	fi
	[ "$r" = 0 ]
}
