/*
 * rtp/relay/uring.h — a thin io_uring submission/completion ring for
 * srtpd's workers on liburing (the ring setup, memory ordering and
 * io_uring_enter flags are liburing's), and a provided-buffer ring (IORING_REGISTER_PBUF_RING)
 * that multishot receives pick their buffers from. A worker uses it to
 * receive from all its sockets and send to many sockets with one
 * io_uring_enter per round instead of one recvmmsg and one sendmmsg per
 * socket. Single-threaded: only the owning worker touches a ring. When the
 * kernel refuses io_uring (old kernel, seccomp, io_uring_disabled), the
 * init functions fail and the worker keeps its recvmmsg/sendmmsg path.
 */
#ifndef SDESGATE_RELAY_URING_H
#define SDESGATE_RELAY_URING_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct relay_uring {
    int fd; /* the ring's fd; -1 when not set up */
    struct io_uring ring;
    unsigned entries; /* at most this many queued entries (what was asked) */
} relay_uring;

/* A provided-buffer ring: n buffers of size bytes each (n a power of two),
 * group bgid; the kernel takes one per received datagram, the owner gives
 * it back with relay_uring_bufs_put + relay_uring_bufs_publish. */
typedef struct relay_uring_bufs {
    struct io_uring_buf_ring *br;
    unsigned char *mem;
    size_t br_size, mem_size;
    unsigned n, size;
    unsigned short bgid;
    unsigned added; /* buffers put since the last publish */
} relay_uring_bufs;

/* Sets up a ring of at least `entries` submissions with io_uring_setup
 * flags (IORING_SETUP_*) and, when cq_entries is not 0, that many
 * completion entries (IORING_SETUP_CQSIZE). false (errno set) when the
 * kernel refuses io_uring or the flags (u->fd is then -1 and
 * relay_uring_free is still safe). */
bool relay_uring_init_flags(relay_uring *u, unsigned entries, unsigned cq_entries, unsigned flags);
void relay_uring_free(relay_uring *u);
/* A zeroed submission entry, or NULL when `entries` are already queued. */
struct io_uring_sqe *relay_uring_sqe(relay_uring *u);
/* Takes the next completion into *out; false when there is none. */
bool relay_uring_cqe(relay_uring *u, struct io_uring_cqe *out);

/* One io_uring_enter: submits every queued entry (and any the kernel left
 * unconsumed before), then waits until wait_nr completions are ready or
 * timeout_ns passed (timeout_ns < 0: no timeout; wait_nr 0: no wait, but
 * deferred task work still runs). Returns 0, or -1 (errno set) when the
 * ring failed; an interrupted or timed-out wait is not a failure. */
int relay_uring_enter(relay_uring *u, unsigned wait_nr, long timeout_ns);
/* Entries queued or published but not yet consumed by the kernel. */
unsigned relay_uring_pending(const relay_uring *u);

/* Registers n buffers of size bytes as group bgid, all given to the kernel.
 * false (errno set) when the kernel has no provided-buffer rings. */
bool relay_uring_bufs_init(relay_uring *u, relay_uring_bufs *b, unsigned n, unsigned size,
                           unsigned short bgid);
void relay_uring_bufs_free(relay_uring *u, relay_uring_bufs *b);
/* The address of buffer bid. */
static inline unsigned char *relay_uring_buf(const relay_uring_bufs *b, unsigned bid)
{
    return b->mem + (size_t)bid * b->size;
}
/* Gives buffer bid back (visible to the kernel after _publish). */
void relay_uring_bufs_put(relay_uring_bufs *b, unsigned bid);
void relay_uring_bufs_publish(relay_uring_bufs *b);

#endif
