# msrtop: the BPF object, its skeleton, the msrtop program and its tests.
#
#   $(BUILD)/vmlinux.h          every type of the running kernel (bpftool btf dump)
#   $(BUILD)/msrtop.bpf.o       CO-RE BPF object (clang -target bpf)
#   $(BUILD)/msrtop.skel.h      libbpf skeleton embedding that object
#   $(BUILD)/msrtop             the program
#
# Name tables (msr_names.o, exit_reasons.o) come from mk/names.mk as NAMES_OBJS;
# that file is read after this one, hence the second expansion ($$) below.

MSRTOP_BUILD := $(BUILD)/msrtop-obj
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

MSRTOP_LIB_CFLAGS := $(shell pkg-config --cflags libbpf json-c 2>/dev/null)
MSRTOP_LIBS := $(shell pkg-config --libs libbpf json-c 2>/dev/null || echo -lbpf -ljson-c) -lelf -lz
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

BPF_CFLAGS ?= -g -O2
BPF_CFLAGS += -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD) -Ibpf

# Objects of the msrtop program other than main (shared with the unit tests).
MSRTOP_CORE_OBJS := $(addprefix $(MSRTOP_BUILD)/, snapshot.o collector.o kernel_check.o \
	vm_info.o json_out.o text_out.o)
MSRTOP_OBJS := $(MSRTOP_BUILD)/msrtop.o $(MSRTOP_CORE_OBJS)

$(MSRTOP_BUILD):
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)test -r $(VMLINUX_BTF) || { echo "msrtop.mk: $(VMLINUX_BTF) is missing: the build" \
		"needs a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y), or VMLINUX_BTF=<file>" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/msrtop.bpf.o: bpf/msrtop.bpf.c bpf/msrtop.h $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/msrtop.skel.h: $(BUILD)/msrtop.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name msrtop > $@

# Everything that includes the skeleton must wait for it.
$(MSRTOP_BUILD)/collector.o $(BUILD)/tests/bpf/test_bpf.o: $(BUILD)/msrtop.skel.h

$(MSRTOP_BUILD)/%.o: userspace/%.c | $(MSRTOP_BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -c $< -o $@

# ---- tests -----------------------------------------------------------------

$(BUILD)/tests/bpf $(BUILD)/tests/unit:
	$(Q)mkdir -p $@

$(BUILD)/tests/bpf/%.o: tests/bpf/%.c | $(BUILD)/tests/bpf
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -c $< -o $@

$(BUILD)/tests/unit/%.o: tests/unit/%.c | $(BUILD)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -c $< -o $@

# BPF programs run in the kernel with BPF_PROG_TEST_RUN (root; skipped otherwise).
$(BUILD)/tests/bpf/test_bpf: $(BUILD)/tests/bpf/test_bpf.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MSRTOP_LIBS) $(CMOCKA_LIBS)

TEST_SUITES += $(BUILD)/tests/bpf/test_bpf
TEST_DEPS += $(BUILD)/tests/bpf/test_bpf
