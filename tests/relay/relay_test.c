/*
 * tests/relay/relay_test.c — srtpd as a process on loopback, checked with
 * libsrtp2 endpoints: attacks (replayed, forged, unknown MKI, spoofed
 * source) dropped and counted without redirecting media or touching
 * another call; strict source, latching, rtcp-mux, IPv6, bursts; no key in
 * the log; SIGHUP and SIGTERM. Modes, suites, rekeys and key lifetimes are
 * in relay_keys_test.c, control-side tests in relay_ctl_test.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/relay_peer.h"

ru_srtpd D;

/* Attacks on one call while a second call runs: each is dropped, counted,
 * does not redirect media, and the other call sees nothing. */
static void test_attacks(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c, other;
    CHECK(call_setup(&c, s, true, false, 1));
    CHECK(call_setup(&other, s, true, false, 1));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x7777, 1, 10, 0), 10);
    CHECK_EQ(flow(&other.A, other.a_port, &other.B, 0x8888, 1, 10, 0), 10);
    uint8_t pkt[2048], buf[2048];
    int len = (int)ru_rtp(pkt, 0x7777, 11, 160);
    CHECK(srtp_protect_mki(c.A.tx, pkt, &len, 1, 0) == srtp_err_status_ok);
    ru_send(c.A.rtp, c.a_port, pkt, (size_t)len);
    CHECK(ru_recv(c.B.rtp, buf, sizeof(buf), 1000, NULL) > 0);
    /* 1. Replayed (same bytes again, from the real source). */
    ru_send(c.A.rtp, c.a_port, pkt, (size_t)len);
    /* 2. Forged: one payload bit flipped. */
    uint8_t forged[2048];
    memcpy(forged, pkt, (size_t)len);
    forged[40] ^= 1;
    forged[3] ^= 0x40; /* another sequence number so replay is not the reason */
    ru_send(c.A.rtp, c.a_port, forged, (size_t)len);
    /* 3. Unknown MKI: a valid packet under a key srtpd was never given. */
    unsigned evil_seed = 4242, evil_mki = 9;
    srtp_t evil = ru_libsrtp(s, &evil_seed, &evil_mki, 1, 1, true);
    CHECK(evil);
    int elen = (int)ru_rtp(buf, 0x7777, 12, 160);
    CHECK(srtp_protect_mki(evil, buf, &elen, 1, 0) == srtp_err_status_ok);
    ru_send(c.A.rtp, c.a_port, buf, (size_t)elen);
    srtp_dealloc(evil);
    /* 4. Spoofed source: the captured packet and a forged one from
     * another port must not move leg a's peer. */
    uint16_t xport;
    int x = ru_udp(&xport);
    ru_send(x, c.a_port, pkt, (size_t)len);
    ru_send(x, c.a_port, forged, (size_t)len);
    /* Nothing of that reaches B. */
    CHECK_EQ(ru_recv(c.B.rtp, buf, sizeof(buf), 300, NULL), -1);
    /* Media toward A still goes to A, not to the spoofer. */
    CHECK_EQ(flow(&c.B, c.b_port, &c.A, 0x9999, 1, 5, -1), 5);
    CHECK_EQ(ru_recv(x, buf, sizeof(buf), 200, NULL), -1);
    /* And A's media keeps flowing. */
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x7777, 13, 5, 0), 5);
    const ctl_be *r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.drops.replay"), 2);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 2);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.unknown-mki"), 1);
    /* Malformed: too short and not version 2. */
    ru_send(c.A.rtp, c.a_port, "\x80\x00\x00", 3);
    ru_send(c.A.rtp, c.a_port, "\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 13);
    usleep(100000);
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.malformed"), 2);
    /* The other call: no drops, all media. */
    CHECK_EQ(flow(&other.A, other.a_port, &other.B, 0x8888, 11, 10, 0), 10);
    r = cmd_call("query", other.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.drops.replay"), 0);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 0);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.unknown-mki"), 0);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.malformed"), 0);
    CHECK_EQ(ru_int(r, "streams.0.a.rtp-in"), 20);
    /* The drops are reported in the log (from housekeeping, not per
     * packet), naming the call and the reasons. */
    usleep(1300000);
    FILE *f = fopen(D.log, "r");
    CHECK(f);
    char line[512], want[96];
    snprintf(want, sizeof(want), "call %s stream 0 leg a dropped:", c.id);
    bool logged = false;
    while (fgets(line, sizeof(line), f))
        logged |= strstr(line, want) && strstr(line, "auth") && strstr(line, "replay");
    fclose(f);
    CHECK_MSG(logged, "no drop summary for %s in the log", c.id);
    close(x);
    cmd_call("delete", c.id);
    cmd_call("delete", other.id);
    call_teardown(&c);
    call_teardown(&other);
}

/* An update of leg a that turns on rtcp-mux and/or strict-source. */
static const ctl_be *update_leg_a(const char *id, bool rtcp_mux, bool strict_source)
{
    char buf[512];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "update", id);
    ru_leg_begin(&w, "a", NULL, 0);
    if (rtcp_mux)
        ctl_benc_kv_int(&w, "rtcp-mux", 1);
    if (strict_source)
        ctl_benc_kv_int(&w, "strict-source", 1);
    ctl_benc_end(&w);
    return ru_req_end(&D, &w);
}

/* strict-source: even an authenticated packet from another address is
 * dropped (counted as "source"). */
static void test_strict_source(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 0));
    const ctl_be *r = update_leg_a(c.id, false, true);
    CHECK(r && ru_ok(r));
    uint16_t xport;
    int x = ru_udp(&xport);
    uint8_t pkt[2048];
    int len = (int)ru_rtp(pkt, 0xabab, 1, 160);
    CHECK(srtp_protect(c.A.tx, pkt, &len) == srtp_err_status_ok);
    ru_send(x, c.a_port, pkt, (size_t)len); /* valid SRTP, wrong source */
    CHECK_EQ(ru_recv(c.B.rtp, pkt, sizeof(pkt), 300, NULL), -1);
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0xabab, 2, 5), 5);
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.source"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.strict-source"), 1);
    close(x);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* Latching without a signalled address: leg a learns A's address from its
 * first authenticated packet. */
static void test_latching(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AEAD_AES_128_GCM);
    ep A, B;
    ep_open(&A, true);
    ep_open(&B, false);
    unsigned ks = 777, kr = 778;
    A.tx = ru_libsrtp1(s, ks, true);
    A.rx = ru_libsrtp1(s, kr, false);
    char buf[2048];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", "latch@test");
    ru_leg_begin(&w, "a", NULL, 0); /* no address: latched */
    ru_leg_keys(&w, s, ks, kr);
    ctl_benc_kv_cstr(&w, "transport", "SRTP");
    ctl_benc_end(&w);
    ru_leg_begin(&w, "b", "127.0.0.1", B.prtp);
    ctl_benc_end(&w);
    const ctl_be *r = ru_req_end(&D, &w);
    CHECK(r && ru_ok(r));
    uint16_t ap = (uint16_t)ru_int(r, "streams.0.a.port"),
             bp = (uint16_t)ru_int(r, "streams.0.b.port");
    /* Before A sent anything, B's packets have nowhere to go (no-peer). */
    CHECK_EQ(flow_nomki(&B, bp, &A, 0x1212, 1, 1), 0);
    /* A garbage packet from a spoofer does not latch. */
    uint16_t xport;
    int x = ru_udp(&xport);
    ru_send(x, ap, "\x80\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x02xxxxxxxxxxxxxxxxxxxxxxxx", 36);
    CHECK_EQ(flow_nomki(&B, bp, &A, 0x1212, 2, 1), 0);
    CHECK_EQ(ru_recv(x, (uint8_t *)buf, sizeof(buf), 100, NULL), -1);
    /* A's first authenticated packet latches leg a. */
    CHECK_EQ(flow_nomki(&A, ap, &B, 0x3434, 1, 3), 3);
    CHECK_EQ(flow_nomki(&B, bp, &A, 0x1212, 3, 5), 5);
    r = cmd_call("query", "latch@test");
    CHECK_EQ(ru_int(r, "streams.0.a.latched"), 1);
    CHECK_EQ(ru_int(r, "streams.0.b.drops.no-peer"), 2);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.auth"), 1);
    close(x);
    cmd_call("delete", "latch@test");
    ep_close(&A);
    ep_close(&B);
}

/* Whether this run's srtpd sends through connected twins: the multishot
 * loop does; the epoll loops and SRTPD_NO_TWIN=1 do not (the same tests
 * run under all of them). */
static bool twins_expected(void)
{
    const char *nt = getenv("SRTPD_NO_TWIN"), *nm = getenv("SRTPD_NO_MULTISHOT"),
               *nu = getenv("SRTPD_NO_IO_URING");
    return !(nt && strcmp(nt, "1") == 0) && !(nm && strcmp(nm, "1") == 0) &&
           !(nu && strcmp(nu, "1") == 0);
}

/* The peer moves mid-call (a NAT rebinding): media toward it follows its
 * first authenticated packet from the new address, and again when it comes
 * back. By then srtpd sends through the leg's connected twin socket
 * (worker_twin.c), which must be connected again each time; every packet
 * toward the peer still leaves from the leg's own port (symmetric RTP), and
 * a replayed capture from the old address does not pull media back. */
static void test_latching_follows_peer(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 0));
    /* Media both ways: leg a has sent toward A, so its twin exists. */
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x5151, 1, 3), 3);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x6161, 1, 3), 3);
    uint8_t buf[2048];
    int len = (int)ru_rtp(buf, 0x6161, 4, 160);
    ru_send(c.B.rtp, c.b_port, buf, (size_t)len);
    uint16_t from = 0;
    CHECK(ru_recv(c.A.rtp, buf, sizeof(buf), 1000, &from) > 0);
    CHECK_EQ(from, c.a_port);
    /* A keeps its SRTP session but sends from a new port (cap is its first
     * packet from there). */
    uint8_t cap[2048];
    int caplen = (int)ru_rtp(cap, 0x5151, 4, 160);
    CHECK(srtp_protect(c.A.tx, cap, &caplen) == srtp_err_status_ok);
    uint16_t p2;
    int a2 = ru_udp(&p2), a1 = c.A.rtp;
    c.A.rtp = a2;
    ru_send(a2, c.a_port, cap, (size_t)caplen);
    CHECK(ru_recv(c.B.rtp, buf, sizeof(buf), 1000, NULL) > 0);
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x5151, 5, 3), 3);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x6161, 5, 3), 3);
    CHECK_EQ(ru_recv(a1, buf, sizeof(buf), 200, NULL), -1);
    len = (int)ru_rtp(buf, 0x6161, 8, 160);
    ru_send(c.B.rtp, c.b_port, buf, (size_t)len);
    CHECK(ru_recv(a2, buf, sizeof(buf), 1000, &from) > 0);
    CHECK_EQ(from, c.a_port);
    /* A packet A sent from the new address, replayed from the old one:
     * dropped (replay), media stays with the new address. */
    ru_send(a1, c.a_port, cap, (size_t)caplen);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x6161, 9, 3), 3);
    CHECK_EQ(ru_recv(a1, buf, sizeof(buf), 200, NULL), -1);
    /* A goes back to its first port: media follows again. */
    c.A.rtp = a1;
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x5151, 8, 3), 3);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x6161, 12, 3), 3);
    CHECK_EQ(ru_recv(a2, buf, sizeof(buf), 200, NULL), -1);
    const ctl_be *r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.connected"), twins_expected() ? 1 : 0);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.replay"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.rtp-in"), 11); /* the replay counted in, then dropped */
    close(a2);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* The peer's port closes mid-call (the phone crashed, or its NAT binding
 * went): srtpd's sends toward it draw ICMP port unreachable, which a
 * connected twin socket reports on its next operation. srtpd keeps
 * relaying the other way, and when the peer comes back from a new port its
 * first authenticated packet brings the media back. */
static void test_peer_port_closes(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 0));
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x7171, 1, 3), 3);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x8181, 1, 3), 3);
    close(c.A.rtp);
    uint8_t buf[2048];
    for (int i = 0; i < 40; i++) {
        int len = (int)ru_rtp(buf, 0x8181, (uint16_t)(4 + i), 160);
        ru_send(c.B.rtp, c.b_port, buf, (size_t)len);
        usleep(2000);
    }
    usleep(100000);
    const ctl_be *r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.b.rtp-in"), 43);
    /* Every packet toward the closed port went out or was counted. */
    CHECK_EQ(ru_int(r, "streams.0.a.rtp-out") + ru_int(r, "streams.0.a.drops.send"), 43);
    printf("# toward the closed port: %lld sent, %lld send drops\n",
           (long long)ru_int(r, "streams.0.a.rtp-out"),
           (long long)ru_int(r, "streams.0.a.drops.send"));
    uint16_t np;
    c.A.rtp = ru_udp(&np);
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x7171, 4, 3), 3);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0x8181, 44, 5), 5);
    /* And A's packets, which now arrive on the reconnected twin (whose
     * receive the ICMP error had ended), still get through. */
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x7171, 7, 5), 5);
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.connected"), twins_expected() ? 1 : 0);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* rtcp-mux (RFC 5761): RTCP on the RTP port both ways. */
static void test_rtcp_mux(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 0));
    /* strict-source too: muxed RTCP comes from the RTP address */
    const ctl_be *r = update_leg_a(c.id, true, true);
    CHECK(r && ru_ok(r));
    /* SRTCP on the RTP port. */
    CHECK_MSG(rtcp_srtp_to_plain(&c.A, c.A.rtp, c.a_port, c.B.rtcp, 0x5656, 1, -1),
              "muxed SRTCP A -> B");
    /* And RTCP from B comes back to A's RTP port, as SRTCP. */
    CHECK_MSG(
        rtcp_plain_to_srtp(c.B.rtcp, (uint16_t)(c.b_port + 1), &c.A, c.A.rtp, 0x6767, 2, false),
        "RTCP B -> A's RTP port as SRTCP");
    /* RTP still works on the same port. */
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x5656, 1, 5), 5);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* Only error lines and fingerprints may appear in the log, never key bytes:
 * look for every test key's hex form in the log file. */
static void test_no_key_in_log(void)
{
    char why[128];
    CHECK_MSG(log_has_no_key(D.log, why, sizeof(why)), "%s", why);
}

static void test_sighup_reopens_log(void)
{
    char moved[160];
    snprintf(moved, sizeof(moved), "%s.1", D.log);
    CHECK(rename(D.log, moved) == 0);
    kill(D.pid, SIGHUP);
    usleep(300000);
    CHECK(cmd_call("ping", NULL) != NULL);
    FILE *f = fopen(D.log, "r");
    CHECK_MSG(f, "log not reopened after SIGHUP");
    char line[512];
    bool seen = false;
    while (fgets(line, sizeof(line), f))
        seen |= strstr(line, "SIGHUP") != NULL;
    fclose(f);
    unlink(moved);
    CHECK(seen);
}

/* An IPv6 SRTP leg (::1) relayed to an IPv4 plain leg and back. */
static void test_ipv6_leg(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AEAD_AES_256_GCM);
    uint16_t pa, pb;
    int fa = ru_udp6(&pa);
    if (fa < 0) {
        printf("# no IPv6 loopback here: IPv6 leg not tested\n");
        return;
    }
    int fb = ru_udp(&pb);
    unsigned ks = 606, kr = 607;
    srtp_t tx = ru_libsrtp1(s, ks, true), rx = ru_libsrtp1(s, kr, false);
    CHECK(tx && rx);
    char buf[2048];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", "v6@test");
    ru_leg_begin(&w, "a", "::1", 0); /* port after "family": bencode key order */
    ctl_benc_kv_cstr(&w, "family", "IP6");
    ctl_benc_kv_int(&w, "port", pa);
    ru_leg_keys(&w, s, ks, kr);
    ctl_benc_kv_cstr(&w, "transport", "SRTP");
    ctl_benc_end(&w);
    ru_leg_begin(&w, "b", "127.0.0.1", pb);
    ctl_benc_end(&w);
    const ctl_be *r = ru_req_end(&D, &w);
    CHECK(r && ru_ok(r));
    CHECK(ctl_be_str_eq(ru_path(r, "streams.0.a.address"), "::1"));
    CHECK(ctl_be_str_eq(ru_path(r, "streams.0.a.family"), "IP6"));
    uint16_t ap = (uint16_t)ru_int(r, "streams.0.a.port"),
             bp = (uint16_t)ru_int(r, "streams.0.b.port");
    int good = 0;
    for (int i = 0; i < 10; i++) {
        uint8_t p[2048];
        int len = (int)ru_rtp(p, 0x66, (uint16_t)i, 160);
        CHECK(srtp_protect(tx, p, &len) == srtp_err_status_ok);
        ru_send6(fa, ap, p, (size_t)len);
        int n = ru_recv(fb, p, sizeof(p), 1000, NULL);
        good += n > 0 && ru_rtp_check(p, (size_t)n, 0x66, (uint16_t)i, 160);
        len = (int)ru_rtp(p, 0x67, (uint16_t)i, 160);
        ru_send(fb, bp, p, (size_t)len);
        n = ru_recv(fa, p, sizeof(p), 1000, NULL);
        good += n > 0 && srtp_unprotect(rx, p, &n) == srtp_err_status_ok &&
                ru_rtp_check(p, (size_t)n, 0x67, (uint16_t)i, 160);
    }
    CHECK_EQ(good, 20);
    r = cmd_call("delete", "v6@test");
    CHECK(r && ru_ok(r));
    char want[32];
    snprintf(want, sizeof(want), "[::1]:%u", pa);
    CHECK(ctl_be_str_eq(ru_path(r, "streams.0.a.peer-rtp"), want));
    srtp_dealloc(tx);
    srtp_dealloc(rx);
    close(fa);
    close(fb);
}

/* A burst far beyond the socket buffer: what the kernel dropped is counted
 * ("kernel"), everything that was queued is relayed, and the socket keeps
 * being read afterwards (RTPengine 10.5 stops reading a port for the rest
 * of the call after five overfull wake-ups). */
static void test_burst_never_disables_socket(void)
{
    tcall c;
    CHECK(call_setup(&c, sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), false, false, 0));
    int burst = 20000;
    uint8_t p[256];
    for (int i = 0; i < burst; i++) {
        size_t len = ru_rtp(p, 0xb0b0, (uint16_t)i, 160);
        ru_send(c.A.rtp, c.a_port, p, len);
    }
    int got = 0;
    while (ru_recv(c.B.rtp, p, sizeof(p), 300, NULL) > 0)
        got++;
    /* After the burst, paced media flows again on the same socket. */
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0xb0b1, 1, 20), 20);
    const ctl_be *r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    int64_t in = ru_int(r, "streams.0.a.rtp-in"), kern = ru_int(r, "streams.0.a.drops.kernel");
    int64_t out = ru_int(r, "streams.0.b.rtp-out"), sendfail = ru_int(r, "streams.0.b.drops.send");
    printf(
        "# burst of %d: srtpd read %lld, kernel drops counted %lld, sent %lld, send failures %lld;"
        " the test's receiver got %d\n",
        burst, (long long)in, (long long)kern, (long long)out, (long long)sendfail, got);
    /* Every packet of the burst is accounted for: read or counted as
     * dropped by the kernel; everything read was sent on (the test's own
     * receive queue may overflow: that loss is outside srtpd). */
    CHECK_EQ(in + kern, burst + 20);
    CHECK_EQ(out + sendfail, in);
    CHECK(got + 20 <= out);
    /* A burst that fits the buffers: srtpd reads it in batches and sends
     * equal-size runs as UDP_SEGMENT messages; every datagram must come
     * out separately, intact and in order. */
    int64_t gso0 = 0, gso1 = 0;
    r = cmd_call("statistics", NULL);
    for (const ctl_be *wk = ctl_be_first(&ru_doc, ru_path(r, "workers")); wk;
         wk = ctl_be_next(&ru_doc, wk))
        gso0 += ru_int(wk, "gso-sends");
    for (int i = 0; i < 300; i++) {
        size_t len = ru_rtp(p, 0xb0b2, (uint16_t)i, 160);
        ru_send(c.A.rtp, c.a_port, p, len);
    }
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        int n = ru_recv(c.B.rtp, p, sizeof(p), 1000, NULL);
        ok += n > 0 && ru_rtp_check(p, (size_t)n, 0xb0b2, (uint16_t)i, 160);
    }
    CHECK_EQ(ok, 300);
    r = cmd_call("statistics", NULL);
    for (const ctl_be *wk = ctl_be_first(&ru_doc, ru_path(r, "workers")); wk;
         wk = ctl_be_next(&ru_doc, wk))
        gso1 += ru_int(wk, "gso-sends");
    printf("# 300-packet burst: %lld GSO messages\n", (long long)(gso1 - gso0));
    cmd_call("delete", c.id);
    call_teardown(&c);
}

static int stop_status = -1;
static void test_sigterm_clean_exit(void)
{
    CHECK_EQ(stop_status, 0);
}

int main(void)
{
    alarm(120); /* bounded: a hung srtpd fails the test instead of CI */
    const char *extra[] = {"--interface6", "::1", NULL};
    if (!ru_srtpd_start(&D, NULL, extra)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_attacks);
    RUN(test_strict_source);
    RUN(test_latching);
    RUN(test_latching_follows_peer);
    RUN(test_peer_port_closes);
    RUN(test_rtcp_mux);
    RUN(test_burst_never_disables_socket);
    RUN(test_ipv6_leg);
    /* Before SIGHUP: the log then still holds every line of this run. */
    RUN(test_no_key_in_log);
    RUN(test_sighup_reopens_log);
    int st = ru_srtpd_stop(&D);
    if (st != 0)
        fprintf(stderr, "srtpd exit status %d after SIGTERM\n", st);
    stop_status = st;
    RUN(test_sigterm_clean_exit);
    return check_summary("relay");
}
