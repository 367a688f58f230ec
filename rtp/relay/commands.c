/*
 * rtp/relay/commands.c — srtpd's control commands (rtp/PROTOCOL.md): ping,
 * offer / answer / update (allocate ports, set addresses and keys per leg
 * and direction), rekey (add a key with its MKI, switch the send key,
 * retire a key), delete, query, list, statistics, events.
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
#include "relay/snapshot.h"

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

/* MKI value as an integer, big-endian into len bytes (RFC 4568 §6.1
 * "MKI:length"). */
static bool relay_mki_from_int(int64_t v, size_t len, uint8_t *out)
{
    if (v < 0 || len == 0 || len > SG_SRTP_MAX_MKI_LEN)
        return false;
    if (len < 8 && (uint64_t)v >> (8 * len))
        return false;
    memset(out, 0, len);
    for (size_t i = 0; i < len && i < 8; i++)
        out[len - 1 - i] = (uint8_t)((uint64_t)v >> (8 * i));
    return true;
}

static bool relay_flag(const ctl_be_doc *doc, const ctl_be *d, const char *key, bool *out)
{
    int64_t v;
    if (!ctl_be_get(doc, d, key))
        return true;
    if (!ctl_be_get_int(doc, d, key, &v) || (v != 0 && v != 1))
        return false;
    *out = v == 1;
    return true;
}

/* ---- parsing a direction's crypto ---- */

static bool relay_parse_key(const ctl_be_doc *doc, const ctl_be *k, const relay_crypto_spec *sp,
                            relay_key *out, const char **why)
{
    const char *key, *salt;
    size_t klen, slen;
    const sg_suite *su = sp->suite;
    if (!k || k->type != CTL_BE_DICT) {
        *why = "a key must be a dictionary";
        return false;
    }
    if (!ctl_be_get_str(doc, k, "key", &key, &klen)) {
        *why = "key: missing or not a string";
        return false;
    }
    if (ctl_be_get_str(doc, k, "salt", &salt, &slen)) {
        if (klen != su->key_len || slen != su->salt_len) {
            *why = "key or salt has the wrong length for the suite";
            return false;
        }
    } else {
        /* key||salt as in SDES inline (RFC 4568 §6.1). */
        if (klen != (size_t)su->key_len + su->salt_len) {
            *why = "key (key||salt) has the wrong length for the suite";
            return false;
        }
        salt = key + su->key_len;
        slen = su->salt_len;
        klen = su->key_len;
    }
    memcpy(out->master_key, key, klen);
    memcpy(out->master_salt, salt, slen);
    int64_t v;
    if (sp->params.mki_len) {
        if (!ctl_be_get_int(doc, k, "mki", &v) ||
            !relay_mki_from_int(v, sp->params.mki_len, out->mki)) {
            *why = "mki: missing or does not fit mki-len";
            return false;
        }
    } else if (ctl_be_get(doc, k, "mki")) {
        *why = "mki given but mki-len is 0";
        return false;
    }
    out->lifetime = 0;
    if (ctl_be_get(doc, k, "lifetime")) {
        if (!ctl_be_get_int(doc, k, "lifetime", &v) || v < 0) {
            *why = "lifetime: not a non-negative integer";
            return false;
        }
        out->lifetime = (uint64_t)v;
    }
    return true;
}

static bool relay_parse_crypto(const ctl_be_doc *doc, const ctl_be *c, relay_crypto_spec *sp,
                               const char **why)
{
    memset(sp, 0, sizeof(*sp));
    const char *name;
    size_t nlen;
    int64_t v;
    if (!c || c->type != CTL_BE_DICT) {
        *why = "send/recv must be a dictionary";
        return false;
    }
    if (!ctl_be_get_str(doc, c, "suite", &name, &nlen) || !(sp->suite = sg_suite_by_name(name, nlen))) {
        *why = "suite: missing or unknown";
        return false;
    }
    if (ctl_be_get_int(doc, c, "mki-len", &v)) {
        if (v < 0 || v > SG_SRTP_MAX_MKI_LEN) {
            *why = "mki-len: out of range 0..128";
            return false;
        }
        sp->params.mki_len = (uint8_t)v;
    }
    if (ctl_be_get_int(doc, c, "kdr", &v)) {
        if (v < 0 || v > 24) {
            *why = "kdr: out of range 0..24";
            return false;
        }
        sp->params.kdr = (uint8_t)v;
    }
    if (ctl_be_get_int(doc, c, "window", &v)) {
        if (v < 0 || v > SG_SRTP_MAX_WINDOW) {
            *why = "window: out of range";
            return false;
        }
        sp->params.replay_window = (uint16_t)v;
    }
    if (ctl_be_get_int(doc, c, "soft-limit", &v)) {
        if (v < 0) {
            *why = "soft-limit: negative";
            return false;
        }
        sp->params.soft_limit = (uint64_t)v;
    }
    bool roc_reset = false;
    if (!relay_flag(doc, c, "unencrypted-srtp", &sp->params.unencrypted_srtp) ||
        !relay_flag(doc, c, "unencrypted-srtcp", &sp->params.unencrypted_srtcp) ||
        !relay_flag(doc, c, "unauthenticated-srtp", &sp->params.unauthenticated_srtp) ||
        !relay_flag(doc, c, "roc-reset", &roc_reset)) {
        *why = "session flags must be 0 or 1";
        return false;
    }
    sp->params.roc_policy = roc_reset ? SG_ROC_RESET : SG_ROC_KEEP;
    const ctl_be *keys = ctl_be_get(doc, c, "keys");
    if (!keys || keys->type != CTL_BE_LIST || keys->len == 0 || keys->len > SG_SRTP_MAX_KEYS) {
        *why = "keys: want a list of 1..16 keys";
        return false;
    }
    for (const ctl_be *k = ctl_be_first(doc, keys); k; k = ctl_be_next(doc, k))
        if (!relay_parse_key(doc, k, sp, &sp->keys[sp->nkeys++], why))
            return false;
    if (ctl_be_get(doc, c, "use")) {
        if (!sp->params.mki_len || !ctl_be_get_int(doc, c, "use", &v) ||
            !relay_mki_from_int(v, sp->params.mki_len, sp->use_mki)) {
            *why = "use: needs mki-len and an MKI that fits";
            return false;
        }
        sp->has_use = true;
    }
    return true;
}

/* ---- parsing a leg ---- */

typedef struct relay_leg_update {
    bool present;
    bool has_transport, srtp;
    bool has_family;
    int family;
    bool has_addr;
    struct sockaddr_storage rtp, rtcp;
    socklen_t len;
    bool has_strict, strict;
    bool has_mux, mux;
    sg_srtp_ctx *rx, *tx;      /* new contexts (built here), or NULL */
    const sg_suite *rx_suite, *tx_suite;
    uint8_t rx_mki_len, tx_mki_len;
} relay_leg_update;

static bool relay_parse_leg(const ctl_be_doc *doc, const ctl_be *l, relay_leg_update *u,
                            char *why, size_t whylen)
{
    memset(u, 0, sizeof(*u));
    if (!l)
        return true;
    u->present = true;
    if (l->type != CTL_BE_DICT) {
        snprintf(why, whylen, "leg must be a dictionary");
        return false;
    }
    const ctl_be *t = ctl_be_get(doc, l, "transport");
    if (t) {
        u->has_transport = true;
        if (ctl_be_str_eq(t, "SRTP"))
            u->srtp = true;
        else if (!ctl_be_str_eq(t, "RTP")) {
            snprintf(why, whylen, "transport: want RTP or SRTP");
            return false;
        }
    }
    const ctl_be *f = ctl_be_get(doc, l, "family");
    u->family = AF_INET;
    if (f) {
        u->has_family = true;
        if (ctl_be_str_eq(f, "IP6"))
            u->family = AF_INET6;
        else if (!ctl_be_str_eq(f, "IP4")) {
            snprintf(why, whylen, "family: want IP4 or IP6");
            return false;
        }
    }
    char ip[64];
    int64_t port, rport;
    if (ctl_be_get(doc, l, "address")) {
        if (!ctl_be_get_cstr(doc, l, "address", ip, sizeof(ip)) ||
            !ctl_be_get_int(doc, l, "port", &port) || port < 1 || port > 65535) {
            snprintf(why, whylen, "address needs a port 1..65535");
            return false;
        }
        rport = port + 1;
        if (ctl_be_get(doc, l, "rtcp-port") &&
            (!ctl_be_get_int(doc, l, "rtcp-port", &rport) || rport < 1 || rport > 65535)) {
            snprintf(why, whylen, "rtcp-port: want 1..65535");
            return false;
        }
        struct sockaddr_in *v4 = (struct sockaddr_in *)&u->rtp;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&u->rtp;
        if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons((uint16_t)port);
            u->len = sizeof(*v4);
        } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons((uint16_t)port);
            u->len = sizeof(*v6);
        } else {
            snprintf(why, whylen, "address: not an IP address");
            return false;
        }
        if (u->has_family && u->rtp.ss_family != u->family) {
            snprintf(why, whylen, "address does not match family");
            return false;
        }
        u->family = u->rtp.ss_family;
        u->has_family = true;
        u->rtcp = u->rtp;
        if (u->family == AF_INET)
            ((struct sockaddr_in *)&u->rtcp)->sin_port = htons((uint16_t)rport);
        else
            ((struct sockaddr_in6 *)&u->rtcp)->sin6_port = htons((uint16_t)rport);
        u->has_addr = true;
    }
    if (ctl_be_get(doc, l, "strict-source")) {
        u->has_strict = true;
        if (!relay_flag(doc, l, "strict-source", &u->strict)) {
            snprintf(why, whylen, "strict-source: want 0 or 1");
            return false;
        }
    }
    if (ctl_be_get(doc, l, "rtcp-mux")) {
        u->has_mux = true;
        if (!relay_flag(doc, l, "rtcp-mux", &u->mux)) {
            snprintf(why, whylen, "rtcp-mux: want 0 or 1");
            return false;
        }
    }
    static const char *dirs[2] = {"recv", "send"};
    for (int k = 0; k < 2; k++) {
        const ctl_be *c = ctl_be_get(doc, l, dirs[k]);
        if (!c)
            continue;
        relay_crypto_spec sp;
        const char *w2 = "bad crypto";
        if (!relay_parse_crypto(doc, c, &sp, &w2)) {
            relay_crypto_spec_wipe(&sp);
            snprintf(why, whylen, "%s: %s", dirs[k], w2);
            return false;
        }
        sg_srtp_ctx *ctx;
        sg_status st = relay_crypto_build(&sp, k == 0 ? SG_SRTP_UNPROTECT : SG_SRTP_PROTECT, &ctx, &w2);
        relay_crypto_spec_wipe(&sp);
        if (st != SG_OK) {
            snprintf(why, whylen, "%s: %s: %s", dirs[k], w2, sg_status_str(st));
            return false;
        }
        if (k == 0) {
            u->rx = ctx;
            u->rx_suite = sp.suite;
            u->rx_mki_len = sp.params.mki_len;
        } else {
            u->tx = ctx;
            u->tx_suite = sp.suite;
            u->tx_mki_len = sp.params.mki_len;
        }
    }
    return true;
}

static void relay_leg_update_free(relay_leg_update *u)
{
    sg_srtp_ctx_free(u->rx);
    sg_srtp_ctx_free(u->tx);
    u->rx = u->tx = NULL;
}

/* Applies an update to a leg; old contexts are swapped into the update so
 * the caller frees them (after the job, on the control thread). */
static void relay_leg_apply(relay_leg *leg, relay_leg_update *u)
{
    if (!u->present)
        return;
    if (u->has_transport)
        leg->srtp = u->srtp;
    if (u->has_strict)
        leg->strict_source = u->strict;
    if (u->has_mux)
        leg->rtcp_mux = u->mux;
    if (u->has_addr) {
        leg->peer_rtp = u->rtp;
        leg->peer_rtcp = u->has_mux && u->mux ? u->rtp : u->rtcp;
        leg->peer_len = u->len;
        leg->peer_known = true;
        leg->latched = leg->latched_rtcp = false;
    }
    if (u->rx) {
        sg_srtp_ctx *old = leg->rx;
        leg->rx = u->rx;
        leg->rx_suite = u->rx_suite;
        leg->rx_mki_len = u->rx_mki_len;
        u->rx = old;
    }
    if (u->tx) {
        sg_srtp_ctx *old = leg->tx;
        leg->tx = u->tx;
        leg->tx_suite = u->tx_suite;
        leg->tx_mki_len = u->tx_mki_len;
        u->tx = old;
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
        sg_srtp_ctx_free(g->rx);
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
        g->rtp.fd = g->rtcp.fd = -1;
        g->rtp.stream = g->rtcp.stream = s;
        g->rtp.leg = g->rtcp.leg = (uint8_t)l;
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

/* ---- events ---- */

static void relay_notify(relay_daemon *d, const relay_event *e);

static void relay_event_push(relay_daemon *d, const char *type, const char *call_id, int stream,
                             int leg)
{
    if (d->ev_count == RELAY_EVENTS_MAX) {
        d->ev_head = (d->ev_head + 1) % RELAY_EVENTS_MAX;
        d->ev_count--;
        d->events_lost++;
    }
    relay_event *e = &d->events[(d->ev_head + d->ev_count) % RELAY_EVENTS_MAX];
    snprintf(e->type, sizeof(e->type), "%s", type);
    snprintf(e->call_id, sizeof(e->call_id), "%s", call_id);
    e->stream = stream;
    e->leg = leg;
    e->unix_time = (int64_t)time(NULL);
    e->seq = ++d->ev_seq;
    d->ev_count++;
    relay_log(RELAY_LOG_INFO, "event %s call %s stream %d leg %c", type, call_id, stream,
              leg < 0 ? '-' : "ab"[leg]);
    relay_notify(d, e);
}

static void relay_event_write(ctl_benc *w, const relay_event *e)
{
    ctl_benc_dict(w);
    ctl_benc_kv_cstr(w, "call-id", e->call_id);
    if (e->leg >= 0)
        ctl_benc_kv_cstr(w, "leg", e->leg ? "b" : "a");
    ctl_benc_kv_int(w, "seq", (int64_t)e->seq);
    if (e->stream >= 0)
        ctl_benc_kv_int(w, "stream", e->stream);
    ctl_benc_kv_int(w, "time", e->unix_time);
    ctl_benc_kv_cstr(w, "type", e->type);
    ctl_benc_end(w);
}

/* Push one event to --notify as an ng request {"command": "event", ...}
 * (signed like any request when a secret is set); fire and forget: the
 * event also stays in the queue for the `events` poll. */
static void relay_notify(relay_daemon *d, const relay_event *e)
{
    if (d->notify_fd < 0)
        return;
    char msg[1024], cookie[17], nonce[CTL_NONCE_HEX + 1];
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
    if (d->secret && !ctl_auth_sign(d->secret, d->secret_len, msg, &n, sizeof(msg),
                                    (int64_t)time(NULL), nonce))
        return;
    if (send(d->notify_fd, msg, n, MSG_DONTWAIT) < 0)
        RELAY_LOG_LIMITED(RELAY_LOG_WARN, 5, "notify: send: %s", strerror(errno));
}

/* ---- commands ---- */

static void relay_delete_call(relay_daemon *d, relay_call *call, ctl_benc *w, const char *why)
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
    d->calls_deleted++;
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
    const ctl_be *streams = ctl_be_get(doc, req, "streams");
    if (!streams || streams->type != CTL_BE_LIST || streams->len == 0 ||
        streams->len > RELAY_MAX_STREAMS) {
        relay_err(w, "streams: want a list of 1..16 stream dictionaries");
        return;
    }
    /* Parse everything first: nothing changes unless all of it is valid. */
    relay_leg_update (*u)[2] = calloc(RELAY_MAX_STREAMS, sizeof(*u));
    int idx[RELAY_MAX_STREAMS];
    relay_stream *fresh[RELAY_MAX_STREAMS] = {0};
    size_t n = 0;
    if (!u) {
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
    relay_log(RELAY_LOG_INFO, "call %s: %s, %zu stream(s)", call->id, cmd, n);
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++)
        if (call->streams[i])
            relay_write_local(d, w, call->streams[i]);
    ctl_benc_end(w);
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
    sg_status st;
    const char *step;
} relay_rekey_job;

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
    for (size_t i = 0; i < j->nadd; i++) {
        sg_srtp_key k = {.master_key = j->add[i].master_key, .master_salt = j->add[i].master_salt,
                         .mki = j->add[i].mki, .lifetime = j->add[i].lifetime};
        if ((j->st = sg_srtp_add_key(ctx, &k)) != SG_OK) {
            j->step = "add";
            return;
        }
    }
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
        if ((j->st = sg_srtp_retire_key(ctx, j->retire[i], mlen)) != SG_OK) {
            j->step = "retire";
            return;
        }
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
    char why[160] = "";
    int done = 0;
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
        relay_worker_run(d->workers[s->worker], relay_job_rekey, &j);
        OPENSSL_cleanse(add, sizeof(add));
        if (j.st != SG_OK) {
            snprintf(why, sizeof(why), "stream %d: %s: %s", i, j.step ? j.step : "rekey",
                     sg_status_str(j.st));
            relay_err(w, why);
            return;
        }
        done++;
    }
    if (!done) {
        relay_err(w, "no stream to rekey");
        return;
    }
    relay_log(RELAY_LOG_INFO, "call %s: rekey leg %c %s on %d stream(s)", call->id, "ab"[leg],
              send ? "send" : "recv", done);
    ctl_benc_kv_cstr(w, "result", "ok");
    ctl_benc_kv_int(w, "streams", done);
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
                 !strcmp(cmd, "rekey") || !strcmp(cmd, "delete") || !strcmp(cmd, "query");
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
    else {
        ctl_benc_kv_cstr(w, "call-id", call_id);
        ctl_benc_kv_cstr(w, "result", "ok");
        relay_delete_call(d, call, w, "deleted");
    }
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

void relay_delete_all(relay_daemon *d)
{
    while (d->calls)
        relay_delete_call(d, d->calls, NULL, "shutdown");
}
