/*
 * rtp/relay/cmd_apply.c — offer / answer / update (docs/protocol.md):
 * allocate ports, set addresses and keys per leg and direction, store the
 * SIP side's opaque sdes-state. The whole request is validated (and its
 * SRTP contexts built) before anything changes, so a bad request leaves
 * the call as it was; changes to a stream a worker owns are applied by a
 * job on that worker.
 */
#include "relay/cmd.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay/calltable.h"
#include "relay/log.h"
#include "relay/parse.h"
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

typedef struct relay_apply_job {
    relay_stream *s;
    relay_leg_update *u; /* two */
    bool attach;
    bool ok;
} relay_apply_job;

static void relay_job_apply(relay_worker *w, void *arg)
{
    relay_apply_job *j = arg;
    relay_leg_apply(&j->s->leg[0], &j->u[0]);
    relay_leg_apply(&j->s->leg[1], &j->u[1]);
    j->ok = true;
    if (j->attach)
        j->ok = relay_worker_attach(w, j->s);
}

/* offer / answer / update: create (offer only) or change a call. */
void relay_cmd_apply(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w,
                     const char *cmd, const char *call_id)
{
    char why[160] = "";
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
    uint8_t *state = NULL;
    size_t state_len = 0;
    const ctl_be *stn = ctl_be_get(doc, req, "sdes-state");
    if (stn && !relay_state_copy(stn, &state, &state_len, w))
        return;
    const ctl_be *streams = ctl_be_get(doc, req, "streams");
    if (!streams && stn && call) {
        /* Only the state changes; media stays as it is. */
        relay_call_set_state(call, state, state_len);
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
    int idx[RELAY_MAX_STREAMS];
    relay_stream *fresh[RELAY_MAX_STREAMS] = {0};
    size_t n = 0;
    if (!u) {
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
    }
    if (!call) {
        call = calloc(1, sizeof(*call));
        if (!call || strlen(call_id) >= sizeof(call->id)) {
            free(call);
            call = NULL;
            snprintf(why, sizeof(why), "out of memory");
            goto fail;
        }
        strcpy(call->id, call_id);
        call->worker = d->next_worker;
        d->next_worker = (d->next_worker + 1) % d->nworkers;
        call->created_ms = relay_now_ms();
        created = true;
    }
    for (size_t k = 0; k < n; k++) {
        if (call->streams[idx[k]])
            continue;
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
    /* Apply: new streams are set up here and attached by a job; existing
     * ones change inside a job on their worker. */
    for (size_t k = 0; k < n; k++) {
        relay_stream *s = fresh[k] ? fresh[k] : call->streams[idx[k]];
        relay_apply_job j = {.s = s, .u = u[k], .attach = fresh[k] != NULL};
        relay_worker_run(d->workers[s->worker], relay_job_apply, &j);
        if (fresh[k]) {
            if (!j.ok) {
                relay_log(RELAY_LOG_ERR, "call %s: epoll add failed", call->id);
                relay_stream_close(fresh[k]);
                fresh[k] = NULL;
                continue;
            }
            call->streams[idx[k]] = fresh[k];
            fresh[k] = NULL;
        }
        relay_leg_update_free(&u[k][0]); /* the contexts it replaced */
        relay_leg_update_free(&u[k][1]);
    }
    if (created) {
        call->next = d->calls;
        d->calls = call;
        d->ncalls++;
        d->calls_created++;
    }
    if (stn)
        relay_call_set_state(call, state, state_len);
    relay_log(RELAY_LOG_INFO, "call %s: %s, %zu stream(s)", call->id, cmd, n);
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_kv_int(w, "sdes-version", (int64_t)call->sdes_version);
    relay_write_streams(d, w, call);
    free(u);
    return;
fail:
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
