# tests/interop/rtpengine.mk — srtp-pcap against RTPengine's SRTP (every
# suite both have, F8 and AES-192 included): starts rtpengine on loopback,
# so a SLOW_TEST (make test only).
$(BUILD)/tests/pcap_rtpengine_test: $(call objs,tests/interop/pcap_rtpengine_test.c) $(CTL_LIB) $(SRTP_LIB) $(BUILD)/srtp-pcap
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(call objs,tests/interop/pcap_rtpengine_test.c) $(CTL_LIB) $(SRTP_LIB) -o $@ \
	  -lpcap $(LIBSRTP2_LIBS) -lcrypto
BINS += $(BUILD)/tests/pcap_rtpengine_test
SLOW_TESTS += $(BUILD)/tests/pcap_rtpengine_test
