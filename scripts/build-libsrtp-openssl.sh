#!/bin/bash
# scripts/build-libsrtp-openssl.sh — build Debian's libsrtp2 2.5.0 source
# (unpacked by scripts/deps.sh with SDESGATE_WITH_LIBSRTP_SRC=1 into
# build/third_party/libsrtp2) a second time, with --enable-openssl, into
# build/third_party/libsrtp2-openssl. srtp-bench uses it as the "fastest
# libsrtp2" baseline next to Debian's NSS build.
#
# The static archive is compiled with -fPIC so it can be linked into a shared
# object (build/lib/bench_libsrtp_ossl.so) whose only exported symbol is the
# benchmark driver: both libsrtp2 builds export the same srtp_* names, and
# this keeps them apart inside one srtp-bench process.
# Idempotent: does nothing when the archive is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/build/third_party/libsrtp2"
dst="$here/build/third_party/libsrtp2-openssl"
if [ -f "$dst/lib/libsrtp2.a" ]; then
  exit 0
fi
if [ ! -f "$src/configure" ]; then
  echo "build-libsrtp-openssl: no libsrtp2 source in $src (run SDESGATE_WITH_LIBSRTP_SRC=1 scripts/deps.sh)" >&2
  exit 1
fi
work="$here/build/third_party/libsrtp2-openssl.build"
rm -rf "$work" "$dst.tmp"
cp -a "$src" "$work"
cd "$work"
# -O2 as Debian builds the package, so only the crypto backend differs.
CFLAGS="-O2 -g -fPIC" ./configure --enable-openssl --prefix="$dst.tmp" >build.log 2>&1 || {
  echo "build-libsrtp-openssl: configure failed, see $work/build.log" >&2; exit 1; }
make -j2 libsrtp2.a >>build.log 2>&1 || {
  echo "build-libsrtp-openssl: make failed, see $work/build.log" >&2; exit 1; }
mkdir -p "$dst.tmp/lib" "$dst.tmp/include/srtp2"
cp libsrtp2.a "$dst.tmp/lib/"
cp include/srtp.h crypto/include/auth.h crypto/include/cipher.h crypto/include/crypto_types.h \
   "$dst.tmp/include/srtp2/"
grep -q '^#define OPENSSL 1' crypto/include/config.h 2>/dev/null || grep -q 'OPENSSL 1' config.h 2>/dev/null || {
  echo "build-libsrtp-openssl: configure did not enable OpenSSL" >&2; exit 1; }
mv "$dst.tmp" "$dst"
rm -rf "$work"
echo "build-libsrtp-openssl: built $dst/lib/libsrtp2.a" >&2
