/*
 * tests/relay/relay_ha_legs_test.c — one-port rtcp-mux legs and legs on
 * two named media interfaces survive a relay loss (docs/ha.md "Restart
 * recovery", docs/srtpd.md "Media interfaces" and "Ports").
 *
 * srtpd with `interface = inside/127.0.0.1` and `outside/127.0.0.2` and a
 * redis-server of the test's own; SRTP calls whose legs both use rtcp-mux
 * (one port per leg: `"rtcp-port": 0` in the record), half of them with
 * leg a inside and leg b outside, half the other way round. RTP and SRTCP
 * run both ways on the one port of each leg; srtpd is SIGKILLed and
 * started again (then, in a second round, a standby takes over on
 * command). After each loss every leg must be back on its port, as a
 * one-port leg, on its interface (the reply's interface name; packets come
 * from the interface's address and are not taken on the other address),
 * RTP and RTCP must go through both ways again, and no SRTP or SRTCP index
 * may reach an endpoint twice with other bytes (ha_util's ledger).
 * 127.0.0.2 is on loopback on Linux (127.0.0.0/8 is routed to lo).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/ha_util.h"

#define NCALLS 4

ru_srtpd D;
static ru_srtpd standby;
static ha_redis R;
static char ctl[64], ctl2[64], log_path[160], log2_path[160], secret_file[200];
static int pmin, pmax;
static const sg_suite *suite;

typedef struct lcall {
    char id[32];
    int fa, fb;      /* endpoints (on 127.0.0.1): one socket each, rtcp-mux */
    uint16_t pa, pb; /* their ports */
    srtp_t atx, arx, btx, brx;
    const char *ifa, *ifb;       /* leg a's and leg b's interface */
    const char *addr_a, *addr_b; /* the interfaces' addresses */
    uint16_t port_a, port_b;     /* srtpd's one port per leg */
    uint16_t seq[2];
    unsigned rtcp_n[2];
    unsigned rtp_got[2], rtcp_got[2], wrong_src[2];
} lcall;
static lcall calls[NCALLS];

static const char *const *relay_args(bool as_standby)
{
    static const char *args[16];
    int n = 0;
    args[n++] = "--interface";
    args[n++] = "inside/127.0.0.1";
    args[n++] = "--interface";
    args[n++] = "outside/127.0.0.2";
    args[n++] = "--redis";
    args[n++] = R.sock;
    args[n++] = "--redis-secret-file";
    args[n++] = secret_file;
    if (as_standby) {
        args[n++] = "--redis-role";
        args[n++] = "standby";
    }
    args[n] = NULL;
    return args;
}

static void leg(ctl_benc *w, const char *name, const char *iface, uint16_t port, unsigned seed)
{
    ru_leg_begin(w, name, port ? "127.0.0.1" : NULL, port);
    ctl_benc_kv_cstr(w, "interface", iface);
    ctl_benc_kv_int(w, "rtcp-mux", 1);
    if (port) {
        unsigned rs[1] = {seed + 1}, ss[1] = {seed + 2}, mk[1] = {1};
        ru_crypto(w, "recv", suite, rs, mk, NULL, 1, 0, 0);
        ru_crypto(w, "send", suite, ss, mk, NULL, 1, 0, 0);
    }
    ctl_benc_kv_cstr(w, "transport", "SRTP");
    ctl_benc_end(w);
}

static bool call_up(lcall *c, int i)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "legs-%d@test", i);
    c->ifa = i % 2 ? "outside" : "inside";
    c->ifb = i % 2 ? "inside" : "outside";
    c->addr_a = i % 2 ? "127.0.0.2" : "127.0.0.1";
    c->addr_b = i % 2 ? "127.0.0.1" : "127.0.0.2";
    c->fa = ru_udp(&c->pa);
    c->fb = ru_udp(&c->pb);
    unsigned sa = 100 + 10 * (unsigned)i, sb = sa + 5;
    c->atx = ru_libsrtp1(suite, sa + 1, true);
    c->arx = ru_libsrtp1(suite, sa + 2, false);
    c->btx = ru_libsrtp1(suite, sb + 1, true);
    c->brx = ru_libsrtp1(suite, sb + 2, false);
    char buf[4096];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", c->id);
    leg(&w, "a", c->ifa, c->pa, sa);
    leg(&w, "b", c->ifb, 0, 0);
    const ctl_be *r = ru_req_end(&D, &w);
    if (!r || !ru_ok(r))
        return false;
    c->port_a = (uint16_t)ru_int(r, "streams.0.a.port");
    ru_req_begin(&w, buf, sizeof(buf), "answer", c->id);
    leg(&w, "b", c->ifb, c->pb, sb);
    r = ru_req_end(&D, &w);
    if (!r || !ru_ok(r))
        return false;
    c->port_b = (uint16_t)ru_int(r, "streams.0.b.port");
    return c->port_a && c->port_b;
}

static void send_to(int fd, const char *addr, uint16_t port, const void *p, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, addr, &a.sin_addr);
    sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof(a));
}

/* Direction k (0: a -> b, 1: b -> a): one SRTP packet and one SRTCP report
 * on the sender's one socket to srtpd's one port of its leg. */
static void send_one(lcall *c, int k)
{
    uint8_t buf[2048];
    uint32_t ssrc = (k ? 0x2000u : 0x1000u) + (uint32_t)(c - calls);
    int len = (int)ru_rtp(buf, ssrc, c->seq[k]++, 160);
    srtp_protect(k ? c->btx : c->atx, buf, &len);
    send_to(k ? c->fb : c->fa, k ? c->addr_b : c->addr_a, k ? c->port_b : c->port_a, buf,
            (size_t)len);
    len = (int)ru_rtcp(buf, ssrc, c->rtcp_n[k]++);
    srtp_protect_rtcp(k ? c->btx : c->atx, buf, &len);
    send_to(k ? c->fb : c->fa, k ? c->addr_b : c->addr_a, k ? c->port_b : c->port_a, buf,
            (size_t)len);
}

/* Reads what reached the receiver of direction k: RTP and RTCP told apart
 * by packet type (RFC 5761 §4), each into the ledger, counted when it
 * authenticates and came from the leg's own address and port. */
static void drain(lcall *c, int k)
{
    int fd = k ? c->fa : c->fb;
    srtp_t rx = k ? c->arx : c->brx;
    const char *src = k ? c->addr_a : c->addr_b;
    uint16_t sport = k ? c->port_a : c->port_b;
    uint32_t dir = (uint32_t)(2 * (c - calls) + k);
    for (;;) {
        uint8_t buf[2048];
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (r < 12)
            break;
        char fa[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &from.sin_addr, fa, sizeof(fa));
        bool right = !strcmp(fa, src) && ntohs(from.sin_port) == sport;
        int len = (int)r;
        bool rtcp = buf[1] >= 192 && buf[1] <= 223;
        uint32_t ssrc = rtcp ? (uint32_t)(buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7])
                             : (uint32_t)(buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11]);
        if (rtcp && r >= 8 + 4 + 10) {
            size_t w = (size_t)r - 10 - 4;
            uint32_t idx =
                (uint32_t)(buf[w] << 24 | buf[w + 1] << 16 | buf[w + 2] << 8 | buf[w + 3]) &
                0x7fffffffu;
            ha_ledger_add(dir, true, ssrc, idx, buf, (size_t)r);
            if (srtp_unprotect_rtcp(rx, buf, &len) == srtp_err_status_ok)
                right ? c->rtcp_got[k]++ : c->wrong_src[k]++;
        } else if (!rtcp) {
            ha_ledger_add(dir, false, ssrc, (uint32_t)(buf[2] << 8 | buf[3]), buf, (size_t)r);
            if (srtp_unprotect(rx, buf, &len) == srtp_err_status_ok)
                right ? c->rtp_got[k]++ : c->wrong_src[k]++;
        }
    }
}

static void counts_reset(void)
{
    for (int i = 0; i < NCALLS; i++)
        for (int k = 0; k < 2; k++)
            calls[i].rtp_got[k] = calls[i].rtcp_got[k] = calls[i].wrong_src[k] = 0;
}

/* Rounds every 20 ms for ms; with until_all, stops as soon as every
 * direction had RTP and RTCP through since the last counts_reset. */
static void media(int ms, bool until_all)
{
    int64_t end = ha_now_ms() + ms;
    while (ha_now_ms() < end) {
        for (int i = 0; i < NCALLS; i++)
            for (int k = 0; k < 2; k++)
                send_one(&calls[i], k);
        usleep(20000);
        bool all = true;
        for (int i = 0; i < NCALLS; i++)
            for (int k = 0; k < 2; k++) {
                drain(&calls[i], k);
                all = all && calls[i].rtp_got[k] && calls[i].rtcp_got[k];
            }
        if (until_all && all)
            return;
    }
}

static int directions_through(void)
{
    int n = 0;
    for (int i = 0; i < NCALLS; i++)
        for (int k = 0; k < 2; k++)
            n += calls[i].rtp_got[k] > 0 && calls[i].rtcp_got[k] > 0 && !calls[i].wrong_src[k];
    return n;
}

/* True when nothing is bound on addr:port (srtpd holds no socket there). */
static bool port_free(const char *addr, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, addr, &a.sin_addr);
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

/* The interface srtpd's `list` names for leg of call id. */
static bool list_iface(const ctl_be *l, const char *id, const char *legname, const char *want)
{
    for (int i = 0; i < 2 * NCALLS; i++) {
        char path[64];
        snprintf(path, sizeof(path), "calls.%d.call-id", i);
        if (!ru_str_is(l, path, id))
            continue;
        snprintf(path, sizeof(path), "calls.%d.streams.0.%s.interface", i, legname);
        return ru_str_is(l, path, want);
    }
    return false;
}

/* Each leg as it was: same port, still rtcp-mux with nothing bound on
 * port + 1 (one port), same interface name; its address is checked on
 * every packet (drain: from the interface's address and the leg's port),
 * and a packet to the other interface's address reaches nothing. */
static void legs_kept(ru_srtpd *d, const char *what)
{
    static const char lq[] = "d7:command4:liste";
    const ctl_be *l = ru_call(d, lq, sizeof(lq) - 1);
    CHECK_MSG(l && ru_ok(l), "%s: list", what);
    for (int i = 0; i < NCALLS && l; i++) {
        lcall *c = &calls[i];
        CHECK_MSG(list_iface(l, c->id, "a", c->ifa) && list_iface(l, c->id, "b", c->ifb),
                  "%s: %s interfaces kept (%s, %s)", what, c->id, c->ifa, c->ifb);
    }
    for (int i = 0; i < NCALLS; i++) {
        lcall *c = &calls[i];
        char body[128];
        int bl =
            snprintf(body, sizeof(body), "d7:call-id%zu:%s7:command5:querye", strlen(c->id), c->id);
        const ctl_be *r = ru_call(d, body, (size_t)bl);
        CHECK_MSG(r && ru_ok(r), "%s: query %s", what, c->id);
        if (!r || !ru_ok(r))
            continue;
        CHECK_MSG(ru_int(r, "streams.0.a.local-port") == c->port_a &&
                      ru_int(r, "streams.0.b.local-port") == c->port_b,
                  "%s: %s ports %lld/%lld, want %u/%u", what, c->id,
                  (long long)ru_int(r, "streams.0.a.local-port"),
                  (long long)ru_int(r, "streams.0.b.local-port"), c->port_a, c->port_b);
        CHECK_MSG(ru_int(r, "streams.0.a.rtcp-mux") == 1 && ru_int(r, "streams.0.b.rtcp-mux") == 1,
                  "%s: %s rtcp-mux kept", what, c->id);
        CHECK_MSG(port_free(c->addr_a, (uint16_t)(c->port_a + 1)) &&
                      port_free(c->addr_b, (uint16_t)(c->port_b + 1)),
                  "%s: %s a second port bound for a one-port leg", what, c->id);
    }
    /* Leg b of call 0 is on 127.0.0.2 only: a packet to 127.0.0.1 at its
     * port reaches nothing (the RTP port of no other leg of this test). */
    lcall *c = &calls[0];
    uint8_t buf[2048];
    int len = (int)ru_rtp(buf, 0x2000, 40000, 160);
    send_to(c->fb, "127.0.0.1", c->port_b, buf, (size_t)len);
    uint8_t in[2048];
    CHECK_MSG(ru_recv(c->fa, in, sizeof(in), 200, NULL) == -1,
              "%s: leg b of call 0 answered on the other interface's address", what);
}

static void report(const char *what, int64_t gap)
{
    size_t packets, srtcp;
    size_t reused = ha_ledger_reuse(&packets, &srtcp);
    printf("  %s: %d/%d directions with RTP and RTCP through on one port each, gap %lld ms; "
           "%zu packets (%zu SRTCP), %zu index(es) reused\n",
           what, directions_through(), 2 * NCALLS, (long long)gap, packets, srtcp, reused);
    CHECK_MSG(directions_through() == 2 * NCALLS, "%s: every direction through", what);
    CHECK_MSG(reused == 0, "%s: %zu SRTP/SRTCP index(es) reused with other bytes", what, reused);
    CHECK_MSG(srtcp > 0, "%s: SRTCP in the ledger", what);
}

static void test_mux_and_interfaces_survive(void)
{
    ha_ledger_reset();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, relay_args(false)));
    for (int i = 0; i < NCALLS; i++)
        CHECK_MSG(call_up(&calls[i], i), "call %d set up", i);
    media(1200, false); /* past one index-mark read and write */
    CHECK_EQ(directions_through(), 2 * NCALLS);
    legs_kept(&D, "before");

    /* 1. SIGKILL, started again. */
    counts_reset();
    int64_t t0 = ha_now_ms();
    ha_srtpd_kill(&D);
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, relay_args(false)));
    media(4000, true);
    int64_t gap = ha_now_ms() - t0;
    legs_kept(&D, "restart");
    media(600, false);
    report("SIGKILL, srtpd started again", gap);

    /* 2. A standby takes the calls over on command. */
    CHECK(ha_srtpd_start(&standby, ctl2, pmin, pmax, log2_path, relay_args(true)));
    media(1200, false);
    counts_reset();
    t0 = ha_now_ms();
    ha_srtpd_kill(&D);
    const char body[] = "d7:command8:takeovere";
    const ctl_be *r = ru_call(&standby, body, sizeof(body) - 1);
    CHECK_MSG(r && ru_ok(r) && ru_str_is(r, "role", "active"), "takeover answered");
    media(4000, true);
    gap = ha_now_ms() - t0;
    legs_kept(&standby, "takeover");
    media(600, false);
    report("SIGKILL, srtpctl takeover", gap);
    ha_srtpd_kill(&standby);
    for (int i = 0; i < NCALLS; i++) {
        close(calls[i].fa);
        close(calls[i].fb);
        srtp_dealloc(calls[i].atx);
        srtp_dealloc(calls[i].arx);
        srtp_dealloc(calls[i].btx);
        srtp_dealloc(calls[i].brx);
    }
}

int main(void)
{
    alarm(60);
    suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    if (!ha_redis_start(&R)) {
        fprintf(stderr, "redis-server did not start\n");
        printf("relay-ha-legs: 0 passed, 1 failed\n");
        return 1;
    }
    ha_group_secret(&R, secret_file, sizeof(secret_file));
    snprintf(ctl, sizeof(ctl), "udp:127.0.0.1:%d", ru_free_port());
    snprintf(ctl2, sizeof(ctl2), "udp:127.0.0.1:%d", ru_free_port());
    pmin = ru_free_range(64);
    pmax = pmin + 63;
    snprintf(log_path, sizeof(log_path), "%s/srtpd.log", R.dir);
    snprintf(log2_path, sizeof(log2_path), "%s/srtpd-standby.log", R.dir);
    RUN(test_mux_and_interfaces_survive);
    if (getenv("HA_KEEP"))
        fprintf(stderr, "kept %s\n", R.dir);
    else
        ha_redis_clean(&R);
    return check_summary("relay-ha-legs");
}
