#!/usr/bin/env bash
# Run a command inside a test kernel under QEMU (TCG, -cpu max: AMD SVM with
# nested paging is emulated, so KVM inside gets real hardware-style exits).
#
#   tests/vm/run.sh [--kver 6.1|6.12 | --kernel BZIMAGE [--initrd FILE]] [--timeout SEC]
#                   [--append KERNEL-ARGS] [--smp N] [--share DIR] [--disk IMAGE]
#                   [--interactive] -- COMMAND [ARG]...
#
# The guest's root is the host's own root over virtio-9p, read-only, so the
# binaries under test run unchanged; /tmp and /run are fresh tmpfs. COMMAND runs
# in the current directory (as seen through the share); its output goes to the
# serial console, which this script prints on stdout without carriage returns.
# --share DIR: the host directory DIR is mounted read-write at the same path
# in the guest, so files COMMAND writes there are the host's after the run.
# --disk IMAGE: a raw disk image as a virtio disk (/dev/vda in the guest), for
# a guest that makes it its root (tests/vm/systemd.sh); QEMU's snapshot=on
# keeps the guest's writes in a temporary file, IMAGE is never written.
# With --interactive, COMMAND gets this terminal instead (its size and TERM are
# passed on; Ctrl-C goes to COMMAND, not to QEMU).
# VM_KERNEL=BZIMAGE in the environment is the default for --kernel.
# VM_TCG_THREAD=multi or single: how QEMU runs the vCPUs (default: one host thread
# for all of them when there are several, see below).
# --initrd: an initramfs that mounts the root itself from the root=, rootflags=
# and init= below (a Debian kernel, whose virtio and 9p drivers are modules:
# tests/vm/debian-kernel.sh makes one).
# The exit status is COMMAND's, or 124 if the VM timed out, or 125 if the VM
# ended without reporting one (kernel panic, QEMU failure).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=6.1 kernel=${VM_KERNEL:-} initrd= timeout=600 append= smp=2 interactive=0 share= disk=
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) kver=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--share) share=$(cd "$2" 2>/dev/null && pwd) || { echo "run.sh: --share: no directory '$2'" >&2; exit 2; }; shift 2 ;;
	--disk) disk=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--) shift; break ;;
	*) echo "run.sh: unknown option '$1' (usage: see the header of $0)" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "run.sh: no command given (… -- COMMAND)" >&2; exit 2; }
if [ -z "$kernel" ]; then
	kernel=$("$top/kernel-patches/build.sh" "$kver" | tail -n 1)
fi
[ -f "$kernel" ] || { echo "run.sh: kernel '$kernel' not found" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "run.sh: qemu-system-x86_64 missing: run 'make deps'" >&2; exit 2; }

dir=$(mktemp -d /tmp/msrtop-vm.XXXXXX)
trap 'rm -rf "$dir"' EXIT
pwd >"$dir/cwd"
{
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$dir/cmd.sh"
if [ $interactive = 1 ]; then
	[ -t 0 ] && [ -t 1 ] || { echo "run.sh: --interactive needs a terminal" >&2; exit 2; }
	echo "${TERM:-vt100} $(tput lines) $(tput cols)" >"$dir/interactive"
fi

# tsc_early_khz: a tiny kernel cannot calibrate its TSC under a loaded host, and
# KVM needs a TSC frequency (docs/vm-tests.md).
cmdline="console=ttyS0 quiet loglevel=1 panic=-1 reboot=t tsc_early_khz=2000000 tsc=reliable"
# cache=loose: the guest caches the (read-only, unchanging) host root's
# metadata and pages, so every program it starts does not go back to 9p for
# its binary and libraries; under TCG that halves the cost of a process start.
cmdline+=" root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
cmdline+=" ro init=$here/guest-init.sh $append"

# One host thread runs all the vCPUs (thread=single): the guest still has
# "$smp" CPUs, interleaved by QEMU (less finely), but with one TCG thread per vCPU
# (thread=multi, QEMU's default) Debian's 2-CPU guest panicked now and then
# while the kernel patched its own text (jump labels toggled by every VM's
# creation and teardown) under a loaded host: a QEMU cross-modifying-code
# race, not a guest bug (docs/vm-tests.md).
accel=tcg,thread=multi
[ "$smp" -le 1 ] || accel=tcg,thread=single
# VM_TCG_THREAD=multi|single overrides that (to look into a race, say).
case ${VM_TCG_THREAD:-} in
'') ;;
multi | single) accel=tcg,thread=$VM_TCG_THREAD ;;
*) echo "run.sh: VM_TCG_THREAD must be multi or single, not '$VM_TCG_THREAD'" >&2; exit 2 ;;
esac
qemu=(qemu-system-x86_64 -accel "$accel" -cpu max -machine q35 -smp "$smp" -m 2048 -display none -monitor none
	-no-reboot -kernel "$kernel" -append "$cmdline" ${initrd:+-initrd "$initrd"}
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev local,id=vmout,path="$dir",security_model=none
	-device virtio-9p-pci,fsdev=vmout,mount_tag=vmout)
# The guest mounts fresh tmpfs on /tmp, /run and /dev/shm: a checkout under one
# of them (a CI clone in /tmp, say) is shared on its own and mounted back at
# its path (guest-init.sh).
case "$top/" in
/tmp/* | /run/* | /dev/shm/*)
	printf '%s\n' "$top" >"$dir/repo"
	qemu+=(-fsdev "local,id=repo,path=$top,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=repo,mount_tag=repo)
	;;
esac
if [ -n "$share" ]; then
	printf '%s\n' "$share" >"$dir/share"
	qemu+=(-fsdev "local,id=share,path=$share,security_model=none"
		-device virtio-9p-pci,fsdev=share,mount_tag=share)
fi
if [ -n "$disk" ]; then
	[ -f "$disk" ] || { echo "run.sh: --disk: no file '$disk'" >&2; exit 2; }
	qemu+=(-drive "file=$disk,if=virtio,format=raw,snapshot=on")
fi
if [ $interactive = 1 ]; then
	set +e
	timeout -k 5 --foreground "$timeout" "${qemu[@]}" -chardev stdio,id=con,signal=off -serial chardev:con
	qrc=$?
	stty sane 2>/dev/null
	set -e
	[ -s "$dir/rc" ] || { echo "run.sh: the VM ended without an exit status (QEMU status $qrc)" >&2; exit 125; }
	exit "$(cat "$dir/rc")"
fi

set +e
# Line-buffered: the console reaches the log as the guest prints it.
timeout -k 5 "$timeout" "${qemu[@]}" -serial stdio </dev/null | stdbuf -oL tr -d '\r'
qrc=${PIPESTATUS[0]}
set -e
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run.sh: the VM did not finish within ${timeout}s" >&2
	exit 124
fi
if [ ! -s "$dir/rc" ]; then
	echo "run.sh: the VM ended without an exit status (QEMU status $qrc; see the console output above)" >&2
	exit 125
fi
exit "$(cat "$dir/rc")"
