# tests/relay — srtpd as a process on loopback against libsrtp2 endpoints.
# Process-level, so SLOW_TESTS (run by `make test`, not by `make asan`).
RELAY_TEST_LIBS := $(shell pkg-config --libs libsrtp2 2>/dev/null || echo -lsrtp2)
RELAY_TEST_UTIL := tests/relay/relay_util.c
RELAY_PEER := tests/relay/relay_peer.c

$(BUILD)/tests/relay_test: $(call objs,tests/relay/relay_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

$(BUILD)/tests/relay_ctl_test: $(call objs,tests/relay/relay_ctl_test.c $(RELAY_TEST_UTIL) $(RELAY_PEER)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd $(BUILD)/srtpctl
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd $(BUILD)/srtpctl,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/tests/relay_test $(BUILD)/tests/relay_ctl_test
SLOW_TESTS += $(BUILD)/tests/relay_test $(BUILD)/tests/relay_ctl_test
endif

$(BUILD)/tests/relay_load_test: $(call objs,tests/relay/relay_load_test.c $(RELAY_TEST_UTIL)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/tests/relay_load_test
SLOW_TESTS += $(BUILD)/tests/relay_load_test
endif

# `make bench`: srtpd against RTPengine with one load generator.
$(BUILD)/relay-bench: $(call objs,tests/relay/relay_bench.c $(RELAY_TEST_UTIL)) $(CTL_LIB) $(SRTP_LIB) | $(BUILD)/srtpd
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(filter-out $(BUILD)/srtpd,$^) -o $@ $(RELAY_TEST_LIBS) -lcrypto

ifneq ($(wildcard rtp/srtp/context.c),)
BINS += $(BUILD)/relay-bench
BENCHES += $(BUILD)/relay-bench
endif
