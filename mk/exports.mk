# Exports: msrtop's Prometheus/JSON HTTP endpoint (--listen), the atomically
# rewritten JSON file (--output), and their tests. docs/daemon.md.
#
# The objects are built and linked into $(BUILD)/msrtop by mk/msrtop.mk, which
# is read first (the Makefile says so); here are their tests.

EXPORTS_TESTS := $(BUILD)/tests/exports

$(EXPORTS_TESTS):
	$(Q)mkdir -p $@

$(EXPORTS_TESTS)/%.o: tests/unit/%.c | $(EXPORTS_TESTS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MHD_CFLAGS) -Itests/lib -c $< -o $@

# prom.c: escaping, histogram buckets, counters, vm_start across pid reuse.
$(EXPORTS_TESTS)/test_prom: $(EXPORTS_TESTS)/test_prom.o $(MSRTOP_OBJ)/prom.o \
		$(MSRTOP_SNAPSHOT_OBJS) $(MSRTOP_FORMAT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

# http.c over loopback sockets: paths, methods, malformed and silent clients.
# output_file.c: atomic replacement, errors, reopening.
EXPORTS_SERVE_OBJS := $(MSRTOP_EXPORTS_OBJS) $(MSRTOP_OBJ)/json_out.o $(MSRTOP_SNAPSHOT_OBJS) \
	$(MSRTOP_FORMAT_OBJS)
$(EXPORTS_TESTS)/test_http: $(EXPORTS_TESTS)/test_http.o $(EXPORTS_SERVE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(JSON_LIBS) $(CMOCKA_LIBS)
$(EXPORTS_TESTS)/test_output_file: $(EXPORTS_TESTS)/test_output_file.o $(EXPORTS_SERVE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(JSON_LIBS) $(CMOCKA_LIBS)

# http.c alone on a free port, for the client-side suites in Python.
$(EXPORTS_TESTS)/http_serve: $(EXPORTS_TESTS)/http_serve.o $(EXPORTS_SERVE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(JSON_LIBS)

EXPORTS_TEST_BINS := $(addprefix $(EXPORTS_TESTS)/,test_prom test_http test_output_file)
TEST_DEPS += $(EXPORTS_TEST_BINS) $(EXPORTS_TESTS)/http_serve $(BUILD)/msrtop $(BUILD)/msrload
# The real msrtop on this host: promtool, the JSON schema, HTTP clients, the
# output file under a reader, signals (root; skipped otherwise).
TEST_SUITES += $(EXPORTS_TEST_BINS) tests/exports/host.sh
# http.c against dribbling, half-request, silent and reading-nothing clients
# while a scraper must get every /metrics (no root needed).
TEST_SUITES += tests/exports/http_hostile.py
# docs/alerts.yml: promtool check rules, promtool test rules (alerts.test.yml).
TEST_SUITES += tests/exports/alerts.sh
# Inside the test kernels, exact counters through a real Prometheus server
# (tests/exports/vm.sh) run in the one boot per kernel of mk/e2e.mk.

-include $(wildcard $(EXPORTS_TESTS)/*.d)
