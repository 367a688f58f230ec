#!/bin/bash
# tests/e2e/ua-direct.sh — proves the test agents against each other before
# anything of ours sits between them: phone <-> phone (SRTP through
# libsrtp2, several suites, MKI), pbx <-> pbx (plain RTP), role mismatches
# rejected with 488, forged SRTP rejected, and every SDP each side received
# parsed by libosip2. What each side received must equal what the other sent.
. "$(dirname "$0")/lib.sh"
e2e_init ua-direct
need "$E2E_UA" "the test user agent"

# call NAME CALLER-ROLE CALLEE-ROLE [callee args] -- [caller args]
call() {
  local name=$1 a=$2 b=$3; shift 3
  local bargs=() aargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do bargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  aargs=("$@")
  ua_uas "$name-uas" "$b" --seconds 2 "${bargs[@]}" || { fail "$name" "callee did not start"; return; }
  ua_uac "$name-uac" "$a" --to "sip:bob@127.0.0.1:$UAS_PORT" --seconds 2 "${aargs[@]}"
  ua_wait "$name-uas"
}

# Both directions delivered everything the other side sent, intact.
media_both_ways() { # NAME
  local s1 r1 s2 r2
  s1=$(ua_field "$1-uac" sent); r2=$(ua_field "$1-uas" intact)
  s2=$(ua_field "$1-uas" sent); r1=$(ua_field "$1-uac" intact)
  [ -n "$s1" ] && [ "$s1" -gt 0 ] && [ "$s1" = "$r2" ] && [ "$s2" = "$r1" ]
}

call pbx pbx pbx
check "pbx<->pbx call ok" ua_ok pbx-uac
check "pbx<->pbx callee ok" ua_ok pbx-uas
check "pbx<->pbx media both ways, all intact" media_both_ways pbx
check "pbx<->pbx plain RTP/AVP answer" ua_has pbx-uac "sdp-received: .*m=audio [0-9]* RTP/AVP"

for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 AES_256_CM_HMAC_SHA1_80 \
             AES_192_CM_HMAC_SHA1_80 AEAD_AES_128_GCM AEAD_AES_256_GCM; do
  call "srtp-$suite" phone phone --suite "$suite" -- --suite "$suite"
  check "phone<->phone $suite call ok" ua_ok "srtp-$suite-uac"
  check "phone<->phone $suite media both ways" media_both_ways "srtp-$suite"
  check "phone<->phone $suite negotiated" ua_has "srtp-$suite-uac" "suite=$suite "
done

# The callee takes the first offered suite it supports (RFC 4568 §7.1.2).
call pick phone phone --suite AEAD_AES_128_GCM -- --suite AES_CM_128_HMAC_SHA1_80 --suite AEAD_AES_128_GCM
check "answer picks the acceptable offered suite" ua_has pick-uac "suite=AEAD_AES_128_GCM "
check "picked-suite call ok" ua_ok pick-uac

call mki phone phone --mki 2 -- --mki 1
check "MKI keys both ways (libsrtp2 *_mki)" ua_ok mki-uac
check "MKI callee ok" ua_ok mki-uas
check "MKI announced in SDP" ua_has mki-uac "mki-tx=1 mki-rx=2"

# Re-INVITE with a rekey (RFC 4568 §7.1.4): new key, next MKI, both ways,
# old key kept for packets in flight -> zero loss, both MKIs seen.
call rekey phone phone --mki 1 --seconds 3 -- --mki 1 --seconds 3 --reinvite-at 1.2 --rekey
check "rekey re-INVITE: caller ok (answered 200, keys switched)" ua_ok rekey-uac
check "rekey re-INVITE: callee ok" ua_ok rekey-uas
check "rekey: zero loss both ways" media_both_ways rekey
check "rekey: caller received MKI 1 then MKI 2" ua_has rekey-uac "rekeyed=1 mki-received=1:[0-9]*,2:[0-9]* held-slots="
check "rekey: callee received MKI 1 then MKI 2" ua_has rekey-uas "rekeyed=1 mki-received=1:[0-9]*,2:[0-9]* held-slots="
check "rekey: re-offer keeps the o= session and bumps its version" \
  bash -c "grep -q 'sdp-sent: v=0 | o=- \([0-9]*\) 1 ' '$WORK/rekey-uac.out' && grep -q 'sdp-sent (re-INVITE): v=0 | o=- [0-9]* 2 ' '$WORK/rekey-uac.out'"

# Hold and unhold (RFC 3264 §8.4): re-INVITE a=sendonly -> the callee
# answers recvonly and stops sending; a=sendrecv again -> it resumes.
call hold phone phone --mki 1 --seconds 3 -- --mki 1 --seconds 3 --hold-at 0.8 --unhold-at 1.8 --min-percent 40
check "hold/unhold: caller ok (both re-INVITEs answered 200)" ua_ok hold-uac
check "hold/unhold: callee ok" ua_ok hold-uas
check "hold: offered sendonly, answered recvonly" bash -c "grep -q 'sdp-sent (re-INVITE): .*a=sendonly' '$WORK/hold-uac.out' && grep -q 'sdp-sent (re-INVITE): .*a=recvonly' '$WORK/hold-uas.out'"
check "hold: the callee skipped its slots while held (about 50)" bash -c "n=\$(sed -n 's/.*held-slots=\\([0-9]*\\).*/\\1/p' '$WORK/hold-uas.out'); [ \"\$n\" -ge 30 ] && [ \"\$n\" -le 70 ]"
check "hold: everything that was sent arrived, both ways" media_both_ways hold

# UPDATE (RFC 3311) with an SDP offer inside the dialog: 200 with an
# answer, no ACK.
call update phone phone -- --update-at 1
check "UPDATE with SDP answered 200, call ok" ua_ok update-uac
check "UPDATE: callee answered it" ua_has update-uas "sdp-received (re-INVITE)"
check "UPDATE: media both ways" media_both_ways update

# A re-INVITE without new keys (plain): same media, nothing breaks.
call reinv pbx pbx -- --reinvite-at 1
check "plain re-INVITE answered 200, media intact" ua_ok reinv-uac
check "plain re-INVITE: media both ways" media_both_ways reinv

# Late offer (RFC 3261 §13.2.1): INVITE without SDP, offer in the 200,
# answer in the ACK.
call late-srtp phone phone --suite AES_CM_128_HMAC_SHA1_32 --suite AEAD_AES_128_GCM -- \
  --suite AEAD_AES_128_GCM --late-offer
check "late offer phone<->phone: caller ok" ua_ok late-srtp-uac
check "late offer phone<->phone: callee ok (answer taken from the ACK)" ua_ok late-srtp-uas
check "late offer: media both ways" media_both_ways late-srtp
check "late offer: the caller answered the callee's offer" ua_has late-srtp-uac "sdp-sent (ACK): .*a=crypto:2 AEAD_AES_128_GCM"
call late-pbx pbx pbx -- --late-offer
check "late offer pbx<->pbx: both ok" bash -c "grep -q 'result=ok' '$WORK/late-pbx-uac.out' && grep -q 'result=ok' '$WORK/late-pbx-uas.out'"
check "late offer pbx<->pbx: media both ways" media_both_ways late-pbx

# CANCEL while ringing (RFC 3261 §9): CANCEL 200, INVITE 487, ACK.
call cancel pbx pbx --ring 3 -- --cancel-after 0.5
check "CANCEL while ringing: caller saw CANCEL 200 and INVITE 487" ua_has cancel-uac "result=ok cancelled: CANCEL 200, INVITE 487"
check "CANCEL while ringing: callee answered 487 and got the ACK" ua_ok cancel-uas

call pbx2phone pbx phone -- --expect-code 488
check "phone rejects a plain offer with 488" ua_ok pbx2phone-uac
check "phone's report names the reason" ua_has pbx2phone-uas "rejected: offer has RTP/AVP"

call phone2pbx phone pbx -- --expect-code 488
check "legacy PBX rejects RTP/SAVP with 488" ua_ok phone2pbx-uac

# Forged packets: the callee must count failed SRTP checks and fail the call.
call tamper phone phone -- --tamper-every 10
check "tampering caller still completes its side" ua_ok tamper-uac
check "callee detects forged SRTP (result FAIL)" test "$(ua_rc tamper-uas)" = 1
check "callee counted 10 failed SRTP checks" test "$(ua_field tamper-uas srtp-failed)" = 10

# The agents' SDP files parse with libosip2 (they did, or no media would flow);
# keys never appear in reports.
check "no key material in any report" bash -c "! grep -h 'inline:' $WORK/*.out | grep -v 'inline:<masked>' | grep -q ."

[ "$E2E_FAIL" = 0 ] || for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done
summary
