/*
 * tests/relay/control_bench.c — `make bench-control` (also run by `make
 * bench`): srtpd's control plane against RTPengine's (Debian's
 * rtpengine-daemon, userspace only), both driven over the same ng framing
 * (cookie SP bencode) on UDP loopback by the same single-threaded client,
 * filled with one-stream calls (leg a plain RTP, leg b SRTP: the legacy PBX
 * case), rtcp-mux on both legs, at 100, 1,000, 3,500 and 10,000 calls.
 *
 * Per relay and size, on a fresh relay process:
 *   - offer+answer pairs/s for the last 1,000 calls (all of them below
 *     1,000): each pair is the relay's `offer` then `answer` of one call
 *     (srtpd's carry an sdes-state of 400 and 1,000 bytes, as sdes.so's do).
 *     Timed in 5 rounds: the best round's rate is "pairs/s" (as for
 *     queries: the round least disturbed by whatever else runs on the
 *     box), the rate over all of them "all" (rounds of 100 pairs at least:
 *     below 500 timed calls, one round);
 *     with its breakdown: the mean round trip of an offer and of an answer,
 *     the relay's CPU time per pair (all its threads, from
 *     /proc/PID/task/TID/schedstat) and its context switches per pair (the
 *     client is sequential: every sleep-and-wake of a relay thread is on a
 *     request's path), and after the calls the mean round trip of `ping`
 *     (no call, no worker: the floor of this box's wake-ups);
 *   - `query` requests/s on random existing calls, and that rate relative to
 *     the same relay's at 100 calls (the flatness of the call table);
 *   - RSS per call: (VmRSS with N calls - VmRSS before the first) / N;
 *   - SIGTERM shutdown: from kill() to the reaped exit; for srtpd also the
 *     count of its per-stream audit lines ("shutdown") in its log, which
 *     must be N.
 * Then the ratios srtpd/RTPengine per size.
 *
 * Ports and descriptors: srtpd's media go to 127.0.0.2, RTPengine's to
 * 127.0.0.3, each with ports 20000..59999 (so neither collides with tests
 * on 127.0.0.1). A size whose descriptors (per call, measured on the first
 * calls, summed over its descriptor tables) do not fit the hard RLIMIT_NOFILE
 * of its tables that hold media sockets (srtpd: one per worker) is run at the
 * largest multiple of 500 that fits, and says so.
 *
 * Bounded: BENCH_CONTROL_QUERIES queries per size (default 5000, in 5
 * rounds: the best round's rate is reported, the one least disturbed by
 * whatever else runs on the box), shutdown
 * waits at most 60 s (then SIGKILL, reported as ">60"), everything started
 * is killed at the end. BENCH_CONTROL_SIZES="100 1000" overrides the sizes;
 * BENCH_CONTROL_RTPENGINE=0 skips RTPengine; BENCH_CONTROL_SRTP_A=1 makes
 * srtpd's leg a SRTP too (four SRTP contexts per call: the rekey-edge
 * case); SRTPD=PATH picks the binary.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/bencode.h"
#include "ctl/client.h"
#include "tests/relay/proc_fds.h"
#include "tests/relay/relay_util.h"
#include "tests/relay/rtpengine_ng.h"

#define PAIRS_TIMED    1000
#define PAIR_ROUNDS    5
#define PAIR_ROUND_MIN 100
#define MAX_SIZES      8
#define PINGS          1000

typedef struct cb_row {
    int calls; /* calls actually held (may be below the size asked) */
    bool ran, fds_short;
    double pairs_s;             /* offer+answer pairs/s: the best of PAIR_ROUNDS rounds */
    double pairs_all;           /* the same over all the timed calls at once */
    double offer_us, answer_us; /* mean round trip of each, same calls */
    double ping_us;             /* mean ping round trip: the floor */
    double cpu_us, sw;          /* the relay's CPU time and context switches per pair */
    double query_s;             /* query requests/s */
    double rss_kib;             /* per call */
    double stop_s;              /* SIGTERM to exit; < 0: did not exit within the cap */
    long audit;                 /* srtpd: "shutdown" audit lines in the log */
    double fds_call;            /* descriptors per call */
} cb_row;

static int queries = 5000;
static bool srtp_a; /* BENCH_CONTROL_SRTP_A=1: srtpd's leg a is SRTP too */
static char reply[CTL_MAX_MSG];
static ctl_be_doc doc;
static uint8_t sdes_state[1000];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            v = atol(line + 6);
    fclose(f);
    return v;
}

static long fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max == RLIM_INFINITY)
        return 1 << 20;
    return (long)rl.rlim_max;
}

/* The relay's CPU time in ns (every thread's, from schedstat) and its
 * context switches (each a sleep or a preemption: on a sequential client,
 * each sleep is a wake-up on the request's path). */
static void proc_sched(pid_t pid, double *cpu_ns, double *switches)
{
    char path[320], line[256];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    *cpu_ns = *switches = 0;
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
        FILE *f = fopen(path, "r");
        unsigned long long run = 0;
        if (f) {
            if (fscanf(f, "%llu", &run) == 1)
                *cpu_ns += (double)run;
            fclose(f);
        }
        snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, e->d_name);
        f = fopen(path, "r");
        while (f && fgets(line, sizeof(line), f))
            if (strstr(line, "ctxt_switches:"))
                *switches += atof(strchr(line, ':') + 1);
        if (f)
            fclose(f);
    }
    closedir(d);
}

/* SIGTERM and the time until the process is reaped (cap 60 s). */
static double stop_time(pid_t pid)
{
    double t0 = now_s();
    kill(pid, SIGTERM);
    while (now_s() - t0 < 60) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return now_s() - t0;
        usleep(2000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* Round-trip time of the timed offers and answers (the breakdown of a
 * pair): call_ng adds each request's time to *rtt_acc when set. */
static double *rtt_acc;
static bool timing; /* in the timed calls */
static double acc_offer, acc_answer;

static const ctl_be *call_ng(ctl_client *c, const char *body, size_t len)
{
    char err[200];
    const ctl_be *r;
    double t0 = rtt_acc ? now_s() : 0;
    int rc = ctl_client_call(c, body, len, reply, sizeof(reply), &doc, &r, err, sizeof(err));
    if (rtt_acc)
        *rtt_acc += now_s() - t0;
    if (rc != 0) {
        fprintf(stderr, "control-bench: %s\n", err);
        return NULL;
    }
    const ctl_be *res = ctl_be_get(&doc, r, "result");
    if (!ctl_be_str_eq(res, "ok") && !ctl_be_str_eq(res, "pong")) {
        const char *why = "?";
        size_t wl = 1;
        ctl_be_get_str(&doc, r, "error-reason", &why, &wl);
        fprintf(stderr, "control-bench: error: %.*s\n", (int)wl, why);
        return NULL;
    }
    return r;
}

/* ---- the two relays' offer and answer ---- */

typedef struct relay_ops {
    const char *name;
    bool (*pair)(ctl_client *c, int i);
} relay_ops;

static bool srtpd_pair(ctl_client *c, int i)
{
    const sg_suite *s80 = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    char body[4096], id[32];
    unsigned ks = 50000 + (unsigned)i, kr = 60000 + (unsigned)i, one = 1;
    snprintf(id, sizeof(id), "cb-%d", i);
    ctl_benc w;
    /* offer: the PBX's plain leg a, srtpd's send keys toward leg b */
    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "call-id", id);
    ctl_benc_kv_cstr(&w, "command", "offer");
    ctl_benc_kv_str(&w, "sdes-state", sdes_state, 400);
    ctl_benc_cstr(&w, "streams");
    ctl_benc_list(&w);
    ctl_benc_dict(&w);
    ctl_benc_cstr(&w, "a");
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "address", "127.0.0.1");
    ctl_benc_kv_int(&w, "port", 4000 + 2 * (i % 20000));
    if (srtp_a) {
        unsigned ka = 70000 + (unsigned)i;
        ru_crypto(&w, "recv", s80, &ka, &one, NULL, 1, 0, 0);
    }
    ctl_benc_kv_int(&w, "rtcp-mux", 1);
    ctl_benc_kv_cstr(&w, "transport", srtp_a ? "SRTP" : "RTP");
    ctl_benc_end(&w);
    ctl_benc_cstr(&w, "b");
    ctl_benc_dict(&w);
    ctl_benc_kv_int(&w, "rtcp-mux", 1);
    ru_crypto(&w, "send", s80, &ks, &one, NULL, 1, 0, 0);
    ctl_benc_kv_cstr(&w, "transport", "SRTP");
    ctl_benc_end(&w);
    ctl_benc_kv_int(&w, "index", 0);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    rtt_acc = timing ? &acc_offer : NULL;
    if (!call_ng(c, body, w.len))
        return false;
    /* answer: the callee's address and keys on leg b */
    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "call-id", id);
    ctl_benc_kv_cstr(&w, "command", "answer");
    ctl_benc_kv_str(&w, "sdes-state", sdes_state, sizeof(sdes_state));
    ctl_benc_cstr(&w, "streams");
    ctl_benc_list(&w);
    ctl_benc_dict(&w);
    if (srtp_a) {
        unsigned ka = 80000 + (unsigned)i;
        ctl_benc_cstr(&w, "a");
        ctl_benc_dict(&w);
        ru_crypto(&w, "send", s80, &ka, &one, NULL, 1, 0, 0);
        ctl_benc_end(&w);
    }
    ctl_benc_cstr(&w, "b");
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "address", "127.0.0.1");
    ctl_benc_kv_int(&w, "port", 44000 + 2 * (i % 8000));
    ru_crypto(&w, "recv", s80, &kr, &one, NULL, 1, 0, 0);
    ctl_benc_kv_int(&w, "rtcp-mux", 1);
    ctl_benc_end(&w);
    ctl_benc_kv_int(&w, "index", 0);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    ctl_benc_end(&w);
    rtt_acc = timing ? &acc_answer : NULL;
    bool ok = call_ng(c, body, w.len) != NULL;
    rtt_acc = NULL;
    return ok;
}

static bool rtpengine_pair(ctl_client *c, int i)
{
    const sg_suite *s80 = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    char sdp[1024], body[4096], id[32];
    uint8_t key[64];
    snprintf(id, sizeof(id), "cb-%d", i);
    size_t n = rte_sdp(sdp, sizeof(sdp), 1, 4000 + 2 * (unsigned)(i % 20000), true, 0, NULL, NULL);
    size_t len = rte_ng_body(body, sizeof(body), "offer", id, sdp, n);
    rtt_acc = timing ? &acc_offer : NULL;
    if (!call_ng(c, body, len))
        return false;
    ru_key(s80, 60000 + (unsigned)i, key);
    n = rte_sdp(sdp, sizeof(sdp), 2, 44000 + 2 * (unsigned)(i % 8000), true, 1,
                "AES_CM_128_HMAC_SHA1_80", key);
    len = rte_ng_body(body, sizeof(body), "answer", id, sdp, n);
    rtt_acc = timing ? &acc_answer : NULL;
    bool ok = call_ng(c, body, len) != NULL;
    rtt_acc = NULL;
    return ok;
}

static const relay_ops srtpd_ops = {"srtpd", srtpd_pair};
static const relay_ops rtpengine_ops = {"rtpengine", rtpengine_pair};

/* ---- starting the relays ---- */

static pid_t start_rtpengine(char *ctl, size_t ctl_len)
{
    uint16_t ngp;
    close(ru_udp(&ngp));
    snprintf(ctl, ctl_len, "udp:127.0.0.1:%u", ngp);
    FILE *f = fopen("/tmp/sdesgate-control-bench-rtpengine.conf", "w");
    if (!f)
        return -1;
    fputs("[rtpengine]\n", f); /* an empty file makes 10.5 exit 255 */
    fclose(f);
    char ng[64];
    snprintf(ng, sizeof(ng), "--listen-ng=127.0.0.1:%u", ngp);
    pid_t p = fork();
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the bench */
        int dn = open("/dev/null", O_WRONLY);
        dup2(dn, 1);
        dup2(dn, 2);
        execlp("rtpengine", "rtpengine", "--config-file=/tmp/sdesgate-control-bench-rtpengine.conf",
               "--foreground", "--log-stderr", "--log-level=4", "--table=-1",
               "--interface=127.0.0.3", ng, "--port-min=20000", "--port-max=59999", (char *)NULL);
        _exit(127);
    }
    return p;
}

static char srtpd_log[128];

static pid_t start_srtpd(char *ctl, size_t ctl_len)
{
    ru_srtpd d;
    static const char *const extra[] = {"--interface", "127.0.0.2", "--port-min", "20000",
                                        "--port-max",  "59999",     NULL};
    if (!ru_srtpd_start(&d, NULL, extra)) {
        if (d.pid > 0)
            stop_time(d.pid);
        ctl_client_free(d.cli);
        return -1;
    }
    snprintf(ctl, ctl_len, "%s", d.ctl);
    snprintf(srtpd_log, sizeof(srtpd_log), "%s", d.log);
    ctl_client_free(d.cli);
    return d.pid;
}

static long count_lines(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    long n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

/* One relay at one size: fresh process, fill, query, RSS, shutdown. */
static bool run_size(const relay_ops *ops, int want, cb_row *row)
{
    char ctl[64], err[200];
    bool srtpd = ops == &srtpd_ops;
    memset(row, 0, sizeof(*row));
    pid_t pid = srtpd ? start_srtpd(ctl, sizeof(ctl)) : start_rtpengine(ctl, sizeof(ctl));
    if (pid <= 0)
        return false;
    ctl_client *c = ctl_client_new(ctl, NULL, 0, 2000, 0, err, sizeof(err));
    bool up = false;
    for (int i = 0; i < 50 && c && !up; i++) {
        const ctl_be *r;
        up = ctl_client_call(c, "d7:command4:pinge", 17, reply, sizeof(reply), &doc, &r, err,
                             sizeof(err)) == 0;
        if (!up)
            usleep(100000);
    }
    bool ok = false;
    if (!up) {
        fprintf(stderr, "control-bench: %s did not start\n", ops->name);
        goto out;
    }
    usleep(100000);
    int tables = 1;
    long rss0 = rss_kib(pid), fd0 = pf_fds(pid, &tables);
    /* Descriptors per call from the first 10 calls decide what fits. */
    int n = want, made = 0;
    for (; made < 10 && made < n; made++)
        if (!ops->pair(c, made))
            goto out;
    row->fds_call = (double)(pf_fds(pid, NULL) - fd0) / made;
    /* The limit is per descriptor table: srtpd's workers each keep their
     * own (rtp/relay/worker_fds.c) and the control thread's holds no media
     * socket; RTPengine's threads share one. */
    int media_tables = tables > 1 ? tables - 1 : 1;
    long room = fd_limit() * media_tables - fd0 - 64 * media_tables;
    if (row->fds_call > 0 && (double)n * row->fds_call > (double)room) {
        n = (int)((double)room / row->fds_call) / 500 * 500;
        row->fds_short = true;
    }
    int timed_from = n > PAIRS_TIMED ? n - PAIRS_TIMED : made;
    double t0 = 0, cpu0 = 0, sw0 = 0, r0 = 0;
    /* Rounds of at least PAIR_ROUND_MIN pairs: shorter ones (100 calls
     * time 90 pairs) measure a scheduler hiccup more than the relay. */
    int per_round = (n - timed_from) / PAIR_ROUNDS, in_round = 0;
    if (per_round < PAIR_ROUND_MIN)
        per_round = 0;
    acc_offer = acc_answer = 0;
    for (; made < n; made++) {
        if (made == timed_from) {
            proc_sched(pid, &cpu0, &sw0);
            t0 = r0 = now_s();
            timing = true;
        }
        if (timing && per_round > 0 && in_round == per_round) {
            double t = now_s(), rate = per_round / (t - r0);
            if (rate > row->pairs_s)
                row->pairs_s = rate;
            r0 = t;
            in_round = 0;
        }
        in_round += timing;
        if (!ops->pair(c, made)) {
            timing = false;
            fprintf(stderr, "control-bench: %s: call %d failed\n", ops->name, made);
            goto out;
        }
    }
    timing = false;
    row->calls = n;
    row->pairs_all = (double)(n - timed_from) / (now_s() - t0);
    if (per_round > 0 && in_round == per_round && per_round / (now_s() - r0) > row->pairs_s)
        row->pairs_s = per_round / (now_s() - r0);
    if (row->pairs_s < row->pairs_all)
        row->pairs_s = row->pairs_all;
    double cpu1, sw1;
    proc_sched(pid, &cpu1, &sw1);
    row->cpu_us = (cpu1 - cpu0) / 1e3 / (n - timed_from);
    row->sw = (sw1 - sw0) / (n - timed_from);
    row->offer_us = acc_offer * 1e6 / (n - timed_from);
    row->answer_us = acc_answer * 1e6 / (n - timed_from);
    /* The floor: a ping's round trip (no call, no worker). */
    double p0 = now_s();
    for (int q = 0; q < PINGS; q++)
        if (!call_ng(c, "d7:command4:pinge", 17))
            goto out;
    row->ping_us = (now_s() - p0) * 1e6 / PINGS;
    usleep(200000);
    row->rss_kib = (double)(rss_kib(pid) - rss0) / n;
    /* Best of 5 rounds: the box may be shared, and the best round is the
     * one least disturbed by others. */
    unsigned seed = 12345;
    for (int round = 0; round < 5; round++) {
        double q0 = now_s();
        for (int q = 0; q < queries / 5; q++) {
            char body[96], id[32];
            seed = seed * 1103515245u + 12345u;
            int k = snprintf(id, sizeof(id), "cb-%u", (seed >> 8) % (unsigned)n);
            int len = snprintf(body, sizeof(body), "d7:call-id%d:%s7:command5:querye", k, id);
            if (!call_ng(c, body, (size_t)len))
                goto out;
        }
        double rate = (queries / 5) / (now_s() - q0);
        if (rate > row->query_s)
            row->query_s = rate;
    }
    ok = true;
out:
    ctl_client_free(c);
    row->stop_s = stop_time(pid);
    if (srtpd) {
        row->audit = count_lines(srtpd_log, " shutdown:");
        unlink(srtpd_log);
    }
    row->ran = ok;
    return ok;
}

static void print_rel(const char *name, const cb_row *r, const cb_row *base)
{
    if (!r->ran) {
        printf("  %-10s failed\n", name);
        return;
    }
    char stop[16];
    if (r->stop_s < 0)
        snprintf(stop, sizeof(stop), ">60");
    else
        snprintf(stop, sizeof(stop), "%.2f", r->stop_s);
    printf("  %-10s %7d %9.0f %8.2fx %10.0f %8.1f %8s %6.1f", name, r->calls, r->query_s,
           base->ran && base->query_s > 0 ? r->query_s / base->query_s : 0, r->pairs_s, r->rss_kib,
           stop, r->fds_call);
    printf("  all %.0f; us offer %.0f answer %.0f ping %.0f; cpu-us/pair %.0f, switches/pair %.1f",
           r->pairs_all, r->offer_us, r->answer_us, r->ping_us, r->cpu_us, r->sw);
    if (r->audit)
        printf("  audit %ld/%d", r->audit, r->calls);
    if (r->fds_short)
        printf("  (fd limit %ld)", fd_limit());
    printf("\n");
}

int main(void)
{
    alarm(1200);
    int sizes[MAX_SIZES] = {100, 1000, 3500, 10000}, nsizes = 4;
    if (getenv("BENCH_CONTROL_SIZES")) {
        nsizes = 0;
        char *s = strdup(getenv("BENCH_CONTROL_SIZES"));
        for (char *t = strtok(s, " ,"); t && nsizes < MAX_SIZES; t = strtok(NULL, " ,"))
            if (atoi(t) >= 10)
                sizes[nsizes++] = atoi(t);
        free(s);
    }
    if (getenv("BENCH_CONTROL_QUERIES"))
        queries = atoi(getenv("BENCH_CONTROL_QUERIES"));
    if (queries < 100)
        queries = 100;
    bool rte = !getenv("BENCH_CONTROL_RTPENGINE") || atoi(getenv("BENCH_CONTROL_RTPENGINE"));
    srtp_a = getenv("BENCH_CONTROL_SRTP_A") && atoi(getenv("BENCH_CONTROL_SRTP_A"));
    for (size_t i = 0; i < sizeof(sdes_state); i++)
        sdes_state[i] = (uint8_t)(i * 7 + 1);
    printf("control-bench: one-stream calls (%s, rtcp-mux), ng over UDP loopback, one "
           "client; %d queries per size; fd hard limit %ld\n",
           srtp_a ? "srtpd SRTP -> SRTP, RTPengine RTP -> SRTP" : "RTP -> SRTP", queries,
           fd_limit());
    printf("  %-10s %7s %9s %9s %10s %8s %8s %6s\n", "relay", "calls", "query/s", "vs-100",
           "pairs/s", "KiB/call", "stop-s", "fd/call");
    cb_row rs[MAX_SIZES], re[MAX_SIZES];
    for (int k = 0; k < nsizes; k++) {
        printf("%d calls:\n", sizes[k]);
        run_size(&srtpd_ops, sizes[k], &rs[k]);
        print_rel("srtpd", &rs[k], &rs[0]);
        if (rte) {
            run_size(&rtpengine_ops, sizes[k], &re[k]);
            print_rel("rtpengine", &re[k], &re[0]);
        }
        fflush(stdout);
    }
    if (rte) {
        printf("ratio srtpd/rtpengine per size (query/s, pairs/s, RSS per call, shutdown time):\n");
        for (int k = 0; k < nsizes; k++) {
            if (!rs[k].ran || !re[k].ran)
                continue;
            printf("  %5d calls: query %.2fx, pairs %.2fx (all %.2fx), RSS %.2fx, shutdown %.2fx",
                   sizes[k], rs[k].query_s / re[k].query_s, rs[k].pairs_s / re[k].pairs_s,
                   rs[k].pairs_all / re[k].pairs_all,
                   re[k].rss_kib > 0 ? rs[k].rss_kib / re[k].rss_kib : 0,
                   re[k].stop_s > 0 && rs[k].stop_s > 0 ? rs[k].stop_s / re[k].stop_s : 0);
            if (rs[k].calls != re[k].calls) /* a relay capped by the fd limit */
                printf(" (srtpd at %d calls, rtpengine at %d)", rs[k].calls, re[k].calls);
            printf("\n");
        }
    }
    int bad = 0;
    for (int k = 0; k < nsizes; k++)
        bad += !rs[k].ran;
    return bad ? 1 : 0;
}
