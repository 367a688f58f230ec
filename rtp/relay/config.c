/*
 * rtp/relay/config.c — srtpd's flags and config file, one table of options
 * so the two cannot drift: every "--name VALUE" flag is also a
 * "name = VALUE" line in the file named by --config.
 */
#include "relay/config.h"

#include "ctl/secret.h"
#include "relay/worker.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum { OPT_STR, OPT_INT, OPT_BOOL, OPT_LISTEN, OPT_IFACE } relay_opt_kind;

typedef struct relay_opt {
    const char *name;
    relay_opt_kind kind;
    size_t off;
    size_t size;
    const char *help;
    long lo, hi; /* OPT_INT: the values accepted, checked where the value is read */
} relay_opt;

#define STR_OPT(n, f, h) \
    { \
        n, OPT_STR, offsetof(relay_config, f), sizeof(((relay_config *)0)->f), h, 0, 0 \
    }
/* An integer option and its range: one check for the command line, the
 * config file and every reload, so no caller repeats it. */
#define INT_OPT(n, f, lo, hi, h) \
    { \
        n, OPT_INT, offsetof(relay_config, f), 0, h, lo, hi \
    }
#define BOOL_OPT(n, f, h) \
    { \
        n, OPT_BOOL, offsetof(relay_config, f), 0, h, 0, 0 \
    }

static const relay_opt relay_opts[] = {
    {"listen", OPT_LISTEN, 0, 0,
     "control address, repeatable: unix:/path, udp:IP:PORT, [V6]:PORT "
     "(default " RELAY_DEFAULT_LISTEN ")",
     0, 0},
    {"interface", OPT_IFACE, 0, 0,
     "media interface, repeatable: [NAME/]BIND-ADDRESS[!ADVERTISED-ADDRESS], IPv4 or IPv6 "
     "(default 127.0.0.1; no NAME: the interface \"default\")",
     0, 0},
    STR_OPT("interface6", interface6,
            "IPv6 address of the default interface: ADDRESS[!ADVERTISED] (default none)"),
    INT_OPT("port-min", port_min, 0, 65535, "lowest media port (default 30000)"),
    INT_OPT("port-max", port_max, 0, 65535, "highest media port (default 40000)"),
    INT_OPT("workers", workers, 0, 1024,
            "media worker threads (default 0 = one per core it may run on)"),
    INT_OPT("coalesce-us", coalesce_us, 0, 10000,
            "under load, a worker waits this long for packets to gather "
            "before a round (default 500, 0 = never, at most 10000)"),
    INT_OPT("rt-priority", rt_priority, 0, 99,
            "media workers run at this SCHED_FIFO priority, 1..99 (default 0 = normal "
            "scheduling; needs CAP_SYS_NICE or LimitRTPRIO)"),
    STR_OPT("secret", secret, "control shared secret (HMAC-SHA256), config file only (mode 0600)"),
    STR_OPT("secret-file", secret_file,
            "read the secret (>= 16 bytes) from this file's first line (mode 0600)"),
    BOOL_OPT("control-insecure", control_insecure,
             "lab only: allow UDP control on loopback without a "
             "secret (any local user can then read keys)"),
    INT_OPT("media-timeout", media_timeout, 0, 1000000,
            "seconds without media before a call is removed (default 60, 0 = never)"),
    BOOL_OPT("strict-source", strict_source,
             "drop packets not from the signalled address (default no)"),
    STR_OPT("log-file", log_file, "log file, reopened on SIGHUP (default stderr)"),
    STR_OPT("log-level", log_level, "error, warn, info or debug (default info)"),
    BOOL_OPT("log-syslog", log_syslog, "log to syslog(3), facility daemon (default no)"),
    STR_OPT("metrics", metrics, "serve Prometheus GET /metrics on IP:PORT (default off)"),
    STR_OPT("notify", notify, "push events to this control address (default: poll with `events`)"),
    STR_OPT("pid-file", pid_file, "write the pid here"),
    STR_OPT("redis", redis,
            "keep calls in Redis: redis://[USER@]HOST:PORT/DB or a unix socket path "
            "(default none; docs/ha.md)"),
    STR_OPT("redis-auth-file", redis_auth_file,
            "Redis AUTH: \"PASSWORD\" or \"USER PASSWORD\" on its first line (mode 0600)"),
    STR_OPT("redis-secret-file", redis_secret_file,
            "relay group secret (>= 16 bytes, mode 0600) sealing keys in Redis"),
    STR_OPT("redis-secret-file-previous", redis_secret_prev_file,
            "the previous group secret, still read during a rotation"),
    STR_OPT("redis-role", redis_role,
            "active (default) or standby (takes over on "
            "`srtpctl takeover` or when the active's heartbeat expires)"),
    STR_OPT("redis-prefix", redis_prefix, "Redis key prefix of the relay group (default srtpd)"),
};
#define NOPTS (sizeof(relay_opts) / sizeof(relay_opts[0]))

void relay_config_defaults(relay_config *c)
{
    memset(c, 0, sizeof(*c));
    c->port_min = 30000;
    c->port_max = 40000;
    c->media_timeout = 60;
    strcpy(c->redis_role, "active");
    strcpy(c->redis_prefix, "srtpd");
    c->coalesce_us = (int)(RELAY_COALESCE_NS / 1000);
}

void relay_config_usage(const char *prog)
{
    printf("usage: %s [--config FILE] [--OPTION VALUE]...\n\noptions (also \"name = value\" lines "
           "in the config file):\n",
           prog);
    for (size_t i = 0; i < NOPTS; i++)
        printf("  --%-15s %s\n", relay_opts[i].name, relay_opts[i].help);
    printf("  --%-15s %s\n", "config", "read options from FILE first");
    printf("  --%-15s %s\n", "version", "print the version and exit");
}

static bool relay_opt_set(relay_config *c, const char *name, const char *val, char *err,
                          size_t errlen)
{
    for (size_t i = 0; i < NOPTS; i++) {
        const relay_opt *o = &relay_opts[i];
        if (strcmp(o->name, name) != 0)
            continue;
        char *field = (char *)c + o->off;
        char *end;
        long v;
        switch (o->kind) {
        case OPT_LISTEN:
            if (c->nlisten >= 4 || strlen(val) >= sizeof(c->listen[0])) {
                snprintf(err, errlen, "--listen: at most 4 addresses of < 256 bytes");
                return false;
            }
            strcpy(c->listen[c->nlisten++], val);
            return true;
        case OPT_IFACE:
            if (c->niface >= 8 || strlen(val) >= sizeof(c->iface[0])) {
                snprintf(err, errlen,
                         "--interface: at most 8 values of < 256 bytes (several "
                         "interfaces fit in one: a;b)");
                return false;
            }
            strcpy(c->iface[c->niface++], val);
            return true;
        case OPT_STR:
            if (strlen(val) >= o->size) {
                snprintf(err, errlen, "--%s: value too long", name);
                return false;
            }
            strcpy(field, val);
            return true;
        case OPT_INT:
            errno = 0;
            v = strtol(val, &end, 10);
            if (!*val || *end || errno || v < o->lo || v > o->hi) {
                snprintf(err, errlen, "--%s: want a whole number in %ld..%ld, got %s", name, o->lo,
                         o->hi, val);
                return false;
            }
            *(int *)field = (int)v;
            return true;
        case OPT_BOOL:
            if (!strcmp(val, "yes") || !strcmp(val, "1") || !strcmp(val, "true"))
                *(bool *)field = true;
            else if (!strcmp(val, "no") || !strcmp(val, "0") || !strcmp(val, "false"))
                *(bool *)field = false;
            else {
                snprintf(err, errlen, "--%s: want yes or no: %s", name, val);
                return false;
            }
            return true;
        }
    }
    snprintf(err, errlen, "unknown option: %s", name);
    return false;
}

static bool relay_opt_is_bool(const char *name)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(relay_opts[i].name, name))
            return relay_opts[i].kind == OPT_BOOL;
    return false;
}

static void relay_config_warn(relay_config *c, const char *w)
{
    if (w[0] && c->nwarn < 2)
        snprintf(c->warn[c->nwarn++], sizeof(c->warn[0]), "%s", w);
}

static bool relay_config_file(relay_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "config %s: cannot open", path);
        return false;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        snprintf(err, errlen, "config %s: cannot stat", path);
        fclose(f);
        return false;
    }
    char line[600];
    int lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        char *e = p + strlen(p);
        while (e > p && isspace((unsigned char)e[-1]))
            *--e = 0;
        char *eq = strchr(p, '=');
        if (!eq) {
            snprintf(err, errlen, "config %s:%d: want name = value", path, lineno);
            fclose(f);
            return false;
        }
        char *ne = eq;
        while (ne > p && isspace((unsigned char)ne[-1]))
            ne--;
        *ne = 0;
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        char sub[256];
        if (!strcmp(p, "secret")) {
            /* A secret in the config file: the file must be as private as
             * a secret file. */
            char w[320];
            if (!ctl_secret_mode_ok("config", path, st.st_mode, sub, sizeof(sub), w, sizeof(w))) {
                snprintf(err, errlen, "%s (it holds `secret`; or use secret-file)", sub);
                fclose(f);
                return false;
            }
            relay_config_warn(c, w);
            c->secret_given = true;
        }
        if (!relay_opt_set(c, p, v, sub, sizeof(sub))) {
            snprintf(err, errlen, "config %s:%d: %s", path, lineno, sub);
            OPENSSL_cleanse(line, sizeof(line));
            fclose(f);
            return false;
        }
    }
    OPENSSL_cleanse(line, sizeof(line)); /* it may have held `secret = ...` */
    fclose(f);
    return true;
}

bool relay_config_parse(relay_config *c, int argc, char **argv, bool *help, char *err,
                        size_t errlen)
{
    *help = false;
    /* The file first, so flags override it. */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--config needs a file");
                return false;
            }
            if (!relay_config_file(c, argv[i + 1], err, errlen))
                return false;
        }
    }
    bool cli_listen = false, cli_iface = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *help = true;
            return true;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument: %s", a);
            return false;
        }
        if (!strcmp(a, "--config")) {
            i++;
            continue;
        }
        char name[64];
        const char *val = NULL;
        const char *eq = strchr(a + 2, '=');
        size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nl >= sizeof(name)) {
            snprintf(err, errlen, "unknown option: %s", a);
            return false;
        }
        memcpy(name, a + 2, nl);
        name[nl] = 0;
        if (eq)
            val = eq + 1;
        else if (relay_opt_is_bool(name))
            val = "yes";
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            snprintf(err, errlen, "--%s needs a value", name);
            return false;
        }
        if (!strcmp(name, "secret")) {
            /* Refused rather than wiped from argv: until a wipe, and in any
             * `ps` taken before it, every local user reads it. */
            snprintf(err, errlen,
                     "--secret on the command line is readable by every local user "
                     "(/proc/PID/cmdline, ps): use --secret-file FILE (mode 0600)");
            return false;
        }
        if (!strcmp(name, "listen") && !cli_listen) {
            c->nlisten = 0; /* command-line listen addresses replace the file's */
            cli_listen = true;
        }
        if (!strcmp(name, "interface") && !cli_iface) {
            c->niface = 0; /* command-line interfaces replace the file's */
            cli_iface = true;
        }
        if (!relay_opt_set(c, name, val, err, errlen))
            return false;
    }
    if (c->nlisten == 0) {
        strcpy(c->listen[0], RELAY_DEFAULT_LISTEN);
        c->nlisten = 1;
    }
    if (c->port_min < 1024 || c->port_max > 65535 || c->port_max - c->port_min < 3) {
        snprintf(err, errlen,
                 "port range %d..%d: want 1024 <= min < max <= 65535 with room for 2 pairs",
                 c->port_min, c->port_max);
        return false;
    }
    if (c->secret_file[0]) {
        size_t n;
        char w[320];
        if (!ctl_secret_read_file(c->secret_file, c->secret, sizeof(c->secret), &n, err, errlen, w,
                                  sizeof(w)))
            return false;
        relay_config_warn(c, w);
    } else if (c->secret_given && !ctl_secret_len_ok(strlen(c->secret), err, errlen)) {
        return false;
    }
    return true;
}
