#!/bin/bash
# scripts/check-layering.sh — every #include of our C sources points at a
# folder its own folder may use. The folders, lowest first:
#
#   rtp/srtp          the SRTP library          may include: srtp
#   rtp/crypto_attr   the a=crypto codec        may include: crypto_attr srtp
#   rtp/ctl           the control protocol      may include: ctl
#   rtp/relay         srtpd                     may include: relay ctl srtp
#   rtp/tools         srtpctl, srtp-pcap, ...   may include: rtp/*
#   modules/sdes/engine  the SDES engine        may include: engine rtp/*
#   modules/sdes/call    sdes.so's call logic   may include: call engine rtp/*
#   modules/sdes/tools   sdes-sdp, sdes-bench   may include: engine rtp/*
#   modules/sdes (*.c, *.h at its top)  the Kamailio glue
#                                   may include: glue call engine rtp/* Kamailio
#   tests/            the tests                 may include: anything but
#                                               the glue and Kamailio
#
# So rtp/ never includes modules/, only the glue includes Kamailio's headers
# (core/..., modules/..., lib/...; any "../" climb is refused too), and the
# engine includes neither the call logic nor the glue. The include path of
# each folder (Makefile: INC) already keeps rtp/ from seeing modules/; this
# check also holds the lines the compiler cannot see.
#
# Usage: scripts/check-layering.sh [FILE...]  (default: every tracked or
# present *.c/*.h under rtp/ modules/ tests/). One line per violation, then
# "layering: N passed, M failed" (one per file); exit 1 when M > 0.
set -u
cd "$(dirname "$0")/.." || exit 2

# The generated headers (Makefile: VERSION_H), includable by anyone.
GENERATED=" sdesgate_version.h "

layer_of() { # PATH -> the layer name of one of our files
  case "$1" in
    rtp/*/*) local d=${1#rtp/}; echo "rtp:${d%%/*}" ;;
    modules/sdes/engine/*) echo engine ;;
    modules/sdes/call/*) echo call ;;
    modules/sdes/tools/*) echo sdes-tools ;;
    modules/sdes/*/*) echo "unknown" ;;
    modules/sdes/*) echo glue ;;
    tests/*) echo tests ;;
    *) echo unknown ;;
  esac
}

allowed() { # FROM-LAYER TO-LAYER -> 0 when FROM may include TO
  local from=$1 to=$2
  [ "$to" = generated ] && return 0
  [ "$from" = "$to" ] && return 0
  case "$from:$to" in
    rtp:crypto_attr:rtp:srtp) return 0 ;;
    rtp:relay:rtp:ctl | rtp:relay:rtp:srtp) return 0 ;;
    rtp:tools:rtp:*) return 0 ;;
    engine:rtp:*) return 0 ;;
    call:rtp:* | call:engine) return 0 ;;
    sdes-tools:rtp:* | sdes-tools:engine) return 0 ;;
    glue:rtp:* | glue:engine | glue:call | glue:kamailio) return 0 ;;
    tests:kamailio | tests:glue | tests:unknown) return 1 ;;
    tests:*) return 0 ;;
  esac
  return 1
}

target_of() { # FILE INCLUDE -> the layer the include names
  local file=$1 inc=$2 dir
  dir=$(dirname "$file")
  case "$inc" in
    ../* | */../*) echo climb; return ;;
  esac
  if [ -e "$dir/$inc" ]; then layer_of "$dir/$inc"; return; fi
  if [ -e "rtp/$inc" ]; then layer_of "rtp/$inc"; return; fi
  if [ -e "modules/$inc" ]; then layer_of "modules/$inc"; return; fi
  case "$inc" in
    tests/*) [ -e "$inc" ] && { echo tests; return; } ;;
  esac
  case "$GENERATED" in *" $inc "*) echo generated; return ;; esac
  case "$inc" in
    core/* | modules/* | lib/* | parser/* | mem/*) echo kamailio; return ;;
  esac
  echo missing
}

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <( { git ls-files -- 'rtp/*.[ch]' 'modules/*.[ch]' 'tests/*.[ch]' 2>/dev/null
                          find rtp modules tests -name '*.[ch]' 2>/dev/null; } | sort -u)
fi

pass=0; fail=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  from=$(layer_of "$f")
  bad=0
  if [ "$from" = unknown ]; then
    echo "$f: a folder the layering does not know (add it to scripts/check-layering.sh)"
    bad=1
  fi
  # "name" includes are ours (or Kamailio's); <name> ones are the system's,
  # except Kamailio's folders written with angle brackets.
  while IFS=: read -r line text; do
    inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([^">]*)[">].*/\1/' <<<"$text")
    if [[ $text =~ \<[^\>]*\> ]]; then
      case "$inc" in
        core/* | parser/* | mem/* | modules/* | lib/*) to=kamailio ;;
        *) continue ;;
      esac
    else
      to=$(target_of "$f" "$inc")
    fi
    if [ "$to" = missing ] || [ "$to" = climb ] || ! allowed "$from" "$to"; then
      echo "$f:$line: #include \"$inc\": $from may not include $to"
      bad=1
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' "$f")
  if [ $bad = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "layering: $pass passed, $fail failed"
[ $fail = 0 ]
