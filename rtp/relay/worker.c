/*
 * rtp/relay/worker.c — srtpd's media workers (see worker.h): the thread,
 * the job pipe, attaching and detaching streams, the adaptive-coalescing
 * rate window, and the choice of packet loop: the multishot io_uring loop
 * (worker_ring.c) when the kernel has it, else the epoll loop
 * (worker_epoll.c). What happens to one packet is in worker_packet.c.
 */
#include "relay/worker.h"

#include "relay/worker_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t relay_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t relay_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void relay_run_jobs(relay_worker *w)
{
    relay_job *jobs[64];
    for (;;) {
        ssize_t r = read(w->pipe_r, jobs, sizeof(jobs));
        if (r <= 0)
            break;
        w->jobs_taken += (unsigned)((size_t)r / sizeof(jobs[0]));
        for (size_t i = 0; i < (size_t)r / sizeof(jobs[0]); i++) {
            jobs[i]->fn(w, jobs[i]->arg);
            sem_post(&jobs[i]->done);
        }
    }
}

void relay_jobs_first(relay_worker *w)
{
    while (w->nheld < RELAY_HELD_MAX && relay_jobs_waiting(w)) {
        relay_job **room = &w->held[w->nheld];
        ssize_t r = read(w->pipe_r, room, (size_t)(RELAY_HELD_MAX - w->nheld) * sizeof(*room));
        if (r <= 0)
            return; /* cannot happen: jobs_posted moves after the write */
        int n = (int)((size_t)r / sizeof(*room));
        w->jobs_taken += (unsigned)n;
        w->nheld += n;
        for (int i = 0; i < n; i++)
            room[i]->fn(w, room[i]->arg);
    }
}

void relay_jobs_release(relay_worker *w)
{
    for (int i = 0; i < w->nheld; i++)
        sem_post(&w->held[i]->done);
    w->nheld = 0;
}

/* Adaptive coalescing. On loopback or a NIC alike, most of a relayed
 * packet's cost is per system call and per wake-up, and with one socket per
 * call and leg a wake-up at moderate load finds about one packet. Under
 * load (the worker's rate over the last window at least
 * RELAY_COALESCE_MIN_PPS) the worker therefore waits until coalesce_ns
 * after its last wake-up (relay_coalesce_left) instead of blocking, then
 * collects every packet that arrived meanwhile: one timer wake-up per
 * window instead of one wake-up per packet, the same trade-off as a NIC's
 * interrupt moderation. The wait is bounded, so the added latency is at
 * most about coalesce_ns plus one round's work, and only under load;
 * below the threshold (e.g. a few thousand packets/s) nothing changes.
 * The socket receive buffers (1 MiB each) hold a window's packets many
 * times over, so no socket is starved or overflowed by the wait. */
void relay_rate_update(relay_worker *w, int64_t now, int pkts)
{
    w->rate_pkts += (uint64_t)pkts;
    int64_t dt = now - w->rate_t0_ns;
    if (dt < RELAY_RATE_WINDOW_NS)
        return;
    w->coalesce =
        w->coalesce_ns > 0 && (double)w->rate_pkts * 1e9 / (double)dt >= RELAY_COALESCE_MIN_PPS;
    w->rate_pkts = 0;
    w->rate_t0_ns = now;
}

/* The epoll loop's coalescing window runs from the previous round's
 * wake-up (w->round_ns), not from the end of its work: the time spent
 * relaying the last round's packets (all of it outside the sleep: recvmmsg,
 * SRTP, sendmmsg) counts against it. Timed from the end, a packet that
 * arrived just after a wake-up waited for that round's work, then the whole
 * window, then its own round's work; timed from the wake-up it is picked up
 * at most coalesce_ns after it arrived. (The multishot loop does most of
 * its work inside io_uring_enter and steers its timeout instead:
 * relay_ring_timeout.) */
long relay_coalesce_left(const relay_worker *w)
{
    if (!w->coalesce)
        return -1;
    int64_t left = w->coalesce_ns - (relay_now_ns() - w->round_ns);
    return left > 0 ? (long)left : 0;
}

/* An environment switch such as SRTPD_NO_IO_URING=1 (tests, A/B runs). */
static bool relay_env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

static void *relay_worker_main(void *arg)
{
    relay_worker *w = arg;
    /* The default 50 us timer slack would stretch every coalescing sleep;
     * keep it small so the window is what coalesce_ns says. */
    prctl(PR_SET_TIMERSLACK, 5000UL, 0, 0, 0);
    /* Which loop: the multishot io_uring loop (worker_ring.c) when the
     * kernel has it (Linux 6.1: SINGLE_ISSUER, DEFER_TASKRUN, multishot
     * recvmsg, provided-buffer rings); else, or with SRTPD_NO_MULTISHOT=1
     * or SRTPD_NO_IO_URING=1 (tests, A/B runs), the epoll loop. */
    char name[16];
    snprintf(name, sizeof(name), "srtpd-w%d", w->idx);
    prctl(PR_SET_NAME, name, 0, 0, 0);
    /* Before the ring exists (its kernel helpers share this table). */
    w->own_table = relay_fds_unshare(w);
    atomic_store_explicit(&w->table_ready, true, memory_order_release);
    w->rate_t0_ns = relay_now_ns();
    if (!relay_env_flag("SRTPD_NO_IO_URING") && !relay_env_flag("SRTPD_NO_MULTISHOT") &&
        relay_ring_start(w, !relay_env_flag("SRTPD_NO_TWIN"))) {
        /* Returns at stop, or when the ring failed and every socket went
         * back to epoll (then the epoll loop takes over). */
        relay_ring_main(w);
    }
    if (!w->stop)
        relay_epoll_main(w);
    /* The ring is released by the thread that set it up (SINGLE_ISSUER:
     * only it may unregister the buffers). */
    relay_ring_stop(w);
    return NULL;
}

static void relay_job_post(relay_worker *w, relay_job *job)
{
    sem_init(&job->done, 0, 0);
    while (write(w->pipe_w, &job, sizeof(job)) != (ssize_t)sizeof(job)) {
        if (errno != EINTR && errno != EAGAIN)
            abort(); /* the pipe is ours; failing here is a bug */
    }
    /* After the write: a worker that sees the count finds the job in the
     * pipe (relay_jobs_first). */
    atomic_fetch_add_explicit(&w->jobs_posted, 1, memory_order_release);
}

/* The deferred job (relay_worker_defer). A control request's client waits
 * for its reply, and a job's round trip (the worker's wake-up, the control
 * thread's sleep and wake-up: on a VM often as long as the rest of the
 * request) is on that path unless the reply need not wait for it. */
static struct {
    relay_job job;
    relay_worker *w;
    void (*done)(void *arg);
    bool pending, posted;
} relay_deferred;

void relay_workers_kick(void)
{
    if (relay_deferred.pending && !relay_deferred.posted) {
        relay_deferred.posted = true;
        relay_job_post(relay_deferred.w, &relay_deferred.job);
    }
}

void relay_workers_settle(void)
{
    if (!relay_deferred.pending)
        return;
    relay_workers_kick();
    relay_deferred.pending = false; /* done may run jobs itself */
    while (sem_wait(&relay_deferred.job.done) != 0 && errno == EINTR) {
    }
    sem_destroy(&relay_deferred.job.done);
    relay_fds_handback(relay_deferred.w); /* the copies the attach took */
    if (relay_deferred.done)
        relay_deferred.done(relay_deferred.job.arg);
}

bool relay_workers_settled(void)
{
    relay_workers_kick();
    if (relay_deferred.pending && sem_trywait(&relay_deferred.job.done) == 0) {
        sem_post(&relay_deferred.job.done); /* relay_workers_settle takes it */
        relay_workers_settle();
    }
    return !relay_deferred.pending;
}

void relay_worker_defer(relay_worker *w, relay_job_fn fn, void *arg, void (*done)(void *arg))
{
    relay_workers_settle();
    relay_deferred.job = (relay_job){.fn = fn, .arg = arg};
    relay_deferred.w = w;
    relay_deferred.done = done;
    relay_deferred.pending = true;
    relay_deferred.posted = false; /* relay_workers_kick, once the reply is out */
}

void relay_worker_run(relay_worker *w, relay_job_fn fn, void *arg)
{
    relay_workers_settle();
    relay_job job = {.fn = fn, .arg = arg};
    relay_job_post(w, &job);
    while (sem_wait(&job.done) != 0 && errno == EINTR) {
    }
    sem_destroy(&job.done);
    relay_fds_handback(w);
}

static void relay_coalesce_job(relay_worker *w, void *arg)
{
    w->coalesce_ns = *(const long *)arg;
    if (!w->coalesce_ns)
        w->coalesce = false;
}

void relay_worker_set_coalesce(relay_worker *w, long ns)
{
    relay_worker_run(w, relay_coalesce_job, &ns);
}

/* rt-priority: pthread_setschedparam acts on another thread of the process
 * directly, so this needs no job. On a failure the workers already changed
 * go back to old, so all of them keep one policy. */
bool relay_workers_set_priority(relay_worker **ws, int n, int prio, int old, char *err,
                                size_t errlen)
{
    for (int i = 0; i < n; i++) {
        struct sched_param sp = {.sched_priority = prio};
        int rc = pthread_setschedparam(ws[i]->th, prio ? SCHED_FIFO : SCHED_OTHER, &sp);
        if (rc == 0)
            continue;
        snprintf(err, errlen, "worker %d: SCHED_FIFO %d: %s", i, prio, strerror(rc));
        for (int j = 0; j < i; j++) {
            struct sched_param back = {.sched_priority = old};
            pthread_setschedparam(ws[j]->th, old ? SCHED_FIFO : SCHED_OTHER, &back);
        }
        return false;
    }
    return true;
}

static void relay_stop_job(relay_worker *w, void *arg)
{
    (void)arg;
    w->stop = true;
}

relay_worker **relay_workers_start(int n, char *err, size_t errlen)
{
    relay_worker **ws = calloc((size_t)n, sizeof(*ws));
    if (!ws) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        relay_worker *w = calloc(1, sizeof(*w));
        int p[2];
        if (!w || pipe2(p, O_CLOEXEC) != 0) {
            snprintf(err, errlen, "worker %d: %s", i, strerror(errno));
            free(w);
            relay_workers_stop(ws, i);
            return NULL;
        }
        w->idx = i;
        w->ctl_pidfd = relay_fds_pidfd();
        w->coalesce_ns = RELAY_COALESCE_NS;
        w->pipe_r = p[0];
        w->pipe_w = p[1];
        fcntl(w->pipe_r, F_SETFL, O_NONBLOCK);
        /* The epoll loop's state exists from the start: it is the loop of
         * a kernel without multishot io_uring and the multishot loop's
         * fallback, and the control thread allocates, the worker never. */
        w->ep = relay_epoll_new(w->pipe_r);
        if (!w->ep) {
            snprintf(err, errlen, "worker %d: %s", i, strerror(errno));
            close(p[0]);
            close(p[1]);
            if (w->ctl_pidfd >= 0)
                close(w->ctl_pidfd);
            free(w);
            relay_workers_stop(ws, i);
            return NULL;
        }
        ws[i] = w;
        if (pthread_create(&w->th, NULL, relay_worker_main, w) != 0) {
            snprintf(err, errlen, "pthread_create: %s", strerror(errno));
            relay_epoll_free(w->ep);
            close(p[0]);
            close(p[1]);
            if (w->ctl_pidfd >= 0)
                close(w->ctl_pidfd);
            free(w);
            ws[i] = NULL;
            relay_workers_stop(ws, i);
            return NULL;
        }
    }
    return ws;
}

void relay_workers_stop(relay_worker **ws, int n)
{
    if (!ws)
        return;
    for (int i = 0; i < n; i++) {
        relay_worker *w = ws[i];
        if (!w)
            continue;
        relay_worker_run(w, relay_stop_job, NULL);
        pthread_join(w->th, NULL);
        relay_epoll_free(w->ep);
        close(w->pipe_r);
        close(w->pipe_w);
        if (w->ctl_pidfd >= 0)
            close(w->ctl_pidfd);
        free(w);
    }
    free(ws);
}

bool relay_sock_attach(relay_worker *w, relay_sock *rs)
{
    if (rs->fd < 0)
        return true;
    if (!relay_fds_adopt(w, rs))
        return false;
    int one = 1;
    setsockopt(rs->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
    bool ok = w->ring_mode ? relay_ring_attach(w, rs) : relay_epoll_add(w->ep, rs);
    rs->receiving = ok;
    return ok;
}

bool relay_worker_attach(relay_worker *w, relay_stream *s)
{
    if (s->attached)
        return true;
    for (int l = 0; l < 2; l++) {
        if (!relay_sock_attach(w, &s->leg[l].rtp) || !relay_sock_attach(w, &s->leg[l].rtcp) ||
            !relay_sock_attach(w, &s->leg[l].twin)) {
            relay_worker_detach(w, s);
            return false;
        }
    }
    s->wprev = NULL;
    s->wnext = w->streams;
    if (w->streams)
        w->streams->wprev = s;
    w->streams = s;
    s->attached = true;
    return true;
}

void relay_worker_detach(relay_worker *w, relay_stream *s)
{
    for (int l = 0; l < 2; l++) {
        relay_sock *socks[3] = {&s->leg[l].rtp, &s->leg[l].rtcp, &s->leg[l].twin};
        for (int k = 0; k < 3; k++) {
            if (socks[k]->fd < 0)
                continue;
            relay_worker_sock_detach(w, socks[k]);
        }
    }
    if (!s->attached)
        return;
    if (s->wprev)
        s->wprev->wnext = s->wnext;
    else
        w->streams = s->wnext;
    if (s->wnext)
        s->wnext->wprev = s->wprev;
    s->wprev = s->wnext = NULL;
    s->attached = false;
}

bool relay_worker_sock_attach(relay_worker *w, relay_sock *rs)
{
    return relay_sock_attach(w, rs);
}

void relay_worker_sock_detach(relay_worker *w, relay_sock *rs)
{
    rs->receiving = 0;
    if (rs->fd < 0)
        return;
    if (w->ring_mode)
        relay_ring_detach(w, rs);
    else
        relay_epoll_del(w->ep, rs);
    /* The worker's socket is closed here, in its own table. */
    if (rs->on_worker) {
        close(rs->fd);
        relay_fds_closed(w);
        rs->fd = -1;
        rs->on_worker = 0;
    }
}

relay_stream *relay_worker_streams(relay_worker *w)
{
    return w->streams;
}

const relay_worker_totals *relay_worker_get_totals(const relay_worker *w)
{
    return &w->t;
}

int relay_worker_index(const relay_worker *w)
{
    return w->idx;
}

double relay_worker_cpu_seconds(const relay_worker *w)
{
    clockid_t cid;
    struct timespec ts;
    if (pthread_getcpuclockid(w->th, &cid) != 0 || clock_gettime(cid, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
