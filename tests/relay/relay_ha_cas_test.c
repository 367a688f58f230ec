/*
 * tests/relay/relay_ha_cas_test.c — the sdes-state's compare-and-swap
 * (if-version, docs/protocol.md) with the Redis store (docs/ha.md): a
 * conditional write is recorded in the store like any state change, a
 * refused one records nothing, and after srtpd is killed and started
 * again the restored call has a new sdes-version, so a version the SIP
 * side cached before the loss (sdes.so's state cache) is refused with the
 * restored state in the reply instead of being written over it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/ha_util.h"

ru_srtpd D;
static ha_redis R;
static char ctl[64], log_path[160], secret_file[200];
static int pmin, pmax;

static const char *const *store_args(void)
{
    static const char *args[5];
    args[0] = "--redis";
    args[1] = R.sock;
    args[2] = "--redis-secret-file";
    args[3] = secret_file;
    args[4] = NULL;
    return args;
}

/* cmd for id with sdes-state st and if-version ifv (< 0: none); one
 * stream (index 0; leg b's peer for an answer) when with_stream. */
static const ctl_be *req(const char *cmd, const char *id, const char *st, int64_t ifv,
                         bool with_stream)
{
    return state_req(cmd, id, st, strlen(st), ifv, NULL, with_stream);
}

static void test_cas_writes_survive_restart(void)
{
    const char *id = "ha-cas-1@test";
    const ctl_be *r = req("offer", id, "s-offer", 0, true);
    CHECK(r && ru_ok(r));
    int64_t v1 = ru_int(r, "sdes-version");
    r = req("answer", id, "s-answer", v1, true);
    CHECK(r && ru_ok(r));
    int64_t v2 = ru_int(r, "sdes-version");
    /* A stale version changes nothing (and so writes nothing). */
    r = req("update", id, "s-stale", v1, false);
    CHECK(r && !ru_ok(r) && ru_int(r, "conflict") == 1);
    /* The conditional state-only write. */
    r = req("update", id, "s-cas", v2, false);
    CHECK(r && ru_ok(r));
    int64_t v3 = ru_int(r, "sdes-version");
    CHECK(v3 > 0 && v3 != v2);
    usleep(300000); /* the store's writer */
    ha_srtpd_kill(&D);
    CHECK(ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args()));
    r = cmd_call("state", id);
    CHECK(r && ru_ok(r) && ru_str_is(r, "sdes-state", "s-cas"));
    int64_t v4 = ru_int(r, "sdes-version");
    CHECK(v4 > 0 && v4 != v3 && v4 != v2 && v4 != v1);
    /* The version sdes.so cached before the loss: refused, with the
     * restored state to run again from. */
    r = req("update", id, "s-after-loss", v3, false);
    CHECK(r && !ru_ok(r) && ru_int(r, "conflict") == 1 && ru_str_is(r, "sdes-state", "s-cas"));
    r = req("update", id, "s-after-loss", v4, false);
    CHECK(r && ru_ok(r));
    r = cmd_call("state", id);
    CHECK(r && ru_str_is(r, "sdes-state", "s-after-loss"));
    CHECK(ru_ok(req("delete", id, "", -1, false)));
}

static void test_clean_exit(void)
{
    CHECK_EQ(ru_srtpd_stop(&D), 0);
}

int main(void)
{
    alarm(60);
    if (!ha_redis_start(&R) || !ha_group_secret(&R, secret_file, sizeof(secret_file))) {
        fprintf(stderr, "redis-server did not start\n");
        printf("relay-ha-cas: 0 passed, 1 failed\n");
        return 1;
    }
    snprintf(ctl, sizeof(ctl), "udp:127.0.0.1:%d", ru_free_port());
    pmin = ru_free_range(64);
    pmax = pmin + 63;
    snprintf(log_path, sizeof(log_path), "%s/srtpd.log", R.dir);
    if (!ha_srtpd_start(&D, ctl, pmin, pmax, log_path, store_args())) {
        fprintf(stderr, "srtpd did not start\n");
        printf("relay-ha-cas: 0 passed, 1 failed\n");
        ha_redis_clean(&R);
        return 1;
    }
    RUN(test_cas_writes_survive_restart);
    RUN(test_clean_exit);
    ha_redis_clean(&R);
    return check_summary("relay-ha-cas");
}
