/*
 * modules/sdes/call/callstate.h — the call's "sdes-state" as srtpd keeps it
 * (docs/protocol.md): Kamailio holds nothing per call, so everything the
 * module needs to go on with a call rides in this opaque blob.
 *
 * A forked INVITE (RFC 3261 §16.7) can draw answers from several branches,
 * one To-tag each (§12.1: each is its own early or confirmed dialog). The
 * state keeps, per branch, the engine state after its last answer (its
 * keys toward us), the answer body it sent (so srtpd can be moved back to
 * it: media address and keys come from that SDP) and the body we passed on
 * for it, so a repeat of the same branch's answer (a retransmitted 2xx, a
 * 200 repeating its 183's SDP, §13.2.2.4) gets the same body. Which branch
 * srtpd relays is "active"; a 2xx makes it "committed" (later answers from
 * other branches no longer move media).
 *
 * Layout (version 3; all lengths big-endian):
 *   "SK" 0x03 | taglen u8 | offerer tag | u16 len | offer state
 *   | flags u8 (bit 0: committed, bit 1: offer from leg b's side)
 *   | active u8 (index, 0xff: none)
 *   | n u8 | n x ( taglen u8 | to-tag | u16 len | answer state
 *                  | u16 len | answer in | u16 len | answer out )
 *   | u16 len | the call's bound policy (call/bind.h; 0: none)
 * States are the engine's sdes_state_pack() bytes. Version 2 is version 3
 * without the policy part (read as a call with no bound policy: the next
 * offer binds one). Version 1 (one answer,
 * no To-tag: "SK" 0x01 | taglen | tag | u16 offer | u16 answer [| u16
 * cache]) is still read, as one committed branch with an empty tag that
 * stands for any tag and without bodies (its cache is dropped), so calls
 * set up by an older sdes.so go on.
 *
 * Nothing here copies: the unpacked view points into the blob, and pack
 * reads whatever buffers the view points to. Kamailio-free (unit tests).
 */
#ifndef SDESGATE_SDES_CALL_CALLSTATE_H
#define SDESGATE_SDES_CALL_CALLSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDES_CALL_MAX_BRANCHES 8   /* answering branches kept per call */
#define SDES_CALL_TAG_MAX      256 /* tags are cut to 255 bytes */

typedef struct sdes_call_branch {
    char tag[SDES_CALL_TAG_MAX]; /* the branch's tag, NUL-terminated; "" = any */
    const uint8_t *state;        /* packed engine state after its answer */
    size_t state_len;
    const uint8_t *in; /* the answer body it sent; NULL when not kept */
    size_t in_len;
    const uint8_t *out; /* the body we passed on for it; NULL: none */
    size_t out_len;
} sdes_call_branch;

typedef struct sdes_callstate {
    char offerer_tag[SDES_CALL_TAG_MAX]; /* From-tag of the first offer */
    const uint8_t *offer;                /* packed engine state after the last offer */
    size_t offer_len;                    /* 0: none */
    bool committed;                      /* a 2xx (or late-offer ACK) fixed `active` */
    bool offer_from_b;                   /* the pending offer came from leg b's side:
                                  * `offer` is in the engine's mirrored
                                  * orientation (call/mirror.h); branch
                                  * states are always in the first offer's */
    int active;                          /* branch srtpd relays; -1 none */
    int n_branches;
    sdes_call_branch br[SDES_CALL_MAX_BRANCHES]; /* oldest answer first */
    const uint8_t *policy;                       /* the policy bound to the call (call/bind.h);
                                  * NULL/0: none (set up by an older sdes.so) */
    size_t policy_len;
} sdes_callstate;

/* Reads a version 1, 2 or 3 blob into *cs (pointers into buf). Returns 0, or
 * -1 when the blob is malformed (bad magic, lengths, an index out of range). */
int sdes_callstate_unpack(const uint8_t *buf, size_t len, sdes_callstate *cs);

/* Writes *cs as a version 3 blob. Returns bytes written, 0 when cap is too
 * small or a part is too long for its length field. buf must not overlap
 * the buffers cs points to. */
size_t sdes_callstate_pack(const sdes_callstate *cs, uint8_t *buf, size_t cap);

/* The branch with this tag (a stored "" matches any tag), or -1. */
int sdes_callstate_find(const sdes_callstate *cs, const char *tag);

/* Removes branch i, keeping the order; `active` follows (-1 when it was
 * i, and committed is cleared then). */
void sdes_callstate_remove(sdes_callstate *cs, int i);

/* Moves branch i to the end (the latest answer); `active` follows. Returns
 * its new index. */
int sdes_callstate_touch(sdes_callstate *cs, int i);

/* Adds a branch at the end (dropping the oldest one that is neither active
 * nor committed when full). Returns its index, or -1 when no room can be
 * made. The tag is cut to SDES_CALL_TAG_MAX - 1 bytes. */
int sdes_callstate_add(sdes_callstate *cs, const char *tag);

#endif
