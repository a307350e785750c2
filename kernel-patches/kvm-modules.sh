#!/usr/bin/env bash
# Build KVM with msrtop's tracepoint series as modules (kvm.ko, kvm-amd.ko,
# kvm-intel.ko) for an installed Debian kernel, out of tree, with module BTF.
#
#   kernel-patches/kvm-modules.sh [--headers DIR] [--vmlinuz FILE] [--into DIR] [KREL]
#
# KREL    the kernel release (default: the running kernel, `uname -r`), e.g.
#         6.1.0-57-amd64 or 6.12.117+deb12-amd64; its first two numbers pick
#         the series (kernel-patches/v6.1 or v6.12)
# --headers DIR   linux-headers-KREL (default /lib/modules/KREL/build)
# --vmlinuz FILE  KREL's kernel image, from which the base BTF of the modules'
#                 BTF is taken when KREL is not the running kernel and its
#                 headers carry no vmlinux (default $MSRTOP_VMLINUZ, else
#                 /boot/vmlinuz-KREL)
# --into DIR      also copy the three modules into DIR (DKMS's build directory)
#
# Steps: the Debian version of KREL is read from its headers; the matching
# linux-source-KVER tarball (same Debian version) is taken from the installed
# package or fetched into the cache (lib.sh kp_source_tarball; never
# installed); arch/x86/kvm, virt/kvm and every other file the series touches
# are extracted and the series applied with `git apply`; the modules are
# built against the headers (`make M=`, the kernel's own .config, through
# ccache); a patched header outside arch/x86/kvm (asm/kvm_host.h) goes first
# on the include path. Module BTF: Debian's 6.12 headers ship a vmlinux and
# the kernel's build makes it; otherwise pahole encodes it against the base
# BTF of KREL (/sys/kernel/btf/vmlinux when KREL runs, else the .BTF of the
# vmlinux inside --vmlinuz). Every module must come out with a .BTF section
# and the vermagic of KREL.
#
# The result is cached under $MSRTOP_CACHE/kvm-modules/KREL-KEY/, KEY hashing
# every input (headers' .config and Module.symvers, source version, series,
# base BTF, compiler, this script and lib.sh); its path is printed on stdout,
# as the last line. Build log: $MSRTOP_CACHE/kvm-modules/build-KREL.log.
set -euo pipefail

kp_prog=kvm-modules.sh
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=kernel-patches/lib.sh
. "$here/lib.sh"

usage() {
	echo "usage: $0 [--headers DIR] [--vmlinuz FILE] [--into DIR] [KREL]" >&2
	exit 2
}
headers= vmlinuz= into= krel=
while [ $# -gt 0 ]; do
	case "$1" in
	--headers) [ $# -ge 2 ] || usage; headers=$2; shift 2 ;;
	--vmlinuz) [ $# -ge 2 ] || usage; vmlinuz=$2; shift 2 ;;
	--into) [ $# -ge 2 ] || usage; into=$2; shift 2 ;;
	-*) echo "kvm-modules.sh: unknown option '$1'" >&2; usage ;;
	*) [ -z "$krel" ] || usage; krel=$1; shift ;;
	esac
done
running=$(uname -r)
krel=${krel:-$running}
headers=${headers:-/lib/modules/$krel/build}
vmlinuz=${vmlinuz:-${MSRTOP_VMLINUZ:-/boot/vmlinuz-$krel}}

[ -f "$headers/.config" ] && [ -f "$headers/Module.symvers" ] ||
	kp_die "no kernel headers for $krel in $headers: apt-get install linux-headers-$krel"
# 6.1.0-57-amd64 -> 6.1, 6.12.117+deb12-amd64 -> 6.12
kver=$(sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p' <<<"$krel")
kp_init "$kver"
grep -q '^CONFIG_KVM=m' "$headers/.config" ||
	kp_die "$krel does not build KVM as a module (CONFIG_KVM=m): nothing to replace"
# The Debian version: " Debian 6.1.192-3" in the headers' package.h.
debver=$(sed -n 's/.*LINUX_PACKAGE_ID " *Debian \([^ "]*\)".*/\1/p' \
	"$headers/include/generated/package.h" 2>/dev/null || true)
[ -n "$debver" ] || debver=$(dpkg-query -W -f='${Version}' "linux-headers-$krel" 2>/dev/null || true)
[ -n "$debver" ] ||
	kp_die "cannot tell the Debian version of $krel (no include/generated/package.h in $headers)"
# The compiler the kernel was built with (CONFIG_CC_VERSION_TEXT's first word).
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$headers/.config")
command -v "$cc" >/dev/null ||
	kp_die "$krel was built with $cc, which is not installed: apt-get install ${cc##*-linux-gnu-}"
command -v pahole >/dev/null || kp_die "pahole (module BTF) is missing: apt-get install dwarves"

# Base BTF for the modules' BTF.
btf_base=
if [ -f "$headers/vmlinux" ]; then
	btf_base=$headers/vmlinux
elif [ "$krel" = "$running" ] && [ -r /sys/kernel/btf/vmlinux ]; then
	btf_base=/sys/kernel/btf/vmlinux
elif [ ! -f "$vmlinuz" ]; then
	kp_die "no base BTF for $krel's module BTF: $headers has no vmlinux, $krel is not" \
		"running and $vmlinuz does not exist (give --vmlinuz FILE)"
fi

key=$( {
	echo "$krel $debver $cc $($cc -dumpfullversion) $(pahole --version)"
	cat "$headers/.config" "$headers/Module.symvers" "$0" "$here/lib.sh" "${kp_patches[@]}"
	if [ -n "$btf_base" ]; then cat "$btf_base"; else cat "$vmlinuz"; fi
} | sha256sum | cut -c1-16)
base=$kp_cache/kvm-modules
out=$base/$krel-$key
mods="kvm kvm-amd kvm-intel"

copy_into() {
	[ -n "$into" ] || return 0
	mkdir -p "$into"
	local m
	for m in $mods; do cp "$out/$m.ko" "$into/"; done
}
if [ -f "$out/kvm.ko" ]; then
	copy_into
	echo "$out"
	exit 0
fi
mkdir -p "$base"
exec 9>"$base/.build-$krel.lock"
flock 9
if [ -f "$out/kvm.ko" ]; then
	copy_into
	echo "$out"
	exit 0
fi

t0=$(date +%s)
log=$base/build-$krel.log
: >"$log"
kp_source_tarball "$kver" "$debver" ||
	kp_die "$krel needs linux-source-$kver $debver: apt-get install linux-source-$kver=$debver"

# The files to build from: KVM's two directories and whatever else the series
# touches (headers only: a .c file elsewhere would not be part of a module).
bld=$base/build-$krel
rm -rf "$bld"
mkdir -p "$bld"
extra=()
while IFS= read -r f; do
	case "$f" in
	arch/x86/kvm/* | virt/kvm/*) ;;
	*.h) extra+=("$f") ;;
	*) kp_die "the series changes $f, which is not part of the KVM modules" ;;
	esac
done < <(sed -n 's|^+++ b/||p' "${kp_patches[@]}" | sort -u)
top=linux-source-$kver # the tarball's one top-level directory
kp_log "extracting KVM from $kp_tarball"
tar -xJf "$kp_tarball" -C "$bld" --strip-components=1 \
	"$top/arch/x86/kvm" "$top/virt/kvm" "$top/scripts/extract-vmlinux" "${extra[@]/#/$top/}"
kp_log "applying ${#kp_patches[@]} patch(es) of v$kver"
for p in "${kp_patches[@]}"; do
	git -C "$bld" apply -p1 "$p" >>"$log" 2>&1 ||
		kp_die "$(basename "$p") does not apply to linux-source-$kver $debver (see $log)"
done

# In the kernel tree KVM's Makefile finds its own directory and virt/kvm
# through $(srctree); here they are beside it, not in the headers.
mk=$bld/arch/x86/kvm/Makefile
sed -i -e 's|\$(srctree)/arch/x86/kvm|$(src)|g' \
	-e 's|\$(srctree)/virt/kvm/|$(src)/../../../virt/kvm/|g' "$mk"
! grep -n 'srctree' "$mk" >>"$log" ||
	kp_die "$mk refers to \$(srctree) in a way this script does not handle (see $log)"

# Patched headers first: NOSTDINC_FLAGS comes before the kernel's own -I
# options (set on the command line, it replaces the Makefile's "-nostdinc").
inc="-nostdinc"
[ ! -d "$bld/arch/x86/include" ] || inc+=" -I$bld/arch/x86/include"
[ ! -d "$bld/include" ] || inc+=" -I$bld/include"
# trace.h has TRACE_INCLUDE_PATH ../../arch/x86/kvm, which the kernel's
# define_trace.h finds relative to its own include/trace/: an empty one here.
mkdir -p "$bld/include/trace"
inc+=" -I$bld/include/trace"

kcc=$cc
command -v ccache >/dev/null && kcc="ccache $cc"
kp_log "building $mods for $krel with $(nproc) jobs (log: $log)"
cc0=$(kp_ccache_counts)
CCACHE_DIR=$kp_cache/ccache CCACHE_MAXSIZE=${MSRTOP_CCACHE_SIZE:-4G} \
	make -C "$headers" M="$bld/arch/x86/kvm" CC="$kcc" NOSTDINC_FLAGS="$inc" \
	-j"$(nproc)" modules >>"$log" 2>&1 ||
	kp_die "the module build failed (see the end of $log)"
kp_log "built in $(($(date +%s) - t0)) s ($(kp_ccache_since "$cc0"))"

# Module BTF where the kernel's build could not make it (no vmlinux in the
# headers): pahole against KREL's own vmlinux BTF.
if [ -z "$btf_base" ]; then
	kp_log "taking the base BTF from $vmlinuz"
	"$bld/scripts/extract-vmlinux" "$vmlinuz" >"$bld/vmlinux" 2>>"$log" ||
		kp_die "cannot extract vmlinux from $vmlinuz (see $log)"
	readelf -S "$bld/vmlinux" | grep -q ' \.BTF ' ||
		kp_die "$vmlinuz has no .BTF section: $krel was built without CONFIG_DEBUG_INFO_BTF"
	btf_base=$bld/vmlinux
fi
for m in $mods; do
	ko=$bld/arch/x86/kvm/$m.ko
	[ -f "$ko" ] || kp_die "the build made no $m.ko (see $log)"
	if ! readelf -S "$ko" | grep -q ' \.BTF '; then
		flags=$(PAHOLE=pahole "$headers/scripts/pahole-flags.sh" 2>/dev/null || echo -j)
		# shellcheck disable=SC2086 # one word per flag
		LLVM_OBJCOPY=objcopy pahole -J $flags --btf_base "$btf_base" "$ko" >>"$log" 2>&1 ||
			kp_die "pahole could not encode the BTF of $m.ko (see $log)"
	fi
	readelf -S "$ko" | grep -q ' \.BTF ' || kp_die "$m.ko has no BTF (see $log)"
	# Debug info is only needed for pahole; Debian's own modules ship without it.
	objcopy --strip-debug "$ko"
	vm=$(modinfo -F vermagic "$ko")
	[ "${vm%% *}" = "$krel" ] || kp_die "$m.ko has vermagic '$vm', not $krel"
done

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
for m in $mods; do cp "$bld/arch/x86/kvm/$m.ko" "$out.tmp/"; done
echo "$krel $debver" >"$out.tmp/SOURCE"
mv "$out.tmp" "$out"
rm -rf "$bld"
copy_into
kp_log "modules with BTF in $out ($(($(date +%s) - t0)) s in all)"
echo "$out"
