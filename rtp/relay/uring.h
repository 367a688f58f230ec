/*
 * rtp/relay/uring.h — a minimal io_uring submission/completion ring for
 * srtpd's workers, on the raw system calls (no liburing in Debian 12's
 * build dependencies). A worker uses it to receive from many ready sockets
 * and send to many sockets with one io_uring_enter per round instead of one
 * recvmmsg and one sendmmsg per socket. Single-threaded: only the owning
 * worker touches a ring. When the kernel refuses io_uring (old kernel,
 * seccomp, io_uring_disabled), relay_uring_init fails and the worker keeps
 * its recvmmsg/sendmmsg path.
 */
#ifndef SDESGATE_RELAY_URING_H
#define SDESGATE_RELAY_URING_H

#include <linux/io_uring.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct relay_uring {
    int fd;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *sq_ptr, *cq_ptr;
    size_t sq_size, cq_size, sqes_size;
    unsigned entries, queued;
} relay_uring;

/* Sets up a ring of at least `entries` submissions. false when unavailable
 * (u->fd is then -1 and relay_uring_free is still safe). */
bool relay_uring_init(relay_uring *u, unsigned entries);
void relay_uring_free(relay_uring *u);
/* A zeroed submission entry, or NULL when `entries` are already queued. */
struct io_uring_sqe *relay_uring_sqe(relay_uring *u);
/* Submits everything queued and waits until that many have completed
 * (the caller must have reaped every earlier completion). Returns the
 * number submitted, or -1 (errno set) when the ring failed; the caller
 * then stops using it. */
int relay_uring_submit_wait(relay_uring *u);
/* Takes the next completion into *out; false when there is none. */
bool relay_uring_cqe(relay_uring *u, struct io_uring_cqe *out);

#endif
