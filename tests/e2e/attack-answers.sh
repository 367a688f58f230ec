#!/bin/bash
# tests/e2e/attack-answers.sh — no SDP leaves sdes.so unprocessed (issue 10
# point 2), through real Kamailio + build/sdes.so + build/srtpd:
#   careless script (tests/e2e/attack-careless.cfg: every sdes_* failure
#     ignored, the message relayed anyway): for each answer and offer the
#     module refuses, the body the other party receives holds none of the
#     sender's address, port or key (the module itself made it safe), and
#     Kamailio logged the refusal (so the failure path was taken);
#   shipped scripts (cfg/legacy-pbx.cfg; edge-policy and rekey-edge for the
#     2xx case): a refused answer in a 2xx ends the call with a BYE toward
#     both parties, one in a 183 is not relayed; an offer whose c= srtpd cannot
#     serve gets 488 with the cause; a multipart offer (SDP + ISUP) passes
#     with only its SDP part rewritten.
# The parties are tests/e2e/sip_pair.py (exact bodies, no media).
. "$(dirname "$0")/lib-attack.sh"
attack_init attack-answers

# The two parties' own SDP values; none may reach the other side raw.
A_ADDR=192.0.2.11 A_PORT=41110 A_KEY=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk
B_ADDR=10.1.2.3 B_PORT=42220 B_KEY=YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXpBQkNE
crlf() { sed 's/$/\r/' >"$WORK/$1"; }
head_sdp() { # ADDR: session part of an SDP
  printf 'v=0\no=- 7 7 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\n' "$1" "$1"
}
srtp_m() { # PORT KEY
  printf 'm=audio %s RTP/SAVP 0 101\na=rtpmap:0 PCMU/8000\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n' "$1" "$2"
}
plain_m() { printf 'm=audio %s RTP/AVP 0\na=rtpmap:0 PCMU/8000\n' "$1"; }

{ head_sdp $A_ADDR; srtp_m $A_PORT $A_KEY; } | crlf offer-srtp.sdp
{ head_sdp $A_ADDR; plain_m $A_PORT; } | crlf offer-plain.sdp
{ head_sdp $A_ADDR; printf 'm=audio %s RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!%s!!\n' $A_PORT $A_KEY; } | crlf offer-badcrypto.sdp
printf 'v=0\r\nthis is %s:%s not SDP inline:%s\r\n' $A_ADDR $A_PORT $A_KEY >"$WORK/offer-garbage.sdp"
printf 'hello %s %s %s\r\n' $A_ADDR $A_PORT $A_KEY >"$WORK/offer-text.txt"
{ printf 'v=0\no=- 7 7 IN IP4 %s\ns=-\nc=IN IP4 sbc.example.com\nt=0 0\n' $A_ADDR; srtp_m $A_PORT $A_KEY; } | crlf offer-fqdn.sdp
{ printf 'v=0\no=- 7 7 IN IP6 2001:db8::11\ns=-\nc=IN IP6 2001:db8::11\nt=0 0\n'; srtp_m $A_PORT $A_KEY; } | crlf offer-ipv6.sdp
mp() { # FILE PARTS...: a multipart/mixed body (boundary XyZ) of the given SDP files
  local out=$1 f; shift
  { for f in "$@"; do printf -- '--XyZ\r\nContent-Type: application/sdp\r\n\r\n'; cat "$WORK/$f"; done
    printf -- '--XyZ\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\nISUP-PAYLOAD-7\r\n--XyZ--\r\n'; } >"$WORK/$out"
}
mp offer-mp-two.body offer-srtp.sdp offer-srtp.sdp
mp offer-mp-ok.body offer-srtp.sdp
MP_CT="multipart/mixed;boundary=XyZ"

{ head_sdp $B_ADDR; plain_m $B_PORT; plain_m $((B_PORT + 2)); } | crlf ans-two-plain.sdp
{ head_sdp $B_ADDR; srtp_m $B_PORT $B_KEY; srtp_m $((B_PORT + 2)) $B_KEY; } | crlf ans-two-srtp.sdp
{ head_sdp $B_ADDR; plain_m $B_PORT; } | crlf ans-plain.sdp
{ head_sdp $B_ADDR; printf 'm=audio %s RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!%s!!\n' $B_PORT $B_KEY; } | crlf ans-badcrypto.sdp
printf 'not sdp %s %s %s\r\n' $B_ADDR $B_PORT $B_KEY >"$WORK/ans-text.txt"
{ printf 'v=0\no=- 9 9 IN IP4 %s\ns=-\nt=0 0\n' $B_ADDR; printf 'm=audio %s RTP/SAVP 0\n' $B_PORT; printf 'c=IN IP4 %s\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\n' $B_ADDR $B_KEY; } | crlf ans-latecrypto.sdp
mp ans-mp-two.body ans-two-srtp.sdp ans-plain.sdp
{ head_sdp $A_ADDR; srtp_m $A_PORT $A_KEY; } | crlf ack-answer.sdp

# pair NAME PROXYPORT [sip_pair args]: one call; its messages in $WORK/NAME/.
pair() {
  local name=$1 port=$2; shift 2
  timeout 20 python3 "$E2E_ROOT/tests/e2e/sip_pair.py" --proxy "$port" --out "$WORK/$name" "$@" \
    >"$WORK/$name.log" 2>&1
}
ev() { grep -q -- "$2" "$WORK/$1/events.txt" 2>/dev/null; } # NAME PATTERN
cid_of() { sed -n 's/^call-id //p' "$WORK/$1/events.txt" 2>/dev/null; }
# raw_free NAME SIDE ADDR PORT KEY: nothing SIDE received carries them.
raw_free() {
  local f
  for f in "$WORK/$1/$2"-*.msg; do
    [ -e "$f" ] || continue
    if grep -qF -e "$3" -e "$5" "$f" || grep -qE "(^|[ :])$4([ /]|$)" "$f"; then
      echo "raw body leaked into $f:" >&2; grep -nF -e "$3" -e "$5" "$f" | sed 's/inline:[^ ]*/inline:.../' >&2
      return 1
    fi
  done
}
got_body() { # NAME SIDE: at least one message SIDE received had a body
  local f
  for f in "$WORK/$1/$2"-*.msg; do
    [ -e "$f" ] && grep -qiE '^(Content-Length|l): *[1-9]' "$f" && return 0
  done
  return 1
}
# both_byes NAME: caller and callee both got a BYE. Kamailio 5.6's
# dlg_bye("all") sends the callee's BYE only while the dialog still
# exists; when the caller's 200 to the first BYE was already processed by
# another worker (a heavily loaded host), the dialog module logs
# "terminating non-confirmed dialogs not supported" and sends none (docs/sdes-module.md
# "Refused SDP", known limit). That case is reported, not hidden.
both_byes() {
  ev "$1" "caller bye" || return 1
  ev "$1" "callee bye" && return 0
  if grep -q "terminating non-confirmed dialogs not supported" "$KAM_LOG"; then
    echo "# $1: the callee's BYE lost to the dialog module's race (known limit)"
    return 0
  fi
  return 1
}
refused() { # NAME FUNCTION: Kamailio logged FUNCTION's refusal for this call
  grep -q "$2: Call-ID $(cid_of "$1"): " "$KAM_LOG"
}

srtpd_start || { fail "srtpd starts" "$(tail -3 "$WORK/srtpd.log")"; summary; exit 1; }

# ---- Careless script: every failure ignored, the message relayed anyway ----
if ! kam_start_relay tests/e2e/attack-careless.cfg; then
  fail "careless cfg starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "careless cfg starts"

# Answers the module refuses; the caller must see none of the callee's values.
answer_case() { # NAME WHAT FLAGS OFFER ANSWER [sip_pair args]
  local name=$1 what=$2 flags=$3 offer=$4 answer=$5; shift 5
  pair "$name" "$KAM_PORT" --header "X-Sdes: $flags" --offer "$WORK/$offer" \
    --answer "$WORK/$answer" "$@"
  check "careless: $what: sdes_answer refused it" refused "$name" sdes_answer
  check "careless: $what: the caller got a body" got_body "$name" caller
  check "careless: $what: no callee address/port/key at the caller" \
    raw_free "$name" caller $B_ADDR $B_PORT $B_KEY
}
answer_case a-two "two m= lines to a one-stream offer" "decrypt" offer-srtp.sdp ans-two-plain.sdp
answer_case a-plain "plain RTP/AVP answer (internal c=$B_ADDR) to an SRTP-required offer" \
  "encrypt require" offer-plain.sdp ans-plain.sdp
answer_case a-crypto "a bad a=crypto in the answer" "encrypt" offer-plain.sdp ans-badcrypto.sdp
answer_case a-text "a text/plain answer" "decrypt" offer-srtp.sdp ans-text.txt --answer-ct text/plain
answer_case a-mp "a multipart answer with two SDP parts" "decrypt" offer-srtp.sdp ans-mp-two.body \
  --answer-ct "$MP_CT"
answer_case a-183 "a refused answer in 183 and 200" "decrypt" offer-srtp.sdp ans-two-plain.sdp \
  --answer-in both
check "careless: 183: the early answer reached the caller neutered too" \
  bash -c "grep -l '^SIP/2.0 183' '$WORK'/a-183/caller-*.msg | xargs grep -q '^m=audio 0 '"

# Offers the module refuses; the callee must see none of the caller's values.
offer_case() { # NAME WHAT FLAGS OFFER [sip_pair args]
  local name=$1 what=$2 flags=$3 offer=$4; shift 4
  pair "$name" "$KAM_PORT" --header "X-Sdes: $flags" --offer "$WORK/$offer" \
    --answer "$WORK/ans-plain.sdp" "$@"
  check "careless: $what: sdes_offer refused it" refused "$name" sdes_offer
  check "careless: $what: no caller address/port/key at the callee" \
    raw_free "$name" callee $A_ADDR $A_PORT $A_KEY
}
offer_case o-plain "plain offer, decrypt require" "decrypt require" offer-plain.sdp
offer_case o-crypto "bad a=crypto in the offer" "decrypt require" offer-badcrypto.sdp
offer_case o-garbage "malformed SDP offer" "decrypt" offer-garbage.sdp
offer_case o-text "text/plain offer body" "decrypt" offer-text.txt --offer-ct text/plain
offer_case o-fqdn "offer with c= an FQDN" "decrypt" offer-fqdn.sdp
offer_case o-ipv6 "IPv6 offer, srtpd without --interface6" "decrypt" offer-ipv6.sdp
offer_case o-flags "bad run-time flags" "mode=nope" offer-srtp.sdp
offer_case o-mp "multipart offer with two SDP parts" "decrypt" offer-mp-two.body --offer-ct "$MP_CT"
check "careless: neutered offers are application/sdp with every stream rejected" \
  bash -c "grep -h -A30 '^INVITE' '$WORK'/o-text/callee-*.msg | grep -qi '^Content-Type: application/sdp' &&
           grep -h '^m=' '$WORK'/o-crypto/callee-*.msg | grep -q '^m=audio 0 RTP/SAVP'"

# Late offer: the callee's offer in the 200 is refused (sdes_offer), then the
# caller's answer in the ACK has no offer to go with (sdes_answer).
pair late "$KAM_PORT" --header "X-Sdes: decrypt require" --late --answer "$WORK/offer-badcrypto.sdp" \
  --ack-body "$WORK/ack-answer.sdp"
check "careless: late offer in a 2xx: sdes_offer refused it" refused late sdes_offer
check "careless: late offer in a 2xx: nothing of the callee's offer at the caller" \
  raw_free late caller $A_ADDR $A_PORT $A_KEY
check "careless: late answer in the ACK: sdes_answer refused it" refused late sdes_answer
check "careless: late answer in the ACK: nothing of the caller's answer at the callee" \
  bash -c "grep -l '^ACK' '$WORK'/late/callee-*.msg >/dev/null && ! grep -l '^ACK' '$WORK'/late/callee-*.msg | xargs grep -qE '$A_ADDR|$A_KEY|$A_PORT'"
check "careless: Kamailio alive" kam_alive
kam_stop
check "careless: no key material in Kamailio's log" bash -c "! grep -qE 'inline:[A-Za-z0-9+/]{20}' '$KAM_LOG'"
cp "$KAM_LOG" "$WORK/careless-kamailio.log"

# ---- Kamailio's debug log: sdes.so warns when it would dump bodies ----
debug_warns() { # LEVEL: start the careless cfg at debug=LEVEL: 0 warned, 1 not, 2 no start
  local r=2
  if kam_start_relay tests/e2e/attack-careless.cfg -A DBG="$1"; then
    r=1
    grep -q "sdes: Kamailio's log level (debug=$1) writes whole SIP messages" "$KAM_LOG" && r=0
    kam_stop
  fi
  return $r
}
debug_quiet() { debug_warns 2; [ $? = 1 ]; }
check "debug=3: sdes.so warns at start-up that the log would show keys" debug_warns 3
check "debug=2: no such warning" debug_quiet

# ---- The shipped cfg/legacy-pbx.cfg ends such calls cleanly ----
INSIDE=$(free_udp_port)
if kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts"
  pair lp-two "$INSIDE" --offer "$WORK/offer-plain.sdp" --answer "$WORK/ans-two-srtp.sdp" --wait 4
  check "legacy-pbx: refused answer in the 200: the call ends with a BYE to both parties" both_byes lp-two
  check "legacy-pbx: refused answer in the 200: nothing raw at the caller" \
    raw_free lp-two caller $B_ADDR $B_PORT $B_KEY
  check "legacy-pbx: refused answer in the 200: srtpd no longer holds the call" \
    bash -c "$(declare -f ctl); E2E_BUILD='$E2E_BUILD' RELAY_SPEC='$RELAY_SPEC'; ctl query '$(cid_of lp-two)' | grep -q 'unknown call-id'"
  pair lp-183 "$INSIDE" --offer "$WORK/offer-plain.sdp" --answer "$WORK/ans-two-srtp.sdp" \
    --answer-in both --wait 4
  check "legacy-pbx: refused answer in a 183 is not relayed" \
    bash -c "! grep -q '^SIP/2.0 183' '$WORK'/lp-183/caller-*.msg"
  check "legacy-pbx: ... and the 200 with it ends the call on both sides" \
    both_byes lp-183
  pair lp-late "$INSIDE" --late --answer "$WORK/offer-badcrypto.sdp" --ack-body "$WORK/ans-plain.sdp" \
    --wait 4
  check "legacy-pbx: refused late offer in the 200: BYE to the caller and the callee" \
    both_byes lp-late
  check "legacy-pbx: refused late offer in the 200: nothing raw at either party" \
    bash -c "$(declare -f raw_free); WORK='$WORK'; raw_free lp-late caller $A_ADDR $A_PORT $A_KEY && raw_free lp-late callee $B_ADDR $B_PORT $B_KEY"
  pair lp-fqdn "$KAM_PORT" --offer "$WORK/offer-fqdn.sdp"
  check "legacy-pbx: offer with c= an FQDN -> 488 naming the address" \
    ev lp-fqdn "caller final 488 .*sbc.example.com"
  pair lp-v6 "$KAM_PORT" --offer "$WORK/offer-ipv6.sdp"
  check "legacy-pbx: IPv6 offer, srtpd without IPv6 -> 488 naming the cause" \
    ev lp-v6 "caller final 488 .*IPv6"
  check "legacy-pbx: refused offers never reach the callee" \
    bash -c "! grep -q 'callee invite' '$WORK/lp-fqdn/events.txt' '$WORK/lp-v6/events.txt'"
  pair lp-mp "$KAM_PORT" --offer "$WORK/offer-mp-ok.body" --offer-ct "$MP_CT" \
    --answer "$WORK/ans-plain.sdp" --wait 0.5
  check "legacy-pbx: multipart offer (SDP + ISUP) is relayed (200)" ev lp-mp "caller final 200"
  check "legacy-pbx: multipart offer: the callee got the ISUP part intact" \
    bash -c "grep -q '^ISUP-PAYLOAD-7' '$WORK'/lp-mp/callee-001.msg && grep -qi '^Content-Type: multipart/mixed' '$WORK'/lp-mp/callee-001.msg"
  check "legacy-pbx: multipart offer: the SDP part rewritten (RTP/AVP, no key, no caller address)" \
    bash -c "grep -q '^m=audio [0-9]* RTP/AVP' '$WORK'/lp-mp/callee-001.msg && ! grep -v '^o=' '$WORK'/lp-mp/callee-001.msg | grep -qE 'a=crypto|$A_ADDR'"
  check "legacy-pbx: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/legacy-pbx-kamailio.log"
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# The other two shipped cfgs end a call whose 2xx answer was refused the same way.
for c in edge-policy rekey-edge; do
  if kam_start_relay "cfg/$c.cfg"; then
    pair "$c-two" "$KAM_PORT" --offer "$WORK/offer-srtp.sdp" --answer "$WORK/ans-two-srtp.sdp" --wait 4
    check "$c: refused answer in the 200: BYE to the caller and the callee" \
      both_byes "$c-two"
    check "$c: refused answer in the 200: nothing raw at the caller" \
      raw_free "$c-two" caller $B_ADDR $B_PORT $B_KEY
    kam_stop
    cp "$KAM_LOG" "$WORK/$c-kamailio.log"
  else
    fail "$c.cfg starts" "$(tail -5 "$KAM_LOG")"
  fi
done

if [ "$E2E_FAIL" != 0 ]; then
  for d in "$WORK"/*/events.txt; do echo "---- $d"; cat "$d"; done
  grep -hE "sdes|ERROR|WARN|careless" "$WORK/careless-kamailio.log" "$KAM_LOG" 2>/dev/null \
    | sed 's/inline:[^ ]*/inline:.../g' | tail -40
fi
summary
