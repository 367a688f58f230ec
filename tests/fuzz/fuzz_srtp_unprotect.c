/*
 * tests/fuzz/fuzz_srtp_unprotect.c — libFuzzer target for the SRTP library's
 * receive path (sg_srtp_unprotect, sg_srtcp_unprotect) under ASan+UBSan,
 * across suites, MKI, KDR and session parameters, plus two properties:
 *   - a packet that unprotects once is a REPLAY the second time;
 *   - any input that protects unprotects back to itself in a fresh receiver.
 *
 * Input: byte 0 = configuration (bits 0-3 suite mod 9, bit 4 MKI of 2
 * bytes, bit 5 SRTCP, bit 6 KDR 2, bit 7 UNENCRYPTED_SRTP/SRTCP), byte 1
 * bit 0 = UNAUTHENTICATED_SRTP (ignored for GCM), bit 1 = evict_lru with
 * two stream slots, bit 2 = sequence mode; the rest = the packet, or in
 * sequence mode packets each preceded by a 16-bit big-endian word (bit 15
 * SRTCP, bits 0-10 length) fed to one receiver in order, so the replay
 * window, ROC estimate, KDR key cache and stream eviction see state.
 *
 * Built with -DFUZZ_SRTP_SEED_MAIN (gcc, no libFuzzer) it is instead the
 * seed generator: `prog DIR` writes real protected packets for every
 * configuration into DIR (tests/fuzz/corpus/fuzz_srtp_unprotect/).
 */
#include "srtp/sg_srtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fz_key(uint8_t key[32], uint8_t salt[14], uint8_t mki[2], unsigned i)
{
    for (int j = 0; j < 32; j++)
        key[j] = (uint8_t)(0x21 * i + 5 * j + 3);
    for (int j = 0; j < 14; j++)
        salt[j] = (uint8_t)(0xa5 ^ (i * 11 + j));
    mki[0] = 0x4d;
    mki[1] = (uint8_t)i;
}

static sg_srtp_ctx *fz_ctx(uint8_t cfg, uint8_t cfg2, sg_srtp_dir dir)
{
    const sg_suite *su = sg_suite_get((sg_suite_id)((cfg & 0x0f) % SG_SUITE_COUNT));
    sg_srtp_params p = {
        .suite = su,
        .dir = dir,
        .mki_len = (cfg & 0x10) ? 2 : 0,
        .kdr = (cfg & 0x40) ? 2 : 0,
        .unencrypted_srtp = (cfg & 0x80) != 0,
        .unencrypted_srtcp = (cfg & 0x80) != 0,
        .unauthenticated_srtp = (cfg2 & 1) && su->cipher != SG_CIPHER_AES_GCM,
        .replay_window = 64,
        .max_ssrcs = (cfg2 & 2) ? 2 : 4,
        .evict_lru = (cfg2 & 2) != 0,
    };
    sg_srtp_ctx *ctx = NULL;
    if (sg_srtp_ctx_new(&p, &ctx) != SG_OK)
        abort();
    for (unsigned i = 0; i < (p.mki_len ? 2u : 1u); i++) {
        uint8_t key[32], salt[14], mki[2];
        fz_key(key, salt, mki, i);
        sg_srtp_key k = {.master_key = key, .master_salt = salt, .mki = mki};
        if (sg_srtp_add_key(ctx, &k) != SG_OK)
            abort();
    }
    return ctx;
}

#ifndef FUZZ_SRTP_SEED_MAIN
/* Sequence mode: every packet through one receiver; a packet that
 * unprotects must be a REPLAY when repeated at once. */
static void fz_sequence(uint8_t cfg, uint8_t cfg2, const uint8_t *d, size_t n)
{
    static uint8_t out[4096];
    sg_srtp_ctx *rx = fz_ctx(cfg, cfg2, SG_SRTP_UNPROTECT);
    while (n >= 2) {
        bool rtcp = d[0] & 0x80;
        size_t len = ((size_t)(d[0] & 0x07) << 8 | d[1]);
        d += 2;
        n -= 2;
        if (len > n)
            len = n;
        uint8_t *pkt = malloc(len ? len : 1);
        memcpy(pkt, d, len);
        size_t ol = 0;
        sg_status st = rtcp ? sg_srtcp_unprotect(rx, pkt, len, out, sizeof out, &ol)
                            : sg_srtp_unprotect(rx, pkt, len, out, sizeof out, &ol);
        if (st == SG_OK) {
            if (ol > len)
                abort();
            st = rtcp ? sg_srtcp_unprotect(rx, pkt, len, out, sizeof out, &ol)
                      : sg_srtp_unprotect(rx, pkt, len, out, sizeof out, &ol);
            if (st != SG_REPLAY)
                abort();
        }
        free(pkt);
        d += len;
        n -= len;
    }
    (void)sg_srtp_take_events(rx);
    sg_srtp_ctx_free(rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 4096)
        return 0;
    uint8_t cfg = data[0], cfg2 = data[1];
    if (cfg2 & 4) {
        fz_sequence(cfg, cfg2, data + 2, size - 2);
        return 0;
    }
    bool rtcp = cfg & 0x20;
    size_t n = size - 2;
    /* An exact-size copy so any read past the packet is an ASan report. */
    uint8_t *pkt = malloc(n ? n : 1);
    memcpy(pkt, data + 2, n);
    static uint8_t out[8192], back[8192];
    size_t ol = 0, bl = 0;

    sg_srtp_ctx *rx = fz_ctx(cfg, cfg2, SG_SRTP_UNPROTECT);
    sg_status st = rtcp ? sg_srtcp_unprotect(rx, pkt, n, out, sizeof out, &ol)
                        : sg_srtp_unprotect(rx, pkt, n, out, sizeof out, &ol);
    if (st == SG_OK) {
        if (ol > n)
            abort();
        sg_status again = rtcp ? sg_srtcp_unprotect(rx, pkt, n, out, sizeof out, &ol)
                               : sg_srtp_unprotect(rx, pkt, n, out, sizeof out, &ol);
        if (again != SG_REPLAY)
            abort();
    }
    /* In place, too. */
    uint8_t *inplace = malloc(n ? n : 1);
    memcpy(inplace, pkt, n);
    sg_srtp_ctx *rx3 = fz_ctx(cfg, cfg2, SG_SRTP_UNPROTECT);
    (void)(rtcp ? sg_srtcp_unprotect(rx3, inplace, n, inplace, n, &ol)
                : sg_srtp_unprotect(rx3, inplace, n, inplace, n, &ol));
    sg_srtp_ctx_free(rx3);
    free(inplace);

    /* Round trip of the input as plaintext. */
    sg_srtp_ctx *tx = fz_ctx(cfg, cfg2, SG_SRTP_PROTECT);
    sg_srtp_ctx *rx2 = fz_ctx(cfg, cfg2, SG_SRTP_UNPROTECT);
    st = rtcp ? sg_srtcp_protect(tx, pkt, n, out, sizeof out, &ol)
              : sg_srtp_protect(tx, pkt, n, out, sizeof out, &ol);
    if (st == SG_OK) {
        st = rtcp ? sg_srtcp_unprotect(rx2, out, ol, back, sizeof back, &bl)
                  : sg_srtp_unprotect(rx2, out, ol, back, sizeof back, &bl);
        if (st != SG_OK || bl != n || memcmp(back, pkt, n) != 0)
            abort();
    }
    sg_srtp_ctx_free(tx);
    sg_srtp_ctx_free(rx2);
    sg_srtp_ctx_free(rx);
    free(pkt);
    return 0;
}
#else
/* Seed generator: protected packets (and the RTP/RTCP they came from) for
 * every configuration byte, two packets per configuration. */
int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    unsigned written = 0;
    for (unsigned cfg = 0; cfg < 256; cfg++) {
        if ((cfg & 0x0f) >= SG_SUITE_COUNT)
            continue;
        for (unsigned cfg2 = 0; cfg2 < 2; cfg2++) {
            if (cfg2 && sg_suite_get((sg_suite_id)(cfg & 0x0f))->cipher == SG_CIPHER_AES_GCM)
                continue;
            if (cfg2 && (cfg & 0x20))
                continue; /* SRTCP is always authenticated */
            sg_srtp_ctx *tx = fz_ctx((uint8_t)cfg, (uint8_t)cfg2, SG_SRTP_PROTECT);
            for (unsigned k = 0; k < 2; k++) {
                uint8_t pkt[200], seed[300];
                size_t n = 0, ol = 0;
                /* RTP: V=2, X/CC on the second, seq 65535 then 0 (wrap) */
                if (cfg & 0x20) {
                    uint8_t rtcp[] = {0x80, 200, 0,  6,  0xde, 0xad, 0xbe, 0xef, 1,  2,
                                      3,    4,   5,  6,  7,    8,    9,    10,   11, 12,
                                      13,   14,  15, 16, 17,   18,   19,   20};
                    memcpy(pkt, rtcp, n = sizeof rtcp);
                } else {
                    uint8_t rtp[] = {(uint8_t)(k ? 0x91 : 0x80),
                                     0,
                                     (uint8_t)(k ? 0 : 0xff),
                                     (uint8_t)(k ? 0 : 0xff),
                                     0,
                                     0,
                                     1,
                                     0x40,
                                     0xde,
                                     0xad,
                                     0xbe,
                                     0xef};
                    memcpy(pkt, rtp, n = sizeof rtp);
                    if (k) {
                        memset(pkt + n, 0xcc, 4); /* CSRC */
                        n += 4;
                        uint8_t ext[] = {0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0};
                        memcpy(pkt + n, ext, sizeof ext);
                        n += sizeof ext;
                    }
                    for (unsigned i = 0; i < 40; i++)
                        pkt[n++] = (uint8_t)(i * 3 + k);
                }
                sg_status st = (cfg & 0x20) ? sg_srtcp_protect(tx, pkt, n, seed + 2, 298, &ol)
                                            : sg_srtp_protect(tx, pkt, n, seed + 2, 298, &ol);
                if (st != SG_OK) {
                    fprintf(stderr, "cfg %u: %s\n", cfg, sg_status_name(st));
                    return 1;
                }
                seed[0] = (uint8_t)cfg;
                seed[1] = (uint8_t)cfg2;
                char path[512];
                snprintf(path, sizeof path, "%s/seed-%02x-%u-%u", argv[1], cfg, cfg2, k);
                FILE *f = fopen(path, "wb");
                if (!f || fwrite(seed, 1, ol + 2, f) != ol + 2 || fclose(f) != 0) {
                    perror(path);
                    return 1;
                }
                written++;
            }
            sg_srtp_ctx_free(tx);
        }
    }
    /* Sequence seeds: per suite (with and without MKI, KDR), three SSRCs
     * across a sequence wrap with SRTCP in between, two stream slots with
     * eviction, so replay, ROC, KDR refresh and eviction all run. */
    for (unsigned cfg = 0; cfg < 0x80; cfg++) {
        if ((cfg & 0x0f) >= SG_SUITE_COUNT || (cfg & 0x20))
            continue;
        uint8_t cfg2 = 4 | 2;
        sg_srtp_ctx *tx = fz_ctx((uint8_t)cfg, cfg2, SG_SRTP_PROTECT);
        uint8_t seed[4096];
        size_t n = 0;
        seed[n++] = (uint8_t)cfg;
        seed[n++] = cfg2;
        for (unsigned i = 0; i < 9; i++) {
            uint32_t ssrc = 0x100 + i % 3;
            uint16_t seq = (uint16_t)(65533 + i / 3 + (i % 3) * 2);
            uint8_t pkt[64] = {0x80, 0, (uint8_t)(seq >> 8),  (uint8_t)seq, 0, 0, 0, (uint8_t)i,
                               0,    0, (uint8_t)(ssrc >> 8), (uint8_t)ssrc};
            size_t len = 12 + 20, ol = 0;
            for (unsigned b = 12; b < len; b++)
                pkt[b] = (uint8_t)(b + i);
            bool rtcp = i % 4 == 3;
            if (rtcp) {
                uint8_t hdr[8] = {0x80, 201, 0, 6, 0, 0, (uint8_t)(ssrc >> 8), (uint8_t)ssrc};
                memcpy(pkt, hdr, 8);
                len = 28;
            }
            sg_status st = rtcp ? sg_srtcp_protect(tx, pkt, len, seed + n + 2, 300, &ol)
                                : sg_srtp_protect(tx, pkt, len, seed + n + 2, 300, &ol);
            if (st != SG_OK) {
                fprintf(stderr, "sequence cfg %u packet %u: %s\n", cfg, i, sg_status_name(st));
                return 1;
            }
            seed[n] = (uint8_t)((rtcp ? 0x80 : 0) | (ol >> 8));
            seed[n + 1] = (uint8_t)ol;
            n += 2 + ol;
        }
        sg_srtp_ctx_free(tx);
        char path[512];
        snprintf(path, sizeof path, "%s/seq-%02x", argv[1], cfg);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(seed, 1, n, f) != n || fclose(f) != 0) {
            perror(path);
            return 1;
        }
        written++;
    }
    printf("%u seeds\n", written);
    return 0;
}
#endif
