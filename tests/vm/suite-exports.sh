#!/usr/bin/env bash
# Suite: msrtop --listen/--output against msrload's ground truth, through a
# real Prometheus server, inside each test kernel under QEMU (nested SVM):
# tests/exports/vm.sh.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
rc=0
for kver in ${KVERS:-6.1 6.12}; do
	echo "# booting the $kver test kernel"
	"$top/tests/vm/run.sh" --kver "$kver" --timeout 900 -- "$top/tests/exports/vm.sh" |
		sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&[$kver] /"
	r=${PIPESTATUS[0]}
	if [ "$r" = 124 ] || [ "$r" = 125 ]; then
		tap_fail "[$kver] the test VM ran to completion" "run.sh exit $r"
	fi
	[ "$r" = 0 ] || rc=1
done
exit $rc
