#!/bin/bash
# scripts/run-fuzz.sh FUZZER SECONDS — run one libFuzzer target (ASan+UBSan)
# for SECONDS over its checked-in corpus (tests/fuzz/corpus/NAME, read only:
# new inputs go to a scratch copy under build/). Any crash, leak or
# sanitizer report fails the run.
set -euo pipefail
bin=$1; secs=$2
name=$(basename "$bin")
seed="tests/fuzz/corpus/$name"
work="$(dirname "$bin")/corpus-$name"
mkdir -p "$work"
[ -d "$seed" ] && cp -n "$seed"/* "$work"/ 2>/dev/null || true
art="$(dirname "$bin")/artifacts-$name/"
mkdir -p "$art"
if "$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art" \
     -rss_limit_mb=2048 -timeout=10 "$work" 2>&1 | tail -n 25; then
  echo "1 passed, 0 failed"
else
  echo "$name: crash or sanitizer report; artifacts in $art"
  echo "0 passed, 1 failed"
  exit 1
fi
