#!/usr/bin/env bash
# Suite: Debian's own current 6.12 kernel under QEMU, its KVM modules and then
# msrtop's patched ones built by DKMS (tests/vm/debian.sh).
# suite-timeout: 5400
exec "$(dirname "$0")/debian.sh" 6.12
