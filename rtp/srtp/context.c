/*
 * rtp/srtp/context.c — sg_srtp_ctx life cycle and key management: creating
 * a context (every per-SSRC slot, replay ring and per-stream session
 * allocated here, so the packet path never allocates), adding, choosing and
 * retiring master keys (RFC 3711 §8.1 rekeying with MKI), ROC access,
 * events and statistics. Packet transforms are in srtp.c and srtcp.c.
 */
#include "srtp/sg_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static uint32_t window_words(uint32_t window)
{
    uint32_t bits = 64;
    while (bits < window)
        bits <<= 1;
    return bits / 64;
}

sg_status sg_srtp_ctx_new(const sg_srtp_params *params, sg_srtp_ctx **out)
{
    if (!params || !out)
        return SG_BAD_PARAM;
    *out = NULL;
    const sg_suite *suite = params->suite;
    if (!suite || sg_suite_get(suite->id) != suite)
        return SG_BAD_PARAM;
    if (params->dir != SG_SRTP_PROTECT && params->dir != SG_SRTP_UNPROTECT)
        return SG_BAD_PARAM;
    if (params->kdr > 24 || params->replay_window > SG_SRTP_MAX_WINDOW ||
        params->mki_len > SG_SRTP_MAX_MKI_LEN ||
        (params->roc_policy != SG_ROC_KEEP && params->roc_policy != SG_ROC_RESET))
        return SG_BAD_PARAM;
    /* RFC 7714 AEAD always authenticates: UNAUTHENTICATED_SRTP has no
     * meaning there. */
    if (suite->cipher == SG_CIPHER_AES_GCM && params->unauthenticated_srtp)
        return SG_UNSUPPORTED;

    sg_srtp_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return SG_ALLOC;
    ctx->p = *params;
    ctx->suite = suite;
    ctx->window = params->replay_window ? params->replay_window : SG_SRTP_DEFAULT_WINDOW;
    ctx->words = window_words(ctx->window);
    ctx->nstreams = params->max_ssrcs ? params->max_ssrcs : SG_SRTP_DEFAULT_SSRCS;
    ctx->cur = -1;
    ctx->next_gen = 1;
    sg_status st = SG_ALLOC;
    ctx->streams = calloc(ctx->nstreams, sizeof *ctx->streams);
    ctx->bits = calloc((size_t)ctx->nstreams * 2 * ctx->words, sizeof *ctx->bits);
    if (!ctx->streams || !ctx->bits)
        goto fail;
    if (params->kdr) {
        ctx->kdr_sess = calloc((size_t)ctx->nstreams * 2, sizeof *ctx->kdr_sess);
        if (!ctx->kdr_sess)
            goto fail;
    }
    for (uint32_t i = 0; i < ctx->nstreams; i++) {
        sg_stream *s = &ctx->streams[i];
        s->rtp.bits = ctx->bits + (size_t)i * 2 * ctx->words;
        s->rtcp.bits = s->rtp.bits + ctx->words;
        if (params->kdr) {
            s->kdr_rtp = &ctx->kdr_sess[2 * i];
            s->kdr_rtcp = &ctx->kdr_sess[2 * i + 1];
            if (!sg_sess_alloc(s->kdr_rtp, suite, params->dir) ||
                !sg_sess_alloc(s->kdr_rtcp, suite, params->dir)) {
                st = SG_CRYPTO;
                goto fail;
            }
        }
    }
    *out = ctx;
    return SG_OK;
fail:
    sg_srtp_ctx_free(ctx);
    return st;
}

void sg_srtp_ctx_free(sg_srtp_ctx *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < SG_SRTP_MAX_KEYS; i++)
        sg_key_free(ctx, i);
    if (ctx->kdr_sess)
        for (size_t i = 0; i < (size_t)ctx->nstreams * 2; i++)
            sg_sess_free(&ctx->kdr_sess[i]);
    free(ctx->kdr_sess);
    free(ctx->streams);
    free(ctx->bits);
    OPENSSL_cleanse(ctx, sizeof *ctx);
    free(ctx);
}

sg_status sg_srtp_add_key(sg_srtp_ctx *ctx, const sg_srtp_key *key)
{
    if (!ctx || !key)
        return SG_BAD_PARAM;
    const sg_suite *su = ctx->suite;
    if (!key->master_key || !key->master_salt)
        return SG_BAD_KEY;
    if (ctx->p.mki_len && !key->mki)
        return SG_BAD_PARAM;
    int slot = -1, count = 0;
    for (int i = 0; i < SG_SRTP_MAX_KEYS; i++) {
        if (ctx->keys[i])
            count++;
        else if (slot < 0)
            slot = i;
    }
    if (ctx->p.mki_len && sg_key_by_mki(ctx, key->mki) >= 0)
        return SG_DUPLICATE_MKI;
    if (slot < 0 || (ctx->p.mki_len == 0 && count > 0))
        return SG_TOO_MANY_KEYS;

    /* Allocated here, not per packet: adding a key is control-plane work
     * (a rekey job on srtpd's worker, as the OpenSSL contexts below). */
    sg_mkey *k = calloc(1, sizeof *k + ctx->p.mki_len);
    if (!k)
        return SG_ALLOC;
    ctx->keys[slot] = k;
    sg_status st = SG_CRYPTO;
    k->prf = sg_kdf_prf_new(key->master_key, su->key_len);
    if (!k->prf)
        goto fail;
    memcpy(k->master_salt, key->master_salt, su->salt_len);
    if (ctx->p.mki_len)
        memcpy(k->mki, key->mki, ctx->p.mki_len);
    uint64_t life = key->lifetime;
    k->lifetime = life;
    k->life_srtp = life && life < su->max_lifetime_srtp ? life : su->max_lifetime_srtp;
    k->life_srtcp = life && life < su->max_lifetime_srtcp ? life : su->max_lifetime_srtcp;
    {
        /* Fingerprint for logs: SHA-256(key || salt), first 4 bytes. */
        uint8_t buf[SG_SRTP_MAX_KEY_LEN + SG_SRTP_MAX_SALT_LEN], md[32];
        memcpy(buf, key->master_key, su->key_len);
        memcpy(buf + su->key_len, key->master_salt, su->salt_len);
        bool ok = EVP_Digest(buf, su->key_len + su->salt_len, md, NULL, EVP_sha256(), NULL) == 1;
        memcpy(k->fingerprint, md, 4);
        OPENSSL_cleanse(buf, sizeof buf);
        OPENSSL_cleanse(md, sizeof md);
        if (!ok)
            goto fail;
    }
    if (ctx->p.kdr == 0) {
        /* kdr 0: session keys derived once per master key, r = 0 (§4.3.1). */
        if (!sg_sess_alloc(&k->rtp, su, ctx->p.dir) || !sg_sess_alloc(&k->rtcp, su, ctx->p.dir) ||
            !sg_sess_derive(&k->rtp, su, k->prf, k->master_salt, false, 0) ||
            !sg_sess_derive(&k->rtcp, su, k->prf, k->master_salt, true, 0))
            goto fail;
        /* Never derived from again (kdr 0): drop the PRF, which holds
         * the master key's AES schedule (~600 bytes per key, and one
         * copy of the master key fewer in memory). */
        EVP_CIPHER_CTX_free(k->prf);
        k->prf = NULL;
    }
    k->gen = ctx->next_gen++;
    k->used = true;
    if (ctx->cur < 0)
        ctx->cur = slot;
    return SG_OK;
fail:
    sg_key_free(ctx, slot);
    return st;
}

static int find_mki(const sg_srtp_ctx *ctx, const uint8_t *mki, size_t mki_len)
{
    if (!mki || mki_len != ctx->p.mki_len || mki_len == 0)
        return -1;
    return sg_key_by_mki(ctx, mki);
}

sg_status sg_srtp_use_key(sg_srtp_ctx *ctx, const uint8_t *mki, size_t mki_len)
{
    if (!ctx || !mki || mki_len != ctx->p.mki_len || mki_len == 0)
        return SG_BAD_PARAM;
    int i = find_mki(ctx, mki, mki_len);
    if (i < 0)
        return SG_UNKNOWN_MKI;
    const sg_mkey *k = ctx->keys[i];
    if (k->used_srtp >= k->life_srtp || k->used_srtcp >= k->life_srtcp)
        return SG_KEY_EXPIRED;
    ctx->cur = i;
    return SG_OK;
}

sg_status sg_srtp_retire_key(sg_srtp_ctx *ctx, const uint8_t *mki, size_t mki_len)
{
    if (!ctx || !mki || mki_len != ctx->p.mki_len || mki_len == 0)
        return SG_BAD_PARAM;
    int i = find_mki(ctx, mki, mki_len);
    if (i < 0)
        return SG_UNKNOWN_MKI;
    if (ctx->p.dir == SG_SRTP_PROTECT && i == ctx->cur)
        return SG_BAD_PARAM;
    sg_key_free(ctx, i);
    if (i == ctx->cur)
        ctx->cur = -1;
    return SG_OK;
}

sg_status sg_srtp_set_roc(sg_srtp_ctx *ctx, uint32_t ssrc, uint32_t roc)
{
    if (!ctx)
        return SG_BAD_PARAM;
    sg_stream *st;
    bool fresh;
    sg_status s = sg_stream_find(ctx, ssrc, &st, &fresh);
    if (s != SG_OK)
        return s;
    /* The next SRTP packet starts the stream afresh at this ROC (a new
     * stream is claimed now, evicting the LRU one if evict_lru). */
    if (fresh)
        sg_stream_claim(ctx, st, ssrc);
    st->rtp.init = false;
    st->roc_start = roc;
    return SG_OK;
}

sg_status sg_srtp_get_roc(const sg_srtp_ctx *ctx, uint32_t ssrc, uint32_t *roc)
{
    if (!ctx || !roc)
        return SG_BAD_PARAM;
    for (uint16_t i = 0; i < ctx->nstreams; i++) {
        const sg_stream *s = &ctx->streams[i];
        if (s->used && s->ssrc == ssrc) {
            *roc = s->rtp.init ? (uint32_t)(s->rtp.hi >> 16) : s->roc_start;
            return SG_OK;
        }
    }
    return SG_BAD_PARAM;
}

uint32_t sg_srtp_take_events(sg_srtp_ctx *ctx)
{
    if (!ctx)
        return 0;
    uint32_t e = ctx->events;
    ctx->events = 0;
    return e;
}

size_t sg_srtp_key_count(const sg_srtp_ctx *ctx)
{
    size_t n = 0;
    if (ctx)
        for (int i = 0; i < SG_SRTP_MAX_KEYS; i++)
            n += ctx->keys[i] && ctx->keys[i]->used;
    return n;
}

sg_status sg_srtp_key_info_get(const sg_srtp_ctx *ctx, size_t i, sg_srtp_key_info *info)
{
    if (!ctx || !info)
        return SG_BAD_PARAM;
    size_t n = 0;
    for (int s = 0; s < SG_SRTP_MAX_KEYS; s++) {
        const sg_mkey *k = ctx->keys[s];
        if (!k || !k->used)
            continue;
        if (n++ != i)
            continue;
        memset(info, 0, sizeof *info);
        memcpy(info->mki, k->mki, ctx->p.mki_len);
        info->mki_len = ctx->p.mki_len;
        info->lifetime = k->life_srtp;
        info->srtp_used = k->used_srtp;
        info->srtcp_used = k->used_srtcp;
        info->current = s == ctx->cur;
        memcpy(info->fingerprint, k->fingerprint, 4);
        info->gen = k->gen;
        return SG_OK;
    }
    return SG_BAD_PARAM;
}

size_t sg_srtp_overhead(const sg_srtp_ctx *ctx)
{
    if (!ctx)
        return 0;
    size_t tag = ctx->p.unauthenticated_srtp ? 0 : ctx->suite->srtp_tag_len;
    return ctx->p.mki_len + tag;
}
