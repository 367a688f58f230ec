/*
 * tests/relay/relay_ha_test.c — no call lost when srtpd dies (docs/ha.md),
 * with a real redis-server of the test's own (unix socket, temporary
 * directory):
 *   - restart: SIGKILL, srtpd started again with the same store;
 *   - standby: a second srtpd (redis-role standby) takes over when the
 *     active one's heartbeat expires, or at once on `takeover`;
 *   - Redis stopped mid-call and started again: media never stops, every
 *     live call is in the store again afterwards (and only those);
 *   - the Redis dump holds no key the test put in (raw, hex, base64);
 *   - no keystream reuse: every SRTP and SRTCP packet srtpd sent is
 *     recorded at the receiving endpoint; no (SSRC, index) may come twice
 *     with different bytes, on any leg, across the loss.
 * Prints per loss the media gap (median, max over every direction) and the
 * calls surviving. HA_CALLS (environment) sets the number of calls
 * (default 100), HA_ONLY a part of a test name to run only those.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tests/check.h"
#include "tests/relay/ha_leak.h"
#include "tests/relay/ha_util.h"

ru_srtpd D;
static ha_redis R;
static int ncalls = 100;
static char ctl[64], ctl2[64], log_path[160], log2_path[160], secret_file[200];
static int pmin, pmax;
static const sg_suite *suite;

/* The store options: the test's Redis and the group secret; standby adds
 * the role. */
static const char *const *store_args(bool standby)
{
    static const char *args[8];
    args[0] = "--redis";
    args[1] = R.sock;
    args[2] = "--redis-secret-file";
    args[3] = secret_file;
    args[4] = standby ? "--redis-role" : NULL;
    args[5] = "standby";
    args[6] = NULL;
    return args;
}

static ru_srtpd standby;

/* A test that failed half-way leaves its srtpd running: the next one
 * starts clean. */
static void reset_relays(void)
{
    if (D.pid > 0)
        ha_srtpd_kill(&D);
    if (standby.pid > 0 && standby.pid != D.pid)
        ha_srtpd_kill(&standby);
    memset(&D, 0, sizeof(D));
    memset(&standby, 0, sizeof(standby));
    ha_ledger_reset();
    char out[64];
    const char *flush[] = {"FLUSHALL", NULL};
    ha_redis_cli(&R, out, sizeof(out), flush);
    unlink(log_path);
    unlink(log2_path);
}

typedef struct calls {
    tcall *c;
    uint16_t *seq;
    bool *got;
    int64_t *gap;
    int n;
} calls;

static bool calls_setup(calls *cs, int n)
{
    cs->n = n;
    cs->c = calloc((size_t)n, sizeof(*cs->c));
    cs->seq = calloc((size_t)n * 2, sizeof(*cs->seq));
    cs->got = calloc((size_t)n * 2, sizeof(*cs->got));
    cs->gap = calloc((size_t)n * 2, sizeof(*cs->gap));
    for (int i = 0; i < n; i++) {
        if (!call_setup(&cs->c[i], suite, true, true, 0))
            return false;
        cs->seq[2 * i] = (uint16_t)(100 + i);
        cs->seq[2 * i + 1] = (uint16_t)(5000 + i);
    }
    return true;
}

static void calls_free(calls *cs)
{
    for (int i = 0; i < cs->n; i++)
        call_teardown(&cs->c[i]);
    free(cs->c);
    free(cs->seq);
    free(cs->got);
    free(cs->gap);
}

/* Media both ways for ms milliseconds (a packet every 20 ms per
 * direction), every packet through; then 300 ms for the last records. */
static bool media_for(calls *cs, int ms)
{
    int64_t end = ha_now_ms() + ms;
    while (ha_now_ms() < end) {
        if (ha_media_round(cs->c, cs->n, cs->seq, 1000, cs->got) != 2 * cs->n)
            return false;
        usleep(20000);
    }
    usleep(300000);
    return true;
}

/* Media after a loss at t0: every call must continue both ways. */
static int resume_report(const char *what, calls *cs, int64_t t0, int held)
{
    ha_media_resume(cs->c, cs->n, cs->seq, t0, 8000, cs->gap);
    int64_t med, max;
    int through = ha_gap_stats(cs->gap, 2 * cs->n, &med, &max);
    int surviving = 0;
    for (int i = 0; i < cs->n; i++)
        surviving += cs->gap[2 * i] >= 0 && cs->gap[2 * i + 1] >= 0;
    printf("  %s: %d/%d calls held, %d/%d calls continue both ways, %d/%d directions; "
           "media gap median %lld ms, max %lld ms\n",
           what, held, cs->n, surviving, cs->n, through, 2 * cs->n, (long long)med, (long long)max);
    return surviving;
}

static bool no_reuse(const char *what)
{
    size_t packets, srtcp;
    size_t bad = ha_ledger_reuse(&packets, &srtcp);
    printf("  %s: %zu SRTP/SRTCP packets from srtpd checked (%zu SRTCP), %zu index(es) reused "
           "with other bytes\n",
           what, packets, srtcp, bad);
    return bad == 0 && srtcp > 0 && packets > srtcp;
}

/* The detector itself: the same (SSRC, index) with other bytes is found. */
static void test_ledger_detects_reuse(void)
{
    ha_ledger_reset();
    uint8_t a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3, 5};
    ha_ledger_add(0, false, 7, 100, a, 4);
    ha_ledger_add(0, false, 7, 100, a, 4); /* a retransmission: the same bytes */
    ha_ledger_add(0, true, 7, 100, b, 4);  /* SRTCP index 100: another space */
    size_t p, r;
    CHECK_EQ(ha_ledger_reuse(&p, &r), 0);
    ha_ledger_add(0, false, 7, 100, b, 4);
    CHECK_EQ(ha_ledger_reuse(&p, &r), 1);
    ha_ledger_reset();
}

/* Restart without a standby: SIGKILL, start again, every call continues. */
static void test_restart_recovery(void)
{
    reset_relays();
    ha_ledger_reset();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    calls cs;
    CHECK(calls_setup(&cs, ncalls));
    CHECK(media_for(&cs, 1500)); /* index marks written: a tick has passed */
    int64_t t0 = ha_now_ms();
    ha_srtpd_kill(&D);
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    int held = ha_count_calls(&D);
    int surviving = resume_report("restart", &cs, t0, held);
    CHECK_EQ(held, ncalls);
    CHECK_EQ(surviving, ncalls);
    CHECK_EQ(ha_media_round(cs.c, cs.n, cs.seq, 1000, cs.got), 2 * cs.n);
    CHECK(no_reuse("restart"));
    calls_free(&cs);
    /* delete removes the records: a next start has nothing to take. */
    ru_srtpd_stop(&D);
}

/* Active + standby on one host (the loopback models the floating
 * address: the standby binds the same ports once the active is gone). */
static void standby_case(bool command)
{
    reset_relays();
    ha_ledger_reset();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    CHECK(ha_srtpd_start(&standby, ctl2, pmin, pmax, log2_path, store_args(true)));
    CHECK_EQ(ha_count_calls(&standby), 0);
    calls cs;
    CHECK(calls_setup(&cs, ncalls));
    CHECK(media_for(&cs, 1500));
    int64_t t0 = ha_now_ms();
    ha_srtpd_kill(&D);
    if (command) {
        /* keepalived's notify script: srtpctl takeover. */
        char cmd[200], out[200] = "";
        snprintf(cmd, sizeof(cmd), "build/srtpctl --socket %s takeover", ctl2);
        FILE *p = popen(cmd, "r");
        CHECK(p != NULL);
        size_t n = fread(out, 1, sizeof(out) - 1, p);
        out[n] = 0;
        CHECK_EQ(pclose(p), 0);
        CHECK_MSG(strstr(out, "took over") != NULL, "srtpctl takeover said: %s", out);
    }
    D = standby; /* the SIP side now talks to the former standby */
    memset(&standby, 0, sizeof(standby));
    int held = -1;
    ha_media_resume(cs.c, cs.n, cs.seq, t0, 8000, cs.gap);
    held = ha_count_calls(&D);
    int64_t med, max;
    int through = ha_gap_stats(cs.gap, 2 * cs.n, &med, &max);
    int surviving = 0;
    for (int i = 0; i < cs.n; i++)
        surviving += cs.gap[2 * i] >= 0 && cs.gap[2 * i + 1] >= 0;
    printf("  standby (%s): %d/%d calls held, %d/%d calls continue both ways, %d/%d "
           "directions; media gap median %lld ms, max %lld ms\n",
           command ? "takeover command" : "heartbeat expired", held, cs.n, surviving, cs.n, through,
           2 * cs.n, (long long)med, (long long)max);
    CHECK_EQ(held, ncalls);
    CHECK_EQ(surviving, ncalls);
    CHECK_EQ(ha_media_round(cs.c, cs.n, cs.seq, 1000, cs.got), 2 * cs.n);
    CHECK(no_reuse(command ? "standby (takeover command)" : "standby (heartbeat)"));
    for (int i = 0; i < cs.n; i++)
        CHECK(ru_ok(cmd_call("delete", cs.c[i].id)));
    calls_free(&cs);
    ru_srtpd_stop(&D);
}

static void test_standby_takes_over_on_heartbeat(void)
{
    standby_case(false);
}

static void test_standby_takes_over_on_command(void)
{
    standby_case(true);
}

/* How many call records the store holds. */
static int store_records(void)
{
    char out[65536];
    const char *args[] = {"--scan", "--pattern", "srtpd:call:*", NULL};
    if (ha_redis_cli(&R, out, sizeof(out), args) != 0)
        return -1;
    int n = 0;
    for (char *p = out; (p = strchr(p, '\n')); p++)
        n++;
    return n;
}

static int64_t store_stat(const char *key)
{
    const char body[] = "d7:command10:statisticse";
    const ctl_be *r = ru_call(&D, body, sizeof(body) - 1);
    char path[64];
    snprintf(path, sizeof(path), "store.%s", key);
    return r ? ru_int(r, path) : -1;
}

/* Redis stopped mid-call: media never stops; a call set up and one
 * deleted meanwhile; Redis back: the store holds exactly the live calls,
 * and a restart of srtpd takes all of them back. */
static void test_redis_outage(void)
{
    reset_relays();
    ha_ledger_reset();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    calls cs;
    CHECK(calls_setup(&cs, ncalls));
    CHECK_EQ(ha_media_round(cs.c, cs.n, cs.seq, 1000, cs.got), 2 * cs.n);
    usleep(300000);
    CHECK_EQ(store_records(), ncalls);
    ha_redis_stop(&R);
    /* 1.5 s of media with Redis gone: not one packet lost. */
    int64_t end = ha_now_ms() + 1500;
    int rounds = 0;
    while (ha_now_ms() < end) {
        CHECK_EQ(ha_media_round(cs.c, cs.n, cs.seq, 1000, cs.got), 2 * cs.n);
        rounds++;
        usleep(20000);
    }
    tcall extra;
    CHECK(call_setup(&extra, suite, true, true, 0)); /* control answers without Redis */
    CHECK(ru_ok(cmd_call("delete", cs.c[0].id)));
    CHECK_EQ(store_stat("connected"), 0);
    CHECK(store_stat("outages") >= 1);
    CHECK(ha_redis_start(&R)); /* empty: --save '' */
    int want = ncalls;         /* -1 deleted, +1 extra */
    int64_t t = ha_now_ms();
    while (store_records() != want && ha_now_ms() - t < 4000)
        usleep(100000);
    int have = store_records();
    printf("  redis outage: %d media rounds during it, all through; store after it: %d/%d "
           "live calls, resyncs %lld\n",
           rounds, have, want, (long long)store_stat("resyncs"));
    CHECK_EQ(have, want);
    CHECK(store_stat("resyncs") >= 1);
    /* Complete: a restart takes every live call back. */
    usleep(300000);
    int64_t t0 = ha_now_ms();
    ha_srtpd_kill(&D);
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    CHECK_EQ(ha_count_calls(&D), want);
    ha_media_resume(cs.c + 1, cs.n - 1, cs.seq + 2, t0, 4000, cs.gap);
    for (int i = 0; i < 2 * (cs.n - 1); i++)
        CHECK(cs.gap[i] >= 0);
    CHECK(no_reuse("redis outage"));
    call_teardown(&extra);
    calls_free(&cs);
    ru_srtpd_stop(&D);
}

/* The Redis dump holds the calls but none of their keys. The check is
 * shown to work on a canary record holding a key in hex and base64. */
static void test_dump_has_no_key(void)
{
    reset_relays();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    calls cs;
    unsigned first = seed_base + 1;
    CHECK(calls_setup(&cs, ncalls));
    unsigned last = seed_base + 4;
    CHECK_EQ(ha_media_round(cs.c, cs.n, cs.seq, 1000, cs.got), 2 * cs.n);
    usleep(300000);
    /* The canary: the key of a seed no call uses, in hex, then in base64. */
    unsigned canary = last + 1000;
    uint8_t km[64];
    char hex[160], b64[128];
    ru_key(suite, canary, km);
    for (size_t i = 0; i < suite->key_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", km[i]);
    EVP_EncodeBlock((unsigned char *)b64, km, suite->key_len + suite->salt_len);
    char out[256];
    const char *set1[] = {"SET", "canary-hex", hex, NULL};
    const char *set2[] = {"SET", "canary-b64", b64, NULL};
    CHECK_EQ(ha_redis_cli(&R, out, sizeof(out), set1), 0);
    CHECK_EQ(ha_redis_cli(&R, out, sizeof(out), set2), 0);
    char rdb[256];
    snprintf(rdb, sizeof(rdb), "%s/dump-test.rdb", R.dir);
    const char *dump[] = {"--rdb", rdb, NULL};
    CHECK_EQ(ha_redis_cli(&R, out, sizeof(out), dump), 0);
    size_t n;
    uint8_t *d = ha_read_file(rdb, &n);
    CHECK(d != NULL);
    int calls_in = 0;
    for (int i = 0; i < cs.n; i++)
        calls_in += ha_has(d, n, cs.c[i].id, strlen(cs.c[i].id));
    int leaked = 0;
    unsigned searched = 0;
    for (unsigned s = first; s <= last; s++)
        if (s % 10 >= 1 && s % 10 <= 4) { /* call_setup's seeds: base + 1..4 */
            leaked += ha_leaks(suite, d, n, s);
            searched++;
        }
    bool canary_found = ha_leaks(suite, d, n, canary);
    printf("  dump: %zu bytes, %d/%d calls in it, %u master keys + salts searched (raw, hex, "
           "base64): %d found; canary found: %s\n",
           n, calls_in, cs.n, searched, leaked, canary_found ? "yes" : "no");
    free(d);
    CHECK_EQ(calls_in, cs.n);
    CHECK_EQ(leaked, 0);
    CHECK(canary_found);
    /* Also GET of every record (what SCAN + GET sees). */
    char *all = malloc(1 << 22);
    const char *scan[] = {"--scan", "--pattern", "srtpd:call:*", NULL};
    CHECK_EQ(ha_redis_cli(&R, all, 1 << 22, scan), 0);
    size_t got_total = 0;
    int leaked2 = 0;
    for (char *k = strtok(all, "\n"); k; k = strtok(NULL, "\n")) {
        static char val[65536];
        const char *get[] = {"--raw", "GET", k, NULL};
        if (ha_redis_cli(&R, val, sizeof(val), get) == 0) {
            got_total++;
            for (unsigned s = first; s <= last; s++)
                if (s % 10 >= 1 && s % 10 <= 4) /* call_setup's seeds: base + 1..4 */
                    leaked2 += ha_leaks(suite, (uint8_t *)val, ha_cli_len, s);
        }
    }
    free(all);
    CHECK_EQ(got_total, (size_t)cs.n);
    CHECK_EQ(leaked2, 0);
    for (int i = 0; i < cs.n; i++)
        CHECK(ru_ok(cmd_call("delete", cs.c[i].id)));
    calls_free(&cs);
    ru_srtpd_stop(&D);
    const char *del[] = {"DEL", "canary-hex", "canary-b64", NULL};
    ha_redis_cli(&R, out, sizeof(out), del);
}

/* Redis frozen (SIGSTOP: connections hang, the data stays): a call
 * deleted meanwhile must be gone from the store afterwards, a call set up
 * meanwhile must be in it. */
static void test_redis_frozen(void)
{
    reset_relays();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    calls cs;
    CHECK(calls_setup(&cs, 4));
    CHECK(media_for(&cs, 300));
    CHECK_EQ(store_records(), 4);
    kill(R.pid, SIGSTOP);
    int64_t t0 = ha_now_ms();
    CHECK(ru_ok(cmd_call("delete", cs.c[0].id)));
    tcall extra;
    CHECK(call_setup(&extra, suite, true, true, 0));
    while (ha_now_ms() - t0 < 1500)
        CHECK_EQ(ha_media_round(cs.c + 1, 3, cs.seq + 2, 1000, cs.got), 6);
    int64_t control_ms = ha_now_ms();
    CHECK(ru_ok(cmd_call("query", cs.c[1].id)));
    control_ms = ha_now_ms() - control_ms;
    kill(R.pid, SIGCONT);
    int64_t t = ha_now_ms();
    while (store_records() != 4 && ha_now_ms() - t < 4000)
        usleep(100000);
    char out[4096], key[300];
    snprintf(key, sizeof(key), "srtpd:call:%s", cs.c[0].id);
    const char *ex[] = {"EXISTS", key, NULL};
    CHECK_EQ(ha_redis_cli(&R, out, sizeof(out), ex), 0);
    printf("  redis frozen: control reply %lld ms during it; store after it: %d/4 records, "
           "deleted call's record %s\n",
           (long long)control_ms, store_records(), atoi(out) ? "still there" : "gone");
    CHECK_EQ(store_records(), 4);
    CHECK_EQ(atoi(out), 0);
    CHECK(control_ms < 100);
    call_teardown(&extra);
    calls_free(&cs);
    ru_srtpd_stop(&D);
}

/* A plain RTP source (leg a) toward an SRTP leg: srtpd cannot tell a
 * replayed or altered packet under an old sequence number from the real
 * one, so after a restart it must not protect any index it may have used:
 * the send side resumes at its mark. Sent again with other payloads, the
 * old sequence numbers are dropped, never protected a second time. */
static void test_unauthenticated_source_no_reuse(void)
{
    reset_relays();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    calls cs = {0};
    cs.n = 4;
    cs.c = calloc(4, sizeof(*cs.c));
    cs.seq = calloc(8, sizeof(*cs.seq));
    cs.got = calloc(8, sizeof(*cs.got));
    cs.gap = calloc(8, sizeof(*cs.gap));
    for (int i = 0; i < 4; i++) {
        CHECK(call_setup(&cs.c[i], suite, false, true, 0));
        cs.seq[2 * i] = (uint16_t)(100 + i);
        cs.seq[2 * i + 1] = (uint16_t)(5000 + i);
    }
    CHECK(media_for(&cs, 1500));
    int64_t t0 = ha_now_ms();
    ha_srtpd_kill(&D);
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    /* The attacker (or a restarted PBX): the last 40 sequence numbers
     * again, other payload. */
    for (int i = 0; i < 4; i++)
        for (int k = 40; k > 0; k--) {
            uint8_t buf[256];
            size_t len = ru_rtp(buf, 0x10000000u + (uint32_t)i, (uint16_t)(cs.seq[2 * i] - k), 160);
            buf[20] ^= 0x5a;
            ru_send(cs.c[i].A.rtp, cs.c[i].a_port, buf, len);
        }
    int held = ha_count_calls(&D);
    int surviving = resume_report("restart, plain RTP source", &cs, t0, held);
    CHECK_EQ(surviving, 4);
    CHECK(media_for(&cs, 200));
    CHECK(no_reuse("plain RTP source"));
    calls_free(&cs);
    ru_srtpd_stop(&D);
}

/* Keys changed by rekey (MKIs, send key, a retired key) and the SIP
 * side's sdes-state come back after a restart. */
static void test_rekey_and_state_survive(void)
{
    reset_relays();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    tcall c;
    CHECK(call_setup(&c, suite, true, false, 2));
    unsigned ab = seed_base;
    CHECK(call_a_two_keys(&c, suite, ab));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 1, 10, 0), 10);
    const ctl_be *r = rekey(c.id, "a", "recv", suite, (int)(ab + 101), 2, 2, -1, -1);
    CHECK(r && ru_ok(r));
    r = rekey(c.id, "a", "send", suite, (int)(ab + 102), 2, 2, 2, -1);
    CHECK(r && ru_ok(r));
    r = rekey(c.id, "a", "recv", suite, -1, 0, 2, -1, 1);
    CHECK(r && ru_ok(r));
    /* The sdes-state: bytes the relay must keep exactly (and sealed). */
    static const char st[] = "state\0with\x01binary\xff bytes";
    char buf[512];
    ctl_benc w;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "call-id", c.id);
    ctl_benc_kv_cstr(&w, "command", "update");
    ctl_benc_kv_str(&w, "sdes-state", st, sizeof(st));
    ctl_benc_end(&w);
    CHECK(ru_ok(ru_call(&D, buf, w.len)));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 11, 10, 1), 10);
    CHECK_EQ(flow(&c.B, c.b_port, &c.A, 0x5555, 1, 10, -1), 10);
    usleep(300000);
    ha_srtpd_kill(&D);
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    /* MKI 2 both ways, MKI 1 retired. */
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 21, 10, 1), 10);
    CHECK_EQ(flow(&c.B, c.b_port, &c.A, 0x5555, 11, 10, -1), 10);
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x4444, 31, 1, 0), 0);
    r = cmd_call("state", c.id);
    CHECK(r && ru_ok(r));
    const char *got;
    size_t gl;
    CHECK(ctl_be_get_str(&ru_doc, r, "sdes-state", &got, &gl));
    CHECK_EQ(gl, sizeof(st));
    CHECK(memcmp(got, st, gl) == 0);
    r = cmd_call("query", c.id);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.current"), 1);
    CHECK_EQ(ru_int(r, "streams.0.a.send.keys.1.mki"), 2);
    call_teardown(&c);
    CHECK_EQ(ru_srtpd_stop(&D), 0); /* clean exit (ASan: no leak) */
}

/* The group secret: a relay with another secret opens no record (and
 * deletes none); with the old secret as redis-secret-file-previous it
 * takes them all (rotation). */
static void test_secret_rotation(void)
{
    reset_relays();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    calls cs;
    CHECK(calls_setup(&cs, 4));
    CHECK(media_for(&cs, 300));
    ha_srtpd_kill(&D);
    char newf[256];
    snprintf(newf, sizeof(newf), "%s/group-new.secret", R.dir);
    FILE *f = fopen(newf, "w");
    CHECK(f != NULL);
    fprintf(f, "the-next-relay-group-secret-9876543210\n");
    fclose(f);
    chmod(newf, 0600);
    const char *only_new[] = {"--redis", R.sock, "--redis-secret-file", newf, NULL};
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, only_new));
    CHECK_EQ(ha_count_calls(&D), 0);
    usleep(1500000); /* a resync has run: the unreadable records stay */
    CHECK_EQ(store_records(), 4);
    ha_srtpd_kill(&D);
    const char *rotating[] = {
        "--redis",   R.sock, "--redis-secret-file", newf, "--redis-secret-file-previous",
        secret_file, NULL};
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, rotating));
    int held = ha_count_calls(&D);
    printf("  rotation: another secret opens 0/4, records kept: 4; current + previous "
           "secret: %d/4 calls\n",
           held);
    CHECK_EQ(held, 4);
    int64_t t0 = ha_now_ms();
    ha_media_resume(cs.c, cs.n, cs.seq, t0, 2000, cs.gap);
    for (int i = 0; i < 2 * cs.n; i++)
        CHECK(cs.gap[i] >= 0);
    calls_free(&cs);
    CHECK_EQ(ru_srtpd_stop(&D), 0); /* clean exit (ASan: no leak) */
}

/* The store's role, from statistics. */
static bool role_is(ru_srtpd *d, const char *want)
{
    const char body[] = "d7:command10:statisticse";
    const ctl_be *r = ru_call(d, body, sizeof(body) - 1);
    const ctl_be *v = r ? ru_path(r, "store.role") : NULL;
    return v && ctl_be_str_eq(v, want);
}

/* A standby refuses calls; a takeover while the active relay still runs
 * (a split brain) fences the old one: it writes nothing more. */
static void test_standby_refuses_and_fencing(void)
{
    reset_relays();
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args(false)));
    CHECK(
        ha_srtpd_start(&standby, ctl2, pmin + 2 * ncalls + 32, pmax, log2_path, store_args(true)));
    ru_srtpd active = D;
    D = standby; /* call_setup talks to D */
    tcall c;
    CHECK(!call_setup(&c, suite, true, true, 0)); /* "standby relay" */
    call_teardown(&c);
    CHECK(role_is(&standby, "standby"));
    const char body[] = "d7:command8:takeovere";
    CHECK(ru_ok(ru_call(&standby, body, sizeof(body) - 1)));
    CHECK(role_is(&standby, "active"));
    int64_t t = ha_now_ms();
    while (!role_is(&active, "fenced") && ha_now_ms() - t < 3000)
        usleep(100000);
    bool fenced = role_is(&active, "fenced");
    D = active;
    CHECK(call_setup(&c, suite, true, true, 0)); /* it still serves, writes nothing */
    usleep(500000);
    int recs = store_records();
    printf("  split brain: old active %s, its new call in the store: %d record(s)\n",
           fenced ? "fenced" : "NOT fenced", recs);
    CHECK(fenced);
    CHECK_EQ(recs, 0);
    call_teardown(&c);
    ru_srtpd_stop(&D);
    memset(&D, 0, sizeof(D));
    ru_srtpd_stop(&standby);
    memset(&standby, 0, sizeof(standby));
}

int main(void)
{
    alarm(240);
    if (getenv("HA_CALLS"))
        ncalls = atoi(getenv("HA_CALLS"));
    if (ncalls < 2 || ncalls > 1000)
        ncalls = 100;
    suite = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    if (!ha_redis_start(&R) || !ha_group_secret(&R, secret_file, sizeof(secret_file))) {
        fprintf(stderr, "redis-server did not start\n");
        printf("relay-ha: 0 passed, 1 failed\n");
        return 1;
    }
    snprintf(ctl, sizeof(ctl), "udp:127.0.0.1:%d", ru_free_port());
    snprintf(ctl2, sizeof(ctl2), "udp:127.0.0.1:%d", ru_free_port());
    pmin = ru_free_range(4 * ncalls + 64);
    pmax = pmin + 4 * ncalls + 63;
    snprintf(log_path, sizeof(log_path), "%s/srtpd.log", R.dir);
    snprintf(log2_path, sizeof(log2_path), "%s/srtpd-standby.log", R.dir);
    if (!getenv("HA_ONLY") || strstr("ledger_detects_reuse", getenv("HA_ONLY")))
        RUN(test_ledger_detects_reuse);
    if (!getenv("HA_ONLY") || strstr("restart_recovery", getenv("HA_ONLY")))
        RUN(test_restart_recovery);
    if (!getenv("HA_ONLY") || strstr("standby_takes_over_on_heartbeat", getenv("HA_ONLY")))
        RUN(test_standby_takes_over_on_heartbeat);
    if (!getenv("HA_ONLY") || strstr("standby_takes_over_on_command", getenv("HA_ONLY")))
        RUN(test_standby_takes_over_on_command);
    if (!getenv("HA_ONLY") || strstr("redis_outage", getenv("HA_ONLY")))
        RUN(test_redis_outage);
    if (!getenv("HA_ONLY") || strstr("dump_has_no_key", getenv("HA_ONLY")))
        RUN(test_dump_has_no_key);
    if (!getenv("HA_ONLY") || strstr("redis_frozen", getenv("HA_ONLY")))
        RUN(test_redis_frozen);
    if (!getenv("HA_ONLY") || strstr("unauthenticated_source_no_reuse", getenv("HA_ONLY")))
        RUN(test_unauthenticated_source_no_reuse);
    if (!getenv("HA_ONLY") || strstr("rekey_and_state_survive", getenv("HA_ONLY")))
        RUN(test_rekey_and_state_survive);
    if (!getenv("HA_ONLY") || strstr("secret_rotation", getenv("HA_ONLY")))
        RUN(test_secret_rotation);
    if (!getenv("HA_ONLY") || strstr("standby_refuses_and_fencing", getenv("HA_ONLY")))
        RUN(test_standby_refuses_and_fencing);
    if (getenv("HA_KEEP"))
        fprintf(stderr, "kept %s\n", R.dir);
    else
        ha_redis_clean(&R);
    return check_summary("relay-ha");
}
