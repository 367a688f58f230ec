/*
 * rtp/relay/store.h — srtpd's call state in Redis (docs/ha.md). Every
 * change of a call is written, a call's end deletes its record; a
 * restarted srtpd (or a standby taking over) reads them back
 * (relay/recover.c). Writes never block the packet path or a control
 * reply: the control thread encodes and seals the record and hands it to
 * the store's writer thread through a bounded queue that keeps only the
 * latest record per call; a Redis outage is logged once, counted, and on
 * reconnect every live call is written again. Without `redis` configured
 * every function here is a no-op.
 */
#ifndef SDESGATE_RELAY_STORE_H
#define SDESGATE_RELAY_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/bencode.h"
#include "relay/call.h"

struct relay_daemon;

/* Send marks are set this many indices ahead (store_rec.c, docs/ha.md). */
#define RELAY_STORE_SRTP_STEP  64
#define RELAY_STORE_SRTCP_STEP 16
/* The active relay's heartbeat: written every RELAY_STORE_HEARTBEAT_MS,
 * expiring after three; a standby takes over once it is gone. */
#define RELAY_STORE_HEARTBEAT_MS 500
/* Records waiting for the writer at most (distinct calls). */
#define RELAY_STORE_QUEUE_MAX 65536

/* From the configuration: reads the secret and auth files, starts the
 * writer thread. true without `redis` (nothing to do); false with a
 * message when the configuration is wrong. */
bool relay_store_start(struct relay_daemon *d, char *err, size_t errlen);
/* At start, before the control sockets open: every call of the store
 * rebuilt (recover.c) when this relay is active. The number loaded. */
int relay_store_recover(struct relay_daemon *d);
void relay_store_stop(struct relay_daemon *d);
/* A standby becomes active and takes every call of the store (srtpctl
 * takeover, or by itself when the heartbeat expired). false when this
 * relay is not a standby. */
bool relay_store_takeover(struct relay_daemon *d, const char *why);
bool relay_store_enabled(void);
/* A store in the standby role (not taken over yet). */
bool relay_store_standby(void);

/* The call changed: its record is queued (latest wins). */
void relay_store_put(struct relay_daemon *d, relay_call *call);
/* The call ends: its record is deleted (not at shutdown: a restarted
 * srtpd takes the calls back). why as relay_delete_call's. */
void relay_store_gone(struct relay_daemon *d, relay_call *call, const char *why);
/* Once a second from the control loop: index marks, resync after an
 * outage, the heartbeat, the standby's watch. */
void relay_store_tick(struct relay_daemon *d);
/* A standby holds no call: offer, answer, update and rekey are refused
 * (the SIP side then finds the active relay); true for those. */
bool relay_store_refuses(const char *cmd);
/* The "store" dict of `statistics`. */
void relay_store_stats(ctl_benc *w);

#endif
