# Sourced by shell test suites: TAP output helpers.
#   tap_ok NAME / tap_fail NAME [DETAIL] / tap_skip NAME REASON
#   tap_eq NAME EXPECTED ACTUAL [DETAIL]
#                                    pass when the two strings are equal (DETAIL:
#                                    what else to show when they are not)
#   tap_cmd NAME CMD...              pass when CMD exits 0 (its output is shown on failure)
#   tap_fails NAME STATUS GREP CMD...
#                                    pass when CMD exits with STATUS, writes one
#                                    line on stderr, matching GREP, and nothing
#                                    on stdout (bad input refused as it should)
#   tap_fails_closed NAME STATUS GREP CMD...
#                                    the same with CMD's stdout closed (>&-): a
#                                    program must say so, not write to whatever
#                                    takes descriptor 1
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

tap_fails() {
	local name=$1 want=$2 pattern=$3 d rc lines
	shift 3
	d=$(mktemp -d)
	if [ -n "${_tap_closed:-}" ]; then
		"$@" >&- 2>"$d/err"
	else
		"$@" >"$d/out" 2>"$d/err"
	fi
	rc=$?
	lines=$(wc -l <"$d/err")
	if [ "$rc" != "$want" ]; then
		tap_fail "$name" "exit status $rc, expected $want; stderr: $(cat "$d/err")"
	elif [ "$lines" != 1 ]; then
		tap_fail "$name" "$lines lines on stderr, expected 1: $(cat "$d/err")"
	elif [ -s "$d/out" ]; then
		tap_fail "$name" "wrote to stdout: $(head -c 200 "$d/out")"
	elif ! grep -q -- "$pattern" "$d/err"; then
		tap_fail "$name" "stderr does not say '$pattern': $(cat "$d/err")"
	else
		tap_ok "$name"
	fi
	rm -rf "$d"
}

tap_fails_closed() {
	_tap_closed=1 tap_fails "$@"
}

tap_done() {
	echo "1..$_tap_n"
	exit $_tap_failed
}
