#!/usr/bin/env bash
# Suite: msrtop --listen/--output against msrload's ground truth, through a
# real Prometheus server, inside each test kernel under QEMU (nested SVM):
# tests/exports/vm.sh.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/vm_suite.sh"
rc=0
for kver in ${KVERS:-6.1 6.12}; do
	vm_boot "$kver" exports/vm.sh --timeout 900 -- "$top/tests/exports/vm.sh" || rc=1
done
exit $rc
