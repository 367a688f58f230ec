# tests/bench/calls.mk — the SIPp call-load bench (issue 5): Kamailio +
# sdes.so + srtpd against Kamailio + rtpengine module + RTPengine, same
# scenario (tests/bench/uac.xml, uas.xml), calls/s at 0 failed and the ratio.
# `make bench` runs the rate search; `make test` runs --smoke (a few calls
# through both setups, correctness only).
BENCHES    += scripts/calls-bench.sh
SLOW_TESTS += "scripts/calls-bench.sh --smoke"

# What a call costs srtpd: memory, descriptors, ports (operator guide, "Sizing").
BENCHES += tests/bench/footprint-bench.sh

# The long-call bench (issue 14): 10,000 one-stream calls held at once
# through both setups (tests/bench/uac-hold.xml, uas-hold.xml), 0 failed,
# the relays' RSS side by side. `make bench-sip` runs both SIP benches.
BENCHES    += scripts/sip-hold-bench.sh
SLOW_TESTS += "scripts/sip-hold-bench.sh --smoke"
.PHONY: bench-sip
bench-sip: deps
	$(MAKE) --no-print-directory build-all
	bash scripts/calls-bench.sh
	bash scripts/sip-hold-bench.sh
