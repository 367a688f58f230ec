#!/bin/bash
# tests/e2e/sdes-fork.sh — forking through Kamailio + sdes.so + srtpd
# (tests/e2e/sdes-fork.cfg: a re-keying SRTP edge whose INVITE goes to two
# SRTP phones in parallel, RFC 3261 §16.7). What an operator expects of a
# forked call (answers kept per To-tag, as RTPengine does):
#   early: two phones ring with 183 + SDP, each with its own keys; the
#     second 183 moves srtpd's media to its branch; then the FIRST branch
#     answers 200: media goes back to it (new contexts for its stream) and
#     flows both ways intact, checked by libsrtp2 in both agents. The caller
#     saw the same key from the edge in every answer (our keys toward the
#     offerer are made once per offer). The 200 is retransmitted (late
#     ACK): the copy has the very same body.
#   failure: the branch relayed for early media fails (486): only it goes,
#     media moves back to the other branch, which then answers.
#   race: both phones answer 200 (the second 2xx crossed tm's CANCEL); the
#     caller keeps the first dialog and BYEs the other: that BYE removes
#     only its branch, srtpd keeps the call (srtpctl) and media goes on both
#     ways with zero loss; the final BYE deletes the call (one audit line).
. "$(dirname "$0")/lib.sh"
e2e_init sdes-fork
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_BUILD/srtpctl" "srtpctl"

check "srtpd runs" srtpd_start
# two_ways CALLER CALLEE: all each side sent arrived intact at the other.
two_ways() {
  local s1 r1 s2 r2
  s1=$(ua_field "$1" sent); r2=$(ua_field "$2" intact)
  s2=$(ua_field "$2" sent); r1=$(ua_field "$1" intact)
  [ -n "$s1" ] && [ "$s1" -gt 0 ] && [ "$s1" = "$r2" ] && [ -n "$s2" ] && [ "$s2" -gt 0 ] && [ "$s2" = "$r1" ]
}

check "kamailio -c accepts sdes-fork.cfg" kam_check tests/e2e/sdes-fork.cfg
if ! kam_start tests/e2e/sdes-fork.cfg -A "RELAY=\"$RELAY_SPEC\""; then
  fail "sdes-fork.cfg starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "sdes-fork.cfg starts with srtpd"

# (a) A: 183 at once, 200 after 1.2 s. B: 183 after 0.4 s, rings on until
# tm CANCELs it. The caller ACKs the 200 1 s late: A retransmits it.
ua_uas ea phone --mki 1 --seconds 3 --ring 1.2 --early-media
A_PORT=$UAS_PORT
ua_uas eb phone --mki 1 --seconds 3 --ring 6 --early-media --ring-delay 0.4
B_PORT=$UAS_PORT
ua_uac ec phone --mki 1 --to "sip:bob@127.0.0.1:$A_PORT" --proxy "127.0.0.1:$KAM_PORT" \
  --seconds 3 --ack-delay 1.0 --header "X-Fork-To: sip:bob@127.0.0.1:$B_PORT"
ua_wait ea; ua_wait eb
check "early: the caller saw 183 with SDP from two To-tags" ua_has ec "early media (183 Session Progress) from to-tag 2"
check "early: every answer (both 183s, the 200) carried the edge's same key toward the caller" \
  ua_has ec "early-answers=[2-9] answer-keys=same"
check "early: srtpd's media moved to the second 183's branch" grep -q "media moves to branch" "$KAM_LOG"
check "early: the first branch's 200 moved it back and committed it" \
  grep -q "media moves to branch .* (committed)" "$KAM_LOG"
check "early: caller ok (call with the first branch)" ua_ok ec
check "early: the answering branch ok" ua_ok ea
check "early: the other branch was cancelled (487)" ua_has eb "result=ok cancelled while ringing"
check "early: media both ways intact with the answering branch (libsrtp2 both ends)" two_ways ec ea
check "early: no SRTP failures at either end" \
  bash -c "grep -q 'srtp-failed=0' '$WORK/ec.out' && grep -q 'srtp-failed=0' '$WORK/ea.out'"
check "early: the retransmitted 200 carried the identical body" \
  ua_has ec "2xx-retransmissions=[1-9][0-9]* identical=[1-9]"
check "early: ... and only identical copies" \
  bash -c "grep '2xx-retransmissions=' '$WORK/ec.out' | awk '{split(\$2,a,\"=\"); split(\$3,b,\"=\"); exit !(a[2]==b[2])}'"
check "early: sdes.so served the retransmission from the branch's state" \
  grep -q "answer repeated: same body as before" "$KAM_LOG"
check "early: srtpd holds no call after the BYE" test "$(srtpd_calls)" = 0
check "early: one audit line for the call" test "$(grep -c 'sdes audit: Call-ID' "$KAM_LOG")" = 1

# (a2) A: 183 at once, 200 after 1.5 s. B: 183 after 0.3 s (media moves to
# B), then 486 at 0.9 s: sdes_delete in the reply route removes only B and
# moves media back to A, from A's answer as it came; A's 200 repeats its
# 183 (same body) and commits A. Media then flows only if srtpd's leg b
# really went back to A's address and keys.
ua_uas fa phone --mki 1 --seconds 3 --ring 1.5 --early-media
A_PORT=$UAS_PORT
ua_uas fb phone --mki 1 --ring 0.6 --early-media --ring-delay 0.3 --fail-code 486
B_PORT=$UAS_PORT
ua_uac fc phone --mki 1 --to "sip:bob@127.0.0.1:$A_PORT" --proxy "127.0.0.1:$KAM_PORT" \
  --seconds 3 --header "X-Fork-To: sip:bob@127.0.0.1:$B_PORT"
ua_wait fa; ua_wait fb
check "branch fails: the second branch rang with 183 and then failed with 486" \
  bash -c "grep -q 'early media (183 Session Progress) from to-tag 2' '$WORK/fc.out' && grep -q 'result=ok failed the call with 486' '$WORK/fb.out'"
check "branch fails: its failure removed only that branch; media back to the first" \
  grep -q "branch .* removed; media back to branch" "$KAM_LOG"
check "branch fails: the first branch's 200 (same body as its 183) committed it" \
  grep -q "branch .* committed" "$KAM_LOG"
check "branch fails: caller ok" ua_ok fc
check "branch fails: the answering branch ok" ua_ok fa
check "branch fails: media both ways intact with the first branch" two_ways fc fa
check "branch fails: srtpd holds no call after the BYE" test "$(srtpd_calls)" = 0

# (b) both branches answer 200: A after 0.5 s, B after 0.9 s although tm
# CANCELled it (its 2xx crossed the CANCEL). The caller keeps A and BYEs B
# at once; srtpd is asked about the call at 2 s into the media.
ua_uas ra phone --mki 1 --seconds 3 --ring 0.5
A_PORT=$UAS_PORT
ua_uas rb phone --mki 1 --seconds 0 --min-percent 0 --ring 0.9 --ignore-cancel
B_PORT=$UAS_PORT
ua_uac rc phone --mki 1 --to "sip:bob@127.0.0.1:$A_PORT" --proxy "127.0.0.1:$KAM_PORT" \
  --seconds 3 --header "X-Fork-To: sip:bob@127.0.0.1:$B_PORT" &
UPID=$!
sleep 2.6
ctl --json list >"$WORK/race.list" 2>&1
CID=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["calls"]; print(c[-1]["call-id"] if c else "")' "$WORK/race.list" 2>/dev/null)
ctl --json query "$CID" >"$WORK/race.query" 2>&1
wait $UPID
ua_wait ra; ua_wait rb
echo "race: srtpd at 2.6 s: $(tr -d '\n' <"$WORK/race.list" | cut -c1-200)"
check "race: the second branch answered although cancelled" ua_has rb "cancel ignored"
check "race: the caller ACKed and BYEd the second branch's dialog (BYE 200)" \
  bash -c "grep -q 'second 2xx from another branch' '$WORK/rc.out' && grep -q 'other branch.s dialog: bye=200' '$WORK/rc.out'"
check "race: sdes.so kept the second 2xx's answer without moving media" \
  grep -q "answer from branch .* kept; media stays with the committed branch" "$KAM_LOG"
check "race: the BYE removed only that branch" \
  grep -q "branch .* removed; the call goes on with the committed branch" "$KAM_LOG"
# The query at 2.6 s: the call is there, leg b still relays (packets in
# and out toward the kept branch, idle only a moment).
alive() {
  python3 -c 'import json,sys
q=json.load(open(sys.argv[1])); b=q["streams"][0]["b"]
sys.exit(not (q["result"] == "ok" and b["rtp-in"] > 50 and b["rtp-out"] > 50 and b["idle-ms"] < 500))' "$WORK/race.query" 2>/dev/null
}
check "race: srtpd still held the call after that BYE, relaying both ways (srtpctl query at 2.6 s)" alive
check "race: the second branch's callee ok (ACK and BYE)" ua_ok rb
check "race: caller ok" ua_ok rc
check "race: the kept branch ok" ua_ok ra
check "race: media both ways with the kept branch, zero loss" two_ways rc ra
check "race: srtpd holds no call after the final BYE" test "$(srtpd_calls)" = 0
check "race: the final BYE wrote the call's audit line" \
  test "$(grep -c "sdes audit: Call-ID $CID" "$KAM_LOG")" = 1
check "three calls, three audit lines (no call deleted twice or early)" \
  test "$(grep -c 'sdes audit: Call-ID' "$KAM_LOG")" = 3

check "Kamailio alive" kam_alive
kam_stop
check "no key material in Kamailio's log" bash -c "! grep -q 'inline:' '$KAM_LOG'"

[ "$E2E_FAIL" = 0 ] || { for f in "$WORK"/*.out; do show "$(basename "$f" .out)"; done; grep -E "sdes|test:" "$KAM_LOG" | tail -40; tail -20 "$WORK/srtpd.log"; }
summary
