#!/usr/bin/env bash
# Suite: every VM test in one boot of the 6.12 test kernel (tests/vm/boot.sh).
# suite-timeout: 5700
exec "$(dirname "$0")/boot.sh" 6.12
