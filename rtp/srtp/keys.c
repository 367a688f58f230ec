/*
 * rtp/srtp/keys.c — the master key table: lookup by MKI (RFC 3711 §3.1,
 * RFC 4568 §6.1), lifetimes counted per key for SRTP and SRTCP (§9.2: at
 * most 2^48 SRTP and 2^31 SRTCP packets), the soft-limit event that lets
 * the control plane provision the next key in time, and the automatic
 * switch to the next key when the send key runs out.
 */
#include "srtp/sg_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

int sg_key_by_mki(const sg_srtp_ctx *ctx, const uint8_t *mki)
{
    size_t n = ctx->p.mki_len;
    for (int i = 0; i < SG_SRTP_MAX_KEYS; i++) {
        /* The MKI is public (it travels in clear): a plain compare. */
        const sg_mkey *k = ctx->keys[i];
        if (k && k->used && memcmp(k->mki, mki, n) == 0)
            return i;
    }
    return -1;
}

void sg_key_wipe(sg_mkey *k, size_t mki_len)
{
    EVP_CIPHER_CTX_free(k->prf);
    sg_sess_free(&k->rtp);
    sg_sess_free(&k->rtcp);
    OPENSSL_cleanse(k, sizeof *k + mki_len);
}

void sg_key_free(sg_srtp_ctx *ctx, int i)
{
    if (!ctx->keys[i])
        return;
    sg_key_wipe(ctx->keys[i], ctx->p.mki_len);
    free(ctx->keys[i]);
    ctx->keys[i] = NULL;
}

static bool life_left(const sg_mkey *k, bool rtcp)
{
    return rtcp ? k->used_srtcp < k->life_srtcp : k->used_srtp < k->life_srtp;
}

sg_status sg_key_for_send(const sg_srtp_ctx *ctx, bool rtcp, int *slot)
{
    if (ctx->cur < 0)
        return SG_NO_KEY;
    const sg_mkey *cur = ctx->keys[ctx->cur];
    if (life_left(cur, rtcp)) {
        *slot = ctx->cur;
        return SG_OK;
    }
    /* The next key added after the current one that still has life for
     * this protocol (and for SRTP: the switch is for both protocols, so
     * it must have SRTP life too). */
    int best = -1;
    for (int i = 0; i < SG_SRTP_MAX_KEYS; i++) {
        const sg_mkey *k = ctx->keys[i];
        if (!k || !k->used || k->gen <= cur->gen || !life_left(k, rtcp) || !life_left(k, false))
            continue;
        if (best < 0 || k->gen < ctx->keys[best]->gen)
            best = i;
    }
    if (best < 0)
        return SG_KEY_EXPIRED;
    *slot = best;
    return SG_OK;
}

void sg_key_count(sg_srtp_ctx *ctx, int slot, bool rtcp)
{
    sg_mkey *k = ctx->keys[slot];
    if (rtcp)
        k->used_srtcp++;
    else
        k->used_srtp++;
    if (ctx->p.dir != SG_SRTP_PROTECT)
        return;
    if (slot != ctx->cur) {
        ctx->cur = slot;
        ctx->events |= SG_EV_KEY_SWITCHED;
    }
    /* Soft limit: packets left on either counter at or below the limit. */
    uint64_t soft = ctx->p.soft_limit;
    uint64_t left_rtp = k->life_srtp - k->used_srtp;
    uint64_t left_rtcp = k->life_srtcp - k->used_srtcp;
    uint64_t soft_rtp = soft ? soft : k->life_srtp / 16;
    uint64_t soft_rtcp = soft ? soft : k->life_srtcp / 16;
    if (!k->soft_sent && (left_rtp <= soft_rtp || left_rtcp <= soft_rtcp)) {
        k->soft_sent = true;
        ctx->events |= SG_EV_SOFT_LIMIT;
    }
    /* Exhausted when neither this key nor a later one can send more. */
    int next;
    if (left_rtp == 0 || left_rtcp == 0) {
        if (sg_key_for_send(ctx, left_rtcp == 0, &next) != SG_OK)
            ctx->events |= SG_EV_EXHAUSTED;
    }
}
