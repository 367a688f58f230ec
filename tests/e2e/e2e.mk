# tests/e2e — end-to-end tests: the test user agents (e2e-ua: libosip2 +
# libsrtp2, nothing of ours) and scripts that run them directly, through a
# plain Kamailio, and through Kamailio with build/sdes.so.
E2E_UA_SRCS := $(wildcard tests/e2e/ua_*.c)
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
              "tests/e2e/attack-answers.sh" "tests/e2e/sdes-race.sh"
