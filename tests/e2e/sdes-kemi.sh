#!/bin/bash
# tests/e2e/sdes-kemi.sh — every KEMI export of sdes.so (KSR.sdes.*) called
# from a JavaScript routing script (app_jsdt, in Debian's kamailio package)
# on real INVITEs: each returns the same codes as the cfg functions, and
# $sdes() is readable from KEMI.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-kemi
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
CFG=tests/e2e/sdes-kemi.cfg

check "kamailio -c accepts the KEMI cfg" kam_check $CFG -A "KEMI_JS=\"$E2E_ROOT/tests/e2e/sdes-kemi.js\""
if ! kam_start $CFG -A "KEMI_JS=\"$E2E_ROOT/tests/e2e/sdes-kemi.js\""; then
  fail "kamailio with app_jsdt + sdes.so starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "kamailio with app_jsdt + sdes.so starts"

kemi() { # FN ROLE EXPECTED-FINAL-TEXT [caller args]
  local fn=$1 role=$2 want=$3; shift 3
  ua_uac "k-$fn-$role" "$role" --to "sip:$fn@127.0.0.1:9" --proxy "127.0.0.1:$KAM_PORT" \
    --timeout 10 --expect-code 488 "$@"
  check "KSR.sdes $fn ($role offer): $want" ua_has "k-$fn-$role" "final=488 kemi $fn $want"
}
# No srtpd behind the relay address: the call path ends in -3 (relay
# unreachable) once the policy has passed; -2 when it has not.
NW="reason="
kemi check pbx "rc=1 suite= reason="
kemi check phone "rc=1 suite=AES_CM_128_HMAC_SHA1_80 reason="
kemi check_policy pbx "rc=-2 suite= reason=SRTP_REQUIRED: plain RTP but the policy requires SRTP"
kemi check_policy phone "rc=1 suite=AES_CM_128_HMAC_SHA1_80 reason="
kemi offer pbx "rc=-3 suite= $NW"
kemi offer_flags pbx "rc=-2 suite= reason=SRTP_REQUIRED"
kemi offer_flags phone "rc=-3 suite= $NW"
kemi bad_flags pbx "rc=-1 suite= reason=bad flags: unknown mode 'nope'"
kemi answer pbx "rc=-3 suite= reason="
kemi answer_flags pbx "rc=-3 suite= reason="
kemi delete pbx "rc=-3 suite= reason="
kemi delete_flags pbx "rc=-3 suite= reason="
kemi rekey pbx "rc=-3 suite= reason="
kemi rekey_flags pbx "rc=-3 suite= reason="
# sdes_ack on anything but an ACK: a clear refusal.
kemi ack pbx "rc=-1 suite= reason=sdes_ack: not an ACK"
printf 'not sdp\r\n' >"$WORK/junk.sdp"
ua_uac k-junk pbx --to "sip:check@127.0.0.1:9" --proxy "127.0.0.1:$KAM_PORT" --timeout 10 \
  --expect-code 488 --offer-file "$WORK/junk.sdp"
check "KSR.sdes check on garbage SDP: rc=-4" ua_has k-junk "final=488 kemi check rc=-4 suite= reason=malformed SDP"
# A KEMI script that ignores a refused offer and relays it: the callee
# gets sdes.so's neutral body, none of the caller's address, port or key.
printf 'v=0\r\no=- 1 1 IN IP4 192.0.2.11\r\ns=-\r\nc=IN IP4 192.0.2.11\r\nt=0 0\r\nm=audio 41110 RTP/AVP 0\r\n' >"$WORK/plain.sdp"
timeout 20 python3 "$E2E_ROOT/tests/e2e/sip_pair.py" --proxy "$KAM_PORT" --out "$WORK/careless" \
  --header "X-Careless: decrypt require" --offer "$WORK/plain.sdp" --answer "$WORK/plain.sdp" \
  --wait 0.5 >"$WORK/careless.log" 2>&1
check "KSR.sdes offer refused and relayed anyway: the callee got every stream rejected" \
  grep -q '^m=audio 0 RTP/AVP 0' "$WORK/careless/callee-001.msg"
check "KSR.sdes offer refused and relayed anyway: nothing of the caller's SDP at the callee" \
  bash -c "! grep -qE '192.0.2.11|41110' '$WORK/careless/callee-001.msg'"
check "Kamailio still running" kam_alive
kam_stop
if [ "$E2E_FAIL" != 0 ]; then
  grep -h "final=" "$WORK"/*.out; tail -20 "$KAM_LOG"
fi
summary
