#!/bin/bash
# tests/relay/srtpd-syslog.sh — srtpd's syslog target (log-syslog = yes):
# its lines reach the syslog socket through syslog(3) as facility daemon
# with each line's priority (<27> error, <28> warning, <30> info, <31>
# debug), tagged "srtpd[PID]:", and the level set at run time applies.
#
# syslog(3) always writes to /dev/log, so srtpd runs in a private mount
# namespace (unshare -m) whose /dev is a fresh tmpfs with the device nodes
# it needs bound back, and a test listener bound at that /dev/log: the
# host's /dev and syslog are never touched. Without the privilege to make
# the namespace (an unprivileged container) the test says "skipped".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NAME=srtpd_syslog
T=$(mktemp -d /tmp/srtpd-syslog.XXXXXX)
trap 'rm -rf "$T"' EXIT
PY=$(command -v python3)

mkdir -p "$T/probe"
if ! unshare -m --propagation private mount -t tmpfs tmpfs "$T/probe" 2>/dev/null; then
    echo "skipped: cannot make a mount namespace (unshare -m)"
    echo "$NAME: 1 passed, 0 failed"
    exit 0
fi

cat > "$T/listen.py" <<'PYEOF'
# A syslog socket: every datagram on its own line (newlines escaped).
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "a") as out:
    while True:
        d = s.recv(8192).decode("utf-8", "replace")
        out.write(d.replace("\n", "\\n") + "\n")
        out.flush()
PYEOF

cat > "$T/inner.sh" <<'INEOF'
set -u
T=$1 BUILD=$2 PY=$3
mkdir -p "$T/realdev"
mount --bind /dev "$T/realdev"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero urandom random; do
    touch "/dev/$n" && mount --bind "$T/realdev/$n" "/dev/$n"
done
# No syslog socket yet: srtpd refuses to run without a log.
"$BUILD/srtpd" --log-syslog --listen "unix:$T/ctl0.sock" --port-min 46000 --port-max 46100 \
    2>"$T/nosyslog.err"; echo $? > "$T/nosyslog.rc"
"$PY" "$T/listen.py" /dev/log "$T/syslog.txt" &
LP=$!
for _ in $(seq 50); do [ -e "$T/syslog.txt.ready" ] && break; sleep 0.1; done
"$BUILD/srtpd" --log-syslog --log-level info --listen "unix:$T/ctl.sock" \
    --listen udp:127.0.0.1:0 --control-insecure \
    --port-min 46000 --port-max 46100 --media-timeout 0 2>"$T/stderr" &
SP=$!
echo "$SP" > "$T/srtpd.pid"
C="$BUILD/srtpctl --socket unix:$T/ctl.sock"
for _ in $(seq 50); do $C ping >/dev/null 2>&1 && break; sleep 0.1; done
$C ping >/dev/null                          # info: no debug line
$C log-level debug > "$T/set.txt"
$C ping >/dev/null                          # now a debug line
$C query no-such-call >/dev/null 2>&1       # an error reply, at debug
$C log-level warn >/dev/null
$C ping >/dev/null                          # nothing
kill -TERM "$SP"; wait "$SP"; echo $? > "$T/srtpd.rc"
sleep 0.2
kill "$LP" 2>/dev/null; wait "$LP" 2>/dev/null
INEOF

timeout 30 unshare -m --propagation private bash "$T/inner.sh" "$T" "$BUILD" "$PY"

pass=0 failn=0
check() { # description, condition...
    local what=$1; shift
    if "$@"; then pass=$((pass + 1)); else failn=$((failn + 1)); echo "  FAIL $what"; fi
}
has() { grep -qE -- "$1" "$T/syslog.txt" 2>/dev/null; }
lacks() { ! has "$1"; }
PID=$(cat "$T/srtpd.pid" 2>/dev/null || echo none)
echo "--- syslog (as received):"; sed 's/^/  /' "$T/syslog.txt" 2>/dev/null | head -20
check "no /dev/log: srtpd refuses (exit 1) with the reason" \
    bash -c "[ \"\$(cat '$T/nosyslog.rc')\" = 1 ] && grep -q 'log-syslog: no syslog socket at /dev/log' '$T/nosyslog.err'"
check "srtpd exit 0" test "$(cat "$T/srtpd.rc" 2>/dev/null)" = 0
check "nothing on stderr" test ! -s "$T/stderr"
check "warning at <28>" has "^<28>.* srtpd\\[$PID\\]: control-insecure: "
check "info start line, facility daemon" has "^<30>.* srtpd\\[$PID\\]: started: "
check "debug line after log-level debug" has "^<31>.* srtpd\\[$PID\\]: control: ping: ok$"
check "debug line of an error reply" has "^<31>.*control: query call no-such-call: error$"
check "the change itself at info" has "^<30>.*log level debug \\(was info\\)"
check "no debug line before the change" test "$(grep -c 'control: ping: ok' "$T/syslog.txt")" = 1
check "stop line filtered at warn" lacks "stopped$"
check "srtpctl reports the target" grep -q "logging to syslog" "$T/set.txt"
echo "$NAME: $pass passed, $failn failed"
[ "$failn" = 0 ]
