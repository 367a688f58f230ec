#!/bin/bash
# tests/e2e/attack-downgrade.sh — downgrade re-offers through Kamailio +
# sdes.so + srtpd, from each side of a call whose first offer bound an SRTP
# policy (issue 10 point 1): a plain RTP/AVP re-offer, one with only a
# weaker suite (AES_CM_128_HMAC_SHA1_32 where the call's policy does not
# allow it), one with UNENCRYPTED_SRTP. Each must get 488, leave srtpd's
# legs exactly as they were (transport, ports, peers, suites, key
# fingerprints: `srtpctl query` before and after) and let no packet through
# in clear. The cfgs are the shipped ones: their in-dialog sdes_offer()
# passes no policy, so only the policy bound to the call can refuse.
# Point 3: edge-policy.cfg's legacy- route allows _32; a call offering only
# _32 must work end to end (the reply route's sdes_answer() judges the
# answer by the call's policy).
. "$(dirname "$0")/lib-attack.sh"
attack_init attack-downgrade
check "srtpd runs" srtpd_start

refused() { # FILE STEP: 488, legs unchanged
  res "$1" "$2" "code=488 unchanged=1 known=1"
}

# ---- legacy-pbx.cfg: outside -> PBX, "decrypt require": leg a must be SRTP
INSIDE=$(free_udp_port)
if kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts"
  attack lp "$KAM_PORT" --a-sdp savp --b-sdp avp \
    reinvite:a:avp:a-plain clear:a-plain-clear \
    reinvite:a:savp32:a-weak reinvite:a:savp-unenc:a-unenc clear:a-clear \
    reinvite:a:savp:a-same reinvite:b:avp:b-answered-plain:avp clear:b-clear
  check "legacy-pbx: the call is set up SRTP (outside) / RTP (PBX)" res lp invite "code=200 transports=SRTP/RTP"
  check "legacy-pbx: outside plain RTP/AVP re-offer: 488, srtpd unchanged" refused lp a-plain
  check "legacy-pbx: after it, plain RTP from outside is not relayed in clear" res lp a-plain-clear "clear=0"
  check "legacy-pbx: outside _32-only re-offer: 488, srtpd unchanged" refused lp a-weak
  check "legacy-pbx: outside UNENCRYPTED_SRTP re-offer: 488, srtpd unchanged" refused lp a-unenc
  check "legacy-pbx: after them, still nothing relayed in clear" res lp a-clear "clear=0"
  check "legacy-pbx: a proper SRTP re-offer still works (200, SRTP/RTP)" res lp a-same "code=200 .*transports=SRTP/RTP"
  # The PBX re-offers (runs mirrored: the outside is the answerer now) and
  # the outside answers plain: refused (ANSWER_NO_CRYPTO); the 2xx leaves
  # neutered and the shipped cfg ends the call at the ACK (docs "Refused
  # SDP"): srtpd holds no call, nothing was ever relayed in clear.
  check "legacy-pbx: outside's plain answer to the PBX's re-offer: the call ends (srtpd holds none)" \
    res lp b-answered-plain "code=200 .*transports=none"
  check "legacy-pbx: sdes_answer refused it" \
    grep -qE "sdes_answer: Call-ID .*(SRTP_REQUIRED|ANSWER_NO_CRYPTO)" "$KAM_LOG"
  check "legacy-pbx: after it, nothing relayed in clear" res lp b-clear "clear=0"
  check "legacy-pbx: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/kamailio-legacy-pbx.log"
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# ---- legacy-pbx.cfg with the in-dialog flags from a header (test only) --
# Later flags tighten the call's policy and cannot loosen it; policy-loosen
# can (logged at WARN).
sed 's|^        sdes_offer();  *# re-offer from either side.*|        if (is_present_hf("X-Sdes-Flags")) { $var(f) = $hdr(X-Sdes-Flags); sdes_offer("$var(f)"); } else { sdes_offer(); }|' \
  cfg/legacy-pbx.cfg >"$WORK/flags-pbx.cfg"
if grep -q 'X-Sdes-Flags' "$WORK/flags-pbx.cfg" && kam_start_relay "$WORK/flags-pbx.cfg" -A "INSIDE_PORT=$(free_udp_port)"; then
  pass "legacy-pbx.cfg with header flags starts"
  attack fl "$KAM_PORT" --a-sdp savp --b-sdp avp \
    "header:X-Sdes-Flags: optional" reinvite:a:avp:opt \
    "header:X-Sdes-Flags: encrypt optional" reinvite:a:avp:enc-opt \
    "header:X-Sdes-Flags: suites=AES_256_CM_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32" reinvite:a:savp:tight \
    header: reinvite:a:savp-life31:life31 \
    "header:X-Sdes-Flags: lifetime=2^20" reinvite:a:savp:life20 \
    header: reinvite:a:savp-life31:after-life20 \
    "header:X-Sdes-Flags: policy-loosen optional" reinvite:a:avp:loosen \
    header: reinvite:a:avp:after-loosen
  check "flags: 'optional' on a require call does not loosen it: 488, srtpd unchanged" refused fl opt
  check "flags: 'encrypt optional' neither (the call keeps mode and level): 488, srtpd unchanged" refused fl enc-opt
  check "flags: suites= without the call's _80 tightens it: the _80 re-offer gets 488" refused fl tight
  check "flags: a refused re-offer leaves the policy as it was (a key stating 2^31: 200)" res fl life31 "code=200"
  check "flags: lifetime=2^20 tightens the call (re-offer 200)" res fl life20 "code=200"
  check "flags: the tightened lifetime sticks: a key stating 2^31 with no flags gets 488" refused fl after-life20
  check "flags: policy-loosen optional lets the plain re-offer through (200, RTP/RTP)" \
    res fl loosen "code=200 .*transports=RTP/RTP"
  check "flags: the loosening is logged at WARN with the policy before and after" \
    grep -q 'WARNING: .*policy LOOSENED by policy-loosen: was "mode=decrypt policy=require.*", now ".*policy=optional' "$KAM_LOG"
  check "flags: the loosened policy is the call's now (a plain re-offer with no flags: 200)" \
    res fl after-loosen "code=200"
  check "flags: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/kamailio-flags.log"
else
  fail "legacy-pbx.cfg with header flags starts" "$(tail -5 "$KAM_LOG")"
fi

# ---- rekey-edge.cfg: "rekey require": both legs must be SRTP --------------
if kam_start_relay cfg/rekey-edge.cfg; then
  pass "rekey-edge.cfg starts"
  attack rk "$KAM_PORT" --a-sdp savp --b-sdp auto \
    reinvite:a:avp:a-plain reinvite:a:savp-unenc:a-unenc \
    reinvite:b:avp:b-plain reinvite:b:savp32:b-weak reinvite:b:savp-unenc:b-unenc \
    clear:rk-clear reinvite:b:savp:b-same
  check "rekey-edge: the call is set up SRTP/SRTP" res rk invite "code=200 transports=SRTP/SRTP"
  check "rekey-edge: caller plain re-offer: 488, srtpd unchanged" refused rk a-plain
  check "rekey-edge: caller UNENCRYPTED_SRTP re-offer: 488, srtpd unchanged" refused rk a-unenc
  check "rekey-edge: callee plain re-offer: 488, srtpd unchanged" refused rk b-plain
  check "rekey-edge: callee _32-only re-offer: 488, srtpd unchanged" refused rk b-weak
  check "rekey-edge: callee UNENCRYPTED_SRTP re-offer: 488, srtpd unchanged" refused rk b-unenc
  check "rekey-edge: nothing relayed in clear" res rk rk-clear "clear=0"
  check "rekey-edge: a proper callee re-offer still works" res rk b-same "code=200 .*transports=SRTP/SRTP"
  check "rekey-edge: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/kamailio-rekey-edge.log"
else
  fail "rekey-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# ---- edge-policy.cfg: passthrough, "strong" for bob, _32 for legacy- ------
if kam_start_relay cfg/edge-policy.cfg; then
  pass "edge-policy.cfg starts"
  attack ep "$KAM_PORT" --a-sdp savp --b-sdp auto \
    reinvite:a:avp:a-plain reinvite:a:savp32:a-weak reinvite:b:avp:b-plain \
    reinvite:b:savp32:b-weak reinvite:b:savp-unenc:b-unenc reinvite:b:savp:b-same
  # Passthrough: srtpd forwards SRTP opaque (its legs read RTP).
  check "edge-policy: strong call set up through srtpd" res ep invite "code=200 .*relayed=1"
  check "edge-policy: caller plain re-offer: 488, srtpd unchanged" refused ep a-plain
  check "edge-policy: caller _32 re-offer on a strong call: 488, srtpd unchanged" refused ep a-weak
  check "edge-policy: callee plain re-offer: 488, srtpd unchanged" refused ep b-plain
  check "edge-policy: callee _32 re-offer on a strong call: 488, srtpd unchanged" refused ep b-weak
  check "edge-policy: callee UNENCRYPTED_SRTP re-offer: 488, srtpd unchanged" refused ep b-unenc
  check "edge-policy: a proper callee re-offer still works" res ep b-same "code=200"
  # Point 3: the legacy- route allows _32; the answer is judged by it.
  attack ep32 "$KAM_PORT" --ruri legacy-bob --a-sdp savp32 --b-sdp auto reinvite:b:savp32:b-32
  check "edge-policy: legacy- route, offer of only _32: 200 with the answer through srtpd" \
    res ep32 invite "code=200 .*relayed=1"
  check "edge-policy: legacy- route: the callee's _32 re-offer is allowed by the call's policy" \
    res ep32 b-32 "code=200"
  check "edge-policy: Kamailio alive" kam_alive
  kam_stop
  cp "$KAM_LOG" "$WORK/kamailio-edge-policy.log"
else
  fail "edge-policy.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

if [ "$E2E_FAIL" != 0 ]; then
  attack_dump_on_fail
  for f in "$WORK"/kamailio-*.log; do echo "---- $f"; grep -E 'sdes|ERROR|WARN' "$f" | tail -20; done
fi
summary
