/*
 * rtp/relay/srtpd.c — srtpd's main: configuration, the refusal of UDP
 * control without a shared secret (unix sockets are the safe default), media workers, the control loop
 * (ng control sockets, once-a-second housekeeping) and signals: SIGTERM or
 * SIGINT stop cleanly (every call deleted and its keys wiped), SIGHUP
 * reloads (reopens the log, re-reads the live options: relay/ops.h); the
 * optional Prometheus endpoint (relay/metrics.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "ctl/server.h"
#include "ctl/sock.h"
#include "relay/calltable.h"
#include "relay/daemon.h"
#include "relay/log.h"
#include "relay/metrics.h"
#include "relay/ops.h"
#include "relay/store.h"
#include "sdesgate_version.h"

/* The kernel grows a process's file table by doubling, and once threads
 * share it every growth waits for an RCU grace period (about 15 ms here).
 * A worker making a twin socket (worker_twin.c) at fd 256, 512, ... would
 * hold every call's media on that worker that long (seen as a 14 ms latency
 * spike in relay-bench). So the table is grown now, while srtpd is one
 * thread, to what the port range can use: a socket per port plus a twin per
 * RTP port, within RLIMIT_NOFILE. */
static void srtpd_grow_fd_table(const relay_config *cfg)
{
    long want = (long)(cfg->port_max - cfg->port_min + 1) * 3 / 2 + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)want >= rl.rlim_cur)
        want = (long)rl.rlim_cur - 1;
    if (want < 256 || want > INT_MAX)
        return;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (dup2(fd, (int)want) >= 0)
        close((int)want);
    close(fd);
}

int main(int argc, char **argv)
{
    static relay_daemon d;
    char err[300];
    bool help;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--version")) {
            printf("srtpd %s\n", SDESGATE_VERSION);
            return 0;
        }
    relay_config_defaults(&d.cfg);
    if (!relay_config_parse(&d.cfg, argc, argv, &help, err, sizeof(err))) {
        fprintf(stderr, "srtpd: %s\n", err);
        return 2;
    }
    if (help) {
        relay_config_usage(argv[0]);
        return 0;
    }
    relay_log_level lvl = RELAY_LOG_INFO;
    if (d.cfg.log_level[0] && !relay_log_level_parse(d.cfg.log_level, &lvl)) {
        fprintf(stderr, "srtpd: --log-level: want error, warn, info or debug: %s\n",
                d.cfg.log_level);
        return 2;
    }
    if (d.cfg.log_syslog && d.cfg.log_file[0]) {
        fprintf(stderr, "srtpd: log-syslog and log-file: choose one\n");
        return 2;
    }
    relay_log_set_level(lvl);
    if (d.cfg.log_syslog) {
        if (relay_log_open_syslog() != 0) {
            fprintf(stderr, "srtpd: log-syslog: no syslog socket at /dev/log (no syslog "
                            "daemon?): use the journal (stderr) or log-file\n");
            return 1;
        }
    } else if (relay_log_open(d.cfg.log_file) != 0) {
        fprintf(stderr, "srtpd: log-file %s: %s\n", d.cfg.log_file, strerror(errno));
        return 1;
    }
    d.secret = d.cfg.secret[0] ? d.cfg.secret : NULL;
    d.secret_len = strlen(d.cfg.secret);
    d.notify_fd = -1;
    d.argc = argc; /* re-read by a reload (relay/ops.h) */
    d.argv = argv;

    ctl_addr addrs[4];
    bool insecure = false;
    for (int i = 0; i < d.cfg.nlisten; i++) {
        if (!ctl_addr_parse(d.cfg.listen[i], &addrs[i], err, sizeof(err))) {
            fprintf(stderr, "srtpd: --listen: %s\n", err);
            return 2;
        }
        /* Keys travel on this channel and `update` moves media. A unix
         * socket (0600) admits only srtpd's own user; a UDP socket, even
         * on loopback, admits every local user: only with every message
         * authenticated, or by an explicit lab opt-in (loopback only). */
        if (!d.secret && !addrs[i].is_unix &&
            (!d.cfg.control_insecure || !ctl_addr_is_local(&addrs[i]))) {
            fprintf(stderr,
                    "srtpd: refusing UDP control on %s without a secret: any %s could "
                    "read keys and move media (use listen = unix:/PATH, or secret-file%s)\n",
                    d.cfg.listen[i], ctl_addr_is_local(&addrs[i]) ? "local user" : "host",
                    ctl_addr_is_local(&addrs[i]) ? ", or control-insecure = yes in a lab" : "");
            return 2;
        }
        if (!d.secret && !addrs[i].is_unix)
            insecure = true;
    }
    for (int i = 0; i < d.cfg.nwarn; i++)
        relay_log(RELAY_LOG_WARN, "%s", d.cfg.warn[i]);
    if (insecure)
        relay_log(RELAY_LOG_WARN, "control-insecure: UDP control without a secret; every local "
                                  "user can read keys (state) and move media (update)");
    /* Every media address is bound once now: a wrong one stops srtpd here
     * with its cause, instead of failing every call later. */
    if (!relay_ifaces_parse(&d.cfg, &d.ifaces, err, sizeof(err)) ||
        !relay_ifaces_probe(&d.ifaces, err, sizeof(err))) {
        fprintf(stderr, "srtpd: %s\n", err);
        return 2;
    }
    relay_ports_init(&d.ports, d.cfg.port_min, d.cfg.port_max);
    if (!relay_calls_init(&d)) {
        fprintf(stderr, "srtpd: cannot set up the call table (out of memory or no randomness)\n");
        return 1;
    }
    /* Two to four sockets per stream (docs/srtpd.md "Ports"), plus twins:
     * 1000 calls need more than the usual 1024. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    srtpd_grow_fd_table(&d.cfg);
    if (d.cfg.notify[0]) {
        ctl_addr na;
        if (!ctl_addr_parse(d.cfg.notify, &na, err, sizeof(err))) {
            fprintf(stderr, "srtpd: --notify: %s\n", err);
            return 2;
        }
        if (!d.secret && !ctl_addr_is_local(&na)) {
            fprintf(stderr, "srtpd: refusing to notify %s without a secret\n", d.cfg.notify);
            return 2;
        }
        d.notify_fd = socket(na.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (d.notify_fd < 0 || connect(d.notify_fd, (struct sockaddr *)&na.ss, na.len) != 0)
            relay_log(RELAY_LOG_WARN, "notify %s: %s (events stay pollable)", d.cfg.notify,
                      strerror(errno));
    }

    /* Signals go to a signalfd in the control loop; blocked before the
     * workers start so they inherit the mask and never see them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

    /* One worker per core srtpd may run on: its CPU affinity (taskset, a
     * cgroup cpuset) when it has one, else every online core. */
    cpu_set_t cpus;
    int ncpu = sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus)
                                                              : (int)sysconf(_SC_NPROCESSORS_ONLN);
    int nw = d.cfg.workers > 0 ? d.cfg.workers : ncpu;
    if (nw < 1)
        nw = 1;
    d.workers = relay_workers_start(nw, err, sizeof(err));
    if (!d.workers) {
        fprintf(stderr, "srtpd: %s\n", err);
        return 1;
    }
    d.nworkers = nw;
    /* coalesce-us and rt-priority are in range: config.c checks every
     * integer option where it is read. */
    for (int i = 0; i < nw; i++)
        relay_worker_set_coalesce(d.workers[i], (long)d.cfg.coalesce_us * 1000);
    /* Refused (no CAP_SYS_NICE, RLIMIT_RTPRIO too low, systemd's
     * RestrictRealtime=yes): the relay still works, at normal priority,
     * and says so; cfg then holds what is in force (0), so a reload with
     * the same file tries again. */
    if (d.cfg.rt_priority &&
        !relay_workers_set_priority(d.workers, nw, d.cfg.rt_priority, 0, err, sizeof(err))) {
        relay_log(RELAY_LOG_WARN,
                  "rt-priority %d refused (%s): media workers run at normal priority "
                  "(systemd: RestrictRealtime=no and LimitRTPRIO=%d, docs/srtpd.md)",
                  d.cfg.rt_priority, err, d.cfg.rt_priority);
        d.cfg.rt_priority = 0;
    }
    d.start_ms = relay_now_ms();
    /* The store: its calls come back before the control sockets open, so
     * no request sees a half-recovered relay. */
    if (!relay_store_start(&d, err, sizeof(err))) {
        fprintf(stderr, "srtpd: %s\n", err);
        relay_workers_stop(d.workers, d.nworkers);
        return 2;
    }
    relay_store_recover(&d);

    /* Prometheus (relay/metrics.h): polled here, served on this thread. */
    relay_metrics *metrics = NULL;
    if (d.cfg.metrics[0]) {
        metrics = relay_metrics_start(&d, d.cfg.metrics, SDESGATE_VERSION, err, sizeof(err));
        if (!metrics) {
            fprintf(stderr, "srtpd: %s\n", err);
            relay_workers_stop(d.workers, d.nworkers);
            return 1;
        }
        relay_log(RELAY_LOG_INFO, "metrics on http://%s/metrics", d.cfg.metrics);
    }
    ctl_server **srv = d.srv;
    struct pollfd pfd[6];
    int nfd = 0;
    for (int i = 0; i < d.cfg.nlisten; i++) {
        int fd = ctl_listen(&addrs[i], err, sizeof(err));
        if (fd < 0) {
            fprintf(stderr, "srtpd: %s%s\n", err,
                    addrs[i].is_unix ? " (its directory must exist, writable by srtpd's user "
                                       "only: systemd RuntimeDirectory=srtpd makes /run/srtpd)"
                                     : "");
            relay_metrics_stop(metrics);
            relay_workers_stop(d.workers, d.nworkers);
            return 1;
        }
        srv[i] = ctl_server_new(fd, d.secret, d.secret_len, relay_cmd_handle, &d);
        if (!srv[i]) {
            fprintf(stderr, "srtpd: out of memory\n");
            return 1;
        }
        pfd[nfd++] = (struct pollfd){.fd = fd, .events = POLLIN};
        d.nsrv = nfd;
    }
    pfd[nfd] = (struct pollfd){.fd = sfd, .events = POLLIN};
    pfd[nfd + 1] =
        (struct pollfd){.fd = metrics ? relay_metrics_fd(metrics) : -1, .events = POLLIN};
    if (d.cfg.pid_file[0]) {
        FILE *f = fopen(d.cfg.pid_file, "w");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
    }
    char ifdesc[1024];
    relay_ifaces_describe(&d.ifaces, ifdesc, sizeof(ifdesc));
    relay_log(RELAY_LOG_INFO, "started: %d worker(s), control %s%s, media %s ports %d..%d%s", nw,
              d.cfg.listen[0], d.cfg.nlisten > 1 ? " (+more)" : "", ifdesc, d.cfg.port_min,
              d.cfg.port_max, d.secret ? ", control authenticated" : "");
    /* systemd (Type=notify): ready once every control socket is bound and
     * the workers run; a no-op without $NOTIFY_SOCKET. With WatchdogSec=
     * the once-a-second housekeeping below pets the watchdog. */
    uint64_t wd_usec = 0;
    bool watchdog = sd_watchdog_enabled(0, &wd_usec) > 0;
    sd_notifyf(0, "READY=1\nSTATUS=%d worker(s), media ports %d..%d", nw, d.cfg.port_min,
               d.cfg.port_max);

    bool running = true;
    int64_t next_hk = relay_now_ms() + 1000;
    d.next_switch_ms = INT64_MAX;
    while (running) {
        /* Deferred key switches (relay/switch.h) are due on their own
         * deadline, not on the once-a-second housekeeping. */
        int64_t until = d.next_switch_ms < next_hk ? d.next_switch_ms : next_hk;
        int64_t wait = until - relay_now_ms();
        /* A deferred job (relay/worker.h) is settled by the next request,
         * or here once it has run: waiting for it now would add a sleep
         * and a wake-up to a request whose reply is already out, so while
         * it runs the wait is 1 ms. */
        if (!relay_workers_settled() && wait > 1)
            wait = 1;
        int r = poll(pfd, (nfds_t)nfd + 2, wait > 0 ? (int)wait : 0);
        if (r < 0 && errno != EINTR)
            break;
        /* The replies first, then the deferred job's worker
         * (relay/worker.h); each request's log lines are written before
         * its reply (relay/log.h). */
        relay_log_hold(true);
        for (int i = 0; i < nfd; i++)
            if (pfd[i].revents & POLLIN)
                ctl_server_poll(srv[i]);
        relay_workers_kick();
        relay_log_hold(false);
        if (pfd[nfd].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGHUP) {
                    /* Reopens the log and re-reads what can change live
                     * (relay/ops.h); logs what it applied and ignored. */
                    char ap[512], ig[512], why[300];
                    bool ok = relay_reload(&d, ap, sizeof(ap), ig, sizeof(ig), why, sizeof(why));
                    /* After the reopen: this line is the new file's first. */
                    relay_log(RELAY_LOG_INFO, "SIGHUP: log reopened, reload %s",
                              ok ? "done" : "refused");
                } else {
                    relay_log(RELAY_LOG_INFO, "signal %u: stopping", si.ssi_signo);
                    sd_notify(0, "STOPPING=1");
                    running = false;
                }
            }
        }
        relay_switch_run_due(&d);
        if (metrics && (pfd[nfd + 1].revents || relay_now_ms() >= next_hk))
            relay_metrics_run(metrics); /* answers, and expires idle clients */
        if (relay_now_ms() >= next_hk) {
            relay_housekeeping(&d);
            relay_store_tick(&d);
            for (int i = 0; i < d.cfg.nlisten; i++)
                ctl_server_expire(srv[i]); /* cached `state` replies hold keys */
            if (watchdog)
                sd_notify(0, "WATCHDOG=1");
            next_hk = relay_now_ms() + 1000;
        }
    }
    relay_metrics_stop(metrics);
    relay_delete_all(&d);
    relay_store_stop(&d);
    relay_calls_free(&d);
    relay_workers_stop(d.workers, d.nworkers);
    for (int i = 0; i < d.cfg.nlisten; i++) {
        close(pfd[i].fd);
        ctl_server_free(srv[i]);
        if (addrs[i].is_unix)
            unlink(((struct sockaddr_un *)&addrs[i].ss)->sun_path);
    }
    if (d.notify_fd >= 0)
        close(d.notify_fd);
    if (d.cfg.pid_file[0])
        unlink(d.cfg.pid_file);
    OPENSSL_cleanse(d.cfg.secret, sizeof(d.cfg.secret));
    relay_log(RELAY_LOG_INFO, "stopped");
    return 0;
}
