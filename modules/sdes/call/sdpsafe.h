/*
 * modules/sdes/call/sdpsafe.h — what sdes.so leaves in a message whose SDP it
 * refused (issue: no SDP leaves unprocessed), and the connection addresses
 * it refuses up front. Kamailio-free (unit-tested in tests/e2e/
 * kam_sdpsafe_test.c); sdes_mod.c applies it at the module's entry points
 * so no failure path of sdes_offer/sdes_answer/sdes_rekey can skip it.
 */
#ifndef SDESGATE_SDES_CALL_SDPSAFE_H
#define SDESGATE_SDES_CALL_SDPSAFE_H

#include <stddef.h>

/* At most SDES_NEUTER_MAX_M m= lines of at most 16 formats each fit
 * SDES_NEUTER_CAP bytes. */
#define SDES_NEUTER_MAX_M 32
#define SDES_NEUTER_CAP   16384

/* Writes into out (cap bytes, NUL-terminated) an SDP that rejects every
 * stream of body (len bytes; a plain SDP or a multipart body with one SDP
 * part): the same m= lines (media, proto, formats) with port 0, c= and o=
 * with the null address of the first c= line's family (IN IP4 0.0.0.0 or
 * IN IP6 ::), the o= session id and version kept when they are numbers,
 * and nothing else: no a= (keys, candidates, rtcp addresses), no b=, no
 * i=/u=/e=/p= lines. Tokens are copied only when they are plain (letters,
 * digits, "/._+-"); RTP formats only as numbers; anything else becomes a
 * neutral default. A body that holds no SDP gives an SDP without m=
 * lines. *streams: m= lines written (may be NULL). Returns the length, or
 * 0 when cap is too small (then nothing usable is in out). */
size_t sdes_call_neuter(const char *body, size_t len, char *out, size_t cap, int *streams);

/* Checks every c= line of an SDP (or of a multipart body's SDP part): each
 * must be "IN IP4 <IPv4 literal>" or "IN IP6 <IPv6 literal>" (an optional
 * /ttl or /count suffix allowed), the only addresses srtpd relays to.
 * Returns 0, or -1 with one sentence naming the bad value in why (cap
 * bytes; the value is cut to 64 printable characters). */
int sdes_call_sdp_addr_check(const char *body, size_t len, char *why, size_t cap);

#endif
