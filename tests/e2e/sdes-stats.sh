#!/bin/bash
# tests/e2e/sdes-stats.sh — sdes.so's statistics move with real calls, read
# two ways: `kamcmd stats.get_statistics sdes:` and Kamailio's own
# Prometheus export (cfg/legacy-pbx.cfg -A WITH_METRICS, which includes
# cfg/metrics-kamailio.cfg: xhttp + xhttp_prom), every scrape checked by
# `promtool check metrics`.
#   active_calls: 0, then 2 while two calls run (children=2: the INVITE and
#     the BYE of a call may be handled by different processes; the gauge is
#     the sum of per-process slots), 0 after the BYEs.
#   not_available: 0 while srtpd runs; 1 after an INVITE with srtpd gone
#     (503), active_calls still 0.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-stats
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"

free_tcp_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# stat NAME: sdes:NAME from kamcmd.
stat() { kam_rpc stats.get_statistics sdes: | sed -n "s/^[[:space:]]*sdes:$1 = //p"; }
# scrape FILE: GET /metrics into FILE; promtool's verdict in FILE.promtool.
scrape() {
  curl -s -m 5 "http://127.0.0.1:$MPORT/metrics" >"$1"
  promtool check metrics <"$1" >"$1.promtool" 2>&1
}
# prom_ok FILE: promtool parses the scrape; its only findings are the
# HELP lines xhttp_prom (Kamailio 5.6) never writes ("no help text").
prom_ok() {
  promtool check metrics <"$1" >"$1.promtool" 2>&1
  grep -q '^kamailio_sdes_active_calls ' "$1" && ! grep -qv ' no help text$' "$1.promtool"
}
# metric FILE NAME: the value of kamailio_sdes_NAME in the scrape.
metric() { awk -v n="kamailio_sdes_$2" '$1 == n { print $2 }' "$1"; }

check "srtpd runs" srtpd_start
INSIDE=$(free_udp_port)
MPORT=$(free_tcp_port)
if ! kam_start_relay cfg/legacy-pbx.cfg -A "INSIDE_PORT=$INSIDE" -A WITH_METRICS \
  -A "METRICS_PORT=$MPORT"; then
  fail "legacy-pbx.cfg -A WITH_METRICS starts" "$(tail -5 "$KAM_LOG")"
  summary; exit
fi
pass "legacy-pbx.cfg -A WITH_METRICS starts"

check "kamcmd: active_calls 0 before any call" test "$(stat active_calls)" = 0
check "kamcmd: not_available 0 before any call" test "$(stat not_available)" = 0
scrape "$WORK/m0"
check "scrape before calls: promtool check metrics passes" prom_ok "$WORK/m0"
check "scrape before calls: kamailio_sdes_active_calls 0" test "$(metric "$WORK/m0" active_calls)" = 0
check "scrape: only the sdes group (xhttp_prom_stats sdes:)" \
  bash -c "! grep -v -e '^kamailio_sdes_' -e '^#' -e '^$' '$WORK/m0' | grep -q ."

# Two calls at once: PBX -> phone (encrypt), phone -> PBX (decrypt require).
ua_uas out-uas phone --seconds 3 || fail "out callee" "did not start"
P_OUT=$UAS_PORT
ua_uas in-uas pbx --seconds 3 || fail "in callee" "did not start"
P_IN=$UAS_PORT
ua_uac out-uac pbx --to "sip:bob@127.0.0.1:$P_OUT" --proxy "127.0.0.1:$INSIDE" --seconds 3 &
U1=$!
ua_uac in-uac phone --to "sip:bob@127.0.0.1:$P_IN" --proxy "127.0.0.1:$KAM_PORT" --seconds 3 &
U2=$!
sleep 1.5
A_MID=$(stat active_calls)
scrape "$WORK/m1"
kam_rpc stats.reset_statistics sdes: >/dev/null
A_RESET=$(stat active_calls)
wait "$U1" "$U2"
ua_wait out-uas; ua_wait in-uas
check "both calls ok, media both ways" bash -c "$(declare -f ua_field both_ways); WORK='$WORK'; both_ways out && both_ways in"
check "kamcmd: active_calls 2 during the two calls (got $A_MID)" test "$A_MID" = 2
check "scrape during the calls: promtool check metrics passes" prom_ok "$WORK/m1"
check "scrape during the calls: kamailio_sdes_active_calls 2" test "$(metric "$WORK/m1" active_calls)" = 2
check "scrape during the calls: calls_encrypted moved to 1" test "$(metric "$WORK/m1" calls_encrypted)" = 1
check "scrape during the calls: calls_decrypted moved to 1" test "$(metric "$WORK/m1" calls_decrypted)" = 1
check "stats.reset_statistics sdes: mid-call leaves the gauge at 2 (STAT_NO_RESET; got $A_RESET)" \
  test "$A_RESET" = 2
sleep 0.3
check "kamcmd: active_calls 0 after the BYEs" test "$(stat active_calls)" = 0
scrape "$WORK/m2"
check "scrape after the calls: kamailio_sdes_active_calls 0" test "$(metric "$WORK/m2" active_calls)" = 0

# No relay: srtpd stopped. The INVITE gets 503; not_available counts it.
kill "$SRTPD_PID"; wait "$SRTPD_PID" 2>/dev/null
ua_uas na-uas phone --seconds 1 || fail "na callee" "did not start"
ua_uac na-uac pbx --to "sip:bob@127.0.0.1:$UAS_PORT" --proxy "127.0.0.1:$INSIDE" --seconds 1 \
  --expect-code 503
check "srtpd gone: the INVITE gets 503" ua_has na-uac "final=503"
check "kamcmd: not_available 1 after a call no relay took" test "$(stat not_available)" = 1
check "kamcmd: active_calls still 0" test "$(stat active_calls)" = 0
scrape "$WORK/m3"
check "scrape: promtool check metrics passes" prom_ok "$WORK/m3"
check "scrape: kamailio_sdes_not_available 1" test "$(metric "$WORK/m3" not_available)" = 1
check "sdes.stats lists active_calls and not_available" \
  bash -c "kamcmd -s 'unix:$WORK/run/kamailio_ctl' sdes.stats | grep -q 'active_calls: 0' && kamcmd -s 'unix:$WORK/run/kamailio_ctl' sdes.stats | grep -q 'not_available: 1'"
echo "promtool on the scrape during the calls:"; cat "$WORK/m1.promtool"
echo "scrape during the calls:"; sed 's/ [0-9]*$//' "$WORK/m1"
check "Kamailio alive" kam_alive
summary
