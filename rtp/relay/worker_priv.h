/*
 * rtp/relay/worker_priv.h — what the two packet loops of a worker share:
 * the worker's state and the per-packet steps. worker.c holds the epoll
 * loop (recvmmsg/sendmmsg, with an io_uring round for quiet sockets) and
 * the thread, job and attach plumbing; worker_ring.c holds the multishot
 * io_uring loop used when the kernel supports it. Worker-internal: nothing
 * outside these two files includes it.
 */
#ifndef SDESGATE_RELAY_WORKER_PRIV_H
#define SDESGATE_RELAY_WORKER_PRIV_H

#include <netinet/in.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/uring.h"
#include "relay/worker.h"

typedef struct relay_ring relay_ring; /* worker_ring.c */

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

struct relay_worker {
    int idx;
    pthread_t th;
    int epfd;
    int pipe_r, pipe_w;
    bool stop;
    relay_stream *streams;
    int64_t now_ms; /* taken once per round, after epoll_wait */
    relay_worker_totals t;
    struct mmsghdr in[RELAY_BATCH], out[RELAY_BATCH];
    struct iovec iov_in[RELAY_BATCH], iov_out[RELAY_BATCH];
    struct sockaddr_storage src[RELAY_BATCH];
    char cmsg[RELAY_BATCH][CMSG_SPACE(sizeof(uint32_t))];
    relay_out outinfo[RELAY_BATCH];
    /* UDP GSO (UDP_SEGMENT): runs of equal-size packets for the same peer
     * leave in one message; gout/gfirst/gcount describe those messages. */
    struct mmsghdr gout[RELAY_BATCH];
    int gfirst[RELAY_BATCH], gcount[RELAY_BATCH];
    char gcmsg[RELAY_BATCH][CMSG_SPACE(sizeof(uint16_t))];
    bool no_gso;
    int in_used; /* in[0..in_used) were written by the last recvmmsg */
    /* Per receiving socket (by local port; a v4/v6 clash only costs a
     * guess) how many datagrams to ask recvmmsg for, 0 meaning 1: see
     * relay_handle_socket. */
    uint8_t vlen[65536];
    /* Adaptive coalescing (see relay_worker_main): packets counted over a
     * window of at least RELAY_RATE_WINDOW_NS give the worker's recent rate. */
    int64_t rate_t0_ns;
    uint64_t rate_pkts;
    bool coalesce;
    long coalesce_ns; /* the wait under load; 0 = never coalesce */
    /* io_uring path (see relay_uring_round): one receive per quiet ready
     * socket and one send per packet, all in one io_uring_enter each. */
    relay_uring ring;
    bool use_ring;
    uint32_t round;             /* rounds so far (wraps) */
    uint32_t ring_round[65536]; /* per local port: round of its last ring read */
    relay_sock *urs[RELAY_URING_MAX];
    struct msghdr umsg[RELAY_URING_MAX], usend[RELAY_URING_MAX];
    struct iovec uiov[RELAY_URING_MAX], usiov[RELAY_URING_MAX];
    struct sockaddr_storage usrc[RELAY_URING_MAX];
    char ucmsg[RELAY_URING_MAX][CMSG_SPACE(sizeof(uint32_t))];
    relay_out uout[RELAY_URING_MAX];
    uint8_t ubuf[RELAY_URING_MAX][RELAY_BUF_SIZE];
    uint8_t buf[RELAY_BATCH][RELAY_BUF_SIZE];
    /* Multishot ring mode (worker_ring.c): when set, the worker runs
     * relay_ring_main instead of the epoll loop. */
    bool ring_mode;
    relay_ring *rg;
    bool twins; /* connected send sockets (worker_twin.c) */
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
/* Runs the jobs queued in the worker's pipe. */
void relay_run_jobs(relay_worker *w);
/* Feeds the adaptive-coalescing rate window (see worker.c). */
void relay_rate_update(relay_worker *w, int64_t now, int pkts);

/* worker_ring.c: the multishot io_uring loop. relay_ring_start sets it up
 * (false: not available, the worker keeps the epoll loop); the others are
 * the ring-mode halves of attach/detach and the loop itself. */
bool relay_ring_start(relay_worker *w);
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
