/*
 * tests/unit/srtp_negative_test.c — what the SRTP library must refuse, and that
 * refusing leaves the context undisturbed: replays and too-old packets
 * (RFC 3711 §3.3.2), forgeries (every byte flipped, §3.3 step 5), every
 * truncation, unknown MKI (§3.1), key lifetimes, soft limit and automatic
 * key switch (§9.2), hitless MKI switch and retirement (§8.1), and bad
 * parameters and keys at the API.
 */
#include "tests/check.h"
#include "tests/unit/srtp_util.h"
#include "srtp/sg_internal.h"

static const sg_suite_id some_suites[] = {
    SG_SUITE_AES_CM_128_HMAC_SHA1_80, SG_SUITE_AES_CM_128_HMAC_SHA1_32,
    SG_SUITE_F8_128_HMAC_SHA1_80,     SG_SUITE_AES_256_CM_HMAC_SHA1_80,
    SG_SUITE_AEAD_AES_128_GCM,        SG_SUITE_AEAD_AES_256_GCM,
};
#define NSUITES (sizeof some_suites / sizeof some_suites[0])

static bool is_reject(sg_status st)
{
    return st == SG_AUTH_FAIL || st == SG_MALFORMED || st == SG_UNKNOWN_MKI;
}

/* Replay of a received packet: REPLAY; older than the window: REPLAY_OLD;
 * the stream goes on. SRTCP too (per SSRC window). */
static void test_replay_and_too_old(void)
{
    for (size_t s = 0; s < NSUITES; s++) {
        sg_srtp_params p = {.suite = sg_suite_get(some_suites[s]), .replay_window = 64};
        tu_pair t;
        CHECK_EQ(tu_open(&t, &p, 1), 0);
        static uint8_t prot[200][200], rprot[200][200];
        static size_t pl[200], rl[200];
        uint8_t pkt[200], out[200];
        size_t ol;
        for (unsigned i = 0; i < 200; i++) {
            size_t len = tu_rtp(pkt, 3, (uint16_t)(100 + i), 40, 0, 0);
            CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot[i], 200, &pl[i]), SG_OK);
            len = tu_rtcp(pkt, 3, i, 0);
            CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, rprot[i], 200, &rl[i]), SG_OK);
        }
        for (unsigned i = 0; i < 150; i++) {
            CHECK_EQ(sg_srtp_unprotect(t.rx, prot[i], pl[i], out, sizeof out, &ol), SG_OK);
            CHECK_EQ(sg_srtcp_unprotect(t.rx, rprot[i], rl[i], out, sizeof out, &ol), SG_OK);
        }
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[149], pl[149], out, sizeof out, &ol), SG_REPLAY);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[100], pl[100], out, sizeof out, &ol), SG_REPLAY);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[10], pl[10], out, sizeof out, &ol), SG_REPLAY_OLD);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[86], pl[86], out, sizeof out, &ol), SG_REPLAY);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[85], pl[85], out, sizeof out, &ol), SG_REPLAY_OLD);
        CHECK_EQ(sg_srtcp_unprotect(t.rx, rprot[149], rl[149], out, sizeof out, &ol), SG_REPLAY);
        CHECK_EQ(sg_srtcp_unprotect(t.rx, rprot[3], rl[3], out, sizeof out, &ol), SG_REPLAY_OLD);
        /* Skip 151..159, then one that was skipped inside the window. */
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[160], pl[160], out, sizeof out, &ol), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[155], pl[155], out, sizeof out, &ol), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[150], pl[150], out, sizeof out, &ol), SG_OK);
        CHECK_EQ(sg_srtcp_unprotect(t.rx, rprot[170], rl[170], out, sizeof out, &ol), SG_OK);
        CHECK_EQ(sg_srtcp_unprotect(t.rx, rprot[160], rl[160], out, sizeof out, &ol), SG_OK);
        tu_close(&t);
    }
}

/* The sender refuses to protect an index twice (keystream reuse, RFC 3711
 * §9.1) and an index behind its window; the stream goes on. */
static void test_protect_refuses_index_reuse(void)
{
    for (size_t s = 0; s < NSUITES; s++) {
        sg_srtp_params p = {.suite = sg_suite_get(some_suites[s]), .replay_window = 64};
        tu_pair t;
        CHECK_EQ(tu_open(&t, &p, 1), 0);
        uint8_t pkt[200], prot[200];
        size_t pl;
        for (unsigned i = 0; i < 100; i++) {
            size_t len = tu_rtp(pkt, 8, (uint16_t)(65500 + i), 40, 0, 0);
            CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
            if (i == 50) {
                CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_REPLAY);
                pkt[12] ^= 0xff; /* other payload, same index: still refused */
                CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_REPLAY);
            }
        }
        size_t len = tu_rtp(pkt, 8, (uint16_t)(65500 + 20), 40, 0, 0);
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_REPLAY_OLD);
        len = tu_rtp(pkt, 8, (uint16_t)(65500 + 90), 40, 0, 0);
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_REPLAY);
        len = tu_rtp(pkt, 8, (uint16_t)(65500 + 101), 40, 0, 0); /* 100 skipped */
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
        len = tu_rtp(pkt, 8, (uint16_t)(65500 + 100), 40, 0, 0); /* late, in window */
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
        tu_close(&t);
    }
}

/* A fresh receiver sees packet P with one byte flipped: it must be
 * rejected, and must not create or move the stream: P itself then decodes
 * (RFC 3711 §3.3: state changes only after authentication). */
static void flip_all(sg_suite_id id, uint8_t mki_len, bool rtcp)
{
    sg_srtp_params p = {.suite = sg_suite_get(id), .mki_len = mki_len};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, mki_len ? 2 : 1), 0);
    uint8_t pkt[300], prot[300], bad[300], out[300];
    size_t len = rtcp ? tu_rtcp(pkt, 77, 5, 12) : tu_rtp(pkt, 77, 4242, 48, 1, 1), plen, ol;
    sg_status st = rtcp ? sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &plen)
                        : sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &plen);
    CHECK_EQ(st, SG_OK);
    for (size_t i = 0; i < plen; i++) {
        for (int bit = 0; bit < 8; bit += 7) { /* lowest and highest bit */
            sg_srtp_ctx *rx = NULL;
            sg_srtp_params q = p;
            q.dir = SG_SRTP_UNPROTECT;
            CHECK_EQ(sg_srtp_ctx_new(&q, &rx), SG_OK);
            for (unsigned k = 0; k < (mki_len ? 2u : 1u); k++)
                CHECK_EQ(tu_add(rx, k, 0), SG_OK);
            memcpy(bad, prot, plen);
            bad[i] ^= (uint8_t)(1u << bit);
            st = rtcp ? sg_srtcp_unprotect(rx, bad, plen, out, sizeof out, &ol)
                      : sg_srtp_unprotect(rx, bad, plen, out, sizeof out, &ol);
            uint32_t roc;
            sg_status roc_st = sg_srtp_get_roc(rx, 77, &roc);
            sg_status good = rtcp ? sg_srtcp_unprotect(rx, prot, plen, out, sizeof out, &ol)
                                  : sg_srtp_unprotect(rx, prot, plen, out, sizeof out, &ol);
            sg_srtp_ctx_free(rx);
            CHECK_MSG(is_reject(st), "%s mki %u %s: byte %zu bit %d flipped gave %s",
                      sg_suite_get(id)->name, mki_len, rtcp ? "SRTCP" : "SRTP", i, bit,
                      sg_status_name(st));
            CHECK_MSG(roc_st == SG_BAD_PARAM, "byte %zu: a rejected packet created a stream", i);
            CHECK_MSG(good == SG_OK && ol == len && memcmp(out, pkt, len) == 0,
                      "%s byte %zu: the good packet after the forgery gave %s",
                      sg_suite_get(id)->name, i, sg_status_name(good));
        }
    }
    tu_close(&t);
}

static void test_forged_every_byte(void)
{
    for (size_t s = 0; s < NSUITES; s++)
        for (uint8_t m = 0; m <= 2; m += 2)
            for (int r = 0; r < 2; r++) {
                flip_all(some_suites[s], m, r);
                if (check_cur_failed_)
                    return;
            }
}

/* A long-lived receiver: forgeries in between good packets never disturb
 * the stream (window, ROC). */
static void test_forged_interleaved(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80)};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    uint8_t pkt[200], prot[200], bad[200], out[200];
    for (unsigned i = 0; i < 300; i++) {
        size_t len = tu_rtp(pkt, 1, (uint16_t)(65400 + i), 60, 0, 0), pl, ol;
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
        memcpy(bad, prot, pl);
        bad[2] ^= 0x80; /* sequence number half a cycle away: would move ROC if trusted */
        sg_status st = sg_srtp_unprotect(t.rx, bad, pl, out, sizeof out, &ol);
        CHECK_MSG(st == SG_AUTH_FAIL || st == SG_REPLAY_OLD, "seq flip at %u: %s", i,
                  sg_status_name(st));
        memcpy(bad, prot, pl);
        bad[pl - 1] ^= 1;
        CHECK_EQ(sg_srtp_unprotect(t.rx, bad, pl, out, sizeof out, &ol), SG_AUTH_FAIL);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
        CHECK_MEM_EQ(out, pkt, len);
    }
    tu_close(&t);
}

/* Every truncation of a protected packet (into an exact-size heap copy, so
 * ASan catches a read past the end) is rejected; so is a packet with
 * trailing junk. */
static void test_truncated_every_length(void)
{
    for (size_t s = 0; s < NSUITES; s++)
        for (uint8_t m = 0; m <= 4; m += 4)
            for (int rtcp = 0; rtcp < 2; rtcp++) {
                sg_srtp_params p = {.suite = sg_suite_get(some_suites[s]), .mki_len = m};
                tu_pair t;
                CHECK_EQ(tu_open(&t, &p, 1), 0);
                uint8_t pkt[300], prot[300], out[300];
                size_t len = rtcp ? tu_rtcp(pkt, 9, 1, 8) : tu_rtp(pkt, 9, 1, 30, 2, 1), pl, ol;
                sg_status st = rtcp ? sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl)
                                    : sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl);
                CHECK_EQ(st, SG_OK);
                for (size_t n = 0; n < pl; n++) {
                    uint8_t *cut = malloc(n ? n : 1);
                    memcpy(cut, prot, n);
                    st = rtcp ? sg_srtcp_unprotect(t.rx, cut, n, out, sizeof out, &ol)
                              : sg_srtp_unprotect(t.rx, cut, n, out, sizeof out, &ol);
                    free(cut);
                    CHECK_MSG(is_reject(st), "%s mki %u %s cut to %zu: %s",
                              sg_suite_get(some_suites[s])->name, m, rtcp ? "SRTCP" : "SRTP", n,
                              sg_status_name(st));
                }
                prot[pl] = 0;
                st = rtcp ? sg_srtcp_unprotect(t.rx, prot, pl + 1, out, sizeof out, &ol)
                          : sg_srtp_unprotect(t.rx, prot, pl + 1, out, sizeof out, &ol);
                CHECK(is_reject(st));
                st = rtcp ? sg_srtcp_unprotect(t.rx, prot, pl, out, sizeof out, &ol)
                          : sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol);
                CHECK_EQ(st, SG_OK);
                tu_close(&t);
            }
    /* Protect refuses what is not RTP/RTCP. */
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80)};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    uint8_t pkt[64] = {0}, out[100];
    size_t ol;
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, 11, out, sizeof out, &ol), SG_MALFORMED);
    pkt[0] = 0x40; /* version 1 */
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, 40, out, sizeof out, &ol), SG_MALFORMED);
    pkt[0] = 0x8f; /* 15 CSRCs need 72 bytes */
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, 40, out, sizeof out, &ol), SG_MALFORMED);
    pkt[0] = 0x90; /* extension header claiming 0xffff words */
    pkt[14] = 0xff;
    pkt[15] = 0xff;
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, 40, out, sizeof out, &ol), SG_MALFORMED);
    CHECK_EQ(sg_srtcp_protect(t.tx, pkt, 7, out, sizeof out, &ol), SG_MALFORMED);
    tu_close(&t);
}

/* Unknown MKI: its own status; the stream is untouched. */
static void test_unknown_mki(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), .mki_len = 4};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    CHECK_EQ(tu_add(t.tx, 5, 0), SG_OK); /* the receiver does not have key 5 */
    uint8_t k[32], s[14], m5[4];
    tu_key(5, k, s, m5);
    CHECK_EQ(sg_srtp_use_key(t.tx, m5, 4), SG_OK);
    uint8_t pkt[100], prot[150], out[150];
    size_t len = tu_rtp(pkt, 1, 1, 20, 0, 0), pl, ol;
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_UNKNOWN_MKI);
    len = tu_rtcp(pkt, 1, 1, 0);
    CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtcp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_UNKNOWN_MKI);
    uint32_t roc;
    CHECK_EQ(sg_srtp_get_roc(t.rx, 1, &roc), SG_BAD_PARAM);
    /* use_key/retire with an unknown MKI. */
    uint8_t nope[4] = {9, 9, 9, 9};
    CHECK_EQ(sg_srtp_use_key(t.tx, nope, 4), SG_UNKNOWN_MKI);
    CHECK_EQ(sg_srtp_retire_key(t.rx, nope, 4), SG_UNKNOWN_MKI);
    CHECK_EQ(sg_srtp_use_key(t.tx, nope, 3), SG_BAD_PARAM);
    tu_close(&t);
}

/* RFC 3711 §9.2: lifetimes. A key with lifetime 10 protects 10 packets;
 * the soft limit fires at 3 left; the 11th is KEY_EXPIRED with the
 * EXHAUSTED event. SRTCP counts separately. The receiver enforces its
 * lifetime too. */
static void test_lifetime_and_soft_limit(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80),
                        .mki_len = 4,
                        .soft_limit = 3,
                        .dir = SG_SRTP_PROTECT};
    sg_srtp_ctx *tx = NULL, *rx = NULL;
    CHECK_EQ(sg_srtp_ctx_new(&p, &tx), SG_OK);
    p.dir = SG_SRTP_UNPROTECT;
    CHECK_EQ(sg_srtp_ctx_new(&p, &rx), SG_OK);
    CHECK_EQ(tu_add(tx, 0, 10), SG_OK);
    CHECK_EQ(tu_add(rx, 0, 8), SG_OK);
    uint8_t pkt[100], prot[150], out[150];
    size_t pl, ol;
    for (unsigned i = 0; i < 10; i++) {
        size_t len = tu_rtp(pkt, 1, (uint16_t)i, 20, 0, 0);
        CHECK_EQ(sg_srtp_protect(tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
        uint32_t ev = sg_srtp_take_events(tx);
        CHECK_MSG(ev == (i == 6   ? SG_EV_SOFT_LIMIT
                         : i == 9 ? SG_EV_EXHAUSTED
                                  : 0u),
                  "packet %u events %#x", i, ev);
        sg_status st = sg_srtp_unprotect(rx, prot, pl, out, sizeof out, &ol);
        CHECK_EQ(st, i < 8 ? SG_OK : SG_KEY_EXPIRED);
    }
    size_t len = tu_rtp(pkt, 1, 10, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(tx, pkt, len, prot, sizeof prot, &pl), SG_KEY_EXPIRED);
    CHECK_EQ(sg_srtp_take_events(tx), SG_EV_EXHAUSTED);
    /* SRTCP has its own count: still allowed 10. */
    len = tu_rtcp(pkt, 1, 0, 0);
    CHECK_EQ(sg_srtcp_protect(tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    sg_srtp_key_info info;
    CHECK_EQ(sg_srtp_key_info_get(tx, 0, &info), SG_OK);
    CHECK_EQ(info.srtp_used, 10);
    CHECK_EQ(info.srtcp_used, 1);
    CHECK_EQ(info.lifetime, 10);
    CHECK(info.current);
    /* use_key on an exhausted key is KEY_EXPIRED. */
    uint8_t k[32], s[14], m0[4];
    tu_key(0, k, s, m0);
    CHECK_EQ(sg_srtp_use_key(tx, m0, 4), SG_KEY_EXPIRED);
    sg_srtp_ctx_free(tx);
    sg_srtp_ctx_free(rx);
}

/* §9.2 automatic switch: keys A (life 5) and B (life 5): packets 0-4 use A,
 * then B with the KEY_SWITCHED event, then KEY_EXPIRED at 10. The
 * receiver with both keys decodes all ten, selecting by MKI. */
static void test_auto_switch(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AEAD_AES_128_GCM),
                        .mki_len = 4,
                        .soft_limit = 1,
                        .dir = SG_SRTP_PROTECT};
    sg_srtp_ctx *tx = NULL, *rx = NULL;
    CHECK_EQ(sg_srtp_ctx_new(&p, &tx), SG_OK);
    p.dir = SG_SRTP_UNPROTECT;
    CHECK_EQ(sg_srtp_ctx_new(&p, &rx), SG_OK);
    CHECK_EQ(tu_add(tx, 0, 5), SG_OK);
    CHECK_EQ(tu_add(tx, 1, 5), SG_OK);
    CHECK_EQ(tu_add(rx, 0, 0), SG_OK);
    CHECK_EQ(tu_add(rx, 1, 0), SG_OK);
    uint8_t k[32], s[14], m0[4], m1[4];
    tu_key(0, k, s, m0);
    tu_key(1, k, s, m1);
    uint8_t pkt[100], prot[150], out[150];
    size_t pl, ol;
    for (unsigned i = 0; i < 11; i++) {
        size_t len = tu_rtp(pkt, 1, (uint16_t)i, 20, 0, 0);
        sg_status st = sg_srtp_protect(tx, pkt, len, prot, sizeof prot, &pl);
        uint32_t ev = sg_srtp_take_events(tx);
        if (i == 10) {
            CHECK_EQ(st, SG_KEY_EXPIRED);
            CHECK(ev & SG_EV_EXHAUSTED);
            break;
        }
        CHECK_EQ(st, SG_OK);
        CHECK_MEM_EQ(prot + len + 16, i < 5 ? m0 : m1, 4); /* GCM: tag, then MKI */
        CHECK_EQ(!!(ev & SG_EV_KEY_SWITCHED), i == 5);
        CHECK_EQ(!!(ev & SG_EV_SOFT_LIMIT), i == 3 || i == 8);
        CHECK_EQ(sg_srtp_unprotect(rx, prot, pl, out, sizeof out, &ol), SG_OK);
        CHECK_MEM_EQ(out, pkt, len);
    }
    sg_srtp_ctx_free(tx);
    sg_srtp_ctx_free(rx);
}

/* Hitless MKI switch (RFC 3711 §8.1): the sender moves from key A to B
 * mid-stream; packets of both, interleaved and reordered, all decode.
 * Then A is retired: a late A packet is UNKNOWN_MKI; B goes on. */
static void test_hitless_switch_and_retire(void)
{
    for (size_t s = 0; s < NSUITES; s++) {
        sg_srtp_params p = {.suite = sg_suite_get(some_suites[s]), .mki_len = 1};
        sg_srtp_params q = p;
        q.mki_len = 4;
        tu_pair t;
        CHECK_EQ(tu_open(&t, &q, 1), 0);
        static uint8_t prot[40][200];
        static size_t pl[40];
        uint8_t pkt[200], out[200], k[32], sl[14], m1[4], m0[4];
        tu_key(0, k, sl, m0);
        tu_key(1, k, sl, m1);
        for (unsigned i = 0; i < 40; i++) {
            if (i == 20) { /* the control plane adds B to both, then switches */
                CHECK_EQ(tu_add(t.rx, 1, 0), SG_OK);
                CHECK_EQ(tu_add(t.tx, 1, 0), SG_OK);
                CHECK_EQ(sg_srtp_use_key(t.tx, m1, 4), SG_OK);
            }
            size_t len = tu_rtp(pkt, 4, (uint16_t)(65520 + i), 30, 0, 0);
            CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot[i], 200, &pl[i]), SG_OK);
        }
        static const unsigned order[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,
                                         10, 11, 12, 13, 14, 15, 16, 20, 17, 21,
                                         18, 22, 19, 23, 25, 24, 26, 27, 28, 29};
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
            size_t ol;
            sg_status st =
                sg_srtp_unprotect(t.rx, prot[order[i]], pl[order[i]], out, sizeof out, &ol);
            CHECK_MSG(st == SG_OK, "%s packet %u: %s", sg_suite_get(some_suites[s])->name, order[i],
                      sg_status_name(st));
        }
        CHECK_EQ(sg_srtp_retire_key(t.tx, m1, 4), SG_BAD_PARAM); /* the send key */
        CHECK_EQ(sg_srtp_retire_key(t.tx, m0, 4), SG_OK);
        CHECK_EQ(sg_srtp_retire_key(t.rx, m0, 4), SG_OK);
        CHECK_EQ(sg_srtp_key_count(t.rx), 1);
        size_t ol;
        /* A packet under the retired A: its MKI is looked up first. */
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[19], pl[19], out, sizeof out, &ol), SG_UNKNOWN_MKI);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot[30], pl[30], out, sizeof out, &ol), SG_OK);
        tu_close(&t);
        (void)p;
    }
    /* Strictly: a not-yet-seen packet under a retired MKI is UNKNOWN_MKI. */
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), .mki_len = 2};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 2), 0);
    uint8_t k[32], sl[14], m0[4], pkt[100], prot[150], out[150];
    tu_key(0, k, sl, m0);
    size_t len = tu_rtp(pkt, 1, 5, 20, 0, 0), pl, ol;
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtp_retire_key(t.rx, m0, 2), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_UNKNOWN_MKI);
    tu_close(&t);
}

/* ROC policy RESET: a switch to a new key restarts the index at ROC 0 on
 * both sides. */
static void test_roc_reset_policy(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80),
                        .mki_len = 1,
                        .roc_policy = SG_ROC_RESET};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 2), 0);
    uint8_t k[32], sl[14], m1[4], pkt[100], prot[150], out[150];
    tu_key(1, k, sl, m1);
    size_t pl, ol;
    uint32_t roc;
    for (unsigned i = 0; i < 10; i++) {
        size_t len = tu_rtp(pkt, 1, (uint16_t)(65530 + i), 20, 0, 0);
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    }
    CHECK_EQ(sg_srtp_get_roc(t.rx, 1, &roc), SG_OK);
    CHECK_EQ(roc, 1);
    /* One more under the old key, held back (delivered late below). */
    uint8_t late[150];
    size_t late_len, len0 = tu_rtp(pkt, 1, 4, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len0, late, sizeof late, &late_len), SG_OK);
    CHECK_EQ(sg_srtp_use_key(t.tx, m1, 1), SG_OK);
    for (unsigned i = 0; i < 5; i++) {
        size_t len = tu_rtp(pkt, 1, (uint16_t)(5 + i), 20, 0, 0);
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    }
    /* With RESET, a late packet under the previous key is rejected. */
    sg_status st = sg_srtp_unprotect(t.rx, late, late_len, out, sizeof out, &ol);
    CHECK_MSG(st != SG_OK, "late old-key packet after a ROC reset: %s", sg_status_name(st));
    CHECK_EQ(sg_srtp_get_roc(t.rx, 1, &roc), SG_OK);
    CHECK_EQ(roc, 0);
    CHECK_EQ(sg_srtp_get_roc(t.tx, 1, &roc), SG_OK);
    CHECK_EQ(roc, 0);
    tu_close(&t);
}

/* Review finding: with SG_ROC_RESET the switch to a newer key clears the
 * stream's replay window (the index restarts), but packets under the older
 * key are still accepted by MKI. A packet the receiver already accepted
 * under the old key, replayed after the switch, must still be a replay
 * (RFC 3711 §3.3.2: the receiver never accepts a packet twice). */
static void test_roc_reset_no_replay_of_old_key(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80),
                        .mki_len = 1,
                        .roc_policy = SG_ROC_RESET};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 2), 0);
    uint8_t k[32], sl[14], m1[4], pkt[100], prot[150], out[150], saved[10][150];
    size_t saved_len[10], pl, ol;
    tu_key(1, k, sl, m1);
    for (unsigned i = 0; i < 10; i++) {
        size_t len = tu_rtp(pkt, 1, (uint16_t)(100 + i), 20, 0, 0);
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, saved[i], sizeof saved[i], &saved_len[i]), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, saved[i], saved_len[i], out, sizeof out, &ol), SG_OK);
    }
    CHECK_EQ(sg_srtp_use_key(t.tx, m1, 1), SG_OK);
    for (unsigned i = 0; i < 5; i++) {
        size_t len = tu_rtp(pkt, 1, (uint16_t)(110 + i), 20, 0, 0);
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    }
    for (unsigned i = 0; i < 10; i++) {
        sg_status st = sg_srtp_unprotect(t.rx, saved[i], saved_len[i], out, sizeof out, &ol);
        CHECK_MSG(st != SG_OK, "old-key packet seq %u replayed after a ROC reset: accepted",
                  100 + i);
    }
    /* The new key's stream is unharmed. */
    size_t len = tu_rtp(pkt, 1, 115, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    tu_close(&t);
}

/* Review finding: with SG_ROC_RESET, moving the send key back to an older
 * key restarted that key's index at ROC 0, where it had already encrypted
 * (here it ran past a wrap, so every ROC-0 index was used): the same
 * keystream twice (RFC 3711 §9.1). The sender must refuse. */
static void test_roc_reset_no_keystream_reuse(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80),
                        .mki_len = 1,
                        .roc_policy = SG_ROC_RESET};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 2), 0);
    uint8_t k[32], sl[14], m0[4], m1[4], pkt[100], prot[150];
    size_t pl, len;
    tu_key(0, k, sl, m0);
    tu_key(1, k, sl, m1);
    for (unsigned i = 0; i < 10; i++) { /* key 0 over a wrap: ROC 0 and 1 */
        len = tu_rtp(pkt, 1, (uint16_t)(65530 + i), 20, 0, 0);
        CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    }
    CHECK_EQ(sg_srtp_use_key(t.tx, m1, 1), SG_OK);
    len = tu_rtp(pkt, 1, 4, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtp_use_key(t.tx, m0, 1), SG_OK);
    len = tu_rtp(pkt, 1, 65531, 20, 0, 0); /* index (0, 65531) was used under key 0 */
    sg_status st = sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl);
    CHECK_MSG(st != SG_OK, "protect under an older key after a ROC reset reused an index");
    tu_close(&t);
}

/* The SRTCP index never wraps (RFC 3711 §3.4, §9.2): a stream whose index
 * reached 2^31 - 1 refuses further SRTCP with KEY_EXPIRED; other SSRCs go
 * on. (The index is set through the internal stream state: 2^31 packets
 * would take too long.) */
static void test_srtcp_index_exhaustion(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80)};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    uint8_t pkt[100], prot[150], out[150];
    size_t len = tu_rtcp(pkt, 21, 0, 0), pl, ol;
    CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    sg_stream *sm = NULL;
    bool fresh = true;
    CHECK_EQ(sg_stream_find(t.tx, 21, &sm, &fresh), SG_OK);
    CHECK(!fresh);
    sm->rtcp.hi = 0x7ffffffe;
    CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(prot[len] & 0x7f, 0x7f); /* index 2^31 - 1 on the wire */
    CHECK_EQ(sg_srtcp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_KEY_EXPIRED);
    len = tu_rtcp(pkt, 22, 0, 0);
    CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    tu_close(&t);
}

/* evict_lru: with every slot taken, a new SSRC's first good packet
 * replaces the least recently used stream; a forged packet of a new SSRC
 * evicts nothing; without evict_lru it is TOO_MANY_SSRC (test_bad_params). */
static void test_evict_lru(void)
{
    sg_srtp_params p = {
        .suite = sg_suite_get(SG_SUITE_AEAD_AES_128_GCM), .max_ssrcs = 2, .evict_lru = true};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    uint8_t pkt[100], a1[150], prot[150], out[150];
    size_t a1l, pl, ol, len;
    uint32_t roc;
    /* A, B, then A again: B is the least recently used. */
    len = tu_rtp(pkt, 0xA, 1, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, a1, sizeof a1, &a1l), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(t.rx, a1, a1l, out, sizeof out, &ol), SG_OK);
    len = tu_rtp(pkt, 0xB, 1, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    len = tu_rtp(pkt, 0xA, 2, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    /* A forged packet of a new SSRC C: rejected, nothing evicted. */
    len = tu_rtp(pkt, 0xC, 1, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK); /* evicts B in tx */
    prot[pl - 1] ^= 1;
    CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_AUTH_FAIL);
    CHECK_EQ(sg_srtp_get_roc(t.rx, 0xB, &roc), SG_OK);
    CHECK_EQ(sg_srtp_get_roc(t.rx, 0xC, &roc), SG_BAD_PARAM);
    /* The genuine C packet replaces B; A keeps its window. */
    prot[pl - 1] ^= 1;
    CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    CHECK_EQ(sg_srtp_get_roc(t.rx, 0xB, &roc), SG_BAD_PARAM);
    CHECK_EQ(sg_srtp_get_roc(t.rx, 0xC, &roc), SG_OK);
    CHECK_EQ(sg_srtp_unprotect(t.rx, a1, a1l, out, sizeof out, &ol), SG_REPLAY);
    /* SRTCP of a new SSRC evicts the LRU too (now A). */
    len = tu_rtcp(pkt, 0xD, 0, 0);
    CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
    CHECK_EQ(sg_srtcp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
    CHECK_EQ(sg_srtp_get_roc(t.rx, 0xA, &roc), SG_BAD_PARAM);
    CHECK_EQ(sg_srtp_get_roc(t.rx, 0xC, &roc), SG_OK);
    tu_close(&t);
}

/* Bad parameters and keys. */
static void test_bad_params(void)
{
    const sg_suite *cm = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    sg_srtp_ctx *ctx = NULL;
    sg_srtp_params p = {.suite = cm, .dir = SG_SRTP_PROTECT};
    CHECK_EQ(sg_srtp_ctx_new(NULL, &ctx), SG_BAD_PARAM);
    CHECK_EQ(sg_srtp_ctx_new(&p, NULL), SG_BAD_PARAM);
    sg_srtp_params b = p;
    b.suite = NULL;
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_BAD_PARAM);
    sg_suite fake = *cm;
    b.suite = &fake; /* not a row of the table */
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_BAD_PARAM);
    b = p;
    b.dir = 0;
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_BAD_PARAM);
    b = p;
    b.replay_window = SG_SRTP_MAX_WINDOW + 1;
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_BAD_PARAM);
    b = p;
    b.kdr = 25;
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_BAD_PARAM);
    b = p;
    b.mki_len = SG_SRTP_MAX_MKI_LEN + 1;
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_BAD_PARAM);
    b = p;
    b.suite = sg_suite_get(SG_SUITE_AEAD_AES_256_GCM);
    b.unauthenticated_srtp = true;
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_UNSUPPORTED);
    CHECK(ctx == NULL);
    sg_srtp_ctx_free(NULL);

    /* Keys: missing key or salt, no MKI where one is needed, duplicates,
     * a full table, a second key without MKI. */
    b = p;
    b.mki_len = 2;
    CHECK_EQ(sg_srtp_ctx_new(&b, &ctx), SG_OK);
    uint8_t key[32] = {1}, salt[14] = {2}, mki[2] = {0, 0};
    sg_srtp_key k = {.master_key = NULL, .master_salt = salt, .mki = mki};
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_BAD_KEY);
    k.master_key = key;
    k.master_salt = NULL;
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_BAD_KEY);
    k.master_salt = salt;
    k.mki = NULL;
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_BAD_PARAM);
    CHECK_EQ(sg_srtp_add_key(ctx, NULL), SG_BAD_PARAM);
    k.mki = mki;
    for (int i = 0; i < SG_SRTP_MAX_KEYS; i++) {
        mki[1] = (uint8_t)i;
        CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_OK);
    }
    mki[1] = 99;
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_TOO_MANY_KEYS);
    mki[1] = 3;
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_DUPLICATE_MKI);
    CHECK_EQ(sg_srtp_retire_key(ctx, mki, 2), SG_OK);
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_OK);
    CHECK_EQ(sg_srtp_key_count(ctx), SG_SRTP_MAX_KEYS);
    sg_srtp_key_info info;
    CHECK_EQ(sg_srtp_key_info_get(ctx, SG_SRTP_MAX_KEYS, &info), SG_BAD_PARAM);
    CHECK_EQ(sg_srtp_overhead(ctx), 2 + 10);
    sg_srtp_ctx_free(ctx);

    CHECK_EQ(sg_srtp_ctx_new(&p, &ctx), SG_OK);
    uint8_t pkt[100], out[200];
    size_t len = tu_rtp(pkt, 1, 1, 20, 0, 0), ol;
    CHECK_EQ(sg_srtp_protect(ctx, pkt, len, out, sizeof out, &ol), SG_NO_KEY);
    CHECK_EQ(sg_srtcp_protect(ctx, pkt, len, out, sizeof out, &ol), SG_NO_KEY);
    k.mki = NULL;
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_OK);
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_TOO_MANY_KEYS); /* no MKI: one key */
    CHECK_EQ(sg_srtp_protect(ctx, pkt, len, out, len + 9, &ol), SG_BUFFER_SMALL);
    CHECK_EQ(sg_srtcp_protect(ctx, pkt, len, out, len + 13, &ol), SG_BUFFER_SMALL);
    CHECK_EQ(sg_srtp_unprotect(ctx, pkt, len, out, sizeof out, &ol), SG_BAD_PARAM); /* wrong dir */
    CHECK_EQ(sg_srtp_protect(ctx, NULL, len, out, sizeof out, &ol), SG_BAD_PARAM);
    CHECK_EQ(sg_srtp_protect(ctx, pkt, len, out, sizeof out, NULL), SG_BAD_PARAM);
    CHECK_EQ(sg_srtp_protect(ctx, pkt, len, pkt + 1, 99, &ol), SG_BAD_PARAM); /* overlap */
    CHECK_EQ(sg_srtp_use_key(ctx, mki, 2), SG_BAD_PARAM); /* no MKI in this context */
    CHECK_EQ(sg_srtp_get_roc(ctx, 12345, &ol == NULL ? NULL : (uint32_t[]){0}), SG_BAD_PARAM);
    sg_srtp_ctx_free(ctx);

    /* TOO_MANY_SSRC: a 2-stream context refuses the third SSRC, keeps the two. */
    p.max_ssrcs = 2;
    CHECK_EQ(sg_srtp_ctx_new(&p, &ctx), SG_OK);
    CHECK_EQ(sg_srtp_add_key(ctx, &k), SG_OK);
    for (uint32_t s = 1; s <= 3; s++) {
        len = tu_rtp(pkt, s, 1, 20, 0, 0);
        CHECK_EQ(sg_srtp_protect(ctx, pkt, len, out, sizeof out, &ol),
                 s <= 2 ? SG_OK : SG_TOO_MANY_SSRC);
    }
    CHECK_EQ(sg_srtp_set_roc(ctx, 3, 1), SG_TOO_MANY_SSRC);
    len = tu_rtp(pkt, 2, 2, 20, 0, 0);
    CHECK_EQ(sg_srtp_protect(ctx, pkt, len, out, sizeof out, &ol), SG_OK);
    sg_srtp_ctx_free(ctx);

    /* Every status has a string and a name. */
    for (int st = 0; st <= SG_BAD_KEY; st++) {
        CHECK(sg_status_str((sg_status)st) != NULL);
        CHECK(strcmp(sg_status_name((sg_status)st), "UNKNOWN") != 0);
    }
    CHECK_STR_EQ(sg_status_str((sg_status)999), "unknown status");
}

int main(void)
{
    RUN(test_replay_and_too_old);
    RUN(test_protect_refuses_index_reuse);
    RUN(test_forged_every_byte);
    RUN(test_forged_interleaved);
    RUN(test_truncated_every_length);
    RUN(test_unknown_mki);
    RUN(test_lifetime_and_soft_limit);
    RUN(test_auto_switch);
    RUN(test_hitless_switch_and_retire);
    RUN(test_roc_reset_policy);
    RUN(test_roc_reset_no_replay_of_old_key);
    RUN(test_roc_reset_no_keystream_reuse);
    RUN(test_srtcp_index_exhaustion);
    RUN(test_evict_lru);
    RUN(test_bad_params);
    return check_summary("srtp_negative");
}
