/*
 * rtp/relay/ports.c — even/odd media port pairs and single ports from a
 * range (ports.h). The search starts where the last one ended so a
 * just-freed port is not reused at once (late packets of an old call would
 * land in a new one).
 */
#include "relay/ports.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

void relay_ports_init(relay_ports *p, int min, int max)
{
    p->min = (min + 1) & ~1;
    p->max = max;
    p->next = p->min;
    p->next_odd = p->min + 1;
}

int relay_ports_bind(const struct sockaddr_storage *addr, uint16_t port, bool reuseport)
{
    struct sockaddr_storage a = *addr;
    socklen_t len;
    if (a.ss_family == AF_INET) {
        ((struct sockaddr_in *)&a)->sin_port = htons(port);
        len = sizeof(struct sockaddr_in);
    } else {
        ((struct sockaddr_in6 *)&a)->sin6_port = htons(port);
        len = sizeof(struct sockaddr_in6);
    }
    int fd = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1, rcv = 1 << 20;
    if (a.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    if ((reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
        bind(fd, (struct sockaddr *)&a, len) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

const char *relay_ports_shortage(int err)
{
    if (err == EMFILE || err == ENFILE)
        return "out of file descriptors (RLIMIT_NOFILE)";
    if (err == ENOBUFS || err == ENOMEM)
        return "out of memory for a media socket";
    return NULL;
}

/* The last bind failed for want of a socket, not of a port: searching on
 * would only fail again on every port of the range. */
static bool relay_ports_no_socket(void)
{
    return relay_ports_shortage(errno) != NULL;
}

int relay_ports_alloc(relay_ports *p, const struct sockaddr_storage *addr, int *fd_rtp,
                      int *fd_rtcp, uint16_t *port)
{
    int span = (p->max - p->min + 1) / 2;
    for (int k = 0; k < span; k++) {
        int cand = p->next & ~1; /* single ports may leave it odd */
        p->next = cand + 2;
        if (p->next + 1 > p->max)
            p->next = p->min;
        if (cand + 1 > p->max)
            continue;
        int a = relay_ports_bind(addr, (uint16_t)cand, false);
        if (a < 0 && relay_ports_no_socket())
            return -1;
        if (a < 0)
            continue;
        int b = relay_ports_bind(addr, (uint16_t)(cand + 1), false);
        if (b < 0) {
            int e = errno;
            close(a);
            errno = e;
            if (relay_ports_no_socket())
                return -1;
            continue;
        }
        *fd_rtp = a;
        *fd_rtcp = b;
        *port = (uint16_t)cand;
        return 0;
    }
    errno = EADDRINUSE;
    return -1;
}

/* One port of the parity of *cursor (min is even), searched from there. */
static int relay_ports_scan(relay_ports *p, int *cursor, const struct sockaddr_storage *addr,
                            int *fd, uint16_t *port)
{
    int first = *cursor & 1 ? p->min + 1 : p->min;
    int span = (p->max - first) / 2 + 1;
    for (int k = 0; k < span && first <= p->max; k++) {
        int cand = *cursor;
        *cursor = cand + 2 > p->max ? first : cand + 2;
        int a = relay_ports_bind(addr, (uint16_t)cand, false);
        if (a < 0 && relay_ports_no_socket())
            return -1;
        if (a < 0)
            continue;
        *fd = a;
        *port = (uint16_t)cand;
        return 0;
    }
    errno = EADDRINUSE;
    return -1;
}

int relay_ports_alloc_one(relay_ports *p, const struct sockaddr_storage *addr, int *fd,
                          uint16_t *port)
{
    p->next &= ~1; /* the even cursor pairs share */
    if (relay_ports_scan(p, &p->next, addr, fd, port) == 0)
        return 0;
    if (relay_ports_no_socket())
        return -1;
    return relay_ports_scan(p, &p->next_odd, addr, fd, port);
}

int relay_ports_alloc_rtcp(relay_ports *p, const struct sockaddr_storage *addr, uint16_t rtp_port,
                           int *fd, uint16_t *port)
{
    if (rtp_port + 1 <= p->max) {
        int a = relay_ports_bind(addr, (uint16_t)(rtp_port + 1), false);
        if (a >= 0) {
            *fd = a;
            *port = (uint16_t)(rtp_port + 1);
            return 0;
        }
    }
    return relay_ports_alloc_one(p, addr, fd, port);
}
