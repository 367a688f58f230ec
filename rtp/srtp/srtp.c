/*
 * rtp/srtp/srtp.c — SRTP protect and unprotect (RFC 3711 §3.3): RTP header
 * parsing, packet index from the stream (Appendix A), MKI and key choice,
 * encryption (AES-CM §4.1.1, f8 §4.1.2, AES-GCM RFC 7714 §8) and
 * authentication (HMAC-SHA1 over the packet and ROC, §4.2), replay check
 * (§3.3.2). All checks run before any state changes; state (replay window,
 * ROC, key counters, key switch) is committed only once the packet is done.
 *
 * Layouts: HMAC suites  header | payload | MKI | tag     (RFC 3711 §3.1)
 *          AEAD (GCM)   header | payload | tag | MKI     (RFC 7714 §8)
 */
#include "srtp/sg_internal.h"

#include <string.h>

#include <openssl/crypto.h>

/* Length of the RTP header (RFC 3550 §5.1, §5.3.1) within the first len
 * bytes, or 0 when it does not fit or is not RTP version 2. */
static size_t rtp_header_len(const uint8_t *p, size_t len)
{
    if (len < 12 || (p[0] >> 6) != 2)
        return 0;
    size_t h = 12 + 4 * (size_t)(p[0] & 0x0f);
    if (p[0] & 0x10) {
        if (h + 4 > len)
            return 0;
        h += 4 + 4 * (size_t)sg_rd16(p + h + 2);
    }
    return h <= len ? h : 0;
}

/* RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt. */
static void gcm_rtp_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
    uint8_t b[12] = {0};
    sg_wr32(b + 2, ssrc);
    sg_wr32(b + 6, (uint32_t)(index >> 16));
    b[10] = (uint8_t)(index >> 8);
    b[11] = (uint8_t)index;
    for (int i = 0; i < 12; i++)
        iv[i] = b[i] ^ salt[i];
}

/* RFC 3711 §4.1.2.2: IV = 0x00 || M || PT || SEQ || TS || SSRC || ROC. */
static void f8_rtp_iv(uint8_t iv[16], const uint8_t *hdr, uint32_t roc)
{
    memcpy(iv, hdr, 12);
    iv[0] = 0;
    sg_wr32(iv + 12, roc);
}

sg_status sg_srtp_transform(const sg_srtp_ctx *ctx, sg_sess *s, bool enc, const uint8_t *in,
                            uint8_t *out, size_t hdr_len, size_t pay_len, uint64_t index,
                            const uint8_t *tag_in, uint8_t *tag_out)
{
    const sg_suite *su = ctx->suite;
    uint32_t ssrc = sg_rd32(in + 8);
    bool encrypt = !ctx->p.unencrypted_srtp;
    bool auth = !ctx->p.unauthenticated_srtp;
    size_t taglen = auth ? su->srtp_tag_len : 0;
    uint8_t roc[4];
    sg_wr32(roc, (uint32_t)(index >> 16));

    if (su->cipher == SG_CIPHER_AES_GCM) {
        uint8_t iv[12];
        gcm_rtp_iv(iv, s->k_s, ssrc, index);
        if (out != in)
            memcpy(out, in, encrypt ? hdr_len : hdr_len + pay_len);
        /* Unencrypted GCM: the whole packet is associated data (as RFC
         * 7714 §10 does for SRTCP with E = 0). */
        size_t aad = encrypt ? hdr_len : hdr_len + pay_len;
        size_t ct = encrypt ? pay_len : 0;
        if (enc)
            return sg_gcm_seal(s->gcm, iv, in, aad, NULL, 0, in + aad, out + aad, ct, tag_out)
                       ? SG_OK
                       : SG_CRYPTO;
        int r = sg_gcm_open(s->gcm, iv, in, aad, NULL, 0, in + aad, out + aad, ct, tag_in);
        return r > 0 ? SG_OK : r == 0 ? SG_AUTH_FAIL : SG_CRYPTO;
    }

    uint8_t full[20];
    if (!enc && auth) {
        /* Authenticate before decrypting (§3.3 step 5). */
        sg_hmac_tag(&s->hmac, in, hdr_len + pay_len, roc, 4, full);
        if (CRYPTO_memcmp(full, tag_in, taglen) != 0)
            return SG_AUTH_FAIL;
    }
    if (out != in)
        memcpy(out, in, hdr_len);
    if (encrypt && pay_len) {
        uint8_t iv[16];
        bool ok;
        if (su->cipher == SG_CIPHER_AES_F8) {
            f8_rtp_iv(iv, in, (uint32_t)(index >> 16));
            ok = sg_f8_xor(s->ecb, s->ecb_m, iv, in + hdr_len, out + hdr_len, pay_len);
        } else {
            sg_cm_iv(iv, s->k_s, ssrc, index);
            ok = sg_cm_xor(s->ecb, iv, in + hdr_len, out + hdr_len, pay_len);
        }
        if (!ok)
            return SG_CRYPTO;
    } else if (out != in) {
        memmove(out + hdr_len, in + hdr_len, pay_len);
    }
    if (enc && auth) {
        sg_hmac_tag(&s->hmac, out, hdr_len + pay_len, roc, 4, full);
        memcpy(tag_out, full, taglen);
    }
    return SG_OK;
}

/* The packet index of an SRTP packet with sequence number seq under key k on
 * stream sm (fresh: a slot for a new stream), and in *reset whether it
 * restarts the index. Protect and unprotect estimate alike, so the index
 * the sender uses is the one the receiver finds. Checks only: nothing is
 * committed. */
SG_PACKET_STEP sg_status srtp_index(const sg_srtp_ctx *ctx, const sg_stream *sm, bool fresh,
                                    const sg_mkey *k, uint16_t seq, uint64_t *index, bool *reset)
{
    bool roc_reset = !fresh && ctx->p.roc_policy == SG_ROC_RESET && sm->rtp.init;
    /* SG_ROC_RESET: a packet under a master key newer than the stream's
     * last one starts the index afresh at ROC 0. */
    *reset = roc_reset && k->gen > sm->rtp_gen;
    /* Back to an older key: the reset cleared the window that recorded
     * the packets of the older keys, whose index space restarted. Sending
     * under it would reuse indices it already encrypted under (§9.1); a
     * received one cannot be told from its replay any more (§3.3.2). */
    if (roc_reset && k->gen < sm->rtp_gen)
        return SG_REPLAY_OLD;
    sg_replay est = sm->rtp;
    if (*reset || fresh)
        est.init = false;
    if (!sg_stream_estimate(&est, *reset || fresh ? 0 : sm->roc_start, seq, index))
        return SG_REPLAY_OLD;
    /* The receiver's replay check; for the sender it means: never encrypt
     * twice under one index, which would reuse the keystream (RFC 3711
     * §9.1; libsrtp2 refuses the same way). The sender's window is the
     * receiver's. */
    return sg_replay_check(&est, ctx->window, ctx->words, *index);
}

/* What protect and unprotect learn about a packet before its transform. */
typedef struct srtp_pkt {
    uint32_t ssrc;
    int slot; /* master key */
    sg_stream *sm;
    bool fresh; /* sm is the slot a new stream would take */
    bool reset; /* the index restarts at ROC 0 (SG_ROC_RESET) */
    uint64_t index;
    sg_sess *s; /* session keys for index */
} srtp_pkt;

/* The stream, index and session keys of the packet in (key slot known):
 * the steps both directions share. Checks only: nothing is committed. */
SG_PACKET_STEP sg_status srtp_prepare(sg_srtp_ctx *ctx, const uint8_t *in, int slot, srtp_pkt *pk)
{
    pk->ssrc = sg_rd32(in + 8);
    pk->slot = slot;
    sg_status st = sg_stream_find(ctx, pk->ssrc, &pk->sm, &pk->fresh);
    if (st != SG_OK)
        return st;
    st = srtp_index(ctx, pk->sm, pk->fresh, ctx->keys[slot], sg_rd16(in + 2), &pk->index,
                    &pk->reset);
    if (st != SG_OK)
        return st;
    pk->s = sg_stream_session(ctx, pk->sm, slot, false, pk->index, &st);
    return pk->s ? SG_OK : st;
}

/* Commits a good SRTP packet: its stream, replay window (the sender keeps
 * the highest index it sent so a later packet estimates its ROC the way
 * the receiver will) and the key's packet count. */
SG_PACKET_STEP void srtp_commit(sg_srtp_ctx *ctx, const srtp_pkt *pk)
{
    sg_stream_settle(ctx, pk->sm, pk->fresh, pk->ssrc);
    if (pk->reset)
        pk->sm->rtp.init = false;
    sg_replay_commit(&pk->sm->rtp, ctx->words, pk->index);
    sg_key_count(ctx, pk->slot, false);
}

sg_status sg_srtp_protect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                          size_t out_cap, size_t *out_len)
{
    if (!ctx || !in || !out || !out_len || ctx->p.dir != SG_SRTP_PROTECT)
        return SG_BAD_PARAM;
    if (in_len > SG_MAX_PACKET)
        return SG_MALFORMED;
    size_t hdr = rtp_header_len(in, in_len);
    if (!hdr)
        return SG_MALFORMED;
    const sg_suite *su = ctx->suite;
    size_t mki_len = ctx->p.mki_len;
    size_t taglen = ctx->p.unauthenticated_srtp ? 0 : su->srtp_tag_len;
    if (out_cap < in_len + mki_len + taglen)
        return SG_BUFFER_SMALL;
    if (sg_partial_overlap(in, in_len, out, out_cap))
        return SG_BAD_PARAM;

    int slot;
    sg_status st = sg_key_pick_send(ctx, false, &slot);
    if (st != SG_OK)
        return st;
    srtp_pkt pk;
    if ((st = srtp_prepare(ctx, in, slot, &pk)) != SG_OK)
        return st;
    sg_mkey *k = ctx->keys[slot];

    size_t pay = in_len - hdr;
    uint8_t tag[20]; /* public: it goes on the wire, no wipe needed */
    st = sg_srtp_transform(ctx, pk.s, true, in, out, hdr, pay, pk.index, NULL, tag);
    if (st != SG_OK)
        return st;
    if (su->cipher == SG_CIPHER_AES_GCM) {
        memcpy(out + in_len, tag, taglen);
        memcpy(out + in_len + taglen, k->mki, mki_len);
    } else {
        memcpy(out + in_len, k->mki, mki_len);
        memcpy(out + in_len + mki_len, tag, taglen);
    }
    *out_len = in_len + mki_len + taglen;

    srtp_commit(ctx, &pk);
    pk.sm->rtp_gen = k->gen;
    return SG_OK;
}

sg_status sg_srtp_unprotect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                            size_t out_cap, size_t *out_len)
{
    if (!ctx || !in || !out || !out_len || ctx->p.dir != SG_SRTP_UNPROTECT)
        return SG_BAD_PARAM;
    const sg_suite *su = ctx->suite;
    size_t mki_len = ctx->p.mki_len;
    size_t taglen = ctx->p.unauthenticated_srtp ? 0 : su->srtp_tag_len;
    if (in_len > SG_MAX_PACKET + mki_len + taglen || in_len < mki_len + taglen)
        return SG_MALFORMED;
    size_t body = in_len - mki_len - taglen; /* header + payload */
    size_t hdr = rtp_header_len(in, body);
    if (!hdr)
        return SG_MALFORMED;
    if (out_cap < body)
        return SG_BUFFER_SMALL;
    if (sg_partial_overlap(in, in_len, out, out_cap))
        return SG_BAD_PARAM;
    const uint8_t *mki, *tag;
    if (su->cipher == SG_CIPHER_AES_GCM) {
        tag = in + body;
        mki = in + body + taglen;
    } else {
        mki = in + body;
        tag = in + body + mki_len;
    }
    int slot;
    sg_status st = sg_key_for_recv(ctx, mki, false, &slot);
    if (st != SG_OK)
        return st;
    srtp_pkt pk;
    if ((st = srtp_prepare(ctx, in, slot, &pk)) != SG_OK)
        return st;
    /* The tag may be overwritten by an in-place decrypt: copy it first. */
    uint8_t tagc[16];
    memcpy(tagc, tag, taglen);
    st = sg_srtp_transform(ctx, pk.s, false, in, out, hdr, body - hdr, pk.index, tagc, NULL);
    if (st != SG_OK)
        return st;
    *out_len = body;
    srtp_commit(ctx, &pk);
    const sg_mkey *k = ctx->keys[slot];
    if (k->gen > pk.sm->rtp_gen)
        pk.sm->rtp_gen = k->gen;
    return SG_OK;
}
