/*
 * rtp/ctl/sock.c — parse control addresses and open the datagram sockets
 * the control protocol runs on (UDP v4/v6, unix datagram with mode 0600).
 */
#include "ctl/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool ctl_addr_parse(const char *s, ctl_addr *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    if (!s || !*s) {
        snprintf(err, errlen, "empty address");
        return false;
    }
    if (strncmp(s, "unix:", 5) == 0 || s[0] == '/') {
        const char *path = s[0] == '/' ? s : s + 5;
        struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
        if (!*path || strlen(path) >= sizeof(un->sun_path)) {
            snprintf(err, errlen, "unix socket path empty or too long: %s", path);
            return false;
        }
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, path);
        a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
        a->is_unix = true;
        return true;
    }
    if (strncmp(s, "udp:", 4) == 0)
        s += 4;
    char host[64];
    const char *port;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host)) {
            snprintf(err, errlen, "bad IPv6 address (want [ADDR]:PORT): %s", s);
            return false;
        }
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = 0;
        port = end + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(host)) {
            snprintf(err, errlen, "bad address (want HOST:PORT or unix:PATH): %s", s);
            return false;
        }
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = 0;
        port = colon + 1;
    }
    char *endp;
    long p = strtol(port, &endp, 10);
    if (!*port || *endp || p < 0 || p > 65535) {
        snprintf(err, errlen, "bad port: %s", port);
        return false;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        a->len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        a->len = sizeof(*v6);
    } else {
        snprintf(err, errlen, "not an IP address: %s", host);
        return false;
    }
    return true;
}

bool ctl_addr_is_local(const ctl_addr *a)
{
    if (a->is_unix)
        return true;
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->ss;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->ss;
        return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    }
    return false;
}

void ctl_addr_str(const struct sockaddr *sa, socklen_t len, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof(ip));
        snprintf(out, cap, "%s:%u", ip, ntohs(v4->sin_port));
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof(ip));
        snprintf(out, cap, "[%s]:%u", ip, ntohs(v6->sin6_port));
    } else if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        if (len > offsetof(struct sockaddr_un, sun_path) && un->sun_path[0])
            snprintf(out, cap, "unix:%.*s", (int)(len - offsetof(struct sockaddr_un, sun_path)),
                     un->sun_path);
        else
            snprintf(out, cap, "unix:(unnamed)");
    } else {
        snprintf(out, cap, "(unknown)");
    }
}

int ctl_listen(const ctl_addr *a, char *err, size_t errlen)
{
    char name[128];
    ctl_addr_str((const struct sockaddr *)&a->ss, a->len, name, sizeof(name));
    int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket(%s): %s", name, strerror(errno));
        return -1;
    }
    if (a->is_unix) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)&a->ss;
        struct stat st;
        /* A stale socket from a previous run would make bind() fail; only a
         * socket is removed, never a regular file someone pointed us at. */
        if (lstat(un->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(un->sun_path);
        /* Born 0600: Linux gives the socket file the socket inode's mode
         * (less the umask) at bind, so fchmod before bind leaves no moment
         * at which another user could connect; umask() is process-wide and
         * racy once threads run, and chmod after bind comes too late. */
        if (fchmod(fd, 0600) != 0 || bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
            snprintf(err, errlen, "bind(%s): %s", name, strerror(errno));
            close(fd);
            return -1;
        }
        if (lstat(un->sun_path, &st) != 0 || (st.st_mode & 077)) {
            snprintf(err, errlen, "bind(%s): socket not created with mode 0600", name);
            unlink(un->sun_path);
            close(fd);
            return -1;
        }
        return fd;
    }
    if (a->ss.ss_family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
        snprintf(err, errlen, "bind(%s): %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}
