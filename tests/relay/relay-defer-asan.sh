#!/bin/bash
# tests/relay/relay-defer-asan.sh — relay_defer_test (an offer's attach not
# waited for) against srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_defer_test"
