# tests/unit/ctl.mk — unit tests of the control protocol library.
$(BUILD)/tests/ctl_test: $(call objs,tests/unit/ctl_test.c) $(CTL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto -lpthread
UNIT_TESTS += $(BUILD)/tests/ctl_test

# srtpd's log escaping (rtp/relay/log.c alone).
$(BUILD)/tests/relay_log_test: $(call objs,tests/unit/relay_log_test.c rtp/relay/log.c)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@
UNIT_TESTS += $(BUILD)/tests/relay_log_test

# The control plane's keyed hash and hash table (rtp/ctl/htab.h), the reply
# cache and nonce set on it.
$(BUILD)/tests/htab_test: $(call objs,tests/unit/htab_test.c) $(CTL_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto
UNIT_TESTS += $(BUILD)/tests/htab_test
