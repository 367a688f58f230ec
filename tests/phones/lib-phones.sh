#!/bin/bash
# tests/phones/lib-phones.sh — real softphones in the suite: Debian's
# baresip 1.0 (libre's own SRTP, SDES via mediaenc=srtp-mand or plain RTP)
# and linphonec 5.1 (liblinphone on libsrtp2), headless, on loopback, driven
# through their command interfaces (baresip: the cons module over UDP;
# linphonec: stdin fed from a FIFO). Each phone plays a WAV tone of its own
# frequency and records what it receives, so "media intact" is measured at
# the phone itself: the peer's tone must be in the recording. Each phone's
# SIP trace is kept, so the SDP it received can be checked for the peer's
# raw address or keys (they must never reach it: the relay's port and the
# edge's keys only). Builds on tests/e2e/lib.sh (work dir, free ports,
# Kamailio, srtpd, pass/fail counting, cleanup of everything started).
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
PHONES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

phones_init() { # NAME: the work dir, and the script stops cleanly when a phone is missing
  e2e_init "$1"
  need "$E2E_BUILD/sdes.so" "the Kamailio module"
  need "$E2E_BUILD/srtpd" "srtpd"
  need "$E2E_BUILD/srtpctl" "srtpctl"
  local b
  for b in baresip linphonec; do
    command -v "$b" >/dev/null || {
      echo "$E2E_NAME: $b not installed (scripts/deps.sh installs baresip-core and linphone-cli)" >&2
      echo "$E2E_NAME: 0 passed, 1 failed"
      exit 1
    }
  done
  trap phones_cleanup EXIT
  trap '' PIPE   # a phone that died makes a command write fail, not the script
  tone_wav "$WORK/tone-baresip.wav" "$TONE_BARESIP"
  tone_wav "$WORK/tone-linphone.wav" "$TONE_LINPHONE"
}

# Each phone sends its own tone, so a recording tells whose audio it holds.
TONE_BARESIP=1000
TONE_LINPHONE=600

phones_cleanup() {
  local n
  for n in ${PHONES_ALL:-}; do phone_stop "$n"; done
  e2e_cleanup
}

# tone_wav FILE HZ: 30 s of a sine at HZ, 8 kHz mono 16 bit (python3's wave:
# no extra package). Longer than any call, so the source never runs dry.
tone_wav() {
  python3 - "$1" "$2" <<'EOF'
import math, struct, sys, wave
f, hz = sys.argv[1], float(sys.argv[2])
w = wave.open(f, "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * hz * i / 8000)))
                       for i in range(8000 * 30)))
w.close()
EOF
}

# free_block N: an even port P with UDP and TCP P..P+N-1 all free on
# 127.0.0.1 (SIP plus baresip's TLS port P+1; RTP pairs).
free_block() {
  python3 - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    p = random.randrange(41000, 59000, 2)
    socks, ok = [], True
    for q in range(p, p + n):
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, t)
            try:
                s.bind(("127.0.0.1", q)); socks.append(s)
            except OSError:
                ok = False
        if not ok:
            break
    for s in socks:
        s.close()
    if ok:
        print(p); sys.exit(0)
sys.exit(1)
EOF
}

# wait_for FILE PATTERN [TENTHS]: poll FILE until PATTERN shows up (bounded).
wait_for() {
  local i
  for i in $(seq "${3:-100}"); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# --- baresip ---------------------------------------------------------------
# baresip_start NAME srtp|plain PROXYPORT: a baresip in $WORK/NAME with one
# account (auto answer, PCMU, outbound proxy 127.0.0.1:PROXYPORT), its tone
# as the source and the sndfile module writing what it decodes into
# $WORK/NAME/*-dec.wav. Sets NAME_port (SIP). Waits until it is ready.
baresip_start() {
  local n=$1 enc=$2 proxy=$3 d=$WORK/$1 base
  base=$(free_block 16) || return 1
  mkdir -p "$d"
  cat >"$d/config" <<EOF
module_path /usr/lib/baresip/modules
sip_listen 127.0.0.1:$base
net_interface 127.0.0.1
rtp_ports $((base + 4))-$((base + 15))
audio_source aufile,$WORK/tone-baresip.wav
audio_player alsa,null
module cons.so
module g711.so
module aufile.so
module alsa.so
module sndfile.so
module srtp.so
module_app account.so
module_app menu.so
cons_listen 127.0.0.1:$((base + 2))
snd_path $d
EOF
  local me=""
  [ "$enc" = srtp ] && me=";mediaenc=srtp-mand"
  echo "<sip:${n//_/-}@127.0.0.1:$base>;regint=0;answermode=auto;audio_codecs=PCMU;outbound=\"sip:127.0.0.1:$proxy\"$me" >"$d/accounts"
  # -s: SIP trace on stdout (what it sent and received, for the SDP checks).
  baresip -f "$d" -s >"$d/log" 2>&1 </dev/null &
  eval "${n}_pid=$! ${n}_port=$base ${n}_cons=$((base + 2)) ${n}_kind=baresip"
  E2E_PIDS+=($!)
  PHONES_ALL="${PHONES_ALL:-} $n"
  wait_for "$d/log" "baresip is ready" 100
}

# baresip_cmd NAME CMD: one long command ("/dial URI", "/hangup", ...) to
# the cons module.
baresip_cmd() {
  local port
  port=$(eval echo "\$${1}_cons")
  python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode()+b"\n",("127.0.0.1",int(sys.argv[1])))
# cons echoes and streams every log line to its last client: read for
# 0.3 s in all, not until it is quiet (a flood of SRTP errors never is).
import time
end = time.time() + 0.3
try:
    while time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        sys.stdout.write(s.recv(65535).decode(errors="replace"))
except OSError:
    pass' "$port" "$2"
}

# --- linphonec -------------------------------------------------------------
# linphone_start NAME srtp|plain PROXYPORT [SUITES]: a linphonec in
# $WORK/NAME (its own HOME), a proxy entry that only routes (no REGISTER)
# through 127.0.0.1:PROXYPORT, IPv4 only, files instead of a sound card:
# its tone plays, the received audio goes to $WORK/NAME/rec.wav.
linphone_start() {
  local n=$1 enc=$2 proxy=$3 suites=${4:-} d=$WORK/$1 base
  base=$(free_block 8) || return 1
  mkdir -p "$d/.local/share/linphone"    # linphonec hangs without it
  {
    echo "[sip]"
    echo "sip_port=$base"
    echo "sip_tcp_port=0"
    echo "sip_tls_port=0"
    echo "use_ipv6=0"                      # its default offer would be IPv6
    echo "default_proxy=0"
    echo "contact=sip:${n//_/-}@127.0.0.1:$base"
    echo "inc_timeout=30"
    if [ "$enc" = srtp ]; then
      echo "media_encryption=srtp"
      echo "media_encryption_mandatory=1"
      [ -n "$suites" ] && echo "srtp_crypto_suites=$suites"
    else
      echo "media_encryption=none"
    fi
    echo "[rtp]"
    echo "audio_rtp_port=$((base + 2))"
    echo "video_rtp_port=$((base + 4))"
    echo "text_rtp_port=$((base + 6))"
    echo "[sound]"
    echo "echocancellation=0"
    echo "[misc]"
    echo "max_calls=1"
    echo "[proxy_0]"
    echo "reg_proxy=<sip:127.0.0.1:$proxy;transport=udp>"
    echo "reg_route=<sip:127.0.0.1:$proxy;transport=udp;lr>"
    echo "reg_identity=sip:${n//_/-}@127.0.0.1:$base"
    echo "reg_sendregister=0"
    echo "publish=0"
    echo "dial_escape_plus=0"
  } >"$d/rc"
  mkfifo "$d/in"
  # -a: answer incoming calls; -d 6 -l: the SIP trace (messages) in its log.
  HOME=$d linphonec -c "$d/rc" -a -d 6 -l "$d/trace" <"$d/in" >"$d/log" 2>&1 &
  eval "${n}_pid=$! ${n}_port=$base ${n}_kind=linphone"
  E2E_PIDS+=($!)
  PHONES_ALL="${PHONES_ALL:-} $n"
  exec {fd}>"$d/in"                        # keeps stdin open; commands go here
  eval "${n}_fd=$fd"
  wait_for "$d/log" "linphonec>" 100 || return 1
  # use_ipv6=0 alone still offers IPv6 media; PHONE_IPV6=1 keeps that default.
  [ "${PHONE_IPV6:-0}" = 1 ] || linphone_cmd "$n" "ipv6 disable"
  linphone_cmd "$n" "soundcard use files"
  linphone_cmd "$n" "play $WORK/tone-linphone.wav"
  linphone_cmd "$n" "record $d/rec.wav"
}

linphone_cmd() { # NAME CMD
  local fd
  fd=$(eval echo "\$${1}_fd")
  echo "$2" >&"$fd"
}

# --- either phone ------------------------------------------------------------
phone_kind() { eval echo "\$${1}_kind"; }
phone_port() { eval echo "\$${1}_port"; }

# phone_dial NAME USER PORT: call sip:USER@127.0.0.1:PORT through the proxy.
phone_dial() {
  local uri="sip:$2@127.0.0.1:$3"
  case $(phone_kind "$1") in
    baresip) baresip_cmd "$1" "/dial $uri" >/dev/null ;;
    linphone) linphone_cmd "$1" "call $uri" ;;
  esac
}
phone_hold() {
  case $(phone_kind "$1") in
    baresip) baresip_cmd "$1" "/hold" >/dev/null ;;
    linphone) linphone_cmd "$1" "pause" ;;
  esac
}
phone_resume() {
  case $(phone_kind "$1") in
    baresip) baresip_cmd "$1" "/resume" >/dev/null ;;
    linphone) linphone_cmd "$1" "resume" ;;
  esac
}
phone_hangup() {
  case $(phone_kind "$1") in
    baresip) baresip_cmd "$1" "/hangup" >/dev/null ;;
    linphone) linphone_cmd "$1" "terminate" ;;
  esac
}

phone_stop() { # NAME: quit politely, then kill (bounded)
  local pid i
  pid=$(eval echo "\${${1}_pid:-}")
  [ -n "$pid" ] || return 0
  case $(phone_kind "$1") in
    baresip) baresip_cmd "$1" "/quit" >/dev/null 2>&1 ;;
    linphone) linphone_cmd "$1" "quit" 2>/dev/null ;;
  esac
  for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill "$pid" 2>/dev/null; sleep 0.1; kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  local fd
  fd=$(eval echo "\${${1}_fd:-}")
  [ -n "$fd" ] && eval "exec $fd>&-"
  eval "${1}_pid= ${1}_fd="
  return 0
}

# phone_rec NAME: the WAV file holding what NAME received (decoded).
phone_rec() {
  case $(phone_kind "$1") in
    baresip) ls -t "$WORK/$1"/*-dec.wav 2>/dev/null | head -1 ;;
    linphone) echo "$WORK/$1/rec.wav" ;;
  esac
}

# phone_trace NAME: the file with NAME's SIP trace.
phone_trace() {
  case $(phone_kind "$1") in
    baresip) echo "$WORK/$1/log" ;;
    linphone) echo "$WORK/$1/trace" ;;
  esac
}

# tone_seconds WAV HZ: how many seconds of WAV carry the tone HZ (20 ms
# frames whose energy at HZ, by Goertzel, is most of the frame's energy and
# clearly above silence).
tone_seconds() {
  python3 "$PHONES_DIR/tone.py" "$1" "$2" 2>/dev/null || echo 0
}

# audio_seconds WAV: seconds of WAV clearly above silence (any sound: the
# e2e-ua agent's numbered payloads decode to noise, not to a tone).
audio_seconds() {
  python3 "$PHONES_DIR/tone.py" "$1" 0 2>/dev/null || echo 0
}
# tail_seconds WAV HZ S: seconds of tone HZ in the last S seconds of WAV
# (linphonec records a timeline, silence included, so the tail is the
# media after the last re-INVITE).
tail_seconds() {
  python3 "$PHONES_DIR/tone.py" "$1" "$2" "$3" 2>/dev/null || echo 0
}
ge() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$1" "$2"; }

# The relay's media port range (tests/e2e/lib.sh srtpd_start).
RELAY_PMIN=$((20000 + ($$ % 200) * 100))
RELAY_PMAX=$((RELAY_PMIN + 99))

# phone_connected NAME: the phone reports an established call.
phone_connected() {
  case $(phone_kind "$1") in
    baresip) grep -q "Call established" "$WORK/$1/log" ;;
    linphone) grep -q "connected\.$" "$WORK/$1/log" ;;
  esac
}
# phone_ended NAME: the phone's call is over.
phone_ended() {
  case $(phone_kind "$1") in
    baresip) grep -q "terminated (duration" "$WORK/$1/log" ;;
    linphone) grep -q -E "(ended|error)\.? *$|Call [0-9]+ .*(ended|error)" "$WORK/$1/log" ;;
  esac
}
poll() { # TENTHS CMD...: run CMD every 0.1 s until it succeeds (bounded)
  local n=$1 i; shift
  for i in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}

# sdp_clean NAME PEER KEYS: NAME received only processed SDP (relay address
# and ports; with KEYS=1 none of PEER's keys). Problems go to NAME.sdpcheck.
sdp_clean() {
  python3 "$PHONES_DIR/sdpcheck.py" "$(phone_kind "$1")" "$(phone_trace "$1")" "$(phone_port "$1")" \
    "$(phone_kind "$2")" "$(phone_trace "$2")" "$(phone_port "$2")" \
    "$RELAY_PMIN" "$RELAY_PMAX" "$3" >"$WORK/$1.sdpcheck" 2>&1
}

# srtp_errors NAME: SRTP (not SRTCP) packets the phone could not unprotect.
srtp_errors() {
  case $(phone_kind "$1") in
    baresip) tr '\r' '\n' <"$WORK/$1/log" | grep -c -i -E 'srtp.*(unprotect|decrypt) (RTP|failed)|srtp: recv' ;;
    linphone) grep -c 'srtp_unprotect() failed' "$(phone_trace "$1")" ;;
  esac
}

# phones_call NAME CALLER CALLEE USER HOLDER: CALLER dials USER at CALLEE's
# address through its proxy; 2.5 s of talk, HOLDER puts the call on hold for
# 1.5 s and resumes, 3 s more, CALLER hangs up. srtpd's query of the call
# after the talk and at the end go to NAME.q1 / NAME.q2.
phones_call() {
  local name=$1 a=$2 b=$3 user=$4 holder=$5 cid
  phone_dial "$a" "$user" "$(phone_port "$b")"
  if ! poll 80 phone_connected "$a" || ! poll 20 phone_connected "$b"; then
    fail "$name: call connects" "no established call (see $WORK/$a, $WORK/$b)"
    phone_hangup "$a"; sleep 0.5
    return 1
  fi
  pass "$name: call connects"
  sleep 2.5
  cid=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[-1]["call-id"] if c else "")' 2>/dev/null)
  ctl --json query -- "$cid" >"$WORK/$name.q1" 2>&1
  phone_hold "$holder"; sleep 1.5
  phone_resume "$holder"; sleep 3
  ctl --json query -- "$cid" >"$WORK/$name.q2" 2>&1
  phone_hangup "$a"
  poll 30 phone_ended "$b"
  return 0
}

# leg_out Q LEG: packets srtpd sent to that leg's peer (rtp-out).
leg_out() {
  python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["streams"][0][sys.argv[2]]["rtp-out"])' "$1" "$2" 2>/dev/null || echo 0
}
leg_drops() { # Q LEG: auth + replay drops on that leg
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))["streams"][0][sys.argv[2]]["drops"]; print(d["auth"]+d["replay"]+d["unknown-mki"])' "$1" "$2" 2>/dev/null || echo -1
}

# media_checks NAME CALLER CALLEE: the call's media as each phone heard it.
# Before the hold (recordings): each phone's recording holds at least 1.5 s
# of the other's tone. After hold and resume: srtpd sent each leg at least
# 100 more packets (2 s) and every linphonec recording ends with at least
# 1.5 s of the peer's tone in its last 2.5 s (baresip's sndfile stops
# recording at the first re-INVITE, so for it the relay's counters and the
# absence of SRTP errors speak). No SRTP error at either phone.
tone_of() { [ "$(phone_kind "$1")" = baresip ] && echo "$TONE_BARESIP" || echo "$TONE_LINPHONE"; }
media_checks() {
  local name=$1 a=$2 b=$3 x y heard o1 o2 leg
  for x in "$a" "$b"; do
    y=$b; [ "$x" = "$b" ] && y=$a
    heard=$(tone_seconds "$(phone_rec "$x")" "$(tone_of "$y")")
    check "$name: $x ($(phone_kind "$x")) hears $y's tone (${heard} s)" ge "$heard" 1.5
    if [ "$(phone_kind "$x")" = linphone ]; then
      heard=$(tail_seconds "$(phone_rec "$x")" "$(tone_of "$y")" 2.5)
      check "$name: after hold/resume $x still hears $y (${heard} s of the last 2.5 s)" ge "$heard" 1.5
    fi
    check "$name: no SRTP unprotect failure at $x ($(srtp_errors "$x"))" test "$(srtp_errors "$x")" = 0
  done
  # A query that failed would read as 0 packets: say so instead.
  for x in q1 q2; do
    check "$name: srtpd answered the $x query ($(tr '\n' ' ' <"$WORK/$name.$x" | cut -c1-80))" \
      grep -q '"result": "ok"' "$WORK/$name.$x"
  done
  for leg in a b; do
    o1=$(leg_out "$WORK/$name.q1" $leg); o2=$(leg_out "$WORK/$name.q2" $leg)
    check "$name: srtpd kept relaying to leg $leg after hold/resume ($o1 -> $o2 packets)" \
      test $((o2 - o1)) -ge 100
  done
}

# phones_dump: the end of each log after a failure (keys masked).
phones_dump() {
  [ "$E2E_FAIL" = 0 ] && return 0
  phones_dump_raw 2>&1 | sed -E 's#inline:[A-Za-z0-9+/=]+#inline:<masked>#g'
}
phones_dump_raw() {
  local f
  for f in "$WORK"/*.sdpcheck "$WORK"/*.refused; do echo "---- $(basename "$f")"; cat "$f"; done
  for f in "$WORK"/*/log; do
    echo "---- $f"; tr '\r' '\n' <"$f" | grep -v -E 'audio=[0-9]+/[0-9]+ \(bit/s\)' | grep -v '^\s*$' | tail -15
  done
  echo "---- kamailio"; tail -20 "${KAM_LOG:-/dev/null}"
  echo "---- srtpd"; tail -15 "$WORK/srtpd.log" 2>/dev/null
}

# phone_start NAME KIND:ENC:PROXYPORT[:SUITES]
phone_start() {
  local n=$1 kind enc proxy suites
  IFS=: read -r kind enc proxy suites <<<"$2"
  case $kind in
    baresip) baresip_start "$n" "$enc" "$proxy" ;;
    linphone) linphone_start "$n" "$enc" "$proxy" "$suites" ;;
  esac
}

# one_call NAME KEYS CALLER-SPEC CALLEE-SPEC HOLDER [USER]: fresh phones
# (specs as phone_start's), one call with hold/resume (HOLDER caller or
# callee), then the checks: media both ways (media_checks) and no raw SDP
# at either phone (KEYS=1: the edge's keys, not the peer's). The callee's
# user part is its name (CALLEE_PREFIX=legacy_ makes it "legacy-dN").
PHONES_N=0
one_call() {
  local name=$1 keys=$2 cs=$3 ds=$4 holder=$5 c d
  PHONES_N=$((PHONES_N + 1)); c=c$PHONES_N; d=${CALLEE_PREFIX:-}d$PHONES_N
  if ! phone_start "$c" "$cs" || ! phone_start "$d" "$ds"; then
    fail "$name: phones start" "$(tail -3 "$WORK/$c/log" "$WORK/$d/log" 2>&1)"
    phone_stop "$c"; phone_stop "$d"
    return 1
  fi
  local h=$c; [ "$holder" = callee ] && h=$d
  if phones_call "$name" "$c" "$d" "${d//_/-}" "$h"; then
    media_checks "$name" "$c" "$d"
    local x y r dirs
    dirs=$(python3 "$PHONES_DIR/sdpcheck.py" --sent-directions "$(phone_kind "$h")" "$(phone_trace "$h")" \
      "$(phone_port "$h")" 2>/dev/null)
    check "$name: $h put the call on hold and resumed it (its offers: ${dirs:-none})" \
      bash -c "echo '$dirs' | grep -q -E '(sendonly|inactive) (.* )?sendrecv'"
    for x in "$c" "$d"; do
      python3 "$PHONES_DIR/sdpcheck.py" --refused "$(phone_kind "$x")" "$(phone_trace "$x")" \
        "$(phone_port "$x")" >"$WORK/$x.refused" 2>&1; r=$?
      check "$name: no INVITE of $x refused, hold and resume included ($(tail -1 "$WORK/$x.refused"))" test $r = 0
      y=$d; [ "$x" = "$d" ] && y=$c
      sdp_clean "$x" "$y" "$keys"; r=$?
      check "$name: $x ($(phone_kind "$x")) got only processed SDP ($(tail -1 "$WORK/$x.sdpcheck"))" test $r = 0
    done
  fi
  phone_stop "$c"; phone_stop "$d"
}
