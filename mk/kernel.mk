# Kernel patch series (kernel-patches/): checkpatch, git am onto the pinned
# Debian source and a build after every patch, for 6.1 and 6.12. The builds are
# cached under $(MSRTOP_CACHE) (default /var/cache/msrtop) and shared with
# `make kernel` (kernel-patches/build.sh), which the VM tests use.
TEST_SUITES += tests/kernel/series.sh
