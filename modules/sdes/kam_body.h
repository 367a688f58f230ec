/*
 * modules/sdes/kam_body.h — the SDP body of a SIP message in Kamailio:
 * find and check it, parse it with Kamailio's own SDP parser (core/parser/
 * sdp), and replace it with lumps (Kamailio 5.6's core/data_lump.h).
 */
#ifndef SDESGATE_SDES_KAM_BODY_H
#define SDESGATE_SDES_KAM_BODY_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

/* Outcome of sdes_kam_body_sdp(). */
typedef enum sdes_kam_body_rc {
    SDES_KAM_BODY_OK = 0,
    SDES_KAM_BODY_NONE = 1,    /* no body at all (late offer, BYE, ...) */
    SDES_KAM_BODY_NOT_SDP = 2, /* a body, neither application/sdp nor multipart/mixed */
    SDES_KAM_BODY_BAD = 3,     /* application/sdp that Kamailio's parser rejects */
} sdes_kam_body_rc;

/* The message's SDP body in *body (pointing into msg->buf) after checking
 * Content-Type (absent means application/sdp, RFC 3261 §20.15 leaves it to
 * the UA; Kamailio's sdpops does the same) and parsing it with parse_sdp().
 * On anything but OK, *reason is a short constant sentence. */
sdes_kam_body_rc sdes_kam_body_sdp(sip_msg_t *msg, str *body, const char **reason);

/* Replace the whole body with len bytes of text (copied to pkg memory;
 * the lump owns the copy). Returns 0, or -1 (logged) when Kamailio could
 * not make the lumps. The core fixes Content-Length when it sends. */
int sdes_kam_body_replace(sip_msg_t *msg, const char *text, int len);

/* Makes a message whose SDP sdes.so refused safe to relay: its body is
 * replaced by an SDP that rejects every stream (call/sdpsafe.h; nothing of
 * the original's addresses, ports or keys) and Content-Type becomes
 * application/sdp. Returns 1 (replaced; *streams m= lines), 0 (no body:
 * nothing to do) or -1 (Kamailio could not make the lumps; logged). */
int sdes_kam_body_neuter(sip_msg_t *msg, int *streams);

#endif
