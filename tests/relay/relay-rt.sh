#!/bin/bash
# tests/relay/relay-rt.sh — srtpd's rt-priority option as a process: the
# media worker threads run at SCHED_FIFO at the configured priority and the
# control thread does not; a reload changes it both ways; a value outside
# 0..99 is refused at start and at reload (nothing changes); and a relay
# that may not use real-time scheduling (an unprivileged user with
# RLIMIT_RTPRIO 0) says so in its log and carries on at normal priority,
# and a later reload tries again.
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init relay-rt
need "$E2E_BUILD/srtpd" "the relay"
need "$E2E_BUILD/srtpctl" "the control tool"
SOCK=$WORK/srtpd.sock
RELAY_SPEC=unix:$SOCK
PMIN=$((46000 + ($$ % 20) * 100))
conf() { # RT-PRIORITY
  printf 'listen = %s\ninterface = 127.0.0.1\nport-min = %s\nport-max = %s\nworkers = 2\nrt-priority = %s\nlog-file = %s\n' \
    "$RELAY_SPEC" $PMIN $((PMIN + 99)) "$1" "$WORK/srtpd.log" >"$WORK/srtpd.conf"
}
# policy PID NAME-PATTERN: "POLICY/PRIORITY" of each thread whose name
# matches, one per line (/proc/PID/task/TID/stat fields 40 rt_priority and
# 41 policy, counted after the ")" that ends the name).
policy() {
  local t
  for t in /proc/$1/task/*; do
    # shellcheck disable=SC2254 # the pattern is meant to match
    case $(cat "$t/comm" 2>/dev/null) in $2) ;; *) continue ;; esac
    sed 's/.*) //' "$t/stat" | awk '{ print $39 "/" $38 }'
  done
}
all_are() { # PID NAME-PATTERN WANT: every such thread (at least one) is WANT
  local got; got=$(policy "$1" "$2" | sort -u)
  [ -n "$got" ] && [ "$got" = "$3" ]
}

out=$("$E2E_BUILD/srtpd" --rt-priority 100 2>&1)
check "rt-priority 100 refused at start (exit 2)" [ $? = 2 ]
check "the refusal names the range" grep -q "rt-priority: want a whole number in 0..99, got 100" <<<"$out"
out=$("$E2E_BUILD/srtpd" --rt-priority -1 2>&1)
check "rt-priority -1 refused at start (exit 2)" [ $? = 2 ]

if ! chrt -f 1 true 2>/dev/null; then
  # Not allowed here (not root, no CAP_SYS_NICE): only the refusals and
  # the unprivileged case below can be checked.
  echo "# SCHED_FIFO not permitted to this user: the privileged checks are skipped"
else
  conf 7
  "$E2E_BUILD/srtpd" --config "$WORK/srtpd.conf" >"$WORK/srtpd.out" 2>&1 &
  SRTPD_PID=$!
  E2E_PIDS+=($SRTPD_PID)
  for i in $(seq 40); do [ -S "$SOCK" ] && break; sleep 0.05; done
  # SCHED_FIFO is policy 1, SCHED_OTHER 0.
  check "both media workers at SCHED_FIFO 7" all_are $SRTPD_PID 'srtpd-w*' 1/7
  check "two media workers" [ "$(policy $SRTPD_PID 'srtpd-w*' | wc -l)" = 2 ]
  check "the control thread at normal scheduling" all_are $SRTPD_PID srtpd 0/0
  check "control still answers: ping" grep -q pong <<<"$(ctl ping)"

  conf 0
  out=$(ctl reload)
  check "reload applies rt-priority 0" grep -q "applied: rt-priority" <<<"$out"
  check "workers back at normal scheduling" all_are $SRTPD_PID 'srtpd-w*' 0/0
  conf 99
  ctl reload >/dev/null
  check "reload to rt-priority 99" all_are $SRTPD_PID 'srtpd-w*' 1/99
  conf 100
  out=$(ctl reload)
  check "reload with rt-priority 100 refused" grep -q "rt-priority: want a whole number in 0..99, got 100" <<<"$out"
  check "workers unchanged after the refused reload" all_are $SRTPD_PID 'srtpd-w*' 1/99
  kill $SRTPD_PID
  wait $SRTPD_PID 2>/dev/null
fi

# Unprivileged, RLIMIT_RTPRIO 0, no capabilities: refused by the kernel.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  rm -f "$SOCK"
  NB=$WORK/nobody
  install -d -o nobody -m 0700 "$NB"
  chmod o+x "$WORK"
  UPORT=$(free_udp_port)
  prlimit --rtprio=0 setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
    "$E2E_BUILD/srtpd" --control-insecure --listen "udp:127.0.0.1:$UPORT" \
    --interface 127.0.0.1 --port-min $PMIN --port-max $((PMIN + 99)) --workers 1 \
    --rt-priority 5 --log-file "$NB/srtpd.log" >"$WORK/nobody.out" 2>&1 &
  NB_PID=$!
  E2E_PIDS+=($NB_PID)
  for i in $(seq 40); do grep -q "started" "$NB/srtpd.log" 2>/dev/null && break; sleep 0.05; done
  check "unprivileged: the refusal is logged" grep -q "rt-priority 5 refused" "$NB/srtpd.log"
  check "unprivileged: the log says what to set" grep -q "LimitRTPRIO=5" "$NB/srtpd.log"
  check "unprivileged: srtpd runs on" kill -0 $NB_PID
  check "unprivileged: its worker at normal scheduling" all_are $NB_PID 'srtpd-w*' 0/0
  out=$("$E2E_BUILD/srtpctl" --socket "udp:127.0.0.1:$UPORT" reload 2>&1)
  check "unprivileged: a reload tries again and is refused" \
    grep -q "reload: rt-priority 5 refused" "$NB/srtpd.log"
  check "unprivileged: still running after the reload" kill -0 $NB_PID
else
  echo "# not root or no setpriv: the unprivileged refusal is not checked"
fi
[ "$E2E_FAIL" = 0 ] || tail -n 20 "$WORK/srtpd.log" "$WORK/srtpd.out" "$WORK/nobody.out" 2>/dev/null
summary
