# tests/interop/osip.mk — every SDP the SDES engine writes for the golden
# cases is parsed again by libosip2 (pkg-config libosip2) and checked against
# what the engine meant. Fast, so it runs as a UNIT_TEST (and under ASan).
OSIP_LIBS := $(shell pkg-config --libs libosip2 2>/dev/null || echo -losipparser2 -losip2)

$(BUILD)/tests/osip_sdp_check_test: $(BUILD)/obj/tests/interop/osip_sdp_check_test.o $(SDES_LIBS) $(SDES_SUITE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $< -o $@ $(SDES_LINK) $(OSIP_LIBS)
UNIT_TESTS += $(BUILD)/tests/osip_sdp_check_test
