# The tests of the live terminal view (userspace/tui*.c; mk/msrtop.mk links it into msrtop):
#
#   tests/tui/fake.sh        the view fed synthetic snapshots (tests/tui/tui_fake.c),
#                            driven through tmux: keys, filters, resize, and the
#                            terminal restored on q, SIGINT, SIGTERM and a crash
#   tests/tui/vm.sh          msrtop itself in tmux inside the test VM while msrload
#                            runs: the screen against msrload's ground truth
#                            (suite "tui" of tests/vm/boot.sh, mk/e2e.mk)
#
# mk/msrtop.mk is read first (the Makefile says so): MSRTOP_* are set.

TUI_TESTS := $(BUILD)/tests/tui

$(TUI_TESTS):
	$(Q)mkdir -p $@

$(TUI_TESTS)/%.o: tests/tui/%.c | $(TUI_TESTS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(TUI_TESTS)/tui_fake: $(TUI_TESTS)/tui_fake.o $(MSRTOP_TUI_OBJS) $(MSRTOP_SNAPSHOT_OBJS) \
		$(MSRTOP_FORMAT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TUI_LIBS) -lm

TEST_DEPS += $(TUI_TESTS)/tui_fake
TEST_SUITES += tests/tui/fake.sh

-include $(wildcard $(TUI_TESTS)/*.d)
