# msrtop: the one entry point. `make help` lists the targets.
#
# Each part of the project adds its own rules in mk/*.mk (included below) and
# registers its programs in BINS and its test suites in TEST_SUITES. A test
# suite is any executable that prints TAP on stdout; tests/run.sh runs them all
# and prints the one summary line "N passed, N failed, N skipped".

BUILD ?= build
CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
KVER ?= 6.1
KVERS ?= 6.1 6.12
PREFIX ?= /usr/local
DESTDIR ?=

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter -Werror \
	  -D_GNU_SOURCE -MMD -MP -I$(BUILD) -Iuserspace -Ibpf
LDFLAGS ?=

ifeq ($(V),1)
Q =
msg = @true
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

BINS :=
TEST_SUITES :=
TEST_DEPS :=
VM_SUITES :=
BENCH_DEPS :=
# The test kernels (kernel-patches/): built before any suite runs, and booted
# by the VM suites (one tests/vm/suite-KVER.sh each).
TEST_KVERS ?= 6.1 6.12
# Debian's own kernels of these series, fetched (never installed) and booted
# by the VM suites tests/vm/suite-debian-KVER.sh.
DEBIAN_KVERS ?= 6.1 6.12

# Libraries more than one part links, looked up once.
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
JSON_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

# mk/names.mk and mk/msrtop.mk define the objects (NAMES_OBJS, MSRTOP_OBJ...)
# that the other parts' tests and benchmarks link, so they are read first;
# the other fragments depend on nothing of each other.
MK_FIRST := mk/names.mk mk/msrtop.mk
include $(MK_FIRST)
include $(filter-out $(MK_FIRST),$(sort $(wildcard mk/*.mk)))

.PHONY: test-kernels all deps run test unit-test bench kernel vm-test install clean help

all: $(BINS)

# Installs the Debian packages the build and the tests need (no-op when present).
deps:
	$(Q)scripts/deps.sh

$(BUILD):
	$(Q)mkdir -p $@

# msrtop on this host, with msrload as a demo guest when no VM runs
# (inside the test kernel under QEMU when the host has no /dev/kvm).
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run.sh $(ARGS)

# The test kernels (the patch series applied) are built, or found in the
# cache, before any suite runs, so that no suite's time limit includes a build.
test-kernels: deps
	$(Q)for v in $(TEST_KVERS); do \
		t=$$(date +%s); kernel-patches/build.sh $$v >/dev/null || exit 1; \
		echo "  KERNEL   $$v test kernel ready in $$(($$(date +%s) - t)) s"; \
	done
	$(Q)for v in $(DEBIAN_KVERS); do \
		t=$$(date +%s); k=$$(tests/vm/debian-kernel.sh $$v) || exit 1; \
		echo "  KERNEL   Debian $${k% *} ready in $$(($$(date +%s) - t)) s"; \
	done

# Every suite: the VM suites (each a lane of its own: one test VM keeps one CPU
# busy) side by side with the host suites (one lane, in order), TEST_JOBS
# (default: the number of CPUs) at a time; tests/run.sh explains the lanes.
TEST_JOBS ?= $(shell nproc)
vm_lanes = $(foreach s,$(VM_SUITES),$(s) --)
test: deps test-kernels
	$(Q)$(MAKE) --no-print-directory all $(TEST_DEPS)
	$(Q)tests/run.sh --jobs $(TEST_JOBS) $(vm_lanes) $(TEST_SUITES)

# The suites that boot the test kernels (registered in mk/*.mk as VM_SUITES).
vm-test: deps test-kernels
	$(Q)$(MAKE) --no-print-directory all $(TEST_DEPS)
	$(Q)tests/run.sh --jobs $(TEST_JOBS) $(vm_lanes)

kernel: deps
	$(Q)kernel-patches/build.sh $(KVER)

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

help:
	@echo 'make run        build msrtop and run it (on a demo guest when no VM runs)'
	@echo 'make test       install build dependencies, build, run every test suite'
	@echo 'make bench      overhead benchmarks (docs/performance.md)'
	@echo 'make kernel     build the patched test kernel (KVER=6.1 or 6.12)'
	@echo 'make vm-test    only the tests that boot the patched kernels under QEMU'
	@echo 'make fuzz       the fuzz suites of make test, 50 times as many inputs'
	@echo 'make kvm-modules [KREL=...]  patched KVM modules for a Debian kernel (default: running)'
	@echo 'make dkms-install [KREL=...] the same under DKMS, installed to updates/dkms'
	@echo 'make test-kernels  build (or find in the cache) the 6.1 and 6.12 test kernels'
	@echo 'make install    install the programs under $$(PREFIX) (default /usr/local)'
	@echo 'make deb        Debian packages msrtop, msrtop-kvm-dkms into build/deb (lintian-checked)'
	@echo 'V=1             show the full commands'

-include $(shell find $(BUILD) -name "*.d" -type f 2>/dev/null)
