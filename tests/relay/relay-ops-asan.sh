#!/bin/bash
# tests/relay/relay-ops-asan.sh — the srtpd operations tests (log
# level, metrics) against srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_ops_test"
