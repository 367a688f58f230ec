/*
 * tests/relay/relay_store_bench.c — `make bench` row: srtpd's call set-up
 * rate (offer + answer with SRTP keys on both legs, then delete) without
 * and with the Redis store (docs/ha.md), side by side in one run. Rounds
 * alternate between the two so machine noise hits both; prints each
 * round, the medians and the ratio with its spread.
 *
 *   build/relay-store-bench [CALLS_PER_ROUND] [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/relay/ha_util.h"

ru_srtpd D;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* srtpd's CPU time so far (all its threads: the store's writer too), in
 * microseconds; less disturbed by other jobs on the machine than the
 * wall clock. */
static double cpu_us(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* after the command: state ppid ... field 14 utime, 15 stime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static double cpu_per_call; /* set by setup_rate: srtpd's CPU us per call */

/* Calls per second for n offer + answer pairs; deletes them after (not
 * timed). -1 on a failed request. */
static double setup_rate(int n, int round)
{
    double cpu0 = cpu_us(D.pid);
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    char buf[4096];
    ctl_benc w;
    int64_t t0 = ha_now_ms();
    for (int i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof(id), "bench-%d-%d", round, i);
        unsigned seed = (unsigned)(round * 100000 + i * 4);
        ru_req_begin(&w, buf, sizeof(buf), "offer", id);
        ru_leg_begin(&w, "a", "127.0.0.1", 40000);
        ru_leg_keys(&w, s, seed + 1, seed + 2);
        ctl_benc_kv_cstr(&w, "transport", "SRTP");
        ctl_benc_end(&w);
        ru_leg_begin(&w, "b", NULL, 0);
        ctl_benc_kv_cstr(&w, "transport", "SRTP");
        ctl_benc_end(&w);
        const ctl_be *r = ru_req_end(&D, &w);
        if (!r || !ru_ok(r))
            return -1;
        ru_req_begin(&w, buf, sizeof(buf), "answer", id);
        ru_leg_begin(&w, "b", "127.0.0.1", 40002);
        ru_leg_keys(&w, s, seed + 3, seed + 4);
        ctl_benc_kv_cstr(&w, "transport", "SRTP");
        ctl_benc_end(&w);
        r = ru_req_end(&D, &w);
        if (!r || !ru_ok(r))
            return -1;
    }
    int64_t ms = ha_now_ms() - t0;
    usleep(200000); /* the writer's share of the work is done */
    cpu_per_call = (cpu_us(D.pid) - cpu0) / n;
    for (int i = 0; i < n; i++) {
        char id[64], body[128];
        snprintf(id, sizeof(id), "bench-%d-%d", round, i);
        ctl_benc_init(&w, body, sizeof(body));
        ctl_benc_dict(&w);
        ctl_benc_kv_cstr(&w, "call-id", id);
        ctl_benc_kv_cstr(&w, "command", "delete");
        ctl_benc_end(&w);
        ru_call(&D, body, w.len);
    }
    return ms > 0 ? n * 1000.0 / (double)ms : -1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (n < 1 || n > 4000 || rounds < 1 || rounds > 20) {
        fprintf(stderr, "usage: relay-store-bench [CALLS 1..4000] [ROUNDS 1..20]\n");
        return 2;
    }
    ha_redis R = {0};
    if (!ha_redis_start(&R)) {
        fprintf(stderr, "relay-store-bench: redis-server did not start\n");
        return 1;
    }
    char secret[256], ctl[64], logp[256];
    snprintf(secret, sizeof(secret), "%s/group.secret", R.dir);
    FILE *f = fopen(secret, "w");
    if (!f)
        return 1;
    fprintf(f, "relay-group-secret-for-the-bench-0123\n");
    fclose(f);
    chmod(secret, 0600);
    snprintf(ctl, sizeof(ctl), "udp:127.0.0.1:%d", ru_free_port());
    snprintf(logp, sizeof(logp), "%s/srtpd.log", R.dir);
    int pmin = ru_free_range(8 * n + 64); /* room for ports a stopped srtpd still releases */
    const char *none[] = {NULL};
    const char *store[] = {"--redis", R.sock, "--redis-secret-file", secret, NULL};
    double plain[20], redis[20], ratio[20], cpu_plain[20], cpu_redis[20], cpu_ratio[20];
    printf("relay-store-bench: call set-up (offer + answer, SRTP both legs), %d calls per round\n",
           n);
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 2; k++) {
            /* Alternate which goes first: a warm machine favours neither. */
            bool with = (k + r) % 2 == 1;
            if (!ha_srtpd_start(&D, ctl, pmin, pmin + 8 * n + 63, logp, with ? store : none)) {
                fprintf(stderr, "relay-store-bench: srtpd did not start\n");
                ha_redis_clean(&R);
                return 1;
            }
            double rate = setup_rate(n, 2 * r + k);
            if (rate < 0 && getenv("BENCH_KEEP")) {
                char cp[600];
                snprintf(cp, sizeof(cp), "cp %s /tmp/relay-store-bench-fail.log", logp);
                if (system(cp) != 0)
                    fprintf(stderr, "cannot keep the log\n");
            }
            ru_srtpd_stop(&D);
            if (rate < 0) {
                fprintf(stderr, "relay-store-bench: a request failed (log: %s)\n", logp);
                if (!getenv("BENCH_KEEP"))
                    ha_redis_clean(&R);
                return 1;
            }
            (with ? redis : plain)[r] = rate;
            (with ? cpu_redis : cpu_plain)[r] = cpu_per_call;
        }
        ratio[r] = redis[r] / plain[r];
        cpu_ratio[r] = cpu_plain[r] > 0 ? cpu_redis[r] / cpu_plain[r] : 0;
        printf("  round %d: without store %6.0f calls/s %5.0f us CPU/call, with Redis %6.0f "
               "calls/s %5.0f us CPU/call; rate ratio %.2f, CPU ratio %.2f\n",
               r + 1, plain[r], cpu_plain[r], redis[r], cpu_redis[r], ratio[r], cpu_ratio[r]);
    }
    qsort(plain, (size_t)rounds, sizeof(double), cmp_d);
    qsort(redis, (size_t)rounds, sizeof(double), cmp_d);
    qsort(ratio, (size_t)rounds, sizeof(double), cmp_d);
    qsort(cpu_ratio, (size_t)rounds, sizeof(double), cmp_d);
    printf("call set-up rate: without store %.0f/s, with Redis store %.0f/s (medians); "
           "with/without %.2f (range %.2f..%.2f over %d rounds)\n",
           plain[rounds / 2], redis[rounds / 2], ratio[rounds / 2], ratio[0], ratio[rounds - 1],
           rounds);
    printf("srtpd CPU per call set up (control + store writer): with/without %.2f (range "
           "%.2f..%.2f)\n",
           cpu_ratio[rounds / 2], cpu_ratio[0], cpu_ratio[rounds - 1]);
    ha_redis_clean(&R);
    return 0;
}
