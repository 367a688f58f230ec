#!/bin/bash
# scripts/demo.sh — `make demo`: a real call between the two test agents
# through srtpd and Kamailio with build/sdes.so and cfg/legacy-pbx.cfg, all
# on loopback, then a short report: the SDP each side saw (keys masked),
# suite and MKI per leg, packets sent/received and whether the audio
# arrived intact. Stops everything it started.
#
# It reports what really happened. While sdes.so does not yet rewrite SDP
# and drive srtpd, the call through the edge is refused (501 with the
# reason) and the demo says so and exits 1; the agents' own SRTP call
# (no edge in between) is shown first so the parts that work are visible.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. tests/e2e/lib.sh
e2e_init demo
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
SRTPD_PID=
demo_cleanup() {
  [ -n "$SRTPD_PID" ] && { kill "$SRTPD_PID" 2>/dev/null; wait "$SRTPD_PID" 2>/dev/null; }
  e2e_cleanup
}
trap demo_cleanup EXIT

say() { printf '%s\n' "$*"; }
report() { # NAME LABEL
  local f="$WORK/$1.out"
  say "  $2:"
  sed -n 's/^ua: sdp-sent: /    SDP sent:     /p; s/^ua: sdp-received: /    SDP received: /p;
          s/^ua: final=/    final:        /p; s/^ua: suite=/    suite:        /p;
          s/^ua: rtp /    packets:      /p; s/^ua: result=/    result:       /p' "$f"
}

say "== 1. The test agents alone: SRTP phone calls SRTP phone (libosip2 + libsrtp2)"
ua_uas direct-uas phone --seconds 3 --mki 1
ua_uac direct-uac phone --to "sip:bob@127.0.0.1:$UAS_PORT" --seconds 3 --mki 1
ua_wait direct-uas
report direct-uac "caller (phone)"
report direct-uas "callee (phone)"
direct_ok=0
ua_ok direct-uac && ua_ok direct-uas && direct_ok=1

say ""
say "== 2. srtpd"
RELAY_PORT=$(free_udp_port)
relay_ok=0
if [ -x "$E2E_BUILD/srtpd" ]; then
  "$E2E_BUILD/srtpd" --config cfg/srtpd.conf --listen "udp:127.0.0.1:$RELAY_PORT" \
    --port-min 41000 --port-max 41999 >"$WORK/srtpd.log" 2>&1 &
  SRTPD_PID=$!
  for _ in $(seq 50); do
    if "$E2E_BUILD/srtpctl" --socket "udp:127.0.0.1:$RELAY_PORT" --timeout 200 ping >/dev/null 2>&1; then
      relay_ok=1; break
    fi
    sleep 0.1
  done
fi
if [ $relay_ok = 1 ]; then say "  srtpd answers ping on udp:127.0.0.1:$RELAY_PORT"
else say "  srtpd not running (not built or no answer): see $WORK/srtpd.log"; fi

say ""
say "== 3. Legacy PBX (plain RTP) calls an SRTP phone through Kamailio + sdes.so (cfg/legacy-pbx.cfg)"
INSIDE=$(free_udp_port)
if ! kam_start cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE" -A "RELAY=\"udp:127.0.0.1:$RELAY_PORT\""; then
  say "  Kamailio did not start:"; tail -5 "$KAM_LOG"
  exit 1
fi
say "  Kamailio: outside udp:127.0.0.1:$KAM_PORT, PBX side udp:127.0.0.1:$INSIDE"
ua_uas edge-uas phone --seconds 3 --timeout 8
ua_uac edge-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" --seconds 3 --timeout 8
report edge-uac "legacy PBX (caller, inside)"
if grep -q '^ua: final=200' "$WORK/edge-uac.out"; then
  ua_wait edge-uas
  report edge-uas "SRTP phone (callee, outside)"
fi
kam_stop
say ""
say "== Summary"
say "  agents' direct SRTP call:            $([ $direct_ok = 1 ] && echo 'audio intact both ways' || echo FAILED)"
say "  srtpd:                               $([ $relay_ok = 1 ] && echo running || echo 'not running')"
if ua_ok edge-uac && ua_ok edge-uas 2>/dev/null; then
  say "  call through Kamailio + sdes.so:     audio intact both ways"
  exit 0
fi
reason=$(sed -n 's/^ua: final=//p' "$WORK/edge-uac.out")
say "  call through Kamailio + sdes.so:     NOT COMPLETED (final: ${reason:-none})"
say "  sdes.so checks offers with the SDES engine but does not yet rewrite SDP or drive"
say "  srtpd; until it does, sdes_offer/answer return -5 and the cfg answers 501 with that reason."
exit 1
