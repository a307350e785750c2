#!/usr/bin/env bash
# Suite: msrtop --json against msrload's ground truth, in each test kernel.
. "$(dirname "$0")/../lib/vm_suite.sh"
vm_suite "$(cd "$(dirname "$0")/../e2e" && pwd)/msrtop_truth.sh"
