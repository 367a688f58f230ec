/*
 * tests/relay/relay_ha_test.c — no call lost when srtpd dies (docs/ha.md):
 * calls with SRTP media both ways through srtpd, SIGKILL, and srtpd
 * started again on the same host with the same store: every call must be
 * there again and its media must continue both ways. Prints the media gap
 * (median, max over every direction) and the calls surviving.
 *
 * HA_CALLS (environment) sets the number of calls (default 20).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/ha_util.h"

ru_srtpd D;
static ha_redis R;
static int ncalls = 20;
static char ctl[64], log_path[160];
static int pmin, pmax;

static char secret_file[200];

/* The store options: the test's Redis and the group secret. */
static const char *const *store_args(void)
{
    static const char *args[8];
    args[0] = "--redis";
    args[1] = R.sock;
    args[2] = "--redis-secret-file";
    args[3] = secret_file;
    args[4] = NULL;
    return args;
}

static bool write_secret(void)
{
    snprintf(secret_file, sizeof(secret_file), "%s/group.secret", R.dir);
    FILE *f = fopen(secret_file, "w");
    if (!f)
        return false;
    fprintf(f, "relay-group-secret-for-tests-0123456789\n");
    fclose(f);
    return chmod(secret_file, 0600) == 0;
}

/* Restart without a standby: SIGKILL, start again, every call continues. */
static void test_restart_recovery(void)
{
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args()));
    const sg_suite *s = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    tcall *calls = calloc((size_t)ncalls, sizeof(*calls));
    uint16_t *seq = calloc((size_t)ncalls * 2, sizeof(*seq));
    bool *got = calloc((size_t)ncalls * 2, sizeof(*got));
    int64_t *gap = calloc((size_t)ncalls * 2, sizeof(*gap));
    for (int i = 0; i < ncalls; i++) {
        CHECK(call_setup(&calls[i], s, true, true, 0));
        seq[2 * i] = (uint16_t)(100 + i);
        seq[2 * i + 1] = (uint16_t)(5000 + i);
    }
    for (int r = 0; r < 5; r++)
        CHECK_EQ(ha_media_round(calls, ncalls, seq, 1000, got), 2 * ncalls);
    usleep(300000); /* the store has written every call */
    int64_t t0 = ha_now_ms();
    ha_srtpd_kill(&D);
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args()));
    int held = ha_count_calls(&D);
    ha_media_resume(calls, ncalls, seq, t0, 4000, gap);
    int64_t med, max;
    int through = ha_gap_stats(gap, 2 * ncalls, &med, &max);
    int surviving = 0;
    for (int i = 0; i < ncalls; i++)
        surviving += gap[2 * i] >= 0 && gap[2 * i + 1] >= 0;
    printf("  restart: %d/%d calls held, %d/%d calls continue both ways, %d/%d directions; "
           "media gap median %lld ms, max %lld ms\n",
           held, ncalls, surviving, ncalls, through, 2 * ncalls, (long long)med, (long long)max);
    CHECK_EQ(held, ncalls);
    CHECK_EQ(surviving, ncalls);
    /* Steady again: nothing lost in a further round. */
    CHECK_EQ(ha_media_round(calls, ncalls, seq, 1000, got), 2 * ncalls);
    for (int i = 0; i < ncalls; i++)
        call_teardown(&calls[i]);
    free(calls);
    free(seq);
    free(got);
    free(gap);
    ru_srtpd_stop(&D);
}

int main(void)
{
    alarm(120);
    if (getenv("HA_CALLS"))
        ncalls = atoi(getenv("HA_CALLS"));
    if (ncalls < 1 || ncalls > 1000)
        ncalls = 20;
    if (!ha_redis_start(&R)) {
        fprintf(stderr, "redis-server did not start\n");
        printf("relay-ha: 0 passed, 1 failed\n");
        return 1;
    }
    if (!write_secret()) {
        printf("relay-ha: 0 passed, 1 failed\n");
        return 1;
    }
    snprintf(ctl, sizeof(ctl), "udp:127.0.0.1:%d", ha_free_port());
    pmin = ha_free_range(4 * ncalls + 64);
    pmax = pmin + 4 * ncalls + 63;
    snprintf(log_path, sizeof(log_path), "%s/srtpd.log", R.dir);
    RUN(test_restart_recovery);
    ha_redis_clean(&R);
    return check_summary("relay-ha");
}
