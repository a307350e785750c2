#!/usr/bin/env bash
# Suite: msrtop's Debian package under systemd as PID 1, in a bookworm system
# booted on Debian's own 6.1 kernel under QEMU (tests/vm/systemd.sh).
# suite-timeout: 2400
exec "$(dirname "$0")/systemd.sh" 6.1
