#!/bin/bash
# tests/e2e/sdes-dialogs.sh — call lifecycles through sdes.so. Kamailio keeps no per-call state of its own
# (the engine state lives in srtpd), so a restart of Kamailio in the middle
# of a call loses nothing: media keeps flowing through srtpd while Kamailio
# is down, the new Kamailio handles the call's hold/unhold re-INVITEs (it
# finds the call by asking srtpd) and its BYE (audit line, srtpd deletes
# the call). Also a CANCELled call and a call the callee refuses (486)
# leave nothing in srtpd. A phone with 16-byte MKIs (RFC 4568 allows
# 1..128; srtpd's protocol carries the value beside the length) connects.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-dialogs
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"

check "srtpd runs" srtpd_start

INSIDE=$(free_udp_port)
KAM_FIXED_PORT=$(free_udp_port)
start() { kam_start cfg/legacy-pbx.cfg -A "RELAY=\"$RELAY_SPEC\"" -A "INSIDE_PORT=$INSIDE"; }

if start; then
  pass "legacy-pbx.cfg starts with srtpd"
  # PBX -> phone, 5 s of media; Kamailio restarts at 1 s; the PBX holds
  # the phone at 2.5 s and resumes at 3.5 s, through the new Kamailio.
  ua_uas rs-uas phone --seconds 5 || fail "restart: callee starts" "no port"
  ua_uac rs-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" \
    --seconds 5 --hold-at 2.5 --unhold-at 3.5 --min-percent 40 &
  UAC=$!
  sleep 1.0
  check "restart: srtpd holds the call before the restart" test "$(srtpd_calls)" = 1
  kam_stop
  mv "$WORK/kamailio.log" "$WORK/kamailio-first.log"
  DOWN_AT=$(date +%s.%N)
  check "restart: Kamailio comes back on the same ports" start
  echo "Kamailio was down for $(python3 -c "import sys,time; print(round(time.time()-float(sys.argv[1]),2))" "$DOWN_AT") s"
  wait $UAC
  ua_wait rs-uas
  check "restart: caller ok (hold/unhold re-INVITEs answered by the new Kamailio)" ua_ok rs-uac
  check "restart: callee ok" ua_ok rs-uas
  check "restart: the phone was held by a re-INVITE through the new Kamailio" \
    bash -c "grep -qE 'held-slots=[1-9]' '$WORK/rs-uas.out'"
  check "restart: media both ways intact across the restart" both_ways rs
  check "restart: no SRTP failures at the phone" ua_has rs-uas "srtp-failed=0"
  check "restart: the new Kamailio rejected nothing and logged no error (re-offers found the call in srtpd)" \
    bash -c "! grep -qE 'ERROR|rejected' '$KAM_LOG'"
  check "restart: the new Kamailio wrote the call's audit line at BYE" \
    grep -q "sdes audit: Call-ID" "$KAM_LOG"
  check "restart: srtpd holds no call after the BYE" test "$(srtpd_calls)" = 0

  # CANCEL while ringing (183 with SDP: srtpd has the full call) -> gone.
  ua_uas cx-uas phone --ring 3 --early-media || fail "cancel: callee starts" "no port"
  ua_uac cx-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" --cancel-after 1
  ua_wait cx-uas
  check "cancel: CANCEL 200 + INVITE 487 through sdes" ua_ok cx-uac
  sleep 0.3
  check "cancel: srtpd holds no call after the CANCEL" test "$(srtpd_calls)" = 0
  check "cancel: audit line for the cancelled call" test "$(grep -c 'sdes audit: Call-ID' "$KAM_LOG")" -ge 2

  # A final failure from the callee (486): failure_route's sdes_delete
  # removes the call srtpd created for the offer.
  rm -f "$WORK/busy.port"
  python3 "$E2E_ROOT/tests/e2e/sip_busy.py" "$WORK/busy.port" 486 8 &
  E2E_PIDS+=($!)
  for i in $(seq 50); do [ -s "$WORK/busy.port" ] && break; sleep 0.1; done
  ua_uac busy-uac pbx --to "sip:bob@127.0.0.1:$(cat "$WORK/busy.port")" \
    --proxy "127.0.0.1:$INSIDE" --expect-code 486
  check "failure: the PBX gets the callee's 486 through sdes" ua_ok busy-uac
  sleep 0.3
  check "failure: srtpd holds no call after the 486" test "$(srtpd_calls)" = 0
  check "failure: audit line for the refused call" test "$(grep -c 'sdes audit: Call-ID' "$KAM_LOG")" -ge 3

  # The phone answers with MKI value 1 in 16 bytes (|1:16).
  ua_uas lm-uas phone --mki 16 || fail "long MKI: callee starts" "no port"
  ua_uac lm-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE"
  ua_wait lm-uas
  check "long MKI: PBX -> phone answering with |1:16: caller ok" ua_ok lm-uac
  check "long MKI: callee ok, no SRTP failures" bash -c "grep -q '^ua: result=ok' '$WORK/lm-uas.out' && grep -q 'srtp-failed=0' '$WORK/lm-uas.out'"
  check "long MKI: media both ways intact" both_ways lm
  check "restart: Kamailio alive" kam_alive
  kam_stop
  check "restart: no key material in either Kamailio log" \
    bash -c "! grep -q 'inline:' '$WORK/kamailio-first.log' '$KAM_LOG'"
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
summary
