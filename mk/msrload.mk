# msrload: the VMM (host side) and its guest image.

ML_DIR := $(BUILD)/obj/msrload
ML_SRC := userspace/msrload
ML_HOST_OBJS := $(addprefix $(ML_DIR)/,main.o script.o vmm.o truth_json.o guest_blob.o cmdline.o \
	std_fds.o)
ML_LIBS := $(JSON_LIBS) -lpthread -lm

# The guest: freestanding, integer registers only (KVM's emulator has no SSE),
# no red zone (exceptions are taken on the same stack), linked at GUEST_CODE.
GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-builtin -mcmodel=small -I$(ML_SRC)

BINS += $(BUILD)/msrload

$(ML_DIR):
	$(Q)mkdir -p $@

$(ML_DIR)/guest.o: $(ML_SRC)/guest.c $(ML_SRC)/guest_abi.h | $(ML_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(ML_DIR)/guest_entry.o: $(ML_SRC)/guest_entry.S $(ML_SRC)/guest_abi.h | $(ML_DIR)
	$(call msg,AS,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

# Links with nothing but our own objects: an implicit memcpy/memset call or any
# SSE/AVX instruction in the guest fails the build here.
$(ML_DIR)/guest.elf: $(ML_DIR)/guest_entry.o $(ML_DIR)/guest.o $(ML_SRC)/guest.lds
	$(call msg,LD,$@)
	$(Q)$(CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,$(ML_SRC)/guest.lds \
		-o $@ $(ML_DIR)/guest_entry.o $(ML_DIR)/guest.o
	$(Q)if objdump -d $@ | grep -E '%[xyz]mm|%mm[0-7]'; then \
		echo "guest uses vector registers: KVM's emulator cannot run it" >&2; rm -f $@; exit 1; fi

$(ML_DIR)/guest.bin: $(ML_DIR)/guest.elf
	$(call msg,OBJCOPY,$@)
	$(Q)objcopy -O binary $< $@

$(ML_DIR)/guest_blob.o: $(ML_SRC)/guest_blob.S $(ML_DIR)/guest.bin
	$(call msg,AS,$@)
	$(Q)$(CC) -c -DGUEST_BIN='"$(ML_DIR)/guest.bin"' $< -o $@

# The command-line parser and the standard descriptors' check msrtop uses too
# (userspace/cmdline.h, userspace/std_fds.h).
$(ML_DIR)/cmdline.o $(ML_DIR)/std_fds.o: $(ML_DIR)/%.o: userspace/%.c | $(ML_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(ML_DIR)/%.o: $(ML_SRC)/%.c | $(ML_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(ML_SRC) -c $< -o $@

$(BUILD)/msrload: $(ML_HOST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(ML_LIBS)

# Unit tests: parser and accounting.
$(BUILD)/tests/test_msrload_script: tests/unit/test_msrload_script.c $(ML_DIR)/script.o
	$(call msg,CCLD,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -I$(ML_SRC) -o $@ $^ $(CMOCKA_LIBS) -lm

TEST_DEPS += $(BUILD)/tests/test_msrload_script
TEST_SUITES += $(BUILD)/tests/test_msrload_script
# The command line: every error path (userspace/cmdline.h).
TEST_SUITES += tests/unit/test_msrload_cli.sh
