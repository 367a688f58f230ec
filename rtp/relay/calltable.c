/*
 * rtp/relay/calltable.c — srtpd's call table: finding a call by id,
 * creating a stream (its sockets from the port range) and closing it,
 * taking a stream's snapshot on its worker, and deleting a call (detach,
 * final statistics, wipe) one at a time or all at shutdown.
 */
#include "relay/calltable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay/log.h"
#include "relay/snapshot.h"
#include "relay/store.h"
#include "relay/switch.h"

relay_call *relay_find(relay_daemon *d, const char *id)
{
    for (relay_call *c = d->calls; c; c = c->next)
        if (!strcmp(c->id, id))
            return c;
    return NULL;
}

void relay_unlink(relay_daemon *d, relay_call *call)
{
    for (relay_call **pp = &d->calls; *pp; pp = &(*pp)->next) {
        if (*pp == call) {
            *pp = call->next;
            d->ncalls--;
            return;
        }
    }
}

void relay_stream_close(relay_stream *s)
{
    for (int l = 0; l < 2; l++) {
        relay_leg *g = &s->leg[l];
        if (g->rtp.fd >= 0)
            close(g->rtp.fd);
        if (g->rtcp.fd >= 0)
            close(g->rtcp.fd);
        if (g->twin.fd >= 0)
            close(g->twin.fd);
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
        const struct sockaddr_storage *bind_addr = g->family == AF_INET6 ? &d->if6 : &d->if4;
        if ((g->family == AF_INET6 && !d->has_if6) || (g->family == AF_INET && !d->has_if4)) {
            snprintf(why, whylen, "no %s media interface configured",
                     g->family == AF_INET6 ? "IPv6 (--interface6)" : "IPv4");
            relay_stream_close(s);
            return NULL;
        }
        if (relay_ports_alloc(&d->ports, bind_addr, &g->rtp.fd, &g->rtcp.fd, &g->rtp.port) != 0) {
            snprintf(why, whylen, "no free media port pair in %d..%d", d->cfg.port_min,
                     d->cfg.port_max);
            relay_log(RELAY_LOG_ERR, "call %s: port allocation failed: %s", call->id,
                      strerror(errno));
            relay_stream_close(s);
            return NULL;
        }
        g->rtcp.port = (uint16_t)(g->rtp.port + 1);
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

void relay_delete_call(relay_daemon *d, relay_call *call, ctl_benc *w, const char *why)
{
    /* The snapshot lives on the control thread's heap: it is large (key
     * tables) and the control thread may allocate. Without it the stream
     * is still detached before it is freed. */
    relay_stream_snap *snap = malloc(sizeof(*snap));
    if (w) {
        ctl_benc_cstr(w, "streams");
        ctl_benc_list(w);
    }
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        relay_stream *s = call->streams[i];
        if (!s)
            continue;
        relay_snap_job j = {.s = s, .snap = snap, .detach = true};
        relay_worker_run(d->workers[s->worker], relay_job_snap, &j);
        if (snap) {
            relay_counters_add(&d->closed, &snap->leg[0].c);
            relay_counters_add(&d->closed, &snap->leg[1].c);
            if (w)
                relay_snap_write(w, snap);
            relay_log(RELAY_LOG_INFO,
                      "call %s stream %d %s: a %s rtp-in %llu auth %llu replay %llu mki %llu, "
                      "b %s rtp-in %llu auth %llu replay %llu mki %llu",
                      call->id, s->index, why, snap->leg[0].srtp ? "SRTP" : "RTP",
                      (unsigned long long)snap->leg[0].c.rtp_in,
                      (unsigned long long)snap->leg[0].c.drop[RELAY_DROP_AUTH],
                      (unsigned long long)snap->leg[0].c.drop[RELAY_DROP_REPLAY],
                      (unsigned long long)snap->leg[0].c.drop[RELAY_DROP_UNKNOWN_MKI],
                      snap->leg[1].srtp ? "SRTP" : "RTP", (unsigned long long)snap->leg[1].c.rtp_in,
                      (unsigned long long)snap->leg[1].c.drop[RELAY_DROP_AUTH],
                      (unsigned long long)snap->leg[1].c.drop[RELAY_DROP_REPLAY],
                      (unsigned long long)snap->leg[1].c.drop[RELAY_DROP_UNKNOWN_MKI]);
        }
        relay_stream_close(s);
        call->streams[i] = NULL;
    }
    free(snap);
    if (w)
        ctl_benc_end(w);
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
