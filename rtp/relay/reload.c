/*
 * rtp/relay/reload.c — srtpd's configuration reload (SIGHUP or the
 * `reload` command; relay/ops.h). The command line and config file are
 * parsed again into a fresh relay_config; nothing changes when that fails.
 * What can change without dropping a call takes effect; what is bound at
 * start (sockets, ports, threads, the secret both sides hold) is
 * restart-only: a changed value is named in one log line and ignored.
 */
#include "relay/ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ctl/sock.h"
#include "relay/log.h"

static void add_name(char *list, size_t cap, const char *name)
{
    size_t n = strlen(list);
    snprintf(list + n, cap - n, "%s%s", n ? "," : "", name);
}

/* A new notify address: a new socket, or none. Returns false (the old one
 * stays) when the address does not parse or needs a secret it lacks. */
static bool reload_notify(relay_daemon *d, const char *addr, char *err, size_t errlen)
{
    int fd = -1;
    if (addr[0]) {
        ctl_addr na;
        if (!ctl_addr_parse(addr, &na, err, errlen))
            return false;
        if (!d->secret && !ctl_addr_is_local(&na)) {
            snprintf(err, errlen, "refusing to notify a non-local address without a secret");
            return false;
        }
        fd = socket(na.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&na.ss, na.len) != 0)
            relay_log(RELAY_LOG_WARN, "notify %s: %s (events stay pollable)", addr,
                      strerror(errno));
    }
    if (d->notify_fd >= 0)
        close(d->notify_fd);
    d->notify_fd = fd;
    snprintf(d->cfg.notify, sizeof(d->cfg.notify), "%s", addr);
    return true;
}

bool relay_reload(relay_daemon *d, char *applied, size_t acap, char *ignored, size_t icap,
                  char *err, size_t errlen)
{
    static relay_config n; /* large; control thread only */
    bool help = false;
    applied[0] = ignored[0] = '\0';
    relay_config_defaults(&n);
    if (!d->argv || !relay_config_parse(&n, d->argc, d->argv, &help, err, errlen)) {
        if (!d->argv)
            snprintf(err, errlen, "no command line to re-read");
        OPENSSL_cleanse(n.secret, sizeof(n.secret));
        relay_log_reopen(); /* a rotated log is still let go (logrotate's SIGHUP) */
        relay_log(RELAY_LOG_ERR, "reload refused, nothing changed: %s", err);
        return false;
    }
    relay_log_level new_level = RELAY_LOG_INFO; /* "" = the default, as at start */
    /* Integer options were checked against their ranges by the parse. */
    if (n.log_level[0] && !relay_log_level_parse(n.log_level, &new_level)) {
        snprintf(err, errlen, "--log-level: want error, warn, info or debug: %s", n.log_level);
        OPENSSL_cleanse(n.secret, sizeof(n.secret));
        relay_log_reopen();
        relay_log(RELAY_LOG_ERR, "reload refused, nothing changed: %s", err);
        return false;
    }
    relay_config *c = &d->cfg;
    /* Restart-only: bound at start. */
    bool listen_changed = n.nlisten != c->nlisten;
    for (int i = 0; !listen_changed && i < n.nlisten; i++)
        listen_changed = strcmp(n.listen[i], c->listen[i]) != 0;
    if (listen_changed)
        add_name(ignored, icap, "listen");
    bool iface_changed = n.niface != c->niface;
    for (int i = 0; !iface_changed && i < n.niface; i++)
        iface_changed = strcmp(n.iface[i], c->iface[i]) != 0;
    if (iface_changed)
        add_name(ignored, icap, "interface");
    if (strcmp(n.interface6, c->interface6))
        add_name(ignored, icap, "interface6");
    if (n.port_min != c->port_min)
        add_name(ignored, icap, "port-min");
    if (n.port_max != c->port_max)
        add_name(ignored, icap, "port-max");
    if (n.workers != c->workers)
        add_name(ignored, icap, "workers");
    if (strcmp(n.secret_file, c->secret_file))
        add_name(ignored, icap, "secret-file");
    else if (CRYPTO_memcmp(n.secret, c->secret, sizeof(n.secret)) != 0)
        add_name(ignored, icap, "secret"); /* named, never shown */
    if (n.control_insecure != c->control_insecure)
        add_name(ignored, icap, "control-insecure");
    if (strcmp(n.pid_file, c->pid_file))
        add_name(ignored, icap, "pid-file");
    if (n.log_syslog != c->log_syslog)
        add_name(ignored, icap, "log-syslog");
    if (strcmp(n.metrics, c->metrics))
        add_name(ignored, icap, "metrics");
    /* The call store (docs/ha.md): its connection, secrets and role are
     * bound at start; a role change is `srtpctl takeover`. */
    if (strcmp(n.redis, c->redis) || strcmp(n.redis_auth_file, c->redis_auth_file) ||
        strcmp(n.redis_secret_file, c->redis_secret_file) ||
        strcmp(n.redis_secret_prev_file, c->redis_secret_prev_file) ||
        strcmp(n.redis_role, c->redis_role) || strcmp(n.redis_prefix, c->redis_prefix))
        add_name(ignored, icap, "redis");
    OPENSSL_cleanse(n.secret, sizeof(n.secret));
    /* Live. */
    if (strcmp(n.log_file, c->log_file)) {
        if (relay_log_open(n.log_file) != 0) {
            relay_log(RELAY_LOG_ERR, "reload: log-file %s: %s (the old one stays)", n.log_file,
                      strerror(errno));
        } else {
            snprintf(c->log_file, sizeof(c->log_file), "%s", n.log_file);
            add_name(applied, acap, "log-file");
        }
    } else if (relay_log_reopen() != 0) {
        relay_log(RELAY_LOG_ERR, "reload: cannot reopen %s", c->log_file);
    }
    if (strcmp(n.log_level, c->log_level)) {
        /* Parsed by relay_config_parse already; a run-time `log-level`
         * change stays until a reload that changes the configured level. */
        relay_log_set_level(new_level);
        snprintf(c->log_level, sizeof(c->log_level), "%s", n.log_level);
        add_name(applied, acap, "log-level");
    }
    if (n.media_timeout != c->media_timeout) {
        c->media_timeout = n.media_timeout;
        add_name(applied, acap, "media-timeout");
    }
    if (n.strict_source != c->strict_source) {
        c->strict_source = n.strict_source;
        add_name(applied, acap, "strict-source");
    }
    if (n.coalesce_us != c->coalesce_us) {
        c->coalesce_us = n.coalesce_us;
        for (int i = 0; i < d->nworkers; i++)
            relay_worker_set_coalesce(d->workers[i], (long)c->coalesce_us * 1000);
        add_name(applied, acap, "coalesce-us");
    }
    if (n.rt_priority != c->rt_priority) {
        char why[200];
        if (relay_workers_set_priority(d->workers, d->nworkers, n.rt_priority, c->rt_priority, why,
                                       sizeof(why))) {
            c->rt_priority = n.rt_priority;
            add_name(applied, acap, "rt-priority");
        } else {
            relay_log(RELAY_LOG_ERR, "reload: rt-priority %d refused (%s); the old one stays",
                      n.rt_priority, why);
        }
    }
    if (strcmp(n.notify, c->notify)) {
        char why[200];
        if (reload_notify(d, n.notify, why, sizeof(why)))
            add_name(applied, acap, "notify");
        else
            relay_log(RELAY_LOG_ERR, "reload: notify %s: %s (the old one stays)", n.notify, why);
    }
    for (int i = 0; i < n.nwarn; i++)
        relay_log(RELAY_LOG_WARN, "reload: %s", n.warn[i]);
    relay_log(RELAY_LOG_INFO, "reload: applied: %s", applied[0] ? applied : "nothing changed");
    if (ignored[0])
        relay_log(RELAY_LOG_WARN, "reload: restart-only, changed and ignored until a restart: %s",
                  ignored);
    return true;
}
