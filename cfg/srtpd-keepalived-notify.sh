#!/bin/sh
# keepalived notify script for srtpd (cfg/keepalived-srtpd.conf,
# docs/ha.md): when this host becomes MASTER (the floating media address is
# here now) the local srtpd takes every call of the store over. BACKUP and
# FAULT only log: a standby srtpd has nothing to release, and an active one
# that lost the address is being replaced (do not run two active relays on
# one redis-prefix: stop or restart it as standby).
#
# SRTPCTL_SOCKET / SRTPCTL_SECRET_FILE select the control socket and secret
# (srtpctl's defaults: unix:/run/srtpd/srtpd.sock).
set -u
state="${1:-}"
srtpctl="${SRTPCTL:-/usr/bin/srtpctl}"
set -- --timeout 2000
[ -n "${SRTPCTL_SECRET_FILE:-}" ] && set -- "$@" --secret-file "$SRTPCTL_SECRET_FILE"
case "$state" in
MASTER)
    # Retried: srtpd may still be starting when keepalived moves the address.
    for i in 1 2 3 4 5; do
        if out=$("$srtpctl" "$@" takeover 2>&1); then
            logger -t srtpd-keepalived "MASTER: $out"
            exit 0
        fi
        sleep 1
    done
    logger -t srtpd-keepalived "MASTER: srtpctl takeover failed: $out"
    exit 1
    ;;
BACKUP | FAULT)
    logger -t srtpd-keepalived "$state: the floating address left this host"
    ;;
*)
    echo "usage: $0 MASTER|BACKUP|FAULT" >&2
    exit 2
    ;;
esac
