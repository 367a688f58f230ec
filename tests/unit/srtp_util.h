/*
 * tests/unit/srtp_util.h — helpers shared by the SRTP library's unit tests:
 * build RTP/RTCP packets, and open a protect/unprotect context pair with
 * the same master keys (deterministic test keys, never printed).
 */
#ifndef SDESGATE_TESTS_SRTP_UTIL_H
#define SDESGATE_TESTS_SRTP_UTIL_H

#include "srtp/sg_srtp.h"

#include <stdlib.h>
#include <string.h>

#define TU_BUF 2048

/* An RTP packet: V=2, PT 0, optional CSRCs and a header extension, payload
 * bytes derived from seq so every packet differs. Returns its length. */
static inline size_t tu_rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, size_t pay, unsigned ncsrc,
                            unsigned ext_words)
{
    size_t n = 0;
    b[n++] = (uint8_t)(0x80 | (ext_words ? 0x10 : 0) | ncsrc);
    b[n++] = 0;
    b[n++] = (uint8_t)(seq >> 8);
    b[n++] = (uint8_t)seq;
    uint32_t ts = (uint32_t)seq * 160u;
    for (int i = 3; i >= 0; i--)
        b[n++] = (uint8_t)(ts >> (8 * i));
    for (int i = 3; i >= 0; i--)
        b[n++] = (uint8_t)(ssrc >> (8 * i));
    for (unsigned c = 0; c < ncsrc; c++)
        for (int i = 0; i < 4; i++)
            b[n++] = (uint8_t)(0xc0 + c + i);
    if (ext_words) {
        b[n++] = 0xbe;
        b[n++] = 0xde;
        b[n++] = 0;
        b[n++] = (uint8_t)ext_words;
        for (unsigned w = 0; w < 4 * ext_words; w++)
            b[n++] = (uint8_t)(0x10 + w);
    }
    for (size_t i = 0; i < pay; i++)
        b[n++] = (uint8_t)(seq * 31u + i);
    return n;
}

/* An RTCP sender report (28 bytes) + SDES-like filler of `extra` bytes. */
static inline size_t tu_rtcp(uint8_t *b, uint32_t ssrc, unsigned n_id, size_t extra)
{
    size_t words = (28 + extra) / 4 - 1;
    size_t n = 0;
    b[n++] = 0x80;
    b[n++] = 200;
    b[n++] = (uint8_t)(words >> 8);
    b[n++] = (uint8_t)words;
    for (int i = 3; i >= 0; i--)
        b[n++] = (uint8_t)(ssrc >> (8 * i));
    for (size_t i = 0; i < 20 + extra; i++)
        b[n++] = (uint8_t)(n_id * 7u + i);
    return n;
}

typedef struct tu_pair {
    sg_srtp_ctx *tx, *rx;
    sg_srtp_params p;
} tu_pair;

/* Deterministic master key material for key number i. */
static inline void tu_key(unsigned i, uint8_t key[32], uint8_t salt[14], uint8_t mki[4])
{
    for (int j = 0; j < 32; j++)
        key[j] = (uint8_t)(0x11 * i + 3 * j + 1);
    for (int j = 0; j < 14; j++)
        salt[j] = (uint8_t)(0x5a ^ (i * 13 + j));
    for (int j = 0; j < 4; j++)
        mki[j] = (uint8_t)(i + 1 + j * 0x40);
}

/* Adds key i (lifetime life) to ctx. */
static inline sg_status tu_add(sg_srtp_ctx *ctx, unsigned i, uint64_t life)
{
    uint8_t key[32], salt[14], mki[4];
    tu_key(i, key, salt, mki);
    sg_srtp_key k = {.master_key = key, .master_salt = salt, .mki = mki, .lifetime = life};
    return sg_srtp_add_key(ctx, &k);
}

/* Opens tx and rx with params p (dir ignored) and nkeys keys each. */
static inline int tu_open(tu_pair *t, const sg_srtp_params *p, unsigned nkeys)
{
    memset(t, 0, sizeof *t);
    t->p = *p;
    sg_srtp_params a = *p, b = *p;
    a.dir = SG_SRTP_PROTECT;
    b.dir = SG_SRTP_UNPROTECT;
    if (sg_srtp_ctx_new(&a, &t->tx) != SG_OK || sg_srtp_ctx_new(&b, &t->rx) != SG_OK)
        return -1;
    for (unsigned i = 0; i < nkeys; i++)
        if (tu_add(t->tx, i, 0) != SG_OK || tu_add(t->rx, i, 0) != SG_OK)
            return -1;
    return 0;
}

static inline void tu_close(tu_pair *t)
{
    sg_srtp_ctx_free(t->tx);
    sg_srtp_ctx_free(t->rx);
    t->tx = t->rx = NULL;
}

#endif
