/*
 * modules/sdes/call/audit.h — the per-call audit line of sdes.so, made from
 * srtpd's final statistics (the reply to "delete", docs/protocol.md): per
 * stream and leg, transport, suites and MKIs in each direction, packets in
 * and out, drops by reason. Never a key: srtpd's reply carries none, and
 * only suites, MKIs and counters are copied out. Kamailio-free.
 */
#ifndef SDESGATE_SDES_CALL_AUDIT_H
#define SDESGATE_SDES_CALL_AUDIT_H

#include <stddef.h>

#include "ctl/bencode.h"

/* One line, e.g.
 *   "m=0 a:SRTP recv=AES_CM_128_HMAC_SHA1_80/mki1 send=- in=150 out=148
 *    drops=auth:2; b:RTP in=148 out=150 drops=0"
 * into out (always NUL-terminated, cut short when cap is small). Returns
 * the number of streams described. */
int sdes_call_audit_format(const ctl_be_doc *doc, const ctl_be *reply, char *out, size_t cap);

#endif
