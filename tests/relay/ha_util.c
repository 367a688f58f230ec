/*
 * tests/relay/ha_util.c — redis-server, srtpd restarts and many-call media
 * for the high-availability tests (ha_util.h).
 */
#include "tests/relay/ha_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t ha_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t ha_spawn(const char *const *argv, int out_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int nul = open("/dev/null", O_RDWR);
        dup2(out_fd >= 0 ? out_fd : nul, 1);
        dup2(nul, 2); /* redis-cli's "Could not connect" while redis starts */
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

bool ha_redis_start(ha_redis *r)
{
    if (!r->dir[0]) {
        snprintf(r->dir, sizeof(r->dir), "/tmp/sg-redis-XXXXXX");
        if (!mkdtemp(r->dir))
            return false;
        snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir);
    }
    const char *argv[] = {"redis-server",
                          "--port",
                          "0",
                          "--unixsocket",
                          r->sock,
                          "--unixsocketperm",
                          "700",
                          "--dir",
                          r->dir,
                          "--save",
                          "",
                          "--appendonly",
                          "no",
                          "--rdbcompression",
                          "no",
                          "--notify-keyspace-events",
                          "Kg$x",
                          NULL};
    r->pid = ha_spawn(argv, -1);
    for (int i = 0; i < 100; i++) {
        char out[64];
        const char *ping[] = {"PING", NULL};
        if (ha_redis_cli(r, out, sizeof(out), ping) == 0 && strstr(out, "PONG"))
            return true;
        usleep(50000);
    }
    return false;
}

void ha_redis_stop(ha_redis *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

void ha_redis_clean(ha_redis *r)
{
    ha_redis_stop(r);
    if (r->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "  cannot remove %s\n", r->dir);
        r->dir[0] = 0;
    }
}

bool ha_group_secret(const ha_redis *r, char *path, size_t cap)
{
    snprintf(path, cap, "%s/group.secret", r->dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "relay-group-secret-for-tests-0123456789\n");
    fclose(f);
    return chmod(path, 0600) == 0;
}

size_t ha_cli_len;

int ha_redis_cli(const ha_redis *r, char *out, size_t cap, const char *const *args)
{
    const char *argv[32] = {"redis-cli", "-s", r->sock};
    int n = 3;
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = ha_spawn(argv, p[1]);
    close(p[1]);
    size_t len = 0;
    ssize_t k;
    while ((k = read(p[0], out + len, cap - 1 - len)) > 0 && len + (size_t)k < cap - 1)
        len += (size_t)k;
    if (k > 0)
        len += (size_t)k;
    /* drain what did not fit */
    char junk[4096];
    while (read(p[0], junk, sizeof(junk)) > 0)
        ;
    out[len] = 0;
    ha_cli_len = len;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool ha_srtpd_start(ru_srtpd *d, const char *ctl, int pmin, int pmax, const char *log,
                    const char *const *extra)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->ctl, sizeof(d->ctl), "%s", ctl);
    snprintf(d->log, sizeof(d->log), "%s", log);
    d->port_min = pmin;
    d->port_max = pmax;
    char a[16], b[16];
    snprintf(a, sizeof(a), "%d", pmin);
    snprintf(b, sizeof(b), "%d", pmax);
    const char *bin = getenv("SRTPD") ? getenv("SRTPD") : "build/srtpd";
    const char *argv[48] = {bin, "--listen",   d->ctl, "--port-min",         a,   "--port-max",
                            b,   "--log-file", d->log, "--control-insecure", NULL};
    int n = 10;
    for (int i = 0; extra && extra[i] && n < 46; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    d->pid = fork();
    if (d->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    char err[200];
    d->cli = ctl_client_new(d->ctl, NULL, 0, 2000, 0, err, sizeof(err));
    if (!d->cli)
        return false;
    return ru_srtpd_wait(d);
}

void ha_srtpd_kill(ru_srtpd *d)
{
    ctl_client_free(d->cli);
    d->cli = NULL;
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
        d->pid = 0;
    }
}

int ha_count_calls(ru_srtpd *d)
{
    const char body[] = "d7:command4:liste";
    const ctl_be *r = ru_call(d, body, sizeof(body) - 1);
    const ctl_be *l = r ? ctl_be_get(&ru_doc, r, "calls") : NULL;
    return l && l->type == CTL_BE_LIST ? (int)l->len : -1;
}

/* Every SRTP/SRTCP packet the endpoints received from srtpd, by
 * (direction, RTP or RTCP, SSRC, index) with a hash of the whole packet. */
typedef struct ha_seen {
    uint32_t dir;
    uint32_t rtcp;
    uint32_t ssrc;
    uint64_t index;
    uint64_t hash;
} ha_seen;
static ha_seen *ledger;
static size_t nledger, capledger;
static unsigned rtcp_n;

void ha_ledger_reset(void)
{
    free(ledger);
    ledger = NULL;
    nledger = capledger = 0;
}

void ha_ledger_add(uint32_t dir, bool rtcp, uint32_t ssrc, uint64_t index, const uint8_t *p,
                   size_t len)
{
    if (nledger == capledger) {
        capledger = capledger ? capledger * 2 : 4096;
        ha_seen *n = realloc(ledger, capledger * sizeof(*n));
        if (!n)
            return;
        ledger = n;
    }
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    ledger[nledger++] = (ha_seen){dir, rtcp, ssrc, index, h};
}

static int ha_seen_cmp(const void *a, const void *b)
{
    const ha_seen *x = a, *y = b;
    if (x->dir != y->dir)
        return x->dir < y->dir ? -1 : 1;
    if (x->rtcp != y->rtcp)
        return x->rtcp < y->rtcp ? -1 : 1;
    if (x->ssrc != y->ssrc)
        return x->ssrc < y->ssrc ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

size_t ha_ledger_reuse(size_t *packets, size_t *srtcp)
{
    qsort(ledger, nledger, sizeof(*ledger), ha_seen_cmp);
    size_t bad = 0, nrtcp = 0;
    for (size_t i = 0; i < nledger; i++) {
        nrtcp += ledger[i].rtcp;
        if (i && ledger[i].dir == ledger[i - 1].dir && ledger[i].rtcp == ledger[i - 1].rtcp &&
            ledger[i].ssrc == ledger[i - 1].ssrc && ledger[i].index == ledger[i - 1].index &&
            ledger[i].hash != ledger[i - 1].hash)
            bad++;
    }
    *packets = nledger;
    *srtcp = nrtcp;
    if (bad && getenv("HA_VERBOSE"))
        for (size_t i = 1; i < nledger; i++)
            if (ledger[i].dir == ledger[i - 1].dir && ledger[i].rtcp == ledger[i - 1].rtcp &&
                ledger[i].ssrc == ledger[i - 1].ssrc && ledger[i].index == ledger[i - 1].index &&
                ledger[i].hash != ledger[i - 1].hash)
                fprintf(stderr, "  reuse: direction %u %s ssrc %08x index %llu\n", ledger[i].dir,
                        ledger[i].rtcp ? "SRTCP" : "SRTP", ledger[i].ssrc,
                        (unsigned long long)ledger[i].index);
    return bad;
}

/* Direction k of call i: 0 = A->B (sent to leg a's port), 1 = B->A. An
 * RTCP sender report goes along with every packet. */
static void ha_send(tcall *c, int k, uint32_t ssrc, uint16_t seq)
{
    ep *from = k ? &c->B : &c->A;
    uint8_t buf[2048];
    int len = (int)ru_rtp(buf, ssrc, seq, 160);
    if (from->srtp && srtp_protect(from->tx, buf, &len) != srtp_err_status_ok)
        return;
    ru_send(from->rtp, k ? c->b_port : c->a_port, buf, (size_t)len);
    len = (int)ru_rtcp(buf, ssrc, rtcp_n++);
    if (from->srtp && srtp_protect_rtcp(from->tx, buf, &len) != srtp_err_status_ok)
        return;
    ru_send(from->rtcp, (uint16_t)((k ? c->b_port : c->a_port) + 1), buf, (size_t)len);
}

/* What srtpd sent to an SRTP endpoint over RTCP goes into the ledger
 * (SRTCP index from the E||index word: HMAC suites, no MKI). */
static void ha_drain_rtcp(tcall *c, int k, uint32_t dir)
{
    ep *to = k ? &c->A : &c->B;
    for (;;) {
        uint8_t buf[2048];
        ssize_t r = recv(to->rtcp, buf, sizeof(buf), MSG_DONTWAIT);
        if (r < 0)
            break;
        if (to->srtp && r >= 8 + 4 + 10) {
            size_t w = (size_t)r - 10 - 4;
            uint32_t idx =
                (uint32_t)(buf[w] << 24 | buf[w + 1] << 16 | buf[w + 2] << 8 | buf[w + 3]) &
                0x7fffffffu;
            uint32_t ssrc = (uint32_t)(buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7]);
            ha_ledger_add(dir, true, ssrc, idx, buf, (size_t)r);
        }
    }
}

/* Drains the receiving socket of direction k; true when a packet of ssrc
 * authenticated there. */
static bool ha_drain(tcall *c, int k, uint32_t ssrc, uint32_t dir)
{
    ep *to = k ? &c->A : &c->B;
    bool got = false;
    ha_drain_rtcp(c, k, dir);
    for (;;) {
        uint8_t buf[2048];
        ssize_t r = recv(to->rtp, buf, sizeof(buf), MSG_DONTWAIT);
        if (r < 0)
            break;
        int len = (int)r;
        /* The test's sequence numbers never wrap: index = SEQ. */
        if (to->srtp && r >= 12)
            ha_ledger_add(dir, false,
                          (uint32_t)(buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11]),
                          (uint32_t)(buf[2] << 8 | buf[3]), buf, (size_t)r);
        if (to->srtp && srtp_unprotect(to->rx, buf, &len) != srtp_err_status_ok)
            continue;
        if (len >= 12 && (uint32_t)(buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11]) == ssrc)
            got = true;
    }
    return got;
}

static uint32_t ha_ssrc(int i, int k)
{
    return (k ? 0x20000000u : 0x10000000u) + (uint32_t)i;
}

int ha_media_round(tcall *calls, int n, uint16_t *seq, int wait_ms, bool *got)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            got[2 * i + k] = false;
            ha_send(&calls[i], k, ha_ssrc(i, k), seq[2 * i + k]++);
        }
    int64_t end = ha_now_ms() + wait_ms;
    int ok = 0;
    do {
        usleep(2000);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 2; k++)
                if (!got[2 * i + k] &&
                    ha_drain(&calls[i], k, ha_ssrc(i, k), (uint32_t)(2 * i + k))) {
                    got[2 * i + k] = true;
                    ok++;
                }
    } while (ok < 2 * n && ha_now_ms() < end);
    return ok;
}

void ha_media_resume(tcall *calls, int n, uint16_t *seq, int64_t t0_ms, int timeout_ms,
                     int64_t *gap_ms)
{
    for (int i = 0; i < 2 * n; i++)
        gap_ms[i] = -1;
    int left = 2 * n;
    int64_t end = ha_now_ms() + timeout_ms;
    while (left > 0 && ha_now_ms() < end) {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 2; k++)
                if (gap_ms[2 * i + k] < 0)
                    ha_send(&calls[i], k, ha_ssrc(i, k), seq[2 * i + k]++);
        int64_t round_end = ha_now_ms() + 20;
        while (ha_now_ms() < round_end) {
            usleep(2000);
            for (int i = 0; i < n; i++)
                for (int k = 0; k < 2; k++)
                    if (gap_ms[2 * i + k] < 0 &&
                        ha_drain(&calls[i], k, ha_ssrc(i, k), (uint32_t)(2 * i + k))) {
                        gap_ms[2 * i + k] = ha_now_ms() - t0_ms;
                        left--;
                    }
        }
    }
}

static int ha_cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int ha_gap_stats(const int64_t *v, int n, int64_t *median, int64_t *max)
{
    int64_t *s = malloc(sizeof(*s) * (size_t)(n > 0 ? n : 1));
    int m = 0;
    for (int i = 0; i < n; i++)
        if (v[i] >= 0)
            s[m++] = v[i];
    qsort(s, (size_t)m, sizeof(*s), ha_cmp64);
    *median = m ? s[m / 2] : -1;
    *max = m ? s[m - 1] : -1;
    free(s);
    return m;
}
