/*
 * rtp/relay/cmd_apply.c — offer / answer / update (docs/protocol.md):
 * allocate ports, set addresses and keys per leg and direction, store the
 * SIP side's opaque sdes-state. The whole request is validated (and its
 * SRTP contexts built) before anything changes, so a bad request leaves
 * the call as it was; changes to a stream a worker owns are applied by a
 * job on that worker.
 */
#include "relay/cmd.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay/calltable.h"
#include "relay/log.h"
#include "relay/ops.h"
#include "relay/parse.h"
#include "relay/ports.h"
#include "relay/store.h"
#include "relay/store_rec.h"
#include "relay/switch.h"

/* The optional sdes-state of offer/answer/update, copied out of the request
 * (the server wipes the request once handled). An empty string means "no
 * state" (*out NULL). false with an error reply written. */
static bool relay_state_copy(const ctl_be *n, uint8_t **out, size_t *len, ctl_benc *w)
{
    *out = NULL;
    *len = 0;
    if (n->type != CTL_BE_STR) {
        relay_err(w, "sdes-state: want a byte string");
        return false;
    }
    if (n->len > RELAY_SDES_STATE_MAX) {
        relay_err(w, "sdes-state too large");
        return false;
    }
    if (!n->len)
        return true;
    uint8_t *b = malloc(n->len);
    if (!b) {
        relay_err(w, "out of memory");
        return false;
    }
    memcpy(b, n->s, n->len);
    *out = b;
    *len = n->len;
    return true;
}

static void relay_state_drop(uint8_t *b, size_t len)
{
    if (b) {
        OPENSSL_cleanse(b, len);
        free(b);
    }
}

/* On the worker, after relay_leg_apply: a leg leaving rtcp-mux takes the
 * RTCP socket bound for it; a leg taking rtcp-mux closes its RTCP socket
 * (the worker's: worker_fds.c; one still the control thread's goes back
 * to it and is closed after the job). */
static bool relay_leg_rtcp_apply(relay_worker *w, relay_leg *g, relay_leg_update *u)
{
    if (u->has_new_rtcp) {
        g->rtcp.fd = u->new_rtcp_fd;
        g->rtcp.port = u->new_rtcp_port;
        u->has_new_rtcp = false;
        return relay_worker_sock_attach(w, &g->rtcp);
    }
    if (g->rtcp_mux && g->rtcp.fd >= 0) {
        relay_worker_sock_detach(w, &g->rtcp); /* closes it when it is the worker's */
        if (g->rtcp.fd >= 0) {
            u->old_rtcp_fd = g->rtcp.fd;
            u->has_old_rtcp = true;
        }
        g->rtcp.fd = -1;
        g->rtcp.port = g->rtp.port;
    }
    return true;
}

/* One request's changes, in one job on the call's worker (every stream of
 * a call is on call->worker): a job's round trip costs more than the work
 * in it. New streams are set up on the control thread before any worker
 * sees them and attached in the job; existing ones change in the job. */
typedef struct relay_apply_job {
    relay_call *call;
    relay_leg_update (*u)[2]; /* u[k]: the changes of request item k */
    relay_stream *s[RELAY_MAX_STREAMS];
    int idx[RELAY_MAX_STREAMS];
    bool fresh[RELAY_MAX_STREAMS], ok[RELAY_MAX_STREAMS];
    size_t n;
} relay_apply_job;

static void relay_job_apply(relay_worker *w, void *arg)
{
    relay_apply_job *j = arg;
    for (size_t k = 0; k < j->n; k++) {
        relay_stream *s = j->s[k];
        if (j->fresh[k]) {
            j->ok[k] = relay_worker_attach(w, s);
            continue;
        }
        relay_leg_apply(&s->leg[0], &j->u[k][0]);
        relay_leg_apply(&s->leg[1], &j->u[k][1]);
        j->ok[k] = relay_leg_rtcp_apply(w, &s->leg[0], &j->u[k][0]);
        j->ok[k] &= relay_leg_rtcp_apply(w, &s->leg[1], &j->u[k][1]);
    }
}

/* After the job, on the control thread: a new stream that could not be
 * attached is taken out of its call and closed (the call stays, without
 * it); the store's record follows what was applied; the contexts the
 * updates replaced are freed (wiped). */
static void relay_apply_finish(relay_apply_job *j)
{
    relay_call *call = j->call;
    for (size_t k = 0; k < j->n; k++) {
        if (j->fresh[k] && !j->ok[k]) {
            relay_log(RELAY_LOG_ERR, "call %s: epoll add failed", call->id);
            if (call->streams[j->idx[k]] == j->s[k])
                call->streams[j->idx[k]] = NULL;
            relay_stream_close(j->s[k]);
        } else {
            if (!j->ok[k])
                relay_log(RELAY_LOG_ERR, "call %s stream %d: RTCP socket not attached", call->id,
                          j->idx[k]);
            relay_rec_apply(call, j->idx[k], j->u[k]);
        }
        relay_leg_update_free(&j->u[k][0]); /* replaced contexts; the store's spec copies */
        relay_leg_update_free(&j->u[k][1]);
    }
}

static void relay_apply_done(void *arg)
{
    relay_apply_job *j = arg;
    relay_apply_finish(j);
    free(j->u);
    free(j);
}

/* RFC 5761 §5.1.1: when the answer has no a=rtcp-mux the offerer must not
 * multiplex either. The answer toward leg a is the answerer's (the SIP
 * side rewrites addresses and keys, not rtcp-mux), so an `answer` that
 * takes leg b out of rtcp-mux takes leg a out too, unless it says what
 * leg a does itself. */
static void relay_answer_mux(const relay_stream *s, relay_leg_update *u)
{
    if (!s || !u[1].present || !u[1].has_mux || u[1].mux || u[0].has_mux || !s->leg[0].rtcp_mux)
        return;
    u[0].present = true;
    u[0].has_mux = true;
    u[0].mux = false;
}

/* A leg of an existing stream that leaves rtcp-mux without an RTCP socket
 * (a one-port leg, ports.h) needs one before anything changes: bound here
 * on the control thread, taken over by the leg in relay_job_apply. false
 * with why when no port is free (the request then fails whole). */
static bool relay_rtcp_prepare(relay_daemon *d, const relay_stream *s, relay_leg_update *u,
                               char *why, size_t whylen)
{
    for (int l = 0; l < 2; l++) {
        const relay_leg *g = &s->leg[l];
        if (!u[l].present || !u[l].has_mux || u[l].mux || g->rtcp.fd >= 0)
            continue;
        /* The leg's own interface and family, as its RTP port (relay_call_new). */
        const relay_iface_addr *ia = &d->ifaces.list[g->iface].fam[relay_fam_idx(g->family)];
        if (relay_ports_alloc_rtcp(&d->ports, &ia->bind, g->rtp.port, &u[l].new_rtcp_fd,
                                   &u[l].new_rtcp_port) != 0) {
            const char *short_of = relay_ports_shortage(errno);
            if (short_of)
                snprintf(why, whylen, "stream %d leg %c: %s (an RTCP port to leave rtcp-mux)",
                         s->index, "ab"[l], short_of);
            else
                snprintf(why, whylen,
                         "stream %d leg %c: no free RTCP port in %d..%d to leave rtcp-mux",
                         s->index, "ab"[l], d -> cfg.port_min, d->cfg.port_max);
            return false;
        }
        u[l].has_new_rtcp = true;
    }
    return true;
}

/* The sockets a request's new streams and RTCP ports take in the call's
 * worker's table, which it adopts only after the reply has gone out (the
 * deferred job): refused here, before anything changes, when they would
 * not fit (worker_fds.c). The shortage is named as the port search names
 * it. */
static bool relay_sockets_fit(relay_daemon *d, const relay_call *call, const int *idx,
                              relay_leg_update (*u)[2], size_t n, char *why, size_t whylen)
{
    int need = 0;
    for (size_t k = 0; k < n; k++) {
        const relay_stream *s = call->streams[idx[k]];
        for (int l = 0; l < 2; l++) {
            bool mux = u[k][l].has_mux && u[k][l].mux;
            if (!s)
                need += mux ? 1 : 2;
            else if (u[k][l].present && u[k][l].has_mux && !u[k][l].mux && s->leg[l].rtcp.fd < 0)
                need++; /* leaving rtcp-mux: an RTCP port (relay_rtcp_prepare) */
        }
    }
    if (!need || relay_worker_fd_room(d->workers[call->worker], need))
        return true;
    snprintf(why, whylen, "%s", relay_ports_shortage(EMFILE));
    return false;
}

/* offer / answer / update: create (offer only) or change a call. */
void relay_cmd_apply(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w,
                     const char *cmd, const char *call_id)
{
    char why[320] = "";
    relay_call *call = relay_find(d, call_id);
    bool created = false;
    if (!call && strcmp(cmd, "offer") != 0) {
        relay_err(w, "unknown call-id");
        return;
    }
    /* Compare-and-swap: "if-version" N applies the request only to the
     * call as the SIP side last saw it (N = its sdes-version), or for 0
     * only when the call does not exist yet. Another version means another
     * request got there first: nothing changes, the reply carries the
     * state as it is now. */
    const ctl_be *ifv = ctl_be_get(doc, req, "if-version");
    if (ifv) {
        int64_t want;
        if (!ctl_be_get_int(doc, req, "if-version", &want) || want < 0) {
            relay_err(w, "if-version: want an integer >= 0");
            return;
        }
        if (call ? (uint64_t)want != call->sdes_version : want != 0) {
            relay_write_conflict(d, w, call);
            return;
        }
    }
    /* The SIP side's state is checked first and stored only when the rest
     * of the request succeeded. */
    if (!relay_tags_check(doc, req, w))
        return;
    uint8_t *state = NULL;
    size_t state_len = 0;
    const ctl_be *stn = ctl_be_get(doc, req, "sdes-state");
    if (stn && !relay_state_copy(stn, &state, &state_len, w))
        return;
    const ctl_be *streams = ctl_be_get(doc, req, "streams");
    if (!streams && stn && call) {
        /* Only the state changes; media stays as it is. */
        relay_call_set_state(call, state, state_len);
        relay_tags_store(call, doc, req);
        relay_store_put(d, call);
        relay_log(RELAY_LOG_INFO, "call %s: %s, sdes-state only", call->id, cmd);
        ctl_benc_kv_cstr(w, "result", "ok");
        ctl_benc_kv_int(w, "sdes-version", (int64_t)call->sdes_version);
        relay_write_streams(d, w, call);
        return;
    }
    if (!streams || streams->type != CTL_BE_LIST || streams->len == 0 ||
        streams->len > RELAY_MAX_STREAMS) {
        relay_state_drop(state, state_len);
        relay_err(w, "streams: want a list of 1..16 stream dictionaries");
        return;
    }
    /* Parse everything first: nothing changes unless all of it is valid. */
    relay_leg_update(*u)[2] = calloc(RELAY_MAX_STREAMS, sizeof(*u));
    relay_apply_job *job = calloc(1, sizeof(*job));
    int idx[RELAY_MAX_STREAMS];
    relay_stream *fresh[RELAY_MAX_STREAMS] = {0};
    size_t n = 0;
    if (!u || !job) {
        free(u);
        free(job);
        relay_state_drop(state, state_len);
        relay_err(w, "out of memory");
        return;
    }
    for (const ctl_be *s = ctl_be_first(doc, streams); s; s = ctl_be_next(doc, s), n++) {
        int64_t v;
        if (s->type != CTL_BE_DICT || !ctl_be_get_int(doc, s, "index", &v) || v < 0 ||
            v >= RELAY_MAX_STREAMS) {
            snprintf(why, sizeof(why), "stream %zu: index missing or not in 0..15", n);
            goto fail;
        }
        idx[n] = (int)v;
        for (size_t k = 0; k < n; k++)
            if (idx[k] == idx[n]) {
                snprintf(why, sizeof(why), "stream index %d given twice", idx[n]);
                goto fail;
            }
        static const char *names[2] = {"a", "b"};
        for (int l = 0; l < 2; l++) {
            char w2[120];
            if (!relay_parse_leg(doc, ctl_be_get(doc, s, names[l]), &u[n][l], w2, sizeof(w2))) {
                snprintf(why, sizeof(why), "stream %d leg %s: %s", idx[n], names[l], w2);
                goto fail;
            }
            /* A leg whose address family changes needs new sockets: refuse. */
            relay_stream *old = call ? call->streams[idx[n]] : NULL;
            if (old && u[n][l].has_family && u[n][l].family != old->leg[l].family) {
                snprintf(why, sizeof(why), "stream %d leg %s: family cannot change", idx[n],
                         names[l]);
                goto fail;
            }
        }
        {
            char w2[240];
            int bad;
            if (!relay_legs_iface(d, u[n], call ? call->streams[idx[n]] : NULL, w2, sizeof(w2),
                                  &bad)) {
                snprintf(why, sizeof(why), "stream %d leg %s: %s", idx[n], names[bad], w2);
                goto fail;
            }
        }
    }
    if (!call) {
        size_t idlen = strlen(call_id); /* < RELAY_CALLID_MAX (dispatch.c) */
        call = idlen < RELAY_CALLID_MAX ? calloc(1, sizeof(*call) + idlen + 1) : NULL;
        if (!call) {
            snprintf(why, sizeof(why), "out of memory");
            goto fail;
        }
        memcpy(call->id, call_id, idlen + 1);
        call->worker = d->next_worker;
        d->next_worker = (d->next_worker + 1) % d->nworkers;
        call->created_ms = relay_now_ms();
        created = true;
    }
    if (!relay_sockets_fit(d, call, idx, u, n, why, sizeof(why)))
        goto fail;
    for (size_t k = 0; k < n; k++) {
        if (call->streams[idx[k]]) {
            if (!strcmp(cmd, "answer"))
                relay_answer_mux(call->streams[idx[k]], u[k]);
            if (!relay_rtcp_prepare(d, call->streams[idx[k]], u[k], why, sizeof(why)))
                goto fail;
            continue;
        }
        fresh[k] = relay_stream_new(d, call, idx[k], u[k], why, sizeof(why));
        if (!fresh[k])
            goto fail;
    }
    /* A new send context for a leg supersedes a switch pending there (its
     * MKIs named keys of the context being replaced). */
    for (size_t k = 0; k < n; k++)
        for (int l = 0; l < 2; l++) {
            relay_switch *sw = u[k][l].tx ? relay_switch_find(call, idx[k], l) : NULL;
            if (sw)
                relay_switch_drop(call, sw);
        }
    /* Apply, in one job on the call's worker. New streams are set up here,
     * before any worker sees them, and are the call's from now on (a
     * failed attach takes one out again: relay_apply_finish). */
    *job = (relay_apply_job){.call = call, .u = u, .n = n};
    const relay_leg_update *pending[RELAY_MAX_STREAMS] = {0};
    bool live = false; /* the job changes streams a worker already owns */
    for (size_t k = 0; k < n; k++) {
        job->idx[k] = idx[k];
        job->fresh[k] = fresh[k] != NULL;
        job->s[k] = fresh[k] ? fresh[k] : call->streams[idx[k]];
        if (!fresh[k]) {
            pending[idx[k]] = u[k];
            live = true;
            continue;
        }
        relay_leg_apply(&fresh[k]->leg[0], &u[k][0]);
        relay_leg_apply(&fresh[k]->leg[1], &u[k][1]);
        call->streams[idx[k]] = fresh[k];
        fresh[k] = NULL;
    }
    /* Without a store the reply does not wait for the job
     * (relay_worker_defer): it is settled before the next request or job
     * looks at any call, and a round trip to the worker (its wake-up, up to
     * coalesce-us under load, and this thread's sleep) would otherwise be
     * most of the request's time. New keys of a live stream are still in
     * force before a peer can use them: the job is posted before the reply
     * leaves, and a worker runs every job posted before it handles any
     * packet it has not started on (relay_jobs_first). With a store, the
     * record written below must say what the worker did. */
    bool defer = !relay_store_enabled();
    if (!defer) {
        relay_worker_run(d->workers[call->worker], relay_job_apply, job);
        relay_apply_finish(job);
    }
    if (created) {
        relay_link(d, call);
        d->calls_created++;
    }
    /* A new call gets a version even without a state: a create-only
     * request (if-version 0) must not apply to it. */
    if (stn || created)
        relay_call_set_state(call, state, state_len);
    relay_tags_store(call, doc, req);
    relay_store_put(d, call);
    relay_log(RELAY_LOG_INFO, "call %s: %s, %zu stream(s)", call->id, cmd, n);
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_kv_int(w, "sdes-version", (int64_t)call->sdes_version);
    if (!defer) {
        relay_write_streams(d, w, call);
        free(u);
        free(job);
        return;
    }
    /* The reply says what the streams will be once the job has run. */
    relay_write_streams_pending(d, w, call, pending);
    relay_worker_defer(d->workers[call->worker], relay_job_apply, job, relay_apply_done);
    /* New keys or addresses of a live stream are handed to the worker
     * before the reply leaves: a peer can only use them after the SIP
     * side has the reply, so the worker takes the job before that peer's
     * first packet (relay_jobs_first). An offer's new streams are posted
     * after the reply (relay_workers_kick), as nothing can reach them
     * before. */
    if (live)
        relay_workers_kick();
    return;
fail:
    free(job);
    for (size_t k = 0; k < RELAY_MAX_STREAMS; k++) {
        relay_leg_update_free(&u[k][0]);
        relay_leg_update_free(&u[k][1]);
        if (fresh[k])
            relay_stream_close(fresh[k]);
    }
    free(u);
    relay_state_drop(state, state_len);
    if (created)
        free(call);
    RELAY_LOG_LIMITED(RELAY_LOG_WARN, 10, "call %s: %s refused: %s", call_id, cmd, why);
    relay_err(w, why);
}
