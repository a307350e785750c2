#!/usr/bin/env bash
# Lay out the DKMS source tree of msrtop's patched KVM modules:
#
#   packaging/dkms/stage.sh DIR
#
# makes DIR/msrtop-kvm-VERSION/ (dkms.conf, kvm-modules.sh, lib.sh and the
# series v6.1/, v6.12/) and prints VERSION. VERSION hashes those files, so a
# changed series is a new DKMS version. DIR is /usr/src for `dkms add`
# (`make dkms-install`), or any directory given to dkms as --sourcetree (the
# tests).
set -euo pipefail

[ $# = 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
kp=$top/kernel-patches
files=("$kp/kvm-modules.sh" "$kp/lib.sh" "$top/packaging/dkms/dkms.conf.in")
for v in "$kp"/v*/; do
	files+=("$v"BASE "$v"0*.patch)
done
version=1.$(cat "${files[@]}" | sha256sum | cut -c1-12)
dest=$1/msrtop-kvm-$version
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
cp "$kp/kvm-modules.sh" "$kp/lib.sh" "$dest.tmp/"
for v in "$kp"/v*/; do
	mkdir "$dest.tmp/$(basename "$v")"
	cp "$v"BASE "$v"0*.patch "$dest.tmp/$(basename "$v")/"
done
sed "s/@VERSION@/$version/" "$top/packaging/dkms/dkms.conf.in" >"$dest.tmp/dkms.conf"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$version"
