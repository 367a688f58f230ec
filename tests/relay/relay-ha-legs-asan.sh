#!/bin/bash
# tests/relay/relay-ha-legs-asan.sh — relay_ha_legs_test (one-port rtcp-mux
# legs on two named interfaces through a restart and a takeover) against
# srtpd built with ASan+UBSan (build/asan-srtpd): memory errors in the
# recovery of those legs abort srtpd and fail the test.
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_ha_legs_test"
