#!/usr/bin/env bash
# `make dkms-install`: put msrtop's patched KVM modules under DKMS, so that
# they are built for the running kernel (or KREL) now and for every Debian
# 6.1/6.12 kernel installed later, and installed into
# /lib/modules/KREL/updates/dkms, where they take precedence over the
# kernel's own kvm, kvm-amd and kvm-intel. docs/kernel.md has the whole
# procedure (unloading the old modules, going back).
#
#   packaging/dkms/install.sh [KREL]
set -euo pipefail

[ $# -le 1 ] || { echo "usage: $0 [KREL]" >&2; exit 2; }
krel=${1:-$(uname -r)}
[ "$(id -u)" = 0 ] || { echo "dkms-install: run as root (sudo make dkms-install)" >&2; exit 1; }
command -v dkms >/dev/null || { echo "dkms-install: dkms is missing: apt-get install dkms" >&2; exit 1; }
version=$("$(dirname "$0")/stage.sh" /usr/src)
if ! dkms status -m msrtop-kvm -v "$version" | grep -q .; then
	dkms add -m msrtop-kvm -v "$version"
fi
dkms install -m msrtop-kvm -v "$version" -k "$krel"
dkms status -m msrtop-kvm -k "$krel"
echo "dkms-install: msrtop-kvm $version installed for $krel; load it with:" \
	"modprobe -r kvm_amd kvm_intel kvm && modprobe kvm_amd (or kvm_intel)"
