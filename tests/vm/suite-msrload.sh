#!/usr/bin/env bash
# Suite: msrload against the kernel's own event counts, inside each test
# kernel under QEMU (nested SVM), with KVM's forced emulation prefix enabled.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
rc=0
for kver in ${KVERS:-6.1 6.12}; do
	echo "# booting the $kver test kernel"
	"$top/tests/vm/run.sh" --kver "$kver" --timeout 900 --append "kvm.force_emulation_prefix=1" \
		-- "$top/tests/e2e/msrload_trace.sh" | sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&[$kver] /"
	r=${PIPESTATUS[0]}
	if [ "$r" = 124 ] || [ "$r" = 125 ]; then
		tap_fail "[$kver] the test VM ran to completion" "run.sh exit $r"
	fi
	[ "$r" = 0 ] || rc=1
done
exit $rc
