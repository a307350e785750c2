#!/usr/bin/env bash
# msrload's command line goes through the same parser as msrtop's
# (userspace/cmdline.h): every bad invocation is one line on stderr, nothing
# on stdout, exit status 2, before any VM is made; --help and --version exit 0.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

msrload=${BUILD:-build}/msrload
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# bad NAME GREP ARGS...: exit 2 with one stderr line matching GREP, no stdout.
bad() {
	local name=$1 pattern=$2
	shift 2
	tap_fails "$name" 2 "$pattern" "$msrload" "$@"
}

bad "unknown short option in a cluster names it, not the program" "unknown option '-z'" -zV
bad "unknown long option" "unknown option '--frobnicate'" --frobnicate
bad "missing value" "option '--wrmsr' needs an argument" --wrmsr
bad "ambiguous prefix named as such" "option '--r' is ambiguous: --rdmsr, --reps, --rate" --r 1
bad "--help=x takes no value" "option '--help' takes no value" --help=x
bad "a second --vcpus is refused" "option '--vcpus' given more than once" -n 1 --vcpus 2
bad "a second --output is refused" "option '--output' given more than once" -O a --output b
bad "--reps with a space before" "invalid --reps ' 1': remove the white space" --reps ' 1'
bad "--reps with a space after" "invalid --reps '1 ': remove the white space" --reps '1 '
bad "--vcpus=VALUE is checked" "--vcpus '0': want 1" --vcpus=0
bad "an operand" "unexpected argument 'foo'" foo
bad "--name with a comma (QEMU's key=value syntax) is refused" "--name 'a,b': want 1 to 64" --name a,b
bad "an empty --name is refused" "--name '': want 1 to 64" --name=
bad "--linger 0 is refused" "--linger '0': want seconds > 0" --linger 0
bad "--linger with no number is refused" "--linger 'soon': want seconds > 0" --linger soon
bad "a value with ESC is echoed escaped" 'invalid --wrmsr .\\e\[2J.: it holds a control character' \
	--wrmsr $'\e[2J'

# stdout closed (">&-"): one line, status 1, before /dev/kvm is opened (it
# would take descriptor 1 and get the JSON); with --output it is no error.
for args in "-V" "--help" "--reps 1"; do
	# shellcheck disable=SC2086 # one or two words
	tap_fails_closed "stdout closed, $args: one line, status 1" 1 \
		"^msrload: stdout is closed: give msrload somewhere to write" "$msrload" $args
done
tap_fails_closed "stdout closed and a bad command line: status 2, the command line's error" 2 \
	"--vcpus '0'" "$msrload" --vcpus 0

for opt in --help -h --version -V; do
	if "$msrload" $opt >"$tmp/out" 2>"$tmp/err" && [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
		tap_ok "$opt exits 0 and writes only to stdout"
	else
		tap_fail "$opt exits 0 and writes only to stdout" "$(cat "$tmp/err")"
	fi
done
# Operations may be repeated: two --wrmsr and --rdmsr parse (checked with
# --help last, which stops before any VM is made).
if "$msrload" -w 0x277:0:2 -w 0x277:0 --rdmsr 0x1b -h >/dev/null 2>"$tmp/err"; then
	tap_ok "repeated operations are accepted"
else
	tap_fail "repeated operations are accepted" "$(cat "$tmp/err")"
fi
tap_done
