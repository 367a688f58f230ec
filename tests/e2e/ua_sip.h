/*
 * tests/e2e/ua_sip.h — the SIP side of the end-to-end test agents (RFC 3261,
 * UDP only): a socket, requests and responses written as text, everything
 * received parsed with libosip2. Enough for one call: INVITE / 1xx / final /
 * ACK / BYE with Record-Route (loose routing, RFC 3261 §16.12) and simple
 * retransmission; not a general stack.
 */
#ifndef SDESGATE_TESTS_E2E_UA_SIP_H
#define SDESGATE_TESTS_E2E_UA_SIP_H

#include <netinet/in.h>
#include <osipparser2/osip_parser.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct ua_sip {
    int fd;
    char host[64];
    unsigned port;
} ua_sip;

int ua_sip_open(ua_sip *s, const char *host, unsigned port);
/* host (IPv4 or IPv6, brackets allowed) and port as a sockaddr; -1 when it
 * is no address literal. */
int ua_addr_parse(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len);
/* Send text to host:port. Returns 0 or -1. */
int ua_sip_send(ua_sip *s, const char *host, unsigned port, const char *text, size_t len);
/* Wait up to timeout_ms for a datagram that libosip2 parses; *out is freed
 * by the caller with osip_message_free. Returns 1 got one, 0 timeout,
 * -1 error. Unparsable datagrams are counted in *garbage and skipped. */
int ua_sip_recv(ua_sip *s, int timeout_ms, osip_message_t **out, unsigned *garbage);

/* A fresh token (hex) for tags, branches, Call-IDs. */
void ua_sip_token(char *buf, size_t cap);

/* The message's first body and whether its Content-Type is application/sdp
 * (or absent). Returns the body (NUL-terminated, owned by msg) or NULL. */
const char *ua_sip_body(osip_message_t *msg, int *is_sdp);

/* Headers a response copies from its request (RFC 3261 §8.2.6.2): Via(s),
 * From, To (+ to_tag when the request has none), Call-ID, CSeq, and
 * Record-Route for 2xx to INVITE (§12.1.1). Returns length or -1. */
int ua_sip_response(char *buf, size_t cap, osip_message_t *req, int code, const char *reason,
                    const char *to_tag, const char *contact, const char *ctype, const char *body);

/* host:port of a URI (port 5060 when absent). */
int ua_sip_uri_hostport(osip_uri_t *uri, char *host, size_t cap, unsigned *port);

/* Where a response to req goes: the top Via's sent-by, honouring its
 * received= and rport= (RFC 3261 §18.2.2, RFC 3581). host/port unchanged
 * when req has no Via. */
void ua_sip_via_target(osip_message_t *req, char *host, size_t cap, unsigned *port);

#endif
