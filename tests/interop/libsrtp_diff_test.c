/*
 * tests/interop/libsrtp_diff_test.c — differential test against libsrtp2 on
 * RTP packets of every shape (RFC 3550 §5.1, §5.3.1): random CSRC counts,
 * header extensions (consistent or with a length that overruns the packet),
 * padding (sane or not), marker, payload type and payload length 0..300.
 * For each packet, ours and libsrtp2 protect it: both must accept or both
 * refuse; when both accept, the SRTP bytes must be equal and each side must
 * unprotect the other's packet back to the RTP packet. Then a forged copy
 * (one random bit flipped) must be refused by ours, without disturbing the
 * stream. The same for SRTCP on random RTCP, with truncated copies.
 */
#include <string.h>

#include "tests/check.h"
#include "tests/interop/libsrtp_peer.h"

static uint32_t rnd = 0x2545f491;

static size_t random_rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, int *shape)
{
    uint32_t r = lsp_rand(&rnd);
    unsigned cc = (r & 3) == 0 ? (r >> 2) % 16 : 0;
    int x = (r >> 6) % 3 == 0, pad = (r >> 8) % 4 == 0, marker = (r >> 10) & 1;
    size_t payload = lsp_rand(&rnd) % 301;
    size_t n = 12;
    b[0] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | (x ? 0x10 : 0) | cc);
    b[1] = (uint8_t)((marker ? 0x80 : 0) | (lsp_rand(&rnd) % 128));
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    memset(b + 4, 0x11, 4);
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
    for (unsigned i = 0; i < cc; i++, n += 4)
        memset(b + n, (int)(0x20 + i), 4);
    *shape = 0;
    if (x) {
        unsigned words = lsp_rand(&rnd) % 8;
        if (lsp_rand(&rnd) % 8 == 0) {
            words = 200 + lsp_rand(&rnd) % 100; /* overruns the packet */
            *shape = 1;
        }
        b[n] = 0xbe;
        b[n + 1] = 0xde;
        b[n + 2] = (uint8_t)(words >> 8);
        b[n + 3] = (uint8_t)words;
        n += 4;
        size_t real = *shape ? 0 : words * 4;
        memset(b + n, 0x33, real);
        n += real;
    }
    for (size_t i = 0; i < payload; i++)
        b[n + i] = (uint8_t)lsp_rand(&rnd);
    n += payload;
    if (pad) {
        unsigned count = lsp_rand(&rnd) % 8 == 0 ? 255 : 1 + lsp_rand(&rnd) % 8;
        memset(b + n, 0, 8);
        n += count <= 8 ? count : 1;
        b[n - 1] = (uint8_t)count; /* 255 claims more than the packet holds */
    }
    return n;
}

static void run_suite(sg_suite_id id, uint8_t mki_len, unsigned iterations)
{
    lsp_setup s = {.suite = id, .ssrc = 0x0d1ff00d, .mki_len = mki_len, .nkeys = 1, .window = 1024};
    lsp_peers p;
    CHECK(lsp_peers_open(&p, &s, NULL) == 0);
    sg_srtp_ctx *otx = p.ours_tx, *orx = p.ours_rx;
    srtp_t ltx = p.ls_tx, lrx = p.ls_rx;
    static uint8_t rtp[LSP_BUF], a[LSP_BUF], b[LSP_BUF], out[LSP_BUF], bad[LSP_BUF];
    unsigned both_ok = 0, both_refused = 0, i;
    const char *why = NULL;
    int shape = 0;
    sg_status ost = SG_OK;
    int lst = 0;
    for (i = 0; i < iterations && !why; i++) {
        uint16_t seq = (uint16_t)(40000 + i);
        size_t len = random_rtp(rtp, s.ssrc, seq, &shape), alen = 0, olen = 0;
        ost = sg_srtp_protect(otx, rtp, len, a, sizeof a, &alen);
        memcpy(b, rtp, len);
        int bl = (int)len;
        lst = srtp_protect_mki(ltx, b, &bl, mki_len ? 1 : 0, 0);
        if ((ost == SG_OK) != (lst == 0)) {
            why = ost == SG_OK ? "ours protects a packet libsrtp2 refuses"
                               : "ours refuses a packet libsrtp2 protects";
            break;
        }
        if (ost != SG_OK) {
            both_refused++;
            continue;
        }
        if (alen != (size_t)bl || memcmp(a, b, alen) != 0) {
            why = "different SRTP bytes";
            break;
        }
        memcpy(out, a, alen);
        int ol = (int)alen;
        lst = srtp_unprotect_mki(lrx, out, &ol, mki_len ? 1 : 0);
        if (lst != 0 || (size_t)ol != len || memcmp(out, rtp, len) != 0) {
            why = "libsrtp2 cannot unprotect ours";
            break;
        }
        /* Ours gets a forged copy first (must refuse, state unchanged),
         * then the real one. */
        memcpy(bad, b, alen);
        size_t bit = lsp_rand(&rnd) % (alen * 8);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (sg_srtp_unprotect(orx, bad, alen, out, sizeof out, &olen) == SG_OK) {
            why = "ours accepted a forged packet";
            break;
        }
        ost = sg_srtp_unprotect(orx, b, alen, out, sizeof out, &olen);
        if (ost != SG_OK || olen != len || memcmp(out, rtp, len) != 0) {
            why = "ours cannot unprotect libsrtp2's";
            break;
        }
        both_ok++;
    }
    lsp_peers_close(&p);
    CHECK_MSG(!why, "%s, packet %u (overrun ext %d, byte0 %02x): %s [ours %s, libsrtp2 %d]",
              sg_suite_get(id)->name, i, shape, rtp[0], why, sg_status_name(ost), lst);
    /* Both outcomes must have been exercised. */
    CHECK(both_ok > iterations / 2);
    CHECK(both_refused > 0);
}

static void test_random_shapes_aes_cm(void)
{
    run_suite(SG_SUITE_AES_CM_128_HMAC_SHA1_80, 0, 20000);
}

static void test_random_shapes_aes_cm_32_mki(void)
{
    run_suite(SG_SUITE_AES_CM_128_HMAC_SHA1_32, 2, 20000);
}

static void test_random_shapes_gcm(void)
{
    run_suite(SG_SUITE_AEAD_AES_128_GCM, 0, 20000);
}

static void test_random_shapes_gcm256_mki(void)
{
    run_suite(SG_SUITE_AEAD_AES_256_GCM, 4, 20000);
}

/*
 * SRTCP (RFC 3711 §3.4) on random compound-looking RTCP of 8..400 bytes:
 * both protect or both refuse; each unprotects the other's packet to the
 * original (bytes differ only by the SRTCP index, which libsrtp2 starts at
 * 1); any truncation of a protected packet is refused by ours.
 */
static void run_rtcp(sg_suite_id id, uint8_t mki_len)
{
    lsp_setup s = {.suite = id, .ssrc = 0x7e57c0de, .mki_len = mki_len, .nkeys = 1, .window = 128};
    lsp_peers p;
    CHECK(lsp_peers_open(&p, &s, NULL) == 0);
    sg_srtp_ctx *otx = p.ours_tx, *orx = p.ours_rx;
    srtp_t ltx = p.ls_tx, lrx = p.ls_rx;
    static uint8_t rtcp[LSP_BUF], a[LSP_BUF], b[LSP_BUF], out[LSP_BUF];
    const char *why = NULL;
    unsigned i, ok = 0;
    size_t len = 0;
    for (i = 0; i < 5000 && !why; i++) {
        len = 8 + lsp_rand(&rnd) % 393;
        for (size_t k = 0; k < len; k++)
            rtcp[k] = (uint8_t)lsp_rand(&rnd);
        rtcp[0] = (uint8_t)(0x80 | (rtcp[0] & 0x1f));
        rtcp[1] = (uint8_t)(200 + lsp_rand(&rnd) % 7);
        rtcp[4] = (uint8_t)(s.ssrc >> 24);
        rtcp[5] = (uint8_t)(s.ssrc >> 16);
        rtcp[6] = (uint8_t)(s.ssrc >> 8);
        rtcp[7] = (uint8_t)s.ssrc;
        size_t alen = 0, olen = 0;
        sg_status ost = sg_srtcp_protect(otx, rtcp, len, a, sizeof a, &alen);
        memcpy(b, rtcp, len);
        int bl = (int)len;
        int lst = srtp_protect_rtcp_mki(ltx, b, &bl, mki_len ? 1 : 0, 0);
        if ((ost == SG_OK) != (lst == 0)) {
            why = ost == SG_OK ? "ours protects what libsrtp2 refuses"
                               : "ours refuses what libsrtp2 protects";
            break;
        }
        if (ost != SG_OK)
            continue;
        memcpy(out, a, alen);
        int ol = (int)alen;
        if (srtp_unprotect_rtcp_mki(lrx, out, &ol, mki_len ? 1 : 0) != 0 || (size_t)ol != len ||
            memcmp(out, rtcp, len) != 0) {
            why = "libsrtp2 cannot unprotect ours";
            break;
        }
        size_t cut = lsp_rand(&rnd) % (size_t)bl;
        if (sg_srtcp_unprotect(orx, b, cut, out, sizeof out, &olen) == SG_OK) {
            why = "ours accepted a truncated SRTCP packet";
            break;
        }
        if (sg_srtcp_unprotect(orx, b, (size_t)bl, out, sizeof out, &olen) != SG_OK ||
            olen != len || memcmp(out, rtcp, len) != 0) {
            why = "ours cannot unprotect libsrtp2's";
            break;
        }
        ok++;
    }
    lsp_peers_close(&p);
    CHECK_MSG(!why, "%s SRTCP packet %u (%zu bytes): %s", sg_suite_get(id)->name, i, len, why);
    CHECK_EQ(ok, 5000);
}

static void test_random_rtcp(void)
{
    run_rtcp(SG_SUITE_AES_CM_128_HMAC_SHA1_80, 0);
    run_rtcp(SG_SUITE_AES_256_CM_HMAC_SHA1_80, 4);
    run_rtcp(SG_SUITE_AEAD_AES_128_GCM, 0);
    run_rtcp(SG_SUITE_AEAD_AES_256_GCM, 2);
}

int main(void)
{
    if (srtp_init() != srtp_err_status_ok)
        return 1;
    RUN(test_random_shapes_aes_cm);
    RUN(test_random_shapes_aes_cm_32_mki);
    RUN(test_random_shapes_gcm);
    RUN(test_random_shapes_gcm256_mki);
    RUN(test_random_rtcp);
    srtp_shutdown();
    return check_summary("libsrtp_diff");
}
