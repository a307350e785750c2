# Benchmarks behind `make bench` (results and method: docs/performance.md).
#
#   $(BUILD)/bench/ref_counter       the reference BPF counter on kvm:kvm_msr (bench/ref_counter.*)
#   $(BUILD)/bench/snapshot_bench    msrtop's refresh cost with many live map entries
#   bench/run.sh                     runs both parts and prints the results table:
#                                    bench/overhead.sh inside the test VM (tests/vm/run.sh),
#                                    the snapshot part on this host
#
# mk/msrtop.mk and mk/names.mk are read first (the Makefile says so).

BENCH_OBJ := $(BUILD)/bench
BENCH_ARGS ?=

BENCH_DEPS += $(BUILD)/msrtop $(BUILD)/msrload $(BENCH_OBJ)/ref_counter \
	$(BENCH_OBJ)/snapshot_bench

$(BENCH_OBJ):
	$(Q)mkdir -p $@

$(BENCH_OBJ)/ref_counter.bpf.o: bench/ref_counter.bpf.c bench/ref_counter.h $(BUILD)/vmlinux.h \
		| $(BENCH_OBJ)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench -c $< -o $@

$(BENCH_OBJ)/ref_counter.skel.h: $(BENCH_OBJ)/ref_counter.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ref_counter_bpf > $@

$(BENCH_OBJ)/ref_counter.o: bench/ref_counter.c bench/ref_counter.h \
		$(BENCH_OBJ)/ref_counter.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -I$(BENCH_OBJ) -Ibench -c $< -o $@

$(BENCH_OBJ)/ref_counter: $(BENCH_OBJ)/ref_counter.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MSRTOP_LIBS)

$(BENCH_OBJ)/snapshot_bench.o: bench/snapshot_bench.c $(BUILD)/msrtop.skel.h | $(BENCH_OBJ)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -c $< -o $@

# msrtop's collector and JSON output, as linked into msrtop (but the HTTP and
# terminal parts, which a refresh does not touch).
$(BENCH_OBJ)/snapshot_bench: $(BENCH_OBJ)/snapshot_bench.o $(MSRTOP_CORE_OBJS) $(MSRTOP_OBJ)/prom.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MSRTOP_LIBS) -lpthread -lm

# The top-level Makefile declares `bench` (phony) without a recipe; this is it.
bench: deps
	$(Q)$(MAKE) --no-print-directory $(BENCH_DEPS)
	$(Q)bench/run.sh $(BENCH_ARGS)

-include $(wildcard $(BENCH_OBJ)/*.d)
