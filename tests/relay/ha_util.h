/*
 * tests/relay/ha_util.h — helpers of the srtpd high-availability tests: a
 * private redis-server (unix socket in a temporary directory, no
 * persistence), srtpd started and restarted on the same control address
 * and port range (what an operator's restart or a standby on the same
 * host sees), SIGKILL, and media running through many calls at once with
 * the gap a relay loss leaves measured per direction.
 */
#ifndef SDESGATE_TESTS_RELAY_HA_UTIL_H
#define SDESGATE_TESTS_RELAY_HA_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tests/relay/relay_peer.h"

typedef struct ha_redis {
    pid_t pid;
    char dir[128];  /* temporary directory (socket, config) */
    char sock[192]; /* DIR/redis.sock */
} ha_redis;

/* Starts redis-server on a unix socket in a fresh temporary directory
 * (dir reused when already set: a restart keeps the path). */
bool ha_redis_start(ha_redis *r);
/* SIGTERM and wait; the directory stays (ha_redis_clean removes it). */
void ha_redis_stop(ha_redis *r);
void ha_redis_clean(ha_redis *r);
/* Writes a relay group's secret (a test value, 0600) to group.secret in
 * r's directory; its path into path. */
bool ha_group_secret(const ha_redis *r, char *path, size_t cap);
/* Runs redis-cli -s SOCK ARGS... with its stdout into out (NUL-terminated,
 * truncated at cap); its exit status. */
int ha_redis_cli(const ha_redis *r, char *out, size_t cap, const char *const *args);
extern size_t ha_cli_len; /* bytes the last ha_redis_cli wrote into out */

/* Starts srtpd with fixed control address ctl ("udp:127.0.0.1:P") and port
 * range and the extra arguments; waits for "pong" (5 s). The ru_srtpd
 * is filled like ru_srtpd_start's. */
bool ha_srtpd_start(ru_srtpd *d, const char *ctl, int pmin, int pmax, const char *log,
                    const char *const *extra);
/* SIGKILL and reap: the relay dies without deleting anything. */
void ha_srtpd_kill(ru_srtpd *d);

/* How many calls srtpd lists. -1 when it does not answer. */
int ha_count_calls(ru_srtpd *d);

/* Media on n calls: each direction (A->B, B->A) sends one packet with the
 * next sequence number of its own SSRC every round and looks for it at the
 * other end. ha_media_round sends one round and waits up to wait_ms for
 * the packets; returns how many directions delivered theirs. seq[] holds
 * 2*n next sequence numbers (A->B at 2i, B->A at 2i+1). */
int ha_media_round(tcall *calls, int n, uint16_t *seq, int wait_ms, bool *got);

/* After a relay loss: rounds every 20 ms until every direction delivered
 * again or timeout_ms passed; gap_ms[2n] gets, per direction, the time
 * from t0_ms (the loss) to its first packet through (-1: never). */
void ha_media_resume(tcall *calls, int n, uint16_t *seq, int64_t t0_ms, int timeout_ms,
                     int64_t *gap_ms);

/* The ledger of what the SRTP endpoints received from srtpd (every packet
 * of ha_media_round / ha_media_resume, SRTP and SRTCP): reset it, add to
 * it, and count (SSRC, index) pairs seen with two different packets in one
 * direction — keystream reuse under that direction's one key. */
void ha_ledger_reset(void);
void ha_ledger_add(uint32_t dir, bool rtcp, uint32_t ssrc, uint64_t index, const uint8_t *p,
                   size_t len);
size_t ha_ledger_reuse(size_t *packets, size_t *srtcp);

int64_t ha_now_ms(void);
/* Median and maximum of the non-negative values; how many there were. */
int ha_gap_stats(const int64_t *v, int n, int64_t *median, int64_t *max);

#endif
