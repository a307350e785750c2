#!/usr/bin/env bash
# A minimal Debian bookworm system with systemd, as a disk image for the
# systemd VM test (tests/vm/systemd.sh), built with mmdebstrap and cached:
#
#   tests/vm/debian-root.sh KREL KROOT
#
# KREL/KROOT: the Debian kernel the image boots (tests/vm/debian-kernel.sh
# unpacks it into KROOT); its /lib/modules/KREL is copied into the image, so
# that systemd-udevd and modprobe find kvm_amd there.
#
# Two cached steps under $MSRTOP_CACHE/debian-root/:
#   root-KEY.tar   mmdebstrap --variant=apt with the packages below, from the
#                  host's apt sources (its /etc/apt/sources.list and
#                  sources.list.d/*.sources); KEY hashes the package list,
#                  the customize hooks and those sources, so a new mirror or
#                  list is a new root (security updates after that: delete
#                  the file); older roots and images are deleted when a new
#                  one is made
#   disk-KEY-KREL.img  that root plus KREL's modules and an fstab, as an ext4
#                  file system image (mke2fs -d), never written to: the VM
#                  boots it with QEMU's snapshot=on
# Prints the image's path.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kp_prog=debian-root.sh
# shellcheck source=kernel-patches/lib.sh
. "$here/../../kernel-patches/lib.sh"

[ $# = 2 ] || kp_die "usage: $0 KREL KROOT"
krel=$1 kroot=$2
[ -d "$kroot/lib/modules/$krel" ] || kp_die "no $kroot/lib/modules/$krel: run tests/vm/debian-kernel.sh"
command -v mmdebstrap >/dev/null || kp_die "mmdebstrap is missing: run 'make deps'"
command -v mke2fs >/dev/null || kp_die "mke2fs is missing: apt-get install e2fsprogs"

# systemd as PID 1 and what the test runs in the guest: apt/dpkg (in the
# variant), kmod, bpftool, curl and jq for Prometheus' API, procps, and the
# shared libraries msrtop's package depends on (the guest has no network:
# apt installs the .debs from what is there).
pkgs=(systemd systemd-sysv dbus udev kmod bpftool curl jq procps util-linux
	libbpf1 libjson-c5 libmicrohttpd12 libncursesw6 libtinfo6)
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || kp_die "the host has no apt sources (/etc/apt/sources.list*)"
# The hooks: no login prompts on the consoles (the test owns ttyS0), a host
# name. The image's own additions: KREL's modules and this fstab.
hooks=('chroot "$1" systemctl mask serial-getty@ttyS0.service getty@tty1.service'
	'echo msrtop-systemd >"$1/etc/hostname"')
fstab="/dev/vda / ext4 rw,errors=remount-ro 0 0"
key=$({ printf '%s\n' "${pkgs[@]}" "${hooks[@]}"; cat "${sources[@]}"; } | sha256sum | cut -c1-16)
dir=$kp_cache/debian-root
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

tar=$dir/root-$key.tar
# mmdebstrap picks its output format by the name's extension.
part=$dir/root-$key.part.tar
if [ ! -s "$tar" ]; then
	kp_log "mmdebstrap: bookworm with ${pkgs[*]} (log: $dir/mmdebstrap.log)"
	if ! mmdebstrap --variant=apt --include="$(IFS=,; echo "${pkgs[*]}")" \
		--customize-hook="${hooks[0]}" --customize-hook="${hooks[1]}" \
		bookworm "$part" "${sources[@]}" </dev/null >"$dir/mmdebstrap.log" 2>&1; then
		tail -n 5 "$dir/mmdebstrap.log" >&2
		rm -rf "$part"
		kp_die "mmdebstrap failed (log: $dir/mmdebstrap.log)"
	fi
	mv "$part" "$tar"
	# One root (and its images) at a time: the previous ones go.
	for old in "$dir"/root-*.tar "$dir"/disk-*.img; do
		case "$old" in "$tar" | "$dir/disk-$key-"*) ;; *) rm -f "$old" ;; esac
	done
fi

img=$dir/disk-$key-$krel-$(echo "$fstab" | sha256sum | cut -c1-8).img
if [ ! -s "$img" ]; then
	tmp=$(mktemp -d "$dir/tree.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -C "$tmp" -xf "$tar"
	mkdir -p "$tmp/lib/modules"
	cp -a "$kroot/lib/modules/$krel" "$tmp/lib/modules/"
	echo "$fstab" >"$tmp/etc/fstab"
	rm -f "$img.tmp"
	mke2fs -q -t ext4 -L msrtop-root -d "$tmp" "$img.tmp" 4G >/dev/null ||
		kp_die "mke2fs -d of the root failed"
	mv "$img.tmp" "$img"
fi
echo "$img"
