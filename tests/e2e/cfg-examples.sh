#!/bin/bash
# tests/e2e/cfg-examples.sh — the cfg/ examples as shipped: `kamailio -c`
# accepts each, each starts on loopback (module fix-ups run, so flag typos
# would fail here), answers real INVITEs from the e2e-ua agents (tls-edge:
# one INVITE over TLS from openssl s_client), and stops cleanly.
# No srtpd runs here (the relay address has nothing behind it): policy
# decisions are checked for real (the SDES engine judges every offer against
# the cfg's policy: 488 + the engine's reason; late offers refused by the
# policy edge), and an offer that passes must end in 503 "Media Relay
# Unreachable" (rc -3), never a pretend success. Full calls through srtpd
# with media: sdes-call.sh.
. "$(dirname "$0")/lib.sh"
e2e_init cfg-examples
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"

ask() { # NAME PORT USER ROLE [caller args]: an INVITE that never reaches a callee
  local name=$1 port=$2 user=$3 role=$4; shift 4
  ua_uac "$name" "$role" --to "sip:$user@127.0.0.1:9" --proxy "127.0.0.1:$port" \
    --seconds 1 --timeout 10 "$@"
}
start() { # CFG [defines]
  local cfg=$1; shift
  kam_start "$cfg" -A "RELAY=\"unix:$WORK/no-relay.sock\"" "$@"
}

for c in legacy-pbx edge-policy rekey-edge tls-edge legacy-pbx-lua legacy-pbx-python; do
  check "kamailio -c accepts cfg/$c.cfg" kam_check "cfg/$c.cfg"
done

# --- legacy PBX: inside port encrypts, outside port decrypts (require) ---
INSIDE=$(free_udp_port)
if start cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts (outside $KAM_PORT, inside $INSIDE)"
  ask lp-in "$INSIDE" bob pbx --expect-code 503
  check "legacy-pbx: PBX offer -> sdes_offer(encrypt) finds no relay (503)" \
    ua_has lp-in "final=503 Media Relay Unreachable"
  ask lp-out "$KAM_PORT" pbx phone --expect-code 503
  check "legacy-pbx: SRTP offer from outside passes the policy, then 503 (no relay answers)" \
    ua_has lp-out "final=503 Media Relay Unreachable"
  ask lp-out-plain "$KAM_PORT" pbx pbx --expect-code 488
  check "legacy-pbx: plain offer from outside -> 488 (decrypt require)" \
    ua_has lp-out-plain "final=488 SRTP_REQUIRED: plain RTP but the policy requires SRTP"
  check "legacy-pbx: Kamailio alive" kam_alive
  kam_stop
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# --- the KEMI versions of legacy-pbx (Lua, Python): same answers ---
for E in lua python; do
  INSIDE=$(free_udp_port)
  S=$E2E_ROOT/cfg/legacy-pbx.$([ $E = lua ] && echo lua || echo py)
  if start cfg/legacy-pbx-$E.cfg -A "INSIDE_PORT=$INSIDE" -A "KEMI_SCRIPT=\"$S\""; then
    pass "legacy-pbx-$E.cfg starts"
    ask lp$E-in "$INSIDE" bob pbx --expect-code 503
    check "legacy-pbx-$E: PBX offer finds no relay (503)" \
      ua_has lp$E-in "final=503 Media Relay Unreachable"
    ask lp$E-plain "$KAM_PORT" pbx pbx --expect-code 488
    check "legacy-pbx-$E: plain offer from outside -> 488 (decrypt require)" \
      ua_has lp$E-plain "final=488 SRTP_REQUIRED: plain RTP but the policy requires SRTP"
    check "legacy-pbx-$E: Kamailio alive" kam_alive
    kam_stop
  else
    fail "legacy-pbx-$E.cfg starts" "$(tail -5 "$KAM_LOG")"
  fi
done

# --- edge policy: strong by default, require for legacy-* users ---
if start cfg/edge-policy.cfg; then
  pass "edge-policy.cfg starts"
  ask ep-plain "$KAM_PORT" bob pbx --expect-code 488
  check "edge-policy: offer without a=crypto -> 488 with reason" ua_has ep-plain "final=488 SRTP_REQUIRED: plain RTP but the policy requires SRTP"
  ask ep-weak "$KAM_PORT" bob phone --suite AES_CM_128_HMAC_SHA1_32 --expect-code 488
  check "edge-policy: strong policy refuses a 32-bit tag with the reason" ua_has ep-weak \
    "final=488 NO_ACCEPTABLE_CRYPTO: no acceptable a=crypto (m=0: suite not allowed by policy)"
  ask ep-legacy "$KAM_PORT" legacy-bob phone --suite AES_CM_128_HMAC_SHA1_32 --expect-code 503
  check "edge-policy: per-route policy: legacy-* (require) lets the 32-bit tag pass the check (503: no relay)" \
    ua_has ep-legacy "final=503 Media Relay Unreachable"
  ask ep-late "$KAM_PORT" bob pbx --offer-file /dev/null --expect-code 488
  check "edge-policy: late offer refused with reason" \
    ua_has ep-late "final=488 SDP offer with a=crypto required"
  ask ep-srtp "$KAM_PORT" bob phone --expect-code 503
  check "edge-policy: strong SRTP offer passes the check, then 503 (no relay answers)" \
    ua_has ep-srtp "final=503 Media Relay Unreachable"
  check "edge-policy: Kamailio alive" kam_alive
  kam_stop
else
  fail "edge-policy.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# --- re-keying edge: SRTP both sides ---
if start cfg/rekey-edge.cfg; then
  pass "rekey-edge.cfg starts"
  ask rk-plain "$KAM_PORT" bob pbx --expect-code 488
  check "rekey-edge: plain offer -> 488 (rekey require)" ua_has rk-plain "final=488 SRTP_REQUIRED: plain RTP but the policy requires SRTP"
  ask rk-srtp "$KAM_PORT" bob phone --expect-code 503
  check "rekey-edge: SRTP offer passes the policy, then 503 (no relay answers)" \
    ua_has rk-srtp "final=503 Media Relay Unreachable"
  check "rekey-edge: Kamailio alive" kam_alive
  kam_stop
else
  fail "rekey-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

# --- TLS edge: SIP over TLS outside (tls.so), plain UDP toward the PBX ---
# A throw-away self-signed certificate; an SRTP INVITE over TLS passes the
# policy and ends in 503 (no relay answers): TLS and the route work.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=sdesgate-test \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
TLSP=$(free_udp_port); INSIDE=$(free_udp_port)
if KAM_FIXED_PORT=$INSIDE start cfg/tls-edge.cfg -A "INSIDE_PORT=$INSIDE" -A "TLS_PORT=$TLSP" \
     -A "TLS_CERT=\"$WORK/cert.pem\"" -A "TLS_KEY=\"$WORK/key.pem\""; then
  pass "tls-edge.cfg starts (TLS $TLSP, inside $INSIDE)"
  sdp=$'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk\r\n'
  printf 'INVITE sip:bob@127.0.0.1:9 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKtls1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=t1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: tls-edge-1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1:5999;transport=tls>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s' \
    "${#sdp}" "$sdp" >"$WORK/tls-invite.txt"
  timeout 4 openssl s_client -connect "127.0.0.1:$TLSP" -quiet <"$WORK/tls-invite.txt" \
    >"$WORK/tls-reply.txt" 2>"$WORK/tls-client.err"
  check "tls-edge: INVITE over TLS reaches sdes.so (503: no relay answers)" \
    grep -q "^SIP/2.0 503 Media Relay Unreachable" "$WORK/tls-reply.txt"
  check "tls-edge: Kamailio alive" kam_alive
  kam_stop
else
  fail "tls-edge.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

if [ "$E2E_FAIL" != 0 ]; then
  for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done
  tail -20 "$KAM_LOG"
fi
summary
