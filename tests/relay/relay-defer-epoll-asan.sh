#!/bin/bash
# tests/relay/relay-defer-epoll-asan.sh — relay_defer_test against srtpd
# built with ASan+UBSan (build/asan-srtpd) in its epoll loop
# (SRTPD_NO_MULTISHOT=1): jobs run in the middle of a round there hold
# their completion until the round ends, or the control thread would free
# a stream the round's event list still points at (test_jobs_mid_round
# fails with a heap-use-after-free when they do not).
exec env SRTPD="${BUILD:-build}/asan-srtpd" SRTPD_NO_MULTISHOT=1 "${BUILD:-build}/tests/relay_defer_test"
