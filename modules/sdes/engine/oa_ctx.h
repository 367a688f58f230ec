/*
 * modules/sdes/engine/oa_ctx.h — engine-internal: the context one offer or
 * answer works on (offer_answer.c makes it per call, heap-allocated: the
 * state copy is large) and the steps the offer side (oa_offer.c) and the
 * answer side (oa_answer.c) share (oa_shared.c). Nothing outside the
 * engine includes it.
 */
#ifndef SDESGATE_SDES_OA_CTX_H
#define SDESGATE_SDES_OA_CTX_H

#include "engine_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Everything one call needs; heap-allocated (the state copy is large). */
typedef struct oa_ctx {
    const sdes_config *cfg;
    const sdes_policy *pol;
    sdes_policy def_pol;
    sdes_sdp sdp;
    sdes_result *res;
    sdes_state next; /* becomes *state on success */
    plan_media plan[SDES_MAX_MEDIA];
    sdes_crypto_attr attr; /* scratch */
    sdes_rand_pool rnd;    /* key material for this call */
} oa_ctx;

/* Appends a note to the result ("; " between notes; silently cut when full). */
__attribute__((format(printf, 2, 3))) void oa_note(oa_ctx *c, const char *fmt, ...);
/* Sets the result's code and reason ("NAME: text (details)"); returns code. */
__attribute__((format(printf, 3, 4))) sdes_rej oa_reject(oa_ctx *c, sdes_rej code, const char *fmt,
                                                         ...);
/* A rejection without details. */
sdes_rej oa_reject0(oa_ctx *c, sdes_rej code);
/* The rejection for an SDP the index refused (st at line). */
sdes_rej oa_sdp_status_rej(oa_ctx *c, sdes_sdp_status st, int line);
/* Copies an SDP token, anything but printable ASCII as '?'. */
void oa_copy_span(const sdes_sdp *s, sdes_span sp, char *dst, size_t cap);
/* Fills the result's description of media i from the SDP as received. */
void oa_describe(oa_ctx *c, int i, const sdes_relay *relays, size_t n_relays);
/* The acceptable a=crypto lines of media i, best first; returns the count. */
int oa_acceptable(oa_ctx *c, int i, int *idx, const char **first_reason);
/* Parses the media's j-th a=crypto line into c->attr. */
sdes_ca_status oa_parse_line(oa_ctx *c, int i, int j);
/* Keeps the previous send key after the new ones (MKI rekey, hitless). */
void oa_keep_old_key(sdes_keyset *nk, const sdes_keyset *prev);
/* The MKI length of a peer's own keys (0: none, or no a=crypto yet). */
uint8_t oa_peer_mki(const sdes_keyset *peer);
/* Strips the a=crypto lines of a stream the engine leaves alone. */
void oa_strip_untouched_crypto(oa_ctx *c, int i);

/* The offer side (oa_offer.c) and the answer side (oa_answer.c) of media
 * i: the plan and the next state; SDES_REJ_OK or the rejection. */
sdes_rej oa_offer_media(oa_ctx *c, int i, const sdes_state_media *prev);
sdes_rej oa_answer_media(oa_ctx *c, int i, sdes_state_media *sm);

#endif
