#!/bin/bash
# tests/e2e/sdes-takeover.sh — a standby srtpd takes the calls of a killed
# active one over, end to end through Kamailio + sdes.so (docs/ha.md).
# A redis-server of the test's own (unix socket in $WORK), an active srtpd
# A and a standby B (redis-role standby; same store, group secret,
# interface 127.0.0.1 and port range: on one host B binds the ports once A
# is dead, as with a floating address), Kamailio with cfg/relay-events.cfg
# listing A and "B=standby". Three calls phone -> PBX with media both ways,
# one re-INVITEs with a new key (next MKI) after the loss, one holds and
# resumes. Case 1: SIGKILL A at 2 s and `srtpctl takeover` on B. Case 2:
# the same with no command: B takes over when A's heartbeat expires.
# Checked per case: every call's media resumed both ways (the longest gap
# printed per direction), the re-INVITE and hold answered 200 through B
# (sdes.so finds the call where it now lives), each BYE deleted its call
# on B with the audit line, the store empty after; and a capture of what
# the relay sent (tests/e2e/lo_capture.py) checked by `srtp-pcap check`:
# no (SSRC, index) sent twice with other bytes on any leg, and the check
# shown to fail on the capture with a reuse planted. The capture needs
# root (AF_PACKET on lo); without it those checks are skipped and said so.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-takeover
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtp-pcap" "srtp-pcap"
need "$E2E_UA" "the test agents"
command -v redis-server >/dev/null || { echo "sdes-takeover: SKIP (no redis-server)"; echo "sdes-takeover: 0 passed, 0 failed"; exit 0; }
A=unix:$WORK/a.sock B=unix:$WORK/b.sock
CAPTURE=0; [ "$(id -u)" = 0 ] && CAPTURE=1
# A 60-port range none of it in use now (tests and benchmarks running beside
# this one may hold thousands of ports).
PMIN=$(python3 - $$ <<'PY'
import random, socket, sys
random.seed(int(sys.argv[1]))
for _ in range(200):
    base = random.randrange(20000, 32000, 2)
    socks = []
    try:
        for p in range(base, base + 60):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind(("127.0.0.1", p))
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
PY
)
[ -n "$PMIN" ] || PMIN=$((24000 + ($$ % 200) * 40))
PMAX=$((PMIN + 59))
head -c 32 /dev/urandom | base64 >"$WORK/group.secret"; chmod 600 "$WORK/group.secret"
redis-server --port 0 --unixsocket "$WORK/redis.sock" --unixsocketperm 700 --dir "$WORK" \
  --save "" --appendonly no >"$WORK/redis.log" 2>&1 &
E2E_PIDS+=($!)
rcli() { redis-cli -s "$WORK/redis.sock" "$@" 2>/dev/null; }
for _ in $(seq 50); do [ "$(rcli ping)" = PONG ] && break; sleep 0.1; done
check "redis-server starts" [ "$(rcli ping)" = PONG ]

start_relay() { # SPEC ROLE: one srtpd of the group; sets LAST_PID
  "$E2E_BUILD/srtpd" --listen "$1" --interface 127.0.0.1 --port-min $PMIN --port-max $PMAX \
    --media-timeout 0 --redis "$WORK/redis.sock" --redis-secret-file "$WORK/group.secret" \
    --redis-role "$2" >>"$WORK/srtpd-${1##*/}.log" 2>&1 &
  LAST_PID=$!
  E2E_PIDS+=($LAST_PID)
  for _ in $(seq 50); do "$E2E_BUILD/srtpctl" --socket "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
rctl() { local r=$1; shift; "$E2E_BUILD/srtpctl" --socket "$r" "$@" 2>&1; }
ncalls() { rctl "$1" --json list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))' 2>/dev/null; }
nstored() { rcli --scan --pattern 'srtpd:call:*' | wc -l; }
ms() { date +%s%3N; }
ports_free() { # every port of the range bindable on 127.0.0.1 (5 s at most)
  python3 - $PMIN $PMAX <<'PY'
import socket, sys, time
lo, hi = int(sys.argv[1]), int(sys.argv[2])
end = time.time() + 5
while time.time() < end:
    try:
        for p in range(lo, hi + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", p)); s.close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

if ! kam_start cfg/relay-events.cfg -A "RELAY=\"$A\"" -A "RELAY2=\"$B=standby\""; then
  fail "kamailio with the active relay and the standby starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "kamailio with the active relay and the standby starts"

# resumed LAST SENT INTACT GAP_MS BOUND_MS
resumed() { [ "$1" -ge $(($2 - 5)) ] && [ "$2" -gt 0 ] && [ "$3" -ge $(($2 / 2)) ] && [ "$4" -le "$5" ]; }

# takeover_case NAME HOW(cmd|hb): A active, B standby, 3 calls, A killed at 2 s.
takeover_case() {
  local n=$1 how=$2 i a_pid t0 t1
  check "$n: relay A (active) starts" start_relay "$A" active; a_pid=$LAST_PID
  check "$n: relay B (standby) starts" start_relay "$B" standby; B_PID=$LAST_PID
  sleep 1.2 # sdes.so pings both (ping_interval 1)
  local cap=
  if [ "$CAPTURE" = 1 ]; then
    python3 "$E2E_ROOT/tests/e2e/lo_capture.py" "$WORK/$n.pcap" $PMIN $PMAX &
    cap=$!
    E2E_PIDS+=($cap)
    for _ in $(seq 50); do [ -e "$WORK/$n.pcap.ready" ] && break; sleep 0.05; done
  fi
  # the re-INVITEs after B took over (by heartbeat: about 3.3 s after the kill)
  local at=5; [ "$how" = hb ] && at=7
  local extra=("--reinvite-at $at --rekey --mki 1" "--hold-at $at --unhold-at $((at + 1))" "")
  local pids=()
  for i in 0 1 2; do
    ua_uas "$n$i-uas" pbx --seconds 10 --min-percent 0 || fail "$n$i callee" "did not start"
    # shellcheck disable=SC2086
    ua_uac "$n$i-uac" phone --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$KAM_PORT" \
      --seconds 10 --min-percent 0 ${extra[$i]} &
    pids+=($!)
  done
  sleep 2
  check "$n: 3 calls on A, none on the standby" [ "$(ncalls "$A")" = 3 -a "$(ncalls "$B")" = 0 ]
  check "$n: 3 calls in the store" [ "$(nstored)" = 3 ]
  t0=$(ms)
  kill -9 "$a_pid"; wait "$a_pid" 2>/dev/null
  if [ "$how" = cmd ]; then
    rctl "$B" takeover >"$WORK/$n.takeover"
    t1=$(ms)
    check "$n: srtpctl takeover answered ($((t1 - t0)) ms after the kill)" grep -q active "$WORK/$n.takeover"
  else
    for _ in $(seq 60); do [ "$(ncalls "$B")" = 3 ] && break; sleep 0.1; done
    t1=$(ms)
    echo "  $n: B took over by heartbeat expiry $((t1 - t0)) ms after the kill"
  fi
  check "$n: B holds the 3 calls" [ "$(ncalls "$B")" = 3 ]
  for p in "${pids[@]}"; do wait "$p"; done
  for i in 0 1 2; do ua_wait "$n$i-uas"; done
  [ -n "$cap" ] && { kill "$cap"; wait "$cap" 2>/dev/null; }
  local gaps="" worst=0 g s r
  for i in 0 1 2; do
    for side in uac uas; do
      s=$(ua_field "$n$i-$([ $side = uac ] && echo uas || echo uac)" sent)
      r=$(ua_field "$n$i-$side" intact); g=$(ua_field "$n$i-$side" max-gap)
      local last; last=$(ua_field "$n$i-$side" last)
      gaps="$gaps $((g * 20))"
      [ "${g:-9999}" -gt "$worst" ] && worst=${g:-9999}
      # media resumed: the last packets sent arrived (the tail of the call),
      # half of all at least, and the gap within the case's bound
      local bound=$GAP_PHONE; [ $side = uas ] && bound=$GAP_PBX
      check "$n$i: media toward the $([ $side = uac ] && echo phone || echo PBX) resumed (${r:-0}/${s:-0}, gap $((${g:-0} * 20)) ms <= $bound)" \
        resumed "${last:--1}" "${s:-0}" "${r:-0}" $((${g:-9999} * 20)) "$bound"
      check "$n$i-$side: nothing corrupt, forged or duplicated" \
        [ "$(ua_field "$n$i-$side" corrupt)" = 0 -a "$(ua_field "$n$i-$side" duplicate)" = 0 ]
    done
  done
  echo "  $n: media gap per direction (ms, phone<-, PBX<- per call):$gaps"
  check "$n: rekey re-INVITE after the loss answered 200 via B" ua_has "${n}0-uac" "reinvite final=200"
  check "$n: hold and unhold answered 200 via B" ua_has "${n}1-uac" "reinvite final=200"
  check "$n: sdes.so never called a call lost" bash -c "! grep -q 'rejected rc=-6\|lost: no relay' '$KAM_LOG'"
  check "$n: 3 BYEs wrote their audit lines" [ "$(grep -c 'sdes audit: Call-ID .*: m=0' "$KAM_LOG")" -ge "$EXPECT_AUDIT" ]
  check "$n: the rekey re-offer was applied on B" \
    [ "$(grep -c 'rekey leg a recv' "$WORK/srtpd-b.sock.log")" -ge $((EXPECT_AUDIT / 3)) ]
  check "$n: the 3 calls were deleted on B" \
    [ "$(grep -c 'stream 0 deleted' "$WORK/srtpd-b.sock.log")" -ge "$EXPECT_AUDIT" ]
  local cid
  for cid in $(sed -n 's/.*call \([^ ]*\) stream 0 deleted.*/\1/p' "$WORK/srtpd-b.sock.log"); do
    grep -qF "sdes audit: Call-ID $cid: m=0" "$KAM_LOG" || fail "$n: audit line of $cid" "missing"
  done
  check "$n: B holds no call after the BYEs" [ "$(ncalls "$B")" = 0 ]
  for _ in $(seq 20); do [ "$(nstored)" = 0 ] && break; sleep 0.05; done
  check "$n: the store holds no call after the BYEs" [ "$(nstored)" = 0 ]
  [ "$CAPTURE" = 1 ] || return 0
  "$E2E_BUILD/srtp-pcap" check "$WORK/$n.pcap" >"$WORK/$n.check" 2>&1
  local rc=$?
  sed 's/^/  /' "$WORK/$n.check"
  check "$n: srtp-pcap check: no index reused with other bytes in what the relays sent" [ $rc = 0 ]
  check "$n: the capture holds the relays' packets" grep -qE 'packets=[1-9][0-9]{3}' "$WORK/$n.check"
}

# new_call NAME: after the takeover, with A dead, a new call connects with
# media both ways through B (listed =standby in sdes.so: no new call only
# while the active relay is up).
new_call() {
  local before; before=$(grep -c 'stream 0 deleted' "$WORK/srtpd-b.sock.log")
  call "$1" "$KAM_PORT" phone pbx --seconds 2 -- --seconds 2
  check "$1: a new call after the takeover connects" ua_ok "$1-uac"
  check "$1: its media went both ways (all packets)" both_ways "$1"
  check "$1: it lived on B" [ "$(grep -c 'stream 0 deleted' "$WORK/srtpd-b.sock.log")" -gt "$before" ]
}

# plant PCAP: the capture with two reuses added (one SRTP packet of the
# first flow sent again with one payload byte changed; two SRTCP packets of
# one SSRC under index 7 with other bytes): srtp-pcap check must find both.
plant() {
  python3 - "$1" "$1.planted" <<'PY'
import struct, sys
raw = open(sys.argv[1], "rb").read()
hdr, off, frames = raw[:24], 24, []
while off + 16 <= len(raw):
    ts, us, cap, wire = struct.unpack("<IIII", raw[off:off + 16])
    frames.append((ts, us, raw[off + 16:off + 16 + cap])); off += 16 + cap
ts, us, f = frames[len(frames) // 2]
bad = bytearray(f); bad[-12] ^= 0x55           # a payload byte before the tag
def srtcp(fr, body):                            # frame fr's headers, an SRTCP payload
    ihl = (fr[14] & 15) * 4
    udp = 14 + ihl
    pl = bytes([0x81, 200, 0, 6]) + struct.pack("!I", 0x5EC0DE) + body + struct.pack("!I", 0x80000007) + bytes(10)
    ip = bytearray(fr[14:udp]); ip[2:4] = struct.pack("!H", ihl + 8 + len(pl)); ip[10:12] = b"\0\0"
    u = bytearray(fr[udp:udp + 8]); u[4:6] = struct.pack("!H", 8 + len(pl)); u[6:8] = b"\0\0"
    return bytes(fr[:14]) + bytes(ip) + bytes(u) + pl
extra = [bytes(bad), srtcp(f, bytes(20)), srtcp(f, bytes(19) + b"\1")]
with open(sys.argv[2], "wb") as o:
    o.write(hdr)
    for t, u_, fr in frames + [(ts + 9, us, x) for x in extra]:
        o.write(struct.pack("<IIII", t, u_, len(fr), len(fr))); o.write(fr)
PY
}

# Gap bounds (ms). Toward the PBX the source is the phone's authenticated
# SRTP: resumed at once. Toward the phone the source is the PBX's plain
# RTP: srtpd drops its packets until their sequence numbers pass the send
# mark (docs/ha.md "No keystream reuse"), about 3 s at 50 packets a second.
EXPECT_AUDIT=3 GAP_PBX=1000 GAP_PHONE=5000
takeover_case cmd cmd
new_call cmd-new
# B is the active relay now; for case 2 A and B start over in their roles.
# B holds no call now: a plain stop. Its sockets may outlive the process a
# moment (docs/ha.md "Restart recovery"): A starts once the range is free.
kill "$B_PID"; wait "$B_PID" 2>/dev/null
# (Not a check: a test running beside this one may hold a port of the range.)
ports_free || echo "  some ports of $PMIN..$PMAX still taken after 5 s"
EXPECT_AUDIT=7 GAP_PBX=5000 GAP_PHONE=6000
takeover_case hb hb
if [ "$CAPTURE" = 0 ]; then
  echo "sdes-takeover: SKIP the capture checks (AF_PACKET needs root)"
elif plant "$WORK/cmd.pcap"; then
  "$E2E_BUILD/srtp-pcap" check "$WORK/cmd.pcap.planted" >"$WORK/planted.check" 2>&1
  rc=$?
  sed 's/^/  planted: /' "$WORK/planted.check"
  check "srtp-pcap check catches a planted SRTP and SRTCP reuse (exit 3)" \
    bash -c "[ $rc = 3 ] && grep -q 'reused=2\$' '$WORK/planted.check' && grep -q 'srtcp index=7' '$WORK/planted.check'"
else
  fail "planted reuse" "the planted capture could not be written"
fi
dump_on_fail
summary
