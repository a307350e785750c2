#!/bin/sh
# PID 1 of the test VM (see tests/vm/run.sh). The host's root file system is
# mounted read-only over virtio-9p; the run's own directory, shared read-write,
# holds the command to run (cmd.sh) and receives its exit status (rc).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=dumb LC_ALL=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
ip link set lo up 2>/dev/null || busybox ip link set lo up 2>/dev/null
mkdir -p /run/vm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmout /run/vm
if [ -f /run/vm/repo ]; then # the checkout lives under a tmpfs mounted above
	repo=$(cat /run/vm/repo)
	mkdir -p "$repo"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro repo "$repo"
fi
if [ -f /run/vm/share ]; then # a host directory, read-write, at its own path
	share=$(cat /run/vm/share)
	mkdir -p "$share" 2>/dev/null
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share "$share"
fi
cd "$(cat /run/vm/cwd)" || cd /
if [ -f /run/vm/interactive ]; then
	# Give the command the serial console as its controlling terminal, sized
	# like the terminal on the host side.
	read -r term rows cols </run/vm/interactive
	setsid -c sh -c "stty rows $rows cols $cols; TERM=$term exec sh /run/vm/cmd.sh" \
		</dev/ttyS0 >/dev/ttyS0 2>&1
else
	sh /run/vm/cmd.sh </dev/null
fi
echo $? >/run/vm/rc
sync
busybox reboot -f
