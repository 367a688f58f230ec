#!/bin/bash
# tests/e2e/srtpd-metrics.sh — srtpd's operations side in a real call
# through Kamailio + sdes.so (cfg/legacy-pbx.cfg, PBX -> phone):
#   - metrics: srtpd with `metrics` on a free port, scraped before, during
#     (a background scraper keeps the scrape that shows the call) and after
#     the call; every scrape passes `promtool check metrics`; srtpd_calls
#     0 -> 1 -> 0, legs RTP 1 and SRTP 1 during the call, the call's
#     packets counted both ways, sdes.so's offer/answer/delete counted ok;
#   - log level raised at run time with srtpctl: sdes.so's requests appear
#     at debug by command and Call-ID (the SIP Call-ID), and no key does.
. "$(dirname "$0")/lib.sh"
e2e_init srtpd-metrics
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
command -v promtool >/dev/null || { echo "srtpd-metrics: promtool missing (scripts/deps.sh)"; echo "srtpd-metrics: 0 passed, 1 failed"; exit 1; }

MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RELAY_SPEC=unix:$WORK/srtpd.sock
pmin=$((20000 + ($$ % 200) * 100))
"$E2E_BUILD/srtpd" --listen "$RELAY_SPEC" --interface 127.0.0.1 --port-min $pmin \
  --port-max $((pmin + 99)) --media-timeout 0 --metrics "127.0.0.1:$MPORT" \
  >"$WORK/srtpd.log" 2>&1 &
SRTPD_PID=$!
E2E_PIDS+=($SRTPD_PID)
for _ in $(seq 40); do [ -S "$WORK/srtpd.sock" ] && break; sleep 0.05; done
check "srtpd runs with metrics on 127.0.0.1:$MPORT" kill -0 "$SRTPD_PID"

scrape() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=2).read().decode())' "$MPORT"; }
metric() { awk -v s="$1" '$1 == s { print $2 }' "$2"; }
prom_ok() { promtool check metrics <"$1" >"$1.lint" 2>&1; }

scrape >"$WORK/m0.prom" 2>&1
check "before the call: promtool check metrics" prom_ok "$WORK/m0.prom"
check "before the call: srtpd_calls 0" test "$(metric srtpd_calls "$WORK/m0.prom")" = 0
check "srtpctl log-level debug" bash -c "'$E2E_BUILD/srtpctl' --socket '$RELAY_SPEC' log-level debug | grep -q 'log-level debug (was info)'"

INSIDE=$(free_udp_port)
if kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE"; then
  pass "legacy-pbx.cfg starts with srtpd"
  ( for _ in $(seq 30); do
      scrape >"$WORK/mx.prom" 2>/dev/null &&
        [ "$(metric srtpd_calls "$WORK/mx.prom")" = 1 ] && cp "$WORK/mx.prom" "$WORK/m1.prom"
      sleep 0.2
    done ) &
  SCRAPER=$!
  call out "$INSIDE" pbx phone
  wait "$SCRAPER"
  check "call PBX -> phone: media both ways, intact" both_ways out
  check "during the call: a scrape showed srtpd_calls 1" test -s "$WORK/m1.prom"
  check "during the call: promtool check metrics" prom_ok "$WORK/m1.prom"
  check "during the call: legs RTP 1, SRTP 1" bash -c \
    "grep -qx 'srtpd_legs{transport=\"RTP\"} 1' '$WORK/m1.prom' && grep -qx 'srtpd_legs{transport=\"SRTP\"} 1' '$WORK/m1.prom'"
  sleep 0.5
  scrape >"$WORK/m2.prom" 2>&1
  check "after the call: promtool check metrics" prom_ok "$WORK/m2.prom"
  check "after the call: srtpd_calls 0, 1 created, 1 deleted" bash -c \
    "grep -qx 'srtpd_calls 0' '$WORK/m2.prom' && grep -qx 'srtpd_calls_created_total 1' '$WORK/m2.prom' && grep -qx 'srtpd_calls_deleted_total 1' '$WORK/m2.prom'"
  sent=$(ua_field out-uac sent); sent2=$(ua_field out-uas sent)
  pin=$(metric 'srtpd_packets_total{direction="in",kind="rtp"}' "$WORK/m2.prom")
  pout=$(metric 'srtpd_packets_total{direction="out",kind="rtp"}' "$WORK/m2.prom")
  check "the call's RTP counted: in $pin >= sent $sent + $sent2, out $pout >= $((sent + sent2))" \
    test "${pin:-0}" -ge $((sent + sent2)) -a "${pout:-0}" -ge $((sent + sent2))
  for c in offer answer delete; do
    check "sdes.so's $c requests counted ok" \
      test "$(metric "srtpd_control_requests_total{command=\"$c\",result=\"ok\"}" "$WORK/m2.prom")" -ge 1
  done
  # With one relay sdes.so sends a new call's offer without a state lookup
  # first (docs/sdes-module.md): no request of the call may fail.
  check "errors: none" bash -c \
    "! grep -qE '^srtpd_control_requests_total\\{.*result=\"error\"\\} [1-9]' '$WORK/m2.prom'"
  cid=$(grep -o 'control: offer call [^:]*' "$WORK/srtpd.log" | head -1 | sed 's/control: offer call //')
  check "debug: sdes.so's offer logged with the SIP Call-ID ($cid)" test -n "$cid"
  check "debug: answer and delete of that call logged" bash -c \
    "grep -qF 'control: answer call $cid: ok' '$WORK/srtpd.log' && grep -qF 'control: delete call $cid: ok' '$WORK/srtpd.log'"
  check "no key in srtpd's log at debug" bash -c "! grep -q 'inline:' '$WORK/srtpd.log'"
  kam_stop
else
  fail "legacy-pbx.cfg starts with srtpd" "$(tail -5 "$KAM_LOG")"
fi
dump_on_fail
summary
