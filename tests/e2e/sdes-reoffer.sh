#!/bin/bash
# tests/e2e/sdes-reoffer.sh — re-offers from either side of a call through
# Kamailio + sdes.so + srtpd (RFC 3264 §8: either party may modify the
# session; RFC 3311 UPDATE). srtpd's legs are fixed by the first offer (leg
# a faces the caller); a re-offer from the callee must land on the same
# legs, keep unchanged keys (the contexts and their ROC stay), add a new key
# in place (old one accepted until the sender switches), leave hold without
# a rekey, and leave the call as it was when the other side rejects it.
# The scripts are the cfg/ examples as shipped: sdes_offer() with no flags
# in the in-dialog route, sdes_answer() in the reply route, for either
# direction. Every SRTP leg is checked by libsrtp2 inside the phone agent.
#   direct: the agents alone (the callee's re-offers work without a proxy)
#   legacy-pbx.cfg: phone -> PBX, the PBX (callee) holds and resumes;
#     PBX -> phone, the phone (callee) re-INVITEs with a new key;
#     PBX -> phone, the phone sends an UPDATE with SDP;
#     PBX -> phone, the PBX rejects the phone's rekey re-INVITE with 488,
#     then the phone's UPDATE goes through.
#   rekey-edge.cfg: the callee's X-Rekey re-INVITE rekeys all four
#     directions in place (sdes_rekey from leg b's side); the callee's
#     re-INVITE without SDP.
#   edge-policy.cfg: the callee's hold/unhold in passthrough mode.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-reoffer
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"

check "srtpd runs" srtpd_start

# used QUERYFILE LEG DIR: srtp-used of that leg/direction's first key.
used() {
  python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))["streams"][0][sys.argv[2]][sys.argv[3]]
print(s["keys"][0]["srtp-used"])' "$@" 2>/dev/null || echo 0
}
# log_count PATTERN: lines of Kamailio's log so far that match.
log_count() { grep -c -- "$1" "$KAM_LOG"; }

# ---- the agents alone: the callee's re-offers -------------------------------
call dhold - phone phone --hold-at 0.6 --unhold-at 1.4 --min-percent 40 -- --min-percent 40
check "direct: the callee's hold/unhold re-INVITEs: callee ok" ua_ok dhold-uas
check "direct: the callee's hold/unhold: caller ok (answered, paused while held)" \
  bash -c "grep -q '^ua: result=ok' '$WORK/dhold-uac.out' && grep -qE 'held-slots=[1-9]' '$WORK/dhold-uac.out'"
check "direct: the callee's hold/unhold: all sent arrived both ways" both_ways dhold
call drekey - phone phone --mki 1 --reinvite-at 1.0 --rekey -- --mki 1
check "direct: the callee's rekey re-INVITE: both ok" bash -c "grep -q 'result=ok' '$WORK/drekey-uas.out' && grep -q 'result=ok' '$WORK/drekey-uac.out'"
check "direct: the callee's rekey: both switched keys, zero loss" \
  bash -c "grep -q 'rekeyed=1 mki-received=.*,' '$WORK/drekey-uac.out' && grep -q 'rekeyed=1' '$WORK/drekey-uas.out'"
check "direct: the callee's rekey: all sent arrived both ways" both_ways drekey

call dlate - phone phone --reinvite-at 1.0 --late-reoffer
check "direct: the callee's re-INVITE without SDP (offer in the 200, answer in the ACK): both ok" \
  bash -c "grep -q 'result=ok' '$WORK/dlate-uas.out' && grep -q 'result=ok' '$WORK/dlate-uac.out'"
check "direct: late re-offer: the caller offered in its 200, the callee answered in the ACK" \
  bash -c "grep -q 'sdp-sent (offer in re-INVITE 200)' '$WORK/dlate-uac.out' && grep -q 'sdp-sent (ACK)' '$WORK/dlate-uas.out' && grep -q 'sdp-received (ACK)' '$WORK/dlate-uac.out'"
check "direct: late re-offer: all sent arrived both ways" both_ways dlate

# ---- legacy-pbx.cfg ---------------------------------------------------------
INSIDE=$(free_udp_port)
if kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts with srtpd"

  # Phone -> PBX (decrypt require): the PBX, the callee, holds at 0.5 s and
  # resumes at 1.0 s. srtpd is queried at 2.0 s: a context rebuilt by either
  # re-offer would have counted only the packets since (ROC restarted).
  R0=$(log_count "re-offer from leg b's side")
  QUERY_AT=2.0 call phold "$KAM_PORT" phone pbx --hold-at 0.5 --unhold-at 1.0 --min-percent 40 -- --min-percent 40
  check "legacy-pbx: PBX (callee) hold/unhold re-INVITEs toward the phone: callee ok" ua_ok phold-uas
  check "legacy-pbx: PBX hold/unhold: phone (caller) ok" ua_ok phold-uac
  check "legacy-pbx: sdes.so ran both as re-offers from leg b's side" \
    test $(( $(log_count "re-offer from leg b's side") - R0 )) -ge 2
  check "legacy-pbx: the phone got the hold as RTP/SAVP a=sendonly with a=crypto" \
    ua_has phold-uac "sdp-received (re-INVITE): .*RTP/SAVP.*a=sendonly.*a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<masked>"
  check "legacy-pbx: the phone got the re-INVITEs from Kamailio's outside port (loose_route)" \
    test "$(grep -c 're-offer INVITE from' "$WORK/phold-uac.out")" = 2 -a \
         "$(grep -c "re-offer INVITE from 127.0.0.1:$KAM_PORT\$" "$WORK/phold-uac.out")" = 2
  check "legacy-pbx: the PBX got the answers as RTP/AVP without a=crypto" \
    bash -c "[ \$(grep 'sdp-received (re-offer answer)' '$WORK/phold-uas.out' | grep 'RTP/AVP' | grep -vc crypto) = 2 ]"
  check "legacy-pbx: PBX hold: the phone paused while held" bash -c "grep -qE 'held-slots=[1-9]' '$WORK/phold-uac.out'"
  check "legacy-pbx: PBX hold/unhold: all sent arrived both ways (zero loss outside the hold)" both_ways phold
  AR=$(used "$WORK/phold.query" a recv); AS=$(used "$WORK/phold.query" a send)
  echo "legacy-pbx callee hold: srtp-used at 2.0 s: leg a recv $AR, leg a send $AS"
  # Kept: about 75 (recv: 0.5 s + 1.0 s of the phone's stream) and 100 (send);
  # rebuilt at the unhold: about 50 each.
  check "legacy-pbx: callee hold/unhold kept srtpd's contexts toward the phone (recv >= 65, send >= 85 uses at 2.0 s)" \
    test "${AR:-0}" -ge 65 -a "${AS:-0}" -ge 85
  check "legacy-pbx: callee hold/unhold: no SRTP failures at the phone" ua_has phold-uac "srtp-failed=0"

  # PBX -> phone (encrypt): the phone, the callee, re-INVITEs at 1.2 s with
  # a new key under MKI 2. srtpd's leg b (the phone's) adds it to the same
  # receive context and keeps MKI 1 until the phone switches.
  R0=$(log_count "rekeyed in place (ROC kept)")
  call prekey "$INSIDE" pbx phone --mki 1 --reinvite-at 1.2 --rekey
  check "legacy-pbx: phone (callee) re-INVITE with a new key: callee ok" ua_ok prekey-uas
  check "legacy-pbx: phone rekey: PBX (caller) ok" ua_ok prekey-uac
  check "legacy-pbx: phone rekey: the phone switched to its new key" ua_has prekey-uas "rekeyed=1"
  check "legacy-pbx: phone rekey: zero loss both ways" both_ways prekey
  check "legacy-pbx: phone rekey: leg b's receive context moved in place (ROC kept)" \
    test $(( $(log_count "rekeyed in place (ROC kept)") - R0 )) -ge 1
  check "legacy-pbx: phone rekey: srtpd holds the phone's old key (MKI 1) and its new one (MKI 2) on leg b (audit line)" \
    grep -qE "sdes audit: Call-ID .*b:SRTP recv=AES_CM_128_HMAC_SHA1_80/mki1,2( |$)" "$KAM_LOG"

  # PBX -> phone: the phone sends an UPDATE with SDP (RFC 3311) at 1.0 s.
  R0=$(log_count "re-offer from leg b's side")
  call pupdate "$INSIDE" pbx phone --update-at 1.0
  check "legacy-pbx: phone (callee) UPDATE with SDP: callee ok (200)" ua_ok pupdate-uas
  check "legacy-pbx: phone UPDATE: PBX ok" ua_ok pupdate-uac
  check "legacy-pbx: the PBX got the UPDATE as RTP/AVP from Kamailio's inside port" \
    bash -c "grep -q 're-offer UPDATE from 127.0.0.1:$INSIDE\$' '$WORK/pupdate-uac.out' && grep 'sdp-received (re-INVITE)' '$WORK/pupdate-uac.out' | grep 'RTP/AVP' | grep -qv crypto"
  check "legacy-pbx: phone UPDATE: a re-offer from leg b's side" \
    test $(( $(log_count "re-offer from leg b's side") - R0 )) -ge 1
  check "legacy-pbx: phone UPDATE: all sent arrived both ways" both_ways pupdate

  # PBX -> phone: the PBX rejects the phone's rekey re-INVITE (488); the
  # call goes on with the old keys, and the phone's UPDATE at 1.8 s then
  # works against the state as it was.
  call prej "$INSIDE" pbx phone --mki 1 --reinvite-at 0.8 --rekey --expect-reoffer-code 488 --update-at 1.8 \
    -- --reject-reoffer 488
  check "legacy-pbx: the PBX rejected the phone's re-INVITE with 488" \
    bash -c "grep -q 're-offer rejected with 488' '$WORK/prej-uac.out' && grep -q 'reinvite final=488' '$WORK/prej-uas.out'"
  check "legacy-pbx: rejected reverse re-offer, then an UPDATE: callee ok" ua_ok prej-uas
  check "legacy-pbx: rejected reverse re-offer: caller ok" ua_ok prej-uac
  check "legacy-pbx: rejected reverse re-offer: the phone kept its old key" ua_has prej-uas "rekeyed=0"
  check "legacy-pbx: rejected reverse re-offer: media ran on, zero loss both ways" both_ways prej
  check "legacy-pbx: rejected reverse re-offer: no SRTP failures at the phone" ua_has prej-uas "srtp-failed=0"

  # A re-INVITE without SDP: the offer comes in the 200, the answer in the
  # ACK. From the PBX (caller) the phone's offer in the 200 runs from leg
  # b's side; from the PBX as callee the phone's offer is from leg a's.
  R0=$(log_count "re-offer from leg b's side")
  call plate "$INSIDE" pbx phone -- --reinvite-at 1.0 --late-reoffer
  check "legacy-pbx: PBX (caller) re-INVITE without SDP: both ok" \
    bash -c "grep -q '^ua: result=ok' '$WORK/plate-uac.out' && grep -q '^ua: result=ok' '$WORK/plate-uas.out'"
  check "legacy-pbx: late re-offer: the phone's offer in the 200 reached the PBX as RTP/AVP without a=crypto" \
    bash -c "grep 'sdp-received (offer in re-INVITE 200)' '$WORK/plate-uac.out' | grep 'RTP/AVP' | grep -qv crypto"
  check "legacy-pbx: late re-offer: the PBX's answer in the ACK reached the phone as RTP/SAVP with a=crypto" \
    ua_has plate-uas "sdp-received (ACK): .*RTP/SAVP.*a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<masked>"
  check "legacy-pbx: late re-offer: the 200's offer ran from leg b's side" \
    test $(( $(log_count "re-offer from leg b's side") - R0 )) -ge 1
  check "legacy-pbx: late re-offer: all sent arrived both ways" both_ways plate
  call plate2 "$KAM_PORT" phone pbx --reinvite-at 1.0 --late-reoffer
  check "legacy-pbx: PBX (callee) re-INVITE without SDP, the phone offers in the 200: both ok" \
    bash -c "grep -q '^ua: result=ok' '$WORK/plate2-uac.out' && grep -q '^ua: result=ok' '$WORK/plate2-uas.out'"
  check "legacy-pbx: late re-offer from the callee: all sent arrived both ways" both_ways plate2

  check "legacy-pbx: no answer refused, nothing replaced" \
    bash -c "! grep -qE 'answer from the side that made|replacing the context|reply 2[0-9][0-9]:' '$KAM_LOG'"
  check "srtpd holds no call after the BYEs" test "$(srtpd_calls)" = 0
  check "legacy-pbx: Kamailio alive" kam_alive
  kam_stop
  check "legacy-pbx: no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"
  cp "$KAM_LOG" "$WORK/kamailio-legacy-pbx.log"
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# ---- rekey-edge.cfg ---------------------------------------------------------
# MKI-capable phones (--mki 1): mki-use=always puts our MKI toward both from
# the first offer, so every rekey below is in place (the shipped default
# follows each phone's own MKI use: tests/e2e/sdes-nomki.sh).
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 mki-use=always roc=keep"'; then
  pass "rekey-edge.cfg starts with srtpd"
  # The callee's X-Rekey re-INVITE at 1.2 s: sdes_rekey from leg b's side
  # gives all four directions new keys, each moved in place by srtpd.
  call rkb "$KAM_PORT" phone phone --mki 1 --reinvite-at 1.2 --rekey -- --mki 1
  check "rekey-edge: callee X-Rekey re-INVITE: callee ok" ua_ok rkb-uas
  check "rekey-edge: callee rekey: caller ok" ua_ok rkb-uac
  check "rekey-edge: callee rekey: both phones switched and received under the edge's old and new MKI" \
    bash -c "grep -q 'rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* ' '$WORK/rkb-uac.out' &&
             grep -q 'rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* ' '$WORK/rkb-uas.out'"
  check "rekey-edge: callee rekey: zero loss both ways" both_ways rkb
  check "rekey-edge: callee rekey: four directions rekeyed in place (ROC kept), no context rebuilt" \
    bash -c "[ \$(grep -c 'rekeyed in place (ROC kept)' '$KAM_LOG') -ge 4 ] && ! grep -q 'replacing the context' '$KAM_LOG'"
  # The callee's re-INVITE without SDP: the caller's offer in the 200 (from
  # leg a's side, keys unchanged), the callee's answer in the ACK.
  call rklate "$KAM_PORT" phone phone --mki 1 --reinvite-at 1.0 --late-reoffer -- --mki 1
  check "rekey-edge: callee re-INVITE without SDP (offer in the 200, answer in the ACK): both ok" \
    bash -c "grep -q '^ua: result=ok' '$WORK/rklate-uac.out' && grep -q '^ua: result=ok' '$WORK/rklate-uas.out'"
  check "rekey-edge: late re-offer: the edge's offer and answer carry a=crypto both ways" \
    bash -c "grep -q 'sdp-received (offer in re-INVITE 200): .*a=crypto:' '$WORK/rklate-uas.out' && grep -q 'sdp-received (ACK): .*a=crypto:' '$WORK/rklate-uac.out'"
  check "rekey-edge: late re-offer: all sent arrived both ways" both_ways rklate
  check "rekey-edge: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/kamailio-rekey-edge.log"
else
  fail "rekey-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# ---- edge-policy.cfg ---------------------------------------------------------
if kam_start_relay cfg/edge-policy.cfg; then
  pass "edge-policy.cfg starts with srtpd"
  # Passthrough: the callee's hold/unhold re-INVITEs meet the same policy
  # check as a first offer (sdes_check) and pass with their own keys.
  R0=$(log_count "re-offer from leg b's side")
  call ephold "$KAM_PORT" phone phone --suite AEAD_AES_256_GCM --hold-at 0.5 --unhold-at 1.0 \
    --min-percent 40 -- --suite AEAD_AES_256_GCM --min-percent 40
  check "edge-policy: callee hold/unhold (passthrough, policy checked): both ok" \
    bash -c "grep -q '^ua: result=ok' '$WORK/ephold-uac.out' && grep -q '^ua: result=ok' '$WORK/ephold-uas.out'"
  check "edge-policy: callee hold/unhold ran from leg b's side" \
    test $(( $(log_count "re-offer from leg b's side") - R0 )) -ge 2
  check "edge-policy: callee hold/unhold: all sent arrived both ways" both_ways ephold
  check "edge-policy: Kamailio alive" kam_alive
  kam_stop
else
  fail "edge-policy.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

dump_on_fail
summary
