# tests/phones — real softphones (Debian's baresip 1.0 and linphonec 5.1,
# headless, WAV tones in and out) through the cfg/ examples with Kamailio,
# build/sdes.so and build/srtpd: both directions, hold/resume, a rekey;
# media at each phone and no raw SDP at either (tests/phones/lib-phones.sh).
# Slow tests (make test only); about 45 s each.
SLOW_TESTS += "tests/phones/phones-legacy.sh" "tests/phones/phones-edge.sh" \
              "tests/phones/phones-rekey.sh"
