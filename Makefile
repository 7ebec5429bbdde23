# SPDX-License-Identifier: GPL-2.0-or-later
#
# DittoFS top-level build.
#   make            build dittofsd, dittofsctl (and dittofs.ko when kernel headers exist)
#   make run        install what is missing, build, serve a temp share on 127.0.0.1:$(PORT)
#   make check      install what is missing, build, run every test
#   make check SANITIZE=1   the same under ASan+UBSan (separate build dir)

PORT ?= 4445
SANITIZE ?= 0
CC ?= cc
CLANG ?= clang

ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT = -O1
else
BUILD ?= build
SAN =
OPT = -O2
endif

CFLAGS_WARN = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wvla
CFLAGS += -std=c11 -D_GNU_SOURCE -g $(OPT) $(SAN) $(CFLAGS_WARN) -I. -MMD -MP
LDFLAGS += $(SAN)
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)
CFLAGS += $(NL_CFLAGS)
LIBS = -lssl -lcrypto -luring -llmdb $(NL_LIBS)

COMMON_SRC := $(wildcard common/*.c)
USERD_SRC := $(filter-out userd/main.c,$(wildcard userd/*.c userd/*/*.c))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(COMMON_SRC) $(USERD_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

DITTOFSD := $(BUILD)/dittofsd
DITTOFSCTL := $(BUILD)/dittofsctl
# dittofs.ko is built when some kernel's headers are installed
HAVE_KHEADERS := $(wildcard /lib/modules/*/build)

.PHONY: all deps run check unit freestanding integration clean kmod vmtest torture-compare
# keep the unit tests' objects: they are intermediate to make, not to us
.SECONDARY:
all: $(DITTOFSD) $(DITTOFSCTL) $(UNIT_BIN) $(if $(HAVE_KHEADERS),kmod)

# warning-free with W=1 is part of the build (kmod/Makefile picks the kernel)
kmod:
	@mkdir -p $(BUILD)
	@$(MAKE) -C kmod W=1 >$(BUILD)/kmod-build.log 2>&1 || \
		{ cat $(BUILD)/kmod-build.log; exit 1; }
	@! grep "warning:" $(BUILD)/kmod-build.log || \
		{ echo "kmod: dittofs.ko must build without warnings (W=1)" >&2; exit 1; }
	@echo "kmod: built kmod/dittofs.ko (W=1, no warnings)"

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libdittofs.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(DITTOFSD): $(BUILD)/userd/main.o $(BUILD)/libdittofs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

CTL_OBJ := $(BUILD)/tools/dittofsctl.o $(BUILD)/tools/ctl_share.o
$(DITTOFSCTL): $(CTL_OBJ) $(BUILD)/libdittofs.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libdittofs.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcheck -lsubunit -lm -lrt -pthread

deps:
	@tools/install-deps.sh

run: deps all
	@PORT=$(PORT) BUILD=$(BUILD) tools/run-embedded.sh

# common/ must compile with nothing but its own headers: that is what lets
# dittofs.ko build the same files.
freestanding:
	@for f in $(COMMON_SRC); do \
		$(CC) -std=c11 -ffreestanding -nostdinc -fno-builtin-printf $(CFLAGS_WARN) \
			-Icommon -c -o /dev/null $$f || exit 1; \
	done; echo "freestanding: common/ builds with -ffreestanding -nostdinc"

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
		CK_DEFAULT_TIMEOUT=60 $$t || fail=1; \
	done; exit $$fail

integration: $(DITTOFSD) $(DITTOFSCTL)
	@BUILD=$(BUILD) tests/integration/run.sh

# smbtorture's SMB2 suites against dittofsd and then Samba's smbd, one
# pass/total table (Documentation/conformance.md); needs root for smbd
torture-compare: $(DITTOFSD) $(DITTOFSCTL)
	@BUILD=$(BUILD) tests/integration/torture.sh both

# qemu (TCG) boots the distribution kernel: dittofs.ko loads and unloads,
# and the Linux cifs client runs against dittofsd (tests/vm/run.sh)
vmtest: $(DITTOFSD) $(DITTOFSCTL)
	@BUILD=$(BUILD) tests/vm/run.sh

# The VM suite runs in the plain pass only: ASan under TCG is too slow to
# be worth it, and the sanitizer pass already covers the same server code.
check: deps
	@$(MAKE) --no-print-directory all freestanding
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration
	@$(if $(filter 1,$(SANITIZE)),true,$(MAKE) --no-print-directory vmtest)

clean:
	rm -rf build build-asan
	-$(if $(HAVE_KHEADERS),$(MAKE) -C kmod clean)

# libFuzzer targets: make fuzz [FUZZ_SECONDS=N] (tests/fuzz/fuzz.mk)
include tests/fuzz/fuzz.mk

-include $(LIB_OBJ:.o=.d) $(BUILD)/userd/main.d $(CTL_OBJ:.o=.d) \
	$(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%.d)
