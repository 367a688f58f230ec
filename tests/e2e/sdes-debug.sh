#!/bin/bash
# tests/e2e/sdes-debug.sh — raising sdes.so's own log level at run time
# with Kamailio's debugger module (no sdes RPC needed, docs/sdes-module.md
# "Log level"): cfg/legacy-pbx.cfg plus debugger with mod_level_mode=1.
# At debug=2 a call logs no sdes debug line; after `kamcmd
# dbg.set_mod_level sdes 3` the next call does (sdes.so's "sdes-state:"
# line), while Kamailio's core stays at 2: no whole SIP message, so no key,
# reaches the log, and sdes.so's warning about debug=3 is not given.
# `kamcmd dbg.set_mod_level sdes 2` turns it off again.
. "$(dirname "$0")/lib.sh"
e2e_init sdes-debug
need "$E2E_UA" "the test user agent"
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"

# legacy-pbx.cfg with the debugger module's per-module levels.
sed -e 's|^loadmodule "sdes.so"|loadmodule "sdes.so"\nloadmodule "debugger.so"\nmodparam("debugger", "mod_level_mode", 1)\nmodparam("debugger", "mod_hash_size", 4)|' \
  cfg/legacy-pbx.cfg >"$WORK/debug.cfg"
grep -q 'debugger.so' "$WORK/debug.cfg" || fail "cfg" "debugger not inserted"
dbg_lines() { grep -c 'sdes \[.*DEBUG\|DEBUG: sdes' "$KAM_LOG"; }

check "srtpd runs" srtpd_start
INSIDE=$(free_udp_port)
if ! kam_start_relay "$WORK/debug.cfg" -A "INSIDE_PORT=$INSIDE"; then
  fail "legacy-pbx.cfg + debugger starts" "$(tail -5 "$KAM_LOG")"; summary; exit
fi
pass "legacy-pbx.cfg + debugger starts"

call c1 "$INSIDE" pbx phone --seconds 1 -- --seconds 1
check "debug=2: the call works" both_ways c1
N1=$(dbg_lines)
check "debug=2: no sdes debug line (got $N1)" test "$N1" = 0

kam_rpc dbg.set_mod_level sdes 3 >"$WORK/set.out"
check "kamcmd dbg.set_mod_level sdes 3 accepted" bash -c "! grep -qi error '$WORK/set.out'"
call c2 "$INSIDE" pbx phone --seconds 1 -- --seconds 1
check "sdes at 3: the call works" both_ways c2
N2=$(dbg_lines)
check "sdes at 3: sdes.so's debug lines appear (got $N2)" test "$N2" -gt 0
check "sdes at 3: its sdes-state line is there" grep -q 'DEBUG: sdes.*sdes-state: [0-9]* bytes' "$KAM_LOG"
check "sdes at 3: the core stays at 2 (no whole messages logged)" \
  bash -c "! grep -q 'DEBUG: <core>' '$KAM_LOG'"
check "sdes at 3: no key material in the log" bash -c "! grep -q 'inline:' '$KAM_LOG'"
check "sdes at 3: no debug=3 key warning (the core level did not change)" \
  bash -c "! grep -q 'writes whole SIP messages' '$KAM_LOG'"

kam_rpc dbg.set_mod_level sdes 2 >/dev/null
call c3 "$INSIDE" pbx phone --seconds 1 -- --seconds 1
N3=$(dbg_lines)
check "back to 2: no new sdes debug line ($N2 -> $N3)" test "$N3" = "$N2"
check "Kamailio alive" kam_alive
summary
