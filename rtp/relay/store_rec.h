/*
 * rtp/relay/store_rec.h — what srtpd keeps per call for the store
 * (docs/ha.md): a copy of every leg's crypto parameters and master keys as
 * they came over the control protocol (the SRTP library keeps only derived
 * keys, so a context cannot be rebuilt from itself), the signalled peers,
 * and per SSRC the index high-water marks read from the workers. Control
 * thread only; the keys here are wiped with the record.
 */
#ifndef SDESGATE_RELAY_STORE_REC_H
#define SDESGATE_RELAY_STORE_REC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/call.h"
#include "relay/parse.h"

struct relay_daemon;

#define RELAY_REC_SSRCS 4 /* streams (SSRCs) per direction whose marks are kept */

/* Index marks of one SSRC in one direction (sg_srtp_stream_info plus the
 * forward marks of a send context: every index srtpd may have used is at
 * or below them). */
typedef struct relay_rec_mark {
    bool used;
    sg_srtp_stream_info now; /* as last read from the worker */
    uint64_t srtp_mark;      /* send: >= every SRTP index protected */
    uint32_t srtcp_mark;     /* send: >= every SRTCP index used */
} relay_rec_mark;

typedef struct relay_rec_dir {
    bool present;
    relay_crypto_spec spec; /* keys in the order they were added */
    relay_rec_mark marks[RELAY_REC_SSRCS];
} relay_rec_dir;

typedef struct relay_rec_leg {
    bool has_peer;
    struct sockaddr_storage peer_rtp, peer_rtcp;
    socklen_t peer_len;
    relay_rec_dir dir[2]; /* 0 = recv (unprotect), 1 = send (protect) */
} relay_rec_leg;

typedef struct relay_rec_stream {
    relay_rec_leg leg[2];
} relay_rec_stream;

typedef struct relay_rec {
    relay_rec_stream *st[RELAY_MAX_STREAMS];
    uint64_t version; /* bumped on every change written */
    /* Times the call was rebuilt from the store: a rebuilt send context
     * starts SRTCP of streams it has no mark for at epoch << 20. */
    uint32_t epoch;
} relay_rec;

/* A heap copy of a parsed spec (parse.c keeps it in the leg update until
 * relay_rec_apply takes it); NULL when out of memory. */
relay_crypto_spec *relay_rec_spec_dup(const relay_crypto_spec *sp);
/* Wipes and frees *sp; sets it NULL. */
void relay_rec_spec_free(relay_crypto_spec **sp);

/* cmd_apply.c: stream idx of the call took update u (leg 0 and 1): the
 * specs move into the record, the signalled peers are noted. */
void relay_rec_apply(relay_call *call, int idx, relay_leg_update *u);

/* cmd_rekey.c / switch: a rekey of (stream, leg, dir) succeeded with keys
 * add[0..nadd) added: they join the copy, which is then trimmed to the
 * keys the context still holds, its send key noted (a job on the worker). */
void relay_rec_rekey(struct relay_daemon *d, relay_call *call, int stream, int leg, bool send,
                     const relay_key *add, size_t nadd);

/* Reads every stream's index state from the workers (one job per worker)
 * and advances the marks; put(d, call) for each call whose mark moved, or
 * for every call when all is set (a resync). */
void relay_rec_marks_tick(struct relay_daemon *d, bool all,
                          void (*put)(struct relay_daemon *, relay_call *));

/* Frees the record, wiping its keys. */
void relay_rec_free(relay_call *call);

#endif
