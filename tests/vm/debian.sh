#!/usr/bin/env bash
# The real Debian kernel of one series, booted under QEMU, with its own KVM
# modules and then with msrtop's patched ones built and installed by DKMS:
#
#   tests/vm/debian.sh KVER          (6.1 or 6.12; TAP on stdout)
#
# 1. tests/vm/debian-kernel.sh fetches Debian's current kernel of the series
#    (image, headers; cached) and makes its initramfs;
# 2. DKMS, in a private tree (--sourcetree/--dkmstree/--installtree, nothing
#    of the host's DKMS state is touched), adds packaging/dkms/stage.sh's
#    source, builds it for that kernel against the unpacked headers
#    (--kernelsourcedir; kernel-patches/kvm-modules.sh does the build, cached
#    by its inputs) and installs it into a module tree beside the kernel's
#    own; `dkms status` must say "installed" for that kernel, and modprobe
#    must resolve kvm and kvm_amd to updates/dkms there;
# 3. one boot (tests/vm/run.sh --kernel --initrd, tests/vm/debian-guest.sh
#    inside): Debian's own kvm_amd with the msrtop suite (msrtop against
#    msrload's ground truth), then DKMS's modules with the patched suite, and
#    on DEBIAN_BPFTRACE_KVERS (default 6.1) the bpftrace suite's scripts (the
#    one-liners run in the 6.1 test kernel), elsewhere the msrtop suite again and the kfunc suite;
#    each phase checks that the module BTF of kvm and kvm_amd is there;
# 4. on the host: the loaded modules' GNU build ids against Debian's and DKMS's
#    files, and the suites' checks (tests/vm/batch.sh --check).
# Results are named "[KREL] ...". DEBIAN_STOCK_SUITES and
# DEBIAN_PATCHED_SUITES change the suites of each phase.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"

[ $# = 1 ] || { echo "debian.sh: usage: $0 KVER" >&2; exit 2; }
kver=$1
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }
# With DKMS's modules: the patched suite (msrtop and hist triggers through the
# new tracepoints) everywhere; then the bpftrace scripts on 6.1, the msrtop
# suite again and patch 0006's kfunc (a kfunc in module BTF) on 6.12, so that
# the two lanes take about the same time.
stock=(${DEBIAN_STOCK_SUITES:-msrtop})
bt_opts=()
if in_list "$kver" "${DEBIAN_BPFTRACE_KVERS:-6.1}"; then
	patched=(${DEBIAN_PATCHED_SUITES:-patched bpftrace})
	bt_opts=(--scripts-only "one-liners run in the 6.1 test kernel (tests/vm/boot.sh)")
else
	patched=(${DEBIAN_PATCHED_SUITES:-patched msrtop kfunc})
fi

work=$(mktemp -d "${TMPDIR:-/var/tmp}/msrtop-debian-$kver.XXXXXX") ||
	{ tap_fail "[$kver] a work directory"; tap_done; }
# A failed run keeps its work directory (the suites' JSON) for inspection.
trap 'if [ "$_tap_failed" = 0 ]; then rm -rf "$work"; else echo "# $kver: kept $work for inspection" >&2; fi' EXIT

t=$(date +%s)
if ! out=$("$top/tests/vm/debian-kernel.sh" "$kver" 2>"$work/fetch.log"); then
	tap_fail "[$kver] Debian's current $kver kernel fetched and unpacked" \
		"$(tail -n 3 "$work/fetch.log")"
	tap_done
fi
read -r krel ver dir <<<"$out"
L="[$krel]"
tap_ok "$L Debian's linux-image-$krel $ver fetched and unpacked, initramfs made"
echo "# $L kernel ready in $(($(date +%s) - t)) s"

# ---- DKMS, in a private tree --------------------------------------------------
t=$(date +%s)
dkmsver=$("$top/packaging/dkms/stage.sh" "$work/src")
mods=$work/modules
mkdir -p "$mods/lib/modules/$krel" "$work/dkms"
# The module tree DKMS installs into: the kernel's own modules (a link) and
# the lists depmod needs; DKMS adds updates/dkms.
ln -s "$dir/root/lib/modules/$krel/kernel" "$mods/lib/modules/$krel/kernel"
cp "$dir/root/lib/modules/$krel"/modules.{order,builtin,builtin.modinfo} "$mods/lib/modules/$krel/"
dkms=(dkms --sourcetree "$work/src" --dkmstree "$work/dkms" --installtree "$mods/lib/modules")
run_dkms() {
	MSRTOP_VMLINUZ=$dir/vmlinuz "${dkms[@]}" "$@" -m msrtop-kvm -v "$dkmsver" >>"$work/dkms.log" 2>&1
}
if run_dkms add && run_dkms build -k "$krel" --kernelsourcedir "$dir/headers" &&
	run_dkms install -k "$krel" --kernelsourcedir "$dir/headers" --no-depmod; then
	tap_ok "$L dkms add, build, install msrtop-kvm $dkmsver"
else
	tap_fail "$L dkms add, build, install msrtop-kvm $dkmsver" "$(tail -n 15 "$work/dkms.log")"
	tap_done
fi
echo "# $L DKMS build and install in $(($(date +%s) - t)) s"
tap_eq "$L dkms status: msrtop-kvm installed for $krel" \
	"msrtop-kvm/$dkmsver, $krel, $(uname -m): installed" \
	"$("${dkms[@]}" status -m msrtop-kvm -k "$krel" 2>&1)"
depmod -b "$mods" "$krel"
tap_eq "$L modprobe resolves kvm and kvm_amd to DKMS's modules (updates/dkms)" \
	"updates/dkms/kvm.ko updates/dkms/kvm-amd.ko" \
	"$(modprobe -d "$mods" -S "$krel" --show-depends kvm_amd |
		sed -n 's|^insmod .*/\(updates/dkms/kvm[^ ]*\.ko\)\(\.xz\)\{0,1\} .*|\1|p' | xargs)"

# ---- one boot: stock, then DKMS's modules -------------------------------------
share=$work/share
mkdir -p "$share"
limit=$("$top/tests/vm/batch.sh" --limit "${stock[@]}" "${patched[@]}") ||
	{ tap_fail "$L VM suites" "batch.sh --limit: $limit"; tap_done; }
echo "# $L booting Debian's kernel for: stock ${stock[*]}; DKMS ${patched[*]}"
"$top/tests/vm/run.sh" --kernel "$dir/vmlinuz" --initrd "$dir/initrd" --timeout $((limit + 300)) \
	--append "kvm.force_emulation_prefix=1" --share "$share" -- \
	"$top/tests/vm/debian-guest.sh" "$dir/root" "$mods" "$share" "${stock[@]}" -- \
	"${patched[@]}" -- "${bt_opts[@]}" |
	sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&$L /"
r=${PIPESTATUS[0]}
[ "$r" = 0 ] || [ "$r" = 1 ] || tap_fail "$L the VM ran its suites to completion" "run.sh exit $r"

# ---- on the host --------------------------------------------------------------
# The GNU build id of a module file (.ko or .ko.xz), "none" when it has none.
file_build_id() {
	local f=$1 id
	case $f in *.xz) xz -dc "$f" >"$work/module.ko" && f=$work/module.ko ;; esac
	id=$(readelf -n "$f" 2>/dev/null | awk '/Build ID:/ { print $3; exit }')
	echo "${id:-none}"
}
mod_file() { modprobe -d "$1" -S "$krel" --show-depends kvm_amd | awk -v m="/$2.ko" 'index($2, m) { print $2 }'; }
for phase in stock patched; do
	if [ $phase = stock ]; then tree=$dir/root who="Debian's"; else tree=$mods who="DKMS's"; fi
	[ -f "$share/build-id-$phase" ] || continue
	tap_eq "$L $phase: the kvm and kvm_amd loaded are $who (GNU build ids)" \
		"$(file_build_id "$(mod_file "$tree" kvm)") $(file_build_id "$(mod_file "$tree" kvm-amd)")" \
		"$(cat "$share/build-id-$phase")"
done
echo "# $L checking on the host what the VM collected"
for phase in stock patched; do
	if [ $phase = stock ]; then names=("${stock[@]}"); else names=("${patched[@]}"); fi
	[ -d "$share/$phase" ] || continue
	"$top/tests/vm/batch.sh" --check "$share/$phase" "${names[@]}" -- "${bt_opts[@]}" |
		sed -u "s/^\(not \)\{0,1\}ok [0-9]* - /&$L $phase: /"
	[ "${PIPESTATUS[0]}" = 0 ] || _tap_failed=1
done
tap_done
