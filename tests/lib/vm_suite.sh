# Sourced by the VM suites: run an inner TAP script inside each test kernel.
#   vm_suite INNER-SCRIPT [ARG]...
# Boots each kernel of $KVERS (default "6.1 6.12") with forced emulation on,
# runs INNER-SCRIPT there, prefixes its test names with the kernel version, and
# reports a VM that did not finish as a failure. Exit status: 0 if all passed.
vm_suite() {
	local top rc=0 kver r
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	. "$top/tests/lib/tap.sh"
	for kver in ${KVERS:-6.1 6.12}; do
		echo "# booting the $kver test kernel for $(basename "$1")"
		"$top/tests/vm/run.sh" --kver "$kver" --timeout "${VM_TIMEOUT:-900}" \
			--append "kvm.force_emulation_prefix=1" -- "$@" |
			sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&[$kver] /"
		r=${PIPESTATUS[0]}
		if [ "$r" = 124 ] || [ "$r" = 125 ] || [ "$r" = 2 ]; then
			tap_fail "[$kver] the test VM ran $(basename "$1") to completion" "run.sh exit $r"
		fi
		[ "$r" = 0 ] || rc=1
	done
	return $rc
}
