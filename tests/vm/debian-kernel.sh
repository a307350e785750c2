#!/usr/bin/env bash
# Debian's own current kernel of one series, fetched and unpacked for the VM
# tests, never installed:
#
#   tests/vm/debian-kernel.sh KVER        (KVER: 6.1 or 6.12)
#
# The kernel is the one Debian's metapackage names today (linux-image-amd64
# for 6.1, linux-image-6.12-amd64 for 6.12; apt-cache, no version written
# anywhere). Its image, headers (with their -common and linux-kbuild packages)
# are fetched with `apt-get download` into $MSRTOP_CACHE/debs and unpacked
# into $MSRTOP_CACHE/debian/KREL_VERSION/root, the headers' Makefile pointed
# at the unpacked -common directory and depmod run there, so that
# `modprobe -d DIR/root` loads its modules. Beside root/, initrd-KEY.cpio.gz is
# a small initramfs (busybox, the image's own virtio and 9p modules, and
# tests/vm/initrd-init.sh as /init) that mounts the host root over 9p as
# tests/vm/run.sh expects; KEY hashes this script and initrd-init.sh.
#
# Prints one line: KREL VERSION DIR (DIR/vmlinuz, DIR/headers, DIR/initrd are
# links to the parts).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kp_prog=debian-kernel.sh
# shellcheck source=kernel-patches/lib.sh
. "$here/../../kernel-patches/lib.sh"

[ $# = 1 ] || kp_die "usage: $0 KVER   (KVER is 6.1 or 6.12)"
case "$1" in
6.1) meta=linux-image-amd64 ;;
6.12) meta=linux-image-6.12-amd64 ;;
*) kp_die "unsupported kernel version '$1': use 6.1 or 6.12" ;;
esac
kver=$1

# candidate PACKAGE: the version apt would install.
candidate() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}
img=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
case "$img" in
linux-image-"$kver".*-amd64) ;;
*) kp_die "apt's $meta names no linux-image-$kver.*-amd64 ('$img'): run apt-get update" ;;
esac
krel=${img#linux-image-}
ver=$(candidate "$img")
[ -n "$ver" ] || kp_die "apt-cache shows no version of $img"
dir=$kp_cache/debian/${krel}_$ver
root=$dir/root

mkdir -p "$kp_cache/debian"
exec 9>"$kp_cache/debian/.lock-$krel"
flock 9
if [ ! -f "$dir/.unpacked" ]; then
	rm -rf "$dir"
	mkdir -p "$root"
	hdr=linux-headers-$krel
	pkgs=("$img=$ver" "$hdr=$ver")
	while IFS= read -r p; do
		pkgs+=("$p=$(candidate "$p")")
	done < <(apt-cache depends "$hdr" | sed -n 's/^ *Depends: \(linux-\(headers-.*-common\|kbuild-[^ ]*\)\)$/\1/p')
	[ ${#pkgs[@]} = 4 ] || kp_die "$hdr should depend on one -common and one linux-kbuild package"
	for p in "${pkgs[@]}"; do
		deb=$(kp_fetch_deb "${p%%=*}" "${p#*=}") || kp_die "cannot fetch $p"
		dpkg-deb -x "$deb" "$root"
	done
	# The headers' Makefile includes /usr/src/linux-headers-*-common/Makefile.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$root/usr/src/$hdr/Makefile"
	depmod -b "$root" "$krel"
	ln -s "root/boot/vmlinuz-$krel" "$dir/vmlinuz"
	ln -s "root/usr/src/$hdr" "$dir/headers"
	touch "$dir/.unpacked"
	kp_log "$img $ver unpacked into $dir"
fi

key=$(cat "$0" "$here/initrd-init.sh" | sha256sum | cut -c1-16)
initrd=$dir/initrd-$key.cpio.gz
if [ ! -f "$initrd" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/bin" "$tmp/lib/initrd"
	cp /bin/busybox "$tmp/bin/busybox"
	{ ldd /bin/busybox 2>&1 || true; } | grep -q "not a dynamic" ||
		kp_die "/bin/busybox is not statically linked: apt-get install busybox-static"
	cp "$here/initrd-init.sh" "$tmp/init"
	chmod +x "$tmp/init"
	# The modules for a 9p root over virtio-pci, in load order.
	n=0 seen=" "
	while read -r what path _; do
		[ "$what" = insmod ] || continue
		case "$seen" in *" $path "*) continue ;; esac
		seen+="$path "
		n=$((n + 1))
		name=$(printf '%02d-%s' $n "$(basename "${path%.xz}")")
		case "$path" in
		*.xz) xz -dc "$path" >"$tmp/lib/initrd/$name" ;;
		*) cp "$path" "$tmp/lib/initrd/$name" ;;
		esac
	done < <(modprobe -d "$root" -S "$krel" --show-depends -a virtio_pci 9pnet_virtio 9p)
	[ $n -gt 0 ] || kp_die "modprobe found none of virtio_pci, 9pnet_virtio, 9p in $root"
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
fi
ln -sfn "$(basename "$initrd")" "$dir/initrd"
echo "$krel $ver $dir"
