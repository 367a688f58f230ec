/*
 * rtp/ctl/ng.h — the ng message framing ("COOKIE SPACE BENCODED-DICT"), the
 * shared-secret authentication of requests and replies, the reply cache and
 * the replay (nonce) set. See docs/protocol.md for the wire format.
 *
 * Authentication (when a secret is configured on both sides): the dict
 * carries three extra keys
 *     "auth-ts"    integer, Unix time in seconds when the message was made
 *     "auth-nonce" string, 32 hex digits; fresh per request; a reply repeats
 *                  its request's nonce, which binds the reply to the request
 *     "auth-hmac"  string, 64 hex digits: HMAC-SHA256(secret, M) where M is
 *                  the whole datagram (cookie, space, dict) with the 64
 *                  digits of auth-hmac itself replaced by 64 '0' characters.
 * The receiver checks the HMAC (CRYPTO_memcmp), that auth-ts is within the
 * allowed skew, and (server side) that the nonce was not used before inside
 * the skew window: a captured request cannot be replayed later.
 */
#ifndef SDESGATE_CTL_NG_H
#define SDESGATE_CTL_NG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/bencode.h"

#define CTL_MAX_MSG       65535 /* largest datagram we accept or send */
#define CTL_MAX_COOKIE    64
#define CTL_NONCE_HEX     32
#define CTL_HMAC_HEX      64
#define CTL_AUTH_SKEW_S   30  /* default allowed clock difference */
#define CTL_AUTH_OVERHEAD 160 /* bytes ctl_auth_sign() appends at most */

/* Splits "COOKIE SPACE BODY". The cookie is 1..CTL_MAX_COOKIE printable
 * non-space bytes. Returns false when the frame is malformed. */
bool ctl_ng_split(const char *msg, size_t len, const char **cookie, size_t *cookie_len,
                  const char **body, size_t *body_len);

/* Fills out with 2*n random hex digits from RAND_bytes (n <= 32) and a NUL.
 * Returns false when the CSPRNG failed. */
bool ctl_random_hex(char *out, size_t n);
/* in[0..n) as 2*n lowercase hex digits and a NUL. */
void ctl_hex(const unsigned char *in, size_t n, char *out);

/* Adds auth-ts, auth-nonce and auth-hmac to the message msg[0..*len) (a
 * frame whose body is a dict), in place; cap is the buffer size (needs
 * *len + CTL_AUTH_OVERHEAD). nonce is CTL_NONCE_HEX hex digits. Returns
 * false when the frame is not "cookie d...e" or does not fit. */
bool ctl_auth_sign(const void *secret, size_t secret_len, char *msg, size_t *len, size_t cap,
                   int64_t ts, const char *nonce);

/* Checks the HMAC and timestamp of a decoded frame (root is its dict,
 * decoded from msg). On success copies the nonce (CTL_NONCE_HEX + NUL) into
 * nonce_out when not NULL and returns NULL; else returns the reason. */
const char *ctl_auth_verify(const void *secret, size_t secret_len, const char *msg, size_t len,
                            const ctl_be_doc *doc, const ctl_be *root, int64_t now, int64_t skew,
                            char *nonce_out);

/* The SHA-256 of a message (the reply cache compares retransmissions). */
void ctl_digest(const void *msg, size_t len, uint8_t out[32]);

/* Reply cache keyed by cookie: a retransmission (same cookie, same request
 * bytes) gets the cached reply and is not executed again. Bounded: at most
 * `capacity` entries (the oldest goes first), each for ttl_ms. */
typedef struct ctl_cache ctl_cache;
ctl_cache *ctl_cache_new(size_t capacity, int64_t ttl_ms);
void ctl_cache_free(ctl_cache *c);
/* 1: hit, *reply and *reply_len point into the cache (valid until the next
 * store); -1: the cookie is cached for a different request; 0: miss. */
int ctl_cache_lookup(ctl_cache *c, const char *cookie, size_t cookie_len, const uint8_t digest[32],
                     int64_t now_ms, const char **reply, size_t *reply_len);
/* Stores a copy; false when out of memory (the reply is still sent). */
bool ctl_cache_store(ctl_cache *c, const char *cookie, size_t cookie_len, const uint8_t digest[32],
                     const char *reply, size_t reply_len, int64_t now_ms);
/* Wipes and frees every expired reply (a lookup only drops the entry it
 * finds expired: call this about once a second, replies can hold secrets). */
void ctl_cache_expire(ctl_cache *c, int64_t now_ms);
size_t ctl_cache_count(const ctl_cache *c);

/* Nonces seen within the authentication window (server side). Bounded:
 * when full of unexpired nonces, ctl_nonce_check_add() refuses (fails
 * closed) rather than forgetting one early. */
typedef struct ctl_nonce_set ctl_nonce_set;
ctl_nonce_set *ctl_nonce_set_new(size_t capacity, int64_t window_s);
void ctl_nonce_set_free(ctl_nonce_set *s);
/* 0: new nonce, remembered; -1: seen before (replay); -2: set full. */
int ctl_nonce_check_add(ctl_nonce_set *s, const char *nonce, int64_t now_s);

#endif
