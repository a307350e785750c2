# The live terminal view (userspace/tui.c), linked into msrtop, and its tests:
#
#   tests/tui/fake.sh        the view fed synthetic snapshots (tests/tui/tui_fake.c),
#                            driven through tmux: keys, filters, resize, and the
#                            terminal restored on q, SIGINT, SIGTERM and a crash
#   tests/vm/suite-tui.sh    msrtop itself in tmux inside the test VM while msrload
#                            runs: the screen against msrload's ground truth
#
# Read after mk/msrtop.mk and mk/names.mk: MSRTOP_OBJ and NAMES_OBJS are set.

TUI_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null)
TUI_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
TUI_TESTS := $(BUILD)/tests/tui

$(MSRTOP_OBJ)/tui.o: CFLAGS += $(TUI_CFLAGS)

# msrtop's link rule takes all its prerequisites ($^).
$(BUILD)/msrtop: $(MSRTOP_OBJ)/tui.o
$(BUILD)/msrtop: MSRTOP_LIBS += $(TUI_LIBS)

$(TUI_TESTS):
	$(Q)mkdir -p $@

$(TUI_TESTS)/%.o: tests/tui/%.c | $(TUI_TESTS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(TUI_TESTS)/tui_fake: $(TUI_TESTS)/tui_fake.o $(MSRTOP_OBJ)/tui.o $(MSRTOP_OBJ)/snapshot.o $(MSRTOP_OBJ)/kinds.o \
		$(MSRTOP_OBJ)/kvm_names.o $(MSRTOP_OBJ)/format.o $(NAMES_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TUI_LIBS) -lm

TEST_DEPS += $(TUI_TESTS)/tui_fake
TEST_SUITES += tests/tui/fake.sh
VM_SUITES += tests/vm/suite-tui.sh

-include $(wildcard $(TUI_TESTS)/*.d)
