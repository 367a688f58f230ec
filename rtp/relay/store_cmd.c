/*
 * rtp/relay/store_cmd.c — the `takeover` control command (docs/protocol.md,
 * docs/ha.md): a standby srtpd becomes active and rebuilds every call of
 * the store on its own media ports. What keepalived's notify script (or an
 * operator with `srtpctl takeover`) sends once the floating address is here.
 */
#include "relay/cmd.h"

#include <string.h>

#include "relay/store.h"

void relay_cmd_takeover(relay_daemon *d, ctl_benc *w)
{
    if (!relay_store_enabled()) {
        relay_err(w, "no store configured (redis)");
        return;
    }
    size_t before = d->ncalls;
    if (!relay_store_takeover(d, "takeover command")) {
        /* Already active: nothing to take; not an error for a notify
         * script that runs on every transition to MASTER. */
        ctl_benc_kv_int(w, "calls", (int64_t)d->ncalls);
        ctl_benc_kv_cstr(w, "result", "ok");
        ctl_benc_kv_cstr(w, "role", "active");
        return;
    }
    ctl_benc_kv_int(w, "calls", (int64_t)d->ncalls);
    ctl_benc_kv_int(w, "recovered", (int64_t)(d->ncalls - before));
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_kv_cstr(w, "role", "active");
}

bool relay_store_refuses(const char *cmd)
{
    return relay_store_standby() && (!strcmp(cmd, "offer") || !strcmp(cmd, "answer") ||
                                     !strcmp(cmd, "update") || !strcmp(cmd, "rekey"));
}
