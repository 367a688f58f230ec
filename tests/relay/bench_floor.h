/*
 * tests/relay/bench_floor.h — relay-bench's kernel floor: a bare UDP
 * forwarder (see bench_floor.c) to compare srtpd and RTPengine against.
 */
#ifndef SDESGATE_TESTS_BENCH_FLOOR_H
#define SDESGATE_TESTS_BENCH_FLOOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Forks the forwarder: calls receive sockets on 127.0.0.1 (their ports in
 * rx_ports[]), each forwarding to 127.0.0.1:dst_port. Its pid, or -1. Stop
 * it with SIGKILL; it also dies with its parent. rt_priority > 0: it runs
 * at SCHED_FIFO rt_priority, as the relays it is compared with. */
pid_t bench_floor_start(int calls, uint16_t dst_port, uint16_t *rx_ports, int coalesce_us,
                        int rt_priority);

#endif
