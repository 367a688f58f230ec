/*
 * rtp/srtp/suite.c — the suite table. Lengths from RFC 4568 §6.2 (AES_CM_128
 * and F8_128: 128-bit key, 112-bit salt, 80- or 32-bit SRTP tag, SRTCP always
 * 80 bits), RFC 6188 §4 (AES-192/256 CM) and RFC 7714 §12/§14.2 (GCM: 96-bit
 * salt, 128-bit tag). Lifetimes: RFC 3711 §9.2 (2^48 SRTP, 2^31 SRTCP).
 */
#include "srtp/suite.h"

#include <string.h>

#define LIFE_SRTP  (UINT64_C(1) << 48)
#define LIFE_SRTCP (UINT64_C(1) << 31)

static const sg_suite suites[SG_SUITE_COUNT] = {
    [SG_SUITE_AES_CM_128_HMAC_SHA1_80] = {.id = SG_SUITE_AES_CM_128_HMAC_SHA1_80,
                                          .name = "AES_CM_128_HMAC_SHA1_80",
                                          .cipher = SG_CIPHER_AES_CM,
                                          .key_len = 16,
                                          .salt_len = 14,
                                          .srtp_tag_len = 10,
                                          .srtcp_tag_len = 10,
                                          .auth_key_len = 20,
                                          .max_lifetime_srtp = LIFE_SRTP,
                                          .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_AES_CM_128_HMAC_SHA1_32] = {.id = SG_SUITE_AES_CM_128_HMAC_SHA1_32,
                                          .name = "AES_CM_128_HMAC_SHA1_32",
                                          .cipher = SG_CIPHER_AES_CM,
                                          .key_len = 16,
                                          .salt_len = 14,
                                          .srtp_tag_len = 4,
                                          .srtcp_tag_len = 10,
                                          .auth_key_len = 20,
                                          .max_lifetime_srtp = LIFE_SRTP,
                                          .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_F8_128_HMAC_SHA1_80] = {.id = SG_SUITE_F8_128_HMAC_SHA1_80,
                                      .name = "F8_128_HMAC_SHA1_80",
                                      .cipher = SG_CIPHER_AES_F8,
                                      .key_len = 16,
                                      .salt_len = 14,
                                      .srtp_tag_len = 10,
                                      .srtcp_tag_len = 10,
                                      .auth_key_len = 20,
                                      .max_lifetime_srtp = LIFE_SRTP,
                                      .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_AES_192_CM_HMAC_SHA1_80] = {.id = SG_SUITE_AES_192_CM_HMAC_SHA1_80,
                                          .name = "AES_192_CM_HMAC_SHA1_80",
                                          .cipher = SG_CIPHER_AES_CM,
                                          .key_len = 24,
                                          .salt_len = 14,
                                          .srtp_tag_len = 10,
                                          .srtcp_tag_len = 10,
                                          .auth_key_len = 20,
                                          .max_lifetime_srtp = LIFE_SRTP,
                                          .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_AES_192_CM_HMAC_SHA1_32] = {.id = SG_SUITE_AES_192_CM_HMAC_SHA1_32,
                                          .name = "AES_192_CM_HMAC_SHA1_32",
                                          .cipher = SG_CIPHER_AES_CM,
                                          .key_len = 24,
                                          .salt_len = 14,
                                          .srtp_tag_len = 4,
                                          .srtcp_tag_len = 10,
                                          .auth_key_len = 20,
                                          .max_lifetime_srtp = LIFE_SRTP,
                                          .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_AES_256_CM_HMAC_SHA1_80] = {.id = SG_SUITE_AES_256_CM_HMAC_SHA1_80,
                                          .name = "AES_256_CM_HMAC_SHA1_80",
                                          .cipher = SG_CIPHER_AES_CM,
                                          .key_len = 32,
                                          .salt_len = 14,
                                          .srtp_tag_len = 10,
                                          .srtcp_tag_len = 10,
                                          .auth_key_len = 20,
                                          .max_lifetime_srtp = LIFE_SRTP,
                                          .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_AES_256_CM_HMAC_SHA1_32] = {.id = SG_SUITE_AES_256_CM_HMAC_SHA1_32,
                                          .name = "AES_256_CM_HMAC_SHA1_32",
                                          .cipher = SG_CIPHER_AES_CM,
                                          .key_len = 32,
                                          .salt_len = 14,
                                          .srtp_tag_len = 4,
                                          .srtcp_tag_len = 10,
                                          .auth_key_len = 20,
                                          .max_lifetime_srtp = LIFE_SRTP,
                                          .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_AEAD_AES_128_GCM] = {.id = SG_SUITE_AEAD_AES_128_GCM,
                                   .name = "AEAD_AES_128_GCM",
                                   .cipher = SG_CIPHER_AES_GCM,
                                   .key_len = 16,
                                   .salt_len = 12,
                                   .srtp_tag_len = 16,
                                   .srtcp_tag_len = 16,
                                   .auth_key_len = 0,
                                   .max_lifetime_srtp = LIFE_SRTP,
                                   .max_lifetime_srtcp = LIFE_SRTCP},
    [SG_SUITE_AEAD_AES_256_GCM] = {.id = SG_SUITE_AEAD_AES_256_GCM,
                                   .name = "AEAD_AES_256_GCM",
                                   .cipher = SG_CIPHER_AES_GCM,
                                   .key_len = 32,
                                   .salt_len = 12,
                                   .srtp_tag_len = 16,
                                   .srtcp_tag_len = 16,
                                   .auth_key_len = 0,
                                   .max_lifetime_srtp = LIFE_SRTP,
                                   .max_lifetime_srtcp = LIFE_SRTCP},
};

const sg_suite *sg_suite_by_name(const char *name, size_t len)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < SG_SUITE_COUNT; i++) {
        if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0)
            return &suites[i];
    }
    return NULL;
}

const sg_suite *sg_suite_get(sg_suite_id id)
{
    if ((unsigned)id >= SG_SUITE_COUNT)
        return NULL;
    return &suites[id];
}
