#!/usr/bin/env bash
# `make run`: msrtop on this host, with a demo guest when no VM is running.
#
#   scripts/run.sh [MSRTOP-OPTION]...
#
# With a usable /dev/kvm: if no KVM VM runs on the host, msrload starts a demo
# guest (2 vCPUs, a steady mix of MSR accesses, faults and user-space exits)
# for msrtop to show, and is stopped when msrtop exits. Then msrtop runs with
# the given options (the live view on a terminal).
# Without /dev/kvm (e.g. a host that is itself a VM without nested
# virtualisation): the same runs inside the project's test kernel under QEMU
# (nested SVM emulated by TCG), on this terminal; the first time, that kernel
# is built (several minutes, then cached).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
msrtop=$top/build/msrtop
msrload=$top/build/msrload

vm_running() { # any process holding a KVM VM file descriptor?
	local fd
	for fd in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:kvm-vm" ] && return 0
	done 2>/dev/null
	return 1
}

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: msrtop loads BPF programs and msrload needs /dev/kvm: run as root (sudo make run)" >&2
	exit 1
fi
for b in "$msrtop" "$msrload"; do
	[ -x "$b" ] || { echo "run.sh: $b is missing: run 'make' first" >&2; exit 1; }
done

if [ ! -e /dev/kvm ]; then
	echo "run.sh: this host has no /dev/kvm; running msrtop and its demo guest inside the" >&2
	echo "run.sh: test kernel under QEMU (first run builds it: several minutes)." >&2
	exec "$top/tests/vm/run.sh" --kver "${KVER:-6.1}" --interactive --timeout 86400 \
		-- "$top/scripts/run.sh" "$@"
fi

demo=
if ! vm_running; then
	echo "run.sh: no VM is running: starting a demo guest (msrload, 2 vCPUs)" >&2
	"$msrload" --vcpus 2 --duration 86400 --rate 20 >/dev/null &
	demo=$!
	trap 'kill -TERM $demo 2>/dev/null; wait $demo 2>/dev/null' EXIT
	sleep 0.2
fi
set +e
"$msrtop" "$@"
rc=$?
exit $rc
