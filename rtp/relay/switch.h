/*
 * rtp/relay/switch.h — deferred send-key switches ("rekey" with
 * "switch-after", docs/protocol.md). A SIP edge that gives a re-offerer a
 * new key in its answer must not protect with that key before the
 * re-offerer has the answer (RFC 4568 §7.1.4; with MKIs the receiver tells
 * the keys apart, RFC 3711 §3.2.1): the key is added at once, the switch
 * waits for the edge's "use" (sent at the re-offerer's ACK) or, as a safety
 * net, for its deadline. Control thread only: the records hang off the
 * call, the switch itself runs as an ordinary rekey job on the worker.
 */
#ifndef SDESGATE_RELAY_SWITCH_H
#define SDESGATE_RELAY_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/call.h"

#define RELAY_SWITCH_AFTER_MAX 60000 /* ms: longest deferral a request may ask */

/* One pending switch of (stream, leg)'s send key. */
typedef struct relay_switch {
    int stream, leg;
    uint8_t use[SG_SRTP_MAX_MKI_LEN];                      /* MKI to switch to */
    uint8_t retire[SG_SRTP_MAX_KEYS][SG_SRTP_MAX_MKI_LEN]; /* retired after it */
    size_t nretire;
    int64_t due_ms;   /* relay_now_ms() when srtpd switches by itself */
    int64_t armed_ms; /* when it was recorded (for the log) */
    struct relay_switch *next;
} relay_switch;

/* The pending switch of (stream, leg), or NULL. */
relay_switch *relay_switch_find(relay_call *call, int stream, int leg);

/* Records a pending switch, replacing one for the same (stream, leg).
 * Returns the record (owned by the call) or NULL when out of memory. */
relay_switch *relay_switch_arm(relay_call *call, int stream, int leg);

/* Forgets one pending switch (sw must be the call's). */
void relay_switch_drop(relay_call *call, relay_switch *sw);

/* Forgets every pending switch of the call (delete, media timeout). */
void relay_switch_drop_all(relay_call *call);

/* The earliest deadline over all calls, or INT64_MAX when none is pending. */
int64_t relay_switch_next_due(relay_call *calls);

#endif
