/*
 * rtp/relay/worker_fds.c — each media worker's own descriptor table.
 *
 * A relay holds one UDP socket per leg (two without rtcp-mux, and a
 * connected twin once media flows: worker_twin.c), so its sockets, not its
 * memory, bound how many calls it carries: RLIMIT_NOFILE caps every
 * descriptor table, and where the hard limit cannot be raised (a container,
 * a host without CAP_SYS_RESOURCE) one table of 20,000 holds under 10,000
 * rtcp-mux calls. The limit is per table, not per process, so each worker
 * thread unshares its table at start (unshare(CLONE_FILES)) and keeps only
 * its job pipe and epoll instance there; the control thread still binds
 * every socket (port search, errors in its reply), and the worker takes it
 * into its own table inside the attach job with pidfd_getfd(2) on the
 * control thread's pidfd. The control thread closes its copy once the job
 * has run (relay_fds_handback), so its table holds only what is being set
 * up. A relay with W workers then holds about W times the limit.
 *
 * From then on only the worker uses or closes the socket (relay_sock
 * on_worker: relay_worker_detach closes it); the control thread only reads
 * fd as "has a socket". When a worker's thread exits, its table and any
 * socket left in it go with it.
 *
 * The attach of an offer's streams runs after its reply (cmd_apply.c), so
 * a worker whose table could not take the sockets would leave a call whose
 * SDP names closed ports. The worker counts the sockets in its table
 * (fds_used) and the control thread refuses, before it replies, a request
 * whose sockets would not fit under RLIMIT_NOFILE with RELAY_FD_RESERVE
 * spare (relay_worker_fd_room): the worker's own descriptors, and twins,
 * which are given up when they do not fit.
 *
 * Where this cannot work the table stays shared, as before: pidfd_getfd
 * refused (a seccomp filter; the shipped unit allows it), a control thread
 * that is not the thread-group leader (the pidfd names the leader's table),
 * or SRTPD_SHARED_FDS=1 (tests, A/B runs).
 */
#include "relay/worker_priv.h"

#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <unistd.h>

int relay_fds_pidfd(void)
{
    const char *v = getenv("SRTPD_SHARED_FDS");
    if ((v && *v && strcmp(v, "0") != 0) || gettid() != getpid())
        return -1;
    int pidfd = pidfd_open(getpid(), 0);
    if (pidfd < 0)
        return -1;
    /* Can this process take its own descriptors (seccomp may say no)? */
    int probe = pidfd_getfd(pidfd, pidfd, 0);
    if (probe < 0) {
        close(pidfd);
        return -1;
    }
    close(probe);
    return pidfd;
}

/* Closes every descriptor from lo up to hi - 1 (hi may be INT_MAX + 1). */
static void relay_fds_close_gap(unsigned lo, unsigned long hi)
{
    if (hi > lo)
        close_range(lo, (unsigned)(hi - 1), 0);
}

static int relay_fds_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

bool relay_fds_unshare(relay_worker *w)
{
    if (w->ctl_pidfd < 0 || unshare(CLONE_FILES) != 0)
        return false;
    /* The copy holds every descriptor the process had; keep the worker's
     * own (and stdio, for a crash message) so no other file (a control
     * socket, a Redis connection) lives on in it after its owner closed it. */
    int keep[3] = {w->pipe_r, relay_epoll_fd(w->ep), w->ctl_pidfd};
    qsort(keep, 3, sizeof(keep[0]), relay_fds_cmp);
    unsigned long from = 3;
    for (int i = 0; i < 3; i++) {
        relay_fds_close_gap((unsigned)from, (unsigned long)keep[i]);
        from = (unsigned long)keep[i] + 1;
    }
    relay_fds_close_gap((unsigned)from, (unsigned long)UINT_MAX + 1);
    return true;
}

bool relay_fds_adopt(relay_worker *w, relay_sock *rs)
{
    if (rs->fd < 0 || rs->on_worker)
        return true;
    if (w->own_table) {
        if (w->nhandback >= RELAY_HANDBACK_MAX)
            return false;
        int fd = pidfd_getfd(w->ctl_pidfd, rs->fd, 0);
        if (fd < 0)
            return false;
        w->handback[w->nhandback++] = rs->fd;
        rs->fd = fd;
        relay_fds_made(w);
    }
    rs->on_worker = 1;
    return true;
}

void relay_fds_handback(relay_worker *w)
{
    for (int i = 0; i < w->nhandback; i++)
        close(w->handback[i]);
    w->nhandback = 0;
}

void relay_fds_closed(relay_worker *w)
{
    if (w->own_table)
        atomic_fetch_sub_explicit(&w->fds_used, 1, memory_order_relaxed);
}

void relay_fds_made(relay_worker *w)
{
    if (w->own_table)
        atomic_fetch_add_explicit(&w->fds_used, 1, memory_order_relaxed);
}

bool relay_worker_fd_room(relay_worker *w, int need)
{
    /* A shared table: the control thread's own socket() meets the limit
     * first and the port search names it (ports.c). */
    if (!atomic_load_explicit(&w->table_ready, memory_order_acquire) || !w->own_table)
        return true;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return true;
    long used = atomic_load_explicit(&w->fds_used, memory_order_relaxed);
    return used + need + RELAY_FD_RESERVE <= (long)rl.rlim_cur;
}
