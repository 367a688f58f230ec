/*
 * rtp/relay/worker_packet.c — what a worker does to one received packet,
 * whichever loop read it (worker.h): the checks, SRTP unprotect on the
 * receiving leg and protect on the sending leg (RFC 3711 §3.3, §3.4), each
 * leg with its own keys, symmetric latching (from authenticated packets, or
 * by a strict relatch rule on unauthenticated legs), STUN counted, per-leg
 * drop and output counters. No locks, no allocation, no logging per packet.
 */
#include "relay/rxprev.h"
#include "relay/worker_priv.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

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

/* One received packet p[0..len): checks, unprotect, latch, protect.
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
