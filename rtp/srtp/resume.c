/*
 * rtp/srtp/resume.c — a context's per-SSRC index state read out and put
 * back (sg_srtp.h "Resuming"): what a relay stores so that a context
 * rebuilt after a restart or on a standby continues a stream's indices
 * instead of starting it over (which would reuse keystream under the same
 * master key, RFC 3711 §9.1). Only indices: never a key.
 */
#include "srtp/sg_internal.h"

#include <string.h>

size_t sg_srtp_stream_slots(const sg_srtp_ctx *ctx)
{
    return ctx ? ctx->nstreams : 0;
}

bool sg_srtp_stream_info_get(const sg_srtp_ctx *ctx, size_t slot, sg_srtp_stream_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!ctx || slot >= ctx->nstreams || !ctx->streams[slot].used)
        return false;
    const sg_stream *s = &ctx->streams[slot];
    out->ssrc = s->ssrc;
    out->has_srtp = s->rtp.init;
    out->srtp_index = s->rtp.init ? s->rtp.hi : (uint64_t)s->roc_start << 16;
    out->has_srtcp = s->rtcp.init;
    out->srtcp_index = s->rtcp.init ? (uint32_t)s->rtcp.hi : 0;
    for (int k = 0; k < SG_SRTP_MAX_KEYS; k++) {
        const sg_mkey *mk = ctx->keys[k]; /* slots are allocated as keys are added */
        if (mk && mk->used && s->rtp_gen && mk->gen == s->rtp_gen) {
            memcpy(out->key_mki, mk->mki, ctx->p.mki_len);
            out->has_key = true;
        }
    }
    return true;
}

sg_status sg_srtp_stream_resume(sg_srtp_ctx *ctx, const sg_srtp_stream_info *in)
{
    if (!ctx || !in || (in->has_srtcp && in->srtcp_index > 0x7fffffffu) ||
        (in->has_srtp && in->srtp_index >> 48))
        return SG_BAD_PARAM;
    sg_stream *st;
    bool fresh;
    sg_status s = sg_stream_find(ctx, in->ssrc, &st, &fresh);
    if (s != SG_OK)
        return s;
    if (fresh)
        sg_stream_claim(ctx, st, in->ssrc);
    /* Every index up to the resumed one counts as seen: a protect context
     * never protects it again, an unprotect context refuses it as a
     * replay. Later indices go on as after any packet. */
    if (in->has_srtp) {
        st->rtp.init = true;
        st->rtp.hi = in->srtp_index;
        memset(st->rtp.bits, 0xff, (size_t)ctx->words * 8);
    }
    /* SG_ROC_RESET compares key generations: the stream's last packet was
     * under the key with this MKI (generations are not kept across a
     * rebuild, MKIs are); without one, the newest key. */
    uint32_t gen = 0;
    for (int k = 0; k < SG_SRTP_MAX_KEYS; k++) {
        const sg_mkey *mk = ctx->keys[k];
        if (!mk || !mk->used)
            continue;
        if (in->has_key && !memcmp(mk->mki, in->key_mki, ctx->p.mki_len)) {
            gen = mk->gen;
            break;
        }
        if (mk->gen > gen)
            gen = mk->gen;
    }
    if (in->has_srtp)
        st->rtp_gen = gen;
    if (in->has_srtcp) {
        st->rtcp.init = true;
        st->rtcp.hi = in->srtcp_index;
        memset(st->rtcp.bits, 0xff, (size_t)ctx->words * 8);
    }
    return SG_OK;
}

sg_status sg_srtp_set_srtcp_floor(sg_srtp_ctx *ctx, uint32_t floor)
{
    if (!ctx || floor > 0x7fffffffu)
        return SG_BAD_PARAM;
    ctx->srtcp_floor = floor;
    return SG_OK;
}
