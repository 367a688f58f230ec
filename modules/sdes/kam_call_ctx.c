/*
 * modules/sdes/kam_call_ctx.c — the steps of sdes.so's call path that
 * offers (kam_call.c) and answers (kam_call_answer.c) share
 * (kam_call_ctx.h): the call context, the call's sdes-state and bound
 * policy, the SIP message's dialog tags, and the requests to srtpd.
 */
#include "sdes/kam_call_ctx.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/ut.h"

/* Kamailio's SIP workers are processes that run one message at a time:
 * one context each, allocated at the first use, is all they need. */
static call_ctx *proc_ctx;
static bool proc_ctx_busy;

call_ctx *kcall_ctx_new(void)
{
    call_ctx *c;
    if (!proc_ctx_busy) {
        if (!proc_ctx)
            proc_ctx = calloc(1, sizeof(*proc_ctx));
        if (proc_ctx) {
            proc_ctx_busy = true;
            return proc_ctx;
        }
    }
    c = calloc(1, sizeof(*c)); /* nested use (none today), or no memory */
    if (!c)
        LM_ERR("out of memory for an SDES call context\n");
    return c;
}

static void result_clear(sdes_result *r)
{
    size_t n = r->n_media > 0 && r->n_media <= SDES_MAX_MEDIA ? (size_t)r->n_media : 0;
    sdes_result_free(r); /* keys and body */
    OPENSSL_cleanse(r->media, n * sizeof(r->media[0]));
    OPENSSL_cleanse(r, offsetof(sdes_result, media));
}

void kcall_ctx_reset(call_ctx *c)
{
    sdes_state_clear(&c->offer_st);
    sdes_state_clear(&c->answer_st);
    sdes_state_clear(&c->st);
    sdes_state_clear(&c->prev);
    result_clear(&c->res1);
    result_clear(&c->res2);
    OPENSSL_cleanse(c->blob, c->blob_len);
    OPENSSL_cleanse(c->out, c->out_hw > c->out_len ? c->out_hw : c->out_len);
    OPENSSL_cleanse(c->offer_packed, c->offer_hw);
    OPENSSL_cleanse(c->answer_packed, c->answer_hw);
    if (c->req_dirty)
        OPENSSL_cleanse(c->req, sizeof(c->req));
    /* saved: offer_send wipes what it copied. */
    if (c->n_rekeys > 0)
        OPENSSL_cleanse(c->rekeys, (size_t)c->n_rekeys * sizeof(c->rekeys[0]));
    OPENSSL_cleanse(c->relays, sizeof(*c) - offsetof(call_ctx, relays));
}

void kcall_ctx_free(call_ctx *c)
{
    if (!c)
        return;
    kcall_ctx_reset(c);
    if (c == proc_ctx)
        proc_ctx_busy = false;
    else
        free(c);
    sdes_kam_relay_wipe_reply(); /* the last reply may have been a state reply */
}

void kcall_req_begin(call_ctx *c, ctl_benc *w)
{
    ctl_benc_init(w, c->req, sizeof(c->req));
    c->req_dirty = true;
}

void kcall_req_if_version(call_ctx *c, ctl_benc *w)
{
    if (c->have_version)
        ctl_benc_kv_int(w, "if-version", (int64_t)c->version);
}

/* The reply's sdes-version, when it has one (an older srtpd has none: no
 * if-version then; a rekey reply has none either and changes nothing). */
static void note_version(call_ctx *c, const ctl_be_doc *doc, const ctl_be *root)
{
    int64_t v;
    if (ctl_be_get_int(doc, root, "sdes-version", &v) && v >= 0) {
        c->have_version = true;
        c->version = (uint64_t)v;
    }
}

void kcall_note_hw(size_t *hw, size_t n, size_t cap)
{
    if (!n)
        n = cap;
    if (n > *hw)
        *hw = n;
}

void kcall_mirror(const sdes_state *in, sdes_state *out, sdes_mode mode)
{
    sdes_state_clear(out);
    sdes_call_mirror_state(in, out, mode);
}

sdes_mode kcall_engine_mode(sdes_call_mode m)
{
    switch (m) {
    case SDES_CALL_MODE_DECRYPT:
        return SDES_MODE_DECRYPT;
    case SDES_CALL_MODE_REKEY:
        return SDES_MODE_REKEY;
    case SDES_CALL_MODE_PASSTHROUGH:
        return SDES_MODE_PASSTHROUGH;
    case SDES_CALL_MODE_OSRTP:
        return SDES_MODE_OSRTP;
    default:
        return SDES_MODE_ENCRYPT;
    }
}

/* The tag of the party that wrote this SDP (offer or answer): From for a
 * request, To for a reply (a late offer in a 2xx is the callee's, so is
 * the answer in a 2xx; the answer in an ACK is the caller's). */
void kcall_offerer_tag(sip_msg_t *msg, char *out, size_t cap)
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
void kcall_note_suite(const sdes_result *r)
{
    for (int i = 0; i < r->n_media; i++) {
        const sdes_media_result *m = &r->media[i];
        const sdes_keyset *k = m->a_rx.srtp   ? &m->a_rx
                               : m->b_rx.srtp ? &m->b_rx
                               : m->b_tx.srtp ? &m->b_tx
                               : m->a_tx.srtp ? &m->a_tx
                                              : NULL;
        const sg_suite *s = k ? sg_suite_get(k->suite) : NULL;
        if (s) {
            sdes_kam_result_suite(s->name);
            return;
        }
    }
}

int kcall_put_body(call_ctx *c, sip_msg_t *msg, const str *cid, const char *what)
{
    if (sdes_kam_body_replace(msg, c->res2.body, (int)c->res2.body_len) < 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "cannot replace the SDP body");
    kcall_note_suite(&c->res2);
    if (c->res2.notes[0])
        LM_INFO("Call-ID %.*s: %s: %s\n", cid->len, cid->s, what, c->res2.notes);
    return SDES_RC_OK;
}

/* Another process changed the call between our read and our write (or
 * created it): srtpd refused ours and sent the state as it is now; the
 * request runs again from it, judged against it, a bounded number of
 * times. */
int kcall_run(const str *cid, const char *what, kcall_try_fn try_fn, void *arg)
{
    call_ctx *c = kcall_ctx_new();
    const ctl_be_doc *doc = NULL;
    const ctl_be *root = NULL;
    int rc, given = -1;

    if (!c)
        return sdes_kam_result_set(SDES_RC_ERROR, "out of memory");
    for (int tries = 1;; tries++) {
        rc = try_fn(c, arg, &doc, &root, &given);
        if (rc < 0 && c->from_cache) {
            /* A cached state that did not work (the call changed in a
             * way srtpd did not refuse as a conflict, or is gone): forget
             * it and run again from srtpd's. */
            sdes_kam_statecache_drop(cid);
            kcall_ctx_reset(c);
            given = -2; /* no cache: ask the relays */
            continue;
        }
        if (rc != KCALL_CONFLICT)
            break;
        if (tries == KCALL_MAX_TRIES) {
            rc = sdes_kam_result_set(SDES_RC_ERROR,
                                     "the call's sdes state kept changing"
                                     " (concurrent requests); %s refused",
                                     what);
            break;
        }
        LM_INFO("sdes: Call-ID %.*s: the call's state changed meanwhile; %s runs again\n", cid->len,
                cid->s, what);
        kcall_ctx_reset(c);
    }
    kcall_ctx_free(c);
    return rc;
}

int kcall_engine_fail(const sdes_result *r, sdes_rej code)
{
    int rc = sdes_call_engine_rc(code);
    if (rc > 0)
        rc = SDES_RC_ERROR;
    return sdes_kam_result_set(rc, "%s", r->reason[0] ? r->reason : sdes_rej_str(code));
}

/* Reads the call's sdes-state out of a "state" reply into c: the branch
 * view (c->cs, pointing into c->blob), the offerer's tag and the offer
 * state. */
/* c->blob (c->blob_len bytes) into c->cs, c->tag, c->offer_st. */
static int load_blob(call_ctx *c)
{
    size_t len = c->blob_len;
    sdes_state_init(&c->offer_st);
    if (sdes_callstate_unpack(c->blob, len, &c->cs) < 0 ||
        (c->cs.offer_len && !sdes_state_unpack(c->cs.offer, c->cs.offer_len, &c->offer_st)))
        return sdes_kam_result_set(SDES_RC_ERROR, "the call's sdes state does not unpack");
    memcpy(c->tag, c->cs.offerer_tag, sizeof(c->tag));
    c->reverse = c->cs.offer_from_b;
    return SDES_RC_OK;
}

int kcall_load_state(call_ctx *c, const ctl_be_doc *doc, const ctl_be *root)
{
    const char *s;
    size_t len;
    if (!ctl_be_get_str(doc, root, "sdes-state", &s, &len) || len > sizeof(c->blob)) {
        return sdes_kam_result_set(SDES_RC_ERROR, "the relay holds this call without"
                                                  " sdes state (not set up by sdes_offer)");
    }
    memcpy(c->blob, s, len);
    c->blob_len = len;
    note_version(c, doc, root);
    kcall_note_ports(c, doc, root);
    return load_blob(c);
}

int kcall_load_cached(call_ctx *c, const str *cid, int *relay)
{
    size_t len = 0;
    uint64_t v;
    if (!sdes_kam_statecache_get(cid, relay, &v, c->blob, sizeof(c->blob), &len, c->ports[0],
                                 c->ports[1]))
        return 0;
    c->blob_len = len;
    c->have_version = true;
    c->version = v;
    c->ports_ok = true;
    c->from_cache = true;
    int rc = load_blob(c);
    return rc < 0 ? rc : 1;
}

void kcall_note_ports(call_ctx *c, const ctl_be_doc *doc, const ctl_be *root)
{
    c->ports_ok = sdes_call_msg_ports(doc, root, 'a', c->ports[0], SDES_MAX_MEDIA) >= 0 &&
                  sdes_call_msg_ports(doc, root, 'b', c->ports[1], SDES_MAX_MEDIA) >= 0;
}

int kcall_use_ports(call_ctx *c, char leg, int relay)
{
    if (!c->ports_ok)
        return sdes_kam_result_set(SDES_RC_ERROR, "relay %s: state reply without streams",
                                   sdes_kam_relay_name(relay));
    memcpy(c->relays, c->ports[leg == 'b'], sizeof(c->relays));
    return SDES_RC_OK;
}

void kcall_cache_put(call_ctx *c, const str *cid, int relay)
{
    if (c->have_version && c->ports_ok && c->out_len)
        sdes_kam_statecache_put(cid, relay, c->version, c->out, c->out_len, c->ports[0],
                                c->ports[1]);
}

/* The engine state after branch i's last answer into *st (empty for -1). */
int kcall_load_branch(call_ctx *c, int i, sdes_state *st)
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
int kcall_bind_policy(call_ctx *c, const sdes_call_flags *f, sdes_call_flags *eff, const str *cid)
{
    sdes_call_flags bound;
    char was[256], now[256];
    size_t n;

    if (!c->cs.policy_len) {
        *eff = *f;
    } else if (sdes_call_bind_unpack(c->cs.policy, c->cs.policy_len, &bound) < 0) {
        return sdes_kam_result_set(SDES_RC_ERROR, "the call's bound policy does not unpack");
    } else if (f->set & SDES_CALL_F_LOOSEN) {
        *eff = *f;
        sdes_call_bind_keep_directions(eff, &bound); /* legs never move */
        if (!(f->given & SDES_CALL_F_MODE))
            eff->mode = bound.mode; /* the default mode is no request to change it */
        sdes_call_flags_format(&bound, was, sizeof(was));
        sdes_call_flags_format(eff, now, sizeof(now));
        if (sdes_call_bind_is_looser(&bound, eff))
            LM_WARN("sdes: Call-ID %.*s: policy LOOSENED by policy-loosen: was \"%s\", now"
                    " \"%s\"\n",
                    cid->len, cid->s, was, now);
        else
            LM_NOTICE("sdes: Call-ID %.*s: policy replaced by policy-loosen: was \"%s\", now"
                      " \"%s\"\n",
                      cid->len, cid->s, was, now);
    } else if (sdes_call_bind_tighten(&bound, f, eff, c->err, sizeof(c->err)) < 0) {
        return sdes_kam_result_set(SDES_RC_POLICY, "%s", c->err);
    }
    eff->set &= ~(SDES_CALL_F_LOOSEN | SDES_CALL_F_INDIALOG);
    if (!(n = sdes_call_bind_pack(eff, c->policy_packed, sizeof(c->policy_packed))))
        return sdes_kam_result_set(SDES_RC_ERROR, "cannot pack the call's policy");
    c->cs.policy = c->policy_packed;
    c->cs.policy_len = n;
    return SDES_RC_OK;
}

/* An in-dialog request (RFC 3261 §12.2: a To-tag) or an offer the script
 * marked in-dialog (a late re-offer in a 2xx). */
int kcall_in_dialog(sip_msg_t *msg, const sdes_call_flags *f)
{
    char t[SDES_CALL_TAG_MAX];
    if (f->set & SDES_CALL_F_INDIALOG)
        return 1;
    if (msg->first_line.type != SIP_REQUEST)
        return 0;
    kcall_msg_tag(msg, 1, t, sizeof(t));
    return t[0] != '\0';
}

/* Packs c->cs into c->out. When it does not fit srtpd's bound, the bodies
 * of branches other than the active one go first (a repeat of such a
 * branch's answer is then taken as a new answer; media cannot return to it
 * after a delete). */
int kcall_pack_state(call_ctx *c)
{
    c->out_len = sdes_callstate_pack(&c->cs, c->out, sizeof(c->out));
    kcall_note_hw(&c->out_hw, c->out_len, sizeof(c->out));
    for (int i = 0; !c->out_len && i < c->cs.n_branches; i++) {
        if (i == c->cs.active)
            continue;
        c->cs.br[i].in = c->cs.br[i].out = NULL;
        c->cs.br[i].in_len = c->cs.br[i].out_len = 0;
        c->out_len = sdes_callstate_pack(&c->cs, c->out, sizeof(c->out));
        kcall_note_hw(&c->out_hw, c->out_len, sizeof(c->out));
    }
    if (!c->out_len)
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
    LM_DBG("sdes-state: %zu bytes, %d branch(es)\n", c->out_len, c->cs.n_branches);
    return SDES_RC_OK;
}

/* The message's two dialog tags (empty when absent). */
void kcall_msg_tag(sip_msg_t *msg, int to, char *out, size_t cap)
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
void kcall_branch_tag(sip_msg_t *msg, const char *offerer, char *out, size_t cap)
{
    kcall_msg_tag(msg, 0, out, cap);
    if (strcmp(out, offerer) == 0)
        kcall_msg_tag(msg, 1, out, cap);
}

/* Does this answer commit its branch: a 2xx to the INVITE (RFC 3261
 * §13.2.2.4), or the ACK that carries the answer to a late offer? A 2xx to
 * an UPDATE or PRACK does not end the INVITE transaction. */
int kcall_is_commit(sip_msg_t *msg)
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
int kcall_send_req(call_ctx *c, int i, size_t len, const ctl_be_doc **doc, const ctl_be **root,
                   const char *what)
{
    int64_t conflict;
    int r = sdes_kam_relay_send(i, c->req, len, doc, root, c->err, sizeof(c->err));
    OPENSSL_cleanse(c->req, len); /* the request carried keys */
    c->req_dirty = false;
    if (r == 0) {
        note_version(c, *doc, *root);
        return SDES_RC_OK;
    }
    if (r > 0 && ctl_be_get_int(*doc, *root, "conflict", &conflict) && conflict == 1 &&
        ctl_be_get(*doc, *root, "sdes-state"))
        return KCALL_CONFLICT;
    if (r < 0)
        return sdes_kam_result_set(SDES_RC_RELAY, "relay %s did not answer %s: %s",
                                   sdes_kam_relay_name(i), what, c->err);
    return sdes_kam_result_set(SDES_RC_ERROR, "relay %s refused %s: %s", sdes_kam_relay_name(i),
                               what, c->err);
}

/* Best effort: a call created for an offer that then failed goes away. */
void kcall_drop_call(int i, const str *cid)
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
 * for kcall_send_rekeys(). Otherwise it stays in the request and replaces the
 * context; a receive direction then keeps the peer's old keys beside the
 * new ones (sdes_call_keyset_keep_old). */
call_rekey *kcall_plan_rekey(call_ctx *c, int index, char leg, bool send, sdes_keyset *k,
                             const sdes_keyset *old, sg_roc_policy roc)
{
    if (c->n_rekeys < MAX_REKEYS && sdes_call_keyset_can_rekey(k, old, roc)) {
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
        sdes_call_keyset_keep_old(k, old);
    return NULL;
}

/* Sends the queued rekeys to relay i. A refused rekey (say, the key table
 * is full after many rekeys) falls back to replacing the context, as a
 * plain re-offer would: the call keeps working, the ROC restarts (logged). */
int kcall_send_rekeys(call_ctx *c, int i, const str *cid)
{
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    int rc;

    for (int n = 0; n < c->n_rekeys; n++) {
        call_rekey *r = &c->rekeys[n];
        const char *dir = r->send ? "send" : "recv";
        int after = r->defer ? sdes_kam_ack_switch_after() : 0;
        kcall_req_begin(c, &w);
        if (sdes_call_msg_rekey_after(&w, cid->s, (size_t)cid->len, r->index, r->leg, r->send,
                                      &r->k, &r->old, after) < 0) {
            OPENSSL_cleanse(c->req, sizeof(c->req));
            return sdes_kam_result_set(SDES_RC_ERROR, "rekey request too large");
        }
        rc = kcall_send_req(c, i, w.len, &doc, &root, "the rekey");
        if (rc == SDES_RC_OK && after > 0 && c->pend.n < SDES_CALL_PENDING_SW &&
            sdes_call_mki_value(&r->k.keys[0], &c->pend.sw[c->pend.n].mki)) {
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
            sdes_call_keyset_keep_old(&r->k, &r->old);
        kcall_req_begin(c, &w);
        if (sdes_call_msg_replace(&w, cid->s, (size_t)cid->len, r->index, r->leg, r->send, &r->k,
                                  r->roc) < 0) {
            OPENSSL_cleanse(c->req, sizeof(c->req));
            return sdes_kam_result_set(SDES_RC_ERROR, "key update too large");
        }
        if ((rc = kcall_send_req(c, i, w.len, &doc, &root, "the key update")) < 0)
            return rc;
    }
    return SDES_RC_OK;
}

/* The dialog's from-tag/to-tag for srtpd's events (kam_call_ctx.h). */
void kcall_put_tags(const call_ctx *c, ctl_benc *w)
{
    /* The dialog's tags ride along so srtpd's events name the dialog
     * (kam_events.h); srtpd keeps tags below 128 bytes, longer ones are
     * left out rather than refused (dict keys may come in any order). */
    if (c->cs.offerer_tag[0] && strlen(c->cs.offerer_tag) < 128)
        ctl_benc_kv_cstr(w, "from-tag", c->cs.offerer_tag);
    if (c->cs.active >= 0 && c->cs.active < c->cs.n_branches && c->cs.br[c->cs.active].tag[0] &&
        strlen(c->cs.br[c->cs.active].tag) < 128)
        ctl_benc_kv_cstr(w, "to-tag", c->cs.br[c->cs.active].tag);
}

int kcall_send_state(call_ctx *c, int relay, const str *cid)
{
    const ctl_be_doc *doc;
    const ctl_be *root;
    int rc = kcall_send_state_cas(c, relay, cid, &doc, &root);
    if (rc == KCALL_CONFLICT)
        rc = sdes_kam_result_set(SDES_RC_ERROR,
                                 "relay %s: the call's sdes state changed"
                                 " meanwhile (a concurrent request)",
                                 sdes_kam_relay_name(relay));
    return rc;
}

/* Sends srtpd "update" with only the new sdes-state in c->out. */
int kcall_send_state_cas(call_ctx *c, int relay, const str *cid, const ctl_be_doc **docp,
                         const ctl_be **rootp)
{
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    kcall_req_begin(c, &w);
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "update");
    kcall_req_if_version(c, &w);
    ctl_benc_kv_str(&w, "sdes-state", c->out, c->out_len);
    kcall_put_tags(c, &w);
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w)) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state too large for a request");
    }
    int rc = kcall_send_req(c, relay, w.len, &doc, &root, "the sdes state");
    if (rc == KCALL_CONFLICT) {
        *docp = doc;
        *rootp = root;
    }
    return rc;
}
