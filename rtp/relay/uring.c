/*
 * rtp/relay/uring.c — uring.h on liburing: setup, submission and
 * completion use liburing's calls, so the ring's memory ordering is
 * liburing's, not ours. What stays here is the behaviour srtpd's
 * multishot loop (worker_ring.c) relies on: a cap on queued entries, and
 * one enter that submits and waits with a timeout or only runs deferred
 * task work.
 */
#include "relay/uring.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

bool relay_uring_init_flags(relay_uring *u, unsigned entries, unsigned cq_entries, unsigned flags)
{
    struct io_uring_params p;
    memset(u, 0, sizeof(*u));
    u->fd = -1;
    memset(&p, 0, sizeof(p));
    p.flags = flags;
    if (cq_entries) {
        p.flags |= IORING_SETUP_CQSIZE;
        p.cq_entries = cq_entries;
    }
    int r = io_uring_queue_init_params(entries, &u->ring, &p);
    if (r < 0) {
        memset(u, 0, sizeof(*u));
        u->fd = -1;
        errno = -r;
        return false;
    }
    u->fd = u->ring.ring_fd;
    u->entries = p.sq_entries < entries ? p.sq_entries : entries;
    return true;
}

void relay_uring_free(relay_uring *u)
{
    if (u->fd >= 0)
        io_uring_queue_exit(&u->ring);
    memset(u, 0, sizeof(*u));
    u->fd = -1;
}

struct io_uring_sqe *relay_uring_sqe(relay_uring *u)
{
    if (io_uring_sq_ready(&u->ring) >= u->entries)
        return NULL;
    struct io_uring_sqe *e = io_uring_get_sqe(&u->ring);
    /* Callers fill fields by hand as well as with io_uring_prep_*: start
     * from zero so no field of an earlier use leaks into this one. */
    if (e)
        memset(e, 0, sizeof(*e));
    return e;
}

unsigned relay_uring_pending(const relay_uring *u)
{
    return u->ring.sq.sqe_tail - io_uring_smp_load_acquire(u->ring.sq.khead);
}

bool relay_uring_cqe(relay_uring *u, struct io_uring_cqe *out)
{
    struct io_uring_cqe *c = NULL;
    if (io_uring_peek_cqe(&u->ring, &c) != 0 || !c)
        return false;
    *out = *c;
    io_uring_cqe_seen(&u->ring, c);
    return true;
}

int relay_uring_enter(relay_uring *u, unsigned wait_nr, long timeout_ns)
{
    int r;
    if (!wait_nr) {
        /* Always enters with GETEVENTS: DEFER_TASKRUN work runs only then. */
        r = io_uring_submit_and_get_events(&u->ring);
    } else if (timeout_ns < 0) {
        r = io_uring_submit_and_wait(&u->ring, wait_nr);
    } else {
        struct __kernel_timespec ts = {.tv_sec = timeout_ns / 1000000000L,
                                       .tv_nsec = timeout_ns % 1000000000L};
        struct io_uring_cqe *c = NULL;
        r = io_uring_submit_and_wait_timeout(&u->ring, &c, wait_nr, &ts, NULL);
    }
    if (r < 0 && r != -EINTR && r != -ETIME && r != -EAGAIN && r != -EBUSY) {
        errno = -r;
        return -1;
    }
    return 0;
}

bool relay_uring_bufs_init(relay_uring *u, relay_uring_bufs *b, unsigned n, unsigned size,
                           unsigned short bgid)
{
    memset(b, 0, sizeof(*b));
    b->n = n;
    b->size = size;
    b->bgid = bgid;
    b->br_size = (size_t)n * sizeof(struct io_uring_buf);
    b->mem_size = (size_t)n * size;
    /* The ring must be page-aligned (io_uring_register(2)); mmap gives
     * pages, and the buffers are allocated once here, never per packet. */
    void *br = mmap(NULL, b->br_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *mem = mmap(NULL, b->mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (br == MAP_FAILED || mem == MAP_FAILED) {
        if (br != MAP_FAILED)
            munmap(br, b->br_size);
        if (mem != MAP_FAILED)
            munmap(mem, b->mem_size);
        memset(b, 0, sizeof(*b));
        return false;
    }
    b->br = br;
    b->mem = mem;
    io_uring_buf_ring_init(b->br);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (uint64_t)(uintptr_t)br;
    reg.ring_entries = n;
    reg.bgid = bgid;
    int r = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (r != 0) {
        munmap(br, b->br_size);
        munmap(mem, b->mem_size);
        memset(b, 0, sizeof(*b));
        errno = -r;
        return false;
    }
    for (unsigned i = 0; i < n; i++)
        relay_uring_bufs_put(b, i);
    relay_uring_bufs_publish(b);
    return true;
}

void relay_uring_bufs_free(relay_uring *u, relay_uring_bufs *b)
{
    if (!b->br)
        return;
    if (u->fd >= 0)
        io_uring_unregister_buf_ring(&u->ring, b->bgid);
    munmap(b->br, b->br_size);
    munmap(b->mem, b->mem_size);
    memset(b, 0, sizeof(*b));
}

void relay_uring_bufs_put(relay_uring_bufs *b, unsigned bid)
{
    io_uring_buf_ring_add(b->br, relay_uring_buf(b, bid), b->size, (unsigned short)bid,
                          io_uring_buf_ring_mask(b->n), (int)b->added++);
}

void relay_uring_bufs_publish(relay_uring_bufs *b)
{
    io_uring_buf_ring_advance(b->br, (int)b->added);
    b->added = 0;
}
