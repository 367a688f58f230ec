/*
 * modules/sdes/kam_call.c — the call path of sdes.so (see kam_call.h): SDP
 * offers and answers through the SDES engine (RFC 4568 §7 over RFC 3264)
 * and srtpd's control protocol, bodies replaced with lumps. Nothing per
 * call stays in Kamailio: the engine state is kept by srtpd as the call's
 * opaque sdes-state and fetched with "state" whenever the call is touched
 * (a new call's offer stores it with the call in one request),
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
 *
 * Files: this one runs offers; kam_call_answer.c runs answers and branch
 * deletes; kam_call_ctx.{h,c} hold the call context and the steps both
 * share (the call's sdes-state, bound policy, dialog tags, srtpd requests).
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
#include "sdes/kam_iface.h"
#include "sdes/kam_stats.h"

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
                    " no MKI toward that phone)\n",
                    cid->len, cid->s, i, sdes_call_mirror_leg('b', c->reverse));
        if (o->a_tx.srtp && o->a_tx.suite == m->a_rx.suite &&
            !sdes_policy_rekey_toward(pol, (uint8_t)own_mki(&m->a_rx)))
            LM_INFO("sdes: Call-ID %.*s: stream %d leg %c: key kept in the rekey (nomki=keep,"
                    " no MKI toward that phone)\n",
                    cid->len, cid->s, i, sdes_call_mirror_leg('a', c->reverse));
    }
}

/* Step 0: which call this offer belongs to. A call a relay holds gives
 * its state (c->cs, c->answer_st, c->prev; *reoffer for a re-offer, whose
 * mode is the call's unless policy-loosen); an offer no relay knows is a
 * new call (*relay -1), except inside a dialog (lost state fails closed). */
static int offer_find_call(call_ctx *c, sip_msg_t *msg, const sdes_call_flags *f, int mode_given,
                           const str *cid, sdes_config *cfg, char *tag, size_t tagcap,
                           const ctl_be_doc **doc, const ctl_be **root, int *relay, int *reoffer,
                           int given)
{
    int rc, cached = 0;
    if (given >= 0) {
        *relay = given; /* its conflict reply (*doc, *root) holds the call */
    } else if (given == -1 && kcall_in_dialog(msg, f) &&
               (cached = kcall_load_cached(c, cid, relay)) != 0) {
        /* A re-offer of a call this Kamailio wrote last: no "state"
         * request, srtpd checks the version (if-version). */
        if (cached < 0)
            return cached;
    } else if (!kcall_in_dialog(msg, f) && sdes_kam_relay_count() == 1 && sdes_kam_relay_cas(0)) {
        /* A dialog-creating offer with one relay that understands
         * if-version: no "state" fetch. The offer creates the call only if
         * it does not exist (if-version 0); if it does, srtpd's conflict
         * reply carries its state and the offer runs again from it
         * (given), judged by the call's bound policy as always. */
        *relay = -2;
        c->have_version = true;
        c->version = 0;
    } else {
        *relay = sdes_kam_relay_find(cid->s, (size_t)cid->len, doc, root, c->err, sizeof(c->err));
    }
    if (*relay >= 0) {
        char bt[SDES_CALL_TAG_MAX];
        int ref;
        if (!cached && (rc = kcall_load_state(c, *doc, *root)) < 0)
            return rc;
        /* The exchange this re-offer follows: the dialog's own branch
         * (To-tag of the caller's re-INVITE/UPDATE), else the one srtpd
         * relays. */
        kcall_branch_tag(msg, c->tag, bt, sizeof(bt));
        ref = sdes_callstate_find(&c->cs, bt);
        if (ref < 0)
            ref = c->cs.active;
        if ((rc = kcall_load_branch(c, ref, &c->answer_st)) < 0)
            return rc;
        if (c->answer_st.phase == 2) {
            /* A re-offer, from either side. srtpd's legs are fixed by the
             * first offer; one from its answerer runs the engine on the
             * mirrored state (call/mirror.h). */
            c->reverse = sdes_call_mirror_is_reverse(&c->answer_st, c->tag, tag);
            if (c->reverse) {
                sdes_mode m = sdes_call_mirror_mode(&c->answer_st);
                kcall_mirror(&c->answer_st, &c->prev, m);
                snprintf(tag, tagcap, "%s", c->tag); /* leg a stays the first offerer's */
                LM_INFO("sdes: Call-ID %.*s: re-offer from leg b's side (the first offer's"
                        " answerer)\n",
                        cid->len, cid->s);
            } else {
                sdes_state_copy(&c->prev, &c->answer_st);
            }
            /* The call keeps its mode: another one is a loosening, taken
             * only with policy-loosen. */
            if (mode_given && cfg->mode != (sdes_mode)c->prev.mode &&
                !(f->set & SDES_CALL_F_LOOSEN))
                LM_NOTICE("sdes: Call-ID %.*s: the call keeps mode %s (the flags name %s;"
                          " policy-loosen changes it)\n",
                          cid->len, cid->s, sdes_mode_name((sdes_mode)c->prev.mode),
                          sdes_mode_name(cfg->mode));
            if (!mode_given || !(f->set & SDES_CALL_F_LOOSEN))
                cfg->mode = (sdes_mode)c->prev.mode;
            *reoffer = 1;
        } else {
            /* No exchange completed yet: a new offer, answers to an
             * earlier one do not count. */
            sdes_state_init(&c->answer_st);
            c->cs.n_branches = 0;
            c->cs.active = -1;
            c->cs.committed = false;
            c->reverse = false;
            sdes_state_copy(&c->prev, &c->answer_st);
        }
    } else if (kcall_in_dialog(msg, f)) {
        /* Lost state fails closed: an offer inside a dialog whose call no
         * relay holds is never set up anew with the defaults (docs/sdes-module.md). */
        if (*relay == -2)
            return sdes_kam_result_set(SDES_RC_NO_CALL,
                                       "no relay knows this call: its media"
                                       " state is gone (relay restarted, or the call timed"
                                       " out); an in-dialog offer is not set up anew");
        return sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
    } else if (*relay == -2 || sdes_kam_relay_count() > 0) {
        sdes_state_init(&c->answer_st);
        sdes_state_copy(&c->prev, &c->answer_st);
        memset(&c->cs, 0, sizeof(c->cs));
        c->cs.active = -1;
        *relay = -1;
    } else {
        sdes_kam_stats_not_available(); /* no relay configured */
        return sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err);
    }
    return SDES_RC_OK;
}

/* A re-offer with a new key: A keeps sending under its old key until
 * our answer reaches it, so srtpd accepts both meanwhile. */
static void offer_plan_rekeys(call_ctx *c, int reoffer)
{
    for (int i = 0; reoffer && i < c->res1.n_media && i < c->prev.n_media; i++) {
        sdes_keyset *k = &c->res1.media[i].a_rx;
        if (sdes_call_keyset_same(k, &c->prev.media[i].a_rx))
            k->srtp = false; /* unchanged: not resent, srtpd's context (ROC) stays */
        else if (k->srtp)
            kcall_plan_rekey(c, i, sdes_call_mirror_leg('a', c->reverse), false, k,
                             &c->prev.media[i].a_rx, c->res1.media[i].roc);
    }
}

/* Step 2a: srtpd's "offer" request into c->req (*len bytes), each leg on
 * the call's interface (eff: bound per srtpd leg, call/bind.h). */
static int offer_request(call_ctx *c, const sdes_call_flags *eff, const str *cid, int relay,
                         size_t *len)
{
    ctl_benc w;
    int n;
    kcall_req_begin(c, &w);
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", cid->s, (size_t)cid->len);
    ctl_benc_kv_cstr(&w, "command", "offer");
    kcall_req_if_version(c, &w);
    if (c->out_len) { /* the new sdes-state, stored with the media at once */
        ctl_benc_kv_str(&w, "sdes-state", c->out, c->out_len);
        kcall_put_tags(c, &w); /* as the state-only update would (kam_events.h) */
    }
    n = sdes_call_msg_streams_if(&w, &c->res1, &c->st,
                                 SDES_CALL_MSG_A_PEER | SDES_CALL_MSG_A_RECV |
                                     SDES_CALL_MSG_B_TRANSPORT | SDES_CALL_MSG_B_MUX_OFF |
                                     (c->reverse ? SDES_CALL_MSG_SWAP : 0),
                                 (eff->set & SDES_CALL_F_DIRECTION) ? eff->direction[0] : NULL,
                                 (eff->set & SDES_CALL_F_DIRECTION) ? eff->direction[1] : NULL);
    ctl_benc_end(&w);
    if (n < 0) {
        OPENSSL_cleanse(c->req, sizeof(c->req));
        return sdes_kam_result_set(SDES_RC_BAD_SDP,
                                   "an MKI value wider than %d bytes: srtpd's"
                                   " control protocol carries MKIs as integers",
                                   SDES_CALL_MAX_MKI_LEN);
    }
    if (!ctl_benc_ok(&w))
        return sdes_kam_result_set(SDES_RC_ERROR, "offer too large for a control request");
    if (n == 0 && relay < 0)
        return sdes_kam_result_set(SDES_RC_BAD_SDP, "no RTP stream to relay in the offer");
    *len = w.len;
    return SDES_RC_OK;
}

/* Step 2b: sends the offer to the call's relay, or for a new call to a
 * relay by weight; one that does not answer is marked down and the next
 * is tried (failover). *created when a relay took a new call. */
static int offer_send(call_ctx *c, const str *cid, size_t len, int *relay, const ctl_be_doc **doc,
                      const ctl_be **root, int *created)
{
    int rc;
    if (*relay >= 0)
        return kcall_send_req(c, *relay, len, doc, root, "the offer");
    unsigned long tried = 0;
    rc = sdes_kam_result_set(SDES_RC_RELAY, "%s", c->err[0] ? c->err : "no relay answered");
    memcpy(c->saved, c->req, len);
    while ((*relay = sdes_kam_relay_pick(tried)) >= 0) {
        tried |= 1ul << *relay;
        memcpy(c->req, c->saved, len);
        rc = kcall_send_req(c, *relay, len, doc, root, "the offer");
        if (rc == SDES_RC_ERROR && sdes_kam_relay_refused_draining(*relay, c->err)) {
            /* A draining relay takes no new call: the next one may. */
            LM_INFO("Call-ID %.*s: relay %s is draining, trying the next\n", cid->len, cid->s,
                    sdes_kam_relay_name(*relay));
            /* When none is left this is "no relay" (-3, retry later). */
            rc = sdes_kam_result_set(SDES_RC_RELAY, "relay %s is draining: no new calls",
                                     sdes_kam_relay_name(*relay));
            continue;
        }
        if (rc == SDES_RC_ERROR && sdes_kam_relay_refused_standby(*relay, c->err)) {
            /* A standby srtpd before its takeover: not a failure of the call. */
            rc = sdes_kam_result_set(SDES_RC_RELAY, "relay %s is a standby: no new calls yet",
                                     sdes_kam_relay_name(*relay));
            continue;
        }
        if (rc != SDES_RC_RELAY)
            break;
        LM_WARN("Call-ID %.*s: relay %s did not answer, trying the next\n", cid->len, cid->s,
                sdes_kam_relay_name(*relay));
    }
    OPENSSL_cleanse(c->saved, len);
    if (rc == SDES_RC_RELAY)
        sdes_kam_stats_not_available(); /* every relay down or silent */
    if (rc < 0 || rc == KCALL_CONFLICT)
        return rc;
    *created = 1;
    return rc;
}

/* srtpd refused the offer's interface (direction=: a name it does not
 * have, or one without the peer's address family): the SDP's or the
 * script's fault, not the relay's, so -2 and a 488 with the reason; the
 * call is not set up on another network. */
static int offer_iface_refused(int rc)
{
    const char *why = sdes_kam_result_reason();
    if (rc != SDES_RC_ERROR || !why || !strstr(why, "no such media interface configured"))
        return rc;
    /* Without "relay X refused the offer: ": the reason goes into a SIP
     * reason phrase, srtpd's own words are what the caller needs. */
    const char *own = strstr(why, "stream ");
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", own ? own : why);
    return sdes_kam_result_set(SDES_RC_POLICY, "media interface not available: %s", copy);
}

/* Step 4: the state goes to srtpd with the call (state-only update). The
 * branches' answer states stay beside it: a re-offer B rejects leaves the
 * call as it was. */
static int offer_pack_state(call_ctx *c, const char *tag)
{
    snprintf(c->cs.offerer_tag, sizeof(c->cs.offerer_tag), "%s", tag);
    c->cs.offer_from_b = c->reverse;
    c->cs.offer_len = sdes_state_pack(&c->st, c->offer_packed, sizeof(c->offer_packed));
    kcall_note_hw(&c->offer_hw, c->cs.offer_len, sizeof(c->offer_packed));
    c->cs.offer = c->offer_packed;
    if (!c->cs.offer_len)
        return sdes_kam_result_set(SDES_RC_ERROR, "sdes state larger than srtpd keeps");
    return kcall_pack_state(c);
}

/* Step 3: the engine writes the offer for B with leg b's local ports,
 * with the keys of step 1 (sdes_config.keys_from: c->st), into
 * c->answer_st (free after step 0). It must give the state step 1 gave,
 * which srtpd may already hold: checked byte for byte. */
static int offer_write(call_ctx *c, sdes_config *cfg, const str *body)
{
    uint8_t *again = c->answer_packed;
    sdes_rej code;
    size_t n;
    cfg->keys_from = &c->st;
    sdes_state_copy(&c->answer_st, &c->prev);
    code = sdes_offer(cfg, body->s, (size_t)body->len, c->relays, SDES_MAX_MEDIA, &c->answer_st,
                      &c->res2);
    cfg->keys_from = NULL;
    if (code != SDES_REJ_OK)
        return kcall_engine_fail(&c->res2, code);
    n = sdes_state_pack(&c->answer_st, again, sizeof(c->answer_packed));
    kcall_note_hw(&c->answer_hw, n, sizeof(c->answer_packed));
    if (!n || n != c->cs.offer_len || CRYPTO_memcmp(again, c->cs.offer, n) != 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "the offer's second pass gave another state");
    return SDES_RC_OK;
}

/* One try of an offer (see sdes_kam_call_offer); KCALL_CONFLICT when
 * srtpd found the call's state changed (or the call there already): its
 * reply, from relay *given, holds the state to try again from. */
static int offer_once(call_ctx *c, sip_msg_t *msg, const sdes_call_flags *f, int mode_given,
                      int rekey, const str *body, const str *cid, sdes_mode *mode_out, int *reoffer,
                      const ctl_be_doc **doc, const ctl_be **root, int *given)
{
    sdes_policy pol;
    sdes_config cfg;
    sdes_call_flags eff;
    char tag[256];
    size_t len = 0;
    int rc, relay, created = 0;
    sdes_rej code;

    sdes_call_flags fd = *f;
    sdes_kam_iface_defaults(&fd); /* default_directions when the flags name none */
    f = &fd;
    *reoffer = 0;
    kcall_offerer_tag(msg, tag, sizeof(tag));
    memset(&cfg, 0, sizeof(cfg));
    cfg.policy = &pol;
    cfg.mode = kcall_engine_mode(f->mode);
    cfg.rekey = rekey != 0;
    cfg.keep_ice = f->keep_ice; /* per request, not bound: how the SDP is written */

    if ((rc = offer_find_call(c, msg, f, mode_given, cid, &cfg, tag, sizeof(tag), doc, root, &relay,
                              reoffer, *given)) < 0)
        return rc;
    /* The policy: the call's bound one, tightened by these flags. */
    if ((rc = kcall_bind_policy(c, f, &eff, cid)) < 0)
        return rc;
    cfg.isolate = sdes_call_bind_two_networks(&eff); /* the call's bound interfaces */
    if (sdes_call_engine_policy(&eff, &pol, c->err, sizeof(c->err)) < 0)
        return sdes_kam_result_set(SDES_RC_ERROR, "bad flags: %s", c->err);
    *mode_out = cfg.mode;

    /* 1. The engine reads A's offer: A's address and keys for leg a, our
     * keys toward B; the new sdes-state. */
    sdes_state_copy(&c->st, &c->prev);
    code = sdes_offer(&cfg, body->s, (size_t)body->len, NULL, 0, &c->st, &c->res1);
    if (code != SDES_REJ_OK)
        return kcall_engine_fail(&c->res1, code);
    if (cfg.rekey && *reoffer && pol.nomki_keep)
        log_nomki_kept(c, &pol, cid);
    offer_plan_rekeys(c, *reoffer);
    if ((rc = offer_pack_state(c, tag)) < 0)
        return rc;
    /* A re-offer whose keys change in place stores its state after the
     * rekeys went through (step 4), not with the offer. */
    size_t state_len = c->out_len;
    if (c->n_rekeys)
        c->out_len = 0;

    /* 2. srtpd "offer": creates the call (or updates it), allocates the
     * ports and, in the same request, stores the new state. */
    if ((rc = offer_request(c, &eff, cid, relay, &len)) < 0)
        return rc;
    rc = offer_send(c, cid, len, &relay, doc, root, &created);
    if (rc == KCALL_CONFLICT) {
        *given = relay;
        return rc;
    }
    if (rc < 0)
        return offer_iface_refused(rc);
    kcall_note_ports(c, *doc, *root); /* for the state cache */
    if (sdes_call_msg_ports(*doc, *root, sdes_call_mirror_leg('b', c->reverse), c->relays,
                            SDES_MAX_MEDIA) < 0) {
        rc = sdes_kam_result_set(SDES_RC_ERROR, "relay %s: offer reply without streams",
                                 sdes_kam_relay_name(relay));
        goto drop;
    }
    /* After the ports are read: a rekey reply replaces the reply buffer. */
    if (c->n_rekeys && (rc = kcall_send_rekeys(c, relay, cid)) < 0)
        goto drop;

    /* 3. The offer for B with leg b's local ports, the same keys. */
    if ((rc = offer_write(c, &cfg, body)) < 0)
        goto drop;

    /* 4. After in-place rekeys: the state, conditional on the version
     * the offer left. */
    if (c->n_rekeys) {
        c->out_len = state_len;
        if ((rc = kcall_send_state(c, relay, cid)) < 0)
            goto drop;
    }

    /* 5. The new body. */
    if ((rc = kcall_put_body(c, msg, cid, "offer")) < 0)
        goto drop;
    kcall_cache_put(c, cid, relay); /* what the answer needs */
    if (created)
        sdes_kam_stats_call_opened();
    return sdes_kam_result_set(SDES_RC_OK, NULL);

drop:
    if (created)
        kcall_drop_call(relay, cid);
    return rc;
}

/* offer_once's parameters, for kcall_run. */
typedef struct offer_args {
    sip_msg_t *msg;
    const sdes_call_flags *f;
    int mode_given, rekey;
    const str *body, *cid;
    sdes_mode *mode_out;
    int *reoffer;
} offer_args;

static int offer_try(call_ctx *c, void *arg, const ctl_be_doc **doc, const ctl_be **root,
                     int *given)
{
    const offer_args *a = arg;
    return offer_once(c, a->msg, a->f, a->mode_given, a->rekey, a->body, a->cid, a->mode_out,
                      a->reoffer, doc, root, given);
}

int sdes_kam_call_offer(sip_msg_t *msg, const sdes_call_flags *f, int mode_given, int rekey,
                        const str *body, const str *cid, sdes_mode *mode_out, int *reoffer)
{
    offer_args a = {msg, f, mode_given, rekey, body, cid, mode_out, reoffer};

    *reoffer = 0;
    return kcall_run(cid, "offer", offer_try, &a);
}
