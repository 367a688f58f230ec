/*
 * rtp/relay/snapshot.h — a copy of one stream's state taken on its worker
 * (counters, peer addresses, suites and the key tables' public view: MKI,
 * lifetime, use counts, fingerprint — never key bytes), so the control
 * thread can write query/delete/statistics replies without touching state
 * the worker owns.
 */
#ifndef SDESGATE_RELAY_SNAPSHOT_H
#define SDESGATE_RELAY_SNAPSHOT_H

#include "ctl/bencode.h"
#include "relay/call.h"
#include "relay/worker.h"

typedef struct relay_leg_snap {
    bool srtp, rtcp_mux, strict_source, peer_known, latched;
    bool connected; /* sends through its connected twin socket */
    int family;
    uint16_t port;
    struct sockaddr_storage peer_rtp, peer_rtcp;
    const sg_suite *rx_suite, *tx_suite;
    sg_srtp_key_info rx_keys[SG_SRTP_MAX_KEYS], tx_keys[SG_SRTP_MAX_KEYS];
    size_t n_rx, n_tx;
    int64_t idle_ms;
    relay_counters c;
} relay_leg_snap;

typedef struct relay_stream_snap {
    int index;
    relay_leg_snap leg[2];
} relay_stream_snap;

/* On the worker. */
void relay_snap_take(const relay_stream *s, relay_stream_snap *out);
/* The stream as a bencoded dict (query, delete). */
void relay_snap_write(ctl_benc *w, const relay_stream_snap *s);
/* Adds a leg's counters into totals. */
void relay_counters_add(relay_counters *t, const relay_counters *c);
/* The counters as dict entries (no surrounding dict). */
void relay_counters_write(ctl_benc *w, const relay_counters *c);

/* A worker's totals and the summed counters of the legs it carries
 * (`statistics`, /metrics). */
typedef struct relay_worker_tally {
    relay_counters c;
    relay_worker_totals t;
    uint64_t streams;
} relay_worker_tally;
/* The job (relay_worker_run) that fills a relay_worker_tally. */
void relay_job_tally(relay_worker *w, void *arg);

#endif
