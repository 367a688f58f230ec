/*
 * rtp/relay/call.h — srtpd's per-call state: a call has media streams,
 * a stream has two legs ("a" = offer side, "b" = answer side), a leg has its
 * local RTP/RTCP sockets, the peer's address, its transport (plain RTP or
 * SRTP) and, for SRTP, one receive context (unprotect what the peer sends)
 * and one send context (protect what we send to the peer), each with its own
 * master-key table selected by MKI (RFC 3711 §3.2.1, RFC 4568 §6.1).
 *
 * Ownership (see worker.h): the control thread creates and frees calls; once
 * a stream is attached to a worker, only that worker touches the stream's
 * legs, contexts and counters; the control thread reaches them only through
 * a job that runs on the worker. No field is shared concurrently.
 */
#ifndef SDESGATE_RELAY_CALL_H
#define SDESGATE_RELAY_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctl/htab.h"
#include "srtp/sg_srtp.h"

#define RELAY_MAX_STREAMS 16
#define RELAY_CALLID_MAX  256
/* Largest sdes-state a call may hold (docs/protocol.md "sdes-state"): the
 * SDES engine's packed state is < 1 KiB for ordinary calls; the bound keeps
 * a client from parking arbitrary memory in the relay. */
#define RELAY_SDES_STATE_MAX 16384
/* The dialog's tags the SIP side names (from-tag, to-tag), echoed in events
 * so a script can find the dialog; longer ones are refused. */
#define RELAY_TAG_MAX 128

/* Why a packet was dropped: one counter each, per leg (receive side). */
/* clang-format off */ /* a table: one aligned row per entry */
#define RELAY_DROP_MAP(X)                                                  \
    X(AUTH,        "auth")        /* SRTP/SRTCP authentication failed */    \
    X(REPLAY,      "replay")      /* replayed or older than the window */   \
    X(UNKNOWN_MKI, "unknown-mki") /* MKI not in the key table */           \
    X(MALFORMED,   "malformed")   /* not RTP/RTCP, truncated */            \
    X(SOURCE,      "source")      /* from an address other than the peer */ \
    X(NO_PEER,     "no-peer")     /* other leg's address not known yet */   \
    X(KEY,         "key")         /* expired/exhausted key, too many SSRC */ \
    X(SEND,        "send")        /* sendmmsg failed */                     \
    X(KERNEL,      "kernel")      /* socket receive queue overflow */
/* clang-format on */

typedef enum relay_drop {
#define RELAY_DROP_ENUM_(n, s) RELAY_DROP_##n,
    RELAY_DROP_MAP(RELAY_DROP_ENUM_)
#undef RELAY_DROP_ENUM_
        RELAY_DROP_COUNT
} relay_drop;

const char *relay_drop_name(relay_drop d);

typedef struct relay_counters {
    uint64_t rtp_in, rtcp_in, bytes_in;
    uint64_t rtp_out, rtcp_out, bytes_out; /* sent toward this leg's peer */
    uint64_t drop[RELAY_DROP_COUNT];
    /* RFC 5389 STUN on a media port (ICE checks, NAT keep-alives): dropped
     * unanswered, counted here rather than as a "malformed" drop. */
    uint64_t stun;
} relay_counters;

/* One key as it arrives over the control protocol. */
typedef struct relay_key {
    uint8_t master_key[SG_SRTP_MAX_KEY_LEN];
    uint8_t master_salt[SG_SRTP_MAX_SALT_LEN];
    uint8_t mki[SG_SRTP_MAX_MKI_LEN];
    uint64_t lifetime;
} relay_key;

/* One direction's crypto parameters (suite, MKI length, session params). */
typedef struct relay_crypto_spec {
    const sg_suite *suite;
    sg_srtp_params params;
    relay_key keys[SG_SRTP_MAX_KEYS];
    size_t nkeys;
    bool has_use;
    uint8_t use_mki[SG_SRTP_MAX_MKI_LEN];
} relay_crypto_spec;

struct relay_stream;

/* epoll's data.ptr: which socket of which leg. */
typedef struct relay_sock {
    struct relay_stream *stream;
    uint8_t leg;  /* 0 = a, 1 = b */
    uint8_t rtcp; /* 0 = RTP socket, 1 = RTCP socket */
    uint8_t twin; /* 1 = the leg's connected send socket (worker_twin.c) */
    /* 1 once the worker owns fd (adopted into its descriptor table, or made
     * there: worker.c): then only the worker closes it, at detach. */
    uint8_t on_worker;
    /* 1 while a worker receives on it (relay_sock_attach to detach): a
     * loop that ran jobs in the middle of a round (relay_jobs_first) skips
     * what it still holds of a socket they detached. Worker only. */
    uint8_t receiving;
    int fd;
    uint16_t port;
    uint32_t kernel_drops; /* last SO_RXQ_OVFL value seen */
} relay_sock;

typedef struct relay_leg {
    int family;           /* AF_INET or AF_INET6 */
    int iface;            /* index of its media interface (relay/iface.h); fixed */
    bool srtp;            /* SRTP toward/from this peer, else plain RTP */
    bool rtcp_mux;        /* RTP and RTCP on one port (RFC 5761) */
    bool strict_source;   /* accept only from the signalled address */
    relay_sock rtp, rtcp; /* rtcp.fd == -1 with rtcp-mux */
    /* The connected twin of the RTP socket (worker_twin.c): same local
     * address and port, connected to twin_to; fd -1 until the worker made it. */
    relay_sock twin;
    struct sockaddr_storage twin_to;
    bool twin_failed; /* making it failed: the leg sends unconnected */
    struct sockaddr_storage peer_rtp, peer_rtcp;
    socklen_t peer_len;
    bool peer_known;            /* signalled or latched */
    bool latched, latched_rtcp; /* learned from a received packet */
    /* Unauthenticated legs (plain RTP, or SRTP with UNAUTHENTICATED_SRTP
     * on receive) move only by the relatch rule in worker_packet.c: the RTP
     * source's SSRC and last sequence number, when it last sent, and the
     * candidate new source with its run of in-sequence packets. */
    bool rx_unauth; /* the receive context has no SRTP auth tag */
    bool have_ssrc;
    uint32_t ssrc;
    uint16_t seq;
    int64_t src_ms;
    struct sockaddr_storage cand;
    uint16_t cand_seq;
    uint8_t cand_n;
    sg_srtp_ctx *rx, *tx; /* SRTP only */
    /* The receive context rx replaced, tried when rx fails (relay/rxprev.h);
     * dropped at rx_prev_until_ms (0: rx has authenticated nothing yet). */
    sg_srtp_ctx *rx_prev;
    int64_t rx_prev_until_ms;
    bool rx_prev_first;    /* it authenticated the last packet: try it first */
    uint64_t rx_prev_used; /* packets only it authenticated */
    const sg_suite *rx_suite, *tx_suite;
    uint8_t rx_mki_len, tx_mki_len;
    uint32_t events; /* SG_EV_* bits seen on tx, not yet reported */
    int64_t last_rx_ms;
    relay_counters c;
    uint64_t drop_logged[RELAY_DROP_COUNT]; /* drops already reported in the log */
} relay_leg;

typedef struct relay_call relay_call;

typedef struct relay_stream {
    relay_call *call;
    int index; /* media index (m= line) */
    relay_leg leg[2];
    int worker;                         /* owning worker */
    struct relay_stream *wprev, *wnext; /* the worker's list */
    bool attached;
} relay_stream;

struct relay_call {
    relay_stream *streams[RELAY_MAX_STREAMS];
    int worker;
    int64_t created_ms;
    /* The SIP side's opaque per-call state (it holds SRTP keys): stored so
     * a restarted Kamailio loses no call; never logged or listed, wiped
     * when replaced and when the call goes. Control thread only. */
    uint8_t *sdes_state;
    size_t sdes_state_len;
    /* A new value at every store of sdes_state (unique over all calls of
     * this run, random start; 0: none yet): the SIP side's compare-and-
     * swap ("if-version", docs/protocol.md) refuses a request made from
     * another state (two Kamailio processes racing on one call, a
     * version from before a restart). */
    uint64_t sdes_version;
    /* Send-key switches waiting for the SIP side's "use" or their deadline
     * (relay/switch.h). Control thread only. */
    struct relay_switch *switches;
    char from_tag[RELAY_TAG_MAX], to_tag[RELAY_TAG_MAX]; /* "" = not given (cmd_ops.c) */
    /* What the store keeps of the call (relay/store_rec.h); NULL without
     * a store. Control thread only. */
    struct relay_rec *rec;
    /* The call table (calltable.h): the hash index by id and the list of
     * all calls, newest first (prev/next, so unlinking is O(1)). */
    ctl_hnode hnode;
    relay_call *prev, *next;
    char id[]; /* NUL-terminated, < RELAY_CALLID_MAX bytes, allocated with the call */
};

/* A context for one direction from a spec. Errors from sg_srtp_*; on error
 * *out is NULL and *why names the failing step. */
sg_status relay_crypto_build(const relay_crypto_spec *spec, sg_srtp_dir dir, sg_srtp_ctx **out,
                             const char **why);

/* Replaces the call's sdes-state with buf (the call takes ownership of a
 * malloc'd buffer; NULL = none); the old one is wiped and freed, and the
 * call gets a new sdes_version. */
void relay_call_set_state(relay_call *call, uint8_t *buf, size_t len);

/* Wipes the keys in a spec. */
void relay_crypto_spec_wipe(relay_crypto_spec *spec);

#endif
