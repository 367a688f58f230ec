/*
 * rtp/srtp/suite.h — the SDES crypto suites (RFC 4568 §6.2, RFC 6188 §4,
 * RFC 7714 §14.2), one row each in a single table (suite.c). The SDES engine
 * (modules/sdes) and the relay both look suites up here, so a suite is added
 * in one place.
 */
#ifndef SDESGATE_SRTP_SUITE_H
#define SDESGATE_SRTP_SUITE_H

#include <stddef.h>
#include <stdint.h>

typedef enum sg_suite_id {
    SG_SUITE_AES_CM_128_HMAC_SHA1_80 = 0,
    SG_SUITE_AES_CM_128_HMAC_SHA1_32,
    SG_SUITE_F8_128_HMAC_SHA1_80,
    SG_SUITE_AES_192_CM_HMAC_SHA1_80,
    SG_SUITE_AES_192_CM_HMAC_SHA1_32,
    SG_SUITE_AES_256_CM_HMAC_SHA1_80,
    SG_SUITE_AES_256_CM_HMAC_SHA1_32,
    SG_SUITE_AEAD_AES_128_GCM,
    SG_SUITE_AEAD_AES_256_GCM,
    SG_SUITE_COUNT
} sg_suite_id;

typedef enum sg_cipher_kind {
    SG_CIPHER_AES_CM,  /* RFC 3711 §4.1.1, RFC 6188 */
    SG_CIPHER_AES_F8,  /* RFC 3711 §4.1.2 */
    SG_CIPHER_AES_GCM, /* RFC 7714 (AEAD: no separate auth key) */
} sg_cipher_kind;

typedef struct sg_suite {
    sg_suite_id id;
    const char *name; /* RFC 4568 name, e.g. "AES_CM_128_HMAC_SHA1_80" */
    sg_cipher_kind cipher;
    uint8_t key_len;             /* master key, bytes (16, 24, 32) */
    uint8_t salt_len;            /* master salt, bytes (14; 12 for GCM) */
    uint8_t srtp_tag_len;        /* SRTP auth tag, bytes (10, 4; 16 for GCM) */
    uint8_t srtcp_tag_len;       /* SRTCP auth tag, bytes (10 even for _32) */
    uint8_t auth_key_len;        /* k_a, bytes (20 for HMAC-SHA1, 0 for GCM) */
    uint64_t max_lifetime_srtp;  /* packets per master key (2^48) */
    uint64_t max_lifetime_srtcp; /* packets per master key (2^31) */
} sg_suite;

/* The suite with this RFC 4568 name (exact, case-sensitive as the grammar
 * says), or NULL. len is the name's length (the name need not be
 * NUL-terminated). */
const sg_suite *sg_suite_by_name(const char *name, size_t len);

/* The suite with this id, or NULL when id is out of range. */
const sg_suite *sg_suite_get(sg_suite_id id);

#endif
