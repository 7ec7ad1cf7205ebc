# stalkerwatch - passive stalkerware traffic detector.
#
#   make            build build/stalkerwatch
#   make check      build and run every test (unit, integration, corpus)
#   make demo       replay the bundled demo capture with the bundled IOC list
#   make deps       install the Debian packages the build and tests need
#   make bench      throughput against libpcap's raw read floor
#   make fuzz       run every libFuzzer target (clang) for FUZZ_SECONDS each
#   make SANITIZE=1 check   the whole suite under ASan + UBSan
#   make clean
#
# Sources are picked up by directory: every daemon/*.c except main.c,
# dissectors/*.c, ioc/*.c and db/*.c go into build/libsw.a; each
# tests/test_*.c is a Check program linked against it.

CC       ?= cc
PKGS     := libpcap libndpi libmaxminddb sqlite3 yaml-0.1 libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wwrite-strings \
        -Wno-unused-parameter
BASE := -std=c11 -D_GNU_SOURCE -I. -g $(WARN) $(PKG_CFLAGS)

ifeq ($(SANITIZE),1)
BUILD   ?= build/san
OPT     := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDOPT   := -fsanitize=address,undefined
else
BUILD   ?= build
OPT     := -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDOPT   := -pie -Wl,-z,relro,-z,now
endif

CFLAGS  ?=
LDFLAGS ?=
ALL_CFLAGS  := $(BASE) $(OPT) $(CFLAGS)
ALL_LDFLAGS := $(LDOPT) $(LDFLAGS)
LIBS        := $(PKG_LIBS) -lm -lpthread

LIB_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c)) \
           $(wildcard dissectors/*.c) $(wildcard ioc/*.c) $(wildcard db/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/gen/bundled.o $(BUILD)/gen/schema.o
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRC))

BIN := $(BUILD)/stalkerwatch
# V=1 shows the full commands
Q := $(if $(filter 1,$(V)),,@)

.PHONY: all check test demo deps bench fuzz clean
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Bundled IOC list and schema, compiled into the binary as byte arrays.
$(BUILD)/gen/bundled.c: ioc/stalkerware.rules .ci/embed.sh
	@mkdir -p $(dir $@)
	sh .ci/embed.sh sw_bundled_rules $< > $@
$(BUILD)/gen/schema.c: db/schema.sql .ci/embed.sh
	@mkdir -p $(dir $@)
	sh .ci/embed.sh sw_schema_sql $< > $@
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libsw.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(BUILD)/daemon/main.o $(BUILD)/libsw.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libsw.a tests/testutil.h
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libsw.a $(CHECK_LIBS) $(LIBS)

# gcc builds run the fuzz corpora through each target as a regression test.
$(BUILD)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/libsw.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay_main.c $(BUILD)/libsw.a $(LIBS)

# check and demo install what is missing first, then build in a fresh make
# (pkg-config flags are read when make starts).
check: deps
	$(MAKE) test

test: $(BIN) $(TEST_BIN) $(FUZZ_REPLAY)
	BUILD=$(BUILD) sh tests/run-all.sh $(TEST_BIN) $(FUZZ_REPLAY)

demo: deps
	$(MAKE) $(BIN)
	rm -f demo.db demo.db-wal demo.db-shm
	$(BIN) replay -d demo.db pcaps/demo.pcapng
	$(BIN) hits -d demo.db

deps:
	sh .ci/deps

bench: $(BIN)
	BUILD=$(BUILD) sh tests/bench.sh

FUZZ_SECONDS ?= 60
fuzz:
	BUILD=build/fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
