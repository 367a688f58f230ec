#!/bin/bash
# tests/relay/relay-ha-asan.sh — the high-availability tests (store,
# recovery, takeover, sealing) against srtpd built with ASan+UBSan
# (build/asan-srtpd), 20 calls: memory errors and leaks at exit in the
# store's writer thread, the codec and the recovery path.
exec env SRTPD="${BUILD:-build}/asan-srtpd" HA_CALLS=20 "${BUILD:-build}/tests/relay_ha_test"
