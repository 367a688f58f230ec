/*
 * rtp/relay/dispatch.c — srtpd's control-command dispatch
 * (docs/protocol.md): command name to handler, each request counted by
 * command and result (relay/opstats.h). ping, list, statistics, events
 * and log-level need no call; offer / answer / update (cmd_apply.c) may create
 * one; rekey (cmd_rekey.c), query, state (cmd_query.c) and delete
 * (calltable.c) act on an existing call.
 */
#include "relay/cmd.h"

#include <string.h>

#include "relay/calltable.h"
#include "relay/log.h"
#include "relay/ops.h"
#include "relay/store.h"

static void relay_dispatch(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w,
                           const char *cmd)
{
    char call_id[RELAY_CALLID_MAX];
    if (!strcmp(cmd, "ping")) {
        if (d->draining) /* so the SIP side's health pings see it */
            ctl_benc_kv_int(w, "draining", 1);
        ctl_benc_kv_int(w, "if-version", 1); /* understands if-version (cmd_apply.c) */
        ctl_benc_kv_cstr(w, "result", "pong");
        return;
    }
    if (!strcmp(cmd, "drain")) {
        relay_cmd_drain(d, doc, req, w);
        return;
    }
    if (!strcmp(cmd, "reload")) {
        relay_cmd_reload(d, w);
        return;
    }
    if (!strcmp(cmd, "list")) {
        relay_cmd_list(d, w);
        return;
    }
    if (!strcmp(cmd, "statistics")) {
        relay_cmd_statistics(d, w);
        return;
    }
    if (!strcmp(cmd, "takeover")) {
        relay_cmd_takeover(d, w);
        return;
    }
    if (!strcmp(cmd, "events")) {
        relay_cmd_events(d, doc, req, w);
        return;
    }
    if (!strcmp(cmd, "log-level")) {
        relay_cmd_log_level(d, doc, req, w);
        return;
    }
    bool known = !strcmp(cmd, "offer") || !strcmp(cmd, "answer") || !strcmp(cmd, "update") ||
                 !strcmp(cmd, "rekey") || !strcmp(cmd, "delete") || !strcmp(cmd, "query") ||
                 !strcmp(cmd, "state");
    if (!known) {
        relay_err(w, "unknown command");
        return;
    }
    if (!ctl_be_get_cstr(doc, req, "call-id", call_id, sizeof(call_id)) || !call_id[0]) {
        relay_err(w, "call-id: missing, empty, too long or not a string");
        return;
    }
    if (relay_store_refuses(cmd)) {
        relay_err(w, "standby relay: no calls until takeover");
        return;
    }
    if (!strcmp(cmd, "offer") || !strcmp(cmd, "answer") || !strcmp(cmd, "update")) {
        if (d->draining && !strcmp(cmd, "offer") && !relay_find(d, call_id)) {
            relay_err(w, RELAY_DRAINING_REASON);
            return;
        }
        relay_cmd_apply(d, doc, req, w, cmd, call_id);
        return;
    }
    relay_call *call = relay_find(d, call_id);
    if (!call) {
        relay_err(w, "unknown call-id");
        return;
    }
    if (!strcmp(cmd, "rekey"))
        relay_cmd_rekey(d, doc, req, w, call);
    else if (!strcmp(cmd, "query"))
        relay_cmd_query(d, w, call);
    else if (!strcmp(cmd, "state"))
        relay_cmd_state(d, w, call);
    else {
        ctl_benc_kv_cstr(w, "call-id", call_id);
        ctl_benc_kv_cstr(w, "result", "ok");
        relay_delete_call(d, call, w, "deleted");
    }
}

void relay_cmd_handle(void *arg, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    relay_daemon *d = arg;
    char cmd[32];
    uint64_t errs = relay_err_count;
    /* The last offer's attach (relay_worker_defer) is done before any
     * request looks at the call table. */
    relay_workers_settle();
    if (!ctl_be_get_cstr(doc, req, "command", cmd, sizeof(cmd))) {
        relay_err(w, "command: missing or not a string");
        cmd[0] = 0;
    } else {
        relay_dispatch(d, doc, req, w, cmd);
    }
    bool err = relay_err_count != errs;
    d->ops.requests[relay_ops_cmd_index(cmd)][err]++;
    if (relay_log_on(RELAY_LOG_DEBUG)) {
        /* Names only: requests carry keys, which never reach the log. */
        char cid[RELAY_CALLID_MAX] = "";
        if (!ctl_be_get_cstr(doc, req, "call-id", cid, sizeof(cid)))
            cid[0] = 0;
        relay_log(RELAY_LOG_DEBUG, "control: %s%s%s: %s", cmd[0] ? cmd : "(no command)",
                  cid[0] ? " call " : "", cid, err ? "error" : "ok");
    }
    relay_log_flush(); /* before the reply (log.h) */
}
