#!/bin/bash
# tests/e2e/sdes-ackswitch.sh — an edge-initiated rekey (cfg/rekey-edge.cfg,
# X-Rekey re-INVITE -> sdes_rekey) gives the re-offerer a new key from us.
# srtpd must keep protecting toward the re-offerer with the old key until
# the re-offerer has our answer: the 2xx only adds the new key (srtpd
# "rekey" with "switch-after"), the re-offerer's ACK switches (sdes_ack),
# and srtpd switches by itself after switch_after_ms when no ACK comes.
#
# The re-offering phone is MKI-capable: once it has the answer it accepts
# the edge's old and new MKI (libsrtp2 with both keys). --answer-delay
# models a 2xx that takes 300 ms to reach it (it learns the new key and
# ACKs only then); --reack-delay one that ACKs 300 ms after taking the
# keys. With the fix: zero loss both ways and both MKIs seen. With
# switch_after_ms=0 (the switch at the 2xx, the old behaviour) the same
# call loses the packets srtpd sent in the 300 ms before the phone had the
# answer: the test shows that it can fail.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-ackswitch
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"

check "srtpd runs" srtpd_start

BOTH_MKI='rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* '
# lost NAME: packets the re-offering caller did not get intact.
lost() { echo $(( $(ua_field "$1-uas" sent) - $(ua_field "$1-uac" intact) )); }

# MKI-capable phones (--mki 1): mki-use=always puts our MKI toward both from
# the first offer, so every rekey below is in place (the shipped default
# follows each phone's own MKI use: tests/e2e/sdes-nomki.sh).
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 mki-use=always roc=keep"'; then
  pass "rekey-edge.cfg starts (switch_after_ms 2000)"
  call ans "$KAM_PORT" phone phone --mki 1 -- --mki 1 --reinvite-at 1.2 --rekey --answer-delay 0.3
  check "2xx reaching the re-offerer 300 ms late: caller ok" ua_ok ans-uac
  check "2xx 300 ms late: callee ok" ua_ok ans-uas
  check "2xx 300 ms late: the caller held the 2xx back" ua_has ans-uac "held back 0.300 s"
  check "2xx 300 ms late: zero loss both ways" both_ways ans
  check "2xx 300 ms late: the re-offerer received under the edge's old and new MKI" ua_has ans-uac "$BOTH_MKI"
  check "2xx 300 ms late: the callee received under the edge's old and new MKI" ua_has ans-uas "$BOTH_MKI"
  check "2xx 300 ms late: the 2xx only added the key toward the re-offerer" \
    grep -q "stream 0 leg a send: rekeyed in place (ROC kept); the switch waits for the re-offerer's ACK (srtpd's deadline 2000 ms)" "$KAM_LOG"
  check "2xx 300 ms late: sdes.so switched at the re-offerer's ACK" \
    grep -q "stream 0 leg a send: switched to MKI [0-9]* at the re-offerer's ACK" "$KAM_LOG"
  check "2xx 300 ms late: srtpd did not need its fallback" bash -c "! grep -q 'switch-after)' '$WORK/srtpd.log'"

  call rack "$KAM_PORT" phone phone --mki 1 -- --mki 1 --reinvite-at 1.2 --rekey --reack-delay 0.3
  check "ACK held back 300 ms: caller ok" ua_ok rack-uac
  check "ACK held back 300 ms: the caller sent its ACK late" ua_has rack-uac "ACK sent now"
  check "ACK held back 300 ms: zero loss both ways" both_ways rack
  check "ACK held back 300 ms: the re-offerer received under the edge's old and new MKI" ua_has rack-uac "$BOTH_MKI"

  # The callee re-offers: its leg is srtpd's leg b.
  call rev "$KAM_PORT" phone phone --mki 1 --reinvite-at 1.2 --rekey --answer-delay 0.3 -- --mki 1
  check "callee re-offers, its 2xx 300 ms late: caller ok" ua_ok rev-uac
  check "callee re-offers: callee ok" ua_ok rev-uas
  check "callee re-offers: zero loss both ways" both_ways rev
  check "callee re-offers: it received under the edge's old and new MKI" ua_has rev-uas "$BOTH_MKI"
  check "callee re-offers: sdes.so switched leg b at its ACK" \
    grep -q "stream 0 leg b send: switched to MKI [0-9]* at the re-offerer's ACK" "$KAM_LOG"
  check "Kamailio alive" kam_alive
  kam_stop
else
  fail "rekey-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# The safety net: the ACK comes 800 ms late, srtpd's fallback is 300 ms.
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 mki-use=always roc=keep"' -A "SWITCH_AFTER=300"; then
  pass "rekey-edge.cfg starts (switch_after_ms 300)"
  call fb "$KAM_PORT" phone phone --mki 1 -- --mki 1 --reinvite-at 1.2 --rekey --reack-delay 0.8
  check "no ACK within switch_after_ms: caller ok" ua_ok fb-uac
  check "no ACK in time: srtpd switched by itself after 300 ms" \
    grep -q "stream 0 leg a: no use within 300 ms: send key switched by srtpd (switch-after)" "$WORK/srtpd.log"
  check "no ACK in time: the late ACK found nothing pending (no switch from sdes.so)" \
    bash -c "! grep -q \"switched to MKI [0-9]* at the re-offerer's ACK\" '$KAM_LOG'"
  check "no ACK in time: zero loss both ways (the phone had the keys)" both_ways fb
  check "no ACK in time: the re-offerer received under the old and new MKI" ua_has fb-uac "$BOTH_MKI"
  kam_stop
else
  fail "rekey-edge.cfg with SWITCH_AFTER=300 starts" "$(tail -5 "$KAM_LOG")"
fi

# The old behaviour, same call: the switch at the 2xx loses packets.
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 mki-use=always roc=keep"' -A "SWITCH_AFTER=0"; then
  pass "rekey-edge.cfg starts (switch_after_ms 0: switch at the 2xx)"
  call old "$KAM_PORT" phone phone --mki 1 -- --mki 1 --reinvite-at 1.2 --rekey --answer-delay 0.3
  L=$(lost old)
  echo "switch at the 2xx, 2xx 300 ms late: the re-offerer lost $L packet(s)"
  check "switch at the 2xx: the re-offerer loses packets (>= 5 of the ~15 sent in 300 ms)" test "$L" -ge 5
  check "switch at the 2xx: no pending switch was recorded" \
    bash -c "! grep -q \"the switch waits for the re-offerer's ACK\" '$KAM_LOG'"
  kam_stop
else
  fail "rekey-edge.cfg with SWITCH_AFTER=0 starts" "$(tail -5 "$KAM_LOG")"
fi

check "no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"
dump_on_fail
summary
