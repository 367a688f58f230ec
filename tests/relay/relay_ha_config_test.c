/*
 * tests/relay/relay_ha_config_test.c — srtpd's store options fail closed
 * (docs/ha.md): without redis-secret-file, with a secret or auth file
 * others can read, with a password in the URL or an unknown role, srtpd
 * refuses to start (exit status 2, one line naming the option); a good
 * configuration starts even while Redis is unreachable (it logs that and
 * relays without the store until Redis comes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/relay/ha_util.h"

ru_srtpd D; /* relay_peer.c's; unused here */
static char dir[64], sock[128], secret_file[128];

/* Fails closed at start: exit status 2 and a line naming the problem. */
static int start_status(const char *args, char *err, size_t cap)
{
    char cmd[1400];
    snprintf(
        cmd, sizeof(cmd),
        "timeout 3 build/srtpd --listen udp:127.0.0.1:%d --control-insecure %s 2>&1 >/dev/null",
        ru_free_port(), args);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(err, 1, cap - 1, p) : 0;
    err[n] = 0;
    int st = p ? pclose(p) : -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_config_refusals(void)
{
    char err[512], args[1024], open_secret[256];
    snprintf(open_secret, sizeof(open_secret), "%s/open.secret", dir);
    FILE *f = fopen(open_secret, "w");
    CHECK(f != NULL);
    fprintf(f, "a-world-readable-group-secret-000\n");
    fclose(f);
    chmod(open_secret, 0644);
    snprintf(args, sizeof(args), "--redis %s", sock);
    CHECK_EQ(start_status(args, err, sizeof(err)), 2);
    CHECK(strstr(err, "redis-secret-file") != NULL);
    snprintf(args, sizeof(args), "--redis %s --redis-secret-file %s", sock, open_secret);
    CHECK_EQ(start_status(args, err, sizeof(err)), 2);
    CHECK(strstr(err, "redis-secret-file") != NULL);
    snprintf(args, sizeof(args), "--redis redis://u:pw@127.0.0.1:6379/0 --redis-secret-file %s",
             secret_file);
    CHECK_EQ(start_status(args, err, sizeof(err)), 2);
    CHECK(strstr(err, "redis-auth-file") != NULL);
    snprintf(args, sizeof(args), "--redis %s --redis-secret-file %s --redis-role boss", sock,
             secret_file);
    CHECK_EQ(start_status(args, err, sizeof(err)), 2);
    CHECK(strstr(err, "redis-role") != NULL);
    snprintf(args, sizeof(args), "--redis %s --redis-secret-file %s --redis-auth-file %s", sock,
             secret_file, open_secret);
    CHECK_EQ(start_status(args, err, sizeof(err)), 2);
    CHECK(strstr(err, "redis-auth-file") != NULL);
    /* A good configuration starts (timeout ends it: 124). */
    snprintf(args, sizeof(args),
             "--redis %s --redis-secret-file %s --port-min 41000 --port-max 41099", sock,
             secret_file);
    CHECK_EQ(start_status(args, err, sizeof(err)), 124);
}

int main(void)
{
    alarm(60);
    snprintf(dir, sizeof(dir), "/tmp/sg-hacfg-XXXXXX");
    if (!mkdtemp(dir)) {
        printf("relay-ha-config: 0 passed, 1 failed\n");
        return 1;
    }
    snprintf(sock, sizeof(sock), "%s/no-redis.sock", dir);
    snprintf(secret_file, sizeof(secret_file), "%s/group.secret", dir);
    FILE *f = fopen(secret_file, "w");
    if (f) {
        fprintf(f, "relay-group-secret-for-tests-0123456789\n");
        fclose(f);
    }
    chmod(secret_file, 0600);
    RUN(test_config_refusals);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_summary("relay-ha-config");
}
