#!/bin/bash
# tests/phones/phones-rekey.sh — real phones through cfg/rekey-edge.cfg as
# shipped: SRTP on both sides, each leg keyed by the edge (no end-to-end
# key), media re-encrypted by srtpd. Neither baresip nor linphonec supports
# MKI, so the edge must not put one toward them (issue 10, point 5).
# Phone to phone both ways, with hold and resume: the peer's tone at each
# phone, only the relay's address and the edge's keys in what each received.
# Then a rekey: the e2e-ua agent (which does use MKI) sends a re-INVITE with
# "X-Rekey: yes", sdes_rekey gives the agent's leg a new key (with MKI) and
# the phone on the other leg what the cfg sets for it (nomki=): linphone a
# re-offer with a plain key change (nomki=change, the default: libsrtp2
# re-keys), baresip 1.0 its key unchanged (nomki=keep: the cfg matches its
# User-Agent/Server; its srtp module never re-keys, so a plain key change
# would fail every packet after it). Media must keep flowing both ways
# after it, at the phone and at the agent.
. "$(dirname "$0")/lib-phones.sh"
phones_init phones-rekey
need "$E2E_UA" "the test user agent"
check "srtpd runs" srtpd_start

# rekey_call NAME PHONE-SPEC uac|uas keep|change: the agent calls the
# phone (uac) or the phone calls the agent (uas); 6 s of media, the
# agent's X-Rekey re-INVITE at 2 s; srtpd's query at 1.5 s and at 5.5 s.
# keep|change: what the rekey must do to the edge's key toward the phone.
rekey_call() {
  local name=$1 spec=$2 role=$3 want=$4 p cid
  PHONES_N=$((PHONES_N + 1)); p=p$PHONES_N
  phone_start "$p" "$spec" || { fail "$name: phone starts" "$(tail -3 "$WORK/$p/log")"; return; }
  local ua=(--seconds 6 --mki 1 --rekey --reinvite-at 2 --min-percent 0 --timeout 20)
  if [ "$role" = uac ]; then
    ua_uac "$name-ua" phone --to "sip:$p@127.0.0.1:$(phone_port "$p")" --proxy "127.0.0.1:$KAM_PORT" \
      "${ua[@]}" &
    E2E_PIDS+=($!)
  else
    ua_uas "$name-ua" phone "${ua[@]}" || { fail "$name: agent starts" "no port"; phone_stop "$p"; return; }
    phone_dial "$p" agent "$UAS_PORT"
  fi
  if ! poll 80 phone_connected "$p"; then
    fail "$name: call connects" "no established call at $p"
  else
    pass "$name: call connects"
    sleep 1.5
    cid=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[-1]["call-id"] if c else "")' 2>/dev/null)
    ctl --json query -- "$cid" >"$WORK/$name.q1" 2>&1
    sleep 4
    ctl --json query -- "$cid" >"$WORK/$name.q2" 2>&1
  fi
  [ "$role" = uas ] && sleep 1 && phone_hangup "$p"
  ua_wait "$name-ua"
  poll 30 phone_ended "$p"
  # The agent: its rekey re-INVITE got 200, and it received the phone's
  # packets (they fail its payload check -- a phone sends audio, not its
  # numbered packets -- so they count as "corrupt": authenticated SRTP
  # from the relay with a foreign payload) and not one failed SRTP.
  check "$name: the agent's X-Rekey re-INVITE got 200" ua_has "$name-ua" "reinvite=200"
  local got fails
  got=$(ua_field "$name-ua" corrupt); fails=$(ua_field "$name-ua" srtp-failed)
  check "$name: the agent received the phone's SRTP through the relay (${got:-0} packets, 6 s)" \
    test "${got:-0}" -ge 200
  check "$name: no SRTP failure at the agent (${fails:-?})" test "${fails:-1}" = 0
  # The agent's leg: a new key with an MKI, whatever the phone's leg got.
  # As caller it had MKIs from the start: packets under the old and the new
  # MKI (hitless); as callee its first key had none (our first offer), so
  # the rekey's key is a plain change to one with an MKI.
  if [ "$role" = uac ]; then
    check "$name: the agent's leg was rekeyed in place (old and new MKI received)" \
      ua_has "$name-ua" "rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* "
  else
    check "$name: the agent's leg got a new key with an MKI" bash -c \
      "grep -q 'peer key replaced' '$WORK/$name-ua.out' && grep -q 'mki-received=[0-9]*:[1-9]' '$WORK/$name-ua.out'"
  fi
  # The phone: it got the re-offer, and in it the edge's key as nomki= says.
  sdp_clean "$p" "$p" 1 >/dev/null 2>&1   # addresses only: the agent has no trace
  local nk nsdp
  nsdp=$(sed -n 's/^\([0-9]*\) SDP received.*/\1/p' "$WORK/$p.sdpcheck" | tail -1)
  check "$name: $p received the rekey's re-offer or answer (${nsdp:-0} SDP)" test "${nsdp:-0}" -ge 2
  nk=$(python3 "$PHONES_DIR/sdpcheck.py" --distinct-keys "$(phone_kind "$p")" "$(phone_trace "$p")" \
    "$(phone_port "$p")" AES_CM_128_HMAC_SHA1_80 2>/dev/null)
  if [ "$want" = keep ]; then
    check "$name: nomki=keep: the edge's AES_CM_128_HMAC_SHA1_80 key toward $p unchanged ($nk different keys received)" \
      test "${nk:-0}" -eq 1
    check "$name: no SRTP unprotect failure at $p ($(srtp_errors "$p"))" test "$(srtp_errors "$p")" = 0
    local pl=b; [ "$role" = uas ] && pl=a
    check "$name: Kamailio logged the key kept on $p's leg $pl" \
      grep -q -F "leg $pl: key kept in the rekey (nomki=keep" "$KAM_LOG"
  else
    check "$name: nomki=change: $p got a new AES_CM_128_HMAC_SHA1_80 key from the edge in the rekey ($nk different keys received)" \
      test "${nk:-0}" -ge 2
    # A plain key change costs the packets srtpd sends under the old key
    # after the phone took the new one (docs/sdes-module.md "Keying follows the peer":
    # 0 or 1 on loopback); a key the phone could not use fails them all.
    check "$name: at most 2 SRTP unprotect failures at $p in the key change ($(srtp_errors "$p"))" \
      test "$(srtp_errors "$p")" -le 2
  fi
  check "$name: no MKI toward $p (it has none)" bash -c \
    "! tr '\r' '\n' <'$(phone_trace "$p")' | grep -E '^a=crypto:.*inline:[^ ]*\|[0-9]+:[0-9]+'"
  local o1 o2 leg=b; [ "$role" = uas ] && leg=a
  o1=$(leg_out "$WORK/$name.q1" $leg); o2=$(leg_out "$WORK/$name.q2" $leg)
  check "$name: srtpd kept sending to the phone's leg across the rekey ($o1 -> $o2)" test $((o2 - o1)) -ge 150
  # A packet or two in flight at a key change may fail; a key the phone
  # cannot use fails every packet.
  local drops
  drops=$(leg_drops "$WORK/$name.q2" $leg)
  check "$name: at most 5 auth/replay/MKI drops on the phone's leg ($drops)" \
    test "$drops" -ge 0 -a "$drops" -le 5
  if [ "$(phone_kind "$p")" = linphone ]; then
    local heard
    heard=$(python3 "$PHONES_DIR/tone.py" "$(phone_rec "$p")" 0 3 2>/dev/null || echo 0)
    check "$name: $p hears the agent in the last 3 s, after the rekey (${heard} s)" ge "$heard" 2
  else
    local heard
    heard=$(audio_seconds "$(phone_rec "$p")")
    check "$name: $p hears the agent before the rekey (${heard} s)" ge "$heard" 1
  fi
  check "$name: $p got only the relay's address ($(tail -1 "$WORK/$p.sdpcheck"))" \
    bash -c "! grep -q 'not the relay' '$WORK/$p.sdpcheck'"
  phone_stop "$p"
}

if kam_start_relay cfg/rekey-edge.cfg; then
  pass "rekey-edge.cfg starts"
  one_call "rekey: baresip -> linphone" 1 "baresip:srtp:$KAM_PORT" "linphone:srtp:$KAM_PORT" callee
  one_call "rekey: linphone -> baresip" 1 "linphone:srtp:$KAM_PORT" "baresip:srtp:$KAM_PORT" caller
  rekey_call "rekey: agent X-Rekey -> baresip" "baresip:srtp:$KAM_PORT" uac keep
  rekey_call "rekey: linphone -> agent X-Rekey" "linphone:srtp:$KAM_PORT" uas change
  check "rekey: Kamailio alive" kam_alive
else
  fail "rekey-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
phones_dump
summary
