/*
 * tests/relay/relay_scale_test.c — srtpd's call table and ports at scale,
 * as a process (correctness only: speed is measured by build/control-bench
 * in `make bench`, never here):
 *   - rtcp-mux legs take one port; a leg that leaves rtcp-mux (a re-offer,
 *     or an answer without it: RFC 5761 §5.1.1) gets an RTCP port (the one
 *     above its RTP port, or another when that one is taken),
 *     carries RTCP on it both ways, and gives it back when it returns to
 *     rtcp-mux; a leg that starts with a pair gives its RTCP port back when
 *     it takes rtcp-mux;
 *   - 2,000 calls (ids sharing long prefixes, 255-byte ids one byte apart):
 *     each found as itself, half deleted, the deleted ones gone and their
 *     ids reusable, the rest intact, descriptors back where they started;
 *   - SIGTERM with 500 calls writes one audit line per call;
 *   - more sockets than one descriptor table may hold: each worker keeps
 *     its own (rtp/relay/worker_fds.c), so under an RLIMIT_NOFILE of 256,
 *     two workers hold 200 rtcp-mux calls (400 sockets) and relay
 *     media through them; with one shared table (SRTPD_SHARED_FDS=1) the
 *     same relay refuses the calls past the limit, naming the limit.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/proc_fds.h"
#include "tests/relay/relay_peer.h"

ru_srtpd D;

/* Every descriptor srtpd holds, in the control thread's table and the
 * workers' own. */
static long fds_of(pid_t pid)
{
    /* A one-stream offer's attach runs after its reply (deferred), and the
     * control thread closes its socket copies when it has run: any next
     * request settles it, so ask first. */
    if (pid == D.pid)
        ru_call(&D, "d7:command4:pinge", 17);
    return pf_fds(pid, NULL);
}

/* True when 127.0.0.1:port can be bound (srtpd gave it back), waiting up
 * to 1 s for the worker to let go of it. */
static bool port_free(int port)
{
    for (int i = 0; i < 50; i++) {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(fd);
        if (ok)
            return true;
        usleep(20000);
    }
    return false;
}

/* offer/answer/update of one plain stream; leg fields given as flags:
 * mux < 0 leaves rtcp-mux out; port 0 leaves the address out. */
static const ctl_be *leg_req(const char *cmd, const char *id, int a_mux, uint16_t a_port,
                             uint16_t a_rtcp, int b_mux, uint16_t b_port)
{
    static char buf[1024];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), cmd, id);
    if (a_mux >= 0 || a_port) {
        ru_leg_begin(&w, "a", a_port ? "127.0.0.1" : NULL, a_port);
        if (a_mux >= 0)
            ctl_benc_kv_int(&w, "rtcp-mux", a_mux);
        if (a_rtcp)
            ctl_benc_kv_int(&w, "rtcp-port", a_rtcp);
        if (!strcmp(cmd, "offer"))
            ctl_benc_kv_cstr(&w, "transport", "RTP");
        ctl_benc_end(&w);
    }
    if (b_mux >= 0 || b_port || !strcmp(cmd, "offer")) {
        ru_leg_begin(&w, "b", b_port ? "127.0.0.1" : NULL, b_port);
        if (b_mux >= 0)
            ctl_benc_kv_int(&w, "rtcp-mux", b_mux);
        if (!strcmp(cmd, "offer"))
            ctl_benc_kv_cstr(&w, "transport", "RTP");
        ctl_benc_end(&w);
    }
    return ru_req_end(&D, &w);
}

/* One plain RTCP SR from fd to srtpd's port, expected byte for byte on
 * to_fd. */
static bool rtcp_through(int fd, uint16_t port, int to_fd, uint32_t ssrc, unsigned n)
{
    uint8_t p[256], q[512];
    size_t len = ru_rtcp(p, ssrc, n);
    ru_send(fd, port, p, len);
    int got = ru_recv(to_fd, q, sizeof(q), 500, NULL);
    return got == (int)len && memcmp(p, q, len) == 0;
}

static void test_mux_one_port_and_fallback(void)
{
    ep A, B;
    ep_open(&A, false);
    ep_open(&B, false);
    long f0 = fds_of(D.pid);
    const ctl_be *r = leg_req("offer", "mux-1", 1, A.prtp, 0, 1, 0);
    CHECK(r && ru_ok(r));
    int a_port = (int)ru_int(r, "streams.0.a.port"), b_port = (int)ru_int(r, "streams.0.b.port");
    CHECK_EQ(ru_int(r, "streams.0.a.rtcp-port"), a_port);
    CHECK_EQ(ru_int(r, "streams.0.b.rtcp-port"), b_port);
    r = leg_req("answer", "mux-1", -1, 0, 0, 1, B.prtp);
    CHECK(r && ru_ok(r));
    CHECK_EQ(fds_of(D.pid) - f0, 2); /* one socket per leg */
    CHECK_EQ(flow_nomki(&A, (uint16_t)a_port, &B, 0x1001, 1, 3), 3);
    CHECK_EQ(flow_nomki(&B, (uint16_t)b_port, &A, 0x2002, 1, 3), 3);
    CHECK_MSG(rtcp_through(A.rtp, (uint16_t)a_port, B.rtp, 0x1001, 1), "muxed RTCP a -> b");
    CHECK_MSG(rtcp_through(B.rtp, (uint16_t)b_port, A.rtp, 0x2002, 1), "muxed RTCP b -> a");

    /* A re-offer from A without rtcp-mux: leg a gets an RTCP port. */
    long f1 = fds_of(D.pid);
    r = leg_req("update", "mux-1", 0, A.prtp, A.prtcp, -1, 0);
    CHECK(r && ru_ok(r));
    int a_rtcp = (int)ru_int(r, "streams.0.a.rtcp-port");
    CHECK_EQ(a_rtcp, a_port + 1);                    /* kept free by the even-first single ports */
    CHECK_EQ(ru_int(r, "streams.0.a.port"), a_port); /* RTP stays where it was */
    CHECK_EQ(fds_of(D.pid) - f1, 1);
    CHECK(!port_free(a_rtcp));
    CHECK_MSG(rtcp_through(A.rtcp, (uint16_t)a_rtcp, B.rtp, 0x1001, 2), "RTCP a (own port) -> b");
    CHECK_MSG(rtcp_through(B.rtp, (uint16_t)b_port, A.rtcp, 0x2002, 2), "RTCP b -> a's RTCP");
    CHECK_EQ(flow_nomki(&A, (uint16_t)a_port, &B, 0x1001, 10, 3), 3);
    r = cmd_call("query", "mux-1");
    CHECK_EQ(ru_int(r, "streams.0.a.rtcp-mux"), 0);
    CHECK_EQ(ru_int(r, "streams.0.a.rtcp-in"), 2);

    /* Back to rtcp-mux: the RTCP port goes back to the range. */
    r = leg_req("update", "mux-1", 1, 0, 0, -1, 0);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.rtcp-port"), a_port);
    CHECK_EQ(fds_of(D.pid), f1);
    CHECK_MSG(port_free(a_rtcp), "RTCP port %d not given back", a_rtcp);
    CHECK_MSG(rtcp_through(A.rtp, (uint16_t)a_port, B.rtp, 0x1001, 3), "muxed again a -> b");

    /* Leaving rtcp-mux again while someone else holds port + 1: another
     * port, named in the reply, carries leg a's RTCP. */
    uint16_t taken;
    int blocker = -1;
    for (int i = 0; i < 50 && blocker < 0; i++) {
        blocker = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(a_port + 1))};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(blocker, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            close(blocker);
            blocker = -1;
            usleep(20000);
        }
    }
    taken = (uint16_t)(a_port + 1);
    CHECK(blocker >= 0);
    r = leg_req("update", "mux-1", 0, A.prtp, A.prtcp, -1, 0);
    CHECK(r && ru_ok(r));
    a_rtcp = (int)ru_int(r, "streams.0.a.rtcp-port");
    CHECK(a_rtcp > 0 && a_rtcp != a_port && a_rtcp != taken);
    CHECK_MSG(rtcp_through(A.rtcp, (uint16_t)a_rtcp, B.rtp, 0x1001, 4), "RTCP a (other port) -> b");
    CHECK_MSG(rtcp_through(B.rtp, (uint16_t)b_port, A.rtcp, 0x2002, 4), "RTCP b -> a's RTCP (2)");
    if (blocker >= 0)
        close(blocker);
    CHECK(ru_ok(cmd_call("delete", "mux-1")));
    ep_close(&A);
    ep_close(&B);
}

/* The usual sdes.so order: the offer knows only leg a's rtcp-mux; the
 * answer brings leg b's. Accepted: leg b gives its RTCP port back.
 * Refused (RFC 5761 §5.1.1): leg a leaves rtcp-mux with leg b and gets an
 * RTCP port. */
static void test_mux_decided_by_answer(void)
{
    long f0 = fds_of(D.pid);
    const ctl_be *r = leg_req("offer", "mux-2", 1, 4000, 0, -1, 0);
    CHECK(r && ru_ok(r));
    int b_port = (int)ru_int(r, "streams.0.b.port");
    CHECK_EQ(ru_int(r, "streams.0.b.rtcp-port"), b_port + 1); /* pending: a pair */
    CHECK_EQ(fds_of(D.pid) - f0, 3);
    r = leg_req("answer", "mux-2", -1, 0, 0, 1, 4100);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.b.rtcp-port"), b_port);
    CHECK_EQ(fds_of(D.pid) - f0, 2);
    CHECK_MSG(port_free(b_port + 1), "leg b's RTCP port not given back");
    CHECK(ru_ok(cmd_call("delete", "mux-2")));

    r = leg_req("offer", "mux-3", 1, 4000, 0, -1, 0);
    CHECK(r && ru_ok(r));
    int a_port = (int)ru_int(r, "streams.0.a.port");
    r = leg_req("answer", "mux-3", -1, 0, 0, 0, 4100);
    CHECK(r && ru_ok(r));
    CHECK(ru_int(r, "streams.0.a.rtcp-port") != a_port);
    r = cmd_call("query", "mux-3");
    CHECK_EQ(ru_int(r, "streams.0.a.rtcp-mux"), 0);
    CHECK_EQ(ru_int(r, "streams.0.b.rtcp-mux"), 0);
    CHECK_EQ(fds_of(D.pid) - f0, 4);
    CHECK(ru_ok(cmd_call("delete", "mux-3")));
    CHECK_EQ(fds_of(D.pid), f0);
}

/* Call-ids that differ late: "scale-N@..." with a shared 40-byte tail,
 * and 255-byte ids one byte apart. */
static void scale_id(int i, char *out)
{
    if (i < 1990) {
        snprintf(out, 256, "scale-%d@a-long-shared-host-part.example.com", i);
        return;
    }
    memset(out, 'x', 254);
    out[254] = (char)('A' + (i - 1990));
    out[255] = 0;
}

/* query without the helper's error print (1,000 expected refusals). */
static bool query_ok(const char *id)
{
    static char body[512], reply[CTL_MAX_MSG];
    char err[200];
    const ctl_be *r;
    int n = snprintf(body, sizeof(body), "d7:call-id%zu:%s7:command5:querye", strlen(id), id);
    return ctl_client_call(D.cli, body, (size_t)n, reply, sizeof(reply), &ru_doc, &r, err,
                           sizeof(err)) == 0 &&
           ru_ok(r);
}

static void test_many_calls(void)
{
    enum { N = 2000 };
    long f0 = fds_of(D.pid);
    char id[256];
    int made = 0;
    for (int i = 0; i < N; i++) {
        scale_id(i, id);
        const ctl_be *r = leg_req("offer", id, 1, 4000, 0, 1, 0);
        made += r && ru_ok(r);
    }
    CHECK_EQ(made, N);
    CHECK_EQ(fds_of(D.pid) - f0, 2 * N);
    const ctl_be *st = cmd_call("statistics", NULL);
    CHECK_EQ(ru_int(st, "calls"), N);
    int right = 0;
    for (int i = 0; i < N; i += 7) {
        scale_id(i, id);
        const ctl_be *r = cmd_call("query", id);
        const char *got;
        size_t gl;
        right += r && ru_ok(r) && ctl_be_get_str(&ru_doc, r, "call-id", &got, &gl) &&
                 gl == strlen(id) && !memcmp(got, id, gl);
    }
    CHECK_EQ(right, (N + 6) / 7);
    int deleted = 0;
    for (int i = 0; i < N; i += 2) {
        scale_id(i, id);
        deleted += ru_ok(cmd_call("delete", id));
    }
    CHECK_EQ(deleted, N / 2);
    st = cmd_call("statistics", NULL);
    CHECK_EQ(ru_int(st, "calls"), N / 2);
    int gone = 0, kept = 0;
    for (int i = 0; i < N; i++) {
        scale_id(i, id);
        bool ok = query_ok(id);
        if (i % 2)
            kept += ok;
        else
            gone += !ok;
    }
    CHECK_EQ(gone, N / 2);
    CHECK_EQ(kept, N / 2);
    /* A deleted id is free for a new call. */
    scale_id(0, id);
    CHECK(ru_ok(leg_req("offer", id, 1, 4000, 0, 1, 0)));
    CHECK(ru_ok(cmd_call("delete", id)));
    for (int i = 1; i < N; i += 2) {
        scale_id(i, id);
        cmd_call("delete", id);
    }
    st = cmd_call("statistics", NULL);
    CHECK_EQ(ru_int(st, "calls"), 0);
    CHECK_EQ(fds_of(D.pid), f0);
}

/* SIGTERM with 500 calls: every call's audit line is in the log. */
static void test_shutdown_audit(void)
{
    enum { N = 500 };
    ru_srtpd U;
    CHECK(ru_srtpd_start(&U, NULL, NULL));
    ru_srtpd keep = D;
    D = U; /* leg_req talks to D */
    int made = 0;
    for (int i = 0; i < N; i++) {
        char id[32];
        snprintf(id, sizeof(id), "sd-%d", i);
        made += ru_ok(leg_req("offer", id, 1, 4000, 0, 1, 0));
    }
    D = keep;
    CHECK_EQ(made, N);
    kill(U.pid, SIGTERM);
    int st = -1;
    for (int i = 0; i < 500 && waitpid(U.pid, &st, WNOHANG) != U.pid; i++)
        usleep(20000);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    static bool seen[N];
    int lines = 0, distinct = 0;
    FILE *f = fopen(U.log, "r");
    char line[1024];
    while (f && fgets(line, sizeof(line), f)) {
        const char *p = strstr(line, "call sd-");
        if (!p || !strstr(line, " stream 0 shutdown:"))
            continue;
        int k = atoi(p + 8);
        lines++;
        if (k >= 0 && k < N && !seen[k]) {
            seen[k] = true;
            distinct++;
        }
    }
    if (f)
        fclose(f);
    CHECK_EQ(lines, N);
    CHECK_EQ(distinct, N);
    unlink(U.log);
    U.pid = 0;
    ru_srtpd_stop(&U); /* frees the client */
}

/* srtpd with two workers and a descriptor limit of 256 (its own tables:
 * shared = false; one table: true). srtpd raises its soft limit to the
 * hard one at start, so both are lowered on the running process. */
static bool start_limited(ru_srtpd *u, bool shared)
{
    if (shared)
        setenv("SRTPD_SHARED_FDS", "1", 1);
    const char *extra[] = {"--workers", "2", NULL};
    bool ok = ru_srtpd_start(u, NULL, extra);
    unsetenv("SRTPD_SHARED_FDS");
    struct rlimit low = {.rlim_cur = 256, .rlim_max = 256};
    return ok && prlimit(u->pid, RLIMIT_NOFILE, &low, NULL) == 0;
}

/* n offers of rtcp-mux calls "PREFIX-i" to u; how many were made. The
 * first refusal's reason goes to why. */
static int offer_many(ru_srtpd *u, const char *prefix, int n, char *why, size_t whylen)
{
    ru_srtpd keep = D;
    D = *u; /* leg_req talks to D */
    int made = 0;
    why[0] = 0;
    for (int i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof(id), "%s-%d", prefix, i);
        const ctl_be *r = leg_req("offer", id, 1, 4000, 0, 1, 0);
        if (r && ru_ok(r)) {
            made++;
            continue;
        }
        const char *e;
        size_t el;
        if (!why[0] && r && ctl_be_get_str(&ru_doc, r, "error-reason", &e, &el))
            snprintf(why, whylen, "%.*s", (int)el, e);
    }
    D = keep;
    return made;
}

static void test_worker_tables(void)
{
    enum { N = 200 };
    ru_srtpd U;
    char why[200];
    CHECK(start_limited(&U, false));
    int tables = 0;
    long f0 = pf_fds(U.pid, &tables), lead0 = pf_fds_leader(U.pid);
    CHECK_EQ(tables, 3); /* the control thread's and each worker's */
    CHECK_EQ(offer_many(&U, "wt", N, why, sizeof(why)), N);
    ru_call(&U, "d7:command4:pinge", 17); /* settles the last deferred attach */
    CHECK_EQ(pf_fds(U.pid, NULL) - f0, 2 * N);
    CHECK(pf_fds_leader(U.pid) - lead0 < 8); /* the sockets went to the workers */
    /* Media through the first and the last call: answered toward two
     * endpoints, RTCP relayed both ways (the twin sockets are made in the
     * workers' tables too). */
    ru_srtpd keep = D;
    D = U;
    int relayed = 0;
    const char *ids[2] = {"wt-0", "wt-199"};
    for (int k = 0; k < 2; k++) {
        ep A, B;
        ep_open(&A, false);
        ep_open(&B, false);
        const ctl_be *r = leg_req("answer", ids[k], 1, A.prtp, 0, 1, B.prtp);
        uint16_t pa = (uint16_t)ru_int(r, "streams.0.a.port");
        uint16_t pb = (uint16_t)ru_int(r, "streams.0.b.port");
        relayed += r && ru_ok(r) && rtcp_through(A.rtp, pa, B.rtp, 0x51, 1) &&
                   rtcp_through(B.rtp, pb, A.rtp, 0x52, 1);
        ep_close(&A);
        ep_close(&B);
    }
    CHECK_EQ(relayed, 2);
    int deleted = 0;
    for (int i = 0; i < N; i++) {
        char id[64];
        snprintf(id, sizeof(id), "wt-%d", i);
        deleted += ru_ok(cmd_call("delete", id));
    }
    D = keep;
    CHECK_EQ(deleted, N);
    CHECK_EQ(pf_fds(U.pid, NULL), f0); /* every table back where it started */
    CHECK_EQ(ru_srtpd_stop(&U), 0);

    /* One shared table under the same limit: refused past it, by name. */
    CHECK(start_limited(&U, true));
    tables = 0;
    pf_fds(U.pid, &tables);
    CHECK_EQ(tables, 1);
    ru_quiet_errors = true; /* about 80 refusals, the first checked below */
    int made = offer_many(&U, "st", N, why, sizeof(why));
    ru_quiet_errors = false;
    CHECK(made > 50 && made < N);
    CHECK(strstr(why, "RLIMIT_NOFILE") != NULL);
    if (!strstr(why, "RLIMIT_NOFILE"))
        fprintf(stderr, "  refusal: %s\n", why);
    CHECK_EQ(ru_srtpd_stop(&U), 0);
}

/* Past what the workers' tables hold, an offer is refused, by name,
 * before its reply: never accepted with sockets that its worker then
 * cannot take (the attach runs after the reply: cmd_apply.c), which left
 * a call whose SDP pointed at closed ports. Every accepted call keeps its
 * stream and both its sockets. */
static void test_worker_tables_full(void)
{
    enum { N = 400 }; /* 800 sockets; two tables of 256 hold about 500 */
    ru_srtpd U;
    char why[200];
    CHECK(start_limited(&U, false));
    long f0 = pf_fds(U.pid, NULL);
    ru_quiet_errors = true;
    int made = offer_many(&U, "wf", N, why, sizeof(why));
    ru_quiet_errors = false;
    ru_call(&U, "d7:command4:pinge", 17); /* settles the last deferred attach */
    CHECK(made > 150 && made < N);
    CHECK_MSG(strstr(why, "RLIMIT_NOFILE") != NULL, "refusal: %s", why);
    ru_srtpd keep = D;
    D = U;
    int whole = 0, accepted = 0;
    for (int i = 0; i < N; i++) {
        char id[64];
        snprintf(id, sizeof(id), "wf-%d", i);
        const ctl_be *r = cmd_call("query", id);
        if (!r || !ru_ok(r))
            continue; /* refused: not there */
        accepted++;
        whole += ru_int(r, "streams.0.a.local-port") > 0 && ru_int(r, "streams.0.b.local-port") > 0;
    }
    CHECK_EQ(accepted, made);
    CHECK_EQ(whole, made);
    CHECK_EQ(pf_fds(U.pid, NULL) - f0, 2 * made);
    for (int i = 0; i < N; i++) {
        char id[64];
        snprintf(id, sizeof(id), "wf-%d", i);
        ru_quiet_errors = true;
        cmd_call("delete", id);
        ru_quiet_errors = false;
    }
    D = keep;
    CHECK_EQ(pf_fds(U.pid, NULL), f0);
    CHECK_EQ(ru_srtpd_stop(&U), 0);
}

static int stop_status = -1;
static void test_sigterm_clean_exit(void)
{
    CHECK_EQ(stop_status, 0);
}

int main(void)
{
    alarm(120);
    if (!ru_srtpd_start(&D, NULL, NULL)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay_scale: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_mux_one_port_and_fallback);
    RUN(test_mux_decided_by_answer);
    RUN(test_many_calls);
    RUN(test_shutdown_audit);
    RUN(test_worker_tables);
    RUN(test_worker_tables_full);
    stop_status = ru_srtpd_stop(&D);
    RUN(test_sigterm_clean_exit);
    return check_summary("relay_scale");
}
