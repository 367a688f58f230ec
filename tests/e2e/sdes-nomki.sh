#!/bin/bash
# tests/e2e/sdes-nomki.sh — cfg/rekey-edge.cfg (default_flags "mki=1
# roc=keep") with phones that have no MKI support, as linphone 5.1
# (libsrtp2) and baresip 1.0 (libre): e2e-ua --no-mki ignores a peer's MKI,
# so libsrtp2 reads the MKI byte as part of the tag and every packet that
# carries one fails authentication, and a new peer key replaces the old
# one at once (no MKI: one key at a time).
#
#  1. A call: the edge writes no MKI toward either phone (neither used
#     one), media both ways. With mki-use=always (the MKI on every key, the
#     behaviour before) the same call fails: shows the test can fail.
#  2. An edge-initiated rekey (X-Rekey re-INVITE -> sdes_rekey) from the
#     caller and from the callee: a plain key change toward each phone,
#     media still both ways; the packets lost in the switch are counted and
#     bounded (docs/sdes-module.md "Keying follows the peer").
#  3. An MKI-capable caller and a no-MKI callee: each gets what it used.
#  4. A phone that never re-keys (baresip 1.0; e2e-ua --keep-rx-key):
#     nomki=change (the default) fails it after the rekey, nomki=keep
#     keeps the edge's key toward it while the MKI side gets a new one.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-nomki
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"

check "srtpd runs" srtpd_start

# lost NAME DIR: packets sent by one phone that the other did not get
# intact (DIR uac: the callee's packets at the caller; uas: the reverse).
lost() {
  local from=uas; [ "$2" = uas ] && from=uac
  echo $(( $(ua_field "$1-$from" sent) - $(ua_field "$1-$2" intact) ))
}
no_edge_mki() { ua_has "$1" "peer-mki-lines=0\$"; }
# MAXLOST: bound on the packets lost each way by a rekey without MKI on
# loopback (the switch window is Kamailio's relay of the SIP message plus
# the phone's handling of it: well under one 20 ms packet interval).
MAXLOST=2
# A phone in a rekey without MKI: the packets lost in the switch fail its
# SRTP check; the count is asserted below, not by the agent's verdict.
NOMKI="--no-mki --max-srtp-fail $MAXLOST"

if kam_start_relay cfg/rekey-edge.cfg; then
  pass "rekey-edge.cfg starts (shipped default_flags mki=1 roc=keep)"
  call nm "$KAM_PORT" phone phone --no-mki -- --no-mki
  check "no-MKI phones: caller ok" ua_ok nm-uac
  check "no-MKI phones: callee ok" ua_ok nm-uas
  check "no-MKI phones: media both ways, intact" both_ways nm
  check "no-MKI phones: no SRTP failure at either phone" \
    bash -c "grep -q 'srtp-failed=0 ' '$WORK/nm-uac.out' && grep -q 'srtp-failed=0 ' '$WORK/nm-uas.out'"
  check "no-MKI phones: the edge wrote no MKI toward the caller" no_edge_mki nm-uac
  check "no-MKI phones: the edge wrote no MKI toward the callee" no_edge_mki nm-uas

  # The caller re-INVITEs with X-Rekey (and a new key of its own, no MKI).
  call rk "$KAM_PORT" phone phone $NOMKI -- $NOMKI --reinvite-at 1.2 --rekey
  check "no-MKI caller rekey: caller ok" ua_ok rk-uac
  check "no-MKI caller rekey: callee ok" ua_ok rk-uas
  check "no-MKI caller rekey: the caller took the edge's new key (no MKI)" \
    ua_has rk-uac "peer key replaced (plain key change)"
  check "no-MKI caller rekey: the callee took the edge's new key (no MKI)" \
    ua_has rk-uas "peer key replaced (plain key change)"
  check "no-MKI caller rekey: still no MKI toward either phone" \
    bash -c "grep -q 'peer-mki-lines=0\$' '$WORK/rk-uac.out' && grep -q 'peer-mki-lines=0\$' '$WORK/rk-uas.out'"
  L1=$(lost rk uac); L2=$(lost rk uas)
  echo "no-MKI caller rekey: lost $L1 packet(s) toward the caller, $L2 toward the callee (of ~150 each)"
  check "no-MKI caller rekey: media both ways after the rekey (callee's last packets arrived)" \
    test "$(ua_field rk-uac last)" -ge 140
  check "no-MKI caller rekey: at most $MAXLOST packets lost toward each phone" \
    test "$L1" -le "$MAXLOST" -a "$L2" -le "$MAXLOST"
  check "no-MKI caller rekey: keys replaced, not rekeyed in place (no MKI)" \
    bash -c "! grep -q 'rekeyed in place' '$KAM_LOG'"
  check "no-MKI caller rekey: no switch deferred to the ACK (the phone holds one key)" \
    bash -c "! grep -q \"the switch waits for the re-offerer's ACK\" '$KAM_LOG'"

  # The 2xx reaches the re-offering caller 300 ms late: it keeps sending
  # under its old key for 300 ms after srtpd has its new one (srtpd takes
  # both: zero loss toward the callee), and it installs the edge's new key
  # 300 ms after srtpd switched to it at the 2xx: those packets are lost
  # (the documented cost of a rekey without MKI when the 2xx is late).
  call late "$KAM_PORT" phone phone $NOMKI -- --no-mki --max-srtp-fail 20 --min-percent 85 \
    --reinvite-at 1.2 --rekey --answer-delay 0.3
  check "2xx 300 ms late: callee ok" ua_ok late-uas
  check "2xx 300 ms late: caller ok (85 % and 20 SRTP failures tolerated)" ua_ok late-uac
  check "2xx 300 ms late: the caller held the 2xx back" ua_has late-uac "held back 0.300 s"
  L1=$(lost late uac); L2=$(lost late uas)
  echo "no-MKI rekey, 2xx 300 ms late: lost $L1 packet(s) toward the caller, $L2 toward the callee"
  check "2xx 300 ms late: zero loss toward the callee (srtpd took the caller's old and new key)" \
    test "$L2" -eq 0
  check "2xx 300 ms late: toward the caller at most the 300 ms the 2xx was late (<= 17 packets)" \
    test "$L1" -le 17

  # The callee re-INVITEs with X-Rekey: its leg is srtpd's leg b.
  call rkb "$KAM_PORT" phone phone $NOMKI --reinvite-at 1.2 --rekey -- $NOMKI
  check "no-MKI callee rekey: caller ok" ua_ok rkb-uac
  check "no-MKI callee rekey: callee ok" ua_ok rkb-uas
  check "no-MKI callee rekey: both phones took a new key" \
    bash -c "grep -q 'peer key replaced (plain key change)' '$WORK/rkb-uac.out' && grep -q 'peer key replaced (plain key change)' '$WORK/rkb-uas.out'"
  L1=$(lost rkb uac); L2=$(lost rkb uas)
  echo "no-MKI callee rekey: lost $L1 packet(s) toward the caller, $L2 toward the callee"
  check "no-MKI callee rekey: at most $MAXLOST packets lost toward each phone" \
    test "$L1" -le "$MAXLOST" -a "$L2" -le "$MAXLOST"

  # An MKI-capable caller and a callee without MKI support.
  call mix "$KAM_PORT" phone phone $NOMKI -- --mki 1 --reinvite-at 1.2 --rekey
  check "MKI caller, no-MKI callee: both ok" bash -c "grep -q '^ua: result=ok' '$WORK/mix-uac.out' && grep -q '^ua: result=ok' '$WORK/mix-uas.out'"
  check "MKI caller: the edge's keys toward it carry an MKI (it used one)" \
    bash -c "! grep -q 'peer-mki-lines=0\$' '$WORK/mix-uac.out'"
  check "MKI caller: its rekey is hitless (old and new MKI received)" \
    ua_has mix-uac "rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* "
  check "MKI caller: zero loss toward it" test "$(lost mix uac)" -eq 0
  check "no-MKI callee: no MKI toward it, before or after the rekey" no_edge_mki mix-uas
  check "no-MKI callee: at most $MAXLOST packets lost toward it" test "$(lost mix uas)" -le "$MAXLOST"

  # An MKI-capable callee: our first offer has no MKI (it has sent no
  # a=crypto yet), it answers with an MKI, so the rekey's new key toward it
  # carries one: a plain key change (MKI length 0 -> 1), later ones in place.
  call mixb "$KAM_PORT" phone phone --mki 1 --max-srtp-fail $MAXLOST -- $NOMKI --reinvite-at 1.2 --rekey
  check "no-MKI caller, MKI callee: both ok" \
    bash -c "grep -q '^ua: result=ok' '$WORK/mixb-uac.out' && grep -q '^ua: result=ok' '$WORK/mixb-uas.out'"
  check "MKI callee: the first offer had no MKI, the rekey's line had one (1 of its peer lines)" \
    ua_has mixb-uas "peer-mki-lines=1\$"
  check "MKI callee: it took the edge's new key and received under its MKI" \
    bash -c "grep -q 'peer key replaced (plain key change)' '$WORK/mixb-uas.out' && grep -q 'mki-received=[0-9]*:[1-9]' '$WORK/mixb-uas.out'"
  check "MKI callee: at most $MAXLOST packets lost toward it" test "$(lost mixb uas)" -le "$MAXLOST"
  check "no-MKI caller: at most $MAXLOST packets lost toward it" test "$(lost mixb uac)" -le "$MAXLOST"
  # A phone that never re-keys (baresip 1.0: it keeps the receive context
  # of the first key, whatever a re-offer says): the shipped default
  # (nomki=change) gives it a plain key change it ignores, so it fails
  # every packet after the rekey. What nomki=keep (below) is for.
  call qk "$KAM_PORT" phone phone --no-mki --keep-rx-key --max-srtp-fail 1000 --min-percent 0 \
    -- --mki 1 --reinvite-at 1.2 --rekey
  check "nomki=change (default), a phone that never re-keys: it got a new key and ignored it" \
    ua_has qk-uas "peer key change ignored"
  check "nomki=change (default), a phone that never re-keys: it fails the edge's packets after the rekey (srtp-failed $(ua_field qk-uas srtp-failed))" \
    test "$(ua_field qk-uas srtp-failed)" -ge 50
  check "Kamailio alive" kam_alive
  kam_stop
else
  fail "rekey-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# nomki=keep (here for every call, by default_flags; cfg/rekey-edge.cfg
# sets it per call by the User-Agent/Server of phones known not to
# re-key): a rekey gives new keys toward an MKI peer only; toward a peer
# without MKI the edge's key stays as it is (the peer's own new key is
# still taken).
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 roc=keep nomki=keep"'; then
  pass "rekey-edge.cfg starts with nomki=keep"
  # The MKI caller re-INVITEs with X-Rekey toward a callee that never re-keys.
  call kp "$KAM_PORT" phone phone --no-mki --keep-rx-key -- --mki 1 --reinvite-at 1.2 --rekey
  check "nomki=keep: both ok" \
    bash -c "grep -q '^ua: result=ok' '$WORK/kp-uac.out' && grep -q '^ua: result=ok' '$WORK/kp-uas.out'"
  check "nomki=keep: the callee (no MKI) got the same key in the re-offer" \
    bash -c "! grep -q 'peer key change ignored\\|peer key replaced' '$WORK/kp-uas.out'"
  check "nomki=keep: no SRTP failure, nothing lost at the callee (lost $(lost kp uas))" \
    bash -c "grep -q 'srtp-failed=0 ' '$WORK/kp-uas.out' && test $(lost kp uas) -eq 0"
  check "nomki=keep: the MKI caller was rekeyed, hitless (old and new MKI received)" \
    ua_has kp-uac "rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* "
  check "nomki=keep: zero loss toward the MKI caller" test "$(lost kp uac)" -eq 0
  # The callee that never re-keys re-INVITEs with X-Rekey and a new key of
  # its own: the edge takes it, and answers with its key unchanged.
  call kb "$KAM_PORT" phone phone --no-mki --keep-rx-key --reinvite-at 1.2 --rekey -- --mki 1
  check "nomki=keep, the no-MKI phone re-offers: both ok" \
    bash -c "grep -q '^ua: result=ok' '$WORK/kb-uac.out' && grep -q '^ua: result=ok' '$WORK/kb-uas.out'"
  check "nomki=keep, the no-MKI phone re-offers: the answer kept the edge's key toward it" \
    bash -c "! grep -q 'peer key change ignored\\|peer key replaced' '$WORK/kb-uas.out'"
  check "nomki=keep, the no-MKI phone re-offers: its new key was taken (nothing lost toward the caller: $(lost kb uac))" \
    test "$(lost kb uac)" -le "$MAXLOST"
  check "nomki=keep, the no-MKI phone re-offers: no SRTP failure at it" \
    bash -c "grep -q 'srtp-failed=0 ' '$WORK/kb-uas.out'"
  check "nomki=keep: Kamailio logged the kept key on the no-MKI phone's leg (b), in both rekeys" \
    test "$(grep -c 'stream 0 leg b: key kept in the rekey (nomki=keep' "$KAM_LOG")" -eq 2
  check "nomki=keep: and no kept key on the MKI caller's leg (a)" \
    bash -c "! grep -q 'leg a: key kept in the rekey' '$KAM_LOG'"
  check "nomki=keep: Kamailio alive" kam_alive
  kam_stop
else
  fail "rekey-edge.cfg with nomki=keep starts" "$(tail -5 "$KAM_LOG")"
fi

# The behaviour before: an MKI on every key we write. A phone without MKI
# support fails every packet (linphone: srtp_unprotect() failed (7)).
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 mki-use=always roc=keep"'; then
  pass "rekey-edge.cfg starts with mki-use=always"
  call old "$KAM_PORT" phone phone --no-mki -- --no-mki
  check "mki-use=always: the caller's packets fail at the no-MKI callee" \
    test "$(ua_field old-uas intact)" -eq 0 -a "$(ua_field old-uas srtp-failed)" -gt 100
  check "mki-use=always: the callee's packets fail at the no-MKI caller" \
    test "$(ua_field old-uac intact)" -eq 0 -a "$(ua_field old-uac srtp-failed)" -gt 100
  kam_stop
else
  fail "rekey-edge.cfg with mki-use=always starts" "$(tail -5 "$KAM_LOG")"
fi

check "no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"
dump_on_fail
summary
