#!/bin/bash
# tests/e2e/net-namespaces.sh — the flagship layout on real networks
# (issue 12): a legacy PBX on a private LAN, phones and carriers on the
# public side, Kamailio + sdes.so + srtpd on the edge between them, and a
# 1:1 NAT in front of the edge as in every cloud. Linux network namespaces
# joined by veth pairs (root needed; without it every scenario is a
# visible, counted SKIP):
#
#   lan  (PBX agent 10.77.0.10, fd00:77::10)
#    |  veth
#   edge (10.77.0.1, fd00:77::1 | 172.16.5.1, 2001:db8:5::1): srtpd, Kamailio
#    |  veth                       no forwarding: media crosses only srtpd
#   nat  (nftables 1:1: 203.0.113.5 <-> 172.16.5.1; IPv6 routed as is)
#    |  veth
#   wan  (phone agent 198.51.100.20, 2001:db8:51::20)
#
# Kamailio runs the shipped cfg/legacy-pbx.cfg with its defines for two
# networks (INSIDE_IP, OUTSIDE_IP, OUTSIDE_PUBLIC, OUTSIDE_IP6,
# MEDIA_INSIDE/MEDIA_OUTSIDE); srtpd has `internal` and `external` media
# interfaces. Scenarios (each a few seconds):
#   1. PBX -> phone and phone -> PBX over IPv4 through the NAT (srtpd binds
#      172.16.5.1 and advertises 203.0.113.5): media intact both ways, the
#      PBX's SDP only the internal address, every SDP line the phone got
#      free of any LAN or private address; a hold/resume from the PBX as
#      callee keeps each leg on its interface.
#   2. IPv6 outside, IPv4 inside, both ways.
#   3. IPv6 inside, IPv4 outside (through the NAT), both ways.
#   4. Bad configuration: srtpd refuses, in one line, a public address
#      not on the host and an advertised 0.0.0.0; Kamailio refuses a bad
#      default_directions; a call whose flags name an interface srtpd
#      lacks gets 488 with the reason and leaves no call.
#   5. A real phone, baresip (SRTP mandatory), in the wan namespace behind
#      the NAT, called by the PBX agent (a counted SKIP without baresip).
# Namespaces are named per run (sg<PID>-...), removed on exit.
. "$(dirname "$0")/lib.sh"
e2e_init net-namespaces
need "$E2E_BUILD/sdes.so" "the Kamailio module"
need "$E2E_BUILD/srtpd" "srtpd"
need "$E2E_UA" "the e2e-ua agents"

SKIPPED=0
net_summary() {
  echo "$E2E_NAME: $E2E_PASS passed, $E2E_FAIL failed, $SKIPPED skipped"
  [ "$E2E_FAIL" = 0 ]
}

P=sg$$
LAN=$P-lan EDGE=$P-edge NAT=$P-nat WAN=$P-wan
NS_MADE=()
net_cleanup() {
  e2e_cleanup
  local n
  for n in "${NS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap net_cleanup EXIT

skip_all() {
  SKIPPED=5
  echo "SKIP net-namespaces: $1 (5 scenarios skipped)"
  net_summary
  exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root for ip netns"
command -v nft >/dev/null || skip_all "nft (nftables) not installed"
ip netns add "$LAN" 2>/dev/null || skip_all "cannot create network namespaces here"
NS_MADE+=("$LAN")
for n in "$EDGE" "$NAT" "$WAN"; do ip netns add "$n" && NS_MADE+=("$n"); done

# nsenter rather than `ip netns exec`: the latter remounts / and /sys,
# which fails where / is not a mount point (a chroot, a build root).
nx() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
setup() {
  local n
  for n in "$LAN" "$EDGE" "$NAT" "$WAN"; do nx "$n" ip link set lo up; done
  nx "$EDGE" ip link add name elan type veth peer name ledge netns "$LAN"
  nx "$EDGE" ip link add name enat type veth peer name nedge netns "$NAT"
  nx "$NAT" ip link add name nwan type veth peer name wnat netns "$WAN"
  nx "$EDGE" ip addr add 10.77.0.1/24 dev elan
  nx "$EDGE" ip addr add fd00:77::1/64 dev elan nodad
  nx "$LAN" ip addr add 10.77.0.10/24 dev ledge
  nx "$LAN" ip addr add fd00:77::10/64 dev ledge nodad
  nx "$EDGE" ip addr add 172.16.5.1/24 dev enat
  nx "$EDGE" ip addr add 2001:db8:5::1/64 dev enat nodad
  nx "$NAT" ip addr add 172.16.5.254/24 dev nedge
  nx "$NAT" ip addr add 2001:db8:5::254/64 dev nedge nodad
  nx "$NAT" ip addr add 198.51.100.1/24 dev nwan
  nx "$NAT" ip addr add 2001:db8:51::1/64 dev nwan nodad
  nx "$WAN" ip addr add 198.51.100.20/24 dev wnat
  nx "$WAN" ip addr add 2001:db8:51::20/64 dev wnat nodad
  for n in "$LAN:ledge" "$EDGE:elan" "$EDGE:enat" "$NAT:nedge" "$NAT:nwan" "$WAN:wnat"; do
    nx "${n%%:*}" ip link set "${n##*:}" up
  done
  # The edge routes the public side through the NAT box; the phone reaches
  # the edge's public address (and its IPv6 net) through it. The LAN has no
  # route anywhere else, and the edge forwards nothing.
  nx "$EDGE" ip route add 198.51.100.0/24 via 172.16.5.254
  nx "$EDGE" ip -6 route add 2001:db8:51::/64 via 2001:db8:5::254
  nx "$WAN" ip route add 203.0.113.0/24 via 198.51.100.1
  nx "$WAN" ip -6 route add 2001:db8:5::/64 via 2001:db8:51::1
  nx "$EDGE" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
  nx "$NAT" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  # 1:1 NAT (a cloud's elastic IP): the public address is nowhere on the edge.
  nx "$NAT" nft -f - <<'EOF'
table ip onetoone {
  chain pre { type nat hook prerouting priority dstnat; ip daddr 203.0.113.5 dnat to 172.16.5.1; }
  chain post { type nat hook postrouting priority srcnat; ip saddr 172.16.5.1 snat to 203.0.113.5; }
}
EOF
}
setup || skip_all "the veth/nftables setup failed"
# A datagram through the NAT (no ping on a minimal host: python3's socket).
udp_probe() {
  nx "$EDGE" python3 -c 'import socket,sys; s=socket.socket(); s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("172.16.5.1", 39999)); s.settimeout(3); d,a=s.recvfrom(100); sys.exit(0 if d==b"probe" and a[0]=="198.51.100.20" else 1)' &
  local p=$! i
  sleep 0.3
  for i in 1 2 3; do
    nx "$WAN" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"probe", ("203.0.113.5", 39999))'
    sleep 0.1
  done
  wait $p
}
udp_probe || skip_all "veth links or the nftables NAT do not pass packets"

# srtpd_net ARGS...: srtpd in the edge on a unix socket in $WORK.
srtpd_net() {
  [ -n "${SRTPD_PID:-}" ] && { kill "$SRTPD_PID" 2>/dev/null; wait "$SRTPD_PID" 2>/dev/null; }
  rm -f "$WORK/srtpd.sock"
  RELAY_SPEC=unix:$WORK/srtpd.sock
  # nsenter itself, not the nx function: $! must be srtpd (nsenter execs
  # it), or the kill below and the EXIT trap stop a subshell and leave
  # srtpd running.
  nsenter --net="/run/netns/$EDGE" "$E2E_BUILD/srtpd" --listen "$RELAY_SPEC" --port-min 30000 \
    --port-max 30199 --media-timeout 0 "$@" >"$WORK/srtpd.log" 2>&1 &
  SRTPD_PID=$!
  E2E_PIDS+=($SRTPD_PID)
  local i
  for i in $(seq 40); do [ -S "$WORK/srtpd.sock" ] && return 0; sleep 0.05; done
  return 1
}

# kam_net DEFINES...: cfg/legacy-pbx.cfg in the edge, SIP 5060 outside and
# 5070 inside; waits until both listen.
kam_net() {
  kam_stop
  KAM_LOG=$WORK/kamailio.log
  (cd "$E2E_ROOT" && exec nsenter --net="/run/netns/$EDGE" kamailio -DD -E -f cfg/legacy-pbx.cfg \
     -Y "$WORK/run" -P "$WORK/run/kamailio.pid" -A SIP_PORT=5060 -A INSIDE_PORT=5070 \
     -A "CTL_SOCK=\"unix:$WORK/run/kamailio_ctl\"" -A "RELAY=\"$RELAY_SPEC\"" "$@") \
     >"$KAM_LOG" 2>&1 &
  KAM_PID=$!
  local i
  for i in $(seq 100); do
    kill -0 "$KAM_PID" 2>/dev/null || { KAM_PID=; return 1; }
    if [ "$(nx "$EDGE" ss -Hlun 2>/dev/null | grep -cE ':(5060|5070) ')" -ge 2 ]; then
      sleep 0.2
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# ncall NAME CALLER_NS CALLER_ROLE CALLER_BIND PROXY CALLEE_NS CALLEE_ROLE
#       CALLEE_BIND [callee args] -- [caller args]: one call, 2 s of media.
ncall() {
  local name=$1 cns=$2 crole=$3 cbind=$4 proxy=$5 ens=$6 erole=$7 ebind=$8; shift 8
  local eargs=() cargs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do eargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cargs=("$@")
  rm -f "$WORK/$name-uas.port" "$WORK/$name-uas.rc"
  ( nx "$ens" "$E2E_UA" uas --role "$erole" --bind "$ebind" --port-file "$WORK/$name-uas.port" \
      --seconds 2 --sdp-out "$WORK/$name-uas.sdp" "${eargs[@]}" >"$WORK/$name-uas.out" 2>&1
    echo $? >"$WORK/$name-uas.rc" ) &
  E2E_PIDS+=($!)
  local i host
  for i in $(seq 100); do [ -s "$WORK/$name-uas.port" ] && break; sleep 0.05; done
  host=$ebind
  case $ebind in *:*) host="[$ebind]" ;; esac
  timeout 40 nsenter --net="/run/netns/$cns" "$E2E_UA" uac --role "$crole" --bind "$cbind" \
    --to "sip:bob@$host:$(cat "$WORK/$name-uas.port" 2>/dev/null)" --proxy "$proxy" \
    --seconds 2 --sdp-out "$WORK/$name-uac.sdp" "${cargs[@]}" >"$WORK/$name-uac.out" 2>&1
  echo $? >"$WORK/$name-uac.rc"
  ua_wait "$name-uas"
}

# Every SDP an agent received (its report's sdp-received lines and the
# --sdp-out file), one line per SDP line.
sdp_lines() {
  { cat "$WORK/$1.sdp" 2>/dev/null
    grep -h 'sdp-received' "$WORK/$1.out" 2>/dev/null | sed 's/^[^:]*: [^:]*: //; s/ | /\n/g'
  } | tr -d '\r'
}
# only_addr AGENT ADDR: the agent's SDP names ADDR and no other IP address
# (every line: c=, o=, a=rtcp, a=candidate, ...).
only_addr() {
  local lines others
  lines=$(sdp_lines "$1")
  [ -n "$lines" ] || return 1
  echo "$lines" | grep -qF "$2" || return 1
  others=$(echo "$lines" | grep -oE '([0-9]{1,3}\.){3}[0-9]{1,3}|[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}' |
           grep -vFx "$2" | grep -vE '^(0\.0\.0\.0|::)$' | grep -v '^:*$' | sort -u)
  [ -z "$others" ] || { echo "  $1 saw other addresses: $others"; return 1; }
}
# none_of AGENT PATTERN: no SDP line of the agent matches PATTERN.
none_of() { ! sdp_lines "$1" | grep -qE "$2"; }
LAN_ADDRS='10\.77\.|172\.16\.|fd00:77'
# srtpctl in the edge: the unix socket's reply goes to an abstract address,
# which is per network namespace.
ctl() { nsenter --net="/run/netns/$EDGE" "$E2E_BUILD/srtpctl" --socket "$RELAY_SPEC" "$@" 2>&1; }
both_ok() { ua_ok "$1-uac" && ua_ok "$1-uas"; }
# sdp_has AGENT REGEX: its first SDP (the --sdp-out file) has a line matching.
sdp_has() { grep -qE "$2" "$WORK/$1.sdp" 2>/dev/null; }
# sdp_both AGENT 'IN IPx ADDR': both its c= and its o= carry it.
sdp_both() { sdp_has "$1" "^c=$2" && sdp_has "$1" "^o=.* $2"; }
two_addr() { only_addr "$1" "$2" && only_addr "$3" "$4"; }

# ---- 1. IPv4 both sides, the phone behind the public side's 1:1 NAT ----
if srtpd_net --interface internal/10.77.0.1 --interface 'external/172.16.5.1!203.0.113.5' &&
   kam_net -A INSIDE_IP=10.77.0.1 -A OUTSIDE_IP=172.16.5.1 -A OUTSIDE_PUBLIC=203.0.113.5 \
     -A 'MEDIA_INSIDE="internal"' -A 'MEDIA_OUTSIDE="external"'; then
  pass "1: srtpd and Kamailio up in the edge namespace (internal + external via 1:1 NAT)"
  ncall v4-out "$LAN" pbx 10.77.0.10 10.77.0.1:5070 "$WAN" phone 198.51.100.20
  check "1: PBX -> phone: caller ok" ua_ok v4-out-uac
  check "1: PBX -> phone: callee ok" ua_ok v4-out-uas
  check "1: PBX -> phone: media intact both ways through the NAT" both_ways v4-out
  check "1: PBX -> phone: the PBX sees only the internal address" only_addr v4-out-uac 10.77.0.1
  check "1: PBX -> phone: the phone sees only the public address" only_addr v4-out-uas 203.0.113.5
  check "1: PBX -> phone: no LAN or private address in any SDP line the phone got" \
    none_of v4-out-uas "$LAN_ADDRS"
  ncall v4-in "$WAN" phone 198.51.100.20 203.0.113.5:5060 "$LAN" pbx 10.77.0.10 \
    --hold-at 0.8 --unhold-at 1.4 --min-percent 40
  check "1: phone -> PBX (the PBX holds and resumes): caller ok" ua_ok v4-in-uac
  check "1: phone -> PBX: callee ok" ua_ok v4-in-uas
  check "1: phone -> PBX: media intact both ways" both_ways v4-in
  check "1: phone -> PBX: the PBX sees only the internal address (re-offers included)" \
    only_addr v4-in-uas 10.77.0.1
  check "1: phone -> PBX: the phone sees only the public address (re-offers included)" \
    only_addr v4-in-uac 203.0.113.5
  check "1: phone -> PBX: the PBX's re-offers reached the phone" \
    grep -q 'sdp-received (re-INVITE)' "$WORK/v4-in-uac.out"
  check "1: no LAN or private address in any SDP line the phone got" \
    none_of v4-in-uac "$LAN_ADDRS"
  # A fax (T.38 udptl) stream srtpd does not relay: between two networks it
  # reaches the phone disabled, without the PBX's address.
  printf 'v=0\r\no=pbx 1 1 IN IP4 10.77.0.10\r\ns=-\r\nc=IN IP4 10.77.0.10\r\nt=0 0\r\nm=audio 40100 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:40101 IN IP4 10.77.0.10\r\na=candidate:1 1 UDP 2130706431 10.77.0.10 40100 typ host\r\nm=image 40102 udptl t38\r\nc=IN IP4 10.77.0.10\r\na=T38FaxVersion:0\r\n' >"$WORK/t38-offer.sdp"
  ncall t38 "$LAN" pbx 10.77.0.10 10.77.0.1:5070 "$WAN" phone 198.51.100.20 --min-percent 0 -- \
    --offer-file "$WORK/t38-offer.sdp" --min-percent 0
  check "1: a PBX offer with T.38 and ICE reaches the phone with the fax stream disabled (m=image 0)" \
    grep -q '^m=image 0 udptl' "$WORK/t38-uas.sdp"
  check "1: ... and no LAN address in any line of it (c=, o=, a=rtcp, a=candidate)" \
    none_of t38-uas "$LAN_ADDRS"
else
  fail "1: srtpd and Kamailio up in the edge namespace" "$(tail -3 "$WORK/srtpd.log" "$WORK/kamailio.log" 2>/dev/null)"
fi

# ---- 2. IPv6 outside, IPv4 inside ----
if srtpd_net --interface internal/10.77.0.1 --interface external/2001:db8:5::1 &&
   kam_net -A INSIDE_IP=10.77.0.1 -A OUTSIDE_IP=172.16.5.1 -A 'OUTSIDE_IP6=[2001:db8:5::1]' \
     -A 'MEDIA_INSIDE="internal"' -A 'MEDIA_OUTSIDE="external"'; then
  ncall v6-in "$WAN" phone 2001:db8:51::20 '[2001:db8:5::1]:5060' "$LAN" pbx 10.77.0.10
  check "2: IPv6 phone -> IPv4 PBX: caller and callee ok" both_ok v6-in
  check "2: IPv6 phone -> IPv4 PBX: media intact both ways" both_ways v6-in
  check "2: IPv6 phone -> IPv4 PBX: the phone sees IN IP6 2001:db8:5::1 only (c= and o=)" \
    sdp_both v6-in-uac 'IN IP6 2001:db8:5::1' 
  check "2: IPv6 phone -> IPv4 PBX: the PBX sees IN IP4 10.77.0.1 only (c= and o=)" \
    sdp_both v6-in-uas 'IN IP4 10.77.0.1' 
  check "2: IPv6 phone -> IPv4 PBX: no LAN address at the phone" none_of v6-in-uac "$LAN_ADDRS"
  ncall v6-out "$LAN" pbx 10.77.0.10 10.77.0.1:5070 "$WAN" phone 2001:db8:51::20
  check "2: IPv4 PBX -> IPv6 phone: caller and callee ok" both_ok v6-out
  check "2: IPv4 PBX -> IPv6 phone: media intact both ways" both_ways v6-out
  check "2: IPv4 PBX -> IPv6 phone: each side only its own network's address" \
    two_addr v6-out-uac 10.77.0.1 v6-out-uas 2001:db8:5::1
else
  fail "2: srtpd and Kamailio up (IPv6 outside)" "$(tail -3 "$WORK/srtpd.log" "$WORK/kamailio.log" 2>/dev/null)"
fi

# ---- 3. IPv6 inside, IPv4 outside (through the NAT) ----
if srtpd_net --interface internal/fd00:77::1 --interface 'external/172.16.5.1!203.0.113.5' &&
   kam_net -A 'INSIDE_IP=[fd00:77::1]' -A OUTSIDE_IP=172.16.5.1 -A OUTSIDE_PUBLIC=203.0.113.5 \
     -A 'MEDIA_INSIDE="internal"' -A 'MEDIA_OUTSIDE="external"'; then
  ncall r6-out "$LAN" pbx fd00:77::10 '[fd00:77::1]:5070' "$WAN" phone 198.51.100.20
  check "3: IPv6 PBX -> IPv4 phone: caller and callee ok" both_ok r6-out
  check "3: IPv6 PBX -> IPv4 phone: media intact both ways" both_ways r6-out
  check "3: IPv6 PBX -> IPv4 phone: the PBX sees fd00:77::1, the phone 203.0.113.5 only" \
    two_addr r6-out-uac fd00:77::1 r6-out-uas 203.0.113.5
  ncall r6-in "$WAN" phone 198.51.100.20 203.0.113.5:5060 "$LAN" pbx fd00:77::10
  check "3: IPv4 phone -> IPv6 PBX: caller and callee ok" both_ok r6-in
  check "3: IPv4 phone -> IPv6 PBX: media intact both ways" both_ways r6-in
  check "3: IPv4 phone -> IPv6 PBX: no LAN address at the phone" none_of r6-in-uac "$LAN_ADDRS"
else
  fail "3: srtpd and Kamailio up (IPv6 inside)" "$(tail -3 "$WORK/srtpd.log" "$WORK/kamailio.log" 2>/dev/null)"
fi

# ---- 5. A real phone (baresip 1.0, SRTP mandatory) in the wan namespace ----
# The PBX agent calls it through the NAT; baresip answers and plays its
# tone. Measured at srtpd (the agent's payload check does not apply to a
# phone's audio): both legs relayed, no SRTP packet of the phone refused;
# at baresip: no SRTP failure, and its SIP trace holds no LAN address in
# any SDP line.
q_leg() { # Q LEG FIELD: a counter of that leg in srtpd's query ("bad": auth+replay drops)
  python3 -c 'import json,sys
l=json.load(open(sys.argv[1]))["streams"][0][sys.argv[2]]
f=sys.argv[3]
print(l["drops"]["auth"]+l["drops"]["replay"] if f=="bad" else l[f])' "$1" "$2" "$3" 2>/dev/null || echo -1
}
ge() { [ "$1" -ge "$2" ] 2>/dev/null; }
srtp_in_ok() { ge "$(q_leg "$1" b rtp-in)" 50 && [ "$(q_leg "$1" b bad)" = 0 ]; }
baresip_no_srtp_err() { ! tr '\r' '\n' <"$1" | grep -qiE 'srtp.*(unprotect|decrypt) (RTP|failed)|srtp: recv'; }
no_lan_in() { ! grep -qE "$LAN_ADDRS" "$1"; }
write_tone() {
  python3 - "$1" <<'PYEOF'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * 1000 * i / 8000)))
                       for i in range(8000 * 20)))
w.close()
PYEOF
}
if ! command -v baresip >/dev/null; then
  SKIPPED=$((SKIPPED + 1))
  echo "SKIP 5: baresip not installed (scripts/deps.sh installs baresip-core)"
elif srtpd_net --interface internal/10.77.0.1 --interface 'external/172.16.5.1!203.0.113.5' &&
   kam_net -A INSIDE_IP=10.77.0.1 -A OUTSIDE_IP=172.16.5.1 -A OUTSIDE_PUBLIC=203.0.113.5 \
     -A 'MEDIA_INSIDE="internal"' -A 'MEDIA_OUTSIDE="external"'; then
  B=$WORK/baresip
  mkdir -p "$B"
  write_tone "$B/tone.wav"
  {
    echo "module_path /usr/lib/baresip/modules"
    echo "sip_listen 198.51.100.20:5062"
    echo "net_interface wnat"
    echo "rtp_ports 40000-40019"
    echo "audio_source aufile,$B/tone.wav"
    echo "audio_player alsa,null"
    for m in cons g711 aufile alsa srtp; do echo "module $m.so"; done
    echo "module_app account.so"
    echo "module_app menu.so"
    echo "cons_listen 198.51.100.20:5064"
  } >"$B/config"
  echo '<sip:phone@198.51.100.20:5062>;regint=0;answermode=auto;audio_codecs=PCMU;outbound="sip:203.0.113.5:5060";mediaenc=srtp-mand' >"$B/accounts"
  nsenter --net="/run/netns/$WAN" baresip -f "$B" -s >"$B/log" 2>&1 </dev/null &
  E2E_PIDS+=($!)
  for i in $(seq 100); do grep -q "baresip is ready" "$B/log" 2>/dev/null && break; sleep 0.1; done
  timeout 30 nsenter --net="/run/netns/$LAN" "$E2E_UA" uac --role pbx --bind 10.77.0.10 \
    --to sip:phone@198.51.100.20:5062 --proxy 10.77.0.1:5070 --seconds 4 --min-percent 0 \
    >"$WORK/bs-uac.out" 2>&1 &
  upid=$!
  sleep 3
  cid=$(ctl --json list | python3 -c 'import json,sys; c=json.load(sys.stdin)["calls"]; print(c[-1]["call-id"] if c else "")' 2>/dev/null)
  ctl --json query -- "$cid" >"$WORK/bs.q" 2>&1
  wait $upid
  check "5: baresip in wan answers the PBX through the NAT" grep -q 'final=200' "$WORK/bs-uac.out"
  check "5: srtpd relayed the PBX's RTP to baresip as SRTP ($(q_leg "$WORK/bs.q" b rtp-out) packets)" \
    ge "$(q_leg "$WORK/bs.q" b rtp-out)" 50
  check "5: baresip's SRTP reached srtpd and authenticated ($(q_leg "$WORK/bs.q" b rtp-in) in, $(q_leg "$WORK/bs.q" b bad) refused)" \
    srtp_in_ok "$WORK/bs.q"
  # baresip's audio is no numbered test payload: the agent counts it as
  # "corrupt"; what matters is that it arrived, as plain RTP.
  got=$(( $(ua_field bs-uac corrupt) + $(ua_field bs-uac intact) ))
  check "5: the PBX received baresip's audio as plain RTP ($got packets; srtpd sent $(q_leg "$WORK/bs.q" a rtp-out))" \
    ge "$got" 50
  check "5: no SRTP failure at baresip" baresip_no_srtp_err "$B/log"
  tr '\r' '\n' <"$B/log" | grep -E '^(v|o|s|c|t|m|a)=' >"$WORK/bs.sdp"
  check "5: baresip's SIP trace: the SDP it got says c=IN IP4 203.0.113.5" \
    grep -q '^c=IN IP4 203.0.113.5' "$WORK/bs.sdp"
  check "5: no LAN or private address in any SDP line of baresip's trace" no_lan_in "$WORK/bs.sdp"
  nx "$WAN" python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"/quit\n", ("198.51.100.20", 5064))' 2>/dev/null
else
  fail "5: srtpd and Kamailio up (baresip)" "$(tail -3 "$WORK/kamailio.log" 2>/dev/null)"
fi

# ---- 4. Bad configuration ----
bad_srtpd() { # WANT IFACE...: srtpd in the edge must refuse, one line with WANT
  local out rc
  out=$(timeout 5 nsenter --net="/run/netns/$EDGE" "$E2E_BUILD/srtpd" --listen "unix:$WORK/bad.sock" \
          --port-min 31000 --port-max 31099 "${@:2}" 2>&1)
  rc=$?
  [ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q -- "$1" ||
    { echo "  rc=$rc: $out"; return 1; }
}
check "4: the public address itself (not on the edge: NAT) is refused with EADDRNOTAVAIL" \
  bad_srtpd "interface external: cannot bind 203.0.113.5.*EADDRNOTAVAIL" \
  --interface internal/10.77.0.1 --interface external/203.0.113.5
check "4: an advertised 0.0.0.0 is refused" \
  bad_srtpd "interface external: 0.0.0.0 cannot be advertised" \
  --interface internal/10.77.0.1 --interface 'external/172.16.5.1!0.0.0.0'
bad_kam() { # WANT CFG DEFINES...: kamailio -c refuses, naming WANT
  (cd "$E2E_ROOT" && kamailio -c -f "$2" "${@:3}") >"$WORK/kam-bad.log" 2>&1 && return 1
  grep -q -- "$1" "$WORK/kam-bad.log"
}
check "4: modparam default_directions with one name stops Kamailio at start" \
  bad_kam "default_directions: want two interface names" cfg/rekey-edge.cfg \
  -A 'MEDIA_DIRECTIONS="external"'
check "4: a bad interface name in default_directions stops Kamailio at start" \
  bad_kam "direction= wants an interface name" cfg/edge-policy.cfg \
  -A 'MEDIA_DIRECTIONS="ext/ernal internal"'
if srtpd_net --interface internal/10.77.0.1 --interface 'external/172.16.5.1!203.0.113.5' &&
   kam_net -A INSIDE_IP=10.77.0.1 -A OUTSIDE_IP=172.16.5.1 -A OUTSIDE_PUBLIC=203.0.113.5 \
     -A 'MEDIA_INSIDE="internal"' -A 'MEDIA_OUTSIDE="extrenal"'; then
  ncall typo "$WAN" phone 198.51.100.20 203.0.113.5:5060 "$LAN" pbx 10.77.0.10 \
    --timeout 4 -- --expect-code 488
  check "4: an interface name srtpd lacks: the caller gets 488 with the reason" \
    grep -qE 'final=488 .*no such media interface configured' "$WORK/typo-uac.out"
  check "4: ... and no call is left in srtpd" test "$(srtpd_calls)" = 0
  check "4: ... and the PBX never saw the INVITE" grep -q 'no INVITE within' "$WORK/typo-uas.out"
else
  fail "4: srtpd and Kamailio up (unknown interface)" "$(tail -3 "$WORK/kamailio.log" 2>/dev/null)"
fi

# Every srtpd this run started (one per srtpd_net) was stopped by the
# next one: only the last is left, and it goes with a SIGTERM.
check "every earlier srtpd of this run has exited" \
  test "$(pgrep -fc -- "--listen unix:$WORK/srtpd.sock")" = 1
kill "$SRTPD_PID" 2>/dev/null; wait "$SRTPD_PID" 2>/dev/null
check "... and the last one exits on SIGTERM" \
  test "$(pgrep -fc -- "--listen unix:$WORK/srtpd.sock")" = 0
SRTPD_PID=

dump_on_fail
net_summary
