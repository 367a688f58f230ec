/*
 * tests/relay/relay_guard_test.c — srtpd (as a process on loopback) against
 * a third party on the media and in the log: a hijack attempt on each leg
 * type (authenticated SRTP, UNAUTHENTICATED_SRTP, plain RTP) from another
 * address, blind and with the leg's own SSRC and sequence; a NAT rebinding
 * of an unauthenticated leg under the documented rule (the peer silent for
 * RELAY_RELATCH_SILENCE_MS, then consecutive packets of its SSRC from the
 * new address); STUN on a media port counted, not logged as malformed; a
 * call-id with LF, CR, ESC and non-UTF-8 bytes escaped in the log.
 * Media always keeps flowing to the real peer; the attacker receives
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/interop/libsrtp_peer.h"
#include "tests/relay/relay_peer.h"

ru_srtpd D;

/* The rule srtpd documents (docs/srtpd.md "Latching"); kept in step by hand. */
#define SILENCE_MS      1000
#define RELATCH_PACKETS 5

enum leg_kind { LEG_RTP, LEG_SRTP, LEG_UNAUTH };
static const char *kind_name[] = {"RTP", "SRTP", "UNAUTHENTICATED_SRTP"};

static void sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

/* A libsrtp2 session without authentication (UNAUTHENTICATED_SRTP). */
static srtp_t unauth_session(const sg_suite *s, unsigned seed, bool outbound)
{
    lsp_keytab t;
    ru_key(s, seed, t.material[0]);
    srtp_policy_t p;
    memset(&p, 0, sizeof(p));
    lsp_policy_suite(s->id, &p);
    p.rtp.sec_serv &= ~sec_serv_auth;
    p.rtp.auth_type = SRTP_NULL_AUTH;
    p.rtp.auth_key_len = 0;
    p.rtp.auth_tag_len = 0;
    p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    lsp_policy_keys(&p, &t, 1, 0);
    p.window_size = 1024;
    srtp_t out = NULL;
    if (srtp_create(&out, &p) != srtp_err_status_ok)
        out = NULL;
    lsp_keytab_wipe(&t);
    return out;
}

static void unauth_crypto(ctl_benc *w, const char *dir, const sg_suite *s, unsigned seed)
{
    uint8_t mat[64];
    ru_key(s, seed, mat);
    ctl_benc_cstr(w, dir);
    ctl_benc_dict(w);
    ctl_benc_cstr(w, "keys");
    ctl_benc_list(w);
    ctl_benc_dict(w);
    ctl_benc_kv_str(w, "key", mat, (size_t)s->key_len + s->salt_len);
    ctl_benc_end(w);
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "mki-len", 0);
    ctl_benc_kv_cstr(w, "suite", s->name);
    ctl_benc_kv_int(w, "unauthenticated-srtp", 1);
    ctl_benc_end(w);
}

/* Leg a (A) of the given kind with a signalled address, leg b (B) plain. */
static bool setup(tcall *c, enum leg_kind k)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    if (k != LEG_UNAUTH)
        return call_setup(c, s, k == LEG_SRTP, false, 0);
    memset(c, 0, sizeof(*c));
    c->s = s;
    seed_base += 10;
    snprintf(c->id, sizeof(c->id), "unauth-%u@guard", seed_base);
    ep_open(&c->A, true);
    ep_open(&c->B, false);
    c->A.tx = unauth_session(s, seed_base + 1, true);
    c->A.rx = unauth_session(s, seed_base + 2, false);
    if (!c->A.tx || !c->A.rx)
        return false;
    char buf[4096];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", c->id);
    ru_leg_begin(&w, "a", "127.0.0.1", c->A.prtp);
    unauth_crypto(&w, "recv", s, seed_base + 1);
    ctl_benc_kv_int(&w, "rtcp-port", c->A.prtcp);
    unauth_crypto(&w, "send", s, seed_base + 2);
    ctl_benc_kv_cstr(&w, "transport", "SRTP");
    ctl_benc_end(&w);
    ru_leg_begin(&w, "b", NULL, 0);
    ctl_benc_kv_cstr(&w, "transport", "RTP");
    ctl_benc_end(&w);
    const ctl_be *r = ru_req_end(&D, &w);
    if (!r || !ru_ok(r))
        return false;
    c->a_port = (uint16_t)ru_int(r, "streams.0.a.port");
    c->b_port = (uint16_t)ru_int(r, "streams.0.b.port");
    ru_req_begin(&w, buf, sizeof(buf), "answer", c->id);
    ru_leg_begin(&w, "b", "127.0.0.1", c->B.prtp);
    ctl_benc_kv_int(&w, "rtcp-port", c->B.prtcp);
    ctl_benc_kv_cstr(&w, "transport", "RTP");
    ctl_benc_end(&w);
    r = ru_req_end(&D, &w);
    return r && ru_ok(r);
}

/* n well-formed RTP packets from fd to srtpd's port: SSRC, sequence from
 * seq0, a 10-byte tail that looks like an auth tag. */
static void spray(int fd, uint16_t port, uint32_t ssrc, uint16_t seq0, int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t p[2048];
        size_t len = ru_rtp(p, ssrc, (uint16_t)(seq0 + i), 160);
        memset(p + len, 0x5a, 10);
        ru_send(fd, port, p, len + 10);
    }
}

/* Nothing arrives on fd within ms. */
static bool silent(int fd, int ms)
{
    uint8_t b[2048];
    return ru_recv(fd, b, sizeof(b), ms, NULL) < 0;
}

static void hijack(enum leg_kind k)
{
    tcall c;
    CHECK_MSG(setup(&c, k), "set-up %s", kind_name[k]);
    const uint32_t ssrc = 0xA1A10001;
    /* A talks, B answers: leg a latched on A. */
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, ssrc, 1, 5), 5);
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0xB2B2, 1, 3), 3);
    uint16_t xp;
    int x = ru_udp(&xp);
    /* Blind: another SSRC, fresh sequence numbers. On path: A's own SSRC,
     * continuing A's sequence, while A still talks. And RTCP from the
     * attacker to leg a's RTCP port. */
    spray(x, c.a_port, 0xBADBAD01, 1000, 10);
    spray(x, c.a_port, ssrc, 6, 10);
    uint8_t rt[64];
    size_t rl = ru_rtcp(rt, 0xBADBAD01, 1);
    ru_send(x, (uint16_t)(c.a_port + 1), rt, rl);
    CHECK_MSG(silent(c.B.rtp, 200), "%s: attacker's packet relayed to B", kind_name[k]);
    CHECK_MSG(flow_nomki(&c.A, c.a_port, &c.B, ssrc, 16, 3) == 3, "%s: A->B broken", kind_name[k]);
    CHECK_MSG(flow_nomki(&c.B, c.b_port, &c.A, 0xB2B2, 4, 3) == 3, "%s: B->A moved", kind_name[k]);
    CHECK_MSG(flow_rtcp(&c.B, c.b_port, &c.A, 0xB2B2, 1) == 1, "%s: RTCP B->A moved", kind_name[k]);
    CHECK_MSG(silent(x, 200), "%s: the attacker received media", kind_name[k]);
    const ctl_be *r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.latched"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.source") + ru_int(r, "streams.0.a.drops.auth"), 21);

    if (k != LEG_SRTP) {
        /* A falls silent. A blind attacker still cannot move the leg. */
        sleep_ms(SILENCE_MS + 200);
        spray(x, c.a_port, 0xBADBAD02, 40000, 2 * RELATCH_PACKETS);
        CHECK_MSG(silent(c.B.rtp, 200), "%s: blind packet relayed after silence", kind_name[k]);
        CHECK_MSG(flow_nomki(&c.B, c.b_port, &c.A, 0xB2B2, 7, 2) == 2,
                  "%s: blind attacker moved a silent leg", kind_name[k]);
        CHECK(silent(x, 200));
        /* A's NAT rebinds: A's packets come from a new port. The first
         * RELATCH_PACKETS - 1 wait (counted "source"), then the leg moves. */
        uint16_t p2;
        int a2 = ru_udp(&p2), a1 = c.A.rtp;
        c.A.rtp = a2;
        CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, ssrc, 19, RELATCH_PACKETS),
                 1); /* only the last arrives */
        CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, ssrc, 19 + RELATCH_PACKETS, 3), 3);
        CHECK_MSG(flow_nomki(&c.B, c.b_port, &c.A, 0xB2B2, 9, 3) == 3,
                  "%s: B->A did not follow the rebinding", kind_name[k]);
        CHECK(silent(a1, 200));
        CHECK(silent(x, 100));
        c.A.rtp = a1;
        close(a2);
    }
    close(x);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

static void test_hijack_srtp(void)
{
    hijack(LEG_SRTP);
}
static void test_hijack_unauthenticated_srtp(void)
{
    hijack(LEG_UNAUTH);
}
static void test_hijack_plain_rtp(void)
{
    hijack(LEG_RTP);
}

/* An unauthenticated leg does not move while its peer talks, even to a
 * source that sends the peer's SSRC in perfect sequence. */
static void test_no_move_while_peer_talks(void)
{
    tcall c;
    CHECK(setup(&c, LEG_RTP));
    const uint32_t ssrc = 0xC3C30003;
    uint16_t xp;
    int x = ru_udp(&xp);
    uint16_t seq = 1;
    for (int round = 0; round < 8; round++) {
        CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, ssrc, seq, 1), 1);
        seq++;
        spray(x, c.a_port, ssrc, seq, 3); /* the attacker runs ahead */
        sleep_ms(40);
    }
    CHECK(silent(c.B.rtp, 100));
    CHECK_EQ(flow_nomki(&c.B, c.b_port, &c.A, 0xB2B2, 1, 2), 2);
    CHECK(silent(x, 200));
    close(x);
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* RFC 5389 STUN (ICE connectivity checks, e.g. linphone's) on a media
 * port: dropped, counted as "stun", not a "malformed" drop, never relayed,
 * and no warning in the log. */
static void test_stun_counted_not_malformed(void)
{
    tcall c;
    CHECK(setup(&c, LEG_SRTP));
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x5757, 1, 2), 2);
    uint8_t stun[20 + 8] = {0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xA4, 0x42};
    for (int i = 8; i < 20; i++)
        stun[i] = (uint8_t)(i * 17); /* transaction id */
    stun[20] = 0x00;
    stun[21] = 0x24;
    stun[22] = 0x00;
    stun[23] = 0x04; /* PRIORITY */
    stun[24] = 0x6e;
    stun[25] = 0x7f;
    stun[26] = 0x1e;
    stun[27] = 0xff;
    for (int i = 0; i < 3; i++)
        ru_send(c.A.rtp, c.a_port, stun, sizeof(stun));
    ru_send(c.B.rtp, c.b_port, stun, sizeof(stun));
    CHECK(silent(c.B.rtp, 200));
    CHECK(silent(c.A.rtp, 100));
    sleep_ms(1300); /* housekeeping would log drops by now */
    const ctl_be *r = cmd_call("query", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.stun"), 3);
    CHECK_EQ(ru_int(r, "streams.0.b.stun"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.drops.malformed"), 0);
    CHECK_EQ(ru_int(r, "streams.0.b.drops.malformed"), 0);
    r = cmd_call("statistics", NULL);
    CHECK(ru_int(r, "media.stun") >= 4);
    FILE *f = fopen(D.log, "r");
    CHECK(f);
    char line[1024], want[96];
    snprintf(want, sizeof(want), "call %s stream 0", c.id);
    bool warned = false;
    while (fgets(line, sizeof(line), f))
        warned |= strstr(line, want) && strstr(line, "dropped");
    fclose(f);
    CHECK_MSG(!warned, "STUN logged as a drop");
    cmd_call("delete", c.id);
    call_teardown(&c);
}

/* A call-id (peer-supplied: the SIP Call-ID) with LF, CR, ESC, another
 * control byte, a C1 control in UTF-8 and invalid UTF-8 cannot forge log
 * lines or drive a terminal: each such byte is written as \xNN. */
static void test_callid_escaped_in_log(void)
{
    const char id[] = "evil\nFORGED srtpd INFO: fake\r\x1b[31mred\x01\xc2\x9b\xff\xc3(ok-\xc3\xa9";
    char buf[512];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", id);
    ru_leg_begin(&w, "a", NULL, 0);
    ctl_benc_end(&w);
    CHECK(ru_ok(ru_req_end(&D, &w)));
    CHECK(ru_ok(cmd_call("delete", id)));
    /* A refused command names the call too. */
    CHECK(!ru_ok(cmd_call("query", id)));
    sleep_ms(100);
    FILE *f = fopen(D.log, "rb");
    CHECK(f);
    static char all[1 << 20];
    size_t n = fread(all, 1, sizeof(all) - 1, f);
    fclose(f);
    all[n] = 0;
    CHECK(n > 0);
    CHECK_MSG(!memchr(all, 0x1b, n), "raw ESC in the log");
    CHECK_MSG(!memchr(all, '\r', n), "raw CR in the log");
    CHECK_MSG(!memmem(all, n, "\nFORGED", 7), "forged line in the log");
    CHECK_MSG(!memmem(all, n, "\xc2\x9b", 2), "raw C1 control in the log");
    CHECK_MSG(!memmem(all, n, "\xff", 1), "invalid UTF-8 in the log");
    const char want[] =
        "evil\\x0aFORGED srtpd INFO: fake\\x0d\\x1b[31mred\\x01\\xc2\\x9b\\xff\\xc3(ok-\xc3\xa9";
    CHECK_MSG(strstr(all, want), "escaped call-id not found in the log");
}

int main(void)
{
    alarm(120);
    if (!ru_srtpd_start(&D, NULL, NULL)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay_guard: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_hijack_srtp);
    RUN(test_hijack_unauthenticated_srtp);
    RUN(test_hijack_plain_rtp);
    RUN(test_no_move_while_peer_talks);
    RUN(test_stun_counted_not_malformed);
    RUN(test_callid_escaped_in_log);
    ru_srtpd_stop(&D);
    return check_summary("relay_guard");
}
