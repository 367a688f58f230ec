#!/bin/bash
# tests/relay/relay-ctl-asan.sh — the srtpd control process tests
# against srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_ctl_test"
