#!/bin/bash
# tests/phones/phones-legacy.sh — real phones through cfg/legacy-pbx.cfg as
# shipped (Kamailio + build/sdes.so + build/srtpd): the "PBX" is a phone
# without encryption on the inside port, the outside phone speaks SRTP
# (SDES). Both phones (baresip, linphonec) on each side, both directions:
# the PBX calls out (sdes_offer encrypt), the outside calls in (decrypt
# require); each call is put on hold and resumed. Media must pass both ways
# (the peer's tone recorded at each phone) and each phone must only ever see
# the relay's address and, on the SRTP side, the edge's keys.
. "$(dirname "$0")/lib-phones.sh"
phones_init phones-legacy
check "srtpd runs" srtpd_start
INSIDE=$(free_udp_port)
if kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts (outside $KAM_PORT, inside $INSIDE)"
  one_call "legacy: PBX baresip -> outside linphone" 1 \
    "baresip:plain:$INSIDE" "linphone:srtp:$KAM_PORT" callee
  one_call "legacy: outside linphone -> PBX baresip" 1 \
    "linphone:srtp:$KAM_PORT" "baresip:plain:$INSIDE" callee
  one_call "legacy: PBX linphone -> outside baresip" 1 \
    "linphone:plain:$INSIDE" "baresip:srtp:$KAM_PORT" caller
  one_call "legacy: outside baresip -> PBX linphone" 1 \
    "baresip:srtp:$KAM_PORT" "linphone:plain:$INSIDE" caller
  check "legacy: Kamailio alive" kam_alive
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
phones_dump
summary
