#!/bin/bash
# tests/relay/relay-keys-asan.sh — the srtpd modes, suites and rekey
# process tests against srtpd built with ASan+UBSan (build/asan-srtpd).
exec env SRTPD="${BUILD:-build}/asan-srtpd" "${BUILD:-build}/tests/relay_keys_test"
