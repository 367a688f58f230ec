/*
 * modules/sdes/call/pending.h — the set of calls with a deferred send-key
 * switch toward a re-offerer (docs/sdes-module.md "Edge-initiated rekey"):
 * sdes_rekey()'s answer gives the re-offerer a new key from us, srtpd adds
 * it at the 2xx but switches only when the re-offerer's ACK shows it has the answer (RFC
 * 4568 §7.1.4; srtpd "rekey" "switch-after", docs/protocol.md). The set
 * answers "does this ACK complete a pending switch?" without a control
 * round trip, so ACKs of every other call cost one lookup here.
 *
 * Bounded and self-cleaning: a fixed number of slots; an entry expires
 * when srtpd's own deadline has passed (it switched by itself), and a full
 * set drops the entry closest to expiry (srtpd's deadline covers it). The
 * caller provides the memory (shared memory in sdes.so) and the lock.
 * Kamailio-free (unit tests).
 */
#ifndef SDESGATE_SDES_CALL_PENDING_H
#define SDESGATE_SDES_CALL_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDES_CALL_PENDING_SLOTS 1024 /* calls between a rekey's 2xx and its ACK */
#define SDES_CALL_PENDING_SW    16   /* switches per call (one per m= line) */
#define SDES_CALL_CID_MAX       255

/* One deferred switch: srtpd "rekey" leg, stream, use. */
typedef struct sdes_call_pswitch {
    int stream;
    char leg;
    int64_t mki;
} sdes_call_pswitch;

typedef struct sdes_call_pending {
    uint32_t hash;      /* of the Call-ID; 0 = free slot */
    uint32_t tag_hash;  /* of the re-offerer's From-tag: the ACK comes from it */
    uint32_t cseq;      /* the re-INVITE's; its ACK carries the same number */
    int relay;          /* sdes.so's index of the call's relay */
    int64_t expires_ms; /* monotonic ms: srtpd's deadline */
    size_t cid_len;
    char cid[SDES_CALL_CID_MAX];
    int n;
    sdes_call_pswitch sw[SDES_CALL_PENDING_SW];
} sdes_call_pending;

typedef struct sdes_call_pending_set {
    volatile int live; /* entries in use: read without the lock as a hint */
    sdes_call_pending e[SDES_CALL_PENDING_SLOTS];
} sdes_call_pending_set;

/* FNV-1a, never 0 (0 marks a free slot). */
uint32_t sdes_call_pending_hash(const char *s, size_t len);

/* Records p (hash filled in here), replacing an entry for the same
 * Call-ID. Expired entries are dropped first; when the set is full the
 * entry closest to expiry goes. Returns 1, or 2 when an entry had to be
 * dropped to make room, -1 on bad input. */
int sdes_call_pending_put(sdes_call_pending_set *s, const sdes_call_pending *p, int64_t now_ms);

/* The entry an ACK completes: same Call-ID, from the re-offerer (tag
 * hash), CSeq at least the re-INVITE's (RFC 3261 §17.1.1.3: an ACK for a
 * 2xx carries its INVITE's number; a later one means the exchange is over
 * too). Found and not expired: copied to *out and removed, returns 1.
 * Otherwise 0 (an expired entry is removed as well). */
int sdes_call_pending_take(sdes_call_pending_set *s, const char *cid, size_t cid_len,
                           uint32_t tag_hash, uint32_t cseq, int64_t now_ms,
                           sdes_call_pending *out);

#endif
