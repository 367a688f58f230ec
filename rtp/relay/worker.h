/*
 * rtp/relay/worker.h — srtpd's media workers.
 *
 * Each worker is one thread with its own epoll instance; it owns the
 * sockets of the streams attached to it and is the only thread that reads
 * or writes those streams. The control thread never locks anything the
 * packet path uses: it hands work to a worker as a job (a function pointer
 * and an argument) written into the worker's pipe, and waits on the job's
 * semaphore (relay_worker_run), or settles it later (relay_worker_defer).
 * A worker runs a job before any packet it has not started on once the job
 * is posted (worker_priv.h relay_jobs_first), so a job posted before a
 * reply is in force for whatever a peer sends after it. Jobs attach and
 * detach streams, change keys, read counters and collect events; the
 * control thread allocates and frees memory, the worker never does.
 *
 * Packet path, when the kernel has it (Linux 6.1+: SINGLE_ISSUER,
 * DEFER_TASKRUN, provided-buffer rings, multishot recvmsg): one io_uring per
 * worker (worker_ring.c) with a multishot receive armed on every socket and
 * every send queued in the same ring, so one io_uring_enter per round
 * carries all receives and sends of all sockets; under load the worker
 * waits up to coalesce-us for completions to accumulate. Otherwise
 * (older kernel, SRTPD_NO_MULTISHOT=1, SRTPD_NO_IO_URING=1) the epoll loop
 * below.
 *
 * Epoll loop: level-triggered epoll; per readable socket up to
 * RELAY_BATCHES_PER_WAKE recvmmsg batches of RELAY_BATCH packets, then the
 * next socket (a busy socket is never disabled, only drained in turns),
 * unprotect / protect in place, one sendmmsg per batch, equal-size runs to
 * one peer sent as one UDP_SEGMENT (GSO) message. SO_RXQ_OVFL reports
 * what the kernel dropped; it is added to the leg's "kernel" drop counter.
 * Under load (RELAY_COALESCE_MIN_PPS per worker) a worker sleeps
 * coalesce-us (RELAY_COALESCE_NS by default) between rounds and then
 * collects every ready socket, so a wake-up carries several packets instead
 * of about one. It uses no io_uring, so it also runs where io_uring is
 * refused (seccomp, io_uring_disabled).
 */
#ifndef SDESGATE_RELAY_WORKER_H
#define SDESGATE_RELAY_WORKER_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include "relay/call.h"

#define RELAY_BATCH            32
#define RELAY_BATCHES_PER_WAKE 4
#define RELAY_PKT_MAX          2048 /* largest media datagram relayed */
/* Adaptive coalescing under load (worker.c, relay_rate_update). */
#ifndef RELAY_COALESCE_MIN_PPS
#define RELAY_COALESCE_MIN_PPS 20000 /* per worker, to start sleeping between rounds */
#endif
#ifndef RELAY_COALESCE_NS
#define RELAY_COALESCE_NS 500000L /* default wait (coalesce-us): bounds the latency it adds */
#endif
#define RELAY_RATE_WINDOW_NS 2000000LL /* rate measured over >= 2 ms */
#define RELAY_BUF_SIZE       (RELAY_PKT_MAX + SG_SRTP_MAX_TRAILER + 64)

typedef struct relay_worker relay_worker;
typedef void (*relay_job_fn)(relay_worker *w, void *arg);

typedef struct relay_worker_totals {
    uint64_t packets_in, packets_out, drops, wakeups, batches;
    uint64_t gso_sends; /* messages that carried several packets (UDP_SEGMENT) */
} relay_worker_totals;

/* Creates and starts n workers. NULL on failure (err set). */
relay_worker **relay_workers_start(int n, char *err, size_t errlen);
/* Stops and joins every worker, then frees them. Streams must be detached. */
void relay_workers_stop(relay_worker **ws, int n);

/* Sets how long worker w waits for packets to gather when loaded (the
 * coalesce-us option; 0 = never). Control thread only (runs as a job). */
void relay_worker_set_coalesce(relay_worker *w, long ns);

/* Runs every worker's thread at SCHED_FIFO priority prio (1..99), or at
 * normal scheduling with 0 (the rt-priority option). A real-time worker is
 * not kept waiting by ordinary tasks on its core (kernel threads, builds,
 * Kamailio), which bounds the latency it adds; under a flood that fills its
 * core it leaves ordinary tasks only what the kernel's real-time throttling
 * keeps back (sched_rt_runtime_us). Needs CAP_SYS_NICE or RLIMIT_RTPRIO >=
 * prio. false (err set, every worker back at old) when refused. Control
 * thread. */
bool relay_workers_set_priority(relay_worker **ws, int n, int prio, int old, char *err,
                                size_t errlen);

/* Whether worker w's own descriptor table can take need more sockets
 * (worker_fds.c); always true with a shared table. Control thread. */
bool relay_worker_fd_room(relay_worker *w, int need);

/* Runs fn(w, arg) on worker w and waits until it has run. Control thread
 * only. */
void relay_worker_run(relay_worker *w, relay_job_fn fn, void *arg);
/* Queues fn(w, arg) for worker w and returns at once: the job goes to the
 * worker at relay_workers_kick (once the request's reply went out) and
 * done(arg) (may be NULL) then runs on the control thread once the job
 * has run, in relay_workers_settle. One such job is pending at a time: the
 * next relay_worker_defer or relay_worker_run settles it first, so
 * whatever the control thread does next sees the job done. arg must stay
 * valid until done. Control thread only. */
void relay_worker_defer(relay_worker *w, relay_job_fn fn, void *arg, void (*done)(void *arg));
/* Sends the deferred job to its worker if it is not there yet. */
void relay_workers_kick(void);
/* Waits for the pending deferred job, if any, and runs its done. */
void relay_workers_settle(void);
/* Settles the deferred job only when it has run; true when none is
 * pending (then or before). */
bool relay_workers_settled(void);

/* Jobs' helpers, to be called from inside a job (on the worker). */
bool relay_worker_attach(relay_worker *w, relay_stream *s); /* adds fds to epoll */
void relay_worker_detach(relay_worker *w, relay_stream *s); /* removes them */
/* One socket of an attached stream: a leg's RTCP socket, made or dropped
 * when the leg's rtcp-mux changes (cmd_apply.c). */
bool relay_worker_sock_attach(relay_worker *w, relay_sock *rs);
void relay_worker_sock_detach(relay_worker *w, relay_sock *rs);
relay_stream *relay_worker_streams(relay_worker *w); /* list head */
const relay_worker_totals *relay_worker_get_totals(const relay_worker *w);
int relay_worker_index(const relay_worker *w);
/* CPU time worker w's thread has used (the kernel's per-thread clock):
 * its load, read from any thread without touching the packet path. */
double relay_worker_cpu_seconds(const relay_worker *w);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t relay_now_ms(void);

#endif
