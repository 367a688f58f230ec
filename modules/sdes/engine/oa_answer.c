/*
 * modules/sdes/engine/oa_answer.c — the answer side of the SDES engine
 * (RFC 4568 §7.1.2, §7.1.3): per m= line of B's answer, its a=crypto
 * against the tags offered, what A is answered and which keys go to the
 * relay.
 */
#include "oa_ctx.h"

#include <string.h>

/* B's single a=crypto must answer one of the tags we sent (RFC 4568 §7.1.2,
 * §7.1.3). Sets sm->b_rx/b_tx. */
static sdes_rej answer_crypto_b(oa_ctx *c, int i, sdes_state_media *sm, bool passthrough)
{
    const sdes_sdp_media *m = &c->sdp.media[i];
    if (m->n_crypto == 0) {
        /* RTP/AVP + a=crypto was offered (OSRTP, RFC 8643 §3): an answer
         * without a=crypto means plain RTP on that leg, unless required. */
        if (!sdes_proto_secure(sm->b_proto) && c->pol->srtp != SDES_SRTP_REQUIRE) {
            oa_note(c, "m=%d answerer declined OSRTP: plain RTP on that leg", i);
            return SDES_REJ_OK;
        }
        return oa_reject(c, SDES_REJ_ANSWER_NO_CRYPTO, "m=%d", i);
    }
    if (m->n_crypto > 1)
        return oa_reject(c, SDES_REJ_ANSWER_MULTI_CRYPTO, "m=%d has %d", i, m->n_crypto);
    sdes_ca_status st = oa_parse_line(c, i, 0);
    if (st != SDES_CA_OK) {
        sdes_crypto_attr_wipe(&c->attr);
        return oa_reject(c, SDES_REJ_ANSWER_BAD_CRYPTO, "m=%d: %s", i, sdes_ca_status_str(st));
    }
    int k = 0;
    while (k < sm->n_b_offer && sm->b_offer[k].tag != c->attr.tag)
        k++;
    sdes_rej rj = SDES_REJ_OK;
    const char *why;
    if (k == sm->n_b_offer)
        rj = oa_reject(c, SDES_REJ_ANSWER_UNOFFERED_TAG, "m=%d tag %u", i, c->attr.tag);
    else if (sm->b_offer[k].suite != c->attr.suite->id)
        rj = oa_reject(c, SDES_REJ_ANSWER_SUITE, "m=%d tag %u offered %s, answered %s", i,
                       c->attr.tag, sg_suite_get(sm->b_offer[k].suite)->name, c->attr.suite->name);
    else if ((why = sdes_policy_check(c->pol, &c->attr)))
        rj = oa_reject(c, SDES_REJ_ANSWER_POLICY, "m=%d: %s", i, why);
    if (rj == SDES_REJ_OK && !passthrough) {
        sdes_keyset_from_attr(&c->attr, &sm->b_rx);
        sm->b_tx = sm->b_offer[k];
    }
    sdes_crypto_attr_wipe(&c->attr);
    return rj;
}

sdes_rej oa_answer_media(oa_ctx *c, int i, sdes_state_media *sm)
{
    const sdes_sdp_media *m = &c->sdp.media[i];
    sdes_media_result *r = &c->res->media[i];
    plan_media *pm = &c->plan[i];
    if (!sm->in_use) {
        r->state = m->port == 0 ? SDES_MEDIA_DISABLED : SDES_MEDIA_UNTOUCHED;
        oa_strip_untouched_crypto(c, i);
        return SDES_REJ_OK;
    }
    /* RFC 3264 §6: the answer's m= lines pair with the offer's, same media. */
    if (strcmp(sm->media, r->media) != 0)
        return oa_reject(c, SDES_REJ_ANSWER_MEDIA, "m=%d is %s, the offer's is %s", i, r->media,
                         sm->media);
    pm->touch = true;
    pm->out_proto = (sdes_proto)sm->a_proto; /* RFC 3264 §6: same proto as the offer */
    pm->crypto = PLAN_CRYPTO_REPLACE;
    if (m->port == 0) {
        /* B rejected the stream: A gets port 0 too; keys are dropped. */
        sdes_state_media_wipe(sm);
        r->state = SDES_MEDIA_DISABLED;
        return SDES_REJ_OK;
    }
    pm->rewrite_port = true;
    const sdes_sdp_conn *cn = sdes_sdp_media_conn(&c->sdp, m);
    pm->rewrite_addr = !(cn && cn->hold);
    sdes_rej rj = SDES_REJ_OK;
    switch ((sdes_media_state)sm->state) {
    case SDES_MEDIA_PASSTHROUGH:
        rj = answer_crypto_b(c, i, sm, true);
        pm->crypto = PLAN_CRYPTO_KEEP;
        pm->out_proto = sdes_sdp_proto(&c->sdp, m);
        break;
    case SDES_MEDIA_SRTP:
        if (sm->n_b_offer)
            rj = answer_crypto_b(c, i, sm, false);
        else if (m->n_crypto)
            rj = oa_reject(c, SDES_REJ_ANSWER_UNEXPECTED, "m=%d", i);
        if (rj)
            break;
        if (sm->a_rx.srtp) {
            if (!sm->a_tx.srtp || sm->a_tx.suite != sm->a_rx.suite || sm->a_rekey) {
                static const sdes_keyset none;
                sdes_keyset old = sm->a_rekey ? sm->a_tx : none;
                /* Toward A as A keys itself: an MKI only if its offer's
                 * accepted line had one (else A could not read ours). */
                bool mki = sdes_policy_mki_toward(c->pol, oa_peer_mki(&sm->a_rx));
                if (!sdes_keyset_generate(c->pol, sg_suite_get(sm->a_rx.suite), sm->a_rx.tag, mki,
                                          &c->next.next_mki, &c->rnd, &sm->a_tx)) {
                    sdes_keyset_wipe(&old);
                    return oa_reject0(c, SDES_REJ_RANDOM);
                }
                oa_keep_old_key(&sm->a_tx, &old);
                sdes_keyset_wipe(&old);
                r->rekeyed = sm->a_rekey;
                sm->a_rekey = 0;
            }
            /* The answer names the offer's tag and suite (RFC 4568 §7.1.2)
             * and declares the same session parameters for its direction. */
            sm->a_tx.tag = sm->a_rx.tag;
            sm->a_tx.unencrypted_srtp = sm->a_rx.unencrypted_srtp;
            sm->a_tx.unencrypted_srtcp = sm->a_rx.unencrypted_srtcp;
            sm->a_tx.unauthenticated_srtp = sm->a_rx.unauthenticated_srtp;
            pm->n_emit = 1;
            pm->emit[0] = &sm->a_tx;
        }
        break;
    default: /* PLAIN */
        if (m->n_crypto)
            oa_note(c, "m=%d answerer's a=crypto removed: none was offered", i);
        break;
    }
    if (rj)
        return rj;
    if (sm->state == SDES_MEDIA_SRTP && !sm->a_rx.srtp && !sm->a_tx.srtp && !sm->b_rx.srtp)
        sm->state = SDES_MEDIA_PLAIN; /* OSRTP declined: nothing to protect */
    r->state = sm->state;
    r->a_rx = sm->a_rx;
    r->a_tx = sm->a_tx;
    r->b_rx = sm->b_rx;
    r->b_tx = sm->b_tx;
    return SDES_REJ_OK;
}