/*
 * rtp/relay/parse.h — reading the leg and crypto dictionaries of srtpd's
 * control commands (docs/protocol.md "Leg fields", "Crypto dict") into
 * checked values, with SRTP contexts already built, before anything in a
 * call changes.
 */
#ifndef SDESGATE_RELAY_PARSE_H
#define SDESGATE_RELAY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctl/bencode.h"
#include "relay/call.h"
#include "relay/iface.h"

/* A leg's requested changes; contexts are built here, swapped in by
 * relay_leg_apply() (on the worker), and the replaced ones freed by
 * relay_leg_update_free() (on the control thread). */
typedef struct relay_leg_update {
    bool present;
    bool has_transport, srtp;
    bool has_family;
    int family;
    bool has_iface; /* "interface" given: ifname, resolved to iface (cmd_iface.c) */
    char ifname[RELAY_IFACE_NAME_MAX];
    int iface;
    bool has_addr;
    struct sockaddr_storage rtp, rtcp;
    socklen_t len;
    bool has_strict, strict;
    bool has_mux, mux;
    sg_srtp_ctx *rx, *tx; /* new contexts (built here), or NULL */
    sg_srtp_ctx *rx_gone; /* a leg's previous receive context, replaced */
    const sg_suite *rx_suite, *tx_suite;
    uint8_t rx_mki_len, tx_mki_len;
    bool rx_unauth;             /* the new rx context is UNAUTHENTICATED_SRTP */
    relay_crypto_spec *spec[2]; /* recv, send: copies for the store (store_rec.h) */
    /* rtcp-mux changes on an existing leg (cmd_apply.c): the RTCP socket
     * bound for a leg that leaves rtcp-mux (moved into the leg on the
     * worker), and the one a leg that takes rtcp-mux gives back (closed
     * with the update). */
    bool has_new_rtcp, has_old_rtcp;
    int new_rtcp_fd, old_rtcp_fd;
    uint16_t new_rtcp_port;
} relay_leg_update;

/* MKI value v as len bytes, big-endian (RFC 4568 §6.1 "MKI:length");
 * false when it does not fit. */
bool relay_mki_from_int(int64_t v, size_t len, uint8_t *out);
/* An optional 0/1 flag: true when absent (out unchanged) or valid. */
bool relay_flag(const ctl_be_doc *doc, const ctl_be *d, const char *key, bool *out);
/* One key dict for a context with sp's suite and MKI length. */
bool relay_parse_key(const ctl_be_doc *doc, const ctl_be *k, const relay_crypto_spec *sp,
                     relay_key *out, const char **why);
/* A crypto dict into spec (keys wiped by the caller with
 * relay_crypto_spec_wipe). */
bool relay_parse_crypto(const ctl_be_doc *doc, const ctl_be *c, relay_crypto_spec *sp,
                        const char **why);
/* A leg dict (NULL = no change); builds the SRTP contexts it names. */
bool relay_parse_leg(const ctl_be_doc *doc, const ctl_be *l, relay_leg_update *u, char *why,
                     size_t whylen);
/* Frees the replaced contexts and closes an RTCP socket not taken over or
 * given back (control thread). */
void relay_leg_update_free(relay_leg_update *u);
/* On the worker: applies u to leg, swapping the replaced contexts into u. */
void relay_leg_apply(relay_leg *leg, relay_leg_update *u);

#endif
