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
 *
 * Forking (RFC 3261 §16.7): answers from several branches (To-tags) are
 * kept per branch in the sdes-state (call/callstate.h). Our keys toward the
 * offerer are made by the first answer to an offer and written into the
 * offer state, so every branch's answer gives the offerer the same keys;
 * keys toward the branches come from our offer. srtpd relays one branch:
 * the latest answer's, until a 2xx commits one. Moving to another branch
 * installs its keys as new contexts (its own stream, ROC 0) and its
 * address; a delete for a branch that is not the committed one removes
 * only that branch.
 *
 * Re-offers from either side (RFC 3264 §8): srtpd's legs are fixed by the
 * first offer (leg a faces its offerer). A re-offer from the other side
 * runs the engine on the mirrored state (call/mirror.h) and its results are
 * mapped back onto srtpd's legs; the pending offer state is kept in the
 * engine's orientation with cs.offer_from_b set, branch states always in
 * the first offer's.
 */
#include "sdes/kam_call.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/ut.h"

#include "sdes/kam_ack.h"
#include "sdes/call/bind.h"
#include "sdes/kam_body.h"
#include "sdes/call/callstate.h"
#include "sdes/call/ctlmsg.h"
#include "sdes/call/bridge.h"
#include "sdes/call/mirror.h"
#include "sdes/kam_relay.h"
#include "sdes/kam_result.h"

#include "ctl/ng.h"

#define BLOB_MAX 16384 /* srtpd's sdes-state bound (docs/protocol.md) */

/* A direction whose keys change on a re-offer/re-answer, moved with srtpd's
 * "rekey" after the offer/answer request (call/ctlmsg.h). */
typedef struct call_rekey {
    int index;
    char leg;
    bool send;
    sg_roc_policy roc;
    bool defer; /* send toward a re-offerer: switch at its ACK (kam_ack.h) */
    sdes_keyset k, old;
} call_rekey;

#define MAX_REKEYS (SDES_MAX_MEDIA * 3) /* a_rx on offers; b_rx, b_tx, a_tx on answers */

/* Everything one offer or answer needs; large (engine states and results),
 * so on the heap, and wiped before it is freed: it holds keys. */
typedef struct call_ctx {
    sdes_state offer_st, answer_st, st;
    sdes_state prev; /* answer_st as the engine sees this exchange (call/mirror.h) */
    bool reverse;    /* this exchange's offer came from srtpd's leg b side */
    sdes_result res1, res2;
    sdes_relay relays[SDES_MAX_MEDIA];
    uint8_t blob[BLOB_MAX]; /* the sdes-state as read; cs points into it */
    size_t blob_len;
    sdes_kam_callstate cs;
    uint8_t out[BLOB_MAX];  /* the sdes-state to write */
    size_t out_len;
    uint8_t offer_packed[BLOB_MAX], answer_packed[BLOB_MAX];
    uint8_t policy_packed[SDES_KAM_BIND_MAX]; /* the bound policy to write */
    char tag[SDES_KAM_TAG_MAX]; /* the offerer's tag */
    char req[CTL_MAX_MSG];
    char saved[CTL_MAX_MSG]; /* the offer, resent to the next relay on failover */
    char err[256];
    call_rekey rekeys[MAX_REKEYS];
    int n_rekeys;
    sdes_kam_pending pend; /* the deferred switches of this answer */
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

static void msg_tag(sip_msg_t *msg, int to, char *out, size_t cap);

/* Reads the call's sdes-state out of a "state" reply into c: the branch
 * view (c->cs, pointing into c->blob), the offerer's tag and the offer
 * state. */
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
    sdes_state_init(&c->offer_st);
    if (sdes_kam_callstate_unpack(c->blob, len, &c->cs) < 0 ||
        (c->cs.offer_len && !sdes_state_unpack(c->cs.offer, c->cs.offer_len, &c->offer_st)))
        return sdes_kam_result_set(SDES_RC_ERROR, "the call's sdes state does not unpack");
    memcpy(c->tag, c->cs.offerer_tag, sizeof(c->tag));
    c->reverse = c->cs.offer_from_b;
    return SDES_RC_OK;
}

/* The engine state after branch i's last answer into *st (empty for -1). */
static int load_branch(call_ctx *c, int i, sdes_state *st)
{
    sdes_state_init(st);
    if (i < 0 || i >= c->cs.n_branches)
        return SDES_RC_OK;
    if (!sdes_state_unpack(c->cs.br[i].state, c->cs.br[i].state_len, st))
        return sdes_kam_result_set(SDES_RC_ERROR, "the call's sdes state does not unpack");
    return SDES_RC_OK;
}

/* The flags this exchange runs with (call/bind.h): the call's bound policy
 * tightened by f, or f itself with policy-loosen (logged) or on a call
 * without one (a first offer, or a call set up by an older sdes.so). The
 * result becomes the call's bound policy with the next state write. */
static int bind_policy(call_ctx *c, const sdes_kam_flags *f, sdes_kam_flags *eff,
                       const str *cid)
{
    sdes_kam_flags bound;
    char was[256], now[256];
    size_t n;

    if (!c->cs.policy_len) {
        *eff = *f;
    } else if (sdes_kam_bind_unpack(c->cs.policy, c->cs.policy_len, &bound) < 0) {
        return sdes_kam_result_set(SDES_RC_ERROR, "the call's bound policy does not unpack");
    } else if (f->set & SDES_KAM_F_LOOSEN) {
        *eff = *f;
        if (!(f->given & SDES_KAM_F_MODE))
            eff->mode = bound.mode; /* the default mode is no request to change it */
        sdes_kam_flags_format(&bound, was, sizeof(was));
        sdes_kam_flags_format(eff, now, sizeof(now));
        if (sdes_kam_bind_is_looser(&bound, eff))
            LM_WARN("sdes: Call-ID %.*s: policy LOOSENED by policy-loosen: was \"%s\", now"
                    " \"%s\"\n", cid->len, cid->s, was, now);
        else
            LM_NOTICE("sdes: Call-ID %.*s: policy replaced by policy-loosen: was \"%s\", now"
                      " \"%s\"\n", cid->len, cid->s, was, now);
    } else if (sdes_kam_bind_tighten(&bound, f, eff, c->err, sizeof(c->err)) < 0) {
        return sdes_kam_result_set(SDES_RC_POLICY, "%s", c->err);
    }
    eff->set &= ~(SDES_KAM_F_LOOSEN | SDES_KAM_F_INDIALOG);
    if (!(n = sdes_kam_bind_pack(eff, c->policy_packed, sizeof(c->policy_packed))))
        return sdes_kam_result_set(SDES_RC_ERROR, "cannot pack the call's policy");
    c->cs.policy = c->policy_packed;
    c->cs.policy_len = n;
    return SDES_RC_OK;
}

/* An in-dialog request (RFC 3261 §12.2: a To-tag) or an offer the script
 * marked in-dialog (a late re-offer in a 2xx). */
static int in_dialog(sip_msg_t *msg, const sdes_kam_flags *f)
{
    char t[SDES_KAM_TAG_MAX];
    if (f->set & SDES_KAM_F_INDIALOG)
        return 1;
    if (msg->first_line.type != SIP_REQUEST)
        return 0;
    msg_tag(msg, 1, t, sizeof(t));
    return t[0] != '\0';
}

/* Packs c->cs into c->out. When it does not fit srtpd's bound, the bodies
 * of branches other than the active one go first (a repeat of such a
 * branch's answer is then taken as a new answer; media cannot return to it
 * after a delete). */
static int pack_state(call_ctx *c)
{
    c->out_len = sdes_kam_callstate_pack(&c->cs, c->out, sizeof(c->out));
    for (int i = 0; !c->out_len && i < c->cs.n_branches; i++) {
        if (i == c->cs.active)
            continue;
        c->cs.br[i].in = c->cs.br[i].out = NULL;
        c->cs.br[i].in_len = c->cs.br[i].out_len = 0;
        c->out_len = sdes_kam_callstate_pack(&c->cs, c->out, sizeof(c->out));
    }
    if (!c->out_len)
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
    LM_DBG("sdes-state: %zu bytes, %d branch(es)\n", c->out_len, c->cs.n_branches);
    return SDES_RC_OK;
}

/* The message's two dialog tags (empty when absent). */
static void msg_tag(sip_msg_t *msg, int to, char *out, size_t cap)
{
    str t = STR_NULL;
    out[0] = '\0';
    if (to) {
        if (parse_headers(msg, HDR_TO_F, 0) == 0 && msg->to)
            t = get_to(msg)->tag_value;
    } else if (parse_from_header(msg) == 0 && msg->from) {
        t = get_from(msg)->tag_value;
    }
    if (t.s && t.len > 0) {
        size_t n = (size_t)t.len < cap - 1 ? (size_t)t.len : cap - 1;
        memcpy(out, t.s, n);
        out[n] = '\0';
    }
}

/* The branch a message belongs to: of its From- and To-tag, the one that
 * is not the offerer's (a reply or the caller's request: To; the callee's
 * request: From; RFC 3261 §12.1 dialog tags). "" when it has none. */
static void branch_tag(sip_msg_t *msg, const char *offerer, char *out, size_t cap)
{
    msg_tag(msg, 0, out, cap);
    if (strcmp(out, offerer) == 0)
        msg_tag(msg, 1, out, cap);
}

/* Does this answer commit its branch: a 2xx to the INVITE (RFC 3261
 * §13.2.2.4), or the ACK that carries the answer to a late offer? A 2xx to
 * an UPDATE or PRACK does not end the INVITE transaction. */
static int is_commit(sip_msg_t *msg)
{
    if (msg->first_line.type == SIP_REQUEST)
        return msg->first_line.u.request.method_value == METHOD_ACK;
    if (msg->first_line.u.reply.statuscode < 200 || msg->first_line.u.reply.statuscode >= 300)
        return 0;
    if (parse_headers(msg, HDR_CSEQ_F, 0) < 0 || !msg->cseq)
        return 0;
    return get_cseq(msg)->method_id == METHOD_INVITE;
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
    size_t n = sdes_kam_relay_cid_request(body, sizeof(body), cid->s, (size_t)cid->len, "delete");
    if (n)
        sdes_kam_relay_send(i, body, n, &doc, &root, err, sizeof(err));
}

/* A changed direction of a re-offer/re-answer: when srtpd can rekey it in
 * place (same context, so the stream's ROC continues, RFC 3711 §3.3.1),
 * it leaves the offer/answer request (k->srtp cleared there) and is queued
 * for send_rekeys(). Otherwise it stays in the request and replaces the
 * context; a receive direction then keeps the peer's old keys beside the
 * new ones (sdes_kam_keyset_keep_old). */
static call_rekey *plan_rekey(call_ctx *c, int index, char leg, bool send, sdes_keyset *k,
                              const sdes_keyset *old, sg_roc_policy roc)
{
    if (c->n_rekeys < MAX_REKEYS && sdes_kam_keyset_can_rekey(k, old, roc)) {
        call_rekey *r = &c->rekeys[c->n_rekeys++];
        r->index = index;
        r->leg = leg;
        r->send = send;
        r->roc = roc;
        r->defer = false;
        r->k = *k;
        r->old = *old;
        k->srtp = false;
        return r;
    }
    if (!send)
        sdes_kam_keyset_keep_old(k, old);
    return NULL;
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
        int after = r->defer ? sdes_kam_ack_switch_after() : 0;
        ctl_benc_init(&w, c->req, sizeof(c->req));
        if (sdes_kam_msg_rekey_after(&w, cid->s, (size_t)cid->len, r->index, r->leg, r->send,
                                     &r->k, &r->old, after) < 0) {
            OPENSSL_cleanse(c->req, sizeof(c->req));
            return sdes_kam_result_set(SDES_RC_ERROR, "rekey request too large");
        }
        rc = send_req(c, i, w.len, &doc, &root, "the rekey");
        if (rc == SDES_RC_OK && after > 0 && c->pend.n < SDES_KAM_PENDING_SW &&
            sdes_kam_mki_value(&r->k.keys[0], &c->pend.sw[c->pend.n].mki)) {
            c->pend.sw[c->pend.n].stream = r->index;
            c->pend.sw[c->pend.n].leg = r->leg;
            c->pend.n++;
            c->pend.relay = i;
            LM_INFO("sdes: Call-ID %.*s: stream %d leg %c send: rekeyed in place (ROC kept);"
                    " the switch waits for the re-offerer's ACK (srtpd's deadline %d ms)\n",
                    cid->len, cid->s, r->index, r->leg, after);
            continue;
        }
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

static int send_state(call_ctx *c, int relay, const str *cid);

/* The MKI length of a side's own keys (0: none, or no SRTP from it). */
static unsigned own_mki(const sdes_keyset *k)
{
    return k->srtp && k->n_keys ? k->keys[0].mki_len : 0;
}

/* nomki=keep in a rekey: says which legs kept their key (so an operator
 * sees the rekey did not reach a phone keyed without MKI). */
static void log_nomki_kept(call_ctx *c, const sdes_policy *pol, const str *cid)
{
    for (int i = 0; i < c->res1.n_media && i < c->prev.n_media; i++) {
        const sdes_media_result *m = &c->res1.media[i];
        const sdes_state_media *o = &c->prev.media[i];
        if (m->state != SDES_MEDIA_SRTP || m->hold)
            continue;
        if (o->b_tx.srtp && !sdes_policy_rekey_toward(pol, (uint8_t)own_mki(&o->b_rx)))
            LM_INFO("sdes: Call-ID %.*s: stream %d leg %c: key kept in the rekey (nomki=keep,"
                    " no MKI toward that phone)\n", cid->len, cid->s, i,
                    sdes_kam_mirror_leg('b', c->reverse));
        if (o->a_tx.srtp && o->a_tx.suite == m->a_rx.suite &&
            !sdes_policy_rekey_toward(pol, (uint8_t)own_mki(&m->a_rx)))
            LM_INFO("sdes: Call-ID %.*s: stream %d leg %c: key kept in the rekey (nomki=keep,"
                    " no MKI toward that phone)\n", cid->len, cid->s, i,
                    sdes_kam_mirror_leg('a', c->reverse));
    }
}

int sdes_kam_call_offer(sip_msg_t *msg, const sdes_kam_flags *f, int mode_given, int rekey,
                        const str *body, const str *cid, sdes_mode *mode_out, int *reoffer)
{
    call_ctx *c = ctx_new();
    const ctl_be_doc *doc = NULL;
    const ctl_be *root = NULL;
    sdes_policy pol;
    sdes_config cfg;
    sdes_kam_flags eff;
    char tag[256];
    ctl_benc w;
    int rc, relay, created = 0, n;
    sdes_rej code;

    *reoffer = 0;
    if (!c)
        return sdes_kam_result_set(SDES_RC_ERROR, "out of memory");
    offerer_tag(msg, tag, sizeof(tag));
    memset(&cfg, 0, sizeof(cfg));
    cfg.policy = &pol;
    cfg.mode = engine_mode(f->mode);
    cfg.rekey = rekey != 0;

    relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, &doc, &root, c->err, sizeof(c->err));
    if (relay >= 0) {
        char bt[SDES_KAM_TAG_MAX];
        int ref;
        if ((rc = load_state(c, doc, root)) < 0)
            goto out;
        /* The exchange this re-offer follows: the dialog's own branch
         * (To-tag of the caller's re-INVITE/UPDATE), else the one srtpd
         * relays. */
        branch_tag(msg, c->tag, bt, sizeof(bt));
        ref = sdes_kam_callstate_find(&c->cs, bt);
        if (ref < 0)
            ref = c->cs.active;
        if ((rc = load_branch(c, ref, &c->answer_st)) < 0)
            goto out;
        if (c->answer_st.phase == 2) {
            /* A re-offer, from either side. srtpd's legs are fixed by the
             * first offer; one from its answerer runs the engine on the
             * mirrored state (call/mirror.h). */
            c->reverse = sdes_kam_mirror_is_reverse(&c->answer_st, c->tag, tag);
            if (c->reverse) {
                sdes_mode m = sdes_kam_mirror_mode(&c->answer_st);
                sdes_kam_mirror_state(&c->answer_st, &c->prev, m);
                snprintf(tag, sizeof(tag), "%s", c->tag); /* leg a stays the first offerer's */
                LM_INFO("sdes: Call-ID %.*s: re-offer from leg b's side (the first offer's"
                        " answerer)\n", cid->len, cid->s);
            } else {
                c->prev = c->answer_st;
            }
            /* The call keeps its mode: another one is a loosening, taken
             * only with policy-loosen. */
            if (mode_given && cfg.mode != (sdes_mode)c->prev.mode &&
                !(f->set & SDES_KAM_F_LOOSEN))
                LM_NOTICE("sdes: Call-ID %.*s: the call keeps mode %s (the flags name %s;"
                          " policy-loosen changes it)\n", cid->len, cid->s,
                          sdes_mode_name((sdes_mode)c->prev.mode), sdes_mode_name(cfg.mode));
            if (!mode_given || !(f->set & SDES_KAM_F_LOOSEN))
                cfg.mode = (sdes_mode)c->prev.mode;
            *reoffer = 1;
        } else {
            /* No exchange completed yet: a new offer, answers to an
             * earlier one do not count. */
            sdes_state_init(&c->answer_st);
            c->cs.n_branches = 0;
            c->cs.active = -1;
            c->cs.committed = false;
            c->reverse = false;
            c->prev = c->answer_st;
        }
    } else if (in_dialog(msg, f)) {
        /* Lost state fails closed: an offer inside a dialog whose call no
         * relay holds is never set up anew with the defaults (docs/sdes-module.md). */
        if (relay == -2)
            rc = sdes_kam_result_set(SDES_RC_NO_CALL, "no relay knows this call: its media"
                                     " state is gone (relay restarted, or the call timed"
                                     " out); an in-dialog offer is not set up anew");
        else
            rc = sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
        goto out;
    } else if (relay == -2 || sdes_kam_relay_count() > 0) {
        sdes_state_init(&c->answer_st);
        c->prev = c->answer_st;
        memset(&c->cs, 0, sizeof(c->cs));
        c->cs.active = -1;
        relay = -1;
    } else {
        rc = sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
        goto out;
    }
    /* The policy: the call's bound one, tightened by these flags. */
    if ((rc = bind_policy(c, f, &eff, cid)) < 0)
        goto out;
    if (sdes_kam_engine_policy(&eff, &pol, c->err, sizeof(c->err)) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", c->err);
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

    if (cfg.rekey && *reoffer && pol.nomki_keep)
        log_nomki_kept(c, &pol, cid);

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
        rc = sdes_kam_result_set(SDES_RC_BAD_SDP, "an MKI value wider than %d bytes: srtpd's control"
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
     * branches' answer states stay beside it: a re-offer B rejects leaves
     * the call as it was. */
    snprintf(c->cs.offerer_tag, sizeof(c->cs.offerer_tag), "%s", tag);
    c->cs.offer_from_b = c->reverse;
    c->cs.offer_len = sdes_state_pack(&c->st, c->offer_packed, sizeof(c->offer_packed));
    c->cs.offer = c->offer_packed;
    if (!c->cs.offer_len) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
        goto out_drop;
    }
    if ((rc = pack_state(c)) < 0)
        goto out_drop;
    if ((rc = send_state(c, relay, cid)) < 0)
        goto out_drop;

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

/* Sends srtpd "answer" for c->res2 (what: which parts) with the new
 * sdes-state in c->out, then the queued rekeys. */
static int send_answer(call_ctx *c, int relay, const str *cid, unsigned what)
{
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    int rc;

    ctl_benc_init(&w, c->req, sizeof(c->req));
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "answer");
    ctl_benc_kv_str(&w, "sdes-state", c->out, c->out_len);
    if (sdes_kam_msg_streams(&w, &c->res2, &c->st, what) < 0) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        return sdes_kam_result_set(SDES_RC_BAD_SDP, "an MKI value wider than %d bytes: srtpd's control"
                                   " protocol carries MKIs as integers", SDES_KAM_MAX_MKI_LEN);
    }
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w)) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        return sdes_kam_result_set(SDES_RC_ERROR, "answer too large for a control request");
    }
    if ((rc = send_req(c, relay, w.len, &doc, &root, "the answer")) < 0)
        return rc;
    if (c->n_rekeys && (rc = send_rekeys(c, relay, cid)) < 0)
        return rc;
    return SDES_RC_OK;
}

/* Sends srtpd "update" with only the new sdes-state in c->out. */
static int send_state(call_ctx *c, int relay, const str *cid)
{
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    ctl_benc_init(&w, c->req, sizeof(c->req));
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "update");
    ctl_benc_kv_str(&w, "sdes-state", c->out, c->out_len);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w)) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state too large for a request");
    }
    return send_req(c, relay, w.len, &doc, &root, "the sdes state");
}

/* Records this answer's deferred switches for the re-offerer's ACK: the
 * Call-ID, the re-INVITE's CSeq number and the re-offerer's From-tag (a
 * reply's From is the request's). */
static void arm_pending(call_ctx *c, sip_msg_t *msg, const str *cid)
{
    unsigned int cseq = 0;
    char tag[SDES_KAM_TAG_MAX];
    if ((size_t)cid->len > sizeof(c->pend.cid) || parse_headers(msg, HDR_CSEQ_F, 0) < 0 ||
        !msg->cseq || str2int(&get_cseq(msg)->number, &cseq) < 0) {
        LM_WARN("sdes: Call-ID %.*s: cannot record the pending key switch; srtpd switches"
                " after %d ms\n", cid->len, cid->s, sdes_kam_ack_switch_after());
        return;
    }
    msg_tag(msg, 0, tag, sizeof(tag));
    memcpy(c->pend.cid, cid->s, (size_t)cid->len);
    c->pend.cid_len = (size_t)cid->len;
    c->pend.cseq = cseq;
    c->pend.tag_hash = sdes_kam_pending_hash(tag, strlen(tag));
    sdes_kam_ack_arm(&c->pend);
}

/* Our keys toward the offerer, made by the first answer to this offer, go
 * into the offer state: every later answer (another branch's, a 200 after
 * a 183 with a different body) gives the offerer the same keys, since we
 * are one endpoint on leg a (RFC 4568 §7.1.4: keys may be kept). */
static int pin_a_keys(call_ctx *c)
{
    for (int i = 0; i < c->st.n_media && i < c->offer_st.n_media; i++) {
        sdes_state_media *o = &c->offer_st.media[i];
        if (!o->in_use || !c->st.media[i].a_tx.srtp)
            continue;
        o->a_tx = c->st.media[i].a_tx;
        o->a_rekey = 0;
    }
    if (c->st.next_mki > c->offer_st.next_mki)
        c->offer_st.next_mki = c->st.next_mki;
    c->cs.offer_len = sdes_state_pack(&c->offer_st, c->offer_packed, sizeof(c->offer_packed));
    c->cs.offer = c->offer_packed;
    if (!c->cs.offer_len)
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
    return SDES_RC_OK;
}

int sdes_kam_call_answer(sip_msg_t *msg, const sdes_kam_flags *f, const str *body,
                         const str *cid, sdes_mode *mode_out, int *reanswer)
{
    call_ctx *c = ctx_new();
    const ctl_be_doc *doc = NULL;
    const ctl_be *root = NULL;
    sdes_policy pol;
    sdes_config cfg;
    sdes_kam_flags eff;
    char bt[SDES_KAM_TAG_MAX];
    int rc, relay, idx, act, commit, may_move, moving, defer_tx;
    sdes_rej code;

    *reanswer = 0;
    if (!c)
        return sdes_kam_result_set(SDES_RC_ERROR, "out of memory");
    relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, &doc, &root, c->err, sizeof(c->err));
    if (relay == -2) {
        rc = sdes_kam_result_set(SDES_RC_NO_CALL, "no relay holds this call (no offer went"
                                                  " through sdes_offer, or its media state"
                                                  " is gone)");
        goto out;
    }
    if (relay < 0) {
        rc = sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
        goto out;
    }
    if ((rc = load_state(c, doc, root)) < 0)
        goto out;
    /* The answer is judged by the call's bound policy (tightened by f),
     * not by the flags of the reply route alone. */
    if ((rc = bind_policy(c, f, &eff, cid)) < 0)
        goto out;
    if (sdes_kam_engine_policy(&eff, &pol, c->err, sizeof(c->err)) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", c->err);
        goto out;
    }
    if (c->offer_st.phase != 1) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "no offer pending for this call");
        goto out;
    }
    /* The answer must come from the side the pending offer went to. An
     * answer from the offerer's own side (an ACK with SDP after a re-INVITE
     * that had one, or a late offer that did not pass sdes_offer) would be
     * taken against the wrong exchange. */
    {
        char author[SDES_KAM_TAG_MAX];
        offerer_tag(msg, author, sizeof(author));
        bool from_leg_a = author[0] && c->tag[0] && strcmp(author, c->tag) == 0;
        if (author[0] && c->tag[0] && from_leg_a != c->reverse) {
            rc = sdes_kam_result_set(SDES_RC_ERROR, "answer from the side that made the pending"
                                                    " offer (no offer pending toward it)");
            goto out;
        }
    }
    /* Which branch answers, and may it move srtpd's media? Until a 2xx
     * commits a branch, the latest answer's branch is relayed (its early
     * media); after that, only the committed branch's answers touch srtpd,
     * the others are rewritten for their dialogs and kept. An answer to a
     * re-offer from leg b's side (from the first offerer) belongs to the
     * re-offerer's branch and never moves media to another one. */
    branch_tag(msg, c->tag, bt, sizeof(bt));
    idx = sdes_kam_callstate_find(&c->cs, bt);
    act = c->cs.active;
    if (c->reverse && idx < 0)
        idx = act;
    commit = is_commit(msg);
    /* Our new key toward the re-offerer waits for its ACK when this is a
     * 2xx to a re-INVITE: srtpd adds it now, protects with it once the
     * ACK shows the re-offerer has this answer (kam_ack.h). Not for an
     * UPDATE's 2xx (no ACK follows; it reaches the re-offerer a one-way
     * delay after passing here, far less than srtpd's fallback, so
     * switching now costs a peer that installs our key at once less) nor
     * for an 18x (no ACK either). */
    defer_tx = commit && msg->first_line.type == SIP_REPLY && sdes_kam_ack_switch_after() > 0;
    may_move = !c->cs.committed || (idx >= 0 && idx == act);
    moving = may_move && (idx < 0 || idx != act) && !c->reverse;
    *reanswer = c->cs.n_branches > 0;
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

    /* The same branch's answer again (a retransmitted 2xx, a 200 repeating
     * its 183's SDP, a repeated 183) gets the same body: RFC 3261
     * §13.2.2.4, later copies are not new answers, so they do not move
     * media either. Only a 2xx changes srtpd then: it commits the branch
     * srtpd relays, or (below, through the engine again) moves media back
     * to its branch and commits it. */
    if (idx >= 0 && (!moving || !commit) && c->cs.br[idx].in && c->cs.br[idx].out &&
        c->cs.br[idx].in_len == (size_t)body->len &&
        CRYPTO_memcmp(c->cs.br[idx].in, body->s, (size_t)body->len) == 0) {
        if (sdes_kam_body_replace(msg, (const char *)c->cs.br[idx].out,
                                  (int)c->cs.br[idx].out_len) < 0) {
            rc = sdes_kam_result_set(SDES_RC_ERROR, "cannot replace the SDP body");
            goto out;
        }
        if (commit && !c->cs.committed && idx == act) {
            c->cs.committed = true;
            if ((rc = pack_state(c)) < 0 || (rc = send_state(c, relay, cid)) < 0)
                goto out;
            LM_INFO("sdes: Call-ID %.*s: branch %s committed\n", cid->len, cid->s, bt);
        }
        LM_INFO("sdes: Call-ID %.*s: answer repeated: same body as before\n", cid->len, cid->s);
        rc = sdes_kam_result_set(SDES_RC_OK, NULL);
        goto out;
    }
    /* What srtpd runs now: the active branch's last answer, as the engine
     * sees this exchange (mirrored for an offer from leg b's side). */
    if ((rc = load_branch(c, c->reverse ? idx : act, &c->answer_st)) < 0)
        goto out;
    if (c->reverse)
        sdes_kam_mirror_state(&c->answer_st, &c->prev, (sdes_mode)c->offer_st.mode);
    else
        c->prev = c->answer_st;
    c->st = c->offer_st;
    code = sdes_answer(&cfg, body->s, (size_t)body->len, c->relays, SDES_MAX_MEDIA, &c->st,
                       &c->res2);
    if (code != SDES_REJ_OK) {
        rc = engine_fail(&c->res2, code);
        goto out;
    }
    for (int i = 0; may_move && i < c->res2.n_media && i < c->prev.n_media; i++) {
        sdes_media_result *m = &c->res2.media[i];
        const sdes_state_media *o = &c->prev.media[i];
        const char la = sdes_kam_mirror_leg('a', c->reverse);
        const char lb = sdes_kam_mirror_leg('b', c->reverse);
        /* Leg a's send keys are the same for every branch (pin_a_keys):
         * not resent, so srtpd keeps that context and its ROC. */
        if (sdes_kam_keyset_same(&m->a_tx, &o->a_tx)) {
            m->a_tx.srtp = false;
        } else if (m->a_tx.srtp && !moving) {
            call_rekey *r = plan_rekey(c, i, la, true, &m->a_tx, &o->a_tx, m->roc);
            if (r)
                r->defer = defer_tx;
        }
        if (moving)
            continue; /* another branch: its own stream, new contexts */
        /* The same branch answers again with new keys: B may still send
         * under its old one for a while, so srtpd accepts both. Unchanged
         * directions are not resent: srtpd would restart their ROC. */
        if (sdes_kam_keyset_same(&m->b_rx, &o->b_rx))
            m->b_rx.srtp = false;
        else if (m->b_rx.srtp)
            plan_rekey(c, i, lb, false, &m->b_rx, &o->b_rx, m->roc);
        if (sdes_kam_keyset_same(&m->b_tx, &o->b_tx))
            m->b_tx.srtp = false;
        else if (m->b_tx.srtp)
            plan_rekey(c, i, lb, true, &m->b_tx, &o->b_tx, m->roc);
    }
    if ((rc = pin_a_keys(c)) < 0)
        goto out;
    /* The branch keeps its answer state (in the first offer's orientation;
     * c->prev is free again) and both bodies. */
    if (c->reverse)
        sdes_kam_mirror_state(&c->st, &c->prev,
                              sdes_kam_unmirror_mode((sdes_mode)c->st.mode, &c->answer_st));
    else
        c->prev = c->st;
    {
        size_t n = sdes_state_pack(&c->prev, c->answer_packed, sizeof(c->answer_packed));
        if (!n) {
            rc = sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
            goto out;
        }
        if (idx < 0 && (idx = sdes_kam_callstate_add(&c->cs, bt)) < 0) {
            rc = sdes_kam_result_set(SDES_RC_ERROR, "too many answering branches");
            goto out;
        }
        sdes_kam_branch *b = &c->cs.br[idx];
        b->state = c->answer_packed;
        b->state_len = n;
        b->in = (const uint8_t *)body->s;
        b->in_len = (size_t)body->len;
        b->out = (const uint8_t *)c->res2.body;
        b->out_len = c->res2.body_len;
        idx = sdes_kam_callstate_touch(&c->cs, idx);
    }
    if (may_move) {
        c->cs.active = idx;
        if (commit)
            c->cs.committed = true;
    }
    if ((rc = pack_state(c)) < 0)
        goto out;
    if (may_move)
        rc = send_answer(c, relay, cid,
                         SDES_KAM_MSG_A_SEND | SDES_KAM_MSG_B_PEER | SDES_KAM_MSG_B_RECV |
                             SDES_KAM_MSG_B_SEND | (c->reverse ? SDES_KAM_MSG_SWAP : 0));
    else
        rc = send_state(c, relay, cid);
    if (rc < 0)
        goto out;
    if (c->pend.n)
        arm_pending(c, msg, cid);
    if (moving && act >= 0)
        LM_INFO("sdes: Call-ID %.*s: media moves to branch %s%s\n", cid->len, cid->s, bt,
                commit ? " (committed)" : "");
    else if (!may_move)
        LM_INFO("sdes: Call-ID %.*s: answer from branch %s kept; media stays with the committed"
                " branch\n", cid->len, cid->s, bt);
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

int sdes_kam_call_delete_branch(sip_msg_t *msg, const sdes_kam_flags *f, const str *cid)
{
    call_ctx *c;
    const ctl_be_doc *doc = NULL;
    const ctl_be *root = NULL;
    char bt[SDES_KAM_TAG_MAX];
    int relay, idx, was_active, rc = 0;

    /* A CANCEL (of the INVITE, no To-tag) or the INVITE itself (failure
     * route: the whole transaction failed) ends the call. */
    if (msg->first_line.type == SIP_REQUEST &&
        msg->first_line.u.request.method_value == METHOD_CANCEL)
        return 0;
    msg_tag(msg, 1, bt, sizeof(bt));
    if (!bt[0])
        return 0;
    if (!(c = ctx_new()))
        return 0;
    relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, &doc, &root, c->err, sizeof(c->err));
    if (relay < 0 || load_state(c, doc, root) < 0)
        goto out;
    branch_tag(msg, c->tag, bt, sizeof(bt));
    if (!bt[0])
        goto out;
    idx = sdes_kam_callstate_find(&c->cs, bt);
    if (c->cs.committed) {
        if (idx == c->cs.active)
            goto out; /* the call's own dialog ends */
        rc = 1;
        if (idx < 0) {
            LM_INFO("sdes: Call-ID %.*s: branch %s has no answer here; the committed branch"
                    " keeps the call\n", cid->len, cid->s, bt);
            goto out;
        }
        sdes_kam_callstate_remove(&c->cs, idx);
        if (pack_state(c) < 0 || send_state(c, relay, cid) < 0)
            LM_WARN("sdes: Call-ID %.*s: branch %s: %s\n", cid->len, cid->s, bt,
                    sdes_kam_result_reason());
        LM_NOTICE("sdes: Call-ID %.*s: branch %s removed; the call goes on with the committed"
                  " branch\n", cid->len, cid->s, bt);
        goto out;
    }
    /* Early: other branches that answered keep the call; without any, the
     * call ends (a single branch failing, as before forking was known). */
    if (idx < 0) {
        rc = c->cs.n_branches > 0;
        goto out;
    }
    was_active = idx == c->cs.active;
    sdes_kam_callstate_remove(&c->cs, idx);
    if (c->cs.n_branches == 0)
        goto out;
    rc = 1;
    if (was_active) {
        /* Media goes back to the latest branch still ringing, from its
         * answer as it came (address and keys, new contexts). */
        int last = c->cs.n_branches - 1;
        sdes_kam_branch *b = &c->cs.br[last];
        sdes_kam_flags eff;
        sdes_policy pol;
        sdes_config cfg;
        c->cs.active = last;
        const char *why = NULL;
        if (!b->in)
            why = "its answer was not kept (state too large)";
        else if (c->cs.offer_from_b)
            /* The offer state is mirrored while a re-offer from leg b's
             * side is pending (call/mirror.h): not an answer to replay. */
            why = "a re-offer from leg b's side is pending";
        else if (bind_policy(c, f, &eff, cid) < 0)
            why = sdes_kam_result_reason();
        else if (sdes_kam_engine_policy(&eff, &pol, c->err, sizeof(c->err)) < 0)
            why = c->err;
        else if (sdes_kam_msg_ports(doc, root, 'a', c->relays, SDES_MAX_MEDIA) < 0)
            why = "state reply without streams";
        if (!why) {
            memset(&cfg, 0, sizeof(cfg));
            cfg.policy = &pol;
            cfg.mode = (sdes_mode)c->offer_st.mode;
            c->st = c->offer_st;
            if (sdes_answer(&cfg, (const char *)b->in, b->in_len, c->relays, SDES_MAX_MEDIA,
                            &c->st, &c->res2) != SDES_REJ_OK)
                why = c->res2.reason;
        }
        if (!why) {
            for (int i = 0; i < c->res2.n_media; i++)
                c->res2.media[i].a_tx.srtp = false; /* leg a keeps its keys */
            if (pack_state(c) < 0 ||
                send_answer(c, relay, cid,
                            SDES_KAM_MSG_A_SEND | SDES_KAM_MSG_B_PEER | SDES_KAM_MSG_B_RECV |
                                SDES_KAM_MSG_B_SEND) < 0)
                why = sdes_kam_result_reason();
        }
        if (!why) {
            LM_NOTICE("sdes: Call-ID %.*s: branch %s removed; media back to branch %s\n",
                      cid->len, cid->s, bt, b->tag);
            goto out;
        }
        LM_WARN("sdes: Call-ID %.*s: branch %s removed; media could not move back to branch"
                " %s: %s\n", cid->len, cid->s, bt, b->tag, why);
        c->cs.active = -1; /* the next answer installs its branch in full */
    }
    if (pack_state(c) < 0 || send_state(c, relay, cid) < 0)
        LM_WARN("sdes: Call-ID %.*s: branch %s: %s\n", cid->len, cid->s, bt,
                sdes_kam_result_reason());
    else
        LM_NOTICE("sdes: Call-ID %.*s: branch %s removed; the call goes on for the other"
                  " branches\n", cid->len, cid->s, bt);
out:
    ctx_free(c);
    return rc;
}
