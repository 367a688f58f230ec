/*
 * tests/relay/rtpengine_ng.h — what the benchmarks send RTPengine: its ng
 * `offer` and `answer` for a one-stream audio call, and the SDP they
 * carry. relay-bench and control-bench drive RTPengine the same way, so
 * the two compare it on the same messages.
 */
#ifndef SDESGATE_TESTS_RELAY_RTPENGINE_NG_H
#define SDESGATE_TESTS_RELAY_RTPENGINE_NG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A one-stream PCMU SDP on 127.0.0.1 port, o= version `version`:
 * RTP/SAVP with "a=crypto:TAG SUITE inline:B64" when suite is set (key30:
 * the 16-byte key and 14-byte salt), else RTP/AVP; a=rtcp-mux when mux.
 * Returns its length, or 0 when it does not fit in cap. */
size_t rte_sdp(char *out, size_t cap, int version, unsigned port, bool mux, int tag,
               const char *suite, const uint8_t key30[30]);

/* RTPengine's ng body (bencode, no cookie) for `command` ("offer" or
 * "answer") of call id with sdp: DTLS off, from-tag "ft"; an offer asks
 * for RTP/SAVP toward the answerer, an answer carries to-tag "tt".
 * Returns its length, or 0 when it does not fit in cap. */
size_t rte_ng_body(char *out, size_t cap, const char *command, const char *id, const char *sdp,
                   size_t sdp_len);

#endif
