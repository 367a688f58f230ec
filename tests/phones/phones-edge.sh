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
. "$(dirname "$0")/lib-phones.sh"
phones_init phones-edge
check "srtpd runs" srtpd_start
if kam_start_relay cfg/edge-policy.cfg; then
  pass "edge-policy.cfg starts"
  one_call "edge: baresip -> linphone" 0 "baresip:srtp:$KAM_PORT" "linphone:srtp:$KAM_PORT" callee
  one_call "edge: linphone -> baresip" 0 "linphone:srtp:$KAM_PORT" "baresip:srtp:$KAM_PORT" caller
  CALLEE_PREFIX=legacy_ one_call "edge: linphone (_32 only) -> legacy- baresip" 0 \
    "linphone:srtp:$KAM_PORT:AES_CM_128_HMAC_SHA1_32" "baresip:srtp:$KAM_PORT" callee
  check "edge: Kamailio alive" kam_alive
else
  fail "edge-policy.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
phones_dump
summary
