#!/bin/bash
# scripts/run.sh — `make run CFG=cfg/FILE.cfg`: srtpd and Kamailio (with
# build/sdes.so) on loopback in the foreground, for your own tests. Ctrl-C
# stops both. Logs go to the terminal (srtpd's lines prefixed [srtpd]).
#
#   SIP_PORT=5060 INSIDE_PORT=5070 bash scripts/run.sh cfg/legacy-pbx.cfg
#
# Kamailio runs unprivileged with its run directory in build/run/; kamcmd
# reaches it at unix:build/run/kamailio_ctl (e.g. kamcmd -s
# unix:build/run/kamailio_ctl sdes.relays).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cfg=${1:-cfg/legacy-pbx.cfg}
BUILD=${BUILD:-build}
SIP_PORT=${SIP_PORT:-5060}
INSIDE_PORT=${INSIDE_PORT:-5070}
rundir=$here/$BUILD/run
# srtpd's control: cfg/srtpd.conf's unix socket (mode 0600), in the run dir
# instead of /run/srtpd so no root is needed; srtpctl --socket $RELAY.
RELAY=unix:$rundir/srtpd.sock

die() { echo "run: $*" >&2; exit 1; }
[ -f "$cfg" ] || die "no such cfg: $cfg"
[ -f "$BUILD/sdes.so" ] || die "$BUILD/sdes.so missing: run make"
command -v kamailio >/dev/null || die "kamailio not installed: run make deps"
mkdir -p "$rundir"

pids=()
stop() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo "run: stopped" >&2
}
trap stop EXIT
trap 'exit 130' INT TERM

if [ -x "$BUILD/srtpd" ]; then
  # Process substitution, so $! is srtpd itself (not a pipeline's last stage).
  "$BUILD/srtpd" --config cfg/srtpd.conf --listen "$RELAY" \
    --pid-file "$rundir/srtpd.pid" > >(sed -u 's/^/[srtpd] /') 2>&1 &
  pids+=($!)
  ok=0
  for _ in $(seq 50); do
    if [ -x "$BUILD/srtpctl" ] && "$BUILD/srtpctl" --socket "$RELAY" --timeout 200 ping >/dev/null 2>&1; then
      ok=1; break
    fi
    sleep 0.1
  done
  [ $ok = 1 ] || die "srtpd did not answer ping on $RELAY"
  echo "run: srtpd answers on $RELAY (srtpctl --socket $RELAY ...)" >&2
else
  echo "run: $BUILD/srtpd not built: Kamailio runs without a relay (calls needing media fail)" >&2
fi

echo "run: kamailio -f $cfg on udp:127.0.0.1:$SIP_PORT (inside $INSIDE_PORT where the cfg has one)" >&2
# A KEMI cfg (cfg/legacy-pbx-lua.cfg, -python.cfg) loads its script by an
# absolute path: the source tree's copy next to the cfg.
kemi=()
if grep -q '^#!define KEMI_SCRIPT' "$cfg"; then
  ext=$(sed -n 's/^#!define KEMI_SCRIPT .*\.\([a-z]*\)"$/\1/p' "$cfg")
  script=$here/${cfg%-*.cfg}.$ext
  [ -f "$script" ] || die "no KEMI script $script for $cfg"
  kemi=(-A "KEMI_SCRIPT=\"$script\"")
  echo "run: KEMI script $script" >&2
fi
echo "run: sdes.so offers, answers, rekeys and deletes calls in srtpd; see the calls with" \
     "kamcmd -s unix:$rundir/kamailio_ctl sdes.list, the counters with sdes.stats" >&2
kamailio -DD -E -f "$cfg" -Y "$rundir" -P "$rundir/kamailio.pid" \
  -A "SIP_PORT=$SIP_PORT" -A "INSIDE_PORT=$INSIDE_PORT" \
  -A "RELAY=\"$RELAY\"" -A "CTL_SOCK=\"unix:$rundir/kamailio_ctl\"" "${kemi[@]}" &
# (Kamailio's log is not piped through a prefixer: its main process waits
# for every child, and a process-substitution filter would be one of them.)
pids+=($!)
wait "${pids[-1]}"
