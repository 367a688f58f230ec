#!/bin/bash
# tests/e2e/sdes-events.sh — srtpd's events in Kamailio and calls lost with
# their relay, through the shipped example cfg/relay-events.cfg:
#   1. a call whose media stops (the parties send none): srtpd's
#      media-timeout (2 s) reaches event_route[sdes:media-timeout] with the
#      call's Call-ID, From-tag and To-tag; the example's dlg_get() +
#      dlg_bye("all") sends a BYE to both sides; the audit line says lost.
#   2. a call whose relay restarts without it (SIGKILL, start again): the
#      caller's BYE finds it on no relay and writes the "lost" audit line.
#   3. a key that lives 100 packets: event_route[sdes:soft-limit] and
#      [sdes:key-exhausted] run with the stream and leg; the example ends
#      the call.
# The parties are tests/e2e/sip_pair.py (no media) and e2e-ua.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-events
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_UA" "the test agents"
RELAY_SPEC=unix:$WORK/srtpd.sock
PMIN=$((23000 + ($$ % 200) * 50))
start_relay() {
  "$E2E_BUILD/srtpd" --listen "$RELAY_SPEC" --interface 127.0.0.1 --port-min $PMIN \
    --port-max $((PMIN + 49)) --media-timeout 2 >>"$WORK/srtpd.log" 2>&1 &
  SRTPD_PID=$!
  E2E_PIDS+=($SRTPD_PID)
  for _ in $(seq 50); do ctl ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
check "srtpd starts (media-timeout 2 s)" start_relay
if ! kam_start cfg/relay-events.cfg -A "RELAY=\"$RELAY_SPEC\""; then
  fail "cfg/relay-events.cfg starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "cfg/relay-events.cfg starts"
check "events process started" grep -q "polling relay events every 500 ms (4 event route(s)" "$KAM_LOG"

crlf() { sed 's/$/\r/' >"$WORK/$1"; }
printf 'v=0\no=- 7 7 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 41110 RTP/SAVP 0\na=rtpmap:0 PCMU/8000\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\n' | crlf offer.sdp
printf 'v=0\no=- 9 9 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 42220 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n' | crlf answer.sdp

# ---- 1. media stops: the event route ends the dialog on both sides
timeout 30 python3 "$E2E_ROOT/tests/e2e/sip_pair.py" --proxy "$KAM_PORT" --out "$WORK/mt" \
  --offer "$WORK/offer.sdp" --answer "$WORK/answer.sdp" --wait 6 --timeout 20 >"$WORK/mt.log" 2>&1
ev() { grep -q -- "$2" "$WORK/$1/events.txt" 2>/dev/null; }
CID=$(sed -n 's/^call-id //p' "$WORK/mt/events.txt")
check "call answered 200" ev mt "caller final 200"
check "caller got the BYE" ev mt "caller bye"
check "callee got the BYE" ev mt "callee bye"
FTAG=$(grep -m1 -io '^From:.*tag=[^;[:space:]]*' "$WORK/mt/callee-"*.msg | head -1 | sed 's/.*tag=//')
TTAG=$(grep -m1 -io '^To:.*tag=[^;[:space:]]*' "$WORK/mt/caller-"*.msg | head -1 | sed 's/.*tag=//')
check "event route ran with Call-ID, From-tag and To-tag" \
  grep -qF "media timeout: Call-ID $CID from-tag $FTAG to-tag $TTAG relay $RELAY_SPEC" "$KAM_LOG"
check "tags known (not empty)" [ -n "$FTAG" -a -n "$TTAG" ]
check "dialog ended by the example" grep -qF "Call-ID $CID ended (BYE both sides)" "$KAM_LOG"
check "audit line: lost by media-timeout" \
  grep -qF "sdes audit: Call-ID $CID: lost: media-timeout on relay $RELAY_SPEC" "$KAM_LOG"
check "srtpd holds no call" [ "$(srtpd_calls)" = 0 ]

# ---- 2. the relay restarts without the call: the BYE writes "lost"
ua_uas lost-uas pbx --seconds 4 || fail "callee starts" "no port"
ua_uac lost-uac phone --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$KAM_PORT" \
  --seconds 4 --min-percent 0 --max-srtp-fail 100000 &
UPID=$!
sleep 1.5
LCID=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[0]["call-id"] if c else "")')
check "the call is on srtpd" [ -n "$LCID" ]
kill -9 $SRTPD_PID; wait $SRTPD_PID 2>/dev/null
check "srtpd restarts" start_relay
wait $UPID; ua_wait lost-uas
check "BYE writes the lost audit line" \
  grep -qF "sdes audit: Call-ID $LCID: lost: no relay holds the call at BYE" "$KAM_LOG"
check "no final-statistics audit line for it" bash -c "! grep -F 'sdes audit: Call-ID $LCID: m=' '$KAM_LOG'"
check "no key in Kamailio's log" bash -c "! grep -q 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk' '$KAM_LOG'"
# ---- 3. key events: our key toward the phone lives 100 packets
# (default_flags lifetime=100): soft-limit, then key-exhausted, whose
# route in the example ends the call.
kam_stop
if kam_start cfg/relay-events.cfg -A "RELAY=\"$RELAY_SPEC\"" -A 'DEFAULT_FLAGS="lifetime=100"'; then
  ua_uas key-uas pbx --seconds 4 --min-percent 0 || fail "callee starts" "no port"
  ua_uac key-uac phone --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$KAM_PORT" \
    --seconds 4 --min-percent 0 --max-srtp-fail 100000
  ua_wait key-uas
  KCID=$(grep -o 'Call-ID [^ ]* stream 0 leg a: a re-INVITE' "$KAM_LOG" | head -1 | cut -d' ' -f2)
  check "event_route[sdes:soft-limit] ran with stream 0, leg a" [ -n "$KCID" ]
  check "event_route[sdes:key-exhausted] ran and ended the call" \
    grep -qF "key exhausted: Call-ID $KCID stream 0 leg a: ending the call" "$KAM_LOG"
  check "the callee got the BYE (stopped sending early)" [ "$(ua_field key-uas sent)" -lt 200 ]
  check "one audit line for the call, none of them 'lost'" \
    [ "$(grep -cF "sdes audit: Call-ID $KCID:" "$KAM_LOG")" = 1 -a "$(grep -cF "sdes audit: Call-ID $KCID: lost" "$KAM_LOG")" = 0 ]
else
  fail "cfg/relay-events.cfg starts with default_flags" "$(tail -5 "$KAM_LOG")"
fi
[ "$E2E_FAIL" = 0 ] || { cat "$WORK/mt.log"; cat "$WORK/mt/events.txt"; tail -40 "$KAM_LOG"; tail -20 "$WORK/srtpd.log"; }
summary
