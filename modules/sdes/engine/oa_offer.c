/*
 * modules/sdes/engine/oa_offer.c — the offer side of the SDES engine
 * (RFC 4568 §7.1.1, §7.1.4): per m= line of an offer, which a=crypto the
 * policy accepts from A, what B is offered (kept keys, a rekey, or one line
 * per preferred suite) and the plan the rewrite follows.
 */
#include "oa_ctx.h"

#include <string.h>

/* An offer's second pass (sdes_config.keys_from): the lines the first
 * pass generated for stream i, to write again. false when it holds none
 * of the kind asked for (n lines with the suites of the plan). */
static bool replay_lines(oa_ctx *c, int i, int n)
{
    const sdes_state *k = c->cfg->keys_from;
    if (i >= k->n_media || k->n_media > SDES_MAX_MEDIA)
        return false;
    const sdes_state_media *km = &k->media[i];
    if (!km->in_use || km->n_b_offer != n || n > SDES_MAX_OFFER_LINES)
        return false;
    sdes_state_media *sm = &c->next.media[i];
    memcpy(sm->b_offer, km->b_offer, (size_t)n * sizeof sm->b_offer[0]);
    sm->n_b_offer = (uint8_t)n;
    return true;
}

/* Offer lines toward B: the previous accepted line when the stream is
 * unchanged (RFC 4568 §7.1.4: keys may be kept), new keys when rekeying is
 * asked and the stream is not on hold, else one line per preferred suite. */
static sdes_rej offer_lines(oa_ctx *c, int i, const sdes_state_media *prev, bool hold)
{
    sdes_state_media *sm = &c->next.media[i];
    sdes_media_result *r = &c->res->media[i];
    if (prev && prev->b_tx.srtp) {
        /* nomki=keep: B would get a plain key change (no MKI) and may be a
         * phone that never re-keys: it keeps the key it has. */
        if (!c->cfg->rekey || hold || !sdes_policy_rekey_toward(c->pol, oa_peer_mki(&prev->b_rx))) {
            sm->b_offer[0] = prev->b_tx;
        } else {
            sdes_keyset *nk = &sm->b_offer[0];
            /* A rekey follows B's last a=crypto: an MKI only if B used one. */
            bool mki = sdes_policy_mki_toward(c->pol, oa_peer_mki(&prev->b_rx));
            if (c->cfg->keys_from) {
                if (!replay_lines(c, i, 1) || sm->b_offer[0].suite != prev->b_tx.suite)
                    return oa_reject(c, SDES_REJ_BAD_PARAM, "m=%d: keys_from holds no rekey", i);
                r->rekeyed = true;
                return SDES_REJ_OK;
            }
            if (!sdes_keyset_generate(c->pol, sg_suite_get(prev->b_tx.suite), prev->b_tx.tag, mki,
                                      &c->next.next_mki, &c->rnd, nk))
                return oa_reject0(c, SDES_REJ_RANDOM);
            oa_keep_old_key(nk, &prev->b_tx);
            r->rekeyed = true;
        }
        sm->n_b_offer = 1;
        return SDES_REJ_OK;
    }
    /* B has sent no a=crypto yet: no MKI unless the policy forces one. */
    bool mki = sdes_policy_mki_toward(c->pol, 0);
    int n = c->pol->offer_max < c->pol->n_suites ? c->pol->offer_max : c->pol->n_suites;
    if (c->cfg->keys_from) {
        bool same = replay_lines(c, i, n);
        for (int k = 0; same && k < n; k++)
            same =
                sm->b_offer[k].suite == c->pol->suites[k] && sm->b_offer[k].tag == (uint32_t)k + 1;
        if (!same)
            return oa_reject(c, SDES_REJ_BAD_PARAM, "m=%d: keys_from holds other lines", i);
        return SDES_REJ_OK;
    }
    for (int k = 0; k < n; k++)
        if (!sdes_keyset_generate(c->pol, sg_suite_get(c->pol->suites[k]), (uint32_t)k + 1, mki,
                                  &c->next.next_mki, &c->rnd, &sm->b_offer[k]))
            return oa_reject0(c, SDES_REJ_RANDOM);
    sm->n_b_offer = (uint8_t)n;
    return SDES_REJ_OK;
}

static void plan_emit_offer(oa_ctx *c, int i)
{
    sdes_state_media *sm = &c->next.media[i];
    plan_media *pm = &c->plan[i];
    pm->crypto = PLAN_CRYPTO_REPLACE;
    pm->n_emit = sm->n_b_offer;
    for (int k = 0; k < sm->n_b_offer; k++)
        pm->emit[k] = &sm->b_offer[k];
}

sdes_rej oa_offer_media(oa_ctx *c, int i, const sdes_state_media *prev)
{
    const sdes_sdp_media *m = &c->sdp.media[i];
    sdes_state_media *sm = &c->next.media[i];
    sdes_media_result *r = &c->res->media[i];
    plan_media *pm = &c->plan[i];
    sdes_proto proto = sdes_sdp_proto(&c->sdp, m);
    sdes_mode mode = c->cfg->mode;
    if (m->port == 0 || proto == SDES_PROTO_OTHER) {
        if (m->port == 0) {
            r->state = SDES_MEDIA_DISABLED;
        } else {
            char pn[32];
            oa_copy_span(&c->sdp, m->proto, pn, sizeof pn);
            oa_note(c, "m=%d %s left alone (not RTP/AVP, SAVP, AVPF or SAVPF)", i, pn);
        }
        oa_strip_untouched_crypto(c, i);
        return SDES_REJ_OK;
    }
    /* A previous stream counts as unchanged when it is the same media. */
    if (prev && (!prev->in_use || strcmp(prev->media, r->media) != 0))
        prev = NULL;
    pm->touch = true;
    pm->rewrite_port = true;
    const sdes_sdp_conn *cn = sdes_sdp_media_conn(&c->sdp, m);
    pm->rewrite_addr = !(cn && cn->hold);
    pm->out_proto = proto;
    pm->crypto = PLAN_CRYPTO_REPLACE; /* remove by default */
    sm->in_use = 1;
    sm->a_proto = (uint8_t)proto;
    sm->hold = r->hold;
    memcpy(sm->media, r->media, sizeof sm->media);
    sm->state = SDES_MEDIA_PLAIN;

    if (c->pol->srtp == SDES_SRTP_OFF) {
        if (sdes_proto_secure(proto))
            return oa_reject(c, SDES_REJ_SRTP_FORBIDDEN, "m=%d %s", i, sdes_proto_name(proto));
        if (m->n_crypto)
            oa_note(c, "m=%d a=crypto removed: srtp=off", i);
        goto done;
    }
    if (mode == SDES_MODE_ENCRYPT || mode == SDES_MODE_OSRTP) {
        if (sdes_proto_secure(proto))
            return oa_reject(c, SDES_REJ_MODE_MISMATCH,
                             "m=%d is %s; mode %s expects plain RTP from the offerer", i,
                             sdes_proto_name(proto), sdes_mode_name(mode));
        if (m->n_crypto)
            oa_note(c, "m=%d offerer's a=crypto removed: mode %s", i, sdes_mode_name(mode));
        sdes_rej rj = offer_lines(c, i, prev, r->hold);
        if (rj)
            return rj;
        pm->out_proto = mode == SDES_MODE_ENCRYPT ? sdes_proto_to_secure(proto) : proto;
        plan_emit_offer(c, i);
        sm->state = SDES_MEDIA_SRTP;
        goto done;
    }
    /* DECRYPT, REKEY, PASSTHROUGH: the offer's own a=crypto decide. */
    int idx[SDES_SDP_MAX_CRYPTO];
    const char *why;
    int n = oa_acceptable(c, i, idx, &why);
    if (n == 0) {
        if (sdes_proto_secure(proto) || (m->n_crypto && c->pol->srtp == SDES_SRTP_REQUIRE))
            return oa_reject(c, SDES_REJ_NO_ACCEPTABLE_CRYPTO, "m=%d: %s", i,
                             why ? why : "no a=crypto line");
        if (c->pol->srtp == SDES_SRTP_REQUIRE)
            return oa_reject(c, SDES_REJ_SRTP_REQUIRED, "m=%d %s without a=crypto", i,
                             sdes_proto_name(proto));
        goto done; /* best effort: plain, unusable lines removed */
    }
    if (mode == SDES_MODE_PASSTHROUGH) {
        pm->crypto = PLAN_CRYPTO_FILTER;
        for (int k = 0; k < n; k++) {
            oa_parse_line(c, i, idx[k]);
            if (k >= SDES_MAX_OFFER_LINES) {
                /* the state remembers 4 offered tags; more are not sent */
                oa_note(c, "m=%d a=crypto tag %u %s stripped: more than %d acceptable lines", i,
                        c->attr.tag, c->attr.suite_name, SDES_MAX_OFFER_LINES);
                continue;
            }
            pm->keep_mask |= 1u << idx[k];
            /* Only tag and suite are kept: the keys are A's and B's. */
            sm->b_offer[k].srtp = true;
            sm->b_offer[k].suite = c->attr.suite->id;
            sm->b_offer[k].tag = c->attr.tag;
            sm->n_b_offer = (uint8_t)(k + 1);
        }
        sdes_crypto_attr_wipe(&c->attr);
        sm->state = SDES_MEDIA_PASSTHROUGH;
        goto done;
    }
    oa_parse_line(c, i, idx[0]);
    sdes_keyset_from_attr(&c->attr, &sm->a_rx);
    sdes_crypto_attr_wipe(&c->attr);
    /* Our key toward A survives a re-offer of an unchanged stream that
     * keeps the suite (RFC 4568 §7.1.4); a rekey (not on hold) replaces it
     * at the answer, keeping it second in the line for a hitless switch. */
    if (prev && prev->a_tx.srtp && prev->a_tx.suite == sm->a_rx.suite) {
        sm->a_tx = prev->a_tx;
        /* nomki=keep: no new key toward an A we key without MKI. */
        sm->a_rekey =
            c->cfg->rekey && !r->hold && sdes_policy_rekey_toward(c->pol, oa_peer_mki(&sm->a_rx));
    }
    sm->state = SDES_MEDIA_SRTP;
    if (mode == SDES_MODE_DECRYPT) {
        pm->out_proto = sdes_proto_to_plain(proto);
    } else { /* REKEY: B gets the same proto with our own keys */
        sdes_rej rj = offer_lines(c, i, prev, r->hold);
        if (rj)
            return rj;
        plan_emit_offer(c, i);
    }
done:
    sm->b_proto = (uint8_t)pm->out_proto;
    r->state = sm->state;
    r->a_rx = sm->a_rx;
    if (sm->n_b_offer && sm->b_offer[0].n_keys)
        r->b_tx = sm->b_offer[0]; /* provisional until B answers */
    return SDES_REJ_OK;
}