#!/bin/bash
# tests/e2e/sdes-relocate.sh — sdes.so finds a call where it now lives.
# Relay A takes calls; relay B is listed "=standby" (no new calls, asked
# for the calls it holds: where a standby srtpd takes calls over). The
# takeover is simulated: tests/e2e/relay_move.py creates the running call
# on B from A's state (same sdes-state, same streams, the peers'
# addresses; plain legs: keys never leave srtpd), then A is SIGKILLed.
#   1. the caller's re-INVITE is served by B (200, the call's sdes-state
#      read there, B's ports in the answer), not refused as lost state;
#      its BYE deletes the call on B with the audit line.
#   2. fail closed stays: A restarted without the call and B without it:
#      the re-INVITE gets 481 (attack-lost-state.sh's rule), the BYE writes
#      the "lost" audit line.
# Media after the move is not checked (no keys on B without the store).
. "$(dirname "$0")/lib.sh"
e2e_init sdes-relocate
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_UA" "the test agents"
A=unix:$WORK/a.sock B=unix:$WORK/b.sock
PMIN=$((27000 + ($$ % 200) * 50))
A_PID=
start_relay() { # SPEC PORTMIN
  "$E2E_BUILD/srtpd" --listen "$1" --interface 127.0.0.1 --port-min "$2" \
    --port-max $(($2 + 24)) --media-timeout 0 >>"$WORK/srtpd-${1##*/}.log" 2>&1 &
  E2E_PIDS+=($!)
  LAST_PID=$!
  for _ in $(seq 50); do "$E2E_BUILD/srtpctl" --socket "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
rctl() { local r=$1; shift; "$E2E_BUILD/srtpctl" --socket "$r" "$@" 2>&1; }
ncalls() { rctl "$1" --json list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))'; }
first_cid() { rctl "$1" --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[0]["call-id"] if c else "")'; }

check "relay A starts" start_relay "$A" $PMIN; A_PID=$LAST_PID
check "relay B (standby) starts" start_relay "$B" $((PMIN + 25))
if ! kam_start cfg/relay-events.cfg -A "RELAY=\"$A\"" -A "RELAY2=\"$B=standby\""; then
  fail "kamailio with a relay and a standby starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "kamailio with a relay and a standby starts"
sleep 1.2

relocated_call() { # NAME MOVE(1/0): a call re-INVITEd at 3 s; at 1.2 s A dies
  ua_uas "$1-uas" pbx --seconds 5 --min-percent 0 || fail "$1 callee" "did not start"
  ua_uac "$1-uac" phone --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$KAM_PORT" \
    --seconds 5 --reinvite-at 3 --min-percent 0 --max-srtp-fail 1000000 "${@:3}" &
  local upid=$!
  sleep 1.2
  CID=$(first_cid "$A")
  check "$1: the new call is on A, not on the standby" [ -n "$CID" -a "$(ncalls "$B")" = 0 ]
  if [ "$2" = 1 ]; then
    check "$1: call copied to B by hand" [ "$(python3 "$E2E_ROOT/tests/e2e/relay_move.py" "${A#unix:}" "${B#unix:}" "$CID")" = ok ]
  fi
  kill -9 "$A_PID"; wait "$A_PID" 2>/dev/null
  [ "$2" = 1 ] || { start_relay "$A" $PMIN; A_PID=$LAST_PID; }
  wait $upid; ua_wait "$1-uas"
}

# ---- 1. moved: B serves the re-INVITE and the BYE
relocated_call mv 1
check "re-INVITE answered 200 (found on B)" ua_has mv-uac "reinvite final=200"
check "sdes.so did not call the state lost" bash -c "! grep -q 'rejected rc=-6' '$KAM_LOG'"
check "the re-offer was applied on B" \
  bash -c "grep -F 'call $CID:' '$WORK/srtpd-b.sock.log' | grep -qv ': offer, '"
check "BYE deleted the call on B (audit line)" grep -qF "sdes audit: Call-ID $CID: m=0" "$KAM_LOG"
check "B holds no call after the BYE" [ "$(ncalls "$B")" = 0 ]

# ---- 2. not moved, A restarted without it: fail closed (481), lost audit
check "relay A starts again" start_relay "$A" $PMIN; A_PID=$LAST_PID
sleep 1.2
relocated_call lost 0 --expect-reoffer-code 481
check "re-INVITE for a call no relay knows: 481" ua_has lost-uac "reinvite final=481"
check "its BYE writes the lost audit line" \
  grep -qF "sdes audit: Call-ID $CID: lost: no relay holds the call at BYE" "$KAM_LOG"
dump_on_fail
summary
