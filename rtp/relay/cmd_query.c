/*
 * rtp/relay/cmd_query.c — the read-only commands (docs/protocol.md):
 * query (one call's per-stream statistics), state (what a restarted SIP
 * side needs), list, statistics and events (the queue events.c fills).
 */
#include "relay/store.h"
#include "relay/cmd.h"

#include <string.h>

#include "relay/calltable.h"
#include "relay/snapshot.h"

void relay_cmd_query(relay_daemon *d, ctl_benc *w, relay_call *call)
{
    ctl_benc_kv_cstr(w, "call-id", call->id);
    ctl_benc_kv_int(w, "created-ms-ago", relay_now_ms() - call->created_ms);
    ctl_benc_kv_cstr(w, "result", "ok");
    relay_call_snaps(d, call, false, w, NULL, NULL);
}

/* state: what a restarted SIP side needs to continue the call — its own
 * sdes-state (absent when none was stored) and the local side of every
 * stream, as offer/answer return it. Only over the control channel, which
 * is local or authenticated (docs/protocol.md "Authentication"). */
void relay_cmd_state(relay_daemon *d, ctl_benc *w, relay_call *call)
{
    ctl_benc_kv_cstr(w, "call-id", call->id);
    ctl_benc_kv_int(w, "created-ms-ago", relay_now_ms() - call->created_ms);
    ctl_benc_kv_cstr(w, "result", "ok");
    if (call->sdes_state)
        ctl_benc_kv_str(w, "sdes-state", call->sdes_state, call->sdes_state_len);
    ctl_benc_kv_int(w, "sdes-version", (int64_t)call->sdes_version);
    relay_write_streams(d, w, call);
}

void relay_write_conflict(relay_daemon *d, ctl_benc *w, const relay_call *call)
{
    relay_err(w, call ? "sdes-state changed" : "unknown call-id");
    ctl_benc_kv_int(w, "conflict", 1);
    if (!call)
        return;
    ctl_benc_kv_cstr(w, "call-id", call->id);
    if (call->sdes_state)
        ctl_benc_kv_str(w, "sdes-state", call->sdes_state, call->sdes_state_len);
    ctl_benc_kv_int(w, "sdes-version", (int64_t)call->sdes_version);
    relay_write_streams(d, w, call);
}

void relay_cmd_list(relay_daemon *d, ctl_benc *w)
{
    ctl_benc_cstr(w, "calls");
    ctl_benc_list(w);
    int64_t now = relay_now_ms();
    for (relay_call *c = d->calls; c; c = c->next) {
        ctl_benc_dict(w);
        ctl_benc_kv_int(w, "age-ms", now - c->created_ms);
        ctl_benc_kv_cstr(w, "call-id", c->id);
        ctl_benc_cstr(w, "streams");
        ctl_benc_list(w);
        for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
            const relay_stream *s = c->streams[i];
            if (!s)
                continue;
            /* Transport and suites are written only by jobs this thread
             * waited for; reading them here is race-free. */
            ctl_benc_dict(w);
            for (int l = 0; l < 2; l++) {
                const relay_leg *g = &s->leg[l];
                ctl_benc_cstr(w, l ? "b" : "a");
                ctl_benc_dict(w);
                ctl_benc_kv_cstr(w, "interface", d->ifaces.list[g->iface].name);
                ctl_benc_kv_int(w, "port", g->rtp.port);
                if (g->rx)
                    ctl_benc_kv_cstr(w, "recv-suite", g->rx_suite->name);
                if (g->tx)
                    ctl_benc_kv_cstr(w, "send-suite", g->tx_suite->name);
                ctl_benc_kv_cstr(w, "transport", g->srtp ? "SRTP" : "RTP");
                ctl_benc_end(w);
            }
            ctl_benc_kv_int(w, "index", s->index);
            ctl_benc_end(w);
        }
        ctl_benc_end(w);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_kv_cstr(w, "result", "ok");
}

void relay_cmd_statistics(relay_daemon *d, ctl_benc *w)
{
    relay_counters all = d->closed;
    size_t streams = 0;
    ctl_benc_cstr(w, "workers");
    ctl_benc_list(w);
    for (int i = 0; i < d->nworkers; i++) {
        relay_worker_tally j;
        relay_worker_run(d->workers[i], relay_job_tally, &j);
        relay_counters_add(&all, &j.c);
        streams += j.streams;
        ctl_benc_dict(w);
        ctl_benc_kv_int(w, "batches", (int64_t)j.t.batches);
        ctl_benc_kv_int(w, "drops", (int64_t)j.t.drops);
        ctl_benc_kv_int(w, "gso-sends", (int64_t)j.t.gso_sends);
        ctl_benc_kv_int(w, "packets-in", (int64_t)j.t.packets_in);
        ctl_benc_kv_int(w, "packets-out", (int64_t)j.t.packets_out);
        ctl_benc_kv_int(w, "streams", (int64_t)j.streams);
        ctl_benc_kv_int(w, "wakeups", (int64_t)j.t.wakeups);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "calls", (int64_t)d->ncalls);
    ctl_benc_kv_int(w, "calls-created", (int64_t)d->calls_created);
    ctl_benc_kv_int(w, "calls-deleted", (int64_t)d->calls_deleted);
    ctl_benc_kv_int(w, "calls-timed-out", (int64_t)d->calls_timed_out);
    ctl_benc_kv_int(w, "events-lost", (int64_t)d->events_lost);
    ctl_benc_kv_int(w, "events-queued", (int64_t)d->ev_count);
    ctl_benc_cstr(w, "media");
    ctl_benc_dict(w);
    relay_counters_write(w, &all);
    ctl_benc_end(w);
    ctl_benc_kv_cstr(w, "result", "ok");
    relay_store_stats(w);
    ctl_benc_kv_int(w, "streams", (int64_t)streams);
    ctl_benc_kv_int(w, "uptime-ms", relay_now_ms() - d->start_ms);
}

void relay_cmd_events(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    int64_t max = 100;
    if (ctl_be_get(doc, req, "max") &&
        (!ctl_be_get_int(doc, req, "max", &max) || max < 1 || max > 500)) {
        relay_err(w, "max: want 1..500");
        return;
    }
    ctl_benc_cstr(w, "events");
    ctl_benc_list(w);
    for (int64_t i = 0; i < max && d->ev_count; i++) {
        /* Only what surely fits one datagram leaves the queue (a Call-ID
         * of 255 bytes and two tags of 127 make an event ~600 bytes); the
         * rest stays "pending" for the next poll instead of being lost in
         * a reply too large to send. */
        if (w->cap - w->len < RELAY_EVENT_WIRE_MAX + 256)
            break;
        relay_event_write(w, &d->events[d->ev_head]);
        d->ev_head = (d->ev_head + 1) % RELAY_EVENTS_MAX;
        d->ev_count--;
    }
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "lost", (int64_t)d->events_lost);
    ctl_benc_kv_int(w, "pending", (int64_t)d->ev_count);
    ctl_benc_kv_cstr(w, "result", "ok");
}
