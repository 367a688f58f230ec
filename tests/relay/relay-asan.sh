#!/bin/bash
# tests/relay/relay-asan.sh — the srtpd media path process tests (attacks,
# latching, rtcp-mux, IPv6, bursts, log, signals; relay_test) against
# srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_test"
