#!/bin/bash
# tests/relay/relay-iface-asan.sh — the media interface tests (start-up
# refusals, legs per interface) against srtpd built with ASan+UBSan.
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_iface_test"
