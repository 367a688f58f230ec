#!/bin/bash
# scripts/deps.sh — install every Debian package sdesgate uses and unpack the
# Kamailio 5.6.3 sources (and, for `make bench`, the libsrtp2 sources).
# Idempotent: a second run with everything present does nothing but check.
# Waits for the apt lock instead of failing (another apt may be running).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
third="$here/build/third_party"
stamp="$third/.deps-ok"

# libsystemd-dev: srtpd's sd_notify. debhelper, lintian, systemd
# (systemd-analyze) and man-db: the package test, tests/pkg/pkg-install.sh.
PKGS="build-essential pkg-config libssl-dev libsrtp2-dev libosip2-dev libpcap-dev
      kamailio kamailio-tls-modules openssl sip-tester rtpengine-daemon clang clang-format
      libclang-rt-14-dev dpkg-dev
      python3 iproute2 procps psmisc valgrind liburing-dev libsystemd-dev
      baresip-core linphone-cli debhelper lintian systemd man-db
      libmicrohttpd-dev libhiredis-dev redis-server prometheus nftables
      kamailio-lua-modules kamailio-python3-modules"

APT="apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3"
export DEBIAN_FRONTEND=noninteractive

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing() {
  local p out=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out="$out $p"
  done
  echo "$out"
}

ensure_deb_src() {
  # Debian ships no Kamailio headers: the sources come from a deb-src entry
  # mirroring the existing deb entry (same archive, same keyring).
  local f=/etc/apt/sources.list.d/sdesgate-src.sources
  [ -f "$f" ] && return 1
  local uri
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  as_root tee "$f" >/dev/null <<SRC
Types: deb-src
URIs: $uri
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  return 0
}

updated=0
need=$(missing)
ensure_deb_src || true
if [ -n "$need" ] || ! apt-cache showsrc kamailio 2>/dev/null | grep -q '^Package: kamailio'; then
  echo "deps: apt-get update" >&2
  as_root $APT update -qq
  updated=1
fi
if [ -n "$need" ]; then
  echo "deps: installing$need" >&2
  # rtpengine-daemon and kamailio would start system services listening on
  # every interface; keep them stopped: tests start their own instances.
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d'
  as_root $APT install -y -qq --no-install-recommends $need >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$third"
unpack_src() { # $1 package, $2 version glob, $3 target dir
  local pkg=$1 dir=$3
  [ -d "$dir" ] && return 0
  local tmp="$third/src-$pkg"
  rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$tmp" && $APT source --download-only "$pkg" >/dev/null 2>&1) || {
    [ $updated = 1 ] || as_root $APT update -qq
    (cd "$tmp" && $APT source --download-only "$pkg" >/dev/null)
  }
  local dsc
  dsc=$(ls "$tmp"/*.dsc | head -1)
  dpkg-source --no-check -x "$dsc" "$dir.tmp" >/dev/null
  mv "$dir.tmp" "$dir"
  rm -rf "$tmp" "$third"/*.orig.tar.* "$third"/*.debian.tar.* "$third"/*.dsc
}
unpack_src kamailio 5.6.3 "$third/kamailio"
[ -f "$third/kamailio/src/config.mak" ] || make -s -C "$third/kamailio" cfg >/dev/null 2>&1 || true
if [ "${SDESGATE_WITH_LIBSRTP_SRC:-0}" = 1 ]; then
  unpack_src libsrtp2 2.5 "$third/libsrtp2"
fi
touch "$stamp"
echo "deps: ok" >&2
