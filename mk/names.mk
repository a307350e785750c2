# Names: MSR and VM exit reason tables (generated from kernel sources) and
# their lookups. docs/names.md explains where the names come from.

NAMES_DIR := $(BUILD)/obj/names
# Linked into msrtop (and anything else that prints MSR or exit reason names).
NAMES_OBJS := $(addprefix $(NAMES_DIR)/,msr_names.o msr_names_table.o exit_reasons.o \
	exit_reasons_table.o)

$(NAMES_DIR):
	$(Q)mkdir -p $@

$(NAMES_DIR)/%.o: userspace/%.c | $(NAMES_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/test_names: tests/unit/test_names.c $(NAMES_OBJS)
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CMOCKA_LIBS)

TEST_DEPS += $(BUILD)/tests/test_names
TEST_SUITES += $(BUILD)/tests/test_names

# The committed tables against linux-source-6.12: regenerated and diffed, and
# checked macro by macro by a program compiled against the headers (it builds
# its own checker from the sources, so it needs nothing in TEST_DEPS).
TEST_SUITES += tests/names/drift.sh

# Rewrites userspace/msr_names_table.c and userspace/exit_reasons_table.c from
# Debian's linux-source-6.12 (tests/names/drift.sh fails until this is run and
# the result committed, whenever the kernel headers change).
.PHONY: names-regen
names-regen:
	$(Q)scripts/gen-names.py
