/*
 * rtp/ctl/server.h — the server side of the control protocol: read one
 * datagram, split the ng frame, decode the dict, check authentication and
 * replay, answer a retransmitted cookie from the reply cache, otherwise run
 * the command handler once and send (and cache) its signed reply.
 *
 * Outcomes (docs/protocol.md "Errors"):
 *   - not an ng frame (no cookie): dropped silently (nothing to answer to);
 *   - with a secret: missing/bad HMAC, stale timestamp: dropped silently
 *     and counted (answering would help an attacker probe);
 *   - replayed nonce (new cookie): dropped silently and counted;
 *   - malformed dict, unknown command, bad fields: {"result": "error",
 *     "error-reason": ...}.
 */
#ifndef SDESGATE_CTL_SERVER_H
#define SDESGATE_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/bencode.h"
#include "ctl/ng.h"

/* The handler writes the reply dict's entries (key, value pairs) into w,
 * between the "d" and "e" the server adds; it must include "result". Its
 * return value is ignored; the reply is cached either way. */
typedef void (*ctl_handler_fn)(void *arg, const ctl_be_doc *doc, const ctl_be *req, ctl_benc *w);

typedef struct ctl_server_stats {
    uint64_t received, executed, retransmits, malformed, auth_failed, replayed;
} ctl_server_stats;

typedef struct ctl_server ctl_server;

/* fd: a bound datagram socket (ctl_listen). secret may be NULL. */
ctl_server *ctl_server_new(int fd, const void *secret, size_t secret_len, ctl_handler_fn fn,
                           void *arg);
void ctl_server_free(ctl_server *s);
/* Reads and answers every datagram waiting on the socket (non-blocking). */
void ctl_server_poll(ctl_server *s);
/* Handles one datagram already read; reply_len 0 when nothing is to be
 * sent. The reply points into server memory valid until the next call. */
void ctl_server_handle(ctl_server *s, const char *msg, size_t len, const char **reply,
                       size_t *reply_len);
const ctl_server_stats *ctl_server_get_stats(const ctl_server *s);
/* Wipes cached replies whose time is up (call about once a second: replies
 * can carry secrets, e.g. srtpd's `state`). */
void ctl_server_expire(ctl_server *s);
/* Allowed clock skew in seconds (default CTL_AUTH_SKEW_S). */
void ctl_server_set_skew(ctl_server *s, int64_t skew_s);

#endif
