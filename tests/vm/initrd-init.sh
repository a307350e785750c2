#!/bin/busybox sh
# /init of the initramfs tests/vm/debian-kernel.sh makes for a Debian kernel:
# loads the image's own virtio and 9p modules (lib/initrd/, in order), mounts
# the host root as tests/vm/run.sh describes it on the kernel command line
# (root=TAG rootfstype=9p rootflags=...) and hands over to its init= (PID 1
# stays PID 1: switch_root).
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in /lib/initrd/*.ko; do
	/bin/busybox insmod "$m" || echo "initrd: insmod $m failed"
done
root= flags= init=/sbin/init
for a in $(/bin/busybox cat /proc/cmdline); do
	case "$a" in
	root=*) root=${a#root=} ;;
	rootflags=*) flags=${a#rootflags=} ;;
	init=*) init=${a#init=} ;;
	esac
done
# The virtio devices may still be probing when the modules return.
i=0
until /bin/busybox mount -t 9p -o "ro,$flags" "$root" /newroot 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "initrd: cannot mount 9p '$root' ($flags)"; /bin/busybox poweroff -f; }
	/bin/busybox sleep 0.1
done
/bin/busybox umount /dev
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot "$init"
