#!/bin/bash
# tests/golden/golden-sdes-sdp.sh [SDES_SDP] — golden tests of the SDES engine
# through build/sdes-sdp. Each case is a set of files side by side:
#   NAME.args       the command-line options (one line)
#   NAME.in.sdp     the SDP on stdin (offer, or the answer when NAME.offer.sdp
#                   exists: then --answer NAME.offer.sdp is added)
#   NAME.out.sdp    expected stdout (keys masked; absent = empty)
#   NAME.err        expected stderr, then a line "exit N"
# Steps of one call (offer, answer, re-offers) are NAME.1 ... NAME.9, run in
# order with "@STATE" in their options naming a shared --state file.
# Contract checks on top of the comparison: a rejection prints exactly one
# stderr line and nothing on stdout; output lines end in CRLF; no output
# (stdout or stderr) contains any base64 key of the input or of --show-keys.
# UPDATE=1 rewrites the expected files (review the diff before committing).
# Closing line: "golden: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
tool=${1:-build/sdes-sdp}
dir=tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
for a in "$dir"/*.args; do
  name=$(basename "$a" .args)
  read -r -a args < "$a"
  # Multi-step cases NAME.1, NAME.2, ... share one engine state file:
  # "@STATE" in the options stands for it (offer, --answer -, re-offers).
  for i in "${!args[@]}"; do
    [ "${args[$i]}" = @STATE ] && args[$i]="$tmp/${name%%.*}.state"
  done
  extra=()
  [ -f "$dir/$name.offer.sdp" ] && extra=(--answer "$dir/$name.offer.sdp")
  "$tool" "${args[@]}" "${extra[@]}" < "$dir/$name.in.sdp" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  cp "$tmp/err" "$tmp/err.raw"
  echo "exit $rc" >> "$tmp/err"
  if [ "${UPDATE:-0}" = 1 ]; then
    if [ -s "$tmp/out" ]; then cp "$tmp/out" "$dir/$name.out.sdp"; else rm -f "$dir/$name.out.sdp"; fi
    cp "$tmp/err" "$dir/$name.err"
  fi
  why=""
  exp_out="$dir/$name.out.sdp"; [ -f "$exp_out" ] || exp_out=/dev/null
  if ! cmp -s "$tmp/out" "$exp_out"; then why="stdout differs"; diff -u "$exp_out" "$tmp/out" | head -20; fi
  if ! cmp -s "$tmp/err" "$dir/$name.err"; then why="$why stderr differs"; diff -u "$dir/$name.err" "$tmp/err" | head -20; fi
  if [ $rc = 1 ]; then
    [ "$(wc -l < "$tmp/err.raw")" = 1 ] || why="$why rejection-not-one-line"
    [ -s "$tmp/out" ] && why="$why stdout-on-rejection"
  elif [ $rc = 0 ]; then
    # every output line ends in CRLF
    if [ "$(grep -c $'\r$' "$tmp/out")" != "$(wc -l < "$tmp/out")" ]; then why="$why not-CRLF"; fi
  else
    why="$why exit-$rc"
  fi
  # No input key may appear in any output: masked by default, and, outside
  # passthrough, not even with --show-keys (each leg gets its own keys).
  # One-step cases only: a second run would advance a sequence's state.
  keys=$(grep -ho 'inline:[A-Za-z0-9+/=]*' "$dir/$name.in.sdp" "${extra[@]:1}" 2>/dev/null | sed 's/.*inline://')
  shown=/dev/null
  if [ $rc = 0 ] && [[ "$name" != *.* ]] && [[ " ${args[*]} " != *" passthrough "* ]]; then
    "$tool" "${args[@]}" "${extra[@]}" --show-keys --results < "$dir/$name.in.sdp" > "$tmp/shown" 2>> "$tmp/shown"
    shown="$tmp/shown"
    # and --show-keys does show them (else this check would prove nothing)
    if grep -q '^a=crypto:' "$shown" && ! grep -q 'inline:[A-Za-z0-9+/]' "$shown"; then
      why="$why show-keys-masked"
    fi
  fi
  for k in $keys; do
    k=${k%%=*}
    [ ${#k} -ge 16 ] || continue
    if grep -qF -- "$k" "$tmp/out" "$tmp/err.raw" "$shown"; then why="$why key-leak"; fi
  done
  if [ -z "$why" ]; then pass=$((pass + 1)); echo "ok $name"
  else fail=$((fail + 1)); echo "not ok $name:$why"; fi
done
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
