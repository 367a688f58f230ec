#!/bin/bash
# scripts/demo.sh — `make demo`: a real call between the two test agents
# through srtpd and Kamailio with build/sdes.so and cfg/legacy-pbx.cfg, all
# on loopback: the "legacy PBX" (plain RTP/AVP, inside) calls the "SRTP
# phone" (RTP/SAVP, libosip2 + libsrtp2, outside) with 3 s of audio each
# way. Then a short report: the SDP each side saw (keys masked), suite and
# MKI per leg (srtpd's view during the call), packets srtpd encrypted and
# decrypted (its final statistics, the audit line), and whether the audio
# arrived intact. Exits 0 only when all of that really happened. Stops
# everything it started.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. tests/e2e/lib.sh
e2e_init demo
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"
SRTPD_PID=
demo_cleanup() {
  [ -n "$SRTPD_PID" ] && { kill "$SRTPD_PID" 2>/dev/null; wait "$SRTPD_PID" 2>/dev/null; }
  e2e_cleanup
}
trap demo_cleanup EXIT

say() { printf '%s\n' "$*"; }
sdp_seen() { # NAME LABEL: the SDP an agent received, one line per SDP line
  say "  $2 received:"
  grep '^ua: sdp-received' "$WORK/$1.out" | head -1 | sed 's/^ua: sdp-received[^:]*: //' |
    tr '|' '\n' | sed 's/^ */      /'
}

RELAY=unix:$WORK/srtpd.sock   # cfg/srtpd.conf's unix socket (0600), moved into the work dir
"$E2E_BUILD/srtpd" --config cfg/srtpd.conf --listen "$RELAY" \
  --port-min 41000 --port-max 41999 --media-timeout 0 >"$WORK/srtpd.log" 2>&1 &
SRTPD_PID=$!
ctl() { "$E2E_BUILD/srtpctl" --socket "$RELAY" --timeout 500 "$@" 2>&1; }
relay_ok=0
for _ in $(seq 50); do
  if ctl ping >/dev/null; then relay_ok=1; break; fi
  sleep 0.1
done
[ $relay_ok = 1 ] || { say "demo: srtpd does not answer (see $WORK/srtpd.log)"; exit 1; }
say "== srtpd: control $RELAY (mode 0600), media ports 41000-41999"

INSIDE=$(free_udp_port)
if ! kam_start cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE" -A "RELAY=\"$RELAY\""; then
  say "demo: Kamailio did not start:"; tail -5 "$KAM_LOG"
  exit 1
fi
say "== Kamailio + sdes.so (cfg/legacy-pbx.cfg): outside udp:127.0.0.1:$KAM_PORT, PBX side udp:127.0.0.1:$INSIDE"
say "== Call: legacy PBX (RTP/AVP) -> SRTP phone (RTP/SAVP), 3 s of numbered audio each way"

ua_uas phone phone --seconds 3 --timeout 10 || { say "demo: the phone did not start"; exit 1; }
ua_uac pbx pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" --seconds 3 \
  --timeout 10 &
UAC_PID=$!
# srtpd's view of the running call: per leg transport, suite, MKIs (no keys).
sleep 1.5
CID=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[-1]["call-id"] if c else "")' 2>/dev/null)
[ -n "$CID" ] && ctl --json query "$CID" >"$WORK/query.json"
wait $UAC_PID
ua_wait phone
kam_stop

legs=$(python3 - "$WORK/query.json" <<'PY' 2>/dev/null
import json, sys
q = json.load(open(sys.argv[1]))
s = q["streams"][0]
for leg, who in (("a", "PBX side"), ("b", "phone side")):
    l = s[leg]
    if l.get("transport") != "SRTP":
        print(f"  leg {leg} ({who}): plain RTP")
        continue
    def d(x):
        c = l.get(x, {})
        mk = [str(k["mki"]) for k in c.get("keys", []) if k.get("mki-len", 0)]
        return f'{c.get("suite", "?")}, MKI {",".join(mk) if mk else "none"}'
    print(f"  leg {leg} ({who}): SRTP  recv {d('recv')}  /  send {d('send')}")
PY
)
audit=$(grep -o 'sdes audit: .*' "$KAM_LOG" | tail -1)
# b: is the SRTP leg: what srtpd decrypted (in) and encrypted (out) there.
dec=$(sed -n 's/.* b:SRTP .* in=\([0-9]*\) out=[0-9]* .*/\1/p' <<<"$audit")
enc=$(sed -n 's/.* b:SRTP .* in=[0-9]* out=\([0-9]*\) .*/\1/p' <<<"$audit")
drops=$(sed -n 's/.* b:SRTP .* drops=\([^ ]*\).*/\1/p' <<<"$audit")
s1=$(ua_field pbx sent); r2=$(ua_field phone intact)
s2=$(ua_field phone sent); r1=$(ua_field pbx intact)

say ""
say "== SDP each side saw (keys masked)"
sdp_seen pbx "legacy PBX"
sdp_seen phone "SRTP phone"
say ""
say "== Legs in srtpd (during the call)"
[ -n "$legs" ] && say "$legs" || say "  (srtpd had no call to show)"
say ""
say "== Packets"
say "  srtpd decrypted (SRTP from the phone):  ${dec:-?}"
say "  srtpd encrypted (SRTP to the phone):    ${enc:-?}"
say "  srtpd drops on the SRTP leg:            ${drops:-?}"
say "  PBX sent ${s1:-?}, phone received intact ${r2:-?} (verified by libsrtp2)"
say "  phone sent ${s2:-?}, PBX received intact ${r1:-?}"
say "  audit line: ${audit:-none}"

ok=1
ua_ok pbx && ua_ok phone || ok=0
[ -n "$s1" ] && [ "${s1:-0}" -gt 0 ] && [ "$s1" = "$r2" ] && [ -n "$s2" ] && [ "$s2" = "$r1" ] || ok=0
[ "${dec:-0}" -gt 0 ] && [ "${enc:-0}" -gt 0 ] || ok=0
grep -q 'RTP/SAVP.*a=crypto' "$WORK/phone.out" || ok=0
say ""
if [ $ok = 1 ]; then
  say "== Audio intact: yes (both ways, SRTP on the phone's leg, plain RTP on the PBX's)"
  exit 0
fi
say "== Audio intact: NO"
say "  caller: $(sed -n 's/^ua: result=//p' "$WORK/pbx.out")"
say "  callee: $(sed -n 's/^ua: result=//p' "$WORK/phone.out")"
say "  logs: $WORK"
exit 1
