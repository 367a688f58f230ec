/*
 * rtp/srtp/cipher_f8.c — AES in f8 mode (RFC 3711 §4.1.2), the cipher of
 * F8_128_HMAC_SHA1_80. Each keystream block depends on the previous one, so
 * it runs block by block on a reused AES-ECB context.
 */
#include "srtp/sg_internal.h"

#include <string.h>

void sg_f8_mask_key(uint8_t *out, const uint8_t *k_e, size_t key_len, const uint8_t *k_s,
                    size_t salt_len)
{
    /* m = k_s || 0x555..5, as long as the key (§4.1.2.1). */
    for (size_t i = 0; i < key_len; i++)
        out[i] = k_e[i] ^ (i < salt_len ? k_s[i] : 0x55);
}

bool sg_f8_xor(EVP_CIPHER_CTX *ecb, EVP_CIPHER_CTX *ecb_m, const uint8_t iv[16], const uint8_t *in,
               uint8_t *out, size_t len)
{
    uint8_t ivp[16], s[16] = {0}, blk[16];
    int outl = 0;
    /* IV' = E(k_e XOR m, IV) */
    if (EVP_EncryptUpdate(ecb_m, ivp, &outl, iv, 16) != 1 || outl != 16)
        return false;
    /* S(j) = E(k_e, IV' XOR j XOR S(j-1)), S(-1) = 0, j a 128-bit counter
     * (here < 2^32: packets are far shorter). */
    for (uint32_t j = 0; len > 0; j++) {
        for (int i = 0; i < 16; i++)
            blk[i] = ivp[i] ^ s[i];
        blk[12] ^= (uint8_t)(j >> 24);
        blk[13] ^= (uint8_t)(j >> 16);
        blk[14] ^= (uint8_t)(j >> 8);
        blk[15] ^= (uint8_t)j;
        if (EVP_EncryptUpdate(ecb, s, &outl, blk, 16) != 1 || outl != 16)
            return false;
        size_t n = len < 16 ? len : 16;
        for (size_t i = 0; i < n; i++)
            out[i] = in[i] ^ s[i];
        in += n;
        out += n;
        len -= n;
    }
    return true;
}
