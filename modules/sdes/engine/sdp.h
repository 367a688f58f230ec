/*
 * modules/sdes/engine/sdp.h — a read-only line index of one SDP body (RFC 4566 §5),
 * just deep enough for the SDES engine: where the session and media c= lines,
 * m= lines, a=crypto, a=rtcp, a=rtcp-mux and direction attributes are. The
 * body is never copied or modified; the rewriter (sdp_rewrite.c) walks the
 * same index and copies every line it does not own byte for byte.
 *
 * Accepted: LF or CRLF line ends, bodies up to SDES_SDP_MAX_BODY bytes whose
 * first line is "v=0". Rejected with a reason: larger bodies, multipart
 * bodies, non-SDP, NUL bytes, lines that are not "<letter>=", blank lines
 * between lines, malformed m= lines, too many media sections.
 */
#ifndef SDESGATE_SDES_SDP_H
#define SDESGATE_SDES_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDES_SDP_MAX_BODY   (64 * 1024)
#define SDES_MAX_MEDIA      16
#define SDES_SDP_MAX_CRYPTO 32 /* a=crypto lines per media section */

typedef struct sdes_span {
    uint32_t off; /* offset into the body */
    uint32_t len;
} sdes_span;

typedef struct sdes_sdp_line {
    uint32_t off; /* first byte (the type letter) */
    uint32_t len; /* without the line end */
} sdes_sdp_line;

typedef enum sdes_dir {
    SDES_DIR_NONE = 0, /* no direction attribute (sendrecv by default) */
    SDES_DIR_SENDRECV,
    SDES_DIR_SENDONLY,
    SDES_DIR_RECVONLY,
    SDES_DIR_INACTIVE,
} sdes_dir;

/* A c= line: "c=IN IP4 192.0.2.1" (RFC 4566 §5.7). */
typedef struct sdes_sdp_conn {
    int line; /* line index, -1 when absent */
    bool ip6;
    sdes_span addr; /* the address (without /ttl) */
    bool hold;      /* 0.0.0.0 or :: (RFC 3264 §8.4 old-style hold) */
} sdes_sdp_conn;

typedef struct sdes_sdp_media {
    int m_line;          /* index of the m= line */
    int end;             /* one past the last line of the section */
    sdes_span media;     /* "audio" */
    sdes_span port_span; /* the port digits */
    uint32_t port;
    sdes_span proto;    /* "RTP/AVP" */
    sdes_sdp_conn conn; /* media-level c= */
    int rtcp_line;      /* a=rtcp, -1 when absent */
    bool rtcp_mux;
    sdes_dir dir;
    int n_crypto;
    int crypto_lines[SDES_SDP_MAX_CRYPTO];
} sdes_sdp_media;

typedef struct sdes_sdp {
    const char *body;
    size_t len;
    sdes_sdp_line *lines; /* malloc'd */
    int n_lines;
    sdes_sdp_conn conn; /* session-level c= */
    sdes_dir dir;       /* session-level direction */
    int n_sess_crypto;  /* a=crypto above the first m= (invalid: RFC 4568
                            * §9.1 makes it media level); the rewriter drops
                            * them so no key crosses the edge that way */
    int sess_crypto_lines[SDES_SDP_MAX_CRYPTO];
    int n_media;
    sdes_sdp_media media[SDES_MAX_MEDIA];
} sdes_sdp;

typedef enum sdes_sdp_status {
    SDES_SDP_OK = 0,
    SDES_SDP_TOO_LARGE,
    SDES_SDP_MULTIPART,
    SDES_SDP_NOT_SDP,
    SDES_SDP_MALFORMED,
    SDES_SDP_TOO_MANY_MEDIA,
    SDES_SDP_TOO_MANY_CRYPTO,
    SDES_SDP_ALLOC,
} sdes_sdp_status;

/* Indexes body[0..len). On error *err_line is the 1-based line number (0 when
 * not about one line). The sdp must be released with sdes_sdp_free(). */
sdes_sdp_status sdes_sdp_parse(const char *body, size_t len, sdes_sdp *sdp, int *err_line);
void sdes_sdp_free(sdes_sdp *sdp);

/* Line text pointer and length. */
static inline const char *sdes_sdp_line_ptr(const sdes_sdp *s, int i)
{
    return s->body + s->lines[i].off;
}

/* Proto classes of RFC 3551 / RFC 3711 / RFC 5124 m= lines. */
typedef enum sdes_proto {
    SDES_PROTO_OTHER = 0, /* not RTP we handle (UDP/TLS/RTP/SAVPF, udptl...) */
    SDES_PROTO_AVP,
    SDES_PROTO_SAVP,
    SDES_PROTO_AVPF,
    SDES_PROTO_SAVPF,
} sdes_proto;

sdes_proto sdes_sdp_proto(const sdes_sdp *s, const sdes_sdp_media *m);
const char *sdes_proto_name(sdes_proto p);
static inline bool sdes_proto_secure(sdes_proto p)
{
    return p == SDES_PROTO_SAVP || p == SDES_PROTO_SAVPF;
}
sdes_proto sdes_proto_to_secure(sdes_proto p);
sdes_proto sdes_proto_to_plain(sdes_proto p);

/* The effective direction of a media section (media level wins). */
sdes_dir sdes_sdp_media_dir(const sdes_sdp *s, const sdes_sdp_media *m);
/* The connection address that applies to a media section (media c= or the
 * session c=), or NULL. */
const sdes_sdp_conn *sdes_sdp_media_conn(const sdes_sdp *s, const sdes_sdp_media *m);

#endif
