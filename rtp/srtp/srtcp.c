/*
 * rtp/srtp/srtcp.c — SRTCP protect and unprotect (RFC 3711 §3.4): the
 * 31-bit SRTCP index per SSRC with the E flag, MKI, HMAC-SHA1 tag over the
 * packet and the E||index word (§3.4, §4.2), replay window per SSRC, and
 * AES-GCM per RFC 7714 §9 (IV from salt, SSRC and index; header and
 * E||index as associated data; with E = 0 the whole packet is associated
 * data, §10). SRTCP is always authenticated (RFC 3711 §3.4).
 *
 * Layouts: HMAC suites  RTCP (encrypted after 8 bytes) | E+index | MKI | tag
 *          AEAD (GCM)   RTCP (encrypted after 8 bytes) | tag | E+index | MKI
 */
#include "srtp/sg_internal.h"

#include <string.h>

#include <openssl/crypto.h>

#define SRTCP_INDEX_MASK 0x7fffffffu

sg_status sg_srtcp_transform(const sg_srtp_ctx *ctx, sg_sess *s, bool enc, const uint8_t *in,
                             uint8_t *out, size_t len, bool e_flag, uint32_t index,
                             const uint8_t *tag_in, uint8_t *tag_out)
{
    const sg_suite *su = ctx->suite;
    uint32_t ssrc = sg_rd32(in + 4);
    uint8_t eidx[4];
    sg_wr32(eidx, (e_flag ? 0x80000000u : 0) | (index & SRTCP_INDEX_MASK));

    if (su->cipher == SG_CIPHER_AES_GCM) {
        /* RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || index) XOR salt. */
        uint8_t iv[12] = {0};
        sg_wr32(iv + 2, ssrc);
        sg_wr32(iv + 8, index & SRTCP_INDEX_MASK);
        for (int i = 0; i < 12; i++)
            iv[i] ^= s->k_s[i];
        size_t aad = e_flag ? 8 : len;
        if (out != in)
            memcpy(out, in, aad);
        if (enc)
            return sg_gcm_seal(s->gcm, iv, in, aad, eidx, 4, in + aad, out + aad, len - aad,
                               tag_out)
                       ? SG_OK
                       : SG_CRYPTO;
        int r = sg_gcm_open(s->gcm, iv, in, aad, eidx, 4, in + aad, out + aad, len - aad, tag_in);
        return r > 0 ? SG_OK : r == 0 ? SG_AUTH_FAIL : SG_CRYPTO;
    }

    uint8_t full[20];
    if (!enc) {
        sg_hmac_tag(&s->hmac, in, len, eidx, 4, full);
        if (CRYPTO_memcmp(full, tag_in, su->srtcp_tag_len) != 0)
            return SG_AUTH_FAIL;
    }
    if (out != in)
        memcpy(out, in, 8);
    if (e_flag && len > 8) {
        uint8_t iv[16];
        bool ok;
        if (su->cipher == SG_CIPHER_AES_F8) {
            /* §4.1.2.3: IV = 0..0 (32) || E || index || V P RC PT length SSRC */
            memset(iv, 0, 4);
            memcpy(iv + 4, eidx, 4);
            memcpy(iv + 8, in, 8);
            ok = sg_f8_xor(s->ecb, s->ecb_m, iv, in + 8, out + 8, len - 8);
        } else {
            sg_cm_iv(iv, s->k_s, ssrc, index & SRTCP_INDEX_MASK);
            ok = sg_cm_xor(s->ecb, iv, in + 8, out + 8, len - 8);
        }
        if (!ok)
            return SG_CRYPTO;
    } else if (out != in) {
        memmove(out + 8, in + 8, len - 8);
    }
    if (enc) {
        sg_hmac_tag(&s->hmac, out, len, eidx, 4, full);
        memcpy(tag_out, full, su->srtcp_tag_len);
    }
    return SG_OK;
}

sg_status sg_srtcp_protect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                           size_t out_cap, size_t *out_len)
{
    if (!ctx || !in || !out || !out_len || ctx->p.dir != SG_SRTP_PROTECT)
        return SG_BAD_PARAM;
    if (in_len < 8 || in_len > SG_MAX_PACKET || (in[0] >> 6) != 2)
        return SG_MALFORMED;
    const sg_suite *su = ctx->suite;
    size_t mki_len = ctx->p.mki_len, taglen = su->srtcp_tag_len;
    if (out_cap < in_len + 4 + mki_len + taglen)
        return SG_BUFFER_SMALL;
    if (sg_partial_overlap(in, in_len, out, out_cap))
        return SG_BAD_PARAM;
    int slot;
    sg_status st = sg_key_pick_send(ctx, true, &slot);
    if (st != SG_OK)
        return st;
    uint32_t ssrc = sg_rd32(in + 4);
    sg_stream *sm;
    bool fresh;
    if ((st = sg_stream_find(ctx, ssrc, &sm, &fresh)) != SG_OK)
        return st;
    /* §3.4: the index starts at 0 and counts every SRTCP packet sent. It
     * must not wrap (§9.2: rekey first): past 2^31 - 1 the stream stops. */
    bool started = !fresh && sm->rtcp.init;
    if (started && sm->rtcp.hi >= SRTCP_INDEX_MASK)
        return SG_KEY_EXPIRED;
    uint32_t index = started ? (uint32_t)(sm->rtcp.hi + 1) : ctx->srtcp_floor;
    sg_sess *s = sg_stream_session(ctx, sm, slot, true, index, &st);
    if (!s)
        return st;
    sg_mkey *k = ctx->keys[slot];
    bool e_flag = !ctx->p.unencrypted_srtcp;
    uint8_t tag[20]; /* public: it goes on the wire, no wipe needed */
    if ((st = sg_srtcp_transform(ctx, s, true, in, out, in_len, e_flag, index, NULL, tag)) != SG_OK)
        return st;
    uint8_t *p = out + in_len;
    uint32_t eidx = (e_flag ? 0x80000000u : 0) | index;
    if (su->cipher == SG_CIPHER_AES_GCM) {
        memcpy(p, tag, taglen);
        sg_wr32(p + taglen, eidx);
        memcpy(p + taglen + 4, k->mki, mki_len);
    } else {
        sg_wr32(p, eidx);
        memcpy(p + 4, k->mki, mki_len);
        memcpy(p + 4 + mki_len, tag, taglen);
    }
    *out_len = in_len + 4 + mki_len + taglen;
    sg_stream_settle(ctx, sm, fresh, ssrc);
    sm->rtcp.init = true;
    sm->rtcp.hi = index;
    sg_key_count(ctx, slot, true);
    return SG_OK;
}

sg_status sg_srtcp_unprotect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                             size_t out_cap, size_t *out_len)
{
    if (!ctx || !in || !out || !out_len || ctx->p.dir != SG_SRTP_UNPROTECT)
        return SG_BAD_PARAM;
    const sg_suite *su = ctx->suite;
    size_t mki_len = ctx->p.mki_len, taglen = su->srtcp_tag_len;
    size_t trailer = 4 + mki_len + taglen;
    if (in_len > SG_MAX_PACKET + trailer || in_len < 8 + trailer)
        return SG_MALFORMED;
    size_t body = in_len - trailer;
    if ((in[0] >> 6) != 2)
        return SG_MALFORMED;
    if (out_cap < body)
        return SG_BUFFER_SMALL;
    if (sg_partial_overlap(in, in_len, out, out_cap))
        return SG_BAD_PARAM;
    const uint8_t *eidx_p, *mki, *tag;
    if (su->cipher == SG_CIPHER_AES_GCM) {
        tag = in + body;
        eidx_p = tag + taglen;
        mki = eidx_p + 4;
    } else {
        eidx_p = in + body;
        mki = eidx_p + 4;
        tag = mki + mki_len;
    }
    int slot;
    sg_status st = sg_key_for_recv(ctx, mki, true, &slot);
    if (st != SG_OK)
        return st;
    uint32_t eidx = sg_rd32(eidx_p);
    bool e_flag = eidx >> 31;
    uint32_t index = eidx & SRTCP_INDEX_MASK;
    uint32_t ssrc = sg_rd32(in + 4);
    sg_stream *sm;
    bool fresh;
    if ((st = sg_stream_find(ctx, ssrc, &sm, &fresh)) != SG_OK)
        return st;
    if (!fresh && (st = sg_replay_check(&sm->rtcp, ctx->window, ctx->words, index)) != SG_OK)
        return st;
    sg_sess *s = sg_stream_session(ctx, sm, slot, true, index, &st);
    if (!s)
        return st;
    uint8_t tagc[20];
    memcpy(tagc, tag, taglen);
    if ((st = sg_srtcp_transform(ctx, s, false, in, out, body, e_flag, index, tagc, NULL)) != SG_OK)
        return st;
    *out_len = body;
    sg_stream_settle(ctx, sm, fresh, ssrc);
    sg_replay_commit(&sm->rtcp, ctx->words, index);
    sg_key_count(ctx, slot, true);
    return SG_OK;
}
