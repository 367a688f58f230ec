#!/bin/bash
# tests/e2e/lib-attack.sh — what the attack-*.sh scenarios share, on top of
# tests/e2e/lib.sh: the stack they all need (sdes.so, srtpd, srtpctl), one
# scripted call by tests/e2e/sip_attack.py and the checks on its RESULT
# lines, and the dump of those results when a check failed.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# attack_init NAME: the work dir, and one clear line if a program is missing.
attack_init() {
  e2e_init "$1"
  need "$E2E_BUILD/sdes.so" "the Kamailio module"
  need "$E2E_BUILD/srtpd" "srtpd"
  need "$E2E_BUILD/srtpctl" "srtpctl"
}

# attack NAME PROXYPORT [sip_attack args...]: one scripted call against
# the relay $RELAY_SPEC, bounded by ATTACK_TIMEOUT seconds (default 60); its
# RESULT lines go to $WORK/NAME.res, its errors to $WORK/NAME.err.
attack() {
  local name=$1 port=$2; shift 2
  timeout "${ATTACK_TIMEOUT:-60}" python3 "$E2E_ROOT/tests/e2e/sip_attack.py" --proxy "$port" \
    --srtpctl "$E2E_BUILD/srtpctl" --relay "$RELAY_SPEC" "$@" \
    >"$WORK/$name.res" 2>"$WORK/$name.err"
}

# res NAME STEP PATTERN: the call's RESULT line of STEP matches PATTERN.
res() { grep -q -- "^RESULT $2 .*$3" "$WORK/$1.res"; }

# attack_dump_on_fail: after a failed check, every call's results and
# errors (sip_attack.py masks keys in both).
attack_dump_on_fail() {
  [ "$E2E_FAIL" = 0 ] && return 0
  local f
  for f in "$WORK"/*.res "$WORK"/*.err; do echo "---- $f"; cat "$f"; done
}
