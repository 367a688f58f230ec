#!/bin/bash
# tests/e2e/sdes-race.sh — two offers for one call at once (issue 14):
# sdes.so writes every sdes-state conditionally (srtpd's if-version), so of
# two Kamailio processes offering on one call, one writes and the other
# runs again from the state the refusal carries (docs/sdes-module.md
# "Control round trips"). Defined outcome:
#   - seq: an INVITE with a strict policy, then another INVITE with the
#     same Call-ID and the defaults: the second one's create-only offer
#     meets the existing call, runs again from its state (logged), and is
#     judged by the policy the first bound (only AEAD_AES_256_GCM offered);
#   - race: 20 Call-IDs, two INVITEs each sent back to back to a Kamailio
#     with 4 workers: every INVITE is either offered (forwarded with
#     RTP/SAVP keys) or refused with 500 and the reason; srtpd holds
#     exactly one call per Call-ID, each with its sdes-state.
set -u
source "$(dirname "$0")/lib.sh"
e2e_init sdes-race
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
srtpd_start || { fail "srtpd" "did not start"; summary; exit 1; }
kam_start_relay tests/e2e/sdes-race.cfg || { fail "kamailio" "did not start: $(tail -3 "$KAM_LOG")"; summary; exit 1; }
RACE=$E2E_ROOT/tests/e2e/sip_race.py

timeout 20 python3 "$RACE" --proxy "$KAM_PORT" --seq >"$WORK/seq.out" 2>&1
CID=$(awk '/^final/ {print $2; exit}' "$WORK/seq.out")
check "seq: both INVITEs answered" grep -q '^done 2 of 2' "$WORK/seq.out"
check "seq: the second offer ran again from the stored state" \
  grep -q "Call-ID $CID: the call's state changed meanwhile; offer runs again" "$KAM_LOG"
check "seq: second INVITE forwarded under the bound policy (AEAD_AES_256_GCM only)" \
  grep -q "^fwd $CID b AEAD_AES_256_GCM$" "$WORK/seq.out"
check "seq: srtpd holds the call once" test "$(srtpd_calls)" = 1
ctl delete "$CID" >/dev/null

timeout 30 python3 "$RACE" --proxy "$KAM_PORT" --pairs 20 >"$WORK/race.out" 2>&1
check "race: 40 final responses" grep -q '^done 40 of 40' "$WORK/race.out"
# Each INVITE: forwarded with keys (480 from the callee) or 500 with a reason.
BAD=$(awk '/^final/ && $4 != 480 && !($4 == 500 && NF > 4) {print}' "$WORK/race.out")
check "race: every INVITE offered or refused with a reason" test -z "$BAD"
NOKEY=$(awk '/^fwd/ && $4 == "-" {print}' "$WORK/race.out")
check "race: every forwarded INVITE carries a=crypto" test -z "$NOKEY"
check "race: srtpd holds one call per Call-ID (20)" test "$(srtpd_calls)" = 20
AGAIN=$(grep -c "offer runs again" "$KAM_LOG")
OK=$(grep -c '^final .* 480 ' "$WORK/race.out")
echo "sdes-race: $OK of 40 racing offers went through, $((AGAIN - 1)) ran again after a conflict"
STATES=$(ctl --json list | python3 -c 'import json,sys; print(len([c for c in json.load(sys.stdin)["calls"] if c["call-id"].startswith("race-")]))')
check "race: the calls are the racing ones" test "$STATES" = 20
dump_on_fail
summary
