/*
 * modules/sdes/engine/offer_answer.c — the SDES offer/answer engine (RFC 4568 §7
 * over RFC 3264): per m= line, which a=crypto of the offer is acceptable
 * under the policy, what each leg is offered or answered, which keys go to
 * the relay, and the state carried from offer to answer and to re-offers.
 * See sdes_engine.h for the modes. The SDP itself is indexed by sdp.c and
 * written by sdp_rewrite.c from the plan built here. This file holds the
 * entry points; the offer side is oa_offer.c, the answer side oa_answer.c,
 * what both use oa_shared.c.
 */
#include "oa_ctx.h"
#include "sdes/engine/multipart.h"

#include <openssl/crypto.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Puts the rewritten SDP (res->body) back between the multipart body's
 * bytes before and after the SDP part. The CRLF before the next delimiter
 * belongs to the delimiter (RFC 2046 §5.1.1): when the original part did not
 * end in a line end, the SDP's last CRLF is left out too. */
static sdes_rej splice_part(sdes_result *res, const char *whole, size_t whole_len, size_t off,
                            size_t n)
{
    size_t sdp_len = res->body_len;
    if (n == 0 || whole[off + n - 1] != '\n')
        sdp_len -= sdp_len >= 2 ? 2 : 0;
    size_t tail = whole_len - off - n;
    char *nb = malloc(off + sdp_len + tail + 1);
    if (!nb)
        return SDES_REJ_ALLOC;
    memcpy(nb, whole, off);
    memcpy(nb + off, res->body, sdp_len);
    memcpy(nb + off + sdp_len, whole + off + n, tail);
    nb[off + sdp_len + tail] = '\0';
    OPENSSL_cleanse(res->body, res->body_len);
    free(res->body);
    res->body = nb;
    res->body_len = off + sdp_len + tail;
    return SDES_REJ_OK;
}

typedef enum { OA_OFFER, OA_ANSWER } oa_kind;

static sdes_rej run(oa_kind kind, const sdes_config *cfg, const char *body, size_t len,
                    const sdes_relay *relays, size_t n_relays, sdes_state *state, sdes_result *res)
{
    if (!res)
        return SDES_REJ_BAD_PARAM;
    memset(res, 0, offsetof(sdes_result, media));
    if (!cfg || !state || (unsigned)cfg->mode > SDES_MODE_OSRTP || (!relays && n_relays)) {
        res->code = SDES_REJ_BAD_PARAM;
        snprintf(res->reason, sizeof res->reason, "BAD_PARAM: %s",
                 sdes_rej_str(SDES_REJ_BAD_PARAM));
        return SDES_REJ_BAD_PARAM;
    }
    /* Only the parts of the (large) context that this SDP uses are
     * initialised, and only they are wiped at the end. */
    oa_ctx *c = malloc(sizeof *c);
    if (c) {
        memset(c, 0, offsetof(oa_ctx, next));
        memset(&c->attr, 0, sizeof c->attr);
        c->rnd.used = c->rnd.len = 0;
        /* Read at `out` to bound the wipe of next.media: an early rejection
         * (bad body, no state) must not read it uninitialised. */
        c->next.n_media = 0;
    }
    if (!c) {
        res->code = SDES_REJ_ALLOC;
        snprintf(res->reason, sizeof res->reason, "ALLOC: %s", sdes_rej_str(SDES_REJ_ALLOC));
        return SDES_REJ_ALLOC;
    }
    c->cfg = cfg;
    c->res = res;
    if (cfg->policy) {
        c->pol = cfg->policy;
    } else {
        sdes_policy_default(&c->def_pol);
        c->pol = &c->def_pol;
    }
    sdes_rej rj = SDES_REJ_OK;
    int line = 0;
    /* A multipart body: the engine works on its SDP part (RFC 5621). */
    const char *whole = body;
    size_t whole_len = len, mp_off = 0;
    bool mp = false;
    if (body && len > 2 && body[0] == '-' && body[1] == '-' && len <= SDES_SDP_MAX_BODY) {
        size_t off = 0, n = 0;
        switch (sdes_multipart_sdp(body, len, &off, &n)) {
        case SDES_MP_OK:
            mp = true;
            mp_off = off;
            body += off;
            len = n;
            break;
        case SDES_MP_NO_SDP:
            rj = oa_reject(c, SDES_REJ_NOT_SDP, "%s",
                           "multipart body without an application/sdp part");
            goto out;
        case SDES_MP_SEVERAL_SDP:
            rj = oa_reject(c, SDES_REJ_MULTIPART, "%s", "several application/sdp parts");
            goto out;
        default:
            rj = oa_reject(c, SDES_REJ_MULTIPART, "%s", "malformed multipart body");
            goto out;
        }
    }
    sdes_sdp_status ss = sdes_sdp_parse(body, len, &c->sdp, &line);
    if (ss != SDES_SDP_OK) {
        rj = oa_sdp_status_rej(c, ss, line);
        goto out;
    }
    if (state->version != SDES_STATE_VERSION || state->n_media > SDES_MAX_MEDIA) {
        rj = oa_reject(c, SDES_REJ_NO_STATE, "state not initialised");
        goto out;
    }
    res->n_media = c->sdp.n_media;
    memset(res->media, 0, (size_t)c->sdp.n_media * sizeof res->media[0]);
    if (c->sdp.n_sess_crypto)
        oa_note(c, "session-level a=crypto removed (RFC 4568 9.1: media level only)");
    memset(c->plan, 0, sizeof c->plan);
    for (int i = 0; i < c->sdp.n_media; i++)
        oa_describe(c, i, relays, n_relays);
    if (kind == OA_OFFER) {
        sdes_state_init(&c->next);
        memset(c->next.media, 0, (size_t)c->sdp.n_media * sizeof c->next.media[0]);
        c->next.next_mki = state->next_mki ? state->next_mki : 1;
        c->next.mode = (uint8_t)cfg->mode;
        c->next.n_media = (uint8_t)c->sdp.n_media;
        bool reoffer = state->phase == 2 && state->mode == cfg->mode;
        for (int i = 0; i < c->sdp.n_media && !rj; i++) {
            const sdes_state_media *prev = reoffer && i < state->n_media ? &state->media[i] : NULL;
            rj = oa_offer_media(c, i, prev);
        }
        if (cfg->keys_from) /* its MKIs were taken by the first pass */
            c->next.next_mki = cfg->keys_from->next_mki;
        c->next.phase = 1;
    } else {
        if (state->phase != 1 || state->mode != cfg->mode) {
            rj =
                oa_reject(c, SDES_REJ_NO_STATE,
                          state->phase != 1 ? "no offer pending" : "mode differs from the offer's");
            goto out;
        }
        if (c->sdp.n_media != state->n_media) {
            rj = oa_reject(c, SDES_REJ_ANSWER_MEDIA, "offer had %d m= lines, answer %d",
                           state->n_media, c->sdp.n_media);
            goto out;
        }
        memcpy(&c->next, state, offsetof(sdes_state, media));
        memcpy(c->next.media, state->media, (size_t)state->n_media * sizeof state->media[0]);
        for (int i = 0; i < c->sdp.n_media && !rj; i++)
            rj = oa_answer_media(c, i, &c->next.media[i]);
        c->next.phase = 2;
    }
    if (rj)
        goto out;
    for (int i = 0; cfg->isolate && i < c->sdp.n_media; i++)
        if (!c->plan[i].touch && c->sdp.media[i].port != 0)
            oa_note(c, "m=%d %.*s disabled: not relayed, and the call joins two networks", i,
                    (int)c->sdp.media[i].media.len, c->sdp.body + c->sdp.media[i].media.off);
    rj = sdes_rewrite(&c->sdp, c->plan, relays, n_relays, cfg->keep_ice, cfg->isolate, &res->body,
                      &res->body_len);
    if (rj) {
        oa_reject0(c, rj);
        goto out;
    }
    if (mp) {
        rj = splice_part(res, whole, whole_len, mp_off, len);
        if (rj) {
            oa_reject0(c, rj);
            goto out;
        }
    }
    /* Commit: entries the new SDP no longer has are wiped, the used ones
     * replaced. */
    for (int i = c->next.n_media; i < state->n_media && i < SDES_MAX_MEDIA; i++)
        sdes_state_media_wipe(&state->media[i]);
    memcpy(state, &c->next, offsetof(sdes_state, media));
    memcpy(state->media, c->next.media, (size_t)c->next.n_media * sizeof state->media[0]);
out:
    if (rj) {
        /* Fail closed: no body and no keys in a rejected result. */
        char reason[SDES_REASON_LEN], notes[SDES_NOTES_LEN];
        memcpy(reason, res->reason, sizeof reason);
        memcpy(notes, res->notes, sizeof notes);
        sdes_result_free(res);
        memcpy(res->reason, reason, sizeof reason);
        memcpy(res->notes, notes, sizeof notes);
        res->code = rj;
        res->n_media = 0;
    }
    int nm = c->next.n_media <= SDES_MAX_MEDIA ? c->next.n_media : SDES_MAX_MEDIA;
    sdes_sdp_free(&c->sdp);
    for (int i = 0; i < nm; i++)
        sdes_state_media_wipe(&c->next.media[i]);
    sdes_rand_wipe(&c->rnd);
    OPENSSL_cleanse(c, offsetof(oa_ctx, next) + offsetof(sdes_state, media));
    OPENSSL_cleanse(c->plan, sizeof c->plan);
    sdes_crypto_attr_wipe(&c->attr);
    free(c);
    return rj;
}

sdes_rej sdes_offer(const sdes_config *cfg, const char *body, size_t len, const sdes_relay *relays,
                    size_t n_relays, sdes_state *state, sdes_result *res)
{
    return run(OA_OFFER, cfg, body, len, relays, n_relays, state, res);
}

sdes_rej sdes_answer(const sdes_config *cfg, const char *body, size_t len, const sdes_relay *relays,
                     size_t n_relays, sdes_state *state, sdes_result *res)
{
    return run(OA_ANSWER, cfg, body, len, relays, n_relays, state, res);
}