# msrtop: the BPF object, its skeleton, the msrtop program and its tests.
#
#   $(BUILD)/vmlinux.h          every type of the build host's kernel (bpftool btf dump)
#   $(BUILD)/msrtop.bpf.o       CO-RE BPF object (clang -target bpf)
#   $(BUILD)/msrtop.skel.h      libbpf skeleton embedding that object
#   $(BUILD)/msrtop_sample.*    the same for the --sample-msr sampler
#   $(BUILD)/msrtop             the program: every object it links is listed here
#
# Read after mk/names.mk (the Makefile says so): NAMES_OBJS is set.

MSRTOP_OBJ := $(BUILD)/obj/msrtop
MSRTOP_TESTS := $(BUILD)/tests/msrtop
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

MSRTOP_LIB_CFLAGS := $(shell pkg-config --cflags libbpf json-c 2>/dev/null)
BPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
TUI_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null)
TUI_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -lpthread
# What links the collector (BPF) and the JSON writer.
MSRTOP_LIBS := $(BPF_LIBS) $(JSON_LIBS)

BPF_CFLAGS ?= -g -O2
BPF_CFLAGS += -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror -I$(BUILD) -Ibpf

# The snapshot and the event kind table: what every output and test of them links;
# and the debugfs reader of KVM's statistics, whose name check (json_in.c) and
# state text (text_out.c, the terminal view) the outputs use.
MSRTOP_SNAPSHOT_OBJS := $(addprefix $(MSRTOP_OBJ)/,snapshot.o kinds.o kvm_debugfs.o)
# Names and formatting: what every output links.
MSRTOP_FORMAT_OBJS := $(addprefix $(MSRTOP_OBJ)/,format.o kvm_names.o msr_passthrough.o) $(NAMES_OBJS)
# Everything of msrtop but main(), the terminal view and the HTTP and file exports
# (what a refresh runs: the benchmark links this).
MSRTOP_CORE_OBJS := $(MSRTOP_SNAPSHOT_OBJS) $(MSRTOP_FORMAT_OBJS) \
	$(addprefix $(MSRTOP_OBJ)/,collector.o map_read.o map_mirror.o kernel_check.o vm_info.o json_out.o \
		json_in.o text_out.o)
# The terminal view (docs/tui.md): one file per concern.
MSRTOP_TUI_OBJS := $(addprefix $(MSRTOP_OBJ)/,tui.o tui_input.o tui_layout.o tui_draw.o tui_views.o \
	tui_outcomes.o)
# --listen and --output (docs/daemon.md).
MSRTOP_EXPORTS_OBJS := $(addprefix $(MSRTOP_OBJ)/,prom.o http.o output_file.o)
MSRTOP_OBJS := $(MSRTOP_OBJ)/msrtop.o $(MSRTOP_OBJ)/cmdline.o $(MSRTOP_OBJ)/std_fds.o \
	$(MSRTOP_CORE_OBJS) $(MSRTOP_TUI_OBJS) \
	$(MSRTOP_EXPORTS_OBJS)

$(MSRTOP_OBJ) $(MSRTOP_TESTS):
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)test -r $(VMLINUX_BTF) || { echo "msrtop.mk: cannot read $(VMLINUX_BTF): building" \
		"the BPF object needs a kernel with BTF (CONFIG_DEBUG_INFO_BTF=y), or" \
		"VMLINUX_BTF=<vmlinux file>" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# Two objects: the tracepoints, and the --sample-msr sampler (its kfunc is in
# patched kernels only: bpf/msrtop_sample.bpf.c says why it is apart).
$(BUILD)/msrtop.bpf.o $(BUILD)/msrtop_sample.bpf.o: $(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/msrtop.h \
		bpf/msrtop_shared.bpf.h $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/msrtop.skel.h $(BUILD)/msrtop_sample.skel.h: $(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# What includes the skeletons waits for them (the .d files know only after a first build).
$(MSRTOP_OBJ)/collector.o $(MSRTOP_TESTS)/test_bpf.o: $(BUILD)/msrtop.skel.h \
	$(BUILD)/msrtop_sample.skel.h

$(MSRTOP_TUI_OBJS): CFLAGS += $(TUI_CFLAGS)
$(MSRTOP_EXPORTS_OBJS): CFLAGS += $(MHD_CFLAGS)

$(MSRTOP_OBJ)/%.o: userspace/%.c | $(MSRTOP_OBJ)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -c $< -o $@

$(MSRTOP_TESTS)/%.o: tests/bpf/%.c | $(MSRTOP_TESTS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -c $< -o $@

$(MSRTOP_TESTS)/%.o: tests/unit/%.c | $(MSRTOP_TESTS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -c $< -o $@

$(BUILD)/msrtop: $(MSRTOP_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MSRTOP_LIBS) $(TUI_LIBS) $(MHD_LIBS) -lm

BINS += $(BUILD)/msrtop

# ---- tests -------------------------------------------------------------------

# BPF programs run in this kernel with BPF_PROG_TEST_RUN (root; skipped otherwise).
$(MSRTOP_TESTS)/test_bpf: $(MSRTOP_TESTS)/test_bpf.o $(MSRTOP_OBJ)/map_mirror.o $(MSRTOP_OBJ)/map_read.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS) $(CMOCKA_LIBS)

# Whole-map reads, batched and key by key, against maps made by the test (root).
$(MSRTOP_TESTS)/test_map_read: $(MSRTOP_TESTS)/test_map_read.o $(MSRTOP_OBJ)/map_read.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS) $(CMOCKA_LIBS)

# Snapshots built row by row for the unit tests (tests/unit/snapshot_builder.h).
MSRTOP_TEST_BUILDER := $(MSRTOP_TESTS)/snapshot_builder.o

# Snapshot arithmetic: deltas, rates, VM table, totals, filters; the kind table.
$(MSRTOP_TESTS)/test_snapshot: $(MSRTOP_TESTS)/test_snapshot.o $(MSRTOP_TEST_BUILDER) \
		$(MSRTOP_SNAPSHOT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

# /proc/PID/comm and QEMU -name parsing.
$(MSRTOP_TESTS)/test_vm_info: $(MSRTOP_TESTS)/test_vm_info.o $(MSRTOP_OBJ)/vm_info.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

# The JSON document of a synthetic snapshot, checked field by field, and read back.
$(MSRTOP_TESTS)/test_json_out: $(MSRTOP_TESTS)/test_json_out.o $(MSRTOP_TEST_BUILDER) \
		$(MSRTOP_OBJ)/json_out.o $(MSRTOP_OBJ)/json_in.o $(MSRTOP_OBJ)/prom.o \
		$(MSRTOP_SNAPSHOT_OBJS) $(MSRTOP_FORMAT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS) $(CMOCKA_LIBS)

# JSON, text and /metrics of a fixed snapshot against tests/unit/golden/, byte for byte.
$(MSRTOP_TESTS)/test_golden.o: CFLAGS += -DGOLDEN_DIR='"$(CURDIR)/tests/unit/golden"'
$(MSRTOP_TESTS)/test_golden: $(MSRTOP_TESTS)/test_golden.o $(MSRTOP_TEST_BUILDER) \
		$(MSRTOP_OBJ)/json_out.o \
		$(MSRTOP_OBJ)/text_out.o $(MSRTOP_OBJ)/prom.o $(MSRTOP_SNAPSHOT_OBJS) \
		$(MSRTOP_FORMAT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS) $(CMOCKA_LIBS)

# The shared formatting and the number parser.
$(MSRTOP_TESTS)/test_format: $(MSRTOP_TESTS)/test_format.o $(MSRTOP_FORMAT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

# KVM's debugfs files: parsers, names, mountinfo, whole reads of a tree made by the test.
$(MSRTOP_TESTS)/test_kvm_debugfs: $(MSRTOP_TESTS)/test_kvm_debugfs.o $(MSRTOP_SNAPSHOT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

MSRTOP_TEST_BINS := $(addprefix $(MSRTOP_TESTS)/,test_bpf test_map_read test_snapshot test_vm_info \
	test_json_out test_golden test_format test_kvm_debugfs)
# Shell suites: the command line's error paths; the JSON schema against real output.
TEST_SUITES += $(MSRTOP_TEST_BINS) tests/unit/test_msrtop_cli.sh tests/unit/test_json_schema.sh
TEST_DEPS += $(MSRTOP_TEST_BINS) $(BUILD)/msrtop

-include $(wildcard $(MSRTOP_OBJ)/*.d $(MSRTOP_TESTS)/*.d)
