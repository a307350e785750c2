# Kernel patch series (kernel-patches/): checkpatch, git am onto the pinned
# Debian source and a build after every patch, for 6.1 and 6.12. The builds are
# cached under $(MSRTOP_CACHE) (default /var/cache/msrtop) and shared with
# `make kernel` (kernel-patches/build.sh), which the VM tests use.
TEST_SUITES += tests/kernel/series.sh

# Patched KVM modules for an installed Debian kernel (default: the running
# one), out of tree against its headers, with module BTF; cached under
# $(MSRTOP_CACHE)/kvm-modules. docs/kernel.md, "Patched KVM modules".
KREL ?=
.PHONY: kvm-modules dkms-install
kvm-modules:
	$(Q)kernel-patches/kvm-modules.sh $(KREL)

# The same under DKMS: rebuilt for every new kernel, installed into
# /lib/modules/KREL/updates/dkms (packaging/dkms/).
dkms-install:
	$(Q)packaging/dkms/install.sh $(KREL)
