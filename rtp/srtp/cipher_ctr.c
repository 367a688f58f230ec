/*
 * rtp/srtp/cipher_ctr.c — AES in counter mode for SRTP/SRTCP (RFC 3711
 * §4.1.1; AES-192/256 per RFC 6188 §3).
 *
 * Speed: instead of re-keying an AES-CTR context with a new IV per packet
 * (≈95 ns in OpenSSL 3), all counter blocks of the packet are built in a
 * stack buffer and encrypted in ONE call on a reused AES-ECB context, then
 * XORed into the payload.
 */
#include "srtp/sg_internal.h"

#include <string.h>

/* Blocks per EVP call: 32 blocks = 512 bytes covers a typical voice or
 * video packet in one call and bounds the stack. */
#define CM_CHUNK_BLOCKS 32

void sg_cm_iv(uint8_t iv[16], const uint8_t *k_s, uint32_t ssrc, uint64_t index)
{
    /* IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16): the 112-bit salt
     * in bytes 0..13, SSRC XORed into bytes 4..7, the 48-bit index into
     * bytes 8..13, the block counter in bytes 14..15. */
    memcpy(iv, k_s, 14);
    iv[14] = iv[15] = 0;
    iv[4] ^= (uint8_t)(ssrc >> 24);
    iv[5] ^= (uint8_t)(ssrc >> 16);
    iv[6] ^= (uint8_t)(ssrc >> 8);
    iv[7] ^= (uint8_t)ssrc;
    for (int i = 0; i < 6; i++)
        iv[13 - i] ^= (uint8_t)(index >> (8 * i));
}

static inline void xor_bytes(uint8_t *out, const uint8_t *in, const uint8_t *ks, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        memcpy(&a, in + i, 8);
        memcpy(&b, ks + i, 8);
        a ^= b;
        memcpy(out + i, &a, 8);
    }
    for (; i < n; i++)
        out[i] = in[i] ^ ks[i];
}

bool sg_cm_xor(EVP_CIPHER_CTX *ecb, const uint8_t iv[16], const uint8_t *in, uint8_t *out,
               size_t len)
{
    uint8_t ks[CM_CHUNK_BLOCKS * 16];
    uint32_t j = 0; /* block counter: IV low 16 bits are zero, so j < 2^16
                     * adds without carry (packets are < 2^20 bytes) */
    while (len > 0) {
        size_t n = len < sizeof ks ? len : sizeof ks;
        size_t nblk = (n + 15) / 16;
        for (size_t b = 0; b < nblk; b++, j++) {
            uint8_t *blk = ks + 16 * b;
            memcpy(blk, iv, 16);
            uint32_t lo =
                ((uint32_t)iv[12] << 24 | (uint32_t)iv[13] << 16 | (uint32_t)iv[14] << 8 | iv[15]) +
                j;
            blk[12] = (uint8_t)(lo >> 24);
            blk[13] = (uint8_t)(lo >> 16);
            blk[14] = (uint8_t)(lo >> 8);
            blk[15] = (uint8_t)lo;
        }
        int outl = 0;
        if (EVP_EncryptUpdate(ecb, ks, &outl, ks, (int)(16 * nblk)) != 1 ||
            outl != (int)(16 * nblk))
            return false;
        xor_bytes(out, in, ks, n);
        in += n;
        out += n;
        len -= n;
    }
    return true;
}
