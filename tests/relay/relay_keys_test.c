/*
 * tests/relay/relay_keys_test.c — srtpd as a process on loopback, checked
 * with libsrtp2 endpoints (the independent SRTP implementation): every mode
 * (SRTP->RTP, RTP->SRTP, SRTP->SRTP with each leg's own keys, RTP->RTP) for
 * every suite libsrtp2 implements as the RFCs say, RTP and RTCP; rekey by
 * MKI mid-stream without loss; key changes by re-offer, with and without
 * MKI; automatic key switch at lifetime with the soft-limit event (polled
 * and pushed). Before srtpd stops, its log is searched for every key used
 * (relay_peer.h log_has_no_key), and srtpd must exit 0 on SIGTERM: either
 * fails the run. Attacks, latching and the rest of the media path are in
 * relay_test.c, control-side tests in relay_ctl_test.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/relay_peer.h"
#include "relay/rxprev.h"

ru_srtpd D;

/* Suites libsrtp2 2.5 implements as the RFCs say (AES-192 derives its
 * session keys differently in libsrtp2, F8 is not in its API: see
 * tests/interop/libsrtp_peer.h). */
static const sg_suite_id interop_suites[] = {
    SG_SUITE_AES_CM_128_HMAC_SHA1_80, SG_SUITE_AES_CM_128_HMAC_SHA1_32,
    SG_SUITE_AES_256_CM_HMAC_SHA1_80, SG_SUITE_AES_256_CM_HMAC_SHA1_32,
    SG_SUITE_AEAD_AES_128_GCM,        SG_SUITE_AEAD_AES_256_GCM,
};

static void check_mode(const sg_suite *s, bool a_srtp, bool b_srtp)
{
    tcall c;
    CHECK_MSG(call_setup(&c, s, a_srtp, b_srtp, 0), "setup %s %d %d", s->name, a_srtp, b_srtp);
    int n = 20;
    int g1 = flow_nomki(&c.A, c.a_port, &c.B, 0x1111, 100, n);
    int g2 = flow_nomki(&c.B, c.b_port, &c.A, 0x2222, 500, n);
    int g3 = flow_rtcp(&c.A, c.a_port, &c.B, 0x1111, 3);
    int g4 = flow_rtcp(&c.B, c.b_port, &c.A, 0x2222, 3);
    CHECK_MSG(g1 == n && g2 == n && g3 == 3 && g4 == 3,
              "%s a=%s b=%s: a->b %d/%d, b->a %d/%d, rtcp %d/3 %d/3", s->name,
              a_srtp ? "SRTP" : "RTP", b_srtp ? "SRTP" : "RTP", g1, n, g2, n, g3, g4);
    const ctl_be *r = cmd_call("delete", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.rtp-in"), n);
    CHECK_EQ(ru_int(r, "streams.0.b.rtp-in"), n);
    CHECK_EQ(ru_int(r, "streams.0.a.rtcp-in"), 3);
    CHECK_EQ(ru_int(r, "streams.0.b.rtp-out"), n);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 0);
    CHECK_EQ(ru_int(r, "streams.0.b.drops.auth"), 0);
    call_teardown(&c);
}

static void test_modes_every_suite(void)
{
    for (size_t i = 0; i < sizeof(interop_suites) / sizeof(interop_suites[0]); i++) {
        const sg_suite *s = sg_suite_get(interop_suites[i]);
        check_mode(s, true, false); /* SRTP->RTP and RTP->SRTP */
        if (check_cur_failed_)
            return;
        check_mode(s, false, true); /* the same with the legs swapped */
        if (check_cur_failed_)
            return;
        check_mode(s, true, true); /* SRTP->SRTP, re-encrypted per leg */
        if (check_cur_failed_)
            return;
    }
    check_mode(sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), false, false); /* RTP->RTP */
}

/* SRTP->SRTP never passes packets through: what B receives does not
 * verify with A's keys, only with leg b's own. */
static void test_srtp_srtp_reencrypts(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, true, 0));
    uint8_t buf[2048], sent[2048];
    int len = (int)ru_rtp(buf, 0x3333, 7, 160);
    CHECK(srtp_protect(c.A.tx, buf, &len) == srtp_err_status_ok);
    memcpy(sent, buf, (size_t)len);
    ru_send(c.A.rtp, c.a_port, buf, (size_t)len);
    int r = ru_recv(c.B.rtp, buf, sizeof(buf), 1000, NULL);
    CHECK_EQ(r, len);
    CHECK(memcmp(buf + 12, sent + 12, (size_t)len - 12) != 0); /* not the same ciphertext */
    CHECK(srtp_unprotect(c.B.rx, buf, &r) == srtp_err_status_ok);
    CHECK(ru_rtp_check(buf, (size_t)r, 0x3333, 7, 160));
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* RFC 3711 §8.1 / RFC 4568 §6.1: a new master key announced by MKI takes
 * over mid-stream with no packet lost, in both directions. */
static void check_rekey(sg_suite_id id)
{
    const sg_suite *s = sg_suite_get(id);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 2));
    unsigned ab = seed_base;
    CHECK(call_a_two_keys(&c, s, ab));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 1, 30, 0), 30);
    CHECK_EQ(flow(&c.B, c.b_port, &c.A, 0x5555, 1, 30, -1), 30);
    /* srtpd learns A's next key, then A switches to it: no loss. */
    const ctl_be *r = rekey(c.id, "a", "recv", s, (int)(ab + 101), 2, 2, -1, -1);
    CHECK(r && ru_ok(r));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 31, 30, 1), 30);
    /* srtpd's send key toward A switches to MKI 2. */
    r = rekey(c.id, "a", "send", s, (int)(ab + 102), 2, 2, 2, -1);
    CHECK(r && ru_ok(r));
    CHECK_EQ(flow(&c.B, c.b_port, &c.A, 0x5555, 31, 30, -1), 30);
    /* The packets on the wire toward A now carry MKI 2: check one. */
    uint8_t buf[2048];
    int len = (int)ru_rtp(buf, 0x5555, 61, 160);
    ru_send(c.B.rtp, c.b_port, buf, (size_t)len);
    int n = ru_recv(c.A.rtp, buf, sizeof(buf), 1000, NULL);
    CHECK_EQ(n, 12 + 160 + 2 + s->srtp_tag_len);
    /* HMAC suites: RTP | MKI | tag (RFC 3711 §3.1); GCM: RTP | tag | MKI
     * (RFC 7714 §8, as libsrtp2 lays it out). */
    int mki_at = s->cipher == SG_CIPHER_AES_GCM ? n - 2 : n - s->srtp_tag_len - 2;
    CHECK_EQ(buf[mki_at], 0);
    CHECK_EQ(buf[mki_at + 1], 2);
    /* SRTCP follows the same keys: A -> B with MKI 2, B -> A under srtpd's
     * current send key (MKI 2), both verified by libsrtp2. */
    CHECK_MSG(rtcp_srtp_to_plain(&c.A, c.A.rtcp, (uint16_t)(c.a_port + 1), c.B.rtcp, 0x4444, 9, 1),
              "SRTCP A -> B with MKI 2");
    CHECK_MSG(
        rtcp_plain_to_srtp(c.B.rtcp, (uint16_t)(c.b_port + 1), &c.A, c.A.rtcp, 0x5555, 10, true),
        "RTCP B -> A as SRTCP with MKI 2");
    /* Retire A's old key: a late packet with MKI 1 is an unknown MKI. */
    r = rekey(c.id, "a", "recv", s, -1, 0, 2, -1, 1);
    CHECK(r && ru_ok(r));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 61, 1, 0), 0);
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 62, 5, 1), 5);
    r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.drops.unknown-mki"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 0);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.current"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.mki"), 2);
    /* Bad rekeys: unknown MKI to use, retiring the send key, wrong leg. */
    r = rekey(c.id, "a", "send", s, -1, 0, 2, 9, -1);
    CHECK(r && !ru_ok(r));
    r = rekey(c.id, "a", "send", s, -1, 0, 2, -1, 2);
    CHECK(r && !ru_ok(r));
    r = rekey(c.id, "b", "send", s, -1, 0, 2, 1, -1); /* leg b is plain RTP */
    CHECK(r && !ru_ok(r));
    /* A refused rekey changes nothing (docs/protocol.md), also when its first
     * step was fine: add MKI 7 then use an unknown MKI; add 7 and switch to
     * it but retire an unknown MKI; add 7 and 2 (2 is installed already).
     * Each time srtpd's send table stays {1, 2} with 2 sending. */
    r = rekey(c.id, "a", "send", s, (int)(ab + 107), 7, 2, 9, -1);
    CHECK(r && !ru_ok(r));
    r = rekey(c.id, "a", "send", s, (int)(ab + 107), 7, 2, 7, 5);
    CHECK(r && !ru_ok(r));
    r = rekey_after(c.id, "a", "send", s, (int)(ab + 107), 7, 7, 1, 100);
    CHECK(r && ru_ok(r)); /* a valid deferred switch, then superseded below */
    r = rekey(c.id, "a", "send", s, -1, 0, 2, 2, -1);
    CHECK(r && ru_ok(r));
    r = rekey(c.id, "a", "send", s, -1, 0, 2, -1, 7);
    CHECK(r && ru_ok(r)); /* back to {1, 2} */
    r = rekey(c.id, "a", "send", s, (int)(ab + 108), 8, 2, 8, 9);
    CHECK(r && !ru_ok(r));
    r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    int nkeys = 0;
    for (const ctl_be *k = ctl_be_first(&ru_doc, ru_path(r, "streams.0.a.send.keys")); k;
         k = ctl_be_next(&ru_doc, k))
        nkeys++;
    CHECK_EQ(nkeys, 2);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.0.mki"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.mki"), 2);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.current"), 1);
    /* The receive side alike: add 7, retire an unknown MKI. */
    r = rekey(c.id, "a", "recv", s, (int)(ab + 107), 7, 2, -1, 9);
    CHECK(r && !ru_ok(r));
    r = cmd_call("query", c.id);
    nkeys = 0;
    for (const ctl_be *k = ctl_be_first(&ru_doc, ru_path(r, "streams.0.a.recv.keys")); k;
         k = ctl_be_next(&ru_doc, k))
        nkeys++;
    CHECK_EQ(nkeys, 1); /* MKI 2 only: 1 was retired above */
    /* Media still flows after the refused commands. */
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 67, 5, 1), 5);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* A long call whose peer rekeys again and again: srtpd's receive table
 * holds 16 keys, so each add past that retires the oldest key (reply
 * "evicted") instead of failing, and media under the newest key flows. */
static void test_rekey_many_times(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 2));
    unsigned ab = seed_base;
    srtp_dealloc(c.A.tx);
    unsigned txs[2] = {ab + 1, ab + 520}, mk[2] = {1, 20};
    c.A.tx = ru_libsrtp(s, txs, mk, 2, 2, true);
    CHECK(c.A.tx != NULL);
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4646, 1, 10, 0), 10);
    int evicted = 0;
    for (int m = 2; m <= 20; m++) {
        const ctl_be *r = rekey(c.id, "a", "recv", s, (int)(ab + 500 + m), m, 2, -1, -1);
        CHECK_MSG(r && ru_ok(r), "rekey adding MKI %d", m);
        if (r)
            evicted += (int)ru_int(r, "evicted");
    }
    CHECK_EQ(evicted, 4); /* 20 keys seen, 16 kept: MKIs 1..4 went */
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4646, 11, 30, 1), 30); /* MKI 20 */
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4646, 41, 1, 0), 0);   /* MKI 1: gone */
    const ctl_be *r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.drops.unknown-mki"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 0);
    int n = 0, min_mki = 99;
    for (int i = 0; i < 20; i++) {
        char path[64];
        snprintf(path, sizeof(path), "streams.0.a.recv.keys.%d.mki", i);
        if (!ru_path(r, path))
            break;
        n++;
        if (ru_int(r, path) < min_mki)
            min_mki = (int)ru_int(r, path);
    }
    CHECK_EQ(n, 16);
    CHECK_EQ(min_mki, 5);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* A re-offer (update) with new keys and a new suite for leg a replaces
 * both of its contexts: media continues under the new keys; the old
 * receive context stays beside the new one (relay/rxprev.h), so a packet
 * still under the old key passes. */
static void test_reoffer_new_keys(void)
{
    const sg_suite *s1 = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    const sg_suite *s2 = sg_suite_get(SG_SUITE_AEAD_AES_256_GCM);
    tcall c;
    CHECK(call_setup(&c, s1, true, false, 0));
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x2001, 1, 10), 10);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x2002, 1, 10), 10);
    unsigned nr = seed_base + 900, ns = seed_base + 901;
    char buf[2048];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", c.id); /* a re-offer: the call exists */
    ru_leg_begin(&w, "a", NULL, 0);
    ru_leg_keys(&w, s2, nr, ns);
    ctl_benc_end(&w);
    const ctl_be *r = ru_req_end(&D, &w);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.port"), c.a_port); /* same ports */
    /* The old sender's packets still pass: the peer has not switched yet. */
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x2001, 11, 1), 1);
    srtp_dealloc(c.A.tx);
    srtp_dealloc(c.A.rx);
    c.A.tx = ru_libsrtp1(s2, nr, true);
    c.A.rx = ru_libsrtp1(s2, ns, false);
    CHECK(c.A.tx && c.A.rx);
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x2001, 12, 10), 10);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x2002, 11, 10), 10);
    r = cmd_call("query", c.id);
    CHECK(ctl_be_str_eq(ru_path(r, "streams.0.a.send.suite"), s2->name));
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 0);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* A key change without MKI (RFC 4568 §7.1.4 re-offer, what phones without
 * MKI support do): srtpd accepts the peer's old and new key side by side
 * (trial decryption, two contexts), in any order, until the new key has
 * authenticated for RELAY_RX_PREV_GRACE_MS; then the old key is gone. */
static void test_reoffer_nomki_prev_key(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 0));
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x3001, 1, 5), 5);
    unsigned nr = seed_base + 950, ns = seed_base + 951;
    char buf[2048];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", c.id);
    ru_leg_begin(&w, "a", NULL, 0);
    ru_leg_keys(&w, s, nr, ns);
    ctl_benc_end(&w);
    const ctl_be *r = ru_req_end(&D, &w);
    CHECK(r && ru_ok(r));
    /* The phone still sends under its old key until it has the answer. */
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x3001, 6, 5), 5);
    srtp_t old_tx = c.A.tx;
    c.A.tx = ru_libsrtp1(s, nr, true);
    CHECK(c.A.tx != NULL);
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x3001, 11, 5), 5);
    /* A straggler under the old key (reordered, in flight): still good. */
    srtp_t new_tx = c.A.tx;
    c.A.tx = old_tx;
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x3001, 16, 1), 1);
    c.A.tx = new_tx;
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x3001, 17, 1), 1);
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 0);
    /* Under the old key from another address: dropped (source), the peer
     * does not move (srtpd's media toward leg a still reaches A). */
    uint16_t xport;
    int x = ru_udp(&xport);
    uint8_t pkt[2048];
    int plen = (int)ru_rtp(pkt, 0x3001, 40, 160);
    CHECK_EQ(srtp_protect(old_tx, pkt, &plen), srtp_err_status_ok);
    ru_send(x, c.a_port, pkt, (size_t)plen);
    CHECK_EQ(ru_recv(c.B.rtp, pkt, sizeof(pkt), 300, NULL), -1);
    srtp_dealloc(c.A.rx);
    c.A.rx = ru_libsrtp1(s, ns, false);
    CHECK(c.A.rx != NULL);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x3002, 1, 3), 3);
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.source"), 1);
    close(x);
    /* Past the grace period the old key is wiped: its packets fail. */
    usleep((RELAY_RX_PREV_GRACE_MS + 200) * 1000);
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x3001, 18, 1), 1);
    c.A.tx = old_tx;
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x3001, 41, 1), 0);
    c.A.tx = new_tx;
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 1);
    srtp_dealloc(old_tx);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* Every cipher family: AES-CM with both key sizes (HMAC-SHA1 tags) and
 * AES-GCM (RFC 7714 AEAD, MKI after the tag). */
static void test_rekey_mid_stream(void)
{
    static const sg_suite_id ids[] = {SG_SUITE_AES_CM_128_HMAC_SHA1_80,
                                      SG_SUITE_AES_256_CM_HMAC_SHA1_80, SG_SUITE_AEAD_AES_128_GCM,
                                      SG_SUITE_AEAD_AES_256_GCM};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && !check_cur_failed_; i++) {
        check_rekey(ids[i]);
        if (check_cur_failed_)
            fprintf(stderr, "  (suite %s)\n", sg_suite_get(ids[i])->name);
    }
}

/* Key lifetime: srtpd's send key toward A has a lifetime of 40 packets and
 * a soft limit of 10; after 40 the library switches to the next key by
 * itself. A (libsrtp2, both keys) loses nothing; the events come out of
 * the `events` poll. */
static void test_lifetime_switch_and_events(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, false, false, 0)); /* endpoints first, keys below */
    cmd_call("delete", c.id);
    call_teardown(&c);
    ep A, B;
    ep_open(&A, true);
    ep_open(&B, false);
    unsigned seeds[2] = {9001, 9002}, mk[2] = {1, 2}, rs = 9003;
    uint64_t life[2] = {40, 0};
    A.rx = ru_libsrtp(s, seeds, mk, 2, 1, false);
    A.tx = ru_libsrtp(s, &rs, mk, 1, 1, true);
    CHECK(A.rx && A.tx);
    char buf[4096];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", "lifetime@test");
    ru_leg_begin(&w, "a", "127.0.0.1", A.prtp);
    ru_crypto(&w, "recv", s, &rs, mk, NULL, 1, 1, 0);
    ru_crypto(&w, "send", s, seeds, mk, life, 2, 1, 10);
    ctl_benc_kv_cstr(&w, "transport", "SRTP");
    ctl_benc_end(&w);
    ru_leg_begin(&w, "b", "127.0.0.1", B.prtp);
    ctl_benc_kv_cstr(&w, "transport", "RTP");
    ctl_benc_end(&w);
    const ctl_be *r = ru_req_end(&D, &w);
    CHECK(r && ru_ok(r));
    uint16_t bport = (uint16_t)ru_int(r, "streams.0.b.port");
    CHECK_EQ(flow(&B, bport, &A, 0x6666, 1, 80, -1), 80);
    usleep(1300000); /* housekeeping collects events once a second */
    r = cmd_call("events", NULL);
    CHECK(r && ru_ok(r));
    bool soft = false, sw = false;
    const ctl_be *evs = ru_path(r, "events");
    for (const ctl_be *e = ctl_be_first(&ru_doc, evs); e; e = ctl_be_next(&ru_doc, e)) {
        const ctl_be *t = ctl_be_get(&ru_doc, e, "type");
        const ctl_be *cid = ctl_be_get(&ru_doc, e, "call-id");
        if (!ctl_be_str_eq(cid, "lifetime@test"))
            continue;
        soft |= ctl_be_str_eq(t, "soft-limit") && ctl_be_str_eq(ctl_be_get(&ru_doc, e, "leg"), "a");
        sw |= ctl_be_str_eq(t, "key-switched");
    }
    CHECK_MSG(soft, "no soft-limit event");
    CHECK_MSG(sw, "no key-switched event");
    r = cmd_call("query", "lifetime@test");
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.0.srtp-used"), 40);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.current"), 1);
    /* The queue is drained by the poll. */
    r = cmd_call("events", NULL);
    CHECK(r && ru_ok(r) && ru_path(r, "events")->len == 0);
    cmd_call("delete", "lifetime@test");
    ep_close(&A);
    ep_close(&B);
}

/* --notify: the events of the lifetime test were also pushed as
 * {"command": "event"} requests to the notify socket. */
static int notify_fd = -1;
static void test_notify_push(void)
{
    uint8_t buf[4096];
    int n, seen = 0;
    while ((n = ru_recv(notify_fd, buf, sizeof(buf) - 1, 200, NULL)) > 0) {
        buf[n] = 0;
        const char *sp = memchr(buf, ' ', (size_t)n);
        CHECK(sp);
        static ctl_be_doc nd;
        const ctl_be *r =
            ctl_be_decode(&nd, sp + 1, (size_t)n - (size_t)((const uint8_t *)sp + 1 - buf));
        CHECK_MSG(r, "notify message does not decode: %s", nd.err);
        CHECK(ctl_be_str_eq(ctl_be_get(&nd, r, "command"), "event"));
        const ctl_be *e = ctl_be_get(&nd, r, "event");
        if (ctl_be_str_eq(ctl_be_get(&nd, e, "call-id"), "lifetime@test") &&
            ctl_be_str_eq(ctl_be_get(&nd, e, "type"), "soft-limit"))
            seen++;
    }
    CHECK_MSG(seen == 1, "soft-limit pushed %d times", seen);
}

int main(void)
{
    alarm(120); /* bounded: a hung srtpd fails the test instead of CI */
    uint16_t nport;
    notify_fd = ru_udp(&nport);
    char notify[64];
    snprintf(notify, sizeof(notify), "udp:127.0.0.1:%u", nport);
    const char *extra[] = {"--interface6", "::1", "--notify", notify, NULL};
    if (!ru_srtpd_start(&D, NULL, extra)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay_keys: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_modes_every_suite);
    RUN(test_srtp_srtp_reencrypts);
    RUN(test_rekey_mid_stream);
    RUN(test_rekey_many_times);
    RUN(test_reoffer_new_keys);
    RUN(test_reoffer_nomki_prev_key);
    RUN(test_lifetime_switch_and_events);
    RUN(test_notify_push);
    /* relay_test counts these two as its tests; this run's keys and
     * srtpd are checked all the same. */
    char why[128];
    bool clean = log_has_no_key(D.log, why, sizeof(why));
    if (!clean)
        fprintf(stderr, "  FAIL srtpd's log: %s\n", why);
    int st = ru_srtpd_stop(&D);
    if (st != 0)
        fprintf(stderr, "  FAIL srtpd exit status %d after SIGTERM\n", st);
    int rc = check_summary("relay_keys");
    return clean && st == 0 ? rc : 1;
}
