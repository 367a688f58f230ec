/*
 * modules/sdes/kam_call.c — the call path of sdes.so (see kam_call.h): SDP
 * offers and answers through the SDES engine (RFC 4568 §7 over RFC 3264)
 * and srtpd's control protocol, bodies replaced with lumps. Nothing per
 * call stays in Kamailio: the engine state is kept by srtpd as the call's
 * opaque sdes-state and fetched with "state" whenever the call is touched,
 * so a Kamailio restart loses no call.
 *
 * Finding a call's relay: each relay is asked for the call's "state" in
 * configuration order (relays the pings found down are skipped). With a
 * handful of relays this costs one local round trip per relay at most and
 * needs no Record-Route/dialog trickery; the relay is the single source
 * of truth for where the call lives.
 */
#include "sdes/kam_call.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "core/dprint.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"

#include "sdes/kam_body.h"
#include "sdes/kam_ctlmsg.h"
#include "sdes/kam_engine.h"
#include "sdes/kam_mirror.h"
#include "sdes/kam_relay.h"
#include "sdes/kam_result.h"

#include "ctl/ng.h"

#define BLOB_MAX 4096 /* srtpd's sdes-state bound (PROTOCOL.md) */

/* A direction whose keys change on a re-offer/re-answer, moved with srtpd's
 * "rekey" after the offer/answer request (kam_ctlmsg.h). */
typedef struct call_rekey {
    int index;
    char leg;
    bool send;
    sg_roc_policy roc;
    sdes_keyset k, old;
} call_rekey;

#define MAX_REKEYS (SDES_MAX_MEDIA * 3) /* a_rx on offers; b_rx, b_tx, a_tx on answers */

/* Everything one offer or answer needs; large (engine states and results),
 * so on the heap, and wiped before it is freed: it holds keys. */
typedef struct call_ctx {
    sdes_state offer_st, answer_st, st;
    sdes_state prev; /* answer_st as the engine sees this exchange (kam_mirror.h) */
    bool reverse;    /* this exchange's offer came from srtpd's leg b side */
    sdes_result res1, res2;
    sdes_relay relays[SDES_MAX_MEDIA];
    uint8_t blob[BLOB_MAX];
    size_t blob_len;
    const uint8_t *cache; /* the last answer, inside blob (kam_ctlmsg.h) */
    size_t cache_len;
    uint8_t new_cache[BLOB_MAX];
    char tag[256];
    char req[CTL_MAX_MSG];
    char saved[CTL_MAX_MSG]; /* the offer, resent to the next relay on failover */
    char err[256];
    call_rekey rekeys[MAX_REKEYS];
    int n_rekeys;
} call_ctx;

static call_ctx *ctx_new(void)
{
    call_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        LM_ERR("out of memory for an SDES call context\n");
    return c;
}

static void ctx_free(call_ctx *c)
{
    if (!c)
        return;
    sdes_result_free(&c->res1);
    sdes_result_free(&c->res2);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
    sdes_kam_relay_wipe_reply(); /* the last reply may have been a state reply */
}

static sdes_mode engine_mode(sdes_kam_mode m)
{
    switch (m) {
    case SDES_KAM_MODE_DECRYPT:
        return SDES_MODE_DECRYPT;
    case SDES_KAM_MODE_REKEY:
        return SDES_MODE_REKEY;
    case SDES_KAM_MODE_PASSTHROUGH:
        return SDES_MODE_PASSTHROUGH;
    case SDES_KAM_MODE_OSRTP:
        return SDES_MODE_OSRTP;
    default:
        return SDES_MODE_ENCRYPT;
    }
}

/* The tag of the party that wrote this SDP (offer or answer): From for a
 * request, To for a reply (a late offer in a 2xx is the callee's, so is
 * the answer in a 2xx; the answer in an ACK is the caller's). */
static void offerer_tag(sip_msg_t *msg, char *out, size_t cap)
{
    str t = STR_NULL;
    out[0] = '\0';
    if (msg->first_line.type == SIP_REQUEST) {
        if (parse_from_header(msg) == 0 && msg->from)
            t = get_from(msg)->tag_value;
    } else if (parse_headers(msg, HDR_TO_F, 0) == 0 && msg->to) {
        t = get_to(msg)->tag_value;
    }
    if (t.s && t.len > 0) {
        size_t n = (size_t)t.len < cap - 1 ? (size_t)t.len : cap - 1;
        memcpy(out, t.s, n);
        out[n] = '\0';
    }
}

/* The first negotiated (or offered) suite, for $sdes(suite). */
static void note_suite(const sdes_result *r)
{
    for (int i = 0; i < r->n_media; i++) {
        const sdes_media_result *m = &r->media[i];
        const sdes_keyset *k = m->a_rx.srtp ? &m->a_rx : m->b_rx.srtp ? &m->b_rx
                               : m->b_tx.srtp ? &m->b_tx : m->a_tx.srtp ? &m->a_tx : NULL;
        const sg_suite *s = k ? sg_suite_get(k->suite) : NULL;
        if (s) {
            sdes_kam_result_suite(s->name);
            return;
        }
    }
}

static int engine_fail(const sdes_result *r, sdes_rej code)
{
    int rc = sdes_kam_engine_rc(code);
    if (rc > 0)
        rc = SDES_RC_ERROR;
    return sdes_kam_result_set(rc, "%s", r->reason[0] ? r->reason : sdes_rej_str(code));
}

/* Reads the call's sdes-state out of a "state" reply into c. */
static int load_state(call_ctx *c, const ctl_be_doc *doc, const ctl_be *root)
{
    const char *s;
    size_t len;
    if (!ctl_be_get_str(doc, root, "sdes-state", &s, &len) || len > sizeof(c->blob)) {
        return sdes_kam_result_set(SDES_RC_ERROR, "the relay holds this call without"
                                                  " sdes state (not set up by sdes_offer)");
    }
    memcpy(c->blob, s, len);
    c->blob_len = len;
    if (sdes_kam_blob_unpack(c->blob, len, c->tag, sizeof(c->tag), &c->reverse, &c->offer_st,
                             &c->answer_st, &c->cache, &c->cache_len) < 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "the call's sdes state does not unpack");
    return SDES_RC_OK;
}

/* Sends c->req (len bytes) to relay i; maps the outcome to an rc. */
static int send_req(call_ctx *c, int i, size_t len, const ctl_be_doc **doc, const ctl_be **root,
                    const char *what)
{
    int r = sdes_kam_relay_send(i, c->req, len, doc, root, c->err, sizeof(c->err));
    OPENSSL_cleanse(c->req, len); /* the request carried keys */
    if (r == 0)
        return SDES_RC_OK;
    if (r < 0)
        return sdes_kam_result_set(SDES_RC_RELAY, "relay %s did not answer %s: %s",
                                   sdes_kam_relay_name(i), what, c->err);
    return sdes_kam_result_set(SDES_RC_ERROR, "relay %s refused %s: %s", sdes_kam_relay_name(i),
                               what, c->err);
}

/* Best effort: a call created for an offer that then failed goes away. */
static void drop_call(int i, const str *cid)
{
    char body[512], err[200];
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "delete");
    ctl_benc_end(&w);
    if (ctl_benc_ok(&w))
        sdes_kam_relay_send(i, body, w.len, &doc, &root, err, sizeof(err));
}

/* A changed direction of a re-offer/re-answer: when srtpd can rekey it in
 * place (same context, so the stream's ROC continues, RFC 3711 §3.3.1),
 * it leaves the offer/answer request (k->srtp cleared there) and is queued
 * for send_rekeys(). Otherwise it stays in the request and replaces the
 * context; a receive direction then keeps the peer's old keys beside the
 * new ones (sdes_kam_keyset_keep_old). */
static void plan_rekey(call_ctx *c, int index, char leg, bool send, sdes_keyset *k,
                       const sdes_keyset *old, sg_roc_policy roc)
{
    if (c->n_rekeys < MAX_REKEYS && sdes_kam_keyset_can_rekey(k, old, roc)) {
        call_rekey *r = &c->rekeys[c->n_rekeys++];
        r->index = index;
        r->leg = leg;
        r->send = send;
        r->roc = roc;
        r->k = *k;
        r->old = *old;
        k->srtp = false;
        return;
    }
    if (!send)
        sdes_kam_keyset_keep_old(k, old);
}

/* Sends the queued rekeys to relay i. A refused rekey (say, the key table
 * is full after many rekeys) falls back to replacing the context, as a
 * plain re-offer would: the call keeps working, the ROC restarts (logged). */
static int send_rekeys(call_ctx *c, int i, const str *cid)
{
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    int rc;

    for (int n = 0; n < c->n_rekeys; n++) {
        call_rekey *r = &c->rekeys[n];
        const char *dir = r->send ? "send" : "recv";
        ctl_benc_init(&w, c->req, sizeof(c->req));
        if (sdes_kam_msg_rekey(&w, cid->s, (size_t)cid->len, r->index, r->leg, r->send, &r->k,
                               &r->old) < 0) {
            OPENSSL_cleanse(c->req, sizeof(c->req));
            return sdes_kam_result_set(SDES_RC_ERROR, "rekey request too large");
        }
        rc = send_req(c, i, w.len, &doc, &root, "the rekey");
        if (rc == SDES_RC_OK) {
            LM_INFO("sdes: Call-ID %.*s: stream %d leg %c %s: rekeyed in place (ROC kept)\n",
                    cid->len, cid->s, r->index, r->leg, dir);
            continue;
        }
        if (rc == SDES_RC_RELAY)
            return rc;
        LM_WARN("sdes: Call-ID %.*s: stream %d leg %c %s: %s; replacing the context"
                " (its ROC restarts at 0)\n",
                cid->len, cid->s, r->index, r->leg, dir, sdes_kam_result_reason());
        if (!r->send)
            sdes_kam_keyset_keep_old(&r->k, &r->old);
        ctl_benc_init(&w, c->req, sizeof(c->req));
        if (sdes_kam_msg_replace(&w, cid->s, (size_t)cid->len, r->index, r->leg, r->send, &r->k,
                                 r->roc) < 0) {
            OPENSSL_cleanse(c->req, sizeof(c->req));
            return sdes_kam_result_set(SDES_RC_ERROR, "key update too large");
        }
        if ((rc = send_req(c, i, w.len, &doc, &root, "the key update")) < 0)
            return rc;
    }
    return SDES_RC_OK;
}

int sdes_kam_call_offer(sip_msg_t *msg, const sdes_kam_flags *f, int mode_given, int rekey,
                        const str *body, const str *cid, sdes_mode *mode_out, int *reoffer)
{
    call_ctx *c = ctx_new();
    const ctl_be_doc *doc = NULL;
    const ctl_be *root = NULL;
    sdes_policy pol;
    sdes_config cfg;
    char tag[256];
    ctl_benc w;
    int rc, relay, created = 0, n;
    sdes_rej code;

    *reoffer = 0;
    if (!c)
        return sdes_kam_result_set(SDES_RC_ERROR, "out of memory");
    if (sdes_kam_engine_policy(f, &pol, c->err, sizeof(c->err)) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", c->err);
        goto out;
    }
    offerer_tag(msg, tag, sizeof(tag));
    memset(&cfg, 0, sizeof(cfg));
    cfg.policy = &pol;
    cfg.mode = engine_mode(f->mode);
    cfg.rekey = rekey != 0;

    relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, &doc, &root, c->err, sizeof(c->err));
    if (relay >= 0) {
        if ((rc = load_state(c, doc, root)) < 0)
            goto out;
        if (c->answer_st.phase == 2) {
            /* A re-offer, from either side. srtpd's legs are fixed by the
             * first offer; one from its answerer runs the engine on the
             * mirrored state (kam_mirror.h). */
            c->reverse = sdes_kam_mirror_is_reverse(&c->answer_st, c->tag, tag);
            if (c->reverse) {
                sdes_mode m = sdes_kam_mirror_mode(&c->answer_st);
                sdes_kam_mirror_state(&c->answer_st, &c->prev, m);
                snprintf(tag, sizeof(tag), "%s", c->tag); /* leg a stays the first offerer's */
            } else {
                c->prev = c->answer_st;
            }
            if (!mode_given)
                cfg.mode = (sdes_mode)c->prev.mode;
            *reoffer = 1;
            if (c->reverse)
                LM_INFO("sdes: Call-ID %.*s: re-offer from leg b's side (the first offer's"
                        " answerer)\n", cid->len, cid->s);
        } else {
            sdes_state_init(&c->answer_st); /* no exchange completed yet */
            c->reverse = false;
            c->prev = c->answer_st;
        }
    } else if (relay == -2 || sdes_kam_relay_count() > 0) {
        sdes_state_init(&c->answer_st);
        c->prev = c->answer_st;
        relay = -1;
    } else {
        rc = sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
        goto out;
    }
    *mode_out = cfg.mode;

    /* 1. The engine reads A's offer: A's address and keys for leg a. */
    c->st = c->prev;
    code = sdes_offer(&cfg, body->s, (size_t)body->len, NULL, 0, &c->st, &c->res1);
    if (code != SDES_REJ_OK) {
        rc = engine_fail(&c->res1, code);
        goto out;
    }

    /* A re-offer with a new key: A keeps sending under its old key until
     * our answer reaches it, so srtpd accepts both meanwhile. */
    for (int i = 0; *reoffer && i < c->res1.n_media && i < c->prev.n_media; i++) {
        sdes_keyset *k = &c->res1.media[i].a_rx;
        if (sdes_kam_keyset_same(k, &c->prev.media[i].a_rx))
            k->srtp = false; /* unchanged: not resent, srtpd's context (ROC) stays */
        else if (k->srtp)
            plan_rekey(c, i, sdes_kam_mirror_leg('a', c->reverse), false, k,
                       &c->prev.media[i].a_rx, c->res1.media[i].roc);
    }

    /* 2. srtpd "offer": creates the call (or updates it) and allocates
     * the ports. */
    ctl_benc_init(&w, c->req, sizeof(c->req));
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "offer");
    n = sdes_kam_msg_streams(&w, &c->res1, &c->st,
                             SDES_KAM_MSG_A_PEER | SDES_KAM_MSG_A_RECV | SDES_KAM_MSG_B_TRANSPORT |
                                 (c->reverse ? SDES_KAM_MSG_SWAP : 0));
    ctl_benc_end(&w);
    if (n < 0) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        rc = sdes_kam_result_set(SDES_RC_BAD_SDP, "an MKI longer than %d bytes: srtpd's control"
                                 " protocol carries MKIs as integers", SDES_KAM_MAX_MKI_LEN);
        goto out;
    }
    if (!ctl_benc_ok(&w)) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "offer too large for a control request");
        goto out;
    }
    if (n == 0 && relay < 0) {
        rc = sdes_kam_result_set(SDES_RC_BAD_SDP, "no RTP stream to relay in the offer");
        goto out;
    }
    if (relay >= 0) {
        if ((rc = send_req(c, relay, w.len, &doc, &root, "the offer")) < 0)
            goto out;
    } else {
        /* A new call: a relay by weight; one that does not answer is
         * marked down and the next is tried (failover). */
        unsigned long tried = 0;
        rc = sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err[0] ? c->err : "no relay answered");
        memcpy(c->saved, c->req, w.len);
        while ((relay = sdes_kam_relay_pick(tried)) >= 0) {
            tried |= 1ul << relay;
            memcpy(c->req, c->saved, w.len);
            rc = send_req(c, relay, w.len, &doc, &root, "the offer");
            if (rc != SDES_RC_RELAY)
                break;
            LM_WARN("Call-ID %.*s: relay %s did not answer, trying the next\n", cid->len,
                    cid->s, sdes_kam_relay_name(relay));
        }
        OPENSSL_cleanse(c->saved, w.len);
        if (rc < 0)
            goto out;
        created = 1;
    }
    if (sdes_kam_msg_ports(doc, root, sdes_kam_mirror_leg('b', c->reverse), c->relays,
                           SDES_MAX_MEDIA) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "relay %s: offer reply without streams",
                                 sdes_kam_relay_name(relay));
        goto out_drop;
    }
    /* After the ports are read: a rekey reply replaces the reply buffer. */
    if (c->n_rekeys && (rc = send_rekeys(c, relay, cid)) < 0)
        goto out_drop;

    /* 3. The engine writes the offer for B with leg b's local ports. */
    c->st = c->prev;
    code = sdes_offer(&cfg, body->s, (size_t)body->len, c->relays, SDES_MAX_MEDIA, &c->st,
                      &c->res2);
    if (code != SDES_REJ_OK) {
        rc = engine_fail(&c->res2, code);
        goto out_drop;
    }

    /* 4. The state goes to srtpd with the call (state-only update). The
     * previous answer state stays beside it: a re-offer B rejects leaves
     * the call as it was. */
    c->blob_len = sdes_kam_blob_pack(tag, strlen(tag), c->reverse, &c->st, &c->answer_st,
                                     NULL, 0, c->blob, sizeof(c->blob));
    if (!c->blob_len) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
        goto out_drop;
    }
    ctl_benc_init(&w, c->req, sizeof(c->req));
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "update");
    ctl_benc_kv_str(&w, "sdes-state", c->blob, c->blob_len);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w) || (rc = send_req(c, relay, w.len, &doc, &root, "the sdes state")) < 0) {
        if (ctl_benc_ok(&w) == 0)
            rc = sdes_kam_result_set(SDES_RC_ERROR, "sdes state too large for a request");
        goto out_drop;
    }

    /* 5. The new body. */
    if (sdes_kam_body_replace(msg, c->res2.body, (int)c->res2.body_len) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "cannot replace the SDP body");
        goto out_drop;
    }
    note_suite(&c->res2);
    if (c->res2.notes[0])
        LM_INFO("Call-ID %.*s: offer: %s\n", cid->len, cid->s, c->res2.notes);
    rc = sdes_kam_result_set(SDES_RC_OK, NULL);
    goto out;

out_drop:
    if (created)
        drop_call(relay, cid);
out:
    ctx_free(c);
    return rc;
}

int sdes_kam_call_answer(sip_msg_t *msg, const sdes_kam_flags *f, const str *body,
                         const str *cid, sdes_mode *mode_out, int *reanswer)
{
    call_ctx *c = ctx_new();
    const ctl_be_doc *doc = NULL;
    const ctl_be *root = NULL;
    sdes_policy pol;
    sdes_config cfg;
    ctl_benc w;
    int rc, relay;
    sdes_rej code;

    *reanswer = 0;
    if (!c)
        return sdes_kam_result_set(SDES_RC_ERROR, "out of memory");
    if (sdes_kam_engine_policy(f, &pol, c->err, sizeof(c->err)) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", c->err);
        goto out;
    }
    relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, &doc, &root, c->err, sizeof(c->err));
    if (relay == -2) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "no relay holds this call (no offer went"
                                                " through sdes_offer)");
        goto out;
    }
    if (relay < 0) {
        rc = sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
        goto out;
    }
    if ((rc = load_state(c, doc, root)) < 0)
        goto out;
    if (c->offer_st.phase != 1) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "no offer pending for this call");
        goto out;
    }
    /* The answer must come from the side the pending offer went to. An
     * answer from the offerer's own side (an ACK with SDP after a re-INVITE
     * that had one, or a late offer that did not pass sdes_offer) would be
     * taken against the wrong exchange. */
    {
        char author[256];
        offerer_tag(msg, author, sizeof(author));
        bool from_leg_a = author[0] && c->tag[0] && strcmp(author, c->tag) == 0;
        if (author[0] && c->tag[0] && from_leg_a != c->reverse) {
            rc = sdes_kam_result_set(SDES_RC_ERROR, "answer from the side that made the pending"
                                                    " offer (no offer pending toward it)");
            goto out;
        }
    }
    *reanswer = c->answer_st.phase == 2;
    /* The engine's view of the last exchange (mirrored for an offer from
     * srtpd's leg b side, kam_mirror.h). */
    if (c->reverse)
        sdes_kam_mirror_state(&c->answer_st, &c->prev, (sdes_mode)c->offer_st.mode);
    else
        c->prev = c->answer_st;
    /* The answer goes to A: leg a's local ports (leg b's when reversed). */
    if (sdes_kam_msg_ports(doc, root, sdes_kam_mirror_leg('a', c->reverse), c->relays,
                           SDES_MAX_MEDIA) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "relay %s: state reply without streams",
                                 sdes_kam_relay_name(relay));
        goto out;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.policy = &pol;
    cfg.mode = (sdes_mode)c->offer_st.mode;
    *mode_out = cfg.mode;

    /* The same answer again (a retransmitted 2xx, a 200 repeating its
     * 183's SDP) gets the same body: new keys toward A would replace the
     * ones A already took from the first copy (RFC 3261 §13.2.2.4: later
     * copies are not new answers). */
    SHA256((const unsigned char *)body->s, (size_t)body->len, c->new_cache);
    if (c->cache && CRYPTO_memcmp(c->cache, c->new_cache, SDES_KAM_ANSWER_HASH) == 0) {
        *reanswer = 1;
        if (sdes_kam_body_replace(msg, (const char *)c->cache + SDES_KAM_ANSWER_HASH,
                                  (int)(c->cache_len - SDES_KAM_ANSWER_HASH)) < 0) {
            rc = sdes_kam_result_set(SDES_RC_ERROR, "cannot replace the SDP body");
            goto out;
        }
        LM_INFO("sdes: Call-ID %.*s: answer repeated: same body as before\n", cid->len, cid->s);
        rc = sdes_kam_result_set(SDES_RC_OK, NULL);
        goto out;
    }
    c->st = c->offer_st;
    code = sdes_answer(&cfg, body->s, (size_t)body->len, c->relays, SDES_MAX_MEDIA, &c->st,
                       &c->res2);
    if (code != SDES_REJ_OK) {
        rc = engine_fail(&c->res2, code);
        goto out;
    }
    /* A re-answer with a new key: B may still send under its old one
     * for a while, so srtpd accepts both. */
    for (int i = 0; *reanswer && i < c->res2.n_media && i < c->prev.n_media; i++) {
        sdes_media_result *m = &c->res2.media[i];
        const sdes_state_media *o = &c->prev.media[i];
        const char la = sdes_kam_mirror_leg('a', c->reverse);
        const char lb = sdes_kam_mirror_leg('b', c->reverse);
        /* Unchanged directions are not resent: srtpd would restart their
         * ROC. The state keeps the full key sets; only the request skips. */
        if (sdes_kam_keyset_same(&m->b_rx, &o->b_rx))
            m->b_rx.srtp = false;
        else if (m->b_rx.srtp)
            plan_rekey(c, i, lb, false, &m->b_rx, &o->b_rx, m->roc);
        if (sdes_kam_keyset_same(&m->b_tx, &o->b_tx))
            m->b_tx.srtp = false;
        else if (m->b_tx.srtp)
            plan_rekey(c, i, lb, true, &m->b_tx, &o->b_tx, m->roc);
        if (sdes_kam_keyset_same(&m->a_tx, &o->a_tx))
            m->a_tx.srtp = false;
        else if (m->a_tx.srtp)
            plan_rekey(c, i, la, true, &m->a_tx, &o->a_tx, m->roc);
    }
    /* The offer state stays: a 200 after a 183, or a retransmitted 2xx,
     * is answered against the same offer. The answer state is kept in the
     * first offer's orientation (c->prev is free again: it becomes that). */
    if (c->reverse)
        sdes_kam_mirror_state(&c->st, &c->prev,
                              sdes_kam_unmirror_mode((sdes_mode)c->st.mode, &c->answer_st));
    else
        c->prev = c->st;
    {
        size_t cl = 0;
        if (c->res2.body_len + SDES_KAM_ANSWER_HASH <= sizeof(c->new_cache)) {
            memcpy(c->new_cache + SDES_KAM_ANSWER_HASH, c->res2.body, c->res2.body_len);
            cl = SDES_KAM_ANSWER_HASH + c->res2.body_len;
        }
        c->blob_len = sdes_kam_blob_pack(c->tag, strlen(c->tag), c->reverse, &c->offer_st,
                                         &c->prev, c->new_cache, cl, c->blob, sizeof(c->blob));
        if (!c->blob_len && cl) /* too large with the cache: keep the states */
            c->blob_len = sdes_kam_blob_pack(c->tag, strlen(c->tag), c->reverse, &c->offer_st,
                                             &c->prev, NULL, 0, c->blob, sizeof(c->blob));
    }
    if (!c->blob_len) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
        goto out;
    }
    ctl_benc_init(&w, c->req, sizeof(c->req));
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "answer");
    ctl_benc_kv_str(&w, "sdes-state", c->blob, c->blob_len);
    if (sdes_kam_msg_streams(&w, &c->res2, &c->st,
                             SDES_KAM_MSG_A_SEND | SDES_KAM_MSG_B_PEER | SDES_KAM_MSG_B_RECV |
                                 SDES_KAM_MSG_B_SEND | (c->reverse ? SDES_KAM_MSG_SWAP : 0)) < 0) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        rc = sdes_kam_result_set(SDES_RC_BAD_SDP, "an MKI longer than %d bytes: srtpd's control"
                                 " protocol carries MKIs as integers", SDES_KAM_MAX_MKI_LEN);
        goto out;
    }
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w)) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "answer too large for a control request");
        goto out;
    }
    if ((rc = send_req(c, relay, w.len, &doc, &root, "the answer")) < 0)
        goto out;
    if (c->n_rekeys && (rc = send_rekeys(c, relay, cid)) < 0)
        goto out;
    if (sdes_kam_body_replace(msg, c->res2.body, (int)c->res2.body_len) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "cannot replace the SDP body");
        goto out;
    }
    note_suite(&c->res2);
    if (c->res2.notes[0])
        LM_INFO("Call-ID %.*s: answer: %s\n", cid->len, cid->s, c->res2.notes);
    rc = sdes_kam_result_set(SDES_RC_OK, NULL);
out:
    ctx_free(c);
    return rc;
}
