# End-to-end suites: msrload against the kernel's own event counts on the
# host's /dev/kvm (skipped with the reason where there is none), and every
# test that needs real (nested SVM) exits or the patched tracepoints: one boot
# of each test kernel under QEMU runs them all (tests/vm/boot.sh: msrload,
# msrtop, patched, exports, tui, bpftrace; VM_SUITES, also run alone by
# `make vm-test`).
TEST_SUITES += tests/e2e/host.sh tests/e2e/churn.sh tests/e2e/replay.sh tests/e2e/zombie_name.sh
# KVM's statistics from debugfs against msrload's (on the host's /dev/kvm; the
# same suite runs in the test VMs: kvmstats).
TEST_SUITES += tests/e2e/kvm_debugfs.sh
VM_SUITES += $(foreach v,$(TEST_KVERS),tests/vm/suite-$(v).sh)

# kvm_stat, the kernel's own KVM statistics tool (tools/kvm/kvm_stat), taken
# from Debian's linux-source-6.1: the coexistence suite (tests/e2e/coexist.sh)
# runs it beside msrtop.
KVM_STAT_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
$(BUILD)/kvm_stat: | $(BUILD)
	$(call msg,EXTRACT,$@)
	$(Q)tar -xJf $(KVM_STAT_TARBALL) --wildcards -O '*/tools/kvm/kvm_stat/kvm_stat' >$@.tmp
	$(Q)chmod +x $@.tmp && mv $@.tmp $@
TEST_DEPS += $(BUILD)/kvm_stat

# Debian's own kernels (tests/vm/debian.sh): stock KVM modules, then the
# patched ones DKMS built, one boot each.
VM_SUITES += $(foreach v,$(DEBIAN_KVERS),tests/vm/suite-debian-$(v).sh)

# msrtop's Debian package (make deb) in a bookworm system with systemd as
# PID 1 (mmdebstrap), on Debian's 6.1 kernel: the unit against msrload through
# Prometheus, reload, sandbox, stop, purge (tests/vm/systemd.sh).
VM_SUITES += tests/vm/suite-systemd.sh
