#!/bin/bash
# tests/e2e/lib.sh — helpers shared by the end-to-end test scripts: a work
# directory under build/, free loopback ports, starting and stopping a
# Kamailio without root (kamailio -DD -E -Y RUNDIR), running the e2e-ua agents, and
# pass/fail counting that ends with "NAME: N passed, M failed" for
# scripts/run-tests.sh. Everything a script starts is stopped on exit.
set -u
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_BUILD=${BUILD:-$E2E_ROOT/build}
E2E_UA=$E2E_BUILD/e2e-ua
KAM_MPATH=/usr/lib/x86_64-linux-gnu/kamailio/modules/
E2E_PASS=0
E2E_FAIL=0
E2E_PIDS=()

e2e_init() { # NAME
  E2E_NAME=$1
  WORK=$E2E_BUILD/e2e/$1.$$
  rm -rf "$WORK"; mkdir -p "$WORK/run"
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
}

e2e_cleanup() {
  local p
  [ -n "${KAM_PID:-}" ] && kam_stop
  for p in "${E2E_PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${E2E_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
}

pass() { E2E_PASS=$((E2E_PASS + 1)); echo "ok $1"; }
fail() { E2E_FAIL=$((E2E_FAIL + 1)); echo "not ok $1: $2" >&2; }
# check NAME CONDITION-COMMAND... : pass when the command succeeds.
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "failed: $*"; fi; }
summary() {
  echo "$E2E_NAME: $E2E_PASS passed, $E2E_FAIL failed"
  [ "$E2E_FAIL" = 0 ]
}

need() { # FILE WHAT: stop the script with one clear line if FILE is missing
  if [ ! -e "$1" ]; then
    echo "$E2E_NAME: $1 missing ($2); run make first" >&2
    echo "$E2E_NAME: 0 passed, 1 failed"
    exit 1
  fi
}

free_udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kam_check CFG [-A DEF=VAL ...]: kamailio -c (syntax, modules, module params).
kam_check() {
  local cfg=$1; shift
  (cd "$E2E_ROOT" && kamailio -c -f "$cfg" "$@") >"$WORK/kamailio-check.log" 2>&1
}

# kam_start CFG [-A DEF=VAL ...]: start Kamailio in the foreground (background
# job) with SIP_PORT (and RUNDIR) defined; waits until it listens.
# Sets KAM_PORT, KAM_PID, KAM_LOG. Returns 1 when it did not come up.
# KAM_FIXED_PORT, when set, is the port to use (a restart on the same port).
kam_start() {
  local cfg=$1; shift
  KAM_PORT=${KAM_FIXED_PORT:-$(free_udp_port)}
  KAM_LOG=$WORK/kamailio.log
  (cd "$E2E_ROOT" && exec kamailio -DD -E -f "$cfg" -Y "$WORK/run" -P "$WORK/run/kamailio.pid" \
     -A "SIP_PORT=$KAM_PORT" -A "CTL_SOCK=\"unix:$WORK/run/kamailio_ctl\"" "$@") >"$KAM_LOG" 2>&1 &
  KAM_PID=$!
  local i
  for i in $(seq 100); do
    if ! kill -0 "$KAM_PID" 2>/dev/null; then
      wait "$KAM_PID" 2>/dev/null; KAM_PID=
      return 1
    fi
    # Bound yet? /proc/net/udp lists 127.0.0.1:PORT as 0100007F:HEXPORT.
    if grep -q "0100007F:$(printf '%04X' "$KAM_PORT") " /proc/net/udp 2>/dev/null; then
      sleep 0.2
      return 0
    fi
    sleep 0.05
  done
  return 1
}

kam_alive() { [ -n "${KAM_PID:-}" ] && kill -0 "$KAM_PID" 2>/dev/null; }

kam_stop() {
  [ -n "${KAM_PID:-}" ] || return 0
  kill "$KAM_PID" 2>/dev/null || true
  local i
  for i in $(seq 50); do
    kill -0 "$KAM_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$KAM_PID" 2>/dev/null || true
  wait "$KAM_PID" 2>/dev/null || true
  KAM_PID=
}

# kamcmd against the ctl socket the test cfgs open in RUNDIR.
kam_rpc() { kamcmd -s "unix:$WORK/run/kamailio_ctl" "$@" 2>&1; }

# ua_uas NAME ROLE [args...]: start a callee in the background; sets
# UAS_PORT. Its report goes to $WORK/NAME.out, its exit status to NAME.rc.
ua_uas() {
  local name=$1 role=$2; shift 2
  rm -f "$WORK/$name.port"
  ( "$E2E_UA" uas --role "$role" --port-file "$WORK/$name.port" "$@" >"$WORK/$name.out" 2>&1
    echo $? >"$WORK/$name.rc" ) &
  E2E_PIDS+=($!)
  local i
  for i in $(seq 100); do
    [ -s "$WORK/$name.port" ] && break
    sleep 0.05
  done
  UAS_PORT=$(cat "$WORK/$name.port" 2>/dev/null)
  [ -n "$UAS_PORT" ]
}

# ua_uac NAME ROLE [args...]: run a caller to completion (bounded).
ua_uac() {
  local name=$1 role=$2; shift 2
  timeout 60 "$E2E_UA" uac --role "$role" "$@" >"$WORK/$name.out" 2>&1
  echo $? >"$WORK/$name.rc"
}

# ua_wait NAME: wait for a background callee to finish (bounded).
ua_wait() {
  local i
  for i in $(seq 600); do
    [ -s "$WORK/$1.rc" ] && return 0
    sleep 0.05
  done
  return 1
}

ua_rc() { cat "$WORK/$1.rc" 2>/dev/null || echo missing; }
ua_ok() { [ "$(ua_rc "$1")" = 0 ] && grep -q '^ua: result=ok' "$WORK/$1.out"; }
ua_has() { grep -q -- "$2" "$WORK/$1.out"; } # NAME PATTERN
# ua_field NAME KEY: the value of KEY=... on the report's rtp line.
ua_field() { grep '^ua: rtp ' "$WORK/$1.out" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
show() { echo "---- $1"; cat "$WORK/$1.out" 2>/dev/null; }

# both_ways NAME: the calls NAME-uac/NAME-uas each received intact every
# packet the other sent (and both sent some).
both_ways() {
  local s1 r1 s2 r2
  s1=$(ua_field "$1-uac" sent); r2=$(ua_field "$1-uas" intact)
  s2=$(ua_field "$1-uas" sent); r1=$(ua_field "$1-uac" intact)
  [ -n "$s1" ] && [ "$s1" -gt 0 ] && [ "$s1" = "$r2" ] && [ -n "$s2" ] && [ "$s2" -gt 0 ] && [ "$s2" = "$r1" ]
}

# srtpd_start: one srtpd with its control on a unix socket in $WORK (mode
# 0600, as cfg/srtpd.conf ships it), its own 100-port media range on
# loopback and no media timeout; sets RELAY_SPEC (the socket, for sdes.so's
# "relay" modparam and srtpctl), logs to $WORK/srtpd.log. ctl runs srtpctl
# against it; srtpd_calls prints how many calls it holds.
srtpd_start() {
  RELAY_SPEC=unix:$WORK/srtpd.sock
  local pmin=$((20000 + ($$ % 200) * 100))
  "$E2E_BUILD/srtpd" --listen "$RELAY_SPEC" --interface 127.0.0.1 \
    --port-min $pmin --port-max $((pmin + 99)) --media-timeout 0 >"$WORK/srtpd.log" 2>&1 &
  SRTPD_PID=$!
  E2E_PIDS+=($SRTPD_PID)
  local i
  for i in $(seq 30); do
    [ -S "$WORK/srtpd.sock" ] && break
    sleep 0.05
  done
  sleep 0.1
  kill -0 "$SRTPD_PID" 2>/dev/null
}
ctl() { "$E2E_BUILD/srtpctl" --socket "$RELAY_SPEC" "$@" 2>&1; }
srtpd_calls() { ctl --json list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))'; }
# kam_start_relay CFG [defines]: kam_start with RELAY set to srtpd_start's.
kam_start_relay() {
  local cfg=$1; shift
  kam_start "$cfg" -A "RELAY=\"$RELAY_SPEC\"" "$@"
}

# call NAME PROXYPORT CALLER CALLEE [callee args] -- [caller args]: one
# call between two e2e-ua agents, 3 s of media; with QUERY_AT=S the call's
# srtpd query S seconds after the caller started goes to $WORK/NAME.query. PROXYPORT "-" calls the callee directly.
call() {
  local name=$1 port=$2 a=$3 b=$4; shift 4
  local bargs=() aargs=() proxy=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do bargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  aargs=("$@")
  [ "$port" != - ] && proxy=(--proxy "127.0.0.1:$port")
  ua_uas "$name-uas" "$b" --seconds 3 "${bargs[@]}" || { fail "$name" "callee did not start"; return; }
  ua_uac "$name-uac" "$a" --to "sip:bob@127.0.0.1:$UAS_PORT" "${proxy[@]}" \
    --seconds 3 "${aargs[@]}" &
  local upid=$! cid=
  if [ -n "${QUERY_AT:-}" ]; then
    sleep "$QUERY_AT"
    cid=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[-1]["call-id"] if c else "")' 2>/dev/null)
    ctl --json query "$cid" >"$WORK/$name.query" 2>&1
    # RPC_REKEY=1: also RPC sdes.rekey on the call (answer in
    # $WORK/NAME.rpcrekey) and the query after it ($WORK/NAME.query2).
    if [ "${RPC_REKEY:-0}" = 1 ]; then
      kam_rpc sdes.rekey "$cid" >"$WORK/$name.rpcrekey" 2>&1
      ctl --json query "$cid" >"$WORK/$name.query2" 2>&1
    fi
  fi
  wait $upid
  ua_wait "$name-uas"
}

# dump_on_fail: after a failed check, every agent report, the tail of
# Kamailio's and srtpd's logs (for the CI log; keys are masked there).
dump_on_fail() {
  [ "$E2E_FAIL" = 0 ] && return 0
  local f
  for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done
  tail -30 "${KAM_LOG:-/dev/null}"; tail -20 "$WORK/srtpd.log" 2>/dev/null
}
