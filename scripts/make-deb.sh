#!/usr/bin/env bash
# `make deb`: build the Debian packages and check them with lintian.
#
#   scripts/make-deb.sh DIR
#
# dpkg-buildpackage -us -uc -b writes the .debs, .buildinfo and .changes into
# the source tree's parent directory; they are moved into DIR (created), so
# that nothing is left beside the checkout. lintian then checks the .changes
# (every package in it): any error or warning fails. The build log is
# DIR/build.log, lintian's report DIR/lintian.txt.
set -euo pipefail

[ $# = 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)
cd "$top"
src=$(dpkg-parsechangelog -S Source)
ver=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
changes=${src}_${ver}_$arch.changes

if ! dpkg-buildpackage -us -uc -b >"$dir/build.log" 2>&1; then
	tail -n 20 "$dir/build.log" >&2
	echo "make deb: dpkg-buildpackage failed (whole log: $dir/build.log)" >&2
	exit 1
fi
# The files the .changes lists, and the .changes itself.
files=("$changes" $(sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]\{32\} [0-9]* [^ ]* [^ ]* //p' "../$changes"))
for f in "${files[@]}"; do
	mv -f "../$f" "$dir/"
done
if ! lintian --fail-on error,warning --info "$dir/$changes" >"$dir/lintian.txt" 2>&1; then
	cat "$dir/lintian.txt" >&2
	echo "make deb: lintian reports errors or warnings (above; $dir/lintian.txt)" >&2
	exit 1
fi
for f in "${files[@]}"; do
	echo "$dir/$f"
done
