/*
 * rtp/srtp/stream.c — per-SSRC state: the packet index estimate of RFC 3711
 * Appendix A (ROC and s_l, carried as the highest accepted index), the
 * slots allocated once in sg_srtp_ctx_new (no allocation on the packet
 * path), and the per-stream session keys a key derivation rate needs: the
 * index is per SSRC, so r = index DIV 2^kdr (§4.3.1) is too.
 */
#include "srtp/sg_internal.h"

sg_status sg_stream_find(sg_srtp_ctx *ctx, uint32_t ssrc, sg_stream **st, bool *fresh)
{
    sg_stream *hint = &ctx->streams[ctx->last_stream];
    if (hint->used && hint->ssrc == ssrc) {
        *st = hint;
        *fresh = false;
        return SG_OK;
    }
    sg_stream *free_slot = NULL, *lru = NULL;
    for (uint16_t i = 0; i < ctx->nstreams; i++) {
        sg_stream *s = &ctx->streams[i];
        if (s->used && s->ssrc == ssrc) {
            ctx->last_stream = i; /* a hint only, not state */
            *st = s;
            *fresh = false;
            return SG_OK;
        }
        if (!s->used && !free_slot)
            free_slot = s;
        if (s->used && (!lru || s->last_use < lru->last_use))
            lru = s;
    }
    if (!free_slot) {
        if (!ctx->p.evict_lru || !lru)
            return SG_TOO_MANY_SSRC;
        free_slot = lru; /* replaced only once the new packet succeeds */
    }
    *st = free_slot;
    *fresh = true;
    return SG_OK;
}

void sg_stream_claim(sg_srtp_ctx *ctx, sg_stream *st, uint32_t ssrc)
{
    st->used = true;
    st->ssrc = ssrc;
    st->rtp.init = false;
    st->rtcp.init = false;
    st->roc_start = 0;
    st->rtp_gen = 0;
    sg_stream_touch(ctx, st);
    ctx->last_stream = (uint16_t)(st - ctx->streams);
}

bool sg_stream_estimate(const sg_replay *r, uint32_t roc_start, uint16_t seq, uint64_t *index)
{
    if (!r->init) {
        *index = (uint64_t)roc_start << 16 | seq;
        return true;
    }
    /* Appendix A, with s_l and ROC taken from the highest index. */
    uint32_t roc = (uint32_t)(r->hi >> 16);
    uint16_t s_l = (uint16_t)r->hi;
    int64_t v = roc;
    if (s_l < 32768) {
        if ((int32_t)seq - (int32_t)s_l > 32768)
            v = (int64_t)roc - 1;
    } else {
        if ((int32_t)s_l - 32768 > (int32_t)seq)
            v = (int64_t)roc + 1;
    }
    if (v < 0 || v > UINT32_MAX)
        return false;
    *index = (uint64_t)v << 16 | seq;
    return true;
}

sg_sess *sg_stream_session(sg_srtp_ctx *ctx, sg_stream *st, int slot, bool rtcp, uint64_t index,
                           sg_status *err)
{
    sg_mkey *k = ctx->keys[slot];
    if (ctx->p.kdr == 0)
        return rtcp ? &k->rtcp : &k->rtp;
    sg_sess *s = rtcp ? st->kdr_rtcp : st->kdr_rtp;
    uint64_t r = index >> ctx->p.kdr;
    if (s->gen != k->gen || s->r != r) {
        /* A cache refill, not a change of the stream's state: the same
         * (key, r) always gives the same session keys. */
        s->gen = 0;
        if (!sg_sess_derive(s, ctx->suite, k->prf, k->master_salt, rtcp, r)) {
            *err = SG_CRYPTO;
            return NULL;
        }
        s->gen = k->gen;
        s->r = r;
    }
    return s;
}
