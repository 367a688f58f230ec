#!/bin/bash
# tests/relay/relay-asan.sh — the srtpd media process tests against
# srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_test"
