#!/bin/bash
# scripts/run-tests.sh — run test commands, one per argument, and add up
# their results. A test prints "N passed, M failed" as its last such line
# (tests/check.h does this); a command without that line counts as one test,
# passed when it exits 0. A non-zero exit is never a pass. Each test's output
# goes to build/test-logs/; a failing test's tail is shown.
# Closing line: "N passed, M failed" (exit 1 when M > 0).
set -u
logdir=${TEST_LOGDIR:-build/test-logs}
tmo=${TEST_TIMEOUT:-900}
mkdir -p "$logdir"
total_p=0; total_f=0; total_k=0
for cmd in "$@"; do
  name=$(basename "${cmd%% *}")
  [ "$name" = run-fuzz.sh ] && name=fuzz-$(basename "$(echo "$cmd" | awk '{print $2}')")
  log="$logdir/$name.log"
  start=$(date +%s.%N)
  timeout --kill-after=10 "$tmo" bash -c "$cmd" >"$log" 2>&1 </dev/null
  rc=$?
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
  line=$(grep -E '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/^([A-Za-z0-9_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
    f=$(echo "$line" | sed -E 's/^([A-Za-z0-9_-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
  elif [ $rc = 0 ]; then p=1; f=0
  else p=0; f=1
  fi
  # "..., K skipped" (a test that needs what the host lacks) is added up too.
  k=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
  total_k=$((total_k + ${k:-0}))
  if [ $rc != 0 ] && [ "$f" = 0 ]; then f=1; fi
  [ $rc = 124 ] && echo "TIMEOUT after ${tmo}s: $cmd"
  total_p=$((total_p + p)); total_f=$((total_f + f))
  if [ "$f" = 0 ]; then status=ok; else status=FAIL; fi
  printf '%-4s %-34s %5s passed %3s failed  %6ss  (exit %s)\n' "$status" "$name" "$p" "$f" "$secs" "$rc"
  if [ "$f" != 0 ]; then
    # The failed checks by name (a script dumps its daemons' logs after
    # them, so the tail alone may not show which), then the tail.
    echo "---- failed checks in $log"; grep -E '^(not ok|  FAIL)' "$log" | head -n 20
    echo "---- tail of $log"; tail -n 40 "$log"; echo "----"
  fi
done
[ $total_k != 0 ] && echo "SKIP: $total_k skipped (see the tests' SKIP lines)"
echo "$total_p passed, $total_f failed"
[ $total_f = 0 ]
