/*
 * modules/sdes/kam_call_answer.c — the answer half of sdes.so's call path
 * (kam_call.h; the offer half and the design are in kam_call.c): SDP
 * answers from one or more branches (RFC 3261 §16.7 forking, RFC 3264),
 * which branch srtpd relays and when a 2xx commits it, keys toward a
 * re-offerer that wait for its ACK (kam_ack.h), and deleting one branch.
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

#include "sdes/kam_call_ctx.h"

/* Sends srtpd "answer" for c->res2 (what: which parts) with the new
 * sdes-state in c->out, then the queued rekeys. Leg a's rtcp-mux is said
 * (from c->relays, its local side before the answer); *a_ports (when not
 * NULL) gets its local side from the reply: a leg leaving rtcp-mux has a
 * new RTCP port there. A conflict (if-version) returns KCALL_CONFLICT
 * with the reply in *docp, *rootp. */
static int send_answer(call_ctx *c, int relay, const str *cid, unsigned what, sdes_relay *a_ports,
                       const ctl_be_doc **docp, const ctl_be **rootp)
{
    const ctl_be_doc *doc;
    const ctl_be *root;
    ctl_benc w;
    int rc;

    kcall_req_begin(c, &w);
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "answer");
    kcall_req_if_version(c, &w);
    ctl_benc_kv_str(&w, "sdes-state", c->out, c->out_len);
    kcall_put_tags(c, &w);
    if (sdes_call_msg_streams_mux(&w, &c->res2, &c->st, what | SDES_CALL_MSG_A_MUX, c->relays,
                                  SDES_MAX_MEDIA) < 0) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        return sdes_kam_result_set(SDES_RC_BAD_SDP,
                                   "an MKI value wider than %d bytes: srtpd's control"
                                   " protocol carries MKIs as integers",
                                   SDES_CALL_MAX_MKI_LEN);
    }
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w)) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        return sdes_kam_result_set(SDES_RC_ERROR, "answer too large for a control request");
    }
    if ((rc = kcall_send_req(c, relay, w.len, &doc, &root, "the answer")) == KCALL_CONFLICT) {
        *docp = doc; /* the state as it is now, to try again from */
        *rootp = root;
        return rc;
    }
    if (rc < 0)
        return rc;
    /* Before the rekeys: their replies replace this one. Both legs' ports
     * as srtpd has them now (a leg leaving rtcp-mux has a new RTCP port)
     * go to the state cache with this state (kcall_cache_put). */
    kcall_note_ports(c, doc, root);
    if (a_ports && sdes_call_msg_ports(doc, root, sdes_call_mirror_leg('a', c->reverse), a_ports,
                                       SDES_MAX_MEDIA) < 0)
        memcpy(a_ports, c->relays, sizeof(c->relays)); /* no streams: nothing learnt */
    if (c->n_rekeys && (rc = kcall_send_rekeys(c, relay, cid)) < 0)
        return rc;
    return SDES_RC_OK;
}

/* The answer toward A names leg a's RTCP port: when leg a left rtcp-mux
 * with this answer (B refused it), srtpd named the port only in its
 * reply, port + 1 when it was free (what the engine wrote), else another
 * one. Then the body is renamed (sdes_result_rtcp) and the branch keeps
 * that body, in the state sent again. A body that cannot be renamed is
 * sent as it is, with a warning: RTCP toward A is lost, media is not. */
static int answer_rtcp_ports(call_ctx *c, int relay, const str *cid, int idx,
                             const sdes_relay *a_ports)
{
    bool changed = false;
    sdes_rej rj = sdes_result_rtcp(&c->res2, a_ports, SDES_MAX_MEDIA, &changed);
    if (rj != SDES_REJ_OK) {
        LM_WARN("sdes: Call-ID %.*s: cannot write srtpd's RTCP port into the answer: %s\n",
                cid->len, cid->s, sdes_rej_str(rj));
        return SDES_RC_OK;
    }
    if (!changed)
        return SDES_RC_OK;
    LM_INFO("sdes: Call-ID %.*s: leg a left rtcp-mux; its RTCP port is not the one above its RTP"
            " port: a=rtcp names it\n",
            cid->len, cid->s);
    if (idx >= 0) {
        c->cs.br[idx].out = (const uint8_t *)c->res2.body;
        c->cs.br[idx].out_len = c->res2.body_len;
    }
    int rc = kcall_pack_state(c);
    if (rc < 0)
        return rc;
    /* The answer is in srtpd already: whatever happens to this state, the
     * answer does not run again from a cached state (sdes_kam_call_answer). */
    c->from_cache = false;
    /* Conditional on the version the answer left (if-version); its reply's
     * version is what the state cache keeps (kcall_cache_put). */
    const ctl_be_doc *doc;
    const ctl_be *root;
    rc = kcall_send_state_cas(c, relay, cid, &doc, &root);
    if (rc != KCALL_CONFLICT)
        return rc;
    /* Another request changed the call in between: its state stands (the
     * media and this body are right; srtpd's copy of this branch's body
     * keeps port + 1). Nothing of ours is cached. */
    LM_WARN("sdes: Call-ID %.*s: the call changed before its answer's a=rtcp was stored\n",
            cid->len, cid->s);
    sdes_kam_statecache_drop(cid);
    c->ports_ok = false;
    return SDES_RC_OK;
}

/* Records this answer's deferred switches for the re-offerer's ACK: the
 * Call-ID, the re-INVITE's CSeq number and the re-offerer's From-tag (a
 * reply's From is the request's). */
static void arm_pending(call_ctx *c, sip_msg_t *msg, const str *cid)
{
    unsigned int cseq = 0;
    char tag[SDES_CALL_TAG_MAX];
    if ((size_t)cid->len > sizeof(c->pend.cid) || parse_headers(msg, HDR_CSEQ_F, 0) < 0 ||
        !msg->cseq || str2int(&get_cseq(msg)->number, &cseq) < 0) {
        LM_WARN("sdes: Call-ID %.*s: cannot record the pending key switch; srtpd switches"
                " after %d ms\n",
                cid->len, cid->s, sdes_kam_ack_switch_after());
        return;
    }
    kcall_msg_tag(msg, 0, tag, sizeof(tag));
    memcpy(c->pend.cid, cid->s, (size_t)cid->len);
    c->pend.cid_len = (size_t)cid->len;
    c->pend.cseq = cseq;
    c->pend.tag_hash = sdes_call_pending_hash(tag, strlen(tag));
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
    kcall_note_hw(&c->offer_hw, c->cs.offer_len, sizeof(c->offer_packed));
    c->cs.offer = c->offer_packed;
    if (!c->cs.offer_len)
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
    return SDES_RC_OK;
}

/* Step 0: the call this answer belongs to, its state and bound policy
 * (tightened by f, not the reply route's flags alone); refused when no
 * offer is pending or the answer comes from the offerer's own side. */
static int answer_find_call(call_ctx *c, sip_msg_t *msg, const sdes_call_flags *f, const str *cid,
                            sdes_policy *pol, const ctl_be_doc **doc, const ctl_be **root,
                            int *relay, int given)
{
    sdes_call_flags eff;
    int rc;
    if (given >= 0) {
        *relay = given; /* its conflict reply (*doc, *root) holds the call */
    } else if (given == -1 && (rc = kcall_load_cached(c, cid, relay)) != 0) {
        if (rc < 0)
            return rc;
        goto loaded; /* no "state" request: srtpd checks the version */
    } else {
        *relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, doc, root, c->err, sizeof(c->err));
    }
    if (*relay == -2)
        return sdes_kam_result_set(SDES_RC_NO_CALL, "no relay holds this call (no offer went"
                                                    " through sdes_offer, or its media state"
                                                    " is gone)");
    if (*relay < 0)
        return sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
    if ((rc = kcall_load_state(c, *doc, *root)) < 0)
        return rc;
loaded:
    /* The answer is judged by the call's bound policy (tightened by f),
     * not by the flags of the reply route alone. */
    if ((rc = kcall_bind_policy(c, f, &eff, cid)) < 0)
        return rc;
    if (sdes_call_engine_policy(&eff, pol, c->err, sizeof(c->err)) < 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", c->err);
    if (c->offer_st.phase != 1)
        return sdes_kam_result_set(SDES_RC_ERROR, "no offer pending for this call");
    /* The answer must come from the side the pending offer went to. An
     * answer from the offerer's own side (an ACK with SDP after a re-INVITE
     * that had one, or a late offer that did not pass sdes_offer) would be
     * taken against the wrong exchange. */
    char author[SDES_CALL_TAG_MAX];
    kcall_offerer_tag(msg, author, sizeof(author));
    bool from_leg_a = author[0] && c->tag[0] && strcmp(author, c->tag) == 0;
    if (author[0] && c->tag[0] && from_leg_a != c->reverse)
        return sdes_kam_result_set(SDES_RC_ERROR, "answer from the side that made the pending"
                                                  " offer (no offer pending toward it)");
    return SDES_RC_OK;
}

/* The same branch's answer again (a retransmitted 2xx, a 200 repeating
 * its 183's SDP, a repeated 183) gets the same body: RFC 3261
 * §13.2.2.4, later copies are not new answers, so they do not move
 * media either. Only a 2xx changes srtpd then: it commits the branch
 * srtpd relays, or (in the caller, through the engine again) moves media
 * back to its branch and commits it. Returns 1 (rc in *rc) when this
 * answer was such a repeat. */
static int answer_repeated(call_ctx *c, sip_msg_t *msg, const str *body, const str *cid, int relay,
                           int idx, int act, int commit, int moving, const char *bt, int *rc)
{
    if (!(idx >= 0 && (!moving || !commit) && c->cs.br[idx].in && c->cs.br[idx].out &&
          c->cs.br[idx].in_len == (size_t)body->len &&
          CRYPTO_memcmp(c->cs.br[idx].in, body->s, (size_t)body->len) == 0))
        return 0;
    if (c->from_cache) {
        /* A repeat is answered from the stored bodies without asking
         * srtpd: only from srtpd's own state, never from the cache. */
        *rc = sdes_kam_result_set(SDES_RC_ERROR, "repeated answer: state from the relay needed");
        return 1;
    }
    if (sdes_kam_body_replace(msg, (const char *)c->cs.br[idx].out, (int)c->cs.br[idx].out_len) <
        0) {
        *rc = sdes_kam_result_set(SDES_RC_ERROR, "cannot replace the SDP body");
        return 1;
    }
    if (commit && !c->cs.committed && idx == act) {
        c->cs.committed = true;
        if ((*rc = kcall_pack_state(c)) < 0 || (*rc = kcall_send_state(c, relay, cid)) < 0)
            return 1;
        LM_INFO("sdes: Call-ID %.*s: branch %s committed\n", cid->len, cid->s, bt);
    }
    LM_INFO("sdes: Call-ID %.*s: answer repeated: same body as before\n", cid->len, cid->s);
    *rc = sdes_kam_result_set(SDES_RC_OK, NULL);
    return 1;
}

/* Of the directions this answer keys: which srtpd rekeys in place
 * (kcall_plan_rekey) and which are not resent (unchanged: their context
 * and ROC stay). */
static void answer_plan_rekeys(call_ctx *c, int may_move, int moving, int defer_tx)
{
    for (int i = 0; may_move && i < c->res2.n_media && i < c->prev.n_media; i++) {
        sdes_media_result *m = &c->res2.media[i];
        const sdes_state_media *o = &c->prev.media[i];
        const char la = sdes_call_mirror_leg('a', c->reverse);
        const char lb = sdes_call_mirror_leg('b', c->reverse);
        /* Leg a's send keys are the same for every branch (pin_a_keys):
         * not resent, so srtpd keeps that context and its ROC. */
        if (sdes_call_keyset_same(&m->a_tx, &o->a_tx)) {
            m->a_tx.srtp = false;
        } else if (m->a_tx.srtp && !moving) {
            call_rekey *r = kcall_plan_rekey(c, i, la, true, &m->a_tx, &o->a_tx, m->roc);
            if (r)
                r->defer = defer_tx;
        }
        if (moving)
            continue; /* another branch: its own stream, new contexts */
        /* The same branch answers again with new keys: B may still send
         * under its old one for a while, so srtpd accepts both. Unchanged
         * directions are not resent: srtpd would restart their ROC. */
        if (sdes_call_keyset_same(&m->b_rx, &o->b_rx))
            m->b_rx.srtp = false;
        else if (m->b_rx.srtp)
            kcall_plan_rekey(c, i, lb, false, &m->b_rx, &o->b_rx, m->roc);
        if (sdes_call_keyset_same(&m->b_tx, &o->b_tx))
            m->b_tx.srtp = false;
        else if (m->b_tx.srtp)
            kcall_plan_rekey(c, i, lb, true, &m->b_tx, &o->b_tx, m->roc);
    }
}

/* The branch keeps its answer state (in the first offer's orientation;
 * c->prev is free again) and both bodies; *idx is its slot (new when
 * the branch answers for the first time). */
static int answer_keep_branch(call_ctx *c, const str *body, const char *bt, int *idx)
{
    if (c->reverse)
        kcall_mirror(&c->st, &c->prev,
                     sdes_call_unmirror_mode((sdes_mode)c->st.mode, &c->answer_st));
    else
        sdes_state_copy(&c->prev, &c->st);
    size_t n = sdes_state_pack(&c->prev, c->answer_packed, sizeof(c->answer_packed));
    kcall_note_hw(&c->answer_hw, n, sizeof(c->answer_packed));
    if (!n)
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
    if (*idx < 0 && (*idx = sdes_callstate_add(&c->cs, bt)) < 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "too many answering branches");
    sdes_call_branch *b = &c->cs.br[*idx];
    b->state = c->answer_packed;
    b->state_len = n;
    b->in = (const uint8_t *)body->s;
    b->in_len = (size_t)body->len;
    b->out = (const uint8_t *)c->res2.body;
    b->out_len = c->res2.body_len;
    *idx = sdes_callstate_touch(&c->cs, *idx);
    return SDES_RC_OK;
}

/* One try of an answer (see sdes_kam_call_answer); KCALL_CONFLICT when
 * srtpd found the call's state changed since it was read: its reply,
 * from relay *given, holds the state to try again from. */
static int answer_once(call_ctx *c, sip_msg_t *msg, const sdes_call_flags *f, const str *body,
                       const str *cid, sdes_mode *mode_out, int *reanswer, const ctl_be_doc **docp,
                       const ctl_be **rootp, int *given)
{
    const ctl_be_doc *doc = *docp;
    const ctl_be *root = *rootp;
    sdes_policy pol;
    sdes_config cfg;
    char bt[SDES_CALL_TAG_MAX];
    int rc, relay, idx, act, commit, may_move, moving, defer_tx;
    sdes_rej code;

    *reanswer = 0;
    if ((rc = answer_find_call(c, msg, f, cid, &pol, &doc, &root, &relay, *given)) < 0)
        goto out;
    /* Which branch answers, and may it move srtpd's media? Until a 2xx
     * commits a branch, the latest answer's branch is relayed (its early
     * media); after that, only the committed branch's answers touch srtpd,
     * the others are rewritten for their dialogs and kept. An answer to a
     * re-offer from leg b's side (from the first offerer) belongs to the
     * re-offerer's branch and never moves media to another one. */
    kcall_branch_tag(msg, c->tag, bt, sizeof(bt));
    idx = sdes_callstate_find(&c->cs, bt);
    act = c->cs.active;
    if (c->reverse && idx < 0)
        idx = act;
    commit = kcall_is_commit(msg);
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
    if ((rc = kcall_use_ports(c, sdes_call_mirror_leg('a', c->reverse), relay)) < 0)
        goto out;
    memset(&cfg, 0, sizeof(cfg));
    cfg.policy = &pol;
    cfg.mode = (sdes_mode)c->offer_st.mode;
    cfg.keep_ice = f->keep_ice;
    {
        sdes_call_flags bound; /* kcall_bind_policy() packed the call's policy */
        cfg.isolate = c->cs.policy_len &&
                      sdes_call_bind_unpack(c->cs.policy, c->cs.policy_len, &bound) == 0 &&
                      sdes_call_bind_two_networks(&bound);
    }
    *mode_out = cfg.mode;

    if (answer_repeated(c, msg, body, cid, relay, idx, act, commit, moving, bt, &rc))
        goto out;
    /* What srtpd runs now: the active branch's last answer, as the engine
     * sees this exchange (mirrored for an offer from leg b's side). */
    if ((rc = kcall_load_branch(c, c->reverse ? idx : act, &c->answer_st)) < 0)
        goto out;
    if (c->reverse)
        kcall_mirror(&c->answer_st, &c->prev, (sdes_mode)c->offer_st.mode);
    else
        sdes_state_copy(&c->prev, &c->answer_st);
    sdes_state_copy(&c->st, &c->offer_st);
    code =
        sdes_answer(&cfg, body->s, (size_t)body->len, c->relays, SDES_MAX_MEDIA, &c->st, &c->res2);
    if (code != SDES_REJ_OK) {
        rc = kcall_engine_fail(&c->res2, code);
        goto out;
    }
    answer_plan_rekeys(c, may_move, moving, defer_tx);
    if ((rc = pin_a_keys(c)) < 0)
        goto out;
    if ((rc = answer_keep_branch(c, body, bt, &idx)) < 0)
        goto out;
    if (may_move) {
        c->cs.active = idx;
        if (commit)
            c->cs.committed = true;
    }
    if ((rc = kcall_pack_state(c)) < 0)
        goto out;
    if (may_move) {
        sdes_relay a_ports[SDES_MAX_MEDIA];
        rc = send_answer(c, relay, cid,
                         SDES_CALL_MSG_A_SEND | SDES_CALL_MSG_B_PEER | SDES_CALL_MSG_B_RECV |
                             SDES_CALL_MSG_B_SEND | (c->reverse ? SDES_CALL_MSG_SWAP : 0),
                         a_ports, docp, rootp);
        if (rc == SDES_RC_OK)
            rc = answer_rtcp_ports(c, relay, cid, idx, a_ports);
    } else {
        rc = kcall_send_state_cas(c, relay, cid, docp, rootp);
    }
    if (rc == KCALL_CONFLICT)
        *given = relay;
    if (rc < 0 || rc == KCALL_CONFLICT)
        goto out;
    kcall_cache_put(c, cid, relay);
    if (c->pend.n)
        arm_pending(c, msg, cid);
    if (moving && act >= 0)
        LM_INFO("sdes: Call-ID %.*s: media moves to branch %s%s\n", cid->len, cid->s, bt,
                commit ? " (committed)" : "");
    else if (!may_move)
        LM_INFO("sdes: Call-ID %.*s: answer from branch %s kept; media stays with the committed"
                " branch\n",
                cid->len, cid->s, bt);
    if ((rc = kcall_put_body(c, msg, cid, "answer")) < 0)
        goto out;
    rc = sdes_kam_result_set(SDES_RC_OK, NULL);
out:
    return rc;
}

/* answer_once's parameters, for kcall_run. */
typedef struct answer_args {
    sip_msg_t *msg;
    const sdes_call_flags *f;
    const str *body, *cid;
    sdes_mode *mode_out;
    int *reanswer;
} answer_args;

static int answer_try(call_ctx *c, void *arg, const ctl_be_doc **doc, const ctl_be **root,
                      int *given)
{
    const answer_args *a = arg;
    return answer_once(c, a->msg, a->f, a->body, a->cid, a->mode_out, a->reanswer, doc, root,
                       given);
}

int sdes_kam_call_answer(sip_msg_t *msg, const sdes_call_flags *f, const str *body, const str *cid,
                         sdes_mode *mode_out, int *reanswer)
{
    answer_args a = {msg, f, body, cid, mode_out, reanswer};

    *reanswer = 0;
    return kcall_run(cid, "answer", answer_try, &a);
}

int sdes_kam_call_delete_branch(sip_msg_t *msg, const sdes_call_flags *f, const str *cid)
{
    call_ctx *c;
    const ctl_be_doc *doc = NULL;
    const ctl_be *root = NULL;
    char bt[SDES_CALL_TAG_MAX];
    int relay, idx, was_active, rc = 0;

    /* A CANCEL (of the INVITE, no To-tag) or the INVITE itself (failure
     * route: the whole transaction failed) ends the call. */
    if (msg->first_line.type == SIP_REQUEST &&
        msg->first_line.u.request.method_value == METHOD_CANCEL) {
        sdes_kam_statecache_drop(cid); /* any delete changes the call */
        return 0;
    }
    kcall_msg_tag(msg, 1, bt, sizeof(bt));
    if (!bt[0] || !(c = kcall_ctx_new())) {
        sdes_kam_statecache_drop(cid);
        return 0;
    }
    /* The committed branch's own dialog ends the call: the state this
     * Kamailio wrote last says so without a "state" request (commit is
     * final, and only that branch's answers change the call after it).
     * Anything else is decided on srtpd's state. */
    if (kcall_load_cached(c, cid, &relay) == 1) {
        kcall_branch_tag(msg, c->tag, bt, sizeof(bt));
        int whole = bt[0] && c->cs.committed && sdes_callstate_find(&c->cs, bt) == c->cs.active;
        kcall_ctx_reset(c);
        if (whole) {
            sdes_kam_statecache_drop(cid);
            goto out;
        }
        kcall_msg_tag(msg, 1, bt, sizeof(bt));
    }
    sdes_kam_statecache_drop(cid);
    relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, &doc, &root, c->err, sizeof(c->err));
    if (relay < 0 || kcall_load_state(c, doc, root) < 0)
        goto out;
    kcall_branch_tag(msg, c->tag, bt, sizeof(bt));
    if (!bt[0])
        goto out;
    idx = sdes_callstate_find(&c->cs, bt);
    if (c->cs.committed) {
        if (idx == c->cs.active)
            goto out; /* the call's own dialog ends */
        rc = 1;
        if (idx < 0) {
            LM_INFO("sdes: Call-ID %.*s: branch %s has no answer here; the committed branch"
                    " keeps the call\n",
                    cid->len, cid->s, bt);
            goto out;
        }
        sdes_callstate_remove(&c->cs, idx);
        if (kcall_pack_state(c) < 0 || kcall_send_state(c, relay, cid) < 0)
            LM_WARN("sdes: Call-ID %.*s: branch %s: %s\n", cid->len, cid->s, bt,
                    sdes_kam_result_reason());
        LM_NOTICE("sdes: Call-ID %.*s: branch %s removed; the call goes on with the committed"
                  " branch\n",
                  cid->len, cid->s, bt);
        goto out;
    }
    /* Early: other branches that answered keep the call; without any, the
     * call ends (a single branch failing, as before forking was known). */
    if (idx < 0) {
        rc = c->cs.n_branches > 0;
        goto out;
    }
    was_active = idx == c->cs.active;
    sdes_callstate_remove(&c->cs, idx);
    if (c->cs.n_branches == 0)
        goto out;
    rc = 1;
    if (was_active) {
        /* Media goes back to the latest branch still ringing, from its
         * answer as it came (address and keys, new contexts). */
        int last = c->cs.n_branches - 1;
        sdes_call_branch *b = &c->cs.br[last];
        sdes_call_flags eff;
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
        else if (kcall_bind_policy(c, f, &eff, cid) < 0)
            why = sdes_kam_result_reason();
        else if (sdes_call_engine_policy(&eff, &pol, c->err, sizeof(c->err)) < 0)
            why = c->err;
        else if (sdes_call_msg_ports(doc, root, 'a', c->relays, SDES_MAX_MEDIA) < 0)
            why = "state reply without streams";
        if (!why) {
            memset(&cfg, 0, sizeof(cfg));
            cfg.policy = &pol;
            cfg.mode = (sdes_mode)c->offer_st.mode;
            sdes_state_copy(&c->st, &c->offer_st);
            if (sdes_answer(&cfg, (const char *)b->in, b->in_len, c->relays, SDES_MAX_MEDIA, &c->st,
                            &c->res2) != SDES_REJ_OK)
                why = c->res2.reason;
        }
        if (!why) {
            for (int i = 0; i < c->res2.n_media; i++)
                c->res2.media[i].a_tx.srtp = false; /* leg a keeps its keys */
            if (kcall_pack_state(c) < 0 ||
                send_answer(c, relay, cid,
                            SDES_CALL_MSG_A_SEND | SDES_CALL_MSG_B_PEER | SDES_CALL_MSG_B_RECV |
                                SDES_CALL_MSG_B_SEND,
                            NULL, &doc, &root) != SDES_RC_OK)
                why = sdes_kam_result_reason();
        }
        if (!why) {
            LM_NOTICE("sdes: Call-ID %.*s: branch %s removed; media back to branch %s\n", cid->len,
                      cid->s, bt, b->tag);
            goto out;
        }
        LM_WARN("sdes: Call-ID %.*s: branch %s removed; media could not move back to branch"
                " %s: %s\n",
                cid->len, cid->s, bt, b->tag, why);
        c->cs.active = -1; /* the next answer installs its branch in full */
    }
    if (kcall_pack_state(c) < 0 || kcall_send_state(c, relay, cid) < 0)
        LM_WARN("sdes: Call-ID %.*s: branch %s: %s\n", cid->len, cid->s, bt,
                sdes_kam_result_reason());
    else
        LM_NOTICE("sdes: Call-ID %.*s: branch %s removed; the call goes on for the other"
                  " branches\n",
                  cid->len, cid->s, bt);
out:
    kcall_ctx_free(c);
    return rc;
}
