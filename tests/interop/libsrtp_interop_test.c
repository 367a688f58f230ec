/*
 * tests/interop/libsrtp_interop_test.c — SRTP interop with Debian's libsrtp2 2.5
 * (RFC 3711 §3.3, RFC 6188, RFC 7714) in both directions, for every suite
 * libsrtp2 has: sdesgate protects -> libsrtp2 unprotects and the reverse,
 * payload equal; both sides protecting the same RTP packet must produce the
 * same SRTP bytes (the transform is deterministic). With and without MKI
 * (srtp_protect_mki / srtp_unprotect_mki), across a sequence number wrap
 * (ROC 0 -> 1, RFC 3711 Appendix A), from a preset ROC, and with loss and
 * reordering inside the replay window (§3.3.2).
 *
 * F8_128_HMAC_SHA1_80 is not tested here: libsrtp2 2.5 has no F8 cipher in
 * its public API (no SRTP_AES_F8 id in crypto_types.h, no policy setter), so
 * there is no peer to talk to. F8 is covered by the RFC 3711 B.2 vectors.
 * Neither is KDR: libsrtp2's policy has no key derivation rate (it derives
 * once, as KDR 0 does), so only the default is cross-checked.
 * AES_192_CM_HMAC_SHA1_80/_32 are left out of the exchanges because
 * libsrtp2 derives their keys wrongly; test_aes192_libsrtp_kdf_defect shows
 * that with an independent reference built from OpenSSL primitives.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tests/check.h"
#include "tests/interop/libsrtp_peer.h"

/* libsrtp2 protect of rtp into out with send key `key` (MKI index). */
static int ls_protect(lsp_peers *p, const uint8_t *rtp, size_t len, unsigned key, uint8_t *out,
                      size_t *out_len)
{
    memcpy(out, rtp, len);
    int l = (int)len;
    int st = srtp_protect_mki(p->ls_tx, out, &l, p->s.mki_len ? 1 : 0, key);
    *out_len = (size_t)l;
    return st;
}

static int ls_unprotect(lsp_peers *p, const uint8_t *srtp, size_t len, uint8_t *out,
                        size_t *out_len)
{
    memcpy(out, srtp, len);
    int l = (int)len;
    int st = srtp_unprotect_mki(p->ls_rx, out, &l, p->s.mki_len ? 1 : 0);
    *out_len = (size_t)l;
    return st;
}

static const size_t sizes[] = {160, 0, 1, 17, 1200, 20, 333};

/*
 * Sends n packets from seq0 on, with send key `key`, through both senders;
 * each receiver gets the other implementation's packet. Fails on the first
 * difference, naming suite and sequence number.
 */
static int exchange(lsp_peers *p, uint16_t seq0, unsigned n, unsigned key, const char **why,
                    unsigned *at)
{
    static uint8_t rtp[LSP_BUF], a[LSP_BUF], b[LSP_BUF], ra[LSP_BUF], rb[LSP_BUF];
    for (unsigned i = 0; i < n; i++) {
        uint16_t seq = (uint16_t)(seq0 + i);
        *at = seq;
        size_t len = lsp_rtp(rtp, p->s.ssrc, seq, 1000u + 160u * i, sizes[i % 7], i % 8);
        size_t alen = 0, blen = 0, ralen = 0, rblen = 0;
        if (sg_srtp_protect(p->ours_tx, rtp, len, a, sizeof a, &alen) != SG_OK) {
            *why = "sg_srtp_protect failed";
            return -1;
        }
        if (ls_protect(p, rtp, len, key, b, &blen) != 0) {
            *why = "libsrtp2 srtp_protect_mki failed";
            return -1;
        }
        int lst = ls_unprotect(p, a, alen, ra, &ralen);
        if (lst != 0) {
            *why = lst == srtp_err_status_auth_fail ? "libsrtp2 rejects ours: auth_fail"
                   : lst == srtp_err_status_bad_mki ? "libsrtp2 rejects ours: bad_mki"
                                                    : "libsrtp2 rejects ours";
            return -1;
        }
        if (ralen != len || memcmp(ra, rtp, len) != 0) {
            *why = "libsrtp2 decrypted ours to a different RTP packet";
            return -1;
        }
        sg_status st = sg_srtp_unprotect(p->ours_rx, b, blen, rb, sizeof rb, &rblen);
        if (st != SG_OK) {
            *why = sg_status_str(st);
            return -1;
        }
        if (rblen != len || memcmp(rb, rtp, len) != 0) {
            *why = "ours decrypted libsrtp2's packet to a different RTP packet";
            return -1;
        }
        if (alen != blen || memcmp(a, b, alen) != 0) {
            *why = "ours and libsrtp2 produce different SRTP bytes for the same packet";
            return -1;
        }
    }
    return 0;
}

static lsp_setup base(sg_suite_id id)
{
    lsp_setup s = {.suite = id, .ssrc = 0x5eedf00d, .mki_len = 0, .nkeys = 1, .window = 128};
    return s;
}

/* Every libsrtp2 suite, no MKI: bytes equal, both directions. */
static void test_all_suites_no_mki(void)
{
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        if (!lsp_interop_suite((sg_suite_id)id))
            continue;
        lsp_setup s = base((sg_suite_id)id);
        lsp_peers p;
        const char *why = "";
        unsigned at = 0;
        int rc = lsp_peers_open(&p, &s, &why);
        if (rc == 0)
            rc = exchange(&p, 1000, 300, 0, &why, &at);
        lsp_peers_close(&p);
        CHECK_MSG(rc == 0, "%s seq %u: %s", sg_suite_get((sg_suite_id)id)->name, at, why);
    }
}

/* Every libsrtp2 suite with a 4-byte MKI and three keys; the send key
 * switches mid-stream (ours: sg_srtp_use_key; libsrtp2: mki_index) and the
 * receivers pick the key by the packet's MKI (RFC 3711 §3.3, §8.1). */
static void test_all_suites_mki_switch(void)
{
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        if (!lsp_interop_suite((sg_suite_id)id))
            continue;
        lsp_setup s = base((sg_suite_id)id);
        s.mki_len = 4;
        s.nkeys = 3;
        lsp_peers p;
        const char *why = "";
        unsigned at = 0;
        static const unsigned order[] = {0, 2, 1, 0};
        int rc = lsp_peers_open(&p, &s, &why);
        for (unsigned k = 0; rc == 0 && k < 4; k++) {
            if (lsp_ours_use(&s, p.ours_tx, order[k]) != SG_OK) {
                rc = -1;
                why = "sg_srtp_use_key failed";
                break;
            }
            rc = exchange(&p, (uint16_t)(2000 + 60 * k), 60, order[k], &why, &at);
        }
        lsp_peers_close(&p);
        CHECK_MSG(rc == 0, "%s seq %u: %s", sg_suite_get((sg_suite_id)id)->name, at, why);
    }
}

/* MKI lengths 1, 2, 16 and 128 (RFC 4568 allows 1..128 bytes). */
static void test_mki_lengths(void)
{
    static const uint8_t lens[] = {1, 2, 16, 128};
    static const sg_suite_id ids[] = {SG_SUITE_AES_CM_128_HMAC_SHA1_32, SG_SUITE_AEAD_AES_128_GCM};
    for (unsigned j = 0; j < 2; j++) {
        for (unsigned l = 0; l < sizeof lens; l++) {
            lsp_setup s = base(ids[j]);
            s.mki_len = lens[l];
            s.nkeys = 2;
            lsp_peers p;
            const char *why = "";
            unsigned at = 0;
            int rc = lsp_peers_open(&p, &s, &why);
            if (rc == 0)
                rc = exchange(&p, 10, 40, 0, &why, &at);
            if (rc == 0 && lsp_ours_use(&s, p.ours_tx, 1) != SG_OK) {
                rc = -1;
                why = "sg_srtp_use_key failed";
            }
            if (rc == 0)
                rc = exchange(&p, 50, 40, 1, &why, &at);
            lsp_peers_close(&p);
            CHECK_MSG(rc == 0, "%s MKI %u bytes, seq %u: %s", sg_suite_get(ids[j])->name, lens[l],
                      at, why);
        }
    }
}

/* Across the sequence-number wrap: ROC goes 0 -> 1 on all four sides
 * (RFC 3711 §3.3.1 and Appendix A). */
static void test_roc_wrap(void)
{
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        if (!lsp_interop_suite((sg_suite_id)id))
            continue;
        for (unsigned mki = 0; mki <= 4; mki += 4) {
            lsp_setup s = base((sg_suite_id)id);
            s.mki_len = (uint8_t)mki;
            lsp_peers p;
            const char *why = "";
            unsigned at = 0;
            int rc = lsp_peers_open(&p, &s, &why);
            if (rc == 0)
                rc = exchange(&p, 65436, 200, 0, &why, &at);
            uint32_t r_otx = 99, r_orx = 99, r_ltx = 99, r_lrx = 99;
            if (rc == 0) {
                sg_srtp_get_roc(p.ours_tx, s.ssrc, &r_otx);
                sg_srtp_get_roc(p.ours_rx, s.ssrc, &r_orx);
                srtp_get_stream_roc(p.ls_tx, s.ssrc, &r_ltx);
                srtp_get_stream_roc(p.ls_rx, s.ssrc, &r_lrx);
            }
            lsp_peers_close(&p);
            CHECK_MSG(rc == 0, "%s mki %u seq %u: %s", sg_suite_get((sg_suite_id)id)->name, mki, at,
                      why);
            CHECK_EQ(r_ltx, 1);
            CHECK_EQ(r_lrx, 1);
            CHECK_EQ(r_otx, 1);
            CHECK_EQ(r_orx, 1);
        }
    }
}

/* A ROC signalled out of band (sg_srtp_set_roc / srtp_set_stream_roc) is
 * part of the packet index: both must agree on ROC 7 -> 8. */
static void test_roc_preset(void)
{
    static const sg_suite_id ids[] = {SG_SUITE_AES_CM_128_HMAC_SHA1_80,
                                      SG_SUITE_AES_256_CM_HMAC_SHA1_32, SG_SUITE_AEAD_AES_256_GCM};
    for (unsigned j = 0; j < 3; j++) {
        lsp_setup s = base(ids[j]);
        lsp_peers p;
        const char *why = "";
        unsigned at = 0;
        int rc = lsp_peers_open(&p, &s, &why);
        if (rc == 0 && (sg_srtp_set_roc(p.ours_tx, s.ssrc, 7) != SG_OK ||
                        sg_srtp_set_roc(p.ours_rx, s.ssrc, 7) != SG_OK ||
                        srtp_set_stream_roc(p.ls_tx, s.ssrc, 7) != 0 ||
                        srtp_set_stream_roc(p.ls_rx, s.ssrc, 7) != 0)) {
            rc = -1;
            why = "setting the ROC failed";
        }
        if (rc == 0)
            rc = exchange(&p, 65500, 100, 0, &why, &at);
        uint32_t r_orx = 0, r_lrx = 0;
        if (rc == 0) {
            sg_srtp_get_roc(p.ours_rx, s.ssrc, &r_orx);
            srtp_get_stream_roc(p.ls_rx, s.ssrc, &r_lrx);
        }
        lsp_peers_close(&p);
        CHECK_MSG(rc == 0, "%s seq %u: %s", sg_suite_get(ids[j])->name, at, why);
        CHECK_EQ(r_lrx, 8);
        CHECK_EQ(r_orx, 8);
    }
}

/*
 * Loss and reordering inside the window, across a wrap: 400 packets, every
 * 5th lost, the rest delivered in shuffled blocks of 24 (well inside 128).
 * Each implementation receives the other's packets in that order; all must
 * pass. Then replays are rejected by both (ours REPLAY, libsrtp2
 * replay_fail), and a lost packet now older than the window by both (ours
 * REPLAY_OLD, libsrtp2 replay_old) — and the stream still continues.
 */
static int loss_reorder(sg_suite_id id, uint8_t mki_len, uint16_t window, const char **why,
                        unsigned *at)
{
    enum { N = 400, BLK = 24 };
    static uint8_t pkt_o[N][LSP_BUF / 2], pkt_l[N][LSP_BUF / 2];
    static size_t len_o[N], len_l[N], len_rtp[N];
    static uint8_t rtp[N][LSP_BUF / 2];
    uint8_t out[LSP_BUF];
    lsp_setup s = base(id);
    s.mki_len = mki_len;
    s.window = window;
    lsp_peers p;
    if (lsp_peers_open(&p, &s, why) != 0) {
        lsp_peers_close(&p);
        return -1;
    }
    int rc = -1;
    const uint16_t seq0 = 65300;
    for (unsigned i = 0; i < N; i++) {
        *at = (uint16_t)(seq0 + i);
        len_rtp[i] = lsp_rtp(rtp[i], s.ssrc, (uint16_t)(seq0 + i), 160u * i, 160, i % 4);
        if (sg_srtp_protect(p.ours_tx, rtp[i], len_rtp[i], pkt_o[i], sizeof pkt_o[i], &len_o[i]) !=
            SG_OK) {
            *why = "sg_srtp_protect failed";
            goto out;
        }
        if (ls_protect(&p, rtp[i], len_rtp[i], 0, pkt_l[i], &len_l[i]) != 0) {
            *why = "srtp_protect failed";
            goto out;
        }
    }
    unsigned order[N], n = 0;
    uint32_t rnd = 0x12345678;
    for (unsigned b = 0; b < N; b += BLK) {
        unsigned start = n;
        for (unsigned i = b; i < b + BLK && i < N; i++)
            if (i % 5 != 3)
                order[n++] = i;
        for (unsigned i = n - 1; i > start; i--) { /* Fisher-Yates in block */
            unsigned j = start + lsp_rand(&rnd) % (i - start + 1);
            unsigned t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    for (unsigned k = 0; k < n; k++) {
        unsigned i = order[k];
        size_t olen = 0;
        *at = (uint16_t)(seq0 + i);
        int lst = ls_unprotect(&p, pkt_o[i], len_o[i], out, &olen);
        if (lst != 0 || olen != len_rtp[i] || memcmp(out, rtp[i], olen) != 0) {
            *why = "libsrtp2 failed on ours, reordered";
            goto out;
        }
        sg_status st = sg_srtp_unprotect(p.ours_rx, pkt_l[i], len_l[i], out, sizeof out, &olen);
        if (st != SG_OK || olen != len_rtp[i] || memcmp(out, rtp[i], olen) != 0) {
            *why = st != SG_OK ? sg_status_str(st) : "ours decrypted to other bytes";
            goto out;
        }
    }
    /* Replays of the last 10 delivered. */
    for (unsigned k = n - 10; k < n; k++) {
        unsigned i = order[k];
        size_t olen = 0;
        *at = (uint16_t)(seq0 + i);
        if (ls_unprotect(&p, pkt_o[i], len_o[i], out, &olen) != srtp_err_status_replay_fail) {
            *why = "libsrtp2 accepted a replay of ours";
            goto out;
        }
        sg_status st = sg_srtp_unprotect(p.ours_rx, pkt_l[i], len_l[i], out, sizeof out, &olen);
        if (st != SG_REPLAY) {
            *why = "ours did not say REPLAY on a replayed libsrtp2 packet";
            goto out;
        }
    }
    /* A lost packet from far behind the window (index 3 vs highest 399). */
    if (window < N - 3) {
        size_t olen = 0;
        *at = (uint16_t)(seq0 + 3);
        if (ls_unprotect(&p, pkt_o[3], len_o[3], out, &olen) != srtp_err_status_replay_old) {
            *why = "libsrtp2 did not say replay_old";
            goto out;
        }
        sg_status st = sg_srtp_unprotect(p.ours_rx, pkt_l[3], len_l[3], out, sizeof out, &olen);
        if (st != SG_REPLAY_OLD) {
            *why = "ours did not say REPLAY_OLD for a packet behind the window";
            goto out;
        }
    } else {
        /* A large window takes the lost packet late, on both sides. */
        size_t olen = 0;
        *at = (uint16_t)(seq0 + 3);
        if (ls_unprotect(&p, pkt_o[3], len_o[3], out, &olen) != 0) {
            *why = "libsrtp2 refused a late packet inside its large window";
            goto out;
        }
        if (sg_srtp_unprotect(p.ours_rx, pkt_l[3], len_l[3], out, sizeof out, &olen) != SG_OK) {
            *why = "ours refused a late packet inside its large window";
            goto out;
        }
    }
    /* The streams go on after the rejections. */
    *at = (uint16_t)(seq0 + N);
    {
        const char *w2 = "";
        unsigned at2 = 0;
        if (exchange(&p, (uint16_t)(seq0 + N), 20, 0, &w2, &at2) != 0) {
            *why = w2;
            *at = at2;
            goto out;
        }
    }
    rc = 0;
out:
    lsp_peers_close(&p);
    return rc;
}

static void test_loss_and_reordering(void)
{
    for (int id = 0; id < SG_SUITE_COUNT; id++) {
        if (!lsp_interop_suite((sg_suite_id)id))
            continue;
        const char *why = "";
        unsigned at = 0;
        int rc = loss_reorder((sg_suite_id)id, 0, 128, &why, &at);
        CHECK_MSG(rc == 0, "%s seq %u: %s", sg_suite_get((sg_suite_id)id)->name, at, why);
        rc = loss_reorder((sg_suite_id)id, 4, 128, &why, &at);
        CHECK_MSG(rc == 0, "%s MKI seq %u: %s", sg_suite_get((sg_suite_id)id)->name, at, why);
    }
}

static void test_large_window(void)
{
    const char *why = "";
    unsigned at = 0;
    int rc = loss_reorder(SG_SUITE_AES_CM_128_HMAC_SHA1_80, 0, 1024, &why, &at);
    CHECK_MSG(rc == 0, "window 1024 seq %u: %s", at, why);
    rc = loss_reorder(SG_SUITE_AEAD_AES_256_GCM, 4, 4096, &why, &at);
    CHECK_MSG(rc == 0, "window 4096 seq %u: %s", at, why);
}

/*
 * Several SSRCs through one context each side (ours keeps per-SSRC state,
 * RFC 3711 §3.2.3; libsrtp2 clones its ssrc_any_* template per SSRC): three
 * streams interleaved, one crossing a sequence wrap, the others starting
 * elsewhere, in both directions, bytes equal.
 */
static void test_several_ssrcs(void)
{
    static const sg_suite_id ids[] = {SG_SUITE_AES_CM_128_HMAC_SHA1_80, SG_SUITE_AEAD_AES_128_GCM};
    static const uint32_t ssrc[3] = {0x11111111, 0x22222222, 0x33333333};
    static const uint16_t seq0[3] = {65500, 0, 30000};
    for (unsigned j = 0; j < 2; j++) {
        lsp_setup s = base(ids[j]);
        s.any_ssrc = true;
        lsp_peers p;
        CHECK_MSG(lsp_peers_open(&p, &s, NULL) == 0, "%s: setup", sg_suite_get(ids[j])->name);
        uint8_t rtp[LSP_BUF], a[LSP_BUF], b[LSP_BUF], out[LSP_BUF];
        const char *why = NULL;
        unsigned at = 0;
        for (unsigned i = 0; i < 120 && !why; i++) {
            unsigned k = i % 3;
            uint16_t seq = (uint16_t)(seq0[k] + i / 3);
            at = i;
            size_t len = lsp_rtp(rtp, ssrc[k], seq, 160u * i, 100 + k, i % 4);
            size_t alen = 0, blen = 0, olen = 0;
            if (sg_srtp_protect(p.ours_tx, rtp, len, a, sizeof a, &alen) != SG_OK)
                why = "sg_srtp_protect failed";
            else if (ls_protect(&p, rtp, len, 0, b, &blen) != 0)
                why = "srtp_protect failed";
            else if (alen != blen || memcmp(a, b, alen) != 0)
                why = "different SRTP bytes";
            else if (ls_unprotect(&p, a, alen, out, &olen) != 0 || olen != len ||
                     memcmp(out, rtp, len) != 0)
                why = "libsrtp2 failed on ours";
            else if (sg_srtp_unprotect(p.ours_rx, b, blen, out, sizeof out, &olen) != SG_OK ||
                     olen != len || memcmp(out, rtp, len) != 0)
                why = "ours failed on libsrtp2's";
        }
        uint32_t roc = 9;
        sg_status rst = sg_srtp_get_roc(p.ours_rx, ssrc[0], &roc);
        lsp_peers_close(&p);
        CHECK_MSG(!why, "%s packet %u: %s", sg_suite_get(ids[j])->name, at, why);
        CHECK_EQ(rst, SG_OK);
        CHECK_EQ(roc, 1);
    }
}

/*
 * A hitless MKI switch seen from the receiver: libsrtp2 sends 40 packets
 * with key 0 then 40 with key 1; ours receives them with the last 10 of the
 * key-0 packets arriving after the first key-1 packets. Every packet passes
 * (old keys stay valid until retired); once key 0 is retired its packets
 * are UNKNOWN_MKI.
 */
static void test_mki_switch_reordered(void)
{
    lsp_setup s = base(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    s.mki_len = 4;
    s.nkeys = 2;
    lsp_peers p;
    CHECK(lsp_peers_open(&p, &s, NULL) == 0);
    static uint8_t pk[80][LSP_BUF / 4], rtp[80][LSP_BUF / 4];
    size_t plen[80], rlen[80];
    int bad = 0;
    for (unsigned i = 0; i < 80; i++) {
        rlen[i] = lsp_rtp(rtp[i], s.ssrc, (uint16_t)(500 + i), 160 * i, 160, 0);
        bad |= ls_protect(&p, rtp[i], rlen[i], i < 40 ? 0 : 1, pk[i], &plen[i]);
    }
    static const unsigned late = 10;
    unsigned order[80], n = 0;
    for (unsigned i = 0; i < 40 - late; i++)
        order[n++] = i;
    for (unsigned i = 40; i < 50; i++)
        order[n++] = i;
    for (unsigned i = 40 - late; i < 40; i++)
        order[n++] = i;
    for (unsigned i = 50; i < 80; i++)
        order[n++] = i;
    uint8_t out[LSP_BUF];
    size_t olen = 0;
    unsigned fail_at = 99;
    sg_status st = SG_OK;
    for (unsigned k = 0; k < n && fail_at == 99; k++) {
        unsigned i = order[k];
        st = sg_srtp_unprotect(p.ours_rx, pk[i], plen[i], out, sizeof out, &olen);
        if (st != SG_OK || olen != rlen[i] || memcmp(out, rtp[i], olen) != 0)
            fail_at = i;
    }
    /* Retire key 0: a (replayed-anyway) key-0 packet is now an unknown MKI. */
    uint8_t key[32], salt[14], mki0[SG_SRTP_MAX_MKI_LEN];
    lsp_key(&s, 0, key, salt, mki0);
    sg_status ret = sg_srtp_retire_key(p.ours_rx, mki0, s.mki_len);
    sg_status after = sg_srtp_unprotect(p.ours_rx, pk[5], plen[5], out, sizeof out, &olen);
    lsp_peers_close(&p);
    CHECK_EQ(bad, 0);
    CHECK_MSG(fail_at == 99, "packet %u (key %d): %s", fail_at, fail_at < 40 ? 0 : 1,
              sg_status_name(st));
    CHECK_EQ(ret, SG_OK);
    CHECK_EQ(after, SG_UNKNOWN_MKI);
}

/* libsrtp2's packets with any one byte flipped (header, payload, MKI, tag)
 * fail in ours with AUTH_FAIL (or UNKNOWN_MKI for an MKI byte), and the
 * stream is undisturbed: the genuine packet still passes afterwards. */
static void test_forged_libsrtp_packets(void)
{
    static const sg_suite_id ids[] = {SG_SUITE_AES_CM_128_HMAC_SHA1_80,
                                      SG_SUITE_AES_CM_128_HMAC_SHA1_32, SG_SUITE_AEAD_AES_128_GCM};
    for (unsigned j = 0; j < 3; j++) {
        lsp_setup s = base(ids[j]);
        s.mki_len = 2;
        s.nkeys = 2;
        lsp_peers p;
        CHECK_MSG(lsp_peers_open(&p, &s, NULL) == 0, "%s: setup", sg_suite_get(ids[j])->name);
        uint8_t rtp[LSP_BUF], srtp[LSP_BUF], bad[LSP_BUF], out[LSP_BUF];
        size_t len = lsp_rtp(rtp, s.ssrc, 77, 1234, 40, 0), slen = 0, olen = 0;
        int lst = ls_protect(&p, rtp, len, 1, srtp, &slen);
        sg_status st = SG_OK;
        size_t flip = 0;
        for (; lst == 0 && flip < slen; flip++) {
            memcpy(bad, srtp, slen);
            bad[flip] ^= 0x01;
            st = sg_srtp_unprotect(p.ours_rx, bad, slen, out, sizeof out, &olen);
            /* The MKI follows the payload, or for AEAD the tag (libsrtp2's
             * srtp_protect_aead; RFC 7714 §8 keeps the tag in the
             * ciphertext). */
            size_t mki_at = len + (sg_suite_get(ids[j])->cipher == SG_CIPHER_AES_GCM
                                       ? sg_suite_get(ids[j])->srtp_tag_len
                                       : 0);
            bool in_mki = flip >= mki_at && flip < mki_at + s.mki_len;
            if (in_mki ? (st != SG_UNKNOWN_MKI && st != SG_AUTH_FAIL) : st != SG_AUTH_FAIL)
                break;
        }
        sg_status good = sg_srtp_unprotect(p.ours_rx, srtp, slen, out, sizeof out, &olen);
        lsp_peers_close(&p);
        CHECK_EQ(lst, 0);
        CHECK_MSG(flip == slen, "%s: byte %zu flipped gave %s", sg_suite_get(ids[j])->name, flip,
                  sg_status_name(st));
        CHECK_EQ(good, SG_OK);
        CHECK_EQ(olen, len);
        CHECK_MEM_EQ(out, rtp, len);
    }
}

/* AES-CTR keystream XORed into buf (OpenSSL EVP; test-side reference). */
static int ctr(const EVP_CIPHER *c, const uint8_t *key, const uint8_t iv[16], uint8_t *buf,
               size_t n)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0, ok = x && EVP_EncryptInit_ex(x, c, NULL, key, iv) &&
                    EVP_EncryptUpdate(x, buf, &l, buf, (int)n);
    EVP_CIPHER_CTX_free(x);
    return ok ? 0 : -1;
}

/* RFC 3711 §4.3.1/§4.3.3 key derivation at index 0: the PRF keystream for
 * IV = (master_salt XOR label<<48) * 2^16, under prf (a cipher and key). */
static int kdf(const EVP_CIPHER *prf, const uint8_t *prf_key, const uint8_t salt[14], uint8_t label,
               uint8_t *out, size_t n)
{
    uint8_t iv[16] = {0};
    memcpy(iv, salt, 14);
    iv[7] ^= label;
    memset(out, 0, n);
    return ctr(prf, prf_key, iv, out, n);
}

/*
 * One AES_192_CM_HMAC_SHA1_80 SRTP packet (RFC 3711 §3.3, §4.1.1, §4.2.1,
 * index 0..65535 with ROC 0) with session keys from the given PRF.
 */
static size_t aes192_packet(const EVP_CIPHER *prf, const uint8_t *prf_key,
                            const uint8_t prf_salt[14], const uint8_t *rtp, size_t len,
                            uint8_t *out)
{
    uint8_t k_e[24], k_a[20], k_s[14], iv[16] = {0};
    if (kdf(prf, prf_key, prf_salt, 0x00, k_e, 24) || kdf(prf, prf_key, prf_salt, 0x01, k_a, 20) ||
        kdf(prf, prf_key, prf_salt, 0x02, k_s, 14))
        return 0;
    memcpy(out, rtp, len);
    memcpy(iv, k_s, 14);
    for (int i = 0; i < 4; i++)
        iv[4 + i] ^= rtp[8 + i]; /* SSRC * 2^64 */
    iv[12] ^= rtp[2];            /* (ROC 0 || SEQ) * 2^16 */
    iv[13] ^= rtp[3];
    if (ctr(EVP_aes_192_ctr(), k_e, iv, out + 12, len - 12))
        return 0;
    uint8_t tag[20];
    unsigned tl = 0;
    memset(out + len, 0, 4); /* authenticated portion || ROC (0), §4.2 */
    if (!HMAC(EVP_sha1(), k_a, 20, out, len + 4, tag, &tl))
        return 0;
    memcpy(out + len, tag, 10);
    return len + 10;
}

/*
 * Why AES-192 is left out of the interop cases, shown rather than asserted:
 * libsrtp2's AES_192_CM_HMAC_SHA1_80 packet equals a reference built from
 * OpenSSL primitives with libsrtp2's key derivation (AES-256 keyed with
 * master_key||master_salt[0..7], salt master_salt[8..13]||0, see
 * lsp_libsrtp_gap), while ours equals the same reference with the RFC 6188
 * §5.2 derivation (AES-192 PRF with master key and salt). If libsrtp2 is
 * fixed, the first check fails and the skip can go.
 */
static void test_aes192_libsrtp_kdf_defect(void)
{
    lsp_setup s = base(SG_SUITE_AES_192_CM_HMAC_SHA1_80);
    lsp_peers p;
    CHECK(lsp_peers_open(&p, &s, NULL) == 0);
    uint8_t key[32], salt[14], mki[SG_SRTP_MAX_MKI_LEN];
    lsp_key(&s, 0, key, salt, mki);
    uint8_t rtp[LSP_BUF], ours[LSP_BUF], lib[LSP_BUF], ref_rfc[LSP_BUF], ref_lib[LSP_BUF];
    size_t len = lsp_rtp(rtp, s.ssrc, 4321, 99, 160, 0), olen = 0, llen = 0;
    sg_status st = sg_srtp_protect(p.ours_tx, rtp, len, ours, sizeof ours, &olen);
    int lst = ls_protect(&p, rtp, len, 0, lib, &llen);
    lsp_peers_close(&p);
    CHECK_EQ(st, SG_OK);
    CHECK_EQ(lst, 0);
    /* RFC 6188 §5.2: AES_192_CM_PRF keyed with the master key. */
    size_t rlen = aes192_packet(EVP_aes_192_ctr(), key, salt, rtp, len, ref_rfc);
    /* libsrtp2: tmp = key(24)||salt(14)||0(8) read as AES-256 key||salt. */
    uint8_t tmp[46] = {0}, lib_salt[14];
    memcpy(tmp, key, 24);
    memcpy(tmp + 24, salt, 14);
    memcpy(lib_salt, tmp + 32, 14);
    size_t blen = aes192_packet(EVP_aes_256_ctr(), tmp, lib_salt, rtp, len, ref_lib);
    CHECK(rlen == len + 10 && blen == len + 10);
    CHECK_EQ(olen, rlen);
    CHECK_MEM_EQ(ours, ref_rfc, rlen);
    CHECK_EQ(llen, blen);
    CHECK_MEM_EQ(lib, ref_lib, blen);
    CHECK(memcmp(ref_rfc, ref_lib, rlen) != 0);
}

int main(void)
{
    if (srtp_init() != srtp_err_status_ok) {
        fprintf(stderr, "srtp_init failed\n");
        return 1;
    }
    printf("# F8_128_HMAC_SHA1_80: not in libsrtp2 2.5's public API, no interop case\n");
    for (int id = 0; id < SG_SUITE_COUNT; id++)
        if (lsp_libsrtp_gap((sg_suite_id)id))
            printf("# %s: skipped, %s (see test_aes192_libsrtp_kdf_defect)\n",
                   sg_suite_get((sg_suite_id)id)->name, lsp_libsrtp_gap((sg_suite_id)id));
    RUN(test_all_suites_no_mki);
    RUN(test_all_suites_mki_switch);
    RUN(test_mki_lengths);
    RUN(test_roc_wrap);
    RUN(test_roc_preset);
    RUN(test_loss_and_reordering);
    RUN(test_large_window);
    RUN(test_several_ssrcs);
    RUN(test_mki_switch_reordered);
    RUN(test_forged_libsrtp_packets);
    RUN(test_aes192_libsrtp_kdf_defect);
    srtp_shutdown();
    return check_summary("libsrtp_interop");
}
