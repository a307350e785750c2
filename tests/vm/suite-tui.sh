#!/usr/bin/env bash
# Suite: msrtop's live view in tmux inside the 6.1 test kernel under QEMU
# (nested SVM), against msrload's ground truth (tests/tui/vm.sh). The screens
# it prints ("#| " lines) are kept in build/tui-screens.txt; docs/screen.txt
# is one of them.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
out=${TUI_SCREENS:-$top/build/tui-screens.txt}
rc=0
for kver in ${TUI_KVERS:-6.1}; do
	echo "# booting the $kver test kernel"
	"$top/tests/vm/run.sh" --kver "$kver" --timeout 900 -- "$top/tests/tui/vm.sh" |
		tee >(sed -n 's/^#| \{0,1\}//p' >"$out") |
		sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&[$kver] /"
	r=${PIPESTATUS[0]}
	if [ "$r" = 124 ] || [ "$r" = 125 ]; then
		tap_fail "[$kver] the test VM ran to completion" "run.sh exit $r"
	fi
	[ "$r" = 0 ] || rc=1
done
exit $rc
