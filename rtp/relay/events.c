/*
 * rtp/relay/events.c — srtpd's events and housekeeping: the bounded event
 * queue polled with the `events` command, the optional push to --notify,
 * and the once-a-second job on every worker that collects key events
 * (soft limit, automatic switch, exhaustion), per-leg drop counts for the
 * log, and calls whose media timed out (docs/protocol.md "Events").
 */
#include "relay/daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ctl/ng.h"
#include "relay/calltable.h"
#include "relay/log.h"

/* Push one event to --notify as an ng request {"command": "event", ...}
 * (signed like any request when a secret is set); fire and forget: the
 * event also stays in the queue for the `events` poll. */
static void relay_notify(relay_daemon *d, const relay_event *e)
{
    if (d->notify_fd < 0)
        return;
    char msg[2048], cookie[17], nonce[CTL_NONCE_HEX + 1];
    if (!ctl_random_hex(cookie, 8) || !ctl_random_hex(nonce, CTL_NONCE_HEX / 2))
        return;
    ctl_benc w;
    ctl_benc_init(&w, msg, sizeof(msg) - CTL_AUTH_OVERHEAD);
    ctl_benc_raw(&w, cookie, 16);
    ctl_benc_raw(&w, " ", 1);
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "event");
    ctl_benc_cstr(&w, "event");
    relay_event_write(&w, e);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w))
        return;
    size_t n = w.len;
    if (d->secret &&
        !ctl_auth_sign(d->secret, d->secret_len, msg, &n, sizeof(msg), (int64_t)time(NULL), nonce))
        return;
    if (send(d->notify_fd, msg, n, MSG_DONTWAIT) < 0)
        RELAY_LOG_LIMITED(RELAY_LOG_WARN, 5, "notify: send: %s", strerror(errno));
}

void relay_event_push(relay_daemon *d, const char *type, const char *call_id, int stream, int leg)
{
    if (d->ev_count == RELAY_EVENTS_MAX) {
        d->ev_head = (d->ev_head + 1) % RELAY_EVENTS_MAX;
        d->ev_count--;
        d->events_lost++;
    }
    relay_event *e = &d->events[(d->ev_head + d->ev_count) % RELAY_EVENTS_MAX];
    snprintf(e->type, sizeof(e->type), "%s", type);
    snprintf(e->call_id, sizeof(e->call_id), "%s", call_id);
    /* The call's dialog tags, so the SIP side can find its dialog (a
     * media-timeout is raised before the call is deleted). */
    const relay_call *c = relay_find(d, call_id);
    snprintf(e->from_tag, sizeof(e->from_tag), "%s", c ? c->from_tag : "");
    snprintf(e->to_tag, sizeof(e->to_tag), "%s", c ? c->to_tag : "");
    e->stream = stream;
    e->leg = leg;
    e->unix_time = (int64_t)time(NULL);
    e->seq = ++d->ev_seq;
    d->ev_count++;
    d->ops.events[relay_ops_event_index(type)]++;
    if (!strcmp(type, "key-switched"))
        d->ops.switches[RELAY_OPS_SW_LIFETIME]++;
    relay_log(RELAY_LOG_INFO, "event %s call %s stream %d leg %c", type, call_id, stream,
              leg < 0 ? '-' : "ab"[leg]);
    relay_notify(d, e);
}

void relay_event_write(ctl_benc *w, const relay_event *e)
{
    ctl_benc_dict(w);
    ctl_benc_kv_cstr(w, "call-id", e->call_id);
    if (e->from_tag[0])
        ctl_benc_kv_cstr(w, "from-tag", e->from_tag);
    if (e->leg >= 0)
        ctl_benc_kv_cstr(w, "leg", e->leg ? "b" : "a");
    ctl_benc_kv_int(w, "seq", (int64_t)e->seq);
    if (e->stream >= 0)
        ctl_benc_kv_int(w, "stream", e->stream);
    ctl_benc_kv_int(w, "time", e->unix_time);
    if (e->to_tag[0])
        ctl_benc_kv_cstr(w, "to-tag", e->to_tag);
    ctl_benc_kv_cstr(w, "type", e->type);
    ctl_benc_end(w);
}

/* ---- housekeeping ---- */

#define RELAY_HK_MAX 512

typedef struct relay_hk_item {
    relay_call *call;
    int stream, leg;
    uint32_t events;
    uint64_t drops[RELAY_DROP_COUNT]; /* new since the last report */
} relay_hk_item;

typedef struct relay_hk_job {
    int64_t timeout_ms;
    relay_hk_item ev[RELAY_HK_MAX];
    size_t nev;
    relay_call *idle[RELAY_HK_MAX];
    size_t nidle;
} relay_hk_job;

static void relay_job_hk(relay_worker *w, void *arg)
{
    relay_hk_job *j = arg;
    int64_t now = relay_now_ms();
    for (relay_stream *s = relay_worker_streams(w); s; s = s->wnext) {
        for (int l = 0; l < 2; l++) {
            relay_leg *g = &s->leg[l];
            bool dropped = memcmp(g->drop_logged, g->c.drop, sizeof(g->c.drop)) != 0;
            if ((g->events || dropped) && j->nev < RELAY_HK_MAX) {
                relay_hk_item *it = &j->ev[j->nev++];
                *it = (relay_hk_item){s->call, s->index, l, g->events, {0}};
                for (int d = 0; d < RELAY_DROP_COUNT; d++)
                    it->drops[d] = g->c.drop[d] - g->drop_logged[d];
                memcpy(g->drop_logged, g->c.drop, sizeof(g->c.drop));
                g->events = 0;
            }
        }
    }
    if (j->timeout_ms <= 0)
        return;
    /* A call is idle when none of its streams received anything for the
     * timeout (all streams of a call live on one worker). */
    for (relay_stream *s = relay_worker_streams(w); s; s = s->wnext) {
        relay_call *c = s->call;
        int64_t last = c->created_ms;
        for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
            const relay_stream *t = c->streams[i];
            if (!t)
                continue;
            for (int l = 0; l < 2; l++)
                if (t->leg[l].last_rx_ms > last)
                    last = t->leg[l].last_rx_ms;
        }
        if (now - last <= j->timeout_ms)
            continue;
        bool dup = false;
        for (size_t k = 0; k < j->nidle; k++)
            dup |= j->idle[k] == c;
        if (!dup && j->nidle < RELAY_HK_MAX)
            j->idle[j->nidle++] = c;
    }
}

void relay_housekeeping(relay_daemon *d)
{
    relay_hk_job *j = malloc(sizeof(*j));
    if (!j)
        return;
    for (int i = 0; i < d->nworkers; i++) {
        memset(j, 0, sizeof(*j));
        j->timeout_ms = (int64_t)d->cfg.media_timeout * 1000;
        relay_worker_run(d->workers[i], relay_job_hk, j);
        for (size_t k = 0; k < j->nev; k++) {
            const relay_hk_item *e = &j->ev[k];
            if (e->events & SG_EV_SOFT_LIMIT)
                relay_event_push(d, "soft-limit", e->call->id, e->stream, e->leg);
            if (e->events & SG_EV_KEY_SWITCHED)
                relay_event_push(d, "key-switched", e->call->id, e->stream, e->leg);
            if (e->events & SG_EV_EXHAUSTED)
                relay_event_push(d, "key-exhausted", e->call->id, e->stream, e->leg);
            /* Drops are logged here, once a second per leg at most and
             * rate-limited overall, never from the packet path. */
            char line[256];
            size_t off = 0;
            for (int r = 0; r < RELAY_DROP_COUNT && off < sizeof(line); r++)
                if (e->drops[r])
                    off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %llu",
                                            relay_drop_name((relay_drop)r),
                                            (unsigned long long)e->drops[r]);
            if (off)
                RELAY_LOG_LIMITED(RELAY_LOG_WARN, 20, "call %s stream %d leg %c dropped:%s",
                                  e->call->id, e->stream, "ab"[e->leg], line);
        }
        for (size_t k = 0; k < j->nidle; k++) {
            relay_call *c = j->idle[k];
            relay_event_push(d, "media-timeout", c->id, -1, -1);
            d->calls_timed_out++;
            relay_delete_call(d, c, NULL, "media timeout");
        }
    }
    free(j);
}
