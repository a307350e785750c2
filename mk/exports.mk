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

$(EXPORTS_TESTS):
	$(Q)mkdir -p $@

$(EXPORTS_TESTS)/%.o: tests/unit/%.c | $(EXPORTS_TESTS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MHD_CFLAGS) -Itests/lib -c $< -o $@

# prom.c: escaping, histogram buckets, counters, vm_start across pid reuse.
$(EXPORTS_TESTS)/test_prom: $(EXPORTS_TESTS)/test_prom.o $$(EXPORTS_OBJDIR)/prom.o \
		$$(MSRTOP_OBJ)/snapshot.o $$(MSRTOP_OBJ)/kvm_names.o $$(NAMES_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(EXPORTS_CMOCKA_LIBS)

EXPORTS_TEST_BINS := $(addprefix $(EXPORTS_TESTS)/,test_prom)
TEST_DEPS += $(EXPORTS_TEST_BINS)
TEST_SUITES += $(EXPORTS_TEST_BINS)

-include $(wildcard $(EXPORTS_TESTS)/*.d)
