#!/bin/bash
# tests/pkg/pkg-install.sh — the Debian packages as an operator gets them:
#   1. dpkg-buildpackage -b -uc -us from a copy of the tree under
#      build/pkg/src (dpkg-buildpackage writes to the parent directory, so
#      the .debs land in build/pkg/), lintian without errors;
#   2. apt-get install ./sdesgate_*.deb ./kamailio-sdes-module_*.deb
#      (dependencies from Debian), then the installed files: conffile,
#      control secret 0640 root:sdesgate (never world-readable), users and
#      groups, `systemd-analyze verify` of the installed unit, --version;
#   3. srtpd started from the unit's ExecStart line as the unit's User/Group
#      (with its supplementary groups, LimitNOFILE, no new privileges, no
#      capabilities) with the installed config, its stderr as the journal
#      would see it (JOURNAL_STREAM: "<N>" priorities); the installed
#      srtpctl pings it with the generated secret and is refused without
#      it, and reads and sets its log level; the config's commented
#      metrics line, uncommented, serves /metrics;
#   4. the installed sdes.so in Kamailio: `kamailio -c` on the examples in
#      /usr/share/doc (as the user kamailio, which must read the secret),
#      then a real call (plain-RTP PBX -> SRTP phone) through Kamailio with
#      the installed module and the installed srtpd, scraped during the
#      call (promtool check metrics; srtpd_calls 1 then 0, packets move);
#   5. apt-get purge: nothing left but the system user srtpd and the group
#      sdesgate (Debian keeps system users); the test then removes those.
# Runs as root (it installs packages); anything it installed is purged on
# exit, whatever happened. Refuses to run when sdesgate is already installed.
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init pkg-install
ROOT=$E2E_ROOT
PKG=$E2E_BUILD/pkg
DOC=/usr/share/doc/kamailio-sdes-module
MODDIR=/usr/lib/$(gcc -print-multiarch)/kamailio/modules
APT="apt-get -o DPkg::Lock::Timeout=600 -y -q"
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then
  echo "pkg-install: needs root (installs packages); skipped"
  echo "pkg-install: 0 passed, 0 failed"
  exit 0
fi
for p in sdesgate kamailio-sdes-module; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
    echo "pkg-install: $p is already installed here; not touching it"
    echo "pkg-install: 0 passed, 1 failed"
    exit 1
  fi
done
had_user=0; getent passwd srtpd >/dev/null && had_user=1
had_group=0; getent group sdesgate >/dev/null && had_group=1
made_policy=0
INSTALLED=0

pkg_cleanup() {
  [ -n "${PKG_SRTPD:-}" ] && { kill "$PKG_SRTPD" 2>/dev/null; wait "$PKG_SRTPD" 2>/dev/null; }
  e2e_cleanup
  if [ "$INSTALLED" = 1 ]; then
    $APT purge sdesgate kamailio-sdes-module >"$WORK/purge-cleanup.log" 2>&1 || true
  fi
  [ $had_user = 0 ] && getent passwd srtpd >/dev/null && deluser --quiet --system srtpd >/dev/null 2>&1
  [ $had_group = 0 ] && getent group sdesgate >/dev/null && delgroup --quiet --system sdesgate >/dev/null 2>&1
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ -n "${KTMP:-}" ] && rm -rf "$KTMP"
  [ -n "${MTMP:-}" ] && rm -rf "$MTMP"
  true
}
trap pkg_cleanup EXIT

# ---- 1. build --------------------------------------------------------------
rm -rf "$PKG"; mkdir -p "$PKG/src/build"
(cd "$ROOT" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$PKG/src" -xf -
# The Kamailio source tree scripts/deps.sh unpacked (debian/rules: KAMAILIO_SRC).
ln -s "$(readlink -f "$ROOT/build/third_party")" "$PKG/src/build/third_party"
if (cd "$PKG/src" && dpkg-buildpackage -b -uc -us) >"$WORK/build.log" 2>&1; then
  pass "dpkg-buildpackage -b -uc -us"
else
  fail "dpkg-buildpackage -b -uc -us" "$(tail -20 "$WORK/build.log")"
  summary; exit 1
fi
DEBS=$(ls "$PKG"/sdesgate_*.deb "$PKG"/kamailio-sdes-module_*.deb)
check "two packages built" test "$(echo "$DEBS" | wc -w)" = 2
if command -v lintian >/dev/null; then
  lintian --allow-root "$PKG"/sdesgate_*.changes >"$WORK/lintian.log" 2>&1
  check "lintian: no errors" bash -c "! grep '^E:' '$WORK/lintian.log'"
  grep -E '^(E|W):' "$WORK/lintian.log" || true
fi
check "sdesgate depends on libmicrohttpd (metrics), found by dh_shlibdeps" \
  bash -c "dpkg-deb -f '$PKG'/sdesgate_*.deb Depends | grep -q libmicrohttpd"
check "module depends on the exact Kamailio it was built against" \
  bash -c "dpkg-deb -f '$PKG'/kamailio-sdes-module_*.deb Depends | grep -q 'kamailio (= $(dpkg-query -W -f='${Version}' kamailio))'"

# ---- 2. install --------------------------------------------------------------
# No service starts during the test (this machine may run systemd).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
INSTALLED=1
# shellcheck disable=SC2086
if $APT install $DEBS >"$WORK/install.log" 2>&1; then
  pass "apt-get install ./sdesgate_*.deb ./kamailio-sdes-module_*.deb"
else
  fail "apt-get install" "$(tail -20 "$WORK/install.log")"
  summary; exit 1
fi
for f in /usr/sbin/srtpd /usr/bin/srtpctl /usr/bin/srtp-pcap /usr/bin/sdes-sdp "$MODDIR/sdes.so" \
         /lib/systemd/system/srtpd.service /etc/sdesgate/srtpd.conf \
         /usr/share/man/man8/srtpd.8.gz /usr/share/man/man8/srtpctl.8.gz \
         /usr/share/man/man1/srtp-pcap.1.gz /usr/share/man/man1/sdes-sdp.1.gz \
         "$DOC/examples/legacy-pbx.cfg"; do
  check "installed: $f" test -e "$f"
done
check "srtp-bench is not installed" bash -c "! dpkg -L sdesgate | grep -q bench"
check "srtpd.conf is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' sdesgate | grep -q /etc/sdesgate/srtpd.conf"
ver=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$ROOT/debian/changelog")
for p in /usr/sbin/srtpd /usr/bin/srtpctl /usr/bin/srtp-pcap /usr/bin/sdes-sdp; do
  check "$(basename $p) --version prints '$(basename $p) $ver'" test "$($p --version 2>&1)" = "$(basename $p) $ver"
done
check "system user srtpd" bash -c "getent passwd srtpd | grep -q ':/nonexistent:/usr/sbin/nologin$'"
check "srtpd and kamailio are in the group sdesgate" \
  bash -c "id -nG srtpd | grep -qw sdesgate && id -nG kamailio | grep -qw sdesgate"
check "control secret: 0640 root:sdesgate, 64 hex digits" \
  bash -c "[ \"\$(stat -c '%a %U %G' /etc/sdesgate/control.secret)\" = '640 root sdesgate' ] && grep -qE '^[0-9a-f]{64}$' /etc/sdesgate/control.secret"
check "Kamailio's secret fragment: 0640 root:sdesgate, the same secret" \
  bash -c "[ \"\$(stat -c '%a %U %G' /etc/sdesgate/sdes-secret.cfg)\" = '640 root sdesgate' ] && grep -q \"modparam(\\\"sdes\\\", \\\"secret\\\", \\\"\$(cat /etc/sdesgate/control.secret)\\\")\" /etc/sdesgate/sdes-secret.cfg"
check "no world-readable secret in /etc/sdesgate" \
  bash -c "[ -z \"\$(find /etc/sdesgate -name '*secret*' -perm /o+r)\" ]"
check "nobody else can read the secret" \
  bash -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups cat /etc/sdesgate/control.secret 2>/dev/null"
# Re-running the configuration keeps the secret.
sum=$(md5sum </etc/sdesgate/control.secret)
dpkg-reconfigure sdesgate >/dev/null 2>&1
check "reconfigure keeps the existing secret" test "$(md5sum </etc/sdesgate/control.secret)" = "$sum"
# systemd-analyze verify loads the unit as systemd would (the binary, the
# man pages of Documentation=, every directive). SYSTEMD_LOG_LEVEL keeps
# notices about the machine's other units out of the way.
if SYSTEMD_LOG_LEVEL=warning systemd-analyze verify /lib/systemd/system/srtpd.service \
     >"$WORK/verify.log" 2>&1; then
  pass "systemd-analyze verify srtpd.service"
else
  fail "systemd-analyze verify srtpd.service" "$(cat "$WORK/verify.log")"
fi
unit() { sed -n "s/^$1=//p" /lib/systemd/system/srtpd.service | tail -1; }
check "unit: Type=notify, User=srtpd, RuntimeDirectory=sdesgate, no capabilities" \
  bash -c "grep -qx Type=notify /lib/systemd/system/srtpd.service && grep -qx User=srtpd /lib/systemd/system/srtpd.service && grep -qx RuntimeDirectory=sdesgate /lib/systemd/system/srtpd.service && grep -qx CapabilityBoundingSet= /lib/systemd/system/srtpd.service"

# ---- 3. srtpd from the unit's ExecStart line ----------------------------------
RELAY_PORT=$(free_udp_port)
# The installed config as it is; only the control port is a free one (other
# tests or a developer's srtpd may hold 2223 on this machine).
read -r -a EXEC <<<"$(unit ExecStart)"
# The unit's LimitNOFILE, or the hard limit this test runs under when that
# is lower (a container may cap it; systemd itself may raise it).
NOFILE=$(unit LimitNOFILE); HARD=$(ulimit -Hn)
[ "$HARD" != unlimited ] && [ "$HARD" -lt "$NOFILE" ] && NOFILE=$HARD
mkdir -p /run/sdesgate && chown srtpd:srtpd /run/sdesgate   # RuntimeDirectory=
# The metrics line the installed config ships commented out, uncommented
# (with a free port) into a copy srtpd reads after the installed one.
METRICS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
check "the installed config has a commented metrics line and log-level" \
  bash -c "grep -qx '# metrics = 127.0.0.1:9812' /etc/sdesgate/srtpd.conf && grep -qx 'log-level = info' /etc/sdesgate/srtpd.conf"
# (In a directory of its own under /tmp: the user srtpd reads it.)
MTMP=$(mktemp -d /tmp/sdesgate-pkg-m.XXXXXX); chmod 755 "$MTMP"
sed -n 's/^# metrics = 127.0.0.1:9812$/metrics = 127.0.0.1:'"$METRICS_PORT"'/p' /etc/sdesgate/srtpd.conf \
  >"$MTMP/metrics.conf"
chmod 644 "$MTMP/metrics.conf"
# systemd connects stderr to the journal and names it in JOURNAL_STREAM
# (device:inode); the same here with a file, so srtpd writes as it does
# under the unit: "<N>message".
: >"$WORK/srtpd.log"; chmod 666 "$WORK/srtpd.log"
JS=$(stat -c '%d:%i' "$WORK/srtpd.log")
JOURNAL_STREAM=$JS setpriv --reuid="$(unit User)" --regid="$(unit Group)" --init-groups \
  --no-new-privs --inh-caps=-all --bounding-set=-all \
  prlimit --nofile="$NOFILE" -- \
  "${EXEC[@]}" --config "$MTMP/metrics.conf" --listen "udp:127.0.0.1:$RELAY_PORT" \
  >>"$WORK/srtpd.log" 2>&1 &
PKG_SRTPD=$!
for _ in $(seq 50); do
  grep -qs started "$WORK/srtpd.log" && break
  kill -0 $PKG_SRTPD 2>/dev/null || break
  sleep 0.1
done
check "srtpd (ExecStart, user srtpd, installed config) starts authenticated" \
  grep -q "started: .*control authenticated" "$WORK/srtpd.log"
check "srtpd runs as user srtpd" test "$(ps -o user= -p $PKG_SRTPD)" = srtpd
check "srtpd's lines carry journal priorities (<6> info)" grep -q '^<6>started: ' "$WORK/srtpd.log"
SECRET_OPT=(--secret-file /etc/sdesgate/control.secret)
ictl() { /usr/bin/srtpctl --socket "udp:127.0.0.1:$RELAY_PORT" "$@" 2>&1; }
check "installed srtpctl pings srtpd with the generated secret" bash -c \
  "/usr/bin/srtpctl --socket udp:127.0.0.1:$RELAY_PORT ${SECRET_OPT[*]} ping | grep -qi pong"
check "srtpd refuses srtpctl without the secret" bash -c \
  "! /usr/bin/srtpctl --socket udp:127.0.0.1:$RELAY_PORT --timeout 300 ping >/dev/null 2>&1"
check "installed srtpctl reads the log level and the journal target" bash -c \
  "/usr/bin/srtpctl --socket udp:127.0.0.1:$RELAY_PORT ${SECRET_OPT[*]} log-level | grep -qx 'log-level info, logging to journal'"
check "installed srtpctl sets the log level at run time" bash -c \
  "/usr/bin/srtpctl --socket udp:127.0.0.1:$RELAY_PORT ${SECRET_OPT[*]} log-level debug | grep -q 'log-level debug (was info)' &&
   /usr/bin/srtpctl --socket udp:127.0.0.1:$RELAY_PORT ${SECRET_OPT[*]} ping >/dev/null &&
   grep -q '^<7>control: ping: ok' '$WORK/srtpd.log' &&
   /usr/bin/srtpctl --socket udp:127.0.0.1:$RELAY_PORT ${SECRET_OPT[*]} log-level info >/dev/null"
scrape() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=2).read().decode())' "$METRICS_PORT"; }
metric() { awk -v s="$1" '$1 == s { print $2 }' "$2"; }
scrape >"$WORK/metrics-0.prom" 2>&1
check "metrics (installed srtpd, the shipped metrics line) before the call: promtool" \
  promtool check metrics <"$WORK/metrics-0.prom"
check "metrics before the call: srtpd_calls 0" test "$(metric srtpd_calls "$WORK/metrics-0.prom")" = 0

# sd_notify as systemd sees it (no systemd here): a datagram socket as
# NOTIFY_SOCKET, WatchdogSec=1 as WATCHDOG_USEC; READY=1 once bound,
# WATCHDOG=1 from the housekeeping, STOPPING=1 on SIGTERM.
python3 - "$WORK/notify.sock" "$(free_udp_port)" >"$WORK/notify.log" 2>&1 <<'PY'
import os, signal, socket, subprocess, sys, time
path, port = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); s.settimeout(5)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")
p = subprocess.Popen(["/usr/sbin/srtpd", "--config", "/etc/sdesgate/srtpd.conf",
                      "--listen", "udp:127.0.0.1:" + port], env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
got, t0 = [], time.time()
try:
    while time.time() - t0 < 5 and not any("WATCHDOG=1" in m for m in got):
        got.append(s.recv(4096).decode())
    p.send_signal(signal.SIGTERM)
    while not any("STOPPING=1" in m for m in got):
        got.append(s.recv(4096).decode())
finally:
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
for m in got:
    print(m.replace("\n", " | "))
PY
check "sd_notify: READY=1 with a STATUS line" grep -q "READY=1 | STATUS=" "$WORK/notify.log"
check "sd_notify: WATCHDOG=1 under WatchdogSec" grep -q "WATCHDOG=1" "$WORK/notify.log"
check "sd_notify: STOPPING=1 on SIGTERM" grep -q "STOPPING=1" "$WORK/notify.log"

# ---- 4. the installed sdes.so in Kamailio --------------------------------------
# From a directory without build/: the examples' mpath tries build/ first.
KROOT=$WORK/kamroot; mkdir -p "$KROOT"; E2E_ROOT=$KROOT
for c in legacy-pbx edge-policy rekey-edge; do
  check "kamailio -c $DOC/examples/$c.cfg" bash -c \
    "cd '$KROOT' && kamailio -c -f '$DOC/examples/$c.cfg' >'$WORK/check-$c.log' 2>&1"
done
# The example with the secret imported, as the user kamailio (group sdesgate).
# (In a directory of its own under /tmp: the user kamailio may not reach
# into the build tree.)
KTMP=$(mktemp -d /tmp/sdesgate-pkg.XXXXXX); chmod 755 "$KTMP"
SECRET_CFG=$KTMP/legacy-pbx-secret.cfg
sed '/^loadmodule "sdes.so"/a import_file "/etc/sdesgate/sdes-secret.cfg"' \
  "$DOC/examples/legacy-pbx.cfg" >"$SECRET_CFG"
chmod 644 "$SECRET_CFG"
check "kamailio -c as user kamailio reads the secret fragment" bash -c \
  "cd '$KTMP' && setpriv --reuid=kamailio --regid=kamailio --init-groups kamailio -c -f '$SECRET_CFG' >'$WORK/check-kam-user.log' 2>&1"
check "the secret fragment was imported" grep -q "sdes-secret.cfg" "$SECRET_CFG"
if [ -x "$E2E_UA" ]; then
  INSIDE=$(free_udp_port)
  if kam_start "$SECRET_CFG" -A "RELAY=\"udp:127.0.0.1:$RELAY_PORT\"" \
       -A "INSIDE_PORT=$INSIDE"; then
    pass "Kamailio starts with the installed sdes.so and the packaged secret"
    check "Kamailio loaded $MODDIR/sdes.so" grep -q "$MODDIR/sdes.so" "/proc/$KAM_PID/maps"
    # Scrapes while the call runs (every 0.3 s, the one with a call kept).
    ( for _ in $(seq 40); do
        scrape >"$WORK/metrics-x.prom" 2>/dev/null &&
          [ "$(metric srtpd_calls "$WORK/metrics-x.prom")" = 1 ] &&
          cp "$WORK/metrics-x.prom" "$WORK/metrics-1.prom"
        sleep 0.3
      done ) &
    SCRAPER=$!
    call out "$INSIDE" pbx phone
    kill "$SCRAPER" 2>/dev/null; wait "$SCRAPER" 2>/dev/null
    check "call PBX (RTP/AVP) -> phone (RTP/SAVP) through the packages: caller ok" ua_ok out-uac
    check "call through the packages: callee ok" ua_ok out-uas
    check "call through the packages: media both ways, intact" both_ways out
    check "call through the packages: the phone got SRTP" ua_has out-uas "srtp-failed=0"
    check "srtpd saw the call (stats)" bash -c \
      "/usr/bin/srtpctl --socket udp:127.0.0.1:$RELAY_PORT ${SECRET_OPT[*]} --json stats | grep -q calls"
    check "metrics during the call: srtpd_calls 1, promtool passes" bash -c \
      "[ -s '$WORK/metrics-1.prom' ] && promtool check metrics <'$WORK/metrics-1.prom'"
    check "metrics during the call: legs RTP 1 and SRTP 1" bash -c \
      "grep -qx 'srtpd_legs{transport=\"RTP\"} 1' '$WORK/metrics-1.prom' && grep -qx 'srtpd_legs{transport=\"SRTP\"} 1' '$WORK/metrics-1.prom'"
    sleep 1   # the BYE's delete
    scrape >"$WORK/metrics-2.prom" 2>&1
    check "metrics after the call: promtool passes, srtpd_calls 0, one call deleted" bash -c \
      "promtool check metrics <'$WORK/metrics-2.prom' && grep -qx 'srtpd_calls 0' '$WORK/metrics-2.prom' && grep -qx 'srtpd_calls_deleted_total 1' '$WORK/metrics-2.prom'"
    pin=$(metric 'srtpd_packets_total{direction="in",kind="rtp"}' "$WORK/metrics-2.prom")
    pout=$(metric 'srtpd_packets_total{direction="out",kind="rtp"}' "$WORK/metrics-2.prom")
    check "metrics: the call's packets counted in and out ($pin / $pout)" \
      test "${pin:-0}" -gt 100 -a "${pout:-0}" -gt 100
    kam_stop
  else
    fail "Kamailio starts with the installed sdes.so" "$(tail -10 "$KAM_LOG")"
  fi
else
  fail "call through the packages" "$E2E_UA missing (make build-all)"
fi
dump_on_fail
kill "$PKG_SRTPD" 2>/dev/null; wait "$PKG_SRTPD" 2>/dev/null; PKG_SRTPD=
check "srtpd stopped cleanly on SIGTERM" grep -q "stopped" "$WORK/srtpd.log"
check "no secret in srtpd's log" bash -c "! grep -qF \"\$(cat /etc/sdesgate/control.secret)\" '$WORK/srtpd.log'"
check "no secret in the install log" bash -c "! grep -qF \"\$(cat /etc/sdesgate/control.secret)\" '$WORK/install.log'"
rm -rf /run/sdesgate

# ---- 5. purge ------------------------------------------------------------------
if $APT purge sdesgate kamailio-sdes-module >"$WORK/purge.log" 2>&1; then
  INSTALLED=0
  pass "apt-get purge sdesgate kamailio-sdes-module"
else
  fail "apt-get purge" "$(tail -20 "$WORK/purge.log")"
fi
for p in sdesgate kamailio-sdes-module; do
  check "$p: no trace in dpkg (not even config-files)" \
    bash -c "! dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q 'installed\|config-files'"
done
for f in /etc/sdesgate /usr/sbin/srtpd /usr/bin/srtpctl /usr/bin/srtp-pcap /usr/bin/sdes-sdp \
         "$MODDIR/sdes.so" /lib/systemd/system/srtpd.service /usr/share/doc/sdesgate "$DOC" \
         /etc/systemd/system/multi-user.target.wants/srtpd.service \
         /var/lib/systemd/deb-systemd-helper-enabled/srtpd.service.dsh-also; do
  check "purged: $f" test ! -e "$f"
done
check "kamailio left the group sdesgate" bash -c "! id -nG kamailio | grep -qw sdesgate"
# What Debian keeps on purge: the system user and group (files they own
# elsewhere must not fall to a reused id). The trap removes them here.
check "kept by policy: user srtpd, group sdesgate" bash -c "getent passwd srtpd >/dev/null && getent group sdesgate >/dev/null"
summary
