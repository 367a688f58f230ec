#!/bin/bash
# tests/e2e/sdes-rtcp-port.sh — RTCP ports srtpd takes elsewhere than
# port + 1 reach the SDP (docs/sdes-module.md "RTCP ports"): a call
# through Kamailio (cfg/edge-policy.cfg, passthrough) + sdes.so + srtpd
# starts with rtcp-mux on both legs (one port each), then a re-INVITE
# drops a=rtcp-mux while a test process holds the port above each RTP
# port. srtpd gives both legs other RTCP ports; each side's SDP must name
# its leg's port as a=rtcp (the caller's a=rtcp rewritten toward the
# callee, one added toward the caller whose callee wrote none), and RTCP
# must flow both ways on those ports. Then a call whose callee refuses
# rtcp-mux while leg a's port + 1 is held: the 200 toward the caller gets
# the port srtpd named in its reply to the answer (tests/e2e/rtcp_reoffer.py).
. "$(dirname "$0")/lib.sh"
e2e_init sdes-rtcp-port
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"

check "srtpd runs" srtpd_start

r() { sed -n "s/^$1 //p" "$WORK/rr/results.txt" | head -1; }
# qport LEG FIELD: srtpd's view of the call after the re-INVITE's packets.
qport() {
  python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))["streams"][0][sys.argv[2]]
print(s.get(sys.argv[3], ""))' "$WORK/rr/query.json" "$1" "$2" 2>/dev/null
}

if kam_start_relay cfg/edge-policy.cfg; then
  pass "edge-policy.cfg starts with srtpd"
  timeout 20 python3 "$E2E_ROOT/tests/e2e/rtcp_reoffer.py" --proxy "$KAM_PORT" --out "$WORK/rr" \
    --srtpctl "$E2E_BUILD/srtpctl" --socket "$RELAY_SPEC" >"$WORK/rr.log" 2>&1
  check "the scenario ran to the end (call, re-INVITE, BYE)" test "$(r done)" = 1
  AP=$(r leg-a-port); BP=$(r leg-b-port); RA=$(r re-rtcp-a); RB=$(r re-rtcp-b)
  echo "leg a port $AP, rtcp $RA; leg b port $BP, rtcp $RB"
  check "first call: rtcp-mux toward both sides" test "$(r first-mux-a)$(r first-mux-b)" = 11
  check "first call: RTP and muxed RTCP both ways (5 each)" \
    test "$(r first-rtp-a2b)$(r first-rtp-b2a)$(r first-rtcp-a2b)$(r first-rtcp-b2a)" = 5555
  check "the test held the port above each leg's RTP port" test "$(grep -c '^held ' "$WORK/rr/results.txt")" = 2
  check "re-INVITE: no a=rtcp-mux either way" test "$(r re-mux-a)$(r re-mux-b)" = 00
  check "re-INVITE: the RTP ports stay" test "$(r re-port-a)" = "$AP" -a "$(r re-port-b)" = "$BP"
  check "re-INVITE: one a=rtcp toward each side" test "$(r re-rtcp-lines-a)$(r re-rtcp-lines-b)" = 11
  check "re-INVITE: the callee's a=rtcp is neither port + 1 (held) nor the RTP port" \
    test -n "$RB" -a "$RB" != 0 -a "$RB" != $((BP + 1)) -a "$RB" != "$BP"
  check "re-INVITE: the caller's a=rtcp (added) is neither port + 1 (held) nor the RTP port" \
    test -n "$RA" -a "$RA" != 0 -a "$RA" != $((AP + 1)) -a "$RA" != "$AP"
  check "srtpd counted every RTCP packet on both legs (5 muxed + 5 on the own port, query)" \
    test "$(qport a rtcp-in)$(qport b rtcp-in)$(qport a rtcp-out)$(qport b rtcp-out)" = 10101010
  check "re-INVITE: srtpd's legs left rtcp-mux" test "$(qport a rtcp-mux)$(qport b rtcp-mux)" = 00
  check "re-INVITE: RTP both ways (5 each)" test "$(r re-rtp-a2b)$(r re-rtp-b2a)" = 55
  check "re-INVITE: RTCP both ways on the a=rtcp ports (5 each)" \
    test "$(r re-rtcp-a2b)$(r re-rtcp-b2a)" = 55
  check "srtpd holds no call after the BYE" test "$(srtpd_calls)" = 0

  # The answer takes leg a out of rtcp-mux (the callee refuses it) while
  # port + 1 is held: srtpd names leg a's RTCP port only in the answer's
  # reply, and sdes.so renames the a=rtcp of the 200 toward the caller.
  qport() { python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))["streams"][0][sys.argv[2]]
print(s.get(sys.argv[3], ""))' "$WORK/ra/query.json" "$1" "$2" 2>/dev/null; }
  r() { sed -n "s/^$1 //p" "$WORK/ra/results.txt" | head -1; }
  timeout 20 python3 "$E2E_ROOT/tests/e2e/rtcp_reoffer.py" --scenario answer --proxy "$KAM_PORT" \
    --out "$WORK/ra" --srtpctl "$E2E_BUILD/srtpctl" --socket "$RELAY_SPEC" >"$WORK/ra.log" 2>&1
  check "answer: the scenario ran to the end" test "$(r done)" = 1
  AP=$(r leg-a-port); RA=$(r ans-rtcp-a)
  echo "answer: leg a port $AP, rtcp $RA"
  check "answer: the offer toward the callee kept a=rtcp-mux" test "$(r offer-mux-b)" = 1
  check "answer: the test held leg a's port + 1" test "$(r held)" = $((AP + 1))
  check "answer: the 200 toward the caller has no a=rtcp-mux and one a=rtcp" \
    test "$(r ans-mux-a)$(r ans-rtcp-lines-a)" = 01
  check "answer: its a=rtcp is neither port + 1 (held) nor the RTP port" \
    test -n "$RA" -a "$RA" != 0 -a "$RA" != $((AP + 1)) -a "$RA" != "$AP"
  check "answer: the retransmitted 200 names the same port" test "$(r ans-rtcp-a-again)" = "$RA"
  check "answer: RTP both ways (5 each)" test "$(r ans-rtp-a2b)$(r ans-rtp-b2a)" = 55
  check "answer: RTCP both ways, the caller's on the a=rtcp port (5 each)" \
    test "$(r ans-rtcp-a2b)$(r ans-rtcp-b2a)" = 55
  check "answer: srtpd's leg a left rtcp-mux" test "$(qport a rtcp-mux)" = 0
  check "answer: sdes.so logged the renamed RTCP port" grep -q "a=rtcp names it" "$KAM_LOG"
  check "srtpd holds no call after the second BYE" test "$(srtpd_calls)" = 0

  # The same answer, then a re-INVITE from the caller: the state re-sent
  # with the renamed a=rtcp is conditional (if-version) and its version is
  # what the state cache keeps, so the re-INVITE, served from the cache,
  # is taken by srtpd at once (no conflict, no state fetched again).
  r() { sed -n "s/^$1 //p" "$WORK/rc/results.txt" | head -1; }
  absent() { ! grep -qE "$1" "$KAM_LOG"; }
  timeout 20 python3 "$E2E_ROOT/tests/e2e/rtcp_reoffer.py" --scenario answer-cache \
    --proxy "$KAM_PORT" --out "$WORK/rc" --srtpctl "$E2E_BUILD/srtpctl" --socket "$RELAY_SPEC" \
    >"$WORK/rc.log" 2>&1
  check "answer+re-INVITE: the scenario ran to the end" test "$(r done)" = 1
  check "answer+re-INVITE: the 200 was renamed" test -n "$(r ans-rtcp-a)"
  check "answer+re-INVITE: RTP toward the callee after the re-INVITE" test "$(r reinv-rtp-a2b)" = 5
  check "answer+re-INVITE: the re-sent state stored (no conflict)" \
    absent "a=rtcp was stored"
  check "answer+re-INVITE: the cached version was srtpd's (no re-run)" \
    absent "state changed meanwhile"
  check "srtpd holds no call after the third BYE" test "$(srtpd_calls)" = 0
  check "Kamailio alive" kam_alive
  kam_stop
else
  fail "edge-policy.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
[ "$E2E_FAIL" = 0 ] || { cat "$WORK"/r?.log "$WORK"/r?/results.txt 2>/dev/null; tail -30 "${KAM_LOG:-/dev/null}"; tail -20 "$WORK/srtpd.log"; }
summary
