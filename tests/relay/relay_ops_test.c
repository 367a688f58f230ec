/*
 * tests/relay/relay_ops_test.c — srtpd's operations side as a process:
 * the log level (from the command line, read and changed at run time with
 * the log-level command and srtpctl, bad levels refused and the level
 * kept), and the Prometheus endpoint (docs/srtpd.md "Metrics"): scrapes
 * before, during and after a real call pass `promtool check metrics`, the
 * counters move with the call (calls 0 -> 1 -> 0, packets and bytes in and
 * out, legs by transport, an authentication drop, a rekey and its key
 * switch, control requests by command and result), 404 / 405 for other
 * paths and methods, the per-client connection bound and the idle timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/relay_peer.h"

ru_srtpd D;
static int metrics_port;
static char scrape_file[128];

/* ---- helpers ---- */

static int free_tcp_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) != 0) {
        close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static int tcp_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)metrics_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Reads until the peer closes or timeout_ms pass; bytes read, -1 on a
 * timeout with nothing read. */
static int read_all(int fd, char *out, size_t cap, int timeout_ms)
{
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            return n ? (int)n : -1;
        ssize_t r = recv(fd, out + n, cap - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n + 1 >= cap)
            break;
    }
    out[n] = 0;
    return (int)n;
}

/* One HTTP/1.0 request; the HTTP status, or -1. */
static int http(const char *method, const char *path, char *out, size_t cap)
{
    out[0] = 0;
    int fd = tcp_connect();
    if (fd < 0)
        return -1;
    char req[256];
    int n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        return -1;
    }
    int got = read_all(fd, out, cap, 3000);
    close(fd);
    int code;
    if (got <= 0 || sscanf(out, "HTTP/1.%*d %d", &code) != 1)
        return -1;
    return code;
}

static char scrape_buf[262144];

/* GET /metrics: the body (in scrape_buf), also written to scrape_file for
 * promtool; NULL unless 200. */
static const char *scrape(void)
{
    if (http("GET", "/metrics", scrape_buf, sizeof(scrape_buf)) != 200)
        return NULL;
    char *b = strstr(scrape_buf, "\r\n\r\n");
    if (!b)
        return NULL;
    b += 4;
    FILE *f = fopen(scrape_file, "w");
    if (!f)
        return NULL;
    fputs(b, f);
    fclose(f);
    return b;
}

/* The value of the sample "name{labels}" (exactly as written), -1 when
 * absent. */
static long long sample(const char *text, const char *series)
{
    size_t sl = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (!strncmp(p, series, sl) && p[sl] == ' ')
            return atoll(p + sl + 1);
    }
    return -1;
}

static int promtool_check(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 1>&2", scrape_file);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t read_log(char *out, size_t cap)
{
    FILE *f = fopen(D.log, "r");
    if (!f)
        return 0;
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = 0;
    fclose(f);
    return n;
}

static const ctl_be *log_level(const char *level)
{
    char buf[128];
    ctl_benc w;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "log-level");
    if (level)
        ctl_benc_kv_cstr(&w, "level", level);
    ctl_benc_end(&w);
    return ru_call(&D, buf, w.len);
}

/* srtpd's stderr of the last refusal. */
static char refusal[1024];

static int run_srtpd_expect_fail(const char *const *args)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/srtpd-ops-%d.err", (int)getpid());
    refusal[0] = 0;
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        execv("build/srtpd", (char *const *)args);
        _exit(127);
    }
    int st;
    for (int i = 0; i < 60; i++) {
        if (waitpid(p, &st, WNOHANG) == p) {
            FILE *f = fopen(path, "r");
            if (f) {
                refusal[fread(refusal, 1, sizeof(refusal) - 1, f)] = 0;
                fclose(f);
            }
            unlink(path);
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        }
        usleep(50000);
    }
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    unlink(path);
    return -1; /* still running: it did not refuse */
}

/* ---- log level ---- */

static char logbuf[1 << 20];

/* Started with --log-level warn: no info line ("started"), the warning
 * about UDP control without a secret is there; the command reads it back. */
static void test_log_level_from_command_line(void)
{
    read_log(logbuf, sizeof(logbuf));
    CHECK_MSG(strstr(logbuf, " WARN: control-insecure"), "%s", logbuf);
    CHECK_MSG(!strstr(logbuf, " INFO: "), "info line at warn: %s", logbuf);
    const ctl_be *r = log_level(NULL);
    CHECK(r && ru_ok(r));
    CHECK(ru_str_is(r, "log-level", "warn"));
    CHECK(ru_str_is(r, "target", "file"));
}

/* Raised to debug, a request shows as a debug line (its name and
 * call-id, never a key); lowered to error, nothing more is written; a bad
 * level is refused and the level kept; srtpctl reads and sets it. */
static void test_log_level_at_run_time(void)
{
    const ctl_be *r = log_level("debug");
    CHECK(r && ru_ok(r));
    CHECK(ru_str_is(r, "log-level", "debug"));
    CHECK(ru_str_is(r, "previous", "warn"));
    CHECK(ru_ok(cmd_call("ping", NULL)));
    read_log(logbuf, sizeof(logbuf));
    CHECK_MSG(strstr(logbuf, " INFO: log level debug (was warn)"), "%s", logbuf);
    CHECK_MSG(strstr(logbuf, " DEBUG: control: ping: ok"), "%s", logbuf);
    r = cmd_call("query", "no-such-call@ops");
    CHECK(r && !ru_ok(r));
    read_log(logbuf, sizeof(logbuf));
    CHECK_MSG(strstr(logbuf, " DEBUG: control: query call no-such-call@ops: error"), "%s", logbuf);

    r = log_level("error");
    CHECK(r && ru_ok(r));
    size_t before = read_log(logbuf, sizeof(logbuf));
    CHECK_MSG(strstr(logbuf, " INFO: log level error (was debug)"), "%s", logbuf);
    CHECK(ru_ok(cmd_call("ping", NULL)));
    r = cmd_call("query", "no-such-call@ops");
    CHECK(r && !ru_ok(r));
    CHECK_EQ(read_log(logbuf, sizeof(logbuf)), before);

    static const char *bad[] = {"verbose", "", "DEBUG", "info ", "7"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = log_level(bad[i]);
        CHECK_MSG(r && !ru_ok(r), "level \"%s\" accepted", bad[i]);
        CHECK(ru_str_is(r, "error-reason", "level: want error, warn, info or debug"));
    }
    char buf[64];
    ctl_benc w;
    ctl_benc_init(&w, buf, sizeof(buf));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "log-level");
    ctl_benc_kv_int(&w, "level", 3);
    ctl_benc_end(&w);
    r = ru_call(&D, buf, w.len);
    CHECK(r && !ru_ok(r));
    r = log_level(NULL);
    CHECK(ru_str_is(r, "log-level", "error"));

    static char out[4096];
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "log-level"), 0);
    CHECK_MSG(strstr(out, "log-level error, logging to file"), "%s", out);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "log-level info"), 0);
    CHECK_MSG(strstr(out, "log-level info (was error)"), "%s", out);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "log-level loud"), 1);
    CHECK_MSG(strstr(out, "level: want error, warn, info or debug"), "%s", out);
    CHECK_EQ(ru_srtpctl(&D, out, sizeof(out), "--json log-level"), 0);
    CHECK_MSG(strstr(out, "\"log-level\": \"info\""), "%s", out);
}

static void test_log_refusals(void)
{
    const char *bad_level[] = {"build/srtpd", "--log-level", "loud", NULL};
    CHECK_EQ(run_srtpd_expect_fail(bad_level), 2);
    CHECK_MSG(strstr(refusal, "--log-level: want error, warn, info or debug: loud"), "%s", refusal);
    const char *both[] = {"build/srtpd", "--log-syslog", "--log-file", "/tmp/x.log", NULL};
    CHECK_EQ(run_srtpd_expect_fail(both), 2);
    CHECK_MSG(strstr(refusal, "log-syslog and log-file"), "%s", refusal);
}

/* Every integer option has its range, checked where it is read: on the
 * command line and in the config file alike (so also at a reload), each
 * refusal naming the option, its range and the value. */
static void test_int_ranges(void)
{
    static const struct {
        const char *opt, *val, *want;
    } bad[] = {
        {"--coalesce-us", "10001", "--coalesce-us: want a whole number in 0..10000, got 10001"},
        {"--rt-priority", "100", "--rt-priority: want a whole number in 0..99, got 100"},
        {"--rt-priority", "-1", "--rt-priority: want a whole number in 0..99, got -1"},
        {"--workers", "1025", "--workers: want a whole number in 0..1024, got 1025"},
        {"--media-timeout", "-5", "--media-timeout: want a whole number in 0..1000000, got -5"},
        {"--port-min", "70000", "--port-min: want a whole number in 0..65535, got 70000"},
        {"--port-max", "99999999999999999999",
         "--port-max: want a whole number in 0..65535, got 99999999999999999999"},
        {"--workers", "2x", "--workers: want a whole number in 0..1024, got 2x"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *args[] = {"build/srtpd", bad[i].opt, bad[i].val, NULL};
        CHECK_EQ(run_srtpd_expect_fail(args), 2);
        CHECK_MSG(strstr(refusal, bad[i].want), "%s %s: %s", bad[i].opt, bad[i].val, refusal);
    }
    char path[64];
    snprintf(path, sizeof(path), "/tmp/srtpd-ops-range-%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("workers = 1\ncoalesce-us = 20000\n", f);
    fclose(f);
    const char *file[] = {"build/srtpd", "--config", path, NULL};
    CHECK_EQ(run_srtpd_expect_fail(file), 2);
    CHECK_MSG(strstr(refusal, ":2: --coalesce-us: want a whole number in 0..10000, got 20000"),
              "%s", refusal);
    unlink(path);
}

/* At debug, every request shows in the log by command and Call-ID, but no
 * key: a call's setup, a rekey with an added key and the delete leave no
 * key bytes in the log, raw, as hex or as SDES base64 (key||salt). */
static void test_debug_never_logs_keys(void)
{
    const ctl_be *r = log_level("debug");
    CHECK(r && ru_ok(r));
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, true, 1));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x71, 1, 5, 0), 5);
    r = rekey(c.id, "a", "send", s, (int)seed_base + 500, 2, 1, 2, -1);
    CHECK(r && ru_ok(r));
    CHECK(ru_ok(cmd_call("delete", c.id)));
    call_teardown(&c);
    CHECK(ru_ok(log_level("info")));
    size_t n = read_log(logbuf, sizeof(logbuf));
    CHECK_MSG(strstr(logbuf, " DEBUG: control: offer call ") &&
                  strstr(logbuf, " DEBUG: control: rekey call "),
              "%s", logbuf);
    /* call_setup's keys: seed_base + 1..4 (relay_peer.h), the rekey's
     * seed_base + 500. */
    unsigned seeds[5] = {seed_base + 1, seed_base + 2, seed_base + 3, seed_base + 4, 0}, ns = 4;
    seeds[ns++] = seed_base + 500;
    for (unsigned i = 0; i < ns; i++) {
        uint8_t k[64];
        char hex[20], b64[64];
        ru_key(s, seeds[i], k);
        snprintf(hex, sizeof(hex), "%02x%02x%02x%02x%02x%02x", k[0], k[1], k[2], k[3], k[4], k[5]);
        EVP_EncodeBlock((unsigned char *)b64, k, 30);
        b64[12] = 0;
        CHECK_MSG(!strstr(logbuf, hex), "key of seed %u in the log as hex", seeds[i]);
        CHECK_MSG(!strstr(logbuf, b64), "key of seed %u in the log as base64", seeds[i]);
        CHECK_MSG(!memmem(logbuf, n, k, 8), "key of seed %u in the log raw", seeds[i]);
    }
}

/* ---- metrics ---- */

/* A call's life in the counters: promtool accepts every scrape. */
static void test_metrics_follow_a_call(void)
{
    const char *m = scrape();
    CHECK(m);
    CHECK_EQ(promtool_check(), 0);
    CHECK_EQ(sample(m, "srtpd_calls"), 0);
    long long created0 = sample(m, "srtpd_calls_created_total");
    long long deleted0 = sample(m, "srtpd_calls_deleted_total");
    long long in0 = sample(m, "srtpd_packets_total{direction=\"in\",kind=\"rtp\"}");
    long long out0 = sample(m, "srtpd_packets_total{direction=\"out\",kind=\"rtp\"}");
    long long auth0 = sample(m, "srtpd_drops_total{reason=\"auth\"}");
    long long offer0 = sample(m, "srtpd_control_requests_total{command=\"offer\",result=\"ok\"}");
    long long other0 =
        sample(m, "srtpd_control_requests_total{command=\"other\",result=\"error\"}");
    CHECK(created0 >= 0 && deleted0 >= 0 && in0 >= 0 && out0 >= 0 && auth0 >= 0 && offer0 >= 0);
    CHECK(sample(m, "srtpd_workers") >= 1);
    CHECK(strstr(m, "\nsrtpd_build_info{version=\""));

    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall c;
    CHECK(call_setup(&c, s, true, false, 1));
    CHECK_EQ(flow(&c.A, c.a_port, &c.B, 0x61, 1, 20, 0), 20);
    CHECK_EQ(flow(&c.B, c.b_port, &c.A, 0x62, 1, 20, -1), 20);
    /* A forged SRTP packet (known MKI, bad tag): an authentication drop. */
    uint8_t junk[200];
    size_t jl = ru_rtp(junk, 0x61, 500, 160);
    junk[jl] = 1; /* the MKI of A's key, then a wrong tag */
    memset(junk + jl + 1, 0xa5, 10);
    ru_send(c.A.rtp, c.a_port, junk, jl + 11);
    /* A rekey of leg a's send side with a switch to the new key. */
    const ctl_be *r = rekey(c.id, "a", "send", s, (int)seed_base + 500, 2, 1, 2, -1);
    CHECK(r && ru_ok(r));
    r = cmd_call("frobnicate", NULL);
    CHECK(r && !ru_ok(r));
    usleep(100000);

    m = scrape();
    CHECK(m);
    CHECK_EQ(promtool_check(), 0);
    CHECK_EQ(sample(m, "srtpd_calls"), 1);
    CHECK_EQ(sample(m, "srtpd_calls_created_total"), created0 + 1);
    CHECK_EQ(sample(m, "srtpd_streams"), 1);
    CHECK_EQ(sample(m, "srtpd_legs{transport=\"SRTP\"}"), 1);
    CHECK_EQ(sample(m, "srtpd_legs{transport=\"RTP\"}"), 1);
    long long in1 = sample(m, "srtpd_packets_total{direction=\"in\",kind=\"rtp\"}");
    long long out1 = sample(m, "srtpd_packets_total{direction=\"out\",kind=\"rtp\"}");
    CHECK_MSG(in1 >= in0 + 40, "packets in %lld -> %lld", in0, in1);
    CHECK_MSG(out1 >= out0 + 40, "packets out %lld -> %lld", out0, out1);
    CHECK(sample(m, "srtpd_bytes_total{direction=\"in\"}") >= 40 * 172);
    CHECK(sample(m, "srtpd_bytes_total{direction=\"out\"}") >= 40 * 172);
    CHECK_EQ(sample(m, "srtpd_drops_total{reason=\"auth\"}"), auth0 + 1);
    CHECK_EQ(sample(m, "srtpd_control_requests_total{command=\"offer\",result=\"ok\"}"),
             offer0 + 1);
    CHECK(sample(m, "srtpd_control_requests_total{command=\"answer\",result=\"ok\"}") >= 1);
    CHECK_EQ(sample(m, "srtpd_control_requests_total{command=\"other\",result=\"error\"}"),
             other0 + 1);
    CHECK(sample(m, "srtpd_rekeys_total{dir=\"send\"}") >= 1);
    CHECK(sample(m, "srtpd_key_switches_total{cause=\"command\"}") >= 1);
    long long wsum = 0;
    for (int i = 0; i < 64; i++) {
        char series[96];
        snprintf(series, sizeof(series),
                 "srtpd_worker_packets_total{direction=\"in\",worker=\"%d\"}", i);
        long long v = sample(m, series);
        if (v < 0)
            break;
        wsum += v;
    }
    CHECK_MSG(wsum >= 41, "worker packets in: %lld", wsum);
    /* Worker load: CPU seconds per worker thread, a number, and above 0
     * somewhere after the call's packets. */
    const char *cpu = strstr(m, "\nsrtpd_worker_cpu_seconds_total{worker=\"0\"} ");
    CHECK(cpu);
    double cpu_sum = 0;
    for (const char *p = cpu; (p = strstr(p, "\nsrtpd_worker_cpu_seconds_total{")); p++)
        cpu_sum += atof(strchr(p, '}') + 2);
    CHECK_MSG(cpu_sum > 0, "worker cpu seconds: %f", cpu_sum);

    CHECK(ru_ok(cmd_call("delete", c.id)));
    m = scrape();
    CHECK(m);
    CHECK_EQ(promtool_check(), 0);
    CHECK_EQ(sample(m, "srtpd_calls"), 0);
    CHECK_EQ(sample(m, "srtpd_calls_deleted_total"), deleted0 + 1);
    CHECK_EQ(sample(m, "srtpd_legs{transport=\"SRTP\"}"), 0);
    /* A deleted call's packets stay counted: counters never go back. */
    CHECK(sample(m, "srtpd_packets_total{direction=\"in\",kind=\"rtp\"}") >= in1);
    CHECK(sample(m, "srtpd_packets_total{direction=\"out\",kind=\"rtp\"}") >= out1);
    /* No call-id in any metric. */
    CHECK(!strstr(m, c.id));
    call_teardown(&c);
}

static void test_metrics_http(void)
{
    static char out[8192];
    CHECK_EQ(http("GET", "/", out, sizeof(out)), 404);
    CHECK_EQ(http("GET", "/metrics/x", out, sizeof(out)), 404);
    CHECK_EQ(http("POST", "/metrics", out, sizeof(out)), 405);
    CHECK_MSG(strstr(out, "Allow: GET, HEAD"), "%s", out);
    CHECK_EQ(http("DELETE", "/metrics", out, sizeof(out)), 405);
    CHECK_EQ(http("HEAD", "/metrics", out, sizeof(out)), 200);
    CHECK(strstr(out, "Content-Type: text/plain; version=0.0.4"));
    CHECK(!strstr(out, "# TYPE"));
}

/* At most 4 connections from one address: a fifth is closed at once, and
 * a scrape works again when they go. An idle connection is closed after
 * 5 s. */
static void test_metrics_bounds(void)
{
    int held[4];
    for (int i = 0; i < 4; i++) {
        held[i] = tcp_connect();
        CHECK(held[i] >= 0);
    }
    usleep(200000);
    char buf[256];
    int fifth = tcp_connect();
    CHECK(fifth >= 0);
    const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
    send(fifth, req, sizeof(req) - 1, MSG_NOSIGNAL);
    int n = read_all(fifth, buf, sizeof(buf), 2000);
    close(fifth);
    CHECK_MSG(n <= 0, "a fifth connection was answered: %d bytes", n);
    for (int i = 1; i < 4; i++)
        close(held[i]);
    usleep(200000);
    CHECK(scrape());
    /* held[0] has been idle since it connected: closed within 5 s (+1). */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    n = read_all(held[0], buf, sizeof(buf), 7000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(held[0]);
    CHECK_MSG(n == 0, "idle connection: read %d", n);
    CHECK(t1.tv_sec - t0.tv_sec <= 6);
}

/* A bad or busy metrics address stops srtpd at start with its reason
 * (the control socket would have bound: a writable /tmp path). */
static void test_metrics_refusals(void)
{
    char in_use[32], sock[64];
    snprintf(in_use, sizeof(in_use), "127.0.0.1:%d", metrics_port);
    snprintf(sock, sizeof(sock), "unix:/tmp/srtpd-ops-%d.sock", (int)getpid());
    static const struct {
        const char *addr, *why;
    } bad[] = {
        {"unix:/tmp/m.sock", "want IP:PORT"},
        {"udp:127.0.0.1:9", "want IP:PORT"},
        {"not an address", "want IP:PORT"},
        {NULL, "cannot listen"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *args[] = {"build/srtpd",
                              "--listen",
                              sock,
                              "--metrics",
                              bad[i].addr ? bad[i].addr : in_use,
                              "--port-min",
                              "45000",
                              "--port-max",
                              "45100",
                              NULL};
        CHECK_EQ(run_srtpd_expect_fail(args), 1);
        CHECK_MSG(strstr(refusal, "srtpd: metrics ") && strstr(refusal, bad[i].why), "%s", refusal);
    }
}

int main(void)
{
    alarm(120); /* bounded: a hung srtpd fails the test instead of CI */
    metrics_port = free_tcp_port();
    snprintf(scrape_file, sizeof(scrape_file), "/tmp/srtpd-ops-%d.prom", (int)getpid());
    char mp[32];
    snprintf(mp, sizeof(mp), "127.0.0.1:%d", metrics_port);
    const char *extra[] = {"--log-level", "warn", "--metrics", mp, NULL};
    if (metrics_port < 0 || !ru_srtpd_start(&D, NULL, extra)) {
        fprintf(stderr, "srtpd did not start (build/srtpd missing?)\n");
        printf("relay_ops: 0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_log_level_from_command_line);
    RUN(test_log_level_at_run_time);
    RUN(test_log_refusals);
    RUN(test_int_ranges);
    RUN(test_debug_never_logs_keys);
    RUN(test_metrics_follow_a_call);
    RUN(test_metrics_http);
    RUN(test_metrics_bounds);
    RUN(test_metrics_refusals);
    int st = ru_srtpd_stop(&D);
    if (st != 0)
        fprintf(stderr, "srtpd exit status %d after SIGTERM\n", st);
    unlink(scrape_file);
    return check_summary("relay_ops");
}
