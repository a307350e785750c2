# Exports: msrtop's Prometheus/JSON HTTP endpoint (--listen), the atomically
# rewritten JSON file (--output), and their tests. docs/daemon.md.
#
# The objects are built by mk/msrtop.mk's rule for userspace/*.c and linked
# into $(BUILD)/msrtop by the prerequisites added here; that file and
# mk/names.mk are read after this one, hence second expansion ($$).

.SECONDEXPANSION:

EXPORTS_OBJDIR = $(MSRTOP_OBJ)
EXPORTS_OBJS = $(addprefix $(EXPORTS_OBJDIR)/,prom.o http.o output_file.o)
EXPORTS_TESTS := $(BUILD)/tests/exports
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -lpthread
EXPORTS_JSON_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
EXPORTS_CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

$(BUILD)/msrtop: $$(EXPORTS_OBJS)
$(BUILD)/msrtop: MSRTOP_LIBS += $(MHD_LIBS)

$(EXPORTS_TESTS):
	$(Q)mkdir -p $@

$(EXPORTS_TESTS)/%.o: tests/unit/%.c | $(EXPORTS_TESTS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MHD_CFLAGS) -Itests/lib -c $< -o $@

# prom.c: escaping, histogram buckets, counters, vm_start across pid reuse.
$(EXPORTS_TESTS)/test_prom: $(EXPORTS_TESTS)/test_prom.o $$(EXPORTS_OBJDIR)/prom.o \
		$$(MSRTOP_OBJ)/snapshot.o $$(MSRTOP_OBJ)/kinds.o $$(MSRTOP_OBJ)/kvm_names.o $$(MSRTOP_OBJ)/format.o $$(NAMES_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(EXPORTS_CMOCKA_LIBS)

# http.c over loopback sockets: paths, methods, malformed and silent clients.
# output_file.c: atomic replacement, errors, reopening.
EXPORTS_SERVE_OBJS = $(addprefix $(EXPORTS_OBJDIR)/,prom.o http.o output_file.o) \
	$(addprefix $(MSRTOP_OBJ)/,snapshot.o kinds.o kvm_names.o format.o json_out.o) $(NAMES_OBJS)
$(EXPORTS_TESTS)/test_http: $(EXPORTS_TESTS)/test_http.o $$(EXPORTS_SERVE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(EXPORTS_JSON_LIBS) $(EXPORTS_CMOCKA_LIBS)
$(EXPORTS_TESTS)/test_output_file: $(EXPORTS_TESTS)/test_output_file.o $$(EXPORTS_SERVE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(EXPORTS_JSON_LIBS) $(EXPORTS_CMOCKA_LIBS)

EXPORTS_TEST_BINS := $(addprefix $(EXPORTS_TESTS)/,test_prom test_http test_output_file)
TEST_DEPS += $(EXPORTS_TEST_BINS) $(BUILD)/msrtop $(BUILD)/msrload
# The real msrtop on this host: promtool, the JSON schema, HTTP clients, the
# output file under a reader, signals (root; skipped otherwise).
TEST_SUITES += $(EXPORTS_TEST_BINS) tests/exports/host.sh
# Inside the test kernels: exact counters through a real Prometheus server.
VM_SUITES += tests/vm/suite-exports.sh

-include $(wildcard $(EXPORTS_TESTS)/*.d)
