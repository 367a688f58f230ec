/*
 * rtp/srtp/cipher_gcm.c — AES-GCM for SRTP and SRTCP (RFC 7714 §8-§10)
 * through a reused EVP context: the key is set once (session.c), only the
 * 12-byte IV changes per packet. The associated data may come in two
 * pieces (SRTCP: header, then E flag and index, §9.1).
 */
#include "srtp/sg_internal.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

/* Sets the whole 12-byte IV for the next packet. OpenSSL 3.0's
 * EVP_CipherInit_ex(…, iv) queries the IV length through the provider's
 * parameters on every call (≈ 800 instructions); the GCM provider's
 * "tlsivfixed" parameter with length (size_t)-1 sets the whole IV directly
 * (the legacy EVP_CTRL_GCM_SET_IV_FIXED, -1 case) and restarts GHASH the
 * same way. Falls back to EVP_CipherInit_ex if the provider refuses. */
static bool gcm_set_iv(EVP_CIPHER_CTX *gcm, const uint8_t iv[12])
{
    OSSL_PARAM prm[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED,
                                                           (void *)iv, (size_t)-1),
                         OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(gcm, prm) == 1)
        return true;
    return EVP_CipherInit_ex(gcm, NULL, NULL, NULL, iv, -1) == 1;
}

static bool gcm_start(EVP_CIPHER_CTX *gcm, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *aad2, size_t aad2_len)
{
    int outl = 0;
    if (!gcm_set_iv(gcm, iv))
        return false;
    if (aad_len && EVP_CipherUpdate(gcm, NULL, &outl, aad, (int)aad_len) != 1)
        return false;
    if (aad2_len && EVP_CipherUpdate(gcm, NULL, &outl, aad2, (int)aad2_len) != 1)
        return false;
    return true;
}

bool sg_gcm_seal(EVP_CIPHER_CTX *gcm, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                 const uint8_t *aad2, size_t aad2_len, const uint8_t *in, uint8_t *out, size_t len,
                 uint8_t tag[16])
{
    int outl = 0;
    if (!gcm_start(gcm, iv, aad, aad_len, aad2, aad2_len))
        return false;
    if (len && EVP_EncryptUpdate(gcm, out, &outl, in, (int)len) != 1)
        return false;
    if (EVP_EncryptFinal_ex(gcm, out + outl, &outl) != 1)
        return false;
    /* The tag through one OSSL_PARAM: what EVP_CTRL_GCM_GET_TAG does in
     * OpenSSL 3, minus the ctrl translation. */
    OSSL_PARAM prm[2] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, 16),
                         OSSL_PARAM_construct_end()};
    return EVP_CIPHER_CTX_get_params(gcm, prm) == 1;
}

int sg_gcm_open(EVP_CIPHER_CTX *gcm, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                const uint8_t *aad2, size_t aad2_len, const uint8_t *in, uint8_t *out, size_t len,
                const uint8_t tag[16])
{
    int outl = 0;
    if (!gcm_start(gcm, iv, aad, aad_len, aad2, aad2_len))
        return -1;
    if (len && EVP_DecryptUpdate(gcm, out, &outl, in, (int)len) != 1)
        return -1;
    OSSL_PARAM prm[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, (void *)tag, 16),
        OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(gcm, prm) != 1)
        return -1;
    /* OpenSSL compares the tag in constant time (CRYPTO_memcmp). */
    return EVP_DecryptFinal_ex(gcm, out + outl, &outl) == 1 ? 1 : 0;
}
