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
              "tests/e2e/attack-answers.sh" \
              "tests/e2e/sdes-events.sh" "tests/e2e/sdes-drain.sh" \
              "tests/e2e/sdes-relocate.sh" "tests/e2e/sdes-events-kemi.sh" \
              "tests/e2e/net-namespaces.sh" \
              "tests/e2e/kam-params.sh" "tests/e2e/sdes-stats.sh" \
              "tests/e2e/kemi-legacy-pbx.sh" "tests/e2e/sdes-debug.sh" \
              "tests/e2e/sdes-race.sh"
# srtpd's metrics and run-time log level in a call through Kamailio.
SLOW_TESTS += "tests/e2e/srtpd-metrics.sh"
# RTCP ports srtpd takes elsewhere than port + 1 reach the SDP as a=rtcp.
SLOW_TESTS += "tests/e2e/sdes-rtcp-port.sh"
# A standby srtpd takes a killed one's calls over (Redis), through Kamailio.
SLOW_TESTS += "tests/e2e/sdes-takeover.sh"
