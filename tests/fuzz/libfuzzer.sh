#!/usr/bin/env bash
# suite-timeout: 600
# The libFuzzer targets (mk/fuzz.mk), each for a fixed seed and a fixed
# number of inputs (FUZZ_SCALE times the base; `make fuzz` gives 50), with
# the address and undefined-behaviour sanitizers:
#   fuzz_http_route  http_route() against a model of the request target
#   fuzz_cmdline     cmdline_parse()'s promises (tests/fuzz/fuzz_cmdline.c)
# A crash, a sanitizer report or a broken promise fails with the input that
# caused it; a run that never reached one of the outcomes (a route, an
# accepted, stopped or refused command line) fails too: it fuzzed nothing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

dir=${BUILD:-build}/fuzz
scale=${FUZZ_SCALE:-1}
seed=${FUZZ_SEED:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fuzz NAME RUNS DICT OUTCOME...: runs build/fuzz/NAME; each OUTCOME
# ("metrics") must be counted non-zero in its last line ("... metrics=N ...").
fuzz() {
	local name=$1 runs=$2 dict=$3 rc seen o n a missing=
	shift 3
	mkdir "$tmp/$name" # the corpus grows here, not in the tree
	"$dir/$name" -seed="$seed" -runs="$runs" -dict="$dict" -max_len=256 \
		-artifact_prefix="$tmp/$name-" "$tmp/$name" >"$tmp/$name.log" 2>&1
	rc=$?
	seen=$(grep -E '^(routes|results) seen:' "$tmp/$name.log" | tail -n 1)
	for o in "$@"; do
		n=$(printf '%s\n' "$seen" | grep -o " $o=[0-9]*" | cut -d= -f2)
		[ "${n:-0}" -gt 0 ] || missing+=" $o"
	done
	if [ $rc != 0 ]; then
		tap_fail "$name: $runs inputs (seed $seed) without a crash or a broken promise" \
			"exit status $rc: $(grep -E 'broke a promise|says|ERROR|SUMMARY|^words|^stderr' \
				"$tmp/$name.log" | head -n 6 | tr '\n' ' ')"
		for a in "$tmp/$name"-*; do
			[ -e "$a" ] && printf '#   input (hex): %s\n' "$(od -An -tx1 -v "$a" | tr -d ' \n')"
		done
	else
		tap_ok "$name: $runs inputs (seed $seed) without a crash or a broken promise"
	fi
	if [ $rc != 0 ]; then
		tap_fail "$name: every outcome reached" "the run ended at the failure above"
	elif [ -n "$missing" ]; then
		tap_fail "$name: every outcome reached" "never:$missing ($seen)"
	else
		tap_ok "$name: every outcome reached (${seen#*: })"
	fi
}

fuzz fuzz_http_route $((200000 * scale)) tests/fuzz/http_route.dict metrics stats not_found bad
fuzz fuzz_cmdline $((200000 * scale)) tests/fuzz/cmdline.dict accepted stopped refused
tap_done
