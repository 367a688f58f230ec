/*
 * tests/e2e/ua_sdp.h — SDP for the end-to-end test user agents: build an
 * offer/answer, parse what the peer sent with libosip2's SDP parser, and read
 * its a=crypto line (RFC 4568 §9.1). Independent of sdesgate's own code on
 * purpose: the agents check our edge, so they must not share its parsers.
 */
#ifndef SDESGATE_TESTS_E2E_UA_SDP_H
#define SDESGATE_TESTS_E2E_UA_SDP_H

#include <stddef.h>
#include <stdint.h>

#define UA_MAX_KEYSALT   46 /* AES-256: 32-byte key + 14-byte salt */
#define UA_MAX_MKI       16
#define UA_MAX_CRYPTO    8
#define UA_MAX_MORE_KEYS 3 /* further inline keys in one a=crypto line */

typedef struct ua_crypto {
    unsigned tag;
    char suite[40];
    uint8_t keysalt[UA_MAX_KEYSALT];
    size_t keysalt_len;
    uint8_t mki[UA_MAX_MKI]; /* big-endian MKI value, mki_len bytes */
    size_t mki_len;          /* 0: no MKI */
    char lifetime[24];       /* as written, "" when absent */
    /* RFC 4568 §6.1: one line may carry several inline key params, told
     * apart by MKI ("inline:K1|..|1:1;inline:K2|..|2:1"). The first is
     * above; the others here, so a receiver installs them all and accepts
     * a sender that switches keys without a new SDP exchange. */
    struct {
        uint8_t keysalt[UA_MAX_KEYSALT];
        uint8_t mki[UA_MAX_MKI];
        size_t mki_len;
    } more[UA_MAX_MORE_KEYS];
    size_t n_more;
} ua_crypto;

typedef struct ua_sdp {
    char addr[64];  /* connection address (media level or session) */
    unsigned port;  /* first audio stream */
    char proto[24]; /* RTP/AVP, RTP/SAVP ... */
    ua_crypto crypto[UA_MAX_CRYPTO];
    size_t n_crypto;
    size_t n_bad_crypto; /* a=crypto lines this agent could not read */
    char dir[10];        /* sendrecv (default), sendonly, recvonly, inactive */
} ua_sdp;

/* Key+salt length in bytes of a suite libsrtp2 can run, or 0 if unknown. */
size_t ua_suite_keysalt_len(const char *suite);

/* Parse an SDP body with libosip2 and pick out the first audio stream.
 * Returns 0, or -1 with a reason in err. */
int ua_sdp_parse(const char *body, ua_sdp *out, char *err, size_t errlen);

/* Write an SDP: one audio stream, PCMU, proto RTP/AVP or RTP/SAVP, the given
 * crypto lines (n may be 0). Returns the length or -1 when it does not fit. */
int ua_sdp_build(char *buf, size_t cap, const char *addr, unsigned port, const char *proto,
                 const ua_crypto *crypto, size_t n);
/* The same with a direction attribute (RFC 3264 §5.1: hold is sendonly). */
int ua_sdp_build_dir(char *buf, size_t cap, const char *addr, unsigned port, const char *proto,
                     const ua_crypto *crypto, size_t n, const char *dir);

/* Copy text with every inline: key replaced by "<masked>" (for reports). */
void ua_sdp_mask(const char *in, char *out, size_t cap);

/* The keys of one a=crypto line as single-key entries: c itself, then one
 * per c->more[] (same tag, suite, key length). Returns the count (1 + n_more,
 * at most cap). */
size_t ua_crypto_keys(const ua_crypto *c, ua_crypto *out, size_t cap);

/* Fill c->keysalt with fresh random bytes for c->suite (OpenSSL RAND_bytes).
 * Returns 0, -1 on an unknown suite. */
int ua_crypto_new_key(ua_crypto *c);

#endif
