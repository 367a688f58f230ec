/*
 * rtp/relay/worker_twin.c — connected send sockets for the multishot loop.
 *
 * A send on an unconnected UDP socket looks its route up again for every
 * datagram; on a connected socket the kernel keeps the route. relay-bench's
 * floor measured the difference at 13–15 % of a bare forwarder's CPU per
 * packet on loopback, the largest single cost left in srtpd's send path.
 * But a leg's socket cannot be connected itself: symmetric RTP needs it to
 * hear the peer from wherever the peer really sends (latching), and
 * everyone else's packets must still reach srtpd to be counted and dropped.
 *
 * So each leg gets a twin of its RTP socket: a second socket bound to the
 * same local address and port (SO_REUSEPORT on both) and connected to the
 * leg's current peer. The kernel hands a datagram to the socket that
 * matches it best: the peer's own packets arrive on the twin (a full
 * 4-tuple match), everything else still on the RTP socket (the kernel never
 * picks a connected member of a reuseport group for other sources). Both
 * are receive sockets of the same leg and go through the same checks; the
 * twin is also the socket every packet toward the peer leaves from, with no
 * address, so the source port the peer sees does not change. When the peer
 * moves (latching, a re-offer) the twin is connected again to the new
 * address.
 *
 * The RTP socket was bound without SO_REUSEPORT, so the port search still
 * saw every clash with other sockets; the option is set on it only here,
 * when its twin is made (it only lets sockets of the same user join). The
 * worker makes the twin at the first packet toward a peer (a few system
 * calls once per leg, then one connect per peer move); if that fails the
 * leg keeps sending unconnected. A connected socket also learns ICMP port
 * unreachable: the next operation on it fails once — the standing receive
 * ends with the error and is armed again, or a send meeting it first is
 * counted as a send drop (relay_test test_peer_port_closes).
 * SRTPD_NO_TWIN=1 turns twins off (A/B runs).
 */
#include "relay/worker_priv.h"

#include "relay/ports.h"

#include <string.h>
#include <unistd.h>

/* A new socket on the RTP socket's address and port, connected to to. */
static int relay_twin_open(relay_leg *y, const struct sockaddr_storage *to, socklen_t tolen)
{
    struct sockaddr_storage me;
    socklen_t ml = sizeof(me);
    int one = 1;
    if (getsockname(y->rtp.fd, (struct sockaddr *)&me, &ml) != 0 ||
        setsockopt(y->rtp.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
        return -1;
    int fd = relay_ports_bind(&me, y->rtp.port, true);
    if (fd >= 0 && connect(fd, (const struct sockaddr *)to, tolen) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int relay_twin_fd(relay_worker *w, relay_leg *y, const struct sockaddr_storage *to, socklen_t tolen)
{
    if (y->twin_failed || y->rtp.fd < 0 || to->ss_family != y->family)
        return -1;
    if (y->twin.fd >= 0) {
        if (relay_same_addr(&y->twin_to, to))
            return y->twin.fd;
        /* The peer moved: the twin follows it. */
        if (connect(y->twin.fd, (const struct sockaddr *)to, tolen) == 0) {
            memcpy(&y->twin_to, to, sizeof(y->twin_to));
            return y->twin.fd;
        }
        y->twin_failed = true;
        return -1;
    }
    int fd = relay_twin_open(y, to, tolen);
    if (fd < 0) {
        y->twin_failed = true;
        return -1;
    }
    y->twin.fd = fd;
    y->twin.on_worker = 1; /* made in the worker's own table */
    relay_fds_made(w);
    memcpy(&y->twin_to, to, sizeof(y->twin_to));
    if (!relay_sock_attach(w, &y->twin)) {
        /* Not receiving on it would lose the peer's packets: give it up. */
        close(fd);
        relay_fds_closed(w);
        y->twin.fd = -1;
        y->twin.on_worker = 0;
        y->twin_failed = true;
        return -1;
    }
    return fd;
}
