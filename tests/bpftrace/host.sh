#!/usr/bin/env bash
# Suite: every bpftrace script and one-liner on this machine's kernel
# (tests/bpftrace/run.sh): with /dev/kvm and the probes, against msrload's
# ground truth; without /dev/kvm, attach and stop only; with a probe missing
# (no kprobes, no patched tracepoints), bpftrace's own error is expected. The
# VM suite (tests/vm/boot.sh, suite bpftrace) runs them all against msrload.
exec "$(dirname "$0")/run.sh" --where host
