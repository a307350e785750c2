# Fuzzing: bounded runs in `make test`, longer ones under `make fuzz`.
#
#   tests/fuzz/fuzz_http_route.c  libFuzzer: http_route() against a model
#   tests/fuzz/fuzz_cmdline.c     libFuzzer: cmdline_parse()'s promises
#   tests/fuzz/libfuzzer.sh       runs both for a fixed seed and number of inputs
#   tests/fuzz/cmdline_exec.py    generated command lines to the real msrtop
#                                 and msrload, run as nobody
#   tests/fuzz/http_requests.py   generated requests to http.c over a socket
#                                 (build/fuzz/http_serve: http.c with the sanitizers)
#
# Every suite takes FUZZ_SCALE (default 1: a few seconds each); `make fuzz`
# runs them with FUZZ_SCALE=50. The seed is fixed (FUZZ_SEED, default 1), so
# a run is repeatable; the failing input is printed.

FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SCALE_LONG ?= 50
# The code under test is built by clang with libFuzzer's coverage and the
# address and undefined-behaviour sanitizers; what it links is not.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 -MMD -MP -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-Iuserspace -I$(BUILD) -Ibpf $(FUZZ_SAN)

$(FUZZ_DIR):
	$(Q)mkdir -p $@

$(FUZZ_DIR)/%.o: userspace/%.c | $(FUZZ_DIR)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(MHD_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/%.o: tests/fuzz/%.c | $(FUZZ_DIR)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

# http.o instrumented; the rest of what it links (prom.c, the snapshot) as msrtop has it.
$(FUZZ_DIR)/fuzz_http_route: $(FUZZ_DIR)/fuzz_http_route.o $(FUZZ_DIR)/http.o \
		$(filter-out $(MSRTOP_OBJ)/http.o,$(EXPORTS_SERVE_OBJS))
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(MHD_LIBS) $(JSON_LIBS)

$(FUZZ_DIR)/fuzz_cmdline: $(FUZZ_DIR)/fuzz_cmdline.o $(FUZZ_DIR)/cmdline.o
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^

# http_serve with http.c under the sanitizers (no libFuzzer): what
# http_requests.py sends its requests to, so that a memory error in the
# request handling or the connection accounting kills the server (and
# fails the suite) instead of passing unseen.
$(FUZZ_DIR)/asan:
	$(Q)mkdir -p $@

$(FUZZ_DIR)/asan/http.o: userspace/http.c | $(FUZZ_DIR)/asan
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(MHD_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/http_serve: $(EXPORTS_TESTS)/http_serve.o $(FUZZ_DIR)/asan/http.o \
		$(filter-out $(MSRTOP_OBJ)/http.o,$(EXPORTS_SERVE_OBJS))
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_SAN) -o $@ $^ $(MHD_LIBS) $(JSON_LIBS)

FUZZ_BINS := $(FUZZ_DIR)/fuzz_http_route $(FUZZ_DIR)/fuzz_cmdline $(FUZZ_DIR)/http_serve
FUZZ_SUITES := tests/fuzz/libfuzzer.sh tests/fuzz/cmdline_exec.py tests/fuzz/http_requests.py
TEST_DEPS += $(FUZZ_BINS) $(BUILD)/msrtop $(BUILD)/msrload
TEST_SUITES += $(FUZZ_SUITES)

.PHONY: fuzz
# The same suites, FUZZ_SCALE_LONG times as many inputs (one lane: they share the CPUs).
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS) $(BUILD)/msrtop $(BUILD)/msrload
	$(Q)FUZZ_SCALE=$(FUZZ_SCALE_LONG) SUITE_TIMEOUT=7200 tests/run.sh $(FUZZ_SUITES)

-include $(wildcard $(FUZZ_DIR)/*.d $(FUZZ_DIR)/asan/*.d)
