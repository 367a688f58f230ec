/*
 * rtp/tools/bench_ours.c — sdesgate's transform behind the same driver table
 * as the libsrtp2 baselines (bench_api.h), so srtp-bench times every
 * implementation through identical loops: one call per packet, in place,
 * contexts reused, nothing allocated or copied.
 */
#include "tools/bench_ours.h"

#include <string.h>

#include "srtp/sg_srtp.h"

/* Room after the RTP packet that the caller's buffers guarantee. */
#define OURS_TRAILER_ROOM 64

static const char *ours_version(void)
{
    return "sdesgate";
}

static void *ours_open(int suite_id, const uint8_t *key, size_t key_len, const uint8_t *salt,
                       size_t salt_len, int outbound)
{
    const sg_suite *su = sg_suite_get((sg_suite_id)suite_id);
    if (!su || su->key_len != key_len || su->salt_len != salt_len)
        return NULL;
    sg_srtp_params p;
    memset(&p, 0, sizeof p);
    p.suite = su;
    p.dir = outbound ? SG_SRTP_PROTECT : SG_SRTP_UNPROTECT;
    p.replay_window = 128; /* as the libsrtp2 drivers */
    sg_srtp_ctx *ctx = NULL;
    if (sg_srtp_ctx_new(&p, &ctx) != SG_OK)
        return NULL;
    sg_srtp_key k = {.master_key = key, .master_salt = salt};
    if (sg_srtp_add_key(ctx, &k) != SG_OK) {
        sg_srtp_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

static size_t ours_protect_burst(void *h, uint8_t *const *pkts, size_t n, size_t rtp_len,
                                 uint16_t seq0)
{
    size_t bad = 0, out_len;
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = pkts[i];
        uint16_t seq = (uint16_t)(seq0 + i);
        p[2] = (uint8_t)(seq >> 8);
        p[3] = (uint8_t)seq;
        bad += sg_srtp_protect((sg_srtp_ctx *)h, p, rtp_len, p, rtp_len + OURS_TRAILER_ROOM,
                               &out_len) != SG_OK;
    }
    return bad;
}

static size_t ours_unprotect_burst(void *h, uint8_t *const *pkts, size_t n, size_t srtp_len)
{
    size_t bad = 0, out_len;
    for (size_t i = 0; i < n; i++)
        bad += sg_srtp_unprotect((sg_srtp_ctx *)h, pkts[i], srtp_len, pkts[i], srtp_len,
                                 &out_len) != SG_OK;
    return bad;
}

static void ours_close(void *h)
{
    sg_srtp_ctx_free((sg_srtp_ctx *)h);
}

const bench_libsrtp_api bench_ours_api = {
    .abi = BENCH_API_ABI,
    .version = ours_version,
    .backend = "openssl",
    .open = ours_open,
    .protect_burst = ours_protect_burst,
    .unprotect_burst = ours_unprotect_burst,
    .close = ours_close,
};
