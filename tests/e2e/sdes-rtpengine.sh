#!/bin/bash
# tests/e2e/sdes-rtpengine.sh — an implementation nobody here wrote as the
# SDES peer: Debian's RTPengine (driven over its ng protocol) turns a plain
# offer into an RTP/SAVP offer with its 12 SDES suites (unpadded base64
# keys); that SDP goes in a real INVITE through Kamailio, where sdes.so's
# policy check (the SDES engine, via KEMI) must accept it under require and
# strong and name the suite it picks; the same offer with every key cut
# short must be refused with a reason. Media through srtpd comes when the
# call path is wired (issue 5).
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

# ng.py COMMAND-JSON: one ng request (cookie SP bencode), prints the reply
# as JSON. A minimal bencode codec, enough for RTPengine's dicts.
cat >"$WORK/ng.py" <<'PY'
import json, socket, sys, os
def enc(v):
    if isinstance(v, int): return b"i%de" % v
    if isinstance(v, str): v = v.encode()
    if isinstance(v, bytes): return b"%d:%s" % (len(v), v)
    if isinstance(v, list): return b"l" + b"".join(enc(x) for x in v) + b"e"
    if isinstance(v, dict): return b"d" + b"".join(enc(k) + enc(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)
def dec(b, i=0):
    c = b[i:i+1]
    if c == b"i":
        j = b.index(b"e", i); return int(b[i+1:j]), j + 1
    if c in (b"l", b"d"):
        i += 1; out = [] 
        while b[i:i+1] != b"e":
            v, i = dec(b, i); out.append(v)
        return (out if c == b"l" else dict(zip(out[::2], out[1::2]))), i + 1
    j = b.index(b":", i); n = int(b[i:j]); s = b[j+1:j+1+n]
    return s.decode("latin-1"), j + 1 + n
port = int(sys.argv[1]); req = json.loads(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
cookie = os.urandom(6).hex().encode()
for _ in range(3):
    s.sendto(cookie + b" " + enc(req), ("127.0.0.1", port))
    try:
        data = s.recv(65535); break
    except socket.timeout:
        continue
else:
    sys.exit("ng: no reply")
print(json.dumps(dec(data[len(cookie) + 1:])[0]))
PY
ng() { python3 "$WORK/ng.py" "$NG_PORT" "$1"; }

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
if [ "$E2E_FAIL" != 0 ]; then
  cat "$WORK/rtpe.sdp" | sed 's/inline:[^ |]*/inline:<masked>/'; grep -h "final=" "$WORK"/*.out
fi
summary
