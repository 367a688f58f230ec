/*
 * rtp/relay/config.h — srtpd's settings: command-line flags and an optional
 * config file (cfg/srtpd.conf) with the same names ("name = value").
 * Flags given on the command line override the file.
 */
#ifndef SDESGATE_RELAY_CONFIG_H
#define SDESGATE_RELAY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* The shipped control socket: a unix socket (mode 0600) in the directory
 * the service manager creates (systemd RuntimeDirectory=srtpd). */
#define RELAY_DEFAULT_LISTEN "unix:/run/srtpd/srtpd.sock"

typedef struct relay_config {
    char listen[4][256]; /* up to 4 control addresses (ctl/sock.h syntax) */
    int nlisten;
    char iface[8][256]; /* `interface` values (relay/iface.h syntax), repeatable */
    int niface;
    char interface6[128]; /* IPv6 address of the "default" interface ("" = none) */
    int port_min, port_max;
    int workers;     /* 0 = one per core */
    int coalesce_us; /* a loaded worker's wait for packets to gather; 0 = never */
    int rt_priority; /* media workers' SCHED_FIFO priority 1..99; 0 = normal */
    char secret[256];
    char secret_file[256];
    bool secret_given;     /* `secret =` in the config file (even empty) */
    bool control_insecure; /* lab opt-in: UDP control on loopback without a secret */
    int media_timeout;     /* seconds; 0 = never */
    bool strict_source;    /* default for legs that do not say */
    char log_file[256];    /* "" = stderr */
    char log_level[16];    /* error, warn, info (default), debug */
    bool log_syslog;       /* syslog(3), LOG_DAEMON, instead of stderr/log_file */
    char metrics[128];     /* Prometheus GET /metrics on ADDR:PORT; "" = off */
    char notify[256];      /* push events here (ctl/sock.h syntax); "" = poll only */
    char pid_file[256];
    /* The call store (docs/ha.md); redis "" = none. */
    char redis[300];
    char redis_auth_file[256];
    char redis_secret_file[256];
    char redis_secret_prev_file[256];
    char redis_role[16];   /* active or standby */
    char redis_prefix[64]; /* keys PREFIX:call:ID and PREFIX:hb */
    char warn[2][320];     /* warnings found while parsing, logged at start */
    int nwarn;
} relay_config;

void relay_config_defaults(relay_config *c);
/* Parses argv (and the file named by --config, read first). false with a
 * message in err; *help set for --help. */
bool relay_config_parse(relay_config *c, int argc, char **argv, bool *help, char *err,
                        size_t errlen);
void relay_config_usage(const char *prog);

#endif
