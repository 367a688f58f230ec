# tests/unit/pcap.mk — srtp-pcap: its frame parser/rewriter (unit) and the
# tool end to end on generated captures (pcap_tool_test: encrypt, decrypt,
# libsrtp2 both ways; pcap_tool_errors_test: bad packets, lines, files and
# arguments). All fast, so all UNIT_TESTS; the tool tests run
# $(BUILD)/srtp-pcap beside their own $(BUILD)/tests directory.
$(BUILD)/tests/pcap_frame_test: $(call objs,tests/unit/pcap_frame_test.c rtp/tools/pcap_frame.c)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@

PCAP_TOOL_TESTS := pcap_tool_test pcap_tool_errors_test pcap_check_test
define pcap_tool_rule
$(BUILD)/tests/$(1): $(call objs,tests/unit/$(1).c) $(SRTP_LIB) $(BUILD)/srtp-pcap
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) $(call objs,tests/unit/$(1).c) $(SRTP_LIB) -o $$@ \
	  -lpcap $$(LIBSRTP2_LIBS) -lcrypto
endef
$(foreach t,$(PCAP_TOOL_TESTS),$(eval $(call pcap_tool_rule,$(t))))

UNIT_TESTS += $(BUILD)/tests/pcap_frame_test $(foreach t,$(PCAP_TOOL_TESTS),$(BUILD)/tests/$(t))
