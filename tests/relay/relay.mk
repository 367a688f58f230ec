# tests/relay — srtpd as a process on loopback against libsrtp2 endpoints.
# Process-level, so SLOW_TESTS (run by `make test`, not by `make asan`).
RELAY_TEST_LIBS := $(shell pkg-config --libs libsrtp2 2>/dev/null || echo -lsrtp2)
RELAY_TEST_UTIL := tests/relay/relay_util.c tests/relay/proc_fds.c tests/interop/libsrtp_peer.c
RELAY_PEER := tests/relay/relay_peer.c

$(BUILD)/tests/relay_test: $(call objs,tests/relay/relay_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

$(BUILD)/tests/relay_keys_test: $(call objs,tests/relay/relay_keys_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

$(BUILD)/tests/relay_ctl_test: $(call objs,tests/relay/relay_ctl_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

# The sdes-state's compare-and-swap (if-version, sdes-version).
$(BUILD)/tests/relay_ctl_cas_test: $(call objs,tests/relay/relay_ctl_cas_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

# A third party on the media and in the log (hijack per leg type, STUN,
# call-id escaping), and the control plane's safe defaults.
$(BUILD)/tests/relay_guard_test: $(call objs,tests/relay/relay_guard_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

# The operations side: log level, metrics (promtool on scrapes of a call).
$(BUILD)/tests/relay_ops_test: $(call objs,tests/relay/relay_ops_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

$(BUILD)/tests/relay_ctlsafe_test: $(call objs,tests/relay/relay_ctlsafe_test.c tests/relay/proc_run.c) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@

# A one-stream offer's attach, not waited for: media and requests right after.
$(BUILD)/tests/relay_defer_test: $(call objs,tests/relay/relay_defer_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

# Named media interfaces: start-up refusals, bind/advertise, legs per interface.
$(BUILD)/tests/relay_iface_test: $(call objs,tests/relay/relay_iface_test.c tests/relay/proc_run.c $(RELAY_TEST_UTIL)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/tests/relay_iface_test
SLOW_TESTS += $(BUILD)/tests/relay_iface_test
BINS += $(BUILD)/tests/relay_test $(BUILD)/tests/relay_ctl_test
SLOW_TESTS += $(BUILD)/tests/relay_test $(BUILD)/tests/relay_ctl_test
BINS += $(BUILD)/tests/relay_ctl_cas_test
SLOW_TESTS += $(BUILD)/tests/relay_ctl_cas_test
BINS += $(BUILD)/tests/relay_guard_test $(BUILD)/tests/relay_ctlsafe_test
SLOW_TESTS += $(BUILD)/tests/relay_guard_test $(BUILD)/tests/relay_ctlsafe_test
BINS += $(BUILD)/tests/relay_ops_test
SLOW_TESTS += $(BUILD)/tests/relay_ops_test
BINS += $(BUILD)/tests/relay_defer_test
SLOW_TESTS += $(BUILD)/tests/relay_defer_test "SRTPD_NO_MULTISHOT=1 $(BUILD)/tests/relay_defer_test"
# The same media tests through the epoll loop (what srtpd runs on a kernel
# without multishot io_uring, and where it has no connected twin sockets).
SLOW_TESTS += "SRTPD_NO_MULTISHOT=1 $(BUILD)/tests/relay_test"
BINS += $(BUILD)/tests/relay_keys_test
SLOW_TESTS += $(BUILD)/tests/relay_keys_test "SRTPD_NO_MULTISHOT=1 $(BUILD)/tests/relay_keys_test"
endif

$(BUILD)/tests/relay_load_test: $(call objs,tests/relay/relay_load_test.c $(RELAY_TEST_UTIL)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/tests/relay_load_test
SLOW_TESTS += $(BUILD)/tests/relay_load_test
endif

# `make bench`: srtpd against RTPengine with one load generator.
$(BUILD)/relay-bench: $(call objs,tests/relay/relay_bench.c tests/relay/bench_floor.c tests/relay/rtpengine_ng.c $(RELAY_TEST_UTIL)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/relay-bench
BENCHES += $(BUILD)/relay-bench
endif

# srtpd under ASan+UBSan (clang, all sources in one command like the fuzz
# targets), driven by the same process tests: memory errors, leaks at exit
# (SIGTERM path) and undefined behaviour in the relay and its libraries.
SRTPD_ASAN_SRCS := rtp/relay/srtpd.c $(filter-out rtp/relay/srtpd.c,$(wildcard rtp/relay/*.c)) \
  $(wildcard rtp/ctl/*.c) $(wildcard rtp/srtp/*.c)
# Headers too (e.g. a bound in rtp/relay/call.h), or a stale binary stays.
$(BUILD)/asan-srtpd: $(SRTPD_ASAN_SRCS) $(wildcard rtp/relay/*.h rtp/ctl/*.h rtp/srtp/*.h) $(VERSION_H)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g -I. -Irtp -Imodules $(VERSION_CFLAGS) \
	  -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	  $(SRTPD_ASAN_SRCS) -o $@ -lcrypto -lpthread -luring -lsystemd $(MHD_LIBS) $(HIREDIS_LIBS)

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/asan-srtpd
SLOW_TESTS += tests/relay/relay-asan.sh tests/relay/relay-ctl-asan.sh \
              tests/relay/relay-guard-asan.sh tests/relay/relay-iface-asan.sh \
              tests/relay/relay-ha-asan.sh tests/relay/relay-ha-legs-asan.sh \
              tests/relay/relay-ctl-cas-asan.sh tests/relay/relay-keys-asan.sh \
              tests/relay/relay-defer-asan.sh tests/relay/relay-defer-epoll-asan.sh
SLOW_TESTS += tests/relay/relay-ops-asan.sh tests/relay/srtpd-syslog.sh
endif

# srtpd's operator commands: drain, reload (srtpctl and SIGHUP), dialog tags
# in events.
ifneq ($(wildcard rtp/srtp/context.c),)
SLOW_TESTS += "tests/relay/relay-ops.sh"
endif

# rt-priority: media workers at SCHED_FIFO, changed by reload, refused
# values, and an unprivileged relay that carries on at normal priority.
ifneq ($(wildcard rtp/srtp/context.c),)
SLOW_TESTS += "tests/relay/relay-rt.sh"
endif

# `make bench-control` (and `make bench`): srtpd's control plane against
# RTPengine's at 100..10,000 calls (query rate, offer+answer pairs/s, RSS
# per call, SIGTERM shutdown), side by side.
$(BUILD)/control-bench: $(call objs,tests/relay/control_bench.c tests/relay/rtpengine_ng.c $(RELAY_TEST_UTIL)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/control-bench
BENCHES += $(BUILD)/control-bench
endif

.PHONY: bench-control
bench-control: $(BUILD)/control-bench $(BUILD)/srtpd
	$(BUILD)/control-bench

# The call table and ports at scale: one-port rtcp-mux legs and their
# fallback, 2,000 calls, shutdown audit lines (correctness, not speed).
$(BUILD)/tests/relay_scale_test: $(call objs,tests/relay/relay_scale_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/tests/relay_scale_test
SLOW_TESTS += $(BUILD)/tests/relay_scale_test
endif

# High availability (docs/ha.md): a private redis-server, srtpd killed and
# started again (or a standby taking over), every call's media continuing.
RELAY_HA_UTIL := tests/relay/ha_util.c tests/relay/ha_leak.c
$(BUILD)/tests/relay_ha_test: $(call objs,tests/relay/relay_ha_test.c $(RELAY_HA_UTIL) $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

$(BUILD)/tests/relay_ha_config_test: $(call objs,tests/relay/relay_ha_config_test.c $(RELAY_HA_UTIL) $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

# One-port rtcp-mux legs on two named interfaces through a restart and a takeover.
$(BUILD)/tests/relay_ha_legs_test: $(call objs,tests/relay/relay_ha_legs_test.c $(RELAY_HA_UTIL) $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

# The sdes-state's compare-and-swap with the store: recorded, and refused
# after a restart for a version from before it.
$(BUILD)/tests/relay_ha_cas_test: $(call objs,tests/relay/relay_ha_cas_test.c $(RELAY_HA_UTIL) $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/tests/relay_ha_cas_test
SLOW_TESTS += $(BUILD)/tests/relay_ha_cas_test
BINS += $(BUILD)/tests/relay_ha_test $(BUILD)/tests/relay_ha_config_test
SLOW_TESTS += $(BUILD)/tests/relay_ha_test $(BUILD)/tests/relay_ha_config_test
BINS += $(BUILD)/tests/relay_ha_legs_test
SLOW_TESTS += $(BUILD)/tests/relay_ha_legs_test
endif

# `make bench`: call set-up rate without and with the Redis store.
$(BUILD)/relay-store-bench: $(call objs,tests/relay/relay_store_bench.c $(RELAY_HA_UTIL) $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/relay-store-bench
BENCHES += $(BUILD)/relay-store-bench
endif
