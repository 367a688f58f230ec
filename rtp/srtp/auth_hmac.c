/*
 * rtp/srtp/auth_hmac.c — HMAC-SHA1 (RFC 2104) as SRTP's message
 * authentication (RFC 3711 §4.2.1), from inner and outer SHA-1 states
 * precomputed once per session key: a packet costs the hash of its bytes
 * plus two copies and one extra block, with no EVP_MAC set-up per packet.
 * The low-level SHA1_* calls are deprecated in OpenSSL 3 but are the fast
 * path; the deprecation warning is silenced for this file only.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "srtp/sg_internal.h"

#include <string.h>

#include <openssl/crypto.h>

void sg_hmac_init(sg_hmac *h, const uint8_t *k_a, size_t len)
{
    uint8_t pad[64], kh[20];
    if (len > 64) { /* RFC 2104 §2: a long key is hashed first */
        SHA1(k_a, len, kh);
        k_a = kh;
        len = 20;
    }
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < len; i++)
        pad[i] ^= k_a[i];
    SHA1_Init(&h->inner);
    SHA1_Update(&h->inner, pad, sizeof pad);
    memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < len; i++)
        pad[i] ^= k_a[i];
    SHA1_Init(&h->outer);
    SHA1_Update(&h->outer, pad, sizeof pad);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(kh, sizeof kh);
}

void sg_hmac_tag(const sg_hmac *h, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                 uint8_t tag[20])
{
    SHA_CTX c;
    uint8_t inner[20];
    memcpy(&c, &h->inner, sizeof c);
    SHA1_Update(&c, a, a_len);
    if (b_len)
        SHA1_Update(&c, b, b_len);
    SHA1_Final(inner, &c);
    memcpy(&c, &h->outer, sizeof c);
    SHA1_Update(&c, inner, sizeof inner);
    SHA1_Final(tag, &c);
    /* No wipe needed here: the copied pad states are key-equivalent only
     * until the first compression; after SHA1_Final the context holds the
     * digest (the tag, which goes on the wire) and SHA1_Final has already
     * cleansed its data block. Skipping two OPENSSL_cleanse calls saves
     * ~270 instructions per packet. */
}

void sg_hmac_wipe(sg_hmac *h)
{
    OPENSSL_cleanse(h, sizeof *h);
}
