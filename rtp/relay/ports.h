/*
 * rtp/relay/ports.h — media port allocation from the configured range:
 * an even RTP port and the odd RTCP port above it (RFC 3550 §11), both
 * bound, non-blocking, with a large receive buffer.
 */
#ifndef SDESGATE_RELAY_PORTS_H
#define SDESGATE_RELAY_PORTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct relay_ports {
    int min, max; /* inclusive range; min rounded up to even */
    int next;     /* where the next search starts */
} relay_ports;

void relay_ports_init(relay_ports *p, int min, int max);
/* One media socket bound on addr's address and port (non-blocking, the
 * large receive buffer, IPv6 only for IPv6); with reuseport, SO_REUSEPORT
 * first (a leg's twin, worker_twin.c). The fd, or -1 (errno set). */
int relay_ports_bind(const struct sockaddr_storage *addr, uint16_t port, bool reuseport);
/* Binds a pair on addr (port ignored). 0 with fds and the RTP port, or -1
 * (errno set; EADDRINUSE when the range is exhausted). */
int relay_ports_alloc(relay_ports *p, const struct sockaddr_storage *addr, int *fd_rtp,
                      int *fd_rtcp, uint16_t *port);

#endif
