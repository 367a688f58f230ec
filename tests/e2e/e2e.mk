# tests/e2e — end-to-end tests: the test user agents (e2e-ua: libosip2 +
# libsrtp2, nothing of ours) and scripts that run them directly, through a
# plain Kamailio, and through Kamailio with build/sdes.so.
E2E_UA_SRCS := tests/e2e/ua_main.c tests/e2e/ua_agent.c tests/e2e/ua_uac.c tests/e2e/ua_uas.c \
               tests/e2e/ua_sip.c tests/e2e/ua_sdp.c tests/e2e/ua_media.c \
               tests/e2e/ua_dialog.c
E2E_UA := $(BUILD)/e2e-ua

$(E2E_UA): $(call objs,$(E2E_UA_SRCS))
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -losipparser2 -losip2 -lsrtp2 -lcrypto
BINS += $(E2E_UA)

# Slow tests (make test only): the agents against each other, then through
# a plain Kamailio, then Kamailio with sdes.so, then the cfg/ examples.
SLOW_TESTS += "tests/e2e/ua-direct.sh" "tests/e2e/ua-kamailio.sh" \
              "tests/e2e/sdes-module.sh" "tests/e2e/sdes-kemi.sh" \
              "tests/e2e/sdes-relays.sh" "tests/e2e/sdes-rtpengine.sh" \
              "tests/e2e/cfg-examples.sh" "tests/e2e/sdes-call.sh" \
              "tests/e2e/sdes-robust.sh" "tests/e2e/sdes-fork.sh" \
              "tests/e2e/sdes-reoffer.sh" "tests/e2e/sdes-dialogs.sh" \
              "tests/e2e/sdes-ackswitch.sh" "tests/e2e/attack-downgrade.sh" \
              "tests/e2e/attack-lost-state.sh" "tests/e2e/sdes-nomki.sh" \
              "tests/e2e/attack-srtpd.sh" \
              "tests/e2e/attack-answers.sh"

# The module glue's Kamailio-free parsers, as a unit test (also under asan).
KAM_PARSE_TEST := $(BUILD)/tests/kam_parse_test
$(KAM_PARSE_TEST): $(call objs,tests/e2e/kam_parse_test.c modules/sdes/kam_flags.c \
                     modules/sdes/kam_relayspec.c modules/sdes/kam_engine.c \
                     modules/sdes/kam_audit.c modules/sdes/kam_ctlmsg.c \
                     modules/sdes/kam_mirror.c modules/sdes/kam_callstate.c \
                     modules/sdes/kam_pending.c modules/sdes/kam_bind.c) \
                     $(SDES_LIB) $(CTL_LIB) $(SRTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto
UNIT_TESTS += $(KAM_PARSE_TEST)

# Re-offers from the answerer's side (modules/sdes/kam_mirror.c) through the
# SDES engine, as sdes.so runs them.
KAM_MIRROR_TEST := $(BUILD)/tests/kam_mirror_test
$(KAM_MIRROR_TEST): $(call objs,tests/e2e/kam_mirror_test.c modules/sdes/kam_ctlmsg.c \
                      modules/sdes/kam_mirror.c) $(SDES_LIB) $(CTL_LIB) $(SRTP_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto
UNIT_TESTS += $(KAM_MIRROR_TEST)

# What sdes.so leaves of a body it refused, and the c= addresses it refuses
# up front (modules/sdes/kam_sdpsafe.c).
KAM_SDPSAFE_TEST := $(BUILD)/tests/kam_sdpsafe_test
$(KAM_SDPSAFE_TEST): $(call objs,tests/e2e/kam_sdpsafe_test.c modules/sdes/kam_sdpsafe.c) \
                       $(SDES_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@ -lcrypto
UNIT_TESTS += $(KAM_SDPSAFE_TEST)
