/*
 * tests/relay/relay_load_test.c — 1000 concurrent calls through one srtpd
 * on loopback, each with its own keys: plain RTP from the "PBX" side is
 * encrypted toward the SRTP side and SRTP from the SRTP side is decrypted
 * toward the PBX, 20 packets per call and direction, paced in rounds of one
 * packet per call. Every packet must arrive, verify with libsrtp2 (one
 * session per call) and come in order. Bounded: alarm(60).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/relay_util.h"

#define CALLS  1000
#define ROUNDS 20

static ru_srtpd D;

typedef struct lcall {
    uint16_t a_port, b_port;
    srtp_t tx, rx;           /* the SRTP endpoint's sender and receiver */
    uint16_t next_a, next_b; /* next expected seq at A (from B) and at B (from A) */
    int got_a, got_b;
    int disorder;
} lcall;

static lcall calls[CALLS];
static uint16_t port_to_call[65536];

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_thousand_calls(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    uint16_t pa, pb;
    int fa = ru_udp(&pa), fb = ru_udp(&pb);
    int64_t t0 = now_ms();
    for (int i = 0; i < CALLS; i++) {
        unsigned k_in = 10000 + 2 * (unsigned)i, k_out = k_in + 1;
        lcall *c = &calls[i];
        c->tx = ru_libsrtp1(s, k_in, true);
        c->rx = ru_libsrtp1(s, k_out, false);
        CHECK(c->tx && c->rx);
        char buf[1024], id[32];
        snprintf(id, sizeof(id), "load-%d", i);
        ctl_benc w;
        ru_req_begin(&w, buf, sizeof(buf), "offer", id);
        ru_leg_begin(&w, "a", "127.0.0.1", pa);
        ru_leg_keys(&w, s, k_in, k_out);
        ctl_benc_kv_cstr(&w, "transport", "SRTP");
        ctl_benc_end(&w);
        ru_leg_begin(&w, "b", "127.0.0.1", pb);
        ctl_benc_kv_cstr(&w, "transport", "RTP");
        ctl_benc_end(&w);
        const ctl_be *r = ru_req_end(&D, &w);
        CHECK_MSG(r && ru_ok(r), "offer %d", i);
        c->a_port = (uint16_t)ru_int(r, "streams.0.a.port");
        c->b_port = (uint16_t)ru_int(r, "streams.0.b.port");
        port_to_call[c->a_port] = (uint16_t)i;
        port_to_call[c->b_port] = (uint16_t)i;
    }
    printf("# %d calls set up in %lld ms\n", CALLS, (long long)(now_ms() - t0));
    t0 = now_ms();
    long lost = 0, bad = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < CALLS; i++) {
            uint8_t p[2048];
            uint16_t seq = (uint16_t)(round + 1);
            int len = (int)ru_rtp(p, 0x10000u + (unsigned)i, seq, 160);
            ru_send(fb, calls[i].b_port, p, (size_t)len); /* PBX -> srtpd -> SRTP side */
            len = (int)ru_rtp(p, 0x20000u + (unsigned)i, seq, 160);
            CHECK(srtp_protect(calls[i].tx, p, &len) == srtp_err_status_ok);
            ru_send(fa, calls[i].a_port, p, (size_t)len); /* SRTP side -> srtpd -> PBX */
        }
        int want = 2 * CALLS, got = 0;
        int64_t deadline = now_ms() + 3000;
        while (got < want && now_ms() < deadline) {
            uint8_t p[2048];
            uint16_t from;
            int n = ru_recv(fa, p, sizeof(p), 5, &from);
            if (n > 0) {
                lcall *c = &calls[port_to_call[from]];
                int i = (int)(c - calls);
                if (srtp_unprotect(c->rx, p, &n) != srtp_err_status_ok ||
                    !ru_rtp_check(p, (size_t)n, 0x10000u + (unsigned)i, (uint16_t)(c->got_a + 1),
                                  160))
                    bad++;
                else
                    c->got_a++;
                got++;
            }
            n = ru_recv(fb, p, sizeof(p), 0, &from);
            if (n > 0) {
                lcall *c = &calls[port_to_call[from]];
                int i = (int)(c - calls);
                if (!ru_rtp_check(p, (size_t)n, 0x20000u + (unsigned)i, (uint16_t)(c->got_b + 1),
                                  160))
                    bad++;
                else
                    c->got_b++;
                got++;
            }
        }
        lost += want - got;
    }
    long long ms = (long long)(now_ms() - t0);
    printf("# %d packets relayed in %lld ms, lost %ld, bad or out of order %ld\n",
           2 * CALLS * ROUNDS, ms, lost, bad);
    CHECK_EQ(lost, 0);
    CHECK_EQ(bad, 0);
    for (int i = 0; i < CALLS; i++) {
        CHECK_EQ(calls[i].got_a, ROUNDS);
        CHECK_EQ(calls[i].got_b, ROUNDS);
    }
    const char stats[] = "d7:command10:statisticse";
    const ctl_be *r = ru_call(&D, stats, sizeof(stats) - 1);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "calls"), CALLS);
    CHECK_EQ(ru_int(r, "media.rtp-in"), 2 * CALLS * ROUNDS);
    CHECK_EQ(ru_int(r, "media.drops.auth"), 0);
    CHECK_EQ(ru_int(r, "media.drops.kernel"), 0);
    for (int i = 0; i < CALLS; i++) {
        char buf[128];
        int n = snprintf(buf, sizeof(buf), "d7:call-id%zu:load-%d7:command6:deletee",
                         strlen("load-") + (size_t)snprintf(NULL, 0, "%d", i), i);
        r = ru_call(&D, buf, (size_t)n);
        CHECK(r && ru_ok(r));
        srtp_dealloc(calls[i].tx);
        srtp_dealloc(calls[i].rx);
    }
    close(fa);
    close(fb);
}

int main(void)
{
    alarm(60);
    const char *extra[] = {"--workers", "2", NULL};
    if (!ru_srtpd_start(&D, NULL, extra)) {
        fprintf(stderr, "srtpd did not start\n");
        printf("relay_load: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_thousand_calls);
    int st = ru_srtpd_stop(&D);
    if (st != 0)
        fprintf(stderr, "srtpd exit status %d\n", st);
    return check_summary("relay_load") | (st != 0);
}
