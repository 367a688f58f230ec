#!/bin/bash
# scripts/srtp-bench.sh — the SRTP benchmark of `make bench`:
#  1. build/srtp-bench: ours vs libsrtp2 (Debian's NSS build and the same
#     2.5.0 source built with --enable-openssl) in one run, packets/s and
#     ratios per suite, 160 and 1200 byte payloads, protect and unprotect;
#  2. callgrind, same packets: instructions per packet inside
#     bench_cg_region() (the timed loop only: no setup, no refill), ours vs
#     libsrtp2-openssl, for AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM at
#     160 bytes, next to the issue's targets (<= 5.8k and <= 3.6k).
# Environment: BUILD (default build), SRTP_BENCH_ARGS (extra srtp-bench
# arguments, e.g. "--seconds 1"), CG_PACKETS (default 5120).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
ossl_a=build/third_party/libsrtp2-openssl/lib/libsrtp2.a
if [ -f build/third_party/libsrtp2/configure ]; then
  bash scripts/build-libsrtp-openssl.sh
else
  echo "srtp-bench.sh: no libsrtp2 source (SDESGATE_WITH_LIBSRTP_SRC=1 scripts/deps.sh): OpenSSL baseline skipped" >&2
fi
targets="$B/srtp-bench $B/lib/bench_libsrtp_nss.so"
[ -f "$ossl_a" ] && targets="$targets $B/lib/bench_libsrtp_ossl.so"
make --no-print-directory -s BUILD="$B" $targets

# shellcheck disable=SC2086
"$B/srtp-bench" ${SRTP_BENCH_ARGS:-}

if ! command -v valgrind >/dev/null; then
  echo "srtp-bench.sh: valgrind not installed: no instruction counts" >&2
  exit 0
fi
n=${CG_PACKETS:-5120}
impls="ours"
[ -f "$B/lib/bench_libsrtp_ossl.so" ] && impls="$impls openssl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ir_per_packet() { # suite op impl
  local out="$tmp/cg.$1.$2.$3"
  valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
    --toggle-collect=bench_cg_region "$B/srtp-bench" --callgrind-one "$1" 160 "$3" "$2" \
    --packets "$n" >"$tmp/log" 2>&1 || { echo "srtp-bench.sh: callgrind run failed: $1 $2 $3" >&2; tail -3 "$tmp/log" >&2; echo 0; return; }
  local ir
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
  # The packets actually run (whole pools of 512).
  local pk
  pk=$(awk '/^packets/ {print $2}' "$tmp/log")
  awk -v ir="$ir" -v pk="$pk" 'BEGIN { printf "%.0f", ir / pk }'
}
echo "# callgrind: instructions per packet inside the timed loop, 160-byte payload, $n packets"
printf '%-24s %-9s %10s %18s %8s   %s\n' suite op ours libsrtp2-openssl ratio "target (ours)"
for suite in AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM; do
  target=5800; [ "$suite" = AEAD_AES_128_GCM ] && target=3600
  for op in protect unprotect; do
    o=$(ir_per_packet "$suite" "$op" ours)
    if [[ " $impls " == *" openssl "* ]]; then
      l=$(ir_per_packet "$suite" "$op" openssl)
      ratio=$(awk -v o="$o" -v l="$l" 'BEGIN { if (o > 0) printf "%.2fx", l / o; else print "-" }')
    else
      l=n/a; ratio=-
    fi
    verdict=$(awk -v o="$o" -v t="$target" 'BEGIN { print (o > 0 && o <= t) ? "met" : "NOT met" }')
    printf '%-24s %-9s %10s %18s %8s   <= %s: %s\n' "$suite" "$op" "$o" "$l" "$ratio" "$target" "$verdict"
  done
done
echo "# ratio = libsrtp2-openssl instructions / ours (higher: ours does less work)"
