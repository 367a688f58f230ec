#!/bin/bash
# tests/relay/relay-ops.sh — srtpd's operator commands (relay/ops.h) as a
# process: drain (new calls refused with "draining", existing ones go on,
# `srtpctl drain off` undoes it; ping says draining), the dialog tags an
# offer/answer carries come back in the call's media-timeout event, and
# reload (srtpctl reload and SIGHUP): live options take effect (log-file,
# media-timeout), a changed restart-only option is named and ignored, a
# broken config changes nothing (and SIGHUP still reopens the log); an
# `events` reply never grows past one datagram (events stay pending).
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init relay-ops
need "$E2E_BUILD/srtpd" "the relay"
need "$E2E_BUILD/srtpctl" "the control tool"
NG="python3 $E2E_ROOT/tests/relay/ng_unix.py"
SOCK=$WORK/srtpd.sock
RELAY_SPEC=unix:$SOCK
PMIN=$((45000 + ($$ % 20) * 500))
conf() { # MEDIA-TIMEOUT LOG PORT-MIN [extra line]
  printf 'listen = %s\ninterface = 127.0.0.1\nport-min = %s\nport-max = %s\nmedia-timeout = %s\nlog-file = %s\n%s\n' \
    "$RELAY_SPEC" "$3" $(($3 + 499)) "$1" "$2" "${4:-}" >"$WORK/srtpd.conf"
}
conf 0 "$WORK/a.log" $PMIN
"$E2E_BUILD/srtpd" --config "$WORK/srtpd.conf" >"$WORK/srtpd.out" 2>&1 &
SRTPD_PID=$!
E2E_PIDS+=($SRTPD_PID)
for i in $(seq 40); do [ -S "$SOCK" ] && break; sleep 0.05; done
offer() { # CALLID [FROMTAG]
  local tag=${2:+, \"from-tag\": \"$2\"}
  $NG "$SOCK" "{\"command\": \"offer\", \"call-id\": \"$1\"$tag, \"streams\": [{\"index\": 0, \"a\": {\"address\": \"127.0.0.1\", \"port\": 9}, \"b\": {}}]}"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', ''))"; }

# ---- tags and drain
check "offer with from-tag" [ "$(offer call-A ftag-A | field result)" = ok ]
check "answer with to-tag" [ "$($NG "$SOCK" '{"command": "answer", "call-id": "call-A", "to-tag": "ttag-A", "streams": [{"index": 0, "b": {"address": "127.0.0.1", "port": 11}}]}' | field result)" = ok ]
check "a tag too long is refused" \
  grep -q "from-tag: want a string" <<<"$(offer call-X "$(printf 'x%.0s' $(seq 200))")"
out=$(ctl drain)
check "srtpctl drain" grep -q "draining on; 1 call(s) continue" <<<"$out"
check "ping says draining" [ "$($NG "$SOCK" '{"command": "ping"}' | field draining)" = 1 ]
r=$(offer call-B)
check "new call refused while draining" grep -q '"error-reason": "draining' <<<"$r"
check "existing call still updated" [ "$($NG "$SOCK" '{"command": "update", "call-id": "call-A", "streams": [{"index": 0, "a": {"strict-source": 1}}]}' | field result)" = ok ]
check "re-offer of an existing call taken" [ "$(offer call-A | field result)" = ok ]
check "srtpctl drain off" grep -q "draining off" <<<"$(ctl drain off)"
check "new call taken after drain off" [ "$(offer call-B | field result)" = ok ]
check "drain refuses a bad value" grep -q "drain: want 0 or 1" <<<"$($NG "$SOCK" '{"command": "drain", "drain": 7}')"

# ---- reload: media-timeout 0 -> 1 through srtpctl reload, with a new log
# file and a changed restart-only port range
conf 1 "$WORK/b.log" $((PMIN + 1000))
out=$(ctl reload)
check "reload names what it applied" grep -q "applied: log-file,media-timeout;" <<<"$out"
check "reload names the restart-only option" grep -q "ignored: port-min,port-max" <<<"$out"
check "new log file written" grep -q "reload: applied: log-file,media-timeout" "$WORK/b.log"
check "one line for the restart-only options" \
  [ "$(grep -c 'restart-only, changed and ignored until a restart: port-min,port-max' "$WORK/b.log")" = 1 ]
# media-timeout 1 s now in force: both idle calls time out, their events
# carry the dialog tags.
sleep 2.5
ev=$(ctl --json events)
check "calls removed by the reloaded media-timeout" [ "$(srtpd_calls)" = 0 ]
check "media-timeout event carries from-tag and to-tag" python3 -c '
import json, sys
e = [x for x in json.loads(sys.argv[1])["events"] if x["call-id"] == "call-A" and x["type"] == "media-timeout"]
sys.exit(0 if e and e[0].get("from-tag") == "ftag-A" and e[0].get("to-tag") == "ttag-A" else 1)' "$ev"
check "ports still the old range (restart-only)" \
  [ "$(offer call-C | python3 -c 'import json,sys; print(json.load(sys.stdin)["streams"][0]["a"]["port"])')" -le $((PMIN + 499)) ]

# ---- SIGHUP: media-timeout back to 0; the idle call stays
conf 0 "$WORK/b.log" $((PMIN + 1000))
kill -HUP $SRTPD_PID
sleep 0.3
check "SIGHUP reload logged" grep -q "reload: applied: media-timeout" "$WORK/b.log"
offer call-D >/dev/null
sleep 2.5
check "media-timeout 0 after SIGHUP: idle calls stay" [ "$(srtpd_calls)" = 2 ]

# ---- a full reply: 120 media-timeout events with 250-byte Call-IDs and
# 127-byte tags do not fit one datagram; "events" max 500 returns what
# fits, the rest stays pending, none is lost.
conf 1 "$WORK/b.log" $((PMIN + 1000))
ctl reload >/dev/null
python3 -c '
import sys; sys.path.insert(0, sys.argv[2])
from ng_unix import ng
for i in range(120):
    r = ng(sys.argv[1], {"command": "offer", "call-id": "%03d" % i + "c" * 247, "from-tag": "f" * 127,
                         "to-tag": "t" * 127, "streams": [{"index": 0, "a": {}, "b": {}}]})
    assert r["result"] == "ok", r
' "$SOCK" "$E2E_ROOT/tests/relay" 2>"$WORK/many.err"
check "120 calls with long ids made" [ ! -s "$WORK/many.err" ]
ctl events >/dev/null # drop older events
sleep 3
got=$(python3 -c '
import sys; sys.path.insert(0, sys.argv[2])
from ng_unix import ng
seen, rounds = set(), 0
while rounds < 10:
    r = ng(sys.argv[1], {"command": "events", "max": 500}); rounds += 1
    if r.get("result") != "ok": print("error", r.get("error-reason")); sys.exit()
    seen |= {e["call-id"] for e in r["events"] if e["type"] == "media-timeout" and e.get("to-tag") == "t" * 127}
    if r["pending"] == 0: break
print(len(seen), rounds)
' "$SOCK" "$E2E_ROOT/tests/relay")
check "every media-timeout event delivered over several replies ($got)" [ "${got% *}" = 120 -a "${got#* }" -gt 1 ]

# ---- log-level is live, metrics restart-only
conf 0 "$WORK/b.log" $((PMIN + 1000)) "log-level = debug
metrics = 127.0.0.1:1
redis-prefix = other"
out=$(ctl reload)
check "reload applies log-level" grep -q "applied: log-level[,;]" <<<"$out"
check "reload names metrics and redis restart-only" grep -q "ignored: port-min,port-max,metrics,redis" <<<"$out"
check "log level now debug" grep -q "log-level debug" <<<"$(ctl log-level)"
conf 0 "$WORK/b.log" $((PMIN + 1000)) "log-level = loud"
check "bad log-level: reload refused" grep -q "log-level: want error, warn, info or debug: loud" <<<"$(ctl reload)"
check "bad log-level: level unchanged" grep -q "log-level debug" <<<"$(ctl log-level)"
conf 0 "$WORK/b.log" $((PMIN + 1000))
ctl reload >/dev/null

# ---- a broken config: refused, nothing changed
echo "no-such-option = 1" >>"$WORK/srtpd.conf"
check "broken config: reload refused" grep -q "unknown\|no-such-option" <<<"$(ctl reload)"
check "srtpd still running" [ "$(srtpd_calls)" = 0 ]
mv "$WORK/b.log" "$WORK/b.log.1"; kill -HUP $SRTPD_PID; sleep 0.3
check "broken config: SIGHUP still reopens the log" grep -q "SIGHUP: log reopened, reload refused" "$WORK/b.log"
check "no key material in the logs" bash -c "! grep -qi 'inline\|key=' '$WORK/a.log' '$WORK/b.log'"
[ "$E2E_FAIL" = 0 ] || { tail -n 20 "$WORK/a.log" "$WORK/b.log" "$WORK/srtpd.out"; }
summary
