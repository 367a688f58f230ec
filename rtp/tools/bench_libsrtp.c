/*
 * rtp/tools/bench_libsrtp.c — srtp-bench's libsrtp2 driver, built once per
 * libsrtp2 build (see bench_api.h for why it is a shared object). Suites map
 * to libsrtp2 policies exactly as tests/interop/libsrtp_peer.c maps them
 * (SRTCP policies are irrelevant here: only SRTP is timed).
 */
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "srtp/suite.h"
#include "tools/bench_api.h"

#ifndef BENCH_BACKEND
#define BENCH_BACKEND "unknown"
#endif

static int set_rtp_policy(int id, srtp_crypto_policy_t *p)
{
    switch (id) {
    case SG_SUITE_AES_CM_128_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
        break;
    case SG_SUITE_AES_CM_128_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p);
        break;
    case SG_SUITE_AES_192_CM_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(p);
        break;
    case SG_SUITE_AES_192_CM_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(p);
        break;
    case SG_SUITE_AES_256_CM_HMAC_SHA1_80:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(p);
        break;
    case SG_SUITE_AES_256_CM_HMAC_SHA1_32:
        srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(p);
        break;
    case SG_SUITE_AEAD_AES_128_GCM:
        srtp_crypto_policy_set_aes_gcm_128_16_auth(p);
        break;
    case SG_SUITE_AEAD_AES_256_GCM:
        srtp_crypto_policy_set_aes_gcm_256_16_auth(p);
        break;
    default:
        return -1; /* F8: not in libsrtp2's public API */
    }
    return 0;
}

static int initialized;

static const char *drv_version(void)
{
    return srtp_get_version_string();
}

static void *drv_open(int suite_id, const uint8_t *key, size_t key_len, const uint8_t *salt,
                      size_t salt_len, int outbound)
{
    if (!initialized) {
        if (srtp_init() != srtp_err_status_ok)
            return NULL;
        initialized = 1;
    }
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    if (set_rtp_policy(suite_id, &p.rtp) != 0 || key_len + salt_len > 64)
        return NULL;
    set_rtp_policy(suite_id, &p.rtcp);
    uint8_t material[64];
    memcpy(material, key, key_len);
    memcpy(material + key_len, salt, salt_len);
    p.key = material;
    p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    p.window_size = 128;
    srtp_t s = NULL;
    srtp_err_status_t st = srtp_create(&s, &p);
    memset(material, 0, sizeof material);
    return st == srtp_err_status_ok ? s : NULL;
}

static size_t drv_protect_burst(void *h, uint8_t *const *pkts, size_t n, size_t rtp_len,
                                uint16_t seq0)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = pkts[i];
        uint16_t seq = (uint16_t)(seq0 + i);
        p[2] = (uint8_t)(seq >> 8);
        p[3] = (uint8_t)seq;
        int len = (int)rtp_len;
        bad += srtp_protect((srtp_t)h, p, &len) != srtp_err_status_ok;
    }
    return bad;
}

static size_t drv_unprotect_burst(void *h, uint8_t *const *pkts, size_t n, size_t srtp_len)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int len = (int)srtp_len;
        bad += srtp_unprotect((srtp_t)h, pkts[i], &len) != srtp_err_status_ok;
    }
    return bad;
}

static void drv_close(void *h)
{
    if (h)
        srtp_dealloc((srtp_t)h);
}

__attribute__((visibility("default"))) const bench_libsrtp_api bench_libsrtp_api_v1 = {
    .abi = BENCH_API_ABI,
    .version = drv_version,
    .backend = BENCH_BACKEND,
    .open = drv_open,
    .protect_burst = drv_protect_burst,
    .unprotect_burst = drv_unprotect_burst,
    .close = drv_close,
};
