/*
 * rtp/relay/rxprev.h — a leg's previous receive context, kept when a new
 * one replaces it, so a peer's key change needs no MKI to be hitless on
 * srtpd's side. Without an MKI (most phones) a packet does not say which
 * master key protected it (RFC 3711 §3.2.1), and a peer that re-offers a
 * new key keeps sending under its old one until it has the answer (RFC
 * 4568 §7.1.4): srtpd tries the current context first and the previous
 * one when the current fails authentication (trial decryption by auth
 * tag, bounded to these two contexts). The previous one goes
 * RELAY_RX_PREV_GRACE_MS after the first packet the current one
 * authenticated, or at the next replacement. A packet that only the
 * previous context authenticates is accepted from the leg's current peer
 * address only: it never moves the peer (a forked call's other branch
 * still sending under its key must not take the leg).
 */
#ifndef SDESGATE_RELAY_RXPREV_H
#define SDESGATE_RELAY_RXPREV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay/call.h"

/* Reordered packets under the old key still arrive this long after the
 * peer's first packet under the new one. */
#define RELAY_RX_PREV_GRACE_MS 2000

/* Unprotects p (SRTP or SRTCP) in place with the leg's receive context(s).
 * *via_prev tells whether only the previous context authenticated it. */
sg_status relay_rx_unprotect(relay_leg *x, bool rtcp, uint8_t *p, size_t len, size_t cap,
                             size_t *plen, int64_t now_ms, bool *via_prev);

/* On the worker, when a new receive context replaces x->rx: the replaced
 * one becomes the previous one; returns the context that must be freed
 * (the former previous one, or NULL). */
sg_srtp_ctx *relay_rx_replace(relay_leg *x, sg_srtp_ctx *nrx);

#endif
