# bpftrace scripts (bpftrace/*.bt) and the one-liners of docs/one-liners.md.
#
#   tests/bpftrace/lint.sh    headers, shared name blocks against the name
#                             tables, bpftrace -d of every program (host)
#   tests/bpftrace/host.sh    every program run on this kernel: against
#                             msrload where /dev/kvm and the probes exist, else
#                             attach-only or the expected missing-probe error
#   tests/bpftrace/run.sh     the same inside each test kernel under QEMU, where
#                             every program runs against msrload (suite
#                             "bpftrace" of tests/vm/boot.sh, mk/e2e.mk)
TEST_SUITES += tests/bpftrace/lint.sh tests/bpftrace/host.sh
