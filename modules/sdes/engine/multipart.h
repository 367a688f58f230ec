/*
 * modules/sdes/engine/multipart.h — find the one application/sdp part of a
 * multipart body (RFC 2046 §5.1; in SIP RFC 5621, e.g. SIP-I's SDP + ISUP),
 * so the engine can rewrite that part and leave every other byte alone.
 */
#ifndef SDESGATE_SDES_MULTIPART_H
#define SDESGATE_SDES_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sdes_mp_status {
    SDES_MP_OK = 0,
    SDES_MP_NOT_MULTIPART, /* the body does not start with "--boundary" */
    SDES_MP_MALFORMED,     /* no closing delimiter, bad boundary, header overrun */
    SDES_MP_NO_SDP,        /* no part with Content-Type application/sdp */
    SDES_MP_SEVERAL_SDP,   /* more than one SDP part: which one is meant? */
} sdes_mp_status;

/* On SDES_MP_OK, body[*off, *off + *n) is the SDP part's content (without
 * the CRLF that belongs to the next delimiter). The boundary is taken from
 * the first line (the body's Content-Type parameter is not available to a
 * body-only API; RFC 2046 requires the body to start with it when there is
 * no preamble). Bodies with a preamble are MALFORMED here. */
sdes_mp_status sdes_multipart_sdp(const char *body, size_t len, size_t *off, size_t *n);

#endif
