/*
 * rtp/srtp/session.c — one set of session keys (RFC 3711 §4.3): the SRTP
 * half (k_e, k_a, k_s from labels 0-2) or the SRTCP half (labels 3-5), held
 * as keyed OpenSSL contexts and precomputed HMAC states so the packet path
 * never sets a key. Derived key bytes live on the stack only while the
 * contexts are keyed, then are wiped.
 */
#include "srtp/sg_internal.h"

#include <string.h>

#include <openssl/crypto.h>

static const EVP_CIPHER *ecb_cipher(size_t key_len)
{
    return key_len == 16   ? EVP_aes_128_ecb()
           : key_len == 24 ? EVP_aes_192_ecb()
                           : EVP_aes_256_ecb();
}

static EVP_CIPHER_CTX *new_ecb(size_t key_len)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return NULL;
    if (EVP_EncryptInit_ex(c, ecb_cipher(key_len), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(c, 0) != 1) {
        EVP_CIPHER_CTX_free(c);
        return NULL;
    }
    return c;
}

bool sg_sess_alloc(sg_sess *s, const sg_suite *suite, sg_srtp_dir dir)
{
    memset(s, 0, sizeof *s);
    switch (suite->cipher) {
    case SG_CIPHER_AES_CM:
        s->ecb = new_ecb(suite->key_len);
        return s->ecb != NULL;
    case SG_CIPHER_AES_F8:
        s->ecb = new_ecb(suite->key_len);
        s->ecb_m = new_ecb(suite->key_len);
        return s->ecb && s->ecb_m;
    case SG_CIPHER_AES_GCM: {
        const EVP_CIPHER *c = suite->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
        s->gcm = EVP_CIPHER_CTX_new();
        if (!s->gcm)
            return false;
        return EVP_CipherInit_ex(s->gcm, c, NULL, NULL, NULL, dir == SG_SRTP_PROTECT ? 1 : 0) == 1;
    }
    }
    return false;
}

bool sg_sess_set(sg_sess *s, const sg_suite *suite, const uint8_t *k_e, const uint8_t *k_a,
                 const uint8_t *k_s)
{
    bool ok = true;
    memcpy(s->k_s, k_s, suite->salt_len);
    switch (suite->cipher) {
    case SG_CIPHER_AES_CM:
        ok = EVP_EncryptInit_ex(s->ecb, NULL, NULL, k_e, NULL) == 1;
        break;
    case SG_CIPHER_AES_F8: {
        uint8_t km[SG_SRTP_MAX_KEY_LEN];
        sg_f8_mask_key(km, k_e, suite->key_len, k_s, suite->salt_len);
        ok = EVP_EncryptInit_ex(s->ecb, NULL, NULL, k_e, NULL) == 1 &&
             EVP_EncryptInit_ex(s->ecb_m, NULL, NULL, km, NULL) == 1;
        OPENSSL_cleanse(km, sizeof km);
        break;
    }
    case SG_CIPHER_AES_GCM:
        ok = EVP_CipherInit_ex(s->gcm, NULL, NULL, k_e, NULL, -1) == 1;
        break;
    }
    if (suite->auth_key_len && k_a)
        sg_hmac_init(&s->hmac, k_a, suite->auth_key_len);
    return ok;
}

bool sg_sess_derive(sg_sess *s, const sg_suite *suite, EVP_CIPHER_CTX *prf,
                    const uint8_t *master_salt, bool rtcp, uint64_t r)
{
    uint8_t k_e[SG_SRTP_MAX_KEY_LEN], k_a[20], k_s[SG_SRTP_MAX_SALT_LEN];
    unsigned base = rtcp ? SG_LABEL_RTCP_ENC : SG_LABEL_RTP_ENC;
    bool ok = sg_kdf(prf, master_salt, suite->salt_len, base, r, k_e, suite->key_len) &&
              sg_kdf(prf, master_salt, suite->salt_len, base + 2, r, k_s, suite->salt_len) &&
              (!suite->auth_key_len ||
               sg_kdf(prf, master_salt, suite->salt_len, base + 1, r, k_a, suite->auth_key_len)) &&
              sg_sess_set(s, suite, k_e, suite->auth_key_len ? k_a : NULL, k_s);
    OPENSSL_cleanse(k_e, sizeof k_e);
    OPENSSL_cleanse(k_a, sizeof k_a);
    OPENSSL_cleanse(k_s, sizeof k_s);
    return ok;
}

void sg_sess_free(sg_sess *s)
{
    if (!s)
        return;
    /* EVP_CIPHER_CTX_free cleanses the expanded key schedule. */
    EVP_CIPHER_CTX_free(s->ecb);
    EVP_CIPHER_CTX_free(s->ecb_m);
    EVP_CIPHER_CTX_free(s->gcm);
    sg_hmac_wipe(&s->hmac);
    OPENSSL_cleanse(s, sizeof *s);
}
