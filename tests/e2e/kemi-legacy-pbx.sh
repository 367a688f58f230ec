#!/bin/bash
# tests/e2e/kemi-legacy-pbx.sh — the KEMI versions of cfg/legacy-pbx.cfg,
# cfg/legacy-pbx-lua.cfg (cfg/legacy-pbx.lua, app_lua) and
# cfg/legacy-pbx-python.cfg (cfg/legacy-pbx.py, app_python3), tested as
# sdes-call.sh and attack-answers.sh test the native cfg: `kamailio -c`,
# real calls through Kamailio + sdes.so + srtpd with media both ways
# (PBX -> phone, phone -> PBX, late offer, 183 early media, hold/unhold,
# a phone's rekey re-INVITE), the plain offer from outside refused with 488,
# and fail closed: a refused answer in a 2xx ends the call with a BYE to
# both parties and nothing of the callee's SDP reaches the caller; a
# refused answer in a 183 is not relayed. ENGINES="lua python" by default.
. "$(dirname "$0")/lib.sh"
e2e_init kemi-legacy-pbx
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"

# The callee's SDP for the fail-closed cases (sip_pair.py: exact bodies).
B_ADDR=10.1.2.3 B_PORT=42220 B_KEY=YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXpBQkNE
sdp_head() { printf 'v=0\r\no=- 7 7 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n' "$1" "$1"; }
{ sdp_head 192.0.2.11; printf 'm=audio 41110 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'; } >"$WORK/offer-plain.sdp"
{ sdp_head $B_ADDR
  for p in $B_PORT $((B_PORT + 2)); do
    printf 'm=audio %s RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n' $p $B_KEY
  done; } >"$WORK/ans-two-srtp.sdp"
pair() { # NAME PROXYPORT [sip_pair args]
  local name=$1 port=$2; shift 2
  timeout 20 python3 "$E2E_ROOT/tests/e2e/sip_pair.py" --proxy "$port" --out "$WORK/$name" "$@" \
    >"$WORK/$name.log" 2>&1
}
ev() { grep -q -- "$2" "$WORK/$1/events.txt" 2>/dev/null; }
# both_byes NAME: caller and callee got a BYE (the dialog module's known
# race, attack-answers.sh, is reported, not hidden).
both_byes() {
  ev "$1" "caller bye" || return 1
  ev "$1" "callee bye" && return 0
  if grep -q "terminating non-confirmed dialogs not supported" "$KAM_LOG"; then
    echo "# $1: the callee's BYE lost to the dialog module's race (known limit)"
    return 0
  fi
  return 1
}
no_raw() { # NAME: nothing the caller received carries the callee's address or key
  ! cat "$WORK/$1"/caller-*.msg 2>/dev/null | grep -qF -e "$B_ADDR" -e "$B_KEY"
}

check "srtpd runs" srtpd_start

for E in ${ENGINES:-lua python}; do
  CFG=cfg/legacy-pbx-$E.cfg
  check "$E: kamailio -c accepts $CFG" kam_check "$CFG"
  INSIDE=$(free_udp_port)
  SCRIPT=$E2E_ROOT/cfg/legacy-pbx.$([ $E = lua ] && echo lua || echo py)
  if ! kam_start_relay "$CFG" -A "INSIDE_PORT=$INSIDE" -A "KEMI_SCRIPT=\"$SCRIPT\""; then
    fail "$E: $CFG starts with srtpd" "$(tail -5 "$KAM_LOG")"
    continue
  fi
  pass "$E: $CFG starts with srtpd"

  call $E-out "$INSIDE" pbx phone
  check "$E: PBX (RTP/AVP) -> phone (RTP/SAVP): both ok" bash -c "$(declare -f ua_ok ua_rc); WORK='$WORK'; ua_ok $E-out-uac && ua_ok $E-out-uas"
  check "$E: PBX -> phone: media both ways, intact" both_ways $E-out
  check "$E: the phone got RTP/SAVP with a=crypto" ua_has $E-out-uas "sdp-received: .*RTP/SAVP.*a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<masked>"
  check "$E: the PBX got RTP/AVP without a=crypto" bash -c "grep 'sdp-received:' '$WORK/$E-out-uac.out' | grep 'RTP/AVP' | grep -qv crypto"
  check "$E: no SRTP failures at the phone" ua_has $E-out-uas "srtp-failed=0"

  call $E-in "$KAM_PORT" phone pbx -- --suite AES_256_CM_HMAC_SHA1_80
  check "$E: phone (RTP/SAVP) -> PBX (decrypt require): both ok" bash -c "$(declare -f ua_ok ua_rc); WORK='$WORK'; ua_ok $E-in-uac && ua_ok $E-in-uas"
  check "$E: phone -> PBX: media both ways, intact" both_ways $E-in
  check "$E: phone -> PBX: the phone's suite was kept" ua_has $E-in-uac "suite=AES_256_CM_HMAC_SHA1_80"

  call $E-late "$INSIDE" pbx phone -- --late-offer
  check "$E: late offer (offer in the 200, answer in the ACK): caller ok" ua_ok $E-late-uac
  check "$E: late offer: phone -> PBX all intact" \
    test "$(ua_field $E-late-uas sent)" = "$(ua_field $E-late-uac intact)" -a -n "$(ua_field $E-late-uac intact)"

  call $E-early "$INSIDE" pbx phone --ring 0.5 --early-media
  check "$E: 183 with SDP then 200: media both ways" both_ways $E-early

  call $E-hold "$INSIDE" pbx phone --seconds 3 -- --seconds 3 --hold-at 0.8 --unhold-at 1.8 --min-percent 40
  check "$E: hold/unhold re-INVITEs from the PBX: all sent arrived both ways" both_ways $E-hold

  call $E-rk "$KAM_PORT" phone pbx --seconds 3 -- --seconds 3 --mki 1 --reinvite-at 1.2 --rekey
  check "$E: phone re-INVITE with a new key: zero loss both ways" both_ways $E-rk

  call $E-plain "$KAM_PORT" pbx pbx -- --expect-code 488
  check "$E: plain offer from outside -> 488 with reason" ua_has $E-plain-uac "final=488 SRTP_REQUIRED"

  # Fail closed, as the native cfg (attack-answers.sh).
  pair $E-two "$INSIDE" --offer "$WORK/offer-plain.sdp" --answer "$WORK/ans-two-srtp.sdp" --wait 4
  check "$E: refused answer in the 200: the call ends with a BYE to both parties" both_byes $E-two
  check "$E: refused answer in the 200: nothing of the callee's SDP at the caller" no_raw $E-two
  pair $E-183 "$INSIDE" --offer "$WORK/offer-plain.sdp" --answer "$WORK/ans-two-srtp.sdp" \
    --answer-in both --wait 4
  check "$E: refused answer in a 183 is not relayed (the caller got the 200)" \
    bash -c "ev() { grep -q -- \"\$2\" '$WORK'/\$1/events.txt; }; ev $E-183 'caller final 200' && ! grep -q '^SIP/2.0 183' '$WORK'/$E-183/caller-*.msg"
  check "$E: ... and the 200 with it ends the call on both sides" both_byes $E-183

  check "$E: srtpd took calls (audit lines) and holds none after the BYEs" test "$(srtpd_calls)" = 0 -a "$(grep -c 'sdes audit' "$KAM_LOG")" -ge 6
  check "$E: Kamailio logged the audit lines" grep -q "sdes audit: Call-ID.*b:SRTP recv=AES_CM_128_HMAC_SHA1_80" "$KAM_LOG"
  check "$E: no script error in Kamailio's log" bash -c "! grep -qiE 'lua.*error|traceback|python.*error|app_lua.*failed' '$KAM_LOG'"
  check "$E: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/kamailio-$E.log"
  check "$E: no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"
done
summary
