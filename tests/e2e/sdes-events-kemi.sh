#!/bin/bash
# tests/e2e/sdes-events-kemi.sh — srtpd's events reach a KEMI script: with
# modparam event_callback, sdes.so runs the named function (here
# JavaScript, app_jsdt) with the event name and the $sdes(...) values,
# instead of event_route[sdes:...]. A call made on srtpd with a raw
# "offer" carrying the dialog tags times out (media-timeout 1 s).
. "$(dirname "$0")/lib.sh"
e2e_init sdes-events-kemi
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
RELAY_SPEC=unix:$WORK/srtpd.sock
PMIN=$((29000 + ($$ % 200) * 20))
"$E2E_BUILD/srtpd" --listen "$RELAY_SPEC" --interface 127.0.0.1 --port-min $PMIN \
  --port-max $((PMIN + 19)) --media-timeout 1 >"$WORK/srtpd.log" 2>&1 &
E2E_PIDS+=($!)
for _ in $(seq 50); do ctl ping >/dev/null 2>&1 && break; sleep 0.1; done
JS=$E2E_ROOT/tests/e2e/sdes-events-kemi.js
if ! kam_start tests/e2e/sdes-events-kemi.cfg -A "RELAY=\"$RELAY_SPEC\"" -A "KEMI_JS=\"$JS\""; then
  fail "kamailio with app_jsdt and event_callback starts" "$(tail -5 "$KAM_LOG")"; summary; exit 1
fi
pass "kamailio with app_jsdt and event_callback starts"
check "events process started for the KEMI callback" grep -q "polling relay events every 300 ms (0 event route(s), KEMI callback)" "$KAM_LOG"
r=$(python3 "$E2E_ROOT/tests/relay/ng_unix.py" "${RELAY_SPEC#unix:}" '{"command": "offer", "call-id": "kemi-call-1", "from-tag": "ft-k", "to-tag": "tt-k", "streams": [{"index": 0, "a": {"address": "127.0.0.1", "port": 9}, "b": {}}]}')
check "call made on srtpd" grep -q '"result": "ok"' <<<"$r"
for _ in $(seq 40); do grep -q "kemi-event" "$KAM_LOG" && break; sleep 0.1; done
check "ksr_sdes_event ran with the event name and values" \
  grep -q "kemi-event sdes:media-timeout event=media-timeout call-id=kemi-call-1 from-tag=ft-k to-tag=tt-k stream=-1 reason=no media within srtpd's media-timeout" "$KAM_LOG"
check "no sdes error in Kamailio's log" bash -c "! grep -q 'ERROR.*sdes' '$KAM_LOG'"
[ "$E2E_FAIL" = 0 ] || tail -20 "$KAM_LOG"
summary
