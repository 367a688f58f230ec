/*
 * tests/relay/relay_defer_test.c — the attach of a one-stream offer's new
 * stream, which srtpd's control thread does not wait for (relay/worker.h
 * relay_worker_defer; docs/srtpd.md): what the reply promises holds as if
 * it had waited.
 *
 *   - media sent to the new ports at once after the offer's reply, in both
 *     directions, is relayed (it waits in the sockets until the worker has
 *     the stream), call after call, and on every call of offers made back
 *     to back;
 *   - a request right after the offer sees the call as the offer left it:
 *     query lists its stream, answer applies, delete removes it, and the
 *     call count and srtpd's descriptors come back to where they were;
 *   - the offer's log line is in the log once the next request's reply
 *     arrived (lines are written after a batch's replies);
 *   - a two-stream offer (one job for both streams): media on both at once;
 *   - an SRTP answer's keys are in force when its reply arrives (its job
 *     is posted before the reply and a worker runs posted jobs before the
 *     next packet, relay_jobs_first): SRTP sent at once after it is relayed
 *     both ways, on new calls and when a second answer changes the keys of
 *     a call that carries media. Without that check this failed under
 *     load (15-18 of 20, epoll loop);
 *   - jobs run in the middle of a round (deletes and answers while every
 *     call has packets queued) free nothing under the worker, and srtpd
 *     relays on;
 *   - SIGTERM right after offers exits cleanly (under ASan: no leak).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/proc_fds.h"
#include "tests/relay/relay_peer.h"

ru_srtpd D;

/* Every descriptor srtpd holds, in the control thread's table and the
 * workers' own (rtp/relay/worker_fds.c). */
static long fds_of(pid_t pid)
{
    return pf_fds(pid, NULL);
}

/* offer with both legs complete and plain RTP (rtcp-mux): media can flow
 * as soon as the reply is in. */
static const ctl_be *offer_plain(const char *id, uint16_t pa, uint16_t pb)
{
    char buf[2048];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", id);
    ru_leg_begin(&w, "a", "127.0.0.1", pa);
    ctl_benc_kv_int(&w, "rtcp-mux", 1);
    ctl_benc_kv_cstr(&w, "transport", "RTP");
    ctl_benc_end(&w);
    ru_leg_begin(&w, "b", "127.0.0.1", pb);
    ctl_benc_kv_int(&w, "rtcp-mux", 1);
    ctl_benc_kv_cstr(&w, "transport", "RTP");
    ctl_benc_end(&w);
    return ru_req_end(&D, &w);
}

/* One RTP packet from fd to srtpd's port, checked where it must arrive
 * within 300 ms (microseconds when the attach follows the reply at once;
 * an attach left for the next request or job would come only with the
 * once-a-second housekeeping). */
static bool one_through(int from, uint16_t to_port, int to, uint32_t ssrc, uint16_t seq)
{
    uint8_t p[256], got[2048];
    size_t n = ru_rtp(p, ssrc, seq, 40);
    ru_send(from, to_port, p, n);
    int r = ru_recv(to, got, sizeof(got), 300, NULL);
    return r > 0 && ru_rtp_check(got, (size_t)r, ssrc, seq, 40);
}

static void test_media_right_after_offer(void)
{
    enum { N = 30 };
    int ab = 0, ba = 0, made = 0;
    for (int i = 0; i < N; i++) {
        char id[48];
        snprintf(id, sizeof(id), "defer-media-%d@test", i);
        uint16_t pa, pb;
        int a = ru_udp(&pa), b = ru_udp(&pb);
        const ctl_be *r = offer_plain(id, pa, pb);
        if (r && ru_ok(r)) {
            made++;
            /* No request between the reply and the packets. */
            uint16_t sa = (uint16_t)ru_int(r, "streams.0.a.port");
            uint16_t sb = (uint16_t)ru_int(r, "streams.0.b.port");
            ab += one_through(a, sa, b, 0x5000 + (uint32_t)i, 1);
            ba += one_through(b, sb, a, 0x6000 + (uint32_t)i, 1);
        }
        cmd_call("delete", id);
        close(a);
        close(b);
    }
    CHECK_EQ(made, N);
    CHECK_EQ(ab, N);
    CHECK_EQ(ba, N);
}

/* Offers back to back, nothing else between them (each settles the one
 * before), then media on every call: no attach lost or left behind. */
static void test_offers_in_a_row(void)
{
    enum { N = 12 };
    int a[N], b[N], through = 0, made = 0;
    uint16_t sa[N], sb[N];
    char id[N][48];
    for (int i = 0; i < N; i++) {
        uint16_t pa, pb;
        a[i] = ru_udp(&pa);
        b[i] = ru_udp(&pb);
        snprintf(id[i], sizeof(id[i]), "defer-row-%d@test", i);
        const ctl_be *r = offer_plain(id[i], pa, pb);
        made += r && ru_ok(r);
        sa[i] = r ? (uint16_t)ru_int(r, "streams.0.a.port") : 0;
        sb[i] = r ? (uint16_t)ru_int(r, "streams.0.b.port") : 0;
    }
    for (int i = 0; i < N; i++) {
        through += one_through(a[i], sa[i], b[i], 0x7000 + (uint32_t)i, 1);
        through += one_through(b[i], sb[i], a[i], 0x7100 + (uint32_t)i, 1);
    }
    for (int i = 0; i < N; i++) {
        cmd_call("delete", id[i]);
        close(a[i]);
        close(b[i]);
    }
    CHECK_EQ(made, N);
    CHECK_EQ(through, 2 * N);
}

/* Both streams of a two-stream offer (one attach job) relay at once. */
static void test_two_stream_offer(void)
{
    enum { N = 10 };
    int through = 0, made = 0;
    for (int i = 0; i < N; i++) {
        char id[48], buf[2048];
        snprintf(id, sizeof(id), "defer-two-%d@test", i);
        int a[2], b[2];
        uint16_t pa[2], pb[2];
        ctl_benc w;
        ru_req_streams(&w, buf, sizeof(buf), "offer", id);
        for (int k = 0; k < 2; k++) {
            a[k] = ru_udp(&pa[k]);
            b[k] = ru_udp(&pb[k]);
            ctl_benc_dict(&w);
            ru_leg_begin(&w, "a", "127.0.0.1", pa[k]);
            ctl_benc_kv_int(&w, "rtcp-mux", 1);
            ctl_benc_kv_cstr(&w, "transport", "RTP");
            ctl_benc_end(&w);
            ru_leg_begin(&w, "b", "127.0.0.1", pb[k]);
            ctl_benc_kv_int(&w, "rtcp-mux", 1);
            ctl_benc_kv_cstr(&w, "transport", "RTP");
            ctl_benc_end(&w);
            ctl_benc_kv_int(&w, "index", k);
            ctl_benc_end(&w);
        }
        ctl_benc_end(&w);
        ctl_benc_end(&w);
        const ctl_be *r = ru_call(&D, w.buf, w.len);
        if (r && ru_ok(r)) {
            made++;
            for (int k = 0; k < 2; k++) {
                char key[32];
                snprintf(key, sizeof(key), "streams.%d.a.port", k);
                uint16_t sa = (uint16_t)ru_int(r, key);
                snprintf(key, sizeof(key), "streams.%d.b.port", k);
                uint16_t sb = (uint16_t)ru_int(r, key);
                through += one_through(a[k], sa, b[k], 0x9000 + (uint32_t)(i * 4 + k), 1);
                through += one_through(b[k], sb, a[k], 0x9100 + (uint32_t)(i * 4 + k), 1);
            }
        }
        cmd_call("delete", id);
        for (int k = 0; k < 2; k++) {
            close(a[k]);
            close(b[k]);
        }
    }
    CHECK_EQ(made, N);
    CHECK_EQ(through, 4 * N);
}

/* SRTP both ways right after the answer's reply, call after call. */
static void test_answer_keys_at_once(void)
{
    enum { N = 20 };
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    int set = 0, ba = 0, ab = 0;
    for (int i = 0; i < N; i++) {
        tcall c;
        if (call_setup(&c, s, true, true, 0)) {
            set++;
            ba += flow(&c.B, c.b_port, &c.A, 0x8000 + (uint32_t)i, 1, 1, -1) == 1;
            ab += flow(&c.A, c.a_port, &c.B, 0x8100 + (uint32_t)i, 1, 1, -1) == 1;
        }
        cmd_call("delete", c.id);
        call_teardown(&c);
    }
    CHECK_EQ(set, N);
    CHECK_EQ(ba, N);
    CHECK_EQ(ab, N);
}

/* A second answer gives leg b new keys while media flows: B's first
 * packet with its new key, and srtpd's first packet to B with the new
 * key toward B, pass at once after the reply. */
static void test_reanswer_keys_at_once(void)
{
    enum { N = 10 };
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    int set = 0, before = 0, ba = 0, ab = 0;
    for (int i = 0; i < N; i++) {
        tcall c;
        if (!call_setup(&c, s, true, true, 0)) {
            cmd_call("delete", c.id);
            call_teardown(&c);
            continue;
        }
        uint32_t ssrc_b = 0x8200 + (uint32_t)i, ssrc_a = 0x8300 + (uint32_t)i;
        before += flow(&c.B, c.b_port, &c.A, ssrc_b, 1, 2, -1) == 2;
        before += flow(&c.A, c.a_port, &c.B, ssrc_a, 1, 2, -1) == 2;
        /* New keys for leg b (seed_base + 5: B to srtpd, + 6: srtpd to B;
         * call_setup used + 1 .. + 4). */
        unsigned one = 1, k_in = seed_base + 5, k_out = seed_base + 6;
        srtp_dealloc(c.B.tx);
        srtp_dealloc(c.B.rx);
        c.B.tx = ru_libsrtp(s, &k_in, &one, 1, 0, true);
        c.B.rx = ru_libsrtp(s, &k_out, &one, 1, 0, false);
        char buf[4096];
        ctl_benc w;
        ru_req_begin(&w, buf, sizeof(buf), "answer", c.id);
        ru_leg_begin(&w, "b", "127.0.0.1", c.B.prtp);
        ctl_benc_kv_int(&w, "rtcp-port", c.B.prtcp);
        unsigned mk = 1;
        ru_crypto(&w, "recv", s, &k_in, &mk, NULL, 1, 0, 0);
        ru_crypto(&w, "send", s, &k_out, &mk, NULL, 1, 0, 0);
        ctl_benc_kv_cstr(&w, "transport", "SRTP");
        ctl_benc_end(&w);
        const ctl_be *r = ru_req_end(&D, &w);
        if (c.B.tx && c.B.rx && r && ru_ok(r)) {
            set++;
            ba += flow(&c.B, c.b_port, &c.A, ssrc_b, 3, 1, -1) == 1;
            ab += flow(&c.A, c.a_port, &c.B, ssrc_a, 3, 1, -1) == 1;
        }
        cmd_call("delete", c.id);
        call_teardown(&c);
    }
    CHECK_EQ(before, 2 * N);
    CHECK_EQ(set, N);
    CHECK_EQ(ba, N);
    CHECK_EQ(ab, N);
}

/* Jobs a worker runs in the middle of a round (relay_jobs_first): deletes
 * and re-answers that land while every call's sockets have packets queued.
 * A deleted call's socket may still be in the round's list (epoll) or
 * have completions queued (ring): it is skipped, nothing is freed under
 * the worker (under ASan, build/asan-srtpd: no use after free), and the
 * calls that stay still relay. */
static void test_jobs_mid_round(void)
{
    enum { N = 12, BURST = 40 };
    long f0 = fds_of(D.pid);
    uint16_t pa, pb;
    int a = ru_udp(&pa), b = ru_udp(&pb);
    char id[N][48];
    uint16_t port[N] = {0};
    for (int i = 0; i < N; i++) {
        snprintf(id[i], sizeof(id[i]), "defer-mid-%d@test", i);
        const ctl_be *r = offer_plain(id[i], pa, pb);
        port[i] = r && ru_ok(r) ? (uint16_t)ru_int(r, "streams.0.a.port") : 0;
        CHECK(port[i] != 0);
    }
    uint8_t p[256];
    int deleted = 0, answered = 0;
    for (int round = 0; round < N; round++) {
        /* A burst on every call still there, then at once a request for
         * the worker: the delete of one call, an answer on another. */
        for (int i = round; i < N; i++)
            for (int k = 0; k < BURST; k++) {
                size_t n = ru_rtp(p, 0x9000u + (unsigned)i, (uint16_t)(round * BURST + k), 40);
                ru_send(a, port[i], p, n);
            }
        deleted += ru_ok(cmd_call("delete", id[round]));
        if (round + 1 < N) {
            char buf[2048];
            ctl_benc w;
            ru_req_begin(&w, buf, sizeof(buf), "answer", id[round + 1]);
            ru_leg_begin(&w, "b", "127.0.0.1", pb);
            ctl_benc_kv_int(&w, "rtcp-mux", 1);
            ctl_benc_end(&w);
            answered += ru_ok(ru_req_end(&D, &w));
        }
    }
    CHECK_EQ(deleted, N);
    CHECK_EQ(answered, N - 1);
    CHECK(ru_ok(cmd_call("ping", NULL)));
    CHECK_EQ(ru_int(cmd_call("statistics", NULL), "calls"), 0);
    /* A new call after all that relays. */
    const ctl_be *r = offer_plain("defer-mid-after@test", pa, pb);
    uint16_t sa = r && ru_ok(r) ? (uint16_t)ru_int(r, "streams.0.a.port") : 0;
    uint8_t junk[2048];
    while (ru_recv(b, junk, sizeof(junk), 50, NULL) > 0) {
    }
    CHECK(sa && one_through(a, sa, b, 0x9100, 1));
    CHECK(ru_ok(cmd_call("delete", "defer-mid-after@test")));
    close(a);
    close(b);
    CHECK_EQ(fds_of(D.pid), f0);
}

static void test_requests_right_after_offer(void)
{
    enum { N = 30 };
    long f0 = fds_of(D.pid);
    int queried = 0, answered = 0, deleted = 0;
    for (int i = 0; i < N; i++) {
        char id[48], buf[2048];
        snprintf(id, sizeof(id), "defer-req-%d@test", i);
        const ctl_be *r = offer_plain(id, 4000, 4002);
        uint16_t sa = r && ru_ok(r) ? (uint16_t)ru_int(r, "streams.0.a.port") : 0;
        r = cmd_call("query", id);
        queried += r && ru_ok(r) && ru_path(r, "streams.0.a") != NULL;
        ctl_benc w;
        ru_req_begin(&w, buf, sizeof(buf), "answer", id);
        ru_leg_begin(&w, "b", "127.0.0.1", 4010);
        ctl_benc_end(&w);
        r = ru_req_end(&D, &w);
        answered += r && ru_ok(r) && ru_int(r, "streams.0.a.port") == sa;
        deleted += ru_ok(cmd_call("delete", id));
    }
    CHECK_EQ(queried, N);
    CHECK_EQ(answered, N);
    CHECK_EQ(deleted, N);
    CHECK_EQ(ru_int(cmd_call("statistics", NULL), "calls"), 0);
    CHECK_EQ(fds_of(D.pid), f0);
}

static void test_offer_logged_by_next_reply(void)
{
    const char *id = "defer-log@test";
    CHECK(ru_ok(offer_plain(id, 4000, 4002)));
    CHECK(ru_ok(cmd_call("ping", NULL)));
    FILE *f = fopen(D.log, "r");
    char line[1024];
    bool seen = false;
    while (f && fgets(line, sizeof(line), f))
        seen |= strstr(line, "call defer-log@test: offer, 1 stream(s)") != NULL;
    if (f)
        fclose(f);
    CHECK(seen);
    CHECK(ru_ok(cmd_call("delete", id)));
}

/* With calls still there (their attach settled by the shutdown's jobs):
 * a clean exit, which under ASan (build/asan-srtpd) also means no leak. */
static int stop_status = -1;
static void test_sigterm_clean_exit(void)
{
    CHECK_EQ(stop_status, 0);
}

int main(void)
{
    alarm(60);
    if (!ru_srtpd_start(&D, NULL, NULL)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay_defer: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_media_right_after_offer);
    RUN(test_offers_in_a_row);
    RUN(test_two_stream_offer);
    RUN(test_answer_keys_at_once);
    RUN(test_reanswer_keys_at_once);
    RUN(test_jobs_mid_round);
    RUN(test_requests_right_after_offer);
    RUN(test_offer_logged_by_next_reply);
    uint16_t pa, pb;
    int a = ru_udp(&pa), b = ru_udp(&pb);
    ru_ok(offer_plain("defer-left-1@test", pa, pb));
    ru_ok(offer_plain("defer-left-2@test", pa, pb));
    stop_status = ru_srtpd_stop(&D);
    close(a);
    close(b);
    RUN(test_sigterm_clean_exit);
    return check_summary("relay_defer");
}
