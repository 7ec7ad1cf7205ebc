# stalkerwatch - passive stalkerware traffic detector.
#
#   make            build build/stalkerwatch
#   make check      build and run every test (unit, integration, corpus)
#   make demo       replay the bundled demo capture with the bundled IOC list
#   make deps       install the Debian packages the build and tests need
#   make bench      throughput against libpcap's raw read floor; IOC index scale
#   make fuzz       run every libFuzzer target (clang) for FUZZ_SECONDS each
#   make SANITIZE=1 check   the whole suite under ASan + UBSan
#   make clean
#
# Sources are picked up by directory: every daemon/*.c except main.c,
# dissectors/*.c, ioc/*.c and db/*.c go into build/libsw.a; each
# tests/test_*.c is a Check program linked against it.

CC       ?= cc
PKGS     := libpcap libndpi libmaxminddb sqlite3 yaml-0.1 libcrypto
# NDPI=0: build without nDPI for small routers (no `app` labels on hits,
# ~10 MB less memory; docs/enrichment.md), in its own build directory.
ifeq ($(NDPI),0)
PKGS     := $(filter-out libndpi,$(PKGS))
NDPI_DEF := -DSW_NO_NDPI
BUILD    ?= build/nondpi$(if $(filter 1,$(SANITIZE)),-san)
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wwrite-strings \
        -Wno-unused-parameter
BASE := -std=c11 -D_GNU_SOURCE -I. -g $(WARN) $(PKG_CFLAGS) $(NDPI_DEF)

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
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/gen/bundled.o $(BUILD)/gen/schema.o \
           $(BUILD)/gen/dualuse.o
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

# Bundled IOC list, dual-use list and schema, compiled into the binary as
# byte arrays.
$(BUILD)/gen/bundled.c: ioc/stalkerware.rules .ci/embed.sh
	@mkdir -p $(dir $@)
	sh .ci/embed.sh sw_bundled_rules $< > $@
$(BUILD)/gen/dualuse.c: ioc/dual-use.txt .ci/embed.sh
	@mkdir -p $(dir $@)
	sh .ci/embed.sh sw_dualuse_list $< > $@
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

$(BUILD)/tests/%: tests/%.c $(BUILD)/libsw.a tests/testutil.h tests/testpkt.h
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

bench: $(BIN) $(BUILD)/bench/bench_ioc
	BUILD=$(BUILD) sh tests/bench.sh

$(BUILD)/bench/bench_ioc: tests/bench_ioc.c $(BUILD)/libsw.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libsw.a $(LIBS)

FUZZ_SECONDS ?= 60
fuzz:
	BUILD=build/fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the man page, the
# default config (kept when one exists), the bundled IOC list, a hardened
# systemd unit, an OpenWrt procd script; as root without DESTDIR, the user
# SW_USER (useradd --system) and its state directory.  docs/deploy.md.
PREFIX         ?= /usr/local
SBINDIR        ?= $(PREFIX)/sbin
DATADIR        ?= $(PREFIX)/share
MANDIR         ?= $(DATADIR)/man
SYSCONFDIR     ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
STATEDIR       ?= /var/lib/stalkerwatch
SW_USER        ?= stalkerwatch
.PHONY: install
install: $(BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR) \
		$(DESTDIR)$(DATADIR)/stalkerwatch/openwrt $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/stalkerwatch
	install -m 0644 docs/stalkerwatch.8 $(DESTDIR)$(MANDIR)/man8/stalkerwatch.8
	install -m 0644 ioc/stalkerware.rules $(DESTDIR)$(DATADIR)/stalkerwatch/stalkerware.rules
	sed -e 's|/usr/local/share/stalkerwatch|$(DATADIR)/stalkerwatch|' \
		-e 's|/var/lib/stalkerwatch|$(STATEDIR)|' -e 's|^user stalkerwatch$$|user $(SW_USER)|' \
		contrib/stalkerwatch.conf > $(BUILD)/stalkerwatch.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/stalkerwatch.conf ]; then \
		install -m 0644 $(BUILD)/stalkerwatch.conf $(DESTDIR)$(SYSCONFDIR)/stalkerwatch.conf.default; \
		echo "install: kept $(DESTDIR)$(SYSCONFDIR)/stalkerwatch.conf; the new default is stalkerwatch.conf.default"; \
	else \
		install -m 0644 $(BUILD)/stalkerwatch.conf $(DESTDIR)$(SYSCONFDIR)/stalkerwatch.conf; \
	fi
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|/var/lib/stalkerwatch|$(STATEDIR)|g' -e 's|^User=stalkerwatch$$|User=$(SW_USER)|' \
		-e 's|^Group=stalkerwatch$$|Group=$(SW_USER)|' \
		contrib/systemd/stalkerwatch.service > $(BUILD)/stalkerwatch.service
	install -m 0644 $(BUILD)/stalkerwatch.service $(DESTDIR)$(SYSTEMDUNITDIR)/stalkerwatch.service
	install -m 0755 contrib/openwrt/stalkerwatch.init $(DESTDIR)$(DATADIR)/stalkerwatch/openwrt/stalkerwatch.init
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		if ! id -u $(SW_USER) >/dev/null 2>&1; then \
			echo "install: creating the system user $(SW_USER)"; \
			if command -v useradd >/dev/null 2>&1; then \
				useradd --system --user-group --no-create-home --home-dir $(STATEDIR) \
					--shell /usr/sbin/nologin --comment stalkerwatch $(SW_USER); \
			else \
				adduser -S -D -H -h $(STATEDIR) -s /sbin/nologin $(SW_USER); \
			fi || exit 1; \
		fi; \
		install -d -m 0750 -o $(SW_USER) -g $$(id -g $(SW_USER)) $(STATEDIR); \
	else \
		install -d -m 0750 $(DESTDIR)$(STATEDIR); \
		echo "install: not root or DESTDIR set: create the user $(SW_USER) and give it $(STATEDIR)"; \
	fi

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
