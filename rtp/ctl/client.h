/*
 * rtp/ctl/client.h — the client side of the control protocol (used by the
 * Kamailio module and srtpctl): frame a request dict with a fresh cookie,
 * authenticate it when a secret is set, send it over UDP or a unix datagram
 * socket, retransmit the SAME bytes on timeout (the server answers a
 * retransmission from its reply cache), match the reply's cookie, verify
 * its authentication and decode it.
 *
 * A ctl_client is used by one thread at a time (one per Kamailio process).
 */
#ifndef SDESGATE_CTL_CLIENT_H
#define SDESGATE_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl/bencode.h"
#include "ctl/ng.h"

typedef struct ctl_client ctl_client;

/* addr: see ctl/sock.h. secret may be NULL (no authentication).
 * timeout_ms per attempt, retries extra attempts. NULL with err set. */
ctl_client *ctl_client_new(const char *addr, const void *secret, size_t secret_len, int timeout_ms,
                           int retries, char *err, size_t errlen);
void ctl_client_free(ctl_client *c);

/* Sends one request (body: a bencoded dict, e.g. built with ctl_benc) and
 * waits for its reply. reply_buf (reply_cap >= CTL_MAX_MSG recommended)
 * receives the reply datagram; on success *root is the reply dict decoded
 * into doc (strings point into reply_buf) and 0 is returned. Returns -1
 * with err set on timeout, transport error, bad or unauthenticated reply.
 * A reply whose "result" is "error" is still a success here: read its
 * "error-reason". */
int ctl_client_call(ctl_client *c, const char *body, size_t body_len, char *reply_buf,
                    size_t reply_cap, ctl_be_doc *doc, const ctl_be **root, char *err,
                    size_t errlen);
/* How much of reply_buf the last ctl_client_call wrote (its longest
 * datagram, stale ones included): what a caller must wipe when replies
 * may carry keys, instead of the whole buffer. */
size_t ctl_client_reply_hw(const ctl_client *c);

#endif
