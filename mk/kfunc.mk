# The kfunc of kernel patch 0006 (bpf_kvm_vcpu_get_msr), tested in the test VMs.
#
#   $(BUILD)/tests/kfunc/kfunc_probe   loads tests/kfunc/kfunc.bpf.c, runs a command
#                                      (msrload) under it, prints what it saw as JSON
#
# tests/e2e/kfunc_truth.sh (the "kfunc" VM suite) compares that with msrload's truth.
# mk/msrtop.mk is read first (the Makefile says so): BPF_CFLAGS, MSRTOP_LIBS.

KFUNC_OBJ := $(BUILD)/tests/kfunc

$(KFUNC_OBJ):
	$(Q)mkdir -p $@

$(KFUNC_OBJ)/kfunc.bpf.o: tests/kfunc/kfunc.bpf.c tests/kfunc/kfunc.h $(BUILD)/vmlinux.h | $(KFUNC_OBJ)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Itests/kfunc -c $< -o $@

$(KFUNC_OBJ)/kfunc.skel.h: $(KFUNC_OBJ)/kfunc.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name kfunc_bpf > $@

$(KFUNC_OBJ)/kfunc_probe.o: tests/kfunc/kfunc_probe.c tests/kfunc/kfunc.h \
		$(KFUNC_OBJ)/kfunc.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MSRTOP_LIB_CFLAGS) -I$(KFUNC_OBJ) -Itests/kfunc -c $< -o $@

$(KFUNC_OBJ)/kfunc_probe: $(KFUNC_OBJ)/kfunc_probe.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MSRTOP_LIBS)

TEST_DEPS += $(KFUNC_OBJ)/kfunc_probe
# bench/kfunc_cost.sh (make bench, step 1c) runs it too.
BENCH_DEPS += $(KFUNC_OBJ)/kfunc_probe
