#!/bin/bash
# tests/e2e/sdes-rtpengine.sh — an implementation nobody here wrote as the
# SDES peer: Debian's RTPengine (driven over its ng protocol) turns a plain
# offer into an RTP/SAVP offer with its 12 SDES suites (unpadded base64
# keys); that SDP goes in a real INVITE through Kamailio, where sdes.so's
# policy check (the SDES engine, via KEMI) must accept it under require and
# strong and name the suite it picks; the same offer with every key cut
# short must be refused with a reason. Then the whole call path: RTPengine's
# SDES offer goes through Kamailio + sdes.so (cfg/legacy-pbx.cfg, decrypt
# require) to a plain-RTP PBX agent, our answer goes back into RTPengine
# over ng, and media flows: plain RTP into RTPengine -> its SRTP ->
# srtpd decrypts -> the PBX; the PBX's RTP -> srtpd encrypts -> RTPengine
# decrypts -> back to us as plain RTP.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-rtpengine
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
command -v rtpengine >/dev/null || { echo "sdes-rtpengine: rtpengine not installed (make deps)" >&2; echo "sdes-rtpengine: 0 passed, 1 failed"; exit 1; }

NG_PORT=$(free_udp_port)
PMIN=$(( (RANDOM % 100) * 100 + 50000 ))
printf '[rtpengine]\n' >"$WORK/empty.conf" # a truly empty file makes 10.5 exit 255
rtpengine --config-file="$WORK/empty.conf" --foreground --log-stderr --table=-1 \
  --interface=127.0.0.1 --listen-ng="127.0.0.1:$NG_PORT" --port-min=$PMIN --port-max=$((PMIN + 99)) \
  >"$WORK/rtpengine.log" 2>&1 &
E2E_PIDS+=($!)

# ng COMMAND-JSON: one ng request through tests/bench/ng.py (the project's
# ng/bencode client), prints the reply as JSON. RTPengine's offer with 12
# suites can take a moment: 3 s per try.
ng() { NG_TIMEOUT=3 python3 "$E2E_ROOT/tests/bench/ng.py" "$NG_PORT" "$1"; }

up=0
for _ in $(seq 50); do
  ng '{"command":"ping"}' 2>/dev/null | grep -q pong && { up=1; break; }
  sleep 0.1
done
if [ $up = 0 ]; then fail "rtpengine answers ping" "$(tail -5 "$WORK/rtpengine.log")"; summary; exit 1; fi
pass "rtpengine answers ng ping on 127.0.0.1:$NG_PORT"

PLAIN=$'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'
REQ=$(python3 -c 'import json,sys; print(json.dumps({"command":"offer","call-id":"e2e-rtpe-1","from-tag":"ft1","sdp":sys.argv[1],"transport-protocol":"RTP/SAVP","DTLS":"off"}))' "$PLAIN")
ng "$REQ" >"$WORK/offer.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); open(sys.argv[2],"w").write(d.get("sdp",""))' "$WORK/offer.json" "$WORK/rtpe.sdp"
check "rtpengine made an RTP/SAVP offer" grep -q "RTP/SAVP" "$WORK/rtpe.sdp"
n=$(grep -c "^a=crypto:" "$WORK/rtpe.sdp")
check "rtpengine offers 12 SDES suites (got $n)" test "$n" = 12
# Keys cut short: every inline: key loses its last 8 characters.
sed -E 's/(inline:[A-Za-z0-9+\/]+)[A-Za-z0-9+\/]{8}/\1/' "$WORK/rtpe.sdp" >"$WORK/rtpe-short.sdp"

JS="$E2E_ROOT/tests/e2e/sdes-kemi.js"
if ! kam_start tests/e2e/sdes-kemi.cfg -A "KEMI_JS=\"$JS\""; then
  fail "kamailio starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
via() { # NAME USER FILE
  ua_uac "$1" pbx --to "sip:$2@127.0.0.1:9" --proxy "127.0.0.1:$KAM_PORT" --timeout 10 \
    --expect-code 488 --offer-file "$3"
}
via req check_policy "$WORK/rtpe.sdp"
check "RTPengine's offer passes sdes_check(require), suite chosen by our preference" \
  ua_has req "final=488 kemi check_policy rc=1 suite=AES_CM_128_HMAC_SHA1_80 reason="
via strong check_strong "$WORK/rtpe.sdp"
check "RTPengine's offer passes sdes_check(strong)" \
  ua_has strong "final=488 kemi check_strong rc=1 suite=AES_CM_128_HMAC_SHA1_80 reason="
via short check_policy "$WORK/rtpe-short.sdp"
check "the same offer with short keys is refused (-2) with a reason" \
  ua_has short "final=488 kemi check_policy rc=-2 suite= reason=NO_ACCEPTABLE_CRYPTO: no acceptable a=crypto (m=0: key||salt length does not match the suite)"
check "Kamailio still running" kam_alive
kam_stop
check "no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"
ng '{"command":"delete","call-id":"e2e-rtpe-1","from-tag":"ft1","delete-delay":0}' >/dev/null 2>&1

# ---- RTPengine as the SRTP peer of a whole call through the edge ----
need "$E2E_BUILD/srtpd" "srtpd"
RELAY_SPEC=unix:$WORK/srtpd.sock
"$E2E_BUILD/srtpd" --listen "$RELAY_SPEC" --port-min $((PMIN - 1000)) \
  --port-max $((PMIN - 901)) --media-timeout 0 >"$WORK/srtpd.log" 2>&1 &
E2E_PIDS+=($!)
ctl() { "$E2E_BUILD/srtpctl" --socket "$RELAY_SPEC" "$@" 2>&1; }
PSRC=$(free_udp_port)
PLAIN2=$'v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio '"$PSRC"$' RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'
REQ=$(python3 -c 'import json,sys; print(json.dumps({"command":"offer","call-id":"e2e-rtpe-2","from-tag":"ft2","sdp":sys.argv[1],"transport-protocol":"RTP/SAVP","DTLS":"off"}))' "$PLAIN2")
ng "$REQ" | python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin).get("sdp",""))' >"$WORK/rtpe2.sdp"
check "rtpengine made a second SDES offer (our RTP on 127.0.0.1:$PSRC)" grep -q "RTP/SAVP" "$WORK/rtpe2.sdp"
INSIDE=$(free_udp_port)
if kam_start cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE" -A "RELAY=\"$RELAY_SPEC\""; then
  ua_uas pbx-callee pbx --seconds 4 --timeout 20 --min-percent 0
  python3 "$E2E_ROOT/tests/e2e/sip_uac.py" "$KAM_PORT" "sip:bob@127.0.0.1:$UAS_PORT" \
    "$WORK/rtpe2.sdp" "$WORK/answer.sdp" "$WORK/bye.flag" >"$WORK/sip_uac.log" 2>&1 &
  UAC=$!
  for _ in $(seq 100); do [ -s "$WORK/answer.sdp" ] && break; sleep 0.1; done
  check "RTPengine's offer through Kamailio + sdes.so: 200 with an SDES answer" \
    bash -c "grep -q 'RTP/SAVP' '$WORK/answer.sdp' && [ \$(grep -c '^a=crypto:' '$WORK/answer.sdp') = 1 ]"
  REQ=$(python3 -c 'import json,sys; print(json.dumps({"command":"answer","call-id":"e2e-rtpe-2","from-tag":"ft2","to-tag":"tt2","sdp":open(sys.argv[1]).read()}))' "$WORK/answer.sdp")
  ng "$REQ" >"$WORK/answer.json"
  check "RTPengine accepts our answer (its keys, our key)" grep -q '"result": "ok"' "$WORK/answer.json"
  RPORT=$(python3 -c 'import json,re,sys; print(re.search(r"m=audio (\d+)", json.load(open(sys.argv[1]))["sdp"]).group(1))' "$WORK/answer.json" 2>/dev/null)
  # 150 plain RTP packets into RTPengine's plain side; count what comes back.
  python3 - "$PSRC" "${RPORT:-9}" >"$WORK/media.out" 2>&1 <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False); dst = ("127.0.0.1", int(sys.argv[2])); got = 0; t0 = time.time()
for i in range(150):
    s.sendto(struct.pack("!BBHII", 0x80, 0, i, i * 160, 0x5EED1234) + bytes([i & 0xff]) * 160, dst)
    end = time.time() + 0.02
    while time.time() < end:
        try:
            d = s.recv(2048); got += 1 if len(d) >= 12 and d[0] >> 6 == 2 else 0
        except BlockingIOError:
            time.sleep(0.002)
print(f"sent=150 received={got}")
PY
  CID=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[-1]["call-id"] if c else "")' 2>/dev/null)
  ctl --json query "$CID" >"$WORK/rtpe-call.json"
  touch "$WORK/bye.flag"; wait $UAC; UAC_RC=$?
  leg() { python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["streams"][0][sys.argv[2]]; v=l
for k in sys.argv[3].split("."): v=v[k]
print(v)' "$WORK/rtpe-call.json" "$1" "$2" 2>/dev/null; }
  A_IN=$(leg a rtp-in); A_AUTH=$(leg a drops.auth); A_SUITE=$(leg a recv.suite); B_OUT=$(leg b rtp-out)
  BACK=$(sed -n 's/.*received=\([0-9]*\).*/\1/p' "$WORK/media.out")
  echo "srtpd leg a (RTPengine): suite=$A_SUITE rtp-in=$A_IN auth-drops=$A_AUTH; leg b (PBX) rtp-out=$B_OUT; back through RTPengine: $BACK"
  check "RTPengine's SRTP decrypts in srtpd (>= 140 of 150 accepted, no auth drops)" \
    bash -c "[ '${A_IN:-0}' -ge 140 ] && [ '${A_AUTH:-1}' = 0 ]"
  check "srtpd's suite on RTPengine's leg is the one RTPengine offered first that we allow" \
    test "$A_SUITE" = AES_CM_128_HMAC_SHA1_80
  check "the decrypted media went on to the PBX (leg b rtp-out >= 140)" test "${B_OUT:-0}" -ge 140
  check "our SRTP decrypts in RTPengine: the PBX's RTP came back as plain RTP (>= 100)" \
    test "${BACK:-0}" -ge 100
  check "BYE through Kamailio answered 200" test "$UAC_RC" = 0
  check "Kamailio still running" kam_alive
  kam_stop
  check "no key material in Kamailio's log (RTPengine call)" bash -c "! grep -q 'inline:' '$KAM_LOG'"
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi
ng '{"command":"delete","call-id":"e2e-rtpe-2","from-tag":"ft2","delete-delay":0}' >/dev/null 2>&1
if [ "$E2E_FAIL" != 0 ]; then
  cat "$WORK/rtpe.sdp" | sed 's/inline:[^ |]*/inline:<masked>/'; grep -h "final=" "$WORK"/*.out
fi
summary
