#!/bin/bash
# tests/e2e/sdes-module.sh — build/sdes.so in Debian's Kamailio 5.6.3
# (tests/e2e/sdes-skeleton.cfg), driven by real INVITEs from the e2e-ua
# agents. Checks what the module does today, for real:
#   - it loads (version/flags match), start-up checks refuse bad flags and
#     an unauthenticated remote relay;
#   - RPC sdes.relays/stats/rekey/list and kex statistics;
#   - sdes_check, judged by the SDES engine: 488 with the engine's reason
#     for a plain offer under require and for 32-bit tags under strong; an
#     acceptable offer passes, $sdes(suite) names the suite, the call and
#     its media go through;
#   - bad input (garbage SDP, non-SDP body, SDP without media, bad runtime
#     flags) gets a clear reply and log line, Kamailio keeps running and a
#     plain call afterwards still carries media both ways;
#   - offer/answer/delete with no srtpd behind the relay address answer -3
#     (relay unreachable) with a reason instead of pretending to succeed
#     (calls through a real srtpd: sdes-call.sh).
. "$(dirname "$0")/lib.sh"
e2e_init sdes-module
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
CFG=tests/e2e/sdes-skeleton.cfg

check "kamailio -c loads build/sdes.so" kam_check $CFG
check "module came from build/" grep -q "build/" "$WORK/kamailio-check.log"

# Start-up refusals: a typo in constant flags, a remote relay without secret.
if kam_start $CFG -A 'SDES_TEST_FLAGS="mode=encrypt suites=AES_CM_128_HMAC_SHA1_99"'; then
  fail "bad constant flags stop Kamailio" "it started"; kam_stop
else
  check "bad constant flags stop Kamailio with the reason" \
    grep -q "unknown crypto suite 'AES_CM_128_HMAC_SHA1_99'" "$KAM_LOG"
fi
if kam_start $CFG -A REMOTE_RELAY; then
  fail "remote relay without secret stops Kamailio" "it started"; kam_stop
else
  check "remote relay without secret stops Kamailio" grep -q "not on loopback and no secret" "$KAM_LOG"
fi
if kam_start $CFG -A REMOTE_RELAY -A WITH_SECRET; then
  pass "remote relay with a secret starts"
  check "secret never logged" bash -c "! grep -q 'e2e-test-secret' '$KAM_LOG'"
  kam_stop
else
  fail "remote relay with a secret starts" "see $KAM_LOG"
fi

if ! kam_start $CFG; then
  fail "kamailio with sdes.so starts" "see $KAM_LOG"; tail -30 "$KAM_LOG"; summary; exit 1
fi
pass "kamailio with sdes.so starts on 127.0.0.1:$KAM_PORT"
check "mod_init reports defaults and relays" grep -q \
  "sdes: defaults mode=encrypt policy=optional suites=AES_CM_128_HMAC_SHA1_80,AEAD_AES_256_GCM mki=1 lifetime=2^31; 2 relay(s)" "$KAM_LOG"

R=$(kam_rpc sdes.relays)
check "sdes.relays lists udp:127.0.0.1:47001 weight 2" bash -c "grep -A1 'udp:127.0.0.1:47001' <<<'$R' | grep -q 'weight: 2'"
check "sdes.relays lists udp:[::1]:47002" grep -q 'udp:\[::1\]:47002' <<<"$R"
check "sdes.relays: no ping round yet -> unchecked" grep -q 'state: unchecked' <<<"$R"
check "sdes.rekey with every relay down: 502 from the relays, not faked" bash -c "kamcmd -s 'unix:$WORK/run/kamailio_ctl' sdes.rekey abc 2>&1 | grep -q 'error: 502'"
check "sdes.list with no relay answering -> 503, not an empty pretend list" bash -c "kamcmd -s 'unix:$WORK/run/kamailio_ctl' sdes.list 2>&1 | grep -q '503'"

call() { # NAME USER CALLER CALLEE [callee args] -- [caller args]
  local name=$1 user=$2 a=$3 b=$4; shift 4
  local bargs=() aargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do bargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  aargs=("$@")
  ua_uas "$name-uas" "$b" --seconds 1 --timeout 10 "${bargs[@]}" || { fail "$name" "callee did not start"; return; }
  ua_uac "$name-uac" "$a" --to "sip:$user@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$KAM_PORT" \
    --seconds 1 --timeout 10 "${aargs[@]}"
}
# Caller-only request (the callee is never reached): no callee process.
ask() { # NAME USER ROLE [caller args]
  local name=$1 user=$2 role=$3; shift 3
  ua_uac "$name" "$role" --to "sip:$user@127.0.0.1:9" --proxy "127.0.0.1:$KAM_PORT" \
    --seconds 1 --timeout 10 "$@"
}
both_ways() {
  local s1 r1 s2 r2
  s1=$(ua_field "$1-uac" sent); r2=$(ua_field "$1-uas" intact)
  s2=$(ua_field "$1-uas" sent); r1=$(ua_field "$1-uac" intact)
  [ -n "$s1" ] && [ "$s1" -gt 0 ] && [ "$s1" = "$r2" ] && [ "$s2" = "$r1" ]
}

call plain plain pbx pbx
ua_wait plain-uas
check "plain call through Kamailio+sdes.so ok" ua_ok plain-uac
check "plain call media both ways" both_ways plain
check "\$sdes() is \$null where no sdes function ran" grep -q "test: plain rc=1 sdes-rc=<null>" "$KAM_LOG"

ask nocrypto check pbx --expect-code 488
check "sdes_check(require): offer without a=crypto -> 488" ua_ok nocrypto
check "488 reason from \$sdes(reason) (the engine's)" ua_has nocrypto \
  "final=488 SRTP_REQUIRED: plain RTP but the policy requires SRTP (m=0 RTP/AVP without a=crypto)"
check "policy rejection logged with Call-ID" grep -q \
  "sdes_check: Call-ID .*: SRTP_REQUIRED: plain RTP but the policy requires SRTP .*(rc -2)" "$KAM_LOG"

# An acceptable SRTP offer passes sdes_check: the call goes through untouched.
call checkok check phone phone
ua_wait checkok-uas
check "sdes_check(require) passes an acceptable SRTP offer: call ok" ua_ok checkok-uac
check "... media both ways (phones' own SRTP)" both_ways checkok
check "... \$sdes(suite) names the accepted suite" grep -q \
  "test: check rc=1 sdes-rc=1 mode=encrypt suite=AES_CM_128_HMAC_SHA1_80 " "$KAM_LOG"

# strong: 32-bit tags are refused; an offer with a strong suite too passes
# and the policy's preference picks it.
ask weak strong phone --suite AES_CM_128_HMAC_SHA1_32 --expect-code 488
check "sdes_check(strong): only a 32-bit-tag suite -> 488 with the engine's reason" ua_has weak \
  "final=488 NO_ACCEPTABLE_CRYPTO: no acceptable a=crypto (m=0: auth tag shorter than policy min-tag)"
call mixed strong phone phone --suite AEAD_AES_256_GCM -- --suite AES_CM_128_HMAC_SHA1_32 --suite AEAD_AES_256_GCM
ua_wait mixed-uas
check "sdes_check(strong): weak + strong offer passes" ua_ok mixed-uac
check "... and the accepted suite is the strong one" grep -q "test: strong rc=1 .*suite=AEAD_AES_256_GCM " "$KAM_LOG"

ask offer offer pbx --expect-code 503
check "sdes_offer without a relay: -3 (503), not a pretend success" ua_has offer \
  "final=503 Media Relay Unreachable"

printf 'this is not SDP\r\nat all\r\n' >"$WORK/garbage.sdp"
ask garbage check pbx --offer-file "$WORK/garbage.sdp" --expect-code 400
check "garbage SDP -> 400 Bad SDP" ua_ok garbage
check "garbage SDP reason" ua_has garbage "final=400 Bad SDP: malformed SDP"

printf 'hello\r\n' >"$WORK/text.body"
ask textbody check pbx --offer-file "$WORK/text.body" --content-type text/plain --expect-code 400
check "non-SDP body -> 400 'body is not application/sdp'" ua_has textbody "final=400 Bad SDP: body is not application/sdp"

printf 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n' >"$WORK/nomedia.sdp"
ask nomedia check pbx --offer-file "$WORK/nomedia.sdp" --expect-code 400
check "SDP without m= (Kamailio parser rejects) -> 400" ua_has nomedia "final=400 Bad SDP: malformed SDP"

ask badflags varflags pbx --header "X-Sdes-Flags: mode=encrypt suites=NOPE" --expect-code 500
check "bad runtime flags -> -1 with the reason" ua_has badflags "final=500 sdes error: bad flags: unknown crypto suite 'NOPE'"

call answer answer pbx pbx
ua_wait answer-uas
# sdes_answer fails here (no relay): the script ignores it, so the 200
# reaches the caller with sdes.so's neutral body: every stream rejected,
# none of the callee's SDP (fail closed, docs/sdes-module.md "Refused SDP").
check "sdes_answer failing in onreply_route: the 200 reaches the caller with every stream rejected" \
  ua_has answer-uac "sdp-received: v=0 | o=- [0-9]* 1 IN IP4 0.0.0.0 | s=- | c=IN IP4 0.0.0.0 | t=0 0 | m=audio 0 RTP/AVP 0$"
check "sdes_answer ran on the 200 and said -3 (no relay holds the call)" grep -q "test: sdes_answer on 200 rc=-3 reason=" "$KAM_LOG"
check "sdes_delete ran on BYE: no relay answers here -> -3 with the reason" grep -q "test: sdes_delete rc=-3 reason=no relay answered" "$KAM_LOG"

check "Kamailio still running after bad input" kam_alive
call after plain pbx pbx
ua_wait after-uas
check "a plain call after the bad input still works" ua_ok after-uac
check "... with media both ways" both_ways after

S=$(kam_rpc sdes.stats)
check "sdes.stats offers_rejected = 2" grep -qE 'offers_rejected: 2$' <<<"$S"
check "sdes.stats bad_sdp = 3" grep -qE 'bad_sdp: 3$' <<<"$S"
check "sdes.stats calls_encrypted = 0 (nothing was)" grep -qE 'calls_encrypted: 0$' <<<"$S"
K=$(kam_rpc stats.get_statistics sdes:)
check "kex statistics agree: sdes:offers_rejected = 2" grep -q 'sdes:offers_rejected = 2' <<<"$K"
check "kex statistics agree: sdes:bad_sdp = 3" grep -q 'sdes:bad_sdp = 3' <<<"$K"

kam_stop
check "no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"

if [ "$E2E_FAIL" != 0 ]; then
  for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done
  echo "---- rpc"; echo "$R"; echo "$S"; echo "$K"
  echo "---- kamailio log"; grep -E "sdes|test:|ERROR" "$KAM_LOG" | tail -40
fi
summary
