/*
 * rtp/relay/store_codec.h — a call's record in the store (docs/ha.md
 * "Record format"): bencode, version 1. What is not secret (legs,
 * interfaces, ports, peers, suites and parameters, send MKIs, index marks)
 * is in clear so an operator can read it; the master keys and salts and the
 * SIP side's sdes-state are sealed with AES-256-GCM under a key derived
 * (HKDF-SHA256) from the relay group's secret, with the clear part as
 * associated data, so Redis alone gives no key and a changed clear part
 * fails to open.
 */
#ifndef SDESGATE_RELAY_STORE_CODEC_H
#define SDESGATE_RELAY_STORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/call.h"
#include "relay/iface.h"
#include "relay/store_rec.h"

#define RELAY_STORE_FORMAT    1
#define RELAY_STORE_EPOCH_MAX 2047         /* epoch << 20 stays a 31-bit SRTCP index */
#define RELAY_STORE_REC_MAX   (256 * 1024) /* largest record written or read */

/* The sealing keys: the current one (writes and reads) and optionally the
 * previous one (reads only, during a rotation). An id names each (the
 * first 4 bytes of an HKDF output under another label), so a reader
 * picks the key a record was sealed with. */
typedef struct relay_store_keys {
    uint8_t cur[32], prev[32];
    uint32_t cur_id, prev_id;
    bool has_prev;
} relay_store_keys;

/* Derives the keys from the secrets (prev may be NULL). false on an
 * OpenSSL failure. */
bool relay_store_keys_init(relay_store_keys *k, const char *cur, size_t cur_len, const char *prev,
                           size_t prev_len);
void relay_store_keys_wipe(relay_store_keys *k);

/* The media interfaces (--interface, --interface6) written with each leg
 * (set once at start; "" = none). */
void relay_store_codec_interfaces(const relay_ifaces *ifs);

/* One leg as the record has it (the rest is in relay_rec). */
typedef struct relay_img_leg {
    char iface[64]; /* the media interface's name ("" = not recorded) */
    int family;
    uint16_t port;
    uint16_t rtcp_port; /* its own RTCP port; 0 = none (one port, rtcp-mux) */
    bool srtp, mux, strict;
} relay_img_leg;

/* A call as read back from the store. */
typedef struct relay_call_img {
    char id[RELAY_CALLID_MAX];
    int64_t created_unix_ms;
    uint64_t version;
    bool present[RELAY_MAX_STREAMS];
    relay_img_leg leg[RELAY_MAX_STREAMS][2];
    relay_rec rec; /* specs with keys, peers, marks */
    uint8_t *state;
    size_t state_len;
} relay_call_img;

/* The call's record into out (cap bytes); its length, 0 when it did not
 * fit or sealing failed. legs[i] describes stream i's legs (control
 * thread: transport, rtcp-mux, strict-source, port, family). */
size_t relay_store_encode(const relay_store_keys *k, const relay_call *call,
                          int64_t created_unix_ms, char *out, size_t cap);

/* A record back into img (free with relay_call_img_free). false with why
 * set: not a record, another format version, unknown key id, does not
 * open (wrong secret, altered), inconsistent. */
bool relay_store_decode(const relay_store_keys *k, const char *buf, size_t len, relay_call_img *img,
                        char *why, size_t whylen);
void relay_call_img_free(relay_call_img *img);

#endif
