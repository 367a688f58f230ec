#!/bin/bash
# scripts/kamailio-flags.sh — the one place that knows how to compile a module
# that Debian's Kamailio loads.
#
# Kamailio refuses a module whose MODULE_VERSION strings (version and the
# compile-flags list, core/sr_module.h) differ from the core's
# (ksr_version_control() in core/sr_module.c). So every define comes from the
# tree Debian built from (src/config.mak, written by `make -C TREE cfg`):
# C_DEFS plus CC_PMUTEX_OPTS, which carries -DKSR_PTHREAD_MUTEX_SHARED outside
# C_DEFS (it becomes the TLS_PTHREAD_MUTEX_SHARED flag). The release in
# config.mak is checked against the installed `kamailio -V`, so an upgrade of
# one without the other fails here with a clear message instead of at load.
#
# Usage: kamailio-flags.sh [TREE]        prints compiler flags (one line)
#        kamailio-flags.sh --check [TREE] checks version and flags, prints them
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
here=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:-$here/build/third_party/kamailio}
mak=$tree/src/config.mak
if [ ! -f "$mak" ]; then
  if [ -f "$tree/src/Makefile" ]; then
    make -s -C "$tree" cfg >/dev/null 2>&1 || true
  fi
fi
if [ ! -f "$mak" ]; then
  echo "kamailio-flags: $mak missing: run 'make deps' (scripts/deps.sh) first" >&2
  exit 1
fi

mak_var() { # the value of VAR= in config.mak (first assignment)
  sed -n "s/^$1= *//p" "$mak" | head -1
}
release=$(mak_var RELEASE)
defs=$(mak_var C_DEFS)
pmutex=$(mak_var CC_PMUTEX_OPTS)

if command -v kamailio >/dev/null 2>&1; then
  kv=$(kamailio -V 2>/dev/null | sed -n 's/^version: kamailio \([0-9.]*\) .*/\1/p')
  if [ -n "$kv" ] && [ "$kv" != "$release" ]; then
    echo "kamailio-flags: installed kamailio is $kv but $tree is $release;" \
         "remove $tree and run 'make deps'" >&2
    exit 1
  fi
fi

# Path defines (CFG_DIR, RUN_DIR...) are the tree's /usr/local defaults; no
# module code uses them and they are not part of the flags string, so drop them.
out=""
for w in $defs $pmutex; do
  case $w in
    -DCFG_DIR=*|-DSHARE_DIR=*|-DRUN_DIR=*) ;;
    *) out="$out $w" ;;
  esac
done
out="$out -DMOD_NAME='\"sdes\"'"

if [ $check = 1 ] && command -v kamailio >/dev/null 2>&1; then
  # Every item of `kamailio -V`'s flags line must come from a define we pass.
  flags=$(kamailio -V 2>/dev/null | sed -n 's/^flags: //p' | tr ',' '\n' | sed 's/^ *//')
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    case $f in
      TLS_PTHREAD_MUTEX_SHARED) d=KSR_PTHREAD_MUTEX_SHARED ;;
      FAST_LOCK-ADAPTIVE_WAIT) d=ADAPTIVE_WAIT ;;
      *) d=$f ;;
    esac
    case " $out " in
      *" -D$d "*|*" -D$d="*) ;;
      *) echo "kamailio-flags: 'kamailio -V' has flag $f but config.mak gives no -D$d" >&2; exit 1 ;;
    esac
  done <<<"$flags"
fi
echo "${out# }"
