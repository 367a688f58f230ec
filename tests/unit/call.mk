# tests/unit/call.mk — unit tests of sdes.so's Kamailio-free call logic
# (modules/sdes/call/, linked from libsg_sdes_call.a), also under asan:
# kam_parse_test (flags, relay spec, flags-to-engine bridge, audit line,
# control messages and call state, bound policy, pending key switches),
# kam_mirror_test (re-offers from the answerer's side through the engine),
# kam_sdpsafe_test (the body left in place of a refused SDP),
# kam_ctlmsg_mux_test (what srtpd is told about rtcp-mux).
CALL_UNIT := kam_parse_test kam_mirror_test kam_sdpsafe_test kam_ctlmsg_mux_test
define call_unit_rule
$(BUILD)/tests/$(1): $(BUILD)/obj/tests/unit/$(1).o $(CALL_LIB) $(SDES_LIBS) $(CTL_LIB) $(SRTP_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) $$^ -o $$@ -lcrypto
endef
$(foreach t,$(CALL_UNIT),$(eval $(call call_unit_rule,$(t))))
UNIT_TESTS += $(foreach t,$(CALL_UNIT),$(BUILD)/tests/$(t))
