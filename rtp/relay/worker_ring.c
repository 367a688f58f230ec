/*
 * rtp/relay/worker_ring.c — a worker's packet loop on one io_uring with
 * multishot receives (see worker.h): every socket of the worker has one
 * IORING_OP_RECVMSG armed with IORING_RECV_MULTISHOT that takes its buffers
 * from a provided-buffer ring, so a datagram arriving on any socket becomes
 * a completion without a system call of its own; every packet to send is a
 * IORING_OP_SEND queued in the same ring. One io_uring_enter per round then
 * submits all the round's sends (on every socket: sendmmsg cannot batch
 * across sockets) and waits for the next completions. The ring is set up
 * with SINGLE_ISSUER + DEFER_TASKRUN, so the receives themselves run in the
 * worker's own io_uring_enter, in one batch, instead of in the sender's
 * softirq, and the kernel wakes the worker only when the completions it
 * waits for are there (adaptive coalescing as in the epoll loop: under load
 * its rounds start coalesce-us apart, relay_ring_timeout, or sooner once
 * RELAY_RING_WAIT_MAX packets are there).
 *
 * Properties kept from the epoll loop: no allocation or lock per packet
 * (buffers, slots and send records are allocated when the worker starts);
 * a burst never disables a socket (a receive that ran out of buffers,
 * -ENOBUFS, leaves the datagrams queued in the socket and is armed again as
 * soon as buffers are back; the kernel takes at most 32 datagrams from one
 * socket before it serves the next); SO_RXQ_OVFL drops are counted from
 * each datagram's control data; latching and every check stay in
 * relay_process.
 *
 * Packets toward a peer leave through the leg's connected twin socket once
 * it exists (worker_twin.c): the kernel then keeps the route instead of
 * looking it up for every datagram; the twin is one more receive socket of
 * the leg (the peer's own packets arrive on it).
 *
 * Completions name their socket by slot (address family and local port)
 * and the slot's generation, never by pointer: a completion that arrives
 * after its stream was detached (and maybe freed) finds a newer generation
 * and only gives its buffer back.
 */
#include "relay/uring.h"
#include "relay/worker_priv.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define RELAY_RING_BUFS 1024 /* receive buffers per worker (power of two) */
#define RELAY_RING_SQ   1024
#define RELAY_RING_CQ   8192
#define RELAY_RING_BGID 7
/* Under load: wake before the window ends once this many packets are
 * ready. Past a few tens per wake-up the wake-up cost is spread thin, while
 * a round's work (and so the wait of the packets that arrive during it)
 * grows with its size: 64 keeps a round under about 300 us of work at
 * srtpd's highest loss-free rates on this box. */
#define RELAY_RING_WAIT_MAX 64
#define RELAY_RING_REARM_NS 100000L /* longest wait while receives wait for buffers */
/* A multishot recvmsg buffer: struct io_uring_recvmsg_out, then the name
 * area (a sockaddr_in6, 28 bytes, rounded), the control area (SO_RXQ_OVFL),
 * then the datagram with RELAY_BUF_SIZE of room (SRTP trailer in place). */
#define RELAY_RING_NAMELEN 32u
#define RELAY_RING_CTLLEN  ((unsigned)CMSG_SPACE(sizeof(uint32_t)))
#define RELAY_RING_PAYLOAD \
    ((unsigned)sizeof(struct io_uring_recvmsg_out) + RELAY_RING_NAMELEN + RELAY_RING_CTLLEN)
#define RELAY_RING_BUFSZ ((RELAY_RING_PAYLOAD + RELAY_BUF_SIZE + 63u) & ~63u)
#define RELAY_RING_SLOTS (4 * 65536) /* [twin][v6][local port] */

/* user_data: the kind in the low byte; a receive carries slot and
 * generation, a send its buffer id. */
enum { RELAY_UD_RECV = 1, RELAY_UD_SEND, RELAY_UD_POLL, RELAY_UD_CANCEL };

typedef struct relay_ring_slot {
    relay_sock *rs; /* NULL when free */
    uint32_t gen;   /* bumped at every attach and detach */
    bool armed;     /* a multishot receive is in flight */
    bool queued;    /* in the re-arm list */
} relay_ring_slot;

/* A buffer whose packet is being sent: what the send's completion needs. */
typedef struct relay_ring_send {
    uint32_t slot, gen; /* the receiving socket: its stream holds both legs */
    relay_out o;
    uint32_t len;
    struct sockaddr_storage to;
    socklen_t tolen;
    struct msghdr mh; /* IORING_OP_SENDMSG, on kernels whose SEND takes no address */
    struct iovec iov;
} relay_ring_send;

struct relay_ring {
    relay_uring u;
    relay_uring_bufs b;
    struct msghdr tmpl;     /* the multishot template: name and control sizes */
    relay_ring_slot *slots; /* [RELAY_RING_SLOTS] */
    uint32_t *rearm;        /* slots to arm, [RELAY_RING_SLOTS] */
    unsigned nrearm;
    relay_ring_send snd[RELAY_RING_BUFS];
    unsigned held;  /* buffers out of the kernel's ring, with us */
    unsigned sends; /* sends queued since the last io_uring_enter */
    bool dirty;     /* buffers given back, not yet published */
    bool use_sendmsg;
    bool poll_armed;
    bool failed;
    bool twins;                  /* send through connected twins (worker_twin.c) */
    struct sockaddr_storage src; /* the current datagram's source */
    /* Coalescing (relay_ring_timeout): when the last io_uring_enter was
     * called, and the wait timeout that holds the rounds coalesce-us apart. */
    int64_t enter_ns;
    long tmo_ns;
};

/*
 * Under load, how long this round's io_uring_enter may wait (0: do not
 * wait; -1: not coalescing). A round is one io_uring_enter plus srtpd's
 * work on what it returned, and most of the round's kernel work happens
 * inside that call, around the wait: first the sends of the last round
 * (with their loopback delivery), after the wait the receives' deferred
 * task work. Measured at 60k packets/s: the wait timed out at 500 us but
 * the call took 650-750 us, the work outside it 30-60 us; a window timed
 * from the call's return (relay_coalesce_left) still made 700 us rounds.
 * So the timeout is steered by the period between the calls themselves:
 * each round it changes by how far the last period missed coalesce-us,
 * within [0, coalesce-us]; rounds start coalesce-us apart once the
 * kernel's share is steady, and a packet waits at most about coalesce-us
 * plus one round's work.
 */
static long relay_ring_timeout(relay_worker *w, relay_ring *r)
{
    int64_t now = relay_now_ns(), period = now - r->enter_ns;
    r->enter_ns = now;
    if (!w->coalesce) {
        r->tmo_ns = w->coalesce_ns;
        return -1;
    }
    long t = r->tmo_ns + (long)(w->coalesce_ns - period);
    if (period > 10 * (int64_t)w->coalesce_ns) /* the first round under load */
        t = w->coalesce_ns;
    r->tmo_ns = t < 0 ? 0 : t > w->coalesce_ns ? w->coalesce_ns : t;
    return r->tmo_ns;
}

static uint32_t relay_ring_slot_of(const relay_sock *rs)
{
    const relay_leg *x = &rs->stream->leg[rs->leg];
    return (rs->twin ? 2u * 65536u : 0u) | (x->family == AF_INET6 ? 65536u : 0u) | rs->port;
}

/* A submission entry; when the ring is full, what is queued goes first. */
static struct io_uring_sqe *relay_ring_sqe(relay_ring *r)
{
    struct io_uring_sqe *e = relay_uring_sqe(&r->u);
    if (e)
        return e;
    if (relay_uring_enter(&r->u, 0, -1) != 0) {
        r->failed = true;
        return NULL;
    }
    r->sends = 0; /* their completions are posted already: not waited for */
    return relay_uring_sqe(&r->u);
}

static void relay_ring_recycle(relay_ring *r, unsigned bid)
{
    relay_uring_bufs_put(&r->b, bid);
    r->held--;
    r->dirty = true;
}

static void relay_ring_queue_arm(relay_ring *r, uint32_t slot)
{
    if (r->slots[slot].queued)
        return;
    r->slots[slot].queued = true;
    r->rearm[r->nrearm++] = slot;
}

/* Arms the multishot receives in the re-arm list. While most buffers are
 * with us (their sends not completed yet) arming would only fail with
 * -ENOBUFS again, so the list waits for the next round. */
static void relay_ring_arm_pending(relay_ring *r)
{
    if (r->held > RELAY_RING_BUFS / 2)
        return;
    unsigned k = 0;
    for (; k < r->nrearm; k++) {
        uint32_t slot = r->rearm[k];
        relay_ring_slot *sl = &r->slots[slot];
        if (!sl->rs || sl->armed) {
            sl->queued = false;
            continue;
        }
        struct io_uring_sqe *e = relay_ring_sqe(r);
        if (!e)
            break;
        e->opcode = IORING_OP_RECVMSG;
        e->fd = sl->rs->fd;
        e->addr = (uint64_t)(uintptr_t)&r->tmpl;
        e->len = 1;
        e->ioprio = IORING_RECV_MULTISHOT;
        e->flags = IOSQE_BUFFER_SELECT;
        e->buf_group = RELAY_RING_BGID;
        e->user_data = RELAY_UD_RECV | (uint64_t)slot << 8 | (uint64_t)sl->gen << 32;
        sl->armed = true;
        sl->queued = false;
    }
    memmove(r->rearm, r->rearm + k, (r->nrearm - k) * sizeof(r->rearm[0]));
    r->nrearm -= k;
}

static void relay_ring_arm_poll(relay_worker *w, relay_ring *r)
{
    struct io_uring_sqe *e = relay_ring_sqe(r);
    if (!e)
        return;
    e->opcode = IORING_OP_POLL_ADD;
    e->fd = w->pipe_r;
    e->len = IORING_POLL_ADD_MULTI;
    e->poll32_events = POLLIN;
    e->user_data = RELAY_UD_POLL;
    r->poll_armed = true;
}

/* Queues the send of buffer bid's packet; false when no entry was left. */
static bool relay_ring_send_bid(relay_ring *r, unsigned bid)
{
    relay_ring_send *sd = &r->snd[bid];
    struct io_uring_sqe *e = relay_ring_sqe(r);
    if (!e)
        return false;
    uint8_t *p = relay_uring_buf(&r->b, bid) + RELAY_RING_PAYLOAD;
    e->fd = sd->o.fd;
    e->msg_flags = MSG_DONTWAIT;
    e->user_data = RELAY_UD_SEND | (uint64_t)bid << 8;
    if (!r->use_sendmsg) {
        e->opcode = IORING_OP_SEND;
        e->addr = (uint64_t)(uintptr_t)p;
        e->len = sd->len;
        if (sd->tolen) { /* 0: a connected twin, no address */
            e->addr2 = (uint64_t)(uintptr_t)&sd->to;
            e->addr_len = (uint16_t)sd->tolen;
        }
    } else {
        sd->iov.iov_base = p;
        sd->iov.iov_len = sd->len;
        memset(&sd->mh, 0, sizeof(sd->mh));
        sd->mh.msg_name = sd->tolen ? &sd->to : NULL;
        sd->mh.msg_namelen = sd->tolen;
        sd->mh.msg_iov = &sd->iov;
        sd->mh.msg_iovlen = 1;
        e->opcode = IORING_OP_SENDMSG;
        e->addr = (uint64_t)(uintptr_t)&sd->mh;
        e->len = 1;
    }
    r->sends++;
    return true;
}

/* A datagram in buffer bid from slot's socket: relay it or drop it. */
static int relay_ring_recv(relay_worker *w, relay_ring *r, const struct io_uring_cqe *c,
                           uint32_t slot, uint32_t gen)
{
    relay_ring_slot *sl = &r->slots[slot];
    bool live = sl->rs && sl->gen == gen;
    if (!(c->flags & IORING_CQE_F_MORE) && live) {
        /* The multishot receive ended (-ENOBUFS, or an error): arm it again. */
        sl->armed = false;
        relay_ring_queue_arm(r, slot);
    }
    if (!(c->flags & IORING_CQE_F_BUFFER))
        return 0;
    unsigned bid = c->flags >> IORING_CQE_BUFFER_SHIFT;
    if (bid >= RELAY_RING_BUFS)
        return 0; /* not one of ours: the kernel only hands out ids we gave */
    r->held++;
    if (!live || c->res < (int)RELAY_RING_PAYLOAD) {
        relay_ring_recycle(r, bid);
        return 0;
    }
    relay_sock *rs = sl->rs;
    relay_leg *x = &rs->stream->leg[rs->leg];
    uint8_t *buf = relay_uring_buf(&r->b, bid);
    struct io_uring_recvmsg_out out;
    memcpy(&out, buf, sizeof(out));
    uint8_t *name = buf + sizeof(out), *ctl = name + RELAY_RING_NAMELEN;
    uint8_t *p = buf + RELAY_RING_PAYLOAD;
    size_t got = (size_t)c->res - RELAY_RING_PAYLOAD;
    int mflags = (int)out.flags;
    if (out.payloadlen > got)
        mflags |= MSG_TRUNC;
    w->t.packets_in++;
    struct msghdr cm = {.msg_control = ctl,
                        .msg_controllen = out.controllen < RELAY_RING_CTLLEN ? out.controllen
                                                                             : RELAY_RING_CTLLEN};
    relay_kernel_drops(rs, x, &cm);
    socklen_t nl = out.namelen < RELAY_RING_NAMELEN ? out.namelen : RELAY_RING_NAMELEN;
    memcpy(&r->src, name, RELAY_RING_NAMELEN);
    relay_ring_send *sd = &r->snd[bid];
    size_t olen = relay_process(w, rs, p, got, mflags, &r->src, nl, &sd->o);
    if (!olen) {
        w->t.drops++;
        relay_ring_recycle(r, bid);
        return 1;
    }
    relay_leg *y = sd->o.leg;
    /* With rtcp-mux, RTCP goes to the peer's RTP address (RFC 5761 §4).
     * The address is copied: the send may be submitted after a job has
     * moved or freed the leg. */
    const struct sockaddr_storage *to = (sd->o.rtcp && !y->rtcp_mux) ? &y->peer_rtcp : &y->peer_rtp;
    memcpy(&sd->to, to, y->peer_len <= sizeof(sd->to) ? y->peer_len : sizeof(sd->to));
    sd->tolen = y->peer_len;
    /* RTP (and muxed RTCP) leaves from the leg's connected twin when it
     * has one: the kernel keeps that socket's route (worker_twin.c). */
    if (r->twins && (!sd->o.rtcp || y->rtcp_mux)) {
        int tfd = relay_twin_fd(w, y, to, y->peer_len);
        if (tfd >= 0) {
            sd->o.fd = tfd;
            sd->tolen = 0;
        }
    }
    sd->slot = slot;
    sd->gen = gen;
    sd->len = (uint32_t)olen;
    if (!relay_ring_send_bid(r, bid)) {
        x->c.drop[RELAY_DROP_SEND]++;
        relay_ring_recycle(r, bid);
    }
    return 1;
}

static void relay_ring_sent(relay_worker *w, relay_ring *r, const struct io_uring_cqe *c)
{
    unsigned bid = (unsigned)(c->user_data >> 8) & 0xffffffu;
    if (bid >= RELAY_RING_BUFS)
        return;
    relay_ring_send *sd = &r->snd[bid];
    relay_ring_slot *sl = &r->slots[sd->slot];
    bool live = sl->rs && sl->gen == sd->gen;
    if (live && !r->use_sendmsg && (c->res == -EINVAL || c->res == -EDESTADDRREQ)) {
        /* A kernel whose IORING_OP_SEND ignores the address (before
         * sendto support): the same packet again as a SENDMSG. */
        r->use_sendmsg = true;
        if (relay_ring_send_bid(r, bid))
            return;
    }
    if (live) {
        if (c->res >= 0)
            relay_count_out(w, &sd->o, sd->len);
        else
            sd->o.leg->c.drop[RELAY_DROP_SEND]++;
    }
    relay_ring_recycle(r, bid);
}

/* Takes every completion; returns the packets received. jobs is set when
 * the job pipe became readable. */
static int relay_ring_reap(relay_worker *w, relay_ring *r, bool *jobs)
{
    int pkts = 0;
    struct io_uring_cqe c;
    while (relay_uring_cqe(&r->u, &c)) {
        switch (c.user_data & 0xff) {
        case RELAY_UD_RECV:
            /* Jobs posted before this packet came run before it (a new key
             * in force for the packet a peer sent after the reply). */
            if (relay_jobs_waiting(w))
                relay_jobs_first(w);
            pkts += relay_ring_recv(w, r, &c, (uint32_t)(c.user_data >> 8) & 0x3ffffu,
                                    (uint32_t)(c.user_data >> 32));
            break;
        case RELAY_UD_SEND:
            relay_ring_sent(w, r, &c);
            break;
        case RELAY_UD_POLL:
            *jobs = true;
            if (!(c.flags & IORING_CQE_F_MORE))
                r->poll_armed = false;
            break;
        default: /* RELAY_UD_CANCEL: nothing to do */
            break;
        }
    }
    return pkts;
}

/* The ring failed (it should not): every socket goes back to epoll and the
 * worker continues in the epoll loop; what the ring held is lost. */
static void relay_ring_abandon(relay_worker *w, relay_ring *r)
{
    for (uint32_t i = 0; i < RELAY_RING_SLOTS; i++) {
        relay_sock *rs = r->slots[i].rs;
        if (!rs)
            continue;
        relay_epoll_add(w->ep, rs);
        r->slots[i].rs = NULL;
    }
    w->ring_mode = false;
}

void relay_ring_main(relay_worker *w)
{
    relay_ring *r = w->rg;
    while (!w->stop && !r->failed) {
        if (!r->poll_armed)
            relay_ring_arm_poll(w, r);
        relay_ring_arm_pending(r);
        if (r->dirty) {
            relay_uring_bufs_publish(&r->b);
            r->dirty = false;
        }
        /* The round's sends complete during the submit and post their
         * completions at once: wait for that many plus what we came for.
         * With receives still to arm (they wait for the buffers those sends
         * give back) wait for no more than the sends, and never long. */
        long left = relay_ring_timeout(w, r);
        unsigned extra = left > 0 ? RELAY_RING_WAIT_MAX : left == 0 ? 0 : 1;
        long timeout = left > 0 ? left : -1;
        if (r->nrearm) {
            extra = r->sends ? 0 : 1;
            timeout = RELAY_RING_REARM_NS;
        }
        unsigned wait = r->sends + extra;
        r->sends = 0;
        if (relay_uring_enter(&r->u, wait, timeout) != 0) {
            r->failed = true;
            break;
        }
        w->t.wakeups++;
        int64_t now_ns = relay_now_ns();
        w->round_ns = now_ns;
        w->now_ms = now_ns / 1000000;
        bool jobs = false;
        int pkts = relay_ring_reap(w, r, &jobs);
        if (pkts)
            w->t.batches++;
        if (jobs) {
            /* Jobs may detach streams whose fds the control thread then
             * closes: every queued send goes out first (relay_ring_detach
             * also flushes what this reap queues). */
            if (relay_uring_pending(&r->u)) {
                if (relay_uring_enter(&r->u, 0, -1) != 0) {
                    r->failed = true;
                    break;
                }
                r->sends = 0;
                pkts += relay_ring_reap(w, r, &jobs);
            }
            relay_run_jobs(w);
        }
        /* Jobs run mid-round (relay_jobs_first) are posted now, and the
         * control thread may then close what they detached: the sends this
         * round queued after them name their sockets by fd, so they go out
         * first (relay_ring_detach flushed those queued before). */
        if (w->nheld && relay_uring_pending(&r->u)) {
            if (relay_uring_enter(&r->u, 0, -1) != 0) {
                r->failed = true;
                break; /* released below */
            }
            r->sends = 0;
        }
        relay_jobs_release(w);
        relay_rate_update(w, now_ns, pkts);
    }
    /* A round the ring failed in may have held jobs: the control thread
     * waits for them. */
    relay_jobs_release(w);
    if (r->failed && !w->stop)
        relay_ring_abandon(w, r);
}

bool relay_ring_attach(relay_worker *w, relay_sock *rs)
{
    relay_ring *r = w->rg;
    uint32_t slot = relay_ring_slot_of(rs);
    relay_ring_slot *sl = &r->slots[slot];
    if (sl->rs)
        return false; /* the same family and port twice on one worker: cannot happen */
    sl->rs = rs;
    sl->gen++;
    sl->armed = false;
    relay_ring_queue_arm(r, slot);
    return true;
}

void relay_ring_detach(relay_worker *w, relay_sock *rs)
{
    relay_ring *r = w->rg;
    uint32_t slot = relay_ring_slot_of(rs);
    relay_ring_slot *sl = &r->slots[slot];
    if (sl->rs != rs)
        return;
    /* The armed receive's user_data (relay_ring_queue_arm) before the
     * generation moves on. */
    uint64_t armed_ud = RELAY_UD_RECV | (uint64_t)slot << 8 | (uint64_t)sl->gen << 32;
    sl->rs = NULL;
    sl->gen++;
    if (sl->armed) {
        sl->armed = false;
        /* Cancel now: an armed receive would keep the socket (and its
         * port) alive after the control thread closes the fd. By its
         * user_data, a hash lookup in the kernel: cancelling by fd walks
         * every armed receive of the ring, which made deleting N calls
         * O(N^2) (1.2 s at 3,500 calls). */
        struct io_uring_sqe *e = relay_ring_sqe(r);
        if (e) {
            e->opcode = IORING_OP_ASYNC_CANCEL;
            e->addr = armed_ud;
            e->cancel_flags = IORING_ASYNC_CANCEL_ALL;
            e->user_data = RELAY_UD_CANCEL;
        }
    }
    /* Everything queued goes out before this job returns: a queued send
     * names its socket by fd, and the control thread closes the fd (which
     * a new socket may then reuse) right after the job. */
    if (relay_uring_pending(&r->u)) {
        if (relay_uring_enter(&r->u, 0, -1) != 0)
            r->failed = true;
        r->sends = 0;
    }
}

bool relay_ring_start(relay_worker *w, bool twins)
{
    relay_ring *r = calloc(1, sizeof(*r));
    if (!r)
        return false;
    r->u.fd = -1;
    r->slots = calloc(RELAY_RING_SLOTS, sizeof(r->slots[0]));
    r->rearm = calloc(RELAY_RING_SLOTS, sizeof(r->rearm[0]));
    /* SINGLE_ISSUER + DEFER_TASKRUN (Linux 6.1): completions are produced
     * in this thread's io_uring_enter, in a batch; older kernels refuse the
     * flags and the worker keeps the epoll loop. */
    if (!r->slots || !r->rearm ||
        !relay_uring_init_flags(&r->u, RELAY_RING_SQ, RELAY_RING_CQ,
                                IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN) ||
        !relay_uring_bufs_init(&r->u, &r->b, RELAY_RING_BUFS, RELAY_RING_BUFSZ, RELAY_RING_BGID)) {
        relay_uring_free(&r->u);
        free(r->slots);
        free(r->rearm);
        free(r);
        return false;
    }
    r->tmpl.msg_namelen = RELAY_RING_NAMELEN;
    r->tmpl.msg_controllen = RELAY_RING_CTLLEN;
    r->twins = twins;
    w->rg = r;
    w->ring_mode = true;
    return true;
}

void relay_ring_stop(relay_worker *w)
{
    relay_ring *r = w->rg;
    if (!r)
        return;
    relay_uring_bufs_free(&r->u, &r->b);
    relay_uring_free(&r->u);
    free(r->slots);
    free(r->rearm);
    free(r);
    w->rg = NULL;
    w->ring_mode = false;
}
