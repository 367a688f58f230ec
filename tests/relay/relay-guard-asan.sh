#!/bin/bash
# tests/relay/relay-guard-asan.sh — the hijack, STUN and log-escaping
# tests against srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_guard_test"
