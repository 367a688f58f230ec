#!/bin/bash
# tests/phones/phones-edge.sh — real phones through cfg/edge-policy.cfg as
# shipped: SRTP on both sides, keys pass end to end (sdes_offer
# "passthrough"), media through srtpd. baresip calls linphonec and back,
# each call held and resumed: the peer's tone at each phone, and each phone
# sees only the relay's address (the keys may be the peer's: passthrough).
# Per-route policy: linphonec offering only AES_CM_128_HMAC_SHA1_32 calls a
# "legacy-" user (the route allows it): the answer must be judged by that
# route's policy too, so the call connects through the relay with media
# both ways, never with the callee's raw answer (issue 10, point 3).
# linphonec's default (IPv6) offer must get 488 with the reason.
. "$(dirname "$0")/lib-phones.sh"
phones_init phones-edge
check "srtpd runs" srtpd_start
if kam_start_relay cfg/edge-policy.cfg; then
  pass "edge-policy.cfg starts"
  one_call "edge: baresip -> linphone" 0 "baresip:srtp:$KAM_PORT" "linphone:srtp:$KAM_PORT" callee
  one_call "edge: linphone -> baresip" 0 "linphone:srtp:$KAM_PORT" "baresip:srtp:$KAM_PORT" caller
  CALLEE_PREFIX=legacy_ one_call "edge: linphone (_32 only) -> legacy- baresip" 0 \
    "linphone:srtp:$KAM_PORT:AES_CM_128_HMAC_SHA1_32" "baresip:srtp:$KAM_PORT" callee
  # linphonec's default offer is IPv6 (dual-stack host) and this srtpd has
  # no --interface6: the caller must get 488 with the reason (issue 10,
  # point 10), not a 500, and nothing may stay behind in srtpd.
  PHONES_N=$((PHONES_N + 1)); v6=c$PHONES_N
  if PHONE_IPV6=1 phone_start "$v6" "linphone:srtp:$KAM_PORT" && baresip_start "d$PHONES_N" srtp "$KAM_PORT"; then
    phone_dial "$v6" "d$PHONES_N" "$(phone_port "d$PHONES_N")"
    poll 80 grep -q -E "error|ended|connected" "$WORK/$v6/log"
    if grep -q '^c=IN IP6' "$(phone_trace "$v6")"; then
      python3 "$PHONES_DIR/sdpcheck.py" --refused linphone "$(phone_trace "$v6")" "$(phone_port "$v6")" \
        >"$WORK/$v6.refused" 2>&1
      check "edge: linphone's default IPv6 offer gets 488 with the reason ($(head -1 "$WORK/$v6.refused"))" \
        grep -q '^SIP/2.0 488 .' "$WORK/$v6.refused"
      check "edge: no call left in srtpd after the IPv6 offer" test "$(srtpd_calls)" = 0
    else
      phone_hangup "$v6"
      echo "skip edge: linphone's IPv6 offer (this host has no IPv6 address: it offered IPv4)"
    fi
  else
    fail "edge: IPv6 phones start" "$(tail -3 "$WORK/$v6/log")"
  fi
  phone_stop "$v6"; phone_stop "d$PHONES_N"
  check "edge: Kamailio alive" kam_alive
else
  fail "edge-policy.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
phones_dump
summary
