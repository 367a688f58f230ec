/*
 * rtp/relay/recover.c — calls rebuilt from their records (recover.h).
 *
 * Which index a rebuilt context resumes at (docs/ha.md "No keystream
 * reuse"): a receive context at the stored highest index (everything at or
 * below counts as seen: no replay of it is accepted); a send context's
 * SRTCP at its stored mark (srtpd numbers SRTCP itself: a forward jump the
 * receiver accepts); a send context's SRTP at its stored mark when the
 * packets it protects come from an unauthenticated source (plain RTP or
 * UNAUTHENTICATED_SRTP: anyone could send a different payload under an
 * index srtpd already used), else at the stored index — an authenticated
 * source's packet under one index is always the same packet, so
 * protecting it again gives the same ciphertext, never a second one.
 */
#include "relay/recover.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay/calltable.h"
#include "relay/daemon.h"
#include "relay/log.h"
#include "relay/parse.h"
#include "relay/ports.h"
#include "relay/store.h"
#include "relay/store_rec.h"

/* A context from a stored spec, resumed past its marks. */
static sg_status relay_recover_ctx(const relay_rec_dir *rd, bool send, bool src_unauth,
                                   uint32_t epoch, sg_srtp_ctx **out, const char **why)
{
    sg_status st =
        relay_crypto_build(&rd->spec, send ? SG_SRTP_PROTECT : SG_SRTP_UNPROTECT, out, why);
    if (st != SG_OK)
        return st;
    /* Streams without a mark (they began less than a mark write before
     * the loss) start SRTCP past anything an earlier life could reach. */
    if (send)
        sg_srtp_set_srtcp_floor(*out, epoch << 20);
    for (int q = 0; q < RELAY_REC_SSRCS; q++) {
        const relay_rec_mark *m = &rd->marks[q];
        if (!m->used)
            continue;
        sg_srtp_stream_info in = m->now;
        if (send && in.has_srtcp)
            in.srtcp_index = m->srtcp_mark;
        if (send && in.has_srtp && src_unauth)
            in.srtp_index = m->srtp_mark;
        if ((st = sg_srtp_stream_resume(*out, &in)) != SG_OK) {
            *why = "cannot resume a stream's index";
            sg_srtp_ctx_free(*out);
            *out = NULL;
            return st;
        }
    }
    return SG_OK;
}

/* Until when a port still in use is waited for: a relay killed a moment
 * ago releases its sockets only once the kernel has torn down its
 * io_uring (asynchronously, after the process is gone). */
static int64_t relay_recover_wait_until;

static int relay_recover_bind(const struct sockaddr_storage *a, uint16_t port)
{
    for (;;) {
        int fd = relay_ports_bind(a, port, false);
        if (fd >= 0 || errno != EADDRINUSE || relay_now_ms() >= relay_recover_wait_until)
            return fd;
        usleep(10000);
    }
}

typedef struct relay_recover_job {
    relay_stream *s;
    relay_leg_update *u;
    bool ok;
} relay_recover_job;

static void relay_job_recover(relay_worker *w, void *arg)
{
    relay_recover_job *j = arg;
    relay_leg_apply(&j->s->leg[0], &j->u[0]);
    relay_leg_apply(&j->s->leg[1], &j->u[1]);
    j->ok = relay_worker_attach(w, j->s);
}

/* Stream i of the image: sockets on its stored ports, contexts, attached. */
static relay_stream *relay_recover_stream(relay_daemon *d, relay_call *call, relay_call_img *img,
                                          int i, char *why, size_t whylen)
{
    relay_stream *s = calloc(1, sizeof(*s));
    relay_leg_update u[2];
    memset(u, 0, sizeof(u));
    if (!s) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    s->call = call;
    s->index = i;
    s->worker = call->worker;
    for (int l = 0; l < 2; l++) {
        relay_leg *g = &s->leg[l];
        const relay_img_leg *il = &img->leg[i][l];
        g->rtp.fd = g->rtcp.fd = g->twin.fd = -1;
        g->rtp.stream = g->rtcp.stream = g->twin.stream = s;
        g->rtp.leg = g->rtcp.leg = g->twin.leg = (uint8_t)l;
        g->twin.twin = 1;
        g->rtcp.rtcp = 1;
        g->family = il->family;
        /* The interface of the same name here (relay/iface.h); a record
         * without one, or a name this relay lacks, goes on the default
         * interface with a warning: its peers still send to the address
         * the call was set up on (docs/ha.md "The floating media address":
         * every relay of a group has the same interfaces). */
        int ifx = il->iface[0] ? relay_ifaces_find(&d->ifaces, il->iface, strlen(il->iface)) : -1;
        if (ifx < 0) {
            ifx = d->ifaces.def;
            RELAY_LOG_LIMITED(RELAY_LOG_WARN, 5,
                              "call %s: media interface \"%s\" not on this relay: rebuilt on %s, "
                              "its peers may not reach it",
                              call->id, il->iface, d->ifaces.list[ifx].name);
        }
        const relay_iface_addr *ia = &d->ifaces.list[ifx].fam[relay_fam_idx(il->family)];
        if (!ia->set) {
            snprintf(why, whylen, "stream %d: interface %s has no address of its family", i,
                     d->ifaces.list[ifx].name);
            goto fail;
        }
        g->iface = ifx;
        g->rtp.fd = relay_recover_bind(&ia->bind, il->port);
        g->rtcp.fd =
            g->rtp.fd >= 0 && il->rtcp_port ? relay_recover_bind(&ia->bind, il->rtcp_port) : -1;
        if (g->rtp.fd < 0 || (il->rtcp_port && g->rtcp.fd < 0)) {
            snprintf(why, whylen, "stream %d: port %u: %s", i, il->port, strerror(errno));
            goto fail;
        }
        g->rtp.port = il->port;
        g->rtcp.port = il->rtcp_port ? il->rtcp_port : il->port; /* one port: rtcp-mux */
        g->twin.port = il->port;
        const relay_rec_leg *rl = &img->rec.st[i]->leg[l];
        relay_leg_update *x = &u[l];
        x->present = true;
        x->has_transport = true;
        x->srtp = il->srtp;
        x->has_family = true;
        x->family = il->family;
        x->has_strict = true;
        x->strict = il->strict;
        x->has_mux = true;
        x->mux = il->mux;
        if (rl->has_peer) {
            x->has_addr = true;
            x->rtp = rl->peer_rtp;
            x->rtcp = rl->peer_rtcp;
            x->len = rl->peer_len;
        }
    }
    for (int l = 0; l < 2; l++) {
        const relay_rec_leg *rl = &img->rec.st[i]->leg[l];
        const relay_rec_leg *other = &img->rec.st[i]->leg[1 - l];
        /* What leg l sends comes in on the other leg. */
        bool src_unauth = !img->leg[i][1 - l].srtp || !other->dir[0].present ||
                          other->dir[0].spec.params.unauthenticated_srtp;
        for (int k = 0; k < 2; k++) {
            const relay_rec_dir *rd = &rl->dir[k];
            if (!rd->present)
                continue;
            sg_srtp_ctx *ctx;
            const char *w2 = "";
            sg_status st = relay_recover_ctx(rd, k == 1, src_unauth, img->rec.epoch, &ctx, &w2);
            if (st != SG_OK) {
                snprintf(why, whylen, "stream %d leg %c: %s: %s", i, "ab"[l], w2,
                         sg_status_str(st));
                goto fail;
            }
            if (k == 0) {
                u[l].rx = ctx;
                u[l].rx_suite = rd->spec.suite;
                u[l].rx_mki_len = rd->spec.params.mki_len;
                u[l].rx_unauth = rd->spec.params.unauthenticated_srtp;
            } else {
                u[l].tx = ctx;
                u[l].tx_suite = rd->spec.suite;
                u[l].tx_mki_len = rd->spec.params.mki_len;
            }
        }
    }
    relay_recover_job j = {.s = s, .u = u};
    relay_worker_run(d->workers[s->worker], relay_job_recover, &j);
    relay_leg_update_free(&u[0]);
    relay_leg_update_free(&u[1]);
    if (!j.ok) {
        snprintf(why, whylen, "stream %d: epoll add failed", i);
        relay_stream_close(s);
        return NULL;
    }
    return s;
fail:
    relay_leg_update_free(&u[0]);
    relay_leg_update_free(&u[1]);
    relay_stream_close(s);
    return NULL;
}

bool relay_recover_call(relay_daemon *d, relay_call_img *img, char *why, size_t whylen)
{
    if (relay_find(d, img->id)) {
        snprintf(why, whylen, "already here");
        return false;
    }
    size_t idlen = strlen(img->id);
    relay_call *call = calloc(1, sizeof(*call) + idlen + 1); /* the id is allocated with it */
    if (!call) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    memcpy(call->id, img->id, idlen + 1);
    /* A new life of the call: its epoch goes up before any context is
     * built (the SRTCP floor) and is written with the first record. */
    if (img->rec.epoch < RELAY_STORE_EPOCH_MAX)
        img->rec.epoch++;
    else
        relay_log(RELAY_LOG_WARN, "call %s: recovered %d times: SRTCP floor stays", img->id,
                  RELAY_STORE_EPOCH_MAX);
    call->worker = d->next_worker;
    d->next_worker = (d->next_worker + 1) % d->nworkers;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t age = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - img->created_unix_ms;
    call->created_ms = relay_now_ms() - (age > 0 ? age : 0);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        if (!img->present[i])
            continue;
        relay_stream *s = relay_recover_stream(d, call, img, i, why, whylen);
        if (!s) {
            for (int k = 0; k < RELAY_MAX_STREAMS; k++)
                if (call->streams[k]) {
                    relay_snap_job sj = {.s = call->streams[k], .detach = true};
                    relay_worker_run(d->workers[call->streams[k]->worker], relay_job_snap, &sj);
                    relay_stream_close(call->streams[k]);
                }
            free(call);
            return false;
        }
        call->streams[i] = s;
    }
    /* The record moves into the call: it is what the next write sends. */
    call->rec = calloc(1, sizeof(*call->rec));
    if (call->rec) {
        memcpy(call->rec->st, img->rec.st, sizeof(img->rec.st));
        memset(img->rec.st, 0, sizeof(img->rec.st));
        call->rec->version = img->version;
        call->rec->epoch = img->rec.epoch;
    }
    relay_call_set_state(call, img->state, img->state_len);
    img->state = NULL;
    img->state_len = 0;
    relay_link(d, call);
    relay_store_put(d, call); /* the new epoch, at once */
    return true;
}

int relay_recover_all(relay_daemon *d, redisContext *c, const char *prefix,
                      const relay_store_keys *keys)
{
    char cursor[32] = "0";
    int n = 0, bad = 0;
    relay_recover_wait_until = relay_now_ms() + RELAY_RECOVER_PORT_WAIT_MS;
    relay_call_img *img = malloc(sizeof(*img));
    if (!img)
        return 0;
    do {
        redisReply *r = redisCommand(c, "SCAN %s MATCH %s:call:* COUNT 1000", cursor, prefix);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            relay_log(RELAY_LOG_ERR, "store: SCAN failed: %s", r && r->str ? r->str : c->errstr);
            if (r)
                freeReplyObject(r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        redisReply *keysr = r->element[1];
        for (size_t i = 0; i < keysr->elements; i++)
            redisAppendCommand(c, "GET %s", keysr->element[i]->str);
        for (size_t i = 0; i < keysr->elements; i++) {
            redisReply *g = NULL;
            if (redisGetReply(c, (void **)&g) != REDIS_OK || !g)
                break;
            char why[200];
            if (g->type == REDIS_REPLY_STRING) {
                if (!relay_store_decode(keys, g->str, g->len, img, why, sizeof(why))) {
                    relay_log(RELAY_LOG_ERR, "store: record %s skipped: %s", keysr->element[i]->str,
                              why);
                    bad++;
                } else {
                    if (relay_recover_call(d, img, why, sizeof(why)))
                        n++;
                    else {
                        relay_log(RELAY_LOG_ERR, "store: call %s not recovered: %s", img->id, why);
                        bad++;
                    }
                    relay_call_img_free(img);
                }
            }
            if (g->str)
                OPENSSL_cleanse(g->str, g->len);
            freeReplyObject(g);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    OPENSSL_cleanse(img, sizeof(*img));
    free(img);
    relay_log(RELAY_LOG_INFO, "store: %d call(s) recovered%s%d skipped", n, bad ? ", " : ", ", bad);
    return n;
}
