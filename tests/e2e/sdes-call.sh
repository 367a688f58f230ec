#!/bin/bash
# tests/e2e/sdes-call.sh — real calls through Kamailio + sdes.so + srtpd on
# loopback, with the cfg/ examples as shipped (the README's use cases):
#   legacy-pbx.cfg: the plain-RTP "PBX" calls an SRTP "phone" (encrypt) and
#     the phone calls the PBX (decrypt require); media both ways, what each
#     side receives is what the other sent, the SRTP leg is checked by
#     libsrtp2 inside the phone agent and every SDP by libosip2; the call is
#     deleted in srtpd at BYE with an audit line.
#   edge-policy.cfg: a strong SRTP offer now connects (rekey both legs).
#   rekey-edge.cfg: SRTP on both sides; the keys the relay uses on leg a
#     and leg b differ (fingerprints from srtpd's query), and each phone
#     only ever saw keys of the edge.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-call
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"

check "srtpd runs" srtpd_start

# mid_call NAME ...: call with srtpd's query 1.5 s in ($WORK/NAME.query);
# with RPC_REKEY=1 also RPC sdes.rekey and the query after it (lib.sh).
mid_call() { QUERY_AT=1.5 call "$@"; }
# fp QUERYFILE LEG DIR: the fingerprints of that leg/direction's keys.
fp() {
  python3 -c 'import json,sys
q=json.load(open(sys.argv[1])); s=q["streams"][0][sys.argv[2]]
print(",".join(k["fingerprint"] for k in s.get(sys.argv[3],{}).get("keys",[])))' "$@" 2>/dev/null
}
# cur_send QUERYFILE: the MKIs of the current send keys of legs a and b.
cur_send() {
  python3 -c 'import json,sys
s=json.load(open(sys.argv[1]))["streams"][0]
print(" ".join(str([k["mki"] for k in s[l]["send"]["keys"] if k["current"]]) for l in "ab"))' "$@" 2>/dev/null
}

INSIDE=$(free_udp_port)
if kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts with srtpd"
  call out "$INSIDE" pbx phone
  check "legacy-pbx: PBX (RTP/AVP) -> phone (RTP/SAVP): caller ok" ua_ok out-uac
  check "legacy-pbx: PBX -> phone: callee ok" ua_ok out-uas
  check "legacy-pbx: PBX -> phone: media both ways, intact" both_ways out
  check "legacy-pbx: the phone got RTP/SAVP with a=crypto" ua_has out-uas "sdp-received: .*RTP/SAVP.*a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<masked>"
  check "legacy-pbx: the PBX got RTP/AVP without a=crypto" bash -c "grep 'sdp-received:' '$WORK/out-uac.out' | grep 'RTP/AVP' | grep -qv crypto"
  check "legacy-pbx: the phone's SRTP verified by libsrtp2 (suite negotiated, no failures)" \
    ua_has out-uas "suite=AES_CM_128_HMAC_SHA1_80 .*" 
  check "legacy-pbx: no SRTP failures at the phone" ua_has out-uas "srtp-failed=0"
  check "legacy-pbx: kamailio logged the audit line" grep -q "sdes audit: Call-ID.*b:SRTP recv=AES_CM_128_HMAC_SHA1_80" "$KAM_LOG"

  call in "$KAM_PORT" phone pbx -- --suite AES_256_CM_HMAC_SHA1_80
  check "legacy-pbx: phone (RTP/SAVP) -> PBX (decrypt require): caller ok" ua_ok in-uac
  check "legacy-pbx: phone -> PBX: callee ok" ua_ok in-uas
  check "legacy-pbx: phone -> PBX: media both ways, intact" both_ways in
  check "legacy-pbx: phone -> PBX: the phone's suite was kept" ua_has in-uac "suite=AES_256_CM_HMAC_SHA1_80"
  check "legacy-pbx: the PBX got RTP/AVP" bash -c "grep 'sdp-received:' '$WORK/in-uas.out' | grep 'RTP/AVP' | grep -qv crypto"

  call late "$INSIDE" pbx phone -- --late-offer
  check "legacy-pbx: late offer (PBX INVITE without SDP, offer in 200, answer in ACK): caller ok" ua_ok late-uac
  check "legacy-pbx: late offer: callee ok" ua_ok late-uas
  # The PBX sends RTP right after its ACK; our key toward the phone is
  # made when the ACK's answer reaches srtpd (decrypt mode keys A's
  # direction at the answer), so the first packet or two can race it.
  check "legacy-pbx: late offer: phone -> PBX all intact" \
    test "$(ua_field late-uas sent)" = "$(ua_field late-uac intact)"
  check "legacy-pbx: late offer: PBX -> phone intact but for at most 2 racing the ACK" \
    test "$(ua_field late-uas intact)" -ge $(( $(ua_field late-uac sent) - 2 ))

  call early "$INSIDE" pbx phone --ring 0.5 --early-media
  check "legacy-pbx: 183 with SDP then 200: caller ok" ua_ok early-uac
  check "legacy-pbx: early media call: media both ways" both_ways early

  call hold "$INSIDE" pbx phone --seconds 3 -- --seconds 3 --hold-at 0.8 --unhold-at 1.8 --min-percent 40
  check "legacy-pbx: hold/unhold re-INVITEs from the PBX: caller ok" ua_ok hold-uac
  check "legacy-pbx: hold/unhold: callee ok" ua_ok hold-uas
  check "legacy-pbx: hold: the phone paused" bash -c "grep -qE 'held-slots=[1-9]' '$WORK/hold-uas.out'"
  check "legacy-pbx: hold/unhold: all sent arrived both ways" both_ways hold

  call rekeyin "$KAM_PORT" phone pbx --seconds 3 -- --seconds 3 --mki 1 --reinvite-at 1.2 --rekey
  check "legacy-pbx: phone re-INVITE with a new key (next MKI): caller ok" ua_ok rekeyin-uac
  check "legacy-pbx: rekey: callee ok" ua_ok rekeyin-uas
  check "legacy-pbx: rekey: zero loss both ways" both_ways rekeyin
  # srtpd's rekey adds the new key to the same receive context (ROC kept),
  # so its table lists the old MKI first, the new one after it.
  check "legacy-pbx: rekey: srtpd holds the phone's old key (MKI 1) and its new one (MKI 2) in one context (audit line)" \
    grep -qE "sdes audit: Call-ID .*a:SRTP recv=AES_CM_128_HMAC_SHA1_80/mki1,2 " "$KAM_LOG"

  call early2 "$KAM_PORT" phone pbx --ring 0.5 --early-media
  check "legacy-pbx: phone -> PBX with 183 + SDP then 200: caller ok" ua_ok early2-uac
  check "legacy-pbx: phone -> PBX early media call: media both ways" both_ways early2
  check "legacy-pbx: the 200 repeats the 183's answer (same keys toward the phone)" \
    test "$(grep -c "sdes: .* answer repeated" "$KAM_LOG")" -ge 1

  call plainout "$KAM_PORT" pbx pbx -- --expect-code 488
  check "legacy-pbx: plain offer from outside -> 488 with reason" ua_has plainout-uac "final=488 SRTP_REQUIRED"
  S=$(kam_rpc sdes.stats)
  check "sdes.stats calls_encrypted counts the outbound calls" grep -qE 'calls_encrypted: [3-9]$' <<<"$S"
  check "sdes.stats calls_decrypted = 4 (phone -> PBX, late offer, rekey, early media)" grep -qE 'calls_decrypted: 4$' <<<"$S"
  check "srtpd holds no call after the BYEs" test "$(srtpd_calls)" = 0
  check "legacy-pbx: Kamailio alive" kam_alive
  grep "sdes audit" "$KAM_LOG" | sed 's/^.*sdes audit/sdes audit/'
  kam_stop
  check "legacy-pbx: no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# MKI-capable phones (--mki 1): mki-use=always puts our MKI toward both from
# the first offer, so every rekey below is in place (the shipped default
# follows each phone's own MKI use: tests/e2e/sdes-nomki.sh).
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 mki-use=always roc=keep"'; then
  pass "rekey-edge.cfg starts with srtpd"
  RPC_REKEY=1 mid_call rk "$KAM_PORT" phone phone --mki 1 -- --mki 1 --suite AEAD_AES_128_GCM
  echo "sdes.rekey on the live call: $(tr '\n' ' ' <"$WORK/rk.rpcrekey")"
  # One key per a=crypto line here (no gen-keys=2): srtpd has no next key.
  check "rekey-edge: RPC sdes.rekey on a live call with one key per line: 409 no next key" \
    grep -q '409.*no other key installed' "$WORK/rk.rpcrekey"
  check "rekey-edge: RPC sdes.rekey answer carries no key material" \
    bash -c "! grep -qiE 'inline:|\"key\"' '$WORK/rk.rpcrekey'"
  R=$(kam_rpc sdes.rekey no-such-call@sdesgate)
  echo "sdes.rekey unknown call: $R"
  check "rekey-edge: RPC sdes.rekey on an unknown call-id: 404 unknown call-id" \
    grep -q '404.*unknown call-id' <<<"$R"
  check "rekey-edge: SRTP <-> SRTP call: caller ok" ua_ok rk-uac
  check "rekey-edge: callee ok" ua_ok rk-uas
  check "rekey-edge: media both ways, intact" both_ways rk
  AR=$(fp "$WORK/rk.query" a recv); AS=$(fp "$WORK/rk.query" a send)
  BR=$(fp "$WORK/rk.query" b recv); BS=$(fp "$WORK/rk.query" b send)
  echo "fingerprints a.recv=$AR a.send=$AS b.recv=$BR b.send=$BS"
  check "rekey-edge: srtpd holds four keys on the call" test -n "$AR" -a -n "$AS" -a -n "$BR" -a -n "$BS"
  check "rekey-edge: leg a and leg b keys differ (no end-to-end key)" \
    bash -c "[ '$AR' != '$BS' ] && [ '$BR' != '$AS' ] && [ '$AR' != '$BR' ] && [ '$AS' != '$BS' ]"
  # Hold at 0.4 s, unhold at 0.9 s, srtpd queried at 1.5 s: the keys did not
  # change, so the contexts must not have been rebuilt (that would restart
  # the ROC): the caller's receive key has counted every packet since 0 s.
  mid_call rkhold "$KAM_PORT" phone phone --mki 1 -- --mki 1 --hold-at 0.4 --unhold-at 0.9 --min-percent 40
  check "rekey-edge: hold/unhold re-INVITEs: caller ok" ua_ok rkhold-uac
  check "rekey-edge: hold/unhold: media both ways" both_ways rkhold
  USED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["streams"][0]["a"]["recv"]["keys"][0]["srtp-used"])' "$WORK/rkhold.query" 2>/dev/null)
  echo "rekey-edge hold: srtp-used on leg a's receive key at 1.5 s: $USED"
  check "rekey-edge: hold/unhold kept srtpd's contexts (leg a recv key used >= 60 times at 1.5 s)" \
    test "${USED:-0}" -ge 60

  call rkre "$KAM_PORT" phone phone --mki 1 --seconds 3 -- --mki 1 --seconds 3 --reinvite-at 1.2 --rekey
  check "rekey-edge: re-INVITE with X-Rekey (sdes_rekey: new keys, next MKI, both legs): caller ok" ua_ok rkre-uac
  check "rekey-edge: rekey: callee ok" ua_ok rkre-uas
  check "rekey-edge: rekey: the callee received under the edge's old and new MKI" \
    ua_has rkre-uas "rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* "
  check "rekey-edge: rekey: the caller received under the edge's old and new MKI" \
    ua_has rkre-uac "rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* "
  check "rekey-edge: rekey: zero loss both ways" both_ways rkre
  # RPC sdes.rekey after an X-Rekey re-INVITE (0.8 s): srtpd then holds two
  # send keys per SRTP leg, so "next" switches each leg (here back to the
  # first key, which the phones were offered and still know).
  RPC_REKEY=1 mid_call rkrpc "$KAM_PORT" phone phone --mki 1 -- --mki 1 --reinvite-at 0.8 --rekey
  echo "sdes.rekey after a re-INVITE rekey: $(tr '\n' ' ' <"$WORK/rkrpc.rpcrekey")"
  check "rekey-edge: RPC sdes.rekey with two keys installed: both legs switched" \
    test "$(grep -c 'result: switched' "$WORK/rkrpc.rpcrekey")" = 2
  C1=$(cur_send "$WORK/rkrpc.query"); C2=$(cur_send "$WORK/rkrpc.query2")
  echo "current send MKIs (legs a b): before $C1, after $C2"
  check "rekey-edge: RPC sdes.rekey moved srtpd's current send MKI on legs a and b" \
    test -n "$C1" -a -n "$C2" -a "$C1" != "$C2"
  check "rekey-edge: RPC sdes.rekey: caller ok" ua_ok rkrpc-uac
  check "rekey-edge: RPC sdes.rekey: zero loss both ways" both_ways rkrpc
  # RFC 3711 §3.3.1: the ROC belongs to the stream, not to the key. Both
  # phones start at seq 65500, so every stream wraps (ROC 0 -> 1) at 0.7 s;
  # the X-Rekey re-INVITE at 1.5 s gives all four directions new keys. srtpd
  # must move them with "rekey" (same context, ROC kept): a rebuilt context
  # would restart the ROC at 0 and every later packet would fail
  # authentication (in srtpd from the phones, in the phones from srtpd).
  call rkwrap "$KAM_PORT" phone phone --mki 1 --seconds 3 --seq-start 65500 -- \
    --mki 1 --seconds 3 --seq-start 65500 --reinvite-at 1.5 --rekey
  check "rekey-edge: seq 65500, wrap at 0.7 s, X-Rekey at 1.5 s: caller ok" ua_ok rkwrap-uac
  check "rekey-edge: wrap + rekey: callee ok" ua_ok rkwrap-uas
  check "rekey-edge: wrap + rekey: both phones rekeyed and received under the edge's old and new MKI" \
    bash -c "grep -q 'rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* ' '$WORK/rkwrap-uac.out' &&
             grep -q 'rekeyed=1 mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* ' '$WORK/rkwrap-uas.out'"
  check "rekey-edge: wrap + rekey: zero loss both ways across the wrap and the key change" both_ways rkwrap
  check "rekey-edge: wrap + rekey: sdes.so moved the keys with srtpd's rekey (ROC kept), no context rebuilt" \
    bash -c "[ \$(grep -c 'rekeyed in place (ROC kept)' '$KAM_LOG') -ge 4 ] && ! grep -q 'replacing the context' '$KAM_LOG'"
  check "rekey-edge: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/kamailio-rekey-edge.log"
else
  fail "rekey-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# keys=2 (module flag, srtpd's gen-keys): every a=crypto line the edge
# writes carries two keys told apart by MKI (RFC 4568 §6.1), so srtpd holds
# the next send key from the start and RPC sdes.rekey switches both SRTP
# legs with no re-INVITE at all; the phones (libsrtp2) installed both keys
# of the line, so media goes on with zero loss under the second MKI.
if kam_start_relay cfg/rekey-edge.cfg -A 'SDES_FLAGS="mki=1 mki-use=always roc=keep keys=2"'; then
  pass "rekey-edge.cfg with default_flags keys=2 starts"
  RPC_REKEY=1 mid_call k2 "$KAM_PORT" phone phone --mki 1 -- --mki 1
  echo "sdes.rekey with keys=2, no re-INVITE: $(tr '\n' ' ' <"$WORK/k2.rpcrekey")"
  check "keys=2: each phone got two keys in the edge's a=crypto line" \
    bash -c "grep -q 'rx-keys=2' '$WORK/k2-uac.out' && grep -q 'rx-keys=2' '$WORK/k2-uas.out'"
  check "keys=2: RPC sdes.rekey with no re-INVITE: both legs switched" \
    test "$(grep -c 'result: switched' "$WORK/k2.rpcrekey")" = 2
  C1=$(cur_send "$WORK/k2.query"); C2=$(cur_send "$WORK/k2.query2")
  echo "keys=2: current send MKIs (legs a b): before $C1, after $C2"
  check "keys=2: srtpd's current send MKI moved on legs a and b" \
    test -n "$C1" -a -n "$C2" -a "$C1" != "$C2"
  check "keys=2: no re-INVITE was sent" \
    bash -c "grep -q 'reinvite=0 rekeyed=0' '$WORK/k2-uac.out' && ! grep -q 'sdp-sent (re-INVITE)' '$WORK/k2-uac.out'"
  check "keys=2: both phones received under the first and the second MKI" \
    bash -c "grep -q 'mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* ' '$WORK/k2-uac.out' &&
             grep -q 'mki-received=[0-9]*:[1-9][0-9]*,[0-9]*:[1-9][0-9]* ' '$WORK/k2-uas.out'"
  check "keys=2: caller ok" ua_ok k2-uac
  check "keys=2: callee ok" ua_ok k2-uas
  check "keys=2: zero loss both ways across the RPC switch" both_ways k2
  check "keys=2: Kamailio alive" kam_alive
  kam_stop
else
  fail "rekey-edge.cfg with keys=2 starts" "$(tail -5 "$KAM_LOG")"
fi

if kam_start_relay cfg/edge-policy.cfg; then
  pass "edge-policy.cfg starts with srtpd"
  call ep "$KAM_PORT" phone phone --suite AEAD_AES_256_GCM -- --suite AEAD_AES_256_GCM
  check "edge-policy: a strong SRTP offer now connects: caller ok" ua_ok ep-uac
  check "edge-policy: callee ok" ua_ok ep-uas
  check "edge-policy: media both ways, intact" both_ways ep
  ua_uac epweak-uac phone --to "sip:bob@127.0.0.1:9" --proxy "127.0.0.1:$KAM_PORT" --timeout 10 --suite AES_CM_128_HMAC_SHA1_32 --expect-code 488
  check "edge-policy: a weak offer still gets 488 with the reason" ua_has epweak-uac "final=488 NO_ACCEPTABLE_CRYPTO"
  check "edge-policy: Kamailio alive" kam_alive
  kam_stop
else
  fail "edge-policy.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

dump_on_fail
summary
