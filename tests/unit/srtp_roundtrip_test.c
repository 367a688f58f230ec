/*
 * tests/unit/srtp_roundtrip_test.c — protect then unprotect through the public
 * API for every suite and session-parameter combination, with and without
 * MKI: sequence wrap (ROC 0 -> 1, RFC 3711 Appendix A), CSRCs and header
 * extensions, in-place operation, loss and reordering inside the replay
 * window (§3.3.2), SRTCP index and E flag (§3.4), and the key derivation
 * rate (§4.3.1: new session keys every 2^kdr packets, per SSRC).
 */
#include "tests/check.h"
#include "tests/unit/srtp_util.h"

struct combo {
    const char *name;
    bool ue_srtp, ue_srtcp, ua_srtp;
    uint8_t kdr;
};
/* RFC 4568 §6.3.2 session parameters and KDR (§6.3.1). */
static const struct combo combos[] = {
    {"plain", false, false, false, 0},
    {"UNENCRYPTED_SRTP", true, false, false, 0},
    {"UNENCRYPTED_SRTCP", false, true, false, 0},
    {"UNAUTHENTICATED_SRTP", false, false, true, 0},
    {"all three", true, true, true, 0},
    {"KDR=3", false, false, false, 3},
    {"KDR=1 UNENCRYPTED_SRTCP", false, true, false, 1},
};

/* One suite/combo/MKI case: 24 SRTP packets from seq 65530 (across the
 * wrap) with CSRCs and an extension on some, 6 SRTCP packets. */
static int run_case(sg_suite_id id, const struct combo *c, uint8_t mki_len, const char **why)
{
    const sg_suite *su = sg_suite_get(id);
    if (su->cipher == SG_CIPHER_AES_GCM && c->ua_srtp)
        return 0; /* GCM always authenticates: ctx_new says UNSUPPORTED (tested elsewhere) */
    sg_srtp_params p = {.suite = su,
                        .mki_len = mki_len,
                        .unencrypted_srtp = c->ue_srtp,
                        .unencrypted_srtcp = c->ue_srtcp,
                        .unauthenticated_srtp = c->ua_srtp,
                        .kdr = c->kdr};
    tu_pair t;
    if (tu_open(&t, &p, mki_len ? 2 : 1) != 0) {
        *why = "open";
        tu_close(&t);
        return -1;
    }
    static uint8_t rtp[TU_BUF], prot[TU_BUF], out[TU_BUF];
    int rc = -1;
    size_t tag = c->ua_srtp ? 0 : su->srtp_tag_len;
    for (unsigned i = 0; i < 24; i++) {
        uint16_t seq = (uint16_t)(65530 + i);
        size_t len = tu_rtp(rtp, 0x1234abcd, seq, 20 + 7 * i, i % 3, i % 2 ? 2 : 0);
        size_t plen = 0, olen = 0;
        if (mki_len && i == 12) {
            uint8_t k[32], s[14], m[4];
            tu_key(1, k, s, m);
            if (sg_srtp_use_key(t.tx, m, 4) != SG_OK) {
                *why = "use_key";
                goto out;
            }
        }
        if (sg_srtp_protect(t.tx, rtp, len, prot, sizeof prot, &plen) != SG_OK) {
            *why = "protect";
            goto out;
        }
        if (plen != len + mki_len + tag) {
            *why = "protected length";
            goto out;
        }
        size_t hdr = 12 + 4 * (i % 3) + (i % 2 ? 12 : 0);
        bool same = memcmp(prot + hdr, rtp + hdr, len - hdr) == 0;
        if (same != c->ue_srtp || memcmp(prot, rtp, hdr) != 0) {
            *why = c->ue_srtp ? "UNENCRYPTED_SRTP changed the payload"
                              : "payload in clear or header changed";
            goto out;
        }
        if (sg_srtp_unprotect(t.rx, prot, plen, out, sizeof out, &olen) != SG_OK || olen != len ||
            memcmp(out, rtp, len) != 0) {
            *why = "unprotect";
            goto out;
        }
    }
    uint32_t roc = 99;
    if (sg_srtp_get_roc(t.rx, 0x1234abcd, &roc) != SG_OK || roc != 1 ||
        sg_srtp_get_roc(t.tx, 0x1234abcd, &roc) != SG_OK || roc != 1) {
        *why = "ROC after the wrap is not 1";
        goto out;
    }
    for (unsigned i = 0; i < 6; i++) {
        size_t len = tu_rtcp(rtp, 0x1234abcd, i, 4 * i), plen = 0, olen = 0;
        if (sg_srtcp_protect(t.tx, rtp, len, prot, sizeof prot, &plen) != SG_OK ||
            plen != len + 4 + mki_len + su->srtcp_tag_len) {
            *why = "srtcp protect";
            goto out;
        }
        /* E flag and index (§3.4): index i, E = encrypted. */
        const uint8_t *e = su->cipher == SG_CIPHER_AES_GCM ? prot + len + 16 : prot + len;
        uint32_t eidx = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
        if (eidx != ((c->ue_srtcp ? 0 : 0x80000000u) | i)) {
            *why = "SRTCP E flag or index";
            goto out;
        }
        bool same = memcmp(prot + 8, rtp + 8, len - 8) == 0;
        if (same != c->ue_srtcp) {
            *why = "SRTCP encryption does not follow UNENCRYPTED_SRTCP";
            goto out;
        }
        if (sg_srtcp_unprotect(t.rx, prot, plen, out, sizeof out, &olen) != SG_OK || olen != len ||
            memcmp(out, rtp, len) != 0) {
            *why = "srtcp unprotect";
            goto out;
        }
    }
    rc = 0;
out:
    tu_close(&t);
    return rc;
}

static void test_every_suite_combo_mki(void)
{
    static const uint8_t mkis[] = {0, 4};
    for (int id = 0; id < SG_SUITE_COUNT; id++)
        for (size_t c = 0; c < sizeof combos / sizeof combos[0]; c++)
            for (size_t m = 0; m < sizeof mkis; m++) {
                const char *why = "?";
                int rc = run_case((sg_suite_id)id, &combos[c], mkis[m], &why);
                CHECK_MSG(rc == 0, "%s %s mki %u: %s", sg_suite_get((sg_suite_id)id)->name,
                          combos[c].name, mkis[m], why);
            }
}

/* In place (in == out) for protect and unprotect, SRTP and SRTCP. */
static void test_in_place(void)
{
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        sg_srtp_params p = {.suite = sg_suite_get((sg_suite_id)id), .mki_len = 4};
        tu_pair t;
        CHECK_EQ(tu_open(&t, &p, 1), 0);
        uint8_t ref[TU_BUF], buf[TU_BUF];
        size_t len = tu_rtp(ref, 7, 100, 160, 1, 1), n = 0, m = 0;
        memcpy(buf, ref, len);
        sg_status a = sg_srtp_protect(t.tx, buf, len, buf, sizeof buf, &n);
        sg_status b = sg_srtp_unprotect(t.rx, buf, n, buf, sizeof buf, &m);
        size_t rlen = tu_rtcp(ref + 1000, 7, 1, 40);
        memcpy(buf + 1000, ref + 1000, rlen);
        sg_status c = sg_srtcp_protect(t.tx, buf + 1000, rlen, buf + 1000, 1000, &n);
        sg_status d = sg_srtcp_unprotect(t.rx, buf + 1000, n, buf + 1000, 1000, &n);
        tu_close(&t);
        CHECK_EQ(a, SG_OK);
        CHECK_EQ(b, SG_OK);
        CHECK_EQ(m, len);
        CHECK_MEM_EQ(buf, ref, len);
        CHECK_EQ(c, SG_OK);
        CHECK_EQ(d, SG_OK);
        CHECK_EQ(n, rlen);
        CHECK_MEM_EQ(buf + 1000, ref + 1000, rlen);
    }
}

/* Deterministic shuffle: xorshift. */
static uint32_t rng_state = 0x9e3779b9u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Loss and reordering inside the window (RFC 3711 §3.3.2), across a
 * sequence wrap: each packet is displaced by up to window/2 places, 10% are
 * lost; every delivered packet decodes and a second copy is a REPLAY. */
static void test_loss_reorder_in_window(void)
{
    static const uint16_t windows[] = {64, 128, 1024, SG_SRTP_MAX_WINDOW};
    static uint8_t prot[3000][200];
    static size_t plen[3000];
    static unsigned order[3000];
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        unsigned n = windows[w] < 1024 ? 1000 : 3000;
        sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80),
                            .replay_window = windows[w]};
        tu_pair t;
        CHECK_EQ(tu_open(&t, &p, 1), 0);
        uint8_t rtp[200], out[200];
        for (unsigned i = 0; i < n; i++) {
            size_t len = tu_rtp(rtp, 42, (uint16_t)(65000 + i), 100, 0, 0);
            CHECK_EQ(sg_srtp_protect(t.tx, rtp, len, prot[i], sizeof prot[i], &plen[i]), SG_OK);
            order[i] = i;
        }
        /* Shuffle within blocks of window/2 packets: no packet arrives
         * more than window/2 late, so none falls out of the window. */
        unsigned d = windows[w] / 2;
        for (unsigned b0 = 0; b0 < n; b0 += d) {
            unsigned bl = n - b0 < d ? n - b0 : d;
            for (unsigned i = bl - 1; i > 0; i--) {
                unsigned j = rnd() % (i + 1), tmp = order[b0 + i];
                order[b0 + i] = order[b0 + j];
                order[b0 + j] = tmp;
            }
        }
        /* The receiver's first packet sets its ROC guess (Appendix A): it
         * must come from before the wrap, as in a real call. */
        for (unsigned k = 0; k < n; k++)
            if (order[k] == 0) {
                order[k] = order[0];
                order[0] = 0;
            }
        unsigned ok = 0, lost = 0;
        for (unsigned k = 0; k < n; k++) {
            if (k > 0 && rnd() % 10 == 0) {
                lost++;
                continue;
            }
            size_t olen = 0;
            sg_status st =
                sg_srtp_unprotect(t.rx, prot[order[k]], plen[order[k]], out, sizeof out, &olen);
            CHECK_MSG(st == SG_OK, "window %u packet %u: %s", windows[w], order[k],
                      sg_status_name(st));
            st = sg_srtp_unprotect(t.rx, prot[order[k]], plen[order[k]], out, sizeof out, &olen);
            CHECK_MSG(st == SG_REPLAY, "window %u packet %u again: %s", windows[w], order[k],
                      sg_status_name(st));
            ok++;
        }
        tu_close(&t);
        CHECK_EQ(ok + lost, n);
        CHECK(lost > 0);
    }
}

/* KDR (RFC 3711 §4.3.1): with kdr n the session keys change every 2^n
 * packets. Packets whose index DIV 2^n is 0 use the same keys as kdr 0
 * (r = 0), so their bytes equal a kdr-0 sender's; from index 2^n on they
 * differ. A receiver with the same kdr decodes all; one with another kdr
 * (or none) fails from the first index where r differs. */
static void test_kdr_boundaries(void)
{
    const uint8_t n = 4;
    sg_srtp_params p0 = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80)};
    sg_srtp_params pk = p0, pk2 = p0;
    pk.kdr = n;
    pk2.kdr = n + 1;
    tu_pair a, b, c;
    CHECK_EQ(tu_open(&a, &p0, 1), 0);
    CHECK_EQ(tu_open(&b, &pk, 1), 0);
    CHECK_EQ(tu_open(&c, &pk2, 1), 0);
    uint8_t rtp[200], x[200], y[200], out[200];
    for (unsigned seq = 0; seq < 80; seq++) {
        size_t len = tu_rtp(rtp, 5, (uint16_t)seq, 60, 0, 0), xl, yl, ol;
        CHECK_EQ(sg_srtp_protect(a.tx, rtp, len, x, sizeof x, &xl), SG_OK);
        CHECK_EQ(sg_srtp_protect(b.tx, rtp, len, y, sizeof y, &yl), SG_OK);
        bool same = xl == yl && memcmp(x, y, xl) == 0;
        CHECK_MSG(same == (seq < (1u << n)), "seq %u: kdr %u bytes %s kdr 0's", seq, n,
                  same ? "equal" : "differ from");
        /* Same kdr decodes. */
        CHECK_EQ(sg_srtp_unprotect(b.rx, y, yl, out, sizeof out, &ol), SG_OK);
        CHECK_MEM_EQ(out, rtp, len);
        /* kdr n+1 agrees while index DIV 2^n == index DIV 2^(n+1), i.e. below 2^n. */
        sg_status st = sg_srtp_unprotect(c.rx, y, yl, out, sizeof out, &ol);
        CHECK_MSG((st == SG_OK) == (seq < (1u << n)), "seq %u with kdr %u receiver: %s", seq, n + 1,
                  sg_status_name(st));
        if (st != SG_OK)
            CHECK_EQ(st, SG_AUTH_FAIL);
        /* kdr 0 receiver also fails from 2^n on. */
        st = sg_srtp_unprotect(a.rx, y, yl, out, sizeof out, &ol);
        CHECK_MSG((st == SG_OK) == (seq < (1u << n)), "seq %u with kdr 0 receiver: %s", seq,
                  sg_status_name(st));
    }
    /* SRTCP with KDR: the SRTCP index drives r (§4.3.2). */
    for (unsigned i = 0; i < 40; i++) {
        size_t len = tu_rtcp(rtp, 5, i, 8), yl, ol;
        CHECK_EQ(sg_srtcp_protect(b.tx, rtp, len, y, sizeof y, &yl), SG_OK);
        CHECK_EQ(sg_srtcp_unprotect(b.rx, y, yl, out, sizeof out, &ol), SG_OK);
        CHECK_MEM_EQ(out, rtp, len);
    }
    tu_close(&a);
    tu_close(&b);
    tu_close(&c);
}

/* KDR keys are per SSRC (the index is): two streams at different r in one
 * context, interleaved, both decode. */
static void test_kdr_two_streams(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AEAD_AES_128_GCM), .kdr = 2};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    uint8_t rtp[200], y[200], out[200];
    for (unsigned i = 0; i < 40; i++) {
        uint32_t ssrc = i % 2 ? 1 : 2;
        uint16_t seq = (uint16_t)(i % 2 ? 1000 + i : 30000 + 3 * i);
        size_t len = tu_rtp(rtp, ssrc, seq, 50, 0, 0), yl, ol;
        CHECK_EQ(sg_srtp_protect(t.tx, rtp, len, y, sizeof y, &yl), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, y, yl, out, sizeof out, &ol), SG_OK);
        CHECK_MEM_EQ(out, rtp, len);
    }
    tu_close(&t);
}

/* sg_srtp_set_roc: both sides start at ROC 7 near a wrap; ROC 8 after. */
static void test_set_roc(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_256_CM_HMAC_SHA1_32)};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    CHECK_EQ(sg_srtp_set_roc(t.tx, 9, 7), SG_OK);
    CHECK_EQ(sg_srtp_set_roc(t.rx, 9, 7), SG_OK);
    uint8_t rtp[200], y[200], out[200];
    for (unsigned i = 0; i < 10; i++) {
        size_t len = tu_rtp(rtp, 9, (uint16_t)(65533 + i), 40, 0, 0), yl, ol;
        CHECK_EQ(sg_srtp_protect(t.tx, rtp, len, y, sizeof y, &yl), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, y, yl, out, sizeof out, &ol), SG_OK);
    }
    uint32_t roc = 0;
    CHECK_EQ(sg_srtp_get_roc(t.rx, 9, &roc), SG_OK);
    CHECK_EQ(roc, 8);
    /* A receiver that believes ROC 0 fails authentication (ROC is in the tag). */
    sg_srtp_ctx *rx0 = NULL;
    sg_srtp_params q = p;
    q.dir = SG_SRTP_UNPROTECT;
    CHECK_EQ(sg_srtp_ctx_new(&q, &rx0), SG_OK);
    CHECK_EQ(tu_add(rx0, 0, 0), SG_OK);
    size_t len = tu_rtp(rtp, 9, 20, 40, 0, 0), yl, ol;
    CHECK_EQ(sg_srtp_protect(t.tx, rtp, len, y, sizeof y, &yl), SG_OK);
    sg_status st = sg_srtp_unprotect(rx0, y, yl, out, sizeof out, &ol);
    sg_srtp_ctx_free(rx0);
    tu_close(&t);
    CHECK_EQ(st, SG_AUTH_FAIL);
}

/* Many SSRCs in one context up to max_ssrcs, each its own ROC/window. */
static void test_many_ssrcs(void)
{
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), .max_ssrcs = 64};
    tu_pair t;
    CHECK_EQ(tu_open(&t, &p, 1), 0);
    uint8_t rtp[200], y[200], out[200];
    for (unsigned i = 0; i < 64 * 5; i++) {
        uint32_t ssrc = 1000 + i % 64;
        size_t len = tu_rtp(rtp, ssrc, (uint16_t)(65534 + i / 64), 30, 0, 0), yl, ol;
        CHECK_EQ(sg_srtp_protect(t.tx, rtp, len, y, sizeof y, &yl), SG_OK);
        CHECK_EQ(sg_srtp_unprotect(t.rx, y, yl, out, sizeof out, &ol), SG_OK);
    }
    uint32_t roc;
    CHECK_EQ(sg_srtp_get_roc(t.rx, 1063, &roc), SG_OK);
    CHECK_EQ(roc, 1);
    tu_close(&t);
}

/* The longest MKI RFC 4568 §6.1 allows (128 bytes), two keys, a switch:
 * SRTP and SRTCP carry it and the receiver selects by it. */
static void test_mki_128_bytes(void)
{
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        sg_srtp_params p = {.suite = sg_suite_get((sg_suite_id)id), .mki_len = SG_SRTP_MAX_MKI_LEN};
        sg_srtp_params a = p, b = p;
        a.dir = SG_SRTP_PROTECT;
        b.dir = SG_SRTP_UNPROTECT;
        sg_srtp_ctx *tx = NULL, *rx = NULL;
        CHECK_EQ(sg_srtp_ctx_new(&a, &tx), SG_OK);
        CHECK_EQ(sg_srtp_ctx_new(&b, &rx), SG_OK);
        uint8_t mki[2][SG_SRTP_MAX_MKI_LEN];
        for (int k = 0; k < 2; k++) {
            uint8_t key[32], salt[14], m4[4];
            tu_key((unsigned)k, key, salt, m4);
            memset(mki[k], 0xa0, sizeof mki[k]);
            mki[k][SG_SRTP_MAX_MKI_LEN - 1] = (uint8_t)k; /* differ in the last byte only */
            sg_srtp_key kk = {.master_key = key, .master_salt = salt, .mki = mki[k]};
            CHECK_EQ(sg_srtp_add_key(tx, &kk), SG_OK);
            CHECK_EQ(sg_srtp_add_key(rx, &kk), SG_OK);
        }
        CHECK_EQ(sg_srtp_overhead(tx),
                 SG_SRTP_MAX_MKI_LEN + sg_suite_get((sg_suite_id)id)->srtp_tag_len);
        uint8_t pkt[400], prot[400], out[400];
        for (unsigned i = 0; i < 6; i++) {
            if (i == 3)
                CHECK_EQ(sg_srtp_use_key(tx, mki[1], SG_SRTP_MAX_MKI_LEN), SG_OK);
            size_t len = tu_rtp(pkt, 3, (uint16_t)i, 50, 0, 0), pl, ol;
            CHECK_EQ(sg_srtp_protect(tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
            CHECK_EQ(pl, len + sg_srtp_overhead(tx));
            CHECK_EQ(sg_srtp_unprotect(rx, prot, pl, out, sizeof out, &ol), SG_OK);
            CHECK_MEM_EQ(out, pkt, len);
            len = tu_rtcp(pkt, 3, i, 4);
            CHECK_EQ(sg_srtcp_protect(tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
            CHECK_EQ(sg_srtcp_unprotect(rx, prot, pl, out, sizeof out, &ol), SG_OK);
            CHECK_MEM_EQ(out, pkt, len);
        }
        sg_srtp_key_info info;
        CHECK_EQ(sg_srtp_key_info_get(rx, 1, &info), SG_OK);
        CHECK_EQ(info.mki_len, SG_SRTP_MAX_MKI_LEN);
        CHECK_MEM_EQ(info.mki, mki[1], SG_SRTP_MAX_MKI_LEN);
        CHECK_EQ(info.srtp_used, 3);
        CHECK_EQ(info.srtcp_used, 3);
        sg_srtp_ctx_free(tx);
        sg_srtp_ctx_free(rx);
    }
}

int main(void)
{
    RUN(test_every_suite_combo_mki);
    RUN(test_in_place);
    RUN(test_loss_reorder_in_window);
    RUN(test_kdr_boundaries);
    RUN(test_kdr_two_streams);
    RUN(test_set_roc);
    RUN(test_many_ssrcs);
    RUN(test_mki_128_bytes);
    return check_summary("srtp_roundtrip");
}
