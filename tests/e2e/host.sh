#!/usr/bin/env bash
# Suite: msrload against the kernel's own event counts on this host's /dev/kvm.
# Where the host has no usable /dev/kvm the suite says so as a skip; the same
# test runs inside the test VM (tests/vm/boot.sh, suite msrload) in any case.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
if [ ! -e /dev/kvm ]; then
	tap_skip "msrload end-to-end on the host's /dev/kvm" \
		"this host has no /dev/kvm ($(dmesg 2>/dev/null | grep -m1 -o 'kvm-pvm: this kernel is itself a kvm-pvm guest' || echo 'KVM not available'))"
	tap_done
fi
if [ "$(id -u)" != 0 ]; then
	tap_skip "msrload end-to-end on the host's /dev/kvm" "needs root for tracefs"
	tap_done
fi
exec "$top/tests/e2e/msrload_trace.sh"
