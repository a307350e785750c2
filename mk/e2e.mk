# End-to-end suites: msrload against the kernel's own event counts, on the
# host's /dev/kvm (skipped with the reason where there is none) and inside the
# test kernels under QEMU (VM_SUITES, also run alone by `make vm-test`).
VM_SUITES += tests/vm/suite-msrload.sh
TEST_SUITES += tests/e2e/host.sh
VM_SUITES += tests/vm/suite-msrtop.sh
VM_SUITES += tests/vm/suite-patched.sh
