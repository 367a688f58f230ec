/*
 * rtp/relay/cmd_rekey.c — rekey (docs/protocol.md): add a key with its
 * MKI, switch the send key, retire a key, on one leg and direction, as one
 * job on the stream's worker that happens whole or not at all; and the
 * deferred switches ("switch-after") srtpd runs itself when the SIP
 * side's "use" does not come.
 */
#include "relay/cmd.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay/log.h"
#include "relay/parse.h"
#include "relay/store_rec.h"
#include "relay/switch.h"

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
    int evicted;                           /* receive keys retired to make room (oldest first) */
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
        sg_srtp_key k = {.master_key = j->add[i].master_key,
                         .master_salt = j->add[i].master_salt,
                         .mki = j->add[i].mki,
                         .lifetime = j->add[i].lifetime};
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

void relay_cmd_rekey(relay_daemon *d, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w,
                     relay_call *call)
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
    if (ctl_be_get(doc, req, "next") &&
        (!ctl_be_get_int(doc, req, "next", &nx) || nx < 0 || nx > 1)) {
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
        if (j.st == SG_OK)
            relay_rec_rekey(d, call, i, leg, send, add, j.nadd);
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
        if (!j.defer && send && j.has_use)
            d->ops.switches[RELAY_OPS_SW_COMMAND]++;
        done++;
    }
    if (!done) {
        relay_err(w, "no stream to rekey");
        return;
    }
    if (deferred)
        relay_log(RELAY_LOG_INFO,
                  "call %s: rekey leg %c send on %d stream(s): key added, switch"
                  " within %lld ms",
                  call->id, "ab"[leg], done, (long long)after);
    else
        relay_log(RELAY_LOG_INFO, "call %s: rekey leg %c %s on %d stream(s)%s", call->id, "ab"[leg],
                  send ? "send" : "recv", done, completed ? " (pending switch completed)" : "");
    if (j.evicted)
        relay_log(RELAY_LOG_INFO, "call %s: leg %c recv key table full: %d oldest key(s) retired",
                  call->id, "ab"[leg], j.evicted);
    d->ops.rekeys[send]++;
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
                                  ? call->streams[sw->stream]
                                  : NULL;
            if (sw->due_ms > now) {
                sw = next;
                continue;
            }
            if (s) {
                relay_rekey_job j = {.s = s,
                                     .leg = sw->leg,
                                     .send = true,
                                     .has_use = true,
                                     .retire = sw->retire,
                                     .nretire = sw->nretire};
                memcpy(j.use, sw->use, sizeof(j.use));
                relay_worker_run(d->workers[s->worker], relay_job_rekey, &j);
                if (j.st == SG_OK) {
                    d->ops.switches[RELAY_OPS_SW_DEADLINE]++;
                    relay_rec_rekey(d, call, sw->stream, sw->leg, true, NULL, 0);
                }
                if (j.st == SG_OK)
                    relay_log(RELAY_LOG_INFO,
                              "call %s: stream %d leg %c: no use within %lld ms:"
                              " send key switched by srtpd (switch-after)",
                              call->id, sw->stream, "ab"[sw->leg],
                              (long long)(sw->due_ms - sw->armed_ms));
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
