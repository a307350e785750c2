# Sourced by shell test suites: TAP output helpers.
#   tap_ok NAME / tap_fail NAME [DETAIL] / tap_skip NAME REASON
#   tap_eq NAME EXPECTED ACTUAL [DETAIL]
#                                    pass when the two strings are equal (DETAIL:
#                                    what else to show when they are not)
#   tap_cmd NAME CMD...              pass when CMD exits 0 (its output is shown on failure)
#   tap_done                         exit status: 1 if anything failed
_tap_n=0
_tap_failed=0

tap_ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

tap_fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=1
	echo "not ok $_tap_n - $1"
	[ $# -lt 2 ] || printf '#   %s\n' "$2"
}

tap_skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}

tap_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "expected '$2', got '$3'${4:+; $4}"
	fi
}

tap_cmd() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "command failed: $*"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 20
	fi
}

tap_done() {
	echo "1..$_tap_n"
	exit $_tap_failed
}
