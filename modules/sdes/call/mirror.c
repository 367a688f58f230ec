/*
 * modules/sdes/call/mirror.c — a call's engine state seen from the other
 * side, for re-offers sent by the first offer's answerer (see
 * call/mirror.h; RFC 3264 §8: either party may modify the session).
 */
#include "sdes/call/mirror.h"

#include <string.h>

#include <openssl/crypto.h>

/* Did the first offerer use OSRTP (RTP/AVP with a=crypto, RFC 8643)? Then
 * an offer toward it keeps RTP/AVP instead of switching it to RTP/SAVP. */
static bool offerer_osrtp(const sdes_state *st)
{
    for (int i = 0; i < st->n_media && i < SDES_MAX_MEDIA; i++) {
        const sdes_state_media *m = &st->media[i];
        if (m->in_use && m->state == SDES_MEDIA_SRTP && m->a_rx.srtp &&
            !sdes_proto_secure((sdes_proto)m->a_proto))
            return true;
    }
    return false;
}

sdes_mode sdes_call_mirror_mode(const sdes_state *st)
{
    switch ((sdes_mode)st->mode) {
    case SDES_MODE_ENCRYPT:
    case SDES_MODE_OSRTP:
        return SDES_MODE_DECRYPT;
    case SDES_MODE_DECRYPT:
        return offerer_osrtp(st) ? SDES_MODE_OSRTP : SDES_MODE_ENCRYPT;
    case SDES_MODE_REKEY:
        return SDES_MODE_REKEY;
    default:
        return SDES_MODE_PASSTHROUGH;
    }
}

sdes_mode sdes_call_unmirror_mode(sdes_mode m, const sdes_state *canonical_before)
{
    if (canonical_before && canonical_before->phase == 2 &&
        sdes_call_mirror_mode(canonical_before) == m)
        return (sdes_mode)canonical_before->mode;
    switch (m) {
    case SDES_MODE_ENCRYPT:
    case SDES_MODE_OSRTP:
        return SDES_MODE_DECRYPT;
    case SDES_MODE_DECRYPT:
        return SDES_MODE_ENCRYPT;
    default:
        return m;
    }
}

void sdes_call_mirror_state(const sdes_state *in, sdes_state *out, sdes_mode mode)
{
    int n = in->n_media <= SDES_MAX_MEDIA ? in->n_media : SDES_MAX_MEDIA;

    memcpy(out, in, offsetof(sdes_state, media));
    out->mode = (uint8_t)mode;
    out->n_media = (uint8_t)n;
    for (int i = 0; i < n; i++) {
        const sdes_state_media *s = &in->media[i];
        sdes_state_media *d = &out->media[i];
        OPENSSL_cleanse(d, sizeof(*d));
        d->in_use = s->in_use;
        d->state = s->state;
        d->hold = s->hold;
        d->a_rekey = 0; /* only pending within one exchange */
        memcpy(d->media, s->media, sizeof(d->media));
        d->a_proto = s->b_proto;
        d->b_proto = s->a_proto;
        d->a_rx = s->b_rx;
        d->a_tx = s->b_tx;
        d->b_rx = s->a_rx;
        d->b_tx = s->a_tx;
        /* What was written toward the new B: our answer line to it. The
         * engine reads offer lines only while an offer is pending; this
         * keeps a completed state self-consistent. */
        if (s->a_tx.srtp) {
            d->b_offer[0] = s->a_tx;
            d->n_b_offer = 1;
        }
    }
}

bool sdes_call_mirror_is_reverse(const sdes_state *answer_st, const char *first, const char *author)
{
    return answer_st->phase == 2 && first && author && first[0] && author[0] &&
           strcmp(first, author) != 0;
}
