#!/bin/bash
# tests/e2e/attack-lost-state.sh — the call's media state is gone or out of
# reach, and an in-dialog re-INVITE arrives (issue 10 points 4 and 10),
# through Kamailio + sdes.so + srtpd with cfg/legacy-pbx.cfg:
#   srtpd SIGKILLed and restarted: every relay answers, none knows the call:
#     481 from either side (RFC 5057: the dialog usage ends), nothing is
#     created in srtpd, never a new call with the module defaults;
#   srtpd removed the call on media timeout: 481 the same way;
#   srtpd down: 503 with Retry-After (a relay that may know the call did
#     not answer), not 488 MODE_MISMATCH;
#   srtpd back: the module uses it at once (no 10 s "down" until the next
#     ping): an in-dialog re-INVITE gets 481 and a new call 200.
. "$(dirname "$0")/lib-attack.sh"
attack_init attack-lost-state
ATTACK_TIMEOUT=90

RELAY_SPEC=unix:$WORK/srtpd.sock
PMIN=$((20000 + ($$ % 200) * 100))
# The srtpd commands the scripted calls run between their steps.
cat >"$WORK/srtpd-start" <<EOS
#!/bin/bash
"$E2E_BUILD/srtpd" --listen "$RELAY_SPEC" --interface 127.0.0.1 \
  --port-min $PMIN --port-max $((PMIN + 99)) --media-timeout \${1:-0} >>"$WORK/srtpd.log" 2>&1 &
echo \$! >"$WORK/srtpd.pid"
sleep 0.3
EOS
cat >"$WORK/srtpd-kill" <<EOS
#!/bin/bash
kill -9 \$(cat "$WORK/srtpd.pid") 2>/dev/null
sleep 0.2
EOS
chmod +x "$WORK/srtpd-start" "$WORK/srtpd-kill"
trap '"$WORK/srtpd-kill"; e2e_cleanup' EXIT

"$WORK/srtpd-start" 0
check "srtpd runs" kill -0 "$(cat "$WORK/srtpd.pid")"
INSIDE=$(free_udp_port)
if kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts"

  # srtpd SIGKILLed and restarted empty.
  attack restart "$KAM_PORT" --a-sdp savp --b-sdp avp \
    "run:$WORK/srtpd-kill; $WORK/srtpd-start 0" \
    reinvite:a:avp:a-plain reinvite:a:savp:a-srtp reinvite:b:avp:b-plain
  check "restart: the call was set up SRTP/RTP" res restart invite "code=200 transports=SRTP/RTP"
  check "restart: outside's plain re-INVITE: 481, nothing created in srtpd" res restart a-plain "code=481 .*known=0"
  check "restart: outside's SRTP re-INVITE: 481, nothing created in srtpd" res restart a-srtp "code=481 .*known=0"
  check "restart: the PBX's re-INVITE: 481, nothing created in srtpd" res restart b-plain "code=481 .*known=0"
  check "restart: srtpd holds no call" test "$(ctl --json list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))')" = 0

  # srtpd down, then back.
  attack down "$KAM_PORT" --a-sdp savp --b-sdp avp \
    "run:$WORK/srtpd-kill" reinvite:a:savp:a-down reinvite:b:avp:b-down \
    "run:$WORK/srtpd-start 0" reinvite:a:savp:a-back
  check "down: outside's re-INVITE while srtpd is down: 503 with Retry-After" res down a-down "code=503 .*retry-after=[0-9]"
  check "down: the PBX's re-INVITE while srtpd is down: 503 with Retry-After" res down b-down "code=503 .*retry-after=[0-9]"
  check "down: at once after srtpd is back, the lost call's re-INVITE gets 481 (not 503)" res down a-back "code=481 .*known=0"
  "$WORK/srtpd-kill"
  attack down2 "$KAM_PORT" --a-sdp savp --b-sdp avp
  check "down: a new call while srtpd is down: 503" res down2 invite "code=503"
  "$WORK/srtpd-start" 0
  attack back "$KAM_PORT" --a-sdp savp --b-sdp avp
  check "back: a new call at once after srtpd restarts: 200 (relay used again without waiting for a ping)" \
    res back invite "code=200 transports=SRTP/RTP"
  check "legacy-pbx: Kamailio alive" kam_alive

  # Media timeout: srtpd removes the idle call, then re-INVITEs.
  "$WORK/srtpd-kill"
  "$WORK/srtpd-start" 1
  attack timeout "$KAM_PORT" --a-sdp savp --b-sdp avp \
    sleep:3.5 reinvite:b:avp:b-gone reinvite:a:savp:a-gone
  check "timeout: the call was set up" res timeout invite "code=200"
  check "timeout: srtpd removed the call on media timeout" grep -q "stream 0 media timeout" "$WORK/srtpd.log"
  check "timeout: the PBX's re-INVITE after the call timed out: 481" res timeout b-gone "code=481 .*known=0"
  check "timeout: outside's re-INVITE after the call timed out: 481" res timeout a-gone "code=481 .*known=0"
  check "no re-INVITE was taken as a new call" bash -c "! grep -q 'MODE_MISMATCH' '$KAM_LOG'"
  check "legacy-pbx: Kamailio alive" kam_alive
  kam_stop
else
  fail "legacy-pbx.cfg starts" "$(tail -5 "$KAM_LOG")"
fi

if [ "$E2E_FAIL" != 0 ]; then
  attack_dump_on_fail
  grep -E 'sdes|ERROR|WARN' "$KAM_LOG" | tail -40
  tail -20 "$WORK/srtpd.log"
fi
summary
