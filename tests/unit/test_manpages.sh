#!/usr/bin/env bash
# The man pages against the programs: the options msrtop(8) and msrload(1)
# describe are exactly those `--help` lists, short and long names paired the
# same way (missing from either side fails, naming the option), and groff
# formats each page without a warning.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/help_opts.sh

build=${BUILD:-build}

# man_opts PAGE: the same from the page's .TP entries: the line after .TP
# names the option (".BR \-x \", \" \-\-long ..." or ".B \-\-long ...").
man_opts() {
	awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' "$1" | sed 's/\\-/-/g' |
		sed -n -E \
			-e 's/^\.BR? (-[[:alnum:]]) ", " (--[[:alnum:]-]+).*/\1 \2/p' \
			-e 's/^\.BR? (--[[:alnum:]-]+).*/\1/p' | sort
}

for pair in msrtop:man/msrtop.8 msrload:man/msrload.1; do
	prog=$build/${pair%%:*} page=${pair#*:}
	name=${pair%%:*}
	if [ ! -x "$prog" ]; then
		tap_fail "$name: $prog is built" "run make"
		continue
	fi
	h=$(help_opts "$prog") m=$(man_opts "$page")
	if [ "$(echo "$h" | wc -l)" -lt 5 ]; then
		tap_fail "$name --help lists its options" "found only: $h"
		continue
	fi
	only_help=$(comm -23 <(echo "$h") <(echo "$m") | paste -sd, -)
	only_man=$(comm -13 <(echo "$h") <(echo "$m") | paste -sd, -)
	tap_eq "$page describes every option of $name --help ($(echo "$h" | wc -l))" "" "$only_help"
	tap_eq "$page describes no option $name --help lacks" "" "$only_man"
	warn=$(groff -man -ww -z "$page" 2>&1)
	tap_eq "$page: groff formats it without warnings" "" "$warn"
done
tap_done
