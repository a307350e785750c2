#!/usr/bin/env bash
# Suite: the patched tracepoints against msrload's ground truth, ftrace hist
# triggers and msrtop, in each (patched) test kernel.
. "$(dirname "$0")/../lib/vm_suite.sh"
vm_suite "$(cd "$(dirname "$0")/../e2e" && pwd)/patched_truth.sh"
