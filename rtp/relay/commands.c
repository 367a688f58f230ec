/*
 * rtp/relay/commands.c — srtpd's control commands (docs/protocol.md): ping,
 * offer / answer / update (allocate ports, set addresses and keys per leg
 * and direction), rekey (add a key with its MKI, switch the send key,
 * retire a key), delete, query, list, statistics, events, and state (the
 * SIP side's opaque per-call sdes-state, stored by offer/answer/update).
 *
 * Every command is validated completely (and its SRTP contexts built)
 * before anything changes, so a bad request leaves every call as it was.
 * Changes to a stream a worker owns are applied by a job on that worker.
 */
#include "relay/daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ng.h"
#include "ctl/sock.h"
#include "relay/log.h"
#include "relay/parse.h"
#include "relay/snapshot.h"
#include "relay/switch.h"

/* ---- small helpers ---- */

static void relay_err(ctl_benc *w, const char *why)
{
    ctl_benc_kv_cstr(w, "error-reason", why);
    ctl_benc_kv_cstr(w, "result", "error");
}

static relay_call *relay_find(relay_daemon *d, const char *id)
{
    for (relay_call *c = d->calls; c; c = c->next)
        if (!strcmp(c->id, id))
            return c;
    return NULL;
}

static void relay_unlink(relay_daemon *d, relay_call *call)
{
    for (relay_call **pp = &d->calls; *pp; pp = &(*pp)->next) {
        if (*pp == call) {
            *pp = call->next;
            d->ncalls--;
            return;
        }
    }
}

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

/* ---- stream creation / teardown ---- */

static void relay_stream_close(relay_stream *s)
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

static relay_stream *relay_stream_new(relay_daemon *d, relay_call *call, int index,
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

/* ---- jobs ---- */

typedef struct relay_apply_job {
    relay_stream *s;
    relay_leg_update *u;   /* two */
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

typedef struct relay_snap_job {
    relay_stream *s;
    relay_stream_snap *snap;
    bool detach;
} relay_snap_job;

static void relay_job_snap(relay_worker *w, void *arg)
{
    relay_snap_job *j = arg;
    if (j->snap)
        relay_snap_take(j->s, j->snap);
    if (j->detach)
        relay_worker_detach(w, j->s);
}

/* ---- writing replies ---- */

static void relay_write_addr(ctl_benc *w, const char *key, const struct sockaddr_storage *a)
{
    char ip[INET6_ADDRSTRLEN] = "";
    if (a->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, ip, sizeof(ip));
    else if (a->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, ip, sizeof(ip));
    ctl_benc_kv_cstr(w, key, ip);
}

/* The local side of a stream (what goes into the SDP). */
static void relay_write_local(relay_daemon *d, ctl_benc *w, const relay_stream *s)
{
    ctl_benc_dict(w);
    ctl_benc_kv_int(w, "index", s->index);
    static const char *names[2] = {"a", "b"};
    for (int l = 0; l < 2; l++) {
        const relay_leg *g = &s->leg[l];
        ctl_benc_cstr(w, names[l]);
        ctl_benc_dict(w);
        relay_write_addr(w, "address", g->family == AF_INET6 ? &d->if6 : &d->if4);
        ctl_benc_kv_cstr(w, "family", g->family == AF_INET6 ? "IP6" : "IP4");
        ctl_benc_kv_int(w, "port", g->rtp.port);
        ctl_benc_kv_int(w, "rtcp-port", g->rtcp_mux ? g->rtp.port : g->rtcp.port);
        ctl_benc_kv_cstr(w, "transport", g->srtp ? "SRTP" : "RTP");
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
}

/* "streams": the local side of every stream (offer/answer/update, state). */
static void relay_write_streams(relay_daemon *d, ctl_benc *w, const relay_call *call)
{
    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++)
        if (call->streams[i])
            relay_write_local(d, w, call->streams[i]);
    ctl_benc_end(w);
}

/* ---- commands ---- */

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
                      snap->leg[1].srtp ? "SRTP" : "RTP",
                      (unsigned long long)snap->leg[1].c.rtp_in,
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
    free(call);
}

/* offer / answer / update: create (offer only) or change a call. */
static void relay_cmd_apply(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req,
                            ctl_benc *w, const char *cmd, const char *call_id)
{
    char why[160] = "";
    relay_call *call = relay_find(d, call_id);
    bool created = false;
    if (!call && strcmp(cmd, "offer") != 0) {
        relay_err(w, "unknown call-id");
        return;
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
    relay_leg_update (*u)[2] = calloc(RELAY_MAX_STREAMS, sizeof(*u));
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

/* rekey: on one leg and direction of one stream (or all streams): add keys,
 * switch the send key, retire keys — in that order, each step through the
 * library (RFC 3711 §8.1: a new master key by MKI). */
typedef struct relay_rekey_job {
    relay_stream *s;
    int leg;
    bool send;
    relay_key *add;
    size_t nadd;
    const sg_suite *suite;
    uint8_t use[SG_SRTP_MAX_MKI_LEN];
    bool has_use, next;
    uint8_t (*retire)[SG_SRTP_MAX_MKI_LEN];
    size_t nretire;
    size_t soft_from; /* retire[soft_from..]: a pending switch's, gone ones skipped */
    bool defer;       /* switch-after: add and check only; use and retire wait */
    sg_status st;
    const char *step;
    int evicted; /* receive keys retired to make room (oldest first) */
    uint8_t prev_cur[SG_SRTP_MAX_MKI_LEN]; /* the send key before the job */
    bool prev_cur_ok;
} relay_rekey_job;

/* A receive table that is full makes room for the keys being added by
 * retiring its oldest keys (lowest gen). The peer only ever sends under
 * its latest keys or the ones just before them (RFC 4568 §7.1.4: old keys
 * stay valid until the new exchange completes), so a long call that
 * rekeys again and again keeps working instead of failing once 16 keys
 * were seen. Returns how many keys went. */
static int relay_rx_make_room(sg_srtp_ctx *ctx, size_t nadd, uint8_t mlen)
{
    int evicted = 0;
    size_t n = sg_srtp_key_count(ctx);
    while (n && n + nadd > SG_SRTP_MAX_KEYS) {
        sg_srtp_key_info ki, oldest;
        bool have = false;
        for (size_t i = 0; i < n; i++)
            if (sg_srtp_key_info_get(ctx, i, &ki) == SG_OK && (!have || ki.gen < oldest.gen)) {
                oldest = ki;
                have = true;
            }
        if (!have || sg_srtp_retire_key(ctx, oldest.mki, mlen) != SG_OK)
            break;
        evicted++;
        n--;
    }
    return evicted;
}

/* Whether MKI m is in ctx's table or among the keys the job adds. */
static bool relay_rekey_has(const relay_rekey_job *j, const sg_srtp_ctx *ctx, const uint8_t *m,
                            uint8_t mlen)
{
    for (size_t i = 0; i < j->nadd; i++)
        if (memcmp(j->add[i].mki, m, mlen) == 0)
            return true;
    sg_srtp_key_info ki;
    for (size_t i = 0, n = sg_srtp_key_count(ctx); i < n; i++)
        if (sg_srtp_key_info_get(ctx, i, &ki) == SG_OK && memcmp(ki.mki, m, mlen) == 0)
            return true;
    return false;
}

/* A rekey either happens whole or not at all (docs/protocol.md: an error reply
 * changes nothing). What can be checked before anything changes is checked
 * here: every key to retire (but a pending switch's, which may be gone) must
 * be there or come with the request, and none may be the key left sending;
 * an explicit "use" must name a key that is there or added. What fails
 * later (an add the library refuses, "next" with no other key, an expired
 * key to use) takes the added keys out again (relay_rekey_undo_adds); a
 * receive table that had to make room keeps its oldest keys retired. */
static bool relay_rekey_check(relay_rekey_job *j, const sg_srtp_ctx *ctx, uint8_t mlen)
{
    if (j->has_use && !j->next && !relay_rekey_has(j, ctx, j->use, mlen)) {
        j->st = SG_UNKNOWN_MKI;
        j->step = "use";
        return false;
    }
    /* The send key after this job (unknown yet with "next"). */
    const uint8_t *stays = !j->send || j->next ? NULL
                           : j->has_use        ? j->use
                           : j->prev_cur_ok    ? j->prev_cur
                                               : NULL;
    for (size_t r = 0; r < j->nretire && r < j->soft_from; r++) {
        if (!relay_rekey_has(j, ctx, j->retire[r], mlen)) {
            j->st = SG_UNKNOWN_MKI;
            j->step = "retire";
            return false;
        }
        if (stays && memcmp(j->retire[r], stays, mlen) == 0) {
            j->st = SG_BAD_PARAM;
            j->step = "retire";
            return false;
        }
    }
    return true;
}

/* Takes the first n added keys out again (an error after they went in). If
 * the job had switched to one of them, the send key goes back first. */
static void relay_rekey_undo_adds(relay_rekey_job *j, sg_srtp_ctx *ctx, size_t n, uint8_t mlen)
{
    if (j->send && j->prev_cur_ok)
        sg_srtp_use_key(ctx, j->prev_cur, mlen);
    for (size_t i = 0; i < n; i++)
        sg_srtp_retire_key(ctx, j->add[i].mki, mlen);
}

static void relay_rekey_steps(relay_rekey_job *j, sg_srtp_ctx *ctx, uint8_t mlen);

static void relay_job_rekey(relay_worker *w, void *arg)
{
    (void)w;
    relay_rekey_job *j = arg;
    relay_leg *g = &j->s->leg[j->leg];
    sg_srtp_ctx *ctx = j->send ? g->tx : g->rx;
    uint8_t mlen = j->send ? g->tx_mki_len : g->rx_mki_len;
    const sg_suite *su = j->send ? g->tx_suite : g->rx_suite;
    j->st = SG_OK;
    if (!ctx) {
        j->st = SG_NO_KEY;
        j->step = "leg has no SRTP context in that direction";
        return;
    }
    if (!mlen) {
        j->st = SG_BAD_PARAM;
        j->step = "rekeying needs an MKI (mki-len > 0)";
        return;
    }
    if (j->nadd && j->suite != su) {
        j->st = SG_BAD_PARAM;
        j->step = "suite differs from the context's";
        return;
    }
    j->prev_cur_ok = false;
    sg_srtp_key_info ki;
    for (size_t i = 0, n = sg_srtp_key_count(ctx); j->send && i < n; i++)
        if (sg_srtp_key_info_get(ctx, i, &ki) == SG_OK && ki.current) {
            memcpy(j->prev_cur, ki.mki, mlen);
            j->prev_cur_ok = true;
        }
    if (!relay_rekey_check(j, ctx, mlen))
        return;
    if (!j->send && j->nadd)
        j->evicted += relay_rx_make_room(ctx, j->nadd, mlen);
    for (size_t i = 0; i < j->nadd; i++) {
        sg_srtp_key k = {.master_key = j->add[i].master_key, .master_salt = j->add[i].master_salt,
                         .mki = j->add[i].mki, .lifetime = j->add[i].lifetime};
        if ((j->st = sg_srtp_add_key(ctx, &k)) != SG_OK) {
            j->step = "add";
            relay_rekey_undo_adds(j, ctx, i, mlen);
            return;
        }
    }
    relay_rekey_steps(j, ctx, mlen);
    if (j->st != SG_OK)
        relay_rekey_undo_adds(j, ctx, j->nadd, mlen);
}

/* The steps after the adds: "next", the deferred switch's check, "use",
 * "retire". On an error j->st and j->step say which; the caller then takes
 * the added keys out again. */
static void relay_rekey_steps(relay_rekey_job *j, sg_srtp_ctx *ctx, uint8_t mlen)
{
    if (j->next && j->send) {
        /* The key after the current one in table order. */
        size_t n = sg_srtp_key_count(ctx), cur = n;
        sg_srtp_key_info ki;
        for (size_t i = 0; i < n; i++)
            if (sg_srtp_key_info_get(ctx, i, &ki) == SG_OK && ki.current)
                cur = i;
        if (n < 2 || cur == n || sg_srtp_key_info_get(ctx, (cur + 1) % n, &ki) != SG_OK) {
            j->st = SG_UNKNOWN_MKI;
            j->step = "next: no other key installed";
            return;
        }
        memcpy(j->use, ki.mki, ki.mki_len);
        j->has_use = true;
    }
    if (j->defer)
        return; /* the switch comes later; relay_rekey_check vetted its MKIs */
    if (j->has_use) {
        if (!j->send) {
            j->st = SG_BAD_PARAM;
            j->step = "use applies to the send direction";
            return;
        }
        if ((j->st = sg_srtp_use_key(ctx, j->use, mlen)) != SG_OK) {
            j->step = "use";
            return;
        }
    }
    for (size_t i = 0; i < j->nretire; i++) {
        sg_status st = sg_srtp_retire_key(ctx, j->retire[i], mlen);
        if (st != SG_OK && i < j->soft_from) {
            j->st = st;
            j->step = "retire";
            return;
        }
    }
}

/* Folds a pending switch of (stream, leg) into an explicit switch: a "use"
 * of the pending MKI completes it (its retire list joins the request's;
 * keys already gone are skipped), any other "use" or "next" supersedes it.
 * Either way the record goes once the job succeeded. */
static void relay_switch_merge(relay_rekey_job *j, const relay_switch *sw, uint8_t mlen)
{
    j->soft_from = j->nretire;
    if (!j->has_use || memcmp(j->use, sw->use, mlen) != 0)
        return;
    for (size_t i = 0; i < sw->nretire && j->nretire < SG_SRTP_MAX_KEYS; i++) {
        bool dup = false;
        for (size_t k = 0; k < j->nretire && !dup; k++)
            dup = memcmp(j->retire[k], sw->retire[i], mlen) == 0;
        if (!dup)
            memcpy(j->retire[j->nretire++], sw->retire[i], mlen);
    }
}

static void relay_cmd_rekey(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req,
                            ctl_benc *w, relay_call *call)
{
    int64_t v;
    const ctl_be *legn = ctl_be_get(doc, req, "leg");
    int leg = ctl_be_str_eq(legn, "a") ? 0 : ctl_be_str_eq(legn, "b") ? 1 : -1;
    const ctl_be *dirn = ctl_be_get(doc, req, "dir");
    bool send = !dirn || ctl_be_str_eq(dirn, "send");
    if (leg < 0 || (dirn && !send && !ctl_be_str_eq(dirn, "recv"))) {
        relay_err(w, "leg: want a or b; dir: want send or recv");
        return;
    }
    int only = -1;
    if (ctl_be_get(doc, req, "stream")) {
        if (!ctl_be_get_int(doc, req, "stream", &v) || v < 0 || v >= RELAY_MAX_STREAMS ||
            !call->streams[v]) {
            relay_err(w, "stream: no such stream");
            return;
        }
        only = (int)v;
    }
    relay_key add[SG_SRTP_MAX_KEYS];
    uint8_t retire[SG_SRTP_MAX_KEYS][SG_SRTP_MAX_MKI_LEN];
    relay_rekey_job j = {.leg = leg, .send = send, .add = add, .retire = retire};
    int64_t nx = 0;
    if (ctl_be_get(doc, req, "next") && (!ctl_be_get_int(doc, req, "next", &nx) || nx < 0 || nx > 1)) {
        relay_err(w, "next: want 0 or 1");
        return;
    }
    j.next = nx == 1;
    /* switch-after: add now, switch later (relay/switch.h). */
    int64_t after = 0;
    if (ctl_be_get(doc, req, "switch-after") &&
        (!ctl_be_get_int(doc, req, "switch-after", &after) || after < 0 ||
         after > RELAY_SWITCH_AFTER_MAX)) {
        relay_err(w, "switch-after: want 0..60000 (ms)");
        return;
    }
    if (after > 0 && (!send || j.next || !ctl_be_get(doc, req, "use"))) {
        relay_err(w, "switch-after: needs dir send and use");
        return;
    }
    char why[160] = "";
    int done = 0, deferred = 0, completed = 0;
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        relay_stream *s = call->streams[i];
        if (!s || (only >= 0 && i != only))
            continue;
        relay_leg *g = &s->leg[leg];
        /* The MKI length and suite of the context decide how keys parse;
         * they are set only by jobs this thread waited for, so reading
         * them here races with nothing. */
        uint8_t mlen = send ? g->tx_mki_len : g->rx_mki_len;
        relay_crypto_spec sp = {.suite = send ? g->tx_suite : g->rx_suite};
        sp.params.mki_len = mlen;
        j.nadd = j.nretire = 0;
        j.has_use = false;
        const ctl_be *addl = ctl_be_get(doc, req, "add");
        if (addl && sp.suite) {
            if (addl->type != CTL_BE_LIST || addl->len > SG_SRTP_MAX_KEYS) {
                relay_err(w, "add: want a list of keys");
                return;
            }
            for (const ctl_be *k = ctl_be_first(doc, addl); k; k = ctl_be_next(doc, k)) {
                const char *w2 = "rekeying needs an MKI (mki-len > 0)";
                if (!mlen || !relay_parse_key(doc, k, &sp, &add[j.nadd++], &w2)) {
                    OPENSSL_cleanse(add, sizeof(add));
                    snprintf(why, sizeof(why), "add: %s", w2);
                    relay_err(w, why);
                    return;
                }
            }
        }
        j.suite = sp.suite;
        if (ctl_be_get(doc, req, "use")) {
            if (!ctl_be_get_int(doc, req, "use", &v) || !relay_mki_from_int(v, mlen, j.use)) {
                relay_err(w, "use: not an MKI of this context");
                return;
            }
            j.has_use = true;
        }
        const ctl_be *rl = ctl_be_get(doc, req, "retire");
        if (rl) {
            if (rl->type != CTL_BE_LIST || rl->len > SG_SRTP_MAX_KEYS) {
                relay_err(w, "retire: want a list of MKIs");
                return;
            }
            for (const ctl_be *k = ctl_be_first(doc, rl); k; k = ctl_be_next(doc, k)) {
                if (k->type != CTL_BE_INT || !relay_mki_from_int(k->i, mlen, retire[j.nretire])) {
                    relay_err(w, "retire: not an MKI of this context");
                    return;
                }
                j.nretire++;
            }
        }
        j.s = s;
        j.defer = after > 0;
        j.soft_from = j.nretire;
        relay_switch *sw = send && (j.has_use || j.next) ? relay_switch_find(call, i, leg) : NULL;
        if (sw && !j.defer) {
            relay_switch_merge(&j, sw, mlen);
            if (j.has_use && memcmp(j.use, sw->use, mlen) == 0)
                completed++;
        }
        relay_worker_run(d->workers[s->worker], relay_job_rekey, &j);
        OPENSSL_cleanse(add, sizeof(add));
        if (j.st != SG_OK) {
            snprintf(why, sizeof(why), "stream %d: %s: %s", i, j.step ? j.step : "rekey",
                     sg_status_str(j.st));
            relay_err(w, why);
            return;
        }
        if (j.defer) {
            /* The key is in; the switch waits for a "use" or the deadline. */
            relay_switch *p = relay_switch_arm(call, i, leg);
            if (!p) {
                relay_err(w, "out of memory");
                return;
            }
            memcpy(p->use, j.use, mlen);
            for (size_t r = 0; r < j.nretire; r++)
                memcpy(p->retire[r], retire[r], mlen);
            p->nretire = j.nretire;
            p->armed_ms = relay_now_ms();
            p->due_ms = p->armed_ms + after;
            if (p->due_ms < d->next_switch_ms)
                d->next_switch_ms = p->due_ms;
            deferred++;
        } else if (sw) {
            relay_switch_drop(call, sw);
        }
        done++;
    }
    if (!done) {
        relay_err(w, "no stream to rekey");
        return;
    }
    if (deferred)
        relay_log(RELAY_LOG_INFO, "call %s: rekey leg %c send on %d stream(s): key added, switch"
                  " within %lld ms", call->id, "ab"[leg], done, (long long)after);
    else
        relay_log(RELAY_LOG_INFO, "call %s: rekey leg %c %s on %d stream(s)%s", call->id,
                  "ab"[leg], send ? "send" : "recv", done,
                  completed ? " (pending switch completed)" : "");
    if (j.evicted)
        relay_log(RELAY_LOG_INFO, "call %s: leg %c recv key table full: %d oldest key(s) retired",
                  call->id, "ab"[leg], j.evicted);
    ctl_benc_kv_int(w, "evicted", j.evicted);
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_kv_int(w, "streams", done);
    if (deferred)
        ctl_benc_kv_int(w, "switch-after", after);
}

void relay_switch_run_due(relay_daemon *d)
{
    int64_t now = relay_now_ms();
    if (now < d->next_switch_ms)
        return;
    for (relay_call *call = d->calls; call; call = call->next) {
        relay_switch *sw = call->switches;
        while (sw) {
            relay_switch *next = sw->next;
            relay_stream *s = sw->stream >= 0 && sw->stream < RELAY_MAX_STREAMS
                                  ? call->streams[sw->stream] : NULL;
            if (sw->due_ms > now) {
                sw = next;
                continue;
            }
            if (s) {
                relay_rekey_job j = {.s = s, .leg = sw->leg, .send = true, .has_use = true,
                                     .retire = sw->retire, .nretire = sw->nretire};
                memcpy(j.use, sw->use, sizeof(j.use));
                relay_worker_run(d->workers[s->worker], relay_job_rekey, &j);
                if (j.st == SG_OK)
                    relay_log(RELAY_LOG_INFO, "call %s: stream %d leg %c: no use within %lld ms:"
                              " send key switched by srtpd (switch-after)", call->id, sw->stream,
                              "ab"[sw->leg], (long long)(sw->due_ms - sw->armed_ms));
                else
                    relay_log(RELAY_LOG_WARN, "call %s: stream %d leg %c: deferred switch: %s: %s",
                              call->id, sw->stream, "ab"[sw->leg], j.step ? j.step : "rekey",
                              sg_status_str(j.st));
            }
            relay_switch_drop(call, sw);
            sw = next;
        }
    }
    d->next_switch_ms = relay_switch_next_due(d->calls);
}

static void relay_cmd_query(relay_daemon *d, ctl_benc *w, relay_call *call)
{
    relay_stream_snap *snap = malloc(sizeof(*snap));
    if (!snap) {
        relay_err(w, "out of memory");
        return;
    }
    ctl_benc_kv_cstr(w, "call-id", call->id);
    ctl_benc_kv_int(w, "created-ms-ago", relay_now_ms() - call->created_ms);
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        relay_stream *s = call->streams[i];
        if (!s)
            continue;
        relay_snap_job j = {.s = s, .snap = snap};
        relay_worker_run(d->workers[s->worker], relay_job_snap, &j);
        relay_snap_write(w, snap);
    }
    ctl_benc_end(w);
    free(snap);
}

/* state: what a restarted SIP side needs to continue the call — its own
 * sdes-state (absent when none was stored) and the local side of every
 * stream, as offer/answer return it. Only over the control channel, which
 * is local or authenticated (docs/protocol.md "Authentication"). */
static void relay_cmd_state(relay_daemon *d, ctl_benc *w, relay_call *call)
{
    ctl_benc_kv_cstr(w, "call-id", call->id);
    ctl_benc_kv_int(w, "created-ms-ago", relay_now_ms() - call->created_ms);
    ctl_benc_kv_cstr(w, "result", "ok");
    if (call->sdes_state)
        ctl_benc_kv_str(w, "sdes-state", call->sdes_state, call->sdes_state_len);
    relay_write_streams(d, w, call);
}

static void relay_cmd_list(relay_daemon *d, ctl_benc *w)
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

typedef struct relay_totals_job {
    relay_counters c;
    relay_worker_totals t;
    size_t streams;
} relay_totals_job;

static void relay_job_totals(relay_worker *w, void *arg)
{
    relay_totals_job *j = arg;
    memset(j, 0, sizeof(*j));
    for (relay_stream *s = relay_worker_streams(w); s; s = s->wnext) {
        relay_counters_add(&j->c, &s->leg[0].c);
        relay_counters_add(&j->c, &s->leg[1].c);
        j->streams++;
    }
    j->t = *relay_worker_get_totals(w);
}

static void relay_cmd_statistics(relay_daemon *d, ctl_benc *w)
{
    relay_counters all = d->closed;
    size_t streams = 0;
    ctl_benc_cstr(w, "workers");
    ctl_benc_list(w);
    for (int i = 0; i < d->nworkers; i++) {
        relay_totals_job j;
        relay_worker_run(d->workers[i], relay_job_totals, &j);
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
    ctl_benc_kv_int(w, "streams", (int64_t)streams);
    ctl_benc_kv_int(w, "uptime-ms", relay_now_ms() - d->start_ms);
}

static void relay_cmd_events(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req,
                             ctl_benc *w)
{
    int64_t max = 100;
    if (ctl_be_get(doc, req, "max") && (!ctl_be_get_int(doc, req, "max", &max) || max < 1 || max > 500)) {
        relay_err(w, "max: want 1..500");
        return;
    }
    ctl_benc_cstr(w, "events");
    ctl_benc_list(w);
    for (int64_t i = 0; i < max && d->ev_count; i++) {
        relay_event_write(w, &d->events[d->ev_head]);
        d->ev_head = (d->ev_head + 1) % RELAY_EVENTS_MAX;
        d->ev_count--;
    }
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "lost", (int64_t)d->events_lost);
    ctl_benc_kv_int(w, "pending", (int64_t)d->ev_count);
    ctl_benc_kv_cstr(w, "result", "ok");
}

void relay_cmd_handle(void *arg, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w)
{
    relay_daemon *d = arg;
    char cmd[32], call_id[RELAY_CALLID_MAX];
    if (!ctl_be_get_cstr(doc, req, "command", cmd, sizeof(cmd))) {
        relay_err(w, "command: missing or not a string");
        return;
    }
    if (!strcmp(cmd, "ping")) {
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

