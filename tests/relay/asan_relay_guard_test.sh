#!/bin/bash
# tests/relay/asan_relay_guard_test.sh — the hijack, STUN and log-escaping
# tests against srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_guard_test"
