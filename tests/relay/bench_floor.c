/*
 * tests/relay/bench_floor.c — the "floor" row of relay-bench: the least any
 * relay built on kernel UDP sockets can do per packet on this box. One
 * process, one thread, no crypto, no lookups, no checks: each call has a
 * receive socket (where the generator sends) and a send socket already
 * connected to the generator's far socket (the kernel caches the route, the
 * cheapest send there is); every wake-up drains each ready socket with
 * recvmmsg and forwards the batch with one sendmmsg. It coalesces like
 * srtpd (after a wake-up it waits coalesce_us for more packets), so its
 * batches are as large as srtpd's.
 *
 * It is not a relay (it would forward anything from anyone); it is the
 * yardstick that says how much of srtpd's per-packet CPU is the kernel's
 * receive + send + loopback delivery that every userspace relay pays, and
 * so what packets/s per core a userspace relay on this box can reach at all.
 */
#include "tests/relay/bench_floor.h"

#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FLOOR_BATCH 64
#define FLOOR_MAX   512

static int floor_socket(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    int sb = 4 << 20;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sb, sizeof(sb));
    *port = ntohs(a.sin_port);
    return fd;
}

/* The child: forwards until killed. */
static void floor_loop(int n, const int *rx, const int *tx, int coalesce_us)
{
    int ep = epoll_create1(0);
    for (int i = 0; i < n; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, rx[i], &ev);
    }
    static uint8_t buf[FLOOR_BATCH][512];
    struct mmsghdr mm[FLOOR_BATCH];
    struct iovec iov[FLOOR_BATCH];
    struct epoll_event evs[FLOOR_MAX];
    for (;;) {
        if (epoll_wait(ep, evs, FLOOR_MAX, -1) <= 0)
            continue;
        if (coalesce_us > 0) {
            struct timespec ts = {0, (long)coalesce_us * 1000};
            nanosleep(&ts, NULL);
        }
        int ne = epoll_wait(ep, evs, FLOOR_MAX, 0);
        for (int e = 0; e < ne; e++) {
            int i = (int)evs[e].data.u32;
            for (;;) {
                for (int k = 0; k < FLOOR_BATCH; k++) {
                    iov[k].iov_base = buf[k];
                    iov[k].iov_len = sizeof(buf[k]);
                    memset(&mm[k], 0, sizeof(mm[k]));
                    mm[k].msg_hdr.msg_iov = &iov[k];
                    mm[k].msg_hdr.msg_iovlen = 1;
                }
                int r = recvmmsg(rx[i], mm, FLOOR_BATCH, MSG_DONTWAIT, NULL);
                if (r <= 0)
                    break;
                for (int k = 0; k < r; k++)
                    iov[k].iov_len = mm[k].msg_len;
                sendmmsg(tx[i], mm, (unsigned)r, 0);
                if (r < FLOOR_BATCH)
                    break;
            }
        }
    }
}

pid_t bench_floor_start(int calls, uint16_t dst_port, uint16_t *rx_ports, int coalesce_us,
                        int rt_priority)
{
    if (calls < 1 || calls > FLOOR_MAX)
        return -1;
    int *rx = calloc((size_t)calls, sizeof(int)), *tx = calloc((size_t)calls, sizeof(int));
    if (!rx || !tx) {
        free(rx);
        free(tx);
        return -1;
    }
    struct sockaddr_in dst = {.sin_family = AF_INET,
                              .sin_port = htons(dst_port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = true;
    for (int i = 0; i < calls && ok; i++) {
        uint16_t txp;
        rx[i] = floor_socket(&rx_ports[i]);
        tx[i] = floor_socket(&txp);
        ok = rx[i] >= 0 && tx[i] >= 0 && connect(tx[i], (struct sockaddr *)&dst, sizeof(dst)) == 0;
    }
    pid_t pid = ok ? fork() : -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (rt_priority > 0) {
            struct sched_param sp = {.sched_priority = rt_priority};
            sched_setscheduler(0, SCHED_FIFO, &sp);
        }
        floor_loop(calls, rx, tx, coalesce_us);
        _exit(0);
    }
    for (int i = 0; i < calls; i++) {
        if (rx[i] > 0)
            close(rx[i]);
        if (tx[i] > 0)
            close(tx[i]);
    }
    free(rx);
    free(tx);
    return pid;
}
