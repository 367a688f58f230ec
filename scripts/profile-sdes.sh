#!/bin/bash
# scripts/profile-sdes.sh — where sdes.so's hot path spends its time, measured
# (issue 14): the call-load bench's scenario (tests/bench/uac.xml -> uas.xml
# through cfg/bench-sdes.cfg, Kamailio + sdes.so + srtpd) at a fixed rate
# while `perf record` samples every Kamailio process; prints the top
# self-time symbols of Kamailio (sdes.so, libc, libcrypto, kamailio itself)
# and of srtpd, and the control requests per call srtpd counted.
#
#   scripts/profile-sdes.sh [RATE] [SECONDS]     (default 300 calls/s, 5 s)
# Env: PROFILE_TOP=N symbols (default 25); PROFILE_SETUP=B profiles the
# rtpengine module + RTPengine instead (cfg/bench-rtpengine.cfg);
# PROFILE_CG=dwarf for call graphs through Kamailio (no frame pointers). Needs perf (linux-perf).
set -u
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/e2e/lib.sh"
RATE=${1:-300}; SECS=${2:-5}; TOP=${PROFILE_TOP:-25}
e2e_init profile-sdes
BENCH_DIR=$E2E_ROOT/tests/bench
need "$E2E_BUILD/sdes.so" "the Kamailio module"
command -v perf >/dev/null || { echo "profile-sdes: perf not installed" >&2; exit 1; }
if [ "${PROFILE_SETUP:-A}" = A ]; then
  RELAY_SOCK=unix:$WORK/relay.sock
  "$E2E_BUILD/srtpd" --listen "$RELAY_SOCK" --interface 127.0.0.1 --port-min 21000 \
    --port-max 31999 --media-timeout 0 >"$WORK/srtpd.log" 2>&1 &
  SRTPD=$!; E2E_PIDS+=($SRTPD)
  for i in $(seq 50); do [ -S "$WORK/relay.sock" ] && break; sleep 0.1; done
  kam_start cfg/bench-sdes.cfg -A "RELAY=\"$RELAY_SOCK\"" || { echo "kamailio did not start"; exit 1; }
else # B: the same scenario through Kamailio's rtpengine module + RTPengine
  NGP=$(free_udp_port)
  printf '[rtpengine]\ndelete-delay = 0\n' >"$WORK/rtpengine.conf"
  rtpengine --config-file="$WORK/rtpengine.conf" --foreground --log-stderr --table=-1 \
    --log-level=4 --interface=127.0.0.1 --listen-ng="127.0.0.1:$NGP" \
    --port-min=21000 --port-max=31999 >"$WORK/srtpd.log" 2>&1 &
  SRTPD=$!; E2E_PIDS+=($SRTPD)
  sleep 1
  kam_start cfg/bench-rtpengine.cfg -A "NG=\"udp:127.0.0.1:$NGP\"" || { echo "kamailio did not start"; exit 1; }
fi
UASP=$(free_udp_port)
sipp -sf "$BENCH_DIR/uas.xml" -i 127.0.0.1 -p "$UASP" -mp 45000 -nostdin >"$WORK/uas.out" 2>&1 &
E2E_PIDS+=($!)
printf 'SEQUENTIAL\n%s;\n' "$UASP" >"$WORK/callee.csv"
sleep 0.3
PIDS=$( (pgrep -P "$KAM_PID"; echo "$KAM_PID") | paste -sd,)
# cpu_ms PID,PID...: utime+stime of those processes, in ms.
cpu_ms() {
  local t=0 p f
  for p in ${1//,/ }; do
    f=($(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null)) || continue
    t=$((t + ${f[11]:-0} + ${f[12]:-0}))
  done
  echo $((t * 1000 / $(getconf CLK_TCK)))
}
K0=$(cpu_ms "$PIDS"); R0=$(cpu_ms "$SRTPD")
perf record -F 1000 --call-graph ${PROFILE_CG:-fp} -o "$WORK/kam.data" -p "$PIDS" >/dev/null 2>&1 &
PK=$!
perf record -F 2000 -g -o "$WORK/srtpd.data" -p "$SRTPD" >/dev/null 2>&1 &
PS=$!
sleep 0.3
timeout $((SECS + 30)) sipp "127.0.0.1:$KAM_PORT" -sf "$BENCH_DIR/uac.xml" -inf "$WORK/callee.csv" \
  -i 127.0.0.1 -p "$(free_udp_port)" -r "$RATE" -m $((RATE * SECS)) -recv_timeout 5000 \
  -nostdin -trace_stat -stf "$WORK/uac-stat.csv" >"$WORK/uac.out" 2>&1
K1=$(cpu_ms "$PIDS"); R1=$(cpu_ms "$SRTPD")
kill -INT $PK $PS; wait $PK $PS 2>/dev/null
ok=$(tail -1 "$WORK/uac-stat.csv" | cut -d';' -f "$(head -1 "$WORK/uac-stat.csv" | tr ';' '\n' | grep -n '^SuccessfulCall(C)$' | cut -d: -f1)")
echo "profile-sdes: setup ${PROFILE_SETUP:-A}: $ok of $((RATE * SECS)) calls at $RATE/s completed"
python3 -c "n=max($ok,1); print('CPU per call: Kamailio %.0f us, relay %.0f us (perf running)' % (($K1-$K0)*1000/n, ($R1-$R0)*1000/n))"
echo "== Kamailio (all processes), self time, top $TOP"
perf report -i "$WORK/kam.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
  grep -E '^ +[0-9]' | head -"$TOP"
echo "== the relay, self time, top $TOP"
perf report -i "$WORK/srtpd.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
  grep -E '^ +[0-9]' | head -"$TOP"
echo "perf data: $WORK/kam.data $WORK/srtpd.data"
