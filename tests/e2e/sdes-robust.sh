#!/bin/bash
# tests/e2e/sdes-robust.sh — sdes.so under failure, with real srtpd and
# Kamailio (cfg/legacy-pbx.cfg as shipped):
#   relay failover: two srtpd configured (equal weights), one stopped: every
#     new call still connects with media, on the one that runs;
#   bad input during a running call: garbage SDP, a broken a=crypto line and
#     a non-SDP body each get a clear reply, Kamailio keeps running and the
#     running call's media arrives intact.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-robust
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"

srtpd_run() { # NAME SOCKET PMIN
  "$E2E_BUILD/srtpd" --listen "$2" --port-min "$3" --port-max $(($3 + 99)) \
    --media-timeout 0 >"$WORK/$1.log" 2>&1 &
  E2E_PIDS+=($!)
  eval "${1}_PID=$!"
}
A_SOCK=unix:$WORK/relay-a.sock; B_SOCK=unix:$WORK/relay-b.sock
PMIN=$((20000 + ($$ % 150) * 200))
srtpd_run relayA "$A_SOCK" "$PMIN"
srtpd_run relayB "$B_SOCK" $((PMIN + 100))
sleep 0.3
check "two srtpd run" kill -0 "$relayA_PID" "$relayB_PID"

call() { # NAME PROXYPORT CALLER CALLEE [callee args] -- [caller args]
  local name=$1 port=$2 a=$3 b=$4; shift 4
  local bargs=() aargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do bargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  aargs=("$@")
  ua_uas "$name-uas" "$b" --seconds 2 "${bargs[@]}" || { fail "$name" "callee did not start"; return; }
  ua_uac "$name-uac" "$a" --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$port" \
    --seconds 2 "${aargs[@]}"
  ua_wait "$name-uas"
}

INSIDE=$(free_udp_port)
if ! kam_start cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE" \
     -A "RELAY=\"$A_SOCK=1 $B_SOCK=1\""; then
  fail "legacy-pbx.cfg starts with two relays" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "legacy-pbx.cfg starts with two relays"

# Both up: calls spread by weight (4 calls; each relay very likely gets one,
# but only "every call works" is asserted).
for i in 1 2 3 4; do
  call "up$i" "$INSIDE" pbx phone
  check "both relays up: call $i connects with media both ways" both_ways "up$i"
done

kill "$relayA_PID"; wait "$relayA_PID" 2>/dev/null
for i in 1 2 3; do
  call "fo$i" "$INSIDE" pbx phone
  check "relay A stopped: call $i connects (failover to B)" ua_ok "fo$i-uac"
  check "relay A stopped: call $i media both ways" both_ways "fo$i"
done
check "relay B carried the calls after A stopped" \
  test "$(grep -c 'offer, 1 stream' "$WORK/relayB.log")" -ge 3
check "Kamailio logged relay A down" grep -q "relay $A_SOCK is down" "$KAM_LOG"

# Bad input while a call runs.
ua_uas run-uas phone --seconds 4 || fail "running call" "callee did not start"
ua_uac run-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" --seconds 4 &
RUN_PID=$!
sleep 0.8
printf 'this is not SDP\r\nat all\r\n' >"$WORK/garbage.sdp"
ua_uac garbage pbx --to "sip:bob@127.0.0.1:9" --proxy "127.0.0.1:$INSIDE" --timeout 10 \
  --offer-file "$WORK/garbage.sdp" --expect-code 400
check "garbage SDP -> 400 Bad SDP with the reason" ua_has garbage "final=400 Bad SDP: malformed SDP"
printf 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!notbase64!!\r\n' >"$WORK/badcrypto.sdp"
ua_uac badcrypto phone --to "sip:bob@127.0.0.1:9" --proxy "127.0.0.1:$KAM_PORT" --timeout 10 \
  --offer-file "$WORK/badcrypto.sdp" --expect-code 488
check "broken a=crypto (decrypt require) -> 488 with the reason" ua_has badcrypto "final=488 NO_ACCEPTABLE_CRYPTO"
printf 'hello\r\n' >"$WORK/text.body"
ua_uac textbody pbx --to "sip:bob@127.0.0.1:9" --proxy "127.0.0.1:$INSIDE" --timeout 10 \
  --offer-file "$WORK/text.body" --content-type text/plain --expect-code 400
check "non-SDP body -> 400 with the reason" ua_has textbody "final=400 Bad SDP: body is not application/sdp"
wait "$RUN_PID"; ua_wait run-uas
check "the running call was unaffected: caller ok" ua_ok run-uac
check "the running call was unaffected: media both ways intact" both_ways run
check "Kamailio still running" kam_alive
kam_stop
check "no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"

[ "$E2E_FAIL" = 0 ] || { for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done; grep -E "sdes|ERROR|WARN" "$KAM_LOG" | tail -30; }
summary
