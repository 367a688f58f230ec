/*
 * rtp/srtp/kdf.c — the SRTP key derivation function: the AES-CM PRF of
 * RFC 3711 §4.3.3 keyed with the master key, with the key size of the suite
 * (AES-128, RFC 6188 §6 for AES-192/256). Labels and r = index DIV kdr are
 * RFC 3711 §4.3.1/§4.3.2; a 96-bit GCM salt is zero-padded on the right to
 * 112 bits as RFC 7714 §11 (and libsrtp) do.
 */
#include "srtp/sg_internal.h"

#include <string.h>

#include <openssl/crypto.h>

EVP_CIPHER_CTX *sg_kdf_prf_new(const uint8_t *master_key, size_t key_len)
{
    const EVP_CIPHER *c = key_len == 16   ? EVP_aes_128_ecb()
                          : key_len == 24 ? EVP_aes_192_ecb()
                          : key_len == 32 ? EVP_aes_256_ecb()
                                          : NULL;
    if (!c)
        return NULL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return NULL;
    if (EVP_EncryptInit_ex(ctx, c, NULL, master_key, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

bool sg_kdf(EVP_CIPHER_CTX *prf, const uint8_t *master_salt, size_t salt_len, unsigned label,
            uint64_t r, uint8_t *out, size_t len)
{
    uint8_t x[16] = {0};
    uint8_t blocks[64];
    if (len > sizeof blocks || salt_len > 14 || label > 0xff)
        return false;
    /* x = key_id XOR master_salt, key_id = label || r (8 + 48 bits) aligned
     * to the right of the 112-bit salt; the counter is x * 2^16 (§4.3.3).
     * r is 48 bits for SRTCP too (RFC 3711 erratum 3712: "0 || SRTCP index"
     * as a 48-bit quantity), as libsrtp and every deployed peer do. */
    memcpy(x, master_salt, salt_len);
    x[7] ^= (uint8_t)label;
    for (unsigned i = 0; i < 6; i++)
        x[13 - i] ^= (uint8_t)(r >> (8 * i));
    size_t nblk = (len + 15) / 16;
    for (size_t j = 0; j < nblk; j++) {
        memcpy(blocks + 16 * j, x, 14);
        blocks[16 * j + 14] = (uint8_t)(j >> 8);
        blocks[16 * j + 15] = (uint8_t)j;
    }
    int outl = 0;
    bool ok = EVP_EncryptUpdate(prf, blocks, &outl, blocks, (int)(16 * nblk)) == 1 &&
              outl == (int)(16 * nblk);
    if (ok)
        memcpy(out, blocks, len);
    OPENSSL_cleanse(blocks, sizeof blocks);
    OPENSSL_cleanse(x, sizeof x);
    return ok;
}
