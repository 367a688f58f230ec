/*
 * rtp/relay/ports.h — media port allocation from the configured range:
 * an even RTP port and the odd RTCP port above it (RFC 3550 §11), or one
 * port of either parity for a leg with rtcp-mux (RFC 5761: RTP and RTCP
 * share it), each bound, non-blocking, with a large receive buffer.
 * docs/srtpd.md "Ports" says how legs use them and how to size the range.
 */
#ifndef SDESGATE_RELAY_PORTS_H
#define SDESGATE_RELAY_PORTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct relay_ports {
    int min, max; /* inclusive range; min rounded up to even */
    int next;     /* where the next search starts */
    int next_odd; /* the same for single ports once no even one is free */
} relay_ports;

void relay_ports_init(relay_ports *p, int min, int max);
/* One media socket bound on addr's address and port (non-blocking, the
 * large receive buffer, IPv6 only for IPv6); with reuseport, SO_REUSEPORT
 * first (a leg's twin, worker_twin.c). The fd, or -1 (errno set). */
int relay_ports_bind(const struct sockaddr_storage *addr, uint16_t port, bool reuseport);
/* What was short when no socket could be made (errno err: EMFILE or
 * ENFILE, ENOBUFS or ENOMEM), as a refusal's reason; NULL when err is not
 * such a shortage (e.g. EADDRINUSE: no free port). */
const char *relay_ports_shortage(int err);
/* Binds a pair on addr (port ignored). 0 with fds and the RTP port, or -1
 * (errno set; EADDRINUSE when the range is exhausted; EMFILE, ENFILE,
 * ENOBUFS or ENOMEM when no socket could be made: the search stops there,
 * as for relay_ports_alloc_one). */
int relay_ports_alloc(relay_ports *p, const struct sockaddr_storage *addr, int *fd_rtp,
                      int *fd_rtcp, uint16_t *port);
/* Binds one port on addr (an rtcp-mux leg): an even one while there is
 * one free, so the odd port above stays free for the RTCP port the leg
 * needs if it ever leaves rtcp-mux (relay_ports_alloc_rtcp); else an odd
 * one, so rtcp-mux legs can use the whole range. 0 with the fd and port,
 * or -1 (errno set; EADDRINUSE when the range is exhausted). */
int relay_ports_alloc_one(relay_ports *p, const struct sockaddr_storage *addr, int *fd,
                          uint16_t *port);
/* The RTCP port of a leg that leaves rtcp-mux (RFC 5761 §5.1.3): rtp_port +
 * 1 when it is in the range and free (the port the SDP implies without an
 * a=rtcp line), else any free port. 0 with the fd and port, or -1. */
int relay_ports_alloc_rtcp(relay_ports *p, const struct sockaddr_storage *addr, uint16_t rtp_port,
                           int *fd, uint16_t *port);

#endif
