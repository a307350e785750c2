#!/usr/bin/env bash
# bash completion (completion/msrtop.bash, installed for both programs):
# sourced into a shell, driven through COMP_WORDS/COMP_CWORD as bash does, the
# options it offers are exactly those of each program's --help, and a few
# completions give what they must (prefixes, --sources lists, --output files,
# no options after an option that takes a value).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/help_opts.sh
. completion/msrtop.bash

build=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# comp FUNC WORD...: the completions FUNC offers for the last WORD, sorted,
# on one line.
comp() {
	local f=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$f"
	printf '%s\n' "${COMPREPLY[@]}" | sort | xargs
}

for p in msrtop msrload; do
	tap_eq "complete -p $p uses _$p" "complete -F _$p $p" "$(complete -p $p)"
	if [ -x "$build/$p" ]; then
		tap_eq "$p: '-' offers exactly the options of --help" \
			"$(help_opts "$build/$p" | tr ' ' '\n' | sort | xargs)" "$(comp _$p $p -)"
	else
		tap_fail "$p: '-' offers exactly the options of --help" "$build/$p is not built: run make"
	fi
done

tap_eq "msrtop --f<TAB>" "--forget-after" "$(comp _msrtop msrtop --f)"
tap_eq "msrtop --o<TAB>" "--once --output" "$(comp _msrtop msrtop --o)"
tap_eq "msrtop --sources kvm_msr_<TAB>" \
	"kvm_msr_canonical kvm_msr_intercept kvm_msr_outcome" \
	"$(comp _msrtop msrtop --sources kvm_msr_)"
tap_eq "msrtop --sources kvm_exit,kvm_en<TAB> (the list's last element)" \
	"kvm_exit,kvm_entry" "$(comp _msrtop msrtop --sources kvm_exit,kvm_en)"
tap_eq "msrtop --interval <TAB>: a number, no options offered" "" \
	"$(comp _msrtop msrtop --interval -)"
touch "$tmp/stats.json" "$tmp/stats.old"
tap_eq "msrtop --output DIR/stats.j<TAB>: files" "$tmp/stats.json" \
	"$(comp _msrtop msrtop --output "$tmp/stats.j")"
tap_eq "msrload --v<TAB>" "--vcpus --version" "$(comp _msrload msrload --v)"
tap_eq "msrload -O DIR/stats.<TAB>: files" "$tmp/stats.json $tmp/stats.old" \
	"$(comp _msrload msrload -O "$tmp/stats.")"
tap_eq "msrload --wrmsr <TAB>: a value, no options offered" "" \
	"$(comp _msrload msrload --wrmsr -)"
tap_done
