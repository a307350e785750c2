#!/usr/bin/env bash
# Suite: msrtop's live view in tmux inside the 6.1 test kernel under QEMU
# (nested SVM), against msrload's ground truth (tests/tui/vm.sh). The screens
# it prints ("#| " lines) are kept in build/tui-screens.txt; docs/screen.txt
# is one of them.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/vm_suite.sh"
out=${TUI_SCREENS:-$top/build/tui-screens.txt}
rc=0
for kver in ${TUI_KVERS:-6.1}; do
	# The screens' "#| " lines pass vm_boot's test-name prefix unchanged.
	vm_boot "$kver" tui/vm.sh --timeout 900 -- "$top/tests/tui/vm.sh" |
		tee >(sed -n 's/^#| \{0,1\}//p' >"$out")
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
done
exit $rc
