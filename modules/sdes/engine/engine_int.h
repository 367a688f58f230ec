/*
 * modules/sdes/engine/engine_int.h — internal interfaces between the engine's files
 * (not for the Kamailio glue): key sets (keyset.c) and the rewrite plan that
 * offer_answer.c fills and sdp_rewrite.c carries out.
 */
#ifndef SDESGATE_SDES_ENGINE_INT_H
#define SDESGATE_SDES_ENGINE_INT_H

#include "sdes/engine/sdes_engine.h"

/* ---- keyset.c ---- */

/* Random bytes for one engine call, drawn from RAND_bytes in one go: each
 * RAND_bytes call costs about a microsecond in OpenSSL 3 (parameter lookup,
 * fork check), several times the rest of a key's work. Wiped after use. */
typedef struct sdes_rand_pool {
    uint8_t buf[192]; /* a 2-stream offer with two 46-byte keys each fits */
    size_t used, len;
} sdes_rand_pool;
bool sdes_rand_take(sdes_rand_pool *pool, uint8_t *out, size_t n);
void sdes_rand_wipe(sdes_rand_pool *pool);

/* Fresh keys for one a=crypto line (RFC 4568 §6.1): with mki, n = policy
 * gen-keys master keys from RAND_bytes (through the pool), each with the
 * next MKI (policy gen-mki bytes); without, one key and no MKI (several
 * keys need MKIs to be told apart). Each has the policy lifetime. false
 * when RAND_bytes fails (out wiped). */
bool sdes_keyset_generate(const sdes_policy *p, const sg_suite *suite, uint32_t tag, bool mki,
                          uint32_t *next_mki, sdes_rand_pool *pool, sdes_keyset *out);
/* Wipes the keys in use (OPENSSL_cleanse) and zeroes the rest. */
void sdes_keyset_wipe(sdes_keyset *k);
void sdes_state_media_wipe(sdes_state_media *m);
/* Copies a usable parsed attribute (at most SDES_MAX_DIR_KEYS keys). */
void sdes_keyset_from_attr(const sdes_crypto_attr *a, sdes_keyset *out);
/* Writes "a=crypto:..." for a keyset into buf (NUL-terminated). */
bool sdes_keyset_format(const sdes_keyset *k, char *buf, size_t cap, size_t *len);

/* ---- sdp_rewrite.c ---- */

typedef enum plan_crypto {
    PLAN_CRYPTO_KEEP = 0, /* a=crypto lines kept byte for byte */
    PLAN_CRYPTO_FILTER,   /* keep the lines in keep_mask, drop the rest */
    PLAN_CRYPTO_REPLACE,  /* drop all, write emit[] where the first one was */
} plan_crypto;

typedef struct plan_media {
    bool touch;        /* the engine owns m=/c=/a=rtcp/a=crypto here */
    bool strip_crypto; /* untouched stream: copy all but its a=crypto */
    sdes_proto out_proto;
    bool rewrite_port; /* m= port and a=rtcp port to the relay */
    bool rewrite_addr; /* c= (and a=rtcp address) to the relay */
    plan_crypto crypto;
    uint32_t keep_mask; /* bit j: keep the media's j-th a=crypto line */
    int n_emit;
    const sdes_keyset *emit[SDES_MAX_OFFER_LINES];
} plan_media;

/* ---- rtcp_port.c ---- */

/* The RTCP port an SDP with (mux) or without a=rtcp-mux names for relay r
 * (docs/sdes-module.md "RTCP ports"). */
unsigned sdes_rtcp_port(const sdes_relay *r, bool mux);
/* Whether that port needs an a=rtcp line (RFC 3605) when the author wrote
 * none: it is not port + 1, the port a peer assumes without one. */
bool sdes_rtcp_line_needed(const sdes_relay *r, bool mux);

/* Writes the rewritten body (CRLF) into a malloc'd buffer. */
sdes_rej sdes_rewrite(const sdes_sdp *sdp, const plan_media *plan, const sdes_relay *relays,
                      size_t n_relays, bool keep_ice, bool isolate, char **out, size_t *out_len);

#endif
