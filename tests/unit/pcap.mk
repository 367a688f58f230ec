# tests/unit/pcap.mk — srtp-pcap: its frame parser/rewriter (unit) and the
# tool end to end on generated captures (encrypt, decrypt, libsrtp2 cross-
# check, bad inputs). Both are fast, so both are UNIT_TESTS; the tool test
# runs $(BUILD)/srtp-pcap beside its own $(BUILD)/tests directory.
$(BUILD)/tests/pcap_frame_test: $(call objs,tests/unit/pcap_frame_test.c rtp/tools/pcap_frame.c)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@

$(BUILD)/tests/pcap_tool_test: $(call objs,tests/unit/pcap_tool_test.c) $(BUILD)/srtp-pcap
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(call objs,tests/unit/pcap_tool_test.c) $(SRTP_LIB) -o $@ \
	  -lpcap $(shell pkg-config --libs libsrtp2 2>/dev/null || echo -lsrtp2) -lcrypto

UNIT_TESTS += $(BUILD)/tests/pcap_frame_test
ifneq ($(wildcard tests/unit/pcap_tool_test.c),)
UNIT_TESTS += $(BUILD)/tests/pcap_tool_test
endif
