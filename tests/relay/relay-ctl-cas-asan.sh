#!/bin/bash
# tests/relay/relay-ctl-cas-asan.sh — the sdes-state compare-and-swap
# tests (relay_ctl_cas_test) against srtpd built with ASan+UBSan
# (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_ctl_cas_test"
