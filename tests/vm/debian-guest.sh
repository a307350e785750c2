#!/usr/bin/env bash
# Inside a Debian kernel under QEMU (tests/vm/debian.sh boots it): the stock
# KVM modules, then the patched ones DKMS built, each with VM suites of
# tests/vm/batch.sh collecting into the shared directory. Prints TAP.
#
#   tests/vm/debian-guest.sh ROOT MODROOT SHARE STOCK-SUITES -- PATCHED-SUITES [-- BPFTRACE-OPTIONS]
#
# ROOT     the unpacked Debian kernel (modprobe -d ROOT: its own modules)
# MODROOT  a module tree of the same kernel with DKMS's modules in
#          updates/dkms (modprobe -d MODROOT loads them instead of kernel/)
# SHARE    the directory shared with the host: SHARE/stock and SHARE/patched
#          receive what the suites collected, SHARE/build-id-{stock,patched}
#          the build ids of the kvm and kvm_amd modules that were loaded
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"

[ $# -ge 5 ] || { echo "usage: $0 ROOT MODROOT SHARE STOCK-SUITES -- PATCHED-SUITES [-- BPFTRACE-OPTIONS]" >&2; exit 2; }
root=$1 modroot=$2 share=$3
shift 3
stock=() patched=() bt=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do stock+=("$1"); shift; done
[ $# -gt 0 ] && shift
while [ $# -gt 0 ] && [ "$1" != -- ]; do patched+=("$1"); shift; done
[ $# -gt 0 ] && shift
bt=("$@")

# The GNU build id of a loaded module, from the ELF note sysfs exposes (a
# 16-byte note header, "GNU\0", then the id). Debian's modules have no
# srcversion (no MODULE_VERSION), but every module has a build id.
loaded_build_id() {
	local f=/sys/module/$1/notes/.note.gnu.build-id
	if [ -r "$f" ]; then
		od -An -v -tx1 -j16 "$f" | tr -d ' \n'
	else
		echo "no-build-id-for-$1"
	fi
}

# phase NAME MODULE-DIR SUITE...: load kvm_amd (and kvm) from MODULE-DIR,
# check its module BTF, run the suites, unload.
phase() {
	local name=$1 dir=$2 m
	shift 2
	if modprobe -d "$dir" kvm_amd 2>"/tmp/modprobe-$name"; then
		tap_ok "$name: modprobe kvm_amd ($dir)"
	else
		tap_fail "$name: modprobe kvm_amd ($dir)" "$(cat "/tmp/modprobe-$name")"
		return 1
	fi
	for m in kvm kvm_amd; do
		if [ -s "/sys/kernel/btf/$m" ]; then
			tap_ok "$name: /sys/kernel/btf/$m exists (module BTF for CO-RE and tp_btf)"
		else
			tap_fail "$name: /sys/kernel/btf/$m exists (module BTF for CO-RE and tp_btf)"
		fi
	done
	echo "$(loaded_build_id kvm) $(loaded_build_id kvm_amd)" >"$share/build-id-$name"
	"$top/tests/vm/batch.sh" --share "$share/$name" "$@" |
		sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&$name: /"
	if rmmod kvm_amd kvm 2>"/tmp/rmmod-$name"; then
		tap_ok "$name: rmmod kvm_amd kvm"
	else
		tap_fail "$name: rmmod kvm_amd kvm" "$(cat "/tmp/rmmod-$name")"
		return 1
	fi
}

mkdir -p "$share/stock" "$share/patched"
phase stock "$root" "${stock[@]}" &&
	phase patched "$modroot" "${patched[@]}" -- "${bt[@]}"
tap_done
