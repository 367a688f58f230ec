/*
 * rtp/relay/calltable.c — srtpd's call table: finding a call by id (a
 * keyed hash table, ctl/htab.h) and the list of all calls, creating a
 * stream (its sockets from the port range) and closing it, taking a
 * call's snapshots on its worker, and deleting a call (detach, final
 * statistics and audit line, wipe) one at a time or all at shutdown.
 */
#include "relay/calltable.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay/log.h"
#include "relay/snapshot.h"
#include "relay/store.h"
#include "relay/switch.h"

bool relay_calls_init(relay_daemon *d)
{
    d->snap = malloc(RELAY_MAX_STREAMS * sizeof(*d->snap));
    return d->snap && ctl_htab_init(&d->calltab, 1024);
}

void relay_calls_free(relay_daemon *d)
{
    ctl_htab_free(&d->calltab);
    free(d->snap);
    d->snap = NULL;
}

static relay_call *relay_call_of(const ctl_hnode *n)
{
    return (relay_call *)((char *)n - offsetof(relay_call, hnode));
}

static bool relay_call_eq(const ctl_hnode *n, const void *id)
{
    return !strcmp(relay_call_of(n)->id, id);
}

relay_call *relay_find(relay_daemon *d, const char *id)
{
    uint64_t h = ctl_htab_hash(&d->calltab, id, strlen(id));
    ctl_hnode *n = ctl_htab_find(&d->calltab, h, relay_call_eq, id);
    return n ? relay_call_of(n) : NULL;
}

void relay_link(relay_daemon *d, relay_call *call)
{
    ctl_htab_insert(&d->calltab, &call->hnode,
                    ctl_htab_hash(&d->calltab, call->id, strlen(call->id)));
    call->prev = NULL;
    call->next = d->calls;
    if (d->calls)
        d->calls->prev = call;
    d->calls = call;
    d->ncalls++;
}

void relay_unlink(relay_daemon *d, relay_call *call)
{
    if (!ctl_htab_remove(&d->calltab, &call->hnode))
        return; /* not in the table */
    if (call->prev)
        call->prev->next = call->next;
    else
        d->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    call->prev = call->next = NULL;
    d->ncalls--;
}

void relay_stream_close(relay_stream *s)
{
    for (int l = 0; l < 2; l++) {
        relay_leg *g = &s->leg[l];
        /* Only sockets still in this thread's table: an attached one
         * was closed by its worker at detach (worker_fds.c). */
        relay_sock *socks[3] = {&g->rtp, &g->rtcp, &g->twin};
        for (int k = 0; k < 3; k++)
            if (socks[k]->fd >= 0 && !socks[k]->on_worker)
                close(socks[k]->fd);
        sg_srtp_ctx_free(g->rx);
        sg_srtp_ctx_free(g->rx_prev);
        sg_srtp_ctx_free(g->tx);
    }
    free(s);
}

relay_stream *relay_stream_new(relay_daemon *d, relay_call *call, int index,
                               const relay_leg_update *u, char *why, size_t whylen)
{
    relay_stream *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    s->call = call;
    s->index = index;
    s->worker = call->worker;
    for (int l = 0; l < 2; l++) {
        relay_leg *g = &s->leg[l];
        g->rtp.fd = g->rtcp.fd = g->twin.fd = -1;
        g->rtp.stream = g->rtcp.stream = g->twin.stream = s;
        g->rtp.leg = g->rtcp.leg = g->twin.leg = (uint8_t)l;
        g->twin.twin = 1;
        g->rtcp.rtcp = 1;
        g->strict_source = d->cfg.strict_source;
        g->family = u[l].family;
        g->iface = u[l].iface; /* checked by relay_legs_iface() */
        const relay_iface_addr *ia = &d->ifaces.list[g->iface].fam[relay_fam_idx(g->family)];
        const struct sockaddr_storage *bind_addr = &ia->bind;
        if (!ia->set) {
            snprintf(why, whylen, "no %s media interface configured",
                     g->family == AF_INET6 ? "IPv6 (--interface6)" : "IPv4");
            relay_stream_close(s);
            return NULL;
        }
        /* A leg that starts with rtcp-mux takes one port (RFC 5761); one
         * that leaves it later gets its RTCP port then (cmd_apply.c). */
        bool mux = u[l].has_mux && u[l].mux;
        if (mux ? relay_ports_alloc_one(&d->ports, bind_addr, &g->rtp.fd, &g->rtp.port) != 0
                : relay_ports_alloc(&d->ports, bind_addr, &g->rtp.fd, &g->rtcp.fd, &g->rtp.port) !=
                      0) {
            const char *short_of = relay_ports_shortage(errno);
            if (short_of)
                snprintf(why, whylen, "%s", short_of);
            else
                snprintf(why, whylen, "no free media port%s in %d..%d", mux ? "" : " pair",
                         d->cfg.port_min, d->cfg.port_max);
            relay_log(RELAY_LOG_ERR, "call %s: port allocation failed: %s", call->id,
                      strerror(errno));
            relay_stream_close(s);
            return NULL;
        }
        g->rtcp.port = mux ? g->rtp.port : (uint16_t)(g->rtp.port + 1);
        g->twin.port = g->rtp.port;
    }
    return s;
}

void relay_job_snap(relay_worker *w, void *arg)
{
    relay_snap_job *j = arg;
    if (j->snap)
        relay_snap_take(j->s, j->snap);
    if (j->detach)
        relay_worker_detach(w, j->s);
}

/* Every stream of a call on one worker, in one job: a job's round trip
 * (the worker's wake-up, the control thread's sleep and wake-up) costs
 * more than the snapshots themselves, so a two-stream call's delete is one
 * round trip, not two. */
typedef struct relay_snaps_job {
    relay_stream *s[RELAY_MAX_STREAMS];
    relay_stream_snap *snap[RELAY_MAX_STREAMS];
    int n;
    bool detach;
} relay_snaps_job;

static void relay_job_snaps(relay_worker *w, void *arg)
{
    relay_snaps_job *j = arg;
    for (int k = 0; k < j->n; k++) {
        relay_snap_job one = {.s = j->s[k], .snap = j->snap[k], .detach = j->detach};
        relay_job_snap(w, &one);
    }
}

void relay_call_snaps(relay_daemon *d, relay_call *call, bool detach, ctl_benc *w,
                      relay_snap_each_fn each, const void *arg)
{
    if (w) {
        ctl_benc_cstr(w, "streams");
        ctl_benc_list(w);
    }
    /* d->snap[i] is stream i's. Every stream of a call is on call->worker
     * (relay_stream_new), as cmd_apply.c's one job per request also uses. */
    relay_snaps_job j = {.detach = detach};
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        if (!call->streams[i])
            continue;
        j.s[j.n] = call->streams[i];
        j.snap[j.n++] = &d->snap[i];
    }
    if (j.n)
        relay_worker_run(d->workers[call->worker], relay_job_snaps, &j);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        relay_stream *s = call->streams[i];
        if (!s)
            continue;
        if (w)
            relay_snap_write(w, &d->snap[i]);
        if (each)
            each(d, call, s, &d->snap[i], arg);
    }
    if (w)
        ctl_benc_end(w);
}

/* The final statistics of a stream going away: into the totals of closed
 * calls and the audit line. */
static void relay_delete_audit(relay_daemon *d, relay_call *call, const relay_stream *s,
                               const relay_stream_snap *snap, const void *why)
{
    relay_counters_add(&d->closed, &snap->leg[0].c);
    relay_counters_add(&d->closed, &snap->leg[1].c);
    relay_log(RELAY_LOG_INFO,
              "call %s stream %d %s: a %s rtp-in %llu auth %llu replay %llu mki %llu, "
              "b %s rtp-in %llu auth %llu replay %llu mki %llu",
              call->id, s->index, (const char *)why, snap->leg[0].srtp ? "SRTP" : "RTP",
              (unsigned long long)snap->leg[0].c.rtp_in,
              (unsigned long long)snap->leg[0].c.drop[RELAY_DROP_AUTH],
              (unsigned long long)snap->leg[0].c.drop[RELAY_DROP_REPLAY],
              (unsigned long long)snap->leg[0].c.drop[RELAY_DROP_UNKNOWN_MKI],
              snap->leg[1].srtp ? "SRTP" : "RTP", (unsigned long long)snap->leg[1].c.rtp_in,
              (unsigned long long)snap->leg[1].c.drop[RELAY_DROP_AUTH],
              (unsigned long long)snap->leg[1].c.drop[RELAY_DROP_REPLAY],
              (unsigned long long)snap->leg[1].c.drop[RELAY_DROP_UNKNOWN_MKI]);
}

void relay_delete_call(relay_daemon *d, relay_call *call, ctl_benc *w, const char *why)
{
    relay_call_snaps(d, call, true, w, relay_delete_audit, why);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        if (call->streams[i])
            relay_stream_close(call->streams[i]);
        call->streams[i] = NULL;
    }
    relay_unlink(d, call);
    relay_switch_drop_all(call);
    d->calls_deleted++;
    relay_call_set_state(call, NULL, 0); /* wipes the SIP side's state */
    relay_store_gone(d, call, why);
    free(call);
}

void relay_delete_all(relay_daemon *d)
{
    while (d->calls)
        relay_delete_call(d, d->calls, NULL, "shutdown");
}
