#!/bin/sh
# The first PID 1 of the systemd VM test (tests/vm/systemd.sh): started by
# the Debian kernel's initramfs (tests/vm/initrd-init.sh) on the host root
# (9p, read-only), it makes a Debian disk the root and hands PID 1 to its
# systemd. The kernel command line gives, as environment:
#   msrtop_krel, msrtop_kroot  the kernel's release and its unpacked modules
#                              (to load virtio_blk and ext4 from)
# Steps: load the disk's drivers, mount /dev/vda (tests/vm/debian-root.sh's
# image, its writes discarded after the boot); mount the run's directory (tests/vm/run.sh:
# cmd.sh, rc) at /srv/vm and the shared directory at /srv/share; install and
# enable for this boot the units in /srv/share/units (the test); pivot_root,
# the host root staying visible read-only at /host; exec systemd.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
new=/run/newroot

fail() {
	echo "systemd-init: $*"
	poweroff -f
}

modprobe -d "$msrtop_kroot" -S "$msrtop_krel" -a virtio_blk ext4 9p 9pnet_virtio ||
	fail "modprobe virtio_blk ext4 from $msrtop_kroot failed"
i=0
until [ -b /dev/vda ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "no /dev/vda: the root disk did not appear"
	sleep 0.1
done
mkdir -p $new
mount -t ext4 /dev/vda $new || fail "cannot mount /dev/vda"
opts=trans=virtio,version=9p2000.L,msize=262144
mkdir -p $new/srv/vm $new/srv/share $new/host
mount -t 9p -o $opts vmout $new/srv/vm || fail "cannot mount the run's directory (vmout)"
[ -f $new/srv/vm/share ] || fail "tests/vm/run.sh was given no --share"
mount -t 9p -o $opts share $new/srv/share || fail "cannot mount the shared directory"
for u in $new/srv/share/units/*.service; do
	[ -f "$u" ] || continue
	cp "$u" $new/etc/systemd/system/
	mkdir -p $new/etc/systemd/system/multi-user.target.wants
	ln -sf "../$(basename "$u")" $new/etc/systemd/system/multi-user.target.wants/
done
umount /proc /sys /dev
cd $new || fail "cd $new"
pivot_root . host || fail "pivot_root failed"
exec chroot . /lib/systemd/systemd
