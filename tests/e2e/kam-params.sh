#!/bin/bash
# tests/e2e/kam-params.sh — `kamailio -c` catches every bad sdes.so module
# parameter (issue: each failed only at real start-up). Table-driven: each
# row is one modparam line (or two) on top of a minimal cfg; `kamailio -c`
# must fail AND print the row's expected line, which names the parameter
# and the bad value (the secret only by its length: it must not appear).
# Plus good rows that must pass. Kamailio 5.6's -c runs the modparam
# setters, not mod_init: see modules/sdes/kam_params.c.
. "$(dirname "$0")/lib.sh"
e2e_init kam-params
need "$E2E_BUILD/sdes.so" "make build/sdes.so"

S=$WORK/secrets
mkdir -p "$S/dir"
printf 'abc\n' >"$S/short"; chmod 600 "$S/short"
: >"$S/empty"; chmod 600 "$S/empty"
printf 'kp-test-secret-0123456789\n' >"$S/open"; chmod 644 "$S/open"
printf 'kp-test-secret-0123456789\n' >"$S/good"; chmod 600 "$S/good"
LONG=$(printf 'L%.0s' $(seq 300))
GOODSECRET=kp-inline-secret-0123456789

# cfg_with MODPARAM-LINES: a minimal cfg loading build/sdes.so with them.
cfg_with() {
  local cfg=$WORK/row.cfg
  cat >"$cfg" <<CFG
#!KAMAILIO
debug=2
log_stderror=yes
children=1
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:5999
mpath="$E2E_BUILD/:$KAM_MPATH"
loadmodule "sdes.so"
$1
request_route { drop; }
CFG
  echo "$cfg"
}

mp() { printf 'modparam("sdes", "%s", %s)\n' "$1" "$2"; }

# bad_row NAME EXPECTED MODPARAM-LINES
bad_row() {
  local name=$1 want=$2 cfg
  cfg=$(cfg_with "$3")
  if kam_check "$cfg"; then
    fail "$name" "kamailio -c accepted it"
    return
  fi
  if ! grep -qF -- "$want" "$WORK/kamailio-check.log"; then
    fail "$name" "no line '$want' in: $(grep -E 'ERROR|CRIT' "$WORK/kamailio-check.log" | head -3)"
    return
  fi
  if grep -qF -e "$GOODSECRET" -e "$LONG" -e kp-test-secret "$WORK/kamailio-check.log"; then
    fail "$name" "a secret appears in the output"
    return
  fi
  # One line from sdes.so, not a cascade.
  local n
  n=$(grep -c 'ERROR: sdes' "$WORK/kamailio-check.log")
  if [ "$n" != 1 ]; then
    fail "$name" "$n sdes ERROR lines, want 1"
    return
  fi
  pass "$name"
}

good_row() {
  local name=$1 cfg
  cfg=$(cfg_with "$2")
  if kam_check "$cfg" && grep -q "config file ok" "$WORK/kamailio-check.log"; then
    pass "$name"
  else
    fail "$name" "$(grep -E 'ERROR|CRIT' "$WORK/kamailio-check.log" | head -3)"
  fi
}

# --- integers ---
bad_row "timeout_ms 5"          'modparam timeout_ms 5: want 10..60000'      "$(mp timeout_ms 5)"
bad_row "timeout_ms 60001"      'modparam timeout_ms 60001'                  "$(mp timeout_ms 60001)"
bad_row "retries -1"            'modparam retries -1: want 0..10'            "$(mp retries -1)"
bad_row "retries 11"            'modparam retries 11'                        "$(mp retries 11)"
bad_row "ping_interval 0"       'modparam ping_interval 0: want 1..3600'     "$(mp ping_interval 0)"
bad_row "ping_interval 3601"    'modparam ping_interval 3601'                "$(mp ping_interval 3601)"
bad_row "switch_after_ms -1"    'modparam switch_after_ms -1: want 0..60000' "$(mp switch_after_ms -1)"
bad_row "switch_after_ms 60001" 'modparam switch_after_ms 60001'             "$(mp switch_after_ms 60001)"
bad_row "state_cache -1"        'modparam state_cache -1: want 0..1048576'   "$(mp state_cache -1)"
bad_row "state_cache 1048577"   'modparam state_cache 1048577'               "$(mp state_cache 1048577)"
bad_row "event_interval_ms -1"    'modparam event_interval_ms -1: want 0..60000' "$(mp event_interval_ms -1)"
bad_row "event_interval_ms 60001" 'modparam event_interval_ms 60001'             "$(mp event_interval_ms 60001)"
bad_row "event_callback not a name" 'modparam event_callback "on event()"' "$(mp event_callback '"on event()"')"
bad_row "event_callback empty" 'modparam event_callback "": want a KEMI function name' "$(mp event_callback '""')"
bad_row "default_directions one name" 'modparam default_directions: want two interface names' "$(mp default_directions '"internal"')"
bad_row "default_directions bad name" 'modparam default_directions' "$(mp default_directions '"in/side external"')"
# --- default_* ---
bad_row "default_mode paranoid"   'modparam default_mode "paranoid"'   "$(mp default_mode '"paranoid"')"
bad_row "default_mode holds a policy" 'modparam default_mode "strong": holds other flags' "$(mp default_mode '"strong"')"
bad_row "default_policy paranoid" 'modparam default_policy "paranoid"' "$(mp default_policy '"paranoid"')"
bad_row "default_policy holds a mode" 'modparam default_policy "decrypt": holds other flags' "$(mp default_policy '"decrypt"')"
bad_row "default_suites SHA1_99" 'modparam default_suites "AES_CM_128_HMAC_SHA1_99"' "$(mp default_suites '"AES_CM_128_HMAC_SHA1_99"')"
bad_row "default_suites one bad of two" 'modparam default_suites "AES_CM_128_HMAC_SHA1_80,NOPE_99"' "$(mp default_suites '"AES_CM_128_HMAC_SHA1_80,NOPE_99"')"
bad_row "default_flags unknown word" 'modparam default_flags "bogus"' "$(mp default_flags '"bogus"')"
bad_row "default_flags suite SHA1_99" 'modparam default_flags "suites=AES_CM_128_HMAC_SHA1_99"' "$(mp default_flags '"suites=AES_CM_128_HMAC_SHA1_99"')"
bad_row "default_flags mki=200" 'modparam default_flags "mki=200"' "$(mp default_flags '"mki=200"')"
bad_row "default_flags lifetime=2^49" 'modparam default_flags "lifetime=2^49"' "$(mp default_flags '"lifetime=2^49"')"
bad_row "default_flags keys=9" 'modparam default_flags "keys=9"' "$(mp default_flags '"keys=9"')"
bad_row "default_flags roc=maybe" 'modparam default_flags "roc=maybe"' "$(mp default_flags '"roc=maybe"')"
bad_row "default_flags holds a mode" 'modparam default_flags "mode=decrypt": holds other flags' "$(mp default_flags '"mode=decrypt"')"
bad_row "default_flags keys=2 without mki" 'modparam default_flags "keys=2"' "$(mp default_flags '"keys=2"')"
# --- secret ---
bad_row "secret of 3 characters" 'modparam secret: 3 characters, at least 16' "$(mp secret '"abc"')"
bad_row "secret of 300 characters" 'modparam secret: 300 characters, at most 255' "$(mp secret "\"$LONG\"")"
bad_row "secret_file missing"  "modparam secret_file \"$S/none\"" "$(mp secret_file "\"$S/none\"")"
bad_row "secret_file too short" "modparam secret_file \"$S/short\"" "$(mp secret_file "\"$S/short\"")"
bad_row "secret_file empty"    "modparam secret_file \"$S/empty\"" "$(mp secret_file "\"$S/empty\"")"
bad_row "secret_file readable by others" "modparam secret_file \"$S/open\"" "$(mp secret_file "\"$S/open\"")"
bad_row "secret_file a directory" "modparam secret_file \"$S/dir\"" "$(mp secret_file "\"$S/dir\"")"
bad_row "secret_file empty path" 'modparam secret_file "": empty path' "$(mp secret_file '""')"
bad_row "secret and secret_file" 'modparam secret_file' "$(mp secret "\"$GOODSECRET\"")
$(mp secret_file "\"$S/good\"")"
bad_row "secret_file and secret" 'modparam secret: secret_file is set too' "$(mp secret_file "\"$S/good\"")
$(mp secret "\"$GOODSECRET\"")"
# --- relay ---
bad_row "relay off loopback, no secret" 'modparam relay "udp:10.1.2.3:2223": not on loopback and no secret' "$(mp relay '"udp:10.1.2.3:2223"')"
bad_row "relay IPv6 off loopback, no secret" 'modparam relay "udp:[2001:db8::1]:2223": not on loopback' "$(mp relay '"udp:[2001:db8::1]:2223"')"
bad_row "relay no port"     'modparam relay "udp:bogus"'    "$(mp relay '"udp:bogus"')"
bad_row "relay DNS name"    'modparam relay "udp:srtpd.example.com:2223"' "$(mp relay '"udp:srtpd.example.com:2223"')"
bad_row "relay unknown transport" 'modparam relay "tcp:127.0.0.1:2223"' "$(mp relay '"tcp:127.0.0.1:2223"')"
bad_row "relay weight 0"    'modparam relay "udp:127.0.0.1:2223=0"' "$(mp relay '"udp:127.0.0.1:2223=0"')"
bad_row "relay weight 1001" 'modparam relay "udp:127.0.0.1:2223=1001"' "$(mp relay '"udp:127.0.0.1:2223=1001"')"
bad_row "relay port 70000"  'modparam relay "udp:127.0.0.1:70000"' "$(mp relay '"udp:127.0.0.1:70000"')"
bad_row "relay unix relative path" 'modparam relay "unix:srtpd.sock"' "$(mp relay '"unix:srtpd.sock"')"
bad_row "relay listed twice" 'listed twice' "$(mp relay '"udp:127.0.0.1:2223 udp:127.0.0.1:2223"')"
bad_row "relay empty"       'modparam relay "": no relay in the value' "$(mp relay '""')"

# --- good rows ---
good_row "every parameter good" "$(mp relay '"udp:10.1.2.3:2223=2 unix:/run/srtpd/srtpd.sock"')
$(mp secret_file "\"$S/good\"")
$(mp timeout_ms 10)
$(mp retries 0)
$(mp ping_interval 3600)
$(mp switch_after_ms 0)
$(mp state_cache 0)
$(mp event_interval_ms 0)
$(mp event_callback '"ksr_sdes_event"')
$(mp default_directions '"internal external"')
$(mp default_mode '"decrypt"')
$(mp default_policy '"strong"')
$(mp default_suites '"AEAD_AES_256_GCM,AES_256_CM_HMAC_SHA1_80"')
$(mp default_flags '"mki=1 keys=2 lifetime=2^31 roc=keep mki-use=always nomki=keep"')"
good_row "secret inline, relay off loopback" "$(mp secret "\"$GOODSECRET\"")
$(mp relay '"udp:10.1.2.3:2223"')"
good_row "relay before its secret" "$(mp relay '"udp:10.1.2.3:2223"')
$(mp secret "\"$GOODSECRET\"")"
good_row "no parameter at all" ""
summary
