# tests/golden/golden.mk — golden SDP pairs of the SDES engine, run through
# build/sdes-sdp by tests/golden/golden-sdes-sdp.sh (see that script for the
# file layout; UPDATE=1 regenerates the expected files for review).
SLOW_TESTS += "tests/golden/golden-sdes-sdp.sh $(BUILD)/sdes-sdp"
