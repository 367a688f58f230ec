# tests/unit/sdes.mk — unit tests of the a=crypto codec (rtp/crypto_attr)
# and the SDES engine (modules/sdes/engine).
SDES_UNIT := sdes_crypto_attr_test sdes_engine_test sdes_rtcp_port_test
SDES_UNIT := $(foreach t,$(SDES_UNIT),$(if $(wildcard tests/unit/$(t).c),$(t)))
define sdes_unit_rule
$(BUILD)/tests/$(1): $(BUILD)/obj/tests/unit/$(1).o $(SDES_LIBS) $(SDES_SUITE_OBJ)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) $$< -o $$@ $(SDES_LINK)
endef
$(foreach t,$(SDES_UNIT),$(eval $(call sdes_unit_rule,$(t))))
UNIT_TESTS += $(foreach t,$(SDES_UNIT),$(BUILD)/tests/$(t))
