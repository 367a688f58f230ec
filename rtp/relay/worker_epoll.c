/*
 * rtp/relay/worker_epoll.c — a worker's epoll loop (see worker.h): what
 * srtpd runs on a kernel without multishot io_uring (or with
 * SRTPD_NO_MULTISHOT=1), and where the multishot loop falls back to if its
 * ring fails. Level-triggered epoll over the worker's sockets and its job
 * pipe; recvmmsg batches sized per socket, sendmmsg with UDP GSO runs. Its
 * state (relay_epoll) is its own: batch headers and buffers, per-port
 * receive sizes.
 *
 * It uses no io_uring at all: it is the loop of a kernel or a sandbox
 * without it (seccomp, io_uring_disabled). An io_uring round for quiet
 * sockets (one RECVMSG each, one io_uring_enter for all) was dropped: it
 * could only run on a kernel with io_uring but without multishot receives
 * (5.1 to 6.0), which no supported system has (Debian 12: 6.1), and it
 * measured within the noise of plain recvmmsg (docs/benchmarks.md,
 * "Which loops").
 */
#include "relay/worker_priv.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct relay_epoll {
    int epfd; /* the worker's sockets and its job pipe (data.ptr NULL) */
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
    uint8_t buf[RELAY_BATCH][RELAY_BUF_SIZE];
};

/* The receive headers point at fixed buffers; set them up once. Between
 * calls only what the kernel writes back (name and control lengths, flags)
 * is reset, and only in the entries the last call filled. */
static void relay_in_init(relay_epoll *e)
{
    for (int i = 0; i < RELAY_BATCH; i++) {
        e->iov_in[i].iov_base = e->buf[i];
        e->iov_in[i].iov_len = RELAY_PKT_MAX + 1;
        struct msghdr *h = &e->in[i].msg_hdr;
        memset(h, 0, sizeof(*h));
        h->msg_name = &e->src[i];
        h->msg_namelen = sizeof(e->src[i]);
        h->msg_iov = &e->iov_in[i];
        h->msg_iovlen = 1;
        h->msg_control = e->cmsg[i];
        h->msg_controllen = sizeof(e->cmsg[i]);
    }
    e->in_used = 0;
}

static void relay_in_reset(relay_epoll *e)
{
    for (int i = 0; i < e->in_used; i++) {
        struct msghdr *h = &e->in[i].msg_hdr;
        h->msg_namelen = sizeof(e->src[i]);
        h->msg_controllen = sizeof(e->cmsg[i]);
        h->msg_flags = 0;
    }
    e->in_used = 0;
}

static void relay_count_sent(relay_worker *w, relay_epoll *e, int k)
{
    relay_leg *l = e->outinfo[k].leg;
    if (e->outinfo[k].rtcp)
        l->c.rtcp_out++;
    else
        l->c.rtp_out++;
    l->c.bytes_out += e->iov_out[k].iov_len;
    w->t.packets_out++;
}

/* Sends messages gout[from..to) (all through one socket) with sendmmsg;
 * a message that fails is retried packet by packet without GSO (and GSO is
 * switched off for good when the kernel refuses it), then counted. */
static void relay_send_run(relay_worker *w, relay_epoll *e, int from, int to)
{
    int fd = e->outinfo[e->gfirst[from]].fd;
    int done = from;
    while (done < to) {
        int r = sendmmsg(fd, &e->gout[done], (unsigned)(to - done), MSG_DONTWAIT);
        if (r > 0) {
            for (int g = done; g < done + r; g++) {
                w->t.gso_sends += e->gcount[g] > 1;
                for (int k = e->gfirst[g]; k < e->gfirst[g] + e->gcount[g]; k++)
                    relay_count_sent(w, e, k);
            }
            done += r;
            continue;
        }
        /* gout[done] failed. */
        if (e->gcount[done] > 1) {
            if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT || errno == EOPNOTSUPP)
                e->no_gso = true;
            for (int k = e->gfirst[done]; k < e->gfirst[done] + e->gcount[done]; k++) {
                if (sendmmsg(fd, &e->out[k], 1, MSG_DONTWAIT) == 1)
                    relay_count_sent(w, e, k);
                else
                    e->outinfo[k].leg->c.drop[RELAY_DROP_SEND]++;
            }
        } else {
            e->outinfo[e->gfirst[done]].leg->c.drop[RELAY_DROP_SEND]++;
        }
        done++;
    }
}

/* Groups out[0..nout) into messages: consecutive packets through the same
 * socket to the same peer with the same size (the last may be shorter)
 * become one UDP_SEGMENT message; the kernel splits it back into the same
 * datagrams, after one trip down the stack instead of one per packet. */
static int relay_group(relay_epoll *e, int nout)
{
    int ng = 0;
    for (int k = 0; k < nout;) {
        int c = 1;
        size_t seg = e->iov_out[k].iov_len, total = seg;
        while (!e->no_gso && k + c < nout && e->outinfo[k + c].fd == e->outinfo[k].fd &&
               e->out[k + c].msg_hdr.msg_name == e->out[k].msg_hdr.msg_name &&
               e->iov_out[k + c - 1].iov_len == seg && e->iov_out[k + c].iov_len <= seg &&
               total + e->iov_out[k + c].iov_len <= 60000) {
            total += e->iov_out[k + c].iov_len;
            c++;
        }
        struct msghdr *h = &e->gout[ng].msg_hdr;
        *h = e->out[k].msg_hdr;
        h->msg_iovlen = (size_t)c;
        if (c > 1) {
            h->msg_control = e->gcmsg[ng];
            h->msg_controllen = sizeof(e->gcmsg[ng]);
            struct cmsghdr *cm = CMSG_FIRSTHDR(h);
            cm->cmsg_level = SOL_UDP;
            cm->cmsg_type = UDP_SEGMENT;
            cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t sz = (uint16_t)seg;
            memcpy(CMSG_DATA(cm), &sz, sizeof(sz));
        }
        e->gfirst[ng] = k;
        e->gcount[ng] = c;
        ng++;
        k += c;
    }
    return ng;
}

/* Reads and relays what socket rs holds (then the other sockets get their
 * turn; level-triggered epoll brings this one back while it has data).
 * Returns the number of packets read.
 *
 * How many to ask for: recvmmsg stops at the first EAGAIN, so asking for 32
 * when one datagram is queued costs a second, failing receive attempt
 * (header copy-in, socket lock) for every packet, and with one socket per
 * call a round usually finds one packet per socket. So each socket asks for
 * what it got last time, doubling while it gets all it asked for and halving
 * when it gets less: a quiet socket reads with one attempt, a busy one ramps
 * to full batches within a few rounds. A socket that filled a full batch is
 * read again at once, up to RELAY_BATCHES_PER_WAKE batches; one that filled
 * a smaller request is left to the next round (epoll reports it again at
 * once if more is queued), so nothing is ever left unread. */
static int relay_handle_socket(relay_worker *w, relay_epoll *e, relay_sock *rs)
{
    relay_leg *x = &rs->stream->leg[rs->leg];
    int total = 0;
    int want = e->vlen[rs->port] ? e->vlen[rs->port] : 1;
    for (int b = 0; b < RELAY_BATCHES_PER_WAKE; b++) {
        relay_in_reset(e);
        int n = recvmmsg(rs->fd, e->in, (unsigned)want, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        /* Jobs posted before these packets came run before them (a new
         * key in force for what a peer sent after the reply). One of them
         * may have detached this very socket: what it held is dropped. */
        if (relay_jobs_waiting(w)) {
            relay_jobs_first(w);
            if (!rs->receiving)
                break;
        }
        if (n == want && want < RELAY_BATCH)
            e->vlen[rs->port] = (uint8_t)(want * 2 < RELAY_BATCH ? want * 2 : RELAY_BATCH);
        else if (n < want)
            e->vlen[rs->port] = (uint8_t)(want / 2 > 1 ? want / 2 : 1);
        e->in_used = n;
        total += n;
        w->t.batches++;
        w->t.packets_in += (uint64_t)n;
        relay_kernel_drops(rs, x, &e->in[n - 1].msg_hdr);
        int nout = 0;
        for (int i = 0; i < n; i++) {
            relay_out o;
            size_t olen =
                relay_process(w, rs, e->buf[i], e->in[i].msg_len, e->in[i].msg_hdr.msg_flags,
                              &e->src[i], e->in[i].msg_hdr.msg_namelen, &o);
            if (!olen) {
                w->t.drops++;
                continue;
            }
            relay_leg *y = o.leg;
            e->iov_out[nout].iov_base = e->buf[i];
            e->iov_out[nout].iov_len = olen;
            struct msghdr *h = &e->out[nout].msg_hdr;
            memset(h, 0, sizeof(*h));
            /* With rtcp-mux, RTCP goes to the peer's RTP address (RFC 5761 §4). */
            h->msg_name = (o.rtcp && !y->rtcp_mux) ? &y->peer_rtcp : &y->peer_rtp;
            h->msg_namelen = y->peer_len;
            h->msg_iov = &e->iov_out[nout];
            h->msg_iovlen = 1;
            e->outinfo[nout] = o;
            nout++;
        }
        /* One sendmmsg per run of messages leaving through the same socket. */
        int ng = relay_group(e, nout);
        int start = 0;
        for (int g = 1; g <= ng; g++) {
            if (g == ng || e->outinfo[e->gfirst[g]].fd != e->outinfo[e->gfirst[start]].fd) {
                relay_send_run(w, e, start, g);
                start = g;
            }
        }
        if (n < RELAY_BATCH)
            break;
    }
    return total;
}

int relay_epoll_fd(const relay_epoll *e)
{
    return e->epfd;
}

relay_epoll *relay_epoll_new(int pipe_r)
{
    relay_epoll *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    relay_in_init(e);
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (e->epfd < 0 || epoll_ctl(e->epfd, EPOLL_CTL_ADD, pipe_r, &ev) != 0) {
        if (e->epfd >= 0)
            close(e->epfd);
        free(e);
        return NULL;
    }
    return e;
}

void relay_epoll_free(relay_epoll *e)
{
    if (!e)
        return;
    close(e->epfd);
    free(e);
}

bool relay_epoll_add(relay_epoll *e, relay_sock *rs)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = rs};
    return epoll_ctl(e->epfd, EPOLL_CTL_ADD, rs->fd, &ev) == 0;
}

void relay_epoll_del(relay_epoll *e, relay_sock *rs)
{
    epoll_ctl(e->epfd, EPOLL_CTL_DEL, rs->fd, NULL);
}

void relay_epoll_main(relay_worker *w)
{
    relay_epoll *e = w->ep;
    struct epoll_event ev[64];
    while (!w->stop) {
        int timeout = 500;
        long left = relay_coalesce_left(w);
        if (left >= 0) {
            if (left > 0) {
                struct timespec ts = {.tv_sec = 0, .tv_nsec = left};
                nanosleep(&ts, NULL);
            }
            timeout = 0;
        }
        int n = epoll_wait(e->epfd, ev, 64, timeout);
        w->t.wakeups++;
        /* One clock read per round: it stamps last_rx_ms (media timeout,
         * seconds) and the rate window; a round lasts well under 1 ms. */
        int64_t now_ns = relay_now_ns();
        w->round_ns = now_ns;
        w->now_ms = now_ns / 1000000;
        bool jobs = false;
        int pkts = 0;
        for (int i = 0; i < n; i++) {
            relay_sock *rs = ev[i].data.ptr;
            if (!rs)
                jobs = true;
            else if (rs->receiving) /* not detached by a job run this round */
                pkts += relay_handle_socket(w, e, rs);
        }
        /* Jobs run after the socket events of this round: a job may detach
         * (and the control thread then free) a stream whose event is still
         * in ev[]; after EPOLL_CTL_DEL the next epoll_wait cannot return it. */
        if (jobs)
            relay_run_jobs(w);
        relay_jobs_release(w);
        relay_rate_update(w, now_ns, pkts);
    }
}
