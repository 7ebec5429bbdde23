# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/fuzz/fuzz.mk - libFuzzer targets over the parsers that read client
# bytes. Included by the top-level Makefile (after BUILD is set); can also
# be used alone: make -f Makefile -f tests/fuzz/fuzz.mk fuzz
#
#   make fuzz-build            build every tests/fuzz/fuzz_*.c into $(BUILD)/fuzz/
#   make fuzz                  build, then run each target FUZZ_SECONDS (30)
#                              on a temp copy of its corpus; fails on any
#                              crash, leak, timeout or sanitizer report
#   make fuzz FUZZ_TARGETS=fuzz_frame FUZZ_SECONDS=10   one target, shorter
#
# Everything is compiled here with clang and the fuzzer flags; nothing is
# shared with the objects of the normal build.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
FUZZ_MAX_LEN ?= 65536
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wvla -I. -MMD -MP $(NL_CFLAGS)
FUZZ_LIBS := -lssl -lcrypto -luring -llmdb $(NL_LIBS)

FUZZ_LIB_SRC := $(wildcard common/*.c) \
	$(filter-out userd/main.c,$(wildcard userd/*.c userd/*/*.c))
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_ALL := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/,$(FUZZ_ALL))
FUZZ_MAIN_OBJ := $(patsubst %,$(FUZZ_DIR)/obj/tests/fuzz/%.o,$(FUZZ_ALL))

.PHONY: fuzz fuzz-build

fuzz-build: $(FUZZ_BINS)

$(FUZZ_LIB_OBJ) $(FUZZ_MAIN_OBJ): $(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/libdittofs-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%.o $(FUZZ_DIR)/libdittofs-fuzz.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

# One target after the other (the machine is shared): a temp copy of the
# corpus is the writable corpus, the regression inputs are read too.
fuzz: fuzz-build
	@fail=0; \
	for t in $(FUZZ_TARGETS); do \
		tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/dfs-fuzz-run.XXXXXX") || exit 1; \
		mkdir -p "$$tmp/corpus"; \
		if [ -d tests/fuzz/corpus/$$t ]; then \
			cp -r tests/fuzz/corpus/$$t/. "$$tmp/corpus/"; fi; \
		dirs="$$tmp/corpus"; \
		if [ -d tests/fuzz/regressions/$$t ]; then \
			dirs="$$dirs tests/fuzz/regressions/$$t"; fi; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
		   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		   TMPDIR="$$tmp" \
		   $(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) \
			-max_len=$(FUZZ_MAX_LEN) -print_final_stats=1 \
			-artifact_prefix="$$tmp/" $$dirs >"$$tmp/log" 2>&1; then \
			grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' \
				"$$tmp/log" | sed "s/^/    $$t: /"; \
			rm -rf "$$tmp"; \
		else \
			fail=1; \
			echo "FAIL: $$t (kept $$tmp: log, crash-*/leak-*/timeout-* inputs)"; \
			grep -E -A30 '^==[0-9]+==ERROR|runtime error|ALARM|out-of-memory' \
				"$$tmp/log" | head -60 | sed 's/^/    | /'; \
		fi; \
	done; exit $$fail

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_MAIN_OBJ:.o=.d)
