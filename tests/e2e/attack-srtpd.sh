#!/bin/bash
# tests/e2e/attack-srtpd.sh — attacks on srtpd around a real call (Kamailio +
# build/sdes.so + srtpd, cfg/legacy-pbx.cfg, srtpd started from the shipped
# cfg/srtpd.conf with its unix socket moved into the work directory):
#   local user `nobody` sends `state` (keys) and `update` (move a leg) to the
#     unix control socket (0600): refused by the kernel, the call unchanged;
#   the same against a UDP control socket with a secret: unsigned requests
#     get no answer and change nothing; the secret file is unreadable; a
#     call through Kamailio (sdes.so's secret_file) over that socket works,
#     an empty secret_file stops Kamailio;
#   srtpd refuses to start with UDP control and no secret, or an empty
#     secret file (it used to run unauthenticated);
#   hijack: a third address sprays well-formed RTP at the plain (PBX) leg
#     and at the SRTP (phone) leg mid-call: the call's media stays intact
#     both ways, the peers srtpd sends to stay the same, the attacker
#     receives nothing (UNAUTHENTICATED_SRTP legs: tests/relay/relay_guard_test.c);
#   STUN at both media ports mid-call: counted as stun, not malformed;
#   a call-id with LF and ESC is escaped in srtpd's log.
. "$(dirname "$0")/lib-attack.sh"
attack_init attack-srtpd
need "$E2E_UA" "the test user agent"
chmod 755 "$WORK" # nobody must reach the socket: its own mode is what is tested

AS_NOBODY=()
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
  AS_NOBODY=(runuser -u nobody --)
fi

# ng REQUEST-JSON ADDR: one unsigned request (ADDR unix:/path or udp:IP:PORT);
# prints "REPLY ok|error N bytes" (never the reply: it may hold keys),
# "ERR <errno name>" or "NOREPLY".
# Both files in $WORK, which nobody can read (the checkout may not be).
NG_PY=$WORK/ng.py
cp "$E2E_ROOT/tests/relay/ng_bencode.py" "$WORK/ng_bencode.py"
cat >"$NG_PY" <<'PY'
import errno, json, os, socket, sys
from ng_bencode import enc
req, addr = json.loads(sys.argv[1]), sys.argv[2]
try:
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(""); dst = addr[5:]
    else:
        h, p = addr[4:].rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); dst = (h, int(p))
    s.settimeout(1.0)
    s.sendto(os.urandom(6).hex().encode() + b" " + enc(req), dst)
    data = s.recv(65535)
    # Never the reply itself: a `state` reply holds SRTP keys.
    print("REPLY", "ok" if b"6:result2:ok" in data else "error", len(data), "bytes")
except socket.timeout:
    print("NOREPLY")
except OSError as e:
    print("ERR", errno.errorcode.get(e.errno, e.errno))
PY
chmod 644 "$NG_PY" "$WORK/ng_bencode.py"
ng_as_nobody() { "${AS_NOBODY[@]}" python3 "$NG_PY" "$@" 2>&1; }

# --- srtpd refuses the old unsafe starts (issue 10 points 6, 7) ---
PMIN=$((20000 + ($$ % 150) * 200))
timeout 3 "$E2E_BUILD/srtpd" --listen "udp:127.0.0.1:0" --port-min $PMIN --port-max $((PMIN + 99)) \
  >"$WORK/refuse1.log" 2>&1
check "srtpd refuses UDP control on loopback without a secret (exit 2)" test $? = 2
printf '\n' >"$WORK/empty.secret"; chmod 600 "$WORK/empty.secret"
timeout 3 "$E2E_BUILD/srtpd" --listen "udp:127.0.0.1:0" --secret-file "$WORK/empty.secret" \
  --port-min $PMIN --port-max $((PMIN + 99)) >"$WORK/refuse2.log" 2>&1
check "srtpd refuses an empty secret file (exit 2, one line)" \
  bash -c "[ \$(wc -l <'$WORK/refuse2.log') = 1 ] && grep -q 'at least 16' '$WORK/refuse2.log'"

# --- srtpd as shipped behind Kamailio, one real call. cfg/srtpd.conf as
# it is, but its socket path in the work directory (no root needed). ---
sed "s|/run/srtpd/srtpd.sock|$WORK/srtpd.sock|" cfg/srtpd.conf >"$WORK/srtpd.conf"
RELAY_SPEC=$(sed -n 's/^listen *= *//p' "$WORK/srtpd.conf" | head -1)
check "cfg/srtpd.conf listens on a unix socket ($RELAY_SPEC)" test "$RELAY_SPEC" = "unix:$WORK/srtpd.sock"
"$E2E_BUILD/srtpd" --config "$WORK/srtpd.conf" --port-min $PMIN \
  --port-max $((PMIN + 99)) --media-timeout 0 --log-file "$WORK/srtpd.log" 2>"$WORK/srtpd.err" &
SRTPD_PID=$!; E2E_PIDS+=($SRTPD_PID)
for _ in $(seq 40); do [ -S "$WORK/srtpd.sock" ] && break; sleep 0.05; done
check "srtpd (cfg/srtpd.conf) runs" kill -0 "$SRTPD_PID"
check "its control socket is mode 0600, owned by srtpd's user" \
  test "$(stat -c '%a %u' "$WORK/srtpd.sock")" = "600 $(id -u)"
INSIDE=$(free_udp_port)
if ! kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi

ua_uas call-uas phone --seconds 4 --timeout 15 || fail "call" "callee did not start"
ua_uac call-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" \
  --seconds 4 --timeout 15 &
UAC=$!
sleep 1.5
CID=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[-1]["call-id"] if c else "")' 2>/dev/null)
ctl --json query "$CID" >"$WORK/before.json"
legs() { python3 -c '
import json,sys
s = json.load(open(sys.argv[1]))["streams"][0]
print(" ".join("%s:%s:%s:%s" % (l, s[l]["transport"], s[l]["local-port"], s[l].get("peer-rtp")) for l in "ab"))' "$1"; }
BEFORE=$(legs "$WORK/before.json" 2>/dev/null)
check "the call is up in srtpd (one plain and one SRTP leg)" \
  bash -c "grep -q ':RTP:' <<<'$BEFORE' && grep -q ':SRTP:' <<<'$BEFORE'"

if [ ${#AS_NOBODY[@]} -gt 0 ]; then
  R=$(ng_as_nobody "{\"command\":\"state\",\"call-id\":\"$CID\"}" "$RELAY_SPEC")
  check "nobody: state on the unix socket refused ($R)" grep -q 'ERR EACCES' <<<"$R"
  R=$(ng_as_nobody "{\"command\":\"update\",\"call-id\":\"$CID\",\"streams\":[{\"index\":0,\"a\":{\"address\":\"127.0.0.1\",\"port\":9}}]}" "$RELAY_SPEC")
  check "nobody: update on the unix socket refused ($R)" grep -q 'ERR EACCES' <<<"$R"
  R=$("${AS_NOBODY[@]}" "$E2E_BUILD/srtpctl" --socket "$RELAY_SPEC" list 2>&1)
  check "nobody: srtpctl list refused" grep -qi 'permission denied' <<<"$R"
else
  fail "nobody tests" "need root with runuser and a user nobody"
fi

# Hijack: well-formed RTP from another address at both legs (random SSRC,
# fresh sequence numbers; after the SRTP header a fake tag), then listen.
PORTS=$(python3 -c '
import json,sys
s = json.load(open(sys.argv[1]))["streams"][0]
print(s["a"]["local-port"], s["b"]["local-port"])' "$WORK/before.json")
python3 - $PORTS >"$WORK/hijack.out" 2>&1 <<'PY'
import os, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
for port in map(int, sys.argv[1:]):
    for i in range(60):
        ssrc, seq = struct.unpack("!IH", os.urandom(6))
        pkt = struct.pack("!BBHII", 0x80, 0, seq, i * 160, ssrc) + os.urandom(160) + os.urandom(10)
        s.sendto(pkt, ("127.0.0.1", port)); time.sleep(0.002)
# STUN binding requests (RFC 5389, as linphone's ICE sends) at both legs.
for port in map(int, sys.argv[1:]):
    for i in range(3):
        s.sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + os.urandom(12), ("127.0.0.1", port))
s.settimeout(1.5); got = 0
try:
    while True: s.recv(2048); got += 1
except socket.timeout: pass
print("attacker received", got)
PY
check "hijack: the attacker received nothing ($(cat "$WORK/hijack.out"))" grep -q 'attacker received 0$' "$WORK/hijack.out"
ctl --json query "$CID" >"$WORK/after.json"
AFTER=$(legs "$WORK/after.json" 2>/dev/null)
check "hijack: srtpd's legs unchanged ($AFTER)" test -n "$AFTER" -a "$BEFORE" = "$AFTER"
DROPS=$(python3 -c '
import json,sys
s = json.load(open(sys.argv[1]))["streams"][0]
print(s["a"]["drops"]["source"] + s["a"]["drops"]["auth"], s["b"]["drops"]["source"] + s["b"]["drops"]["auth"])' "$WORK/after.json")
check "hijack: every sprayed packet dropped on both legs ($DROPS)" test "$DROPS" = "60 60"
STUN=$(python3 -c '
import json,sys
s = json.load(open(sys.argv[1]))["streams"][0]
print(s["a"]["stun"], s["b"]["stun"], s["a"]["drops"]["malformed"] + s["b"]["drops"]["malformed"])' "$WORK/after.json")
check "STUN on the media ports counted as stun, not malformed ($STUN)" test "$STUN" = "3 3 0"
wait $UAC
ua_wait call-uas
check "no malformed-drop warning in srtpd's log" bash -c "! grep -q 'dropped:.*malformed' '$WORK/srtpd.log'"
check "the call completed" ua_ok call-uac
check "media intact both ways despite the attacks" both_ways call

# A call-id with LF and ESC in srtpd's log: escaped, no forged line.
EVIL='"evil\n2026-01-01T00:00:00.000Z srtpd INFO: forged\u001b[31m"'
python3 "$NG_PY" "{\"command\":\"offer\",\"call-id\":$EVIL,\"streams\":[{\"index\":0}]}" "$RELAY_SPEC" >"$WORK/evil.out"
python3 "$NG_PY" "{\"command\":\"delete\",\"call-id\":$EVIL}" "$RELAY_SPEC" >>"$WORK/evil.out"
check "srtpd took the call with LF and ESC in its call-id (and deleted it)" \
  test "$(grep -c '^REPLY ok' "$WORK/evil.out")" = 2
sleep 0.2
check "call-id escaped in srtpd's log (no raw ESC, no forged line)" \
  bash -c "! grep -q \$'\\e' '$WORK/srtpd.log' && ! grep -q '^2026-01-01T00:00:00.000Z srtpd INFO: forged' '$WORK/srtpd.log' && grep -qF 'evil\\x0a2026-01-01' '$WORK/srtpd.log'"
kam_stop

# --- UDP control with a secret: unsigned requests get nothing ---
head -c 24 /dev/urandom | base64 >"$WORK/srtpd.secret"; chmod 600 "$WORK/srtpd.secret"
CPORT=$(free_udp_port)
"$E2E_BUILD/srtpd" --listen "udp:127.0.0.1:$CPORT" --secret-file "$WORK/srtpd.secret" \
  --port-min $((PMIN + 100)) --port-max $((PMIN + 199)) --log-file "$WORK/srtpd-udp.log" &
E2E_PIDS+=($!)
UDP=udp:127.0.0.1:$CPORT
sctl() { "$E2E_BUILD/srtpctl" --socket "$UDP" --secret-file "$WORK/srtpd.secret" "$@" 2>&1; }
for _ in $(seq 40); do sctl ping >/dev/null && break; sleep 0.05; done
check "srtpd with UDP control and a secret answers a signed ping" bash -c "sctl() { \"$E2E_BUILD/srtpctl\" --socket $UDP --secret-file '$WORK/srtpd.secret' \"\$@\"; }; sctl ping | grep -q pong"
if [ ${#AS_NOBODY[@]} -gt 0 ]; then
  R=$(ng_as_nobody '{"command":"offer","call-id":"x@evil","streams":[{"index":0}]}' "$UDP")
  check "nobody: unsigned offer over UDP gets no answer ($R)" test "$R" = NOREPLY
  R=$(ng_as_nobody '{"command":"state","call-id":"x@evil"}' "$UDP")
  check "nobody: unsigned state over UDP gets no answer ($R)" test "$R" = NOREPLY
  R=$(ng_as_nobody '{"command":"update","call-id":"x@evil","streams":[{"index":0,"a":{"address":"127.0.0.1","port":9}}]}' "$UDP")
  check "nobody: unsigned update over UDP gets no answer ($R)" test "$R" = NOREPLY
  R=$("${AS_NOBODY[@]}" "$E2E_BUILD/srtpctl" --socket "$UDP" --secret-file "$WORK/srtpd.secret" ping 2>&1)
  check "nobody cannot read the secret file" grep -qi 'permission denied' <<<"$R"
fi
N=$(sctl --json list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))')
check "no call was created by the unsigned requests" test "$N" = 0

# The same srtpd behind Kamailio: cfg/legacy-pbx.cfg with the relay on UDP
# and sdes.so's secret from a file (modparam secret_file, same rules).
sed '/^modparam("sdes", "relay", RELAY)$/a modparam("sdes", "secret_file", SECRET_FILE)' \
  cfg/legacy-pbx.cfg >"$WORK/legacy-pbx-udp.cfg"
printf '\n' >"$WORK/kam-empty.secret"; chmod 600 "$WORK/kam-empty.secret"
if kam_start "$WORK/legacy-pbx-udp.cfg" -A "RELAY=\"$UDP\"" -A "SECRET_FILE=\"$WORK/kam-empty.secret\"" \
     -A "INSIDE_PORT=$(free_udp_port)"; then
  fail "Kamailio refuses an empty secret_file" "it started"; kam_stop
else
  cp "$KAM_LOG" "$WORK/kamailio-empty-secret.log"
  check "Kamailio refuses an empty secret_file, with the reason" \
    grep -q 'secret_file.*at least 16' "$WORK/kamailio-empty-secret.log"
fi
cp "$WORK/srtpd.secret" "$WORK/kam.secret"; chmod 600 "$WORK/kam.secret"
INSIDE=$(free_udp_port)
if kam_start "$WORK/legacy-pbx-udp.cfg" -A "RELAY=\"$UDP\"" -A "SECRET_FILE=\"$WORK/kam.secret\"" \
     -A "INSIDE_PORT=$INSIDE"; then
  ua_uas udp-uas phone --seconds 2 --timeout 15 || fail "udp call" "callee did not start"
  ua_uac udp-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" \
    --seconds 2 --timeout 15
  ua_wait udp-uas
  check "call through Kamailio + srtpd over UDP with the secret: media intact both ways" both_ways udp
  kam_stop
else
  fail "Kamailio with secret_file starts" "$(tail -3 "$KAM_LOG")"
fi
check "no key material in srtpd's logs" bash -c "! grep -qi 'inline:' '$WORK/srtpd.log' '$WORK/srtpd-udp.log'"

dump_on_fail
summary
