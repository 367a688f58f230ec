/*
 * rtp/ctl/sock.h — control-channel addresses and sockets: UDP over IPv4/IPv6
 * and unix datagram sockets, as used by srtpd (server) and by the clients
 * (sdes.so, srtpctl).
 *
 * Address syntax: "udp:HOST:PORT", "udp:[V6]:PORT", "HOST:PORT",
 * "unix:/path" or a path starting with '/'.
 */
#ifndef SDESGATE_CTL_SOCK_H
#define SDESGATE_CTL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct ctl_addr {
    bool is_unix;
    struct sockaddr_storage ss;
    socklen_t len;
} ctl_addr;

/* Parses s; false with a reason in err. */
bool ctl_addr_parse(const char *s, ctl_addr *a, char *err, size_t errlen);
/* True for a unix socket or a loopback IP address (127/8, ::1). */
bool ctl_addr_is_local(const ctl_addr *a);
/* Printable form into out ("127.0.0.1:2223", "[::1]:2223", "unix:/p"). */
void ctl_addr_str(const struct sockaddr *sa, socklen_t len, char *out, size_t cap);

/* A bound, non-blocking, close-on-exec datagram socket. A unix socket path
 * is removed first if it exists and is a socket; the new one is created
 * with mode 0600 (no window with a wider mode).
 * Returns the fd or -1 with a reason ("bind(ADDR): errno text"). */
int ctl_listen(const ctl_addr *a, char *err, size_t errlen);

#endif
