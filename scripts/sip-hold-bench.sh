#!/bin/bash
# scripts/sip-hold-bench.sh — long-call bench (issue 14, `make bench`,
# `make bench-sip`): HOLD_CALLS (10,000) one-stream calls held at once
# through
#   A) Kamailio + sdes.so + srtpd               (cfg/bench-sdes.cfg)
#   B) Kamailio + rtpengine module + RTPengine  (cfg/bench-rtpengine.cfg)
# with the same SIPp scenario (tests/bench/uac-hold.xml -> uas-hold.xml:
# INVITE with RTP/AVP audio, 200 with SAVP + a=crypto, ACK, a hold of
# HOLD_CALLS/HOLD_RATE + 5 s, BYE; no media). Each setup: calls placed at
# HOLD_RATE/s until all HOLD_CALLS are up, held, then hung up. Prints per
# setup the calls completed and failed (caller and callee), the most calls
# the relay held at once, the relay's RSS before and at that plateau and
# per call, the time, and the ratios A/B. Passes when each setup held
# HOLD_CALLS at once with 0 failed and the relay holds none afterwards.
#
# Ports and sockets: both sides offer and answer rtcp-mux (RFC 5761), so a
# srtpd call takes one port per leg, 2 per call (RTPengine takes its RTP
# and RTCP ports per leg all the same: 4). Both relays get 20000..65000 on
# 127.0.0.1 and as high a file limit as can be set. Where the hard limit
# cannot be raised (a container without CAP_SYS_RESOURCE), a setup whose
# sockets do not fit runs with what fits and says so: srtpd's workers each
# keep their own descriptor table (rtp/relay/worker_fds.c), so it holds
# about workers x limit / 2 calls; RTPengine's threads share one table.
#
#   scripts/sip-hold-bench.sh           the bench (2-3 minutes a setup)
#   scripts/sip-hold-bench.sh --smoke   200 calls, correctness only
# Env: HOLD_CALLS, HOLD_RATE (calls/s while ramping; default 200: what this
# 2-core box places without SIPp bursting to catch up),
# HOLD_SETUPS="A B".
set -u
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/e2e/lib.sh"
SMOKE=0
[ "${1:-}" = --smoke ] && SMOKE=1
NAME=sip-hold-bench; [ $SMOKE = 1 ] && NAME=sip-hold-bench-smoke
e2e_init "$NAME"
BENCH_DIR=$E2E_ROOT/tests/bench
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"
for t in sipp rtpengine kamailio; do
  command -v $t >/dev/null || { echo "$NAME: $t not installed (make deps)" >&2; echo "$NAME: 0 passed, 1 failed"; exit 1; }
done
if [ $SMOKE = 1 ]; then N=${HOLD_CALLS:-200}; RATE=${HOLD_RATE:-100}
else N=${HOLD_CALLS:-10000}; RATE=${HOLD_RATE:-200}; fi
SETUPS=${HOLD_SETUPS:-"A B"}
PMIN=20000; PMAX=65000
# The smoke (make test) needs 800 ports: a small range below the
# ephemeral one, as calls-bench.sh's.
[ $SMOKE = 1 ] && { PMIN=$((10000 + (RANDOM % 5) * 2000)); PMAX=$((PMIN + 1999)); }
# 40,000 sockets and more: raise the file limit for what this starts. A
# relay holds a socket per port, so where the hard limit cannot be raised
# (a container without CAP_SYS_RESOURCE) the run holds what fits and says
# so: the numbers per call still compare, the 10,000 is not claimed.
ulimit -Hn 262144 2>/dev/null; ulimit -n 262144 2>/dev/null || ulimit -n "$(ulimit -Hn)"
FDS=$(ulimit -n)
# srtpd runs one worker per core (its default): so many media tables.
WORKERS=$(nproc)
declare -A N_OF
fit() { # SETUP TABLES SOCKETS_PER_CALL
  local cap
  if [ "$FDS" = unlimited ]; then cap=$N; else cap=$(( $2 * (FDS - 300) / $3 / 100 * 100 )); fi
  if [ "$cap" -lt "$N" ]; then
    echo "$NAME: NOTE: setup $1: open-file limit $FDS (hard; not raisable here) x $2 table(s) fits $cap calls ($3 sockets per call), not $N; holding $cap"
    N_OF[$1]=$cap
  else
    N_OF[$1]=$N
  fi
}
fit A "$WORKERS" 2
fit B 1 4
NMAX=$N
HOLD_MS=$(( (NMAX / RATE + 5) * 1000 ))
# SIP and ng ports below the relays' range: with a range that overlaps the
# ephemeral one, a relay binding a media port SIPp picked (both with
# SO_REUSEADDR, which UDP allows) would take its datagrams.
sip_port() {
  python3 -c '
import random, socket, sys
lo, hi = int(sys.argv[1]), int(sys.argv[2])
for _ in range(200):
    p = random.randint(lo, hi)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()' $((PMIN - 5000)) $((PMIN - 1))
}

RELAY_PID=; UAS_PID=
stop_pid() { # PID
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  local i
  for i in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
relay_start() { # A|B
  RELAY_PORT=$(sip_port); RELAY_SOCK=unix:$WORK/relay-A.sock
  local i
  if [ "$1" = A ]; then
    "$E2E_BUILD/srtpd" --listen "$RELAY_SOCK" --interface 127.0.0.1 \
      --port-min $PMIN --port-max $PMAX --media-timeout 0 >"$WORK/relay-$1.log" 2>&1 &
  else
    printf '[rtpengine]\ndelete-delay = 0\n' >"$WORK/rtpengine.conf"
    rtpengine --config-file="$WORK/rtpengine.conf" --foreground --log-stderr --table=-1 \
      --log-level=4 --interface=127.0.0.1 --listen-ng="127.0.0.1:$RELAY_PORT" \
      --port-min=$PMIN --port-max=$PMAX >"$WORK/relay-$1.log" 2>&1 &
  fi
  RELAY_PID=$!; E2E_PIDS+=($RELAY_PID)
  for i in $(seq 50); do
    relay_calls "$1" >/dev/null 2>&1 && return 0
    kill -0 "$RELAY_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
relay_calls() { # A|B: calls the relay holds now
  if [ "$1" = A ]; then
    "$E2E_BUILD/srtpctl" --socket "$RELAY_SOCK" --json stats 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"])'
  else
    python3 "$BENCH_DIR/ng.py" "$RELAY_PORT" '{"command":"statistics"}' 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["statistics"]["currentstatistics"]["sessionsown"])'
  fi
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
stat_field() { # FILE COLUMN: last value of a SIPp -trace_stat column
  python3 - "$1" "$2" <<'PY'
import sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1]) if l.strip()]
i = rows[0].index(sys.argv[2]); print(rows[-1][i])
PY
}

declare -A R_OK R_FAIL R_PEAK R_RSS0 R_RSS R_SECS R_PASS R_MSG
run_setup() { # A|B
  local s=$1 d=$WORK/$1 rc t0 t1 peak=0 rss=0 c r left uok ufail ok failed
  local N=${N_OF[$1]}
  mkdir -p "$d"; R_PASS[$s]=0
  if ! relay_start "$s"; then R_MSG[$s]="relay did not start: $(tail -2 "$WORK/relay-$s.log")"; return; fi
  KAM_FIXED_PORT=$(sip_port)
  if [ "$s" = A ]; then kam_start cfg/bench-sdes.cfg -A "RELAY=\"$RELAY_SOCK\""
  else kam_start cfg/bench-rtpengine.cfg -A "NG=\"udp:127.0.0.1:$RELAY_PORT\""; fi ||
    { R_MSG[$s]="kamailio did not start: $(tail -2 "$KAM_LOG")"; stop_pid "$RELAY_PID"; return; }
  local uas_port; uas_port=$(sip_port)
  sipp -sf "$BENCH_DIR/uas-hold.xml" -i 127.0.0.1 -p "$uas_port" -nostdin \
    -trace_err -error_file "$d/uas-err.log" >"$d/uas.out" 2>&1 &
  UAS_PID=$!; E2E_PIDS+=($UAS_PID)
  printf 'SEQUENTIAL\n%s;\n' "$uas_port" >"$d/callee.csv"
  sleep 0.3
  R_RSS0[$s]=$(rss_kib "$RELAY_PID")
  t0=$(date +%s.%N)
  timeout $((HOLD_MS / 1000 + N / RATE + 60)) sipp "127.0.0.1:$KAM_PORT" -sf "$BENCH_DIR/uac-hold.xml" \
    -inf "$d/callee.csv" -i 127.0.0.1 -p "$(sip_port)" -r "$RATE" -rp 1000 -m "$N" \
    -l $((N + 100)) -d "$HOLD_MS" -recv_timeout 10000 -nostdin -trace_stat -stf "$d/uac-stat.csv" \
    -fd 1 -trace_err -error_file "$d/uac-err.log" >"$d/uac.out" 2>&1 &
  local sp=$!
  # Sample the relay while the calls are up: the most it held at once and
  # its RSS then.
  while kill -0 $sp 2>/dev/null; do
    c=$(relay_calls "$s" 2>/dev/null || echo 0); r=$(rss_kib "$RELAY_PID")
    if [ "${c:-0}" -ge "$peak" ]; then peak=$c; rss=$r; fi
    sleep 1
  done
  wait $sp; rc=$?
  t1=$(date +%s.%N)
  ok=$(stat_field "$d/uac-stat.csv" 'SuccessfulCall(C)' 2>/dev/null || echo 0)
  failed=$(stat_field "$d/uac-stat.csv" 'FailedCall(C)' 2>/dev/null || echo '?')
  sleep 0.5
  left=$(relay_calls "$s" 2>/dev/null || echo '?')
  stop_pid "$UAS_PID"; UAS_PID=
  uok=$(grep -a 'Successful call' "$d/uas.out" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  ufail=$(grep -a 'Failed call' "$d/uas.out" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  R_OK[$s]=$ok; R_FAIL[$s]=$failed; R_PEAK[$s]=$peak; R_RSS[$s]=$rss
  R_SECS[$s]=$(python3 -c "print('%.0f' % ($t1 - $t0))")
  R_MSG[$s]="sipp rc=$rc ok=$ok/$N failed=$failed callee-ok=${uok:-?} callee-failed=${ufail:-?} peak=$peak relay-left=$left"
  if [ "$rc" = 0 ] && [ "$ok" = "$N" ] && [ "$failed" = 0 ] && [ "${uok:-}" = "$N" ] &&
     [ "${ufail:-}" = 0 ] && [ "$peak" -ge "$N" ] && [ "$left" = 0 ] && kam_alive; then
    R_PASS[$s]=1
  fi
  kam_stop; cp "$KAM_LOG" "$d/kamailio.log" 2>/dev/null
  stop_pid "$RELAY_PID"; RELAY_PID=; E2E_PIDS=()
  cp "$WORK/relay-$s.log" "$d/relay.log" 2>/dev/null
}

declare -A LABEL=([A]="A kamailio+sdes.so+srtpd" [B]="B kamailio+rtpengine")
echo "$NAME: $NMAX one-stream calls (rtcp-mux) at $RATE/s, each held $((HOLD_MS / 1000)) s (no media), relay ports $PMIN..$PMAX"
for s in $SETUPS; do
  run_setup "$s"
  printf '%s  %-26s %s  %s\n' "$([ "${R_PASS[$s]}" = 1 ] && echo pass || echo FAIL)" "${LABEL[$s]}" \
    "${R_MSG[$s]}" "$([ "${R_PASS[$s]}" = 1 ] || echo "(logs: $WORK/$s)")"
done
echo
printf '%-28s %8s %7s %9s %11s %11s %12s %6s\n' setup completed failed "held max" "RSS before" "RSS held" "RSS/call" time
for s in $SETUPS; do
  per=$(python3 -c "print('%.1f KiB' % ((${R_RSS[$s]:-0} - ${R_RSS0[$s]:-0}) / max(${R_PEAK[$s]:-0}, 1)))")
  printf '%-28s %8s %7s %9s %8s KiB %8s KiB %12s %5ss\n' "${LABEL[$s]}" "${R_OK[$s]:-0}" "${R_FAIL[$s]:-?}" \
    "${R_PEAK[$s]:-0}" "${R_RSS0[$s]:-0}" "${R_RSS[$s]:-0}" "$per" "${R_SECS[$s]:-?}"
done
if [ "$SETUPS" = "A B" ] && [ "${R_RSS[B]:-0}" -gt 0 ]; then
  python3 -c "
a0, a, b0, b = ${R_RSS0[A]:-0}, ${R_RSS[A]:-0}, ${R_RSS0[B]:-0}, ${R_RSS[B]:-0}
pa, pb = max(${R_PEAK[A]:-0}, 1), max(${R_PEAK[B]:-0}, 1)
print('ratio A/B: RSS held %.2f, RSS per call %.2f (lower is better); calls held %.2f' % (a / b, ((a - a0) / pa) / max((b - b0) / pb, 0.001), pa / pb))"
fi
OKALL=1
for s in $SETUPS; do [ "${R_PASS[$s]}" = 1 ] || OKALL=0; done
if [ $SMOKE = 1 ]; then
  for s in $SETUPS; do
    if [ "${R_PASS[$s]}" = 1 ]; then pass "${LABEL[$s]}: ${N_OF[$s]} calls held at once, 0 failed"
    else fail "${LABEL[$s]}" "${R_MSG[$s]}"; fi
  done
  summary
else
  [ $OKALL = 1 ]
fi
