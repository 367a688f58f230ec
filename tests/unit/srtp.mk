# tests/unit/srtp.mk — unit tests of the SRTP library (rtp/srtp).
SRTP_UNIT_NAMES := srtp_kat_test srtp_roundtrip_test srtp_negative_test srtp_noalloc_test

define srtp_unit_rule
$(BUILD)/tests/$(1): $(call objs,tests/unit/$(1).c) $(SRTP_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) $$^ -o $$@ $(SRTP_LIBS) $(2)
endef
$(foreach t,$(SRTP_UNIT_NAMES),$(eval $(call srtp_unit_rule,$(t))))
# Cross-check against libsrtp2 (links it).
$(eval $(call srtp_unit_rule,srtp_xcheck_test,-lsrtp2))
UNIT_TESTS += $(foreach t,$(SRTP_UNIT_NAMES) srtp_xcheck_test,$(BUILD)/tests/$(t))
