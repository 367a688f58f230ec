/*
 * rtp/srtp/sg_srtp.h — public interface of sdesgate's SRTP/SRTCP transform
 * (RFC 3711; AES-192/256-CM from RFC 6188; AEAD AES-GCM from RFC 7714).
 *
 * A context (sg_srtp_ctx) protects OR unprotects (one direction), for every
 * SSRC it sees, with a table of master keys selected by MKI. The relay keeps
 * one receive context and one send context per leg.
 *
 * Contract for every call:
 *   - caller-owned buffers; in == out (in place) is allowed;
 *   - no allocation, no logging, no locking on the packet path
 *     (protect/unprotect); a context is used by one thread at a time;
 *   - keys are copied in, wiped (OPENSSL_cleanse) when retired, on free and
 *     on every error path; tags compared with CRYPTO_memcmp;
 *   - a bad or truncated packet returns a status, never reads out of bounds,
 *     and leaves the context (replay window, ROC, counters) unchanged.
 *
 * Prefix: sg_ (never srtp_: libsrtp owns that and the tests link libsrtp).
 */
#ifndef SDESGATE_SRTP_SG_SRTP_H
#define SDESGATE_SRTP_SG_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp/status.h"
#include "srtp/suite.h"

#define SG_SRTP_MAX_KEYS       16  /* master keys per context */
#define SG_SRTP_MAX_MKI_LEN    128 /* RFC 4568 §6.1: MKI length 1..128 bytes */
#define SG_SRTP_MAX_KEY_LEN    32
#define SG_SRTP_MAX_SALT_LEN   14
#define SG_SRTP_DEFAULT_WINDOW 128
#define SG_SRTP_MAX_WINDOW     4096
#define SG_SRTP_DEFAULT_SSRCS  8
#define SG_SRTP_MAX_TRAILER    (SG_SRTP_MAX_MKI_LEN + 16 + 4) /* MKI + tag + SRTCP index */

typedef enum sg_srtp_dir {
    SG_SRTP_PROTECT = 1,   /* sender: protect / srtcp_protect */
    SG_SRTP_UNPROTECT = 2, /* receiver: unprotect / srtcp_unprotect */
} sg_srtp_dir;

/* Events, read and cleared with sg_srtp_take_events(). */
#define SG_EV_SOFT_LIMIT   0x1u /* the send key passed its soft limit */
#define SG_EV_KEY_SWITCHED 0x2u /* the send key changed automatically at lifetime */
#define SG_EV_EXHAUSTED    0x4u /* no key has lifetime left: protect refuses */

typedef enum sg_roc_policy {
    SG_ROC_KEEP = 0,  /* a new master key continues the stream's ROC (RFC 3711) */
    SG_ROC_RESET = 1, /* a switch to a new key restarts ROC at 0 (some peers);
                       * the receiver then refuses packets under older keys
                       * (REPLAY_OLD): their replay window is gone */
} sg_roc_policy;

typedef struct sg_srtp_params {
    const sg_suite *suite; /* required */
    sg_srtp_dir dir;       /* required */
    uint8_t kdr;           /* key derivation rate exponent: 0 = derive once;
                                 * n in 1..24 = re-derive every 2^n packets
                                 * (RFC 3711 §4.3.1; RFC 4568 KDR=n) */
    bool unencrypted_srtp; /* RFC 4568 §6.3.2 session parameters */
    bool unencrypted_srtcp;
    bool unauthenticated_srtp;
    uint16_t replay_window; /* packets; 0 = SG_SRTP_DEFAULT_WINDOW; <= MAX */
    uint8_t mki_len;        /* MKI length on the wire; 0 = no MKI. Every key
                                 * of the context has this length. */
    uint16_t max_ssrcs;     /* streams kept; 0 = SG_SRTP_DEFAULT_SSRCS */
    uint64_t soft_limit;    /* raise SG_EV_SOFT_LIMIT when the send key has
                                 * this many packets left; 0 = 1/16 of its
                                 * lifetime */
    sg_roc_policy roc_policy;
    bool evict_lru; /* all max_ssrcs slots taken: false = a new SSRC
                                 * is TOO_MANY_SSRC; true = its first good
                                 * packet replaces the least recently used
                                 * stream (for peers that change SSRC often) */
} sg_srtp_params;

typedef struct sg_srtp_key {
    const uint8_t *master_key;  /* suite->key_len bytes */
    const uint8_t *master_salt; /* suite->salt_len bytes */
    const uint8_t *mki;         /* params.mki_len bytes, or NULL when no MKI */
    uint64_t lifetime;          /* packets; 0 = the suite maximum; capped at it */
} sg_srtp_key;

/* Read-only view of one master key for statistics (never the key itself). */
typedef struct sg_srtp_key_info {
    uint8_t mki[SG_SRTP_MAX_MKI_LEN];
    uint8_t mki_len;
    uint64_t lifetime;
    uint64_t srtp_used; /* SRTP packets protected/unprotected with it */
    uint64_t srtcp_used;
    bool current;           /* the send key (protect contexts) */
    uint8_t fingerprint[4]; /* first bytes of SHA-256(key||salt): for logs */
    uint32_t gen;           /* order of adding: a later key has a higher gen */
} sg_srtp_key_info;

typedef struct sg_srtp_ctx sg_srtp_ctx;

/* New context with no key yet. Errors: BAD_PARAM, UNSUPPORTED, ALLOC, CRYPTO. */
sg_status sg_srtp_ctx_new(const sg_srtp_params *params, sg_srtp_ctx **out);

/* Wipes every key and frees. NULL is a no-op. */
void sg_srtp_ctx_free(sg_srtp_ctx *ctx);

/* Adds a master key (copied). The first key added becomes the send key.
 * Allowed while traffic flows. Errors: BAD_PARAM, BAD_KEY, TOO_MANY_KEYS,
 * DUPLICATE_MKI, CRYPTO. */
sg_status sg_srtp_add_key(sg_srtp_ctx *ctx, const sg_srtp_key *key);

/* Makes the key with this MKI the send key (protect contexts).
 * A context without MKI (mki_len 0) holds exactly one key: a second
 * sg_srtp_add_key() is TOO_MANY_KEYS, and rekeying means a new context.
 * Errors: BAD_PARAM, UNKNOWN_MKI, KEY_EXPIRED. */
sg_status sg_srtp_use_key(sg_srtp_ctx *ctx, const uint8_t *mki, size_t mki_len);

/* Removes the key with this MKI and wipes it; packets naming it then fail
 * with UNKNOWN_MKI. Retiring the send key is BAD_PARAM. */
sg_status sg_srtp_retire_key(sg_srtp_ctx *ctx, const uint8_t *mki, size_t mki_len);

/* SRTP (RFC 3711 §3.3). in/in_len is an RTP packet; out receives the SRTP
 * packet (needs in_len + MKI + tag bytes). Errors: BAD_PARAM, MALFORMED,
 * BUFFER_SMALL, NO_KEY, KEY_EXPIRED, TOO_MANY_SSRC, CRYPTO; REPLAY when this
 * index was already protected (a second encryption would reuse keystream,
 * RFC 3711 §9.1; libsrtp2 refuses too) and REPLAY_OLD when it is behind the
 * window, would need a ROC below 0, or (SG_ROC_RESET) the send key is older
 * than the stream's last one (Appendix A estimate: the sender keeps
 * the receiver's estimate so a relay may forward reordered packets).
 * Layout: header | payload | MKI | tag; AEAD (GCM): header | payload | tag |
 * MKI (RFC 7714 §8, as libsrtp2). */
sg_status sg_srtp_protect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                          size_t out_cap, size_t *out_len);

/* Unprotects an SRTP packet into out (RTP, at most in_len bytes). Errors:
 * BAD_PARAM, MALFORMED, BUFFER_SMALL, UNKNOWN_MKI, AUTH_FAIL, REPLAY,
 * REPLAY_OLD, KEY_EXPIRED, NO_KEY, TOO_MANY_SSRC, CRYPTO. On any error the
 * context is unchanged and out's content is unspecified. */
sg_status sg_srtp_unprotect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                            size_t out_cap, size_t *out_len);

/* SRTCP (RFC 3711 §3.4): E flag + 31-bit SRTCP index, optional MKI, tag.
 * Same errors as the SRTP calls. The index is kept per SSRC (the sender
 * SSRC at bytes 4-7) and starts at 0; it never wraps: past 2^31 - 1
 * protect returns KEY_EXPIRED for that SSRC. SRTCP is always authenticated (tag
 * suite->srtcp_tag_len, 10 bytes even for the _32 suites); the receiver
 * follows the packet's E flag.
 * Layout: RTCP | E+index | MKI | tag; AEAD (GCM): RTCP | tag | E+index |
 * MKI (RFC 7714 §9). */
sg_status sg_srtcp_protect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                           size_t out_cap, size_t *out_len);
sg_status sg_srtcp_unprotect(sg_srtp_ctx *ctx, const uint8_t *in, size_t in_len, uint8_t *out,
                             size_t out_cap, size_t *out_len);

/* Sets the rollover counter (and, for protect contexts, the next sequence
 * expectation is taken from the next packet) for an SSRC, creating its stream
 * if needed: used when a peer signals a ROC, and in tests to start near a
 * wrap. Errors: BAD_PARAM, TOO_MANY_SSRC. */
sg_status sg_srtp_set_roc(sg_srtp_ctx *ctx, uint32_t ssrc, uint32_t roc);
/* Errors: BAD_PARAM (unknown SSRC). */
sg_status sg_srtp_get_roc(const sg_srtp_ctx *ctx, uint32_t ssrc, uint32_t *roc);

/* Resuming (resume.c): a stream's index state, read out of one context and
 * put into a new one with the same keys (a relay restarted or taken over),
 * so the new context neither protects an index again nor accepts a replay
 * of one at or below it. Never holds key material. */
typedef struct sg_srtp_stream_info {
    uint32_t ssrc;
    bool has_srtp;
    uint64_t srtp_index; /* highest SRTP index (ROC << 16 | SEQ) */
    bool has_srtcp;
    uint32_t srtcp_index; /* send: last SRTCP index used; receive: highest */
    bool has_key;         /* the MKI of the last SRTP packet's key (SG_ROC_RESET) */
    uint8_t key_mki[SG_SRTP_MAX_MKI_LEN];
} sg_srtp_stream_info;
/* Slots to ask for (0 .. slots-1); false for an unused slot. */
size_t sg_srtp_stream_slots(const sg_srtp_ctx *ctx);
bool sg_srtp_stream_info_get(const sg_srtp_ctx *ctx, size_t slot, sg_srtp_stream_info *out);
/* Puts a stream's state in (claiming its slot): every index at or below the
 * given ones counts as already used. A caller that cannot know the exact
 * last index gives a higher one (a forward jump: docs/ha.md). Errors:
 * BAD_PARAM, TOO_MANY_SSRC. */
sg_status sg_srtp_stream_resume(sg_srtp_ctx *ctx, const sg_srtp_stream_info *in);
/* A protect context's first SRTCP index for a stream it has no state of
 * (default 0): a rebuilt context starts streams it has no mark for above
 * every index the lost one could have used (docs/ha.md). BAD_PARAM past
 * 2^31 - 1. */
sg_status sg_srtp_set_srtcp_floor(sg_srtp_ctx *ctx, uint32_t floor);

/* Returns the pending SG_EV_* bits and clears them. */
uint32_t sg_srtp_take_events(sg_srtp_ctx *ctx);

/* Number of keys in the table, and a view of key i (0-based, table order). */
size_t sg_srtp_key_count(const sg_srtp_ctx *ctx);
sg_status sg_srtp_key_info_get(const sg_srtp_ctx *ctx, size_t i, sg_srtp_key_info *info);

/* The SRTP overhead a protect adds with the current key: MKI + tag
 * (SRTCP adds 4 more for the index). */
size_t sg_srtp_overhead(const sg_srtp_ctx *ctx);

#endif
