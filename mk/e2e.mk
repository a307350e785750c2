# End-to-end suites: msrload against the kernel's own event counts on the
# host's /dev/kvm (skipped with the reason where there is none), and every
# test that needs real (nested SVM) exits or the patched tracepoints: one boot
# of each test kernel under QEMU runs them all (tests/vm/boot.sh: msrload,
# msrtop, patched, exports, tui, bpftrace; VM_SUITES, also run alone by
# `make vm-test`).
TEST_SUITES += tests/e2e/host.sh
VM_SUITES += $(foreach v,$(TEST_KVERS),tests/vm/suite-$(v).sh)
