#!/bin/bash
# tests/e2e/ua-kamailio.sh — the test agents through a real Kamailio 5.6
# (tests/e2e/proxy-plain.cfg: stateful, record-routing, no sdes.so), so
# signalling through Kamailio is proven before the module is in the path:
# pbx <-> pbx and phone <-> phone calls with media both ways, ACK and BYE
# following the recorded route, a 488 relayed back, and Kamailio still up.
. "$(dirname "$0")/lib.sh"
e2e_init ua-kamailio
need "$E2E_UA" "the test user agent"

check "kamailio -c accepts proxy-plain.cfg" kam_check tests/e2e/proxy-plain.cfg
if ! kam_start tests/e2e/proxy-plain.cfg; then
  fail "kamailio starts" "see $KAM_LOG"; tail -20 "$KAM_LOG"; summary; exit 1
fi
pass "kamailio starts on 127.0.0.1:$KAM_PORT"

call() { # NAME CALLER CALLEE [callee args] -- [caller args]
  local name=$1 a=$2 b=$3; shift 3
  local bargs=() aargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do bargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  aargs=("$@")
  ua_uas "$name-uas" "$b" --seconds 2 "${bargs[@]}" || { fail "$name" "callee did not start"; return; }
  ua_uac "$name-uac" "$a" --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$KAM_PORT" \
    --seconds 2 "${aargs[@]}"
  ua_wait "$name-uas"
}
both_ways() {
  local s1 r1 s2 r2
  s1=$(ua_field "$1-uac" sent); r2=$(ua_field "$1-uas" intact)
  s2=$(ua_field "$1-uas" sent); r1=$(ua_field "$1-uac" intact)
  [ -n "$s1" ] && [ "$s1" -gt 0 ] && [ "$s1" = "$r2" ] && [ "$s2" = "$r1" ]
}

call pbx pbx pbx
check "pbx<->pbx through Kamailio: caller ok" ua_ok pbx-uac
check "pbx<->pbx through Kamailio: callee ok (got ACK and BYE)" ua_ok pbx-uas
check "pbx<->pbx media both ways, intact" both_ways pbx
check "Kamailio logged the INVITE" grep -q "proxy: INVITE" "$KAM_LOG"

call srtp phone phone --suite AEAD_AES_256_GCM -- --suite AEAD_AES_256_GCM
check "phone<->phone through Kamailio: caller ok" ua_ok srtp-uac
check "phone<->phone through Kamailio: callee ok" ua_ok srtp-uas
check "phone<->phone SRTP media both ways" both_ways srtp

call rekey phone phone --mki 1 --seconds 3 -- --mki 1 --seconds 3 --reinvite-at 1.2 --rekey
check "rekey re-INVITE through Kamailio (loose route): caller ok" ua_ok rekey-uac
check "rekey re-INVITE through Kamailio: callee ok" ua_ok rekey-uas
check "rekey through Kamailio: zero loss both ways" both_ways rekey
check "rekey through Kamailio: both MKIs received" ua_has rekey-uas "rekeyed=1 mki-received=1:[0-9]*,2:[0-9]* held-slots="

call late phone phone -- --late-offer
check "late offer through Kamailio: caller ok" ua_ok late-uac
check "late offer through Kamailio: callee ok (answer in the ACK)" ua_ok late-uas
check "late offer through Kamailio: media both ways" both_ways late

call cancel phone phone --ring 3 -- --cancel-after 0.5
check "CANCEL through Kamailio (tm): caller saw CANCEL 200 and INVITE 487" ua_has cancel-uac "result=ok cancelled: CANCEL 200, INVITE 487"
check "CANCEL through Kamailio: callee answered 487" ua_ok cancel-uas

call hold phone phone --seconds 3 -- --seconds 3 --hold-at 0.8 --unhold-at 1.8 --update-at 2.3 --min-percent 40
check "hold, unhold and UPDATE through Kamailio: caller ok" ua_ok hold-uac
check "hold/unhold/UPDATE through Kamailio: callee ok" ua_ok hold-uas
check "hold through Kamailio: the callee paused" bash -c "grep -qE 'held-slots=[1-9]' '$WORK/hold-uas.out'"
check "hold/unhold/UPDATE through Kamailio: all sent arrived both ways" both_ways hold

call reject pbx phone -- --expect-code 488
check "488 from the callee relayed to the caller" ua_ok reject-uac

check "Kamailio still running" kam_alive
kam_stop
check "no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"

# Forking (tests/e2e/proxy-fork.cfg): two phones ring with early media
# (183 + SDP, one To tag each); the quick one answers, tm CANCELs the other.
check "kamailio -c accepts proxy-fork.cfg" kam_check tests/e2e/proxy-fork.cfg
if kam_start tests/e2e/proxy-fork.cfg; then
  ua_uas fork-a phone --seconds 2 --ring 0.6 --early-media
  A_PORT=$UAS_PORT
  ua_uas fork-b phone --seconds 2 --ring 5 --early-media
  B_PORT=$UAS_PORT
  ua_uac fork-uac phone --to "sip:bob@127.0.0.1:$A_PORT" --proxy "127.0.0.1:$KAM_PORT" \
    --seconds 2 --header "X-Fork-To: sip:bob@127.0.0.1:$B_PORT"
  ua_wait fork-a; ua_wait fork-b
  check "fork: caller saw early media from two To tags" ua_has fork-uac "early media (183 Session Progress) from to-tag 2"
  check "fork: call with the first answer ok" ua_ok fork-uac
  check "fork: answering branch ok" ua_ok fork-a
  check "fork: the other branch was cancelled (487)" ua_has fork-b "result=ok cancelled while ringing"
  s1=$(ua_field fork-uac sent); r1=$(ua_field fork-a intact)
  check "fork: media from caller reached the answering phone" test -n "$s1" -a "$s1" = "$r1"
  kam_stop
else
  fail "proxy-fork.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

[ "$E2E_FAIL" = 0 ] || { for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done; tail -30 "$KAM_LOG"; }
summary
