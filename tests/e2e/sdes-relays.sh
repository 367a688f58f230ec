#!/bin/bash
# tests/e2e/sdes-relays.sh — sdes.so's relay health against a real srtpd:
# with relay A (srtpd) and relay B (nothing there) pinged every second over
# the control protocol, sdes.relays shows A up and B down; stopping srtpd
# turns A down, starting it again brings A back up; sdes.list shows the
# calls srtpd holds (one created here with a raw ng "offer"); a BYE's
# sdes_delete deletes it in srtpd and logs the audit line.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-relays
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"
CFG=tests/e2e/sdes-relays.cfg
# Relay A: srtpd's unix control socket (mode 0600, as shipped); relay B: a
# path nothing listens on.
A="unix:$WORK/relay-a.sock"; B="unix:$WORK/relay-b.sock"
PMIN=$(( (RANDOM % 200) * 100 + 42000 ))
SRTPD_PID=
srtpd_start() {
  "$E2E_BUILD/srtpd" --listen "$A" --port-min $PMIN --port-max $((PMIN + 99)) \
    >>"$WORK/srtpd.log" 2>&1 &
  SRTPD_PID=$!
  E2E_PIDS+=($SRTPD_PID)
  for _ in $(seq 50); do
    "$E2E_BUILD/srtpctl" --socket "$A" --timeout 100 ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
srtpd_stop() { kill "$SRTPD_PID" 2>/dev/null; wait "$SRTPD_PID" 2>/dev/null; SRTPD_PID=; }

# relay_state RELAY: the state field sdes.relays shows for it.
relay_state() {
  kam_rpc sdes.relays | awk -v r="$1" '$1=="relay:"{cur=$2} $1=="state:" && cur==r {print $2}'
}
# wait_state RELAY STATE: up to 5 s.
wait_state() {
  local i
  for i in $(seq 50); do
    [ "$(relay_state "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

check "srtpd starts and answers srtpctl ping" srtpd_start
if ! kam_start $CFG -A "RELAY_A=\"$A\"" -A "RELAY_B=\"$B\""; then
  fail "kamailio starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "kamailio with two relays starts"
check "relay A (srtpd) is up after a ping round" wait_state "$A" up
check "relay B (nothing listening) is down" wait_state "$B" down
check "state change logged: A up" grep -q "relay $A is up" "$KAM_LOG"
check "state change logged: B down" grep -q "relay $B is down" "$KAM_LOG"
check "sdes.relays shows answers and rtt for A" bash -c "kamcmd -s 'unix:$WORK/run/kamailio_ctl' sdes.relays | grep -A8 '$A' | grep -qE 'answers: [1-9]'"

# A call in srtpd, made with a raw ng offer (cookie SP bencoded dict).
python3 - "${A#unix:}" >"$WORK/offer.out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.settimeout(2)
s.bind("")  # autobind: srtpd replies to this address
body = b"d7:call-id12:e2e-list-1237:command5:offer7:streamsld5:indexi0e1:ad9:transport3:RTPe1:bd9:transport3:RTPeeee"
s.sendto(b"c0ffee01 " + body, sys.argv[1])
print(s.recv(65535).decode("latin-1"))
PY
check "srtpd accepted the raw offer" grep -q "6:result2:ok" "$WORK/offer.out"
L=$(kam_rpc sdes.list)
check "sdes.list shows the call srtpd holds" grep -q "call-id: e2e-list-123" <<<"$L"
check "sdes.list names the relay and stream count" bash -c "grep -q 'relay: $A' <<<'$L' && grep -q 'streams: 1' <<<'$L'"

# sdes_delete on a BYE: srtpd deletes the call, the audit line is logged.
bye() { # CALL-ID: a BYE to Kamailio; prints the reply's status line
  python3 - "$KAM_PORT" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5); s.bind(("127.0.0.1", 0))
p = s.getsockname()[1]
msg = ("BYE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s\r\n"
       "From: <sip:alice@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>;tag=2\r\nCall-ID: %s\r\n"
       "CSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % (p, sys.argv[2].replace("-", ""), sys.argv[2])
s.sendto(msg.encode(), ("127.0.0.1", int(sys.argv[1])))
print(s.recv(65535).decode("latin-1").split("\r\n")[0])
PY
}
R1=$(bye e2e-list-123)
check "sdes_delete on BYE deleted the call in srtpd (rc 1)" grep -q "SIP/2.0 200 sdes_delete rc=1" <<<"$R1"
check "audit line logged: stream, legs, packets, drops, no keys" grep -q \
  "sdes audit: Call-ID e2e-list-123: m=0 a:RTP in=0 out=0 drops=0 b:RTP in=0 out=0 drops=0" "$KAM_LOG"
check "the call is gone from srtpd" bash -c "! kamcmd -s 'unix:$WORK/run/kamailio_ctl' sdes.list 2>&1 | grep -q e2e-list-123"
R2=$(bye e2e-list-123)
check "sdes_delete of a call no relay holds: rc 2, not an error" grep -q "SIP/2.0 200 sdes_delete rc=2 no relay holds this call" <<<"$R2"

srtpd_stop
check "relay A goes down when srtpd stops" wait_state "$A" down
R3=$(bye e2e-list-456)
check "sdes_delete with no relay answering: rc -3 with the reason" grep -q "SIP/2.0 200 sdes_delete rc=-3 " <<<"$R3"
check "sdes.list says no relay answered" bash -c "kamcmd -s 'unix:$WORK/run/kamailio_ctl' sdes.list 2>&1 | grep -q '503'"
check "srtpd starts again" srtpd_start
check "relay A comes back up" wait_state "$A" up
check "Kamailio still running" kam_alive
kam_stop
srtpd_stop
if [ "$E2E_FAIL" != 0 ]; then
  echo "$L"; echo "$R1 / ${R2:-} / ${R3:-}"; cat "$WORK/offer.out"; grep -E "sdes|relay" "$KAM_LOG" | tail -20
fi
summary
