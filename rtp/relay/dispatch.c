/*
 * rtp/relay/dispatch.c — srtpd's control-command dispatch
 * (docs/protocol.md): command name to handler. ping, list, statistics and
 * events need no call; offer / answer / update (cmd_apply.c) may create
 * one; rekey (cmd_rekey.c), query, state (cmd_query.c) and delete
 * (calltable.c) act on an existing call.
 */
#include "relay/cmd.h"

#include <string.h>

#include "relay/calltable.h"

void relay_cmd_handle(void *arg, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    relay_daemon *d = arg;
    char cmd[32], call_id[RELAY_CALLID_MAX];
    if (!ctl_be_get_cstr(doc, req, "command", cmd, sizeof(cmd))) {
        relay_err(w, "command: missing or not a string");
        return;
    }
    if (!strcmp(cmd, "ping")) {
        ctl_benc_kv_int(w, "if-version", 1); /* understands if-version (cmd_apply.c) */
        ctl_benc_kv_cstr(w, "result", "pong");
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
    if (!strcmp(cmd, "events")) {
        relay_cmd_events(d, doc, req, w);
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
    if (!strcmp(cmd, "offer") || !strcmp(cmd, "answer") || !strcmp(cmd, "update")) {
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
