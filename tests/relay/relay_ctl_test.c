/*
 * tests/relay/relay_ctl_test.c — srtpd's control side as a process: every
 * command and bad input through the daemon, ng retransmission, the unix
 * control socket, srtpctl (tables, --json, rekey, delete, errors),
 * authentication with a shared secret, configuration refusals, media
 * timeout, deferred send-key switches (rekey switch-after), the SIP side's sdes-state (store, replace, return, bounds,
 * gone with the call, never in other output); SIGTERM exits cleanly.
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/ng.h"

#include "tests/check.h"
#include "tests/relay/relay_peer.h"

ru_srtpd D;

/* Control protocol through the daemon: every command and bad inputs. */
static void test_control_commands(void)
{
    const ctl_be *r = cmd_call("ping", NULL);
    CHECK(r && ctl_be_str_eq(ctl_be_get(&ru_doc, r, "result"), "pong"));
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_256_CM_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, true, 0));
    r = cmd_call("list", NULL);
    CHECK(r && ru_ok(r));
    bool found = false;
    for (const ctl_be *e = ctl_be_first(&ru_doc, ru_path(r, "calls")); e;
         e = ctl_be_next(&ru_doc, e))
        found |= ctl_be_str_eq(ctl_be_get(&ru_doc, e, "call-id"), c.id) &&
                 ctl_be_str_eq(ru_path(e, "streams.0.a.send-suite"), s->name);
    CHECK(found);
    r = cmd_call("statistics", NULL);
    CHECK(r && ru_ok(r));
    CHECK(ru_int(r, "calls") >= 1);
    CHECK(ru_int(r, "calls-created") >= 1);
    /* Bad inputs: each gets an error with a reason, the call survives. */
    static const char *bad[] = {
        "d7:command5:bogose",
        "d7:command5:querye",                                     /* no call-id */
        "d7:call-id7:nonexis7:command5:querye",                   /* unknown call */
        "d7:call-id1:x7:command6:answer7:streamsld5:indexi0eeee", /* answer for unknown */
        "d7:call-id1:x7:command5:offer7:streamslee",              /* empty streams */
        "d7:call-id1:x7:command5:offer7:streamsld5:indexi99eeee",
        "d7:call-id1:x7:command5:offer7:streamsld1:ad9:transport4:SRTXe5:indexi0eeee",
        "d7:call-id1:x7:command5:offer7:streamsld1:ad4:sendd5:suite3:FOOee5:"
        "indexi0eeee",
        "d7:call-id1:x7:command5:offer7:streamsld1:ad4:sendd5:suite23:AES_CM_128_HMAC_"
        "SHA1_804:keysld3:key3:abceeee5:indexi0eeee",
        "d7:call-id1:x7:command5:offer7:streamsld1:ad7:address9:127.0.0.1e5:"
        "indexi0eeee", /* no port */
        "d7:call-id1:x7:command5:offer7:streamsld1:ad7:address3:foo4:porti5ee5:"
        "indexi0eeee",
        "d7:commandi5ee",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = ru_call(&D, bad[i], strlen(bad[i]));
        CHECK_MSG(r && !ru_ok(r) && ctl_be_get(&ru_doc, r, "error-reason"), "accepted: %s", bad[i]);
    }
    /* None of the bad offers created call "x". */
    r = cmd_call("query", "x");
    CHECK(r && !ru_ok(r));
    /* A re-offer with a bad key leaves the call's keys as they were. */
    char buf[1024];
    ctl_benc w;
    ru_req_begin(&w, buf, sizeof(buf), "offer", c.id);
    ru_leg_begin(&w, "a", NULL, 0);
    ctl_benc_kv_cstr(&w, "transport", "RTP");
    unsigned z = 1;
    ru_crypto(&w, "send", sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), &z, &z, NULL, 1, 0, 0);
    ctl_benc_end(&w);
    ru_leg_begin(&w, "b", NULL, 0);
    ctl_benc_kv_cstr(&w, "family", "IPX");
    ctl_benc_end(&w);
    r = ru_req_end(&D, &w);
    CHECK(r && !ru_ok(r));
    CHECK_EQ(flow_nomki(&c.A, c.a_port, &c.B, 0x1, 1, 5), 5);
    /* Delete returns final stats; a second delete is an error. */
    r = cmd_call("delete", c.id);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.rtp-in"), 5);
    r = cmd_call("delete", c.id);
    CHECK(r && !ru_ok(r));
    call_teardown(&c);
}

/* ---- sdes-state (docs/protocol.md "state") ---- */

/* A binary state: a printable marker (to look for in other output), then
 * every byte value bencode or C strings could trip on (NUL, 'e', ':'). */
#define ST_MARK "SG-STATE-MARK-"
static size_t st_make(uint8_t *out, size_t len, unsigned seed)
{
    size_t m = strlen(ST_MARK);
    memcpy(out, ST_MARK, m < len ? m : len);
    for (size_t i = m; i < len; i++)
        out[i] = (uint8_t)((i * 131u + seed * 7u) ^ (i >> 3));
    if (len > m + 3) {
        out[m] = 0;
        out[m + 1] = 'e';
        out[m + 2] = ':';
    }
    return len;
}

/* cmd for id with an sdes-state (st NULL: none; stlen 0 with st: the empty
 * string) and, when with_stream, streams [{"index": 0}] (plus leg b's
 * address for an answer). */
static const ctl_be *st_req(const char *cmd, const char *id, const uint8_t *st, size_t stlen,
                            bool with_stream)
{
    return state_req(cmd, id, st, stlen, -1, NULL, with_stream);
}

/* The stored state of id equals st[0..len) (len 0: no sdes-state key). */
static bool st_is(const char *id, const uint8_t *st, size_t len)
{
    const ctl_be *r = cmd_call("state", id);
    if (!r || !ru_ok(r) || !ctl_be_str_eq(ctl_be_get(&ru_doc, r, "call-id"), id))
        return false;
    const ctl_be *v = ctl_be_get(&ru_doc, r, "sdes-state");
    if (!len)
        return v == NULL;
    return v && v->type == CTL_BE_STR && v->len == len && memcmp(v->s, st, len) == 0;
}

static bool reason_is(const ctl_be *r, const char *why)
{
    return r && !ru_ok(r) && ctl_be_str_eq(ctl_be_get(&ru_doc, r, "error-reason"), why);
}

/* offer stores, answer replaces, update without streams replaces and
 * leaves media alone; state returns it with the local ports offer gave. */
static void test_state_store_replace(void)
{
    static uint8_t s1[300], s2[16384], s3[77]; /* s2: RELAY_SDES_STATE_MAX */
    st_make(s1, sizeof(s1), 1);
    st_make(s2, sizeof(s2), 2);
    st_make(s3, sizeof(s3), 3);
    const char *id = "state-1@test";
    const ctl_be *r = st_req("offer", id, s1, sizeof(s1), true);
    CHECK(r && ru_ok(r));
    int64_t a_port = ru_int(r, "streams.0.a.port"), b_port = ru_int(r, "streams.0.b.port");
    CHECK(a_port > 0 && b_port > 0);
    CHECK(st_is(id, s1, sizeof(s1)));
    /* state also gives what the SIP side needs to write SDP again. */
    r = cmd_call("state", id);
    CHECK_EQ(ru_int(r, "streams.0.a.port"), a_port);
    CHECK_EQ(ru_int(r, "streams.0.b.port"), b_port);
    CHECK(ctl_be_str_eq(ru_path(r, "streams.0.a.address"), "127.0.0.1"));
    CHECK(ctl_be_str_eq(ru_path(r, "streams.0.b.transport"), "RTP"));
    /* answer replaces it (exactly the maximum size is accepted). */
    r = st_req("answer", id, s2, sizeof(s2), true);
    CHECK(r && ru_ok(r));
    CHECK(st_is(id, s2, sizeof(s2)));
    /* A request without sdes-state keeps it. */
    r = st_req("update", id, NULL, 0, true);
    CHECK(r && ru_ok(r));
    CHECK(st_is(id, s2, sizeof(s2)));
    /* update with only sdes-state: replaces it, media untouched. */
    r = st_req("update", id, s3, sizeof(s3), false);
    CHECK(r && ru_ok(r));
    CHECK_EQ(ru_int(r, "streams.0.a.port"), a_port);
    CHECK(st_is(id, s3, sizeof(s3)));
    /* A refused request changes no state either. */
    r = st_req("update", id, s1, sizeof(s1), false);
    CHECK(r && ru_ok(r));
    char bad[256];
    int n = snprintf(bad, sizeof(bad),
                     "d7:call-id%zu:%s7:command6:update10:sdes-state3:xyz7:streamsld5:indexi99eeee",
                     strlen(id), id);
    r = ru_call(&D, bad, (size_t)n);
    CHECK(r && !ru_ok(r));
    CHECK(st_is(id, s1, sizeof(s1)));
    /* The empty string removes it. */
    r = st_req("update", id, s1, 0, false);
    CHECK(r && ru_ok(r));
    CHECK(st_is(id, NULL, 0));
    r = cmd_call("delete", id);
    CHECK(r && ru_ok(r));
}

/* Too large, wrong type, unknown call: clear errors, nothing changes. */
static void test_state_errors(void)
{
    static uint8_t big[16385], s1[64]; /* one byte over RELAY_SDES_STATE_MAX */
    st_make(big, sizeof(big), 9);
    st_make(s1, sizeof(s1), 10);
    const char *id = "state-2@test";
    /* An offer with a too-large state creates no call. */
    CHECK(reason_is(st_req("offer", id, big, sizeof(big), true), "sdes-state too large"));
    CHECK(reason_is(cmd_call("state", id), "unknown call-id"));
    CHECK(ru_ok(st_req("offer", id, s1, sizeof(s1), true)));
    CHECK(reason_is(st_req("update", id, big, sizeof(big), false), "sdes-state too large"));
    CHECK(reason_is(st_req("answer", id, big, sizeof(big), true), "sdes-state too large"));
    CHECK(st_is(id, s1, sizeof(s1)));
    char req[256];
    int n = snprintf(req, sizeof(req), "d7:call-id%zu:%s7:command6:update10:sdes-statei5ee",
                     strlen(id), id);
    CHECK(reason_is(ru_call(&D, req, (size_t)n), "sdes-state: want a byte string"));
    CHECK(st_is(id, s1, sizeof(s1)));
    /* Unknown calls: state, state-only update/answer; an offer needs
     * streams to create a call. */
    CHECK(reason_is(cmd_call("state", "no-such@test"), "unknown call-id"));
    CHECK(reason_is(st_req("update", "no-such@test", s1, sizeof(s1), false), "unknown call-id"));
    CHECK(reason_is(st_req("answer", "no-such@test", s1, sizeof(s1), false), "unknown call-id"));
    const ctl_be *r = st_req("offer", "no-such@test", s1, sizeof(s1), false);
    CHECK(r && !ru_ok(r));
    CHECK(reason_is(cmd_call("state", "no-such@test"), "unknown call-id"));
    CHECK(reason_is(cmd_call("state", NULL), "call-id: missing, empty, too long or not a string"));
    CHECK(ru_ok(cmd_call("delete", id)));
}

/* Gone with the call: after delete, state says unknown call-id, and a new
 * call with the same call-id starts without one. */
static void test_state_delete(void)
{
    uint8_t s1[200];
    st_make(s1, sizeof(s1), 20);
    const char *id = "state-3@test";
    CHECK(ru_ok(st_req("offer", id, s1, sizeof(s1), true)));
    CHECK(st_is(id, s1, sizeof(s1)));
    CHECK(ru_ok(cmd_call("delete", id)));
    CHECK(reason_is(cmd_call("state", id), "unknown call-id"));
    CHECK(ru_ok(st_req("offer", id, NULL, 0, true)));
    CHECK(st_is(id, NULL, 0));
    CHECK(ru_ok(cmd_call("delete", id)));
}

/* The state never shows outside `state`: not in list, query, statistics,
 * events, offer/answer replies, srtpctl's tables or --json, or the log;
 * a state-only update leaves a live SRTP call's media as it was. */
static void test_state_not_elsewhere(void)
{
    static char out[65536];
    static uint8_t s1[512];
    st_make(s1, sizeof(s1), 30);
    const size_t ml = strlen(ST_MARK);
    tcall c;
    CHECK(call_setup(&c, sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), true, false, 1));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x51, 1, 5, 0), 5);
    const ctl_be *r = st_req("update", c.id, s1, sizeof(s1), false);
    CHECK(r && ru_ok(r));
    CHECK_MSG(!memmem(r->raw, r->raw_len, ST_MARK, ml), "state in the update reply");
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x51, 6, 5, 0), 5);
    static const char *cmds[] = {"list", "statistics", "events", "query"};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        r = cmd_call(cmds[i], i == 3 ? c.id : NULL);
        CHECK(r && ru_ok(r));
        CHECK_MSG(!memmem(r->raw, r->raw_len, ST_MARK, ml), "state in the %s reply", cmds[i]);
    }
    char args[160];
    const char *tools[] = {"list", "--json list", "stats", "--json stats", "query", "--json query"};
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
        bool with_id = strstr(tools[i], "query") != NULL;
        snprintf(args, sizeof(args), "%s %s", tools[i], with_id ? c.id : "");
        CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), args), 0);
        CHECK_MSG(!strstr(out, ST_MARK), "state in srtpctl %s", args);
    }
    /* The only way out is the state command. */
    CHECK(st_is(c.id, s1, sizeof(s1)));
    CHECK(ru_ok(cmd_call("delete", c.id)));
    FILE *f = fopen(D.log, "r");
    CHECK(f);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    fclose(f);
    CHECK(n > 0);
    CHECK_MSG(!memmem(out, n, ST_MARK, ml), "state in the log");
    call_teardown(&c);
}

/* Authentication on: unauthenticated and wrongly keyed requests get no
 * answer; a captured request replayed under another cookie is refused. */
static void test_auth_daemon(void)
{
    ru_srtpd A;
    uint16_t np;
    int nfd = ru_udp(&np);
    char notify[64];
    snprintf(notify, sizeof(notify), "udp:127.0.0.1:%u", np);
    const char *extra[] = {"--notify", notify, "--media-timeout", "1", NULL};
    CHECK(ru_srtpd_start(&A, "s3cret-for-the-test", extra));
    char err[200], reply[4096];
    ctl_client *plain = ctl_client_new(A.ctl, NULL, 0, 200, 0, err, sizeof(err));
    CHECK(plain);
    const ctl_be *r;
    CHECK_EQ(ctl_client_call(plain, "d7:command4:pinge", 17, reply, sizeof(reply), &ru_doc, &r, err,
                             sizeof(err)),
             -1);
    ctl_client *wrong = ctl_client_new(A.ctl, "nope", 4, 200, 0, err, sizeof(err));
    CHECK_EQ(ctl_client_call(wrong, "d7:command4:pinge", 17, reply, sizeof(reply), &ru_doc, &r, err,
                             sizeof(err)),
             -1);
    ctl_client_free(plain);
    ctl_client_free(wrong);
    CHECK(ru_ok(ru_call(&A, "d7:command4:pinge", 17)));
    r = ru_call(&A, "d7:command10:statisticse", 24);
    CHECK(r && ru_ok(r));
    /* An authenticated offer; its media timeout is pushed to --notify as
     * an event request signed with the same secret. */
    const char offer[] = "d7:call-id6:auth@t7:command5:offer7:streamsld5:indexi0eeee";
    r = ru_call(&A, offer, sizeof(offer) - 1);
    CHECK(r && ru_ok(r));
    uint8_t ev[2048];
    int n = ru_recv(nfd, ev, sizeof(ev), 4000, NULL);
    CHECK_MSG(n > 0, "no event pushed");
    const char *ck, *bd;
    size_t ckl, bdl;
    CHECK(ctl_ng_split((const char *)ev, (size_t)n, &ck, &ckl, &bd, &bdl));
    static ctl_be_doc ed;
    const ctl_be *e = ctl_be_decode(&ed, bd, bdl);
    CHECK(e);
    CHECK(ctl_auth_verify("s3cret-for-the-test", 19, (const char *)ev, (size_t)n, &ed, e,
                          time(NULL), 30, NULL) == NULL);
    CHECK(ctl_auth_verify("other", 5, (const char *)ev, (size_t)n, &ed, e, time(NULL), 30, NULL) !=
          NULL);
    CHECK(ctl_be_str_eq(ctl_be_get(&ed, ctl_be_get(&ed, e, "event"), "type"), "media-timeout"));
    close(nfd);
    CHECK_EQ(ru_srtpd_stop(&A), 0);
}

static int run_srtpd_expect_fail(const char *const *args)
{
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", 1);
        dup2(devnull, 2);
        execv("build/srtpd", (char *const *)args);
        _exit(127);
    }
    int st;
    for (int i = 0; i < 60; i++) {
        if (waitpid(p, &st, WNOHANG) == p)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(50000);
    }
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    return -1; /* still running: it did not refuse */
}

static void test_config_refusals(void)
{
    const char *open_udp[] = {"build/srtpd", "--listen", "udp:0.0.0.0:29999", NULL};
    CHECK_EQ(run_srtpd_expect_fail(open_udp), 2);
    const char *bad_opt[] = {"build/srtpd", "--frobnicate", "1", NULL};
    CHECK_EQ(run_srtpd_expect_fail(bad_opt), 2);
    const char *bad_range[] = {"build/srtpd", "--port-min", "5000", "--port-max", "5001", NULL};
    CHECK_EQ(run_srtpd_expect_fail(bad_range), 2);
    const char *bad_cfg[] = {"build/srtpd", "--config", "/nonexistent.conf", NULL};
    CHECK_EQ(run_srtpd_expect_fail(bad_cfg), 2);
    /* coalesce-us: 0..10000 (a longer wait would add audible delay). */
    const char *bad_wait[] = {"build/srtpd", "--coalesce-us", "10001", NULL};
    CHECK_EQ(run_srtpd_expect_fail(bad_wait), 2);
    const char *neg_wait[] = {"build/srtpd", "--coalesce-us", "-1", NULL};
    CHECK_EQ(run_srtpd_expect_fail(neg_wait), 2);
    /* The shipped config file parses (and --help exits 0). */
    const char *cfg[] = {"build/srtpd", "--config", "cfg/srtpd.conf", "--help", NULL};
    CHECK_EQ(run_srtpd_expect_fail(cfg), 0);
}

/* With no --workers, srtpd runs one worker per core it may run on: started
 * with its CPU affinity set to one core (as taskset or a cpuset would), it
 * has one worker; started on every core, one per online core. */
static void test_workers_follow_affinity(void)
{
    cpu_set_t all, one;
    CHECK(sched_getaffinity(0, sizeof(all), &all) == 0);
    int first = 0;
    while (first < CPU_SETSIZE && !CPU_ISSET(first, &all))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    ru_srtpd T;
    CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
    bool up = ru_srtpd_start(&T, NULL, NULL);
    sched_setaffinity(0, sizeof(all), &all);
    CHECK(up);
    if (!up)
        return;
    const ctl_be *r = ru_call(&T, "d7:command10:statisticse", 24);
    int n = 0;
    for (const ctl_be *w = ctl_be_first(&ru_doc, ru_path(r, "workers")); w;
         w = ctl_be_next(&ru_doc, w))
        n++;
    CHECK_EQ(n, 1);
    ru_srtpd_stop(&T);
    r = ru_call(&D, "d7:command10:statisticse", 24);
    n = 0;
    for (const ctl_be *w = ctl_be_first(&ru_doc, ru_path(r, "workers")); w;
         w = ctl_be_next(&ru_doc, w))
        n++;
    CHECK_EQ(n, CPU_COUNT(&all));
}

static void test_media_timeout(void)
{
    ru_srtpd T;
    const char *extra[] = {"--media-timeout", "1", NULL};
    CHECK(ru_srtpd_start(&T, NULL, extra));
    ru_srtpd saved = D;
    D = T;
    tcall c;
    bool ok = call_setup(&c, sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80), false, false, 0);
    const ctl_be *r = NULL;
    if (ok) {
        uint8_t st[100];
        st_make(st, sizeof(st), 40);
        ok = ru_ok(st_req("update", c.id, st, sizeof(st), false)) && st_is(c.id, st, sizeof(st));
        /* Garbage sprayed at the call's port does not keep it alive. */
        for (int i = 0; i < 13; i++) {
            ru_send(c.A.rtp, c.a_port, "\x80\x00\x00", 3);
            usleep(200000);
        }
        r = cmd_call("query", c.id);
    }
    bool gone = r && !ru_ok(r) && reason_is(cmd_call("state", c.id), "unknown call-id");
    bool event = false;
    r = cmd_call("events", NULL);
    for (const ctl_be *e = ctl_be_first(&ru_doc, ru_path(r, "events")); e;
         e = ctl_be_next(&ru_doc, e))
        event |= ctl_be_str_eq(ctl_be_get(&ru_doc, e, "type"), "media-timeout") &&
                 ctl_be_str_eq(ctl_be_get(&ru_doc, e, "call-id"), c.id);
    D = saved;
    call_teardown(&c);
    CHECK_EQ(ru_srtpd_stop(&T), 0);
    CHECK(ok);
    CHECK_MSG(gone, "call still there after the media timeout");
    CHECK_MSG(event, "no media-timeout event");
}

static void test_srtpctl(void)
{
    static char out[65536];
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 1));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x77, 1, 5, 0), 5);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "ping"), 0);
    CHECK(strstr(out, "pong"));
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "list"), 0);
    CHECK_MSG(strstr(out, c.id) && strstr(out, "SRTP AES_CM_128_HMAC_SHA1_80"), "%s", out);
    char args[128];
    snprintf(args, sizeof(args), "query %s", c.id);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), args), 0);
    CHECK_MSG(strstr(out, "AES_CM_128_HMAC_SHA1_80 mki 1") && strstr(out, "RTP-IN"), "%s", out);
    snprintf(args, sizeof(args), "--json query %s", c.id);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), args), 0);
    CHECK_MSG(strstr(out, "\"call-id\": \"") && strstr(out, "\"unknown-mki\": 0"), "%s", out);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "stats"), 0);
    CHECK(strstr(out, "WORKER"));
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "--json stats"), 0);
    CHECK(strstr(out, "\"uptime-ms\""));
    /* rekey: with a second send key installed, the next one takes over. */
    const ctl_be *r = rekey(c.id, "a", "send", s, (int)seed_base + 500, 2, 1, -1, -1);
    CHECK(r && ru_ok(r));
    snprintf(args, sizeof(args), "rekey %s", c.id);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), args), 0);
    CHECK_MSG(strstr(out, "leg a send: rekeyed on 1 stream"), "%s", out);
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.current"), 1);
    /* Errors: unknown call, missing argument, unknown command. */
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "query no-such-call"), 1);
    CHECK(strstr(out, "unknown call-id"));
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "query"), 2);
    /* A Call-ID may begin with '-' (RFC 3261 word; linphone makes such
     * ids): after "--" it is the Call-ID, not an option. */
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "--json query -- -no-such-call"), 1);
    CHECK_MSG(strstr(out, "unknown call-id"), "%s", out);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "frob"), 2);
    snprintf(args, sizeof(args), "delete %s", c.id);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), args), 0);
    CHECK(strstr(out, "deleted; final statistics"));
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "--socket udp:127.0.0.1:9 --timeout 100 ping"), 1);
    call_teardown(&c);
}

/* rekey with "switch-after" (docs/protocol.md): add now, switch on a later
 * "use" or by srtpd itself after the delay. */
static const ctl_be *rekey_a(const char *id, const sg_suite *s, int add_seed, int add_mki, int use,
                             int retire, int64_t after)
{
    return rekey_after(id, "a", "send", s, add_seed, add_mki, use, retire, after);
}

/* The MKI srtpd protects with toward A (1-byte MKI, HMAC suite: RTP |
 * MKI | tag, RFC 3711 §3.1), read off one packet B -> srtpd -> A. */
static int wire_mki(const tcall *c, uint16_t seq)
{
    uint8_t buf[2048];
    int len = (int)ru_rtp(buf, 0x5151, seq, 160);
    ru_send(c->B.rtp, c->b_port, buf, (size_t)len);
    int n = ru_recv(c->A.rtp, buf, sizeof(buf), 1000, NULL);
    if (n != 12 + 160 + 1 + (int)c->s->srtp_tag_len)
        return -1;
    return buf[n - (int)c->s->srtp_tag_len - 1];
}

/* srtpd's current send MKI toward A, and how many send keys it holds. */
static int cur_mki(const char *id, int *nkeys)
{
    const ctl_be *r = cmd_call("query", id);
    int cur = -1, n = 0;
    for (int i = 0; i < 16; i++) {
        char p[64];
        snprintf(p, sizeof(p), "streams.0.a.send.keys.%d.mki", i);
        int64_t m = ru_int(r, p);
        if (m == -999999)
            break;
        n++;
        snprintf(p, sizeof(p), "streams.0.a.send.keys.%d.current", i);
        if (ru_int(r, p) == 1)
            cur = (int)m;
    }
    if (nkeys)
        *nkeys = n;
    return cur;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The edge's answer gives a re-offerer our new key; srtpd must keep
 * protecting with the old one until the re-offerer has the answer (its
 * ACK: "use"), or switch by itself once switch-after ms passed. */
static void test_rekey_switch_after(void)
{
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    int nk = 0;
    uint16_t seq = 1;
    CHECK(call_setup(&c, s, true, false, 1));
    CHECK_EQ(wire_mki(&c, seq++), 1);

    /* 1. No "use" comes: the key is added at once, the switch (and the
     * retirement of MKI 1) happens by itself after the delay. */
    const ctl_be *r = rekey_a(c.id, s, (int)seed_base + 600, 2, 2, 1, 300);
    CHECK_MSG(r && ru_ok(r), "rekey with switch-after refused");
    CHECK_EQ(ru_int(r, "switch-after"), 300);
    CHECK_EQ(cur_mki(c.id, &nk), 1);
    CHECK_EQ(nk, 2);
    CHECK_EQ(wire_mki(&c, seq++), 1); /* still the old key on the wire */
    sleep_ms(150);
    CHECK_EQ(wire_mki(&c, seq++), 1);
    sleep_ms(350);
    CHECK_EQ(cur_mki(c.id, &nk), 2);
    CHECK_EQ(nk, 1); /* MKI 1 retired with the switch */
    CHECK_EQ(wire_mki(&c, seq++), 2);

    /* 2. "use" before the delay: switches now and completes the pending
     * switch (its retire list too); the timer then does nothing. A later
     * explicit switch to MKI 4 (keeping 3) shows no stale timer fires. */
    r = rekey_a(c.id, s, (int)seed_base + 601, 3, 3, 2, 400);
    CHECK(r && ru_ok(r));
    CHECK_EQ(wire_mki(&c, seq++), 2);
    r = rekey_a(c.id, s, -1, 0, 3, -1, -1);
    CHECK_MSG(r && ru_ok(r), "use of the pending MKI refused");
    CHECK_EQ(cur_mki(c.id, &nk), 3);
    CHECK_EQ(nk, 1); /* MKI 2 retired by the completed pending switch */
    CHECK_EQ(wire_mki(&c, seq++), 3);
    r = rekey_a(c.id, s, (int)seed_base + 602, 4, 4, -1, -1);
    CHECK(r && ru_ok(r));
    sleep_ms(600);
    CHECK_EQ(cur_mki(c.id, &nk), 4);
    CHECK_EQ(nk, 2);
    CHECK_EQ(wire_mki(&c, seq++), 4);

    /* 3. A "use" of another key supersedes the pending one. */
    r = rekey_a(c.id, s, (int)seed_base + 603, 5, 5, 3, 300);
    CHECK(r && ru_ok(r));
    r = rekey_a(c.id, s, -1, 0, 3, -1, -1);
    CHECK(r && ru_ok(r));
    sleep_ms(450);
    CHECK_EQ(cur_mki(c.id, &nk), 3);
    CHECK_EQ(nk, 3); /* 3, 4, 5: nothing retired */

    /* 4. Refusals leave nothing pending: bad values, recv, no use, an
     * unknown MKI, retiring the key to switch to. */
    r = rekey_a(c.id, s, -1, 0, 4, -1, 60001);
    CHECK(r && !ru_ok(r));
    r = rekey_a(c.id, s, -1, 0, -1, -1, 200);
    CHECK_MSG(r && !ru_ok(r) &&
                  ctl_be_str_eq(ctl_be_get(&ru_doc, r, "error-reason"),
                                "switch-after: needs dir send and use"),
              "switch-after without use");
    r = rekey_a(c.id, s, -1, 0, 9, -1, 200);
    CHECK(r && !ru_ok(r));
    r = rekey_a(c.id, s, -1, 0, 4, 4, 200);
    CHECK(r && !ru_ok(r));
    sleep_ms(350);
    CHECK_EQ(cur_mki(c.id, &nk), 3);
    /* switch-after 0 = at once (the behaviour without the field). */
    r = rekey_a(c.id, s, -1, 0, 4, -1, 0);
    CHECK(r && ru_ok(r) && !ru_path(r, "switch-after"));
    CHECK_EQ(cur_mki(c.id, NULL), 4);

    /* 5. Deleted before the delay: clean (the timer finds no call; ASan
     * run: no leak, no use after free). */
    r = rekey_a(c.id, s, (int)seed_base + 604, 6, 6, -1, 200);
    CHECK(r && ru_ok(r));
    r = cmd_call("delete", c.id);
    CHECK(r && ru_ok(r));
    sleep_ms(350);
    r = cmd_call("ping", NULL);
    CHECK(r && ctl_be_str_eq(ctl_be_get(&ru_doc, r, "result"), "pong"));
    call_teardown(&c);
}

/* ng retransmission through the daemon: the same datagram twice gets the
 * same reply and the offer runs once (one call created, one port pair). */
static void test_retransmission(void)
{
    const ctl_be *r = cmd_call("statistics", NULL);
    CHECK(r);
    int64_t created = ru_int(r, "calls-created");
    uint16_t lp;
    int fd = ru_udp(&lp);
    unsigned cport = (unsigned)atoi(strrchr(D.ctl, ':') + 1);
    const char msg[] = "retx-1 d7:call-id7:retx@t17:command5:offer7:streamsld5:indexi0eeee";
    uint8_t r1[4096], r2[4096];
    ru_send(fd, (uint16_t)cport, msg, sizeof(msg) - 1);
    int n1 = ru_recv(fd, r1, sizeof(r1), 1000, NULL);
    ru_send(fd, (uint16_t)cport, msg, sizeof(msg) - 1);
    int n2 = ru_recv(fd, r2, sizeof(r2), 1000, NULL);
    CHECK(n1 > 0);
    CHECK_EQ(n1, n2);
    CHECK_MEM_EQ(r1, r2, (size_t)n1);
    CHECK(memmem(r1, (size_t)n1, "6:result2:ok", 12));
    r = cmd_call("statistics", NULL);
    CHECK_EQ(ru_int(r, "calls-created"), created + 1);
    close(fd);
    cmd_call("delete", "retx@t1");
}

/* A unix control socket is created 0600 and works with srtpctl. */
static void test_unix_control_socket(void)
{
    char path[96], lst[112], cmd[200], out[256];
    snprintf(path, sizeof(path), "/tmp/srtpd-test-%d.sock", (int)getpid());
    snprintf(lst, sizeof(lst), "unix:%s", path);
    const char *extra[] = {"--listen", lst, NULL};
    ru_srtpd U;
    CHECK(ru_srtpd_start(&U, NULL, extra)); /* listens on UDP and on the unix socket */
    struct stat st;
    bool ok = stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && S_ISSOCK(st.st_mode);
    snprintf(cmd, sizeof(cmd), "build/srtpctl --socket %s ping 2>&1", lst);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
    out[n] = 0;
    int pst = p ? pclose(p) : -1;
    ru_srtpd_stop(&U);
    CHECK_MSG(ok, "socket missing or mode not 0600");
    CHECK_MSG(pst == 0 && strstr(out, "pong"), "%s", out);
    CHECK_MSG(stat(path, &st) != 0, "socket not removed at stop");
}

static int stop_status = -1;
static void test_sigterm_clean_exit(void)
{
    CHECK_EQ(stop_status, 0);
}

int main(void)
{
    alarm(120); /* bounded: a hung srtpd fails the test instead of CI */
    if (!ru_srtpd_start(&D, NULL, NULL)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay_ctl: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_control_commands);
    RUN(test_srtpctl);
    RUN(test_rekey_switch_after);
    RUN(test_retransmission);
    RUN(test_state_store_replace);
    RUN(test_state_errors);
    RUN(test_state_delete);
    RUN(test_state_not_elsewhere);
    RUN(test_unix_control_socket);
    RUN(test_auth_daemon);
    RUN(test_config_refusals);
    RUN(test_media_timeout);
    RUN(test_workers_follow_affinity);
    int st = ru_srtpd_stop(&D);
    if (st != 0)
        fprintf(stderr, "srtpd exit status %d after SIGTERM\n", st);
    stop_status = st;
    RUN(test_sigterm_clean_exit);
    return check_summary("relay_ctl");
}
