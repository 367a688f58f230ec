/*
 * rtp/relay/worker_priv.h — what the packet loops of a worker share: the
 * per-worker state every loop needs and the per-packet steps. worker.c
 * holds the thread, job and attach plumbing and picks the loop;
 * worker_packet.c what happens to one packet; worker_ring.c the multishot
 * io_uring loop (with worker_twin.c, its connected send sockets);
 * worker_epoll.c the epoll loop. Each loop keeps its own state in its own
 * file. Worker-internal: nothing outside the worker_* files includes it.
 */
#ifndef SDESGATE_RELAY_WORKER_PRIV_H
#define SDESGATE_RELAY_WORKER_PRIV_H

#include <netinet/in.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/worker.h"

typedef struct relay_ring relay_ring;   /* worker_ring.c */
typedef struct relay_epoll relay_epoll; /* worker_epoll.c */

/* Sockets one job can take from the control thread's table: the two legs'
 * RTP and RTCP sockets of every stream of a request (RELAY_MAX_STREAMS,
 * cmd_apply.c: one job per request). */
#define RELAY_HANDBACK_MAX (4 * RELAY_MAX_STREAMS)

/* Jobs run in the middle of one round (relay_jobs_first). The control
 * thread has one job out at a time (relay_worker_run and
 * relay_worker_defer settle the last deferred one first), so one would do;
 * the room is spare. */
#define RELAY_HELD_MAX 16

typedef struct relay_job {
    relay_job_fn fn;
    void *arg;
    sem_t done;
} relay_job;

typedef struct relay_out {
    int fd;
    relay_leg *leg; /* counters of the leg the packet goes to */
    bool rtcp;
} relay_out;

/* What every packet loop of a worker needs; each loop keeps the rest in
 * its own state (relay_epoll in worker_epoll.c, relay_ring in
 * worker_ring.c). */
struct relay_worker {
    int idx;
    pthread_t th;
    int pipe_r, pipe_w; /* jobs (relay_job pointers) from the control thread */
    bool stop;
    relay_stream *streams;
    int64_t now_ms;   /* taken once per round, after the loop's wait */
    int64_t round_ns; /* the same clock reading, in ns: the round's wake-up */
    relay_worker_totals t;
    /* Adaptive coalescing (see relay_rate_update): packets counted over a
     * window of at least RELAY_RATE_WINDOW_NS give the worker's recent rate. */
    int64_t rate_t0_ns;
    uint64_t rate_pkts;
    bool coalesce;
    long coalesce_ns; /* the wait under load; 0 = never coalesce */
    /* The loops' own state. ep always exists (the epoll loop is the
     * fallback); rg while the multishot ring is set up, and ring_mode while
     * its loop runs (sockets are then attached to the ring, not to epoll). */
    relay_epoll *ep;
    relay_ring *rg;
    bool ring_mode;
    /* The worker's own descriptor table (worker_fds.c): with own_table the
     * thread unshared its table at start and takes each socket from the
     * control thread's table with pidfd_getfd(ctl_pidfd); the control
     * thread closes its copies (handback) once the job has run. */
    bool own_table;
    int ctl_pidfd;
    int handback[RELAY_HANDBACK_MAX];
    int nhandback;
    /* With own_table: the sockets in the worker's table (adopted, twins),
     * written by the worker, read by the control thread before it accepts
     * an offer whose sockets the worker must take (relay_worker_fd_room). */
    atomic_int fds_used;
    atomic_bool table_ready; /* own_table is set */
    /* Jobs ahead of packets (relay_jobs_first): the control thread adds
     * one to jobs_posted after each job it writes into the pipe, the
     * worker counts what it has read in jobs_taken. Jobs run in the middle
     * of a round wait in held[] for their sem_post until the round ends
     * (relay_jobs_release): the control thread frees what a job detached
     * once it is posted, and the round may still hold pointers to it. */
    atomic_uint jobs_posted;
    unsigned jobs_taken;
    relay_job *held[RELAY_HELD_MAX];
    int nheld;
};

/* Starts receiving on rs (SO_RXQ_OVFL on; the ring or epoll); true when
 * rs has no fd yet. */
bool relay_sock_attach(relay_worker *w, relay_sock *rs);
/* Same family, address and port (IPv4 or IPv6). */
bool relay_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* CLOCK_MONOTONIC in nanoseconds. */
int64_t relay_now_ns(void);
/* One received packet p[0..len): checks, unprotect, latch, protect in place
 * (p must have RELAY_BUF_SIZE bytes of room). Returns the length to send
 * (with *o saying where), or 0 when dropped (counted per reason). */
size_t relay_process(relay_worker *w, relay_sock *rs, uint8_t *p, size_t len, int mflags,
                     const struct sockaddr_storage *src, socklen_t srclen, relay_out *o);
/* SO_RXQ_OVFL from a received message's control data into the leg's
 * "kernel" drop counter. */
void relay_kernel_drops(relay_sock *rs, relay_leg *x, struct msghdr *last);
/* A packet of len bytes sent toward o->leg. */
void relay_count_out(relay_worker *w, const relay_out *o, size_t len);
/* worker_fds.c: the worker's own descriptor table. Called by the control
 * thread before the workers start: can workers take sockets with
 * pidfd_getfd (else they share the process's table)? -1 or the pidfd. */
int relay_fds_pidfd(void);
/* On the worker thread at its start: unshare the table and keep only what
 * the worker uses (false: the table stays shared). */
bool relay_fds_unshare(relay_worker *w);
/* On the worker: rs's fd, still the control thread's, becomes the
 * worker's (its number changes with its own table). False on failure: the
 * fd is then still the control thread's. */
bool relay_fds_adopt(relay_worker *w, relay_sock *rs);
/* On the control thread after a job: closes the copies the job took. */
void relay_fds_handback(relay_worker *w);
/* The worker closed (made) a socket in its table: fds_used follows. */
void relay_fds_closed(relay_worker *w);
void relay_fds_made(relay_worker *w);
/* Descriptors a worker's table keeps spare beyond its sockets: its pipe,
 * epoll, pidfd, ring and stdio, with room to spare. */
#define RELAY_FD_RESERVE 16
/* Runs the jobs queued in the worker's pipe and posts each at once. */
void relay_run_jobs(relay_worker *w);
/* Whether the control thread has posted a job the worker has not read. */
static inline bool relay_jobs_waiting(relay_worker *w)
{
    return atomic_load_explicit(&w->jobs_posted, memory_order_acquire) != w->jobs_taken;
}
/* Called by a loop before it handles a packet it has not started on, when
 * relay_jobs_waiting: runs the new jobs now, ahead of that packet, and
 * holds their sem_post until relay_jobs_release. This is what lets a
 * request that changes a live stream's keys reply before its job has run
 * (cmd_apply.c): the job is posted before the reply, so a packet the peer
 * sends after the reply finds it posted, and runs after it. */
void relay_jobs_first(relay_worker *w);
/* At the end of a round: posts the jobs relay_jobs_first held. */
void relay_jobs_release(relay_worker *w);
/* Feeds the adaptive-coalescing rate window (see worker.c). */
void relay_rate_update(relay_worker *w, int64_t now, int pkts);
/* Under load, how many ns the loop may still wait for packets to gather
 * (0: the window is over, collect without waiting); -1: not coalescing,
 * block until a packet comes. */
long relay_coalesce_left(const relay_worker *w);

/* worker_epoll.c: the epoll loop. relay_epoll_new (control thread) makes
 * its state with the job pipe registered, NULL on failure; _add/_del are
 * its halves of attach/detach; relay_epoll_main runs it until stop. */
relay_epoll *relay_epoll_new(int pipe_r);
void relay_epoll_free(relay_epoll *e);
int relay_epoll_fd(const relay_epoll *e); /* its epoll instance */
bool relay_epoll_add(relay_epoll *e, relay_sock *rs);
void relay_epoll_del(relay_epoll *e, relay_sock *rs);
void relay_epoll_main(relay_worker *w);

/* worker_ring.c: the multishot io_uring loop. relay_ring_start sets it up
 * (false: not available, the worker keeps the epoll loop; twins: send
 * through connected twin sockets); the others are the ring-mode halves of
 * attach/detach and the loop itself. */
bool relay_ring_start(relay_worker *w, bool twins);
void relay_ring_stop(relay_worker *w);
bool relay_ring_attach(relay_worker *w, relay_sock *rs);
void relay_ring_detach(relay_worker *w, relay_sock *rs);
void relay_ring_main(relay_worker *w);

/* worker_twin.c: the fd to send toward y's RTP address to (with no
 * address: the twin is connected to it), making or reconnecting the twin;
 * -1 when the packet must leave unconnected from y's RTP socket. */
int relay_twin_fd(relay_worker *w, relay_leg *y, const struct sockaddr_storage *to,
                  socklen_t tolen);

#endif
