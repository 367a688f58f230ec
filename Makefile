# sdesgate — one top-level Makefile.
#
# Each part of the tree adds itself through a fragment named build.mk
# (rtp/srtp/build.mk, modules/sdes/build.mk) or tests/DIR/AREA.mk (tests/unit/srtp.mk).
# A fragment appends to these lists and adds its own link rules:
#   BINS        programs built by `make` (build/srtpd, build/sdes-sdp, ...)
#   UNIT_TESTS  test programs run by `make test` and `make asan`
#   SLOW_TESTS  test commands run by `make test` only (interop, end to end)
#   FUZZERS     libFuzzer targets; NAME_SRCS and NAME_LIBS name what they link
#   BENCHES     commands run by `make bench`
# Objects are compiled by the one pattern rule below into $(BUILD)/obj/.
#
#   make            build everything into build/
#   make test       install deps (scripts/deps.sh), build, run every test
#   make asan       the unit tests under ASan+UBSan (clang), in build/asan/
#   make fuzz       every fuzz target for FUZZ_SECONDS each
#   make bench      benchmarks: ours against libsrtp2 / RTPengine, as ratios
#   make demo       a real call through Kamailio + sdes.so + srtpd
#   make run        srtpd + Kamailio in the foreground with CFG=cfg/....cfg

BUILD    ?= build
CC       ?= cc
SAN      ?=
OPT      ?= -O2
FUZZ_SECONDS ?= 300
FUZZ_QUICK   ?= 15

ifeq ($(origin CC),default)
CC := gcc
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN) -fPIC -MMD -MP $(INC)
LDFLAGS  ?=
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

BINS       :=
UNIT_TESTS :=
SLOW_TESTS :=
FUZZERS    :=
BENCHES    :=
CLEAN_EXTRA :=

# Libraries shared between fragments (named here so any fragment can depend
# on them whatever the include order).
SRTP_LIB := $(BUILD)/lib/libsg_srtp.a
CTL_LIB  := $(BUILD)/lib/libsg_ctl.a
SDES_LIB := $(BUILD)/lib/libsg_sdes.a
CATTR_LIB := $(BUILD)/lib/libsg_crypto_attr.a
CALL_LIB := $(BUILD)/lib/libsg_sdes_call.a

.PHONY: all deps test unit-test asan fuzz fuzz-build bench demo run clean install build-dist
all: build-all

# Objects of a list of sources, e.g. $(call objs,$(SRTP_SRCS)).
objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# The one version string: the top entry of debian/changelog, written into
# $(BUILD)/gen/sdesgate_version.h for the programs' --version.
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
VERSION_H := $(BUILD)/gen/sdesgate_version.h
VERSION_CFLAGS = -I$(BUILD)/gen
VERSION_OBJS := $(call objs,rtp/relay/srtpd.c rtp/tools/srtpctl.c rtp/tools/srtp_pcap.c \
  modules/sdes/tools/sdes_sdp.c)
$(VERSION_H): debian/changelog
	@mkdir -p $(dir $@)
	printf '#define SDESGATE_VERSION "%s"\n' '$(VERSION)' > $@
$(VERSION_OBJS): $(VERSION_H)
$(VERSION_OBJS): ALL_CFLAGS += $(VERSION_CFLAGS)

# Include paths by layer (the layering check, scripts/check-layering.sh,
# holds what one folder may include of another): rtp/ sees only rtp/;
# modules/ sees rtp/ and modules/ (Kamailio's headers only for the glue,
# modules/sdes/kam.mk); tests see the tree from its root.
INC =
$(BUILD)/obj/rtp/%.o: INC = -Irtp
$(BUILD)/obj/modules/%.o: INC = -Irtp -Imodules
$(BUILD)/obj/tests/%.o: INC = -I. -Irtp -Imodules

FRAGMENTS := $(sort $(wildcard rtp/*/build.mk modules/*/*.mk tests/*/*.mk))
include $(FRAGMENTS)

build-all: $(BINS) $(UNIT_TESTS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

deps:
	bash scripts/deps.sh

# `make test`: the dependency step, then every test; the runner prints the
# closing line "N passed, M failed" and fails when M > 0.
test: deps
	$(MAKE) --no-print-directory build-all fuzz-build
	bash scripts/run-tests.sh $(UNIT_TESTS) $(SLOW_TESTS) \
	  $(foreach f,$(FUZZERS),"scripts/run-fuzz.sh $(BUILD)/fuzz/$(f) $(FUZZ_QUICK)")

unit-test: $(UNIT_TESTS)
	bash scripts/run-tests.sh $(UNIT_TESTS)

asan:
	$(MAKE) --no-print-directory BUILD=build/asan CC=clang OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" unit-test

# libFuzzer targets: clang, ASan+UBSan, every source linked in one command.
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g -I. -Irtp -Imodules \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
define fuzz_rule
$(BUILD)/fuzz/$(1): $$($(1)_SRCS)
	@mkdir -p $$(dir $$@)
	clang $$(FUZZ_CFLAGS) $$($(1)_SRCS) -o $$@ $$($(1)_LIBS)
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_rule,$(f))))
fuzz-build: $(foreach f,$(FUZZERS),$(BUILD)/fuzz/$(f))

fuzz: fuzz-build
	bash scripts/run-tests.sh \
	  $(foreach f,$(FUZZERS),"scripts/run-fuzz.sh $(BUILD)/fuzz/$(f) $(FUZZ_SECONDS)")

bench: deps
	SDESGATE_WITH_LIBSRTP_SRC=1 bash scripts/deps.sh
	$(MAKE) --no-print-directory build-all
	@set -e; for b in $(BENCHES); do echo "== $$b"; $$b; done

demo: deps
	$(MAKE) --no-print-directory build-all
	bash scripts/demo.sh

CFG ?= cfg/legacy-pbx.cfg
run: deps
	$(MAKE) --no-print-directory build-all
	bash scripts/run.sh $(CFG)

# `make install`: FHS paths under PREFIX, staged under DESTDIR (the Debian
# packaging runs it with PREFIX=/usr unitdir=/lib/systemd/system, so
# sysconfdir is /etc). srtp-bench, sdes-bench and the test programs are
# developer tools and are not installed. A file that is missing is an error,
# never skipped. The config is installed only where none exists (an
# operator's edited copy is kept). Details: docs/install.md.
PREFIX      ?= /usr/local
exec_prefix ?= $(PREFIX)
bindir      ?= $(exec_prefix)/bin
sbindir     ?= $(exec_prefix)/sbin
libdir      ?= $(exec_prefix)/lib
datarootdir ?= $(PREFIX)/share
mandir      ?= $(datarootdir)/man
sysconfdir  ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
unitdir     ?= $(libdir)/systemd/system
DEB_HOST_MULTIARCH ?= $(shell $(CC) -print-multiarch)
KAMAILIO_MODDIR ?= $(libdir)/$(DEB_HOST_MULTIARCH)/kamailio/modules
INSTALL     ?= install
MAN1 := docs/man/srtp-pcap.1 docs/man/sdes-sdp.1
MAN8 := docs/man/srtpd.8 docs/man/srtpctl.8
INSTALLED_BINS := $(BUILD)/srtpd $(BUILD)/srtpctl $(BUILD)/srtp-pcap $(BUILD)/sdes-sdp $(BUILD)/sdes.so

# What the packages ship, without the tests and benchmarks of build-all.
build-dist: $(INSTALLED_BINS)

install: $(INSTALLED_BINS) $(MAN1) $(MAN8) cfg/srtpd.conf cfg/srtpd.service
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(bindir) $(DESTDIR)$(KAMAILIO_MODDIR) \
	  $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man8 $(DESTDIR)$(sysconfdir)/sdesgate \
	  $(DESTDIR)$(unitdir)
	$(INSTALL) -m 755 $(BUILD)/srtpd $(DESTDIR)$(sbindir)/srtpd
	$(INSTALL) -m 755 $(BUILD)/srtpctl $(BUILD)/srtp-pcap $(BUILD)/sdes-sdp $(DESTDIR)$(bindir)/
	$(INSTALL) -m 644 $(BUILD)/sdes.so $(DESTDIR)$(KAMAILIO_MODDIR)/sdes.so
	$(INSTALL) -m 644 $(MAN1) $(DESTDIR)$(mandir)/man1/
	$(INSTALL) -m 644 $(MAN8) $(DESTDIR)$(mandir)/man8/
	sed 's|/usr/sbin/srtpd|$(sbindir)/srtpd|; s|/etc/sdesgate/|$(sysconfdir)/sdesgate/|g' \
	  cfg/srtpd.service > $(DESTDIR)$(unitdir)/srtpd.service
	chmod 644 $(DESTDIR)$(unitdir)/srtpd.service
	[ -e $(DESTDIR)$(sysconfdir)/sdesgate/srtpd.conf ] || \
	  $(INSTALL) -m 644 cfg/srtpd.conf $(DESTDIR)$(sysconfdir)/sdesgate/srtpd.conf

clean:
	rm -rf $(BUILD)/obj $(BUILD)/asan $(BUILD)/fuzz $(BUILD)/tests $(BINS) $(CLEAN_EXTRA)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
