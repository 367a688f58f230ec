/*
 * rtp/relay/worker.c — the media packet path of srtpd (see worker.h):
 * epoll + recvmmsg/sendmmsg per worker thread, SRTP unprotect on the
 * receiving leg and protect on the sending leg (RFC 3711 §3.3, §3.4), each
 * leg with its own keys, symmetric latching (from authenticated packets, or
 * by a strict relatch rule on unauthenticated legs), STUN counted,
 * per-leg drop counters. No locks, no allocation, no logging per packet.
 */
#include "relay/worker.h"

#include "relay/uring.h"
#include "relay/worker_priv.h"
#include "relay/rxprev.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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

/* The receive headers point at fixed buffers; set them up once. Between
 * calls only what the kernel writes back (name and control lengths, flags)
 * is reset, and only in the entries the last call filled. */
static void relay_in_init(relay_worker *w)
{
    for (int i = 0; i < RELAY_BATCH; i++) {
        w->iov_in[i].iov_base = w->buf[i];
        w->iov_in[i].iov_len = RELAY_PKT_MAX + 1;
        struct msghdr *h = &w->in[i].msg_hdr;
        memset(h, 0, sizeof(*h));
        h->msg_name = &w->src[i];
        h->msg_namelen = sizeof(w->src[i]);
        h->msg_iov = &w->iov_in[i];
        h->msg_iovlen = 1;
        h->msg_control = w->cmsg[i];
        h->msg_controllen = sizeof(w->cmsg[i]);
    }
    w->in_used = 0;
}

static void relay_in_reset(relay_worker *w)
{
    for (int i = 0; i < w->in_used; i++) {
        struct msghdr *h = &w->in[i].msg_hdr;
        h->msg_namelen = sizeof(w->src[i]);
        h->msg_controllen = sizeof(w->cmsg[i]);
        h->msg_flags = 0;
    }
    w->in_used = 0;
}

int64_t relay_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool relay_same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return false;
}

static relay_drop relay_drop_of(sg_status st)
{
    switch (st) {
    case SG_AUTH_FAIL:
        return RELAY_DROP_AUTH;
    case SG_REPLAY:
    case SG_REPLAY_OLD:
        return RELAY_DROP_REPLAY;
    case SG_UNKNOWN_MKI:
        return RELAY_DROP_UNKNOWN_MKI;
    case SG_MALFORMED:
    case SG_BUFFER_SMALL:
        return RELAY_DROP_MALFORMED;
    default:
        return RELAY_DROP_KEY;
    }
}

/* RFC 5761 §4: with rtcp-mux, packet types 192..223 (second byte) are RTCP. */
static bool relay_is_rtcp(const uint8_t *p, size_t len)
{
    return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

/* A peer address learned from a packet: RTP and RTCP are latched
 * separately; before RTCP has been seen its address follows RTP (+1 unless
 * rtcp-mux). */
static void relay_latch(relay_leg *x, bool rtcp, const struct sockaddr_storage *src, socklen_t len)
{
    if (rtcp) {
        x->peer_rtcp = *src;
    } else {
        x->peer_rtp = *src;
        if (!x->latched_rtcp) {
            x->peer_rtcp = *src;
            if (!x->rtcp_mux) {
                if (src->ss_family == AF_INET)
                    ((struct sockaddr_in *)&x->peer_rtcp)->sin_port =
                        htons((uint16_t)(ntohs(((const struct sockaddr_in *)src)->sin_port) + 1));
                else
                    ((struct sockaddr_in6 *)&x->peer_rtcp)->sin6_port =
                        htons((uint16_t)(ntohs(((const struct sockaddr_in6 *)src)->sin6_port) + 1));
            }
        }
    }
    x->peer_len = len;
    x->peer_known = true;
    if (rtcp)
        x->latched_rtcp = true;
    else
        x->latched = true;
}

/* RFC 5389 §6: a STUN message starts with two zero bits, carries the magic
 * cookie at offset 4 and a length (multiple of 4) that covers the rest of
 * the datagram after the 20-byte header. RTP/RTCP start with version 2. */
static bool relay_is_stun(const uint8_t *p, size_t len)
{
    return len >= 20 && (p[0] & 0xC0) == 0 && p[4] == 0x21 && p[5] == 0x12 && p[6] == 0xA4 &&
           p[7] == 0x42 && (size_t)((p[2] << 8) | p[3]) + 20 == len && (p[3] & 3) == 0;
}

static uint32_t relay_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool relay_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

/*
 * Latching of a leg whose packets cannot be authenticated (plain RTP, or
 * SRTP with UNAUTHENTICATED_SRTP): anyone can make a packet that passes, so
 * the first packet latches (as for symmetric RTP) and after that the leg
 * moves only to a source that shows it carries the same stream, once the
 * current source has stopped (NAT rebinding, docs/srtpd.md "Latching"):
 *   - the current RTP source has sent nothing for RELAY_RELATCH_SILENCE_MS;
 *   - the new source sends RELAY_RELATCH_PACKETS consecutive RTP packets
 *     with the leg's current SSRC, the first within RELAY_RELATCH_SEQ_AHEAD
 *     after the last sequence number accepted, each 1..RELAY_RELATCH_SEQ_STEP
 *     after the one before; the last of them moves the leg and is relayed.
 * Packets before that are dropped (counted "source"), untouched: for
 * UNAUTHENTICATED_SRTP they never reach the SRTP context, so they cannot
 * move its replay window or ROC either. A packet from the current source
 * resets the candidate. A blind attacker does not know the SSRC and
 * sequence; one who sees the stream cannot move it while the peer talks.
 * RTCP (plain RTP legs only; SRTCP is always authenticated) latches first
 * only from the RTP source's IP address with the leg's SSRC as sender,
 * and moves only with RTP. A new address from the signalling (offer,
 * answer, update) starts over.
 */
#define RELAY_RELATCH_SILENCE_MS 1000
#define RELAY_RELATCH_PACKETS    5
#define RELAY_RELATCH_SEQ_AHEAD  3000
#define RELAY_RELATCH_SEQ_STEP   10

/* May a packet from src (not the leg's current peer) latch or move the
 * unauthenticated leg x? *move: it moves an already latched RTP source. */
static bool relay_unauth_admit(relay_worker *w, relay_leg *x, const relay_sock *rs, bool rtcp,
                               const uint8_t *p, const struct sockaddr_storage *src, bool *move)
{
    *move = false;
    if (rtcp) {
        if (!rs->rtcp) /* rtcp-mux: RTCP goes with the RTP source */
            return !x->latched;
        if (x->latched_rtcp)
            return false;
        return !x->latched ||
               (relay_same_ip(src, &x->peer_rtp) && x->have_ssrc && relay_be32(p + 4) == x->ssrc);
    }
    if (!x->latched)
        return true; /* the first packet latches (symmetric RTP) */
    if (!x->have_ssrc || w->now_ms - x->src_ms < RELAY_RELATCH_SILENCE_MS ||
        relay_be32(p + 8) != x->ssrc) {
        return false;
    }
    uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
    if (x->cand_n && relay_same_addr(src, &x->cand)) {
        uint16_t d = (uint16_t)(seq - x->cand_seq);
        if (d == 0 || d > RELAY_RELATCH_SEQ_STEP) {
            x->cand_n = 0;
            return false;
        }
        x->cand_seq = seq;
        if (++x->cand_n < RELAY_RELATCH_PACKETS)
            return false;
        x->cand_n = 0;
        *move = true;
        return true;
    }
    uint16_t d = (uint16_t)(seq - x->seq);
    if (d == 0 || d > RELAY_RELATCH_SEQ_AHEAD)
        return false;
    x->cand = *src;
    x->cand_seq = seq;
    x->cand_n = 1;
    return false;
}

/* One received packet in w->buf[i]: checks, unprotect, latch, protect.
 * Returns the length to send, or 0 when dropped (counted). */
size_t relay_process(relay_worker *w, relay_sock *rs, uint8_t *p, size_t len, int mflags,
                     const struct sockaddr_storage *src, socklen_t srclen, relay_out *o)
{
    relay_stream *s = rs->stream;
    relay_leg *x = &s->leg[rs->leg], *y = &s->leg[!rs->leg];
    bool rtcp = rs->rtcp || (x->rtcp_mux && relay_is_rtcp(p, len));

    if (!(mflags & MSG_TRUNC) && relay_is_stun(p, len)) {
        /* Dropped without an answer: srtpd is no ICE agent, and a reply
         * would make it a reflector for spoofed requests. */
        x->c.stun++;
        return 0;
    }
    if (rtcp)
        x->c.rtcp_in++;
    else
        x->c.rtp_in++;
    x->c.bytes_in += len;
    if ((mflags & MSG_TRUNC) || len < (rtcp ? 8u : 12u) || (p[0] >> 6) != 2 ||
        len > RELAY_PKT_MAX) {
        x->c.drop[RELAY_DROP_MALFORMED]++;
        return 0;
    }
    /* The expected source follows the socket: with rtcp-mux, RTCP arrives on
     * the RTP port from the peer's RTP address (RFC 5761). */
    const struct sockaddr_storage *expect = rs->rtcp ? &x->peer_rtcp : &x->peer_rtp;
    bool from_peer = x->peer_known && relay_same_addr(src, expect);
    if (x->strict_source && x->peer_known && !from_peer) {
        x->c.drop[RELAY_DROP_SOURCE]++;
        return 0;
    }
    if (x->srtp && !x->rx) {
        x->c.drop[RELAY_DROP_KEY]++; /* SRTP leg whose receive keys are not set yet */
        return 0;
    }
    /* Unauthenticated: plain RTP/RTCP, or RTP under UNAUTHENTICATED_SRTP
     * (SRTCP keeps its tag, RFC 4568 §6.3.2). Checked on the clear header,
     * before the SRTP context sees the packet. */
    bool unauth = !x->srtp || (x->rx_unauth && !rtcp);
    bool move = false;
    if (unauth && !from_peer && !relay_unauth_admit(w, x, rs, rtcp, p, src, &move)) {
        x->c.drop[RELAY_DROP_SOURCE]++;
        return 0;
    }
    uint32_t hdr_ssrc = rtcp ? 0 : relay_be32(p + 8);
    uint16_t hdr_seq = rtcp ? 0 : (uint16_t)(p[2] << 8 | p[3]);
    if (x->srtp) {
        size_t plen;
        bool via_prev;
        sg_status st =
            relay_rx_unprotect(x, rtcp, p, len, RELAY_BUF_SIZE, &plen, w->now_ms, &via_prev);
        if (st != SG_OK) {
            x->c.drop[relay_drop_of(st)]++;
            return 0;
        }
        /* Under the key the peer is leaving (relay/rxprev.h): only from
         * where the peer is now, and it never moves the peer. */
        if (via_prev && !from_peer) {
            x->c.drop[RELAY_DROP_SOURCE]++;
            return 0;
        }
        len = plen;
    }
    if (!from_peer) {
        /* Authenticated SRTP: the packet is the only proof needed (a
         * spoofed, replayed or forged one never reaches this line).
         * Unauthenticated: admitted above by the relatch rule. */
        if (move && !x->rtcp_mux)
            x->latched_rtcp = false; /* RTCP follows RTP to its new address */
        relay_latch(x, rtcp, src, srclen);
    } else if (rtcp ? !x->latched_rtcp : !x->latched) {
        /* First packet from the signalled address: hold it from now on. */
        if (rtcp)
            x->latched_rtcp = true;
        else
            x->latched = true;
    }
    if (unauth && !rtcp) {
        /* The current source's stream, for the relatch rule. */
        x->have_ssrc = true;
        x->ssrc = hdr_ssrc;
        x->seq = hdr_seq;
        x->src_ms = w->now_ms;
        x->cand_n = 0;
    }
    /* Only accepted packets keep a call alive: garbage sprayed at its
     * ports must not defeat the media timeout. */
    x->last_rx_ms = w->now_ms;
    if (!y->peer_known) {
        x->c.drop[RELAY_DROP_NO_PEER]++;
        return 0;
    }
    if (y->srtp && !y->tx) {
        x->c.drop[RELAY_DROP_KEY]++;
        return 0;
    }
    if (y->srtp) {
        size_t olen;
        sg_status st = rtcp ? sg_srtcp_protect(y->tx, p, len, p, RELAY_BUF_SIZE, &olen)
                            : sg_srtp_protect(y->tx, p, len, p, RELAY_BUF_SIZE, &olen);
        y->events |= sg_srtp_take_events(y->tx);
        if (st != SG_OK) {
            x->c.drop[RELAY_DROP_KEY]++;
            return 0;
        }
        len = olen;
    }
    o->fd = (rtcp && !y->rtcp_mux) ? y->rtcp.fd : y->rtp.fd;
    o->leg = y;
    o->rtcp = rtcp;
    return len;
}

static void relay_count_sent(relay_worker *w, int k)
{
    relay_leg *l = w->outinfo[k].leg;
    if (w->outinfo[k].rtcp)
        l->c.rtcp_out++;
    else
        l->c.rtp_out++;
    l->c.bytes_out += w->iov_out[k].iov_len;
    w->t.packets_out++;
}

/* Sends messages gout[from..to) (all through one socket) with sendmmsg;
 * a message that fails is retried packet by packet without GSO (and GSO is
 * switched off for good when the kernel refuses it), then counted. */
static void relay_send_run(relay_worker *w, int from, int to)
{
    int fd = w->outinfo[w->gfirst[from]].fd;
    int done = from;
    while (done < to) {
        int r = sendmmsg(fd, &w->gout[done], (unsigned)(to - done), MSG_DONTWAIT);
        if (r > 0) {
            for (int g = done; g < done + r; g++) {
                w->t.gso_sends += w->gcount[g] > 1;
                for (int k = w->gfirst[g]; k < w->gfirst[g] + w->gcount[g]; k++)
                    relay_count_sent(w, k);
            }
            done += r;
            continue;
        }
        /* gout[done] failed. */
        if (w->gcount[done] > 1) {
            if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT || errno == EOPNOTSUPP)
                w->no_gso = true;
            for (int k = w->gfirst[done]; k < w->gfirst[done] + w->gcount[done]; k++) {
                if (sendmmsg(fd, &w->out[k], 1, MSG_DONTWAIT) == 1)
                    relay_count_sent(w, k);
                else
                    w->outinfo[k].leg->c.drop[RELAY_DROP_SEND]++;
            }
        } else {
            w->outinfo[w->gfirst[done]].leg->c.drop[RELAY_DROP_SEND]++;
        }
        done++;
    }
}

/* Groups out[0..nout) into messages: consecutive packets through the same
 * socket to the same peer with the same size (the last may be shorter)
 * become one UDP_SEGMENT message; the kernel splits it back into the same
 * datagrams, after one trip down the stack instead of one per packet. */
static int relay_group(relay_worker *w, int nout)
{
    int ng = 0;
    for (int k = 0; k < nout;) {
        int c = 1;
        size_t seg = w->iov_out[k].iov_len, total = seg;
        while (!w->no_gso && k + c < nout && w->outinfo[k + c].fd == w->outinfo[k].fd &&
               w->out[k + c].msg_hdr.msg_name == w->out[k].msg_hdr.msg_name &&
               w->iov_out[k + c - 1].iov_len == seg && w->iov_out[k + c].iov_len <= seg &&
               total + w->iov_out[k + c].iov_len <= 60000) {
            total += w->iov_out[k + c].iov_len;
            c++;
        }
        struct msghdr *h = &w->gout[ng].msg_hdr;
        *h = w->out[k].msg_hdr;
        h->msg_iovlen = (size_t)c;
        if (c > 1) {
            h->msg_control = w->gcmsg[ng];
            h->msg_controllen = sizeof(w->gcmsg[ng]);
            struct cmsghdr *cm = CMSG_FIRSTHDR(h);
            cm->cmsg_level = SOL_UDP;
            cm->cmsg_type = UDP_SEGMENT;
            cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t sz = (uint16_t)seg;
            memcpy(CMSG_DATA(cm), &sz, sizeof(sz));
        }
        w->gfirst[ng] = k;
        w->gcount[ng] = c;
        ng++;
        k += c;
    }
    return ng;
}

/* SO_RXQ_OVFL: the socket's cumulative kernel drop count, carried by the
 * last datagram read. */
void relay_kernel_drops(relay_sock *rs, relay_leg *x, struct msghdr *last)
{
    if (last->msg_controllen < sizeof(struct cmsghdr))
        return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(last); c; c = CMSG_NXTHDR(last, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            uint32_t v;
            memcpy(&v, CMSG_DATA(c), sizeof(v));
            x->c.drop[RELAY_DROP_KERNEL] += (uint32_t)(v - rs->kernel_drops);
            rs->kernel_drops = v;
        }
    }
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
static int relay_handle_socket(relay_worker *w, relay_sock *rs)
{
    relay_leg *x = &rs->stream->leg[rs->leg];
    int total = 0;
    int want = w->vlen[rs->port] ? w->vlen[rs->port] : 1;
    for (int b = 0; b < RELAY_BATCHES_PER_WAKE; b++) {
        relay_in_reset(w);
        int n = recvmmsg(rs->fd, w->in, (unsigned)want, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        if (n == want && want < RELAY_BATCH)
            w->vlen[rs->port] = (uint8_t)(want * 2 < RELAY_BATCH ? want * 2 : RELAY_BATCH);
        else if (n < want)
            w->vlen[rs->port] = (uint8_t)(want / 2 > 1 ? want / 2 : 1);
        w->in_used = n;
        total += n;
        w->t.batches++;
        w->t.packets_in += (uint64_t)n;
        relay_kernel_drops(rs, x, &w->in[n - 1].msg_hdr);
        int nout = 0;
        for (int i = 0; i < n; i++) {
            relay_out o;
            size_t olen =
                relay_process(w, rs, w->buf[i], w->in[i].msg_len, w->in[i].msg_hdr.msg_flags,
                              &w->src[i], w->in[i].msg_hdr.msg_namelen, &o);
            if (!olen) {
                w->t.drops++;
                continue;
            }
            relay_leg *y = o.leg;
            w->iov_out[nout].iov_base = w->buf[i];
            w->iov_out[nout].iov_len = olen;
            struct msghdr *h = &w->out[nout].msg_hdr;
            memset(h, 0, sizeof(*h));
            /* With rtcp-mux, RTCP goes to the peer's RTP address (RFC 5761 §4). */
            h->msg_name = (o.rtcp && !y->rtcp_mux) ? &y->peer_rtcp : &y->peer_rtp;
            h->msg_namelen = y->peer_len;
            h->msg_iov = &w->iov_out[nout];
            h->msg_iovlen = 1;
            w->outinfo[nout] = o;
            nout++;
        }
        /* One sendmmsg per run of messages leaving through the same socket. */
        int ng = relay_group(w, nout);
        int start = 0;
        for (int g = 1; g <= ng; g++) {
            if (g == ng || w->outinfo[w->gfirst[g]].fd != w->outinfo[w->gfirst[start]].fd) {
                relay_send_run(w, start, g);
                start = g;
            }
        }
        if (n < RELAY_BATCH)
            break;
    }
    return total;
}

void relay_run_jobs(relay_worker *w)
{
    relay_job *jobs[64];
    for (;;) {
        ssize_t r = read(w->pipe_r, jobs, sizeof(jobs));
        if (r <= 0)
            return;
        for (size_t i = 0; i < (size_t)r / sizeof(jobs[0]); i++) {
            jobs[i]->fn(w, jobs[i]->arg);
            sem_post(&jobs[i]->done);
        }
    }
}

/* Adaptive coalescing. On loopback or a NIC alike, most of a relayed
 * packet's cost is per system call and per wake-up, and with one socket per
 * call and leg a wake-up at moderate load finds about one packet. Under
 * load (the worker's rate over the last window at least
 * RELAY_COALESCE_MIN_PPS) the worker therefore sleeps RELAY_COALESCE_NS
 * after a round instead of blocking in epoll_wait, then collects every
 * socket that became ready meanwhile (epoll_wait with timeout 0): one
 * timer wake-up per window instead of one wake-up per packet, the same
 * trade-off as a NIC's interrupt moderation. The sleep is bounded, so the
 * added latency is at most about RELAY_COALESCE_NS, and only under load;
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

void relay_count_out(relay_worker *w, const relay_out *o, size_t len)
{
    relay_leg *l = o->leg;
    if (o->rtcp)
        l->c.rtcp_out++;
    else
        l->c.rtp_out++;
    l->c.bytes_out += len;
    w->t.packets_out++;
}

/* The io_uring round for the quiet ready sockets urs[0..k): one RECVMSG
 * each (MSG_DONTWAIT, so a socket that turned out empty completes with
 * -EAGAIN instead of waiting), one io_uring_enter; then the packets are
 * relayed as on the recvmmsg path and every output is one SENDMSG, all in a
 * second io_uring_enter. Two system calls for the whole round instead of a
 * recvmmsg and a sendmmsg per socket, which is what a packet costs when a
 * round finds about one packet per socket (one socket per call and leg).
 * A socket read here in two consecutive rounds is busier than one packet a
 * round: it goes back to recvmmsg batches (vlen 2, then ramping). Returns
 * the number of packets read; false in *failed when the ring itself failed
 * (the worker then falls back to recvmmsg/sendmmsg for good). */
static int relay_uring_round(relay_worker *w, int k, bool *failed)
{
    for (int j = 0; j < k; j++) {
        relay_sock *rs = w->urs[j];
        w->uiov[j].iov_base = w->ubuf[j];
        w->uiov[j].iov_len = RELAY_PKT_MAX + 1;
        struct msghdr *h = &w->umsg[j];
        memset(h, 0, sizeof(*h));
        h->msg_name = &w->usrc[j];
        h->msg_namelen = sizeof(w->usrc[j]);
        h->msg_iov = &w->uiov[j];
        h->msg_iovlen = 1;
        h->msg_control = w->ucmsg[j];
        h->msg_controllen = sizeof(w->ucmsg[j]);
        struct io_uring_sqe *e = relay_uring_sqe(&w->ring);
        e->opcode = IORING_OP_RECVMSG;
        e->fd = rs->fd;
        e->addr = (uint64_t)(uintptr_t)h;
        e->len = 1;
        e->msg_flags = MSG_DONTWAIT;
        e->user_data = (uint64_t)j;
    }
    if (relay_uring_submit_wait(&w->ring) < 0) {
        *failed = true;
        return 0;
    }
    int got = 0, nout = 0;
    int32_t res[RELAY_URING_MAX];
    for (int j = 0; j < k; j++)
        res[j] = -EAGAIN;
    struct io_uring_cqe c;
    while (relay_uring_cqe(&w->ring, &c))
        if (c.user_data < (uint64_t)k)
            res[c.user_data] = c.res;
    for (int j = 0; j < k; j++) {
        relay_sock *rs = w->urs[j];
        uint16_t port = rs->port;
        w->vlen[port] = w->ring_round[port] == w->round - 1 ? 2 : 1;
        w->ring_round[port] = w->round;
        if (res[j] < 0)
            continue;
        got++;
        w->t.batches++;
        w->t.packets_in++;
        relay_leg *x = &rs->stream->leg[rs->leg];
        relay_kernel_drops(rs, x, &w->umsg[j]);
        relay_out o;
        size_t olen = relay_process(w, rs, w->ubuf[j], (size_t)res[j], w->umsg[j].msg_flags,
                                    &w->usrc[j], w->umsg[j].msg_namelen, &o);
        if (!olen) {
            w->t.drops++;
            continue;
        }
        relay_leg *y = o.leg;
        w->usiov[nout].iov_base = w->ubuf[j];
        w->usiov[nout].iov_len = olen;
        struct msghdr *h = &w->usend[nout];
        memset(h, 0, sizeof(*h));
        /* With rtcp-mux, RTCP goes to the peer's RTP address (RFC 5761 §4). */
        h->msg_name = (o.rtcp && !y->rtcp_mux) ? &y->peer_rtcp : &y->peer_rtp;
        h->msg_namelen = y->peer_len;
        h->msg_iov = &w->usiov[nout];
        h->msg_iovlen = 1;
        w->uout[nout] = o;
        struct io_uring_sqe *e = relay_uring_sqe(&w->ring);
        e->opcode = IORING_OP_SENDMSG;
        e->fd = o.fd;
        e->addr = (uint64_t)(uintptr_t)h;
        e->len = 1;
        e->msg_flags = MSG_DONTWAIT;
        e->user_data = (uint64_t)nout;
        nout++;
    }
    if (!nout)
        return got;
    int32_t sres[RELAY_URING_MAX];
    for (int j = 0; j < nout; j++)
        sres[j] = -EIO;
    if (relay_uring_submit_wait(&w->ring) < 0) {
        *failed = true;
    } else {
        while (relay_uring_cqe(&w->ring, &c))
            if (c.user_data < (uint64_t)nout)
                sres[c.user_data] = c.res;
    }
    for (int j = 0; j < nout; j++) {
        if (sres[j] >= 0)
            relay_count_out(w, &w->uout[j], w->usiov[j].iov_len);
        else
            w->uout[j].leg->c.drop[RELAY_DROP_SEND]++;
    }
    return got;
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
    struct epoll_event ev[64];
    /* The default 50 us timer slack would stretch every coalescing sleep;
     * keep it small so the window is what coalesce_ns says. */
    prctl(PR_SET_TIMERSLACK, 5000UL, 0, 0, 0);
    /* Which loop: the multishot io_uring loop (worker_ring.c) when the
     * kernel has it; else epoll with an io_uring round for quiet sockets
     * (two entries per ready socket at most are queued at a time, so
     * RELAY_URING_MAX entries suffice); else epoll with recvmmsg/sendmmsg
     * alone. SRTPD_NO_MULTISHOT=1 and SRTPD_NO_IO_URING=1 pick the latter
     * two (tests, A/B runs), as on older kernels. */
    memset(&w->ring, 0, sizeof(w->ring));
    w->ring.fd = -1;
    w->use_ring = false;
    w->rate_t0_ns = relay_now_ns();
    if (relay_env_flag("SRTPD_NO_IO_URING")) {
        /* the recvmmsg/sendmmsg loop alone */
    } else if (!relay_env_flag("SRTPD_NO_MULTISHOT") && relay_ring_start(w)) {
        w->twins = !relay_env_flag("SRTPD_NO_TWIN");
        /* Returns at stop, or when the ring failed and every socket went
         * back to epoll (then the loop below takes over). */
        relay_ring_main(w);
    }
    if (!w->stop)
        w->use_ring =
            !relay_env_flag("SRTPD_NO_IO_URING") && relay_uring_init(&w->ring, RELAY_URING_MAX);
    while (!w->stop) {
        int timeout = 500;
        if (w->coalesce) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = w->coalesce_ns};
            nanosleep(&ts, NULL);
            timeout = 0;
        }
        int n = epoll_wait(w->epfd, ev, 64, timeout);
        w->t.wakeups++;
        /* One clock read per round: it stamps last_rx_ms (media timeout,
         * seconds) and the rate window; a round lasts well under 1 ms. */
        int64_t now_ns = relay_now_ns();
        w->now_ms = now_ns / 1000000;
        bool jobs = false;
        int pkts = 0, k = 0;
        w->round++;
        for (int i = 0; i < n; i++) {
            relay_sock *rs = ev[i].data.ptr;
            if (!rs)
                jobs = true;
            else if (w->use_ring && w->vlen[rs->port] <= 1 && k < RELAY_URING_MAX)
                w->urs[k++] = rs; /* quiet socket: one read in the round's ring batch */
            else
                pkts += relay_handle_socket(w, rs);
        }
        if (k) {
            bool failed = false;
            pkts += relay_uring_round(w, k, &failed);
            if (failed)
                w->use_ring = false;
        }
        /* Jobs run after the socket events of this round: a job may detach
         * (and the control thread then free) a stream whose event is still
         * in ev[]; after EPOLL_CTL_DEL the next epoll_wait cannot return it. */
        if (jobs)
            relay_run_jobs(w);
        relay_rate_update(w, now_ns, pkts);
    }
    /* The ring is released by the thread that set it up (SINGLE_ISSUER:
     * only it may unregister the buffers). */
    relay_ring_stop(w);
    return NULL;
}

void relay_worker_run(relay_worker *w, relay_job_fn fn, void *arg)
{
    relay_job job = {.fn = fn, .arg = arg};
    sem_init(&job.done, 0, 0);
    relay_job *p = &job;
    while (write(w->pipe_w, &p, sizeof(p)) != (ssize_t)sizeof(p)) {
        if (errno != EINTR && errno != EAGAIN)
            abort(); /* the pipe is ours; failing here is a bug */
    }
    while (sem_wait(&job.done) != 0 && errno == EINTR) {
    }
    sem_destroy(&job.done);
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
        w->coalesce_ns = RELAY_COALESCE_NS;
        relay_in_init(w);
        w->pipe_r = p[0];
        w->pipe_w = p[1];
        fcntl(w->pipe_r, F_SETFL, O_NONBLOCK);
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->pipe_r, &ev);
        ws[i] = w;
        if (pthread_create(&w->th, NULL, relay_worker_main, w) != 0) {
            snprintf(err, errlen, "pthread_create: %s", strerror(errno));
            close(w->epfd);
            close(p[0]);
            close(p[1]);
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
        relay_uring_free(&w->ring);
        close(w->epfd);
        close(w->pipe_r);
        close(w->pipe_w);
        free(w);
    }
    free(ws);
}

bool relay_sock_attach(relay_worker *w, relay_sock *rs)
{
    if (rs->fd < 0)
        return true;
    int one = 1;
    setsockopt(rs->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
    if (w->ring_mode)
        return relay_ring_attach(w, rs);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = rs};
    return epoll_ctl(w->epfd, EPOLL_CTL_ADD, rs->fd, &ev) == 0;
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
            if (w->ring_mode)
                relay_ring_detach(w, socks[k]);
            else
                epoll_ctl(w->epfd, EPOLL_CTL_DEL, socks[k]->fd, NULL);
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
    if (rs->fd < 0)
        return;
    if (w->ring_mode)
        relay_ring_detach(w, rs);
    else
        epoll_ctl(w->epfd, EPOLL_CTL_DEL, rs->fd, NULL);
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
