# SPDX-License-Identifier: GPL-2.0-or-later
# Makefile - build, test, install and benchmark qdes-tap

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DOCDIR ?= $(PREFIX)/share/doc/qdes-tap
BASHCOMPDIR ?= $(shell $(PKG_CONFIG) --variable=completionsdir bash-completion 2>/dev/null || \
	echo $(PREFIX)/share/bash-completion/completions)
SYSTEMDUNITDIR ?= $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null || \
	echo /lib/systemd/system)
# The CNI plugin "qdes-tap" (this binary, which is the plugin when run with CNI_COMMAND set)
CNI_DIR ?= /usr/lib/cni
DESTDIR ?=
PKG_CONFIG ?= pkg-config
BATS ?= bats

VERSION ?= 0.1.0

CFLAGS ?= -O2 -g
WARNFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers
# iniparser ships no .pc file on Debian 12; fall back to its known include directory.
INI_CFLAGS := $(shell $(PKG_CONFIG) --cflags iniparser 2>/dev/null || echo -I/usr/include/iniparser)
INI_LIBS := $(shell $(PKG_CONFIG) --libs iniparser 2>/dev/null || echo -liniparser)
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmnl libuv jansson libmicrohttpd libcrypto) $(INI_CFLAGS)
# libmicrohttpd: headers only; metrics.c loads it when metrics = is given (-ldl: dlopen)
DEP_LIBS := $(shell $(PKG_CONFIG) --libs libmnl libuv jansson libcrypto) $(INI_LIBS) -pthread -ldl
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# CPPFLAGS and LDFLAGS as the user (or dpkg-buildflags: hardening) gives them
ALL_CFLAGS := $(WARNFLAGS) -D_GNU_SOURCE -DQDES_TAP_VERSION=\"$(VERSION)\" $(DEP_CFLAGS) \
	-Iqdes-tap -MMD -MP $(CPPFLAGS) $(CFLAGS)
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS := $(wildcard qdes-tap/*.c)
LIB_SRCS := $(filter-out qdes-tap/main.c,$(SRCS))
OBJS := $(SRCS:qdes-tap/%.c=build/obj/%.o)
SAN_OBJS := $(LIB_SRCS:qdes-tap/%.c=build/san/%.o)
TSAN_OBJS := $(SRCS:qdes-tap/%.c=build/tsan/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: all san tsan unit e2e e2e-san e2e-tsan e2e-nooffload test fuzz fuzz-ci bench install uninstall clean format check-format lint

all: build/qdes-tap

build/qdes-tap: $(OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(DEP_LIBS)

build/obj/%.o: qdes-tap/%.c | build/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The same daemon with AddressSanitizer and UBSan: the unit tests link against these objects,
# and the end-to-end tests run it when QDES_TAP=build/qdes-tap-san.
san: build/qdes-tap-san

build/qdes-tap-san: $(SAN_OBJS) build/san/main.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDFLAGS) $(DEP_LIBS)

build/san/%.o: qdes-tap/%.c | build/san
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

# ... and with ThreadSanitizer, for the tests where several workers share the FDB and the ports
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
tsan: build/qdes-tap-tsan

build/qdes-tap-tsan: $(TSAN_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -o $@ $^ $(LDFLAGS) $(DEP_LIBS)

build/tsan/%.o: qdes-tap/%.c | build/tsan
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -c -o $@ $<

# Each unit test links only the pure modules it tests, so it needs no root and no network.
UNIT_COMMON := addr ether log
test_proto_MODS := proto
test_fdb_MODS := fdb
test_config_MODS := config ini parse proto stream unixsock offload switch peerstat fdb port seal replay
test_switch_MODS := switch peerstat fdb proto port seal replay
test_offload_MODS := offload
test_stream_MODS := stream unixsock offload proto switch peerstat fdb port parse seal replay
test_privs_MODS := privs
test_underlay_MODS := underlay offload seal replay
test_ctl_MODS := ctl_proto ctl_print parse proto
test_peerstat_MODS := peerstat
test_seal_MODS := seal replay keyfile proto
test_macid_MODS := macid
unit_objs = $(patsubst %,build/san/%.o,$(UNIT_COMMON) $($(1)_MODS))

.SECONDEXPANSION:
build/unit/%: tests/unit/%.c $$(call unit_objs,$$*) | build/unit
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Wno-missing-prototypes -o $@ $< \
		$(call unit_objs,$*) $(LDFLAGS) $(DEP_LIBS) $(CMOCKA_LIBS)

build/obj build/san build/tsan build/unit:
	$(Q)mkdir -p $@

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t || fail=1; \
	done; exit $$fail

# End-to-end tests need root, /dev/net/tun and network namespaces. They run twice: on the
# binary as shipped, and on the ASan/UBSan build, which turns any memory error into a failure.
e2e: build/qdes-tap
	@scripts/run-bats.sh tests/bats

e2e-san: build/qdes-tap-san
	@QDES_TAP=$(CURDIR)/build/qdes-tap-san scripts/run-bats.sh tests/bats

# The tests that run several workers, on the ThreadSanitizer build: the first data race stops
# the daemon (its report in the daemon's log), which fails the test.
E2E_TSAN_FILES := tests/bats/60-restart.bats tests/bats/65-workers.bats tests/bats/92-peers.bats \
	tests/bats/64-ports.bats tests/bats/97-qemu-stream.bats tests/bats/98-privileges.bats \
	tests/bats/99-control.bats
e2e-tsan: build/qdes-tap-tsan
	@QDES_TAP=$(CURDIR)/build/qdes-tap-tsan TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		scripts/run-bats.sh -f 'workers' $(E2E_TSAN_FILES)

# ... and once more with every daemon's offloads off: both data paths pass the same suite.
e2e-nooffload: build/qdes-tap
	@QDES_TAP_ARGS="--offload no" scripts/run-bats.sh tests/bats

test: unit fuzz-ci e2e e2e-san e2e-tsan e2e-nooffload

# tools/rr.c: TCP request/response rate, one of bench.sh's measurements
build/rr: tools/rr.c | build/obj
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(WARNFLAGS) -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

# tools/aeadbench.c: libcrypto's AEADs on datagram sizes (why sealed segments use AES-256-GCM)
build/aeadbench: tools/aeadbench.c | build/obj
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(WARNFLAGS) -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) \
		$(shell $(PKG_CONFIG) --libs libcrypto)

bench: build/qdes-tap build/rr
	@scripts/bench.sh

# libFuzzer harnesses, one per parser (fuzz/fuzz_*.c), built with clang (clang and
# libclang-rt-14-dev): the harness and the modules it links are instrumented for coverage, and
# built with ASan, UBSan and the project's warnings. Each links what its unit test links.
# make fuzz FUZZ_SECONDS=N runs each for N s; make fuzz-ci (in make test) 20 s each, and fails
# on any finding. libFuzzer adds new inputs to its first corpus directory: a scratch one in
# build/fuzz/corpus/NAME, then the seeds in fuzz/corpus/NAME; crashes go to build/fuzz/NAME-*.
FUZZ_SECONDS ?= 30
FUZZ_CI_SECONDS ?= 20
FUZZ_CC ?= clang
FUZZ_ARGS ?=
FUZZ_CFLAGS := $(WARNFLAGS) -D_GNU_SOURCE -DQDES_TAP_VERSION=\"$(VERSION)\" $(DEP_CFLAGS) \
	-Iqdes-tap -MMD -MP -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_NAMES:%=build/fuzz/%)
fuzz_proto_MODS := proto seal replay
fuzz_offload_MODS := offload
fuzz_stream_MODS := stream unixsock offload proto switch peerstat fdb port parse seal replay
fuzz_config_MODS := config ini parse proto stream unixsock offload switch peerstat fdb port seal replay
fuzz_cli_MODS := $(fuzz_config_MODS)
fuzz_ctl_MODS := ctl_proto parse proto
fuzz_objs = $(patsubst %,build/fuzz/obj/%.o,$(UNIT_COMMON) $($(1)_MODS))

build/fuzz/obj/%.o: qdes-tap/%.c | build/fuzz/obj
	$(call msg,CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%: fuzz/%.c $$(call fuzz_objs,$$*) | build/fuzz/obj
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(call fuzz_objs,$*) \
		$(LDFLAGS) $(DEP_LIBS)

build/fuzz/obj:
	$(Q)mkdir -p $@

# Only harnesses name the objects: keep them, as make would delete intermediate files
.PRECIOUS: build/fuzz/obj/%.o

# $(1): seconds per harness. Every harness runs, one after the other; any finding fails.
fuzz_run = fail=0; for f in $(FUZZ_NAMES); do \
		mkdir -p build/fuzz/corpus/$$f; \
		printf '  %-6s %s, %s s\n' FUZZ $$f $(1); \
		if build/fuzz/$$f -max_total_time=$(1) -timeout=10 -print_final_stats=1 \
			-artifact_prefix=build/fuzz/$$f- $(FUZZ_ARGS) build/fuzz/corpus/$$f \
			fuzz/corpus/$$f >build/fuzz/$$f.log 2>&1; then \
			awk '/^stat::number_of_executed_units/ {n = $$2} \
			     /^stat::average_exec_per_sec/ {r = $$2} \
			     END {printf "         %s executions, %s exec/s\n", n, r}' \
				build/fuzz/$$f.log; \
		else \
			fail=1; tail -n 40 build/fuzz/$$f.log; \
			echo "fuzz: $$f FAILED (log build/fuzz/$$f.log, input build/fuzz/$$f-*)"; \
		fi; \
	done; exit $$fail

fuzz: $(FUZZ_BINS)
	@$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-ci: $(FUZZ_BINS)
	@$(call fuzz_run,$(FUZZ_CI_SECONDS))

install: build/qdes-tap
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)
	install -m 0755 build/qdes-tap $(DESTDIR)$(SBINDIR)/qdes-tap
	install -m 0644 man/qdes-tap.8 $(DESTDIR)$(MANDIR)/man8/qdes-tap.8
	install -m 0644 etc/qdes-tap.ini $(DESTDIR)$(DOCDIR)/qdes-tap.ini.example
	install -m 0644 etc/cni/seg42.conflist $(DESTDIR)$(DOCDIR)/cni-seg42.conflist.example
	install -d $(DESTDIR)$(CNI_DIR)
	install -m 0755 build/qdes-tap $(DESTDIR)$(CNI_DIR)/qdes-tap
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 completion/qdes-tap.bash $(DESTDIR)$(BASHCOMPDIR)/qdes-tap
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/qdes-tap@.service >$(DESTDIR)$(SYSTEMDUNITDIR)/qdes-tap@.service
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/qdes-tap.ini ]; then \
		install -d $(DESTDIR)$(SYSCONFDIR); \
		install -m 0644 etc/qdes-tap.ini $(DESTDIR)$(SYSCONFDIR)/qdes-tap.ini; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/qdes-tap $(DESTDIR)$(MANDIR)/man8/qdes-tap.8 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/qdes-tap@.service $(DESTDIR)$(BASHCOMPDIR)/qdes-tap \
		$(DESTDIR)$(CNI_DIR)/qdes-tap
	rm -rf $(DESTDIR)$(DOCDIR)

format:
	clang-format -i qdes-tap/*.[ch] tests/unit/*.c fuzz/*.[ch] tools/*.c

check-format:
	clang-format --dry-run -Werror qdes-tap/*.[ch] tests/unit/*.c fuzz/*.[ch] tools/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem -Iqdes-tap qdes-tap/

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d) build/san/main.d $(TSAN_OBJS:.o=.d) \
	$(wildcard build/fuzz/obj/*.d build/fuzz/*.d)
