/*
 * rtp/relay/uring.c — the raw io_uring ring behind uring.h: setup with
 * io_uring_setup(2), the three mmaps (SQ ring, CQ ring, SQE array), and the
 * head/tail protocol with acquire/release ordering that io_uring(7)
 * prescribes for a single submitter and a single reaper.
 */
#include "relay/uring.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

bool relay_uring_init(relay_uring *u, unsigned entries)
{
    return relay_uring_init_flags(u, entries, 0, 0);
}

bool relay_uring_init_flags(relay_uring *u, unsigned entries, unsigned cq_entries,
                            unsigned flags)
{
    memset(u, 0, sizeof(*u));
    u->fd = -1;
#ifdef __NR_io_uring_setup
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = flags;
    if (cq_entries) {
        p.flags |= IORING_SETUP_CQSIZE;
        p.cq_entries = cq_entries;
    }
    int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0)
        return false;
    u->fd = fd;
    u->sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    u->cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    u->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
    u->sq_ptr = mmap(NULL, u->sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                     IORING_OFF_SQ_RING);
    u->cq_ptr = mmap(NULL, u->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                     IORING_OFF_CQ_RING);
    u->sqes = mmap(NULL, u->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                   IORING_OFF_SQES);
    if (u->sq_ptr == MAP_FAILED || u->cq_ptr == MAP_FAILED || u->sqes == MAP_FAILED) {
        relay_uring_free(u);
        return false;
    }
    char *sq = u->sq_ptr, *cq = u->cq_ptr;
    u->sq_head = (unsigned *)(sq + p.sq_off.head);
    u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    u->sq_array = (unsigned *)(sq + p.sq_off.array);
    u->cq_head = (unsigned *)(cq + p.cq_off.head);
    u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    u->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    u->entries = p.sq_entries < entries ? p.sq_entries : entries;
    return true;
#else
    (void)entries;
    (void)cq_entries;
    (void)flags;
    errno = ENOSYS;
    return false;
#endif
}

void relay_uring_free(relay_uring *u)
{
    if (u->sq_ptr && u->sq_ptr != MAP_FAILED)
        munmap(u->sq_ptr, u->sq_size);
    if (u->cq_ptr && u->cq_ptr != MAP_FAILED)
        munmap(u->cq_ptr, u->cq_size);
    if (u->sqes && (void *)u->sqes != MAP_FAILED)
        munmap(u->sqes, u->sqes_size);
    if (u->fd >= 0)
        close(u->fd);
    memset(u, 0, sizeof(*u));
    u->fd = -1;
}

struct io_uring_sqe *relay_uring_sqe(relay_uring *u)
{
    if (u->queued >= u->entries)
        return NULL;
    unsigned tail = *u->sq_tail + u->queued;
    unsigned idx = tail & *u->sq_mask;
    struct io_uring_sqe *e = &u->sqes[idx];
    memset(e, 0, sizeof(*e));
    u->sq_array[idx] = idx;
    u->queued++;
    return e;
}

int relay_uring_submit_wait(relay_uring *u)
{
    unsigned n = u->queued;
    if (!n)
        return 0;
    unsigned start = *u->sq_tail;
    /* Publish the entries before the new tail (io_uring(7): release). */
    __atomic_store_n(u->sq_tail, start + n, __ATOMIC_RELEASE);
    u->queued = 0;
    /* Until the kernel has consumed all n entries and posted n completions
     * (the caller reaps every completion each round, so the CQ starts
     * empty). Counting from the rings rather than from return values keeps
     * this right after an EINTR that came after the submission. */
    for (int spins = 0;; spins++) {
        unsigned consumed = __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE) - start;
        unsigned ready = __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE) - *u->cq_head;
        if (consumed >= n && ready >= n)
            return (int)n;
        if (spins >= 1000) {
            errno = EIO; /* the kernel makes no progress: give the ring up */
            return -1;
        }
        long r = syscall(__NR_io_uring_enter, u->fd, consumed < n ? n - consumed : 0,
                         ready < n ? n - ready : 0, IORING_ENTER_GETEVENTS, NULL, 0);
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

bool relay_uring_cqe(relay_uring *u, struct io_uring_cqe *out)
{
    unsigned head = *u->cq_head;
    if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
        return false;
    *out = u->cqes[head & *u->cq_mask];
    __atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
    return true;
}

unsigned relay_uring_pending(const relay_uring *u)
{
    return *u->sq_tail + u->queued - __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE);
}

int relay_uring_enter(relay_uring *u, unsigned wait_nr, long timeout_ns)
{
    if (u->queued) {
        /* Publish the entries before the new tail (io_uring(7): release). */
        __atomic_store_n(u->sq_tail, *u->sq_tail + u->queued, __ATOMIC_RELEASE);
        u->queued = 0;
    }
    /* Entries a short submit left in the ring go again with the new ones. */
    unsigned to_submit = *u->sq_tail - __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE);
    struct __kernel_timespec ts = {.tv_sec = timeout_ns / 1000000000L,
                                   .tv_nsec = timeout_ns % 1000000000L};
    struct io_uring_getevents_arg arg = {.ts = (uint64_t)(uintptr_t)&ts};
    unsigned flags = IORING_ENTER_GETEVENTS;
    void *argp = NULL;
    size_t argsz = 0;
    if (timeout_ns >= 0 && wait_nr) {
        flags |= IORING_ENTER_EXT_ARG;
        argp = &arg;
        argsz = sizeof(arg);
    }
    long r = syscall(__NR_io_uring_enter, u->fd, to_submit, wait_nr, flags, argp, argsz);
    if (r < 0 && errno != EINTR && errno != ETIME && errno != EAGAIN && errno != EBUSY)
        return -1;
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
    void *mem = mmap(NULL, b->mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                     0);
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
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (uint64_t)(uintptr_t)br;
    reg.ring_entries = n;
    reg.bgid = bgid;
    if (syscall(__NR_io_uring_register, u->fd, IORING_REGISTER_PBUF_RING, &reg, 1) != 0) {
        int e = errno;
        munmap(br, b->br_size);
        munmap(mem, b->mem_size);
        memset(b, 0, sizeof(*b));
        errno = e;
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
    if (u->fd >= 0) {
        struct io_uring_buf_reg reg;
        memset(&reg, 0, sizeof(reg));
        reg.bgid = b->bgid;
        syscall(__NR_io_uring_register, u->fd, IORING_UNREGISTER_PBUF_RING, &reg, 1);
    }
    munmap(b->br, b->br_size);
    munmap(b->mem, b->mem_size);
    memset(b, 0, sizeof(*b));
}

void relay_uring_bufs_put(relay_uring_bufs *b, unsigned bid)
{
    struct io_uring_buf *e = &b->br->bufs[b->tail & (b->n - 1)];
    e->addr = (uint64_t)(uintptr_t)relay_uring_buf(b, bid);
    e->len = b->size;
    e->bid = (unsigned short)bid;
    b->tail++;
}

void relay_uring_bufs_publish(relay_uring_bufs *b)
{
    /* The entries before the tail (io_uring_buf_ring_advance: release). */
    __atomic_store_n(&b->br->tail, b->tail, __ATOMIC_RELEASE);
}
