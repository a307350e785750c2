#!/usr/bin/env bash
# Suite: msrload against the kernel's own event counts, in each test kernel.
. "$(dirname "$0")/../lib/vm_suite.sh"
vm_suite "$(cd "$(dirname "$0")/../e2e" && pwd)/msrload_trace.sh"
