# tests/unit/call.mk — unit tests of sdes.so's Kamailio-free call logic
# (modules/sdes/call/, linked from libsg_sdes_call.a), also under asan:
# kam_flags_test (flags, relay spec, flags-to-engine bridge, audit line),
# kam_ctlmsg_test (control messages, key sets), kam_callstate_test (call
# state, bound policy, direction=, pending key switches),
# kam_mirror_test (re-offers from the answerer's side through the engine),
# kam_sdpsafe_test (the body left in place of a refused SDP),
# kam_ctlmsg_mux_test (what srtpd is told about rtcp-mux).
# kam_flags_test, kam_ctlmsg_test and kam_callstate_test share
# tests/unit/kam_fixture.c (kam_parse_test before it was split by theme).
KAM_FIXTURE_UNIT := kam_flags_test kam_ctlmsg_test kam_callstate_test
CALL_UNIT := $(KAM_FIXTURE_UNIT) kam_mirror_test kam_sdpsafe_test kam_ctlmsg_mux_test
define call_unit_rule
$(BUILD)/tests/$(1): $(BUILD)/obj/tests/unit/$(1).o \
  $(if $(filter $(1),$(KAM_FIXTURE_UNIT)),$(BUILD)/obj/tests/unit/kam_fixture.o) $(CALL_LIB) $(SDES_LIBS) $(CTL_LIB) $(SRTP_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) $$^ -o $$@ -lcrypto
endef
$(foreach t,$(CALL_UNIT),$(eval $(call call_unit_rule,$(t))))
UNIT_TESTS += $(foreach t,$(CALL_UNIT),$(BUILD)/tests/$(t))
